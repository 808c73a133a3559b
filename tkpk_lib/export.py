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

Nothing here is imported by ``import tkpk_lib``; nbconvert is imported inside the functions.
"""

from __future__ import annotations

import html as _html
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tkpk_lib.errors import ReportError

__all__ = [
    "atomic_path",
    "external_references",
    "find_browser",
    "html_to_pdf",
    "notebook_to_html",
    "pdf_text",
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
    from nbconvert import HTMLExporter

    ipynb, html = Path(ipynb), Path(html)
    try:
        nb = nbformat.read(ipynb, as_version=4)
    except (OSError, ValueError) as exc:
        raise ReportError(f"{ipynb}: cannot read the executed notebook ({exc})") from exc
    nb.metadata["title"] = title or ipynb.stem
    exporter = HTMLExporter(template_name="lab")
    exporter.exclude_input = hide_code
    exporter.exclude_input_prompt = True
    exporter.exclude_output_prompt = True
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


def _browser_args(browser: str, profile: str, pdf: Path, url: str, budget_ms: int) -> list[str]:
    args = [
        browser,
        "--headless",
        "--disable-gpu",
        "--no-pdf-header-footer",
        f"--virtual-time-budget={budget_ms}",
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
        f"--print-to-pdf={pdf}",
        url,
    ]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        # Chromium refuses to start sandboxed as root (containers, CI)
        args.insert(1, "--no-sandbox")
    return args


def html_to_pdf(
    html: str | Path,
    pdf: str | Path,
    *,
    browser: str | None = None,
    timeout: float = 180,
    budget_ms: int = 10_000,
) -> Path:
    """Print an HTML report to an A4 PDF with page numbers using headless Chromium.

    A copy of the HTML with the print stylesheet (A4, ``Halaman n dari m`` in the bottom
    margin box, no plotly mode bar, cells not split) is printed; Chromium's own header and
    footer are switched off. The PDF is written to a temporary name and moved into place.

    Parameters
    ----------
    html : path
        HTML file (normally from :func:`notebook_to_html`).
    pdf : path
        PDF file to write.
    browser : str, optional
        Browser executable; default :func:`find_browser`.
    timeout : float, default 180
        Seconds before the browser is killed.
    budget_ms : int, default 10000
        ``--virtual-time-budget``: virtual milliseconds the page may use to run scripts
        (plotly drawing) before printing.

    Returns
    -------
    pathlib.Path
        The PDF path.

    Raises
    ------
    ReportError
        No browser was found, the browser failed, or no PDF was written.

    Notes
    -----
    Browser set-up per platform:

    * Debian: ``apt-get install chromium`` (``scripts/setup.sh`` does it).
    * Ubuntu: ``chromium-browser`` is a snap (private ``/tmp``; reports are under the project
      so that is fine) or install Google Chrome's ``.deb``.
    * Windows (conda or venv): nothing to install, Microsoft Edge is Chromium-based and
      is found in ``Program Files (x86)\\Microsoft\\Edge\\Application``; Google Chrome works too.
      Set ``TKPK_BROWSER`` to a browser path if it lives elsewhere.
    * macOS: Google Chrome, Chromium or Edge in ``/Applications``.

    Page numbers use CSS margin boxes (``@page { @bottom-center { … } }``), which Chromium
    prints from version 131; older browsers print the PDF without them.

    Examples
    --------
    >>> html_to_pdf("reports/r1/1701_bengkulu_selatan/_smoke.html",
    ...             "reports/r1/1701_bengkulu_selatan/_smoke.pdf")  # doctest: +SKIP
    """
    html, pdf = Path(html).resolve(), Path(pdf).resolve()
    browser = browser or find_browser()
    if not browser:
        raise ReportError(
            "no Chromium-family browser found to print PDF reports: install chromium "
            "(Debian: apt-get install chromium), Google Chrome or Microsoft Edge, or set "
            "TKPK_BROWSER to the browser's path; HTML reports are written without it "
            "(formats=('html',))"
        )
    text = html.read_text(encoding="utf-8")
    if _PRINT_MARK not in text:
        text = _inject_head(text, PRINT_CSS)
    pdf.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="tkpk-print-", dir=pdf.parent) as tmpdir:
        src = Path(tmpdir) / "page.html"
        src.write_text(text, encoding="utf-8")
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
