"""TKPK monitoring indicators with design-based standard errors.

Every function takes a canonical frame (:mod:`tkpk_lib.schemas`), a
:class:`~tkpk_lib.estimation.design.SurveyDesign`, column names and ``by=`` (a column or a list of
columns) and returns a tidy frame shaped like the estimation core
(:mod:`tkpk_lib.estimation.estimators`): an ``indicator`` column (a code of the indicator catalogue),
the ``by`` columns, then ``estimate, se, ci_low, ci_high, rse, deff, n, n_weighted,
reliability``. Rates are fractions (0.1208, not 12.08); reports multiply by 100.

Indicators and where they come from

* Monetary poverty (Susenas March, ``households`` table): :func:`fgt` (P0, P1, P2),
  :func:`poor_count`, :func:`poverty_indicators` (the four stacked),
  :func:`extreme_poverty`. Persons are the unit: pass ``size="hh_size"``
  and every household counts with weight ``weight * hh_size`` (BPS weights FGT indices with
  FWT x household size, domain-notes 4.1).
* Inequality: :func:`gini` (point estimate as ``laeken::gini``, linearised SE as
  ``convey::svygini``) and :func:`bottom40_share`.
* Labour (Sakernas August, ``labour`` table): :func:`labour_indicators` (TPT, TPAK,
  informal share, time-related underemployment).
* Basic services (Susenas ``households`` / ``persons``): :func:`service_indicators`.
* :func:`disaggregate` stacks an indicator for the total and by kabupaten, urban/rural,
  sex of the head, disability, elderly and welfare quintile (:func:`welfare_quintile`).

Labels and definitions of every indicator live in ``reference/indicator_catalogue.csv``
(:func:`indicator_catalogue`, :func:`indicator_label`; :func:`format_results` adds display
columns to any result frame); the extreme-poverty lines in
``reference/extreme_poverty_lines.csv`` (:func:`extreme_poverty_lines`).

Variance
--------
No variance formula is written here: means, totals and ratios go through
:mod:`tkpk_lib.estimation.estimators`, and the two non-linear statistics (Gini, bottom-40% share) pass
their linearised scores (influence functions) to
:func:`tkpk_lib.estimation.estimators.linearized_variance`, so that strata, PSUs and fpc are honoured.
Domain estimates are computed on the full sample with scores set to zero outside the domain
(never by dropping rows, which would lose PSUs).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from functools import cache
from importlib import resources
from typing import Any

import numpy as np
import pandas as pd
from scipy import special

from tkpk_lib.errors import Problem, SchemaError, TkpkError
from tkpk_lib.estimation import estimators as _est
from tkpk_lib.estimation.design import SurveyDesign, linearized_variance

RESULT_COLUMNS: tuple[str, ...] = tuple(_est.RESULT_COLUMNS)
"""Statistic columns of every result frame, after ``indicator`` and the ``by`` columns."""

DEFAULT_DIMENSIONS: tuple[str, ...] = (
    "kab_code",
    "urban",
    "head_female",
    "has_disabled",
    "has_elderly",
    "welfare_quintile",
)
"""Disaggregation dimensions of :func:`disaggregate` for the households table."""

LABOUR_DIMENSIONS: tuple[str, ...] = ("kab_code", "urban", "female")
"""Disaggregation dimensions for the labour table (kabupaten, urban/rural, sex)."""

PERSON_DIMENSIONS: tuple[str, ...] = ("kab_code", "urban", "female", "disabled")
"""Disaggregation dimensions for the Susenas persons table."""

DIMENSION_NAMES: dict[str, str] = {
    "total": "Total",
    "kab_code": "Kabupaten/kota",
    "urban": "Perkotaan/perdesaan",
    "head_female": "Jenis kelamin kepala rumah tangga",
    "female": "Jenis kelamin",
    "has_disabled": "Rumah tangga dengan anggota penyandang disabilitas",
    "disabled": "Penyandang disabilitas",
    "has_elderly": "Rumah tangga dengan anggota lansia (60+)",
    "welfare_quintile": "Kuintil pengeluaran per kapita",
}
"""Indonesian names of the disaggregation dimensions (for report tables)."""

_GROUP_LABELS: dict[str, dict[str, str]] = {
    "urban": {"1": "Perkotaan", "0": "Perdesaan"},
    "head_female": {"1": "KRT perempuan", "0": "KRT laki-laki"},
    "female": {"1": "Perempuan", "0": "Laki-laki"},
    "has_disabled": {
        "1": "Ada ART penyandang disabilitas",
        "0": "Tidak ada ART penyandang disabilitas",
    },
    "disabled": {"1": "Penyandang disabilitas", "0": "Bukan penyandang disabilitas"},
    "has_elderly": {"1": "Ada ART lansia", "0": "Tidak ada ART lansia"},
    "welfare_quintile": {
        "1": "Kuintil 1 (20% terbawah)",
        "2": "Kuintil 2",
        "3": "Kuintil 3",
        "4": "Kuintil 4",
        "5": "Kuintil 5 (20% teratas)",
    },
}

_TMP = "_tkpk_"  # prefix of derived columns added to a private copy of the frame


# --------------------------------------------------------------------------- reference data
def _read_reference(name: str) -> pd.DataFrame:
    with resources.files("tkpk_lib.reference").joinpath(name).open("r", encoding="utf-8") as fh:
        return pd.read_csv(fh, keep_default_na=False, na_values=[""])


@cache
def _catalogue() -> pd.DataFrame:
    cat = _read_reference("indicator_catalogue.csv")
    cat["decimals"] = cat["decimals"].astype(int)
    return cat


def indicator_catalogue() -> pd.DataFrame:
    """The indicator catalogue: codes, Indonesian/English names, definitions and units.

    Read from ``tkpk_lib/reference/indicator_catalogue.csv``. Columns: ``code``, ``name_id``,
    ``name_en``, ``definition`` (English), ``definisi`` (Indonesian), ``source_survey``,
    ``table`` (canonical input table), ``unit`` (``fraction`` = shown x 100 as percent or
    BPS index, ``persons``, ``Rp`` or ``index``), ``direction`` (``higher_better`` /
    ``lower_better``), ``estimator`` (function of this module), ``estimator_args`` and
    ``decimals`` (decimals of the displayed value, after x 100 for fractions).

    Returns
    -------
    pandas.DataFrame
        One row per indicator (a copy; safe to modify).

    Examples
    --------
    >>> cat = indicator_catalogue()
    >>> cat.set_index("code").loc["p0", "direction"]
    'lower_better'
    """
    return _catalogue().copy()


def indicator_label(code: str, lang: str = "id") -> str:
    """Name of indicator ``code`` in Indonesian (``lang="id"``) or English (``"en"``).

    Parameters
    ----------
    code : str
        Catalogue code, e.g. ``"p0"``.
    lang : {"id", "en"}
        Language of the label.

    Returns
    -------
    str
        The label.

    Examples
    --------
    >>> indicator_label("tpt")
    'Tingkat pengangguran terbuka (TPT)'
    """
    cat = _catalogue().set_index("code")
    if code not in cat.index:
        raise TkpkError(f"Unknown indicator code '{code}'; known codes: {', '.join(cat.index)}")
    return str(cat.loc[code, "name_id" if lang == "id" else "name_en"])


@cache
def _lines() -> pd.DataFrame:
    return _read_reference("extreme_poverty_lines.csv")


def extreme_poverty_lines() -> pd.DataFrame:
    """Extreme-poverty lines in Rp per capita per month, one row per year.

    Read from ``tkpk_lib/reference/extreme_poverty_lines.csv``. Columns: ``year``,
    ``ppp_base`` (``2011 PPP`` for the US$1.90 line, ``2017 PPP`` for US$2.15),
    ``line_usd_ppp_day``, ``rp_per_ppp_usd`` (implied rupiah per PPP dollar),
    ``days_per_month`` (30, as in the quoted conversion Rp10,739/day = Rp322,170/month),
    ``line_rp_day``, ``line_rp_month``, ``status`` (``quoted`` or ``assumption``),
    ``source`` and ``note``. Only 2021 (US$1.90) and 2024 (US$2.15, "about Rp391 thousand")
    are quoted figures; the other years are **assumptions** derived with CPI inflation,
    stated in ``note``. The lines are national: BPS applies a spatial deflator on top (pass
    it to :func:`extreme_poverty` as ``deflator=``).

    Returns
    -------
    pandas.DataFrame
        A copy of the table.

    Examples
    --------
    >>> lines = extreme_poverty_lines().set_index("year")
    >>> int(lines.loc[2021, "line_rp_month"])
    322170
    """
    return _lines().copy()


# --------------------------------------------------------------------------- small helpers
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
    """Put ``indicator`` first, then the by columns and the statistic columns (one constructor)."""
    keep = [*by, *[c for c in RESULT_COLUMNS if c in res.columns]]
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


# --------------------------------------------------------------------------- monetary poverty
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
    return _fgt_block(df, design, welfare, line, (alpha,), _as_list(by), size, ci, level)


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
) -> pd.DataFrame:
    """FGT indices for several ``alphas`` from one core call, stacked in ``alphas`` order.

    The core estimates each variable of a call independently (shared design and domain
    codes), so the numbers are those of one :func:`fgt` call per alpha.
    """
    y = _numeric(df, welfare, "poverty indices (welfare)")
    z = _line_values(df, line, "poverty indices (line)")
    poor = y < z
    cols: dict[str, np.ndarray] = {}
    for alpha in alphas:
        if alpha == 0:
            cols[f"{_TMP}fgt{alpha}"] = poor.astype(float)
        else:
            cols[f"{_TMP}fgt{alpha}"] = np.where(poor, ((z - y) / z) ** alpha, 0.0)
    work, d = _person_view(df.assign(**cols), design, size)
    names = list(cols)
    res = _est.survey_mean(work, d, names, by=byl or None, ci=ci, level=level)
    k = len(names)
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
    work = df.assign(**{col: s * (y < z)})
    res = _est.survey_total(work, design, col, by=byl or None, ci=ci, level=level)
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
) -> pd.DataFrame:
    """The BPS headline poverty block: P0, P1, P2 and the number of poor, stacked.

    Parameters
    ----------
    df, design, welfare, line, by, size, ci, level
        As in :func:`fgt`.

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
        _fgt_block(df, design, welfare, line, (0, 1, 2), _as_list(by), size, ci, level),
        poor_count(df, design, welfare, line, by=by, size=size, ci=ci, level=level),
    ]
    return pd.concat(parts, ignore_index=True)


def _fmt_number_id(x: float, decimals: int) -> str:
    if not np.isfinite(x):
        return "-"
    s = f"{x:,.{decimals}f}"
    return s.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


def format_results(res: pd.DataFrame, lang: str = "id") -> pd.DataFrame:
    """Add display columns to a result frame, from the indicator catalogue.

    Fractions are shown x 100 (percent, or the BPS index scale for P1/P2), with the
    catalogue's ``decimals`` and Indonesian number notation (``12,08``) when ``lang="id"``.

    Parameters
    ----------
    res : pandas.DataFrame
        A result frame with an ``indicator`` column.
    lang : {"id", "en"}
        Language of the name column and number notation.

    Returns
    -------
    pandas.DataFrame
        ``res`` with ``name`` (indicator label), ``value`` (display string of the estimate),
        ``ci`` (display string ``low - high``) and ``unit`` added; unknown indicator codes get
        their code as name and 3 decimals.

    Examples
    --------
    >>> import pandas as pd
    >>> r = pd.DataFrame({"indicator": ["p0"], "estimate": [0.1208], "ci_low": [0.11],
    ...                   "ci_high": [0.1316]})
    >>> format_results(r)[["name", "value", "ci"]].values.tolist()
    [['Persentase penduduk miskin (P0)', '12,08', '11,00 - 13,16']]
    """
    cat = _catalogue().set_index("code")
    out = res.copy()
    names, values, cis, units = [], [], [], []
    for _, row in out.iterrows():
        code = row["indicator"]
        known = code in cat.index
        unit = str(cat.loc[code, "unit"]) if known else ""
        dec = int(cat.loc[code, "decimals"]) if known else 3
        scale = 100.0 if unit == "fraction" else 1.0

        def f(v: object, dec: int = dec, scale: float = scale) -> str:
            x = float(v) * scale  # type: ignore[arg-type]
            return (
                _fmt_number_id(x, dec)
                if lang == "id"
                else (f"{x:,.{dec}f}" if np.isfinite(x) else "-")
            )

        names.append(
            str(cat.loc[code, "name_id" if lang == "id" else "name_en"]) if known else str(code)
        )
        values.append(f(row["estimate"]))
        cis.append(f"{f(row['ci_low'])} - {f(row['ci_high'])}" if "ci_low" in out.columns else "")
        units.append("%" if unit == "fraction" and not str(code).startswith(("p1", "p2")) else unit)
    out["name"] = names
    out["value"] = values
    out["ci"] = cis
    out["unit"] = units
    return out


# --------------------------------------------------------------------------- inequality
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


# --------------------------------------------------------------------------- ratios helper
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


# --------------------------------------------------------------------------- labour
def labour_indicators(
    df: pd.DataFrame,
    design: SurveyDesign,
    by: str | Sequence[str] | None = None,
    *,
    min_age: int = 15,
    hours_threshold: float = 35.0,
    ci: str = "normal",
    level: float = 0.95,
) -> pd.DataFrame:
    """TPT, TPAK, informal share and time-related underemployment (Sakernas August).

    Definitions (persons aged ``min_age``+ only; canonical ``labour`` table):

    * ``tpt`` = unemployed / labour force (``lf_status`` 2 / ``lf_status`` in {1, 2}).
    * ``tpak`` = labour force / population.
    * ``informal_share`` = employed with ``informal == 1`` / employed.
    * ``underemployment`` = employed working < ``hours_threshold`` hours with
      ``wants_more_hours == 1`` / employed (BPS *setengah penganggur*).

    Each is a ratio of two weighted totals over the whole sample (indicators are zero for
    persons outside the age range), estimated with :func:`tkpk_lib.estimation.estimators.survey_ratio`:
    domain estimation without dropping rows. Use ``by=["female"]`` or ``by=["urban"]`` for
    sex and urban/rural, or ``disaggregate(labour_indicators, df, design,
    dims=LABOUR_DIMENSIONS)`` for the total and by kabupaten, urban/rural and sex at once.

    Parameters
    ----------
    df : pandas.DataFrame
        Canonical ``labour`` table.
    design : SurveyDesign
        Its design.
    by : str or list of str, optional
        Domain columns.
    min_age : int
        Working-age threshold (15).
    hours_threshold : float
        Hours below which an employed person counts as underemployed (35).
    ci, level
        Passed to the core.

    Returns
    -------
    pandas.DataFrame
        Four blocks stacked, ``indicator`` in {tpt, tpak, informal_share, underemployment}.

    Examples
    --------
    >>> import pandas as pd
    >>> from tkpk_lib.estimation.design import SurveyDesign
    >>> lab = pd.DataFrame({"age": [20, 30, 40, 50], "lf_status": [1, 2, 1, 3],
    ...     "hours": [40.0, None, 20.0, None], "informal": [1, 0, 0, 0],
    ...     "wants_more_hours": [0, 0, 1, 0], "weight": 1.0})
    >>> r = labour_indicators(lab, SurveyDesign("weight")).set_index("indicator")
    >>> round(float(r.loc["tpt", "estimate"]), 4)
    0.3333
    """
    byl = _as_list(by)
    age = _numeric(df, "age", "labour indicators")
    status = _numeric(df, "lf_status", "labour indicators")
    bad = ~np.isin(status, (1.0, 2.0, 3.0))
    if bad.any():
        raise SchemaError(
            [
                Problem(
                    "input frame",
                    "lf_status",
                    "must be 1, 2 or 3",
                    (np.flatnonzero(bad) + 1).tolist(),
                )
            ]
        )
    adult = age >= min_age
    employed = adult & (status == 1)
    unemployed = adult & (status == 2)
    lf = employed | unemployed
    informal = _flag(df, "informal", "the informal share") == 1
    _require(df, ["hours", "wants_more_hours"], "underemployment")
    hours = pd.to_numeric(df["hours"], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    miss = employed & ~np.isfinite(hours)
    if miss.any():
        raise SchemaError(
            [
                Problem(
                    "input frame",
                    "hours",
                    "missing hours for employed persons",
                    (np.flatnonzero(miss) + 1).tolist(),
                )
            ]
        )
    wants = _flag(df, "wants_more_hours", "underemployment") == 1
    under = employed & (np.nan_to_num(hours, nan=np.inf) < hours_threshold) & wants
    specs = [
        (unemployed, lf, "tpt"),
        (lf, adult, "tpak"),
        (employed & informal, employed, "informal_share"),
        (under, employed, "underemployment"),
    ]
    return _ratios(df, design, specs, byl, ci, level)


# --------------------------------------------------------------------------- basic services
HOUSEHOLD_SERVICES: dict[str, str] = {
    "water_safe": "water_safe",
    "sanitation_safe": "sanitation_safe",
    "electricity": "electricity",
    "decent_housing": "decent_housing",
}
"""Household service indicators: catalogue code -> canonical flag column."""

SCHOOL_AGE_GROUPS: dict[str, tuple[int, int]] = {
    "aps_7_12": (7, 12),
    "aps_13_15": (13, 15),
    "aps_16_18": (16, 18),
}
"""APS age groups (inclusive)."""


def service_indicators(
    df: pd.DataFrame,
    design: SurveyDesign,
    by: str | Sequence[str] | None = None,
    *,
    level_of: str | None = None,
    indicators: Sequence[str] | None = None,
    ci: str = "normal",
    level: float = 0.95,
) -> pd.DataFrame:
    """Basic-service indicators from Susenas (households or persons table).

    Household table (``level_of="households"``), shares of **households** weighted by the
    household weight, as BPS publishes them:

    * ``water_safe``: improved (layak) drinking water (canonical flag ``water_safe``);
    * ``sanitation_safe``: proper sanitation (goose-neck toilet with septic tank/IPAL);
    * ``electricity``: electric main lighting (PLN or non-PLN);
    * ``decent_housing``: rumah layak huni (durable roof/wall/floor, >= 7.2 m2/capita,
      improved water and sanitation).

    Persons table (``level_of="persons"``), shares of **persons**:

    * ``aps_7_12``, ``aps_13_15``, ``aps_16_18``: school participation (APS), persons of the
      age group with ``school_status == 1`` (attending now, any level) / persons of the age
      group, a domain ratio over the full sample;
    * ``jkn_coverage``: JKN members (any scheme) / all persons.

    Parameters
    ----------
    df : pandas.DataFrame
        Canonical ``households`` or ``persons`` table.
    design : SurveyDesign
        Its design.
    by : str or list of str, optional
        Domain columns.
    level_of : {"households", "persons"}, optional
        Which table ``df`` is; guessed from the columns when omitted (``school_status``
        present means persons).
    indicators : list of str, optional
        Subset of codes to compute (default: all of that table).
    ci, level
        Passed to the core.

    Returns
    -------
    pandas.DataFrame
        Blocks stacked with an ``indicator`` column.

    Examples
    --------
    >>> import pandas as pd
    >>> from tkpk_lib.estimation.design import SurveyDesign
    >>> p = pd.DataFrame({"age": [8, 10, 14, 17], "school_status": [1, 2, 1, 1],
    ...                   "jkn_member": [1, 1, 0, 1], "weight": 1.0})
    >>> r = service_indicators(p, SurveyDesign("weight")).set_index("indicator")
    >>> float(r.loc["aps_7_12", "estimate"])
    0.5
    """
    byl = _as_list(by)
    if level_of is None:
        level_of = "persons" if "school_status" in df.columns else "households"
    if level_of == "households":
        codes = list(indicators) if indicators is not None else list(HOUSEHOLD_SERVICES)
        unknown = [c for c in codes if c not in HOUSEHOLD_SERVICES]
        if unknown:
            raise TkpkError(
                f"Unknown household service indicator(s) {unknown}; known: {list(HOUSEHOLD_SERVICES)}"
            )
        cols = [HOUSEHOLD_SERVICES[code] for code in codes]
        for code, col in zip(codes, cols, strict=True):
            _flag(df, col, f"indicator {code}")
        # one core call for all flags: each variable is estimated independently
        res = _est.survey_mean(df, design, cols, by=byl or None, ci=ci, level=level)
        k = len(cols)
        parts = [_tidy(res.iloc[j::k], code, byl) for j, code in enumerate(codes)]
        return pd.concat(parts, ignore_index=True)
    if level_of != "persons":
        raise TkpkError(f"level_of must be 'households' or 'persons' (got {level_of!r})")
    known = [*SCHOOL_AGE_GROUPS, "jkn_coverage"]
    codes = list(indicators) if indicators is not None else known
    unknown = [c for c in codes if c not in known]
    if unknown:
        raise TkpkError(f"Unknown person service indicator(s) {unknown}; known: {known}")
    parts = []
    aps = [c for c in codes if c in SCHOOL_AGE_GROUPS]
    if aps:
        age = _numeric(df, "age", "school participation (APS)")
        school = _numeric(df, "school_status", "school participation (APS)")
        specs = []
        for code in aps:
            lo, hi = SCHOOL_AGE_GROUPS[code]
            in_group = (age >= lo) & (age <= hi)
            specs.append((in_group & (school == 1), in_group, code))
        parts.append(_ratios(df, design, specs, byl, ci, level))
    if "jkn_coverage" in codes:
        _flag(df, "jkn_member", "JKN coverage")
        res = _est.survey_mean(df, design, "jkn_member", by=byl or None, ci=ci, level=level)
        parts.append(_tidy(res, "jkn_coverage", byl))
    return pd.concat(parts, ignore_index=True)


# --------------------------------------------------------------------------- disaggregation
def _group_label(dimension: str, value: str) -> str:
    if dimension == "total":
        return "Total"
    labels = _GROUP_LABELS.get(dimension, {})
    if value in labels:
        return labels[value]
    if dimension == "kab_code":
        try:
            from tkpk_lib.reference_data import regions

            names = regions().set_index("code")["name"]
            return str(names.get(value, value))
        except Exception:  # noqa: BLE001 - labels are cosmetic; never fail a table on them
            return value
    return value


def _as_text(values: pd.Series) -> pd.Series:
    def one(v: object) -> str:
        if isinstance(v, float) and v.is_integer():
            return str(int(v))
        return str(v)

    return values.map(one).astype(str)


def disaggregate(
    func: Callable[..., pd.DataFrame],
    df: pd.DataFrame,
    design: SurveyDesign,
    dims: Sequence[str] = DEFAULT_DIMENSIONS,
    **kw: Any,
) -> pd.DataFrame:
    """An indicator for the total and by each dimension, stacked in one tidy frame.

    Parameters
    ----------
    func : callable
        An indicator function of this module (``fgt``, ``gini``, ``labour_indicators``...).
    df : pandas.DataFrame
        Its input frame.
    design : SurveyDesign
        Its design.
    dims : list of str
        Dimensions, each a column of ``df`` (default :data:`DEFAULT_DIMENSIONS`: kabupaten,
        urban/rural, sex of the head, disability, elderly, welfare quintile). If
        ``welfare_quintile`` is asked for and not a column, it is computed with
        :func:`welfare_quintile` from the ``welfare`` and ``size`` keywords (province-wide
        person quintiles).
    **kw
        Passed to ``func`` (e.g. ``welfare``, ``line``, ``size``, ``alpha``). A ``by`` keyword
        is kept and each dimension is added to it.

    Returns
    -------
    pandas.DataFrame
        ``indicator, dimension, group, group_label``, any base ``by`` columns, then the result
        columns. The total has ``dimension == "total"`` and ``group == "Total"``; ``group`` is
        text (``"1"``/``"0"`` for flags, codes for kabupaten).

    Examples
    --------
    >>> import pandas as pd
    >>> from tkpk_lib.estimation.design import SurveyDesign
    >>> hh = pd.DataFrame({"exp_pc": [50.0, 150.0, 80.0, 300.0], "urban": [1, 1, 0, 0],
    ...                    "hh_size": 1, "weight": 1.0})
    >>> t = disaggregate(fgt, hh, SurveyDesign("weight"), dims=["urban"],
    ...                  welfare="exp_pc", line=100.0, size="hh_size")
    >>> t[["dimension", "group", "estimate"]].values.tolist()
    [['total', 'Total', 0.5], ['urban', '0', 0.5], ['urban', '1', 0.5]]
    """
    base_by = _as_list(kw.pop("by", None))
    work = df
    if "welfare_quintile" in dims and "welfare_quintile" not in df.columns:
        if "welfare" not in kw:
            raise TkpkError(
                "disaggregate by welfare_quintile needs a 'welfare_quintile' column or welfare= "
                "(and size= for a household file)"
            )
        q = welfare_quintile(df, design, kw["welfare"], kw.get("size"))
        work = df.assign(welfare_quintile=q.to_numpy())
    missing = [d for d in dims if d not in work.columns]
    if missing:
        raise SchemaError(
            [Problem("input frame", d, "disaggregation column is missing") for d in missing]
        )
    blocks = []
    total = func(work, design, by=base_by or None, **kw)
    total.insert(1, "dimension", "total")
    total.insert(2, "group", "Total")
    blocks.append(total)
    for dim in dims:
        res = func(work, design, by=[*base_by, dim], **kw)
        group = _as_text(res[dim])
        res = res.drop(columns=[dim])
        res.insert(1, "dimension", dim)
        res.insert(2, "group", group.to_numpy())
        blocks.append(res)
    out = pd.concat(blocks, ignore_index=True)
    out.insert(
        3,
        "group_label",
        [_group_label(d, g) for d, g in zip(out["dimension"], out["group"], strict=True)],
    )
    return out
