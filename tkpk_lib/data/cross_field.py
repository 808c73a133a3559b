"""Cross-field rules of the office tables (programme map, complaints): errors and warnings by row."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

import numpy as np
import pandas as pd

from tkpk_lib.data.column_checks import _rows
from tkpk_lib.errors import Problem

# --------------------------------------------------------------------------- cross-field rules
REALISATION_FAR_ABOVE = 0.10
"""Realisation is "far above" the budget when it exceeds the pagu by more than 10 %
(or the pagu is 0 and something was spent): a warning with rows, not an error (budget
revisions (APBD-P) entered late are common; a transposed digit is what this catches)."""

REACH_FAR_ABOVE = 0.50
"""Reach is "far above" the target when it exceeds it by more than 50 % (or the target is 0
and someone was reached): a warning with rows (targets in another unit than reach, e.g. KK
against jiwa, are the usual cause)."""

RESOLVED_STATUS = "selesai"
"""The canonical status of a resolved complaint (the reader lower-cases the file's text)."""


def cross_field_rules(
    table: str,
    df: pd.DataFrame,
    *,
    source: str = "<frame>",
    names: Mapping[str, str] | None = None,
    year: int | None = None,
    today: date | None = None,
) -> tuple[list[Problem], list[Problem]]:
    """Rules between columns of one row that a careful data office checks before analysis.

    Run by :func:`validate_table` on the typed frame (cells that failed their own check are
    missing there and skipped here).

    * ``programmes``: the kabupaten code must be the first four digits of the locus desa
      (error: the budget would silently move to the other kabupaten); realisation far above
      the budget and reach far above the target (warnings, see
      :data:`REALISATION_FAR_ABOVE`, :data:`REACH_FAR_ABOVE`); rows of another year than
      ``year``; programme name, OPD, strategy, cluster or fund source differing between the
      rows of one programme line (warnings); the optional relationship columns (guideline
      3.2.1.b.5): a relationship without its central programme or the reverse, and a
      relationship on an APBN row (errors), a Non-pemerintah row without its partner
      institution (warning) - see :func:`_relationship_rules`.
    * ``complaints``: the kabupaten code must be the first four digits of the desa (error);
      resolved before received, dated after ``today`` or received after the end of the report
      ``year`` (errors); status "selesai" without a resolution date (error); a resolution
      date on a complaint whose status is not "selesai" (warning).

    Parameters
    ----------
    table : str
        Canonical table name.
    df : DataFrame
        Typed canonical frame (``_row`` gives the user's row numbers).
    source : str
        File name used in messages.
    names : mapping, optional
        ``{canonical column: user's column name}``.
    year : int, optional
        Report year of the file.
    today : date, optional
        Reference date for "in the future" (default: today).

    Returns
    -------
    errors, warnings : list of Problem

    Examples
    --------
    >>> pm = pd.DataFrame({"locus_desa": ["1701012001", "1702012001"],
    ...                    "kab_code": ["1701", "1701"]})
    >>> err, warn = cross_field_rules("programmes", pm, source="p.csv", names={"kab_code": "KAB"})
    >>> print(err[0])  # doctest: +ELLIPSIS
    p.csv, column 'KAB' (kab_code): kabupaten code differs from the locus desa's ... [rows 2; ...]
    """
    r = _Rules(df, dict(names or {}), source)
    desa_col = {"programmes": "locus_desa", "complaints": "desa_code"}.get(table)
    if desa_col and r.has(desa_col, "kab_code"):
        _desa_kab_rule(r, desa_col)
    if table == "programmes":
        _programme_rules(r, year)
        _relationship_rules(r)
    if table == "complaints" and r.has("date_received"):
        _complaint_rules(r, year, today)
    return r.errors, r.warnings


class _Rules:
    """The frame under check, the user's column names and the problems found so far."""

    def __init__(self, df: pd.DataFrame, names: dict[str, str], source: str) -> None:
        self.df, self.names, self.source = df, names, source
        self.errors: list[Problem] = []
        self.warnings: list[Problem] = []

    def col(self, c: str) -> str:
        """The user's name of canonical column ``c``."""
        return self.names.get(c, c)

    def add(self, to: list[Problem], c: str, message: str, mask: np.ndarray) -> None:
        """Add a problem on column ``c`` for the rows of ``mask`` (if any) to ``to``."""
        df, source, col = self.df, self.source, self.col
        mask = np.asarray(mask, dtype=bool)
        if mask.any():
            user = col(c)
            to.append(
                Problem(source, user, message, _rows(df, mask), canonical=c if user != c else None)
            )

    def has(self, *cols: str) -> bool:
        """Whether every column of ``cols`` is in the frame."""
        return all(c in self.df.columns for c in cols)

    def num(self, c: str) -> np.ndarray:
        """Numbers of column ``c`` (NaN where missing)."""
        return pd.to_numeric(self.df[c], errors="coerce").to_numpy(dtype="float64", na_value=np.nan)


def _desa_kab_rule(rules: _Rules, desa_col: str) -> None:
    """The kabupaten code must be the first four digits of the desa code (error)."""
    df, col, add, errors = rules.df, rules.col, rules.add, rules.errors
    desa = df[desa_col].astype("string")
    kab = df["kab_code"].astype("string")
    both = (desa.notna() & kab.notna() & desa.str.len().eq(10)).to_numpy(dtype=bool)
    differs = both & (desa.str[:4] != kab).fillna(False).to_numpy(dtype=bool)
    add(
        errors,
        "kab_code",
        f"kabupaten code differs from the locus desa's kabupaten (first 4 digits of "
        f"'{col(desa_col)}'); the amounts would be counted in the wrong kabupaten",
        differs,
    )


def _programme_rules(rules: _Rules, year: int | None) -> None:
    """Realisation and reach far above plan, other years, and programme lines that differ."""
    df, col, add, has, num = rules.df, rules.col, rules.add, rules.has, rules.num
    warnings = rules.warnings
    if has("budget", "realisation"):
        b, r = num("budget"), num("realisation")
        far = (r > b * (1 + REALISATION_FAR_ABOVE)) | ((b == 0) & (r > 0))
        add(
            warnings,
            "realisation",
            f"realisation more than {REALISATION_FAR_ABOVE:.0%} above the budget "
            f"('{col('budget')}')",
            far,
        )
    if has("target_count", "reached_count"):
        t, r = num("target_count"), num("reached_count")
        far = (r > t * (1 + REACH_FAR_ABOVE)) | ((t == 0) & (r > 0))
        add(
            warnings,
            "reached_count",
            f"reach more than {REACH_FAR_ABOVE:.0%} above the target ('{col('target_count')}')",
            far,
        )
    if year is not None and has("year"):
        y = num("year")
        add(warnings, "year", f"rows of another year than {year}", ~np.isnan(y) & (y != year))
    if has("year", "programme_id"):
        key = df[["year", "programme_id"]].astype("string").fillna("")
        for c in ("programme", "opd", "strategy", "cluster", "fund_source"):
            if c not in df.columns:
                continue
            v = df[c].astype("string").fillna("")
            n = v.groupby([key["year"], key["programme_id"]]).transform("nunique")
            add(
                warnings,
                c,
                f"differs between rows of the same programme line ('{col('programme_id')}'); "
                f"its amounts are split between the values",
                n.to_numpy() > 1,
            )


def _relationship_rules(rules: _Rules) -> None:
    """The optional relationship columns of the programme map (guideline 3.2.1.b.5).

    Errors: a relationship without its central programme, a central programme without its
    relationship, a relationship on an APBN row (a central programme cannot extend, complement
    or top up itself). Warning: a Non-pemerintah row without its partner institution, when the
    file has adopted the columns (any of the three present); a file without them is not warned.
    """
    from tkpk_lib.data.schemas import CENTRAL_FUND_SOURCE, NON_GOVERNMENT_FUND_SOURCE

    df, col, add = rules.df, rules.col, rules.add
    present = [c for c in ("relationship", "central_programme", "partner") if c in df.columns]
    if not present:
        return

    def filled(c: str) -> np.ndarray:
        if c not in df.columns:
            return np.zeros(len(df), dtype=bool)
        v = df[c].astype("string").str.strip()
        return (v.notna() & v.ne("")).fillna(False).to_numpy(dtype=bool)

    rel, central = filled("relationship"), filled("central_programme")
    add(rules.errors, "relationship", f"relationship given without the central programme it relates to "
        f"('{col('central_programme')}')", rel & ~central)
    add(rules.errors, "central_programme", f"central programme given without the relationship "
        f"('{col('relationship')}': perluasan, pelengkap or mempertebal)", central & ~rel)
    if "fund_source" in df.columns:
        src = df["fund_source"].astype("string")
        apbn = src.eq(CENTRAL_FUND_SOURCE).fillna(False).to_numpy(dtype=bool)
        add(rules.errors, "relationship", f"relationship on a central programme ('{col('fund_source')}' "
            f"{CENTRAL_FUND_SOURCE}): only a regional programme extends, complements or tops up a central one",
            rel & apbn)
        ngo = src.eq(NON_GOVERNMENT_FUND_SOURCE).fillna(False).to_numpy(dtype=bool)
        add(rules.warnings, "partner", f"{NON_GOVERNMENT_FUND_SOURCE} rows ('{col('fund_source')}') without their "
            "partner institution", ngo & ~filled("partner"))


def _complaint_rules(rules: _Rules, year: int | None, today: date | None) -> None:
    """Dates in the wrong order, in the future or after the report year; status and dates."""
    df, col, add = rules.df, rules.col, rules.add
    errors, warnings = rules.errors, rules.warnings
    ref = pd.Timestamp(today or date.today())
    rec = pd.to_datetime(df["date_received"], errors="coerce")
    res = (
        pd.to_datetime(df["date_resolved"], errors="coerce")
        if "date_resolved" in df.columns
        else pd.Series(pd.NaT, index=df.index)
    )
    add(
        errors,
        "date_resolved",
        f"resolved before it was received ('{col('date_received')}')",
        (res < rec).fillna(False).to_numpy(dtype=bool),
    )
    day = ref.strftime("%Y-%m-%d")
    for c, d in (("date_received", rec), ("date_resolved", res)):
        add(
            errors,
            c,
            f"dates in the future (after today, {day})",
            (d > ref).fillna(False).to_numpy(dtype=bool),
        )
    if year is not None:
        end = pd.Timestamp(year=year, month=12, day=31)
        add(
            errors,
            "date_received",
            f"received after the end of the report year {year} (the file is for {year})",
            ((rec > end) & (rec <= ref)).fillna(False).to_numpy(dtype=bool),
        )
    if "status" in df.columns:
        done = df["status"].astype("string").eq(RESOLVED_STATUS).fillna(False)
        done = done.to_numpy(dtype=bool)
        no_date = res.isna().to_numpy(dtype=bool)
        add(
            errors,
            "status",
            f"status '{RESOLVED_STATUS}' without a resolution date ('{col('date_resolved')}')",
            done & no_date,
        )
        st = df["status"].astype("string")
        open_ = (st.notna() & st.ne(RESOLVED_STATUS)).fillna(False).to_numpy(dtype=bool)
        add(
            warnings,
            "date_resolved",
            f"resolution date on a complaint whose status ('{col('status')}') is not "
            f"'{RESOLVED_STATUS}'",
            open_ & ~no_date,
        )
