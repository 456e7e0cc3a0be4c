"""The scan of every output for personal data, run at the end of every build."""
from __future__ import annotations

from pathlib import Path

from sosiale_kommuner import config

from . import hashing
from .state import LEAK_KEY_FILE, write_text


#: The step-1 contact list inside the raw folder (personal data the scan looks for).
MAPPING_FILES = ("survey/respondent_mapping.csv", "survey/respondent_mapping.xlsx")


def _read_mapping(paths: config.Paths):
    """The respondent mapping as a table, or None when the raw folder has none."""
    for rel in MAPPING_FILES:
        path = paths.raw / rel
        if path.is_file():
            try:
                from sosiale_kommuner.data import readers
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
    scanner = f"{hashing.PACKAGE}.data.privacy"
    if hashing.module_file(scanner, hashing.PACKAGE_DIR) is None:
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
                             "scanner": {m: hashing.sha256_file(hashing.module_file(m, hashing.PACKAGE_DIR))
                                         for m in hashing.module_closure([scanner])}})
    key_file = paths.pipeline_state / LEAK_KEY_FILE
    if key_file.is_file() and key_file.read_text(encoding="utf-8") == key:
        return []
    from sosiale_kommuner.data import privacy

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
        write_text(key_file, key)
    return lines
