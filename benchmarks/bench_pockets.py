"""Benchmark: the whole poverty-pocket analysis for Bengkulu province.

Builds a province-sized synthetic input on the real region reference (129 kecamatan,
1,513 desa/kelurahan), a Susenas-like sample (~7,000 households in ~700 census blocks, two
strata per kabupaten, some kecamatan unsampled) and a welfare registry (~400,000
households), then times every step of :func:`tkpk_lib.analysis.pockets.province_pockets` with and
without the hot-spot analysis on the real boundaries (``../shared/data``, skipped when
absent), and the three static maps.

With ``--demo`` the pipeline also runs on the synthetic demo data set
(:func:`tkpk_lib.synthetic.generate_demo`, 2024, small registry) and the kecamatan
estimates are compared with the demo's true P0 (``truth/``): mean absolute error and
correlation of the direct and of the model (SAE) estimates, and how many true pockets the
list flags.

Run::

    .venv/bin/python benchmarks/bench_pockets.py [--repeat 3] [--no-maps] [--demo]

Goal: seconds, not minutes, for the province.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tkpk_lib.analysis.deprivation import deprivation_score, registry_counts, village_typology  # noqa: E402
from tkpk_lib.analysis.pockets import kecamatan_p0, pocket_list, province_pockets  # noqa: E402
from tkpk_lib.data.reference_data import regions  # noqa: E402
from tkpk_lib.estimation.design import SurveyDesign  # noqa: E402

SHARED = ROOT.parent / "shared" / "data"


def make_inputs(seed: int = 2024) -> tuple[pd.DataFrame, pd.DataFrame, SurveyDesign, pd.DataFrame]:
    """Synthetic villages, households (+ design) and registry for the whole province."""
    rng = np.random.default_rng(seed)
    desa = regions("desa")
    kec_of = desa["parent"].to_numpy()
    n = len(desa)
    kec_codes = np.unique(kec_of)
    remote_kec = dict(zip(kec_codes, rng.uniform(0, 1, len(kec_codes)), strict=True))
    remote = np.clip(np.array([remote_kec[k] for k in kec_of]) + rng.normal(0, 0.15, n), 0, 1)
    kel = (desa["level"] == "kelurahan").to_numpy()
    villages = pd.DataFrame({
        "year": 2024,
        "desa_code": desa["code"].to_numpy(),
        "kec_code": kec_of,
        "kab_code": [c[:4] for c in kec_of],
        "desa_name": desa["name"].to_numpy(),
        "kelurahan": kel.astype("int8"),
        "population": rng.integers(300, 6000, n) * np.where(kel, 3, 1),
        "families": rng.integers(100, 1500, n),
        "dist_school_km": rng.gamma(1.5, 1.0, n) * (0.2 + 2 * remote),
        "dist_health_km": rng.gamma(2.0, 2.0, n) * (0.2 + 2 * remote),
        "dist_market_km": rng.gamma(2.0, 3.0, n) * (0.2 + 2 * remote),
        "road_surface": np.where(rng.uniform(size=n) < remote * 0.7, 3,
                                 np.where(rng.uniform(size=n) < 0.3, 2, 1)),
        "electricity_share": np.clip(1 - rng.beta(1, 8, n) * (0.5 + remote), 0, 1),
        "signal": np.where(rng.uniform(size=n) < remote * 0.5, 0,
                           np.where(rng.uniform(size=n) < 0.3, 1, 2)),
        "water_source": rng.choice([1, 2, 3, 4, 5], n, p=[0.2, 0.4, 0.2, 0.1, 0.1]),
        "sanitation": rng.choice([1, 2, 3, 4], n, p=[0.6, 0.2, 0.1, 0.1]),
        "malnutrition_cases": rng.poisson(1 + 3 * remote),
        "disasters": rng.poisson(1.0, n),
    })
    # households: 2 strata (urban/rural) per kabupaten, ~700 blocks of 10 households in
    # ~85% of kecamatan
    sampled = rng.choice(kec_codes, int(0.85 * len(kec_codes)), replace=False)
    rows = []
    p_kec = 0.06 + 0.25 * np.array([remote_kec[k] for k in sampled])
    blocks_per_kec = rng.integers(3, 9, len(sampled))
    for kec, p, nb in zip(sampled, p_kec, blocks_per_kec, strict=True):
        for b in range(nb):
            urban = int(rng.uniform() < 0.3)
            poor = rng.uniform(size=10) < p * (0.6 if urban else 1.0)
            rows.append(pd.DataFrame({
                "hh_id": [f"{kec}-{b}-{i}" for i in range(10)],
                "kab_code": kec[:4], "kec_code": kec, "urban": urban,
                "stratum": f"{kec[:4]}-{urban}", "psu": f"{kec}-{b}",
                "weight": rng.uniform(60, 200, 10), "hh_size": rng.integers(1, 8, 10),
                "exp_pc": np.where(poor, 420_000, 900_000) * rng.uniform(0.8, 1.25, 10),
                "poverty_line": 550_000.0,
            }))
    hh = pd.concat(rows, ignore_index=True)
    hh["year"] = 2024
    design = SurveyDesign(weight="weight", strata="stratum", psu="psu", single_psu="center")
    # registry: ~400k households, decile depends on remoteness
    n_reg = 400_000
    idx = rng.integers(0, n, n_reg)
    dec = np.clip(np.ceil(10 * rng.beta(2, 2 + 3 * (1 - remote[idx]))), 1, 10).astype(int)
    registry = pd.DataFrame({"desa_code": villages["desa_code"].to_numpy()[idx],
                             "decile": dec, "n_members": rng.integers(1, 8, n_reg)})
    return villages, hh, design, registry


def timed(fn, repeat: int):  # noqa: ANN001, ANN201
    times, out = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return out, statistics.median(times)


def demo_accuracy(root: Path) -> None:
    """Run province_pockets on the synthetic demo and compare with its true kecamatan P0."""
    from tkpk_lib.data import canonical
    from tkpk_lib.synthetic import generate_demo

    if not (root / "truth").exists():
        generate_demo(root, years=(2024,), small=True)
    t = canonical.load_tables(root, 2024)
    design = SurveyDesign(weight="weight", strata="stratum", psu="psu", single_psu="center")
    kec_g = canonical.load_boundaries(root, "kecamatan")
    desa_g = canonical.load_boundaries(root, "desa")
    t0 = time.perf_counter()
    res = province_pockets(t["households"], design, t["villages"], t.get("registry"),
                           kec_gdf=kec_g, desa_gdf=desa_g)
    secs = time.perf_counter() - t0
    k = res["kecamatan"]
    truth = pd.read_csv(root / "truth" / "susenas_truth_2024.csv", dtype=str)
    truth = truth[truth["level"] == "kecamatan"]
    m = k.merge(truth[["kec_code", "p0", "pocket"]].astype({"p0": float, "pocket": int}),
                on="kec_code")
    print(f"\ndemo 2024 ({len(t['households'])} households, {len(m)} kecamatan, "
          f"{int(m['in_sample'].sum())} sampled): province_pockets {secs:.2f} s")
    for col, label in (("direct", "direct (Susenas)"), ("estimate", "model (FH + benchmark)")):
        mm = m[m[col].notna()]
        mae = (mm[col] - mm["p0"]).abs().mean()
        r = np.corrcoef(mm[col], mm["p0"])[0, 1]
        print(f"  {label:24s} n={len(mm):3d}  MAE={mae:.4f}  corr={r:.3f}")
    pk = res["pockets"]
    kp = pk[pk["level"] == "kecamatan"].merge(
        m[["kec_code", "pocket"]].rename(columns={"kec_code": "code"}), on="code")
    print(f"  true pockets flagged: {int((kp['is_pocket'] & (kp['pocket'] == 1)).sum())} of "
          f"{int((kp['pocket'] == 1).sum())}; flagged in all: {int(kp['is_pocket'].sum())}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--no-maps", action="store_true")
    ap.add_argument("--demo", action="store_true", help="also check accuracy on the demo data")
    args = ap.parse_args()
    r = args.repeat

    t0 = time.perf_counter()
    villages, hh, design, registry = make_inputs()
    print(f"inputs: {len(villages)} desa, {villages['kec_code'].nunique()} kecamatan, "
          f"{len(hh)} households in {hh['psu'].nunique()} blocks "
          f"({hh['kec_code'].nunique()} kecamatan sampled), {len(registry)} registry rows "
          f"[built in {time.perf_counter() - t0:.1f} s]")
    res: dict[str, float] = {}
    scores, res["deprivation_score"] = timed(lambda: deprivation_score(villages), r)
    _, res["village_typology (k=4)"] = timed(lambda: village_typology(scores, k=4, seed=1), r)
    _, res["village_typology (k chosen, 1 run)"] = timed(lambda: village_typology(scores, k=None), 1)
    rc, res["registry_counts (400k rows)"] = timed(lambda: registry_counts(registry), r)
    kec, res["kecamatan_p0"] = timed(lambda: kecamatan_p0(hh, design, scores, registry=rc), r)
    _, res["pocket_list (no maps)"] = timed(lambda: pocket_list(kec, scores, rc), r)
    _, res["province_pockets (no geometry)"] = timed(
        lambda: province_pockets(hh, design, villages, registry), r)

    kec_gdf = desa_gdf = None
    if (SHARED / "bengkulu_kecamatan.geojson").exists():
        import geopandas as gpd

        kec_gdf = gpd.read_file(SHARED / "bengkulu_kecamatan.geojson")
        desa_gdf = gpd.read_file(SHARED / "bengkulu_desa.geojson")
        out, res["province_pockets (+ hot spots, 200 draws)"] = timed(
            lambda: province_pockets(hh, design, villages, registry, kec_gdf=kec_gdf,
                                     desa_gdf=desa_gdf), r)
        pk = out["pockets"]
        kp = pk[pk["level"] == "kecamatan"]
        print(f"kecamatan pockets: {kp['pocket_type'].value_counts().to_dict()}; "
              f"stable pockets: {int(kp['stable_pocket'].fillna(False).sum())}; "
              f"model reliability: {out['kecamatan']['reliability'].value_counts().to_dict()}")
        if not args.no_maps:
            from tkpk_lib.reporting import maps

            g = kec_gdf.merge(out["kecamatan"], left_on="kode", right_on="kec_code", how="left")
            _, res["map: choropleth kecamatan (render+png, 1 run)"] = timed(
                lambda: maps.choropleth(g, "estimate", reliability="reliability",
                                        multiplier=100, title="P0", legend_title="P0 (%)"
                                        ).savefig("/tmp/bench_choro.png", dpi=150), 1)
            _, res["map: pocket_map desa (render+png, 1 run)"] = timed(
                lambda: maps.pocket_map(desa_gdf.rename(columns={"kode": "desa_code"}), pk,
                                        kec_gdf).savefig("/tmp/bench_pocket.png", dpi=150), 1)
    else:
        print("shared boundaries not found: hot spots and maps skipped")

    print(f"\nmedian of {r} runs (rows marked \"1 run\" ran once):")
    for k, v in res.items():
        print(f"  {k:45s} {v:7.2f} s")
    if args.demo:
        import tempfile

        demo_accuracy(Path(tempfile.gettempdir()) / "tkpk_bench_pockets_demo")


if __name__ == "__main__":
    main()
