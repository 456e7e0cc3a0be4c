"""Figures a reader can read: size and sharpness, phone layout, colour, legends, labels, locale."""
from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from sosiale_kommuner.report import charts, figures  # noqa: E402

NBSP, MINUS = "\u00a0", "\u2212"


@pytest.fixture(autouse=True)
def style():
    figures.use_style()
    yield
    plt.close("all")


def contrast(a: str, b: str) -> float:
    """WCAG 2 contrast ratio, written out here independently of charts.luminance."""
    def lum(h):
        c = [int(h[i:i + 2], 16) / 255 for i in (1, 3, 5)]
        c = [x / 12.92 if x <= 0.04045 else ((x + 0.055) / 1.055) ** 2.4 for x in c]
        return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2]
    hi, lo = sorted((lum(a), lum(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def effects(n: int = 12, labels=None) -> pd.DataFrame:
    rng = np.random.default_rng(1)
    est = rng.normal(0.05, 0.1, n)
    return pd.DataFrame({
        "label": labels or [f"Hvor ofte bruker organisasjonen kanal nummer {i} i det daglige arbeidet?" for i in range(n)],
        "effect_size": est, "effect_ci_low": est - 0.12, "effect_ci_high": est + 0.12,
        "p_adjusted": [0.01, 0.2] * (n // 2) + [0.2] * (n % 2), "n": [11] * n,
    })


def tick_texts(fig, axis="x"):
    fig.canvas.draw()
    ax = fig.axes[0]
    return [t.get_text() for t in getattr(ax, f"get_{axis}ticklabels")() if t.get_text()]


def test_contrast_formula_matches_wcag():
    assert contrast("#000000", "#FFFFFF") == pytest.approx(21.0)
    assert contrast("#767676", "#FFFFFF") == pytest.approx(4.54, abs=0.01)  # WCAG's known 4.5:1 grey


def test_neutral_likert_level_is_visible_on_the_page():
    assert contrast(charts.NEUTRAL, "#FFFFFF") >= 1.5
    for k in (3, 5, 7):
        colours = charts.likert_colours(k)
        assert len(set(colours)) == k and colours[k // 2] == charts.NEUTRAL
        assert min(contrast(c, "#FFFFFF") for c in colours) >= 1.5


def test_palette_is_okabe_ito_with_a_second_cue():
    assert set(figures.SERIES) <= set(figures.OKABE_ITO.values())
    assert len(set(figures.SERIES)) == len(figures.SERIES) == len(set(figures.MARKERS)) == len(set(figures.HATCHES))
    order = list(figures.SERIES)
    i, j = order.index(figures.OKABE_ITO["orange"]), order.index(figures.OKABE_ITO["vermilion"])
    assert abs(i - j) > 1, "orange and vermilion must not be neighbours"


def test_natural_width_fits_the_column_and_the_png_is_hidpi():
    fig = charts.forest(effects(), "nb", scale=100)
    data = figures.png_bytes(fig)
    w, h = figures.css_size(data)
    assert figures.png_size(data) == (w * figures.SCALE, h * figures.SCALE) or \
        abs(figures.png_size(data)[0] - w * figures.SCALE) <= 1
    assert 0.9 * figures.WIDTH_IN * figures.CSS_DPI <= w <= figures.COLUMN_PX
    assert figures.min_text_px(fig) >= figures.MIN_TEXT_PT * figures.CSS_DPI / 72 - 0.1
    assert data == figures.png_bytes(fig), "byte-identical"


def test_narrow_layout_fits_a_phone():
    with figures.layout("narrow"):
        fig = charts.forest(effects(), "nb", scale=100)
    w, _ = figures.css_size(figures.png_bytes(fig))
    # 390 px screen, 350 px column: shown at 80 % or more of its natural width
    assert w <= 350 / 0.8 + 1
    assert figures.layout_name() == "wide"


def test_forest_refuses_too_many_rows_and_never_cuts_labels():
    with pytest.raises(ValueError, match="split_rows"):
        charts.forest(effects(26), "nb")
    long = ["Hvilke sosiale medier bruker organisasjonen? (flere svar mulig): informasjons-/kommunikasjonsenhet"] * 2
    fig = charts.forest(effects(2, long), "nb")
    shown = [" ".join(t.split()) for t in tick_texts(fig, "y")]
    joined = [s.replace("- ", "-") for s in shown]
    assert all(j == " ".join(long[0].split()) for j in joined)


def test_legend_is_never_on_the_data():
    for fig in (charts.forest(effects(), "nb", scale=100, small="n"),
                charts.point_interval(pd.DataFrame({
                    "label": ["A", "A", "B", "B"], "group": ["kommune", "fylkeskommune"] * 2,
                    "domain": ["unit_type"] * 4, "estimate": [0.5, 0.6, 0.2, 0.9], "ci_low": [0.4, 0.3, 0.1, 0.6],
                    "ci_high": [0.6, 0.85, 0.3, 0.99], "n_unweighted": [200, 11, 198, 10]}), "nb")):
        fig.canvas.draw()
        renderer = fig.canvas.get_renderer()
        legend = fig.legends[0].get_window_extent(renderer)
        axes = fig.axes[0].get_window_extent(renderer)
        assert not legend.overlaps(axes)


def test_global_test_beside_a_pairwise_interval_is_explained():
    d = effects(4).assign(effect_size=[0.02, 0.3, 0.0, 0.1], effect_ci_low=[-0.05, 0.2, -0.1, 0.0],
                          effect_ci_high=[0.09, 0.4, 0.1, 0.2], p_adjusted=[0.01, 0.01, 0.5, 0.5])
    assert "global_vs_pairwise" in figures.notes(charts.forest(d, "nb", global_test=True))
    assert "global_vs_pairwise" not in figures.notes(charts.forest(d, "nb"))


def test_small_groups_are_marked_with_their_n_in_the_legend():
    d = pd.DataFrame({"label": ["A", "A"], "group": ["kommune", "fylkeskommune"], "domain": ["unit_type"] * 2,
                      "estimate": [0.5, 0.6], "ci_low": [0.4, 0.3], "ci_high": [0.6, 0.85], "n_unweighted": [200, 11]})
    fig = charts.point_interval(d, "nb")
    legend = [t.get_text().replace("\n", " ") for t in fig.legends[0].get_texts()]
    assert legend[:2] == ["kommuner (n = 200)", "fylkeskommuner (n = 11)"]
    assert any("Færre enn 30 svar" in t for t in legend)
    assert figures.notes(fig)["small_n"] == {"k": 30}
    markers = {line.get_marker() for line in fig.axes[0].get_lines()}
    assert len(markers) == 2, "each group has its own marker, not only its own colour"
    county = [line for line in fig.axes[0].get_lines() if line.get_markerfacecolor() == "white"]
    assert len(county) == 1, "the estimate from 11 answers is drawn open"


def test_axis_numbers_follow_the_locale():
    assert figures.tick_text(0.5, "nb", "num", 1) == "0,5" and figures.tick_text(0.5, "en", "num", 1) == "0.5"
    assert figures.tick_text(0.5, "nb", "pct") == f"50{NBSP}%" and figures.tick_text(0.5, "en", "pct") == "50%"
    assert figures.tick_text(-10, "nb", "pp") == f"{MINUS}10"
    fig = charts.forest(effects(), "nb", scale=1)   # mean-score differences: decimals
    ticks = tick_texts(fig)
    assert any("," in t for t in ticks) and not any("." in t for t in ticks)
    assert any(t.startswith(MINUS) for t in ticks)


def test_likert_has_outlined_neutral_and_says_dont_know_is_left_out():
    rows = [("Nytte", k, v, 180) for k, v in zip("abcde", (0.1, 0.2, 0.3, 0.25, 0.15))]
    rows += [("Nytte (fylkeskommuner)", k, v, 11) for k, v in zip("abcde", (0.1, 0.2, 0.3, 0.25, 0.15))]
    d = pd.DataFrame(rows, columns=["label", "level", "estimate", "n_unweighted"])
    fig = charts.likert(d, "nb", levels=list("abcde"), level_names=["Svært liten", "Liten", "Middels", "Stor",
                                                                      "Svært stor"])
    grey = [p for p in fig.axes[0].patches if matplotlib.colors.to_hex(p.get_facecolor()).upper() == charts.NEUTRAL]
    assert len(grey) == 2 and all(p.get_linewidth() > 0 for p in grey)
    assert set(figures.notes(fig)) == {"dont_know", "small_n"}
    assert any(p.get_hatch() for p in fig.axes[0].patches), "the bar from 11 answers is hatched"
    assert tick_texts(fig)[0] == f"100{NBSP}%"


def test_grouped_bars_hatch_when_more_than_two_series():
    d = pd.DataFrame({"label": ["A"] * 3, "group": ["x", "y", "z"], "estimate": [0.2, 0.4, 0.6]})
    fig = charts.grouped_bars(d, "en", series_name=lambda g, lang: g.upper())
    hatches = [p.get_hatch() for p in fig.axes[0].patches]
    assert len(set(hatches)) == 3
    two = charts.grouped_bars(d.head(2), "en", series_name=lambda g, lang: g.upper())
    assert not any(p.get_hatch() for p in two.axes[0].patches)
