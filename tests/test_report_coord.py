"""Issue 13 in the shared demo run: the harmonisation board in the province report and its annex sheet."""

from __future__ import annotations

import math

import openpyxl
import pytest

from tkpk_lib.analysis.harmonisation import board_table
from tkpk_lib.data.reference_data import regions
from tkpk_lib.reporting.labels import PROVINCE_CODE, unit_name
from tkpk_lib.reporting.reading import load_section


def _units() -> list[str]:
    return sorted(regions("kabupaten")["code"].astype(str))


def test_board_section_recomputes_the_province_difference_from_the_indicators(shared_run):
    cache = shared_run["cache"]
    board = load_section(cache, "harmonisation")
    m = board_table(board, "matrix")
    assert sorted(set(m["kab_code"])) == _units()  # every kabupaten/kota, with data or not
    ind = load_section(cache, "indicators")
    cur = ind[(ind["year"] == 2024) & (ind["indicator"] == "p0")].set_index("kab_code")
    u, p = cur.loc["1701"], cur.loc[PROVINCE_CODE]
    w = u["n_weighted"] / p["n_weighted"]
    se = math.sqrt(u["se"] ** 2 + p["se"] ** 2 - 2 * w * u["se"] ** 2)
    row = m[(m["kab_code"] == "1701") & (m["indicator"] == "p0")].iloc[0]
    assert row["diff_province"] == pytest.approx(u["estimate"] - p["estimate"])
    assert row["diff_se"] == pytest.approx(se)
    expected = ("belum dapat disimpulkan" if abs(row["diff_province"]) <= 1.959963984540054 * se
                else "lebih buruk dari provinsi" if row["diff_province"] > 0 else "lebih baik dari provinsi")
    assert row["vs_province"] == expected
    money = board_table(board, "money").set_index("kab_code")
    budget = load_section(cache, "budget")
    total = budget[(budget["table"] == "total") & (budget["kab_code"] == "1701")]["budget"].sum()
    poor = ind[(ind["year"] == 2024) & (ind["indicator"] == "poor_count") & (ind["kab_code"] == "1701")]
    assert money.loc["1701", "per_poor"] == pytest.approx(total / float(poor["estimate"].iloc[0]))
    assert sorted(set(board_table(board, "completeness")["kab_code"])) == _units()


def test_province_report_shows_the_board_and_unit_reports_do_not(shared_run):
    html = (shared_run["folders"][PROVINCE_CODE] / "evaluasi_tahunan.html").read_text(encoding="utf-8")
    assert "Papan harmonisasi kabupaten/kota" in html
    assert "Anggaran dibanding kebutuhan" in html
    for code in _units():
        assert unit_name(code) in html
    unit_html = (shared_run["folders"]["1701"] / "evaluasi_tahunan.html").read_text(encoding="utf-8")
    assert "Papan harmonisasi" not in unit_html


def test_province_workbook_has_the_board_sheet_with_every_unit(shared_run):
    xlsx = sorted(shared_run["folders"][PROVINCE_CODE].glob("*.xlsx"))
    assert xlsx
    wb = openpyxl.load_workbook(xlsx[0], read_only=True)
    assert "Papan harmonisasi" in wb.sheetnames
    values = [c for row in wb["Papan harmonisasi"].iter_rows(values_only=True) for c in row if c is not None]
    for code in _units():
        assert code in values
    assert "belum dapat disimpulkan" in values or "lebih buruk dari provinsi" in values
    unit_xlsx = sorted(shared_run["folders"]["1701"].glob("*.xlsx"))
    assert "Papan harmonisasi" not in openpyxl.load_workbook(unit_xlsx[0], read_only=True).sheetnames


def test_draft_problem_table_names_the_late_report(shared_run):
    from tkpk_lib.reporting.mechanism_tables import problems_table

    t = problems_table(shared_run["cache"], PROVINCE_CODE)
    late = t[t["Permasalahan (draf)"] == "LP2KD tidak tepat waktu"]
    assert late["Wilayah"].tolist() == [unit_name("1702")]
    assert late["Bukti"].iloc[0].startswith("terlambat 19 hari")
    assert (t["Rekomendasi"] == "(diisi sekretariat)").all()
    html = (shared_run["folders"][PROVINCE_CODE] / "evaluasi_tahunan.html").read_text(encoding="utf-8")
    assert "DRAF permasalahan dan rencana tindak lanjut" in html
