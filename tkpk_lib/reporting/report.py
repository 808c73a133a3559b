"""Report sections: every table the yearly reports need, computed once per year, plus display helpers.

:func:`prepare_year` (or :func:`prepare_tables` on frames already in memory) computes, for the
whole province in one pass, the indicators of every kabupaten/kota and of the province with
their sampling errors, the series over all available years, the change against a comparison
year, the target comparison, the disaggregations, programme coverage, registry follow-up counts,
poverty pockets and the programme map, and writes each as a Parquet file into a cache folder
(by :func:`prepare_year`: ``<root>/derived/<year>/<key>/``, one folder per set of inputs and
options, see :func:`cache_entry`) with a ``sections.json`` index. Report notebooks then only
read and format: :func:`load_section` returns a section filtered to one kabupaten/kota.

A section whose library module is not available (or whose input data are absent) is recorded as
``missing`` with a note in Bahasa Indonesia naming the file looked for and where, never replaced
by invented numbers; the notebooks show that note (:func:`section_note`). A section that cannot
be computed from the data it has is recorded as ``error`` with every line of the cause in the
user's terms (file, column, rows: :func:`describe_failure`); a report cell showing it raises
:class:`SectionError` (:func:`section_notice`), so the unit fails, unless the report is run with
``partial=True`` (``tkpk run --partial``): then the section carries the banner "Bagian ini tidak
lengkap" and the runner marks the unit "partial". Sections are computed apart, so that a bad
input table takes down only the sections that read it. Which kabupaten/kota each input covers
is checked against the region reference (:func:`unit_completeness`): a province figure resting
on fewer units says "dihitung dari 9 dari 10 kabupaten/kota" (:func:`completeness_note`).

Display helpers format numbers the Indonesian way (``13,77``; ``12.345``), mark estimates with
a relative standard error above 25% with ``*`` and above 50% with ``**`` as BPS does, and
suppress cells based on fewer than ``min_sample`` sample households.

Everything is deterministic: same inputs, same tables (rows sorted, no timestamps).
"""

from __future__ import annotations

import functools
import hashlib
import importlib
import json
import math
import os
import shutil
import tempfile
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from tkpk_lib import paths as tkpk_paths
from tkpk_lib.errors import ReportError
from tkpk_lib.locks import locked

__all__ = [
    "COMPLETE_MARKER",
    "FOOTNOTE_RSE",
    "PROVINCE_CODE",
    "SECTIONS",
    "SectionError",
    "annex_notes",
    "cache_entry",
    "cache_info",
    "comparison_figure",
    "completeness_note",
    "completeness_notice",
    "completeness_warnings",
    "ensure_prepared",
    "fmt_int",
    "fmt_number",
    "fmt_percent",
    "format_estimates",
    "indicator_sheet",
    "input_notes",
    "load_section",
    "map_note",
    "options_markdown",
    "prepare_tables",
    "prepare_year",
    "quadrant_figure",
    "quadrant_table",
    "rse_mark",
    "section_failures",
    "section_note",
    "section_notice",
    "section_status",
    "trend_figure",
    "trend_plotly",
    "unit_completeness",
    "unit_name",
]

PROVINCE_CODE = "17"
WELFARE, LINE, SIZE = "exp_pc", "poverty_line", "hh_size"
CACHE_VERSION = 2

#: Sections written by :func:`prepare_tables` and what they hold (Indonesian, shown in notes).
SECTIONS: dict[str, str] = {
    "indicators": "indikator utama per kabupaten/kota dan provinsi, semua tahun",
    "change": "perubahan antar tahun dengan uji beda",
    "targets": "perbandingan dengan target",
    "disaggregation": "P0 menurut karakteristik",
    "coverage": "cakupan dan ketepatan sasaran program (Susenas)",
    "targeting": "kesalahan penargetan (exclusion/inclusion error)",
    "combinations": "kombinasi program yang diterima rumah tangga sasaran",
    "registry_summary": "ringkasan data terpadu (eligible, tercakup, belum tercakup)",
    "registry_followup": "jumlah rumah tangga yang perlu ditindaklanjuti per desa (tanpa data pribadi)",
    "registry_desa": "cakupan program per desa menurut data terpadu (jumlah rumah tangga)",
    "pockets_kecamatan": "estimasi P0 kecamatan (Fay-Herriot)",
    "pockets_desa": "skor deprivasi desa dan tipologi",
    "pockets": "daftar kantong kemiskinan",
    "budget": "peta program: anggaran per strategi/klaster/sumber dana",
    "convergence": "konvergensi program di desa prioritas",
    "complaints": "ringkasan pengaduan",
    "annex_program": "program dan anggaran menurut strategi, klaster, sumber dana dan OPD",
    "annex_target": "target dan capaian program",
    "annex_complaints": "pengaduan menurut program dan kanal",
}

#: Library module behind each optional section (shown as "bagian ini menunggu modul X").
SECTION_MODULES: dict[str, str] = {
    "coverage": "coverage", "targeting": "coverage", "combinations": "coverage",
    "registry_summary": "registry", "registry_followup": "registry", "registry_desa": "registry",
    "pockets_kecamatan": "pockets", "pockets_desa": "pockets", "pockets": "pockets",
    "budget": "programmes", "convergence": "programmes", "complaints": "programmes",
}

FOOTNOTE_RSE = (
    "Catatan: * RSE 25-50%, estimasi perlu digunakan dengan hati-hati; ** RSE > 50%, estimasi "
    "tidak reliabel. SK 95% = selang kepercayaan 95%. Sel dengan sampel kurang dari {n} rumah "
    "tangga tidak ditampilkan (\u2013)."
)


# --------------------------------------------------------------------------- formatting


def fmt_number(x: Any, decimals: int = 2) -> str:
    """Format a number the Indonesian way: ``.`` for thousands, ``,`` for decimals.

    Parameters
    ----------
    x : float
        Number (NaN/None gives ``"\u2013"``).
    decimals : int
        Decimals shown.

    Returns
    -------
    str

    Examples
    --------
    >>> fmt_number(12345.678, 2)
    '12.345,68'
    >>> fmt_number(float("nan"))
    '\u2013'
    """
    if x is None or (isinstance(x, float) and math.isnan(x)) or pd.isna(x):
        return "\u2013"
    s = f"{float(x):,.{decimals}f}"
    return s.replace(",", "\0").replace(".", ",").replace("\0", ".")


def fmt_int(x: Any) -> str:
    """Format a count with dots for thousands (``12.345``).

    Examples
    --------
    >>> fmt_int(1234567.4)
    '1.234.567'
    """
    return fmt_number(x, 0)


def fmt_percent(x: Any, decimals: int = 2) -> str:
    """Format a fraction as a percentage number without the sign (``0.1377`` -> ``13,77``).

    Examples
    --------
    >>> fmt_percent(0.13771)
    '13,77'
    """
    if x is None or pd.isna(x):
        return "\u2013"
    return fmt_number(100.0 * float(x), decimals)


def rse_mark(rse: Any) -> str:
    """BPS reliability mark of a relative standard error: ``""``, ``"*"`` (> 25%) or ``"**"`` (> 50%).

    Examples
    --------
    >>> [rse_mark(r) for r in (0.1, 0.3, 0.6, float("nan"))]
    ['', '*', '**', '']
    """
    if rse is None or pd.isna(rse):
        return ""
    r = float(rse)
    return "**" if r > 0.5 else "*" if r > 0.25 else ""


_CATALOGUE: pd.DataFrame | None = None
_READ_CACHE: dict[tuple[str, str, int], pd.DataFrame] = {}


def _catalogue() -> pd.DataFrame:
    # read the shipped CSV directly: importing tkpk_lib.indicators pulls in scipy.stats (~1-4 s
    # per notebook kernel) and the report notebooks only need names, units and directions
    global _CATALOGUE
    if _CATALOGUE is None:
        from importlib import resources

        with resources.files("tkpk_lib.reference").joinpath("indicator_catalogue.csv").open(
                "r", encoding="utf-8") as fh:
            _CATALOGUE = pd.read_csv(fh, dtype=str, keep_default_na=False).set_index("code")
    return _CATALOGUE


def _unit_of(indicator: str, cat: pd.DataFrame) -> str:
    return str(cat.loc[indicator, "unit"]) if indicator in cat.index else "fraction"


def _decimals(code: str, cat: pd.DataFrame, default: int = 2) -> int:
    """Catalogue decimals for non-percent units (e.g. 3 for the Gini ratio), else ``default``."""
    if code in cat.index and _unit_of(code, cat) == "index":
        try:
            return int(cat.loc[code, "decimals"])
        except (TypeError, ValueError):
            return default
    return default


def _fmt_value(x: Any, unit: str, decimals: int = 2) -> str:
    if unit == "fraction":
        return fmt_percent(x, decimals)
    if unit in {"persons", "households", "count"}:
        return fmt_int(x)
    return fmt_number(x, decimals if unit != "Rp" else 0)


def unit_name(code: str) -> str:
    """Name of a kabupaten/kota or ``"Provinsi Bengkulu"`` for ``"17"``.

    Examples
    --------
    >>> unit_name("1771")
    'Kota Bengkulu'
    >>> unit_name("17")
    'Provinsi Bengkulu'
    """
    if str(code) == PROVINCE_CODE:
        return "Provinsi Bengkulu"
    return _region_names().get(str(code), str(code))


def format_estimates(
    df: pd.DataFrame,
    *,
    min_sample: int = 0,
    label_col: str | None = "indicator",
    keep: Sequence[str] = (),
    decimals: int = 2,
) -> pd.DataFrame:
    """Indonesian display table of estimates: value with RSE mark, SE, 95% CI, n.

    Parameters
    ----------
    df : pandas.DataFrame
        Result frame (``indicator``, estimate, se, ci_low, ci_high, rse, n).
    min_sample : int
        Cells estimated from fewer than this many sample households (column ``n``) are shown
        as ``"\u2013"`` (small-cell rule; 0 = show all).
    label_col : str or None
        Column naming the indicator; its catalogue name (``name_id``) becomes "Indikator"
        and its unit decides the format (fractions in percent).
    keep : sequence of str
        Extra columns copied first (e.g. ``kab_code`` names).
    decimals : int
        Decimals of percentages and indices.

    Returns
    -------
    pandas.DataFrame
        Text columns: [keep], Indikator, Estimasi, SE, "SK 95%", n.

    Examples
    --------
    >>> r = pd.DataFrame({"indicator": ["p0"], "estimate": [0.1377], "se": [0.004],
    ...     "ci_low": [0.1299], "ci_high": [0.1455], "rse": [0.03], "n": [900]})
    >>> format_estimates(r).iloc[0].tolist()
    ['Persentase penduduk miskin (P0)', '13,77', '0,40', '12,99 \u2013 14,55', '900']
    """
    cat = _catalogue()
    out = pd.DataFrame(index=df.index)
    for k in keep:
        out[k] = df[k].astype(str)
    if label_col is not None:
        out["Indikator"] = [str(cat.loc[c, "name_id"]) if c in cat.index else str(c) for c in df[label_col]]
        units = [_unit_of(c, cat) for c in df[label_col]]
        decs = [_decimals(c, cat, decimals) for c in df[label_col]]
    else:
        units = ["fraction"] * len(df)
        decs = [decimals] * len(df)
    est, se, lo, hi = [], [], [], []
    small = (df["n"] < min_sample).to_numpy() if ("n" in df and min_sample) else np.zeros(len(df), bool)
    for i, (_, r) in enumerate(df.iterrows()):
        u, decimals = units[i], decs[i]
        if small[i]:
            est.append("\u2013")
            se.append("\u2013")
            lo.append("\u2013")
            continue
        est.append(_fmt_value(r["estimate"], u, decimals) + rse_mark(r.get("rse")))
        se.append(_fmt_value(r.get("se"), u, decimals))
        lo.append(f"{_fmt_value(r.get('ci_low'), u, decimals)} \u2013 {_fmt_value(r.get('ci_high'), u, decimals)}")
        hi.append("")
    out["Estimasi"] = est
    out["SE"] = se
    out["SK 95%"] = lo
    if "n" in df:
        out["n"] = [fmt_int(v) for v in df["n"]]
    return out.reset_index(drop=True)


# --------------------------------------------------------------------------- computing


def _design() -> Any:
    from tkpk_lib.design import SurveyDesign

    return SurveyDesign("weight", "stratum", "psu", single_psu="center")


def _both(func: Callable[..., pd.DataFrame], df: pd.DataFrame, design: Any, **kw: Any) -> pd.DataFrame:
    """Estimate by kabupaten and for the province (kab_code "17") in one frame."""
    by_kab = func(df, design, by="kab_code", **kw)
    prov = func(df, design, **kw)
    prov.insert(1 if "indicator" in prov.columns else 0, "kab_code", PROVINCE_CODE)
    return pd.concat([by_kab, prov], ignore_index=True)


def year_indicators(tables: Mapping[str, pd.DataFrame], year: int) -> pd.DataFrame:
    """All headline indicators of one year, for every kabupaten/kota and the province.

    Parameters
    ----------
    tables : mapping of str -> DataFrame
        Canonical tables of the year: ``households`` (required), ``persons`` and ``labour``
        (optional).
    year : int
        The year (written into the ``year`` column).

    Returns
    -------
    pandas.DataFrame
        ``year, kab_code, indicator`` and the estimate columns (estimate, se, ci_low, ci_high,
        rse, deff, n, n_weighted, reliability); ``n`` counts sample households for Susenas
        household indicators and sample persons otherwise.

    Examples
    --------
    >>> # see tests/test_report.py::test_year_indicators_match_direct_calls
    """
    from tkpk_lib import indicators as ind

    d = _design()
    hh = tables["households"]
    parts = [
        # p0, p1, p2 (one core call) and poor_count; rows are sorted below
        _both(ind.poverty_indicators, hh, d, welfare=WELFARE, line=LINE, size=SIZE),
        # logit intervals for shares near 0 or 1 (a normal interval can leave [0, 1])
        _both(ind.extreme_poverty, hh, d, welfare=WELFARE, year=int(year), size=SIZE, ci="logit"),
        _both(ind.gini, hh, d, welfare=WELFARE, size=SIZE),
        _both(ind.bottom40_share, hh, d, welfare=WELFARE, size=SIZE),
        _both(ind.service_indicators, hh, d, level_of="households", ci="logit"),
    ]
    if tables.get("persons") is not None:
        parts.append(_both(ind.service_indicators, tables["persons"], d, level_of="persons", ci="logit"))
    if tables.get("labour") is not None:
        parts.append(_both(ind.labour_indicators, tables["labour"], d))
    out = pd.concat(parts, ignore_index=True)
    out.insert(0, "year", int(year))
    out["kab_code"] = out["kab_code"].astype(str)
    return out


def _disaggregation(hh: pd.DataFrame) -> pd.DataFrame:
    from tkpk_lib import indicators as ind

    d = _design()
    dims = [c for c in ("urban", "head_female", "has_disabled", "has_elderly") if c in hh.columns]
    dims.append("welfare_quintile")
    kw = {"welfare": WELFARE, "line": LINE, "size": SIZE}
    by_kab = ind.disaggregate(ind.fgt, hh, d, dims=dims, by="kab_code", **kw)
    prov = ind.disaggregate(ind.fgt, hh, d, dims=dims, **kw)
    prov["kab_code"] = PROVINCE_CODE
    out = pd.concat([by_kab, prov], ignore_index=True)
    return out[out["dimension"] != "total"].reset_index(drop=True)


def _module(name: str) -> Any | None:
    """``tkpk_lib.<name>``, or None when that module itself is absent.

    A module that is there but needs a package that is not installed raises its ImportError:
    its sections then fail naming the package (:func:`describe_failure`), instead of a note
    that the module is awaited.
    """
    try:
        return importlib.import_module(f"tkpk_lib.{name}")
    except ImportError as exc:
        if getattr(exc, "name", None) == f"tkpk_lib.{name}":
            return None
        raise


def _apply_poverty_lines(hh: pd.DataFrame, lines: pd.DataFrame, year: int) -> pd.DataFrame:
    need = {"kab_code", "year", "poverty_line"}
    if not need <= set(lines.columns):
        raise ReportError(f"poverty-line table needs columns {sorted(need)}, has {list(lines.columns)}")
    lines = lines.copy()
    lines["kab_code"] = lines["kab_code"].astype(str)
    lines = lines[lines["year"].astype(int) == int(year)]
    keys = ["kab_code", "urban"] if "urban" in lines.columns else ["kab_code"]
    merged = hh.drop(columns=[LINE]).merge(lines[[*keys, "poverty_line"]], on=keys, how="left")
    bad = merged[LINE].isna()
    if bad.any():
        raise ReportError(
            f"poverty-line table has no line for year {year} and kab_code "
            f"{sorted(merged.loc[bad, 'kab_code'].unique())}"
        )
    return merged


class SectionError(ReportError):
    """A report section that could not be computed (raised in a report unless ``partial``)."""


#: Where each canonical table comes from, as a data root lays it out (named in notes of absent inputs).
LOOKED_FOR: dict[str, str] = {
    "households": "raw/susenas/<tahun>/ (kor_rt, kor_ind, kp)",
    "labour": "raw/sakernas/<tahun>/ (.sav/.dta/.csv/.parquet)",
    "villages": "raw/podes/<tahun Podes>/ (.dta/.sav/.csv/.parquet)",
    "registry": "raw/registry/ (.csv/.xlsx/.parquet)",
    "programmes": "raw/programmes/*<tahun>*.xlsx|.csv",
    "complaints": "raw/complaints/*<tahun>*.csv|.xlsx",
    "boundaries": "raw/boundaries/{kecamatan,desa}.gpkg|.geojson|.shp",
}
#: Indonesian label of each input table (notes and summaries).
TABLE_LABELS: dict[str, str] = {
    "households": "rumah tangga Susenas", "persons": "individu Susenas", "labour": "Sakernas",
    "villages": "desa Podes", "registry": "data terpadu", "programmes": "peta program",
    "complaints": "log pengaduan", "boundaries": "batas wilayah",
}


def _user_columns(table: str) -> dict[str, str]:
    """canonical column -> the column name of the user's file, where the reader has a fixed map."""
    from tkpk_lib import readers

    maps = {"complaints": "COMPLAINT_COLUMNS", "programmes": "PROGRAMME_COLUMNS", "registry": "REGISTRY_COLUMNS"}
    m = getattr(readers, maps.get(table, ""), None) or {}
    return {v: k for k, v in m.items()}


def _user_problem(p: Any, sources: Mapping[str, str]) -> str:
    """One :class:`~tkpk_lib.errors.Problem` in the user's terms: their file, their column, rows."""
    file = sources.get(str(p.file), str(p.file))
    text = str(file)
    if p.column is not None:
        user = _user_columns(str(p.file)).get(str(p.column))
        text += f", kolom {user} ({p.column})" if user and user != p.column else f", kolom {p.column}"
    text += f": {p.message}"
    rows = [int(r) for r in p.rows]
    if rows:
        shown = ", ".join(str(r) for r in rows[:20])
        more = f" dan {len(rows) - 20} lainnya" if len(rows) > 20 else ""
        text += f" [baris data {shown}{more}; {len(rows)} baris]"
    return text


def describe_failure(exc: BaseException, sources: Mapping[str, str] | None = None) -> list[str]:
    """The lines that say why a section failed, in the user's terms (file, column, rows).

    A :class:`~tkpk_lib.errors.SchemaError` gives one line per problem, with the canonical table
    name replaced by the file it was read from (``sources``) and the canonical column by the
    column of that file; any other error gives its whole message, one line per line.

    Examples
    --------
    >>> from tkpk_lib.errors import Problem, SchemaError
    >>> describe_failure(SchemaError([Problem("complaints", "date_resolved", "bad", [3])]),
    ...                  {"complaints": "raw/complaints/p_2024.csv"})
    ['raw/complaints/p_2024.csv, kolom TGL_SELESAI (date_resolved): bad [baris data 3; 1 baris]']
    """
    from tkpk_lib.errors import SchemaError, TkpkError

    sources = dict(sources or {})
    if isinstance(exc, ImportError) and getattr(exc, "name", None):
        pkg = str(exc.name).split(".")[0]
        return [f"paket Python '{pkg}' tidak terpasang atau tidak dapat dimuat di lingkungan ini "
                f"(pasang dengan: pip install {pkg}; {type(exc).__name__}: {exc})"]
    if isinstance(exc, SchemaError) and exc.problems:
        return [_user_problem(p, sources) for p in exc.problems]
    lines = [ln.strip() for ln in str(exc).splitlines() if ln.strip()] or [type(exc).__name__]
    if not isinstance(exc, TkpkError):
        # not a data problem the library names: say what kind of error it was
        lines[0] = f"{type(exc).__name__}: {lines[0]}"
    return lines


class _Sections:
    """Collects section frames and their status notes.

    A section's status is ``ok``, ``missing`` (its input is absent: the note says which file was
    looked for where) or ``error`` (its input is there but the section could not be computed:
    ``problems`` holds every line of the cause in the user's terms). A failure affects only the
    sections computed by the same call, which use the same input table.
    """

    def __init__(self, sources: Mapping[str, str] | None = None) -> None:
        self.frames: dict[str, pd.DataFrame] = {}
        self.status: dict[str, dict[str, Any]] = {}
        self.timings: dict[str, float] = {}
        self.sources = dict(sources or {})
        self._t = time.perf_counter()

    def lap(self, step: str) -> None:
        now = time.perf_counter()
        self.timings[step] = round(now - self._t, 3)
        self._t = now

    def ok(self, name: str, frame: pd.DataFrame) -> None:
        self.frames[name] = frame
        self.status[name] = {"status": "ok", "note": ""}

    def missing(self, name: str, note: str) -> None:
        self.frames.pop(name, None)
        self.status[name] = {"status": "missing", "note": note}

    def error(self, names: Sequence[str], exc: BaseException) -> None:
        lines = describe_failure(exc, self.sources)
        note = lines[0] + (f" (dan {len(lines) - 1} masalah lain)" if len(lines) > 1 else "")
        for n in names:
            self.frames.pop(n, None)
            self.status[n] = {"status": "error", "note": note, "problems": lines}

    def run(self, names: Sequence[str], module: str | None,
            fn: Callable[[Any], Mapping[str, pd.DataFrame] | None]) -> None:
        """Compute ``names`` with ``fn(module)``; a section ``fn`` leaves out stays as already noted."""
        self.lap("_")
        mod = None
        if module is not None:
            try:
                mod = _module(module)
            except ImportError as exc:  # the module needs a package that is not installed
                self.error(names, exc)
                return
            if mod is None:
                for n in names:
                    self.missing(n, f"bagian ini menunggu modul tkpk_lib.{module}")
                return
        try:
            frames = fn(mod) or {}
        except Exception as exc:  # noqa: BLE001 - recorded with its cause: the units showing it fail
            self.error(names, exc)
            return
        for n in names:
            if n in frames and frames[n] is not None:
                self.ok(n, frames[n])
            elif n not in self.status:
                self.missing(n, "data untuk bagian ini tidak tersedia")
        self.lap(names[0])


def _no_attrs(df: Any) -> Any:
    """A shallow copy of ``df`` without ``attrs`` (the caller's frame is left as it is)."""
    if df is None or not getattr(df, "attrs", None):
        return df
    out = df.copy(deep=False)
    out.attrs = {}
    return out


def _plain(df: pd.DataFrame) -> pd.DataFrame:
    """Drop geometry and make columns Parquet-friendly, rows in a stable order."""
    if "geometry" in df.columns:
        df = pd.DataFrame(df.drop(columns="geometry"))
    else:
        df = pd.DataFrame(df)
    for c in df.columns:
        if df[c].dtype == object:
            sample = df[c].dropna()
            if len(sample) and not all(isinstance(v, str | int | float | bool | np.generic) for v in sample.head(50)):
                df[c] = df[c].map(lambda v: v if v is None else str(v))
    return df.reset_index(drop=True)


def prepare_tables(
    tables_by_year: Mapping[int, Mapping[str, pd.DataFrame]],
    year: int,
    cache_dir: str | Path,
    *,
    comparison_year: int | None = None,
    target: str = "poor",
    registry: pd.DataFrame | None = None,
    boundaries: Mapping[str, Any] | None = None,
    key: str = "",
    poverty_lines: str = "",
    sources: Mapping[str, str] | None = None,
    input_errors: Mapping[str, BaseException] | None = None,
    looked_for: Mapping[str, str] | None = None,
    targets: pd.DataFrame | None = None,
) -> Path:
    """Compute every report section from canonical frames and write them to ``cache_dir``.

    Parameters
    ----------
    tables_by_year : mapping of int -> mapping of str -> DataFrame
        Canonical tables per year (``households`` required; ``persons``, ``labour``,
        ``villages``, ``programmes``, ``complaints`` optional). All years give the series.
    year : int
        Report year.
    cache_dir : path
        Output folder (replaced atomically).
    comparison_year : int, optional
        Year the change is measured from; default the latest year before ``year``.
    target : {"poor", "b40", "registry"}
        Target group for programme coverage.
    registry : DataFrame, optional
        Canonical registry (only counts leave this function).
    boundaries : mapping, optional
        ``{"kecamatan": GeoDataFrame, "desa": GeoDataFrame}`` for hot spots.
    key : str
        Input fingerprint stored in ``sections.json`` (:func:`prepare_year` compares it).
    poverty_lines : str
        Where the poverty lines came from ("" = the canonical tables), stored in the index.
    sources : mapping of str -> str, optional
        File each input table was read from (``{"complaints": "raw/complaints/x.csv"}``), so
        that a section that fails names the user's file (and its columns) instead of the
        canonical table.
    input_errors : mapping of str -> exception, optional
        Optional inputs whose file is there but could not be read (``"boundaries/desa"``):
        the sections that use them fail with that cause instead of being computed without.
    looked_for : mapping of str -> str, optional
        Where each absent input table was looked for (``{"complaints": "/data/raw/complaints
        (folder kosong)"}``), named in the sections' notes; default the data-root layout.
    targets : DataFrame, optional
        Own target table for the target comparison (default ``reference/targets.csv``).

    Returns
    -------
    pathlib.Path
        The cache folder.

    Raises
    ------
    ReportError
        ``year`` (or ``comparison_year``) not in ``tables_by_year``, or an unknown target.

    Examples
    --------
    >>> tables = {2024: canonical.load_tables("data/demo/generated", 2024)}  # doctest: +SKIP
    >>> prepare_tables(tables, 2024, "derived/2024")  # doctest: +SKIP
    """
    if target not in ("poor", "b40", "registry"):
        raise ReportError(f"target must be 'poor', 'b40' or 'registry', got {target!r}")
    years = sorted(int(y) for y in tables_by_year)
    if year not in years:
        raise ReportError(f"year {year} has no tables; years available: {years}")
    if comparison_year is None:
        earlier = [y for y in years if y < year]
        comparison_year = earlier[-1] if earlier else None
    elif comparison_year not in years:
        raise ReportError(f"comparison year {comparison_year} has no tables; years available: {years}")
    # frames without attrs (value labels): pandas deep-copies attrs into every derived frame,
    # a large share of the run time on these small tables; no section reads them
    tables_by_year = {y: {k: _no_attrs(v) for k, v in t.items()} for y, t in tables_by_year.items()}
    registry = None if registry is None else _no_attrs(registry)
    cur = tables_by_year[year]
    hh = cur["households"]
    s = _Sections(sources)

    # ---- indicators over all years, change, targets
    ind = pd.concat([year_indicators(tables_by_year[y], y) for y in years], ignore_index=True)
    ind = ind.sort_values(["year", "kab_code", "indicator"], kind="stable").reset_index(drop=True)
    s.ok("indicators", ind)
    s.lap("indicators")
    from tkpk_lib import trends

    # each apart: a failure of one takes down no other
    def _change(_: Any) -> dict[str, pd.DataFrame]:
        if comparison_year is None:
            s.missing("change", "belum ada tahun pembanding: perubahan tidak dapat dihitung")
            return {}
        a = ind[ind["year"] == comparison_year]
        b = ind[ind["year"] == year]
        ch = trends.change(a, b, by="kab_code")
        return {"change": ch.sort_values(["kab_code", "indicator"], kind="stable").reset_index(drop=True)}

    s.run(["change"], None, _change)
    s.run(["targets"], None, lambda _: {"targets": trends.compare_targets(
        ind[ind["year"] <= year], targets, area_col="kab_code").reset_index(drop=True)})
    s.run(["disaggregation"], None, lambda _: {"disaggregation": _disaggregation(hh)})

    # ---- programme coverage (Susenas)
    # one call per section (the target columns are added once): a failure of one leaves the others
    prepared: dict[str, Any] = {}
    for name in ("coverage", "targeting", "combinations"):
        s.run([name], "coverage", lambda cov, name=name: _coverage_sections(cov, hh, target, (name,), prepared))

    def _where(table: str) -> str:
        return (looked_for or {}).get(table) or LOOKED_FOR.get(table, table).replace("<tahun>", str(year))

    def _absent(names: Sequence[str], table: str) -> None:
        label = TABLE_LABELS.get(table, table)
        if table in s.sources:  # read, but no rows: the file is there, say so
            note = f"file {label} {s.sources[table]} tidak berisi baris data"
        else:
            note = f"file {label} tahun {year} tidak ditemukan (dicari di {_where(table)})"
        for n in names:
            s.missing(n, note)

    # ---- registry (counts only)
    def _registry(reg_mod: Any) -> dict[str, pd.DataFrame]:
        if registry is None:
            _absent(["registry_summary", "registry_followup", "registry_desa"], "registry")
            return {}
        # one scan of the registry (by desa); kabupaten, province and follow-up counts add up from it
        desa = reg_mod.registry_summary(registry, by=("kab_code", "kec_code", "desa_code"))
        summ = reg_mod.rollup_summary(desa, by=("kab_code",))
        prov = reg_mod.rollup_summary(desa, by=None)
        prov.insert(0, "kab_code", PROVINCE_CODE)
        fu = reg_mod.follow_up_by_desa(registry, summary=desa)
        return {"registry_summary": pd.concat([summ, prov], ignore_index=True), "registry_followup": fu,
                "registry_desa": desa}

    s.run(["registry_summary", "registry_followup", "registry_desa"], "registry", _registry)

    # ---- pockets
    def _pockets(pk: Any) -> dict[str, pd.DataFrame]:
        vil = cur.get("villages")
        if vil is None:
            _absent(["pockets_kecamatan", "pockets_desa", "pockets"], "villages")
            return {}
        bnd = boundaries or {}
        for level in ("kecamatan", "desa"):
            if f"boundaries/{level}" in (input_errors or {}):
                raise input_errors[f"boundaries/{level}"]  # type: ignore[index]
        res = pk.province_pockets(hh, _design(), vil, registry, kec_gdf=bnd.get("kecamatan"),
                                  desa_gdf=bnd.get("desa"))
        return {"pockets_kecamatan": _plain(res["kecamatan"]), "pockets_desa": _plain(res["scores"]),
                "pockets": _plain(res["pockets"])}

    s.run(["pockets_kecamatan", "pockets_desa", "pockets"], "pockets", _pockets)
    vil = cur.get("villages")
    if vil is not None and "year" in vil.columns and len(vil):
        py = sorted({int(v) for v in vil["year"].dropna().unique()})
        if py and py != [int(year)]:
            note = (f"memakai Podes {', '.join(map(str, py))}, ronde terakhir yang tersedia "
                    f"(tidak ada Podes {year})")
            if s.status.get("pockets", {}).get("status") == "ok":
                s.status["pockets"]["note"] = note

    # ---- programme map: budget (and its annex), convergence and complaints are computed apart,
    # so a bad row in one input table takes down only the sections that read that table
    progs = cur.get("programmes")
    comp = cur.get("complaints")

    def _budget(pm: Any) -> dict[str, pd.DataFrame]:
        if progs is None or not len(progs):
            _absent(["budget"], "programmes")
            return {}
        keep = ("total", "by_strategy", "by_cluster", "by_fund_source", "by_opd", "by_programme")
        return {"budget": _per_kab_by(progs, pm.budget_tables, keep)}

    s.run(["budget"], "programmes", _budget)

    def _convergence(pm: Any) -> dict[str, pd.DataFrame]:
        if progs is None or not len(progs):
            _absent(["convergence"], "programmes")
            return {}
        st = s.status.get("pockets", {})
        pk = s.frames.get("pockets")
        if pk is None or not {"level", "is_pocket", "code"} <= set(pk.columns):
            # convergence needs the pocket desa: say why they are not there
            s.missing("convergence", "desa kantong kemiskinan tidak tersedia"
                      + (f" ({st['note']})" if st.get("note") else ""))
            return {}
        prio = sorted(pk.loc[(pk["level"] == "desa") & pk["is_pocket"].astype(bool), "code"].astype(str))
        # per kabupaten: its own pocket desa (code prefix); province: all pocket desa
        prio_kab = pd.DataFrame({"kab_code": [c[:4] for c in prio], "desa_code": prio})

        def _one(f: pd.DataFrame, by: str | None = None) -> Mapping[str, pd.DataFrame]:
            if by is not None:
                return pm.convergence(f, prio_kab, year=year, by=by)
            one = [c for c in prio if c[:4] == str(f["kab_code"].iloc[0])]
            return pm.convergence(f, one if f["kab_code"].nunique() == 1 else prio, year=year)

        return {"convergence": _per_kab_by(progs, _one, ("by_strategy", "summary", "desa"))}

    s.run(["convergence"], "programmes", _convergence)

    def _complaints(pm: Any) -> dict[str, pd.DataFrame]:
        if comp is None or not len(comp):
            _absent(["complaints", "annex_complaints"], "complaints")
            return {}
        out = {"complaints": _per_kab_by(comp, pm.complaints_summary,
                                         ("overall", "by_channel", "by_programme", "by_status"))}
        # the annex after the summary: its checks (dates readable, resolved after received) hold
        out["annex_complaints"] = _complaints_annex(comp)
        return out

    s.run(["complaints", "annex_complaints"], "programmes", _complaints)

    def _annex_programmes(_: Any) -> dict[str, pd.DataFrame]:
        if progs is None or not len(progs):
            _absent(["annex_program", "annex_target"], "programmes")
            return {}
        return _programme_annex(progs)

    s.run(["annex_program", "annex_target"], None, _annex_programmes)

    completeness = unit_completeness(tables_by_year, year, registry=registry, boundaries=boundaries,
                                     sources=s.sources)
    # optional inputs behind no section of their own: named where they were looked for
    absent: dict[str, str] = {}
    if cur.get("labour") is None:
        absent["labour"] = (f"file Sakernas tahun {year} tidak ditemukan (dicari di {_where('labour')}): "
                            "indikator ketenagakerjaan (TPT, TPAK, informal) tidak dihitung")
    for level in ("kecamatan", "desa"):
        if (boundaries or {}).get(level) is None and f"boundaries/{level}" not in (input_errors or {}):
            where = (looked_for or {}).get(f"boundaries/{level}") or LOOKED_FOR["boundaries"]
            absent[f"boundaries/{level}"] = (f"file batas wilayah {level} tidak ditemukan (dicari di "
                                             f"{where}): tanpa peta dan klaster spasial")

    # ---- write atomically
    cache_dir = Path(cache_dir)
    cache_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{cache_dir.name}.", dir=cache_dir.parent))
    try:
        for name, frame in s.frames.items():
            _plain(frame).to_parquet(tmp / f"{name}.parquet", index=False)
        index = {
            "version": CACHE_VERSION, "year": int(year), "comparison_year": comparison_year,
            "years": years, "target": target, "key": key, "poverty_lines": str(poverty_lines or ""),
            "sections": {n: s.status.get(n, {"status": "missing", "note": "tidak dihitung"}) for n in SECTIONS},
            "completeness": completeness,
            "absent": absent,
            "sources": dict(sorted(s.sources.items())),
        }
        (tmp / "sections.json").write_text(json.dumps(index, indent=1, ensure_ascii=False), encoding="utf-8")
        s.timings.pop("_", None)
        (tmp / "timings.json").write_text(json.dumps(s.timings, indent=1), encoding="utf-8")
        old = None
        if cache_dir.exists():
            old = cache_dir.with_name(f".{cache_dir.name}.old{os.getpid()}")
            os.replace(cache_dir, old)
        os.replace(tmp, cache_dir)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return cache_dir


def unit_completeness(
    tables_by_year: Mapping[int, Mapping[str, pd.DataFrame]],
    year: int,
    *,
    registry: pd.DataFrame | None = None,
    boundaries: Mapping[str, Any] | None = None,
    sources: Mapping[str, str] | None = None,
) -> dict[str, dict[str, Any]]:
    """Which kabupaten/kota of the region reference each input covers.

    A province figure computed from a table that lacks some kabupaten/kota would silently stand
    for fewer units; this lists, per input present (Susenas households of every year, Sakernas,
    Podes villages, programme map, registry and boundaries of ``year``), the units of
    :func:`tkpk_lib.reference_data.regions` that have no row or polygon in it.

    Returns
    -------
    dict
        ``{input: {"label", "file", "expected", "present", "missing": [codes]}}``, one entry per
        input present (``households_2023`` for earlier Susenas years).

    Examples
    --------
    >>> import pandas as pd
    >>> hh = pd.DataFrame({"kab_code": ["1701", "1702"]})
    >>> unit_completeness({2024: {"households": hh}}, 2024)["households"]["missing"][:2]
    ['1703', '1704']
    """
    from tkpk_lib.reference_data import regions

    expected = sorted(regions("kabupaten")["code"].astype(str))
    sources = dict(sources or {})
    cur = tables_by_year[year]
    inputs: list[tuple[str, str, Any, str]] = []
    for y in sorted(tables_by_year):
        if int(y) <= int(year):
            key = "households" if int(y) == int(year) else f"households_{y}"
            inputs.append((key, "households", tables_by_year[y].get("households"), "kab_code"))
    inputs += [("labour", "labour", cur.get("labour"), "kab_code"),
               ("villages", "villages", cur.get("villages"), "desa_code"),
               ("programmes", "programmes", cur.get("programmes"), "kab_code"),
               ("registry", "registry", registry, "kab_code")]
    for level in ("kecamatan", "desa"):
        g = (boundaries or {}).get(level)
        inputs.append((f"boundaries/{level}", "boundaries", g, "code"))
    out: dict[str, dict[str, Any]] = {}
    for key, table, frame, col in inputs:
        if frame is None or col not in getattr(frame, "columns", ()):
            continue
        have = set(pd.Series(frame[col]).dropna().astype(str).str[:4].unique())
        missing = [c for c in expected if c not in have]
        year_of = key.split("_")[-1] if key.startswith("households_") else str(year)
        label = TABLE_LABELS.get(table, table) + (f" {year_of}" if table == "households" else "")
        if table == "boundaries":
            label += f" ({key.split('/')[1]})"
        out[key] = {"label": label, "file": str(sources.get(key, sources.get(table, ""))),
                    "expected": len(expected), "present": len(expected) - len(missing), "missing": missing}
    return out


def completeness_warnings(cache: str | Path) -> list[str]:
    """One line per input of a prepared cache that lacks kabupaten/kota (console, manifest).

    Examples
    --------
    >>> completeness_warnings("derived/2024")  # doctest: +SKIP
    ['rumah tangga Susenas 2024 (raw/susenas/2024): tidak ada 1703 Kabupaten Bengkulu Utara; ...']
    """
    from tkpk_lib.reference_data import region_names

    names = region_names()
    lines = []
    for info in _index(cache).get("completeness", {}).values():
        if info["missing"]:
            where = f" ({info['file']})" if info.get("file") else ""
            units = ", ".join(f"{c} {names.get(c, '')}".strip() for c in info["missing"])
            lines.append(f"{info['label']}{where}: tidak ada data untuk {units}; angka provinsi dihitung dari "
                         f"{info['present']} dari {info['expected']} kabupaten/kota")
    return lines


def completeness_note(cache: str | Path, kab_code: str, inputs: Sequence[str] = ("households", "labour")) -> str:
    """Markdown note when a figure of ``kab_code`` rests on an input that lacks units, else ``""``.

    Province figures resting on such an input (all of them in the province's report; the survey
    figures every report compares with) say "dihitung dari 9 dari 10 kabupaten/kota" naming the
    absent units; a kabupaten/kota absent from an input is told that the input has no data for it.

    Examples
    --------
    >>> completeness_note("derived/2024", "17")  # doctest: +SKIP
    '> **Perhatian:** angka provinsi dari rumah tangga Susenas 2024 dihitung dari 9 dari 10 ...'
    """
    from tkpk_lib.reference_data import region_names

    names = region_names()
    info = _index(cache)
    comp = info.get("completeness", {})
    code = str(kab_code)
    lines = [f"> **Catatan:** {note}." for key, note in info.get("absent", {}).items()
             if key.split("/")[0] in inputs]
    for key, info in comp.items():
        base = "households" if key.startswith("households") else key.split("/")[0]
        if base not in inputs or not info["missing"]:
            continue
        units = ", ".join(f"{c} {names.get(c, '')}".strip() for c in info["missing"])
        if code != PROVINCE_CODE and code in info["missing"]:
            lines.append(f"> **Perhatian:** {info['label']} tidak berisi data untuk {unit_name(code)}.")
        # every report compares with the province's survey figures; the province's report shows all
        if code == PROVINCE_CODE or base in ("households", "labour"):
            lines.append(f"> **Perhatian:** angka provinsi dari {info['label']} dihitung dari {info['present']} "
                         f"dari {info['expected']} kabupaten/kota (tidak ada data untuk {units}).")
    return "\n\n".join(lines)


def completeness_notice(cache: str | Path, kab_code: str, inputs: Sequence[str] = ("households", "labour"),
                        *, partial: bool = False) -> None:
    """Show :func:`completeness_note` in a report cell; a unit without Susenas households fails.

    A kabupaten/kota report whose unit has no Susenas household of the report year would show
    no indicator at all: it raises :class:`SectionError` naming the file, unless ``partial``
    (then a banner with :data:`PARTIAL_KEY` metadata marks the unit "partial").

    Raises
    ------
    SectionError
        ``kab_code`` has no household in the report year's Susenas and ``partial`` is false.

    Examples
    --------
    >>> completeness_notice("derived/2024", "1701")  # doctest: +SKIP
    """
    from IPython.display import Markdown, display

    code = str(kab_code)
    hh = _index(cache).get("completeness", {}).get("households", {})
    if "households" in inputs and code != PROVINCE_CODE and code in hh.get("missing", ()):
        where = f" ({hh['file']})" if hh.get("file") else ""
        cause = (f"{hh['label']}{where} tidak berisi rumah tangga {unit_name(code)}: indikator "
                 f"kabupaten/kota ini tidak dapat dihitung")
        if not partial:
            raise SectionError(cause + "\n(tkpk run --partial menulis laporan dengan bagian ini ditandai "
                               "tidak lengkap)")
        display(Markdown(f"> **Bagian ini tidak lengkap:** {cause}."),
                metadata={PARTIAL_KEY: {"section": "indicators", "problems": [cause]}})
    note = completeness_note(cache, code, inputs)
    if note:
        display(Markdown(note))


def _per_kab_by(frame: pd.DataFrame, fn: Callable[..., Mapping[str, pd.DataFrame]],
                keep: Sequence[str]) -> pd.DataFrame:
    """Tables of ``fn`` per kabupaten and for the province, stacked with ``kab_code`` and ``table``.

    Two calls instead of one per kabupaten: ``fn(frame, by="kab_code")`` gives every kept
    table with a ``kab_code`` column, the same numbers as ``fn`` on each kabupaten's rows;
    ``fn(frame)`` gives the province ("17"). Layout: kabupaten in code order, then the
    province; tables in ``keep`` order; columns in order of first appearance. It is the layout
    of one ``fn`` call per kabupaten stacked (``tests/test_report.py`` keeps that simple
    version as the reference).
    """
    key = frame["kab_code"].astype(str)
    codes = [str(k) for k, _ in frame.groupby(key, sort=True)]
    grouped = fn(frame.assign(kab_code=key), by="kab_code")
    whole = fn(frame)
    pieces: list[pd.DataFrame] = []
    present: dict[str, set[str]] = {}
    cols_of: dict[tuple[str, str], list[str]] = {}
    for n_pos, name in enumerate(keep):
        for src in ("kab", "prov"):
            t = (grouped if src == "kab" else whole).get(name)
            if t is None or t.empty:
                continue
            t = _plain(t)
            if src == "kab":
                where = t.pop("kab_code").astype(str)
                present[name] = set(where)
                pos = where.map({c: i for i, c in enumerate(codes)}).to_numpy()
            else:
                t = t.drop(columns=[c for c in ("kab_code",) if c in t.columns and name != "by_kab"])
                where, pos = PROVINCE_CODE, np.full(len(t), len(codes))
            cols_of[(src, name)] = ["kab_code", "table", *t.columns]
            t.insert(0, "table", name)
            t.insert(0, "kab_code", where.to_numpy() if src == "kab" else where)
            pieces.append(t.assign(_k=pos, _n=n_pos, _r=np.arange(len(t))))
    if not pieces:
        return pd.DataFrame()
    order: dict[str, None] = {}  # column order: first appearance, kabupaten-major
    for code in [*codes, PROVINCE_CODE]:
        for name in keep:
            src = "prov" if code == PROVINCE_CODE else "kab"
            if (src, name) in cols_of and (src == "prov" or code in present.get(name, ())):
                order.update(dict.fromkeys(cols_of[(src, name)]))
    out = pd.concat(pieces, ignore_index=True)
    idx = np.lexsort((out["_r"].to_numpy(), out["_n"].to_numpy(), out["_k"].to_numpy()))
    out = out.iloc[idx][list(order)].reset_index(drop=True)
    for c in out.columns:
        if out[c].dtype == object:
            out[c] = out[c].map(lambda v: v if v is None or (isinstance(v, float) and math.isnan(v)) else str(v))
    return out


def _coverage_sections(cov: Any, hh: pd.DataFrame, target: str,
                       names: Sequence[str] = ("targeting", "coverage", "combinations"),
                       memo: dict[str, Any] | None = None) -> dict[str, pd.DataFrame]:
    """Adapter to :mod:`tkpk_lib.coverage`: kabupaten rows plus province rows (kab_code "17").

    ``memo`` keeps the households with their target columns between calls for single sections.
    """
    from tkpk_lib.schemas import PROGRAMMES

    d = _design()
    progs = [p for p in PROGRAMMES if f"rcv_{p}" in hh.columns]
    memo = {} if memo is None else memo
    if "data" not in memo:
        memo["data"] = cov.add_targets(hh)
    data = memo["data"]
    tcol = f"target_{target}"
    if tcol not in data.columns:
        raise ReportError(f"target group {target!r} needs column {tcol} (registry_decile for 'registry')")
    make = {
        "targeting": lambda: _both(cov.targeting, data, d, received=progs, target=tcol),
        "coverage": lambda: _both(cov.coverage_by_group, data, d, programmes=progs, group="welfare_quintile"),
        "combinations": lambda: _both(cov.programme_combinations, data, d, programmes=progs, among=tcol),
    }
    return {n: make[n]() for n in names}


def _programme_annex(progs: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Programme-map aggregates in the LP2KD annex layout (plain sums of the map, per kabupaten)."""
    from tkpk_lib.schemas import STRATEGIES

    clusters = {1: "Bantuan sosial terpadu berbasis keluarga", 2: "Pemberdayaan masyarakat",
                3: "Pemberdayaan usaha mikro dan kecil", 4: "Program pro-rakyat lainnya"}
    g = progs.groupby(["kab_code", "strategy", "cluster", "programme", "opd", "fund_source"], as_index=False,
                      sort=True)[["budget", "realisation"]].sum()
    prog = pd.DataFrame({
        "kab_code": g["kab_code"].astype(str),
        "strategi": g["strategy"].map(STRATEGIES).astype(str),
        "klaster": g["cluster"].map(clusters).astype(str),
        "program": g["programme"].astype(str), "opd": g["opd"].astype(str),
        "sumber_dana": g["fund_source"].astype(str), "pagu": g["budget"].astype(float),
        "realisasi": g["realisation"].astype(float),
    })
    prog["realisasi_pct"] = np.where(prog["pagu"] > 0, prog["realisasi"] / prog["pagu"].where(prog["pagu"] > 0), np.nan)
    t = progs.groupby(["kab_code", "programme", "activity", "target_unit"], as_index=False, sort=True)[
        ["target_count", "reached_count"]].sum()
    tgt = pd.DataFrame({
        "kab_code": t["kab_code"].astype(str), "program": t["programme"].astype(str),
        "indikator_kinerja": t["activity"].astype(str), "satuan": t["target_unit"].astype(str),
        "target": t["target_count"].astype(float), "capaian": t["reached_count"].astype(float),
    })
    tgt["capaian_pct"] = tgt["capaian"] / tgt["target"].where(tgt["target"] > 0)
    return {"annex_program": prog, "annex_target": tgt}


def _complaints_annex(comp: pd.DataFrame) -> pd.DataFrame:
    """Complaints per kabupaten x programme x channel: number, resolved, mean days to resolve."""
    c = comp.copy()
    c["selesai"] = (c["status"].astype(str) == "selesai").astype(int)
    days = (pd.to_datetime(c["date_resolved"]) - pd.to_datetime(c["date_received"])).dt.days
    c["hari"] = days.where(c["selesai"] == 1)
    g = c.groupby(["kab_code", "programme", "channel"], as_index=False, sort=True).agg(
        jumlah=("complaint_id", "size"), selesai=("selesai", "sum"), hari_rata=("hari", "mean"))
    g = g.rename(columns={"programme": "program", "channel": "kanal"})
    g["selesai_pct"] = g["selesai"] / g["jumlah"]
    g["kab_code"] = g["kab_code"].astype(str)
    return g[["kab_code", "program", "kanal", "jumlah", "selesai", "selesai_pct", "hari_rata"]]


def _fingerprint(files: Mapping[str, Path], extra: Sequence[Any], contents: Mapping[str, Path] | None = None) -> str:
    """Cache key of the inputs: stamps of ``files``, the bytes of ``contents`` and ``extra``.

    ``files`` (raw and canonical data, possibly gigabytes) are stamped by size and modification
    time in nanoseconds (and a shapefile's side files); ``contents`` (the library's code and
    reference tables, small) are hashed byte for byte, so a changed estimator gives another
    key even when a checkout keeps the file times.
    """
    from tkpk_lib.canonical import _file_stamp

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

    from tkpk_lib.schemas import REGISTRY

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
        if not p.is_file():
            raise ReportError(f"{p}: target table not found (columns indicator, kab_code, year, target)")
        t = (pd.read_csv(p, dtype={"kab_code": str}, keep_default_na=False, na_values=[""])
             if p.suffix.lower() == ".csv" else pd.read_excel(p, dtype={"kab_code": str}))
        name = str(p)
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


#: Written last into a cache entry: the entry's key and options, and the size and SHA-256 of
#: each of its files. An entry without it (or whose files differ from it) is never reused.
COMPLETE_MARKER = "complete.json"


def _default_year_dir(root: str | Path, year: int) -> Path:
    """Folder holding the cache entries of one year (one sub-folder per key)."""
    return tkpk_paths.derived_dir(root, int(year))


class _Plan:
    """Everything that decides the content of a cache entry, and the entry's place."""

    def __init__(self, root: str | Path, year: int, comparison_year: int | None, target: str,
                 cache_dir: str | Path | None, poverty_lines: Any, targets: Any) -> None:
        from tkpk_lib import canonical

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
        }
        self.canon = {y: canonical.build_canonical(self.root, y) for y in self.used}  # reused when up to date
        files: dict[str, Path] = {}
        for y in self.used:
            files.update({f"raw/{y}/{k}": v for k, v in canonical.raw_files(self.root, y).items()})
        for y, paths in self.canon.items():
            files.update({f"canonical/{y}/{k}": v for k, v in paths.items()})
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
        ``tkpk_lib/reference/targets.csv``.
    force : bool
        Recompute even when the entry is complete.

    Returns
    -------
    pathlib.Path
        The cache entry.

    Examples
    --------
    >>> cache = prepare_year("data/demo/generated", 2024)  # doctest: +SKIP
    >>> load_section(cache, "indicators", "1701").head()  # doctest: +SKIP
    """
    from tkpk_lib import canonical

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
    """Where each missing input of ``year`` was looked for, by input table (from
    :func:`tkpk_lib.canonical.input_status`: the folder and why nothing was found there)."""
    from tkpk_lib import canonical

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
    from tkpk_lib import canonical

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
                        ("programmes", "programmes"), ("complaints", "complaints"),
                        ("boundaries/kecamatan", "boundaries/kecamatan"), ("boundaries/desa", "boundaries/desa")):
        if kind in raw:
            out[table] = rel(raw[kind])
    for y in canonical.available_years(root):
        if y < int(year):
            earlier = [Path(v).parent for k, v in canonical.raw_files(root, y).items() if k.startswith("susenas/")]
            if earlier:
                out[f"households_{y}"] = rel(earlier[0])
    return out


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
            diff = _option_mismatch(cache_info(cache), year, comparison_year, target, poverty_lines, targets)
            if diff:
                raise ReportError(f"{cache}: the prepared tables do not match this notebook's options ("
                                  + "; ".join(diff) + "); run the notebook with the run's options or "
                                  "with an empty cache_dir")
            return cache
        cache = cache.parent  # unfinished or damaged: rebuilt below with these same options
    return prepare_year(data_root, year, comparison_year or None, target, cache,
                        poverty_lines=poverty_lines or None, targets=targets or None)


# --------------------------------------------------------------------------- reading


def section_status(cache: str | Path) -> pd.DataFrame:
    """Status of every section in a cache: name, status (ok/missing/error), note, description.

    Examples
    --------
    >>> section_status("data/demo/generated/derived/2024")  # doctest: +SKIP
    """
    info = _index(cache)
    rows = [{"section": n, "status": v["status"], "note": v["note"], "description": SECTIONS.get(n, "")}
            for n, v in info["sections"].items()]
    return pd.DataFrame(rows)


def _index(cache: str | Path) -> dict[str, Any]:
    idx = Path(cache) / "sections.json"
    if not idx.is_file():
        raise ReportError(f"{cache}: no prepared report tables (sections.json); run prepare_year first")
    try:
        info = json.loads(idx.read_text(encoding="utf-8"))
        info["sections"]  # noqa: B018 - every index has it
    except (ValueError, KeyError, TypeError) as exc:
        raise ReportError(f"{idx}: index of the prepared tables is damaged ({type(exc).__name__}); "
                          "run tkpk run again to rebuild it") from exc
    return info


def section_note(cache: str | Path, name: str) -> str:
    """Markdown note for a section that is not available, or ``""`` when it is.

    A missing section says which input was absent and where it was looked for; a section that
    failed carries the banner "Bagian ini tidak lengkap" with every line of the cause (file,
    column, rows).

    Examples
    --------
    >>> section_note("derived/2024", "budget")  # doctest: +SKIP
    '> **Bagian belum tersedia** (peta program ...): bagian ini menunggu modul tkpk_lib.programmes'
    """
    st = _index(cache)["sections"].get(name)
    if st is None:
        return f"> **Bagian belum tersedia** ({name}): tidak dikenal."
    if st["status"] == "ok":
        return f"> Catatan ({SECTIONS.get(name, name)}): {st['note']}." if st.get("note") else ""
    if st["status"] == "error":
        lines = st.get("problems") or [st["note"]]
        return (f"> **Bagian ini tidak lengkap: {SECTIONS.get(name, name)} tidak dapat dihitung.** Penyebab:\n>\n"
                + "\n".join(f"> - {ln}" for ln in lines))
    return f"> **Bagian belum tersedia** ({SECTIONS.get(name, name)}): {st['note']}."


def input_notes(cache: str | Path) -> list[str]:
    """Distinct notes of a cache about absent inputs and substitutes (console and manifest).

    Examples
    --------
    >>> input_notes("derived/2024")  # doctest: +SKIP
    ['file log pengaduan tahun 2024 tidak ditemukan (dicari di raw/complaints/*2024*.csv|.xlsx)']
    """
    info = _index(cache)
    notes = [v["note"] for v in info["sections"].values() if v["note"] and v["status"] != "error"]
    notes += list(info.get("absent", {}).values())
    return list(dict.fromkeys(notes))


def section_failures(cache: str | Path, names: Sequence[str] | None = None) -> dict[str, list[str]]:
    """Sections of a cache that could not be computed, with the lines of their cause.

    Examples
    --------
    >>> section_failures("derived/2024", ["complaints"])  # doctest: +SKIP
    {'complaints': ['raw/complaints/pengaduan_2024.csv, kolom TGL_SELESAI (date_resolved): ...']}
    """
    sections = _index(cache)["sections"]
    return {n: list(v.get("problems") or [v["note"]]) for n, v in sections.items()
            if v["status"] == "error" and (names is None or n in names)}


#: Output metadata key of a partial section's banner; the runner marks the job "partial" from it.
PARTIAL_KEY = "tkpk_partial"


def section_notice(cache: str | Path, names: str | Sequence[str], *, partial: bool = False) -> None:
    """Show the notes of sections in a report cell; a section that failed fails the report.

    A missing section shows its note. A section that could not be computed raises
    :class:`SectionError` naming the cause (file, column, rows), so the unit fails, unless
    ``partial``: then the section's banner "Bagian ini tidak lengkap" is shown and the runner
    marks the unit "partial" (the banner's output carries :data:`PARTIAL_KEY` metadata).

    Raises
    ------
    SectionError
        A section in ``names`` failed and ``partial`` is false.

    Examples
    --------
    >>> section_notice("derived/2024", ["budget", "convergence"], partial=False)  # doctest: +SKIP
    """
    from IPython.display import Markdown, display

    names = [names] if isinstance(names, str) else list(names)
    failed = section_failures(cache, names)
    if failed and not partial:
        causes = list(dict.fromkeys(ln for ls in failed.values() for ln in ls))
        lines = [f"bagian {', '.join(SECTIONS.get(n, n) for n in failed)} tidak dapat dihitung: {causes[0]}"
                 + (f" (dan {len(causes) - 1} masalah lain)" if len(causes) > 1 else "")]
        if len(causes) > 1:
            lines += [f"  - {ln}" for ln in causes]
        lines.append("(tkpk run --partial menulis laporan dengan bagian ini ditandai tidak lengkap)")
        raise SectionError("\n".join(lines))
    for n in names:
        note = section_note(cache, n)
        if not note:
            continue
        meta = {PARTIAL_KEY: {"section": n, "problems": failed[n]}} if n in failed else None
        display(Markdown(note), metadata=meta)


#: Columns of a section row that carry an estimate (blanked when its sample is too small).
_VALUE_COLS = ("estimate", "se", "ci_low", "ci_high", "rse", "deff", "n_weighted")
_CHANGE_VALUE_COLS = ("estimate_a", "se_a", "estimate_b", "se_b", "difference", "se", "ci_low", "ci_high", "z",
                      "p_value")


def _suppress_small(df: pd.DataFrame, name: str, cache: str | Path, min_sample: int) -> pd.DataFrame:
    """Blank the estimates of rows based on fewer than ``min_sample`` sample units.

    Rows of estimate sections (with an ``n`` column) keep their labels and ``n`` and lose their
    values (NaN, shown as "\u2013"); a ``change`` row loses its values when either of its
    years is small (sample sizes from the ``indicators`` section), and its wording.
    """
    if not min_sample or df.empty:
        return df
    df = df.copy()
    if name == "targets":  # the estimate compared with the target, and what follows from it
        n = load_section(cache, "indicators").set_index(["indicator", "kab_code", "year"])["n"]
        idx = pd.MultiIndex.from_arrays([df["indicator"], df["kab_code"].astype(str), df["year"].astype(int)])
        small = n.reindex(idx).to_numpy(dtype=float) < min_sample
        cols = [c for c in ("estimate", "ci_low", "ci_high", "gap", "annual_change_needed", "recent_annual_change")
                if c in df.columns]
        df.loc[small, cols] = np.nan
        for c in ("status", "status_id"):
            if c in df.columns:
                df[c] = df[c].astype(object)
                df.loc[small, c] = None
        return df
    if name == "change":
        ind = load_section(cache, "indicators")
        n = ind.set_index(["indicator", "kab_code", "year"])["n"]
        idx_a = pd.MultiIndex.from_arrays([df["indicator"], df["kab_code"].astype(str), df["year_a"].astype(int)])
        idx_b = pd.MultiIndex.from_arrays([df["indicator"], df["kab_code"].astype(str), df["year_b"].astype(int)])
        na = n.reindex(idx_a).to_numpy(dtype=float)
        nb = n.reindex(idx_b).to_numpy(dtype=float)
        small = (na < min_sample) | (nb < min_sample)
        cols = [c for c in _CHANGE_VALUE_COLS if c in df.columns]
        df.loc[small, cols] = np.nan
        for c in ("significant", "change", "change_id", "assessment", "assessment_id"):
            if c in df.columns:
                df[c] = df[c].astype(object)
                df.loc[small, c] = None
        return df
    if "n" not in df.columns:
        return df
    small = (df["n"] < min_sample).to_numpy()
    cols = [c for c in _VALUE_COLS if c in df.columns]
    df.loc[small, cols] = np.nan
    if "reliability" in df.columns:
        df["reliability"] = df["reliability"].astype(object)
        df.loc[small, "reliability"] = "suppressed"
    return df


def load_section(cache: str | Path, name: str, kab_code: str | None = None, *,
                 min_sample: int = 0) -> pd.DataFrame:
    """Read one prepared section, optionally filtered to a kabupaten/kota.

    Parameters
    ----------
    cache : path
        Folder written by :func:`prepare_year`.
    name : str
        Section name (:data:`SECTIONS`).
    kab_code : str, optional
        Keep rows of this kabupaten/kota (``kab_code`` column, or the first 4 characters of
        ``kec_code``/``desa_code``); ``"17"`` or None keeps everything.
    min_sample : int
        Small-cell rule: estimates from fewer sample units are blanked (NaN), and a change
        whose either year is small (see :func:`_suppress_small`).

    Returns
    -------
    pandas.DataFrame
        Empty (no columns) when the section is missing; see :func:`section_note`.

    Raises
    ------
    ReportError
        No cache in ``cache``, or an unknown section name.

    Examples
    --------
    >>> load_section("derived/2024", "indicators", "1701")  # doctest: +SKIP
    """
    if name not in SECTIONS:
        raise ReportError(f"unknown report section {name!r}; sections: {', '.join(SECTIONS)}")
    info = _index(cache)
    if info["sections"].get(name, {}).get("status") != "ok":
        return pd.DataFrame()
    f = Path(cache) / f"{name}.parquet"
    try:
        key = (str(f.resolve()), name, f.stat().st_mtime_ns)
        if key not in _READ_CACHE:
            if len(_READ_CACHE) > 64:
                _READ_CACHE.clear()
            _READ_CACHE[key] = pd.read_parquet(f)
    except (OSError, ValueError) as exc:  # missing file; pyarrow's ArrowInvalid is a ValueError
        raise ReportError(f"{f}: prepared table of section {name!r} missing or unreadable "
                          f"({str(exc).splitlines()[0] if str(exc) else type(exc).__name__}); "
                          "run tkpk run again to rebuild the cache") from exc
    # a shallow copy is safe under copy-on-write: callers cannot change the cached frame
    df = _suppress_small(_READ_CACHE[key].copy(deep=False), name, cache, min_sample)
    if kab_code is None or str(kab_code) == PROVINCE_CODE:
        return df
    code = str(kab_code)
    for col in ("kab_code", "kec_code", "desa_code", "locus_desa"):
        if col in df.columns:
            return df[df[col].astype(str).str[:4] == code].reset_index(drop=True)
    return df


def options_markdown(info: Mapping[str, Any], min_sample: int) -> str:
    """The line of a report that says which options its numbers were computed with.

    Parameters
    ----------
    info : mapping
        :func:`cache_info` of the entry the report reads.
    min_sample : int
        The report's small-cell rule.

    Returns
    -------
    str
        Markdown (Indonesian); own poverty lines and targets are named by file name.

    Examples
    --------
    >>> options_markdown({"comparison_year": 2023, "target": "poor", "options": {}}, 10)
    'Tahun pembanding: 2023; kelompok sasaran cakupan: penduduk miskin; batas sampel minimum: 10 rumah tangga.'
    """
    opts = info.get("options") or {}
    text = (f"Tahun pembanding: {info.get('comparison_year')}; kelompok sasaran cakupan: "
            f"{TARGET_LABELS.get(str(info.get('target')), info.get('target'))}; batas sampel minimum: "
            f"{min_sample} rumah tangga.")
    own = [f"{label} `{Path(str(opts[key + '_source'])).name}`"
           for key, label in (("poverty_lines", "garis kemiskinan dari tabel sendiri"),
                              ("targets", "target dari tabel sendiri"))
           if opts.get(key)]
    if own:
        text += " " + "; ".join(own).capitalize() + " (bukan tabel referensi)."
    return text


def cache_info(cache: str | Path) -> dict[str, Any]:
    """The index of a cache (year, comparison_year, years, target, sections) and its options.

    ``options`` (from the completion marker of an entry written by :func:`prepare_year`;
    empty for a folder written by :func:`prepare_tables` alone) holds every option the tables
    were prepared with, including the digests and sources of own poverty lines and targets.

    Examples
    --------
    >>> cache_info(prepare_year("data/demo/generated", 2024))["target"]  # doctest: +SKIP
    'poor'
    """
    info = _index(cache)
    try:
        marker = json.loads((Path(cache) / COMPLETE_MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        marker = {}
    info["options"] = marker.get("options", {})
    info["complete"] = bool(marker)
    return info


# --------------------------------------------------------------------------- report tables


HEADLINE = ("p0", "poor_count", "p1", "p2", "p0_extreme", "gini", "bottom40_share", "tpt", "tpak",
            "informal_share", "water_safe", "sanitation_safe", "decent_housing", "aps_13_15",
            "aps_16_18", "jkn_coverage")


def indicator_sheet(cache: str | Path, kab_code: str, year: int, *, min_sample: int = 0,
                    indicators: Sequence[str] = HEADLINE) -> pd.DataFrame:
    """Indicator sheet of one unit: estimate with CI, change vs the comparison year, target status.

    Parameters
    ----------
    cache : path
        Prepared cache.
    kab_code : str
        Kabupaten/kota or ``"17"``.
    year : int
        Report year.
    min_sample : int
        Small-cell rule (see :func:`format_estimates`).
    indicators : sequence of str
        Indicator codes, in display order.

    Returns
    -------
    pandas.DataFrame
        Indikator, Estimasi, SE, "SK 95%", n, Perubahan, Keterangan, Target, Status.

    Examples
    --------
    >>> indicator_sheet("derived/2024", "1701", 2024)  # doctest: +SKIP
    """
    ind = load_section(cache, "indicators")
    cur = ind[(ind["year"] == int(year)) & (ind["kab_code"] == str(kab_code))]
    cur = cur.set_index("indicator").reindex([i for i in indicators if i in set(cur["indicator"])]).reset_index()
    out = format_estimates(cur, min_sample=min_sample)
    cat = _catalogue()
    ch = load_section(cache, "change", min_sample=min_sample)
    if not ch.empty:
        ch = ch[ch["kab_code"] == str(kab_code)].set_index("indicator")
        diffs, notes = [], []
        for code in cur["indicator"]:
            if code not in ch.index:
                diffs.append("\u2013")
                notes.append("")
                continue
            r = ch.loc[code]
            if pd.isna(r["difference"]):  # a year below the small-cell rule
                diffs.append("\u2013")
                notes.append("")
                continue
            u = _unit_of(code, cat)
            diff = r["difference"] * (100 if u == "fraction" else 1)
            sign = "+" if diff > 0 else ""
            diffs.append(sign + fmt_number(diff, _decimals(code, cat) if u in ("fraction", "index") else 0))
            notes.append(str(r.get("assessment_id") if pd.notna(r.get("assessment_id")) else r["change_id"]))
        out["Perubahan"] = diffs
        out["Keterangan"] = notes
    tg = load_section(cache, "targets", min_sample=min_sample)
    if not tg.empty:
        tg = tg[tg["kab_code"] == str(kab_code)].drop_duplicates("indicator").set_index("indicator")
        out["Target"] = [
            f"{_fmt_value(tg.loc[c, 'target'], _unit_of(c, cat))} ({int(tg.loc[c, 'target_year'])})"
            if c in tg.index else "" for c in cur["indicator"]]
        out["Status"] = [("\u2013" if pd.isna(tg.loc[c, "status_id"]) else str(tg.loc[c, "status_id"]))
                         if c in tg.index else "" for c in cur["indicator"]]
    return out


def comparison_table(cache: str | Path, year: int, indicator: str = "p0", *, min_sample: int = 0) -> pd.DataFrame:
    """One indicator for every kabupaten/kota and the province, with the change, for the roll-up.

    Examples
    --------
    >>> comparison_table("derived/2024", 2024, "p0")  # doctest: +SKIP
    """
    ind = load_section(cache, "indicators")
    cur = ind[(ind["year"] == int(year)) & (ind["indicator"] == indicator)].copy()
    cur["_prov"] = cur["kab_code"] == PROVINCE_CODE
    cur = cur.sort_values(["_prov", "estimate"], ascending=[True, False], kind="stable")
    out = format_estimates(cur, min_sample=min_sample, label_col="indicator")
    out.insert(0, "Wilayah", [unit_name(c) for c in cur["kab_code"]])
    out = out.drop(columns="Indikator")
    ch = load_section(cache, "change", min_sample=min_sample)
    if not ch.empty:
        ch = ch[ch["indicator"] == indicator].set_index("kab_code")
        u = _unit_of(indicator, _catalogue())
        mult = 100 if u == "fraction" else 1
        dec = _decimals(indicator, _catalogue())
        out["Perubahan"] = [
            (("+" if ch.loc[c, "difference"] > 0 else "") + fmt_number(ch.loc[c, "difference"] * mult, dec))
            if c in ch.index and pd.notna(ch.loc[c, "difference"]) else "\u2013" for c in cur["kab_code"]]
        out["Keterangan"] = [str(ch.loc[c, "change_id"]) if c in ch.index and pd.notna(ch.loc[c, "difference"])
                             else "" for c in cur["kab_code"]]
    return out


def overview_table(cache: str | Path, year: int, indicators: Sequence[str] = ("p0", "p0_extreme", "tpt", "gini"),
                   *, min_sample: int = 0) -> pd.DataFrame:
    """Several indicators side by side for every kabupaten/kota and the province (with RSE marks).

    Examples
    --------
    >>> overview_table("derived/2024", 2024)  # doctest: +SKIP
    """
    ind = load_section(cache, "indicators")
    cur = ind[ind["year"] == int(year)]
    cat = _catalogue()
    codes = [*sorted(c for c in set(cur["kab_code"]) if c != PROVINCE_CODE), PROVINCE_CODE]
    out = pd.DataFrame({"Wilayah": [unit_name(c) for c in codes]})
    for code in indicators:
        sub = cur[cur["indicator"] == code].set_index("kab_code").reindex(codes)
        sub = sub.assign(indicator=code)
        shown = format_estimates(sub.reset_index(), min_sample=min_sample)["Estimasi"].to_numpy()
        head = str(cat.loc[code, "name_id"]) if code in cat.index else code
        out[head + (" (%)" if _unit_of(code, cat) == "fraction" else "")] = shown
    return out


def disaggregation_table(cache: str | Path, kab_code: str, *, min_sample: int = 0) -> pd.DataFrame:
    """P0 by urban/rural, sex of the head, disability, elderly and quintile, for one unit.

    Examples
    --------
    >>> disaggregation_table("derived/2024", "1701")  # doctest: +SKIP
    """
    dis = load_section(cache, "disaggregation")
    dis = dis[dis["kab_code"] == str(kab_code)].reset_index(drop=True)
    dim_names = {"urban": "Perkotaan/perdesaan", "head_female": "Jenis kelamin kepala rumah tangga",
                 "has_disabled": "Ada anggota penyandang disabilitas", "has_elderly": "Ada anggota lansia",
                 "welfare_quintile": "Kuintil pengeluaran"}
    out = format_estimates(dis, min_sample=min_sample, label_col=None)
    out.insert(0, "Kelompok", [str(g) for g in dis["group_label"]])
    out.insert(0, "Dimensi", [dim_names.get(d, d) for d in dis["dimension"]])
    return out


def quadrant_table(cache: str | Path, year: int, *, min_sample: int = 0) -> pd.DataFrame:
    """Per kabupaten/kota: P0, its change, TPT and Gini (fractions), for the quadrant charts.

    Values from fewer than ``min_sample`` sample units are NaN (not drawn).

    Returns
    -------
    pandas.DataFrame
        kab_code, name, p0, p0_change, tpt, gini; the province row has kab_code "17".

    Examples
    --------
    >>> quadrant_table("derived/2024", 2024)  # doctest: +SKIP
    """
    ind = load_section(cache, "indicators", min_sample=min_sample)
    cur = ind[ind["year"] == int(year)].pivot_table(index="kab_code", columns="indicator", values="estimate",
                                                    dropna=False)
    out = pd.DataFrame({"kab_code": cur.index.astype(str)})
    for c in ("p0", "tpt", "gini"):
        out[c] = cur[c].to_numpy() if c in cur.columns else np.nan
    ch = load_section(cache, "change", min_sample=min_sample)
    if not ch.empty:
        d = ch[ch["indicator"] == "p0"].set_index("kab_code")["difference"]
        out["p0_change"] = out["kab_code"].map(d)
    else:
        out["p0_change"] = np.nan
    out.insert(1, "name", [unit_name(c) for c in out["kab_code"]])
    return out.reset_index(drop=True)


# --------------------------------------------------------------------------- figures


def _subplots(figsize: tuple[float, float], ncols: int = 1, *,
              margins: tuple[float, float, float, float] = (0.7, 0.12, 0.5, 0.12),
              wspace: float = 0.0) -> tuple[Any, Any]:
    """A matplotlib figure through the object API (no pyplot state: safe in kernels and threads).

    The layout is fixed in inches: ``margins`` = (left, right, bottom, top) around the axes and
    ``wspace`` between columns. The figure is marked so :func:`show` saves it without
    ``bbox_inches="tight"``: with ``tight_layout`` plus a tight crop every text was laid out
    three times, which cost more than drawing the chart.
    """
    from matplotlib.figure import Figure

    from tkpk_lib.reporting.maps import FIXED_LAYOUT

    w, h = figsize
    left, right, bottom, top = margins
    fig = Figure(figsize=figsize)
    fig.subplots_adjust(left=left / w, right=1 - right / w, bottom=bottom / h, top=1 - top / h,
                        wspace=wspace * ncols / max(w - left - right - wspace * (ncols - 1), 1e-6))
    axes = fig.subplots(1, ncols)
    setattr(fig, FIXED_LAYOUT, True)
    return fig, axes


def _y_room(ax: Any, tick_size: float, label_size: float) -> float:
    """Inches left of an axes for its y tick labels and y label (measured, not guessed).

    The tick labels are what the axis' own locator and formatter give for the current limits.
    """
    lo, hi = sorted(ax.get_ylim())
    eps = 1e-9 * (hi - lo)
    locs = [v for v in ax.yaxis.get_major_locator()() if lo - eps <= v <= hi + eps]
    labels = ax.yaxis.get_major_formatter().format_ticks(locs)
    ylabel = 1.3 * label_size / 72.0 if ax.get_ylabel() else 0.0
    return _text_width(labels, tick_size) + 0.12 + ylabel + 0.08


def _text_width(texts: Sequence[str], fontsize: float) -> float:
    """Width in inches of the widest of ``texts`` in the default font (for fixed margins)."""
    from matplotlib.backends.backend_agg import RendererAgg
    from matplotlib.font_manager import FontProperties

    if not texts:
        return 0.0
    r = RendererAgg(1, 1, 72)
    fp = FontProperties(size=fontsize)
    return max(r.get_text_width_height_descent(str(t), fp, False)[0] for t in texts) / 72.0


def trend_figure(cache: str | Path, kab_code: str, indicator: str = "p0", *, min_sample: int = 0) -> Any:
    """Matplotlib chart of an indicator over the years with 95% CI bands, unit vs province.

    Years whose estimate is based on fewer than ``min_sample`` sample units are not drawn.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> fig = trend_figure("derived/2024", "1701")  # doctest: +SKIP
    """
    ind = load_section(cache, "indicators", min_sample=min_sample)
    ind = ind[ind["indicator"] == indicator]
    mult = 100 if _unit_of(indicator, _catalogue()) == "fraction" else 1
    fig, ax = _subplots((7, 3.4), margins=(0.75, 0.15, 0.4, 0.12))
    codes = [PROVINCE_CODE] if str(kab_code) == PROVINCE_CODE else [str(kab_code), PROVINCE_CODE]
    for code, color in zip(codes, ("#c0392b", "#2c3e50"), strict=False):
        s = ind[ind["kab_code"] == code].sort_values("year")
        ax.plot(s["year"], s["estimate"] * mult, marker="o", color=color, label=unit_name(code))
        ax.fill_between(s["year"], s["ci_low"] * mult, s["ci_high"] * mult, color=color, alpha=0.15)
    ax.set_xticks(sorted(ind["year"].unique()))
    ax.set_ylabel(("%" if mult == 100 else "") + " " + str(_catalogue().loc[indicator, "name_id"])[:40])
    ax.legend(frameon=False)
    ax.grid(alpha=0.3)
    fig.subplots_adjust(left=_y_room(ax, 10, 10) / 7)
    return fig


def trend_plotly(cache: str | Path, kab_code: str, indicator: str = "p0", *, min_sample: int = 0) -> Any:
    """Interactive plotly version of :func:`trend_figure` (for the HTML report), same small-cell rule.

    Examples
    --------
    >>> trend_plotly("derived/2024", "1701")  # doctest: +SKIP
    """
    import plotly.graph_objects as go

    ind = load_section(cache, "indicators", min_sample=min_sample)
    ind = ind[ind["indicator"] == indicator]
    mult = 100 if _unit_of(indicator, _catalogue()) == "fraction" else 1
    fig = go.Figure()
    codes = [PROVINCE_CODE] if str(kab_code) == PROVINCE_CODE else [str(kab_code), PROVINCE_CODE]
    for code in codes:
        s = ind[ind["kab_code"] == code].sort_values("year")
        fig.add_trace(go.Scatter(
            x=s["year"], y=s["estimate"] * mult, name=unit_name(code), mode="lines+markers",
            error_y={"type": "data", "symmetric": False, "array": (s["ci_high"] - s["estimate"]) * mult,
                     "arrayminus": (s["estimate"] - s["ci_low"]) * mult}))
    fig.update_layout(height=360, margin={"l": 40, "r": 10, "t": 30, "b": 30},
                      yaxis_title=str(_catalogue().loc[indicator, "name_id"]), xaxis={"dtick": 1})
    return fig


def comparison_figure(cache: str | Path, year: int, indicator: str = "p0", highlight: str | None = None, *,
                      min_sample: int = 0) -> Any:
    """Horizontal bars with 95% CI of one indicator for all kabupaten/kota, province as a line.

    A unit whose estimate is based on fewer than ``min_sample`` sample units gets no bar.

    Examples
    --------
    >>> comparison_figure("derived/2024", 2024, "p0", highlight="1701")  # doctest: +SKIP
    """
    ind = load_section(cache, "indicators", min_sample=min_sample)
    cur = ind[(ind["year"] == int(year)) & (ind["indicator"] == indicator)]
    mult = 100 if _unit_of(indicator, _catalogue()) == "fraction" else 1
    kabs = cur[cur["kab_code"] != PROVINCE_CODE].sort_values("estimate", kind="stable")
    prov = cur[cur["kab_code"] == PROVINCE_CODE]
    names = [unit_name(c) for c in kabs["kab_code"]]
    fig, ax = _subplots((7, 3.8), margins=(_text_width(names, 10) + 0.2, 0.2, 0.55, 0.12))
    colors = ["#c0392b" if c == str(highlight) else "#7f8c8d" for c in kabs["kab_code"]]
    y = np.arange(len(kabs))
    ax.barh(y, kabs["estimate"] * mult, color=colors,
            xerr=[(kabs["estimate"] - kabs["ci_low"]) * mult, (kabs["ci_high"] - kabs["estimate"]) * mult],
            error_kw={"elinewidth": 1, "capsize": 2})
    ax.set_yticks(y, names)
    if len(prov):
        ax.axvline(float(prov["estimate"].iloc[0]) * mult, color="#2c3e50", ls="--", label="Provinsi")
        ax.legend(frameon=False, loc="lower right")
    ax.set_xlabel(str(_catalogue().loc[indicator, "name_id"]) + (" (%)" if mult == 100 else ""))
    ax.grid(axis="x", alpha=0.3)
    return fig


def quadrant_figure(cache: str | Path, year: int, highlight: str | None = None,
                    pairs: Sequence[tuple[str, str]] = (("p0_change", "p0"), ("tpt", "p0"), ("gini", "p0")),
                    *, min_sample: int = 0) -> Any:
    """Quadrant charts of the kabupaten/kota: P0 against its change, TPT and Gini.

    Each panel is split at the province values (and at zero change), so a kabupaten in the
    upper-right panel of "P0 vs change" is both poorer than the province and getting worse.

    Parameters
    ----------
    cache : path
        Prepared cache.
    year : int
        Report year.
    highlight : str, optional
        Kabupaten/kota drawn in red.
    pairs : sequence of (x, y)
        Columns of :func:`quadrant_table`: ``p0``, ``p0_change``, ``tpt``, ``gini``.
    min_sample : int
        Small-cell rule: a unit whose value is suppressed is not drawn in that panel.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> quadrant_figure("derived/2024", 2024, highlight="1701")  # doctest: +SKIP
    """
    from matplotlib.transforms import offset_copy

    qt = quadrant_table(cache, year, min_sample=min_sample)
    labels = {"p0": "P0 (%)", "p0_change": "Perubahan P0 (poin persen)", "tpt": "TPT (%)", "gini": "Rasio Gini"}
    mult = {"p0": 100, "p0_change": 100, "tpt": 100, "gini": 1}
    kabs = qt[qt["kab_code"] != PROVINCE_CODE]
    prov = qt[qt["kab_code"] == PROVINCE_CODE]
    # left margin and gaps are set from the measured y tick labels at the end
    fig, axes = _subplots((10, 3.6), ncols=len(pairs), margins=(0.5, 0.3, 0.42, 0.1), wspace=0.55)
    axes = np.atleast_1d(axes)
    names = kabs["name"].astype(str).str.replace("Kabupaten ", "", regex=False).to_numpy()
    colour = np.where(kabs["kab_code"].astype(str).to_numpy() == str(highlight), "#c0392b", "#34495e")
    for ax, (x, y) in zip(axes, pairs, strict=True):
        xv = pd.to_numeric(kabs[x], errors="coerce").to_numpy(dtype=float) * mult.get(x, 1)
        yv = pd.to_numeric(kabs[y], errors="coerce").to_numpy(dtype=float) * mult.get(y, 1)
        ok = np.isfinite(xv) & np.isfinite(yv)
        ax.scatter(xv[ok], yv[ok], c=list(colour[ok]), s=22)  # one collection, one point per unit
        if x == "p0_change":
            ax.axvline(0, color="#999", ls=":", lw=0.8)
        elif len(prov) and pd.notna(prov[x].iloc[0]):
            ax.axvline(float(prov[x].iloc[0]) * mult.get(x, 1), color="#2c3e50", ls="--", lw=0.8)
        if len(prov) and pd.notna(prov[y].iloc[0]):
            ax.axhline(float(prov[y].iloc[0]) * mult.get(y, 1), color="#2c3e50", ls="--", lw=0.8)
        # names beside the points: right of them, left of them in the right third of the panel
        # (the figure is not cropped to its contents, so a name must stay inside the panel)
        x0, x1 = ax.get_xlim()
        right = offset_copy(ax.transData, fig=fig, x=2, y=2, units="points")
        left = offset_copy(ax.transData, fig=fig, x=-2, y=2, units="points")
        for xi, yi, nm, c in zip(xv[ok], yv[ok], names[ok], colour[ok], strict=True):
            flip = x1 > x0 and (xi - x0) / (x1 - x0) > 0.7
            ax.text(xi, yi, nm, fontsize=7, color=c, ha="right" if flip else "left",
                    transform=left if flip else right)
        ax.set_xlabel(labels.get(x, x), fontsize=8)
        ax.set_ylabel(labels.get(y, y), fontsize=8)
        ax.tick_params(labelsize=7)
        ax.grid(alpha=0.2)
    room = max(_y_room(ax, 7, 8) for ax in axes)  # each panel has its own y labels
    width = 10 - room - 0.3 - room * (len(axes) - 1)
    fig.subplots_adjust(left=room / 10, wspace=room * len(axes) / max(width, 1.0))
    return fig


def _png_opaque(fig: Any, dpi: float) -> bytes:
    """PNG of an opaque figure: drawn once by Agg, stored as RGB at zlib level 3.

    ``savefig`` writes RGBA at level 6; dropping the (all-opaque) alpha channel and a lighter
    compression halve the encoding time (~15-25 ms per figure) and give smaller files.
    """
    import io

    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from PIL import Image as PILImage

    old = fig.dpi
    fig.dpi = dpi
    try:
        canvas = FigureCanvasAgg(fig)
        canvas.draw()
        rgb = np.asarray(canvas.buffer_rgba())[..., :3]
    finally:
        fig.dpi = old
    buf = io.BytesIO()
    PILImage.fromarray(rgb).save(buf, format="png", compress_level=3, dpi=(dpi, dpi))
    return buf.getvalue()


def show(fig: Any, dpi: int = 110) -> None:
    """Display a matplotlib figure once as a PNG (works for pyplot and object-API figures).

    The figure is closed afterwards, so the inline backend does not show it a second time.

    Examples
    --------
    >>> show(trend_figure("derived/2024", "1701"))  # doctest: +SKIP
    """
    import io

    from IPython.display import Image, display

    from tkpk_lib.reporting.maps import FIXED_LAYOUT

    if getattr(fig, FIXED_LAYOUT, False) and fig.get_facecolor()[3] == 1:
        png = _png_opaque(fig, dpi)  # laid out in inches by this library: one draw, no crop
    else:  # any other figure: cropped to its contents (a second draw)
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight")
        png = buf.getvalue()
    display(Image(png))
    if getattr(fig.canvas, "manager", None) is not None:  # a pyplot figure: pyplot is imported
        try:
            import matplotlib.pyplot as plt

            plt.close(fig)
        except Exception:  # noqa: BLE001 - closing is only to avoid a duplicate inline image
            pass


def explore_unit(out: Any, cache: str | Path, kab_code: str, year: int, min_sample: int = 0) -> None:
    """Redraw the exploration view of one unit into an ipywidgets ``Output`` (explore notebook).

    Examples
    --------
    >>> explore_unit(out, "derived/2024", "1701", 2024)  # doctest: +SKIP
    """
    from IPython.display import display

    out.clear_output()
    with out:
        display(styled(indicator_sheet(cache, kab_code, year, min_sample=min_sample),
                       f"{unit_name(kab_code)} {year}"))
        show(trend_figure(cache, kab_code, min_sample=min_sample))


def explore_picker(cache: str | Path, kab_code: str, year: int, min_sample: int = 0) -> Any:
    """A kabupaten/kota dropdown that redraws :func:`explore_unit`, or None without ipywidgets.

    Examples
    --------
    >>> explore_picker("derived/2024", "1701", 2024)  # doctest: +SKIP
    """
    try:
        import ipywidgets as w
    except ImportError:
        return None
    codes = sorted(set(load_section(cache, "indicators")["kab_code"].astype(str)))
    pick = w.Dropdown(options=[(unit_name(c), c) for c in codes], value=str(kab_code), description="Wilayah")
    out = w.Output()
    pick.observe(lambda ch: explore_unit(out, cache, ch["new"], year, min_sample), names="value")
    explore_unit(out, cache, str(kab_code), year, min_sample)
    return w.VBox([pick, out])


def styled(df: pd.DataFrame, caption: str | None = None) -> Any:
    """A pandas Styler without the index (for report tables).

    Examples
    --------
    >>> styled(pd.DataFrame({"a": [1]}), "Tabel").caption
    'Tabel'
    """
    # a table id from the content instead of pandas' random one: the same inputs give the same
    # table HTML when a run is repeated (tests/test_pipeline.py::test_rerun_same_run_id_...)
    digest = hashlib.sha1(f"{caption}\x1f{df.to_csv()}".encode()).hexdigest()[:10]
    st = df.style.hide(axis="index").set_uuid(digest)
    if caption:
        st = st.set_caption(caption)
    return st


PROGRAMME_LABELS = {"pkh": "PKH", "bpnt": "Sembako/BPNT", "pbi": "PBI-JKN", "pip": "PIP", "blt_dd": "BLT Dana Desa",
                    "lpg": "Subsidi LPG 3 kg", "listrik": "Subsidi listrik", "kur": "KUR"}
RELIABILITY_ID = {"reliable": "andal", "caution": "hati-hati", "unreliable": "tidak andal", "suppressed": "ditekan"}
TARGET_LABELS = {"poor": "penduduk miskin", "b40": "40% penduduk terbawah",
                 "registry": "rumah tangga desil 1-4 data terpadu"}


def targeting_table(cache: str | Path, kab_code: str, *, min_sample: int = 0) -> pd.DataFrame:
    """Coverage, exclusion error and inclusion error per programme for one unit (formatted).

    Returns
    -------
    pandas.DataFrame
        Program, Cakupan, "Exclusion error", "Inclusion error", "n sasaran" (percent
        strings with RSE marks; small cells suppressed).

    Examples
    --------
    >>> targeting_table("derived/2024", "1701")  # doctest: +SKIP
    """
    t = load_section(cache, "targeting")
    if t.empty:
        return t
    t = t[t["kab_code"].astype(str) == str(kab_code)]
    rows = []
    for prog, g in t.groupby("programme", sort=False):
        g = g.set_index("indicator")
        row = {"Program": PROGRAMME_LABELS.get(str(prog), str(prog))}
        for ind, lab in (("coverage", "Cakupan"), ("exclusion_error", "Exclusion error"),
                         ("inclusion_error", "Inclusion error")):
            if ind not in g.index:
                row[lab] = "\u2013"
                continue
            r = g.loc[ind]
            small = min_sample and r["n"] < min_sample
            row[lab] = "\u2013" if small else fmt_percent(r["estimate"]) + rse_mark(r["rse"])
        row["n sasaran"] = fmt_int(g.loc["coverage", "n"]) if "coverage" in g.index else "\u2013"
        rows.append(row)
    return pd.DataFrame(rows)


def combinations_for(cache: str | Path, kab_code: str, *, min_sample: int = 0) -> pd.DataFrame:
    """Programme combinations of one unit (input of :func:`tkpk_lib.coverage.upset_figure`).

    Combinations seen in fewer than ``min_sample`` sample units are left out.

    Examples
    --------
    >>> combinations_for("derived/2024", "1701")  # doctest: +SKIP
    """
    c = load_section(cache, "combinations")
    if c.empty:
        return c
    c = c[c["kab_code"].astype(str) == str(kab_code)]
    if min_sample:
        c = c[c["n"] >= min_sample]
    return c.drop(columns="kab_code").reset_index(drop=True)


def pocket_table(cache: str | Path, kab_code: str, level: str = "kecamatan", top: int = 10) -> pd.DataFrame:
    """Top poverty pockets of one unit (formatted): rank, name, rate, number, type, drivers.

    Examples
    --------
    >>> pocket_table("derived/2024", "1701", "desa")  # doctest: +SKIP
    """
    pk = load_section(cache, "pockets", kab_code)
    if pk.empty:
        return pk
    pk = pk[pk["level"] == level]
    if str(kab_code) == PROVINCE_CODE:
        pk = pk.sort_values(["rate", "code"], ascending=[False, True], kind="stable").head(top)
    else:
        pk = pk.sort_values(["rank_rate", "code"], kind="stable").head(top)
    return pd.DataFrame({
        "Peringkat": [fmt_int(v) for v in pk["rank_rate"]],
        "Kode": pk["code"].astype(str).to_numpy(),
        "Nama": pk["name"].astype(str).to_numpy(),
        "Tingkat": [fmt_percent(v) + rse_mark(r) if pd.notna(v) else "\u2013"
                    for v, r in zip(pk["rate"], pk["se"] / pk["rate"].where(pk["rate"] > 0), strict=True)],
        "Jumlah": [fmt_int(v) for v in pk["count"]],
        "Jenis kantong": pk["pocket_type"].astype(str).to_numpy(),
        "Penyebab utama": pk["drivers_id"].fillna("").astype(str).to_numpy(),
    })


def pocket_maps(cache: str | Path, data_root: str | Path, kab_code: str) -> list[Any]:
    """Static maps of one unit: kecamatan P0 (SAE, RSE hatching), pocket desa, LISA clusters of desa.

    For the province ("17") a map of the kabupaten/kota P0 comes first.

    Returns an empty list when no boundary files are available.

    Examples
    --------
    >>> pocket_maps("derived/2024", "data/demo/generated", "1701")  # doctest: +SKIP
    """
    from tkpk_lib import canonical
    from tkpk_lib.reporting import maps

    raw = canonical.raw_files(data_root, 0)
    if "boundaries/kecamatan" not in raw or "boundaries/desa" not in raw:
        return []  # no boundary files: no maps (map_note says which file was looked for where)
    if _index(cache)["sections"].get("pockets", {}).get("status") == "error":
        return []  # the pockets failed (a partial report shows why; map_note repeats it)
    # cached in the process: reports of several units in one kernel read them once
    kec = canonical.load_boundaries(data_root, "kecamatan")
    desa = canonical.load_boundaries(data_root, "desa")
    code = str(kab_code)
    if code != PROVINCE_CODE:
        kec = kec[kec["code"].astype(str).str[:4] == code]
        desa = desa[desa["code"].astype(str).str[:4] == code]
    figs = []
    if code == PROVINCE_CODE:
        kab = canonical.load_boundaries(data_root, "kabupaten") if "boundaries/kabupaten" in raw else None
        ind = load_section(cache, "indicators")
        cur = ind[(ind["year"] == int(_index(cache)["year"])) & (ind["indicator"] == "p0")]
        if kab is not None and len(kab) and not cur.empty:
            g = kab.merge(cur[["kab_code", "estimate", "reliability"]], left_on="code", right_on="kab_code",
                          how="left")
            figs.append(maps.choropleth(g, "estimate", reliability="reliability", multiplier=100, k=4,
                                        title="Persentase penduduk miskin (P0) kabupaten/kota",
                                        legend_title="P0 (%)", note="Sumber: Susenas Maret (diolah)."))
    est = load_section(cache, "pockets_kecamatan", kab_code)
    if not est.empty and len(kec):
        g = kec.merge(est[["kec_code", "estimate", "reliability"]], left_on="code", right_on="kec_code", how="left")
        figs.append(maps.choropleth(g, "estimate", reliability="reliability", multiplier=100, fmt="{:,.1f}",
                                    title=f"P0 kecamatan (SAE), {unit_name(code)}", legend_title="P0 (%)",
                                    note="Sumber: Susenas, Podes (diolah); pendugaan area kecil Fay-Herriot."))
    pk = load_section(cache, "pockets", kab_code)
    if not pk.empty and len(desa):
        d = desa.merge(pk.loc[pk["level"] == "desa", ["code", "pocket_type"]], on="code", how="left")
        figs.append(maps.pocket_map(d.rename(columns={"code": "desa_code"}), kec_gdf=kec,
                                    title=f"Kantong kemiskinan (desa), {unit_name(code)}"))
        if "hotspot_cluster" in pk.columns:
            h = pk.loc[pk["level"] == "desa", ["code", "hotspot_cluster"]]
            if h["hotspot_cluster"].notna().any():
                g = desa.merge(h, on="code", how="left")
                figs.append(maps.cluster_map(
                    g, "hotspot_cluster", outline=kec, title=f"Klaster spasial (LISA) desa, {unit_name(code)}",
                    note="Tinggi-Tinggi: desa rawan dikelilingi desa rawan (kantong spasial); uji permutasi, FDR 5%."))
    return figs


def map_note(cache: str | Path, data_root: str | Path) -> str:
    """Why a report has no maps, in the user's terms (shown when :func:`pocket_maps` gives none).

    Names the boundary file that is missing and where it was looked for, or the cause of the
    pockets' failure when the files are there.

    Examples
    --------
    >>> map_note("derived/2024", "data/demo/generated")  # doctest: +SKIP
    '> Peta tidak tersedia: file batas wilayah (desa) tidak ditemukan (dicari di ...).'
    """
    from tkpk_lib import canonical

    info = _index(cache)
    raw = canonical.raw_files(data_root, 0)
    absent = [lv for lv in ("kecamatan", "desa") if f"boundaries/{lv}" not in raw]
    if absent:
        return (f"> Peta tidak tersedia: file batas wilayah ({', '.join(absent)}) tidak ditemukan "
                f"(dicari di {canonical.raw_dir(data_root, 'boundaries')}: .gpkg, .geojson atau .shp).")
    st = info["sections"].get("pockets", {})
    if st.get("status") == "error":
        return f"> Peta tidak tersedia: kantong kemiskinan tidak dapat dihitung ({st['note']})."
    if st.get("status") != "ok":
        return f"> Peta tidak tersedia: kantong kemiskinan tidak tersedia ({st.get('note', '')})."
    return "> Peta tidak tersedia: tidak ada data kantong kemiskinan untuk wilayah ini."


def _subset(frame: pd.DataFrame, kab_code: str) -> pd.DataFrame:
    if frame.empty:
        return frame
    return frame[frame["kab_code"].astype(str) == str(kab_code)].reset_index(drop=True)


def budget_table(cache: str | Path, kab_code: str, table: str = "by_strategy") -> pd.DataFrame:
    """Programme-map budget of one unit by strategy/cluster/fund source/OPD (formatted, Rp).

    Examples
    --------
    >>> budget_table("derived/2024", "1701")  # doctest: +SKIP
    """
    b = _subset(load_section(cache, "budget"), kab_code)
    if b.empty:
        return b
    b = b[b["table"] == table]
    label = {"by_strategy": "strategy_label", "by_cluster": "cluster_label", "by_fund_source": "fund_source",
             "by_opd": "opd"}.get(table, "table")
    return pd.DataFrame({
        "Kelompok": b[label].astype(str).to_numpy(),
        "Jumlah program": [fmt_int(v) for v in b["n_programmes"]],
        "Pagu (Rp)": [fmt_int(v) for v in b["budget"]],
        "Realisasi (Rp)": [fmt_int(v) for v in b["realisation"]],
        "Realisasi (%)": [fmt_percent(v, 1) for v in b["realisation_rate"]],
        "Porsi pagu (%)": [fmt_percent(v, 1) for v in b["budget_share"]],
    })


def convergence_table(cache: str | Path, kab_code: str) -> pd.DataFrame:
    """Share of each strategy's budget reaching the pocket desa of one unit (formatted).

    Examples
    --------
    >>> convergence_table("derived/2024", "1701")  # doctest: +SKIP
    """
    c = _subset(load_section(cache, "convergence"), kab_code)
    if c.empty:
        return c
    c = c[c["table"] == "by_strategy"]
    return pd.DataFrame({
        "Strategi": [str(v) if pd.notna(v) else "Jumlah" for v in c["strategy_label"]],
        "Pagu (Rp)": [fmt_int(v) for v in c["budget"]],
        "Pagu di desa kantong (Rp)": [fmt_int(v) for v in c["budget_priority"]],
        "Porsi di desa kantong (%)": [fmt_percent(v, 1) for v in c["budget_share_priority"]],
        "Lokus di desa kantong": [fmt_int(v) for v in c["n_loci_priority"]],
    })


def complaints_table(cache: str | Path, kab_code: str, table: str = "by_programme") -> pd.DataFrame:
    """Complaints of one unit by programme (or channel/status): number, resolved, days (formatted).

    Examples
    --------
    >>> complaints_table("derived/2024", "1701")  # doctest: +SKIP
    """
    c = _subset(load_section(cache, "complaints"), kab_code)
    if c.empty:
        return c
    c = c[c["table"] == table]
    col = {"by_programme": "programme", "by_channel": "channel", "by_status": "status"}.get(table, "group")
    return pd.DataFrame({
        "Kelompok": [PROGRAMME_LABELS.get(str(v), str(v)) for v in c[col]],
        "Jumlah pengaduan": [fmt_int(v) for v in c["n"]],
        "Selesai": [fmt_int(v) for v in c["n_resolved"]],
        "Selesai (%)": [fmt_percent(v, 1) for v in c["share_resolved"]],
        "Median hari penyelesaian": [fmt_number(v, 1) for v in c["median_days"]],
    })


def followup_table(cache: str | Path, kab_code: str, top: int = 15) -> pd.DataFrame:
    """Desa with the most registry households to follow up (counts only, no personal data).

    Examples
    --------
    >>> followup_table("derived/2024", "1701")  # doctest: +SKIP
    """
    fu = load_section(cache, "registry_followup", kab_code)
    if fu.empty:
        return fu
    names = _region_names()
    g = fu.groupby(["desa_code"], as_index=False, sort=True)["n_households"].sum()
    g = g.sort_values(["n_households", "desa_code"], ascending=[False, True], kind="stable").head(top)
    per = fu.pivot_table(index="desa_code", columns="programme", values="n_households", aggfunc="sum", fill_value=0)
    out = pd.DataFrame({"Kode desa": g["desa_code"].astype(str).to_numpy(),
                        "Desa": [names.get(str(c), str(c)) for c in g["desa_code"]],
                        "Kecamatan": [names.get(str(c)[:6], str(c)[:6]) for c in g["desa_code"]]})
    for prog in per.columns:
        out[PROGRAMME_LABELS.get(str(prog), str(prog))] = [fmt_int(per.loc[c, prog]) for c in g["desa_code"]]
    out["Total"] = [fmt_int(v) for v in g["n_households"]]
    return out


@functools.cache
def _region_names() -> dict[str, str]:
    from tkpk_lib.reference_data import region_names

    return region_names()


def annex_tables(cache: str | Path, kab_code: str, year: int, *, min_sample: int = 0) -> dict[str, pd.DataFrame]:
    """The LP2KD annex tables of one unit in the layout of ``annex_template.csv``.

    ``indikator`` (all indicators of the year with SE, CI, RSE and sample size; cells on fewer
    than ``min_sample`` sample households blanked by :func:`tkpk_lib.excel.suppress_small_cells`),
    ``program`` and ``target`` (programme map), ``kantong`` (pocket desa), ``cakupan`` (registry
    coverage per desa x programme: eligible, covered, to follow up) and ``pengaduan``. Tables
    whose section is missing are left out.

    Returns
    -------
    dict of str -> DataFrame
        In annex order, ready for :func:`tkpk_lib.excel.write_annex`.

    Examples
    --------
    >>> annex_tables("derived/2024", "1701", 2024)  # doctest: +SKIP
    """
    from tkpk_lib.reporting import excel

    code = str(kab_code)
    out: dict[str, pd.DataFrame] = {}
    ind = load_section(cache, "indicators")
    cur = ind[(ind["year"] == int(year)) & ((ind["kab_code"] == code) | (code == PROVINCE_CODE))].copy()
    cat = _catalogue()
    src = {"Susenas": "BPS, Susenas Maret", "Sakernas": "BPS, Sakernas Agustus"}
    cur = cur.assign(
        wilayah=[unit_name(c) for c in cur["kab_code"]],
        indikator=[str(cat.loc[c, "name_id"]) if c in cat.index else str(c) for c in cur["indicator"]],
        satuan=[_unit_of(c, cat) for c in cur["indicator"]],
        sumber=[src.get(str(cat.loc[c, "source_survey"]).split()[0], str(cat.loc[c, "source_survey"]))
                if c in cat.index else "" for c in cur["indicator"]],
    )
    order = {c: i for i, c in enumerate(cat.index)}
    cur["_o"] = cur["indicator"].map(order).fillna(len(order))
    cur["_p"] = cur["kab_code"] == PROVINCE_CODE
    cur = cur.sort_values(["_p", "kab_code", "_o"], kind="stable")
    cols = ["kab_code", "wilayah", "indikator", "satuan", "estimate", "se", "ci_low", "ci_high", "rse", "n",
            "reliability", "sumber"]
    tab = cur[cols].reset_index(drop=True)
    if min_sample:
        tab = excel.suppress_small_cells(tab, "n", min_sample, value_cols=["estimate", "se", "ci_low", "ci_high",
                                                                          "rse"]).drop(columns="suppressed")
    out["indikator"] = tab
    for name, tid in (("annex_program", "program"), ("annex_target", "target")):
        t = load_section(cache, name, None if code == PROVINCE_CODE else code)
        if not t.empty:
            out[tid] = t.drop(columns="kab_code").reset_index(drop=True) if code != PROVINCE_CODE else t
    pk = load_section(cache, "pockets", kab_code)
    if not pk.empty:
        d = pk[(pk["level"] == "desa") & pk["is_pocket"].astype(bool)].sort_values(["kab_code", "rank_rate", "code"],
                                                                                 kind="stable")
        out["kantong"] = pd.DataFrame({
            "peringkat": d["rank_rate"].astype(int).to_numpy(), "kec_code": d["kec_code"].astype(str).to_numpy(),
            "desa_code": d["code"].astype(str).to_numpy(), "desa": d["name"].astype(str).to_numpy(),
            "p0": d["rate"].to_numpy(), "skor_deprivasi": d["score"].to_numpy(),
            **({"klaster_lisa": d["hotspot_cluster"].fillna("").astype(str).to_numpy()}
               if "hotspot_cluster" in d.columns else {}),
            "keluarga_desil_1_4": d["registry_hh"].fillna(0).astype(int).to_numpy(),
            "lokus": d["pocket_type"].astype(str).to_numpy(),
        })
    rd = load_section(cache, "registry_desa", kab_code)
    if not rd.empty:
        rd = rd[rd["eligible"] > 0]
        names = _region_names()
        out["cakupan"] = pd.DataFrame({
            "desa_code": rd["desa_code"].astype(str).to_numpy(),
            "desa": [names.get(str(c), str(c)) for c in rd["desa_code"]],
            "program": [PROGRAMME_LABELS.get(str(p), str(p)) for p in rd["programme"]],
            "sasaran": rd["eligible"].astype(int).to_numpy(), "menerima": rd["covered"].astype(int).to_numpy(),
            "cakupan_pct": (rd["covered"] / rd["eligible"]).to_numpy(),
            "tindak_lanjut": rd["missing"].astype(int).to_numpy(),
        })
    comp = load_section(cache, "annex_complaints", None if code == PROVINCE_CODE else code)
    if not comp.empty:
        comp = comp.assign(program=[PROGRAMME_LABELS.get(str(p), str(p)) for p in comp["program"]])
        out["pengaduan"] = comp.drop(columns="kab_code").reset_index(drop=True) if code != PROVINCE_CODE else comp
    return out


#: Sections behind the LP2KD annex tables (their notes go to the workbook's ``Catatan`` sheet).
ANNEX_SECTIONS = ("indicators", "annex_program", "annex_target", "pockets", "registry_desa", "annex_complaints")


def annex_notes(cache: str | Path, kab_code: str) -> pd.DataFrame:
    """Why annex tables are absent or incomplete, for the workbook's ``Catatan`` sheet.

    One row per annex section that is not computed (``bagian``, ``keterangan``: the missing
    note, or "TIDAK LENGKAP" with every line of the cause) and per input that lacks units.

    Examples
    --------
    >>> annex_notes("derived/2024", "17")  # doctest: +SKIP
    """
    rows = []
    fails = section_failures(cache)
    for name in ANNEX_SECTIONS:
        st = _index(cache)["sections"].get(name, {})
        if name in fails:
            rows.append((SECTIONS[name], "TIDAK LENGKAP, tidak dapat dihitung: " + "; ".join(fails[name])))
        elif st.get("note"):
            rows.append((SECTIONS[name], st["note"]))
    for line in completeness_note(cache, kab_code, ("households", "labour", "villages", "programmes",
                                                    "registry")).split("\n\n"):
        if line:
            rows.append(("kelengkapan data", line.replace("> **Perhatian:** ", "")))
    return pd.DataFrame(rows, columns=["bagian", "keterangan"])


def write_annex_workbook(tables: Mapping[str, pd.DataFrame], output_dir: str | Path | None, kab_code: str,
                         year: int, *, run_id: str = "", min_sample: int = 0,
                         info: Mapping[str, Any] | None = None,
                         cache: str | Path | None = None) -> Path | None:
    """Write the LP2KD annex workbook ``lampiran_lp2kd_<code>_<year>.xlsx`` into ``output_dir``.

    Returns None (nothing written) when ``output_dir`` is empty. With ``info``
    (:func:`cache_info` of the tables) the ``Catatan`` sheet also lists the options the numbers
    were computed with: comparison year, target group, poverty lines and targets (own file or
    reference table).
    With ``cache``, the sheet also lists the annex tables that are absent or incomplete and why
    (:func:`annex_notes`), so the workbook of a partial report says so as its HTML does.

    Examples
    --------
    >>> write_annex_workbook({}, "", "1701", 2024) is None
    True
    """
    if not output_dir:
        return None
    from tkpk_lib.reporting import excel

    out = Path(output_dir)
    out.mkdir(parents=True, exist_ok=True)
    meta: dict[str, Any] = {"wilayah": unit_name(kab_code), "tahun": int(year), "run_id": run_id}
    if info is not None:
        opts = info.get("options") or {}
        meta["Tahun pembanding"] = info.get("comparison_year") or "\u2013"
        meta["Kelompok sasaran cakupan"] = TARGET_LABELS.get(str(info.get("target")), info.get("target"))
        for key, label in (("poverty_lines", "Garis kemiskinan"), ("targets", "Target indikator")):
            meta[label] = (f"tabel sendiri: {Path(str(opts[key + '_source'])).name}" if opts.get(key)
                           else "tabel referensi tkpk_lib")
    meta["min_n"] = min_sample
    notes = annex_notes(cache, kab_code) if cache is not None else None
    return excel.write_annex(tables, out / f"lampiran_lp2kd_{kab_code}_{int(year)}.xlsx", meta=meta,
                             notes=notes if notes is not None and len(notes) else None)


def indicator_name(code: str) -> str:
    """Indonesian catalogue name of an indicator code.

    Examples
    --------
    >>> indicator_name("tpt")
    'Tingkat pengangguran terbuka (TPT)'
    """
    cat = _catalogue()
    return str(cat.loc[code, "name_id"]) if code in cat.index else code


def upset(cache: str | Path, kab_code: str, max_combinations: int = 12, *, min_sample: int = 0) -> Any:
    """UpSet figure of the programme combinations of the target group of one unit, or None.

    Examples
    --------
    >>> upset("derived/2024", "1701")  # doctest: +SKIP
    """
    combos = combinations_for(cache, kab_code, min_sample=min_sample)
    if combos.empty:
        return None
    from tkpk_lib.coverage import upset_figure

    return upset_figure(combos, indicator="number", max_combinations=max_combinations,
                        title=f"Kombinasi program pada rumah tangga sasaran, {unit_name(kab_code)}")


def annex_display(df: pd.DataFrame, table_id: str) -> pd.DataFrame:
    """An annex table with Indonesian headers and number formats (for the HTML/PDF annex).

    Examples
    --------
    >>> annex_display(pd.DataFrame({"pagu": [1.5e9]}), "program").columns.tolist()
    ['Pagu anggaran (Rp)']
    """
    from tkpk_lib.reporting.excel import load_annex_template

    tpl = load_annex_template()
    tpl = tpl[tpl["table_id"] == table_id].set_index("column")
    out = pd.DataFrame(index=df.index)
    for col in df.columns:
        if col not in tpl.index:
            continue
        row = tpl.loc[col]
        fmt = row["format"]
        vals = df[col]
        unit_col = fmt.split(":", 1)[1] if fmt.startswith("by_unit:") else None
        if unit_col:
            text = [_fmt_value(v, u) for v, u in zip(vals, df[unit_col], strict=True)]
        elif fmt.startswith("pct"):
            text = [fmt_percent(v, int(fmt[3:])) for v in vals]
        elif fmt in ("int", "rupiah"):
            text = [fmt_int(v) for v in vals]
        elif fmt.startswith("dec"):
            text = [fmt_number(v, int(fmt[3:])) for v in vals]
        else:
            text = ["" if pd.isna(v) else str(v) for v in vals]
        head = row["header"] + (f" ({row['unit']})" if row["unit"] else "")
        if fmt == "rupiah":
            head = row["header"] + " (Rp)"
        out[head] = text
    if table_id == "indikator" and {"SK 95% batas bawah", "SK 95% batas atas"} <= set(out.columns):
        # narrower for A4: one CI column; code, unit and source stay in the Excel annex
        ci = [f"{lo} \u2013 {hi}" if lo != "\u2013" else "\u2013"
              for lo, hi in zip(out["SK 95% batas bawah"], out["SK 95% batas atas"], strict=True)]
        out = out.drop(columns=[c for c in ("Kode wilayah", "Satuan", "Sumber", "SK 95% batas atas") if c in out])
        out = out.rename(columns={"SK 95% batas bawah": "SK 95%"})
        out["SK 95%"] = ci
        if "Keandalan" in out:
            out["Keandalan"] = out["Keandalan"].map(RELIABILITY_ID).fillna(out["Keandalan"])
    return out.reset_index(drop=True)


def title_markdown(kab_code: str, year: int, what: str = "Evaluasi Tahunan Penanggulangan Kemiskinan") -> str:
    """Report title in Markdown.

    Examples
    --------
    >>> title_markdown("1701", 2024).splitlines()[0]
    '# Evaluasi Tahunan Penanggulangan Kemiskinan'
    """
    return f"# {what}\n\n## {unit_name(kab_code)}, tahun {int(year)}"
