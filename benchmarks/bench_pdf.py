"""Seconds per report for HTML -> PDF: a browser per report against one persistent browser.

Prints N copies of one report HTML (default: the newest ``evaluasi_tahunan.html`` under
``reports/``; make one with ``.venv/bin/tkpk run --year 2024 --kab 1701 --run-id pdfdev``)
four ways:

* ``one-shot, plotly`` : a fresh headless Chromium per report with ``--print-to-pdf``, print
  copy still carrying plotly.js (what ``html_to_pdf`` did before the persistent printer);
* ``one-shot, static`` : the same with the interactive chart replaced by a note;
* ``printer, static``  : one :class:`tkpk_lib.batch.export.ChromiumPrinter` for all N prints
  (the first print includes the browser start, reported separately);
* ``printer, untagged``: the same with ``tagged=False`` (no accessibility structure).

Wall seconds and CPU seconds (this process; the browsers, sampled from ``/proc`` on
Linux) are per report. Usage::

    .venv/bin/python benchmarks/bench_pdf.py [--html FILE] [-n 5] [--skip-one-shot]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tkpk_lib.batch.export import ChromiumPrinter, html_to_pdf, pdf_text  # noqa: E402


class BrowserCpu:
    """CPU seconds of the browser processes, sampled from /proc every 20 ms (Linux).

    ``RUSAGE_CHILDREN`` misses most of Chromium's CPU (its zygote and renderers are not
    reaped through this process), so every process of this session other than this one is
    sampled and its last seen user+system time summed. Processes living < 20 ms are missed.
    """

    def __init__(self) -> None:
        self.seen: dict[int, float] = {}
        self.sid = os.getsid(0)
        self.me = os.getpid()
        self.tick = os.sysconf("SC_CLK_TCK")
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _sample(self) -> None:
        for name in os.listdir("/proc"):
            if not name.isdigit() or int(name) == self.me:
                continue
            try:
                with open(f"/proc/{name}/stat") as fh:
                    stat = fh.read()
            except OSError:
                continue
            fields = stat[stat.rindex(")") + 2 :].split()
            if int(fields[3]) == self.sid:  # session id
                self.seen[int(name)] = (int(fields[11]) + int(fields[12])) / self.tick

    def _run(self) -> None:
        while not self._stop.wait(0.02):
            self._sample()

    def __enter__(self) -> BrowserCpu:
        self._sample()
        self.base = dict(self.seen)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    @property
    def seconds(self) -> float:
        return sum(v - self.base.get(pid, 0.0) for pid, v in self.seen.items())


def measure(work, n: int) -> dict[str, float]:
    """Run ``work()`` (returns per-print wall times); CPU of this process and of the browsers."""
    own0 = time.thread_time()  # this thread only: the /proc sampler thread is not counted
    t = time.perf_counter()
    if Path("/proc/self/stat").exists():
        with BrowserCpu() as browser:
            walls = work()
        browser_cpu = browser.seconds
    else:
        walls = work()
        browser_cpu = float("nan")
    return {"wall": (time.perf_counter() - t) / n, "median": statistics.median(walls[1:] or walls),
            "first": walls[0], "py_cpu": (time.thread_time() - own0) / n,
            "browser_cpu": browser_cpu / n}


def newest_report() -> Path | None:
    found = sorted((ROOT / "reports").glob("*/*/evaluasi_tahunan.html"), key=lambda p: p.stat().st_mtime)
    return found[-1] if found else None


def run_one_shot(html: Path, out: Path, n: int, static: bool) -> dict[str, float]:
    def work() -> list[float]:
        walls = []
        for i in range(n):
            t = time.perf_counter()
            html_to_pdf(html, out / f"oneshot_{static}_{i}.pdf", static_charts=static)
            walls.append(time.perf_counter() - t)
        return walls

    return measure(work, n)


def run_printer(html: Path, out: Path, n: int, tagged: bool) -> dict[str, float]:
    def work() -> list[float]:
        walls = []
        with ChromiumPrinter(tagged=tagged) as printer:  # start and close are timed too
            for i in range(n):
                t = time.perf_counter()
                html_to_pdf(html, out / f"printer_{tagged}_{i}.pdf", printer=printer)
                walls.append(time.perf_counter() - t)
            assert printer.launches == 1
        return walls

    return measure(work, n)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--html", type=Path, default=None, help="report HTML to print")
    parser.add_argument("-n", type=int, default=5, help="copies per method (default 5)")
    parser.add_argument("--skip-one-shot", action="store_true", help="only the persistent printer")
    args = parser.parse_args()
    html = args.html or newest_report()
    if html is None or not html.exists():
        sys.exit("no report HTML: run `.venv/bin/tkpk run --year 2024 --kab 1701 --run-id pdfdev` "
                 "or pass --html")
    print(f"report: {html} ({html.stat().st_size / 1e6:.1f} MB), {args.n} copies per method")
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-pdf-") as tmp:
        out = Path(tmp)
        if not args.skip_one_shot:
            rows.append(("one-shot, plotly", run_one_shot(html, out, args.n, static=False)))
            rows.append(("one-shot, static", run_one_shot(html, out, args.n, static=True)))
        rows.append(("printer, static", run_printer(html, out, args.n, tagged=True)))
        rows.append(("printer, untagged", run_printer(html, out, args.n, tagged=False)))
        sample = sorted(out.glob("printer_True_*.pdf"))[-1]
        text = pdf_text(sample)
        pages = text.count("\f")
        assert f"Halaman 1 dari {pages}" in text, "page numbers missing"
        patterns = {"one-shot, plotly": "oneshot_False", "one-shot, static": "oneshot_True",
                    "printer, static": "printer_True", "printer, untagged": "printer_False"}
        sizes = {name: statistics.mean(p.stat().st_size for p in out.glob(f"{patterns[name]}*.pdf"))
                 / 1e3 for name, _ in rows}
    print(f"{pages} pages. wall s/report: all N prints with browser start/close, / N; median: "
          "of prints 2..N; CPU s/report: Python (this process), browser (all its processes)")
    print(f"{'method':<20}{'wall':>7}{'median':>8}{'first':>7}{'CPU py':>8}{'CPU browser':>12}"
          f"{'PDF kB':>8}")
    for name, r in rows:
        print(f"{name:<20}{r['wall']:>7.2f}{r['median']:>8.2f}{r['first']:>7.2f}{r['py_cpu']:>8.2f}"
              f"{r['browser_cpu']:>12.2f}{sizes[name]:>8.0f}")
    if hasattr(os, "getloadavg"):
        print("load average (1, 5, 15 min): " + ", ".join(f"{x:.1f}" for x in os.getloadavg()))


if __name__ == "__main__":
    main()
