"""Design variance of weighted totals by Taylor linearisation (ultimate cluster, two stages).

Variance method
---------------
Taylor linearisation with the *ultimate cluster* estimator, as R's ``survey`` package computes
it (``svyrecvar``/``onestage``/``onestrat`` in survey 4.1): for every column ``z`` of per-row
linearised values, PSU totals ``t_hi = sum_{j in PSU hi} w_j z_j`` are formed, centred at their
stratum mean, and

    V = sum_h (1 - f_h) * n_h / (n_h - 1) * sum_i (t_hi - tbar_h)^2

with ``n_h`` the number of PSUs sampled in stratum ``h`` and ``f_h = n_h / N_h`` the first-stage
sampling fraction (``f_h = 0``, i.e. with replacement, when no ``fpc`` is given).  PSUs are nested
in strata (R's ``nest=TRUE``): the pair (stratum, PSU) identifies a PSU.  When a first-stage fpc
and a second-stage unit (``ssu``) are declared, the second stage adds, as R's ``multistage`` does,

    sum_hi (n_h / N_h) * (1 - f_hi) * m_hi / (m_hi - 1) * sum_j (u_hij - ubar_hi)^2

over the SSU totals ``u_hij`` of each PSU (``m_hi`` SSUs sampled out of ``M_hi`` given by
``fpc2``; with-replacement at stage two when ``fpc2`` is absent).  This reproduces R's
``svydesign(ids = ~psu + ssu, fpc = ~fpc1 + fpc2)`` (checked against apiclus2 in the tests).

Domains are handled by zeroing ``z`` outside the domain while keeping every PSU of the design
(R's subpopulation semantics, ``survey.adjust.domain.lonely = FALSE``), never by subsetting.

Why hand-written: the estimator is a handful of ``np.bincount`` passes; one pass per column over
the rows and then O(#PSU) work, which is what makes the 1.5-million-person benchmark run in a
fraction of R's time (see ``benchmarks/bench_estimate.py`` and the docstring of
:mod:`tkpk_lib.estimation.estimators` for the comparison with the ``svy`` package).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from tkpk_lib.errors import DesignError
from tkpk_lib.estimation.design import PreparedDesign, SurveyDesign, prepare_design


def _centered_ss(
    totals: np.ndarray, group_starts: np.ndarray, group_of: np.ndarray, scale: np.ndarray
) -> np.ndarray:
    """sum_g scale_g * (t_g - mean of t within its group)^2, column-wise.

    ``totals`` is (G, k) with groups contiguous (``group_starts``); ``group_of`` (G,) is the
    group of each row, ``scale`` (G,) the per-row factor.
    """
    counts = np.diff(np.append(group_starts, totals.shape[0]))
    nonempty = counts > 0
    sums = np.zeros((len(group_starts), totals.shape[1]))
    if totals.shape[0]:
        sums[nonempty] = np.add.reduceat(totals, group_starts[nonempty], axis=0)
    means = sums / np.maximum(counts, 1)[:, None]
    dev = totals - means[group_of]
    return np.einsum("g,gk,gk->k", scale, dev, dev)


def variance_from_psu_totals(prep: PreparedDesign, psu_totals: np.ndarray) -> np.ndarray:
    """First-stage variance from PSU totals (n_psu x k) of weighted linearised values."""
    v = _centered_ss(psu_totals, prep.strata_starts, prep.psu_stratum, prep.psu_scale)
    if prep.lonely_center.any():
        grand = psu_totals.sum(axis=0) / prep.n_psu
        d = psu_totals[prep.lonely_center] - grand
        v = v + np.einsum("g,gk,gk->k", prep.psu_scale[prep.lonely_center], d, d)
    return v


def variance_from_unit_totals(prep: PreparedDesign, unit_totals: np.ndarray) -> np.ndarray:
    """Design variance from totals by finest unit (``prep.n_units`` x k), column-wise.

    With a second stage the SSU totals give the within-PSU term and, summed by PSU, the
    first-stage term; otherwise the units are the PSUs.

    Parameters
    ----------
    prep : PreparedDesign
    unit_totals : ndarray (n_units, k)
        Sums of ``w * z`` by unit (``np.bincount(prep.unit_code, w * z)``).

    Returns
    -------
    ndarray (k,)
    """
    t = np.asarray(unit_totals, dtype=np.float64)
    if t.ndim == 1:
        t = t[:, None]
    if prep.ssu_code is None:
        return variance_from_psu_totals(prep, t)
    v2 = _centered_ss(t, prep.ssu_psu_starts, prep.ssu_psu, prep.ssu_scale)
    t_psu = np.add.reduceat(t, prep.ssu_psu_starts, axis=0)
    return variance_from_psu_totals(prep, t_psu) + v2


def unit_domain_totals(
    prep: PreparedDesign, values: np.ndarray, dom: np.ndarray | None = None, n_dom: int = 1
) -> np.ndarray:
    """Sums of ``values`` (n,) by (finest unit, domain): an (n_units, n_dom) array.

    ``dom`` (n,) holds domain codes ``0..n_dom-1`` (rows outside every domain must carry a
    valid code and a zero value).  One ``np.bincount`` pass over the rows.
    """
    if dom is None or n_dom == 1:
        return np.bincount(prep.unit_code, weights=values, minlength=prep.n_units)[:, None]
    idx = prep.unit_code * n_dom + dom
    return np.bincount(idx, weights=values, minlength=prep.n_units * n_dom).reshape(
        prep.n_units, n_dom
    )


def variance_of_weighted(prep: PreparedDesign, wz: np.ndarray) -> np.ndarray:
    """Design variance of column sums of ``wz`` (n x k, already multiplied by the weights)."""
    k = wz.shape[1]
    t = np.empty((prep.n_units, k))
    for j in range(k):  # loop over columns only; each one C pass over the rows
        t[:, j] = np.bincount(prep.unit_code, weights=wz[:, j], minlength=prep.n_units)
    return variance_from_unit_totals(prep, t)


def domain_variance(
    prep: PreparedDesign, wz: np.ndarray, dom: np.ndarray, n_dom: int
) -> np.ndarray:
    """Variances of domain totals without materialising an n x (k*D) matrix.

    Parameters
    ----------
    prep : PreparedDesign
    wz : ndarray (n, k)
        Weighted linearised values (``w * z``), already zero for rows outside every domain.
    dom : ndarray (n,)
        Domain code of each row in ``0..n_dom-1`` (rows with ``wz == 0`` may carry any code).
    n_dom : int
        Number of domains.

    Returns
    -------
    ndarray (k, n_dom)
        Variance of ``sum_{i in d} wz_ij`` for each column ``j`` and domain ``d``.
    """
    wz = np.asarray(wz, dtype=np.float64)
    if wz.ndim == 1:
        wz = wz[:, None]
    k = wz.shape[1]
    idx = prep.unit_code * n_dom + dom
    t = np.empty((prep.n_units, k * n_dom))
    for j in range(k):
        t[:, j * n_dom : (j + 1) * n_dom] = np.bincount(
            idx, weights=wz[:, j], minlength=prep.n_units * n_dom
        ).reshape(prep.n_units, n_dom)
    return variance_from_unit_totals(prep, t).reshape(k, n_dom)


def linearized_variance(
    df: pd.DataFrame, design: SurveyDesign | PreparedDesign, z: np.ndarray
) -> np.ndarray:
    """Design variance of ``sum_i w_i z_i`` for each column of ``z``.

    Parameters
    ----------
    df : pandas.DataFrame
        Survey microdata (used for the design columns).
    design : SurveyDesign or PreparedDesign
        The design (a :class:`PreparedDesign` from :func:`prepare_design` skips re-validation).
    z : ndarray, shape (n,) or (n, k)
        Per-row linearised values (zero outside a domain). NaN is not allowed.

    Returns
    -------
    ndarray, shape (k,)
        Variances (a 1-element array for 1-d ``z``).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> df = pd.DataFrame({"w": [1.0, 1.0]})
    >>> linearized_variance(df, SurveyDesign("w"), np.array([1.0, 3.0]))  # 2/1 * (1 + 1)
    array([4.])
    """
    prep = design if isinstance(design, PreparedDesign) else prepare_design(df, design)
    z = np.asarray(z, dtype=np.float64)
    if z.ndim == 1:
        z = z[:, None]
    if z.shape[0] != prep.n:
        raise DesignError(f"z has {z.shape[0]} rows but the frame has {prep.n}")
    if np.isnan(z).any():
        raise DesignError("z contains NaN; set values outside a domain to 0")
    return variance_of_weighted(prep, prep.w[:, None] * z)
