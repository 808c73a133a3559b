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

Canonical tables are cached as Parquet (registry excluded from the cache summary only; its
parquet stays under the data root, never in git).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pandas as pd

from tkpk_lib import readers
from tkpk_lib.errors import TkpkError
from tkpk_lib.registry_stream import write_registry_parquet

SURVEY_TABLES = ("households", "persons", "labour", "villages")


def _years_in(folder: Path) -> list[int]:
    if not folder.exists():
        return []
    return sorted(int(p.name) for p in folder.iterdir() if p.is_dir() and p.name.isdigit())


def available_years(root: str | Path) -> list[int]:
    """Years with Susenas files under ``root/raw/susenas``.

    Examples
    --------
    >>> available_years("/nonexistent")
    []
    """
    return _years_in(Path(root) / "raw" / "susenas")


def podes_year_for(root: str | Path, year: int) -> int | None:
    """The Podes round to use for ``year``: the latest at or before it, else the earliest."""
    ys = _years_in(Path(root) / "raw" / "podes")
    if not ys:
        return None
    before = [y for y in ys if y <= year]
    return before[-1] if before else ys[0]


def _one(folder: Path, patterns: tuple[str, ...], year: int | None = None) -> Path | None:
    if not folder.exists():
        return None
    hits: list[Path] = []
    for pat in patterns:
        hits += [p for p in folder.glob(pat) if p.is_file() and not p.name.startswith(".")]
    if year is not None:
        hits = [p for p in hits if str(year) in p.name] or []
    return sorted(hits)[-1] if hits else None


def raw_files(root: str | Path, year: int) -> dict[str, Path]:
    """The raw input files a run for ``year`` reads (for manifests and hashing)."""
    root = Path(root)
    out: dict[str, Path] = {}
    sus = root / "raw" / "susenas" / str(year)
    if sus.exists():
        for p in sorted(sus.iterdir()):
            out[f"susenas/{p.name}"] = p
    sak = _one(root / "raw" / "sakernas" / str(year), ("*.sav", "*.dta", "*.csv", "*.parquet"))
    if sak:
        out["sakernas"] = sak
    py = podes_year_for(root, year)
    if py is not None:
        pod = _one(root / "raw" / "podes" / str(py), ("*.dta", "*.sav", "*.csv", "*.parquet"))
        if pod:
            out["podes"] = pod
    reg = _one(root / "raw" / "registry", ("*.csv", "*.xlsx", "*.parquet"))
    if reg:
        out["registry"] = reg
    for kind in ("programmes", "complaints"):
        f = _one(root / "raw" / kind, ("*.xlsx", "*.csv"), year)
        if f:
            out[kind] = f
    bnd = root / "raw" / "boundaries"
    for level in ("kabupaten", "kecamatan", "desa"):
        f = _one(bnd, (f"{level}.gpkg", f"{level}.geojson", f"{level}.shp"))
        if f:
            out[f"boundaries/{level}"] = f
    return out


def build_canonical(
    root: str | Path, year: int, *, force: bool = False, poverty_lines: pd.DataFrame | None = None
) -> dict[str, Path]:
    """Read and validate every raw file of ``year`` and write canonical Parquet tables.

    Returns the paths written (``{table: path}``). Existing tables are reused only while
    they were built from the same raw files (name, size, modification time), the same
    reference tables and the same library version, recorded in ``canonical/_stamp_<year>.json``;
    anything else rebuilds them, so a replaced raw file never leaves a stale table behind.
    A custom ``poverty_lines`` table always rebuilds the survey tables. The registry (one file
    for all years) has its own stamp and is rebuilt only when its raw file, the reference
    tables or the library change, or with ``force``.
    """
    root = Path(root)
    can = root / "canonical"
    can.mkdir(parents=True, exist_ok=True)
    files = raw_files(root, year)
    out: dict[str, Path] = {}
    rebuild_all = force
    stamp_path = can / f"_stamp_{year}.json"
    stamp = _stamp(files)
    if poverty_lines is not None:
        force = True
    elif not force:
        try:
            force = json.loads(stamp_path.read_text(encoding="utf-8")) != stamp
        except (OSError, ValueError):
            force = True
    stamp_path.unlink(missing_ok=True)

    def target(name: str) -> Path:
        return can / f"{name}_{year}.parquet"

    if not any(k.startswith("susenas/") for k in files):
        raise TkpkError(
            f"{root / 'raw' / 'susenas' / str(year)}: no Susenas files for {year} "
            f"(years available: {available_years(root) or 'none'})"
        )
    if force or not (target("households").exists() and target("persons").exists()):
        t = readers.read_susenas(
            root / "raw" / "susenas" / str(year), year, poverty_lines=poverty_lines
        )
        for k in ("households", "persons"):
            t[k].drop(columns="_row").to_parquet(target(k), index=False)
    out["households"], out["persons"] = target("households"), target("persons")
    if "sakernas" in files:
        if force or not target("labour").exists():
            readers.read_sakernas(files["sakernas"], year).drop(columns="_row").to_parquet(
                target("labour"), index=False
            )
        out["labour"] = target("labour")
    if "podes" in files:
        if force or not target("villages").exists():
            py = podes_year_for(root, year)
            readers.read_podes(files["podes"], int(py or year)).drop(columns="_row").to_parquet(
                target("villages"), index=False
            )
        out["villages"] = target("villages")
    for kind, fn in (
        ("programmes", readers.read_programmes),
        ("complaints", readers.read_complaints),
    ):
        if kind in files:
            if force or not target(kind).exists():
                fn(files[kind]).drop(columns="_row").to_parquet(target(kind), index=False)
            out[kind] = target(kind)
    if "registry" in files:
        out["registry"] = _build_registry(can, files["registry"], force=rebuild_all)
    stamp_path.write_text(json.dumps(stamp, sort_keys=True), encoding="utf-8")
    return out


def _build_registry(can: Path, raw: Path, *, force: bool) -> Path:
    """Write ``canonical/registry.parquet`` unless it is current for ``raw``.

    The registry is one file for all years (the latest export), so it has its own stamp
    (``canonical/_stamp_registry.json``: the raw file's name, size and modification time, the
    reference tables and the library version) and is read once, not once per year built: a
    province run over six years used to parse the ~600,000-row file six times.
    """
    reg = can / "registry.parquet"
    stamp_path = can / "_stamp_registry.json"
    stamp = _stamp({"registry": raw})
    if not force and reg.exists():
        try:
            if json.loads(stamp_path.read_text(encoding="utf-8")) == stamp:
                return reg
        except (OSError, ValueError):
            pass
    stamp_path.unlink(missing_ok=True)
    # streamed in batches: bounded memory at any registry size, same table and messages
    write_registry_parquet(raw, reg)
    stamp_path.write_text(json.dumps(stamp, sort_keys=True), encoding="utf-8")
    return reg


def _stamp(files: dict[str, Path]) -> dict[str, object]:
    from importlib import resources

    import tkpk_lib

    ref = resources.files("tkpk_lib.reference")
    refs = {}
    for name in ("crosswalk.csv", "regions.csv", "official_indicators.csv"):
        refs[name] = hashlib.sha256(ref.joinpath(name).read_bytes()).hexdigest()[:16]
    here = Path(readers.__file__).parent
    for name in ("readers.py", "validate.py", "schemas.py", "registry_stream.py"):
        refs[name] = hashlib.sha256((here / name).read_bytes()).hexdigest()[:16]
    return {
        "version": tkpk_lib.__version__,
        "reference": refs,
        "files": {k: [p.name, p.stat().st_size, p.stat().st_mtime_ns] for k, p in sorted(files.items())},
    }


def load_tables(
    root: str | Path, year: int, tables: tuple[str, ...] | None = None
) -> dict[str, pd.DataFrame]:
    """Load canonical tables of ``year`` (building them from raw files when needed).

    Parameters
    ----------
    root : path-like
        Data root.
    year : int
    tables : tuple of str, optional
        Subset of households, persons, labour, villages, programmes, complaints, registry.

    Returns
    -------
    dict of DataFrame
    """
    paths = build_canonical(root, year)
    wanted = tables or tuple(paths)
    missing = [t for t in wanted if t not in paths]
    if missing:
        raise TkpkError(f"{root}: no raw files for {', '.join(missing)} in {year}")
    return {t: pd.read_parquet(paths[t]) for t in wanted}


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
            f"{Path(root) / 'raw' / 'boundaries'}: no {level} boundary file (.gpkg/.geojson/.shp)"
        )
    key = (str(Path(f).resolve()), level)
    stamp = _file_stamp(Path(f))
    hit = _BOUNDARY_CACHE.get(key)
    if hit is None or hit[0] != stamp:
        hit = (stamp, readers.read_boundaries(f, level))
        _BOUNDARY_CACHE[key] = hit
    return hit[1].copy()
