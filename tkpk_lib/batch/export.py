"""Executed notebook -> offline HTML -> A4 PDF.

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
"""

from __future__ import annotations

import atexit
import base64
import html as _html
import json
import os
import re
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tkpk_lib.errors import ReportError

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

#: Marker comment of the print stylesheet, so it is injected only once.
_PRINT_MARK = "<!-- tkpk-print-css -->"

PRINT_CSS = _PRINT_MARK + """<style>
@page {
  size: A4;
  margin: 14mm 12mm 16mm 12mm;
  @bottom-center { content: "Halaman " counter(page) " dari " counter(pages);
                   font-family: sans-serif; font-size: 8pt; color: #555; }
}
.jp-RenderedHTMLCommon table { table-layout: auto; }
/* report tables use the page width: narrow tables wrap every label over three lines */
.jp-RenderedHTMLCommon table { width: 100%; margin-left: 0; margin-right: 0; }
.jp-RenderedHTMLCommon td, .jp-RenderedHTMLCommon th { padding: 2px 5px; }
@media print {
  body { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  .modebar-container { display: none !important; }
  /* the lab template keeps every output on one page: long tables then jump a page */
  .jp-OutputArea-child { break-inside: auto !important; display: block !important; }
  .jp-OutputArea-output { display: block !important; width: 100% !important; }
  h1, h2, h3, h4 { break-after: avoid; }
  /* a heading or an introducing paragraph stays with the table or figure it introduces */
  .jp-MarkdownCell { break-after: avoid; break-inside: avoid; }
  .jp-OutputArea-child:has(.jp-RenderedMarkdown) { break-after: avoid; }
  caption { break-after: avoid; }
  tbody tr:first-child { break-before: avoid; }
  img, svg, .jp-RenderedImage, .plotly-graph-div { break-inside: avoid; }
  tr { break-inside: avoid; }
  thead { display: table-header-group; }
}
.tkpk-footer { margin-top: 2em; padding-top: .5em; border-top: 1px solid #ccc;
               font-family: sans-serif; font-size: 9pt; color: #555; }
</style>
"""

# Tags that would make the browser fetch something from the internet.
_EXT_SCRIPT = re.compile(
    r"<script\b[^>]*\bsrc\s*=\s*[\"']?(?:https?:)?//[^>]*>\s*</script>", re.IGNORECASE
)
_EXT_LINK = re.compile(r"<link\b[^>]*\bhref\s*=\s*[\"']?(?:https?:)?//[^>]*>", re.IGNORECASE)
_SCRIPT_BLOCK = re.compile(r"<script\b[^>]*>.*?</script>", re.IGNORECASE | re.DOTALL)
_MODULE_IMPORT = re.compile(r"import\s*\(\s*[\"'](?:https?:)?//|from\s+[\"'](?:https?:)?//")
_CSS_IMPORT = re.compile(r"@import\s+(?:url\()?\s*[\"']?(?:https?:)?//", re.IGNORECASE)

BROWSER_NAMES = (
    "chromium",
    "chromium-browser",
    "google-chrome",
    "google-chrome-stable",
    "chrome",
    "microsoft-edge",
    "msedge",
)
_WINDOWS_PATHS = (
    r"%ProgramFiles(x86)%\Microsoft\Edge\Application\msedge.exe",
    r"%ProgramFiles%\Microsoft\Edge\Application\msedge.exe",
    r"%ProgramFiles%\Google\Chrome\Application\chrome.exe",
    r"%ProgramFiles(x86)%\Google\Chrome\Application\chrome.exe",
    r"%LocalAppData%\Google\Chrome\Application\chrome.exe",
    r"%LocalAppData%\Chromium\Application\chrome.exe",
)
_MAC_PATHS = (
    "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome",
    "/Applications/Chromium.app/Contents/MacOS/Chromium",
    "/Applications/Microsoft Edge.app/Contents/MacOS/Microsoft Edge",
)


def external_references(html_text: str) -> list[str]:
    """List the tags of an HTML text that load something from the internet.

    Only elements the browser would fetch count: ``<script src=http…>``,
    ``<link href=http…>``, ES-module imports from a URL and CSS ``@import`` of a URL.
    URLs that are only string literals inside inlined JavaScript (plotly.js mentions
    ``https://plotly.com/``) or plain ``<a href>`` links are not references.

    Parameters
    ----------
    html_text : str
        The HTML document.

    Returns
    -------
    list of str
        The offending tags or snippets (first 120 characters each); empty when offline-safe.

    Examples
    --------
    >>> external_references('<script src="https://cdn.x/y.js"></script><p>ok</p>')
    ['<script src="https://cdn.x/y.js"></script>']
    >>> external_references("<script>var u = 'https://plotly.com/';</script>")
    []
    """
    found = [m.group(0)[:120] for m in _EXT_SCRIPT.finditer(html_text)]
    found += [m.group(0)[:120] for m in _EXT_LINK.finditer(html_text)]
    for block in _SCRIPT_BLOCK.finditer(html_text):
        text = block.group(0)
        if len(text) > 200_000:  # an inlined library (plotly.js): URLs there are string data
            continue
        if _MODULE_IMPORT.search(text):
            found.append(text[:120])
    found += [m.group(0)[:120] for m in _CSS_IMPORT.finditer(html_text)]
    return found


def _make_offline(html_text: str) -> str:
    """Remove CDN script/link tags and URL-importing module scripts from nbconvert HTML."""
    html_text = _EXT_SCRIPT.sub("", html_text)
    html_text = _EXT_LINK.sub("", html_text)

    def _drop_module(m: re.Match[str]) -> str:
        text = m.group(0)
        if len(text) <= 200_000 and _MODULE_IMPORT.search(text):
            return ""
        return text

    return _SCRIPT_BLOCK.sub(_drop_module, html_text)


def _inject_head(html_text: str, snippet: str) -> str:
    if re.search(r"</head>", html_text, re.IGNORECASE):
        return re.sub(r"</head>", lambda _m: snippet + "</head>", html_text, count=1, flags=re.I)
    return snippet + html_text


#: Shown in the PDF where the HTML report has an interactive plotly chart.
PLOTLY_NOTE = "Grafik interaktif tersedia pada versi HTML laporan ini."

_SCRIPT_OPEN = re.compile(r"<script\b[^>]*>", re.IGNORECASE)
_SCRIPT_CLOSE = re.compile(r"</script\s*>", re.IGNORECASE)
_PLOTLY_WORD = re.compile("plotly", re.IGNORECASE)
# plotly's figure div: <div id="…" class="plotly-graph-div" style="…"></div> (attributes in any order)
_PLOTLY_DIV = r"<div\b[^>]*?\bclass\s*=\s*[\"'][^\"']*\bplotly-graph-div\b[^>]*>\s*</div>"
_SMALL_SCRIPT = r"<script\b[^>]*>(?:(?!</script)[\s\S]){0,4000}</script\s*>"
# plotly's wrapper (to_html(full_html=False), the notebook renderer):
# <div style="height:…"> <script>MathJax config</script> <div class="plotly-graph-div"></div>
# <script>Plotly.newPlot(…)</script> </div>; matched after the plotly scripts are removed.
_PLOTLY_FIGURE = re.compile(
    rf"<div\b[^>]*>\s*(?:{_SMALL_SCRIPT}\s*)*{_PLOTLY_DIV}\s*</div>", re.IGNORECASE
)
_PLOTLY_BARE = re.compile(_PLOTLY_DIV, re.IGNORECASE)


def _drop_scripts(text: str, drop: Callable[[str, int, int], bool]) -> tuple[str, int]:
    """Remove ``<script>`` elements for which ``drop(text, body_start, body_end)`` is true.

    A script ends at the first ``</script>`` (as in the HTML parser), so inline JSON or
    JavaScript cannot hide a tag. Scanned with ``str``-level searches: a 5 MB page takes
    ~20 ms (one lazy regex over the inlined plotly.js takes ~250 ms).
    """
    parts: list[str] = []
    pos = 0
    dropped = 0
    while True:
        start = _SCRIPT_OPEN.search(text, pos)
        if start is None:
            break
        end = _SCRIPT_CLOSE.search(text, start.end())
        if end is None:  # unterminated script: the browser treats the rest as script too
            break
        if drop(text, start.end(), end.start()):
            parts.append(text[pos : start.start()])
            dropped += 1
        else:
            parts.append(text[pos : end.end()])
        pos = end.end()
    parts.append(text[pos:])
    return "".join(parts), dropped


def strip_plotly(html_text: str, note: str = PLOTLY_NOTE) -> str:
    """Replace interactive plotly charts by a short note and drop plotly.js (print copies).

    Removes every ``<script>`` that mentions plotly (the inlined plotly.js library,
    ``window.PlotlyConfig``, each figure's ``Plotly.newPlot`` call) and replaces each
    figure (plotly's wrapper ``<div>`` around a ``plotly-graph-div``, or a bare
    ``plotly-graph-div``) by ``<p class="tkpk-chart-note">note</p>``. Tables, images and
    other scripts are kept. Written for the output of plotly 5/6's notebook renderer and
    ``Figure.to_html(full_html=False)`` as nbconvert's lab template embeds it.

    Parameters
    ----------
    html_text : str
        The HTML report.
    note : str, default PLOTLY_NOTE
        Text shown instead of each chart (HTML-escaped).

    Returns
    -------
    str
        The HTML without plotly.

    Examples
    --------
    >>> page = ('<p>P0</p><script>/* plotly.js */</script><div style="height:9px">'
    ...         '<div id="a" class="plotly-graph-div"></div>'
    ...         '<script>Plotly.newPlot("a", [])</script></div>')
    >>> strip_plotly(page, note="Grafik interaktif")
    '<p>P0</p><p class="tkpk-chart-note"><em>Grafik interaktif</em></p>'
    """
    text, _ = _drop_scripts(html_text, lambda t, a, b: _PLOTLY_WORD.search(t, a, b) is not None)
    box = f'<p class="tkpk-chart-note"><em>{_html.escape(note)}</em></p>'
    text = _PLOTLY_FIGURE.sub(lambda _m: box, text)
    return _PLOTLY_BARE.sub(lambda _m: box, text)


_FIT_MARK = "<!-- tkpk-fit-tables -->"
#: Print copy only: lay the page out at the A4 content width (210 mm - 2 x 12 mm margins) on
#: screen too, then shrink any table wider than its column (many programme columns, long
#: codes) so that it fits the page instead of being cut at the right edge.
FIT_TABLES = _FIT_MARK + """<style>html body { width: 186mm; min-width: 0; margin: 0; box-sizing: border-box; }</style>
<script>
(function () {
  function fit() {
    document.querySelectorAll("table").forEach(function (t) {
      t.style.zoom = "";
      var avail = t.parentElement ? t.parentElement.clientWidth : 0;
      if (avail > 0 && t.scrollWidth > avail + 1) {
        t.style.zoom = Math.max(avail / t.scrollWidth, 0.4).toFixed(3);
      }
    });
  }
  document.addEventListener("DOMContentLoaded", fit);
  window.addEventListener("beforeprint", fit);
})();
</script>
"""


def printable_html(html_text: str, *, static_charts: bool = True) -> str:
    """The copy of an HTML report that is printed to PDF.

    Adds the print stylesheet (:data:`PRINT_CSS`) when it is missing and the table fitting
    of :data:`FIT_TABLES` (tables wider than the A4 column are scaled down to fit) and, with
    ``static_charts``, removes the interactive plotly charts (:func:`strip_plotly`).

    Parameters
    ----------
    html_text : str
        The HTML report.
    static_charts : bool, default True
        Replace plotly charts by a note (the reports carry a static version of each chart).

    Returns
    -------
    str
        The print copy.

    Examples
    --------
    >>> "size: A4" in printable_html("<html><head></head><body>x</body></html>")
    True
    """
    if _PRINT_MARK not in html_text:
        html_text = _inject_head(html_text, PRINT_CSS)
    if _FIT_MARK not in html_text:
        html_text = _inject_head(html_text, FIT_TABLES)
    if static_charts:
        html_text = strip_plotly(html_text)
    return html_text


@contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Write a file atomically: yield a temporary path beside ``path``, then move it into place.

    On success the temporary file replaces ``path`` with :func:`os.replace` (atomic on one
    file system), so readers never see a half-written report; on an exception it is deleted.

    Parameters
    ----------
    path : path
        Final file; its folder is created.

    Yields
    ------
    pathlib.Path
        Temporary file (hidden name, same suffix) to write to.

    Examples
    --------
    >>> with atomic_path("reports/r1/manifest.json") as tmp:  # doctest: +SKIP
    ...     tmp.write_text("{}")
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=f"{path.suffix}.tmp", dir=path.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


_EXPORTERS = threading.local()


def _exporter(hide_code: bool) -> Any:
    """nbconvert's HTML exporter, one per thread and setting: building one compiles the Jinja
    templates again (~0.25 s per report)."""
    cache = getattr(_EXPORTERS, "by_setting", None)
    if cache is None:
        cache = _EXPORTERS.by_setting = {}
    if hide_code not in cache:
        from nbconvert import HTMLExporter

        exporter = HTMLExporter(template_name="lab")
        exporter.exclude_input = hide_code
        exporter.exclude_input_prompt = True
        exporter.exclude_output_prompt = True
        cache[hide_code] = exporter
    return cache[hide_code]


def notebook_to_html(
    ipynb: str | Path,
    html: str | Path,
    *,
    hide_code: bool = True,
    footer: str = "",
    title: str | None = None,
) -> Path:
    """Convert an executed notebook to a self-contained, offline HTML report.

    Parameters
    ----------
    ipynb : path
        Executed notebook (papermill output).
    html : path
        HTML file to write (written to a temporary file first, then moved into place).
    hide_code : bool, default True
        Hide code cells (``exclude_input``) and prompts; outputs and markdown stay.
    footer : str, default ""
        Plain text shown at the end of the report (run id, data vintage, library version);
        HTML-escaped.
    title : str, optional
        ``<title>`` of the page; defaults to the notebook's stem.

    Returns
    -------
    pathlib.Path
        The HTML path.

    Raises
    ------
    ReportError
        If the notebook cannot be read, or the HTML still references an external URL
        after cleaning (this would be a bug in the cleaning).

    Examples
    --------
    >>> notebook_to_html("reports/r1/1701_bengkulu_selatan/_smoke.ipynb",
    ...                  "reports/r1/1701_bengkulu_selatan/_smoke.html",
    ...                  footer="run r1 | data 2024 | tkpk_lib 0.1.0")  # doctest: +SKIP
    """
    import nbformat

    ipynb, html = Path(ipynb), Path(html)
    try:
        nb = nbformat.read(ipynb, as_version=4)
    except (OSError, ValueError) as exc:
        raise ReportError(f"{ipynb}: cannot read the executed notebook ({exc})") from exc
    nb.metadata["title"] = title or ipynb.stem
    exporter = _exporter(hide_code)
    body, _resources = exporter.from_notebook_node(nb)
    body = _make_offline(body)
    body = _inject_head(body, PRINT_CSS)
    if footer:
        foot = f'<footer class="tkpk-footer">{_html.escape(footer)}</footer>'
        if re.search(r"</body>", body, re.IGNORECASE):
            body = re.sub(r"</body>", lambda _m: foot + "</body>", body, count=1, flags=re.I)
        else:
            body += foot
    left = external_references(body)
    if left:
        raise ReportError(f"{html}: HTML still references external URLs after cleaning: {left[:3]}")
    with atomic_path(html) as tmp:
        tmp.write_text(body, encoding="utf-8")
    return html


def find_browser() -> str | None:
    """Find a Chromium-family browser for printing HTML to PDF.

    Order: ``$TKPK_BROWSER`` (or ``$REPORT_BROWSER``), then ``chromium``, ``chromium-browser``,
    ``google-chrome``, ``chrome``, ``msedge`` on ``PATH``, then the usual install folders of
    Edge/Chrome on Windows and Chrome/Chromium/Edge on macOS.

    Returns
    -------
    str or None
        Path of the browser executable, ``None`` when none is found.

    Examples
    --------
    >>> find_browser()  # doctest: +SKIP
    '/usr/bin/chromium'
    """
    for var in ("TKPK_BROWSER", "REPORT_BROWSER"):
        value = os.environ.get(var)
        if value:
            return value
    for name in BROWSER_NAMES:
        found = shutil.which(name)
        if found:
            return found
    candidates = _WINDOWS_PATHS if sys.platform.startswith("win") else _MAC_PATHS
    for raw in candidates:
        path = os.path.expandvars(raw)
        if os.path.isfile(path):
            return path
    return None


def _base_flags(profile: str) -> list[str]:
    """Command-line flags shared by the one-shot and the persistent browser."""
    flags = [
        "--headless",
        "--disable-gpu",
        # no phoning home, no first-run work: faster and identical offline
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-default-apps",
        "--disable-extensions",
        "--disable-sync",
        "--disable-breakpad",
        "--metrics-recording-only",
        "--no-first-run",
        "--no-default-browser-check",
        "--mute-audio",
        "--hide-scrollbars",
        f"--user-data-dir={profile}",
    ]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        # Chromium refuses to start sandboxed as root (containers, CI)
        flags.insert(0, "--no-sandbox")
    return flags


def _browser_args(browser: str, profile: str, pdf: Path, url: str, budget_ms: int) -> list[str]:
    return [
        browser,
        *_base_flags(profile),
        "--no-pdf-header-footer",
        f"--virtual-time-budget={budget_ms}",
        f"--print-to-pdf={pdf}",
        url,
    ]


def pipe_supported() -> bool:
    """Whether :class:`ChromiumPrinter` can run here (``--remote-debugging-pipe``).

    The browser reads DevTools commands from file descriptor 3 and writes replies to 4.
    That needs ``posix_spawn`` with descriptor mapping (Linux, macOS). On Windows the pipe
    is passed as inherited handles, which Python's ``subprocess`` cannot place where
    Chromium looks for them, so Windows prints with one browser run per report.

    Returns
    -------
    bool

    Examples
    --------
    >>> pipe_supported()  # doctest: +SKIP
    True
    """
    if sys.platform.startswith("win") or not hasattr(os, "posix_spawnp"):
        return False
    if not hasattr(select, "poll"):  # pragma: no cover - old macOS Pythons
        return False
    try:
        import fcntl
    except ImportError:  # pragma: no cover - non-POSIX
        return False
    return hasattr(fcntl, "F_DUPFD_CLOEXEC") and hasattr(os, "POSIX_SPAWN_DUP2")


class _BrowserGone(Exception):
    """The browser closed the pipe or exited (restartable)."""


class _PrintTimeout(Exception):
    """No reply before the deadline."""


class _TabGone(Exception):
    """The printing tab crashed or was closed (a new tab is opened)."""


#: DevTools error code of a command sent to a session that no longer exists.
_NO_SESSION = -32001


#: Runs in the page after the load event: fonts loaded, plotly figures drawn (when the
#: print copy keeps them), two animation frames painted; at most BUDGET ms.
_READY_JS = """
(async () => {
  const ready = (async () => {
    if (document.readyState !== 'complete') {
      await new Promise(r => window.addEventListener('load', r, {once: true}));
    }
    if (document.fonts) { await document.fonts.ready; }
    const graphs = Array.from(document.querySelectorAll('.plotly-graph-div'));
    while (window.Plotly && graphs.some(g => !g._fullLayout)) {
      await new Promise(r => setTimeout(r, 20));
    }
    await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
    return 'ready';
  })();
  const budget = new Promise(r => setTimeout(() => r('budget'), BUDGET));
  return await Promise.race([ready, budget]);
})()
"""


class ChromiumPrinter:
    """One headless Chromium kept running to print many HTML files to PDF.

    The browser is started on the first print with ``--headless --remote-debugging-pipe``
    and driven through the Chrome DevTools Protocol: commands go to its file descriptor 3,
    replies come from 4, each a JSON message ending in a NUL byte. One tab
    (``Target.createTarget``) serves all prints: each print navigates it to the
    ``file://`` URL, waits for that navigation's load event, fonts and two painted frames,
    and calls ``Page.printToPDF`` (CSS page size, background, no browser header/footer). Page numbers come from the page's own
    ``@page`` margin boxes, as with ``--print-to-pdf``.

    Robustness: a print that takes longer than its timeout kills the browser (its whole
    process group) and raises :class:`ReportError`; a browser that died between prints
    (or whose pipe broke) is started again and the print retried once, as is a print whose
    tab crashed (in a new tab); a process that
    forked gets its own browser. The browser exits by itself when this process dies,
    because its command pipe is closed then. Its profile lives in
    ``<temp>/tkpk-chromium/<pid>-*``: removed by :meth:`close` and :meth:`abort`, and a
    profile whose process was killed is removed by the next printer that starts. One print at a time (a lock); other threads
    wait.

    Parameters
    ----------
    browser : str, optional
        Browser executable; default :func:`find_browser`.
    tagged : bool, default True
        Tagged (accessible) PDF, as ``--print-to-pdf`` writes; ``False`` is ~0.1 s
        faster per report and ~35% smaller, but screen readers lose the structure.
    startup_timeout : float, default 60
        Seconds the browser may take to start and answer.

    Examples
    --------
    >>> with ChromiumPrinter() as printer:  # doctest: +SKIP
    ...     for name in ["a", "b"]:
    ...         html_to_pdf(f"{name}.html", f"{name}.pdf", printer=printer)
    """

    def __init__(
        self, browser: str | None = None, *, tagged: bool = True, startup_timeout: float = 60.0
    ) -> None:
        self.browser = browser or find_browser()
        self.tagged = tagged
        self.startup_timeout = startup_timeout
        self._target: str | None = None
        self._session: str | None = None
        self._lock = threading.RLock()
        self._pid: int | None = None
        self._owner = os.getpid()
        self._cmd_fd = -1
        self._reply_fd = -1
        self._profile: str | None = None
        self._buf = bytearray()
        self._events: list[dict[str, Any]] = []
        self._next_id = 0
        #: Browser starts so far (1 after the first print, more after restarts).
        self.launches = 0

    # -- process ------------------------------------------------------------------------
    @property
    def pid(self) -> int | None:
        """Process id of the running browser, ``None`` when none runs."""
        return self._pid if self._owner == os.getpid() else None

    def alive(self) -> bool:
        """Whether the browser process of this printer is running.

        Returns
        -------
        bool
        """
        if self._pid is None or self._owner != os.getpid():
            return False
        try:
            done, _status = os.waitpid(self._pid, os.WNOHANG)
        except ChildProcessError:
            done = self._pid
        if done:
            self._forget()
            return False
        return True

    def _forget(self) -> None:
        """Drop the pipe and pid (the process is gone or belongs to the parent of a fork)."""
        for fd in (self._cmd_fd, self._reply_fd):
            if fd >= 0:
                try:
                    os.close(fd)
                except OSError:
                    pass
        self._cmd_fd = self._reply_fd = -1
        self._pid = None
        self._target = self._session = None
        self._buf.clear()
        self._events.clear()

    def _launch(self) -> None:
        import fcntl

        if not self.browser:
            raise ReportError(
                "no Chromium-family browser found to print PDF reports: install chromium "
                "(Debian: apt-get install chromium), Google Chrome or Microsoft Edge, or set "
                "TKPK_BROWSER to the browser's path"
            )
        if not pipe_supported():
            raise ReportError(
                "ChromiumPrinter needs --remote-debugging-pipe (Linux/macOS); on this system "
                "html_to_pdf prints with one browser run per report"
            )
        if self._profile is None or self._owner != os.getpid():
            self._profile = _new_profile()
        self._owner = os.getpid()
        user_data = os.path.join(self._profile, "profile")
        shutil.rmtree(user_data, ignore_errors=True)  # a fresh profile after a crash or kill
        argv = [self.browser, *_base_flags(user_data)]
        argv += ["--remote-debugging-pipe", "about:blank"]
        cmd_r, cmd_w = os.pipe()
        reply_r, reply_w = os.pipe()
        devnull = os.open(os.devnull, os.O_RDWR)
        log = os.open(os.path.join(self._profile, "stderr.log"),
                      os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        # copies at fd >= 10 (close-on-exec), so that mapping them onto 0-4 never
        # overwrites a source; dup2 in the child clears close-on-exec on the targets
        high = [fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 10) for fd in (devnull, log, cmd_r, reply_w)]
        actions = [
            (os.POSIX_SPAWN_DUP2, high[0], 0),
            (os.POSIX_SPAWN_DUP2, high[0], 1),
            (os.POSIX_SPAWN_DUP2, high[1], 2),
            (os.POSIX_SPAWN_DUP2, high[2], 3),
            (os.POSIX_SPAWN_DUP2, high[3], 4),
        ]
        try:
            # own process group: a timeout kills renderers too, and Ctrl-C in a terminal
            # reaches this process, which then closes the pipe
            # the browser's own temporary files go into the profile, removed with it
            tmp_dir = os.path.join(self._profile, "t")
            os.makedirs(tmp_dir, exist_ok=True)
            env = {**os.environ, "TMPDIR": tmp_dir}
            pid = os.posix_spawnp(argv[0], argv, env, file_actions=actions, setpgroup=0)
        except OSError as exc:
            for fd in (cmd_r, cmd_w, reply_r, reply_w):
                os.close(fd)
            self._remove_profile()
            raise ReportError(f"cannot start browser {self.browser!r} ({exc})") from exc
        finally:
            for fd in (devnull, log, *high):
                os.close(fd)
        os.close(cmd_r)
        os.close(reply_w)
        self._pid, self._cmd_fd, self._reply_fd = pid, cmd_w, reply_r
        self._buf.clear()
        self._events.clear()
        self.launches += 1
        try:
            self._call("Browser.getVersion", deadline=time.monotonic() + self.startup_timeout)
        except (_BrowserGone, _PrintTimeout) as exc:
            tail = self._stderr_tail()
            self._kill()
            self._remove_profile()
            raise ReportError(
                f"browser {self.browser} did not start with --remote-debugging-pipe "
                f"({type(exc).__name__}): {tail}"
            ) from exc

    def _stderr_tail(self, lines: int = 3) -> str:
        if not self._profile:
            return ""
        try:
            text = Path(self._profile, "stderr.log").read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""
        return " | ".join(text.strip().splitlines()[-lines:])

    def _kill(self) -> None:
        """Kill the browser's process group and reap it."""
        pid = self._pid
        if pid is None or self._owner != os.getpid():
            self._forget()
            return
        self._forget()
        for kill in (os.killpg, os.kill):
            try:
                kill(pid, signal.SIGKILL)
                break
            except (ProcessLookupError, PermissionError):
                continue
        try:
            os.waitpid(pid, 0)
        except ChildProcessError:
            pass

    def start(self, *, wait: bool = True) -> None:
        """Start the browser now instead of at the first print (idempotent).

        Parameters
        ----------
        wait : bool, default True
            ``False``: start it in a background thread and return at once, so the ~0.5-1 s
            start overlaps other work (a notebook running); a failure there is not raised,
            the next print tries again and reports it.

        Examples
        --------
        >>> shared_printer().start(wait=False)  # doctest: +SKIP
        """
        if not wait:
            threading.Thread(target=self._start_quietly, name="tkpk-printer-start",
                             daemon=True).start()
            return
        with self._lock:
            self._ensure_started()

    def _start_quietly(self) -> None:
        try:
            self.start()
        except Exception:  # noqa: BLE001 - reported by the next print
            pass

    def _ensure_started(self) -> None:
        if self._owner != os.getpid():  # forked: the browser and pipe belong to the parent
            self._forget()
            self._profile = None
        if not self.alive():
            self._launch()

    # -- protocol -------------------------------------------------------------------------
    def _send(self, method: str, params: dict[str, Any] | None, session: str | None) -> int:
        self._next_id += 1
        msg: dict[str, Any] = {"id": self._next_id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        data = memoryview(json.dumps(msg).encode("utf-8") + b"\0")
        try:
            while data:
                data = data[os.write(self._cmd_fd, data) :]
        except OSError as exc:  # BrokenPipeError, EBADF: the browser is gone
            raise _BrowserGone(str(exc)) from exc
        return self._next_id

    def _read_message(self, deadline: float) -> dict[str, Any]:
        scanned = 0  # bytes of the buffer known to hold no NUL (a PDF reply is megabytes)
        while True:
            end = self._buf.find(b"\0", scanned)
            if end >= 0:
                raw = bytes(self._buf[:end])
                del self._buf[: end + 1]
                return json.loads(raw)
            scanned = len(self._buf)
            left = deadline - time.monotonic()
            if left <= 0:
                raise _PrintTimeout()
            try:
                # poll, not select: select fails on descriptors above 1023
                poller = select.poll()
                poller.register(self._reply_fd, select.POLLIN)
                if not poller.poll(max(1, int(left * 1000))):
                    raise _PrintTimeout()
                chunk = os.read(self._reply_fd, 1 << 20)
            except OSError as exc:
                raise _BrowserGone(str(exc)) from exc
            if not chunk:
                raise _BrowserGone("pipe closed")
            self._buf += chunk

    def _call(
        self,
        method: str,
        params: dict[str, Any] | None = None,
        session: str | None = None,
        *,
        deadline: float,
    ) -> dict[str, Any]:
        """Send a command, wait for its reply; events that arrive meanwhile are queued."""
        msg_id = self._send(method, params, session)
        while True:
            msg = self._read_message(deadline)
            if msg.get("id") == msg_id:
                if "error" in msg:
                    err = msg["error"]
                    text = f"{method}: {err.get('message', err)}"
                    if session and err.get("code") == _NO_SESSION:
                        raise _TabGone(text)
                    raise RuntimeError(text)
                return msg.get("result", {})
            if "method" in msg:
                self._events.append(msg)

    def _wait_event(
        self,
        method: str,
        session: str,
        match: Callable[[dict[str, Any]], bool] = lambda _p: True,
        *,
        deadline: float,
    ) -> dict[str, Any]:
        """Wait for an event of a session; earlier queued events are discarded."""
        while True:
            while self._events:
                msg = self._events.pop(0)
                if msg.get("sessionId") == session:
                    if msg["method"] == "Inspector.targetCrashed":
                        raise _TabGone("the page crashed")
                    if msg["method"] == method and match(msg.get("params", {})):
                        return msg.get("params", {})
            msg = self._read_message(deadline)
            if "method" in msg:
                self._events.append(msg)

    # -- printing -------------------------------------------------------------------------
    def print_file(
        self,
        html: str | Path,
        pdf: str | Path,
        *,
        timeout: float = 180,
        budget_ms: int = 10_000,
        label: str | Path | None = None,
    ) -> Path:
        """Print an HTML file as it is to a PDF (written atomically).

        :func:`html_to_pdf` prepares the print copy (stylesheet, no plotly) and calls this.

        Parameters
        ----------
        html : path
            HTML file to load (``file://``).
        pdf : path
            PDF file to write.
        timeout : float, default 180
            Seconds for the whole print (load, scripts, PDF); then the browser is killed.
        budget_ms : int, default 10000
            Longest wait for fonts and drawing scripts after the load event.
        label : path, optional
            File named in error messages (default ``html``).

        Returns
        -------
        pathlib.Path
            The PDF path.

        Raises
        ------
        ReportError
            Timeout, browser crash (twice), page error or an empty PDF.

        Examples
        --------
        >>> with ChromiumPrinter() as printer:  # doctest: +SKIP
        ...     printer.print_file("page.html", "page.pdf", timeout=30)
        """
        html, pdf = Path(html).resolve(), Path(pdf)
        label = label or html
        with self._lock:
            for attempt in (1, 2):
                deadline = time.monotonic() + timeout
                self._ensure_started()
                try:
                    data = self._print_once(html.as_uri(), deadline, budget_ms)
                    break
                except _PrintTimeout as exc:
                    self._kill()
                    raise ReportError(
                        f"{label}: browser did not finish printing in {timeout} s"
                    ) from exc
                except _BrowserGone as exc:
                    tail = self._stderr_tail()
                    self._kill()
                    if attempt == 2:
                        raise ReportError(
                            f"{label}: browser {self.browser} exited while printing ({exc}): {tail}"
                        ) from exc
                except _TabGone as exc:
                    self._drop_tab()
                    if attempt == 2:
                        raise ReportError(f"{label}: browser tab failed while printing ({exc})") from exc
                except RuntimeError as exc:
                    self._drop_tab()
                    raise ReportError(f"{label}: browser could not print the page: {exc}") from exc
        if not data:
            raise ReportError(f"{label}: browser {self.browser} wrote an empty PDF")
        with atomic_path(pdf) as tmp:
            tmp.write_bytes(data)
        return pdf

    def _open_tab(self, deadline: float) -> str:
        """The session of the printing tab, opened on first use (one tab for all prints).

        Reusing the tab keeps its renderer process: a new tab per print costs ~0.3 s of CPU
        for a fresh renderer. Each print is a new navigation, so no page state carries over.
        """
        if self._session is None:
            target = self._call("Target.createTarget", {"url": "about:blank"}, deadline=deadline)
            self._target = target["targetId"]
            self._session = self._call(
                "Target.attachToTarget", {"targetId": self._target, "flatten": True},
                deadline=deadline,
            )["sessionId"]
            self._call("Page.enable", session=self._session, deadline=deadline)
            self._call("Page.setLifecycleEventsEnabled", {"enabled": True},
                       session=self._session, deadline=deadline)
        return self._session

    def _drop_tab(self) -> None:
        """Close the printing tab (best effort); the next print opens a new one."""
        target, self._target, self._session = self._target, None, None
        if target and self.alive():
            try:
                self._call("Target.closeTarget", {"targetId": target},
                           deadline=time.monotonic() + 5)
            except (RuntimeError, _TabGone, _BrowserGone, _PrintTimeout):
                pass

    def _print_once(self, url: str, deadline: float, budget_ms: int) -> bytes:
        self._events.clear()
        session = self._open_tab(deadline)
        nav = self._call("Page.navigate", {"url": url}, session=session, deadline=deadline)
        if nav.get("errorText"):
            raise RuntimeError(f"cannot load {url}: {nav['errorText']}")
        # the load event of this navigation, not of an earlier page of the tab
        loader = nav.get("loaderId")
        self._wait_event(
            "Page.lifecycleEvent",
            session,
            lambda p: p.get("name") == "load" and (not loader or p.get("loaderId") == loader),
            deadline=deadline,
        )
        self._call(
            "Runtime.evaluate",
            {
                "expression": _READY_JS.replace("BUDGET", str(int(budget_ms))),
                "awaitPromise": True,
                "returnByValue": True,
            },
            session=session,
            deadline=deadline,
        )
        result = self._call(
            "Page.printToPDF",
            {
                "printBackground": True,
                "preferCSSPageSize": True,
                "displayHeaderFooter": False,
                "generateTaggedPDF": self.tagged,
            },
            session=session,
            deadline=deadline,
        )
        return base64.b64decode(result.get("data", ""))

    # -- lifetime -------------------------------------------------------------------------
    def close(self) -> None:
        """Close the browser (politely, then by force) and remove its temporary profile.

        Safe to call twice; the next print starts a new browser. In a forked child it
        only forgets the parent's browser.
        """
        with self._lock:
            if self._owner != os.getpid():
                self._forget()
                return
            if self.alive():
                try:
                    self._send("Browser.close", None, None)
                    stop = time.monotonic() + 5
                    while time.monotonic() < stop and self.alive():
                        time.sleep(0.02)
                except _BrowserGone:
                    pass
            self._kill()
            self._remove_profile()

    def _remove_profile(self) -> None:
        if self._profile:
            _drop_profile(self._profile)
            self._profile = None

    def abort(self) -> None:
        """Kill the browser at once and remove its profile (interrupt, dead parent).

        Takes no lock (a print may hold it): for a signal handler or a watchdog thread.
        """
        pid, profile = self._pid, self._profile
        if pid is not None and self._owner == os.getpid():
            for kill in (os.killpg, os.kill):
                try:
                    kill(pid, signal.SIGKILL)
                    break
                except (ProcessLookupError, PermissionError):
                    continue
        if profile and self._owner == os.getpid():
            _drop_profile(profile)

    def __enter__(self) -> ChromiumPrinter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


#: Folder (under the system temporary folder) holding the browser profiles, one per printer,
#: named ``<pid>-<random>`` after the process that owns it.
PROFILE_DIR = "tkpk-chromium"


def _profile_root() -> Path:
    """Where profiles go: the temporary folder, or ``/tmp`` when its path is so long that
    Chromium's socket path (``<TMPDIR>/org.chromium.Chromium.XXXXXX/SingletonSocket``, at most
    107 bytes) would not fit: the browser then dies at start."""
    base = tempfile.gettempdir()
    if os.name == "posix" and len(base) > 40 and os.path.isdir("/tmp"):
        base = "/tmp"
    return Path(base) / PROFILE_DIR


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True
    return True


def sweep_profiles() -> int:
    """Remove browser profiles left by processes that no longer run (killed workers).

    Returns
    -------
    int
        Profiles removed.

    Examples
    --------
    >>> sweep_profiles() >= 0
    True
    """
    root = _profile_root()
    n = 0
    try:
        entries = list(root.iterdir())
    except OSError:
        return 0
    for entry in entries:
        owner = entry.name.split("-", 1)[0]
        if owner.isdigit() and int(owner) != os.getpid() and not _pid_alive(int(owner)):
            shutil.rmtree(entry, ignore_errors=True)
            n += 1
    try:
        root.rmdir()  # only when empty
    except OSError:
        pass
    return n


def _new_profile() -> str:
    """A fresh profile folder for a browser of this process (stale ones are swept first)."""
    sweep_profiles()
    root = _profile_root()
    root.mkdir(exist_ok=True)
    return tempfile.mkdtemp(prefix=f"{os.getpid()}-", dir=root)


def _drop_profile(profile: str) -> None:
    shutil.rmtree(profile, ignore_errors=True)
    try:
        Path(profile).parent.rmdir()  # the shared root, when no other profile is left
    except OSError:
        pass


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
    """Print an HTML report to an A4 PDF with page numbers using headless Chromium.

    A copy of the HTML (:func:`printable_html`: the print stylesheet with A4,
    ``Halaman n dari m`` in the bottom margin box and cells not split; interactive plotly
    charts replaced by a note) is printed; Chromium's own header and footer are switched
    off. The PDF is written to a temporary name and moved into place; the HTML report is
    not changed.

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
      is found in ``Program Files (x86)\\Microsoft\\Edge\\Application``; Google Chrome works too.
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
    pdf.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="tkpk-print-", dir=pdf.parent) as tmpdir:
        src = Path(tmpdir) / "page.html"
        src.write_text(text, encoding="utf-8")
        if printer is not None:
            return printer.print_file(src, pdf, timeout=timeout, budget_ms=budget_ms, label=html)
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
    return pdf


def pdf_text(pdf: str | Path, *, layout: bool = False) -> str:
    """Text of a PDF through poppler's ``pdftotext`` (for tests and checks).

    Parameters
    ----------
    pdf : path
        PDF file.
    layout : bool, default False
        Keep the physical layout (``-layout``).

    Returns
    -------
    str
        The text; pages are separated by form feeds (``\\f``).

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
    args = [exe, "-enc", "UTF-8"] + (["-layout"] if layout else []) + [str(pdf), "-"]
    proc = subprocess.run(args, capture_output=True)
    if proc.returncode != 0:
        raise ReportError(f"{pdf}: pdftotext failed: {proc.stderr.decode(errors='replace').strip()}")
    return proc.stdout.decode("utf-8", errors="replace")
