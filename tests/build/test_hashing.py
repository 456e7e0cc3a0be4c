"""Content hashes: what changes a chapter's code hash and fingerprint, and what doesn't."""
from __future__ import annotations

import shutil

import nbformat
import pytest

from sosiale_kommuner import config
from sosiale_kommuner.build import graph, hashing


def _nb(path, *cells):
    nb = nbformat.v4.new_notebook()
    nb.cells = list(cells)
    nbformat.write(nb, path)


@pytest.fixture
def proj(tmp_path):
    """A notebook folder and a copy of the package source."""
    nbdir = tmp_path / "nb"
    nbdir.mkdir()
    pkg = tmp_path / "pkg" / "sosiale_kommuner"
    shutil.copytree(hashing.PACKAGE_DIR, pkg, ignore=shutil.ignore_patterns("__pycache__"))
    _nb(nbdir / "x.ipynb",
        nbformat.v4.new_code_cell("raw_dir = None\nout_dir = None"),
        nbformat.v4.new_markdown_cell("# Title"),
        nbformat.v4.new_code_cell("%matplotlib inline\nfrom sosiale_kommuner.data import frame\n"
                                  "import sosiale_kommuner.files as f"))
    return nbdir, pkg


def test_lib_modules_follow_imports_transitively(proj):
    nbdir, pkg = proj
    mods = hashing.lib_modules("x", notebook_dir=nbdir, package_dir=pkg)
    # frame imports config (relative import); every import runs the package __init__
    assert mods == ["sosiale_kommuner", "sosiale_kommuner.config", "sosiale_kommuner.data",
                    "sosiale_kommuner.data.frame", "sosiale_kommuner.files"]


def test_code_hash_ignores_outputs_metadata_and_whitespace(proj):
    nbdir, pkg = proj
    before = hashing.code_hash("x", notebook_dir=nbdir, package_dir=pkg)
    nb = nbformat.read(nbdir / "x.ipynb", as_version=4)
    nb.metadata["kernelspec"] = {"name": "other"}
    nb.cells[2].outputs = [nbformat.v4.new_output("stream", text="hello")]
    nb.cells[2].execution_count = 3
    nb.cells[1].source = "# Title   \r\n\n"
    nbformat.write(nb, nbdir / "x.ipynb")
    assert hashing.code_hash("x", notebook_dir=nbdir, package_dir=pkg) == before
    nb.cells[1].source = "# Another title"
    nbformat.write(nb, nbdir / "x.ipynb")
    assert hashing.code_hash("x", notebook_dir=nbdir, package_dir=pkg) != before


def test_code_hash_changes_with_imported_modules_only(proj):
    nbdir, pkg = proj
    before = hashing.code_hash("x", notebook_dir=nbdir, package_dir=pkg)
    (pkg / "survey" / "weighting.py").write_text((pkg / "survey" / "weighting.py").read_text() + "\n# not imported\n")
    assert hashing.code_hash("x", notebook_dir=nbdir, package_dir=pkg) == before
    (pkg / "config.py").write_text((pkg / "config.py").read_text() + "\n# imported by frame\n")
    assert hashing.code_hash("x", notebook_dir=nbdir, package_dir=pkg) != before


def test_code_hash_is_independent_of_location(proj, tmp_path):
    nbdir, pkg = proj
    other = tmp_path / "elsewhere"
    shutil.copytree(nbdir.parent, other)
    assert hashing.code_hash("x", notebook_dir=nbdir, package_dir=pkg) == \
        hashing.code_hash("x", notebook_dir=other / "nb", package_dir=other / "pkg" / "sosiale_kommuner")


def test_raw_checksums_are_keyed_by_posix_path_inside_raw(tmp_path):
    raw = tmp_path / "raw"
    (raw / "survey").mkdir(parents=True)
    (raw / "survey" / "main_survey.csv").write_text("a\n")
    (raw / "survey" / "main_survey.xlsx").write_bytes(b"PK")
    (raw / "survey" / "codebook.yaml").write_text("x: 1\n")
    (raw / config.MANIFEST_NAME).write_text("")
    P = config.paths(raw, tmp_path / "out")
    ch = graph.Chapter("zz", "t", raw=("survey/main_survey.*", "survey/codebook.yaml"))
    sums = hashing.raw_checksums(ch, P)
    assert list(sums) == ["survey/codebook.yaml", "survey/main_survey.csv", "survey/main_survey.xlsx"]
    assert sums["survey/main_survey.csv"] == hashing.sha256_bytes(b"a\n")


def test_fingerprint_ignores_folders_but_not_parameters_or_inputs(tmp_path):
    raw = tmp_path / "raw"
    (raw / "frame").mkdir(parents=True)
    (raw / "frame" / "municipalities_2013.csv").write_text("x\n")
    ch = graph.Chapter("00_population", "t", raw=("frame/*.csv",), reads=("population.parquet",))
    P1 = config.paths(raw, tmp_path / "out1")
    P2 = config.paths(raw, tmp_path / "out2")
    f1 = hashing.chapter_fingerprint(ch, P1, {"lang": "en", "out_dir": "/a", "raw_dir": "/b"})
    assert f1 == hashing.chapter_fingerprint(ch, P2, {"lang": "en"})
    assert f1 != hashing.chapter_fingerprint(ch, P1, {"lang": "nb"})
    (P1.processed).mkdir(parents=True)
    (P1.processed / "population.parquet").write_bytes(b"data")
    assert f1 != hashing.chapter_fingerprint(ch, P1, {"lang": "en"})


def test_real_population_chapter_uses_frame_but_not_weighting():
    mods = hashing.lib_modules("00_population")
    assert "sosiale_kommuner.data.frame" in mods and "sosiale_kommuner.config" in mods
    assert "sosiale_kommuner.survey.weighting" not in mods and "sosiale_kommuner.chapters.weighting" not in mods
