"""Execute a run's jobs: in a local process pool or on a dask.distributed cluster.

Both paths run the same task function (:func:`tkpk_lib.batch.worker.run_job`) and hand
every finished job to the runner's callback as it arrives; local workers first start their
kernels (:func:`tkpk_lib.batch.worker.warm_up`) while the parent prepares the report tables.
On an exception or interrupt the queued jobs are cancelled and the workers stopped with their
kernels and browsers (:mod:`tkpk_lib.batch.interrupts`).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Mapping
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from tkpk_lib.batch.interrupts import (
    _shielded,
    _shutdown_worker_kernels,
    _stop_dask,
    _stop_pool,
    _worker_init,
)
from tkpk_lib.batch.worker import _first_line, run_job, warm_up
from tkpk_lib.errors import ReportError


def _make_client(scheduler: Any) -> tuple[Any, bool]:
    from distributed import Client

    if isinstance(scheduler, Client):
        return scheduler, False
    try:  # an address, or a cluster object (LocalCluster, SLURMCluster, ...)
        return Client(scheduler, timeout="30s"), True
    except (OSError, TimeoutError) as exc:
        raise ReportError(f"cannot connect to the dask scheduler {scheduler!r}: {exc}") from exc


def _execute(  # noqa: C901 - process pool and dask paths, each with cancellation on interrupt
    jobs: list[dict[str, Any]], n_jobs: int, scheduler: Any, progress: bool,
    before_run: Callable[[], Any] | None = None,
    on_result: Callable[[dict[str, Any]], Any] | None = None,
    on_start: Callable[[], Any] | None = None,
) -> list[dict[str, Any]]:
    """Run the jobs (processes or dask).

    ``on_start`` is called in this process after ``before_run``, before the first job is
    submitted, and ``on_result`` as each job finishes. On any exception or interrupt, queued
    jobs are cancelled and running ones stopped (workers' kernels and browsers killed) before
    it propagates.
    """
    from tqdm.auto import tqdm

    results: list[dict[str, Any]] = []
    bar = None

    def collected(r: dict[str, Any]) -> None:
        results.append(r)
        if on_result is not None:
            on_result(r)
        if bar is not None:
            bar.update()

    try:
        if scheduler is not None:
            from distributed import as_completed

            client, own = _make_client(scheduler)
            futures: list[Any] = []
            try:
                if before_run is not None:
                    before_run()
                if on_start is not None:
                    on_start()
                bar = tqdm(total=len(jobs), desc="laporan", unit="job", disable=not progress)
                batch = uuid.uuid4().hex[:8]  # unique keys: a shared client never returns an old result
                by_key = {}
                for i, job in enumerate(jobs):
                    key = f"tkpk-{job['kab_code']}-{Path(job['notebook']).stem}-{batch}-{i}"
                    by_key[key] = (client.submit(run_job, job, pure=False, key=key), job)
                futures = [f for f, _ in by_key.values()]
                for fut in as_completed(futures):
                    collected(_collect(fut, by_key[fut.key][1]))
            except BaseException:
                with _shielded():
                    _stop_dask(client, futures, jobs[0].get("run_token", "") if jobs else "")
                raise
            finally:
                _shutdown_worker_kernels(client)
                if own:
                    client.close()
        else:
            import multiprocessing as mp
            from concurrent.futures import as_completed as cf_completed

            # spawn: same behaviour on Linux, macOS and Windows, and safe when the caller has
            # threads; each worker watches this process and stops when it dies (_worker_init)
            workers = max(1, min(n_jobs, len(jobs)))
            pool = ProcessPoolExecutor(
                max_workers=workers, mp_context=mp.get_context("spawn"),
                initializer=_worker_init, initargs=(os.getpid(),),
            )
            try:
                # workers start their kernels while this process does the work before the run
                warm = [pool.submit(warm_up, jobs[0]) for _ in range(workers)] if jobs else []
                if before_run is not None:
                    before_run()
                for w in warm:
                    w.exception()  # a failed warm-up only costs its own time
                if on_start is not None:
                    on_start()
                bar = tqdm(total=len(jobs), desc="laporan", unit="job", disable=not progress)
                fmap = {pool.submit(run_job, job): job for job in jobs}
                for fut in cf_completed(fmap):
                    collected(_collect(fut, fmap[fut]))
                pool.shutdown(wait=True)
            except BaseException:
                with _shielded():
                    _stop_pool(pool)
                raise
    except BaseException:
        if bar is not None:
            bar.leave = False  # the console keeps one line about the stop, not a half bar
            bar.close()
        raise
    if bar is not None:
        bar.close()
    return results


def _collect(fut: Any, job: Mapping[str, Any]) -> dict[str, Any]:
    try:
        return fut.result()
    except Exception as exc:  # noqa: BLE001 - a dead worker fails its own job only
        return {
            "kab_code": job["kab_code"],
            "notebook": Path(job["notebook"]).stem,
            "status": "failed",
            "seconds": 0.0,
            "error": _first_line(f"worker error: {type(exc).__name__}: {exc}"),
            "stage": "worker",
            "kernel_s": 0.0,
            "execute_s": 0.0,
            "html_s": 0.0,
            "pdf_s": 0.0,
            "outputs": [],
        }
