"""Fault injection for `tkpk validate`: cross-field rules, value labels, missing kabupaten/kota.

Each test writes a small bad file the way offices export them (xlsx, csv, .sav, .dta with
value labels), runs ``tkpk validate`` through :func:`tkpk_lib.cli.main` and checks the exit code
and the exact message (file, the user's column with the canonical name beside it, rows), and
checks that the canonical build (what ``tkpk run`` reads) rejects the same file.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pandas as pd
import pyreadstat
import pytest
import test_readers as tr

from tkpk_lib.cli import main
from tkpk_lib.data import readers
from tkpk_lib.data.canonical import build_canonical
from tkpk_lib.data.readers import crosswalk
from tkpk_lib.errors import SchemaError


def _validate(capsys, *args: str) -> tuple[int, str]:
    rc = main(["validate", *args])
    cap = capsys.readouterr()
    return rc, cap.out + cap.err


def _root(tmp_path: Path) -> Path:
    """A data root with the small Susenas of test_readers (kabupaten 1701 and 1771)."""
    root = tmp_path / "root"
    tr._write_susenas(root / "raw" / "susenas" / "2024", tr._susenas_raw())
    return root


def _build_rejects(root: Path, *needles: str) -> None:
    with pytest.raises(SchemaError) as ei:
        build_canonical(root, 2024, force=True)
    msg = str(ei.value)
    for n in needles:
        assert n in msg


# --------------------------------------------------------------------------- programme map
def _programmes(changes: dict | None = None) -> pd.DataFrame:
    rows = pd.DataFrame({
        "TAHUN": ["2024"] * 4, "KODE": ["P01", "P01", "P02", "P03"], "PROGRAM": ["Bedah Rumah"] * 4,
        "KEGIATAN": ["RTLH"] * 4, "OPD": ["Dinas Perkim"] * 4, "STRATEGI": ["3"] * 4, "KLASTER": ["4"] * 4,
        "SUMBER_DANA": ["APBD Kabupaten/Kota"] * 4, "SASARAN": ["keluarga miskin"] * 4,
        "TARGET": ["10", "10", "10", "10"], "CAPAIAN": ["8", "10", "15", "10"], "SATUAN": ["unit"] * 4,
        "LOKUS": ["1701012001", "1701012002", "1771011001", "1771011002"],
        "KODE_KAB": ["1701", "1701", "1771", "1771"],
        "PAGU": ["100.000.000", "100.000.000", "100.000.000", "100.000.000"],
        "REALISASI": ["90.000.000", "105.000.000", "100.000.000", "100.000.000"]})
    for (col, i), v in (changes or {}).items():
        rows.loc[i, col] = v
    return rows


def test_programme_kabupaten_must_match_its_locus_desa(tmp_path, capsys):
    root = _root(tmp_path)
    p = root / "raw" / "programmes" / "peta_program_2024.xlsx"
    p.parent.mkdir(parents=True)
    _programmes().to_excel(p, index=False)
    rc, out = _validate(capsys, "--source", "programmes", str(p))
    assert rc == 0 and "OK" in out and "WARNING" in out  # 8 kabupaten/kota without rows (below)
    _programmes({("KODE_KAB", 1): "1702", ("KODE_KAB", 3): "1701"}).to_excel(p, index=False)
    rc, out = _validate(capsys, "--source", "programmes", str(p))
    msg = (
        "peta_program_2024.xlsx, column 'KODE_KAB' (kab_code): kabupaten code differs from the "
        "locus desa's kabupaten (first 4 digits of 'LOKUS'); the amounts would be counted in the "
        "wrong kabupaten [rows 2, 4; 2 row(s) in all]"
    )
    assert rc == 1 and "FAILED" in out and msg in out
    assert "Rows are data rows of the file" in out  # says how rows are counted
    _build_rejects(root, msg)


def test_programme_far_above_budget_or_target_is_a_warning_with_rows(tmp_path, capsys):
    p = tmp_path / "peta_program_2024.csv"
    # row 1: 12% above the budget (far), row 2: 5% (not far); row 3: reach 16 of 10 (far),
    # row 2's 10 of 10 and row 4's 15 of 10 (exactly +50 %) are not far; row 4: budget 0, spent
    _programmes({("REALISASI", 0): "112.000.000", ("CAPAIAN", 2): "16", ("CAPAIAN", 3): "15",
                 ("PAGU", 3): "0", ("REALISASI", 3): "1.000.000"}).to_csv(p, sep=";", index=False)
    rc, out = _validate(capsys, "--source", "programmes", str(p))
    assert rc == 0 and "OK" in out
    assert (
        "WARNING peta_program_2024.csv, column 'REALISASI' (realisation): realisation more than "
        "10% above the budget ('PAGU') [rows 1, 4; 2 row(s) in all]" in out
    )
    assert (
        "WARNING peta_program_2024.csv, column 'CAPAIAN' (reached_count): reach more than 50% "
        "above the target ('TARGET') [rows 3; 1 row(s) in all]" in out
    )
    assert (
        "WARNING peta_program_2024.csv: no programme rows for 8 of 10 kabupaten/kota: "
        "1702 Kabupaten Rejang Lebong, 1703 Kabupaten Bengkulu Utara" in out
    )
    assert "1701 Kabupaten" not in out and "1771 Kota" not in out
    assert "differs between rows of the same programme line" not in out
    # one programme line (P01, rows 1-2) entered under two strategies; a row of 2023
    _programmes({("STRATEGI", 1): "2", ("TAHUN", 3): "2023"}).to_csv(p, sep=";", index=False)
    rc, out = _validate(capsys, "--source", "programmes", str(p))
    assert rc == 0
    assert (
        "WARNING peta_program_2024.csv, column 'STRATEGI' (strategy): differs between rows of the "
        "same programme line ('KODE'); its amounts are split between the values [rows 1, 2; 2 row(s) in all]" in out
    )
    assert "WARNING peta_program_2024.csv, column 'TAHUN' (year): rows of another year than 2024 [rows 4; 1 row(s) in all]" in out


# --------------------------------------------------------------------------- complaints
def _complaints(tmp_path: Path, rows: list[tuple[str, str, str, str, str]]) -> Path:
    """rows: (desa, kab, received, resolved, status); written as an office CSV export."""
    p = tmp_path / "root" / "raw" / "complaints" / "pengaduan_2024.csv"
    p.parent.mkdir(parents=True, exist_ok=True)
    lines = ["ID;KANAL;PROGRAM;KODE_DESA;KODE_KAB;TGL_MASUK;TGL_SELESAI;STATUS"]
    lines += [f"ADU-{i:03d};hotline;pkh;{d};{k};{r};{s};{st}" for i, (d, k, r, s, st) in enumerate(rows)]
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return p


def test_complaint_dates_status_and_kabupaten_are_checked(tmp_path, capsys):
    future = (date.today() + timedelta(days=30)).isoformat()
    good = ("1701012001", "1701", "2024-03-01", "2024-03-10", "selesai")
    p = _complaints(tmp_path, [good, ("1701012001", "1701", "2024-05-01", "", "proses")])
    assert _validate(capsys, "--source", "complaints", str(p))[0] == 0
    root = _root(tmp_path)
    p = _complaints(tmp_path, [
        good,
        ("1701012001", "1701", "2024-03-10", "2024-03-01", "selesai"),  # 2: resolved before received
        ("1701012001", "1701", future, "", "belum"),                     # 3: received in the future
        ("1701012001", "1701", "2024-06-01", future, "Selesai"),         # 4: resolved in the future
        ("1701012001", "1701", "2025-01-05", "", "proses"),              # 5: after the report year
        ("1701012001", "1701", "2024-04-01", "", "SELESAI"),             # 6: selesai without a date
        ("1771011001", "1701", "2024-04-01", "2024-04-03", "selesai"),   # 7: kab differs from desa
        ("1701012001", "1701", "2024-04-01", "2024-04-09", "proses"),    # 8: open with a date (warn)
    ])
    rc, out = _validate(capsys, "--source", "complaints", str(p))
    assert rc == 1 and "FAILED" in out
    day = date.today().isoformat()
    for m in (
        "pengaduan_2024.csv, column 'TGL_SELESAI' (date_resolved): resolved before it was "
        "received ('TGL_MASUK') [rows 2; 1 row(s) in all]",
        f"pengaduan_2024.csv, column 'TGL_MASUK' (date_received): dates in the future (after "
        f"today, {day}) [rows 3; 1 row(s) in all]",
        f"pengaduan_2024.csv, column 'TGL_SELESAI' (date_resolved): dates in the future (after "
        f"today, {day}) [rows 4; 1 row(s) in all]",
        "pengaduan_2024.csv, column 'TGL_MASUK' (date_received): received after the end of the "
        "report year 2024 (the file is for 2024) [rows 5; 1 row(s) in all]",
        "pengaduan_2024.csv, column 'STATUS' (status): status 'selesai' without a resolution date "
        "('TGL_SELESAI') [rows 6; 1 row(s) in all]",
        "pengaduan_2024.csv, column 'KODE_KAB' (kab_code): kabupaten code differs from the locus "
        "desa's kabupaten (first 4 digits of 'KODE_DESA')",
    ):
        assert m in out
    assert "[rows 7; 1 row(s) in all]" in out
    assert "resolution date on a complaint whose status" not in out  # only warned when valid
    _build_rejects(root, "resolved before it was received ('TGL_MASUK') [rows 2;",
                   "status 'selesai' without a resolution date ('TGL_SELESAI') [rows 6;")
    p = _complaints(tmp_path, [good, ("1701012001", "1701", "2024-04-01", "2024-04-09", "proses")])
    rc, out = _validate(capsys, "--source", "complaints", str(p))
    assert rc == 0
    assert (
        "WARNING pengaduan_2024.csv, column 'TGL_SELESAI' (date_resolved): resolution date on a "
        "complaint whose status ('STATUS') is not 'selesai' [rows 2; 1 row(s) in all]" in out
    )


# --------------------------------------------------------------------------- value labels: Susenas
def _susenas_files(folder: Path, raw: dict[str, pd.DataFrame], rt_labels=None, ind_labels=None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    pyreadstat.write_dta(raw["rt"], str(folder / "ssn2403_kor_rt.dta"), variable_value_labels=rt_labels or {})
    pyreadstat.write_sav(raw["ind"], str(folder / "ssn2403_kor_ind.sav"), variable_value_labels=ind_labels or {})
    pyreadstat.write_dta(raw["kp"], str(folder / "ssn2403_kp_blok43.dta"))
    return folder


def test_sex_coded_0_1_is_recoded_by_its_labels_or_rejected(tmp_path, capsys):
    raw = tr._susenas_raw()
    sex = raw["ind"]["R405"].copy()  # 1 male, 2 female
    expected_female = (sex == 2).astype(int).tolist()
    assert 0 < sum(expected_female) < len(sex)
    raw["ind"]["R405"] = sex - 1  # 0 male, 1 female, as many SPSS exports code it
    folder = _susenas_files(tmp_path / "a" / "2024", raw,
                            ind_labels={"R405": {0: "Laki-laki", 1: "Perempuan"}})
    t = readers.read_susenas(folder, 2024)
    assert t["persons"]["female"].tolist() == expected_female
    heads = raw["ind"][raw["ind"]["R403"] == 1]
    assert t["households"]["head_female"].tolist() == (heads["R405"] == 1).astype(int).tolist()
    assert sum(t["households"]["head_female"]) > 0
    rc, out = _validate(capsys, "--source", "susenas", "--year", "2024", str(folder))
    assert rc == 0
    assert (
        "WARNING ssn2403_kor_ind.sav, column 'R405' (sex): codes recoded by the file's value "
        "labels: 0 'Laki-laki' -> 1 (male), 1 'Perempuan' -> 2 (female)" in out
    )
    # the same codes without labels: 0 is not a code of R405
    folder = _susenas_files(tmp_path / "b" / "2024", raw)
    rc, out = _validate(capsys, "--source", "susenas", "--year", "2024", str(folder))
    rows = [i + 1 for i, v in enumerate(raw["ind"]["R405"]) if v == 0]
    shown = ", ".join(map(str, rows))
    assert rc == 1
    assert (
        f"ssn2403_kor_ind.sav, column 'R405' (sex): codes outside the expected set (1 male, "
        f"2 female); found 0 [rows {shown}; {len(rows)} row(s) in all]" in out
    )


def test_yes_no_item_coded_the_other_way_round(tmp_path, capsys):
    raw = tr._susenas_raw()
    pkh = raw["rt"]["R2204A"].copy()  # 1 yes, 2 no: [1, 2, 2, 2, 1, 2]
    raw["rt"]["R2204A"] = 3 - pkh      # 1 = Tidak, 2 = Ya
    folder = _susenas_files(tmp_path / "a" / "2024", raw, rt_labels={"R2204A": {1: "Tidak", 2: "Ya"}})
    t = readers.read_susenas(folder, 2024)
    assert t["households"]["rcv_pkh"].tolist() == [1, 0, 0, 0, 1, 0]
    rc, out = _validate(capsys, "--source", "susenas", "--year", "2024", str(folder))
    assert rc == 0
    assert (
        "WARNING ssn2403_kor_rt.dta, column 'R2204A' (pkh): codes recoded by the file's value "
        "labels: 1 'Tidak' -> 2 (no), 2 'Ya' -> 1 (yes)" in out
    )
    # labels that cannot be recoded unambiguously (two codes labelled "no") fail with the file
    folder = _susenas_files(tmp_path / "b" / "2024", raw,
                            rt_labels={"R2204A": {1: "Tidak", 2: "Tidak menerima"}})
    rc, out = _validate(capsys, "--source", "susenas", "--year", "2024", str(folder))
    assert rc == 1
    assert (
        "ssn2403_kor_rt.dta, column 'R2204A' (pkh): the value labels (1 = 'Tidak', 2 = 'Tidak "
        "menerima') contradict the expected coding (1 yes, 2 no) and cannot be recoded "
        "unambiguously" in out
    )


def test_household_head_coded_elsewhere_and_other_codes_outside_the_set(tmp_path, capsys):
    raw = tr._susenas_raw()
    rel = raw["ind"]["R403"].copy()
    raw["ind"]["R403"] = rel.map({1: 2, 3: 3})  # head at code 2 ("Kepala rumah tangga")
    raw["rt"].loc[2, "R1810A"] = 13             # water code 13 does not exist (row 3)
    raw["rt"].loc[4, "R105"] = 0                 # urban/rural 0 (row 5)
    folder = _susenas_files(tmp_path / "2024", raw,
                            ind_labels={"R403": {1: "Pasangan", 2: "Kepala rumah tangga", 3: "Anak"}})
    root = tmp_path
    rc, out = _validate(capsys, "--source", "susenas", "--year", "2024", str(folder))
    assert rc == 1
    assert (
        "ssn2403_kor_ind.sav, column 'R403' (relation): the value labels (2 = 'Kepala rumah tangga', "
        "3 = 'Anak') contradict the expected coding (1 head" in out
    )
    assert "ssn2403_kor_rt.dta, column 'R1810A' (water): codes outside the expected set (1 bottled" in out
    assert "found 13 [rows 3; 1 row(s) in all]" in out
    assert "ssn2403_kor_rt.dta, column 'R105' (urban): codes outside the expected set (1 urban, 2 rural); found 0 [rows 5;" in out
    assert root.exists()


def test_second_head_and_household_size_are_cross_checked(tmp_path, capsys):
    raw = tr._susenas_raw()
    ind = raw["ind"]
    second = ind.index[(ind["URUT"] == "H002") & (ind["R401"] == 2)][0]
    ind.loc[second, "R403"] = 1          # H002 gets two heads (row second + 1)
    raw["rt"].loc[3, "R301"] = 4         # H003 declares 4 members, has 1 (row 4)
    folder = _susenas_files(tmp_path / "2024", raw)
    rc, out = _validate(capsys, "--source", "susenas", "--year", "2024", str(folder))
    assert rc == 1
    assert (
        "ssn2403_kor_ind.sav, column 'R403' (relation): a second household head (relation code 1) "
        f"in the same household [rows {second + 1}; 1 row(s) in all]" in out
    )
    assert (
        "ssn2403_kor_rt.dta, column 'R301' (hh_size): household size differs from the number of "
        "members in ssn2403_kor_ind.sav [rows 4; 1 row(s) in all]" in out
    )


def test_kabupaten_absent_from_susenas_is_named(tmp_path, capsys):
    folder = _susenas_files(tmp_path / "2024", tr._susenas_raw())
    rc, out = _validate(capsys, "--source", "susenas", "--year", "2024", str(folder))
    assert rc == 0
    assert (
        "WARNING ssn2403_kor_rt.dta: no households for 8 of 10 kabupaten/kota: 1702 Kabupaten "
        "Rejang Lebong, 1703 Kabupaten Bengkulu Utara, 1704 Kabupaten Kaur, 1705 Kabupaten Seluma, "
        "1706 Kabupaten Mukomuko, 1707 Kabupaten Lebong, 1708 Kabupaten Kepahiang, "
        "1709 Kabupaten Bengkulu Tengah" in out
    )


# --------------------------------------------------------------------------- Sakernas
def _sakernas_raw(year: int = 2024) -> pd.DataFrame:
    cw = crosswalk("sakernas", year)
    return pd.DataFrame({
        cw["prov"]: 17, cw["kab"]: [1, 1, 2, 71], cw["urban"]: [2, 2, 1, 1], cw["psu"]: ["B1", "B1", "B2", "B3"],
        cw["stratum"]: ["S1", "S1", "S2", "S3"], cw["hh_no"]: [1, 1, 2, 1], cw["person_no"]: [1, 2, 1, 1],
        cw["weight"]: [100.0, 100.0, 80.0, 90.0], cw["sex"]: [1, 2, 2, 1], cw["age"]: [40, 38, 22, 30],
        cw["worked"]: [1, 2, 2, 1], cw["seeking"]: [float("nan"), 2, 1, float("nan")],
        cw["hours"]: [45.0, float("nan"), float("nan"), 30.0], cw["sector"]: [1, float("nan"), float("nan"), 3],
        cw["emp_status"]: [1, float("nan"), float("nan"), 4], cw["want_more"]: [2, float("nan"), float("nan"), 1]})


def test_sakernas_labels_and_codes(tmp_path, capsys):
    raw = _sakernas_raw()
    p = tmp_path / "sak2408.sav"
    pyreadstat.write_sav(raw, str(p))
    base = readers.read_sakernas(p, 2024)
    assert base["lf_status"].tolist() == [1, 3, 2, 1]
    # worked coded 1 = Tidak, 2 = Ya with its labels: recoded, same table
    bad = raw.assign(R9A=3 - raw["R9A"])
    pyreadstat.write_sav(bad, str(p), variable_value_labels={"R9A": {1: "Tidak", 2: "Ya"}})
    t = readers.read_sakernas(p, 2024)
    assert t["lf_status"].tolist() == [1, 3, 2, 1]
    rc, out = _validate(capsys, "--source", "sakernas", "--year", "2024", str(p))
    assert rc == 0
    assert "WARNING sak2408.sav, column 'R9A' (worked): codes recoded by the file's value labels: 1 'Tidak' -> 2 (no), 2 'Ya' -> 1 (worked at least one hour last week (or temporarily absent))" in out
    assert "WARNING sak2408.sav: no persons for 7 of 10 kabupaten/kota" in out
    # sex written as L/P in a CSV export: read as 1/2 and said so
    csv = tmp_path / "sak2408.csv"
    raw.assign(DEM_SEX=["L", "P", "P", "L"]).to_csv(csv, index=False)
    assert readers.read_sakernas(csv, 2024)["female"].tolist() == [0, 1, 1, 0]
    rc, out = _validate(capsys, "--source", "sakernas", "--year", "2024", str(csv))
    assert rc == 0
    assert "WARNING sak2408.csv, column 'DEM_SEX' (sex): text values read as codes: 'L' -> 1 (male), 'P' -> 2 (female)" in out
    # a text value that is no category: named with its rows
    raw.assign(DEM_SEX=["L", "P", "X", "L"]).to_csv(csv, index=False)
    rc, out = _validate(capsys, "--source", "sakernas", "--year", "2024", str(csv))
    assert rc == 1
    assert "sak2408.csv, column 'DEM_SEX' (sex): codes outside the expected set (1 male, 2 female); found L, P, X [rows 1, 2, 3, 4; 4 row(s) in all]" in out


# --------------------------------------------------------------------------- Podes
def test_podes_status_labels_codes_and_family_counts(tmp_path, capsys):
    raw = tr._podes_raw()  # row 1 desa (1), row 2 kelurahan (2)
    p = tmp_path / "podes2024_desa.dta"
    # status and signal coded in another order, with labels saying so
    pyreadstat.write_dta(raw.assign(R104=3 - raw["R104"], R1005=raw["R1005"].map({1: 3, 2: 1})), str(p),
                         variable_value_labels={"R104": {1: "Kelurahan", 2: "Desa"},
                                                "R1005": {1: "Sinyal lemah", 2: "Tidak ada sinyal", 3: "Sinyal kuat"}})
    v = readers.read_podes(p, 2024)
    assert v["kelurahan"].tolist() == [0, 1]
    assert v["signal"].tolist() == [1, 2]  # weak, strong (as in raw: R1005 2, 1)
    rc, out = _validate(capsys, "--source", "podes", "--year", "2024", str(p))
    assert rc == 0
    assert "WARNING podes2024_desa.dta, column 'R104' (status): codes recoded by the file's value labels: 1 'Kelurahan' -> 2 (kelurahan), 2 'Desa' -> 1 (desa)" in out
    assert "WARNING podes2024_desa.dta, column 'R1005' (signal): codes recoded by the file's value labels: 1 'Sinyal lemah' -> 2 (weak), 3 'Sinyal kuat' -> 1 (strong)" in out
    assert "WARNING podes2024_desa.dta: no villages for 8 of 10 kabupaten/kota" in out
    bad = raw.copy()
    bad.loc[0, "R1001B1"] = 7              # road code 7 (row 1)
    bad.loc[1, "R501A1"] = 1900            # more electrified families than families (row 2)
    bad.loc[0, "R401C"] = 900              # more families than inhabitants (820; row 1)
    bad.loc[0, "R501A1"] = 200
    pyreadstat.write_sav(bad, str(tmp_path / "podes.sav"))
    rc, out = _validate(capsys, "--source", "podes", "--year", "2024", str(tmp_path / "podes.sav"))
    assert rc == 1
    assert "podes.sav, column 'R1001B1' (road): codes outside the expected set (1 asphalt/concrete, 2 hardened (gravel), 3 earth, 4 other); found 7 [rows 1; 1 row(s) in all]" in out
    bad.loc[0, "R1001B1"] = 1
    pyreadstat.write_sav(bad, str(tmp_path / "podes.sav"))
    rc, out = _validate(capsys, "--source", "podes", "--year", "2024", str(tmp_path / "podes.sav"))
    assert rc == 1
    assert "podes.sav, column 'R501A1' (families_electric): more families with electricity than families ('R401C') [rows 2; 1 row(s) in all]" in out
    assert "podes.sav, column 'R401C' (families): more families than inhabitants ('R401A' + 'R401B') [rows 1; 1 row(s) in all]" in out


def test_build_rejects_what_validate_rejects_for_survey_files(tmp_path):
    raw = tr._susenas_raw()
    raw["ind"]["R405"] = raw["ind"]["R405"] - 1
    _susenas_files(tmp_path / "raw" / "susenas" / "2024", raw)
    _build_rejects(tmp_path, "ssn2403_kor_ind.sav, column 'R405' (sex): codes outside the expected set")


def test_sakernas_hours_and_sector_against_work_status(tmp_path, capsys):
    raw = _sakernas_raw()
    raw.loc[1, "R16A"] = 10.0            # not employed (R9A = 2) but 10 hours (row 2)
    raw.loc[3, "R13A_KATEG"] = float("nan")  # employed without a sector (row 4)
    raw.loc[0, "R16A"] = float("nan")    # employed without hours (row 1)
    p = tmp_path / "sak2408.sav"
    pyreadstat.write_sav(raw, str(p))
    rc, out = _validate(capsys, "--source", "sakernas", "--year", "2024", str(p))
    assert rc == 0
    assert "WARNING sak2408.sav, column 'R16A' (hours): employed ('R9A' = 1) without hours worked [rows 1; 1 row(s) in all]" in out
    assert "WARNING sak2408.sav, column 'R16A' (hours): hours worked recorded for persons not employed ('R9A' = 2); ignored [rows 2; 1 row(s) in all]" in out
    assert "WARNING sak2408.sav, column 'R13A_KATEG' (sector): employed ('R9A' = 1) without a sector; left out of the sector shares [rows 4; 1 row(s) in all]" in out


def test_every_checked_coded_variable_is_used_by_a_reader():
    """The coded variables whose codes are checked are exactly those a reader derives from."""
    src = "".join(p.read_text(encoding="utf-8") for p in Path(readers.__file__).parent.glob("*.py"))
    for file in ("susenas_rt", "susenas_ind", "sakernas", "podes"):
        for name in readers.coded_variables(file):
            used = f'["{name}"]' in src
            assert used != ((file, name) in readers._UNUSED_CODED), (file, name)
