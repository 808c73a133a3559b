"""Programme relationships (guideline 3.2.1.b.5) and duplicate vs complement checks (issue 13 section 2).

Reader and validation on small files as offices write them, the checks of
:mod:`tkpk_lib.analysis.synergy` counted by hand on small maps, the report tables on a tiny cache,
and the cases the demo plants on purpose, read from the shared run.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from tkpk_lib.analysis import synergy as sy
from tkpk_lib.cli import main
from tkpk_lib.data import readers
from tkpk_lib.errors import SchemaError
from tkpk_lib.reporting import mechanism_tables as mt

HEAD = ["TAHUN", "KODE", "PROGRAM", "KEGIATAN", "OPD", "STRATEGI", "KLASTER", "SUMBER_DANA", "SASARAN", "TARGET",
        "CAPAIAN", "SATUAN", "LOKUS", "KODE_KAB", "PAGU", "REALISASI"]


def _rows(rel: list[str], central: list[str], partner: list[str], fund: list[str] | None = None) -> pd.DataFrame:
    """Five programme lines in kabupaten 1701 with the three optional columns under other accepted headers."""
    fund = fund or ["APBN", "APBD Provinsi", "APBDes", "Non-pemerintah", "APBD Kabupaten/Kota"]
    n = len(fund)
    return pd.DataFrame({
        "TAHUN": ["2024"] * n, "KODE": [f"P{i}" for i in range(1, n + 1)],
        "PROGRAM": ["BSPS", "PKH Plus Daerah", "PAUD Desa", "Bedah Rumah Baznas", "Rumah Layak"][:n],
        "KEGIATAN": ["k"] * n, "OPD": ["Dinas Perkim", "Dinas Sosial", "DPMD", "Baznas", "Dinas Perkim"][:n],
        "STRATEGI": ["1"] * n, "KLASTER": ["1"] * n, "SUMBER_DANA": fund,
        "SASARAN": ["KK berpenghasilan rendah", "lansia miskin", "anak usia dini", "KK miskin",
                    "KK berpenghasilan rendah"][:n],
        "TARGET": ["10"] * n, "CAPAIAN": ["8"] * n, "SATUAN": ["unit"] * n,
        "LOKUS": ["1701012001"] * n, "KODE_KAB": ["1701"] * n,
        "PAGU": ["1000000"] * n, "REALISASI": ["800000"] * n,
        "SIFAT_PROGRAM": rel, "PROGRAM_NASIONAL": central, "LEMBAGA_MITRA": partner,
    })


GOOD = dict(rel=["", "Mempertebal ", "pelengkap", "PELENGKAP", ""],
            central=["", "PKH", "Program Indonesia Pintar (PIP/KIP)", "Bantuan Stimulan Perumahan Swadaya", ""],
            partner=["", "", "", " Baznas Provinsi ", ""])


def _validate(capsys, *args: str) -> tuple[int, str]:
    rc = main(["validate", *args])
    cap = capsys.readouterr()
    return rc, cap.out + cap.err


# --------------------------------------------------------------------------- reader and validation
def test_relationship_columns_read_under_the_users_headers_and_old_files_unchanged(tmp_path):
    p = tmp_path / "peta_program_2024.xlsx"
    _rows(**GOOD).to_excel(p, index=False)
    pm = readers.read_programmes(p, year=2024)
    assert pm["relationship"].tolist()[1:4] == ["mempertebal", "pelengkap", "pelengkap"]
    # a catalogue programme named by its short or full name becomes its code; a map programme stays as written
    assert pm["central_programme"].tolist()[1:4] == ["pkh", "pip", "Bantuan Stimulan Perumahan Swadaya"]
    assert pm["partner"].tolist()[3] == "Baznas Provinsi"
    assert pm.loc[[0, 4], ["relationship", "central_programme", "partner"]].isna().all().all()
    # the same file without the three columns (an older map) reads as before: same values, no new columns
    (tmp_path / "lama").mkdir()
    old = tmp_path / "lama" / "peta_program_2024.xlsx"
    _rows(**GOOD)[HEAD].to_excel(old, index=False)
    po = readers.read_programmes(old, year=2024)
    assert "relationship" not in po.columns and "central_programme" not in po.columns and "partner" not in po.columns
    pd.testing.assert_frame_equal(po, pm[po.columns])
    assert po.attrs["warnings"] == pm.attrs["warnings"]


def test_relationship_errors_name_file_column_and_rows(tmp_path, capsys):
    p = tmp_path / "peta_program_2024.csv"
    bad = dict(rel=["pelengkap", "tambahan", "perluasan", "", "mempertebal"],
               central=["PKH", "PKH", "", "PIP", "Sembako"], partner=["", "", "", "Baznas", ""])
    _rows(**bad).to_csv(p, index=False)
    rc, out = _validate(capsys, "--source", "programmes", str(p))
    assert rc == 1
    for msg in (
        "peta_program_2024.csv, column 'SIFAT_PROGRAM' (relationship): values outside the allowed list "
        "{perluasan, pelengkap, mempertebal} [rows 2; 1 row(s) in all]",
        "peta_program_2024.csv, column 'SIFAT_PROGRAM' (relationship): relationship given without the central "
        "programme it relates to ('PROGRAM_NASIONAL') [rows 3; 1 row(s) in all]",
        "peta_program_2024.csv, column 'PROGRAM_NASIONAL' (central_programme): central programme given without "
        "the relationship ('SIFAT_PROGRAM': perluasan, pelengkap or mempertebal) [rows 4; 1 row(s) in all]",
        "peta_program_2024.csv, column 'SIFAT_PROGRAM' (relationship): relationship on a central programme "
        "('SUMBER_DANA' APBN): only a regional programme extends, complements or tops up a central one "
        "[rows 1; 1 row(s) in all]",
    ):
        assert msg in out, out
    with pytest.raises(SchemaError, match=r"column 'PROGRAM_NASIONAL' \(central_programme\): central programme given"):
        readers.read_programmes(p)


def test_partner_missing_on_a_non_government_row_is_a_warning(tmp_path, capsys):
    p = tmp_path / "peta_program_2024.csv"
    rows = _rows(**{**GOOD, "partner": ["", "", "", "", ""]})
    rows.to_csv(p, index=False)
    rc, out = _validate(capsys, "--source", "programmes", "--year", "2024", str(p))
    assert rc == 0
    assert ("WARNING peta_program_2024.csv, column 'LEMBAGA_MITRA' (partner): Non-pemerintah rows ('SUMBER_DANA') "
            "without their partner institution [rows 4; 1 row(s) in all]") in out
    # without any of the three columns there is nothing to warn about (an older map)
    rows[HEAD].to_csv(p, index=False)
    rc, out = _validate(capsys, "--source", "programmes", "--year", "2024", str(p))
    assert rc == 0 and "partner institution" not in out


def test_two_headers_for_one_column_is_an_error(tmp_path):
    p = tmp_path / "peta_program_2024.csv"
    _rows(**GOOD).assign(HUBUNGAN="pelengkap").to_csv(p, index=False)
    with pytest.raises(SchemaError) as ei:
        readers.read_programmes(p)
    assert ("peta_program_2024.csv, column 'SIFAT_PROGRAM, HUBUNGAN' (relationship): 2 columns give "
            "'relationship': keep one of them") in str(ei.value)


# --------------------------------------------------------------------------- analysis, by hand
def _map() -> pd.DataFrame:
    """Two units; desa a: BSPS (APBN) beside an undeclared kabupaten programme of the same target group and a
    declared one; desa b: one programme from kabupaten and province, and two top-ups of PKH; 1702: no overlap."""
    return pd.DataFrame({
        "kab_code": ["1701"] * 8 + ["1702"] * 2,
        "locus_desa": ["a", "a", "a", "a", "b", "b", "b", "b", "c", "c"],
        "programme_id": ["C1", "R1", "R2", "N1", "R3", "R4", "T1", "T2", "C2", "R5"],
        "programme": ["BSPS", "Rumah Layak", "Bedah Rumah", "Bedah Rumah Baznas", "Jalan Desa", "jalan  desa",
                      "PKH Plus Provinsi", "Bansos Lansia", "PAMSIMAS", "Air Bersih Desa"],
        "fund_source": ["APBN", "APBD Kabupaten/Kota", "APBD Kabupaten/Kota", "Non-pemerintah", "APBD Kabupaten/Kota",
                        "APBD Provinsi", "APBD Provinsi", "APBD Kabupaten/Kota", "APBN", "APBDes"],
        "target_group": ["KK MBR", "kk  mbr", "KK MBR", "KK MBR", "desa", "desa", "lansia", "lansia", "desa rawan air",
                         "desa rawan air"],
        "opd": ["Perkim", "Perkim", "Perkim", "Baznas", "PUPR", "PUPR Prov", "Dinsos Prov", "Dinsos", "PUPR", "DPMD"],
        "budget": [500.0, 100.0, 80.0, 20.0, 300.0, 200.0, 40.0, 60.0, 700.0, 50.0],
        "relationship": [None, None, "perluasan", "pelengkap", None, None, "mempertebal", "mempertebal", None,
                         "pelengkap"],
        "central_programme": [None, None, "BSPS", "BSPS", None, None, "pkh", "pkh", None, "PAMSIMAS"],
        "strategy": [1] * 10, "cluster": [1] * 10,
    })


def test_duplicate_funding_by_name_and_by_top_up_of_one_central_programme():
    d = sy.duplicate_funding(_map())
    # desa b: Jalan Desa from kabupaten (300) and province (200); PKH topped up by province (40) and kabupaten (60).
    # desa a: Non-pemerintah is not a level of government; c: two different programmes
    assert d[["desa_code", "dup_programme", "n_levels", "dup_fund_sources", "dup_budget"]].values.tolist() == [
        ["b", "Jalan Desa, jalan  desa", 2, "APBD Kabupaten/Kota, APBD Provinsi", 500.0],
        ["b", "Bansos Lansia, PKH Plus Provinsi", 2, "APBD Kabupaten/Kota, APBD Provinsi", 100.0],
    ]
    assert d["basis"].tolist() == ["nama program sama", "mempertebal program pusat yang sama: pkh"]
    # both programme lines declaring the same top-up AND sharing a name: listed once, by name
    same = _map().assign(programme=lambda t: t["programme"].where(~t["programme_id"].isin(["T1", "T2"]), "PKH Plus"))
    assert sy.duplicate_funding(same)["basis"].tolist() == ["nama program sama", "nama program sama"]


def test_regional_vs_central_counts_budget_and_undeclared_overlaps():
    r = sy.regional_vs_central(_map())
    rel = r["by_relationship"].set_index(["kab_code", "relationship"])
    # 1701 regional lines: R1 R3 R4 undeclared (100 + 300 + 200), R2 perluasan (80), N1 T1 T2 ...
    assert rel.loc[("1701", "perluasan"), ["rel_programmes", "rel_desa", "rel_budget"]].tolist() == [1, 1, 80.0]
    assert rel.loc[("1701", "pelengkap"), ["rel_programmes", "rel_budget"]].tolist() == [1, 20.0]
    assert rel.loc[("1701", "mempertebal"), ["rel_programmes", "rel_budget"]].tolist() == [2, 100.0]
    assert rel.loc[("1701", sy.UNDECLARED), ["rel_programmes", "rel_desa", "rel_budget"]].tolist() == [3, 2, 600.0]
    assert rel.loc[("1702", "pelengkap"), "rel_central"] == "PAMSIMAS"
    assert rel.loc[("17", "pelengkap"), ["rel_programmes", "rel_budget"]].tolist() == [2, 70.0]
    assert list(r["by_relationship"]["relationship"][:4]) == ["perluasan", "pelengkap", "mempertebal", sy.UNDECLARED]
    # only R1: same desa and target group (spacing and case ignored) as BSPS, nothing declared; R2 and N1 declared
    c = r["check"]
    assert c[["kab_code", "desa_code", "regional_programme", "central_programmes", "finding"]].values.tolist() == [
        ["1701", "a", "Rumah Layak", "BSPS", "perlu dicek: duplikasi atau pelengkap?"]]


def test_synergy_summary_adds_the_relationship_counts():
    s = sy.synergy_summary(_map())
    t = s[s["table"] == "summary"].set_index("kab_code")
    assert t.loc["1701", ["duplicate_funding_desa", "relationship_check_desa", "regional_declared",
                          "regional_undeclared"]].tolist() == [1, 1, 4, 3]
    assert t.loc["1702", ["duplicate_funding_desa", "relationship_check_desa", "regional_declared"]].tolist() == [0, 0, 1]
    assert t.loc["17", ["duplicate_funding_desa", "relationship_check_desa", "regional_declared"]].tolist() == [1, 1, 5]
    assert set(s["table"]) >= {"duplicate_funding", "relationships", "relationship_check"}


# --------------------------------------------------------------------------- report tables
def _cache(tmp_path: Path, programmes: pd.DataFrame, pockets: pd.DataFrame | None = None) -> Path:
    cache = tmp_path / "cache"
    cache.mkdir()
    sy.synergy_summary(programmes, pockets).to_parquet(cache / "synergy.parquet", index=False)
    (cache / "sections.json").write_text(json.dumps({"sections": {"synergy": {"status": "ok"}}}), encoding="utf-8")
    return cache


def test_relationship_tables_from_the_cache(tmp_path):
    pm = _map().assign(kab_code=lambda t: t["kab_code"], locus_desa=lambda t: t["locus_desa"].map(
        {"a": "1701012001", "b": "1701012002", "c": "1702012001"}))
    cache = _cache(tmp_path, pm)
    t = mt.relationship_table(cache, "1701")
    assert t.iloc[:, 0].tolist() == ["perluasan program pusat", "pelengkap program pusat",
                                     "mempertebal (menambah nilai bantuan) program pusat", "hubungan tidak dinyatakan"]
    assert t["Program pusat"].tolist() == ["BSPS", "BSPS", "PKH", "\u2013"]
    f = mt.relationship_findings_table(cache, "1701")
    assert "Wilayah" not in f.columns and len(f) == 3
    assert f["Temuan"].iloc[0] == "perlu dicek: duplikasi atau pelengkap? (sasaran sama: kk  mbr)"
    assert f["Temuan"].iloc[1].startswith("perlu dicek: pendanaan ganda? didanai 2 tingkat pemerintahan di desa ini")
    assert mt.relationship_findings_table(cache, "1702").empty
    assert mt.relationship_findings_table(cache, "17")["Wilayah"].tolist() == ["Kabupaten Bengkulu Selatan"] * 3


def test_a_map_without_relationship_columns_says_so_instead_of_zeros(tmp_path):
    pm = _map().drop(columns=["relationship", "central_programme"]).assign(
        locus_desa=lambda t: t["locus_desa"].map({"a": "1701012001", "b": "1701012002", "c": "1702012001"}))
    t = mt.relationship_table(_cache(tmp_path, pm), "1701")
    assert t.iloc[:, 0].tolist() == [mt.NO_RELATIONSHIP]
    assert t.iloc[0, 1:].tolist() == ["\u2013"] * 4


def test_mechanism_2_row_counts_the_desa_to_check(tmp_path):
    pm = _map().assign(locus_desa=lambda t: t["locus_desa"].map(
        {"a": "1701012001", "b": "1701012002", "c": "1702012001"}))
    pockets = pd.DataFrame({"level": "desa", "code": ["1701012001", "1701012003"], "name": ["A", "C"],
                            "kab_code": "1701", "is_pocket": True})
    t = mt.mechanisms_table(_cache(tmp_path, pm, pockets), "1701", 2024).set_index("Indikator")
    note = t.loc["Desa kantong tanpa program strategi 3", "Keterangan"]
    assert note.endswith("desa perlu dicek (duplikasi atau pelengkap?): 1; desa perlu dicek (pendanaan ganda dari "
                         "2+ tingkat pemerintahan?): 1")


# --------------------------------------------------------------------------- the demo (shared run)
def test_demo_plants_one_undeclared_overlap_and_one_programme_from_two_levels(shared_run):
    from tkpk_lib.reporting.reading import load_section

    s = load_section(shared_run["cache"], "synergy")
    chk = s[s["table"] == "relationship_check"]
    assert chk["regional_programme"].tolist() == ["Bantuan Perbaikan Rumah Warga Miskin"]
    assert chk["kab_code"].tolist() == ["1701"]
    dup = s[s["table"] == "duplicate_funding"]
    assert dup[["kab_code", "dup_programme", "dup_fund_sources"]].values.tolist() == [
        ["1701", "Bedah Rumah (RTLH)", "APBD Kabupaten/Kota, APBD Provinsi"]]
    rel = s[(s["table"] == "relationships") & (s["kab_code"] == "17")].set_index("relationship")
    assert {"perluasan", "pelengkap", "mempertebal", sy.UNDECLARED} <= set(rel.index)
    unit = (shared_run["folders"]["1701"] / "evaluasi_tahunan.html").read_text(encoding="utf-8")
    assert "Hubungan program daerah dengan program pusat" in unit
    assert "perlu dicek: duplikasi atau pelengkap?" in unit and "Bantuan Perbaikan Rumah Warga Miskin" in unit
    kota = (shared_run["folders"]["1771"] / "evaluasi_tahunan.html").read_text(encoding="utf-8")
    assert mt.NO_RELATIONSHIP_FINDING in kota


def test_annex_programme_sheet_carries_the_relationship_columns(shared_run):
    import openpyxl

    book = next(shared_run["folders"]["17"].glob("lampiran_lp2kd_*.xlsx"))
    wb = openpyxl.load_workbook(book, read_only=True)
    try:
        rows = list(wb["Program"].iter_rows(values_only=True))
    finally:
        wb.close()
    head = next(r for r in rows if r and "Sumber dana" in r)
    assert ["Hubungan dengan program pusat", "Program pusat", "Lembaga mitra"] == list(head[head.index("Sumber dana") + 1:
                                                                                           head.index("Sumber dana") + 4])
    col = head.index("Program pusat")
    assert "PKH" in {r[col] for r in rows if r and len(r) > col}
