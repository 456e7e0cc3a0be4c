"""Chapter 10's tables for readers (involvement.page_tables): headers in words, estimate and interval
in one cell, numbers in the locale, suppressed cells as ":" (tables written by hand)."""
from __future__ import annotations

import numpy as np
import pandas as pd

from sosiale_kommuner.chapters import involvement as inv
from sosiale_kommuner.chapters.involvement import page_tables as tab
from sosiale_kommuner.report.results import ESTIMATES_COLUMNS, MODELS_COLUMNS

NB = "\u00a0"


def _e(item, level, est, domain="all", group="all", n=50, suppressed=False):
    return dict(item=item, area=9, level=level, domain=domain, group=group, estimate=np.nan if suppressed else est,
                se=0.05, ci_low=est - 0.05, ci_high=est + 0.05, n_unweighted=n, n_weighted=float(n),
                suppressed=suppressed)


def test_involvement_table_cells_and_few_answers_header():
    est = pd.DataFrame([_e(inv.INVOLVED_ALL, "yes", 0.32, n=191), _e(inv.OUTCOME, "yes", 0.39, n=162),
                        _e(inv.OUTCOME, "dont_know", 0.01, n=163),
                        _e(inv.INVOLVED_ALL, "yes", 0.6, "unit_type", "fylkeskommune", n=10),
                        _e(inv.OUTCOME, "yes", 0.0, "unit_type", "fylkeskommune", n=2, suppressed=True)],
                       columns=ESTIMATES_COLUMNS)
    t = tab.involvement_table(est, "nb")
    assert t.headers == ["Andel", "Kommuner", "Svar (n)", "Fylkeskommuner (få svar)", "Svar (n)"]
    assert t.rows[0] == ["Har involvert innbyggerne, av alle enhetene", f"32{NB}% (27–37)", "191", f"60{NB}% (55–65)",
                         "10"]
    assert t.rows[1][3] == ":" and t.rows[2][3] == "–"                # suppressed; absent
    assert "suppressed" in t.notes


def test_centrality_option_table_has_a_column_per_class_with_n():
    import sosiale_kommuner.data.codebook as cbm
    cb = cbm.load_codebook()
    opts = [o.key for o in cb.options("a9_barriers")]
    est = pd.DataFrame([_e("a9_barriers", o, 0.4, "centrality", str(k), n=10 * (k + 1)) for o in opts for k in range(4)],
                       columns=ESTIMATES_COLUMNS)
    t = tab.centrality_option_table(est, cb, "a9_barriers", "en")
    assert t.headers == ["Option", "Least central municipalities (n = 10, few answers)",
                         "Less central municipalities (n = 20, few answers)", "Somewhat central municipalities (n = 30)",
                         "Central municipalities (n = 40)"]
    assert len(t.rows) == len(opts) and t.rows[0][1:] == ["40% (35–45)"] * 4


def test_ame_and_coefficient_tables():
    m = pd.DataFrame([dict(model=inv.MODEL_NAME, term="centrality=3", kind="ame", estimate=0.17, se=0.1, ci_low=-0.07,
                           ci_high=0.40, p_value=0.158, n=146),
                      dict(model=inv.MODEL_NAME, term="(Intercept)", kind="coef", estimate=-2.03, se=0.9, ci_low=-3.82,
                           ci_high=-0.24, p_value=0.0271, n=146)], columns=MODELS_COLUMNS)
    a = tab.ame_table(m, "nb", "ame")
    assert a.headers == ["Ledd", "Marginaleffekt, prosentpoeng (95 % KI)", "p-verdi"]
    assert a.rows == [["Sentrale kommuner (mot minst sentrale kommuner)", "+17 (\u22127 til 40)", "0,158"]]
    c = tab.ame_table(m, "en", "coef")
    assert c.rows == [["Intercept", "\u22122.03 (\u22123.82 to \u22120.24)", "0.027"]]


def test_sensitivity_table_sets_the_two_models_side_by_side():
    main = pd.DataFrame({"term": ["strategy_adopted"], "estimate": [0.04], "ci_low": [-0.16], "ci_high": [0.25]})
    sens = pd.DataFrame({"term": ["strategy_adopted"], "estimate": [0.05], "ci_low": [-0.15], "ci_high": [0.26]})
    t = tab.sensitivity_table(main, sens, "en")
    assert t.rows == [["Adopted strategy", "+4 (\u221216 to 25)", "+5 (\u221215 to 26)"]]


def test_routing_table_transposes_the_counts():
    counts = pd.DataFrame({"respondents": [200, 11], "use_social_media": [171, 10], "asked": [163, 9],
                           "involved": [73, 6], "dont_know": [1, 0]}, index=["kommune", "fylkeskommune"])
    t = tab.routing_table(counts, "en")
    assert t.headers == ["Respondents", "Municipalities", "County municipalities"]
    assert t.rows[0] == ["Answered the survey", "200", "11"] and len(t.rows) == 5
