"""Benchmark of the synthetic demo generator and the canonical build: wall time and output size.

Run: ``.venv/bin/python benchmarks/bench_synthetic.py [--full] [--data-step [--runs N]]``.

* default: ``generate_demo(small=True)`` (six years, registry of 6,000), goal under ~10 s;
* ``--full``: also the province-scale registry (~610,000 households);
* ``--data-step``: the data step of ``tkpk run --year 2024`` on a fresh root, each run in a fresh
  process: ``generate_demo(root)`` (full scale, as the pipeline calls it), then
  ``build_canonical(root, year)`` for every year <= 2024; prints each run and the median.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _size_mb(root: Path) -> float:
    return sum(p.stat().st_size for p in root.rglob("*") if p.is_file()) / 1e6


def run(small: bool) -> None:
    from tkpk_lib.synthetic import generate_demo

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        t0 = time.perf_counter()
        cpu0 = time.process_time()
        out = generate_demo(root, small=small)
        wall = time.perf_counter() - t0
        cpu = time.process_time() - cpu0
        reg = out["files"][next(k for k in out["files"] if k.startswith("raw/registry/"))]
        print(
            f"small={small}: wall {wall:.1f} s, cpu {cpu:.1f} s, {len(out['files'])} files, "
            f"{_size_mb(root):.1f} MB, registry rows {reg:,}"
        )
        big = sorted(
            ((p.stat().st_size, p.relative_to(root)) for p in root.rglob("*") if p.is_file()),
            reverse=True,
        )[:3]
        for size, rel in big:
            print(f"    {rel}: {size / 1e6:.1f} MB")


def data_step(root: Path, year: int = 2024) -> dict[str, float]:
    """Generate the full demo under ``root`` and build its canonical tables (one process)."""
    from tkpk_lib.data import canonical
    from tkpk_lib.synthetic import generate_demo

    t0, c0 = time.perf_counter(), time.process_time()
    generate_demo(root)
    t1, c1 = time.perf_counter(), time.process_time()
    for y in canonical.available_years(root):
        if y <= year:
            canonical.build_canonical(root, y)
    t2, c2 = time.perf_counter(), time.process_time()
    return {
        "generate": t1 - t0,
        "generate_cpu": c1 - c0,
        "canonical": t2 - t1,
        "canonical_cpu": c2 - c1,
    }


def run_data_step(runs: int) -> None:
    rows = []
    for i in range(runs):
        with tempfile.TemporaryDirectory() as tmp:
            out = subprocess.run(
                [sys.executable, __file__, "--worker", str(Path(tmp) / "demo")],
                capture_output=True,
                text=True,
                check=True,
            ).stdout
        r = json.loads(out.strip().splitlines()[-1])
        rows.append(r)
        print(
            f"run {i + 1}: generate_demo {r['generate']:.1f} s (cpu {r['generate_cpu']:.1f}), "
            f"build_canonical 2019-2024 {r['canonical']:.1f} s (cpu {r['canonical_cpu']:.1f}), "
            f"total {r['generate'] + r['canonical']:.1f} s"
        )
    med = {k: statistics.median(r[k] for r in rows) for k in rows[0]}
    print(
        f"median of {runs}: generate_demo {med['generate']:.1f} s, build_canonical "
        f"{med['canonical']:.1f} s, total {med['generate'] + med['canonical']:.1f} s"
    )


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--full", action="store_true", help="also run the province-scale registry")
    ap.add_argument(
        "--data-step",
        action="store_true",
        help="time generate_demo + build_canonical (all years) in fresh processes",
    )
    ap.add_argument("--runs", type=int, default=2, help="runs of --data-step (median reported)")
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        print(json.dumps(data_step(Path(args.worker))))
    elif args.data_step:
        run_data_step(args.runs)
    else:
        run(small=True)
        if args.full:
            run(small=False)
