"""Tests of the arcsine Fay-Herriot model, the area GVF and the benchmarked MSE.

References: the back-transformation against ``scipy.integrate.quad`` and the closed form
``E[sin^2 X] = (1 - exp(-2 s^2) cos 2 mu) / 2``; the fit against a direct m x m implementation
of the REML score (the variance is the root of it) and of the EBLUP; the bootstrap MSE
against the delta-method variance ``p (1 - p) / n_eff`` where the model does not shrink.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import integrate, stats

from tkpk_lib.analysis.small_area_p0 import (
    _fit_linear,
    _model_inputs,
    gvf_deff,
    gvf_variances,
    kecamatan_p0,
)
from tkpk_lib.errors import SchemaError, TkpkError
from tkpk_lib.estimation.design import SurveyDesign
from tkpk_lib.estimation.sae import fay_herriot
from tkpk_lib.estimation.sae_arcsin import arcsin_backtransform


def _quad(mu: float, s2: float) -> float:
    s = np.sqrt(s2)
    pts = [mu] if 0 < mu < np.pi / 2 else None
    inner = integrate.quad(lambda x: np.sin(x) ** 2 * stats.norm.pdf(x, mu, s), 0, np.pi / 2,
                           epsabs=1e-13, epsrel=1e-12, limit=200, points=pts)[0]
    return inner + stats.norm.sf(np.pi / 2, mu, s)


@pytest.mark.parametrize("mu,s2", [(0.6, 0.01), (0.05, 0.02), (0.3, 0.004), (1.5, 0.03),
                                   (-0.1, 0.01), (0.9, 1e-6)])
def test_backtransform_matches_quadrature(mu: float, s2: float) -> None:
    got = float(arcsin_backtransform(np.array([mu]), np.array([s2]))[0])
    assert got == pytest.approx(_quad(mu, s2), abs=1e-10)


def test_backtransform_closed_form_and_naive() -> None:
    mu, s2 = np.array([0.5, 0.7, 1.0]), np.array([0.002, 0.005, 0.001])
    closed = (1 - np.exp(-2 * s2) * np.cos(2 * mu)) / 2  # truncation does not bite here
    np.testing.assert_allclose(arcsin_backtransform(mu, s2), closed, atol=1e-12)
    p = np.array([0.0, 0.04, 0.3, 1.0])
    np.testing.assert_allclose(arcsin_backtransform(np.arcsin(np.sqrt(p)), 0.0), p, atol=1e-15)
    # the naive back-transform is biased towards 0 for small rates: the correction raises it
    assert arcsin_backtransform(np.array([0.1]), np.array([0.01]))[0] > np.sin(0.1) ** 2


@pytest.fixture(scope="module")
def areas() -> pd.DataFrame:
    rng = np.random.default_rng(7)
    m = 40
    x = rng.normal(size=m)
    p = 1 / (1 + np.exp(-(-1.4 + 0.7 * x + rng.normal(0, 0.4, m))))
    n = rng.integers(15, 80, m).astype(float)
    y = rng.binomial(n.astype(int), p) / n
    d = pd.DataFrame({"a": [f"k{i:02d}" for i in range(m)], "y": y,
                      "v": np.maximum(y * (1 - y), 0.02) / n, "x": x, "n": n})
    d.loc[3, ["y", "v"]] = np.nan  # one area out of sample
    return d


def test_arcsin_fit_matches_direct_implementation(areas: pd.DataFrame) -> None:
    res = fay_herriot(areas, "y", "v", ["x"], "a", transformation="arcsin", eff_n="n",
                      mse_boot=50)
    diag = res.attrs["diagnostics"]
    A = diag.sigma2_u
    ins = areas["y"].notna().to_numpy()
    yt = np.arcsin(np.sqrt(areas.loc[ins, "y"].to_numpy()))
    psi = 1 / (4 * areas.loc[ins, "n"].to_numpy())
    X = np.column_stack([np.ones(ins.sum()), areas.loc[ins, "x"].to_numpy()])
    # REML score with full m x m matrices is zero at the estimate
    V_inv = np.diag(1 / (A + psi))
    P = V_inv - V_inv @ X @ np.linalg.inv(X.T @ V_inv @ X) @ X.T @ V_inv
    score = -0.5 * np.trace(P) + 0.5 * yt @ P @ P @ yt
    assert A > 0 and abs(score) < 1e-6
    beta = np.linalg.solve(X.T @ V_inv @ X, X.T @ V_inv @ yt)
    np.testing.assert_allclose(diag.beta.to_numpy(), beta, rtol=1e-9)
    gamma = A / (A + psi)
    theta = X @ beta + gamma * (yt - X @ beta)
    want = [_quad(t, g * v) for t, g, v in zip(theta, gamma, psi, strict=True)]
    np.testing.assert_allclose(res.loc[ins, "estimate"], want, atol=1e-9)
    np.testing.assert_allclose(res.loc[ins, "gamma"], gamma, rtol=1e-12)
    # out of sample: synthetic, integrated over the area effect N(0, sigma2_u)
    x3 = np.array([1.0, areas.loc[3, "x"]])
    assert res.loc[3, "estimate"] == pytest.approx(_quad(float(x3 @ beta), A), abs=1e-9)
    assert res.loc[3, "gamma"] == 0 and not res.loc[3, "in_sample"]
    assert "arcsine" in diag.notes[0]


def test_arcsin_bootstrap_mse_matches_delta_method_without_shrinkage() -> None:
    # area effects large against the sampling error (sigma2_u >> psi): the EBLUP is almost
    # the direct estimate and its MSE the delta-method variance of sin^2 of the direct,
    # p (1 - p) / n_eff; the covariate is near each area's own arcsine rate, so the bootstrap
    # truths of an area stay near its rate
    rng = np.random.default_rng(3)
    m = 30
    p = np.linspace(0.08, 0.6, m)
    theta = np.arcsin(np.sqrt(p))
    n = np.full(m, 400.0)
    y = np.sin(theta + rng.normal(0, np.sqrt(1 / (4 * n)))) ** 2
    d = pd.DataFrame({"a": range(m), "y": y, "v": y * (1 - y) / n, "n": n,
                      "x": theta + rng.normal(0, 0.08, m)})
    res = fay_herriot(d, "y", "v", ["x"], "a", transformation="arcsin", eff_n="n",
                      mse_boot=400, seed=11)
    assert res["gamma"].min() > 0.9
    delta = res["estimate"] * (1 - res["estimate"]) / n
    assert 0.85 < res["mse"].mean() / delta.mean() < 1.1
    # (area by area the bootstrap MSE is the unconditional one, averaged over the model's
    # area effects around x' beta, so only the average is compared)
    # same seed, same MSE
    again = fay_herriot(d, "y", "v", ["x"], "a", transformation="arcsin", eff_n="n",
                        mse_boot=400, seed=11)
    np.testing.assert_array_equal(res["mse"], again["mse"])


def test_arcsin_input_errors(areas: pd.DataFrame) -> None:
    with pytest.raises(SchemaError, match="effective"):
        fay_herriot(areas, "y", "v", ["x"], "a", transformation="arcsin")
    bad = areas.assign(y=areas["y"] * 3)
    with pytest.raises(SchemaError, match="proportions"):
        fay_herriot(bad, "y", "v", ["x"], "a", transformation="arcsin", eff_n="n")
    with pytest.raises(TkpkError, match="transformation"):
        fay_herriot(areas, "y", "v", ["x"], "a", transformation="logit")


def test_fay_herriot_benchmarked_mse(areas: pd.DataFrame) -> None:
    d = areas.assign(pop=1000.0)
    res = fay_herriot(d, "y", "v", ["x"], "a", benchmark={"weights": "pop", "target": 0.25})
    adj = res["estimate_benchmarked"] - res["estimate"]
    np.testing.assert_allclose(res["mse_benchmarked"], res["mse"] + adj**2, rtol=1e-14)
    assert (adj.abs() > 0).all()


def test_gvf_deff_pools_stable_areas() -> None:
    p = pd.Series([0.1, 0.2, 0.3, 0.4, 0.5, 0.2, 0.0])
    n = pd.Series([40, 50, 60, 30, 25, 5, 30])
    v = 1.5 * p * (1 - p) / n
    v[5] = 100 * v[5]  # an unstable small area is not used
    assert gvf_deff(p, np.sqrt(v), n) == pytest.approx(1.5, rel=1e-12)
    # floored at 1
    assert gvf_deff(p, np.sqrt(0.5 * p * (1 - p) / n), n) == 1.0


def test_linear_gvf_uses_each_area_own_synthetic_rate() -> None:
    from tests.test_pockets import make_survey  # noqa: PLC0415 - shared demo survey

    villages, hh, design = make_survey()
    from tkpk_lib.analysis import small_area_p0 as sp

    cov = sp.kecamatan_covariates(sp.deprivation_score(villages))
    df, _ = sp._direct_estimates(hh, design, cov, "exp_pc", "poverty_line", "hh_size")
    use = _model_inputs(df, "gvf", 2)
    fh = _fit_linear(df, ["sub_basic_services"], "REML", "gvf", "test", iterations=3)
    # after the loop the variances are those of the last-but-one synthetic rates; one more
    # round changes them by little, and they differ inside a kabupaten (not the kab rate)
    again = gvf_variances(pd.Series(fh["synthetic"].to_numpy(), index=df.index), df["n_hh"],
                          df.attrs["gvf_deff"]).where(use)
    np.testing.assert_allclose(df["_psi"], again, rtol=1e-3)
    per_n = (df["_psi"] * df["n_hh"]).where(use)
    assert per_n.groupby(df["kab_code"]).nunique().min() > 1


def test_kecamatan_p0_se_includes_benchmarking() -> None:
    from tests.test_pockets import make_survey  # noqa: PLC0415

    villages, hh, design = make_survey()
    for tr in ("arcsin", "none"):
        k = kecamatan_p0(hh, design, villages, transformation=tr, mse_boot=50)
        c = k["benchmark_factor"]
        want = c**2 * k["mse"] + (k["estimate"] - k["estimate_eblup"]) ** 2
        np.testing.assert_allclose(k["se"] ** 2, want, rtol=1e-12)
        assert ((k["estimate"] - k["estimate_eblup"]).abs() > 1e-6).any()
    with pytest.raises(TkpkError, match="transformation"):
        kecamatan_p0(hh, design, villages, transformation="log")


def test_arcsin_interval_by_hand_and_properties() -> None:
    from tkpk_lib.estimation.sae_arcsin import arcsin_interval

    z = stats.norm.ppf(0.975)
    # p = 0.3, sd 0.05 on the arcsine scale: sin^2(0.579640 -+ 0.097998)
    lo, hi = arcsin_interval(0.3, 0.05**2)
    t = np.arcsin(np.sqrt(0.3))
    assert t == pytest.approx(0.5796397, abs=1e-7)
    assert (float(lo), float(hi)) == pytest.approx((np.sin(t - z * 0.05) ** 2, np.sin(t + z * 0.05) ** 2),
                                                   rel=1e-14)
    assert (float(lo), float(hi)) == pytest.approx((0.2145863, 0.3930721), abs=1e-7)
    # skewed like the error of a rate below 0.5: longer above the estimate
    assert hi - 0.3 > 0.3 - lo
    # bounds stay in [0, 1]; a zero estimate gets a positive upper bound; 90% is narrower
    lo, hi = arcsin_interval(np.array([0.0, 0.01, 0.99, np.nan]), np.array([0.01, 0.04, 0.04, 0.01]))
    assert lo[0] == 0.0 and hi[0] == pytest.approx(np.sin(z * 0.1) ** 2, rel=1e-14)
    assert lo[1] == 0.0 and hi[2] == 1.0 and np.isnan(lo[3]) and np.isnan(hi[3])
    lo9, hi9 = arcsin_interval(0.3, 0.05**2, level=0.9)
    assert lo9 > 0.2145863 and hi9 < 0.3930721


def test_arcsin_bootstrap_mse_on_the_arcsine_scale_without_shrinkage() -> None:
    # sigma2_u >> psi: the EBLUP on the arcsine scale is almost the direct asin(sqrt(y)),
    # whose error is N(0, psi) with psi = 1 / (4 n): the bootstrap MSE there is psi
    rng = np.random.default_rng(3)
    m = 30
    theta = np.arcsin(np.sqrt(np.linspace(0.08, 0.6, m)))
    n = np.full(m, 400.0)
    y = np.sin(theta + rng.normal(0, np.sqrt(1 / (4 * n)))) ** 2
    d = pd.DataFrame({"a": range(m), "y": y, "v": y * (1 - y) / n, "n": n,
                      "x": theta + rng.normal(0, 0.08, m)})
    res = fay_herriot(d, "y", "v", ["x"], "a", transformation="arcsin", eff_n="n",
                      mse_boot=400, seed=11)
    psi = 1 / (4 * n)
    assert 0.9 < res["mse_theta"].mean() / psi.mean() < 1.05
    # the EBLUP on the arcsine scale back-transforms (naively) near the estimate
    np.testing.assert_allclose(np.sin(res["theta"]) ** 2, res["estimate"], atol=1e-3)


def test_kecamatan_p0_interval_is_built_on_the_arcsine_scale() -> None:
    from tests.test_pockets import make_survey  # noqa: PLC0415

    villages, hh, design = make_survey()
    z = stats.norm.ppf(0.975)
    k = kecamatan_p0(hh, design, villages, mse_boot=50)
    e, lo, hi = k["estimate"], k["ci_low"], k["ci_high"]
    assert ((lo < e) & (e < hi)).all() and (lo >= 0).all() and (hi <= 1).all()
    # symmetric on the arcsine scale (no bound clipped here), with the benchmarked variance
    t = np.arcsin(np.sqrt(e))
    half_lo, half_hi = t - np.arcsin(np.sqrt(lo)), np.arcsin(np.sqrt(hi)) - t
    np.testing.assert_allclose(half_lo, half_hi, rtol=1e-9)
    c, p = k["benchmark_factor"], k["estimate_eblup"]
    var = c * (1 - p) / (1 - e) * k["mse_arcsin"] + (t - np.arcsin(np.sqrt(p))) ** 2
    np.testing.assert_allclose((half_hi / z) ** 2, var, rtol=1e-9)
    # so not symmetric on the rate scale: longer above for rates below one half
    assert ((hi - e) > (e - lo))[e < 0.5].all()
    # the linear model keeps estimate +- z se within [0, 1]
    k2 = kecamatan_p0(hh, design, villages, transformation="none")
    np.testing.assert_allclose(k2["ci_high"], np.clip(k2["estimate"] + z * k2["se"], 0, 1), rtol=1e-12)
    assert k2["mse_arcsin"].isna().all()


def test_direct_kecamatan_estimates_have_no_zero_variance_and_kg_intervals() -> None:
    from tests.test_pockets import make_survey  # noqa: PLC0415
    from tkpk_lib.estimation.estimators import survey_mean

    villages, hh, design = make_survey()
    hh = hh.copy()
    kec0 = "170101"
    hh.loc[hh["kec_code"] == kec0, "exp_pc"] = 900_000.0  # no poor household sampled
    k = kecamatan_p0(hh, design, villages, mse_boot=20).set_index("kec_code")
    r = k.loc[kec0]
    assert r["direct"] == 0.0 and np.isnan(r["direct_se"]) and r["direct_n_cases"] == 0
    assert r["direct_ci_low"] == 0.0 and r["direct_ci_high"] > 0.05
    assert r["direct_reliability"] == "unreliable" and r["direct_note"].startswith("no sample case")
    sampled = k[k["n_hh"] > 0]
    assert not (sampled["direct_se"] == 0).any()
    assert (sampled["direct_ci_high"] > sampled["direct_ci_low"]).all()
    # the intervals are Korn-Graubard with the kecamatan's design df, from the core
    work = hh.assign(pw=hh["weight"] * hh["hh_size"],
                     poor=(hh["exp_pc"] < hh["poverty_line"]).astype(float))
    core = survey_mean(work, SurveyDesign("pw", "stratum", "psu"), "poor", by="kec_code",
                       ci="beta").set_index("kec_code")
    np.testing.assert_allclose(sampled["direct_ci_low"], core.loc[sampled.index, "ci_low"], rtol=1e-12)
    np.testing.assert_allclose(sampled["direct_ci_high"], core.loc[sampled.index, "ci_high"], rtol=1e-12)
    # 3 PSUs of 10 households per kecamatan: every direct estimate rests on < 20 poor households
    assert (sampled["direct_n_cases"] < 20).all()
    assert (sampled["direct_reliability"] == "unreliable").all()
