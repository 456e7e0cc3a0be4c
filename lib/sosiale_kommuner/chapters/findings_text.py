"""The findings chapters 04-08: which areas each covers, its key number, and its closing text.

Everything a chapter says in numbers is read from its ``estimates`` table (after disclosure
control, i.e. as written to ``reports/tables/<stem>__estimates.csv``) through
:func:`fmt_pct` / :func:`fmt_ci`, so the prose and the table cannot disagree. A
suppressed estimate reads as ":" (SSB's symbol).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from sosiale_kommuner.data.codebook import DONT_KNOW, Codebook

from .findings_plots import level_label
from .item_estimates import MEAN, MEAN_SCORE, TOP2, lookup

SUPPRESSED = ":"


@dataclass(frozen=True)
class FindingsChapter:
    """One findings chapter: its stem, the questionnaire areas it covers and its key number.

    ``key`` = (item, level) of the headline estimate among municipalities (domain ``all``);
    ``key_label`` its label per language (it reads "label: value" on the contents page).
    """

    stem: str
    areas: tuple[int, ...]
    key: tuple[str, str]
    key_label: dict = field(default_factory=dict)


CHAPTERS: dict[str, FindingsChapter] = {c.stem: c for c in (
    FindingsChapter("04_adoption", (1,), ("a1_uses_some", "yes"),
                    {"en": "Municipalities using social media (weighted %)",
                     "nb": "Kommuner som bruker sosiale medier (vektet %)"}),
    FindingsChapter("05_areas_of_use", (2,), ("a2_use_areas", "news"),
                    {"en": "Municipal users posting news on social media (weighted %)",
                     "nb": "Kommuner (brukere) som bruker sosiale medier til nyheter (vektet %)"}),
    FindingsChapter("06_strategy_leadership", (3, 4, 5), ("a3_strategy_status", "adopted"),
                    {"en": "Municipalities with an adopted social-media strategy (weighted %)",
                     "nb": "Kommuner med vedtatt strategi for sosiale medier (vektet %)"}),
    FindingsChapter("07_benefit_advice", (6, 7), ("a6_benefit_overall", TOP2),
                    {"en": "Municipal users with large or very large overall benefit (weighted %)",
                     "nb": "Kommuner (brukere) med stor eller svært stor samlet nytte (vektet %)"}),
    FindingsChapter("08_sharing", (8,), ("a8_collaborates", "yes"),
                    {"en": "Municipalities collaborating with other local governments (weighted %)",
                     "nb": "Kommuner som samarbeider med andre om sosiale medier (vektet %)"}),
)}


# ---------------------------------------------------------------------------------------
# Formatting: the only way numbers get into prose
# ---------------------------------------------------------------------------------------
def _ok(r) -> bool:
    return r is not None and not bool(r["suppressed"]) and pd.notna(r["estimate"])


def fmt_pct(x) -> str:
    """A proportion 0-1 as whole per cent, ``"63 %"``; ":" when missing/suppressed."""
    if x is None or pd.isna(x):
        return SUPPRESSED
    return f"{100 * float(x):.0f} %"


def fmt_num(x, digits: int = 1, lang: str = "en") -> str:
    """A number with ``digits`` decimals (decimal comma for ``lang="nb"``); ":" when missing."""
    if x is None or pd.isna(x):
        return SUPPRESSED
    out = f"{float(x):.{digits}f}"
    return out.replace(".", ",") if lang == "nb" else out


def fmt_ci(r, pct: bool = True, digits: int = 1, lang: str = "en") -> str:
    """``"55–70 %"`` (or ``"3.1–3.5"`` for means) from a row's ``ci_low``/``ci_high``."""
    if not _ok(r):
        return SUPPRESSED
    if pct:
        return f"{100 * r['ci_low']:.0f}–{100 * r['ci_high']:.0f} %"
    return f"{fmt_num(r['ci_low'], digits, lang)}–{fmt_num(r['ci_high'], digits, lang)}"


def _row(table, item, level, domain="all", group="all"):
    try:
        return lookup(table, item, level, domain, group)
    except KeyError:
        return None


def _value(r, pct=True, lang="en"):
    if not _ok(r):
        return SUPPRESSED
    return fmt_pct(r["estimate"]) if pct else fmt_num(r["estimate"], lang=lang)


def key_number(table: pd.DataFrame, spec: FindingsChapter, lang: str = "en") -> pd.DataFrame:
    """The chapter's key number as ``label, value, note`` (one row) for the contents page."""
    item, level = spec.key
    r = _row(table, item, level)
    note = {"en": "95 % CI {ci}; n = {n}", "nb": "95 % KI {ci}; n = {n}"}[lang]
    n = int(r["n_unweighted"]) if r is not None else 0
    return pd.DataFrame([dict(label=spec.key_label[lang], value=_value(r),
                              note=note.format(ci=fmt_ci(r), n=n))])


# ---------------------------------------------------------------------------------------
# Closing text
# ---------------------------------------------------------------------------------------
_T = {
    "en": {
        "key": "**{label}:** {v} (95 % CI {ci}; {n} respondents). County municipalities: {vc} "
               "(95 % CI {cic}; {nc} respondents) — with so few county respondents the interval is wide.",
        "size": "By size class this ranges from {lo} ({glo}) to {hi} ({ghi}); whether such differences "
                "are larger than chance is tested in chapter 09, not read off overlapping intervals here.",
        "multi": "*{item}*: among municipalities the most ticked option is {top} ({vt}), the least "
                 "ticked {low} ({vl}); among county municipalities the most ticked is {topc} ({vtc}).",
        "likert": "*{item}*: {v} of municipalities answer one of the two highest levels (mean score "
                  "{m} on 1–5, 95 % CI {mci}); county municipalities {vc} (mean {mc}).",
        "single": "*{item}*: the most common answer among municipalities is \"{lev}\" ({v}, 95 % CI {ci}).",
        "numeric": "*{item}*: mean {v} among municipalities (95 % CI {ci}), {vc} among county municipalities.",
        "gap_unit": "The widest gap between the two populations in this chapter: *{item}* — \"{lev}\": "
                    "municipalities {a} (95 % CI {aci}), county municipalities {b} (95 % CI {bci}). With about a "
                    "dozen county respondents only large gaps stand out from chance (see chapter 09).",
        "gap_size": "The widest spread between size classes: *{item}* — \"{lev}\": from {lo} ({glo}) to "
                    "{hi} ({ghi}).",
        "dk": "\"Don't know\" was most frequent for *{item}*: {v} of municipal respondents who "
              "answered it. These answers are shown as their own level and left out of the percentages above.",
        "nodk": "No item in this chapter drew \"Don't know\" from more than {v} of municipal respondents.",
        "base": "All percentages are weighted estimates for the 428 municipalities (or the 18 county "
                "municipalities where stated), of respondents who were asked the question and gave a "
                "substantive answer.",
    },
    "nb": {
        "key": "**{label}:** {v} (95 % KI {ci}; {n} respondenter). Fylkeskommuner: {vc} "
               "(95 % KI {cic}; {nc} respondenter) — med så få fylkeskommuner er intervallet bredt.",
        "size": "Etter størrelsesklasse går dette fra {lo} ({glo}) til {hi} ({ghi}); om forskjellene er "
                "større enn tilfeldig variasjon, testes i kapittel 09.",
        "multi": "*{item}*: blant kommunene er {top} oftest krysset av ({vt}), {low} sjeldnest ({vl}); "
                 "blant fylkeskommunene oftest {topc} ({vtc}).",
        "likert": "*{item}*: {v} av kommunene svarer ett av de to høyeste nivåene (gjennomsnitt {m} på "
                  "1–5, 95 % KI {mci}); fylkeskommunene {vc} (gjennomsnitt {mc}).",
        "single": "*{item}*: vanligste svar blant kommunene er «{lev}» ({v}, 95 % KI {ci}).",
        "numeric": "*{item}*: gjennomsnitt {v} blant kommunene (95 % KI {ci}), {vc} blant fylkeskommunene.",
        "gap_unit": "Største forskjell mellom de to populasjonene i kapitlet: *{item}* — «{lev}»: kommuner "
                    "{a} (95 % KI {aci}), fylkeskommuner {b} (95 % KI {bci}). Med om lag et dusin "
                    "fylkeskommuner skiller bare store forskjeller seg ut fra tilfeldighet (se kapittel 09).",
        "gap_size": "Største spredning mellom størrelsesklassene: *{item}* — «{lev}»: fra {lo} ({glo}) til "
                    "{hi} ({ghi}).",
        "dk": "«Vet ikke» var hyppigst for *{item}*: {v} av kommunerespondentene som svarte. Disse "
              "svarene vises som eget nivå og holdes utenfor prosentene over.",
        "nodk": "Ingen spørsmål i kapitlet fikk «Vet ikke» fra mer enn {v} av kommunerespondentene.",
        "base": "Alle prosenter er vektede anslag for de 428 kommunene (eller de 18 fylkeskommunene der "
                "det står), blant respondenter som fikk spørsmålet og ga et substansielt svar.",
    },
}


def _extreme(table, item, levels, domain="all", group="all", top=True):
    best, br = None, None
    for lv in levels:
        r = _row(table, item, lv, domain, group)
        if not _ok(r):
            continue
        if br is None or (r["estimate"] > br["estimate"] if top else r["estimate"] < br["estimate"]):
            best, br = lv, r
    return best, br


def _proportion_rows(table: pd.DataFrame) -> pd.DataFrame:
    t = table[~table["level"].astype(str).isin([DONT_KNOW, MEAN, MEAN_SCORE])]
    return t[~t["suppressed"].astype(bool) & t["estimate"].notna()]


def _gaps(table: pd.DataFrame, cb: Codebook, lang: str) -> list[str]:
    """Bullets on the widest unit-type gap and the widest size-class spread (descriptive)."""
    T = _T[lang]
    out = []
    t = _proportion_rows(table)
    u = t[t["domain"] == "unit_type"].pivot_table(index=["item", "level"], columns="group", values="estimate",
                                                  aggfunc="first")
    if {"kommune", "fylkeskommune"} <= set(u.columns):
        gap = (u["kommune"] - u["fylkeskommune"]).abs().dropna()
        if len(gap):
            item, lev = gap.idxmax()
            a, b = _row(table, item, lev, "unit_type", "kommune"), _row(table, item, lev, "unit_type", "fylkeskommune")
            out.append(T["gap_unit"].format(item=cb.item(item).label(lang), lev=level_label(cb, item, lev, lang),
                                            a=_value(a), aci=fmt_ci(a), b=_value(b), bci=fmt_ci(b)))
    z = t[t["domain"] == "size_class"]
    if len(z):
        g = z.groupby(["item", "level"], sort=False)["estimate"]
        spread = (g.max() - g.min())[g.count() >= 2]
        if len(spread):
            item, lev = spread.idxmax()
            rows = z[(z["item"] == item) & (z["level"] == lev)]
            lo, hi = rows.loc[rows["estimate"].idxmin()], rows.loc[rows["estimate"].idxmax()]
            out.append(T["gap_size"].format(item=cb.item(item).label(lang), lev=level_label(cb, item, lev, lang),
                                            lo=fmt_pct(lo["estimate"]), glo=lo["group"],
                                            hi=fmt_pct(hi["estimate"]), ghi=hi["group"]))
    return out


def closing_text(table: pd.DataFrame, cb: Codebook, spec: FindingsChapter, lang: str = "en") -> str:
    """Markdown bullets summarising the chapter, every number read from ``table``."""
    T = _T[lang]
    lines = []
    item, level = spec.key
    r, rc = _row(table, item, level), _row(table, item, level, "unit_type", "fylkeskommune")
    lines.append(T["key"].format(label=spec.key_label[lang], v=_value(r), ci=fmt_ci(r),
                                 n=int(r["n_unweighted"]) if r is not None else 0,
                                 vc=_value(rc), cic=fmt_ci(rc), nc=int(rc["n_unweighted"]) if rc is not None else 0))
    sizes = table[(table["item"] == item) & (table["level"].astype(str) == level) & (table["domain"] == "size_class")]
    sizes = sizes[~sizes["suppressed"].astype(bool) & sizes["estimate"].notna()]
    if len(sizes) >= 2:
        lo, hi = sizes.loc[sizes["estimate"].idxmin()], sizes.loc[sizes["estimate"].idxmax()]
        lines.append(T["size"].format(lo=fmt_pct(lo["estimate"]), glo=lo["group"],
                                      hi=fmt_pct(hi["estimate"]), ghi=hi["group"]))
    lines += _gaps(table, cb, lang)
    items = list(dict.fromkeys(table["item"]))
    for iid in items:
        it = cb.item(iid)
        if iid == item:
            continue
        lab = it.label(lang)
        if it.is_multiple:
            opts = [o.key for o in it.options]
            top, rt = _extreme(table, iid, opts)
            low, rl = _extreme(table, iid, opts, top=False)
            topc, rtc = _extreme(table, iid, opts, "unit_type", "fylkeskommune")
            if rt is None:
                continue
            lines.append(T["multi"].format(item=lab, top=it.level_label(top, lang), vt=_value(rt),
                                           low=it.level_label(low, lang), vl=_value(rl),
                                           topc=it.level_label(topc, lang) if topc else SUPPRESSED,
                                           vtc=_value(rtc)))
        elif it.type == "likert5":
            t2, t2c = _row(table, iid, TOP2), _row(table, iid, TOP2, "unit_type", "fylkeskommune")
            m, mc = _row(table, iid, MEAN_SCORE), _row(table, iid, MEAN_SCORE, "unit_type", "fylkeskommune")
            lines.append(T["likert"].format(item=lab, v=_value(t2), m=_value(m, False, lang),
                                            mci=fmt_ci(m, False, lang=lang), vc=_value(t2c),
                                            mc=_value(mc, False, lang)))
        elif it.is_categorical:
            lev, rr = _extreme(table, iid, it.substantive_keys)
            if rr is None:
                continue
            lines.append(T["single"].format(item=lab, lev=level_label(cb, iid, lev, lang), v=_value(rr),
                                            ci=fmt_ci(rr)))
        elif it.is_numeric:
            rr, rrc = _row(table, iid, MEAN), _row(table, iid, MEAN, "unit_type", "fylkeskommune")
            lines.append(T["numeric"].format(item=lab, v=_value(rr, False, lang), ci=fmt_ci(rr, False, lang=lang),
                                             vc=_value(rrc, False, lang)))
    dk = table[(table["level"] == DONT_KNOW) & (table["domain"] == "all")]
    dk = dk[~dk["suppressed"].astype(bool) & dk["estimate"].notna()]
    if len(dk):
        top = dk.loc[dk["estimate"].idxmax()]
        if top["estimate"] > 0.05:
            lines.append(T["dk"].format(item=cb.item(top["item"]).label(lang), v=fmt_pct(top["estimate"])))
        else:
            lines.append(T["nodk"].format(v=fmt_pct(top["estimate"])))
    lines.append(T["base"])
    return "\n".join(f"* {s}" for s in lines)


def table_note(lang: str = "en") -> str:
    from .item_estimates import TABLE_NOTE
    return TABLE_NOTE[lang]


def summary_table(table: pd.DataFrame, cb: Codebook, lang: str = "en", area: int | None = None) -> pd.DataFrame:
    """A readable table of the published estimates: one row per (item, level), columns for
    municipalities and county municipalities as "63 % (55–70 %)", plus the bases
    (respondents); ``area`` restricts it to one questionnaire area."""
    head = {"en": ("Question", "Answer", "Municipalities", "n (mun.)", "County municipalities", "n (county)"),
            "nb": ("Spørsmål", "Svar", "Kommuner", "n (kom.)", "Fylkeskommuner", "n (fylke)")}[lang]
    rows = []
    t = table[table["domain"] == "unit_type"]
    if area is not None:
        t = t[t["area"].astype(int) == int(area)]
    for (item, level), _ in t.groupby(["item", "level"], sort=False):
        cells = []
        for g in ("kommune", "fylkeskommune"):
            r = _row(table, item, level, "unit_type", g)
            pct = level not in (MEAN, MEAN_SCORE)
            cells += [f"{_value(r, pct, lang)} ({fmt_ci(r, pct, lang=lang)})" if _ok(r) else SUPPRESSED,
                      int(r["n_unweighted"]) if r is not None else 0]
        rows.append([cb.item(item).label(lang), level_label(cb, item, level, lang)
                     if level not in (MEAN,) else {"en": "Mean", "nb": "Gjennomsnitt"}[lang], *cells])
    return pd.DataFrame(rows, columns=list(head))


def read_estimates(path) -> pd.DataFrame:
    """Read a published estimates CSV back (level keys such as ``none`` kept as text)."""
    t = pd.read_csv(path, keep_default_na=False, na_values=[""], dtype={"level": str, "group": str, "item": str})
    t["suppressed"] = t["suppressed"].astype(str).str.lower().isin(["true", "1"])
    return t


__all__ = ["CHAPTERS", "FindingsChapter", "closing_text", "key_number", "fmt_pct", "fmt_ci",
           "fmt_num", "table_note", "summary_table", "read_estimates"]
