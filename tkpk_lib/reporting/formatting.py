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
    "Catatan: * RSE 25-50%, estimasi perlu digunakan dengan hati-hati; ** RSE > 50%, estimasi "
    "tidak reliabel. SK 95% = selang kepercayaan 95%. Sel dengan sampel kurang dari {n} rumah "
    "tangga tidak ditampilkan (\u2013)."
)


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
    small = (df["n"] < min_sample).to_numpy() if ("n" in df and min_sample) else np.zeros(len(df), bool)
    for i, (_, r) in enumerate(df.iterrows()):
        u, decimals = units[i], decs[i]
        if small[i]:
            est.append("\u2013")
            se.append("\u2013")
            lo.append("\u2013")
            continue
        est.append(_fmt_value(r["estimate"], u, decimals) + rse_mark(r.get("rse")))
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
