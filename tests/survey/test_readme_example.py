"""The README's "Using the survey core on its own" runs and gives R's numbers.

The section's Python block is executed as it stands (from the repository root) and its
results are compared with ``tests/oracle/reference_core.json`` (``readme_example``, made by
``make_reference_core.R``) at rel 1e-10; the R results the section prints are checked
against the same file, so the README cannot drift from R.
"""
from __future__ import annotations

import contextlib
import io
import os
import re

import numpy as np
from r_reference import reference

from sosiale_kommuner import config
from sosiale_kommuner.survey import SE, coef, confint, degf

HEADING = "## Using the survey core on its own"


def section() -> str:
    text = (config.REPO_ROOT / "README.md").read_text(encoding="utf-8")
    start = text.index(HEADING)
    end = text.find("\n## ", start + len(HEADING))
    return text[start:end if end > 0 else None]


def test_the_example_runs_and_matches_r():
    code = re.search(r"```python\n(.*?)```", section(), re.S).group(1)
    scope: dict = {}
    cwd = os.getcwd()
    try:
        os.chdir(config.REPO_ROOT)
        with contextlib.redirect_stdout(io.StringIO()) as out:
            exec(compile(code, "README.md", "exec"), scope)
    finally:
        os.chdir(cwd)
    r = reference("reference_core")["readme_example"]
    m, high, test = scope["m"], scope["high"], scope["test"].second_order
    np.testing.assert_allclose([coef(m).iloc[0], SE(m).iloc[0]], [r["mean_api00"]["estimate"], r["mean_api00"]["se"]],
                               rtol=1e-10)
    assert degf(high) == r["degf_subset"] == 49
    np.testing.assert_allclose(confint(m).iloc[0], r["mean_api00"]["ci"], rtol=1e-10)
    s = r["svychisq"]
    np.testing.assert_allclose([test["statistic"], test["ndf"], test["ddf"], test["p_value"]],
                               [s["statistic"], s["ndf"], s["ddf"], s["p_value"]], rtol=1e-10)
    assert "625.8" in out.getvalue()


def test_the_printed_r_results_are_r():
    r = reference("reference_core")["readme_example"]
    text = section()
    m, s = r["mean_api00"], r["svychisq"]
    for value in (f"{m['estimate']:.4f}", f"SE {m['se']:.4f}", f"{m['ci'][0]:.4f} – {m['ci'][1]:.4f}",
                  f"{s['statistic']:.4f} on {s['ndf']:.4f} and {s['ddf']:.3f} df", f"p = {s['p_value']:.3e}"):
        assert value in text, value
