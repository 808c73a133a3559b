"""Sheets of the LP2KD annex workbook beyond the template: numbers, print setup, desa x programme, context.

:func:`tkpk_lib.reporting.excel.write_annex` lays a table out from ``annex_template.csv``; this
module adds what a secretariat needs to paste the workbook into its LP2KD and print it:

- the "Tabel L.x" number of every annex table (:data:`TABLE_NUMBERS`, one place for the
  workbook, the HTML annex and the report);
- print setup of every sheet (:func:`print_setup`): A4 landscape, fit to width, margins, the
  header rows repeated on every printed page, an autofilter on the header, the unit and year
  in the page header, "DATA SINTETIS - BUKAN STATISTIK RESMI" on demo inputs; a sheet too wide
  to print legibly on one page width is printed in parts side by side, its row labels repeated
  (:func:`print_parts`);
- the desa x programme coverage matrix an LP2KD uses (:func:`desa_programme_matrix`), one row
  per desa and one column per programme, with registry counts below :data:`MIN_REGISTRY_COUNT`
  suppressed;
- the change from the comparison year and the target of each indicator beside its estimate
  (:func:`indicator_context`);
- the measures and data sources listed on the notes sheet (:data:`MEASURES`, :func:`source_rows`).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from tkpk_lib.reporting.programme_tables import SUPPRESS_BELOW

__all__ = [
    "AGGREGATE_PROGRAMMES",
    "CONTEXT_COLUMNS",
    "MEASURES",
    "MIN_REGISTRY_COUNT",
    "SYNTHETIC_MARK",
    "TABLE_NUMBERS",
    "desa_programme_matrix",
    "indicator_context",
    "matrix_layout",
    "label_columns",
    "row_heights",
    "print_parts",
    "print_setup",
    "source_rows",
    "table_title",
]

#: "Tabel L.x" number of each annex table id (the desa x programme matrix is L.5, its long list L.5a).
TABLE_NUMBERS: dict[str, str] = {
    "indikator": "L.1", "program": "L.2", "target": "L.3", "kantong": "L.4",
    "cakupan_desa": "L.5", "cakupan": "L.5a", "pengaduan": "L.6", "harmonisasi": "L.7",
    "rpkd": "L.8",
}
#: Mark on every sheet and printed page of a workbook made from the synthetic demo inputs.
SYNTHETIC_MARK = "DATA SINTETIS - BUKAN STATISTIK RESMI"
#: Registry counts (households) below this are not published (the rule of annex L.5a,
#: :data:`tkpk_lib.reporting.programme_tables.SUPPRESS_BELOW`): a matrix cell resting on fewer is blank.
MIN_REGISTRY_COUNT = SUPPRESS_BELOW
#: Registry rows that are no programme (``any``: eligible for at least one), left out of the matrix.
AGGREGATE_PROGRAMMES = ("any",)
#: Columns :func:`indicator_context` adds to the indicator table (in this order).
CONTEXT_COLUMNS = ["perubahan", "perubahan_uji", "target", "target_tahun", "status_target", "jenis_target"]

_CHANGE_WORDS = {"up": "naik", "down": "turun"}
_ASSESSMENT_WORDS = {"improved": "membaik", "worsened": "memburuk"}
_TARGET_KIND = {"illustrative": "ilustratif (bukan angka RPJMD)", "official": "resmi", "own": "tabel sendiri"}

#: Measures the workbook uses, defined once for the notes sheet (term, definition).
MEASURES: tuple[tuple[str, str], ...] = (
    ("Persentase penduduk miskin (P0)", "Penduduk dengan pengeluaran per kapita di bawah garis kemiskinan dibagi "
     "seluruh penduduk (headcount index, BPS)."),
    ("Galat baku (SE)", "Ukuran ketidakpastian dugaan survei karena hanya sebagian rumah tangga yang dicacah; "
     "dihitung dengan linearisasi Taylor menurut strata dan PSU."),
    ("Selang kepercayaan 95% (SK 95%)", "Rentang yang memuat nilai sebenarnya dengan keyakinan 95%: nilai "
     "\u00b1 1,96 \u00d7 SE."),
    ("RSE", "Relative standard error = SE / nilai. Keandalan menurut BPS: andal RSE \u2264 25%; hati-hati "
     "25-50%; tidak andal > 50%; ditekan: sampel di bawah batas minimum."),
    ("Perubahan", "Nilai tahun laporan dikurangi nilai tahun pembanding; untuk indikator persen dalam poin "
     "persen. Diuji dengan uji z dua sisi (5%): \"naik nyata\"/\"turun nyata\" hanya bila selang "
     "kepercayaan perubahan tidak memuat nol, selain itu \"tidak berbeda nyata\"."),
    ("Status target", "Tercapai: seluruh SK 95% di sisi target. Pada tahun target: tidak tercapai (target akhir) "
     "atau belum sesuai target (target antara) bila seluruh SK 95% di sisi yang salah. Sebelum tahun target: "
     "sesuai jalur bila perubahan tahunan nyata dan cukup cepat, belum sesuai target bila batas SK 95% terbaiknya "
     "pun lebih lambat dari yang diperlukan. Selain itu, dan untuk estimasi tidak andal: belum dapat "
     "disimpulkan. Target ilustratif bukan angka RPJMD."),
    ("Cakupan program", "Rumah tangga sasaran yang tercatat menerima program dibagi rumah tangga sasaran program "
     "itu (data terpadu / registri sosial)."),
    ("Kantong kemiskinan", "Desa dengan tingkat kemiskinan tinggi, jumlah penduduk miskin besar, atau keduanya "
     "(lihat kolom Jenis kantong)."),
    ("Sel ditekan", f"Jumlah rumah tangga data terpadu kurang dari {MIN_REGISTRY_COUNT} ditampilkan \"<5\" dan "
     "jumlah pasangannya \"x\" (Tabel L.5a); cakupan desa yang bersandar pada jumlah yang ditekan dibiarkan "
     "kosong (Tabel L.5); dugaan survei dengan sampel di bawah batas minimum tidak ditampilkan (Tabel L.1)."),
)


def table_title(table_id: str, title: str) -> str:
    """The title of an annex sheet with its "Tabel L.x" number (unnumbered ids keep their title).

    Examples
    --------
    >>> table_title("indikator", "Indikator kemiskinan dan kesejahteraan")
    'Tabel L.1 Indikator kemiskinan dan kesejahteraan'
    >>> table_title("lain", "lain")
    'lain'
    """
    num = TABLE_NUMBERS.get(table_id)
    return f"Tabel {num} {title}" if num else title


#: Printable width of an A4 landscape page at the annex margins (0.5 in each side), in points.
PRINT_WIDTH_PT = 841.89 - 2 * 0.5 * 72
#: A sheet that would print smaller than this scale on one page width is printed in parts.
SPLIT_BELOW_SCALE = 0.65
#: Smallest scale the parts are aimed at (11 pt cells print at 8.8 pt or more).
PART_SCALE = 0.8
#: Share of the printable width a part is scaled to fill: spreadsheet programs measure a column
#: a few per cent wider than Excel's 7 px a character (LibreOffice with Carlito: ~5%), and a part
#: that overflows by one column prints that column alone on an extra page.
PART_FILL = 0.92


def column_points(width: float) -> float:
    """Printed width in points (at 100%) of a column ``width`` characters wide (Calibri 11: 7 px a character + 5 px).

    Examples
    --------
    >>> column_points(10)
    56.25
    """
    return (width * 7 + 5) * 0.75


def print_parts(widths: list[float], repeat: int) -> tuple[list[int], int | None]:
    """Where to cut a wide sheet into page-wide parts, and the print scale.

    A sheet whose columns would print below :data:`SPLIT_BELOW_SCALE` on one page width is
    printed in the fewest parts side by side that each fit at :data:`PART_SCALE` or more, the
    first ``repeat`` columns (the row labels) repeated on every part; the parts are balanced so
    the widest is as narrow as possible, and the scale is what the widest needs (at most 100%).

    Parameters
    ----------
    widths : list of float
        Column widths in characters, in sheet order.
    repeat : int
        Number of leading columns that label a row (repeated on each part).

    Returns
    -------
    tuple of (list of int, int or None)
        The last column (1-based) of each part but the last, and the scale in percent; ``([], None)``
        when the sheet prints on one page width (fit to width).

    Examples
    --------
    >>> print_parts([9, 18, 34, 9, 12, 12, 12, 12, 9, 10, 12, 13, 14, 11, 8, 13, 12, 18], repeat=4)
    ([11], 80)
    >>> print_parts([20, 30, 40], repeat=1)
    ([], None)
    """
    pts = [column_points(w) for w in widths]
    key, rest = sum(pts[:repeat]), pts[repeat:]
    fits = sum(pts) * SPLIT_BELOW_SCALE <= PRINT_WIDTH_PT
    room = PART_FILL * PRINT_WIDTH_PT / PART_SCALE - key
    if fits or not rest or repeat < 1 or max(rest) > room:
        return [], None

    def cuts(cap: float) -> list[int]:
        out, run = [], 0.0
        for i, w in enumerate(rest):
            if run and run + w > cap:
                out.append(repeat + i)
                run = 0.0
            run += w
        return out

    parts = len(cuts(room)) + 1
    lo, hi = max(rest), room  # the narrowest widest part that still needs no more parts
    for _ in range(40):
        mid = (lo + hi) / 2
        lo, hi = (lo, mid) if len(cuts(mid)) + 1 <= parts else (mid, hi)
    breaks = cuts(hi)
    edges = [repeat, *breaks, len(pts)]
    widest = max(sum(pts[a:b]) for a, b in zip(edges, edges[1:], strict=False))
    return breaks, min(100, int(100 * PART_FILL * PRINT_WIDTH_PT / (key + widest)))


#: Height of one line of 11 pt text in a row (points), and the characters of average text per
#: character of column width (Calibri's letters are narrower than the digit a width counts).
LINE_PT, CHARS_PER_WIDTH = 15.0, 1.2


def wrapped_lines(text: str, width: float) -> int:
    """Lines ``text`` takes wrapped at word boundaries in a column ``width`` characters wide (an estimate).

    Examples
    --------
    >>> wrapped_lines("Kabupaten Bengkulu Selatan", 18), wrapped_lines("andal", 12), wrapped_lines("", 9)
    (2, 1, 1)
    """
    cap = max(1.0, width * CHARS_PER_WIDTH - 1)
    lines, run = 1, 0
    for word in str(text).split():
        if run and run + 1 + len(word) > cap:
            lines, run = lines + 1, 0
        run = (run + 1 if run else 0) + len(word)
        while run > cap:  # a word longer than the column breaks inside it
            lines, run = lines + 1, int(run - cap)
    return lines


def row_heights(columns: list[tuple[list[object], float]]) -> list[float]:
    """Row heights (points) that show every wrapped text cell whole.

    Spreadsheet programs do not all grow a row to its wrapped text when they open a file
    (LibreOffice printed such rows overlapping).

    Parameters
    ----------
    columns : list of (values, width)
        The text columns of a table, each with its width in characters.

    Returns
    -------
    list of float
        One height per row: :data:`LINE_PT` times the most lines of any of its cells.

    Examples
    --------
    >>> row_heights([(["Kabupaten Bengkulu Selatan", "Kota Bengkulu"], 18), (["andal", None], 12)])
    [30.0, 15.0]
    """
    if not columns:
        return []
    n = len(columns[0][0])
    most = [1] * n
    for values, width in columns:
        cap = width * CHARS_PER_WIDTH - 1
        for i, v in enumerate(values):
            if v is not None and len(str(v)) > cap:
                most[i] = max(most[i], wrapped_lines(str(v), width))
    return [LINE_PT * k for k in most]


def label_columns(formats: list[str], widths: list[float]) -> int:
    """How many leading columns label a row: the text columns before the first number, within half a page.

    Examples
    --------
    >>> label_columns(["text", "text", "text", "text", "pct1"], [8, 18, 34, 9, 12])
    4
    >>> label_columns(["text", "text", "text", "rupiah"], [22, 28, 40, 18])
    2
    """
    n, run = 0, 0.0
    for fmt, width in zip(formats, widths, strict=True):
        run += column_points(width)
        if fmt != "text" or run > PRINT_WIDTH_PT / 2:
            break
        n += 1
    return n


def print_setup(ws: Any, *, header_rows: tuple[int, int], last_row: int, ncol: int, header_text: str,
                synthetic: bool = False, filter_last: int | None = None, repeat_cols: int = 0) -> None:
    """Set an annex sheet up for printing and filtering.

    A4 landscape, one page wide (as many pages tall as needed), margins of 1.3 cm, the header
    rows repeated on every printed page, an autofilter from the last header row over the data
    rows (a total row below them stays out of it), ``header_text`` (unit and year) in the page
    header and "Halaman x dari y" in the footer; on synthetic inputs the page header also
    carries :data:`SYNTHETIC_MARK`.

    Parameters
    ----------
    ws : openpyxl Worksheet
        The sheet.
    header_rows : (int, int)
        First and last row of the column headers (1-based).
    last_row : int
        Last row to print.
    ncol : int
        Number of columns.
    header_text : str
        Left part of the page header (e.g. "Kabupaten Kaur - 2024").
    synthetic : bool
        The inputs are the synthetic demo.
    filter_last : int, optional
        Last data row of the autofilter; default ``last_row``.
    repeat_cols : int, default 0
        Leading columns that label a row: when the sheet is too wide for one page width
        (:func:`print_parts`), it is printed in parts side by side (each band of rows across,
        then down) with these columns repeated on each part.

    Examples
    --------
    >>> from openpyxl import Workbook
    >>> ws = Workbook().active
    >>> print_setup(ws, header_rows=(4, 5), last_row=9, ncol=3, header_text="Kaur - 2024", synthetic=True)
    >>> ws.print_title_rows, ws.auto_filter.ref, ws.page_setup.orientation
    ('$4:$5', 'A5:C9', 'landscape')
    """
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.page import PageMargins
    from openpyxl.worksheet.pagebreak import Break

    first, last = header_rows
    ps = ws.page_setup
    ps.orientation = "landscape"
    ps.paperSize = ws.PAPERSIZE_A4
    ps.fitToWidth = 1
    ps.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    widths = [ws.column_dimensions[get_column_letter(j)].width or 8.43 for j in range(1, ncol + 1)]
    breaks, scale = print_parts(widths, repeat_cols)
    if scale is not None:  # fit-to-page ignores page breaks: a fixed scale instead
        ws.sheet_properties.pageSetUpPr.fitToPage = False
        ps.scale = scale
        ps.pageOrder = "overThenDown"
        ws.print_title_cols = f"A:{get_column_letter(repeat_cols)}"
        for col in breaks:
            ws.col_breaks.append(Break(id=col))
    ws.page_margins = PageMargins(left=0.5, right=0.5, top=0.8, bottom=0.6, header=0.3, footer=0.3)
    ws.print_options.horizontalCentered = True
    ws.print_title_rows = f"{first}:{last}"
    letter = get_column_letter(max(ncol, 1))
    ws.print_area = f"A1:{letter}{max(last_row, last)}"
    ws.auto_filter.ref = f"A{last}:{letter}{max(filter_last or last_row, last)}"
    ws.oddHeader.left.text = header_text
    ws.oddHeader.left.size = 9
    if synthetic:
        ws.oddHeader.right.text = SYNTHETIC_MARK
        ws.oddHeader.right.size = 9
        ws.oddHeader.right.color = "C00000"
    ws.oddFooter.right.text = "Halaman &P dari &N"
    ws.oddFooter.right.size = 9


def desa_programme_matrix(cakupan: pd.DataFrame, min_count: int = MIN_REGISTRY_COUNT) -> pd.DataFrame:
    """Coverage per desa as the desa x programme table of an LP2KD: one row per desa, one column per programme.

    Each programme column holds the coverage (recipients among the programme's target
    households / target households, a fraction). A cell is blank when the desa has no target
    household of that programme, fewer than ``min_count``, or a count of the long list is
    already suppressed (text such as ``"<5"`` or ``"x"``): nothing suppressed there can be
    recovered here. The registry's ``any`` rows (:data:`AGGREGATE_PROGRAMMES`) are no programme
    and are left out.

    Parameters
    ----------
    cakupan : pandas.DataFrame
        The long list of annex table ``cakupan``: ``desa_code``, ``desa``, ``program`` (label),
        ``sasaran`` and ``menerima`` (counts; text or NaN where already suppressed).
    min_count : int
        Smallest published count of target households.

    Returns
    -------
    pandas.DataFrame
        ``desa_code``, ``desa``, then one column per programme (named by its label, in order of
        first appearance), desa in code order.

    Examples
    --------
    >>> long = pd.DataFrame({"desa_code": ["01", "01", "02"], "desa": ["A", "A", "B"],
    ...                      "program": ["PKH", "PIP", "PKH"], "sasaran": [40, 3, 10],
    ...                      "menerima": [30, 2, 5]})
    >>> desa_programme_matrix(long).to_dict("list")
    {'desa_code': ['01', '02'], 'desa': ['A', 'B'], 'PKH': [0.75, 0.5], 'PIP': [nan, nan]}
    """
    cakupan = cakupan[~cakupan["program"].astype(str).isin(AGGREGATE_PROGRAMMES)]
    prog = cakupan["program"].astype(str)
    progs = list(dict.fromkeys(prog))
    eligible = pd.to_numeric(cakupan["sasaran"], errors="coerce")
    covered = pd.to_numeric(cakupan["menerima"], errors="coerce")
    rate = (covered / eligible).where(eligible >= min_count)
    long = pd.DataFrame({"desa_code": cakupan["desa_code"].astype(str).to_numpy(),
                         "program": prog.to_numpy(), "rate": rate.to_numpy(dtype=float)})
    wide = long.drop_duplicates(["desa_code", "program"]).set_index(["desa_code", "program"])["rate"].unstack()
    wide = wide.reindex(columns=progs).sort_index()
    names = dict(zip(cakupan["desa_code"].astype(str), cakupan["desa"].astype(str), strict=True))
    wide.insert(0, "desa", [names[c] for c in wide.index])
    wide = wide.reset_index()
    wide.columns.name = None
    return wide


def matrix_layout(df: pd.DataFrame) -> pd.DataFrame:
    """Template rows (as in ``annex_template.csv``) of a :func:`desa_programme_matrix` table.

    Examples
    --------
    >>> m = pd.DataFrame({"desa_code": ["01"], "desa": ["A"], "PKH": [0.75]})
    >>> matrix_layout(m)[["column", "header", "unit", "format"]].values.tolist()[-1]
    ['PKH', 'PKH', '%', 'pct1']
    """
    base = {"table_id": "cakupan_desa", "sheet": "Cakupan desa x program",
            "title": "Cakupan program per desa (desa x program)",
            "source": "Data terpadu (registri sosial) dan data penyaluran program (diolah TKPK)",
            "total": "", "required": "0"}
    rows = [dict(base, column="desa_code", header="Kode desa", unit="", format="text", width="13",
                 definition="Kode Kemendagri desa/kelurahan"),
            dict(base, column="desa", header="Desa/kelurahan", unit="", format="text", width="24",
                 definition="Nama desa/kelurahan")]
    for col in df.columns[2:]:
        rows.append(dict(base, column=str(col), header=str(col), unit="%", format="pct1", width="12",
                         definition=f"Rumah tangga sasaran {col} yang menerima {col} / rumah tangga sasaran {col}; kosong: "
                                    f"tidak ada sasaran di desa, atau jumlah di bawah {MIN_REGISTRY_COUNT} rumah tangga "
                                    "(ditekan, lihat Tabel L.5a)"))
    return pd.DataFrame(rows)


def _change_text(change: Any, assessment: Any) -> str | None:
    if not isinstance(change, str):
        return None
    if change not in _CHANGE_WORDS:
        return "tidak berbeda nyata"
    word = f"{_CHANGE_WORDS[change]} nyata"
    return f"{word} ({_ASSESSMENT_WORDS[assessment]})" if assessment in _ASSESSMENT_WORDS else word


def indicator_context(cache: str | Path, ind: pd.DataFrame, *, min_sample: int = 0) -> pd.DataFrame:
    """Add the change from the comparison year and the target of each indicator row.

    Parameters
    ----------
    cache : path
        Prepared cache (sections ``change`` and ``targets``; either may be absent).
    ind : pandas.DataFrame
        Indicator rows with ``kab_code`` and ``indicator`` (code).
    min_sample : int
        Small-cell rule of :func:`tkpk_lib.reporting.reading.load_section` (a change on a small
        sample is blank).

    Returns
    -------
    pandas.DataFrame
        ``ind`` with :data:`CONTEXT_COLUMNS`: ``perubahan`` (difference, same unit as the
        estimate), ``perubahan_uji`` ("naik nyata (memburuk)", "tidak berbeda nyata", ...),
        ``target``, ``target_tahun``, ``status_target`` and ``jenis_target`` (blank where none).

    Examples
    --------
    >>> indicator_context("derived/2024", ind)  # doctest: +SKIP
    """
    from tkpk_lib.reporting.reading import load_section

    out = ind.copy()
    keys = ["kab_code", "indicator"]
    ch = load_section(cache, "change", min_sample=min_sample)
    if not ch.empty:
        ch = ch.assign(perubahan=ch["difference"],
                       perubahan_uji=[_change_text(c, a) if pd.notna(d) else None
                                      for c, a, d in zip(ch["change"], ch["assessment"], ch["difference"],
                                                         strict=True)])
        out = out.merge(ch[keys + ["perubahan", "perubahan_uji"]].drop_duplicates(keys), on=keys, how="left")
    tg = load_section(cache, "targets")
    if not tg.empty:
        tg = tg.assign(target_tahun=tg["target_year"].map(lambda y: str(int(y)) if pd.notna(y) else None),
                       status_target=tg["status_id"],
                       jenis_target=tg["target_status"].map(lambda s: _TARGET_KIND.get(s, s)))
        out = out.merge(tg[keys + ["target", "target_tahun", "status_target", "jenis_target"]].drop_duplicates(keys),
                        on=keys, how="left")
    for c in CONTEXT_COLUMNS:
        if c not in out.columns:
            out[c] = np.nan if c in ("perubahan", "target") else None
    out.index = ind.index
    return out


def source_rows(info: Mapping[str, Any]) -> list[tuple[str, str, str]]:
    """Data sources of the annex with their periods and files, for the notes sheet.

    Parameters
    ----------
    info : mapping
        :func:`tkpk_lib.reporting.reading.cache_info` of the prepared tables (``year``,
        ``comparison_year``, ``sources``).

    Returns
    -------
    list of (str, str, str)
        (source, period, file) for every input the tables were made from.

    Examples
    --------
    >>> source_rows({"year": 2024, "comparison_year": 2023,
    ...              "sources": {"households": "raw/susenas/2024", "labour": "raw/sakernas/2024/s.sav"}})
    [('BPS, Susenas (Kor dan Konsumsi)', 'Maret 2024; pembanding Maret 2023', 'raw/susenas/2024'), \
('BPS, Sakernas', 'Agustus 2024', 'raw/sakernas/2024/s.sav')]
    """
    year = info.get("year")
    comp = info.get("comparison_year")
    sources = dict(info.get("sources") or {})
    spec = (
        ("households", "BPS, Susenas (Kor dan Konsumsi)", f"Maret {year}" + (f"; pembanding Maret {comp}" if comp else "")),
        ("labour", "BPS, Sakernas", f"Agustus {year}"),
        ("villages", "BPS, Podes (potensi desa)", "putaran Podes terakhir yang tersedia (lihat berkas)"),
        ("registry", "Data terpadu / registri sosial (DTKS/P3KE)", f"keadaan data yang diserahkan untuk {year}"),
        ("programmes", "Peta program/kegiatan OPD (pagu, realisasi, target)", f"tahun anggaran {year}"),
        ("complaints", "Log pengaduan TKPK/OPD", f"Januari-Desember {year}"),
        ("boundaries/desa", "Batas wilayah desa (Kemendagri)", "berkas batas wilayah yang diserahkan"),
    )
    return [(label, period, str(sources[key])) for key, label, period in spec if key in sources]
