"""Batch step of the flow: run the report notebooks for every unit and export them.

Modules
-------
config
    :class:`~tkpk_lib.batch.config.RunConfig`, the frozen run configuration of ``tkpk run``.
pipeline
    ``tkpk run``: data root -> canonical tables -> prepared tables -> notebooks.
jobs, worker, executors, interrupts, runner, summary
    The runner: what a job and a result are, one job in a worker, the process pool or dask,
    stopping a run, :func:`~tkpk_lib.batch.runner.run_reports`, the summary table.
run
    Facade re-exporting the runner's names (the old ``tkpk_lib.batch.run``).
kernels
    Warm Jupyter kernels kept per worker process.
manifest
    The run's ``manifest.json``: inputs, environment, outputs.
html, browser, chromium, pdf, files
    Exports: offline HTML, finding the browser, the DevTools pipe client, HTML -> PDF, atomic
    file writes.
export
    Facade re-exporting the exporters' names (the old ``tkpk_lib.batch.export``).
"""
