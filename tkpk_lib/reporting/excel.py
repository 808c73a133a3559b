"""LP2KD annex workbooks (Excel) from tidy tables.

The layout of every annex table (sheet name, title, source line, column order, Indonesian
header, unit, number format, width, total rule, definition) is data, in
``tkpk_lib/reference/annex_template.csv``, so an office can change headers or formats
without touching code. :func:`write_annex` turns a dict of DataFrames into one formatted
sheet per table plus a ``Catatan`` sheet with the definitions and the run's metadata.

Template columns
----------------
``table_id`` (key of the ``tables`` dict), ``sheet``, ``title``, ``source``, ``column`` (column
of the DataFrame), ``header``, ``unit`` (second header row), ``format`` (``text``, ``int``,
``dec1``, ``dec2``, ``dec3``, ``pct1``, ``pct2``, ``rupiah``, ``by_unit:<column>`` for a
per-row format chosen from a unit column, or a raw Excel format such as ``0.000``),
``width``, ``total`` (``sum`` or ``ratio:<numerator>/<denominator>`` for the ``Jumlah`` row),
``required`` (1: the DataFrame must have this column) and ``definition``.

Percentages are stored as fractions (0.125) and shown as ``12.5%`` by the number format,
so the cell keeps its exact value. Rupiah amounts use ``"Rp "#,##0``. Excel shows the
thousands separator of the reader's locale (a dot in Indonesian Excel).

The LP2KD lampiran format itself is not published in a readable primary source
(``shared/reference/domain-notes.md`` section 1.4): the shipped tables follow the columns
that recur in practice (Matriks 2 of the extreme-poverty reporting, APBD reviews) and should be
checked against a real Bengkulu LP2KD.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from tkpk_lib.errors import ReportError
from tkpk_lib.reporting import excel_sheets as sheets

__all__ = [
    "FORMATS",
    "RELIABILITY_LABELS",
    "load_annex_template",
    "suppress_small_cells",
    "write_annex",
]

#: Number-format aliases usable in the template's ``format`` column.
FORMATS: dict[str, str] = {
    "text": "@",
    "int": "#,##0",
    "dec1": "#,##0.0",
    "dec2": "#,##0.00",
    "dec3": "#,##0.000",
    "pct1": "0.0%",
    "pct2": "0.00%",
    "rupiah": '"Rp "#,##0',
}
#: Formats per unit for ``by_unit:<column>`` (units of the indicator catalogue).
UNIT_FORMATS: dict[str, str] = {
    "fraction": "0.00%",
    "persen": "0.00%",
    "persons": "#,##0",
    "jiwa": "#,##0",
    "rumah tangga": "#,##0",
    "kk": "#,##0",
    "rp": '"Rp "#,##0',
    "index": "#,##0.000",
    "indeks": "#,##0.000",
}
#: Display labels of the catalogue units in a column used by ``by_unit:<column>``.
UNIT_LABELS: dict[str, str] = {"fraction": "persen", "persons": "jiwa", "index": "indeks"}
#: Display labels of the shared ``reliability`` codes (BPS RSE rule) in the annex.
RELIABILITY_LABELS: dict[str, str] = {
    "reliable": "andal",
    "caution": "hati-hati",
    "unreliable": "tidak andal",
    "suppressed": "ditekan",
}
TEMPLATE_COLUMNS = [
    "table_id", "sheet", "title", "source", "column", "header", "unit", "format", "width",
    "total", "required", "definition",
]
_BAD_SHEET_CHARS = set("[]:*?/\\")
_HEADER_ROW = 4
#: Font of every cell: named, since a font without a name prints in whatever the program defaults
#: to (LibreOffice: a serif, wider than the widths assume).
FONT_NAME, FONT_SIZE = "Calibri", 11


def _font(**kw: Any) -> Any:
    """An openpyxl ``Font`` in :data:`FONT_NAME` (size :data:`FONT_SIZE` unless given)."""
    from openpyxl.styles import Font

    return Font(name=FONT_NAME, **{"size": FONT_SIZE, **kw})
#: Tables up to this many rows get row heights for their wrapped text (longer ones are lists to filter).
_FIT_ROWS_UP_TO = 5000


def load_annex_template(path: str | Path | None = None) -> pd.DataFrame:  # noqa: C901 - one check per column of a user's template, each with its own message
    """Read and check an annex template.

    Parameters
    ----------
    path : path, optional
        CSV file; default the shipped ``tkpk_lib/reference/annex_template.csv``.

    Returns
    -------
    pandas.DataFrame
        The template rows (all strings; empty cells are ``""``), in file order.

    Raises
    ------
    ReportError
        Missing template columns, unknown formats, bad sheet names or total rules, naming
        the file and the row (1-based data row).

    Examples
    --------
    >>> t = load_annex_template()
    >>> t.loc[t["table_id"] == "program", "header"].tolist()[:3]
    ['Kabupaten/kota', 'Strategi', 'Klaster']
    """
    if path is None:
        src = resources.files("tkpk_lib") / "reference" / "annex_template.csv"
        name = "tkpk_lib/reference/annex_template.csv"
        with resources.as_file(src) as p:
            tpl = pd.read_csv(p, dtype=str, keep_default_na=False)
    else:
        name = str(path)
        try:
            tpl = pd.read_csv(path, dtype=str, keep_default_na=False)
        except (OSError, ValueError) as exc:
            raise ReportError(f"{name}: cannot read annex template ({exc})") from exc
    missing = [c for c in TEMPLATE_COLUMNS if c not in tpl.columns]
    if missing:
        raise ReportError(f"{name}: annex template lacks column(s) {missing}")
    tpl = tpl[TEMPLATE_COLUMNS].apply(lambda s: s.str.strip())
    problems = []
    for i, row in enumerate(tpl.itertuples(index=False), start=1):
        fmt = row.format
        if fmt and fmt not in FORMATS and not fmt.startswith("by_unit:") and not any(ch in fmt for ch in "0#@"):
            problems.append(f"row {i}: unknown format {fmt!r} (use {sorted(FORMATS)}, by_unit:<column> or an Excel format)")
        if len(row.sheet) > 31 or not row.sheet or _BAD_SHEET_CHARS & set(row.sheet):
            problems.append(f"row {i}: sheet name {row.sheet!r} must be 1-31 characters without []:*?/\\")
        if row.total and row.total != "sum" and not (row.total.startswith("ratio:") and "/" in row.total):
            problems.append(f"row {i}: total {row.total!r} must be empty, 'sum' or 'ratio:<num>/<den>'")
        if row.width and not row.width.replace(".", "", 1).isdigit():
            problems.append(f"row {i}: width {row.width!r} is not a number")
    for tid, grp in tpl.groupby("table_id", sort=False):
        if grp["sheet"].nunique() != 1:
            problems.append(f"table {tid!r}: rows name different sheets {sorted(grp['sheet'].unique())}")
        if grp["column"].duplicated().any():
            problems.append(f"table {tid!r}: column(s) listed twice {grp.loc[grp['column'].duplicated(), 'column'].tolist()}")
        for total in grp["total"]:
            if total.startswith("ratio:"):
                num, _, den = total[6:].partition("/")
                for c in (num, den):
                    if c not in set(grp["column"]):
                        problems.append(f"table {tid!r}: total {total!r} refers to unknown column {c!r}")
    sheets = tpl.drop_duplicates("table_id")["sheet"]
    if sheets.duplicated().any():
        problems.append(f"sheet name(s) used by two tables: {sheets[sheets.duplicated()].tolist()}")
    if problems:
        raise ReportError(f"{name}: annex template problems:\n  - " + "\n  - ".join(problems))
    return tpl.reset_index(drop=True)


def suppress_small_cells(
    df: pd.DataFrame,
    n_col: str,
    min_n: int,
    *,
    value_cols: Sequence[str] | None = None,
    flag_col: str = "suppressed",
    reliability_col: str = "reliability",
) -> pd.DataFrame:
    """Blank estimates that rest on too few sample households, and flag them.

    Parameters
    ----------
    df : pandas.DataFrame
        Estimates, e.g. the result of :mod:`tkpk_lib.estimation.estimators` (estimate, se, ci_low, ...).
    n_col : str
        Column with the number of sample households behind each row.
    min_n : int
        Smallest sample that may be published; rows with ``n < min_n`` are blanked.
    value_cols : sequence of str, optional
        Columns to blank; default every numeric column except ``n_col`` and ``flag_col``.
    flag_col : str, default "suppressed"
        0/1 flag column added (or overwritten).
    reliability_col : str, default "reliability"
        If present, set to ``"suppressed"`` on blanked rows.

    Returns
    -------
    pandas.DataFrame
        A copy with blanked values (NaN) and the flag column.

    Raises
    ------
    ReportError
        ``n_col`` or a value column is missing, or ``n_col`` has missing values.

    Examples
    --------
    >>> d = pd.DataFrame({"kab": ["1701", "1702"], "estimate": [0.12, 0.3], "n": [250, 12]})
    >>> out = suppress_small_cells(d, "n", 30)
    >>> out["estimate"].isna().tolist(), out["suppressed"].tolist()
    ([False, True], [0, 1])
    """
    if n_col not in df.columns:
        raise ReportError(f"suppress_small_cells: column {n_col!r} not found; columns are {list(df.columns)}")
    if df[n_col].isna().any():
        rows = [int(i) + 1 for i in np.flatnonzero(df[n_col].isna().to_numpy())]
        raise ReportError(f"suppress_small_cells: column {n_col!r} has missing sample sizes in rows {rows[:20]}")
    if value_cols is None:
        value_cols = [
            c for c in df.columns
            if c not in (n_col, flag_col) and pd.api.types.is_numeric_dtype(df[c])
        ]
    missing = [c for c in value_cols if c not in df.columns]
    if missing:
        raise ReportError(f"suppress_small_cells: value column(s) {missing} not found")
    out = df.copy()
    small = (out[n_col] < min_n).to_numpy()
    for c in value_cols:
        if not pd.api.types.is_float_dtype(out[c]):
            out[c] = out[c].astype("float64")
        out.loc[small, c] = np.nan
    out[flag_col] = small.astype(int)
    if reliability_col in out.columns:
        out[reliability_col] = out[reliability_col].astype("object")
        out.loc[small, reliability_col] = "suppressed"
    return out


def _cell_value(v: Any, text: bool) -> Any:
    if v is None or v is pd.NA or v is pd.NaT:
        return None
    if isinstance(v, float | np.floating) and math.isnan(v):
        return None
    if text:
        return str(v)
    if isinstance(v, np.integer):
        return int(v)
    if isinstance(v, np.floating):
        return float(v)
    if isinstance(v, np.bool_):
        return bool(v)
    return v


def _number_format(fmt: str) -> str:
    if not fmt:
        return "General"
    return FORMATS.get(fmt, fmt)


def _layout(table_id: str, df: pd.DataFrame, tpl: pd.DataFrame) -> pd.DataFrame:
    rows = tpl[tpl["table_id"] == table_id]
    if rows.empty and table_id == "cakupan_desa":  # programme columns depend on the data
        return sheets.matrix_layout(df)
    if rows.empty:  # ad-hoc table: keys as headers, general formats
        return pd.DataFrame({
            "table_id": table_id, "sheet": table_id[:31], "title": table_id, "source": "",
            "column": [str(c) for c in df.columns], "header": [str(c) for c in df.columns],
            "unit": "", "format": "", "width": "", "total": "", "required": "0", "definition": "",
        })
    missing = [c for c, req in zip(rows["column"], rows["required"], strict=True) if req == "1" and c not in df.columns]
    if missing:
        raise ReportError(
            f"annex table {table_id!r}: required column(s) {missing} missing; the DataFrame has "
            f"{list(df.columns)} (see annex_template.csv)"
        )
    return rows[rows["column"].isin(df.columns)]


def _notes_sheet(ws: Any, meta: Mapping[str, Any], shown: Sequence[tuple[str, str, str, str, str]],
                 dropped: Sequence[str], notes: pd.DataFrame | None, *, synthetic: bool = False,
                 data_sources: Sequence[tuple[str, str, str]] = ()) -> int:
    """Fill the ``Catatan`` sheet: run metadata, sources, measures, the definition of every column shown, notes.

    Returns the last row written.
    """
    from openpyxl.styles import Alignment, Border, PatternFill, Side

    bold = _font(bold=True)
    head_fill = PatternFill("solid", fgColor="DDEBF7")
    thin = Side(style="thin", color="999999")
    box = Border(top=thin, bottom=thin, left=thin, right=thin)
    ws.cell(1, 1, "Catatan, sumber data dan definisi").font = _font(bold=True, size=13)
    if synthetic:
        ws.cell(2, 1, sheets.SYNTHETIC_MARK).font = _font(bold=True, color="C00000")
    r = 3
    labels = {"wilayah": "Wilayah", "tahun": "Tahun", "run_id": "Run laporan", "data_vintage": "Data",
              "tkpk_lib": "Versi tkpk_lib", "min_n": "Batas minimum sampel"}
    for key, value in meta.items():
        ws.cell(r, 1, labels.get(key, str(key))).font = bold
        ws.cell(r, 2, str(value))
        r += 1
    if "min_n" in meta:
        ws.cell(r, 1, "Sel kosong").font = bold
        ws.cell(r, 2, f"Dugaan dengan sampel kurang dari {meta['min_n']} rumah tangga tidak ditampilkan (ditekan).")
        r += 1
    r += 1
    # long texts go to column D (the wide one)
    r = _notes_block(ws, r, "Sumber data dan periode", ["Sumber", "Periode", None, "Berkas"],
                     [(src, period, None, file) for src, period, file in data_sources])
    r = _notes_block(ws, r, "Ukuran yang dipakai", ["Ukuran", None, None, "Definisi"],
                     [(term, None, None, text) for term, text in sheets.MEASURES])
    ws.cell(r, 1, "Definisi kolom").font = bold
    r += 1
    for j, h in enumerate(["Lembar", "Kolom", "Satuan", "Definisi"], start=1):
        c = ws.cell(r, j, h)
        c.font, c.fill, c.border = bold, head_fill, box
    r += 1
    for sheet, header, unit, definition, _col in shown:
        for j, v in enumerate([sheet, header, unit, definition], start=1):
            ws.cell(r, j, v or None).border = box
        r += 1
    if dropped:
        r += 1
        ws.cell(r, 1, "Kolom tidak ditampilkan").font = bold
        ws.cell(r, 2, "; ".join(dropped))
        r += 1
    if notes is not None and len(notes.columns):
        r += 1
        ws.cell(r, 1, "Catatan tambahan").font = bold
        r += 1
        for j, h in enumerate(notes.columns, start=1):
            c = ws.cell(r, j, str(h))
            c.font, c.fill, c.border = bold, head_fill, box
        for row in notes.itertuples(index=False):
            r += 1
            for j, v in enumerate(row, start=1):
                ws.cell(r, j, _cell_value(v, not isinstance(v, int | float | np.number))).border = box
    for letter, width in zip("ABCD", (22, 30, 14, 90), strict=True):
        ws.column_dimensions[letter].width = width
    for row in ws.iter_rows(min_row=1, max_row=r):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    return r


def _notes_block(ws: Any, r: int, heading: str, headers: Sequence[str | None],
                 rows: Sequence[Sequence[str | None]]) -> int:
    """A headed, boxed list on the notes sheet from row ``r``; returns the next free row."""
    from openpyxl.styles import Border, PatternFill, Side

    if not rows:
        return r
    thin = Side(style="thin", color="999999")
    box = Border(top=thin, bottom=thin, left=thin, right=thin)
    ws.cell(r, 1, heading).font = _font(bold=True)
    r += 1
    for j, h in enumerate(headers, start=1):
        c = ws.cell(r, j, h)
        c.font, c.fill, c.border = _font(bold=True), PatternFill("solid", fgColor="DDEBF7"), box
    for row in rows:
        r += 1
        for j, v in enumerate(row, start=1):
            ws.cell(r, j, v).border = box
    return r + 2


def _with_matrix(tables: Mapping[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """The tables with the desa x programme matrix (L.5) before the long coverage list (L.5a)."""
    out: dict[str, pd.DataFrame] = {}
    for tid, df in tables.items():
        if tid == "cakupan" and "cakupan_desa" not in tables and {"desa_code", "desa", "program", "sasaran",
                                                                   "menerima"} <= set(df.columns):
            out["cakupan_desa"] = sheets.desa_programme_matrix(df)
        out[tid] = df
    return out


def write_annex(  # noqa: C901 - one branch per sheet layout (see Notes)
    tables: Mapping[str, pd.DataFrame],
    path: str | Path,
    *,
    template: str | Path | pd.DataFrame | None = None,
    notes: pd.DataFrame | None = None,
    meta: Mapping[str, Any] | None = None,
    synthetic: bool = False,
    data_sources: Sequence[tuple[str, str, str]] = (),
) -> Path:
    """Write LP2KD annex tables to one formatted Excel workbook.

    Each table gets its own sheet: a title row ("Tabel L.x" number, title, region and year from
    ``meta``), a source row, Indonesian headers with units below them (both frozen, repeated on
    every printed page, with an autofilter), number formats
    (thousands separators, one-decimal percentages, Rupiah), column widths and, when the
    template asks for it, a ``Jumlah`` total row computed here (values, not formulas, so
    readers without recalculation see them). Every sheet prints on A4 landscape, one page wide (a
    sheet too wide for that in parts side by side, its row labels repeated), with the unit and
    year in the page header (:func:`tkpk_lib.reporting.excel_sheets.print_setup`).
    A ``cakupan`` long list is preceded by its desa x programme matrix (Tabel L.5,
    :func:`tkpk_lib.reporting.excel_sheets.desa_programme_matrix`). A last sheet ``Catatan``
    lists the run's metadata, the data sources and periods, the measures used, the definition of
    every column shown, any columns not shown, and ``notes``. With ``synthetic`` every sheet and
    printed page carries "DATA SINTETIS - BUKAN STATISTIK RESMI".

    Parameters
    ----------
    tables : mapping of str -> pandas.DataFrame
        Table id (``indikator``, ``program``, ``target``, ``kantong``, ``cakupan``,
        ``pengaduan`` or any other id; unknown ids are written with their column names)
        to table. Sheets follow the mapping's order.
    path : path
        ``.xlsx`` file to write (written to a temporary file, then moved into place).
    template : path or DataFrame, optional
        Annex template; default the shipped ``annex_template.csv``.
    notes : pandas.DataFrame, optional
        Extra notes (e.g. columns ``istilah``, ``penjelasan``) appended to ``Catatan``.
    meta : mapping, optional
        Shown in titles and ``Catatan``: ``wilayah``, ``tahun``, ``run_id``, ``data_vintage``,
        ``tkpk_lib``, ``min_n`` and any other key; ``sources`` may map a table id to a source
        line that replaces the template's.
    synthetic : bool
        The inputs are the synthetic demo (mark every sheet and page header).
    data_sources : sequence of (source, period, file)
        Listed on ``Catatan`` (:func:`tkpk_lib.reporting.excel_sheets.source_rows`).

    Returns
    -------
    pathlib.Path
        The workbook path.

    Raises
    ------
    ReportError
        A required column is missing, a table is empty of columns, or the template is bad.

    Notes
    -----
    Long by design: one sheet per table in a loop that shares the cell styles and collects the
    column definitions for the notes sheet (written by ``_notes_sheet``).

    Examples
    --------
    >>> prog = pd.DataFrame({"strategi": ["Mengurangi beban"], "klaster": ["1"],
    ...                      "program": ["PKH daerah"], "opd": ["Dinas Sosial"],
    ...                      "sumber_dana": ["APBD kab"], "pagu": [1.5e9], "realisasi": [1.2e9],
    ...                      "realisasi_pct": [0.8]})
    >>> write_annex({"program": prog}, "lampiran.xlsx", meta={"wilayah": "Kaur", "tahun": 2024})  # doctest: +SKIP
    """
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, NamedStyle, PatternFill, Side
    from openpyxl.utils import get_column_letter

    if isinstance(template, pd.DataFrame):
        tpl = template.astype(str)
    else:
        tpl = load_annex_template(template)
    meta = dict(meta or {})
    sources = dict(meta.pop("sources", {}) or {})
    if not tables:
        raise ReportError("write_annex: no tables given")
    tables = _with_matrix(tables)

    bold = _font(bold=True)
    head_fill = PatternFill("solid", fgColor="DDEBF7")
    total_fill = PatternFill("solid", fgColor="F2F2F2")
    thin = Side(style="thin", color="999999")
    box = Border(top=thin, bottom=thin, left=thin, right=thin)
    wrap = Alignment(wrap_text=True, vertical="center", horizontal="center")

    wb = Workbook()
    wb.remove(wb.active)
    data_styles: dict[str, str] = {}
    shown: list[tuple[str, str, str, str, str]] = []
    dropped: list[str] = []
    used_sheets: set[str] = set()
    suffix = " ".join(str(meta[k]) for k in ("wilayah", "tahun") if meta.get(k) not in (None, ""))
    for table_id, df in tables.items():
        if df.shape[1] == 0:
            raise ReportError(f"annex table {table_id!r} has no columns")
        lay = _layout(table_id, df, tpl)
        extra = [str(c) for c in df.columns if str(c) not in set(lay["column"])]
        if extra:
            dropped.append(f"{table_id}: {', '.join(extra)}")
        sheet = lay["sheet"].iloc[0]
        if sheet in used_sheets:
            raise ReportError(f"annex: two tables would share sheet {sheet!r}")
        used_sheets.add(sheet)
        ws = wb.create_sheet(sheet)
        ncol = len(lay)
        title = sheets.table_title(table_id, lay["title"].iloc[0]) + (f" - {suffix}" if suffix else "")
        ws.cell(1, 1, title).font = _font(bold=True, size=13)
        source = sources.get(table_id, lay["source"].iloc[0])
        if source:
            ws.cell(2, 1, f"Sumber: {source}").font = _font(italic=True, size=9)
        if synthetic:
            ws.cell(3, 1, sheets.SYNTHETIC_MARK).font = _font(bold=True, color="C00000")
        has_units = bool((lay["unit"] != "").any())
        first_data = _HEADER_ROW + (2 if has_units else 1)
        for j, spec in enumerate(lay.itertuples(index=False), start=1):
            c = ws.cell(_HEADER_ROW, j, spec.header)
            c.font, c.fill, c.alignment, c.border = bold, head_fill, wrap, box
            if has_units:
                u = ws.cell(_HEADER_ROW + 1, j, f"({spec.unit})" if spec.unit else None)
                u.font, u.fill, u.alignment, u.border = _font(italic=True, size=9), head_fill, wrap, box
            width = float(spec.width) if spec.width else None
            if width is None:
                longest = max([len(str(spec.header))] + [len(str(v)) for v in df[spec.column].head(200)])
                width = min(max(longest + 2, 8), 60)
            ws.column_dimensions[get_column_letter(j)].width = width
            shown.append((sheet, spec.header, spec.unit, spec.definition, spec.column))
        # data
        unit_cols = {f.split(":", 1)[1] for f in lay["format"] if f.startswith("by_unit:")}
        texts: list[tuple[list[object], float]] = []  # wrapped text columns, for the row heights
        for j, spec in enumerate(lay.itertuples(index=False), start=1):
            col = df[spec.column]
            is_text = spec.format == "text" or (
                not spec.format and not pd.api.types.is_numeric_dtype(col)
            )
            if spec.column == "reliability":
                col = col.map(lambda v: RELIABILITY_LABELS.get(v, v) if isinstance(v, str) else v)
            if spec.column in unit_cols:
                col = col.map(lambda v: UNIT_LABELS.get(v, v) if isinstance(v, str) else v)
            if spec.format.startswith("by_unit:"):
                unit_col = spec.format.split(":", 1)[1]
                if unit_col not in df.columns:
                    raise ReportError(f"annex table {table_id!r}: format {spec.format!r} needs column {unit_col!r}")
                fmts = [UNIT_FORMATS.get(str(u).strip().lower(), "#,##0.00") for u in df[unit_col]]
            else:
                fmts = [_number_format(spec.format)] * len(df)
            if is_text and len(df) <= _FIT_ROWS_UP_TO:
                texts.append((col.tolist(), ws.column_dimensions[get_column_letter(j)].width))
            for i, (v, fmt) in enumerate(zip(col.tolist(), fmts, strict=True)):
                cell = ws.cell(first_data + i, j, _cell_value(v, is_text))
                # one named style per number format: setting number_format and border on each
                # cell hashes openpyxl style objects twice per cell (~5 s for a 12,000-row sheet)
                name = data_styles.get(fmt)
                if name is None:
                    name = f"TKPK data {len(data_styles) + 1}"
                    # text wraps inside its column (a long indicator name stays readable when printed)
                    wb.add_named_style(NamedStyle(name=name, number_format=fmt, border=box, font=_font(),
                                                  alignment=Alignment(wrap_text=fmt == "@", vertical="top")))
                    data_styles[fmt] = name
                cell.style = name
        for i, height in enumerate(sheets.row_heights(texts)):
            if height > sheets.LINE_PT:
                ws.row_dimensions[first_data + i].height = height
        # total row
        if (lay["total"] != "").any() and len(df):
            r = first_data + len(df)
            label_col = next((j for j, t in enumerate(lay["total"], start=1) if not t), 1)
            ws.cell(r, label_col, "Jumlah")
            sums = {c: pd.to_numeric(df[c], errors="coerce").sum() for c in lay["column"]}
            for j, spec in enumerate(lay.itertuples(index=False), start=1):
                value = None
                if spec.total == "sum":
                    value = _cell_value(sums[spec.column], False)
                elif spec.total.startswith("ratio:"):
                    num, _, den = spec.total[6:].partition("/")
                    value = float(sums[num] / sums[den]) if sums[den] else None
                if value is not None:
                    ws.cell(r, j, value).number_format = _number_format(spec.format)
            for j in range(1, ncol + 1):
                cell = ws.cell(r, j)
                cell.font, cell.fill, cell.border = bold, total_fill, box
        ws.freeze_panes = ws.cell(first_data, 1)
        ws.sheet_view.zoomScale = 90
        total = bool((lay["total"] != "").any() and len(df))
        labels = sheets.label_columns(list(lay["format"]), [ws.column_dimensions[get_column_letter(j)].width
                                                           for j in range(1, ncol + 1)])
        sheets.print_setup(ws, header_rows=(_HEADER_ROW, first_data - 1), last_row=first_data + len(df) - 1 + total,
                           ncol=ncol, header_text=suffix, synthetic=synthetic, filter_last=first_data + len(df) - 1,
                           repeat_cols=labels)

    notes_ws = wb.create_sheet("Catatan")
    last = _notes_sheet(notes_ws, meta, shown, dropped, notes, synthetic=synthetic, data_sources=data_sources)
    sheets.print_setup(notes_ws, header_rows=(1, 1), last_row=last, ncol=4, header_text=suffix, synthetic=synthetic)
    notes_ws.auto_filter.ref = None

    from tkpk_lib.batch.export import atomic_path

    path = Path(path)
    with atomic_path(path) as tmp:
        wb.save(tmp)
    return path
