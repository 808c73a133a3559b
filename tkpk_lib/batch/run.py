"""Report runs: execute report notebooks per kabupaten/kota and export HTML and PDF (facade).

:func:`run_reports` is the engine behind ``tkpk run``. For every unit (kabupaten/kota code
or the province code for the province roll-up) and notebook it

1. checks all parameters against the notebook's declared ``parameters`` cell
   (:func:`papermill.inspect_notebook`) *before* anything runs: unknown names, wrong types,
   region codes outside the run's province and years that have no data stop the run with a
   :class:`~tkpk_lib.errors.ReportError`;
2. executes the notebook with papermill (kernel ``python3`` of the running environment, with
   ``PLOTLY_RENDERER=plotly_mimetype+notebook`` so plotly charts reach the HTML), in a
   process pool or, when ``scheduler`` is given, on a dask.distributed cluster: both paths
   run the same task function :func:`run_job`;
3. exports offline HTML (code hidden, footer with run id, data vintage and library version)
   and an A4 PDF through headless Chromium (:mod:`tkpk_lib.batch.export`);
4. scans the artefacts (the executed notebook, the HTML and every file the notebook wrote
   into its output folder) for NIK-like numbers and given names (:mod:`tkpk_lib.privacy`) as
   a last guard, and withdraws the unit's report files when something is found;
5. writes ``reports/<run_id>/manifest.json`` (:mod:`tkpk_lib.batch.manifest`).

Layout: ``<out_root>/<run_id>/<code>_<slug>/<stem>.{ipynb,html,pdf}``. A unit's files are
written into ``<run_id>/.partial/<code>_<slug>/`` (each file to a temporary name, moved into
place with :func:`os.replace`), and the folder is moved to its final name only when every
notebook of the unit has finished: a unit folder that is visible is complete. A re-run with
the same run id first removes the folders of the units it runs (no stale PDF beside new
HTML); units of an earlier run that this one does not run stay, and the manifest lists them
(``from_earlier_run``). A unit whose notebook raises does not stop the others: its executed
notebook is kept as ``<stem>.failed.ipynb`` and the summary names the cell and the error.

Interrupts: the run folder holds ``RUN_INCOMPLETE`` and a manifest with ``"status":
"incomplete"`` from its start until its clean end (then ``"complete"``; the manifest is
rewritten after every finished unit). Ctrl-C (SIGINT) or SIGTERM cancels the queued
notebooks, kills the workers' kernels and browsers (the running notebooks with them),
removes ``.partial`` and raises :class:`RunInterrupted` (``tkpk run`` prints one line and
exits 130). Each local worker watches its parent: when the parent is killed (SIGKILL), the
worker kills its kernels and browser, removes their temporary files and exits within a
second, before writing anything more.

The runner is split by job (issue 14): :mod:`tkpk_lib.batch.jobs` (constants, run ids,
:class:`RunResult`, parameter checks), :mod:`tkpk_lib.batch.worker` (:func:`run_job`,
:func:`warm_up`), :mod:`tkpk_lib.batch.interrupts` (signals, watchdog, stopping workers),
:mod:`tkpk_lib.batch.runner` (:func:`run_reports`), :mod:`tkpk_lib.batch.executors`
(process pool or dask) and :mod:`tkpk_lib.batch.summary`
(:func:`format_summary`). This module re-exports their names, so ``tkpk_lib.batch.run`` and
``tkpk_lib.batch.run`` keep working; :mod:`tkpk_lib.batch.pipeline` calls
``run.run_reports`` through this module, so patching it here still reaches ``tkpk run``.
"""

from __future__ import annotations

from tkpk_lib.batch.executors import (  # noqa: F401
    _collect,
    _execute,
    _make_client,
)
from tkpk_lib.batch.interrupts import (  # noqa: F401
    _CURRENT,
    _QUIET,
    _STOPPED,
    RunInterrupted,
    _abort_process,
    _guard,
    _JobCancelled,
    _kill_descendants,
    _parent_gone,
    _QuietWhenStopped,
    _raise_interrupt,
    _release_worker,
    _shielded,
    _shutdown_worker_kernels,
    _stop_dask,
    _stop_pool,
    _stop_run,
    _watch_parent,
    _worker_init,
    terminate_as_interrupt,
)
from tkpk_lib.batch.jobs import (  # noqa: F401
    _FORMATS,
    _RUN_ID,
    BUILTIN_PARAMETERS,
    DONE_STATUSES,
    INCOMPLETE_MARKER,
    KERNEL_ARGS,
    PARENT_POLL_S,
    PLOTLY_RENDERER,
    STAGING,
    STATUSES,
    WARM_UP_CODE,
    Job,
    RunResult,
    _check_codes,
    _check_year,
    _declared,
    _type_ok,
    _unit_name,
    _validate_params,
    new_run_id,
    unit_slug,
)
from tkpk_lib.batch.runner import (  # noqa: F401
    _commit_unit,
    _discover_inputs,
    _earlier_units,
    _parent_info,
    _write_marker,
    run_reports,
)
from tkpk_lib.batch.summary import (  # noqa: F401
    SUMMARY_COLUMNS,
    format_summary,
)
from tkpk_lib.batch.worker import (  # noqa: F401
    _cancelled,
    _cell_seconds,
    _first_line,
    _kernel_kwargs,
    _partial_sections,
    _redact_kept,
    _run_job,
    _start_worker,
    _unlink,
    run_job,
    warm_up,
)

__all__ = [
    "RunInterrupted",
    "RunResult",
    "format_summary",
    "new_run_id",
    "run_job",
    "run_reports",
    "terminate_as_interrupt",
    "unit_slug",
    "warm_up",
]



def __getattr__(name: str) -> object:
    # KAB_CODES and PROVINCE_CODE follow the process's province (tkpk_lib.data.region)
    if name in ("KAB_CODES", "PROVINCE_CODE"):
        from tkpk_lib.batch import jobs

        return getattr(jobs, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
