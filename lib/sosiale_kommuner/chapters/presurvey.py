"""The pre-survey (``01_presurvey``): who answered it, what they said, and how their answers
agree with the main survey for units that answered both.

The pre-survey went to the mapped contacts and was answered by those who chose to; it is not
a probability sample, so the chapter describes its respondents unweighted and compares their
make-up with the population instead of weighting (a weight would need a response model that
nothing beyond size and unit type could check).

Agreement of a shared question between the two surveys, on the units answering both with a
substantive answer in both ("Vet ikke" and missing excluded): percent agreement, Cohen's
kappa, and for ordered items the quadratically weighted kappa. Intervals: percentile
bootstrap over units (``n_boot`` resamples, seeded), so a chapter is deterministic.

R equivalents: ``irr::kappa2(cbind(a, b))`` and ``irr::kappa2(..., weight = "squared")``.

The tables made here hold codes and numbers; what a reader sees of them (questions and
answers in words, headers, captions) comes from the codebook and the text layer
(``report/text/<lang>/01_presurvey.yaml``).
"""
from __future__ import annotations

from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from sosiale_kommuner import config
from sosiale_kommuner.data import codebook as cbm
from sosiale_kommuner.data import summaries
from sosiale_kommuner.report import charts, labels, tables, text

from .cleaning import ALL_MUNICIPALITIES, coverage_group

STEM = "01_presurvey"
#: Columns of the respondent profile (rows: the size classes, all municipalities, the counties).
PROFILE_COLUMNS = ["group", "population", "mapped", "presurvey", "both", "presurvey_rate",
                   "presurvey_share_of_respondents", "population_share"]
#: Kappa at or below this counts as less than substantial agreement (Landis and Koch 1977).
SUBSTANTIAL_KAPPA = 0.6

AGREEMENT_COLUMNS = ["item", "column", "type", "statistic", "estimate", "ci_low", "ci_high", "n_pairs"]


def cohen_kappa(a: np.ndarray, b: np.ndarray, k: int, weights: str | None = None) -> float:
    """Cohen's kappa of two ratings coded 0..k-1 (``weights``: None or ``"quadratic"``)."""
    a = np.asarray(a, dtype=int)
    b = np.asarray(b, dtype=int)
    n = len(a)
    if n == 0:
        return float("nan")
    obs = np.zeros((k, k))
    np.add.at(obs, (a, b), 1.0)
    obs /= n
    exp = np.outer(obs.sum(axis=1), obs.sum(axis=0))
    if weights == "quadratic":
        i, j = np.indices((k, k))
        w = ((i - j) ** 2) / max((k - 1) ** 2, 1)
    else:
        w = 1.0 - np.eye(k)
    den = (w * exp).sum()
    if den == 0:
        return float("nan")
    return float(1.0 - (w * obs).sum() / den)


def pairs(pre: pd.DataFrame, main: pd.DataFrame, column: str) -> tuple[np.ndarray, np.ndarray, list]:
    """Substantive answers of the units in both surveys for one typed column, as level
    positions (categoricals without "Vet ikke") or 0/1 (options)."""
    both = pre[["unit_id", column]].merge(main[["unit_id", column]], on="unit_id", suffixes=("_pre", "_main"))
    a, b = both[f"{column}_pre"], both[f"{column}_main"]
    if isinstance(a.dtype, pd.CategoricalDtype):
        levels = [c for c in a.cat.categories if c != cbm.DONT_KNOW]
        ok = a.isin(levels) & b.isin(levels)
        pos = {lv: i for i, lv in enumerate(levels)}
        return (a[ok].map(pos).to_numpy(dtype=int), b[ok].map(pos).to_numpy(dtype=int), levels)
    ok = a.notna() & b.notna()
    return a[ok].astype(int).to_numpy(), b[ok].astype(int).to_numpy(), [False, True]


def agreement_table(pre: pd.DataFrame, main: pd.DataFrame, codebook: cbm.Codebook,
                    n_boot: int = 1000, seed: int = 2013) -> pd.DataFrame:
    """Agreement per shared column (columns :data:`AGREEMENT_COLUMNS`): rows with
    ``statistic`` = ``percent_agreement``, ``kappa`` and, for ordered items,
    ``weighted_kappa`` (quadratic), with bootstrap 95 % intervals."""
    rng = np.random.default_rng(seed)
    recs = []
    for it in codebook.shared_items():
        if it.area == 0 or it.type == "text":
            continue
        for col in it.columns:
            if col not in pre.columns or col not in main.columns:
                continue
            a, b, levels = pairs(pre, main, col)
            k = len(levels)
            n = len(a)
            stats = {"percent_agreement": lambda x, y: float(np.mean(x == y)) if len(x) else float("nan"),
                     "kappa": lambda x, y: cohen_kappa(x, y, k)}
            if it.is_ordered:
                stats["weighted_kappa"] = lambda x, y: cohen_kappa(x, y, k, "quadratic")
            idx = rng.integers(0, n, size=(n_boot, n)) if n else np.zeros((0, 0), dtype=int)
            for name, fn in stats.items():
                est = fn(a, b)
                boots = np.array([fn(a[i], b[i]) for i in idx]) if n else np.array([])
                boots = boots[~np.isnan(boots)]
                lo, hi = (np.quantile(boots, [0.025, 0.975]) if len(boots) else (np.nan, np.nan))
                recs.append(dict(item=it.id, column=col, type=it.type, statistic=name, estimate=est,
                                 ci_low=float(lo), ci_high=float(hi), n_pairs=n))
    return pd.DataFrame(recs, columns=AGREEMENT_COLUMNS)


def distribution(df: pd.DataFrame, codebook: cbm.Codebook, items: list[str]) -> pd.DataFrame:
    """Unweighted distribution of categorical items and options among respondents, by unit
    type: ``item, level, unit_type, n, share`` (share of substantive answers; "Vet ikke" as
    share of all answers)."""
    recs = []
    for iid in items:
        it = codebook.item(iid)
        for ut in config.UNIT_TYPES:
            sub = df[df["unit_type"] == ut]
            if it.is_multiple:
                for o in it.options:
                    s = sub[o.column].dropna()
                    recs.append(dict(item=iid, level=o.key, unit_type=ut, n=len(s),
                                     share=float(s.astype(bool).mean()) if len(s) else np.nan))
                continue
            s = sub[iid].dropna()
            subst = s[s != cbm.DONT_KNOW]
            for key in it.substantive_keys:
                recs.append(dict(item=iid, level=key, unit_type=ut, n=len(subst),
                                 share=float((subst == key).mean()) if len(subst) else np.nan))
            if it.has_dont_know:
                recs.append(dict(item=iid, level=cbm.DONT_KNOW, unit_type=ut,
                                 n=len(s), share=float((s == cbm.DONT_KNOW).mean()) if len(s) else np.nan))
    return pd.DataFrame(recs, columns=["item", "level", "unit_type", "n", "share"])


# ---------------------------------------------------------------------------------------
# What the chapter shows
# ---------------------------------------------------------------------------------------
def _t(key: str, lang: str, **values: Any) -> str:
    return text.get(STEM, key, lang, **values)


def unit_name(code: Any, lang: str) -> str:
    """``kommune`` -> ``Kommuner`` / ``Municipalities`` (a legend's or a header's words)."""
    words = labels.unit_type(code, lang)
    return words[:1].upper() + words[1:]


def respondent_profile(coverage: pd.DataFrame, population: pd.DataFrame) -> pd.DataFrame:
    """Who answered the pre-survey, by size class, for all municipalities and for the county
    municipalities: units, mapped, pre-survey respondents, respondents of both surveys, the
    share of the mapped who answered, and each group's share of the respondents and of the
    population (:data:`PROFILE_COLUMNS`)."""
    return summaries.coverage_summary(coverage, population)[PROFILE_COLUMNS]


def show_profile(profile: pd.DataFrame, lang: str) -> tables.Table:
    return tables.Table(profile, lang, [
        tables.coded("group", coverage_group), tables.number("population", "int"), tables.number("mapped", "int"),
        tables.number("presurvey", "int"), tables.number("presurvey_rate", "pct"),
        tables.number("presurvey_share_of_respondents", "pct"), tables.number("population_share", "pct")], page=STEM)


def _groups(profile: pd.DataFrame) -> pd.DataFrame:
    """The disjoint groups of the profile: the size classes and the county municipalities."""
    return profile[profile["group"] != ALL_MUNICIPALITIES]


def plot_make_up(profile: pd.DataFrame, lang: str) -> plt.Figure:
    """Each group's share of the population beside its share of the pre-survey respondents."""
    g = _groups(profile)
    long = pd.concat([g.assign(measure=m, value=g[m]) for m in ("population_share", "presurvey_share_of_respondents")])
    long = long.assign(label=[coverage_group(c, lang) for c in long["group"]])
    long = long.set_index("group").loc[list(g["group"])].reset_index()
    return charts.grouped_bars(long, lang, category="label", series="measure", value="value",
                               series_order=["population_share", "presurvey_share_of_respondents"],
                               series_name=lambda m, lang_: _t(f"figure.{m}", lang_),
                               axis=text.Localized(lambda lang_: _t("figure.share_axis", lang_)))


def make_up_values(profile: pd.DataFrame) -> dict[str, Any]:
    """What the make-up figure's alt text reads out."""
    def readout(lang: str) -> str:
        return "; ".join(_t("alt.make_up_part", lang, group=coverage_group(r.group, lang), population=r.population_share,
                            respondents=r.presurvey_share_of_respondents) for r in _groups(profile).itertuples())
    return {"groups": text.Localized(readout)}


def _answer_labels(codebook: cbm.Codebook, item: str, dist: pd.DataFrame, lang: str) -> list[str]:
    levels = dist.loc[(dist["item"] == item) & (dist["level"] != cbm.DONT_KNOW), "level"].drop_duplicates()
    return [codebook.level_label(item, lv, lang) for lv in levels]


def answer_parts(dist: pd.DataFrame, codebook: cbm.Codebook, max_rows: int = tables.MAX_ROWS) -> list[list[str]]:
    """The questions of :func:`distribution` in parts for one figure each, in order: a new part
    starts when a question would repeat an answer's words already in the part (in either
    language: the figure's rows are its answers) or make it longer than ``max_rows``."""
    parts: list[list[str]] = []
    seen: dict[str, set] = {}
    rows = 0
    for item in dict.fromkeys(dist["item"]):
        words = {lang: _answer_labels(codebook, item, dist, lang) for lang in text.LANGS}
        clash = any(set(w) & seen.get(lang, set()) or len(set(w)) < len(w) for lang, w in words.items())
        if not parts or clash or rows + len(words["nb"]) > max_rows:
            parts.append([])
            seen, rows = {lang: set() for lang in text.LANGS}, 0
        parts[-1].append(item)
        for lang, w in words.items():
            seen[lang] |= set(w)
        rows += len(words["nb"])
    return parts


def answer_rows(dist: pd.DataFrame, codebook: cbm.Codebook, items: list[str], lang: str) -> pd.DataFrame:
    """The substantive answers of ``items`` with their words, for a figure ("Vet ikke" and
    groups without an answer left out)."""
    d = dist[dist["item"].isin(items) & (dist["level"] != cbm.DONT_KNOW) & (dist["n"] > 0)]
    return d.assign(section=[codebook.item(i).label(lang) for i in d["item"]],
                    label=[codebook.level_label(i, lv, lang) for i, lv in zip(d["item"], d["level"])])


def plot_answers(dist: pd.DataFrame, codebook: cbm.Codebook, items: list[str], lang: str) -> plt.Figure:
    """The answers to ``items`` by unit type (shares of the substantive answers)."""
    return charts.grouped_bars(answer_rows(dist, codebook, items, lang), lang, category="label", series="unit_type",
                               value="share", n="n", series_order=list(config.UNIT_TYPES), series_name=unit_name,
                               section="section", axis="share")


def answers_values(dist: pd.DataFrame, codebook: cbm.Codebook, items: list[str]) -> dict[str, Any]:
    """What an answers figure's alt text reads out: per question, each answer's shares."""
    def readout(lang: str) -> str:
        d = answer_rows(dist, codebook, items, lang)
        parts = []
        for question, q in d.groupby("section", sort=False):
            answers = []
            for answer, a in q.groupby("label", sort=False):
                shares = [_t("alt.unit_share", lang, unit=unit_name(r.unit_type, lang), share=r.share)
                          for r in a.itertuples()]
                answers.append(f"{answer} ({', '.join(shares)})")
            parts.append(f"{question} {'; '.join(answers)}")
        return " ".join(parts)
    return {"answers": text.Localized(readout)}


AGREEMENT_WIDE = ["item", "column", "n_pairs", "percent_agreement", "kappa", "kappa_low", "kappa_high",
                  "weighted_kappa", "weighted_kappa_low", "weighted_kappa_high"]


def agreement_wide(agr: pd.DataFrame) -> pd.DataFrame:
    """One row per shared column: pairs, percent agreement, kappa and weighted kappa with their
    bootstrap intervals (:data:`AGREEMENT_WIDE`; no weighted kappa for unordered questions)."""
    rows = []
    for col, g in agr.groupby("column", sort=False):
        s = g.set_index("statistic")
        row = dict(item=g["item"].iloc[0], column=col, n_pairs=int(g["n_pairs"].iloc[0]))
        row["percent_agreement"] = s["estimate"].get("percent_agreement", np.nan)
        for stat in ("kappa", "weighted_kappa"):
            row[stat] = s["estimate"].get(stat, np.nan)
            row[f"{stat}_low"] = s["ci_low"].get(stat, np.nan)
            row[f"{stat}_high"] = s["ci_high"].get(stat, np.nan)
        rows.append(row)
    return pd.DataFrame(rows, columns=AGREEMENT_WIDE)


def show_agreement(wide: pd.DataFrame, codebook: cbm.Codebook, lang: str) -> tables.Table:
    d = wide.assign(question=[codebook.label(c, lang) for c in wide["column"]])
    return tables.Table(d, lang, [
        tables.text("question"), tables.number("n_pairs", "int"), tables.number("percent_agreement", "pct"),
        tables.estimate("kappa", "kappa_low", "kappa_high", fmt="num2", header="kappa"),
        tables.estimate("weighted_kappa", "weighted_kappa_low", "weighted_kappa_high", fmt="num2",
                        header="weighted_kappa")], page=STEM)


def kappa_rows(agr: pd.DataFrame, codebook: cbm.Codebook, lang: str) -> pd.DataFrame:
    """Kappa and weighted kappa with a value, each with its question in words: an option's
    question as the section over its options."""
    k = agr[agr["statistic"].isin(["kappa", "weighted_kappa"]) & agr["estimate"].notna()]
    option = k["column"] != k["item"]
    return k.assign(label=[codebook.option_label(c, lang) if o else codebook.label(c, lang)
                           for c, o in zip(k["column"], option)],
                    section=[codebook.item(i).label(lang) if o else None for i, o in zip(k["item"], option)])


def plot_kappa(agr: pd.DataFrame, codebook: cbm.Codebook, lang: str) -> plt.Figure:
    """Kappa (and for ordered questions the weighted kappa) of every shared question, with its
    bootstrap interval."""
    rows = kappa_rows(agr, codebook, lang)
    fig = charts.point_interval(rows, lang, label="label", group="statistic", estimate="estimate", low="ci_low",
                                high="ci_high", n="n_pairs", suppressed=None, groups=["kappa", "weighted_kappa"],
                                section="section", percent=False, group_name=lambda g, lang_: _t(f"figure.{g}", lang_),
                                axis=text.Localized(lambda lang_: _t("figure.kappa_axis", lang_)))
    # the whole scale from chance (0) to full agreement (1), so that distances read as such
    fig.axes[0].set_xlim(min(0.0, float(rows["ci_low"].min())) - 0.02, 1.02)
    return fig


def kappa_values(agr: pd.DataFrame, codebook: cbm.Codebook) -> dict[str, Any]:
    """What the kappa figure's alt text reads out."""
    def readout(lang: str) -> str:
        d = kappa_rows(agr, codebook, lang)
        return "; ".join(_t("alt.kappa_part", lang, question=codebook.label(r.column, lang),
                            statistic=_t(f"figure.{r.statistic}", lang), kappa=r.estimate,
                            ci=(r.ci_low, r.ci_high)) for r in d.itertuples())
    return {"kappas": text.Localized(readout)}


def closing_values(profile: pd.DataFrame, dist: pd.DataFrame, agr: pd.DataFrame, pre: pd.DataFrame,
                   main: pd.DataFrame, codebook: cbm.Codebook) -> dict[str, Any]:
    """Every number of the closing text, from the chapter's tables."""
    p = profile.set_index("group")
    k, f = p.loc[ALL_MUNICIPALITIES], p.loc[config.FYLKESKOMMUNE]
    classes = profile[~profile["group"].isin([ALL_MUNICIPALITIES, config.FYLKESKOMMUNE])]
    small, large = classes.iloc[0], classes.iloc[-1]
    uses = dist[(dist["item"] == "a1_uses_some") & (dist["level"] == "yes")].set_index("unit_type")["share"]
    kap = agr[(agr["statistic"] == "kappa") & agr["estimate"].notna()].set_index("column")["estimate"]
    pct = agr.loc[agr["statistic"] == "percent_agreement", "estimate"].dropna()
    low_col = kap.idxmin()
    # the smallest size class under-represented and the largest over-represented among the respondents
    skewed = (small["presurvey_share_of_respondents"] < small["population_share"]
              and large["presurvey_share_of_respondents"] > large["population_share"])
    note = "skewed" if skewed else "plain"
    return dict(n_pre=int(len(pre)), n_k=int(k["presurvey"]), n_f=int(f["presurvey"]),
                of_mapped=float(len(pre) / (k["mapped"] + f["mapped"])),
                small_class=labels.Label("size_class", small["group"]), small_pop=float(small["population_share"]),
                small_resp=float(small["presurvey_share_of_respondents"]),
                large_class=labels.Label("size_class", large["group"]), large_pop=float(large["population_share"]),
                large_resp=float(large["presurvey_share_of_respondents"]),
                uses_k=float(uses.get(config.KOMMUNE, np.nan)), uses_f=float(uses.get(config.FYLKESKOMMUNE, np.nan)),
                n_both=int(pre["unit_id"].isin(main["unit_id"]).sum()),
                agree=(float(pct.min()), float(pct.max())), kappa_min=float(kap.min()),
                kappa_max=float(kap.max()), kappa_min_question=text.Localized(lambda lang: codebook.label(low_col, lang)),
                threshold=SUBSTANTIAL_KAPPA, stable=bool(kap.min() > SUBSTANTIAL_KAPPA),
                respondent_note=text.Localized(lambda lang: _t(f"respondent_note.{note}", lang)))
