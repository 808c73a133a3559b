"""The TKPK activity log (kegiatan TKPK) as a secretariat keeps it (``.xlsx`` or ``.csv``) -> canonical table.

One row per activity: socialisation and education events, coordination meetings, field monitoring
visits and report submissions (guideline sections 3.2.3, 3.2.4 and 3.2.6). Columns are matched
by their header (:data:`ACTIVITY_COLUMNS`, case-insensitive); messages name the file, the user's
column and the rows.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd

from tkpk_lib.data import reference_data
from tkpk_lib.data.readers.tabular import TABLE_SUFFIXES, read_raw, source_label
from tkpk_lib.data.readers.values import _code_text
from tkpk_lib.data.region import province_code
from tkpk_lib.data.schemas import ACTIVITIES
from tkpk_lib.data.validate import validate_table
from tkpk_lib.errors import Problem

#: Headers of the activity log template and their canonical names.
ACTIVITY_COLUMNS: dict[str, str] = {c.source: c.name for c in ACTIVITIES.columns}

#: Columns a row of each kind must fill (beyond the always-required ones).
NEEDED_BY_KIND: dict[str, tuple[str, ...]] = {
    "sosialisasi": ("date", "audience", "reached"),
    "rapat_koordinasi": ("date",),
    "monitoring": ("date",),
    "laporan": ("report", "due_date"),
}


def _kind_problems(df: pd.DataFrame, names: dict[str, str], source: str) -> list[Problem]:
    """Rows missing a column their kind needs (e.g. a laporan row without its due date)."""
    problems = []
    kind = df["kind"].astype("string").str.strip().str.lower()
    for k, cols in NEEDED_BY_KIND.items():
        for c in cols:
            col = df[c] if c in df.columns else pd.Series(pd.NA, index=df.index)
            empty = col.isna() | (col.astype("string").str.strip() == "")
            bad = (kind == k) & empty
            if bad.any():
                rows = df.loc[bad.to_numpy(), "_row"].astype(int).tolist() if "_row" in df else []
                problems.append(Problem(source, names.get(c, c), f"empty in a '{k}' row (needed for {k})", rows,
                                        canonical=c if names.get(c, c) != c else None))
    return problems


def read_activities(path: str | Path, *, year: int | None = None, today: date | None = None) -> pd.DataFrame:
    r"""Read and validate a TKPK activity log.

    Parameters
    ----------
    path : path
        ``.xlsx`` or ``.csv`` with the headers of :data:`ACTIVITY_COLUMNS` (ID, JENIS,
        KODE_WILAYAH, TANGGAL, ...), in any order and case.
    year : int, optional
        Report year (kept for the same call as the other office readers).
    today : date, optional
        Reference date for the date checks.

    Returns
    -------
    pandas.DataFrame
        Canonical ``activities`` table (:data:`tkpk_lib.data.schemas.ACTIVITIES`).

    Raises
    ------
    SchemaError
        Every problem at once: file, column as the file names it, rows.

    Examples
    --------
    >>> import tempfile, os
    >>> d = tempfile.mkdtemp()
    >>> p = os.path.join(d, "kegiatan_2024.csv")
    >>> _ = open(p, "w").write("ID,JENIS,KODE_WILAYAH,TANGGAL,LAPORAN,TGL_JATUH_TEMPO\n"
    ...                        "K1,laporan,1701,2025-02-10,LP2KD 2024,2025-01-31\n")
    >>> read_activities(p)[["kind", "unit_code", "report"]].values.tolist()
    [['laporan', '1701', 'LP2KD 2024']]
    """
    p = Path(path)
    raw = read_raw(p, allowed=TABLE_SUFFIXES, as_text=True, expected=[*ACTIVITY_COLUMNS, *ACTIVITY_COLUMNS.values()])
    layout = raw.attrs.pop("layout", None)
    up = {k.upper(): v for k, v in ACTIVITY_COLUMNS.items()}
    up.update({v.upper(): v for v in ACTIVITY_COLUMNS.values()})
    ren = {c: up[str(c).strip().upper()] for c in raw.columns if str(c).strip().upper() in up}
    df = raw.rename(columns=ren)
    names = {v: k for k, v in ACTIVITY_COLUMNS.items()}
    names.update({v: str(k) for k, v in ren.items()})
    for c in ("kind", "audience"):
        if c in df.columns:
            df[c] = df[c].astype("string").str.strip().str.lower()
    if "unit_code" in df.columns:
        code = df["unit_code"].astype("string").str.strip()
        df["unit_code"] = code.where(code.str.len() <= 2, _code_text(df["unit_code"], 4))
    src = source_label(p, {"layout": layout})
    extra = _kind_problems(df, names, src) if "kind" in df.columns else []
    if "unit_code" in df.columns:
        known = {province_code(), *map(str, reference_data.KAB_CODES)}
        bad = df["unit_code"].notna() & ~df["unit_code"].astype("string").isin(known)
        if bad.any():
            extra.append(Problem(src, names.get("unit_code", "unit_code"), f"unknown unit code ({province_code()} or a "
                                 "kabupaten/kota code of the province)", df.loc[bad.to_numpy(), "_row"].astype(int).tolist(),
                                 canonical="unit_code"))
    out = validate_table(df, ACTIVITIES, source=src, names=names, extra_problems=extra, year=year, today=today)
    if layout:
        out.attrs["layout"] = layout
    return out
