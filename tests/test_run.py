"""Report runs end to end on tests/data/_smoke.ipynb: execution, failure path, dask path,
manifest, validation before execution, privacy guard."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from tkpk_lib.batch.export import external_references, find_browser, pdf_text
from tkpk_lib.batch.manifest import read_manifest, sha256_file
from tkpk_lib.batch.run import format_summary, run_reports, unit_slug
from tkpk_lib.errors import ReportError
from tkpk_lib.privacy import is_nik_like, load_key, pseudonymise, scan_artifacts, scan_text

ROOT = Path(__file__).resolve().parents[1]
SMOKE = ROOT / "tests" / "data" / "_smoke.ipynb"
HAVE_BROWSER = find_browser() is not None


def smoke_total(code: str, year: int = 2024) -> int:
    """The total the smoke notebook prints, computed independently of the notebook."""
    base = int(code) % 97 + (year - 2000)
    return sum(1000 * base + 37 * i for i in range(1, 6))


def table_html(ipynb: Path) -> str:
    """text/html of the pandas table output (the cell showing ``table``)."""
    nb = nbformat.read(ipynb, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code" and cell.source.rstrip().endswith("table"):
            return "".join(o["data"]["text/html"] for o in cell.outputs if "data" in o and "text/html" in o["data"])
    raise AssertionError("table cell not found")


@pytest.fixture(scope="module")
def data_root(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("data")
    (root / "raw" / "susenas" / "2024").mkdir(parents=True)
    (root / "raw" / "susenas" / "2024" / "kor.csv").write_text("kab_code,n\n1701,5\n", encoding="utf-8")
    (root / "regions.csv").write_text("code,name\n1701,Bengkulu Selatan\n", encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def smoke_run(tmp_path_factory, data_root):
    """One run, four units: one fails on purpose, one prints a (fictitious) NIK."""
    out = tmp_path_factory.mktemp("reports")
    formats = ("html", "pdf") if HAVE_BROWSER else ("html",)
    res = run_reports(
        [SMOKE], ["1701", "1705", "1771", "17"], 2024, run_id="uji-run", out_root=out, jobs=2,
        formats=formats, progress=False,
        kab_params={"1705": {"fail": True}, "1771": {"plant_nik": True}},
        data_root=data_root, params={},
    )
    return res


@pytest.mark.slow
def test_outputs_layout_and_html(smoke_run):
    run_dir = smoke_run.run_dir
    for code in ("1701", "17"):
        folder = run_dir / unit_slug(code)
        assert (folder / "_smoke.ipynb").is_file()
        html = (folder / "_smoke.html").read_text(encoding="utf-8")
        assert external_references(html) == []
        assert "https://cdnjs" not in html and "cdn.plot.ly/plotly-" not in html
        assert html.count("plotly.js v") == 1  # plotly.js inlined exactly once
        assert "Plotly.newPlot" in html and 'class="plotly-graph-div"' in html
        assert f"{smoke_total(code):,}" in html  # the total line the notebook prints
        assert "Run uji-run" in html and "tkpk_lib" in html  # footer
        assert "pio.renderers.default" not in html and "raise RuntimeError" not in html  # code hidden
        # no leftovers of the atomic writes
        assert not [p for p in folder.iterdir() if p.name.startswith(".")]
        # the table file the notebook wrote is listed with the outputs (and was scanned)
        table = pd.read_csv(folder / f"tabel_{code}.csv")
        assert int(table["penduduk_miskin"].sum()) == smoke_total(code)
        row = smoke_run.summary.set_index("kab_code").loc[code]
        assert f"tabel_{code}.csv" in row["outputs"]
        assert ("_smoke.pdf" in row["outputs"]) == HAVE_BROWSER
    assert (run_dir / "17_provinsi_bengkulu").is_dir()


@pytest.mark.slow
def test_pdf_has_number_and_page_numbers(smoke_run):
    if not HAVE_BROWSER:
        pytest.skip("no Chromium/Chrome/Edge found (apt-get install chromium): PDF export not tested")
    pdf = smoke_run.run_dir / unit_slug("1701") / "_smoke.pdf"
    text = pdf_text(pdf)
    assert f"{smoke_total('1701'):,}" in text
    # interactive plotly charts are HTML-only: the print copy shows a note instead
    assert "Grafik interaktif tersedia pada versi HTML laporan ini." in text
    assert "Grafik uji plotly" not in text
    # the cover (page 1) carries no page number; every page after it does
    pages = text.split("\f")[:-1]
    assert "Halaman 1 dari" not in pages[0]
    assert all(f"Halaman {i} dari {len(pages)}" in p for i, p in enumerate(pages[1:], start=2))
    assert len(pages) >= 2


@pytest.mark.slow
def test_failure_path(smoke_run):
    s = smoke_run.summary.set_index("kab_code")
    assert not smoke_run.ok
    assert s.loc["1701", "status"] == "ok" and s.loc["17", "status"] == "ok"
    assert s.loc["1705", "status"] == "failed"
    assert "RuntimeError: kegagalan uji yang disengaja untuk 1705" in s.loc["1705", "error"]
    folder = smoke_run.run_dir / unit_slug("1705")
    assert (folder / "_smoke.failed.ipynb").is_file()
    assert not (folder / "_smoke.ipynb").exists() and not (folder / "_smoke.html").exists()
    nb = nbformat.read(folder / "_smoke.failed.ipynb", as_version=4)
    assert any(o.get("ename") == "RuntimeError" for c in nb.cells if c.cell_type == "code" for o in c.outputs)
    text = format_summary(smoke_run.summary)
    assert "failed" in text and "4 job(s): 2 ok, 0 partial, 2 failed" in text


@pytest.mark.slow
def test_privacy_guard_blocks_report(smoke_run):
    row = smoke_run.summary.set_index("kab_code").loc["1771"]
    assert row["status"] == "blocked"
    assert "nik 1771************" in row["error"] and "1771014507900001" not in row["error"]
    folder = smoke_run.run_dir / unit_slug("1771")
    assert sorted(p.name for p in folder.iterdir()) == ["_smoke.failed.ipynb"]  # no HTML/PDF left
    # the notebook kept for diagnosis has the NIK masked, the rest of the output intact
    kept = (folder / "_smoke.failed.ipynb").read_text(encoding="utf-8")
    assert "1771014507900001" not in kept and "NIK fiktif: 1771************" in kept
    jobs = {j["kab_code"]: j for j in read_manifest(smoke_run.run_dir)["jobs"]}
    assert jobs["1771"]["redacted"] == 1 and jobs["1701"]["redacted"] == 0


@pytest.mark.slow
def test_no_personal_data_anywhere_in_the_run(smoke_run):
    """Every artefact of the run, failed and blocked units and the manifest included, is clean."""
    found = scan_artifacts([smoke_run.run_dir])
    assert found.empty, found.to_string()


def test_redact_notebook(tmp_path):
    from tkpk_lib.privacy import redact_notebook, redact_text

    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("x = 1")
    cell.outputs = [
        nbformat.v4.new_output("stream", text="NIK 1703016601920003 Rahmat  Hidayat\n"),
        nbformat.v4.new_output("error", ename="KeyError", evalue="'RAHMAT HIDAYAT'",
                               traceback=["KeyError: 'rahmat hidayat' 1703016601920003"]),
        nbformat.v4.new_output("display_data", data={"image/png": "1703016601920003Rahmat Hidayat",
                                                     "text/plain": "Rahmat Hidayat"}),
    ]
    nb.cells = [cell]
    f = tmp_path / "x.failed.ipynb"
    nbformat.write(nb, f)
    assert redact_notebook(f, ["Rahmat Hidayat"]) == 6
    out = nbformat.read(f, as_version=4).cells[0].outputs
    assert out[0]["text"] == "NIK 1703************ [nama disensor]\n"
    assert out[1]["evalue"] == "'[nama disensor]'"
    assert out[1]["traceback"] == ["KeyError: '[nama disensor]' 1703************"]
    assert out[2]["data"]["image/png"] == "1703016601920003Rahmat Hidayat"  # image payload untouched
    assert out[2]["data"]["text/plain"] == "[nama disensor]"
    assert redact_notebook(f, ["Rahmat Hidayat"]) == 0  # nothing left
    # not NIK-like (month 13) and a longer number are left alone; plotly.js is not touched
    text = "1703016613920003 17030166019200031 <script>/* plotly.js v3 */" + "1703016601920003 " * 7000 + "</script>"
    assert redact_text(text)[1] == 0
    assert redact_text(text.replace("<script>", "<div>").replace("</script>", "</div>"))[1] == 7000

@pytest.mark.slow
def test_manifest(smoke_run, data_root):
    m = read_manifest(smoke_run.run_dir)
    assert m == json.loads(smoke_run.manifest_path.read_text(encoding="utf-8"))
    inputs = {r["path"]: r["sha256"] for r in m["inputs"]}
    assert inputs == {
        "raw/susenas/2024/kor.csv": sha256_file(data_root / "raw/susenas/2024/kor.csv"),
        "regions.csv": sha256_file(data_root / "regions.csv"),
    }
    assert m["environment"]["dependencies"]["papermill"]
    assert m["environment"]["dependencies"]["pandas"] == pd.__version__
    assert m["run_id"] == "uji-run" and m["year"] == 2024
    jobs = {j["kab_code"]: j for j in m["jobs"]}
    assert jobs["1705"]["parameters"]["fail"] is True
    assert jobs["1701"]["parameters"]["kab_code"] == "1701"
    assert jobs["1705"]["status"] == "failed" and jobs["1701"]["status"] == "ok"
    assert m["started_utc"] <= m["finished_utc"]
    assert m["notebooks"][0]["sha256"] == sha256_file(SMOKE)


@pytest.mark.slow
def test_dask_path_same_tables(smoke_run, tmp_path, data_root):
    distributed = pytest.importorskip("distributed")
    cluster = distributed.LocalCluster(
        n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None
    )
    try:
        res = run_reports(
            [SMOKE], ["1701"], 2024, run_id="uji-run", out_root=tmp_path, scheduler=cluster,
            formats=("html",), progress=False, data_root=data_root,
        )
    finally:
        cluster.close()
    assert res.ok, format_summary(res.summary)
    assert "dask" in res.manifest["executor"]
    from tkpk_lib.batch.kernels import kernel_stats

    stats = kernel_stats()  # the in-process worker's warm kernel was shut down after the run
    assert stats["started"] >= 1 and stats["running"] == 0
    a = smoke_run.run_dir / unit_slug("1701") / "_smoke.ipynb"
    b = res.run_dir / unit_slug("1701") / "_smoke.ipynb"
    assert table_html(a) == table_html(b)  # deterministic tables, same on both paths
    csv = f"{unit_slug('1701')}/tabel_1701.csv"
    assert (smoke_run.run_dir / csv).read_bytes() == (res.run_dir / csv).read_bytes()
    assert (res.run_dir / unit_slug("1701") / "_smoke.html").is_file()


def test_validation_before_execution(tmp_path):
    def run(**kw):
        args = {"run_id": "v", "out_root": tmp_path, "progress": False, "formats": ("html",)}
        args.update(kw)
        return run_reports(args.pop("notebooks", [SMOKE]), args.pop("kab_codes", ["1701"]),
                           args.pop("year", 2024), **args)

    with pytest.raises(ReportError, match=r"unknown parameter\(s\) \['colour'\]"):
        run(params={"colour": "red"})
    with pytest.raises(ReportError, match=r"unknown kabupaten/kota code\(s\) \['1799'\]"):
        run(kab_codes=["1701", "1799"])
    with pytest.raises(ReportError, match="year 2019 has no data; available years: 2023, 2024"):
        run(year=2019, available_years=lambda: [2023, 2024])
    with pytest.raises(ReportError, match="parameter 'fail' in kab_params"):
        run(kab_params={"1701": {"fail": "yes"}})
    with pytest.raises(ReportError, match="set by the runner"):
        run(params={"kab_code": "1702"})
    with pytest.raises(ReportError, match="notebook not found"):
        run(notebooks=[tmp_path / "missing.ipynb"])
    with pytest.raises(ReportError, match="run id"):
        run(run_id="../escape")
    assert not (tmp_path / "v").exists()  # nothing ran, nothing was written


def test_pdf_without_browser_fails_before_execution(tmp_path, monkeypatch):
    import tkpk_lib.batch.export as export

    monkeypatch.setattr(export, "find_browser", lambda: None)
    with pytest.raises(ReportError, match="no Chromium/Chrome/Edge browser"):
        run_reports([SMOKE], ["1701"], 2024, run_id="nb", out_root=tmp_path, progress=False)
    assert not (tmp_path / "nb").exists()


# ---- privacy helpers (the run's last guard)


@pytest.mark.slow
def test_scan_clean_reports_and_planted_data(smoke_run, tmp_path):
    folder = smoke_run.run_dir / unit_slug("1701")
    # the real artefacts (5 MB HTML with plotly.js, notebook with PNGs, PDF) are clean
    assert scan_artifacts([folder], names=["Siti Aminah"]).empty
    html = (folder / "_smoke.html").read_text(encoding="utf-8")
    planted = tmp_path / "leak.html"
    planted.write_text(html.replace("</body>", "<p>NIK 1701014507900001, Siti  Aminah</p></body>"),
                       encoding="utf-8")
    (tmp_path / "leak.csv").write_text("id,nama\n1771025012850003,budi\n", encoding="utf-8")
    found = scan_artifacts([tmp_path], names=["Siti Aminah", "Budi"])
    assert sorted(Path(p).name for p in found["path"]) == ["leak.csv"] * 2 + ["leak.html"] * 2
    assert set(found["kind"]) == {"nik", "name"}
    assert "1701014507900001" not in found.to_string()  # findings are masked
    assert "1701************" in set(found["masked"])


def test_scan_excel(tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    wb.active.append(["nik", "nama"])
    wb.active.append(["1703016601920002", "Rahmat Hidayat"])
    wb.active.append([1703016601920003.0, "-"])  # a NIK stored as a number
    wb.save(tmp_path / "x.xlsx")
    found = scan_artifacts([tmp_path / "x.xlsx"], names=["rahmat hidayat"])
    assert found["kind"].tolist() == ["nik", "nik", "name"]


def _openpyxl_text(path: Path) -> str:
    """Reference reading of a workbook: openpyxl cell values, empty cells and rows dropped."""
    from openpyxl import load_workbook

    wb = load_workbook(path, read_only=True, data_only=True)
    lines = []
    for ws in wb.worksheets:
        for row in ws.iter_rows(values_only=True):
            cells = [str(int(v)) if isinstance(v, float) and v.is_integer() else str(v)
                     for v in row if v is not None and v != ""]
            if cells:
                lines.append("\t".join(cells))
    wb.close()
    return "\n".join(lines)


def test_xlsx_text_matches_openpyxl(tmp_path):
    from openpyxl import Workbook

    from tkpk_lib.privacy import xlsx_text
    from tkpk_lib.reporting.excel import write_annex

    wb = Workbook()
    ws = wb.active
    ws.append(["nik", "nama", "nilai", "ok"])
    ws.append([1703016601920003.0, "Rahmat Hidayat", 12.5, True])
    ws.append([1.5e20, "x", -3, False])
    ws2 = wb.create_sheet("kedua")
    ws2.append(["Rahmat Hidayat", None, 7])
    wb.save(tmp_path / "x.xlsx")
    text = xlsx_text(tmp_path / "x.xlsx")
    assert text.splitlines()[1] == "1703016601920003\tRahmat Hidayat\t12.5\t1"
    assert text.splitlines()[3] == "Rahmat Hidayat\t7"
    assert text == _openpyxl_text(tmp_path / "x.xlsx").replace("True", "1").replace("False", "0")
    # a formatted annex workbook (shared strings, styles, frozen panes) reads like openpyxl
    programme = pd.DataFrame({"program": ["PKH", "BPNT"], "opd": ["Dinsos", "Dinsos"],
                              "pagu": [1.5e9, 2.25e8], "realisasi": [1.2e9, 2.0e8]})
    xlsx = write_annex({"contoh": programme}, tmp_path / "annex.xlsx", meta={"wilayah": "Kaur", "tahun": 2024})
    assert "PKH" in xlsx_text(xlsx) and "Catatan" not in xlsx_text(xlsx).splitlines()[0]
    assert xlsx_text(xlsx).replace("TRUE", "1") == _openpyxl_text(xlsx).replace("True", "1")
    with pytest.raises(ReportError, match="cannot read the workbook"):
        (tmp_path / "bad.xlsx").write_bytes(b"not a zip")
        xlsx_text(tmp_path / "bad.xlsx")


def test_nik_rules():
    assert is_nik_like("1701014507900001")
    assert not is_nik_like("0917014507900001")  # province 09 does not exist
    assert not is_nik_like("1701019907900001")  # day 99
    assert not is_nik_like("1701014513900001")  # month 13
    assert scan_text("x = 0.1701014507900001; y = 21701014507900001; z = 1701014507900001.25").empty
    assert scan_text("nik\n1701014507900001.0\n")["kind"].tolist() == ["nik"]  # NIK read as float
    assert len(scan_text("x budi", ["Siti Aminah", "Budi"])) == 1  # one finding at the text's end


def test_pseudonymise_and_key(tmp_path, monkeypatch):
    import hashlib
    import hmac

    key = b"0123456789abcdef0123456789abcdef"
    got = pseudonymise(pd.Series(["1701014507900001", None], index=[5, 7]), key)
    assert list(got.index) == [5, 7] and pd.isna(got.iloc[1])
    assert got.iloc[0] == hmac.new(key, b"1701014507900001", hashlib.sha256).hexdigest()[:16]
    assert pseudonymise([" 1701014507900001"], key)[0] == got.iloc[0]
    assert pseudonymise(["1701014507900001"], key[::-1])[0] != got.iloc[0]
    monkeypatch.setenv("TKPK_PSEUDONYM_KEY", key.decode())
    assert load_key() == key
    kf = tmp_path / "k.key"
    kf.write_bytes(key + b"\n")
    assert load_key(kf) == key
    monkeypatch.setenv("TKPK_PSEUDONYM_KEY", str(kf))
    assert load_key() == key
    monkeypatch.setenv("TKPK_PSEUDONYM_KEY", "short")
    with pytest.raises(ReportError, match="too short"):
        load_key()
    monkeypatch.delenv("TKPK_PSEUDONYM_KEY")
    with pytest.raises(ReportError, match="no pseudonymisation key"):
        load_key()


def test_notebook_formats_override_per_notebook(tmp_path):
    """The annex-style override: one notebook exported to HTML only while formats include PDF."""
    from tkpk_lib.batch.run import run_reports
    from tkpk_lib.errors import ReportError

    with pytest.raises(ReportError, match="asks for formats outside"):
        run_reports([SMOKE], ["1701"], 2024, out_root=tmp_path, run_id="x", formats=("html",),
                    notebook_formats={"_smoke": ("html", "pdf")}, progress=False)
    with pytest.raises(ReportError, match="not in this run"):
        run_reports([SMOKE], ["1701"], 2024, out_root=tmp_path, run_id="x", formats=("html",),
                    notebook_formats={"other": ("html",)}, progress=False)
    if find_browser() is None:
        pytest.skip("no Chromium/Chrome found: the PDF side of the override cannot be checked")
    res = run_reports([SMOKE], ["1701"], 2024, out_root=tmp_path, run_id="fmt", formats=("html", "pdf"),
                      notebook_formats={"_smoke": ("html",)}, progress=False, jobs=1)
    unit = res.run_dir / "1701_bengkulu_selatan"
    assert (unit / "_smoke.html").is_file()
    assert not (unit / "_smoke.pdf").exists()


def _probe(run_dir: Path, code: str) -> dict[str, str]:
    """pid, leaked, max_rows and cwd printed by tests/data/warm_probe.ipynb for one unit."""
    folder = run_dir / unit_slug(code)
    f = folder / "warm_probe.ipynb"
    nb = nbformat.read(f if f.exists() else folder / "warm_probe.failed.ipynb", as_version=4)
    text = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs)
    line = next(s for s in text.splitlines() if s.startswith("pid="))
    counts = [c.execution_count for c in nb.cells if c.cell_type == "code" and c.execution_count]
    return {**dict(kv.split("=", 1) for kv in line.split()), "first_count": str(min(counts))}


@pytest.mark.slow
def test_warm_kernels_reused_cleared_and_replaced_after_failure(tmp_path):
    probe = ROOT / "tests" / "data" / "warm_probe.ipynb"
    codes = ["1701", "1702", "1703", "1704"]
    res = run_reports(
        [probe], codes, 2024, run_id="warm", out_root=tmp_path, jobs=1, formats=("html",),
        progress=False, kab_params={"1703": {"fail": True}},
    )
    s = res.summary.set_index("kab_code")["status"]
    assert list(s) == ["ok", "ok", "failed", "ok"]
    p = {c: _probe(res.run_dir, c) for c in codes}
    # one worker: 1701, 1702 and the failing 1703 share a kernel; after the failure a new one
    assert p["1701"]["pid"] == p["1702"]["pid"] == p["1703"]["pid"] != p["1704"]["pid"]
    # the namespace and pandas options of the previous notebook are gone, counters restart
    assert all(p[c]["leaked"] == "False" for c in codes)
    assert all(p[c]["max_rows"] == "60" for c in codes)
    assert all(p[c]["first_count"] == "1" for c in codes)
    assert all(p[c]["cwd"] == "data" for c in codes)
    assert "warm kernels" in res.manifest["executor"]

    fresh = run_reports(
        [probe], codes[:2], 2024, run_id="fresh", out_root=tmp_path, jobs=1, formats=("html",),
        progress=False, fresh_kernels=True,
    )
    assert fresh.ok
    assert _probe(fresh.run_dir, "1701")["pid"] != _probe(fresh.run_dir, "1702")["pid"]
    assert "warm" not in fresh.manifest["executor"]
    # a cell time-out: the notebook so far is kept, and the next unit gets a new kernel
    slow = run_reports(
        [probe], codes[:2], 2024, run_id="slow", out_root=tmp_path, jobs=1, formats=("html",),
        progress=False, kab_params={"1701": {"sleep": 30.0}}, cell_timeout=2,
    )
    row = slow.summary.set_index("kab_code").loc["1701"]
    assert row["status"] == "failed" and "Timeout" in row["error"], row["error"]
    assert (slow.run_dir / unit_slug("1701") / "warm_probe.failed.ipynb").is_file()
    assert slow.summary.set_index("kab_code").loc["1702", "status"] == "ok"
    assert _probe(slow.run_dir, "1701")["pid"] != _probe(slow.run_dir, "1702")["pid"]
    # warm kernels die with their worker: no ipykernel below this process is left
    psutil = pytest.importorskip("psutil")
    left = [c for c in psutil.Process().children(recursive=True) if "ipykernel" in " ".join(c.cmdline())]
    assert left == []



@pytest.mark.slow
def test_before_run_called_once_after_checks(tmp_path, data_root):
    calls = []
    res = run_reports(
        [SMOKE], ["1701"], 2024, run_id="br", out_root=tmp_path, jobs=1, formats=("html",),
        progress=False, data_root=data_root, before_run=lambda: calls.append("prepared"),
    )
    assert res.ok and calls == ["prepared"]
    # an invalid unit stops the run before the work the notebooks depend on
    with pytest.raises(ReportError, match="9999"):
        run_reports([SMOKE], ["9999"], 2024, run_id="br2", out_root=tmp_path, progress=False,
                    formats=("html",), data_root=data_root, before_run=lambda: calls.append("x"))
    assert calls == ["prepared"]

    def broken() -> None:
        raise RuntimeError("tabel laporan gagal")

    with pytest.raises(RuntimeError, match="tabel laporan gagal"):
        run_reports([SMOKE], ["1701"], 2024, run_id="br3", out_root=tmp_path, jobs=1, progress=False,
                    formats=("html",), data_root=data_root, before_run=broken)
    assert not (tmp_path / "br3" / "manifest.json").exists()
