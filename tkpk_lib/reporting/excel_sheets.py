"""Sheets of the LP2KD annex workbook beyond the template: numbers, print setup, desa x programme, context.

:func:`tkpk_lib.reporting.excel.write_annex` lays a table out from ``annex_template.csv``; this
module adds what a secretariat needs to paste the workbook into its LP2KD and print it:

- the "Tabel L.x" number of every annex table (:data:`TABLE_NUMBERS`, one place for the
  workbook, the HTML annex and the report);
- print setup of every sheet (:func:`print_setup`): A4 landscape, fit to width, margins, the
  header rows repeated on every printed page, an autofilter on the header, the unit and year
  in the page header, "DATA SINTETIS - BUKAN STATISTIK RESMI" on demo inputs;
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


def print_setup(ws: Any, *, header_rows: tuple[int, int], last_row: int, ncol: int, header_text: str,
                synthetic: bool = False, filter_last: int | None = None) -> None:
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

    first, last = header_rows
    ps = ws.page_setup
    ps.orientation = "landscape"
    ps.paperSize = ws.PAPERSIZE_A4
    ps.fitToWidth = 1
    ps.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
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
