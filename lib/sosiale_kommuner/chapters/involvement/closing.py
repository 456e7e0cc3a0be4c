"""Chapter 10's closing section ("What this shows"): its numbers read from the published
result tables (:func:`closing_numbers`) and the values of the text layer's ``closing`` text
(:func:`closing_values`), every sentence a text of ``report/text/<lang>/10_involvement.yaml``."""
from __future__ import annotations

import pandas as pd

from typing import Any

from sosiale_kommuner.config import CENTRALITY_2008, FYLKESKOMMUNE
from sosiale_kommuner.data.codebook import Codebook
from sosiale_kommuner.report import labels, tables
from sosiale_kommuner.report.text import Localized, formats

from .labels import practice_label, t, term_label
from .variables import INVOLVED_ALL, OUTCOME, PRACTICE, PRACTICE_LEVELS


def _est(estimates: pd.DataFrame, item, level, domain="all", group="all"):
    e = estimates[(estimates["item"] == item) & (estimates["level"] == str(level)) &
                  (estimates["domain"] == domain) & (estimates["group"] == str(group))]
    if e.empty or bool(e["suppressed"].iloc[0]):
        return None
    return e.iloc[0]


#: |bias_z| above this counts as a bias distinguishable from Monte Carlo noise (about ten terms
#: are summarised, so a Bonferroni-like bound above 1.96).
SIM_DETECTABLE_Z = 2.8


def closing_numbers(estimates: pd.DataFrame, tests: pd.DataFrame, models: pd.DataFrame,
                    simulation: pd.DataFrame | None = None) -> dict:
    """The numbers the closing section states, read from the result tables (0–1 scale)."""
    out: dict = {}
    r = _est(estimates, INVOLVED_ALL, "yes")
    out["involved_all"] = None if r is None else (r.estimate, r.ci_low, r.ci_high, int(r.n_unweighted))
    r = _est(estimates, OUTCOME, "yes")
    out["involved_users"] = None if r is None else (r.estimate, r.ci_low, r.ci_high, int(r.n_unweighted))
    r = _est(estimates, INVOLVED_ALL, "yes", "unit_type", FYLKESKOMMUNE)
    out["involved_counties"] = None if r is None else (r.estimate, r.ci_low, r.ci_high, int(r.n_unweighted))
    cent = {}
    for k in sorted(CENTRALITY_2008):
        r = _est(estimates, INVOLVED_ALL, "yes", "centrality", k)
        if r is not None:
            cent[k] = (r.estimate, r.ci_low, r.ci_high, int(r.n_unweighted))
    out["involved_by_centrality"] = cent
    bar = estimates[(estimates["item"] == "a9_barriers") & (estimates["domain"] == "all") & ~estimates["suppressed"]]
    if len(bar):
        top = bar.sort_values("estimate", ascending=False).iloc[0]
        out["top_barrier"] = (top.level, top.estimate, top.ci_low, top.ci_high)
    t = tests[tests["comparison"] == "centrality"]
    out["n_tests"] = int(len(t))
    out["n_tests_bh_significant"] = int((t["p_adjusted"] < 0.05).sum())
    inv_test = t[t["item"] == OUTCOME]
    out["test_involved"] = None if inv_test.empty else (float(inv_test.p_value.iloc[0]), float(inv_test.p_adjusted.iloc[0]))
    out["centrality_gap"] = None if inv_test.empty or pd.isna(inv_test.effect_size.iloc[0]) else (
        float(inv_test.effect_size.iloc[0]), float(inv_test.effect_ci_low.iloc[0]), float(inv_test.effect_ci_high.iloc[0]))
    m = models[models["kind"] == "ame"].set_index("term")
    out["ame"] = {t: (r.estimate, r.ci_low, r.ci_high, r.p_value) for t, r in m.iterrows()}
    out["model_n"] = int(models["n"].iloc[0]) if len(models) else 0
    pt = {}
    for lv in PRACTICE_LEVELS:
        r = _est(estimates, PRACTICE, lv)
        if r is not None:
            pt[lv] = r.estimate
    out["practice"] = pt
    if simulation is not None and len(simulation):
        out["sim_max_abs_bias_z"] = float(simulation["bias_z"].abs().max())
        if "bias_rel_se" in simulation.columns:
            det = simulation[simulation["bias_z"].abs() > SIM_DETECTABLE_Z]
            out["sim_detectable"] = [(t, float(r)) for t, r in zip(det["term"], det["bias_rel_se"])]
        out["sim_coverage_min"] = float(simulation["coverage"].min())
        out["sim_coverage_max"] = float(simulation["coverage"].max())
        out["sim_replicates"] = int(simulation["replicates"].iloc[0])
    return out


def _text(key: str, **values: Any) -> Localized:
    """The chapter's text ``key`` as a value of another text, filled in per language."""
    return Localized(lambda lang: t(key, lang, **values))


def _parts(make_parts, sep: str = "; ") -> Localized:
    """Several pieces of text (``make_parts(lang) -> list[str]``) joined into one value."""
    return Localized(lambda lang: sep.join(make_parts(lang)))


EMPTY = Localized(lambda lang: "")


def _ame_parts(ame: dict, terms: list[str]) -> Localized:
    return _parts(lambda lang: [t("closing_ame_part", lang, term=term_label(k, lang), effect=tables.estimate_text(
        ame[k][0], ame[k][1], ame[k][2], "pp", lang)) for k in terms])


def _simulation(nums: dict) -> Localized:
    if "sim_replicates" not in nums:
        return EMPTY
    det = nums.get("sim_detectable")
    if det is None:
        extra = EMPTY
    elif not det:
        extra = _text("closing_sim_none", z=SIM_DETECTABLE_Z)
    else:
        rel = max(abs(r) for _, r in det)
        q = "small" if rel < 0.25 else ("mid" if rel < 0.5 else "big")
        extra = Localized(lambda lang: t("closing_sim_rel", lang, rel=rel, q=t(f"closing_sim_q.{q}", lang),
                                         terms=formats.join([term_label(k, lang) for k, _ in det], lang)))
    return _text("closing_sim", r=nums["sim_replicates"], z=nums["sim_max_abs_bias_z"],
                 coverage=(nums["sim_coverage_min"], nums["sim_coverage_max"]), extra=extra)


def closing_values(nums: dict, fpc_in_tests: bool = False, codebook: Codebook | None = None) -> dict[str, Any]:
    """The values of the ``closing`` text: one paragraph per finding (an empty one when its numbers
    are missing or suppressed), every number from :func:`closing_numbers`."""
    out: dict[str, Any] = {}
    a, u, c = nums.get("involved_all"), nums.get("involved_users"), nums.get("involved_counties")
    users = _text("closing_users", p=u[0], ci=(u[1], u[2])) if u else EMPTY
    out["reach"] = _text("closing_reach", p=a[0], ci=(a[1], a[2]), n=a[3], users=users) if a else EMPTY
    out["counties"] = _text("closing_counties", p=c[0], ci=(c[1], c[2]), n=c[3]) if c else EMPTY
    cent = nums.get("involved_by_centrality") or {}
    out["centrality"] = _text("closing_centrality", parts=_parts(lambda lang: [
        t("closing_centrality_part", lang, name=labels.centrality(k, lang).lower(), p=v[0], ci=(v[1], v[2]))
        for k, v in cent.items()])) if cent else EMPTY
    nt, ns, ti = nums.get("n_tests", 0), nums.get("n_tests_bh_significant", 0), nums.get("test_involved")
    inv = _text("closing_tests_involved", p=ti[0], padj=ti[1]) if ti else EMPTY
    fpc = "with" if fpc_in_tests else "without"
    out["tests"] = _text(f"closing_tests.{fpc}", nt=nt, ns=ns, involved=inv) if nt else EMPTY
    gap = nums.get("centrality_gap")
    gap_shown = bool(gap) and (gap[1] > 0 or gap[2] < 0)
    out["gap"] = (_text("closing_gap.can" if gap_shown else "closing_gap.cannot", effect=Localized(
        lambda lang: tables.estimate_text(gap[0], gap[1], gap[2], "pp", lang))) if gap else EMPTY)
    am = nums.get("ame") or {}
    keys = [k for k in am if not k.startswith(("size_class", "centrality"))]
    ck = [k for k in am if k.startswith("centrality")]
    out["model"] = _text("closing_ame", n=nums.get("model_n", 0), parts=_ame_parts(am, keys)) if keys else EMPTY
    out["model_centrality"] = _text("closing_ame_centrality", parts=_ame_parts(am, ck)) if ck else EMPTY
    pt = nums.get("practice") or {}
    out["practice"] = _text("closing_practice", parts=_parts(lambda lang: [
        t("closing_practice_part", lang, name=practice_label(k, lang).lower(), p=v) for k, v in pt.items()],
        sep=", ")) if pt else EMPTY
    tb = nums.get("top_barrier")
    out["barrier"] = (_text("closing_barrier", p=tb[1], ci=(tb[2], tb[3]), name=Localized(
        lambda lang: codebook.option_label(f"a9_barriers__{tb[0]}", lang).lower() if codebook is not None
        else str(tb[0]))) if tb else EMPTY)
    out["simulation"] = _simulation(nums)
    gap_key = "yes" if (gap_shown and gap[0] > 0) else "no"
    c3 = am.get(f"centrality={max(CENTRALITY_2008)}")
    adjusted = gap_key == "yes" and c3 is not None and c3[1] <= 0 <= c3[2]
    out["could_gap"] = _text(f"closing_could_gap.{gap_key}", adjusted=_text("closing_could_adjusted")
                             if adjusted else EMPTY)
    return out


__all__ = ["closing_numbers", "closing_values", "SIM_DETECTABLE_Z"]
