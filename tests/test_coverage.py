"""Tests of tkpk_lib.analysis.coverage: targets, coverage and targeting errors with design-based SEs."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest

from tkpk_lib.analysis.coverage import (
    INDICATORS,
    add_targets,
    coverage_by_group,
    overlap_matrix,
    programme_combinations,
    programme_receipt,
    targeting,
    upset_figure,
    weighted_quantile_groups,
)
from tkpk_lib.analysis.registry import compare_survey_registry, registry_coverage
from tkpk_lib.errors import SchemaError
from tkpk_lib.estimation.design import SurveyDesign
from tkpk_lib.estimation.estimators import survey_mean, survey_ratio, survey_total

ONE_STRATUM = SurveyDesign(weight="weight", strata="stratum", psu="psu")


def _hand_frame() -> pd.DataFrame:
    # 12 households, equal weights 50, one stratum, each household its own PSU.
    # kab 1701: target 1 1 1 1 1 1 0 0 0 0 0 0 ... see counts below
    t = [1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 0]
    r = [1, 1, 1, 0, 0, 0, 1, 1, 0, 0, 1, 1]
    return pd.DataFrame({
        "hh_id": [f"h{i}" for i in range(12)],
        "kab_code": ["1701"] * 6 + ["1702"] * 6,
        "stratum": "s1",
        "psu": [f"p{i}" for i in range(12)],
        "weight": 50.0,
        "hh_size": [4, 3, 5, 2, 6, 1, 3, 4, 2, 5, 3, 2],
        "target_poor": t,
        "rcv_pkh": r,
        "rcv_pbi": [1, 0, 1, 1, 0, 0, 0, 1, 0, 0, 1, 0],
    })


def _ratio_se_srswr(w: np.ndarray, y: np.ndarray, x: np.ndarray) -> tuple[float, float]:
    """Independent textbook formula: ratio of totals, with-replacement SRS of n PSUs.

    R = sum w y / sum w x, u_i = w_i (y_i - R x_i) / X, var = n/(n-1) sum (u_i - mean u)^2.
    """
    X = np.sum(w * x)
    R = np.sum(w * y) / X
    u = w * (y - R * x) / X
    n = len(w)
    return R, float(np.sqrt(n / (n - 1) * np.sum((u - u.mean()) ** 2)))


def test_targeting_hand_counts_and_se():
    df = _hand_frame()
    res = targeting(df, ONE_STRATUM, "pkh", "target_poor")
    got = res.set_index("indicator")
    assert list(got.index) == list(INDICATORS)
    # by hand: target = 7 households, 4 of them receive; recipients = 7, 3 outside the target
    assert got.loc["coverage", "estimate"] == pytest.approx(4 / 7)
    assert got.loc["exclusion_error", "estimate"] == pytest.approx(3 / 7)
    assert got.loc["inclusion_error", "estimate"] == pytest.approx(3 / 7)
    assert got.loc["target_share_of_recipients", "estimate"] == pytest.approx(4 / 7)
    assert got.loc["coverage", "n"] == 7 and got.loc["inclusion_error", "n"] == 7
    assert got.loc["coverage", "n_weighted"] == pytest.approx(350.0)
    w = df["weight"].to_numpy()
    t = df["target_poor"].to_numpy(float)
    r = df["rcv_pkh"].to_numpy(float)
    _, se_cov = _ratio_se_srswr(w, r * t, t)
    _, se_inc = _ratio_se_srswr(w, r * (1 - t), r)
    assert got.loc["coverage", "se"] == pytest.approx(se_cov, rel=1e-10)
    assert got.loc["exclusion_error", "se"] == pytest.approx(se_cov, rel=1e-10)
    assert got.loc["inclusion_error", "se"] == pytest.approx(se_inc, rel=1e-10)
    # complements: interval mirrored, RSE recomputed
    assert got.loc["exclusion_error", "ci_low"] == pytest.approx(1 - got.loc["coverage", "ci_high"])
    assert got.loc["exclusion_error", "rse"] == pytest.approx(se_cov / (3 / 7))
    assert got.loc["coverage", "ci_high"] == pytest.approx(4 / 7 + 1.959963984540054 * se_cov)


def test_targeting_by_domain_persons_and_multiple_programmes():
    df = _hand_frame()
    res = targeting(df, ONE_STRATUM, ["rcv_pkh", "pbi"], "target_poor", by="kab_code", unit="persons")
    assert res["programme"].unique().tolist() == ["pkh", "pbi"]
    cov = res[(res["indicator"] == "coverage")].set_index(["kab_code", "programme"])
    for kab in ("1701", "1702"):
        sub = df[df["kab_code"] == kab]
        for p in ("pkh", "pbi"):
            m, t, rr = sub["hh_size"], sub["target_poor"], sub[f"rcv_{p}"]
            assert cov.loc[(kab, p), "estimate"] == pytest.approx((m * t * rr).sum() / (m * t).sum())
    # domain SE: zero outside the domain, full design kept (independent formula)
    w = df["weight"].to_numpy()
    dom = (df["kab_code"] == "1702").to_numpy(float)
    m = df["hh_size"].to_numpy(float)
    t = df["target_poor"].to_numpy(float)
    r = df["rcv_pkh"].to_numpy(float)
    _, se = _ratio_se_srswr(w, dom * r * t * m, dom * t * m)
    assert cov.loc[("1702", "pkh"), "se"] == pytest.approx(se, rel=1e-10)


def test_targeting_matches_core_on_clustered_design():
    rng = np.random.default_rng(3)
    n = 400
    df = pd.DataFrame({
        "stratum": np.repeat(["a", "b", "c", "d"], 100),
        "psu": np.repeat(np.arange(40), 10).astype(str),
        "weight": rng.uniform(20, 80, n),
        "kab_code": np.where(rng.random(n) < 0.5, "1701", "1705"),
        "target_poor": rng.binomial(1, 0.3, n),
        "rcv_pkh": rng.binomial(1, 0.25, n),
    })
    design = SurveyDesign("weight", "stratum", "psu")
    res = targeting(df, design, "pkh", "target_poor", by="kab_code")
    # coverage = domain mean of receipt among the target, inside kabupaten
    df["kt"] = df["kab_code"] + "_" + df["target_poor"].astype(str)
    ref = survey_mean(df, design, "rcv_pkh", by="kt").set_index("kt")
    cov = res[res["indicator"] == "coverage"].set_index("kab_code")
    for kab in ("1701", "1705"):
        assert cov.loc[kab, "estimate"] == pytest.approx(ref.loc[f"{kab}_1", "estimate"], rel=1e-12)
        assert cov.loc[kab, "se"] == pytest.approx(ref.loc[f"{kab}_1", "se"], rel=1e-9)
    df["nt"] = 1 - df["target_poor"]
    ref2 = survey_mean(df, design, "nt", by=["kab_code", "rcv_pkh"])
    ref2 = ref2[ref2["rcv_pkh"] == 1].set_index("kab_code")
    inc = res[res["indicator"] == "inclusion_error"].set_index("kab_code")
    assert np.allclose(inc["estimate"], ref2["estimate"], rtol=1e-12)
    assert np.allclose(inc["se"], ref2["se"], rtol=1e-9)


def test_targeting_rejects_bad_flags():
    df = _hand_frame()
    df.loc[3, "rcv_pkh"] = 2
    with pytest.raises(SchemaError, match=r"rcv_pkh.*0/1 flag.*rows 4;"):
        targeting(df, ONE_STRATUM, "pkh", "target_poor")
    with pytest.raises(SchemaError, match="programme column not found"):
        targeting(_hand_frame(), ONE_STRATUM, "kur", "target_poor")


def test_weighted_deciles_and_add_targets():
    # equal weights, 10 households per kabupaten -> deciles 1..10 exactly
    df = pd.DataFrame({
        "kab_code": ["1701"] * 10 + ["1702"] * 10,
        "weight": 1.0, "hh_size": 1,
        "exp_pc": list(range(10, 0, -1)) + [float(x) for x in range(100, 1100, 100)],
        "poverty_line": 3.5,
        "registry_decile": [1, 4, 5, np.nan, 10, 2, 3, np.nan, 9, 1] * 2,
    })
    out = add_targets(df)
    assert out["welfare_decile"].tolist()[:10] == list(range(10, 0, -1))
    assert out["welfare_decile"].tolist()[10:] == list(range(1, 11))
    assert out["welfare_quintile"].tolist()[10:] == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]
    assert out["target_b40"].tolist()[10:] == [1] * 4 + [0] * 6
    assert out["target_poor"].tolist()[:10] == [0] * 7 + [1] * 3
    assert out["target_registry"].tolist()[:10] == [1, 1, 0, 0, 0, 1, 1, 0, 0, 1]
    # province-wide ranking: 1701's small values are all in the bottom half
    prov = add_targets(df, within=None)
    assert prov["welfare_decile"].iloc[:10].max() == 5
    # person weights: bottom 40% of persons, ties share a decile
    rng = np.random.default_rng(0)
    hh = pd.DataFrame({"kab_code": "1701", "weight": rng.uniform(10, 100, 2000),
                       "hh_size": rng.integers(1, 8, 2000), "exp_pc": rng.lognormal(13, 0.5, 2000).round(-3),
                       "poverty_line": 5e5})
    o = add_targets(hh)
    pw = hh["weight"] * hh["hh_size"]
    assert pw[o["target_b40"] == 1].sum() / pw.sum() == pytest.approx(0.4, abs=0.01)
    assert o.groupby("exp_pc")["welfare_decile"].nunique().max() == 1
    shares = pw.groupby(o["welfare_decile"]).sum() / pw.sum()
    assert np.allclose(shares, 0.1, atol=0.012)


def test_weighted_quantile_groups_ties():
    g = weighted_quantile_groups(pd.Series([1, 1, 2, 3]), pd.Series([1, 1, 1, 1]), None, q=2)
    assert g.tolist() == [1, 1, 2, 2]


def test_add_targets_reports_missing():
    df = pd.DataFrame({"kab_code": "1701", "weight": 1.0, "hh_size": 1, "exp_pc": [1.0, np.nan],
                       "poverty_line": 2.0})
    with pytest.raises(SchemaError, match=r"exp_pc': missing value \[rows 2;"):
        add_targets(df)


def test_coverage_by_group_hand_values():
    df = _hand_frame()
    df["q"] = [1, 1, 2, 2, 3, 3, 1, 1, 2, 2, 3, 3]
    res = coverage_by_group(df, ONE_STRATUM, ["pkh"], group="q")
    cov = res[res["indicator"] == "coverage"].set_index("q")["estimate"]
    inc = res[res["indicator"] == "beneficiary_incidence"].set_index("q")["estimate"]
    # q1 rows 0,1,6,7 all receive; q2 rows 2,3,8,9 -> 1 of 4; q3 rows 4,5,10,11 -> 2 of 4
    assert cov.tolist() == pytest.approx([1.0, 0.25, 0.5])
    assert inc.tolist() == pytest.approx([4 / 7, 1 / 7, 2 / 7])
    assert inc.sum() == pytest.approx(1.0)
    w = df["weight"].to_numpy()
    r = df["rcv_pkh"].to_numpy(float)
    g2 = (df["q"] == 2).to_numpy(float)
    _, se = _ratio_se_srswr(w, g2 * r, r)
    assert res.query("q == 2 and indicator == 'beneficiary_incidence'")["se"].item() == pytest.approx(se)
    byk = coverage_by_group(df, ONE_STRATUM, ["pkh", "pbi"], group="q", by="kab_code")
    sums = byk[byk["indicator"] == "beneficiary_incidence"].groupby(["kab_code", "programme"])["estimate"].sum()
    assert np.allclose(sums, 1.0)


def test_programme_combinations_and_overlap():
    df = _hand_frame()
    c = programme_combinations(df, ONE_STRATUM, ["pkh", "pbi"], among="target_poor")
    num = c[c["indicator"] == "number"].set_index("combination")
    # target rows 0-5 and 10: pkh+pbi rows 0,2,10; pkh only 1; pbi only 3; none 4,5
    assert num["estimate"].to_dict() == pytest.approx({"pkh+pbi": 150.0, "none": 100.0, "pkh": 50.0, "pbi": 50.0})
    assert list(num.index) == ["pkh+pbi", "none", "pbi", "pkh"]
    assert num["n_programmes"].to_dict() == {"pkh+pbi": 2, "none": 0, "pbi": 1, "pkh": 1}
    shr = c[c["indicator"] == "share"]
    assert shr["estimate"].sum() == pytest.approx(1.0)
    tot = survey_total(df, ONE_STRATUM, "target_poor")["estimate"].item()
    assert num["estimate"].sum() == pytest.approx(tot)
    # SE of a combination total: independent formula sum w z, n/(n-1) sum (u - ubar)^2
    w = df["weight"].to_numpy()
    ind = ((df["rcv_pkh"] == 1) & (df["rcv_pbi"] == 1) & (df["target_poor"] == 1)).to_numpy(float)
    u = w * ind
    assert num.loc["pkh+pbi", "se"] == pytest.approx(np.sqrt(12 / 11 * ((u - u.mean()) ** 2).sum()))
    o = overlap_matrix(df, ONE_STRATUM, ["pkh", "pbi"])
    q = o.set_index(["indicator", "programme_a", "programme_b"])["estimate"]
    assert q[("share_both", "pkh", "pkh")] == pytest.approx(7 / 12)
    assert q[("share_both", "pkh", "pbi")] == pytest.approx(4 / 12)  # rows 0, 2, 7, 10
    assert q[("share_b_given_a", "pkh", "pbi")] == pytest.approx(4 / 7)
    assert q[("share_b_given_a", "pbi", "pkh")] == pytest.approx(4 / 5)
    assert q[("number_both", "pbi", "pkh")] == pytest.approx(200.0)
    ref = survey_ratio(df.assign(both=df["rcv_pkh"] * df["rcv_pbi"]), ONE_STRATUM, "both", "rcv_pkh")
    se = o.query("indicator == 'share_b_given_a' and programme_a == 'pkh' and programme_b == 'pbi'")["se"].item()
    assert se == pytest.approx(ref["se"].item(), rel=1e-12)


def test_upset_figure(tmp_path):
    df = _hand_frame()
    c = programme_combinations(df, ONE_STRATUM, ["pkh", "pbi"], among=None)
    fig = upset_figure(c)
    fig.savefig(tmp_path / "upset.png")
    assert (tmp_path / "upset.png").stat().st_size > 5000
    assert [t.get_text() for t in fig.axes[1].get_yticklabels()] == ["PKH", "PBI"]
    import matplotlib.pyplot as plt

    plt.close(fig)


def test_survey_vs_registry_end_to_end():
    df = _hand_frame()
    df["target_registry"] = df["target_poor"]
    sv = targeting(df, ONE_STRATUM, ["pkh", "pbi"], "target_registry", by="kab_code")
    reg = pd.DataFrame({"row_no": range(1, 9), "kab_code": ["1701"] * 4 + ["1702"] * 4,
                        "decile": [1, 2, 3, 9, 1, 2, 8, 9],
                        "rcv_pkh": [1, 1, 1, 1, 0, 0, 0, 0], "rcv_pbi": [1, 0, 1, 0, 1, 0, 1, 0]})
    rc = registry_coverage(reg, programmes=["pkh", "pbi"])
    cmp = compare_survey_registry(sv, rc).set_index(["kab_code", "programme"])
    assert cmp.loc[("1701", "pkh"), "registry"] == 1.0
    assert cmp.loc[("1702", "pkh"), "registry"] == 0.0
    # survey 1702 pkh coverage: target rows 10 only, receives -> 1.0, se 0 -> registry below
    assert cmp.loc[("1702", "pkh"), "agreement"] == "registry_below"
    assert set(cmp["agreement"]) <= {"within_ci", "registry_below", "registry_above"}


def test_programme_receipt_totals_and_registry_counts():
    df = _hand_frame()
    res = programme_receipt(df, ONE_STRATUM, ["pkh", "pbi"], by="kab_code")
    num = res[res["indicator"] == "number"].set_index(["kab_code", "programme"])
    assert num.loc[("1701", "pkh"), "estimate"] == 150.0  # rows 0, 1, 2
    assert num.loc[("1702", "pkh"), "estimate"] == 200.0  # rows 6, 7, 10, 11
    w = df["weight"].to_numpy()
    u = w * df["rcv_pkh"].to_numpy(float) * (df["kab_code"] == "1702").to_numpy(float)
    assert num.loc[("1702", "pkh"), "se"] == pytest.approx(np.sqrt(12 / 11 * ((u - u.mean()) ** 2).sum()))
    shr = res[res["indicator"] == "share"].set_index(["kab_code", "programme"])
    assert shr.loc[("1702", "pbi"), "estimate"] == pytest.approx(2 / 6)
    assert shr.loc[("1702", "pbi"), "n"] == 6
    reg = pd.DataFrame({"row_no": range(1, 5), "kab_code": ["1701", "1701", "1702", "1702"], "decile": 1,
                        "rcv_pkh": [1, 1, 1, 0], "rcv_pbi": [0, 0, 0, 0]})
    cmp = compare_survey_registry(res, registry_coverage(reg, programmes=["pkh", "pbi"]),
                                  registry_value="recipients", indicator="number")
    assert cmp.set_index(["kab_code", "programme"]).loc[("1701", "pkh"), "registry"] == 2
