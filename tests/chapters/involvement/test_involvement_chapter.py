"""Chapter 10 as built: its notebook's parameters, and the published tables and closing text
of the session's shared build (fixture ``built`` in tests/conftest.py)."""
from __future__ import annotations

import re

import pandas as pd
import pytest

from sosiale_kommuner import config
from sosiale_kommuner.chapters import involvement as inv
from sosiale_kommuner.report import results


@pytest.mark.pipeline
@pytest.mark.slow
def test_built_chapter_tables_and_closing_text(built):
    P = built.paths
    names = {n: P.tables / f"{inv.STEM}__{n}.csv" for n in ("estimates", "tests", "models", "key_number", "simulation")}
    for n, p in names.items():
        assert p.is_file(), f"{p.name} missing; run_all output:\n{built.stdout[-2000:]}"
    from sosiale_kommuner.chapters import findings_text as ft
    est = ft.read_estimates(names["estimates"])
    tests = pd.read_csv(names["tests"])
    models = pd.read_csv(names["models"])
    results.check_schema(est, "estimates")
    results.check_schema(tests, "tests")
    results.check_schema(models, "models")
    assert set(tests["comparison"]) == {"centrality"}
    assert set(models["kind"]) == {"ame", "coef"}
    assert set(est["domain"]) <= {"all", "size_class", "region", "centrality", "unit_type"}
    sim = pd.read_csv(names["simulation"])
    assert (sim["replicates"] == 20).all()
    # closing-text numbers equal table numbers
    html = (P.reports / f"{inv.STEM}.html").read_text(encoding="utf-8")
    row = est[(est["item"] == inv.INVOLVED_ALL) & (est["level"] == "yes") & (est["domain"] == "all")].iloc[0]
    assert f"An estimated {inv.pct(row['estimate'])} of municipalities" in html
    assert f"{inv.pct(row['ci_low'])}–{inv.pct(row['ci_high'])}" in html
    assert f"Of {len(tests)} design-based tests" in html
    n_sig = int((tests["p_adjusted"] < 0.05).sum())
    assert re.search(rf"\b{n_sig} remains? below 0.05", html)
    m = models[(models["model"] == inv.MODEL_NAME) & (models["kind"] == "ame")].set_index("term")
    sa = m.loc["strategy_adopted"]
    assert f"Adopted strategy: {inv.pp(sa['estimate'])} ({inv.pp(sa['ci_low'])} to {inv.pp(sa['ci_high'])})" in html
    kn = pd.read_csv(names["key_number"])
    assert kn["value"].iloc[0] == pytest.approx(round(row["estimate"], 4))




def test_notebook_parameters_and_no_outputs():
    import nbformat

    nb = nbformat.read(config.NOTEBOOK_DIR / f"{inv.STEM}.ipynb", as_version=4)
    first = nb.cells[0]
    assert first.cell_type == "code" and "parameters" in first.metadata.get("tags", [])
    src = first.source
    for line in ('raw_dir = None', 'out_dir = None', 'lang = "en"', "k_min = 3", "replicates = ",
                 "fpc_in_tests = False", "seed = "):
        assert line in src, line
    assert nb.metadata["kernelspec"]["name"] == config.KERNEL_NAME
    assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code")
    assert nb.cells[1].cell_type == "markdown" and nb.cells[1].source.startswith("# 10 ")
    assert "What this shows" in nb.cells[-2].source
