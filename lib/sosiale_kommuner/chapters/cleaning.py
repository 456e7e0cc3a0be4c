"""Tables, figures and prose values of the cleaning chapter (``02_cleaning``).

The data layer cleans (:func:`sosiale_kommuner.data.cleaning.run_cleaning`) and counts
(:mod:`sosiale_kommuner.data.summaries`); this module turns its log, its counts and what the
detector of personal data made of the free text into what a reader sees, in each language:
the log's rules in words with rows in and out, the units that submitted more than once and
the criterion that decided, coverage and response, item nonresponse, and the scrub of
personal data by kind. The result tables it makes hold codes and numbers only; every word
comes from the text layer (``report/text/<lang>/02_cleaning.yaml``).
"""
from __future__ import annotations

import math
from typing import Any

import matplotlib.pyplot as plt
import pandas as pd

from sosiale_kommuner import config
from sosiale_kommuner.data import pii
from sosiale_kommuner.data.cleaning import CleaningResult
from sosiale_kommuner.data.submissions import CRITERIA
from sosiale_kommuner.report import charts, labels, tables, text
from sosiale_kommuner.report.text import formats

STEM = "02_cleaning"
#: The surveys of the log, in the order the chapter shows them.
SURVEYS = ("main", "presurvey")
#: The coverage summary's rows of all municipalities and of the county municipalities.
ALL_MUNICIPALITIES = "kommune (all)"
COUNTY = config.FYLKESKOMMUNE
LOG_TABLE_COLUMNS = ["survey", "step", "code", "rows_in", "rows_out", "removed", "repaired"]


def _t(key: str, lang: str, **values: Any) -> str:
    return text.get(STEM, key, lang, **values)


def _table(df: pd.DataFrame, lang: str, columns) -> tables.Table:
    return tables.Table(df, lang, columns, page=STEM)


# -- the log -------------------------------------------------------------------------------
def log_table(log: pd.DataFrame) -> pd.DataFrame:
    """The cleaning log as a result table: one row per rule and survey, by the rule's code
    (``survey, step, code, rows_in, rows_out, removed, repaired``); the English notes stay in
    the console."""
    return log[LOG_TABLE_COLUMNS].reset_index(drop=True)


def show_log(log: pd.DataFrame, survey: str, lang: str) -> tables.Table:
    """One survey's rules in words, with rows in and out, rows removed and values repaired."""
    part = log[log["survey"] == survey].assign(rule_words=lambda d: [_t(f"rule.{c}", lang) for c in d["code"]])
    return _table(part, lang, [tables.text("rule_words", header="rule"),
                               tables.number("rows_in", "int"), tables.number("rows_out", "int"),
                               tables.number("removed", "int"), tables.number("repaired", "int")])


def _row(log: pd.DataFrame, survey: str, code: str) -> pd.Series:
    rows = log[(log["survey"] == survey) & (log["code"] == code)]
    if rows.empty:
        raise KeyError(f"the cleaning log has no rule {code!r} for {survey!r}")
    return rows.iloc[0]


def criteria_words(counts: dict[str, int]) -> text.Localized:
    """``9 by the most complete submission and 4 by the latest change`` in words, criteria in
    the rule's order, those that decided nothing left out."""
    parts = [(k, int(counts.get(k, 0))) for k in CRITERIA if counts.get(k, 0)]
    return text.Localized(lambda lang: formats.join([_t(f"criterion_count.{k}", lang, n=n) for k, n in parts], lang))


def link_words(repairs: dict[str, int]) -> text.Localized:
    """The repairs of the kommunenummer by kind, in words (kinds that repaired nothing left out)."""
    parts = [(k, int(n)) for k, n in repairs.items() if n]
    return text.Localized(lambda lang: formats.join([_t(f"link_part.{k}", lang, n=n) for k, n in parts], lang))


def log_values(result: CleaningResult, survey: str) -> dict[str, Any]:
    """The numbers of one survey's log in words: rows read, tests, empty starts, duplicates
    (units, submissions, rows removed, by the criterion that decided, undated), repairs of the
    kommunenummer by kind, respondents after cleaning."""
    log, d = result.log, result.details[survey]
    dups = d["duplicates"]
    decided = dups["rule"].value_counts().to_dict() if len(dups) else {}
    repairs = d["link_repairs"]
    return dict(
        n_rows=int(_row(log, survey, "read")["rows_in"]),
        tests=int(_row(log, survey, "tests")["removed"]),
        empty=int(_row(log, survey, "empty")["removed"]),
        dup_units=int(len(dups)), dup_submissions=int(dups["submissions"].sum()) if len(dups) else 0,
        dup_removed=int(_row(log, survey, "duplicates")["removed"]),
        decided=criteria_words(decided),
        undated=int((dups["undated"] > 0).sum()) if len(dups) else 0,
        link_repaired=int(sum(repairs.values())), leading_zero=int(repairs.get("leading_zero", 0)),
        by_name=int(repairs.get("name", 0)), oslo_county=int(repairs.get("oslo_county", 0)),
        link_parts=link_words(repairs), read_repairs=int(d["read_repairs"]),
        survey=text.Localized(lambda lang: _t(f"survey_in.{survey}", lang)),
        n_k=int(d["respondents"][config.KOMMUNE]), n_f=int(d["respondents"][config.FYLKESKOMMUNE]),
    )


def log_text_keys(values: dict[str, Any]) -> list[str]:
    """The passages that describe one survey's log: the removals always; duplicates, repairs of
    the kommunenummer and of the file format only when there were any."""
    keys = ["log_removed" if values["tests"] or values["empty"] else "log_none_removed"]
    keys.append("log_duplicates" if values["dup_units"] else "log_no_duplicates")
    if values["undated"]:
        keys.append("log_undated")
    if values["link_repaired"]:
        keys.append("log_link")
    if values["read_repairs"]:
        keys.append("log_read_repairs")
    return keys + ["log_result"]


def log_markdown(result: CleaningResult, survey: str):
    """One survey's log in words (a paragraph per language), for ``page.markdown``."""
    values = log_values(result, survey)
    keys = log_text_keys(values)
    return lambda lang: " ".join(_t(k, lang, **values) for k in keys)


def mapping_values(summary: pd.DataFrame) -> dict[str, Any]:
    """The contact list's counts: units, and contacts found per population."""
    s = summary.set_index("group")
    k, f = s.loc[ALL_MUNICIPALITIES], s.loc[COUNTY]
    return dict(units=int(k["population"] + f["population"]), k_units=int(k["population"]),
                k_mapped=int(k["mapped"]), f_units=int(f["population"]), f_mapped=int(f["mapped"]))


def duplicates_table(result: CleaningResult) -> pd.DataFrame:
    """Every unit that submitted more than once: ``survey, unit_id, submissions, rule``
    (the criterion that decided, a key of ``submissions.CRITERIA``) and ``undated``."""
    parts = [result.details[s]["duplicates"].assign(survey=s) for s in SURVEYS]
    out = pd.concat(parts, ignore_index=True)
    return out[["survey", "unit_id", "submissions", "rule", "undated"]]


def show_duplicates(dups: pd.DataFrame, population: pd.DataFrame, lang: str) -> tables.Table:
    """The units that submitted more than once, by number and name, with the deciding criterion."""
    names = dict(zip(population["unit_id"].astype(str), population["name"]))
    d = dups.assign(unit=[f"{u} {names.get(str(u), '')}".strip() for u in dups["unit_id"]])
    return _table(d, lang, [tables.text("unit"), tables.number("submissions", "int"),
                            tables.coded("rule", lambda c, lang_: _t(f"criterion.{c}", lang_), header="decided_by")])


# -- coverage and response ----------------------------------------------------------------
def coverage_group(code: Any, lang: str) -> str:
    """A row of the coverage summary in words (a size class, all municipalities, the county
    municipalities)."""
    code = str(code)
    if code == ALL_MUNICIPALITIES:
        return _t("group.all_municipalities", lang)
    if code == COUNTY:
        return _t("group.county", lang)
    return _t("group.size_class", lang, size_class=labels.size_class(code, lang))


def show_coverage(summary: pd.DataFrame, lang: str) -> tables.Table:
    """Units, contacts found, respondents and the rates, per size class and unit type."""
    d = summary.assign(answered_rate=summary["main_survey"] / summary["population"])
    return _table(d, lang, [tables.coded("group", coverage_group), tables.number("population", "int"),
                            tables.number("mapped", "int"), tables.number("main_survey", "int"),
                            tables.number("mapped_rate", "pct"), tables.number("response_rate", "pct"),
                            tables.number("answered_rate", "pct")])


def coverage_rates(summary: pd.DataFrame) -> pd.DataFrame:
    """Long table for the coverage figure: per group the share of units with a contact found
    and the share that answered the main survey (both of all units in the group)."""
    rows = []
    for r in summary.itertuples(index=False):
        rows.append(dict(group=r.group, measure="mapped", value=r.mapped / r.population))
        rows.append(dict(group=r.group, measure="answered", value=r.main_survey / r.population))
    return pd.DataFrame(rows)


def plot_coverage(summary: pd.DataFrame, lang: str) -> plt.Figure:
    """Bars of contact found and answered, per size class, all municipalities and the counties."""
    d = coverage_rates(summary)
    d = d.assign(label=[coverage_group(g, lang) for g in d["group"]])
    return charts.grouped_bars(d, lang, category="label", series="measure", value="value",
                               series_name=lambda m, lang_: _t(f"figure.{m}", lang_),
                               axis=text.Localized(lambda lang_: _t("figure.share_axis", lang_)))


def coverage_values(summary: pd.DataFrame) -> dict[str, Any]:
    """The numbers of the coverage figure's alt text and of the closing text."""
    s = summary.set_index("group")
    k, f = s.loc[ALL_MUNICIPALITIES], s.loc[COUNTY]
    classes = summary[~summary["group"].isin([ALL_MUNICIPALITIES, COUNTY])]
    first, last = classes.iloc[0], classes.iloc[-1]

    def readout(lang: str) -> str:
        return "; ".join(_t("alt.group_part", lang, group=coverage_group(r.group, lang),
                            mapped=r.mapped / r.population, answered=r.main_survey / r.population)
                         for r in summary.itertuples(index=False))
    return dict(groups=text.Localized(readout),
                k_units=int(k["population"]), k_mapped=int(k["mapped"]), k_answered=int(k["main_survey"]),
                f_units=int(f["population"]), f_mapped=int(f["mapped"]), f_answered=int(f["main_survey"]),
                k_response=float(k["response_rate"]), f_response=float(f["response_rate"]),
                k_of_population=float(k["main_survey"] / k["population"]),
                f_of_population=float(f["main_survey"] / f["population"]),
                first_class=labels.Label("size_class", first["group"]), first_mapped=float(first["mapped_rate"]),
                last_class=labels.Label("size_class", last["group"]), last_mapped=float(last["mapped_rate"]))


# -- item nonresponse -------------------------------------------------------------------------
def answers_by_area(answers: pd.DataFrame) -> pd.DataFrame:
    """Per questionnaire area: questions, and the mean share left blank and answered "Vet ikke"
    among the respondents shown each question."""
    return answers.groupby("area").agg(items=("item", "size"), missing_share=("missing_share", "mean"),
                                       dont_know_share=("dont_know_share", "mean")).reset_index()


def show_by_area(by_area: pd.DataFrame, codebook, lang: str) -> tables.Table:
    d = by_area.assign(area_name=[f"{a} {codebook.area_label(a, lang)}" for a in by_area["area"]])
    return _table(d, lang, [tables.text("area_name", header="area"), tables.number("items", "int"),
                            tables.number("missing_share", "pct1"), tables.number("dont_know_share", "pct1")])


def plot_by_area(by_area: pd.DataFrame, codebook, lang: str) -> plt.Figure:
    """Bars of the mean "Vet ikke" and blank shares per area."""
    long = by_area.melt(id_vars=["area"], value_vars=["dont_know_share", "missing_share"],
                        var_name="measure", value_name="value")
    long["area_name"] = [f"{a} {codebook.area_label(a, lang)}" for a in long["area"]]
    long = long.sort_values(["area", "measure"], kind="stable")
    fig = charts.grouped_bars(long, lang, category="area_name", series="measure", value="value",
                              series_order=["dont_know_share", "missing_share"],
                              series_name=lambda m, lang_: _t(f"figure.{m}", lang_),
                              axis=text.Localized(lambda lang_: _t("figure.shown_axis", lang_)))
    return zoom_percent(fig, float(long["value"].max()))


def zoom_percent(fig: plt.Figure, largest: float, step: float = 0.02) -> plt.Figure:
    """A percent axis from 0 to just above ``largest`` (ticks every ``step``), for shares far
    below 100 % that a full axis would squeeze into its first tenth."""
    ax = fig.axes[0]
    top = max(step, step * math.ceil(1.1 * largest / step))
    ax.set_xlim(0, top)
    ax.set_xticks([i * step for i in range(int(round(top / step)) + 1)])
    return fig


def by_area_values(by_area: pd.DataFrame, codebook) -> dict[str, Any]:
    def readout(lang: str) -> str:
        return "; ".join(_t("alt.area_part", lang, area=codebook.area_label(r.area, lang),
                            dont_know=r.dont_know_share, missing=r.missing_share)
                         for r in by_area.itertuples(index=False))
    return {"areas": text.Localized(readout)}


def most_dont_know(answers: pd.DataFrame, k: int = 8) -> pd.DataFrame:
    """The ``k`` questions with the largest share of "Vet ikke" among those shown them."""
    return answers.sort_values(["dont_know_share", "item"], ascending=[False, True]).head(k).reset_index(drop=True)


def show_most_dont_know(top: pd.DataFrame, codebook, lang: str) -> tables.Table:
    d = top.assign(question=[codebook.label(i, lang) for i in top["item"]])
    return _table(d, lang, [tables.text("question"), tables.number("shown", "int"),
                            tables.number("missing", "int"), tables.number("dont_know", "int"),
                            tables.number("dont_know_share", "pct1", header="dont_know_rate")])


# -- personal data ------------------------------------------------------------------------------
def privacy_table(result: CleaningResult) -> pd.DataFrame:
    """Per survey: free-text answers, those the detector flagged, those flagged for something
    not on the contact list (``unexplained``) and their share of all answers (``rate``), and
    the pieces of personal data replaced, by kind (``replaced_<kind>``)."""
    rows = []
    for s in SURVEYS:
        fp, scrubbed = result.free_text[s], result.details[s]["scrubbed"]
        rows.append(dict(survey=s, texts=int(fp["texts"]), flagged=int(fp["flagged"]),
                         unexplained=int(fp["unexplained"]), rate=float(fp["rate"]),
                         **{f"replaced_{k}": int(scrubbed[k]) for k in pii.KINDS}))
    return pd.DataFrame(rows)


def show_privacy(priv: pd.DataFrame, lang: str) -> tables.Table:
    d = priv.assign(survey_name=[_t(f"survey.{s}", lang) for s in priv["survey"]])
    return _table(d, lang, [tables.text("survey_name", header="survey"), tables.number("texts", "int"),
                            tables.number("flagged", "int")]
                  + [tables.number(f"replaced_{k}", "int") for k in pii.KINDS]
                  + [tables.number("unexplained", "int")])


def privacy_values(priv: pd.DataFrame, leaks: list) -> dict[str, Any]:
    """The numbers of the privacy passage: the main survey's free text, replacements by kind,
    the detector's unexplained hits over both surveys, the leak scan's findings."""
    main = priv.set_index("survey").loc["main"]
    texts, unexplained = int(priv["texts"].sum()), int(priv["unexplained"].sum())
    return dict(texts=int(main["texts"]), flagged=int(main["flagged"]),
                **{k: int(main[f"replaced_{k}"]) for k in pii.KINDS},
                replaced=int(sum(main[f"replaced_{k}"] for k in pii.KINDS)),
                all_texts=texts, unexplained=unexplained, rate=unexplained / texts if texts else 0.0,
                pre_texts=int(priv.set_index("survey").loc["presurvey", "texts"]), leaks=len(leaks))


# -- closing -------------------------------------------------------------------------------
def closing_values(result: CleaningResult, summary: pd.DataFrame, answers: pd.DataFrame,
                   priv: pd.DataFrame, leaks: list) -> dict[str, Any]:
    """Every number of the chapter's closing text, from the log, the summaries and the scrub."""
    main = log_values(result, "main")
    cov = coverage_values(summary)
    return dict(n_rows=main["n_rows"], tests=main["tests"], empty=main["empty"], dup_removed=main["dup_removed"],
                dup_units=main["dup_units"], link_repaired=main["link_repaired"], n_k=main["n_k"], n_f=main["n_f"],
                n_pre=int(len(result.presurvey)),
                **{k: cov[k] for k in ("k_response", "f_response", "k_of_population", "f_of_population",
                                       "first_class", "first_mapped", "last_class", "last_mapped")},
                missing=float(answers["missing_share"].mean()), dont_know=float(answers["dont_know_share"].mean()),
                **{k: v for k, v in privacy_values(priv, leaks).items() if k in ("replaced", "leaks")})
