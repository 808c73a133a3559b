"""The provincial harmonisation board: kabupaten/kota side by side for the TKPK provinsi meeting.

Guideline section 2.1.1.g asks the provincial TKPK to harmonise the kabupaten/kota plans. The
board puts every unit of the region reference in one frame:

* :func:`unit_board` - each unit's estimate, its difference from the province (with the
  covariance of a unit with the province it is part of), its change since the comparison year
  and its status against its own target; "belum dapat disimpulkan" where the interval cannot
  decide.
* :func:`plan_consistency` - the kabupaten/kota targets against the province target
  (population-weighted, with the implied number of poor) and each target against the unit's
  recent pace.
* :func:`money_vs_need` - budget per poor person and per pocket desa by unit (and by strategy
  or fund source).
* :func:`cross_border_pockets` - clusters of hot-spot villages whose members lie in two or
  more kabupaten/kota.
* :func:`completeness_board` - which inputs each unit has for the year.

Pure functions of the cached section frames (``indicators``, ``change``, ``targets``,
``budget``, ``pockets``) so that they run once in the prepared cache.

Length: about 635 lines, a little over the ~600 guide, because the five parts of the board share
the unit list, the significance rule and the assembling of one stacked section; splitting them
would put the board's one rule (a verdict only where the interval decides) in two places.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from tkpk_lib.data.region import province_code

#: Indicators shown on the board by default (those of the RPJMD poverty chapter).
BOARD_INDICATORS: tuple[str, ...] = ("p0", "p1", "p2", "p0_extreme", "tpt", "sanitation_safe", "jkn_coverage")
#: Indicators that are not population means: the province value is not a weighted mean of the
#: units' (the province Gini includes inequality between units), so no test against it.
NOT_MEANS: tuple[str, ...] = ("gini", "bottom40_share")
NOT_COMPARED = "tidak dibandingkan (bukan rata-rata penduduk)"
UNDECIDED = "belum dapat disimpulkan"
LESS_AMBITIOUS = "kurang ambisius dari tren"
UNREACHABLE = "tidak terjangkau pada laju terbaik"
Z95 = 1.959963984540054


def _directions() -> dict[str, str]:
    from tkpk_lib.analysis.catalogue import indicator_catalogue

    cat = indicator_catalogue()
    return dict(zip(cat["code"], cat["direction"], strict=True))


def _unit_codes(codes: Sequence[str] | None) -> list[str]:
    if codes is not None:
        return [str(c) for c in codes]
    from tkpk_lib.data.reference_data import regions

    return sorted(regions("kabupaten")["code"].astype(str))


def _versus_province(diff: np.ndarray, se: np.ndarray, lower_better: np.ndarray,
                     no_case: np.ndarray | None = None) -> list[str]:
    """Words of the test; ``no_case``: unit SE 0 and its CI contains the province (undecided)."""
    sig = np.abs(diff) > Z95 * se
    if no_case is not None:
        sig = sig & ~no_case
    out = []
    for d, s, lb in zip(diff, sig, lower_better, strict=True):
        if not np.isfinite(d) or not s:
            out.append(UNDECIDED if np.isfinite(d) else "data tidak tersedia")
        else:
            worse = (d > 0) == bool(lb)
            out.append("lebih buruk dari provinsi" if worse else "lebih baik dari provinsi")
    return out


def unit_board(
    indicators: pd.DataFrame,
    year: int,
    *,
    change: pd.DataFrame | None = None,
    targets: pd.DataFrame | None = None,
    indicator_codes: Sequence[str] = BOARD_INDICATORS,
    codes: Sequence[str] | None = None,
    directions: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Kabupaten/kota x indicator matrix: estimate, difference from province, change, own target.

    The difference ``d = unit - province`` has ``var(d) = var_u + var_p - 2 w var_u`` where
    ``w`` is the unit's share of the province population (``n_weighted``): the province
    estimate is the population-weighted mean of independent unit samples, so its covariance
    with a unit is ``w var_u``. It is significant at 5% when ``|d| > 1.96 se(d)``. A unit
    whose SE is 0 (no sampled case) is undecided while its own interval contains the province
    value. Indicators that are not population means (:data:`NOT_MEANS`, e.g. the Gini ratio)
    are shown but not tested ("tidak dibandingkan").

    Parameters
    ----------
    indicators : pandas.DataFrame
        Section ``indicators`` (year, indicator, kab_code, estimate, se, ci_low, ci_high,
        n_weighted).
    year : int
        Report year.
    change : pandas.DataFrame, optional
        Section ``change`` (indicator, kab_code, difference, significant, assessment_id).
    targets : pandas.DataFrame, optional
        Section ``targets`` (indicator, kab_code, target_year, target, status_id).
    indicator_codes : sequence of str
        Indicators on the board (those absent from ``indicators`` are left out).
    codes : sequence of str, optional
        Kabupaten/kota codes (default the region reference); every one gets its rows.
    directions : mapping, optional
        ``indicator -> lower_better/higher_better`` (default the catalogue).

    Returns
    -------
    pandas.DataFrame
        One row per unit x indicator: ``kab_code, indicator, estimate, se, ci_low, ci_high``
        (``n`` and ``reliability`` when ``indicators`` has them), ``province, diff_province, diff_se, vs_province`` (lebih buruk/lebih baik dari provinsi,
        belum dapat disimpulkan, data tidak tersedia), ``change, change_id`` (membaik,
        memburuk, tidak berbeda nyata; "tidak ada tahun pembanding"), ``target_year, target,
        target_status`` ("tidak ada target" when the unit has none) and ``target_kind`` (own,
        official or illustrative, when ``targets`` says).

    Examples
    --------
    >>> ind = pd.DataFrame({"year": 2024, "indicator": "p0", "kab_code": ["1701", "17"],
    ...     "estimate": [0.20, 0.14], "se": [0.02, 0.01], "ci_low": 0.0, "ci_high": 1.0,
    ...     "n_weighted": [250.0, 1000.0]})
    >>> b = unit_board(ind, 2024, indicator_codes=["p0"], codes=["1701"],
    ...                directions={"p0": "lower_better"})
    >>> round(float(b["diff_se"].iloc[0]), 5), b["vs_province"].iloc[0]
    (0.01732, 'lebih buruk dari provinsi')
    """
    dirs = dict(_directions()) if directions is None else dict(directions)
    units = _unit_codes(codes)
    cur = indicators[(indicators["year"].astype(int) == int(year))
                     & indicators["indicator"].isin(list(indicator_codes))].copy()
    cur["kab_code"] = cur["kab_code"].astype(str)
    present = [c for c in indicator_codes if c in set(cur["indicator"])]
    grid = pd.MultiIndex.from_product([units, present], names=["kab_code", "indicator"]).to_frame(index=False)
    cols = ["kab_code", "indicator", "estimate", "se", "ci_low", "ci_high", "n_weighted"]
    cols += [c for c in ("n", "reliability") if c in cur.columns]
    out = grid.merge(cur[cols], on=["kab_code", "indicator"], how="left")
    prov = cur[cur["kab_code"] == province_code()].set_index("indicator")
    out["province"] = out["indicator"].map(prov["estimate"]).astype(float)
    se_p = out["indicator"].map(prov["se"]).astype(float).to_numpy()
    w = (out["n_weighted"] / out["indicator"].map(prov["n_weighted"])).astype(float).to_numpy()
    se_u = out["se"].astype(float).to_numpy()
    out["diff_province"] = out["estimate"].astype(float) - out["province"]
    out["diff_se"] = np.sqrt(np.clip(se_u**2 + se_p**2 - 2 * w * se_u**2, 0.0, None))
    lower = np.array([dirs.get(i, "lower_better") == "lower_better" for i in out["indicator"]], dtype=bool)
    # a unit with SE 0 (no sampled case, e.g. extreme poverty 0%) has an exact interval (Korn-Graubard):
    # the normal test would call any difference significant, so its interval decides instead
    prov_est = out["province"].to_numpy(float)
    no_case = (se_u == 0) & (out["ci_low"].to_numpy(float) <= prov_est) & (prov_est <= out["ci_high"].to_numpy(float))
    out["vs_province"] = _versus_province(out["diff_province"].to_numpy(float), out["diff_se"].to_numpy(), lower,
                                          no_case)
    not_mean = out["indicator"].isin(NOT_MEANS) & out["estimate"].notna()
    out.loc[not_mean, "vs_province"] = NOT_COMPARED
    if change is not None and len(change):
        ch = change[["indicator", "kab_code", "difference", "assessment_id"]].rename(
            columns={"difference": "change", "assessment_id": "change_id"})
        ch = ch.assign(kab_code=ch["kab_code"].astype(str))
        out = out.merge(ch, on=["kab_code", "indicator"], how="left")
        out["change_id"] = out["change_id"].where(out["change"].notna(), "data tidak tersedia")
    else:
        out["change"] = np.nan
        out["change_id"] = "tidak ada tahun pembanding"
    if targets is not None and len(targets):
        kind = ["target_status"] if "target_status" in targets.columns else []  # own / official / illustrative
        tg = targets[["indicator", "kab_code", "target_year", "target", "status_id", *kind]].rename(
            columns={"target_status": "target_kind", "status_id": "target_status"})
        out = out.merge(tg.assign(kab_code=tg["kab_code"].astype(str)), on=["kab_code", "indicator"], how="left")
    else:
        out["target_year"], out["target"], out["target_status"] = np.nan, np.nan, None
    out["target_status"] = out["target_status"].fillna("tidak ada target")
    return out.drop(columns=["n_weighted"])


def _trend(series: pd.DataFrame, t_year: int | None) -> tuple[float, float, float]:
    """OLS slope per year of the estimates, and their trend line's value in ``t_year`` with its SE.

    The line's value is ``sum(w_i e_i)`` with ``w_i = 1/n + c_i (t_year - mean year)`` and
    ``c_i = (x_i - mean) / Sxx``; the estimates are independent samples, so its variance is
    ``sum(w_i^2 se_i^2)`` (NaN without ``se``).
    """
    s = series.sort_values("year")
    if len(s) < 2 or t_year is None:
        return np.nan, np.nan, np.nan
    x, e = s["year"].to_numpy(float), s["estimate"].to_numpy(float)
    se = s["se"].to_numpy(float) if "se" in s.columns else np.full(len(s), np.nan)
    c = (x - x.mean()) / float(((x - x.mean()) ** 2).sum())
    w = 1.0 / len(s) + c * (float(t_year) - x.mean())
    return float(c @ e), float(w @ e), float(np.sqrt(np.sum(w**2 * se**2)))


def _pace_verdict(target: float, projection: float, projection_se: float) -> str:
    """Target against the 95% CI of the trend line's projection (lower-is-better rate)."""
    if np.isnan(target):
        return "tidak ada target"
    if not (np.isfinite(projection) and np.isfinite(projection_se)):
        return UNDECIDED
    if target > projection + Z95 * projection_se:
        return LESS_AMBITIOUS
    if target < projection - Z95 * projection_se:
        return UNREACHABLE
    return UNDECIDED


def plan_consistency(
    indicators: pd.DataFrame,
    targets: pd.DataFrame,
    year: int,
    *,
    indicator: str = "p0",
    window: int = 5,
    codes: Sequence[str] | None = None,
) -> dict[str, pd.DataFrame]:
    """Check that the kabupaten/kota targets add up to the province target and are realistic.

    For a lower-is-better rate (P0): the province target year ``T`` is the last target year of
    the province at or after ``year``. Each unit with a target for ``T`` contributes its
    population (``n_weighted`` of ``year``) times its target: the implied number of poor; their
    sum over the population of those units is the population-weighted target of the
    kabupaten/kota, set against the province target. Each unit's target (and the province's) is
    set against the projection to ``T`` of its recent trend: the OLS line through the estimates
    of the last ``window`` years, with the 95% CI that the estimates' sampling errors give it.
    "kurang ambisius dari tren" when the target lies above the whole interval (even the
    slowest pace the data allow reaches it), "tidak terjangkau pada laju terbaik" when it lies
    below the whole interval (even the fastest pace the data allow misses it), otherwise
    "belum dapat disimpulkan". The needed pace ``(target - estimate) / (T - year)`` is shown
    beside the trend.

    Parameters
    ----------
    indicators : pandas.DataFrame
        Section ``indicators`` (all years; ``se`` for the projection interval).
    targets : pandas.DataFrame
        Target table (indicator, kab_code, year, target).
    year : int
        Report year.
    indicator : str, default "p0"
        A lower-is-better rate indicator.
    window : int, default 5
        Years of the recent trend.
    codes : sequence of str, optional
        Kabupaten/kota codes (default the region reference).

    Returns
    -------
    dict of DataFrame
        ``units`` (kab_code, population, estimate, target_year, target, implied_poor,
        needed_pace, trend_pace, projection, projection_low, projection_high, verdict) for
        every unit, then the province, and ``summary`` (one row: target_year, province_target,
        weighted_unit_target, province_implied_poor, units_implied_poor,
        population_share_with_target, n_units_with_target).

    Examples
    --------
    >>> ind = pd.DataFrame({"year": [2023, 2024, 2024, 2024], "indicator": "p0",
    ...     "kab_code": ["1701", "1701", "1702", "17"], "estimate": [0.22, 0.20, 0.10, 0.14],
    ...     "se": 0.002, "n_weighted": [100.0, 100.0, 300.0, 400.0]})
    >>> tg = pd.DataFrame({"indicator": "p0", "kab_code": ["17", "1701", "1702"],
    ...     "year": 2026, "target": [0.12, 0.19, 0.09]})
    >>> r = plan_consistency(ind, tg, 2024, codes=["1701", "1702"])
    >>> round(float(r["summary"]["weighted_unit_target"].iloc[0]), 4)
    0.115
    >>> r["units"]["verdict"].iloc[0]
    'kurang ambisius dari tren'
    """
    units = _unit_codes(codes)
    prov = province_code()
    ind = indicators[indicators["indicator"] == indicator].assign(kab_code=lambda f: f["kab_code"].astype(str))
    tg = targets[targets["indicator"] == indicator].assign(kab_code=lambda f: f["kab_code"].astype(str))
    tg = tg.assign(year=tg["year"].astype(int))
    prov_years = sorted(tg.loc[tg["kab_code"] == prov, "year"])
    later = [y for y in prov_years if y >= int(year)]
    t_year = later[-1] if later else (prov_years[-1] if prov_years else None)
    cur = ind[ind["year"].astype(int) == int(year)].set_index("kab_code")
    rows = []
    for k in [*units, prov]:
        t = tg[(tg["kab_code"] == k) & (tg["year"] == t_year)]
        pop = float(cur["n_weighted"].get(k, np.nan))
        est = float(cur["estimate"].get(k, np.nan))
        recent = ind[(ind["kab_code"] == k) & ind["year"].astype(int).between(int(year) - window + 1, int(year))]
        slope, proj, proj_se = _trend(recent, t_year)
        target = float(t["target"].iloc[0]) if len(t) else np.nan
        years_left = (t_year - int(year)) if t_year is not None else np.nan
        needed = (target - est) / years_left if years_left and years_left > 0 else np.nan
        rows.append({"kab_code": k, "population": pop, "estimate": est, "target_year": t_year,
                     "target": target, "implied_poor": pop * target, "needed_pace": needed,
                     "trend_pace": slope, "projection": proj, "projection_low": proj - Z95 * proj_se,
                     "projection_high": proj + Z95 * proj_se, "verdict": _pace_verdict(target, proj, proj_se)})
    u_all = pd.DataFrame(rows)
    u = u_all[u_all["kab_code"] != prov]
    has = u["target"].notna()
    prov_t = tg[(tg["kab_code"] == prov) & (tg["year"] == t_year)]["target"]
    prov_pop = float(cur["n_weighted"].get(prov, np.nan))
    p_target = float(prov_t.iloc[0]) if len(prov_t) else np.nan
    pop_with = float(u.loc[has, "population"].sum())
    summary = pd.DataFrame([{
        "target_year": t_year, "province_target": p_target,
        "weighted_unit_target": float(u.loc[has, "implied_poor"].sum()) / pop_with if pop_with else np.nan,
        "province_implied_poor": prov_pop * p_target,
        "units_implied_poor": float(u.loc[has, "implied_poor"].sum()) if has.any() else np.nan,
        "population_share_with_target": pop_with / float(u["population"].sum()),
        "n_units_with_target": int(has.sum()),
    }])
    return {"units": u_all, "summary": summary}


def money_vs_need(
    budget: pd.DataFrame,
    indicators: pd.DataFrame,
    year: int,
    *,
    pockets: pd.DataFrame | None = None,
    by: str | None = None,
    codes: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Budget per poor person and per pocket desa, by kabupaten/kota (and strategy or fund source).

    The number of poor is the survey estimate ``poor_count`` with its interval, so the budget
    per poor person is given as a range too (budget / ci_high .. budget / ci_low). A unit has
    "kebutuhan tinggi, anggaran rendah" when its P0 is significantly above the province
    (tested as in :func:`unit_board`) while the whole range of its budget per poor person is
    below the province's; when the intervals cannot tell, that half of the verdict is
    "belum dapat disimpulkan".

    Parameters
    ----------
    budget : pandas.DataFrame
        Section ``budget`` (kab_code, table, budget[, strategy, strategy_label, fund_source]).
    indicators : pandas.DataFrame
        Section ``indicators`` (``poor_count`` and ``p0`` of ``year``).
    year : int
        Report year.
    pockets : pandas.DataFrame, optional
        Section ``pockets`` (level, kab_code, is_pocket): pocket desa per unit.
    by : {None, "strategy", "fund_source"}
        Split the budget by this column (table ``by_<by>``); ``None`` = the unit total.
    codes : sequence of str, optional
        Kabupaten/kota codes (default the region reference); every one gets a row.

    Returns
    -------
    pandas.DataFrame
        ``kab_code[, by], budget, poor, poor_low, poor_high, per_poor, per_poor_low,
        per_poor_high, pocket_desa, per_pocket_desa`` and, without ``by``, ``need`` (P0 tested
        against the province: tinggi/rendah/belum dapat disimpulkan), ``money`` (budget per
        poor person range against the province's: rendah/tinggi/belum dapat disimpulkan) and
        ``need_vs_money`` (e.g. "kebutuhan tinggi, anggaran rendah"). A unit absent from the
        programme map has budget NaN ("data tidak tersedia"), never zero.

    Examples
    --------
    >>> bud = pd.DataFrame({"kab_code": ["1701", "1702", "17"], "table": "total",
    ...     "budget": [2.0e9, 1.0e9, 3.0e9]})
    >>> ind = pd.DataFrame({"year": 2024, "indicator": ["poor_count"] * 3 + ["p0"] * 3,
    ...     "kab_code": ["1701", "1702", "17"] * 2,
    ...     "estimate": [1000.0, 2000.0, 3000.0, 0.25, 0.10, 0.1375],
    ...     "ci_low": [800.0, 1600.0, 2700.0, 0.21, 0.06, 0.11],
    ...     "ci_high": [1250.0, 2500.0, 3300.0, 0.29, 0.14, 0.17],
    ...     "se": [100.0, 200.0, 150.0, 0.02, 0.02, 0.015],
    ...     "n_weighted": [250.0, 750.0, 1000.0] * 2})
    >>> r = money_vs_need(bud, ind, 2024, codes=["1701", "1702"])
    >>> r["per_poor"].tolist()
    [2000000.0, 500000.0, 1000000.0]
    >>> r["need_vs_money"].tolist()
    ['kebutuhan tinggi; anggaran tinggi', 'anggaran rendah', '']
    """
    units = _unit_codes(codes)
    table = "total" if by is None else f"by_{by}"
    b = budget[budget["table"] == table].assign(kab_code=lambda f: f["kab_code"].astype(str))
    keys = ["kab_code"] if by is None else ["kab_code", by]
    b = b.groupby(keys, as_index=False, dropna=False)["budget"].sum()
    base = pd.DataFrame({"kab_code": [*units, province_code()]})
    # a unit absent from the programme map has no budget figure (NaN), not a budget of zero
    out = base.merge(b, on="kab_code", how="left")
    cur = indicators[indicators["year"].astype(int) == int(year)].assign(kab_code=lambda f: f["kab_code"].astype(str))
    pc = cur[cur["indicator"] == "poor_count"].set_index("kab_code")
    out["poor"] = out["kab_code"].map(pc["estimate"]).astype(float)
    out["poor_low"] = out["kab_code"].map(pc["ci_low"]).astype(float).clip(lower=0.0)
    out["poor_high"] = out["kab_code"].map(pc["ci_high"]).astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        out["per_poor"] = out["budget"] / out["poor"]
        out["per_poor_low"] = out["budget"] / out["poor_high"]
        out["per_poor_high"] = np.where(out["poor_low"] > 0, out["budget"] / out["poor_low"], np.inf)
    if pockets is not None and len(pockets):
        pk = pockets[(pockets["level"] == "desa") & pockets["is_pocket"].astype(bool)]
        n = pk.groupby(pk["kab_code"].astype(str)).size()
        n[province_code()] = int(n.sum())
        out["pocket_desa"] = out["kab_code"].map(n).fillna(0).astype(int)
        with np.errstate(divide="ignore", invalid="ignore"):
            out["per_pocket_desa"] = np.where(out["pocket_desa"] > 0, out["budget"] / out["pocket_desa"], np.nan)
    if by is None:
        out["need"], out["money"], out["need_vs_money"] = _need_verdict(out, cur)
    return out


def _need_verdict(out: pd.DataFrame, cur: pd.DataFrame) -> tuple[list[str], list[str], list[str]]:
    """Need (P0 against the province, tested as in :func:`unit_board`), money and the combination."""
    if not {"p0", "poor_count"} <= set(cur["indicator"]) or not {"se", "n_weighted"} <= set(cur.columns):
        blank = ["" if k == province_code() else "data tidak tersedia" for k in out["kab_code"]]
        return blank, blank, blank
    board = unit_board(cur, int(cur["year"].iloc[0]), indicator_codes=["p0"],
                       codes=[k for k in out["kab_code"] if k != province_code()],
                       directions={"p0": "lower_better"}).set_index("kab_code")
    prov = out[out["kab_code"] == province_code()].iloc[0]
    need_words = {"lebih buruk dari provinsi": "tinggi", "lebih baik dari provinsi": "rendah"}
    need, money, both = [], [], []
    for _, r in out.iterrows():
        k = r["kab_code"]
        if k == province_code():
            need.append(""), money.append(""), both.append("")
            continue
        n = need_words.get(board["vs_province"].get(k, ""), UNDECIDED) if k in board.index else "data tidak tersedia"
        if np.isnan(r["budget"]) or np.isnan(r["per_poor"]):
            m = "data tidak tersedia"
        elif r["per_poor_high"] < prov["per_poor"]:
            m = "rendah"
        elif r["per_poor_low"] > prov["per_poor"]:
            m = "tinggi"
        else:
            m = UNDECIDED
        need.append(n), money.append(m)
        if n == "tinggi" and m == "rendah":
            both.append("kebutuhan tinggi, anggaran rendah")
        elif m == "rendah":
            both.append("anggaran rendah" + ("" if n == "rendah" else f"; kebutuhan {n}"))
        elif "data tidak tersedia" in (n, m):
            both.append("data tidak tersedia")
        else:
            both.append(f"kebutuhan {n}; anggaran {m}")
    return need, money, both


def cross_border_pockets(
    desa: Any,
    *,
    code_col: str = "code",
    kab_col: str = "kab_code",
    flag_col: str = "hot",
    name_col: str | None = "name",
) -> pd.DataFrame:
    """Clusters of flagged desa (hot-spot pockets) that touch across kabupaten/kota borders.

    Flagged desa sharing a border (queen contiguity: polygons that touch or overlap) form one
    cluster (connected components); a cluster is cross-border when its desa lie in two or
    more kabupaten/kota. No single kabupaten can address such a pocket alone.

    Parameters
    ----------
    desa : geopandas.GeoDataFrame
        Desa polygons with ``code_col``, ``kab_col`` and a boolean ``flag_col``.
    code_col, kab_col, flag_col, name_col : str
        Column names (``name_col`` optional).

    Returns
    -------
    pandas.DataFrame
        One row per cross-border cluster: ``cluster`` (1, 2, ... by size), ``n_desa``,
        ``kab_codes`` (sorted, comma-separated), ``desa_per_unit`` ("1701 (2), 1705 (1)"),
        ``desa_codes`` and ``desa_names``.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import box
    >>> g = gpd.GeoDataFrame({"code": ["a", "b", "c"], "kab_code": ["1701", "1702", "1702"],
    ...     "hot": [True, True, True], "name": ["A", "B", "C"]},
    ...     geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1), box(5, 5, 6, 6)])
    >>> cross_border_pockets(g)[["n_desa", "kab_codes"]].values.tolist()
    [[2, '1701, 1702']]
    """
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    hot = desa[desa[flag_col].astype(bool)].reset_index(drop=True)
    cols = ["cluster", "n_desa", "kab_codes", "desa_per_unit", "desa_codes", "desa_names"]
    if len(hot) < 2:
        return pd.DataFrame(columns=cols)
    left, right = hot.sindex.query(hot.geometry, predicate="intersects")
    n = len(hot)
    graph = coo_matrix((np.ones(len(left)), (left, right)), shape=(n, n))
    _, label = connected_components(graph, directed=False)
    rows = []
    for lab in np.unique(label):
        part = hot[label == lab]
        kabs = sorted(set(part[kab_col].astype(str)))
        if len(kabs) < 2:
            continue
        names = part[name_col].astype(str).tolist() if name_col and name_col in part.columns else []
        per_unit = part[kab_col].astype(str).value_counts()
        rows.append({"n_desa": len(part), "kab_codes": ", ".join(kabs),
                     "desa_per_unit": ", ".join(f"{k} ({int(per_unit[k])})" for k in kabs),
                     "desa_codes": ", ".join(part[code_col].astype(str)), "desa_names": ", ".join(names)})
    out = pd.DataFrame(rows, columns=cols[1:])
    out = out.sort_values(["n_desa", "kab_codes"], ascending=[False, True], kind="stable").reset_index(drop=True)
    out.insert(0, "cluster", np.arange(1, len(out) + 1))
    return out


def completeness_board(completeness: Mapping[str, Mapping[str, Any]], codes: Sequence[str] | None = None) -> pd.DataFrame:
    """Which inputs each kabupaten/kota has for the year: "ada" or "tidak ada", and a count.

    Parameters
    ----------
    completeness : mapping
        ``sections.json["completeness"]``: ``{input: {"label", "missing": [codes], ...}}``.
    codes : sequence of str, optional
        Kabupaten/kota codes (default the region reference).

    Returns
    -------
    pandas.DataFrame
        ``kab_code``, one column per input (its label) and ``n_missing``.

    Examples
    --------
    >>> c = {"programmes": {"label": "peta program", "missing": ["1702"]}}
    >>> completeness_board(c, ["1701", "1702"]).values.tolist()
    [['1701', 'ada', 0], ['1702', 'tidak ada', 1]]
    """
    units = _unit_codes(codes)
    out = pd.DataFrame({"kab_code": units})
    n_missing = np.zeros(len(units), dtype=int)
    for key, info in completeness.items():
        missing = set(map(str, info.get("missing", [])))
        flags = np.array([u in missing for u in units], dtype=bool)
        out[str(info.get("label", key))] = np.where(flags, "tidak ada", "ada")
        n_missing += flags
    out["n_missing"] = n_missing
    return out


def board_tables(
    frames: Mapping[str, pd.DataFrame],
    year: int,
    *,
    targets: pd.DataFrame | None = None,
    completeness: Mapping[str, Mapping[str, Any]] | None = None,
    desa_boundaries: Any = None,
    codes: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Every table of the board from the prepared sections, stacked with a ``table`` column.

    Tables: ``matrix`` (:func:`unit_board`), ``plans`` and ``plans_summary``
    (:func:`plan_consistency` of P0), ``money``, ``money_strategy``, ``money_fund_source``
    (:func:`money_vs_need`), ``cross_border`` (:func:`cross_border_pockets` of the desa in a
    LISA High-High / Gi* hot cluster) and ``completeness`` (:func:`completeness_board`, its
    inputs as rows ``input``/``status`` per unit so that the stacked frame keeps few columns).
    A table whose input section is absent is left out.

    Parameters
    ----------
    frames : mapping of str -> DataFrame
        Prepared sections (``indicators`` required; ``change``, ``targets``, ``budget``,
        ``pockets`` optional).
    year : int
        Report year.
    targets : pandas.DataFrame, optional
        The target table in force (default ``reference/targets.csv``).
    completeness : mapping, optional
        ``sections.json["completeness"]``.
    desa_boundaries : geopandas.GeoDataFrame, optional
        Desa polygons (``code``) for the cross-border clusters.
    codes : sequence of str, optional
        Kabupaten/kota codes (default the region reference).

    Returns
    -------
    pandas.DataFrame
        The stacked tables (``table`` first).

    Examples
    --------
    >>> ind = pd.DataFrame({"year": 2024, "indicator": "p0", "kab_code": ["1701", "17"],
    ...     "estimate": [0.20, 0.14], "se": [0.02, 0.01], "ci_low": 0.0, "ci_high": 1.0,
    ...     "n_weighted": [250.0, 1000.0]})
    >>> sorted(set(board_tables({"indicators": ind}, 2024, codes=["1701"])["table"]))
    ['matrix', 'plans', 'plans_summary']
    """
    from tkpk_lib.analysis.trends import target_table

    ind = frames["indicators"]
    parts = {"matrix": unit_board(ind, year, change=frames.get("change"), targets=frames.get("targets"),
                                  codes=codes)}
    plans = plan_consistency(ind, target_table() if targets is None else targets, year, codes=codes)
    parts["plans"], parts["plans_summary"] = plans["units"], plans["summary"]
    budget, pockets = frames.get("budget"), frames.get("pockets")
    if budget is not None and len(budget):
        for name, by in (("money", None), ("money_strategy", "strategy"), ("money_fund_source", "fund_source")):
            parts[name] = money_vs_need(budget, ind, year, pockets=pockets, by=by, codes=codes)
    if pockets is not None and len(pockets) and desa_boundaries is not None and "hotspot_cluster" in pockets:
        pk = pockets[pockets["level"] == "desa"]
        g = desa_boundaries[["code", "geometry"]].merge(
            pk[["code", "kab_code", "name", "hotspot_cluster"]], on="code", how="inner")
        g["hot"] = g["hotspot_cluster"].isin(["High-High", "hot"])
        parts["cross_border"] = cross_border_pockets(g)
    if completeness:
        wide = completeness_board(completeness, codes)
        parts["completeness"] = wide.melt(id_vars=["kab_code", "n_missing"], var_name="input", value_name="status")
    out = [p.assign(table=name) for name, p in parts.items() if len(p)]
    stacked = pd.concat(out, ignore_index=True)
    return stacked[["table", *[c for c in stacked.columns if c != "table"]]]


def board_table(stacked: pd.DataFrame, name: str) -> pd.DataFrame:
    """One table of :func:`board_tables` with only its own columns.

    Parameters
    ----------
    stacked : pandas.DataFrame
        The ``harmonisation`` section.
    name : str
        Table name (``matrix``, ``plans``, ``money``, ...).

    Returns
    -------
    pandas.DataFrame
        Rows of that table, columns that are all empty there dropped; empty when absent.

    Examples
    --------
    >>> st = pd.DataFrame({"table": ["a", "b"], "x": [1.0, None], "y": [None, 2.0]})
    >>> board_table(st, "b").columns.tolist()
    ['y']
    """
    if stacked.empty or "table" not in stacked.columns:
        return pd.DataFrame()
    part = stacked[stacked["table"] == name].drop(columns="table")
    return part.dropna(axis=1, how="all").reset_index(drop=True)
