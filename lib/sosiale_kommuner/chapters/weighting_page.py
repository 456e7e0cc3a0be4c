"""What a reader sees of the weighting chapter (``03_weighting``): its tables in words, its
figures, the margin choice and the design's variance said in words, and the closing text.

Every word comes from the text layer (``report/text/<lang>/03_weighting.yaml``), every number
from the tables of :mod:`.weighting` and :mod:`.weighting_tables`.
"""
from __future__ import annotations

import math
from typing import Any, Callable

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from sosiale_kommuner.config import FYLKESKOMMUNE, KOMMUNE
from sosiale_kommuner.report import charts, figures, labels, tables, text
from sosiale_kommuner.report.text import formats

from .weighting import TIE, MarginChoice, PopulationWeights

STEM = "03_weighting"
FLAG = "facebook_page"
_SUPERSCRIPT = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")


def _t(key: str, lang: str, **values: Any) -> str:
    return text.get(STEM, key, lang, **values)


def _local(make: Callable[[str], str]) -> text.Localized:
    return text.Localized(make)


def _capital(words: str) -> str:
    return words[:1].upper() + words[1:]


def scientific(x: float, lang: str) -> str:
    """A small number as ``4,2 · 10⁻¹²`` (``10⁻¹⁰`` for an exact power of ten)."""
    if x == 0:
        return formats.number(0, 0, lang)
    exp = math.floor(math.log10(abs(x)))
    mant = x / 10 ** exp
    power = "10" + str(exp).translate(_SUPERSCRIPT)
    return power if round(mant, 1) == 1.0 else f"{formats.number(mant, 1, lang)} · {power}"


def margins_words(margins: str | tuple, lang: str) -> str:
    """``size_class + region`` -> ``kommunestørrelse og landsdel`` / ``municipality size and region``."""
    names = margins.split("+") if isinstance(margins, str) else list(margins)
    return formats.join([labels.domain(m.strip(), lang).lower() for m in names], lang)


def margins_words_of(margins) -> text.Localized:
    """Margins in running text, in every language (a value for a text's placeholder)."""
    return _local(lambda lang: margins_words(tuple(margins), lang))


def group_words(by: str, code: Any, lang: str) -> str:
    """A group of a breakdown in words: a unit type, a size class, a region, a centrality class."""
    if by == "unit_type":
        return _capital(labels.unit_type(code, lang))
    if by == "centrality":
        return f"{int(float(code))} {labels.centrality(code, lang)}"
    return _capital(labels.group(by, code, lang))


def _table(df: pd.DataFrame, lang: str, columns, **kwargs) -> tables.Table:
    return tables.Table(df, lang, columns, page=STEM, **kwargs)


def _words(df: pd.DataFrame, by: str, group: str, lang: str) -> pd.DataFrame:
    return df.assign(by_words=[labels.domain(b, lang) for b in df[by]],
                     group_words=[group_words(b, g, lang) for b, g in zip(df[by], df[group])])


# -- introduction ---------------------------------------------------------------------------------
def candidate_words(margin: str) -> text.Localized:
    """The candidate margin in running text (``sentralitet`` / ``centrality``)."""
    return _local(lambda lang: labels.domain(margin, lang).lower())


def intro_values(rates: pd.DataFrame, candidate_margin: str, has_truth: bool) -> dict[str, Any]:
    """The introduction's numbers (respondents and units of both populations) and its last
    point: the two checks, or the one without population values."""
    u = rates[rates["by"] == "unit_type"].set_index("group")
    k = rates[rates["by"] == "size_class"]
    first, last = k.iloc[0], k.iloc[-1]
    sizes = dict(first_class=labels.Label("size_class", first["group"]), first_mapped=float(first["mapped_rate"]),
                 first_resp=float(first["response_rate_mapped"]), last_class=labels.Label("size_class", last["group"]),
                 last_mapped=float(last["mapped_rate"]), last_resp=float(last["response_rate_mapped"]))
    # "not at random" only when the smallest class was both mapped and answering less often
    skew = "skew.both" if (sizes["first_mapped"] < sizes["last_mapped"] and sizes["first_resp"] < sizes["last_resp"]) \
        else "skew.other"
    cand = candidate_words(candidate_margin)
    key = "intro_checks_truth" if has_truth else "intro_checks_flag"
    return dict(k_resp=int(u.loc[KOMMUNE, "responded"]), k_pop=int(u.loc[KOMMUNE, "N"]),
                f_resp=int(u.loc[FYLKESKOMMUNE, "responded"]), f_pop=int(u.loc[FYLKESKOMMUNE, "N"]),
                candidate=cand, checks=_local(lambda lang: _t(key, lang, candidate=cand)),
                skew=_local(lambda lang: _t(skew, lang, **sizes)))


# -- coverage and response --------------------------------------------------------------------
def show_rates(rates: pd.DataFrame, lang: str) -> tables.Table:
    return _table(_words(rates, "by", "group", lang), lang, [
        tables.text("group_words", header="group"), tables.number("N", "int"), tables.number("mapped", "int"), tables.number("responded", "int"),
        tables.number("mapped_rate", "pct"), tables.number("response_rate_mapped", "pct"),
        tables.number("response_rate", "pct")])


def plot_rates(rates: pd.DataFrame, lang: str) -> plt.Figure:
    """Bars of the share mapped and the share responding, by unit type and, for municipalities,
    by size class, region and centrality (one section each)."""
    d = _words(rates, "by", "group", lang)
    long = pd.concat([d.assign(measure=m, value=d[m]) for m in ("mapped_rate", "response_rate")])
    long = long.assign(_row=np.tile(np.arange(len(d)), 2)).sort_values(["_row", "measure"], kind="stable")
    return charts.grouped_bars(long, lang, category="group_words", series="measure", value="value",
                               section="by_words", series_order=["mapped_rate", "response_rate"],
                               series_name=lambda m, lang_: _t(f"figure.{m}", lang_),
                               axis=_local(lambda lang_: _t("figure.share_axis", lang_)))


def rates_values(rates: pd.DataFrame) -> dict[str, Any]:
    """The alt text of the coverage figure, and the response of the smallest and largest class."""
    k = rates[rates["by"] == "size_class"]
    first, last = k.iloc[0], k.iloc[-1]

    def readout(lang: str) -> str:
        return "; ".join(_t("alt.rate_part", lang, group=group_words(r.by, r.group, lang), mapped=r.mapped_rate,
                            responded=r.response_rate) for r in rates.itertuples())
    return dict(groups=_local(readout), first_class=labels.Label("size_class", first["group"]),
                first_response=float(first["response_rate"]), last_class=labels.Label("size_class", last["group"]),
                last_response=float(last["response_rate"]))


# -- how the weights are made ---------------------------------------------------------------------
def show_base_cells(cells: pd.DataFrame, lang: str) -> tables.Table:
    d = cells.assign(cell_words=[group_words("unit_type", c, lang) if ut == FYLKESKOMMUNE
                                 else group_words("size_class", c, lang) for ut, c in zip(cells["unit_type"], cells["cell"])])
    return _table(d, lang, [tables.text("cell_words", header="cell"), tables.number("N", "int"),
                            tables.number("mapped", "int"), tables.number("responded", "int"),
                            tables.number("p_mapped", "pct"), tables.number("p_responded", "pct"),
                            tables.number("base_weight", "num2")])


def how_markdown(cells: pd.DataFrame, min_cell: int | None, cap_ratio: float | None, base_margins,
                 candidate_margin: str) -> Callable[[str], str]:
    """How the weights are made, in words (``make(lang)``): base weights and raking to the
    chapter's margins; merging of sparse cells and trimming as this build has them; the county
    municipalities' one cell."""
    f = cells[cells["unit_type"] == FYLKESKOMMUNE].iloc[0]
    values = dict(f_pop=int(f["N"]), f_resp=int(f["responded"]), f_weight=float(f["base_weight"]),
                  min_cell=int(min_cell or 0), cap_ratio=float(cap_ratio or 0),
                  base=margins_words_of(base_margins),
                  candidate=candidate_words(candidate_margin))
    keys = (["how", "how_collapse" if min_cell else "how_no_collapse"] + (["how_trim"] if cap_ratio else [])
            + ["how_counties"])
    return lambda lang: "\n\n".join(_t(k, lang, **values) for k in keys)


# -- the two checks and the margin choice ---------------------------------------------------------
def show_choice(table: pd.DataFrame, lang: str, with_truth: bool) -> tables.Table:
    d = table.assign(margins_words=[_capital(margins_words(m, lang)) for m in table["margins"]])
    cols = [tables.text("margins_words", header="weighting"), tables.number("flag_error", "pctn2"),
            tables.yes_no("flag_covered")]
    if with_truth:
        cols += [tables.number("truth_covered", "pct1"), tables.number("truth_mae", "pctn3")]
    return _table(d, lang, cols + [tables.yes_no("chosen")])


def decision_markdown(choice: MarginChoice) -> Callable[[str], str]:
    """The margin choice in words (``make(lang)``): what decided, a tie, a candidate left out,
    and an override by the chapter's parameter."""
    tab = choice.table.set_index("candidate")
    key = "truth_mae" if choice.basis == "truth" else "flag_error"
    pool = [c for c in tab.index if c not in choice.excluded]
    others = [c for c in pool if c != choice.by_checks]

    def make(lang: str) -> str:
        words = lambda c: margins_words(tab.loc[c, "margins"], lang)  # noqa: E731
        values = dict(chosen=words(choice.by_checks), error=float(tab.loc[choice.by_checks, key]),
                      tie=TIE, others=formats.join([words(c) for c in others], lang),
                      other_error=float(tab.loc[others[0], key]) if others else float("nan"),
                      excluded=formats.join([words(c) for c in choice.excluded], lang),
                      used=words(choice.chosen))
        parts = [_t(f"decision.{choice.basis}{'_tie' if choice.tied else ''}", lang, **values)]
        if choice.excluded:
            parts.append(_t("decision.excluded", lang, **values))
        if choice.overridden:
            parts.append(_t("decision.override", lang, **values))
        return " ".join(parts)
    return make


def show_flag(flag_all: pd.DataFrame, lang: str) -> tables.Table:
    d = flag_all.assign(margins_words=[_capital(margins_words(m, lang)) for m in flag_all["margins"]],
                        unit_words=[group_words("unit_type", u, lang) for u in flag_all["unit_type"]])
    return _table(d, lang, [tables.text("margins_words", header="weighting"), tables.text("unit_words", header="unit"),
                            tables.number("census", "pct1"), tables.number("unweighted", "pct1"),
                            tables.estimate("weighted", "ci_low", "ci_high", fmt="pct1", header="weighted"),
                            tables.yes_no("covered")])


def show_truth(tsum: pd.DataFrame, lang: str) -> tables.Table:
    d = tsum.assign(part=[_t(f"truth_part.{p}", lang) for p in tsum["domain"]])
    return _table(d, lang, [tables.text("part"), tables.number("rows", "int"),
                            tables.number("covered", "pct1", header="truth_covers"),
                            tables.number("mean_abs_error", "pctn2")])


# -- the weights -----------------------------------------------------------------------------------
def raking_values(pw: PopulationWeights, tol: float) -> dict[str, Any]:
    """The raking in numbers: margins, sweeps, the largest relative margin difference, the sums
    of the weights, the merged cells and any trimming."""
    res = pw.municipal
    sums = pw.table.groupby("unit_type")["weight"].sum()

    def merges(lang: str) -> str:
        return formats.join([_t("raking.merge", lang, margin=labels.domain(r.margin, lang).lower(),
                                merged=labels.group(r.margin, r.merged, lang), into=labels.group(r.margin, r.into, lang),
                                n=int(r.n_respondents)) for r in res.collapses.itertuples()], lang)
    rel = float(res.margins["rel_diff"].abs().max())
    trim = res.trimming or {}
    return dict(margins=_local(lambda lang: margins_words(pw.margins, lang)), sweeps=int(res.iterations),
                rel_diff=_local(lambda lang: scientific(rel, lang)), tol=_local(lambda lang: scientific(tol, lang)),
                sum_k=float(sums.get(KOMMUNE, 0.0)), sum_f=float(sums.get(FYLKESKOMMUNE, 0.0)),
                n_merges=int(len(res.collapses)), merges=_local(merges),
                cap=float(trim.get("cap", 0.0)), n_above=int(trim.get("n_above_cap_before", 0)))


def raking_markdown(pw: PopulationWeights, tol: float) -> Callable[[str], str]:
    """The raking in words (``make(lang)``): margins, rounds, fit, sums, merged cells, trimming."""
    values = raking_values(pw, tol)
    keys = (["raking.done", "raking.merged" if values["n_merges"] else "raking.not_merged"]
            + (["raking.trimmed"] if pw.municipal.trimming else []))
    return lambda lang: " ".join(_t(k, lang, **values) for k in keys)


def show_summary(summary: pd.DataFrame, lang: str) -> tables.Table:
    d = summary.assign(unit_words=[group_words("unit_type", u, lang) for u in summary["unit_type"]])
    return _table(d, lang, [tables.text("unit_words", header="unit"), tables.number("n", "int", header="n_resp"),
                            tables.number("min", "num2"), tables.number("median", "num2"), tables.number("max", "num2"),
                            tables.number("kish_n", "num0"),
                            tables.number("deff_weighting", "num2")])


def plot_weights(pw: PopulationWeights, lang: str) -> plt.Figure:
    """Histogram of the municipal weights, stacked by size class (colour and hatching), with the
    county municipalities' single weight marked."""
    t = pw.table
    k = t[t["unit_type"] == KOMMUNE]
    strata = list(dict.fromkeys(pw.base_cells.loc[pw.base_cells["unit_type"] == KOMMUNE, "cell"]))
    top = max(float(t["weight"].max()) * 1.05, 1.0)
    fig = plt.figure(figsize=(figures.width(), 4.6), layout="constrained")
    ax = fig.add_subplot()
    _, _, bars = ax.hist([k.loc[k["stratum"] == s, "weight"] for s in strata], bins=np.linspace(0, top, 30),
                         stacked=True, color=list(figures.SERIES[:len(strata)]), edgecolor=figures.INK, linewidth=0.5)
    handles = []
    for j, (s, patches) in enumerate(zip(strata, bars)):
        for patch in patches:
            patch.set_hatch(figures.HATCHES[j % 7])
        handles.append(Patch(facecolor=figures.SERIES[j], edgecolor=figures.INK, hatch=figures.HATCHES[j % 7],
                             label=_capital(labels.size_class(s, lang))))
    f = t[t["unit_type"] == FYLKESKOMMUNE]
    if len(f):
        ax.axvline(float(f["weight"].iloc[0]), color=figures.INK, linestyle="--", lw=1.6)
        handles.append(Line2D([], [], color=figures.INK, linestyle="--", lw=1.6,
                              label=_t("figure.county_weight", lang, n=len(f))))
    ax.set_xlim(0, top)
    ax.set_xlabel(figures.wrap(_t("figure.weight_axis", lang), 46 if figures.layout_name() == "narrow" else 90))
    ax.set_ylabel(figures.wrap(_t("figure.respondents_axis", lang), 30))
    figures.locale_axis(ax, lang, "x", "num", 1)
    figures.locale_axis(ax, lang, "y", "int")
    figures.legend_above(fig, handles)
    return fig


def weights_values(summary: pd.DataFrame) -> dict[str, Any]:
    s = summary.set_index("unit_type")
    k = s.loc[KOMMUNE]
    return dict(n_k=int(k["n"]), min=float(k["min"]), median=float(k["median"]), max=float(k["max"]),
                kish=float(k["kish_n"]), deff=float(k["deff_weighting"]),
                w_f=float(s.loc[FYLKESKOMMUNE, "median"]) if FYLKESKOMMUNE in s.index else float("nan"))


# -- balance and precision -------------------------------------------------------------------------
def show_balance(balance: pd.DataFrame, lang: str) -> tables.Table:
    return _table(_words(balance, "variable", "category", lang), lang, [
        tables.text("group_words", header="group"), tables.yes_no("is_margin"), tables.number("pop_share", "pct1"),
        tables.number("n_respondents", "int"), tables.number("share_unweighted", "pct1"),
        tables.number("share_base", "pct1"), tables.number("share_weighted", "pct1")])


def variance_markdown(pw: PopulationWeights) -> Callable[[str], str]:
    """How the design's variance treats the calibration, in words (``make(lang)``), read from the
    design itself: the flavour of its calibration (R ``calibrate()``'s projection, weighted by
    the base weights, or R ``rake()``'s) and whether the base weights differ."""
    flavour = pw.municipal.calibration.variance
    base = pw.table.loc[pw.table["unit_type"] == KOMMUNE, "base_weight"]
    equal = bool(np.isclose(base.min(), base.max(), rtol=1e-12))
    keys = ["variance", f"variance_{flavour}", "variance_equal_base" if equal else "variance_unequal_base"]
    return lambda lang: " ".join(_t(k, lang) for k in keys)


def show_deffs(deffs: pd.DataFrame, codebook, lang: str) -> tables.Table:
    d = deffs.assign(question=[_t("flag_item", lang) if i == FLAG else codebook.label(i, lang) for i in deffs["item"]],
                     answer=[labels.boolean(True, lang) if i == FLAG else labels.level(codebook, i, lv, lang)
                             for i, lv in zip(deffs["item"], deffs["level"])])
    return _table(d, lang, [tables.text("question"), tables.text("answer"),
                            tables.estimate("estimate", "ci_low", "ci_high", fmt="pct1", header="share"),
                            tables.number("se", "pctn1"), tables.number("deff", "num2"),
                            tables.number("n_unweighted", "int")])


def show_changes(top: pd.DataFrame, codebook, lang: str) -> tables.Table:
    d = top.assign(question=[codebook.label(i, lang) for i in top["item"]],
                   answer=[labels.level(codebook, i, lv, lang) for i, lv in zip(top["item"], top["level"])])
    cols = [tables.text("question"), tables.text("answer"), tables.number("unweighted", "pct1"),
            tables.estimate("weighted", "ci_low", "ci_high", fmt="pct1", header="weighted"),
            tables.number("difference", "pp1")]
    if "truth" in top.columns:
        cols.append(tables.number("truth", "pct1"))
    return _table(d, lang, cols)


# -- closing -----------------------------------------------------------------------------------------
def closing_values(rates: pd.DataFrame, pw: PopulationWeights, choice: MarginChoice, checks: dict,
                   summary: pd.DataFrame, wvu: pd.DataFrame, tsum: pd.DataFrame | None) -> dict[str, Any]:
    """Every number of the closing text, from the chapter's tables."""
    fb = checks[choice.chosen]["flag"].set_index("unit_type").loc[KOMMUNE]
    share = wvu[~wvu["level"].isin(["mean", "mean_score"])]["difference"].dropna().abs()
    sums = pw.table.groupby("unit_type")["weight"].sum()
    values = dict(**rates_values(rates), **weights_values(summary),
                  margins=_local(lambda lang: margins_words(pw.margins, lang)),
                  decision=_local(decision_markdown(choice)),
                  sum_k=float(sums[KOMMUNE]), sum_f=float(sums[FYLKESKOMMUNE]),
                  census=float(fb["census"]), unweighted=float(fb["unweighted"]), weighted=float(fb["weighted"]),
                  ci=(float(fb["ci_low"]), float(fb["ci_high"])), max_diff=float(share.max()),
                  median_diff=float(share.median()))
    verdict = "closing_flag_covers" if fb["covered"] else "closing_flag_misses"
    values["flag_verdict"] = _local(lambda lang: _t(verdict, lang))
    truth_line = ""
    if tsum is not None and len(tsum):
        t = tsum.set_index("domain")
        f = t.loc[FYLKESKOMMUNE] if FYLKESKOMMUNE in t.index else None
        tv = dict(covered=float(t.loc["all", "covered"]), rows=int(t.loc["all", "rows"]),
                  mae=float(t.loc["all", "mean_abs_error"]))
        if f is not None:
            tv.update(f_covered=float(f["covered"]), f_rows=int(f["rows"]), f_mae=float(f["mean_abs_error"]))
        truth_line = lambda lang: "\n" + _t("closing_truth" + ("_county" if f is not None else ""), lang, **tv)  # noqa: E731
    values["truth_line"] = _local(truth_line) if truth_line else ""
    return values
