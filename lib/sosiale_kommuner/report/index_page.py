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
* **Design table** — read from the first of :data:`DESIGN_TABLES` that exists:
  ``02_cleaning__design.csv`` (columns ``unit_type,population,mapped,answered``) or the
  cleaning chapter's ``02_cleaning__coverage_summary.csv`` (columns ``group, population,
  mapped, main_survey``; rows ``kommune (all)``, ``fylkeskommune`` and the size classes,
  shown indented under the municipalities). Counts are units. The page adds coverage
  (mapped/population), response rate (answered/mapped) and overall rate
  (answered/population). Without such a table the page shows the *published* figures of
  the 2014 report, labelled as such.

Build status comes from ``<out>/.pipeline/status.json`` (written by the pipeline):
``{stem: {"state": "ok"|"failed"|"skipped", "reason": str, "fingerprint": str,
"params": {...} (optional), "error": {...}|null}}``. A chapter is marked *out of date*
when the build says so (``stale``): its code or inputs changed after its page was built.
The chapters and their order come from the :class:`~.book.Book` the build passes in.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping

import jinja2
import pandas as pd

from sosiale_kommuner import STUDY_SUBTITLE, STUDY_TITLE, __version__
from sosiale_kommuner.config import SSB_ATTRIBUTION, Paths
from sosiale_kommuner.files import atomic_write_text

from . import provenance
from .book import Book, ChapterInfo

TEMPLATE_ROOT = Path(__file__).resolve().parent / "templates"
KEY_NUMBER = "key_number"
#: Result tables the design table is read from, first found wins.
DESIGN_TABLES = ("02_cleaning__design.csv", "02_cleaning__coverage_summary.csv")
DESIGN_TABLE = DESIGN_TABLES[0]
#: Unit labels used by chapters' tables -> the unit types of config.
UNIT_ALIASES = {"kommune (all)": "kommune", "kommuner": "kommune", "municipalities": "kommune",
                "fylkeskommuner": "fylkeskommune", "county municipalities": "fylkeskommune"}
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
    chapter: ChapterInfo
    href: str | None
    key_numbers: list[dict[str, str]] = field(default_factory=list)
    status: str | None = None       # None = fine; else one of missing, failed, skipped, stale
    status_text: str = ""
    tables: list[str] = field(default_factory=list)


def _pct(x: float) -> str:
    return f"{100 * x:.1f} %"


def _int(x: Any) -> str:
    return f"{int(x):,}".replace(",", "\u202f")


def _design_source(paths: Paths) -> tuple[str, pd.DataFrame] | None:
    """The first design table this build wrote, normalised to unit, population, mapped, answered."""
    for name in DESIGN_TABLES:
        path = paths.tables / name
        if not path.is_file():
            continue
        df = pd.read_csv(path, dtype={"unit_type": str, "group": str})
        unit = next((c for c in ("unit_type", "group") if c in df.columns), None)
        pop = next((c for c in ("population", "N") if c in df.columns), None)
        answered = next((c for c in ("answered", "main_survey", "responded") if c in df.columns), None)
        if unit is None or pop is None or answered is None or "mapped" not in df.columns:
            raise ValueError(f"{name}: expected columns unit_type (or group), population, mapped, answered "
                             f"(or main_survey); found {list(df.columns)}")
        out = pd.DataFrame({"unit": df[unit].astype(str).str.strip(), "population": df[pop],
                            "mapped": df["mapped"], "answered": df[answered]})
        out["unit"] = out["unit"].replace(UNIT_ALIASES)
        return name, out
    return None


def design_rows(paths: Paths) -> tuple[list[dict[str, str]], str | None]:
    """Rows of the design table and the result table they come from (None: published figures).

    Rows: municipalities (then their size classes, indented, when the table has them),
    county municipalities, and all local governments.
    """
    found = _design_source(paths)
    if found is not None:
        source, df = found
        records = [(str(r.unit), int(r.population), int(r.mapped), int(r.answered)) for r in df.itertuples()]
    else:
        source = None
        records = [(k, *v) for k, v in PUBLISHED_DESIGN.items()]
    units = [r for r in records if r[0] in ("kommune", "fylkeskommune")]
    details = [r for r in records if r[0] not in ("kommune", "fylkeskommune", "all", "total")]
    ordered = []
    for r in units:
        ordered.append((r, False))
        if r[0] == "kommune":
            ordered += [(d, True) for d in details]
    total = next((r for r in records if r[0] in ("all", "total")), None)
    if total is None and units:
        total = ("all", *(sum(r[i] for r in units) for i in (1, 2, 3)))
    if total is not None:
        ordered.append((total, False))
    rows: list[dict[str, str]] = []
    for (unit, pop, mapped, answered), sub in ordered:
        rows.append({
            "unit": (f"size class {unit}" if sub else UNIT_LABELS.get(unit, unit)),
            "population": _int(pop), "mapped": _int(mapped), "answered": _int(answered),
            "coverage": _pct(mapped / pop) if pop else "–",
            "response": _pct(answered / mapped) if mapped else "–",
            "overall": _pct(answered / pop) if pop else "–",
            "total": unit in ("all", "total"), "sub": sub,
        })
    return rows, source


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


def chapter_status(chapter: ChapterInfo, paths: Paths, entry: Mapping[str, Any] | None,
                   stale: bool = False) -> tuple[str | None, str]:
    """(mark, explanation) of one chapter; mark None means built and up to date.

    ``stale``: the build found that the chapter's code or inputs changed after its page was
    built (its fingerprint now differs from the one the page was built with).
    """
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
    if stale:
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


def collect(paths: Paths, book: Book, stale: Iterable[str] = ()) -> list[ChapterEntry]:
    status = read_status(paths)
    stale = set(stale)
    all_tables = sorted(p.name for p in paths.tables.glob("*.csv")) if paths.tables.is_dir() else []
    entries = []
    for c in book:
        mark, text = chapter_status(c, paths, status.get(c.stem), c.stem in stale)
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


def render_index(paths: Paths, book: Book, *, stale: Iterable[str] = (), k_min: int = 3) -> str:
    """The contents page as text (no file written); ``stale``: stems of out-of-date chapters."""
    entries = collect(paths, book, stale)
    rows, source = design_rows(paths)
    known = {t for e in entries for t in e.tables}
    other_tables = sorted(p.name for p in paths.tables.glob("*.csv") if p.name not in known) if paths.tables.is_dir() else []
    text = _environment().get_template("index_page.html.j2").render(
        study_title=STUDY_TITLE, study_subtitle=STUDY_SUBTITLE, version=__version__,
        notice_html=provenance.notice_html(provenance.is_synthetic(paths), "en"),
        synthetic=provenance.is_synthetic(paths),
        design=rows, design_source=source, design_table=DESIGN_TABLES[-1],
        entries=entries, other_tables=other_tables, k_min=k_min,
        attribution=SSB_ATTRIBUTION, versions=provenance.package_versions(),
    )
    from .chapter_page import tidy_html
    return tidy_html(text)


def write_index(paths: Paths, book: Book, *, stale: Iterable[str] = ()) -> Path:
    """Write ``reports/index.html`` atomically and return its path."""
    return atomic_write_text(paths.reports / "index.html", render_index(paths, book, stale=stale))


__all__ = ["write_index", "render_index", "collect", "design_rows", "chapter_status", "key_numbers",
           "read_status", "KEY_NUMBER", "DESIGN_TABLE"]
