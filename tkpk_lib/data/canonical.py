"""Find the raw files of a data root, read them, and keep the canonical tables.

Layout of a data root (the demo uses the same tree)::

    raw/susenas/<year>/*kor_rt*, *kor_ind*, *kp*   Susenas March
    raw/sakernas/<year>/*.sav|*.dta                 Sakernas August
    raw/podes/<podes year>/*.dta|*.sav              Podes (2018, 2021, 2024 ...)
    raw/registry/*.csv|*.xlsx|*.parquet             welfare registry (latest file)
    raw/programmes/*<year>*.xlsx|*.csv              programme map
    raw/complaints/*<year>*.csv|*.xlsx              complaints log
    raw/activities/*<year>*.csv|*.xlsx              TKPK activity log (optional)
    raw/boundaries/{kabupaten,kecamatan,desa}.gpkg  boundaries
    canonical/<table>_<year>.parquet                written by :func:`build_canonical`

Folder names under the root are matched without regard to case (``RAW/Susenas`` is
``raw/susenas``); file patterns too. Nothing under ``raw/`` is ever written.

Canonical tables are cached as Parquet under the cache root
(:func:`tkpk_lib.paths.cache_root`: the data root, or ``--cache-dir``/``TKPK_CACHE_DIR`` for a
read-only share), never in git. Finding the raw files and the input status
(:func:`raw_files`, :func:`input_status`...) live in :mod:`tkpk_lib.data.inputs`; their names
are re-exported here.
"""

from __future__ import annotations

import hashlib
import json
import os
import uuid
from pathlib import Path

import pandas as pd

from tkpk_lib import paths
from tkpk_lib.data import readers
from tkpk_lib.data.inputs import (  # noqa: F401 - re-exported
    _LABELS,
    BOUNDARY_LEVELS,
    INPUT_COLUMNS,
    PODES_PATTERNS,
    RAW_SOURCES,
    REGISTRY_PATTERNS,
    SURVEY_PATTERNS,
    SURVEY_TABLES,
    TABLE_PATTERNS,
    _child_dir,
    _data_files,
    _one,
    _year_dir,
    _years_in,
    available_years,
    input_notes,
    input_status,
    missing_susenas_message,
    podes_year_for,
    raw_dir,
    raw_files,
    report_inputs,
)
from tkpk_lib.data.readers.activities import read_activities
from tkpk_lib.data.registry_stream import write_registry_parquet
from tkpk_lib.errors import TkpkError


def build_canonical(
    root: str | Path,
    year: int,
    *,
    force: bool = False,
    poverty_lines: pd.DataFrame | None = None,
    cache_dir: str | Path | None = None,
) -> dict[str, Path]:
    """Read and validate every raw file of ``year`` and write canonical Parquet tables.

    Two runs on one data root build one at a time (a lock in the canonical folder) and every
    table is written to a temporary file and renamed, so a caller never sees a half-written
    table or stamp and never rebuilds tables that another run has just made current. The
    rest is :func:`_build_canonical`.

    Examples
    --------
    >>> build_canonical("data/demo/generated", 2024)["households"].name  # doctest: +SKIP
    'households_2024.parquet'
    """
    from tkpk_lib.locks import locked

    can = paths.canonical_dir(root, cache_dir)
    if not paths.writable(can):
        # a read-only folder of current tables is read as it is (nothing is written, no lock);
        # when a table must be written, _build_canonical names the folder and --cache-dir
        return _build_canonical(root, year, force=force, poverty_lines=poverty_lines,
                                cache_dir=cache_dir)
    with locked(can / ".build.lock"):
        return _build_canonical(root, year, force=force, poverty_lines=poverty_lines,
                                cache_dir=cache_dir)


def _to_parquet(df: pd.DataFrame, path: Path) -> None:
    """Write ``df`` to ``path`` atomically (a temporary file in the same folder, renamed)."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}-{uuid.uuid4().hex[:8]}.tmp")
    try:
        df.to_parquet(tmp, index=False)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _build_canonical(  # noqa: C901 - one reuse-or-build branch per canonical table
    root: str | Path,
    year: int,
    *,
    force: bool = False,
    poverty_lines: pd.DataFrame | None = None,
    cache_dir: str | Path | None = None,
) -> dict[str, Path]:
    """Read and validate every raw file of ``year`` and write canonical Parquet tables.

    Returns the paths written (``{table: path}``). Existing tables are reused only while
    they were built from the same raw files (name, size, modification time), the same
    reference tables and the same library version, recorded in ``canonical/_stamp_<year>.json``;
    anything else rebuilds them, so a replaced raw file never leaves a stale table behind.
    A custom ``poverty_lines`` table always rebuilds the survey tables. The registry (one file
    for all years) has its own stamp and is rebuilt only when its raw file, the reference
    tables or the library change, or with ``force``.

    The tables go to ``canonical/`` under :func:`tkpk_lib.paths.cache_root` (the data root, or
    ``cache_dir`` / ``$TKPK_CACHE_DIR``). Nothing is written when every table is current, so a
    read-only folder of current tables can be used as it is; the raw files are only read.

    Raises
    ------
    TkpkError
        No Susenas files for ``year`` (naming the folder looked in), or the tables must be
        written and the cache folder is not writable (naming it and ``--cache-dir``).
    """
    root = Path(root)
    can = paths.canonical_dir(root, cache_dir)
    files = raw_files(root, year)
    if not any(k.startswith("susenas/") for k in files):
        sus = raw_dir(root, "susenas")
        raise TkpkError(
            f"{sus / str(year)}: no Susenas files for {year} "
            f"(years available: {available_years(root) or 'none'})"
            if sus.is_dir()
            else missing_susenas_message(root)
        )
    out: dict[str, Path] = {}
    rebuild_all = force
    stamp_path = can / f"_stamp_{year}.json"
    stamp = _stamp(files)

    def target(name: str) -> Path:
        return can / f"{name}_{year}.parquet"

    tables = ["households", "persons"] + [
        t for t, k in (("labour", "sakernas"), ("villages", "podes"), ("programmes", "programmes"),
                       ("complaints", "complaints"), ("activities", "activities")) if k in files
    ]
    if poverty_lines is not None:
        force = True
    elif not force:
        try:
            force = json.loads(stamp_path.read_text(encoding="utf-8")) != stamp
        except (OSError, ValueError):
            force = True
    current = not force and all(target(t).exists() for t in tables) and (
        "registry" not in files or _registry_current(can, files["registry"])
    )
    if current:
        out = {t: target(t) for t in tables}
        if "registry" in files:
            out["registry"] = can / "registry.parquet"
        return out
    paths.writable_cache_root(root, cache_dir)
    can.mkdir(parents=True, exist_ok=True)
    stamp_path.unlink(missing_ok=True)
    if force or not (target("households").exists() and target("persons").exists()):
        t = readers.read_susenas(
            raw_dir(root, "susenas") / str(year), year, poverty_lines=poverty_lines
        )
        for k in ("households", "persons"):
            _to_parquet(t[k].drop(columns="_row"), target(k))
    out["households"], out["persons"] = target("households"), target("persons")
    if "sakernas" in files:
        if force or not target("labour").exists():
            _to_parquet(readers.read_sakernas(files["sakernas"], year).drop(columns="_row"), target("labour"))
        out["labour"] = target("labour")
    if "podes" in files:
        if force or not target("villages").exists():
            py = podes_year_for(root, year)
            _to_parquet(readers.read_podes(files["podes"], int(py or year)).drop(columns="_row"), target("villages"))
        out["villages"] = target("villages")
    for kind, fn in (
        ("programmes", readers.read_programmes),
        ("complaints", readers.read_complaints),
        ("activities", read_activities),
    ):
        if kind in files:
            if force or not target(kind).exists():
                _to_parquet(fn(files[kind], year=year).drop(columns="_row"), target(kind))
            out[kind] = target(kind)
    if "registry" in files:
        out["registry"] = _build_registry(can, files["registry"], force=rebuild_all)
    stamp_path.write_text(json.dumps(stamp, sort_keys=True), encoding="utf-8")
    return out


def build_registry(
    root: str | Path, *, force: bool = False, cache_dir: str | Path | None = None
) -> Path:
    """The canonical registry table of a data root (``canonical/registry.parquet``), built when needed.

    Needs no survey data (the follow-up lists use the registry alone).

    Raises
    ------
    TkpkError
        No registry file in ``raw/registry`` (naming the folder), or the cache folder is not
        writable when the table must be written.

    Examples
    --------
    >>> build_registry("/nonexistent")  # doctest: +SKIP
    Traceback (most recent call last):
    tkpk_lib.errors.TkpkError: /nonexistent/raw/registry: no registry file (.csv/.xlsx/.parquet)
    """
    folder = raw_dir(root, "registry")
    raw = _one(folder, REGISTRY_PATTERNS)
    if raw is None:
        raise TkpkError(f"{folder}: no registry file (.csv/.xlsx/.parquet)")
    can = paths.canonical_dir(root, cache_dir)
    if not force and _registry_current(can, raw):
        return can / "registry.parquet"
    paths.writable_cache_root(root, cache_dir)
    can.mkdir(parents=True, exist_ok=True)
    return _build_registry(can, raw, force=force)


def _registry_current(can: Path, raw: Path) -> bool:
    try:
        return (can / "registry.parquet").exists() and json.loads(
            (can / "_stamp_registry.json").read_text(encoding="utf-8")
        ) == _stamp({"registry": raw})
    except (OSError, ValueError):
        return False


def _build_registry(can: Path, raw: Path, *, force: bool) -> Path:
    """Write ``canonical/registry.parquet`` unless it is current for ``raw``.

    The registry is one file for all years (the latest export), so it has its own stamp
    (``canonical/_stamp_registry.json``: the raw file's name, size and modification time, the
    reference tables and the library version) and is read once, not once per year built: a
    province run over six years used to parse the ~600,000-row file six times.
    """
    reg = can / "registry.parquet"
    stamp_path = can / "_stamp_registry.json"
    if not force and _registry_current(can, raw):
        return reg
    stamp_path.unlink(missing_ok=True)
    # streamed in batches: bounded memory at any registry size, same table and messages
    write_registry_parquet(raw, reg)
    stamp_path.write_text(json.dumps(_stamp({"registry": raw}), sort_keys=True), encoding="utf-8")
    return reg


def _code_hashes(folder: Path) -> dict[str, str]:
    """Hash of every module under ``folder`` (subpackages included), keyed by relative path.

    The canonical tables depend on every module of :mod:`tkpk_lib.data` (readers, recodes,
    validation, schemas, the registry stream), so a change in any of them rebuilds the tables.

    Examples
    --------
    >>> "readers/susenas.py" in _code_hashes(Path(__file__).parent)
    True
    """
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()[:16]
        for p in sorted(folder.rglob("*.py"))
    }


def _stamp(files: dict[str, Path]) -> dict[str, object]:
    from importlib import resources

    import tkpk_lib

    ref = resources.files("tkpk_lib.reference")
    refs = {}
    for name in ("crosswalk.csv", "recodes.csv", "regions.csv", "official_indicators.csv"):
        refs[name] = hashlib.sha256(ref.joinpath(name).read_bytes()).hexdigest()[:16]
    refs.update(_code_hashes(Path(__file__).parent))
    return {
        "version": tkpk_lib.__version__,
        "reference": refs,
        "files": {k: [p.name, p.stat().st_size, p.stat().st_mtime_ns] for k, p in sorted(files.items())},
    }


def load_tables(
    root: str | Path,
    year: int,
    tables: tuple[str, ...] | None = None,
    *,
    cache_dir: str | Path | None = None,
) -> dict[str, pd.DataFrame]:
    """Load canonical tables of ``year`` (building them from raw files when needed).

    Parameters
    ----------
    root : path-like
        Data root.
    year : int
    tables : tuple of str, optional
        Subset of households, persons, labour, villages, programmes, complaints, registry.
    cache_dir : path, optional
        Folder for the derived tables (see :func:`tkpk_lib.paths.cache_root`).

    Returns
    -------
    dict of DataFrame
    """
    built = build_canonical(root, year, cache_dir=cache_dir)
    wanted = tables or tuple(built)
    missing = [t for t in wanted if t not in built]
    if missing:
        raise TkpkError(f"{root}: no raw files for {', '.join(missing)} in {year}")
    return {t: pd.read_parquet(built[t]) for t in wanted}


_BOUNDARY_CACHE: dict[tuple[str, str], tuple[tuple[int, ...], object]] = {}


def _file_stamp(path: Path) -> tuple[int, ...]:
    """(mtime, size) of a boundary file and, for a shapefile, of its side files."""
    files = [path]
    if path.suffix.lower() == ".shp":
        files += [path.with_suffix(s) for s in (".dbf", ".shx", ".prj", ".cpg")]
    stamp: list[int] = []
    for f in files:
        try:
            st = f.stat()
        except OSError:
            continue
        stamp += [st.st_mtime_ns, st.st_size]
    return tuple(stamp)


def load_boundaries(root: str | Path, level: str):  # -> GeoDataFrame
    """Boundary polygons of one level from ``root/raw/boundaries``.

    Read and checked once per process and file version: the result is cached by the file's
    path, modification time and size (and those of a shapefile's side files), so the reports
    of several units in one kernel read the file once and an edited file is read again. Each
    call returns a copy, which callers may modify.

    Examples
    --------
    >>> kec = load_boundaries("data/demo/generated", "kecamatan")  # doctest: +SKIP
    """
    f = raw_files(root, 0).get(f"boundaries/{level}")
    if f is None:
        raise TkpkError(
            f"{raw_dir(root, 'boundaries')}: no {level} boundary file (.gpkg/.geojson/.shp)"
        )
    key = (str(Path(f).resolve()), level)
    stamp = _file_stamp(Path(f))
    hit = _BOUNDARY_CACHE.get(key)
    if hit is None or hit[0] != stamp:
        hit = (stamp, readers.read_boundaries(f, level))
        _BOUNDARY_CACHE[key] = hit
    return hit[1].copy()
