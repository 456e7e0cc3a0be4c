"""Tests of the typed-column convention (docs/contracts.md §5): codes -> typed columns, and
the two helpers that read them back. Every expected value is written out by hand."""
import numpy as np
import pandas as pd
import pytest

from sosiale_kommuner.data import codebook as cb
from sosiale_kommuner.data import typed


@pytest.fixture()
def coded():
    return pd.DataFrame({
        "unit_id": ["0101", "0104", "0105", "0106"],
        "a5_admin_leadership": [1, 5, 9, np.nan],          # extent5: 9 = "Vet ikke"
        "a9_methods__polls": [1, 0, np.nan, 1],
        "bg_comm_fte": [0.5, 2, np.nan, 1],
        "a1_first_year": [2010, np.nan, 2012.0, 2013],
        "a1_uses_some": [1, 2, 3, np.nan],
    }, index=[10, 11, 12, 13])


def test_to_typed_follows_the_convention(coded, book):
    t = typed.to_typed(coded, book, keep=("unit_id",))
    assert list(t.columns) == ["unit_id", "bg_comm_fte", "a1_uses_some", "a1_first_year",
                               "a5_admin_leadership", "a9_methods__polls"]    # keep first, then codebook order
    assert list(t.index) == [10, 11, 12, 13] and list(t["unit_id"]) == ["0101", "0104", "0105", "0106"]
    lik = t["a5_admin_leadership"]
    assert lik.cat.ordered
    assert list(lik.cat.categories) == ["very_small", "small", "some", "large", "very_large", "dont_know"]
    assert lik.tolist()[:3] == ["very_small", "very_large", "dont_know"] and pd.isna(lik.iloc[3])
    uses = t["a1_uses_some"]
    assert not uses.cat.ordered and uses.tolist()[:3] == ["yes", "planned", "no"] and pd.isna(uses.iloc[3])
    polls = t["a9_methods__polls"]
    assert polls.dtype == "boolean" and polls.tolist()[:2] == [True, False] and pd.isna(polls.iloc[2])
    assert str(t["a1_first_year"].dtype) == "Int64" and t["a1_first_year"].tolist()[2] == 2012
    assert pd.isna(t["a1_first_year"].iloc[1])
    assert str(t["bg_comm_fte"].dtype) == "Float64" and t["bg_comm_fte"].iloc[0] == 0.5


def test_to_typed_names_column_and_row_of_a_bad_code(book):
    with pytest.raises(cb.CodebookError, match=r"column 'a5_admin_leadership', row 1: code 7 not in \[1, 2, 3, 4, 5, 9\]"):
        typed.to_typed(pd.DataFrame({"a5_admin_leadership": [1, 7]}), book)
    with pytest.raises(cb.CodebookError, match=r"column 'a9_methods__polls', row 0: option code 2 not 0/1"):
        typed.to_typed(pd.DataFrame({"a9_methods__polls": [2]}), book)


def test_likert_scores_and_dont_know(coded, book):
    lik = typed.to_typed(coded, book)["a5_admin_leadership"]
    scores = typed.likert_scores(lik)
    assert scores.tolist()[:2] == [1.0, 5.0] and np.isnan(scores.iloc[2]) and np.isnan(scores.iloc[3])
    assert list(scores.index) == [10, 11, 12, 13]
    assert typed.is_dont_know(lik).tolist() == [False, False, True, False]   # missing is not "Vet ikke"
    with pytest.raises(TypeError, match="categorical"):
        typed.likert_scores(pd.Series([1, 2]))


def test_likert_scores_of_every_level(book):
    """Codes 1..5 score 1..5 whatever the labels; the R idiom gives the same."""
    lik = typed.to_typed(pd.DataFrame({"a5_resources": [5, 4, 3, 2, 1, 9]}), book)["a5_resources"]
    assert typed.likert_scores(lik).tolist()[:5] == [5.0, 4.0, 3.0, 2.0, 1.0]
