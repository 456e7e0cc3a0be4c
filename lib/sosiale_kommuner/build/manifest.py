"""The raw-file manifest (docs/contracts.md §2): ``MANIFEST.sha256`` at the raw folder's root.

The format is ``sha256sum``'s: one line per file, ``<64 hex digits><two spaces><path>``,
the path in POSIX form relative to the raw folder, lines sorted by path, every file under
the raw folder listed except the manifest itself. ``sha256sum -c MANIFEST.sha256`` run
inside the raw folder checks it without this project.

:func:`verify` runs before anything else in ``run_all.py``; :func:`update` is
``run_all.py --update-manifest``.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from sosiale_kommuner import config
from .hashing import sha256_file

_LINE = re.compile(r"^([0-9a-f]{64})  (.+)$")


class ManifestError(RuntimeError):
    """The raw folder does not match its manifest, or has none."""


@dataclass(frozen=True)
class ManifestDiff:
    """What differs between a recorded manifest and the raw folder (paths, sorted)."""

    missing: tuple[str, ...] = ()   # recorded, but no longer in the folder
    extra: tuple[str, ...] = ()     # in the folder, not recorded
    changed: tuple[str, ...] = ()   # recorded with another checksum

    def __bool__(self) -> bool:
        return bool(self.missing or self.extra or self.changed)

    def lines(self, verbs: tuple[str, str, str] = ("missing", "extra", "changed")) -> list[str]:
        """One line per file: ``"  changed: survey/export.csv"``."""
        out = []
        for verb, names in zip(verbs, (self.missing, self.extra, self.changed)):
            out.extend(f"  {verb}: {name}" for name in names)
        return out


def manifest_path(raw_dir: str | os.PathLike) -> Path:
    return Path(raw_dir) / config.MANIFEST_NAME


def raw_file_names(raw_dir: str | os.PathLike) -> list[str]:
    """Every file under ``raw_dir`` except the manifest, as sorted POSIX relative paths."""
    root = Path(raw_dir)
    if not root.is_dir():
        raise ManifestError(f"raw folder {root} does not exist")
    names = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for fn in filenames:
            rel = (Path(dirpath) / fn).relative_to(root).as_posix()
            if rel == config.MANIFEST_NAME:
                continue
            if "\n" in rel or "\\" in rel:
                raise ManifestError(f"raw file name {rel!r} contains a newline or backslash; rename it")
            names.append(rel)
    return sorted(names)


def compute(raw_dir: str | os.PathLike) -> dict[str, str]:
    """Current checksums of every raw file: ``{posix path: sha256 hex}``, sorted by path."""
    root = Path(raw_dir)
    return {name: sha256_file(root / name) for name in raw_file_names(root)}


def format_manifest(checksums: dict[str, str]) -> str:
    """The manifest text for ``checksums`` (sorted, ``\\n`` line ends, final newline)."""
    return "".join(f"{checksums[name]}  {name}\n" for name in sorted(checksums))


def read(path: str | os.PathLike) -> dict[str, str]:
    """Parse a manifest file; a malformed line is reported with its number."""
    path = Path(path)
    out: dict[str, str] = {}
    for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        m = _LINE.match(line)
        if not m:
            raise ManifestError(
                f"{path.name} line {i}: expected '<64 hex digits>  <path>', got {line[:80]!r}")
        digest, name = m.groups()
        if name in out:
            raise ManifestError(f"{path.name} line {i}: {name} is listed twice")
        out[name] = digest
    return out


def diff(recorded: dict[str, str], current: dict[str, str]) -> ManifestDiff:
    """Compare a recorded manifest with the folder's current checksums."""
    return ManifestDiff(
        missing=tuple(sorted(set(recorded) - set(current))),
        extra=tuple(sorted(set(current) - set(recorded))),
        changed=tuple(sorted(n for n in set(recorded) & set(current) if recorded[n] != current[n])),
    )


def _update_hint(raw_dir: Path) -> str:
    default = Path(config.DEFAULT_RAW_DIR).resolve()
    flag = "" if Path(raw_dir).resolve() == default else f" --raw-dir {raw_dir}"
    return f"python run_all.py --update-manifest{flag}"


def verify(raw_dir: str | os.PathLike) -> dict[str, str]:
    """Check the raw folder against its manifest; return the checksums on success.

    Raises :class:`ManifestError` naming every missing, extra and changed file, or, when
    there is no manifest, saying how to record one.
    """
    raw = Path(raw_dir)
    mpath = manifest_path(raw)
    if not mpath.is_file():
        if not raw.is_dir():
            raise ManifestError(f"raw folder {raw} does not exist")
        raise ManifestError(
            f"the raw folder has no {config.MANIFEST_NAME}. Check that its files are the ones "
            f"you mean to analyse, then record their checksums with:\n  {_update_hint(raw)}")
    recorded = read(mpath)
    current = compute(raw)
    d = diff(recorded, current)
    if d:
        n = len(d.missing) + len(d.extra) + len(d.changed)
        raise ManifestError(
            f"the raw folder does not match {config.MANIFEST_NAME} ({n} file{'s' * (n != 1)}):\n"
            + "\n".join(d.lines(("missing (listed, not found)", "extra (found, not listed)",
                                 "changed (checksum differs)")))
            + f"\nIf these changes are deliberate, record them with:\n  {_update_hint(raw)}")
    return current


def update(raw_dir: str | os.PathLike) -> ManifestDiff:
    """Record the raw folder's current checksums; return what changed since the last manifest.

    A first manifest reports every file as ``extra`` (added).
    """
    from sosiale_kommuner.files import atomic_write_text

    raw = Path(raw_dir)
    mpath = manifest_path(raw)
    recorded = read(mpath) if mpath.is_file() else {}
    current = compute(raw)
    text = format_manifest(current)
    if not mpath.is_file() or mpath.read_text(encoding="utf-8") != text:
        atomic_write_text(mpath, text)
    return diff(recorded, current)
