"""The follow-up plan in the reports of the shared demo run: template per unit, follow-up of the previous year."""

from __future__ import annotations

import re

import openpyxl

from tkpk_lib.data import reference_data
from tkpk_lib.data.readers.action_plan import read_action_plan
from tkpk_lib.data.region import province_code
from tkpk_lib.data.schemas import ACTION_STATUSES
from tkpk_lib.reporting.action_plan_tables import follow_up_table, status_counts_table
from tkpk_lib.reporting.excel_sheets import SYNTHETIC_MARK
from tkpk_lib.reporting.labels import unit_name
from tkpk_lib.reporting.reading import load_section
from tkpk_lib.synthetic._action_plan import NO_PLAN_UNIT


def _kab() -> str:
    return sorted(str(c) for c in reference_data.KAB_CODES)[0]


def test_template_holds_the_units_draft_problems_and_reads_back(shared_run):
    code = _kab()
    path = shared_run["folders"][code] / f"rencana_tindak_lanjut_{code}_2024.xlsx"
    plan = read_action_plan(path)  # the template is a valid (empty) plan: title rows, headers, codes
    pr = load_section(shared_run["cache"], "problems")
    own = pr[pr["kab_code"].astype(str) == code]
    assert len(own) > 0
    assert plan["problem"].tolist() == own["problem"].tolist()
    assert plan["evidence"].tolist() == own["evidence"].tolist()
    assert plan["item"].tolist() == list(range(1, len(own) + 1))
    assert set(plan["unit_code"]) == {code} and set(plan["plan_year"]) == {2024}
    assert plan[["recommendation", "opd", "deadline", "status"]].isna().all().all()
    wb = openpyxl.load_workbook(path)
    ws = wb.active
    assert "DRAF untuk disepakati dalam rapat TKPK" in ws["A2"].value
    assert ws["A4"].value == SYNTHETIC_MARK
    lists = [dv for dv in ws.data_validations.dataValidation if dv.type == "list"]
    assert lists and lists[0].formula1 == '"' + ",".join(ACTION_STATUSES) + '"'
    assert any(dv.type == "date" for dv in ws.data_validations.dataValidation)
    prov = shared_run["folders"][province_code()] / f"rencana_tindak_lanjut_{province_code()}_2024.xlsx"
    assert set(read_action_plan(prov)["unit_code"]) <= {province_code()}  # each unit fills its own


def test_next_report_follows_up_the_previous_plan(shared_run):
    cache, code = shared_run["cache"], _kab()
    t = follow_up_table(cache, code)
    assert set(t["Status"]) <= {*ACTION_STATUSES, "status belum diisi"} and len(t) > 0
    late = t[t["Lewat tenggat"] == "lewat tenggat"]
    assert len(late) > 0 and "selesai" not in set(late["Status"])
    # an Indonesian date in the table; past the report year's end when late
    assert all(re.fullmatch(r"\d{1,2} [A-Z][a-z]+ 2024", d) for d in late["Tenggat"]), late["Tenggat"].tolist()
    html = (shared_run["folders"][code] / "evaluasi_tahunan.html").read_text(encoding="utf-8")
    assert "Tindak lanjut rekomendasi tahun 2023" in html
    assert late["Rekomendasi"].iloc[0] in html
    assert "Tindak lanjut 2023 lewat tenggat" in html  # fed back into this year's DRAF table


def test_province_counts_every_unit_and_names_the_one_without_plan(shared_run):
    c = status_counts_table(shared_run["cache"])
    kabs = sorted(str(k) for k in reference_data.KAB_CODES)
    assert c["Wilayah"].tolist() == [unit_name(u) for u in [province_code(), *kabs]]
    missing = c[c["Berkas rencana"] == "tidak ada berkas"]["Wilayah"].tolist()
    assert missing == [unit_name(kabs[NO_PLAN_UNIT])]
    html = (shared_run["folders"][province_code()] / "evaluasi_tahunan.html").read_text(encoding="utf-8")
    assert "Status tindak lanjut rekomendasi tahun 2023 per wilayah" in html
    assert "tidak ada berkas" in html


def test_a_plan_file_added_or_removed_is_another_cache_entry(shared_run, tmp_path):
    import shutil

    from tkpk_lib.reporting import report as R

    own = tmp_path / "root"
    shutil.copytree(shared_run["root"] / "raw", own / "raw")
    ydir = tmp_path / "y"
    base = R.cache_entry(own, 2024, cache_dir=ydir)
    plan = sorted((own / "raw" / "tindak_lanjut").iterdir())[0]
    kept = plan.read_bytes()
    plan.unlink()  # a file removed
    assert R.cache_entry(own, 2024, cache_dir=ydir) != base  # the follow-up must be recomputed
    without = R.cache_entry(own, 2024, cache_dir=ydir)
    (plan.parent / "plan_baru.xlsx").write_bytes(kept)  # a file added: another entry again
    assert R.cache_entry(own, 2024, cache_dir=ydir) not in (base, without)


def test_cli_template_writes_the_units_asked_for(shared_run, tmp_path, capsys):
    from tkpk_lib import cli

    code = _kab()
    assert cli.main(["template", "tindak-lanjut", "--root", str(shared_run["root"]), "--year", "2024",
                     "--kab", code, "--out", str(tmp_path)]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"rencana_tindak_lanjut_{code}_2024.xlsx"]
    assert f"rencana_tindak_lanjut_{code}_2024.xlsx" in capsys.readouterr().out
    ran = shared_run["folders"][code] / f"rencana_tindak_lanjut_{code}_2024.xlsx"
    cols = ["unit_code", "item", "problem", "evidence"]
    assert read_action_plan(tmp_path / ran.name)[cols].equals(read_action_plan(ran)[cols])
