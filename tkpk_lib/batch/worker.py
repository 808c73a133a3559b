"""One job in a worker: execute a notebook with papermill, export it, guard personal data.

:func:`run_job` is the task function of both the process pool and dask; :func:`warm_up`
starts a worker's kernel (and browser) while the parent prepares the report tables.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from tkpk_lib.batch.files import publish_mode
from tkpk_lib.batch.interrupts import _CURRENT, _QUIET, _guard, _JobCancelled
from tkpk_lib.batch.jobs import KERNEL_ARGS, PLOTLY_RENDERER, WARM_UP_CODE


def _cell_seconds(nb: Any) -> float:
    total = 0.0
    for cell in nb.cells:
        dur = cell.get("metadata", {}).get("papermill", {}).get("duration")
        if isinstance(dur, int | float):
            total += float(dur)
    return total


def _first_line(text: str) -> str:
    r"""The summary line of an error: its first line, and the first item of a list it announces.

    When the first line only announces a list ("SchemaError: 2 problem(s) found:") the first
    item is added too, so the cause is never left out.

    Examples
    --------
    >>> _first_line("cell 4: SchemaError: 2 problem(s) found:\n  - a.csv: bad [rows 3]\n  - b")
    'cell 4: SchemaError: 2 problem(s) found: a.csv: bad [rows 3] (+1 more)'
    """
    lines = [ln.strip() for ln in str(text).splitlines() if ln.strip()]
    if not lines:
        return ""
    if lines[0].endswith(":") and len(lines) > 1:
        more = f" (+{len(lines) - 2} more)" if len(lines) > 2 else ""
        return f"{lines[0]} {lines[1].lstrip('- ').strip()}{more}"
    return lines[0]


def _partial_sections(nb: Any) -> dict[str, list[str]]:
    """Sections an executed report marked incomplete, with their causes.

    They are the outputs with the ``tkpk_partial`` metadata that
    :func:`tkpk_lib.reporting.report.section_notice` writes in a partial report.
    """
    from tkpk_lib.reporting.report import PARTIAL_KEY

    found: dict[str, list[str]] = {}
    for cell in nb.cells:
        for out in cell.get("outputs", ()):
            info = out.get("metadata", {}).get(PARTIAL_KEY)
            if info:
                found.setdefault(str(info.get("section", "?")), [str(x) for x in info.get("problems", ())])
    return found


def _unlink(*paths: Path) -> None:
    for p in paths:
        try:
            p.unlink()
        except FileNotFoundError:
            pass


def _redact_kept(nb_path: Path, job: Mapping[str, Any], result: dict[str, Any]) -> None:
    """Mask personal data in a notebook kept for diagnosis (it stays in the report folder)."""
    from tkpk_lib.privacy import redact_notebook

    try:
        n = redact_notebook(nb_path, job.get("scan_names", ()))
    except (OSError, ValueError) as exc:  # unreadable: do not keep what cannot be checked
        _unlink(nb_path)
        result["outputs"] = [o for o in result.get("outputs", []) if o != nb_path.name]
        result["redacted"] = f"removed ({type(exc).__name__})"
        return
    result["redacted"] = n


def _start_worker(job: Mapping[str, Any]) -> None:
    """Worker set-up shared by :func:`run_job` and :func:`warm_up`.

    Sets the plotly renderer for the kernel (which inherits this environment) and, for PDF
    jobs, starts the browser early.
    """
    os.environ["PLOTLY_RENDERER"] = PLOTLY_RENDERER  # plotly then writes HTML+JS outputs
    if "pdf" in job.get("formats", ()):
        from tkpk_lib.batch.export import shared_printer

        printer = shared_printer()
        if printer is not None:
            printer.start(wait=False)


def _kernel_kwargs(job: Mapping[str, Any]) -> dict[str, Any]:
    """Papermill arguments that choose the kernel, the same for a job and its worker's warm-up.

    So the warm-up's kernel is the one the job finds (:mod:`tkpk_lib.batch.kernels`).

    With a ``warm_key`` the worker keeps its kernel for the next notebook; the notebook is
    written once at the end (and on any error), not after every cell as papermill does by
    default (~1 s per report with plotly outputs).
    """
    from tkpk_lib.batch.kernels import register_engine

    return {
        "kernel_name": job.get("kernel_name", "python3"),
        "cwd": str(Path(job["notebook"]).parent),
        "extra_arguments": list(KERNEL_ARGS),
        "engine_name": register_engine(),
        "warm_key": job.get("warm_key", ""),
        "request_save_on_cell_execute": False,
        "progress_bar": False,
    }


def _cancelled(job: Mapping[str, Any], note: str = "") -> dict[str, Any]:
    return {
        "kab_code": job["kab_code"],
        "notebook": Path(job["notebook"]).stem,
        "status": "cancelled",
        "seconds": 0.0,
        "error": note,
        "stage": "",
        "kernel_s": 0.0,
        "execute_s": 0.0,
        "html_s": 0.0,
        "pdf_s": 0.0,
        "outputs": [],
    }


def run_job(job: Mapping[str, Any]) -> dict[str, Any]:
    """Execute and export one notebook for one unit (the task of both execution paths).

    Parameters
    ----------
    job : mapping
        Built by :func:`run_reports`: ``notebook``, ``kab_code``, ``out_dir``, ``parameters``,
        ``formats``, ``footer``, ``kernel_name``, ``cell_timeout``, ``scan_names``.

    Returns
    -------
    dict
        kab_code, notebook, status ("ok", "partial", "failed", "blocked"; "cancelled" when the run
        was stopped or its parent died meanwhile, and then no file of the job is left),
        seconds, error (first line), detail (every line of the cause), stage, kernel_s (kernel start/shutdown and papermill overhead), execute_s
        (sum of cell run times), html_s, pdf_s, the output file names and redacted (how many
        NIK-like numbers and names were masked in a notebook kept for diagnosis).

    Examples
    --------
    >>> run_job({"notebook": "tests/data/_smoke.ipynb", "kab_code": "1701",
    ...          "out_dir": "reports/x/1701_bengkulu_selatan", "parameters": {"kab_code": "1701"},
    ...          "formats": ["html"], "footer": "", "kernel_name": "python3",
    ...          "cell_timeout": 600, "scan_names": []})["status"]  # doctest: +SKIP
    'ok'
    """
    import logging

    _CURRENT.token = job.get("run_token")
    for name in ("papermill", "nbclient"):
        logger = logging.getLogger(name)
        if _QUIET not in logger.filters:
            logger.addFilter(_QUIET)
    try:
        return _run_job(job)
    except _JobCancelled:
        out_dir = Path(job["out_dir"])
        stem = Path(job["notebook"]).stem
        for p in out_dir.glob(f".{stem}.*"):
            _unlink(p)
        return _cancelled(job, "run stopped")


def _run_job(job: Mapping[str, Any]) -> dict[str, Any]:
    """The work of :func:`run_job` (it turns a stop into status "cancelled").

    Length (about 130 lines): one job's stages in order (execute, keep or withdraw the
    executed notebook, HTML, PDF, the files the notebook wrote, the personal-data scan), each
    checking that the run was not stopped (``_guard``) before it writes and each updating the
    one ``result`` record; read top to bottom it is the job's life, which split functions
    would scatter.
    """
    import papermill as pm

    from tkpk_lib.batch.export import html_to_pdf, notebook_to_html
    from tkpk_lib.privacy import redact_text, scan_artifacts

    t0 = time.perf_counter()
    started_wall = time.time() - 1.0  # mtime resolution margin
    notebook = Path(job["notebook"])
    stem = notebook.stem
    out_dir = Path(job["out_dir"])
    out_dir.mkdir(parents=True, exist_ok=True)
    final_nb = out_dir / f"{stem}.ipynb"
    failed_nb = out_dir / f"{stem}.failed.ipynb"
    html = out_dir / f"{stem}.html"
    pdf = out_dir / f"{stem}.pdf"
    result: dict[str, Any] = {
        "kab_code": job["kab_code"],
        "notebook": stem,
        "status": "ok",
        "seconds": 0.0,
        "error": "",
        "stage": "",
        "kernel_s": 0.0,
        "execute_s": 0.0,
        "html_s": 0.0,
        "pdf_s": 0.0,
        "outputs": [],
        "redacted": 0,
        "detail": "",
    }
    fd, tmp_name = tempfile.mkstemp(prefix=f".{stem}.", suffix=".running.ipynb", dir=out_dir)
    os.close(fd)
    tmp_nb = Path(tmp_name)
    _guard(job)
    _start_worker(job)
    try:
        nb = pm.execute_notebook(
            str(notebook),
            str(tmp_nb),
            parameters=dict(job["parameters"]),
            execution_timeout=job.get("cell_timeout"),
            save_on_error=str(tmp_nb),
            **_kernel_kwargs(job),
        )
    except Exception as exc:  # noqa: BLE001 - any failure of one unit is reported, not raised
        _guard(job)  # a kernel killed because the run stops is not a failure to record
        result.update(status="failed", stage="execute")
        if isinstance(exc, pm.PapermillExecutionError):
            result["error"] = _first_line(f"cell {exc.cell_index}: {exc.ename}: {exc.evalue}")
            # every line of the cause (a SchemaError lists its problems below its first line)
            result["detail"] = redact_text(str(exc.evalue), job.get("scan_names", ()))[0]
        else:
            result["error"] = _first_line(f"{type(exc).__name__}: {exc}")
            result["detail"] = redact_text(str(exc), job.get("scan_names", ()))[0]
        if tmp_nb.exists() and tmp_nb.stat().st_size > 0:
            publish_mode(tmp_nb)
            os.replace(tmp_nb, failed_nb)
            result["outputs"] = [failed_nb.name]
            _redact_kept(failed_nb, job, result)
        _unlink(tmp_nb, final_nb, html, pdf)  # no stale success outputs beside a failure
        result["error"] = redact_text(result["error"], job.get("scan_names", ()))[0]
        result["seconds"] = time.perf_counter() - t0
        return result
    t_exec = time.perf_counter() - t0
    result["execute_s"] = _cell_seconds(nb)
    result["kernel_s"] = max(t_exec - result["execute_s"], 0.0)
    _guard(job)
    publish_mode(tmp_nb)
    os.replace(tmp_nb, final_nb)
    _unlink(failed_nb)
    outputs = [final_nb.name]
    incomplete = _partial_sections(nb)
    if incomplete:  # the notebook was asked for a partial report and marked sections incomplete
        lines = [f"{name}: {ln}" for name, problems in incomplete.items() for ln in problems]
        result.update(status="partial", error=f"bagian tidak lengkap: {lines[0]}"
                      + (f" (+{len(lines) - 1})" if len(lines) > 1 else ""),
                      detail="\n".join(lines))
    try:
        stage_t = time.perf_counter()
        if "html" in job["formats"] or "pdf" in job["formats"]:
            result["stage"] = "html"
            _guard(job)
            notebook_to_html(final_nb, html, footer=job.get("footer", ""), title=job.get("title"))
            outputs.append(html.name)
        result["html_s"] = time.perf_counter() - stage_t
        stage_t = time.perf_counter()
        if "pdf" in job["formats"]:
            result["stage"] = "pdf"
            _guard(job)
            html_to_pdf(html, pdf, reuse=True)  # this worker's persistent browser
            outputs.append(pdf.name)
        result["pdf_s"] = time.perf_counter() - stage_t
        if "html" not in job["formats"] and html.name in outputs:
            _unlink(html)
            outputs.remove(html.name)
        # files the notebook itself wrote into its output folder (tables, annex workbooks)
        written = sorted(
            p.name
            for p in out_dir.iterdir()
            if p.is_file()
            and not p.name.startswith(".")
            and p.name not in outputs
            and p.name != failed_nb.name
            and p.stat().st_mtime >= started_wall
        )
        outputs += written
        result["stage"] = "privacy"
        scanned = [out_dir / name for name in outputs if not name.endswith(".pdf")]
        findings = scan_artifacts(scanned, names=job.get("scan_names", ()))
        if not findings.empty:
            # personal data must not leave the machine: withdraw the report files
            _unlink(html, pdf, *(out_dir / name for name in written))
            os.replace(final_nb, failed_nb)
            outputs = [failed_nb.name]
            _redact_kept(failed_nb, job, result)
            first = findings.iloc[0]
            result.update(
                status="blocked",
                error=f"{len(findings)} personal-data finding(s), first: {first['kind']} "
                f"{first['masked']} in {Path(first['path']).name} line {first['line']}",
            )
        else:
            result["stage"] = ""
    except Exception as exc:  # noqa: BLE001
        _guard(job)
        result.update(status="failed", error=_first_line(f"{type(exc).__name__}: {exc}"))
        result["error"] = redact_text(result["error"], job.get("scan_names", ()))[0]
        result["detail"] = redact_text(str(exc), job.get("scan_names", ()))[0]
    result["outputs"] = outputs
    result["seconds"] = time.perf_counter() - t0
    _guard(job)
    return result


def warm_up(job: Mapping[str, Any]) -> float:
    """Start a worker's kernel (and its browser) before its first notebook; returns seconds.

    Runs :data:`WARM_UP_CODE` (the imports of the report notebooks) in a kernel kept under the
    job's ``warm_key`` (:mod:`tkpk_lib.batch.kernels`), so the worker's first notebook finds it
    running. The runner submits one per worker while the parent computes the report tables.
    A warm-up that fails only costs its own time: the first notebook then starts a kernel.

    Examples
    --------
    >>> warm_up({"notebook": "tkpk_lib/notebooks/reports/evaluasi_tahunan.ipynb", "warm_key": "r1",
    ...          "formats": ["html", "pdf"], "kernel_name": "python3"})  # doctest: +SKIP
    2.8
    """
    import nbformat
    import papermill as pm

    t0 = time.perf_counter()
    if not job.get("warm_key"):
        return 0.0
    _start_worker(job)
    kw = _kernel_kwargs(job)
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(WARM_UP_CODE)]
    nb.metadata["kernelspec"] = {"name": kw["kernel_name"], "display_name": kw["kernel_name"],
                                 "language": "python"}
    try:
        pm.execute_notebook(nb, None, **kw)
    except Exception:  # noqa: BLE001 - best effort: the first notebook starts a kernel itself
        pass
    return time.perf_counter() - t0
