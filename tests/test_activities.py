"""TKPK activity log (issue 13 section 3): reader, validation messages, mechanism indicators, demo contrasts."""

from __future__ import annotations

import argparse
from datetime import date

import pandas as pd
import pytest

from tkpk_lib.analysis import activities as act
from tkpk_lib.data.readers.activities import read_activities
from tkpk_lib.errors import SchemaError

HEAD = "ID;JENIS;KODE_WILAYAH;TANGGAL;SASARAN;MEDIA;JUMLAH_PESERTA;LAPORAN;TGL_JATUH_TEMPO\n"


def _write(tmp_path, body: str, name: str = "kegiatan_tkpk_2024.csv"):
    p = tmp_path / name
    p.write_text(HEAD + body, encoding="utf-8")
    return p


def test_reader_reads_csv_and_xlsx_the_same(tmp_path):
    body = ("K1;sosialisasi;1701;2024-03-05;Penduduk Miskin;tatap muka;120;;\n"
            "K2;rapat_koordinasi;17;2024-02-01;;;;;\n"
            "K3;laporan;1702;2025-02-14;;;;LP2KD 2024;2025-01-31\n")
    csv = read_activities(_write(tmp_path, body))
    raw = pd.read_csv(tmp_path / "kegiatan_tkpk_2024.csv", sep=";", dtype=str, keep_default_na=False)
    raw.to_excel(tmp_path / "kegiatan_tkpk_2024.xlsx", index=False)
    xlsx = read_activities(tmp_path / "kegiatan_tkpk_2024.xlsx")
    assert csv["unit_code"].tolist() == ["1701", "17", "1702"]
    assert csv["audience"].iloc[0] == "penduduk miskin"  # case folded to the guideline's words
    assert int(csv["reached"].iloc[0]) == 120
    cols = ["activity_id", "kind", "unit_code", "audience", "report"]
    pd.testing.assert_frame_equal(csv[cols].astype(object).fillna(""), xlsx[cols].astype(object).fillna(""))


def test_reader_names_file_column_and_rows(tmp_path):
    body = ("K1;sosialisasi;1701;2024-03-05;warga;rapat;10;;\n"       # audience outside 3.2.3.c
            "K2;laporan;1799;2025-01-10;;;;LP2KD 2024;\n"              # unknown unit, no due date
            "K3;rapat;17;2024-02-30;;;;;\n"                            # unknown kind, impossible date
            "K4;sosialisasi;1703;2024-04-01;pendamping;rapat;;;\n")    # socialisation without reach
    with pytest.raises(SchemaError) as e:
        read_activities(_write(tmp_path, body))
    text = str(e.value)
    assert "kegiatan_tkpk_2024.csv" in text
    assert "column 'SASARAN' (audience)" in text and "[rows 1;" in text
    assert "column 'KODE_WILAYAH' (unit_code): unknown unit code" in text
    assert "column 'TGL_JATUH_TEMPO' (due_date): empty in a 'laporan' row" in text
    assert "column 'JENIS' (kind)" in text and "[rows 3;" in text
    assert "column 'TANGGAL' (date)" in text
    assert "column 'JUMLAH_PESERTA' (reached): empty in a 'sosialisasi' row" in text and "[rows 4;" in text


def test_cli_validate_kegiatan(tmp_path, capsys):
    from tkpk_lib import cli

    good = _write(tmp_path, "K1;rapat_koordinasi;17;2024-02-01;;;;;\n")
    assert cli.cmd_validate(argparse.Namespace(source="kegiatan", files=[str(good)], year=None, level=None,
                                               crs=None, repair=None)) == 0
    assert "kegiatan 1 rows" in capsys.readouterr().out
    bad = _write(tmp_path, "K1;rapat;17;2024-02-01;;;;;\n", "kegiatan_salah_2024.csv")
    assert cli.cmd_validate(argparse.Namespace(source="kegiatan", files=[str(bad)], year=None, level=None,
                                               crs=None, repair=None)) == 1
    assert "kegiatan_salah_2024.csv, column 'JENIS' (kind)" in capsys.readouterr().err


def test_lp2kd_due_dates_follow_section_3_2_6():
    assert act.lp2kd_due("1771", 2024) == date(2025, 1, 31)  # one month for a kabupaten/kota
    assert act.lp2kd_due("17", 2024) == date(2025, 2, 28)    # two months for the province
    assert act.lp2kd_due("17", 2027) == date(2028, 2, 29)    # leap year


def test_reporting_status_and_meeting_counts_by_hand():
    log = pd.DataFrame({
        "kind": ["laporan", "laporan", "laporan", "laporan", "rapat_koordinasi", "rapat_koordinasi",
                 "rapat_koordinasi", "rapat_koordinasi", "monitoring", "sosialisasi", "sosialisasi"],
        "unit_code": ["17", "1701", "1702", "1703", "1701", "1701", "1701", "1702", "1702", "1701", "1702"],
        "report": ["LP2KD 2024", "LP2KD 2024", "LP2KD 2023", "lp2kd", None, None, None, None, None, None, None],
        "date": pd.to_datetime(["2025-03-01", "2025-01-31", "2024-01-20", "2025-01-05", "2024-02-01",
                                "2024-06-01", "2023-12-01", "2024-05-05", "2024-07-07", "2024-03-03",
                                "2024-04-04"]),
        "audience": [None] * 9 + ["penduduk miskin", "pendamping"],
        "medium": [None] * 9 + ["tatap muka", "media daring"],
        "reached": [None] * 9 + [50, 70],
    })
    r = act.reporting_status(log, 2024, codes=["17", "1701", "1702", "1703"]).set_index("unit_code")
    assert r.loc["17", "status"] == "terlambat 1 hari"          # due 28 Feb 2025
    assert r.loc["1701", "status"] == "tepat waktu"             # on the due date
    assert r.loc["1702", "status"] == "belum disampaikan"       # only the 2023 report
    assert r.loc["1703", "status"] == "tepat waktu"             # an LP2KD naming no year counts
    c = act.activity_counts(log, 2024, codes=["1701", "1702", "1703"]).set_index("unit_code")
    assert c.loc["1701", "meetings"] == 2                       # the December 2023 meeting is not 2024
    assert c.loc["1701", "meetings_ok"] == "kurang dari 3 rapat"
    assert c.loc["1702", "monitoring_visits"] == 1
    assert c.loc["1702", "people_reached"] == 70
    assert c.loc["1703", "socialisation_events"] == 0
    s = act.socialisation_reach(log, 2024).set_index("audience")
    assert len(s) == 6 and s["events"].sum() == 2 and s.loc["pendamping", "people_reached"] == 70


def test_demo_log_has_one_late_report_and_one_unit_with_few_meetings(tmp_path):
    from tkpk_lib.synthetic._activities import activity_log

    activity_log(tmp_path, 2024)
    log = read_activities(tmp_path / "raw" / "activities" / "kegiatan_tkpk_2024.csv", year=2024)
    r = act.reporting_status(log, 2024)
    assert (r["status"].str.startswith("terlambat")).sum() == 1
    assert (r["status"] == "tepat waktu").sum() == len(r) - 1
    c = act.activity_counts(log, 2024)
    assert (c["meetings_ok"] != "memenuhi").sum() == 1


def test_reports_show_the_mechanisms(shared_run):
    unit = (shared_run["folders"]["1701"] / "evaluasi_tahunan.html").read_text(encoding="utf-8")
    assert "Mekanisme pelaksanaan" in unit and "LP2KD 2024" in unit
    prov = (shared_run["folders"]["17"] / "evaluasi_tahunan.html").read_text(encoding="utf-8")
    assert "Pelaporan dan koordinasi per wilayah" in prov
    assert "terlambat 19 hari" in prov and "kurang dari 3 rapat" in prov
