"""Tabular raw files: file formats, header/layout detection and :func:`read_raw`.

Survey and office tables as they come (``.dta``/``.sav`` with value labels, CSV in any
separator/decimal/encoding, workbooks with title rows or several sheets, Parquet): the
header is located, the rows are numbered as the user sees them and numbers written with
Indonesian separators are parsed.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from tkpk_lib.data.readers.values import _id_text
from tkpk_lib.errors import Problem, SchemaError, TkpkError

SURVEY_SUFFIXES = (".dta", ".sav", ".zsav", ".csv", ".parquet")
TABLE_SUFFIXES = (".csv", ".txt", ".xlsx", ".xls", ".parquet")


# --------------------------------------------------------------------------- raw files
def read_raw(
    path: str | Path,
    *,
    allowed: Iterable[str] = SURVEY_SUFFIXES + TABLE_SUFFIXES,
    as_text: bool = False,
    expected: Iterable[str] | None = None,
) -> pd.DataFrame:
    r"""Read one raw file into a frame, whatever format it was delivered in.

    A ``_row`` column holds the 1-based data row of the file (used in error messages and as
    the household's position for follow-up lists). Stata/SPSS value labels are kept in
    ``df.attrs["value_labels"]`` and variable labels in ``df.attrs["column_labels"]``.

    With ``expected`` column names, spreadsheets and text tables are read from the row that
    holds them (:func:`find_header`): a header below title rows and a table on another sheet
    than the first are found. When the layout is not "column names on the first row of the
    first sheet", ``_row`` is the row number as the sheet (or line number as the file) shows
    it and ``df.attrs["layout"]`` says which sheet and header row were used (see
    :func:`source_label`).

    Parameters
    ----------
    path : path-like
    allowed : iterable of str
        File suffixes accepted.
    as_text : bool
        Read CSV/Excel cells as text (keeps NIK and codes exact).
    expected : iterable of str, optional
        Column names the reader looks for (case-insensitive).

    Raises
    ------
    TkpkError
        File missing, wrong file type, unreadable or empty; no row with the expected column
        names, or the same table on several sheets.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "x.csv"
    >>> _ = p.write_text("a;b\n1;2,5\n", encoding="latin-1")
    >>> read_raw(p)[["a", "b"]].to_dict("records")
    [{'a': 1, 'b': 2.5}]
    """
    p = Path(path)
    suffix = p.suffix.lower()
    allowed = tuple(allowed)
    if not p.exists():
        raise TkpkError(f"{p}: file not found")
    if suffix not in allowed:
        raise TkpkError(
            f"{p}: wrong file type '{suffix or '(none)'}'; expected one of {', '.join(allowed)}"
        )
    if p.stat().st_size == 0:
        raise SchemaError([Problem(str(p), None, "the file is empty")])
    attrs: dict[str, object] = {}
    layout: TableLayout | None = None
    try:
        if suffix in (".dta", ".sav", ".zsav"):
            import pyreadstat

            reader = pyreadstat.read_dta if suffix == ".dta" else pyreadstat.read_sav
            df, meta = reader(str(p))
            attrs["value_labels"] = dict(meta.variable_value_labels)
            attrs["column_labels"] = dict(
                zip(meta.column_names, meta.column_labels or [], strict=False)
            )
        elif suffix == ".parquet":
            df = pd.read_parquet(p)
        elif suffix in (".xlsx", ".xls"):
            df, layout = _read_workbook(p, as_text=as_text, expected=expected)
        else:
            df, layout = _read_text_table(p, as_text=as_text, expected=expected)
    except TkpkError:
        raise
    except Exception as exc:  # noqa: BLE001 - turn any parser failure into one clear message
        raise TkpkError(
            f"{p}: cannot be read as a {suffix} file ({type(exc).__name__}: {exc})"
        ) from None
    if len(df) == 0:
        raise SchemaError([Problem(str(p), None, "the file has no data rows")])
    df = df.reset_index(drop=True)
    if layout is None or layout.plain:
        df["_row"] = np.arange(1, len(df) + 1)
    else:
        df["_row"] = np.arange(layout.header_row + 1, layout.header_row + 1 + len(df))
        attrs["layout"] = layout.describe()
    df.attrs.update(attrs)  # set last: pandas deep-copies attrs into every derived frame
    return df


HEADER_SCAN_ROWS = 20
"""Rows (lines) of each sheet (text file) searched for the header row."""


@dataclass(frozen=True)
class TableLayout:
    """Where a table's column names were found in a spreadsheet or text file.

    Attributes
    ----------
    sheet : str or None
        Sheet name (None for a text file).
    header_row : int
        1-based row of the sheet (line of the file) holding the column names.
    first_sheet : bool
        Whether ``sheet`` is the workbook's first sheet.
    """

    sheet: str | None
    header_row: int
    first_sheet: bool = True

    @property
    def plain(self) -> bool:
        """Column names on the first row of the first sheet: data rows numbered from 1."""
        return self.first_sheet and self.header_row == 1

    def describe(self) -> str:
        """The layout in words for messages, e.g. ``sheet 'Data', header on row 3``."""
        if self.sheet is None:
            return f"header on line {self.header_row}"
        return f"sheet '{self.sheet}', header on row {self.header_row}"


def source_label(p: Path, attrs: dict) -> str:
    """File name for messages, with the sheet and header row when the layout is not plain.

    Examples
    --------
    >>> source_label(Path("peta.xlsx"), {"layout": "sheet 'Data', header on row 3"})
    "peta.xlsx (sheet 'Data', header on row 3; row numbers as in the sheet)"
    """
    layout = attrs.get("layout")
    if not layout:
        return p.name
    where = "as lines of the file" if str(layout).startswith("header on line") else "as in the sheet"
    return f"{p.name} ({layout}; row numbers {where})"


def _norm_header(v: object) -> str:
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return ""
    return str(v).strip().upper()


def find_header(
    grids: dict[str | None, list[list[object]]], expected: Iterable[str], source: str
) -> TableLayout:
    """Find the row holding a table's column names in the first rows of each sheet.

    The one place where every spreadsheet reader (programme map, complaints, registry,
    survey files delivered as CSV) decides which sheet and which row the table starts on.
    Each of the first :data:`HEADER_SCAN_ROWS` rows of each sheet scores the number of
    distinct expected names among its cells (case-insensitive); the first row of the first
    sheet is kept unless another row scores higher (ties go to the earlier sheet and row).

    Parameters
    ----------
    grids : dict
        Sheet name (None for a text file) -> the sheet's first rows as lists of cells, in
        workbook order (a few rows beyond the scanned ones tell whether data follow).
    expected : iterable of str
        Column names the reader looks for.
    source : str
        File name for messages.

    Returns
    -------
    TableLayout

    Raises
    ------
    SchemaError
        No scanned row holds any expected name (one message naming the sheets, instead of
        one "required column is missing" per column), or the best header heads a table with
        data on more than one sheet (reading one would lose the others).

    Examples
    --------
    >>> grid = [["PETA PROGRAM", None], [None, None], ["TAHUN", "KODE"], [2024, "P01"]]
    >>> find_header({"Data": grid}, ["TAHUN", "KODE", "PAGU"], "peta.xlsx")
    TableLayout(sheet='Data', header_row=3, first_sheet=True)
    """
    want = list(dict.fromkeys(_norm_header(e) for e in expected if _norm_header(e)))
    wanted = set(want)
    best: tuple[int, str | None, int] | None = None  # score, sheet, 0-based row
    per_sheet: dict[str | None, tuple[int, int, bool]] = {}
    for sheet, rows in grids.items():
        top: tuple[int, int] | None = None
        for i, cells in enumerate(rows[:HEADER_SCAN_ROWS]):
            score = len({_norm_header(c) for c in cells} & wanted)
            if top is None or score > top[0]:
                top = (score, i)
        if top is None:
            continue
        later = rows[top[1] + 1 :]
        has_data = not later or any(any(_norm_header(c) for c in r) for r in later)
        per_sheet[sheet] = (top[0], top[1], has_data)
        if best is None or top[0] > best[0]:
            best = (top[0], sheet, top[1])
    sheets = list(grids)
    if best is None or best[0] == 0:
        where = (
            f"the first {HEADER_SCAN_ROWS} lines"
            if sheets == [None]
            else f"the first {HEADER_SCAN_ROWS} rows of sheet(s) "
            + ", ".join(f"'{s}'" for s in sheets)
        )
        raise SchemaError(
            [
                Problem(
                    source,
                    None,
                    f"no row with the expected column names in {where} (expected names such "
                    f"as {', '.join(want[:6])}); put the column names in one row above the data",
                )
            ]
        )
    score, sheet, row = best
    first = sheets[0]
    if first in per_sheet and per_sheet[first][0] == score:  # the plain layout wins ties
        sheet, row = first, per_sheet[first][1]
    tables = [s for s, (sc, _r, data) in per_sheet.items() if sc == score and data]
    if score >= 2 and len(tables) > 1:
        raise SchemaError(
            [
                Problem(
                    source,
                    None,
                    "the expected column names head a table on several sheets ("
                    + ", ".join(f"'{s}' row {per_sheet[s][1] + 1}" for s in tables)
                    + "); only one table per file is read: save each sheet as its own file",
                )
            ]
        )
    return TableLayout(sheet, row + 1, sheet == first)


def _sheet_grids(xl: pd.ExcelFile) -> dict[str | None, list[list[object]]]:
    return {
        str(name): pd.read_excel(
            xl, sheet_name=name, header=None, nrows=HEADER_SCAN_ROWS + 5, dtype=object
        )
        .astype(object)
        .where(lambda f: f.notna(), None)
        .to_numpy()
        .tolist()
        for name in xl.sheet_names
    }


def locate_table(path: str | Path, expected: Iterable[str]) -> TableLayout:
    """Sheet and header row of a workbook's table, as :func:`read_raw` reads it.

    For code that reads a workbook's cells itself (e.g. to see which cells Excel stored as
    numbers): the ``_row`` of the frame :func:`read_raw` gives for data row ``k`` (1-based
    below the header) is ``k`` when ``layout.plain``, else ``layout.header_row + k``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "t.xlsx"
    >>> pd.DataFrame({"KODE": ["P01"]}).to_excel(p, index=False, startrow=2)
    >>> locate_table(p, ["KODE"])
    TableLayout(sheet='Sheet1', header_row=3, first_sheet=True)
    """
    p = Path(path)
    with pd.ExcelFile(p) as xl:
        return find_header(_sheet_grids(xl), expected, p.name)


def _read_workbook(
    p: Path, *, as_text: bool, expected: Iterable[str] | None
) -> tuple[pd.DataFrame, TableLayout | None]:
    """An Excel table: the first sheet as is, or the sheet and header row :func:`find_header` finds."""
    if expected is None:
        return pd.read_excel(p, dtype=str if as_text else None), None
    with pd.ExcelFile(p) as xl:
        layout = find_header(_sheet_grids(xl), expected, p.name)
        df = pd.read_excel(
            xl, sheet_name=layout.sheet, header=layout.header_row - 1, dtype=str if as_text else None
        )
    return df, layout


def read_user_table(
    path: str | Path, expected: Iterable[str], *, text_columns: Iterable[str] = ()
) -> pd.DataFrame:
    r"""A small table the user gives as an option (.csv/.xlsx), read as every reader reads one.

    For tables outside the canonical sources (own poverty lines, own targets): the header row
    and sheet are found by :func:`find_header`, numbers are parsed as in :func:`read_raw`,
    and ``text_columns`` (codes such as ``kab_code``) are kept as text without a ``.0``.
    ``attrs["layout"]`` says which sheet and header row were used when they are not the first.

    Parameters
    ----------
    path : path-like
    expected : iterable of str
        The table's column names.
    text_columns : iterable of str
        Columns to return as text.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "garis.csv"
    >>> _ = p.write_text("GARIS KEMISKINAN\nkab_code;year;poverty_line\n1701;2024;612345,5\n")
    >>> read_user_table(p, ["kab_code", "year", "poverty_line"], text_columns=["kab_code"]).to_dict("records")
    [{'kab_code': '1701', 'year': 2024, 'poverty_line': 612345.5}]
    """
    p = Path(path)
    df = read_raw(p, allowed=TABLE_SUFFIXES, expected=expected)
    layout = df.attrs.pop("layout", None)
    df = df.drop(columns="_row")
    for c in text_columns:
        if c in df.columns:
            df[c] = _id_text(df[c])
    if layout:
        df.attrs["layout"] = layout
    return df


def _pop_attrs(df: pd.DataFrame) -> dict:
    """Take the attrs (value labels) off a raw frame before working on its columns.

    pandas deep-copies ``attrs`` into every Series taken from a frame; with a survey file's
    value labels that was ~0.4 s of a six-year canonical build.
    """
    attrs = dict(df.attrs)
    df.attrs.clear()
    return attrs


def _read_text_table(
    p: Path, *, as_text: bool, expected: Iterable[str] | None = None
) -> tuple[pd.DataFrame, TableLayout | None]:
    raw = p.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
        utf8 = raw[3:] if raw.startswith(b"\xef\xbb\xbf") else raw
    except UnicodeDecodeError:
        text = raw.decode("cp1252", errors="replace")
        utf8 = b""  # encoded only when the fast path applies
    layout = None
    if expected is not None:
        lines = text[:200_000].splitlines(keepends=True)[: HEADER_SCAN_ROWS + 5]
        grid = [[c.strip().strip('"') for c in re.split(r"[;,\t|]", ln)] for ln in lines]
        layout = find_header({None: grid}, expected, p.name)
        if not layout.plain:
            text = text[sum(len(ln) for ln in lines[: layout.header_row - 1]) :]
            utf8 = b""
    head = text[:20000]
    try:
        sep = (
            csv.Sniffer().sniff(head.splitlines()[0] if head else ",", delimiters=";,\t|").delimiter
        )
    except csv.Error:
        sep = ","
    df = _read_plain_csv(utf8, text, sep)
    if df is None:
        df = pd.read_csv(io.StringIO(text), sep=sep, dtype=str, keep_default_na=False)
    df.columns = [str(c).strip() for c in df.columns]
    if not as_text:
        for c in df.columns:
            df[c] = _to_number_if_numeric(df[c], decimal_comma=(sep == ";"))
    return df, layout


def _read_plain_csv(utf8: bytes, text: str, sep: str) -> pd.DataFrame | None:
    """Fast path of :func:`_read_text_table` for plain files: pyarrow's C++ CSV reader.

    Gives exactly what ``pd.read_csv(..., dtype=str, keep_default_na=False)`` gives (text
    columns, empty cells as ""), ~5x faster on a 600,000-row registry. Used only where the two
    parsers cannot differ: no quote character anywhere (no quoted separators or line breaks),
    more than one column and distinct, non-empty header names. Anything else, and any file
    pyarrow refuses (ragged rows, which pandas pads), returns None: the caller uses pandas.
    ``utf8`` is the file's bytes without a BOM when they are UTF-8, else empty (``text`` was
    decoded as cp1252 and is re-encoded here).
    """
    if '"' in text or len(sep) != 1:
        return None
    try:
        import pyarrow as pa
        import pyarrow.csv as pacsv
    except ImportError:  # pragma: no cover - pyarrow is a dependency
        return None
    start = 0
    while start < len(text) and text[start] in "\r\n":
        start += 1
    end = text.find("\n", start)
    first = text[start : len(text) if end < 0 else end].rstrip("\r")
    names = first.split(sep)
    if len(names) < 2 or len(set(names)) != len(names) or not all(n for n in names):
        return None
    try:
        table = pacsv.read_csv(
            io.BytesIO(utf8 or text.encode("utf-8")),
            read_options=pacsv.ReadOptions(use_threads=False),
            parse_options=pacsv.ParseOptions(delimiter=sep, quote_char=False),
            convert_options=pacsv.ConvertOptions(
                column_types={n: pa.string() for n in names},
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowTypeError, ValueError):
        return None
    if table.column_names != names:
        return None
    return table.to_pandas()


_NUM_DOT = re.compile(r"^-?\d+(\.\d+)?$")
_NUM_ID = re.compile(r"^-?\d{1,3}(\.\d{3})*(,\d+)?$|^-?\d+(,\d+)?$")


def parse_number_id(s: pd.Series) -> pd.Series:
    """Parse numbers written the Indonesian way (``1.234.567,50``) or plainly (``1234567.5``).

    Examples
    --------
    >>> parse_number_id(pd.Series(["1.234.567,50", "12,5", "300"])).tolist()
    [1234567.5, 12.5, 300.0]
    """
    st = s.astype("string").str.strip()
    dot = st.str.fullmatch(_NUM_DOT.pattern).fillna(False)
    ident = st.str.fullmatch(_NUM_ID.pattern).fillna(False) & ~dot
    out = pd.Series(np.nan, index=s.index, dtype="float64")
    out[dot] = pd.to_numeric(st[dot])
    conv = st[ident].str.replace(".", "", regex=False).str.replace(",", ".", regex=False)
    out[ident] = pd.to_numeric(conv)
    # thousands-dot only (e.g. "1.234.567") also matched _NUM_DOT when one group: keep as decimal
    return out


def _to_number_if_numeric(s: pd.Series, *, decimal_comma: bool) -> pd.Series:
    st = s.astype("string").str.strip()
    nonblank = st.ne("") & st.notna()
    if not nonblank.any():
        return s
    if decimal_comma:
        v = parse_number_id(st.where(nonblank))
    else:
        v = pd.to_numeric(st.where(nonblank), errors="coerce")
    if v[nonblank].notna().all():
        # leading zeros or 16-digit ids must stay text
        if st[nonblank].str.match(r"^0\d").any() or st[nonblank].str.len().max() >= 15:
            return s
        if (v.dropna() == np.floor(v.dropna())).all() and not st[nonblank].str.contains(
            r"[.,]"
        ).any():
            return v.astype("Int64")
        return v
    return s
