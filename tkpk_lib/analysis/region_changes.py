"""Pemekaran: a dated crosswalk of kabupaten/kota codes, so changes compare like with like.

Kabupaten/kota split (pemekaran), merge and change code (the 2022 Papua provinces renumbered
their kabupaten). A code alone does not say which territory a figure covers: Kabupaten
Bengkulu Utara (1703) before 2008 included what is now Bengkulu Tengah (1709). The crosswalk
``tkpk_lib/reference/region_changes.csv`` (old_code, new_code, year, date, kind, old_name,
new_name, source) records each change with its law:

* ``split``: one row per successor, the parent included when it keeps its code
  (1703 -> 1703 and 1703 -> 1709, 2008);
* ``merge``: one row per predecessor, all with the same ``new_code``;
* ``recode`` / ``rename``: one row, same territory under a new code or name.

:func:`comparability` traces every code of the later year back to the earlier one. A
recoded unit is compared under its old code; a unit whose territory changed between the two
years (a split or merge effective after the earlier year and by the later one) is "tidak
dapat dibandingkan (pemekaran <tahun>)": no change is computed for it.
:func:`tkpk_lib.analysis.trends.change` applies this when its frames carry a year and a
kabupaten/kota code.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from importlib import resources

import numpy as np
import pandas as pd

from tkpk_lib.errors import Problem, SchemaError

KINDS: dict[str, str] = {
    "split": "pemekaran",
    "merge": "penggabungan",
    "recode": "perubahan kode",
    "rename": "perubahan nama",
}
"""Kinds of change and their Indonesian words (the words of the 'not comparable' note)."""
COLUMNS = ("old_code", "new_code", "year", "date", "kind", "old_name", "new_name", "source")


@cache
def _shipped() -> pd.DataFrame:
    with (
        resources.files("tkpk_lib.reference")
        .joinpath("region_changes.csv")
        .open("r", encoding="utf-8") as fh
    ):
        return pd.read_csv(fh, dtype=str, keep_default_na=False)


def region_changes(table: pd.DataFrame | None = None) -> pd.DataFrame:
    """The code crosswalk (default: ``reference/region_changes.csv``), checked.

    Parameters
    ----------
    table : DataFrame, optional
        A crosswalk of one's own with the same columns (e.g. local kecamatan changes).

    Returns
    -------
    DataFrame
        Columns old_code, new_code (text), year (int), date, kind, old_name, new_name, source.

    Raises
    ------
    SchemaError
        A column is missing, a kind is unknown or a year is not a number.

    Examples
    --------
    >>> rc = region_changes()
    >>> rc[rc["new_code"] == "1709"][["old_code", "year", "kind"]].values.tolist()
    [['1703', 2008, 'split']]
    """
    df = (_shipped() if table is None else table).copy()
    name = "region_changes.csv" if table is None else "region changes table"
    missing = [c for c in ("old_code", "new_code", "year", "kind") if c not in df.columns]
    if missing:
        raise SchemaError([Problem(name, c, "column is missing") for c in missing])
    bad = ~df["kind"].isin(list(KINDS))
    if bad.any():
        rows = ", ".join(str(i + 2) for i in df.index[bad][:5])
        raise SchemaError([Problem(name, "kind", f"unknown kind on line(s) {rows} of the file; use one of {sorted(KINDS)}")])
    years = pd.to_numeric(df["year"], errors="coerce")
    if years.isna().any():
        rows = ", ".join(str(i + 2) for i in df.index[years.isna()][:5])
        raise SchemaError([Problem(name, "year", f"not a year on line(s) {rows} of the file")])
    df["year"] = years.astype(int)
    df["old_code"] = df["old_code"].astype(str).str.strip()
    df["new_code"] = df["new_code"].astype(str).str.strip()
    for c in COLUMNS:
        if c not in df.columns:
            df[c] = ""
    return df[list(COLUMNS)].reset_index(drop=True)


def comparability(
    codes: Iterable[object],
    year_a: int,
    year_b: int,
    changes: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Whether each code of year ``year_b`` covers the same territory in ``year_a``.

    A change counts when it took effect after ``year_a`` and by ``year_b``
    (``year_a < year <= year_b``). Changes are followed back from the latest: a recode or
    rename leads to the old code; a split or merge ends the trace (not comparable).

    Parameters
    ----------
    codes : iterable
        Codes as they appear in the later year's data.
    year_a, year_b : int
        Earlier and later year (swapped if given the other way round).
    changes : DataFrame, optional
        Crosswalk (default :func:`region_changes`).

    Returns
    -------
    DataFrame
        ``code``, ``code_a`` (the code of the same territory in ``year_a``, empty when not
        comparable), ``comparable`` (bool), ``change_year`` (year of the change that breaks
        the comparison, else <NA>) and ``note`` (Indonesian, empty when comparable).

    Examples
    --------
    >>> c = comparability(["1703", "1709", "1701", "9301"], 2007, 2024)
    >>> c[["code", "code_a", "comparable"]].values.tolist()
    [['1703', '', False], ['1709', '', False], ['1701', '1701', True], ['9301', '9101', True]]
    >>> c["note"].iloc[0]
    'tidak dapat dibandingkan (pemekaran 2008)'
    >>> bool(comparability(["1709"], 2009, 2024)["comparable"].iloc[0])
    True
    """
    ya, yb = sorted((int(year_a), int(year_b)))
    rc = region_changes(changes)
    rc = rc[(rc["year"] > ya) & (rc["year"] <= yb)].sort_values("year", ascending=False, kind="stable")
    rows = []
    for code in (str(c) for c in codes):
        cur, broken = code, None
        for r in rc.itertuples():
            if r.new_code != cur:
                continue
            if r.kind in ("recode", "rename"):
                cur = r.old_code
            else:
                broken = r
                break
        if broken is None:
            rows.append((code, cur, True, pd.NA, ""))
        else:
            word = KINDS[broken.kind]
            rows.append((code, "", False, int(broken.year), f"tidak dapat dibandingkan ({word} {broken.year})"))
    out = pd.DataFrame(rows, columns=["code", "code_a", "comparable", "change_year", "note"])
    out["change_year"] = out["change_year"].astype("Int64")
    return out


# --------------------------------------------------------------------------- trends.change
REGION_KEYS = ("kab_code", "kec_code", "desa_code")
"""Key columns that hold region codes: :func:`change` follows the pemekaran crosswalk on them."""


def _years_of(est_a: pd.DataFrame, est_b: pd.DataFrame, years: tuple[int, int] | None) -> tuple[int, int] | None:
    if years is not None:
        return int(years[0]), int(years[1])
    if "year" in est_a.columns and "year" in est_b.columns:
        ya, yb = est_a["year"].dropna().unique(), est_b["year"].dropna().unique()
        if len(ya) == 1 and len(yb) == 1:
            return int(ya[0]), int(yb[0])
    return None


def _crosswalked(
    est_a: pd.DataFrame,
    est_b: pd.DataFrame,
    keys: list[str],
    changes: pd.DataFrame | None,
    years: tuple[int, int] | None,
) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """``est_a`` with recoded units under their later code, and the rows of ``est_b`` not comparable.

    None for the second item when the crosswalk does not apply (no region key or no years).
    """
    col = next((k for k in keys if k in REGION_KEYS), None)
    yy = _years_of(est_a, est_b, years)
    if col is None or yy is None or col not in est_b.columns or col not in est_a.columns:
        return est_a, None
    codes_b = est_b[col].astype(str)
    comp = comparability(codes_b.unique(), yy[0], yy[1], changes).set_index("code")
    to_b = {a: b for b, a in comp.loc[comp["comparable"], "code_a"].items() if a != b}
    est_a = est_a.copy()
    est_a[col] = est_a[col].astype(str).map(lambda c: to_b.get(c, c))
    bad = set(comp.index[~comp["comparable"]])
    est_a = est_a[~est_a[col].isin(bad)]
    broken = est_b[codes_b.isin(bad)].copy()
    broken["_note"] = codes_b[codes_b.isin(bad)].map(comp["note"])
    return est_a, broken


def _not_comparable(
    broken: pd.DataFrame,
    keys: list[str],
    est_a: pd.DataFrame,
    years: tuple[int, int] | None,
    like: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Rows of :func:`change` for units whose territory changed: values NaN, the note as wording."""
    out = broken[keys].copy().reset_index(drop=True)
    yy = _years_of(est_a, broken, years) if len(est_a) else years
    if yy is not None or "year" in broken.columns:
        out["year_a"] = yy[0] if yy is not None else np.nan
        out["year_b"] = broken["year"].to_numpy() if "year" in broken.columns else yy[1]
    nan = np.full(len(out), np.nan)
    out["estimate_a"], out["se_a"] = nan, nan
    out["estimate_b"] = broken["estimate"].to_numpy(float)
    out["se_b"] = broken["se"].to_numpy(float)
    for c in ("difference", "se", "ci_low", "ci_high", "z", "p_value"):
        out[c] = nan
    out["significant"] = False
    out["change"] = "not_comparable"
    note = broken["_note"].to_numpy(dtype=object)
    out["change_id"] = note
    if "indicator" in out.columns:
        out["assessment"] = "not_comparable"
        out["assessment_id"] = note
    out["comparable"] = False
    if like is not None:
        out = out[[c for c in like.columns if c in out.columns]]
    return out
