"""The streamed registry build gives the in-memory reader's table and error messages."""

from __future__ import annotations

import pandas as pd
import pyarrow.parquet as pq
import pytest
import test_readers as tr

from tkpk_lib.data import canonical, readers, registry_stream
from tkpk_lib.data.registry_stream import validate_registry, write_registry_parquet
from tkpk_lib.errors import SchemaError


def _rows(n: int) -> list[dict]:
    return [tr._reg_row(i, DESIL=i % 10 + 1, JML_ART=i % 6 + 1, JK_KRT=1 + i % 2, FLAG_PKH=i % 3 % 2)
            for i in range(1, n + 1)]


def _both(path, tmp_path, batch_rows: int):
    """(in-memory result, streamed result): each a (table, None) or (None, message)."""
    try:
        mem = readers.read_registry(path).drop(columns="_row")
        mem.to_parquet(tmp_path / "mem.parquet", index=False)
        a = (pq.read_table(tmp_path / "mem.parquet"), None)
    except SchemaError as e:
        a = (None, str(e))
    out = tmp_path / "stream.parquet"
    out.unlink(missing_ok=True)
    try:
        n = write_registry_parquet(path, out, batch_rows=batch_rows)
        b = (pq.read_table(out), None)
        assert n == b[0].num_rows
    except SchemaError as e:
        b = (None, str(e))
        assert not out.exists() and not list(tmp_path.glob(".stream.parquet*"))
    # validation only (tkpk validate): the same outcome, nothing written
    try:
        assert validate_registry(path, batch_rows=batch_rows) == (b[0].num_rows, None)
    except SchemaError as e:
        assert str(e) == b[1]
    return a, b


def _same(a, b) -> None:
    assert a[1] == b[1]
    if a[0] is not None:
        assert b[0] is not None
        assert a[0].schema.equals(b[0].schema, check_metadata=True)
        assert a[0].equals(b[0])
        pd.testing.assert_frame_equal(a[0].to_pandas(), b[0].to_pandas())


def _quoted_csv(tmp_path, rows, name="dtks_q.csv"):
    cols = list(readers.REGISTRY_COLUMNS)
    lines = [";".join(cols)]
    for r in rows:
        lines.append(";".join(f'"{r.get(c, "")}"' if c in ("NAMA", "ALAMAT") else str(r.get(c, "")) for c in cols))
    p = tmp_path / name
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return p


@pytest.mark.parametrize("batch_rows", [1, 3, 7, 1000])
def test_good_file_gives_the_same_parquet(tmp_path, batch_rows):
    rows = _rows(25)
    rows[4]["JML_LANSIA"] = " 1 "
    rows[6]["NAMA"] = "Ani \u00c9 [SINTETIS]"
    rows[8]["NIK"] = rows[8]["NIK"] + ".0"
    a, b = _both(tr._registry_csv(tmp_path, rows, encoding="utf-8"), tmp_path, batch_rows)
    assert a[1] is None
    _same(a, b)
    assert b[0].column("nik")[8].as_py() == "1701012001000009"


def test_quoted_names_and_line_breaks_take_the_pandas_parser(tmp_path):
    rows = _rows(12)
    rows[2]["NAMA"] = "Siti; Aminah [SINTETIS]"
    rows[9]["ALAMAT"] = "Jl. Sintetis\nNo. 2"
    _same(*_both(_quoted_csv(tmp_path, rows), tmp_path, batch_rows=4))


def test_cp1252_file(tmp_path):
    rows = _rows(10)
    rows[7]["NAMA"] = "Teuku \u00c9ri \u2013 [SINTETIS]"
    p = tr._registry_csv(tmp_path, rows, encoding="cp1252")
    a, b = _both(p, tmp_path, batch_rows=3)
    assert a[1] is None
    _same(a, b)


def test_ragged_row_in_a_later_block_restarts_with_pandas(tmp_path, monkeypatch):
    rows = _rows(40)
    p = tr._registry_csv(tmp_path, rows)
    lines = p.read_text(encoding="latin-1").splitlines()
    lines[35] = lines[35].rsplit(";", 2)[0]  # two fields short: pandas pads them with NaN
    p.write_text("\n".join(lines) + "\n", encoding="latin-1")
    monkeypatch.setattr(registry_stream, "_BLOCK_BYTES", 1000)
    passes = []
    stream = registry_stream._stream
    monkeypatch.setattr(registry_stream, "_stream",
                        lambda *a, **k: passes.append(k["force_pandas"]) or stream(*a, **k))
    a, b = _both(p, tmp_path, batch_rows=5)
    # batches were used before pyarrow met the short row (twice: build, then validation only)
    assert passes == [False, True, False, True]
    assert "column 'FLAG_LISTRIK' (rcv_listrik): missing values [rows 35;" in a[1]
    _same(a, b)


def test_bad_rows_across_batches_give_the_same_message(tmp_path):
    rows = _rows(30)
    rows[1]["DESIL"] = 12  # above the maximum, batch 1
    rows[20]["DESIL"] = 0  # below the minimum, batch 6: reported first, as in memory
    rows[3]["DESIL"] = ""  # missing
    rows[25]["JML_ART"] = "2,5"  # not a number
    rows[8]["NIK"] = "17010120"  # not 16 digits
    rows[27]["NIK"] = rows[0]["NIK"]  # duplicate of row 1, five batches later
    rows[14]["KODE_DESA"] = "1801012001"
    rows[16]["NO_KK"] = "1.70101E+15"
    rows[29]["JK_KRT"] = 3
    rows[5]["NIK"] = rows[22]["NIK"] = ""  # missing twice: a duplicate key too, as in memory
    rows[10]["NIK"] = rows[23]["NIK"] = "123"
    p = tr._registry_csv(tmp_path, rows)
    a, b = _both(p, tmp_path, batch_rows=4)
    assert a[1] is not None
    _same(a, b)
    msg = b[1]
    assert msg.index("values below the minimum 1 [rows 21;") < msg.index("values above the maximum 10 [rows 2;")
    assert "dtks.csv, column 'NIK' (nik): duplicate keys [rows 1, 6, 11, 23, 24, 28; 6 row(s) in all]" in msg
    assert "dtks.csv, column 'NO_KK' (kk_no): numbers stored in scientific notation" in msg


def test_excel_zeros_spread_over_batches(tmp_path):
    rows = _rows(20)
    for i, r in enumerate(rows):
        r["NIK"] = r["NIK"][:11] + f"{i:04d}0"
    a, b = _both(tr._registry_csv(tmp_path, rows), tmp_path, batch_rows=3)
    assert "20 of 20 16-digit numbers end in 0" in a[1]
    _same(a, b)


def test_header_only_and_missing_columns(tmp_path):
    p = tmp_path / "h.csv"
    p.write_text("NIK;NAMA\n", encoding="utf-8")
    _same(*_both(p, tmp_path, batch_rows=2))
    p.write_text("NIK;NAMA\n1701012001000001;Ani\n1701012001000002;Budi\n1701012001000003;Cici\n", encoding="utf-8")
    a, b = _both(p, tmp_path, batch_rows=2)
    assert "required column is missing" in a[1]
    _same(a, b)


def test_parquet_input(tmp_path):
    df = pd.DataFrame(_rows(11)).astype({"NIK": str, "NO_KK": str, "KODE_DESA": str})
    p = tmp_path / "dtks.parquet"
    df.to_parquet(p, index=False)
    a, b = _both(p, tmp_path, batch_rows=4)
    assert a[1] is None
    _same(a, b)
    df.loc[6, "DESIL"] = 11
    df.to_parquet(p, index=False)
    _same(*_both(p, tmp_path, batch_rows=4))


def test_build_fails_on_excel_damaged_nik_and_writes_nothing(tmp_path):
    rows = _rows(12)
    for r in rows:
        r["NIK"] = r["NIK"][:13] + r["NIK"][14:] + "0"
    raw = tr._registry_csv(tmp_path, rows)
    can = tmp_path / "canonical"
    can.mkdir()
    with pytest.raises(SchemaError, match=r"dtks.csv, column 'NIK' \(nik\): 1[0-9] of 12 16-digit numbers end in 0"):
        canonical._build_registry(can, raw, force=True)
    assert not (can / "registry.parquet").exists()


def test_messages_name_the_users_column_and_the_canonical_one(tmp_path):
    rows = _rows(6)
    rows[1]["DESIL"] = 11
    rows[3]["KODE_DESA"] = "1799999999"
    p = tmp_path / "dtks.csv"
    df = pd.DataFrame(rows)[list(readers.REGISTRY_COLUMNS)].drop(columns="JML_ART")
    df.rename(columns={"DESIL": "Desil "}).to_csv(p, sep=";", index=False)  # the user's spelling
    a, b = _both(p, tmp_path, batch_rows=2)
    _same(a, b)
    msg = b[1]
    assert "dtks.csv, column 'Desil' (decile): values above the maximum 10 [rows 2;" in msg
    assert "dtks.csv, column 'KODE_DESA' (desa_code): codes that are not in the region list of Provinsi Bengkulu [rows 4;" in msg
    assert "dtks.csv, column 'KODE_DESA' (kec_code): codes that are not in the region list of Provinsi Bengkulu [rows 4;" in msg
    assert "dtks.csv, column 'JML_ART' (n_members): required column is missing" in msg


@pytest.mark.parametrize("variant", ["bom_crlf", "tab", "comma_quoted", "blank_lines", "title_line"])
def test_file_variants(tmp_path, variant):
    rows = _rows(9)
    rows[5]["DESIL"] = 14
    p = tr._registry_csv(tmp_path, rows, encoding="utf-8")
    text = p.read_text(encoding="utf-8")
    if variant == "bom_crlf":
        p.write_bytes(b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode())
    elif variant == "tab":
        p.write_text(text.replace(";", "\t"), encoding="utf-8")
    elif variant == "comma_quoted":
        p.write_text(text.replace(";", ",").replace("Siti Aminah", '"Aminah, Siti"'), encoding="utf-8")
    elif variant == "title_line":
        p.write_text("DATA DTKS KABUPATEN\n" + text, encoding="utf-8")
    else:
        lines = text.splitlines()
        p.write_text("\n".join(lines[:4] + [""] + lines[4:]) + "\n\n", encoding="utf-8")
    a, b = _both(p, tmp_path, batch_rows=2)
    assert "values above the maximum 10" in a[1]
    if variant == "title_line":  # rows as lines of the file
        assert "(header on line 2; row numbers as lines of the file), column 'DESIL' (decile)" in a[1]
        assert "[rows 8;" in a[1]
    _same(a, b)
