"""Readers and validation: round trips through the real file formats and one test per bad input."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyreadstat
import pytest

from tkpk_lib.data import readers
from tkpk_lib.data.readers import crosswalk, tabular, values
from tkpk_lib.errors import SchemaError, TkpkError


def _susenas_raw(year: int = 2024, n: int = 6) -> dict[str, pd.DataFrame]:
    cw_rt, cw_ind, cw_kp = (crosswalk(f, year) for f in ("susenas_rt", "susenas_ind", "susenas_kp"))
    ids = [f"H{i:03d}" for i in range(n)]
    rt = pd.DataFrame({
        cw_rt["prov"]: 17, cw_rt["kab"]: [1, 1, 1, 71, 71, 71][:n], cw_rt["kec_bps"]: [42, 42, 50, 10, 10, 10][:n],
        cw_rt["urban"]: [2, 2, 2, 1, 1, 1][:n], cw_rt["hh_id"]: ids, cw_rt["psu"]: ["P1", "P1", "P2", "P3", "P3", "P4"][:n],
        cw_rt["stratum"]: ["170102", "170102", "170102", "177101", "177101", "177101"][:n],
        cw_rt["weight"]: [100.0, 120.0, 90.0, 80.0, 70.0, 60.0][:n], cw_rt["hh_size"]: [2, 1, 3, 1, 2, 1][:n],
        cw_rt["floor_area"]: [36, 20, 12, 50, 40, 30][:n], cw_rt["roof"]: [2, 7, 4, 1, 2, 2][:n],
        cw_rt["wall"]: [1, 4, 3, 1, 1, 1][:n], cw_rt["floor"]: [2, 8, 6, 2, 2, 2][:n],
        cw_rt["toilet"]: [1, 5, 2, 1, 1, 1][:n], cw_rt["closet"]: [1, 4, 1, 1, 1, 1][:n],
        cw_rt["disposal"]: [1, 6, 5, 1, 1, 4][:n], cw_rt["water"]: [3, 10, 6, 2, 1, 9][:n],
        cw_rt["lighting"]: [1, 4, 1, 1, 1, 1][:n], cw_rt["elec_va"]: [450, 0, 900, 1300, 2200, 450][:n],
        cw_rt["cooking_fuel"]: 3, cw_rt["kks"]: 2, cw_rt["pkh"]: [1, 2, 2, 2, 1, 2][:n],
        cw_rt["bpnt"]: [1, 1, 2, 2, 2, 2][:n], cw_rt["blt_dd"]: [2, 1, 2, 2, 2, 2][:n],
        cw_rt["lpg_subsidy"]: [1, 1, 1, 2, 1, 1][:n], cw_rt["kur"]: [2, 2, 2, 1, 2, 2][:n],
        cw_rt["registry_decile"]: [1, 2, np.nan, 8, np.nan, 5][:n],
    })
    persons = []
    for i, h in enumerate(ids):
        for j in range(int(rt[cw_rt["hh_size"]].iloc[i])):
            persons.append({cw_ind["hh_id"]: h, cw_ind["person_no"]: j + 1, cw_ind["relation"]: 1 if j == 0 else 3,
                            cw_ind["sex"]: 2 if (i + j) % 2 else 1, cw_ind["age"]: 64 if (i == 0 and j == 0) else 30 - 12 * j,
                            cw_ind["school"]: 2 if j else 3, cw_ind["educ"]: 2, cw_ind["difficulty"]: 3 if i == 2 else 1,
                            cw_ind["jkn"]: 1 if i == 1 else 3, cw_ind["pip"]: 1 if (i == 2 and j) else 2})
    ind = pd.DataFrame(persons)
    kp = pd.DataFrame({cw_kp["hh_id"]: ids, cw_kp["exp_pc"]: [400000.0, 300000.0, 550000.0, 900000.0, 700000.0, 1.5e6][:n]})
    return {"rt": rt, "ind": ind, "kp": kp}


def _write_susenas(folder: Path, raw: dict[str, pd.DataFrame], year: int = 2024) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    yy = str(year)[2:]
    labels = {crosswalk("susenas_rt", year)["urban"]: {1: "Perkotaan", 2: "Perdesaan"}}
    pyreadstat.write_dta(raw["rt"], str(folder / f"ssn{yy}03_kor_rt.dta"), variable_value_labels=labels)
    pyreadstat.write_sav(raw["ind"], str(folder / f"ssn{yy}03_kor_ind.sav"),
                         variable_value_labels={crosswalk("susenas_ind", year)["sex"]: {1: "Laki-laki", 2: "Perempuan"}})
    pyreadstat.write_dta(raw["kp"], str(folder / f"ssn{yy}03_kp_blok43.dta"))
    return folder


def test_crosswalk_changes_by_year():
    assert crosswalk("susenas_rt", 2019)["weight"] == "final_weight"
    assert crosswalk("susenas_rt", 2020)["weight"] == "FWT"
    assert crosswalk("susenas_rt", 2023)["pkh"] == "R2204A"
    assert crosswalk("podes", 2018)["desa"] == "KODE_DESA"  # older than the table: earliest column


def test_susenas_round_trip_values_and_labels(tmp_path):
    raw = _susenas_raw()
    t = readers.read_susenas(_write_susenas(tmp_path / "2024", raw), 2024)
    hh, pp = t["households"], t["persons"]
    assert list(hh["hh_id"]) == [f"H{i:03d}" for i in range(6)]
    assert list(hh["kab_code"]) == ["1701"] * 3 + ["1771"] * 3
    assert list(hh["kec_code"][:3]) == ["170101", "170101", "170102"]  # BPS 1701042 -> Kedurang, 1701050 -> Seginim
    assert list(hh["urban"]) == [0, 0, 0, 1, 1, 1]
    np.testing.assert_array_equal(hh["weight"], raw["rt"]["FWT"])
    np.testing.assert_array_equal(hh["exp_pc"], raw["kp"]["KAPITA"])
    # derived flags, by hand from the codes above
    assert list(hh["water_safe"]) == [1, 0, 1, 1, 1, 0]
    assert list(hh["sanitation_safe"]) == [1, 0, 1, 1, 1, 0]  # row 3: rural pit counts; row 6: river
    assert list(hh["electricity"]) == [1, 0, 1, 1, 1, 1]
    assert list(hh["rcv_listrik"]) == [1, 0, 1, 0, 0, 1]
    assert list(hh["rcv_pbi"]) == [0, 1, 0, 0, 0, 0]
    assert list(hh["rcv_pip"]) == [0, 0, 1, 0, 0, 0]
    assert list(hh["has_elderly"]) == [1, 0, 0, 0, 0, 0]
    assert list(hh["has_disabled"]) == [0, 0, 1, 0, 0, 0]
    assert list(hh["decent_housing"]) == [1, 0, 0, 1, 1, 0]  # row 3: 12 m2 / 3 persons < 7.2
    assert hh["registry_decile"].isna().tolist() == [False, False, True, False, True, False]
    assert hh["poverty_line"].iloc[3] == 820354.0  # Kota Bengkulu 2024, published
    assert len(pp) == raw["rt"]["R301"].sum()
    assert hh.attrs["value_labels"]["R105"] == {1: "Perkotaan", 2: "Perdesaan"}
    assert pp.attrs["value_labels"]["R405"] == {1: "Laki-laki", 2: "Perempuan"}


def test_bad_susenas_lists_every_problem_with_rows(tmp_path):
    raw = _susenas_raw()
    raw["rt"].loc[1, "FWT"] = 0.0            # weight <= 0 (row 2)
    raw["rt"].loc[4, "FWT"] = np.nan         # missing weight (row 5)
    raw["rt"].loc[2, "R102"] = 12            # kabupaten 1712 is not in Bengkulu (row 3)
    raw["kp"].loc[5, "KAPITA"] = -5.0        # negative expenditure (row 6)
    raw["rt"].loc[3, "URUT"] = "H000"        # duplicate household id (rows 1 and 4)
    raw["kp"].loc[3, "URUT"] = "H099"
    with pytest.raises(SchemaError) as ei:
        readers.read_susenas(_write_susenas(tmp_path / "2024", raw), 2024)
    msg = str(ei.value)
    assert "ssn2403_kor_rt.dta, column 'FWT' (weight): must be greater than 0 [rows 2;" in msg
    assert "column 'FWT' (weight): missing values [rows 5;" in msg
    assert "column 'R102' (kab_code): codes that are not a kabupaten/kota of Provinsi Bengkulu [rows 3;" in msg
    assert "ssn2403_kp_blok43.dta, column 'KAPITA' (exp_pc): negative expenditure [rows 6;" in msg
    assert "column 'year, URUT' (year, hh_id): duplicate keys [rows 1, 4;" in msg


def test_missing_and_misspelled_columns_are_named(tmp_path):
    raw = _susenas_raw()
    raw["rt"] = raw["rt"].rename(columns={"FWT": "FTW"}).drop(columns=["R1810A"])
    with pytest.raises(SchemaError) as ei:
        readers.read_susenas(_write_susenas(tmp_path / "2024", raw), 2024)
    msg = str(ei.value)
    assert "column 'FWT': variable for 'weight' (susenas_rt, 2024) is missing" in msg
    assert "column 'R1810A': variable for 'water'" in msg
    assert "FTW" in msg  # the columns found are listed


def test_empty_and_wrong_type_files(tmp_path):
    e = tmp_path / "empty.csv"
    e.write_text("")
    with pytest.raises(SchemaError, match="empty.csv: the file is empty"):
        readers.read_registry(e)
    h = tmp_path / "header_only.csv"
    h.write_text("NIK;NAMA\n")
    with pytest.raises(SchemaError, match="header_only.csv: the file has no data rows"):
        readers.read_registry(h)
    w = tmp_path / "registry.pdf"
    w.write_text("x")
    with pytest.raises(TkpkError, match="registry.pdf: wrong file type '.pdf'"):
        readers.read_registry(w)


def _registry_csv(tmp_path: Path, rows: list[dict], name: str = "dtks.csv", encoding: str = "latin-1") -> Path:
    cols = list(readers.REGISTRY_COLUMNS)
    lines = [";".join(cols)]
    for r in rows:
        lines.append(";".join(str(r.get(c, "")) for c in cols))
    p = tmp_path / name
    p.write_text("\n".join(lines) + "\n", encoding=encoding)
    return p


def _reg_row(i: int, **kw) -> dict:
    base = {"NIK": f"17010120010{i:05d}", "NO_KK": f"17010120019{i:05d}", "NAMA": f"Siti Aminah {i} [SINTETIS]",
            "ALAMAT": "Jl. Sintetis No. 1", "KODE_DESA": "1701012001", "DESIL": 2, "JML_ART": 4, "JML_BALITA": 1,
            "JML_ANAK_SEKOLAH": 1, "JML_LANSIA": 0, "JML_DISABILITAS": 0, "JK_KRT": 2}
    base.update({f: 0 for f in readers.REGISTRY_COLUMNS if f.startswith("FLAG_")})
    base.update(kw)
    return base


def test_registry_reads_semicolon_latin1_and_recovers_excel_float_nik(tmp_path):
    rows = [_reg_row(1, NAMA="Teuku Ã\x89ri [SINTETIS]"), _reg_row(2, NIK="1701012001000002.0")]
    df = readers.read_registry(_registry_csv(tmp_path, rows))
    assert df["nik"].tolist() == ["1701012001000001", "1701012001000002"]
    assert df["head_female"].tolist() == [1, 1]
    assert df["row_no"].tolist() == [1, 2]
    assert df["kab_code"].tolist() == ["1701", "1701"]


def test_registry_bad_nik_cases(tmp_path):
    rows = [_reg_row(1), _reg_row(2, NIK="1.70101E+15"), _reg_row(3, NIK="17010120"), _reg_row(4, NIK="1701012001000001"),
            _reg_row(5, KODE_DESA="1801012001")]
    with pytest.raises(SchemaError) as ei:
        readers.read_registry(_registry_csv(tmp_path, rows))
    msg = str(ei.value)
    assert "dtks.csv, column 'NIK' (nik): numbers stored in scientific notation by Excel" in msg and "[rows 2;" in msg
    assert "column 'NIK' (nik): values not of the form '\\\\d{16}' [rows 2, 3;" in msg
    assert "column 'NIK' (nik): duplicate keys [rows 1, 4;" in msg
    assert "column 'KODE_DESA' (desa_code): codes that are not in the region list of Provinsi Bengkulu [rows 5;" in msg


def _podes_raw(year: int = 2024) -> pd.DataFrame:
    cw = crosswalk("podes", year)
    return pd.DataFrame({
        cw["desa"]: ["1701012001", "1771011001"], cw["desa_name"]: ["Batu Ampar", "X"], cw["status"]: [1, 2],
        cw["pop_male"]: [400, 3000], cw["pop_female"]: [420, 3100], cw["families"]: [250, 1800],
        cw["families_electric"]: [240, 1800], cw["water"]: [2, 1], cw["toilet"]: [1, 1], cw["disasters"]: [1, 0],
        cw["dist_school"]: [0.5, 0.0], cw["dist_health"]: [7.5, 1.0], cw["malnutrition"]: [2, 0],
        cw["road"]: [3, 1], cw["signal"]: [2, 1], cw["dist_market"]: [12.0, 0.5],
        cw["lat"]: [-4.6, -3.8], cw["lon"]: [103.1, 102.26]})


def test_podes_round_trip_and_unknown_village(tmp_path):
    raw = _podes_raw()
    p = tmp_path / "podes2024_desa.dta"
    pyreadstat.write_dta(raw, str(p), variable_value_labels={"R1005": {1: "kuat", 2: "lemah", 3: "tidak ada"}})
    v = readers.read_podes(p, 2024)
    assert v["desa_code"].tolist() == ["1701012001", "1771011001"]
    assert v["kec_code"].tolist() == ["170101", "177101"]
    assert v["population"].tolist() == [820, 6100]
    assert v["signal"].tolist() == [1, 2]
    assert v["electricity_share"].tolist() == [0.96, 1.0]
    assert v.attrs["value_labels"]["R1005"][3] == "tidak ada"
    raw.loc[1, "KODE_DESA"] = "1701019999"
    pyreadstat.write_sav(raw, str(tmp_path / "bad.sav"))
    with pytest.raises(SchemaError, match=r"bad.sav, column 'KODE_DESA' \(desa_code\): codes that are not in the region list of Provinsi Bengkulu \[rows 2;"):
        readers.read_podes(tmp_path / "bad.sav", 2024)


def test_programme_map_comma_decimals_xlsx(tmp_path):
    rows = pd.DataFrame({
        "TAHUN": ["2024", "2024"], "KODE": ["P01", "P01"], "PROGRAM": ["Bedah Rumah"] * 2, "KEGIATAN": ["RTLH"] * 2,
        "OPD": ["Dinas Perkim"] * 2, "STRATEGI": ["3", "3"], "KLASTER": ["4", "4"], "SUMBER_DANA": ["APBD Kabupaten/Kota"] * 2,
        "SASARAN": ["keluarga miskin"] * 2, "TARGET": ["10", "5"], "CAPAIAN": ["8", "5"], "SATUAN": ["unit"] * 2,
        "LOKUS": ["1701012001", "1701012002"], "KODE_KAB": ["1701", "1701"], "PAGU": ["1.250.000.000,00", "600.000.000"],
        "REALISASI": ["1.000.000.000,50", "590.000.000"]})
    p = tmp_path / "peta_program_2024.xlsx"
    rows.to_excel(p, index=False)
    pm = readers.read_programmes(p)
    assert pm["budget"].tolist() == [1.25e9, 6e8]
    assert pm["realisation"].tolist() == [1000000000.5, 5.9e8]
    rows.loc[1, "SUMBER_DANA"] = "APBX"
    rows.to_excel(p, index=False)
    with pytest.raises(SchemaError, match=r"column 'SUMBER_DANA' \(fund_source\): values outside the allowed list .* \[rows 2;"):
        readers.read_programmes(p)


def test_boundaries_reader_on_real_open_data():
    data = Path(__file__).resolve().parent / "data"  # real boundary samples, see their SOURCE.md
    g = readers.read_boundaries(data / "bengkulu_1771_kecamatan.geojson", "kecamatan")
    assert sorted(g["code"]) == [f"17710{i}" for i in range(1, 10)]
    assert g["name"].notna().all()
    um = g.attrs["unmatched"]
    assert not (um["side"] == "file").any()  # every polygon's code is a real kecamatan
    assert (um["side"] == "region list").sum() == 129 - 9  # the sample covers Kota Bengkulu only
    k = readers.read_boundaries(data / "bengkulu_kabupaten.geojson", "kabupaten")
    assert sorted(k["code"]) == ["1701", "1702", "1703", "1704", "1705", "1706", "1707", "1708", "1709", "1771"]
    assert len(k.attrs["unmatched"]) == 0


def test_boundaries_unmatched_codes_are_reported(tmp_path):
    import geopandas as gpd
    from shapely.geometry import box

    g = gpd.GeoDataFrame({"kode": ["17.01", "19.99"]}, geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1)], crs="EPSG:4326")
    p = tmp_path / "kab.geojson"
    g.to_file(p, driver="GeoJSON")
    out = readers.read_boundaries(p, "kabupaten")
    um = out.attrs["unmatched"]
    assert um.loc[um["side"] == "file", "code"].tolist() == ["1999"]
    assert len(um[um["side"] == "region list"]) == 9


# --------------------------------------------------------------------------- fast paths
# The pyarrow fast paths must give exactly the frames the pandas paths give.
CSV_CASES = {
    "crlf": b"a;b;c\r\n1;2;3\r\n4;5;6\r\n",
    "cr_only": b"a;b;c\r1;2;3\r4;5;6\r",
    "blank_lines": b"a;b;c\n1;2;3\n\n4;5;6\n\n\n",
    "no_final_newline": b"a;b;c\n1;2;3\n4;5;6",
    "ragged_short": b"a;b;c\n1;2\n4;5;6\n",
    "ragged_long": b"a;b;c\n1;2;3;4\n4;5;6\n",
    "all_rows_long": b"a;b;c\n1;2;3;4\n4;5;6;7\n",
    "bom": b"\xef\xbb\xbfa;b;c\n1;2;3\n",
    "cp1252": "a;b;nama\n1;2;Jos\xe9\n".encode("cp1252"),
    "utf8": "a;b;nama\n1;2;Jos\xe9 \u0663\n".encode(),
    "whitespace_line": b"a;b;c\n1;2;3\n   \n4;5;6\n",
    "leading_blank_lines": b"\n\na;b;c\n1;2;3\n",
    "duplicate_header": b"a;a;c\n1;2;3\n",
    "empty_header": b"a;;c\n1;2;3\n",
    "trailing_separator": b"a;b;c;\n1;2;3;\n",
    "spaces_and_decimal_comma": b" a ; b ;c\n 1 ; 2,5 ;  \n0012;3;x\n",
    "quoted": b'a;b;c\n"1;x";2;3\n',
    "comma": b"a,b,c\n1,2.5,x\n0012,3,y\n",
    "tab": b"a\tb\tc\n1\t2\t3\n",
    "one_column": b"a\n1\n2\n",
    "header_only": b"a;b;c\n",
    "empty_cells": b"a;b;c\n;;\n1;;3\n",
    "long_ids": b"NIK;x\n1701012001000001;1\n1701012001000002.0;2\n",
}
FAST = {"crlf", "blank_lines", "no_final_newline", "bom", "cp1252", "utf8",
        "spaces_and_decimal_comma", "comma", "tab", "header_only", "empty_cells", "long_ids"}


@pytest.mark.parametrize("name", sorted(CSV_CASES))
def test_plain_csv_fast_path_gives_the_pandas_frame(tmp_path, monkeypatch, name):
    p = tmp_path / f"{name}.csv"
    p.write_bytes(CSV_CASES[name])
    used = []
    real = readers._read_plain_csv

    def spy(*a):
        out = real(*a)
        used.append(out is not None)
        return out

    def read_both():
        out = []
        for as_text in (True, False):
            try:
                out.append(readers.read_raw(p, as_text=as_text))
            except TkpkError as e:
                out.append(str(e))
        return out

    monkeypatch.setattr(tabular, "_read_plain_csv", spy)
    fast = read_both()
    assert all(used) == (name in FAST)
    monkeypatch.setattr(tabular, "_read_plain_csv", lambda *a: None)
    for f, s in zip(fast, read_both(), strict=True):
        if isinstance(f, str) or isinstance(s, str):
            assert f == s
        else:
            pd.testing.assert_frame_equal(f, s)


def test_whole_number_ids_to_text_match_the_general_path():
    def general(s):
        return s.astype("string").str.strip().str.replace(r"\.0+$", "", regex=True)

    cases = {
        "floats": ([1.0, np.nan, -3.0, 0.0, 999999999999999.0, 17.0], True),
        "ints": (np.array([1, -2, 0, 10**14], dtype=np.int64), True),
        "all_missing": ([np.nan, np.nan], True),
        "negative_zero": ([-0.0, 1.0], False),
        "fraction": ([1.5, 2.0], False),
        "exponent_form": ([1e16], False),
        "huge_int": (np.array([2**62], dtype=np.int64), False),
    }
    for name, (v, fast) in cases.items():
        s = pd.Series(v, index=np.arange(len(v)) + 5, name="x")
        assert (readers._whole_number_text(s) is not None) == fast, name
        pd.testing.assert_series_equal(readers._id_text(s), general(s))


def test_digit_text_to_int_matches_to_numeric():
    for v, fast in ((["1", "02", "3"], True), (["1", ""], False), (["1", None], False), ([" 1", "2"], False),
                    (["1" * 19], False), (["-1", "2"], False), (["1.0"], False), (["\u0663"], False)):
        s = pd.Series(v, dtype="str", name="k")
        assert (readers._digit_text_to_int(s) is not None) == fast, v
        pd.testing.assert_series_equal(readers._num(s), pd.to_numeric(s, errors="coerce"))


def test_registry_fast_paths_give_the_same_table(tmp_path, monkeypatch):
    from tkpk_lib.data import column_checks, identifiers, validate

    rows = [_reg_row(i, JML_ART=i % 7 + 1, DESIL=i % 10 + 1, JK_KRT=1 + i % 2) for i in range(1, 40)]
    rows[3]["NIK"] = rows[3]["NIK"] + ".0"
    rows[5]["JML_LANSIA"] = " 1 "
    rows[6]["NAMA"] = "Ani \u00c9 [SINTETIS]"
    p = _registry_csv(tmp_path, rows)
    fast = readers.read_registry(p)
    for mod, name in ((tabular, "_read_plain_csv"), (values, "_digit_text_to_int"),
                      (values, "_whole_number_text"), (column_checks, "_digits_to_float")):
        monkeypatch.setattr(mod, name, lambda *a, **k: None)
    for mod in (validate, identifiers):
        monkeypatch.setattr(mod, "_fullmatch_text",
                            lambda st, pat: st.fillna("").str.fullmatch(pat).fillna(False).to_numpy(dtype=bool))
    monkeypatch.setattr(validate, "_duplicated_keys", lambda out, key: out.duplicated(key, keep=False).to_numpy())
    monkeypatch.setattr(validate, "_isin_text", lambda st, values: st.isin(list(values)).to_numpy(dtype=bool))
    pd.testing.assert_frame_equal(fast, readers.read_registry(p))
    assert fast["nik"].iloc[3] == "1701012001000004" and fast["n_elderly"].iloc[5] == 1
