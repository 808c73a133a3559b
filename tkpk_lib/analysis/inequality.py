"""Inequality indicators: the Gini coefficient, the bottom-40% expenditure share, welfare quintiles.

The Gini point estimate is ``laeken::gini``'s and its linearised SE ``convey::svygini``'s; the
two non-linear statistics pass their linearised scores (influence functions) to
:func:`tkpk_lib.estimation.design.linearized_variance`, so that strata, PSUs and fpc are
honoured. Domain estimates are computed on the full sample with scores set to zero outside the
domain (never by dropping rows, which would lose PSUs).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from tkpk_lib.analysis.indicator_base import (
    _as_list,
    _domain_indices,
    _linearized_result,
    _numeric,
    _person_view,
    _tidy,
)
from tkpk_lib.errors import TkpkError
from tkpk_lib.estimation.design import SurveyDesign


def _gini_laeken(x: np.ndarray, w: np.ndarray) -> float:
    """Weighted Gini exactly as ``laeken:::giniCoeff`` (divided by 100).

    ``G = (2 * sum(w_i x_i C_i) - sum(w_i^2 x_i)) / (sum(w) * sum(w x)) - 1`` after a stable
    sort by ``x``, with ``C_i`` the cumulative weight including unit i.
    """
    o = np.argsort(x, kind="stable")
    xs, ws = x[o], w[o]
    cw = np.cumsum(ws)
    wx = ws * xs
    return float((2 * np.sum(wx * cw) - np.sum(ws * ws * xs)) / (cw[-1] * np.sum(wx)) - 1)


def _gini_influence(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Linearised Gini scores exactly as ``convey:::CalcGini_IF`` (original row order).

    The Gini is written ``(2 T1 - T2) / (T2 T3) - 1`` with ``T1 = sum w_i r_i x_i``
    (``r_i`` cumulative weight after a stable sort), ``T2 = sum w x``, ``T3 = sum w``; the
    derivatives of the totals with respect to each weight are ``Y - G_i + w_i x_i + r_i x_i``
    (``G_i`` cumulative ``w x``), ``x_i`` and 1, combined by the chain rule (Deville 1999;
    Langel and Tille 2013; Osier 2009).
    """
    o = np.argsort(x, kind="stable")
    xs, ws = x[o], w[o]
    n_pop = ws.sum()
    total = np.sum(xs * ws)
    r = np.cumsum(ws)
    g = np.cumsum(xs * ws)
    t1 = np.sum(r * xs * ws)
    lin1 = total - g + xs * ws + r * xs
    lin2 = xs
    lin3 = np.ones_like(xs)
    den = total * n_pop
    lin = (2 * lin1 - lin2) / den - (2 * t1 - total) * (n_pop * lin2 + total * lin3) / den**2
    out = np.empty_like(lin)
    out[o] = lin
    return out


def gini(
    df: pd.DataFrame,
    design: SurveyDesign,
    welfare: str,
    by: str | Sequence[str] | None = None,
    size: str | None = None,
    *,
    level: float = 0.95,
) -> pd.DataFrame:
    """Gini ratio of per-capita expenditure across persons (a fraction, 0-1).

    Point estimate: exactly ``laeken::gini`` (divided by 100) with person weights
    ``weight * size``. Standard error: the linearised variance of ``convey::svygini``
    (influence function of the Gini, Langel and Tille 2013 / Osier 2009) passed to
    :func:`tkpk_lib.estimation.estimators.linearized_variance`, so strata, PSUs and fpc count. In domains
    the scores are computed within the domain and are zero elsewhere (as ``svyby`` does).
    Note: ``convey``'s own point estimate uses ``sum((2 r_i - 1) w_i x_i)`` instead of
    laeken's ``2 sum(w_i r_i x_i) - sum(w_i^2 x_i)``; the two agree for unit weights and
    differ by O(1/N) otherwise. Confidence intervals are normal (Wald), as in convey.

    Hand-written because neither laeken nor convey exists for Python; tested against an
    independent O(n^2) mean-difference formula, the laeken formula and a finite-difference
    check of the influence function.

    Parameters
    ----------
    df : pandas.DataFrame
        Households (with ``size``) or persons.
    design : SurveyDesign
        Design of ``df``.
    welfare : str
        Per-capita expenditure column.
    by : str or list of str, optional
        Domain columns.
    size : str, optional
        Household size; the person weight is ``weight * size``.
    level : float
        Confidence level.

    Returns
    -------
    pandas.DataFrame
        ``indicator`` = ``gini``, the by columns and the core result columns.

    Examples
    --------
    >>> import pandas as pd
    >>> from tkpk_lib.estimation.design import SurveyDesign
    >>> d = pd.DataFrame({"x": [1.0, 2.0, 3.0, 4.0], "weight": 1.0})
    >>> round(float(gini(d, SurveyDesign("weight"), "x")["estimate"].iloc[0]), 4)
    0.25
    """
    byl = _as_list(by)
    x = _numeric(df, welfare, "the Gini ratio (welfare)")
    work, d = _person_view(df, design, size)
    w = _numeric(work, d.weight, "the survey weight", positive=True)
    domains, levels = _domain_indices(df, byl)
    scores = np.zeros((len(df), len(domains)))
    estimates = []
    for j, (_key, idx) in enumerate(domains):
        xd, wd = x[idx], w[idx]
        if np.sum(wd * xd) <= 0:
            raise TkpkError(f"Gini undefined: total of '{welfare}' is zero in a domain ({_key})")
        estimates.append(_gini_laeken(xd, wd))
        scores[idx, j] = _gini_influence(xd, wd)
    res = _linearized_result(work, d, byl, domains, levels, estimates, scores, w, level)
    return _tidy(res, "gini", byl)


def _lorenz_point(x: np.ndarray, w: np.ndarray, p: float) -> tuple[float, float]:
    """Lorenz ordinate L(p) and the p-quantile, splitting the unit at the p*N boundary."""
    o = np.argsort(x, kind="stable")
    xs, ws = x[o], w[o]
    cw = np.cumsum(ws)
    target = p * cw[-1]
    k = int(np.searchsorted(cw, target, side="left"))
    k = min(k, len(xs) - 1)
    before = cw[k - 1] if k > 0 else 0.0
    part = float(np.sum(ws[:k] * xs[:k]) + (target - before) * xs[k])
    return part / float(np.sum(ws * xs)), float(xs[k])


def bottom40_share(
    df: pd.DataFrame,
    design: SurveyDesign,
    welfare: str,
    by: str | Sequence[str] | None = None,
    size: str | None = None,
    *,
    p: float = 0.4,
    level: float = 0.95,
) -> pd.DataFrame:
    """Share of total expenditure held by the poorest 40% of persons (Lorenz ordinate L(0.4)).

    Point estimate: persons sorted by per-capita expenditure, weights accumulated up to
    exactly ``0.4 N``; the household straddling the boundary counts with the part of its
    weight below it. Standard error by linearisation (Kovacevic and Binder 1997; Osier 2009,
    as ``convey::svylorenz``): with ``Q`` the 40% quantile, ``T`` the partial total and ``Y``
    the total, the score of ``T`` is ``x 1[x <= Q] - Q (1[x <= Q] - p)`` (no density
    estimate needed) and that of the share ``S = T / Y`` is ``(score_T - S x) / Y``; the
    scores go to :func:`tkpk_lib.estimation.estimators.linearized_variance`.

    Parameters
    ----------
    df, design, welfare, by, size
        As in :func:`gini`.
    p : float
        Population share at the bottom (0.4).
    level : float
        Confidence level.

    Returns
    -------
    pandas.DataFrame
        ``indicator`` = ``bottom40_share`` and the core result columns.

    Examples
    --------
    >>> import pandas as pd
    >>> from tkpk_lib.estimation.design import SurveyDesign
    >>> d = pd.DataFrame({"x": [1.0, 2.0, 3.0, 4.0, 10.0], "weight": 1.0})
    >>> float(bottom40_share(d, SurveyDesign("weight"), "x")["estimate"].iloc[0])
    0.15
    """
    if not 0 < p < 1:
        raise TkpkError(f"p must be between 0 and 1 (got {p})")
    byl = _as_list(by)
    x = _numeric(df, welfare, "the bottom-40% share (welfare)")
    work, d = _person_view(df, design, size)
    w = _numeric(work, d.weight, "the survey weight", positive=True)
    domains, levels = _domain_indices(df, byl)
    scores = np.zeros((len(df), len(domains)))
    estimates = []
    for j, (_key, idx) in enumerate(domains):
        xd, wd = x[idx], w[idx]
        total = float(np.sum(wd * xd))
        if total <= 0:
            raise TkpkError(f"Share undefined: total of '{welfare}' is zero in a domain ({_key})")
        share, q = _lorenz_point(xd, wd, p)
        below = (xd <= q).astype(float)
        score_t = xd * below - q * (below - p)
        scores[idx, j] = (score_t - share * xd) / total
        estimates.append(share)
    res = _linearized_result(work, d, byl, domains, levels, estimates, scores, w, level)
    code = "bottom40_share" if p == 0.4 else f"bottom{round(p * 100)}_share"
    return _tidy(res, code, byl)


def welfare_quintile(
    df: pd.DataFrame,
    design: SurveyDesign,
    welfare: str,
    size: str | None = None,
    *,
    by: str | Sequence[str] | None = None,
    n_groups: int = 5,
) -> pd.Series:
    """Weighted person quintile (1 poorest - 5 richest) of each row's per-capita expenditure.

    Rows are sorted by ``welfare``; each row gets the position of the middle of its person
    weight ``weight * size`` in the cumulative distribution, ``p = (C_before + W_i/2) / N``,
    and the group ``floor(p * n_groups) + 1``. Tied values share one position (the middle of
    the tie block), so equal expenditure never lands in two quintiles. With ``by`` the
    quintiles are computed within each group (e.g. kabupaten quintiles).

    Parameters
    ----------
    df : pandas.DataFrame
        Households (with ``size``) or persons.
    design : SurveyDesign
        Design of ``df`` (its weight is used).
    welfare : str
        Per-capita expenditure column.
    size : str, optional
        Household size column.
    by : str or list of str, optional
        Compute quantile groups within these groups.
    n_groups : int
        5 for quintiles, 10 for deciles.

    Returns
    -------
    pandas.Series
        Integer group 1..n_groups (nullable ``Int64``; missing for rows with a missing ``by``
        value) aligned with ``df.index``, named ``welfare_quintile`` (``welfare_decile``
        when ``n_groups=10``).

    Examples
    --------
    >>> import pandas as pd
    >>> from tkpk_lib.estimation.design import SurveyDesign
    >>> d = pd.DataFrame({"x": [5.0, 1.0, 4.0, 2.0, 3.0], "weight": 1.0})
    >>> welfare_quintile(d, SurveyDesign("weight"), "x").tolist()
    [5, 1, 4, 2, 3]
    """
    x = _numeric(df, welfare, "welfare quantile groups")
    work, d = _person_view(df, design, size)
    w = _numeric(work, d.weight, "the survey weight", positive=True)
    out = np.zeros(len(df), dtype=np.int64)  # 0 = row in no group (missing by value)
    for _key, idx in _domain_indices(df, _as_list(by))[0]:
        tmp = pd.DataFrame({"x": x[idx], "w": w[idx]})
        block = tmp.groupby("x", sort=True)["w"].sum()
        cum = block.cumsum()
        mid = (cum - block / 2) / float(block.sum())
        pos = mid.reindex(tmp["x"]).to_numpy(dtype=float)
        out[idx] = np.minimum(np.floor(pos * n_groups).astype(np.int64) + 1, n_groups)
    name = (
        "welfare_quintile"
        if n_groups == 5
        else "welfare_decile"
        if n_groups == 10
        else "welfare_group"
    )
    res = pd.Series(out, index=df.index, name=name, dtype="Int64")
    return res.mask(res == 0)
