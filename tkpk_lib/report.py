"""Report sections: every table the yearly reports need, computed once per year, plus display helpers.

:func:`prepare_year` (or :func:`prepare_tables` on frames already in memory) computes, for the
whole province in one pass, the indicators of every kabupaten/kota and of the province with
their sampling errors, the series over all available years, the change against a comparison
year, the target comparison, the disaggregations, programme coverage, registry follow-up counts,
poverty pockets and the programme map, and writes each as a Parquet file into a cache folder
(default ``<root>/derived/<year>/``) with a ``sections.json`` index. Report notebooks then only
read and format: :func:`load_section` returns a section filtered to one kabupaten/kota.

A section whose library module is not available (or whose input data are absent) is recorded as
``missing`` with a note in Bahasa Indonesia, never replaced by invented numbers; the notebooks
show that note (:func:`section_note`).

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
import warnings
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from tkpk_lib import paths as tkpk_paths
from tkpk_lib.errors import ReportError

__all__ = [
    "FOOTNOTE_RSE",
    "PROVINCE_CODE",
    "SECTIONS",
    "comparison_figure",
    "ensure_prepared",
    "fmt_int",
    "fmt_number",
    "fmt_percent",
    "format_estimates",
    "indicator_sheet",
    "load_section",
    "prepare_tables",
    "prepare_year",
    "quadrant_figure",
    "quadrant_table",
    "rse_mark",
    "section_note",
    "section_status",
    "trend_figure",
    "trend_plotly",
    "unit_name",
]

PROVINCE_CODE = "17"
WELFARE, LINE, SIZE = "exp_pc", "poverty_line", "hh_size"
CACHE_VERSION = 1

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
    try:
        return importlib.import_module(f"tkpk_lib.{name}")
    except ImportError:
        return None


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


class _Sections:
    """Collects section frames and their status notes."""

    def __init__(self) -> None:
        self.frames: dict[str, pd.DataFrame] = {}
        self.status: dict[str, dict[str, str]] = {}
        self.timings: dict[str, float] = {}
        self._t = time.perf_counter()

    def lap(self, step: str) -> None:
        now = time.perf_counter()
        self.timings[step] = round(now - self._t, 3)
        self._t = now

    def ok(self, name: str, frame: pd.DataFrame) -> None:
        self.frames[name] = frame
        self.status[name] = {"status": "ok", "note": ""}

    def missing(self, name: str, note: str) -> None:
        self.status[name] = {"status": "missing", "note": note}

    def run(self, names: Sequence[str], module: str, fn: Callable[[Any], Mapping[str, pd.DataFrame]]) -> None:
        self.lap("_")
        mod = _module(module)
        if mod is None:
            for n in names:
                self.missing(n, f"bagian ini menunggu modul tkpk_lib.{module}")
            return
        try:
            frames = fn(mod)
        except Exception as exc:  # noqa: BLE001 - recorded and shown in every report, and warned
            msg = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
            warnings.warn(f"section(s) {list(names)} failed: {msg}", stacklevel=2)
            for n in names:
                self.status[n] = {"status": "error", "note": f"bagian ini gagal dihitung ({msg})"}
            return
        for n in names:
            if n in frames and frames[n] is not None:
                self.ok(n, frames[n])
            else:
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
    s = _Sections()

    # ---- indicators over all years, change, targets
    ind = pd.concat([year_indicators(tables_by_year[y], y) for y in years], ignore_index=True)
    ind = ind.sort_values(["year", "kab_code", "indicator"], kind="stable").reset_index(drop=True)
    s.ok("indicators", ind)
    s.lap("indicators")
    from tkpk_lib import trends

    if comparison_year is not None:
        a = ind[ind["year"] == comparison_year]
        b = ind[ind["year"] == year]
        ch = trends.change(a, b, by="kab_code")
        s.ok("change", ch.sort_values(["kab_code", "indicator"], kind="stable").reset_index(drop=True))
    else:
        s.missing("change", "belum ada tahun pembanding: perubahan tidak dapat dihitung")
    tg = trends.compare_targets(ind[ind["year"] <= year], area_col="kab_code")
    s.ok("targets", tg.reset_index(drop=True))
    s.ok("disaggregation", _disaggregation(hh))
    s.lap("change_targets_disaggregation")

    # ---- programme coverage (Susenas)
    def _coverage(cov: Any) -> dict[str, pd.DataFrame]:
        return _coverage_sections(cov, hh, target)

    s.run(["coverage", "targeting", "combinations"], "coverage", _coverage)

    # ---- registry (counts only)
    def _registry(reg_mod: Any) -> dict[str, pd.DataFrame]:
        if registry is None:
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
            return {}
        bnd = boundaries or {}
        res = pk.province_pockets(hh, _design(), vil, registry, kec_gdf=bnd.get("kecamatan"),
                                  desa_gdf=bnd.get("desa"))
        return {"pockets_kecamatan": _plain(res["kecamatan"]), "pockets_desa": _plain(res["scores"]),
                "pockets": _plain(res["pockets"])}

    s.run(["pockets_kecamatan", "pockets_desa", "pockets"], "pockets", _pockets)

    # ---- programme map
    def _programmes(pm: Any) -> dict[str, pd.DataFrame]:
        out: dict[str, pd.DataFrame] = {}
        progs = cur.get("programmes")
        if progs is not None and len(progs):
            keep = ("total", "by_strategy", "by_cluster", "by_fund_source", "by_opd", "by_programme")
            out["budget"] = _per_kab_by(progs, pm.budget_tables, keep)
            pk = s.frames.get("pockets")
            if pk is not None and {"level", "is_pocket", "code"} <= set(pk.columns):
                prio = sorted(pk.loc[(pk["level"] == "desa") & pk["is_pocket"].astype(bool), "code"].astype(str))
                # per kabupaten: its own pocket desa (code prefix); province: all pocket desa
                prio_kab = pd.DataFrame({"kab_code": [c[:4] for c in prio], "desa_code": prio})

                def _convergence(f: pd.DataFrame, by: str | None = None) -> Mapping[str, pd.DataFrame]:
                    if by is not None:
                        return pm.convergence(f, prio_kab, year=year, by=by)
                    one = [c for c in prio if c[:4] == str(f["kab_code"].iloc[0])]
                    return pm.convergence(f, one if f["kab_code"].nunique() == 1 else prio, year=year)

                out["convergence"] = _per_kab_by(progs, _convergence, ("by_strategy", "summary", "desa"))
        comp = cur.get("complaints")
        if comp is not None and len(comp):
            out["complaints"] = _per_kab_by(comp, pm.complaints_summary,
                                            ("overall", "by_channel", "by_programme", "by_status"))
        return out

    s.run(["budget", "convergence", "complaints"], "programmes", _programmes)
    if cur.get("programmes") is not None:
        for name, frame in _programme_annex(cur["programmes"]).items():
            s.ok(name, frame)
    else:
        s.missing("annex_program", "peta program tahun ini tidak tersedia")
        s.missing("annex_target", "peta program tahun ini tidak tersedia")
    if cur.get("complaints") is not None:
        s.ok("annex_complaints", _complaints_annex(cur["complaints"]))
    else:
        s.missing("annex_complaints", "log pengaduan tahun ini tidak tersedia")

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


def _coverage_sections(cov: Any, hh: pd.DataFrame, target: str) -> dict[str, pd.DataFrame]:
    """Adapter to :mod:`tkpk_lib.coverage`: kabupaten rows plus province rows (kab_code "17")."""
    from tkpk_lib.schemas import PROGRAMMES

    d = _design()
    progs = [p for p in PROGRAMMES if f"rcv_{p}" in hh.columns]
    data = cov.add_targets(hh)
    tcol = f"target_{target}"
    if tcol not in data.columns:
        raise ReportError(f"target group {target!r} needs column {tcol} (registry_decile for 'registry')")
    out = {
        "targeting": _both(cov.targeting, data, d, received=progs, target=tcol),
        "coverage": _both(cov.coverage_by_group, data, d, programmes=progs, group="welfare_quintile"),
        "combinations": _both(cov.programme_combinations, data, d, programmes=progs, among=tcol),
    }
    return out


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


def _fingerprint(files: Mapping[str, Path], extra: Sequence[Any]) -> str:
    h = hashlib.sha256()
    for name in sorted(files):
        p = Path(files[name])
        st = p.stat()
        h.update(f"{name}:{st.st_size}:{int(st.st_mtime)};".encode())
    h.update(json.dumps([str(e) for e in extra]).encode())
    return h.hexdigest()[:16]


def _read_poverty_lines(poverty_lines: str | Path | pd.DataFrame | None) -> pd.DataFrame | None:
    if poverty_lines is None or (isinstance(poverty_lines, str) and not poverty_lines.strip()):
        return None
    if isinstance(poverty_lines, pd.DataFrame):
        return poverty_lines
    p = Path(poverty_lines)
    if not p.is_file():
        raise ReportError(f"{p}: poverty-line table not found (columns kab_code, year, poverty_line[, urban])")
    return pd.read_csv(p, dtype={"kab_code": str}) if p.suffix.lower() == ".csv" else pd.read_excel(
        p, dtype={"kab_code": str})


def _read_registry(path: str | Path) -> pd.DataFrame:
    """The canonical registry without its personal-data columns (only counts are computed)."""
    import pyarrow.parquet as pq

    from tkpk_lib.schemas import REGISTRY

    pii = set(REGISTRY.pii_columns)
    return pd.read_parquet(path, columns=[c for c in pq.read_schema(path).names if c not in pii])


def prepare_year(
    root: str | Path,
    year: int,
    comparison_year: int | None = None,
    target: str = "poor",
    cache_dir: str | Path | None = None,
    *,
    poverty_lines: str | Path | pd.DataFrame | None = None,
    force: bool = False,
) -> Path:
    """Compute every report section of ``year`` for the whole province, once, into a cache folder.

    Reads the canonical tables of every available year (building them from the raw files if
    needed), the registry (without its personal-data columns: only counts are computed) and
    the boundaries of the data root, then calls :func:`prepare_tables`. When the cache already
    holds the same inputs (sizes and times of the raw files, the canonical tables and the
    library's own modules and reference tables; years, target, poverty lines) it is reused
    unless ``force``.

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
        Default ``derived/<year>`` under :func:`tkpk_lib.paths.cache_root` (the data root, or
        ``$TKPK_CACHE_DIR``; the canonical tables go under the same cache root).
    poverty_lines : path or DataFrame, optional
        Own poverty-line table (kab_code, year, poverty_line[, urban]) replacing the lines of
        the canonical tables; ``None``/``""`` = the reference table used when building them.
    force : bool
        Recompute even when the cache is up to date.

    Returns
    -------
    pathlib.Path
        The cache folder.

    Examples
    --------
    >>> cache = prepare_year("data/demo/generated", 2024)  # doctest: +SKIP
    >>> load_section(cache, "indicators", "1701").head()  # doctest: +SKIP
    """
    from tkpk_lib import canonical

    root = Path(root)
    years = canonical.available_years(root)
    if int(year) not in years:
        raise ReportError(f"{root}: year {year} has no Susenas data; years available: {years or 'none'}")
    cache = Path(cache_dir) if cache_dir else tkpk_paths.derived_dir(root, year)
    lines = _read_poverty_lines(poverty_lines)
    used = [y for y in years if y <= year or y == comparison_year]
    canon = {y: canonical.build_canonical(root, y) for y in used}  # reused when up to date
    files: dict[str, Path] = {}
    for y in years:
        files.update({f"raw/{y}/{k}": v for k, v in canonical.raw_files(root, y).items()})
    for y, paths in canon.items():
        files.update({f"canonical/{y}/{k}": v for k, v in paths.items()})
    # the library itself: a changed estimator or reference table must not reuse old numbers
    lib = Path(__file__).resolve().parent
    files.update({f"lib/{p.relative_to(lib)}": p for p in sorted(lib.glob("*.py")) + sorted(lib.glob("reference/*"))
                  if p.is_file()})
    key = _fingerprint(files, [CACHE_VERSION, years, year, comparison_year, target,
                               None if lines is None else pd.util.hash_pandas_object(lines).sum()])
    if not force and (cache / "sections.json").is_file():
        try:
            if json.loads((cache / "sections.json").read_text(encoding="utf-8")).get("key") == key:
                return cache
        except (OSError, ValueError):
            pass
    tables: dict[int, dict[str, pd.DataFrame]] = {}
    registry = None
    for y in used:
        paths = canon[y]
        t = {k: pd.read_parquet(v) for k, v in paths.items() if k != "registry"}
        if lines is not None:
            t["households"] = _apply_poverty_lines(t["households"], lines, y)
        tables[y] = t
        if y == year and "registry" in paths:
            registry = _read_registry(paths["registry"])
    bnd: dict[str, Any] = {}
    for level in ("kecamatan", "desa"):
        try:
            bnd[level] = canonical.load_boundaries(root, level)
        except Exception:  # noqa: BLE001 - boundaries are optional (hot spots only)
            pass
    source = "" if lines is None else (str(poverty_lines) if not isinstance(poverty_lines, pd.DataFrame)
                                       else "DataFrame")
    return prepare_tables(tables, int(year), cache, comparison_year=comparison_year, target=target,
                          registry=registry, boundaries=bnd, key=key, poverty_lines=source)


def ensure_prepared(
    data_root: str | Path,
    year: int,
    comparison_year: int | None = None,
    target: str = "poor",
    cache_dir: str | Path | None = None,
    poverty_lines: str | Path | None = None,
) -> Path:
    """The cache folder for a notebook: reuse it when it exists, else :func:`prepare_year`.

    Report runs prepare the cache once before the notebooks start; a notebook opened on its
    own computes it here. ``comparison_year`` 0 or None means the default. With
    ``poverty_lines`` the cache is reused only if it was computed with the same lines.

    Examples
    --------
    >>> cache = ensure_prepared("data/demo/generated", 2024)  # doctest: +SKIP
    """
    cache = Path(cache_dir) if cache_dir else tkpk_paths.derived_dir(data_root, year)
    idx = cache / "sections.json"
    if idx.is_file():
        info = json.loads(idx.read_text(encoding="utf-8"))
        same = (info.get("year") == int(year) and info.get("target") == target
                and (not comparison_year or info.get("comparison_year") == int(comparison_year))
                and info.get("poverty_lines", "") == str(poverty_lines or ""))
        if same:
            return cache
    return prepare_year(data_root, year, comparison_year or None, target, cache,
                        poverty_lines=poverty_lines or None)


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
    return json.loads(idx.read_text(encoding="utf-8"))


def section_note(cache: str | Path, name: str) -> str:
    """Markdown note for a section that is not available, or ``""`` when it is.

    Examples
    --------
    >>> section_note("derived/2024", "budget")  # doctest: +SKIP
    '> **Bagian belum tersedia** (peta program ...): bagian ini menunggu modul tkpk_lib.programmes'
    """
    st = _index(cache)["sections"].get(name)
    if st is None:
        return f"> **Bagian belum tersedia** ({name}): tidak dikenal."
    if st["status"] == "ok":
        return ""
    return f"> **Bagian belum tersedia** ({SECTIONS.get(name, name)}): {st['note']}."


def load_section(cache: str | Path, name: str, kab_code: str | None = None) -> pd.DataFrame:
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
    key = (str(f.resolve()), name, f.stat().st_mtime_ns)
    if key not in _READ_CACHE:
        if len(_READ_CACHE) > 64:
            _READ_CACHE.clear()
        _READ_CACHE[key] = pd.read_parquet(f)
    # a shallow copy is safe under copy-on-write: callers cannot change the cached frame
    df = _READ_CACHE[key].copy(deep=False)
    if kab_code is None or str(kab_code) == PROVINCE_CODE:
        return df
    code = str(kab_code)
    for col in ("kab_code", "kec_code", "desa_code", "locus_desa"):
        if col in df.columns:
            return df[df[col].astype(str).str[:4] == code].reset_index(drop=True)
    return df


def cache_info(cache: str | Path) -> dict[str, Any]:
    """The ``sections.json`` index of a cache (year, comparison_year, years, target, sections)."""
    return _index(cache)


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
    ch = load_section(cache, "change")
    if not ch.empty:
        ch = ch[ch["kab_code"] == str(kab_code)].set_index("indicator")
        diffs, notes = [], []
        for code in cur["indicator"]:
            if code not in ch.index:
                diffs.append("\u2013")
                notes.append("")
                continue
            r = ch.loc[code]
            u = _unit_of(code, cat)
            diff = r["difference"] * (100 if u == "fraction" else 1)
            sign = "+" if diff > 0 else ""
            diffs.append(sign + fmt_number(diff, _decimals(code, cat) if u in ("fraction", "index") else 0))
            notes.append(str(r.get("assessment_id") if pd.notna(r.get("assessment_id")) else r["change_id"]))
        out["Perubahan"] = diffs
        out["Keterangan"] = notes
    tg = load_section(cache, "targets")
    if not tg.empty:
        tg = tg[tg["kab_code"] == str(kab_code)].drop_duplicates("indicator").set_index("indicator")
        out["Target"] = [
            f"{_fmt_value(tg.loc[c, 'target'], _unit_of(c, cat))} ({int(tg.loc[c, 'target_year'])})"
            if c in tg.index else "" for c in cur["indicator"]]
        out["Status"] = [str(tg.loc[c, "status_id"]) if c in tg.index else "" for c in cur["indicator"]]
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
    ch = load_section(cache, "change")
    if not ch.empty:
        ch = ch[ch["indicator"] == indicator].set_index("kab_code")
        u = _unit_of(indicator, _catalogue())
        mult = 100 if u == "fraction" else 1
        dec = _decimals(indicator, _catalogue())
        out["Perubahan"] = [
            (("+" if ch.loc[c, "difference"] > 0 else "") + fmt_number(ch.loc[c, "difference"] * mult, dec))
            if c in ch.index else "\u2013" for c in cur["kab_code"]]
        out["Keterangan"] = [str(ch.loc[c, "change_id"]) if c in ch.index else "" for c in cur["kab_code"]]
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


def quadrant_table(cache: str | Path, year: int) -> pd.DataFrame:
    """Per kabupaten/kota: P0, its change, TPT and Gini (fractions), for the quadrant charts.

    Returns
    -------
    pandas.DataFrame
        kab_code, name, p0, p0_change, tpt, gini; the province row has kab_code "17".

    Examples
    --------
    >>> quadrant_table("derived/2024", 2024)  # doctest: +SKIP
    """
    ind = load_section(cache, "indicators")
    cur = ind[ind["year"] == int(year)].pivot_table(index="kab_code", columns="indicator", values="estimate")
    out = pd.DataFrame({"kab_code": cur.index.astype(str)})
    for c in ("p0", "tpt", "gini"):
        out[c] = cur[c].to_numpy() if c in cur.columns else np.nan
    ch = load_section(cache, "change")
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

    from tkpk_lib.maps import FIXED_LAYOUT

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


def trend_figure(cache: str | Path, kab_code: str, indicator: str = "p0") -> Any:
    """Matplotlib chart of an indicator over the years with 95% CI bands, unit vs province.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> fig = trend_figure("derived/2024", "1701")  # doctest: +SKIP
    """
    ind = load_section(cache, "indicators")
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


def trend_plotly(cache: str | Path, kab_code: str, indicator: str = "p0") -> Any:
    """Interactive plotly version of :func:`trend_figure` (for the HTML report).

    Examples
    --------
    >>> trend_plotly("derived/2024", "1701")  # doctest: +SKIP
    """
    import plotly.graph_objects as go

    ind = load_section(cache, "indicators")
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


def comparison_figure(cache: str | Path, year: int, indicator: str = "p0", highlight: str | None = None) -> Any:
    """Horizontal bars with 95% CI of one indicator for all kabupaten/kota, province as a line.

    Examples
    --------
    >>> comparison_figure("derived/2024", 2024, "p0", highlight="1701")  # doctest: +SKIP
    """
    ind = load_section(cache, "indicators")
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
                    pairs: Sequence[tuple[str, str]] = (("p0_change", "p0"), ("tpt", "p0"), ("gini", "p0"))) -> Any:
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

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> quadrant_figure("derived/2024", 2024, highlight="1701")  # doctest: +SKIP
    """
    from matplotlib.transforms import offset_copy

    qt = quadrant_table(cache, year)
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

    from tkpk_lib.maps import FIXED_LAYOUT

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
        show(trend_figure(cache, kab_code))


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


def combinations_for(cache: str | Path, kab_code: str) -> pd.DataFrame:
    """Programme combinations of one unit (input of :func:`tkpk_lib.coverage.upset_figure`).

    Examples
    --------
    >>> combinations_for("derived/2024", "1701")  # doctest: +SKIP
    """
    c = load_section(cache, "combinations")
    if c.empty:
        return c
    return c[c["kab_code"].astype(str) == str(kab_code)].drop(columns="kab_code").reset_index(drop=True)


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
    from tkpk_lib import canonical, maps

    try:  # cached in the process: reports of several units in one kernel read them once
        kec = canonical.load_boundaries(data_root, "kecamatan")
        desa = canonical.load_boundaries(data_root, "desa")
    except Exception:  # noqa: BLE001 - no boundaries: no maps (the notebook says so)
        return []
    code = str(kab_code)
    if code != PROVINCE_CODE:
        kec = kec[kec["code"].astype(str).str[:4] == code]
        desa = desa[desa["code"].astype(str).str[:4] == code]
    figs = []
    if code == PROVINCE_CODE:
        try:
            kab = canonical.load_boundaries(data_root, "kabupaten")
        except Exception:  # noqa: BLE001 - map left out when the file is missing
            kab = None
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
    from tkpk_lib import excel

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


def write_annex_workbook(tables: Mapping[str, pd.DataFrame], output_dir: str | Path | None, kab_code: str,
                         year: int, *, run_id: str = "", min_sample: int = 0) -> Path | None:
    """Write the LP2KD annex workbook ``lampiran_lp2kd_<code>_<year>.xlsx`` into ``output_dir``.

    Returns None (nothing written) when ``output_dir`` is empty.

    Examples
    --------
    >>> write_annex_workbook({}, "", "1701", 2024) is None
    True
    """
    if not output_dir:
        return None
    from tkpk_lib import excel

    out = Path(output_dir)
    out.mkdir(parents=True, exist_ok=True)
    meta = {"wilayah": unit_name(kab_code), "tahun": int(year), "run_id": run_id, "min_n": min_sample}
    return excel.write_annex(tables, out / f"lampiran_lp2kd_{kab_code}_{int(year)}.xlsx", meta=meta)


def indicator_name(code: str) -> str:
    """Indonesian catalogue name of an indicator code.

    Examples
    --------
    >>> indicator_name("tpt")
    'Tingkat pengangguran terbuka (TPT)'
    """
    cat = _catalogue()
    return str(cat.loc[code, "name_id"]) if code in cat.index else code


def upset(cache: str | Path, kab_code: str, max_combinations: int = 12) -> Any:
    """UpSet figure of the programme combinations of the target group of one unit, or None.

    Examples
    --------
    >>> upset("derived/2024", "1701")  # doctest: +SKIP
    """
    combos = combinations_for(cache, kab_code)
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
    from tkpk_lib.excel import load_annex_template

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
