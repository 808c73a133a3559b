"""HTML/PDF export helpers, without papermill (hand-built executed notebooks)."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from tkpk_lib.batch.export import (
    ChromiumPrinter,
    external_references,
    find_browser,
    html_to_pdf,
    notebook_to_html,
    pdf_text,
    pipe_supported,
    printable_html,
    shared_printer,
    strip_plotly,
)
from tkpk_lib.errors import ReportError

HAVE_BROWSER = find_browser() is not None


def executed_notebook(path: Path, rows: int = 3) -> Path:
    """A notebook as papermill leaves it: code with outputs, markdown, a long table."""
    nb = nbformat.v4.new_notebook()
    md = nbformat.v4.new_markdown_cell("# Laporan uji\n\nTeks $x^2$ tanpa MathJax dari CDN.")
    code = nbformat.v4.new_code_cell("secret_code_marker = 1\nprint('Jumlah: 123,457')")
    code.outputs = [nbformat.v4.new_output("stream", name="stdout", text="Jumlah: 123,457\n")]
    body = "".join(f"<tr><td>Desa {i}</td><td>{i * 11}</td></tr>" for i in range(rows))
    table = nbformat.v4.new_code_cell("table")
    table.outputs = [nbformat.v4.new_output(
        "display_data", data={"text/html": f"<table><tr><th>desa</th><th>n</th></tr>{body}</table>",
                              "text/plain": "table"})]
    nb.cells = [md, code, table]
    nbformat.write(nb, path)
    return path


def test_external_references_detects_fetching_tags_only():
    html = (
        '<link rel="stylesheet" href="https://cdn.x/a.css">'
        '<script src="//cdn.x/b.js"></script>'
        "<script type=\"module\">const m = await import('https://cdn.x/m.mjs');</script>"
        "<script>var doc = 'https://plotly.com/';</script>"
        '<a href="https://bps.go.id">BPS</a><link rel="icon" href="data:,">'
    )
    found = external_references(html)
    assert len(found) == 3
    assert all("plotly.com" not in f and "bps.go.id" not in f for f in found)


def test_notebook_to_html_offline_hidden_code_footer(tmp_path):
    nb = executed_notebook(tmp_path / "r.ipynb")
    out = notebook_to_html(nb, tmp_path / "out" / "r.html", footer="Run r1 | Data: 2024 <x> | tkpk_lib 0.1")
    html = out.read_text(encoding="utf-8")
    assert external_references(html) == []
    assert "cdnjs" not in html  # require.js, MathJax, mermaid removed
    assert "secret_code_marker" not in html  # code hidden
    assert "Jumlah: 123,457" in html  # outputs kept
    assert "Run r1 | Data: 2024 &lt;x&gt; | tkpk_lib 0.1" in html  # footer, escaped
    assert "size: A4" in html and "counter(page)" in html
    assert [p.name for p in out.parent.iterdir()] == ["r.html"]  # temp file moved into place
    shown = notebook_to_html(nb, tmp_path / "code.html", hide_code=False).read_text(encoding="utf-8")
    assert "secret_code_marker" in shown


def test_notebook_to_html_bad_input(tmp_path):
    bad = tmp_path / "bad.ipynb"
    bad.write_text("not json", encoding="utf-8")
    with pytest.raises(ReportError, match="bad.ipynb"):
        notebook_to_html(bad, tmp_path / "bad.html")


@pytest.mark.slow
def test_html_to_pdf_a4_page_numbers(tmp_path):
    if not HAVE_BROWSER:
        pytest.skip("no Chromium/Chrome/Edge found (apt-get install chromium): PDF export not tested")
    nb = executed_notebook(tmp_path / "r.ipynb", rows=120)  # long table: several pages
    html = notebook_to_html(nb, tmp_path / "r.html", footer="Run r1")
    pdf = html_to_pdf(html, tmp_path / "r.pdf")
    text = pdf_text(pdf)
    pages = text.count("\f")
    assert pages >= 2
    assert "Jumlah: 123,457" in text and "Desa 119" in text
    assert f"Halaman 1 dari {pages}" in text and f"Halaman {pages} dari {pages}" in text
    assert "file://" not in text  # Chromium's own header/footer is off
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
    assert "(A4)" in info
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.html", "r.ipynb", "r.pdf"]


def test_html_to_pdf_errors(tmp_path, monkeypatch):
    html = tmp_path / "a.html"
    html.write_text("<html><head></head><body>x</body></html>", encoding="utf-8")
    import tkpk_lib.batch.pdf as export  # html_to_pdf looks the browser up there

    monkeypatch.setattr(export, "find_browser", lambda: None)
    with pytest.raises(ReportError, match="apt-get install chromium"):
        html_to_pdf(html, tmp_path / "a.pdf")
    with pytest.raises(ReportError, match="cannot start browser"):
        html_to_pdf(html, tmp_path / "a.pdf", browser=str(tmp_path / "no-such-browser"))
    assert not (tmp_path / "a.pdf").exists()


def test_find_browser_env_override(monkeypatch):
    monkeypatch.setenv("TKPK_BROWSER", "/opt/edge/msedge")
    assert find_browser() == "/opt/edge/msedge"


# -- print copy without plotly ----------------------------------------------------------------

NOTE = "Grafik interaktif tersedia pada versi HTML laporan ini."
PLOTLY_SCRIPT = re.compile(r"<script\b[^>]*>(?:(?!</script)[\s\S])*plotly", re.IGNORECASE)


def plotly_outputs(n_figures: int = 1) -> list:
    """Cell outputs exactly as plotly's ``plotly_mimetype+notebook`` renderer leaves them."""
    plotly = pytest.importorskip("plotly")
    from plotly.io import _base_renderers as renderers
    from plotly.offline import get_plotlyjs

    assert plotly.__version__
    init = nbformat.v4.new_output(
        "display_data",
        data={"text/html": f"<script>\nwindow.PlotlyConfig = {{MathJaxConfig: 'local'}};\n</script>\n"
                           f"<script>{get_plotlyjs()}</script>"},
    )
    outputs = [init]
    for k in range(n_figures):
        fig = {"data": [{"type": "scatter", "x": [2022, 2023, 2024], "y": [14.1, 13.2, 12.5 + k]}],
               "layout": {"title": {"text": f"Tren P0 {k}"}, "height": 360}}
        html = renderers.NotebookRenderer().to_mimebundle(fig)["text/html"]
        outputs.append(nbformat.v4.new_output(
            "display_data", data={"text/html": html, "application/vnd.plotly.v1+json": fig}))
    return outputs


def notebook_with_plotly(path: Path, rows: int = 3, n_figures: int = 1) -> Path:
    nb_path = executed_notebook(path, rows=rows)
    nb = nbformat.read(nb_path, as_version=4)
    chart = nbformat.v4.new_code_cell("R.trend_plotly(cache, kab_code, 'p0')")
    chart.outputs = plotly_outputs(n_figures)
    nb.cells.append(chart)
    nb.cells.append(nbformat.v4.new_markdown_cell("Sumber: BPS, diolah TKPK."))
    nbformat.write(nb, nb_path)
    return nb_path


@pytest.fixture(scope="module")
def plotly_html(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("plotly")
    nb = notebook_with_plotly(folder / "evaluasi.ipynb", rows=120, n_figures=2)
    return notebook_to_html(nb, folder / "evaluasi.html", footer="Run r1")


def test_print_copy_drops_plotly_keeps_tables(plotly_html):
    html = plotly_html.read_text(encoding="utf-8")
    assert len(html) > 3_000_000 and html.count('class="plotly-graph-div"') == 2  # plotly.js inlined
    copy = printable_html(html)
    assert PLOTLY_SCRIPT.search(copy) is None  # library, config and Plotly.newPlot calls gone
    assert "plotly-graph-div\"" not in copy and "Plotly.newPlot" not in copy
    assert copy.count(NOTE) == 2  # one note per chart
    assert len(copy) < 400_000
    # everything else intact: the 121 table rows, outputs, markdown, footer, print stylesheet
    assert copy.count("<tr>") == html.count("<tr>") == 121
    assert copy.count("<td>") == html.count("<td>") == 240
    for kept in ("Desa 119</td><td>1309", "Jumlah: 123,457", "Sumber: BPS, diolah TKPK.", "Run r1",
                 "counter(pages)"):
        assert kept in copy
    # the note sits where the chart was: after the table, before the closing markdown
    assert copy.index("Desa 119") < copy.index(NOTE) < copy.index("Sumber: BPS")
    assert plotly_html.read_text(encoding="utf-8") == html  # the HTML report is unchanged


def test_strip_plotly_variants():
    pytest.importorskip("plotly")
    import plotly.io as pio

    fig = {"data": [{"type": "bar", "x": ["a"], "y": [1]}], "layout": {}}
    # Figure.to_html(full_html=False) with its own copy of plotly.js, then one without
    own = pio.to_html(fig, full_html=False, include_plotlyjs=True)
    bare = pio.to_html(fig, full_html=False, include_plotlyjs=False)
    page = f"<p>awal</p>{own}<table><tr><td>7</td></tr></table>{bare}<p>akhir</p>"
    out = strip_plotly(page, note="Lihat HTML")
    assert out == ('<p>awal</p><p class="tkpk-chart-note"><em>Lihat HTML</em></p>'
                   '<table><tr><td>7</td></tr></table>'
                   '<p class="tkpk-chart-note"><em>Lihat HTML</em></p><p>akhir</p>')
    # a bare figure div (no wrapper) and unrelated scripts
    page = ('<div class="x"><div class="plotly-graph-div" id="g"></div><p>teks</p></div>'
            "<script>var a = 1;</script><script>Plotly.newPlot('g', [])</script>")
    assert strip_plotly(page, note="N") == (
        '<div class="x"><p class="tkpk-chart-note"><em>N</em></p><p>teks</p></div>'
        "<script>var a = 1;</script>"
    )
    assert strip_plotly("<p>tanpa grafik</p>") == "<p>tanpa grafik</p>"


# -- persistent printer -----------------------------------------------------------------------

_no_printer = pytest.mark.skipif(
    not (HAVE_BROWSER and pipe_supported()),
    reason="no Chromium/Chrome found (apt-get install chromium) or no DevTools pipe (Windows)",
)


def needs_printer(test):
    """Skip without a browser or DevTools pipe; these tests start a real browser (slow)."""
    return pytest.mark.slow(_no_printer(test))


@pytest.fixture(scope="module")
def printer():
    with ChromiumPrinter() as p:
        yield p


def pdf_pages(pdf: Path) -> tuple[str, int]:
    text = pdf_text(pdf)
    return text, text.count("\f")


@needs_printer
def test_printer_prints_report_and_reuses_browser(printer, plotly_html, tmp_path):
    first = html_to_pdf(plotly_html, tmp_path / "a" / "evaluasi.pdf", printer=printer)
    pid = printer.pid
    assert pid is not None
    text, pages = pdf_pages(first)
    assert pages >= 2
    assert "Desa 119" in text and "1309" in text and "Jumlah: 123,457" in text
    assert f"Halaman 1 dari {pages}" in text and f"Halaman {pages} dari {pages}" in text
    assert text.count(NOTE) == 2 and "Tren P0" not in text
    assert "file://" not in text  # no browser header/footer
    info = subprocess.run(["pdfinfo", str(first)], capture_output=True, text=True).stdout
    assert "(A4)" in info
    second = html_to_pdf(plotly_html, tmp_path / "b.pdf", printer=printer)
    assert printer.pid == pid  # same browser process
    assert pdf_pages(second)[1] == pages
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["a", "b.pdf", "evaluasi.pdf"]  # no temp files


@needs_printer
def test_printer_restarts_a_killed_browser_and_closes(tmp_path):
    html = tmp_path / "r.html"
    html.write_text("<html><head></head><body><p>Jumlah: 123,457</p></body></html>", encoding="utf-8")
    with ChromiumPrinter() as own:
        own.start(wait=False)  # in the background; the print waits for it
        html_to_pdf(html, tmp_path / "1.pdf", printer=own)
        pid = own.pid
        assert own.launches == 1
        profile = Path(own._profile)
        os.killpg(pid, signal.SIGKILL)
        html_to_pdf(html, tmp_path / "2.pdf", printer=own)
        assert own.pid not in (None, pid) and own.launches == 2
        assert "Jumlah: 123,457" in pdf_text(tmp_path / "2.pdf")
        new_pid = own.pid
    with pytest.raises(ProcessLookupError):  # closed: browser reaped, profile removed
        os.kill(new_pid, 0)
    assert not profile.exists() and own.pid is None


@needs_printer
def test_printer_budget_and_timeout(printer, tmp_path):
    # a page whose chart never finishes drawing: the wait stops at budget_ms ...
    slow = tmp_path / "lambat.html"
    slow.write_text('<html><head><script>window.Plotly = {};</script></head><body><p>Isi 42</p>'
                    '<div class="plotly-graph-div"></div></body></html>', encoding="utf-8")
    out = html_to_pdf(slow, tmp_path / "ok.pdf", printer=printer, budget_ms=200, static_charts=False)
    assert "Isi 42" in pdf_text(out)
    # ... and the whole print at timeout: the browser is killed, the error names the file
    with pytest.raises(ReportError, match=r"lambat\.html: browser did not finish printing in 1 s"):
        html_to_pdf(slow, tmp_path / "late.pdf", printer=printer, timeout=1, static_charts=False)
    assert printer.pid is None and not (tmp_path / "late.pdf").exists()


@needs_printer
def test_printer_missing_browser_and_page_errors(tmp_path):
    html = tmp_path / "a.html"
    html.write_text("<html><head></head><body>x</body></html>", encoding="utf-8")
    with pytest.raises(ReportError, match="cannot start browser"):
        html_to_pdf(html, tmp_path / "a.pdf", printer=ChromiumPrinter(str(tmp_path / "no-browser")))
    with pytest.raises(ReportError, match="missing.html: cannot read"):
        html_to_pdf(tmp_path / "missing.html", tmp_path / "m.pdf", printer=ChromiumPrinter())
    assert not (tmp_path / "a.pdf").exists()


def test_reuse_falls_back_to_one_shot_without_pipe(tmp_path, monkeypatch):
    import tkpk_lib.batch.pdf as export  # shared_printer and html_to_pdf live there

    html = tmp_path / "a.html"
    html.write_text("<html><head></head><body>x</body></html>", encoding="utf-8")
    calls = []

    def fake_run(args, **kwargs):
        calls.append(args)
        out = next(a for a in args if a.startswith("--print-to-pdf=")).split("=", 1)[1]
        Path(out).write_bytes(b"%PDF-1.4 fake")
        return subprocess.CompletedProcess(args, 0, "", "")

    monkeypatch.setattr(export, "pipe_supported", lambda: False)
    monkeypatch.setattr(export.subprocess, "run", fake_run)
    assert export.shared_printer("/usr/bin/chromium") is None
    out = html_to_pdf(html, tmp_path / "a.pdf", browser="/usr/bin/chromium", reuse=True)
    assert out.read_bytes() == b"%PDF-1.4 fake" and len(calls) == 1
    assert "--remote-debugging-pipe" not in calls[0]


def test_shared_printer_is_one_per_process():
    if not (HAVE_BROWSER and pipe_supported()):
        assert shared_printer() is None
        return
    first = shared_printer()
    assert isinstance(first, ChromiumPrinter) and shared_printer() is first
    assert first.pid is None or first.alive()  # created lazily: no browser until the first print


def exited(pid: int) -> bool:
    """Process gone, or a zombie waiting for init to reap it (it was orphaned)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] == "Z"


@needs_printer
def test_browser_dies_with_its_process(tmp_path):
    """No orphan browser when a report worker is killed: its DevTools pipe closes."""
    script = (
        "import os, signal\n"
        "from tkpk_lib.batch.export import ChromiumPrinter\n"
        "p = ChromiumPrinter()\n"
        "p.start()\n"
        "print(p.pid, p._profile, flush=True)\n"
        "os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    root = Path(__file__).resolve().parents[1]
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=root,
                          timeout=120)
    assert proc.returncode == -signal.SIGKILL
    pid, profile = proc.stdout.split()
    pid = int(pid)
    for _ in range(100):  # the browser notices the closed pipe and exits
        if exited(pid):
            break
        time.sleep(0.05)
    else:
        os.killpg(pid, signal.SIGKILL)
        pytest.fail(f"browser {pid} outlived its killed parent")
    try:  # helpers still shutting down must not recreate the folder removed below
        os.killpg(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    shutil.rmtree(profile, ignore_errors=True)  # a killed process cannot remove it itself


@needs_printer
def test_heading_stays_with_the_figure_it_introduces(printer, tmp_path):
    """A heading (and a note output) at the foot of a page moves to the page of its figure."""
    import base64
    import io

    from matplotlib.figure import Figure

    fig = Figure(figsize=(6, 6))
    fig.subplots().plot([0, 1], [0, 1])
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=80)
    png = base64.b64encode(buf.getvalue()).decode()
    nb = nbformat.v4.new_notebook()
    filler = nbformat.v4.new_code_cell("display(tabel)")  # a table output fills most of page 1
    rows = "".join(f"<tr><td>Baris pengisi nomor {i}</td><td>{i}</td></tr>" for i in range(34))
    filler.outputs = [nbformat.v4.new_output("display_data", data={"text/html": f"<table>{rows}</table>",
                                                                   "text/plain": "tabel"})]
    head = nbformat.v4.new_markdown_cell("## Judul bagian uji")
    code = nbformat.v4.new_code_cell("R.show(fig)")
    code.outputs = [
        nbformat.v4.new_output("display_data", data={"text/markdown": "Catatan gambar uji.",
                                                     "text/plain": "Markdown"}),
        nbformat.v4.new_output("display_data", data={"image/png": png, "text/plain": "Figure"}),
    ]
    nb.cells = [filler, head, code]
    nbformat.write(nb, tmp_path / "o.ipynb")
    html = notebook_to_html(tmp_path / "o.ipynb", tmp_path / "o.html")
    pages = pdf_text(html_to_pdf(html, tmp_path / "o.pdf", printer=printer)).split("\f")
    assert "Baris pengisi nomor 33" in pages[0]
    assert "Judul bagian uji" not in pages[0] and "Catatan gambar uji" not in pages[0]
    assert "Judul bagian uji" in pages[1] and "Catatan gambar uji" in pages[1]


@needs_printer
def test_wide_table_is_scaled_to_the_page(printer, tmp_path):
    """A table wider than the A4 column is shrunk to fit instead of being cut at the right edge."""
    cols = [f"Kolom_program_{j:02d}" for j in range(16)]
    head = "".join(f"<th>{c}</th>" for c in cols)
    rows = "".join("<tr>" + "".join(f"<td>{1701051010 + i}</td>" for _ in cols) + "</tr>" for i in range(5))
    page = f"<html><head></head><body><div class='jp-RenderedHTMLCommon'><table><tr>{head}</tr>{rows}</table></div></body></html>"
    (tmp_path / "w.html").write_text(page, encoding="utf-8")
    text = pdf_text(html_to_pdf(tmp_path / "w.html", tmp_path / "w.pdf", printer=printer))
    assert "Kolom_program_00" in text and "Kolom_program_15" in text
    assert "size: A4" in printable_html(page) and "tkpk-fit-tables" in printable_html(page)
