"""What a report run is made of: constants, run ids, unit names, result, parameter checks.

The checks of a notebook's parameters are made before anything runs.

A job (one notebook for one unit) travels to the workers as a plain mapping so that it
pickles to a process pool and to dask alike; :class:`RunResult` is what
:func:`tkpk_lib.batch.runner.run_reports` returns.
"""

from __future__ import annotations

import datetime as _dt
import re
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from tkpk_lib.batch.summary import format_summary
from tkpk_lib.data.region import Region, current_region
from tkpk_lib.errors import ReportError


def __getattr__(name: str) -> object:
    # units a run accepts: the kabupaten/kota and the roll-up of the process's province
    if name == "KAB_CODES":
        return current_region().kab_codes
    if name == "PROVINCE_CODE":
        return current_region().code
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


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
    "from tkpk_lib import paths\n"
    "from tkpk_lib.reporting import narrative, report\n"
)
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


def unit_slug(code: str, region: Region | None = None) -> str:
    """Folder name of a unit: code plus the lower-case name.

    Parameters
    ----------
    code : str
        Kabupaten/kota code or the province code.
    region : Region, optional
        The province (default the process's, :func:`tkpk_lib.data.region.current_region`).

    Returns
    -------
    str
        For example ``"1701_bengkulu_selatan"``, ``"17_provinsi_bengkulu"``.

    Examples
    --------
    >>> unit_slug("1771", Region.from_code("17"))
    '1771_kota_bengkulu'
    """
    return (region or current_region()).unit_slug(code)


def _unit_name(code: str) -> str:
    return current_region().unit_name(code)


@dataclass(frozen=True)
class Job:
    """One notebook for one unit: everything a worker needs to run and export it.

    The runner plans a run as a list of jobs; each travels to its worker as the plain mapping
    :meth:`as_task` returns (it pickles to a process pool and to dask alike, and
    :func:`tkpk_lib.batch.worker.run_job` takes that mapping).

    Parameters
    ----------
    notebook : str
        Path of the report notebook.
    kab_code : str
        Unit code (kabupaten/kota or the province).
    out_dir : str
        The unit's staging folder.
    parameters : mapping
        Notebook parameters (the runner's own, the run's, the notebook's, the unit's).
    formats : tuple of str
        Exports of this notebook.
    footer, title : str
        HTML/PDF footer and document title.
    kernel_name : str
        Jupyter kernel.
    cell_timeout : int or None
        Seconds a cell may run.
    scan_names : tuple of str
        Names the privacy guard scans for.
    warm_key, run_token : str
        Warm-kernel key ("" for a fresh kernel) and the run's token (for stopping it).
    parent : mapping
        The run's parent process (host, pid, start time) watched by the worker.

    Examples
    --------
    >>> job = Job(notebook="a.ipynb", kab_code="1701", out_dir="out", parameters={"year": 2024},
    ...           formats=("html",), footer="f", kernel_name="python3", cell_timeout=60,
    ...           scan_names=(), title="a - 1701", warm_key="", run_token="t", parent={})
    >>> job.as_task()["formats"], job.as_task()["parameters"]
    (['html'], {'year': 2024})
    """

    notebook: str
    kab_code: str
    out_dir: str
    parameters: Mapping[str, Any]
    formats: tuple[str, ...]
    footer: str
    kernel_name: str
    cell_timeout: int | None
    scan_names: tuple[str, ...]
    title: str
    warm_key: str
    run_token: str
    parent: Mapping[str, Any]

    def as_task(self) -> dict[str, Any]:
        """The job as the mapping :func:`~tkpk_lib.batch.worker.run_job` takes.

        Returns
        -------
        dict
            The fields, with lists for ``formats`` and ``scan_names``.
        """
        return {
            "notebook": self.notebook,
            "kab_code": self.kab_code,
            "out_dir": self.out_dir,
            "parameters": dict(self.parameters),
            "formats": list(self.formats),
            "footer": self.footer,
            "kernel_name": self.kernel_name,
            "cell_timeout": self.cell_timeout,
            "scan_names": list(self.scan_names),
            "title": self.title,
            "warm_key": self.warm_key,
            "run_token": self.run_token,
            "parent": self.parent,
        }


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


def _check_codes(kab_codes: Sequence[str], region: Region | None = None) -> list[str]:
    if isinstance(kab_codes, str):
        kab_codes = [kab_codes]
    codes = [str(c).strip() for c in kab_codes]
    if not codes:
        raise ReportError("no kabupaten/kota code given")
    region = region or current_region()
    valid = region.unit_codes
    bad = [c for c in codes if c not in valid]
    if bad:
        raise ReportError(
            f"unknown kabupaten/kota code(s) {bad}: valid codes of {region.title} are "
            f'{", ".join(valid)} ("{region.code}" = province roll-up)'
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
