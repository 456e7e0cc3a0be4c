"""Shared fixtures: one real build per test session, copies of it, and a toy project.

* ``built`` (session): copies ``data/raw`` to a temporary folder, records its manifest there
  (``--update-manifest``; the repository's own manifest need not be current), and runs
  ``run_all.py --raw-dir <tmp raw> --out-dir <tmp out> -p replicates 20`` once. Every
  pipeline test reads this one build.
* ``second_build``, ``other_build`` (session): a second build of the same raw folder into
  another output root, and a build of a second raw folder (other data, not synthetic); both
  start beside the shared build when the session has tests that use them.
* ``copy_build`` (factory): a private copy of that build for a test that changes something.
* ``toy`` (factory): a tiny synthetic project (four notebooks that run in about a second
  each, a raw folder, a copy of the package source for hashing) driven in-process through
  ``pipeline.run_build`` with an injected :class:`~sosiale_kommuner.build.graph.Project`. Used
  for the incremental and failure tests, which need many builds.
"""
from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from sosiale_kommuner import config

# One BLAS thread per process in the builds the tests start: the session runs whole builds side
# by side, each with two notebooks at once, and multi-threaded BLAS on a busy 2-core machine
# spends its time waiting for its own threads (docs in benchmarks/README.md).
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

REPO = config.REPO_ROOT
#: R ``survey`` reference values and the ``api`` data they were computed on.
ORACLE = Path(__file__).parent / "oracle"
RUN_ALL = REPO / "run_all.py"
#: Passed to every build so the simulation chapter stays quick in tests.
TEST_PARAMS = ("-p", "replicates", "20")


def run_all(*args: str, timeout: float = 1800) -> subprocess.CompletedProcess:
    """``python run_all.py ARGS`` as a subprocess (text output captured)."""
    return subprocess.run([sys.executable, str(RUN_ALL), *map(str, args)], cwd=REPO,
                          capture_output=True, text=True, timeout=timeout)


def copy_raw(dst: Path) -> Path:
    """Copy ``data/raw`` (without its manifest) to ``dst`` and record a manifest there."""
    shutil.copytree(config.DEFAULT_RAW_DIR, dst, ignore=shutil.ignore_patterns(config.MANIFEST_NAME))
    proc = run_all("--raw-dir", dst, "--update-manifest")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return dst


@dataclass
class Build:
    """A finished build: its folders and the completed ``run_all.py`` process."""

    paths: config.Paths
    proc: subprocess.CompletedProcess
    #: the -p arguments the build used (reruns must pass the same to be "unchanged")
    params: tuple[str, ...] = ()

    @property
    def stdout(self) -> str:
        return self.proc.stdout

    @property
    def returncode(self) -> int:
        return self.proc.returncode


def _declared_params() -> set[str]:
    from sosiale_kommuner.build import decisions, graph

    names: set[str] = set()
    project = graph.Project()
    for c in project.chapters:
        if project.notebook(c.stem).is_file():
            names |= set(decisions.declared_parameters(project, c.stem))
    return names


class Pending:
    """``run_all.py ARGS`` started in the background; :meth:`result` waits for it."""

    def __init__(self, *args: str):
        import tempfile

        self.args = [sys.executable, str(RUN_ALL), *map(str, args)]
        # output to files, not pipes: nobody reads a pipe while the build runs beside the tests
        self.out, self.err = tempfile.TemporaryFile("w+"), tempfile.TemporaryFile("w+")
        self.proc = subprocess.Popen(self.args, cwd=REPO, stdout=self.out, stderr=self.err, text=True)

    def result(self, timeout: float = 3600) -> subprocess.CompletedProcess:
        self.proc.wait(timeout=timeout)
        texts = []
        for f in (self.out, self.err):
            f.seek(0)
            texts.append(f.read())
            f.close()
        return subprocess.CompletedProcess(self.args, self.proc.returncode, *texts)


#: Fixtures that need whole builds: the shared one, and the two started beside it. The browser
#: tests' ``report_out`` reads the shared build unless $SOSIALE_KOMMUNER_REPORT_OUT names another.
SHARED, BESIDE = ("built", "copy_build", "report_out"), ("second_build", "other_build")
REPORT_OUT_ENV = "SOSIALE_KOMMUNER_REPORT_OUT"


def _wants(items, fixtures) -> bool:
    return any(set(fixtures) & set(getattr(item, "fixturenames", ())) for item in items)


def pytest_collection_modifyitems(session, config, items):
    """Tests that need no whole build first, then those reading the shared build, then those of
    the builds started beside it: the builds run (from the session's start) while the other
    tests do, instead of one after another."""
    def group(item) -> int:
        names = set(getattr(item, "fixturenames", ()))
        return 2 if names & set(BESIDE) else 1 if names & set(SHARED) else 0
    items[:] = sorted(items, key=group)  # stable: the order within each group is kept


#: The builds of the session, started once (name -> (Pending, paths, params)): the shared one
#: and, when the session has tests of them, a second build of the same raw folder and a build
#: of other data. They run side by side and beside the tests that need none of them: a build
#: alone leaves a core idle much of the time (the 00 -> 02 -> 03 chain, the book step).
_BUILDS: dict[str, tuple[Pending, config.Paths, tuple[str, ...]]] = {}


@pytest.fixture(scope="session", autouse=True)
def _start_builds(request, tmp_path_factory):
    """Start the session's whole builds (in the background) if any selected test needs one."""
    items = request.session.items
    needs = SHARED + BESIDE if not os.environ.get(REPORT_OUT_ENV, "").strip() else ("built", "copy_build") + BESIDE
    if not _wants(items, needs):
        return
    from sosiale_kommuner.build.kernel import ensure_kernel

    ensure_kernel()  # registered once, before builds run side by side
    root = tmp_path_factory.mktemp("build")
    raw = copy_raw(root / "raw")
    out = root / "out"
    # -p replicates only when some notebook declares it (run_all rejects unknown parameters)
    params = tuple(TEST_PARAMS) if "replicates" in _declared_params() else ()
    _BUILDS["shared"] = (Pending("--raw-dir", raw, "--out-dir", out, *params), config.paths(raw, out), params)
    if _wants(items, ("second_build",)):
        out2 = tmp_path_factory.mktemp("second-build") / "elsewhere" / "out"
        _BUILDS["second"] = (Pending("--raw-dir", raw, "--out-dir", out2, "--no-pdf", *params),
                             config.paths(raw, out2), params)
    if _wants(items, ("other_build",)):
        other = tmp_path_factory.mktemp("other")
        other_raw = make_other_raw(other / "raw")
        _BUILDS["other"] = (Pending("--raw-dir", other_raw, "--out-dir", other / "out", "--no-pdf", *params),
                            config.paths(other_raw, other / "out"), params)


def _finished(name: str) -> Build:
    pending, paths, params = _BUILDS.pop(name)
    return Build(paths, pending.result(), params)


@pytest.fixture(scope="session")
def built(_start_builds) -> Build:
    """The whole pipeline built once into a temporary output root (started with the session)."""
    return _finished("shared")


@pytest.fixture(scope="session")
def second_build(built) -> Build:
    """A second build of the shared build's raw folder and parameters into another output root,
    without PDFs (started beside the shared build)."""
    return _finished("second")


@pytest.fixture
def copy_build(built, tmp_path):
    """Factory: a private copy of the shared build (raw folder and output root)."""

    def make(name: str = "copy") -> config.Paths:
        dst = tmp_path / name
        shutil.copytree(built.paths.raw, dst / "raw", symlinks=True)
        shutil.copytree(built.paths.out, dst / "out", symlinks=True)
        return config.paths(dst / "raw", dst / "out")

    return make


# --- the toy project ----------------------------------------------------------------

def _toy_notebook(path: Path, params: str, body: str) -> None:
    import nbformat

    nb = nbformat.v4.new_notebook()
    p = nbformat.v4.new_code_cell(params)
    p.metadata["tags"] = ["parameters"]
    nb.cells = [p, nbformat.v4.new_markdown_cell(f"# {path.stem} (toy chapter, synthetic)"),
                nbformat.v4.new_code_cell(body)]
    nb.metadata["kernelspec"] = {"name": config.KERNEL_NAME, "display_name": "Python (sosiale-kommuner)",
                                 "language": "python"}
    nbformat.write(nb, path)


TOY_HEAD = "raw_dir = None\nout_dir = None\n"
TOY_PATHS = ("from pathlib import Path\nfrom sosiale_kommuner import config\n"
             "P = config.paths(raw_dir, out_dir)\nP.processed.mkdir(parents=True, exist_ok=True)\n"
             "P.tables.mkdir(parents=True, exist_ok=True)\n")

#: stem -> (parameters cell, body). 01_b reads 00_a's output; 03_d reads 01_b's; 02_c is
#: independent and the only one importing ``sosiale_kommuner.data.frame``.
TOY_NOTEBOOKS = {
    "00_a": (TOY_HEAD, TOY_PATHS +
             "text = (P.raw / 'toy' / 'a.txt').read_text()\n"
             "(P.processed / 'a.txt').write_text(text)\n"
             "(P.tables / '00_a__t.csv').write_text('x\\n' + str(len(text)) + '\\n')\nprint('a:', text)\n"),
    "01_b": (TOY_HEAD + "factor = 1\nfail = False\n", TOY_PATHS +
             "assert not fail, 'asked to fail'\n"
             "text = (P.processed / 'a.txt').read_text() * factor\n"
             "(P.processed / 'b.txt').write_text(text)\n"
             "(P.tables / '01_b__t.csv').write_text('x\\n' + str(len(text)) + '\\n')\nprint('b:', text)\n"),
    "02_c": (TOY_HEAD + "fail = False\n", TOY_PATHS + "from sosiale_kommuner.data import frame\n"
             "assert not fail, 'asked to fail'\n"
             "text = (P.raw / 'toy' / 'c.txt').read_text()\n"
             "(P.tables / '02_c__t.csv').write_text('x\\n' + str(len(text)) + '\\n')\nprint('c:', text)\n"),
    "03_d": (TOY_HEAD, TOY_PATHS +
             "text = (P.processed / 'b.txt').read_text()\n"
             "(P.tables / '03_d__t.csv').write_text('x\\n' + str(len(text)) + '\\n')\nprint('d:', text)\n"),
}


@dataclass
class Toy:
    """A synthetic project in ``root``: notebooks, package copy, raw folder, output root."""

    root: Path
    project: object
    raw: Path
    out: Path

    @property
    def paths(self) -> config.Paths:
        return config.paths(self.raw, self.out)

    @property
    def package_dir(self) -> Path:
        return Path(self.project.package_dir)

    def notebook(self, stem: str) -> Path:
        return Path(self.project.notebook_dir) / f"{stem}.ipynb"

    def build(self, *argv: str):
        """``run_all.py ARGV`` in-process on this toy project; (BuildResult, printed text)."""
        from sosiale_kommuner.build import pipeline

        opts = pipeline.parse_args(["--raw-dir", str(self.raw), "--out-dir", str(self.out), *argv])
        buf = io.StringIO()
        res = pipeline.run_build(opts, self.project, pipeline.Printer(buf))
        return res, buf.getvalue()

    def update_manifest(self) -> str:
        res, text = self.build("--update-manifest")
        assert res.code == 0, text
        return text


def _toy_project(root: Path):
    from sosiale_kommuner.build import graph

    return graph.Project(
        chapters=(
            graph.Chapter("00_a", "Toy A", raw=("toy/a.txt",), writes=("a.txt",)),
            graph.Chapter("01_b", "Toy B", reads=("a.txt",), writes=("b.txt",)),
            graph.Chapter("02_c", "Toy C", raw=("toy/c.txt",)),
            graph.Chapter("03_d", "Toy D", reads=("b.txt",)),
        ),
        notebook_dir=root / "notebooks", package_dir=root / "lib" / "sosiale_kommuner", exporter="plain")


def make_toy(root: Path) -> Toy:
    """A fresh toy project in ``root`` with its manifest recorded (not yet built)."""
    from sosiale_kommuner.build import hashing

    nbdir = root / "notebooks"
    nbdir.mkdir(parents=True)
    for stem, (params, body) in TOY_NOTEBOOKS.items():
        _toy_notebook(nbdir / f"{stem}.ipynb", params, body)
    shutil.copytree(hashing.PACKAGE_DIR, root / "lib" / "sosiale_kommuner",
                    ignore=shutil.ignore_patterns("__pycache__"))
    raw = root / "raw"
    (raw / "toy").mkdir(parents=True)
    (raw / "toy" / "a.txt").write_text("alpha")
    (raw / "toy" / "c.txt").write_text("gamma")
    t = Toy(root, _toy_project(root), raw, root / "out")
    t.update_manifest()
    return t


def clone_toy(toy: Toy, root: Path) -> Toy:
    """A copy of ``toy`` (sources, raw folder, outputs and build state) in ``root``."""
    shutil.copytree(toy.root, root, symlinks=True)
    return Toy(root, _toy_project(root), root / "raw", root / "out")


@pytest.fixture
def toy(tmp_path):
    """Factory: a fresh toy project with its manifest recorded (not yet built)."""
    return lambda name="toy": make_toy(tmp_path / name)


# --- shared by the unit tests ----------------------------------------------------------

@pytest.fixture(scope="module")
def ref() -> dict:
    """``tests/oracle/reference.json``: R survey's reference values (see its README)."""
    import json

    return json.loads((ORACLE / "reference.json").read_text())


def load_oracle(name: str):
    """One of R's ``api`` data sets (``apistrat``, ``apiclus1``, ``apisrs``, ``apipop``), R's row order."""
    import pandas as pd

    return pd.read_csv(ORACLE / "data" / f"{name}.csv", dtype={"cds": str})


@pytest.fixture(scope="module")
def book():
    """The shipped codebook."""
    from sosiale_kommuner.data import codebook

    return codebook.load_codebook(config.DEFAULT_RAW_DIR)


@pytest.fixture(scope="module")
def population():
    """The population frame of the shipped raw folder."""
    from sosiale_kommuner.data import frame

    return frame.load_population(config.DEFAULT_RAW_DIR / "frame")


@pytest.fixture(scope="module")
def shipped(population):
    """The shipped exports, cleaned (a fresh result per test module)."""
    from sosiale_kommuner.data import cleaning

    return cleaning.run_cleaning(config.DEFAULT_RAW_DIR, population)


# --- a second raw folder: other data, not synthetic --------------------------------------

#: Response counts of the second raw folder (the shipped data have 200 + 11, pre-survey 161).
OTHER_COUNTS = {"kommune": 190, "fylkeskommune": 13, "presurvey": 140}
OTHER_SEED = 2024


def make_other_raw(dst: Path) -> Path:
    """A raw folder like a real one: the generator with another seed and other response counts,
    ``synthetic: false``, no ``truth.yaml`` and no ``generator_params.yaml`` — so every page must
    speak of these data and the simulation appendices must estimate their generator parameters."""
    import yaml

    shutil.copytree(config.DEFAULT_RAW_DIR, dst, ignore=shutil.ignore_patterns(config.MANIFEST_NAME))
    params_path = dst / "survey" / "generator_params.yaml"
    params = yaml.safe_load(params_path.read_text(encoding="utf-8"))
    params["seed"] = OTHER_SEED
    params["response"]["kommune"]["count"] = OTHER_COUNTS["kommune"]
    params["response"]["fylkeskommune"]["count"] = OTHER_COUNTS["fylkeskommune"]
    params["presurvey"]["count"] = OTHER_COUNTS["presurvey"]
    params_path.write_text(yaml.safe_dump(params, allow_unicode=True, sort_keys=False), encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "sosiale_kommuner.data.synth", "--seed", str(OTHER_SEED),
                           "--raw-dir", str(dst)], cwd=REPO, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    (dst / "survey" / "truth.yaml").unlink()
    # a real raw folder has no generator parameters either: the appendices estimate them
    params_path.unlink()
    (dst / "survey" / "SYNTHETIC.yaml").write_text("synthetic: false\n", encoding="utf-8")
    proc = run_all("--raw-dir", dst, "--update-manifest")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return dst


@pytest.fixture(scope="session")
def other_build(built) -> Build:
    """Every chapter built once from the second raw folder (:func:`make_other_raw`), without
    PDFs (started beside the shared build)."""
    return _finished("other")
