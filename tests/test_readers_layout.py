"""Spreadsheet layouts as offices export them: title rows above the header, data on sheet 2.

Every spreadsheet reader (programme map, complaints, registry, survey CSV) goes through
``readers.read_raw``, which finds the header row and the sheet; messages then name the sheet and
the header row, and row numbers are the spreadsheet's.
"""

from __future__ import annotations

import openpyxl
import pandas as pd
import pytest

from tkpk_lib.cli import main
from tkpk_lib.data import readers
from tkpk_lib.errors import SchemaError

PROGRAMME = {
    "TAHUN": ["2024", "2024"], "KODE": ["P01", "P02"], "PROGRAM": ["Bedah Rumah", "Jamban Sehat"],
    "KEGIATAN": ["RTLH", "Jamban"], "OPD": ["Dinas Perkim", "Dinas Kesehatan"], "STRATEGI": ["3", "3"],
    "KLASTER": ["4", "4"], "SUMBER_DANA": ["APBD Kabupaten/Kota", "APBD Kabupaten/Kota"],
    "SASARAN": ["keluarga miskin", "keluarga miskin"], "TARGET": ["10", "5"], "CAPAIAN": ["8", "5"],
    "SATUAN": ["unit", "unit"], "LOKUS": ["1701012001", "1701012002"], "KODE_KAB": ["1701", "1701"],
    "PAGU": ["1.250.000.000,00", "600.000.000"], "REALISASI": ["1.000.000.000,50", "590.000.000"],
}


def _write_sheet(ws, frame: pd.DataFrame, titles: tuple[str, ...] = ()) -> None:
    for t in titles:
        ws.append([t])
        r = ws.max_row
        ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=len(frame.columns))
    ws.append(list(frame.columns))
    for row in frame.itertuples(index=False):
        ws.append(list(row))


def _programme_workbook(path, *, titles=(), cover=False, frame=None, second=None) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    if cover:
        ws.title = "Sampul"
        ws.append(["PETA PROGRAM PENANGGULANGAN KEMISKINAN"])
        ws.append(["Disusun oleh Sekretariat TKPK"])
        ws = wb.create_sheet("Peta Program")
    else:
        ws.title = "Peta Program"
    _write_sheet(ws, pd.DataFrame(PROGRAMME) if frame is None else frame, titles)
    if second is not None:
        _write_sheet(wb.create_sheet(second[0]), second[1])
    wb.save(path)


def test_header_below_two_merged_title_rows_is_found(tmp_path, capsys):
    p = tmp_path / "peta_program_2024.xlsx"
    _programme_workbook(p, titles=("PETA PROGRAM 2024", "KABUPATEN BENGKULU SELATAN"))
    pm = readers.read_programmes(p)
    assert pm["budget"].tolist() == [1.25e9, 6e8]
    assert pm["programme_id"].tolist() == ["P01", "P02"]
    assert pm["_row"].tolist() == [4, 5]  # the sheet's own row numbers
    assert main(["validate", "--source", "programmes", str(p)]) == 0
    out = capsys.readouterr().out
    assert f"OK {p}: programmes 2 rows (sheet 'Peta Program', header on row 3)" in out

    # a bad value is named with the sheet, the header row and the sheet's row number
    bad = pd.DataFrame(PROGRAMME)
    bad.loc[1, "SUMBER_DANA"] = "APBX"
    p.unlink()
    _programme_workbook(p, titles=("PETA PROGRAM 2024", "KABUPATEN BENGKULU SELATAN"), frame=bad)
    with pytest.raises(SchemaError) as e:
        readers.read_programmes(p)
    (pr,) = e.value.problems
    assert pr.file == (
        "peta_program_2024.xlsx (sheet 'Peta Program', header on row 3; row numbers as in the sheet)")
    assert pr.column == "SUMBER_DANA" and pr.canonical == "fund_source" and list(pr.rows) == [5]
    assert main(["validate", "--source", "programmes", str(p)]) == 1
    err = capsys.readouterr().err
    assert "Unnamed" not in err
    assert "1 problem(s) found:" in err


def test_data_on_the_second_sheet_is_read(tmp_path, capsys):
    p = tmp_path / "peta_program_2024.xlsx"
    _programme_workbook(p, cover=True)
    pm = readers.read_programmes(p)
    assert pm["programme_id"].tolist() == ["P01", "P02"]
    assert pm["_row"].tolist() == [2, 3]
    assert main(["validate", "--source", "programmes", str(p)]) == 0
    assert (f"OK {p}: programmes 2 rows (sheet 'Peta Program', header on row 1)"
            in capsys.readouterr().out)


def test_no_header_anywhere_is_one_message_naming_the_sheets(tmp_path, capsys):
    p = tmp_path / "peta.xlsx"
    frame = pd.DataFrame(PROGRAMME).rename(columns=lambda c: f"Kolom {c.lower()}")
    _programme_workbook(p, cover=True, frame=frame)
    with pytest.raises(SchemaError) as e:
        readers.read_programmes(p)
    assert [str(x) for x in e.value.problems] == [
        "peta.xlsx: no row with the expected column names in the first 20 rows of sheet(s) "
        "'Sampul', 'Peta Program' (expected names such as TAHUN, KODE, PROGRAM, KEGIATAN, OPD, "
        "STRATEGI); put the column names in one row above the data"
    ]
    assert main(["validate", "--source", "programmes", str(p)]) == 1
    assert "required column is missing" not in capsys.readouterr().err


def test_the_same_table_on_two_sheets_is_not_read_half(tmp_path):
    p = tmp_path / "peta.xlsx"
    _programme_workbook(p, second=("2023", pd.DataFrame(PROGRAMME)))
    with pytest.raises(SchemaError) as e:
        readers.read_programmes(p)
    assert [str(x) for x in e.value.problems] == [
        "peta.xlsx: the expected column names head a table on several sheets ('Peta Program' "
        "row 1, '2023' row 1); only one table per file is read: save each sheet as its own file"
    ]


def test_registry_xlsx_and_complaints_csv_with_title_lines(tmp_path):
    reg = pd.DataFrame({
        "NIK": ["1701010101800001", "1701010101800002"], "NO_KK": ["1701010101000001"] * 2,
        "NAMA": ["A", "B"], "ALAMAT": ["x", "y"], "KODE_DESA": ["1701012001"] * 2, "DESIL": ["1", "2"],
        "JML_ART": ["4", "3"], "JML_BALITA": ["1", "0"], "JML_ANAK_SEKOLAH": ["1", "1"],
        "JML_LANSIA": ["0", "0"], "JML_DISABILITAS": ["0", "0"], "JK_KRT": ["1", "2"],
        **{f"FLAG_{k}": ["0", "1"] for k in ("PKH", "BPNT", "PBI", "PIP", "BLT_DD", "LPG", "LISTRIK", "KUR")},
    })
    p = tmp_path / "dtks.xlsx"
    wb = openpyxl.Workbook()
    wb.active.title = "Petunjuk"
    wb.active.append(["Data ini rahasia"])
    _write_sheet(wb.create_sheet("DTKS"), reg, ("DATA TERPADU", "Desember 2024", ""))
    wb.save(p)
    r = readers.read_registry(p)
    assert r["nik"].tolist() == ["1701010101800001", "1701010101800002"]
    assert r["row_no"].tolist() == [5, 6]

    c = tmp_path / "pengaduan.csv"
    c.write_text(
        "REKAP PENGADUAN 2024;;;;;;;\n\n"
        "ID;KANAL;PROGRAM;KODE_DESA;KODE_KAB;TGL_MASUK;TGL_SELESAI;STATUS\n"
        "C1;hotline;pkh;1701012001;1701;2024-01-05;2024-01-20;selesai\n"
        "C2;hotline;pkh;1701012001;1701;2024-02-05;;proses\n", encoding="utf-8")
    cm = readers.read_complaints(c)
    assert cm["complaint_id"].tolist() == ["C1", "C2"]
    assert cm["_row"].tolist() == [4, 5]
    c.write_text(c.read_text().replace("2024-02-05", "5 Feb"), encoding="utf-8")
    with pytest.raises(SchemaError, match=r"^1 problem\(s\) found:\n  - pengaduan.csv \(header on line "
                       r"3; row numbers as lines of the file\), column 'TGL_MASUK' \(date_received\): values that "
                       r"are not dates \(use YYYY-MM-DD\) \[rows 5; 1 row\(s\) in all\]$"):
        readers.read_complaints(c)


def test_plain_layout_keeps_its_row_numbers(tmp_path):
    p = tmp_path / "peta.xlsx"
    pd.DataFrame(PROGRAMME).to_excel(p, index=False)
    pm = readers.read_programmes(p)
    assert pm["_row"].tolist() == [1, 2]
    assert "layout" not in pm.attrs


def test_user_option_tables_use_the_same_header_search(tmp_path):
    # own poverty lines / targets (report options) given as a workbook with a title row
    p = tmp_path / "garis_kemiskinan.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "GK"
    ws.append(["Garis kemiskinan kabupaten/kota (Rp/kapita/bulan)"])
    ws.append(["kab_code", "year", "poverty_line"])
    ws.append([1701, 2024, 612345.5])
    ws.append([1771, 2024, 701000])
    wb.save(p)
    t = readers.read_user_table(p, ["kab_code", "year", "poverty_line", "urban"], text_columns=["kab_code"])
    assert t.to_dict("list") == {"kab_code": ["1701", "1771"], "year": [2024, 2024],
                                 "poverty_line": [612345.5, 701000.0]}
    assert t.attrs["layout"] == "sheet 'GK', header on row 2"
