"""What every report page says about where it came from (docs/contracts.md §8).

The footer of a chapter names:

* the project version (``sosiale_kommuner.__version__``);
* a content hash of the code that built it (the notebook and the ``lib/`` modules it
  imports; computed by the build), not a git commit — a commit would change every page on every
  commit and would not change when uncommitted code does;
* its parameters, without paths (see :func:`public_params`);
* the SHA-256 of each raw file the chapter reads, named by its POSIX path inside the raw
  folder (computed by the build);
* the versions of the key packages (:data:`KEY_PACKAGES`) and of Python.

Nothing here depends on the time, the machine's folders or the kernel, so two builds of
the same code on the same raw files print the same footer, and a changed raw file changes
exactly the footers (and pages) of the chapters that read it.

The synthetic-data notice (:func:`is_synthetic`) is decided here too, so chapters and the
contents page agree; the SSB attribution follows :attr:`ChapterInfo.shows_ssb`, which the
build sets from the chapter graph.
"""
from __future__ import annotations

import html
import json
import os
import platform
from importlib.metadata import PackageNotFoundError, version
from pathlib import PurePath
from typing import Any, Mapping

import yaml

from sosiale_kommuner import __version__
from sosiale_kommuner.config import SSB_ATTRIBUTION, SYNTHETIC_FLAG, Paths

from .book import ChapterInfo

#: Packages whose versions appear in every footer (the numbers depend on them).
KEY_PACKAGES = (
    "pandas", "numpy", "scipy", "statsmodels", "matplotlib", "seaborn", "papermill", "nbconvert",
)

#: Parameter names never printed: they are folders, and folders differ between builds.
PATH_PARAMS = frozenset({"raw_dir", "out_dir"})
_PATH_SUFFIXES = ("_dir", "_path", "_file", "_root")

SYNTHETIC_NOTICE = (
    "The survey answers behind every number on this page were "
    "made by the project's own generator, calibrated to the published figures of 2013; they "
    "are not the real survey responses. The population figures (SSB) are real."
)


def package_versions(packages: tuple[str, ...] = KEY_PACKAGES) -> dict[str, str]:
    """Installed version of each package (``"not installed"`` if absent), plus Python."""
    out: dict[str, str] = {"python": platform.python_version()}
    for name in packages:
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = "not installed"
    return out


def _looks_like_path(value: Any) -> bool:
    if isinstance(value, PurePath):
        return True
    if isinstance(value, str):
        return os.path.isabs(value) or value.startswith(("./", "../", "~"))
    return False


def public_params(params: Mapping[str, Any] | None) -> dict[str, Any]:
    """The parameters as printed: sorted, without folders or anything path-like.

    Dropped: ``raw_dir``, ``out_dir``, any name ending in ``_dir``, ``_path``, ``_file`` or
    ``_root``, and any value that is a ``Path`` or an absolute/relative path string.
    """
    out: dict[str, Any] = {}
    for key in sorted(params or {}):
        value = params[key]
        if key in PATH_PARAMS or key.endswith(_PATH_SUFFIXES) or _looks_like_path(value):
            continue
        out[key] = value
    return out


def is_synthetic(paths: Paths) -> bool:
    """True iff ``<raw>/survey/SYNTHETIC.yaml`` exists and says ``synthetic: true``.

    A missing file means no notice (real exports need not carry one); a file that is not a
    YAML mapping with a boolean ``synthetic`` key is an error, named with its path.
    """
    flag = paths.raw / SYNTHETIC_FLAG
    if not flag.is_file():
        return False
    try:
        data = yaml.safe_load(flag.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ValueError(f"{SYNTHETIC_FLAG}: not valid YAML ({exc})") from exc
    if not isinstance(data, dict) or "synthetic" not in data:
        raise ValueError(f"{SYNTHETIC_FLAG}: expected a mapping with key 'synthetic: true|false'")
    value = data["synthetic"]
    if not isinstance(value, bool):
        raise ValueError(f"{SYNTHETIC_FLAG}: 'synthetic' must be true or false, got {value!r}")
    return value


def notice_html(synthetic: bool) -> str:
    if not synthetic:
        return ""
    return (f'<p class="sk-notice" role="note"><strong>Synthetic demonstration data.</strong> '
            f'{html.escape(SYNTHETIC_NOTICE)}</p>')


def attribution_html(chapter: ChapterInfo | None) -> str:
    if chapter is not None and not chapter.shows_ssb:
        return ""
    return (f'<p class="sk-attribution">{html.escape(SSB_ATTRIBUTION)} '
            '(population figures, licence NLOD 2.0 / CC BY 4.0).</p>')


def _format_param(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def footer_html(*, stem: str, code_hash: str, params: Mapping[str, Any] | None,
                raw_checksums: Mapping[str, str], versions: Mapping[str, str] | None = None) -> str:
    """The provenance block of a chapter's footer (deterministic HTML)."""
    esc = html.escape
    versions = package_versions() if versions is None else versions
    rows = [
        f"<tr><th>Project version</th><td>sosiale-kommuner {esc(__version__)}</td></tr>",
        f'<tr><th>Code hash</th><td class="sk-hash">{esc(code_hash)}</td></tr>',
    ]
    shown = public_params(params)
    if shown:
        items = ", ".join(f"<code>{esc(k)} = {esc(_format_param(v))}</code>" for k, v in shown.items())
    else:
        items = "none"
    rows.append(f"<tr><th>Parameters</th><td>{items}</td></tr>")
    pkg = ", ".join(f"{esc(k)} {esc(v)}" for k, v in versions.items())
    rows.append(f"<tr><th>Packages</th><td>{pkg}</td></tr>")
    raw_rows = "".join(
        f'<tr><td><code>{esc(name)}</code></td><td class="sk-hash">{esc(digest)}</td></tr>'
        for name, digest in sorted(raw_checksums.items())
    )
    raw_table = (
        '<table class="sk-raw"><caption>Raw files read (SHA-256)</caption>'
        f"<thead><tr><th>File in the raw folder</th><th>SHA-256</th></tr></thead><tbody>{raw_rows}</tbody></table>"
        if raw_rows else "<p>This chapter reads no raw files directly.</p>"
    )
    return (
        f'<section class="sk-provenance" aria-label="Provenance">\n'
        f"<h2>Provenance</h2>\n"
        f"<p>Built from notebook <code>notebooks/{esc(stem)}.ipynb</code>. "
        f"The code hash covers that notebook and the <code>lib/</code> package; a changed line of "
        f"code or a changed raw file changes it or the checksums below.</p>\n"
        f'<table class="sk-meta"><tbody>{"".join(rows)}</tbody></table>\n'
        f"{raw_table}\n</section>"
    )


__all__ = [
    "KEY_PACKAGES", "SYNTHETIC_NOTICE", "package_versions", "public_params", "is_synthetic",
    "notice_html", "attribution_html", "footer_html",
]
