"""Find the raw files of a data root and say which input of each source is used.

Layout of a data root (the demo uses the same tree)::

    raw/susenas/<year>/*kor_rt*, *kor_ind*, *kp*   Susenas March
    raw/sakernas/<year>/*.sav|*.dta                 Sakernas August
    raw/podes/<podes year>/*.dta|*.sav              Podes (2018, 2021, 2024 ...)
    raw/registry/*.csv|*.xlsx|*.parquet             welfare registry (latest file)
    raw/programmes/*<year>*.xlsx|*.csv              programme map
    raw/complaints/*<year>*.csv|*.xlsx              complaints log
    raw/activities/*<year>*.csv|*.xlsx              TKPK activity log (optional)
    raw/boundaries/{kabupaten,kecamatan,desa}.gpkg  boundaries

Folder names under the root are matched without regard to case (``RAW/Susenas`` is
``raw/susenas``); file patterns too. Nothing under ``raw/`` is ever written.

:func:`raw_files` lists the inputs of a year; :func:`input_status` says which input of each
source is used and where a missing one was looked for. The tables built from them are
:mod:`tkpk_lib.data.canonical`'s job.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd

from tkpk_lib.errors import TkpkError

SURVEY_TABLES = ("households", "persons", "labour", "villages")


RAW_SOURCES = ("susenas", "sakernas", "podes", "registry", "programmes", "complaints", "boundaries")
SURVEY_PATTERNS = ("*.sav", "*.dta", "*.csv", "*.parquet")
PODES_PATTERNS = ("*.dta", "*.sav", "*.csv", "*.parquet")
REGISTRY_PATTERNS = ("*.csv", "*.xlsx", "*.parquet")
TABLE_PATTERNS = ("*.xlsx", "*.csv")
BOUNDARY_LEVELS = ("kabupaten", "kecamatan", "desa")


def _child_dir(folder: Path, name: str) -> Path | None:
    """The subfolder of ``folder`` called ``name`` in any upper/lower case (None when absent).

    Raises :class:`TkpkError` naming every candidate when several differ only by case
    (``raw/Susenas`` and ``raw/susenas`` on a case-sensitive file system).
    """
    exact = folder / name
    try:
        hits = sorted(p for p in folder.iterdir() if p.is_dir() and p.name.lower() == name.lower())
    except (FileNotFoundError, NotADirectoryError):
        return None
    except PermissionError as e:
        raise TkpkError(f"{folder}: folder cannot be read ({e.strerror})") from e
    if len(hits) > 1:
        raise TkpkError(
            f"{folder}: several folders named '{name}' ({', '.join(p.name for p in hits)}): "
            "keep one (folder names are matched without regard to upper/lower case)"
        )
    if hits:
        return hits[0]
    return exact if exact.is_dir() else None


def raw_dir(root: str | Path, source: str) -> Path:
    """The folder of one raw source: ``<root>/raw/<source>`` matched without regard to case.

    ``RAW/Susenas`` is found for ``susenas``; when the folder is absent the expected path
    ``<root>/raw/<source>`` is returned (it does not exist), so messages can say where it was
    looked for.

    Raises
    ------
    TkpkError
        Several folders differ only by case (``raw/Susenas`` and ``raw/susenas``).

    Examples
    --------
    >>> raw_dir("/nonexistent", "susenas").as_posix()
    '/nonexistent/raw/susenas'
    """
    root = Path(root)
    raw = _child_dir(root, "raw")
    if raw is None:
        return root / "raw" / source
    return _child_dir(raw, source) or raw / source


def _data_files(folder: Path) -> list[Path]:
    try:
        return sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith("."))
    except (FileNotFoundError, NotADirectoryError):
        return []


def _years_in(folder: Path, *, with_files: bool = False) -> list[int]:
    if not folder.is_dir():
        return []
    return sorted(
        int(p.name)
        for p in folder.iterdir()
        if p.is_dir() and p.name.isdigit() and (not with_files or _data_files(p))
    )


def available_years(root: str | Path) -> list[int]:
    """Years with Susenas files under ``root/raw/susenas`` (folder names in any case).

    A year folder without any file is not a year with data (:func:`input_status` names it).

    Examples
    --------
    >>> available_years("/nonexistent")
    []
    """
    return _years_in(raw_dir(root, "susenas"), with_files=True)


def podes_year_for(root: str | Path, year: int) -> int | None:
    """The Podes round to use for ``year``: the latest at or before it, else the earliest.

    Only rounds whose folder holds a Podes file count (an empty ``raw/podes/2024`` falls back
    to 2021).
    """
    folder = raw_dir(root, "podes")
    ys = [y for y in _years_in(folder) if _one(folder / str(y), PODES_PATTERNS)]
    if not ys:
        return None
    before = [y for y in ys if y <= year]
    return before[-1] if before else ys[0]


def _one(folder: Path, patterns: tuple[str, ...], year: int | None = None) -> Path | None:
    """The last file (by name) in ``folder`` matching one of ``patterns`` in any case."""
    from fnmatch import fnmatchcase

    pats = [p.lower() for p in patterns]
    hits = [p for p in _data_files(folder) if any(fnmatchcase(p.name.lower(), q) for q in pats)]
    if year is not None:
        hits = [p for p in hits if str(year) in p.name]
    return sorted(hits)[-1] if hits else None


def _year_dir(folder: Path, year: int) -> Path:
    return folder / str(year)


def raw_files(root: str | Path, year: int) -> dict[str, Path]:
    """The raw input files a run for ``year`` reads (for manifests and hashing)."""
    root = Path(root)
    out: dict[str, Path] = {}
    for p in _data_files(_year_dir(raw_dir(root, "susenas"), year)):
        out[f"susenas/{p.name}"] = p
    sak = _one(_year_dir(raw_dir(root, "sakernas"), year), SURVEY_PATTERNS)
    if sak:
        out["sakernas"] = sak
    py = podes_year_for(root, year)
    if py is not None:
        pod = _one(_year_dir(raw_dir(root, "podes"), py), PODES_PATTERNS)
        if pod:
            out["podes"] = pod
    reg = _one(raw_dir(root, "registry"), REGISTRY_PATTERNS)
    if reg:
        out["registry"] = reg
    for kind in ("programmes", "complaints", "activities"):
        f = _one(raw_dir(root, kind), TABLE_PATTERNS, year)
        if f:
            out[kind] = f
    bnd = raw_dir(root, "boundaries")
    for level in BOUNDARY_LEVELS:
        f = _one(bnd, (f"{level}.gpkg", f"{level}.geojson", f"{level}.shp"))
        if f:
            out[f"boundaries/{level}"] = f
    return out


_LABELS = {
    "susenas": "Susenas",
    "sakernas": "Sakernas",
    "podes": "Podes",
    "registry": "Registri (DTKS/P3KE)",
    "programmes": "Peta program",
    "complaints": "Log pengaduan",
    "boundaries/kabupaten": "Batas wilayah kabupaten",
    "boundaries/kecamatan": "Batas wilayah kecamatan",
    "boundaries/desa": "Batas wilayah desa",
}
INPUT_COLUMNS = ("source", "year", "status", "required", "path", "year_used", "note")


def input_status(root: str | Path, years: int | list[int] | tuple[int, ...]) -> pd.DataFrame:
    """Which raw input of each source is used for each year, and where a missing one was looked for.

    Parameters
    ----------
    root : path
        Data root.
    years : int or sequence of int
        Report years.

    Returns
    -------
    DataFrame
        One row per year and source, columns ``source`` (susenas, sakernas, podes, registry,
        programmes, complaints, boundaries/kabupaten, boundaries/kecamatan, boundaries/desa),
        ``year`` (the year asked), ``status`` ("present" or "missing"), ``required`` (True
        only for Susenas), ``path`` (the file used, or the folder looked in), ``year_used``
        (the year of the file used: the Podes round, which may be earlier; <NA> when missing
        or not yearly) and ``note`` (Indonesian console text, empty when the file of that year is
        present: "Podes 2021 dipakai untuk 2024 (...)", "Sakernas 2024 tidak ada: dicari di ...").

    Examples
    --------
    >>> t = input_status("/nonexistent", 2024)
    >>> t.loc[t["source"] == "susenas", "status"].item()
    'missing'
    >>> t.loc[t["source"] == "susenas", "path"].item()
    '/nonexistent/raw/susenas/2024'
    """
    root = Path(root)
    ys = [int(years)] if isinstance(years, int) else [int(y) for y in years]
    rows: list[dict[str, object]] = []

    def why(folder: Path, what: str) -> str:
        if not folder.exists():
            return "folder tidak ada"
        if not _data_files(folder):
            return "folder kosong"
        return f"tidak ada file {what}"

    def add(source: str, year: int, found: Path | None, looked: Path, used: int | None,
            what: str, note: str = "") -> None:
        label = _LABELS[source]
        if found is None:
            yearly = source in ("susenas", "sakernas", "programmes", "complaints")
            note = (
                f"{label}{f' {year}' if yearly else ''} tidak ada: dicari di {looked} "
                f"({why(looked, what)})"
            )
        rows.append({
            "source": source, "year": year, "status": "missing" if found is None else "present",
            "required": source == "susenas", "path": str(found if found is not None else looked),
            "year_used": used if found is not None else None, "note": note,
        })

    bnd = raw_dir(root, "boundaries")
    reg_dir = raw_dir(root, "registry")
    reg = _one(reg_dir, REGISTRY_PATTERNS)
    for y in ys:
        sus = _year_dir(raw_dir(root, "susenas"), y)
        add("susenas", y, sus if _data_files(sus) else None, sus, y, "survei")
        sak_dir = _year_dir(raw_dir(root, "sakernas"), y)
        add("sakernas", y, _one(sak_dir, SURVEY_PATTERNS), sak_dir, y, ".sav/.dta/.csv/.parquet")
        pod_root = raw_dir(root, "podes")
        py = podes_year_for(root, y)
        pod = _one(_year_dir(pod_root, py), PODES_PATTERNS) if py is not None else None
        note = ""
        if pod is not None and py != y:
            note = f"Podes {py} dipakai untuk {y} ({pod})"
        add("podes", y, pod, pod_root, py, "Podes (.dta/.sav/.csv/.parquet) di subfolder tahun", note)
        add("registry", y, reg, reg_dir, None, ".csv/.xlsx/.parquet")
        for kind in ("programmes", "complaints"):
            d = raw_dir(root, kind)
            add(kind, y, _one(d, TABLE_PATTERNS, y), d, y, f".xlsx/.csv dengan {y} pada namanya")
        for level in BOUNDARY_LEVELS:
            f = _one(bnd, (f"{level}.gpkg", f"{level}.geojson", f"{level}.shp"))
            add(f"boundaries/{level}", y, f, bnd, None, f"{level}.gpkg/.geojson/.shp")
    t = pd.DataFrame(rows, columns=list(INPUT_COLUMNS))
    t["year_used"] = t["year_used"].astype("Int64")
    return t


def input_notes(table: pd.DataFrame, admin_year: int | None = None) -> list[str]:
    """The console lines of an :func:`input_status` table: each missing or substituted input once.

    Parameters
    ----------
    table : DataFrame
        From :func:`input_status`.
    admin_year : int, optional
        Only this year's programme map and complaints log are named (a run over several years
        uses those of the report year only); default every year of the table.

    Examples
    --------
    >>> input_notes(input_status("/nonexistent", 2024))[0]
    'Susenas 2024 tidak ada: dicari di /nonexistent/raw/susenas/2024 (folder tidak ada)'
    """
    keep = table["note"].astype(bool)
    if admin_year is not None:
        keep &= ~table["source"].isin(["programmes", "complaints"]) | (table["year"] == admin_year)
    return list(dict.fromkeys(table.loc[keep, "note"]))


def report_inputs(
    root: str | Path,
    years: int | list[int] | tuple[int, ...],
    echo: Callable[[str], object] = print,
    *,
    admin_year: int | None = None,
) -> pd.DataFrame:
    """Say once which inputs are missing (and which Podes round stands in) and return the table.

    Parameters
    ----------
    root : path
        Data root.
    years : int or sequence of int
        Years of the run.
    echo : callable
        Receives each line (default ``print``).
    admin_year : int, optional
        See :func:`input_notes`.

    Returns
    -------
    DataFrame
        :func:`input_status` of ``root`` and ``years``.
    """
    t = input_status(root, years)
    for line in input_notes(t, admin_year):
        echo(line)
    return t


def missing_susenas_message(root: str | Path) -> str:
    """One line saying where the Susenas folder was looked for (no year folder with files)."""
    d = raw_dir(root, "susenas")
    if d.is_dir():
        return (
            f"{d}: no Susenas year folder with files (expected {d}/<year>/ with the kor_rt, "
            "kor_ind and kp files)"
        )
    return (
        f"{d}: no Susenas folder (looked for raw/susenas under {Path(root)}, in any upper/lower "
        "case); put the Susenas files in raw/susenas/<year>/, or run `tkpk demo-data` for the "
        "synthetic demo"
    )
