"""Warm Jupyter kernels for report runs: one kernel serves several notebooks in turn.

Starting a kernel and importing pandas, matplotlib, geopandas and :mod:`tkpk_lib` costs
2-4 s per notebook on the 2-core development machine, as much as a whole report's cells.
A report run executes 22 notebooks, so each worker keeps its kernel between notebooks:

* :class:`WarmEngine` is a papermill engine (papermill's own extension point, registered as
  ``"tkpk_warm"``) that runs a notebook with :class:`papermill.clientwrap.PapermillNotebookClient`
  exactly as papermill's default ``nbclient`` engine does, but hands it the worker's running
  kernel and keeps the kernel alive afterwards;
* after a notebook that finished without error, the kernel's user namespace is cleared
  (``%reset -f``), open figures are closed, pandas options are reset and the execution counter
  starts again at 1, so the next notebook sees a fresh namespace (imported modules and the
  library's file caches, keyed by path and modification time, stay warm);
* after any failure (an exception in a cell, a cell time-out, a dead kernel) the kernel is
  shut down and the next notebook gets a new one;
* a kernel is used for one run only (``warm_key``), for at most ``max_uses`` notebooks, and
  in one working directory; it is shut down when its worker process exits
  (:func:`shutdown_kernels` is registered with :mod:`atexit`) or when the runner calls
  :func:`shutdown_kernels` on the workers of a dask cluster;
* when a run is interrupted or its parent dies, :func:`kill_kernels` kills every kernel of
  the process at once (``SIGKILL``, also the one executing a notebook right now) and removes
  their connection files; it takes no lock, so a signal handler or a watchdog thread may call
  it while a notebook runs. A kernel also exits by itself within about a second when its
  worker dies (ipykernel polls its parent process, ``JPY_PARENT_PID``).

Each thread has its own kernel, so a dask worker with several threads runs several notebooks
at once without sharing one.

Notebooks run this way must not rely on process-wide state other than imports (for example
changed matplotlib rc settings); the report notebooks do not. ``tkpk run --fresh-kernels``
starts a new kernel for every notebook instead.
"""

from __future__ import annotations

import atexit
import logging
import os
import threading
from typing import Any

__all__ = [
    "ENGINE_NAME",
    "RESET_CODE",
    "WarmEngine",
    "kernel_stats",
    "kill_kernels",
    "register_engine",
    "shutdown_kernels",
]

log = logging.getLogger(__name__)

#: Name of the papermill engine.
ENGINE_NAME = "tkpk_warm"

#: Code run silently in a kernel between two notebooks.
RESET_CODE = """\
get_ipython().run_line_magic("reset", "-f")
import sys as _s, warnings as _w
if "matplotlib.pyplot" in _s.modules:
    _s.modules["matplotlib.pyplot"].close("all")
if "pandas" in _s.modules:
    with _w.catch_warnings():
        _w.simplefilter("ignore")
        _s.modules["pandas"].reset_option("all")
del _s, _w
get_ipython().execution_count = 1
"""  # %reset already runs the garbage collector


class _Slot:
    """A running kernel kept by one thread between notebooks."""

    def __init__(self, km: Any, key: tuple[Any, ...]) -> None:
        self.km = km
        self.key = key
        self.uses = 0
        self.pid = _kernel_pid(km)


_LOCAL = threading.local()
_ALL: set[_Slot] = set()
_LOCK = threading.Lock()
_STATS = {"started": 0, "reused": 0, "discarded": 0}
_ATEXIT = False
#: Notebook clients executing right now (their kernel may not be a kept slot yet).
_ACTIVE: dict[int, Any] = {}


def _run(fn: Any, *args: Any, **kwargs: Any) -> Any:
    """Call a jupyter_client method that may be a coroutine (AsyncKernelManager) or not."""
    import inspect

    from jupyter_core.utils import run_sync

    if inspect.iscoroutinefunction(fn):
        return run_sync(fn)(*args, **kwargs)
    out = fn(*args, **kwargs)
    if inspect.isawaitable(out):
        from jupyter_core.utils import ensure_async

        return run_sync(ensure_async)(out)
    return out


def _kernel_pid(km: Any) -> int | None:
    prov = getattr(km, "provisioner", None)
    proc = getattr(prov, "process", None)
    return getattr(proc, "pid", None)


def _shutdown(slot: _Slot) -> None:
    with _LOCK:
        _ALL.discard(slot)
    try:
        _run(slot.km.shutdown_kernel, now=True)
    except Exception as exc:  # noqa: BLE001 - a kernel that is already gone is fine
        log.debug("kernel shutdown: %s", exc)


def _discard_current() -> None:
    slot = getattr(_LOCAL, "slot", None)
    _LOCAL.slot = None
    if slot is not None:
        _STATS["discarded"] += 1
        _shutdown(slot)


def shutdown_kernels() -> int:
    """Shut down every warm kernel of this process; returns how many were running.

    Registered with :mod:`atexit` in each worker; the runner also calls it on dask workers
    at the end of a run (``client.run(shutdown_kernels)``).

    Examples
    --------
    >>> shutdown_kernels()
    0
    """
    with _LOCK:
        slots = list(_ALL)
    for slot in slots:
        _shutdown(slot)
    _LOCAL.slot = None
    return len(slots)


def _kill_pid(pid: int | None) -> bool:
    """SIGKILL a kernel and its process group (kernels run in their own session)."""
    import signal

    if not pid:
        return False
    sig = getattr(signal, "SIGKILL", signal.SIGTERM)  # Windows: SIGTERM is TerminateProcess
    for kill in (getattr(os, "killpg", None), os.kill):
        if kill is None:
            continue
        try:
            kill(pid, sig)
            return True
        except (ProcessLookupError, PermissionError, OSError):
            continue
    return False


def kill_kernels() -> int:
    """Kill every kernel of this process now, including one executing a notebook.

    For interrupts and a dead parent: no polite shutdown, no lock (callable from a signal
    handler or a watchdog thread while the kernel is busy). Connection files are removed.

    Returns
    -------
    int
        How many kernel processes were signalled.

    Examples
    --------
    >>> kill_kernels()
    0
    """
    kms = [slot.km for slot in list(_ALL)]
    kms += [getattr(c, "km", None) for c in list(_ACTIVE.values())]
    n = 0
    seen: set[int] = set()
    for km in kms:
        if km is None:
            continue
        pid = _kernel_pid(km)
        if pid in seen:
            continue
        if pid is not None:
            seen.add(pid)
        n += _kill_pid(pid)
        conn = getattr(km, "connection_file", "")
        if conn:
            try:
                os.unlink(conn)
            except OSError:
                pass
    return n


def kernel_stats() -> dict[str, int]:
    """Counts of kernels started, reused and discarded in this process (for tests and logs).

    Examples
    --------
    >>> sorted(kernel_stats())
    ['discarded', 'reused', 'running', 'started']
    """
    with _LOCK:
        running = len(_ALL)
    return {**_STATS, "running": running}


def _failed(nb: Any) -> bool:
    meta = nb.metadata.get("papermill", {}) if hasattr(nb, "metadata") else {}
    return bool(meta.get("exception"))


def _stop_channels(client: Any) -> None:
    kc = getattr(client, "kc", None)
    if kc is not None:
        try:
            _run(kc.stop_channels)
        except Exception as exc:  # noqa: BLE001
            log.debug("stop_channels: %s", exc)
        client.kc = None


def _reset(client: Any, timeout: float) -> bool:
    """Clear the kernel for the next notebook; False when the kernel did not answer cleanly."""
    kc = client.kc
    try:
        reply = _run(kc.execute_interactive, RESET_CODE, silent=True, store_history=False,
                     timeout=timeout, output_hook=lambda msg: None)
    except Exception as exc:  # noqa: BLE001 - a kernel that cannot be reset is discarded
        log.debug("kernel reset failed: %s", exc)
        return False
    return reply.get("content", {}).get("status") == "ok"


try:
    from papermill.engines import NBClientEngine as _Base
except ImportError:  # pragma: no cover - papermill is a dependency; keep `import tkpk_lib` light
    _Base = object  # type: ignore[assignment,misc]


class WarmEngine(_Base):  # type: ignore[misc,valid-type]
    """papermill engine that reuses the worker thread's kernel (see the module docstring).

    Extra keyword arguments of :func:`papermill.execute_notebook` understood by this engine:

    ``warm_key`` (str)
        Identifies the run; a kernel kept for another key is replaced (a new run, possibly
        with changed library code, never meets an old kernel).
    ``max_uses`` (int, default 50)
        Notebooks one kernel runs before it is replaced.
    ``reset_timeout`` (float, default 60)
        Seconds the reset between notebooks may take.
    ``save_on_error`` (str, optional)
        Where to write the partly executed notebook when execution stops with an exception
        other than a cell error (time-out, dead kernel); papermill itself writes the notebook
        when a cell raises. Lets the runner skip papermill's save after every cell.

    With ``warm_key`` empty the kernel is shut down after the notebook, as papermill's own
    engine does.

    Examples
    --------
    >>> import papermill as pm  # doctest: +SKIP
    >>> register_engine()  # doctest: +SKIP
    >>> pm.execute_notebook("nb.ipynb", "out.ipynb", engine_name="tkpk_warm", warm_key="run1")  # doctest: +SKIP
    """

    @classmethod
    def execute_managed_notebook(  # type: ignore[override]
        cls,
        nb_man: Any,
        kernel_name: str,
        log_output: bool = False,
        stdout_file: Any = None,
        stderr_file: Any = None,
        start_timeout: int = 60,
        execution_timeout: int | None = None,
        warm_key: str = "",
        max_uses: int = 50,
        reset_timeout: float = 60,
        save_on_error: str | None = None,
        **kwargs: Any,
    ) -> Any:
        """Run a notebook in this thread's kept kernel (or a new one); keep it if the run ends well."""
        from papermill.clientwrap import PapermillNotebookClient
        from papermill.engines import logger
        from papermill.utils import merge_kwargs, remove_args

        global _ATEXIT
        # the same argument handling as papermill's NBClientEngine
        kwargs = remove_args(["input_path"], **kwargs)
        safe_kwargs = remove_args(["timeout", "startup_timeout"], **kwargs)
        final_kwargs = merge_kwargs(
            safe_kwargs,
            timeout=execution_timeout if execution_timeout else kwargs.get("timeout"),
            startup_timeout=start_timeout,
            kernel_name=kernel_name,
            log=logger,
            log_output=log_output,
            stdout_file=stdout_file,
            stderr_file=stderr_file,
        )
        key = (kernel_name, os.getcwd(), str(warm_key), tuple(final_kwargs.get("extra_arguments") or ()))
        slot: _Slot | None = getattr(_LOCAL, "slot", None)
        if slot is not None:
            alive = False
            try:
                alive = bool(_run(slot.km.is_alive))
            except Exception:  # noqa: BLE001
                alive = False
            if slot.key != key or not alive or slot.uses >= max_uses:
                _discard_current()
                slot = None
        client = PapermillNotebookClient(nb_man, km=slot.km if slot else None, **final_kwargs)
        keep = False
        _ACTIVE[id(client)] = client  # reachable by kill_kernels while it executes
        try:
            # cleanup_kc=False: nbclient leaves the kernel running when it returns
            client.execute(cleanup_kc=False)
            keep = bool(warm_key) and not _failed(nb_man.nb) and _reset(client, reset_timeout)
        except BaseException:
            if save_on_error:  # a time-out or a dead kernel: keep what ran, for diagnosis
                from papermill.iorw import write_ipynb

                try:
                    write_ipynb(nb_man.nb, save_on_error)
                except Exception as exc:  # noqa: BLE001 - the original error matters more
                    log.debug("save_on_error: %s", exc)
            raise
        finally:
            _ACTIVE.pop(id(client), None)
            _stop_channels(client)
            if slot is None and client.km is not None:
                slot = _Slot(client.km, key)
                _STATS["started"] += 1
                with _LOCK:
                    _ALL.add(slot)
                _LOCAL.slot = slot
                if not _ATEXIT:
                    atexit.register(shutdown_kernels)
                    # multiprocessing's exit hook too: it runs where atexit may not (pool workers)
                    import multiprocessing.util

                    multiprocessing.util.Finalize(None, shutdown_kernels, exitpriority=10)
                    _ATEXIT = True
            elif slot is not None:
                _STATS["reused"] += 1
            if slot is not None:
                slot.uses += 1
                if not keep:
                    _discard_current()
        return nb_man.nb


def register_engine() -> str:
    """Register :class:`WarmEngine` with papermill (idempotent); returns its name.

    Examples
    --------
    >>> register_engine()  # doctest: +SKIP
    'tkpk_warm'
    """
    from papermill.engines import papermill_engines

    if ENGINE_NAME not in papermill_engines._engines:
        papermill_engines.register(ENGINE_NAME, WarmEngine)
    return ENGINE_NAME
