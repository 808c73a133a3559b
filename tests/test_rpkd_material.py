"""RPKD material (issue 13 section 4) on small frames: every figure checked by hand."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from tkpk_lib.analysis import rpkd
from tkpk_lib.reporting.labels import PROVINCE_CODE, unit_name

P = PROVINCE_CODE


def _indicators() -> pd.DataFrame:
    # unit 1701 is a quarter of the province (n_weighted 250 of 1000)
    return pd.DataFrame({
        "year": 2024, "indicator": ["p0", "p0", "poor_count", "poor_count", "tpt", "tpt"],
        "kab_code": ["1701", P, "1701", P, "1701", P],
        "estimate": [0.20, 0.14, 5000.0, 14000.0, 0.031, 0.030],
        "se": [0.02, 0.01, 600.0, 900.0, 0.004, 0.002],
        "ci_low": [0.16, 0.12, 3824.0, 12236.0, 0.023, 0.026],
        "ci_high": [0.24, 0.16, 6176.0, 15764.0, 0.039, 0.034],
        "n_weighted": [250.0, 1000.0, 250.0, 1000.0, 250.0, 1000.0], "n": 400, "reliability": "reliable",
    })


def test_profile_tests_the_difference_with_the_part_whole_variance_and_carries_the_change_interval():
    ch = pd.DataFrame({"indicator": ["p0", "tpt"], "kab_code": "1701", "year_a": 2023,
                       "difference": [-0.03, 0.001], "ci_low": [-0.08, -0.01], "ci_high": [0.02, 0.012],
                       "assessment_id": ["tidak berbeda nyata", "tidak berbeda nyata"]})
    tg = pd.DataFrame({"indicator": ["p0"], "kab_code": ["1701"], "target_year": [2026], "target": [0.15],
                       "status_id": ["belum sesuai target"]})
    p = rpkd.poverty_profile({"indicators": _indicators(), "change": ch, "targets": tg}, "1701", 2024,
                             ["p0", "poor_count", "tpt"]).set_index("indicator")
    # var(d) = 0.02^2 + 0.01^2 - 2 * 0.25 * 0.02^2 = 0.0003; d = 0.06 > 1.96 * 0.01732
    assert p.loc["p0", "diff_se"] == pytest.approx(math.sqrt(0.0003))
    assert p.loc["p0", "vs_province"] == "lebih buruk dari provinsi"
    # tpt: d = 0.001, var = 0.004^2 + 0.002^2 - 2 * 0.25 * 0.004^2 = 1.2e-5, se 0.00346: undecided
    assert p.loc["tpt", "diff_se"] == pytest.approx(math.sqrt(1.2e-5))
    assert p.loc["tpt", "vs_province"] == "belum dapat disimpulkan"
    assert p.loc["poor_count", "vs_province"].startswith("tidak dibandingkan")  # a count is not a mean
    assert (p.loc["p0", "change"], p.loc["p0", "change_ci_low"], p.loc["p0", "change_ci_high"]) == (-0.03, -0.08, 0.02)
    assert (p.loc["p0", "target"], p.loc["p0", "target_status"]) == (0.15, "belum sesuai target")
    assert p.loc["tpt", "target_status"] == "tidak ada target"
    prov = rpkd.poverty_profile({"indicators": _indicators()}, P, 2024, ["p0"])
    assert prov["vs_province"].tolist() == ["angka provinsi"] and prov["diff_se"].isna().all()


def test_profile_keeps_a_row_blanked_by_the_small_cell_rule():
    ind = _indicators()
    ind.loc[(ind["kab_code"] == "1701") & (ind["indicator"] == "tpt"), ["estimate", "se", "ci_low", "ci_high"]] = None
    p = rpkd.poverty_profile({"indicators": ind}, "1701", 2024, ["p0", "tpt", "gini"])
    assert p["indicator"].tolist() == ["p0", "tpt"]  # gini is absent from the data, tpt is only suppressed
    assert math.isnan(p.set_index("indicator").loc["tpt", "estimate"])


def test_problems_ranked_missed_targets_then_gaps_by_test_statistic():
    pr = pd.DataFrame({
        "kab_code": ["1702", "1701", "1701", "1702", "1701", P],
        "kind": ["koordinasi", "kesenjangan", "target", "kesenjangan", "kantong tanpa program", "kantong lintas batas"],
        "problem": ["Rapat", "TPT lebih buruk dari provinsi", "P0 tidak tercapai", "P0 lebih buruk dari provinsi",
                    "Desa kantong", "Lintas batas"],
        "evidence": "", "source": ""})
    m = pd.DataFrame({"kab_code": ["1701", "1702"], "indicator": ["tpt", "p0"], "diff_province": [0.02, -0.09],
                      "diff_se": [0.008, 0.03]})  # z = 2.5 and 3.0
    names = {"tpt": "TPT", "p0": "P0"}
    prov = rpkd.rank_problems(pr, P, m, names)
    assert prov["problem"].tolist() == ["P0 tidak tercapai", "P0 lebih buruk dari provinsi",
                                        "TPT lebih buruk dari provinsi", "Desa kantong", "Lintas batas", "Rapat"]
    assert prov["rank"].tolist() == [1, 2, 3, 4, 5, 6]
    assert prov["z"].iloc[1:3].tolist() == pytest.approx([3.0, 2.5])
    unit = rpkd.rank_problems(pr, "1701", m, names)
    assert unit["kab_code"].unique().tolist() == ["1701"] and len(unit) == 3
    # a cross-border pocket (a province row) is also material of the units it names
    cb = pr.assign(evidence=["", "", "", "", "", f"26 desa: {unit_name('1701')} (18), {unit_name('1705')} (8)"])
    assert rpkd.rank_problems(cb, "1701", m, names)["problem"].tolist()[-1] == "Lintas batas"
    assert "Lintas batas" not in rpkd.rank_problems(cb, "1702", m, names)["problem"].tolist()
    assert rpkd.rank_problems(None, "1701").empty


def test_strategy_budget_shares_and_the_programme_that_reached_least():
    b = pd.DataFrame({
        "kab_code": ["1701"] * 5 + ["1702"],
        "table": ["by_strategy", "by_strategy", "by_programme", "by_programme", "by_programme", "by_strategy"],
        "strategy": [1.0, 3.0, 1.0, 3.0, 3.0, 2.0], "strategy_label": ["a", "c", None, None, None, "b"],
        "budget": [250.0, 750.0, 250.0, 500.0, 250.0, 9.0], "budget_share": [0.25, 0.75, None, None, None, 1.0],
        "realisation_rate": [0.8, 0.9, None, None, None, 1.0], "n_programmes": [1.0, 2.0, None, None, None, 1.0],
        "programme": [None, None, "BSPS", "Jalan desa", "Air bersih", None],
        "reach_rate": [None, None, 0.9, 0.6, 0.75, None]})
    s = rpkd.strategy_budget(b, "1701").set_index("strategy")
    assert s["budget"].tolist() == [250.0, 0.0, 750.0]  # strategy 2 has no programme: 0, not missing
    assert s.loc[3, "lowest_programme"] == "Jalan desa" and s.loc[3, "lowest_reach"] == 0.6
    assert pd.isna(s.loc[2, "lowest_programme"])
    assert rpkd.strategy_budget(b, "1704").empty  # no programme map for the unit


def test_coverage_is_low_only_when_the_whole_interval_is_below_half():
    t = pd.DataFrame({"kab_code": "1701", "programme": ["pkh", "pip", "bpnt", "kur"], "indicator": "coverage",
                      "estimate": [0.40, 0.45, 0.55, 0.02], "se": 0.03, "ci_low": [0.30, 0.40, 0.50, 0.0],
                      "ci_high": [0.49, 0.50, 0.60, 0.05], "reliability": "reliable", "target_group": "x"})
    pr = rpkd.programme_priority(t, "1701")
    assert pr["programme"].tolist() == ["pkh", "pip", "bpnt", "kur"]  # strategy 1 by rising coverage, then 2
    assert pr["verdict"].tolist() == ["rendah", "belum dapat disimpulkan", "tidak rendah", "rendah"]


def test_rank_intervals_by_hand():
    # A certainly above C and D; B overlaps A and C; D overlaps nobody below it
    r = rpkd.rank_intervals([0.40, 0.30, 0.25, 0.05], [0.35, 0.20, 0.18, 0.01], [0.45, 0.38, 0.30, 0.09])
    assert r["rank"].tolist() == [1, 2, 3, 4]
    assert r["rank_best"].tolist() == [1, 1, 2, 4]
    assert r["rank_worst"].tolist() == [2, 3, 3, 4]


def test_priority_kecamatan_verdicts_and_province_ranks():
    k = pd.DataFrame({"kab_code": ["1701", "1701", "1701", "1702", "1702"],
                      "kec_code": ["170101", "170102", "170103", "170201", "170202"],
                      "estimate": [0.40, 0.30, 0.05, 0.50, 0.10], "se": 0.02,
                      "ci_low": [0.35, 0.20, 0.01, 0.46, 0.08], "ci_high": [0.45, 0.38, 0.09, 0.54, 0.12],
                      "reliability": "reliable", "n_poor": 100.0})
    pk = pd.DataFrame({"level": "kecamatan", "code": k["kec_code"], "name": list("ABCDE"),
                       "is_pocket": [True, True, False, True, False], "pocket_type": "x",
                       "top_rate": [True, False, False, True, False]})
    unit = rpkd.priority_kecamatan(k, pk, "1701")
    assert unit["name"].tolist() == ["A", "B", "C"]
    assert unit["verdict"].tolist() == ["belum dapat disimpulkan", "belum dapat disimpulkan", "di luar 1 tertinggi"]
    prov = rpkd.priority_kecamatan(k, pk, P)
    # only pocket kecamatan, ranked among all five: D 1, A 2, B 3; two top-rate kecamatan in the province
    assert prov["name"].tolist() == ["D", "A", "B"]
    assert prov["rank"].tolist() == [1, 2, 3]
    assert list(zip(prov["rank_best"], prov["rank_worst"], strict=True)) == [(1, 1), (2, 3), (2, 3)]
    assert prov["verdict"].tolist() == ["termasuk 2 tertinggi", "belum dapat disimpulkan", "belum dapat disimpulkan"]


def test_priority_desa_ranks_pockets_by_score_with_strategy_three():
    pk = pd.DataFrame({
        "level": ["kecamatan", "desa", "desa", "desa", "desa", "desa"],
        "code": ["170101", "1701012001", "1701012002", "1701012003", "1701012004", "1704012001"],
        "name": ["Kec A", "D1", "D2", "D3", "D4", "K1"],
        "kab_code": ["1701"] * 5 + ["1704"], "kec_code": ["170101"] * 5 + ["170401"],
        "score": [None, 40.0, 55.0, 55.0, 70.0, 80.0], "rate": 0.5, "rate_measure": "desil",
        "pocket_type": "keduanya", "is_pocket": [True, True, True, True, False, True]})
    sy = pd.DataFrame({"table": "pockets", "desa_code": ["1701012001", "1701012002", "1701012003", "1704012001"],
                       "strategies": ["1, 3", "2", "", ""], "n_programmes": [2.0, 1.0, 0.0, 0.0],
                       "finding": ["", "hanya satu strategi", "tanpa program", "peta program tidak tersedia"]})
    d = rpkd.priority_desa(pk, sy, "1701")
    assert d["desa"].tolist() == ["D2", "D3", "D1"]  # D4 is not a pocket; D2 and D3 tie
    assert d["rank"].tolist() == [1, 1, 3]
    assert d["strategy3"].tolist() == ["tidak ada", "tidak ada", "ada"]
    assert d["kecamatan"].unique().tolist() == ["Kec A"]
    prov = rpkd.priority_desa(pk, sy, P)
    assert prov["desa"].tolist() == ["K1", "D2", "D3", "D1"]
    assert prov["strategy3"].iloc[0] == "peta program tidak tersedia"


def test_material_has_the_chapters_in_rpkd_order_and_empty_tables_for_absent_sections():
    m = rpkd.rpkd_material({"indicators": _indicators()}, "1701", 2024)
    assert list(m) == list(rpkd.CHAPTERS) == ["profil", "masalah", "strategi", "program", "kecamatan", "desa"]
    assert len(m["profil"]) > 0
    assert all(m[k].empty for k in ("masalah", "strategi", "program", "kecamatan", "desa"))
