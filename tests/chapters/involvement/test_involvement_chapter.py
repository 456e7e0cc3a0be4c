"""Chapter 10 as built: its notebook's parameters, and the published tables and closing text
of the session's shared build (fixture ``built`` in tests/conftest.py)."""
from __future__ import annotations

import html as htmllib

import pandas as pd
import pytest

from sosiale_kommuner import config
from sosiale_kommuner.chapters import involvement as inv
from sosiale_kommuner.report import results
from sosiale_kommuner.report.text import formats


@pytest.mark.pipeline
@pytest.mark.slow
def test_built_chapter_tables_and_closing_text(built):
    P = built.paths
    names = {n: P.tables / f"{inv.STEM}__{n}.csv" for n in ("estimates", "tests", "models", "simulation")}
    for n, p in names.items():
        assert p.is_file(), f"{p.name} missing; run_all output:\n{built.stdout[-2000:]}"
    assert not (P.tables / f"{inv.STEM}__key_number.csv").exists()      # nothing reads it any more
    from sosiale_kommuner.chapters import findings_text as ft
    est = ft.read_estimates(names["estimates"])
    tests = pd.read_csv(names["tests"])
    models = pd.read_csv(names["models"])
    results.check_schema(est, "estimates")
    results.check_schema(tests, "tests")
    results.check_schema(models, "models")
    assert set(tests["comparison"]) == {"centrality"}
    assert set(models["kind"]) == {"ame", "coef"}
    assert set(models["model"]) == {inv.MODEL_NAME, inv.MODEL_NAME + "_dont_know_as_no"}
    assert set(est["domain"]) <= {"all", "size_class", "region", "centrality", "unit_type"}
    sim = pd.read_csv(names["simulation"])
    assert (sim["replicates"] == 20).all()
    # closing-text numbers equal table numbers, in each edition's format
    row = est[(est["item"] == inv.INVOLVED_ALL) & (est["level"] == "yes") & (est["domain"] == "all")].iloc[0]
    nb = htmllib.unescape((P.reports / f"{inv.STEM}.html").read_text(encoding="utf-8"))
    en = htmllib.unescape((P.reports / "en" / f"{inv.STEM}.html").read_text(encoding="utf-8"))
    ci = f"{formats.percent(row['ci_low'], 0, 'nb', sign=False)}–{formats.percent(row['ci_high'], 0, 'nb', sign=False)}"
    assert f"Anslagsvis {formats.percent(row['estimate'], 0, 'nb')} av kommunene (95 % KI {ci}" in nb
    assert f"An estimated {formats.percent(row['estimate'], 0, 'en')} of municipalities (95% CI {ci}" in en
    assert f"Of {len(tests)} design-based tests" in en
    n_sig = int((tests["p_adjusted"] < 0.05).sum())
    assert f"{n_sig} {'is' if n_sig == 1 else 'are'} below 0.05 after Benjamini–Hochberg" in en
    for page in (nb, en):
        assert "a9_" not in page.split("<main", 1)[-1].split("<footer", 1)[0]  # no machine names


def test_notebook_parameters_and_no_outputs():
    import nbformat

    nb = nbformat.read(config.NOTEBOOK_DIR / f"{inv.STEM}.ipynb", as_version=4)
    first = nb.cells[0]
    assert first.cell_type == "code" and "parameters" in first.metadata.get("tags", [])
    src = first.source
    for line in ('raw_dir = None', 'out_dir = None', 'lang = "nb"', "k_min = 3", "replicates = ",
                 "fpc_in_tests = False", "seed = ", "processes = "):
        assert line in src, line
    assert nb.metadata["kernelspec"]["name"] == config.KERNEL_NAME
    assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code")
    assert all(c.cell_type == "code" for c in nb.cells)                  # all prose from the text layer
    body = "\n".join(c.source for c in nb.cells)
    assert 'page.text("intro"' in nb.cells[1].source and 'page.text("closing"' in nb.cells[-1].source
    for banned in ("print(", "display(", "Markdown(", "def ", "styling."):
        assert banned not in body, banned
