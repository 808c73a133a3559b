"""Executed notebook -> offline HTML -> A4 PDF (facade over the export modules).

The route follows the measured notes in ``shared/reference/report-export-notes.md``:

* HTML: nbconvert's ``HTMLExporter`` (lab template) with code cells hidden. Plotly charts
  only survive if the notebook ran with the ``plotly_mimetype+notebook`` renderer (the
  runner sets ``PLOTLY_RENDERER``; the notebooks also set it themselves), which inlines
  plotly.js once. The template's CDN references (require.js, MathJax, mermaid) and the
  MathJax CDN tag plotly writes next to each figure are removed, so the file opens the
  same with or without internet, and :func:`external_references` proves it.
* PDF: the HTML printed by a headless Chromium-family browser (Debian ``chromium``, Google
  Chrome, or Microsoft Edge on Windows) with an injected print stylesheet: A4, page numbers
  in a CSS ``@page`` margin box (Chromium >= 131), and the browser's own header/footer off.
  The print copy carries no interactive plotly chart (:func:`strip_plotly`): the reports
  show a static matplotlib version of every chart, and parsing the ~5 MB of plotly.js was
  most of the printing time.
* Printing many reports: :class:`ChromiumPrinter` keeps one headless browser per process
  and drives it through the Chrome DevTools Protocol over a pipe
  (``--remote-debugging-pipe``): ~0.6-1 s and ~0.85 CPU-s per evaluation report instead of
  2.6-3.6 s and ~3.6 CPU-s for a fresh browser with plotly.js (``benchmarks/bench_pdf.py``).
  :func:`shared_printer` gives the per-process instance; ``html_to_pdf(..., reuse=True)``
  uses it. Where the pipe cannot be set up (Windows) printing falls back to one browser
  run per report.

Nothing here is imported by ``import tkpk_lib``; nbconvert is imported inside the functions.

The work is split by job (issue 14): :mod:`tkpk_lib.batch.html` (notebook -> offline HTML,
print copy), :mod:`tkpk_lib.batch.browser` (finding and starting the browser, profiles),
:mod:`tkpk_lib.batch.chromium` (the DevTools pipe client :class:`ChromiumPrinter`),
:mod:`tkpk_lib.batch.pdf` (shared printers, :func:`html_to_pdf`, :func:`pdf_text`) and
:mod:`tkpk_lib.batch.files` (:func:`atomic_path`). This module re-exports their names, so
``tkpk_lib.batch.export`` and ``tkpk_lib.batch.export`` keep working; patch a function in the module
that defines it (e.g. ``tkpk_lib.batch.pdf.find_browser`` for :func:`html_to_pdf`).
"""

from __future__ import annotations

from tkpk_lib.batch.browser import (  # noqa: F401
    _MAC_PATHS,
    _WINDOWS_PATHS,
    BROWSER_NAMES,
    PROFILE_DIR,
    _base_flags,
    _browser_args,
    _drop_profile,
    _new_profile,
    _pid_alive,
    _profile_root,
    find_browser,
    pipe_supported,
    sweep_profiles,
)
from tkpk_lib.batch.chromium import (  # noqa: F401
    _NO_SESSION,
    _READY_JS,
    ChromiumPrinter,
    _BrowserGone,
    _PrintTimeout,
    _TabGone,
)
from tkpk_lib.batch.files import (  # noqa: F401
    atomic_path,
)
from tkpk_lib.batch.html import (  # noqa: F401
    _CSS_IMPORT,
    _EXPORTERS,
    _EXT_LINK,
    _EXT_SCRIPT,
    _FIT_MARK,
    _MODULE_IMPORT,
    _PLOTLY_BARE,
    _PLOTLY_DIV,
    _PLOTLY_FIGURE,
    _PLOTLY_WORD,
    _PRINT_MARK,
    _SCRIPT_BLOCK,
    _SCRIPT_CLOSE,
    _SCRIPT_OPEN,
    _SMALL_SCRIPT,
    FIT_TABLES,
    PLOTLY_NOTE,
    PRINT_CSS,
    _drop_scripts,
    _exporter,
    _inject_head,
    _make_offline,
    external_references,
    notebook_to_html,
    printable_html,
    strip_plotly,
)
from tkpk_lib.batch.pdf import (  # noqa: F401
    _SHARED,
    _SHARED_HOOKED,
    _SHARED_LOCK,
    abort_shared_printers,
    close_shared_printers,
    html_to_pdf,
    pdf_text,
    shared_printer,
)

__all__ = [
    "ChromiumPrinter",
    "abort_shared_printers",
    "atomic_path",
    "close_shared_printers",
    "external_references",
    "find_browser",
    "html_to_pdf",
    "notebook_to_html",
    "pdf_text",
    "pipe_supported",
    "printable_html",
    "shared_printer",
    "strip_plotly",
    "sweep_profiles",
]
