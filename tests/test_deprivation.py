"""Tests of tkpk_lib.analysis.deprivation: hand-computed scores, registry counts, typology."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tkpk_lib.analysis.deprivation import (
    deprivation_score,
    describe_profile,
    idm_like_status,
    registry_counts,
    village_typology,
)
from tkpk_lib.errors import SchemaError


def four_villages() -> pd.DataFrame:
    """A best village, a middling one, a worst one and one far from school and disaster-prone."""
    return pd.DataFrame({
        "year": 2024,
        "desa_code": ["1701012001", "1701012002", "1701012003", "1701012004"],
        "kec_code": "170101",
        "kab_code": "1701",
        "population": [2000, 1000, 500, 3000],
        "dist_school_km": [0.0, 3.0, 20.0, 12.0],
        "dist_health_km": [0.0, 7.5, 40.0, 0.0],
        "dist_market_km": [0.0, 10.0, 25.0, 0.0],
        "road_surface": [1, 2, 3, 1],
        "electricity_share": [1.0, 0.5, 0.0, 1.0],
        "signal": [2, 1, 0, 2],
        "water_source": [1, 4, 5, 2],
        "sanitation": [1, 2, 4, 3],
        "malnutrition_cases": [0, 1, 5, 0],
        "disasters": [0, 1, 4, 6],
    })


def test_hand_computed_scores_and_status():
    s = deprivation_score(four_villages())
    # B: basic (0.5+0.5+0.5)/3, infra (0.5+0.5+0.5)/3, health (1 + 1/3 + (1 per 1000)/3)/3,
    # hazard 1/3 -> (50 + 50 + 55.556 + 33.333) / 4
    b_health = (1 + 1 / 3 + 1 / 3) / 3 * 100
    exp_b = (50 + 50 + b_health + 100 / 3) / 4
    # D: school clipped to 1 -> basic 1/3; infra 0; health (0 + 2/3 + 0)/3; hazard clipped 1
    exp_d = (100 / 3 + 0 + 200 / 9 + 100) / 4
    np.testing.assert_allclose(s["score"], [0.0, exp_b, 100.0, exp_d], atol=1e-10)
    np.testing.assert_allclose(s["sub_health_nutrition"], [0, b_health, 100, 200 / 9], atol=1e-10)
    np.testing.assert_allclose(s["sub_hazard"], [0, 100 / 3, 100, 100], atol=1e-10)
    assert list(s.sort_values("score")["desa_code"].str[-1]) == ["1", "4", "2", "3"]
    np.testing.assert_allclose(s["index_idm_like"], 1 - s["score"] / 100)
    assert s["status_idm_like"].astype(str).tolist() == [
        "mandiri", "tertinggal", "sangat tertinggal", "berkembang"]
    assert s["n_missing"].tolist() == [0, 0, 0, 0]
    assert s["ind_malnutrition"].iloc[1] == pytest.approx(1 / 3)


def test_weights_as_data_and_minmax():
    v = four_villages()
    w = pd.DataFrame({"dimension": ["basic_services", "infrastructure", "health_nutrition", "hazard"],
                      "weight": [2, 1, 1, 0]})
    s = deprivation_score(v, weights=w)
    b_health = (1 + 1 / 3 + 1 / 3) / 3 * 100
    assert s["score"].iloc[1] == pytest.approx((2 * 50 + 50 + b_health) / 4)
    m = deprivation_score(v, normalisation="minmax")
    # school distances 0, 3, 20, 12 -> min-max 0, 0.15, 1, 0.6; road stays on its natural scale
    np.testing.assert_allclose(m["ind_dist_school"], [0, 0.15, 1, 0.6])
    np.testing.assert_allclose(m["ind_road"], [0, 0.5, 1, 0])


def test_missing_indicator_reweights_within_dimension():
    v = four_villages()
    v["sanitation"] = v["sanitation"].astype(float)
    v.loc[1, "sanitation"] = np.nan
    s = deprivation_score(v)
    assert s["n_missing"].tolist() == [0, 1, 0, 0]
    assert s["sub_health_nutrition"].iloc[1] == pytest.approx((1 + 1 / 3) / 2 * 100)


def test_custom_dimensions():
    s = deprivation_score(four_villages(), dimensions={"access": ["dist_school", "road"]})
    np.testing.assert_allclose(s["score"], [0, 50, 100, 50])
    assert "sub_access" in s.columns and "sub_hazard" not in s.columns


def test_errors_name_column_and_rows():
    v = four_villages().drop(columns="signal")
    with pytest.raises(SchemaError, match="signal"):
        deprivation_score(v)
    v = four_villages()
    v.loc[2, "road_surface"] = 9
    with pytest.raises(SchemaError, match=r"road_surface.*rows 3"):
        deprivation_score(v)
    with pytest.raises(SchemaError, match="weights"):
        deprivation_score(four_villages(), weights={"hazard": 1})


def test_idm_like_cutoffs_inclusive():
    assert idm_like_status([0.4907, 0.4908, 0.5989, 0.7072, 0.8155, 0.8156]).astype(str).tolist() == [
        "sangat tertinggal", "tertinggal", "tertinggal", "berkembang", "maju", "mandiri"]


def test_registry_counts_no_pii():
    reg = pd.DataFrame({
        "nik": ["1" * 16, "2" * 16, "3" * 16, "4" * 16, "5" * 16],
        "name": ["A", "B", "C", "D", "E"],
        "desa_code": ["1701012001", "1701012001", "1701012002", "1701012002", "1701012003"],
        "decile": [1, 4, 5, 2, 9],
        "n_members": [3, 5, 4, 6, 2],
    })
    out = registry_counts(reg)
    assert out.columns.tolist() == ["desa_code", "registry_hh", "registry_persons", "registry_hh_all"]
    assert out["registry_hh"].tolist() == [2, 1, 0]
    assert out["registry_persons"].tolist() == [8, 6, 0]
    assert out["registry_hh_all"].tolist() == [2, 2, 1]
    assert registry_counts(reg, max_decile=1)["registry_hh"].tolist() == [1, 0, 0]


def _three_groups(seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    n = 30
    good = dict(dist_school_km=rng.uniform(0, 1, n), dist_health_km=rng.uniform(0, 3, n),
                dist_market_km=rng.uniform(0, 3, n), disasters=rng.integers(0, 1, n))
    remote = dict(dist_school_km=rng.uniform(4, 8, n), dist_health_km=rng.uniform(12, 30, n),
                  dist_market_km=rng.uniform(15, 40, n), disasters=rng.integers(0, 1, n))
    hazard = dict(dist_school_km=rng.uniform(0, 1, n), dist_health_km=rng.uniform(0, 3, n),
                  dist_market_km=rng.uniform(0, 3, n), disasters=rng.integers(3, 5, n))
    frames = []
    for g in (good, remote, hazard):
        f = pd.DataFrame(g)
        f["road_surface"] = 1
        f["electricity_share"] = rng.uniform(0.95, 1.0, n)
        f["signal"] = 2
        f["water_source"] = 1
        f["sanitation"] = 1
        f["malnutrition_cases"] = 0
        f["population"] = 1000
        frames.append(f)
    v = pd.concat(frames, ignore_index=True)
    v["road_surface"] = np.r_[np.ones(n), np.full(n, 3), np.ones(n)].astype(int)
    v["desa_code"] = [f"17010120{i:02d}" for i in range(len(v))]
    return v


def test_typology_deterministic_and_described():
    s = deprivation_score(_three_groups())
    t1, prof = village_typology(s, k=3, seed=7, return_profiles=True)
    t2 = village_typology(s, k=3, seed=7)
    pd.testing.assert_frame_equal(t1, t2)
    # each synthetic group is one type; types are numbered by increasing mean score
    groups = np.repeat([0, 1, 2], 30)
    assert pd.crosstab(groups, t1["typology"]).gt(0).sum(axis=1).tolist() == [1, 1, 1]
    assert prof["mean_score"].is_monotonic_increasing
    remote_type = t1["typology"].iloc[30]
    hazard_type = t1["typology"].iloc[60]
    good_type = t1["typology"].iloc[0]
    desc = dict(zip(prof["typology"], prof["typology_id"], strict=True))
    assert "jauh dari layanan dasar" in desc[remote_type]
    assert "jalan tanah" in desc[remote_type]
    assert "rawan bencana" in desc[hazard_type]
    assert "rawan bencana" not in desc[remote_type]
    assert desc[good_type] == "tidak ada dimensi di atas rata-rata provinsi"
    en = dict(zip(prof["typology"], prof["typology_en"], strict=True))
    assert "disaster-prone" in en[hazard_type]


def test_typology_k_chosen_by_silhouette():
    s = deprivation_score(_three_groups())
    t = village_typology(s, k=None, seed=0)
    assert t["typology"].nunique() == 3


def test_describe_profile_threshold():
    did, den = describe_profile({"infrastructure": 0.9, "hazard": 0.1}, {"road": 1.0, "signal": 0.2},
                                threshold=0.25)
    assert did == "infrastruktur lemah (terutama jalan tanah/belum diaspal)"
    assert den == "weak infrastructure (mainly earth or unpaved road)"


def test_registry_counts_programme_coverage():
    reg = pd.DataFrame({
        "desa_code": ["a", "a", "a", "b", "b"],
        "decile": [1, 2, 8, 3, 9],
        "n_members": [3, 5, 4, 6, 2],
        "rcv_pkh": [1, 0, 1, 0, 1],
        "rcv_bpnt": [1, 1, 0, 0, 0],
    })
    out = registry_counts(reg, programmes=True)
    # desa a: 2 households in deciles 1-4, one with PKH (the decile-8 PKH household not counted)
    assert out["cov_pkh"].tolist() == [0.5, 0.0]
    assert out["cov_bpnt"].tolist() == [1.0, 0.0]
    assert registry_counts(reg, programmes=["pkh"]).columns.tolist()[-1] == "cov_pkh"
    with pytest.raises(SchemaError, match="rcv_kur"):
        registry_counts(reg, programmes=["kur"])
