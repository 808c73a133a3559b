"""Target groups for programme coverage: poor, bottom 40% of persons, registry deciles 1-4.

:func:`add_targets` adds ``target_poor``, ``target_b40`` and ``target_registry`` to the
households table; :func:`weighted_quantile_groups` gives the weighted person quantile groups
behind ``target_b40``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from tkpk_lib.errors import Problem, SchemaError


def weighted_quantile_groups(
    values: pd.Series, weights: pd.Series, groups: pd.DataFrame | pd.Series | None, q: int = 10
) -> np.ndarray:
    """Weighted quantile group (1..q) of each row, within groups.

    Rows are ranked by ``values`` within each group; a row's cumulative weight share is
    taken at the middle of its weight (at the middle of the tie block for equal values, so
    ties share a group), and the group is ``floor(q * share) + 1``. With this mid-point
    rule the share of weight in the bottom ``k`` groups differs from ``k/q`` by at most half
    the weight of one tie block, and equal values never straddle a cut.

    Parameters
    ----------
    values : pandas.Series
        Welfare (e.g. per-capita expenditure); no missing values.
    weights : pandas.Series
        Non-negative weights (persons: household weight x household size).
    groups : DataFrame, Series or None
        Rank within these groups (e.g. kabupaten); ``None``: one group.
    q : int, default 10
        Number of groups (10 deciles, 5 quintiles).

    Returns
    -------
    numpy.ndarray of int
        Group 1 (poorest) .. q, aligned with ``values``.

    Examples
    --------
    >>> weighted_quantile_groups(pd.Series([5, 1, 3, 2]), pd.Series([1, 1, 1, 1]), None, q=2).tolist()
    [2, 1, 2, 1]
    """
    v = np.asarray(values, dtype=np.float64)
    w = np.asarray(weights, dtype=np.float64)
    n = len(v)
    if groups is None:
        g = np.zeros(n, dtype=np.int64)
    else:
        gdf = groups.to_frame() if isinstance(groups, pd.Series) else groups
        g, _ = pd.factorize(
            pd.MultiIndex.from_frame(gdf.reset_index(drop=True))
            if gdf.shape[1] > 1
            else gdf.iloc[:, 0].reset_index(drop=True),
            sort=True,
        )
        g = np.asarray(g, dtype=np.int64)
    order = np.lexsort((v, g))
    vs, ws, gs = v[order], w[order], g[order]
    # tie blocks: same group and same value
    new_block = np.ones(n, dtype=bool)
    new_block[1:] = (gs[1:] != gs[:-1]) | (vs[1:] != vs[:-1])
    block = np.cumsum(new_block) - 1
    bw = np.bincount(block, weights=ws)
    bg = gs[new_block]
    gtot = np.bincount(bg, weights=bw)
    # cumulative weight before each block, within its group
    cum = np.cumsum(bw)
    gstart_cum = np.concatenate(([0.0], np.cumsum(gtot)))[:-1]
    before = cum - bw - gstart_cum[bg]
    with np.errstate(divide="ignore", invalid="ignore"):
        mid = (before + bw / 2.0) / gtot[bg]
    grp_block = np.clip(np.floor(q * mid).astype(np.int64) + 1, 1, q)
    out = np.empty(n, dtype=np.int64)
    out[order] = grp_block[block]
    return out


def add_targets(
    df: pd.DataFrame,
    line: str = "poverty_line",
    welfare: str = "exp_pc",
    size: str = "hh_size",
    *,
    weight: str = "weight",
    within: str | None = "kab_code",
    registry_decile: str = "registry_decile",
    registry_max_decile: int = 4,
) -> pd.DataFrame:
    """Add target-group flags and welfare deciles/quintiles to a households frame.

    Parameters
    ----------
    df : pandas.DataFrame
        Canonical ``households`` table.
    line, welfare, size, weight : str
        Poverty line, per-capita expenditure, household size and household weight columns.
    within : str or None, default "kab_code"
        Rank persons within this column (kabupaten); ``None`` ranks in the whole frame
        (province). When the frame has several ``year`` values, ranking is also within year.
    registry_decile : str, default "registry_decile"
        Linked registry decile column; when absent no ``target_registry`` is added.
    registry_max_decile : int, default 4
        Registry target deciles are 1..registry_max_decile.

    Returns
    -------
    pandas.DataFrame
        A copy with ``target_poor`` (welfare < line), ``welfare_decile`` and
        ``welfare_quintile`` (weighted person deciles/quintiles, 1 = poorest, by
        :func:`weighted_quantile_groups` with weight x size), ``target_b40``
        (welfare_decile <= 4: bottom 40% of persons) and ``target_registry`` (linked
        registry decile 1-4; 0 when not linked), all int8.

    Examples
    --------
    >>> hh = pd.DataFrame({"kab_code": "1701", "weight": 1.0, "hh_size": 1,
    ...     "exp_pc": [100.0, 200, 300, 400, 500], "poverty_line": 250.0})
    >>> add_targets(hh)[["target_poor", "welfare_quintile", "target_b40"]].values.tolist()
    [[1, 1, 1], [1, 2, 1], [0, 3, 0], [0, 4, 0], [0, 5, 0]]
    """
    problems = []
    for c in (line, welfare, size, weight, *([within] if within else [])):
        if c not in df.columns:
            problems.append(Problem("households", c, "column not found"))
    if problems:
        raise SchemaError(problems)
    x = pd.to_numeric(df[welfare], errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
    pl = pd.to_numeric(df[line], errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
    pw = (
        pd.to_numeric(df[weight], errors="coerce") * pd.to_numeric(df[size], errors="coerce")
    ).to_numpy(dtype=np.float64, na_value=np.nan)
    for col, arr in ((welfare, x), (line, pl)):
        bad = np.isnan(arr)
        if bad.any():
            problems.append(
                Problem("households", col, "missing value", (np.flatnonzero(bad) + 1).tolist())
            )
    if within:
        bad = df[within].isna().to_numpy()
        if bad.any():
            problems.append(Problem("households", within, "missing value", (np.flatnonzero(bad) + 1).tolist()))
    bad = ~(pw > 0)
    if bad.any():
        problems.append(
            Problem(
                "households",
                f"{weight} x {size}",
                "person weight must be > 0",
                (np.flatnonzero(bad) + 1).tolist(),
            )
        )
    if problems:
        raise SchemaError(problems)
    keys = [within] if within else []
    if "year" in df.columns and df["year"].nunique() > 1:
        keys = ["year", *keys]
    groups = df[keys].reset_index(drop=True) if keys else None
    out = df.copy()
    out["target_poor"] = (x < pl).astype("int8")
    dec = weighted_quantile_groups(pd.Series(x), pd.Series(pw), groups, q=10)
    out["welfare_decile"] = dec.astype("int8")
    out["welfare_quintile"] = weighted_quantile_groups(
        pd.Series(x), pd.Series(pw), groups, q=5
    ).astype("int8")
    out["target_b40"] = (dec <= 4).astype("int8")
    if registry_decile in df.columns:
        rd = pd.to_numeric(df[registry_decile], errors="coerce")
        out["target_registry"] = (
            rd.between(1, registry_max_decile).fillna(False).astype("int8").to_numpy()
        )
    return out
