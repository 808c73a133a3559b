"""Print polish of the LP2KD annex workbook: the 18-column indicator sheet prints legibly.

It printed at ~53% on one A4 width (11 pt cells at ~6 pt). Now: narrower text columns that wrap,
rows as tall as their wrapped text, and the sheet printed in two parts side by side with the row
labels (Kode wilayah, Wilayah, Indikator, Satuan) repeated, at 80%. Checked by hand arithmetic on
Excel's column widths (7 px a character + 5 px at 96 dpi, 0.75 pt a pixel) and, once, with
LibreOffice (benchmarks/README.md).
"""

from __future__ import annotations

import pandas as pd
import pytest
from openpyxl import load_workbook

from tkpk_lib.reporting import excel_sheets as sheets
from tkpk_lib.reporting.excel import write_annex


@pytest.fixture
def indicators() -> pd.DataFrame:
    n = 3
    return pd.DataFrame({
        "kab_code": ["1701"] * n, "wilayah": ["Kabupaten Bengkulu Selatan"] * n,
        "indikator": ["Persentase penduduk miskin (P0)", "Rasio Gini",
                      "Persentase rumah tangga dengan akses air minum layak"],
        "satuan": ["fraction", "index", "fraction"],
        "estimate": [0.1712, 0.32, 0.8691], "se": [0.0123, 0.009, 0.0143], "ci_low": [0.1471, 0.302, 0.8374],
        "ci_high": [0.1953, 0.338, 0.8965], "rse": [0.0718, 0.028, 0.016], "n": [412, 412, 412],
        "reliability": ["reliable"] * n, "perubahan": [-0.01, 0.001, 0.03],
        "perubahan_uji": ["tidak berbeda nyata", "tidak berbeda nyata", "naik nyata (membaik)"],
        "target": [0.15, None, None], "target_tahun": ["2024", "", ""], "status_target": ["tidak tercapai", "", ""],
        "jenis_target": ["resmi", "", ""], "sumber": ["BPS, Susenas Maret"] * n,
    })


def test_wide_indicator_sheet_prints_in_two_parts_with_its_row_labels(tmp_path, indicators):
    programme = pd.DataFrame({
        "strategi": ["Mengurangi beban pengeluaran"], "klaster": ["1"], "program": ["PKH daerah"],
        "opd": ["Dinas Sosial"], "sumber_dana": ["APBD kab"], "pagu": [1_500_000_000],
        "realisasi": [1_200_000_000], "realisasi_pct": [0.8]})
    wb = load_workbook(write_annex({"indikator": indicators, "program": programme}, tmp_path / "a.xlsx"))
    # a sheet that prints at 65% or more keeps one page width (the programme sheet: 70%)
    program = wb["Program"]
    assert program.sheet_properties.pageSetUpPr.fitToPage and program.page_setup.fitToWidth == 1
    assert not program.col_breaks.brk and program.print_title_cols is None
    ws = wb["Indikator"]
    widths = [ws.column_dimensions[chr(64 + j)].width for j in range(1, 19)]
    assert widths == [9, 18, 34, 9, 12, 12, 12, 12, 9, 10, 12, 13, 14, 11, 8, 13, 12, 18]
    # by hand: labels A-D (9+18+34+9 characters) = 0.75 x (70 x 7 + 4 x 5) = 382.5 pt; one page width
    # would need 382.5 + 0.75 x (168 x 7 + 14 x 5) = 1,317 pt on 769.9 pt: 58%, below the 65% bar
    assert sum(sheets.column_points(w) for w in widths) == pytest.approx(1317.0)
    # parts E-K (79 characters, 441 pt) and L-R (89 characters, 493.5 pt): the widest with the
    # labels, 876 pt, scaled to fill 92% of the width: 0.92 x 769.9 / 876 = 80.9% -> 80%
    assert not ws.sheet_properties.pageSetUpPr.fitToPage  # was True: the whole sheet on one width
    assert ws.page_setup.scale == 80 and ws.page_setup.orientation == "landscape"
    assert [b.id for b in ws.col_breaks.brk] == [11]  # after K (Keandalan): estimates | change, target
    assert ws.print_title_cols == "$A:$D" and ws.print_title_rows == "$4:$5"
    assert ws.page_setup.pageOrder == "overThenDown"  # both parts of a band of rows, then the next band
    # rows as tall as their wrapped text: "Kabupaten Bengkulu Selatan" takes two lines at width 18
    assert [ws.row_dimensions[r].height for r in (6, 7, 8)] == [30.0, 30.0, 30.0]
    # every written cell names its font (LibreOffice printed the unnamed ones in a wide serif)
    fonts = {c.font.name for row in ws.iter_rows() for c in row if c.value is not None}
    assert fonts == {"Calibri"}


def test_print_parts_and_wrapped_lines_by_hand():
    # three equal value columns of 40 characters after a 30-character label: 0.75 x 215 = 161.25 pt
    # labels, 213.75 pt each value column; one width needs 802.5 pt (96%): fits, no parts
    assert sheets.print_parts([30, 40, 40, 40], repeat=1) == ([], None)
    # six of them: 1,443.75 pt (53%); a part may hold 0.92 x 769.9 / 0.8 - 161.25 = 724 pt, three
    # columns (641.25 pt): two parts, 0.92 x 769.9 / (161.25 + 641.25) = 88.3% -> 88%, cut after D
    assert sheets.print_parts([30] + [40] * 6, repeat=1) == ([4], 88)
    assert sheets.wrapped_lines("Persentase rumah tangga dengan akses air minum layak", 34) == 2
    assert sheets.wrapped_lines("a" * 50, 10) == 5  # 11 characters a line, a long word breaks inside
