"""A failure is a failure; completeness is checked, not assumed (issue 11, run side).

Fault injection on the prepared report tables (in memory, fast) and on small demo roots run end
to end (one kabupaten or the province, HTML only):

- a bad complaints row fails only the complaints sections, with the user's file, column and
  rows; every problem line is carried; a report showing a failed section fails its unit
  (non-zero exit, named in the console and the manifest) unless ``--partial``, which writes the
  report with a banner and marks the unit "partial";
- the registry sections compute in a Jupyter kernel where ``ipywidgets`` cannot be imported;
- a kabupaten/kota absent from an input is named in the summary, and province figures say
  "dihitung dari 9 dari 10 kabupaten/kota";
- notes about absent inputs name the file looked for and where; an earlier Podes round is said.
"""

from __future__ import annotations

import argparse
import ast
import json
from pathlib import Path

import pandas as pd
import pytest
from test_report import make_programme_map, make_registry, make_tables

from tkpk_lib.batch import pipeline
from tkpk_lib.data.schemas import PROGRAMMES
from tkpk_lib.errors import Problem, SchemaError
from tkpk_lib.reporting import report as R
from tkpk_lib.reporting import sections as S

SRC = {"complaints": "raw/complaints/pengaduan_2024.csv", "programmes": "raw/programmes/peta_2024.xlsx"}


@pytest.fixture(scope="module")
def tables():
    t = {y: make_tables(y) for y in (2023, 2024)}
    pm, comp = make_programme_map(2024)
    t[2024]["programmes"] = pm
    t[2024]["complaints"] = comp
    return t


@pytest.fixture(scope="module")
def registry():
    return make_registry(n=600)


def _with(tables, year=2024, **frames):
    out = {y: dict(t) for y, t in tables.items()}
    out[year].update(frames)
    return {y: {k: v for k, v in t.items() if v is not None} for y, t in out.items()}


def _bad_complaints(comp: pd.DataFrame) -> pd.DataFrame:
    """Row 3 resolved five days before it was received."""
    c = comp.copy()
    c["date_received"] = pd.to_datetime(c["date_received"])
    c["date_resolved"] = pd.to_datetime(c["date_resolved"])
    c.loc[2, "date_resolved"] = c.loc[2, "date_received"] - pd.Timedelta(days=5)
    c.loc[2, "status"] = "selesai"
    return c


# --------------------------------------------------------------------------- prepared tables


def test_bad_complaints_row_fails_only_the_complaints_sections(tables, registry, tmp_path):
    t = _with(tables, complaints=_bad_complaints(tables[2024]["complaints"]))
    st = R.section_status(R.prepare_tables(t, 2024, tmp_path / "a", registry=registry)).set_index("section")["status"]
    assert st["complaints"] == "error" and st["budget"] == "ok" and st["convergence"] == "ok"
    cache = R.prepare_tables(t, 2024, tmp_path / "c", registry=registry, sources=SRC)
    st = R.section_status(cache).set_index("section")["status"]
    assert st["complaints"] == "error" and st["annex_complaints"] == "error"
    # the programme map is another table: its sections are computed
    for name in ("budget", "convergence", "annex_program", "annex_target", "pockets", "registry_summary"):
        assert st[name] == "ok", name
    assert len(R.load_section(cache, "budget")) > 0 and len(R.load_section(cache, "convergence")) > 0
    fails = R.section_failures(cache)
    assert set(fails) == {"complaints", "annex_complaints"}
    assert fails["complaints"] == [
        "raw/complaints/pengaduan_2024.csv, kolom TGL_SELESAI (date_resolved): resolved before it was "
        "received [baris data 3; 1 baris]"]


def test_every_problem_line_is_carried(tables, tmp_path):
    c = tables[2024]["complaints"].copy()
    c["date_received"] = c["date_received"].astype(str)
    c["date_resolved"] = c["date_resolved"].astype("string")
    c.loc[1, "date_received"] = "kemarin"
    c.loc[[4, 6], "date_resolved"] = "31/02/2024x"
    cache = R.prepare_tables(_with(tables, complaints=c), 2024, tmp_path / "c", sources=SRC)
    lines = R.section_failures(cache)["complaints"]
    assert lines == [
        "raw/complaints/pengaduan_2024.csv, kolom TGL_MASUK (date_received): date cannot be read "
        "[baris data 2; 1 baris]",
        "raw/complaints/pengaduan_2024.csv, kolom TGL_SELESAI (date_resolved): date cannot be read "
        "[baris data 5, 7; 2 baris]"]
    note = R.section_note(cache, "complaints")
    assert note.startswith("> **Bagian ini tidak lengkap: ringkasan pengaduan tidak dapat dihitung.**")
    assert all(f"> - {ln}" in note for ln in lines)


def test_describe_failure_names_the_users_file_and_column():
    exc = SchemaError([Problem("programmes", "budget", "missing or negative amount", [4, 9])])
    assert R.describe_failure(exc, SRC) == [
        "raw/programmes/peta_2024.xlsx, kolom PAGU (budget): missing or negative amount [baris data 4, 9; 2 baris]"]
    assert R.describe_failure(KeyError("x")) == ["KeyError: 'x'"]


def test_section_notice_fails_the_report_unless_partial(tables, tmp_path, monkeypatch):
    t = _with(tables, complaints=_bad_complaints(tables[2024]["complaints"]))
    cache = R.prepare_tables(t, 2024, tmp_path / "c", sources=SRC)
    shown = []
    monkeypatch.setattr("IPython.display.display", lambda obj, metadata=None: shown.append((obj.data, metadata)))
    with pytest.raises(R.SectionError) as err:
        R.section_notice(cache, "complaints")
    first = str(err.value).splitlines()[0]
    assert first == ("bagian ringkasan pengaduan tidak dapat dihitung: raw/complaints/pengaduan_2024.csv, kolom "
                     "TGL_SELESAI (date_resolved): resolved before it was received [baris data 3; 1 baris]")
    assert shown == []
    R.section_notice(cache, ["budget", "convergence"])  # computed: nothing shown, nothing raised
    assert shown == []
    R.section_notice(cache, "complaints", partial=True)
    (text, meta), = shown
    assert text.startswith("> **Bagian ini tidak lengkap: ringkasan pengaduan")
    assert meta == {R.PARTIAL_KEY: {"section": "complaints", "problems": R.section_failures(cache)["complaints"]}}


def test_absent_inputs_are_named_with_where_they_were_looked_for(tables, tmp_path):
    t = _with(tables, complaints=None)
    cache = R.prepare_tables(t, 2024, tmp_path / "a", sources={"programmes": SRC["programmes"]})
    for name in ("complaints", "annex_complaints"):
        assert R.section_note(cache, name).endswith(
            "file log pengaduan tahun 2024 tidak ditemukan (dicari di raw/complaints/*2024*.csv|.xlsx).")
    assert R.section_status(cache).set_index("section").loc["registry_followup", "note"] == (
        "file data terpadu tahun 2024 tidak ditemukan (dicari di raw/registry/ (.csv/.xlsx/.parquet))")
    # a file that is there but has no rows is not "not found"
    empty = tables[2024]["complaints"].iloc[:0]
    cache = R.prepare_tables(_with(tables, complaints=empty), 2024, tmp_path / "b", sources=SRC)
    note = R.section_note(cache, "complaints")
    assert "tidak ditemukan" not in note
    assert note.endswith("file log pengaduan raw/complaints/pengaduan_2024.csv tidak berisi baris data.")


def test_earlier_podes_round_is_said(tables, tmp_path):
    vil = tables[2024]["villages"].assign(year=2021)
    cache = R.prepare_tables(_with(tables, villages=vil), 2024, tmp_path / "c")
    assert R.section_note(cache, "pockets") == (
        "> Catatan (daftar kantong kemiskinan): memakai Podes 2021, ronde terakhir yang tersedia "
        "(tidak ada Podes 2024).")
    cache = R.prepare_tables(tables, 2024, tmp_path / "d")
    assert R.section_note(cache, "pockets") == ""


def test_province_figures_say_how_many_units_they_rest_on(tables, tmp_path):
    cur = tables[2024]
    hh = cur["households"][cur["households"]["kab_code"] != "1703"].reset_index(drop=True)
    pp = cur["persons"][cur["persons"]["kab_code"] != "1703"].reset_index(drop=True)
    cache = R.prepare_tables(_with(tables, households=hh, persons=pp), 2024, tmp_path / "c",
                             sources={"households": "raw/susenas/2024"})
    comp = R.cache_info(cache)["completeness"]
    assert comp["households"]["missing"] == ["1703"] and comp["households"]["present"] == 9
    assert comp["households_2023"]["missing"] == []
    note = R.completeness_note(cache, "17")
    assert note == ("> **Perhatian:** angka provinsi dari rumah tangga Susenas 2024 dihitung dari 9 dari 10 "
                    "kabupaten/kota (tidak ada data untuk 1703 Kabupaten Bengkulu Utara).")
    assert R.completeness_note(cache, "1703") == (
        "> **Perhatian:** rumah tangga Susenas 2024 tidak berisi data untuk Kabupaten Bengkulu Utara.\n\n" + note)
    # a kabupaten's report compares with the province: it says so too, but not for a programme map
    assert R.completeness_note(cache, "1701") == note
    assert R.completeness_note(cache, "1701", ("programmes",)) == ""
    assert R.completeness_warnings(cache) == [
        "rumah tangga Susenas 2024 (raw/susenas/2024): tidak ada data untuk 1703 Kabupaten Bengkulu Utara; "
        "angka provinsi dihitung dari 9 dari 10 kabupaten/kota"]


# --------------------------------------------------------------------------- optional packages


def test_registry_sections_compute_in_a_kernel_without_ipywidgets(registry, tmp_path):
    """duckdb refuses to touch its progress-bar setting in Jupyter when ipywidgets is missing."""
    import nbformat
    import papermill as pm

    registry.to_parquet(tmp_path / "reg.parquet")
    code = (
        "import sys\n"
        "sys.modules['ipywidgets'] = None  # not installable: import fails\n"
        "import pkgutil, importlib, pandas as pd, tkpk_lib\n"
        "for m in pkgutil.iter_modules(tkpk_lib.__path__):\n"
        "    importlib.import_module('tkpk_lib.' + m.name)\n"
        "from tkpk_lib.analysis import registry as G\n"
        f"reg = pd.read_parquet({str(tmp_path / 'reg.parquet')!r})\n"
        "desa = G.registry_summary(reg, by=('kab_code', 'kec_code', 'desa_code'))\n"
        "print(desa.groupby('programme')['n_households'].sum().to_dict())\n"
    )
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(code)]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "python3", "language": "python"}
    out = pm.execute_notebook(nb, None, kernel_name="python3", progress_bar=False)
    text = "".join(o.get("text", "") for o in out.cells[0].outputs if o.get("name") == "stdout")
    counts = ast.literal_eval(text.strip())
    assert {"any", "pkh", "bpnt", "pbi"} <= set(counts) <= {"any", *PROGRAMMES}
    assert set(counts.values()) == {len(registry)}  # every household counted once per programme


# --------------------------------------------------------------------------- end to end


def _args(root, out, run_id, kab, **kw):
    a = {"year": 2024, "comparison_year": None, "kab": list(kab), "jobs": 2, "scheduler": None,
         "root": str(root), "out": str(out), "run_id": run_id, "target": "poor", "no_pdf": True,
         "small": True, "partial": False}
    a.update(kw)
    return argparse.Namespace(**a)


@pytest.fixture(scope="module")
def bad_complaints_root(tmp_path_factory):
    """Demo root whose 2024 complaints have one row resolved before it was received (data row 3).

    The row is put into the canonical table (which runs reuse while the raw files are unchanged),
    so that the fault reaches the report sections whatever the readers check: a reader that
    rejects it stops the run before any report (exit 2, naming the file), which is tested with
    the readers.
    """
    from tkpk_lib import synthetic
    from tkpk_lib.data import canonical

    root = tmp_path_factory.mktemp("badcomp")
    synthetic.generate_demo(root, small=True, years=(2023, 2024))
    for y in (2023, 2024):
        canonical.build_canonical(root, y)
    f = root / "canonical" / "complaints_2024.parquet"
    comp = pd.read_parquet(f)
    comp.loc[2, "date_resolved"] = pd.Timestamp(comp.loc[2, "date_received"]) - pd.Timedelta(days=5)
    comp.loc[2, "status"] = "selesai"
    comp.to_parquet(f, index=False)
    return root


@pytest.mark.slow
def test_run_fails_the_unit_naming_file_column_rows(bad_complaints_root, tmp_path, capsys):
    code = pipeline.run_cli(_args(bad_complaints_root, tmp_path, "gagal", ["1701"]))
    assert code == 1
    err = capsys.readouterr().err
    cause = "pengaduan_2024.csv, kolom TGL_SELESAI (date_resolved): resolved before it was received [baris data 3"
    assert ("1701 evaluasi_tahunan: failed: bagian ringkasan pengaduan tidak dapat dihitung: raw/complaints/"
            + cause) in err
    man = json.loads((tmp_path / "gagal" / "manifest.json").read_text())
    jobs = {j["notebook"]: j for j in man["jobs"]}
    assert {j["status"] for j in jobs.values()} == {"failed"}
    assert cause in jobs["evaluasi_tahunan"]["error"] and cause in jobs["lampiran_lp2kd"]["detail"]
    assert set(man["sections_failed"]) == {"complaints", "annex_complaints"}
    assert not (tmp_path / "gagal" / "1701_bengkulu_selatan" / "evaluasi_tahunan.html").exists()


@pytest.mark.slow
def test_partial_run_writes_the_report_with_a_banner(bad_complaints_root, tmp_path, capsys):
    code = pipeline.run_cli(_args(bad_complaints_root, tmp_path, "sebagian", ["1701"], partial=True))
    assert code == 0
    out = capsys.readouterr()
    assert "2 job(s): 0 ok, 2 partial, 0 failed" in out.out
    assert "1701 evaluasi_tahunan: partial: complaints:" in out.err
    man = json.loads((tmp_path / "sebagian" / "manifest.json").read_text())
    assert man["partial"] is True and {j["status"] for j in man["jobs"]} == {"partial"}
    html = (tmp_path / "sebagian" / "1701_bengkulu_selatan" / "evaluasi_tahunan.html").read_text()
    assert "Bagian ini tidak lengkap: ringkasan pengaduan tidak dapat dihitung." in html
    assert "kolom TGL_SELESAI (date_resolved): resolved before it was received [baris data 3; 1 baris]" in html
    # budget and convergence still computed and shown
    assert "Pagu dan realisasi menurut strategi" in html and "Konvergensi: anggaran di desa kantong" in html
    assert html.count("Bagian ini tidak lengkap") == 1
    # the Excel annex of a partial unit says which table is incomplete and why
    from openpyxl import load_workbook

    wb = load_workbook(tmp_path / "sebagian" / "1701_bengkulu_selatan" / "lampiran_lp2kd_1701_2024.xlsx")
    notes = [(r[0], r[1]) for r in wb["Catatan"].iter_rows(values_only=True) if r[0] == "pengaduan menurut program dan kanal"]
    assert len(notes) == 1 and notes[0][1].startswith("TIDAK LENGKAP, tidak dapat dihitung: ")
    assert "kolom TGL_SELESAI (date_resolved): resolved before it was received [baris data 3" in notes[0][1]
    assert "Pengaduan" not in wb.sheetnames and "Program" in wb.sheetnames


def _drop_kab_from_susenas(folder: Path, kab_no: int) -> None:
    import pyreadstat

    for f in sorted(folder.iterdir()):
        read = pyreadstat.read_dta if f.suffix == ".dta" else pyreadstat.read_sav
        df, meta = read(f)
        df = df[df["R102"] != kab_no].reset_index(drop=True)
        kw = {"column_labels": meta.column_labels, "variable_value_labels": meta.variable_value_labels}
        if f.suffix == ".dta":
            pyreadstat.write_dta(df, f, **kw)
        else:
            pyreadstat.write_sav(df, f, **kw)


@pytest.mark.slow
def test_unit_absent_from_susenas_is_named_and_province_says_9_of_10(tmp_path_factory, capsys):
    from tkpk_lib import synthetic

    root = tmp_path_factory.mktemp("nokab")
    synthetic.generate_demo(root, small=True, years=(2023, 2024))
    _drop_kab_from_susenas(root / "raw" / "susenas" / "2024", 3)
    out = tmp_path_factory.mktemp("out")
    code = pipeline.run_cli(_args(root, out, "tanpa", ["1703", "17"]))
    assert code == 1  # the unit without households fails; the province is written and says so
    err = capsys.readouterr().err
    man = json.loads((out / "tanpa" / "manifest.json").read_text())
    status = {(j["kab_code"], j["notebook"]): j["status"] for j in man["jobs"]}
    assert status == {("1703", "evaluasi_tahunan"): "failed", ("1703", "lampiran_lp2kd"): "failed",
                      ("17", "evaluasi_tahunan"): "ok", ("17", "lampiran_lp2kd"): "ok"}
    assert ("1703 evaluasi_tahunan: failed: rumah tangga Susenas 2024 (raw/susenas/2024) tidak berisi rumah "
            "tangga Kabupaten Bengkulu Utara") in err
    line = ("rumah tangga Susenas 2024 (raw/susenas/2024): tidak ada data untuk 1703 "
            "Kabupaten Bengkulu Utara; angka provinsi dihitung dari 9 dari 10 kabupaten/kota")
    assert f"Peringatan: {line}" in err
    assert line in man["incomplete_inputs"]
    html = (out / "tanpa" / "17_provinsi_bengkulu" / "evaluasi_tahunan.html").read_text()
    assert ("angka provinsi dari rumah tangga Susenas 2024 dihitung dari 9 dari 10 kabupaten/kota "
            "(tidak ada data untuk 1703 Kabupaten Bengkulu Utara)") in html


def test_boundary_file_that_fails_is_not_called_missing(tmp_path_factory):
    from tkpk_lib import synthetic

    root = tmp_path_factory.mktemp("badbnd")
    synthetic.generate_demo(root, small=True, years=(2024,))
    bad = root / "raw" / "boundaries" / "desa.gpkg"
    bad.write_bytes(b"bukan geopackage")
    cache = R.prepare_year(root, 2024)
    fails = R.section_failures(cache)
    assert set(fails) == {"pockets_kecamatan", "pockets_desa", "pockets"}
    assert str(bad) in fails["pockets"][0]
    assert R.section_status(cache).set_index("section").loc["budget", "status"] == "ok"
    note = R.map_note(cache, root)
    assert note.startswith("> Peta tidak tersedia: kantong kemiskinan tidak dapat dihitung (")
    assert str(bad) in note and "tidak ditemukan" not in note
    # an absent file is named with the folder it was looked for in, as the console says it
    (root / "raw" / "complaints" / "pengaduan_2024.csv").unlink()
    cache = R.prepare_year(root, 2024)
    assert R.section_status(cache).set_index("section").loc["complaints", "note"] == (
        f"file log pengaduan tahun 2024 tidak ditemukan (dicari di {root / 'raw' / 'complaints'} "
        "(folder kosong))")
    bad.unlink()
    assert R.map_note(cache, root) == (
        f"> Peta tidak tersedia: file batas wilayah (desa) tidak ditemukan (dicari di {root / 'raw' / 'boundaries'}: "
        ".gpkg, .geojson atau .shp).")


def test_one_coverage_table_failing_leaves_the_others(tables, tmp_path, monkeypatch):
    import types

    from tkpk_lib.analysis import coverage

    def broken(*a, **k):
        raise SchemaError([Problem("households", "rcv_pkh", "not 0/1", [7])])

    fake = types.SimpleNamespace(**{k: getattr(coverage, k) for k in dir(coverage) if not k.startswith("__")})
    fake.programme_combinations = broken
    real = S._module
    monkeypatch.setattr(S, "_module", lambda name: fake if name == "analysis.coverage" else real(name))
    cache = R.prepare_tables(tables, 2024, tmp_path / "c", sources={"households": "raw/susenas/2024"})
    st = R.section_status(cache).set_index("section")["status"]
    assert (st["coverage"], st["targeting"], st["combinations"]) == ("ok", "ok", "error")
    assert R.section_failures(cache)["combinations"] == [
        "raw/susenas/2024, kolom rcv_pkh: not 0/1 [baris data 7; 1 baris]"]


def test_summary_line_of_a_schema_error_carries_its_first_problem():
    from tkpk_lib.batch.run import _first_line

    exc = SchemaError([Problem("a.csv", "x", "bad", [3]), Problem("a.csv", "y", "worse", [4])])
    assert _first_line(f"cell 4: SchemaError: {exc}") == (
        "cell 4: SchemaError: 2 problem(s) found: a.csv, column 'x': bad [rows 3; 1 row(s) in all] (+1 more)")


def test_absent_sakernas_and_boundaries_are_named(tables, tmp_path):
    cache = R.prepare_tables(_with(tables, labour=None), 2024, tmp_path / "c")
    sak = ("file Sakernas tahun 2024 tidak ditemukan (dicari di raw/sakernas/2024/ (.sav/.dta/.csv/.parquet)): "
           "indikator ketenagakerjaan (TPT, TPAK, informal) tidak dihitung")
    bnd = ("file batas wilayah desa tidak ditemukan (dicari di raw/boundaries/{kecamatan,desa}.gpkg|.geojson|.shp): "
           "tanpa peta dan klaster spasial")
    notes = R.input_notes(cache)
    assert sak in notes and bnd in notes
    assert R.completeness_note(cache, "1701") == f"> **Catatan:** {sak}."
    ind = R.load_section(cache, "indicators")
    assert "tpt" not in set(ind.loc[ind["year"] == 2024, "indicator"])
    assert "tpt" in set(ind.loc[ind["year"] == 2023, "indicator"])


def test_missing_package_fails_its_sections_naming_the_package(tables, registry, tmp_path, monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "duckdb", None)  # not installed
    # the registry modules (old path and the analysis/ modules that import duckdb) load anew
    for name in ("tkpk_lib.registry", "tkpk_lib.analysis.registry",
                 "tkpk_lib.analysis.registry_summary", "tkpk_lib.analysis.registry_source"):
        monkeypatch.delitem(sys.modules, name, raising=False)
    cache = R.prepare_tables(tables, 2024, tmp_path / "c", registry=registry)
    fails = R.section_failures(cache)
    assert set(fails) == {"registry_summary", "registry_followup", "registry_desa", "survey_registry"}
    assert fails["registry_summary"][0].startswith(
        "paket Python 'duckdb' tidak terpasang atau tidak dapat dimuat di lingkungan ini (pasang dengan: "
        "pip install duckdb;")
    st = R.section_status(cache).set_index("section")["status"]
    assert st["pockets"] == "ok" and st["budget"] == "ok"
