"""BPS recodes as data: raw BPS codes -> canonical values, from ``reference/recodes.csv``.

Beside the crosswalk (which says *where* a variable is in a year's file), the recode table says
what its codes *mean* for a canonical column: one row per file kind, crosswalk variable,
canonical target, first year of validity and BPS code, with the canonical value it gives, the
code's label and the value's label. A code ``*`` gives the value of any other code and of a
blank cell (a flag is 0 unless the code says yes); a target without a ``*`` row gives a missing
value for codes not listed. As in the crosswalk, the rows of the latest ``from_year`` not after
the survey year apply (the earliest for older years), so a code list changed by BPS in a year is
new rows from that year, not new code. The rules that combine several recoded variables (proper
sanitation, decent housing, labour-force status) stay in the readers.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

import numpy as np
import pandas as pd

from tkpk_lib.data.readers.values import _num
from tkpk_lib.errors import TkpkError

RECODES_FILE = "recodes.csv"
ANY_OTHER = "*"


@cache
def _recode_table() -> pd.DataFrame:
    """The shipped recode table (read once per process)."""
    with resources.files("tkpk_lib.reference").joinpath(RECODES_FILE).open(encoding="utf-8") as fh:
        return read_recode_table(fh)


def read_recode_table(source) -> pd.DataFrame:  # noqa: ANN001 - path or open text file
    """A recode table, checked: whole years, numeric codes (or ``*``) and numeric values.

    Raises
    ------
    TkpkError
        Naming the file, the column and the rows of cells that are not years or numbers.
    """
    t = pd.read_csv(source, dtype=str, keep_default_na=False)
    for column, ok in (
        ("from_year", t["from_year"].str.fullmatch(r"\d{4}")),
        ("code", t["code"].str.fullmatch(r"-?\d+(\.\d+)?|\*")),
        ("value", t["value"].str.fullmatch(r"-?\d+(\.\d+)?")),
    ):
        bad = ~ok.to_numpy(dtype=bool)
        if bad.any():
            rows = ", ".join(str(i + 1) for i in np.flatnonzero(bad)[:10])
            raise TkpkError(
                f"reference/{RECODES_FILE}, column '{column}': not a "
                f"{'year' if column == 'from_year' else 'number'} in rows {rows}"
            )
    return t


@cache
def recode_map(file: str, variable: str, target: str, year: int) -> tuple[dict[float, float],
                                                                          float | None]:
    """Codes -> canonical values of one variable for one target and year, and the default.

    Returns
    -------
    mapping : dict
        ``{code: value}`` of the listed codes.
    default : float or None
        Value of any other code or blank cell (the ``*`` row), None when those are missing.

    Examples
    --------
    >>> recode_map("podes", "signal", "signal", 2024)
    ({1.0: 2.0, 2.0: 1.0, 3.0: 0.0}, None)
    >>> recode_map("susenas_rt", "pkh", "rcv_pkh", 2019)
    ({1.0: 1.0}, 0.0)
    """
    t = _recode_table()
    sub = t[(t["file"] == file) & (t["variable"] == variable) & (t["target"] == target)]
    if sub.empty:
        raise ValueError(f"no recode of {file}.{variable} to {target!r} in {RECODES_FILE}")
    years = sorted({int(y) for y in sub["from_year"]})
    usable = [y for y in years if y <= year]
    sub = sub[sub["from_year"].astype(int) == (usable[-1] if usable else years[0])]
    mapping = {float(c): float(v) for c, v in zip(sub["code"], sub["value"], strict=True)
               if c != ANY_OTHER}
    other = sub.loc[sub["code"] == ANY_OTHER, "value"]
    return mapping, (float(other.iloc[0]) if len(other) else None)


def recode(s: pd.Series, file: str, target: str, year: int) -> pd.Series:
    """Canonical values of a raw coded column ``s`` (named by its crosswalk name).

    Parameters
    ----------
    s : Series
        Raw column after :func:`~tkpk_lib.data.readers.codes._take` (its name is the
        crosswalk variable, e.g. ``"water"``).
    file : str
        File kind of the crosswalk (``"susenas_rt"``, ``"sakernas"``...).
    target : str
        Canonical target of the recode table (``"water_source"``, ``"rcv_pkh"``...).
    year : int
        Survey year.

    Returns
    -------
    Series of float64
        Same index as ``s``.

    Examples
    --------
    >>> recode(pd.Series([1, 2, 3, None], name="signal"), "podes", "signal", 2024).tolist()
    [2.0, 1.0, 0.0, nan]
    >>> recode(pd.Series([1, 2, None], name="pkh"), "susenas_rt", "rcv_pkh", 2024).tolist()
    [1.0, 0.0, 0.0]
    """
    mapping, default = recode_map(file, str(s.name), target, year)
    v = _num(s).astype("float64").map(mapping).astype("float64")
    return v if default is None else v.fillna(default)


def flag(s: pd.Series, file: str, target: str, year: int) -> pd.Series:
    """A 0/1 ``int8`` flag recoded from ``s`` (the target's table must have a ``*`` row).

    Examples
    --------
    >>> flag(pd.Series([2, 1, 2], name="sex"), "susenas_ind", "female", 2024).tolist()
    [1, 0, 1]
    """
    return recode(s, file, target, year).astype("int8")
