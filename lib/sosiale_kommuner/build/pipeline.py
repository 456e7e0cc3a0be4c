"""One build, start to end: verify raw files, run what changed, export, index, scan.

``run_all.py`` is a thin wrapper around :func:`main`. One build:

1. verifies the raw folder against ``MANIFEST.sha256`` (:mod:`.manifest`);
2. makes sure the project's kernel is registered (:mod:`.kernel`);
3. decides for every selected chapter whether it must run, and why (:mod:`.decisions`);
4. runs those chapters (:mod:`.engine`, :mod:`.executor`: staging, papermill, export,
   atomic commit), independent ones in parallel, skipping the dependents of a failure;
5. writes ``<out>/.pipeline/status.json`` (:mod:`.status`), the contents page and the
   book's own pages and PDFs (:mod:`.book`), and scans the outputs for personal data
   (:mod:`.leak_scan`).

The chapters come from :mod:`.graph` through a :class:`~.graph.Project`, which tests
replace with a small synthetic one.
"""
from __future__ import annotations

import contextlib
import os
import sys
import time
from dataclasses import dataclass, field
from typing import Any, Mapping

from sosiale_kommuner import config
from sosiale_kommuner.report.editions import EDITIONS_ENV, LANGS

from . import hashing
from . import manifest as manifest_mod
from .decisions import Decision, decide, declared_parameters
from .graph import Chapter, GraphError, Project
from .book import update_book
from .leak_scan import scan_for_leaks
from .options import (EXIT_FAILED, EXIT_LEAK, EXIT_MANIFEST, EXIT_OK, EXIT_USAGE, Options, PipelineError,
                      parse_args)
from .state import IMPORTS_CACHE, PARAMS_CACHE, STATE_FILE, TIMINGS_FILE, read_json, write_json, write_text
from .status import Outcome, Printer, blocked_by, describe_error, report, write_status


def _job(project: Project, chapter: Chapter, paths: config.Paths, d: Decision, opts: Options):
    from .executor import Job

    return Job(stem=chapter.stem, title=chapter.title, reads=tuple(chapter.reads),
               writes=tuple(chapter.writes), notebook=str(project.notebook(chapter.stem)),
               raw_dir=str(paths.raw), out_dir=str(paths.out), params=dict(d.overrides),
               public_params=dict(d.params), kernel_name=project.kernel_name,
               execution_timeout=opts.execution_timeout, export_only=d.export_only,
               exporter=project.exporter, book=project.book(), info=project.info(chapter.stem),
               code_hash=d.parts["code"], raw_checksums=dict(d.parts["raw"]))


@dataclass
class BuildResult:
    code: int
    outcomes: dict[str, Outcome] = field(default_factory=dict)

    def ran(self) -> list[str]:
        """Stems of the chapters that executed (or re-exported) in this build."""
        return sorted(s for s, o in self.outcomes.items() if o.ran)


def build(opts: Options, project: Project | None = None, printer: Printer | None = None) -> int:
    """One build as ``run_all.py`` does it; returns the exit code."""
    return run_build(opts, project, printer).code


def run_build(opts: Options, project: Project | None = None, printer: Printer | None = None) -> BuildResult:
    """One build; returns the exit code and what happened to each chapter."""
    project = project or Project()
    say = printer or Printer()
    code, outcomes = _build(opts, project, say)
    return BuildResult(code, outcomes)


def _build(opts: Options, project: Project, say: Printer) -> tuple[int, dict]:
    outcomes: dict[str, Outcome] = {}
    if opts.notebook_dir:
        project = project.with_notebook_dir(opts.notebook_dir)
    paths = config.paths(opts.raw_dir, opts.out_dir)

    if opts.update_manifest:
        changes = manifest_mod.update(paths.raw)
        if changes:
            say(f"{config.MANIFEST_NAME} updated:")
            for line in changes.lines(("removed", "added", "changed")):
                say(line)
        else:
            say(f"{config.MANIFEST_NAME} is current: no raw file added, removed or changed.")
        return EXIT_OK, outcomes

    try:
        manifest_mod.verify(paths.raw)
    except manifest_mod.ManifestError as exc:
        say(f"Raw files: {exc}")
        return EXIT_MANIFEST, outcomes

    try:
        selected = project.order(opts.only or None)
    except GraphError as exc:
        say(str(exc))
        return EXIT_USAGE, outcomes

    state_dir = paths.pipeline_state
    hashing.load_import_cache(state_dir / IMPORTS_CACHE)
    pcache = read_json(state_dir / PARAMS_CACHE)
    declared = {c.stem: declared_parameters(project, c.stem, pcache) for c in project.chapters
                if project.notebook(c.stem).is_file()}
    unknown = sorted(k for k in opts.params if not any(k in d for d in declared.values()))
    if unknown:
        say(f"-p {', '.join(unknown)}: no notebook declares such a parameter")
        return EXIT_USAGE, outcomes
    for bad in sorted(set(opts.params) & hashing.PATH_PARAMETERS):
        say(f"-p {bad}: use --{bad.replace('_', '-')} for folders")
        return EXIT_USAGE, outcomes
    with build_lock(paths, say):
        return _run_selected(opts, project, say, paths, selected, declared, pcache, outcomes)


@contextlib.contextmanager
def build_lock(paths: config.Paths, say: Printer):
    """One build at a time per output root (a second one waits, saying so)."""
    import fcntl

    state = paths.pipeline_state
    state.mkdir(parents=True, exist_ok=True)
    with open(state / "build.lock", "a+") as fh:
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            say("Another build is running in this output folder; waiting for it to finish ...")
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


def _run_selected(opts, project, say, paths, selected, declared, pcache, outcomes) -> tuple[int, dict]:
    state_dir = paths.pipeline_state
    jobs = max(1, opts.jobs or os.cpu_count() or 1)
    say(f"Building {len(selected)} chapter{'s' * (len(selected) != 1)} "
        f"({jobs} job{'s' * (jobs != 1)}{', --force' if opts.force else ''})")
    ctx = BuildContext(project, paths, opts, declared, say)
    # every chapter emits every edition (its kernels inherit this environment)
    os.environ[EDITIONS_ENV] = ",".join(LANGS)
    from .engine import run_graph
    run_graph(ctx, selected, jobs)
    outcomes.update(ctx.outcomes)
    for stem in selected:  # anything doit did not report (should not happen) is a failure
        if stem not in outcomes:
            err = {"cell": None, "source": "", "ename": "PipelineError", "evalue": "not run by the engine"}
            outcomes[stem] = Outcome(stem, "failed", describe_error(err), False, error=err)

    known = {c.stem for c in project.chapters}
    write_json(state_dir / STATE_FILE, {k: v for k, v in ctx.records.items() if k in known})
    write_json(state_dir / PARAMS_CACHE, pcache)
    status = write_status(paths, project, outcomes)

    code = EXIT_OK
    failed = [o for o in outcomes.values() if o.state == "failed"]
    skipped = [o for o in outcomes.values() if o.state == "skipped"]
    try:
        update_book(ctx, status)
    except Exception as exc:  # the chapters are built; say so and fail
        say(f"index: reports/index.html could not be written: {type(exc).__name__}: {exc}")
        code = EXIT_FAILED
    leaks = scan_for_leaks(paths)
    if leaks:
        say("Personal data found in the outputs (remove it before publishing):")
        for line in leaks:
            say(f"  {line}")
        code = EXIT_LEAK

    with contextlib.suppress(OSError):
        write_text(state_dir / IMPORTS_CACHE, hashing.import_cache_text())
    ran = sum(o.ran for o in outcomes.values())
    say(f"Done in {time.monotonic() - say.t0:.1f} s: {ran} ran, "
        f"{sum(o.state == 'ok' and not o.ran for o in outcomes.values())} up to date, "
        f"{len(failed)} failed, {len(skipped)} skipped.")
    for o in failed:
        say(f"FAILED  notebooks/{o.stem}.ipynb: {describe_error(o.error)}")
    for o in skipped:
        say(f"SKIPPED notebooks/{o.stem}.ipynb: {o.reason}")
    if failed or skipped:
        return EXIT_FAILED, outcomes
    return code, outcomes


class BuildContext:
    """State of one build, shared with the engine (decisions, records, outcomes, output)."""

    def __init__(self, project: Project, paths: config.Paths, opts: Options,
                 declared: Mapping[str, Mapping[str, Any]], say: Printer):
        self.project, self.paths, self.opts, self.declared, self.say = project, paths, opts, declared, say
        self.records: dict[str, Any] = read_json(paths.pipeline_state / STATE_FILE)
        self.export_hash = hashing.report_code_hash(project.package_dir)
        self.decisions: dict[str, Decision] = {}
        self.outcomes: dict[str, Outcome] = {}
        self.errors: dict[str, dict] = {}   # chapters that could not even be decided on
        self._warm = False

    # called by the engine in the parent process -------------------------------------
    def check(self, task) -> bool:
        """doit ``uptodate``: decide, hand the job to the worker via ``task.meta``."""
        stem = task.name
        chapter = self.project.chapter(stem)
        try:
            if stem not in self.declared:
                raise FileNotFoundError(f"notebooks/{stem}.ipynb does not exist (build/graph.py lists it)")
            if missing := self.project.unproduced(stem):
                raise PipelineError(f"it reads data/processed/{', '.join(missing)}, which no chapter "
                                    "in build/graph.py writes")
            d = decide(self.project, chapter, self.paths, self.opts.params, self.declared[stem],
                       self.records.get(stem), force=self.opts.force, export_hash=self.export_hash)
        except Exception as exc:  # e.g. a notebook that can't be parsed
            task.meta["job"] = None
            task.meta["decision_error"] = f"{type(exc).__name__}: {exc}"
            self.errors[stem] = {"cell": None, "source": "", "ename": type(exc).__name__, "evalue": str(exc)}
            self.decisions.pop(stem, None)
            return False
        self.decisions[stem] = d
        if not d.run:
            return True
        if not self._warm:  # first chapter to run: register the kernel, import the stack
            from .engine import warm_imports
            from .kernel import ensure_kernel

            if self.project.kernel_name == config.KERNEL_NAME:
                ensure_kernel()
            warm_imports()
            self._warm = True
        task.meta["job"] = _job(self.project, chapter, self.paths, d, self.opts)
        return False

    def started(self, stem: str) -> None:
        d = self.decisions.get(stem)
        if d is not None:
            self.say.chapter(stem, f"runs: {d.reason}")

    def up_to_date(self, stem: str) -> None:
        d = self.decisions[stem]
        self.outcomes[stem] = Outcome(stem, "ok", "up to date", False, 0.0, d.fingerprint, d.params)
        self.say.chapter(stem, "up to date")

    def skipped(self, stem: str) -> None:
        why = blocked_by(self.project, stem, self.outcomes) or "a chapter it needs did not build"
        fp, params = "", {}
        with contextlib.suppress(Exception):
            d = decide(self.project, self.project.chapter(stem), self.paths, self.opts.params,
                       self.declared[stem], None, force=True, export_hash=self.export_hash)
            fp, params = d.fingerprint, d.params
        self.outcomes[stem] = Outcome(stem, "skipped", why, False, 0.0, fp, params)
        self.say.chapter(stem, f"skipped: {why}")

    def finished(self, stem: str, result: Mapping[str, Any] | None, exception=None) -> None:
        d = self.decisions.get(stem)
        if result is None:
            err = self.errors.get(stem) or {
                "cell": None, "source": "", "ename": "PipelineError",
                "evalue": str(getattr(exception, "message", "") or exception or "failed")}
            o = Outcome(stem, "failed", describe_error(err), False, 0.0,
                        d.fingerprint if d else "", d.params if d else {}, err)
        elif result["state"] == "ok":
            old = self.records.get(stem, {})
            outputs = dict(result["outputs"])
            if d.export_only:
                outputs = dict(old.get("outputs", {}), **outputs)
            self.records[stem] = {"fingerprint": d.fingerprint, "parts": d.parts,
                                  "code_parts": d.code,
                                  "outputs": dict(sorted(outputs.items())), "export_hash": self.export_hash}
            write_json(self.paths.pipeline_state / STATE_FILE, self.records)
            if result.get("timings"):
                timings = read_json(self.paths.pipeline_state / TIMINGS_FILE)
                timings[stem] = result["timings"]
                write_json(self.paths.pipeline_state / TIMINGS_FILE, timings)
            o = Outcome(stem, "ok", d.reason, True, result["elapsed"], d.fingerprint, d.params)
        else:
            o = Outcome(stem, "failed", describe_error(result["error"]), True, result["elapsed"],
                        d.fingerprint, d.params, result["error"])
            if result.get("log"):
                self.say(result["log"].rstrip())
        self.outcomes[stem] = o
        report(self.say, o)


def main(argv: list[str] | None = None, project: Project | None = None) -> int:
    """``run_all.py``: parse ``argv`` and build; returns the exit code."""
    try:
        opts = parse_args(argv)
    except PipelineError as exc:
        print(str(exc), file=sys.stderr)
        return exc.exit_code
    return build(opts, project)
