#!/usr/bin/env python
"""Benchmark the reproduction, run by hand (not a test):

    .venv/bin/python benchmarks/bench_pipeline.py [--repeat 3] [--jobs N] [-p KEY VALUE ...]

On the same machine, in one run, side by side (each repeated ``--repeat`` times):

(a) the naive baseline: for each notebook in run order, the ``papermill`` command line
    (with ``SOSIALE_KOMMUNER_EDITIONS=nb,en``, so that the chapter renders both editions as
    under the build) and then ``jupyter nbconvert --to html --no-input`` on the command
    line, once per edition;
(b) ``python run_all.py --force`` (which also writes the book's PDFs, a step (a) has no
    counterpart for: its seconds, as run_all reports them, are printed, and (b)/(a) also
    without them);
(c) a second ``python run_all.py`` with nothing changed;
(d) ``python run_all.py`` after editing one cell of one chapter notebook (``--edit STEM``,
    default the last chapter in run order), which must rerun only that chapter and its
    dependents.

It prints minimum, median and maximum wall time of each, the ratio (b)/(a), and how much
of (b) is the notebooks' own computation: the sum over all executed cells of the time
papermill records for each (``metadata.papermill.duration``), which is what remains if
kernel start-up, imports of the execution stack, export and scheduling cost nothing.

Everything runs on a frozen copy: the script first clones the repository's last commit
(``git clone``) into a temporary folder and reruns itself there with ``PYTHONPATH``
pointing at the clone's ``lib/``, so the package, notebooks and raw files measured are
exactly that commit's, whatever happens in the working tree meanwhile (``--no-clone``
measures the working tree as it is). Inside the clone it works on copies: the raw folder
(with its manifest recorded there), the notebooks (edited for (d)), fresh output roots.
The repository itself is not touched.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sosiale_kommuner import config
from sosiale_kommuner.build import decisions, graph, options, pipeline

PY = sys.executable
BIN = Path(PY).parent
RUN_ALL = config.REPO_ROOT / "run_all.py"


#: What the build sets for every chapter so that it renders both editions; (a) sets it too, so
#: that the naive loop does the same work (and exports each edition).
EDITIONS = {"SOSIALE_KOMMUNER_EDITIONS": "nb,en"}


def sh(cmd: list[str], **kw) -> subprocess.CompletedProcess:
    proc = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, cwd=config.REPO_ROOT, **kw)
    return proc


def timed(cmd: list[str]) -> tuple[float, subprocess.CompletedProcess]:
    t0 = time.perf_counter()
    proc = sh(cmd)
    return time.perf_counter() - t0, proc


def machine() -> str:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f", {kb / 1024 / 1024:.1f} GiB RAM"
    except (OSError, ValueError, IndexError):
        pass
    load = ", load average %.2f %.2f %.2f" % os.getloadavg() if hasattr(os, "getloadavg") else ""
    return (f"{platform.system()} {platform.release()}, {model or platform.processor()}, "
            f"{os.cpu_count()} logical cores{mem}{load}; Python {platform.python_version()}")


def cell_seconds(nb_path: Path) -> float:
    """Sum of papermill's per-cell durations in an executed notebook."""
    nb = json.loads(nb_path.read_text(encoding="utf-8"))
    return sum(float((c.get("metadata", {}).get("papermill", {}) or {}).get("duration") or 0.0)
               for c in nb.get("cells", []))


def summary(xs: list[float]) -> str:
    return f"min {min(xs):7.2f} s   median {statistics.median(xs):7.2f} s   max {max(xs):7.2f} s"


FROZEN_ENV = "SK_BENCH_FROZEN"


def rerun_in_clone(argv: list[str]) -> int:
    """Clone HEAD to a temporary folder and run this script there (see the docstring)."""
    tmp = Path(tempfile.mkdtemp(prefix="sk-bench-clone-"))
    try:
        repo = tmp / "repo"
        subprocess.run(["git", "clone", "--quiet", "--no-hardlinks", str(config.REPO_ROOT), str(repo)],
                       check=True)
        head = subprocess.run(["git", "-C", str(repo), "log", "-1", "--format=%h %s"],
                              capture_output=True, text=True).stdout.strip()
        print(f"Measuring commit {head} (a clone in {tmp})", flush=True)
        env = dict(os.environ, PYTHONPATH=str(repo / "lib"), **{FROZEN_ENV: "1"})
        return subprocess.run([PY, str(repo / "benchmarks" / Path(__file__).name), *argv], env=env,
                              cwd=repo).returncode
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def main() -> int:
    if "--no-clone" not in sys.argv and not os.environ.get(FROZEN_ENV):
        return rerun_in_clone(sys.argv[1:])
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeat", type=int, default=3, help="runs of each measurement (default 3)")
    ap.add_argument("--jobs", type=int, default=0, help="--jobs for run_all (default: cores)")
    ap.add_argument("--edit", default=None, help="chapter whose notebook (d) edits (default: last)")
    ap.add_argument("-p", nargs=2, action="append", default=[], metavar=("KEY", "VALUE"),
                    help="parameters for both (a) and (b)-(d), e.g. -p replicates 20")
    ap.add_argument("--only", action="append", default=[], metavar="STEM|NN",
                    help="measure these chapters and what they need (default: all runnable)")
    ap.add_argument("--keep", action="store_true", help="keep the temporary folder")
    ap.add_argument("--no-clone", action="store_true",
                    help="measure the working tree as it is instead of a clone of HEAD")
    args = ap.parse_args()

    project = graph.Project()
    present = [c.stem for c in project.chapters if project.notebook(c.stem).is_file()]
    unproduced = {s for s in present if project.unproduced(s)}
    wanted = project.order(args.only) if args.only else present
    order = [s for s in project.order(wanted) if s in present and s not in unproduced]
    # a chapter whose inputs can't be built can't be timed; the ones needing it neither
    order = [s for s in order if all(d in order for d in project.dependencies(s))]
    if not order:
        print("no runnable notebooks")
        return 1
    declared = {s: decisions.declared_parameters(project, s) for s in order}
    params = [(k, v) for k, v in args.p]
    stems_arg = [a for s in order for a in ("--only", s)]

    assert Path(pipeline.__file__).resolve().is_relative_to(config.REPO_ROOT)
    tmp = Path(tempfile.mkdtemp(prefix="sk-bench-"))
    try:
        raw = tmp / "raw"
        shutil.copytree(config.DEFAULT_RAW_DIR, raw, ignore=shutil.ignore_patterns(config.MANIFEST_NAME))
        sh([PY, RUN_ALL, "--raw-dir", raw, "--update-manifest"]).check_returncode()
        nbdir = tmp / "notebooks"
        shutil.copytree(config.NOTEBOOK_DIR, nbdir)
        print(f"Machine: {machine()}")
        print(f"Notebooks ({len(order)}): {', '.join(order)}")
        if params:
            print("Parameters: " + ", ".join(f"{k}={v}" for k, v in params))
        jobs = args.jobs or os.cpu_count() or 1
        print(f"run_all --jobs {jobs}; {args.repeat} runs of each\n")

        base_args = ["--raw-dir", raw, "--notebook-dir", nbdir, "--jobs", str(jobs), *stems_arg]
        for k, v in params:
            base_args += ["-p", k, v]

        a_times, b_times, c_times, d_times, compute, pdf_times = [], [], [], [], [], []
        reran_d: list[str] = []
        edit = args.edit or order[-1]
        for i in range(args.repeat):
            # (a) naive: papermill CLI then nbconvert CLI, per notebook, in order
            out_a = tmp / f"a{i}"
            t0 = time.perf_counter()
            for stem in order:
                dst = out_a / "executed" / f"{stem}.ipynb"
                dst.parent.mkdir(parents=True, exist_ok=True)
                cmd = [BIN / "papermill", nbdir / f"{stem}.ipynb", dst, "-k", config.KERNEL_NAME,
                       "--cwd", nbdir, "-p", "raw_dir", raw, "-p", "out_dir", out_a]
                for k, v in params:
                    if k in declared[stem]:
                        cmd += ["-p", k, v]
                p = sh(cmd, env=dict(os.environ, **EDITIONS))
                if p.returncode:
                    print(f"(a) papermill failed on {stem}:\n{p.stderr[-2000:]}")
                    return 1
                for edition in ("", "en"):  # one export per edition, as (b) writes
                    p = sh([BIN / "jupyter", "nbconvert", "--to", "html", "--no-input", dst,
                            "--output-dir", out_a / "reports" / edition])
                    if p.returncode:
                        print(f"(a) nbconvert failed on {stem}:\n{p.stderr[-2000:]}")
                        return 1
            a_times.append(time.perf_counter() - t0)
            print(f"run {i + 1}: (a) naive            {a_times[-1]:7.2f} s")

            # (b) run_all --force into a fresh output root
            out_b = tmp / f"b{i}"
            dt, p = timed([PY, RUN_ALL, *base_args, "--out-dir", out_b, "--force"])
            if p.returncode == options.EXIT_LEAK:
                print("(b) warning: the leak scan reported findings (timing kept):\n"
                      + "\n".join(x for x in p.stdout.splitlines() if x.startswith("  ")))
            elif p.returncode:
                print(f"(b) failed:\n{p.stdout[-3000:]}{p.stderr[-2000:]}")
                return 1
            b_times.append(dt)
            compute.append(sum(cell_seconds(out_b / ".pipeline" / "executed" / f"{s}.ipynb") for s in order))
            # the book's PDFs, which (a) does not make: run_all prints "PDF: ... in X s"
            pdf = next((float(m.group(1)) for line in p.stdout.splitlines()
                        if (m := re.match(r"PDF: .* in ([0-9.]+) s", line))), 0.0)
            pdf_times.append(pdf)
            print(f"run {i + 1}: (b) run_all --force  {dt:7.2f} s  (cells: {compute[-1]:.2f} s; PDFs: {pdf:.1f} s)")
            tfile = out_b / ".pipeline" / "timings.json"
            if tfile.is_file():
                phases: dict[str, float] = {}
                for t in json.loads(tfile.read_text()).values():
                    for k, v in t.items():
                        phases[k] = phases.get(k, 0.0) + v
                first = next((line for line in p.stdout.splitlines() if " runs: " in line), "")
                lead = first.split("]")[0].strip("[ s") if first else "?"
                print("        phases summed over notebooks: "
                      + ", ".join(f"{k} {v:.1f} s" for k, v in sorted(phases.items()))
                      + f"; first notebook dispatched after {lead} s")

            # (c) nothing changed
            dt, p = timed([PY, RUN_ALL, *base_args, "--out-dir", out_b])
            c_times.append(dt)
            if "runs:" in p.stdout:
                print(f"(c) ran something:\n{p.stdout}")
            print(f"run {i + 1}: (c) unchanged rerun  {dt:7.2f} s")

            # (d) edit one cell of one notebook (a statement that does nothing), rerun
            path = nbdir / f"{edit}.ipynb"
            nb = json.loads(path.read_text(encoding="utf-8"))
            cell = [c for c in nb["cells"] if c["cell_type"] == "code"][-1]
            src = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
            cell["source"] = src + f"\n_benchmark_edit = {i + 1}"
            path.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
            dt, p = timed([PY, RUN_ALL, *base_args, "--out-dir", out_b])
            d_times.append(dt)
            reran_d = sorted({line.split()[2] for line in p.stdout.splitlines() if " runs: " in line})
            print(f"run {i + 1}: (d) after edit      {dt:7.2f} s  (ran: {', '.join(reran_d)})")

        expected = sorted(s for s in order if s == edit or edit in _upstream(project, s))
        print("\nResults (wall time, whole process)")
        print(f"(a) naive papermill + nbconvert CLI   {summary(a_times)}")
        print(f"(b) run_all.py --force                {summary(b_times)}")
        print(f"(c) run_all.py, nothing changed       {summary(c_times)}")
        print(f"(d) run_all.py, one cell of {edit} edited  {summary(d_times)}")
        ratio = statistics.median(b_times) / statistics.median(a_times)
        print(f"(b)/(a) = {ratio:.2f} (medians; target <= 0.45)")
        pairs = [b / a for a, b in zip(a_times, b_times)]
        print(f"(b)/(a) run by run: {', '.join(f'{r:.2f}' for r in pairs)}")
        if any(pdf_times):
            nopdf = [(b - f) / a for a, b, f in zip(a_times, b_times, pdf_times)]
            print(f"(b) without the PDF step (which (a) does not do): (b)/(a) = "
                  f"{statistics.median([b - f for b, f in zip(b_times, pdf_times)]) / statistics.median(a_times):.2f} "
                  f"(medians); run by run {', '.join(f'{r:.2f}' for r in nopdf)}")
        cm = statistics.median(compute)
        print(f"notebooks' own computation (sum of cell times) in (b): median {cm:.2f} s = "
              f"{cm / statistics.median(b_times):.0%} of (b)'s wall time with {jobs} jobs")
        print(f"(c) target < 1.5 s: median {statistics.median(c_times):.2f} s")
        print(f"(d) reran {', '.join(reran_d)}; expected {', '.join(expected)}: "
              f"{'ok' if reran_d == expected else 'MISMATCH'}")
    finally:
        if args.keep:
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    return 0


def _upstream(project: graph.Project, stem: str) -> set[str]:
    """All chapters ``stem`` depends on, transitively."""
    seen: set[str] = set()
    stack = list(project.dependencies(stem))
    while stack:
        s = stack.pop()
        if s not in seen:
            seen.add(s)
            stack.extend(project.dependencies(s))
    return seen


if __name__ == "__main__":
    sys.exit(main())
