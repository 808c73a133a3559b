"""Survey side of programme coverage: targets, coverage, targeting errors, overlaps.

Works on the canonical ``households`` table (Susenas KOR + KP) with its household weights
and a :class:`~tkpk_lib.estimation.design.SurveyDesign`. Every indicator is a ratio of two weighted
totals and is estimated with :func:`tkpk_lib.estimation.estimators.survey_ratio` or
:func:`~tkpk_lib.estimation.estimators.survey_total`, so its standard error is design-based
(linearisation, strata and PSUs kept; domains by the zero-outside-the-domain rule).

Indicators (domain notes 3.1; ASPIRE and Brown, Ravallion & van de Walle 2016)
------------------------------------------------------------------------------
With ``r`` = received (0/1), ``t`` = in the target group (0/1), ``m`` = 1 for households
or the household size for persons, and sums weighted by the household weight:

* coverage = sum(r t m) / sum(t m) = P(received | target);
* exclusion_error = 1 - coverage (undercoverage);
* inclusion_error = sum(r (1 - t) m) / sum(r m) = P(not target | received) (leakage);
* target_share_of_recipients = 1 - inclusion_error.

A complement ``1 - p`` has the same standard error as ``p`` and the interval
``[1 - ci_high, 1 - ci_low]``; its RSE and reliability class are recomputed.

Target groups (:func:`add_targets`): ``target_poor`` (below the poverty line),
``target_b40`` (bottom 40% of persons in the kabupaten), ``target_registry`` (linked
registry decile 1-4). The results depend on the target definition: reports must say which
one they use.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
import pandas as pd

from tkpk_lib.errors import Problem, SchemaError, TkpkError
from tkpk_lib.estimation.design import PreparedDesign, SurveyDesign, prepare_design
from tkpk_lib.estimation.estimators import (
    domain_codes,
    reliability_flag,
    survey_ratio,
    survey_total,
)
from tkpk_lib.schemas import PROGRAMMES

__all__ = [
    "INDICATORS",
    "add_targets",
    "coverage_by_group",
    "overlap_matrix",
    "programme_combinations",
    "programme_receipt",
    "targeting",
    "upset_figure",
    "weighted_quantile_groups",
]

INDICATORS: tuple[str, ...] = (
    "coverage",
    "exclusion_error",
    "inclusion_error",
    "target_share_of_recipients",
)
"""Indicators returned by :func:`targeting`, in order."""

INDICATOR_LABELS: dict[str, str] = {
    "coverage": "Cakupan (sasaran yang menerima)",
    "exclusion_error": "Kesalahan eksklusi (sasaran yang tidak menerima)",
    "inclusion_error": "Kesalahan inklusi (penerima di luar sasaran)",
    "target_share_of_recipients": "Penerima yang tepat sasaran",
    "beneficiary_incidence": "Sebaran penerima",
    "number": "Perkiraan jumlah",
    "share": "Persentase",
}
"""Indonesian labels of the indicators for report tables."""

_STATS = ("estimate", "se", "ci_low", "ci_high", "rse", "deff", "n", "n_weighted", "reliability")
Unit = Literal["households", "persons"]
By = str | Sequence[str] | None


# --------------------------------------------------------------------------- helpers


def _by_list(by: By) -> list[str]:
    if by is None:
        return []
    return [by] if isinstance(by, str) else list(by)


def _prep(df: pd.DataFrame, design: SurveyDesign | PreparedDesign) -> PreparedDesign:
    return design if isinstance(design, PreparedDesign) else prepare_design(df, design)


def _flag(df: pd.DataFrame, col: str, source: str = "households") -> np.ndarray:
    """A 0/1 column as float array; SchemaError naming the rows when it is not 0/1."""
    if col not in df.columns:
        raise SchemaError([Problem(source, col, "column not found")])
    v = pd.to_numeric(df[col], errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
    bad = ~np.isin(v, (0.0, 1.0))
    if bad.any():
        raise SchemaError(
            [
                Problem(
                    source,
                    col,
                    "must be a 0/1 flag without missing values",
                    (np.flatnonzero(bad) + 1).tolist(),
                )
            ]
        )
    return v


def _multiplier(df: pd.DataFrame, unit: str, size: str) -> np.ndarray:
    if unit == "households":
        return np.ones(len(df))
    if unit != "persons":
        raise TkpkError(f"unit must be 'households' or 'persons', not {unit!r}")
    if size not in df.columns:
        raise SchemaError(
            [Problem("households", size, "column not found (needed for unit='persons')")]
        )
    m = pd.to_numeric(df[size], errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
    bad = ~(m >= 1)
    if bad.any():
        raise SchemaError(
            [
                Problem(
                    "households",
                    size,
                    "household size must be >= 1",
                    (np.flatnonzero(bad) + 1).tolist(),
                )
            ]
        )
    return m


def _programme_columns(df: pd.DataFrame, programmes: Sequence[str] | None) -> dict[str, str]:
    """Map programme label -> column; accepts codes ('pkh') or columns ('rcv_pkh')."""
    if programmes is None:
        programmes = [p for p in PROGRAMMES if f"rcv_{p}" in df.columns]
    out: dict[str, str] = {}
    for p in programmes:
        if f"rcv_{p}" in df.columns:
            out[p] = f"rcv_{p}"
        elif p in df.columns:
            out[p[4:] if p.startswith("rcv_") else p] = p
        else:
            raise SchemaError([Problem("households", f"rcv_{p}", "programme column not found")])
    if not out:
        raise TkpkError("no programme columns (rcv_<code>) found")
    return out


def _with_columns(work: pd.DataFrame, new: dict[str, np.ndarray]) -> pd.DataFrame:
    """Add many columns in one concat (inserting them one by one fragments the frame)."""
    return pd.concat([work, pd.DataFrame(new, index=work.index)], axis=1)


def _work_frame(df: pd.DataFrame, byl: list[str]) -> pd.DataFrame:
    return df[byl].copy() if byl else pd.DataFrame(index=df.index)


def _counts(
    df: pd.DataFrame, byl: list[str], masks: np.ndarray, wts: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Unweighted and weighted counts of each mask column per domain: (k, D) arrays."""
    dom, n_dom, _ = domain_codes(df, byl or None)
    ok = dom >= 0
    d = np.where(ok, dom, 0)
    k = masks.shape[1]
    n = np.empty((k, n_dom))
    nw = np.empty((k, n_dom))
    for j in range(k):
        m = masks[:, j] * ok
        n[j] = np.bincount(d, weights=(m > 0).astype(float), minlength=n_dom)
        nw[j] = np.bincount(d, weights=m * wts, minlength=n_dom)
    return n, nw


def _complement(res: pd.DataFrame) -> pd.DataFrame:
    out = res.copy()
    out["estimate"] = 1.0 - res["estimate"]
    out["ci_low"] = 1.0 - res["ci_high"]
    out["ci_high"] = 1.0 - res["ci_low"]
    with np.errstate(divide="ignore", invalid="ignore"):
        out["rse"] = out["se"] / out["estimate"].abs()
    out["reliability"] = reliability_flag(out["rse"].to_numpy())
    return out


# --------------------------------------------------------------------------- targets


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


# --------------------------------------------------------------------------- targeting


def targeting(
    df: pd.DataFrame,
    design: SurveyDesign | PreparedDesign,
    received: str | Sequence[str],
    target: str,
    by: By = None,
    *,
    unit: Unit = "households",
    size: str = "hh_size",
    ci: Literal["normal", "logit"] = "normal",
    level: float = 0.95,
) -> pd.DataFrame:
    """Coverage and targeting errors of programmes against a target group, with sampling errors.

    Parameters
    ----------
    df : pandas.DataFrame
        Canonical ``households`` table (with target columns, see :func:`add_targets`).
    design : SurveyDesign or PreparedDesign
        Survey design of ``df``.
    received : str, sequence of str or None
        Receipt flag(s): programme codes (``"pkh"``) or columns (``"rcv_pkh"``); ``None``
        for every ``rcv_<code>`` column present.
    target : str
        0/1 target-group column (``target_poor``, ``target_b40``, ``target_registry``...).
    by : str or sequence of str, optional
        Domain columns (e.g. ``"kab_code"``).
    unit : {"households", "persons"}, default "households"
        Count households (household weight) or persons (weight x ``size``).
    size : str, default "hh_size"
        Household size column for ``unit="persons"``.
    ci, level
        Interval type and level, as in :func:`tkpk_lib.estimation.estimators.survey_ratio`.

    Returns
    -------
    pandas.DataFrame
        One row per ``by`` group x programme x indicator (:data:`INDICATORS`):
        ``by`` columns, ``programme``, ``target``, ``unit``, ``indicator``, ``estimate``,
        ``se``, ``ci_low``, ``ci_high``, ``rse``, ``deff``, ``n``, ``n_weighted``,
        ``reliability``. Here ``n`` is the number of sample households in the denominator
        group (target households for coverage/exclusion, recipient households for
        inclusion/target share) and ``n_weighted`` its estimated size (households or persons).

    Examples
    --------
    >>> hh = pd.DataFrame({"w": 1.0, "poor": [1, 1, 1, 0, 0], "rcv_pkh": [1, 0, 1, 1, 0]})
    >>> t = targeting(hh, SurveyDesign("w"), "pkh", "poor")
    >>> t.set_index("indicator")["estimate"].round(4).to_dict()
    {'coverage': 0.6667, 'exclusion_error': 0.3333, 'inclusion_error': 0.3333, 'target_share_of_recipients': 0.6667}
    """
    byl = _by_list(by)
    progs = _programme_columns(df, [received] if isinstance(received, str) else received)  # None: all
    if target not in df.columns:
        raise SchemaError([Problem("households", target, "target column not found (see add_targets)")])
    prep = _prep(df, design)
    t = _flag(df, target)
    m = _multiplier(df, unit, size)
    work = _work_frame(df, byl)
    nums, dens, masks = [], [], []
    new: dict[str, np.ndarray] = {}
    for i, col in enumerate(progs.values()):
        r = _flag(df, col)
        new[f"_c{i}"], new[f"_t{i}"] = r * t * m, t * m
        new[f"_i{i}"], new[f"_r{i}"] = r * (1 - t) * m, r * m
        nums += [f"_c{i}", f"_i{i}"]
        dens += [f"_t{i}", f"_r{i}"]
        masks += [t, r]
    work = _with_columns(work, new)
    res = survey_ratio(work, prep, nums, dens, by=byl or None, ci=ci, level=level)
    n, nw = _counts(work, byl, np.column_stack(masks), prep.w * m)
    n_dom = n.shape[1]
    # survey_ratio output is domain-major, variable-minor
    res["n"] = n.T.ravel().astype(np.int64)
    res["n_weighted"] = nw.T.ravel()
    # all programmes at once: rows (domain, programme) of the coverage and inclusion ratios
    cov = res.iloc[0::2].drop(columns="variable").reset_index(drop=True)
    inc = res.iloc[1::2].drop(columns="variable").reset_index(drop=True)
    prog = np.tile(np.array(list(progs), dtype=object), n_dom)
    parts = []
    for name, frame in (
        ("coverage", cov),
        ("exclusion_error", _complement(cov)),
        ("inclusion_error", inc),
        ("target_share_of_recipients", _complement(inc)),
    ):
        parts.append(frame.assign(programme=prog, target=target, unit=unit, indicator=name))
    out = pd.concat(parts, ignore_index=True)
    out["_p"] = out["programme"].map({p: i for i, p in enumerate(progs)})
    out["_i"] = out["indicator"].map({p: i for i, p in enumerate(INDICATORS)})
    out = out.sort_values([*byl, "_p", "_i"], kind="stable", ignore_index=True).drop(
        columns=["_p", "_i"]
    )
    return out[[*byl, "programme", "target", "unit", "indicator", *_STATS]]


def coverage_by_group(
    df: pd.DataFrame,
    design: SurveyDesign | PreparedDesign,
    programmes: Sequence[str] | None = None,
    group: str = "welfare_decile",
    by: By = None,
    *,
    unit: Unit = "households",
    size: str = "hh_size",
    ci: Literal["normal", "logit"] = "normal",
    level: float = 0.95,
) -> pd.DataFrame:
    """Coverage of each welfare group and beneficiary incidence across groups (ASPIRE style).

    Parameters
    ----------
    df : pandas.DataFrame
        Canonical ``households`` table with ``group`` (see :func:`add_targets`).
    design : SurveyDesign or PreparedDesign
        Survey design of ``df``.
    programmes : sequence of str, optional
        Programme codes or ``rcv_`` columns; default all ``rcv_<code>`` present.
    group : str, default "welfare_decile"
        Group column (deciles, quintiles, or any categorical column).
    by : str or sequence of str, optional
        Domain columns (e.g. ``"kab_code"``).
    unit : {"households", "persons"}, default "households"
        Count households or persons (weight x ``size``; ASPIRE coverage counts persons).
    size : str, default "hh_size"
        Household size column.
    ci, level
        As in :func:`tkpk_lib.estimation.estimators.survey_ratio`.

    Returns
    -------
    pandas.DataFrame
        ``by`` columns, ``group`` column, ``programme``, ``unit``, ``indicator`` in
        {``"coverage"`` = P(received | group), ``"beneficiary_incidence"`` =
        P(group | received)}, then the estimate columns. Incidence sums to 1 over groups
        within a ``by`` group and programme. ``n`` counts sample households in the
        denominator (the group for coverage, the recipients for incidence).

    Examples
    --------
    >>> hh = pd.DataFrame({"w": 1.0, "q": [1, 1, 2, 2], "rcv_pkh": [1, 1, 1, 0]})
    >>> r = coverage_by_group(hh, SurveyDesign("w"), ["pkh"], group="q")
    >>> r[["q", "indicator", "estimate"]].values.tolist()  # doctest: +NORMALIZE_WHITESPACE
    [[1, 'coverage', 1.0], [1, 'beneficiary_incidence', 0.6666666666666666],
     [2, 'coverage', 0.5], [2, 'beneficiary_incidence', 0.3333333333333333]]
    """
    byl = _by_list(by)
    if group not in df.columns:
        raise SchemaError([Problem("households", group, "group column not found")])
    progs = _programme_columns(df, programmes)
    prep = _prep(df, design)
    m = _multiplier(df, unit, size)
    work = _work_frame(df, [*byl, group])
    gcode, levels = pd.factorize(df[group], sort=True)
    flags = {p: _flag(df, c) for p, c in progs.items()}
    # coverage: ratio by [by, group]
    nums, dens, masks = [], [], []
    new = {f"_y{i}": flags[p] * m for i, p in enumerate(progs)}
    nums = list(new)
    new["_m"] = m
    work = _with_columns(work, new)
    cov = survey_ratio(work, prep, nums, ["_m"] * len(nums), by=[*byl, group], ci=ci, level=level)
    n, nw = _counts(work, [*byl, group], np.ones((len(df), len(nums))), prep.w * m)
    cov["n"] = n.T.ravel().astype(np.int64)
    cov["n_weighted"] = nw.T.ravel()
    cov["programme"] = np.tile(np.array(list(progs), dtype=object), n.shape[1])
    cov["indicator"] = "coverage"
    # incidence: ratio by [by] for each group level
    nums, dens, meta = [], [], []
    new = {}
    for i, p in enumerate(progs):
        for j, lev in enumerate(levels):
            ing = (gcode == j).astype(float)
            new[f"_n{i}_{j}"] = ing * flags[p] * m
            nums.append(f"_n{i}_{j}")
            dens.append(f"_y{i}")
            masks.append(ing * flags[p])
            meta.append((p, lev))
    work = _with_columns(work, new)
    inc = survey_ratio(work, prep, nums, dens, by=byl or None, ci=ci, level=level)
    n, nw = _counts(work, byl, np.column_stack(masks), prep.w * m)
    inc["n"] = n.T.ravel().astype(np.int64)
    inc["n_weighted"] = nw.T.ravel()
    n_dom = n.shape[1]
    inc["programme"] = np.tile(np.array([a for a, _ in meta], dtype=object), n_dom)
    inc[group] = np.tile(np.array([b for _, b in meta], dtype=object), n_dom)
    inc[group] = inc[group].astype(df[group].dtype) if df[group].dtype.kind in "iuf" else inc[group]
    inc["indicator"] = "beneficiary_incidence"
    out = pd.concat([cov.drop(columns="variable"), inc.drop(columns="variable")], ignore_index=True)
    out["unit"] = unit
    out["_p"] = out["programme"].map({p: i for i, p in enumerate(progs)})
    out["_i"] = (out["indicator"] == "beneficiary_incidence").astype(int)
    out = out.sort_values([*byl, "_p", group, "_i"], kind="stable", ignore_index=True)
    return out[[*byl, group, "programme", "unit", "indicator", *_STATS]]


def programme_receipt(df: pd.DataFrame, design: SurveyDesign | PreparedDesign,
                      programmes: Sequence[str] | None = None, by: By = None, *, among: str | None = None,
                      unit: Unit = "households", size: str = "hh_size",
                      ci: Literal["normal", "logit"] = "normal", level: float = 0.95) -> pd.DataFrame:
    """Estimated number and share of households (or persons) receiving each programme.

    The survey counterpart of the registry's recipient counts
    (:func:`tkpk_lib.analysis.registry.registry_coverage`, column ``recipients``) for
    :func:`tkpk_lib.analysis.registry.compare_survey_registry` with ``registry_value="recipients"``
    and ``indicator="number"``.

    Parameters
    ----------
    df : pandas.DataFrame
        Canonical ``households`` table.
    design : SurveyDesign or PreparedDesign
        Survey design of ``df``.
    programmes : sequence of str, optional
        Programme codes or columns; default all ``rcv_<code>`` present.
    by : str or sequence of str, optional
        Domain columns.
    among : str or None, default None
        0/1 column restricting the population; ``None`` = everyone.
    unit, size, ci, level
        As in :func:`targeting`.

    Returns
    -------
    pandas.DataFrame
        ``by`` columns, ``programme``, ``among``, ``unit``, ``indicator`` (``"number"``:
        survey total of recipients; ``"share"``: recipients / population of the group),
        then the estimate columns (``n`` = sample recipients for numbers, sample
        households of the group for shares).

    Examples
    --------
    >>> hh = pd.DataFrame({"w": [10.0, 10.0, 20.0], "rcv_pkh": [1, 0, 1]})
    >>> programme_receipt(hh, SurveyDesign("w"), ["pkh"])["estimate"].tolist()
    [30.0, 0.75]
    """
    byl = _by_list(by)
    progs = _programme_columns(df, programmes)
    prep = _prep(df, design)
    m = _multiplier(df, unit, size)
    a = _flag(df, among) if among is not None else np.ones(len(df))
    work = _work_frame(df, byl)
    work["_a"] = a * m
    cols, masks = [], []
    new = {}
    for i, c in enumerate(progs.values()):
        f = _flag(df, c) * a
        new[f"_r{i}"] = f * m
        cols.append(f"_r{i}")
        masks.append(f)
    work = _with_columns(work, new)
    tot = survey_total(work, prep, cols, by=byl or None, ci=ci, level=level)
    shr = survey_ratio(work, prep, cols, ["_a"] * len(cols), by=byl or None, ci=ci, level=level)
    n_num, nw_num = _counts(work, byl, np.column_stack(masks), prep.w * m)
    n_den, nw_den = _counts(work, byl, np.column_stack([a] * len(cols)), prep.w * m)
    n_dom = n_num.shape[1]
    for frame, ind, (n, nw) in ((tot, "number", (n_num, nw_num)), (shr, "share", (n_den, nw_den))):
        frame["n"] = n.T.ravel().astype(np.int64)
        frame["n_weighted"] = nw.T.ravel()
        frame["programme"] = np.tile(np.array(list(progs), dtype=object), n_dom)
        frame["indicator"] = ind
    out = pd.concat([tot, shr], ignore_index=True).drop(columns="variable")
    out["among"] = among if among is not None else "all"
    out["unit"] = unit
    out["_p"] = out["programme"].map({p: i for i, p in enumerate(progs)})
    out["_i"] = (out["indicator"] == "share").astype(int)
    out = out.sort_values([*byl, "_p", "_i"], kind="stable", ignore_index=True)
    return out[[*byl, "programme", "among", "unit", "indicator", *_STATS]]


# --------------------------------------------------------------------------- combinations


def _combo_labels(flags: dict[str, np.ndarray]) -> np.ndarray:
    names = list(flags)
    mat = np.column_stack([flags[p] for p in names]).astype(bool)
    uniq, inv = np.unique(mat, axis=0, return_inverse=True)
    labels = np.array(
        ["+".join(n for n, f in zip(names, row, strict=True) if f) or "none" for row in uniq],
        dtype=object,
    )
    return labels[inv.ravel()]


def programme_combinations(
    df: pd.DataFrame,
    design: SurveyDesign | PreparedDesign,
    programmes: Sequence[str] | None = None,
    among: str | None = "target_poor",
    by: By = None,
    *,
    unit: Unit = "households",
    size: str = "hh_size",
    ci: Literal["normal", "logit"] = "normal",
    level: float = 0.95,
) -> pd.DataFrame:
    """Estimated households (or persons) per combination of programmes received.

    Parameters
    ----------
    df : pandas.DataFrame
        Canonical ``households`` table.
    design : SurveyDesign or PreparedDesign
        Survey design of ``df``.
    programmes : sequence of str, optional
        Programme codes or columns; default all ``rcv_<code>`` present.
    among : str or None, default "target_poor"
        0/1 column restricting the population (e.g. the poor); ``None`` = everyone.
    by : str or sequence of str, optional
        Domain columns.
    unit : {"households", "persons"}, default "households"
        Count households or persons.
    size : str, default "hh_size"
        Household size column.
    ci, level
        As in :func:`tkpk_lib.estimation.estimators.survey_total`.

    Returns
    -------
    pandas.DataFrame
        ``by`` columns, ``combination`` (codes joined with ``+`` in programme order,
        ``"none"`` for no programme), ``n_programmes``, ``among``, ``unit``, ``indicator``
        (``"number"``: survey total; ``"share"``: share of the ``among`` population), then
        the estimate columns (``n`` = sample households in the combination). Sorted by
        group and decreasing estimated number; only combinations seen in the sample.

    Examples
    --------
    >>> hh = pd.DataFrame({"w": 10.0, "rcv_pkh": [1, 1, 0, 0], "rcv_pbi": [1, 0, 0, 0]})
    >>> c = programme_combinations(hh, SurveyDesign("w"), ["pkh", "pbi"], among=None)
    >>> c[c["indicator"] == "number"][["combination", "estimate"]].values.tolist()
    [['none', 20.0], ['pkh', 10.0], ['pkh+pbi', 10.0]]
    """
    byl = _by_list(by)
    progs = _programme_columns(df, programmes)
    prep = _prep(df, design)
    m = _multiplier(df, unit, size)
    a = _flag(df, among) if among is not None else np.ones(len(df))
    flags = {p: _flag(df, c) for p, c in progs.items()}
    labels = _combo_labels(flags)
    present = [lab for lab in pd.unique(labels[a == 1])]
    work = _work_frame(df, byl)
    work["_a"] = a * m
    masks = [(labels == lab).astype(float) * a for lab in present]
    cols = [f"_k{j}" for j in range(len(present))]
    if not cols:
        raise TkpkError(f"programme_combinations: no household with {among} = 1")
    work = _with_columns(work, dict(zip(cols, (mk * m for mk in masks), strict=True)))
    tot = survey_total(work, prep, cols, by=byl or None, ci=ci, level=level)
    shr = survey_ratio(work, prep, cols, ["_a"] * len(cols), by=byl or None, ci=ci, level=level)
    n, nw = _counts(work, byl, np.column_stack(masks), prep.w * m)
    n_dom = n.shape[1]
    for frame, ind in ((tot, "number"), (shr, "share")):
        frame["n"] = n.T.ravel().astype(np.int64)
        frame["n_weighted"] = nw.T.ravel()
        frame["combination"] = np.tile(np.array(present, dtype=object), n_dom)
        frame["indicator"] = ind
    out = pd.concat([tot, shr], ignore_index=True).drop(columns="variable")
    out["n_programmes"] = [0 if c == "none" else c.count("+") + 1 for c in out["combination"]]
    out["among"] = among if among is not None else "all"
    out["unit"] = unit
    # order: by group, decreasing number, number before share
    num = out[out["indicator"] == "number"].set_index([*byl, "combination"])["estimate"]
    key = (
        pd.MultiIndex.from_frame(out[[*byl, "combination"]])
        if byl
        else pd.Index(out["combination"])
    )
    out["_size"] = -num.reindex(key).to_numpy()
    out["_i"] = (out["indicator"] == "share").astype(int)
    out = out.sort_values([*byl, "_size", "combination", "_i"], kind="stable", ignore_index=True)
    # drop combinations absent in a domain (n = 0) to keep tables short
    out = out[out["n"] > 0].reset_index(drop=True)
    return out[[*byl, "combination", "n_programmes", "among", "unit", "indicator", *_STATS]]


def overlap_matrix(
    df: pd.DataFrame,
    design: SurveyDesign | PreparedDesign,
    programmes: Sequence[str] | None = None,
    among: str | None = None,
    by: By = None,
    *,
    unit: Unit = "households",
    size: str = "hh_size",
    ci: Literal["normal", "logit"] = "normal",
    level: float = 0.95,
) -> pd.DataFrame:
    """Pairwise overlap of programmes: joint receipt, conditional receipt and numbers.

    Parameters
    ----------
    df : pandas.DataFrame
        Canonical ``households`` table.
    design : SurveyDesign or PreparedDesign
        Survey design of ``df``.
    programmes : sequence of str, optional
        Programme codes or columns; default all ``rcv_<code>`` present.
    among : str or None, default None
        0/1 column restricting the population; ``None`` = everyone.
    by : str or sequence of str, optional
        Domain columns.
    unit, size, ci, level
        As in :func:`programme_combinations`.

    Returns
    -------
    pandas.DataFrame
        One row per ``by`` group x ordered pair (``programme_a``, ``programme_b``) x
        ``indicator``: ``"share_both"`` = P(a and b | among) (diagonal: P(a)),
        ``"share_b_given_a"`` = P(b | a, among) (e.g. the share of PKH recipients who
        also get BPNT; diagonal 1), ``"number_both"`` = estimated households receiving
        both. ``n``/``n_weighted``: sample and estimated size of the denominator (the
        ``among`` population, the recipients of a) or, for numbers, of the pair. Pivot with ``pivot_table(index="programme_a", columns="programme_b",
        values="estimate")`` for a matrix.

    Examples
    --------
    >>> hh = pd.DataFrame({"w": 1.0, "rcv_pkh": [1, 1, 0, 0], "rcv_bpnt": [1, 0, 1, 0]})
    >>> o = overlap_matrix(hh, SurveyDesign("w"), ["pkh", "bpnt"])
    >>> o.query("indicator == 'share_b_given_a' and programme_a == 'pkh' and programme_b == 'bpnt'")[
    ...     "estimate"].item()
    0.5
    """
    byl = _by_list(by)
    progs = _programme_columns(df, programmes)
    prep = _prep(df, design)
    m = _multiplier(df, unit, size)
    a = _flag(df, among) if among is not None else np.ones(len(df))
    flags = {p: _flag(df, c) * a for p, c in progs.items()}
    work = _work_frame(df, byl)
    work["_a"] = a * m
    names = list(progs)
    pairs = [(x, y) for x in names for y in names]
    both, masks, masks_a = [], [], []
    new = {}
    for i, (x, y) in enumerate(pairs):
        new[f"_b{i}"] = flags[x] * flags[y] * m
        both.append(f"_b{i}")
        masks.append(flags[x] * flags[y])
        masks_a.append(flags[x])
    for x in names:
        new[f"_d_{x}"] = flags[x] * m
    work = _with_columns(work, new)
    sb = survey_ratio(work, prep, both, ["_a"] * len(both), by=byl or None, ci=ci, level=level)
    cg = survey_ratio(
        work, prep, both, [f"_d_{x}" for x, _ in pairs], by=byl or None, ci=ci, level=level
    )
    nb = survey_total(work, prep, both, by=byl or None, ci=ci, level=level)
    counts = {
        "share_both": _counts(work, byl, np.column_stack([a] * len(pairs)), prep.w * m),
        "share_b_given_a": _counts(work, byl, np.column_stack(masks_a), prep.w * m),
        "number_both": _counts(work, byl, np.column_stack(masks), prep.w * m),
    }
    n_dom = counts["share_both"][0].shape[1]
    frames = []
    for frame, ind in ((sb, "share_both"), (cg, "share_b_given_a"), (nb, "number_both")):
        frame = frame.drop(columns="variable")
        frame["programme_a"] = np.tile(np.array([x for x, _ in pairs], dtype=object), n_dom)
        frame["programme_b"] = np.tile(np.array([y for _, y in pairs], dtype=object), n_dom)
        frame["indicator"] = ind
        n, nw = counts[ind]
        frame["n"] = n.T.ravel().astype(np.int64)
        frame["n_weighted"] = nw.T.ravel()
        frame["_i"] = ("share_both", "share_b_given_a", "number_both").index(ind)
        frames.append(frame)
    out = pd.concat(frames, ignore_index=True)
    out["among"] = among if among is not None else "all"
    out["unit"] = unit
    order = {p: i for i, p in enumerate(names)}
    out["_a"] = out["programme_a"].map(order)
    out["_b"] = out["programme_b"].map(order)
    out = out.sort_values([*byl, "_i", "_a", "_b"], kind="stable", ignore_index=True)
    return out[[*byl, "programme_a", "programme_b", "among", "unit", "indicator", *_STATS]]


# --------------------------------------------------------------------------- figure


def upset_figure(
    combos: pd.DataFrame,
    *,
    indicator: str = "number",
    max_combinations: int = 15,
    programmes: Sequence[str] | None = None,
    title: str | None = None,
    ylabel: str | None = None,
    figsize: tuple[float, float] = (9.0, 5.5),
):
    """UpSet-style figure of programme combinations (bars with CI + dot matrix).

    Drawn with matplotlib only: the ``upsetplot`` package (0.9) fails under pandas 3
    (copy-on-write) and is not needed for this layout.

    Parameters
    ----------
    combos : pandas.DataFrame
        Output of :func:`programme_combinations` for one domain (no ``by`` columns, or
        filtered to one group).
    indicator : {"number", "share"}, default "number"
        Which rows to plot.
    max_combinations : int, default 15
        Plot the largest combinations only.
    programmes : sequence of str, optional
        Row order of the dot matrix; default the programmes seen in the combinations.
    title, ylabel : str, optional
        Figure title and y-axis label (Indonesian defaults).
    figsize : tuple, default (9, 5.5)
        Figure size in inches.

    Returns
    -------
    matplotlib.figure.Figure
        Top: bars of the estimated size of each combination with 95% CI whiskers,
        reliability marked by hatching (caution) or a lighter colour (unreliable). Bottom:
        filled dots for the programmes in each combination, joined by a line.

    Examples
    --------
    >>> c = pd.DataFrame({"combination": ["none", "pkh+pbi"], "indicator": "number",
    ...     "estimate": [20.0, 10.0], "ci_low": [15.0, 5.0], "ci_high": [25.0, 15.0],
    ...     "reliability": ["reliable", "caution"]})
    >>> fig = upset_figure(c)
    >>> len(fig.axes)
    2
    """
    from matplotlib.figure import Figure

    from tkpk_lib.maps import FIXED_LAYOUT

    d = combos[combos["indicator"] == indicator] if "indicator" in combos.columns else combos
    if d["combination"].duplicated().any():
        raise TkpkError(
            "upset_figure: one row per combination expected; filter combos to one domain first"
        )
    d = (
        d.sort_values("estimate", ascending=False, kind="stable")
        .head(max_combinations)
        .reset_index(drop=True)
    )
    members = [[] if c == "none" else c.split("+") for c in d["combination"]]
    if programmes is None:
        seen: list[str] = []
        for ms in members:
            for p in ms:
                if p not in seen:
                    seen.append(p)
        order = [p for p in PROGRAMMES if p in seen] + [p for p in seen if p not in PROGRAMMES]
    else:
        order = list(programmes)
    # object API (no pyplot import or figure manager) and a layout fixed in inches, so the
    # figure is drawn once when saved (no tight_layout or bbox_inches="tight" pass)
    fig = Figure(figsize=figsize)
    w, h = figsize
    # left margin (inches): y tick labels + y label of the bars, programme names of the matrix
    span = d[[c for c in ("estimate", "ci_low", "ci_high") if c in d.columns]].to_numpy(dtype=float)
    ends = (np.nanmin(span), np.nanmax(span)) if np.isfinite(span).any() else (0.0, 0.0)
    digits = max(len(f"{v:.0f}") for v in ends) if indicator == "number" else 4  # "-100", "25000"
    left = max(0.55 + 0.09 * max(digits, 2), 0.2 + 0.1 * max((len(p) for p in order), default=0))
    gs = fig.add_gridspec(2, 1, height_ratios=[3, max(1.2, 0.35 * len(order))], hspace=0.05,
                          left=left / w, right=1 - 0.15 / w, bottom=0.55 / h, top=1 - 0.4 / h)
    ax = fig.add_subplot(gs[0])
    axm = fig.add_subplot(gs[1], sharex=ax)
    ax.tick_params(axis="x", labelbottom=False)
    setattr(fig, FIXED_LAYOUT, True)  # report.show saves it as laid out
    x = np.arange(len(d))
    est = d["estimate"].to_numpy(dtype=float)
    rel = (
        d["reliability"].astype(str).to_numpy()
        if "reliability" in d.columns
        else np.full(len(d), "reliable")
    )
    colors = np.where(rel == "unreliable", "#b0b0b0", "#2b6a99")
    bars = ax.bar(x, est, color=colors, width=0.7)
    for b, r in zip(bars, rel, strict=True):
        if r == "caution":
            b.set_hatch("//")
    if {"ci_low", "ci_high"} <= set(d.columns):
        lo = np.clip(est - d["ci_low"].to_numpy(dtype=float), 0, None)
        hi = np.clip(d["ci_high"].to_numpy(dtype=float) - est, 0, None)
        ax.errorbar(x, est, yerr=[lo, hi], fmt="none", ecolor="black", elinewidth=1, capsize=3)
    unit = str(d["unit"].iloc[0]) if "unit" in d.columns and len(d) else "households"
    default_y = ("Perkiraan jumlah " + ("jiwa" if unit == "persons" else "rumah tangga")
                 if indicator == "number" else "Proporsi")
    ax.set_ylabel(ylabel or default_y)
    ax.set_title(title or "Kombinasi program yang diterima")
    ax.spines[["top", "right"]].set_visible(False)
    # dot matrix: all cells grey, members black, joined by a line (three artists in all)
    gx, gy = np.meshgrid(x, np.arange(len(order)), indexing="ij")
    axm.scatter(gx.ravel(), gy.ravel(), color="#dddddd", s=40, zorder=1)
    cells = [(i, order.index(p)) for i, ms in enumerate(members) for p in ms if p in order]
    if cells:
        mx, my = np.asarray(cells, dtype=float).T
        axm.scatter(mx, my, color="#222222", s=40, zorder=2)
        spans = [(i, min(ys), max(ys)) for i, ys in
                 ((i, [order.index(p) for p in ms if p in order]) for i, ms in enumerate(members))
                 if len(ys) > 1]
        if spans:
            sx, s0, s1 = np.asarray(spans, dtype=float).T
            axm.vlines(sx, s0, s1, color="#222222", lw=2, zorder=1)
    axm.set_yticks(np.arange(len(order)), [p.upper() for p in order])
    axm.set_ylim(len(order) - 0.5, -0.5)
    axm.set_xticks(x, ["tanpa\nprogram" if not ms else "" for ms in members], fontsize=7)
    axm.tick_params(axis="x", length=0)
    for s in axm.spines.values():
        s.set_visible(False)
    note = "Garis: selang kepercayaan 95%. Arsir: RSE 25-50% (hati-hati); abu-abu: RSE > 50% (tidak andal)."
    fig.text(0.01, 0.005, note, fontsize=7, ha="left", va="bottom")
    return fig
