"""Benchmark: what the report documents (issue 12) cost per evaluation report.

For the evaluation reports of a finished run (``reports/<run_id>/*/evaluasi_tahunan.html``):

* ``finish_document`` (cover, contents, numbering, marks) on the nbconvert HTML of the
  executed notebook, wall and CPU;
* printing the PDF with the persistent browser once (contents without page numbers) and as
  ``html_to_pdf`` does it (a first print, page numbers found with ``pdftotext``, a second
  print), median of ``--repeat`` rounds;
* the HTML file size, and how much of it is plotly.js (one copy per file).

Usage::

    .venv/bin/python benchmarks/bench_document.py reports/<run_id> [--repeat 3]
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path


def _time(fn, repeat: int) -> tuple[float, float]:
    walls, cpus = [], []
    for _ in range(repeat):
        w, c = time.perf_counter(), time.process_time()
        fn()
        walls.append(time.perf_counter() - w)
        cpus.append(time.process_time() - c)
    return statistics.median(walls), statistics.median(cpus)


def main() -> None:
    """Run the benchmark on one run folder and print one line per report and a total."""
    import nbformat

    from tkpk_lib.batch import pdf as pdf_mod
    from tkpk_lib.batch.html import PRINT_CSS, _exporter, _inject_head, _make_offline
    from tkpk_lib.reporting.document import document_info, finish_document

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("run_dir")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    printer = pdf_mod.shared_printer()
    number_contents, stamp = pdf_mod._number_contents, pdf_mod.stamp_toc_numbers
    rows = []
    for html in sorted(Path(args.run_dir).glob("*/evaluasi_tahunan.html")):
        nb = nbformat.read(html.with_suffix(".ipynb"), as_version=4)
        body, _ = _exporter(True).from_notebook_node(nb)
        body = _inject_head(_make_offline(body), PRINT_CSS)
        info = document_info(nb.metadata.get("papermill", {}).get("parameters", {}))
        fin_wall, fin_cpu = _time(lambda b=body, i=info: finish_document(b, i), args.repeat)
        out = html.parent / ".bench.pdf"
        pdf_mod._number_contents = lambda *_a: None  # no page numbers (placeholders left)
        one, _ = _time(lambda h=html, o=out: pdf_mod.html_to_pdf(h, o, printer=printer), args.repeat)
        pdf_mod._number_contents = number_contents
        pdf_mod.stamp_toc_numbers = lambda *_a: None  # page numbers by a second print (before)
        two, _ = _time(lambda h=html, o=out: pdf_mod.html_to_pdf(h, o, printer=printer), args.repeat)
        pdf_mod.stamp_toc_numbers = stamp
        stamped, _ = _time(lambda h=html, o=out: pdf_mod.html_to_pdf(h, o, printer=printer), args.repeat)
        out.unlink(missing_ok=True)
        text = html.read_text(encoding="utf-8")
        copies = text.count("plotly.js v")
        rows.append((html.parent.name, fin_wall, fin_cpu, one, two, len(text) / 1e6, copies, stamped))
        print(f"{html.parent.name:28s} finish {fin_wall:5.2f} s ({fin_cpu:4.2f} CPU)  print once {one:5.2f} s"
              f"  numbers by a second print {two:5.2f} s  numbers written into the PDF {stamped:5.2f} s"
              f"  html {len(text) / 1e6:5.2f} MB, plotly.js x{copies}")
    if rows:
        print(f"total over {len(rows)} reports: finish {sum(r[1] for r in rows):.2f} s, "
              f"print once {sum(r[3] for r in rows):.1f} s, numbers by a second print {sum(r[4] for r in rows):.1f} s, "
              f"numbers written into the PDF {sum(r[7] for r in rows):.1f} s")


if __name__ == "__main__":
    main()
