"""Reproduce everything: verify raw files, run what changed, export, index, scan.

``run_all.py`` is a thin wrapper around :func:`main`. One build:

1. verifies the raw folder against ``MANIFEST.sha256`` (:mod:`.manifest`);
2. makes sure the project's kernel is registered (:mod:`.kernel`);
3. decides for every selected chapter whether it must run — its fingerprint
   (:mod:`.hashing`: code, parameters, raw and processed inputs) differs from the last
   successful run's, or one of its outputs is missing or changed — and why;
4. runs those chapters (:mod:`.executor`: staging, papermill, export, atomic commit),
   independent ones in parallel, skipping the dependents of a failure;
5. writes ``<out>/.pipeline/status.json``, the contents page, and scans the outputs for
   personal data.

The dependency graph comes from ``chapters.CHAPTERS`` through a :class:`Project`, which
tests replace with a small synthetic one.
"""
from __future__ import annotations

import ast
import contextlib
import json
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping

from . import config, hashing
from . import manifest as manifest_mod
from .chapters import CHAPTERS, Chapter

STATUS_FILE = "status.json"
STATE_FILE = "chapters.json"
PARAMS_CACHE = "parameters.json"
INDEX_KEY_FILE = "index.key"
IMPORTS_CACHE = "imports.json"
#: Seconds per phase of each chapter's last run (varies run to run; for benchmarks only).
TIMINGS_FILE = "timings.json"

#: Exit codes of run_all.py.
EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_MANIFEST, EXIT_LEAK = 0, 1, 2, 3, 4


class PipelineError(RuntimeError):
    """A problem that stops the build before any notebook runs (named, with a hint)."""

    def __init__(self, message: str, exit_code: int = EXIT_USAGE):
        super().__init__(message)
        self.exit_code = exit_code


# --- the graph ----------------------------------------------------------------------

@dataclass(frozen=True)
class Project:
    """The notebooks and code a build works on (tests substitute a synthetic one)."""

    chapters: tuple[Chapter, ...] = CHAPTERS
    notebook_dir: Path = config.NOTEBOOK_DIR
    package_dir: Path = hashing.PACKAGE_DIR
    kernel_name: str = config.KERNEL_NAME
    #: "report" exports with ``report.export_chapter`` (when present); "plain" with nbconvert only.
    exporter: str = "report"

    def chapter(self, key: str) -> Chapter:
        """A chapter by stem (``03_weighting``) or number (``03`` or ``3``)."""
        key = str(key).strip()
        if key.isdigit() and len(key) <= 2:
            hits = [c for c in self.chapters if c.number == key.zfill(2)]
        else:
            hits = [c for c in self.chapters if c.stem == key]
        if not hits:
            known = ", ".join(c.stem for c in self.chapters)
            raise PipelineError(f"--only {key}: no such notebook; known: {known}")
        return hits[0]

    def producers(self) -> dict[str, str]:
        out: dict[str, str] = {}
        for c in self.chapters:
            for w in c.writes:
                if w in out:
                    raise PipelineError(f"chapters.py: {w} is written by both {out[w]} and {c.stem}")
                out[w] = c.stem
        return out

    def dependencies(self, stem: str) -> list[str]:
        """Stems of the chapters whose outputs ``stem`` reads."""
        prod = self.producers()
        return sorted({prod[r] for r in self.chapter(stem).reads if r in prod})

    def unproduced(self, stem: str) -> list[str]:
        """Processed files ``stem`` reads that no chapter writes (the chapter can't run)."""
        prod = self.producers()
        return [r for r in self.chapter(stem).reads if r not in prod]

    def order(self, stems: Iterable[str] | None = None) -> list[str]:
        """``stems`` (default all) and everything they need first, in a valid run order.

        The order is that of ``chapters.CHAPTERS`` where it allows (it is the reading order);
        a chapter listed before one it reads from is moved after it.
        """
        need: set[str] = set()
        stack = [self.chapter(s).stem for s in (stems if stems else [c.stem for c in self.chapters])]
        while stack:
            s = stack.pop()
            if s not in need:
                need.add(s)
                stack.extend(self.dependencies(s))
        done: list[str] = []
        pending = [c.stem for c in self.chapters if c.stem in need]
        while pending:
            for s in pending:
                if all(d in done for d in self.dependencies(s)):
                    done.append(s)
                    pending.remove(s)
                    break
            else:
                raise PipelineError(f"chapters.py: dependency cycle among {', '.join(pending)}")
        return done

    def notebook(self, stem: str) -> Path:
        return Path(self.notebook_dir) / f"{stem}.ipynb"


# --- parameters ---------------------------------------------------------------------

def parse_value(text: str) -> Any:
    """A ``-p`` value as a YAML scalar/flow value (``20`` -> 20, ``true`` -> True, ``[1, 2]``).

    Values YAML would turn into something JSON can't hold (dates) stay strings. Numbers in
    exponent form without a dot (``1e-10``), which YAML 1.1 reads as text, are numbers.
    """
    import yaml

    try:
        value = yaml.safe_load(text)
    except yaml.YAMLError:
        return text
    if isinstance(value, str):
        try:
            return float(value) if value.strip().lower() not in ("nan", "inf", "-inf", "+inf", "infinity") else value
        except ValueError:
            pass
    try:
        json.dumps(value)
    except TypeError:
        return text
    return value


def _literal(default: str) -> Any:
    try:
        return ast.literal_eval(default)
    except (ValueError, SyntaxError):
        return default


def declared_parameters(project: Project, stem: str, cache: dict | None = None) -> dict[str, Any]:
    """Parameters notebook ``stem`` declares, with their default values.

    Read with ``papermill.inspect_notebook``; cached by the hash of the notebook's cells
    (``cache``, a dict the caller persists), because importing papermill takes seconds.
    """
    key = hashing.hash_json(hashing.notebook_cells(stem, project.notebook_dir))
    if cache is not None and cache.get(stem, {}).get("notebook") == key:
        raw = cache[stem]["parameters"]
    else:
        import papermill

        info = papermill.inspect_notebook(str(project.notebook(stem)))
        raw = {name: str(p.get("default", "None")) for name, p in info.items()}
        if cache is not None:
            cache[stem] = {"notebook": key, "parameters": raw}
    return {name: _literal(default) for name, default in sorted(raw.items())}


# --- build state --------------------------------------------------------------------

def _read_json(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return data if isinstance(data, dict) else {}
    except (FileNotFoundError, json.JSONDecodeError):
        return {}


def _write_text(path: Path, text: str) -> None:
    """Write atomically, and only when the content differs (keeps no-op builds cheap)."""
    if not path.is_file() or path.read_text(encoding="utf-8") != text:
        from .files import atomic_write_text

        atomic_write_text(path, text)


def _write_json(path: Path, data: Any) -> None:
    _write_text(path, json.dumps(data, sort_keys=True, indent=1, ensure_ascii=False) + "\n")


def _index_key(ctx: "BuildContext", status: Mapping[str, Any]) -> str:
    """What the contents page depends on: status, exporter, every chapter's current fingerprint.

    When it is unchanged (and no chapter ran), the page is not rebuilt.
    """
    fps = {}
    for c in ctx.project.chapters:
        if c.stem in ctx.declared:
            with contextlib.suppress(Exception):
                params = status.get(c.stem, {}).get("params") or None
                fps[c.stem] = hashing.chapter_fingerprint(
                    c, ctx.paths, params, notebook_dir=ctx.project.notebook_dir,
                    package_dir=ctx.project.package_dir)
    outputs = {s: r.get("outputs") for s, r in sorted(ctx.records.items())}
    # why an ok chapter last ran ("--force", "up to date") is not shown on the page
    shown = {s: {k: v for k, v in e.items() if not (k == "reason" and e.get("state") == "ok")}
             for s, e in status.items()}
    return hashing.hash_json({"status": shown, "export": ctx.export_hash, "fingerprints": fps,
                              "outputs": outputs})


@dataclass
class Decision:
    """Whether a chapter runs and why."""

    stem: str
    run: bool
    reason: str
    fingerprint: str
    parts: dict[str, Any]
    params: dict[str, Any]          # effective, public (the footer's)
    overrides: dict[str, Any]       # passed to papermill
    export_only: bool = False
    code: dict[str, Any] = field(default_factory=dict)   # code_parts when it runs


def _explain(old: Mapping[str, Any], parts: Mapping[str, Any], code: Mapping[str, Any]) -> list[str]:
    why: list[str] = []
    oc = old.get("code_parts", {})
    if old.get("parts", {}).get("code") != parts["code"]:
        if oc.get("notebook") != code["notebook"]:
            why.append("notebook changed")
        om, nm = oc.get("modules", {}), code["modules"]
        mods = sorted(m for m in set(om) | set(nm) if om.get(m) != nm.get(m))
        if mods:
            why.append("lib changed: " + ", ".join(m.rpartition(".")[2] or m for m in mods))
        if not why:
            why.append("code changed")
    op, np_ = old.get("parts", {}).get("params", {}), parts["params"]
    changed = [k for k in sorted(set(op) | set(np_)) if op.get(k) != np_.get(k)]
    if changed:
        why.append("parameters changed: " + ", ".join(
            f"{k} {json.dumps(op.get(k))}→{json.dumps(np_.get(k))}" for k in changed))
    for kind, label in (("raw", "raw file"), ("inputs", "input")):
        o, n = old.get("parts", {}).get(kind, {}), parts[kind]
        diff = [k for k in sorted(set(o) | set(n)) if o.get(k) != n.get(k)]
        if diff:
            why.append(f"{label}{'s' * (len(diff) > 1)} changed: " + ", ".join(diff))
    return why


def _outputs_problem(out: Path, outputs: Mapping[str, str]) -> str | None:
    for rel, digest in sorted(outputs.items()):
        p = out / rel
        if not p.is_file():
            return f"output missing: {rel}"
        if hashing.sha256_file(p) != digest:
            return f"output changed since it was written: {rel}"
    return None


def decide(project: Project, chapter: Chapter, paths: config.Paths, overrides: Mapping[str, Any],
           declared: Mapping[str, Any], record: Mapping[str, Any] | None, *, force: bool,
           export_hash: str) -> Decision:
    """Must ``chapter`` run, and why? (Call after the chapters it reads from have run.)"""
    mine = {k: v for k, v in overrides.items() if k in declared}
    params = hashing.public_params({**declared, **mine})
    parts = hashing.fingerprint_parts(chapter, paths, params, notebook_dir=project.notebook_dir,
                                      package_dir=project.package_dir)
    fp = hashing.hash_json(parts)
    d = Decision(chapter.stem, True, "", fp, parts, params, hashing.public_params(mine))
    if force:
        d.reason = "--force"
    elif not record:
        d.reason = "no successful run recorded in this output folder"
    elif record.get("fingerprint") != fp:
        d.code = code_parts(project, chapter.stem)
        d.reason = "; ".join(_explain(record, parts, d.code)) or "fingerprint changed"
    elif problem := _outputs_problem(paths.out, record.get("outputs", {})):
        d.reason = problem
    elif record.get("export_hash") != export_hash:
        d.reason, d.export_only = "report layout changed (re-export only)", True
    else:
        d.run, d.reason = False, "up to date"
    if d.run and not d.code:
        d.code = code_parts(project, chapter.stem)
    return d


def code_parts(project: Project, stem: str) -> dict[str, Any]:
    """Hash of the notebook's cells and of each lib module it uses (to say what changed)."""
    mods = hashing.lib_modules(stem, notebook_dir=project.notebook_dir, package_dir=project.package_dir)
    pdir = Path(project.package_dir)
    return {
        "notebook": hashing.hash_json(hashing.notebook_cells(stem, project.notebook_dir)),
        "modules": {m: hashing.sha256_bytes(hashing._module_file(m, pdir).read_bytes().replace(b"\r\n", b"\n"))
                    for m in mods},
    }


# --- options and output -------------------------------------------------------------

@dataclass
class Options:
    raw_dir: str | None = None
    out_dir: str | None = None
    only: list[str] = field(default_factory=list)
    params: dict[str, Any] = field(default_factory=dict)
    force: bool = False
    jobs: int = 0               # 0 = os.cpu_count()
    update_manifest: bool = False
    execution_timeout: float | None = None
    notebook_dir: str | None = None


class Printer:
    """Progress lines, one per event, each complete (readable when workers interleave)."""

    def __init__(self, stream=None):
        self.stream = stream or sys.stdout
        self.t0 = time.monotonic()

    def __call__(self, text: str = "") -> None:
        self.stream.write(text + "\n")
        self.stream.flush()

    def chapter(self, stem: str, text: str) -> None:
        self(f"[{time.monotonic() - self.t0:6.1f}s] {stem:<22} {text}")


def describe_error(err: Mapping[str, Any] | None) -> str:
    if not err:
        return "unknown error"
    where = ""
    if err.get("cell"):
        where = f"cell {err['cell']}"
        if err.get("source"):
            where += f" ({err['source'][:70]})"
        where += ": "
    return f"{where}{err.get('ename', 'Error')}: {err.get('evalue', '')}".strip()


# --- the build ----------------------------------------------------------------------

@dataclass
class Outcome:
    stem: str
    state: str          # ok | failed | skipped
    reason: str
    ran: bool = False
    elapsed: float = 0.0
    fingerprint: str = ""
    params: dict[str, Any] = field(default_factory=dict)
    error: dict[str, Any] | None = None


def _job(project: Project, chapter: Chapter, paths: config.Paths, d: Decision, opts: Options):
    from .executor import Job

    return Job(stem=chapter.stem, title=chapter.title, reads=tuple(chapter.reads),
               writes=tuple(chapter.writes), notebook=str(project.notebook(chapter.stem)),
               raw_dir=str(paths.raw), out_dir=str(paths.out), params=dict(d.overrides),
               public_params=dict(d.params), kernel_name=project.kernel_name,
               execution_timeout=opts.execution_timeout, export_only=d.export_only,
               exporter=project.exporter)


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
        from dataclasses import replace

        project = replace(project, notebook_dir=Path(opts.notebook_dir).resolve())
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
    except PipelineError as exc:
        say(str(exc))
        return exc.exit_code, outcomes

    state_dir = paths.pipeline_state
    hashing.load_import_cache(state_dir / IMPORTS_CACHE)
    pcache = _read_json(state_dir / PARAMS_CACHE)
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
    from .engine import run_graph
    run_graph(ctx, selected, jobs)
    outcomes.update(ctx.outcomes)
    for stem in selected:  # anything doit did not report (should not happen) is a failure
        if stem not in outcomes:
            err = {"cell": None, "source": "", "ename": "PipelineError", "evalue": "not run by the engine"}
            outcomes[stem] = Outcome(stem, "failed", describe_error(err), False, error=err)

    known = {c.stem for c in project.chapters}
    _write_json(state_dir / STATE_FILE, {k: v for k, v in ctx.records.items() if k in known})
    _write_json(state_dir / PARAMS_CACHE, pcache)
    status = write_status(paths, project, outcomes)

    code = EXIT_OK
    failed = [o for o in outcomes.values() if o.state == "failed"]
    skipped = [o for o in outcomes.values() if o.state == "skipped"]
    try:
        key = _index_key(ctx, status)
        key_file = state_dir / INDEX_KEY_FILE
        index = paths.reports / "index.html"
        if not (index.is_file() and key_file.is_file() and key_file.read_text(encoding="utf-8") == key):
            write_index(paths, project)
            _write_text(key_file, key)
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
        _write_text(state_dir / IMPORTS_CACHE, hashing.import_cache_text())
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
        self.records: dict[str, Any] = _read_json(paths.pipeline_state / STATE_FILE)
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
                raise FileNotFoundError(f"notebooks/{stem}.ipynb does not exist (chapters.py lists it)")
            if missing := self.project.unproduced(stem):
                raise PipelineError(f"it reads data/processed/{', '.join(missing)}, which no chapter "
                                    "in chapters.py writes")
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
        why = _blocked_by(self.project, stem, self.outcomes) or "a chapter it needs did not build"
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
            _write_json(self.paths.pipeline_state / STATE_FILE, self.records)
            if result.get("timings"):
                timings = _read_json(self.paths.pipeline_state / TIMINGS_FILE)
                timings[stem] = result["timings"]
                _write_json(self.paths.pipeline_state / TIMINGS_FILE, timings)
            o = Outcome(stem, "ok", d.reason, True, result["elapsed"], d.fingerprint, d.params)
        else:
            o = Outcome(stem, "failed", describe_error(result["error"]), True, result["elapsed"],
                        d.fingerprint, d.params, result["error"])
            if result.get("log"):
                self.say(result["log"].rstrip())
        self.outcomes[stem] = o
        _report(self.say, o)


def _report(say: Printer, o: Outcome) -> None:
    if o.state == "ok":
        say.chapter(o.stem, f"ok ({o.elapsed:.1f} s)")
    elif o.state == "failed" and not o.ran:
        say.chapter(o.stem, f"FAILED before running: {describe_error(o.error)}")
    elif o.state == "failed":
        say.chapter(o.stem, f"FAILED after {o.elapsed:.1f} s: {describe_error(o.error)}")
    else:
        say.chapter(o.stem, f"skipped: {o.reason}")


def _blocked_by(project: Project, stem: str, outcomes: Mapping[str, Outcome]) -> str | None:
    bad = [d for d in project.dependencies(stem) if d in outcomes and outcomes[d].state != "ok"]
    if bad:
        verb = "failed" if outcomes[bad[0]].state == "failed" else "was skipped"
        return f"needs {', '.join(bad)}, which {verb}"
    return None


# --- status, index, privacy ---------------------------------------------------------

def write_status(paths: config.Paths, project: Project, outcomes: Mapping[str, Outcome]) -> dict:
    """Merge this build's outcomes into ``<out>/.pipeline/status.json`` (deterministic)."""
    path = paths.pipeline_state / STATUS_FILE
    status = _read_json(path)
    for c in project.chapters:
        o = outcomes.get(c.stem)
        if o is not None:
            status[c.stem] = {"state": o.state, "reason": o.reason, "fingerprint": o.fingerprint,
                              "params": o.params, "error": o.error}
        elif c.stem not in status:
            status[c.stem] = {"state": "skipped", "reason": "not built yet (not selected)",
                              "fingerprint": "", "params": {}, "error": None}
    status = {k: v for k, v in sorted(status.items()) if k in {c.stem for c in project.chapters}}
    _write_json(path, status)
    return status


def write_index(paths: config.Paths, project: Project) -> Path:
    """``report.write_index(paths)`` when the report module has it, else a plain link list."""
    try:
        from . import report
    except ImportError:
        report = None
    if report is not None and hasattr(report, "write_index") and project.chapters == CHAPTERS:
        return report.write_index(paths)
    return write_simple_index(paths, project)


def write_simple_index(paths: config.Paths, project: Project) -> Path:
    """A minimal ``reports/index.html``: one link per chapter and its build state."""
    import html as _html

    from . import STUDY_TITLE
    from .files import atomic_write_text

    status = _read_json(paths.pipeline_state / STATUS_FILE)
    items = []
    for c in project.chapters:
        st = status.get(c.stem, {})
        mark = "" if st.get("state") == "ok" else f" <em>({_html.escape(st.get('state', 'not built'))}: out of date)</em>"
        items.append(f'<li><a href="{c.stem}.html">{_html.escape(c.stem)} · {_html.escape(c.title)}</a>{mark}</li>')
    text = ("<!DOCTYPE html>\n<html lang=\"en\">\n<head><meta charset=\"utf-8\">"
            f"<title>{_html.escape(STUDY_TITLE)}</title></head>\n<body>\n<h1>{_html.escape(STUDY_TITLE)}</h1>\n"
            "<ol>\n" + "\n".join(items) + "\n</ol>\n</body>\n</html>\n")
    return atomic_write_text(paths.reports / "index.html", text)


#: The step-1 contact list inside the raw folder (personal data the scan looks for).
MAPPING_FILES = ("survey/respondent_mapping.csv", "survey/respondent_mapping.xlsx")
LEAK_KEY_FILE = "leak-scan.key"


def _read_mapping(paths: config.Paths):
    """The respondent mapping as a table, or None when the raw folder has none."""
    for rel in MAPPING_FILES:
        path = paths.raw / rel
        if path.is_file():
            try:
                from . import readers
                return readers.read_export(path)
            except (ImportError, AttributeError):
                import pandas as pd

                if path.suffix == ".xlsx":
                    return pd.read_excel(path, dtype=str)
                return pd.read_csv(path, dtype=str, sep=None, engine="python", encoding="utf-8-sig")
    return None


def scan_for_leaks(paths: config.Paths) -> list[str]:
    """Personal data in ``reports/`` and ``data/processed/``, as ``"file: kind match"`` lines.

    Uses ``privacy.scan_for_leaks`` with the raw folder's respondent mapping (names,
    e-mail addresses, telephone numbers), or returns [] when the privacy module is absent.
    A clean result is remembered with a key over every scanned file's checksum, the
    mapping and the scanner's code, so an unchanged build does not scan again.
    """
    scanner = f"{hashing.PACKAGE}.privacy"
    if hashing._module_file(scanner, hashing.PACKAGE_DIR) is None:
        return []
    roots = [paths.reports, paths.processed]
    files = {}
    for root in roots:
        if root.is_dir():
            for f in sorted(root.rglob("*")):
                if f.is_file():
                    files[f.relative_to(paths.out).as_posix()] = hashing.sha256_file(f)
    mapping_files = {rel: hashing.sha256_file(paths.raw / rel) for rel in MAPPING_FILES if (paths.raw / rel).is_file()}
    key = hashing.hash_json({"files": files, "mapping": mapping_files,
                             "scanner": {m: hashing.sha256_file(hashing._module_file(m, hashing.PACKAGE_DIR))
                                         for m in hashing.module_closure([scanner])}})
    key_file = paths.pipeline_state / LEAK_KEY_FILE
    if key_file.is_file() and key_file.read_text(encoding="utf-8") == key:
        return []
    from . import privacy

    scan = getattr(privacy, "scan_for_leaks", None)
    if scan is None:
        return []
    findings = scan(roots, _read_mapping(paths))
    lines = []
    for f in findings or []:
        name = str(getattr(f, "file", f))
        try:
            name = Path(name).resolve().relative_to(paths.out).as_posix()
        except ValueError:
            pass
        lines.append(f"{name}: {getattr(f, 'kind', 'match')} {getattr(f, 'match', '')!r}")
    if not lines:
        _write_text(key_file, key)
    return lines


# --- command line -------------------------------------------------------------------

HELP_EPILOG = """\
Exit status: 0 all selected chapters built or up to date; 1 a chapter failed or was
skipped (dependents of a failure), or the index could not be written; 2 bad usage;
3 the raw folder does not match MANIFEST.sha256; 4 personal data found in the outputs.
"""


def build_parser():
    import argparse

    p = argparse.ArgumentParser(
        prog="run_all.py",
        description="Reproduce the analysis: verify the raw files, run every chapter notebook "
                    "whose code, parameters or inputs changed (independent ones in parallel), "
                    "export each to reports/<stem>.html, write reports/index.html.",
        epilog=HELP_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--only", action="append", default=[], metavar="STEM|NN",
                   help="run this notebook (stem like 03_weighting, or its number like 03) and "
                        "what it needs first; repeatable. Default: every notebook.")
    p.add_argument("-p", "--parameter", nargs=2, action="append", default=[], metavar=("KEY", "VALUE"),
                   help="set parameter KEY to VALUE (read as YAML: 20, 0.5, true, [1, 2], text) in "
                        "every notebook that declares it; repeatable.")
    p.add_argument("--raw-dir", metavar="DIR", default=None,
                   help="raw folder (default data/raw); must hold a matching MANIFEST.sha256.")
    p.add_argument("--out-dir", metavar="DIR", default=None,
                   help="output root (default the repository): data/processed, reports, "
                        "reports/tables and .pipeline are written under it.")
    p.add_argument("--update-manifest", action="store_true",
                   help="record the raw folder's current checksums in MANIFEST.sha256, print the "
                        "added, removed and changed files, and exit.")
    p.add_argument("--force", action="store_true",
                   help="run every selected notebook even if it is up to date.")
    p.add_argument("--jobs", "-j", type=int, default=0, metavar="N",
                   help=f"run up to N notebooks at once (default: the number of cores, "
                        f"{os.cpu_count()}); a chapter declaring cores=k counts k.")
    p.add_argument("--timeout", type=float, default=None, metavar="SECONDS",
                   help="fail a cell that runs longer than this (default: no limit).")
    p.add_argument("--notebook-dir", metavar="DIR", default=None,
                   help="read the chapter notebooks from DIR instead of notebooks/ (a copy to "
                        "experiment on; used by benchmarks/).")
    return p


def parse_args(argv: list[str] | None = None) -> Options:
    ns = build_parser().parse_args(argv)
    params: dict[str, Any] = {}
    for key, value in ns.parameter:
        params[key] = parse_value(value)
    if ns.jobs < 0:
        raise PipelineError("--jobs must be 1 or more")
    return Options(raw_dir=ns.raw_dir, out_dir=ns.out_dir, only=list(ns.only), params=params,
                   force=ns.force, jobs=ns.jobs, update_manifest=ns.update_manifest,
                   execution_timeout=ns.timeout, notebook_dir=ns.notebook_dir)


def main(argv: list[str] | None = None, project: Project | None = None) -> int:
    """``run_all.py``: parse ``argv`` and build; returns the exit code."""
    try:
        opts = parse_args(argv)
    except PipelineError as exc:
        print(str(exc), file=sys.stderr)
        return exc.exit_code
    return build(opts, project)
