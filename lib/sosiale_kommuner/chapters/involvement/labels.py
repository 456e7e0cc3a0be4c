"""Chapter 10's labels for readers, in one place per language (``"en"``, ``"nb"``): practice
types, model terms, groups of the domains, and the number formats of the chapter's text
(:func:`pct`, :func:`pp`)."""
from __future__ import annotations

from sosiale_kommuner.config import CENTRALITY_2008, FYLKESKOMMUNE, KOMMUNE

from .variables import CENTRALITY_REFERENCE, SIZE_REFERENCE

PRACTICE_LABELS = {
    "en": {"none": "None", "informing": "Informing", "consulting": "Consulting",
           "co_creating": "Co-creating"},
    "nb": {"none": "Ingen", "informing": "Informere", "consulting": "Konsultere",
           "co_creating": "Samskape"},
}


def term_label(term: str, lang: str = "en") -> str:
    """Readable label of a model column (``size_class=≥ 20 000`` -> "Size class ≥ 20 000 vs < 5 000")."""
    if term.startswith("size_class="):
        lv = term.split("=", 1)[1]
        return f"Size class {lv} vs {SIZE_REFERENCE}" if lang == "en" else f"Størrelse {lv} mot {SIZE_REFERENCE}"
    if term.startswith("centrality="):
        k = term.split("=", 1)[1]
        return (f"Centrality {k} vs {CENTRALITY_REFERENCE} (least central)" if lang == "en"
                else f"Sentralitet {k} mot {CENTRALITY_REFERENCE} (minst sentral)")
    names = {"en": {"strategy_adopted": "Adopted strategy", "formal_elements": "Formal elements (per element)",
                    "admin_leadership": "Administrative leadership engagement (per point)",
                    "political_leadership": "Political leadership engagement (per point)",
                    "comm_fte": "Communication staff (per FTE)", "(Intercept)": "Intercept"},
             "nb": {"strategy_adopted": "Vedtatt strategi", "formal_elements": "Formelle rammer (per element)",
                    "admin_leadership": "Administrativ ledelse engasjert (per poeng)",
                    "political_leadership": "Politisk ledelse engasjert (per poeng)",
                    "comm_fte": "Kommunikasjonsårsverk (per årsverk)", "(Intercept)": "Konstantledd"}}
    return names[lang].get(term, term)


CENTRALITY_LABELS = {
    "en": {0: "0 Least central", 1: "1 Less central", 2: "2 Somewhat central", 3: "3 Central"},
    "nb": {k: f"{k} {v}" for k, v in CENTRALITY_2008.items()},
}
DOMAIN_LABELS = {"en": {"all": "All municipalities", "size_class": "Size class", "centrality": "Centrality (SSB 2008)",
                        "region": "Region", "unit_type": "Unit type"},
                 "nb": {"all": "Alle kommuner", "size_class": "Størrelse", "centrality": "Sentralitet (SSB 2008)",
                        "region": "Landsdel", "unit_type": "Enhetstype"}}
UNIT_LABELS = {"en": {KOMMUNE: "Municipalities", FYLKESKOMMUNE: "County municipalities"},
               "nb": {KOMMUNE: "Kommuner", FYLKESKOMMUNE: "Fylkeskommuner"}}


def group_label(domain: str, group: str, lang: str = "en") -> str:
    if domain == "centrality":
        return CENTRALITY_LABELS[lang].get(int(group), str(group))
    if domain == "unit_type":
        return UNIT_LABELS[lang].get(group, group)
    if domain == "all":
        return DOMAIN_LABELS[lang]["all"]
    return str(group)


def pct(x: float, digits: int = 0) -> str:
    """A 0–1 share as a percentage string ("42 %")."""
    return f"{100 * x:.{digits}f} %"


def pp(x: float, digits: int = 0) -> str:
    """A difference of shares as percentage points ("+12 pp")."""
    return f"{100 * x:+.{digits}f} pp"
