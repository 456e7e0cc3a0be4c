"""Skip what is unchanged, rerun exactly the dependents of a change, contain failures.

Runs on the toy project of ``conftest.py`` (four tiny notebooks: 00_a -> 01_b -> 03_d,
and 02_c on its own, the only one importing ``sosiale_kommuner.data.frame``), built in-process
through ``pipeline.run_build`` with real kernels, papermill, doit and nbconvert.
"""
from __future__ import annotations

import json

import pytest
from conftest import clone_toy, make_toy

from sosiale_kommuner.build import options

pytestmark = [pytest.mark.slow, pytest.mark.pipeline]

ALL = ["00_a", "01_b", "02_c", "03_d"]


def _states(res) -> dict[str, str]:
    return {s: o.state for s, o in res.outcomes.items()}


@pytest.fixture(scope="module")
def toy_template(tmp_path_factory):
    """The toy project built once (two workers) for this module; tests get copies."""
    t = make_toy(tmp_path_factory.mktemp("toy") / "toy")
    res, text = t.build("--jobs", "2")
    assert res.code == 0, text
    assert res.ran() == ALL, text
    return t


@pytest.fixture
def toy_built(toy_template, tmp_path):
    return clone_toy(toy_template, tmp_path / "toy")


def test_first_build_writes_outputs_status_and_index(toy_built):
    P = toy_built.paths
    assert (P.processed / "a.txt").read_text() == "alpha"
    assert (P.processed / "b.txt").read_text() == "alpha"
    assert (P.tables / "03_d__t.csv").read_text() == "x\n5\n"
    for stem in ALL:
        assert (P.reports / f"{stem}.html").is_file()
    status = json.loads((P.pipeline_state / "status.json").read_text())
    assert sorted(status) == ALL
    assert {s["state"] for s in status.values()} == {"ok"}
    assert all(len(s["fingerprint"]) == 64 and s["error"] is None for s in status.values())
    index = (P.reports / "index.html").read_text()
    assert all(f'href="{stem}.html"' in index for stem in ALL)
    # staging cleaned up, executed notebooks kept
    assert not any((P.pipeline_state / "staging").iterdir())
    assert (P.pipeline_state / "executed" / "01_b.ipynb").is_file()


def test_unchanged_rerun_executes_nothing(toy_built):
    html = (toy_built.paths.reports / "01_b.html").read_bytes()
    res, text = toy_built.build()
    assert res.code == 0, text
    assert res.ran() == [], text
    assert text.count("up to date") >= 4
    assert (toy_built.paths.reports / "01_b.html").read_bytes() == html


def test_changed_raw_file_reruns_its_chapter_only(toy_built):
    (toy_built.raw / "toy" / "c.txt").write_text("gamma, revised")
    res, text = toy_built.build()
    assert res.code == options.EXIT_MANIFEST            # changed raw file: stop first
    assert "changed (checksum differs): toy/c.txt" in text
    assert res.ran() == []
    assert "changed: toy/c.txt" in toy_built.update_manifest()
    res, text = toy_built.build()
    assert res.code == 0, text
    assert res.ran() == ["02_c"], text
    assert "raw file changed: toy/c.txt" in text
    assert (toy_built.paths.tables / "02_c__t.csv").read_text() == "x\n14\n"


def test_changed_upstream_raw_file_reruns_the_chain(toy_built):
    (toy_built.raw / "toy" / "a.txt").write_text("ALPHA!")
    toy_built.update_manifest()
    res, text = toy_built.build()
    assert res.ran() == ["00_a", "01_b", "03_d"], text
    assert "input changed: a.txt" in text
    assert (toy_built.paths.tables / "03_d__t.csv").read_text() == "x\n6\n"


def test_changed_parameter_reruns_chapters_declaring_it_and_dependents(toy_built):
    res, text = toy_built.build("-p", "factor", "3")
    assert res.code == 0, text
    assert res.ran() == ["01_b", "03_d"], text
    assert 'parameters changed: factor 1→3' in text
    assert (toy_built.paths.processed / "b.txt").read_text() == "alpha" * 3
    # the same value again: nothing to do; back to the default: the two rerun
    assert toy_built.build("-p", "factor", "3")[0].ran() == []
    assert toy_built.build()[0].ran() == ["01_b", "03_d"]


def test_parameter_equal_to_default_changes_nothing(toy_built):
    res, text = toy_built.build("-p", "factor", "1")
    assert res.ran() == [], text


def test_changed_lib_module_reruns_exactly_its_importers(toy_built):
    frame_py = toy_built.package_dir / "data" / "frame.py"
    frame_py.write_text(frame_py.read_text() + "\n# a changed line\n")
    res, text = toy_built.build()
    assert res.ran() == ["02_c"], text
    assert "lib changed: frame" in text
    # a module no toy notebook imports (directly or not) changes nothing
    unused = toy_built.package_dir / "chapters" / "simulation_county.py"
    unused.write_text(unused.read_text() + "\n# unrelated\n")
    assert toy_built.build()[0].ran() == []
    # config is imported by every chapter: all rerun
    cfg = toy_built.package_dir / "config.py"
    cfg.write_text(cfg.read_text() + "\n# everyone\n")
    assert toy_built.build()[0].ran() == ALL


def test_changed_notebook_cell_reruns_it_and_dependents(toy_built):
    import nbformat

    path = toy_built.notebook("00_a")
    nb = nbformat.read(path, as_version=4)
    nb.cells[1].source += "\n\nAn edited paragraph."
    nbformat.write(nb, path)
    res, text = toy_built.build()
    assert "notebook changed" in text
    # 00_a reran; its output is byte-identical, so 01_b and 03_d stay up to date
    assert res.ran() == ["00_a"], text


def test_outputs_only_metadata_change_is_not_a_code_change(toy_built):
    import nbformat

    path = toy_built.notebook("02_c")
    nb = nbformat.read(path, as_version=4)
    nb.metadata["something"] = "else"
    nb.cells[2].outputs = [nbformat.v4.new_output("stream", text="stale output")]
    nb.cells[2].execution_count = 7
    nbformat.write(nb, path)
    assert toy_built.build()[0].ran() == []


def test_missing_or_edited_output_is_rebuilt(toy_built):
    (toy_built.paths.reports / "02_c.html").unlink()
    res, text = toy_built.build()
    assert res.ran() == ["02_c"] and "output missing: reports/02_c.html" in text
    (toy_built.paths.processed / "b.txt").write_text("tampered")
    res, text = toy_built.build()
    assert res.ran() == ["01_b"], text
    assert (toy_built.paths.processed / "b.txt").read_text() == "alpha"


def test_force_reruns_everything(toy_built):
    res, text = toy_built.build("--force", "--jobs", "1")
    assert res.ran() == ALL
    assert text.count("runs: --force") == 4


def test_only_runs_what_the_chapter_needs(toy):
    t = toy()
    res, text = t.build("--only", "03")
    assert res.code == 0, text
    assert res.ran() == ["00_a", "01_b", "03_d"]
    status = json.loads((t.paths.pipeline_state / "status.json").read_text())
    assert status["02_c"]["state"] == "skipped" and "not built yet" in status["02_c"]["reason"]
    res, text = t.build("--only", "02_c")
    assert res.ran() == ["02_c"]


def test_failing_chapter_is_named_with_cell_and_error(toy_built):
    import nbformat

    P = toy_built.paths
    keep = {p: (P.out / p).read_bytes() for p in
            ("reports/01_b.html", "reports/tables/01_b__t.csv", "data/processed/b.txt", "reports/03_d.html")}
    path = toy_built.notebook("01_b")
    nb = nbformat.read(path, as_version=4)
    # write a new output first, then fail: the half-done work must not be published
    nb.cells.append(nbformat.v4.new_code_cell(
        "(P.processed / 'b.txt').write_text('half-written')\n"
        "(P.tables / '01_b__new.csv').write_text('x\\n1\\n')\n"
        "1 / 0"))
    nbformat.write(nb, path)
    (toy_built.raw / "toy" / "c.txt").write_text("gamma 2")
    toy_built.update_manifest()
    res, text = toy_built.build("--jobs", "2")
    assert res.code == options.EXIT_FAILED
    assert _states(res) == {"00_a": "ok", "01_b": "failed", "02_c": "ok", "03_d": "skipped"}
    assert res.ran() == ["01_b", "02_c"]
    assert "FAILED  notebooks/01_b.ipynb: cell 4, line 3 (1 / 0): ZeroDivisionError: division by zero" in text
    assert "SKIPPED notebooks/03_d.ipynb: needs 01_b, which failed" in text
    for rel, data in keep.items():
        assert (P.out / rel).read_bytes() == data, rel
    assert not (P.tables / "01_b__new.csv").exists()
    status = json.loads((P.pipeline_state / "status.json").read_text())
    assert status["01_b"]["state"] == "failed"
    assert status["01_b"]["error"] == {"cell": 4, "line": 3, "ename": "ZeroDivisionError",
                                       "evalue": "division by zero", "source": "1 / 0"}
    assert status["03_d"]["state"] == "skipped"
    # the contents page says, in the edition's words, that the page shown is the last good one
    from sosiale_kommuner.report import text
    assert text.get("index", "status.failed", "nb") in (P.reports / "index.html").read_text()
    assert (P.pipeline_state / "failed" / "01_b.ipynb").is_file()
    # reverting the notebook: the kept outputs are the good ones for this code, so nothing
    # needs to run, and the status is clean again
    nb.cells.pop()
    nbformat.write(nb, path)
    res, text = toy_built.build()
    assert res.code == 0, text
    assert res.ran() == [] and set(_states(res).values()) == {"ok"}
    # a real fix (a changed cell) reruns it and its dependent; 02_c stays up to date
    nb.cells[2].source += "\n# fixed"
    nbformat.write(nb, path)
    res, text = toy_built.build()
    assert res.ran() == ["01_b"], text  # its output is the same, so 03_d stays up to date


def test_undeclared_output_fails_the_chapter(toy_built):
    import nbformat

    path = toy_built.notebook("02_c")
    nb = nbformat.read(path, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell("(P.processed / 'secret.txt').write_text('x')"))
    nbformat.write(nb, path)
    res, text = toy_built.build()
    assert res.code == options.EXIT_FAILED
    assert "data/processed/secret.txt, which build/graph.py doesn't declare" in text
    assert not (toy_built.paths.processed / "secret.txt").exists()


def test_outputs_are_identical_whatever_the_order(toy, tmp_path):
    a, b = toy("one"), toy("two")
    ra, _ = a.build("--jobs", "1")
    rb, _ = b.build("--jobs", "2")
    assert ra.code == rb.code == 0
    for rel in ["reports/00_a.html", "reports/03_d.html", "reports/index.html", "reports/tables/03_d__t.csv",
                ".pipeline/status.json"]:
        assert (a.out / rel).read_bytes() == (b.out / rel).read_bytes(), rel


def test_multicore_chapter_does_not_share_the_machine(toy):
    """A chapter with cores=2 under --jobs 2 runs alone; the others still run two at a time."""
    import dataclasses

    import nbformat

    t = toy()
    chs = tuple(dataclasses.replace(c, cores=2) if c.stem == "02_c" else c for c in t.project.chapters)
    t.project = dataclasses.replace(t.project, chapters=chs)
    log = t.root / "times.log"
    for stem in ALL:
        path = t.notebook(stem)
        nb = nbformat.read(path, as_version=4)
        nb.cells.insert(1, nbformat.v4.new_code_cell("import time\nt_start = time.time()\ntime.sleep(2)"))
        nb.cells.append(nbformat.v4.new_code_cell(
            f"with open({str(log)!r}, 'a') as fh:\n    fh.write(f'{stem} {{t_start}} {{time.time()}}\\n')"))
        nbformat.write(nb, path)
    res, text = t.build("--jobs", "2")
    assert res.code == 0, text
    spans = {}
    for line in log.read_text().splitlines():
        stem, a, b = line.split()
        spans[stem] = (float(a), float(b))
    c0, c1 = spans.pop("02_c")
    for stem, (a, b) in spans.items():
        assert b <= c0 or a >= c1, f"{stem} overlapped the 2-core chapter 02_c"
