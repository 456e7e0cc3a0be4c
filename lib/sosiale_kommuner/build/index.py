"""When the contents page is out of date.

The page shows the chapters' status, each chapter's current fingerprint (a chapter whose
code or inputs changed after its page was built is marked *out of date*) and the chapters'
outputs, through the report's code; :func:`index_key` hashes all of these. The build writes
the page together with the book's other pages (:mod:`.book`, which adds the raw files and
code those read to the key); :func:`update_index` writes the contents page alone.
"""
from __future__ import annotations

import contextlib
from typing import Any, Mapping

from sosiale_kommuner.report import index_page

from . import hashing
from .state import INDEX_KEY_FILE, write_text


def current_fingerprints(ctx, status: Mapping[str, Any]) -> dict[str, str]:
    """Each chapter's fingerprint now, with the parameters of its last run."""
    fps = {}
    for c in ctx.project.chapters:
        if c.stem in ctx.declared:
            with contextlib.suppress(Exception):
                params = status.get(c.stem, {}).get("params") or None
                fps[c.stem] = hashing.chapter_fingerprint(
                    c, ctx.paths, params, notebook_dir=ctx.project.notebook_dir,
                    package_dir=ctx.project.package_dir)
    return fps


def index_key(ctx, status: Mapping[str, Any], fps: Mapping[str, str]) -> str:
    """What the contents page depends on: status, exporter, every chapter's current fingerprint.

    When it is unchanged (and no chapter ran), the page is not rebuilt.
    """
    outputs = {s: r.get("outputs") for s, r in sorted(ctx.records.items())}
    # why an ok chapter last ran ("--force", "up to date") is not shown on the page
    shown = {s: {k: v for k, v in e.items() if not (k == "reason" and e.get("state") == "ok")}
             for s, e in status.items()}
    return hashing.hash_json({"status": shown, "export": ctx.export_hash, "fingerprints": fps,
                              "outputs": outputs})



def stale_chapters(status: Mapping[str, Any], fps: Mapping[str, str]) -> set[str]:
    """Chapters whose page was built from other code or inputs than the current ones."""
    return {stem for stem, entry in status.items()
            if entry.get("fingerprint") and stem in fps and fps[stem] != entry["fingerprint"]}


def update_index(ctx, status: Mapping[str, Any]) -> bool:
    """Rewrite the contents page (every edition) if what it shows changed; True when it was written."""
    fps = current_fingerprints(ctx, status)
    key = index_key(ctx, status, fps)
    key_file = ctx.paths.pipeline_state / INDEX_KEY_FILE
    page = ctx.paths.reports / "index.html"
    if page.is_file() and key_file.is_file() and key_file.read_text(encoding="utf-8") == key:
        return False
    index_page.write_index(ctx.paths, ctx.project.book(), stale=stale_chapters(status, fps))
    write_text(key_file, key)
    return True
