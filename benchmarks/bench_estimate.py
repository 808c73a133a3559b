"""Benchmark of the estimation core on a Susenas-sized synthetic survey.

Builds ~1.5 million persons (20 strata, PSUs of 10 households of ~4 persons, every PSU id
distinct), declares the design and computes the means of three FGT-like person variables
(P0 a 0/1 poverty flag, P1 the poverty gap, P2 the squared gap) with linearised SEs for 10
domains (plus the whole population is not included: 10 domains only).

Reported: median of 5 runs of ``survey_mean`` (design preparation included), the time of one
vectorised pass (``np.bincount`` of the weights over the domain codes) for scale, the ratio to
R's 5.7 s for the same job (survey 4.1 ``svyby(~P0+P1+P2, ~dom, des, svymean)``, figure from
issue 3) and the peak memory (tracemalloc of the estimation call, and process max RSS).

Run:  .venv/bin/python benchmarks/bench_estimate.py [--persons 1500000] [--runs 5] [--svy]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tkpk_lib.estimation.design import SurveyDesign, prepare_design  # noqa: E402
from tkpk_lib.estimation.estimators import survey_mean  # noqa: E402

R_SECONDS = 5.7  # R survey 4.1, same job (issue 3)


def make_survey(persons: int = 1_500_000, seed: int = 17) -> pd.DataFrame:
    """Synthetic person-level survey frame with a stratified two-stage design."""
    rng = np.random.default_rng(seed)
    hh_per_psu, n_strata = 10, 20
    hh_size = rng.integers(1, 8, size=persons // 2)  # mean 4
    hh_size = hh_size[np.cumsum(hh_size) <= persons]
    n_hh = len(hh_size)
    n_psu = int(np.ceil(n_hh / hh_per_psu))
    psu_of_hh = np.arange(n_hh) // hh_per_psu
    stratum_of_psu = rng.integers(0, n_strata, size=n_psu)
    psu_weight = rng.gamma(4.0, 50.0, size=n_psu)
    hh = np.repeat(np.arange(n_hh), hh_size)
    psu = psu_of_hh[hh]
    # household consumption with a PSU effect; poverty line 1.0
    psu_effect = rng.normal(0.0, 0.35, size=n_psu)
    cons_hh = np.exp(rng.normal(0.3, 0.5, size=n_hh) + psu_effect[psu_of_hh])
    cons = cons_hh[hh]
    gap = np.clip(1.0 - cons, 0.0, None)
    df = pd.DataFrame(
        {
            "stratum": stratum_of_psu[psu].astype(np.int32),
            "psu": psu.astype(np.int64) * 7 + 100_000,  # distinct ids, not 0..P-1
            "hh": hh.astype(np.int64),
            "w": psu_weight[psu] * rng.uniform(0.9, 1.1, size=n_hh)[hh],
            "dom": (stratum_of_psu[psu] % 10).astype(np.int16),
            "P0": (gap > 0).astype(np.float64),
            "P1": gap,
            "P2": gap**2,
        }
    )
    return df


def timed(fn, runs: int, clock=time.perf_counter) -> tuple[float, list[float]]:
    """Median and all timings of ``runs`` calls (wall clock unless ``clock`` says otherwise)."""
    times = []
    for _ in range(runs):
        t0 = clock()
        fn()
        times.append(clock() - t0)
    return statistics.median(times), times


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--persons", type=int, default=1_500_000)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--svy", action="store_true", help="also time svy 0.35 on the same job")
    a = ap.parse_args()

    t0 = time.perf_counter()
    df = make_survey(a.persons)
    print(
        f"synthetic survey: {len(df):,} persons, {df['hh'].nunique():,} households, "
        f"{df['psu'].nunique():,} PSUs, {df['stratum'].nunique()} strata, "
        f"{df['dom'].nunique()} domains (built in {time.perf_counter() - t0:.1f} s)"
    )
    design = SurveyDesign(weight="w", strata="stratum", psu="psu")
    ys = ["P0", "P1", "P2"]

    def job() -> pd.DataFrame:
        return survey_mean(df, design, ys, by="dom")

    t0 = time.perf_counter()
    res = job()  # first call: also allocates the reusable work buffers
    cold = time.perf_counter() - t0
    med, times = timed(job, a.runs)
    cpu_med, _ = timed(job, a.runs, clock=time.process_time)

    dom = df["dom"].to_numpy()
    w = df["w"].to_numpy()
    one_pass, _ = timed(lambda: np.bincount(dom, weights=w, minlength=10), max(a.runs, 11))
    one_pass_cpu, _ = timed(
        lambda: np.bincount(dom, weights=w, minlength=10), max(a.runs, 11), time.process_time
    )
    prep_med, _ = timed(lambda: prepare_design(df, design), a.runs)
    prepared = prepare_design(df, design)
    reuse_med, _ = timed(lambda: survey_mean(df, prepared, ys, by="dom"), a.runs)
    reuse_cpu, _ = timed(lambda: survey_mean(df, prepared, ys, by="dom"), a.runs, time.process_time)

    tracemalloc.start()
    job()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    maxrss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    frame_mb = df.memory_usage(deep=True).sum() / 2**20

    print(res.head(6).to_string(index=False))
    print()
    print(
        f"survey_mean, 3 variables x 10 domains: median {med * 1000:.0f} ms over {a.runs} runs "
        f"({', '.join(f'{t * 1000:.0f}' for t in times)} ms)"
    )
    print(
        f"  CPU time (process_time, robust to other jobs on the machine): median "
        f"{cpu_med * 1000:.0f} ms -> R ratio {R_SECONDS / cpu_med:.1f}x, one-pass ratio "
        f"{cpu_med / one_pass_cpu:.1f}x (one pass {one_pass_cpu * 1000:.1f} ms CPU)"
    )
    print(f"  first call in the process (work buffers allocated): {cold * 1000:.0f} ms wall")
    print(f"  load average at start: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(f"  of which prepare_design (validation + factorising): {prep_med * 1000:.0f} ms")
    print(
        f"  with the design prepared once (prepare_design reused): {reuse_med * 1000:.0f} ms "
        f"wall, {reuse_cpu * 1000:.0f} ms CPU -> one-pass ratio {reuse_cpu / one_pass_cpu:.1f}x"
    )
    print(
        f"R survey 4.1 (issue 3): {R_SECONDS:.1f} s -> speed-up {R_SECONDS / med:.1f}x "
        f"(goal >= 20x, i.e. < {R_SECONDS / 20 * 1000:.0f} ms)"
    )
    print(
        f"one vectorised pass (np.bincount of weights over domains): {one_pass * 1000:.1f} ms "
        f"-> ratio {med / one_pass:.1f}x"
    )
    print(
        f"peak memory: tracemalloc {peak / 2**20:.0f} MiB during the call "
        f"(frame itself {frame_mb:.0f} MiB); process max RSS {maxrss_mb:.0f} MiB"
    )

    if a.svy:
        bench_svy(df, a.runs)


def bench_svy(df: pd.DataFrame, runs: int) -> None:
    """Time svy 0.35 on the same job (optional, for the comparison in README.md)."""
    import polars as pl
    import svy

    pdf = pl.from_pandas(df)
    design = svy.Design(stratum="stratum", psu="psu", wgt="w")
    sample = svy.Sample(data=pdf, design=design)

    def job():
        return [sample.estimation.mean(y, by="dom") for y in ("P0", "P1", "P2")]

    job()
    med, times = timed(job, runs)
    cpu_med, _ = timed(job, runs, clock=time.process_time)
    print(
        f"svy {svy.__version__}: median {med * 1000:.0f} ms wall "
        f"({', '.join(f'{t * 1000:.0f}' for t in times)} ms), {cpu_med * 1000:.0f} ms CPU "
        f"(all threads) -> R ratio {R_SECONDS / med:.1f}x wall"
    )


if __name__ == "__main__":
    main()
