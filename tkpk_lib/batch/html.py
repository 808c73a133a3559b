"""Executed notebook -> offline HTML, and the print copy of that HTML.

nbconvert's ``HTMLExporter`` (lab template) with code cells hidden; the template's CDN
references and plotly's MathJax tag are removed so the file opens the same offline
(:func:`external_references` proves it). :func:`printable_html` makes the copy Chromium
prints: A4 print stylesheet, tables fitted to the page, interactive plotly charts replaced
by a note (:func:`strip_plotly`). nbconvert is imported inside the functions.
"""

from __future__ import annotations

import html as _html
import re
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tkpk_lib.batch.files import atomic_path
from tkpk_lib.errors import ReportError

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
  /* ... but the notes closing a table do not hold the next heading: with both breaks around
     a heading "avoid", the browser left the heading alone at the foot of the page */
  .jp-CodeCell:has(+ .jp-MarkdownCell :is(h2, h3, h4)),
  .jp-CodeCell:has(+ .jp-MarkdownCell :is(h2, h3, h4)) .jp-OutputArea-child:last-child { break-after: auto !important; }
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
FIT_TABLES = _FIT_MARK + """<style>html body { width: 186mm; min-width: 0; margin: 0; box-sizing: border-box;
  padding-left: 0 !important; }
html body .tkpk-toc { position: static; width: auto; background: none; border: 0; padding: 0; }</style>
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


_PLOTLY_BANNER = re.compile(r"plotly\.js v\d")


def with_plotly_js(html_text: str) -> str:
    """Make sure an HTML page with plotly charts carries plotly.js exactly once.

    Plotly's notebook renderer inlines plotly.js with the first chart a *kernel* shows; a
    warm kernel that runs several reports gives it to the first report only, and the charts
    of the others stay blank ("Plotly is not defined"). A page with charts and without the
    library gets the installed plotly's copy in its head; a page that has it is unchanged.

    Parameters
    ----------
    html_text : str
        The HTML report.

    Returns
    -------
    str
        The HTML with plotly.js once when it has charts.

    Examples
    --------
    >>> page = '<html><head></head><body><div class="plotly-graph-div"></div></body></html>'
    >>> len(_PLOTLY_BANNER.findall(with_plotly_js(page)))
    1
    >>> with_plotly_js("<p>no chart</p>")
    '<p>no chart</p>'
    """
    if 'class="plotly-graph-div"' not in html_text or _PLOTLY_BANNER.search(html_text):
        return html_text
    from plotly.offline import get_plotlyjs

    lib = ("<script>window.PlotlyConfig = {MathJaxConfig: 'local'};</script>"
           f'<script type="text/javascript">{get_plotlyjs()}</script>')
    return _inject_head(html_text, lib)


_EXPORTERS = threading.local()
#: Cell tag of notebook cells that are for the analyst only (removed from HTML and PDF).
NOTEBOOK_ONLY_TAG = "notebook-only"


def _exporter(hide_code: bool) -> Any:
    """Nbconvert's HTML exporter, one per thread and setting.

    Building one compiles the Jinja templates again (~0.25 s per report).
    """
    cache = getattr(_EXPORTERS, "by_setting", None)
    if cache is None:
        cache = _EXPORTERS.by_setting = {}
    if hide_code not in cache:
        from nbconvert import HTMLExporter
        from nbconvert.preprocessors import TagRemovePreprocessor

        exporter = HTMLExporter(template_name="lab")
        # notes for the analyst in the notebook ("Parameter di sel berikut ...") stay out of reports
        exporter.register_preprocessor(
            TagRemovePreprocessor(remove_cell_tags={NOTEBOOK_ONLY_TAG}, enabled=True), enabled=True
        )
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
    document: bool = True,
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
    document : bool, default True
        For a report notebook run by papermill (parameters ``kab_code`` and ``year``): add
        the cover, the contents, table and figure numbers, the running header and, for the
        synthetic demo, the DATA SINTETIS mark (:func:`tkpk_lib.reporting.document.finish_document`).
        Cells tagged ``notebook-only`` are always left out.

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
    body = with_plotly_js(body)
    body = _inject_head(body, PRINT_CSS)
    if document:
        from tkpk_lib.reporting.document import document_info, finish_document

        info = document_info(nb.metadata.get("papermill", {}).get("parameters", {}))
        if info is not None:
            body = finish_document(body, info)
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
