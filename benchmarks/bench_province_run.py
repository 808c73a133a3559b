"""Benchmark: the whole provincial run (10 kabupaten/kota + province, every report and annex).

Times each stage of ``tkpk run`` on the full synthetic demo and says where the time goes:

* canonical tables (raw BPS files -> Parquet; cached after the first run),
* prepare (every report table computed once for the province, with per-section times; the
  workers start their kernels meanwhile, as in ``tkpk run``),
* notebooks: kernel start + papermill overhead, cell execution, HTML export, PDF export
  (summed over the 22 jobs; wall time is lower with ``--jobs 2``), and the slowest cells.

Goal: < 60 s wall for prepare + notebooks + HTML + PDF + Excel with 2 workers on 2 cores.

Usage::

    .venv/bin/python benchmarks/bench_province_run.py [--root DIR] [--year 2024] [--jobs 2] [--no-pdf]

The demo is generated under ``--root`` when absent (not timed in the total).
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

import nbformat


def _slowest_cells(run_dir: Path, top: int = 8) -> list[tuple[float, str, str]]:
    cells: dict[str, list[float]] = {}
    for nb_path in run_dir.rglob("*.ipynb"):
        nb = nbformat.read(nb_path, as_version=4)
        for cell in nb.cells:
            if cell.cell_type != "code":
                continue
            dur = cell.get("metadata", {}).get("papermill", {}).get("duration")
            if isinstance(dur, int | float):
                first = next((ln for ln in cell.source.splitlines() if ln.strip()), "")[:70]
                cells.setdefault(f"{nb_path.stem}: {first}", []).append(float(dur))
    rows = [(sum(v), k, f"{len(v)} runs, mean {sum(v) / len(v):.2f} s") for k, v in cells.items()]
    return sorted(rows, reverse=True)[:top]


class _TreeCPU:
    """CPU seconds (user + system) of this process and all its descendants, sampled from ``/proc``.

    ``RUSAGE_CHILDREN`` misses the Chromium renderers (reaped by the browser's zygote, not by
    us) and anything still running; sampling every 0.2 s misses at most the last 0.2 s of each
    short-lived process. The machine is shared, so CPU time is the figure to compare.
    """

    def __init__(self) -> None:
        import threading

        import psutil

        self._psutil, self._seen, self._stop = psutil, {}, threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        me = self._psutil.Process()
        while not self._stop.wait(0.2):
            for q in [me, *me.children(recursive=True)]:
                try:
                    t = q.cpu_times()
                    self._seen[(q.pid, q.create_time())] = t.user + t.system
                except self._psutil.Error:
                    pass

    def stop(self) -> float:
        self._stop.set()
        self._thread.join()
        return sum(self._seen.values())


def _calibration() -> float:
    """Seconds of a fixed pure-Python loop: the host's speed varies by ~30% over a day here."""
    t = time.perf_counter()
    s = 0
    for i in range(10_000_000):
        s += i
    return time.perf_counter() - t


def main() -> None:
    from tkpk_lib import paths
    from tkpk_lib.batch import pipeline, run
    from tkpk_lib.data import canonical
    from tkpk_lib.reporting import report

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--root", default=str(paths.demo_root()))
    ap.add_argument("--year", type=int, default=2024)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--no-pdf", action="store_true")
    ap.add_argument("--fresh-kernels", action="store_true", help="a new kernel per notebook (default: warm)")
    ap.add_argument("--out", default=None, help="reports root (default: a temporary folder)")
    a = ap.parse_args()
    root = Path(a.root)

    if not canonical.raw_dir(root, "susenas").is_dir():
        from tkpk_lib.synthetic import generate_demo

        t = time.perf_counter()
        generate_demo(root)
        print(f"demo generated in {time.perf_counter() - t:.1f} s (not counted)")

    years = canonical.available_years(root)
    cpu = _TreeCPU()
    t = time.perf_counter()
    for y in years:
        if y <= a.year:
            canonical.build_canonical(root, y)
    t_canon = time.perf_counter() - t

    year_dir = paths.derived_dir(root, a.year)
    cache = report.cache_entry(root, a.year, cache_dir=year_dir)  # the entry prepare() fills
    t_prep = 0.0

    def prepare() -> None:
        # as `tkpk run` does it: after the run's checks, while the workers start their kernels
        nonlocal t_prep
        p = time.perf_counter()
        report.prepare_year(root, a.year, cache_dir=year_dir, force=True)
        t_prep = time.perf_counter() - p

    out = Path(a.out) if a.out else Path(tempfile.mkdtemp(prefix="tkpk_bench_"))
    formats = ("html",) if a.no_pdf else ("html", "pdf")
    nbs = sorted(pipeline.NOTEBOOK_DIR.glob("*.ipynb"))
    t = time.perf_counter()
    res = run.run_reports(
        nbs, list(pipeline.ALL_UNITS), a.year, params={"cache_dir": str(cache)}, run_id="bench",
        out_root=out, jobs=a.jobs, formats=formats, progress=False, available_years=years, data_root=root,
        inputs=sorted(canonical.raw_files(root, a.year).values()), scan_names=pipeline.registry_names(root),
        fresh_kernels=a.fresh_kernels, before_run=prepare,
    )
    t_total = time.perf_counter() - t
    t_run = t_total - t_prep
    cpu_total = cpu.stop()
    sections = json.loads((cache / "timings.json").read_text())
    s = res.summary

    print(f"\nProvince run, year {a.year}, {len(s)} jobs ({len(nbs)} notebooks x {s['kab_code'].nunique()} units), "
          f"jobs={a.jobs}, formats={','.join(formats)}, cores={os.cpu_count()}, "
          f"{'fresh' if a.fresh_kernels else 'warm'} kernels, "
          f"load average {os.getloadavg()[0]:.1f}")
    print(f"  status: {dict(s['status'].value_counts())}")
    print(f"  host speed: 10M-step Python loop {_calibration():.2f} s")
    print(f"  canonical tables (cached)     {t_canon:7.1f} s")
    print(f"  prepare (once, parent; workers start their kernels meanwhile) {t_prep:7.1f} s")
    for k, v in sections.items():
        print(f"      {k:28s} {v:7.1f} s")
    print(f"  notebooks + exports (wall)    {t_run:7.1f} s")
    print(f"  => prepare + reports (wall)   {t_total:7.1f} s   (goal < 60 s)")
    print(f"  CPU, whole process tree (user+sys, /proc sampled; canonical tables included) {cpu_total:7.1f} s")
    print("  summed over jobs (CPU-ish seconds, split across workers):")
    for col, label in (("kernel_s", "kernel start + papermill"), ("execute_s", "cell execution"),
                       ("html_s", "HTML export"), ("pdf_s", "PDF export (Chromium)")):
        print(f"      {label:28s} {s[col].sum():7.1f} s   (mean {s[col].mean():.2f} s/job)")
    for nb_name, g in s.groupby("notebook"):
        print(f"      {nb_name:28s} mean {g['seconds'].mean():.1f} s/job, max {g['seconds'].max():.1f} s")
    print("  slowest cells (total over units):")
    for total, name, detail in _slowest_cells(res.run_dir):
        print(f"      {total:6.1f} s  {name}  ({detail})")
    print(f"  reports in {res.run_dir}")


if __name__ == "__main__":
    main()
