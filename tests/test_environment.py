"""requirements.txt and environment.yml install the same pins for Python 3.11."""
import re
import sys

import yaml

from sosiale_kommuner import config

ROOT = config.REPO_ROOT
PIN = re.compile(r"^[A-Za-z0-9_.\-\[\]]+==[A-Za-z0-9_.+\-]+$")


def _requirements():
    lines = []
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line and not line.startswith("-"):
            lines.append(line)
    return lines


def test_every_requirement_is_pinned_exactly():
    reqs = _requirements()
    assert reqs, "requirements.txt is empty"
    bad = [r for r in reqs if not PIN.match(r)]
    assert not bad, f"unpinned requirements: {bad}"


def test_core_packages_are_pinned():
    names = {r.split("==")[0].lower().replace("_", "-") for r in _requirements()}
    core = {"jupyterlab", "papermill", "nbconvert", "pandas", "seaborn", "statsmodels", "pingouin",
            "pyarrow", "pandera", "pyreadstat", "doit", "pytest", "selenium"}
    assert core <= names, f"missing: {sorted(core - names)}"


def test_environment_yml_has_the_same_pins():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    deps = env["dependencies"]
    assert "python=3.11" in deps
    pip = next(d["pip"] for d in deps if isinstance(d, dict) and "pip" in d)
    assert sorted(pip) == sorted(_requirements())


def test_running_on_python_311():
    assert sys.version_info[:2] == (3, 11)


def test_installed_versions_match_the_pins():
    from importlib.metadata import PackageNotFoundError, version
    wrong = []
    for req in _requirements():
        name, pinned = req.split("==")
        try:
            got = version(name)
        except PackageNotFoundError:
            wrong.append(f"{name} not installed")
            continue
        if got != pinned:
            wrong.append(f"{name} {got} != {pinned}")
    assert not wrong, wrong
