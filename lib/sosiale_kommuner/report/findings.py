"""The nine key findings of the contents page, one function each (see :mod:`.key_findings`).

Each function reads the numbers it needs from the result tables through a
:class:`~.key_findings.Context` and returns a :class:`~.key_findings.Finding`; a number that
is missing becomes a sentence saying why. Which table, question and answer a finding rests
on is written here, once; the words are the text layer's (``index.yaml``: ``finding.*``).
"""
from __future__ import annotations

import html
import statistics
from typing import Callable

from .key_findings import (
    TESTS, Context, Finding, Missing, claim, compare_half, compare_share, county_line, evidence,
    item_mdd, links, status_note,
)
from .text.formats import join, percent


def _new(ctx: Context, key: str, area: str) -> Finding:
    return Finding(key=key, area=area, title=ctx.t(f"finding.{key}.title"))


def _tests(ctx: Context, f: Finding, item: str, stem: str) -> None:
    lines = [evidence(ctx, item, "size_class", stem), evidence(ctx, item, "unit_type", stem)]
    f.evidence += list(dict.fromkeys(lines))  # a missing tests table is said once


def use(ctx: Context) -> Finding:
    """Area 1: how many use social media; against BETA.KOMM 2011 and the Facebook census."""
    f, stem = _new(ctx, "use", "1"), "04_adoption"
    try:
        est = ctx.tables.estimate(stem, "a1_uses_some", "yes")
        f.lead = ctx.md("finding.use.lead", **est.values())
        f.lead += " " + county_line(ctx, stem, "a1_uses_some", "yes")
        f.claims.append(claim(ctx, "title_claim"))
        c = ctx.claims.get("adopted_2011")
        if c is not None:
            f.claims.append(claim(ctx, "adopted_2011", compare_share(ctx, est, c.share())))
    except Missing as exc:
        f.lead = ctx.missing(exc)
    _tests(ctx, f, "a1_uses_some", stem)
    try:  # the weights' non-circular check: the census count of Facebook pages
        check = ctx.tables.read("03_weighting", "facebook_check")
        rows = check[check["unit_type"] == "kommune"]
        if "candidate" in rows and ctx.tables.has("03_weighting", "margin_choice"):
            choice = ctx.tables.read("03_weighting", "margin_choice")
            chosen = choice[choice["chosen"].astype(str).str.lower() == "true"]["candidate"]
            if not chosen.empty:
                rows = rows[rows["candidate"] == chosen.iloc[0]]
        r = rows.iloc[0]
        c = ctx.claims.get("facebook_2013")
        if c is not None:
            covers = float(r["ci_low"]) <= c.share() <= float(r["ci_high"])
            verdict = ctx.md("compare.check_covers" if covers else "compare.check_misses",
                             share=float(r["weighted"]), ci=(float(r["ci_low"]), float(r["ci_high"])))
            f.claims.append(claim(ctx, "facebook_2013", verdict))
    except (Missing, IndexError, KeyError):
        pass
    f.notes += status_note(ctx, stem)
    f.links += links(ctx, stem, "estimates")
    return f


def areas(ctx: Context) -> Finding:
    """Area 2: the most common areas of use."""
    f, stem = _new(ctx, "areas", "2"), "05_areas_of_use"
    try:
        rows = ctx.tables.options(stem, "a2_use_areas")
        top = rows.iloc[0]
        est = ctx.tables.estimate(stem, "a2_use_areas", top["level"])
        nxt = [rows.iloc[i] for i in (1, 2)]
        f.lead = ctx.md("finding.areas.lead", label=ctx.option("a2_use_areas", top["level"]),
                        second=ctx.option("a2_use_areas", nxt[0]["level"]),
                        second_share=float(nxt[0]["estimate"]),
                        third=ctx.option("a2_use_areas", nxt[1]["level"]),
                        third_share=float(nxt[1]["estimate"]), **est.values())
        _tests(ctx, f, f"a2_use_areas__{top['level']}", stem)
    except (Missing, IndexError) as exc:
        f.lead = ctx.missing(exc if isinstance(exc, Missing) else Missing(stem, "row"))
    f.claims.append(f'<p class="sk-claim-none">{html.escape(ctx.t("finding.published_none"))}</p>')
    f.notes += status_note(ctx, stem)
    f.links += links(ctx, stem, "estimates")
    return f


def strategy(ctx: Context) -> Finding:
    """Areas 3–5: adopted strategies and engaged leadership; against BETA.KOMM 2011."""
    f, stem = _new(ctx, "strategy", "3–5"), "06_strategy_leadership"
    try:
        est = ctx.tables.estimate(stem, "a3_strategy_status", "adopted")
        lead = ctx.tables.estimate(stem, "a5_admin_leadership", "top2")
        f.lead = ctx.md("finding.strategy.lead", **est.values(), **lead.values("leader_"))
        c = ctx.claims.get("strategy_2011")
        if c is not None:
            f.claims.append(claim(ctx, "strategy_2011", compare_share(ctx, est, c.share())))
    except Missing as exc:
        f.lead = ctx.missing(exc)
    _tests(ctx, f, "a3_strategy_status", stem)
    f.notes += status_note(ctx, stem)
    f.links += links(ctx, stem, "estimates")
    return f


def benefit(ctx: Context) -> Finding:
    """Area 6: experienced benefit, and the three areas Distriktssenteret named."""
    f, stem = _new(ctx, "benefit", "6"), "07_benefit_advice"
    try:
        est = ctx.tables.estimate(stem, "a6_benefit_overall", "top2")
        parts = []
        for item in ("a6_benefit_reputation", "a6_benefit_feedback", "a6_benefit_development"):
            e = ctx.tables.estimate(stem, item, "top2")
            words = ctx.t(f"finding.benefit.{item.removeprefix('a6_benefit_')}")
            parts.append((e.value, f"{words} ({percent(e.value, 0, ctx.lang)})"))
        ranked = [p for _, p in sorted(parts, key=lambda x: -x[0])]
        f.lead = ctx.md("finding.benefit.lead", ranked=join(ranked, ctx.lang), **est.values())
    except Missing as exc:
        f.lead = ctx.missing(exc)
    _tests(ctx, f, "a6_benefit_overall", stem)
    f.claims.append(claim(ctx, "good_experience"))
    f.notes += status_note(ctx, stem)
    f.links += links(ctx, stem, "estimates")
    return f


def advice(ctx: Context) -> Finding:
    """Area 7: the need for knowledge and advice, in which form and from whom."""
    f, stem = _new(ctx, "advice", "7"), "07_benefit_advice"
    try:
        est = ctx.tables.estimate(stem, "a7_need_knowledge", "top2")
        form = ctx.tables.options(stem, "a7_advice_forms").iloc[0]
        source = ctx.tables.options(stem, "a7_advice_from").iloc[0]
        f.lead = ctx.md("finding.advice.lead", form=ctx.option("a7_advice_forms", form["level"]),
                        form_share=float(form["estimate"]), source=ctx.option("a7_advice_from", source["level"]),
                        source_share=float(source["estimate"]), **est.values())
    except Missing as exc:
        f.lead = ctx.missing(exc)
    _tests(ctx, f, "a7_need_knowledge", stem)
    f.claims.append(f'<p class="sk-claim-none">{html.escape(ctx.t("finding.published_none"))}</p>')
    f.notes += status_note(ctx, stem)
    f.links += links(ctx, stem, "estimates")
    return f


def sharing(ctx: Context) -> Finding:
    """Area 8: sharing, collaboration, wanting to know more; the report's main challenge."""
    f, stem = _new(ctx, "sharing", "8"), "08_sharing"
    try:
        est = ctx.tables.estimate(stem, "a8_shared_experience", "top2")
        collab = ctx.tables.estimate(stem, "a8_collaborates", "yes")
        want = ctx.tables.estimate(stem, "a8_want_more_knowledge", "yes")
        f.lead = ctx.md("finding.sharing.lead", **est.values(), **collab.values("collab_"),
                        **want.values("want_"))
        f.claims.append(claim(ctx, "sharing_too_little", compare_half(ctx, est)))
        c = ctx.claims.get("want_knowledge")
        if c is not None:
            f.claims.append(claim(ctx, "want_knowledge", compare_share(ctx, want, c.share())))
    except Missing as exc:
        f.lead = ctx.missing(exc)
    _tests(ctx, f, "a8_shared_experience", stem)
    f.notes += status_note(ctx, stem)
    f.links += links(ctx, stem, "estimates")
    return f


def involvement(ctx: Context) -> Finding:
    """Area 9: citizen involvement in local development work; "only sporadically"."""
    f, stem = _new(ctx, "involvement", "9"), "10_involvement"
    try:
        est = ctx.tables.estimate(stem, "a9_has_involved", "yes")
        f.lead = ctx.md("finding.involvement.lead", **est.values())
        f.lead += " " + county_line(ctx, stem, "a9_has_involved", "yes")
        f.claims.append(claim(ctx, "involvement_sporadic", compare_half(ctx, est)))
    except Missing as exc:
        f.lead = ctx.missing(exc)
    _tests(ctx, f, "a9_has_involved", stem)
    f.notes += status_note(ctx, stem)
    f.links += links(ctx, stem, "estimates")
    return f


def size(ctx: Context) -> Finding:
    """The claim of large differences between size classes, over every tested question."""
    f = _new(ctx, "size", "1–9")
    try:
        df = ctx.tables.read(TESTS, "tests")
        rows = df[(df["comparison"] == "size_class") & df["p_adjusted"].notna()]
        sig = rows[rows["p_adjusted"] < ctx.alpha]
        f.lead = ctx.md("finding.size.lead", tested=len(rows), sig=len(sig), alpha=ctx.alpha)
        props = sig[sig["effect_measure"].astype(str).str.startswith("diff_prop")]
        if len(props):
            r = props.loc[props["effect_size"].abs().sort_values(ascending=False, kind="stable").index[0]]
            level = str(r["effect_measure"]).partition(":")[2] or None
            f.evidence.append(ctx.md("finding.size.largest", label=ctx.item_label(r["item"], level),
                                     diff=float(r["effect_size"]), lo=float(r["effect_ci_low"]),
                                     hi=float(r["effect_ci_high"]), p=float(r["p_adjusted"])))
        elif not len(sig):
            f.evidence.append(ctx.md("finding.size.none"))
        f.claims.append(claim(ctx, "size_variation", ctx.md("compare.size_support", sig=len(sig), tested=len(rows))))
    except Missing as exc:
        f.lead = ctx.missing(exc)
    f.notes += status_note(ctx, TESTS)
    f.links += links(ctx, TESTS, "tests")
    return f


def counties(ctx: Context) -> Finding:
    """The claim that municipalities and county municipalities differ, with what 11 can show."""
    f = _new(ctx, "counties", "1–9")
    try:
        df = ctx.tables.read(TESTS, "tests")
        rows = df[(df["comparison"] == "unit_type") & df["p_adjusted"].notna()]
        sig = rows[rows["p_adjusted"] < ctx.alpha]
        f.lead = ctx.md("finding.counties.lead", tested=len(rows), sig=len(sig), alpha=ctx.alpha)
        mdd_line = _counties_mdd(ctx, rows)
        if mdd_line:
            f.evidence.append(mdd_line)
        verdict = ctx.md("compare.counties_some", sig=len(sig)) if len(sig) else ctx.md("compare.counties_none")
        f.claims.append(claim(ctx, "county_needs", verdict))
    except Missing as exc:
        f.lead = ctx.missing(exc)
    f.notes += status_note(ctx, TESTS)
    f.links += links(ctx, TESTS, "tests")
    return f


def _counties_mdd(ctx: Context, rows) -> str:
    """The median MDD of the binary unit-type comparisons (chapter 09's), else the SRS bound
    for the county and municipal respondents of the cleaning chapter."""
    props = rows[rows["effect_measure"].astype(str).str.startswith("diff_prop")]
    if ctx.tables.has(TESTS, "mdd"):
        values = [m for m in (item_mdd(ctx, i) for i in props["item"]) if m is not None]
        if values:
            n_f = _respondents(ctx, "fylkeskommune")
            return ctx.md("finding.counties.mdd", mdd=statistics.median(v for v, _ in values),
                          n_county=n_f or 0, power=ctx.power)
    n_f, n_k = _respondents(ctx, "fylkeskommune"), _respondents(ctx, "kommune")
    if n_f and n_k and n_f > 1:
        from sosiale_kommuner.survey.power import mdd_proportion

        return ctx.md("finding.counties.mdd_srs", n_county=n_f, power=ctx.power,
                      mdd=mdd_proportion(n_f, n_k, df=n_f - 1, alpha=ctx.alpha, power=ctx.power))
    return ""


def _respondents(ctx: Context, unit: str) -> int | None:
    """Respondents of one population, from the cleaning chapter's coverage table."""
    try:
        df = ctx.tables.read("02_cleaning", "coverage_summary")
    except Missing:
        return None
    label = {"kommune": "kommune (all)", "fylkeskommune": "fylkeskommune"}[unit]
    rows = df[df["group"].astype(str).str.strip().isin([label, unit])]
    col = next((c for c in ("main_survey", "answered", "responded") if c in df.columns), None)
    return int(rows.iloc[0][col]) if col and not rows.empty else None


#: The findings in the order the page shows them.
FINDINGS: tuple[Callable[[Context], Finding], ...] = (
    use, areas, strategy, benefit, advice, sharing, involvement, size, counties)


def compute(ctx: Context) -> list[Finding]:
    """Every key finding of the page, in order."""
    return [make(ctx) for make in FINDINGS]


__all__ = ["FINDINGS", "compute"]
