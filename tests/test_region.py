"""The province is a setting: the Region of a province and of a data root.

Counts are checked against the national reference read independently (plain pandas over the
whole shipped file) and against the published totals of Kepmendagri 300.2.2-2138/2025.
"""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path

import pandas as pd
import pytest

from tkpk_lib import cli
from tkpk_lib.data import readers
from tkpk_lib.data import reference_data as ref
from tkpk_lib.data.region import Region, current_region, use_region
from tkpk_lib.data.region_root import region_of_root, use_root
from tkpk_lib.errors import SchemaError, TkpkError


@pytest.fixture
def fresh_region(monkeypatch):
    """No process province set by an earlier test, none in the environment; reset afterwards."""
    monkeypatch.delenv("TKPK_PROVINCE", raising=False)
    use_region(None)
    yield
    use_region(None)


@pytest.fixture(scope="module")
def national() -> pd.DataFrame:
    with resources.files("tkpk_lib.reference").joinpath("wilayah.csv.gz").open("rb") as fh:
        return pd.read_csv(fh, compression="gzip", dtype=str, keep_default_na=False)


def test_national_reference_is_shipped_whole(national):
    assert national["level"].value_counts().to_dict() == {
        "desa_kelurahan": 83_762, "kecamatan": 7_285, "kabupaten_kota": 514, "provinsi": 38}
    dk = national[national["level"] == "desa_kelurahan"]
    # desa vs kelurahan from the code: 4th segment starting with 2 = desa, 1 = kelurahan
    assert (dk["jenis"] == dk["kode"].str[6].map({"1": "kelurahan", "2": "desa"}).fillna("?")).all()
    # the province-only read gives exactly the province's rows, for every province
    from tkpk_lib.data import region as R

    for code in national.loc[national["level"] == "provinsi", "kode"]:
        want = national[national["kode"].str.startswith(code)].reset_index(drop=True)
        pd.testing.assert_frame_equal(R._wilayah_rows(code), want)
    upper = national[national["kode"].str.len() <= 4].reset_index(drop=True)
    pd.testing.assert_frame_equal(R.national_units(), upper)


@pytest.mark.parametrize(
    ("code", "name", "n_kab", "n_kota"),
    [("17", "Bengkulu", 9, 1), ("13", "Sumatera Barat", 12, 7), ("35", "Jawa Timur", 29, 9)],
)
def test_region_units_titles_and_patterns(code, name, n_kab, n_kota, national):
    r = Region.from_code(code)
    assert (r.code, r.name, r.title) == (code, name, f"Provinsi {name}")
    kinds = [u.kind for u in r.units]
    assert (kinds.count("kabupaten"), kinds.count("kota")) == (n_kab, n_kota)
    # units = the national file's kabupaten/kota under the province, in code order
    kab = national[(national["level"] == "kabupaten_kota") & (national["kode_induk"] == code)]
    assert r.kab_codes == tuple(kab["kode"])
    assert [u.name for u in r.units] == kab["nama"].tolist()
    assert all((u.kind == "kota") == u.name.startswith("Kota ") for u in r.units)
    assert r.unit_codes == (*r.kab_codes, code)
    # lists of kecamatan and desa/kelurahan, the latter split by the code
    kec = national[(national["level"] == "kecamatan") & national["kode"].str.startswith(code)]
    assert sorted(r.kecamatan()["code"]) == sorted(kec["kode"])
    dk = national[(national["level"] == "desa_kelurahan") & national["kode"].str.startswith(code)]
    got = r.desa()
    assert len(got) == len(dk)
    assert (got["level"] == "kelurahan").sum() == (dk["kode"].str[6] == "1").sum()
    # code patterns built from the province code
    assert r.kab_pattern == code + r"\d{2}"
    assert all(re.fullmatch(r.kab_pattern, c) for c in r.kab_codes)
    assert all(re.fullmatch(r.kec_pattern, c) for c in kec["kode"])
    assert all(re.fullmatch(r.desa_pattern, c) for c in dk["kode"])
    other = national[(national["level"] == "desa_kelurahan") & ~national["kode"].str.startswith(code)]
    assert not any(re.fullmatch(r.desa_pattern, c) for c in other["kode"].head(2000))


def test_bengkulu_matches_the_old_region_table():
    old = pd.read_csv(resources.files("tkpk_lib.reference").joinpath("regions.csv").open(encoding="utf-8"),
                      dtype=str, keep_default_na=False)
    r = Region.from_code("17")
    pd.testing.assert_frame_equal(r.table(), old)
    assert r.table("desa")["level"].value_counts().to_dict() == {"desa": 1341, "kelurahan": 172}
    assert r.unit_slug("1771") == "1771_kota_bengkulu"
    assert r.unit_slug("1702") == "1702_rejang_lebong"
    assert r.unit_slug("17") == "17_provinsi_bengkulu"


def test_other_province_names_slugs_and_missing_reference_tables():
    r = Region.from_code("13")
    assert r.unit_name("1371") == "Kota Padang" and r.unit_name("13") == "Provinsi Sumatera Barat"
    assert r.unit_slug("1306") == "1306_agam"
    assert r.unit_slug("1305") == "1305_padang_pariaman"
    assert not r.has_bps_bridge and Region.from_code("17").has_bps_bridge
    assert ref.official_indicators("13").empty and not ref.has_official_indicators("13")
    with pytest.raises(TkpkError, match=r"published BPS figures .* of Provinsi Sumatera Barat \(13\) are "
                                        r"not shipped .*--poverty-lines"):
        ref.calibration_grid(province="13")
    with pytest.raises(TkpkError, match="'99' is not a province code"):
        Region.from_code("99")


def test_process_province_follows_the_setting(fresh_region, monkeypatch):
    from tkpk_lib.batch import jobs
    from tkpk_lib.reporting import labels

    use_region("13")
    assert ref.KAB_CODES == Region.from_code("13").kab_codes
    assert labels.PROVINCE_CODE == "13" and jobs.PROVINCE_CODE == "13"
    assert labels.unit_name("13") == "Provinsi Sumatera Barat"
    assert labels.unit_name("1771") == "Kota Bengkulu"  # another province's unit: national name
    assert jobs._check_codes(["1371", "13"]) == ["1371", "13"]
    with pytest.raises(Exception, match=r"valid codes of Provinsi Sumatera Barat are 1301, "):
        jobs._check_codes(["1701"])
    use_region(None)
    monkeypatch.setenv("TKPK_PROVINCE", "17")
    assert current_region().title == "Provinsi Bengkulu"


# ---------------------------------------------------------------- the root's province


def _kor_rt(path: Path, prov: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"R101,R102\n{prov},1\n{prov},2\n", encoding="utf-8")


def test_root_configuration_and_errors(tmp_path, fresh_region):
    (tmp_path / "tkpk.toml").write_text('province = "13"\n', encoding="utf-8")
    assert region_of_root(tmp_path).code == "13"
    (tmp_path / "tkpk.toml").write_text('province = "98"\n', encoding="utf-8")
    with pytest.raises(TkpkError, match=r"tkpk.toml: province = '98' is not a province code"):
        region_of_root(tmp_path)
    (tmp_path / "tkpk.toml").write_text('provinsi = "13"\n', encoding="utf-8")
    with pytest.raises(TkpkError, match=r'tkpk.toml: no "province" setting'):
        region_of_root(tmp_path)
    (tmp_path / "tkpk.toml").unlink()
    with pytest.raises(TkpkError, match=r"cannot tell the province: no tkpk.toml"):
        region_of_root(tmp_path)


def test_root_province_inferred_from_files_and_confirmed(tmp_path, capsys, fresh_region):
    _kor_rt(tmp_path / "raw" / "Susenas" / "2024" / "SSN2403_KOR_RT.csv", 13)
    assert region_of_root(tmp_path, announce=True).code == "13"
    assert capsys.readouterr().out == "Provinsi dibaca dari berkas: 13 Sumatera Barat\n"
    # the registry's desa codes tell it too
    reg = tmp_path / "r2" / "raw" / "registry" / "dtks.csv"
    reg.parent.mkdir(parents=True)
    reg.write_text("NIK;KODE_DESA\n3573010001000001;3573011001\n", encoding="utf-8")
    assert region_of_root(tmp_path / "r2").title == "Provinsi Jawa Timur"


def test_files_of_two_provinces_are_an_error_naming_them(tmp_path, fresh_region):
    a = tmp_path / "raw" / "susenas" / "2023" / "kor_rt.csv"
    b = tmp_path / "raw" / "susenas" / "2024" / "kor_rt.csv"
    _kor_rt(a, 17)
    _kor_rt(b, 13)
    with pytest.raises(TkpkError) as e:
        region_of_root(tmp_path)
    msg = str(e.value)
    assert f"files of more than one province (13: {b}; 17: {a})" in msg
    assert "tkpk.toml" in msg


@pytest.fixture(scope="module")
def bengkulu_files(tmp_path_factory) -> Path:
    from tkpk_lib.synthetic import generate_demo

    root = tmp_path_factory.mktemp("bengkulu") / "data"
    generate_demo(root, years=(2024,), seed=2024, small=True, registry_households=50)
    return root


def test_root_configured_for_another_province_than_its_files(bengkulu_files, tmp_path, capsys,
                                                              fresh_region):
    import shutil

    root = tmp_path / "data"
    shutil.copytree(bengkulu_files / "raw", root / "raw")
    assert region_of_root(root).code == "17"  # read from the files
    (root / "tkpk.toml").write_text('province = "13"\n', encoding="utf-8")
    assert use_root(root).code == "13"
    with pytest.raises(SchemaError) as e:
        readers.read_susenas(root / "raw" / "susenas" / "2024", 2024)
    msg = str(e.value)
    kor = next((root / "raw" / "susenas" / "2024").glob("*kor_rt*")).name
    assert re.search(rf"{re.escape(kor)}, column 'R101' \(prov\): province code is not 13 \(Sumatera "
                     r"Barat\), the province of the data root \[rows 1, 2, 3", msg)
    # the command stops before writing anything, naming the file
    use_region(None)
    assert cli.main(["build", "--root", str(root), "--cache-dir", str(tmp_path / "c")]) == 2
    err = capsys.readouterr().err
    assert kor in err and "province code is not 13 (Sumatera Barat)" in err


def test_missing_reference_tables_are_named_never_replaced(fresh_region):
    from tkpk_lib.analysis import trends

    assert ref.missing_reference_tables("17") == []
    lines = ref.missing_reference_tables("13")
    assert lines == [
        "Angka resmi BPS (garis kemiskinan, P0, penduduk) Provinsi Sumatera Barat tidak tersedia di "
        "tkpk_lib/reference/official_indicators.csv: berikan garis kemiskinan sendiri dengan "
        "--poverty-lines FILE (kolom kab_code, year, poverty_line)",
        "Target indikator Provinsi Sumatera Barat tidak tersedia di tkpk_lib/reference/targets.csv: "
        "bagian target kosong; berikan target sendiri dengan --targets FILE",
        "Padanan kode kecamatan BPS-Kemendagri Provinsi Sumatera Barat tidak tersedia di "
        "tkpk_lib/reference/regions.csv: kode kecamatan Susenas tidak dapat dipadankan; "
        "letakkan padanan sendiri di bps_kecamatan.csv pada folder data (kolom kec_code, kec_bps)",
    ]
    assert len(ref.missing_reference_tables("13", own_poverty_lines=True, own_targets=True)) == 1
    # targets of another province are never compared: the province's own rows only
    assert trends.target_table("13").empty
    assert set(trends.target_table("17")["kab_code"].str[:2]) == {"17"}
    use_region("13")
    est = pd.DataFrame({"indicator": ["p0"], "year": [2024], "estimate": [0.1], "ci_low": [0.09],
                        "ci_high": [0.11]})
    tg = pd.DataFrame({"indicator": ["p0", "p0"], "kab_code": ["13", "17"], "year": [2026, 2026],
                       "target": [0.05, 0.2], "status": "illustrative", "source": "test"})
    got = trends.compare_targets(est, tg)
    assert got["kab_code"].tolist() == ["13"] and got["target"].tolist() == [0.05]


def test_users_own_bps_kecamatan_bridge(tmp_path, fresh_region):
    from tkpk_lib.data import region as R
    from tkpk_lib.data.readers.values import _bps_kec_map

    (tmp_path / "tkpk.toml").write_text('province = "13"\n', encoding="utf-8")
    (tmp_path / "bps_kecamatan.csv").write_text("kec_code,kec_bps\n130601,1306010\n130602,1306020\n",
                                                encoding="utf-8")
    try:
        assert not Region.from_code("13").has_bps_bridge
        region_of_root(tmp_path)
        assert Region.from_code("13").has_bps_bridge
        assert _bps_kec_map()["1306020"] == "130602"
        assert len(ref.missing_reference_tables("13")) == 2  # official figures and targets
        (tmp_path / "bps_kecamatan.csv").write_text("kec_code,kec_bps\n130601,1306010\n170101,1701042\n",
                                                    encoding="utf-8")
        with pytest.raises(TkpkError, match=r"bps_kecamatan.csv, columns 'kec_code', 'kec_bps': not a "
                                            r"kecamatan of Provinsi Sumatera Barat .*\[rows 3; 1 row"):
            region_of_root(tmp_path)
    finally:
        R._USER_BRIDGE.clear()


def test_run_configuration_carries_the_region(tmp_path, fresh_region):
    from tkpk_lib.batch import pipeline
    from tkpk_lib.batch.config import RunConfig

    assert RunConfig(root=tmp_path, year=2024, region="13").region is Region.from_code("13")
    (tmp_path / "tkpk.toml").write_text('province = "13"\n', encoding="utf-8")
    cfg = pipeline._with_region(RunConfig(root=tmp_path, year=2024, progress=False))
    assert cfg.region.title == "Provinsi Sumatera Barat"
    assert current_region() is cfg.region  # the process's province for the run
    assert pipeline.ALL_UNITS == cfg.region.unit_codes and len(cfg.region.unit_codes) == 20
    with pytest.raises(Exception, match="cannot assign"):
        cfg.region = Region.from_code("17")


def test_province_without_shipped_poverty_lines_needs_the_users_own(fresh_region):
    from tkpk_lib.data.readers.susenas import _add_poverty_line
    from tkpk_lib.errors import ReportError
    from tkpk_lib.reporting.cache import require_poverty_lines

    hh = pd.DataFrame({"kab_code": ["1371", "1306"], "urban": [1, 0]})
    use_region("13")
    problems: list = []
    _add_poverty_line(hh, 2024, None, problems)
    # left empty, never filled with another province's lines; the prepare step then stops
    assert problems == [] and hh["poverty_line"].isna().all()
    with pytest.raises(ReportError, match=r"^2024: published poverty lines of Provinsi Sumatera Barat "
                                          r"\(13\) are not shipped .*--poverty-lines FILE"):
        require_poverty_lines(hh, 2024)
    own = pd.DataFrame({"kab_code": ["1371", "1306"], "year": 2024, "poverty_line": [700000.0, 600000.0]})
    _add_poverty_line(hh, 2024, own, problems)
    assert hh["poverty_line"].tolist() == [700000.0, 600000.0] and problems == []
    require_poverty_lines(hh, 2024)
    # the province with shipped lines gets its published line
    use_region("17")
    kota = pd.DataFrame({"kab_code": ["1771"], "urban": [1]})
    _add_poverty_line(kota, 2024, None, problems)
    assert kota["poverty_line"].tolist() == [820354.0]
