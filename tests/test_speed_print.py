"""Print polish: no page of a printed report ends with a heading (its table or figure on the next)."""

from __future__ import annotations

import base64
import html as _html
import re
import shutil
import struct
import subprocess
import zlib

import nbformat
import pytest

from tkpk_lib.batch.html import notebook_to_html
from tkpk_lib.batch.pdf import html_to_pdf, pdf_text

needs_browser = pytest.mark.skipif(
    shutil.which("pdftotext") is None or not any(
        shutil.which(b) for b in ("chromium", "chromium-browser", "google-chrome")),
    reason="needs chromium and pdftotext (apt-get install chromium poppler-utils)")


def _png(width: int, height: int) -> str:
    """A grey PNG of the given size (a chart stand-in), base64."""
    raw = b"".join(b"\x00" + b"\xb0" * width for _ in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    png = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
           + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))
    return base64.b64encode(png).decode()


def _report(tmp_path):
    """Sections as the report notebooks make them: a table closed by a markdown note, then a
    sub-heading cell and a chart cell; table lengths vary so that headings fall at every height."""
    nb = nbformat.v4.new_notebook()
    chart = _png(700, 420)
    for k, rows in enumerate((56, 36, 38, 49, 32, 58, 21, 14), start=1):  # headings 4 and 6 fell at a foot
        body = "".join(f"<tr><td>Desa {k}.{i}</td><td>{i},5</td></tr>" for i in range(rows))
        table = nbformat.v4.new_code_cell("show(table)")
        table.outputs = [
            nbformat.v4.new_output("display_data", data={
                "text/html": f"<table><caption>Tabel {k}</caption><thead><tr><th>Desa</th><th>P0</th></tr></thead>"
                             f'<tbody>{body}</tbody></table><p class="tkpk-source">Sumber: data uji.</p>',
                "text/plain": "table"}),
            nbformat.v4.new_output("display_data", data={"text/markdown": "Catatan: * RSE 25-50%.",
                                                         "text/plain": "note"}),
        ]
        fig = nbformat.v4.new_code_cell("show(fig)")
        fig.outputs = [nbformat.v4.new_output("display_data", data={"image/png": chart, "text/plain": "fig"}),
                       nbformat.v4.new_output("display_data", data={  # text under the chart, as the reports have
                           "text/markdown": f"Sumber: grafik {k}.", "text/plain": "source"})]
        nb.cells += [table, nbformat.v4.new_markdown_cell(f"### Grafik bagian {k} tentang kemiskinan"), fig]
    path = tmp_path / "laporan.ipynb"
    nbformat.write(nb, path)
    return notebook_to_html(path, tmp_path / "laporan.html", document=False)


def page_ending_headings(pdf, headings: list[str], room: float = 150.0) -> list[tuple[int, str]]:
    """(page, heading) for each page whose last line of text is a heading with less than ``room``
    points below it to the paper's edge (the bottom margin is 45 pt: too little for the chart or
    table it introduces, which then starts the next page). Read with ``pdftotext -bbox-layout``."""
    xml = subprocess.run(["pdftotext", "-bbox-layout", str(pdf), "-"], capture_output=True, text=True,
                         check=True).stdout
    out = []
    for n, page in enumerate(re.findall(r"<page (.*?)</page>", xml, re.S), start=1):
        height = float(re.search(r'height="([\d.]+)"', page).group(1))
        lines = []
        for attrs, words in re.findall(r"<line ([^>]*)>(.*?)</line>", page, re.S):
            text = " ".join(_html.unescape(w) for w in re.findall(r"<word [^>]*>(.*?)</word>", words))
            if not text.startswith("Halaman "):
                lines.append((float(re.search(r'yMax="([\d.]+)"', attrs).group(1)), text))
        if lines:
            bottom, text = max(lines)
            if text in headings and height - bottom < room:
                out.append((n, text))
    return out


@needs_browser
def test_no_page_ends_with_a_heading(tmp_path):
    html = _report(tmp_path)
    pdf = html_to_pdf(html, tmp_path / "laporan.pdf")
    headings = [f"Grafik bagian {k} tentang kemiskinan" for k in range(1, 9)]
    text = re.sub(r"\s+", " ", pdf_text(pdf))
    assert all(h in text for h in headings)
    assert page_ending_headings(pdf, headings) == []  # was [(6, 'Grafik bagian 4 ...'), (9, 'Grafik bagian 6 ...')]


@needs_browser
def test_no_page_of_the_demo_reports_ends_with_a_heading(shared_run):
    for unit, folder in shared_run["folders"].items():
        page = (folder / "evaluasi_tahunan.html").read_text(encoding="utf-8")
        body = page[page.find("</nav>"):]
        headings = [re.sub(r"\s+", " ", _html.unescape(re.sub(r"<[^>]+>", "", h).replace("¶", ""))).strip()
                    for h in re.findall(r"<h[234][^>]*>(.*?)</h[234]>", body, re.S)]
        assert len(headings) > 10, unit
        assert page_ending_headings(folder / "evaluasi_tahunan.pdf", headings) == [], unit
