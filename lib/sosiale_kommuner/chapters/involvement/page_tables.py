"""Chapter 10's tables for readers: words for codes, estimate and interval in one cell, p-values in
the locale, headers from the text layer (``header.*`` of ``10_involvement.yaml``, else ``tables.yaml``).

Each function takes a language-neutral table of the chapter (a result table, a model's output,
or a frame of :mod:`.values`) and returns a :class:`sosiale_kommuner.report.tables.Table` for
:meth:`ChapterPage.table <sosiale_kommuner.report.editions.ChapterPage.table>`.
"""
from __future__ import annotations

from typing import Any, Callable

import pandas as pd

from sosiale_kommuner.config import FYLKESKOMMUNE, KOMMUNE
from sosiale_kommuner.data.codebook import DONT_KNOW, Codebook
from sosiale_kommuner.report import charts, labels, tables
from sosiale_kommuner.report.disclosure import SUPPRESSED_SYMBOL
from sosiale_kommuner.report.text import Localized, formats

from .. import findings_text as ft
from .. import size_difference_tables as sdt
from .labels import group_label, practice_label, t, term_label
from .variables import INVOLVED_ALL, OUTCOME, PRACTICE_LEVELS, STEM
from .values import ROUTING_ROWS


def _row(est: pd.DataFrame, item: str, level: str, domain: str, group: str) -> pd.Series | None:
    e = est[(est["item"] == item) & (est["level"].astype(str) == str(level)) & (est["domain"] == domain)
            & (est["group"].astype(str) == str(group))]
    return None if e.empty else e.iloc[0]


def cell(r: pd.Series | None, fmt: str, lang: str) -> str:
    """An estimate with its interval (``81 % (76–86)``), ``:`` when suppressed, ``–`` when absent."""
    if r is None:
        return tables.MISSING
    if bool(r["suppressed"]):
        return SUPPRESSED_SYMBOL
    return tables.estimate_text(r["estimate"], r["ci_low"], r["ci_high"], fmt, lang)


def _n(r: pd.Series | None) -> float:
    return float("nan") if r is None else int(r["n_unweighted"])


def _title(key: str, **values: Any) -> Callable[[str], str]:
    return lambda lang: t(key, lang, **values)


def _group_title(domain: str, group: Any, n: int | None = None) -> Callable[[str], str]:
    """A column named by a group (``Sentrale kommuner (n = 45)``), marked when it rests on few answers."""
    def title(lang: str) -> str:
        name = group_label(domain, group, lang)
        if n is None:
            return name
        key = "header.group_few" if n < charts.SMALL_N else "header.group_n"
        return t(key, lang, group=name, n=n)
    return title


def _notes(est: pd.DataFrame, k_min: int) -> dict:
    return {"suppressed": {"k": int(k_min)}} if est["suppressed"].astype(bool).any() else {}


def question_words(cb: Codebook, item: str) -> Localized:
    """A question as a caption says it (``9.2 I hvilke typer arbeid ...``), per language."""
    return Localized(lambda lang: ft.question(cb, item, lang))


def routing_table(counts: pd.DataFrame, lang: str) -> tables.Table:
    """Respondents and the routing of area 9 (:func:`.values.routing_counts`): one row per count,
    one column per unit type."""
    d = pd.DataFrame({"count": [t(f"routing.{k}", lang) for k in ROUTING_ROWS],
                      **{u: [int(counts.loc[u, k]) for k in ROUTING_ROWS] for u in counts.index}})
    cols = [tables.text("count", header="routing")] + [tables.Column(u, "number", fmt="int", title=lambda lang, u=u: group_label("unit_type", u, lang))
                        for u in counts.index]
    return tables.Table(d, lang, cols, page=STEM)


def involvement_table(est: pd.DataFrame, lang: str, k_min: int = 3) -> tables.Table:
    """The headline: involved over all units, among users of social media (as asked), and the share
    answering "Vet ikke"; municipalities and county municipalities, each with its n."""
    rows = []
    for key, item, level in (("all_units", INVOLVED_ALL, "yes"), ("users", OUTCOME, "yes"),
                             ("dont_know", OUTCOME, DONT_KNOW)):
        rk, rf = _row(est, item, level, "all", "all"), _row(est, item, level, "unit_type", FYLKESKOMMUNE)
        rows.append({"measure": t(f"involvement_row.{key}", lang), "k": cell(rk, "pct", lang), "n_k": _n(rk),
                     "f": cell(rf, "pct", lang), "n_f": _n(rf)})
    d = pd.DataFrame(rows)
    few = bool((d["n_f"] < charts.SMALL_N).any())
    cols = [tables.text("measure"),
            tables.formatted("k", title=_group_title("unit_type", KOMMUNE)), tables.number("n_k", "int", header="n"),
            tables.formatted("f", title=(lambda lang: t("header.group_few_plain", lang, group=group_label(
                "unit_type", FYLKESKOMMUNE, lang))) if few else _group_title("unit_type", FYLKESKOMMUNE)),
            tables.number("n_f", "int", header="n")]
    return tables.Table(d, lang, cols, page=STEM, notes=_notes(est[est["item"].isin([INVOLVED_ALL, OUTCOME])], k_min))


def centrality_option_table(est: pd.DataFrame, cb: Codebook, item: str, lang: str, k_min: int = 3) -> tables.Table:
    """The options of a multiple-choice question (rows) by SSB 2008 centrality class (columns),
    municipalities: the weighted share ticking each, with its interval."""
    groups = sorted(est.loc[(est["item"] == item) & (est["domain"] == "centrality"), "group"].astype(str).unique(),
                    key=lambda g: int(float(g)))
    opts = [o.key for o in cb.options(item)]
    rows = []
    for key in opts:
        r = {"option": cb.option_label(f"{item}__{key}", lang)}
        for g in groups:
            r[f"c{g}"] = cell(_row(est, item, key, "centrality", g), "pct", lang)
        rows.append(r)
    ns = {g: est.loc[(est["item"] == item) & (est["domain"] == "centrality") & (est["group"].astype(str) == g),
                     "n_unweighted"].max() for g in groups}
    cols = [tables.text("option")] + [tables.formatted(f"c{g}", title=_group_title("centrality", g, int(ns[g])))
                                      for g in groups]
    part = est[(est["item"] == item) & (est["domain"] == "centrality")]
    return tables.Table(pd.DataFrame(rows), lang, cols, page=STEM, notes=_notes(part, k_min))


def outcomes_table(est: pd.DataFrame, cb: Codebook, items: tuple[str, ...], lang: str, k_min: int = 3) -> tables.Table:
    """The judged outcomes: per question and unit type, the share answering one of the two highest
    levels, the mean score 1–5, the share answering "Vet ikke", and n."""
    rows = []
    for item in items:
        for domain, group in (("all", "all"), ("unit_type", FYLKESKOMMUNE)):
            top = _row(est, item, "top2", domain, group)
            if top is None:
                continue
            dk = _row(est, item, DONT_KNOW, domain, group)
            rows.append({"question": cb.label(item, lang),
                         "group": group_label("unit_type", KOMMUNE if domain == "all" else FYLKESKOMMUNE, lang),
                         "top2": cell(top, "pct", lang), "mean_score": cell(_row(est, item, "mean_score", domain, group),
                                                                          "num2", lang),
                         "dont_know": cell(dk, "pct", lang), "n": _n(top)})
    cols = [tables.text("question"), tables.text("group", header="unit"), tables.formatted("top2"),
            tables.formatted("mean_score"), tables.formatted("dont_know", header="dont_know_share"),
            tables.number("n", "int", header="n")]
    return tables.Table(pd.DataFrame(rows), lang, cols, page=STEM,
                        notes=_notes(est[est["item"].isin(items)], k_min))


def tests_table(tests: pd.DataFrame, cb: Codebook, lang: str) -> tables.Table:
    """The centrality tests: question, test, the difference central minus least central with its
    interval (points, or mean-score points), the BH-adjusted p-value and n."""
    d = tests.assign(question=[sdt.question_text(cb, c, m, lang) for c, m in zip(tests["item"], tests["effect_measure"])])
    cols = [tables.text("question"), tables.coded("test", labels.test_name), sdt.effect_column("effect_centrality"),
            tables.number("p_adjusted", "p"), tables.number("n", "int")]
    return tables.Table(d, lang, cols, page=STEM)


def ame_table(table: pd.DataFrame, lang: str, kind: str = "ame") -> tables.Table:
    """The model's average marginal effects (``kind="ame"``, percentage points) or coefficients
    (``"coef"``, logit scale), each with its interval, and the p-value."""
    d = table[table["kind"] == kind]
    d = d.assign(label=[term_label(x, lang) for x in d["term"]])
    fmt, header = ("pp", "ame") if kind == "ame" else ("signed2", "coef")
    cols = [tables.text("label", header="term"), tables.estimate("estimate", "ci_low", "ci_high", fmt, header=header),
            tables.number("p_value", "p")]
    return tables.Table(d, lang, cols, page=STEM)


def term_tests_table(tt: pd.DataFrame, lang: str) -> tables.Table:
    """Wald F tests of the model's terms (a factor's dummies together)."""
    d = tt.assign(label=[term_label(x, lang) if x not in ("size_class", "centrality") else labels.domain(x, lang)
                         for x in tt["term"]])
    cols = [tables.text("label", header="term"), tables.number("F", "num2", header="f_statistic"),
            tables.number("df1", "int"), tables.number("df2", "num1"), tables.number("p_value", "p")]
    return tables.Table(d, lang, cols, page=STEM)


def vif_table(vif: pd.DataFrame, lang: str) -> tables.Table:
    """Generalised variance inflation factors per term."""
    d = vif.assign(label=[term_label(x, lang) if x not in ("size_class", "centrality") else labels.domain(x, lang)
                          for x in vif["term"]])
    cols = [tables.text("label", header="term"), tables.number("df", "int", header="columns"),
            tables.number("gvif", "num2"), tables.number("gvif_adj", "num2")]
    return tables.Table(d, lang, cols, page=STEM)


def sensitivity_table(main: pd.DataFrame, sens: pd.DataFrame, lang: str) -> tables.Table:
    """The AMEs with "Vet ikke" left out beside those with it counted as "no"."""
    d = main[["term", "estimate", "ci_low", "ci_high"]].merge(
        sens[["term", "estimate", "ci_low", "ci_high"]], on="term", suffixes=("", "_dk"))
    d = d.assign(label=[term_label(x, lang) for x in d["term"]])
    cols = [tables.text("label", header="term"), tables.estimate("estimate", "ci_low", "ci_high", "pp", header="ame"),
            tables.estimate("estimate_dk", "ci_low_dk", "ci_high_dk", "pp", header="ame_dk_no")]
    return tables.Table(d, lang, cols, page=STEM)


def typology_table(wide: pd.DataFrame, lang: str) -> tables.Table:
    """The practice types by group (rows of :func:`.figures.typology_rows`), weighted shares."""
    d = wide.reset_index()
    d["label"] = [group_label(dm, g, lang) for dm, g in zip(d["domain"], d["group"])]
    cols = [tables.text("label", header="group")] + [
        tables.Column(lv, "number", fmt="pct", title=lambda lang, lv=lv: practice_label(lv, lang))
        for lv in PRACTICE_LEVELS if lv in d.columns]
    return tables.Table(d, lang, cols, page=STEM)


def typology_tests_table(tt: pd.DataFrame, lang: str) -> tables.Table:
    """Rao–Scott tests of the mix of practice types by size class and by centrality."""
    cols = [tables.coded("comparison", labels.comparison), tables.number("statistic", "num2", header="f_statistic"),
            tables.number("df1", "num2"), tables.number("df2", "num1"), tables.number("p_value", "p"),
            tables.number("n", "int"), tables.yes_no("small_expected")]
    return tables.Table(tt, lang, cols, page=STEM)


def centrality_cross_table(cross: pd.DataFrame, lang: str) -> tables.Table:
    """SSB's 2018 centrality index by SSB's 2008 class (:func:`.values.centrality_cross`)."""
    d = cross.assign(label=[labels.centrality(c, lang) for c in cross["centrality"]])
    cols = [tables.text("label", header="centrality_2008"), tables.number("municipalities", "int"),
            tables.number("min", "int", header="index_min"), tables.number("median", "int", header="index_median"),
            tables.number("max", "int", header="index_max")]
    return tables.Table(d, lang, cols, page=STEM)


def simulation_bias_table(summary: pd.DataFrame, lang: str) -> tables.Table:
    """The appendix: per term the target, the mean estimate, the bias (percentage points), the bias
    in combined Monte Carlo errors and as a share of one survey's standard error."""
    d = summary.assign(label=[term_label(x, lang) for x in summary["term"]])
    d = d.assign(**{c: 100 * d[c] for c in ("truth", "mean_estimate", "bias")})
    cols = [tables.text("label", header="term"), tables.number("truth", "signed1", header="target"),
            tables.number("mean_estimate", "signed1"), tables.number("bias", "signed2", header="bias_pp"),
            tables.number("bias_z", "signed2"), tables.number("bias_rel_se", "pct", header="bias_rel_se")]
    return tables.Table(d, lang, cols, page=STEM)


def simulation_precision_table(summary: pd.DataFrame, lang: str) -> tables.Table:
    """The appendix: per term the spread of the estimates against the mean standard error, and the
    coverage of the 95 % intervals with its Monte Carlo band."""
    d = summary.assign(label=[term_label(x, lang) for x in summary["term"]])
    d = d.assign(empirical_sd=100 * d["empirical_sd"], mean_se=100 * d["mean_se"],
                 band=[formats.interval(lo, hi, 1, lang) for lo, hi in zip(d["coverage_mc_low"], d["coverage_mc_high"])])
    cols = [tables.text("label", header="term"), tables.number("empirical_sd", "num2"), tables.number("mean_se", "num2"),
            tables.number("coverage", "pct1"), tables.formatted("band", header="coverage_band")]
    return tables.Table(d, lang, cols, page=STEM)


__all__ = ["cell", "question_words", "routing_table", "involvement_table", "centrality_option_table", "outcomes_table", "tests_table",
           "ame_table", "term_tests_table", "vif_table", "sensitivity_table", "typology_table",
           "typology_tests_table", "centrality_cross_table", "simulation_bias_table", "simulation_precision_table"]
