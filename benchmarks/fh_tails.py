"""Coverage of the Fay-Herriot kecamatan P0 intervals in the tails (pockets, high rates).

A small, self-contained simulation (not a timed test): the demo generator is run once
(``small=True``) for the kecamatan universe, the Podes covariates, the Susenas sample's
structure (kecamatan, census blocks, households, weights, household sizes) and the true
kecamatan P0 with its pocket flag. Each draw then redraws only who is poor: every census block
gets its own rate ``Beta`` around the kecamatan's true rate (intra-block correlation ``rho``,
so the direct estimates carry a design effect), every household is poor with that rate.
:func:`tkpk_lib.analysis.small_area_p0.kecamatan_p0` runs on each draw with the given
settings, and the script prints how often the interval (``kecamatan_p0``'s ``ci_low``/``ci_high``,
built on the arcsine scale since issue 15; ``estimate +- 1.96 se`` for the legacy setting) covers the true P0 --
overall, on the pocket kecamatan, and by band of the true rate -- with the mean reported
``se`` and the actual RMSE in each group.

Run::

    PYTHONPATH=. python benchmarks/fh_tails.py --draws 100
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

SETTINGS = {
    "before (linear, GVF at the kabupaten rate, se x factor)": "legacy",
    "linear, area GVF, benchmark MSE": dict(transformation="none"),
    "arcsin (default), bootstrap MSE B=200, benchmark MSE": dict(transformation="arcsin"),
}


def _setup(root: Path) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    from tkpk_lib.data.canonical import load_tables
    from tkpk_lib.synthetic import generate_demo

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        generate_demo(root, years=(2024,), seed=2024, small=True, registry_households=500)
    t = load_tables(root, 2024, ("households", "villages"))
    truth = pd.read_csv(root / "truth" / "susenas_truth_2024.csv", dtype={"kec_code": str})
    truth = truth[truth["level"] == "kecamatan"][["kec_code", "p0", "pocket"]]
    return t["households"], t["villages"], truth


def _draw(hh: pd.DataFrame, p_true: np.ndarray, rho: float, rng: np.random.Generator) -> pd.DataFrame:
    """Redraw poverty: block rates ~ Beta(mean p, ICC rho), households Bernoulli."""
    blocks = hh["psu"].to_numpy()
    ub, inv = np.unique(blocks, return_inverse=True)
    pb = pd.Series(p_true).groupby(inv).first().to_numpy().clip(1e-4, 1 - 1e-4)
    k = (1 - rho) / rho
    rate = rng.beta(pb * k, (1 - pb) * k)
    poor = rng.random(len(hh)) < rate[inv]
    out = hh.copy()
    out["poverty_line"] = 1.0
    out["exp_pc"] = np.where(poor, 0.5, 2.0)
    return out


def _run(hh, villages, design, setting, seed):
    from tkpk_lib.analysis import small_area_p0 as sp

    if setting == "legacy":
        return _legacy_p0(hh, villages, design)
    return sp.kecamatan_p0(hh, design, villages, seed=seed, **setting)


def _legacy_p0(hh, villages, design):
    """kecamatan_p0 as it was: linear FH, GVF at the kabupaten rate (median deff), se x factor."""
    from tkpk_lib.analysis import small_area_p0 as sp
    from tkpk_lib.estimation.sae import fay_herriot

    scores = sp.deprivation_score(villages)
    cov = sp.kecamatan_covariates(scores)
    cov = cov[cov["kab_code"].isin(set(hh["kab_code"].astype(str)))].reset_index(drop=True)
    df, kab = sp._direct_estimates(hh, design, cov, "exp_pc", "poverty_line", "hh_size")
    ok = (df["direct"] > 0) & (df["direct"] < 1) & np.isfinite(df["direct_deff"])
    deff = max(float(np.nanmedian(df.loc[ok, "direct_deff"])), 1.0)
    p = df["kab_direct"].clip(0.01, 0.99)
    df["_psi"] = deff * p * (1 - p) / df["n_hh"].where(df["n_hh"] > 0)
    use = df["direct"].notna() & (df["n_hh"] >= 2) & (df["_psi"] > 0)
    df["_y"] = df["direct"].where(use)
    df["_psi"] = df["_psi"].where(use)
    covs = sp._independent(df.loc[use], [c for c in sp._default_covariates(df)
                                         if df[c].nunique() > 1])
    fh = fay_herriot(df, "_y", "_psi", covs, "kec_code")
    out = df[["kab_code", "kec_code", "population"]].copy()
    out["estimate_eblup"] = fh["estimate"].clip(0, 1).to_numpy()
    factor = sp._benchmark_factor(out, True, kab)
    out["estimate"] = (out["estimate_eblup"] * factor).clip(0, 1)
    out["se"] = np.sqrt(fh["mse"].to_numpy()) * factor
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--draws", type=int, default=100)
    ap.add_argument("--rho", type=float, default=0.05)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args(argv)
    from tkpk_lib.estimation.design import SurveyDesign

    design = SurveyDesign(weight="weight", strata="stratum", psu="psu")
    with tempfile.TemporaryDirectory() as tmp:
        hh, villages, truth = _setup(Path(tmp) / "demo")
    p_true = hh["kec_code"].map(truth.set_index("kec_code")["p0"]).to_numpy(dtype=float)
    rng = np.random.default_rng(a.seed)
    rows = []
    t0 = time.perf_counter()
    for r in range(a.draws):
        sample = _draw(hh, p_true, a.rho, rng)
        for name, setting in SETTINGS.items():
            res = _run(sample, villages, design, setting, r)
            if "ci_low" not in res.columns:  # the legacy model: symmetric interval
                res = res.assign(ci_low=res["estimate"] - 1.96 * res["se"],
                                 ci_high=res["estimate"] + 1.96 * res["se"])
            m = res[["kec_code", "estimate", "se", "ci_low", "ci_high"]].merge(truth, on="kec_code")
            m["setting"] = name
            m["draw"] = r
            rows.append(m)
    df = pd.concat(rows, ignore_index=True)
    df["err"] = df["estimate"] - df["p0"]
    df["covered"] = (df["ci_low"] <= df["p0"]) & (df["p0"] <= df["ci_high"])
    df["band"] = pd.cut(df["p0"], [0, 0.08, 0.15, 0.25, 1.0],
                        labels=["<8%", "8-15%", "15-25%", ">25%"], include_lowest=True)
    print(f"{a.draws} draws, rho={a.rho}, {time.perf_counter() - t0:.0f} s; "
          f"{truth['pocket'].sum()} pocket kecamatan of {len(truth)}")
    for name, g in df.groupby("setting", sort=False):
        print(f"\n== {name}")
        print(f"{'group':>10} {'n':>7} {'coverage':>9} {'mean se':>8} {'rmse':>7} {'bias':>7}")
        parts = [("all", g), ("pocket", g[g["pocket"] == 1])]
        parts += [(str(b), gb) for b, gb in g.groupby("band", observed=True)]
        for lab, gg in parts:
            print(f"{lab:>10} {len(gg):>7} {gg['covered'].mean():>9.3f} {gg['se'].mean():>8.4f} "
                  f"{np.sqrt((gg['err'] ** 2).mean()):>7.4f} {gg['err'].mean():>7.4f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
