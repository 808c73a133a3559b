"""Report runs: execute report notebooks per kabupaten/kota and export HTML and PDF.

:func:`run_reports` is the engine behind ``tkpk run``. For every unit (kabupaten/kota code
or ``"17"`` for the province roll-up) and notebook it

1. checks all parameters against the notebook's declared ``parameters`` cell
   (:func:`papermill.inspect_notebook`) *before* anything runs: unknown names, wrong types,
   region codes outside Bengkulu and years that have no data stop the run with a
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
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import hashlib
import json
import os
import re
import shutil
import signal
import socket
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from tkpk_lib import reference_data as _ref
from tkpk_lib.errors import ReportError

__all__ = [
    "KAB_CODES",
    "PROVINCE_CODE",
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

#: Units a run accepts: the ten kabupaten/kota and the province roll-up (tkpk_lib.reference_data).
KAB_CODES: tuple[str, ...] = _ref.KAB_CODES
PROVINCE_CODE = _ref.PROVINCE

#: Parameters the runner fills in itself when a notebook declares them.
BUILTIN_PARAMETERS = ("kab_code", "year", "run_id", "output_dir", "data_root")
PLOTLY_RENDERER = "plotly_mimetype+notebook"
#: Kernel command-line arguments (ERROR log level drops ipykernel's "running over TCP" warning).
KERNEL_ARGS = ("--IPKernelApp.log_level=ERROR",)
#: Run by each worker's kernel while the parent prepares the report tables (see :func:`warm_up`).
WARM_UP_CODE = (
    "import IPython.display\n"
    "import matplotlib.figure\n"
    "import geopandas\n"
    "import plotly.graph_objects\n"
    "from tkpk_lib import narrative, paths, report\n"
)
SUMMARY_COLUMNS = ["kab_code", "notebook", "status", "seconds", "error"]
#: Job statuses: "ok"; "partial" (report written with sections marked incomplete, only when the
#: run asked for partial reports); "failed" (an error, named in ``error``); "blocked" (personal data).
STATUSES = ("ok", "partial", "failed", "blocked")
DONE_STATUSES = ("ok", "partial")
_RUN_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,79}$")
_FORMATS = ("html", "pdf")
#: Folder inside a run folder where units are written until they are complete.
STAGING = ".partial"
#: File in a run folder from the start of a run until its clean end.
INCOMPLETE_MARKER = "RUN_INCOMPLETE"
#: Seconds between two checks of a worker that its parent still runs.
PARENT_POLL_S = 0.2


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
    """While the block runs, SIGTERM raises :class:`RunInterrupted` as Ctrl-C raises
    :class:`KeyboardInterrupt` (main thread only; elsewhere nothing changes).

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


def new_run_id(year: int, out_root: str | Path, *, now: _dt.datetime | None = None) -> str:
    """A new run id ``<year>-<UTC time>-<suffix>`` whose folder in ``out_root`` this call creates.

    The folder is created without ``exist_ok``, so two runs started in the same second (or
    by two people on one shared folder) never get the same id: the loser of a clash draws
    another suffix.

    Parameters
    ----------
    year : int
        Report year.
    out_root : path
        Reports folder; the run folder ``<out_root>/<id>`` is created.
    now : datetime, optional
        Start time (UTC); default now.

    Returns
    -------
    str
        The id, e.g. ``2024-20261206T150000Z-3f9a1c``.

    Raises
    ------
    ReportError
        The reports folder cannot be written.

    Examples
    --------
    >>> new_run_id(2024, "reports")  # doctest: +SKIP
    '2024-20261206T150000Z-3f9a1c'
    """
    stamp = f"{int(year)}-{(now or _dt.datetime.now(_dt.UTC)):%Y%m%dT%H%M%SZ}"
    out_root = Path(out_root)
    for _ in range(1000):
        run_id = f"{stamp}-{uuid.uuid4().hex[:6]}"
        try:
            out_root.mkdir(parents=True, exist_ok=True)
            (out_root / run_id).mkdir()
        except FileExistsError:
            if not out_root.is_dir():
                raise ReportError(f"{out_root}: the reports folder is a file (tkpk run --out)") from None
            continue
        except OSError as exc:
            raise ReportError(
                f"{out_root}: cannot create the run folder ({exc.strerror or exc}); "
                "choose a writable reports folder (tkpk run --out)"
            ) from exc
        return run_id
    raise ReportError(f"{out_root}: no free run id for {stamp}")  # pragma: no cover


def unit_slug(code: str) -> str:
    """Folder name of a unit: code plus the lower-case name.

    Parameters
    ----------
    code : str
        Kabupaten/kota code or ``"17"``.

    Returns
    -------
    str
        For example ``"1701_bengkulu_selatan"``, ``"17_provinsi_bengkulu"``.

    Examples
    --------
    >>> unit_slug("1771")
    '1771_kota_bengkulu'
    """
    return f"{code}_{_ref.kab_slug(code)}"


def _unit_name(code: str) -> str:
    return "Provinsi Bengkulu" if code == PROVINCE_CODE else _ref.region_names().get(code, code)


@dataclass
class RunResult:
    """Outcome of :func:`run_reports`.

    Attributes
    ----------
    run_id : str
        Run identifier.
    run_dir : pathlib.Path
        ``<out_root>/<run_id>``.
    summary : pandas.DataFrame
        One row per job: kab_code, notebook, status ("ok", "partial", "failed", "blocked"),
        seconds, error (first line), plus stage timings, output paths and ``detail`` (every
        line of the cause).
    manifest_path : pathlib.Path
        The run's ``manifest.json``.
    """

    run_id: str
    run_dir: Path
    summary: pd.DataFrame
    manifest_path: Path
    manifest: dict[str, Any] = field(repr=False, default_factory=dict)

    @property
    def ok(self) -> bool:
        """True when every job wrote its report ("ok", or "partial" as the run asked for)."""
        return bool(self.summary["status"].isin(DONE_STATUSES).all())

    @property
    def failed(self) -> pd.DataFrame:
        """Rows of the jobs that did not write their report ("failed", "blocked")."""
        return self.summary[~self.summary["status"].isin(DONE_STATUSES)]

    @property
    def partial(self) -> pd.DataFrame:
        """Rows of the jobs whose report has sections marked incomplete (``--partial``)."""
        return self.summary[self.summary["status"] == "partial"]

    def __str__(self) -> str:
        return format_summary(self.summary)


def format_summary(summary: pd.DataFrame) -> str:
    """Plain-text summary table of a run (kab, notebook, status, seconds, error).

    Parameters
    ----------
    summary : pandas.DataFrame
        ``RunResult.summary``.

    Returns
    -------
    str
        Fixed-width table followed by a count line: how many jobs are ok, partial (report
        with sections marked incomplete) and failed (failed or blocked).

    Examples
    --------
    >>> s = pd.DataFrame({"kab_code": ["1701", "17"], "notebook": ["a", "a"],
    ...                   "status": ["ok", "partial"], "seconds": [1.25, 2.0], "error": ["", "x"]})
    >>> print(format_summary(s).splitlines()[-1])
    2 job(s): 1 ok, 1 partial, 0 failed
    """
    table = summary[SUMMARY_COLUMNS].copy()
    table["seconds"] = table["seconds"].map(lambda s: f"{s:.1f}")
    table["error"] = table["error"].fillna("").map(lambda e: e if len(e) <= 90 else e[:87] + "...")
    n_ok = int((summary["status"] == "ok").sum())
    n_partial = int((summary["status"] == "partial").sum())
    return (
        table.to_string(index=False)
        + f"\n{len(summary)} job(s): {n_ok} ok, {n_partial} partial, "
        f"{len(summary) - n_ok - n_partial} failed"
    )


# --------------------------------------------------------------------------- validation


def _type_ok(value: Any, type_name: str | None) -> bool:
    if not type_name or type_name in {"None", "Any"}:
        return True
    base = type_name.split("[")[0].strip().lower()
    if "|" in base or base.startswith(("optional", "union")):
        return True
    if base == "bool":
        return isinstance(value, bool)
    if base == "int":
        return isinstance(value, int) and not isinstance(value, bool)
    if base == "float":
        return isinstance(value, int | float) and not isinstance(value, bool)
    if base == "str":
        return isinstance(value, str)
    if base in {"list", "tuple"}:
        return isinstance(value, list | tuple)
    if base == "dict":
        return isinstance(value, dict)
    return True


def _check_year(
    year: Any, available_years: Iterable[int] | Callable[[], Iterable[int]] | None
) -> int:
    if not isinstance(year, int) or isinstance(year, bool):
        raise ReportError(f"year must be an integer such as 2024, got {year!r}")
    if available_years is None:
        if not 2000 <= year <= 2100:
            raise ReportError(f"year {year} is outside 2000-2100")
        return year
    years = sorted(
        int(y) for y in (available_years() if callable(available_years) else available_years)
    )
    if year not in years:
        shown = ", ".join(str(y) for y in years) or "none"
        raise ReportError(f"year {year} has no data; available years: {shown}")
    return year


def _check_codes(kab_codes: Sequence[str]) -> list[str]:
    if isinstance(kab_codes, str):
        kab_codes = [kab_codes]
    codes = [str(c).strip() for c in kab_codes]
    if not codes:
        raise ReportError("no kabupaten/kota code given")
    valid = (*KAB_CODES, PROVINCE_CODE)
    bad = [c for c in codes if c not in valid]
    if bad:
        raise ReportError(
            f"unknown kabupaten/kota code(s) {bad}: valid codes are {', '.join(valid)} "
            f'("{PROVINCE_CODE}" = province roll-up)'
        )
    seen: list[str] = []
    for c in codes:
        if c not in seen:
            seen.append(c)
    return seen


def _declared(notebook: Path) -> dict[str, dict[str, Any]]:
    import papermill as pm

    if not notebook.is_file():
        raise ReportError(f"{notebook}: notebook not found")
    try:
        declared = pm.inspect_notebook(str(notebook))
    except Exception as exc:  # noqa: BLE001 - papermill raises various errors on bad files
        raise ReportError(f"{notebook}: cannot read the parameters cell ({exc})") from exc
    if not declared:
        raise ReportError(f"{notebook}: no cell tagged 'parameters'; a report notebook needs one")
    missing = [p for p in ("kab_code", "year") if p not in declared]
    if missing:
        raise ReportError(f"{notebook}: the parameters cell does not declare {missing}")
    return declared


def _validate_params(
    notebook: Path, declared: Mapping[str, Any], params: Mapping[str, Any], where: str
) -> None:
    unknown = sorted(set(params) - set(declared))
    if unknown:
        raise ReportError(
            f"{notebook.name}: unknown parameter(s) {unknown} {where}; the notebook declares "
            f"{sorted(declared)}"
        )
    for name, value in params.items():
        info = declared[name]
        type_name = info.get("inferred_type_name")
        if not _type_ok(value, type_name):
            raise ReportError(
                f"{notebook.name}: parameter {name!r} {where} must be {type_name}, got "
                f"{type(value).__name__} {value!r}"
            )


# --------------------------------------------------------------------------- the task


def _cell_seconds(nb: Any) -> float:
    total = 0.0
    for cell in nb.cells:
        dur = cell.get("metadata", {}).get("papermill", {}).get("duration")
        if isinstance(dur, int | float):
            total += float(dur)
    return total


def _first_line(text: str) -> str:
    r"""The summary line of an error: its first line, and when that only announces a list
    ("SchemaError: 2 problem(s) found:") the first item too, so the cause is never left out.

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
    """Sections an executed report marked incomplete (outputs with the ``tkpk_partial`` metadata
    that :func:`tkpk_lib.report.section_notice` writes in a partial report), with their causes."""
    from tkpk_lib.report import PARTIAL_KEY

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
    """Worker set-up shared by :func:`run_job` and :func:`warm_up`: plotly renderer for the
    kernel (which inherits this environment) and, for PDF jobs, the browser starting early."""
    os.environ["PLOTLY_RENDERER"] = PLOTLY_RENDERER  # plotly then writes HTML+JS outputs
    if "pdf" in job.get("formats", ()):
        from tkpk_lib.batch.export import shared_printer

        printer = shared_printer()
        if printer is not None:
            printer.start(wait=False)


def _kernel_kwargs(job: Mapping[str, Any]) -> dict[str, Any]:
    """papermill arguments that choose the kernel: the same for a job and its worker's
    warm-up, so the warm-up's kernel is the one the job finds (:mod:`tkpk_lib.batch.kernels`).

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
    """Kill this process's kernels and browsers at once, remove their temporary files
    (browser profiles, kernel connection files); then exit when ``exit_code`` is given.

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
    """Stop one run's work in a dask worker (the worker itself lives on): its jobs write
    nothing more, and the worker's kernels and browser are killed so running notebooks end."""
    from tkpk_lib.batch.export import abort_shared_printers
    from tkpk_lib.batch.kernels import kill_kernels

    _STOPPED.add(token)
    n = kill_kernels()
    abort_shared_printers()
    return n


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
    >>> run_job({"notebook": "notebooks/_smoke.ipynb", "kab_code": "1701",
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
    """The work of :func:`run_job` (it turns a stop into status "cancelled")."""
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
    >>> warm_up({"notebook": "notebooks/reports/evaluasi_tahunan.ipynb", "warm_key": "r1",
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


# --------------------------------------------------------------------------- the run


def _make_client(scheduler: Any) -> tuple[Any, bool]:
    from distributed import Client

    if isinstance(scheduler, Client):
        return scheduler, False
    try:  # an address, or a cluster object (LocalCluster, SLURMCluster, ...)
        return Client(scheduler, timeout="30s"), True
    except (OSError, TimeoutError) as exc:
        raise ReportError(f"cannot connect to the dask scheduler {scheduler!r}: {exc}") from exc


def _execute(
    jobs: list[dict[str, Any]], n_jobs: int, scheduler: Any, progress: bool,
    before_run: Callable[[], Any] | None = None,
    on_result: Callable[[dict[str, Any]], Any] | None = None,
    on_start: Callable[[], Any] | None = None,
) -> list[dict[str, Any]]:
    """Run the jobs (processes or dask); ``on_start`` is called in this process after
    ``before_run``, before the first job is submitted, and ``on_result`` as each job
    finishes. On any exception or interrupt, queued jobs are cancelled and running ones
    stopped (workers' kernels and browsers killed) before it propagates."""
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


def _stop_pool(pool: ProcessPoolExecutor, grace: float = 5.0) -> None:
    """Cancel queued jobs and stop the workers: SIGTERM (each kills its kernels and browser
    and exits), then SIGKILL for any worker or descendant still running after ``grace``."""
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


def _discover_inputs(data_root: Path | None) -> list[Path]:
    if data_root is None or not data_root.is_dir():
        return []
    return [data_root]


def run_reports(
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
        Units: ``"1701"`` … ``"1709"``, ``"1771"``, or ``"17"`` for the province roll-up.
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
    Local workers are started with the ``spawn`` method (the same on Linux, macOS and
    Windows, and safe when the caller runs threads, e.g. a dask client). A plain script that
    calls this function must do so under ``if __name__ == "__main__":``; notebooks, the
    ``tkpk`` command and pytest need nothing. Measured on the 2-core development machine:
    about 2 s kernel start + imports per notebook and 1.5-4 s for HTML plus PDF per report;
    ``jobs=2`` is the sweet spot on 2 cores (``benchmarks/bench_run.py``).

    Examples
    --------
    >>> res = run_reports(["notebooks/_smoke.ipynb"], ["1701", "17"], 2024,
    ...                   run_id="uji", jobs=2)  # doctest: +SKIP
    >>> res.ok  # doctest: +SKIP
    True
    """
    from tkpk_lib import paths
    from tkpk_lib.batch.export import find_browser
    from tkpk_lib.batch.manifest import environment_info, hash_inputs, sha256_file, write_manifest

    started = _dt.datetime.now(_dt.UTC)
    params = dict(params or {})
    kab_params = {str(k): dict(v) for k, v in (kab_params or {}).items()}
    notebook_params = {str(k): dict(v) for k, v in (notebook_params or {}).items()}

    # ---- validate everything before any work
    codes = _check_codes(kab_codes)
    year = _check_year(year, available_years)
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
    formats = tuple(formats)
    notebook_formats = {k: tuple(v) for k, v in (notebook_formats or {}).items()}
    for stem, fm in notebook_formats.items():
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
    auto_id = run_id is None
    if run_id is None:
        run_id = f"{year}-{started:%Y%m%dT%H%M%SZ}"  # checked now, taken by new_run_id below
    if not _RUN_ID.match(run_id):
        raise ReportError(
            f"run id {run_id!r}: use letters, digits, '.', '_' or '-' (max 80 characters)"
        )
    if jobs < 1:
        raise ReportError(f"jobs must be >= 1, got {jobs}")
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

    job_list: list[dict[str, Any]] = []
    for code in codes:
        out_dir = stage_root / unit_slug(code)  # moved to run_dir once the unit is complete
        for nb in nb_paths:
            builtin = {
                "kab_code": code,
                "year": year,
                "run_id": run_id,
                "output_dir": str(out_dir),
                "data_root": str(root),
            }
            p = {k: v for k, v in builtin.items() if k in declared[nb]}
            p.update(params)
            p.update(notebook_params.get(nb.stem, {}))
            p.update(kab_params.get(code, {}))
            job_list.append(
                {
                    "notebook": str(nb),
                    "kab_code": code,
                    "out_dir": str(out_dir),
                    "parameters": p,
                    "formats": list(notebook_formats.get(nb.stem, formats)),
                    "footer": footer,
                    "kernel_name": kernel_name,
                    "cell_timeout": cell_timeout,
                    "scan_names": list(scan_names),
                    "title": f"{nb.stem} - {_unit_name(code)} {year}",
                    "warm_key": warm_key,
                    "run_token": run_token,
                    "parent": parent,
                }
            )

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
    submit = sorted(job_list, key=lambda j: j["kab_code"] != PROVINCE_CODE)
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
    """This process as the parent of a run's jobs: host, pid and start time (pid reuse)."""
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
