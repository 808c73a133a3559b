"""Demo own targets (raw/targets/target_rpjmd.xlsx): an office's file, contrasts made on purpose.

Hand values come from the shipped calibration grid of Bengkulu (model P0 in percent):
Kota Bengkulu 18.09 (2019), 17.245 (2020), 16.40 (2021), 13.76 (2024); Seluma 18.72 (2021),
17.23 (2024); Bengkulu Tengah 10.14 (2024); the province (population-weighted) 15.030 (2021) and
13.542 (2024).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from tkpk_lib.data.reference_data import calibration_grid
from tkpk_lib.data.targets_input import read_targets
from tkpk_lib.synthetic import _targets


@pytest.fixture(scope="module")
def grid17() -> pd.DataFrame:
    return calibration_grid().pivot(index=["kab_code", "year"], columns="indicator", values="value")


def _names(grid: pd.DataFrame, province: str, title: str) -> dict[str, str]:
    return {province: title, **{k: f"Unit {k}" for k in grid.index.get_level_values(0).unique()}}


def test_roles_follow_the_model_trend(grid17):
    roles = _targets.target_roles((grid17["p0_persen"] / 100).unstack("year"))
    assert roles["1771"] == "lax"  # steepest model decline: 18.09 (2019) -> 13.76 (2024)
    assert roles["1709"] == "unreachable"  # flattest model trend
    assert roles["1705"] == "ambitious"  # highest model P0 of 2024 among the rest (17.23)
    assert sorted(roles) == sorted(grid17.index.get_level_values(0).unique())
    assert {r for k, r in roles.items() if k not in ("1771", "1709", "1705")} == {"yearly", "interpolated"}


def test_target_values_by_hand(grid17):
    t = _targets.target_rows(grid17, "17", _names(grid17, "17", "Provinsi Bengkulu"))
    p0 = t[t["indikator"] == "p0"].set_index(["kode_wilayah", "tahun"])["nilai"]
    # lax: the highest model P0 of 2019-2021 (18.09) held to 2026, above the 2024 level 13.76
    assert [p0[("1771", y)] for y in range(2022, 2027)] == [0.1809] * 5
    # unreachable: 3 points a year from the 2024 level 10.14, only 2025 and 2026
    assert p0.loc["1709"].to_dict() == {2025: 0.0714, 2026: 0.0414}
    # ambitious: 2024 target 17.23 - 6 = 11.23 on a straight line from 18.72 (2021): -2.4967 a year
    assert p0[("1705", 2024)] == 0.1123 and p0[("1705", 2022)] == 0.1622 and p0[("1705", 2026)] == 0.0624
    # province: 13.542 - 1.8 = 11.742 in 2024 from 15.030 (2021): -1.096 a year, 9.55 in 2026
    assert p0[("17", 2024)] == 0.1174 and p0[("17", 2026)] == 0.0955
    # the kabupaten/kota 2026 targets, weighted by the 2024 population, do not add up to the province's
    pop = grid17["penduduk"].unstack("year")[2024]
    last = t[(t["indikator"] == "p0") & (t["tahun"] == 2026)].set_index("kode_wilayah")["nilai"]
    weighted = float((last.drop("17") * pop).sum() / pop.sum())
    assert weighted == pytest.approx(0.12465, abs=1e-5) and weighted - last["17"] > 0.02
    # interpolated units give 2022 and 2026 with "ya"; TPT: one level for every unit, 1.5 x median 2.6435%
    interp = t[t["interpolasi"] == "ya"]
    assert len(interp) and (interp.groupby("kode_wilayah")["tahun"].apply(list) == pd.Series(
        [[2022, 2026]] * interp["kode_wilayah"].nunique(), index=sorted(interp["kode_wilayah"].unique()))).all()
    tpt = t[(t["indikator"] == "tpt") & (t["tahun"] == 2024)].set_index("kode_wilayah")["nilai"]
    assert set(tpt.drop("17")) == {round(1.5 * 0.026435, 4)}
    assert t["sumber"].str.endswith("2021-2026 (sintetis)").all() and set(t["dokumen"]) == {"RPJMD"}


def test_the_file_is_an_office_file_the_reader_accepts(grid17, tmp_path):
    out = _targets.write_targets(grid17, tmp_path, "17", _names(grid17, "17", "Provinsi Bengkulu"),
                                 "Provinsi Bengkulu")
    path = tmp_path / "raw" / "targets" / "target_rpjmd.xlsx"
    assert out == {"raw/targets/target_rpjmd.xlsx": 76}
    ws = openpyxl.load_workbook(path).active
    assert "DATA SINTETIS" in ws["A1"].value and ws["A3"].value == "indikator"
    assert [c.value for c in ws[3]] == list(_targets.HEADERS)
    assert ws["E4"].number_format == "0.00%" and ws["E4"].value == pytest.approx(0.1393)
    t = read_targets(tmp_path / "raw" / "targets")  # the title row is skipped, Indonesian headers mapped
    assert len(t) == 76 and set(t["status"]) == {"own"}
    assert set(t["kab_code"]) == {"17", *grid17.index.get_level_values(0).unique()}
    # the source names its document once: no "RPJMD: RPJMD ..."
    assert t.loc[t["kab_code"] == "17", "source"].iloc[0] == \
        "RPJMD Provinsi Bengkulu 2021-2026 (sintetis) (target_rpjmd.xlsx)"


def test_demo_of_another_province_gets_its_own_targets(tmp_path):
    from tkpk_lib.data import region as region_mod
    from tkpk_lib.synthetic import _unit_titles
    from tkpk_lib.synthetic._province import demo_province
    from tkpk_lib.synthetic._world import build_world

    prov = demo_province("13", 2024)
    world = build_world(2024, (2024,), geometry=False, province=prov)
    _targets.write_targets(world.grid, tmp_path, "13", _unit_titles(prov), "Provinsi Sumatera Barat")
    region_mod.use_region("13")
    try:
        t = read_targets(tmp_path / "raw" / "targets")  # codes checked against the province-13 region list
    finally:
        region_mod.use_region(None)
    assert set(t["kab_code"]) == {"13", *prov.kab_codes} and len(prov.kab_codes) == 19
    assert t["source"].str.contains("(sintetis)", regex=False).all()
    assert not t["source"].str.contains("Bengkulu").any()
    assert (t.loc[t["kab_code"] == "13", "source"] ==
            "RPJMD Provinsi Sumatera Barat 2021-2026 (sintetis) (target_rpjmd.xlsx)").all()


def test_placeholder_targets_are_still_called_illustrative(tmp_path):
    """Without own targets the package's placeholder P0 path is used and printed as such."""
    from tkpk_lib.analysis.trends import compare_targets
    from tkpk_lib.reporting.tables import target_cell, targets_note

    est = pd.DataFrame({"indicator": "p0", "kab_code": "17", "year": [2023, 2024], "estimate": [0.143, 0.142],
                        "se": 0.007, "ci_low": [0.129, 0.128], "ci_high": [0.157, 0.156]})
    tg = compare_targets(est, None)  # no user table: tkpk_lib/reference/targets.csv
    r = tg.iloc[0]
    assert r["target_status"] == "illustrative" and r["target"] == pytest.approx(0.129)
    assert target_cell(r) == "12,90 (2024, target ilustratif)"
    cache = tmp_path / "cache"
    cache.mkdir()
    tg.to_parquet(cache / "targets.parquet")
    (cache / "sections.json").write_text(json.dumps({"sections": {"targets": {"status": "ok"}}}), encoding="utf-8")
    note = targets_note(cache, "17")
    assert "target ilustratif: angka contoh dari tabel bawaan tkpk_lib, bukan target RPJMD" in note
    assert "letakkan target RPJMD/RPKD/RKPD sendiri di `raw/targets/`" in note


def test_shared_run_reads_the_demo_targets(shared_run):
    from tkpk_lib.reporting import tables
    from tkpk_lib.reporting.reading import load_section

    assert (Path(shared_run["root"]) / "raw" / "targets" / "target_rpjmd.xlsx").is_file()
    tg = load_section(shared_run["cache"], "targets").set_index(["indicator", "kab_code"])
    prov = tg.loc[("p0", "17")]
    # the province's 2024 RPJMD target 11.74% lies below its whole interval: off track on purpose
    assert prov["target"] == pytest.approx(0.1174) and prov["target_status"] == "own"
    assert prov["ci_low"] > prov["target"] and prov["status_id"] == "belum sesuai target"
    assert prov["target_source"] == "RPJMD Provinsi Bengkulu 2021-2026 (sintetis) (target_rpjmd.xlsx)"
    kota = tg.loc[("tpt", "1771")]  # Kota Bengkulu's TPT above the common level 3.97%
    assert kota["target"] == pytest.approx(0.0397) and kota["ci_low"] > kota["target"]
    assert kota["status_id"] == "belum sesuai target"
    note = tables.targets_note(shared_run["cache"], "17")
    assert "target sendiri: RPJMD Provinsi Bengkulu 2021-2026 (sintetis)" in note
    assert "ilustratif" not in note
    sheet = tables.indicator_sheet(shared_run["cache"], "17", 2024).set_index("Indikator")
    assert sheet.loc["Persentase penduduk miskin (P0)", "Target"] == "11,74 (2024)"
    assert sheet.loc["Persentase penduduk miskin (P0)", "Status"] == "belum sesuai target"


def test_shared_run_plans_table_and_its_sentence_agree(shared_run):
    from tkpk_lib.analysis.harmonisation import board_table
    from tkpk_lib.reporting import board_tables
    from tkpk_lib.reporting.formatting import fmt_percent
    from tkpk_lib.reporting.reading import load_section

    u = board_table(load_section(shared_run["cache"], "harmonisation"), "plans")
    assert u["kab_code"].tolist()[-1] == "17" and len(u) == 11  # every kabupaten/kota, then the province
    assert u["target"].notna().all() and (u["target_year"] == 2026).all()
    for _, r in u.iterrows():  # a verdict only where the projection's interval decides
        half = r["projection_high"] - r["projection"]
        assert half > 0 and r["projection"] - r["projection_low"] == pytest.approx(half)
        expected = ("kurang ambisius dari tren" if r["target"] > r["projection_high"] else
                    "tidak terjangkau pada laju terbaik" if r["target"] < r["projection_low"] else
                    "belum dapat disimpulkan")
        assert r["verdict"] == expected, r.to_dict()
    # two Susenas years in this demo: a kabupaten's two-point trend is too uncertain to judge any target
    assert (u.loc[u["kab_code"] != "17", "verdict"] == "belum dapat disimpulkan").all()
    table = board_tables.plans_table(shared_run["cache"])
    assert table.columns[3] == "Target P0 2026 (%)" and table["Wilayah"].iloc[-1] == "Provinsi Bengkulu"
    text = board_tables.plans_summary_markdown(shared_run["cache"])
    kab = u[u["kab_code"] != "17"]
    weighted = float((kab["population"] * kab["target"]).sum() / kab["population"].sum())
    assert f"rata-rata tertimbang penduduk dari target mereka {fmt_percent(weighted)}%" in text
    assert "Target P0 provinsi tahun 2026: 9,55%" in text
    gap = 100 * (weighted - 0.0955)
    assert f"{gap:.2f}".replace(".", ",") + " poin di atas target provinsi" in text
    assert np.isclose(weighted, 0.12465, atol=5e-4)  # 2024 survey population weights, near the model's


def test_a_missed_target_is_named_by_where_it_came_from():
    """The Inpres extreme-poverty target is official, not the unit's own: the draft problem says so."""
    from tkpk_lib.analysis.harmonisation import unit_board
    from tkpk_lib.analysis.problems import draft_problems

    ind = pd.DataFrame({"year": 2024, "indicator": ["p0", "p0_extreme", "p0", "p0_extreme"],
                        "kab_code": ["1701", "1701", "17", "17"], "estimate": [0.18, 0.042, 0.142, 0.019],
                        "se": [0.026, 0.013, 0.007, 0.003], "ci_low": [0.128, 0.020, 0.129, 0.015],
                        "ci_high": [0.234, 0.077, 0.155, 0.025], "n_weighted": [174.0, 174.0, 2104.0, 2104.0]})
    targets = pd.DataFrame({"indicator": ["p0", "p0_extreme"], "kab_code": "1701", "target_year": 2024,
                            "target": [0.11, 0.0], "status_id": ["belum sesuai target", "tidak tercapai"],
                            "target_status": ["own", "official"]})
    m = unit_board(ind, 2024, targets=targets, indicator_codes=["p0", "p0_extreme"], codes=["1701"],
                   directions={"p0": "lower_better", "p0_extreme": "lower_better"})
    assert m.set_index("indicator")["target_kind"].to_dict() == {"p0": "own", "p0_extreme": "official"}
    p = draft_problems({"harmonisation": m.assign(table="matrix")}, {"p0": "P0", "p0_extreme": "P0 ekstrem"})
    got = p[p["kind"] == "target"].set_index("problem")["evidence"].to_dict()
    assert got == {"P0 belum sesuai target (target sendiri)": "18,00 terhadap target 11,00 (2024)",
                   "P0 ekstrem tidak tercapai (target resmi)": "4,20 terhadap target 0,00 (2024)"}


def test_the_provinces_own_missed_target_is_a_draft_problem_of_the_province():
    """The board matrix has kabupaten/kota rows only: the province's own target comes from the targets section."""
    from tkpk_lib.analysis.problems import draft_problems
    from tkpk_lib.data.region import province_code

    prov = province_code()
    targets = pd.DataFrame({"indicator": ["p0", "p0_extreme", "tpt", "p0"], "kab_code": [prov, prov, prov, "1701"],
                            "year": 2024, "estimate": [0.142086, 0.019409, 0.031027, 0.2],
                            "target_year": 2024, "target": [0.1174, 0.0, 0.0384, 0.1],
                            "status_id": ["belum sesuai target", "tidak tercapai", "tercapai", "tidak tercapai"],
                            "target_status": ["own", "official", "own", "own"]})
    p = draft_problems({"targets": targets}, {"p0": "P0", "p0_extreme": "P0 ekstrem"})
    assert p[["kab_code", "problem", "evidence"]].values.tolist() == [
        [prov, "P0 belum sesuai target (target sendiri)", "14,21 terhadap target 11,74 (2024)"],
        [prov, "P0 ekstrem tidak tercapai (target resmi)", "1,94 terhadap target 0,00 (2024)"],
    ]  # the kabupaten row of the targets section is the board's to report, the achieved TPT is no problem
