"""Benchmark of the FGT block: P0, P1 and P2 with design-based SEs by ten domains (issue 14 section 4).

Job: the synthetic survey of ``bench_estimate.py`` (~1.5 million persons, 20 strata, 37,496
PSUs of 10 households, 10 domains) with a per-capita expenditure column and a poverty line
(1.0); P0, P1 and P2 with linearised SEs, intervals (t with the domain's design df), design
effects and reliability for the 10 domains. Timed:

* ``before``: the previous ``poverty._fgt_block`` (per-person FGT columns added with
  ``DataFrame.assign``, then ``survey_mean`` of the three columns; design prepared in the call);
* ``fgt``: ``tkpk_lib.analysis.poverty.fgt`` path for the three alphas (``_fgt_block``: input
  checks, design prepared in the call, one pass over the rows);
* ``fgt_block, prepared``: :func:`tkpk_lib.estimation.fgt.fgt_block` with a design prepared
  once per data set (what a report computing many indicators and domains reuses);
* ``poverty_indicators`` (P0-P2 and the number of poor) by domain and for the whole
  population, as a report computes them per kabupaten and for the province, with the design
  declared or prepared once;
* one vectorised pass (``np.bincount`` of the weights by domain), for scale.

The results of the three paths are checked to be identical (``assert_frame_equal``, exact).
R is not installed on this machine: the R time is R survey 4.1's 5.7 s for the same job
(``svyby(~P0+P1+P2, ~dom, des, svymean)``, issue 3, recorded in benchmarks/README.md).

Run:  PYTHONPATH=. .venv/bin/python benchmarks/bench_fgt.py [--persons 1500000] [--runs 7]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_estimate import make_survey  # noqa: E402

from tkpk_lib.analysis import poverty  # noqa: E402
from tkpk_lib.estimation.design import SurveyDesign, prepare_design  # noqa: E402
from tkpk_lib.estimation.estimators import survey_mean  # noqa: E402
from tkpk_lib.estimation.fgt import fgt_block  # noqa: E402

R_SECONDS = 5.7  # R survey 4.1, svyby(~P0+P1+P2, ~dom, des, svymean), issue 3


def survey_with_welfare(persons: int) -> pd.DataFrame:
    """``bench_estimate.make_survey`` plus ``cons`` (welfare; the line is 1.0)."""
    df = make_survey(persons)
    rng = np.random.default_rng(5)
    poor = df["P0"].to_numpy() > 0
    cons = 1.0 + rng.exponential(0.8, len(df))
    cons[poor] = 1.0 - df["P1"].to_numpy()[poor]
    df["cons"] = cons
    return df.drop(columns=["P0", "P1", "P2"])


def before(df: pd.DataFrame, design: SurveyDesign) -> pd.DataFrame:
    """The FGT block as ``poverty._fgt_block`` computed it before issue 14 section 4."""
    y = df["cons"].to_numpy(dtype=float)
    z = np.full(len(df), 1.0)
    poor = y < z
    cols = {f"fgt{a}": (poor.astype(float) if a == 0 else np.where(poor, ((z - y) / z) ** a, 0.0))
            for a in (0, 1, 2)}
    return survey_mean(df.assign(**cols), design, list(cols), by="dom", dof="design")


def timed(fn, runs: int) -> tuple[float, float, list[float]]:
    """Median wall and median CPU (process) seconds of ``runs`` calls, and the wall times."""
    wall, cpu = [], []
    for _ in range(runs):
        t0, c0 = time.perf_counter(), time.process_time()
        fn()
        wall.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    return statistics.median(wall), statistics.median(cpu), wall


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--persons", type=int, default=1_500_000)
    ap.add_argument("--runs", type=int, default=7)
    a = ap.parse_args()
    df = survey_with_welfare(a.persons)
    design = SurveyDesign(weight="w", strata="stratum", psu="psu")
    print(f"{len(df):,} persons, {df['psu'].nunique():,} PSUs, {df['stratum'].nunique()} strata, "
          f"{df['dom'].nunique()} domains; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")

    old = before(df, design)
    new = fgt_block(df, design, "cons", 1.0, by="dom")
    pd.testing.assert_frame_equal(old, new, check_exact=True)
    via_fgt = poverty._fgt_block(df, design, "cons", 1.0, (0, 1, 2), ["dom"], None, "normal", 0.95)
    np.testing.assert_array_equal(via_fgt["se"].to_numpy(), new["se"].to_numpy().reshape(-1, 3).T.ravel())
    print("results identical (estimate, se, intervals, deff, n, reliability: exact)\n")

    t_prep = timed(lambda: prepare_design(df, design), a.runs)
    prep = prepare_design(df, design)
    w, dom = df["w"].to_numpy(), df["dom"].to_numpy()
    jobs = [
        ("before: assign FGT columns + survey_mean", lambda: before(df, design)),
        ("poverty fgt path (_fgt_block, design in the call)",
         lambda: poverty._fgt_block(df, design, "cons", 1.0, (0, 1, 2), ["dom"], None, "normal", 0.95)),
        ("fgt_block, design in the call", lambda: fgt_block(df, design, "cons", 1.0, by="dom")),
        ("fgt_block, design prepared once", lambda: fgt_block(df, prep, "cons", 1.0, by="dom")),
        ("poverty_indicators, by dom + total, design each call",
         lambda: [poverty.poverty_indicators(df, design, "cons", 1.0, by=b) for b in ("dom", None)]),
        ("poverty_indicators, by dom + total, prepared once",
         lambda: [poverty.poverty_indicators(df, prep, "cons", 1.0, by=b) for b in ("dom", None)]),
        ("one pass: np.bincount(dom, w)", lambda: np.bincount(dom, weights=w, minlength=10)),
    ]
    rows = []
    for name, fn in jobs:
        fn()  # warm (work buffers)
        wall, cpu, _ = timed(fn, a.runs)
        rows.append((name, wall, cpu))
    one_cpu = rows[-1][2]
    print(f"{'job':52s} {'wall ms':>8s} {'CPU ms':>8s} {'R/wall':>7s} {'R/CPU':>7s} {'xpass':>6s}")
    for name, wall, cpu in rows:
        print(f"{name:52s} {wall * 1e3:8.1f} {cpu * 1e3:8.1f} {R_SECONDS / wall:7.1f} "
              f"{R_SECONDS / cpu:7.1f} {cpu / one_cpu:6.1f}")
    print(f"\nprepare_design alone: {t_prep[0] * 1e3:.1f} ms wall, {t_prep[1] * 1e3:.1f} ms CPU")
    print(f"R survey 4.1 (issue 3, not re-run here: no R on this machine): {R_SECONDS} s; "
          f"goal >= 30x, i.e. <= {R_SECONDS / 30 * 1e3:.0f} ms")
    print(new.head(6).to_string(index=False))


if __name__ == "__main__":
    main()
