"""Reference tables of the indicators: the catalogue (codes, names, units), labels, display formatting.

``reference/indicator_catalogue.csv`` (:func:`indicator_catalogue`, :func:`indicator_label`,
:func:`format_results`) and ``reference/extreme_poverty_lines.csv``
(:func:`extreme_poverty_lines`).
"""

from __future__ import annotations

from functools import cache
from importlib import resources

import numpy as np
import pandas as pd

from tkpk_lib.errors import TkpkError


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
