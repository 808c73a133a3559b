"""Korn-Graubard intervals, the few-cases rule and single-PSU domains (issue 15).

References: hand computations (closed forms of the Clopper-Pearson bounds), statsmodels'
``proportion_confint(method="beta")`` on the effective counts, and svy 0.35's
``ci_method="beta"`` (its own implementation of R ``svyciprop(method = "beta")``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from statsmodels.stats.proportion import proportion_confint

from tkpk_lib.errors import DesignError
from tkpk_lib.estimation.design import SurveyDesign
from tkpk_lib.estimation.estimators import survey_mean, survey_ratio, survey_total
from tkpk_lib.estimation.results import MIN_CASES, korn_graubard


def test_kg_without_design_is_clopper_pearson_by_hand():
    # p = 0: upper bound of Clopper-Pearson 0/n is 1 - (a/2)^(1/n); n = 30 -> 0.115703
    lo, hi = korn_graubard(0.0, 0.0, 30, None)
    assert lo == 0.0
    assert hi == pytest.approx(1 - 0.025 ** (1 / 30), rel=1e-12)
    assert hi == pytest.approx(0.1157033, abs=1e-7)
    # p = 1: mirror image
    lo, hi = korn_graubard(1.0, 0.0, 30, None)
    assert hi == 1.0 and lo == pytest.approx(0.025 ** (1 / 30), rel=1e-12)
    # SRS variance p(1-p)/n gives n* = n: the textbook Clopper-Pearson 10/50
    lo, hi = korn_graubard(0.2, 0.2 * 0.8 / 50, 50, None)
    sm = proportion_confint(10, 50, alpha=0.05, method="beta")
    np.testing.assert_allclose([lo, hi], sm, rtol=1e-12)
    assert (float(lo), float(hi)) == pytest.approx((0.1003022, 0.3371831), abs=1e-7)


def test_kg_df_adjustment_by_hand_and_statsmodels():
    # p = 0.2, v = 0.0016 -> n* = 0.16/0.0016 = 100; n = 500 rows, df = 10:
    # n* <- 100 * (t_{499,.025} / t_{10,.025})^2 = 100 * (1.964729 / 2.228139)^2 = 77.7538
    p, v, n, df = 0.2, 0.0016, 500, 10
    n_star = 100 * (1.9647293 / 2.2281389) ** 2
    assert n_star == pytest.approx(77.7538, abs=1e-3)
    lo, hi = korn_graubard(p, v, n, df)
    sm = proportion_confint(n_star * p, n_star, alpha=0.05, method="beta")
    np.testing.assert_allclose([lo, hi], sm, rtol=1e-6)
    # wider than the unadjusted interval on n* = 100
    sm100 = proportion_confint(20, 100, alpha=0.05, method="beta")
    assert lo < sm100[0] and hi > sm100[1]
    # 90% level and vector input
    lo, hi = korn_graubard([0.05, 0.5], [0.0004, 0.0025], [800, 800], [40, 40], level=0.9)
    for i, (pp, vv) in enumerate([(0.05, 0.0004), (0.5, 0.0025)]):
        from scipy import stats

        ns = pp * (1 - pp) / vv * (stats.t.ppf(0.05, 799) / stats.t.ppf(0.05, 40)) ** 2
        sm = proportion_confint(ns * pp, ns, alpha=0.1, method="beta")
        np.testing.assert_allclose([lo[i], hi[i]], sm, rtol=1e-9)


def test_kg_zero_estimate_uses_domain_sample_size_df_adjusted():
    lo, hi = korn_graubard(0.0, 0.0, 200, 9)
    from scipy import stats

    ns = 200 * (stats.t.ppf(0.025, 199) / stats.t.ppf(0.025, 9)) ** 2
    assert lo == 0.0
    assert hi == pytest.approx(1 - 0.025 ** (1 / ns), rel=1e-10)
    assert hi > 0.0
    # NaN variance (not estimable) with 0 < p < 1: no interval rather than a false one
    lo, hi = korn_graubard(0.3, np.nan, 50, 5)
    assert np.isnan(lo) and np.isnan(hi)


def _clustered(seed: int = 5, n_psu: int = 240) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    psu = np.repeat(np.arange(n_psu), rng.integers(8, 16, size=n_psu))
    eff = rng.normal(0, 0.8, size=n_psu)[psu]
    dom = (np.arange(n_psu) % 5)[psu]
    base = np.array([-3.5, -2.0, -1.0, 0.0, 0.8])[dom]
    prob = 1 / (1 + np.exp(-(base + eff)))
    return pd.DataFrame(
        {
            "stratum": (np.arange(n_psu) % 6)[psu],
            "psu": psu,
            "w": rng.uniform(40, 160, size=n_psu)[psu],
            "p": (rng.uniform(size=len(psu)) < prob).astype(int),
            "dom": dom,
        }
    )


def test_beta_interval_matches_svy_package_r_compatible_method():
    svy = pytest.importorskip("svy")
    pl = pytest.importorskip("polars")
    df = _clustered()
    design = SurveyDesign("w", "stratum", "psu")
    sample = svy.Sample(
        data=pl.from_pandas(df),
        design=svy.Design(stratum="stratum", psu="psu", wgt="w", wr=True),
    )
    theirs = sample.estimation.prop("p", ci_method="beta")
    one = [e for e in theirs.estimates if e.y_level == 1][0]
    mine = survey_mean(df, design, "p", ci="beta").iloc[0]
    assert mine["estimate"] == pytest.approx(one.est, rel=1e-12)
    assert mine["se"] == pytest.approx(one.se, rel=1e-10)
    assert mine["ci_low"] == pytest.approx(one.lci, rel=1e-8)
    assert mine["ci_high"] == pytest.approx(one.uci, rel=1e-8)
    assert mine["ci_low"] > 0 and mine["ci_high"] < 1
    by = survey_mean(df, design, "p", by="dom", ci="beta")
    rows = sorted(
        (e for e in sample.estimation.prop("p", by="dom", ci_method="beta").estimates
         if e.y_level == 1),
        key=lambda e: e.by_level,
    )
    assert [r.by_level[0] for r in rows] == by["dom"].tolist()
    np.testing.assert_allclose(by["ci_low"], [r.lci for r in rows], rtol=1e-8)
    np.testing.assert_allclose(by["ci_high"], [r.uci for r in rows], rtol=1e-8)


def test_beta_changes_only_the_interval_columns():
    df = _clustered()
    design = SurveyDesign("w", "stratum", "psu")
    wald = survey_mean(df, design, "p", by="dom")
    beta = survey_mean(df, design, "p", by="dom", ci="beta")
    for c in ["dom", "estimate", "se", "rse", "deff", "n", "n_weighted"]:
        pd.testing.assert_series_equal(wald[c], beta[c])
    assert (beta["n_cases"] == df.groupby("dom")["p"].sum().to_numpy()).all()
    assert list(beta.columns[-2:]) == ["reliability", "reliability_note"]


def test_zero_case_domain_gets_positive_upper_bound():
    df = _clustered()
    df.loc[df["dom"] == 0, "p"] = 0  # no extremely poor household sampled in domain 0
    design = SurveyDesign("w", "stratum", "psu")
    wald = survey_mean(df, design, "p", by="dom").iloc[0]
    assert wald["ci_low"] == wald["ci_high"] == 0.0  # the zero-width interval of before
    r = survey_mean(df, design, "p", by="dom", ci="beta").iloc[0]
    assert r["estimate"] == 0.0 and r["se"] == 0.0 and r["n_cases"] == 0
    n = int((df["dom"] == 0).sum())
    sub = df[df["dom"] == 0]
    degf = sub["psu"].nunique() - sub["stratum"].nunique()
    from scipy import stats

    ns = n * (stats.t.ppf(0.025, n - 1) / stats.t.ppf(0.025, degf)) ** 2
    assert r["ci_low"] == 0.0
    assert r["ci_high"] == pytest.approx(1 - 0.025 ** (1 / ns), rel=1e-10)
    assert r["reliability"] == "unreliable"
    assert "no sample case" in r["reliability_note"]


def test_few_cases_flag_unreliable_whatever_the_rse():
    # 400 rows in 40 PSUs, 12 cases spread one per PSU: RSE small-ish but only 12 cases
    n_psu = 40
    psu = np.repeat(np.arange(n_psu), 10)
    p = np.zeros(len(psu), dtype=int)
    p[np.arange(12) * 10] = 1
    df = pd.DataFrame({"psu": psu, "w": 1.0, "p": p, "q": 1 - p})
    design = SurveyDesign("w", psu="psu")
    r = survey_mean(df, design, ["p", "q"], ci="beta")
    assert r["n_cases"].tolist() == [12, 388]
    assert 12 < MIN_CASES
    assert r["reliability"].tolist()[0] == "unreliable"
    assert r["reliability_note"].tolist() == ["fewer than 20 sample cases", ""]
    assert r["reliability"].tolist()[1] == "reliable"


def _one_psu_domain() -> pd.DataFrame:
    # stratum 1 has 3 PSUs; kecamatan "B" lies entirely in PSU 12 (4 households, 2 poor)
    return pd.DataFrame(
        {
            "stratum": [1] * 12 + [2] * 8,
            "psu": [11] * 4 + [12] * 4 + [13] * 4 + [21] * 4 + [22] * 4,
            "w": [10.0] * 20,
            "kec": ["A"] * 4 + ["B"] * 4 + ["A"] * 4 + ["C"] * 8,
            "poor": [0, 1, 0, 0, 1, 1, 0, 0, 0, 0, 1, 1, 1, 0, 0, 0, 1, 1, 1, 0],
            "x": [1.0] * 20,
        }
    )


def test_single_psu_domain_has_no_variance_and_is_unreliable():
    df = _one_psu_domain()
    design = SurveyDesign("w", "stratum", "psu")
    for res in (
        survey_mean(df, design, "poor", by="kec"),
        survey_ratio(df, design, "poor", "x", by="kec"),
    ):
        b = res.set_index("kec").loc["B"]
        assert b["estimate"] == 0.5
        assert np.isnan(b["se"])  # was 0.0 with "reliable" before issue 15
        assert np.isnan(b["ci_low"]) and np.isnan(b["ci_high"])
        assert b["reliability"] == "unreliable"
        a = res.set_index("kec").loc["A"]  # two PSUs: estimable, positive se
        assert a["se"] > 0
    beta = survey_mean(df, design, "poor", by="kec", ci="beta").set_index("kec")
    assert beta.loc["B", "reliability_note"].startswith("variance not estimable")
    assert np.isnan(beta.loc["B", "ci_low"])
    # totals keep R's subpopulation variance (the other PSUs of the stratum are zeros)
    tot = survey_total(df, design, "poor", by="kec").set_index("kec")
    # PSU totals of 'poor' in B: stratum 1 -> (0, 20, 0); 3/2 * sum (t - 20/3)^2
    assert tot.loc["B", "se"] == pytest.approx(np.sqrt(1.5 * (2 * (20 / 3) ** 2 + (40 / 3) ** 2)))


def test_degenerate_zero_variance_is_not_reported_as_exact():
    # kecamatan A: PSUs 11 and 13 both 1 poor of 4 -> linearised PSU totals 0 and 0 -> v = 0
    df = _one_psu_domain()
    df.loc[10, "poor"] = 0
    design = SurveyDesign("w", "stratum", "psu")
    r = survey_mean(df, design, "poor", by="kec", ci="beta").set_index("kec")
    assert r.loc["A", "estimate"] == 0.25
    assert np.isnan(r.loc["A", "se"]) and r.loc["A", "reliability"] == "unreliable"
    assert r.loc["A", "reliability_note"].startswith("variance not estimable: zero")
    # a domain whose values do not vary keeps se 0 and gets a positive Korn-Graubard bound
    df["none"] = 0
    z = survey_mean(df, design, "none", by="kec", ci="beta")
    assert z["se"].tolist()[0] == 0.0 and z["se"].tolist()[2] == 0.0
    # single-PSU B: se NaN, but the interval of a zero estimate still has a positive bound
    # (Clopper-Pearson 0/4 on its 4 rows: df = 0, no adjustment)
    assert np.isnan(z["se"].tolist()[1])
    assert z["ci_high"].tolist()[1] == pytest.approx(1 - 0.025 ** (1 / 4), rel=1e-12)
    assert (z["ci_high"] > 0).all() and (z["ci_low"] == 0).all()


def test_beta_rejects_totals_and_non_proportions():
    df = _one_psu_domain().assign(y=lambda d: d["poor"] * 3.0)
    design = SurveyDesign("w", "stratum", "psu")
    with pytest.raises(DesignError, match="proportions"):
        survey_total(df, design, "poor", ci="beta")
    with pytest.raises(DesignError, match="outside"):
        survey_mean(df, design, "y", ci="beta")


def test_indicator_results_keep_the_number_of_cases_and_the_note():
    """Issue 15: the tidy indicator frames kept only RESULT_COLUMNS and lost n_cases.

    Extreme poverty of two kabupaten, persons counted with hh_size: kab A has 4 extremely poor
    households (4 cases, flagged by cases whatever its RSE), kab B none.
    """
    from tkpk_lib.analysis import indicators as ind

    rng = np.random.default_rng(3)
    n = 400
    kab = np.repeat(["A", "B"], n // 2)
    exp_pc = rng.uniform(500_000, 900_000, n)
    exp_pc[[0, 30, 60, 90]] = 300_000.0  # extremely poor (line 391,000 in 2024)
    hh = pd.DataFrame({"kab_code": kab, "exp_pc": exp_pc, "hh_size": rng.integers(1, 6, n),
                       "weight": 50.0, "stratum": np.repeat([1, 2], n // 2),
                       "psu": np.repeat(np.arange(40), 10)})
    design = SurveyDesign("weight", "stratum", "psu")
    r = ind.extreme_poverty(hh, design, "exp_pc", year=2024, by="kab_code", size="hh_size",
                            ci="beta").set_index("kab_code")
    assert r["n_cases"].tolist() == [4, 0]
    assert r["reliability_note"].tolist() == ["fewer than 20 sample cases",
                                              "no sample case: interval from the domain sample size"]
    assert r["reliability"].tolist() == ["unreliable", "unreliable"]
    w = hh["hh_size"].to_numpy() * 50.0
    a = hh["kab_code"].to_numpy() == "A"
    assert r.loc["A", "estimate"] == pytest.approx(w[[0, 30, 60, 90]].sum() / w[a].sum(), rel=1e-12)
    assert r.loc["B", "ci_high"] > 0
    # the normal-interval frames keep their columns
    p0 = ind.fgt(hh, design, "exp_pc", 391_000.0, by="kab_code", size="hh_size")
    assert "n_cases" not in p0.columns


def test_fgt_intervals_use_t_with_the_domain_design_df():
    """Issue 15: kabupaten P1 covered 92.8% with the normal quantile; t with the design df."""
    from scipy import stats

    from tkpk_lib.analysis import indicators as ind

    df = _clustered()
    df = df.assign(exp_pc=np.where(df["p"] == 1, 80.0, 150.0) * (1 + 0.1 * (df.index % 3)),
                   hh_size=1 + df.index % 4)
    design = SurveyDesign("w", "stratum", "psu")
    r = ind.poverty_indicators(df, design, "exp_pc", 100.0, by="dom", size="hh_size")
    for code in ("p0", "p1", "p2"):
        g = r[r["indicator"] == code].set_index("dom")
        for dom, sub in df.groupby("dom"):
            degf = sub["psu"].nunique() - sub["stratum"].nunique()
            q = stats.t.ppf(0.975, degf)
            row = g.loc[dom]
            assert row["ci_high"] - row["estimate"] == pytest.approx(q * row["se"], rel=1e-10)
            assert row["estimate"] - row["ci_low"] == pytest.approx(q * row["se"], rel=1e-10)
    # the normal quantile on request (R's confint(svymean(...)))
    n = ind.fgt(df, design, "exp_pc", 100.0, alpha=1, by="dom", size="hh_size", dof=None)
    np.testing.assert_allclose(n["ci_high"] - n["estimate"], 1.959963984540054 * n["se"], rtol=1e-12)


def test_domain_without_design_df_gets_no_t_interval_and_is_unreliable():
    """A domain in 2 PSUs of 2 strata has a variance but df 0: t has no quantile there."""
    from tkpk_lib.analysis import indicators as ind

    rows = []
    for stratum in (1, 2):
        for psu in range(4):
            for h in range(5):
                small = psu == 0 and h < 2  # domain "B": two households in PSU 0 of each stratum
                rows.append({"stratum": stratum, "psu": f"{stratum}-{psu}", "w": 10.0 + h,
                             "dom": "B" if small else "A",
                             "exp_pc": 50.0 + 30 * h + 7 * psu + 11 * stratum})
    df = pd.DataFrame(rows)
    design = SurveyDesign("w", "stratum", "psu")
    r = ind.fgt(df, design, "exp_pc", 100.0, alpha=1, by="dom").set_index("dom")
    assert np.isfinite(r.loc["B", "se"]) and r.loc["B", "se"] > 0
    assert np.isnan(r.loc["B", "ci_low"]) and np.isnan(r.loc["B", "ci_high"])
    assert r.loc["B", "reliability"] == "unreliable"
    assert np.isfinite(r.loc["A", "ci_low"])  # df = 8 PSUs - 2 strata = 6
    from scipy import stats

    half = stats.t.ppf(0.975, 6) * r.loc["A", "se"]
    assert r.loc["A", "ci_high"] - r.loc["A", "estimate"] == pytest.approx(half, rel=1e-10)
    m = survey_mean(df.assign(g=np.where(df["exp_pc"] < 100, 1 - df["exp_pc"] / 100, 0.0)), design,
                    "g", by="dom", dof="design").set_index("dom")
    assert m.loc["B", "reliability"] == "unreliable" and np.isnan(m.loc["B", "ci_low"])


def test_poverty_block_accepts_a_design_prepared_once():
    """Issue 14 section 4: one PreparedDesign per data set serves every poverty index and domain."""
    from tkpk_lib.analysis import indicators as ind
    from tkpk_lib.estimation.design import prepare_design

    df = _clustered()
    df = df.assign(exp_pc=np.where(df["p"] == 1, 80.0, 150.0) * (1 + 0.1 * (df.index % 3)),
                   hh_size=1 + df.index % 4, year=2024)
    design = SurveyDesign("w", "stratum", "psu")
    prep = prepare_design(df, design)
    for by in (None, "dom"):
        a = ind.poverty_indicators(df, design, "exp_pc", 100.0, by=by, size="hh_size")
        b = ind.poverty_indicators(df, prep, "exp_pc", 100.0, by=by, size="hh_size")
        pd.testing.assert_frame_equal(a, b, check_exact=True)
        a = ind.extreme_poverty(df, design, "exp_pc", line=90.0, by=by, size="hh_size", ci="beta")
        b = ind.extreme_poverty(df, prep, "exp_pc", line=90.0, by=by, size="hh_size", ci="beta")
        pd.testing.assert_frame_equal(a, b, check_exact=True)
