"""Batch step of the flow: run the report notebooks for every unit and export them.

Modules
-------
pipeline
    ``tkpk run``: data root -> canonical tables -> prepared tables -> notebooks.
run
    Facade of the runner (jobs, runner, interrupts, summary).
kernels
    Warm Jupyter kernels kept per worker process.
manifest
    The run's ``manifest.json``: inputs, environment, outputs.
export
    Facade of the exporters (html, chromium, files).
"""
