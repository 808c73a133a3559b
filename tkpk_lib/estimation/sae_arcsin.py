"""Fay-Herriot on the arcsine-square-root scale, for proportions (poverty rates).

The linear Fay-Herriot model treats the sampling variance of a direct rate as known, but the
variance of a proportion depends on the proportion itself (``p (1 - p) / n``): areas with a
low direct rate by chance get a small variance and too much weight, areas with a high rate
are shrunk hard towards the regression line, and the reported MSE is almost flat in the rate.
The arcsine-square-root transformation stabilises the variance: ``asin(sqrt(p_hat))`` has
variance ``1 / (4 n_eff)`` whatever ``p`` is (``n_eff`` the effective sample size, the
sample size over the design effect). This is the standard of the R package ``emdi``
(``fh(transformation = "arcsin")``; Schmid, Bruckschen, Salvati and Zbiranski 2017; Kreutzmann
et al. 2019, J. Stat. Softw. 91(7)).

What is computed here, and why:

* **Fit.** The Fay-Herriot model ``y_d = x_d' beta + u_d + e_d`` on ``y_d = asin(sqrt(p_d))``
  with ``psi_d = 1 / (4 n_eff_d)``, by the same Fisher scoring as the linear model
  (:mod:`tkpk_lib.estimation.sae`).
* **Bias-corrected back-transformation** (emdi's ``backtransformation = "bc"``): the
  estimate of ``p_d`` is ``E[sin^2(theta_d)]`` with ``theta_d ~ N(theta_hat_d, s_d^2)``,
  ``s_d^2 = gamma_d psi_d`` in sample (the conditional variance of the area effect given the
  data) and ``sigma2_u`` out of sample; ``theta`` is truncated to ``[0, pi/2]`` (values below
  0 mean a rate of 0, above ``pi/2`` a rate of 1). The naive ``sin^2(theta_hat)`` is biased
  towards the extremes. The integral is computed by Gauss-Legendre quadrature on
  ``[0, pi/2]`` (plus the mass above ``pi/2``); ``tests/test_sae_arcsin.py`` checks it
  against ``scipy.integrate.quad`` and the closed form ``(1 - exp(-2 s^2) cos 2 mu) / 2``
  that holds when the truncation does not bite.
* **MSE by parametric bootstrap** (emdi's ``mse_type = "boot"`` for the arcsine model): the
  back-transformed MSE has no closed form. Each replicate draws ``u* ~ N(0, sigma2_u)`` and
  ``e* ~ N(0, psi)``, sets the true rate ``sin^2(clip(x' beta + u*))``, refits the model to
  ``y* = x' beta + u* + e*`` and back-transforms; the MSE is the mean squared difference over
  ``B`` replicates (default 200; a refit costs only p x p matrices, so 200 replicates of ~700
  kecamatan take well under a second). The same replicates give the MSE of the EBLUP on the
  arcsine scale (``mse_theta``).
* **Intervals on the arcsine scale** (:func:`arcsin_interval`): ``sin^2(asin(sqrt(p)) +- z
  sqrt(mse_theta))``, clipped to ``[0, pi/2]`` before back-transforming. The prediction error
  is close to normal on the arcsine scale (that is what the transformation is for), not on the
  rate scale, where it is skewed: a symmetric interval from the back-transformed MSE is too
  short above the rate and too long below it for the poorest kecamatan. This is how Casas-Cordero,
  Encina and Lahiri (2016, "Poverty mapping for the Chilean comunas", in Pratesi (ed.),
  *Analysis of Poverty Data by Small Area Estimation*, Wiley, ch. 20) build the intervals of
  their arcsine Fay-Herriot model. Measured in ``benchmarks/coverage_study.py`` (issue 15).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from tkpk_lib.errors import Problem, SchemaError

__all__ = [
    "arcsin_backtransform",
    "arcsin_interval",
    "bootstrap_mse_arcsin",
    "fay_herriot_arcsin",
    "fit_arcsin",
]

_HALF_PI = np.pi / 2.0
_NODES, _WEIGHTS = np.polynomial.legendre.leggauss(96)


def arcsin_backtransform(mu: np.ndarray, s2: np.ndarray) -> np.ndarray:
    """Bias-corrected back-transformation ``E[sin^2(clip(theta, 0, pi/2))]``, ``theta ~ N(mu, s2)``.

    Parameters
    ----------
    mu, s2 : numpy.ndarray
        Means and variances of ``theta`` on the arcsine scale (``s2 = 0`` gives the naive
        ``sin^2(clip(mu))``).

    Returns
    -------
    numpy.ndarray
        The expected proportion, in ``[0, 1]``.

    Examples
    --------
    >>> import numpy as np
    >>> round(float(arcsin_backtransform(np.array([np.arcsin(np.sqrt(0.3))]), np.array([0.0]))[0]), 12)
    0.3
    >>> round(float(arcsin_backtransform(np.array([0.6]), np.array([0.01]))[0]), 6)
    0.322409
    """
    from scipy import stats

    mu = np.asarray(mu, dtype=float)
    s2 = np.broadcast_to(np.asarray(s2, dtype=float), mu.shape)
    out = np.sin(np.clip(mu, 0.0, _HALF_PI)) ** 2
    pos = s2 > 0
    if not pos.any():
        return out
    m, s = mu[pos], np.sqrt(s2[pos])
    # integrate over the part of [0, pi/2] where the normal density is not negligible
    lo = np.clip(m - 12.0 * s, 0.0, _HALF_PI)
    hi = np.clip(m + 12.0 * s, 0.0, _HALF_PI)
    half = (hi - lo) / 2.0
    x = (lo + half)[:, None] + half[:, None] * _NODES[None, :]
    dens = stats.norm.pdf(x, loc=m[:, None], scale=s[:, None])
    inner = half * ((np.sin(x) ** 2 * dens) @ _WEIGHTS)
    above = stats.norm.sf(_HALF_PI, loc=m, scale=s)  # theta > pi/2: rate 1
    out[pos] = np.clip(inner + above, 0.0, 1.0)
    return out


def arcsin_interval(
    p: np.ndarray | float, var_theta: np.ndarray | float, level: float = 0.95
) -> tuple[np.ndarray, np.ndarray]:
    """Interval for a proportion built on the arcsine-square-root scale and back-transformed.

    ``sin^2(clip(asin(sqrt(p)) -+ z sqrt(var_theta), 0, pi/2))`` with ``z`` the normal quantile
    of ``level``. Bounds stay in ``[0, 1]``; for ``p < 0.5`` the part above ``p`` is the longer
    one, as the error of a small-area rate is skewed.

    Parameters
    ----------
    p : array-like
        Estimated proportions, in ``[0, 1]``.
    var_theta : array-like
        Mean squared error of the estimate on the arcsine scale (radians squared).
    level : float
        Confidence level.

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        Lower and upper bounds (NaN where ``p`` or ``var_theta`` is missing).

    Examples
    --------
    >>> lo, hi = arcsin_interval(0.3, 0.05**2)
    >>> round(float(lo), 4), round(float(hi), 4)
    (0.2146, 0.3931)
    """
    from tkpk_lib.errors import DesignError

    if not 0 < level < 1:
        raise DesignError(f"level must be between 0 and 1, got {level}")
    from scipy import special

    z = float(special.ndtri(0.5 + level / 2))
    pp = np.asarray(p, dtype=float)
    with np.errstate(invalid="ignore"):
        theta = np.arcsin(np.sqrt(np.clip(pp, 0.0, 1.0)))
        half = z * np.sqrt(np.asarray(var_theta, dtype=float))
    lo = np.sin(np.clip(theta - half, 0.0, _HALF_PI)) ** 2
    hi = np.sin(np.clip(theta + half, 0.0, _HALF_PI)) ** 2
    bad = np.isnan(pp) | np.isnan(half)
    return np.where(bad, np.nan, lo), np.where(bad, np.nan, hi)


def fit_arcsin(
    y_t: np.ndarray,
    X: np.ndarray,
    psi_t: np.ndarray,
    Xall: np.ndarray,
    ins: np.ndarray,
    method: str,
    tol: float,
    maxiter: int,
    start: float | None,
) -> dict[str, object]:
    """Fit on the arcsine scale and back-transform (bias-corrected) for every area.

    ``y_t``/``X``/``psi_t`` are the in-sample rows; ``Xall``/``ins`` all areas and the
    in-sample mask. Returns a dict with ``A`` (sigma2_u), ``beta``, ``Q``, ``info``,
    ``iterations``, ``converged``, ``theta`` (EBLUP on the arcsine scale, all areas),
    ``gamma`` (all areas, 0 out of sample), ``estimate`` and ``synthetic`` (back-transformed).
    """
    from tkpk_lib.estimation.sae import _fit_variance, _gls

    A, info, iters, converged = _fit_variance(method, y_t, X, psi_t, tol, maxiter, start)
    w = 1.0 / (A + psi_t)
    beta, Q = _gls(y_t, X, w)
    synth = Xall @ beta
    gamma = np.zeros(len(ins))
    gamma[ins] = A / (A + psi_t)
    theta = synth.copy()
    theta[ins] = synth[ins] + gamma[ins] * (y_t - X @ beta)
    s2 = np.full(len(ins), A)
    s2[ins] = gamma[ins] * psi_t
    return {
        "A": A, "beta": beta, "Q": Q, "info": info, "iterations": iters,
        "converged": converged, "theta": theta, "gamma": gamma,
        "estimate": arcsin_backtransform(theta, s2),
        "synthetic": arcsin_backtransform(synth, np.full(len(ins), A)),
    }


def bootstrap_mse_arcsin(
    fit: dict[str, object],
    X: np.ndarray,
    psi_t: np.ndarray,
    Xall: np.ndarray,
    ins: np.ndarray,
    method: str,
    *,
    B: int = 200,
    seed: int = 0,
    tol: float = 1e-8,
    maxiter: int = 100,
) -> tuple[np.ndarray, np.ndarray]:
    """Parametric bootstrap MSE of the back-transformed estimates (emdi ``mse_type="boot"``).

    Returns the MSE of every area (in sample and out of sample) on the proportion scale and,
    from the same replicates, the MSE of the EBLUP ``theta`` on the arcsine scale (the scale
    on which the prediction error is close to normal, used for the intervals).
    """
    rng = np.random.default_rng(seed)
    A = float(fit["A"])  # type: ignore[arg-type]
    beta = np.asarray(fit["beta"])
    mean_all = Xall @ beta
    m_all = len(ins)
    sq = np.zeros(m_all)
    sq_t = np.zeros(m_all)
    for _ in range(B):
        u = rng.standard_normal(m_all) * np.sqrt(A)
        theta = mean_all + u
        true_p = np.sin(np.clip(theta, 0.0, _HALF_PI)) ** 2
        y_b = theta[ins] + rng.standard_normal(int(ins.sum())) * np.sqrt(psi_t)
        f = fit_arcsin(y_b, X, psi_t, Xall, ins, method, tol, maxiter, None)
        sq += (np.asarray(f["estimate"]) - true_p) ** 2
        sq_t += (np.asarray(f["theta"]) - theta) ** 2
    return sq / B, sq_t / B


def fay_herriot_arcsin(
    df: pd.DataFrame,
    area: str,
    y_all: np.ndarray,
    v_all: np.ndarray,
    ins: np.ndarray,
    Xdf: pd.DataFrame,
    method: str,
    eff_n: str | None,
    source: str,
    *,
    fit: tuple[float, int, float | None],
    boot: tuple[int, int],
) -> pd.DataFrame:
    """The ``transformation="arcsin"`` branch of :func:`~tkpk_lib.estimation.sae.fay_herriot`.

    Same output columns as the linear model; called by it after the common input checks.
    """
    from tkpk_lib.estimation.sae import (
        _diagnostics,
        _mse,
        _reliability,
    )

    if eff_n is None or eff_n not in df.columns:
        raise SchemaError([Problem(source, eff_n, "transformation='arcsin' needs the effective "
                                   "sample size column eff_n")])
    n_all = df[eff_n].to_numpy(dtype=float)
    bad = ins & ~((y_all >= 0) & (y_all <= 1) & np.isfinite(n_all) & (n_all > 0))
    if bad.any():
        raise SchemaError([Problem(source, eff_n, "arcsin needs proportions in [0, 1] and a "
                                   "positive effective sample size", list(np.flatnonzero(bad) + 1))])
    tol, maxiter, start = fit
    Xall = Xdf.to_numpy(dtype=float)
    X = Xall[ins]
    y_t = np.arcsin(np.sqrt(y_all[ins]))
    psi_t = 1.0 / (4.0 * n_all[ins])
    f = fit_arcsin(y_t, X, psi_t, Xall, ins, method, tol, maxiter, start)
    A, beta, Q = float(f["A"]), np.asarray(f["beta"]), np.asarray(f["Q"])  # type: ignore[arg-type]
    mse, mse_theta = bootstrap_mse_arcsin(f, X, psi_t, Xall, ins, method, B=boot[0], seed=boot[1],
                               maxiter=maxiter)
    notes = ["arcsine-square-root model: sigma2_u, beta and residuals are on the arcsine scale; "
             f"estimates back-transformed with bias correction, MSE by a {boot[0]}-replicate "
             "parametric bootstrap"]
    if not f["converged"]:
        notes.append(f"{method} did not converge in {maxiter} iterations")
    resid = y_t - X @ beta
    std_res = resid / np.sqrt(A + psi_t)
    _, var_A = _mse(method, A, X, psi_t, Xall, np.where(ins, 1.0, np.inf))
    diag = _diagnostics(
        method, A, float(f["info"]), var_A, y_t, X, psi_t, beta, Q, resid, std_res,  # type: ignore[arg-type]
        list(Xdf.columns), fit=(tol, maxiter, start, int(f["iterations"]), bool(f["converged"])),  # type: ignore[call-overload]
        n_out=int((~ins).sum()), notes=notes,
    )
    est = np.asarray(f["estimate"])
    with np.errstate(divide="ignore", invalid="ignore"):
        se = np.sqrt(mse)
        cv = se / est
        direct_cv = np.sqrt(v_all) / y_all
    std_res_all = np.full(len(df), np.nan)
    std_res_all[ins] = std_res
    return pd.DataFrame(
        {
            area: df[area].to_numpy(),
            "direct": y_all,
            "direct_variance": np.where(ins, v_all, np.nan),
            "direct_cv": np.where(ins, direct_cv, np.nan),
            "estimate": est,
            "mse": mse,
            "se": se,
            "cv": cv,
            "reliability": _reliability(np.abs(cv)),
            "gamma": np.asarray(f["gamma"]),
            "synthetic": np.asarray(f["synthetic"]),
            "std_residual": std_res_all,
            "in_sample": ins,
            "theta": np.asarray(f["theta"]),
            "mse_theta": mse_theta,
        },
        index=df.index,
    ).pipe(_with_diag, diag)


def _with_diag(out: pd.DataFrame, diag: object) -> pd.DataFrame:
    out.attrs["diagnostics"] = diag
    return out
