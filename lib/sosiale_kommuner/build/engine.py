"""Run the chapter graph with doit: skip what is up to date, run the rest in parallel.

Each selected chapter becomes one doit task named by its stem, with ``task_dep`` on the
chapters whose processed outputs it reads (``chapters.CHAPTERS``). doit brings the
scheduling (a task starts when the tasks it depends on have finished), the worker
processes (``--jobs N`` -> doit's multiprocessing runner with N workers; ``--jobs 1`` runs
in this process), ``--continue`` semantics (a failure does not stop independent tasks;
tasks depending on a failed one are not run and are reported as *skipped*) and its state
DB, ``<out>/.pipeline/doit.json``.

What doit's own file-dependency checks can't express — a notebook's code hash following
its ``lib`` imports, parameters, the checksums of outputs — is one ``uptodate`` callable
per task (:func:`.pipeline.decide`), evaluated in the parent process when the task is
about to be dispatched, i.e. after the chapters it reads from have finished (so it sees
their new outputs). Its decision (and the papermill job) travels to the worker in
``task.meta``; the worker's :class:`.executor.Result` comes back the same way. The
fingerprints of successful runs are kept in ``<out>/.pipeline/chapters.json`` rather than
in doit's ``values``: doit deletes a task's values when it fails or a dependency fails,
which would force a needless rerun of an unchanged chapter after its upstream is fixed.

``Chapter.cores`` (a chapter using several cores itself) is counted against ``--jobs``:
before executing, a worker takes that many slots (at most ``--jobs``) from a
process-shared counting semaphore created before the workers fork, so a heavy simulation
waits for, and then excludes, other notebooks instead of oversubscribing the machine.

Kernels: while a worker runs a chapter it starts the kernel for its next one and imports
in it the modules most chapters import (:func:`warm_modules`; :func:`.kernels.prepare_spare`),
as long as chapters remain to be dispatched; the spare kernel is shut down when the worker
exits.
"""
from __future__ import annotations

import ast
import contextlib
import importlib
import multiprocessing
import time
from collections import Counter
from dataclasses import asdict
from typing import Any

#: Process-shared core slots, created in the parent before doit forks its workers.
_SLOTS: dict[str, Any] = {}


def _init_slots(jobs: int) -> None:
    ctx = multiprocessing.get_context("fork")
    _SLOTS.update(total=jobs, sem=ctx.Semaphore(jobs), lock=ctx.Lock())


@contextlib.contextmanager
def core_slots(cores: int):
    """Hold ``cores`` of the ``--jobs`` slots (at most all of them) while the block runs."""
    if not _SLOTS:
        yield
        return
    n = max(1, min(int(cores), _SLOTS["total"]))
    with _SLOTS["lock"]:          # take all n at once: no two heavy tasks half-hold slots
        for _ in range(n):
            _SLOTS["sem"].acquire()
    try:
        yield
    finally:
        for _ in range(n):
            _SLOTS["sem"].release()


def warm_imports() -> None:
    """Import the execution stack once in the parent, so forked workers start warm."""
    for name in ("jupyter_client.manager", "nbconvert", "nbformat", "papermill",
                 "sosiale_kommuner.report.chapter_page", "sosiale_kommuner.build.executor"):
        importlib.import_module(name)


def warm_modules(project, stems) -> tuple[str, ...]:
    """Modules to import in a spare kernel (:func:`.kernels.prepare_spare`): those imported at
    the top level of at least two of the notebooks of ``stems`` (of the one, if only one), as
    ``import a.b`` / ``from a import b`` name them (``a.b`` may be a module or a name in ``a``:
    the kernel tries both and skips what does not import)."""
    from .hashing import notebook_cells

    counts: Counter = Counter()
    for stem in stems:
        found: set[str] = set()
        try:
            cells = notebook_cells(stem, project.notebook_dir)
        except (OSError, ValueError):
            continue
        for kind, src in cells:
            if kind != "code":
                continue
            try:
                body = ast.parse(src).body
            except SyntaxError:                 # cell magics: nothing to learn from the cell
                continue
            for node in body:
                if isinstance(node, ast.Import):
                    found |= {a.name for a in node.names}
                elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                    found |= {node.module} | {f"{node.module}.{a.name}" for a in node.names if a.name != "*"}
        counts.update(found)
    need = 2 if len(stems) > 1 else 1
    return tuple(sorted(m for m, k in counts.items() if k >= need))


_FINALIZER: list = []


def _close_spare_at_exit() -> None:
    """Register, once per worker process, the shutdown of its spare kernel when it exits
    (multiprocessing runs these finalizers when a worker's target returns)."""
    if not _FINALIZER:
        from multiprocessing.util import Finalize

        from .kernels import close_spare

        _FINALIZER.append(Finalize(None, close_spare, exitpriority=10))


def _execute(task) -> Any:
    """doit action (runs in a worker): execute the chapter described in ``task.meta``."""
    from doit.exceptions import TaskFailed

    from .executor import run_chapter

    job = task.meta["job"]
    if job is not None and job.spare_warm is not None:
        _close_spare_at_exit()
    if job is None:  # the decision itself failed (reported by the parent)
        task.meta["result"] = None
        return TaskFailed(task.meta.get("decision_error", "could not decide"))
    cores = task.meta.get("cores", 1)
    t0 = time.monotonic()
    with core_slots(cores):
        waited = time.monotonic() - t0
        if waited > 1 and _SLOTS.get("say"):
            _SLOTS["say"].chapter(task.name, f"executes now (waited {waited:.0f} s for "
                                             f"{min(cores, _SLOTS['total'])} free job slots)")
        result = run_chapter(job)
    task.meta["result"] = asdict(result)
    if result.state != "ok":
        return TaskFailed(result.error.get("evalue", "failed") if result.error else "failed")
    return None


class Reporter:
    """doit reporter that turns doit's events into the pipeline's progress lines."""

    def __init__(self, ctx):
        self.ctx = ctx

    # doit calls these (from the parent process; MRunner forwards worker events)
    def initialize(self, tasks, selected_tasks):
        pass

    def get_status(self, task):
        pass

    def execute_task(self, task):
        self.ctx.started(task.name)

    def add_success(self, task):
        self.ctx.finished(task.name, task.meta.get("result"))

    def add_failure(self, task, exception):
        from doit.exceptions import UnmetDependency

        if isinstance(exception, UnmetDependency):
            self.ctx.skipped(task.name)
        else:
            self.ctx.finished(task.name, task.meta.get("result"), exception)

    def skip_uptodate(self, task):
        self.ctx.up_to_date(task.name)

    def skip_ignore(self, task):
        self.ctx.skipped(task.name)

    def cleanup_error(self, exception):
        self.ctx.say(f"doit: cleanup error: {exception}")

    def runtime_error(self, msg):
        self.ctx.say(f"doit: {msg}")

    def teardown_task(self, task):
        pass

    def complete_run(self):
        pass


def run_graph(ctx, selected: list[str], jobs: int) -> int:
    """Run the ``selected`` chapters (a closed, ordered set) with doit; return doit's code.

    ``ctx`` is the pipeline's build context (:class:`.pipeline.BuildContext`): it decides
    (``ctx.check``), and records and prints what happened.
    """
    from doit.cmd_base import TaskLoader2
    from doit.doit_cmd import DoitMain
    from doit.task import Task

    project = ctx.project
    jobs = max(1, jobs)
    state = ctx.paths.pipeline_state
    state.mkdir(parents=True, exist_ok=True)

    warm = warm_modules(project, selected)
    decided: set[str] = set()

    def make_task(stem: str) -> Task:
        chapter = project.chapter(stem)

        def check(task):
            up_to_date = ctx.check(task)
            decided.add(stem)
            job = task.meta.get("job")
            if not up_to_date and job is not None and hasattr(job, "spare_warm"):
                # chapters still to come may need a kernel: the worker prepares one meanwhile
                job.spare_warm = warm if len(decided) < len(selected) else None
            return up_to_date

        return Task(
            stem, [(_execute, [], {})],
            task_dep=[d for d in project.dependencies(stem)],
            uptodate=[check],
            meta={"job": None, "cores": chapter.cores, "result": None},
            verbosity=0,
        )

    class Loader(TaskLoader2):
        def setup(self, opt_values):
            pass

        def load_doit_config(self):
            return {
                "dep_file": str(state / "doit.json"),
                "backend": "json",
                "continue": True,
                "num_process": 0 if jobs == 1 else jobs,
                "par_type": "process",
                "reporter": Reporter(ctx),
                "verbosity": 0,
            }

        def load_tasks(self, cmd, pos_args):
            return [make_task(s) for s in selected]

    if jobs > 1:
        _init_slots(jobs)
        _SLOTS["say"] = ctx.say  # workers print "executes now" lines through the same stream
    try:
        return DoitMain(Loader()).run(["run", *selected])
    finally:
        _SLOTS.clear()
        from .kernels import close_spare

        close_spare()  # --jobs 1 ran the chapters in this process


__all__ = ["run_graph", "core_slots", "warm_imports", "warm_modules", "Reporter"]
