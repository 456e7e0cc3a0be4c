"""What happened to each chapter: progress lines, outcomes, ``.pipeline/status.json``."""
from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field
from typing import Any, Mapping

from sosiale_kommuner import config

from .graph import Graph
from .state import STATUS_FILE, read_json, write_json


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


def safe_error(err: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """An error record with any personal data in its texts replaced by kind and shape
    (docs/contracts.md §9): what reaches ``status.json`` and the index page is safe even
    when a message quoted a value."""
    if not err:
        return None if err is None else dict(err)
    from sosiale_kommuner.data import pii

    return {k: pii.redact(v) if isinstance(v, str) else v for k, v in err.items()}


def describe_error(err: Mapping[str, Any] | None) -> str:
    """``cell 4, line 3 (1 / 0): ZeroDivisionError: division by zero`` — the failing cell,
    the line in it that raised and its code, and the error, without personal data."""
    if not err:
        return "unknown error"
    err = safe_error(err)
    where = ""
    if err.get("cell"):
        where = f"cell {err['cell']}"
        if err.get("line"):
            where += f", line {err['line']}"
        if err.get("source"):
            where += f" ({err['source'][:70]})"
        where += ": "
    return f"{where}{err.get('ename', 'Error')}: {err.get('evalue', '')}".strip()



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



def report(say: Printer, o: Outcome) -> None:
    if o.state == "ok":
        say.chapter(o.stem, f"ok ({o.elapsed:.1f} s)")
    elif o.state == "failed" and not o.ran:
        say.chapter(o.stem, f"FAILED before running: {describe_error(o.error)}")
    elif o.state == "failed":
        say.chapter(o.stem, f"FAILED after {o.elapsed:.1f} s: {describe_error(o.error)}")
    else:
        say.chapter(o.stem, f"skipped: {o.reason}")


def blocked_by(project: Graph, stem: str, outcomes: Mapping[str, Outcome]) -> str | None:
    bad = [d for d in project.dependencies(stem) if d in outcomes and outcomes[d].state != "ok"]
    if bad:
        verb = "failed" if outcomes[bad[0]].state == "failed" else "was skipped"
        return f"needs {', '.join(bad)}, which {verb}"
    return None



def write_status(paths: config.Paths, project: Graph, outcomes: Mapping[str, Outcome]) -> dict:
    """Merge this build's outcomes into ``<out>/.pipeline/status.json`` (deterministic)."""
    path = paths.pipeline_state / STATUS_FILE
    status = read_json(path)
    for c in project.chapters:
        o = outcomes.get(c.stem)
        if o is not None:
            status[c.stem] = {"state": o.state, "reason": o.reason, "fingerprint": o.fingerprint,
                              "params": o.params, "error": safe_error(o.error)}
        elif c.stem not in status:
            status[c.stem] = {"state": "skipped", "reason": "not built yet (not selected)",
                              "fingerprint": "", "params": {}, "error": None}
    status = {k: v for k, v in sorted(status.items()) if k in {c.stem for c in project.chapters}}
    write_json(path, status)
    return status

