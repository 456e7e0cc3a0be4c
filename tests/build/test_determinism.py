"""Byte-identical rebuilds (docs/contracts.md §8).

1. A second build of the same commit on the same raw files, into another output root,
   gives the same bytes for ``reports/**/*.html`` and ``reports/tables/*.csv`` as the
   session's shared build (fixture ``built`` from ``tests/conftest.py``).
2. A change to one raw input changes exactly the pages and tables of the chapters that
   depend on it. The edit is content-neutral (a comment line appended to a YAML file, or a
   blank line to a CSV file), so its checksum changes but no number does: the direct
   readers' pages must change (their footers list the checksum), nothing outside the
   chapters depending on the file (directly or through processed files) may change, and
   since the processed files stay byte-identical, neither may the downstream graph.

The first is a build from scratch started beside the shared one (fixture ``second_build``),
the second rebuilds a copy of the shared build after the edit (so it also shows that only
the readers of the file run again); both with ``run_all.py`` in a subprocess and the same
parameter overrides as the shared build (read from its ``.pipeline/status.json``), without
the PDFs (outside the byte-identity rule).
"""
from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from sosiale_kommuner import config
from sosiale_kommuner.build import graph, hashing

pytestmark = [pytest.mark.pipeline, pytest.mark.slow]

RUN_ALL = config.REPO_ROOT / "run_all.py"
TEXT_SUFFIXES = (".csv", ".yaml", ".yml", ".txt")


def report_digests(out: Path) -> dict[str, str]:
    """sha256 of every ``reports/**/*.html`` and ``reports/tables/*.csv``, by relative path."""
    reports = Path(out) / "reports"
    files = sorted(reports.rglob("*.html")) + sorted((reports / "tables").glob("*.csv"))
    return {f.relative_to(out).as_posix(): hashlib.sha256(f.read_bytes()).hexdigest() for f in files}


def build_overrides(out: Path) -> list[str]:
    """``-p KEY VALUE`` arguments reproducing the parameters of the build in ``out``.

    A parameter is passed when every chapter that ran with it used the same value (passing
    a default is a no-op); chapters with differing values keep their own defaults.
    """
    status = json.loads((Path(out) / ".pipeline" / "status.json").read_text(encoding="utf-8"))
    values: dict[str, set[str]] = {}
    for entry in status.values():
        for key, value in (entry.get("params") or {}).items():
            values.setdefault(key, set()).add(json.dumps(value, sort_keys=True))
    args: list[str] = []
    for key, vals in sorted(values.items()):
        if len(vals) == 1 and key not in hashing.PATH_PARAMETERS:
            args += ["-p", key, vals.pop()]
    return args


def run_all(*args: str, timeout: float = 3600) -> subprocess.CompletedProcess:
    proc = subprocess.run([sys.executable, str(RUN_ALL), *args], capture_output=True, text=True,
                          timeout=timeout, cwd=config.REPO_ROOT)
    assert proc.returncode == 0, f"run_all.py {' '.join(args)} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}"
    return proc


def chapter_of(rel: str) -> str | None:
    name = Path(rel).name
    if name == "index.html":
        return None
    return name.split("__")[0].removesuffix(".html").removesuffix(".csv")


def pick_raw_file(paths: config.Paths) -> tuple[str, set[str]]:
    """A raw file to edit and the chapters reading it directly.

    Preference: a YAML file (a comment line is a content-neutral edit for certain), then the
    fewest dependent chapters (so that many chapters must stay unchanged), then name.
    """
    readers: dict[str, set[str]] = {}
    for c in graph.CHAPTERS:
        for f in hashing.raw_files(c, paths):
            readers.setdefault(f.relative_to(paths.raw).as_posix(), set()).add(c.stem)
    candidates = sorted((not rel.endswith((".yaml", ".yml")), len(dependents(s)), len(s), rel)
                        for rel, s in readers.items() if rel.endswith(TEXT_SUFFIXES))
    if not candidates:
        pytest.skip("no chapter reads a text raw file")
    rel = candidates[0][-1]
    return rel, readers[rel]


def neutral_edit(path: Path) -> None:
    """Change the bytes of ``path`` but not what any reader makes of it."""
    data = path.read_bytes()
    if path.suffix in (".yaml", ".yml"):
        path.write_bytes(data.rstrip(b"\n") + b"\n# content-neutral edit (test_determinism)\n")
    else:  # a trailing blank line; CSV readers skip it
        path.write_bytes(data.rstrip(b"\n") + b"\n\n")


def dependents(direct: set[str]) -> set[str]:
    """Chapters that read ``direct`` chapters' outputs, transitively, plus ``direct``."""
    return {c.stem for c in graph.CHAPTERS if set(graph.Graph().order([c.stem])) & direct}


def require_ok(built) -> None:
    """The shared build must have succeeded for a comparison to mean anything."""
    code = getattr(built, "returncode", 0)
    assert code == 0, f"the shared build failed (exit {code}):\n{getattr(built, 'stdout', '')[-3000:]}"


def test_second_build_is_byte_identical(built, second_build):
    require_ok(built)
    first, out2 = Path(built.paths.out), Path(second_build.paths.out)
    want = report_digests(first)
    assert any(k.endswith(".html") and not k.endswith("index.html") for k in want), "shared build has chapter pages"
    assert second_build.params == built.params  # the same parameter overrides
    assert second_build.returncode == 0, second_build.stdout[-3000:] + second_build.proc.stderr[-3000:]
    got = report_digests(out2)
    assert sorted(got) == sorted(want), "the same files"
    differ = sorted(k for k in want if want[k] != got[k])
    assert not differ, f"differ between two builds: {differ}"
    for page in (out2 / "reports").rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        assert str(out2) not in text and str(first) not in text, f"{page.name} prints an output folder"
        assert str(built.paths.raw) not in text, f"{page.name} prints the raw folder"


def test_raw_change_changes_exactly_dependent_chapters(built, tmp_path_factory):
    require_ok(built)
    first = Path(built.paths.out)
    before = report_digests(first)
    # a copy of the shared build, rebuilt after the edit: what reruns is what changed
    root = tmp_path_factory.mktemp("raw-change")
    raw2, out3 = root / "raw", root / "out"
    shutil.copytree(built.paths.raw, raw2)
    shutil.copytree(first, out3, symlinks=True)
    rel, direct = pick_raw_file(config.paths(raw2, out3))
    target = raw2 / rel
    neutral_edit(target)
    run_all("--raw-dir", str(raw2), "--update-manifest")
    run_all("--raw-dir", str(raw2), "--out-dir", str(out3), "--no-pdf", *build_overrides(first))
    after = report_digests(out3)
    assert sorted(after) == sorted(before)
    changed = {k for k in before if before[k] != after[k]}
    affected = dependents(direct)
    outside = sorted(k for k in changed if chapter_of(k) is not None and chapter_of(k) not in affected)
    assert not outside, f"{rel} changed pages/tables of chapters that don't read it: {outside}"
    pages = {chapter_of(k) for k in changed if k.endswith(".html") and chapter_of(k)}
    assert direct <= pages, f"pages of {sorted(direct - pages)} don't show the new checksum of {rel}"
    # the edit is content-neutral: downstream chapters get byte-identical processed inputs,
    # so only the direct readers' pages (their footers' checksums) may change
    touched = {chapter_of(k) for k in changed if chapter_of(k)}
    assert touched == direct, f"changed: {sorted(touched)}; expected only the readers of {rel}: {sorted(direct)}"
    new_digest = hashlib.sha256(target.read_bytes()).hexdigest()
    for stem in direct:
        assert new_digest in (out3 / "reports" / f"{stem}.html").read_text(encoding="utf-8")
