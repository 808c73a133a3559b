"""Stopping a run: signals, interrupts, the parent watchdog and the termination of workers.

In the parent, SIGTERM becomes :class:`RunInterrupted` (:func:`terminate_as_interrupt`) and
cleanup runs shielded from a second Ctrl-C; the pool or the dask cluster is stopped with its
kernels and browsers. In each worker, a watchdog thread ends the process (kernels, browser,
temporary files) within a second of its parent's death, and jobs of a stopped run are
cancelled before they write anything.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import threading
import time
from collections.abc import Iterator, Mapping
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from tkpk_lib.batch.jobs import INCOMPLETE_MARKER, PARENT_POLL_S


class RunInterrupted(KeyboardInterrupt):
    """A run stopped by Ctrl-C (SIGINT) or SIGTERM.

    A :class:`KeyboardInterrupt`, so code that handles Ctrl-C handles SIGTERM alike.

    Attributes
    ----------
    signal_name : str
        ``"SIGINT"`` or ``"SIGTERM"``.
    run_dir : pathlib.Path or None
        The run folder left incomplete (``None`` when the run had not started writing).
    """

    def __init__(self, signal_name: str = "SIGINT", run_dir: Path | None = None) -> None:
        super().__init__(signal_name)
        self.signal_name = signal_name
        self.run_dir = run_dir

    def message(self) -> str:
        """One line for the console (Indonesian, as the rest of ``tkpk run``'s output).

        Examples
        --------
        >>> RunInterrupted("SIGTERM").message()
        'dihentikan (SIGTERM): laporan yang belum selesai dibatalkan'
        """
        text = f"dihentikan ({self.signal_name}): laporan yang belum selesai dibatalkan"
        if self.run_dir is not None:
            text += (
                f"; folder {self.run_dir} tidak lengkap ({INCOMPLETE_MARKER}), "
                "hanya folder unit yang selesai yang ditulis"
            )
        return text


def _raise_interrupt(signum: int, frame: Any) -> None:
    raise RunInterrupted(signal.Signals(signum).name)


@contextlib.contextmanager
def terminate_as_interrupt() -> Iterator[None]:
    """While the block runs, SIGTERM raises :class:`RunInterrupted`.

    Just as Ctrl-C raises :class:`KeyboardInterrupt`; main thread only (elsewhere nothing
    changes).

    Examples
    --------
    >>> with terminate_as_interrupt():
    ...     pass
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, _raise_interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@contextlib.contextmanager
def _shielded() -> Iterator[None]:
    """Ignore further SIGINT/SIGTERM while a stop is being cleaned up (a second Ctrl-C)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    saved = {s: signal.signal(s, lambda *_: None) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for s, h in saved.items():
            signal.signal(s, h)


# --------------------------------------------------------------------------- stopping

#: Run tokens whose jobs must stop in this process ("*": every run; the process is exiting).
_STOPPED: set[str] = set()


_CURRENT = threading.local()  # the run token of the job this thread executes


class _QuietWhenStopped:
    """Logging filter: no "Kernel died" errors from jobs whose run was stopped on purpose."""

    def filter(self, record: Any) -> bool:
        token = getattr(_CURRENT, "token", None)
        return not (token is not None and (token in _STOPPED or "*" in _STOPPED))


_QUIET = _QuietWhenStopped()


class _JobCancelled(BaseException):
    """Raised inside :func:`run_job` when its run was stopped or its parent is gone."""


def _parent_gone(job: Mapping[str, Any]) -> bool:
    """Whether the process that submitted ``job`` is known to be dead (same host only)."""
    parent = job.get("parent")
    if not parent or parent.get("host") != socket.gethostname():
        return False
    import psutil

    try:
        return psutil.Process(int(parent["pid"])).create_time() != parent["created"]
    except psutil.NoSuchProcess:
        return True


def _guard(job: Mapping[str, Any]) -> None:
    """Stop a job before it writes anything more when its run was stopped or orphaned."""
    if "*" in _STOPPED or job.get("run_token") in _STOPPED or _parent_gone(job):
        raise _JobCancelled


def _kill_descendants() -> None:
    """SIGKILL every process below this one (kernels, browsers and their helpers)."""
    import psutil

    try:
        procs = psutil.Process().children(recursive=True)
    except psutil.Error:
        return
    for p in procs:
        try:
            cmd = p.cmdline()
            if "-f" in cmd and "ipykernel_launcher" in " ".join(cmd):
                conn = cmd[cmd.index("-f") + 1]  # the kernel's connection file
                with contextlib.suppress(OSError, IndexError):
                    os.unlink(conn)
            p.kill()
        except psutil.Error:
            continue


def _abort_process(exit_code: int | None) -> None:
    """Kill this process's kernels and browsers at once and remove their temporary files.

    The temporary files are browser profiles and kernel connection files; then exit when
    ``exit_code`` is given.

    No locks and no polite shutdowns: called from a signal handler or a watchdog thread
    while a notebook or a print runs.
    """
    from tkpk_lib.batch.export import abort_shared_printers
    from tkpk_lib.batch.kernels import kill_kernels

    _STOPPED.add("*")
    kill_kernels()
    abort_shared_printers()
    _kill_descendants()
    if exit_code is not None:
        os._exit(exit_code)


def _watch_parent(parent: int) -> None:
    import psutil

    while True:
        # POSIX: a dead parent's children are re-parented; Windows keeps the old ppid
        if os.getppid() != parent or (os.name == "nt" and not psutil.pid_exists(parent)):
            _abort_process(1)
        time.sleep(PARENT_POLL_S)


def _worker_init(parent: int) -> None:
    """Set-up of a local worker process (``ProcessPoolExecutor`` initializer).

    * Ctrl-C in a terminal reaches the whole process group: the worker ignores it and lets
      the parent stop it (with SIGTERM), so no worker prints a traceback;
    * SIGTERM: kill kernels and browser, remove their temporary files, exit;
    * a watchdog thread does the same when the parent dies (SIGKILL, crash).
    """
    signal.signal(signal.SIGINT, lambda *_: None)
    signal.signal(signal.SIGTERM, lambda *_: _abort_process(143))
    threading.Thread(target=_watch_parent, args=(parent,), name="tkpk-parent-watch",
                     daemon=True).start()


def _stop_run(token: str) -> int:
    """Stop one run's work in a dask worker (the worker itself lives on).

    Its jobs write nothing more, and the worker's kernels and browser are killed so running
    notebooks end.
    """
    from tkpk_lib.batch.export import abort_shared_printers
    from tkpk_lib.batch.kernels import kill_kernels

    _STOPPED.add(token)
    n = kill_kernels()
    abort_shared_printers()
    return n


def _stop_pool(pool: ProcessPoolExecutor, grace: float = 5.0) -> None:
    """Cancel queued jobs and stop the workers: SIGTERM, then SIGKILL after ``grace``.

    On SIGTERM each worker kills its kernels and browser and exits; SIGKILL goes to any worker
    or descendant still running after ``grace``.
    """
    import psutil

    procs: list[psutil.Process] = []
    for p in list(getattr(pool, "_processes", {}).values()):
        with contextlib.suppress(psutil.Error, ValueError, TypeError):
            procs.append(psutil.Process(p.pid))
    below: list[psutil.Process] = []
    for p in procs:
        with contextlib.suppress(psutil.Error):
            below += p.children(recursive=True)
    pool.shutdown(wait=False, cancel_futures=True)
    for p in procs:
        with contextlib.suppress(psutil.Error):
            p.terminate()

    def running(ps: list[psutil.Process]) -> list[psutil.Process]:
        left = []
        for p in ps:
            with contextlib.suppress(psutil.Error):
                if p.is_running() and p.status() != psutil.STATUS_ZOMBIE:
                    left.append(p)
        return left

    stop = time.monotonic() + grace
    while running(procs + below) and time.monotonic() < stop:
        time.sleep(0.05)
    for p in running(procs + below):
        with contextlib.suppress(psutil.Error):
            p.kill()


def _stop_dask(client: Any, futures: list[Any], token: str) -> None:
    """Cancel a run's dask futures and stop its running notebooks on the workers."""
    with contextlib.suppress(Exception):
        client.cancel(futures)
    with contextlib.suppress(Exception):
        client.run(_stop_run, token)


def _release_worker() -> None:
    """Shut down this process's warm kernels and persistent browser (dask workers outlive runs)."""
    from tkpk_lib.batch.export import close_shared_printers
    from tkpk_lib.batch.kernels import shutdown_kernels

    shutdown_kernels()
    close_shared_printers()


def _shutdown_worker_kernels(client: Any) -> None:
    """Stop the warm kernels and browsers this run left on the dask workers."""
    try:
        client.run(_release_worker)
    except Exception:  # noqa: BLE001 - a worker that is gone took its kernels with it
        pass
