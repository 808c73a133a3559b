"""Design-based estimates with sampling errors: totals, means/proportions, ratios, quantiles.

Domain coding lives in :mod:`tkpk_lib.estimation.domains` and the result frame (reliability
classes, intervals, design effects) in :mod:`tkpk_lib.estimation.results`; their public names
are re-exported here.

Every function takes a DataFrame, a :class:`~tkpk_lib.estimation.design.SurveyDesign` and column names,
and returns a tidy DataFrame with the ``by`` columns, then ``estimate, se, ci_low, ci_high,
rse, deff, n, n_weighted, reliability`` (see ``docs/HELPERS.md``).

Methods
-------
Totals, means and ratios (estimates, SEs, Wald CIs; overall and by domain; seven designs with
and without fpc, including two-stage fpc) are checked against R 4.2.2 / survey 4.1.1 in
``tests/test_estimate.py``; design effects, design-df t intervals, logit intervals and
quantiles (estimate, Woodruff CI, SE) against svy 0.35, which implements R's definitions,
and against hand computations.

* Variances: Taylor linearisation, ultimate-cluster, with-replacement within strata unless an
  fpc is declared (:func:`tkpk_lib.estimation.design.linearized_variance`).
* Domains (``by``): subpopulation estimation -- the linearised variable is zero outside the
  domain and the whole design is kept (R's ``svyby``), never subsetting.  Rows with a missing
  ``by`` value belong to no domain.
* Missing ``y``: such rows are dropped *as a domain* (they contribute 0, the design is kept),
  which is what R's ``na.rm = TRUE`` does.  For ratios a row is dropped if either column is
  missing.
* Mean = ratio of weighted totals ``Y/N``, linearised value ``(y - mean)/N``; ratio ``Y/X`` with
  ``(y - R x)/X``.
* ``deff``: design variance over the variance under simple random sampling *with
  replacement* of the same number of rows, ``N/(n-1) * sum_d w (z - zbar_w)^2`` -- R's
  ``deff = "replace"`` (for totals and means this equals R exactly).  NaN for quantiles.
* Confidence intervals: ``ci="normal"`` Wald intervals (R's ``confint`` default, normal
  quantiles); ``ci="logit"`` for proportions, R's ``svyciprop(method = "logit")``;
  ``ci="beta"`` for proportions and shares, the Korn-Graubard interval (R's
  ``svyciprop(method = "beta")``, checked against svy 0.35 and statsmodels), which stays
  honest near 0: a domain with no sampled case gets ``[0, u]`` with ``u > 0`` (see
  :func:`tkpk_lib.estimation.results.korn_graubard`).  ``ci="beta"`` frames add ``n_cases``
  (sample rows with a non-zero value, i.e. with the characteristic) and ``reliability_note``;
  fewer than :data:`~tkpk_lib.estimation.results.MIN_CASES` cases -> ``"unreliable"``.
* Domains without an estimable variance: a mean/proportion/ratio of a domain sampled in one
  PSU (or with a degenerate zero design variance while its values vary) gets ``se`` NaN and
  ``"unreliable"`` -- never a spurious 0 (R reports 0 there).  ``dof``
  selects the reference distribution: ``None`` normal, ``"design"`` Student t with the design
  degrees of freedom of the domain (PSUs minus strata with at least one row in the domain,
  as R's ``degf`` of the subset design), or a number.  The default ``"auto"`` is normal for
  ``ci="normal"`` and design df for ``ci="logit"`` and quantiles, as R's defaults are.
* Quantiles: R survey 4.1 ``svyquantile`` default -- ``qrule = "math"`` (the smallest ``y``
  whose weighted CDF reaches ``p``) and the Woodruff interval ``interval.type = "mean"``: a
  Wald interval for the estimated CDF at the quantile, ``Fhat(qhat) +/- t * SE``, mapped back
  through the quantile rule; ``se = (ci_high - ci_low) / (2 t)``.
* ``reliability``: BPS convention on the relative standard error (RSE = se/|estimate|):
  ``"reliable"`` RSE <= 25%, ``"caution"`` 25-50%, ``"unreliable"`` > 50% (or undefined, e.g.
  a NaN se), and for ``ci="beta"`` also ``"unreliable"`` below ``MIN_CASES`` cases.

Why not the ``svy`` package (0.35, Rust/polars)
-----------------------------------------------
svy 0.35 was checked first.  It is correct: it reproduces all 35 R statistics of
``api_reference.json`` (two-stage fpc via ``PopSize(psu=, ssu=)``) and agrees with this module
to 1e-14 on the synthetic benchmark survey (a test keeps checking that).  It is not fast enough:
on the 1.5-million-person benchmark (3 means x 10 domains, ``benchmarks/bench_estimate.py
--svy``) svy took a median 7.0 s wall / 2.1 s CPU on the shared 2-core machine against 0.25 s
wall / 0.11 s CPU for this module in the same run (about 19x less CPU), and it needs a polars
copy of the frame.  The numpy implementation is a handful of ``np.bincount`` passes per
variable (rows -> sampling-unit x domain tables, then only small-table algebra), keeps the
domain, missing-value and single-PSU semantics under our control and adds no dependency, so
svy is not used.  Figures and method: ``benchmarks/README.md``.

Performance notes
-----------------
A prepared design (:func:`tkpk_lib.estimation.design.prepare_design`) can be passed instead of a
:class:`SurveyDesign` to skip validation and id coding when many estimates are made on the
same frame.  Temporaries live in per-thread reusable buffers
(:func:`tkpk_lib.estimation.design.scratch`; free them with :func:`tkpk_lib.estimation.design.release_scratch`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
import pandas as pd

from tkpk_lib.errors import DesignError
from tkpk_lib.estimation.design import PreparedDesign, SurveyDesign, prepare_design, scratch
from tkpk_lib.estimation.domains import (
    By,
    _domain_codes,
    _domain_degf,
    _Domains,
    _psus_from_unit_weights,
    domain_codes,
)

# re-exported: these lived here before the layout of issue 14 (public API kept)
from tkpk_lib.estimation.results import (  # noqa: F401
    MIN_CASES,
    MIN_PSU_FOR_VARIANCE,
    NOTE_FEW_PSU,
    NOTE_NO_DF,
    NOTE_ZERO_VAR,
    RELIABILITY_LEVELS,
    RESULT_COLUMNS,
    RSE_CAUTION_MAX,
    RSE_RELIABLE_MAX,
    ZERO_VARIANCE_RTOL,
    DfSpec,
    _crit,
    _deff,
    _finish,
    _resolve_df,
    _wald,
    korn_graubard,
    reliability_flag,
)
from tkpk_lib.estimation.variance import (
    domain_variance,
    linearized_variance,
    variance_from_unit_totals,
)

__all__ = [
    "MIN_CASES",
    "RELIABILITY_LEVELS",
    "RSE_CAUTION_MAX",
    "RSE_RELIABLE_MAX",
    "RESULT_COLUMNS",
    "domain_codes",
    "korn_graubard",
    "linearized_variance",
    "reliability_flag",
    "survey_mean",
    "survey_quantile",
    "survey_ratio",
    "survey_total",
]


CiMethod = Literal["normal", "logit", "beta"]


Design = SurveyDesign | PreparedDesign


def _as_list(y: str | Sequence[str]) -> tuple[list[str], bool]:
    if isinstance(y, str):
        return [y], False
    return list(y), True


def _numeric(df: pd.DataFrame, col: str) -> np.ndarray:
    if col not in df.columns:
        raise DesignError(f"column '{col}' not found in the frame")
    s = df[col]
    if isinstance(s.dtype, np.dtype) and s.dtype.kind in "fiub":
        return s.to_numpy(dtype=np.float64)  # a view for float64 columns
    v = pd.to_numeric(s, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
    bad = np.isnan(v) & s.notna().to_numpy()
    if bad.any():
        rows = (np.flatnonzero(bad) + 1).tolist()
        shown = ", ".join(map(str, rows[:20]))
        raise DesignError(
            f"column '{col}' is not numeric [rows {shown}{' ...' if len(rows) > 20 else ''}; "
            f"{len(rows)} row(s) in all]"
        )
    return v


def _prepare(df: pd.DataFrame, design: Design) -> PreparedDesign:
    if isinstance(design, PreparedDesign):
        if design.n != len(df):
            raise DesignError(f"prepared design has {design.n} rows but the frame has {len(df)}")
        return design
    return prepare_design(df, design)


def _linear_stat(
    df: pd.DataFrame,
    design: Design,
    kind: Literal["total", "mean", "ratio"],
    num: list[str],
    den: list[str] | None,
    by: By,
    ci: str,
    level: float,
    df_spec: DfSpec,
    variables: list[str] | None,
) -> pd.DataFrame:
    """Totals, means and ratios from (unit x domain) tables: a few bincount passes per column.

    For each variable the rows are reduced once to sums by (finest sampling unit, domain);
    estimates, linearised unit totals and variances then only touch those small tables.
    Unit totals of the linearised mean are ``(Y_u - m W_u) / W`` (exact algebra; the
    cancellation costs at most ``log10(mean^2/variance)`` of the 16 digits).
    """
    prep = _prepare(df, design)
    dom, n_dom, levels = _domain_codes(df, by, out=scratch(prep.n, np.intp, "estimate.dom"))
    dm = _Domains(prep, dom, n_dom)
    w = prep.w
    k = len(num)
    a = scratch(prep.n, np.float64, "estimate.a")  # work buffers reused for every variable:
    b = scratch(prep.n, np.float64, "estimate.b")  # fresh large arrays cost page faults
    est = np.empty((k, n_dom))
    var = np.empty((k, n_dom))
    deff = np.empty((k, n_dom))
    nw = np.empty((k, n_dom))
    cnt = np.empty((k, n_dom))
    valids: list[np.ndarray | None] = []
    cases = np.zeros((k, n_dom))
    n_psu = np.full((k, n_dom), MIN_PSU_FOR_VARIANCE)
    degf = np.full((k, n_dom), np.nan)
    why = np.zeros((k, n_dom), dtype=np.int8)  # 1: single PSU, 2: degenerate zero variance
    for j in range(k):
        y = _numeric(df, num[j])
        x = _numeric(df, den[j]) if den is not None else None
        valid = dm.valid(y) if x is None else dm.valid(y, x)
        valids.append(valid)
        w_u, n_d = dm.weights_and_counts(valid)
        w_d = w_u.sum(axis=0)
        nw[j], cnt[j] = w_d, n_d
        with np.errstate(divide="ignore", invalid="ignore"):
            if kind in ("total", "mean"):
                y0 = y
                if valid is not None:
                    y0 = np.copyto(a, y) or a
                    np.copyto(a, 0.0, where=~valid)
                np.multiply(w, y0, out=b)
                y_u = dm.by_unit(b)
                np.multiply(b, y0, out=b)
                yy_d = dm.by_dom(b)
                y_d = y_u.sum(axis=0)
                m = y_d / w_d
                ss_y = yy_d - y_d * m  # sum w (y - mean)^2 in the domain
                if kind == "mean":
                    est[j] = m
                    t = (y_u - m * w_u) / w_d
                    ss_z = ss_y / (w_d * w_d)
                else:
                    est[j] = y_d
                    t = y_u
                    ss_z = ss_y
            else:
                y0 = y if valid is None else np.where(valid, y, 0.0)
                x0 = x if valid is None else np.where(valid, x, 0.0)
                np.multiply(w, y0, out=a)
                y_u = dm.by_unit(a)
                np.multiply(w, x0, out=b)
                x_u = dm.by_unit(b)
                y_d, x_d = y_u.sum(axis=0), x_u.sum(axis=0)
                r = y_d / x_d
                est[j] = r
                t = (y_u - r * x_u) / x_d
                e = y0 - r[dm.d] * x0  # residuals (0 outside the valid rows)
                ss_z = dm.by_dom(w * e * e) / (x_d * x_d)
            v = variance_from_unit_totals(prep, t)
        if ci == "beta":
            cases[j] = dm.by_dom((y0 != 0).astype(np.float64))
        if kind != "total":  # a one-PSU domain's linearised PSU total is identically 0
            n_psu[j], degf[j] = _psus_from_unit_weights(prep, w_u)
            with np.errstate(divide="ignore", invalid="ignore"):
                vsrs = w_d / (n_d - 1) * np.maximum(ss_z, 0.0)
            why[j] = np.where(n_psu[j] < MIN_PSU_FOR_VARIANCE, 1, np.where(
                (vsrs > 0) & (v <= ZERO_VARIANCE_RTOL * vsrs), 2, 0))
            v = np.where(why[j] > 0, np.nan, v)
        var[j] = v
        deff[j] = _deff(v, ss_z, w_d, n_d)
    return _intervals(levels, variables, est, var, deff, cnt, nw, (kind, ci, level, df_spec),
                      (prep, dm, valids, why, degf, cases))


def _intervals(
    levels: pd.DataFrame,
    variables: list[str] | None,
    est: np.ndarray,
    var: np.ndarray,
    deff: np.ndarray,
    cnt: np.ndarray,
    nw: np.ndarray,
    spec: tuple[str, str, float, DfSpec],
    dom_info: tuple,
) -> pd.DataFrame:
    """Intervals and the result frame of :func:`_linear_stat` (Wald/logit, or Korn-Graubard)."""
    kind, ci, level, df_spec = spec
    prep, dm, valids, why, degf, cases = dom_info
    n_dom = est.shape[1]
    se = np.sqrt(var)
    dfr = _resolve_df(df_spec, ci, default_design=False)
    if dfr == "design" and kind != "total":
        dfa: np.ndarray | float | None = degf
    elif dfr == "design":
        dfa = np.vstack([_domain_degf(prep, dm.d, valids[j], n_dom) for j in range(len(valids))])
    else:
        dfa = dfr
    why = np.where(cnt > 0, why, 0)
    notes = None
    if why.any():
        notes = np.choose(why, np.array(["", NOTE_FEW_PSU, NOTE_ZERO_VAR], dtype=object))
    if ci == "beta":
        if kind == "total":
            raise DesignError("ci='beta' is for proportions (survey_mean/survey_ratio), not totals")
        bad = ~(np.isnan(est) | ((est >= 0) & (est <= 1)))
        if bad.any():
            raise DesignError(
                "ci='beta' is for proportions (means of 0/1 variables or shares); an estimate "
                "outside [0, 1] was found"
            )
        lo, hi = korn_graubard(est, var, cnt, dfa, level)
        if notes is None:
            notes = np.full(est.shape, "", dtype=object)
        return _finish(levels, variables, est, se, lo, hi, deff, cnt, nw, n_cases=cases,
                       notes=notes)
    lo, hi = _wald(est, se, _crit(level, dfa), ci)
    if isinstance(dfa, np.ndarray) and (no_df := (cnt > 0) & np.isfinite(se) & ~(dfa > 0)).any():
        notes = np.where(no_df, NOTE_NO_DF, "" if notes is None else notes).astype(object)
    return _finish(levels, variables, est, se, lo, hi, deff, cnt, nw, notes=notes)


def survey_total(
    df: pd.DataFrame,
    design: Design,
    y: str | Sequence[str],
    by: By = None,
    *,
    ci: CiMethod = "normal",
    level: float = 0.95,
    dof: DfSpec = "auto",
) -> pd.DataFrame:
    """Estimated population total of ``y`` (overall or by domain) with its sampling error.

    Parameters
    ----------
    df : pandas.DataFrame
        Survey microdata.
    design : SurveyDesign
        Design declaration (or a prepared design from :func:`tkpk_lib.estimation.design.prepare_design`).
    y : str or list of str
        Variable(s); a list gives one row per variable per domain and a ``variable`` column.
    by : str, list of str or None
        Domain columns (subpopulation estimation, the full design is kept).
    ci : {"normal", "logit", "beta"}
        Interval type (see module docstring); ``"beta"`` only for means and ratios in [0, 1].
    level : float
        Confidence level.
    dof : None, "auto", "design" or float
        Degrees of freedom of the interval's reference distribution (see module docstring).

    Returns
    -------
    pandas.DataFrame
        ``by`` columns, [``variable``], estimate, se, ci_low, ci_high, rse, deff, n,
        n_weighted, reliability; sorted by the ``by`` columns.

    Examples
    --------
    >>> import pandas as pd
    >>> fr = pd.DataFrame({"w": [10.0, 10.0, 20.0, 20.0], "y": [1, 0, 1, 1]})
    >>> survey_total(fr, SurveyDesign("w"), "y")[["estimate", "n"]]
       estimate  n
    0      50.0  4
    """
    ys, is_list = _as_list(y)
    return _linear_stat(df, design, "total", ys, None, by, ci, level, dof, ys if is_list else None)


def survey_mean(
    df: pd.DataFrame,
    design: Design,
    y: str | Sequence[str],
    by: By = None,
    *,
    ci: CiMethod = "normal",
    level: float = 0.95,
    dof: DfSpec = "auto",
) -> pd.DataFrame:
    """Estimated population mean (a proportion for a 0/1 column) with its sampling error.

    Parameters are as for :func:`survey_total`; ``ci="logit"`` gives R's
    ``svyciprop(method = "logit")`` interval and ``ci="beta"`` the Korn-Graubard interval of
    ``svyciprop(method = "beta")`` (both with design df unless ``dof`` says otherwise); use
    ``"beta"`` for proportions (P0, extreme poverty, coverage rates): it adds the ``n_cases``
    and ``reliability_note`` columns.

    Returns
    -------
    pandas.DataFrame
        ``by`` columns, [``variable``], estimate, se, ci_low, ci_high, rse, deff, n,
        n_weighted, reliability.

    Examples
    --------
    >>> import pandas as pd
    >>> fr = pd.DataFrame({"w": [10.0, 10.0, 20.0, 20.0], "y": [1, 0, 1, 1]})
    >>> round(float(survey_mean(fr, SurveyDesign("w"), "y")["estimate"].iloc[0]), 4)
    0.8333
    """
    ys, is_list = _as_list(y)
    return _linear_stat(df, design, "mean", ys, None, by, ci, level, dof, ys if is_list else None)


def survey_ratio(
    df: pd.DataFrame,
    design: Design,
    num: str | Sequence[str],
    den: str | Sequence[str],
    by: By = None,
    *,
    ci: CiMethod = "normal",
    level: float = 0.95,
    dof: DfSpec = "auto",
) -> pd.DataFrame:
    """Estimated ratio of population totals ``sum w num / sum w den`` with its sampling error.

    Parameters
    ----------
    df, design, by, ci, level, dof
        As for :func:`survey_total`.
    num, den : str or list of str
        Numerator and denominator columns (lists of equal length: pairwise ratios, one row
        each with ``variable = "num/den"``).  Rows missing either are dropped as a domain.

    Returns
    -------
    pandas.DataFrame
        ``by`` columns, [``variable``], estimate, se, ci_low, ci_high, rse, deff, n,
        n_weighted, reliability.

    Examples
    --------
    >>> import pandas as pd
    >>> fr = pd.DataFrame({"w": [1.0, 1.0, 2.0], "a": [1.0, 2.0, 3.0], "b": [2.0, 2.0, 4.0]})
    >>> float(survey_ratio(fr, SurveyDesign("w"), "a", "b")["estimate"].iloc[0])
    0.75
    """
    nums, l1 = _as_list(num)
    dens, l2 = _as_list(den)
    if len(dens) == 1 and len(nums) > 1:
        dens = dens * len(nums)
    if len(nums) != len(dens):
        raise DesignError("num and den must have the same number of columns")
    names = [f"{a}/{b}" for a, b in zip(nums, dens, strict=True)] if (l1 or l2) else None
    return _linear_stat(df, design, "ratio", nums, dens, by, ci, level, dof, names)


def _qrule_math(
    ys: np.ndarray,
    cumw: np.ndarray,
    seg_start: np.ndarray,
    seg_end: np.ndarray,
    tot: np.ndarray,
    p: np.ndarray,
) -> np.ndarray:
    """R's qrule_math per segment: smallest y with cumulative weight >= p * total.

    ``ys``/``cumw`` are sorted within contiguous segments; ``cumw`` restarts at each segment.
    ``p`` has one probability per segment.
    """
    out = np.full(len(seg_start), np.nan)
    for g in range(len(seg_start)):  # one searchsorted per domain on its own segment
        a, b = seg_start[g], seg_end[g]
        if b <= a or not np.isfinite(p[g]):
            continue
        target = p[g] * tot[g]
        i = a + int(np.searchsorted(cumw[a:b], target, side="left"))
        out[g] = ys[min(max(i, a), b - 1)]
    return out


def _sorted_segments(
    yv: np.ndarray, valid: np.ndarray, d: np.ndarray, w: np.ndarray, n_dom: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Valid values sorted by (domain, y), cumulative weights restarting at each domain.

    Returns ``ys, cumw, seg_start, seg_end, tot, counts`` (per-domain segment bounds, weight
    totals and row counts), the input of :func:`_qrule_math`.
    """
    idx = np.flatnonzero(valid)
    order = idx[np.lexsort((yv[idx], d[idx]))]
    ys, ds, wsr = yv[order], d[order], w[order]
    counts = np.bincount(ds, minlength=n_dom)
    seg_end = np.cumsum(counts)
    seg_start = seg_end - counts
    cw = np.cumsum(wsr)
    base = np.concatenate(([0.0], cw))[seg_start]
    cumw = cw - np.repeat(base, counts)
    tot = np.bincount(ds, weights=wsr, minlength=n_dom)
    return ys, cumw, seg_start, seg_end, tot, counts


def _woodruff(
    prep: PreparedDesign,
    yv: np.ndarray,
    valid: np.ndarray,
    wv: np.ndarray,
    d: np.ndarray,
    n_dom: int,
    segs: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray],
    p: float,
    crit: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Quantile ``p`` of each domain and its Woodruff interval (R's ``interval.type="mean"``)."""
    ys, cumw, seg_start, seg_end, tot = segs
    qhat = _qrule_math(ys, cumw, seg_start, seg_end, tot, np.full(n_dom, p))
    u = np.where(valid, (yv <= qhat[d]).astype(np.float64), 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        fhat = np.bincount(d, weights=wv * u, minlength=n_dom) / tot
        z = np.where(valid, (u - fhat[d]) / tot[d], 0.0)
    var_f = domain_variance(prep, (wv * z)[:, None], d, n_dom)[0]
    se_f = np.sqrt(var_f)
    lo = _qrule_math(ys, cumw, seg_start, seg_end, tot, fhat - crit * se_f)
    hi = _qrule_math(ys, cumw, seg_start, seg_end, tot, fhat + crit * se_f)
    return qhat, lo, hi


def survey_quantile(
    df: pd.DataFrame,
    design: Design,
    y: str | Sequence[str],
    q: float | Sequence[float],
    by: By = None,
    *,
    ci: CiMethod = "normal",
    level: float = 0.95,
    dof: DfSpec = "auto",
) -> pd.DataFrame:
    """Estimated population quantile(s) with Woodruff confidence intervals (R survey 4.1).

    Parameters
    ----------
    df, design, y, by, level
        As for :func:`survey_total`.
    q : float or list of float
        Probabilities in [0, 1]; a ``quantile`` column is added.
    ci : "normal"
        Only the Woodruff ("mean") interval is implemented.
    dof : "auto", "design", None or float
        Reference distribution of the interval for the CDF; ``"auto"`` = design df per domain,
        R's ``svyquantile`` default.

    Returns
    -------
    pandas.DataFrame
        ``by`` columns, [``variable``], quantile, estimate, se, ci_low, ci_high, rse, deff
        (NaN), n, n_weighted, reliability.

    Examples
    --------
    >>> import pandas as pd
    >>> fr = pd.DataFrame({"w": [1.0, 1.0, 1.0, 1.0], "y": [4.0, 1.0, 3.0, 2.0]})
    >>> float(survey_quantile(fr, SurveyDesign("w"), "y", 0.5)["estimate"].iloc[0])
    2.0
    """
    if ci != "normal":
        raise DesignError("survey_quantile supports only ci='normal' (Woodruff interval)")
    prep = _prepare(df, design)
    dom, n_dom, levels = domain_codes(df, by)
    ys_names, is_list = _as_list(y)
    qs = [float(q)] if np.ndim(q) == 0 else [float(v) for v in q]  # type: ignore[arg-type]
    if any(not 0 <= p <= 1 for p in qs):
        raise DesignError(f"quantile probabilities must be in [0, 1], got {qs}")
    w = prep.w
    in_dom = dom >= 0
    d = np.where(in_dom, dom, 0)
    dfr = _resolve_df(dof, ci, default_design=True)
    rows_est, rows_se, rows_lo, rows_hi, rows_n, rows_nw, rows_var, rows_q = ([] for _ in range(8))
    for name in ys_names:
        yv = _numeric(df, name)
        valid = in_dom & ~np.isnan(yv)
        ys, cumw, seg_start, seg_end, tot, counts = _sorted_segments(yv, valid, d, w, n_dom)
        wv = np.where(valid, w, 0.0)
        if dfr == "design":
            crit = _crit(level, _domain_degf(prep, d, valid, n_dom))
        else:
            crit = np.broadcast_to(_crit(level, dfr), (n_dom,))
        segs = (ys, cumw, seg_start, seg_end, tot)
        for p in qs:
            qhat, lo, hi = _woodruff(prep, yv, valid, wv, d, n_dom, segs, p, crit)
            rows_est.append(qhat)
            rows_lo.append(lo)
            rows_hi.append(hi)
            rows_se.append((hi - lo) / (2 * crit))
            rows_n.append(counts)
            rows_nw.append(tot)
            rows_var.append(name)
            rows_q.append(np.full(n_dom, p))
    est = np.vstack(rows_est)
    out = _finish(
        levels,
        rows_var if is_list else None,
        est,
        np.vstack(rows_se),
        np.vstack(rows_lo),
        np.vstack(rows_hi),
        np.full(est.shape, np.nan),
        np.vstack(rows_n),
        np.vstack(rows_nw),
        extra={"quantile": np.vstack(rows_q)},
    )
    if not is_list and "variable" in out.columns:  # pragma: no cover - defensive
        out = out.drop(columns="variable")
    return out
