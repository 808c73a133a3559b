"""Benchmark of ``tkpk_lib.reporting.report.prepare_year(root, year, force=True)``: the serial first step
of a province report run (every report section of the whole province into the cache).

Each run is a fresh Python process (as in a report run: imports included). Prints the median
wall time of the import and of ``prepare_year``, the process CPU time, and the median of the
per-step wall timings that ``prepare_year`` writes to ``timings.json`` in the cache.

Usage::

    .venv/bin/python benchmarks/bench_prepare.py [--root data/demo/generated] [--year 2024] [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

CHILD = """
import json, resource, sys, time
t0 = time.perf_counter()
from tkpk_lib.reporting import report
t1 = time.perf_counter()
cache = report.prepare_year(sys.argv[1], int(sys.argv[2]), cache_dir=sys.argv[3], force=True)
t2 = time.perf_counter()
ru = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps({"import_s": t1 - t0, "prepare_s": t2 - t1, "cpu_s": ru.ru_utime + ru.ru_stime,
                  "steps": json.loads((cache / "timings.json").read_text())}))
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--root", default="data/demo/generated")
    ap.add_argument("--year", type=int, default=2024)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    runs = []
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(args.runs):
            out = subprocess.run([sys.executable, "-c", CHILD, args.root, str(args.year), str(Path(tmp) / "cache")],
                                 capture_output=True, text=True, check=True)
            runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
            r = runs[-1]
            print(f"run {i + 1}: import {r['import_s']:.2f} s, prepare_year {r['prepare_s']:.2f} s, "
                  f"CPU {r['cpu_s']:.2f} s")
    med = {k: statistics.median(r[k] for r in runs) for k in ("import_s", "prepare_s", "cpu_s")}
    print(f"median of {len(runs)}: import {med['import_s']:.2f} s, prepare_year {med['prepare_s']:.2f} s, "
          f"process CPU {med['cpu_s']:.2f} s")
    for step in runs[0]["steps"]:
        print(f"  {step:32s} {statistics.median(r['steps'][step] for r in runs):6.2f} s")


if __name__ == "__main__":
    main()
