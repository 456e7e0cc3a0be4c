"""pyproject.toml's [project] dependencies are exactly what the package imports.

Every third-party module imported anywhere in lib/ (top level or inside a function) must
come from a declared distribution, and every declared distribution must be imported, or be
one of the engines pandas loads by name, each with the place that needs it.
"""
from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions

from sosiale_kommuner import config

ROOT = config.REPO_ROOT
LIB = ROOT / "lib" / "sosiale_kommuner"
#: Declared but never imported: pandas loads them by name. Distribution -> text in lib/ that
#: shows the need (the test fails if that text goes, so the entry cannot outlive its reason).
ENGINES = {"pyarrow": ".to_parquet(", "openpyxl": 'engine="openpyxl"'}


def _norm(name: str) -> str:
    """PEP 503 normalised distribution name."""
    return re.sub(r"[-_.]+", "-", name).lower()


def _declared() -> set[str]:
    doc = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return {_norm(re.split(r"[<>=!~\[; ]", d, maxsplit=1)[0]) for d in doc["project"]["dependencies"]}


def _imported_modules() -> dict[str, str]:
    """Top-level third-party module -> a file importing it."""
    out: dict[str, str] = {}
    for path in sorted(LIB.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for n in names:
                top = n.split(".")[0]
                if top not in sys.stdlib_module_names and top != "sosiale_kommuner":
                    out.setdefault(top, str(path.relative_to(ROOT)))
    return out


def test_every_imported_distribution_is_declared():
    dists = packages_distributions()
    declared = _declared()
    missing = {}
    for module, where in _imported_modules().items():
        names = {_norm(d) for d in dists.get(module, [])}
        assert names, f"{module} (imported in {where}) belongs to no installed distribution"
        if not names & declared:
            missing[module] = where
    assert not missing, f"imported but not in pyproject.toml's dependencies: {missing}"


def test_every_declared_distribution_is_used():
    dists = packages_distributions()
    used = {_norm(d) for m in _imported_modules() for d in dists.get(m, [])}
    source = "\n".join(p.read_text(encoding="utf-8") for p in LIB.rglob("*.py"))
    for engine, marker in ENGINES.items():
        assert marker in source, f"{engine} is declared for {marker!r}, which lib/ no longer contains"
    unused = _declared() - used - set(ENGINES)
    assert not unused, f"declared in pyproject.toml but never imported by lib/: {sorted(unused)}"


def test_every_declared_distribution_is_pinned():
    pinned = {_norm(line.split("==")[0]) for line in (ROOT / "requirements.txt").read_text().splitlines()
              if "==" in line and not line.lstrip().startswith("#")}
    assert _declared() <= pinned, sorted(_declared() - pinned)
