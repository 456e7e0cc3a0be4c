"""Figures of the findings chapters 04-08 (chapters.findings_plots), drawn from estimates
tables written by hand: what is drawn, what the alt text says, and ":" for suppressed cells."""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from sosiale_kommuner.chapters import findings_plots as fp
from sosiale_kommuner.data import codebook as cbm
from sosiale_kommuner.report import results


def _est_rows(item, levels, groups, value=0.5, n=20):
    rows = []
    for dom, grp in groups:
        for lev in levels:
            rows.append(dict(item=item, area=1, level=lev, domain=dom, group=grp, estimate=value, se=0.05,
                             ci_low=value - 0.1, ci_high=value + 0.1, n_unweighted=n, n_weighted=2.0 * n,
                             suppressed=False))
    return rows


def test_figures_return_alt_text_and_mark_suppressed_cells():
    cb = cbm.load_codebook()
    it = cb.item("a1_channels")
    opts = [o.key for o in it.options]
    groups = [("size_class", "< 5 000"), ("size_class", "≥ 20 000"), ("all", "all"), ("unit_type", "kommune")]
    t = pd.DataFrame(_est_rows("a1_channels", opts, groups)
                     + _est_rows("a1_channels", opts, [("unit_type", "fylkeskommune")], n=2),
                     columns=results.ESTIMATES_COLUMNS)
    sup = t["n_unweighted"] < 3
    t.loc[sup, ["estimate", "se", "ci_low", "ci_high"]] = np.nan
    t.loc[sup, "suppressed"] = True
    fig, alt = fp.option_heatmap(t, cb, "a1_channels", "en")
    assert "County municipalities: suppressed" in alt and "All municipalities: most often" in alt
    texts = [x.get_text() for x in fig.axes[0].texts]
    assert texts.count(":") == len(opts) and texts.count("50") == 3 * len(opts)
    plt.close(fig)
    fig, alt = fp.point_interval(t, [("a1_channels", "facebook")], cb, "en", title="Channels")
    assert alt.startswith("Channels. Dot plot") and "Municipalities: 50 % (40 %–60 %)" in alt
    assert "County" not in alt
    plt.close(fig)
    with pytest.raises(ValueError, match="different answer scales"):
        fp.likert_diverging(t, cb, ["a5_admin_leadership", "a5_resources"])


def test_likert_diverging_centres_the_middle_level():
    """Shares 10/20/30/25/15 %: the bar starts at -(10 + 20 + 30/2) = -45 and ends at +55."""
    cb = cbm.load_codebook()
    keys = cb.item("a5_admin_leadership").substantive_keys
    rows = [dict(item="a5_admin_leadership", area=5, level=k, domain="unit_type", group="kommune", estimate=v,
                 se=0.02, ci_low=v - 0.05, ci_high=v + 0.05, n_unweighted=150, n_weighted=400.0, suppressed=False)
            for k, v in zip(keys, (0.10, 0.20, 0.30, 0.25, 0.15))]
    t = pd.DataFrame(rows, columns=results.ESTIMATES_COLUMNS)
    fig, alt = fp.likert_diverging(t, cb, ["a5_admin_leadership"], groups=[("unit_type", "kommune")], title="Lead")
    bars = fig.axes[0].patches
    assert bars[0].get_x() == pytest.approx(-45) and bars[-1].get_x() + bars[-1].get_width() == pytest.approx(55)
    assert alt.startswith("Lead. Diverging stacked bars") and "To a very small extent 10 %" in alt
    plt.close(fig)


def test_labels():
    cb = cbm.load_codebook()
    assert fp.level_label(cb, "a5_admin_leadership", "dont_know", "nb") == "Vet ikke"
    assert fp.level_label(cb, "a5_admin_leadership", "top2", "en") == "Two highest levels"
    assert fp.level_label(cb, "a5_admin_leadership", "mean_score", "nb") == "Gjennomsnitt (1-5)"
    assert fp.row_label(cb, "a9_methods", "polls", "en") == "Methods of involvement: Polls"
    assert fp.group_label("unit_type", "fylkeskommune", "nb") == "Fylkeskommuner"
    assert fp.group_label("size_class", "< 5 000") == "< 5 000"
    assert fp.item_levels(cb, "a1_uses_some") == [("a1_uses_some", "yes"), ("a1_uses_some", "planned"),
                                                  ("a1_uses_some", "no")]
    t = pd.DataFrame({"domain": ["size_class", "size_class", "all"], "group": ["< 5 000", "≥ 20 000", "all"]})
    assert fp.size_and_unit_groups(t) == [("size_class", "< 5 000"), ("size_class", "≥ 20 000"),
                                          *fp.UNIT_GROUPS]
