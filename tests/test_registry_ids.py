"""Registry identifiers damaged by Excel (NIK/KK with 15 significant digits) fail validation."""

from __future__ import annotations

import numpy as np
import openpyxl
import pandas as pd
import pytest
import test_readers as tr

from tkpk_lib.cli import main
from tkpk_lib.data import readers, registry_stream
from tkpk_lib.data.validate import IdentifierCheck
from tkpk_lib.errors import SchemaError


def _rows(n: int = 12) -> list[dict]:
    # real-looking NIK/KK: serials 1..n, so about one in ten ends in 0
    return [tr._reg_row(i) for i in range(1, n + 1)]


def _xlsx(tmp_path, rows: list[dict], numeric: tuple[str, ...], name: str = "dtks.xlsx"):
    wb = openpyxl.Workbook()
    ws = wb.active
    cols = list(readers.REGISTRY_COLUMNS)
    ws.append(cols)
    for r in rows:
        ws.append([int(r[c]) if c in numeric else (str(r[c]) if c in ("NIK", "NO_KK", "KODE_DESA") else r[c])
                   for c in cols])
    p = tmp_path / name
    wb.save(p)
    return p


def _validate(capsys, path) -> tuple[int, str]:
    code = main(["validate", "--source", "registry", str(path)])
    return code, capsys.readouterr().err


def test_xlsx_with_numeric_nik_cells_fails_validate_with_how_to_reexport(tmp_path, capsys):
    p = _xlsx(tmp_path, _rows(), numeric=("NIK",))
    code, err = _validate(capsys, p)
    assert code == 1
    assert "dtks.xlsx, column 'NIK' (nik): identifiers stored as numbers, not text" in err
    assert "format the column as Text" in err and "string variable" in err
    assert "[rows 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12; 12 row(s) in all]" in err
    assert "NO_KK" not in err  # the KK column is text in this file
    with pytest.raises(SchemaError):
        readers.read_registry(p)


def test_xlsx_with_a_title_row_and_one_numeric_kk_cell_names_that_sheet_row(tmp_path):
    p = tmp_path / "x.xlsx"
    _xlsx(tmp_path, _rows(), numeric=(), name="x.xlsx")
    wb = openpyxl.load_workbook(p)
    ws = wb.active
    ws.insert_rows(1)  # a title row above the header: the header is on sheet row 2
    ws["A1"] = "Data DTKS"
    ws.cell(row=7, column=2).value = 1701012001900005  # data row 5 of NO_KK, stored as a number
    wb.save(p)
    with pytest.raises(SchemaError) as e:
        readers.read_registry(p)
    assert len(e.value.problems) == 1
    assert str(e.value.problems[0]).startswith(
        "x.xlsx (sheet 'Sheet', header on row 2; row numbers as in the sheet), column 'NO_KK' (kk_no): "
        "identifiers stored as numbers, not text")
    assert e.value.problems[0].rows == [7]  # the row the sheet shows
    # the streamed build reads a workbook whole, with the same message
    with pytest.raises(SchemaError) as e2:
        registry_stream.write_registry_parquet(p, tmp_path / "r.parquet")
    assert str(e2.value) == str(e.value)


def test_correct_xlsx_text_column_passes(tmp_path, capsys):
    p = _xlsx(tmp_path, _rows(), numeric=())
    code, err = _validate(capsys, p)
    assert code == 0, err
    df = readers.read_registry(p)
    assert df["nik"].tolist() == [f"17010120010{i:05d}" for i in range(1, 13)]


def test_csv_with_niks_ending_in_zero_fails(tmp_path, capsys):
    rows = _rows()
    for r in rows:  # what Excel leaves of 16-digit numbers: 15 significant digits and a 0
        r["NIK"] = r["NIK"][:15] + "0"
    rows[4]["NIK"] = "1701012001000015"  # one survived (typed as text later)
    for i, r in enumerate(rows):
        r["NIK"] = r["NIK"][:11] + f"{i:02d}" + r["NIK"][13:]  # keep them unique
    p = tr._registry_csv(tmp_path, rows)
    code, err = _validate(capsys, p)
    assert code == 1
    assert ("dtks.csv, column 'NIK' (nik): 11 of 12 16-digit numbers end in 0 (about 1 in 10 real "
            "NIK/KK numbers do)") in err
    assert "[rows 1, 2, 3, 4, 6, 7, 8, 9, 10, 11, 12; 11 row(s) in all]" in err
    assert "Data > From Text/CSV" in err


def test_csv_with_niks_in_scientific_notation_fails(tmp_path, capsys):
    rows = _rows()
    rows[2]["NIK"] = "1.70101E+15"
    rows[7]["NO_KK"] = "1,70101200191E+15"  # decimal comma (Indonesian Excel)
    p = tr._registry_csv(tmp_path, rows)
    code, err = _validate(capsys, p)
    assert code == 1
    assert "column 'NIK' (nik): numbers stored in scientific notation by Excel" in err
    assert "column 'NO_KK' (kk_no): numbers stored in scientific notation by Excel" in err
    assert "[rows 3; 1 row(s) in all]" in err and "[rows 8; 1 row(s) in all]" in err


def test_parquet_with_numeric_nik_column_fails(tmp_path):
    df = pd.DataFrame(_rows())
    df["NIK"] = df["NIK"].astype("int64")
    p = tmp_path / "dtks.parquet"
    df.to_parquet(p, index=False)
    with pytest.raises(SchemaError, match=r"dtks.parquet, column 'NIK' \(nik\): identifiers stored as numbers"):
        readers.read_registry(p)
    df["NIK"] = df["NIK"].astype(str)
    df.to_parquet(p, index=False)
    assert len(readers.read_registry(p)) == 12


def test_real_niks_ending_in_zero_pass():
    # one in ten real NIK end in 0; two of three, or fewer than three, is no evidence
    c = IdentifierCheck("f.csv", "nik", "NIK")
    c.add(pd.Series([f"17010120010{i:05d}" for i in range(1, 101)]), np.arange(1, 101))
    assert c.problems() == []
    c = IdentifierCheck("f.csv", "nik")
    c.add(pd.Series(["1701012001000010", "1701012001000020"]), np.array([1, 2]))
    assert c.problems() == []


def test_identifier_check_over_batches_equals_one_batch():
    values = pd.Series([f"170101200100{i:03d}0" for i in range(30)] + [f"17010120019{i:05d}" for i in range(1, 21)])
    rows = np.arange(1, 51)
    one = IdentifierCheck("f.csv", "kk_no", "NO_KK")
    one.add(values, rows)
    many = IdentifierCheck("f.csv", "kk_no", "NO_KK")
    for a in range(0, 50, 7):
        many.add(values.iloc[a:a + 7].reset_index(drop=True), rows[a:a + 7])
    assert [str(p) for p in one.problems()] == [str(p) for p in many.problems()]
    assert len(one.problems()) == 1 and "32 of 50 16-digit numbers end in 0" in str(one.problems()[0])  # 30 + serials 10, 20
