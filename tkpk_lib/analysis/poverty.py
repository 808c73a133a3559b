"""Monetary poverty indicators: FGT indices (P0, P1, P2), the number of poor, extreme poverty.

Susenas March ``households`` table; persons are the unit (``size="hh_size"``: each household
counts with weight ``weight * hh_size``, as BPS weights FGT indices, domain-notes 4.1). Means
and totals go through :mod:`tkpk_lib.estimation.estimators`; no variance formula is written here.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from tkpk_lib.analysis.catalogue import _lines
from tkpk_lib.analysis.indicator_base import (
    _TMP,
    _as_list,
    _line_values,
    _numeric,
    _tidy,
)
from tkpk_lib.errors import TkpkError
from tkpk_lib.estimation import estimators as _est
from tkpk_lib.estimation.design import PreparedDesign, SurveyDesign, prepare_design
from tkpk_lib.estimation.results import DfSpec


def fgt(
    df: pd.DataFrame,
    design: SurveyDesign,
    welfare: str,
    line: float | str,
    alpha: int = 0,
    by: str | Sequence[str] | None = None,
    size: str | None = None,
    *,
    ci: str = "normal",
    level: float = 0.95,
    dof: DfSpec = "design",
) -> pd.DataFrame:
    """Foster-Greer-Thorbecke poverty index P0, P1 or P2 (as a fraction).

    ``P_alpha = sum_i W_i 1[y_i < z_i] ((z_i - y_i) / z_i)^alpha / sum_i W_i`` over persons,
    with ``W_i`` the person weight. The per-person FGT value is computed on each row and its
    survey mean (a ratio estimator over domains) gives the estimate and its linearised SE.

    Parameters
    ----------
    df : pandas.DataFrame
        Households (with ``size``) or persons (``size=None``).
    design : SurveyDesign
        Design of ``df`` (household weights for a household file).
    welfare : str
        Per-capita monthly expenditure column (``exp_pc``).
    line : float or str
        Poverty line in the same unit: a number, or a column name (BPS lines differ by
        kabupaten x urban/rural x year, canonical column ``poverty_line``).
    alpha : {0, 1, 2}
        0 headcount (P0), 1 poverty gap (P1), 2 severity (P2).
    by : str or list of str, optional
        Domain columns.
    size : str, optional
        Household size column for a household file: the weight becomes ``weight * size``
        (persons are the unit). Leave ``None`` for a person-level file.
    ci, level
        Passed to :func:`tkpk_lib.estimation.estimators.survey_mean`.
    dof : "design", "auto", None or float
        Degrees of freedom of the interval's quantile, passed to ``survey_mean``. Default
        ``"design"``: Student t with the domain's design df (its PSUs minus strata, R's
        ``degf`` of the subset design), as Stata's ``svy: mean`` and SAS ``PROC SURVEYMEANS``
        do by default. A kabupaten's SE rests on 45-85 PSUs: with the normal quantile the
        kabupaten P1 intervals covered 92.8% of 500 redraws of the demo sample, with t
        93.3% (P0: 93.9% -> 94.3%; ``benchmarks/coverage_study.py``, issue 15). ``None``: normal
        quantile (R ``confint(svymean(...))``).

    Returns
    -------
    pandas.DataFrame
        ``indicator`` (``p0``/``p1``/``p2``), the by columns, estimate, se, ci_low, ci_high,
        rse, deff, n (households or persons in the sample), n_weighted (persons), reliability.

    Examples
    --------
    >>> import pandas as pd
    >>> from tkpk_lib.estimation.design import SurveyDesign
    >>> hh = pd.DataFrame({"exp_pc": [50.0, 150.0], "gk": [100.0, 100.0],
    ...                    "hh_size": [3, 1], "weight": [1.0, 1.0]})
    >>> float(fgt(hh, SurveyDesign("weight"), "exp_pc", "gk", size="hh_size")["estimate"].iloc[0])
    0.75
    """
    if alpha not in (0, 1, 2):
        raise TkpkError(f"alpha must be 0, 1 or 2 (got {alpha!r})")
    return _fgt_block(df, design, welfare, line, (alpha,), _as_list(by), size, ci, level, dof)


def _fgt_block(
    df: pd.DataFrame,
    design: SurveyDesign,
    welfare: str,
    line: float | str,
    alphas: Sequence[int],
    byl: list[str],
    size: str | None,
    ci: str,
    level: float,
    dof: DfSpec = "design",
) -> pd.DataFrame:
    """FGT indices for several ``alphas`` from one core call, stacked in ``alphas`` order.

    The core estimates each variable of a call independently (shared design and domain
    codes), so the numbers are those of one :func:`fgt` call per alpha.
    """
    from tkpk_lib.estimation.fgt import fgt_block

    if not isinstance(line, str):
        _line_values(df.iloc[:0], line, "poverty indices (line)")  # a positive number
    if size is not None and isinstance(design, SurveyDesign):
        _numeric(df, design.weight, "the survey weight", positive=True)
    res = fgt_block(df, design, welfare, line, tuple(alphas), byl or None, size, ci=ci,
                    level=level, dof=dof)
    k = len(alphas)
    return pd.concat(
        [_tidy(res.iloc[j::k], f"p{a}", byl) for j, a in enumerate(alphas)], ignore_index=True
    )


def poor_count(
    df: pd.DataFrame,
    design: SurveyDesign,
    welfare: str,
    line: float | str,
    by: str | Sequence[str] | None = None,
    size: str | None = None,
    *,
    ci: str = "normal",
    level: float = 0.95,
) -> pd.DataFrame:
    """Number of poor persons: survey total of ``size * 1[welfare < line]``.

    Parameters
    ----------
    df, design, welfare, line, by, size
        As in :func:`fgt`; with ``size=None`` each row is one person.
    ci, level
        Passed to :func:`tkpk_lib.estimation.estimators.survey_total`.

    Returns
    -------
    pandas.DataFrame
        ``indicator`` = ``poor_count`` and the core result columns (estimate in persons).

    Examples
    --------
    >>> import pandas as pd
    >>> from tkpk_lib.estimation.design import SurveyDesign
    >>> hh = pd.DataFrame({"exp_pc": [50.0, 150.0], "hh_size": [3, 1], "weight": [10.0, 10.0]})
    >>> float(poor_count(hh, SurveyDesign("weight"), "exp_pc", 100.0, size="hh_size")["estimate"].iloc[0])
    30.0
    """
    byl = _as_list(by)
    y = _numeric(df, welfare, "the number of poor (welfare)")
    z = _line_values(df, line, "the number of poor (line)")
    s = np.ones(len(df)) if size is None else _numeric(df, size, "household size", positive=True)
    col = f"{_TMP}poor_persons"
    # a frame of the by columns and the count only, with the design prepared on ``df``: no copy
    # of the whole table (issue 14 section 4)
    prep = design if isinstance(design, PreparedDesign) else prepare_design(df, design)
    work = pd.DataFrame({**{c: df[c].array for c in byl if c in df.columns}, col: s * (y < z)})
    res = _est.survey_total(work, prep, col, by=byl or None, ci=ci, level=level)
    return _tidy(res, "poor_count", byl)


def extreme_poverty_line(year: int) -> float:
    """Extreme-poverty line of ``year`` in Rp per capita per month (national, undeflated).

    Parameters
    ----------
    year : int
        Survey year.

    Returns
    -------
    float
        ``line_rp_month`` of :func:`extreme_poverty_lines` for that year.

    Examples
    --------
    >>> extreme_poverty_line(2024)
    391000.0
    """
    lines = _lines().set_index("year")
    if int(year) not in lines.index:
        raise TkpkError(
            f"No extreme-poverty line for year {year} in reference/extreme_poverty_lines.csv "
            f"(years {lines.index.min()}-{lines.index.max()}); pass line= explicitly."
        )
    return float(lines.loc[int(year), "line_rp_month"])


def extreme_poverty(
    df: pd.DataFrame,
    design: SurveyDesign,
    welfare: str,
    year: int | str | None = "year",
    by: str | Sequence[str] | None = None,
    size: str | None = None,
    *,
    line: float | str | None = None,
    deflator: str | None = None,
    ci: str = "normal",
    level: float = 0.95,
) -> pd.DataFrame:
    """Extreme-poverty headcount: FGT0 against the international extreme-poverty line.

    The line is US$2.15/day (2017 PPP; US$1.90/day 2011 PPP before 2022) converted to Rp per
    capita per month (:func:`extreme_poverty_lines`; which rows are quoted figures and which
    are assumptions is stated there). BPS also applies a spatial deflator: give it as a
    column ``deflator`` (line x deflator per row) if you have one; without it the national
    line is applied everywhere, an approximation (domain-notes 4.2, method detail
    unconfirmed).

    Parameters
    ----------
    df, design, welfare, by, size
        As in :func:`fgt`.
    year : int or str, optional
        A year (int) or the name of the year column (default ``"year"``) to look up the line
        row by row.
    line : float or str, optional
        Overrides the reference table: a number or a column of lines.
    deflator : str, optional
        Column with a spatial price deflator multiplying the line.
    ci, level
        Passed to the core.

    Returns
    -------
    pandas.DataFrame
        ``indicator`` = ``p0_extreme`` and the core result columns.

    Examples
    --------
    >>> import pandas as pd
    >>> from tkpk_lib.estimation.design import SurveyDesign
    >>> hh = pd.DataFrame({"exp_pc": [300000.0, 500000.0], "hh_size": [1, 1], "weight": [1.0, 1.0]})
    >>> r = extreme_poverty(hh, SurveyDesign("weight"), "exp_pc", year=2024, size="hh_size")
    >>> float(r["estimate"].iloc[0])
    0.5
    """
    if line is not None:
        z = _line_values(df, line, "extreme poverty (line)")
    elif isinstance(year, str):
        years = _numeric(df, year, "extreme poverty (year of the line)")
        lines = _lines().set_index("year")["line_rp_month"]
        missing = sorted({int(v) for v in years} - set(lines.index))
        if missing:
            raise TkpkError(
                f"No extreme-poverty line for year(s) {missing} in reference/extreme_poverty_lines.csv; "
                "pass line= explicitly."
            )
        z = lines.reindex(years.astype(int)).to_numpy(dtype=float)
    elif year is not None:
        z = np.full(len(df), extreme_poverty_line(int(year)))
    else:
        raise TkpkError("extreme_poverty needs year= (a year or the year column) or line=")
    if deflator is not None:
        z = z * _numeric(df, deflator, "extreme poverty (spatial deflator)", positive=True)
    col = f"{_TMP}extreme_line"
    res = fgt(
        df.assign(**{col: z}), design, welfare, col, alpha=0, by=by, size=size, ci=ci, level=level
    )
    res["indicator"] = "p0_extreme"
    return res


def poverty_indicators(
    df: pd.DataFrame,
    design: SurveyDesign,
    welfare: str,
    line: float | str,
    by: str | Sequence[str] | None = None,
    size: str | None = None,
    *,
    ci: str = "normal",
    level: float = 0.95,
    dof: DfSpec = "design",
) -> pd.DataFrame:
    """The BPS headline poverty block: P0, P1, P2 and the number of poor, stacked.

    Parameters
    ----------
    df, design, welfare, line, by, size, ci, level, dof
        As in :func:`fgt` (``dof`` applies to the FGT indices; the number of poor keeps the
        normal quantile of :func:`poor_count`).

    Returns
    -------
    pandas.DataFrame
        Rows of :func:`fgt` (alpha 0, 1, 2) and :func:`poor_count`, ``indicator`` in
        {p0, p1, p2, poor_count}.

    Examples
    --------
    >>> import pandas as pd
    >>> from tkpk_lib.estimation.design import SurveyDesign
    >>> hh = pd.DataFrame({"exp_pc": [50.0, 150.0], "hh_size": [3, 1], "weight": [1.0, 1.0]})
    >>> poverty_indicators(hh, SurveyDesign("weight"), "exp_pc", 100.0, size="hh_size")["indicator"].tolist()
    ['p0', 'p1', 'p2', 'poor_count']
    """
    parts = [
        _fgt_block(df, design, welfare, line, (0, 1, 2), _as_list(by), size, ci, level, dof),
        poor_count(df, design, welfare, line, by=by, size=size, ci=ci, level=level),
    ]
    return pd.concat(parts, ignore_index=True)
