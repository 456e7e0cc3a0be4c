"""The key findings that open the contents page, computed from the result tables.

Each finding answers one or more of the survey's nine areas, or tests a claim of the 2014
report, with an estimate, its 95 % interval and n, the strength of the evidence — the
size-class and unit-type tests of the same question after Benjamini–Hochberg, and for the
county municipalities the minimum detectable difference — the published claim it is set
against (:mod:`.claims`) and a link to the figure or table it rests on. Every number is read
from ``reports/tables/*.csv`` and written through the text layer's formats; when a table is
missing (its chapter failed or was not built) the finding says so instead of a number.

What chapters write for this page
---------------------------------
Nothing but their result tables in the schemas of docs/contracts.md §6, which are language
neutral: ``<stem>__estimates.csv`` (rows ``domain = all`` for the municipalities, ``unit_type``
for the county municipalities; Likert items with a ``top2`` level), and
``09_size_differences__tests.csv`` (comparisons ``size_class`` and ``unit_type``). One more
table is read when chapter 09 writes it:

* ``09_size_differences__mdd.csv`` — ``comparison, item, effect_se, effect_df, mdd``: each
  tested item's minimum detectable difference (docs/methods.md §8) on the scale of its effect.
  Without it, the page gives the limit a simple random sample of the same size would have
  (:func:`sosiale_kommuner.survey.power.mdd_proportion` with design effect 1), which is a
  lower bound, and says so.

No chapter writes preformatted headline numbers for this page: a label typed in one
language cannot serve two editions, and a number must come with its interval and n.
"""
from __future__ import annotations

import html
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping

import pandas as pd

from . import claims as claims_mod
from . import text
from .editions import tables_href

TESTS = "09_size_differences"
#: The level of the tests and the power of the MDD, unless chapter 09 ran with others
#: (its parameters ``alpha`` and ``power_target``, from the build's status).
ALPHA = 0.05
POWER = 0.8
PAGE = "index"


class Missing(Exception):
    """A number a finding needs is not there: ``kind`` is ``table``, ``row`` or ``suppressed``."""

    def __init__(self, stem: str, kind: str = "table"):
        super().__init__(f"{stem}: {kind}")
        self.stem, self.kind = stem, kind


@dataclass(frozen=True)
class Est:
    """One estimate: a share (0–1) or mean, its interval and n."""

    value: float
    lo: float
    hi: float
    n: int

    def values(self, prefix: str = "") -> dict[str, Any]:
        return {f"{prefix}share": self.value, f"{prefix}ci": (self.lo, self.hi), f"{prefix}n": self.n}


class Tables:
    """The result tables of one build (read once each)."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self._cache: dict[str, pd.DataFrame] = {}

    def read(self, stem: str, name: str) -> pd.DataFrame:
        key = f"{stem}__{name}.csv"
        if key not in self._cache:
            path = self.folder / key
            if not path.is_file():
                raise Missing(stem)
            self._cache[key] = pd.read_csv(path, dtype={"group": str, "level": str, "item": str})
        return self._cache[key]

    def has(self, stem: str, name: str) -> bool:
        return (self.folder / f"{stem}__{name}.csv").is_file()

    def estimate(self, stem: str, item: str, level: str, domain: str = "all", group: str = "all") -> Est:
        df = self.read(stem, "estimates")
        rows = df[(df["item"] == item) & (df["level"].astype(str) == str(level)) & (df["domain"] == domain)
                  & (df["group"].astype(str) == str(group))]
        if rows.empty:
            raise Missing(stem, "row")
        r = rows.iloc[0]
        if str(r.get("suppressed", False)).lower() == "true" or pd.isna(r["estimate"]):
            raise Missing(stem, "suppressed")
        return Est(float(r["estimate"]), float(r["ci_low"]), float(r["ci_high"]), int(r["n_unweighted"]))

    def options(self, stem: str, item: str, domain: str = "all", group: str = "all") -> pd.DataFrame:
        """The rows of every level of ``item`` in one group, largest estimate first."""
        df = self.read(stem, "estimates")
        rows = df[(df["item"] == item) & (df["domain"] == domain) & (df["group"].astype(str) == str(group))
                  & df["estimate"].notna()]
        if rows.empty:
            raise Missing(stem, "row")
        return rows.sort_values(["estimate", "level"], ascending=[False, True])

    def test(self, item: str, comparison: str) -> pd.Series:
        df = self.read(TESTS, "tests")
        rows = df[(df["item"] == item) & (df["comparison"] == comparison)]
        if rows.empty or pd.isna(rows.iloc[0]["p_adjusted"]):
            raise Missing(TESTS, "row")
        return rows.iloc[0]


@dataclass
class Finding:
    """One key finding, as HTML pieces the page lays out."""

    key: str
    area: str
    title: str
    lead: str = ""
    evidence: list[str] = field(default_factory=list)
    claims: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    links: list[tuple[str, str]] = field(default_factory=list)


class Context:
    """What the findings are computed from: tables, claims, codebook, book, status, pages."""

    def __init__(self, tables: Tables, lang: str, *, claims: Mapping[str, claims_mod.Claim],
                 codebook=None, chapter_label: Callable[[str], str] = str,
                 status: Mapping[str, str] | None = None, anchors: Callable[[str, str], str | None] | None = None):
        self.tables, self.lang, self.claims, self.codebook = tables, lang, claims, codebook
        self.chapter_label = chapter_label
        self.status = dict(status or {})
        self.anchors = anchors or (lambda stem, table: None)
        self.alpha, self.power = ALPHA, POWER

    def with_parameters(self, params: Mapping[str, Any]) -> "Context":
        """Take the level and power chapter 09 ran with (its ``alpha`` and ``power_target``)."""
        self.alpha = float(params.get("alpha", ALPHA))
        self.power = float(params.get("power_target", POWER))
        return self

    def t(self, key: str, **values: Any) -> str:
        return text.get(PAGE, key, self.lang, **values)

    def md(self, key: str, **values: Any) -> str:
        return text.to_html(self.t(key, **values), inline=True)

    def missing(self, exc: Missing) -> str:
        key = {"table": "finding.missing_table", "row": "finding.missing_row",
               "suppressed": "finding.suppressed"}[exc.kind]
        return html.escape(self.t(key, chapter=self.chapter_label(exc.stem)))

    def option(self, item: str, level: str) -> str:
        """An answer option's words, quoted as the questionnaire has them (the codebook's)."""
        words = self.codebook.level_label(item, level, self.lang) if self.codebook is not None else level
        return f"«{words}»" if self.lang == "nb" else f"“{words}”"

    def item_label(self, item: str, level: str | None = None) -> str:
        """A short name of a question (and of its option or level): the codebook's."""
        if self.codebook is None:
            return item
        base, _, option = item.partition("__")
        it = self.codebook.item(base)
        name = it.header if self.lang == "nb" else it.en
        sub = option or (level if level not in (None, "yes", "True", "true") else "")
        return f"{name}: {it.level_label(sub, self.lang)}" if sub else name


# --- the parts of a finding --------------------------------------------------------------

def _effect_values(row: pd.Series) -> tuple[bool, dict[str, Any]]:
    prop = str(row["effect_measure"]).startswith("diff_prop")
    return prop, {"diff": float(row["effect_size"]), "lo": float(row["effect_ci_low"]),
                  "hi": float(row["effect_ci_high"])}


def item_mdd(ctx: Context, item: str, stem: str | None = None) -> tuple[float, bool] | None:
    """(MDD, from the design?) of ``item`` between county municipalities and municipalities.

    From ``09_size_differences__mdd.csv`` when chapter 09 writes it; else the simple-random-
    sampling bound from the item's respondents (``stem``'s estimates), flagged ``False``.
    """
    if ctx.tables.has(TESTS, "mdd"):
        df = ctx.tables.read(TESTS, "mdd")
        rows = df[(df["item"] == item) & (df["comparison"] == "unit_type")]
        if not rows.empty and pd.notna(rows.iloc[0]["mdd"]):
            return float(rows.iloc[0]["mdd"]), True
    if stem is None:
        return None
    try:
        base = item.partition("__")[0]
        est = ctx.tables.read(stem, "estimates")
        rows = est[est["item"] == base]
        n_f = int(rows[(rows["domain"] == "unit_type") & (rows["group"] == "fylkeskommune")]["n_unweighted"].max())
        n_k = int(rows[rows["domain"] == "all"]["n_unweighted"].max())
    except (Missing, ValueError, KeyError):
        return None
    if n_f < 2 or n_k < 2:
        return None
    from sosiale_kommuner.survey import power   # scipy: imported when a finding needs it

    return power.mdd_proportion(n_f, n_k, df=n_f - 1, alpha=ctx.alpha, power=ctx.power), False


def evidence(ctx: Context, item: str, comparison: str, stem: str | None = None) -> str:
    """The test of ``item`` across size classes or unit types, after Benjamini–Hochberg."""
    try:
        row = ctx.tables.test(item, comparison)
    except Missing as exc:
        return html.escape(ctx.t("evidence.missing", chapter=ctx.chapter_label(exc.stem)))
    prop, values = _effect_values(row)
    p = float(row["p_adjusted"])
    verdict = ctx.t("evidence.sig" if p < ctx.alpha else "evidence.ns", p=p)
    kind = "size" if comparison == "size_class" else "county"
    out = ctx.md(f"evidence.{kind}_{'prop' if prop else 'score'}", verdict=verdict, **values)
    if kind == "county" and prop and p >= ctx.alpha:
        found = item_mdd(ctx, item, stem)
        if found is not None:
            mdd, designed = found
            suffix = ctx.md("evidence.county_mdd" if designed else "evidence.county_mdd_srs", mdd=mdd)
            out = out.rstrip(".") + suffix + "."
    return out


def compare_share(ctx: Context, est: Est, published: float) -> str:
    """Where the published share lies against the estimate's interval."""
    key = "above" if est.lo > published else "below" if est.hi < published else "covers"
    return ctx.md(f"compare.{key}")


def compare_half(ctx: Context, est: Est) -> str:
    key = "half_below" if est.hi < 0.5 else "half_above" if est.lo > 0.5 else "half_covers"
    return ctx.md(f"compare.{key}", ci=(est.lo, est.hi))


def claim(ctx: Context, key: str, verdict: str = "", **values: Any) -> str:
    c = ctx.claims.get(key)
    if c is None:
        return ""
    body = claims_mod.cite_html(c, ctx.lang, **values)
    return body + (f'<p class="sk-claim-verdict">{verdict}</p>' if verdict else "")


def links(ctx: Context, stem: str, table: str) -> list[tuple[str, str]]:
    """The figure or table a finding rests on (else its chapter), and the CSV."""
    anchor = ctx.anchors(stem, f"{stem}__{table}.csv")
    out = [(ctx.t("finding.see", number=ctx.chapter_label(stem)), f"{stem}.html" + (f"#{anchor}" if anchor else ""))]
    if ctx.tables.has(stem, table):
        out.append((ctx.t("finding.data"), tables_href(ctx.lang, f"{stem}__{table}.csv")))
    return out


def status_note(ctx: Context, stem: str) -> list[str]:
    state = ctx.status.get(stem)
    if state in ("stale", "failed") and any(ctx.tables.has(stem, n) for n in ("estimates", "tests")):
        return [html.escape(ctx.t(f"finding.{state}", chapter=ctx.chapter_label(stem)))]
    return []


def county_line(ctx: Context, stem: str, item: str, level: str) -> str:
    try:
        est = ctx.tables.estimate(stem, item, level, "unit_type", "fylkeskommune")
    except Missing as exc:
        return ctx.missing(exc) if exc.kind != "table" else ""
    return ctx.md("finding.county", **est.values())


def finite(x: float) -> bool:
    return x is not None and not (isinstance(x, float) and math.isnan(x))


def strip_tags(s: str) -> str:
    return re.sub(r"<[^>]+>", "", s)


__all__ = ["Est", "Tables", "Finding", "Context", "Missing", "evidence", "item_mdd", "compare_share",
           "compare_half", "claim", "links", "status_note", "county_line", "TESTS", "ALPHA", "POWER"]
