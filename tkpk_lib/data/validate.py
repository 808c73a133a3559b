"""Check a frame against its canonical schema and report every problem at once.

:func:`validate_table` never raises from deep inside pandas: each check collects
:class:`~tkpk_lib.errors.Problem` records (file, column, rows) and one
:class:`~tkpk_lib.errors.SchemaError` lists them all. Rows are the data rows of the source file
(1-based, header excluded) when the reader kept them in a ``_row`` column, else frame positions
+ 1. No bad row is dropped silently: a frame is either returned whole (typed) or rejected.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping
from datetime import date
from functools import cache

import numpy as np
import pandas as pd

from tkpk_lib.data.reference_data import regions
from tkpk_lib.data.schemas import SCHEMAS, TableSchema
from tkpk_lib.errors import Problem, SchemaError

_LEVEL = {"kab": "kabupaten", "kec": "kecamatan", "desa": "desa"}


def _known_codes(level: str) -> set[str]:
    return set(regions(_LEVEL[level])["code"])


@cache
def _known_code_list(level: str) -> tuple[str, ...]:
    return tuple(sorted(_known_codes(level)))


def _isin_text(st: pd.Series, values: tuple[str, ...]) -> np.ndarray:
    """``st.isin(values)`` as a bool array; pyarrow's hash look-up for pyarrow-backed text.

    (pandas boxes every value of the list as a pyarrow scalar first: ~4 ms per call with the
    1,513 desa codes, and the check runs for every region column of every table.)
    """
    if isinstance(st.dtype, pd.StringDtype) and st.dtype.storage == "pyarrow":
        import pyarrow as pa
        import pyarrow.compute as pc

        arr = pa.array(st.array)
        hit = pc.is_in(arr, value_set=pa.array(values, type=arr.type))
        return np.asarray(hit.to_numpy(zero_copy_only=False), dtype=bool)
    return st.isin(list(values)).to_numpy(dtype=bool)


def _rows(df: pd.DataFrame, mask: np.ndarray | pd.Series) -> list[int]:
    m = np.asarray(mask, dtype=bool)
    if "_row" in df.columns:
        return [int(r) for r in df["_row"].to_numpy()[m]]
    return [int(i) + 1 for i in np.flatnonzero(m)]


_FIXED_DIGITS = re.compile(r"\\d\{(\d+)\}")


def _fullmatch_text(st: pd.Series, pattern: str) -> np.ndarray:
    """``st.fillna("").str.fullmatch(pattern)`` as a bool array (False where missing).

    A pattern ``\\d{N}`` (NIK, KK and region codes) on an all-ASCII pyarrow-backed column is
    checked as "N characters, all ASCII digits" with two pyarrow kernels instead of a regex
    over every cell. For ASCII text that is exactly what ``\\d{N}`` means; other text (where
    pandas' ``\\d`` also accepts other Unicode digits) takes the pandas path.
    """
    m = _FIXED_DIGITS.fullmatch(pattern)
    if m and isinstance(st.dtype, pd.StringDtype) and st.dtype.storage == "pyarrow":
        import pyarrow as pa
        import pyarrow.compute as pc

        arr = pa.array(st.array)
        if pc.all(pc.string_is_ascii(arr)).as_py() is False:
            return st.fillna("").str.fullmatch(pattern).fillna(False).to_numpy(dtype=bool)
        ok = pc.and_(pc.ascii_is_decimal(arr), pc.equal(pc.binary_length(arr), int(m.group(1))))
        return np.asarray(ok.fill_null(False).to_numpy(zero_copy_only=False), dtype=bool)
    return st.fillna("").str.fullmatch(pattern).fillna(False).to_numpy(dtype=bool)


def _duplicated_keys(out: pd.DataFrame, key: list[str]) -> np.ndarray:
    """``out.duplicated(key, keep=False)`` as a bool array.

    A single pyarrow-backed text key (the registry's NIK) is dictionary-encoded by pyarrow
    and counted with numpy (~2x faster than pandas' factorize of pyarrow strings).
    """
    s = out[key[0]]
    if len(key) == 1 and isinstance(s.dtype, pd.StringDtype) and s.dtype.storage == "pyarrow":
        import pyarrow as pa

        arr = pa.array(s.array)
        if isinstance(arr, pa.ChunkedArray):
            arr = arr.combine_chunks()
        enc = arr.dictionary_encode(null_encoding="encode")
        codes = enc.indices.to_numpy(zero_copy_only=False).astype(np.int64)
        return np.bincount(codes, minlength=len(enc.dictionary))[codes] > 1
    return out.duplicated(key, keep=False).to_numpy()


def _missing(s: pd.Series, stripped: pd.Series | None = None) -> np.ndarray:
    """Missing or blank cells; ``stripped`` is ``s.astype("string").str.strip()`` when known."""
    miss = s.isna().to_numpy().copy()
    if s.dtype == object or pd.api.types.is_string_dtype(s.dtype):
        st = s.astype("string").str.strip() if stripped is None else stripped
        miss |= st.fillna("").eq("").to_numpy()
    return miss


def _numeric(s: pd.Series) -> pd.Series:
    """Numbers from a column; text that is not a number becomes NaN (reported by the caller).

    Text columns are cast in one vectorised step when every value parses (the common case
    for large registry files); only otherwise does pandas' slower element-wise parser run.
    """
    if pd.api.types.is_numeric_dtype(s.dtype):
        return s.astype("float64")
    digits = _digits_to_float(s)
    if digits is not None:
        return digits
    try:
        return s.astype("string").str.strip().replace("", pd.NA).astype("float64")
    except (TypeError, ValueError):
        return pd.to_numeric(s, errors="coerce")


def _digits_to_float(s: pd.Series) -> pd.Series | None:
    """Fast :func:`_numeric` for pyarrow-backed text whose cells are all plain digits.

    Registry exports hold a dozen columns of 600,000 small counts and 0/1 flags as text;
    casting them through Python objects took ~0.15 s per column, pyarrow's cast ~0.01 s. For
    ASCII digit strings (after trimming blanks) both give the same correctly rounded float;
    anything else (signs, decimals, exponents, other digits) returns None and the general
    path runs.
    """
    if not (isinstance(s.dtype, pd.StringDtype) and s.dtype.storage == "pyarrow"):
        return None
    import pyarrow as pa
    import pyarrow.compute as pc

    t = pa.array(s.array)
    if not pc.all(pc.ascii_is_decimal(t)).as_py():  # else trim blanks first (None: all blank)
        t = pc.utf8_trim_whitespace(t)
        t = pc.if_else(pc.equal(t, ""), pa.scalar(None, t.type), t)
        if not pc.all(pc.ascii_is_decimal(t)).as_py():
            return None
    try:
        v = pc.cast(t, pa.float64()).to_numpy(zero_copy_only=False)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):  # pragma: no cover - defensive
        return None
    return pd.Series(v, index=s.index, dtype="float64")


def validate_table(
    df: pd.DataFrame,
    schema: TableSchema | str,
    *,
    source: str = "<frame>",
    extra_problems: Iterable[Problem] = (),
    names: Mapping[str, str] | None = None,
    year: int | None = None,
    today: date | None = None,
) -> pd.DataFrame:
    """Validate ``df`` against a canonical schema and return it with canonical dtypes.

    Parameters
    ----------
    df : DataFrame
        Frame with canonical column names (readers rename raw variables first). A ``_row``
        column, when present, gives the row numbers of the source file used in messages.
    schema : TableSchema or str
        The schema or its name (``"households"``, ``"registry"``...).
    source : str
        File name used in messages.
    extra_problems : iterable of Problem
        Problems the reader already found; they are reported together with these.
    names : mapping, optional
        ``{canonical column: column name in the user's file}``; messages then name the
        user's column with the canonical name beside it (``column 'KODE_KAB' (kab_code)``).
    year : int, optional
        Report year of the file; the cross-field rules use it (a complaint received after
        31 December of ``year`` is an error).
    today : date, optional
        Reference date for "dated in the future" (default: today's date).

    Returns
    -------
    DataFrame
        Canonical columns in schema order (plus ``_row``), typed. ``attrs["warnings"]``
        lists the warnings of the cross-field rules (see :func:`cross_field_rules`), as text.

    Raises
    ------
    SchemaError
        Listing every problem found, each with file, column and rows.

    Examples
    --------
    >>> import pandas as pd
    >>> from tkpk_lib.data.schemas import Column, TableSchema
    >>> s = TableSchema("t", "demo", (Column("w", "float", "weight", positive=True),))
    >>> validate_table(pd.DataFrame({"w": [1.0, 2.0]}), s)["w"].tolist()
    [1.0, 2.0]
    >>> try:
    ...     validate_table(pd.DataFrame({"w": [1.0, -2.0]}), s, source="x.csv")
    ... except SchemaError as e:
    ...     print(e.problems[0])
    x.csv, column 'w': must be greater than 0 [rows 2; 1 row(s) in all]
    """
    if isinstance(schema, str):
        schema = SCHEMAS[schema]
    names = dict(names or {})

    def _prob(column: str, message: str, rows: list[int] | None = None) -> Problem:
        user = names.get(column, column)
        return Problem(
            source, user, message, rows or [], canonical=column if user != column else None
        )

    problems: list[Problem] = list(extra_problems)
    if len(df) == 0:
        problems.append(Problem(source, None, "the file has no data rows"))
        raise SchemaError(problems)

    present = set(df.columns)
    missing = [c for c in schema.required if c not in present]
    for c in missing:
        close = difflib.get_close_matches(c, [str(x) for x in df.columns], n=3, cutoff=0.6)
        hint = f"; did you mean {', '.join(repr(x) for x in close)}?" if close else ""
        found = ", ".join(str(x) for x in df.columns if x != "_row")
        problems.append(
            _prob(c, f"required column is missing{hint} (columns found: {found})")
        )

    out = pd.DataFrame(index=df.index)
    if "_row" in df.columns:
        out["_row"] = df["_row"].astype("int64")
    for col in schema.columns:
        if col.name not in present:
            continue
        s = df[col.name]
        text = col.dtype not in ("int", "float", "flag", "date")
        stripped = s.astype("string").str.strip() if text else None
        miss = _missing(s, stripped)
        if miss.any() and not col.nullable:
            problems.append(_prob(col.name, "missing values", _rows(df, miss)))
        if col.dtype in ("int", "float", "flag"):
            num = _numeric(s.where(~miss))
            bad = num.isna().to_numpy() & ~miss
            if bad.any():
                problems.append(
                    _prob(col.name, "values that are not numbers", _rows(df, bad))
                )
            v = num.to_numpy(dtype="float64", na_value=np.nan)
            ok = ~np.isnan(v)
            if col.dtype in ("int", "flag"):
                frac = ok & (np.floor(v) != v)
                if frac.any():
                    problems.append(
                        _prob(
                            col.name, "values that are not whole numbers", _rows(df, frac)
                        )
                    )
            if col.positive:
                b = ok & (v <= 0)
                if b.any():
                    problems.append(
                        _prob(col.name, "must be greater than 0", _rows(df, b))
                    )
            if col.min is not None:
                b = ok & (v < col.min)
                if b.any():
                    problems.append(
                        _prob(
                            col.name, f"values below the minimum {col.min:g}", _rows(df, b)
                        )
                    )
            if col.max is not None:
                b = ok & (v > col.max)
                if b.any():
                    problems.append(
                        _prob(
                            col.name, f"values above the maximum {col.max:g}", _rows(df, b)
                        )
                    )
            if col.allowed is not None:
                b = ok & ~np.isin(v, np.asarray(col.allowed, dtype="float64"))
                if b.any():
                    allowed = ", ".join(str(a) for a in col.allowed)
                    problems.append(
                        _prob(
                            col.name,
                            f"values outside the allowed codes {{{allowed}}}",
                            _rows(df, b),
                        )
                    )
            if col.dtype == "float":
                out[col.name] = pd.Series(v, index=df.index, dtype="float64")
            elif col.nullable:
                out[col.name] = pd.array(np.where(ok, v, 0).astype("int64"), dtype="Int64")
                out.loc[~ok, col.name] = pd.NA
            else:
                out[col.name] = np.where(ok, v, 0).astype(
                    "int8" if col.dtype == "flag" else "int64"
                )
        elif col.dtype == "date":
            d = pd.to_datetime(s.where(~miss), errors="coerce")
            bad = d.isna().to_numpy() & ~miss
            if bad.any():
                problems.append(
                    _prob(
                        col.name,
                        "values that are not dates (use YYYY-MM-DD)",
                        _rows(df, bad),
                    )
                )
            out[col.name] = d
        else:
            st = stripped if stripped is not None else s.astype("string").str.strip()
            if col.pattern is not None:
                b = ~miss & ~_fullmatch_text(st, col.pattern)
                if b.any():
                    problems.append(
                        _prob(
                            col.name,
                            f"values not of the form {col.pattern!r}",
                            _rows(df, b),
                        )
                    )
            if col.allowed is not None:
                b = ~miss & ~st.isin([str(a) for a in col.allowed]).to_numpy(dtype=bool)
                if b.any():
                    allowed = ", ".join(str(a) for a in col.allowed)
                    problems.append(
                        _prob(
                            col.name,
                            f"values outside the allowed list {{{allowed}}}",
                            _rows(df, b),
                        )
                    )
            if col.region is not None:
                b = ~miss & ~_isin_text(st, _known_code_list(col.region))
                if b.any():
                    what = (
                        "in Bengkulu's region list"
                        if col.region != "kab"
                        else "a Bengkulu kabupaten/kota"
                    )
                    problems.append(
                        _prob(col.name, f"codes that are not {what}", _rows(df, b))
                    )
            out[col.name] = st if col.dtype == "str" else st.astype("category")

    if schema.key and all(k in out.columns for k in schema.key):
        dup = _duplicated_keys(out, list(schema.key))
        if dup.any():
            problems.append(
                Problem(
                    source,
                    ", ".join(names.get(k, k) for k in schema.key),
                    "duplicate keys",
                    _rows(df, dup),
                    canonical=", ".join(schema.key) if any(k in names for k in schema.key) else None,
                )
            )

    errors, warnings = cross_field_rules(
        schema.name, out, source=source, names=names, year=year, today=today
    )
    problems += errors
    if problems:
        raise SchemaError(problems)
    out = out.reset_index(drop=True)
    out.attrs["warnings"] = [str(w) for w in warnings]
    return out


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
      rows of one programme line (warnings).
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
    names = dict(names or {})
    errors: list[Problem] = []
    warnings: list[Problem] = []

    def col(c: str) -> str:
        return names.get(c, c)

    def add(to: list[Problem], c: str, message: str, mask: np.ndarray) -> None:
        mask = np.asarray(mask, dtype=bool)
        if mask.any():
            user = col(c)
            to.append(
                Problem(source, user, message, _rows(df, mask), canonical=c if user != c else None)
            )

    def has(*cols: str) -> bool:
        return all(c in df.columns for c in cols)

    def num(c: str) -> np.ndarray:
        return pd.to_numeric(df[c], errors="coerce").to_numpy(dtype="float64", na_value=np.nan)

    desa_col = {"programmes": "locus_desa", "complaints": "desa_code"}.get(table)
    if desa_col and has(desa_col, "kab_code"):
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

    if table == "programmes":
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

    if table == "complaints" and has("date_received"):
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
    return errors, warnings


# --------------------------------------------------------------------------- registry identifiers
_SCI_TEXT = re.compile(r"^[+-]?\d+([.,]\d*)?[eE][+-]?\d+$")

REEXPORT_AS_TEXT = (
    "the digits lost cannot be recovered from this file: export the column again from the "
    "source system as text (in Excel: format the column as Text before pasting, or import the "
    "CSV with Data > From Text/CSV and set the column type to Text; in SPSS/Stata: make it a "
    "string variable, e.g. SPSS ALTER TYPE to A16, Stata export from the original string)"
)
"""How to re-export an identifier column as text (the end of every identifier message)."""


class IdentifierCheck:
    """Evidence that a NIK/KK column went through Excel as numbers, gathered over batches.

    Excel keeps 15 significant digits of a number: a 16-digit NIK or KK number typed or pasted
    into a cell formatted as a number loses its last digit (it becomes 0), and the cell shows
    ``1.70101E+15``. The damaged numbers still have 16 digits, so the ``\\d{16}`` pattern
    passes them, and every pseudonym made from them is wrong. Three signs are checked:

    * the file stores the column as numbers (numeric Excel cells, numeric Parquet column);
    * text in scientific notation (``1.70101E+15``, also with a decimal comma);
    * most 16-digit values end in 0: the last four digits of a NIK/KK are a serial number,
      so about one in ten real values ends in 0. The column fails when at least 3 values,
      and more than half of its 16-digit values, end in 0.

    The decision needs the whole column, so values are added batch by batch (:meth:`add`)
    and :meth:`problems` is asked at the end; one batch of the whole file gives the same
    problems as many batches of it.

    Parameters
    ----------
    source : str
        File name used in messages.
    column : str
        Canonical column name (``"nik"`` or ``"kk_no"``).
    user_column : str, optional
        The column's name in the user's file (shown first, the canonical name beside it).

    Examples
    --------
    >>> c = IdentifierCheck("dtks.csv", "nik", "NIK")
    >>> c.add(pd.Series(["1701011234567890", "1701011234567820", "1701019234567800"]),
    ...       np.array([1, 2, 3]))
    >>> print(str(c.problems()[0])[:45])
    dtks.csv, column 'NIK' (nik): 3 of 3 16-digit
    """

    def __init__(self, source: str, column: str, user_column: str | None = None):
        self.source = source
        self.column = column
        self.user = user_column or column
        self._numeric: list[np.ndarray] = []
        self._sci: list[np.ndarray] = []
        self._zero: list[np.ndarray] = []
        self._n16 = 0

    def add(
        self, text: pd.Series, rows: np.ndarray, numeric: np.ndarray | None = None
    ) -> None:
        """Add one batch: the column as text, its file rows and where the file held numbers.

        Parameters
        ----------
        text : Series
            The identifier as text (stripped, ``.0`` of whole floats removed).
        rows : ndarray of int
            The file's data row of each value.
        numeric : ndarray of bool, optional
            True where the file stored the cell as a number.
        """
        rows = np.asarray(rows, dtype=np.int64)
        st = text.astype("string").fillna("")
        if numeric is not None:
            m = np.asarray(numeric, dtype=bool) & st.ne("").to_numpy(dtype=bool)
            self._numeric.append(rows[m])
        if st.str.contains("e", case=False, regex=False).any():
            sci = st.str.fullmatch(_SCI_TEXT.pattern).fillna(False).to_numpy(dtype=bool)
            self._sci.append(rows[sci])
        is16 = _fullmatch_text(st, r"\d{16}")
        self._n16 += int(is16.sum())
        zero = is16 & st.str.endswith("0").fillna(False).to_numpy(dtype=bool)
        self._zero.append(rows[zero])

    def problems(self) -> list[Problem]:
        """The problems found in all batches added so far (empty when the column is fine)."""
        out: list[Problem] = []
        numeric = np.concatenate(self._numeric) if self._numeric else np.empty(0, np.int64)
        if len(numeric):
            out.append(Problem(
                self.source, self.user,
                "identifiers stored as numbers, not text: Excel keeps only 15 significant "
                "digits, so the 16th digit of a NIK/KK number is lost (it becomes 0) and every "
                f"pseudonym made from it is wrong; {REEXPORT_AS_TEXT}",
                numeric.tolist(),
                canonical=self.column,
            ))
        sci = np.concatenate(self._sci) if self._sci else np.empty(0, np.int64)
        if len(sci):
            out.append(Problem(
                self.source, self.user,
                "numbers stored in scientific notation by Excel (e.g. 1.70101E+15: digits are "
                f"lost); {REEXPORT_AS_TEXT}",
                sci.tolist(),
                canonical=self.column,
            ))
        zero = np.concatenate(self._zero) if self._zero else np.empty(0, np.int64)
        if len(zero) >= 3 and 2 * len(zero) > self._n16:
            out.append(Problem(
                self.source, self.user,
                f"{len(zero):,} of {self._n16:,} 16-digit numbers end in 0 (about 1 in 10 "
                "real NIK/KK numbers do): the column went through Excel as numbers, which keep "
                f"15 significant digits, and the last digit was lost; {REEXPORT_AS_TEXT}",
                zero.tolist(),
                canonical=self.column,
            ))
        return out
