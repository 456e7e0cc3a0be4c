"""The R reference values of ``tests/oracle`` (read once per session).

``reference("reference")``, ``reference("reference_domains")``, ``reference("reference_core")``:
the JSON files made by ``make_reference.R``, ``make_reference_domains.R`` and
``make_reference_core.R`` (R survey 4.1.1; see ``tests/oracle/README.md``).
"""
from __future__ import annotations

import functools
import json
from pathlib import Path

ORACLE = Path(__file__).parents[1] / "oracle"


@functools.cache
def reference(name: str) -> dict:
    """One reference file as a dict."""
    return json.loads((ORACLE / f"{name}.json").read_text(encoding="utf-8"))
