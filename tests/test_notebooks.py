"""Notebooks are committed clean and open in JupyterLab as they are (docs/contracts.md §3)."""
import json
import os
import re
import secrets
import socket
import subprocess
import sys
import time
import urllib.request

import nbformat
import pytest

from sosiale_kommuner import config
from sosiale_kommuner.build import graph

NOTEBOOKS = sorted(config.NOTEBOOK_DIR.glob("*.ipynb"))
NAME_RE = re.compile(r"^\d\d_[a-z0-9_]+\.ipynb$")


def test_every_declared_chapter_has_a_notebook_and_back():
    stems = {p.stem for p in NOTEBOOKS}
    assert stems == {c.stem for c in graph.CHAPTERS}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_committed_without_outputs(path):
    nb = nbformat.read(path, as_version=4)
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            assert cell.outputs == [], f"{path.name} cell {i} has outputs"
            assert cell.execution_count is None, f"{path.name} cell {i} has an execution count"
    assert "papermill" not in nb.metadata, f"{path.name} carries papermill metadata of an executed run"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_parameters_cell_first_and_kernel(path):
    assert NAME_RE.match(path.name)
    nb = nbformat.read(path, as_version=4)
    first = nb.cells[0]
    assert first.cell_type == "code" and "parameters" in first.metadata.get("tags", [])
    assert re.search(r"^raw_dir = None", first.source, re.M)
    assert re.search(r"^out_dir = None", first.source, re.M)
    assert nb.metadata["kernelspec"]["name"] == config.KERNEL_NAME
    # the chapter's introduction (from the text layer, in both languages) comes right after its setup
    assert any('page.text("intro"' in c.source for c in nb.cells[1:3]), "a short introduction follows the parameters"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_no_path_hacks(path):
    text = path.read_text(encoding="utf-8")
    assert "sys.path" not in text
    assert "/work/" not in text and "/tmp/" not in text


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_jupyterlab_lists_the_notebooks(tmp_path):
    """Start JupyterLab headless on a free loopback port and ask its contents API."""
    port, token = _free_port(), secrets.token_hex(16)
    env_dir = tmp_path / "jupyter-runtime"
    log = tmp_path / "jupyterlab.log"
    proc = subprocess.Popen(
        [sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
         f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={config.REPO_ROOT}",
         "--ServerApp.port_retries=0", "--allow-root"],
        stdout=log.open("w"), stderr=subprocess.STDOUT,
        env={**os.environ, "JUPYTER_RUNTIME_DIR": str(env_dir)})
    try:
        deadline = time.monotonic() + 90
        listing = None
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                pytest.fail(f"jupyter lab exited early:\n{log.read_text()}")
            try:
                req = urllib.request.Request(f"http://127.0.0.1:{port}/api/contents/notebooks",
                                             headers={"Authorization": f"token {token}"})
                with urllib.request.urlopen(req, timeout=5) as resp:
                    listing = json.load(resp)
                break
            except OSError:
                time.sleep(0.5)
        assert listing is not None, "jupyter lab did not answer within 90 s"
        names = {item["name"] for item in listing["content"] if item["type"] == "notebook"}
        assert {p.name for p in NOTEBOOKS} <= names
        req = urllib.request.Request(f"http://127.0.0.1:{port}/api/kernelspecs",
                                     headers={"Authorization": f"token {token}"})
        with urllib.request.urlopen(req, timeout=10) as resp:
            specs = json.load(resp)["kernelspecs"]
        assert config.KERNEL_NAME in specs, f"kernel {config.KERNEL_NAME} not registered: {sorted(specs)}"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
