"""End to end: ``tkpk run`` on a small synthetic demo for one kabupaten and the province.

One run (module fixture, HTML only) feeds every check: files in place, the expected tables in
the HTML, a PDF printed from one report whose P0 equals the prepared table in Indonesian
format, the Excel annex total equal to the programme map, and no NIK or registry name in any
artefact. The runner's own failure path (a notebook that raises) is tested in test_run.py.
"""

from __future__ import annotations

import argparse
import re

import pandas as pd
import pytest

from tkpk_lib.batch import pipeline
from tkpk_lib.batch.export import find_browser, html_to_pdf, pdf_text
from tkpk_lib.privacy import scan_artifacts
from tkpk_lib.reporting import report

pytestmark = pytest.mark.slow

UNITS = ("1701", "17")
FOLDERS = {"1701": "1701_bengkulu_selatan", "17": "17_provinsi_bengkulu"}


def _args(root, out, **kw):
    a = {"year": 2024, "comparison_year": None, "kab": list(UNITS), "jobs": 2, "scheduler": None,
         "root": str(root), "out": str(out), "run_id": "uji", "target": "poor", "no_pdf": True, "small": True}
    a.update(kw)
    return argparse.Namespace(**a)


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    from tkpk_lib import synthetic

    root = tmp_path_factory.mktemp("demo")
    synthetic.generate_demo(root, small=True, years=(2023, 2024))
    out = tmp_path_factory.mktemp("reports")
    code = pipeline.run_cli(_args(root, out))
    return {"root": root, "run_dir": out / "uji", "code": code, "cache": report.cache_entry(root, 2024)}


def test_run_succeeds_and_writes_every_output(demo_run):
    assert demo_run["code"] == 0
    for unit in UNITS:
        folder = demo_run["run_dir"] / FOLDERS[unit]
        for stem in ("evaluasi_tahunan", "lampiran_lp2kd"):
            assert (folder / f"{stem}.html").stat().st_size > 10_000
            assert (folder / f"{stem}.ipynb").is_file()
        assert (folder / f"lampiran_lp2kd_{unit}_2024.xlsx").is_file()
    assert (demo_run["run_dir"] / "manifest.json").is_file()
    # prepared once, in the parent process, with every section computed (catches API drift of the
    # modules behind the sections: a failing section would only show a note in the reports)
    assert report.cache_info(demo_run["cache"])["comparison_year"] == 2023
    status = report.section_status(demo_run["cache"]).set_index("section")
    assert (status["status"] == "ok").all(), status.loc[status["status"] != "ok", "note"].to_dict()


def test_html_holds_the_report_tables(demo_run):
    html = (demo_run["run_dir"] / FOLDERS["1701"] / "evaluasi_tahunan.html").read_text(encoding="utf-8")
    for text in ("Persentase Penduduk Miskin", "Kabupaten Bengkulu Selatan", "Ringkasan otomatis",
                 "Cakupan, kesalahan eksklusi dan kesalahan inklusi", "Kantong kemiskinan", "tidak berbeda nyata"):
        assert text in html, text
    assert "bagian ini menunggu modul" not in html and "gagal dihitung" not in html
    assert "Traceback" not in html
    prov = (demo_run["run_dir"] / FOLDERS["17"] / "evaluasi_tahunan.html").read_text(encoding="utf-8")
    assert "Provinsi Bengkulu" in prov and "Kota Bengkulu" in prov
    annex = (demo_run["run_dir"] / FOLDERS["17"] / "lampiran_lp2kd.html").read_text(encoding="utf-8")
    assert "Tabel L.1 Indikator kemiskinan" in annex and "Pagu anggaran (Rp)" in annex


@pytest.mark.skipif(find_browser() is None, reason="no Chromium/Chrome for PDF export")
def test_pdf_prints_the_prepared_p0(demo_run, tmp_path):
    html = demo_run["run_dir"] / FOLDERS["1701"] / "evaluasi_tahunan.html"
    text = pdf_text(html_to_pdf(html, tmp_path / "evaluasi.pdf"))
    ind = report.load_section(demo_run["cache"], "indicators", "1701")
    p0 = ind[(ind["year"] == 2024) & (ind["indicator"] == "p0")].iloc[0]
    shown = report.fmt_percent(p0["estimate"]) + report.rse_mark(p0["rse"])
    assert re.search(r"\d", shown)
    assert shown in text
    assert "Kabupaten Bengkulu Selatan" in text


def test_excel_annex_total_equals_the_programme_map(demo_run):
    import openpyxl

    wb = openpyxl.load_workbook(demo_run["run_dir"] / FOLDERS["1701"] / "lampiran_lp2kd_1701_2024.xlsx",
                                read_only=True)
    assert "Indikator" in wb.sheetnames and "Program" in wb.sheetnames
    rows = list(wb["Program"].iter_rows(values_only=True))
    header = next(r for r in rows if r and r[0] == "Strategi")
    total = next(r for r in rows if r and r[0] == "Jumlah")
    pagu = total[header.index("Pagu anggaran")]
    pm = pd.read_parquet(demo_run["root"] / "canonical" / "programmes_2024.parquet")
    assert pagu == pytest.approx(pm.loc[pm["kab_code"] == "1701", "budget"].sum())


def test_no_personal_data_in_any_artefact(demo_run):
    names = pipeline.registry_names(demo_run["root"])
    assert len(names) > 100
    files = [p for p in demo_run["run_dir"].rglob("*") if p.suffix in {".html", ".ipynb", ".xlsx", ".json"}]
    assert len(files) >= 9
    found = scan_artifacts(files, names=names)
    assert found.empty, found.head()


def test_year_without_data_stops_before_running(demo_run, tmp_path, capsys):
    assert pipeline.run_cli(_args(demo_run["root"], tmp_path, year=2031)) == 2
    assert "no Susenas data for 2031" in capsys.readouterr().err
    assert not (tmp_path / "uji").exists()


def _tables(folder) -> dict[str, str]:
    """The tables of a unit's reports: annex workbook text and every HTML table the notebooks show."""
    import nbformat

    from tkpk_lib.privacy import xlsx_text

    out = {p.name: xlsx_text(p) for p in folder.glob("*.xlsx")}
    for nb_path in sorted(folder.glob("*.ipynb")):
        nb = nbformat.read(nb_path, as_version=4)
        out[nb_path.name] = "\n".join(
            o["data"]["text/html"] for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])
            if "text/html" in o.get("data", {}) and "<table" in o["data"]["text/html"]
        )
    return out


def test_rerun_same_run_id_gives_same_tables(demo_run, tmp_path):
    before = {u: _tables(demo_run["run_dir"] / FOLDERS[u]) for u in UNITS}
    out = demo_run["run_dir"].parent
    # same run id, same inputs: outputs replaced in place; other workers may take other units
    assert pipeline.run_cli(_args(demo_run["root"], out, jobs=1)) == 0
    after = {u: _tables(demo_run["run_dir"] / FOLDERS[u]) for u in UNITS}
    for u in UNITS:
        assert sorted(after[u]) == sorted(before[u]) and len(before[u]) == 4  # notebooks, annex, follow-up template
        for name, text in before[u].items():
            # the follow-up template holds the unit's own draft problems: only its header when there are none
            assert len(text) > 1000 or (name.startswith("rencana_tindak_lanjut_")
                                        and "rekomendasi\topd_penanggung_jawab\ttenggat\tstatus" in text), (u, name)
            assert after[u][name] == text, (u, name)
    assert not list(demo_run["run_dir"].rglob(".*running*"))  # no temporary files left behind
