"""Content hashes that decide what the pipeline reruns and what a chapter's footer prints.

A chapter's **code hash** covers the notebook's cell sources (outputs, execution counts
and metadata are ignored) and the modules of this package that the notebook imports,
followed transitively through the modules' own imports (static analysis with
:mod:`ast`; an import hidden in a string, e.g. ``importlib.import_module(name)``, is not
seen). Editing a module that no chapter imports changes no chapter's hash.

A chapter's **fingerprint** adds its parameters (never the folders), the SHA-256 of
every raw file its ``raw`` globs match, and the SHA-256 of the processed files it
reads. Two runs with equal fingerprints executed the same code on the same bytes.

Every hash here is a lowercase SHA-256 hex digest of a canonical JSON document, and
every path inside one is relative (a notebook by its stem, a module by its dotted name,
a raw file by its POSIX path inside the raw folder), so hashes do not depend on where a
checkout or an output root lives.
"""
from __future__ import annotations

import ast
import hashlib
import json
import os
from pathlib import Path
from typing import Any, Iterable, Mapping

from sosiale_kommuner import config

#: The importable name of this package; imports of it are followed.
PACKAGE = __name__.split(".")[0]
#: The folder holding this package's modules.
PACKAGE_DIR = Path(__file__).resolve().parents[1]
#: Parameters that name folders: never part of a fingerprint or a footer.
PATH_PARAMETERS = frozenset({"raw_dir", "out_dir"})
#: Modules whose code (and the package data below) builds the HTML pages.
REPORT_MODULES = (f"{PACKAGE}.report.chapter_page", f"{PACKAGE}.report.index_page")
#: Package-data folders that shape the exported HTML (nbconvert templates).
REPORT_DATA_DIRS = ("report/templates",)


# --- primitives ---------------------------------------------------------------------

def sha256_bytes(data: bytes) -> str:
    """Hex SHA-256 of ``data``."""
    return hashlib.sha256(data).hexdigest()


def canonical_json(obj: Any) -> str:
    """JSON with sorted keys and no insignificant whitespace (the hashed form)."""
    return json.dumps(obj, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def hash_json(obj: Any) -> str:
    """Hex SHA-256 of :func:`canonical_json` of ``obj``."""
    return sha256_bytes(canonical_json(obj).encode("utf-8"))


_FILE_CACHE: dict[tuple[str, int, int, int], str] = {}


def sha256_file(path: str | os.PathLike) -> str:
    """Hex SHA-256 of a file's bytes, cached per (path, size, mtime, inode) in this process."""
    p = os.fspath(path)
    st = os.stat(p)
    key = (os.path.abspath(p), st.st_size, st.st_mtime_ns, st.st_ino)
    hit = _FILE_CACHE.get(key)
    if hit is None:
        h = hashlib.sha256()
        with open(p, "rb") as fh:
            while block := fh.read(1 << 20):
                h.update(block)
        hit = _FILE_CACHE[key] = h.hexdigest()
    return hit


def _normalise_text(text: str) -> str:
    """``\\r\\n`` -> ``\\n``, trailing blanks of each line and trailing blank lines dropped."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return "\n".join(line.rstrip() for line in lines).strip("\n")


# --- notebooks ----------------------------------------------------------------------

def notebook_path(stem: str, notebook_dir: str | os.PathLike | None = None) -> Path:
    """``<notebook_dir>/<stem>.ipynb`` (default ``notebooks/`` of the repository)."""
    return Path(notebook_dir or config.NOTEBOOK_DIR) / f"{stem}.ipynb"


def notebook_cells(stem: str, notebook_dir: str | os.PathLike | None = None) -> list[tuple[str, str]]:
    """``(cell_type, normalised source)`` of every cell, in order.

    Reads the JSON directly (no nbformat import, to keep an up-to-date check fast).
    """
    path = notebook_path(stem, notebook_dir)
    try:
        nb = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise FileNotFoundError(f"notebook {path.name} not found in {path.parent}") from None
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path.name}: not valid notebook JSON ({exc})") from None
    cells = []
    for i, cell in enumerate(nb.get("cells", [])):
        src = cell.get("source", "")
        if isinstance(src, list):
            src = "".join(src)
        cells.append((str(cell.get("cell_type", "")), _normalise_text(src)))
    return cells


def _python_source(code: str) -> str:
    """Cell source as plain Python (IPython magics and shell escapes translated)."""
    try:
        ast.parse(code)
        return code
    except SyntaxError:
        pass
    try:
        from IPython.core.inputtransformer2 import TransformerManager
        return TransformerManager().transform_cell(code)
    except Exception:  # not IPython syntax either: drop magic/shell lines and try again
        return "\n".join(
            "" if line.lstrip().startswith(("%", "!")) else line for line in code.split("\n")
        )


# --- import analysis ----------------------------------------------------------------

def module_file(name: str, package_dir: Path) -> Path | None:
    """The source file of module ``name`` (dotted, starting with the package) or None."""
    parts = name.split(".")
    if parts[0] != PACKAGE:
        return None
    base = package_dir.joinpath(*parts[1:]) if len(parts) > 1 else package_dir
    if len(parts) > 1 and base.with_suffix(".py").is_file():
        return base.with_suffix(".py")
    init = base / "__init__.py"
    return init if init.is_file() else None


def _is_package(name: str, package_dir: Path) -> bool:
    f = module_file(name, package_dir)
    return f is not None and f.name == "__init__.py"


#: Import analysis results keyed by content (source, module name, package layout); can be
#: loaded from and saved to a file (:func:`load_import_cache`) so no-op builds skip parsing.
_CONTENT_CACHE: dict[str, list[str]] = {}
_LAYOUT: dict[str, str] = {}


def _package_layout(package_dir: Path) -> str:
    """Hash of the package's module file names (imports resolve against them)."""
    key = str(package_dir)
    st = package_dir.stat().st_mtime_ns
    cached = _LAYOUT.get(key)
    if cached and cached.startswith(f"{st}:"):
        return cached.split(":", 1)[1]
    names = sorted(p.relative_to(package_dir).as_posix() for p in package_dir.rglob("*.py")
                   if "__pycache__" not in p.parts)
    h = hash_json(names)
    _LAYOUT[key] = f"{st}:{h}"
    return h


def load_import_cache(path: str | os.PathLike) -> None:
    """Merge a saved import-analysis cache (missing or unreadable file: ignored)."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return
    if isinstance(data, dict):
        _CONTENT_CACHE.update({k: v for k, v in data.items() if isinstance(v, list)})


def import_cache_text() -> str:
    """The import-analysis cache as JSON text (for the caller to save)."""
    return json.dumps(_CONTENT_CACHE, sort_keys=True, separators=(",", ":")) + "\n"


def _imported_modules(source: str, current: str | None, package_dir: Path, where: str,
                      cell: bool = False) -> set[str]:
    """:func:`_parse_imports`, cached by content (``cell``: IPython syntax allowed)."""
    key = sha256_bytes("\0".join((_package_layout(package_dir), current or "", "cell" * cell,
                                   source)).encode("utf-8"))
    hit = _CONTENT_CACHE.get(key)
    if hit is None:
        code = _python_source(source) if cell else source
        hit = _CONTENT_CACHE[key] = sorted(_parse_imports(code, current, package_dir, where))
    return set(hit)


def _parse_imports(source: str, current: str | None, package_dir: Path, where: str) -> set[str]:
    """Modules of this package that ``source`` imports (dotted names, existing files only).

    ``current`` is the dotted name of the module being read (None for a notebook cell),
    needed to resolve relative imports.
    """
    try:
        tree = ast.parse(source)
    except SyntaxError as exc:
        raise SyntaxError(f"{where}: cannot parse for imports: {exc}") from None
    found: set[str] = set()

    def add(name: str) -> None:
        if module_file(name, package_dir) is not None:
            found.add(name)

    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name == PACKAGE or alias.name.startswith(PACKAGE + "."):
                    add(alias.name)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                if current is None:
                    continue
                pkg = current if _is_package(current, package_dir) else current.rpartition(".")[0]
                parts = pkg.split(".")
                if node.level > 1:
                    parts = parts[: len(parts) - (node.level - 1)]
                base = ".".join(parts + ([node.module] if node.module else []))
            else:
                base = node.module or ""
            if not (base == PACKAGE or base.startswith(PACKAGE + ".")):
                continue
            add(base)
            for alias in node.names:
                if alias.name != "*":
                    add(f"{base}.{alias.name}")
    # importing a.b.c runs a/__init__ and a/b/__init__ first
    for name in list(found):
        parts = name.split(".")
        for i in range(1, len(parts)):
            add(".".join(parts[:i]))
    return found


def module_closure(roots: Iterable[str], package_dir: str | os.PathLike | None = None) -> list[str]:
    """``roots`` and every package module they import, transitively, sorted."""
    pdir = Path(package_dir or PACKAGE_DIR)
    seen: set[str] = set()
    stack = [r for r in roots if module_file(r, pdir) is not None]
    while stack:
        name = stack.pop()
        if name in seen:
            continue
        seen.add(name)
        stack.extend(_module_imports(name, pdir) - seen)
    return sorted(seen)


_IMPORTS_CACHE: dict[tuple, frozenset] = {}


def _module_imports(name: str, package_dir: Path) -> frozenset:
    """Package modules that module ``name`` imports, cached per file version in this process."""
    path = module_file(name, package_dir)
    st = path.stat()
    key = (str(path), st.st_size, st.st_mtime_ns, st.st_ino)
    hit = _IMPORTS_CACHE.get(key)
    if hit is None:
        src = path.read_text(encoding="utf-8")
        where = f"{PACKAGE}/{path.relative_to(package_dir).as_posix()}"
        hit = _IMPORTS_CACHE[key] = frozenset(_imported_modules(src, name, package_dir, where=where))
    return hit


def lib_modules(stem: str, *, notebook_dir: str | os.PathLike | None = None,
                package_dir: str | os.PathLike | None = None) -> list[str]:
    """Dotted names of the package modules notebook ``stem`` uses (transitively), sorted."""
    pdir = Path(package_dir or PACKAGE_DIR)
    roots: set[str] = set()
    for i, (kind, src) in enumerate(notebook_cells(stem, notebook_dir)):
        if kind == "code":
            roots |= _imported_modules(src, None, pdir, where=f"{stem}.ipynb cell {i}", cell=True)
    return module_closure(roots, pdir)


def package_data(name: str, package_dir: Path) -> list[Path]:
    """The data files of package ``name`` (not modules): files below its folder that are not
    Python and not inside a subpackage (e.g. the text layer's YAML files). They shape what a
    chapter shows, so they count as part of the package's code."""
    init = module_file(name, package_dir)
    if init is None or init.name != "__init__.py":
        return []
    root = init.parent
    out = []
    for f in sorted(root.rglob("*")):
        if not f.is_file() or f.suffix in (".py", ".pyc") or "__pycache__" in f.parts:
            continue
        if any((d / "__init__.py").is_file() for d in f.parents if d != root and root in d.parents):
            continue
        out.append(f)
    return out


def module_digests(modules: Iterable[str], package_dir: Path) -> dict[str, str]:
    """SHA-256 of each module's source (line endings normalised) and of each package's data
    files (keyed ``<module>:<path inside the package>``)."""
    out = {}
    for name in modules:
        data = module_file(name, package_dir).read_bytes().replace(b"\r\n", b"\n")
        out[name] = sha256_bytes(data)
        for f in package_data(name, package_dir):
            rel = f.relative_to(module_file(name, package_dir).parent).as_posix()
            out[f"{name}:{rel}"] = sha256_bytes(f.read_bytes().replace(b"\r\n", b"\n"))
    return out


def code_hash(stem: str, *, notebook_dir: str | os.PathLike | None = None,
              package_dir: str | os.PathLike | None = None) -> str:
    """Content hash of notebook ``stem``'s cell sources and the package modules it uses."""
    pdir = Path(package_dir or PACKAGE_DIR)
    return hash_json({
        "notebook": notebook_cells(stem, notebook_dir),
        "modules": module_digests(lib_modules(stem, notebook_dir=notebook_dir, package_dir=pdir), pdir),
    })


def report_code_hash(package_dir: str | os.PathLike | None = None) -> str:
    """Hash of the HTML exporter: ``report`` and the modules it imports, plus its templates.

    Changes only when the look of the pages can change; the pipeline re-exports (without
    re-executing) every chapter when it does.
    """
    pdir = Path(package_dir or PACKAGE_DIR)
    modules = module_closure(REPORT_MODULES, pdir)
    data: dict[str, str] = {}
    for folder in REPORT_DATA_DIRS:
        root = pdir / folder
        if root.is_dir():
            for f in sorted(root.rglob("*")):
                if f.is_file() and "__pycache__" not in f.parts:
                    data[f.relative_to(pdir).as_posix()] = sha256_file(f)
    return hash_json({"modules": module_digests(modules, pdir), "data": data})


# --- raw and processed inputs -------------------------------------------------------

def raw_files(chapter, paths: config.Paths) -> list[Path]:
    """Raw files matched by ``chapter.raw`` (globs inside the raw folder), sorted, no manifest."""
    raw = Path(paths.raw)
    hits: set[Path] = set()
    for pattern in chapter.raw:
        for p in raw.glob(pattern):
            if p.is_file() and p.name != config.MANIFEST_NAME:
                hits.add(p)
    return sorted(hits, key=lambda p: p.relative_to(raw).as_posix())


def raw_checksums(chapter, paths: config.Paths) -> dict[str, str]:
    """SHA-256 of each raw file ``chapter`` reads, keyed by POSIX path inside the raw folder."""
    raw = Path(paths.raw)
    return {p.relative_to(raw).as_posix(): sha256_file(p) for p in raw_files(chapter, paths)}


def input_checksums(chapter, paths: config.Paths) -> dict[str, str]:
    """SHA-256 of each processed file ``chapter`` reads (``"missing"`` when absent)."""
    out = {}
    for name in sorted(chapter.reads):
        p = Path(paths.processed) / name
        out[name] = sha256_file(p) if p.is_file() else "missing"
    return out


def public_params(params: Mapping[str, Any] | None) -> dict[str, Any]:
    """``params`` without the folder parameters, sorted by name (what a footer may print)."""
    return {k: params[k] for k in sorted(params or {}) if k not in PATH_PARAMETERS}


def fingerprint_parts(chapter, paths: config.Paths, params: Mapping[str, Any] | None, *,
                      notebook_dir: str | os.PathLike | None = None,
                      package_dir: str | os.PathLike | None = None) -> dict[str, Any]:
    """The components of :func:`chapter_fingerprint`, for explaining why a chapter reruns."""
    return {
        "code": code_hash(chapter.stem, notebook_dir=notebook_dir, package_dir=package_dir),
        "params": public_params(params),
        "raw": raw_checksums(chapter, paths),
        "inputs": input_checksums(chapter, paths),
    }


def chapter_fingerprint(chapter, paths: config.Paths, params: Mapping[str, Any] | None, *,
                        notebook_dir: str | os.PathLike | None = None,
                        package_dir: str | os.PathLike | None = None) -> str:
    """Hash of code hash + parameters (folders excluded) + raw and processed input checksums.

    ``params`` are the parameter values the notebook runs with (JSON-serialisable).
    """
    return hash_json(fingerprint_parts(chapter, paths, params,
                                       notebook_dir=notebook_dir, package_dir=package_dir))
