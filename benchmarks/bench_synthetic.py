"""Benchmark of the synthetic demo generator: wall time and output size.

Run: ``.venv/bin/python benchmarks/bench_synthetic.py [--full]``. Goals: ``small=True`` (six
years, registry of 6,000) under ~10 s; the full province (registry ~600,000) under ~60 s.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from tkpk_lib.synthetic import generate_demo


def _size_mb(root: Path) -> float:
    return sum(p.stat().st_size for p in root.rglob("*") if p.is_file()) / 1e6


def run(small: bool) -> None:
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


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--full", action="store_true", help="also run the province-scale registry")
    args = ap.parse_args()
    run(small=True)
    if args.full:
        run(small=False)
