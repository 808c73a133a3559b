"""What readers tell the user beside their tables.

The row-number note, the warnings a reader attaches to a table, the kabupaten/kota a
source has no rows for and the report year written in a file name.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from tkpk_lib.data.reference_data import regions

ROWS_NOTE = (
    "Rows are data rows of the file (row 1 = the first row below the column names; in Excel the "
    "sheet row is this + 1), unless the file is named with 'row numbers as in the sheet' (a "
    "header found below title rows or on another sheet): then they are the sheet's row numbers."
)
"""How the row numbers of every message are counted (printed once by ``tkpk validate``)."""


def year_in_name(path: str | Path) -> int | None:
    """The report year written in a file name (``peta_program_2024.xlsx`` -> 2024), if one.

    Examples
    --------
    >>> year_in_name("pengaduan_2024.csv"), year_in_name("pengaduan.csv")
    (2024, None)
    """
    hits = re.findall(r"(?<!\d)((?:19|20)\d{2})(?!\d)", Path(path).name)
    return int(hits[-1]) if len(set(hits)) == 1 else None


def table_warnings(tables: pd.DataFrame | dict[str, pd.DataFrame] | None) -> list[str]:
    """The warnings a reader attached to its table(s) (``attrs["warnings"]``), in order.

    Examples
    --------
    >>> df = pd.DataFrame({"a": [1]}); df.attrs["warnings"] = ["x.csv: check this"]
    >>> table_warnings({"t": df}), table_warnings(None)
    (['x.csv: check this'], [])
    """
    if tables is None:
        return []
    frames = tables.values() if isinstance(tables, dict) else [tables]
    out: list[str] = []
    for f in frames:
        out += [w for w in f.attrs.get("warnings", []) if w not in out]
    return out


def missing_kabupaten(kab_codes: pd.Series, source: str, what: str) -> list[str]:
    """Warning text naming the province's kabupaten/kota absent from a source, if any.

    The expected list is the region reference table (``regions("kabupaten")``).

    Examples
    --------
    >>> missing_kabupaten(pd.Series(["1701", "1702", "1703", "1704", "1705", "1706", "1707",
    ...                              "1708", "1709"]), "x.csv", "rows")
    ['x.csv: no rows for 1 of 10 kabupaten/kota: 1771 Kota Bengkulu']
    """
    ref = regions("kabupaten")
    present = set(kab_codes.dropna().astype(str))
    absent = ref[~ref["code"].isin(present)]
    if absent.empty:
        return []
    listed = ", ".join(f"{c} {n}" for c, n in zip(absent["code"], absent["name"], strict=True))
    return [f"{source}: no {what} for {len(absent)} of {len(ref)} kabupaten/kota: {listed}"]
