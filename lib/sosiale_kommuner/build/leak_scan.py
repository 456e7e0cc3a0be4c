"""The scan of every output for personal data, run at the end of every build.

docs/contracts.md §9: every build ends with a scan of ``data/processed/``, ``reports/`` and
``.pipeline/`` (executed and failed notebooks, status files) with the same detector that
scrubs free text (:mod:`sosiale_kommuner.data.pii`), given the raw folder's contact list in
whatever format it comes (``.csv``, ``.xlsx``, ``.sav``). The scan never stops short: an
unreadable contact list is reported and the other detectors still run; an unreadable output
file is a finding. Each line names the file and the detector, never the value; the build
then fails with exit code 4 (:data:`.options.EXIT_LEAK`).
"""
from __future__ import annotations

from pathlib import Path

from sosiale_kommuner import config

from . import hashing
from .state import LEAK_KEY_FILE, write_text

#: Files of ``.pipeline/`` that are the scan's own or the build's lock (nothing to scan).
NOT_SCANNED = (LEAK_KEY_FILE, "build.lock")


def scan_roots(paths: config.Paths) -> list[Path]:
    """The three output folders the scan covers."""
    return [paths.processed, paths.reports, paths.pipeline_state]


def _contact_files(paths: config.Paths) -> dict[str, str]:
    from sosiale_kommuner.data import privacy

    return {p.relative_to(paths.raw).as_posix(): hashing.sha256_file(p)
            for p in sorted(paths.survey.glob(f"{privacy.CONTACT_LIST_STEM}.*")) if p.is_file()}


def scan_key(paths: config.Paths) -> str:
    """What a clean scan depends on: every scanned file, the contact list, the scanner's code."""
    scanner = f"{hashing.PACKAGE}.data.privacy"
    files = {}
    for root in scan_roots(paths):
        if root.is_dir():
            for f in sorted(root.rglob("*")):
                if f.is_file() and f.name not in NOT_SCANNED:
                    files[f.relative_to(paths.out).as_posix()] = hashing.sha256_file(f)
    code = {m: hashing.sha256_file(hashing.module_file(m, hashing.PACKAGE_DIR))
            for m in hashing.module_closure([scanner])}
    return hashing.hash_json({"files": files, "contacts": _contact_files(paths), "scanner": code})


def scan_for_leaks(paths: config.Paths) -> list[str]:
    """Personal data in the outputs, as ``"file: detector (n×), first at ..."`` lines; a line
    for a contact list that could not be read. Empty when clean.

    A clean result is remembered with :func:`scan_key`, so an unchanged build does not scan
    again; a scan with any line (even only an unreadable contact list) is never remembered.
    """
    from sosiale_kommuner.data import privacy

    key = scan_key(paths)
    key_file = paths.pipeline_state / LEAK_KEY_FILE
    if key_file.is_file() and key_file.read_text(encoding="utf-8") == key:
        return []
    contacts, problem = privacy.read_contacts(paths.survey)
    lines = []
    if problem:
        lines.append(f"contact list unreadable, names not checked (the other detectors ran): {problem}")
    for f in privacy.scan_for_leaks(scan_roots(paths), contacts, exclude=NOT_SCANNED):
        name = Path(f.file)
        try:
            name = name.resolve().relative_to(paths.out.resolve())
        except ValueError:
            pass
        lines.append(str(type(f)(name.as_posix(), f.kind, f.where, f.count)))
    if not lines:
        write_text(key_file, key)
    return lines
