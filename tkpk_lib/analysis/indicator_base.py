"""Shared machinery of the indicator modules: input checks, person weights, domains, result shape.

Private helpers used by :mod:`~tkpk_lib.analysis.poverty`, :mod:`~tkpk_lib.analysis.inequality`,
:mod:`~tkpk_lib.analysis.labour` and :mod:`~tkpk_lib.analysis.services`: column checks that raise
:class:`~tkpk_lib.errors.SchemaError` naming the rows, the person-weighted view of a household
file, domain row indices, the result frame of a linearised (non-linear) statistic, stacked
ratios through the core, and the tidy result layout (``indicator``, the ``by`` columns, then
:data:`RESULT_COLUMNS`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import special

from tkpk_lib.errors import Problem, SchemaError, TkpkError
from tkpk_lib.estimation import estimators as _est
from tkpk_lib.estimation.design import SurveyDesign
from tkpk_lib.estimation.variance import linearized_variance

RESULT_COLUMNS: tuple[str, ...] = tuple(_est.RESULT_COLUMNS)


"""Statistic columns of every result frame, after ``indicator`` and the ``by`` columns."""


CASE_COLUMNS: tuple[str, ...] = ("n_cases", "reliability_note")


"""Columns that proportions estimated with ``ci="beta"`` add after :data:`RESULT_COLUMNS`:
the number of sample cases (rows with the characteristic) and the reason a figure is flagged
(e.g. "fewer than 20 sample cases"); kept so that reports can flag by cases, not households."""


_TMP = "_tkpk_"  # prefix of derived columns added to a private copy of the frame


def _as_list(by: str | Sequence[str] | None) -> list[str]:
    if by is None:
        return []
    if isinstance(by, str):
        return [by]
    return list(by)


def _require(df: pd.DataFrame, columns: Sequence[str], what: str) -> None:
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise SchemaError(
            [Problem("input frame", c, f"column needed for {what} is missing") for c in missing]
        )


def _numeric(df: pd.DataFrame, column: str, what: str, *, positive: bool = False) -> np.ndarray:
    """Column as float array; raise a SchemaError naming the rows if missing/invalid."""
    _require(df, [column], what)
    values = pd.to_numeric(df[column], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    bad = ~np.isfinite(values)
    msg = "missing or non-numeric values"
    if positive:
        bad |= values <= 0
        msg = "missing, non-numeric or non-positive values"
    if bad.any():
        rows = (np.flatnonzero(bad) + 1).tolist()
        raise SchemaError([Problem("input frame", column, f"{msg} (needed for {what})", rows)])
    return values


def _flag(df: pd.DataFrame, column: str, what: str) -> np.ndarray:
    values = _numeric(df, column, what)
    bad = ~np.isin(values, (0.0, 1.0))
    if bad.any():
        rows = (np.flatnonzero(bad) + 1).tolist()
        raise SchemaError(
            [Problem("input frame", column, f"flag must be 0 or 1 (needed for {what})", rows)]
        )
    return values


def _with_weight(design: SurveyDesign, weight: str) -> SurveyDesign:
    """The same design with another weight column (strata, PSU, fpc unchanged)."""
    if dataclasses.is_dataclass(design):
        return dataclasses.replace(design, weight=weight)
    return SurveyDesign(
        weight=weight,
        strata=getattr(design, "strata", None),
        psu=getattr(design, "psu", None),
        fpc=getattr(design, "fpc", None),
        single_psu=getattr(design, "single_psu", "error"),
    )


def _person_view(
    df: pd.DataFrame, design: SurveyDesign, size: str | None
) -> tuple[pd.DataFrame, SurveyDesign]:
    """Frame and design whose weight counts persons.

    With ``size=None`` the rows already are persons and nothing changes. Otherwise the copy
    gets a column ``_tkpk_person_weight = weight * size`` and the returned design uses it,
    keeping strata, PSUs and fpc: each household then stands for ``weight * size`` persons
    sharing its per-capita expenditure, which is how BPS weights FGT indices.
    """
    if size is None:
        return df, design
    w = _numeric(df, design.weight, "the survey weight", positive=True)
    s = _numeric(df, size, "household size (persons)", positive=True)
    col = f"{_TMP}person_weight"
    out = df.assign(**{col: w * s})
    return out, _with_weight(design, col)


def _tidy(res: pd.DataFrame, code: str, by: list[str]) -> pd.DataFrame:
    """Put ``indicator`` first, then the by columns and the statistic columns (one constructor).

    :data:`CASE_COLUMNS` follow when the estimator gave them (``ci="beta"``).
    """
    keep = [*by, *[c for c in (*RESULT_COLUMNS, *CASE_COLUMNS) if c in res.columns]]
    out = pd.DataFrame({c: res[c].array for c in keep}, index=pd.RangeIndex(len(res)))
    out.insert(0, "indicator", code)
    return out


def _line_values(df: pd.DataFrame, line: float | str, what: str) -> np.ndarray:
    if isinstance(line, str):
        return _numeric(df, line, what, positive=True)
    z = float(line)
    if not np.isfinite(z) or z <= 0:
        raise TkpkError(f"The poverty line must be a positive number (got {line!r}) for {what}")
    return np.full(len(df), z)


def _domain_indices(
    df: pd.DataFrame, by: list[str]
) -> tuple[list[tuple[tuple[Any, ...], np.ndarray]], pd.DataFrame]:
    """Row positions of each domain (sorted by key, as the core sorts them) and the levels.

    Uses :func:`tkpk_lib.estimation.estimators.domain_codes`, so rows with a missing ``by`` value belong to
    no domain, exactly as in the core's means and totals.
    """
    codes, n_dom, levels = _est.domain_codes(df, by or None)
    order = np.argsort(codes, kind="stable")
    bounds = np.searchsorted(codes[order], np.arange(n_dom + 1))
    out = []
    for j in range(n_dom):
        idx = np.sort(order[bounds[j] : bounds[j + 1]])
        key = tuple(levels.iloc[j][c] for c in by) if by else ()
        out.append((key, idx))
    return out, levels


def _linearized_result(
    df: pd.DataFrame,
    design: SurveyDesign,
    by: list[str],
    domains: list[tuple[tuple[Any, ...], np.ndarray]],
    levels: pd.DataFrame,
    estimates: list[float],
    scores: np.ndarray,
    weights: np.ndarray,
    level: float,
) -> pd.DataFrame:
    """Result frame of a non-linear statistic from its linearised scores.

    ``scores`` is n x k (zero outside each domain); the variance of domain j is
    ``linearized_variance(df, design, scores)[j]``, i.e. the design variance of
    ``sum_i w_i z_ij``. The design effect uses the core's convention (R's
    ``deff = "replace"``): variance under simple random sampling with replacement of the
    domain's n_d rows, ``N_d / (n_d - 1) * sum_d w (z - zbar_w)^2``.
    """
    var = np.asarray(linearized_variance(df, design, scores), dtype=float).reshape(-1)
    var = np.where(var < 0, 0.0, var)
    se = np.sqrt(var)
    zq = special.ndtri(0.5 + level / 2)
    rows = []
    for j, ((key, idx), estimate) in enumerate(zip(domains, estimates, strict=True)):
        w = weights[idx]
        z = scores[idx, j]
        n_d = len(idx)
        n_w = float(w.sum())
        if n_d > 1:
            zbar = float(np.sum(w * z) / n_w)
            v_srs = n_w / (n_d - 1) * float(np.sum(w * (z - zbar) ** 2))
        else:
            v_srs = np.nan
        deff = var[j] / v_srs if v_srs and np.isfinite(v_srs) and v_srs > 0 else np.nan
        rse = se[j] / abs(estimate) if estimate else np.nan
        rows.append(
            {
                **dict(zip(by, key, strict=True)),
                "estimate": estimate,
                "se": se[j],
                "ci_low": estimate - zq * se[j],
                "ci_high": estimate + zq * se[j],
                "rse": rse,
                "deff": deff,
                "n": n_d,
                "n_weighted": n_w,
            }
        )
    res = pd.DataFrame(rows, columns=[*by, *RESULT_COLUMNS[:-1]])
    for c in by:  # keep the dtype of the by columns (e.g. string codes)
        res[c] = levels[c].to_numpy()
    res["n"] = res["n"].astype("int64")
    res["reliability"] = _est.reliability_flag(res["rse"].to_numpy(dtype=float))
    return res


def _ratio(
    df: pd.DataFrame,
    design: SurveyDesign,
    num: np.ndarray,
    den: np.ndarray,
    code: str,
    by: list[str],
    ci: str,
    level: float,
) -> pd.DataFrame:
    """Domain ratio sum(w num) / sum(w den) via the core's ratio estimator."""
    return _ratios(df, design, [(num, den, code)], by, ci, level)


def _ratios(
    df: pd.DataFrame,
    design: SurveyDesign,
    specs: Sequence[tuple[np.ndarray, np.ndarray, str]],
    by: list[str],
    ci: str,
    level: float,
) -> pd.DataFrame:
    """Several domain ratios ``(num, den, code)`` from one core call, stacked in order.

    The core estimates each ratio of a call independently (shared design and domain codes),
    so the numbers are those of one :func:`_ratio` call per ratio.
    """
    cols: dict[str, np.ndarray] = {}
    for j, (num, den, _code) in enumerate(specs):
        cols[f"{_TMP}num{j}"] = num.astype(float)
        cols[f"{_TMP}den{j}"] = den.astype(float)
    work = df.assign(**cols)
    k = len(specs)
    res = _est.survey_ratio(work, design, [f"{_TMP}num{j}" for j in range(k)],
                            [f"{_TMP}den{j}" for j in range(k)], by=by or None, ci=ci, level=level)
    # n = sample units in the denominator group (e.g. children aged 7-12 for APS 7-12),
    # the count that tells whether the estimate rests on enough observations; rows of each
    # ratio are the core's domains in code order
    if by:
        dom, n_dom, _ = _est.domain_codes(df, by)
    parts = []
    for j, (_num, den, code) in enumerate(specs):
        r = res.iloc[j::k]
        in_den = np.asarray(den, dtype=bool)
        if by:
            r = r.assign(n=np.bincount(dom[in_den & (dom >= 0)], minlength=n_dom).astype("int64"))
        else:
            r = r.assign(n=int(in_den.sum()))
        parts.append(_tidy(r, code, by))
    return pd.concat(parts, ignore_index=True)
