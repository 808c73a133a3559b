"""A demo for a second province (13 Sumatera Barat), generated and checked file by file.

Sumatera Barat has 12 kabupaten and 7 kota (Bengkulu: 9 and 1), 179 kecamatan and 1,265
nagari/desa/kelurahan: more units, several kota and no published figures shipped, so every
part of the generator that Bengkulu's facts used to carry (seats, outline, calibration, BPS
kecamatan codes) has to come from the national reference or be marked assumed.
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Iterator
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyreadstat
import pytest
import shapely

from tkpk_lib.data.region import Region
from tkpk_lib.errors import TkpkError
from tkpk_lib.synthetic import demo_assumed_note, generate_demo
from tkpk_lib.synthetic._io import raw_names
from tkpk_lib.synthetic._province import assumed_grid, demo_province

PROVINCE = "13"
YEARS = (2023, 2024)
SEED = 2024


@pytest.fixture(scope="module")
def demo13(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    root = tmp_path_factory.mktemp("demo13")
    return root, generate_demo(root, years=YEARS, seed=SEED, small=True, province=PROVINCE)


@pytest.fixture(scope="module")
def region() -> Region:
    return Region.from_code(PROVINCE)


def test_units_are_the_national_ones(demo13, region):
    root, out = demo13
    kab = gpd.read_file(root / "raw" / "boundaries" / "kabupaten.gpkg")
    assert kab["code"].tolist() == list(region.kab_codes)
    assert len(kab) == 19 and (kab["level"] == "kota").sum() == 7
    assert dict(zip(kab["code"], kab["name"], strict=True)) == {u.code: u.name for u in region.units}
    assert set(kab.loc[kab["level"] == "kota", "code"]) == {f"13{k}" for k in range(71, 78)}
    assert (kab["parent"] == PROVINCE).all()
    kec = gpd.read_file(root / "raw" / "boundaries" / "kecamatan.gpkg")
    desa = gpd.read_file(root / "raw" / "boundaries" / "desa.gpkg")
    assert sorted(kec["code"]) == sorted(region.kecamatan()["code"]) and len(kec) == 179
    assert sorted(desa["code"]) == sorted(region.desa()["code"]) and len(desa) == 1265
    kel = region.desa().set_index("code")["level"]
    assert (desa.set_index("code")["level"] == kel.reindex(desa["code"])).all()
    assert out["province"] == PROVINCE and out["assumed"] is True


def test_geometry_nests_and_kota_are_small(demo13):
    root, _ = demo13
    b = root / "raw" / "boundaries"
    kab, kec, desa = (gpd.read_file(b / f"{n}.gpkg") for n in ("kabupaten", "kecamatan", "desa"))
    area = {id(g): pd.Series(shapely.area(g.geometry.to_numpy()), index=g.index) for g in (kab, kec, desa)}
    for g in (kab, kec, desa):  # areas in square degrees: the demo's own unit
        assert g.geometry.is_valid.all() and (area[id(g)] > 0).all()
    # each level is the union of the one below it (up to the filled slivers)
    for upper, lower, key in ((kec, desa, "parent"), (kab, kec, "parent")):
        area_lower = area[id(lower)].groupby(lower[key]).sum()
        np.testing.assert_allclose(
            area[id(upper)].set_axis(upper["code"]).reindex(area_lower.index), area_lower, rtol=1e-4
        )
    # levels tile the province without overlap: kabupaten areas add up to their union
    union = shapely.union_all(kab.geometry.to_numpy())
    assert area[id(kab)].sum() == pytest.approx(union.area, rel=1e-6)
    is_kota = kab["level"] == "kota"
    assert (area[id(kab)][is_kota] <= np.pi * 0.075**2 * 1.01).all()
    assert area[id(kab)][is_kota].max() < area[id(kab)][~is_kota].min()


def test_surveys_carry_the_province(demo13, region):
    root, out = demo13
    rt, _ = pyreadstat.read_dta(root / "raw" / "susenas" / "2024" / "ssn2403_kor_rt.dta")
    names = raw_names("susenas_rt", 2024)
    assert set(rt[names["prov"]].astype(int)) == {13}
    kab = (PROVINCE + rt[names["kab"]].astype(int).map("{:02d}".format)).unique()
    assert sorted(kab) == sorted(region.kab_codes)
    # BPS kecamatan codes: the synthetic bridge written at the root covers every sampled one
    bridge = pd.read_csv(root / "bps_kecamatan.csv", dtype=str).rename(
        columns={"kec_code": "code", "kec_bps": "code_bps"})
    assert len(bridge) == 179 and bridge["code_bps"].str.len().eq(7).all()
    sampled = set(
        PROVINCE + rt[names["kab"]].astype(int).map("{:02d}".format)
        + rt[names["kec_bps"]].astype(int).map("{:03d}".format)
    )
    assert sampled <= set(bridge["code_bps"])
    assert bridge.set_index("code").loc["130101", "code_bps"] == "1301010"
    sak, _ = pyreadstat.read_sav(root / "raw" / "sakernas" / "2024" / "sak2408.sav")
    assert set(sak[raw_names("sakernas", 2024)["prov"]].astype(int)) == {13}
    reg = pd.read_csv(root / "raw" / "registry" / "dtks_13_2024.csv", dtype=str, sep=None, engine="python")
    assert out["files"]["raw/registry/dtks_13_2024.csv"] == 6000 == len(reg)
    prog = pd.read_excel(root / "raw" / "programmes" / "peta_program_2024.xlsx", dtype=str)
    assert set(prog["KODE_KAB"]) <= set(region.kab_codes)
    assert prog["LOKUS"].str.startswith(PROVINCE).all()
    comp = pd.read_csv(root / "raw" / "complaints" / "pengaduan_2024.csv", sep=";", dtype=str)
    assert comp["KODE_DESA"].str.startswith(PROVINCE).all()


def test_no_other_province_in_any_file(demo13):
    root, _ = demo13
    hits = [
        str(p.relative_to(root))
        for p in root.rglob("*")
        if p.is_file() and b"bengkulu" in p.read_bytes().lower()
    ]
    assert hits == []


def test_figures_are_assumed_and_calibrated(demo13):
    root, out = demo13
    marker = json.loads((root / "tkpk_demo.json").read_text(encoding="utf-8"))
    assert marker["assumed"] is True and marker["province"] == PROVINCE
    note = demo_assumed_note(root)
    assert note is not None and "Sumatera Barat" in note and "asumsi" in note
    readme = (root / "README.md").read_text(encoding="utf-8")
    assert readme.startswith("# Data demo SINTETIS - Provinsi Sumatera Barat")
    assert note in readme and "ASSUMED FIGURES" in readme
    assert tomllib.loads((root / "tkpk.toml").read_text(encoding="utf-8")) == {"province": PROVINCE}
    grid = assumed_grid(demo_province(PROVINCE, SEED), tuple(range(2019, 2025)), SEED)
    assert grid["assumed"].all() and (grid["source"] == "").all()
    p0 = grid[grid["indicator"] == "p0_persen"].set_index(["kab_code", "year"])["value"]
    for year in YEARS:
        t = pd.read_csv(root / "truth" / f"susenas_truth_{year}.csv", dtype={"code": str})
        kab = t[t["level"] == "kabupaten"].set_index("code")["p0_persen"]
        assert len(kab) == 19
        for code, v in kab.items():
            assert v == pytest.approx(p0[(code, year)], abs=1e-3)
    # kota are assumed less poor than kabupaten, on the whole
    last = p0.xs(2024, level="year")
    assert last[[c for c in last.index if c[2] == "7"]].mean() < last[[c for c in last.index if c[2] != "7"]].mean()


def test_reference_province_keeps_published_figures(tmp_path):
    out = generate_demo(tmp_path, years=(2024,), seed=SEED, small=True, registry_households=200)
    assert out["province"] == "17" and out["assumed"] is False
    assert demo_assumed_note(tmp_path) is None
    assert tomllib.loads((tmp_path / "tkpk.toml").read_text(encoding="utf-8")) == {"province": "17"}
    assert not (tmp_path / "reference").exists()


def test_unknown_province_is_refused(tmp_path):
    with pytest.raises(TkpkError, match="'99' is not a province code"):
        generate_demo(tmp_path / "x", years=(2024,), small=True, province="99")


# --------------------------------------------------------------------------- the whole run
@pytest.fixture(scope="module")
def run13(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    """``tkpk run --year 2024`` over every unit of a small province-13 demo (HTML only, 2 jobs)."""
    import argparse
    import time

    from tkpk_lib.batch import pipeline

    root = tmp_path_factory.mktemp("run13_data")
    t0 = time.perf_counter()
    generate_demo(root, years=YEARS, seed=SEED, small=True, province=PROVINCE)
    out = tmp_path_factory.mktemp("run13_reports")
    args = argparse.Namespace(
        year=2024, comparison_year=None, kab=None, jobs=2, scheduler=None, root=str(root),
        out=str(out), run_id="sumbar", target="poor", no_pdf=True, small=True)
    code = pipeline.run_cli(args)
    yield {"code": code, "root": root, "run_dir": out / "sumbar", "seconds": time.perf_counter() - t0}
    # the run made its province and the demo's own BPS bridge the process's: leave none behind
    from tkpk_lib.data import region as region_mod

    region_mod._USER_BRIDGE.pop(PROVINCE, None)
    region_mod.use_region(None)


def test_whole_province_run(run13, region):
    assert run13["code"] == 0
    run_dir = run13["run_dir"]
    folders = sorted(p.name for p in run_dir.iterdir() if p.is_dir())
    expected = sorted(region.unit_slug(c) for c in region.unit_codes)
    assert folders == expected and len(folders) == 20
    assert "1371_kota_padang" in folders and "13_provinsi_sumatera_barat" in folders
    for code in region.unit_codes:
        unit = run_dir / region.unit_slug(code)
        for name in ("evaluasi_tahunan.html", "lampiran_lp2kd.html", f"lampiran_lp2kd_{code}_2024.xlsx"):
            assert (unit / name).is_file(), (code, name)
        assert not list(unit.glob("*.pdf"))  # HTML only
    # the demo's own poverty lines, bridge and targets (raw/targets/) were taken from its data root
    manifest = json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["province"] == PROVINCE
    assert manifest["reference_missing"] == []
    html = (run_dir / "13_provinsi_sumatera_barat" / "evaluasi_tahunan.html").read_text(encoding="utf-8")
    assert "<title>evaluasi_tahunan - Provinsi Sumatera Barat 2024</title>" in html
    for unit in region.units:
        assert unit.name in html, unit.name  # the province report names every kabupaten/kota


def test_whole_province_run_never_says_bengkulu(run13):
    hits = [
        str(p.relative_to(run13["run_dir"]))
        for p in run13["run_dir"].rglob("*")
        if p.is_file() and b"bengkulu" in p.read_bytes().lower()
    ]
    assert hits == []


def test_whole_province_run_tables_cover_every_unit(run13, region):
    entries = list((run13["root"] / "derived" / "2024").glob("*/indicators.parquet"))
    assert len(entries) == 1
    ind = pd.read_parquet(entries[0])
    cur = ind[(ind["year"] == 2024) & (ind["indicator"] == "p0")]
    assert sorted(cur["kab_code"]) == sorted(region.unit_codes)
    assert cur["se"].gt(0).all() and cur["estimate"].between(0, 1).all()
    change = pd.read_parquet(entries[0].with_name("change.parquet"))
    assert set(change["kab_code"]) == set(region.unit_codes) and change["comparable"].all()
    # the demo's own poverty lines were used (assumed, shipped with the demo, not Bengkulu's)
    lines = pd.read_csv(run13["root"] / "reference" / "poverty_lines.csv", dtype={"kab_code": str})
    assert sorted(lines["kab_code"].unique()) == sorted(region.kab_codes)
    print(f"province 13 demo + whole run: {run13['seconds']:.1f} s")


# --------------------------------------------------------------------------- a province's own tables
def test_root_poverty_lines_of_a_province_without_shipped_ones(tmp_path):
    from tkpk_lib.batch.config import RunConfig
    from tkpk_lib.batch.pipeline import _with_root_lines
    cfg = RunConfig(root=tmp_path, year=2024, region=Region.from_code(PROVINCE))
    assert _with_root_lines(cfg).poverty_lines is None  # nothing at the root: prepare says what is missing
    (tmp_path / "reference").mkdir()
    (tmp_path / "reference" / "poverty_lines.csv").write_text("kab_code,year,poverty_line\n1301,2024,600000\n")
    assert _with_root_lines(cfg).poverty_lines == tmp_path / "reference" / "poverty_lines.csv"
    given = RunConfig(root=tmp_path, year=2024, region=Region.from_code(PROVINCE), poverty_lines=tmp_path / "x.csv")
    assert _with_root_lines(given).poverty_lines == tmp_path / "x.csv"  # the user's option wins
    shipped = RunConfig(root=tmp_path, year=2024, region=Region.from_code("17"))
    assert _with_root_lines(shipped).poverty_lines is None  # published lines: nothing to add


def test_cli_demo_data_takes_the_province(monkeypatch, tmp_path, capsys):
    import tkpk_lib.synthetic as synthetic
    from tkpk_lib.cli import build_parser

    seen = {}

    def fake(root, **kw):
        seen.update(kw)
        return {"assumed": False}

    monkeypatch.setattr(synthetic, "generate_demo", fake)
    args = build_parser().parse_args(["demo-data", "--province", "13", "--small", "--root", str(tmp_path)])
    assert args.func(args) == 0
    assert seen == {"seed": 2024, "small": True, "province": "13"}
    seen.clear()
    args = build_parser().parse_args(["demo-data", "--root", str(tmp_path)])
    assert args.func(args) == 0 and "province" not in seen
