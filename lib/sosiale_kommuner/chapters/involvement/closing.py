"""Chapter 10's closing section ("What this shows"): its numbers read from the published
result tables (:func:`closing_numbers`), its text in English or Norwegian (:func:`closing_text`)
and the key number of the contents page (:func:`key_number`)."""
from __future__ import annotations

import pandas as pd

from sosiale_kommuner.config import CENTRALITY_2008, FYLKESKOMMUNE
from sosiale_kommuner.data.codebook import Codebook

from .labels import PRACTICE_LABELS, pct, pp, term_label
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


_CLOSING = {
    "en": {
        "reach": "- **Reach.** An estimated {p} of municipalities (95 % CI {lo}–{hi}; {n} respondents) had used social "
                 "media to involve citizens in local development work (non-users of social media counted as not "
                 "involved, 'Vet ikke' left out).",
        "users": "- Among municipalities that use social media the share is {p} ({lo}–{hi}).",
        "counties": "- County municipalities: {p} ({lo}–{hi}), from only {n} respondents — an interval this wide says little.",
        "centrality": "- **By centrality** (SSB 2008, 0 = least central): {parts}.",
        "tests": "- Of {nt} design-based tests of area-9 items by centrality ({fpc} finite population correction), "
                 "{ns} {verb} below 0.05 after Benjamini–Hochberg adjustment",
        "with": "with", "without": "without", "remains": "remains", "remain": "remain",
        "tests_inv": "; for having involved citizens at all, p = {p} (adjusted {padj})",
        "gap": "- Among municipalities that use social media, the share that involved citizens differs by {e} between "
               "central (3) and the least central (0) municipalities (central minus least central; 95 % CI {lo} to "
               "{hi}) — a difference that {can} (one pre-specified contrast; its interval is not adjusted for the "
               "other tests).",
        "can": "the data can tell apart from zero", "cannot": "the data cannot tell apart from zero",
        "ame": "- **What goes with involvement** (municipalities using social media, n = {n}; average marginal effects "
               "on the probability, percentage points): {parts}.",
        "ame_c": "- Holding size, strategy, formalisation, leadership and staff fixed: {parts}.",
        "to": "to",
        "practice": "- **Kinds of practice** (all municipalities): {parts}.",
        "barrier": "- The barrier named most often: {b} ({p}, {lo}–{hi}).",
        "sim": "- **Does the model estimate what it should?** In {r} simulated surveys the largest standardised bias of "
               "an average marginal effect was {z} Monte Carlo standard errors, and interval coverage ranged "
               "{clo}–{chi} (nominal 95 %).",
        "sim_none": " No term's bias is distinguishable from Monte Carlo noise (|bias_z| ≤ {z}).",
        "sim_rel": " Bias distinguishable from Monte Carlo noise: {terms}; at most {rel} of the estimate's own "
                   "standard error — {q}.",
        "q_small": "small next to the sampling uncertainty of one survey",
        "q_mid": "smaller than the sampling uncertainty of one survey, but not negligible",
        "q_big": "read that term with care",
        "could": "**What a district-development agency could conclude:** how widespread involvement through social "
                 "media is, which kinds of work, groups and methods it concerns, which barriers respondents name, and "
                 "{gap} — with the uncertainty shown.",
        "gap_yes": "that in this cross-section the least central municipalities involve citizens less often than the "
                   "central ones",
        "gap_no": "that these data cannot show a gap between the least central and the central municipalities (which "
                  "is not the same as showing there is none)",
        "gap_adj": " (though, holding size, strategy, formalisation, leadership and staff fixed, the model cannot tell "
                   "the centrality gap apart from zero: rurality and these traits go together)",
        "could_not": "**What it could not conclude:** that adopting a strategy, formalising, engaging leaders or hiring "
                     "communication staff would *cause* more involvement — the model's marginal effects are "
                     "associations in one cross-section, open to reverse causation and confounding; nor anything about "
                     "the quality of involvement beyond respondents' own judgement; nor differences among county "
                     "municipalities (too few units). The data shown are synthetic: the numbers illustrate the method, "
                     "not Norway in 2013.",
    },
    "nb": {
        "reach": "- **Omfang.** Anslagsvis {p} av kommunene (95 % KI {lo}–{hi}; {n} respondenter) hadde brukt sosiale "
                 "medier til å involvere innbyggerne i lokalt utviklingsarbeid (kommuner uten sosiale medier regnet "
                 "som ikke involvert, «Vet ikke» holdt utenfor).",
        "users": "- Blant kommunene som bruker sosiale medier, er andelen {p} ({lo}–{hi}).",
        "counties": "- Fylkeskommunene: {p} ({lo}–{hi}), fra bare {n} respondenter — et så bredt intervall sier lite.",
        "centrality": "- **Etter sentralitet** (SSB 2008, 0 = minst sentral): {parts}.",
        "tests": "- Av {nt} designbaserte tester av spørsmålene i område 9 etter sentralitet ({fpc} endelighetskorreksjon) "
                 "{verb} {ns} under 0,05 etter Benjamini–Hochberg-justering",
        "with": "med", "without": "uten", "remains": "er", "remain": "er",
        "tests_inv": "; for om kommunen har involvert innbyggerne i det hele tatt er p = {p} (justert {padj})",
        "gap": "- Blant kommunene som bruker sosiale medier, skiller andelen som har involvert innbyggerne seg med {e} "
               "mellom sentrale (3) og minst sentrale (0) kommuner (sentrale minus minst sentrale; 95 % KI {lo} til "
               "{hi}) — en forskjell som {can} (én forhåndsvalgt kontrast; intervallet er ikke justert for de andre "
               "testene).",
        "can": "dataene kan skille fra null", "cannot": "dataene ikke kan skille fra null",
        "ame": "- **Hva henger sammen med involvering** (kommuner som bruker sosiale medier, n = {n}; gjennomsnittlige "
               "marginaleffekter på sannsynligheten, prosentpoeng): {parts}.",
        "ame_c": "- Med størrelse, strategi, formalisering, ledelse og bemanning holdt fast: {parts}.",
        "to": "til",
        "practice": "- **Typer praksis** (alle kommuner): {parts}.",
        "barrier": "- Hindringen flest nevner: {b} ({p}, {lo}–{hi}).",
        "sim": "- **Treffer modellen det den skal?** I {r} simulerte undersøkelser var den største standardiserte "
               "skjevheten i en marginaleffekt {z} Monte Carlo-standardfeil, og dekningsgraden for intervallene lå "
               "mellom {clo} og {chi} (nominelt 95 %).",
        "sim_none": " Ingen skjevhet kan skilles fra Monte Carlo-støy (|bias_z| ≤ {z}).",
        "sim_rel": " Skjevhet som kan skilles fra Monte Carlo-støy: {terms}; høyst {rel} av estimatets egen "
                   "standardfeil — {q}.",
        "q_small": "lite ved siden av utvalgsusikkerheten i én undersøkelse",
        "q_mid": "mindre enn utvalgsusikkerheten i én undersøkelse, men ikke ubetydelig",
        "q_big": "les det leddet med forsiktighet",
        "could": "**Hva et distriktsutviklingsmiljø kunne slutte:** hvor utbredt involvering via sosiale medier er, "
                 "hvilke typer arbeid, grupper og metoder det gjelder, hvilke hindringer respondentene nevner, og "
                 "{gap} — med usikkerheten vist.",
        "gap_yes": "at de minst sentrale kommunene i dette tverrsnittet involverer innbyggerne sjeldnere enn de sentrale",
        "gap_no": "at disse dataene ikke kan vise en forskjell mellom minst sentrale og sentrale kommuner (som ikke er "
                  "det samme som å vise at det ikke finnes en)",
        "gap_adj": " (men med størrelse, strategi, formalisering, ledelse og bemanning holdt fast kan modellen ikke "
                   "skille sentralitetsforskjellen fra null: distriktspreg og disse forholdene henger sammen)",
        "could_not": "**Hva det ikke kunne slutte:** at en vedtatt strategi, formalisering, engasjerte ledere eller "
                     "flere kommunikasjonsårsverk ville *føre til* mer involvering — marginaleffektene er samvariasjon "
                     "i ett tverrsnitt, åpne for omvendt kausalitet og utelatte forhold; heller ikke noe om kvaliteten "
                     "på involveringen utover respondentenes egen vurdering, eller forskjeller mellom fylkeskommuner "
                     "(for få enheter). Dataene er syntetiske: tallene illustrerer metoden, ikke Norge i 2013.",
    },
}


def _num(x: float, digits: int, lang: str) -> str:
    s = f"{x:.{digits}f}"
    return s.replace(".", ",") if lang == "nb" else s


def closing_text(nums: dict, fpc_in_tests: bool = False, lang: str = "en", codebook: Codebook | None = None) -> str:
    """The "What this shows" Markdown (``lang`` ``en`` or ``nb``), every number from :func:`closing_numbers`."""
    T = _CLOSING[lang]
    lines = []
    a = nums.get("involved_all")
    if a:
        lines.append(T["reach"].format(p=pct(a[0]), lo=pct(a[1]), hi=pct(a[2]), n=a[3]))
    u = nums.get("involved_users")
    if u:
        lines.append(T["users"].format(p=pct(u[0]), lo=pct(u[1]), hi=pct(u[2])))
    c = nums.get("involved_counties")
    if c:
        lines.append(T["counties"].format(p=pct(c[0]), lo=pct(c[1]), hi=pct(c[2]), n=c[3]))
    cent = nums.get("involved_by_centrality") or {}
    if cent:
        parts = "; ".join(f"{k}: {pct(v[0])} ({pct(v[1])}–{pct(v[2])})" for k, v in cent.items())
        lines.append(T["centrality"].format(parts=parts))
    ti = nums.get("test_involved")
    nt, ns = nums.get("n_tests", 0), nums.get("n_tests_bh_significant", 0)
    if nt:
        txt = T["tests"].format(nt=nt, ns=ns, fpc=T["with"] if fpc_in_tests else T["without"],
                                verb=T["remains"] if ns == 1 else T["remain"])
        if ti:
            txt += T["tests_inv"].format(p=_num(ti[0], 3, lang), padj=_num(ti[1], 3, lang))
        lines.append(txt + ".")
    gap = nums.get("centrality_gap")
    gap_shown = bool(gap) and (gap[1] > 0 or gap[2] < 0)
    if gap:
        lines.append(T["gap"].format(e=pp(gap[0]), lo=pp(gap[1]), hi=pp(gap[2]),
                                     can=T["can"] if gap_shown else T["cannot"]))
    am = nums.get("ame") or {}
    if am:
        def fmt(t):
            e = am[t]
            return f"{term_label(t, lang)}: {pp(e[0])} ({pp(e[1])} {T['to']} {pp(e[2])})"
        keys = [t for t in am if not t.startswith(("size_class", "centrality"))]
        lines.append(T["ame"].format(n=nums.get("model_n", 0), parts="; ".join(fmt(t) for t in keys)))
        ck = [t for t in am if t.startswith("centrality")]
        if ck:
            lines.append(T["ame_c"].format(parts="; ".join(fmt(t) for t in ck)))
    pt = nums.get("practice") or {}
    if pt:
        lines.append(T["practice"].format(parts=", ".join(f"{PRACTICE_LABELS[lang][k].lower()} {pct(v)}"
                                                          for k, v in pt.items())))
    tb = nums.get("top_barrier")
    if tb:
        name = (codebook.option_label(f"a9_barriers__{tb[0]}", lang).lower() if codebook is not None
                else tb[0].replace("_", " "))
        lines.append(T["barrier"].format(b=name, p=pct(tb[1]), lo=pct(tb[2]), hi=pct(tb[3])))
    if "sim_replicates" in nums:
        txt = T["sim"].format(r=nums["sim_replicates"], z=_num(nums["sim_max_abs_bias_z"], 1, lang),
                              clo=pct(nums["sim_coverage_min"]), chi=pct(nums["sim_coverage_max"]))
        det = nums.get("sim_detectable")
        if det is not None:
            if not det:
                txt += T["sim_none"].format(z=_num(SIM_DETECTABLE_Z, 1, lang))
            else:
                rel = max(abs(r) for _, r in det)
                q = T["q_small"] if rel < 0.25 else (T["q_mid"] if rel < 0.5 else T["q_big"])
                txt += T["sim_rel"].format(terms=", ".join(term_label(t, lang) for t, _ in det), rel=pct(rel), q=q)
        lines.append(txt)
    gap_text = T["gap_yes"] if (gap_shown and gap[0] > 0) else T["gap_no"]
    c3 = am.get(f"centrality={max(CENTRALITY_2008)}")
    if gap_shown and gap[0] > 0 and c3 is not None and c3[1] <= 0 <= c3[2]:
        gap_text += T["gap_adj"]
    lines += ["", T["could"].format(gap=gap_text), "", T["could_not"]]
    return "\n".join(lines)


def key_number(nums: dict) -> pd.DataFrame:
    """``label,value`` rows for ``10_involvement__key_number.csv``."""
    rows = []
    a = nums.get("involved_all")
    if a:
        rows.append({"label": "Municipalities that involved citizens through social media (share)", "value": round(a[0], 4)})
    return pd.DataFrame(rows, columns=["label", "value"])
