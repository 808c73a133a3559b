"""Area-level small-area estimation: the Fay-Herriot model.

Official poverty figures from Susenas are reliable only down to kabupaten/kota. For kecamatan
(or desa) the direct survey estimates are noisy; the Fay-Herriot (FH) model borrows strength
from area-level covariates (Podes indicators, registry counts, ...) and shrinks each direct
estimate towards a regression prediction, the more so the noisier the direct estimate is.

Model (Fay and Herriot 1979; Rao and Molina 2015, ch. 6)::

    direct_d = x_d' beta + u_d + e_d,   u_d ~ N(0, sigma2_u),  e_d ~ N(0, psi_d)

with ``psi_d`` the (known) design variance of the direct estimate. The EBLUP is
``gamma_d * direct_d + (1 - gamma_d) * x_d' beta`` with ``gamma_d = sigma2_u / (sigma2_u + psi_d)``.
Areas without a direct estimate get the synthetic estimate ``x_d' beta``.

Why a hand-written fit: the only Python implementation at hand, samplics 0.6.1
(``EblupAreaModel``), is archived and unmaintained, stops early by default, builds dense
m x m matrices (slow for ~1,500 desa) and its ML fit is wrong. The fit below is a compact,
vectorised transcription of the Fisher-scoring algorithms of R package ``sae`` (``eblupFH``;
Molina and Marhuenda 2015) with the Prasad-Rao / Datta-Lahiri / Datta-Rao-Smith MSE of
``sae::mseFH``; it uses only p x p matrices. ``tests/test_sae.py`` checks it against the
values printed by ``sae`` on the milk data (at ``sae``'s own tolerance and start value) and
against samplics with a tightened tolerance.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from tkpk_lib.errors import Problem, SchemaError, TkpkError
from tkpk_lib.estimation.benchmark import benchmark_estimates

__all__ = [
    "FHDiagnostics",
    "benchmark_estimates",
    "fay_herriot",
]


_METHODS = ("REML", "ML", "FH")


@dataclass(frozen=True, eq=False)
class FHDiagnostics:
    """Model-level results of :func:`fay_herriot`.

    Attributes
    ----------
    method : str
        "REML", "ML" or "FH" (Fay-Herriot method of moments).
    sigma2_u : float
        Estimated variance of the area random effects (truncated at 0).
    sigma2_u_se : float
        Asymptotic standard error of ``sigma2_u`` (inverse Fisher information; for "FH" the
        asymptotic variance ``2 m / (sum 1/v_d)^2`` used by ``sae::mseFH``).
    beta : pandas.Series
        Regression coefficients (index: "intercept" and covariate names).
    beta_se, beta_p : pandas.Series
        Standard errors and two-sided normal p-values of ``beta``.
    r2 : float
        R-squared of the weighted regression of the direct estimates on the covariates, with
        the FH weights ``1 / (sigma2_u + psi_d)`` (share of the weighted variation of the
        direct estimates around their weighted mean explained by ``x' beta``).
    r2_variance : float
        Proportional reduction of ``sigma2_u`` against an intercept-only FH model fitted
        by the same method, clipped to [0, 1]: how much between-area variance the
        covariates explain.
    loglike, aic, bic : float
        Log-likelihood, AIC and BIC as ``sae::eblupFH`` reports them (the ML log-likelihood
        evaluated at the fitted parameters, p + 1 parameters).
    shapiro_p_residuals : float
        Shapiro-Wilk p-value of the standardised residuals
        ``(direct - x' beta) / sqrt(sigma2_u + psi)`` (NaN with fewer than 3 areas).
    shapiro_p_random_effects : float
        Shapiro-Wilk p-value of the standardised predicted random effects
        ``u_hat / sqrt(sigma2_u)`` (NaN when ``sigma2_u`` is 0).
    iterations : int
    converged : bool
    n_in_sample, n_out_of_sample : int
        Areas with / without a direct estimate.
    """

    method: str
    sigma2_u: float
    sigma2_u_se: float
    beta: pd.Series
    beta_se: pd.Series
    beta_p: pd.Series
    r2: float
    r2_variance: float
    loglike: float
    aic: float
    bic: float
    shapiro_p_residuals: float
    shapiro_p_random_effects: float
    iterations: int
    converged: bool
    n_in_sample: int
    n_out_of_sample: int
    notes: list[str] = field(default_factory=list)

    def coefficients(self) -> pd.DataFrame:
        """Coefficient table: term, beta, se, z, p_value."""
        return pd.DataFrame(
            {
                "term": self.beta.index.astype(str),
                "beta": self.beta.to_numpy(),
                "se": self.beta_se.to_numpy(),
                "z": (self.beta / self.beta_se).to_numpy(),
                "p_value": self.beta_p.to_numpy(),
            }
        )


def _gls(y: np.ndarray, X: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Weighted least squares: beta and Q = (X' W X)^-1 for diagonal W = diag(w)."""
    XtW = X.T * w
    Q = np.linalg.inv(XtW @ X)
    beta = Q @ (XtW @ y)
    return beta, Q


def _score_info(
    method: str, A: float, y: np.ndarray, X: np.ndarray, psi: np.ndarray
) -> tuple[float, float]:
    """Score and (expected) information of sae::eblupFH for variance A, without m x m matrices.

    With W = diag(1/(A + psi)), Q = (X'WX)^-1 and P = W - W X Q X' W:
    tr(P) = sum(w) - tr(Q X'W^2X); tr(P^2) = sum(w^2) - 2 tr(Q X'W^3X) + tr((Q X'W^2X)^2);
    P y = W r with r = y - X beta_hat.
    """
    w = 1.0 / (A + psi)
    beta, Q = _gls(y, X, w)
    r = y - X @ beta
    Py = w * r
    if method == "REML":
        B2 = (X.T * w**2) @ X
        B3 = (X.T * w**3) @ X
        QB2 = Q @ B2
        trP = w.sum() - np.trace(QB2)
        trPP = (w**2).sum() - 2.0 * np.trace(Q @ B3) + np.trace(QB2 @ QB2)
        return -0.5 * trP + 0.5 * float(Py @ Py), 0.5 * trPP
    if method == "ML":
        return -0.5 * w.sum() + 0.5 * float(Py @ Py), 0.5 * float((w**2).sum())
    # FH method of moments: solve sum(w r^2) = m - p (sae uses sum(w) as information)
    m, p = X.shape
    return float((w * r**2).sum()) - (m - p), float(w.sum())


def _fit_variance(
    method: str,
    y: np.ndarray,
    X: np.ndarray,
    psi: np.ndarray,
    tol: float,
    maxiter: int,
    start: float | None,
) -> tuple[float, float, int, bool]:
    """Fisher scoring of sae::eblupFH: A_{k+1} = A_k + s/F, stop on |dA / A_k| <= tol.

    Returns (A truncated at 0, information at the last iterate, iterations, converged).
    """
    A = float(np.median(psi)) if start is None else float(start)
    diff = tol + 1.0
    k = 0
    info = np.nan
    while diff > tol and k < maxiter:
        k += 1
        s, info = _score_info(method, A, y, X, psi)
        A_new = A + s / info
        diff = abs((A_new - A) / A) if A != 0 else abs(A_new - A)
        if A_new + psi.min() <= 0:
            # the step left the region where V is positive definite: the maximum sits at
            # (or very near) the boundary; continue from 0 as the truncated estimate does
            A_new = 0.0
            s0, info = _score_info(method, 0.0, y, X, psi)
            if s0 <= 0:
                A, diff = 0.0, 0.0
                break
        A = A_new
    converged = diff <= tol
    return max(A, 0.0), float(info), k, converged


def _mse(
    method: str, A: float, X: np.ndarray, psi: np.ndarray, Xall: np.ndarray, psi_all: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """MSE of sae::mseFH (g1 + g2 + 2 g3 [- b (1 - gamma)^2]) for the rows of Xall.

    ``X``/``psi`` are the in-sample areas (they define Q, the asymptotic variance of A and
    the bias term); ``psi_all`` is ``inf`` for out-of-sample areas, which gives the synthetic
    MSE ``sigma2_u + x' Q x`` (gamma = 0, g3 = 0). Returns (mse, var_A).
    """
    m = X.shape[0]
    w = 1.0 / (A + psi)
    _, Q = _gls(np.zeros(m), X, w)
    sum_w2 = float((w**2).sum())
    bias = 0.0
    if method in ("REML", "ML"):
        var_A = 2.0 / sum_w2
        if method == "ML":
            bias = -float(np.trace(Q @ ((X.T * w**2) @ X))) / sum_w2
    else:
        sum_w = float(w.sum())
        var_A = 2.0 * m / sum_w**2
        bias = 2.0 * (m * sum_w2 - sum_w**2) / sum_w**3
    out = np.isinf(psi_all)
    psi_f = np.where(out, 1.0, psi_all)
    v = A + psi_f
    one_minus_gamma = np.where(out, 1.0, psi_f / v)  # B_d in sae
    g1 = np.where(out, A, A * psi_f / v)
    g2 = one_minus_gamma**2 * np.einsum("ij,jk,ik->i", Xall, Q, Xall)
    g3 = np.where(out, 0.0, one_minus_gamma**2 * var_A / v)
    mse = g1 + g2 + 2.0 * g3 - np.where(out, 0.0, bias * one_minus_gamma**2)
    return mse, np.full(1, var_A)


def _shapiro_p(x: np.ndarray) -> float:
    x = x[np.isfinite(x)]
    if x.size < 3 or np.ptp(x) == 0:
        return float("nan")
    from scipy import stats

    return float(stats.shapiro(x).pvalue)


def _design_matrix(df: pd.DataFrame, covariates: Sequence[str], source: str) -> pd.DataFrame:
    """Design matrix: intercept + covariates.

    String / categorical covariates become 0/1 dummies (first level dropped), booleans
    become 0/1.
    """
    parts: list[pd.DataFrame] = [pd.DataFrame({"intercept": np.ones(len(df))}, index=df.index)]
    problems: list[Problem] = []
    for col in covariates:
        s = df[col]
        if pd.api.types.is_bool_dtype(s):
            parts.append(s.astype(float).to_frame(col))
        elif pd.api.types.is_numeric_dtype(s):
            parts.append(s.astype(float).to_frame(col))
        else:
            if s.isna().any():
                rows = list(np.flatnonzero(s.isna().to_numpy()) + 1)
                problems.append(Problem(source, col, "missing covariate values", rows))
                continue
            levels = sorted(pd.unique(s.astype(str)))
            for lev in levels[1:]:
                parts.append(pd.DataFrame({f"{col}[{lev}]": (s.astype(str) == lev).astype(float)}))
    if problems:
        raise SchemaError(problems)
    return pd.concat(parts, axis=1)


def _check_input(
    df: pd.DataFrame,
    direct: str,
    variance: str,
    covariates: Sequence[str],
    area: str,
    source: str,
) -> None:
    problems: list[Problem] = []
    for col in [area, direct, variance, *covariates]:
        if col not in df.columns:
            problems.append(Problem(source, col, "column not found"))
    if problems:
        raise SchemaError(problems)

    def rows(mask: np.ndarray) -> list[int]:
        return list(np.flatnonzero(mask) + 1)

    dup = df[area].duplicated(keep=False).to_numpy()
    if dup.any():
        problems.append(Problem(source, area, "area codes must be unique", rows(dup)))
    if df[area].isna().any():
        problems.append(
            Problem(source, area, "missing area code", rows(df[area].isna().to_numpy()))
        )
    for col in (direct, variance):
        if not pd.api.types.is_numeric_dtype(df[col]):
            problems.append(Problem(source, col, "must be numeric"))
    if problems:
        raise SchemaError(problems)
    y = df[direct].to_numpy(dtype=float)
    v = df[variance].to_numpy(dtype=float)
    has_y = np.isfinite(y)
    bad_v = has_y & ~(np.isfinite(v) & (v > 0))
    if bad_v.any():
        problems.append(
            Problem(
                source,
                variance,
                "areas with a direct estimate need a positive, finite sampling variance",
                rows(bad_v),
            )
        )
    for col in covariates:
        s = df[col]
        if pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s):
            bad = ~np.isfinite(s.to_numpy(dtype=float))
            if bad.any():
                problems.append(Problem(source, col, "missing or infinite covariate", rows(bad)))
    if problems:
        raise SchemaError(problems)


def _reliability(cv: np.ndarray) -> np.ndarray:
    out = np.full(cv.shape, "unreliable", dtype=object)
    out[cv <= 0.50] = "caution"
    out[cv <= 0.25] = "reliable"
    out[~np.isfinite(cv)] = "unreliable"
    return out


def fay_herriot(
    df: pd.DataFrame,
    direct: str,
    variance: str,
    covariates: Sequence[str],
    area: str,
    method: str = "REML",
    benchmark: Mapping[str, Any] | None = None,
    *,
    tol: float = 1e-10,
    maxiter: int = 100,
    start: float | None = None,
    source: str = "fay_herriot input",
    transformation: str = "none",
    eff_n: str | None = None,
    mse_boot: int = 200,
    seed: int = 0,
) -> pd.DataFrame:
    """Fay-Herriot EBLUP per area, with Prasad-Rao type MSE and model diagnostics.

    Parameters
    ----------
    df : pandas.DataFrame
        One row per area (e.g. kecamatan): area code, direct estimate, its sampling variance
        and the covariates. Areas with a missing direct estimate are out of sample and get the
        synthetic estimate ``x' beta``.
    direct : str
        Column with the direct (survey) estimate, e.g. a poverty rate from Susenas.
    variance : str
        Column with the design variance of the direct estimate (``se**2``), treated as known.
        A variance of a direct estimate based on very few households is itself noisy; smooth
        it (generalised variance function) before calling this function.
    covariates : sequence of str
        Covariate columns. Numeric columns enter as they are; string/categorical columns are
        expanded into 0/1 dummies (first level, sorted, is the reference). An intercept is
        always included.
    area : str
        Area code column (unique).
    method : {"REML", "ML", "FH"}
        Estimator of ``sigma2_u``: restricted ML (default), ML, or the Fay-Herriot moment
        estimator. All by the Fisher-scoring schemes of ``sae::eblupFH``.
    benchmark : mapping, optional
        If given, passed to :func:`benchmark_estimates` as
        ``dict(weights=<column of df>, target=<float or mapping by group>, by=<column or None>)``;
        adds ``estimate_benchmarked``, ``benchmark_factor`` and ``mse_benchmarked``
        (``mse + (estimate_benchmarked - estimate)^2``, the second-order MSE of the benchmarked
        EBLUP of Steorts and Ghosh 2013, Statistica Sinica 23: 749-767).
    tol, maxiter, start : float, int, float or None
        Convergence tolerance on the relative change of ``sigma2_u`` (``sae`` uses 1e-4, which
        stops early and moves EBLUPs by up to ~1e-6; the default 1e-10 runs to convergence),
        the iteration limit and the start value (default: median sampling variance, as ``sae``).
    source : str
        Name of the input used in error messages.
    transformation : {"none", "arcsin"}
        ``"none"``: the linear model above (matches R ``sae``). ``"arcsin"``: the model is fitted
        to ``asin(sqrt(direct))`` with sampling variance ``1 / (4 n_eff)`` and back-transformed
        with emdi's bias correction; the MSE is a parametric bootstrap
        (:mod:`tkpk_lib.estimation.sae_arcsin`). Needs proportions in [0, 1] and ``eff_n``.
    eff_n : str, optional
        With ``"arcsin"``: column with the effective sample size of each direct estimate
        (sampled units over the design effect).
    mse_boot, seed : int
        Bootstrap replicates and seed of the arcsine MSE (ignored for ``"none"``).

    Returns
    -------
    pandas.DataFrame
        One row per area, in input order: ``area`` (the code), ``direct``,
        ``direct_variance``, ``direct_cv``, ``estimate`` (EBLUP; synthetic when out of sample),
        ``mse``, ``se`` (sqrt of mse), ``cv`` (se / estimate), ``reliability`` (BPS RSE classes
        on ``cv``), ``gamma`` (shrinkage weight on the direct estimate; 0 out of sample),
        ``synthetic`` (``x' beta``), ``std_residual`` and ``in_sample``. Model diagnostics
        (:class:`FHDiagnostics`) are in ``result.attrs["diagnostics"]``; read them right away,
        pandas does not keep ``attrs`` through merges.

    Notes
    -----
    MSE: ``g1 + g2 + 2 g3`` (Prasad-Rao) for REML, with the bias correction ``- b (1 - gamma)^2``
    for ML (Datta-Lahiri) and for the FH moment estimator (Datta-Rao-Smith), exactly as
    ``sae::mseFH``. For out-of-sample areas the MSE of the synthetic estimator,
    ``sigma2_u + x' (X' V^-1 X)^-1 x`` (the limit of the formula as psi goes to infinity).
    When ``sigma2_u`` is estimated as 0 all estimates are synthetic; the diagnostics carry a note.

    Length: most of this function is this docstring; the body (about 80 lines) is the EBLUP and
    MSE arithmetic in sequence, with input checks, diagnostics and benchmarking in helpers.

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"kec": list("abcdef"), "y": [.10, .14, .22, .18, .30, None],
    ...                   "v": [.001, .002, .001, .003, .002, None], "x": [1, 2, 3, 3, 5, 4]})
    >>> res = fay_herriot(d, "y", "v", ["x"], "kec")
    >>> list(res.columns[:5])
    ['kec', 'direct', 'direct_variance', 'direct_cv', 'estimate']
    >>> bool(res["in_sample"].iloc[-1])
    False
    """
    method = method.upper()
    if method not in _METHODS:
        raise TkpkError(f"fay_herriot: method must be one of {_METHODS}, got {method!r}")
    _check_input(df, direct, variance, covariates, area, source)
    Xdf = _design_matrix(df, covariates, source)
    Xall = Xdf.to_numpy(dtype=float)
    y_all = df[direct].to_numpy(dtype=float)
    v_all = df[variance].to_numpy(dtype=float)
    ins = np.isfinite(y_all)
    y, X, psi = y_all[ins], Xall[ins], v_all[ins]
    _check_rank(X, list(Xdf.columns), direct, source)
    if transformation not in ("none", "arcsin"):
        raise TkpkError(f"fay_herriot: transformation must be 'none' or 'arcsin', got {transformation!r}")
    if transformation == "arcsin":
        from tkpk_lib.estimation.sae_arcsin import fay_herriot_arcsin

        out = fay_herriot_arcsin(df, area, y_all, v_all, ins, Xdf, method, eff_n, source,
                                  fit=(tol, maxiter, start), boot=(mse_boot, seed))
        if benchmark is not None:
            diag = out.attrs["diagnostics"]
            out = _benchmark_output(out, df, benchmark, source)
            out.attrs["diagnostics"] = diag
        return out

    A, info, iters, converged = _fit_variance(method, y, X, psi, tol, maxiter, start)
    notes: list[str] = []
    if not converged:
        notes.append(f"{method} did not converge in {maxiter} iterations")
    if A == 0.0:
        notes.append("sigma2_u estimated as 0: all estimates are synthetic (x' beta)")
    w = 1.0 / (A + psi)
    beta, Q = _gls(y, X, w)
    info = _score_info(method, A, y, X, psi)[1]  # information at the final estimate
    synth_all = Xall @ beta
    resid = y - X @ beta
    gamma_in = A / (A + psi)
    est_all = synth_all.copy()
    est_all[ins] = synth_all[ins] + gamma_in * resid
    if (est_all < 0).any() and (y >= 0).all():
        notes.append(
            f"{int((est_all < 0).sum())} estimate(s) are negative although all direct estimates "
            "are >= 0 (linear model on a rate near 0): check covariates or use a transformation"
        )
    psi_all = np.where(ins, v_all, np.inf)
    mse_all, var_A = _mse(method, A, X, psi, Xall, psi_all)
    gamma_all = np.zeros(len(df))
    gamma_all[ins] = gamma_in

    std_res = resid / np.sqrt(A + psi)
    diag = _diagnostics(
        method, A, info, var_A, y, X, psi, beta, Q, resid, std_res, list(Xdf.columns),
        fit=(tol, maxiter, start, iters, converged), n_out=int((~ins).sum()), notes=notes,
    )

    with np.errstate(divide="ignore", invalid="ignore"):
        direct_cv = np.sqrt(v_all) / y_all
        se_all = np.sqrt(mse_all)
        cv = se_all / est_all
    std_res_all = np.full(len(df), np.nan)
    std_res_all[ins] = std_res
    out = pd.DataFrame(
        {
            area: df[area].to_numpy(),
            "direct": y_all,
            "direct_variance": np.where(ins, v_all, np.nan),
            "direct_cv": np.where(ins, direct_cv, np.nan),
            "estimate": est_all,
            "mse": mse_all,
            "se": se_all,
            "cv": cv,
            "reliability": _reliability(np.abs(cv)),
            "gamma": gamma_all,
            "synthetic": synth_all,
            "std_residual": std_res_all,
            "in_sample": ins,
        },
        index=df.index,
    )
    if benchmark is not None:
        out = _benchmark_output(out, df, benchmark, source)
    out.attrs["diagnostics"] = diag
    return out


def _check_rank(X: np.ndarray, names: list[str], direct: str, source: str) -> None:
    """SchemaError unless the in-sample design matrix has full column rank and >= p + 2 rows."""
    m, p = X.shape
    if m < p + 2:
        raise SchemaError(
            [Problem(source, direct, f"only {m} areas with a direct estimate for {p} coefficients")]
        )
    rank = np.linalg.matrix_rank(X)
    if rank < p:
        raise SchemaError(
            [
                Problem(
                    source,
                    None,
                    "covariates are collinear (or constant) among the areas with a direct "
                    f"estimate: design matrix rank {rank} < {p} columns {names}",
                )
            ]
        )


def _diagnostics(
    method: str,
    A: float,
    info: float,
    var_A: np.ndarray,
    y: np.ndarray,
    X: np.ndarray,
    psi: np.ndarray,
    beta: np.ndarray,
    Q: np.ndarray,
    resid: np.ndarray,
    std_res: np.ndarray,
    names: list[str],
    *,
    fit: tuple[float, int, float | None, int, bool],
    n_out: int,
    notes: list[str],
) -> FHDiagnostics:
    """Model diagnostics of a fitted Fay-Herriot model (coefficient tests, R2, fit, normality).

    ``fit`` is ``(tol, maxiter, start, iterations, converged)`` of the variance fit; the
    variance-explained R2 refits the intercept-only model with the same settings.
    """
    from scipy import stats

    tol, maxiter, start, iters, converged = fit
    m, p = X.shape
    w = 1.0 / (A + psi)
    gamma_in = A / (A + psi)
    beta_se = np.sqrt(np.diag(Q))
    beta_p = 2.0 * stats.norm.sf(np.abs(beta / beta_se))
    loglike = -0.5 * float(np.sum(np.log(2 * np.pi * (A + psi)) + resid**2 / (A + psi)))
    ybar_w = float((w * y).sum() / w.sum())
    ss_tot = float((w * (y - ybar_w) ** 2).sum())
    ss_res = float((w * resid**2).sum())
    r2 = 1.0 - ss_res / ss_tot if ss_tot > 0 else float("nan")
    if p > 1:
        A0, *_ = _fit_variance(method, y, X[:, :1], psi, tol, maxiter, start)
        r2_var = float(np.clip(1.0 - A / A0, 0.0, 1.0)) if A0 > 0 else float("nan")
    else:
        r2_var = 0.0
    u_hat = gamma_in * resid
    std_re = u_hat / np.sqrt(A) if A > 0 else np.full(m, np.nan)
    return FHDiagnostics(
        method=method,
        sigma2_u=A,
        sigma2_u_se=float(np.sqrt(var_A[0] if method == "FH" else 1.0 / info))
        if np.isfinite(info)
        else float("nan"),
        beta=pd.Series(beta, index=names),
        beta_se=pd.Series(beta_se, index=names),
        beta_p=pd.Series(beta_p, index=names),
        r2=r2,
        r2_variance=r2_var,
        loglike=loglike,
        aic=-2.0 * loglike + 2.0 * (p + 1),
        bic=-2.0 * loglike + (p + 1) * np.log(m),
        shapiro_p_residuals=_shapiro_p(std_res),
        shapiro_p_random_effects=_shapiro_p(std_re),
        iterations=iters,
        converged=converged,
        n_in_sample=int(m),
        n_out_of_sample=n_out,
        notes=notes,
    )


def _benchmark_output(
    out: pd.DataFrame, df: pd.DataFrame, benchmark: Mapping[str, Any], source: str
) -> pd.DataFrame:
    """Apply the ``benchmark=`` spec of :func:`fay_herriot` to its output frame."""
    spec = dict(benchmark)
    wcol = spec.pop("weights")
    by = spec.pop("by", None)
    target = spec.pop("target")
    if spec:
        raise TkpkError(f"fay_herriot: unknown benchmark keys {sorted(spec)}")
    extra = [c for c in [wcol, by] if c is not None and c not in out.columns]
    for c in extra:
        if c not in df.columns:
            raise SchemaError([Problem(source, c, "benchmark column not found")])
        out[c] = df[c].to_numpy()
    res = benchmark_estimates(out, wcol, target, by=by)
    # Steorts and Ghosh (2013): MSE of the benchmarked EBLUP ~ MSE(EBLUP) + adjustment^2
    res["mse_benchmarked"] = res["mse"] + (res["estimate_benchmarked"] - res["estimate"]) ** 2
    return res
