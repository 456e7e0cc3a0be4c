"""Spare kernels (build/kernels.py): started while a notebook runs, warmed with imports that
change nothing a notebook shows, handed to the next notebook, shut down when not used."""
from __future__ import annotations

import nbformat
import papermill
import pytest

from sosiale_kommuner import config
from sosiale_kommuner.build import engine
from sosiale_kommuner.build import kernels
from sosiale_kommuner.build.kernel import ensure_kernel


@pytest.fixture(scope="module", autouse=True)
def kernel():
    ensure_kernel()


def _notebook(path, *cells):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(c) for c in cells]
    nb.metadata["kernelspec"] = {"name": config.KERNEL_NAME, "display_name": "x", "language": "python"}
    nbformat.write(nb, path)
    return path


def test_spare_kernel_is_warm_and_leaves_no_trace(tmp_path):
    src = _notebook(tmp_path / "a.ipynb", "import sys\nprint('colorsys' in sys.modules, sorted(k for k in dir() if 'warm' in k))",
                    "print(1 + 1)")
    kernels.prepare_spare(config.KERNEL_NAME, tmp_path, ("colorsys",))
    km = kernels.take_kernel(config.KERNEL_NAME, tmp_path)
    try:
        nb = papermill.execute_notebook(str(src), str(tmp_path / "out.ipynb"), kernel_name=config.KERNEL_NAME,
                                        cwd=str(tmp_path), progress_bar=False, km=km)
    finally:
        kernels.stop_kernel(km)
    first = nb.cells[0]
    assert first.outputs[0]["text"].strip() == "True []"          # imported, and no helper left behind
    assert [c.execution_count for c in nb.cells] == [1, 2]         # the warm-up is outside the history


def test_a_spare_for_another_folder_is_not_used_and_close_shuts_it_down(tmp_path):
    other = tmp_path / "other"
    other.mkdir()
    kernels.prepare_spare(config.KERNEL_NAME, other)
    km = kernels.take_kernel(config.KERNEL_NAME, tmp_path)        # the spare (wrong folder) is stopped
    try:
        assert km.has_kernel
    finally:
        kernels.stop_kernel(km)
    kernels.prepare_spare(config.KERNEL_NAME, tmp_path)
    kernels.close_spare()
    kernels.close_spare()                                         # nothing left: a no-op
    fresh = kernels.take_kernel(config.KERNEL_NAME, tmp_path)     # no spare: started the usual way
    kernels.stop_kernel(fresh)


def test_warm_modules_are_the_common_imports(tmp_path):
    for stem, src in (("00_a", "import json\nfrom os import path\nx = 1"), ("01_b", "import json\nimport csv"),
                      ("02_c", "%%time\nimport zlib")):
        _notebook(tmp_path / f"{stem}.ipynb", src)

    class P:
        notebook_dir = tmp_path

    assert engine.warm_modules(P, ["00_a", "01_b", "02_c"]) == ("json",)
    assert engine.warm_modules(P, ["00_a"]) == ("json", "os", "os.path")
