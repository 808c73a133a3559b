"""Find the raw files of a data root, read them, and keep the canonical tables.

Layout of a data root (the demo uses the same tree)::

    raw/susenas/<year>/*kor_rt*, *kor_ind*, *kp*   Susenas March
    raw/sakernas/<year>/*.sav|*.dta                 Sakernas August
    raw/podes/<podes year>/*.dta|*.sav              Podes (2018, 2021, 2024 ...)
    raw/registry/*.csv|*.xlsx|*.parquet             welfare registry (latest file)
    raw/programmes/*<year>*.xlsx|*.csv              programme map
    raw/complaints/*<year>*.csv|*.xlsx              complaints log
    raw/boundaries/{kabupaten,kecamatan,desa}.gpkg  boundaries
    canonical/<table>_<year>.parquet                written by :func:`build_canonical`

Folder names under the root are matched without regard to case (``RAW/Susenas`` is
``raw/susenas``); file patterns too. Nothing under ``raw/`` is ever written.

Canonical tables are cached as Parquet under the cache root
(:func:`tkpk_lib.paths.cache_root`: the data root, or ``--cache-dir``/``TKPK_CACHE_DIR`` for a
read-only share), never in git. :func:`input_status` says which input of each source is used
and where a missing one was looked for.
"""

from __future__ import annotations

import hashlib
import json
import os
import uuid
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from tkpk_lib import paths
from tkpk_lib.data import readers
from tkpk_lib.data.registry_stream import write_registry_parquet
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
    for kind in ("programmes", "complaints"):
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


def _build_canonical(
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
                       ("complaints", "complaints")) if k in files
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
