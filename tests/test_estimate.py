"""Tests of tkpk_lib.estimation.estimators against R survey 4.1.1 and hand-computed frames."""

from __future__ import annotations

import dataclasses
import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from tkpk_lib.errors import DesignError
from tkpk_lib.estimation.design import SurveyDesign, linearized_variance, prepare_design
from tkpk_lib.estimation.estimators import (
    RELIABILITY_LEVELS,
    RESULT_COLUMNS,
    RSE_CAUTION_MAX,
    RSE_RELIABLE_MAX,
    domain_codes,
    reliability_flag,
    survey_mean,
    survey_quantile,
    survey_ratio,
    survey_total,
)

API_DIR = Path(__file__).resolve().parent / "data" / "r_survey_api"  # copy of shared/testdata, see SOURCE.md
REF_FILE = API_DIR / "api_reference.json"

# the R calls of make_api_reference.R, as SurveyDesign declarations
R_DESIGNS = {
    "dstrat": ("apistrat", SurveyDesign("pw", strata="stype", fpc="fpc")),
    "dclus1": ("apiclus1", SurveyDesign("pw", psu="dnum", fpc="fpc")),
    # svydesign(ids = ~dnum + snum, fpc = ~fpc1 + fpc2): weights derived from fpc = pw
    "dclus2": ("apiclus2", SurveyDesign("pw", psu="dnum", fpc="fpc1", ssu="snum", fpc2="fpc2")),
    "dstrat_nofpc": ("apistrat", SurveyDesign("pw", strata="stype")),
    "dclus1_nofpc": ("apiclus1", SurveyDesign("pw", psu="dnum")),
    "dclus2_nofpc": ("apiclus2", SurveyDesign("pw", psu="dnum", ssu="snum")),
    "dclus2_nofpc_stage1": ("apiclus2", SurveyDesign("pw", psu="dnum")),
}

EST_RTOL = 1e-9
SE_RTOL = 1e-6


REF = json.loads(REF_FILE.read_text())


def _cases() -> list:
    """One case per reference statistic (and per svyby group) in api_reference.json."""
    out = []
    for dname, entry in REF["designs"].items():
        for key, val in entry.items():
            if not isinstance(val, dict) or not ("estimate" in val or "groups" in val):
                continue
            if "groups" in val:
                for g in val["groups"]:
                    out.append(pytest.param(dname, key, g, id=f"{dname}-{key}-{g}"))
            else:
                out.append(pytest.param(dname, key, None, id=f"{dname}-{key}"))
    return out


_frames: dict[str, pd.DataFrame] = {}


def api(name: str) -> pd.DataFrame:
    if name not in _frames:
        _frames[name] = pd.read_csv(API_DIR / f"{name}.csv", dtype={"cds": str})
    return _frames[name]


def _run(dname: str, key: str) -> pd.DataFrame:
    data, design = R_DESIGNS[dname]
    df = api(data)
    stat, _, rest = key.partition("_")
    if stat == "ratio":  # ratio_api.stu_enroll
        num, den = rest.split("_")
        return survey_ratio(df, design, num, den)
    by = None
    if rest.endswith("_by_stype"):
        rest, by = rest[: -len("_by_stype")], "stype"
    fn = {"mean": survey_mean, "total": survey_total}[stat]
    return fn(df, design, rest, by=by)


def test_reference_covers_all_designs():
    assert set(REF["designs"]) == set(R_DESIGNS)
    assert REF["data"]["apiclus2"]["n_enroll_na"] == 6
    assert int(api("apiclus2")["enroll"].isna().sum()) == 6


@pytest.mark.parametrize("dname", list(R_DESIGNS))
def test_design_degf_and_weights(dname):
    data, design = R_DESIGNS[dname]
    df = api(data)
    entry = REF["designs"][dname]
    assert design.degf(df) == entry["degf"]
    assert df[design.weight].sum() == pytest.approx(entry["sum_weights"], rel=1e-12)


def test_dclus2_weights_equal_fpc_derived_weights():
    """R derives dclus2's weights from fpc1/fpc2; using pw instead is exact (weights_check)."""
    df = api("apiclus2")
    assert REF["designs"]["dclus2"]["weights_check"]["result"] is True
    n1 = df["dnum"].nunique()
    m = df.groupby("dnum")["snum"].transform("nunique")
    derived = df["fpc1"] / n1 * df["fpc2"] / m
    assert np.allclose(derived, df["pw"], rtol=1e-12)


@pytest.mark.parametrize("dname,key,group", _cases())
def test_against_r_survey(dname, key, group):
    ref = REF["designs"][dname][key]
    res = _run(dname, key)
    if group is None:
        assert len(res) == 1
        row, want = res.iloc[0], ref
    else:
        row, want = res.set_index("stype").loc[group], ref["groups"][group]
    assert row["estimate"] == pytest.approx(want["estimate"], rel=EST_RTOL)
    assert row["se"] == pytest.approx(want["se"], rel=SE_RTOL)
    assert row["ci_low"] == pytest.approx(want["ci_lower"], rel=SE_RTOL)
    assert row["ci_high"] == pytest.approx(want["ci_upper"], rel=SE_RTOL)
    assert row["rse"] == pytest.approx(want["se"] / abs(want["estimate"]), rel=SE_RTOL)


def test_enroll_missing_is_a_domain_not_a_subset():
    """na.rm: dropping the 6 NA rows by subsetting would lose PSUs and change the SE."""
    df = api("apiclus2")
    design = R_DESIGNS["dclus2_nofpc_stage1"][1]
    res = survey_mean(df, design, "enroll").iloc[0]
    assert res["n"] == len(df) - 6
    assert res["n_weighted"] == pytest.approx(df.loc[df["enroll"].notna(), "pw"].sum())
    # equivalently: an explicit domain indicator
    ind = df.assign(has=df["enroll"].notna().astype(int))
    by_dom = survey_mean(ind, design, "enroll", by="has")
    assert by_dom["has"].tolist() == [0, 1]
    got = by_dom.iloc[1]
    assert got["estimate"] == pytest.approx(res["estimate"], rel=1e-12)
    assert got["se"] == pytest.approx(res["se"], rel=1e-12)


# ---------------------------------------------------------------- hand-computed frames


def tiny() -> pd.DataFrame:
    """2 strata x 2 PSUs; PSU totals of y: A1=3, A2=6, B3=4, B4=2."""
    return pd.DataFrame(
        {
            "h": ["A", "A", "A", "B", "B", "B"],
            "psu": [1, 1, 2, 3, 4, 4],
            "w": [1.0, 1.0, 2.0, 1.0, 1.0, 1.0],
            "y": [1.0, 2.0, 3.0, 4.0, 0.0, 2.0],
            "g": ["a", "b", "a", "b", "a", "b"],
        }
    )


TINY = SurveyDesign("w", strata="h", psu="psu")


def test_tiny_total_by_hand():
    res = survey_total(tiny(), TINY, "y").iloc[0]
    # stratum A: totals 3, 6 -> 2/1 * (1.5^2 + 1.5^2) = 9; B: 4, 2 -> 2 * (1 + 1) = 4
    assert res["estimate"] == 15.0
    assert res["se"] == pytest.approx(math.sqrt(13.0), rel=1e-14)
    assert res["n"] == 6 and res["n_weighted"] == 7.0
    z = stats.norm.ppf(0.975)
    assert res["ci_low"] == pytest.approx(15 - z * math.sqrt(13), rel=1e-14)
    assert list(survey_total(tiny(), TINY, "y").columns) == list(RESULT_COLUMNS)


def test_tiny_domain_total_and_mean_by_hand():
    res = survey_total(tiny(), TINY, "y", by="g").set_index("g")
    # domain a: PSU totals A1=1, A2=6, B3=0, B4=0 -> A: 2 * 2 * 2.5^2 = 25, B: 0
    assert res.loc["a", "estimate"] == 7.0
    assert res.loc["a", "se"] == pytest.approx(5.0, rel=1e-14)
    # domain b: A1=2, A2=0, B3=4, B4=2 -> A: 2 * 2 * 1 = 4, B: 2 * 2 * 1 = 4
    assert res.loc["b", "estimate"] == 8.0
    assert res.loc["b", "se"] == pytest.approx(math.sqrt(8.0), rel=1e-14)
    # mean of domain a: N = 4, mean = 1.75; w z = w (y - 1.75) / 4 per row
    m = survey_mean(tiny(), TINY, "y", by="g").set_index("g")
    assert m.loc["a", "estimate"] == 1.75
    t = {"A1": (1 - 1.75) / 4, "A2": 2 * (3 - 1.75) / 4, "B3": 0.0, "B4": (0 - 1.75) / 4}
    va = 2 * ((t["A1"] - t["A2"]) / 2) ** 2 * 2
    vb = 2 * ((t["B3"] - t["B4"]) / 2) ** 2 * 2
    assert m.loc["a", "se"] == pytest.approx(math.sqrt(va + vb), rel=1e-13)
    assert m.loc["a", "n"] == 3 and m.loc["a", "n_weighted"] == 4.0


def test_domain_is_not_subsetting():
    """Subsetting to the domain would drop PSU B3 and halve stratum B's PSU count."""
    df = tiny()
    sub = df[df["g"] == "a"]
    with pytest.raises(DesignError):  # stratum B has a single PSU in the subset
        survey_total(sub, TINY, "y")
    full = survey_total(df, TINY, "y", by="g").set_index("g").loc["a"]
    assert full["se"] == pytest.approx(5.0)


def test_linearized_variance_matches_domain_totals():
    df = tiny()
    z = np.column_stack([df["y"], df["y"] * (df["g"] == "a"), np.ones(len(df))])
    v = linearized_variance(df, TINY, z)
    assert v[0] == pytest.approx(13.0)
    assert v[1] == pytest.approx(25.0)
    # z = 1: variance of the estimated population size, PSU weight sums 2, 2, 1, 2
    assert v[2] == pytest.approx(2 * 2 * 0.0**2 + 2 * 2 * 0.5**2)
    with pytest.raises(DesignError, match="NaN"):
        linearized_variance(df, TINY, np.full(len(df), np.nan))


def test_mean_of_srs_has_deff_one_and_textbook_se():
    rng = np.random.default_rng(3)
    y = rng.normal(10, 2, size=50)
    df = pd.DataFrame({"w": 1.0, "y": y})
    res = survey_mean(df, SurveyDesign("w"), "y").iloc[0]
    assert res["estimate"] == pytest.approx(y.mean(), rel=1e-14)
    assert res["se"] == pytest.approx(y.std(ddof=1) / math.sqrt(50), rel=1e-12)
    assert res["deff"] == pytest.approx(1.0, rel=1e-12)


def test_list_of_variables_and_multiple_by_sorted():
    df = tiny().assign(k=[2, 1, 2, 1, 2, 1], y2=lambda d: d["y"] * 10)
    res = survey_mean(df, TINY, ["y", "y2"], by=["g", "k"])
    assert list(res.columns[:3]) == ["g", "k", "variable"]
    assert res[["g", "k"]].drop_duplicates().values.tolist() == [["a", 2], ["b", 1]]
    assert res["variable"].tolist() == ["y", "y2", "y", "y2"]
    assert res["estimate"].iloc[1] == pytest.approx(10 * res["estimate"].iloc[0])
    assert res["se"].iloc[1] == pytest.approx(10 * res["se"].iloc[0])


def test_missing_by_value_belongs_to_no_domain():
    df = tiny()
    df["g2"] = pd.Series(["a", None, "a", "b", "a", "b"], dtype="string")
    res = survey_total(df, TINY, "y", by="g2")
    assert res["g2"].tolist() == ["a", "b"]
    assert res["n"].tolist() == [3, 2]
    codes, k, _ = domain_codes(df, "g2")
    assert k == 2 and codes[1] == -1


def test_missing_y_dropped_as_domain():
    df = tiny()
    df.loc[1, "y"] = np.nan
    res = survey_total(df, TINY, "y").iloc[0]
    assert res["estimate"] == 13.0 and res["n"] == 5 and res["n_weighted"] == 6.0
    # identical to a domain excluding row 2
    df2 = tiny().assign(keep=[1, 0, 1, 1, 1, 1])
    ref = survey_total(df2, TINY, "y", by="keep").set_index("keep").loc[1]
    assert res["se"] == pytest.approx(ref["se"], rel=1e-14)


def test_ratio_by_hand_and_missing_in_either_column():
    df = tiny().assign(x=[2.0, 2.0, 2.0, 4.0, 2.0, 2.0])
    res = survey_ratio(df, TINY, "y", "x").iloc[0]
    assert res["estimate"] == pytest.approx(15 / 16)
    # z = (y - R x) / X per row, SE from the same PSU formula
    r = 15 / 16
    wz = df["w"] * (df["y"] - r * df["x"]) / 16
    t = wz.groupby(df["psu"]).sum()
    v = 2 * (t[1] - t[2]) ** 2 / 2 + 2 * (t[3] - t[4]) ** 2 / 2
    assert res["se"] == pytest.approx(math.sqrt(v), rel=1e-12)
    df.loc[0, "x"] = np.nan
    assert survey_ratio(df, TINY, "y", "x").iloc[0]["n"] == 5


def test_logit_interval_as_svyciprop():
    df = tiny().assign(p=[1, 0, 1, 0, 0, 1])
    normal = survey_mean(df, TINY, "p").iloc[0]
    lg = survey_mean(df, TINY, "p", ci="logit").iloc[0]
    assert lg["estimate"] == normal["estimate"] and lg["se"] == normal["se"]
    p, se = normal["estimate"], normal["se"]
    t = stats.t.ppf(0.975, 2)  # design df: 4 PSUs - 2 strata (svyciprop default)
    eta, se_eta = math.log(p / (1 - p)), se / (p * (1 - p))
    assert lg["ci_low"] == pytest.approx(1 / (1 + math.exp(-(eta - t * se_eta))), rel=1e-12)
    assert lg["ci_high"] == pytest.approx(1 / (1 + math.exp(-(eta + t * se_eta))), rel=1e-12)
    z = survey_mean(df, TINY, "p", ci="logit", dof=None).iloc[0]
    zc = stats.norm.ppf(0.975)
    assert z["ci_low"] == pytest.approx(1 / (1 + math.exp(-(eta - zc * se_eta))), rel=1e-12)
    with pytest.raises(DesignError, match="proportion"):
        survey_mean(df.assign(p=df["y"]), TINY, "p", ci="logit")


def test_t_interval_with_design_df():
    res = survey_total(tiny(), TINY, "y", dof="design").iloc[0]
    t = stats.t.ppf(0.975, 2)
    assert res["ci_high"] == pytest.approx(15 + t * math.sqrt(13), rel=1e-13)
    res = survey_total(tiny(), TINY, "y", dof=10, level=0.9).iloc[0]
    assert res["ci_high"] == pytest.approx(15 + stats.t.ppf(0.95, 10) * math.sqrt(13))


def test_quantile_math_rule_and_woodruff_by_hand():
    y = np.arange(1.0, 11.0)  # 1..10, equal weights, SRS with replacement
    df = pd.DataFrame({"w": 1.0, "y": y[::-1]})
    res = survey_quantile(df, SurveyDesign("w"), "y", [0.5, 0.25], dof=None)
    assert res["quantile"].tolist() == [0.5, 0.25]
    med = res.iloc[0]
    assert med["estimate"] == 5.0  # smallest y with F(y) >= 0.5
    assert res.iloc[1]["estimate"] == 3.0
    # Woodruff: F(5) = 0.5, SE of the mean of I(y <= 5) = sqrt(0.25 / 9 * ... ) under SRSWR
    u = (y <= 5).astype(float)
    se_f = u.std(ddof=1) / math.sqrt(10)
    z = stats.norm.ppf(0.975)
    lo_p, hi_p = 0.5 - z * se_f, 0.5 + z * se_f
    lo = y[np.searchsorted(np.arange(1, 11) / 10, lo_p)]
    hi = y[np.searchsorted(np.arange(1, 11) / 10, hi_p)]
    assert (med["ci_low"], med["ci_high"]) == (lo, hi)
    assert med["se"] == pytest.approx((hi - lo) / (2 * z))
    assert math.isnan(med["deff"])


def test_quantile_by_domain_and_missing():
    df = tiny()
    df.loc[0, "y"] = np.nan
    res = survey_quantile(df, TINY, "y", 0.5, by="g")
    # domain a: y 3 (w 2), 0 (w 1) -> F(0) = 1/3, F(3) = 1 -> median 3
    # domain b: y 2, 4, 2 (w 1 each) -> median 2
    assert res["estimate"].tolist() == [3.0, 2.0]
    assert res["n"].tolist() == [2, 3]


def test_reliability_flag_thresholds():
    assert RSE_RELIABLE_MAX == 0.25 and RSE_CAUTION_MAX == 0.5
    got = reliability_flag(np.array([0.0, 0.25, 0.2500001, 0.5, 0.51, np.inf, np.nan]))
    assert got.tolist() == [
        "reliable",
        "reliable",
        "caution",
        "caution",
        "unreliable",
        "unreliable",
        "unreliable",
    ]
    assert reliability_flag(0.3) == "caution"
    assert set(RELIABILITY_LEVELS) == {"reliable", "caution", "unreliable"}
    res = survey_total(tiny(), TINY, "y", by="g")
    assert res["reliability"].tolist() == reliability_flag(res["rse"]).tolist()


def test_prepared_design_is_reusable():
    df = tiny()
    prep = prepare_design(df, TINY)
    a = survey_mean(df, prep, "y", by="g")
    b = survey_mean(df, TINY, "y", by="g")
    pd.testing.assert_frame_equal(a, b)
    with pytest.raises(DesignError, match="rows"):
        survey_mean(df.iloc[:3], prep, "y")


def test_non_numeric_variable_is_reported():
    df = tiny().assign(s=["1", "x", "2", "3", "4", "5"])
    with pytest.raises(DesignError, match=r"column 's' is not numeric \[rows 2"):
        survey_total(df, TINY, "s")
    with pytest.raises(DesignError, match="not found"):
        survey_total(df, TINY, "nope")


def _svy_rows(result) -> list:
    result = result[0] if isinstance(result, list) else result
    return sorted(result.estimates, key=lambda e: (e.by_level, str(getattr(e, "y_level", ""))))


def test_matches_svy_package_on_a_stratified_cluster_sample():
    """Second independent implementation (svy 0.35): strata x PSUs x domains.

    Checks estimates, SEs, design effects (svy ``deff="wr"``), t intervals with the domain's
    design df and the logit interval for a proportion.
    """
    svy = pytest.importorskip("svy")
    pl = pytest.importorskip("polars")
    rng = np.random.default_rng(11)
    n_psu = 300
    psu = np.repeat(np.arange(n_psu), rng.integers(5, 30, size=n_psu))
    stratum = (np.arange(n_psu) % 7)[psu]
    y = rng.gamma(2.0, 1.0 + (psu % 5) / 4, size=len(psu))
    df = pd.DataFrame(
        {
            "stratum": stratum,
            "psu": psu * 3 + 11,
            "w": rng.uniform(50, 150, size=n_psu)[psu] * rng.uniform(0.9, 1.1, size=len(psu)),
            "y": y,
            "x": rng.gamma(3.0, 1.0, size=len(psu)),
            "p": (y > 2).astype(int),
            "dom": rng.integers(0, 4, size=len(psu)),
        }
    )
    design = SurveyDesign("w", "stratum", "psu")
    sample = svy.Sample(
        data=pl.from_pandas(df),
        design=svy.Design(stratum="stratum", psu="psu", wgt="w", wr=True),
    )
    est = sample.estimation
    cases = [
        (survey_mean(df, design, "y", by="dom", dof="design"), est.mean("y", by="dom", deff="wr")),
        (
            survey_total(df, design, "y", by="dom", dof="design"),
            est.total("y", by="dom", deff="wr"),
        ),
        (
            survey_ratio(df, design, "y", "x", by="dom", dof="design"),
            est.ratio("y", "x", by="dom", deff="wr"),
        ),
    ]
    for mine, theirs in cases:
        rows = _svy_rows(theirs)
        assert [r.by_level[0] for r in rows] == mine["dom"].tolist()
        np.testing.assert_allclose(mine["estimate"], [r.est for r in rows], rtol=1e-12)
        np.testing.assert_allclose(mine["se"], [r.se for r in rows], rtol=1e-10)
        np.testing.assert_allclose(mine["deff"], [r.deff for r in rows], rtol=1e-9)
        np.testing.assert_allclose(mine["ci_low"], [r.lci for r in rows], rtol=1e-10)
    prop = [r for r in _svy_rows(est.prop("p", by="dom", ci_method="logit")) if r.y_level == 1]
    mine = survey_mean(df, design, "p", by="dom", ci="logit")
    np.testing.assert_allclose(mine["estimate"], [r.est for r in prop], rtol=1e-12)
    np.testing.assert_allclose(mine["ci_low"], [r.lci for r in prop], rtol=1e-9)
    np.testing.assert_allclose(mine["ci_high"], [r.uci for r in prop], rtol=1e-9)
    # quantiles: svy implements R's svyquantile (qrule "math", Woodruff, design df)
    q = survey_quantile(df, design, "y", [0.5, 0.9], by="dom")
    res = est.quantile("y", p=[0.5, 0.9], by="dom")
    items = res.estimates if hasattr(res, "estimates") else [e for r in res for e in r.estimates]
    rows = sorted(items, key=lambda e: (e.by_level, e.prob))
    assert [(r.by_level[0], r.prob) for r in rows] == list(
        zip(q["dom"], q["quantile"], strict=True)
    )
    np.testing.assert_allclose(q["estimate"], [r.est for r in rows], rtol=1e-12)
    np.testing.assert_allclose(q["ci_low"], [r.lci for r in rows], rtol=1e-12)
    np.testing.assert_allclose(q["ci_high"], [r.uci for r in rows], rtol=1e-12)
    np.testing.assert_allclose(q["se"], [r.se for r in rows], rtol=1e-9)


@pytest.mark.parametrize("dname", sorted(R_DESIGNS))
@pytest.mark.parametrize("ci", ["normal", "beta"])
def test_fgt_block_is_survey_mean_of_the_fgt_values_to_the_last_bit(dname, ci):
    """Issue 14 section 4: the one-pass FGT block gives survey_mean's numbers bit for bit.

    On the R reference designs (fpc, two stages, strata), with a line column, person
    weights (size), a domain with missing codes and a design prepared once and reused.
    """
    from tkpk_lib.estimation.fgt import fgt_block

    fname, design = R_DESIGNS[dname]
    df = api(fname).copy()
    df["line"] = np.where(df["stype"] == "E", 700.0, 650.0)
    df["size"] = 1 + np.arange(len(df)) % 4
    df["dom"] = df["stype"].where(np.arange(len(df)) % 17 != 3)  # some rows in no domain
    prep = prepare_design(df, design)
    y, z = df["api00"].to_numpy(float), df["line"].to_numpy(float)
    poor = y < z
    work = df.assign(pw2=df["pw"] * df["size"], f0=poor.astype(float),
                     f1=np.where(poor, ((z - y) / z) ** 1, 0.0), f2=np.where(poor, ((z - y) / z) ** 2, 0.0))
    core = survey_mean(work, dataclasses.replace(design, weight="pw2"), ["f0", "f1", "f2"], by="dom",
                       ci=ci, dof="design")
    for d in (design, prep):  # declared or prepared once
        got = fgt_block(df, d, "api00", "line", (0, 1, 2), by="dom", size="size", ci=ci)
        assert got["variable"].tolist() == [f"fgt{a}" for a in (0, 1, 2)] * 3
        cols = [c for c in core.columns if c != "variable"]
        pd.testing.assert_frame_equal(got[cols], core[cols], check_exact=True)
    assert core["estimate"].between(0, 1).all() and (core["se"] > 0).all()
    # persons without size, scalar line, whole population
    one = fgt_block(df, prep, "api00", 650.0, (1,))
    ref = survey_mean(df.assign(g=np.where(y < 650, (650 - y) / 650, 0.0)), design, "g", dof="design")
    pd.testing.assert_frame_equal(one.drop(columns="variable"), ref, check_exact=True)
