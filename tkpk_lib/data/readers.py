"""Readers: raw files as BPS and offices ship them -> validated canonical tables.

Survey files (Susenas KOR/KP, Sakernas, Podes) come as Stata ``.dta`` or SPSS ``.sav`` (read
with pyreadstat, value labels kept in ``df.attrs["value_labels"]``), CSV or Parquet. Their
variable names change between years: the per-year names live in
``tkpk_lib/reference/crosswalk.csv`` (one column per year), so a new year is a new column in that
table, not new code. Registry, programme map and complaints come as ``.xlsx`` or ``.csv`` as
offices export them (semicolon or comma separators, comma decimals, Latin-1 or UTF-8, NIK as
text or mangled into a float by Excel). Boundaries come as ``.shp``, ``.gpkg`` or ``.geojson``.

Every reader returns a frame validated by :func:`tkpk_lib.validate.validate_table`, or raises
one :class:`~tkpk_lib.errors.SchemaError` naming file, column and rows.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from tkpk_lib.data.reference_data import regions
from tkpk_lib.data.validate import IdentifierCheck, _isin_text, validate_table
from tkpk_lib.errors import Problem, SchemaError, TkpkError

SURVEY_SUFFIXES = (".dta", ".sav", ".zsav", ".csv", ".parquet")
TABLE_SUFFIXES = (".csv", ".txt", ".xlsx", ".xls", ".parquet")


# --------------------------------------------------------------------------- crosswalk
@cache
def _crosswalk() -> pd.DataFrame:
    with (
        resources.files("tkpk_lib.reference").joinpath("crosswalk.csv").open(encoding="utf-8") as fh
    ):
        return pd.read_csv(fh, dtype=str, keep_default_na=False)


def crosswalk(file: str, year: int) -> dict[str, str]:
    """Raw variable name of each canonical input for one file kind and year.

    The column of the latest crosswalk year not after ``year`` is used (the earliest column
    for older years), so a Podes 2018 file reads with the 2019 names.

    Parameters
    ----------
    file : {"susenas_rt", "susenas_ind", "susenas_kp", "sakernas", "podes"}
    year : int

    Returns
    -------
    dict
        ``{name: RAW_NAME}``.

    Examples
    --------
    >>> crosswalk("susenas_rt", 2019)["pkh"], crosswalk("susenas_rt", 2024)["pkh"]
    ('R2106', 'R2204A')
    """
    cw = _crosswalk()
    years = sorted(int(c) for c in cw.columns if c.isdigit())
    usable = [y for y in years if y <= year]
    col = str(usable[-1] if usable else years[0])
    sub = cw[cw["file"] == file]
    if sub.empty:
        raise ValueError(f"unknown file kind {file!r}; known: {sorted(cw['file'].unique())}")
    return dict(zip(sub["name"], sub[col], strict=True))


# --------------------------------------------------------------------------- raw files
def read_raw(
    path: str | Path,
    *,
    allowed: Iterable[str] = SURVEY_SUFFIXES + TABLE_SUFFIXES,
    as_text: bool = False,
    expected: Iterable[str] | None = None,
) -> pd.DataFrame:
    """Read one raw file into a frame, whatever format it was delivered in.

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
    >>> _ = p.write_text("a;b\\n1;2,5\\n", encoding="latin-1")
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
    """A small table the user gives as an option (.csv/.xlsx), read as every reader reads one.

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
    >>> _ = p.write_text("GARIS KEMISKINAN\\nkab_code;year;poverty_line\\n1701;2024;612345,5\\n")
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


def _take(
    df: pd.DataFrame, file: str, year: int, source: str, optional: Iterable[str] = ()
) -> tuple[pd.DataFrame, list[Problem]]:
    """Rename raw variables to crosswalk names (case-insensitive); report missing ones."""
    cw = crosswalk(file, year)
    lower = {str(c).lower(): c for c in df.columns}
    out = pd.DataFrame(index=df.index)
    problems: list[Problem] = []
    optional = set(optional)
    for name, raw in cw.items():
        col = lower.get(raw.lower())
        if col is None:
            if name not in optional:
                found = ", ".join(str(c) for c in df.columns if c != "_row")
                problems.append(
                    Problem(
                        source,
                        raw,
                        f"variable for '{name}' ({file}, {year}) is missing "
                        f"(columns found: {found})",
                    )
                )
            continue
        out[name] = df[col]
    if "_row" in df.columns:
        out["_row"] = df["_row"]
    return out, problems


# --------------------------------------------------------------------------- coded variables
_LABEL_KINDS: dict[str, dict[int, re.Pattern[str]]] = {
    "sex": {
        1: re.compile(r"\blaki|\bpria\b|\bmale\b|^\W*(\d+\W*)?l\W*$", re.I),
        2: re.compile(r"\bperempuan\b|\bwanita\b|\bfemale\b|^\W*(\d+\W*)?p\W*$", re.I),
    },
    "yesno": {
        1: re.compile(r"^\W*(\d+\W*)?(ya|iya|yes|ada)\b|^\W*(\d+\W*)?y\W*$", re.I),
        2: re.compile(r"\b(tidak|tdk|bukan|no)\b|^\W*(\d+\W*)?[tn]\W*$", re.I),
    },
    "urban": {
        1: re.compile(r"kota|urban", re.I),
        2: re.compile(r"desa|rural", re.I),
    },
    "village": {
        1: re.compile(r"^\W*(\d+\W*)?(desa|nagari|gampong|village)\b", re.I),
        2: re.compile(r"kelurahan", re.I),
    },
    "relation": {1: re.compile(r"\bkepala\b|\bkrt\b|\bhead\b", re.I)},
    "signal": {
        1: re.compile(r"\bkuat\b|\bstrong\b", re.I),
        2: re.compile(r"\blemah\b|\bweak\b", re.I),
        3: re.compile(r"^\W*(\d+\W*)?(tidak ada|tak ada|none|no signal)\b", re.I),
    },
}
"""Patterns of value labels (case-insensitive) for each expected code of a kind of variable."""

_REQUIRED_CODED: dict[str, tuple[str, ...]] = {
    "susenas_rt": ("urban", "roof", "wall", "floor", "toilet", "water", "lighting"),
    "susenas_ind": ("relation", "sex"),
    "sakernas": ("urban", "sex", "worked"),
    "podes": ("status",),
}
"""Coded variables asked of every household/person/village: a missing value is an error
(elsewhere a blank is "not asked", e.g. the closet type of a household without a toilet)."""

_UNUSED_CODED = frozenset({("susenas_rt", "kks"), ("susenas_rt", "cooking_fuel")})
"""Coded crosswalk variables no canonical column is derived from: their codes are not checked
(a stray code there changes no number, so it must not reject the file)."""


@cache
def coded_variables(file: str) -> dict[str, tuple[dict[int, str], str | None]]:
    """Coded variables of one file kind: expected codes (from the crosswalk) and label kind.

    The crosswalk ``codes`` text lists codes as ``"1 yes; 2 no"`` (an optional
    ``"what: "`` prefix allowed); a variable is coded when every ``;`` part is such an item
    and there are at least two. The kind (``sex``, ``yesno``, ``urban``, ``village``,
    ``relation``, ``signal`` or None) says which value labels are recognised.

    Examples
    --------
    >>> coded_variables("susenas_ind")["sex"]
    ({1: 'male', 2: 'female'}, 'sex')
    >>> coded_variables("susenas_rt")["pkh"][1]
    'yesno'
    >>> "kab" in coded_variables("susenas_rt"), "elec_va" in coded_variables("susenas_rt")
    (False, False)
    """
    cw = _crosswalk()
    out: dict[str, tuple[dict[int, str], str | None]] = {}
    for name, text in zip(cw.loc[cw["file"] == file, "name"], cw.loc[cw["file"] == file, "codes"],
                          strict=True):
        codes: dict[int, str] = {}
        for part in text.split(";"):
            m = re.match(r"^\s*(?:[^:;()]*:\s*)?(\d+)\s+([A-Za-z].*?)\s*$", part)
            if not m:
                codes = {}
                break
            codes[int(m.group(1))] = m.group(2)
        if len(codes) < 2:
            continue
        labels = {k: v.lower() for k, v in codes.items()}
        kind: str | None = None
        if set(codes) == {1, 2} and labels[1] == "male" and labels[2] == "female":
            kind = "sex"
        elif set(codes) == {1, 2} and labels[1] == "urban" and labels[2] == "rural":
            kind = "urban"
        elif set(codes) == {1, 2} and labels[1] == "desa" and labels[2] == "kelurahan":
            kind = "village"
        elif set(codes) == {1, 2} and re.match(r"no\b", labels[2]):
            kind = "yesno"
        elif labels.get(1, "").startswith("head"):
            kind = "relation"
        elif [labels.get(c) for c in (1, 2, 3)] == ["strong", "weak", "none"]:
            kind = "signal"
        out[name] = (codes, kind)
    return out


def _classify(label: object, kind: str) -> int | None:
    """The expected code a value label stands for, or None (unknown or ambiguous)."""
    if not isinstance(label, str):
        return None
    hits = [code for code, pat in _LABEL_KINDS[kind].items() if pat.search(label.strip())]
    return hits[0] if len(hits) == 1 else None


def _check_codes(
    t: pd.DataFrame,
    file: str,
    year: int,
    source: str,
    value_labels: dict[str, dict],
) -> tuple[list[Problem], list[str]]:
    """Check every coded variable of ``t`` against its expected codes and its value labels.

    ``t`` has crosswalk names (after :func:`_take`); ``value_labels`` is keyed by the file's
    raw names. A variable whose labels say that its codes mean other categories than
    expected (sex coded 0 "Laki-laki" / 1 "Perempuan", a yes/no item coded 1 "Tidak" /
    2 "Ya") is recoded by its labels when every code present has a recognised label and no
    two codes share one (``t`` is changed in place and a notice returned); otherwise labels
    that contradict the expected coding are an error. Categories written as text instead of
    codes (``"L"``/``"P"``, ``"Ya"``/``"Tidak"``) are read the same way when every text value
    is recognised. Codes outside the expected set, and
    missing values of the variables asked of everyone (:data:`_REQUIRED_CODED`), are errors
    with rows.

    Returns
    -------
    problems : list of Problem
    notices : list of str
        One line per variable recoded by its labels.
    """
    cw = crosswalk(file, year)
    problems: list[Problem] = []
    notices: list[str] = []
    rows = t["_row"].to_numpy() if "_row" in t.columns else np.arange(1, len(t) + 1)
    for name, (codes, kind) in coded_variables(file).items():
        if name not in t.columns or (file, name) in _UNUSED_CODED:
            continue
        raw_name = cw[name]
        expected = ", ".join(f"{c} {lab}" for c, lab in codes.items())

        def problem(message: str, mask: np.ndarray | None = None, *, _n: str = name,
                    _r: str = raw_name) -> None:
            problems.append(
                Problem(source, _r, message, [] if mask is None else [int(r) for r in rows[mask]],
                        canonical=_n)
            )

        s = t[name]
        v = _num(s).astype("float64")
        text = s.astype("string").str.strip()
        blank = (s.isna() | text.fillna("").eq("")).to_numpy(dtype=bool)
        values = v.to_numpy(dtype="float64", na_value=np.nan)
        notnum = ~blank & np.isnan(values)
        if notnum.any() and kind is not None and kind != "relation":
            # categories written as text (an export with labels instead of codes)
            words = {w: _classify(w, kind) for w in text[notnum].dropna().unique()}
            if all(c is not None for c in words.values()):
                v = v.where(~notnum, text.map(words).astype("float64"))
                values = v.to_numpy(dtype="float64", na_value=np.nan)
                notnum = ~blank & np.isnan(values)
                t[name] = v
                change = ", ".join(f"'{w}' -> {c} ({codes[c]})" for w, c in sorted(words.items()))
                notices.append(
                    f"{source}, column '{raw_name}' ({name}): text values read as codes: {change}"
                )
        labels = {}
        for k, lab in (value_labels.get(raw_name) or {}).items():
            try:
                labels[float(k)] = lab
            except (TypeError, ValueError):
                continue
        present = sorted({float(x) for x in values[~np.isnan(values)]})
        if kind is not None and labels and present:
            cls = {x: _classify(labels.get(x), kind) for x in present}
            known = {x: c for x, c in cls.items() if c is not None}
            wrong = {x: c for x, c in known.items() if x != c}
            if wrong:
                shown = ", ".join(f"{x:g} = '{labels[x]}'" for x in present if x in labels)
                complete = len(known) == len(present) and kind != "relation"
                if complete and len(set(known.values())) == len(known):
                    recode = {x: float(c) for x, c in known.items()}
                    v = v.map(recode)
                    values = v.to_numpy(dtype="float64", na_value=np.nan)
                    t[name] = v
                    change = ", ".join(
                        f"{x:g} '{labels[x]}' -> {c} ({codes[c]})" for x, c in known.items()
                    )
                    notices.append(
                        f"{source}, column '{raw_name}' ({name}): codes recoded by the file's "
                        f"value labels: {change}"
                    )
                else:
                    problem(
                        f"the value labels ({shown}) contradict the expected coding "
                        f"({expected}) and cannot be recoded unambiguously; recode the "
                        f"column to the expected codes"
                    )
                    continue
        outside = ~np.isnan(values) & ~np.isin(values, np.asarray(list(codes), dtype="float64"))
        bad = outside | notnum
        if bad.any():
            found = sorted(
                {f"{x:g}" for x in values[bad & ~np.isnan(values)]}
                | {str(x) for x in text[notnum].dropna()}
            )[:10]
            problem(f"codes outside the expected set ({expected}); found {', '.join(found)}", bad)
        if name in _REQUIRED_CODED.get(file, ()) and blank.any():
            problem(f"missing values (expected {expected})", blank)
    return problems, notices


def _name_problems(problems: list[Problem], year: int, *files: str) -> list[Problem]:
    """Give each problem on a raw crosswalk variable its crosswalk name (shown beside it)."""
    canon = {raw: name for f in files for name, raw in crosswalk(f, year).items()}
    for pr in problems:
        if pr.canonical is None and pr.column in canon:
            pr.canonical = canon[pr.column]
    return problems


def _raw_names(file: str, year: int, canonical: dict[str, str]) -> dict[str, str]:
    """``{canonical column: raw variable}`` from ``{canonical column: crosswalk name}``."""
    cw = crosswalk(file, year)
    return {c: cw[n] for c, n in canonical.items() if n in cw}


def _num(s: pd.Series) -> pd.Series:
    """Numbers of a raw column; missing or unreadable cells are NaN.

    Nullable integers (a CSV column of codes with blanks) become float64 with NaN, so that
    comparisons give plain booleans (``pd.NA`` would break ``np.select`` and the flags).
    """
    digits = _digit_text_to_int(s)
    if digits is not None:
        return digits
    v = pd.to_numeric(s, errors="coerce")
    if isinstance(v.dtype, pd.api.extensions.ExtensionDtype):
        v = v.astype("float64")
    return v


def _digit_text_to_int(s: pd.Series) -> pd.Series | None:
    """``pd.to_numeric`` of a pyarrow-backed ``str`` column of plain digits, via pyarrow.

    For such a column (no blanks, no missing cells, at most 18 ASCII digits each) pandas
    returns int64 of the same values, parsing each cell in Python (~0.4 s for a registry
    column); pyarrow's cast takes ~0.01 s. Anything else returns None.
    """
    dt = s.dtype
    if not (
        isinstance(dt, pd.StringDtype)
        and dt.storage == "pyarrow"
        and dt.na_value is not pd.NA
        and len(s)
    ):
        return None
    import pyarrow as pa
    import pyarrow.compute as pc

    arr = pa.array(s.array)
    if arr.null_count or not pc.all(pc.ascii_is_decimal(arr)).as_py():
        return None
    if pc.max(pc.binary_length(arr)).as_py() > 18:
        return None
    v = pc.cast(arr, pa.int64()).to_numpy(zero_copy_only=False)
    return pd.Series(v, index=s.index, name=s.name, dtype="int64")


@cache
def _bps_kec_map() -> dict[str, str]:
    k = regions("kecamatan")
    return dict(zip(k["code_bps"], k["code"], strict=True))


def _id_text(s: pd.Series) -> pd.Series:
    """Identifier as text; whole numbers stored as floats (SPSS, Excel) lose their ``.0``."""
    fast = _whole_number_text(s)
    if fast is not None:
        return fast
    return s.astype("string").str.strip().str.replace(r"\.0+$", "", regex=True)


def _whole_number_text(s: pd.Series) -> pd.Series | None:
    """:func:`_id_text` of a numpy int64/float64 column of whole numbers, via pyarrow.

    ``astype("string")`` formats each number through Python (~0.1 s per Susenas/Sakernas id
    column). For integers below 1e15 in magnitude ``str(v)`` is ``str(int(v))`` (ints) or
    that plus ``".0"`` (floats; the ``.0`` is what :func:`_id_text` removes), which is what
    pyarrow's integer-to-text cast writes. Anything else (fractions, -0.0, huge values
    Python would write in exponent form, other dtypes) returns None.
    """
    if s.dtype not in (np.dtype("int64"), np.dtype("float64")):
        return None
    import pyarrow as pa
    import pyarrow.compute as pc

    v = s.to_numpy()
    mask = None
    if v.dtype.kind == "f":
        mask = np.isnan(v)
        whole = np.where(mask, 0.0, v)
        if not (
            (np.floor(whole) == whole).all()
            and (np.abs(whole) < 1e15).all()
            and not (np.signbit(whole) & (whole == 0)).any()
        ):
            return None
        v = whole.astype(np.int64)
        mask = mask if mask.any() else None
    elif len(v) and np.abs(v).max() >= 10**15:
        return None
    text = pc.cast(pa.array(v, mask=mask), pa.large_string())
    return pd.Series(pd.arrays.ArrowStringArray(text), index=s.index, name=s.name)


def _kab_code(kab_part: pd.Series) -> pd.Series:
    v = _num(kab_part)
    return ("17" + v.astype("Int64").astype("string").str.zfill(2)).where(v.notna())


def _code_text(s: pd.Series, width: int) -> pd.Series:
    """Region code as text: numbers (also Excel floats) to zero-padded digits."""
    st = s.astype("string").str.strip()
    if st.str.contains(".", regex=False).any():  # both replacements need a "."
        st = st.str.replace(r"\.0$", "", regex=True).str.replace(".", "", regex=False)
    return st.str.zfill(width)


# --------------------------------------------------------------------------- Susenas
def _find(folder: Path, pattern: str, what: str) -> Path:
    from fnmatch import fnmatchcase  # names in any case: SSN_KOR_RT.DTA is *kor_rt*

    hits = sorted(p for p in folder.glob("*") if fnmatchcase(p.name.lower(), pattern.lower())
                  and p.suffix.lower() in SURVEY_SUFFIXES)
    if not hits:
        raise TkpkError(f"{folder}: no {what} file matching '{pattern}' (.dta/.sav/.csv/.parquet)")
    return hits[0]


def default_poverty_lines() -> pd.DataFrame:
    """Poverty line per kabupaten and year (BPS published where found, else assumed).

    Returns a frame with kab_code, year, poverty_line, assumed.

    Examples
    --------
    >>> pl = default_poverty_lines()
    >>> float(pl.query("kab_code == '1771' and year == 2024")["poverty_line"].iloc[0])
    820354.0
    """
    return _default_poverty_lines().copy()


@cache
def _default_poverty_lines() -> pd.DataFrame:
    # calibration_grid() takes ~0.35 s; the shipped reference tables do not change in a process
    from tkpk_lib.data.reference_data import calibration_grid

    g = calibration_grid()
    g = g[g["indicator"] == "garis_kemiskinan"]
    return g.rename(columns={"value": "poverty_line"})[
        ["kab_code", "year", "poverty_line", "assumed"]
    ].reset_index(drop=True)


def read_susenas(
    folder: str | Path,
    year: int,
    *,
    poverty_lines: pd.DataFrame | None = None,
) -> dict[str, pd.DataFrame]:
    """Read one year of Susenas March (KOR household + KOR individual + KP expenditure).

    Parameters
    ----------
    folder : path-like
        Folder with ``*kor_rt*``, ``*kor_ind*`` and ``*kp*`` files of the year.
    year : int
        Survey year; selects the crosswalk column.
    poverty_lines : DataFrame, optional
        Columns kab_code, year, poverty_line (optionally urban); defaults to
        :func:`default_poverty_lines`.

    Returns
    -------
    dict
        ``{"households": DataFrame, "persons": DataFrame}`` in canonical form.

    Notes
    -----
    Derived indicators follow BPS definitions (see the data dictionary): improved drinking
    water = bottled/refill, piped, tube well, protected well or spring, rain water; proper
    sanitation = own/shared/communal toilet with goose-neck closet and septic tank/IPAL (in
    rural areas a pit also counts); decent housing = durable roof, wall and floor, at least
    7.2 m2 per person, improved water and proper sanitation; subsidised electricity = PLN meter
    of 450 or 900 VA; PBI = any member's JKN paid by government; PIP = any member received PIP.
    """
    folder = Path(folder)
    f_rt = _find(folder, "*kor_rt*", "Susenas KOR household")
    f_ind = _find(folder, "*kor_ind*", "Susenas KOR individual")
    f_kp = _find(folder, "*kp*", "Susenas KP expenditure")
    rt_raw = read_raw(f_rt, expected=crosswalk("susenas_rt", year).values())
    ind_raw = read_raw(f_ind, expected=crosswalk("susenas_ind", year).values())
    kp_raw = read_raw(f_kp, expected=crosswalk("susenas_kp", year).values())
    rt_attrs, ind_attrs = _pop_attrs(rt_raw), _pop_attrs(ind_raw)
    kp_attrs = _pop_attrs(kp_raw)
    rt, p1 = _take(
        rt_raw, "susenas_rt", year, source_label(f_rt, rt_attrs), optional=("registry_decile",)
    )
    ind, p2 = _take(ind_raw, "susenas_ind", year, source_label(f_ind, ind_attrs))
    kp, p3 = _take(kp_raw, "susenas_kp", year, source_label(f_kp, kp_attrs))
    problems = p1 + p2 + p3
    if problems:
        raise SchemaError(problems)
    c1, notices = _check_codes(
        rt, "susenas_rt", year, source_label(f_rt, rt_attrs), rt_attrs.get("value_labels", {})
    )
    c2, n2 = _check_codes(
        ind, "susenas_ind", year, source_label(f_ind, ind_attrs), ind_attrs.get("value_labels", {})
    )
    notices += n2
    if c1 + c2:
        raise SchemaError(c1 + c2)

    for t in (rt, ind, kp):
        t["hh_id"] = _id_text(t["hh_id"])
    hh = pd.DataFrame({"_row": rt["_row"], "year": year, "hh_id": rt["hh_id"]})
    prov = _num(rt["prov"])
    bad_prov = prov.ne(17).to_numpy()
    if bad_prov.any():
        problems.append(
            Problem(
                f_rt.name,
                crosswalk("susenas_rt", year)["prov"],
                "province code is not 17 (Bengkulu)",
                list(rt["_row"][bad_prov]),
            )
        )
    hh["kab_code"] = _kab_code(rt["kab"])
    kec_bps = hh["kab_code"] + _num(rt["kec_bps"]).astype("Int64").astype("string").str.zfill(3)
    hh["kec_code"] = kec_bps.map(_bps_kec_map())
    unk = hh["kec_code"].isna() & kec_bps.notna()
    if unk.any():
        problems.append(
            Problem(
                f_rt.name,
                crosswalk("susenas_rt", year)["kec_bps"],
                "kecamatan code not in the BPS-Kemendagri bridging table",
                list(rt["_row"][unk]),
            )
        )
    hh["urban"] = (_num(rt["urban"]) == 1).astype("int8")
    hh.loc[~_num(rt["urban"]).isin([1, 2]).to_numpy(), "urban"] = np.nan
    hh["stratum"] = _id_text(rt["stratum"])
    hh["psu"] = _id_text(rt["psu"])
    hh["weight"] = _num(rt["weight"])
    hh["hh_size"] = _num(rt["hh_size"])

    # expenditure from KP
    kp_dup = kp["hh_id"].duplicated(keep=False)
    if kp_dup.any():
        problems.append(
            Problem(
                f_kp.name,
                crosswalk("susenas_kp", year)["hh_id"],
                "duplicate household ids",
                list(kp["_row"][kp_dup]),
            )
        )
    kp_exp = _num(kp["exp_pc"])
    for mask, what in (
        (kp_exp < 0, "negative expenditure"),
        (kp_exp.isna(), "missing or non-numeric expenditure"),
    ):
        if mask.any():
            problems.append(
                Problem(
                    f_kp.name,
                    crosswalk("susenas_kp", year)["exp_pc"],
                    what,
                    list(kp["_row"][mask.to_numpy()]),
                )
            )
    # reported above against the KP file; neutralised here so the household check does not repeat it
    # (the whole read fails whenever a problem was found, so no value is used silently)
    exp = (
        kp.assign(exp_pc=kp_exp.clip(lower=0).fillna(0))
        .drop_duplicates("hh_id")
        .set_index("hh_id")["exp_pc"]
    )
    hh["exp_pc"] = _num(hh["hh_id"].map(exp))
    no_exp = hh["hh_id"].map(exp).isna()
    if no_exp.any():
        problems.append(
            Problem(
                f_rt.name,
                crosswalk("susenas_rt", year)["hh_id"],
                f"households without expenditure in {f_kp.name}",
                list(rt["_row"][no_exp]),
            )
        )

    pl = default_poverty_lines() if poverty_lines is None else poverty_lines
    pl = pl[pl["year"] == year]
    if "urban" in pl.columns:
        key = (
            hh[["kab_code", "urban"]]
            .astype({"urban": "float"})
            .merge(pl.astype({"urban": "float"}), on=["kab_code", "urban"], how="left")
        )
    else:
        key = hh[["kab_code"]].merge(pl[["kab_code", "poverty_line"]], on="kab_code", how="left")
    hh["poverty_line"] = key["poverty_line"].to_numpy()
    no_line = hh["poverty_line"].isna() & hh["kab_code"].notna()
    if no_line.any():
        problems.append(
            Problem(
                "poverty-line table",
                "poverty_line",
                f"no poverty line for year {year} and kabupaten "
                f"{sorted(set(hh.loc[no_line, 'kab_code']))}",
                [],
            )
        )

    # persons
    ind = ind.copy()
    ind["age"] = _num(ind["age"])
    ind["relation"] = _num(ind["relation"])
    is_head = (ind["relation"] == 1).to_numpy(dtype=bool)
    extra_head = is_head & ind["hh_id"].where(is_head).duplicated(keep="first").to_numpy(dtype=bool)
    if extra_head.any():
        problems.append(
            Problem(
                f_ind.name,
                crosswalk("susenas_ind", year)["relation"],
                "a second household head (relation code 1) in the same household",
                list(ind["_row"][extra_head]),
                canonical="relation",
            )
        )
    members = hh["hh_id"].map(ind["hh_id"].value_counts()).fillna(0).to_numpy()
    size_differs = (hh["hh_size"].notna() & (hh["hh_size"] != members)).to_numpy(dtype=bool)
    if size_differs.any():
        problems.append(
            Problem(
                f_rt.name,
                crosswalk("susenas_rt", year)["hh_size"],
                f"household size differs from the number of members in {f_ind.name}",
                list(rt["_row"][size_differs]),
                canonical="hh_size",
            )
        )
    head = ind[ind["relation"] == 1].drop_duplicates("hh_id").set_index("hh_id")
    hh["head_female"] = (hh["hh_id"].map(_num(head["sex"])) == 2).astype("int8")
    hh["head_age"] = hh["hh_id"].map(head["age"])
    no_head = hh["head_age"].isna()
    if no_head.any():
        problems.append(
            Problem(
                f_ind.name,
                crosswalk("susenas_ind", year)["relation"],
                "households without a head (relation code 1) in the individual file",
                list(rt["_row"][no_head]),
            )
        )
    hh["head_educ"] = hh["hh_id"].map(_num(head["educ"]))
    flags = pd.DataFrame(
        {
            "hh_id": ind["hh_id"],
            "disabled": (_num(ind["difficulty"]) >= 3).astype("int8"),
            "elderly": (ind["age"] >= 60).astype("int8"),
            "child": ((ind["age"] >= 7) & (ind["age"] <= 18)).astype("int8"),
            "pbi": _num(ind["jkn"]).isin([1, 2]).astype("int8"),
            "pip": (_num(ind["pip"]) == 1).astype("int8"),
        }
    )
    g = flags.groupby("hh_id")
    anyf = g[["disabled", "elderly", "pbi", "pip"]].max()
    hh["has_disabled"] = hh["hh_id"].map(anyf["disabled"]).fillna(0)
    hh["has_elderly"] = hh["hh_id"].map(anyf["elderly"]).fillna(0)
    hh["n_children_7_18"] = hh["hh_id"].map(g["child"].sum()).fillna(0)
    pbi, pip = anyf["pbi"], anyf["pip"]

    water = _num(rt["water"])
    hh["water_source"] = water.map(
        {1: 1, 2: 1, 3: 2, 4: 2, 5: 3, 6: 3, 8: 4, 11: 5, 7: 6, 9: 6, 10: 7, 12: 7}
    )
    hh["water_safe"] = water.isin([1, 2, 3, 4, 5, 6, 8, 11]).astype("int8")
    toilet, closet, disp = _num(rt["toilet"]), _num(rt["closet"]), _num(rt["disposal"])
    rural = hh["urban"] == 0
    hh["sanitation_safe"] = (
        toilet.isin([1, 2, 3]) & (closet == 1) & (disp.isin([1, 2]) | (rural & (disp == 5)))
    ).astype("int8")
    light = _num(rt["lighting"])
    hh["electricity"] = light.isin([1, 2, 3]).astype("int8")
    hh["floor_earth"] = (_num(rt["floor"]) == 8).astype("int8")
    hh["wall_poor"] = _num(rt["wall"]).isin([4, 5, 6, 7]).astype("int8")
    hh["roof_poor"] = _num(rt["roof"]).isin([5, 7, 8]).astype("int8")
    area_pc = _num(rt["floor_area"]) / hh["hh_size"]
    hh["decent_housing"] = (
        (hh["floor_earth"] == 0)
        & (hh["wall_poor"] == 0)
        & (hh["roof_poor"] == 0)
        & (area_pc >= 7.2)
        & (hh["water_safe"] == 1)
        & (hh["sanitation_safe"] == 1)
    ).astype("int8")
    hh["rcv_pkh"] = (_num(rt["pkh"]) == 1).astype("int8")
    hh["rcv_bpnt"] = (_num(rt["bpnt"]) == 1).astype("int8")
    hh["rcv_pbi"] = hh["hh_id"].map(pbi).fillna(0)
    hh["rcv_pip"] = hh["hh_id"].map(pip).fillna(0)
    hh["rcv_blt_dd"] = (_num(rt["blt_dd"]) == 1).astype("int8")
    hh["rcv_lpg"] = (_num(rt["lpg_subsidy"]) == 1).astype("int8")
    hh["rcv_listrik"] = ((light == 1) & _num(rt["elec_va"]).isin([450, 900])).astype("int8")
    hh["rcv_kur"] = (_num(rt["kur"]) == 1).astype("int8")
    if "registry_decile" in rt.columns:
        hh["registry_decile"] = _num(rt["registry_decile"])

    households = validate_table(
        hh,
        "households",
        source=f_rt.name,
        extra_problems=_name_problems(problems, year, "susenas_rt", "susenas_ind", "susenas_kp"),
        names=_raw_names(
            "susenas_rt",
            year,
            {c: c for c in ("hh_id", "urban", "stratum", "psu", "weight", "hh_size",
                            "registry_decile")}
            | {"kab_code": "kab", "kec_code": "kec_bps"},
        ),
    )

    # persons table
    hmap = households.set_index("hh_id")
    pp = pd.DataFrame(
        {
            "_row": ind["_row"],
            "year": year,
            "hh_id": ind["hh_id"],
            "person_no": _num(ind["person_no"]),
        }
    )
    orphan = ~_isin_text(pp["hh_id"], tuple(hmap.index))
    for c in ("kab_code", "urban", "stratum", "psu", "weight"):
        pp[c] = pp["hh_id"].map(hmap[c])
    pp["age"] = ind["age"]
    pp["female"] = (_num(ind["sex"]) == 2).astype("int8")
    pp["is_head"] = (ind["relation"] == 1).astype("int8")
    pp["disabled"] = (_num(ind["difficulty"]) >= 3).astype("int8")
    pp["school_status"] = _num(ind["school"]).map({1: 0, 2: 1, 3: 2})
    jkn = _num(ind["jkn"])
    pp["jkn_member"] = jkn.isin([1, 2, 3]).astype("int8")
    pp["jkn_pbi"] = jkn.isin([1, 2]).astype("int8")
    pproblems = []
    if orphan.any():
        pproblems.append(
            Problem(
                f_ind.name,
                crosswalk("susenas_ind", year)["hh_id"],
                "persons whose household is not in the household file",
                list(pp["_row"][orphan]),
            )
        )
    persons = validate_table(
        pp,
        "persons",
        source=f_ind.name,
        extra_problems=_name_problems(pproblems, year, "susenas_ind"),
        names=_raw_names(
            "susenas_ind",
            year,
            {"hh_id": "hh_id", "person_no": "person_no", "age": "age", "female": "sex",
             "is_head": "relation", "school_status": "school"},
        ),
    )
    households.attrs["value_labels"] = rt_attrs.get("value_labels", {})
    persons.attrs["value_labels"] = ind_attrs.get("value_labels", {})
    households.attrs["warnings"] = (
        notices
        + households.attrs.get("warnings", [])
        + missing_kabupaten(households["kab_code"], f_rt.name, "households")
    )
    return {"households": households, "persons": persons}


# --------------------------------------------------------------------------- Sakernas
def read_sakernas(path: str | Path, year: int) -> pd.DataFrame:
    """Read a Sakernas August person file into the canonical ``labour`` table.

    Labour-force status follows BPS: employed = worked at least one hour last week or
    temporarily absent; unemployed = aged 15+, not employed and seeking work, preparing a
    business, discouraged or with a job not yet started; otherwise outside the labour force.
    Informal = own-account, employer with temporary workers, casual and unpaid family workers.

    Examples
    --------
    >>> from tkpk_lib.data.readers import crosswalk
    >>> crosswalk("sakernas", 2019)["age"]
    'B4_K8'
    """
    p = Path(path)
    raw = read_raw(p, expected=crosswalk("sakernas", year).values())
    raw_attrs = _pop_attrs(raw)
    src = source_label(p, raw_attrs)
    t, problems = _take(raw, "sakernas", year, src)
    if problems:
        raise SchemaError(problems)
    problems, notices = _check_codes(t, "sakernas", year, src, raw_attrs.get("value_labels", {}))
    if problems:
        raise SchemaError(problems)
    out = pd.DataFrame({"_row": t["_row"], "year": year})
    out["person_id"] = (
        _id_text(t["psu"])
        + "-"
        + _id_text(t["hh_no"])
        + "-"
        + _id_text(t["person_no"])
    )
    out["kab_code"] = _kab_code(t["kab"])
    out["urban"] = (_num(t["urban"]) == 1).astype("int8")
    out["stratum"] = _id_text(t["stratum"])
    out["psu"] = _id_text(t["psu"])
    out["weight"] = _num(t["weight"])
    age = _num(t["age"])
    out["age"] = age
    out["female"] = (_num(t["sex"]) == 2).astype("int8")
    worked = _num(t["worked"]) == 1
    seeking = (_num(t["seeking"]) == 1) & (age >= 15)
    out["lf_status"] = np.select([worked, seeking], [1, 2], 3)
    out["hours"] = _num(t["hours"]).where(worked)
    out["sector"] = _num(t["sector"]).where(worked)
    out["informal"] = (worked & _num(t["emp_status"]).isin([1, 2, 5, 6, 7])).astype("int8")
    out["wants_more_hours"] = (worked & (out["hours"] < 35) & (_num(t["want_more"]) == 1)).astype(
        "int8"
    )
    cw = crosswalk("sakernas", year)
    hours = _num(t["hours"])
    for mask, name, message in (
        (worked & hours.isna(), "hours", f"employed ('{cw['worked']}' = 1) without hours worked"),
        (
            ~worked & hours.gt(0),
            "hours",
            f"hours worked recorded for persons not employed ('{cw['worked']}' = 2); ignored",
        ),
        (
            worked & _num(t["sector"]).isna(),
            "sector",
            f"employed ('{cw['worked']}' = 1) without a sector; left out of the sector shares",
        ),
    ):
        m = mask.fillna(False).to_numpy(dtype=bool)
        if m.any():
            notices.append(
                str(Problem(src, cw[name], message, list(t["_row"][m]), canonical=name))
            )
    bad_prov = _num(t["prov"]).ne(17).to_numpy()
    if bad_prov.any():
        problems.append(
            Problem(
                p.name,
                crosswalk("sakernas", year)["prov"],
                "province code is not 17 (Bengkulu)",
                list(t["_row"][bad_prov]),
            )
        )
    df = validate_table(
        out,
        "labour",
        source=src,
        extra_problems=_name_problems(problems, year, "sakernas"),
        names=_raw_names(
            "sakernas",
            year,
            {"kab_code": "kab", "urban": "urban", "stratum": "stratum", "psu": "psu",
             "weight": "weight", "age": "age", "female": "sex", "hours": "hours",
             "sector": "sector"},
        ),
    )
    df.attrs["value_labels"] = raw_attrs.get("value_labels", {})
    df.attrs["warnings"] = (
        notices + df.attrs.get("warnings", []) + missing_kabupaten(df["kab_code"], p.name, "persons")
    )
    return df


# --------------------------------------------------------------------------- Podes
def read_podes(path: str | Path, year: int) -> pd.DataFrame:
    """Read a Podes village file into the canonical ``villages`` table.

    Every village must be in Bengkulu's region list (a Podes village absent from it is
    reported by row).
    """
    p = Path(path)
    raw = read_raw(p, expected=crosswalk("podes", year).values())
    raw_attrs = _pop_attrs(raw)
    src = source_label(p, raw_attrs)
    t, problems = _take(raw, "podes", year, src, optional=("lat", "lon"))
    if problems:
        raise SchemaError(problems)
    problems, notices = _check_codes(t, "podes", year, src, raw_attrs.get("value_labels", {}))
    if problems:
        raise SchemaError(problems)
    out = pd.DataFrame({"_row": t["_row"], "year": year})
    out["desa_code"] = _code_text(t["desa"], 10)
    out["kec_code"] = out["desa_code"].str[:6]
    out["kab_code"] = out["desa_code"].str[:4]
    out["desa_name"] = t["desa_name"].astype("string")
    out["kelurahan"] = (_num(t["status"]) == 2).astype("int8")
    out["population"] = _num(t["pop_male"]) + _num(t["pop_female"])
    fam = _num(t["families"])
    out["families"] = fam
    out["dist_school_km"] = _num(t["dist_school"])
    out["dist_health_km"] = _num(t["dist_health"])
    out["dist_market_km"] = _num(t["dist_market"])
    out["road_surface"] = _num(t["road"])
    out["electricity_share"] = (
        (_num(t["families_electric"]) / fam.where(fam > 0)).clip(upper=1.0).fillna(0.0)
    )
    out["signal"] = _num(t["signal"]).map({1: 2, 2: 1, 3: 0})
    out["water_source"] = _num(t["water"])
    out["sanitation"] = _num(t["toilet"])
    out["malnutrition_cases"] = _num(t["malnutrition"])
    out["disasters"] = _num(t["disasters"])
    if "lat" in t.columns:
        out["lat"] = _num(t["lat"])
        out["lon"] = _num(t["lon"])
    cw = crosswalk("podes", year)
    pop = _num(t["pop_male"]) + _num(t["pop_female"])
    elec = _num(t["families_electric"])
    for mask, column, canonical, message in (
        (
            (elec > fam).fillna(False),
            cw["families_electric"],
            "families_electric",
            f"more families with electricity than families ('{cw['families']}')",
        ),
        (
            (fam > pop).fillna(False),
            cw["families"],
            "families",
            f"more families than inhabitants ('{cw['pop_male']}' + '{cw['pop_female']}')",
        ),
    ):
        m = mask.to_numpy(dtype=bool)
        if m.any():
            problems.append(Problem(src, column, message, list(t["_row"][m]), canonical=canonical))
    df = validate_table(
        out,
        "villages",
        source=src,
        extra_problems=_name_problems(problems, year, "podes"),
        names=_raw_names(
            "podes",
            year,
            {"desa_code": "desa", "kec_code": "desa", "kab_code": "desa", "desa_name": "desa_name",
             "kelurahan": "status", "families": "families", "dist_school_km": "dist_school",
             "dist_health_km": "dist_health", "dist_market_km": "dist_market",
             "road_surface": "road", "signal": "signal", "water_source": "water",
             "sanitation": "toilet", "malnutrition_cases": "malnutrition",
             "disasters": "disasters", "lat": "lat", "lon": "lon"},
        ),
    )
    df.attrs["value_labels"] = raw_attrs.get("value_labels", {})
    df.attrs["warnings"] = (
        notices
        + df.attrs.get("warnings", [])
        + missing_kabupaten(df["kab_code"], p.name, "villages")
    )
    return df


# --------------------------------------------------------------------------- registry
REGISTRY_COLUMNS = {
    "NIK": "nik",
    "NO_KK": "kk_no",
    "NAMA": "name",
    "ALAMAT": "address",
    "KODE_DESA": "desa_code",
    "DESIL": "decile",
    "JML_ART": "n_members",
    "JML_BALITA": "n_children_0_6",
    "JML_ANAK_SEKOLAH": "n_children_7_18",
    "JML_LANSIA": "n_elderly",
    "JML_DISABILITAS": "n_disabled",
    "JK_KRT": "head_female",
    "FLAG_PKH": "rcv_pkh",
    "FLAG_BPNT": "rcv_bpnt",
    "FLAG_PBI": "rcv_pbi",
    "FLAG_PIP": "rcv_pip",
    "FLAG_BLT_DD": "rcv_blt_dd",
    "FLAG_LPG": "rcv_lpg",
    "FLAG_LISTRIK": "rcv_listrik",
    "FLAG_KUR": "rcv_kur",
}
"""Column names of a DTKS/P3KE-style export and their canonical names."""

ID_COLUMNS = ("nik", "kk_no")
"""Registry identifiers checked for damage by Excel (:class:`tkpk_lib.validate.IdentifierCheck`)."""


def _fix_id(s: pd.Series) -> pd.Series:
    """NIK/KK as text: stripped, '1701...0.0' (whole floats written as text) recovered.

    Scientific notation and other signs of digits lost in Excel are reported by
    :class:`tkpk_lib.validate.IdentifierCheck`.
    """
    st = s.astype("string").str.strip()
    # the regex needs a "." : a plain column of digits (the usual case) skips it
    if st.str.contains(".", regex=False).any():
        st = st.str.replace(r"^(\d{16})\.0+$", r"\1", regex=True)
    return st


def _excel_numeric_cells(
    path: Path, names: Iterable[str], expected: Iterable[str]
) -> dict[str, np.ndarray]:
    """Rows whose cell is stored as a number, for the named columns of a workbook.

    The text read of a workbook (``read_raw(..., as_text=True)``) cannot tell a NIK typed
    as text from one stored as a number (whose 16th digit Excel has replaced by 0). The
    sheet and header row are those :func:`read_raw` uses (:func:`locate_table` with the
    same ``expected`` names); rows are numbered as :func:`read_raw` numbers ``_row``.

    Returns
    -------
    dict
        Upper-cased column name -> sorted array of ``_row`` values with a numeric cell.
    """
    import openpyxl

    layout = locate_table(path, expected)
    offset = 0 if layout.plain else layout.header_row
    wanted = {str(n).strip().upper() for n in names}
    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        ws = wb[layout.sheet] if layout.sheet is not None else wb.worksheets[0]
        it = ws.iter_rows(min_row=layout.header_row)
        header = next(it, ())
        cols = {
            i: str(c.value).strip().upper()
            for i, c in enumerate(header)
            if c.value is not None and str(c.value).strip().upper() in wanted
        }
        hits: dict[int, list[int]] = {i: [] for i in cols}
        for k, row in enumerate(it, start=1):
            for i in cols:
                if i < len(row):
                    c = row[i]
                    if c.data_type == "n" and c.value is not None and not isinstance(c.value, bool):
                        hits[i].append(offset + k)
    finally:
        wb.close()
    return {cols[i]: np.asarray(v, dtype=np.int64) for i, v in hits.items()}


def _registry_columns(raw: pd.DataFrame, columns: dict[str, str] | None) -> dict[str, str]:
    """The file's registry columns -> canonical names (case-insensitive, stripped)."""
    mapping = {k.upper(): v for k, v in (columns or REGISTRY_COLUMNS).items()}
    return {
        c: mapping[str(c).strip().upper()] for c in raw.columns if str(c).strip().upper() in mapping
    }


def _registry_batch(
    raw: pd.DataFrame,
    ren: dict[str, str],
    checks: dict[str, IdentifierCheck],
    numeric_cells: dict[str, np.ndarray] | None = None,
) -> pd.DataFrame:
    """Canonical registry columns of one batch of a registry file, before validation.

    ``raw`` has the file's columns and ``_row`` (the file's rows); the identifier evidence
    of the batch goes to ``checks`` (one :class:`IdentifierCheck` per identifier column
    present); ``numeric_cells`` gives, per upper-cased file column, the rows a workbook
    stores as numbers (:func:`_excel_numeric_cells`).
    """
    df = raw.rename(columns=ren)
    rows = df["_row"].to_numpy(dtype=np.int64)
    for user, col in ren.items():
        if col not in ID_COLUMNS or col not in checks:
            continue
        numeric = None
        if pd.api.types.is_numeric_dtype(df[col].dtype) and not pd.api.types.is_bool_dtype(df[col].dtype):
            numeric = np.ones(len(df), dtype=bool)
        elif numeric_cells is not None:
            numeric = np.isin(rows, numeric_cells.get(str(user).strip().upper(), np.empty(0, np.int64)))
        df[col] = _fix_id(df[col])
        checks[col].add(df[col], rows, numeric)
    df["row_no"] = df["_row"]
    if "desa_code" in df.columns:
        df["desa_code"] = _code_text(df["desa_code"], 10)
        df["kec_code"] = df["desa_code"].str[:6]
        df["kab_code"] = df["desa_code"].str[:4]
    if "head_female" in df.columns:
        hf = _num(df["head_female"])
        df["head_female"] = hf.map({1: 0, 2: 1}).where(
            hf.isin([1, 2]), hf + 10
        )  # 10+ -> invalid code
    return df


_DERIVED_FROM = {"kec_code": "desa_code", "kab_code": "desa_code"}


def _registry_names(ren: dict[str, str], columns: dict[str, str] | None) -> dict[str, str]:
    """``{canonical: the user's column name}`` for messages (``validate_table(names=)``).

    The name in the user's file, or for a missing column the name expected there;
    kecamatan and kabupaten codes are derived from the desa code, so their problems name
    the desa-code column.
    """
    user = {canon: str(u).strip() for u, canon in ren.items()}
    expected = {canon: u for u, canon in (columns or REGISTRY_COLUMNS).items()}
    out = {**expected, **user}
    for derived, src in _DERIVED_FROM.items():
        if src in out:
            out[derived] = out[src]
    return out


def _identifier_checks(ren: dict[str, str], source: str) -> dict[str, IdentifierCheck]:
    return {
        col: IdentifierCheck(source, col, str(user).strip())
        for user, col in ren.items()
        if col in ID_COLUMNS
    }


def read_registry(path: str | Path, *, columns: dict[str, str] | None = None) -> pd.DataFrame:
    """Read a DTKS/P3KE-style registry export (``.csv``/``.xlsx``/``.parquet``).

    The result carries personal data (NIK, KK number, name, address) and must stay inside the
    analysis: see :mod:`tkpk_lib.privacy`. ``row_no`` keeps each household's position in the
    original file so an office can find it in its own copy. NIK and KK numbers damaged by
    Excel (stored as numbers, in scientific notation, or with the 16th digit turned into 0)
    are rejected with how to export them again as text
    (:class:`tkpk_lib.validate.IdentifierCheck`). Messages name the user's column with the
    canonical name beside it. Large files are better written to Parquet batch by batch with
    :func:`tkpk_lib.registry_stream.write_registry_parquet` (same table, same messages,
    bounded memory).

    Parameters
    ----------
    path : path-like
    columns : dict, optional
        Mapping of the file's column names to canonical names; defaults to
        :data:`REGISTRY_COLUMNS`.

    Raises
    ------
    SchemaError
        Every problem of the file, with file, column and rows.
    """
    p = Path(path)
    cols = columns or REGISTRY_COLUMNS
    expected = [*cols, *cols.values()]
    raw = read_raw(p, allowed=TABLE_SUFFIXES, as_text=True, expected=expected)
    layout = raw.attrs.pop("layout", None)
    src = source_label(p, {"layout": layout})
    ren = _registry_columns(raw, columns)
    checks = _identifier_checks(ren, src)
    numeric_cells = None
    if p.suffix.lower() == ".xlsx" and checks:
        numeric_cells = _excel_numeric_cells(p, [u for u, c in ren.items() if c in checks], expected)
    df = _registry_batch(raw, ren, checks, numeric_cells)
    problems = [pr for c in ID_COLUMNS if c in checks for pr in checks[c].problems()]
    out = validate_table(
        df, "registry", source=src, extra_problems=problems, names=_registry_names(ren, columns)
    )
    if layout:
        out.attrs["layout"] = layout
    return out


# --------------------------------------------------------------------------- programme map, complaints
PROGRAMME_COLUMNS = {
    "TAHUN": "year",
    "KODE": "programme_id",
    "PROGRAM": "programme",
    "KEGIATAN": "activity",
    "OPD": "opd",
    "STRATEGI": "strategy",
    "KLASTER": "cluster",
    "SUMBER_DANA": "fund_source",
    "SASARAN": "target_group",
    "TARGET": "target_count",
    "CAPAIAN": "reached_count",
    "SATUAN": "target_unit",
    "LOKUS": "locus_desa",
    "KODE_KAB": "kab_code",
    "PAGU": "budget",
    "REALISASI": "realisation",
}
COMPLAINT_COLUMNS = {
    "ID": "complaint_id",
    "KANAL": "channel",
    "PROGRAM": "programme",
    "KODE_DESA": "desa_code",
    "KODE_KAB": "kab_code",
    "TGL_MASUK": "date_received",
    "TGL_SELESAI": "date_resolved",
    "STATUS": "status",
}


def _read_office_table(
    path: str | Path,
    mapping: dict[str, str],
    schema: str,
    *,
    year: int | None = None,
    today: date | None = None,
) -> pd.DataFrame:
    """Read an office export, rename its columns and validate it (with the cross-field rules).

    Messages name the file's own column (``KODE_KAB``) with the canonical name beside it; a
    required column that is absent is named by its expected header.
    """
    p = Path(path)
    raw = read_raw(p, allowed=TABLE_SUFFIXES, as_text=True, expected=[*mapping, *mapping.values()])
    layout = raw.attrs.pop("layout", None)
    up = {k.upper(): v for k, v in mapping.items()}
    ren = {c: up[str(c).strip().upper()] for c in raw.columns if str(c).strip().upper() in up}
    df = raw.rename(columns=ren)
    names = {v: k for k, v in mapping.items()}  # expected header of an absent column
    names.update({v: str(k) for k, v in ren.items()})
    for c in ("budget", "realisation", "target_count", "reached_count"):
        if c in df.columns:
            v = parse_number_id(df[c])
            df[c] = v.where(v.notna(), df[c])
    for c in ("locus_desa", "desa_code"):
        if c in df.columns:
            df[c] = _code_text(df[c], 10)
    if "kab_code" in df.columns:
        df["kab_code"] = _code_text(df["kab_code"], 4)
    if "status" in df.columns:
        df["status"] = df["status"].astype("string").str.strip().str.lower()
    src = source_label(p, {"layout": layout})
    out = validate_table(df, schema, source=src, names=names, year=year, today=today)
    if layout:
        out.attrs["layout"] = layout
    if schema == "programmes":
        out.attrs["warnings"] += missing_kabupaten(out["kab_code"], p.name, "programme rows")
    return out


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


def read_programmes(
    path: str | Path, *, year: int | None = None, today: date | None = None
) -> pd.DataFrame:
    """Read a programme map (RAT/LP2KD style) from ``.xlsx`` or ``.csv``.

    Cross-field rules (:func:`tkpk_lib.validate.cross_field_rules`): a kabupaten code that
    differs from the locus desa is an error; realisation far above the budget, reach far above
    the target, rows of another year than ``year`` and kabupaten/kota without any row are
    warnings, listed in ``attrs["warnings"]``.
    """
    return _read_office_table(path, PROGRAMME_COLUMNS, "programmes", year=year, today=today)


def read_complaints(
    path: str | Path, *, year: int | None = None, today: date | None = None
) -> pd.DataFrame:
    """Read a complaints log from ``.csv`` or ``.xlsx``.

    Cross-field rules: resolved before received, dated after ``today``, received after the end
    of the report ``year``, status "selesai" without a resolution date and a kabupaten code
    that differs from the desa are errors; a resolution date on an open complaint is a
    warning.
    """
    return _read_office_table(path, COMPLAINT_COLUMNS, "complaints", year=year, today=today)


# --------------------------------------------------------------------------- boundaries
BOUNDARY_SUFFIXES = (".shp", ".gpkg", ".geojson", ".json")
_CODE_COLUMNS = ("code", "kode", "kode_kemendagri", "KODE", "kode_desa")
_NAME_COLUMNS = ("name", "nama", "NAMA", "NAME", "nama_desa", "nama_kecamatan")
_USUAL_CRS = "EPSG:32748"  # WGS 84 / UTM zone 48S: the projected system that covers Bengkulu


def _lonlat_bounds_ok(bounds: np.ndarray) -> bool:
    x0, y0, x1, y1 = bounds
    return bool(
        np.isfinite(bounds).all() and -180 <= x0 <= x1 <= 180 and -90 <= y0 <= y1 <= 90
    )


def _same_crs(a, b) -> bool:  # noqa: ANN001 - pyproj.CRS
    ea, eb = a.to_epsg(), b.to_epsg()
    if ea is not None and eb is not None:
        return ea == eb
    return bool(a.equals(b, ignore_axis_order=True))


def _crs_name(crs) -> str:  # noqa: ANN001 - pyproj.CRS
    epsg = crs.to_epsg()
    return f"EPSG:{epsg}" if epsg else crs.to_string()


def _to_lonlat(g, p: Path, crs: str | None) -> tuple[object, str | None]:  # noqa: ANN001
    """Boundary frame in EPSG:4326; the second item says what was converted (or None).

    A file without a coordinate system whose coordinates fit longitude/latitude is read as
    EPSG:4326 (what GeoJSON means). Coordinates outside those ranges (metres of a projected
    system read as degrees, on which matplotlib later fails) are an error naming the fix.
    """
    from pyproj import CRS

    declared = g.crs
    bounds = g.total_bounds
    impossible = declared is not None and declared.is_geographic and not _lonlat_bounds_ok(bounds)
    if crs is not None:
        given = CRS.from_user_input(crs)
        if declared is not None and not impossible and not _same_crs(given, declared):
            raise TkpkError(
                f"{p.name}: the file declares {_crs_name(declared)} but --crs gives "
                f"{_crs_name(given)}; leave out --crs"
            )
        if declared is None or impossible:
            g = g.set_crs(given, allow_override=True)
            declared = None  # converted from the user's system, said below
            note_from = f"{_crs_name(given)} (given with --crs)"
        else:
            note_from = _crs_name(declared)
    elif declared is None:
        if not _lonlat_bounds_ok(bounds):
            raise SchemaError([Problem(p.name, None, _metres_message(p, bounds, None))])
        return g.set_crs("EPSG:4326"), None
    else:
        note_from = _crs_name(declared)
    if impossible and crs is None:
        raise SchemaError([Problem(p.name, None, _metres_message(p, bounds, declared))])
    note = None
    if g.crs.to_epsg() != 4326:
        g = g.to_crs("EPSG:4326")
        note = f"coordinates in {note_from} reprojected to longitude/latitude (EPSG:4326)"
    if not _lonlat_bounds_ok(g.total_bounds):  # pragma: no cover - pyproj gives lon/lat or inf
        raise SchemaError([Problem(p.name, None, _metres_message(p, g.total_bounds, g.crs))])
    return g, note


def _metres_message(p: Path, bounds: np.ndarray, declared) -> str:  # noqa: ANN001
    x0, y0, x1, y1 = bounds
    head = (
        f"coordinates are not longitude/latitude (x from {x0:,.0f} to {x1:,.0f}, "
        f"y from {y0:,.0f} to {y1:,.0f}): the file seems to be in metres (a projected system "
        "such as UTM)"
    )
    fix = (
        f"tkpk validate --source boundaries --crs {_USUAL_CRS} --repair <new file> {p.name} "
        f"({_USUAL_CRS} = UTM zone 48S, usual for Bengkulu) writes a copy in longitude/latitude"
    )
    if declared is not None:
        return (
            f"{head} although the file declares {_crs_name(declared)}. Export it again as "
            f"longitude/latitude (EPSG:4326), or name the system it was made in: {fix}"
        )
    if p.suffix.lower() == ".shp":
        where = f"({p.with_suffix('.prj').name} is missing). Put the .prj file exported with the "
        where += "shapefile beside it, or name the system: "
    else:
        where = "(none is declared). Export it again with its coordinate system, or name it: "
    return f"{head} and has no coordinate system {where}{fix}"


def _rows_text(rows: Iterable[int]) -> str:
    rows = list(rows)
    return f"row {rows[0]}" if len(rows) == 1 else "rows " + ", ".join(str(r) for r in rows)


def _polygonal(geom):  # noqa: ANN001, ANN202 - shapely geometry
    """The polygon parts of a geometry (make_valid may return lines beside polygons)."""
    import shapely
    from shapely.geometry import MultiPolygon

    if geom is None or geom.is_empty:
        return None
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        return geom
    polys = [
        q
        for part in shapely.get_parts(geom)
        for q in ([part] if part.geom_type == "Polygon" else list(getattr(part, "geoms", [])))
        if q.geom_type == "Polygon" and not q.is_empty and q.area > 0
    ]
    if not polys:
        return None
    return polys[0] if len(polys) == 1 else MultiPolygon(polys)


def _load_boundaries(
    path: str | Path,
    level: str,
    *,
    code_column: str | None,
    crs: str | None,
    repair: bool,
) -> tuple[object, str, list[Problem], pd.DataFrame, dict[str, object]]:
    """Read a boundary file, repair what is safe when asked, and collect every problem.

    Returns the frame (all the file's columns, EPSG:4326, plus ``code``, ``name`` and ``_row``,
    the 1-based feature number), the code column's name, the problems, the repairs made
    (code, name, rows, repair) and notes (``absent_kab``: kabupaten/kota with no polygon at
    all; ``unmatched``; ``crs``: the conversion made, if any).
    """
    import geopandas as gpd
    import shapely

    p = Path(path)
    if p.suffix.lower() not in BOUNDARY_SUFFIXES:
        raise TkpkError(f"{p}: wrong file type '{p.suffix}'; expected .shp, .gpkg or .geojson")
    if not p.exists():
        raise TkpkError(f"{p}: file not found")
    try:
        g = gpd.read_file(p)
    except Exception as exc:  # noqa: BLE001 - any driver failure becomes one clear message
        raise TkpkError(
            f"{p}: cannot be read as a boundary file ({type(exc).__name__}: {exc})"
        ) from None
    if len(g) == 0:
        raise SchemaError([Problem(str(p), None, "the file has no features")])
    cands = [code_column] if code_column else list(_CODE_COLUMNS)
    col = next((c for c in cands if c in g.columns), None)
    if col is None:
        raise SchemaError(
            [
                Problem(
                    p.name,
                    cands[0],
                    f"no region-code column (looked for {', '.join(cands)}; "
                    f"columns found: {', '.join(map(str, g.columns))})",
                )
            ]
        )
    g = g.copy()
    g["_row"] = np.arange(1, len(g) + 1)
    g["code"] = g[col].astype("string").str.replace(".", "", regex=False).str.strip()
    g["code"] = g["code"].mask(g["code"].eq(""))
    problems: list[Problem] = []
    no_code = g["code"].isna().to_numpy()
    if no_code.any():
        problems.append(Problem(p.name, col, "features without a code", list(g["_row"][no_code])))
    repairs: list[dict[str, object]] = []
    missing = np.asarray(g.geometry.isna() | g.geometry.is_empty, dtype=bool)
    if missing.any():
        problems.append(
            Problem(p.name, "geometry", "features without a polygon", list(g["_row"][missing]))
        )
        g = g[~missing]
        if len(g) == 0:
            raise SchemaError(problems)
    g, conversion = _to_lonlat(g, p, crs)
    ref = regions(level)
    names = dict(zip(ref["code"], ref["name"], strict=True))
    name_col = next((c for c in _NAME_COLUMNS if c in g.columns and c != col), None)

    def label(code: object) -> str:
        nm = names.get(str(code))
        return f"{code} {nm}" if nm else str(code)

    # invalid polygons: shapely.make_valid keeps every part of the area (a "bow-tie" becomes
    # two triangles); safe when the result is still a non-empty polygon
    geom = g.geometry.array
    valid = np.asarray(g.geometry.is_valid, dtype=bool)
    kinds = g.geometry.geom_type.to_numpy()
    not_poly = ~np.isin(kinds, ["Polygon", "MultiPolygon"])
    if not_poly.any():
        problems.append(
            Problem(
                p.name,
                "geometry",
                "features that are not polygons ("
                + ", ".join(sorted(set(kinds[not_poly])))
                + "): "
                + ", ".join(label(c) for c in g["code"][not_poly]),
                list(g["_row"][not_poly]),
            )
        )
    bad = ~valid & ~not_poly
    if bad.any():
        reasons = shapely.is_valid_reason(np.asarray(geom[bad]))
        codes = g["code"].to_numpy()[bad]
        rows = g["_row"].to_numpy()[bad]
        fixed = [_polygonal(x) for x in shapely.make_valid(np.asarray(geom[bad]))]
        if repair:
            new = list(g.geometry)
            pos = np.flatnonzero(bad)
            unsafe = []
            for i, f, c, r, why in zip(pos, fixed, codes, rows, reasons, strict=True):
                if f is None:
                    unsafe.append((c, r, why))
                    continue
                new[i] = f
                repairs.append(
                    {
                        "code": c,
                        "name": names.get(str(c)),
                        "rows": [int(r)],
                        "repair": f"invalid polygon ({why}) made valid (shapely.make_valid)",
                    }
                )
            g = g.set_geometry(gpd.GeoSeries(new, index=g.index, crs=g.crs))
            if unsafe:
                problems.append(
                    Problem(
                        p.name,
                        "geometry",
                        "invalid polygons that cannot be repaired safely (no area left): "
                        + "; ".join(f"{label(c)} ({why})" for c, _, why in unsafe),
                        [int(r) for _, r, _ in unsafe],
                    )
                )
        else:
            safe = all(f is not None for f in fixed)
            hint = (
                "; a safe repair exists: tkpk validate --source boundaries --repair <new file> "
                f"{p.name} writes a repaired copy"
                if safe
                else "; correct them in a GIS"
            )
            problems.append(
                Problem(
                    p.name,
                    "geometry",
                    "invalid polygons: "
                    + "; ".join(f"{label(c)} ({why})" for c, why in zip(codes, reasons, strict=True))
                    + hint,
                    [int(r) for r in rows],
                )
            )

    # duplicated codes: merging is safe only for the parts of one unit (same name, or no name
    # column to tell them apart)
    has_code = g["code"].notna().to_numpy()
    dup = has_code & g["code"].duplicated(keep=False).to_numpy()
    if dup.any():
        groups = g[dup].groupby("code", sort=True)
        merged: list[str] = []
        unsafe_text: list[str] = []
        unsafe_rows: list[int] = []
        for code, sub in groups:
            rows = [int(r) for r in sub["_row"]]
            nms = (
                list(dict.fromkeys(sub[name_col].astype("string").str.strip().fillna("")))
                if name_col
                else []
            )
            same = len({n.casefold() for n in nms}) <= 1
            if repair and same:
                merged.append(code)
                repairs.append(
                    {
                        "code": code,
                        "name": names.get(str(code)),
                        "rows": rows,
                        "repair": f"{len(sub)} features with the same code and name merged into one",
                    }
                )
                continue
            text = f"{code} ({_rows_text(rows)})"
            if repair:
                text += f": names differ ({', '.join(nms)}); not merged"
            unsafe_text.append(text)
            unsafe_rows += rows
        if merged:
            keep = g[~g["code"].isin(merged)]
            parts = []
            for code in merged:
                sub = g[g["code"] == code]
                first = sub.iloc[[0]].copy()
                first["geometry"] = [shapely.union_all(np.asarray(sub.geometry.array))]
                parts.append(first)
            g = gpd.GeoDataFrame(
                pd.concat([keep, *parts]).sort_values("_row"), geometry="geometry", crs=g.crs
            )
        if unsafe_text:
            problems.append(
                Problem(
                    p.name,
                    col,
                    "the same code on several features: " + "; ".join(unsafe_text),
                    unsafe_rows,
                )
            )

    # completeness against the region reference: a unit missing inside a kabupaten/kota the
    # file covers is an export mistake; a kabupaten/kota absent altogether is named (a file
    # of one kabupaten is normal)
    in_file = set(g["code"].dropna())
    in_ref = set(ref["code"])
    covered = {c[:4] for c in in_file & in_ref}
    missing_units = sorted(in_ref - in_file)
    inside = [c for c in missing_units if c[:4] in covered]
    incomplete = None
    if inside:
        incomplete = (
            Problem(
                p.name,
                col,
                f"no polygon for {len(inside)} {level} of the region list (reference "
                "regions.csv) in a kabupaten/kota the file covers: "
                + ", ".join(f"{c} {names[c]} ({c[:4]})" for c in inside),
            )
        )
    kab_names = dict(zip(regions("kabupaten")["code"], regions("kabupaten")["name"], strict=True))
    absent = sorted({c[:4] for c in missing_units} - covered)
    notes: dict[str, object] = {
        "absent_kab": pd.DataFrame(
            {"code": absent, "name": [kab_names.get(c) for c in absent]}, dtype="string"
        ),
        "unmatched": pd.DataFrame(
            [{"code": c, "side": "file"} for c in sorted(in_file - in_ref)]
            + [{"code": c, "side": "region list", "name": names[c]} for c in missing_units]
        ),
        "crs": conversion,
        "missing": pd.DataFrame(
            {"code": inside, "name": [names[c] for c in inside]}, dtype="string"
        ),
        "incomplete": incomplete,
    }
    g["name"] = g["code"].map(names)
    rep = pd.DataFrame(repairs, columns=["code", "name", "rows", "repair"])
    return g, col, problems, rep, notes


def read_boundaries(
    path: str | Path,
    level: str,
    *,
    code_column: str | None = None,
    crs: str | None = None,
    repair: bool = False,
):  # -> GeoDataFrame
    """Read boundary polygons (``.shp``, ``.gpkg``, ``.geojson``) keyed by Kemendagri code.

    Codes are normalised to digits only (``17.01.01`` -> ``170101``) and joined to the region
    reference (``tkpk_lib/reference/regions.csv``). Coordinates are returned in longitude/
    latitude (EPSG:4326): a file in another declared system (a shapefile with its ``.prj``) is
    reprojected; a file without a system is read as longitude/latitude when its coordinates
    fit, and is an error saying that it seems to be in metres otherwise.

    Rejected with one :class:`~tkpk_lib.errors.SchemaError` listing every problem: invalid
    polygons (with the reason and place), features without polygon or code, the same code on
    several features. Units of the region reference missing inside a kabupaten/kota the file
    covers are listed in ``attrs["missing"]`` (``tkpk validate`` rejects them, see
    :func:`check_boundaries`); a kabupaten/kota absent altogether (a file may cover one
    kabupaten) in ``attrs["absent_kab"]``.

    Parameters
    ----------
    path : path-like
    level : {"kabupaten", "kecamatan", "desa"}
    code_column : str, optional
        Column holding the code; by default the first of ``code``, ``kode``, ``kode_kemendagri``
        found.
    crs : str, optional
        Coordinate system of a file that declares none (``"EPSG:32748"``); must agree with the
        file's own system when it has one.
    repair : bool
        Repair in memory what is safe: invalid polygons (``shapely.make_valid``, kept when a
        polygon with area remains) and features sharing a code and a name (merged). The repairs
        are listed in ``attrs["repaired"]``. :func:`repair_boundaries` writes them to a file.

    Returns
    -------
    GeoDataFrame
        ``code``, ``name`` (from the region reference), ``geometry`` (and ``parent`` when the
        file has it); ``attrs``: ``unmatched`` (codes on one side only, ``side`` = "file" or
        "region list"), ``missing`` and ``absent_kab`` (code, name), ``repaired`` (code, name,
        rows, repair).

    Examples
    --------
    >>> g = read_boundaries("tests/data/bengkulu_1771_kecamatan.geojson", "kecamatan")
    >>> len(g), g.attrs["absent_kab"]["code"].tolist()[:2]
    (9, ['1701', '1702'])
    """
    g, _col, problems, rep, notes = _load_boundaries(
        path, level, code_column=code_column, crs=crs, repair=repair
    )
    if problems:
        raise SchemaError(problems)
    return _boundary_frame(g, rep, notes)


def _boundary_frame(g, rep: pd.DataFrame, notes: dict[str, object]):  # noqa: ANN001, ANN202
    keep = ["code", "name", "geometry"] + [c for c in ("parent",) if c in g.columns]
    out = g[keep].reset_index(drop=True)
    for k in ("unmatched", "absent_kab", "missing"):
        out.attrs[k] = notes[k]
    out.attrs["repaired"] = rep
    return out


def repair_boundaries(
    path: str | Path,
    out: str | Path,
    level: str,
    *,
    code_column: str | None = None,
    crs: str | None = None,
) -> pd.DataFrame:
    """Write a repaired copy of a boundary file; the original is never touched.

    Repairs what :func:`read_boundaries` with ``repair=True`` repairs, and converts the
    coordinates to longitude/latitude (EPSG:4326). The copy keeps the file's own columns; its
    format follows the suffix of ``out`` (``.gpkg``, ``.geojson``, ``.shp``). Nothing is written
    when there is nothing to repair.

    Parameters
    ----------
    path, out : path-like
        The file to repair and the new file (must not exist and must differ from ``path``).
    level, code_column, crs
        As in :func:`read_boundaries`.

    Returns
    -------
    DataFrame
        The repairs (code, name, rows, repair); a conversion of coordinates is a row with
        code "*" (all units).

    Raises
    ------
    TkpkError
        ``out`` exists or is the file itself, or the file cannot be read.
    """
    p, o = Path(path), Path(out)
    if o.resolve() == p.resolve() or (
        p.suffix.lower() == ".shp" and o.with_suffix("").resolve() == p.with_suffix("").resolve()
    ):
        raise TkpkError(f"{p}: --repair must name a new file, not the file being checked")
    if o.exists():
        raise TkpkError(f"{o}: already exists; --repair writes a new file only (give another name)")
    if o.suffix.lower() not in BOUNDARY_SUFFIXES:
        raise TkpkError(f"{o}: --repair needs a .gpkg, .geojson or .shp file name")
    g, _col, _problems, rep, notes = _load_boundaries(
        p, level, code_column=code_column, crs=crs, repair=True
    )
    if notes["crs"]:
        rep = pd.concat(
            [
                pd.DataFrame(
                    [{"code": "*", "name": None, "rows": [], "repair": notes["crs"]}]
                ),
                rep,
            ],
            ignore_index=True,
        )
    if len(rep):
        o.parent.mkdir(parents=True, exist_ok=True)
        data = g.drop(columns=["_row", "code", "name"], errors="ignore")
        if "geometry" not in data.columns:  # pragma: no cover - the geometry column is kept
            data = data.set_geometry(g.geometry)
        driver = {".gpkg": "GPKG", ".shp": "ESRI Shapefile"}.get(o.suffix.lower(), "GeoJSON")
        tmp = o.with_name(o.stem + ".partial" + o.suffix)
        try:
            data.to_file(tmp, driver=driver)
            if driver == "ESRI Shapefile":
                for side in tmp.parent.glob(tmp.stem + ".*"):
                    side.replace(o.with_suffix(side.suffix))
            else:
                tmp.replace(o)
        except OSError as exc:
            raise TkpkError(f"{o}: cannot write the repaired copy ({exc})") from None
    return rep


def check_boundaries(
    path: str | Path,
    level: str,
    *,
    crs: str | None = None,
    repair_to: str | Path | None = None,
) -> tuple[int, list[str]]:
    """What ``tkpk validate --source boundaries`` does: read, optionally repair, report.

    Returns
    -------
    tuple
        The number of polygons and the lines to print (repairs made, kabupaten/kota absent).

    Raises
    ------
    TkpkError
        Every problem left (in the repaired copy when one was written).
    """
    p = Path(path)
    lines: list[str] = []
    target = p
    if repair_to is not None:
        rep = repair_boundaries(p, repair_to, level, crs=crs)
        if len(rep):
            target = Path(repair_to)
            lines.append(f"REPAIRED {p.name} -> {repair_to}: " + _repair_head(rep))
            lines.append(
                f"  use the copy in place of {p.name}: a run reads raw/boundaries/{level}.gpkg, "
                f"{level}.geojson or {level}.shp (keep one file per level)"
            )
            for r in rep.itertuples():
                if r.code == "*":
                    continue
                what = f"{r.code} {r.name}" if isinstance(r.name, str) else str(r.code)
                lines.append(f"  - {what} ({_rows_text(r.rows)}): {r.repair}")
        else:
            lines.append(f"{p.name}: nothing to repair; no copy written")
    # with --repair, the problems left are those of the repair pass (= those of the copy);
    # validate also rejects units missing inside a kabupaten/kota the file covers
    g, _col, problems, rep, notes = _load_boundaries(
        p, level, code_column=None, crs=crs, repair=repair_to is not None
    )
    if notes["incomplete"] is not None:
        problems.append(notes["incomplete"])
    if problems:
        raise SchemaError(problems)
    g = _boundary_frame(g, rep, notes)
    if repair_to is None and crs is not None and "(given with --crs)" in str(notes["crs"] or ""):
        lines.append(
            f"NOTE {p.name}: read with --crs {crs}; the file itself declares no coordinate "
            "system and a run will reject it: put the .prj beside it or write a copy with "
            "--repair NEW_FILE"
        )
    um = g.attrs["unmatched"]
    if len(um) and (um["side"] == "file").any():
        raise TkpkError(
            f"{target.name}: codes not in Bengkulu's region list: "
            f"{', '.join(um.loc[um['side'] == 'file', 'code'].head(20))}"
        )
    absent = g.attrs["absent_kab"]
    if len(absent):
        lines.append(
            f"NOTE {target.name}: no polygons at all for {len(absent)} kabupaten/kota of the "
            "region list (the file covers part of the province): "
            + ", ".join(f"{c} {n}" for c, n in zip(absent["code"], absent["name"], strict=True))
        )
    return len(g), lines


def _repair_head(rep: pd.DataFrame) -> str:
    units = rep[rep["code"] != "*"]
    parts = [f"all units: {t}" for t in rep.loc[rep["code"] == "*", "repair"]]
    if len(units):
        parts.insert(0, f"{len(units)} unit(s)")
    return "; ".join(parts)
