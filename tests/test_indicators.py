"""Tests of tkpk_lib.analysis.indicators: hand-computed frames, independent formulas, domain logic."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tkpk_lib.analysis import indicators as ind
from tkpk_lib.errors import SchemaError, TkpkError
from tkpk_lib.estimation.design import SurveyDesign
from tkpk_lib.estimation.estimators import survey_mean

W = SurveyDesign("weight")


# --------------------------------------------------------------------------- fixtures
@pytest.fixture
def hh() -> pd.DataFrame:
    # person weights W = weight * hh_size = [2, 2, 3, 1, 2], N = 10
    return pd.DataFrame(
        {
            "hh_id": ["a", "b", "c", "d", "e"],
            "exp_pc": [50.0, 90.0, 120.0, 200.0, 60.0],
            "poverty_line": [100.0, 100.0, 100.0, 150.0, 80.0],
            "hh_size": [2, 1, 3, 1, 4],
            "weight": [1.0, 2.0, 1.0, 1.0, 0.5],
            "urban": [1, 0, 1, 0, 1],
        }
    )


def _persons(hh: pd.DataFrame) -> pd.DataFrame:
    """Expand households to one row per person (same household weight)."""
    return hh.loc[hh.index.repeat(hh["hh_size"])].reset_index(drop=True)


# --------------------------------------------------------------------------- FGT
def test_fgt_hand_computed_with_column_line_and_sizes(hh):
    # poor: a (gap .5), b (gap .1), e (gap .25); W of each = 2
    p0 = ind.fgt(hh, W, "exp_pc", "poverty_line", alpha=0, size="hh_size")
    p1 = ind.fgt(hh, W, "exp_pc", "poverty_line", alpha=1, size="hh_size")
    p2 = ind.fgt(hh, W, "exp_pc", "poverty_line", alpha=2, size="hh_size")
    assert p0["estimate"].iloc[0] == pytest.approx(6 / 10)
    assert p1["estimate"].iloc[0] == pytest.approx((2 * 0.5 + 2 * 0.1 + 2 * 0.25) / 10)
    assert p2["estimate"].iloc[0] == pytest.approx((2 * 0.25 + 2 * 0.01 + 2 * 0.0625) / 10)
    assert p0["n_weighted"].iloc[0] == pytest.approx(10.0)
    assert list(p0.columns) == ["indicator", *ind.RESULT_COLUMNS]
    assert (p0["indicator"] == "p0").all() and (p2["indicator"] == "p2").all()


def test_fgt_domains(hh):
    r = ind.fgt(hh, W, "exp_pc", "poverty_line", by="urban", size="hh_size").set_index("urban")
    # urban rows a, c, e: W 2, 3, 2, poor a and e -> 4/7; rural b, d: W 2, 1, poor b -> 2/3
    assert r.loc[1, "estimate"] == pytest.approx(4 / 7)
    assert r.loc[0, "estimate"] == pytest.approx(2 / 3)


def test_fgt_scalar_line_equals_constant_column(hh):
    a = ind.fgt(hh, W, "exp_pc", 100.0, alpha=1, size="hh_size")
    b = ind.fgt(hh.assign(z=100.0), W, "exp_pc", "z", alpha=1, size="hh_size")
    pd.testing.assert_frame_equal(a, b)


def test_fgt_household_file_equals_expanded_person_file(hh):
    """Household rows weighted w*size == person rows clustered in households (same SE)."""
    hh = hh.assign(stratum=["s1", "s1", "s1", "s2", "s2"])
    d_hh = SurveyDesign("weight", strata="stratum")
    d_p = SurveyDesign("weight", strata="stratum", psu="hh_id")
    persons = _persons(hh)
    for alpha in (0, 1, 2):
        a = ind.fgt(hh, d_hh, "exp_pc", "poverty_line", alpha=alpha, size="hh_size", by="urban")
        b = ind.fgt(persons, d_p, "exp_pc", "poverty_line", alpha=alpha, by="urban")
        np.testing.assert_allclose(a["estimate"], b["estimate"], rtol=1e-12)
        np.testing.assert_allclose(a["se"], b["se"], rtol=1e-10)


def test_poor_count(hh):
    r = ind.poor_count(hh, W, "exp_pc", "poverty_line", size="hh_size")
    assert r["estimate"].iloc[0] == pytest.approx(6.0)
    assert r["indicator"].iloc[0] == "poor_count"
    # person file, size=None: each row one person
    r2 = ind.poor_count(_persons(hh), W, "exp_pc", "poverty_line")
    assert r2["estimate"].iloc[0] == pytest.approx(6.0)


def test_fgt_errors(hh):
    with pytest.raises(TkpkError):
        ind.fgt(hh, W, "exp_pc", 100.0, alpha=3)
    with pytest.raises(SchemaError, match="poverty_line"):
        ind.fgt(hh.assign(poverty_line=[100.0, np.nan, 100, 100, 100]), W, "exp_pc", "poverty_line")
    with pytest.raises(SchemaError, match="exp_pc"):
        ind.fgt(hh.drop(columns="exp_pc"), W, "exp_pc", 100.0)
    with pytest.raises(TkpkError):
        ind.fgt(hh, W, "exp_pc", -5.0)


# --------------------------------------------------------------------------- extreme poverty
def test_extreme_poverty_lines_table_consistent():
    lines = ind.extreme_poverty_lines()
    assert lines["year"].is_unique
    calc = lines["line_usd_ppp_day"] * lines["rp_per_ppp_usd"] * lines["days_per_month"]
    np.testing.assert_allclose(calc, lines["line_rp_month"], rtol=1e-4)
    q = lines.set_index("year")
    assert q.loc[2021, "line_rp_month"] == 322170 and q.loc[2021, "status"] == "quoted"
    assert q.loc[2024, "line_usd_ppp_day"] == 2.15 and q.loc[2024, "ppp_base"] == "2017 PPP"
    assert set(lines["status"]) <= {"quoted", "assumption"}
    assert lines.loc[lines["status"] == "assumption", "note"].str.contains("ASSUMPTION").all()


def test_extreme_poverty_uses_line_of_each_year():
    df = pd.DataFrame(
        {
            "year": [2021, 2021, 2024, 2024],
            # 2021 line 322,170; 2024 line 391,000
            "exp_pc": [322000.0, 330000.0, 330000.0, 400000.0],
            "hh_size": [1, 1, 1, 1],
            "weight": 1.0,
        }
    )
    r = ind.extreme_poverty(df, W, "exp_pc", by="year", size="hh_size").set_index("year")
    assert r.loc[2021, "estimate"] == pytest.approx(0.5)
    assert r.loc[2024, "estimate"] == pytest.approx(0.5)
    assert (r["indicator"] == "p0_extreme").all()
    # a deflator of 0.5 halves the line: nobody poor
    r2 = ind.extreme_poverty(df.assign(defl=0.5), W, "exp_pc", size="hh_size", deflator="defl")
    assert r2["estimate"].iloc[0] == pytest.approx(0.0)
    with pytest.raises(TkpkError, match="2030"):
        ind.extreme_poverty(df.assign(year=2030), W, "exp_pc")


# --------------------------------------------------------------------------- Gini
def _gini_mean_difference(x: np.ndarray) -> float:
    """Independent O(n^2) Gini for equal weights: sum|xi - xj| / (2 n^2 mean)."""
    n = len(x)
    return float(np.abs(x[:, None] - x[None, :]).sum() / (2 * n * n * x.mean()))


def _gini_laeken_loop(x, w) -> float:
    """laeken:::giniCoeff written out with a loop (divided by 100)."""
    pairs = sorted(zip(x, w, strict=True), key=lambda t: t[0])
    cw = 0.0
    num = 0.0
    sq = 0.0
    for xi, wi in pairs:
        cw += wi
        num += wi * xi * cw
        sq += wi * wi * xi
    sw = sum(w)
    swx = sum(a * b for a, b in pairs)
    return (2 * num - sq) / (sw * swx) - 1


def _gini_convey_point(x, w) -> float:
    """convey:::CalcGini (its own point formula), for the finite-difference check."""
    o = np.argsort(x, kind="stable")
    x, w = x[o], w[o]
    r = np.cumsum(w)
    return float(np.sum((2 * r - 1) * x * w) / (w.sum() * np.sum(x * w)) - 1)


def test_gini_tiny_hand_values():
    d = pd.DataFrame({"x": [1.0, 2.0, 3.0, 4.0], "weight": 1.0})
    assert ind.gini(d, W, "x")["estimate"].iloc[0] == pytest.approx(0.25)
    d = pd.DataFrame({"x": [5.0, 5.0, 5.0], "weight": 2.0})
    assert ind.gini(d, W, "x")["estimate"].iloc[0] == pytest.approx(0.0, abs=1e-15)
    # one person holds everything: (n - 1) / n
    d = pd.DataFrame({"x": [0.0, 0.0, 0.0, 8.0], "weight": 1.0})
    assert ind.gini(d, W, "x")["estimate"].iloc[0] == pytest.approx(0.75)


def test_gini_equal_weights_matches_mean_difference():
    rng = np.random.default_rng(1)
    x = rng.lognormal(13, 0.5, 60)
    d = pd.DataFrame({"x": x, "weight": 3.0})
    assert ind.gini(d, W, "x")["estimate"].iloc[0] == pytest.approx(
        _gini_mean_difference(x), rel=1e-12
    )


def test_gini_weights_match_laeken_formula_and_size():
    rng = np.random.default_rng(2)
    x = np.round(rng.lognormal(13, 0.6, 40), -3)  # rounding creates ties
    w = rng.uniform(10, 100, 40)
    s = rng.integers(1, 7, 40)
    d = pd.DataFrame({"x": x, "weight": w, "hh_size": s})
    got = ind.gini(d, W, "x", size="hh_size")["estimate"].iloc[0]
    assert got == pytest.approx(_gini_laeken_loop(list(x), list(w * s)), rel=1e-12)


def test_gini_influence_is_derivative_of_convey_gini():
    """convey's linearised variable = d Gini / d w_k (checked by central differences)."""
    rng = np.random.default_rng(3)
    x = rng.lognormal(10, 0.7, 25)
    w = rng.uniform(1, 5, 25)
    lin = ind._gini_influence(x, w)
    h = 1e-6
    for k in range(25):
        wp, wm = w.copy(), w.copy()
        wp[k] += h
        wm[k] -= h
        fd = (_gini_convey_point(x, wp) - _gini_convey_point(x, wm)) / (2 * h)
        assert lin[k] == pytest.approx(fd, rel=1e-5, abs=1e-9)


def test_gini_se_is_design_variance_of_scores():
    rng = np.random.default_rng(4)
    n = 50
    d = pd.DataFrame(
        {"x": rng.lognormal(12, 0.5, n), "weight": rng.uniform(1, 3, n), "g": rng.integers(0, 2, n)}
    )
    r = ind.gini(d, W, "x", by="g").set_index("g")
    for g in (0, 1):
        m = (d["g"] == g).to_numpy()
        z = np.zeros(n)
        z[m] = ind._gini_influence(d["x"].to_numpy()[m], d["weight"].to_numpy()[m])
        wz = d["weight"].to_numpy() * z
        # with-replacement, unstratified, every row its own PSU: n/(n-1) sum (wz - mean)^2
        var = n / (n - 1) * np.sum((wz - wz.mean()) ** 2)
        assert r.loc[g, "se"] == pytest.approx(np.sqrt(var), rel=1e-10)
        assert r.loc[g, "estimate"] == pytest.approx(
            _gini_laeken_loop(list(d["x"][m]), list(d["weight"][m])), rel=1e-12
        )
        assert r.loc[g, "n"] == m.sum()
    assert set(r["reliability"]) <= {"reliable", "caution", "unreliable"}


def _bootstrap_se(stat, x, w, reps=300, seed=0):
    rng = np.random.default_rng(seed)
    n = len(x)
    vals = []
    for _ in range(reps):
        i = rng.integers(0, n, n)
        vals.append(stat(x[i], w[i]))
    return float(np.std(vals, ddof=1))


def test_gini_and_bottom40_se_close_to_bootstrap():
    rng = np.random.default_rng(5)
    n = 600
    x = rng.lognormal(13, 0.6, n)
    w = np.ones(n)
    d = pd.DataFrame({"x": x, "weight": w})
    se_g = ind.gini(d, W, "x")["se"].iloc[0]
    boot_g = _bootstrap_se(ind._gini_laeken, x, w)
    assert se_g == pytest.approx(boot_g, rel=0.2)
    se_b = ind.bottom40_share(d, W, "x")["se"].iloc[0]
    boot_b = _bootstrap_se(lambda a, b: ind._lorenz_point(a, b, 0.4)[0], x, w)
    assert se_b == pytest.approx(boot_b, rel=0.2)


# --------------------------------------------------------------------------- bottom 40%
def test_bottom40_share_hand_computed():
    d = pd.DataFrame({"x": [1.0, 2.0, 3.0, 4.0, 10.0], "weight": 1.0})
    assert ind.bottom40_share(d, W, "x")["estimate"].iloc[0] == pytest.approx(3 / 20)
    # persons W = [1, 1, 2, 1] (N = 5): the bottom 2 persons are x=10 and x=20 -> 30 / 130
    d = pd.DataFrame({"x": [40.0, 10.0, 30.0, 20.0], "weight": 1.0, "hh_size": [1, 1, 2, 1]})
    r = ind.bottom40_share(d, W, "x", size="hh_size")
    assert r["estimate"].iloc[0] == pytest.approx(30 / 130)
    assert r["indicator"].iloc[0] == "bottom40_share"
    # boundary inside a household: W = [1.5, 2, 1.5], 0.4 N = 2 -> 1.5*10 + 0.5*20 = 25 of 100
    d = pd.DataFrame({"x": [10.0, 20.0, 30.0], "weight": [1.5, 2.0, 1.5]})
    assert ind.bottom40_share(d, W, "x")["estimate"].iloc[0] == pytest.approx(25 / 100)


# --------------------------------------------------------------------------- quintiles
def test_welfare_quintile_weighted_and_ties():
    d = pd.DataFrame({"x": [5.0, 1.0, 4.0, 2.0, 3.0], "weight": 1.0})
    assert ind.welfare_quintile(d, W, "x").tolist() == [5, 1, 4, 2, 3]
    # person weights 4 and 1: the poorer household holds 80% of persons
    d = pd.DataFrame({"x": [1.0, 2.0], "weight": 1.0, "hh_size": [4, 1]})
    assert ind.welfare_quintile(d, W, "x", "hh_size").tolist() == [3, 5]
    d = pd.DataFrame({"x": [1.0, 1.0, 2.0, 3.0], "weight": 1.0})
    q = ind.welfare_quintile(d, W, "x")
    assert q.iloc[0] == q.iloc[1]
    dec = ind.welfare_quintile(
        pd.DataFrame({"x": np.arange(20.0), "weight": 1.0}), W, "x", n_groups=10
    )
    assert dec.name == "welfare_decile"
    assert dec.value_counts().sort_index().tolist() == [2] * 10


# --------------------------------------------------------------------------- labour
@pytest.fixture
def labour() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "age": [12, 20, 30, 40, 50, 60, 25, 35],
            "female": [0, 0, 0, 0, 1, 1, 1, 1],
            "urban": [1, 1, 0, 0, 1, 1, 0, 0],
            "lf_status": [1, 1, 2, 1, 3, 1, 2, 1],
            "hours": [10.0, 40.0, np.nan, 20.0, np.nan, 30.0, np.nan, 50.0],
            "informal": [1, 1, 0, 0, 0, 1, 0, 1],
            "wants_more_hours": [1, 0, 0, 1, 0, 0, 0, 0],
            "weight": [5.0, 1.0, 2.0, 1.0, 1.0, 2.0, 1.0, 1.0],
        }
    )


def test_labour_indicators_hand_computed(labour):
    r = ind.labour_indicators(labour, W).set_index("indicator")["estimate"]
    # 15+: rows 1-7 (row 0 aged 12 excluded). weights 1,2,1,1,2,1,1 -> pop 9
    # employed rows 1,3,5,7: W 1+1+2+1 = 5; unemployed rows 2,6: 2+1 = 3; LF 8
    assert r["tpt"] == pytest.approx(3 / 8)
    assert r["tpak"] == pytest.approx(8 / 9)
    # informal employed rows 1,5,7: 1+2+1 = 4 of 5
    assert r["informal_share"] == pytest.approx(4 / 5)
    # <35h and wanting more among employed 15+: row 3 (20h, wants) -> 1 of 5 (row 0 is 12)
    assert r["underemployment"] == pytest.approx(1 / 5)


def test_labour_by_sex_and_domain_logic(labour):
    r = ind.labour_indicators(labour, W, by="female")
    t = r[r["indicator"] == "tpt"].set_index("female")
    # men 15+: employed rows 1,3 (W 2), unemployed row 2 (W 2): 2/4; women: 1/(2+1+1)
    assert t.loc[0, "estimate"] == pytest.approx(0.5)
    assert t.loc[1, "estimate"] == pytest.approx(1 / 4)
    # the ratio equals the domain mean of "unemployed" over the labour-force domain (same SE)
    lab = labour.assign(
        unemp=(labour["lf_status"] == 2).astype(int),
        lf=np.where((labour["age"] >= 15) & labour["lf_status"].isin([1, 2]), 1, np.nan),
    )
    ref = survey_mean(lab, W, "unemp", by="lf").set_index("lf")
    tot = ind.labour_indicators(labour, W).set_index("indicator")
    assert tot.loc["tpt", "estimate"] == pytest.approx(ref.loc[1.0, "estimate"])
    assert tot.loc["tpt", "se"] == pytest.approx(ref.loc[1.0, "se"], rel=1e-10)


def test_labour_missing_hours_for_employed_is_an_error(labour):
    bad = labour.copy()
    bad.loc[1, "hours"] = np.nan
    with pytest.raises(SchemaError, match="hours"):
        ind.labour_indicators(bad, W)


# --------------------------------------------------------------------------- services
def test_service_indicators_households():
    h = pd.DataFrame(
        {
            "water_safe": [1, 0, 1, 1],
            "sanitation_safe": [1, 1, 0, 0],
            "electricity": [1, 1, 1, 0],
            "decent_housing": [0, 0, 1, 0],
            "hh_size": [5, 1, 1, 1],
            "weight": [1.0, 1.0, 2.0, 4.0],
        }
    )
    r = ind.service_indicators(h, W).set_index("indicator")["estimate"]
    # shares of households (household weight, not persons): total weight 8
    assert r["water_safe"] == pytest.approx(7 / 8)
    assert r["sanitation_safe"] == pytest.approx(2 / 8)
    assert r["electricity"] == pytest.approx(4 / 8)
    assert r["decent_housing"] == pytest.approx(2 / 8)


def test_service_indicators_persons():
    p = pd.DataFrame(
        {
            "age": [6, 7, 12, 13, 15, 16, 18, 19, 40],
            "school_status": [1, 1, 2, 1, 0, 1, 2, 1, 2],
            "jkn_member": [1, 1, 0, 1, 1, 0, 0, 1, 1],
            "weight": [1.0, 2.0, 1.0, 1.0, 3.0, 1.0, 1.0, 1.0, 1.0],
        }
    )
    r = ind.service_indicators(p, W).set_index("indicator")["estimate"]
    assert r["aps_7_12"] == pytest.approx(2 / 3)  # ages 7 (W2, in school), 12 (W1, not)
    assert r["aps_13_15"] == pytest.approx(1 / 4)  # 13 (W1 in), 15 (W3 never)
    assert r["aps_16_18"] == pytest.approx(1 / 2)  # 16 in, 18 out; 19 not in the group
    assert r["jkn_coverage"] == pytest.approx(9 / 12)
    only = ind.service_indicators(p, W, indicators=["jkn_coverage"])
    assert only["indicator"].tolist() == ["jkn_coverage"]
    with pytest.raises(TkpkError):
        ind.service_indicators(p, W, indicators=["nope"])


# --------------------------------------------------------------------------- disaggregation
def test_disaggregate_stacks_total_and_dimensions(hh):
    hh = hh.assign(kab_code=["1701", "1701", "1771", "1771", "1771"], head_female=[0, 1, 0, 0, 1])
    t = ind.disaggregate(
        ind.fgt,
        hh,
        W,
        dims=["kab_code", "urban", "head_female", "welfare_quintile"],
        welfare="exp_pc",
        line="poverty_line",
        size="hh_size",
    )
    assert list(t.columns[:4]) == ["indicator", "dimension", "group", "group_label"]
    tot = t[t["dimension"] == "total"]
    assert len(tot) == 1 and tot["estimate"].iloc[0] == pytest.approx(0.6)
    k = t[t["dimension"] == "kab_code"].set_index("group")
    assert k.loc["1701", "estimate"] == pytest.approx(1.0)  # a, b poor
    assert k.loc["1771", "estimate"] == pytest.approx(2 / 6)  # c(3), d(1), e(2 poor)
    assert "Bengkulu" in k.loc["1771", "group_label"]
    u = t[t["dimension"] == "urban"].set_index("group")
    assert u.loc["1", "group_label"] == "Perkotaan"
    assert u.loc["1", "estimate"] == pytest.approx(4 / 7)
    q = t[t["dimension"] == "welfare_quintile"]
    assert q["group"].str.fullmatch("[1-5]").all()
    # each dimension's domains partition the persons
    for dim in ("kab_code", "urban", "head_female", "welfare_quintile"):
        assert t.loc[t["dimension"] == dim, "n_weighted"].sum() == pytest.approx(10.0)


def test_disaggregate_multi_indicator_function(labour):
    t = ind.disaggregate(ind.labour_indicators, labour, W, dims=["female", "urban"])
    assert set(t["indicator"]) == {"tpt", "tpak", "informal_share", "underemployment"}
    assert len(t) == 4 * (1 + 2 + 2)
    with pytest.raises(SchemaError):
        ind.disaggregate(ind.labour_indicators, labour, W, dims=["kab_code"])


# --------------------------------------------------------------------------- catalogue
def test_catalogue_complete_and_consistent():
    cat = ind.indicator_catalogue()
    need = {
        "code",
        "name_id",
        "name_en",
        "definition",
        "definisi",
        "source_survey",
        "unit",
        "direction",
        "estimator",
        "decimals",
    }
    assert need <= set(cat.columns)
    assert cat["code"].is_unique
    assert set(cat["direction"]) <= {"higher_better", "lower_better"}
    assert set(cat["unit"]) <= {"fraction", "persons", "Rp", "index"}
    assert cat[list(need)].notna().all().all()
    for est in cat["estimator"]:
        assert callable(getattr(ind, est)), est
    produced = {
        "p0",
        "p1",
        "p2",
        "poor_count",
        "p0_extreme",
        "gini",
        "bottom40_share",
        "tpt",
        "tpak",
        "informal_share",
        "underemployment",
        "water_safe",
        "sanitation_safe",
        "electricity",
        "decent_housing",
        "aps_7_12",
        "aps_13_15",
        "aps_16_18",
        "jkn_coverage",
    }
    assert produced == set(cat["code"])
    assert ind.indicator_label("p0", "en") == "Poverty headcount ratio (P0)"
    with pytest.raises(TkpkError):
        ind.indicator_label("nope")


def test_poverty_indicators_block_and_formatting(hh):
    r = ind.poverty_indicators(hh, W, "exp_pc", "poverty_line", size="hh_size")
    assert r["indicator"].tolist() == ["p0", "p1", "p2", "poor_count"]
    np.testing.assert_allclose(r["estimate"], [0.6, 0.17, 0.0645, 6.0])
    f = ind.format_results(r)
    assert f["value"].tolist() == ["60,00", "17,00", "6,45", "6"]
    assert f["name"].iloc[0] == "Persentase penduduk miskin (P0)"
    assert f["unit"].tolist()[:2] == ["%", "fraction"]
    assert ind.format_results(r, lang="en")["name"].iloc[3] == "Number of poor persons"


def test_welfare_quintile_missing_group_is_missing():
    d = pd.DataFrame({"x": [1.0, 2.0, 3.0], "weight": 1.0, "kab_code": ["1701", None, "1701"]})
    q = ind.welfare_quintile(d, W, "x", by="kab_code")
    assert q.isna().tolist() == [False, True, False]
    assert q.dropna().tolist() == [2, 4]


def test_ratio_indicators_count_the_denominator_group_in_n():
    """n of APS 7-12 is the number of sample children aged 7-12, not every person."""
    from tkpk_lib.analysis.indicators import service_indicators
    from tkpk_lib.estimation.design import SurveyDesign

    df = pd.DataFrame({"age": [8, 10, 14, 30, 9], "school_status": [1, 0, 1, 2, 1], "jkn_member": [1, 0, 1, 1, 0],
                       "w": [1.0, 2.0, 1.0, 1.0, 1.0], "g": ["a", "a", "a", "b", "b"]})
    r = service_indicators(df, SurveyDesign(weight="w"), level_of="persons").set_index("indicator")
    assert r.loc["aps_7_12", "n"] == 3 and r.loc["aps_13_15", "n"] == 1
    assert r.loc["aps_7_12", "estimate"] == pytest.approx(2 / 4)
    rb = service_indicators(df, SurveyDesign(weight="w"), by="g", level_of="persons")
    rb = rb[rb["indicator"] == "aps_7_12"].set_index("g")
    assert rb.loc["a", "n"] == 2 and rb.loc["b", "n"] == 1


def test_batched_blocks_equal_one_core_call_per_indicator(labour):
    """FGT, service and labour blocks use one core call for several variables: same numbers
    (and n) as one call per variable, here against direct estimate-core calls per variable."""
    from tkpk_lib.estimation.estimators import survey_ratio

    rng = np.random.default_rng(4)
    n = 60
    h = pd.DataFrame({
        "exp_pc": rng.uniform(50, 300, n), "poverty_line": 120.0, "hh_size": rng.integers(1, 6, n),
        "weight": rng.uniform(0.5, 3, n), "stratum": rng.choice(["s1", "s2", "s3"], n),
        "psu": [f"p{i // 3}" for i in range(n)], "g": rng.choice(["a", "b", None], n),
        **{c: rng.integers(0, 2, n) for c in ("water_safe", "sanitation_safe", "electricity",
                                              "decent_housing")},
    })
    d = SurveyDesign("weight", strata="stratum", psu="psu")
    for by in (None, "g"):
        block = ind.poverty_indicators(h, d, "exp_pc", "poverty_line", by=by, size="hh_size")
        for a in (0, 1, 2):
            one = ind.fgt(h, d, "exp_pc", "poverty_line", alpha=a, by=by, size="hh_size")
            got = block[block["indicator"] == f"p{a}"].reset_index(drop=True)
            pd.testing.assert_frame_equal(got, one, check_exact=True)
            # the single-alpha path against the core directly
            y, z = h["exp_pc"].to_numpy(), h["poverty_line"].to_numpy()
            v = (y < z).astype(float) if a == 0 else np.where(y < z, ((z - y) / z) ** a, 0.0)
            work = h.assign(v=v, pw=h["weight"] * h["hh_size"])
            core = survey_mean(work, SurveyDesign("pw", strata="stratum", psu="psu"), "v", by=by)
            np.testing.assert_array_equal(one["estimate"], core["estimate"])
            np.testing.assert_array_equal(one["se"], core["se"])
        serv = ind.service_indicators(h, d, by=by, level_of="households", ci="logit")
        for code in ind.HOUSEHOLD_SERVICES:
            core = survey_mean(h, d, ind.HOUSEHOLD_SERVICES[code], by=by, ci="logit")
            got = serv[serv["indicator"] == code].reset_index(drop=True)
            for c in ind.RESULT_COLUMNS:
                np.testing.assert_array_equal(got[c].to_numpy(), core[c].to_numpy())
    lab = ind.labour_indicators(labour, W, by="female")
    adult = labour["age"] >= 15
    lf = adult & labour["lf_status"].isin([1, 2])
    work = labour.assign(num=(adult & (labour["lf_status"] == 2)).astype(float), den=lf.astype(float))
    core = survey_ratio(work, W, "num", "den", by="female")
    got = lab[lab["indicator"] == "tpt"].reset_index(drop=True)
    for c in ("estimate", "se", "ci_low", "ci_high", "deff", "n_weighted"):
        np.testing.assert_array_equal(got[c].to_numpy(), core[c].to_numpy())
    assert got["n"].tolist() == work[lf].groupby("female").size().tolist()
