"""run_all.py end to end on the real notebooks: the session's shared build, --only, -p.

The shared build (``built`` in conftest.py) runs every chapter once into a temporary
output root; tests that need to run something again work on a copy (``copy_build``).
"""
from __future__ import annotations

import json

import pandas as pd
import pytest
from conftest import run_all

from sosiale_kommuner import config
from sosiale_kommuner.build import graph, options

pytestmark = [pytest.mark.slow, pytest.mark.pipeline]


def _status(paths) -> dict:
    return json.loads((paths.pipeline_state / "status.json").read_text())


def test_whole_pipeline_builds(built):
    assert built.returncode == 0, built.stdout + built.proc.stderr
    assert "0 failed, 0 skipped" in built.stdout


def test_population_chapter_built(built):
    st = _status(built.paths)["00_population"]
    assert st["state"] == "ok", st
    assert st["error"] is None and len(st["fingerprint"]) == 64
    pop = pd.read_parquet(built.paths.processed / "population.parquet")
    assert len(pop) == 446
    assert pop["unit_type"].value_counts().to_dict() == {"kommune": 428, "fylkeskommune": 18}
    assert pop["unit_id"].is_unique
    sizes = pop.loc[pop["unit_type"] == "kommune", "size_class"].value_counts().sort_index()
    assert sizes.tolist() == [228, 147, 53]
    tables = sorted(p.name for p in built.paths.tables.glob("00_population__*.csv"))
    assert "00_population__size_classes.csv" in tables


def test_population_html_exported_without_code_or_paths(built):
    from sosiale_kommuner.report import text

    html = (built.paths.reports / "00_population.html").read_text(encoding="utf-8")
    assert text.get("00_population", "title", "nb") in html
    assert "Statistisk sentralbyrå" in html
    assert "P = config.paths(raw_dir, out_dir)" not in html          # code cells hidden
    for folder in (built.paths.raw, built.paths.out, config.REPO_ROOT):
        assert str(folder) not in html


def test_every_output_is_free_of_folder_names(built):
    bad = []
    for f in sorted(built.paths.reports.rglob("*")):
        if f.is_file() and f.suffix in (".html", ".csv"):
            text = f.read_text(encoding="utf-8", errors="replace")
            bad += [f"{f.name}: {folder}" for folder in (built.paths.raw, built.paths.out) if str(folder) in text]
    assert bad == []


def test_index_links_every_built_chapter(built):
    index = (built.paths.reports / "index.html").read_text(encoding="utf-8")
    for stem, st in _status(built.paths).items():
        if st["state"] == "ok":
            assert f"{stem}.html" in index


def test_status_has_one_entry_per_chapter_and_is_deterministic(built):
    text = (built.paths.pipeline_state / "status.json").read_text()
    status = json.loads(text)
    assert sorted(status) == sorted(c.stem for c in graph.CHAPTERS)
    assert text == json.dumps(status, sort_keys=True, indent=1, ensure_ascii=False) + "\n"
    for st in status.values():
        assert set(st) >= {"state", "reason", "fingerprint", "error"}
        assert "raw_dir" not in st.get("params", {}) and "out_dir" not in st.get("params", {})


def test_progress_names_each_chapter_with_time(built):
    for c in graph.CHAPTERS:
        assert c.stem in built.stdout
    assert "Done in" in built.stdout


def test_unchanged_rerun_runs_nothing(built, copy_build):
    """(In a working tree others edit meanwhile, chapters whose code changed do rerun.)"""
    P = copy_build()
    proc = run_all("--raw-dir", P.raw, "--out-dir", P.out, *built.params)
    assert " ran," in proc.stdout
    assert "Done in" in proc.stdout and ": 0 ran," in proc.stdout, proc.stdout
    assert "runs:" not in proc.stdout


def test_only_by_number_and_by_stem(copy_build):
    P = copy_build()
    proc = run_all("--raw-dir", P.raw, "--out-dir", P.out, "--only", "00", "--force", "--no-pdf")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Building 1 chapter" in proc.stdout
    assert "00_population          runs: --force" in proc.stdout
    needs = graph.Graph().order(["02_cleaning"]) if any(c.stem == "02_cleaning" for c in graph.CHAPTERS) else None
    if needs:
        proc = run_all("--raw-dir", P.raw, "--out-dir", P.out, "--only", "02_cleaning", "--no-pdf")
        assert f"Building {len(needs)} chapter" in proc.stdout
        for stem in needs:
            assert stem in proc.stdout


def test_parameter_reaches_declaring_notebooks(copy_build):
    P = copy_build()
    proc = run_all("--raw-dir", P.raw, "--out-dir", P.out, "--only", "0", "-p", "lang", "en", "--no-pdf")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert 'parameters changed: lang "nb"→"en"' in proc.stdout
    import nbformat

    nb = nbformat.read(P.pipeline_state / "executed" / "00_population.ipynb", as_version=4)
    injected = [c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert len(injected) == 1 and 'lang = "en"' in injected[0].source
    assert _status(P)["00_population"]["params"]["lang"] == "en"


def test_unknown_parameter_and_unknown_chapter_are_usage_errors(copy_build):
    P = copy_build()
    proc = run_all("--raw-dir", P.raw, "--out-dir", P.out, "-p", "no_such_parameter", "1")
    assert proc.returncode == options.EXIT_USAGE
    assert "no notebook declares" in proc.stdout
    proc = run_all("--raw-dir", P.raw, "--out-dir", P.out, "--only", "99")
    assert proc.returncode == options.EXIT_USAGE
    assert "no such notebook" in proc.stdout


def test_two_output_roots_give_identical_outputs(built, tmp_path):
    """docs/contracts.md §8: same commit, same raw files, two output roots -> byte-identical pages/tables."""
    outs = [tmp_path / "one", tmp_path / "two" / "deeper"]
    for out in outs:
        proc = run_all("--raw-dir", built.paths.raw, "--out-dir", out, "--only", "00_population", "--no-pdf")
        assert proc.returncode == 0, proc.stdout + proc.stderr
    rels = sorted(p.relative_to(outs[0]).as_posix() for p in (outs[0] / "reports").rglob("*") if p.is_file())
    assert "reports/00_population.html" in rels and "reports/index.html" in rels
    for rel in rels:
        assert (outs[1] / rel).read_bytes() == (outs[0] / rel).read_bytes(), rel


def test_help_documents_the_flags():
    proc = run_all("--help")
    assert proc.returncode == 0
    for flag in ("--only", "-p KEY VALUE", "--raw-dir", "--out-dir", "--update-manifest", "--force", "--jobs"):
        assert flag in proc.stdout


def test_parse_value_reads_yaml_scalars():
    assert options.parse_value("20") == 20
    assert options.parse_value("0.5") == 0.5
    assert options.parse_value("true") is True
    assert options.parse_value("[5000, 20000]") == [5000, 20000]
    assert options.parse_value("nb") == "nb"
    assert options.parse_value("2013-01-01") == "2013-01-01"   # not a date object


def test_project_order_puts_dependencies_first():
    project = graph.Project()
    order = project.order()
    for stem in order:
        for dep in project.dependencies(stem):
            assert order.index(dep) < order.index(stem)
    assert project.chapter("0").stem == project.chapter("00_population").stem == "00_population"


def test_ensure_kernel_is_idempotent():
    from jupyter_client.kernelspec import KernelSpecManager

    from sosiale_kommuner.build.kernel import ensure_kernel

    first, second = ensure_kernel(), ensure_kernel()
    assert first == second
    spec = KernelSpecManager().get_kernel_spec(config.KERNEL_NAME)
    assert spec.language == "python"
