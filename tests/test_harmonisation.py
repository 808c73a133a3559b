"""The provincial harmonisation board (issue 13 section 1), checked by hand on small frames."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from tkpk_lib.analysis import harmonisation as h

DIRS = {"p0": "lower_better", "poor_count": "lower_better", "jkn_coverage": "higher_better"}


def _indicators() -> pd.DataFrame:
    """Three units and the province, p0 and poor_count for 2022-2024, jkn_coverage for 2024."""
    rows = []
    # unit: (population, p0 by year 2022, 2023, 2024, se)
    units = {"1701": (100.0, (0.30, 0.26, 0.24), 0.02),
             "1702": (300.0, (0.12, 0.12, 0.11), 0.01),
             "1703": (600.0, (0.10, 0.10, 0.10), 0.01)}
    for k, (pop, p0s, se) in units.items():
        for y, p in zip((2022, 2023, 2024), p0s, strict=True):
            rows.append({"year": y, "indicator": "p0", "kab_code": k, "estimate": p, "se": se,
                         "ci_low": p - 1.96 * se, "ci_high": p + 1.96 * se, "n_weighted": pop})
            rows.append({"year": y, "indicator": "poor_count", "kab_code": k, "estimate": p * pop,
                         "se": se * pop, "ci_low": (p - 1.96 * se) * pop, "ci_high": (p + 1.96 * se) * pop,
                         "n_weighted": pop})
    # province 2024: population-weighted mean 0.024 + 0.033 + 0.06 = 0.117
    rows.append({"year": 2024, "indicator": "p0", "kab_code": "17", "estimate": 0.117, "se": 0.006,
                 "ci_low": 0.105, "ci_high": 0.129, "n_weighted": 1000.0})
    rows.append({"year": 2024, "indicator": "poor_count", "kab_code": "17", "estimate": 117.0, "se": 6.0,
                 "ci_low": 105.0, "ci_high": 129.0, "n_weighted": 1000.0})
    rows.append({"year": 2024, "indicator": "jkn_coverage", "kab_code": "1701", "estimate": 0.60, "se": 0.02,
                 "ci_low": 0.56, "ci_high": 0.64, "n_weighted": 100.0})
    rows.append({"year": 2024, "indicator": "jkn_coverage", "kab_code": "17", "estimate": 0.70, "se": 0.01,
                 "ci_low": 0.68, "ci_high": 0.72, "n_weighted": 1000.0})
    return pd.DataFrame(rows)


CODES = ["1701", "1702", "1703", "1704"]  # 1704: no data at all, still on the board


def test_unit_board_difference_uses_the_covariance_with_the_province():
    b = h.unit_board(_indicators(), 2024, indicator_codes=["p0", "jkn_coverage"], codes=CODES, directions=DIRS)
    assert sorted(set(b["kab_code"])) == CODES  # every unit appears, 1704 too
    assert len(b) == len(CODES) * 2
    r = b[(b["kab_code"] == "1701") & (b["indicator"] == "p0")].iloc[0]
    # var = 0.02^2 + 0.006^2 - 2 * 0.1 * 0.02^2 = 0.0004 + 0.000036 - 0.00008 = 0.000356
    assert r["diff_province"] == pytest.approx(0.24 - 0.117)
    assert r["diff_se"] == pytest.approx(math.sqrt(0.000356))
    assert r["vs_province"] == "lebih buruk dari provinsi"
    # 1702: 0.11 - 0.117 = -0.007; var = 0.0001 + 0.000036 - 2 * 0.3 * 0.0001 = 0.000076, se 0.00872
    r = b[(b["kab_code"] == "1702") & (b["indicator"] == "p0")].iloc[0]
    assert r["diff_se"] == pytest.approx(math.sqrt(0.000076))
    assert r["vs_province"] == h.UNDECIDED  # |-0.007| < 1.96 * 0.00872
    # 1703: -0.017; var = 0.0001 + 0.000036 - 2 * 0.6 * 0.0001 = 0.000016, se 0.004 -> significant, better
    r = b[(b["kab_code"] == "1703") & (b["indicator"] == "p0")].iloc[0]
    assert r["diff_se"] == pytest.approx(0.004)
    assert r["vs_province"] == "lebih baik dari provinsi"
    # higher-is-better: 1701's JKN coverage 0.60 < 0.70 is worse
    r = b[(b["kab_code"] == "1701") & (b["indicator"] == "jkn_coverage")].iloc[0]
    assert r["vs_province"] == "lebih buruk dari provinsi"
    assert (b.loc[b["kab_code"] == "1704", "vs_province"] == "data tidak tersedia").all()
    assert (b["change_id"] == "tidak ada tahun pembanding").all()
    assert (b["target_status"] == "tidak ada target").all()


def test_unit_board_takes_change_and_own_target_status():
    change = pd.DataFrame({"indicator": ["p0"], "kab_code": ["1701"], "difference": [-0.02],
                           "assessment_id": ["membaik"]})
    targets = pd.DataFrame({"indicator": ["p0"], "kab_code": ["1702"], "target_year": [2026], "target": [0.09],
                            "status_id": ["belum sesuai target"]})
    b = h.unit_board(_indicators(), 2024, change=change, targets=targets, indicator_codes=["p0"],
                     codes=CODES, directions=DIRS).set_index("kab_code")
    assert b.loc["1701", "change"] == pytest.approx(-0.02)
    assert b.loc["1701", "change_id"] == "membaik"
    assert b.loc["1702", "change_id"] == "data tidak tersedia"
    assert b.loc["1702", "target_status"] == "belum sesuai target"
    assert b.loc["1702", "target"] == pytest.approx(0.09)
    assert b.loc["1701", "target_status"] == "tidak ada target"


def test_plan_consistency_sums_targets_by_population_and_judges_the_pace():
    targets = pd.DataFrame({"indicator": "p0", "kab_code": ["17", "17", "1701", "1702", "1703"],
                            "year": [2025, 2026, 2026, 2026, 2026], "target": [0.11, 0.10, 0.27, 0.05, 0.099]})
    r = h.plan_consistency(_indicators(), targets, 2024, codes=CODES)
    s = r["summary"].iloc[0]
    assert s["target_year"] == 2026
    assert s["province_target"] == pytest.approx(0.10)
    # implied poor: 100 * 0.27 + 300 * 0.05 + 600 * 0.099 = 27 + 15 + 59.4 = 101.4 over 1000 persons
    assert s["units_implied_poor"] == pytest.approx(101.4)
    assert s["weighted_unit_target"] == pytest.approx(0.1014)
    assert s["province_implied_poor"] == pytest.approx(100.0)
    assert s["population_share_with_target"] == pytest.approx(1.0)
    assert s["n_units_with_target"] == 3
    u = r["units"].set_index("kab_code")
    assert list(u.index) == [*CODES, "17"]  # every unit, then the province
    # trend line through 2022-2024 projected to 2026: weights 1/3 + c_i * 3 with c = (-1/2, 0, 1/2),
    # i.e. (-7/6, 1/3, 11/6); sum of squares 29/6, so se = se_year * sqrt(29/6)
    # 1701: -7/6 * 0.30 + 1/3 * 0.26 + 11/6 * 0.24 = 0.176667, se 0.02 * 2.19848 = 0.043970
    assert u.loc["1701", "needed_pace"] == pytest.approx(0.015)
    assert u.loc["1701", "trend_pace"] == pytest.approx(-0.03)
    assert u.loc["1701", "projection"] == pytest.approx(0.176667, abs=1e-6)
    assert u.loc["1701", "projection_high"] == pytest.approx(0.176667 + 1.959964 * 0.043970, abs=1e-5)
    # 0.27 lies above the whole interval (0.0905 .. 0.2628): the trend reaches it even at its slowest
    assert u.loc["1701", "verdict"] == "kurang ambisius dari tren"
    # 1702: 0.101667 +- 1.96 * 0.021985 = 0.0586 .. 0.1448; 0.05 lies below it: unreachable at any recent pace
    assert u.loc["1702", "projection_low"] == pytest.approx(0.101667 - 1.959964 * 0.021985, abs=1e-5)
    assert u.loc["1702", "verdict"] == "tidak terjangkau pada laju terbaik"
    # 1703: flat 0.10, interval 0.0569 .. 0.1431 holds 0.099: the data cannot tell
    assert u.loc["1703", "verdict"] == h.UNDECIDED
    assert u.loc["1704", "verdict"] == "tidak ada target"
    assert u.loc["17", "verdict"] == h.UNDECIDED  # one province estimate: no trend


def test_plan_verdict_only_where_the_projection_interval_decides():
    ind = _indicators()
    targets = pd.DataFrame({"indicator": "p0", "kab_code": ["17", "1701"], "year": 2026, "target": [0.1, 0.17]})
    u = h.plan_consistency(ind, targets, 2024, codes=CODES)["units"].set_index("kab_code")
    # needed (0.17 - 0.24) / 2 = -0.035 is faster than the point trend -0.03, but with se 0.02 a year the
    # projection's interval 0.0905 .. 0.2628 holds 0.17: no verdict from point estimates
    assert u.loc["1701", "needed_pace"] == pytest.approx(-0.035)
    assert u.loc["1701", "verdict"] == h.UNDECIDED
    # with se 0.002 the interval is 0.176667 +- 1.96 * 0.0043970 = 0.16805 .. 0.18528
    precise = ind.assign(se=np.where(ind["kab_code"] == "1701", 0.002, ind["se"]))
    for target, verdict in ((0.17, h.UNDECIDED), (0.19, "kurang ambisius dari tren"),
                            (0.16, "tidak terjangkau pada laju terbaik")):
        tg = targets.assign(target=[0.1, target])
        u = h.plan_consistency(precise, tg, 2024, codes=CODES)["units"].set_index("kab_code")
        assert u.loc["1701", "verdict"] == verdict, target


def test_money_vs_need_budget_per_poor_person_and_per_pocket_desa():
    budget = pd.DataFrame({
        "kab_code": ["1701", "1702", "1703", "17", "1701", "1701", "1702"],
        "table": ["total"] * 4 + ["by_strategy"] * 3,
        "strategy": [np.nan] * 4 + [1.0, 3.0, 3.0],
        "budget": [2.4e6, 3.3e6, 12.0e6, 17.7e6, 0.4e6, 2.0e6, 3.3e6],
    })
    pockets = pd.DataFrame({"level": ["desa"] * 4 + ["kecamatan"], "kab_code": ["1701", "1701", "1703", "1702", "1701"],
                            "is_pocket": [True, True, True, False, True]})
    r = h.money_vs_need(budget, _indicators(), 2024, pockets=pockets, codes=CODES).set_index("kab_code")
    assert list(r.index) == [*CODES, "17"]
    # 1701: 2.4e6 / 24 poor = 100 000; range 2.4e6 / (0.2792 * 100) .. 2.4e6 / (0.2008 * 100)
    assert r.loc["1701", "per_poor"] == pytest.approx(100_000.0)
    assert r.loc["1701", "per_poor_low"] == pytest.approx(2.4e6 / 27.92)
    assert r.loc["1701", "per_poor_high"] == pytest.approx(2.4e6 / 20.08)
    assert r.loc["1701", "pocket_desa"] == 2  # the kecamatan row is not a desa
    assert r.loc["1701", "per_pocket_desa"] == pytest.approx(1.2e6)
    assert r.loc["17", "per_poor"] == pytest.approx(17.7e6 / 117.0)
    assert r.loc["17", "pocket_desa"] == 3
    assert np.isnan(r.loc["1702", "per_pocket_desa"])  # no pocket desa
    # 1701: P0 above the province, whole range 86 000 .. 119 522 below the province's 151 282
    assert r.loc["1701", "need_vs_money"] == "kebutuhan tinggi, anggaran rendah"
    # 1704 is absent from the programme map: no budget figure, not zero
    assert np.isnan(r.loc["1704", "budget"])
    assert r.loc["1704", "need_vs_money"] == "data tidak tersedia"
    s = h.money_vs_need(budget, _indicators(), 2024, by="strategy", codes=CODES)
    one = s[(s["kab_code"] == "1701") & (s["strategy"] == 3.0)].iloc[0]
    assert one["per_poor"] == pytest.approx(2.0e6 / 24.0)


def test_cross_border_pockets_joins_touching_hot_desa_of_two_units():
    import geopandas as gpd
    from shapely.geometry import box

    g = gpd.GeoDataFrame({
        "code": ["a1", "a2", "b1", "c1", "c2", "d1"],
        "kab_code": ["1701", "1701", "1705", "1702", "1702", "1703"],
        "hot": [True, True, True, True, True, False],
        "name": ["A1", "A2", "B1", "C1", "C2", "D1"],
    }, geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1), box(2, 1, 3, 2),  # a2 and b1 touch at a corner
                 box(10, 0, 11, 1), box(11, 0, 12, 1), box(12, 0, 13, 1)])  # c* within 1702; d1 not hot
    r = h.cross_border_pockets(g)
    assert len(r) == 1
    row = r.iloc[0]
    assert row["n_desa"] == 3
    assert row["kab_codes"] == "1701, 1705"
    assert row["desa_per_unit"] == "1701 (2), 1705 (1)"
    assert row["desa_names"] == "A1, A2, B1"


def test_completeness_board_lists_every_unit_and_counts_missing_inputs():
    c = {"programmes": {"label": "peta program", "missing": ["1704"]},
         "complaints": {"label": "pengaduan", "missing": ["1704", "1702"]}}
    r = h.completeness_board(c, CODES).set_index("kab_code")
    assert list(r.index) == CODES
    assert r.loc["1704", "peta program"] == "tidak ada"
    assert r["n_missing"].tolist() == [0, 1, 0, 2]


def test_unit_board_does_not_test_non_means_nor_zero_cases():
    ind = _indicators()
    extra = pd.DataFrame([
        {"year": 2024, "indicator": "gini", "kab_code": "1701", "estimate": 0.30, "se": 0.005, "ci_low": 0.29,
         "ci_high": 0.31, "n_weighted": 100.0},
        {"year": 2024, "indicator": "gini", "kab_code": "17", "estimate": 0.36, "se": 0.005, "ci_low": 0.35,
         "ci_high": 0.37, "n_weighted": 1000.0},
        # no sampled case: estimate 0, SE 0, exact interval up to 0.03 containing the province 0.02
        {"year": 2024, "indicator": "p0_extreme", "kab_code": "1701", "estimate": 0.0, "se": 0.0, "ci_low": 0.0,
         "ci_high": 0.03, "n_weighted": 100.0},
        {"year": 2024, "indicator": "p0_extreme", "kab_code": "1702", "estimate": 0.0, "se": 0.0, "ci_low": 0.0,
         "ci_high": 0.01, "n_weighted": 300.0},
        {"year": 2024, "indicator": "p0_extreme", "kab_code": "17", "estimate": 0.02, "se": 0.004,
         "ci_low": 0.012, "ci_high": 0.028, "n_weighted": 1000.0},
    ])
    b = h.unit_board(pd.concat([ind, extra]), 2024, indicator_codes=["gini", "p0_extreme"], codes=CODES,
                     directions={"gini": "lower_better", "p0_extreme": "lower_better"})
    b = b.set_index(["kab_code", "indicator"])
    assert b.loc[("1701", "gini"), "vs_province"] == h.NOT_COMPARED
    assert b.loc[("1701", "p0_extreme"), "vs_province"] == h.UNDECIDED
    assert b.loc[("1702", "p0_extreme"), "vs_province"] == "lebih baik dari provinsi"  # interval below 0.02
