"""The contents page ``reports/index.html``: where a reviewer starts reading.

It shows the study, the design in one table, one line and a key number per chapter, the
methods in short, links to every chapter and every result table, and a visible mark on
any chapter that is missing, failed or was skipped in its last build, or is older than
its inputs. Everything on it is read from files under the output root, so the page is
rebuilt after every run and is byte-identical for identical inputs.

Conventions chapters follow so the page can show their results
---------------------------------------------------------------

* **Key number** — a chapter may write ``reports/tables/<stem>__key_number.csv`` with
  columns ``label,value`` (and optionally ``note``) via ``tables.write_result(df, P, stem,
  "key_number")``. Every row is shown beside the chapter's title as "label: value
  (note)"; write ``value`` already formatted as it should read (``"63.2 %"``, ``"200"``),
  because the page prints it verbatim. The first row is the chapter's headline number.
* **Design table** — the cleaning chapter writes ``reports/tables/02_cleaning__design.csv``
  with columns ``unit_type,population,mapped,answered`` (one row per unit type,
  ``kommune`` and ``fylkeskommune``; counts of units). The page adds coverage
  (mapped/population), response rate (answered/mapped) and overall rate
  (answered/population). Until that table exists the page shows the *published* figures
  of the 2014 report, labelled as such.

Build status comes from ``<out>/.pipeline/status.json`` (written by the pipeline):
``{stem: {"state": "ok"|"failed"|"skipped", "reason": str, "fingerprint": str,
"params": {...} (optional), "error": {...}|null}}``. A chapter is marked *out of date*
when its stored fingerprint differs from ``hashing.chapter_fingerprint(chapter, paths,
params)`` for the current code and inputs (``params`` from the status entry, else from
the ``params`` argument of :func:`write_index`; without either the check is skipped).
"""
from __future__ import annotations

import html
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

import jinja2
import pandas as pd

from . import STUDY_SUBTITLE, STUDY_TITLE, __version__, provenance
from .chapters import CHAPTERS, Chapter
from .config import SSB_ATTRIBUTION, Paths
from .files import atomic_write_text

TEMPLATE_ROOT = Path(__file__).resolve().parent / "templates"
KEY_NUMBER = "key_number"
DESIGN_TABLE = "02_cleaning__design.csv"
DESIGN_COLUMNS = ("unit_type", "population", "mapped", "answered")
STATUS_FILE = "status.json"

#: The design as published in February 2014 (STUDY.md): unit type -> (population, mapped, answered).
PUBLISHED_DESIGN = {
    "kommune": (428, 316, 200),
    "fylkeskommune": (18, 15, 11),
}
UNIT_LABELS = {"kommune": "Municipalities (kommuner)", "fylkeskommune": "County municipalities (fylkeskommuner)",
               "all": "All local governments", "total": "All local governments"}


@dataclass
class ChapterEntry:
    chapter: Chapter
    href: str | None
    key_numbers: list[dict[str, str]] = field(default_factory=list)
    status: str | None = None       # None = fine; else one of missing, failed, skipped, stale
    status_text: str = ""
    tables: list[str] = field(default_factory=list)


def _pct(x: float) -> str:
    return f"{100 * x:.1f} %"


def _int(x: Any) -> str:
    return f"{int(x):,}".replace(",", "\u202f")


def design_rows(paths: Paths) -> tuple[list[dict[str, str]], bool]:
    """Rows of the design table and whether they come from this build (else: published)."""
    path = paths.tables / DESIGN_TABLE
    computed = path.is_file()
    rows: list[dict[str, str]] = []
    if computed:
        df = pd.read_csv(path, dtype={"unit_type": str})
        missing = [c for c in DESIGN_COLUMNS if c not in df.columns]
        if missing:
            raise ValueError(f"{DESIGN_TABLE}: expected columns {list(DESIGN_COLUMNS)}; missing {missing}")
        records = [(str(r.unit_type), int(r.population), int(r.mapped), int(r.answered)) for r in df.itertuples()]
    else:
        records = [(k, *v) for k, v in PUBLISHED_DESIGN.items()]
    if not any(u in ("all", "total") for u, *_ in records):
        records.append(("all", *(sum(r[i] for r in records) for i in (1, 2, 3))))
    for unit, pop, mapped, answered in records:
        rows.append({
            "unit": UNIT_LABELS.get(unit, unit),
            "population": _int(pop), "mapped": _int(mapped), "answered": _int(answered),
            "coverage": _pct(mapped / pop) if pop else "–",
            "response": _pct(answered / mapped) if mapped else "–",
            "overall": _pct(answered / pop) if pop else "–",
            "total": unit in ("all", "total"),
        })
    return rows, computed


def read_status(paths: Paths) -> dict[str, dict]:
    """``<out>/.pipeline/status.json`` as a dict ({} when absent)."""
    path = paths.pipeline_state / STATUS_FILE
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path.name}: not valid JSON ({exc})") from None
    if not isinstance(data, dict):
        raise ValueError(f"{path.name}: expected an object keyed by chapter stem")
    return data


def _current_fingerprint(chapter: Chapter, paths: Paths, params: Mapping[str, Any] | None) -> str | None:
    try:
        from . import hashing
        return hashing.chapter_fingerprint(chapter, paths, params)
    except (ImportError, FileNotFoundError, ValueError):
        return None


def chapter_status(chapter: Chapter, paths: Paths, entry: Mapping[str, Any] | None,
                   params: Mapping[str, Any] | None) -> tuple[str | None, str]:
    """(mark, explanation) of one chapter; mark None means built and up to date."""
    page = paths.reports / f"{chapter.stem}.html"
    if entry:
        state = entry.get("state")
        reason = str(entry.get("reason") or "").strip()
        if state == "failed":
            return "failed", "last build failed" + (f": {reason}" if reason else "")
        if state == "skipped":
            return "skipped", "skipped in the last build" + (f": {reason}" if reason else "")
    if not page.is_file():
        return "missing", "not built yet"
    if entry and entry.get("fingerprint"):
        run_params = entry.get("params", params)
        if run_params is not None:
            now = _current_fingerprint(chapter, paths, run_params)
            if now is not None and now != entry["fingerprint"]:
                return "stale", "out of date: its code or inputs changed after this page was built"
    return None, ""


def key_numbers(paths: Paths, stem: str) -> list[dict[str, str]]:
    """Rows of ``<stem>__key_number.csv`` as {label, value, note} strings ([] when absent)."""
    path = paths.tables / f"{stem}__{KEY_NUMBER}.csv"
    if not path.is_file():
        return []
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    if not {"label", "value"} <= set(df.columns):
        raise ValueError(f"{path.name}: expected columns label,value[,note]; found {list(df.columns)}")
    return [{"label": r["label"], "value": r["value"], "note": r.get("note", "")} for _, r in df.iterrows()]


def collect(paths: Paths, params: Mapping[str, Any] | None = None) -> list[ChapterEntry]:
    status = read_status(paths)
    all_tables = sorted(p.name for p in paths.tables.glob("*.csv")) if paths.tables.is_dir() else []
    entries = []
    for c in CHAPTERS:
        mark, text = chapter_status(c, paths, status.get(c.stem), params)
        page = paths.reports / f"{c.stem}.html"
        entries.append(ChapterEntry(
            chapter=c,
            href=f"{c.stem}.html" if page.is_file() else None,
            key_numbers=key_numbers(paths, c.stem),
            status=mark, status_text=text,
            tables=[t for t in all_tables if t.startswith(f"{c.stem}__")],
        ))
    return entries


def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader([str(TEMPLATE_ROOT), str(TEMPLATE_ROOT / "sk_report")]),
        autoescape=jinja2.select_autoescape(default=True, default_for_string=True),
        keep_trailing_newline=True, trim_blocks=True, lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )


def render_index(paths: Paths, params: Mapping[str, Any] | None = None, *, k_min: int = 3) -> str:
    """The contents page as text (no file written)."""
    entries = collect(paths, params)
    rows, computed = design_rows(paths)
    known = {t for e in entries for t in e.tables}
    other_tables = sorted(p.name for p in paths.tables.glob("*.csv") if p.name not in known) if paths.tables.is_dir() else []
    text = _environment().get_template("index_page.html.j2").render(
        study_title=STUDY_TITLE, study_subtitle=STUDY_SUBTITLE, version=__version__,
        notice_html=provenance.notice_html(provenance.is_synthetic(paths)),
        synthetic=provenance.is_synthetic(paths),
        design=rows, design_computed=computed, design_table=DESIGN_TABLE,
        entries=entries, other_tables=other_tables, k_min=k_min,
        attribution=SSB_ATTRIBUTION, versions=provenance.package_versions(),
    )
    from .report import tidy_html
    return tidy_html(text)


def write_index(paths: Paths, params: Mapping[str, Any] | None = None) -> Path:
    """Write ``reports/index.html`` atomically and return its path."""
    return atomic_write_text(paths.reports / "index.html", render_index(paths, params))


__all__ = ["write_index", "render_index", "collect", "design_rows", "chapter_status", "key_numbers",
           "read_status", "KEY_NUMBER", "DESIGN_TABLE"]
