"""The findings chapters 04-08 (chapters.findings_text): notebooks, result tables, key numbers
and closing text.

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


def test_formats():
    assert findings_text.fmt_pct(0.625) == "62 %" and findings_text.fmt_pct(0.635) == "64 %"
    assert findings_text.fmt_pct(None) == ":" and findings_text.fmt_pct(float("nan")) == ":"
    assert findings_text.fmt_num(3.14159, 2, "nb") == "3,14" and findings_text.fmt_num(3.14159) == "3.1"
    row = {"estimate": 0.5, "ci_low": 0.414, "ci_high": 0.586, "suppressed": False}
    assert findings_text.fmt_ci(row) == "41–59 %"
    assert findings_text.fmt_ci(dict(row, estimate=3.3, ci_low=3.05, ci_high=3.55), pct=False, lang="nb") == "3,0–3,5"
    assert findings_text.fmt_ci(dict(row, suppressed=True)) == ":"


def test_summary_table_and_reading_back(tmp_path):
    cb = cbm.load_codebook()
    rows = [dict(item="a8_collaborates", area=8, level="yes", domain="unit_type", group=g, estimate=e, se=0.03,
                 ci_low=e - 0.05, ci_high=e + 0.05, n_unweighted=n, n_weighted=float(n), suppressed=s)
            for g, e, n, s in (("kommune", 0.334, 190, False), ("fylkeskommune", np.nan, 2, True))]
    t = pd.DataFrame(rows, columns=results.ESTIMATES_COLUMNS)
    s = findings_text.summary_table(t, cb, "nb")
    assert list(s.columns) == ["Spørsmål", "Svar", "Kommuner", "n (kom.)", "Fylkeskommuner", "n (fylke)"]
    assert s.iloc[0].tolist()[2:] == ["33 % (28–38 %)", 190, ":", 2]
    path = tmp_path / "t.csv"
    t.assign(level="none").to_csv(path, index=False)
    back = findings_text.read_estimates(path)
    assert back["level"].tolist() == ["none", "none"] and back["suppressed"].tolist() == [False, True]
    assert findings_text.table_note("nb") and findings_text.table_note("en")
