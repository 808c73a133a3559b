"""Result frames of the estimators: BPS reliability classes, confidence intervals, design effects, assembly.

The shared tail of every estimator of :mod:`tkpk_lib.estimation.estimators`: the critical
value (normal or Student t with design df), Wald and logit intervals, the design effect
against simple random sampling with replacement, and one constructor for the tidy result
frame (``by`` columns, then :data:`RESULT_COLUMNS`).
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
            return "design" if (ci == "logit" or default_design) else None
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
) -> pd.DataFrame:
    """Assemble a result frame; arrays are (k, D) (variable x domain).

    Built with one DataFrame constructor (the ``by`` columns keep their dtype through
    ``take``): column-by-column assignment cost more than the estimation on survey-sized
    frames.
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
    cols["reliability"] = reliability_flag(rse)
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
    raise DesignError(f"ci must be 'normal' or 'logit', got {ci!r}")
