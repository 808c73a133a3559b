"""Each report is printed once: the contents' page numbers are written into the printed PDF.

Read back the way a reader meets the PDF (``pdftotext`` page by page): every number in the
contents is the page its heading is on, and the text is the same as the route that prints the
page a second time with the numbers (the route kept for PDFs this cannot edit).
"""

from __future__ import annotations

import re
import shutil

import pytest

import tkpk_lib.batch.pdf as pdf_mod
from tkpk_lib.batch.chromium import ChromiumPrinter
from tkpk_lib.batch.pdf import html_to_pdf, pdf_text
from tkpk_lib.batch.pdftoc import PLACEHOLDER, stamp_toc_numbers, toc_placeholders
from tkpk_lib.reporting.document import DocumentInfo, finish_document

needs_browser = pytest.mark.skipif(
    shutil.which("pdftotext") is None or not any(
        shutil.which(b) for b in ("chromium", "chromium-browser", "google-chrome")),
    reason="needs chromium and pdftotext (apt-get install chromium poppler-utils)")


class CountingPrinter(ChromiumPrinter):
    """A printer that counts its prints."""

    prints = 0

    def print_file(self, *args, **kwargs):
        self.prints += 1
        return super().print_file(*args, **kwargs)


@pytest.fixture(scope="module")
def printer():
    with CountingPrinter() as p:
        yield p


def _document(tmp_path):
    """Four sections of very different lengths, tables and a figure-free body: 7-9 A4 pages."""
    rows = "".join(f"<tr><td>Desa {i}</td><td>{i},5</td></tr>" for i in range(95))
    table = ('<div class="jp-OutputArea-output"><table><caption>Desa {n}</caption><thead><tr><th>Desa</th>'
             f"<th>P0</th></tr></thead><tbody>{rows}</tbody></table></div>")
    body = ['<html><head></head><body><h1>Evaluasi</h1>']
    for k, (title, tables) in enumerate((("Ringkasan", 0), ("Cakupan program", 2), ("Kantong", 1),
                                         ("Pengaduan", 0)), start=1):
        body.append(f'<h2 id="{k}.-{title}">{k}. {title}</h2><p>Teks bagian {k}.</p>')
        body += [f'<h3 id="{k}.{j}-sub">Sub {k}.{j}</h3>' + table.format(n=f"{k}.{j}") for j in range(1, tables + 1)]
    html = tmp_path / "r.html"
    info = DocumentInfo("Kabupaten Kaur", 2024, "r1", "6 Desember 2026", synthetic=False)
    html.write_text(finish_document("".join(body) + "</body></html>", info), encoding="utf-8")
    return html


def _toc_numbers(pages: list[str]) -> dict[str, int]:
    """Contents entries (layout text of page 2) -> the number printed at the end of the line."""
    return {m.group(1).strip(): int(m.group(2))
            for m in re.finditer(r"^\s*(\S.*?)\s{2,}(\d+)\s*$", pages[1], re.M)}


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text)


@needs_browser
def test_one_print_and_every_contents_number_is_the_headings_page(tmp_path, printer):
    html = _document(tmp_path)
    before = printer.prints
    pdf = html_to_pdf(html, tmp_path / "r.pdf", printer=printer)
    assert printer.prints - before == 1  # was 2: a first print to find the pages, then one with them
    pages = [p for p in pdf_text(pdf, layout=True).split("\f") if p.strip()]
    listed = _toc_numbers(pages)
    expected = ["1. Ringkasan", "2. Cakupan program", "Sub 2.1", "Sub 2.2", "3. Kantong", "Sub 3.1",
                "4. Pengaduan", "Tabel 2.1 Desa 2.1", "Tabel 2.2 Desa 2.2", "Tabel 3.1 Desa 3.1"]
    assert list(listed) == expected
    assert PLACEHOLDER not in pdf_text(pdf)
    for entry, page in listed.items():
        key = " ".join(entry.split()[:2]) if entry.startswith("Tabel") else entry
        assert key in _squash(pages[page - 1]), (entry, page)  # on its page ...
        assert all(key not in _squash(p) for p in pages[2:page - 1]), entry  # ... and not before it
    # a long section pushes the later ones several pages on: the numbers really differ
    assert listed["4. Pengaduan"] - listed["1. Ringkasan"] >= 4


@needs_browser
def test_written_numbers_read_as_the_second_print_did(tmp_path, printer, monkeypatch):
    html = _document(tmp_path)
    once = pdf_text(html_to_pdf(html, tmp_path / "once.pdf", printer=printer), layout=True)
    monkeypatch.setattr(pdf_mod, "stamp_toc_numbers", lambda *_a: None)  # the fallback: print again
    before = printer.prints
    twice = pdf_text(html_to_pdf(html, tmp_path / "twice.pdf", printer=printer), layout=True)
    assert printer.prints - before == 2
    assert once == twice  # every page, character for character, in its physical layout
    # the browser run without the DevTools pipe (one-shot --print-to-pdf) gets its numbers too
    monkeypatch.undo()
    shot = pdf_text(html_to_pdf(html, tmp_path / "shot.pdf"), layout=True)
    assert _toc_numbers(shot.split("\f")) == _toc_numbers(once.split("\f"))


@needs_browser
def test_placeholders_left_when_the_numbers_do_not_fit(tmp_path, printer):
    html = _document(tmp_path)
    text, slots = toc_placeholders(html.read_text(encoding="utf-8"))
    assert len(slots) == 10 and text.count(f">{PLACEHOLDER}</span>") == 10
    src = tmp_path / "p.html"
    src.write_text(text, encoding="utf-8")
    data = printer.print_file(src, tmp_path / "p.pdf").read_bytes()
    ok = stamp_toc_numbers(data, [1, 2, 3], ["3"] * 10)
    assert ok is not None and ok.startswith(data)  # an incremental update: the print is kept as it was
    assert stamp_toc_numbers(data, [1, 2, 3], ["3"] * 9) is None  # one placeholder more than numbers
    assert stamp_toc_numbers(data, [1, 2, 3], ["3"] * 11) is None  # one fewer
    assert stamp_toc_numbers(data, [1, 2, 3], ["1234"] + ["3"] * 9) is None  # wider than the slot
    assert stamp_toc_numbers(data[:-200], [1, 2, 3], ["3"] * 10) is None  # not a whole PDF


@needs_browser
def test_demo_contents_numbers_in_every_report(shared_run):
    for unit, folder in shared_run["folders"].items():
        pages = [p for p in pdf_text(folder / "evaluasi_tahunan.pdf", layout=True).split("\f") if p.strip()]
        toc = [i for i, p in enumerate(pages) if re.search(r"Daftar (Isi|Tabel|Gambar)", p)]
        listed = {}
        for i in range(1, max(toc) + 2):
            listed.update(_toc_numbers(["", pages[i]]))
        headings = [k for k in listed if re.match(r"\d+\. ", k)]
        assert len(headings) >= 8, unit
        for entry in headings:
            page = listed[entry]
            assert entry in _squash(pages[page - 1]), (unit, entry, page)
            assert all(entry not in _squash(p) for p in pages[max(toc) + 1:page - 1]), (unit, entry)


@needs_browser
def test_contents_over_several_pages_without_a_title_still_one_print(tmp_path, printer):
    # 4 sections x 35 sub-sections: the contents take three pages, the last two without a title
    body = ['<html><head></head><body><h1>Evaluasi</h1>']
    for k in range(1, 5):
        body.append(f'<h2 id="{k}.-Bagian">{k}. Bagian {k}</h2><p>Teks bagian {k}.</p>')
        body += [f'<h3 id="s{k}-{j}">Uraian {k}.{j} tentang program</h3><p>{"Isi. " * 60}</p>'
                 for j in range(1, 36)]
    html = tmp_path / "long.html"
    info = DocumentInfo("Kabupaten Kaur", 2024, "r1", "6 Desember 2026", synthetic=False)
    html.write_text(finish_document("".join(body) + "</body></html>", info), encoding="utf-8")
    before = printer.prints
    pdf = html_to_pdf(html, tmp_path / "long.pdf", printer=printer)
    assert printer.prints - before == 1  # was 2: the placeholders on the third page were not looked for
    pages = [p for p in pdf_text(pdf, layout=True).split("\f") if p.strip()]
    titled = [i for i, p in enumerate(pages) if "Daftar Isi" in p]
    assert titled == [1] and all(re.search(r"Uraian \d\.\d+ tentang program\s+\d+\s*$", p, re.M) for p in pages[2:4])
    listed = {}
    for page in pages[1:4]:
        listed.update(_toc_numbers(["", page]))
    assert len(listed) == 4 * 36
    for entry, page in listed.items():
        assert entry in _squash(pages[page - 1]), (entry, page)
        assert all(entry not in _squash(p) for p in pages[4:page - 1]), entry
