"""Indonesian number formatting of report cells (``13,77``; ``12.345``) and RSE marks.

Estimates with a relative standard error above 25% are marked ``*`` and above 50% ``**`` as
BPS does; cells based on fewer than ``min_sample`` sample households are suppressed.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from tkpk_lib.reporting.labels import _catalogue, _decimals, _unit_of

FOOTNOTE_RSE = (
    "Catatan: * RSE 25-50%, estimasi perlu digunakan dengan hati-hati; ** RSE > 50% atau kurang dari 20 "
    "kasus sampel (rumah tangga miskin dalam sampel untuk angka kemiskinan), estimasi tidak andal. SK 95% = "
    "selang kepercayaan 95%, tidak pernah di bawah nol. Sel dengan sampel, atau kasus sampel, kurang dari {n} "
    "rumah tangga tidak ditampilkan (\u2013)."
)


#: Month names of an Indonesian date.
MONTHS = ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September", "Oktober",
          "November", "Desember")


def fmt_date(x: Any) -> str:
    """A date the Indonesian way (``30 Juni 2024``); ``-`` (en dash) when missing.

    Examples
    --------
    >>> fmt_date("2025-01-31"), fmt_date(pd.Timestamp("2024-06-30 00:00")), fmt_date(None)
    ('31 Januari 2025', '30 Juni 2024', '\u2013')
    """
    if x is None or (not isinstance(x, str) and pd.isna(x)) or (isinstance(x, str) and not x.strip()):
        return "\u2013"
    day = pd.Timestamp(x)
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def fmt_number(x: Any, decimals: int = 2) -> str:
    """Format a number the Indonesian way: ``.`` for thousands, ``,`` for decimals.

    Parameters
    ----------
    x : float
        Number (NaN/None gives ``"\u2013"``).
    decimals : int
        Decimals shown.

    Returns
    -------
    str

    Examples
    --------
    >>> fmt_number(12345.678, 2)
    '12.345,68'
    >>> fmt_number(float("nan"))
    '\u2013'
    """
    if x is None or (isinstance(x, float) and math.isnan(x)) or pd.isna(x):
        return "\u2013"
    s = f"{float(x):,.{decimals}f}"
    return s.replace(",", "\0").replace(".", ",").replace("\0", ".")


def fmt_int(x: Any) -> str:
    """Format a count with dots for thousands (``12.345``).

    Examples
    --------
    >>> fmt_int(1234567.4)
    '1.234.567'
    """
    return fmt_number(x, 0)


def fmt_percent(x: Any, decimals: int = 2) -> str:
    """Format a fraction as a percentage number without the sign (``0.1377`` -> ``13,77``).

    Examples
    --------
    >>> fmt_percent(0.13771)
    '13,77'
    """
    if x is None or pd.isna(x):
        return "\u2013"
    return fmt_number(100.0 * float(x), decimals)


def rse_mark(rse: Any) -> str:
    """BPS reliability mark of a relative standard error: ``""``, ``"*"`` (> 25%) or ``"**"`` (> 50%).

    Examples
    --------
    >>> [rse_mark(r) for r in (0.1, 0.3, 0.6, float("nan"))]
    ['', '*', '**', '']
    """
    if rse is None or pd.isna(rse):
        return ""
    r = float(rse)
    return "**" if r > 0.5 else "*" if r > 0.25 else ""


#: Units whose values cannot be negative (shares, counts, indices): their CIs are cut at 0.
NON_NEGATIVE = frozenset({"fraction", "persons", "households", "count", "index", "Rp"})


def ci_bounds(low: Any, high: Any, unit: str = "fraction") -> tuple[float, float]:
    """A confidence interval as printed: never below 0 for shares and counts, never above 100% for shares.

    A normal-approximation interval of a small share or count can reach below zero; no share or
    count is negative, so the printed interval stops at 0 (and a share's at 1).

    Parameters
    ----------
    low, high : float
        Interval bounds as estimated.
    unit : str
        Catalogue unit (``fraction``, ``persons``, ``index``...).

    Returns
    -------
    tuple of float

    Examples
    --------
    >>> ci_bounds(-0.004, 0.012)
    (0.0, 0.012)
    >>> ci_bounds(-120.0, 900.0, "persons")
    (0.0, 900.0)
    """
    lo = float(low) if low is not None and not pd.isna(low) else float("nan")
    hi = float(high) if high is not None and not pd.isna(high) else float("nan")
    if unit in NON_NEGATIVE:
        lo, hi = (max(lo, 0.0) if lo == lo else lo), (max(hi, 0.0) if hi == hi else hi)
    if unit == "fraction":
        lo, hi = (min(lo, 1.0) if lo == lo else lo), (min(hi, 1.0) if hi == hi else hi)
    return lo, hi


def _fmt_value(x: Any, unit: str, decimals: int = 2) -> str:
    if unit == "fraction":
        return fmt_percent(x, decimals)
    if unit in {"persons", "households", "count"}:
        return fmt_int(x)
    return fmt_number(x, decimals if unit != "Rp" else 0)


def format_estimates(
    df: pd.DataFrame,
    *,
    min_sample: int = 0,
    label_col: str | None = "indicator",
    keep: Sequence[str] = (),
    decimals: int = 2,
) -> pd.DataFrame:
    """Indonesian display table of estimates: value with RSE mark, SE, 95% CI, n.

    Parameters
    ----------
    df : pandas.DataFrame
        Result frame (``indicator``, estimate, se, ci_low, ci_high, rse, n).
    min_sample : int
        Cells estimated from fewer than this many sample households (column ``n``) are shown
        as ``"\u2013"`` (small-cell rule; 0 = show all).
    label_col : str or None
        Column naming the indicator; its catalogue name (``name_id``) becomes "Indikator"
        and its unit decides the format (fractions in percent).
    keep : sequence of str
        Extra columns copied first (e.g. ``kab_code`` names).
    decimals : int
        Decimals of percentages and indices.

    Returns
    -------
    pandas.DataFrame
        Text columns: [keep], Indikator, Estimasi, SE, "SK 95%", n.

    Examples
    --------
    >>> r = pd.DataFrame({"indicator": ["p0"], "estimate": [0.1377], "se": [0.004],
    ...     "ci_low": [0.1299], "ci_high": [0.1455], "rse": [0.03], "n": [900]})
    >>> format_estimates(r).iloc[0].tolist()
    ['Persentase penduduk miskin (P0)', '13,77', '0,40', '12,99 \u2013 14,55', '900']
    """
    cat = _catalogue()
    out = pd.DataFrame(index=df.index)
    for k in keep:
        out[k] = df[k].astype(str)
    if label_col is not None:
        out["Indikator"] = [str(cat.loc[c, "name_id"]) if c in cat.index else str(c) for c in df[label_col]]
        units = [_unit_of(c, cat) for c in df[label_col]]
        decs = [_decimals(c, cat, decimals) for c in df[label_col]]
    else:
        units = ["fraction"] * len(df)
        decs = [decimals] * len(df)
    est, se, lo, hi = [], [], [], []
    thin = np.zeros(len(df), bool)
    if "n_cases" in df:  # fewer sample cases than the estimation's publication rule: unreliable (**)
        from tkpk_lib.estimation.results import MIN_CASES

        thin = (pd.to_numeric(df["n_cases"], errors="coerce") < MIN_CASES).to_numpy()
    size = np.fmin(pd.to_numeric(df["n"], errors="coerce"), pd.to_numeric(df["n_cases"], errors="coerce")
                   .fillna(np.inf)) if ("n" in df and "n_cases" in df) else (df["n"] if "n" in df else None)
    small = (np.asarray(size) < min_sample) if (size is not None and min_sample) else np.zeros(len(df), bool)
    for i, (_, r) in enumerate(df.iterrows()):
        u, decimals = units[i], decs[i]
        if small[i]:
            est.append("\u2013")
            se.append("\u2013")
            lo.append("\u2013")
            continue
        est.append(_fmt_value(r["estimate"], u, decimals) + ("**" if thin[i] else rse_mark(r.get("rse"))))
        se.append(_fmt_value(r.get("se"), u, decimals))
        low, high = ci_bounds(r.get("ci_low"), r.get("ci_high"), u)
        lo.append(f"{_fmt_value(low, u, decimals)} \u2013 {_fmt_value(high, u, decimals)}")
        hi.append("")
    out["Estimasi"] = est
    out["SE"] = se
    out["SK 95%"] = lo
    if "n" in df:
        out["n"] = [fmt_int(v) for v in df["n"]]
    return out.reset_index(drop=True)


def se_step(se: Any, floor: float = 0.0) -> float:
    """Rounding step a standard error supports: one tenth of its leading power of ten.

    A figure is printed to the digit its SE still lets the reader trust: SE 4.591 jiwa ->
    step 100 (``31.500``), SE 0,68 points -> step 0,01. ``floor`` is the finest step allowed.

    Examples
    --------
    >>> se_step(4591.0), se_step(0.0068), se_step(float("nan"), 0.01)
    (100.0, 0.0001, 0.01)
    """
    s = float(se) if se is not None and not pd.isna(se) else float("nan")
    if not s > 0:
        return floor if floor > 0 else 1.0
    return max(10.0 ** (math.floor(math.log10(s)) - 1), floor)


def about(x: Any, se: Any, unit: str = "fraction") -> tuple[str, float]:
    """A figure rounded to the precision its SE supports, as the summary prints it, and the value shown.

    Shares print in percent (at most 2 decimals, at least to 0,1 point when the SE allows only
    that), counts of 10.000 and more in thousands ("ribu") with the decimals the SE allows.

    Parameters
    ----------
    x : float
        Estimate (a fraction for ``unit="fraction"``).
    se : float
        Its standard error, same unit.
    unit : str
        ``fraction``, ``persons`` (jiwa) or ``index``.

    Returns
    -------
    tuple of (str, float)
        The text ("18,1 persen", "31,5 ribu jiwa") and the number shown in the text's own unit
        (18.1, 31.5).

    Examples
    --------
    >>> about(0.180738, 0.026394)
    ('18,1 persen', 18.1)
    >>> about(31489.7, 4590.6, "persons")
    ('31,5 ribu jiwa', 31.5)
    >>> about(298912.3, 14462.6, "persons")
    ('299 ribu jiwa', 299.0)
    >>> about(812.0, 95.0, "persons")
    ('812 jiwa', 812.0)
    """
    if unit == "fraction":
        step = se_step(100.0 * float(se), 0.01) if not pd.isna(se) else 0.01
        dec = max(0, min(2, -math.floor(math.log10(step))))
        v = round(100.0 * float(x), dec)
        return f"{fmt_number(v, dec)} persen", v
    if unit in {"persons", "households", "count"}:
        step = se_step(se, 1.0)
        v = round(float(x) / step) * step
        word = {"persons": "jiwa", "households": "rumah tangga"}.get(unit, "")
        if v >= 10000:
            dec = max(0, min(3, 3 - int(math.log10(step))))
            shown = round(v / 1000.0, dec)
            return f"{fmt_number(shown, dec)} ribu {word}".strip(), shown
        return f"{fmt_int(v)} {word}".strip(), v
    step = se_step(se, 0.001)
    dec = max(0, min(3, -math.floor(math.log10(step))))
    v = round(float(x), dec)
    return fmt_number(v, dec), v
