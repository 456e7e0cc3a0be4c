"""The build's own files under ``<out>/.pipeline/`` (git-ignored), read and written safely.

``status.json`` (each chapter's last outcome), ``chapters.json`` (fingerprints and outputs
of successful runs), ``parameters.json`` (declared parameters, cached by notebook hash),
``index.key`` and ``leak-scan.key`` (what the last index and the last clean scan were made
from), ``imports.json`` (import analysis cache) and ``timings.json`` (benchmarks only).
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sosiale_kommuner.files import atomic_write_text

STATUS_FILE = "status.json"
STATE_FILE = "chapters.json"
PARAMS_CACHE = "parameters.json"
INDEX_KEY_FILE = "index.key"
LEAK_KEY_FILE = "leak-scan.key"
IMPORTS_CACHE = "imports.json"
#: Seconds per phase of each chapter's last run (varies run to run; for benchmarks only).
TIMINGS_FILE = "timings.json"


def read_json(path: Path) -> dict:
    """A JSON object from ``path``; {} when the file is missing or not an object."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return data if isinstance(data, dict) else {}
    except (FileNotFoundError, json.JSONDecodeError):
        return {}


def write_text(path: Path, text: str) -> None:
    """Write atomically, and only when the content differs (keeps no-op builds cheap)."""
    if not path.is_file() or path.read_text(encoding="utf-8") != text:
        atomic_write_text(path, text)


def write_json(path: Path, data: Any) -> None:
    """Deterministic JSON (sorted keys), written as :func:`write_text` does."""
    write_text(path, json.dumps(data, sort_keys=True, indent=1, ensure_ascii=False) + "\n")
