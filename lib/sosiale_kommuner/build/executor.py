"""Execute one chapter notebook and export it, so that a failure can't damage good outputs.

How a chapter runs (:func:`run_chapter`, called in a worker process):

1. **Staging.** The notebook executes with ``out_dir`` pointing at a private staging root,
   ``<out>/.pipeline/staging/<stem>/``, which starts empty except for copies of the
   processed files the chapter declares it reads (``Chapter.reads``). Everything the
   notebook writes — processed data and result tables — lands there, never next to the
   published outputs. ``raw_dir`` is the real raw folder (it is only read). A notebook that
   reads an undeclared processed file fails here instead of silently using a stale one.
2. **Execution** with papermill's Python API in a fresh kernel that talks over Unix
   sockets (IPC transport) in a private folder (:func:`.kernels.start_kernel`), so that concurrent
   kernels can't race for TCP ports (papermill issue #511). A worker starts its next
   kernel, with the chapters' common imports done, while the current notebook runs
   (:func:`.kernels.prepare_spare`, :func:`.kernels.take_kernel`).
3. **Export** to HTML with :func:`sosiale_kommuner.report.chapter_page.export_chapter`
   (or, for a project without the report's template, :func:`export_chapter_plain`).
4. **Commit**, only if 1–3 succeeded: the declared processed outputs, the chapter's tables
   ``reports/tables/<stem>__*.csv`` and ``reports/<stem>.html`` are moved into the output
   root with :func:`os.replace` (atomic per file, same file system), and the chapter's old
   tables that it no longer writes are removed. Undeclared outputs fail the chapter (the
   dependency graph would not know about them). On failure nothing is moved: the last
   good HTML, tables and processed files stay as they were.

The staging folder is removed afterwards; the executed notebook is kept in
``.pipeline/executed/<stem>.ipynb`` (or ``.pipeline/failed/<stem>.ipynb`` with the error).
"""
from __future__ import annotations

import contextlib
import os
import re
import shutil
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sosiale_kommuner import config
from sosiale_kommuner.report.book import Book, ChapterInfo
from .hashing import sha256_file
from .kernels import prepare_spare, stop_kernel, take_kernel

#: Injected-parameters cell tag that papermill adds after the ``parameters`` cell.
INJECTED_TAG = "injected-parameters"
#: Tag of the cells papermill inserts to point at an error.
ERROR_MARKER_TAG = "papermill-error-cell-tag"


@dataclass
class Job:
    """Everything a worker needs to run one chapter (picklable)."""

    stem: str
    title: str
    reads: tuple[str, ...]
    writes: tuple[str, ...]
    notebook: str            # path of the source notebook
    raw_dir: str
    out_dir: str
    params: dict[str, Any]   # overrides passed to papermill (no folders; added here)
    public_params: dict[str, Any]  # effective parameters, for the footer
    kernel_name: str = config.KERNEL_NAME
    execution_timeout: float | None = None
    export_only: bool = False  # re-export the stored executed notebook, don't execute
    exporter: str = "report"   # "report": report.chapter_page.export_chapter; "plain": nbconvert only
    #: for the page: the book (chapters in reading order), this chapter in it, and the footer's facts
    book: Book = field(default_factory=Book)
    info: ChapterInfo | None = None
    code_hash: str = ""
    raw_checksums: dict[str, str] = field(default_factory=dict)
    #: while this notebook runs, start this process's next kernel and import these modules
    #: in it (:func:`.kernels.prepare_spare`); None: no spare (no chapter is left to run)
    spare_warm: tuple[str, ...] | None = None


@dataclass
class Result:
    """What happened to one chapter (picklable; the parent records it)."""

    stem: str
    state: str                      # "ok" or "failed"
    elapsed: float = 0.0
    error: dict[str, Any] | None = None
    outputs: dict[str, str] = field(default_factory=dict)  # path in out root -> sha256
    log: str = ""
    #: seconds per phase (staging, kernel start, execute, export, commit); for benchmarks
    timings: dict[str, float] = field(default_factory=dict)


class ChapterError(RuntimeError):
    """A chapter failed outside a notebook cell (kernel, export, undeclared output)."""


# --- folders ------------------------------------------------------------------------

def state_dir(out_dir: str | os.PathLike) -> Path:
    return config.paths(None, out_dir).pipeline_state


def staging_root(out_dir, stem: str) -> Path:
    return state_dir(out_dir) / "staging" / stem


def executed_path(out_dir, stem: str) -> Path:
    return state_dir(out_dir) / "executed" / f"{stem}.ipynb"


def failed_path(out_dir, stem: str) -> Path:
    return state_dir(out_dir) / "failed" / f"{stem}.ipynb"


def html_path(paths: config.Paths, stem: str) -> Path:
    """The chapter's page in the first edition (``reports/<stem>.html``)."""
    return paths.reports / f"{stem}.html"


def _write_pages(paths: config.Paths, pages: dict[str, str]) -> dict[str, str]:
    """Write each page (path under ``reports/`` -> HTML) atomically; return their checksums."""
    from sosiale_kommuner.files import atomic_write_text

    outputs = {}
    for rel, page in sorted(pages.items()):
        h = paths.reports / rel
        atomic_write_text(h, page)
        outputs[h.relative_to(paths.out).as_posix()] = sha256_file(h)
    return outputs


# --- export -------------------------------------------------------------------------

def export_chapter_plain(nb, title: str) -> str:
    """HTML of an executed notebook without code cells (nbconvert's lab template), for
    projects without the report's page template (the build's tests)."""
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True)
    html, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": title}})
    # cell ids are the notebook's, meaningless to a reader (and 8-digit ones look like
    # telephone numbers to the leak scanner)
    return re.sub(r' id="cell-id=[^"]*"', "", html)


# --- helpers ------------------------------------------------------------------------

_ANSI_RE = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
#: IPython's name of a cell's frame in a traceback: ``Cell In[5], line 3``.
_CELL_FRAME_RE = re.compile(r"Cell In\s*\[\d*\],\s*line (\d+)")


def _source_position(nb, cell_index: int, tb: list[str] | None = None) -> tuple[int, int | None, str]:
    """Where a cell failed: its 1-based position in the source notebook, the line of the cell
    that raised (1-based; None when the traceback does not say) and that line's text (else
    the cell's first line).

    ``nb`` is the executed notebook as papermill saved it: without its error-marker cells
    (which papermill adds after computing ``cell_index``) it has the source cells plus the
    injected-parameters cell. ``traceback`` is papermill's (IPython's) traceback: its first
    ``Cell In[n], line k`` frame is the failing cell's own, ``k`` the line that raised there
    (a call into a function or library deeper down is reported at the cell's line).
    """
    cells = [c for c in nb.cells if ERROR_MARKER_TAG not in c.metadata.get("tags", [])]
    nb = type(nb)(nb, cells=cells)
    injected = [i for i, c in enumerate(nb.cells) if INJECTED_TAG in c.metadata.get("tags", [])]
    pos = cell_index
    if injected and cell_index > injected[0]:
        pos -= 1
    src = nb.cells[cell_index].source if 0 <= cell_index < len(nb.cells) else ""
    lines = src.splitlines()
    frame = _CELL_FRAME_RE.search(_ANSI_RE.sub("", "\n".join(tb or [])))
    if frame and 1 <= int(frame.group(1)) <= len(lines):
        line = int(frame.group(1))
        return pos + 1, line, lines[line - 1].strip()
    first = next((ln.strip() for ln in lines if ln.strip()), "")
    return pos + 1, None, first


def failure_detector(raw_dir):
    """The detector of personal data for messages about a failure: with the raw folder's
    contact list when it can be read (in any format), else without names."""
    from sosiale_kommuner.data import pii, privacy

    contacts, _ = privacy.read_contacts(config.paths(raw_dir).survey)
    return pii.Detector(contacts)


def safe_text(text: str, detector=None) -> str:
    """``text`` with any personal data replaced by its kind and shape (docs/contracts.md §9)."""
    from sosiale_kommuner.data import pii

    return pii.redact(str(text), detector)


def _error_from_papermill(exc, nb, detector=None) -> dict[str, Any]:
    """The failure as ``status.json`` records it: cell, failing line, its code, the error —
    with any personal data in the message replaced by its shape."""
    cell, line, source = _source_position(nb, exc.cell_index, getattr(exc, "traceback", None))
    return {"cell": cell, "line": line, "source": safe_text(source, detector), "ename": exc.ename,
            "evalue": safe_text(exc.evalue, detector)}


def _redact_error_outputs(nb, detector) -> None:
    """Replace personal data in the error outputs of a failed notebook (kept in .pipeline/)."""
    for c in nb.cells:
        for o in c.get("outputs", []):
            if o.get("output_type") == "error":
                o["evalue"] = safe_text(o.get("evalue", ""), detector)
                o["traceback"] = [safe_text(t, detector) for t in o.get("traceback", [])]


def _prepare_staging(job: Job, paths: config.Paths) -> config.Paths:
    root = staging_root(job.out_dir, job.stem)
    if root.exists():
        shutil.rmtree(root)
    staged = config.paths(paths.raw, root)
    staged.processed.mkdir(parents=True)
    staged.tables.mkdir(parents=True)
    for name in job.reads:
        src = paths.processed / name
        if not src.is_file():
            raise ChapterError(f"input data/processed/{name} is missing (run the chapter that writes it)")
        dst = staged.processed / name
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src, dst)
    return staged


def _collect_outputs(job: Job, staged: config.Paths) -> list[tuple[Path, str]]:
    """(staged file, path relative to the out root) of every output, checked against the graph."""
    moves: list[tuple[Path, str]] = []
    problems: list[str] = []
    for f in sorted(p for p in staged.out.rglob("*") if p.is_file()):
        rel = f.relative_to(staged.out).as_posix()
        if rel.startswith("data/processed/"):
            name = rel[len("data/processed/"):]
            if name in job.reads:
                if sha256_file(f) != sha256_file(Path(job.out_dir) / rel):
                    problems.append(f"modified its input {rel}")
                continue
            if name not in job.writes:
                problems.append(f"wrote {rel}, which build/graph.py doesn't declare in its writes")
                continue
        elif rel.startswith("reports/tables/"):
            if not (Path(rel).name.startswith(f"{job.stem}__") and rel.endswith(".csv")):
                problems.append(f"wrote {rel}; its tables must be reports/tables/{job.stem}__<name>.csv")
                continue
        else:
            problems.append(f"wrote {rel}, outside data/processed and reports/tables")
            continue
        moves.append((f, rel))
    written = {rel for _, rel in moves}
    for name in job.writes:
        if f"data/processed/{name}" not in written:
            problems.append(f"did not write data/processed/{name}, which build/graph.py says it writes")
    if problems:
        raise ChapterError("; ".join(problems))
    return moves


def _commit(job: Job, paths: config.Paths, moves: list[tuple[Path, str]], pages: dict[str, str]) -> dict[str, str]:
    out = Path(job.out_dir)
    outputs: dict[str, str] = {}
    for src, rel in moves:
        dst = out / rel
        dst.parent.mkdir(parents=True, exist_ok=True)
        outputs[rel] = sha256_file(src)
        os.replace(src, dst)
    new_tables = {rel for _, rel in moves if rel.startswith("reports/tables/")}
    if paths.tables.is_dir():
        for old in paths.tables.glob(f"{job.stem}__*.csv"):
            if old.relative_to(out).as_posix() not in new_tables:
                old.unlink()
    outputs.update(_write_pages(paths, pages))
    return dict(sorted(outputs.items()))


def _export(job: Job, nb, paths: config.Paths) -> dict[str, str]:
    """The chapter's pages: path under ``reports/`` -> HTML (one per edition).

    The page lists the chapter's result tables for download: the ones it just wrote (still
    in its staging folder) or, when only re-exported, the ones already published.
    """
    try:
        if job.exporter != "report":
            return {f"{job.stem}.html": export_chapter_plain(nb, job.title)}
        from sosiale_kommuner.report.chapter_page import export_chapter

        staged = config.paths(paths.raw, staging_root(job.out_dir, job.stem)).tables
        folder = staged if staged.is_dir() else paths.tables
        tables = {p.name: p.stat().st_size for p in sorted(folder.glob(f"{job.stem}__*.csv"))}
        info = job.info or ChapterInfo(job.stem, job.title)
        return export_chapter(nb, info, paths, dict(job.public_params), book=job.book,
                              code_hash=job.code_hash, raw_checksums=job.raw_checksums, tables=tables)
    except Exception as exc:
        raise ChapterError(f"HTML export failed: {type(exc).__name__}: {exc}") from exc


# --- the job ------------------------------------------------------------------------

def run_chapter(job: Job) -> Result:
    """Execute, export and commit one chapter; never raises (errors go into the Result)."""
    t0 = time.monotonic()
    paths = config.paths(job.raw_dir, job.out_dir)
    timings: dict[str, float] = {}
    try:
        if job.export_only:
            outputs = _reexport(job, paths)
        else:
            outputs = _execute_and_commit(job, paths, timings)
        return Result(job.stem, "ok", time.monotonic() - t0, outputs=outputs, timings=timings)
    except _NotebookFailed as f:
        return Result(job.stem, "failed", time.monotonic() - t0, error=f.error)
    except ChapterError as exc:
        return Result(job.stem, "failed", time.monotonic() - t0,
                      error={"cell": None, "source": "", "ename": "ChapterError", "evalue": safe_text(exc)})
    except Exception as exc:  # kernel died, timeout, bug: still a named failure
        return Result(job.stem, "failed", time.monotonic() - t0,
                      error={"cell": None, "source": "", "ename": type(exc).__name__, "evalue": safe_text(exc)},
                      log=safe_text(traceback.format_exc()))
    finally:
        staging = staging_root(job.out_dir, job.stem)
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)


class _NotebookFailed(Exception):
    def __init__(self, error: dict[str, Any]):
        super().__init__(error.get("evalue", ""))
        self.error = error


def _execute_and_commit(job: Job, paths: config.Paths, timings: dict[str, float]) -> dict[str, str]:
    import nbformat
    import papermill
    from papermill.exceptions import PapermillExecutionError

    clock = _Clock(timings)
    staged = _prepare_staging(job, paths)
    nb_path = Path(job.notebook)
    out_nb = state_dir(job.out_dir) / "staging" / f"{job.stem}.executed.ipynb"
    params = dict(job.params, raw_dir=str(paths.raw), out_dir=str(staged.out))
    clock("staging")
    km = take_kernel(job.kernel_name, nb_path.parent)
    if job.spare_warm is not None:
        prepare_spare(job.kernel_name, nb_path.parent, job.spare_warm)
    clock("kernel_start")
    try:
        try:
            nb = papermill.execute_notebook(
                str(nb_path), str(out_nb), parameters=params, kernel_name=job.kernel_name,
                cwd=str(nb_path.parent), progress_bar=False, log_output=False,
                request_save_on_cell_execute=False, execution_timeout=job.execution_timeout, km=km,
            )
        except PapermillExecutionError as exc:
            failed = nbformat.read(out_nb, as_version=4)
            detector = failure_detector(job.raw_dir)
            _redact_error_outputs(failed, detector)
            keep = failed_path(job.out_dir, job.stem)
            keep.parent.mkdir(parents=True, exist_ok=True)
            nbformat.write(failed, out_nb)
            os.replace(out_nb, keep)
            raise _NotebookFailed(_error_from_papermill(exc, failed, detector)) from None
    finally:
        clock("execute")
        stop_kernel(km)
        clock("kernel_stop")
    moves = _collect_outputs(job, staged)
    pages = _export(job, nb, paths)
    clock("export")
    outputs = _commit(job, paths, moves, pages)
    keep = executed_path(job.out_dir, job.stem)
    keep.parent.mkdir(parents=True, exist_ok=True)
    os.replace(out_nb, keep)
    with contextlib.suppress(FileNotFoundError):
        failed_path(job.out_dir, job.stem).unlink()
    clock("commit")
    return outputs


class _Clock:
    """Adds the seconds since the previous call to ``timings[phase]``."""

    def __init__(self, timings: dict[str, float]):
        self.timings, self.t = timings, time.monotonic()

    def __call__(self, phase: str) -> None:
        now = time.monotonic()
        self.timings[phase] = round(self.timings.get(phase, 0.0) + now - self.t, 3)
        self.t = now


def _reexport(job: Job, paths: config.Paths) -> dict[str, str]:
    """Export the stored executed notebook again (the exporter changed, the chapter did not)."""
    import nbformat

    src = executed_path(job.out_dir, job.stem)
    if not src.is_file():
        raise ChapterError(f"no executed notebook {src.name} to re-export")
    nb = nbformat.read(src, as_version=4)
    return _write_pages(paths, _export(job, nb, paths))
