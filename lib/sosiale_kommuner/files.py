"""Atomic, deterministic file writing.

Every output of the pipeline is written to a temporary file in the target folder and
then moved into place with :func:`os.replace`, so a crash never leaves a half-written
table or page that looks whole.
"""
from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

import pandas as pd

#: Float format of every result CSV: 12 significant digits survive a round trip of
#: the statistics we publish and hide last-bit noise between machines.
CSV_FLOAT_FORMAT = "%.12g"


def _default_mode() -> int:
    """Permissions an ordinary ``open(..., "w")`` would give (0666 less the umask)."""
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically (temporary file + rename)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, _default_mode())  # mkstemp creates 0600
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    return path


def atomic_write_text(path: str | os.PathLike, text: str) -> Path:
    """Write UTF-8 text atomically, with ``\\n`` line endings."""
    return atomic_write_bytes(path, text.encode("utf-8"))


def write_csv(df: pd.DataFrame, path: str | os.PathLike) -> Path:
    """Write a result table: UTF-8, ``.`` decimal, no index column, ``\\n`` line ends."""
    text = df.to_csv(index=False, float_format=CSV_FLOAT_FORMAT, lineterminator="\n")
    return atomic_write_text(path, text)


def write_parquet(df: pd.DataFrame, path: str | os.PathLike) -> Path:
    """Write a processed table as Parquet atomically (no pandas index stored)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        df.to_parquet(tmp, index=False)
        os.chmod(tmp, _default_mode())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    return path


def sha256_file(path: str | os.PathLike, chunk: int = 1 << 20) -> str:
    """Hex SHA-256 of a file's bytes."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            h.update(block)
    return h.hexdigest()
