"""Atomic writes leave either the old file or the whole new one."""
import os
import stat

import pandas as pd
import pytest

from sosiale_kommuner import files


def test_atomic_write_replaces_whole_file(tmp_path):
    p = tmp_path / "a" / "t.txt"
    files.atomic_write_text(p, "first\n")
    files.atomic_write_text(p, "second\n")
    assert p.read_text() == "second\n"
    assert [x.name for x in p.parent.iterdir()] == ["t.txt"], "no temporary file left behind"


def test_failed_write_keeps_old_file_and_leaves_no_temp(tmp_path, monkeypatch):
    p = tmp_path / "t.csv"
    files.atomic_write_text(p, "good\n")

    def boom(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OSError, match="disk full"):
        files.atomic_write_text(p, "half")
    assert p.read_text() == "good\n"
    assert [x.name for x in tmp_path.iterdir()] == ["t.csv"]


def test_written_files_get_the_permissions_open_would_give(tmp_path):
    old = os.umask(0o022)
    try:
        p = files.atomic_write_text(tmp_path / "r.html", "x")
        q = files.write_parquet(pd.DataFrame({"a": [1]}), tmp_path / "r.parquet")
    finally:
        os.umask(old)
    for f in (p, q):
        assert stat.S_IMODE(f.stat().st_mode) == 0o644, f.name


def test_write_csv_contract_format(tmp_path):
    df = pd.DataFrame({"item": ["x", "y"], "estimate": [0.123456789012345, 1 / 3], "n": [3, 4]})
    p = files.write_csv(df, tmp_path / "t.csv")
    assert p.read_bytes() == b"item,estimate,n\nx,0.123456789012,3\ny,0.333333333333,4\n"
