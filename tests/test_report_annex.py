"""The LP2KD annex workbook of the shared demo run, read back with openpyxl as a secretariat would use it."""

from __future__ import annotations

import pandas as pd
import pytest
from openpyxl import load_workbook

from tkpk_lib.reporting import excel_sheets
from tkpk_lib.reporting.annex import annex_tables, write_annex_workbook
from tkpk_lib.reporting.excel import write_annex
from tkpk_lib.reporting.labels import PROGRAMME_LABELS, PROVINCE_CODE, unit_name

UNIT = "1701"


def _workbook(shared_run, code=UNIT):
    folder = shared_run["folders"][code]
    return load_workbook(folder / f"lampiran_lp2kd_{code}_2024.xlsx")


def _rows(ws, first):
    return [list(r) for r in ws.iter_rows(min_row=first, values_only=True)]


def _sheet_frame(ws):
    """A data sheet as a DataFrame: headers in row 4, units in row 5, data below (no total row)."""
    heads = [c.value for c in ws[4]]
    rows = [r for r in _rows(ws, 6) if r[0] != "Jumlah" and any(v is not None for v in r)]
    return pd.DataFrame(rows, columns=heads)


@pytest.mark.parametrize("code", [UNIT, PROVINCE_CODE])
def test_every_sheet_numbered_printable_and_filtered(shared_run, code):
    wb = _workbook(shared_run, code)
    data = [ws for ws in wb if ws.title != "Catatan"]
    numbers = [ws["A1"].value.split(" ")[1] for ws in data]
    assert [ws["A1"].value.split(" ")[0] for ws in data] == ["Tabel"] * len(data)
    # the province workbook adds the harmonisation board (issue 13) as L.7; every workbook the RPKD material, L.8
    assert numbers == ["L.1", "L.2", "L.3", "L.4", "L.5", "L.5a", "L.6", *(["L.7"] if code == PROVINCE_CODE else []),
                       "L.8"]
    assert wb.sheetnames[-1] == "Catatan"
    for ws in wb:
        ps = ws.page_setup
        assert (ps.orientation, int(ps.paperSize), int(ps.fitToWidth), int(ps.fitToHeight)) == ("landscape", 9, 1, 0)
        if ws.col_breaks.brk:  # too wide for one page width: in parts, row labels repeated (test_speed_excel)
            assert ps.scale >= 80 and ws.print_title_cols.startswith("$A:"), ws.title
            assert ws.title in ("Indikator", "Program", "Papan harmonisasi"), ws.title
        else:
            assert ws.sheet_properties.pageSetUpPr.fitToPage
        assert ws.oddHeader.left.text == f"{unit_name(code)} 2024"
        assert "&P dari &N" in ws.oddFooter.right.text
        assert ws.page_margins.left == 0.5 and ws.page_margins.top == 0.8
    for ws in data:
        # headers from row 4; a sheet with a row of units has it in row 5 (the board has none)
        assert ws.print_title_rows in ("$4:$5", "$4:$4"), ws.title
        head_last = int(ws.print_title_rows.split(":")[1].lstrip("$"))
        last = max(r for r in range(head_last + 1, ws.max_row + 1) if ws.cell(r, 1).value not in (None, "Jumlah"))
        assert ws.auto_filter.ref.startswith(f"A{head_last}:") and ws.auto_filter.ref.endswith(str(last))


def test_synthetic_mark_on_every_sheet_and_page_only_for_demo(shared_run, tmp_path):
    wb = _workbook(shared_run)
    for ws in wb:
        assert excel_sheets.SYNTHETIC_MARK in (ws["A2"].value, ws["A3"].value), ws.title
        assert ws.oddHeader.right.text == excel_sheets.SYNTHETIC_MARK
    # the same tables from a data root that is not the demo: no mark anywhere
    tables = annex_tables(shared_run["cache"], UNIT, 2024)
    real = tmp_path / "data_asli"
    real.mkdir()
    path = write_annex_workbook(tables, tmp_path / "out", UNIT, 2024, data_root=real)
    for ws in load_workbook(path):
        texts = [c for row in ws.iter_rows(values_only=True) for c in row if isinstance(c, str)]
        assert not any("SINTETIS" in t for t in texts)
        assert ws.oddHeader.right.text is None


def test_indicator_sheet_carries_change_significance_and_target(shared_run):
    ws = _workbook(shared_run)["Indikator"]
    df = _sheet_frame(ws)
    cache = shared_run["cache"]
    change = pd.read_parquet(cache / "change.parquet")
    targets = pd.read_parquet(cache / "targets.parquet")
    p0 = df[df["Indikator"] == "Persentase penduduk miskin (P0)"].iloc[0]
    ref = change[(change["kab_code"] == UNIT) & (change["indicator"] == "p0")].iloc[0]
    assert p0["Perubahan dari tahun pembanding"] == pytest.approx(ref["estimate_b"] - ref["estimate_a"])
    expect = "tidak berbeda nyata" if not ref["significant"] else (
        {"up": "naik", "down": "turun"}[ref["change"]] + " nyata ("
        + {"improved": "membaik", "worsened": "memburuk"}[ref["assessment"]] + ")")
    assert p0["Uji perubahan (5%)"] == expect
    ext = df[df["Indikator"].str.contains("ekstrem", case=False)].iloc[0]
    tref = targets[(targets["kab_code"] == UNIT) & (targets["indicator"] == "p0_extreme")].iloc[0]
    assert ext["Target"] == tref["target"] == 0.0
    assert ext["Tahun target"] == str(int(tref["target_year"]))
    assert ext["Status target"] == tref["status_id"]
    assert ext["Jenis target"] == "resmi"
    # the change column is formatted like its estimate (percent for fractions)
    col = [c.value for c in ws[4]].index("Perubahan dari tahun pembanding") + 1
    assert ws.cell(6, col).number_format == "0.00%"
    # significance was tested for every row that has a change
    has = df["Perubahan dari tahun pembanding"].notna()
    assert has.sum() >= 15 and df.loc[has, "Uji perubahan (5%)"].notna().all()


def test_desa_programme_matrix_round_trips_the_long_list(shared_run):
    wb = _workbook(shared_run)
    long = _sheet_frame(wb["Cakupan desa"])
    wide = _sheet_frame(wb["Cakupan desa x program"])
    assert wb["Cakupan desa x program"]["A1"].value.startswith("Tabel L.5 ")
    assert wide["Kode desa"].is_unique
    assert sorted(wide["Kode desa"]) == sorted(long["Kode desa"].unique())
    progs = [p for p in long["Program"].unique() if p != "any"]
    assert list(wide.columns[2:]) == progs
    assert "BLT Dana Desa" in progs and not set(progs) & set(PROGRAMME_LABELS)  # names, not codes
    checked = suppressed = 0
    for row in long.itertuples(index=False):
        if row[2] == "any":
            continue
        cell = wide.loc[wide["Kode desa"] == row[0], row[2]].iloc[0]
        eligible, covered = (pd.to_numeric(v, errors="coerce") for v in (row[3], row[4]))  # "<5", "x": suppressed
        if not (eligible >= excel_sheets.MIN_REGISTRY_COUNT) or pd.isna(covered):
            assert pd.isna(cell)
            suppressed += 1
        else:
            assert cell == pytest.approx(covered / eligible)
            checked += 1
    assert checked > 0 and suppressed > 0, (checked, suppressed)


def test_matrix_suppresses_small_counts_and_pocket_column_says_what_it_holds(shared_run):
    long = pd.DataFrame({"desa_code": ["01", "01", "02", "02"], "desa": ["A", "A", "B", "B"],
                         "program": ["PKH", "BLT Dana Desa", "PKH", "any"], "sasaran": [4, 5, 0, 9],
                         "menerima": [4, 1, 0, 3]})
    m = excel_sheets.desa_programme_matrix(long)
    assert list(m.columns) == ["desa_code", "desa", "PKH", "BLT Dana Desa"]
    assert pd.isna(m.loc[0, "PKH"]) and m.loc[0, "BLT Dana Desa"] == pytest.approx(0.2)
    assert m[["PKH", "BLT Dana Desa"]].iloc[1].isna().all()
    ws = _workbook(shared_run)["Kantong kemiskinan"]
    heads = [c.value for c in ws[4]]
    assert "Lokus program" not in heads and "Jenis kantong" in heads
    kinds = {ws.cell(r, heads.index("Jenis kantong") + 1).value for r in range(6, ws.max_row + 1)} - {None}
    assert kinds and kinds <= {"keduanya", "tingkat tinggi", "jumlah besar"}


def test_notes_sheet_defines_every_column_measure_and_source(shared_run):
    wb = _workbook(shared_run)
    notes = _rows(wb["Catatan"], 1)
    texts = [v for r in notes for v in r if isinstance(v, str)]
    defined = {(r[0], r[1]) for r in notes if r[0] and r[1] and r[3]}
    for ws in wb:
        if ws.title == "Catatan":
            continue
        for head in (c.value for c in ws[4] if c.value):
            assert (ws.title, head) in defined, (ws.title, head)
    for term, _ in excel_sheets.MEASURES:
        assert term in texts
    assert "Maret 2024; pembanding Maret 2023" in texts and "Agustus 2024" in texts
    assert any(t.startswith("raw/registry/") for t in texts)


def test_write_annex_without_cakupan_adds_no_matrix(tmp_path):
    t = pd.DataFrame({"program": ["PKH"], "kanal": ["hotline"], "jumlah": [3], "selesai": [2]})
    wb = load_workbook(write_annex({"pengaduan": t}, tmp_path / "a.xlsx"))
    assert wb.sheetnames == ["Pengaduan", "Catatan"]
    assert wb["Pengaduan"]["A1"].value == "Tabel L.6 Rekapitulasi pengaduan program"
    assert wb["Pengaduan"]["A3"].value is None


def test_html_annex_uses_the_workbook_numbers_and_shows_the_desa_matrix(shared_run):
    wb = _workbook(shared_run)
    html = (shared_run["folders"][UNIT] / "lampiran_lp2kd.html").read_text(encoding="utf-8")
    for ws in wb:
        if ws.title != "Catatan":
            number = ws["A1"].value.split(" ")[1]
            assert f"Tabel {number} " in html, number
    # the desa x programme table of the HTML has the workbook's programme columns, in order
    start = html.rindex("Tabel L.5 ")  # the table itself, not its line in the contents
    part = html[start:html.index("Tabel L.5a", start)]
    programmes = [c.value for c in wb["Cakupan desa x program"][4]][2:]
    at = [part.find(p) for p in programmes]
    assert all(i > 0 for i in at) and at == sorted(at)
