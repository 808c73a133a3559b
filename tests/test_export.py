"""HTML/PDF export helpers, without papermill (hand-built executed notebooks)."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from tkpk_lib.errors import ReportError
from tkpk_lib.export import (
    external_references,
    find_browser,
    html_to_pdf,
    notebook_to_html,
    pdf_text,
)

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
    import subprocess

    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
    assert "(A4)" in info
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.html", "r.ipynb", "r.pdf"]


def test_html_to_pdf_errors(tmp_path, monkeypatch):
    html = tmp_path / "a.html"
    html.write_text("<html><head></head><body>x</body></html>", encoding="utf-8")
    import tkpk_lib.export as export

    monkeypatch.setattr(export, "find_browser", lambda: None)
    with pytest.raises(ReportError, match="apt-get install chromium"):
        html_to_pdf(html, tmp_path / "a.pdf")
    with pytest.raises(ReportError, match="cannot start browser"):
        html_to_pdf(html, tmp_path / "a.pdf", browser=str(tmp_path / "no-such-browser"))
    assert not (tmp_path / "a.pdf").exists()


def test_find_browser_env_override(monkeypatch):
    monkeypatch.setenv("TKPK_BROWSER", "/opt/edge/msedge")
    assert find_browser() == "/opt/edge/msedge"
