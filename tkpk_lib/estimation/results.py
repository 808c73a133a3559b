"""Result frames of the estimators: BPS reliability classes, confidence intervals, design effects, assembly.

The shared tail of every estimator of :mod:`tkpk_lib.estimation.estimators`: the critical
value (normal or Student t with design df), Wald, logit and Korn-Graubard intervals, the
design effect against simple random sampling with replacement, and one constructor for the
tidy result frame (``by`` columns, then :data:`RESULT_COLUMNS`; proportions estimated with
``ci="beta"`` add ``n_cases`` and ``reliability_note``).

Honest uncertainty for rare proportions and small domains (issue 15)
-------------------------------------------------------------------
* ``ci="beta"``: the Korn-Graubard interval (:func:`korn_graubard`), a Clopper-Pearson
  interval on the effective sample size ``n* = p(1-p)/v(p)`` with the design-df adjustment, as
  R's ``svyciprop(method = "beta")`` and SAS ``PROC SURVEYFREQ CL(TYPE=CP)`` compute it.  When
  ``p`` is 0 or 1 or the variance is 0 (no sampled case in the domain), ``n*`` is the actual
  number of sample rows of the domain, so the upper bound of a zero estimate is positive
  (R returns NaN there).
* Few cases: a proportion resting on fewer than :data:`MIN_CASES` sample rows with the
  characteristic is ``"unreliable"`` whatever its RSE.
* A mean, proportion or ratio of a domain sampled in a single PSU has no estimable variance
  (its linearised PSU total is identically 0), nor has one whose design variance is a
  degenerate 0 while its values vary (:data:`ZERO_VARIANCE_RTOL`): its ``se`` (and ``deff``,
  interval) is NaN and it is ``"unreliable"`` (with the reason in ``reliability_note`` when
  ``ci="beta"``).  Totals keep R's subpopulation variance, which is estimable from the
  design's other PSUs.  Degrees of freedom: ``dof="design"`` (default for ``ci="beta"`` and
  ``"logit"``) uses the domain's PSUs minus strata, as R's ``degf`` of the subset design.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd
from scipy import special  # scipy.stats costs ~2 s to import in every report kernel

from tkpk_lib.errors import DesignError

RSE_RELIABLE_MAX = 0.25


"""RSE at or below which an estimate is ``"reliable"`` (BPS: RSE <= 25%)."""


RSE_CAUTION_MAX = 0.50


"""RSE at or below which an estimate is ``"caution"`` (25% < RSE <= 50%); above: unreliable."""


RELIABILITY_LEVELS = ("reliable", "caution", "unreliable")


MIN_CASES = 20
"""Fewest sample cases (rows with the characteristic) for a proportion to be publishable.

Source/reason: Eurostat's EU-SILC rule (Commission Regulation (EC) No 1982/2003 as applied in
the Eurostat database) does not publish figures based on fewer than 20 sample observations and
flags those based on 20-49; BPS likewise does not publish Susenas estimates resting on a handful
of households.  With fewer than 20 cases the RSE itself is too noisy to judge reliability, so a
proportion (``ci="beta"``) with ``n_cases < MIN_CASES`` is ``"unreliable"`` whatever its RSE.
Changed here and only here.
"""


MIN_PSU_FOR_VARIANCE = 2
"""A domain needs sample rows in at least this many PSUs for a design variance of a mean,
proportion or ratio: with one PSU the linearised PSU total is identically zero, so the
linearisation variance would be a spurious 0 (R ``survey`` reports that 0; we report NaN)."""


ZERO_VARIANCE_RTOL = 1e-12
"""A mean/ratio whose design variance is at most this fraction of its SRS variance, while the
values vary within the domain (SRS variance > 0), is a degenerate zero (e.g. every sampled PSU
of the domain has the same share): its variance is treated as not estimable.  A domain whose
values do not vary at all (a proportion of 0 or 1) keeps its variance 0; its Korn-Graubard
interval still has positive width."""


NOTE_FEW_PSU = "variance not estimable: domain sampled in a single PSU"
NOTE_ZERO_VAR = "variance not estimable: zero design variance although the values vary"
NOTE_NO_DF = "no interval: no design degrees of freedom in the domain (as many PSUs as strata)"
NOTE_FEW_CASES = f"fewer than {MIN_CASES} sample cases"
NOTE_NO_CASES = "no sample case: interval from the domain sample size"


RESULT_COLUMNS = (
    "estimate",
    "se",
    "ci_low",
    "ci_high",
    "rse",
    "deff",
    "n",
    "n_weighted",
    "reliability",
)


DfSpec = float | int | Literal["auto", "design"] | None


def reliability_flag(rse: float | np.ndarray | pd.Series) -> np.ndarray | str:
    """BPS reliability class of a relative standard error.

    Parameters
    ----------
    rse : float or array-like
        Relative standard error(s) ``se / |estimate|`` as fractions (0.25 = 25%).

    Returns
    -------
    str or ndarray of str
        ``"reliable"`` (RSE <= 0.25), ``"caution"`` (0.25 < RSE <= 0.5) or ``"unreliable"``
        (RSE > 0.5, infinite or NaN).

    Examples
    --------
    >>> reliability_flag(0.1)
    'reliable'
    >>> reliability_flag([0.25, 0.3, 0.9]).tolist()
    ['reliable', 'caution', 'unreliable']
    """
    scalar = np.ndim(rse) == 0
    r = np.asarray(rse, dtype=np.float64)
    out = np.where(
        r <= RSE_RELIABLE_MAX,
        RELIABILITY_LEVELS[0],
        np.where(r <= RSE_CAUTION_MAX, RELIABILITY_LEVELS[1], RELIABILITY_LEVELS[2]),
    ).astype(object)
    return str(out) if scalar else out


def _crit(level: float, df: np.ndarray | float | None) -> np.ndarray | float:
    if not 0 < level < 1:
        raise DesignError(f"level must be between 0 and 1, got {level}")
    a = 1 - (1 - level) / 2
    if df is None:
        return float(special.ndtri(a))
    dfa = np.asarray(df, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        return np.where(
            np.isinf(dfa), special.ndtri(a), special.stdtrit(np.where(dfa > 0, dfa, np.nan), a)
        )


def _resolve_df(df_spec: DfSpec, ci: str, default_design: bool) -> str | float | None:
    if isinstance(df_spec, str):
        if df_spec == "auto":
            return "design" if (ci in ("logit", "beta") or default_design) else None
        if df_spec == "design":
            return "design"
        raise DesignError(f"df must be None, 'auto', 'design' or a number, got {df_spec!r}")
    if df_spec is None:
        return None
    return float(df_spec)


def _finish(
    levels: pd.DataFrame,
    variables: list[str] | None,
    est: np.ndarray,
    se: np.ndarray,
    lo: np.ndarray,
    hi: np.ndarray,
    deff: np.ndarray,
    n: np.ndarray,
    nw: np.ndarray,
    extra: dict[str, np.ndarray] | None = None,
    n_cases: np.ndarray | None = None,
    notes: np.ndarray | None = None,
) -> pd.DataFrame:
    """Assemble a result frame; arrays are (k, D) (variable x domain).

    Built with one DataFrame constructor (the ``by`` columns keep their dtype through
    ``take``): column-by-column assignment cost more than the estimation on survey-sized
    frames.  ``n_cases`` (proportions) adds the ``n_cases`` and ``reliability_note`` columns
    and the few-cases rule (:data:`MIN_CASES`); ``notes`` (k, D) are reasons already known
    (e.g. a single-PSU domain), which force ``"unreliable"``.
    """
    k, n_dom = est.shape
    rows = np.repeat(np.arange(n_dom), k)
    cols: dict[str, object] = {c: levels[c].array.take(rows) for c in levels.columns}
    if variables is not None:
        cols["variable"] = np.tile(np.asarray(variables, dtype=object), n_dom)
    for name, arr in (extra or {}).items():
        cols[name] = np.asarray(arr).T.ravel()

    def flat(a: np.ndarray) -> np.ndarray:
        return np.asarray(a, dtype=np.float64).T.ravel()

    e, s = flat(est), flat(se)
    with np.errstate(divide="ignore", invalid="ignore"):
        rse = s / np.abs(e)
    cols["estimate"] = e
    cols["se"] = s
    cols["ci_low"] = flat(lo)
    cols["ci_high"] = flat(hi)
    cols["rse"] = rse
    cols["deff"] = flat(deff)
    cols["n"] = np.asarray(n).T.ravel().astype(np.int64)
    cols["n_weighted"] = flat(nw)
    rel = reliability_flag(rse)
    if n_cases is None and notes is None:
        cols["reliability"] = rel
        return pd.DataFrame(cols, index=pd.RangeIndex(k * n_dom))
    note = np.full(k * n_dom, "", dtype=object) if notes is None else np.asarray(notes).T.ravel()
    if n_cases is not None:
        nc = np.asarray(n_cases).T.ravel().astype(np.int64)
        cols["n_cases"] = nc
        extra_note = np.where(nc == 0, NOTE_NO_CASES, np.where(nc < MIN_CASES, NOTE_FEW_CASES, ""))
        note = np.where(note == "", extra_note, note).astype(object)
    rel = np.where(note != "", RELIABILITY_LEVELS[2], rel).astype(object)
    cols["reliability"] = rel
    if n_cases is not None:
        cols["reliability_note"] = note
    return pd.DataFrame(cols, index=pd.RangeIndex(k * n_dom))


def _deff(var: np.ndarray, ss: np.ndarray, nw: np.ndarray, n: np.ndarray) -> np.ndarray:
    """Design effect vs SRS with replacement of n rows (R's ``deff = "replace"``).

    ``ss`` is the weighted sum of squares of the linearised values about their weighted mean
    in the domain, ``sum_d w (z - zbar_w)^2``; ``v_srs = N/(n-1) * ss``.
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        vsrs = nw / (n - 1) * np.maximum(ss, 0.0)
        return var / vsrs


def _wald(
    est: np.ndarray, se: np.ndarray, crit: np.ndarray | float, ci: str
) -> tuple[np.ndarray, np.ndarray]:
    if ci == "normal":
        return est - crit * se, est + crit * se
    if ci == "logit":
        ok = np.isnan(est) | ((est >= 0) & (est <= 1))
        if not ok.all():
            raise DesignError(
                "ci='logit' is for proportions (means of 0/1 variables); an estimate "
                "outside [0, 1] was found"
            )
        with np.errstate(divide="ignore", invalid="ignore"):
            lg = np.log(est / (1 - est))
            se_l = se / (est * (1 - est))
            lo = 1 / (1 + np.exp(-(lg - crit * se_l)))
            hi = 1 / (1 + np.exp(-(lg + crit * se_l)))
        lo = np.where(est == 0, 0.0, np.where(est == 1, 1.0, lo))
        hi = np.where(est == 0, 0.0, np.where(est == 1, 1.0, hi))
        return lo, hi
    raise DesignError(f"ci must be 'normal', 'logit' or 'beta', got {ci!r}")


def korn_graubard(
    est: np.ndarray | float,
    var: np.ndarray | float,
    n: np.ndarray | float,
    degf: np.ndarray | float | None,
    level: float = 0.95,
) -> tuple[np.ndarray, np.ndarray]:
    """Korn-Graubard (design-adjusted Clopper-Pearson) interval for a survey proportion.

    With the effective sample size ``n* = p(1-p)/v(p)``, adjusted for the design degrees of
    freedom ``n* <- n* (t_{n-1, a/2} / t_{df, a/2})^2`` (Korn & Graubard 1998, Survey
    Methodology 24(2):193-201), the bounds are the Clopper-Pearson bounds at ``x* = n* p``:
    ``lo = Beta^{-1}(a/2; x*, n* - x* + 1)``, ``hi = Beta^{-1}(1 - a/2; x* + 1, n* - x*)``
    (0 when ``p = 0``, 1 when ``p = 1``).  This is R survey's ``svyciprop(method = "beta")``
    (which uses the number of rows of the domain for ``n`` and the domain's design df).

    Why hand-written: R is not available to the product and statsmodels has no survey
    version; a few ``scipy.special`` calls.  Departure from R, by design: when ``p`` is 0 or 1
    or ``v(p) = 0``, ``n*`` cannot be formed (R returns NaN); the actual sample size ``n`` is
    used instead (then df-adjusted), so a domain with no sampled case still gets a positive
    upper bound.  ``n*`` is not truncated at ``n`` (R does not; SAS can).  A NaN variance
    (not estimable) with ``0 < p < 1`` gives a NaN interval.  Checked against
    ``statsmodels.stats.proportion.proportion_confint(method="beta")`` on the effective counts
    and hand computations in ``tests/test_intervals.py``.

    Parameters
    ----------
    est, var : array-like
        Estimated proportion(s) and their design variance(s).
    n : array-like
        Number of sample rows in each domain.
    degf : array-like, float or None
        Design degrees of freedom of each domain; ``None``, non-positive or infinite: no
        df adjustment.
    level : float
        Confidence level.

    Returns
    -------
    (ndarray, ndarray)
        Lower and upper bounds, broadcast to the shape of ``est``.

    Examples
    --------
    >>> lo, hi = korn_graubard(0.0, 0.0, 30, None)
    >>> float(lo), round(float(hi), 4)  # Clopper-Pearson 0/30
    (0.0, 0.1157)
    """
    if not 0 < level < 1:
        raise DesignError(f"level must be between 0 and 1, got {level}")
    a = (1 - level) / 2
    p, v, nn = np.broadcast_arrays(
        np.asarray(est, dtype=np.float64),
        np.asarray(var, dtype=np.float64),
        np.asarray(n, dtype=np.float64),
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        boundary = (p <= 0) | (p >= 1) | (v == 0)
        n_eff = np.where(boundary, nn, p * (1 - p) / v)
        if degf is not None:
            dfa = np.broadcast_to(np.asarray(degf, dtype=np.float64), p.shape)
            ok = np.isfinite(dfa) & (dfa > 0) & (nn > 1)
            t_n = special.stdtrit(np.where(nn > 1, nn - 1, np.nan), a)
            t_df = special.stdtrit(np.where(ok, dfa, np.nan), a)
            n_eff = n_eff * np.where(ok, (t_n / t_df) ** 2, 1.0)
        x = n_eff * p
        lo = np.where(p <= 0, 0.0, special.betaincinv(x, n_eff - x + 1, a))
        hi = np.where(p >= 1, 1.0, special.betaincinv(x + 1, n_eff - x, 1 - a))
    bad = np.isnan(p) | ~(n_eff > 0)
    return np.where(bad, np.nan, lo), np.where(bad, np.nan, hi)
