"""The computations behind the report sections.

Indicators of a year, disaggregation, coverage, programme and complaint annexes, and
stacking per-kabupaten results with the province.

Pure functions of canonical frames; :mod:`tkpk_lib.reporting.sections` runs them one section at
a time and records what failed.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from tkpk_lib.data.region import province_code
from tkpk_lib.errors import ReportError
from tkpk_lib.reporting.labels import (
    LINE,
    PROGRAMME_LABELS,
    SIZE,
    WELFARE,
)


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


def _design() -> Any:
    from tkpk_lib.estimation.design import SurveyDesign

    return SurveyDesign("weight", "stratum", "psu", single_psu="center")


def _both(func: Callable[..., pd.DataFrame], df: pd.DataFrame, design: Any, **kw: Any) -> pd.DataFrame:
    """Estimate by kabupaten and for the province (kab_code "17") in one frame."""
    by_kab = func(df, design, by="kab_code", **kw)
    prov = func(df, design, **kw)
    prov.insert(1 if "indicator" in prov.columns else 0, "kab_code", province_code())
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
    from tkpk_lib.analysis import indicators as ind

    d = _design()
    hh = tables["households"]
    parts = [
        # p0, p1, p2 (one core call) and poor_count; rows are sorted below
        _both(ind.poverty_indicators, hh, d, welfare=WELFARE, line=LINE, size=SIZE),
        # Korn-Graubard intervals for shares near 0 or 1 (issue 15): a normal interval can leave
        # [0, 1] and a logit one is [0, 0] when no sampled household has the characteristic
        _both(ind.extreme_poverty, hh, d, welfare=WELFARE, year=int(year), size=SIZE, ci="beta"),
        _both(ind.gini, hh, d, welfare=WELFARE, size=SIZE),
        _both(ind.bottom40_share, hh, d, welfare=WELFARE, size=SIZE),
        _both(ind.service_indicators, hh, d, level_of="households", ci="beta"),
    ]
    if tables.get("persons") is not None:
        parts.append(_both(ind.service_indicators, tables["persons"], d, level_of="persons", ci="beta"))
    if tables.get("labour") is not None:
        parts.append(_both(ind.labour_indicators, tables["labour"], d))
    out = pd.concat(parts, ignore_index=True)
    out.insert(0, "year", int(year))
    out["kab_code"] = out["kab_code"].astype(str)
    return _with_cases(out, hh, year)


def _with_cases(out: pd.DataFrame, hh: pd.DataFrame, year: int, dims: Sequence[str] = ()) -> pd.DataFrame:
    """Set ``n_cases`` to the sample poor / extreme-poor households behind a poverty figure.

    A proportion on fewer than MIN_CASES cases is "unreliable" whatever its RSE.
    """
    from tkpk_lib.analysis.disaggregation import sample_cases
    from tkpk_lib.estimation.results import MIN_CASES

    keys = ["kab_code", "indicator", *(["dimension", "group"] if dims else [])]
    cases = sample_cases(hh, year, welfare=WELFARE, line=LINE, dims=dims)
    # the sample poor households where they are counted here; the estimators' own count elsewhere
    merged = out.merge(cases.rename(columns={"n_cases": "_cases"}), on=keys, how="left")
    own = merged.pop("n_cases") if "n_cases" in merged.columns else pd.Series(float("nan"), index=merged.index)
    merged["n_cases"] = merged.pop("_cases").fillna(own)
    few = (merged["n_cases"] < MIN_CASES).to_numpy()
    if "reliability" in merged.columns:
        merged.loc[few, "reliability"] = "unreliable"
    return merged


def _disaggregation(hh: pd.DataFrame) -> pd.DataFrame:
    from tkpk_lib.analysis import indicators as ind

    d = _design()
    dims = [c for c in ("urban", "head_female", "has_disabled", "has_elderly") if c in hh.columns]
    # no welfare quintile: P0 is 0 in quintiles 2-5 by construction (the poor are the bottom of the same
    # expenditure distribution), a tautology on the page
    kw = {"welfare": WELFARE, "line": LINE, "size": SIZE}
    by_kab = ind.disaggregate(ind.fgt, hh, d, dims=dims, by="kab_code", **kw)
    prov = ind.disaggregate(ind.fgt, hh, d, dims=dims, **kw)
    prov["kab_code"] = province_code()
    out = pd.concat([by_kab, prov], ignore_index=True)
    out = out[out["dimension"] != "total"].reset_index(drop=True)
    if "year" not in hh.columns or hh.empty:
        return out
    return _with_cases(out, hh, int(hh["year"].iloc[0]), dims=dims)


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
                where, pos = province_code(), np.full(len(t), len(codes))
            cols_of[(src, name)] = ["kab_code", "table", *t.columns]
            t.insert(0, "table", name)
            t.insert(0, "kab_code", where.to_numpy() if src == "kab" else where)
            pieces.append(t.assign(_k=pos, _n=n_pos, _r=np.arange(len(t))))
    if not pieces:
        return pd.DataFrame()
    order: dict[str, None] = {}  # column order: first appearance, kabupaten-major
    for code in [*codes, province_code()]:
        for name in keep:
            src = "prov" if code == province_code() else "kab"
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
    """Adapter to :mod:`tkpk_lib.analysis.coverage`: kabupaten rows plus province rows (kab_code "17").

    ``memo`` keeps the households with their target columns between calls for single sections.
    """
    from tkpk_lib.data.schemas import PROGRAMMES

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
        "targeting": lambda: _applicable(_both(cov.targeting, data, d, received=progs, target=tcol)),
        "coverage": lambda: _applicable(_both(cov.coverage_by_group, data, d, programmes=progs,
                                              group="welfare_quintile")),
        "combinations": lambda: _both(cov.programme_combinations, data, d, programmes=progs, among=tcol),
        "targeting_own": lambda: _targeting_own(cov, data, d, memo),
        "targeting_groups": lambda: _targeting_own(cov, data, d, memo, TARGETING_GROUPS),
    }
    return {n: make[n]() for n in names}


#: Household groups of guideline 3.2.4.e (sex of the head, vulnerable groups) for targeting by group.
TARGETING_GROUPS: tuple[str, ...] = ("head_female", "has_elderly", "has_disabled", "has_school_child")


def _applicable(out: pd.DataFrame) -> pd.DataFrame:
    """Rows of programmes that apply in their unit (no BLT Dana Desa rows for a kota without desa)."""
    from tkpk_lib.analysis.programme_catalogue import applies_to_unit

    out["kab_code"] = out["kab_code"].astype(str)
    pairs = pd.MultiIndex.from_arrays([out["programme"].astype(str), out["kab_code"]])
    ok = {pk: applies_to_unit(*pk) for pk in pairs.unique()}
    return out[[ok[pk] for pk in pairs]].reset_index(drop=True)


def _targeting_own(cov: Any, data: pd.DataFrame, d: Any, memo: dict[str, Any],
                   groups: Sequence[str] = ()) -> pd.DataFrame:
    """Targeting of each programme against its own catalogue target group, kabupaten rows and province.

    With ``groups``: one block per household group column (``dimension``, ``group`` 0/1).
    Rows of a programme that does not apply in a unit (BLT Dana Desa in a kota without desa)
    are dropped: there it is not a gap.
    """
    from tkpk_lib.analysis.programme_catalogue import survey_targets

    if "own" not in memo:
        own = survey_targets(data)
        if "n_children_7_18" in own.columns:
            own["has_school_child"] = (pd.to_numeric(own["n_children_7_18"], errors="coerce") > 0).astype("int8")
        memo["own"] = own
    own = memo["own"]
    if not groups:
        out = _both(cov.targeting_own, own, d)
    else:
        parts = []
        for g in (c for c in groups if c in own.columns):
            frame = own.assign(group=pd.to_numeric(own[g], errors="coerce").astype("int64"))
            by_kab = cov.targeting_own(frame, d, by=["kab_code", "group"])
            prov = cov.targeting_own(frame, d, by="group")
            prov.insert(0, "kab_code", province_code())
            parts.append(pd.concat([by_kab, prov], ignore_index=True).assign(dimension=g))
        out = pd.concat(parts, ignore_index=True)
    return _applicable(out)


def _programme_annex(progs: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Programme-map aggregates in the LP2KD annex layout (plain sums of the map, per kabupaten)."""
    from tkpk_lib.analysis.programme_catalogue import (
        CLUSTER_LABELS,
        FUND_SOURCE_LABELS,
        STRATEGY_LABELS,
        guideline_clusters,
    )

    progs = guideline_clusters(progs)  # three clusters of guideline 1.1 (a map's cluster 4 is Klaster 2)
    # the optional relationship columns (guideline 3.2.1.b.5) when the map has them: empty = not declared
    rel = {c: h for c, h in (("relationship", "hubungan"), ("central_programme", "program_pusat"),
                             ("partner", "mitra")) if c in progs.columns}
    progs = progs.assign(**{c: progs[c].astype("string").fillna("") for c in rel})
    g = progs.groupby(["kab_code", "strategy", "cluster", "programme", "opd", "fund_source", *rel], as_index=False,
                      sort=True)[["budget", "realisation"]].sum()
    prog = pd.DataFrame({
        "kab_code": g["kab_code"].astype(str),
        "strategi": g["strategy"].map(STRATEGY_LABELS).astype(str),
        "klaster": g["cluster"].map(CLUSTER_LABELS).astype(str),
        "program": g["programme"].astype(str), "opd": g["opd"].astype(str),
        "sumber_dana": g["fund_source"].map(FUND_SOURCE_LABELS).fillna(g["fund_source"]).astype(str),
        **{h: g[c].astype(str).map(lambda v: PROGRAMME_LABELS.get(v, v)) if c == "central_programme"
           else g[c].astype(str) for c, h in rel.items()},
        "pagu": g["budget"].astype(float),
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
    """Complaints per kabupaten x programme x channel: number, resolved, median days to resolve.

    The median, as in the report's complaint tables (:func:`tkpk_lib.analysis.programmes.complaints_summary`):
    days from receipt to resolution of the resolved complaints.
    """
    c = comp.copy()
    c["selesai"] = (c["status"].astype(str) == "selesai").astype(int)
    days = (pd.to_datetime(c["date_resolved"]) - pd.to_datetime(c["date_received"])).dt.days
    c["hari"] = days.where(c["selesai"] == 1)
    g = c.groupby(["kab_code", "programme", "channel"], as_index=False, sort=True).agg(
        jumlah=("complaint_id", "size"), selesai=("selesai", "sum"), hari_median=("hari", "median"))
    g = g.rename(columns={"programme": "program", "channel": "kanal"})
    g["selesai_pct"] = g["selesai"] / g["jumlah"]
    g["kab_code"] = g["kab_code"].astype(str)
    return g[["kab_code", "program", "kanal", "jumlah", "selesai", "selesai_pct", "hari_median"]]


def survey_registry_section(hh: pd.DataFrame, registry: pd.DataFrame) -> pd.DataFrame:
    """Survey estimate of recipient households against the registry's count, per programme and kabupaten.

    The Susenas total of households receiving each programme (with its 95% CI,
    :func:`tkpk_lib.analysis.coverage.programme_receipt`) next to the number of registry households
    flagged as recipients (:func:`tkpk_lib.analysis.registry.registry_coverage`), compared by
    :func:`tkpk_lib.analysis.registry.compare_survey_registry`; the province has kab_code "17".

    Parameters
    ----------
    hh : pandas.DataFrame
        Canonical ``households`` table (Susenas) of the year.
    registry : pandas.DataFrame
        Canonical registry without personal data (``row_no``, ``kab_code``, ``decile``, ``rcv_*``).

    Returns
    -------
    pandas.DataFrame
        ``kab_code, programme, survey_estimate, se, ci_low, ci_high, registry, difference, z,
        agreement, disagree, reliability, n``; programmes present in both sources.

    Examples
    --------
    >>> hh = pd.DataFrame({"kab_code": "1701", "weight": [100.0, 100.0, 200.0], "stratum": 1,
    ...     "psu": [1, 2, 3], "rcv_pkh": [1, 0, 1]})
    >>> reg = pd.DataFrame({"row_no": [1, 2], "kab_code": "1701", "decile": [1, 5], "rcv_pkh": [1, 1]})
    >>> survey_registry_section(hh, reg)[["kab_code", "survey_estimate", "registry"]].values.tolist()
    [['17', 300.0, 2], ['1701', 300.0, 2]]
    """
    from tkpk_lib.analysis import coverage, registry_summary
    from tkpk_lib.data.schemas import PROGRAMMES

    progs = [p for p in PROGRAMMES if f"rcv_{p}" in hh.columns and f"rcv_{p}" in registry.columns]
    sv = _both(coverage.programme_receipt, hh, _design(), programmes=progs)
    rg = registry_summary.registry_coverage(registry, by="kab_code", programmes=progs)
    # one scan of the registry: the province's counts are the sums of the kabupaten's
    rg_prov = rg.groupby("programme", as_index=False, sort=False)["recipients"].sum()
    rg_prov.insert(0, "kab_code", province_code())
    rg = pd.concat([rg[["kab_code", "programme", "recipients"]].assign(kab_code=rg["kab_code"].astype(str)),
                    rg_prov], ignore_index=True)
    sv = sv.assign(kab_code=sv["kab_code"].astype(str))
    return registry_summary.compare_survey_registry(sv, rg, by="kab_code", registry_value="recipients",
                                                    indicator="number")


def overlap_section(hh: pd.DataFrame) -> pd.DataFrame:
    """Programme overlap matrix (Susenas, households) per kabupaten and for the province ("17").

    :func:`tkpk_lib.analysis.coverage.overlap_matrix` over all households, rows of the indicator
    ``share_b_given_a`` (the share of recipients of programme a who also receive b; diagonal 1).

    Examples
    --------
    >>> hh = pd.DataFrame({"kab_code": "1701", "weight": 1.0, "stratum": 1, "psu": [1, 2, 3, 4],
    ...     "rcv_pkh": [1, 1, 0, 0], "rcv_bpnt": [1, 0, 1, 0]})
    >>> o = overlap_section(hh)
    >>> o.query("kab_code == '1701' and programme_a == 'pkh' and programme_b == 'bpnt'")["estimate"].item()
    0.5
    """
    from tkpk_lib.analysis import coverage
    from tkpk_lib.data.schemas import PROGRAMMES

    progs = [p for p in PROGRAMMES if f"rcv_{p}" in hh.columns]
    out = _both(coverage.overlap_matrix, hh, _design(), programmes=progs)
    out = out[out["indicator"] == "share_b_given_a"].reset_index(drop=True)
    return out.assign(kab_code=out["kab_code"].astype(str))


def package_section(registry: pd.DataFrame) -> pd.DataFrame:
    """The complementary package (guideline 3.2.1.a.1.a) per kecamatan, kabupaten/kota and the province.

    One scan of the registry by kecamatan (:func:`tkpk_lib.analysis.registry_package.complementary_package`);
    the kabupaten/kota rows and the province row (``kab_code`` the province code) are sums of it
    (:func:`~tkpk_lib.analysis.registry_package.rollup_package`). Package programmes without a
    receipt column in the registry are left out of the package.

    Parameters
    ----------
    registry : pandas.DataFrame
        Canonical registry without personal data (``row_no``, region codes, ``decile``,
        member counts, ``rcv_*``).

    Returns
    -------
    pandas.DataFrame
        ``level`` ("kecamatan", "kabupaten", "provinsi"), ``kab_code``, ``kec_code`` (None above
        the kecamatan) and the columns of ``complementary_package``.

    Examples
    --------
    >>> reg = pd.DataFrame({"row_no": [1, 2], "kab_code": "1701", "kec_code": "170101",
    ...     "desa_code": "1701012001", "decile": [1, 3], "n_children_7_18": 0,
    ...     "rcv_pbi": [1, 1], "rcv_lpg": [1, 0]})
    >>> p = package_section(reg)
    >>> p[["level", "kab_code", "eligible", "full", "partial"]].values.tolist()
    [['kecamatan', '1701', 2, 1, 1], ['kabupaten', '1701', 2, 1, 1], ['provinsi', '17', 2, 1, 1]]
    """
    from tkpk_lib.analysis import registry_package as rp
    from tkpk_lib.data.schemas import COMPLEMENTARY_PACKAGE

    package = [p for p in COMPLEMENTARY_PACKAGE if f"rcv_{p}" in registry.columns]
    kec = rp.complementary_package(registry, by=("kab_code", "kec_code"), package=package)
    kec[["kab_code", "kec_code"]] = kec[["kab_code", "kec_code"]].astype(str)
    kab = rp.rollup_package(kec, by=("kab_code",))
    prov = rp.rollup_package(kec, by=None)
    prov.insert(0, "kab_code", province_code())
    out = pd.concat([kec.assign(level="kecamatan"), kab.assign(level="kabupaten", kec_code=None),
                     prov.assign(level="provinsi", kec_code=None)], ignore_index=True)
    return out[["level", "kab_code", "kec_code", *(c for c in kec.columns if c not in ("kab_code", "kec_code"))]]


def action_plan_section(ap: Any, plan: pd.DataFrame | None, year: int,
                        error: BaseException | None = None) -> dict[str, pd.DataFrame]:
    """The ``action_plan`` section: last year's plan (rencana tindak lanjut) followed up.

    Parameters
    ----------
    ap : module
        :mod:`tkpk_lib.analysis.action_plan`.
    plan : DataFrame or None
        Filled plans of ``year - 1`` (None: no unit sent one; every unit is then listed without).
    year : int
        Report year.
    error : exception, optional
        Why the plan files could not be read: the section fails with it, naming file, column, rows.

    Examples
    --------
    >>> from tkpk_lib.analysis import action_plan
    >>> t = action_plan_section(action_plan, None, 2024)["action_plan"]
    >>> sorted(set(t["table"])), bool(t["has_plan"].any())
    (['counts'], False)
    """
    if error is not None:
        raise error
    return {"action_plan": ap.follow_up(plan, year)}
