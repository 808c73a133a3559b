"""Make an exported report notebook read as a document: cover, contents, numbering, marks.

:func:`finish_document` post-processes the HTML that nbconvert wrote for a report notebook
(:func:`tkpk_lib.batch.html.notebook_to_html` calls it):

* a cover page (title, unit, year, "Tim Koordinasi Penanggulangan Kemiskinan <unit>", the
  data status, the date and the run id) and a table of contents with links; in the PDF the
  contents get page numbers, found in the printed PDF (:func:`locate_pages`) and written into it
  (:mod:`tkpk_lib.batch.pdftoc`; :func:`fill_toc_pages` for a second print where that fails);
* tables and figures numbered per numbered section ("Tabel 2.1", "Gambar 4.2") with a
  caption and a source line under each; annex tables keep their "Tabel L.x";
* a running header with the unit and the year on every printed page after the cover;
* with synthetic inputs a "DATA SINTETIS - BUKAN STATISTIK RESMI" mark on every printed page
  and on the HTML page, and source lines that say the data are synthetic;
* the interactive HTML: the contents as a side panel that follows the reader, tables that
  can be sorted and filtered (:mod:`tkpk_lib.reporting.document_assets`).

The numbering works on the HTML, not on the notebook cells, so the notebooks stay thin.
Scripts (the inlined plotly.js) are never searched for tags.
"""

from __future__ import annotations

import datetime as _dt
import html as _html
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from tkpk_lib.reporting.document_assets import DOCUMENT_CSS, DOCUMENT_JS
from tkpk_lib.reporting.formatting import fmt_date
from tkpk_lib.reporting.source_lines import (  # noqa: F401 - re-exported: notebooks and tests import them here
    SECTION_SOURCES,
    SOURCES_NOTE,
    SUBSECTION_SOURCES,
    SYNTHETIC_MARK,
    source_line,
    sources_markdown,
)

#: Marker of a finished document (the post-processing runs once).
_DOC_MARK = "<!-- tkpk-document -->"
#: Cell tag of notebook cells shown only in the HTML (the interactive section).
HTML_ONLY_TAG = "html-only"



@dataclass(frozen=True)
class DocumentInfo:
    """What the cover and the page header of one report say.

    Attributes
    ----------
    unit : str
        Unit name ("Kabupaten Bengkulu Selatan", "Provinsi Bengkulu").
    year : int
        Data year.
    run_id : str
        Run id of ``tkpk run`` ("" outside a run).
    date : str
        Date of the document, Indonesian style ("6 Desember 2026").
    synthetic : bool
        Inputs are the generated demo: every page says so.
    """

    unit: str
    year: int
    run_id: str = ""
    date: str = ""
    synthetic: bool = False


def indonesian_date(day: _dt.date) -> str:
    """A date written the Indonesian way.

    Examples
    --------
    >>> indonesian_date(_dt.date(2026, 12, 6))
    '6 Desember 2026'
    """
    return fmt_date(day)


def document_info(parameters: Mapping[str, Any], *, today: _dt.date | None = None) -> DocumentInfo | None:
    """The :class:`DocumentInfo` of a report notebook from its papermill parameters.

    Parameters
    ----------
    parameters : mapping
        The notebook's parameters (``kab_code``, ``year``, ``data_root``, ``run_id``).
    today : datetime.date, optional
        Date on the cover; default today (UTC).

    Returns
    -------
    DocumentInfo or None
        None when the notebook is not a report of a unit (no ``kab_code`` or ``year``).

    Examples
    --------
    >>> info = document_info({"kab_code": "1701", "year": 2024, "data_root": "/nonexistent",
    ...                       "run_id": "r1"}, today=_dt.date(2026, 12, 6))
    >>> info.unit, info.synthetic, info.date
    ('Kabupaten Bengkulu Selatan', False, '6 Desember 2026')
    """
    from tkpk_lib import paths
    from tkpk_lib.reporting.labels import unit_name

    code, year = parameters.get("kab_code"), parameters.get("year")
    if not code or not year:
        return None
    root = parameters.get("data_root") or str(paths.data_root())
    synthetic = paths.is_demo_folder(root) or paths.is_demo_root(root)
    day = today or _dt.datetime.now(_dt.UTC).date()
    return DocumentInfo(unit=unit_name(str(code)), year=int(year), run_id=str(parameters.get("run_id") or ""),
                        date=indonesian_date(day), synthetic=synthetic)


def _text(fragment: str) -> str:
    """Plain text of an HTML fragment (tags and nbconvert's pilcrow anchors removed)."""
    fragment = re.sub(r"<a\b[^>]*class=\"anchor-link\"[^>]*>.*?</a>", "", fragment, flags=re.S)
    return _html.unescape(re.sub(r"<[^>]+>", "", fragment)).strip()


_SCRIPT_OPEN = re.compile(r"<script\b", re.IGNORECASE)
_SCRIPT_CLOSE = re.compile(r"</script\s*>", re.IGNORECASE)


def _split_scripts(text: str) -> list[tuple[str, bool]]:
    """``text`` cut into (part, is_script) pieces; scripts end at the first ``</script>``.

    Literal searches only: one lazy regex over the ~5 MB of inlined plotly.js takes ~0.25 s.
    """
    parts: list[tuple[str, bool]] = []
    pos = 0
    while True:
        start = _SCRIPT_OPEN.search(text, pos)
        end = _SCRIPT_CLOSE.search(text, start.end()) if start else None
        if start is None or end is None:
            break
        parts += [(text[pos: start.start()], False), (text[start.start(): end.end()], True)]
        pos = end.end()
    parts.append((text[pos:], False))
    return parts


_TOKEN = re.compile(
    r"(?P<h><h(?P<lvl>[23])\b(?P<hattr>[^>]*)>(?P<htext>.*?)</h[23]>)"
    r"|(?P<table><table\b[^>]*>(?:\s*<caption>(?P<cap>.*?)</caption>)?)"
    r"|(?P<tend></table>)"
    r"|(?P<img><img\b[^>]*>)"
    r"|(?P<plot><div\b[^>]*\bclass=\"plotly-graph-div\"[^>]*>\s*</div>)",
    re.IGNORECASE | re.DOTALL,
)
_SECTION_NO = re.compile(r"^(?:(\d+)\.|Tabel\s+(L\.\d+))\s")


class _Numbering:
    """State of the numbering pass: current section, counters, contents entries."""

    def __init__(self, synthetic: bool) -> None:
        self.synthetic = synthetic
        self.section = ""
        self.number = ""  # "2" for "2. ...", "" for unnumbered or annex sections
        self.annex = False
        self.html_only = False
        self.sub = ""
        self.tables = 0
        self.figures = 0
        self.open_table = False
        self.toc: list[tuple[int, str, str, bool]] = []  # level, id, text, html_only
        self.captions: list[tuple[str, str, str, bool]] = []  # kind, id, label, html_only

    def heading(self, m: re.Match[str], before: str) -> str:
        text = _text(m.group("htext"))
        ident = re.search(r"\bid=\"([^\"]+)\"", m.group("hattr"))
        cell = before.rfind('class="jp-Cell ')  # the tag of the heading's own cell, not of the cell before
        html_only = f"celltag_{HTML_ONLY_TAG}" in before[max(cell, 0):]
        if m.group("lvl") == "2":
            sec = _SECTION_NO.match(text)
            self.section, self.sub, self.html_only = text, "", html_only
            self.number = (sec.group(1) or "") if sec else ""
            self.annex = bool(sec and sec.group(2))
            self.tables = self.figures = 0
        else:
            self.sub = text
        if ident:
            self.toc.append((int(m.group("lvl")), ident.group(1), text, html_only or self.html_only))
        return m.group(0)

    def _label(self, kind: str, count: int) -> str:
        return f"{kind} {self.number}.{count}"

    def table(self, m: re.Match[str]) -> str:
        cap = _text(m.group("cap") or "")
        self.open_table = False
        if self.annex or cap.startswith("Tabel ") or not self.number:
            return m.group(0)
        self.tables += 1
        label = self._label("Tabel", self.tables)
        title = cap or self.sub or re.sub(r"^\d+\.\s*", "", self.section)
        self.open_table = True
        open_tag = m.group(0)[: m.group(0).find(">") + 1]
        ident = _anchor(label)
        self.captions.append(("Tabel", ident, f"{label} {title}".strip(), self.html_only))
        num = f'<span class="tkpk-num" id="{ident}">{_html.escape(label)}</span> '
        return f"{open_tag}<caption>{num}{_html.escape(title)}</caption>"

    def table_end(self) -> str:
        if not self.open_table:
            return "</table>"
        self.open_table = False
        return f'</table><p class="tkpk-source">{_html.escape(source_line(self.section, self.synthetic, self.sub))}</p>'

    def figure(self, tag: str) -> str:
        if not self.number or self.annex:
            return tag
        self.figures += 1
        label = self._label("Gambar", self.figures)
        own = re.search(r'\bdata-title="([^"]*)"', tag)
        title = _html.unescape(own.group(1)) if own else self.sub or re.sub(r"^\d+\.\s*", "", self.section)
        ident = _anchor(label)
        self.captions.append(("Gambar", ident, f"{label} {title}".strip(), self.html_only))
        if tag.startswith("<img"):  # the alt text says what the figure shows (not the base64 data)
            head, src, data = tag.partition(" src=")
            head = re.sub(r"\balt=\"[^\"]*\"", "", head).replace("<img", f'<img alt="{_html.escape(title)}"', 1)
            tag = head + src + data
        num = f'<span class="tkpk-num">{_html.escape(label)}</span> '
        return (f'{tag}<p class="tkpk-figcaption" id="{ident}">{num}{_html.escape(title)}</p>'
                f'<p class="tkpk-source">{_html.escape(source_line(self.section, self.synthetic))}</p>')


def _anchor(label: str) -> str:
    """An HTML id from a label ("Tabel 2.1" -> "tkpk-tabel-2-1")."""
    return "tkpk-" + re.sub(r"[^a-z0-9]+", "-", label.lower()).strip("-")


_FIG_TITLE = re.compile(r'<p class="tkpk-figure-title" hidden(?:="[^"]*")?>(.*?)</p>', re.DOTALL)


def _attach_figure_titles(body: str) -> str:
    """Move each hidden figure title (:func:`~tkpk_lib.reporting.notebook.show`) onto its image."""
    parts: list[str] = []
    pos = 0
    for m in _FIG_TITLE.finditer(body):
        img = body.rfind("<img", pos, m.start())
        if img >= 0:
            parts.append(body[pos:img] + f'<img data-title="{m.group(1)}"')
            pos = img + len("<img")
        parts.append(body[pos: m.start()])
        pos = m.end()
    parts.append(body[pos:])
    return "".join(parts)


def number_tables_figures(body: str, synthetic: bool = False) -> tuple[str, _Numbering]:
    """Number the tables and figures of each numbered section; collect the contents.

    Within a section whose heading starts with "N." the k-th table becomes "Tabel N.k" (its
    caption kept, or the sub-heading when it has none) and the k-th image or chart
    "Gambar N.k" (caption under it: the sub-heading); a source line follows each. Tables
    whose caption already starts with "Tabel" (the annex "Tabel L.x") keep it.

    Parameters
    ----------
    body : str
        The report HTML.
    synthetic : bool, default False
        Source lines say the data are synthetic.

    Returns
    -------
    tuple
        The numbered HTML and the numbering state (``toc``, ``captions``).

    Examples
    --------
    >>> html, state = number_tables_figures(
    ...     '<h2 id="2.-P0">2. P0</h2><table><caption>Indikator</caption></table>')
    >>> "Tabel 2.1</span> Indikator</caption>" in html, state.toc
    (True, [(2, '2.-P0', '2. P0', False)])
    """
    state = _Numbering(synthetic)
    body = _attach_figure_titles(body)
    out: list[str] = []

    def token(m: re.Match[str]) -> str:
        if m.group("h"):
            return state.heading(m, m.string[max(0, m.start() - 600): m.start()])
        if m.group("table"):
            return state.table(m)
        if m.group("tend"):
            return state.table_end()
        return state.figure(m.group(0))

    for part, is_script in _split_scripts(body):
        out.append(part if is_script else _TOKEN.sub(token, part))
    return "".join(out), state


_CITE = re.compile(r"\[Tabel: ([^\]<]+)\]")


def cite_numbers(body: str, state: _Numbering) -> str:
    """Turn the text's "[Tabel: <caption>]" citations into the table's number, linked ("[Tabel 2.1]").

    The automatic summary names the table each sentence comes from by its caption (the notebook
    does not know the numbers); once the tables are numbered the citation uses the number, as
    a document's cross-references do. A caption with no numbered table is left as written.

    Examples
    --------
    >>> html, state = number_tables_figures(
    ...     '<h2 id="1.-A">1. A</h2><p>P0 naik. [Tabel: Indikator utama]</p>'
    ...     '<h2 id="2.-B">2. B</h2><table><caption>Indikator utama</caption></table>')
    >>> cite_numbers(html, state).split("<p>")[1].split("</p>")[0]
    'P0 naik. [<a href="#tkpk-tabel-2-1">Tabel 2.1</a>]'
    """
    numbers: dict[str, tuple[str, str]] = {}
    for kind, ident, text, _html_only in state.captions:
        parts = text.split(" ", 2)
        if kind == "Tabel" and len(parts) == 3:
            numbers.setdefault(parts[2], (f"{parts[0]} {parts[1]}", ident))

    def cite(m: re.Match[str]) -> str:
        hit = numbers.get(_html.unescape(m.group(1)).strip())
        return f'[<a href="#{hit[1]}">{hit[0]}</a>]' if hit else m.group(0)

    return "".join(part if is_script else _CITE.sub(cite, part) for part, is_script in _split_scripts(body))


def _toc_html(state: _Numbering) -> str:
    """The contents: sections and sub-sections, then the lists of tables and figures."""

    def item(cls: str, ident: str, text: str, html_only: bool) -> str:
        extra = " tkpk-html-only" if html_only else ""
        return (f'<li class="{cls}{extra}"><a href="#{_html.escape(ident)}"><span class="tkpk-toc-text">'
                f'{_html.escape(text)}</span><span class="tkpk-toc-page" data-target="{_html.escape(ident)}">'
                f"</span></a></li>")

    parts = ['<nav class="tkpk-toc" aria-label="Daftar isi">', '<p class="tkpk-toc-title">Daftar Isi</p><ol class="tkpk-toc-sections">']
    parts += [item(f"tkpk-toc-l{lvl}", ident, text, ho) for lvl, ident, text, ho in state.toc]
    parts.append("</ol>")
    for kind, title in (("Tabel", "Daftar Tabel"), ("Gambar", "Daftar Gambar")):
        rows = [c for c in state.captions if c[0] == kind and c[2].startswith(kind)]
        if rows:
            parts.append(f'<p class="tkpk-toc-title tkpk-toc-list">{title}</p><ol class="tkpk-toc-captions">')
            parts += [item("tkpk-toc-l3", ident, label, ho) for _k, ident, label, ho in rows]
            parts.append("</ol>")
    parts.append("</nav>")
    return "".join(parts)


def cover_html(title: str, info: DocumentInfo) -> str:
    """The cover page of a report.

    Examples
    --------
    >>> page = cover_html("Evaluasi Tahunan", DocumentInfo("Kabupaten Kaur", 2024, "r1", "6 Desember 2026"))
    >>> "Tim Koordinasi Penanggulangan Kemiskinan Kabupaten Kaur" in page
    True
    """
    status = (f"data sintetis hasil generator demo ({SYNTHETIC_MARK.split(' - ')[1].lower()})"
              if info.synthetic else "data masukan resmi daerah (BPS dan perangkat daerah)")
    mark = f'<p class="tkpk-cover-mark">{SYNTHETIC_MARK}</p>' if info.synthetic else ""
    rows = [("Status data", status), ("Tanggal", info.date), ("Id run", info.run_id)]
    meta = "".join(f"<tr><th>{k}</th><td>{_html.escape(v)}</td></tr>" for k, v in rows if v)
    return (f'<section class="tkpk-cover">{mark}<p class="tkpk-cover-title">{_html.escape(title)}</p>'
            f'<p class="tkpk-cover-unit">{_html.escape(info.unit)}</p>'
            f'<p class="tkpk-cover-year">Tahun {info.year}</p>'
            f'<p class="tkpk-cover-team">Tim Koordinasi Penanggulangan Kemiskinan {_html.escape(info.unit)}</p>'
            f'<table class="tkpk-cover-meta">{meta}</table></section>')


def _css_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def page_css(title: str, info: DocumentInfo) -> str:
    """Print rules of one report: running header from page 2, the synthetic mark on every page.

    Examples
    --------
    >>> "@top-right" in page_css("Evaluasi", DocumentInfo("Kota Bengkulu", 2024, synthetic=True))
    True
    """
    header = _css_string(f"{title} - {info.unit} - {info.year}")
    rules = [f"@page {{ @top-left {{ content: {header}; font-family: sans-serif; font-size: 7.5pt;"
             " color: #555; } }",
             "@page :first { @top-left { content: none; } @bottom-center { content: none; } }"]
    if info.synthetic:
        rules.append(f"@page {{ @top-right {{ content: {_css_string(SYNTHETIC_MARK)}; font-family: sans-serif;"
                     " font-size: 8pt; font-weight: bold; color: #b00020; } }")
    return "<style>" + "\n".join(rules) + "</style>"


# the title block of labels.title_markdown: "# <title>" and "## <unit>, tahun <year>"
_TITLE = re.compile(r"<h1\b[^>]*>(?P<t>.*?)</h1>(?:\s*<h2\b[^>]*>[^<]*, tahun \d{4}.*?</h2>)?",
                    re.IGNORECASE | re.DOTALL)


def finish_document(body: str, info: DocumentInfo) -> str:
    """Turn nbconvert's HTML of a report into the document (cover, contents, numbers, marks).

    The first ``<h1>`` (with the sub-title ``<h2>`` after it) becomes the cover; tables and
    figures are numbered (:func:`number_tables_figures`); the contents follow the cover; the
    print rules (:func:`page_css`), the document stylesheet and the script of the
    interactive page are added. Running it twice changes nothing.

    Parameters
    ----------
    body : str
        The HTML of the report.
    info : DocumentInfo
        Unit, year, run, date and data status.

    Returns
    -------
    str
        The document HTML.

    Examples
    --------
    >>> page = finish_document('<html><head></head><body><h1>Evaluasi</h1><h2>Kota, tahun 2024</h2>'
    ...     '<h2 id="1.-A">1. A</h2><table><caption>T</caption></table></body></html>',
    ...     DocumentInfo("Kota Bengkulu", 2024, "r1", "6 Desember 2026", synthetic=True))
    >>> [w in page for w in ("tkpk-cover", "Daftar Isi", "Tabel 1.1", "DATA SINTETIS")]
    [True, True, True, True]
    """
    if _DOC_MARK in body:
        return body
    head_m = re.search(r"</head>", body, re.IGNORECASE)
    head_end = head_m.end() if head_m else 0
    head, rest = body[:head_end], body[head_end:]
    parts = _split_scripts(rest)
    title = "Laporan"
    for i, (part, is_script) in enumerate(parts):
        title_m = None if is_script else _TITLE.search(part)
        if title_m:
            title = _text(title_m.group("t"))
            parts[i] = (part[: title_m.start()] + part[title_m.end():], False)
            break
    rest = "".join(part for part, _s in parts)
    rest, state = number_tables_figures(rest, info.synthetic)
    rest = cite_numbers(rest, state)
    front = cover_html(title, info) + _toc_html(state)
    if info.synthetic:
        front = f'<div class="tkpk-synthetic-bar" role="note">{SYNTHETIC_MARK}</div>' + front
    body_open = re.search(r"<body\b[^>]*>", rest, re.IGNORECASE)
    at = body_open.end() if body_open else 0
    rest = rest[:at] + f'<main class="tkpk-document">{front}' + rest[at:]
    close = max(rest.rfind("</body>"), rest.rfind("</BODY>"))
    rest = (rest[:close] + "</main>" + DOCUMENT_JS + rest[close:]) if close >= 0 else rest + "</main>" + DOCUMENT_JS
    style = _DOC_MARK + DOCUMENT_CSS + page_css(title, info)
    if head:
        head = head[: head_end - len("</head>")] + style + "</head>"
    else:
        rest = style + rest
    return head + rest


def toc_targets(html_text: str) -> list[tuple[str, str]]:
    """The contents entries that need a page number: (target id, text to find on the page).

    Headings are found by their text, tables and figures by their number and the first word of
    their caption ("Tabel 2.1 Indikator": the number alone is also in the text's citations).

    Examples
    --------
    >>> toc_targets('<li><a href="#x"><span class="tkpk-toc-text">1. A</span>'
    ...             '<span class="tkpk-toc-page" data-target="x"></span></a></li>')
    [('x', '1. A')]
    """
    found = re.findall(r'<span class="tkpk-toc-text">(.*?)</span><span class="tkpk-toc-page" '
                       r'data-target="([^"]*)">', html_text)
    out = []
    for text, ident in found:
        text = _html.unescape(text)
        num = re.match(r"(?:Tabel|Gambar) \d+\.\d+(?: \S+)?", text)
        out.append((_html.unescape(ident), num.group(0) if num else text))
    return out


def _squash(text: str) -> str:
    return re.sub(r"[^0-9a-z]", "", text.lower())


def contents_pages(pages: list[str]) -> list[int]:
    r"""Pages (1-based) of the contents: those with "Daftar Isi", "Daftar Tabel" or "Daftar Gambar".

    Examples
    --------
    >>> contents_pages(["Sampul", "Daftar Isi 1. A", "Daftar\nGambar", "1. A"])
    [2, 3]
    """
    squashed = [_squash(p) for p in pages]
    return [i + 1 for i, p in enumerate(squashed) if "daftarisi" in p or "daftartabel" in p or "daftargambar" in p]


def locate_pages(pages: list[str], targets: list[tuple[str, str]], *,
                 contents: Sequence[int] | None = None) -> dict[str, int]:
    """Page (1-based) of each contents entry in the text of a printed PDF.

    The contents pages (``contents``, default :func:`contents_pages`) are skipped: an entry
    is looked for after them, from the page of the entry before it, comparing letters and
    digits only (line breaks and hyphenation do not matter). Contents running on over a page
    without a title must be passed in ``contents``, or their entries are found there.

    Examples
    --------
    >>> locate_pages(["Sampul", "Daftar Isi 1. A 2. B", "1. A", "x 2. B"], [("a", "1. A"), ("b", "2. B")])
    {'a': 3, 'b': 4}
    >>> spill = ["Sampul", "Daftar Isi 1. A Daftar Gambar", "Gambar 1.1 X", "1. A", "Gambar 1.1 X"]
    >>> targets = [("a", "1. A"), ("g", "Gambar 1.1 X")]
    >>> locate_pages(spill, targets), locate_pages(spill, targets, contents=[2, 3])
    ({'a': 4, 'g': 3}, {'a': 4, 'g': 5})
    """
    squashed = [_squash(p) for p in pages]
    toc = list(contents) if contents is not None else contents_pages(pages)
    body = max(toc) if toc else 0
    found: dict[str, int] = {}
    start = {"heading": body, "tabel": body, "gambar": body}  # each kind is in page order
    for ident, text in targets:
        key = _squash(text)
        kind = next((k for k in ("tabel", "gambar") if re.match(k + r"\d", key)), "heading")
        for i in range(start[kind], len(squashed)):
            if key and key in squashed[i]:
                found[ident] = i + 1
                start[kind] = i
                break
    return found


def fill_toc_pages(html_text: str, pages: Mapping[str, int]) -> str:
    """Write page numbers into the contents (the print copy, after a first print).

    Examples
    --------
    >>> fill_toc_pages('<span class="tkpk-toc-page" data-target="x"></span>', {"x": 4})
    '<span class="tkpk-toc-page" data-target="x">4</span>'
    """
    def put(m: re.Match[str]) -> str:
        page = pages.get(_html.unescape(m.group(1)))
        return f'<span class="tkpk-toc-page" data-target="{m.group(1)}">{page or ""}</span>'

    return re.sub(r'<span class="tkpk-toc-page" data-target="([^"]*)">[^<]*</span>', put, html_text)
