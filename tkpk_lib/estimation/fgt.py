"""The FGT block (P0, P1, P2) with design-based standard errors in one pass over the rows.

:func:`fgt_block` gives the same numbers, to the last bit, as
:func:`~tkpk_lib.estimation.estimators.survey_mean` of the per-person FGT values
``1[y < z] ((z - y) / z)^alpha`` (``tests/test_design.py`` checks it with
``assert_array_equal``; the means themselves are checked against R survey in
``tests/test_estimate.py``), but it never builds those columns nor a copy of the frame:

* The row passes are shared by the three indices: the weights by (sampling unit x domain)
  and the row counts once, then only the **poor rows** are gathered (a fifth of a Susenas
  file), and the unit x domain sums of ``w``, ``w g`` and ``w g^2`` (``g`` the relative gap)
  and the domain sums of their squares are ``np.bincount`` passes over those rows.  Adding the
  zeros of the non-poor rows changes no floating-point sum, so the totals are those of the
  full passes bit for bit.
* Person weights (``weight x hh_size`` of a household file) are multiplied into the prepared
  design's weights instead of a new frame column, so a
  :class:`~tkpk_lib.estimation.design.PreparedDesign` of the household file (prepared once
  per data set with :func:`~tkpk_lib.estimation.design.prepare_design`) serves every index,
  domain and call.
* Everything after the row passes (linearised unit totals, variance, design df, design
  effect, intervals, reliability) is the estimators' own code on the small unit x domain tables.

``benchmarks/bench_fgt.py`` times the job of issue 14 section 4 (P0, P1, P2 by ten domains
on 1.5 million persons) against the previous path and R survey.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import numpy as np
import pandas as pd

from tkpk_lib.errors import Problem, SchemaError
from tkpk_lib.estimation.design import PreparedDesign, SurveyDesign, scratch
from tkpk_lib.estimation.domains import _domain_codes, _Domains, _psus_from_unit_weights
from tkpk_lib.estimation.estimators import _intervals, _prepare
from tkpk_lib.estimation.results import (
    MIN_PSU_FOR_VARIANCE,
    ZERO_VARIANCE_RTOL,
    DfSpec,
    _deff,
)
from tkpk_lib.estimation.variance import variance_from_unit_totals

__all__ = ["fgt_block"]


def _values(df: pd.DataFrame, column: str, what: str, positive: bool = False) -> np.ndarray:
    """Column as a float array; a SchemaError names the user's rows that are not usable."""
    if column not in df.columns:
        raise SchemaError([Problem("input frame", column, f"column needed for {what} is missing")])
    s = df[column]
    if s.dtype == np.float64:
        v = s.to_numpy()
    else:
        v = pd.to_numeric(s, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
    bad = ~np.isfinite(v)
    if positive:
        bad |= v <= 0
    if bad.any():
        msg = "missing, non-numeric or non-positive values" if positive else "missing or non-numeric values"
        rows = (np.flatnonzero(bad) + 1).tolist()
        raise SchemaError([Problem("input frame", column, f"{msg} (needed for {what})", rows)])
    return v


def fgt_block(
    df: pd.DataFrame,
    design: SurveyDesign | PreparedDesign,
    welfare: str,
    line: float | str,
    alphas: Sequence[int] = (0, 1, 2),
    by: str | Sequence[str] | None = None,
    size: str | None = None,
    *,
    ci: str = "normal",
    level: float = 0.95,
    dof: DfSpec = "design",
) -> pd.DataFrame:
    """FGT indices ``P_alpha`` for several ``alphas`` with linearised SEs, in one row pass.

    Parameters
    ----------
    df : pandas.DataFrame
        Households (with ``size``) or persons (``size=None``).
    design : SurveyDesign or PreparedDesign
        Design of ``df``; a :class:`~tkpk_lib.estimation.design.PreparedDesign` of ``df``
        (household weights) skips validation and id coding, so prepare it once per data set.
    welfare : str
        Per-capita expenditure column.
    line : float or str
        Poverty line: a number or a column.
    alphas : sequence of {0, 1, 2}
        The indices, in output order.
    by : str or list of str, optional
        Domain columns (rows with a missing value belong to no domain).
    size : str, optional
        Household size: persons are the unit, each household counts ``weight * size``.
    ci, level, dof
        As in :func:`~tkpk_lib.estimation.estimators.survey_mean`; ``dof`` defaults to the
        domain's design df (Student t), as :func:`tkpk_lib.analysis.poverty.fgt` does.

    Returns
    -------
    pandas.DataFrame
        The frame of ``survey_mean(..., [f"fgt{a}" for a in alphas], by=by)``: the ``by``
        columns, ``variable`` (``"fgt0"``...), estimate, se, ci_low, ci_high, rse, deff, n,
        n_weighted, reliability (and ``n_cases``, ``reliability_note`` with ``ci="beta"``),
        one row per domain x alpha, alphas varying fastest.

    Examples
    --------
    >>> import pandas as pd
    >>> from tkpk_lib.estimation.design import SurveyDesign
    >>> hh = pd.DataFrame({"exp_pc": [50.0, 150.0, 80.0, 120.0], "hh_size": [3, 1, 2, 2],
    ...                    "w": [1.0, 1.0, 2.0, 1.0], "psu": [1, 2, 3, 4]})
    >>> r = fgt_block(hh, SurveyDesign("w", psu="psu"), "exp_pc", 100.0, size="hh_size")
    >>> r["estimate"].round(4).tolist()  # persons 3 + 4 of 10 poor, gaps .5 and .2
    [0.7, 0.23, 0.091]
    """
    bad_alpha = [a for a in alphas if a not in (0, 1, 2)]
    if bad_alpha or not len(alphas):
        raise SchemaError([Problem("fgt_block", "alphas", f"alphas must be 0, 1 or 2, got {list(alphas)}")])
    y = _values(df, welfare, "poverty indices (welfare)")
    z = _values(df, line, "poverty indices (line)", positive=True) if isinstance(line, str) else float(line)
    prep = _prepare(df, design)
    if size is not None:
        prep = dataclasses.replace(prep, w=prep.w * _values(df, size, "household size (persons)", positive=True))
    dom, n_dom, levels = _domain_codes(df, by, out=scratch(prep.n, np.intp, "estimate.dom"))
    dm = _Domains(prep, dom, n_dom)
    valid = dm.in_dom
    w_u, n_d = dm.weights_and_counts(valid)
    w_d = w_u.sum(axis=0)
    poor = y < z
    if valid is not None:
        poor &= valid
    rows = np.flatnonzero(poor)
    w_p, idx_p, d_p = prep.w[rows], dm.idx[rows], dm.d[rows]
    zp = z[rows] if isinstance(z, np.ndarray) else z
    gap = (zp - y[rows]) / zp
    k = len(alphas)
    shape = (k, n_dom)
    est, var, deff, cases = np.empty(shape), np.empty(shape), np.empty(shape), np.empty(shape)
    n_psu, degf = _psus_from_unit_weights(prep, w_u)
    why = np.zeros(shape, dtype=np.int8)
    size_u = prep.n_units * n_dom
    for j, a in enumerate(alphas):
        v = np.ones(len(rows)) if a == 0 else gap**a
        b = w_p * v
        y_u = np.bincount(idx_p, weights=b, minlength=size_u).reshape(prep.n_units, n_dom)
        yy_d = np.bincount(d_p, weights=b * v, minlength=n_dom).astype(np.float64)
        with np.errstate(divide="ignore", invalid="ignore"):
            y_d = y_u.sum(axis=0)
            m = y_d / w_d
            ss_z = (yy_d - y_d * m) / (w_d * w_d)
            t = (y_u - m * w_u) / w_d
            vj = variance_from_unit_totals(prep, t)
            vsrs = w_d / (n_d - 1) * np.maximum(ss_z, 0.0)
        est[j] = m
        why[j] = np.where(n_psu < MIN_PSU_FOR_VARIANCE, 1,
                          np.where((vsrs > 0) & (vj <= ZERO_VARIANCE_RTOL * vsrs), 2, 0))
        var[j] = np.where(why[j] > 0, np.nan, vj)
        deff[j] = _deff(var[j], ss_z, w_d, n_d)
        if ci == "beta":
            cases[j] = np.bincount(d_p, weights=(v != 0).astype(np.float64), minlength=n_dom)
    names = [f"fgt{a}" for a in alphas]
    cnt = np.broadcast_to(n_d, shape)
    nw = np.broadcast_to(w_d, shape)
    return _intervals(levels, names, est, var, deff, cnt, nw, ("mean", ci, level, dof),
                      (prep, dm, [valid] * k, why, np.broadcast_to(degf, shape), cases))
