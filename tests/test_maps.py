"""Tests of tkpk_lib.reporting.maps: hatching where reliability says so, legends, fonts, PNG output."""

from __future__ import annotations

import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import box

from tkpk_lib.data import canonical
from tkpk_lib.errors import SchemaError
from tkpk_lib.reporting import maps

DATA = Path(__file__).resolve().parent / "data"  # real boundary samples, see their SOURCE.md


def grid(n: int = 4) -> gpd.GeoDataFrame:
    cells = [box(102 + 0.1 * i, -4 + 0.1 * j, 102.1 + 0.1 * i, -3.9 + 0.1 * j)
             for j in range(n) for i in range(n)]
    return gpd.GeoDataFrame({"kec_code": [f"1701{i + 1:02d}" for i in range(n * n)]},
                            geometry=cells, crs="EPSG:4326")


def _hatched(ax) -> list:
    return [c for c in ax.collections if c.get_hatch()]


def _all_fonts(fig) -> list[float]:
    return [t.get_fontsize() for t in fig.findobj(match=lambda a: hasattr(a, "get_fontsize"))
            if hasattr(t, "get_text") and t.get_text()]


def test_choropleth_hatches_unreliable_units(tmp_path):
    g = grid()
    g["p0"] = np.linspace(0.05, 0.35, 16)
    rel = ["reliable"] * 16
    rel[2], rel[5], rel[9] = "caution", "unreliable", "caution"
    g["rel"] = rel
    fig = maps.choropleth(g, "p0", reliability="rel", title="P0 kecamatan", legend_title="P0 (%)",
                          multiplier=100, k=4)
    ax = fig.axes[0]
    hatched = _hatched(ax)
    assert len(hatched) == 1
    assert hatched[0].get_hatch() == maps.HATCH
    assert len(hatched[0].get_paths()) == 3  # exactly the three RSE > 25% units
    texts = [t.get_text() for t in ax.get_legend().get_texts()]
    assert texts[-1] == "RSE > 25% (hati-hati)"
    # quantile classes over 0.05..0.35 (x100): 4 classes, first starts at 5.0
    assert len(texts) == 5 and texts[0].startswith("5,0 – ")  # Indonesian decimal comma
    assert ax.get_legend().get_title().get_text() == "P0 (%)"
    assert min(_all_fonts(fig)) >= maps.FONT_MIN
    # fixed layout: full A4 width, height from the map's aspect (a square map here), at most 8 in
    w, h = fig.get_size_inches()
    assert w == maps.FIGSIZE[0] and 6.5 < h <= maps.FIGSIZE[1]
    assert getattr(fig, maps.FIXED_LAYOUT)
    _assert_inside_figure(fig)
    out = tmp_path / "p0.png"
    fig.savefig(out, dpi=60)
    assert out.stat().st_size > 5_000


def _assert_inside_figure(fig) -> None:
    """Title, legend, arrow, scale bar, map and note lie inside the canvas: the figure is saved
    as laid out (no crop to its contents), so anything outside would be cut off."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    r = canvas.get_renderer()
    fb = fig.bbox
    boxes = [ax.get_tightbbox(r) for ax in fig.axes] + [t.get_window_extent(r) for t in fig.texts]
    for b in boxes:
        assert b.x0 >= fb.x0 - 1 and b.x1 <= fb.x1 + 1 and b.y0 >= fb.y0 - 1 and b.y1 <= fb.y1 + 1, b


def test_quantile_classes_match_mapclassify():
    mapclassify = pytest.importorskip("mapclassify")
    rng = np.random.default_rng(5)
    for t in range(300):
        n, k = int(rng.integers(1, 40)), int(rng.integers(1, 8))
        y = rng.uniform(0.02, 0.4, n)
        if t % 3 == 0:
            y = np.round(y, 2)  # ties
        if t % 7 == 0:
            y = rng.integers(0, 3, n).astype(float)  # few distinct values
        kk = int(max(1, min(k, len(np.unique(y)))))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # "not enough unique values" (ties)
            ref = mapclassify.Quantiles(y, k=kk)
        bins, yb = maps.classify(y, "quantiles", kk)
        assert np.array_equal(bins, ref.bins) and np.array_equal(yb, ref.yb)
    # hand check: 8 values, 4 classes: limits at the 25/50/75/100th percentiles
    bins, yb = maps.classify(np.arange(1.0, 9.0), "quantiles", 4)
    assert bins.tolist() == [2.75, 4.5, 6.25, 8.0]
    assert yb.tolist() == [0, 0, 1, 1, 2, 2, 3, 3]
    # other schemes still come from mapclassify
    bins, yb = maps.classify(np.arange(1.0, 9.0), "equal_interval", 2)
    assert bins.tolist() == [4.5, 8.0] and yb.tolist() == [0, 0, 0, 0, 1, 1, 1, 1]


def test_choropleth_colours_follow_the_classes():
    from matplotlib.colors import to_hex

    g = grid()
    rng = np.random.default_rng(3)
    g["p0"] = rng.uniform(0.05, 0.35, 16)
    g.loc[7, "p0"] = np.nan
    fig = maps.choropleth(g, "p0", k=4, multiplier=100)
    ax = fig.axes[0]
    has = g["p0"].notna().to_numpy()
    cut = np.quantile(g["p0"][has], [0.25, 0.5, 0.75, 1.0])  # linear, as scipy's "fraction"
    cls = np.searchsorted(cut, g["p0"][has].to_numpy(), side="left")
    face = [to_hex(c) for c in ax.collections[0].get_facecolors()]
    legend = ax.get_legend()
    legend_colours = [to_hex(h.get_facecolor()) for h in legend.legend_handles]
    assert face == [legend_colours[c] for c in cls]  # row order kept, class colour per unit
    assert len(ax.collections[0].get_paths()) == 15
    assert to_hex(ax.collections[1].get_facecolors()[0]) == maps.MISSING_COLOUR
    texts = [t.get_text() for t in legend.get_texts()]
    assert texts[:4] == [f"{a * 100:.1f} – {b * 100:.1f}".replace(".", ",")
                         for a, b in zip(np.r_[g["p0"].min(), cut[:-1]], cut, strict=True)]


def test_polygons_with_holes_and_multiparts_are_drawn_as_such():
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from shapely.geometry import MultiPolygon, Polygon

    outer = [(0, 0), (4, 0), (4, 4), (0, 4)]
    hole = [(1, 1), (3, 1), (3, 3), (1, 3)]  # same orientation as the exterior
    g = gpd.GeoDataFrame({"v": [1.0, 2.0]}, geometry=[
        Polygon(outer, [hole]), MultiPolygon([box(5, 0, 6, 1), box(7, 0, 8, 1)])])
    fig = maps.choropleth(g, "v", k=2, north_arrow=False, scale_bar=False)
    ax = fig.axes[0]
    assert len(ax.collections[0].get_paths()) == 2  # one path per unit
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    img = np.asarray(canvas.buffer_rgba())

    def pixel(x, y):
        px, py = ax.transData.transform((x, y))
        return tuple(img[int(img.shape[0] - py), int(px)][:3])

    assert pixel(2, 2) == (255, 255, 255)  # the hole is empty
    assert pixel(0.5, 0.5) != (255, 255, 255) and pixel(7.5, 0.5) != (255, 255, 255)
    assert pixel(6.5, 0.5) == (255, 255, 255)  # between the two parts


def test_tall_map_is_capped_and_note_is_wrapped():
    g = gpd.GeoDataFrame({"v": [1.0, 2.0]}, geometry=[box(102, -5, 102.2, -4), box(102.2, -5, 102.4, -4)],
                         crs="EPSG:4326")
    note = "Sumber: " + "kata " * 60
    fig = maps.choropleth(g, "v", k=2, title="Peta tinggi", note=note)
    w, h = fig.get_size_inches()
    assert (w, h) == maps.FIGSIZE  # capped at 8 in; the map is narrower and centred
    ax = fig.axes[0]
    x0, y0, aw, ah = ax.get_position().bounds
    assert abs(x0 + aw / 2 - 0.5) < 1e-9 and aw < 0.5
    shown = [t.get_text() for t in fig.texts]
    assert len(shown) == 1 and shown[0].count("\n") >= 2
    assert max(len(line) for line in shown[0].splitlines()) <= 105
    _assert_inside_figure(fig)


def test_boundaries_are_cached_until_the_file_changes(tmp_path, monkeypatch):
    from tkpk_lib.data import readers
    from tkpk_lib.data.reference_data import regions

    kec = regions("kecamatan")
    kec = kec[kec["code"].str[:4] == "1701"].reset_index(drop=True)
    bnd = tmp_path / "raw" / "boundaries"
    bnd.mkdir(parents=True)
    f = bnd / "kecamatan.gpkg"
    gpd.GeoDataFrame({"code": kec["code"]}, geometry=[box(i, 0, i + 1, 1) for i in range(len(kec))],
                     crs="EPSG:4326").to_file(f)
    calls = []
    real = readers.read_boundaries
    monkeypatch.setattr(readers, "read_boundaries", lambda *a, **k: calls.append(a) or real(*a, **k))
    a = canonical.load_boundaries(tmp_path, "kecamatan")
    a["code"] = "changed"  # a copy: the cached frame is not affected
    b = canonical.load_boundaries(tmp_path, "kecamatan")
    assert len(calls) == 1
    assert b["code"].tolist() == kec["code"].tolist() and b["name"].tolist() == kec["name"].tolist()
    gpd.GeoDataFrame({"code": kec["code"][:3]}, geometry=[box(i, 0, i + 1, 1) for i in range(3)],
                     crs="EPSG:4326").to_file(f)
    c = canonical.load_boundaries(tmp_path, "kecamatan")
    assert len(calls) == 2 and len(c) == 3
    from tkpk_lib.errors import TkpkError

    with pytest.raises(TkpkError, match="desa"):
        canonical.load_boundaries(tmp_path, "desa")


def test_choropleth_no_hatch_when_all_reliable_and_missing_values():
    g = grid()
    g["v"] = np.arange(16, dtype=float)
    g.loc[3, "v"] = np.nan
    fig = maps.choropleth(g, "v", reliability=["reliable"] * 16, k=3, north_arrow=False,
                          scale_bar=False)
    ax = fig.axes[0]
    assert _hatched(ax) == []
    texts = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "tidak ada data" in texts and maps.HATCH_LABEL not in texts


def test_choropleth_errors():
    g = grid()
    with pytest.raises(SchemaError, match="p0"):
        maps.choropleth(g, "p0")
    g["p0"] = 1.0
    with pytest.raises(SchemaError, match="reliability"):
        maps.choropleth(g, "p0", reliability=["reliable"] * 3)


def test_cluster_map_fixed_colours():
    g = grid(3)
    labels = ["High-High", "Low-Low", "High-Low", "Low-High", "not significant", "hot", "cold",
              "no neighbours", None]
    g["cluster"] = labels
    fig = maps.cluster_map(g, "cluster", title="Klaster LISA")
    ax = fig.axes[0]
    faces = ax.collections[0].get_facecolors()
    from matplotlib.colors import to_rgba

    assert np.allclose(faces[0], to_rgba(maps.CLUSTER_COLOURS["High-High"]))
    assert np.allclose(faces[1], to_rgba("#2c7bb6"))
    assert np.allclose(faces[8], to_rgba(maps.CLUSTER_COLOURS["not significant"]))
    texts = [t.get_text() for t in ax.get_legend().get_texts()]
    assert texts[0] == "Tinggi-Tinggi (kantong)" and "Tidak signifikan" in texts
    g["cluster"] = "weird"
    with pytest.raises(SchemaError, match="weird"):
        maps.cluster_map(g, "cluster")


def test_pocket_map_from_pocket_list(tmp_path):
    d = grid(3).rename(columns={"kec_code": "desa_code"})
    d["desa_code"] = [f"17010120{i:02d}" for i in range(9)]
    pockets = pd.DataFrame({"level": ["kecamatan"] + ["desa"] * 9,
                            "code": ["170101"] + list(d["desa_code"]),
                            "pocket_type": ["keduanya", "keduanya", "tingkat tinggi",
                                            "jumlah besar"] + ["bukan kantong"] * 6})
    kec = gpd.GeoDataFrame({"nama": ["Kec A"]}, geometry=[d.union_all().envelope], crs=d.crs)
    fig = maps.pocket_map(d, pockets, kec, label_kecamatan=True)
    ax = fig.axes[0]
    texts = [t.get_text() for t in ax.get_legend().get_texts()]
    assert texts == ["Kantong: tingkat tinggi dan jumlah besar", "Kantong: tingkat kemiskinan tinggi",
                     "Kantong: jumlah penduduk miskin besar", "Bukan kantong"]
    assert "Kec A" in [t.get_text() for t in ax.texts]
    out = tmp_path / "pocket.png"
    fig.savefig(out, dpi=60)
    assert out.stat().st_size > 5_000


def test_interactive_map_is_offline_scatter():
    g = grid()
    g["v"] = np.arange(16, dtype=float)
    g["rel"] = ["caution"] + ["reliable"] * 15
    fig = maps.interactive_map(g, "v", name_col="kec_code", reliability="rel", k=4)
    types = {t.type for t in fig.data}
    assert types == {"scatter"}  # no geo traces: renders without internet
    assert [t.fill for t in fig.data[:4]] == ["toself"] * 4
    assert any(t.name == maps.HATCH_LABEL for t in fig.data)
    assert "RSE > 25% (hati-hati)" in fig.data[-1].text[0]


def test_real_bengkulu_kecamatan_map(tmp_path):
    k = gpd.read_file(DATA / "bengkulu_1771_kecamatan.geojson")
    assert len(k) == 9
    rng = np.random.default_rng(0)
    k["p0"] = rng.uniform(0.05, 0.3, len(k))
    k["rel"] = np.where(np.arange(len(k)) % 5 == 0, "caution", "reliable")
    fig = maps.choropleth(k, "p0", reliability="rel", multiplier=100, title="P0",
                          legend_title="P0 (%)")
    assert len(_hatched(fig.axes[0])[0].get_paths()) >= (k["rel"] == "caution").sum()
    out = tmp_path / "bengkulu.png"
    fig.savefig(out, dpi=50)
    assert out.stat().st_size > 10_000
