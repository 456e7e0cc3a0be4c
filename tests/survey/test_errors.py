"""The errors of the survey core (survey/errors.py): one base, structured fields, safe text."""
from __future__ import annotations

import pickle

import pytest

from sosiale_kommuner.survey import errors
from sosiale_kommuner.survey.errors import DesignError, RakingError, SurveyError


def test_every_error_is_a_survey_error_and_a_value_error():
    for name in errors.__all__:
        cls = getattr(errors, name)
        assert issubclass(cls, SurveyError) and issubclass(cls, ValueError), name
    assert issubclass(RakingError, errors.WeightingError)


def test_text_lists_the_fields():
    e = DesignError("the column is not numeric", where="column 'x'", expected="numbers", got="dtype object",
                    hint="estimate proportions")
    assert str(e).splitlines() == ["column 'x': the column is not numeric", "  expected: numbers",
                                   "  got: dtype object", "  hint: estimate proportions"]
    assert e.fields() == {"where": "column 'x'", "expected": "numbers", "got": "dtype object",
                          "hint": "estimate proportions"}
    assert str(SurveyError("plain")) == "plain"
    assert str(SurveyError(where="here")) == "here: SurveyError"


def test_notebook_rendering_escapes_html():
    e = DesignError("a <b> c", got="x & y")
    html = e._repr_html_()
    assert "a &lt;b&gt; c" in html and "x &amp; y" in html and "<table>" in html


def test_pickles_with_its_fields():
    e = RakingError("did not converge", where="margin 'm'", hint="raise max_iter")
    back = pickle.loads(pickle.dumps(e))
    assert type(back) is RakingError and str(back) == str(e) and back.hint == "raise max_iter"


def test_caught_as_value_error():
    with pytest.raises(ValueError):
        raise DesignError("x")
