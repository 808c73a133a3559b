"""Small-area P0 on the demo data: lower CVs than the direct estimates and close to the known truth.

The generator writes the true kecamatan P0 of its population model beside the sample
(``truth/susenas_truth_<year>.csv``); the Fay-Herriot estimates must be more precise than the
direct Susenas estimates and nearer to that truth.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tkpk_lib.analysis.pockets import kecamatan_p0
from tkpk_lib.data.canonical import load_tables
from tkpk_lib.estimation.design import SurveyDesign
from tkpk_lib.synthetic import generate_demo


@pytest.fixture(scope="module")
def sae_vs_truth(tmp_path_factory):
    root = tmp_path_factory.mktemp("sae")
    generate_demo(root, years=(2024,), seed=2024, small=True, registry_households=500)
    t = load_tables(root, 2024, ("households", "villages"))
    est = kecamatan_p0(t["households"], SurveyDesign(weight="weight", strata="stratum", psu="psu"), t["villages"])
    truth = pd.read_csv(root / "truth" / "susenas_truth_2024.csv", dtype={"kec_code": str})
    truth = truth[truth["level"] == "kecamatan"][["kec_code", "p0"]]
    return est.merge(truth, on="kec_code", how="left", validate="one_to_one")


def test_every_kecamatan_gets_a_model_estimate(sae_vs_truth):
    df = sae_vs_truth
    assert len(df) == 129
    assert df["estimate"].notna().all() and df["p0"].notna().all()
    # the small demo leaves some kecamatan unsampled: they get the synthetic (regression) estimate
    # with gamma 0 and a positive model error, not a gap
    out = df[~df["in_sample"]]
    assert len(out) > 0
    assert (out["n_hh"] == 0).all() and out["direct"].isna().all()
    assert (out["gamma"] == 0).all() and (out["se"] > 0).all()


def test_model_cv_is_lower_than_direct_cv(sae_vs_truth):
    s = sae_vs_truth[sae_vs_truth["in_sample"] & (sae_vs_truth["direct"] > 0)]
    assert len(s) > 80
    # the model error includes benchmarking and, on the arcsine scale, grows with the rate as
    # the real error does (benchmarks/fh_tails.py); the demo's samples are ordinary random
    # draws since issue 15: the gain is smaller than the 0.7 the flat linear MSE showed, and honest
    assert s["cv"].median() < 0.8 * s["direct_cv"].median()
    # most, not all: where the direct estimate is high by chance the model pulls it down and
    # its CV (se / estimate) can end above the direct one
    assert (s["cv"] <= s["direct_cv"] + 1e-12).mean() > 2 / 3


def test_model_is_closer_to_the_truth_than_the_direct_estimate(sae_vs_truth):
    s = sae_vs_truth[sae_vs_truth["in_sample"]]
    mae_direct = float(np.mean(np.abs(s["direct"] - s["p0"])))
    mae_model = float(np.mean(np.abs(s["estimate"] - s["p0"])))
    assert mae_model < 0.8 * mae_direct
    allk = sae_vs_truth
    assert np.corrcoef(allk["estimate"], allk["p0"])[0, 1] > 0.8
