"""Tests of tkpk_lib.analysis.trends: change between years, series, target comparison."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tkpk_lib.analysis import trends
from tkpk_lib.errors import SchemaError, TkpkError


def _est(indicator, kab, year, e, half=0.01, se=None):
    return {
        "indicator": indicator,
        "kab_code": kab,
        "year": year,
        "estimate": e,
        "se": half / 1.96 if se is None else se,
        "ci_low": e - half,
        "ci_high": e + half,
    }


# --------------------------------------------------------------------------- change
def test_change_independent_se_and_significance():
    a = pd.DataFrame(
        [_est("p0", "1701", 2023, 0.1751, se=0.006), _est("p0", "1702", 2023, 0.1479, se=0.006)]
    )
    b = pd.DataFrame(
        [_est("p0", "1701", 2024, 0.1710, se=0.008), _est("p0", "1702", 2024, 0.1200, se=0.008)]
    )
    r = trends.change(a, b, by="kab_code").set_index("kab_code")
    assert r.loc["1701", "se"] == pytest.approx(0.01)  # sqrt(.006^2 + .008^2)
    assert r.loc["1701", "difference"] == pytest.approx(-0.0041)
    assert not r.loc["1701", "significant"]
    assert r.loc["1701", "change_id"] == "tidak berbeda nyata"
    assert r.loc["1701", "assessment"] == "none"
    assert r.loc["1702", "significant"]
    assert r.loc["1702", "change"] == "down" and r.loc["1702", "change_id"] == "turun"
    assert r.loc["1702", "assessment_id"] == "membaik"  # P0 is lower-is-better
    assert r.loc["1702", "ci_high"] < 0
    assert (r["year_a"] == 2023).all() and (r["year_b"] == 2024).all()
    assert r.loc["1702", "p_value"] == pytest.approx(2 * (1 - 0.997365), abs=2e-5)  # z = -2.79


def test_change_threshold_and_higher_better():
    a = pd.DataFrame({"indicator": ["tpak"], "estimate": [0.70], "se": [0.003]})
    b = pd.DataFrame({"indicator": ["tpak"], "estimate": [0.71], "se": [0.004]})
    r = trends.change(a, b)
    # z = 0.01 / 0.005 = 2 > 1.96
    assert r["z"].iloc[0] == pytest.approx(2.0)
    assert bool(r["significant"].iloc[0]) and r["change_id"].iloc[0] == "naik"
    assert r["assessment"].iloc[0] == "improved"
    # at 99% the same change is not significant
    r99 = trends.change(a, b, level=0.99)
    assert not bool(r99["significant"].iloc[0])
    # an increase of unemployment is a worsening
    a2, b2 = a.assign(indicator="tpt"), b.assign(indicator="tpt")
    assert trends.change(a2, b2)["assessment_id"].iloc[0] == "memburuk"


def test_change_errors():
    a = pd.DataFrame({"kab_code": ["1701", "1701"], "estimate": [0.1, 0.2], "se": [0.01, 0.01]})
    b = pd.DataFrame({"kab_code": ["1701"], "estimate": [0.1], "se": [0.01]})
    with pytest.raises(TkpkError, match="several rows"):
        trends.change(a, b, by="kab_code")
    with pytest.raises(TkpkError, match="share"):
        trends.change(b.assign(kab_code="1702"), b, by="kab_code")
    with pytest.raises(SchemaError):
        trends.change(b.drop(columns="se"), b, by="kab_code")


def test_describe_change_wording():
    s = trends.describe_change(
        0.1404, 0.1356, True, label="Persentase penduduk miskin", years=(2023, 2024)
    )
    assert s.startswith("Persentase penduduk miskin turun 0,48 poin persen, dari 14,04% (2023)")
    s = trends.describe_change(
        252970.0, 260000.0, True, unit="persons", decimals=0, label="Jumlah penduduk miskin"
    )
    assert "naik 7.030" in s and "252.970" in s
    s = trends.describe_change(0.5, 0.5, False)
    assert "tidak berbeda nyata" in s


# --------------------------------------------------------------------------- series
def test_series_stacks_years_with_bands():
    f = {
        y: pd.DataFrame([_est("p0", "1701", 0, e, half=0.02)]).drop(columns="year")
        for y, e in [(2024, 0.13), (2022, 0.15), (2023, 0.14)]
    }
    s = trends.series(f)
    assert s["year"].tolist() == [2022, 2023, 2024]
    assert list(s.columns[:2]) == ["indicator", "year"]
    np.testing.assert_allclose(s["err_minus"], 0.02)
    np.testing.assert_allclose(s["err_plus"], 0.02)
    # an existing year column is replaced by the mapping key
    s2 = trends.series({2030: pd.DataFrame([_est("p0", "1701", 1999, 0.1)])})
    assert s2["year"].tolist() == [2030]
    with pytest.raises(TkpkError):
        trends.series({})


# --------------------------------------------------------------------------- targets
def test_target_table_contents():
    t = trends.target_table()
    inpres = t[(t["indicator"] == "p0_extreme") & (t["year"] == 2024)]
    assert set(inpres["kab_code"]) >= {"17", "1701", "1771"}
    assert (inpres["target"] == 0.0).all() and (inpres["status"] == "official").all()
    assert inpres["source"].str.contains("Inpres 4/2022").all()
    ill = t[t["status"] == "illustrative"]
    assert not ill.empty and ill["source"].str.contains("ILLUSTRATIVE").all()
    assert set(t["status"]) <= {"official", "illustrative"}


def _targets(rows):
    return pd.DataFrame(rows, columns=["indicator", "kab_code", "year", "target"]).assign(
        status="illustrative", source="test"
    )


def test_compare_targets_statuses():
    tg = _targets(
        [
            ("p0", "1701", 2026, 0.10),
            ("p0", "1702", 2026, 0.10),
            ("p0", "1703", 2026, 0.10),
            ("p0", "1704", 2024, 0.10),
            ("p0", "1705", 2024, 0.10),
            ("p0", "1706", 2024, 0.12),
            ("p0", "1706", 2026, 0.10),
            ("p0", "1707", 2026, 0.10),
            ("p0", "1708", 2024, 0.10),
        ]
    )
    est = pd.DataFrame(
        [
            _est("p0", "1701", 2024, 0.08),  # CI [.07,.09] below 0.10
            _est("p0", "1702", 2023, 0.14),
            _est("p0", "1702", 2024, 0.12),  # -0.02/yr, need -0.01
            _est("p0", "1703", 2023, 0.125),
            _est("p0", "1703", 2024, 0.12),  # -0.005/yr, need -0.01
            _est("p0", "1704", 2024, 0.13),  # deadline, CI [.12,.14] above
            _est("p0", "1705", 2024, 0.105),  # deadline, CI contains 0.10
            _est("p0", "1706", 2024, 0.115),  # one year, below interim 0.12
            _est("p0", "1707", 2024, 0.115),  # one year, no interim target
            _est("p0", "1708", 2024, 0.095),  # point below, CI straddles, deadline
            _est("p0", "1709", 2024, 0.2),  # no target: not in output
        ]
    )
    r = trends.compare_targets(est, tg).set_index("kab_code")
    assert r.loc["1701", "status"] == "achieved" and r.loc["1701", "status_id"] == "tercapai"
    assert r.loc["1702", "status"] == "on_track"  # -0.02/yr, z = 0.02 / 0.0072 = 2.8, need -0.01
    assert r.loc["1702", "annual_change_needed"] == pytest.approx(-0.01)
    assert r.loc["1702", "recent_annual_change"] == pytest.approx(-0.02)
    assert r.loc["1702", "gap"] == pytest.approx(0.02)
    assert r.loc["1702", "years_left"] == 2
    # -0.005/yr is not distinguishable from zero (z = 0.7) and its CI reaches the pace needed
    assert r.loc["1703", "status"] == "inconclusive"
    assert r.loc["1703", "status_id"] == "belum dapat disimpulkan"
    assert r.loc["1704", "status"] == "not_achieved" and r.loc["1704", "status_id"] == "tidak tercapai"
    assert r.loc["1705", "status"] == "inconclusive"
    # the interim target of the report year decides: CI [0.105, 0.125] contains 0.12
    assert r.loc["1706", "status"] == "inconclusive" and r.loc["1706", "target_year"] == 2024
    assert r.loc["1706", "target"] == pytest.approx(0.12) and r.loc["1706", "final_target_year"] == 2026
    assert r.loc["1707", "status"] == "insufficient_data"
    assert r.loc["1708", "status"] == "inconclusive"
    assert "1709" not in r.index


def test_compare_targets_only_what_the_data_support():
    tg = _targets([("p0", "1701", 2026, 0.10), ("p0", "1702", 2024, 0.13), ("p0", "1703", 2022, 0.16),
                   ("p0", "1703", 2026, 0.12), ("p0", "1704", 2022, 0.16), ("p0", "1704", 2026, 0.12)])
    tg["interpolate"] = ["", "", "ya", "ya", "", ""]
    est = pd.DataFrame([
        # significant but too slow: -0.005/yr (SE 0.0007), the favourable end -0.0064 < needed -0.015
        _est("p0", "1701", 2023, 0.135, se=0.0005), _est("p0", "1701", 2024, 0.13, se=0.0005),
        # CI [0.11, 0.13] below the 2024 target 0.13 but the estimate is unreliable
        {**_est("p0", "1702", 2024, 0.12), "reliability": "unreliable"},
        # interpolated target of 2024: 0.16 + (2/4) x (0.12 - 0.16) = 0.14; CI [0.12, 0.13] below it
        _est("p0", "1703", 2024, 0.125, half=0.005),
        # same without the interpolation flag: only the 2026 target, no earlier estimate
        _est("p0", "1704", 2024, 0.125, half=0.005),
    ])
    r = trends.compare_targets(est, tg).set_index("kab_code")
    assert r.loc["1701", "status"] == "off_track" and r.loc["1701", "status_id"] == "belum sesuai target"
    assert bool(r.loc["1701", "change_significant"])
    assert r.loc["1702", "status"] == "inconclusive" and "tidak andal" in r.loc["1702", "reason_id"]
    assert r.loc["1703", "target"] == pytest.approx(0.14) and r.loc["1703", "target_basis"] == "interpolasi"
    assert r.loc["1703", "status"] == "achieved"
    assert r.loc["1704", "status"] == "insufficient_data" and r.loc["1704", "target_basis"] == "target akhir"
    assert "tidak sesuai jalur" not in set(trends.STATUS_WORDS_ID.values())


def test_compare_targets_higher_better_and_default_table():
    tg = _targets([("water_safe", "17", 2026, 0.95)])
    est = pd.DataFrame([_est("water_safe", "17", 2023, 0.85), _est("water_safe", "17", 2024, 0.90)])
    r = trends.compare_targets(est.drop(columns="kab_code"), tg)  # no area column: province
    assert r["status"].iloc[0] == "on_track"  # +0.05/yr >= +0.025/yr needed
    assert r["annual_change_needed"].iloc[0] == pytest.approx(0.025)
    # Inpres 4/2022: 0% extreme poverty by 2024, real target shipped in the table
    est = pd.DataFrame(
        [
            _est("p0_extreme", "17", 2024, 0.012, half=0.004),
            _est("p0_extreme", "1771", 2024, 0.001, half=0.002),
        ]
    )
    r = trends.compare_targets(est).set_index("kab_code")
    # 0% target: CI [0.8%, 1.6%] lies above the 0.5% tolerance; CI [-0.1%, 0.3%] lies within it
    assert r.loc["17", "status"] == "not_achieved" and r.loc["17", "target_status"] == "official"
    assert r.loc["1771", "status"] == "achieved" and trends.ZERO_TARGET_TOLERANCE == 0.005
    assert "toleransi 0,5 poin persen untuk target 0%" in r.loc["17", "reason_id"]
    with pytest.raises(TkpkError, match="direction"):
        trends.compare_targets(est.assign(indicator="xyz"), _targets([("xyz", "17", 2026, 0.0)]))
