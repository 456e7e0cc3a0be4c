"""The command line of ``run_all.py``: its options, exit codes and the ``-p`` values.

``python run_all.py --help`` prints what :func:`build_parser` declares.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from typing import Any

#: Exit codes of run_all.py.
EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_MANIFEST, EXIT_LEAK = 0, 1, 2, 3, 4


class PipelineError(RuntimeError):
    """A problem that stops the build before any notebook runs (named, with a hint)."""

    def __init__(self, message: str, exit_code: int = EXIT_USAGE):
        super().__init__(message)
        self.exit_code = exit_code



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
    pdf: bool = True            # --no-pdf: leave the PDFs of the editions as they are



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
    p.add_argument("--no-pdf", dest="pdf", action="store_false",
                   help="do not make the PDF of each edition (quicker; the HTML pages are made as always).")
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
                   execution_timeout=ns.timeout, notebook_dir=ns.notebook_dir, pdf=ns.pdf)

