"""Tests of tkpk_lib.maps: hatching where reliability says so, legends, fonts, PNG output."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import box

from tkpk_lib import maps
from tkpk_lib.errors import SchemaError

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"


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
    assert len(texts) == 5 and texts[0].startswith("5.0 – ")
    assert ax.get_legend().get_title().get_text() == "P0 (%)"
    assert min(_all_fonts(fig)) >= maps.FONT_MIN
    assert tuple(fig.get_size_inches()) == maps.FIGSIZE
    out = tmp_path / "p0.png"
    fig.savefig(out, dpi=60)
    assert out.stat().st_size > 5_000


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
    path = SHARED / "bengkulu_kecamatan.geojson"
    if not path.exists():
        pytest.skip("shared/data/bengkulu_kecamatan.geojson not available")
    k = gpd.read_file(path)
    rng = np.random.default_rng(0)
    k["p0"] = rng.uniform(0.05, 0.3, len(k))
    k["rel"] = np.where(np.arange(len(k)) % 5 == 0, "caution", "reliable")
    fig = maps.choropleth(k, "p0", reliability="rel", multiplier=100, title="P0",
                          legend_title="P0 (%)")
    assert len(_hatched(fig.axes[0])[0].get_paths()) >= (k["rel"] == "caution").sum()
    out = tmp_path / "bengkulu.png"
    fig.savefig(out, dpi=50)
    assert out.stat().st_size > 10_000
