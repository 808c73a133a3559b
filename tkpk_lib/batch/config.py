"""The run configuration: one frozen object built once from ``tkpk run``'s arguments.

:func:`run_config_from_args` turns the argparse namespace of ``tkpk run`` into a
:class:`RunConfig`; :func:`tkpk_lib.batch.pipeline.run_cli` builds it once and passes it to
:func:`tkpk_lib.batch.pipeline.run_province`, which reads every option from it instead of
receiving some twenty keyword arguments. :meth:`RunConfig.from_keywords` keeps the older
keyword call of ``run_province`` working.
"""

from __future__ import annotations

import argparse
import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from tkpk_lib.data.region import Region

__all__ = ["FORMATS", "RunConfig", "run_config_from_args"]

#: Export formats of a run, in the order they are written.
FORMATS = ("html", "pdf")

#: Keyword names of the older ``run_province`` call that differ from the field names.
_KEYWORD_ALIASES = {"kab_codes": "units"}


def _path(value: str | Path | None) -> Path | None:
    return Path(value) if value is not None and str(value) != "" else None


@dataclass(frozen=True)
class RunConfig:
    """Everything one ``tkpk run`` needs to know, fixed before any work starts.

    Parameters
    ----------
    root : path
        Data root.
    year : int
        Report year.
    comparison_year : int, optional
        Year of comparison (default: the latest earlier year with data).
    units : sequence of str, optional
        Kabupaten/kota codes and/or the province code; default every unit of ``region``.
    region : Region or str, optional
        The province of the data root (:func:`tkpk_lib.data.region_root.region_of_root`, filled in
        by :func:`tkpk_lib.batch.pipeline.run_province` when not given).
    jobs : int
        Local worker processes.
    scheduler : str, optional
        Address of a dask scheduler (run on dask instead of a local pool).
    out_root : path, optional
        Reports folder (default :func:`tkpk_lib.paths.reports_root`).
    run_id : str, optional
        Run id; default a new one taken by the runner.
    target : {"poor", "b40", "registry"}
        Target group of programme coverage.
    formats : sequence of {"html", "pdf"}
        Exports of the evaluation report.
    annex_pdf : bool
        Also print the annex notebook to PDF.
    poverty_lines, targets : path, optional
        The user's own poverty lines / indicator targets (CSV) replacing the reference tables.
    min_sample : int, optional
        Smallest sample of a published cell (``None``: the notebooks' default; 0: no
        suppression).
    partial : bool
        Write reports with sections marked incomplete instead of failing the unit.
    small : bool
        Small registry when the demo is generated.
    generate : bool, optional
        Generate the demo when the root has no Susenas folder (default: only for the demo root).
    cache_dir : path, optional
        Folder for derived tables when the data root is read-only.
    fresh_kernels : bool
        A new kernel for every notebook.
    notebooks : sequence of path, optional
        Report notebooks (default every notebook in ``tkpk_lib/notebooks/reports``).
    progress : bool
        Progress bar and console messages.
    params : mapping, optional
        Extra notebook parameters (read-only copy).

    Examples
    --------
    >>> cfg = RunConfig(root="data/demo/generated", year=2024, units=["1701"], min_sample=0)
    >>> cfg.units, cfg.formats, cfg.notebook_params()
    (('1701',), ('html', 'pdf'), {'min_sample': 0})
    >>> cfg.year = 2023
    Traceback (most recent call last):
    ...
    dataclasses.FrozenInstanceError: cannot assign to field 'year'
    """

    root: Path
    year: int
    comparison_year: int | None = None
    units: tuple[str, ...] | None = None
    region: Region | None = None
    jobs: int = 2
    scheduler: str | None = None
    out_root: Path | None = None
    run_id: str | None = None
    target: str = "poor"
    formats: tuple[str, ...] = FORMATS
    annex_pdf: bool = False
    poverty_lines: Path | None = None
    targets: Path | None = None
    min_sample: int | None = None
    partial: bool = False
    small: bool = False
    generate: bool | None = None
    cache_dir: Path | None = None
    fresh_kernels: bool = False
    notebooks: tuple[Path, ...] | None = None
    progress: bool = True
    params: Mapping[str, Any] | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        # normalise once, so every reader sees the same types (frozen: set through object)
        def put(name: str, value: Any) -> None:
            object.__setattr__(self, name, value)

        put("root", Path(self.root))
        put("year", int(self.year))
        if self.comparison_year is not None:
            put("comparison_year", int(self.comparison_year))
        if self.units is not None:
            put("units", tuple(str(u) for u in self.units))
        if self.region is not None and not isinstance(self.region, Region):
            put("region", Region.from_code(self.region))
        put("formats", tuple(self.formats))
        for name in ("out_root", "poverty_lines", "targets", "cache_dir"):
            put(name, _path(getattr(self, name)))
        if self.notebooks is not None:
            put("notebooks", tuple(Path(p) for p in self.notebooks))
        if self.min_sample is not None:
            put("min_sample", int(self.min_sample))
        if self.params is not None:
            put("params", MappingProxyType(dict(self.params)))

    def notebook_params(self) -> dict[str, Any] | None:
        """Extra notebook parameters of the run (``min_sample`` and ``params``), or None.

        Returns
        -------
        dict or None
            ``{"min_sample": n}`` when given (0 included), updated with ``params``.

        Examples
        --------
        >>> RunConfig(root=".", year=2024).notebook_params() is None
        True
        """
        out: dict[str, Any] = {}
        if self.min_sample is not None:
            out["min_sample"] = self.min_sample
        out.update(self.params or {})
        return out or None

    @classmethod
    def from_keywords(cls, root: str | Path, year: int, **keywords: Any) -> RunConfig:
        """Build from the keyword arguments of the older ``run_province`` call.

        Parameters
        ----------
        root, year
            Data root and report year.
        **keywords
            Field names, and ``kab_codes`` for ``units``.

        Returns
        -------
        RunConfig

        Raises
        ------
        TypeError
            An unknown keyword.

        Examples
        --------
        >>> RunConfig.from_keywords(".", 2024, kab_codes=["1701"], jobs=1).units
        ('1701',)
        """
        names = {f.name for f in dataclasses.fields(cls)}
        kw = {_KEYWORD_ALIASES.get(k, k): v for k, v in keywords.items()}
        unknown = sorted(set(kw) - names)
        if unknown:
            raise TypeError(f"run_province() got unexpected keyword arguments: {', '.join(unknown)}")
        return cls(root=root, year=year, **kw)


def run_config_from_args(args: argparse.Namespace) -> RunConfig:
    """The run configuration of ``tkpk run`` from its parsed arguments.

    Parameters
    ----------
    args : argparse.Namespace
        ``year, root`` and optionally ``comparison_year, kab, jobs, scheduler, out, run_id,
        target, no_pdf, annex_pdf, small, poverty_lines, targets, min_sample, partial,
        fresh_kernels, cache_dir`` (missing ones take their defaults).

    Returns
    -------
    RunConfig

    Examples
    --------
    >>> ns = argparse.Namespace(year="2024", root="data", kab=["1701"], no_pdf=True, jobs=None)
    >>> cfg = run_config_from_args(ns)
    >>> cfg.year, cfg.units, cfg.formats, cfg.jobs, cfg.run_id
    (2024, ('1701',), ('html',), 2, None)
    """

    def arg(name: str, default: Any = None) -> Any:
        return getattr(args, name, default)

    kab: Sequence[str] | None = arg("kab")
    return RunConfig(
        root=args.root,
        year=int(args.year),
        comparison_year=arg("comparison_year"),
        units=tuple(kab) if kab else None,
        jobs=int(arg("jobs", 2) or 2),
        scheduler=arg("scheduler"),
        out_root=arg("out"),
        # no run id: the runner takes a new one (timestamp and a unique suffix, folder claimed)
        run_id=arg("run_id") or None,
        target=arg("target", "poor"),
        formats=("html",) if arg("no_pdf", False) else FORMATS,
        annex_pdf=bool(arg("annex_pdf", False)),
        poverty_lines=arg("poverty_lines"),
        targets=arg("targets"),
        min_sample=arg("min_sample"),
        partial=bool(arg("partial", False)),
        small=bool(arg("small", False)),
        cache_dir=arg("cache_dir"),
        fresh_kernels=bool(arg("fresh_kernels", False)),
    )
