"""The findings chapters 04-08: notebooks, result tables, key numbers and closing text.

The pipeline tests read the session's shared build (fixture ``built`` in conftest.py) and
check that every chapter's estimates table exists and follows the docs/contracts.md §6 schema, and
that the numbers in the rendered "What this shows" section are exactly the numbers that the
closing text computes from the published table (and the key number is among them).
"""
from __future__ import annotations

import html as htmlmod
import re

import nbformat
import numpy as np
import pandas as pd
import pytest

from sosiale_kommuner import config
from sosiale_kommuner.chapters import findings_text, item_estimates
from sosiale_kommuner.data import codebook as cbm
from sosiale_kommuner.report import results

STEMS = list(findings_text.CHAPTERS)
NUM_RE = re.compile(r"\d+(?:\.\d+)?")


def _numbers(text: str) -> list[str]:
    return NUM_RE.findall(text)


def _strip_markdown(md: str) -> str:
    return md.replace("**", "").replace("*", "")


# ------------------------------------------------------------------------- fast checks
@pytest.mark.parametrize("stem", STEMS)
def test_notebook_declares_parameters_and_reads_its_table_back(stem):
    nb = nbformat.read(config.NOTEBOOK_DIR / f"{stem}.ipynb", as_version=4)
    params = nb.cells[0].source
    for p in ("raw_dir = None", "out_dir = None", 'lang = "en"', "k_min = 3"):
        assert p in params
    src = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    assert f'STEM = "{stem}"' in src
    assert 'schema="estimates"' in src and "ft.read_estimates(path)" in src
    assert "ft.closing_text(pub" in src and '"key_number"' in src
    assert "What this shows" in nb.cells[-2].source


def test_chapters_cover_areas_one_to_eight_once():
    areas = [a for spec in findings_text.CHAPTERS.values() for a in spec.areas]
    assert sorted(areas) == list(range(1, 9))


def test_closing_text_reads_its_numbers_from_the_table():
    """Closing text of a hand-made table: every number comes from the table."""
    cb = cbm.load_codebook()
    spec = findings_text.CHAPTERS["08_sharing"]
    rows = []
    for grp, dom, est in (("all", "all", 0.334), ("kommune", "unit_type", 0.334), ("fylkeskommune", "unit_type", 0.4545),
                          ("< 5 000", "size_class", 0.31), ("≥ 20 000", "size_class", 0.405)):
        rows.append(dict(item="a8_collaborates", area=8, level="yes", domain=dom, group=grp, estimate=est,
                         se=0.03, ci_low=est - 0.052, ci_high=est + 0.061, n_unweighted=11 if grp == "fylkeskommune" else 190,
                         n_weighted=18.0, suppressed=False))
    t = pd.DataFrame(rows, columns=results.ESTIMATES_COLUMNS)
    text = findings_text.closing_text(t, cb, spec, "en")
    assert "33 % (95 % CI 28–40 %; 190 respondents)" in text
    assert "45 % (95 % CI 40–52 %; 11 respondents)" in text
    assert "from 31 % (< 5 000) to 40 % (≥ 20 000)" in text
    kn = findings_text.key_number(t, spec, "en")
    assert kn.loc[0, "value"] == "33 %"
    # a suppressed key number reads ":"
    t.loc[0, ["estimate", "se", "ci_low", "ci_high"]] = np.nan
    t.loc[0, "suppressed"] = True
    assert findings_text.key_number(t, spec, "en").loc[0, "value"] == ":"


# ------------------------------------------------------------------------ pipeline checks
@pytest.fixture(scope="module")
def build(request):
    try:
        return request.getfixturevalue("built")
    except pytest.FixtureLookupError:
        pytest.skip("no shared build fixture 'built' in conftest.py")


def _table(build, stem):
    path = build.paths.tables / f"{stem}__estimates.csv"
    assert path.exists(), f"{path.name} missing; run_all output:\n{build.stdout[-3000:]}"
    return findings_text.read_estimates(path)


@pytest.mark.pipeline
@pytest.mark.slow
@pytest.mark.parametrize("stem", STEMS)
def test_estimates_table_follows_the_schema(build, stem):
    t = _table(build, stem)
    results.check_schema(t, "estimates", where=stem)
    spec = findings_text.CHAPTERS[stem]
    cb = cbm.load_codebook(build.paths.raw)
    assert set(t["area"]) == set(spec.areas)
    expected = {it.id for it in item_estimates.items_of_areas(cb, spec.areas)}
    assert set(t["item"]) == expected
    assert {"all", "size_class", "unit_type"} == set(t["domain"])
    assert set(t.loc[t["domain"] == "unit_type", "group"]) == {"kommune", "fylkeskommune"}
    assert (t.loc[t["group"] == "fylkeskommune", "n_unweighted"] <= 18).all()
    assert (t.loc[t["domain"] == "all", "n_unweighted"] <= 428).all()
    sup = t["suppressed"]
    assert t.loc[sup, "estimate"].isna().all()
    props = t[~sup & ~t["level"].isin([item_estimates.MEAN, item_estimates.MEAN_SCORE])]
    assert ((props["estimate"] >= 0) & (props["estimate"] <= 1)).all()
    assert ((props["ci_low"] <= props["estimate"] + 1e-12) & (props["estimate"] <= props["ci_high"] + 1e-12)).all()


def _closing_section(page: str) -> str:
    start = page.rfind("What this shows")
    assert start >= 0, "no 'What this shows' section in the page"
    end = page.find('<footer class="sk-footer"', start)
    body = page[start:end if end > 0 else len(page)]
    return htmlmod.unescape(re.sub(r"<[^>]+>", " ", body))


@pytest.mark.pipeline
@pytest.mark.slow
@pytest.mark.parametrize("stem", STEMS)
def test_key_number_and_closing_text_equal_the_table(build, stem):
    t = _table(build, stem)
    spec = findings_text.CHAPTERS[stem]
    cb = cbm.load_codebook(build.paths.raw)
    kn = pd.read_csv(build.paths.tables / f"{stem}__key_number.csv", keep_default_na=False)
    assert list(kn.columns[:2]) == ["label", "value"] and len(kn) == 1
    key = item_estimates.lookup(t, *spec.key)
    assert kn.loc[0, "value"] == findings_text.fmt_pct(key["estimate"])
    assert kn.loc[0, "label"] == spec.key_label["en"]
    page = (build.paths.reports / f"{stem}.html").read_text(encoding="utf-8")
    shown = _closing_section(page)
    assert kn.loc[0, "value"] in shown
    expected = _strip_markdown(findings_text.closing_text(t, cb, spec, "en"))
    assert _numbers(shown) == _numbers(expected)


def _est_rows(item, levels, groups, value=0.5, n=20):
    rows = []
    for dom, grp in groups:
        for lev in levels:
            rows.append(dict(item=item, area=1, level=lev, domain=dom, group=grp, estimate=value, se=0.05,
                             ci_low=value - 0.1, ci_high=value + 0.1, n_unweighted=n, n_weighted=2.0 * n,
                             suppressed=False))
    return rows


def test_figures_return_alt_text_and_mark_suppressed_cells():
    import matplotlib.pyplot as plt

    from sosiale_kommuner.chapters import findings_plots as fp

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
    assert fp.likert_scales(cb, ["a5_admin_leadership", "a5_resources", "a8_aware_others"]) == [
        ["a5_admin_leadership", "a8_aware_others"], ["a5_resources"]]
