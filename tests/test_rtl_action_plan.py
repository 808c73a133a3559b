"""Rencana tindak lanjut (issue 13 section 4): the filled plan read back, followed up, fed to the draft problems."""

from __future__ import annotations

import argparse
from datetime import date

import pandas as pd
import pytest

from tkpk_lib.analysis.action_plan import follow_up
from tkpk_lib.analysis.problems import draft_problems
from tkpk_lib.data import reference_data
from tkpk_lib.data.readers.action_plan import load_action_plans, read_action_plan
from tkpk_lib.data.region import province_code
from tkpk_lib.errors import SchemaError

HEAD = "kode_wilayah;tahun;no;permasalahan;rekomendasi;opd_penanggung_jawab;tenggat;status;keterangan\n"


def _kabs() -> list[str]:
    return sorted(str(c) for c in reference_data.KAB_CODES)


def _plan(**cols) -> pd.DataFrame:
    base = {"plan_year": 2023, "problem": "p", "file": "f.xlsx"}
    return pd.DataFrame({**base, **cols})


def test_follow_up_marks_overdue_and_counts_by_hand():
    k1, k2 = _kabs()[:2]
    plan = _plan(
        unit_code=[k1] * 5 + [province_code()],
        item=[1, 2, 3, 4, 5, 1],
        recommendation=["r1", "r2", "r3", "r4", None, "r6"],
        opd=["Dinas Sosial", "Bappeda", "Dinas PUPR", "BPKAD", None, "Bappeda Provinsi"],
        deadline=pd.to_datetime(["2024-06-30", "2024-09-30", "2024-12-31", "2024-03-31", None, "2025-02-28"]),
        status=["selesai", "dalam proses", "belum dilaksanakan", None, None, "dalam proses"],
    )
    t = follow_up(plan, 2024, codes=[province_code(), k1, k2])
    items = t[t["table"] == "items"].set_index("item")
    mine = items[items["kab_code"] == k1]
    # done past its deadline: not overdue; in progress past it: overdue; deadline ON 31 December: not yet;
    # no status and past: overdue; the row without recommendation (not adopted) is not followed up
    assert mine["overdue"].astype(bool).to_dict() == {1: False, 2: True, 3: False, 4: True}
    assert mine.loc[4, "status"] == "status belum diisi"
    counts = t[t["table"] == "counts"].set_index("kab_code")
    got = {u: [int(counts.loc[u, c]) for c in ("has_plan", "items", "selesai", "dalam_proses",
                                                 "belum_dilaksanakan", "belum_diisi", "n_overdue")]
           for u in counts.index}
    assert got == {province_code(): [1, 1, 0, 1, 0, 0, 0], k1: [1, 4, 1, 1, 1, 1, 2], k2: [0, 0, 0, 0, 0, 0, 0]}


def test_overdue_recommendations_become_draft_problems():
    k1 = _kabs()[0]
    plan = _plan(unit_code=[k1, k1], item=[1, 2], problem=["Rapat koordinasi kurang", "P0 tinggi"],
                 recommendation=["Rapat triwulanan", "Perluas PKH"], opd=["Bappeda", "Dinas Sosial"],
                 deadline=pd.to_datetime(["2024-06-30", "2024-06-30"]), status=["dalam proses", "selesai"])
    pr = draft_problems({"action_plan": follow_up(plan, 2024, codes=[province_code(), k1])})
    assert pr[["kab_code", "kind", "problem"]].values.tolist() == [
        [k1, "tindak lanjut", "Tindak lanjut 2023 lewat tenggat: Rapat koordinasi kurang"]]
    assert pr["evidence"].iloc[0] == ('rekomendasi "Rapat triwulanan" (OPD Bappeda, tenggat 30 Juni 2024, '
                                      "status dalam proses)")
    assert draft_problems({}).empty  # no plan: nothing added


def test_reader_title_rows_dates_and_status_case(tmp_path):
    k1 = _kabs()[0]
    p = tmp_path / f"rencana_tindak_lanjut_{k1}_2023.csv"
    p.write_text("RENCANA TINDAK LANJUT\nhasil rapat TKPK\n" + HEAD
                 + f"{k1};2023;1;a;r1;Dinas Sosial;30/06/2024;Dalam  Proses;\n"
                 + f"{k1};2023;2;b;r2;Bappeda;2024-09-30;SELESAI;sudah\n"
                 + f"{k1};2023;3;c;;;;;\n", encoding="utf-8")
    t = read_action_plan(p)
    assert t["deadline"].dt.strftime("%Y-%m-%d").fillna("").tolist() == ["2024-06-30", "2024-09-30", ""]
    assert t["status"].fillna("").tolist() == ["dalam proses", "selesai", ""]
    assert t["file"].unique().tolist() == [p.name]


def test_reader_names_file_column_and_rows(tmp_path):
    k1 = _kabs()[0]
    p = tmp_path / "rtl.csv"
    p.write_text(HEAD
                 + f"{k1};2023;1;a;r1;Dinas Sosial;2024-06-31;selesai;\n"     # not a date
                 + f"{province_code()}99;2023;2;b;r2;Bappeda;2024-06-30;sudah;\n"  # unknown unit, status
                 + f"{k1};2023;3;c;r3;;2024-06-30;selesai;\n"                # recommendation without OPD
                 + f"{k1};2023;4;d;;;;dalam proses;\n"                        # status without recommendation
                 + f"{k1};2023;1;e;r5;BPKAD;;;\n", encoding="utf-8")         # no deadline, item repeated
    with pytest.raises(SchemaError) as e:
        read_action_plan(p)
    lines = str(e.value).splitlines()

    def has(column: str, words: str, rows: str) -> bool:
        return any(f"rtl.csv, column '{column}" in ln and words in ln and f"[rows {rows};" in ln for ln in lines)

    assert has("tenggat' (deadline)", "not a date", "1")
    assert has("kode_wilayah' (unit_code)", "unknown unit code", "2")
    assert has("status'", "outside the allowed list", "2")
    assert has("opd_penanggung_jawab' (opd)", "recommendation without responsible OPD", "3")
    assert has("status'", "status given for a row without recommendation", "4")
    assert has("tenggat' (deadline)", "recommendation without deadline", "5")
    assert any("duplicate keys" in ln and "[rows 1, 5;" in ln for ln in lines)


def test_load_keeps_the_plan_year_and_refuses_an_item_in_two_files(tmp_path):
    k1 = _kabs()[0]
    folder = tmp_path / "raw" / "tindak_lanjut"
    folder.mkdir(parents=True)
    (folder / "a.csv").write_text(HEAD + f"{k1};2023;1;a;r1;Dinas Sosial;2024-06-30;selesai;\n"
                                  + f"{k1};2022;1;a;r0;Dinas Sosial;2023-06-30;selesai;\n", encoding="utf-8")
    assert load_action_plans(tmp_path, 2023)["recommendation"].tolist() == ["r1"]
    assert load_action_plans(tmp_path, 2021) is None
    (folder / "b.csv").write_text(HEAD + f"{k1};2023;1;x;r9;Bappeda;2024-06-30;selesai;\n", encoding="utf-8")
    with pytest.raises(SchemaError, match="a.csv, b.csv"):
        load_action_plans(tmp_path, 2023)


def test_cli_validate_tindak_lanjut(tmp_path, capsys):
    from tkpk_lib import cli

    k1 = _kabs()[0]
    good, bad = tmp_path / "good.csv", tmp_path / "bad.csv"
    good.write_text(HEAD + f"{k1};2023;1;a;r1;Dinas Sosial;2024-06-30;selesai;\n", encoding="utf-8")
    bad.write_text(HEAD + f"{k1};2023;1;a;r1;;2024-06-30;tuntas;\n", encoding="utf-8")
    ns = {"year": None, "level": None, "crs": None, "repair": None, "province": None}
    assert cli.cmd_validate(argparse.Namespace(source="tindak-lanjut", files=[str(good)], **ns)) == 0
    assert cli.cmd_validate(argparse.Namespace(source="tindak-lanjut", files=[str(bad)], **ns)) == 1
    err = capsys.readouterr().err
    assert "column 'opd_penanggung_jawab' (opd): recommendation without responsible OPD" in err
    assert "column 'status': values outside the allowed list" in err


def test_other_columns_are_dropped_with_a_warning(tmp_path):
    k1 = _kabs()[0]
    p = tmp_path / "rtl.csv"
    p.write_text(HEAD.rstrip("\n") + ";nama_pic\n" + f"{k1};2023;1;a;r1;Dinas Sosial;2024-06-30;selesai;;Siti\n",
                 encoding="utf-8")
    t = read_action_plan(p)
    assert "nama_pic" not in t.columns and "Siti" not in t.astype(str).to_numpy().ravel().tolist()
    assert t.attrs["warnings"] == ["rtl.csv: columns not read (not part of the plan; personal data such as names "
                                   "is not kept): nama_pic"]


def test_demo_plans_mix_statuses_and_leave_one_unit_out(tmp_path):
    from tkpk_lib.synthetic._action_plan import NO_PLAN_UNIT, action_plans

    kabs = _kabs()
    files = action_plans(tmp_path, 2023, province=province_code(), kab_codes=kabs)
    assert len(files) == len(kabs)  # the province and every kabupaten/kota but one
    plan = load_action_plans(tmp_path, 2023)
    t = follow_up(plan, 2024, reference=date(2024, 12, 31))
    counts = t[t["table"] == "counts"].set_index("kab_code")
    assert counts.index[~counts["has_plan"].astype(bool)].tolist() == [kabs[NO_PLAN_UNIT]]
    items = t[t["table"] == "items"]
    assert set(items["status"]) == {"selesai", "dalam proses", "belum dilaksanakan"}
    late = items[items["overdue"].astype(bool)]
    assert set(late["status"]) == {"dalam proses", "belum dilaksanakan"}  # both kinds of not done past deadline
    assert (items.loc[items["status"] == "dalam proses", "overdue"].astype(bool) == False).any()  # noqa: E712
    assert len(plan) > len(items)  # a draft problem per unit that the meeting did not adopt


def test_a_bad_plan_file_fails_only_its_section_naming_the_file():
    from tkpk_lib.errors import Problem
    from tkpk_lib.reporting.section_data import action_plan_section
    from tkpk_lib.reporting.sections import _Sections

    s = _Sections()
    bad = SchemaError([Problem("rencana_tindak_lanjut_x_2023.xlsx", "status", "values outside the allowed list", [2])])
    s.run(["action_plan"], "analysis.action_plan", lambda ap: action_plan_section(ap, None, 2024, bad))
    assert s.status["action_plan"]["status"] == "error"
    assert s.status["action_plan"]["note"].startswith("rencana_tindak_lanjut_x_2023.xlsx, kolom status")
    s.run(["problems"], "analysis.problems", lambda pr: {"problems": pr.draft_problems(s.frames)})
    assert s.status["problems"]["status"] == "ok"  # the draft is still made, without the follow-up rows
