"""Kernels for the chapters: private Unix sockets, and a spare one started ahead of time.

:func:`start_kernel` starts a kernel that talks over Unix sockets in a private folder, so
that concurrent kernels never race for TCP ports (papermill #511). :func:`prepare_spare`,
:func:`take_kernel` and :func:`close_spare` let a worker start its next kernel — and import
the chapters' common modules in it — while the current notebook runs (see below);
:mod:`.executor` takes its kernels from here, :mod:`.engine` decides when a spare is worth it.
"""
from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from pathlib import Path

#: Seconds a kernel may take to start (and to import the modules it is warmed with).
KERNEL_START_TIMEOUT = 120

_WARM_CODE = """
def _sk_warm(modules):
    import importlib
    for name in modules:
        try:
            importlib.import_module(name)
        except Exception:
            pass
_sk_warm({modules!r})
del _sk_warm
"""


async def _start_kernel_async(kernel_name: str, cwd, warm: tuple[str, ...] = ()):
    from jupyter_client.manager import AsyncKernelManager

    folder = tempfile.mkdtemp(prefix="sk-kernel-")
    km = AsyncKernelManager(kernel_name=kernel_name, transport="ipc",
                            connection_file=os.path.join(folder, "kernel.json"))
    await km.start_kernel(cwd=str(cwd))
    kc = km.client()
    kc.start_channels()
    try:
        await kc.wait_for_ready(timeout=KERNEL_START_TIMEOUT)
        if warm:  # silent, outside the history: the notebook's execution counts start at 1
            msg_id = kc.execute(_WARM_CODE.format(modules=tuple(warm)), silent=True, store_history=False)
            while (await kc.get_shell_msg(timeout=KERNEL_START_TIMEOUT))["parent_header"].get("msg_id") != msg_id:
                pass
    except BaseException:
        kc.stop_channels()
        await km.shutdown_kernel(now=True)
        shutil.rmtree(folder, ignore_errors=True)
        raise
    kc.stop_channels()
    km.sk_folder = folder
    return km


def start_kernel(kernel_name: str, cwd: Path, warm: tuple[str, ...] = ()):
    """Start a kernel that talks over Unix sockets in a private folder; wait until it answers.

    With TCP, jupyter_client picks free ports by binding and releasing them and the kernel
    binds them again, so two kernels started at once can pick the same port (papermill
    #511). Here the kernel uses the IPC transport: its five sockets are files in a fresh
    ``mkdtemp`` folder (short, under the system temp dir, because socket paths are limited
    to ~100 bytes), so concurrent kernels cannot collide and no port is ever opened. This
    also keeps the kernel's "running over TCP without encryption" warning away.
    ``warm``: modules the kernel imports (silently, outside its history) before it is
    returned. Returns the started ``AsyncKernelManager``; :func:`stop_kernel` shuts it down.
    """
    from jupyter_core.utils import run_sync

    return run_sync(_start_kernel_async)(kernel_name, cwd, tuple(warm))


def stop_kernel(km) -> None:
    """Shut the kernel down and remove its socket folder."""
    from jupyter_core.utils import run_sync

    with contextlib.suppress(Exception):
        run_sync(km.shutdown_kernel)(now=True)
    shutil.rmtree(getattr(km, "sk_folder", ""), ignore_errors=True)


# A worker's next kernel, started while the current notebook runs. Starting a kernel and
# importing the chapters' common stack (numpy, pandas, scipy, matplotlib, the report
# helpers) takes seconds of CPU per notebook; done here it overlaps the running notebook
# (on the other core when that one is idle: the 00 -> 02 -> 03 chain leaves it so) instead
# of delaying the next one. It is an asyncio task on this thread's event loop, the loop
# papermill runs the notebook on, so it makes progress while the notebook executes and
# its sockets belong to the loop that later executes the next notebook.
_SPARE: list = []   # at most one (key, task) per process


def prepare_spare(kernel_name: str, cwd, warm: tuple[str, ...] = ()) -> None:
    """Begin starting this process's next kernel in the background (see above)."""
    from jupyter_core.utils import ensure_event_loop

    if not _SPARE:
        task = ensure_event_loop().create_task(_start_kernel_async(kernel_name, cwd, tuple(warm)))
        _SPARE.append(((kernel_name, str(cwd)), task))


def _finish_spare():
    """The spare kernel's manager once started (None if there is none or it failed)."""
    from jupyter_core.utils import ensure_event_loop

    if not _SPARE:
        return None, None
    key, task = _SPARE.pop()
    try:
        return key, (task.result() if task.done() else ensure_event_loop().run_until_complete(task))
    except Exception:  # a spare that could not start is no error: a kernel is started the usual way
        return key, None


def take_kernel(kernel_name: str, cwd):
    """A started kernel for the next notebook: this process's spare one when it runs the same
    kernel in the same folder (waiting until it is ready), else a new one (:func:`start_kernel`)."""
    key, km = _finish_spare()
    if km is not None:
        if key == (kernel_name, str(cwd)):
            return km
        stop_kernel(km)
    return start_kernel(kernel_name, cwd)


def close_spare() -> None:
    """Shut down this process's spare kernel, if any (end of a build or of a worker)."""
    _, km = _finish_spare()
    if km is not None:
        stop_kernel(km)
