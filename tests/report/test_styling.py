"""One look for every table: number formats by language, suppressed cells, value labels."""
from __future__ import annotations

import re

import pandas as pd
import pytest

from sosiale_kommuner.report import styling


def test_styling_table_formats_and_is_deterministic():
    df = pd.DataFrame({"group": ["small", "large"], "estimate": [0.63249, float("nan")],
                       "n_unweighted": [12345, 2], "suppressed": [False, True]})
    html_en = styling.to_html(df, percent=["estimate"], labels={"group": "Size class", "small": "Under 5 000"})
    assert html_en == styling.to_html(df, percent=["estimate"], labels={"group": "Size class", "small": "Under 5 000"})
    assert ">63.2%<" in html_en and ">12,345<" in html_en and ">:<" in html_en
    assert ">Size class<" in html_en and ">Under 5 000<" in html_en
    assert "suppressed" in html_en and ">suppressed<" not in html_en  # the note, not a column
    assert "row_heading" not in html_en and "blank" not in html_en  # no index
    assert "sk-num" in html_en and "text-align: right" in html_en
    nb = styling.to_html(df, percent=["estimate"], lang="nb")
    assert ">63,2\u00a0%<" in nb and ">12\u202f345<" in nb and "prikket" in nb
    ids = set(re.findall(r'id="([^"]+)"', html_en))
    assert len(ids) == 1 and ids.pop().startswith("T_sk")
    other = styling.to_html(df.assign(n_unweighted=[1, 2]), percent=["estimate"])
    assert re.findall(r'id="([^"]+)"', other) != re.findall(r'id="([^"]+)"', html_en)


def test_styling_counts_and_value_labels():
    from sosiale_kommuner.report.disclosure import suppress_counts
    t = suppress_counts(pd.DataFrame({"yes": [10, 2], "no": [5, 8]}, index=["a", "b"])).reset_index(names="cls")
    html = styling.to_html(t, counts_suppressed=True, value_labels={"cls": {"a": "Alpha"}})
    assert html.count(">:<") == 4 and ">Alpha<" in html
    assert styling.format_number(-1234.5, decimals=1) == "\u22121,234.5"
    assert styling.format_number(None) == "–"
    with pytest.raises(KeyError):
        styling.table(t, percent=["nope"])
