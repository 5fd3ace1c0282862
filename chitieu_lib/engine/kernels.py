"""Warm kernels: one long-lived IPython kernel per worker thread, reset between reports.

The reset is sent as soon as a report's cells have run (:func:`begin_reset`), so the kernel
resets while its worker writes that report; the next report waits for its reply.

Reset semantics (what a report can and cannot see of the reports before it):

- reset: the user namespace, ``In``/``Out`` history and the execution counter
  (``InteractiveShell.reset(new_session=True)``: the next cell is ``[1]``, as in
  a fresh kernel); open matplotlib figures (closed) and ``rcParams`` (restored
  to their value after ``matplotlib.pyplot`` was first imported with the inline
  backend, which undoes ``sns.set_theme`` or ``plt.style.use``); pandas options;
  warning filters and the "already shown" registries (a warning shows again in
  every report, as it would in a fresh kernel); the working directory,
  ``os.environ``, ``sys.path`` and ``sys.argv``; modules imported by a report
  from outside the Python installation and the kit (a notebook's local helper
  module is imported afresh by the next report).
- the garbage collector: objects alive after a reset are frozen (``gc.freeze``),
  so the collection done by each reset does not walk pandas', matplotlib's
  and the kit's objects again; the input history is kept in memory, not in
  IPython's SQLite file (``%history`` of past sessions is empty).
- kept (this is what makes the kernel warm): modules of the Python installation
  and the kit itself, preloaded at start (numpy, pandas, matplotlib, seaborn,
  chitieu_lib), and whatever those modules cache internally (the last store's
  tables, ``report.views._KEPT``: read again when a store file changes, and handed to
  each report as copy-on-write copies that report cannot change for the next). A new
  kernel can read them before its first report (``setup_calls``, :data:`SetupCalls`).
- not reset: the global random generators' state (a notebook that does not seed
  them is not reproducible in any kernel), monkeypatching of library modules,
  threads or files a report leaves behind. A report that fails, times out,
  kills its kernel or asks it to exit (``exit()``) never hands its kernel on:
  the kernel is replaced, as is one found dead before a report.

Kernels talk to their worker over Unix sockets (ZeroMQ ``ipc`` transport) in a
private folder, not over localhost TCP ports: workers starting kernels at the same
moment cannot race for a port ("Address already in use"). A kernel that still
fails to start is started again, up to ``START_ATTEMPTS`` times.

The kernel runs ``sys.executable`` of the worker (the kernelspec's ``python``
is resolved by jupyter_client to it), the same interpreter papermill's engine
uses when started from the same environment.
"""

from __future__ import annotations

import atexit
import importlib
import os
import shutil
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass
from typing import Sequence

from jupyter_client.manager import AsyncKernelManager
from jupyter_core.utils import run_sync

import chitieu_lib

KERNEL_NAME = "python3"
# The kernel's own log goes to the worker's stderr, not to the notebook; ipykernel warns there
# at every start that local TCP is unencrypted.
KERNEL_ARGUMENTS = ["--IPKernelApp.log_level=ERROR"]
START_ATTEMPTS = 3
PRELOAD = ("numpy", "pandas", "matplotlib", "matplotlib.pyplot", "seaborn", "chitieu_lib")
# Calls a new kernel makes once its modules are preloaded, as (module, function, args) of
# plain values: what they read, those modules keep for the reports (a render's reports
# open one store: chitieu_lib.report.views keeps its tables). A call that fails is skipped.
SetupCalls = Sequence[tuple[str, str, Sequence]]


def make_setup_calls(calls: SetupCalls) -> None:
    """Make ``calls`` in this process, as a new kernel does (``_SETUP``): a failing call is skipped.

    >>> make_setup_calls([("os.path", "join", ("a", "b")), ("os.path", "no_such_function", ())])
    """
    for module, function, args in calls:
        try:
            getattr(importlib.import_module(module), function)(*args)
        except Exception:  # noqa: BLE001 -- whoever needs it meets the error itself, with its message
            pass


def preload_modules() -> tuple[str, ...]:
    """Modules imported into a warm kernel at start: ``$CHITIEU_WARM_PRELOAD`` (comma-separated) or PRELOAD."""

    names = os.environ.get("CHITIEU_WARM_PRELOAD")
    return tuple(n.strip() for n in names.split(",") if n.strip()) if names is not None else PRELOAD

_SETUP = r"""
def _chitieu_setup(preload, keep_roots, calls):
    import importlib, os, sys, types, warnings
    for name in (*preload, "matplotlib.pyplot"):  # pyplot: for the rcParams snapshot
        try:
            importlib.import_module(name)
        except Exception:
            pass
    for module, function, args in calls:  # as make_setup_calls (code sent as text: nothing imported yet)
        try:
            getattr(importlib.import_module(module), function)(*args)
        except Exception:
            pass  # the report that needs it meets the error itself, with its message
    _stop_for_good_after_a_failure(get_ipython())
    plt = sys.modules.get("matplotlib.pyplot")
    if plt is not None:
        # The backend (inline) is activated lazily, by the first figure; it sets
        # rcParams (interactive mode...) that the snapshot below must include.
        plt.figure()
        plt.close("all")
    state = types.ModuleType("_chitieu_warm_state")
    state.cwd = os.getcwd()
    state.environ = dict(os.environ)
    state.path = list(sys.path)
    state.argv = list(sys.argv)
    state.modules = set(sys.modules)
    state.filters = list(warnings.filters)
    state.keep_roots = tuple(keep_roots)
    mpl = sys.modules.get("matplotlib")
    state.rc = mpl.rcParams.copy() if mpl is not None else None
    sys.modules["_chitieu_warm_state"] = state
    import gc
    gc.collect()
    gc.freeze()  # what is alive now lives as long as the kernel: later collections skip it
def _stop_for_good_after_a_failure(shell):
    # A worker sends a report's cells at once (engine/client.py). Once a cell that asked to
    # stop on error has failed, every later execute request is refused: ipykernel's own abort
    # covers only the requests already arrived when the cell failed. A kernel is never used
    # again after a failed report.
    kernel = getattr(shell, "kernel", None)
    if kernel is None:
        return
    guard = {"stops": True, "failed": False}
    def post_run_cell(result):  # not called for silent requests
        if not result.success and guard["stops"]:
            guard["failed"] = True
    handle = kernel.should_handle
    def should_handle(stream, msg, idents):
        if msg["header"]["msg_type"] == "execute_request":
            if guard["failed"]:
                return False
            guard["stops"] = msg["content"].get("stop_on_error", True)
        return handle(stream, msg, idents)
    shell.events.register("post_run_cell", post_run_cell)
    kernel.should_handle = should_handle
_chitieu_setup(%r, %r, %r)
del _chitieu_setup, _stop_for_good_after_a_failure
"""

_RESET = r"""
def _chitieu_reset():
    import os, sys, warnings
    state = sys.modules["_chitieu_warm_state"]
    plt = sys.modules.get("matplotlib.pyplot")
    if plt is not None:
        plt.close("all")
    get_ipython().reset(new_session=True)
    for name in set(sys.modules) - state.modules:
        module = sys.modules.get(name)
        path = getattr(module, "__file__", None) or ""
        if path and not os.path.realpath(path).startswith(state.keep_roots):
            del sys.modules[name]
        else:
            state.modules.add(name)  # kept for good: not looked at again by the next resets
    os.chdir(state.cwd)
    os.environ.clear()
    os.environ.update(state.environ)
    sys.path[:] = state.path
    sys.argv[:] = state.argv
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        mpl = sys.modules.get("matplotlib")
        if mpl is not None and state.rc is not None:
            mpl.rcParams.update(state.rc)
        pd = sys.modules.get("pandas")
        if pd is not None:
            pd.reset_option("all")
    warnings.filters[:] = state.filters
    warnings._filters_mutated()  # forget which warnings were already shown
    warnings.onceregistry.clear()
    import gc
    gc.freeze()  # reset() has just collected the report's garbage; skip the survivors from now on
_chitieu_reset()  # the reset also removes _chitieu_reset from the namespace
"""


def _keep_roots() -> list[str]:
    roots = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix,
             os.path.dirname(os.path.abspath(chitieu_lib.__file__))}
    return sorted(os.path.realpath(r) for r in roots)


@dataclass(eq=False)
class WarmKernel:
    km: AsyncKernelManager
    kc: object  # AsyncKernelClient
    cwd: str
    reports: int = 0  # reports run since start
    ended: bool = False  # a report asked it to exit (exit()): never handed on
    reset_id: str | None = None  # a reset sent ahead (begin_reset), its reply not yet read


def kernel_process(km):
    """The kernel process (``subprocess.Popen``) of manager ``km``, or None if it has none."""
    return getattr(km.provisioner, "process", None)


def process_alive(km) -> bool:
    """Whether the kernel process of manager ``km`` is still running (checked without its event
    loop; a kernel may die between two reports, or while its cells run)."""
    process = kernel_process(km)
    return process is not None and process.poll() is None


class KernelError(RuntimeError):
    """The warm kernel could not be started or reset."""


def _send_silent(kernel: WarmKernel, code: str) -> str:
    return kernel.kc.execute(code, silent=True, store_history=False, allow_stdin=False)


async def _await_reply(kernel: WarmKernel, msg_id: str, timeout: float) -> None:
    """Wait for the reply to ``msg_id``; raise KernelError if the code failed or the kernel died."""
    deadline = time.monotonic() + timeout
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise KernelError(f"kernel did not answer within {timeout:.0f} s")
        try:
            reply = await kernel.kc.get_shell_msg(timeout=min(remaining, 1.0))
        except Exception:  # queue.Empty: check the kernel is still there
            if not await kernel.km.is_alive():
                raise KernelError("kernel died") from None
            continue
        if reply["parent_header"].get("msg_id") != msg_id:
            continue
        content = reply["content"]
        if content.get("status") != "ok":
            raise KernelError(f"{content.get('ename')}: {content.get('evalue')}")
        return


_ipc_dir: str | None = None


def _ipc_prefix() -> str:
    """An absolute socket path prefix, unique per kernel (the kernel runs in another cwd)."""
    global _ipc_dir
    if _ipc_dir is None:
        _ipc_dir = tempfile.mkdtemp(prefix="chitieu-kernels-")
    return os.path.join(_ipc_dir, uuid.uuid4().hex[:12])


async def _launch(cwd: str, setup_calls: SetupCalls = ()) -> tuple[WarmKernel, str]:
    """Start a kernel process and queue its set-up (preloading); return at once, not waiting for it.

    The set-up request waits in ZeroMQ's queue until the kernel is up; the kernel then
    preloads while its caller does other work. :func:`_ready` waits for both.
    ``setup_calls``: see :data:`SetupCalls`.
    """
    km = AsyncKernelManager(kernel_name=KERNEL_NAME, transport="ipc", ip=_ipc_prefix())
    # hist_file: an in-memory input history (reset writes none to ~/.ipython's SQLite file,
    # shared and locked by every kernel).
    await km.start_kernel(cwd=cwd, extra_arguments=[*KERNEL_ARGUMENTS,
                                                    "--HistoryManager.hist_file=:memory:"])
    kc = km.client()
    kc.start_channels()
    kc.allow_stdin = False
    kernel = WarmKernel(km, kc, cwd)
    calls = [(str(m), str(f), tuple(a)) for m, f, a in setup_calls]
    return kernel, _send_silent(kernel, _SETUP % (preload_modules(), _keep_roots(), calls))


async def _ready(kernel: WarmKernel, setup_id: str, startup_timeout: float) -> WarmKernel:
    """Wait until a launched kernel has preloaded and answers; shut it down if it does not."""
    try:
        await _await_reply(kernel, setup_id, timeout=startup_timeout + 60)
        # Once set up, the kernel answers at once; this also drains IOPub's start-up messages.
        await kernel.kc.wait_for_ready(timeout=startup_timeout)
    except BaseException:
        await _shutdown(kernel)
        raise
    return kernel


async def _start(cwd: str, startup_timeout: float, setup_calls: SetupCalls = ()) -> WarmKernel:
    kernel, setup_id = await _launch(cwd, setup_calls)
    return await _ready(kernel, setup_id, startup_timeout)


async def _shutdown(kernel: WarmKernel) -> None:
    try:
        kernel.kc.stop_channels()
    finally:
        try:
            await kernel.km.shutdown_kernel(now=True)
        except Exception:
            pass


start_kernel = run_sync(_start)
_launch_sync = run_sync(_launch)
_ready_sync = run_sync(_ready)
_shutdown_sync = run_sync(_shutdown)
_await_reply_sync = run_sync(_await_reply)

# One kernel per thread: a kernel client lives on its thread's event loop.
_local = threading.local()
_all: set = set()
_lock = threading.Lock()


def prestart_kernel(cwd: str, setup_calls: SetupCalls = ()) -> None:
    """Launch this thread's kernel now and return at once; :func:`get_kernel` waits for it.

    A caller with other work before its first report (opening the store, planning)
    lets the kernel start and preload meanwhile. A launch that fails is forgotten:
    ``get_kernel`` then starts a kernel as usual.
    """
    if getattr(_local, "kernel", None) is not None or getattr(_local, "launched", None) is not None:
        return
    try:
        _local.launched = _launch_sync(cwd, setup_calls)
    except Exception:  # noqa: BLE001 -- get_kernel starts one (with its retries) instead
        _local.launched = None
        return
    with _lock:
        _all.add(_local.launched[0])


def _take_launched(cwd: str, startup_timeout: float) -> WarmKernel | None:
    """The kernel :func:`prestart_kernel` launched, once ready; None if there is none or it failed."""
    launched, _local.launched = getattr(_local, "launched", None), None
    if launched is None:
        return None
    kernel, setup_id = launched
    with _lock:
        _all.discard(kernel)
    if kernel.cwd != cwd:
        _shutdown_sync(kernel)
        return None
    try:
        return _ready_sync(kernel, setup_id, startup_timeout)
    except Exception:  # noqa: BLE001 -- _ready shut it down; start another
        return None


def get_kernel(cwd: str, startup_timeout: float = 60, setup_calls: SetupCalls = ()) -> WarmKernel:
    """This thread's warm kernel, started (and ready, and preloaded) if needed.

    ``setup_calls`` are made by a kernel this call starts, not by one already running.
    """
    kernel = getattr(_local, "kernel", None)
    if kernel is not None and (kernel.cwd != cwd or not process_alive(kernel.km)):
        discard_kernel()
        kernel = None
    if kernel is None:
        kernel = _take_launched(cwd, startup_timeout)
    if kernel is None:
        for attempt in range(1, START_ATTEMPTS + 1):
            try:
                kernel = start_kernel(cwd, startup_timeout, setup_calls)
                break
            except Exception:
                if attempt == START_ATTEMPTS:
                    raise
    if getattr(_local, "kernel", None) is not kernel:
        _local.kernel = kernel
        with _lock:
            _all.add(kernel)
    return kernel


def begin_reset(kernel: WarmKernel) -> None:
    """Send the reset now, its reply read by the next :func:`reset_kernel`: the kernel resets
    while its worker writes the report that just ran, not while the next report waits."""
    kernel.reset_id = _send_silent(kernel, _RESET)


def reset_kernel(kernel: WarmKernel, timeout: float = 60) -> None:
    """Bring a kernel back to its just-started state (see the module docstring); wait for the
    reset sent ahead by :func:`begin_reset`, if any."""
    msg_id = kernel.reset_id or _send_silent(kernel, _RESET)
    kernel.reset_id = None
    _await_reply_sync(kernel, msg_id, timeout)


def discard_kernel() -> None:
    """Shut this thread's kernel down; the next ``get_kernel`` starts a new one."""
    kernel = getattr(_local, "kernel", None)
    _local.kernel = None
    if kernel is not None:
        with _lock:
            _all.discard(kernel)
        _shutdown_sync(kernel)


def shutdown_all() -> None:
    """Shut down every warm kernel of this process (at exit, or at the end of a batch)."""
    with _lock:
        kernels = list(_all)
        _all.clear()
    for kernel in kernels:
        try:
            kernel.kc.stop_channels()
        except Exception:
            pass
        try:
            # Synchronous kill: other threads' event loops may be gone at exit.
            process = kernel_process(kernel.km)
            if process is not None:
                process.kill()
                process.wait(timeout=5)
        except Exception:
            pass
        try:
            kernel.km.cleanup_connection_file()
            kernel.km.cleanup_ipc_files()
        except Exception:
            pass
    _local.kernel = None
    _local.launched = None
    global _ipc_dir
    if _ipc_dir is not None and not _all:
        shutil.rmtree(_ipc_dir, ignore_errors=True)
        _ipc_dir = None


atexit.register(shutdown_all)
try:  # multiprocessing children exit with os._exit: atexit does not run there
    from multiprocessing import util as _mp_util

    _mp_util.Finalize(None, shutdown_all, exitpriority=100)
except Exception:  # pragma: no cover
    pass
