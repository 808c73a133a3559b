"""The run: check the options, plan and execute the jobs, commit, write the manifest.

Jobs are executed by :mod:`tkpk_lib.batch.executors`, unit folders committed, and the
manifest written by :func:`run_reports`, the engine behind ``tkpk run``.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import hashlib
import json
import os
import shutil
import socket
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from tkpk_lib.batch.executors import _execute
from tkpk_lib.batch.interrupts import (
    RunInterrupted,
    _shielded,
    terminate_as_interrupt,
)
from tkpk_lib.batch.jobs import (
    _FORMATS,
    _RUN_ID,
    BUILTIN_PARAMETERS,
    INCOMPLETE_MARKER,
    STAGING,
    Job,
    RunResult,
    _check_codes,
    _check_year,
    _declared,
    _unit_name,
    _validate_params,
    new_run_id,
    unit_slug,
)
from tkpk_lib.batch.summary import SUMMARY_COLUMNS, format_summary
from tkpk_lib.batch.worker import _cancelled, _unlink
from tkpk_lib.data.region import current_region
from tkpk_lib.errors import ReportError


def _discover_inputs(data_root: Path | None) -> list[Path]:
    if data_root is None or not data_root.is_dir():
        return []
    return [data_root]


def _check_overrides(
    codes: Sequence[str], params: Mapping[str, Any], kab_params: Mapping[str, Mapping[str, Any]]
) -> None:
    """Per-unit parameters only for units of the run; no parameter the runner sets itself."""
    extra_codes = sorted(set(kab_params) - set(codes))
    if extra_codes:
        raise ReportError(
            f"kab_params given for code(s) {extra_codes} that are not in this run {codes}"
        )
    clash = sorted(
        set(BUILTIN_PARAMETERS) & (set(params) | {k for v in kab_params.values() for k in v})
    )
    if clash:
        raise ReportError(
            f"parameter(s) {clash} are set by the runner; use the run's arguments instead"
        )


def _check_formats(
    formats: Sequence[str], notebook_formats: Mapping[str, Sequence[str]] | None
) -> tuple[tuple[str, ...], dict[str, tuple[str, ...]]]:
    """Known export formats, per-notebook formats within the run's, a browser when PDF is asked."""
    # looked up through the export facade at call time (tests replace it there)
    from tkpk_lib.batch.export import find_browser

    formats = tuple(formats)
    per_notebook = {k: tuple(v) for k, v in (notebook_formats or {}).items()}
    for stem, fm in per_notebook.items():
        if set(fm) - set(formats):
            raise ReportError(
                f"notebook_formats[{stem!r}] = {list(fm)} asks for formats outside {list(formats)}"
            )
    bad_formats = [f for f in formats if f not in _FORMATS]
    if bad_formats:
        raise ReportError(f"unknown format(s) {bad_formats}; choose from {list(_FORMATS)}")
    if "pdf" in formats and find_browser() is None:
        raise ReportError(
            "PDF requested but no Chromium/Chrome/Edge browser found: apt-get install chromium, "
            "set TKPK_BROWSER, or run with formats=('html',) (CLI: --formats html)"
        )
    return formats, per_notebook


def _check_notebooks(
    notebooks: Sequence[str | Path],
    notebook_params: Mapping[str, Mapping[str, Any]],
    notebook_formats: Mapping[str, Sequence[str]],
) -> list[Path]:
    """Resolved notebook paths: at least one, distinct file names, overrides only for them."""
    nb_paths = [Path(n).resolve() for n in notebooks]
    if not nb_paths:
        raise ReportError("no notebook given")
    stems = [p.stem for p in nb_paths]
    if len(set(stems)) != len(stems):
        raise ReportError(
            f"two notebooks share a file name: {stems}; outputs would overwrite each other"
        )
    extra_nb = sorted((set(notebook_params) | set(notebook_formats)) - set(stems))
    if extra_nb:
        raise ReportError(
            f"notebook_params given for {extra_nb}, which are not in this run {stems}"
        )
    return nb_paths


def _plan_jobs(
    codes: Sequence[str],
    nb_paths: Sequence[Path],
    declared: Mapping[Path, Mapping[str, Any]],
    stage_root: Path,
    *,
    builtin: Mapping[str, Any],
    params: Mapping[str, Any],
    notebook_params: Mapping[str, Mapping[str, Any]],
    kab_params: Mapping[str, Mapping[str, Any]],
    formats: Sequence[str],
    notebook_formats: Mapping[str, Sequence[str]],
    common: Mapping[str, Any],
) -> list[Job]:
    """One :class:`~tkpk_lib.batch.jobs.Job` per unit and notebook, units in the given order.

    A notebook gets the runner's own parameters (``kab_code``, ``output_dir`` and
    ``builtin``: year, run id, data root) that it declares, then ``params``, then its
    ``notebook_params``, then the unit's ``kab_params``. ``common`` holds the fields every job
    shares (footer, kernel, timeout, names to scan for, warm key, run token, parent).
    """
    out = []
    for code in codes:
        out_dir = stage_root / unit_slug(code)  # moved to run_dir once the unit is complete
        for nb in nb_paths:
            own = {"kab_code": code, "output_dir": str(out_dir), **builtin}
            p = {k: own[k] for k in BUILTIN_PARAMETERS if k in own and k in declared[nb]}
            p.update(params)
            p.update(notebook_params.get(nb.stem, {}))
            p.update(kab_params.get(code, {}))
            out.append(Job(
                notebook=str(nb), kab_code=code, out_dir=str(out_dir), parameters=p,
                formats=tuple(notebook_formats.get(nb.stem, formats)),
                title=f"{nb.stem} - {_unit_name(code)} {builtin['year']}", **common,
            ))
    return out



def run_reports(  # noqa: C901 - run state shared by executor callbacks and the Ctrl-C path (see Notes)
    notebooks: Sequence[str | Path],
    kab_codes: Sequence[str],
    year: int,
    *,
    params: Mapping[str, Any] | None = None,
    run_id: str | None = None,
    out_root: str | Path | None = None,
    jobs: int = 2,
    scheduler: Any = None,
    formats: Sequence[str] = ("html", "pdf"),
    notebook_formats: Mapping[str, Sequence[str]] | None = None,
    progress: bool = True,
    kab_params: Mapping[str, Mapping[str, Any]] | None = None,
    notebook_params: Mapping[str, Mapping[str, Any]] | None = None,
    available_years: Iterable[int] | Callable[[], Iterable[int]] | None = None,
    data_root: str | Path | None = None,
    inputs: Sequence[str | Path] | None = None,
    data_vintage: str | None = None,
    scan_names: Sequence[str] = (),
    kernel_name: str = "python3",
    cell_timeout: int | None = 1800,
    fresh_kernels: bool = False,
    before_run: Callable[[], Any] | None = None,
    manifest_notes: Callable[[], Mapping[str, Any]] | None = None,
) -> RunResult:
    """Run report notebooks for kabupaten/kota (and the province) and export HTML/PDF.

    Parameters
    ----------
    notebooks : sequence of path
        Report notebooks, each with a cell tagged ``parameters`` declaring at least
        ``kab_code`` and ``year``.
    kab_codes : sequence of str
        Units: kabupaten/kota codes of the province, or the province code for the roll-up.
    year : int
        Data year; checked against ``available_years``.
    params : mapping, optional
        Extra parameters for every notebook (each must be declared by every notebook).
    run_id : str, optional
        Run identifier (letters, digits, ``._-``); default ``<year>-<UTC time>``. Rerunning
        an id replaces the folders of the units it runs (as a whole); folders of other units
        stay and the manifest lists them with ``from_earlier_run``.
    out_root : path, optional
        Root of report runs; default :func:`tkpk_lib.paths.reports_root`.
    jobs : int, default 2
        Worker processes (without ``scheduler``). About the number of cores is fastest.
    scheduler : str or distributed.Client or cluster, optional
        Run on dask.distributed instead of local processes: a scheduler address
        (``"tcp://host:8786"``), a ``Client`` (left open) or a cluster object such as
        ``LocalCluster`` (a client is opened and closed). With an in-process cluster
        (``processes=False``) the runner sets ``PLOTLY_RENDERER`` in this process.
    formats : sequence of {"html", "pdf"}, default ("html", "pdf")
        Exports besides the executed notebook.
    notebook_formats : mapping of notebook stem -> sequence of format, optional
        Per-notebook exports overriding ``formats`` (e.g. the annex as HTML only, since its
        tables also go to Excel); formats must be in ``formats``.
    progress : bool, default True
        Show a tqdm progress bar and print the summary table at the end.
    kab_params : mapping of code -> mapping, optional
        Per-unit parameter overrides (for example ``{"1705": {"fail": True}}``).
    notebook_params : mapping of notebook stem -> mapping, optional
        Per-notebook parameter overrides.
    available_years : iterable of int or callable, optional
        Years that have data; default any year 2000-2100.
    data_root : path, optional
        Data folder passed as ``data_root`` to notebooks that declare it; default
        :func:`tkpk_lib.paths.data_root`.
    inputs : sequence of path, optional
        Input files/folders to hash into the manifest (relative to ``data_root``); default
        every file under ``data_root``.
    data_vintage : str, optional
        Data vintage shown in the footer; default ``"<year>, input <hash>"``.
    scan_names : sequence of str, optional
        Personal names that must not appear in any artefact (last privacy guard; NIK-like
        numbers are always checked).
    kernel_name : str, default "python3"
        Jupyter kernel; ``python3`` is the environment running this function.
    cell_timeout : int or None, default 1800
        Seconds one cell may run.
    fresh_kernels : bool, default False
        Start a new kernel for every notebook. By default each worker keeps its kernel for
        the next notebook of the run, with the namespace cleared in between and a new kernel
        after any failure (:mod:`tkpk_lib.batch.kernels`); that saves 2-4 s of kernel start and
        imports per notebook and gives the same outputs.
    before_run : callable, optional
        Called once in this process after every check has passed and the workers have been
        started, before any notebook runs: for work the notebooks depend on, such as
        computing the report tables (:func:`tkpk_lib.batch.pipeline.run_province`). Meanwhile each
        local worker starts its kernel and imports (:func:`warm_up`). An exception stops
        the run and propagates.
    manifest_notes : callable, optional
        Called once the notebooks have run; its mapping is added to the manifest (for example
        the report sections that could not be computed and the inputs that lack units,
        :func:`tkpk_lib.batch.pipeline.run_province`).

    Returns
    -------
    RunResult
        Summary table, run folder and manifest.

    Raises
    ------
    ReportError
        Before anything runs: unknown/invalid parameters, unknown codes, a year without data,
        a missing notebook, a bad run id, or PDF requested without a browser.
    RunInterrupted
        Ctrl-C (SIGINT) or SIGTERM: queued notebooks were cancelled, running ones stopped
        with their kernels and browsers; the units that had finished are in place, the run
        folder keeps ``RUN_INCOMPLETE`` and the manifest says ``"status": "incomplete"``
        (the other jobs ``"cancelled"``). A :class:`KeyboardInterrupt`.

    Notes
    -----
    Length: the checks and the job plan are separate functions (:func:`_check_formats`,
    :func:`_check_notebooks`, :func:`_plan_jobs`); what stays here (about 200 lines) is the
    run's state shared by the executor's callbacks and the interrupt path: the finished jobs,
    the earlier units and whether the run folder has changed, kept in closures
    (``manifest_now``, ``begin``, ``on_result``) so that every manifest written, also the one
    after Ctrl-C, comes from the same state.

    Local workers are started with the ``spawn`` method (the same on Linux, macOS and
    Windows, and safe when the caller runs threads, e.g. a dask client). A plain script that
    calls this function must do so under ``if __name__ == "__main__":``; notebooks, the
    ``tkpk`` command and pytest need nothing. Measured on the 2-core development machine:
    about 2 s kernel start + imports per notebook and 1.5-4 s for HTML plus PDF per report;
    ``jobs=2`` is the sweet spot on 2 cores (``benchmarks/bench_run.py``).

    Examples
    --------
    >>> res = run_reports(["tests/data/_smoke.ipynb"], ["1701", "17"], 2024,
    ...                   run_id="uji", jobs=2)  # doctest: +SKIP
    >>> res.ok  # doctest: +SKIP
    True
    """
    from tkpk_lib import paths
    from tkpk_lib.batch.manifest import environment_info, hash_inputs, sha256_file, write_manifest

    started = _dt.datetime.now(_dt.UTC)
    params = dict(params or {})
    kab_params = {str(k): dict(v) for k, v in (kab_params or {}).items()}
    notebook_params = {str(k): dict(v) for k, v in (notebook_params or {}).items()}

    # ---- validate everything before any work
    codes = _check_codes(kab_codes)
    year = _check_year(year, available_years)
    _check_overrides(codes, params, kab_params)
    formats, notebook_formats = _check_formats(formats, notebook_formats)
    auto_id = run_id is None
    if run_id is None:
        run_id = f"{year}-{started:%Y%m%dT%H%M%SZ}"  # checked now, taken by new_run_id below
    if not _RUN_ID.match(run_id):
        raise ReportError(
            f"run id {run_id!r}: use letters, digits, '.', '_' or '-' (max 80 characters)"
        )
    if jobs < 1:
        raise ReportError(f"jobs must be >= 1, got {jobs}")
    nb_paths = _check_notebooks(notebooks, notebook_params, notebook_formats)
    declared = {p: _declared(p) for p in nb_paths}
    root = Path(data_root) if data_root is not None else paths.data_root()
    out_root = Path(out_root) if out_root is not None else paths.reports_root()
    run_dir = out_root.resolve() / run_id

    for nb in nb_paths:
        _validate_params(nb, declared[nb], params, "in params")
        _validate_params(nb, declared[nb], notebook_params.get(nb.stem, {}), "in notebook_params")
        for code, over in kab_params.items():
            _validate_params(nb, declared[nb], over, f"in kab_params[{code!r}]")
    if auto_id:
        run_id = new_run_id(year, out_root, now=started)
        run_dir = out_root.resolve() / run_id

    input_list = [Path(p) for p in inputs] if inputs is not None else _discover_inputs(root)
    input_hashes = hash_inputs(input_list, root=root)
    env = environment_info()
    digest = hashlib.sha256(
        "".join(f"{r['path']}:{r['sha256']};" for r in input_hashes).encode()
    ).hexdigest()
    vintage = data_vintage or f"{year}, input {digest[:12]}"
    footer = f"Run {run_id} | Data: {vintage} | tkpk_lib {env['tkpk_lib']}"
    run_token = f"{run_id}-{uuid.uuid4().hex[:12]}"
    warm_key = "" if fresh_kernels else run_token
    parent = _parent_info()
    stage_root = run_dir / STAGING

    job_list = [
        job.as_task()
        for job in _plan_jobs(
            codes, nb_paths, declared, stage_root,
            builtin={"year": year, "run_id": run_id, "data_root": str(root)},
            params=params, notebook_params=notebook_params, kab_params=kab_params,
            formats=formats, notebook_formats=notebook_formats,
            common={
                "footer": footer, "kernel_name": kernel_name, "cell_timeout": cell_timeout,
                "scan_names": tuple(scan_names), "warm_key": warm_key, "run_token": run_token,
                "parent": parent,
            },
        )
    ]

    # ---- run
    order = {(j["kab_code"], Path(j["notebook"]).stem): i for i, j in enumerate(job_list)}
    seeds = {k: v for k, v in params.items() if "seed" in k.lower()}
    done: dict[tuple[str, str], dict[str, Any]] = {}

    def job_entry(r: Mapping[str, Any]) -> dict[str, Any]:
        return {
            **{k: r[k] for k in ("kab_code", "notebook", "status", "error", "stage", "outputs")},
            "detail": r.get("detail", ""),
            "parameters": job_list[order[(r["kab_code"], r["notebook"])]]["parameters"],
            "folder": unit_slug(r["kab_code"]),
            "redacted": r.get("redacted", 0),
            **{
                k: round(float(r[k]), 3)
                for k in ("seconds", "kernel_s", "execute_s", "html_s", "pdf_s")
            },
        }

    def manifest_now(status: str, finished: _dt.datetime | None, missing: str,
                     note: str = "") -> dict[str, Any]:
        rows = [
            done.get((j["kab_code"], Path(j["notebook"]).stem)) or _cancelled(j, note)
            for j in job_list
        ]
        for r in rows:
            if r["status"] == "cancelled":
                r["status"] = missing
        out: dict[str, Any] = {
            "run_id": run_id,
            "status": status,
            "year": year,
            "kab_codes": codes,
            "formats": list(formats),
            "executor": (
                f"dask.distributed ({scheduler if isinstance(scheduler, str) else type(scheduler).__name__})"
                if scheduler is not None
                else f"processes ({jobs})"
            )
            + ("" if fresh_kernels else ", warm kernels"),
            "started_utc": started.isoformat(timespec="seconds"),
            "finished_utc": finished.isoformat(timespec="seconds") if finished else None,
            "seconds": round((finished - started).total_seconds(), 3) if finished else None,
            "notebooks": [
                {
                    "path": str(p),
                    "sha256": sha256_file(p),
                    "declared_parameters": {k: v.get("default") for k, v in declared[p].items()},
                }
                for p in nb_paths
            ],
            "data_root": str(root),
            "inputs": input_hashes,
            "inputs_digest": digest,
            "data_vintage": vintage,
            "seeds": seeds,
            "environment": env,
            "jobs": [job_entry(r) for r in rows] + earlier,
        }
        if note:
            out["interrupted"] = note
        if manifest_notes is not None:
            out.update(manifest_notes())
        return out

    run_dir.mkdir(parents=True, exist_ok=True)
    earlier: list[dict[str, Any]] = []
    begun: list[bool] = []

    def begin() -> None:
        # once the work before the run has succeeded: the run folder changes from here on
        # units this run does not redo stay, with their record from the earlier manifest
        earlier.extend(_earlier_units(run_dir, {unit_slug(c) for c in codes}))
        _write_marker(run_dir, run_id)
        begun.append(True)
        shutil.rmtree(stage_root, ignore_errors=True)  # left by a killed run
        for code in codes:  # a re-run replaces every unit folder it runs
            shutil.rmtree(run_dir / unit_slug(code), ignore_errors=True)
        write_manifest(run_dir / "manifest.json", manifest_now("incomplete", None, "pending"))

    left = {code: sum(1 for j in job_list if j["kab_code"] == code) for code in codes}

    def on_result(r: dict[str, Any]) -> None:
        code = r["kab_code"]
        done[(code, r["notebook"])] = r
        left[code] -= 1
        if r.get("stage") == "worker":  # the worker died mid-job: drop what it left half done
            for f in (stage_root / unit_slug(code)).glob(f"{r['notebook']}.*"):
                _unlink(f)
        if left[code] == 0:
            _commit_unit(stage_root / unit_slug(code), run_dir / unit_slug(code))
            write_manifest(run_dir / "manifest.json", manifest_now("incomplete", None, "pending"))

    # the province roll-up is the longest job: start it first so no worker waits for it at the end
    submit = sorted(job_list, key=lambda j: j["kab_code"] != current_region().code)
    try:
        with terminate_as_interrupt():
            results = _execute(submit, jobs, scheduler, progress, before_run, on_result, begin)
    except KeyboardInterrupt as exc:
        name = exc.signal_name if isinstance(exc, RunInterrupted) else "SIGINT"
        if not begun:  # stopped before the run folder changed
            with contextlib.suppress(OSError):
                run_dir.rmdir()  # only when this run created it and wrote nothing
            raise RunInterrupted(name, None) from None
        with _shielded():
            shutil.rmtree(stage_root, ignore_errors=True)
            write_manifest(
                run_dir / "manifest.json",
                manifest_now("incomplete", _dt.datetime.now(_dt.UTC), "cancelled",
                             f"stopped by {name}"),
            )
        raise RunInterrupted(name, run_dir) from None
    except BaseException:
        if begun:
            shutil.rmtree(stage_root, ignore_errors=True)
            write_manifest(
                run_dir / "manifest.json",
                manifest_now("incomplete", _dt.datetime.now(_dt.UTC), "cancelled"),
            )
        raise
    results.sort(key=lambda r: order[(r["kab_code"], r["notebook"])])
    finished = _dt.datetime.now(_dt.UTC)
    shutil.rmtree(stage_root, ignore_errors=True)

    summary = pd.DataFrame(results)
    summary = summary[SUMMARY_COLUMNS + [c for c in summary.columns if c not in SUMMARY_COLUMNS]]
    manifest = manifest_now("complete", finished, "cancelled")
    manifest_path = write_manifest(run_dir / "manifest.json", manifest)
    _unlink(run_dir / INCOMPLETE_MARKER)
    result = RunResult(
        run_id=run_id,
        run_dir=run_dir,
        summary=summary,
        manifest_path=manifest_path,
        manifest=manifest,
    )
    if progress:
        print(format_summary(summary))
        print(f"laporan: {run_dir}")
    return result


def _parent_info() -> dict[str, Any]:
    """The current process as the parent of a run's jobs: host, pid and start time (pid reuse)."""
    import psutil

    return {"host": socket.gethostname(), "pid": os.getpid(),
            "created": psutil.Process().create_time()}


def _write_marker(run_dir: Path, run_id: str) -> None:
    from tkpk_lib.batch.export import atomic_path

    with atomic_path(run_dir / INCOMPLETE_MARKER) as tmp:
        tmp.write_text(
            f"Run {run_id} belum selesai atau dihentikan. Folder unit yang ada sudah lengkap; "
            "unit lain belum dibuat. Lihat manifest.json (status, jobs). Berkas ini dihapus "
            "ketika run selesai.\n",
            encoding="utf-8",
        )


def _commit_unit(staged: Path, final: Path) -> None:
    """Move a finished unit's folder into place (temporary leftovers dropped first)."""
    if not staged.is_dir():
        return  # every job of the unit died before writing (worker error): nothing to show
    for p in staged.iterdir():
        if p.name.startswith(".") or p.name.startswith("tkpk-print-"):
            if p.is_dir():
                shutil.rmtree(p, ignore_errors=True)
            else:
                _unlink(p)
    if final.exists():
        shutil.rmtree(final)
    os.replace(staged, final)


def _earlier_units(run_dir: Path, redo: set[str]) -> list[dict[str, Any]]:
    """Manifest rows of unit folders an earlier run with this id left and this run keeps."""
    kept = sorted(
        p.name for p in run_dir.iterdir()
        if p.is_dir() and not p.name.startswith(".") and p.name not in redo
    )
    if not kept:
        return []
    try:
        old = json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))
        rows, when = list(old.get("jobs", [])), old.get("started_utc")
    except (OSError, ValueError, AttributeError):
        rows, when = [], None
    out = []
    for folder in kept:
        mine = [dict(r) for r in rows if r.get("folder") == folder]
        for r in mine:
            r.setdefault("from_earlier_run", when)
        out += mine or [{
            "folder": folder,
            "kab_code": folder.split("_", 1)[0],
            "notebook": "",
            "status": "unknown",
            "error": "folder from an earlier run with this id that its manifest does not list",
            "from_earlier_run": when,
        }]
    return out
