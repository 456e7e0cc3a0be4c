"""Fixtures of the report's tests: a small raw folder."""
from __future__ import annotations

import pytest


@pytest.fixture
def raw(tmp_path):
    """A small raw folder with frame and survey files."""
    r = tmp_path / "raw"
    (r / "frame").mkdir(parents=True)
    (r / "survey").mkdir()
    (r / "frame" / "municipalities_2013.csv").write_text("unit_id,name\n0301,Oslo\n")
    (r / "frame" / "counties_2013.csv").write_text("unit_id,name\n03,Oslo\n")
    (r / "survey" / "export.csv").write_text("id,q1\n1,yes\n")
    return r
