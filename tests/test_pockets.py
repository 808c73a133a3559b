"""Tests of tkpk_lib.analysis.pockets: ranking logic on hand-made frames, SAE P0 end to end."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import box

from tkpk_lib.analysis.deprivation import deprivation_score, registry_counts
from tkpk_lib.analysis.pockets import (
    kecamatan_covariates,
    kecamatan_p0,
    pocket_list,
    pocket_types,
    province_pockets,
)
from tkpk_lib.estimation.design import SurveyDesign

# ------------------------------------------------------------------ hand-made frames


def _kec(codes, rates, pops, kab="1701", se=0.01):
    return pd.DataFrame({
        "kab_code": kab, "kec_code": codes, "population": pops, "estimate": rates,
        "se": se, "n_poor": np.asarray(rates) * np.asarray(pops), "reliability": "reliable",
    })


def _scores(desa, kec, pops, score, kab="1701"):
    return pd.DataFrame({"desa_code": desa, "kec_code": kec, "kab_code": kab,
                         "population": pops, "score": score,
                         "sub_basic_services": score, "sub_hazard": [10.0] * len(desa)})


def test_tiny_high_rate_and_large_modest_rate_both_pockets():
    kec = _kec(["170101", "170102"], [0.2, 0.1], [12000, 3000])
    desa = ["1701012001", "1701012002", "1701012003", "1701012004", "1701022001"]
    sc = _scores(desa, ["170101"] * 4 + ["170102"], [200, 10000, 1500, 1200, 3000],
                 [80.0, 30.0, 20.0, 25.0, 40.0])
    # tiny village: 150 of 200 in deciles 1-4 (75%); large village: 2,500 of 10,000 (25%)
    reg = pd.DataFrame({"desa_code": desa, "registry_hh": [40, 600, 50, 40, 150],
                        "registry_persons": [150, 2500, 200, 180, 600]})
    out = pocket_list(kec, sc, registry_counts=reg, top=1, within=None)
    d = out[out["level"] == "desa"].set_index("code")
    assert d.loc["1701012001", "rate"] == pytest.approx(0.75)
    assert d.loc["1701012001", "rank_rate"] == 1
    assert d.loc["1701012001", "pocket_type"] == "tingkat tinggi"
    assert d.loc["1701012002", "rank_count"] == 1
    assert d.loc["1701012002", "pocket_type"] == "jumlah besar"
    assert d.loc["1701012003", "pocket_type"] == "bukan kantong"
    assert d["is_pocket"].sum() == 2
    assert set(d["rate_measure"]) == {"persentase penduduk di rumah tangga desil 1-4 (registri)"}
    assert d.loc["1701012001", "registry_hh"] == 40
    # kecamatan: 170101 has the higher rate and the larger number -> both
    k = out[out["level"] == "kecamatan"].set_index("code")
    assert k.loc["170101", "pocket_type"] == "keduanya"
    assert k.loc["170102", "pocket_type"] == "bukan kantong"
    assert k.loc["170101", "count"] == pytest.approx(2400)
    # kecamatan rows first, then desa; pockets first within a level
    assert out["level"].tolist()[:2] == ["kecamatan", "kecamatan"]
    assert out[out["level"] == "desa"]["is_pocket"].tolist()[:2] == [True, True]


def test_within_groups_and_fraction_top():
    kec = pd.concat([_kec(["170101", "170102", "170103"], [0.3, 0.2, 0.1], [1000, 5000, 800]),
                     _kec(["170201", "170202"], [0.05, 0.04], [900, 700], kab="1702")])
    sc = _scores(["1701012001", "1702012001"], ["170101", "170201"], [100, 100], [50.0, 10.0])
    sc.loc[1, "kab_code"] = "1702"
    out = pocket_list(kec, sc, top=0.34, within="kab_code")
    k = out[out["level"] == "kecamatan"].set_index("code")
    # ceil(3 * 0.34) = 2 per ranking in kab 1701, ceil(2 * 0.34) = 1 in kab 1702
    assert k.loc["170101", "rank_rate"] == 1 and k.loc["170101", "rank_count"] == 2
    assert k.loc["170101", "pocket_type"] == "keduanya"
    assert k.loc["170102", "pocket_type"] == "keduanya"
    assert k.loc["170103", "pocket_type"] == "bukan kantong"
    assert k.loc["170201", "pocket_type"] == "keduanya"
    assert k.loc["170202", "pocket_type"] == "bukan kantong"
    assert k.loc["170201", "n_units"] == 2
    # without registry: desa rate is the score, number = kecamatan rate x population
    d = out[out["level"] == "desa"].set_index("code")
    assert d.loc["1701012001", "rate"] == 50.0
    assert d.loc["1701012001", "count"] == pytest.approx(30.0)
    assert d.loc["1701012001", "count_measure"].startswith("perkiraan sintetis")


def test_p_top_rate_and_drivers_and_coverage():
    kec = _kec(["170101", "170102", "170103", "170104", "170105"],
               [0.50, 0.10, 0.11, 0.12, 0.13], [1000] * 5, se=0.005)
    kec["sub_basic_services"] = [90.0, 10, 10, 10, 10]
    kec["sub_hazard"] = [5.0, 5, 5, 5, 60]
    sc = _scores(["1701012001"], ["170101"], [100], [50.0])
    cov = pd.DataFrame({"kec_code": ["170101"], "coverage_pkh": [0.35]})
    out = pocket_list(kec, sc, coverage=cov, top=1, within=None, draws=500, seed=3)
    k = out[out["level"] == "kecamatan"].set_index("code")
    assert k.loc["170101", "p_top_rate"] == 1.0
    assert k.loc["170102", "p_top_rate"] == 0.0
    assert k.loc["170101", "drivers_id"] == "jauh dari layanan dasar"
    assert k.loc["170105", "drivers_id"] == "rawan bencana"
    assert k.loc["170105", "drivers_en"] == "disaster-prone"
    assert k.loc["170101", "coverage_pkh"] == 0.35
    assert np.isnan(k.loc["170102", "coverage_pkh"])


def test_pocket_types():
    assert pocket_types([True, False], [True, True]).tolist() == ["keduanya", "jumlah besar"]


def test_hot_spots_on_grid():
    cells = [box(i, j, i + 1, j + 1) for j in range(5) for i in range(5)]
    codes = [f"1701{i + 1:02d}" for i in range(25)]
    rates = np.full(25, 0.08)
    rates[[6, 7, 11, 12]] = 0.45
    kec = _kec(codes, rates, [1000] * 25, se=0.01)
    gdf = gpd.GeoDataFrame({"code": codes}, geometry=cells)  # as readers.read_boundaries
    sc = _scores(["1701012001"], ["170101"], [100], [50.0])
    out = pocket_list(kec, sc, gdf=gdf, top=4, within=None,
                      hotspot_kw={"method": "gi", "permutations": 0, "draws": 20})
    k = out[out["level"] == "kecamatan"].set_index("code")
    hot = [codes[i] for i in (6, 7, 11, 12)]
    assert (k.loc[hot, "hotspot_cluster"] == "hot").all()
    assert k.loc[hot, "stable_pocket"].all()
    assert (k.loc[hot, "pocket_type"] == "keduanya").all()
    assert k.loc[codes[0], "pocket_share"] == 0.0


# ------------------------------------------------------------------ SAE end to end


def make_survey(seed: int = 1, n_kec: int = 8, unsampled: tuple[int, ...] = (7,)):
    """Two kabupaten x ``n_kec`` kecamatan x 4 desa; 3 PSUs of 10 households per sampled kec."""
    rng = np.random.default_rng(seed)
    vrows, hrows = [], []
    for a, kab in enumerate(("1701", "1702")):
        for b in range(n_kec):
            kec = f"{kab}{b + 1:02d}"
            remote = b / (n_kec - 1)
            for c in range(4):
                vrows.append(dict(
                    year=2024, desa_code=f"{kec}{2001 + c}", kec_code=kec, kab_code=kab,
                    desa_name=f"Desa {kec}-{c}", kelurahan=int(b == 0 and c == 0),
                    population=int(rng.integers(500, 4000)), families=300,
                    dist_school_km=rng.uniform(0, 8) * remote,
                    dist_health_km=rng.uniform(0, 25) * remote,
                    dist_market_km=rng.uniform(0, 30) * remote,
                    road_surface=int(1 + 2 * (rng.uniform() < remote)),
                    electricity_share=1 - 0.3 * remote * rng.uniform(),
                    signal=int(2 - (rng.uniform() < remote)),
                    water_source=int(1 + 3 * (rng.uniform() < remote / 2)),
                    sanitation=int(1 + 3 * (rng.uniform() < remote / 2)),
                    malnutrition_cases=int(rng.poisson(3 * remote)),
                    disasters=int(rng.poisson(1))))
            if b in unsampled:
                continue
            p = 0.05 + 0.3 * remote + 0.03 * a
            for q in range(3):
                for h in range(10):
                    poor = rng.uniform() < p
                    hrows.append(dict(
                        year=2024, hh_id=f"{kec}-{q}-{h}", kab_code=kab, kec_code=kec,
                        desa_code=f"{kec}{2001 + q}", stratum=kab, psu=f"{kec}-{q}",
                        weight=float(rng.uniform(50, 150)), hh_size=int(rng.integers(1, 7)),
                        exp_pc=float(400000 * (0.7 if poor else 1.5) * rng.uniform(0.8, 1.2)),
                        poverty_line=500000.0))
    design = SurveyDesign(weight="weight", strata="stratum", psu="psu")
    return pd.DataFrame(vrows), pd.DataFrame(hrows), design


def _hand_p0(h: pd.DataFrame, by: str) -> pd.Series:
    w = h["weight"] * h["hh_size"]
    poor = (h["exp_pc"] < h["poverty_line"]).astype(float)
    return (w * poor).groupby(h[by]).sum() / w.groupby(h[by]).sum()


def test_kecamatan_p0_end_to_end():
    villages, hh, design = make_survey()
    k = kecamatan_p0(hh, design, villages)
    assert len(k) == 16 and k["kec_code"].is_unique
    # direct P0 = person-weighted share of poor, by kecamatan
    direct = _hand_p0(hh, "kec_code")
    got = k.set_index("kec_code")["direct"].dropna()
    pd.testing.assert_series_equal(got.sort_index(), direct.sort_index(), check_names=False,
                                   rtol=1e-12)
    # unsampled kecamatan get a synthetic estimate
    out = k[~k["in_sample"]]
    assert sorted(out["kec_code"]) == ["170108", "170208"]
    assert out["estimate"].notna().all() and (out["gamma"] == 0).all()
    assert out["direct"].isna().all()
    # benchmarked: population-weighted mean per kabupaten = direct kabupaten P0
    kab = _hand_p0(hh, "kab_code")
    wm = (k["estimate"] * k["population"]).groupby(k["kab_code"]).sum() / k.groupby(
        "kab_code")["population"].sum()
    np.testing.assert_allclose(wm.sort_index().to_numpy(), kab.sort_index().to_numpy(), rtol=1e-10)
    np.testing.assert_allclose(k["n_poor"], k["estimate"] * k["population"])
    np.testing.assert_allclose(k["cv"], k["se"] / k["estimate"])
    assert set(k["reliability"]) <= {"reliable", "caution", "unreliable"}
    assert ((k["cv"] <= 0.25) == (k["reliability"] == "reliable")).all()
    # population aggregated from Podes; covariates kept
    pop = villages.groupby("kec_code")["population"].sum()
    assert k.set_index("kec_code")["population"].sort_index().tolist() == pop.sort_index().tolist()
    assert "sub_basic_services" in k.attrs["covariates"]
    assert k.attrs["diagnostics"].n_out_of_sample == 2
    # the model shrinks: model estimates vary less than the direct ones
    assert k["estimate_eblup"][k["in_sample"]].std() < k["direct"].std()


def test_kecamatan_p0_unknown_kecamatan_and_registry_covariate():
    villages, hh, design = make_survey()
    reg = pd.DataFrame({"desa_code": villages["desa_code"], "decile": 2, "n_members": 4})
    rc = registry_counts(reg)
    cov = kecamatan_covariates(deprivation_score(villages), rc)
    np.testing.assert_allclose(
        cov["registry_share"],
        (4 * 4 / cov["population"]).clip(upper=1.0))
    bad = hh.copy()
    bad.loc[0, "kec_code"] = "170199"
    from tkpk_lib.errors import SchemaError

    with pytest.raises(SchemaError, match="170199"):
        kecamatan_p0(bad, design, villages)


def test_province_pockets_runs():
    villages, hh, design = make_survey()
    res = province_pockets(hh, design, villages, typology_k=3)
    assert set(res) == {"scores", "typology", "registry", "kecamatan", "pockets", "timings"}
    pk = res["pockets"]
    assert (pk["level"] == "kecamatan").sum() == 16 and (pk["level"] == "desa").sum() == 64
    assert pk["is_pocket"].any()
    assert "typology_id" in pk.columns


def test_kecamatan_p0_given_targets_and_direct_variances():
    villages, hh, design = make_survey()
    k = kecamatan_p0(hh, design, villages, benchmark={"1701": 0.20, "1702": 0.10})
    wm = (k["estimate"] * k["population"]).groupby(k["kab_code"]).sum() / k.groupby(
        "kab_code")["population"].sum()
    np.testing.assert_allclose(wm.sort_index().to_numpy(), [0.20, 0.10], rtol=1e-10)
    assert not k["clipped"].any()
    # raw design variances: a kecamatan whose direct SE is 0 cannot be "exactly known"
    hh2 = hh.copy()
    hh2.loc[hh2["kec_code"] == "170101", "exp_pc"] = 900_000.0  # nobody poor -> SE 0
    k2 = kecamatan_p0(hh2, design, villages, variance="direct", benchmark=False)
    row = k2.set_index("kec_code").loc["170101"]
    assert row["direct"] == 0.0 and not row["in_sample"]
    np.testing.assert_allclose(k2["benchmark_factor"], 1.0)
    # with the default GVF the same kecamatan stays in the model
    k3 = kecamatan_p0(hh2, design, villages)
    assert k3.set_index("kec_code").loc["170101", "in_sample"]


def test_registry_coverage_carried_to_desa_and_kecamatan():
    kec = _kec(["170101"], [0.2], [3000])
    sc = _scores(["1701012001", "1701012002"], ["170101", "170101"], [1000, 2000], [40.0, 20.0])
    rc = pd.DataFrame({"desa_code": ["1701012001", "1701012002"], "registry_hh": [100, 300],
                       "registry_persons": [400, 1200], "cov_pkh": [0.2, 0.6]})
    out = pocket_list(kec, sc, registry_counts=rc, top=1, within=None)
    d = out[out["level"] == "desa"].set_index("code")
    assert d.loc["1701012001", "cov_pkh"] == 0.2
    k = out[out["level"] == "kecamatan"].set_index("code")
    assert k.loc["170101", "cov_pkh"] == pytest.approx((0.2 * 100 + 0.6 * 300) / 400)


def test_kecamatan_p0_one_kabupaten_and_one_year():
    villages, hh, design = make_survey()
    k = kecamatan_p0(hh[hh["kab_code"] == "1702"], design, villages, covariates=["sub_basic_services"])
    assert len(k) == 8 and set(k["kab_code"]) == {"1702"}
    two = pd.concat([hh, hh.assign(year=2023, hh_id=hh["hh_id"] + "b")])
    from tkpk_lib.errors import SchemaError

    with pytest.raises(SchemaError, match="year"):
        kecamatan_p0(two, design, villages)
