"""The raw-file manifest (docs/contracts.md §2): format, verification, --update-manifest.

Works on copies of ``data/raw`` in a temporary folder (the repository's own manifest may
lag behind files being added), and on tiny raw folders made here.
"""
from __future__ import annotations

import hashlib
import shutil
import subprocess

import pytest
from conftest import copy_raw, run_all

from sosiale_kommuner import config
from sosiale_kommuner.build import manifest


@pytest.fixture
def raw(tmp_path):
    """A small raw folder with a recorded manifest."""
    root = tmp_path / "raw"
    (root / "frame").mkdir(parents=True)
    (root / "survey").mkdir()
    (root / "frame" / "a.csv").write_text("x\n1\n")
    (root / "survey" / "b c.yaml").write_text("synthetic: true\n")   # a space in a name
    (root / "survey" / "export.csv").write_text("id\n7\n")
    manifest.update(root)
    return root


def test_manifest_is_sha256sum_format_sorted_and_excludes_itself(raw):
    text = (raw / config.MANIFEST_NAME).read_text()
    lines = text.splitlines()
    assert [line.split("  ", 1)[1] for line in lines] == ["frame/a.csv", "survey/b c.yaml", "survey/export.csv"]
    assert lines[0] == hashlib.sha256(b"x\n1\n").hexdigest() + "  frame/a.csv"
    assert text.endswith("\n") and "\r" not in text
    if shutil.which("sha256sum"):  # the standard tool accepts it
        proc = subprocess.run(["sha256sum", "-c", "--strict", config.MANIFEST_NAME], cwd=raw,
                              capture_output=True, text=True)
        assert proc.returncode == 0, proc.stdout + proc.stderr


def test_verify_passes_on_untouched_folder(raw):
    checks = manifest.verify(raw)
    assert sorted(checks) == ["frame/a.csv", "survey/b c.yaml", "survey/export.csv"]


def test_changed_missing_and_extra_files_are_each_named(raw):
    (raw / "frame" / "a.csv").write_text("x\n2\n")
    (raw / "survey" / "export.csv").unlink()
    (raw / "survey" / "new.sav").write_bytes(b"\x00\x01")
    with pytest.raises(manifest.ManifestError) as err:
        manifest.verify(raw)
    msg = str(err.value)
    assert "(3 files)" in msg
    assert "changed (checksum differs): frame/a.csv" in msg
    assert "missing (listed, not found): survey/export.csv" in msg
    assert "extra (found, not listed): survey/new.sav" in msg
    assert "--update-manifest" in msg


def test_no_manifest_stops_with_the_instruction(raw):
    (raw / config.MANIFEST_NAME).unlink()
    with pytest.raises(manifest.ManifestError, match="has no MANIFEST.sha256") as err:
        manifest.verify(raw)
    assert f"python run_all.py --update-manifest --raw-dir {raw}" in str(err.value)


def test_malformed_manifest_line_is_reported_with_its_number(raw):
    path = raw / config.MANIFEST_NAME
    path.write_text(path.read_text() + "not a checksum line\n")
    with pytest.raises(manifest.ManifestError, match="line 4"):
        manifest.verify(raw)


def test_update_reports_added_removed_changed_and_records_them(raw):
    (raw / "frame" / "a.csv").write_text("changed\n")
    (raw / "survey" / "export.csv").unlink()
    (raw / "survey" / "main.xlsx").write_bytes(b"PK")
    d = manifest.update(raw)
    assert d.changed == ("frame/a.csv",) and d.missing == ("survey/export.csv",) and d.extra == ("survey/main.xlsx",)
    assert manifest.update(raw).__bool__() is False          # now current
    manifest.verify(raw)


@pytest.mark.slow
def test_run_all_checks_manifest_before_anything_runs(tmp_path):
    raw = copy_raw(tmp_path / "raw")
    out = tmp_path / "out"
    victim = sorted(p for p in (raw / "frame").iterdir() if p.suffix == ".csv")[0]
    victim.write_text(victim.read_text() + "\n")
    proc = run_all("--raw-dir", raw, "--out-dir", out)
    assert proc.returncode == 3, proc.stdout
    assert f"changed (checksum differs): frame/{victim.name}" in proc.stdout
    assert not (out / "reports").exists()                     # nothing ran
    (raw / config.MANIFEST_NAME).unlink()
    proc = run_all("--raw-dir", raw, "--out-dir", out)
    assert proc.returncode == 3
    assert "run_all.py --update-manifest" in proc.stdout


@pytest.mark.slow
def test_run_all_update_manifest_prints_changes_and_exits(tmp_path):
    raw = copy_raw(tmp_path / "raw")
    (raw / "survey" / "extra_export.csv").write_text("id\n1\n")
    proc = run_all("--raw-dir", raw, "--update-manifest")
    assert proc.returncode == 0
    assert proc.stdout.splitlines() == ["MANIFEST.sha256 updated:", "  added: survey/extra_export.csv"]
    proc = run_all("--raw-dir", raw, "--update-manifest")
    assert "is current" in proc.stdout
    assert "survey/extra_export.csv" in (raw / config.MANIFEST_NAME).read_text()


def test_repository_manifest_lists_files_in_the_expected_format():
    """The committed manifest is well-formed and covers the SSB frame (it may lag survey files)."""
    recorded = manifest.read(config.DEFAULT_RAW_DIR / config.MANIFEST_NAME)
    assert list(recorded) == sorted(recorded)
    assert "frame/municipalities_2013.csv" in recorded
    assert config.MANIFEST_NAME not in recorded
