"""The main job behind ``tkpk run``: data -> prepared report tables -> notebooks -> HTML/PDF/Excel.

Steps, each timed:

1. **demo**: when the data root is the demo root and holds no data, generate the synthetic
   demo (:func:`tkpk_lib.synthetic.generate_demo`, small registry with ``--small``);
2. **canonical**: read and validate the raw files of every year into canonical Parquet tables
   (:func:`tkpk_lib.data.canonical.build_canonical`, reused when present);
3. **prepare**: compute every report table once for the whole province
   (:func:`tkpk_lib.reporting.report.prepare_year`) in this process, before any notebook starts;
4. **notebooks**: run the report notebooks (package data ``tkpk_lib/notebooks/reports/*.ipynb``,
   :data:`NOTEBOOK_DIR`) for the kabupaten/kota and the province (the
   :class:`~tkpk_lib.data.region.Region` of the data root, read once and carried on the
   :class:`~tkpk_lib.batch.config.RunConfig`) with :func:`tkpk_lib.batch.run.run_reports`
   (processes or dask; kernels and workers get the province through ``$TKPK_PROVINCE``),
   exporting HTML and PDF; the annex notebook writes the Excel annex into each unit's folder.

The registry's names are handed to the runner's privacy guard, so a report that would show a
name (or a NIK-like number) is withdrawn and the run fails.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from tkpk_lib.batch.config import RunConfig, run_config_from_args
from tkpk_lib.data.region import PROVINCE_ENV
from tkpk_lib.errors import TkpkError
from tkpk_lib.paths import NOTEBOOKS

__all__ = ["NOTEBOOK_DIR", "RunConfig", "registry_names", "run_cli", "run_province"]

NOTEBOOK_DIR = NOTEBOOKS / "reports"
"""The report notebooks, shipped as package data (also in an installed wheel)."""


def __getattr__(name: str) -> object:
    # every unit of a run: the kabupaten/kota and the roll-up of the process's province
    if name == "ALL_UNITS":
        from tkpk_lib.data.region import current_region

        return current_region().unit_codes
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def registry_names(
    root: str | Path, min_words: int = 2, *, cache_dir: str | Path | None = None
) -> list[str]:
    """Full names in the canonical registry of a data root (for the privacy guard).

    Only names of at least ``min_words`` words are used: a single word also occurs as a
    place name or an ordinary word and would block reports for nothing.

    Parameters
    ----------
    root : path
        Data root (``canonical/registry.parquet`` is read when present).
    min_words : int
        Smallest number of words of a name that is scanned for.
    cache_dir : path, optional
        Folder for derived tables (see :func:`tkpk_lib.paths.cache_root`).

    Returns
    -------
    list of str
        Sorted unique names; empty without a registry.

    Examples
    --------
    >>> registry_names("/nonexistent")
    []
    """
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    from tkpk_lib import paths

    f = paths.canonical_dir(root, cache_dir) / "registry.parquet"
    if not f.is_file():
        return []
    # distinct values first (a registry has far fewer names than rows): 0.2 s instead of 2.6 s;
    # batch by batch, so a registry of millions of rows is never read whole (~650 MB at 6M)
    names: set[str] = set()
    for batch in pq.ParquetFile(f).iter_batches(batch_size=500_000, columns=["name"]):
        distinct = pc.unique(batch.column(0))
        names.update(str(v).strip() for v in distinct.to_pylist() if v is not None)
    return sorted(n for n in names if len(n.split()) >= min_words)


@contextlib.contextmanager
def _env_var(name: str, value: str | None) -> Iterator[None]:
    """Set the environment variable ``name`` to ``value`` while the block runs.

    Kernels and workers started in the block inherit it, and so does every cache-root look-up
    of this process (:func:`tkpk_lib.paths.cache_root`); the process's own environment is
    restored afterwards. ``value`` None or empty leaves the environment as it is.
    """
    old = os.environ.get(name)
    if value:
        os.environ[name] = value
    try:
        yield
    finally:
        if value:
            if old is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = old


def _ensure_data(cfg: RunConfig) -> None:
    """Check the reports folder is writable; generate the demo where the root has no Susenas.

    Raises
    ------
    TkpkError
        The reports folder is not writable, or a non-demo root has no Susenas folder (naming
        the folder looked for; a user's root is never filled with synthetic data).
    """
    from tkpk_lib import paths
    from tkpk_lib.data import canonical

    root = cfg.root
    # every folder this run writes is checked before any work starts
    paths.require_writable(
        cfg.out_root if cfg.out_root is not None else paths.reports_root(),
        "choose another reports folder with --out",
    )
    if not canonical.raw_dir(root, "susenas").is_dir():
        generate = cfg.generate if cfg.generate is not None else paths.is_demo_root(root)
        if not generate:
            raise TkpkError(canonical.missing_susenas_message(root))
        from tkpk_lib.synthetic import generate_demo

        if cfg.progress:
            print(f"Data demo belum ada: membuat data sintetis di {root} ...", flush=True)
        generate_demo(root, small=cfg.small)


def _with_region(cfg: RunConfig) -> RunConfig:
    """``cfg`` with the data root's province (read once; announced when read from the files).

    The province becomes the process's (:func:`tkpk_lib.data.region.use_region`); the kernels
    and workers get it through ``$TKPK_PROVINCE``.
    """
    import dataclasses

    from tkpk_lib.data.region import use_region
    from tkpk_lib.data.region_root import region_of_root

    region = cfg.region or region_of_root(cfg.root, announce=cfg.progress)
    use_region(region)
    return dataclasses.replace(cfg, region=region)


def _missing_reference(cfg: RunConfig) -> list[str]:
    """Reference tables not shipped for the run's province, printed as warnings with ``progress``."""
    from tkpk_lib.data.reference_data import missing_reference_tables

    lines = missing_reference_tables(cfg.region, own_poverty_lines=cfg.poverty_lines is not None,
                                     own_targets=cfg.targets is not None or _own_targets(cfg.root) is not None)
    if cfg.progress:
        for line in lines:
            print(f"Peringatan: {line}", file=sys.stderr, flush=True)
    return lines


def _check_years(cfg: RunConfig) -> list[int]:
    """The years with Susenas data; the report and comparison years must be among them.

    Also checks the cache folder is writable (before any work).
    """
    from tkpk_lib import paths
    from tkpk_lib.data import canonical

    root = cfg.root
    paths.writable_cache_root(root, cfg.cache_dir)
    years = canonical.available_years(root)
    if cfg.year not in years:
        raise TkpkError(
            f"{canonical.raw_dir(root, 'susenas') / str(cfg.year)}: no Susenas data for {cfg.year}; "
            f"years available: {years or 'none'}"
        )
    if cfg.comparison_year is not None and cfg.comparison_year not in years:
        raise TkpkError(
            f"{canonical.raw_dir(root, 'susenas') / str(cfg.comparison_year)}: no Susenas data "
            f"for comparison year {cfg.comparison_year}; years available: {years}"
        )
    return years


def _run_params(cfg: RunConfig, cache: Path, options: dict[str, Any]) -> dict[str, Any]:
    """Parameters every report notebook of the run gets (on top of the runner's own)."""
    run_params: dict[str, Any] = {
        "comparison_year": int(cfg.comparison_year or 0),
        "target": cfg.target,
        "cache_dir": str(cache),
        # own tables only when given: a notebook without these parameters still runs otherwise
        **{k: v for k, v in options.items() if v},
    }
    if cfg.partial:
        run_params["partial"] = True
    run_params.update(cfg.notebook_params() or {})
    return run_params


def _input_files(cfg: RunConfig, years: Sequence[int], options: dict[str, Any]) -> list[Path]:
    """The raw files the run reads and the user's own tables: the manifest hashes them.

    The raw files are those of the years up to the report year and of the comparison year;
    the user's own tables are poverty lines and targets.
    """
    from tkpk_lib.data import canonical

    return sorted(
        {
            p
            for y in years
            if y <= cfg.year or y == cfg.comparison_year
            for p in canonical.raw_files(cfg.root, y).values()
        }
        # own poverty lines and targets (a folder: raw/targets/ and its files)
        | {f for v in options.values() if v
           for f in (sorted(x for x in Path(v).iterdir() if x.is_file()) if Path(v).is_dir() else [Path(v)])}
    )


def _prepared_notes(cache: Path, progress: bool) -> dict[str, Any]:
    """The manifest's notes on a prepared cache entry, printed as warnings with ``progress``.

    Failed sections with every line of their cause, units absent from an input, and notes on
    absent inputs (:func:`tkpk_lib.reporting.report.section_failures` and friends).
    """
    from tkpk_lib.reporting import report

    notes: dict[str, Any] = {
        "sections_failed": report.section_failures(cache),
        "incomplete_inputs": report.completeness_warnings(cache),
        "input_notes": report.input_notes(cache),
    }
    if progress:
        for name, lines in notes["sections_failed"].items():
            print(f"Peringatan: bagian {name} ({report.SECTIONS.get(name, name)}) tidak dapat "
                  "dihitung: " + "\n  ".join(lines),
                  file=sys.stderr, flush=True)
        for line in notes["incomplete_inputs"]:
            print(f"Peringatan: {line}", file=sys.stderr, flush=True)
    return notes


def run_province(
    root: str | Path | None = None,
    year: int | None = None,
    *,
    config: RunConfig | None = None,
    **keywords: Any,
) -> tuple[Any, dict[str, float]]:
    """Run the whole job and return the runner's result and the seconds of each step.

    Parameters
    ----------
    root : path, optional
        Data root (with ``year``: the older keyword call, see ``keywords``).
    year : int, optional
        Report year.
    config : RunConfig, optional
        The run configuration (:func:`tkpk_lib.batch.config.run_config_from_args`); give
        either ``config`` or ``root``, ``year`` and ``keywords``.
    **keywords
        The older keyword call, turned into a :class:`~tkpk_lib.batch.config.RunConfig` by
        :meth:`~tkpk_lib.batch.config.RunConfig.from_keywords`: ``comparison_year``,
        ``kab_codes`` (the field ``units``), ``jobs``, ``scheduler``, ``out_root``, ``run_id``,
        ``target``, ``formats``, ``annex_pdf``, ``poverty_lines``, ``targets``, ``small``,
        ``generate``, ``notebooks``, ``progress``, ``params``, ``fresh_kernels``, ``partial``,
        ``cache_dir`` (meanings in :class:`~tkpk_lib.batch.config.RunConfig`). Notebooks get
        ``partial``, the comparison year, the target group and the prepared tables' folder as
        parameters; the report kernels get ``cache_dir`` through ``TKPK_CACHE_DIR``.

    Returns
    -------
    (RunResult, dict)
        The run result and ``{"demo", "canonical", "prepare", "notebooks", "total"}`` seconds.

    Raises
    ------
    TypeError
        Both ``config`` and keywords, or an unknown keyword.
    TkpkError
        No data for the year, or no data at all in a non-demo root (naming the folder looked
        for), or the output or cache folder is not writable (checked before any work).

    Examples
    --------
    >>> cfg = RunConfig(root="data/demo/generated", year=2024, units=["1701", "17"])
    >>> res, t = run_province(config=cfg)  # doctest: +SKIP
    >>> res.ok  # doctest: +SKIP
    True
    """
    from tkpk_lib import paths
    from tkpk_lib.batch import run
    from tkpk_lib.data import canonical
    from tkpk_lib.reporting import report

    if config is None:
        if root is None or year is None:
            raise TypeError("run_province() needs config, or root and year")
        config = RunConfig.from_keywords(root, year, **keywords)
    elif root is not None or year is not None or keywords:
        raise TypeError("run_province(): give either config or root, year and keywords, not both")
    cfg = config
    root, year, comparison_year = cfg.root, cfg.year, cfg.comparison_year
    cache_dir, progress, formats = cfg.cache_dir, cfg.progress, cfg.formats
    t: dict[str, float] = {}
    t0 = time.perf_counter()
    _ensure_data(cfg)
    cfg = _with_root_lines(_with_region(cfg))
    missing_reference = _missing_reference(cfg)
    t["demo"] = time.perf_counter() - t0
    years = _check_years(cfg)

    used = [y for y in years if y <= year or y == comparison_year]
    if progress:
        canonical.report_inputs(root, used, admin_year=year)
    s = time.perf_counter()
    for y in used:
        canonical.build_canonical(root, y, cache_dir=cache_dir)
    t["canonical"] = time.perf_counter() - s

    # every content-changing option goes into the cache key (one entry per key) and, the same,
    # to the notebooks, which use exactly this entry and never prepare with other options
    options: dict[str, Any] = {
        "poverty_lines": str(cfg.poverty_lines.resolve()) if cfg.poverty_lines else None,
        # own targets: --targets, else the data root's raw/targets/ folder when it holds a file
        "targets": str(cfg.targets.resolve()) if cfg.targets else _own_targets(root),
    }
    year_dir = paths.derived_dir(root, year, cache_dir)
    # the key reads the canonical tables of the same cache root the build wrote (the kernels
    # and prepare() below see the same root through the environment)
    with _env_var(paths.CACHE_ENV, str(cache_dir) if cache_dir else None):
        cache = report.cache_entry(root, year, comparison_year, cfg.target, year_dir, **options)

    def prepare() -> None:
        # called by the runner once the run's parameters are checked, while its workers start
        # their kernels (tkpk_lib.batch.run.warm_up)
        p = time.perf_counter()
        got = report.prepare_year(root, year, comparison_year, cfg.target, year_dir, **options)
        if got != cache:
            raise TkpkError(
                f"{root}: input files changed while the run was starting (prepared tables "
                f"{got.name}, expected {cache.name}); start the run again"
            )
        t["prepare"] = time.perf_counter() - p
        notes.update(_prepared_notes(cache, progress))

    notes: dict[str, Any] = {"partial": cfg.partial, "sections_failed": {}, "incomplete_inputs": [],
                             "input_notes": [], "province": cfg.region.code,
                             "reference_missing": missing_reference}

    t["prepare"] = 0.0
    s = time.perf_counter()
    nbs = list(cfg.notebooks) if cfg.notebooks else sorted(NOTEBOOK_DIR.glob("*.ipynb"))
    if not nbs:
        raise TkpkError(f"no report notebooks in {NOTEBOOK_DIR}")
    inputs = _input_files(cfg, years, options)
    run_params = _run_params(cfg, cache, options)
    # the kernels and workers started by the runner inherit the cache folder
    with _env_var(paths.CACHE_ENV, str(cache_dir) if cache_dir else None), \
            _env_var(PROVINCE_ENV, cfg.region.code):
        result = run.run_reports(
            nbs,
            list(cfg.units or cfg.region.unit_codes),
            year,
            params=run_params,
            run_id=cfg.run_id,
            out_root=cfg.out_root,
            jobs=cfg.jobs,
            scheduler=cfg.scheduler,
            formats=tuple(formats),
            progress=progress,
            available_years=years,
            notebook_formats={
                nb.stem: tuple(f for f in formats if f != "pdf")
                for nb in map(Path, nbs)
                if nb.stem.startswith("lampiran") and not cfg.annex_pdf
            },
            data_root=root,
            inputs=inputs,
            scan_names=registry_names(root, cache_dir=cache_dir),
            fresh_kernels=cfg.fresh_kernels,
            before_run=prepare,
            manifest_notes=lambda: notes,
        )
    t["notebooks"] = time.perf_counter() - s - t["prepare"]
    t["total"] = time.perf_counter() - t0
    return result, t


ROOT_POVERTY_LINES = "reference/poverty_lines.csv"
"""A data root's own poverty lines (kab_code, year, poverty_line), used when none are shipped."""


def _with_root_lines(cfg: RunConfig) -> RunConfig:
    """``cfg`` with the data root's own poverty lines when the package ships none for its province.

    Without ``--poverty-lines``, a province without published lines takes
    :data:`ROOT_POVERTY_LINES` from its data root (the demo of such a province writes one);
    without either, the prepare step stops naming what is missing
    (:func:`tkpk_lib.reporting.cache.require_poverty_lines`).
    """
    import dataclasses

    from tkpk_lib.data.reference_data import has_official_indicators

    own = Path(cfg.root) / ROOT_POVERTY_LINES
    if cfg.poverty_lines is not None or cfg.region is None or has_official_indicators(cfg.region):
        return cfg
    return dataclasses.replace(cfg, poverty_lines=own) if own.is_file() else cfg


def run_cli(args: argparse.Namespace) -> int:
    """Entry point of ``tkpk run`` (arguments from :mod:`tkpk_lib.cli`); returns the exit code.

    Parameters
    ----------
    args : argparse.Namespace
        ``year, comparison_year, kab (list or None), jobs, scheduler, root, out, run_id, target,
        no_pdf, small, poverty_lines, targets, min_sample, partial``.

    Returns
    -------
    int
        0 when every report was written (with ``partial``, also reports with sections marked
        incomplete), 1 when any unit failed, 2 when the run could not start.

    Examples
    --------
    >>> from tkpk_lib.cli import build_parser
    >>> run_cli(build_parser().parse_args(["run", "--year", "2024", "--kab", "1701"]))  # doctest: +SKIP
    0
    """
    from tkpk_lib.errors import ReportError

    try:
        # built once here and passed down: the run's options are fixed from now on
        config = run_config_from_args(args)
        result, t = run_province(config=config)
    except (ReportError, TkpkError) as exc:
        print(f"tkpk run: {exc}", file=sys.stderr)
        return 2
    print(
        f"Waktu: data {t['demo'] + t['canonical']:.1f} s, tabel siap-laporan {t['prepare']:.1f} s, "
        f"notebook+ekspor {t['notebooks']:.1f} s, total {t['total']:.1f} s"
    )
    print(f"Laporan: {result.run_dir}")
    for code in sorted(set(result.summary["kab_code"])):
        from tkpk_lib.batch.run import unit_slug

        print(f"  {result.run_dir / unit_slug(code)}")
    incomplete = (getattr(result, "manifest", None) or {}).get("incomplete_inputs", [])
    if incomplete:
        print("Kabupaten/kota tanpa data di sumber berikut:", file=sys.stderr)
        for line in incomplete:
            print(f"  {line}", file=sys.stderr)
    summary = result.summary
    partial = summary[summary["status"] == "partial"] if "status" in summary.columns else summary.iloc[:0]
    if len(partial):
        print(f"{len(partial)} laporan tidak lengkap (partial):", file=sys.stderr)
        for _, r in partial.iterrows():
            print(f"  {r['kab_code']} {r['notebook']}: partial: {_detail(r)}", file=sys.stderr)
    if not result.ok:
        failed = result.failed
        print(f"{len(failed)} laporan gagal:", file=sys.stderr)
        for _, r in failed.iterrows():
            print(f"  {r['kab_code']} {r['notebook']}: {r['status']}: {_detail(r)}", file=sys.stderr)
        return 1
    return 0


def _detail(row: Any) -> str:
    """Every line of a job's cause (``detail``), else its one-line error, indented for the console."""
    detail = str(row.get("detail", "") or "").strip()
    return detail.replace("\n", "\n    ") if detail else str(row["error"])


def _own_targets(root: Path) -> str | None:
    """The data root's ``raw/targets`` folder when it holds a target file (read by default), else None."""
    from tkpk_lib.data.targets_input import find_targets

    found = find_targets(root)
    return str(found.resolve()) if found else None
