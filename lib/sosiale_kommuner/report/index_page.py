"""The contents page ``reports/index.html`` (bokmål) and ``reports/en/index.html`` (English).

It opens with the key findings (:mod:`.findings`, computed from the result tables and set
against the published claims), then lists the chapters with one line each and, in words,
any that is missing, failed or was skipped in its last build, or is older than its inputs;
then who answered (the design table), links to the methods, the questionnaire and the
glossary, every result table, and how to cite the report. Build details (package versions
and each chapter's build status as the build reported it) sit in a collapsed block in the
footer. Everything is read from files under the output root, so the page is rebuilt after
every run and is byte-identical for identical inputs.

The design table comes from the cleaning chapter's ``02_cleaning__coverage_summary.csv``
(columns ``group, population, mapped, main_survey``; rows ``kommune (all)``,
``fylkeskommune`` and the size classes) or ``02_cleaning__design.csv`` (``unit_type,
population, mapped, answered``). Without either, the page shows the figures published in
2014 (``<raw>/published_claims.yaml``), labelled as such.

Build status comes from ``<out>/.pipeline/status.json`` (written by the pipeline):
``{stem: {"state": "ok"|"failed"|"skipped", "reason": str, ...}}``; a chapter is *out of
date* when the build says so (``stale``). The chapters and their order come from the
:class:`~.book.Book` the build passes in. What chapters write for the key findings is in
:mod:`.key_findings`.
"""
from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping

import jinja2
import pandas as pd

from sosiale_kommuner import __version__
from sosiale_kommuner.config import Paths
from sosiale_kommuner.files import atomic_write_text

from . import claims as claims_mod
from . import findings as findings_mod
from . import frame, page_html, provenance, text
from .frame import download_label
from .page_html import tidy_html
from .book import INDEX, Book, ChapterInfo
from .editions import EDITION_DIRS
from .key_findings import Context, Tables
from .text.formats import LANGS, integer, percent

TEMPLATE_ROOT = Path(__file__).resolve().parent / "templates"
PAGE = "index"
#: Result tables the design table is read from, first found wins.
DESIGN_TABLES = ("02_cleaning__design.csv", "02_cleaning__coverage_summary.csv")
DESIGN_TABLE = DESIGN_TABLES[0]
#: Unit labels used by chapters' tables -> the unit types of config.
UNIT_ALIASES = {"kommune (all)": "kommune", "kommuner": "kommune", "municipalities": "kommune",
                "fylkeskommuner": "fylkeskommune", "county municipalities": "fylkeskommune"}
STATUS_FILE = "status.json"


@dataclass
class ChapterEntry:
    chapter: ChapterInfo
    href: str | None
    status: str | None = None       # None = fine; else one of missing, failed, skipped, stale
    reason: str = ""                # what the build said (shown only in the build details)
    tables: list[str] = field(default_factory=list)


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


def _published_design(claims: Mapping[str, claims_mod.Claim]) -> list[tuple[str, int, int, int]]:
    from sosiale_kommuner.config import N_COUNTY_MUNICIPALITIES, N_MUNICIPALITIES

    c = claims.get("design_answered")
    if c is None:
        return []
    f = c.figures
    return [("kommune", N_MUNICIPALITIES, int(f["k_mapped"]), int(f["k_answered"])),
            ("fylkeskommune", N_COUNTY_MUNICIPALITIES, int(f["f_mapped"]), int(f["f_answered"]))]


def design_rows(paths: Paths, lang: str = "nb", claims: Mapping[str, claims_mod.Claim] | None = None
                ) -> tuple[list[dict[str, Any]], str | None]:
    """Rows of the design table and the result table they come from (None: published figures).

    Rows: municipalities (then their size classes, indented, when the table has them),
    county municipalities, and all local governments; numbers formatted for ``lang``.
    """
    from . import labels

    found = _design_source(paths)
    if found is not None:
        source, df = found
        records = [(str(r.unit), int(r.population), int(r.mapped), int(r.answered)) for r in df.itertuples()]
    else:
        source = None
        records = _published_design(claims if claims is not None else claims_mod.load_claims(paths))
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
    names = {"kommune": "design.municipalities", "fylkeskommune": "design.county_municipalities",
             "all": "design.total", "total": "design.total"}
    rows: list[dict[str, Any]] = []
    for (unit, pop, mapped, answered), sub in ordered:
        rows.append({
            "unit": labels.size_class(unit, lang) if sub else text.get(PAGE, names.get(unit, ""), lang)
            if unit in names else unit,
            "population": integer(pop, lang), "mapped": integer(mapped, lang), "answered": integer(answered, lang),
            "coverage": percent(mapped / pop, 1, lang) if pop else "–",
            "response": percent(answered / mapped, 1, lang) if mapped else "–",
            "overall": percent(answered / pop, 1, lang) if pop else "–",
            "total": unit in ("all", "total"), "sub": sub, "key": unit, "numbers": (mapped, answered),
        })
    return rows, source


def design_table_html(rows: list[dict[str, Any]], lang: str, published: bool = False) -> str:
    """The design table (rows of :func:`design_rows`) in a box that scrolls on a narrow screen."""
    esc = html.escape
    t = lambda key: esc(text.get(PAGE, f"design.{key}", lang))  # noqa: E731
    caption = t("caption_published" if published else "caption")
    head = "".join(f'<th scope="col" class="sk-num">{t(k)}</th>'
                   for k in ("population", "mapped", "answered", "coverage", "response", "overall"))
    body = []
    for r in rows:
        cls = ' class="sk-total"' if r["total"] else ' class="sk-sub"' if r["sub"] else ""
        cells = "".join(f'<td class="sk-num">{esc(r[k])}</td>'
                        for k in ("population", "mapped", "answered", "coverage", "response", "overall"))
        body.append(f'<tr{cls}><th scope="row">{esc(r["unit"])}</th>{cells}</tr>')
    return (f'<div class="sk-table-box" role="region" tabindex="0" aria-label="{caption}">'
            f'<table class="sk-design"><caption>{caption}</caption><thead><tr><th scope="col">{t("unit")}</th>'
            f'{head}</tr></thead><tbody>{"".join(body)}</tbody></table></div>')


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
    """(mark, the build's reason) of one chapter; mark None means built and up to date.

    Marks: ``failed``/``skipped`` (last build), ``missing`` (no page), ``stale`` (its code or
    inputs changed after its page was built).
    """
    page = paths.reports / f"{chapter.stem}.html"
    reason = str((entry or {}).get("reason") or "").strip()
    if entry:
        state = entry.get("state")
        if state in ("failed", "skipped"):
            return state, reason
    if not page.is_file():
        return "missing", reason
    if stale:
        return "stale", reason
    return None, reason


def status_text(entry: ChapterEntry, lang: str) -> str:
    """The chapter's build status in words."""
    mark = entry.status or "ok"
    if mark in ("failed", "skipped") and entry.href is None:
        mark += "_nopage"
    return text.get(PAGE, f"status.{mark}", lang)


def collect(paths: Paths, book: Book, stale: Iterable[str] = ()) -> list[ChapterEntry]:
    status = read_status(paths)
    stale = set(stale)
    all_tables = sorted(p.name for p in paths.tables.glob("*.csv")) if paths.tables.is_dir() else []
    entries = []
    for c in book:
        mark, reason = chapter_status(c, paths, status.get(c.stem), c.stem in stale)
        page = paths.reports / f"{c.stem}.html"
        entries.append(ChapterEntry(chapter=c, href=f"{c.stem}.html" if page.is_file() else None,
                                    status=mark, reason=reason,
                                    tables=[t for t in all_tables if t.startswith(f"{c.stem}__")]))
    return entries


_ANCHOR = re.compile(r'<(?:figure|div) class="sk-(?:figure|table-box)" id="((?:fig|tab)-[^"]+)"')


def figure_anchors(paths: Paths, lang: str) -> Any:
    """``anchor(stem, table)``: the first figure or table of a chapter page drawn from ``table``."""
    cache: dict[str, str] = {}

    def anchor(stem: str, table: str) -> str | None:
        if stem not in cache:
            page = paths.reports / EDITION_DIRS[lang] / f"{stem}.html"
            cache[stem] = page.read_text(encoding="utf-8") if page.is_file() else ""
        page = cache[stem]
        for m in _ANCHOR.finditer(page):
            stops = [i for i in (page.find("</figcaption>", m.end()), page.find("</caption>", m.end())) if i >= 0]
            if f"tables/{table}" in page[m.end():min(stops) if stops else len(page)]:
                return m.group(1)
        return None

    return anchor


def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader([str(TEMPLATE_ROOT), str(TEMPLATE_ROOT / "sk_report")]),
        autoescape=jinja2.select_autoescape(default=True, default_for_string=True),
        keep_trailing_newline=True, trim_blocks=True, lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )


def render_page(template: str, *, key: str, book: Book, lang: str, synthetic: bool, body: Mapping[str, Any],
                build: str = "", attribution: str = "", toc: bool = True, link_glossary: bool = True) -> str:
    """A page of the book other than a chapter, in the frame (used by :mod:`.book_pages` too)."""
    out = _environment().get_template(template).render(
        lang=lang, page_title=frame.page_title(key, book, lang), stylesheet=frame.stylesheet(),
        page_kind=key, top_html=frame.top_html(book, key, lang, synthetic=synthetic, toc=toc),
        bottom_html=frame.bottom_html(book, key, lang, attribution=attribution, build=build), **body)
    return tidy_html(page_html.finish(out, lang, link_glossary=link_glossary, toc=toc))


def render_index(paths: Paths, book: Book, *, stale: Iterable[str] = (), lang: str = "nb",
                 codebook=None) -> str:
    """The contents page of edition ``lang`` as text (no file written)."""
    synthetic = provenance.is_synthetic(paths)
    claims = claims_mod.load_claims(paths)
    entries = collect(paths, book, stale)
    if codebook is None:
        from sosiale_kommuner.data.codebook import CodebookError, load_codebook
        try:
            codebook = load_codebook(paths.raw)
        except (CodebookError, FileNotFoundError):
            codebook = None
    ctx = Context(Tables(paths.tables), lang, claims=claims, codebook=codebook,
                  chapter_label=lambda stem: str(int(stem[:2])) if stem[:2].isdigit() else stem,
                  status={e.chapter.stem: e.status for e in entries}, anchors=figure_anchors(paths, lang)
                  ).with_parameters(read_status(paths).get(findings_mod.TESTS, {}).get("params") or {})
    design, source = design_rows(paths, lang, claims)
    up = "../" * EDITION_DIRS[lang].count("/")
    known = {t for e in entries for t in e.tables}
    others = sorted(p.name for p in paths.tables.glob("*.csv") if p.name not in known) if paths.tables.is_dir() else []
    t = lambda key, **v: text.get(PAGE, key, lang, **v)  # noqa: E731
    md = lambda key, **v: text.to_html(t(key, **v))  # noqa: E731
    published = claims.get("design_answered")
    design_check = ""
    if published is not None and source is not None:
        built = {r["key"]: r["numbers"] for r in design}
        f = published.figures
        same = (built.get("kommune") == (f["k_mapped"], f["k_answered"])
                and built.get("fylkeskommune") == (f["f_mapped"], f["f_answered"]))
        design_check = t("design.agrees" if same else "design.differs")
    build_rows = [(text.common("footer.version", lang), f"sosiale-kommuner {__version__}"),
                  (text.common("footer.packages", lang),
                   ", ".join(f"{k} {v}" for k, v in provenance.package_versions().items()))]
    # what the build said of a failed or skipped chapter (its words are English); else the status
    status_rows = [(frame.page_label(e.chapter.stem, book, lang), e.reason, "en")
                   if e.status in ("failed", "skipped") and e.reason
                   else (frame.page_label(e.chapter.stem, book, lang), status_text(e, lang)) for e in entries]
    build = (provenance.build_table_html(build_rows, text.common("footer.title", lang))
             + provenance.build_table_html(status_rows, t("status.details")))
    body = {
        "study_title": text.common("study.title", lang), "study_subtitle": text.common("study.subtitle", lang),
        "data_label": t("finding.data"),
        "lead_html": md("lead"), "lead_synthetic_html": md("lead_synthetic") if synthetic else "",
        "h": {k: t(f"heading.{k}") for k in ("findings", "chapters", "design", "more", "tables", "cite")},
        "findings_intro_html": md("findings_intro"),
        "findings": findings_mod.compute(ctx),
        "area": lambda area: t("finding.areas_label" if "–" in area else "finding.area", area=area),
        "chapters": [{"stem": e.chapter.stem, "href": e.href, "label": frame.page_label(e.chapter.stem, book, lang),
                      "summary": t(f"chapters.{e.chapter.stem}.summary")
                      if text.has(PAGE, f"chapters.{e.chapter.stem}.summary", lang) else "",
                      "status": e.status, "status_text": status_text(e, lang) if e.status else ""} for e in entries],
        "design_table_html": design_table_html(design, lang, published=source is None),
        "design_source": source, "design_tables_href": f"{up}tables/",
        "d": {k: t(f"design.{k}") for k in ("note", "source_built", "source_published")},
        "design_claim_html": claims_mod.cite_html(published, lang) if published is not None else "",
        "design_check": design_check,
        "more_html": md("more"), "tables_intro_html": md("tables_intro"), "tables_other": t("tables_other"),
        "table_groups": [(frame.page_label(e.chapter.stem, book, lang),
                          [(n, download_label(e.chapter.stem, n, lang)) for n in e.tables]) for e in entries if e.tables],
        "other_tables": others, "cite_intro_html": md("cite_intro"), "cite_html": provenance.citation_html(lang),
    }
    return render_page("index_page.html.j2", key=INDEX, book=book, lang=lang, synthetic=synthetic, body=body,
                       build=build, attribution=provenance.attribution_html(None, lang))


def write_index(paths: Paths, book: Book, *, stale: Iterable[str] = ()) -> list[Path]:
    """Write the contents page of every edition atomically; return their paths."""
    out = []
    for lang in LANGS:
        path = paths.reports / EDITION_DIRS[lang] / "index.html"
        out.append(atomic_write_text(path, render_index(paths, book, stale=stale, lang=lang)))
    return out


__all__ = ["write_index", "render_index", "render_page", "collect", "design_rows", "chapter_status",
           "status_text", "read_status", "figure_anchors", "design_table_html",
           "DESIGN_TABLE"]
