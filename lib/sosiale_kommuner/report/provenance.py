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
from sosiale_kommuner.config import REPO_ROOT, SSB_ATTRIBUTION, SYNTHETIC_FLAG, Paths

from . import text
from .book import ChapterInfo

#: Packages whose versions appear in every footer (the numbers depend on them).
KEY_PACKAGES = (
    "pandas", "numpy", "scipy", "statsmodels", "matplotlib", "seaborn", "papermill", "nbconvert",
)

#: Parameter names never printed: they are folders, and folders differ between builds.
PATH_PARAMS = frozenset({"raw_dir", "out_dir"})
_PATH_SUFFIXES = ("_dir", "_path", "_file", "_root")

#: Deprecated: the English notice, for chapters not yet written through the text layer
#: (they print it themselves). Pages take the notice from :func:`notice_html`.
SYNTHETIC_NOTICE = text.common("notice.synthetic", "en")

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


def notice_html(synthetic: bool, lang: str = "nb") -> str:
    """The synthetic-data notice (empty when the data are not synthetic)."""
    if not synthetic:
        return ""
    return (f'<p class="sk-notice" role="note"><strong>{html.escape(text.common("notice.synthetic_title", lang))}'
            f'</strong> {text.to_html(text.common("notice.synthetic", lang), inline=True)}</p>')


def attribution_html(chapter: ChapterInfo | None, lang: str = "nb") -> str:
    """SSB's attribution, on pages that show SSB's figures."""
    if chapter is not None and not chapter.shows_ssb:
        return ""
    return (f'<p class="sk-attribution">{html.escape(SSB_ATTRIBUTION)} '
            f'({html.escape(text.common("footer.ssb_licence", lang))})</p>')


def _format_param(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def footer_html(*, stem: str, code_hash: str, params: Mapping[str, Any] | None,
                raw_checksums: Mapping[str, str], versions: Mapping[str, str] | None = None,
                lang: str = "nb") -> str:
    """The provenance block of a chapter's footer (deterministic HTML), in ``lang``."""
    esc = html.escape

    def t(key: str, **values: Any) -> str:
        return text.common(f"footer.{key}", lang, **values)

    versions = package_versions() if versions is None else versions
    rows = [
        f"<tr><th>{esc(t('version'))}</th><td>sosiale-kommuner {esc(__version__)}</td></tr>",
        f'<tr><th>{esc(t("code_hash"))}</th><td class="sk-hash">{esc(code_hash)}</td></tr>',
    ]
    shown = public_params(params)
    if shown:
        items = ", ".join(f"<code>{esc(k)} = {esc(_format_param(v))}</code>" for k, v in shown.items())
    else:
        items = esc(t("no_parameters"))
    rows.append(f"<tr><th>{esc(t('parameters'))}</th><td>{items}</td></tr>")
    pkg = ", ".join(f"{esc(k)} {esc(v)}" for k, v in versions.items())
    rows.append(f"<tr><th>{esc(t('packages'))}</th><td>{pkg}</td></tr>")
    raw_rows = "".join(
        f'<tr><td><code>{esc(name)}</code></td><td class="sk-hash">{esc(digest)}</td></tr>'
        for name, digest in sorted(raw_checksums.items())
    )
    raw_table = (
        f'<table class="sk-raw"><caption>{esc(t("raw_caption"))}</caption>'
        f"<thead><tr><th>{esc(t('raw_file'))}</th><th>SHA-256</th></tr></thead><tbody>{raw_rows}</tbody></table>"
        if raw_rows else f"<p>{esc(t('no_raw'))}</p>"
    )
    return (
        f'<div class="sk-provenance">\n'
        f"<p>{text.to_html(t('built_from', notebook=f'notebooks/{stem}.ipynb'), inline=True)}</p>\n"
        f'<table class="sk-meta"><caption>{esc(t("title"))}</caption><tbody>{"".join(rows)}</tbody></table>\n'
        f"{raw_table}\n</div>"
    )


#: The project's citation metadata (Citation File Format), at the repository root.
CITATION_FILE = REPO_ROOT / "CITATION.cff"


def citation(path=CITATION_FILE) -> dict[str, Any]:
    """``CITATION.cff`` as a mapping ({} when the file is absent)."""
    try:
        data = yaml.safe_load(open(path, encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except yaml.YAMLError as exc:
        raise ValueError(f"{path.name}: not valid YAML ({exc})") from None
    return data if isinstance(data, dict) else {}


def _names(people) -> str:
    out = []
    for p in people or []:
        name = p.get("name") or " ".join(x for x in (p.get("given-names"), p.get("family-names")) if x)
        if name:
            out.append(str(name))
    return ", ".join(out)


def citation_html(lang: str = "nb", cff: Mapping[str, Any] | None = None) -> str:
    """How to cite the report, from ``CITATION.cff``: the reference, and what it builds on."""
    cff = citation() if cff is None else cff
    if not cff.get("title"):
        return ""
    esc = html.escape
    # the citation file is written in English: marked so in the other edition
    mark = "" if lang == "en" else ' lang="en"'
    parts = [f"<span{mark}>{esc(_names(cff.get('authors')))}</span>", f"<cite{mark}>{esc(str(cff['title']))}</cite>"]
    if cff.get("version"):
        parts.append(esc(text.common("cite.version", lang, version=str(cff["version"]))))
    if cff.get("date-released"):
        parts.append(esc(str(cff["date-released"])))
    if cff.get("doi"):
        parts.append(f"doi:{esc(str(cff['doi']))}")
    if cff.get("license"):
        parts.append(esc(text.common("cite.licence", lang, licence=str(cff["license"]))))
    lines = [f'<p class="sk-cite-ref">{". ".join(p for p in parts if p)}.</p>']
    for ref in cff.get("references") or []:
        who, title = _names(ref.get("authors")), str(ref.get("title", ""))
        year = f" ({ref['year']})" if ref.get("year") else ""
        key = "cite.data" if ref.get("type") == "data" else "cite.original"
        reference = f"{who}{year}: {title}" + (f". {ref['notes']}" if ref.get("notes") else "")
        before, _, after = text.common(key, lang, reference="\x00").partition("\x00")
        lines.append(f'<p class="sk-cite-source">{esc(before)}<span lang="nb">{esc(reference)}</span>{esc(after)}</p>')
    return "\n".join(lines)


def build_table_html(rows: list[tuple[str, ...]], caption: str) -> str:
    """A small two-column table of build facts (for a page's collapsed build details). A row
    may name the language of its value when it is not the page's: ``(name, value, "en")``
    (the build's own messages are English)."""
    esc = html.escape
    body = "".join(f"<tr><th>{esc(r[0])}</th><td{f' lang={chr(34)}{r[2]}{chr(34)}' if len(r) > 2 else ''}>"
                   f"{esc(r[1])}</td></tr>" for r in rows)
    return f'<table class="sk-meta"><caption>{esc(caption)}</caption><tbody>{body}</tbody></table>'


__all__ = [
    "KEY_PACKAGES", "package_versions", "public_params", "is_synthetic",
    "notice_html", "attribution_html", "footer_html", "citation", "citation_html", "build_table_html",
    "CITATION_FILE",
]
