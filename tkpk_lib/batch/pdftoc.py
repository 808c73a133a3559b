"""Page numbers of the contents written into a printed PDF, so each report is printed once.

The contents (:mod:`tkpk_lib.reporting.document`) need the page of each heading, which only the
printed PDF knows. The report used to be printed twice: once to find the pages (``pdftotext``),
once more with the numbers. Now the print copy carries a placeholder of three zeros in each
contents slot (:func:`toc_placeholders`); the layout does not depend on it (the slot is wider
than three digits), so after the one print the placeholders' glyphs are replaced by the page
numbers in the PDF's content streams (:func:`stamp_toc_numbers`), right-aligned in the same
place, as an incremental update of the file (the original objects, links, outline and tags
are kept). When the PDF is not laid out as expected (another PDF writer, a font whose digits
differ in width or lack a digit), :func:`stamp_toc_numbers` returns ``None`` and
:func:`~tkpk_lib.batch.pdf.html_to_pdf` prints the page a second time with the numbers, as
before.

Chromium (Skia) writes each text fragment as its own ``BT ... ET`` block of ``Tj`` glyph
shows in a classic cross-reference table: that is the only layout this module edits.
"""

from __future__ import annotations

import html as _html
import re
import zlib
from collections.abc import Sequence

PLACEHOLDER = "000"
"""What each printed contents slot holds until its page number is written into the PDF."""

_SLOT = re.compile(r'(<li class="([^"]*)"><a [^>]*><span class="tkpk-toc-text">.*?</span>'
                   r'<span class="tkpk-toc-page" data-target="([^"]*)">)(</span>)')
_BLOCK = re.compile(
    rb"BT\s+/(?P<font>[A-Za-z0-9_.]+)\s+(?P<size>[\d.]+)\s+Tf\s+(?P<tm>1 0 0 -1 [-\d.]+ [-\d.]+ Tm)\s+(?:"
    # glyphs placed one by one (Skia does this when the advances are not the font's own) ...
    rb"<(?P<g1>[0-9A-Fa-f]{4})>\s*Tj\s+(?P<a1>[\d.]+)\s+0\s+Td\s+<(?P<g2>[0-9A-Fa-f]{4})>\s*Tj\s+"
    rb"(?P<a2>[\d.]+)\s+0\s+Td\s+<(?P<g3>[0-9A-Fa-f]{4})>\s*Tj"
    # ... or one string of three glyphs at their own advances
    rb"|<(?P<run>[0-9A-Fa-f]{12})>\s*Tj)\s+ET"
)


def toc_placeholders(html_text: str) -> tuple[str, list[str]]:
    """The print copy with :data:`PLACEHOLDER` in each printed contents slot, and their targets.

    Entries shown only in the HTML (``tkpk-html-only``, not printed) keep an empty slot.

    Parameters
    ----------
    html_text : str
        The print copy of a report (contents slots empty).

    Returns
    -------
    tuple of (str, list of str)
        The text with placeholders, and the target id of each placeholder in document order.

    Examples
    --------
    >>> li = ('<li class="{}"><a href="#{}"><span class="tkpk-toc-text">T</span>'
    ...       '<span class="tkpk-toc-page" data-target="{}"></span></a></li>')
    >>> text, ids = toc_placeholders(li.format("tkpk-toc-l1", "a", "a")
    ...                              + li.format("tkpk-toc-l1 tkpk-html-only", "b", "b"))
    >>> ids, text.count('data-target="a">000</span>'), text.count('data-target="b"></span>')
    (['a'], 1, 1)
    """
    ids: list[str] = []

    def put(m: re.Match[str]) -> str:
        if "tkpk-html-only" in m.group(2).split():
            return m.group(0)
        ids.append(_html.unescape(m.group(3)))
        return m.group(1) + PLACEHOLDER + m.group(4)

    return _SLOT.sub(put, html_text), ids


class _Pdf:
    """The objects of a PDF with one classic cross-reference table (as Skia writes it)."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        m = re.search(rb"startxref\s+(\d+)\s+%%EOF\s*$", data[-64:])
        if not m:
            raise ValueError("no startxref")
        self.startxref = int(m.group(1))
        self.offsets: dict[int, int] = {}
        pos = self.startxref
        if data[pos:pos + 4] != b"xref":
            raise ValueError("not a classic cross-reference table")
        sub = re.compile(rb"\s*(\d+) (\d+)\s*\n")
        pos += 4
        while (m := sub.match(data, pos)) is not None:
            first, count = int(m.group(1)), int(m.group(2))
            pos = m.end()
            for i in range(count):
                entry = data[pos + 20 * i: pos + 20 * i + 18]
                if entry.endswith(b"n"):
                    self.offsets[first + i] = int(entry[:10])
            pos += 20 * count
        trailer = data[pos:data.find(b"startxref", pos)]
        if b"/Prev" in trailer or b"/Root" not in trailer:
            raise ValueError("updated file or no catalogue")
        self.trailer = trailer
        self.size = int(re.search(rb"/Size (\d+)", trailer).group(1))

    def obj(self, num: int) -> bytes:
        start = self.offsets[num]
        head = re.compile(rb"%d 0 obj\s*" % num).match(self.data, start)
        if head is None:
            raise ValueError(f"object {num} not at its offset")
        return self.data[head.end():self.data.index(b"endobj", head.end())]

    def stream(self, num: int) -> bytes:
        body = self.obj(num)
        length = int(re.search(rb"/Length (\d+)", body).group(1))
        start = body.index(b"stream") + 6
        start += 2 if body[start:start + 2] == b"\r\n" else 1
        raw = body[start:start + length]
        return zlib.decompress(raw) if b"/FlateDecode" in body[:start] else raw

    def ref(self, body: bytes, key: bytes) -> int | None:
        m = re.search(rb"/" + key + rb"\s+(\d+) 0 R", body)
        return int(m.group(1)) if m else None

    def pages(self) -> list[int]:
        out: list[int] = []

        def walk(num: int) -> None:
            body = self.obj(num)
            kids = re.search(rb"/Kids\s*\[([^\]]*)\]", body)
            if kids is None:
                out.append(num)
                return
            for kid in re.findall(rb"(\d+) 0 R", kids.group(1)):
                walk(int(kid))

        root = int(re.search(rb"/Root (\d+) 0 R", self.trailer).group(1))
        walk(self.ref(self.obj(root), b"Pages"))
        return out


def _digit_glyphs(pdf: _Pdf, font: int) -> tuple[dict[str, str], float | None] | None:
    """Glyph (4 hex digits) of each digit a Type0 font's subset holds, and their common width.

    The width is in thousandths of the font size, ``None`` when the digits differ in width.
    """
    body = pdf.obj(font)
    cmap_ref, desc = pdf.ref(body, b"ToUnicode"), re.search(rb"/DescendantFonts\s*\[\s*(\d+) 0 R", body)
    if cmap_ref is None or desc is None or b"/Identity-H" not in body:
        return None
    cmap = pdf.stream(cmap_ref).decode("latin-1")
    glyphs: dict[str, str] = {}
    for block in re.findall(r"beginbfchar(.*?)endbfchar", cmap, re.S):
        for gid, uni in re.findall(r"<([0-9A-Fa-f]{4})>\s*<([0-9A-Fa-f]{4})>", block):
            glyphs[chr(int(uni, 16))] = gid.upper()
    for block in re.findall(r"beginbfrange(.*?)endbfrange", cmap, re.S):
        for lo, hi, uni in re.findall(r"<([0-9A-Fa-f]{4})>\s*<([0-9A-Fa-f]{4})>\s*<([0-9A-Fa-f]{4})>", block):
            for k in range(int(hi, 16) - int(lo, 16) + 1):
                glyphs[chr(int(uni, 16) + k)] = f"{int(lo, 16) + k:04X}"
    digits = {d: g for d, g in glyphs.items() if d in "0123456789"}
    widths = _widths(pdf.obj(int(desc.group(1))))
    found = {widths.get(int(g, 16)) for g in digits.values()}
    width = found.pop() if len(found) == 1 else None
    return digits, width


def _widths(cidfont: bytes) -> dict[int, float]:
    """Glyph widths of a CID font's ``/W`` array (``c [w ...]`` and ``c1 c2 w`` forms)."""
    m = re.search(rb"/W\s*\[(.*?)\]\s*(?:/|>>)", cidfont, re.S)
    out: dict[int, float] = {}
    if not m:
        return out
    tokens = re.findall(rb"\[[^\]]*\]|[\d.]+", m.group(1))
    i = 0
    while i + 1 < len(tokens):
        first = int(float(tokens[i]))
        if tokens[i + 1].startswith(b"["):
            for k, w in enumerate(tokens[i + 1][1:-1].split()):
                out[first + k] = float(w)
            i += 2
        elif i + 2 < len(tokens):
            for c in range(first, int(float(tokens[i + 1])) + 1):
                out[c] = float(tokens[i + 2])
            i += 3
        else:
            break
    return out


def _fonts(pdf: _Pdf, page: bytes) -> dict[bytes, int]:
    """Font resource names of a page -> font object numbers."""
    res = re.search(rb"/Resources\s+(\d+) 0 R", page)
    body = pdf.obj(int(res.group(1))) if res else page
    fonts = re.search(rb"/Font\s*<<(.*?)>>", body, re.S)
    return {k: int(v) for k, v in re.findall(rb"/([A-Za-z0-9_.]+)\s+(\d+) 0 R", fonts.group(1))} if fonts else {}


def _fmt(x: float) -> bytes:
    return f"{x:.7g}".encode()


def stamp_toc_numbers(data: bytes, toc_pages: Sequence[int], numbers: Sequence[str]) -> bytes | None:
    """Replace the contents placeholders of a printed PDF by page numbers (an incremental update).

    Parameters
    ----------
    data : bytes
        The PDF printed from :func:`toc_placeholders`' text.
    toc_pages : sequence of int
        The contents pages (1-based), where the placeholders are.
    numbers : sequence of str
        The text for each placeholder in document order: a page number (at most three digits)
        or ``""`` (entry not found).

    Returns
    -------
    bytes or None
        The updated PDF, or ``None`` when the placeholders or fonts are not as expected (the
        caller then prints again with the numbers in the page).

    Examples
    --------
    >>> stamp_toc_numbers(b"%PDF-1.4 not a printed report", [2], ["4"]) is None
    True
    """
    try:
        pdf = _Pdf(data)
        pages = pdf.pages()
        return _stamp(pdf, [pages[i - 1] for i in toc_pages], list(numbers))
    except (ValueError, KeyError, IndexError, AttributeError, TypeError, zlib.error):
        return None


def _stamp(pdf: _Pdf, page_objs: list[int], numbers: list[str]) -> bytes | None:
    todo = iter(numbers)
    new_objs: list[tuple[int, bytes]] = []
    found = 0
    font_cache: dict[int, tuple[dict[str, str], bool] | None] = {}
    for page_num in page_objs:
        page = pdf.obj(page_num)
        contents = pdf.ref(page, b"Contents")
        if contents is None:
            return None
        fonts = _fonts(pdf, page)
        failed = False

        def put(m: re.Match[bytes], fonts: dict[bytes, int] = fonts) -> bytes:
            nonlocal found, failed
            fnum = fonts.get(m.group("font"))
            if fnum is not None and fnum not in font_cache:
                font_cache[fnum] = _digit_glyphs(pdf, fnum)
            info = font_cache.get(fnum) if fnum is not None else None
            zero = info[0].get("0") if info else None
            run = m.group("run") or b"".join(m.group(g) for g in ("g1", "g2", "g3"))
            if zero is None or run.upper() != zero.encode() * 3:
                return m.group(0)  # three glyphs, but not the placeholder
            found += 1
            text = next(todo, None)
            if (text is None or len(text) > 3 or not info[1] or any(d not in info[0] for d in text)
                    or (m.group("a1") and abs(float(m.group("a1")) - float(m.group("a2"))) > 1e-3)):
                failed = True
                return m.group(0)
            return _digits_block(m, text, info[0], info[1])

        stream = pdf.stream(contents)
        stamped = _BLOCK.sub(put, stream)
        if failed:
            return None
        if stamped != stream:
            new_objs.append((contents, stamped))
    if found != len(numbers) or not new_objs:
        return None
    return _append_update(pdf, new_objs)


def _digits_block(m: re.Match[bytes], text: str, glyphs: dict[str, str], width: float) -> bytes:
    """The placeholder's text block showing ``text`` right-aligned where the three zeros ended."""
    out = [b"BT\n/", m.group("font"), b" ", m.group("size"), b" Tf\n", m.group("tm"), b"\n"]
    if m.group("a1"):  # same form as the placeholder: one glyph at a time
        adv = float(m.group("a1"))
        for i, d in enumerate(text):
            shift = adv * (3 - len(text)) if i == 0 else adv
            out += [_fmt(shift), b" 0 Td "] if shift else []
            out += [b"<", glyphs[d].encode(), b"> Tj\n"]
    elif text:  # TJ: a number moves the next glyph left by thousandths of the font size
        shift = [_fmt(-width * (3 - len(text))), b" "] if len(text) < 3 else []
        out += [b"[", *shift, b"<", "".join(glyphs[d] for d in text).encode(), b">] TJ\n"]
    return b"".join(out) + b"ET"


def _append_update(pdf: _Pdf, objs: list[tuple[int, bytes]]) -> bytes:
    """The file with new versions of the given stream objects appended (PDF incremental update)."""
    out = bytearray(pdf.data)
    if not out.endswith(b"\n"):
        out += b"\n"
    entries = []
    for num, content in sorted(objs):
        packed = zlib.compress(content, 6)
        entries.append((num, len(out)))
        out += b"%d 0 obj\n<</Filter /FlateDecode\n/Length %d>> stream\n" % (num, len(packed))
        out += packed + b"\nendstream\nendobj\n"
    xref = len(out)
    out += b"xref\n"
    for num, offset in entries:
        out += b"%d 1\n%010d 00000 n \n" % (num, offset)
    root = re.search(rb"/Root \d+ 0 R", pdf.trailer).group(0)
    info = re.search(rb"/Info \d+ 0 R", pdf.trailer)
    out += b"trailer\n<</Size %d\n%s\n%s/Prev %d>>\nstartxref\n%d\n%%%%EOF\n" % (
        pdf.size, root, (info.group(0) + b"\n") if info else b"", pdf.startxref, xref)
    return bytes(out)
