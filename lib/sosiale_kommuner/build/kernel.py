"""The project's Jupyter kernel, ``sosiale-kommuner``, registered where papermill finds it.

Notebooks name this kernel in their metadata. :func:`ensure_kernel` registers it in the
running interpreter's prefix (``sys.prefix``, i.e. the virtual environment) when it is
missing or points at a Python that no longer exists, so ``run_all.py`` works on a fresh
machine and JupyterLab started from the same environment offers it. It is idempotent.
"""
from __future__ import annotations

import os
import shutil
import sys
import warnings

from sosiale_kommuner import config

DISPLAY_NAME = "Python (sosiale-kommuner)"


def _spec_python_ok(spec) -> bool:
    argv = list(getattr(spec, "argv", []) or [])
    if not argv:
        return False
    exe = argv[0]
    if exe in ("python", "python3"):
        return shutil.which(exe) is not None
    return os.path.isfile(exe) and os.access(exe, os.X_OK)


def ensure_kernel(name: str = config.KERNEL_NAME) -> str:
    """Make sure kernel ``name`` exists and runs an existing Python; return its resource dir.

    Registers it (``ipykernel install --prefix sys.prefix``) if needed. Warns when a
    kernelspec of the same name elsewhere (e.g. the user's Jupyter folder) takes
    precedence and runs another interpreter than this one.
    """
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    ksm = KernelSpecManager()
    try:
        spec = ksm.get_kernel_spec(name)
        if _spec_python_ok(spec):
            _warn_if_foreign(spec, name)
            return spec.resource_dir
    except NoSuchKernel:
        pass
    from ipykernel.kernelspec import install

    path = install(kernel_name=name, display_name=DISPLAY_NAME, prefix=sys.prefix)
    spec = KernelSpecManager().get_kernel_spec(name)
    _warn_if_foreign(spec, name)
    return path


def _warn_if_foreign(spec, name: str) -> None:
    exe = (spec.argv or [""])[0]
    try:
        same = os.path.samefile(exe, sys.executable)
    except OSError:
        same = False
    if not same and os.path.realpath(os.path.dirname(exe)) != os.path.realpath(os.path.dirname(sys.executable)):
        warnings.warn(
            f"kernel {name!r} ({spec.resource_dir}) runs {exe}, not this interpreter "
            f"({sys.executable}); remove that kernelspec or run from its environment",
            stacklevel=3)
