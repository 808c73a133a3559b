"""The PDF and HTML reports as documents (issue 12): printed pages read back, and the browser.

Everything here reads the files of the shared small demo run (``shared_run``: 1701, the kota
1771, the province 17) the way a reader meets them: the PDF through ``pdftotext`` page by
page, the HTML in headless Chromium with the network off.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pandas as pd
import pytest

from tkpk_lib.batch.pdf import html_to_pdf, pdf_text
from tkpk_lib.reporting.document import SYNTHETIC_MARK, DocumentInfo, document_info, finish_document
from tkpk_lib.reporting.notebook import styled

needs_browser = pytest.mark.skipif(
    shutil.which("pdftotext") is None or not any(
        shutil.which(b) for b in ("chromium", "chromium-browser", "google-chrome")),
    reason="needs chromium and pdftotext (apt-get install chromium poppler-utils)")

UNIT = "Kabupaten Bengkulu Selatan"


def _pages(pdf: Path, layout: bool = False) -> list[str]:
    pages = pdf_text(pdf, layout=layout).split("\f")
    return [p for p in pages if p.strip()]


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text)


@needs_browser
def test_pdf_cover_page(shared_run):
    cover = _squash(_pages(shared_run["folders"]["1701"] / "evaluasi_tahunan.pdf")[0])
    for words in ("Evaluasi Tahunan Penanggulangan Kemiskinan", UNIT, "Tahun 2024",
                  f"Tim Koordinasi Penanggulangan Kemiskinan {UNIT}", "Status data",
                  "data sintetis", "Id run bersama", "Tanggal"):
        assert words in cover, words
    # the cover is a cover: no section of the report starts on it
    assert "1. Ringkasan" not in cover and "Halaman 1 dari" not in cover


@needs_browser
def test_pdf_contents_page_numbers_point_at_the_sections(shared_run):
    pdf = shared_run["folders"]["1701"] / "evaluasi_tahunan.pdf"
    pages = _pages(pdf, layout=True)
    # the contents follow the cover and may run over more than one page (up to the list of figures)
    last = next(i for i in range(1, len(pages)) if "Daftar Gambar" in pages[i])
    toc = "\n".join(pages[1: last + 1])
    assert "Daftar Isi" in pages[1] and "Daftar Tabel" in toc and "Daftar Gambar" in toc
    listed = {m.group(1).strip(): int(m.group(2)) for m in re.finditer(r"^\s*(\S.*?)\s{2,}(\d+)\s*$", toc, re.M)}
    for heading in ("1. Ringkasan", "2. Persentase Penduduk Miskin", "4. Kantong kemiskinan", "Tabel 4.1",
                    "Gambar 2.1"):
        entry = next(k for k in listed if k.startswith(heading))
        page = listed[entry]
        assert page >= last + 2
        if heading.startswith(("Tabel", "Gambar")):  # the number and its caption: the text cites numbers too
            heading = " ".join(entry.split()[:3])
        body = _squash(pages[page - 1])
        assert heading in body, (heading, page)
        # and not already on an earlier page after the contents
        assert all(heading not in _squash(p) for p in pages[last + 1: page - 1]), heading


@needs_browser
def test_no_notebook_machinery_reaches_a_reader(shared_run):
    for unit, folder in shared_run["folders"].items():
        texts = [pdf_text(folder / "evaluasi_tahunan.pdf")]
        texts += [(folder / name).read_text(encoding="utf-8") for name in ("evaluasi_tahunan.html",
                                                                           "lampiran_lp2kd.html")]
        for text in texts:
            assert "Parameter di sel berikut" not in text, unit
            assert "output_dir" not in text, unit
    # the analyst still has it in the executed notebook
    assert "Parameter di sel berikut" in (shared_run["folders"]["1701"] / "evaluasi_tahunan.ipynb").read_text()


@needs_browser
def test_tables_and_figures_numbered_with_caption_and_source(shared_run):
    text = _squash(pdf_text(shared_run["folders"]["1701"] / "evaluasi_tahunan.pdf"))
    assert f"Tabel 2.1 Indikator utama, {UNIT} 2024" in text
    assert "Gambar 2.1 Tren persentase penduduk miskin (P0)" in text
    assert re.search(r"Tabel 4\.1 Kecamatan prioritas", text)
    assert f"Gambar 4.1 P0 kecamatan (SAE), {UNIT}" in text  # a map's caption is its own title
    # numbering restarts in each section and is consecutive
    numbers = re.findall(r"Tabel (\d)\.(\d+) ", text.split("Daftar Gambar")[-1])
    by_section: dict[str, list[int]] = {}
    for sec, k in numbers:
        if int(k) not in by_section.setdefault(sec, []):
            by_section[sec].append(int(k))
    assert all(ks == list(range(1, len(ks) + 1)) for ks in by_section.values()), by_section
    # a source line under each numbered table and figure of the body
    body = text.split("Daftar Gambar")[-1]
    assert body.count("Sumber: data sintetis") >= len(numbers)
    annex = (shared_run["folders"]["1701"] / "lampiran_lp2kd.html").read_text(encoding="utf-8")
    assert "Tabel L.1 Indikator kemiskinan" in annex and "Tabel 1.1" not in annex


@needs_browser
def test_running_header_on_every_page_after_the_cover(shared_run):
    pages = _pages(shared_run["folders"]["17"] / "evaluasi_tahunan.pdf")
    header = "Evaluasi Tahunan Penanggulangan Kemiskinan - Provinsi Bengkulu - 2024"
    assert header not in _squash(pages[0])
    for i, page in enumerate(pages[1:], start=2):
        assert header in _squash(page), i
        assert f"Halaman {i} dari {len(pages)}" in page, i


@needs_browser
def test_synthetic_mark_on_every_pdf_page_and_in_the_html(shared_run):
    for unit, folder in shared_run["folders"].items():
        pages = _pages(folder / "evaluasi_tahunan.pdf")
        assert all(SYNTHETIC_MARK in p for p in pages), unit
        for name in ("evaluasi_tahunan.html", "lampiran_lp2kd.html"):
            assert 'class="tkpk-synthetic-bar"' in (folder / name).read_text(encoding="utf-8"), (unit, name)


def test_real_inputs_carry_no_synthetic_mark(shared_run, tmp_path):
    demo = document_info({"kab_code": "1701", "year": 2024, "data_root": str(shared_run["root"])})
    assert demo.synthetic
    # the same files without the demo marker and README: the user's own data
    own = tmp_path / "data"
    shutil.copytree(shared_run["root"] / "raw" / "boundaries", own / "raw" / "boundaries")
    real = document_info({"kab_code": "1701", "year": 2024, "data_root": str(own)})
    assert not real.synthetic
    page = finish_document('<html><head></head><body><h1>Evaluasi</h1><h2 id="1.-A">1. A</h2>'
                           '<table><caption>T</caption><tr><td>1</td></tr></table></body></html>', real)
    assert "SINTETIS" not in page.upper()
    assert "Sumber: Susenas Maret dan Sakernas Agustus (BPS); diolah TKPK." in page
    assert "data masukan resmi daerah" in page


@needs_browser
def test_real_inputs_pdf_pages_carry_no_mark(tmp_path):
    info = DocumentInfo("Kabupaten Kaur", 2024, "r1", "6 Desember 2026", synthetic=False)
    rows = "".join(f"<tr><td>Desa {i}</td><td>{i},5</td></tr>" for i in range(120))
    body = (f'<html><head></head><body><h1>Evaluasi</h1><h2 id="1.-A">1. A</h2>'
            f'<div class="jp-OutputArea-output"><table><thead><tr><th>Desa</th><th>P0</th></tr></thead>'
            f"<tbody>{rows}</tbody></table></div></body></html>")
    for synthetic in (False, True):
        html = tmp_path / f"r{synthetic}.html"
        html.write_text(finish_document(body, DocumentInfo(**{**info.__dict__, "synthetic": synthetic})))
        pages = _pages(html_to_pdf(html, tmp_path / f"r{synthetic}.pdf"), layout=True)
        assert len(pages) >= 4
        assert all((SYNTHETIC_MARK in p) == synthetic for p in pages)
        assert "Tabel 1.1" in pages[1] and "Tabel 1.1 A 3" in _squash(pages[1])


def test_empty_table_says_why_instead_of_printing_column_names():
    budget = pd.DataFrame(columns=["kab_code", "table", "budget", "realisation", "programme"])
    html = styled(budget, "Pagu dan realisasi menurut strategi")._repr_html_()
    assert "realisation" not in html and "kab_code" not in html and "<th" not in html
    assert "Pagu dan realisasi menurut strategi" in html
    assert "tidak memuat baris program untuk wilayah ini" in html
    # a section table without any column (Kaur's budget tables): the caption says which input
    bare = styled(pd.DataFrame(), "Pagu dan realisasi menurut klaster")._repr_html_()
    assert "Peta program tahun ini tidak memuat baris program" in bare
    own = styled(budget, "Pagu", empty="Kaur belum mengirim peta program.")._repr_html_()
    assert "Kaur belum mengirim peta program." in own


@needs_browser
def test_interactive_html_in_a_browser_offline(shared_run):
    from tkpk_lib.batch.pagecheck import check_page

    html = shared_run["folders"]["1701"] / "evaluasi_tahunan.html"
    script = r"""(async () => {
      const wait = ms => new Promise(r => setTimeout(r, ms));
      const graphs = Array.from(document.querySelectorAll('.plotly-graph-div'));
      const drawn = graphs.map(g => g.querySelectorAll('.main-svg').length > 0);
      const separators = graphs.map(g => g._fullLayout.separators);
      const hover = graphs.map(g => (g.data || []).map(t => Array.isArray(t.text) ? t.text.join('|') : '').join('|'));
      const table = Array.from(document.querySelectorAll('table')).find(
        t => t.caption && t.caption.textContent.includes('Desa prioritas'));
      const rows = () => Array.from(table.tBodies[0].rows).filter(r => r.style.display !== 'none');
      const names = () => rows().map(r => r.cells[2].textContent.trim());
      const before = names();
      const nameHead = Array.from(table.tHead.rows[0].cells).find(c => c.textContent.includes('Nama'));
      nameHead.click();
      const sorted = names();
      const input = table.previousElementSibling;
      input.value = before[2];
      input.dispatchEvent(new Event('input'));
      const filtered = names();
      const h4 = Array.from(document.querySelectorAll('h2')).find(h => h.textContent.startsWith('4.'));
      h4.scrollIntoView();
      window.dispatchEvent(new Event('scroll'));
      await wait(100);
      const current = Array.from(document.querySelectorAll('.tkpk-toc a.tkpk-current')).map(a => a.textContent);
      const nav = getComputedStyle(document.querySelector('.tkpk-toc'));
      return {drawn, separators, hover, before, sorted, filtered, current, navPosition: nav.position,
              navTop: document.querySelector('.tkpk-toc').getBoundingClientRect().top};
    })()"""
    seen = check_page(html, script)
    assert seen.errors == [] and seen.requests == []
    res = seen.result
    assert len(res["drawn"]) >= 2 and all(res["drawn"])  # the trend chart and the map
    assert res["separators"] == [",."] * len(res["drawn"])  # decimal comma in every chart's hover and axes
    assert len(res["drawn"]) >= 3  # trend, kecamatan map, desa map
    desa_text = next(t for t in res["hover"] if "data registri" in t)
    assert "Kecamatan " in desa_text and "Status kantong kemiskinan" in desa_text
    map_text = next(t for t in res["hover"] if "P0 model" in t)
    assert "SK 95%" in map_text and "Keandalan:" in map_text and "Status kantong kemiskinan" in map_text
    assert re.search(r"P0 model: \d+,\d persen", map_text)  # Indonesian decimal comma
    assert res["sorted"] == sorted(res["before"], key=str.lower) and res["sorted"] != res["before"]
    assert res["filtered"] and res["before"][2] in res["filtered"] and len(res["filtered"]) < len(res["before"])
    assert res["navPosition"] == "fixed" and res["navTop"] == 0
    assert res["current"] == ["4. Kantong kemiskinan"]


@needs_browser
def test_one_copy_of_plotly_per_file(shared_run):
    # a warm kernel gives plotly.js only to the first report it runs: every file needs its own copy
    sizes = {}
    for unit, folder in shared_run["folders"].items():
        text = (folder / "evaluasi_tahunan.html").read_text(encoding="utf-8")
        assert text.count('class="plotly-graph-div"') >= 2, unit
        assert len(re.findall(r"plotly\.js v\d", text)) == 1, unit
        sizes[unit] = len(text)
    # the size grows with the content (the province map has all kecamatan), not with each chart
    assert sizes["17"] > sizes["1701"]
    assert max(sizes.values()) - min(sizes.values()) < 1_000_000


@needs_browser
def test_every_html_report_draws_its_charts_offline(shared_run):
    from tkpk_lib.batch.pagecheck import check_page

    for unit, folder in shared_run["folders"].items():
        seen = check_page(folder / "evaluasi_tahunan.html", "Array.from(document.querySelectorAll("
                          "'.plotly-graph-div')).map(g => g.querySelectorAll('.main-svg').length > 0)")
        assert seen.errors == [] and seen.requests == [], unit
        assert len(seen.result) >= 2 and all(seen.result), unit


def test_figure_caption_is_the_figure_title_shown_by_the_notebook():
    page = finish_document(
        '<html><head></head><body><h2 id="4.-K">4. Kantong</h2><h3 id="x">Peta</h3>'
        '<img alt="No description" src="data:image/png;base64,AAAA">'
        '<p class="tkpk-figure-title" hidden="">P0 kecamatan (SAE), Kabupaten Kaur</p>'
        '<img src="data:image/png;base64,BBBB"></body></html>',
        DocumentInfo("Kabupaten Kaur", 2024))
    assert re.search(r'<img alt="P0 kecamatan \(SAE\), Kabupaten Kaur"[^>]*base64,AAAA"', page)
    assert "Gambar 4.1</span> P0 kecamatan (SAE), Kabupaten Kaur" in page
    assert "Gambar 4.2</span> Peta" in page  # no title shown: the sub-heading
    assert 'class="tkpk-figure-title"' not in page


def test_absent_annex_table_says_why(monkeypatch):
    from tkpk_lib.reporting.notebook import show_annex

    shown: list = []
    monkeypatch.setattr("IPython.display.display", lambda *objs, **_kw: shown.extend(objs))
    show_annex({}, "program")  # Kaur: no programme rows in the programme map
    show_annex({"pengaduan": pd.DataFrame(columns=["program", "n"])}, "pengaduan")
    html = [obj._repr_html_() for obj in shown]
    assert len(html) == 2 and all("<th" not in h for h in html)
    assert "tidak memuat baris program untuk wilayah ini" in html[0]
    assert "tidak memuat pengaduan" in html[1]


def test_html_only_section_is_marked_in_the_contents_and_the_next_section_is_not():
    body = ('<html><head></head><body><div class="jp-Cell jp-MarkdownCell"><div class="jp-RenderedMarkdown '
            'celltag_html-only"><h2 id="g">Grafik interaktif</h2></div></div>'
            '<div class="jp-Cell jp-CodeCell celltag_html-only">peta</div>'
            '<div class="jp-Cell jp-MarkdownCell"><div class="jp-RenderedMarkdown"><h2 id="8.-L">8. Lain</h2>'
            '</div></div></body></html>')
    page = finish_document(body, DocumentInfo("Kota Bengkulu", 2024))
    assert '<li class="tkpk-toc-l2 tkpk-html-only"><a href="#g">' in page  # hidden in print
    assert '<li class="tkpk-toc-l2"><a href="#8.-L">' in page
