"""The architecture holds: layers point one way, no cycles, no private names crossing modules,
no unused code the linter can see, and the repository explains itself."""
from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from sosiale_kommuner import config

ROOT = config.REPO_ROOT
PACKAGE = ROOT / "lib" / "sosiale_kommuner"
PYTHON_TREES = ("lib", "tests", "benchmarks", "tools", "run_all.py", "data/raw/frame/build_frame.py")
#: A module longer than this has more than one reason to change.
MAX_MODULE_LINES = 500


def test_import_contracts_hold():
    """The layers and cycle contracts of pyproject.toml ([tool.importlinter]), with import-linter."""
    proc = subprocess.run([str(Path(sys.executable).with_name("lint-imports")), "--no-cache"], cwd=ROOT,
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "0 broken" in proc.stdout


def test_pyflakes_clean():
    proc = subprocess.run([sys.executable, "-m", "pyflakes", *PYTHON_TREES], cwd=ROOT, capture_output=True,
                          text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def _modules():
    return sorted(p for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts)


def _dotted(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def test_no_private_names_imported_across_modules():
    """A name with a leading underscore is its module's own: other modules use public names."""
    offences = []
    for path in _modules():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                private = [a.name for a in node.names if a.name.startswith("_") and not a.name.startswith("__")]
                if private:
                    offences.append(f"{path.relative_to(ROOT)}:{node.lineno} imports {private}")
            elif isinstance(node, ast.Attribute) and node.attr.startswith("_") and not node.attr.startswith("__"):
                if isinstance(node.value, ast.Name) and node.value.id not in ("self", "cls", "np", "pd", "os", "sys"):
                    offences.append(f"{path.relative_to(ROOT)}:{node.lineno} uses {node.value.id}.{node.attr}")
    assert not offences, "\n".join(offences)


def test_no_module_is_too_long():
    long = {str(p.relative_to(ROOT)): n for p in _modules()
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES}
    assert not long, f"modules over {MAX_MODULE_LINES} lines: {long}"


@pytest.mark.parametrize("layer", ["survey", "data", "chapters", "report", "build"])
def test_every_subpackage_says_what_it_holds(layer):
    doc = ast.get_docstring(ast.parse((PACKAGE / layer / "__init__.py").read_text(encoding="utf-8")))
    assert doc and len(doc) > 200
    for path in sorted((PACKAGE / layer).glob("*.py")):
        if path.name != "__init__.py":
            assert ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))), f"{path.name} has no docstring"


def test_architecture_md_names_every_module():
    """A newcomer finds every module in ARCHITECTURE.md's tables (by its name in backquotes)."""
    import re

    named = set(re.findall(r"`([A-Za-z0-9_]+)(?:\.py)?`", (ROOT / "ARCHITECTURE.md").read_text(encoding="utf-8")))
    missing = sorted(str(p.relative_to(PACKAGE)) for p in PACKAGE.rglob("*.py")
                     if p.stem not in ("__init__", "__main__") and "__pycache__" not in p.parts
                     and p.stem not in named)
    assert not missing, f"modules ARCHITECTURE.md does not name: {missing}"


def test_repository_refers_to_nothing_outside_it():
    """No file points at the steering folder or a contracts file outside the repository."""
    outside = ("../shared", "CONTRACTS.md", "CONTRACTS §", "STUDY.md", "STYLE.md", "published_figures.md")
    proc = subprocess.run(["git", "grep", "-n", "-I", "-F", *[a for o in outside for a in ("-e", o)],
                           "--", ":!tests/test_architecture.py"], cwd=ROOT, capture_output=True, text=True)
    assert proc.stdout == "", proc.stdout


def test_every_cited_section_of_the_docs_exists():
    """Each ``docs/<file>.md §N`` cited in code, notebooks or docs is a numbered heading there."""
    import re

    cite = re.compile(r"docs/([a-z_-]+)\.md §(\d+)")
    proc = subprocess.run(["git", "grep", "-h", "-o", "-I", "-E", r"docs/[a-z_-]+\.md §[0-9]+"], cwd=ROOT,
                          capture_output=True, text=True)
    cited = set(cite.findall(proc.stdout))
    assert cited, "no citations found (the pattern is wrong?)"
    for name, section in sorted(cited):
        doc = ROOT / "docs" / f"{name}.md"
        assert doc.is_file(), f"docs/{name}.md is cited but missing"
        heading = re.compile(rf"^#+ §{section}\b", re.MULTILINE)
        assert heading.search(doc.read_text(encoding="utf-8")), f"docs/{name}.md has no section §{section}"
