"""The section cache: one entry per set of inputs and options, prepared once and reused.

:func:`prepare_year` reads a data root's canonical tables and writes the sections of one year
into ``<root>/derived/<year>/<key>/`` (:func:`cache_entry`), where the key fingerprints the
input files, the options and every module of the package; an entry is published atomically and
sealed with a completion marker, so a reader never sees a half-written entry.
:func:`ensure_prepared` reuses a matching entry.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import uuid
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from tkpk_lib import paths as tkpk_paths
from tkpk_lib.data.region import PROVINCE_ENV, province_code, use_region
from tkpk_lib.data.region_root import use_root
from tkpk_lib.errors import ReportError, SchemaError, TkpkError
from tkpk_lib.locks import locked
from tkpk_lib.reporting.reading import CACHE_VERSION, COMPLETE_MARKER, cache_info
from tkpk_lib.reporting.section_data import _apply_poverty_lines
from tkpk_lib.reporting.sections import prepare_tables


def _fingerprint(files: Mapping[str, Path], extra: Sequence[Any], contents: Mapping[str, Path] | None = None) -> str:
    """Cache key of the inputs: stamps of ``files``, the bytes of ``contents`` and ``extra``.

    ``files`` (raw and canonical data, possibly gigabytes) are stamped by size and modification
    time in nanoseconds (and a shapefile's side files); ``contents`` (the library's code and
    reference tables, small) are hashed byte for byte, so a changed estimator gives another
    key even when a checkout keeps the file times.
    """
    from tkpk_lib.data.canonical import _file_stamp

    h = hashlib.sha256()
    for name in sorted(files):
        h.update(f"{name}:{_file_stamp(Path(files[name]))};".encode())
    for name, path in sorted((contents or {}).items()):
        h.update(f"{name}:".encode() + hashlib.sha256(Path(path).read_bytes()).digest())
    h.update(json.dumps([str(e) for e in extra]).encode())
    return h.hexdigest()[:16]


def _table_digest(df: pd.DataFrame | None) -> str:
    """Content hash of a small option table (poverty lines, targets); ``""`` for none."""
    if df is None:
        return ""
    h = hashlib.sha256(json.dumps([str(c) for c in df.columns]).encode())
    h.update(pd.util.hash_pandas_object(df.astype(str), index=False).to_numpy().tobytes())
    return h.hexdigest()[:16]


def _read_poverty_lines(poverty_lines: str | Path | pd.DataFrame | None) -> pd.DataFrame | None:
    if poverty_lines is None or (isinstance(poverty_lines, str) and not poverty_lines.strip()):
        return None
    if isinstance(poverty_lines, pd.DataFrame):
        return poverty_lines
    p = Path(poverty_lines)
    if not p.is_file():
        raise ReportError(f"{p}: poverty-line table not found (columns kab_code, year, poverty_line[, urban])")
    t = pd.read_csv(p, dtype={"kab_code": str}) if p.suffix.lower() == ".csv" else pd.read_excel(
        p, dtype={"kab_code": str})
    missing = [c for c in ("kab_code", "year", "poverty_line") if c not in t.columns]
    if missing:
        raise ReportError(f"{p}: column(s) {missing} missing; the file has {list(t.columns)}")
    for col in ("year", "poverty_line") + (("urban",) if "urban" in t.columns else ()):
        num = pd.to_numeric(t[col], errors="coerce")
        bad = num.isna() | ((num <= 0) if col == "poverty_line" else False)
        if col == "urban":
            bad |= ~num.isin([0, 1])
        if bad.any():
            rows = ", ".join(str(i + 2) for i in np.flatnonzero(bad.to_numpy())[:10])
            what = {"poverty_line": "a positive number", "urban": "0 or 1"}.get(col, "a number")
            raise ReportError(f"{p}: column {col!r} is not {what} in row(s) {rows}")
        t[col] = num.astype(int) if col in ("year", "urban") else num.astype(float)
    return t


def _read_registry(path: str | Path) -> pd.DataFrame:
    """The canonical registry without its personal-data columns (only counts are computed)."""
    import pyarrow.parquet as pq

    from tkpk_lib.data.schemas import REGISTRY

    pii = set(REGISTRY.pii_columns)
    return pd.read_parquet(path, columns=[c for c in pq.read_schema(path).names if c not in pii])


def _read_targets(targets: str | Path | pd.DataFrame | None) -> pd.DataFrame | None:
    """Own target table (indicator, kab_code, year, target[, status, source, note]) or None."""
    if targets is None or (isinstance(targets, str) and not targets.strip()):
        return None
    if isinstance(targets, pd.DataFrame):
        t, name = targets.copy(), "target table"
    else:
        p = Path(targets)
        if not p.exists():
            raise ReportError(f"{p}: target table not found (columns indicator, kab_code, year, target)")
        # the checked reader of own targets (tkpk_lib.data.targets_input): a file or the raw/targets folder,
        # with the official reference targets (Inpres 4/2022) for pairs the file does not give
        from tkpk_lib.analysis.trends import target_table
        from tkpk_lib.data.targets_input import merge_with_reference, read_targets

        try:
            return merge_with_reference(read_targets(p), target_table())
        except SchemaError as e:  # a report option: the same error type as the other option tables
            raise ReportError(str(e)) from e
    missing = [c for c in ("indicator", "kab_code", "year", "target") if c not in t.columns]
    if missing:
        raise ReportError(f"{name}: column(s) {missing} missing; the file has {list(t.columns)}")
    for col in ("year", "target"):
        num = pd.to_numeric(t[col], errors="coerce")
        bad = num.isna()
        if bad.any():
            rows = ", ".join(str(i + 2) for i in np.flatnonzero(bad.to_numpy())[:10])
            raise ReportError(f"{name}: column {col!r} is not a number in row(s) {rows}")
        t[col] = num.astype(int) if col == "year" else num.astype(float)
    t["kab_code"] = t["kab_code"].astype(str)
    t["indicator"] = t["indicator"].astype(str)
    if "status" not in t.columns:
        t["status"] = "official"
    if "source" not in t.columns:
        t["source"] = Path(name).name
    return t


def _programme_catalogue() -> pd.DataFrame:
    from tkpk_lib.analysis.programme_catalogue import load_catalogue

    return load_catalogue()


def _default_year_dir(root: str | Path, year: int) -> Path:
    """Folder holding the cache entries of one year (one sub-folder per key)."""
    return tkpk_paths.derived_dir(root, int(year))


def _default_targets(root: str | Path, targets: Any) -> Any:
    """``targets``, or (none given) the data root's ``raw/targets/`` when it holds a file, as ``tkpk run``."""
    if targets is not None and not (isinstance(targets, str) and not targets.strip()):
        return targets
    from tkpk_lib.data.targets_input import find_targets

    found = find_targets(root)
    return str(found.resolve()) if found else None


class _Plan:
    """Everything that decides the content of a cache entry, and the entry's place."""

    def __init__(self, root: str | Path, year: int, comparison_year: int | None, target: str,
                 cache_dir: str | Path | None, poverty_lines: Any, targets: Any) -> None:
        from tkpk_lib.data import canonical

        if target not in ("poor", "b40", "registry"):
            raise ReportError(f"target must be 'poor', 'b40' or 'registry', got {target!r}")
        self.root = Path(root)
        years = canonical.available_years(self.root)
        if int(year) not in years:
            raise ReportError(f"{root}: year {year} has no Susenas data; years available: {years or 'none'}")
        if comparison_year and int(comparison_year) not in years:
            raise ReportError(f"{root}: comparison year {comparison_year} has no Susenas data; "
                              f"years available: {years}")
        self.year = int(year)
        earlier = [y for y in years if y < self.year]
        self.comparison_year = int(comparison_year) if comparison_year else (earlier[-1] if earlier else None)
        self.target = target
        self.used = [y for y in years if y <= self.year or y == self.comparison_year]
        self.lines = _read_poverty_lines(poverty_lines)
        targets = _default_targets(self.root, targets)
        self.targets = _read_targets(targets)

        def source(x: Any, frame: pd.DataFrame | None) -> str:
            if frame is None:
                return ""
            return "DataFrame" if isinstance(x, pd.DataFrame) else str(Path(x).resolve())

        self.options = {
            "year": self.year, "comparison_year": self.comparison_year, "target": target,
            "years": self.used,
            "poverty_lines": _table_digest(self.lines), "poverty_lines_source": source(poverty_lines, self.lines),
            "targets": _table_digest(self.targets), "targets_source": source(targets, self.targets),
            "programme_catalogue": _table_digest(_programme_catalogue()),  # the user's own ($TKPK_PROGRAMME_CATALOGUE)
            "province": province_code(),  # tables of one province (tkpk_lib.data.region)
        }
        self.canon = {y: canonical.build_canonical(self.root, y) for y in self.used}  # reused when up to date
        files: dict[str, Path] = {}
        for y in self.used:
            files.update({f"raw/{y}/{k}": v for k, v in canonical.raw_files(self.root, y).items()})
        for y, paths in self.canon.items():
            files.update({f"canonical/{y}/{k}": v for k, v in paths.items()})
        from tkpk_lib.data.readers.action_plan import plan_files

        files.update({f"tindak_lanjut/{p.name}": p for p in plan_files(self.root)})  # last year's plans
        # the library itself: a changed estimator or reference table must not reuse old numbers
        # every module of the package, subpackages included, and the reference tables
        lib = Path(__file__).resolve().parents[1]
        code = {f"lib/{p.relative_to(lib).as_posix()}": p
                for p in sorted(lib.rglob("*.py")) + sorted((lib / "reference").rglob("*"))
                if p.is_file() and "__pycache__" not in p.parts}
        from tkpk_lib import __version__

        opts = {k: v for k, v in self.options.items() if not k.endswith("_source")}
        self.key = _fingerprint(files, [CACHE_VERSION, __version__, json.dumps(opts, sort_keys=True)], code)
        self.year_dir = Path(cache_dir) if cache_dir else _default_year_dir(self.root, self.year)
        self.entry = self.year_dir / self.key


def _seal(folder: Path, key: str, options: Mapping[str, Any]) -> None:
    """Write the completion marker of a finished entry (its last file)."""
    files = {}
    for f in sorted(folder.iterdir()):
        if f.is_file() and f.name != COMPLETE_MARKER:
            data = f.read_bytes()
            files[f.name] = {"size": len(data), "sha256": hashlib.sha256(data).hexdigest()}
    marker = {"version": CACHE_VERSION, "key": key, "options": dict(options), "files": files}
    tmp = folder / f".{COMPLETE_MARKER}.tmp"
    tmp.write_text(json.dumps(marker, indent=1, ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, folder / COMPLETE_MARKER)


def _entry_problem(entry: str | Path, key: str | None = None) -> str:
    """Why the cache entry ``entry`` cannot be reused, or ``""`` when it is complete and intact.

    Checks the completion marker (and its key), the index, and the size and SHA-256 of every
    file the marker lists; every section marked ``ok`` must have its table among them.
    """
    entry = Path(entry)
    try:
        marker = json.loads((entry / COMPLETE_MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return f"no completion marker {COMPLETE_MARKER} (entry not finished)"
    if key is not None and marker.get("key") != key:
        return f"key {marker.get('key')!r} is not {key!r}"
    files = marker.get("files") or {}
    for name, meta in files.items():
        try:
            data = (entry / name).read_bytes()
        except OSError:
            return f"{name} missing"
        if len(data) != meta.get("size") or hashlib.sha256(data).hexdigest() != meta.get("sha256"):
            return f"{name} changed or truncated after it was written"
    try:
        index = json.loads((entry / "sections.json").read_text(encoding="utf-8"))
        sections = index["sections"]
    except (OSError, ValueError, KeyError, TypeError):
        return "index sections.json missing or unreadable"
    for name, st in sections.items():
        if st.get("status") == "ok" and f"{name}.parquet" not in files:
            return f"{name}.parquet not in the entry"
    return ""


def _publish(staging: Path, entry: Path, key: str) -> None:
    """Move a sealed ``staging`` folder to ``entry`` atomically, replacing a broken entry."""
    aside = None
    if entry.exists():
        aside = entry.with_name(f".{entry.name}.broken-{os.getpid()}-{uuid.uuid4().hex[:8]}")
        try:
            os.replace(entry, aside)
        except FileNotFoundError:
            aside = None
    try:
        os.replace(staging, entry)
    except OSError:
        # another process published the same key in between (file system without locks)
        if _entry_problem(entry, key):
            raise
    if aside is not None:
        shutil.rmtree(aside, ignore_errors=True)


def cache_entry(
    root: str | Path,
    year: int,
    comparison_year: int | None = None,
    target: str = "poor",
    cache_dir: str | Path | None = None,
    *,
    poverty_lines: str | Path | pd.DataFrame | None = None,
    targets: str | Path | pd.DataFrame | None = None,
) -> Path:
    """The cache entry (folder) that :func:`prepare_year` fills for these inputs and options.

    One folder per key, ``<cache_dir>/<key>``: the key hashes every content-changing option
    (year, comparison year after resolving the default, target group, the content of own
    poverty lines and targets), the stamps (size, modification time) of the raw and canonical
    files of the years used, and the bytes of the library's code and reference tables. Runs
    with different options never share an entry.

    Parameters
    ----------
    root, year, comparison_year, target, poverty_lines, targets
        As in :func:`prepare_year`.
    cache_dir : path, optional
        Folder of the year's entries; default ``<root>/derived/<year>``.

    Returns
    -------
    pathlib.Path
        ``<cache_dir>/<key>`` (it may not exist yet).

    Examples
    --------
    >>> cache_entry("data/demo/generated", 2024).parent.name  # doctest: +SKIP
    '2024'
    """
    return _Plan(root, year, comparison_year, target, cache_dir, poverty_lines, targets).entry


def prepare_year(
    root: str | Path,
    year: int,
    comparison_year: int | None = None,
    target: str = "poor",
    cache_dir: str | Path | None = None,
    *,
    poverty_lines: str | Path | pd.DataFrame | None = None,
    targets: str | Path | pd.DataFrame | None = None,
    force: bool = False,
) -> Path:
    """Compute every report section of ``year`` for the whole province, once, into a cache entry.

    Reads the canonical tables of every year used (building them from the raw files if
    needed), the registry (without its personal-data columns: only counts are computed) and
    the boundaries of the data root, then calls :func:`prepare_tables`. The result goes to its
    own entry ``<cache_dir>/<key>`` (:func:`cache_entry`): written into a temporary folder,
    sealed with a completion marker and renamed into place, under a lock per key so that two
    identical runs compute it once. A complete, intact entry is reused (unless ``force``); an
    unfinished or damaged one (no marker, a missing, truncated or changed file) is rebuilt.

    Parameters
    ----------
    root : path
        Data root.
    year : int
        Report year.
    comparison_year : int, optional
        Year of comparison; default the latest earlier year with data.
    target : {"poor", "b40", "registry"}
        Target group for programme coverage.
    cache_dir : path, optional
        Folder of the year's entries; default ``derived/<year>`` under
        :func:`tkpk_lib.paths.cache_root` (the data root, or ``$TKPK_CACHE_DIR``; the canonical
        tables go under the same cache root).
    poverty_lines : path or DataFrame, optional
        Own poverty-line table (kab_code, year, poverty_line[, urban]) replacing the lines of
        the canonical tables; ``None``/``""`` = the reference table used when building them.
    targets : path or DataFrame, optional
        Own target table (indicator, kab_code, year, target[, status, source, note]) replacing
        ``tkpk_lib/reference/targets.csv``; default, as ``tkpk run``, the files in the data root's
        ``raw/targets/`` when there are any.
    force : bool
        Recompute even when the entry is complete.

    Returns
    -------
    pathlib.Path
        The cache entry.

    Notes
    -----
    Slightly over 100 lines with its docstring: it reads the optional inputs (each failure
    kept with its cause for the sections that use it) and publishes under the entry's lock in
    one sequence that is easier to check for races kept together.

    Examples
    --------
    >>> cache = prepare_year("data/demo/generated", 2024)  # doctest: +SKIP
    >>> load_section(cache, "indicators", "1701").head()  # doctest: +SKIP
    """
    from tkpk_lib.data import canonical

    plan = _Plan(root, year, comparison_year, target, cache_dir, poverty_lines, targets)
    entry = plan.entry
    with locked(plan.year_dir / f".{plan.key}.lock"):
        if not force and not _entry_problem(entry, plan.key):
            return entry
        # leftovers of a run of this key that was killed while writing (only the lock holder
        # writes them, so under the lock every one is stale)
        for old in plan.year_dir.iterdir():
            if old.is_dir() and old.name.lstrip(".").startswith(f"{plan.key}.") and old != entry:
                shutil.rmtree(old, ignore_errors=True)
        tables: dict[int, dict[str, pd.DataFrame]] = {}
        registry = None
        for y in plan.used:
            paths = plan.canon[y]
            t = {k: pd.read_parquet(v) for k, v in paths.items() if k != "registry"}
            if plan.lines is not None:
                try:
                    t["households"] = _apply_poverty_lines(t["households"], plan.lines, y)
                except ReportError as exc:  # name the user's file
                    raise ReportError(f"{plan.options['poverty_lines_source']}: {exc}") from exc
            require_poverty_lines(t["households"], y)
            tables[y] = t
            if y == plan.year and "registry" in paths:
                registry = _read_registry(paths["registry"])
        raw = canonical.raw_files(plan.root, plan.year)
        bnd: dict[str, Any] = {}
        bnd_errors: dict[str, BaseException] = {}
        for level in ("kecamatan", "desa"):
            if f"boundaries/{level}" not in raw:
                continue  # boundaries are optional (hot spots and maps only); the notes say they are absent
            try:
                bnd[level] = canonical.load_boundaries(plan.root, level)
            except Exception as exc:  # noqa: BLE001 - a file that is there but fails fails the pockets
                bnd_errors[f"boundaries/{level}"] = exc
        from tkpk_lib.data.readers.action_plan import load_action_plans

        try:  # last year's filled plan (rencana tindak lanjut): optional; a bad file fails its section only
            tables[plan.year]["action_plan"] = load_action_plans(plan.root, plan.year - 1)
        except TkpkError as exc:
            bnd_errors["action_plan"] = exc
        staging = plan.year_dir / f".{plan.key}.tmp-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        try:
            prepare_tables(tables, plan.year, staging, comparison_year=plan.comparison_year, target=target,
                           registry=registry, boundaries=bnd, key=plan.key,
                           poverty_lines=plan.options["poverty_lines_source"], targets=plan.targets,
                           sources=input_sources(plan.root, plan.year), input_errors=bnd_errors,
                           looked_for=_looked_for(plan.root, plan.year))
            _seal(staging, plan.key, plan.options)
            _publish(staging, entry, plan.key)
        finally:
            if staging.exists():
                shutil.rmtree(staging, ignore_errors=True)
    return entry


def _looked_for(root: str | Path, year: int) -> dict[str, str]:
    """Where each missing input of ``year`` was looked for, by input table.

    From :func:`tkpk_lib.data.canonical.input_status`: the folder and why nothing was found
    there.
    """
    from tkpk_lib.data import canonical

    table_of = {"sakernas": "labour", "podes": "villages", "registry": "registry", "programmes": "programmes",
                "complaints": "complaints", "boundaries/kecamatan": "boundaries/kecamatan",
                "boundaries/desa": "boundaries/desa"}
    st = canonical.input_status(root, int(year))
    out = {}
    for row in st[st["status"] == "missing"].itertuples():
        if row.source in table_of:
            note = str(row.note)
            out[table_of[row.source]] = note.split("dicari di ", 1)[1] if "dicari di " in note else str(row.path)
    return out


def input_sources(root: str | Path, year: int) -> dict[str, str]:
    """The file (or folder) each input table of ``year`` is read from, for messages and notes.

    Paths are relative to the data root (``raw/complaints/pengaduan_2024.csv``): reports go to
    other offices, where the layout of the data root is known but not this machine's folders.

    Examples
    --------
    >>> input_sources("/nonexistent", 2024)
    {}
    """
    from tkpk_lib.data import canonical

    raw = canonical.raw_files(root, year)
    out: dict[str, str] = {}

    def rel(path: Path | str) -> str:
        try:
            return Path(path).resolve().relative_to(Path(root).resolve()).as_posix()
        except ValueError:
            return str(path)

    sus = [Path(v).parent for k, v in raw.items() if k.startswith("susenas/")]
    if sus:
        out["households"] = out["persons"] = rel(sus[0])
    for table, kind in (("labour", "sakernas"), ("villages", "podes"), ("registry", "registry"),
                        ("programmes", "programmes"), ("complaints", "complaints"), ("activities", "activities"),
                        ("boundaries/kecamatan", "boundaries/kecamatan"), ("boundaries/desa", "boundaries/desa")):
        if kind in raw:
            out[table] = rel(raw[kind])
    for y in canonical.available_years(root):
        if y < int(year):
            earlier = [Path(v).parent for k, v in canonical.raw_files(root, y).items() if k.startswith("susenas/")]
            if earlier:
                out[f"households_{y}"] = rel(earlier[0])
    return out


def require_poverty_lines(households: pd.DataFrame, year: int) -> None:
    """Stop when the households of ``year`` have no poverty line (none shipped, none given).

    Raises
    ------
    ReportError
        Naming the province, the reference table that lacks it and ``--poverty-lines``.

    Examples
    --------
    >>> require_poverty_lines(pd.DataFrame({"poverty_line": [612345.0]}), 2024)
    """
    from tkpk_lib.data.reference_data import missing_reference_message
    from tkpk_lib.data.region import current_region

    if len(households) and households["poverty_line"].isna().all():
        raise ReportError(f"{year}: " + missing_reference_message(
            "published poverty lines", "official_indicators.csv", current_region(),
            "give your own with --poverty-lines FILE (columns kab_code, year, poverty_line)"))


def _option_mismatch(info: Mapping[str, Any], year: int, comparison_year: int | None, target: str,
                     poverty_lines: Any, targets: Any) -> list[str]:
    """The options of a notebook that differ from those a cache entry was prepared with."""
    opts = info.get("options") or {}
    years = [int(y) for y in info.get("years") or opts.get("years") or []]
    earlier = [y for y in years if y < int(year)]
    want_cy = int(comparison_year) if comparison_year else (earlier[-1] if earlier else None)
    out = [f"{name}: prepared with {have!r}, the notebook asks for {want!r}"
           for name, have, want in (("year", opts.get("year"), int(year)),
                                    ("comparison year", opts.get("comparison_year"), want_cy),
                                    ("target", opts.get("target"), target))
           if have != want]
    for name, given, digest in (("poverty_lines", poverty_lines, _table_digest(_read_poverty_lines(poverty_lines))),
                                ("targets", targets, _table_digest(_read_targets(targets)))):
        if opts.get(name, "") != digest:
            out.append(f"{name.replace('_', ' ')}: prepared with "
                       f"{opts.get(name + '_source') or 'the reference table'}, the notebook asks for "
                       f"{given or 'the reference table'}")
    return out


def ensure_prepared(
    data_root: str | Path,
    year: int,
    comparison_year: int | None = None,
    target: str = "poor",
    cache_dir: str | Path | None = None,
    poverty_lines: str | Path | None = None,
    targets: str | Path | None = None,
) -> Path:
    """The cache entry for a notebook: the one a run prepared, else :func:`prepare_year`.

    A run prepares the entry once before its notebooks start and hands it over as
    ``cache_dir``; the notebook then uses it only if it was prepared with exactly the
    notebook's options (year, comparison year, target, poverty lines, targets) and is intact,
    and otherwise stops with a :class:`~tkpk_lib.errors.ReportError` naming the option:
    a notebook never recomputes a run's tables with other options. An entry that is
    unfinished or damaged is rebuilt with the notebook's (same) options. Without an entry
    (a notebook opened on its own, ``cache_dir`` empty or a year folder) the tables are
    prepared here with the notebook's options. ``comparison_year`` 0 or None means the default.

    Examples
    --------
    >>> cache = ensure_prepared("data/demo/generated", 2024)  # doctest: +SKIP
    """
    cache = Path(cache_dir) if cache_dir else None
    if cache is not None and ((cache / COMPLETE_MARKER).exists() or (cache / "sections.json").exists()):
        if not _entry_problem(cache):
            info = cache_info(cache)
            diff = _option_mismatch(info, year, comparison_year, target, poverty_lines,
                                    _default_targets(data_root, targets))
            if diff:
                raise ReportError(f"{cache}: the prepared tables do not match this notebook's options ("
                                  + "; ".join(diff) + "); run the notebook with the run's options or "
                                  "with an empty cache_dir")
            province = os.environ.get(PROVINCE_ENV) or info["options"].get("province")
            if province:  # the province the tables were prepared for
                use_region(province)
            return cache
        cache = cache.parent  # unfinished or damaged: rebuilt below with these same options
    from tkpk_lib.data.canonical import raw_dir

    if raw_dir(data_root, "susenas").is_dir():  # else prepare_year names the missing folder
        use_root(data_root)  # the province of the data root (or of the run, $TKPK_PROVINCE)
    return prepare_year(data_root, year, comparison_year or None, target, cache,
                        poverty_lines=poverty_lines or None, targets=targets or None)
