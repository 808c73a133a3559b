"""Coverage study: redraw the demo Susenas sample from the fixed population and check the intervals.

The population model of the demo (``generate_demo(seed=...)``) is kept fixed; only the Susenas
sample is redrawn (``draw_susenas(world, year, draw=r)``, r = 1..R: same design, independent
sample seeds). Each draw goes through the product's own path: the raw files are written in
their real formats, read by the reader into the canonical tables, then the indicator table
(:func:`tkpk_lib.reporting.section_data.year_indicators`'s poverty part: P0/P1 with their
intervals (t with the kabupaten's design df since issue 15), extreme poverty with its
Korn-Graubard (ci='beta') interval, design from ``section_data._design``) and the small-area
step (:func:`tkpk_lib.analysis.small_area_p0.kecamatan_p0`: direct kecamatan P0 with its
Korn-Graubard interval, Fay-Herriot with its arcsine-scale interval; ``estimate +- 1.96 se``
for versions of ``kecamatan_p0`` without interval columns). The estimates are compared with the model truth
(:func:`tkpk_lib.synthetic._world.true_fgt`; model values, not finite-population values).

Printed per quantity: coverage of the 95% interval, mean reported SE / SD of the estimates
over the draws (calibration), bias, the share of zero-width intervals and the share of
estimates without a standard error (``no_se``: the SE cannot be estimated, e.g. a single PSU;
left out of the coverage). A direct kecamatan estimate of 0 has no SE either but has a
Korn-Graubard interval: it counts in the coverage.

Run::

    PYTHONPATH=. python benchmarks/coverage_study.py --draws 500

(``--draws 30`` takes about half a minute.) tests/test_coverage_study.py runs a few dozen
draws with wide bands.
"""

from __future__ import annotations

import argparse
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

YEAR = 2024
SEED = 2024
BANDS = {"<8%": (0.0, 0.08), "8-25%": (0.08, 0.25), ">25%": (0.25, 1.01)}


def truth_tables(world, year: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(unit truth: kab_code x indicator -> value incl. province '17', kecamatan truth with pocket)."""
    from tkpk_lib.analysis.poverty import extreme_poverty_line
    from tkpk_lib.synthetic._world import true_fgt

    t = true_fgt(world, year, extreme_poverty_line(year))
    rows = []
    for code, g in [*t.groupby("kab_code"), ("17", t)]:
        n = g["population"].sum()
        for ind, col in (("p0", "poor"), ("p1", "gap"), ("p0_extreme", "extreme")):
            rows.append({"kab_code": str(code), "indicator": ind, "truth": g[col].sum() / n})
    kec = t.groupby("kec_code", as_index=False)[["population", "poor"]].sum()
    kec["truth"] = kec["poor"] / kec["population"]
    pocket = dict(zip(world.kec["code"], world.kec["pocket"].astype(bool), strict=True))
    kec["pocket"] = kec["kec_code"].map(pocket)
    return pd.DataFrame(rows), kec[["kec_code", "truth", "pocket"]]


def setup(root: Path, seed: int = SEED, year: int = YEAR):
    """Write the full demo once under ``root`` (Podes for the covariates); return
    (world, unit truth, kecamatan truth, villages). The draws go to a folder of their own."""
    from tkpk_lib.data.canonical import load_tables
    from tkpk_lib.synthetic import generate_demo
    from tkpk_lib.synthetic._world import build_world

    generate_demo(root, years=(year,), seed=seed, small=True, registry_households=200)
    world = build_world(seed, (year,))
    unit_truth, kec_truth = truth_tables(world, year)
    villages = load_tables(root, year, ("villages",))["villages"]
    return world, unit_truth, kec_truth, villages


def one_draw(root: Path, world, draw: int, villages: pd.DataFrame, year: int = YEAR):
    """Redraw Susenas (sample ``draw``) into ``root`` and estimate: (unit table, kecamatan table)."""
    from tkpk_lib.analysis import indicators as ind
    from tkpk_lib.analysis.small_area_p0 import kecamatan_p0
    from tkpk_lib.data.canonical import load_tables
    from tkpk_lib.reporting import section_data as sd
    from tkpk_lib.synthetic._surveys import draw_susenas, write_susenas

    # only the Susenas files live under ``root``: the canonical build then reads just them
    write_susenas(root, year, *draw_susenas(world, year, draw))
    hh = load_tables(root, year, ("households",))["households"]
    d = sd._design()
    parts = [
        sd._both(ind.poverty_indicators, hh, d, welfare=sd.WELFARE, line=sd.LINE, size=sd.SIZE),
        sd._both(ind.extreme_poverty, hh, d, welfare=sd.WELFARE, year=year, size=sd.SIZE, ci="beta"),
    ]
    units = pd.concat(parts, ignore_index=True)
    units = units[units["indicator"].isin(["p0", "p1", "p0_extreme"])]
    units = units[["kab_code", "indicator", "estimate", "se", "ci_low", "ci_high"]].copy()
    units["kab_code"] = units["kab_code"].astype(str)
    kec = kecamatan_p0(hh, d, villages)
    cols = ["kec_code", "n_hh", "direct", "direct_se", "estimate", "se"]
    # the product's own intervals (issue 15: Korn-Graubard direct, arcsine-scale model);
    # estimate +- 1.96 se where a version of kecamatan_p0 has none
    cols += [c for c in ("direct_ci_low", "direct_ci_high", "ci_low", "ci_high") if c in kec.columns]
    return units, kec[cols].copy()


def _summ(est, se, lo, hi, truth) -> dict:
    est, se, lo, hi, truth = (np.asarray(v, dtype=float) for v in (est, se, lo, hi, truth))
    has_est = np.isfinite(est)
    ok = has_est & np.isfinite(se) & np.isfinite(lo) & np.isfinite(hi)
    cover = (lo <= truth) & (truth <= hi)
    return {
        "n": int(ok.sum()),
        "no_se": float(np.mean(~ok[has_est])) if has_est.any() else np.nan,
        "coverage": float(np.mean(cover[ok])),
        "se_over_sd": float(np.nanmean(se[ok]) / np.std(est[ok], ddof=1)) if ok.sum() > 2 else np.nan,
        "bias": float(np.mean(est[ok] - truth[ok])),
        "zero_width": float(np.mean((hi - lo)[ok] <= 0)),
    }


def summarise(units: pd.DataFrame, kec: pd.DataFrame) -> pd.DataFrame:
    """Coverage table from the stacked draws (``units`` with truth, ``kec`` with truth/pocket).

    Kabupaten rows pool the ten kabupaten/kota (coverage over units x draws; SE/SD computed per
    unit, then averaged); the province is row '17'. Kecamatan rows pool kecamatan x draws
    where the estimate exists (direct: sampled kecamatan with >= 2 households).
    """
    rows = []
    for indc, g in units.groupby("indicator"):
        for level, sub in (("kabupaten", g[g["kab_code"] != "17"]), ("province", g[g["kab_code"] == "17"])):
            s = _summ(sub["estimate"], sub["se"], sub["ci_low"], sub["ci_high"], sub["truth"])
            ratios = [
                u["se"].mean() / u["estimate"].std(ddof=1)
                for _, u in sub.groupby("kab_code") if u["estimate"].std(ddof=1) > 0
            ]
            s["se_over_sd"] = float(np.mean(ratios)) if ratios else np.nan
            worst = sub.assign(c=(sub["ci_low"] <= sub["truth"]) & (sub["truth"] <= sub["ci_high"]))
            cov_by = worst.groupby("kab_code")["c"].mean()
            s["min_unit_coverage"] = float(cov_by.min())
            s["min_unit"] = str(cov_by.idxmin())
            rows.append({"quantity": indc, "level": level, **s})
    z = 1.959963984540054
    for name, e, se, ci in (("kec P0 direct", "direct", "direct_se", "direct_ci_"),
                            ("kec P0 Fay-Herriot", "estimate", "se", "ci_")):
        k = kec[kec[e].notna()]
        if f"{ci}low" in k.columns:
            lo_, hi_ = k[f"{ci}low"], k[f"{ci}high"]
            # a zero estimate without an se still has an interval: count it as covered or not
            k = k.assign(_lo=lo_, _hi=hi_, _se=k[se].fillna(0.0).where(lo_.notna()))
        else:
            k = k.assign(_lo=k[e] - z * k[se], _hi=k[e] + z * k[se], _se=k[se])
        groups = [("all", k), ("pocket", k[k["pocket"]])]
        groups += [(b, k[(k["truth"] >= lo) & (k["truth"] < hi)]) for b, (lo, hi) in BANDS.items()]
        for label, sub in groups:
            s = _summ(sub[e], sub["_se"], sub["_lo"], sub["_hi"], sub["truth"])
            per = [u[se].mean() / u[e].std(ddof=1) for _, u in sub.groupby("kec_code")
                   if len(u) > 2 and u[e].std(ddof=1) > 0]
            s["se_over_sd"] = float(np.nanmedian(per)) if per else np.nan
            rows.append({"quantity": name, "level": label, **s})
    return pd.DataFrame(rows)


def run(
    draws: int, seed: int = SEED, year: int = YEAR, verbose: bool = False, checkpoint: Path | None = None
) -> tuple[pd.DataFrame, float]:
    """Run ``draws`` redraws; return (summary table, wall seconds per draw).

    CPU seconds per draw are in ``table.attrs["cpu_per_draw"]``.

    ``checkpoint``: write the summary of the draws so far there every 50 draws.
    """
    warnings.simplefilter("ignore", DeprecationWarning)
    with tempfile.TemporaryDirectory() as tmp:
        world, unit_truth, kec_truth, villages = setup(Path(tmp) / "demo", seed, year)
        sample_root = Path(tmp) / "draws"
        us, ks = [], []
        t0, c0 = time.perf_counter(), time.process_time()
        for r in range(1, draws + 1):
            u, k = one_draw(sample_root, world, r, villages, year)
            u["draw"], k["draw"] = r, r
            us.append(u)
            ks.append(k)
            if checkpoint is not None and r % 50 == 0:
                _merge_and_summarise(us, ks, unit_truth, kec_truth).to_csv(checkpoint, index=False)
            if verbose and r % 25 == 0:
                print(f"  {r} draws, {(time.perf_counter() - t0) / r:.2f} s/draw", flush=True)
        per = (time.perf_counter() - t0) / max(draws, 1)
        cpu = (time.process_time() - c0) / max(draws, 1)
    out = _merge_and_summarise(us, ks, unit_truth, kec_truth)
    out.attrs["cpu_per_draw"] = cpu  # CPU seconds: stable on a shared machine, unlike wall time
    return out, per


def _merge_and_summarise(us, ks, unit_truth, kec_truth) -> pd.DataFrame:
    units = pd.concat(us, ignore_index=True).merge(unit_truth, on=["kab_code", "indicator"], validate="many_to_one")
    kec = pd.concat(ks, ignore_index=True).merge(kec_truth, on="kec_code", validate="many_to_one")
    out = summarise(units, kec)
    out.insert(0, "draws", len(us))
    out.attrs["by_unit"] = unit_coverage(units)
    return out


def unit_coverage(units: pd.DataFrame) -> pd.DataFrame:
    """Coverage per kabupaten/kota (and province '17') and indicator, with the true value."""
    c = units.assign(covered=(units["ci_low"] <= units["truth"]) & (units["truth"] <= units["ci_high"]),
                     zero=(units["ci_high"] - units["ci_low"]) <= 0)
    out = c.groupby(["indicator", "kab_code"]).agg(truth=("truth", "first"), coverage=("covered", "mean"),
                                                    zero_width=("zero", "mean")).reset_index()
    return out.pivot(index="kab_code", columns="indicator", values=["truth", "coverage", "zero_width"])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--draws", type=int, default=200)
    ap.add_argument("--seed", type=int, default=SEED)
    ap.add_argument("--csv", type=Path, default=None, help="also write the table here")
    a = ap.parse_args()
    table, per = run(a.draws, a.seed, verbose=True, checkpoint=a.csv)
    pd.set_option("display.width", 200)
    print(f"\n{a.draws} draws, population seed {a.seed}, year {YEAR}, {per:.2f} s per draw\n")
    print(table.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    print("\nBy kabupaten/kota (17 = province):\n")
    print(table.attrs["by_unit"].to_string(float_format=lambda v: f"{v:.4f}"))
    if a.csv:
        table.to_csv(a.csv, index=False)
        table.attrs["by_unit"].to_csv(a.csv.with_name(a.csv.stem + "_by_unit.csv"))


if __name__ == "__main__":
    main()
