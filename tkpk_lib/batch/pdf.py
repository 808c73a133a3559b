"""HTML -> A4 PDF: the per-process shared printer, :func:`html_to_pdf` and :func:`pdf_text`.

:func:`shared_printer` gives each process one persistent :class:`ChromiumPrinter`
(closed at exit, aborted on interrupts); ``html_to_pdf(..., reuse=True)`` uses it and falls
back to one browser run per report (``--print-to-pdf``) where the pipe cannot be set up.
"""

from __future__ import annotations

import atexit
import os
import shutil
import subprocess
import tempfile
import threading
from collections import Counter
from pathlib import Path

from tkpk_lib.batch.browser import _browser_args, find_browser, pipe_supported
from tkpk_lib.batch.chromium import ChromiumPrinter
from tkpk_lib.batch.files import atomic_path
from tkpk_lib.batch.html import printable_html
from tkpk_lib.batch.pdftoc import PLACEHOLDER, stamp_toc_numbers, toc_placeholders
from tkpk_lib.errors import ReportError

_SHARED: dict[str, ChromiumPrinter] = {}
_SHARED_LOCK = threading.Lock()
_SHARED_HOOKED: set[int] = set()


def close_shared_printers() -> int:
    """Close the persistent printers of this process; returns how many there were.

    The report runner calls it on dask workers at the end of a run (the workers outlive it);
    the next :func:`shared_printer` call starts a new browser.

    Examples
    --------
    >>> close_shared_printers()
    0
    """
    with _SHARED_LOCK:
        printers = list(_SHARED.values())
        _SHARED.clear()
    for printer in printers:
        try:
            printer.close()
        except Exception:  # noqa: BLE001 - best effort
            pass
    return len(printers)


def abort_shared_printers() -> int:
    """Kill the persistent browsers of this process at once and remove their profiles.

    For interrupts and a dead parent; takes no lock, so a signal handler or a watchdog thread
    may call it during a print. Returns how many printers there were.

    Examples
    --------
    >>> abort_shared_printers()
    0
    """
    printers = list(_SHARED.values())
    for printer in printers:
        printer.abort()
    return len(printers)


def shared_printer(browser: str | None = None) -> ChromiumPrinter | None:
    """The persistent printer of this process (created on first use, browser started lazily).

    One :class:`ChromiumPrinter` per process and browser. It is closed at interpreter exit
    (``atexit``, and multiprocessing's exit hook in pool workers, where ``atexit`` does not
    run); if the process is killed, the browser exits because its pipe closes.

    Parameters
    ----------
    browser : str, optional
        Browser executable; default :func:`find_browser`.

    Returns
    -------
    ChromiumPrinter or None
        ``None`` when no browser is found or the pipe is not supported (Windows):
        :func:`html_to_pdf` then prints with one browser run per report.

    Examples
    --------
    >>> printer = shared_printer()  # doctest: +SKIP
    >>> html_to_pdf("r.html", "r.pdf", printer=printer)  # doctest: +SKIP
    """
    exe = browser or find_browser()
    if not exe or not pipe_supported():
        return None
    with _SHARED_LOCK:
        printer = _SHARED.get(exe)
        if printer is None:
            printer = _SHARED[exe] = ChromiumPrinter(exe)
        if os.getpid() not in _SHARED_HOOKED:
            _SHARED_HOOKED.add(os.getpid())
            atexit.register(close_shared_printers)
            import multiprocessing.util

            multiprocessing.util.Finalize(None, close_shared_printers, exitpriority=10)
    return printer


def html_to_pdf(
    html: str | Path,
    pdf: str | Path,
    *,
    browser: str | None = None,
    timeout: float = 180,
    budget_ms: int = 10_000,
    printer: ChromiumPrinter | None = None,
    reuse: bool = False,
    static_charts: bool = True,
) -> Path:
    r"""Print an HTML report to an A4 PDF with page numbers using headless Chromium.

    A copy of the HTML (:func:`printable_html`: the print stylesheet with A4,
    ``Halaman n dari m`` in the bottom margin box and cells not split; interactive plotly
    charts replaced by a note) is printed; Chromium's own header and footer are switched
    off. The PDF is written to a temporary name and moved into place; the HTML report is
    not changed. A report with contents is printed once: the page of each entry is found in
    the printed text and written into the PDF (:mod:`tkpk_lib.batch.pdftoc`); only a PDF that
    cannot be edited that way is printed a second time with the numbers.

    Parameters
    ----------
    html : path
        HTML file (normally from :func:`notebook_to_html`).
    pdf : path
        PDF file to write.
    browser : str, optional
        Browser executable; default :func:`find_browser` (ignored when ``printer`` is given).
    timeout : float, default 180
        Seconds before the browser is killed.
    budget_ms : int, default 10000
        Time the page may use to run scripts (drawing) before printing: the
        ``--virtual-time-budget`` of a one-shot browser, the longest wait after the load
        event with a :class:`ChromiumPrinter`.
    printer : ChromiumPrinter, optional
        Persistent browser to print with (3-4x faster than a browser per report).
    reuse : bool, default False
        Without ``printer``: print with this process's :func:`shared_printer`. Falls back to
        a one-shot browser where the DevTools pipe is not supported (Windows).
    static_charts : bool, default True
        Replace interactive plotly charts by a note in the print copy
        (:func:`strip_plotly`); the reports have a static version of each chart.

    Returns
    -------
    pathlib.Path
        The PDF path.

    Raises
    ------
    ReportError
        No browser was found, the browser failed or timed out, or no PDF was written;
        the message names the HTML file.

    Notes
    -----
    Browser set-up per platform:

    * Debian: ``apt-get install chromium`` (``scripts/setup.sh`` does it).
    * Ubuntu: ``chromium-browser`` is a snap (private ``/tmp``; reports are under the project
      so that is fine) or install Google Chrome's ``.deb``.
    * Windows (conda or venv): nothing to install, Microsoft Edge is Chromium-based and
      is found in ``Program Files (x86)\Microsoft\Edge\Application``; Google Chrome works too.
      Set ``TKPK_BROWSER`` to a browser path if it lives elsewhere. Windows always uses a
      one-shot browser per report (``--remote-debugging-pipe`` needs inherited handles).
    * macOS: Google Chrome, Chromium or Edge in ``/Applications``.

    Page numbers use CSS margin boxes (``@page { @bottom-center { … } }``), which Chromium
    prints from version 131; older browsers print the PDF without them.

    Examples
    --------
    >>> html_to_pdf("reports/r1/1701_bengkulu_selatan/_smoke.html",
    ...             "reports/r1/1701_bengkulu_selatan/_smoke.pdf", reuse=True)  # doctest: +SKIP
    """
    html, pdf = Path(html).resolve(), Path(pdf).resolve()
    if printer is None and reuse:
        printer = shared_printer(browser)
    browser = printer.browser if printer is not None else (browser or find_browser())
    if not browser:
        raise ReportError(
            "no Chromium-family browser found to print PDF reports: install chromium "
            "(Debian: apt-get install chromium), Google Chrome or Microsoft Edge, or set "
            "TKPK_BROWSER to the browser's path; HTML reports are written without it "
            "(formats=('html',))"
        )
    try:
        text = html.read_text(encoding="utf-8")
    except OSError as exc:
        raise ReportError(f"{html}: cannot read the HTML report ({exc})") from exc
    text = printable_html(text, static_charts=static_charts)
    numbered = 'class="tkpk-toc-page"' in text and shutil.which("pdftotext") is not None
    first, slots = toc_placeholders(text) if numbered else (text, [])
    pdf.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="tkpk-print-", dir=pdf.parent) as tmpdir:
        src = Path(tmpdir) / "page.html"
        src.write_text(first, encoding="utf-8")

        def print_page() -> None:
            if printer is not None:
                printer.print_file(src, pdf, timeout=timeout, budget_ms=budget_ms, label=html)
            else:
                _print_once(browser, tmpdir, src, pdf, html, timeout, budget_ms)

        print_page()
        again = _number_contents(pdf, text, slots) if numbered else None
        if again is not None:
            src.write_text(again, encoding="utf-8")
            print_page()
    return pdf


def _number_contents(pdf: Path, text: str, slots: list[str]) -> str | None:
    """Write the contents' page numbers into the printed ``pdf``; else the page to print again.

    The contents (:mod:`tkpk_lib.reporting.document`) have one slot per entry, printed with a
    placeholder (:func:`~tkpk_lib.batch.pdftoc.toc_placeholders`); the entries are found in the
    text of the PDF (``pdftotext``) and the numbers replace the placeholders in the PDF
    (:func:`~tkpk_lib.batch.pdftoc.stamp_toc_numbers`), checked by reading the contents pages
    back. Where that is not possible, returns the print copy with the numbers in its slots (the
    slots keep their width, so no page moves) for a second print.
    """
    from tkpk_lib.reporting.document import (
        contents_pages,
        fill_toc_pages,
        locate_pages,
        toc_targets,
    )

    if not slots:
        return None
    pages_text = pdf_text(pdf).split("\f")
    printed = len(pages_text) - (pages_text[-1:] == [""])  # pdftotext ends each page with \f
    toc = contents_pages(pages_text)
    if toc:  # the contents run on over pages without a title: those still hold placeholders
        last = max(toc)
        while last < printed and PLACEHOLDER in pages_text[last].split():
            last += 1
        toc = list(range(min(toc), last + 1))
    pages = locate_pages(pages_text, toc_targets(text), contents=toc)
    if toc:
        scan = list(range(1, max(toc) + 1))
        numbers = [str(pages.get(ident, "")) for ident in slots]
        data = stamp_toc_numbers(pdf.read_bytes(), scan, numbers)
        if data is not None and _stamped_as_expected(data, pages_text[: len(scan)], numbers, pdf):
            with atomic_path(pdf) as tmp:
                tmp.write_bytes(data)
            return None
    return fill_toc_pages(text, pages)


def _stamped_as_expected(data: bytes, before: list[str], numbers: list[str], pdf: Path) -> bool:
    """The contents pages of ``data`` read (``pdftotext``) as before, numbers for placeholders."""
    with tempfile.NamedTemporaryFile(suffix=".pdf", dir=pdf.parent) as tmp:
        tmp.write(data)
        tmp.flush()
        after = pdf_text(tmp.name, last=len(before)).split("\f")[: len(before)]
    words = Counter(w for page in before for w in page.split() if w.isdigit())
    placeholders = words.pop(PLACEHOLDER, 0)
    expected = words + Counter(n for n in numbers if n)
    got = Counter(w for page in after for w in page.split() if w.isdigit())
    return placeholders == len(numbers) and got == expected


def _print_once(browser: str, tmpdir: str, src: Path, pdf: Path, html: Path, timeout: float,
                budget_ms: int) -> None:
    """Print ``src`` to ``pdf`` with a one-shot browser run (no DevTools pipe)."""
    out = Path(tmpdir) / "out.pdf"
    profile = Path(tmpdir) / "profile"
    args = _browser_args(browser, str(profile), out, src.as_uri(), budget_ms)
    try:
        proc = subprocess.run(args, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired as exc:
        raise ReportError(f"{html}: browser did not finish printing in {timeout} s") from exc
    except OSError as exc:
        raise ReportError(f"{html}: cannot start browser {browser!r} ({exc})") from exc
    if not out.exists() or out.stat().st_size == 0:
        tail = (proc.stderr or "").strip().splitlines()[-3:]
        raise ReportError(
            f"{html}: browser {browser} wrote no PDF (exit {proc.returncode}): {' | '.join(tail)}"
        )
    os.replace(out, pdf)


def pdf_text(pdf: str | Path, *, layout: bool = False, last: int | None = None) -> str:
    r"""Text of a PDF through poppler's ``pdftotext`` (for tests and checks).

    Parameters
    ----------
    pdf : path
        PDF file.
    layout : bool, default False
        Keep the physical layout (``-layout``).
    last : int, optional
        Last page to read (``-l``); default all.

    Returns
    -------
    str
        The text; pages are separated by form feeds (``\f``).

    Raises
    ------
    ReportError
        ``pdftotext`` is not installed (``apt-get install poppler-utils``) or fails.

    Examples
    --------
    >>> "Halaman 1" in pdf_text("report.pdf")  # doctest: +SKIP
    True
    """
    exe = shutil.which("pdftotext")
    if not exe:
        raise ReportError("pdftotext not found: install poppler-utils (apt-get install poppler-utils)")
    args = [exe, "-enc", "UTF-8"] + (["-layout"] if layout else []) + (["-l", str(last)] if last else [])
    args += [str(pdf), "-"]
    proc = subprocess.run(args, capture_output=True)
    if proc.returncode != 0:
        raise ReportError(f"{pdf}: pdftotext failed: {proc.stderr.decode(errors='replace').strip()}")
    return proc.stdout.decode("utf-8", errors="replace")
