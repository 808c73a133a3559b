"""LP2KD annex workbooks: layout, formats, totals, notes, small-cell suppression."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook

from tkpk_lib.errors import ReportError
from tkpk_lib.reporting.excel import load_annex_template, suppress_small_cells, write_annex


@pytest.fixture
def programme() -> pd.DataFrame:
    return pd.DataFrame({
        "strategi": ["Mengurangi beban pengeluaran", "Meningkatkan pendapatan", "Meningkatkan pendapatan"],
        "klaster": ["1", "2", "3"],
        "program": ["PKH daerah", "Pelatihan UMK", "BLT Dana Desa"],
        "opd": ["Dinas Sosial", "Dinas Koperasi", "DPMD"],
        "sumber_dana": ["APBD kab", "APBD prov", "Dana Desa"],
        "pagu": [1_500_000_000, 250_000_000, 980_000_000],
        "realisasi": [1_200_000_000, 125_000_000, 980_000_000],
        "realisasi_pct": [0.8, 0.5, 1.0],
    })


@pytest.fixture
def indicators() -> pd.DataFrame:
    return pd.DataFrame({
        "kab_code": ["1701", "1701", "1702"],
        "wilayah": ["Bengkulu Selatan", "Bengkulu Selatan", "Rejang Lebong"],
        "indikator": ["Persentase penduduk miskin (P0)", "Jumlah penduduk miskin", "Persentase penduduk miskin (P0)"],
        "satuan": ["fraction", "persons", "fraction"],
        "estimate": [0.1712, 28500.0, 0.142],
        "se": [0.0123, 2100.0, 0.09],
        "ci_low": [0.1471, 24384.0, -0.0344],
        "ci_high": [0.1953, 32616.0, 0.3184],
        "rse": [0.0718, 0.0737, 0.634],
        "deff": [1.8, 1.7, 2.1],
        "n": [412, 412, 18],
        "reliability": ["reliable", "reliable", "unreliable"],
        "sumber": ["Susenas Maret 2024"] * 3,
    })


def test_template_has_lp2kd_tables():
    t = load_annex_template()
    assert set(t["table_id"]) == {"indikator", "program", "target", "kantong", "cakupan", "pengaduan", "harmonisasi",
                                  "rpkd"}
    prog = t[t["table_id"] == "program"]
    assert prog["column"].tolist()[-3:] == ["pagu", "realisasi", "realisasi_pct"]
    assert prog.set_index("column").loc["pagu", "format"] == "rupiah"


def test_programme_sheet_layout_formats_total(tmp_path, programme):
    path = write_annex({"program": programme}, tmp_path / "lampiran.xlsx",
                       meta={"wilayah": "Kabupaten Kaur", "tahun": 2024, "run_id": "r1"})
    wb = load_workbook(path)
    assert wb.sheetnames == ["Program", "Catatan"]
    ws = wb["Program"]
    assert ws["A1"].value.endswith("- Kabupaten Kaur 2024")
    assert ws["A2"].value.startswith("Sumber: ")
    assert [c.value for c in ws[4]][:3] == ["Strategi", "Klaster", "Program/kegiatan"]
    assert ws["F5"].value == "(Rp)" and ws["H5"].value == "(%)"
    assert ws.freeze_panes == "A6"
    assert ws["F6"].value == 1_500_000_000 and ws["F6"].number_format == '"Rp "#,##0'
    assert ws["H6"].value == 0.8 and ws["H6"].number_format == "0.0%"
    assert ws["B6"].value == "1" and ws["B6"].data_type == "s"  # codes stay text
    # total row: sums of the amounts, ratio of the sums for the percentage
    assert ws["A9"].value == "Jumlah"
    assert ws["F9"].value == 2_730_000_000 == programme["pagu"].sum()
    assert ws["G9"].value == 2_305_000_000
    assert ws["H9"].value == pytest.approx(2_305_000_000 / 2_730_000_000)
    assert ws.column_dimensions["C"].width == 40
    notes = wb["Catatan"]
    texts = [c.value for row in notes.iter_rows() for c in row if c.value]
    assert "Run laporan" in texts and "r1" in texts
    assert any(isinstance(t, str) and t.startswith("Realisasi anggaran") for t in texts)


def test_indicator_sheet_units_suppression_and_dropped(tmp_path, indicators):
    sup = suppress_small_cells(indicators, "n", 30, value_cols=["estimate", "se", "ci_low", "ci_high", "rse"])
    assert sup["suppressed"].tolist() == [0, 0, 1]
    assert sup.loc[2, ["estimate", "se", "ci_low", "ci_high", "rse"]].isna().all()
    assert sup.loc[2, "reliability"] == "suppressed" and sup.loc[2, "n"] == 18
    assert indicators.loc[2, "estimate"] == 0.142  # input untouched
    path = write_annex({"indikator": sup}, tmp_path / "ind.xlsx", meta={"min_n": 30},
                       notes=pd.DataFrame({"istilah": ["P0"], "penjelasan": ["Headcount index"]}))
    ws = load_workbook(path)["Indikator"]
    headers = [c.value for c in ws[4]]
    assert headers[:5] == ["Kode wilayah", "Wilayah", "Indikator", "Satuan", "Nilai"]
    col = {h: i + 1 for i, h in enumerate(headers)}
    nilai = col["Nilai"]
    assert ws.cell(6, nilai).value == 0.1712 and ws.cell(6, nilai).number_format == "0.00%"
    assert ws.cell(7, nilai).number_format == "#,##0"  # persons row
    assert ws.cell(8, nilai).value is None  # suppressed
    assert ws.cell(8, col["Keandalan"]).value == "ditekan"
    assert ws.cell(6, col["Keandalan"]).value == "andal"
    assert ws.cell(6, 1).value == "1701"
    assert [ws.cell(r, col["Satuan"]).value for r in (6, 7)] == ["persen", "jiwa"]
    notes = load_workbook(path)["Catatan"]
    texts = [c.value for row in notes.iter_rows() for c in row if c.value]
    assert any("deff" in t for t in texts if isinstance(t, str))  # dropped columns are listed
    assert "Headcount index" in texts
    assert any("kurang dari 30" in t for t in texts if isinstance(t, str))


def test_suppress_defaults_and_errors():
    d = pd.DataFrame({"kab": ["a", "b"], "estimate": [1, 2], "n": [5, 50]})
    out = suppress_small_cells(d, "n", 10)
    assert np.isnan(out.loc[0, "estimate"]) and out.loc[1, "estimate"] == 2
    assert out["n"].tolist() == [5, 50]
    with pytest.raises(ReportError, match="'m' not found"):
        suppress_small_cells(d, "m", 10)
    with pytest.raises(ReportError, match="missing sample sizes in rows \\[2\\]"):
        suppress_small_cells(d.assign(n=[5, None]), "n", 10)


def test_missing_required_column_and_bad_template(tmp_path, programme):
    with pytest.raises(ReportError, match=r"'program': required column\(s\) \['pagu'\]"):
        write_annex({"program": programme.drop(columns="pagu")}, tmp_path / "x.xlsx")
    bad = load_annex_template()
    bad.loc[0, "format"] = "percentage"
    bad.to_csv(tmp_path / "tpl.csv", index=False)
    with pytest.raises(ReportError, match="row 1: unknown format 'percentage'"):
        load_annex_template(tmp_path / "tpl.csv")
    assert not (tmp_path / "x.xlsx").exists()


def test_office_template_change_and_adhoc_table(tmp_path, programme):
    tpl = load_annex_template()
    tpl.loc[(tpl["table_id"] == "program") & (tpl["column"] == "pagu"), "header"] = "Pagu (APBD)"
    tpl.to_csv(tmp_path / "tpl.csv", index=False)
    other = pd.DataFrame({"kode": ["1701"], "nilai": [3]})
    path = write_annex({"program": programme, "lain": other}, tmp_path / "y.xlsx", template=tmp_path / "tpl.csv")
    wb = load_workbook(path)
    assert wb["Program"]["F4"].value == "Pagu (APBD)"
    assert [c.value for c in wb["lain"][4]] == ["kode", "nilai"]
    assert wb["lain"]["A5"].value == "1701" and wb["lain"]["B5"].value == 3
