"""Boundary files with the usual export mistakes, injected into real polygons.

The sample is the nine kecamatan of Kota Bengkulu (tests/data/bengkulu_1771_kecamatan.geojson,
source in the .SOURCE.md beside it). Each test breaks it the way GIS exports go wrong and checks
the message of ``read_boundaries`` and the exit code and output of ``tkpk validate``.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Polygon, box

from tkpk_lib.cli import main
from tkpk_lib.data import readers
from tkpk_lib.errors import SchemaError, TkpkError

SAMPLE = Path(__file__).resolve().parent / "data" / "bengkulu_1771_kecamatan.geojson"
OTHER_KABS = (
    "1701 Kabupaten Bengkulu Selatan, 1702 Kabupaten Rejang Lebong, 1703 Kabupaten Bengkulu Utara, "
    "1704 Kabupaten Kaur, 1705 Kabupaten Seluma, 1706 Kabupaten Mukomuko, 1707 Kabupaten Lebong, "
    "1708 Kabupaten Kepahiang, 1709 Kabupaten Bengkulu Tengah"
)


def _sample() -> gpd.GeoDataFrame:
    return gpd.read_file(SAMPLE)


def _validate(capsys, *args: str) -> tuple[int, str, str]:
    rc = main(["validate", "--source", "boundaries", "--level", "kecamatan", *args])
    out = capsys.readouterr()
    return rc, out.out, out.err


def _bowtie(geom) -> Polygon:
    x0, y0, x1, y1 = geom.bounds
    return Polygon([(x0, y0), (x1, y1), (x1, y0), (x0, y1)])


def test_clean_sample_passes_and_names_the_absent_kabupaten(tmp_path, capsys):
    g = readers.read_boundaries(SAMPLE, "kecamatan")
    assert g["code"].tolist() == [f"17710{i}" for i in range(1, 10)]
    assert g.attrs["absent_kab"]["code"].tolist() == [
        "1701", "1702", "1703", "1704", "1705", "1706", "1707", "1708", "1709"]
    rc, out, err = _validate(capsys, str(SAMPLE))
    assert rc == 0, err
    assert (f"NOTE {SAMPLE.name}: no polygons at all for 9 kabupaten/kota of the region list "
            f"(the file covers part of the province): {OTHER_KABS}") in out
    assert f"OK {SAMPLE}: kecamatan polygons 9 rows" in out


def test_self_intersecting_polygon_is_named_and_repaired_into_a_new_file(tmp_path, capsys):
    g = _sample()
    g.loc[2, "geometry"] = _bowtie(g.geometry[2])  # 177103 Teluk Segara
    p = tmp_path / "kec.geojson"
    g.to_file(p, driver="GeoJSON")
    before = p.read_bytes()
    x0, y0, x1, y1 = g.geometry[2].bounds
    with pytest.raises(SchemaError) as e:
        readers.read_boundaries(p, "kecamatan")
    (pr,) = e.value.problems
    assert pr.file == "kec.geojson" and pr.column == "geometry" and list(pr.rows) == [3]
    assert pr.message.startswith(
        "invalid polygons: 177103 Teluk Segara (Self-intersection["
    )
    assert pr.message.endswith(
        "); a safe repair exists: tkpk validate --source boundaries --repair <new file> kec.geojson "
        "writes a repaired copy")

    rc, out, err = _validate(capsys, str(p))
    assert rc == 1
    assert "kec.geojson, column 'geometry': invalid polygons: 177103 Teluk Segara" in err
    assert "[rows 3; 1 row(s) in all]" in err

    fixed = tmp_path / "kec_repaired.gpkg"
    rc, out, err = _validate(capsys, "--repair", str(fixed), str(p))
    assert rc == 0, err
    assert f"REPAIRED {p.name} -> {fixed}: 1 unit(s)" in out
    assert "  - 177103 Teluk Segara (row 3): invalid polygon (Self-intersection[" in out
    assert "made valid (shapely.make_valid)" in out
    assert ("  use the copy in place of kec.geojson: a run reads raw/boundaries/kecamatan.gpkg, "
            "kecamatan.geojson or kecamatan.shp (keep one file per level)") in out
    assert p.read_bytes() == before  # the user's file is never touched
    r = readers.read_boundaries(fixed, "kecamatan")
    assert r.geometry.is_valid.all()
    assert r.loc[r["code"] == "177103"].geometry.iloc[0].geom_type == "MultiPolygon"
    assert np.allclose(r.loc[r["code"] == "177103"].total_bounds, [x0, y0, x1, y1])
    assert set(gpd.read_file(fixed).columns) >= {"kode", "nama", "kode_kabkota", "geometry"}

    # the repaired copy never overwrites anything
    rc, out, err = _validate(capsys, "--repair", str(p), str(p))
    assert rc == 1
    assert f"{p}: --repair must name a new file, not the file being checked" in err
    assert p.read_bytes() == before
    rc, out, err = _validate(capsys, "--repair", str(fixed), str(p))
    assert rc == 1
    assert f"{fixed}: already exists; --repair writes a new file only (give another name)" in err


def test_duplicated_codes_are_named_and_only_same_name_parts_are_merged(tmp_path, capsys):
    g = _sample()
    g.loc[1, "kode"] = "177101"  # Gading Cempaka exported with Selebar's code
    p = tmp_path / "kec.geojson"
    g.to_file(p, driver="GeoJSON")
    with pytest.raises(SchemaError) as e:
        readers.read_boundaries(p, "kecamatan")
    assert [str(x) for x in e.value.problems] == [
        "kec.geojson, column 'kode': the same code on several features: 177101 (rows 1, 2) "
        "[rows 1, 2; 2 row(s) in all]",
    ]
    rc, out, err = _validate(capsys, str(p))
    assert rc == 1
    assert err == (
        f"FAILED {p}:\n2 problem(s) found:\n"
        "  - kec.geojson, column 'kode': the same code on several features: 177101 (rows 1, 2) "
        "[rows 1, 2; 2 row(s) in all]\n"
        "  - kec.geojson, column 'kode': no polygon for 1 kecamatan of the region list (reference "
        "regions.csv) in a kabupaten/kota the file covers: 177102 Gading Cempaka (1771)\n")
    rc, out, err = _validate(capsys, "--repair", str(tmp_path / "r.gpkg"), str(p))
    assert rc == 1
    assert "177101 (rows 1, 2): names differ (Selebar, Gading Cempaka); not merged" in err
    assert not (tmp_path / "r.gpkg").exists()  # nothing safe to repair: no copy

    # a unit exported as two features with the same code and name: merging is safe
    g = _sample()
    parts = g.loc[[0]].copy()
    whole = g.geometry[0]
    x0, y0, x1, y1 = whole.bounds
    xm = (x0 + x1) / 2
    g.loc[0, "geometry"] = whole.intersection(box(x0, y0, xm, y1))
    parts.loc[0, "geometry"] = whole.intersection(box(xm, y0, x1, y1))
    g2 = gpd.GeoDataFrame(
        pd.concat([g, parts], ignore_index=True), geometry="geometry", crs=g.crs)
    p2 = tmp_path / "kec2.geojson"
    g2.to_file(p2, driver="GeoJSON")
    rc, out, err = _validate(capsys, str(p2))
    assert rc == 1
    assert "the same code on several features: 177101 (rows 1, 10)" in err
    fixed = tmp_path / "kec2_repaired.geojson"
    rc, out, err = _validate(capsys, "--repair", str(fixed), str(p2))
    assert rc == 0, err
    assert ("  - 177101 Selebar (rows 1, 10): 2 features with the same code and name merged "
            "into one") in out
    r = readers.read_boundaries(fixed, "kecamatan")
    assert len(r) == 9
    assert r.loc[r["code"] == "177101"].geometry.iloc[0].area == pytest.approx(whole.area, rel=1e-6)


def test_missing_unit_is_named_against_the_region_reference(tmp_path, capsys):
    g = _sample()
    g = g[g["kode"] != "177105"]
    p = tmp_path / "kec.geojson"
    g.to_file(p, driver="GeoJSON")
    # a run reads the file (the unit is listed); validate rejects it
    r = readers.read_boundaries(p, "kecamatan")
    assert r.attrs["missing"].to_dict("list") == {"code": ["177105"], "name": ["Kampung Melayu"]}
    rc, out, err = _validate(capsys, str(p))
    assert rc == 1
    assert err == (
        f"FAILED {p}:\n1 problem(s) found:\n  - kec.geojson, column 'kode': no polygon for 1 "
        "kecamatan of the region list (reference regions.csv) in a kabupaten/kota the file covers: "
        "177105 Kampung Melayu (1771)\n")
    # a kabupaten-level file of one kota: the other nine are named, not an error
    k = gpd.GeoDataFrame({"kode": ["17.71"]}, geometry=[g.union_all()], crs="EPSG:4326")
    pk = tmp_path / "kab.geojson"
    k.to_file(pk, driver="GeoJSON")
    rc = main(["validate", "--source", "boundaries", "--level", "kabupaten", str(pk)])
    out = capsys.readouterr().out
    assert rc == 0
    assert "NOTE kab.geojson: no polygons at all for 9 kabupaten/kota of the region list" in out


def _utm_shapefile(tmp_path: Path, with_prj: bool) -> tuple[Path, gpd.GeoDataFrame]:
    g = _sample()
    p = tmp_path / "kecamatan_utm.shp"
    g[["kode", "nama", "geometry"]].to_crs("EPSG:32748").to_file(p)
    if not with_prj:
        p.with_suffix(".prj").unlink()
    return p, g


def test_utm_shapefile_without_prj_is_named_as_metres(tmp_path, capsys):
    p, g = _utm_shapefile(tmp_path, with_prj=False)
    with pytest.raises(SchemaError) as e:
        readers.read_boundaries(p, "kecamatan")
    (pr,) = e.value.problems
    assert pr.file == "kecamatan_utm.shp" and pr.column is None
    assert pr.message.startswith(
        "coordinates are not longitude/latitude (x from 194,203 to 208,052, y from 9,559,365 to "
        "9,586,272): ")
    assert ("the file seems to be in metres (a projected system such as UTM) and has no "
            "coordinate system (kecamatan_utm.prj is missing). Put the .prj file exported with "
            "the shapefile beside it, or name the system: tkpk validate --source boundaries "
            "--crs EPSG:32748 --repair <new file> kecamatan_utm.shp (with the UTM zone of your "
            "province: EPSG:327ZZ for zone ZZ south of the equator, EPSG:326ZZ north; EPSG:32748 = "
            "zone 48S) writes a copy in longitude/latitude") in pr.message
    rc, out, err = _validate(capsys, str(p))
    assert rc == 1
    assert "seems to be in metres" in err
    # the system given by the user is used
    r = readers.read_boundaries(p, "kecamatan", crs="EPSG:32748")
    assert np.allclose(r.total_bounds, g.total_bounds, atol=1e-6)
    rc, out, err = _validate(capsys, "--crs", "EPSG:32748", str(p))
    assert rc == 0, err
    assert ("NOTE kecamatan_utm.shp: read with --crs EPSG:32748; the file itself declares no "
            "coordinate system and a run will reject it: put the .prj beside it or write a copy "
            "with --repair NEW_FILE") in out
    fixed = tmp_path / "kec_lonlat.gpkg"
    rc, out, err = _validate(capsys, "--crs", "EPSG:32748", "--repair", str(fixed), str(p))
    assert rc == 0, err
    assert (f"REPAIRED {p.name} -> {fixed}: all units: coordinates in EPSG:32748 (given with "
            "--crs) reprojected to longitude/latitude (EPSG:4326)") in out
    c = gpd.read_file(fixed)
    assert c.crs.to_epsg() == 4326
    assert np.allclose(c.total_bounds, g.total_bounds, atol=1e-6)


def test_utm_shapefile_with_prj_is_reprojected(tmp_path, capsys):
    p, g = _utm_shapefile(tmp_path, with_prj=True)
    r = readers.read_boundaries(p, "kecamatan")
    assert r.crs.to_epsg() == 4326
    assert np.allclose(r.total_bounds, g.total_bounds, atol=1e-6)
    assert r["code"].tolist() == g["kode"].tolist()
    rc, out, err = _validate(capsys, str(p))
    assert rc == 0, err
    assert np.allclose(
        readers.read_boundaries(p, "kecamatan", crs="EPSG:32748").total_bounds, g.total_bounds,
        atol=1e-6)
    # a --crs that contradicts the file's own .prj is refused
    with pytest.raises(TkpkError, match=r"kecamatan_utm.shp: the file declares EPSG:32748 but "
                       r"--crs gives EPSG:32747; leave out --crs"):
        readers.read_boundaries(p, "kecamatan", crs="EPSG:32747")


def test_geojson_in_metres_is_named(tmp_path):
    g = _sample().to_crs("EPSG:32748").set_crs("EPSG:4326", allow_override=True)
    p = tmp_path / "kec.geojson"
    g.to_file(p, driver="GeoJSON")
    with pytest.raises(SchemaError, match=r"coordinates are not longitude/latitude .* although the "
                       r"file declares EPSG:4326"):
        readers.read_boundaries(p, "kecamatan")


def test_features_without_code_are_named(tmp_path):
    g = _sample()
    g.loc[3, "kode"] = None
    p = tmp_path / "kec.geojson"
    g.to_file(p, driver="GeoJSON")
    with pytest.raises(SchemaError) as e:
        readers.read_boundaries(p, "kecamatan")
    assert [str(x) for x in e.value.problems] == [
        "kec.geojson, column 'kode': features without a code [rows 4; 1 row(s) in all]",
    ]
