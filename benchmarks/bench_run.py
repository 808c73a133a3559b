"""Benchmark report runs: the smoke notebook for the 11 units (10 kabupaten/kota + province).

    .venv/bin/python benchmarks/bench_run.py                 # jobs=1 and jobs=2, HTML + PDF
    .venv/bin/python benchmarks/bench_run.py --jobs 2 4 --formats html

Prints wall time per setting and splits the summed job time into kernel start/shutdown
(papermill wall time minus cell time), cell execution, HTML export and PDF print.
Outputs go to a temporary folder that is removed afterwards.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tkpk_lib.batch.export import find_browser  # noqa: E402
from tkpk_lib.batch.run import KAB_CODES, PROVINCE_CODE, run_reports  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--jobs", nargs="+", type=int, default=[1, 2])
    ap.add_argument("--formats", default="html,pdf")
    ap.add_argument("--notebook", default=str(ROOT / "tests" / "data" / "_smoke.ipynb"))
    args = ap.parse_args()
    formats = tuple(f for f in args.formats.split(",") if f)
    if "pdf" in formats and find_browser() is None:
        print("no Chromium found: benchmarking HTML only")
        formats = ("html",)
    units = [*KAB_CODES, PROVINCE_CODE]
    rows = []
    with tempfile.TemporaryDirectory(prefix="tkpk-bench-") as tmp:
        for jobs in args.jobs:
            t0 = time.perf_counter()
            res = run_reports([args.notebook], units, 2024, run_id=f"bench-j{jobs}", out_root=tmp,
                              jobs=jobs, formats=formats, progress=False, inputs=[])
            wall = time.perf_counter() - t0
            s = res.summary
            rows.append((jobs, wall, s["seconds"].sum(), s["kernel_s"].sum(), s["execute_s"].sum(),
                         s["html_s"].sum(), s["pdf_s"].sum(), int((s["status"] == "ok").sum())))
    print(f"{len(units)} units, notebook {Path(args.notebook).name}, formats {','.join(formats)}")
    print(f"{'jobs':>4} {'wall s':>7} {'job-s':>7} {'kernel':>7} {'cells':>7} {'html':>7} {'pdf':>7} {'ok':>4}")
    for jobs, wall, total, kern, ex, html, pdf, ok in rows:
        print(f"{jobs:>4} {wall:7.1f} {total:7.1f} {kern:7.1f} {ex:7.1f} {html:7.1f} {pdf:7.1f} {ok:>4}")
    print("job-s = sum of per-job wall times; kernel = kernel start/shutdown + papermill overhead")
    return 0


if __name__ == "__main__":
    sys.exit(main())
