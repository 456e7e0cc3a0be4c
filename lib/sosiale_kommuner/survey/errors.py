"""The errors of the survey core: one base class, :class:`SurveyError`, and its kinds.

Every error says *where* the problem is (a function, a column, a margin), what was
*expected*, what it *got*, and a *hint* how to fix it. The message itself names columns,
category labels, counts and shapes, never a value of the data (which could be personal).
All derive from ``ValueError``, so ``except ValueError`` still catches them.

==========================  ==============================================================
error                       raised when
==========================  ==============================================================
:class:`DesignError`        a design is specified inconsistently (columns, weights, fpc)
:class:`LonelyPSUError`     a stratum holds a single PSU (R ``survey.lonely.psu = "fail"``)
:class:`WeightingError`     weighting inputs are inconsistent (margins, base weights)
:class:`EmptyCategoryError` a population category has no respondents
:class:`RakingError`        raking does not converge
==========================  ==============================================================
"""
from __future__ import annotations

import html

_FIELDS = ("where", "expected", "got", "hint")


class SurveyError(ValueError):
    """An error of the survey core, with structured fields.

    ``SurveyError(message, where=..., expected=..., got=..., hint=...)``; every field is
    optional. ``str(err)`` is the message followed by one indented line per field given, so
    it reads well in a log and in a notebook's traceback; in a notebook an error object
    shown on its own renders as a small table (``_repr_html_``).
    """

    def __init__(self, message: str = "", *, where: str | None = None, expected: str | None = None,
                 got: str | None = None, hint: str | None = None):
        self.message = message
        self.where = where
        self.expected = expected
        self.got = got
        self.hint = hint
        super().__init__(str(self))

    def fields(self) -> dict[str, str]:
        """The fields that are set, in the order where, expected, got, hint."""
        return {k: str(getattr(self, k)) for k in _FIELDS if getattr(self, k) is not None}

    def __str__(self) -> str:
        head = self.message or type(self).__name__
        if self.where and not self.message.startswith(str(self.where)):
            head = f"{self.where}: {head}"
        lines = [head] + [f"  {k}: {v}" for k, v in self.fields().items() if k != "where"]
        return "\n".join(lines)

    def __reduce__(self):
        return (_rebuild, (type(self), self.message, self.fields()))

    def _repr_html_(self) -> str:
        rows = "".join(f"<tr><th style='text-align:left'>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>"
                       for k, v in self.fields().items())
        return (f"<div><strong>{html.escape(type(self).__name__)}</strong>: {html.escape(self.message)}"
                f"<table>{rows}</table></div>")


def _rebuild(cls, message, fields):
    return cls(message, **fields)


class DesignError(SurveyError):
    """A survey design was specified inconsistently (names the column and the problem)."""


class LonelyPSUError(DesignError):
    """A stratum holds a single PSU, so its variance cannot be estimated (R: lonely PSU "fail")."""


class WeightingError(SurveyError):
    """Weighting inputs are inconsistent (names margin, category and what was expected)."""


class EmptyCategoryError(WeightingError):
    """A population category has no respondents (or a population count of 0)."""


class RakingError(WeightingError):
    """Raking did not converge within ``max_iter`` sweeps."""


__all__ = ["SurveyError", "DesignError", "LonelyPSUError", "WeightingError", "EmptyCategoryError",
           "RakingError"]
