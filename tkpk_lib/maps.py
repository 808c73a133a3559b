"""Maps for the pocket analysis: choropleths with reliability hatching, cluster and pocket maps.

Static maps (matplotlib, for the PDF/HTML report) are A4-legible: figure about 7 x 8 inches,
no font below 8 pt, an optional north arrow ("U", utara) and a scale bar, Indonesian labels.
Units whose estimate is "caution" or "unreliable" (RSE > 25%, BPS convention) are hatched
and the legend says so ("RSE > 25% (hati-hati)"): a reader must never take a noisy kecamatan
value at face value. Classes come from ``mapclassify`` (quantiles by default).

:func:`interactive_map` draws polygons as plotly scatter traces (``fill="toself"``) on plain
x/y axes, which render offline (plotly *geo* charts need to fetch base maps and do not).

matplotlib and plotly are imported inside the functions so that ``import tkpk_lib`` stays
light; figures are created with the object API (no pyplot state), so they are safe in
papermill runs and threads.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from tkpk_lib.errors import Problem, SchemaError

__all__ = [
    "CLUSTER_COLOURS",
    "POCKET_COLOURS",
    "add_north_arrow",
    "add_scale_bar",
    "choropleth",
    "cluster_map",
    "interactive_map",
    "pocket_map",
]

FIGSIZE: tuple[float, float] = (7.0, 8.0)
"""Default figure size in inches (fits an A4 page with margins)."""

FONT_MIN = 8.0
"""Smallest font size used on any map (points)."""

HATCH = "////"
HATCH_LABEL = "RSE > 25% (hati-hati)"
UNRELIABLE = ("caution", "unreliable")
MISSING_COLOUR = "#d9d9d9"
MISSING_LABEL = "tidak ada data"

CLUSTER_COLOURS: dict[str, str] = {
    "High-High": "#d7191c",
    "Low-Low": "#2c7bb6",
    "High-Low": "#fdae61",
    "Low-High": "#abd9e9",
    "hot": "#d7191c",
    "cold": "#2c7bb6",
    "not significant": "#eeeeee",
    "no neighbours": "#bdbdbd",
}
"""Fixed colours of local cluster labels (LISA quadrants, Gi* hot/cold)."""

CLUSTER_LABELS: dict[str, str] = {
    "High-High": "Tinggi-Tinggi (kantong)",
    "Low-Low": "Rendah-Rendah",
    "High-Low": "Tinggi-Rendah (pencilan)",
    "Low-High": "Rendah-Tinggi (pencilan)",
    "hot": "Titik panas (hot spot)",
    "cold": "Titik dingin (cold spot)",
    "not significant": "Tidak signifikan",
    "no neighbours": "Tanpa tetangga",
}
"""Indonesian legend labels of the cluster labels."""

POCKET_COLOURS: dict[str, str] = {
    "keduanya": "#99000d",
    "tingkat tinggi": "#fb6a4a",
    "jumlah besar": "#6a51a3",
    "bukan kantong": "#f0f0f0",
}
"""Fixed colours of pocket types (see :data:`tkpk_lib.pockets.POCKET_TYPES`)."""

POCKET_LABELS: dict[str, str] = {
    "keduanya": "Kantong: tingkat tinggi dan jumlah besar",
    "tingkat tinggi": "Kantong: tingkat kemiskinan tinggi",
    "jumlah besar": "Kantong: jumlah penduduk miskin besar",
    "bukan kantong": "Bukan kantong",
}


# --------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------


def _new_axes(ax: Any, figsize: tuple[float, float]) -> tuple[Any, Any]:
    if ax is not None:
        return ax.figure, ax
    from matplotlib.figure import Figure

    fig = Figure(figsize=figsize, layout="constrained")
    ax = fig.add_subplot(1, 1, 1)
    return fig, ax


def _check_gdf(gdf: Any, cols: Sequence[str], source: str) -> None:
    if not hasattr(gdf, "geometry"):
        raise SchemaError([Problem(source, None, "needs a GeoDataFrame with polygons")])
    miss = [c for c in cols if c not in gdf.columns]
    if miss:
        raise SchemaError([Problem(source, c, "column is missing") for c in miss])


def _km_per_unit(gdf: Any) -> tuple[float, str]:
    """Kilometres per map unit along x (geographic CRS: degrees of longitude at mid-latitude)."""
    crs = getattr(gdf, "crs", None)
    if crs is not None and getattr(crs, "is_projected", False):
        unit = crs.axis_info[0].unit_name if crs.axis_info else "metre"
        return (0.001 if "metre" in unit else 1.0), "projected"
    minx, miny, maxx, maxy = gdf.total_bounds
    lat = (miny + maxy) / 2.0
    return 111.32 * math.cos(math.radians(lat)), "geographic"


def _nice_length(km: float) -> float:
    """A round scale-bar length of about a quarter of the map width."""
    target = max(km / 4.0, 1e-9)
    exp = 10 ** math.floor(math.log10(target))
    for m in (1, 2, 5, 10):
        if m * exp >= target * 0.75:
            return m * exp
    return 10 * exp  # pragma: no cover


def add_scale_bar(ax: Any, gdf: Any, *, fontsize: float = 8.0) -> None:
    """Draw a scale bar (km) in the lower-left corner of a map axes.

    Parameters
    ----------
    ax : matplotlib Axes
        Axes with the map (data coordinates = the CRS of ``gdf``).
    gdf : GeoDataFrame
        The mapped layer (for its CRS and extent).
    fontsize : float
        Font size of the label (>= 8 pt).

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import box
    >>> g = gpd.GeoDataFrame(geometry=[box(102, -4, 103, -3)], crs="EPSG:4326")
    >>> fig = choropleth(g.assign(v=[1.0]), "v", k=1, scale_bar=False)
    >>> add_scale_bar(fig.axes[0], g)
    """
    kpu, _ = _km_per_unit(gdf)
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    width_km = (x1 - x0) * kpu
    length_km = _nice_length(width_km)
    length = length_km / kpu
    bx = x0 + 0.05 * (x1 - x0)
    by = y0 + 0.04 * (y1 - y0)
    ax.plot([bx, bx + length], [by, by], color="black", linewidth=2.5, solid_capstyle="butt")
    ax.plot([bx, bx], [by, by + 0.008 * (y1 - y0)], color="black", linewidth=1)
    ax.plot([bx + length, bx + length], [by, by + 0.008 * (y1 - y0)], color="black", linewidth=1)
    label = f"{length_km:g} km"
    ax.text(
        bx + length / 2,
        by + 0.015 * (y1 - y0),
        label,
        ha="center",
        va="bottom",
        fontsize=max(fontsize, FONT_MIN),
    )


def add_north_arrow(ax: Any, *, fontsize: float = 10.0) -> None:
    """Draw a north arrow marked "U" (utara) in the upper-right corner of a map axes.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> add_north_arrow(Figure().add_subplot())
    """
    ax.annotate(
        "U",
        xy=(0.95, 0.97),
        xytext=(0.95, 0.87),
        xycoords="axes fraction",
        ha="center",
        va="center",
        fontsize=max(fontsize, FONT_MIN),
        fontweight="bold",
        arrowprops={"facecolor": "black", "width": 4, "headwidth": 10, "headlength": 10},
    )


def _legend(ax: Any, handles: list[Any], title: str | None, loc: Any) -> None:
    """Legend at 9 pt; "upper right" sits below the north arrow (Bengkulu runs NW-SE, so
    the upper-right and lower-left corners are empty on province maps)."""
    kw: dict[str, Any] = {"loc": loc}
    if loc == "upper right":
        kw["bbox_to_anchor"] = (1.0, 0.84)
    ax.legend(handles=handles, title=title, fontsize=9, title_fontsize=9, frameon=True,
              framealpha=0.9, **kw)


def _finish(
    ax: Any, gdf: Any, title: str | None, north_arrow: bool, scale_bar: bool, note: str | None
) -> None:
    ax.set_axis_off()
    if title:
        ax.set_title(title, fontsize=12, loc="left")
    if north_arrow:
        add_north_arrow(ax)
    if scale_bar and len(gdf):
        add_scale_bar(ax, gdf)
    if note:
        ax.figure.text(
            0.01, 0.005, note, fontsize=FONT_MIN, ha="left", va="bottom", color="#444444", wrap=True
        )


def _reliability_mask(gdf: Any, reliability: Any) -> np.ndarray:
    if reliability is None:
        return np.zeros(len(gdf), dtype=bool)
    if isinstance(reliability, str):
        if reliability not in gdf.columns:
            raise SchemaError([Problem("map layer", reliability, "reliability column is missing")])
        vals = gdf[reliability]
    else:
        vals = list(reliability)
        if len(vals) != len(gdf):
            raise SchemaError(
                [
                    Problem(
                        "map layer",
                        None,
                        f"reliability has {len(vals)} values for {len(gdf)} units",
                    )
                ]
            )
        vals = pd.Series(vals, index=gdf.index)
    return vals.astype("string").isin(UNRELIABLE).fillna(False).to_numpy(dtype=bool)


def _fmt_interval(lo: float, hi: float, fmt: str, multiplier: float) -> str:
    return f"{fmt.format(lo * multiplier)} – {fmt.format(hi * multiplier)}"


# --------------------------------------------------------------------------------------
# public maps
# --------------------------------------------------------------------------------------


def choropleth(
    gdf: Any,
    column: str,
    *,
    reliability: str | Sequence[str] | None = None,
    title: str | None = None,
    legend_title: str | None = None,
    legend_loc: str | tuple[float, float] = "upper right",
    classification: str = "quantiles",
    k: int = 5,
    cmap: str = "YlOrRd",
    fmt: str = "{:,.1f}",
    multiplier: float = 1.0,
    outline: Any = None,
    note: str | None = None,
    north_arrow: bool = True,
    scale_bar: bool = True,
    ax: Any = None,
    figsize: tuple[float, float] = FIGSIZE,
) -> Any:
    """Classed choropleth with hatching over units whose estimate is not reliable.

    Parameters
    ----------
    gdf : GeoDataFrame
        Polygons with the value column.
    column : str
        Value to map (e.g. P0 as a fraction; use ``multiplier=100`` to label in percent).
    reliability : str or sequence, optional
        Column name (or values, one per row) with "reliable"/"caution"/"unreliable"; units
        marked "caution" or "unreliable" (RSE > 25%) are hatched and the legend gets the entry
        "RSE > 25% (hati-hati)".
    title, legend_title : str, optional
        Map title and legend title (Bahasa Indonesia).
    legend_loc : str or (float, float)
        Matplotlib legend location; the default "upper right" sits below the north arrow.
    classification : str
        ``mapclassify`` scheme: "quantiles" (default), "equalinterval", "naturalbreaks",
        "fisherjenks", "headtailbreaks", ... (any name of ``mapclassify.classify``).
    k : int
        Number of classes.
    cmap : str
        Matplotlib colour map (sequential; higher = darker).
    fmt, multiplier : str, float
        Format of the class limits in the legend, applied to ``value * multiplier``.
    outline : GeoDataFrame, optional
        Boundaries drawn on top (e.g. kabupaten).
    note : str, optional
        Source / method note printed under the map (>= 8 pt).
    north_arrow, scale_bar : bool
        Draw a north arrow and a km scale bar.
    ax : matplotlib Axes, optional
        Draw into this axes instead of a new figure.
    figsize : (float, float)
        Size of a new figure in inches.

    Returns
    -------
    matplotlib.figure.Figure
        The figure (not shown; save it with ``fig.savefig(path, dpi=200)``).

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import box
    >>> g = gpd.GeoDataFrame({"p0": [0.1, 0.2, 0.3, 0.4], "rel": ["reliable", "caution",
    ...     "reliable", "unreliable"]}, geometry=[box(i, 0, i + 1, 1) for i in range(4)])
    >>> fig = choropleth(g, "p0", reliability="rel", k=2, title="P0", legend_title="P0 (%)",
    ...                  multiplier=100)
    >>> [t.get_text() for t in fig.axes[0].get_legend().get_texts()][-1]
    'RSE > 25% (hati-hati)'
    """
    import mapclassify
    from matplotlib.colors import to_hex
    from matplotlib.patches import Patch

    _check_gdf(gdf, [column], "map layer")
    try:
        import matplotlib as mpl

        cm = mpl.colormaps[cmap]
    except KeyError as exc:
        raise SchemaError([Problem("choropleth", None, f"unknown colour map {cmap!r}")]) from exc
    mask = _reliability_mask(gdf, reliability)
    fig, ax = _new_axes(ax, figsize)
    values = pd.to_numeric(gdf[column], errors="coerce").to_numpy(dtype=float)
    has = np.isfinite(values)
    handles = []
    if has.any():
        y = values[has]
        kk = int(max(1, min(k, len(np.unique(y)))))
        try:
            cls = mapclassify.classify(y, scheme=classification, k=kk)
        except (ValueError, TypeError, KeyError) as exc:
            raise SchemaError(
                [Problem("choropleth", None, f"classification {classification!r} failed: {exc}")]
            ) from exc
        bins = np.asarray(cls.bins, dtype=float)
        yb = np.asarray(cls.yb, dtype=int)
        nclass = len(bins)
        colours = [to_hex(cm(0.15 + 0.8 * (i / max(nclass - 1, 1)))) for i in range(nclass)]
        face = np.array([colours[c] for c in yb], dtype=object)
        sub = gdf[has]
        sub.plot(ax=ax, color=list(face), edgecolor="white", linewidth=0.3)
        lows = np.r_[y.min(), bins[:-1]]
        for i in range(nclass):
            handles.append(
                Patch(
                    facecolor=colours[i],
                    edgecolor="#999999",
                    label=_fmt_interval(lows[i], bins[i], fmt, multiplier),
                )
            )
    if (~has).any():
        gdf[~has].plot(ax=ax, color=MISSING_COLOUR, edgecolor="white", linewidth=0.3)
        handles.append(Patch(facecolor=MISSING_COLOUR, edgecolor="#999999", label=MISSING_LABEL))
    if mask.any():
        gdf[mask].plot(ax=ax, facecolor="none", edgecolor="#333333", hatch=HATCH, linewidth=0.4)
        handles.append(
            Patch(facecolor="white", edgecolor="#333333", hatch=HATCH, label=HATCH_LABEL)
        )
    if outline is not None:
        outline.boundary.plot(ax=ax, color="#222222", linewidth=0.8)
    _legend(ax, handles, legend_title, legend_loc)
    _finish(ax, gdf, title, north_arrow, scale_bar, note)
    return fig


def cluster_map(
    gdf: Any,
    cluster_col: str = "cluster",
    *,
    title: str | None = None,
    legend_title: str | None = "Klaster spasial",
    legend_loc: str | tuple[float, float] = "upper right",
    outline: Any = None,
    note: str | None = None,
    north_arrow: bool = True,
    scale_bar: bool = True,
    ax: Any = None,
    figsize: tuple[float, float] = FIGSIZE,
) -> Any:
    """Map of local spatial clusters with fixed colours (LISA quadrants or Gi* hot/cold).

    Parameters
    ----------
    gdf : GeoDataFrame
        Output of :func:`tkpk_lib.hotspots.hot_spots` (or any layer with a cluster column).
    cluster_col : str
        Column with "High-High", "Low-Low", "High-Low", "Low-High", "hot", "cold",
        "not significant", "no neighbours" (missing = not significant).
    title, legend_title, legend_loc, outline, note, north_arrow, scale_bar, ax, figsize
        As in :func:`choropleth`.

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    SchemaError
        Unknown cluster labels.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import box
    >>> g = gpd.GeoDataFrame({"cluster": ["High-High", "not significant"]},
    ...                      geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1)])
    >>> fig = cluster_map(g)
    >>> [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    ['Tinggi-Tinggi (kantong)', 'Tidak signifikan']
    """
    from matplotlib.patches import Patch

    _check_gdf(gdf, [cluster_col], "cluster map layer")
    labels = gdf[cluster_col].astype("string").fillna("not significant")
    unknown = sorted(set(labels) - set(CLUSTER_COLOURS))
    if unknown:
        rows = list(np.flatnonzero(labels.isin(unknown).to_numpy()) + 1)
        raise SchemaError(
            [Problem("cluster map layer", cluster_col, f"unknown cluster labels {unknown}", rows)]
        )
    fig, ax = _new_axes(ax, figsize)
    colours = labels.map(CLUSTER_COLOURS).to_numpy(dtype=object)
    gdf.plot(ax=ax, color=list(colours), edgecolor="white", linewidth=0.3)
    if outline is not None:
        outline.boundary.plot(ax=ax, color="#222222", linewidth=0.8)
    present = [c for c in CLUSTER_COLOURS if c in set(labels)]
    handles = [
        Patch(facecolor=CLUSTER_COLOURS[c], edgecolor="#999999", label=CLUSTER_LABELS[c])
        for c in present
    ]
    _legend(ax, handles, legend_title, legend_loc)
    _finish(ax, gdf, title, north_arrow, scale_bar, note)
    return fig


def pocket_map(
    desa_gdf: Any,
    pockets: pd.DataFrame | None = None,
    kec_gdf: Any = None,
    *,
    pocket_col: str = "pocket_type",
    key: str = "desa_code",
    title: str | None = "Kantong kemiskinan (desa)",
    legend_title: str | None = "Jenis kantong",
    legend_loc: str | tuple[float, float] = "upper right",
    label_kecamatan: bool = False,
    note: str | None = None,
    north_arrow: bool = True,
    scale_bar: bool = True,
    ax: Any = None,
    figsize: tuple[float, float] = FIGSIZE,
) -> Any:
    """Pocket desa highlighted (by pocket type) over kecamatan outlines.

    Parameters
    ----------
    desa_gdf : GeoDataFrame
        Desa polygons with ``key`` (or ``code``/``kode``) and, when ``pockets`` is None, ``pocket_col``.
    pockets : DataFrame, optional
        :func:`tkpk_lib.pockets.pocket_list` output (its desa rows are joined on ``code``).
    kec_gdf : GeoDataFrame, optional
        Kecamatan polygons drawn as outlines on top.
    pocket_col : str
        Column with the pocket type ("keduanya", "tingkat tinggi", "jumlah besar",
        "bukan kantong"; missing = no data).
    key : str
        Desa code column of ``desa_gdf`` (falls back to ``code``, then ``kode``).
    label_kecamatan : bool
        Write kecamatan names (``nama``/``name`` column of ``kec_gdf``) at their centres
        (8 pt).
    title, legend_title, legend_loc, note, north_arrow, scale_bar, ax, figsize
        As in :func:`choropleth`.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import box
    >>> d = gpd.GeoDataFrame({"desa_code": ["a", "b"], "pocket_type": ["keduanya", "bukan kantong"]},
    ...                      geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1)])
    >>> fig = pocket_map(d)
    >>> len(fig.axes[0].get_legend().get_texts())
    2
    """
    from matplotlib.patches import Patch

    k = next((c for c in (key, "code", "kode") if c in desa_gdf.columns), key)
    _check_gdf(desa_gdf, [k], "desa layer")
    layer = desa_gdf
    if pockets is not None:
        p = pockets[pockets["level"] == "desa"] if "level" in pockets.columns else pockets
        pcode = "code" if "code" in p.columns else key
        layer = desa_gdf.drop(columns=[pocket_col], errors="ignore").merge(
            p[[pcode, pocket_col]].rename(columns={pcode: k}), on=k, how="left"
        )
    _check_gdf(layer, [pocket_col], "desa layer")
    types = layer[pocket_col].astype("string")
    unknown = sorted(set(types.dropna()) - set(POCKET_COLOURS))
    if unknown:
        raise SchemaError([Problem("desa layer", pocket_col, f"unknown pocket types {unknown}")])
    fig, ax = _new_axes(ax, figsize)
    colours = types.map(POCKET_COLOURS).fillna(MISSING_COLOUR).to_numpy(dtype=object)
    layer.plot(ax=ax, color=list(colours), edgecolor="#bdbdbd", linewidth=0.15)
    if kec_gdf is not None:
        kec_gdf.boundary.plot(ax=ax, color="#252525", linewidth=0.7)
        if label_kecamatan:
            ncol = next((c for c in ("nama", "name", "kec_name") if c in kec_gdf.columns), None)
            if ncol is not None:
                pts = kec_gdf.geometry.representative_point()
                for pt, nm in zip(pts, kec_gdf[ncol], strict=True):
                    ax.text(
                        pt.x,
                        pt.y,
                        str(nm),
                        fontsize=FONT_MIN,
                        ha="center",
                        va="center",
                        color="#111111",
                    )
    present = set(types.dropna())
    handles = [
        Patch(facecolor=POCKET_COLOURS[t], edgecolor="#999999", label=POCKET_LABELS[t])
        for t in POCKET_COLOURS
        if t in present
    ]
    if types.isna().any():
        handles.append(Patch(facecolor=MISSING_COLOUR, edgecolor="#999999", label=MISSING_LABEL))
    _legend(ax, handles, legend_title, legend_loc)
    _finish(ax, layer, title, north_arrow, scale_bar, note)
    return fig


def _rings(geom: Any) -> list[np.ndarray]:
    """Exterior rings of a (multi)polygon as coordinate arrays."""
    if geom is None or geom.is_empty:
        return []
    parts = getattr(geom, "geoms", [geom])
    return [np.asarray(p.exterior.coords) for p in parts if hasattr(p, "exterior")]


def interactive_map(
    gdf: Any,
    column: str,
    *,
    name_col: str | None = None,
    title: str | None = None,
    legend_title: str | None = None,
    classification: str = "quantiles",
    k: int = 5,
    cmap: str = "YlOrRd",
    fmt: str = "{:,.1f}",
    multiplier: float = 1.0,
    reliability: str | None = None,
    hover_cols: Mapping[str, str] | None = None,
    simplify: float | None = None,
) -> Any:
    """Offline-safe interactive choropleth (plotly scatter polygons on plain axes).

    Each class is one scatter trace whose polygons are separated by gaps and filled with
    ``fill="toself"``; a transparent marker at each unit's representative point carries the
    hover text (name, value, reliability). No base map or geo projection is used, so the
    figure renders in an offline HTML report.

    Parameters
    ----------
    gdf : GeoDataFrame
        Polygons (any CRS; drawn as given, with equal x/y scaling at mid-latitude).
    column : str
        Value to map.
    name_col : str, optional
        Unit name for the hover text.
    title, legend_title, classification, k, cmap, fmt, multiplier
        As in :func:`choropleth`.
    reliability : str, optional
        Reliability column; "caution"/"unreliable" units get "RSE > 25% (hati-hati)" in the
        hover text and a dashed outline trace.
    hover_cols : mapping, optional
        Extra columns for the hover text, column -> label.
    simplify : float, optional
        Tolerance (map units) to simplify polygons and keep the HTML small.

    Returns
    -------
    plotly.graph_objects.Figure

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import box
    >>> g = gpd.GeoDataFrame({"v": [1.0, 2.0]}, geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1)])
    >>> fig = interactive_map(g, "v", k=2)
    >>> fig.data[0].fill
    'toself'
    """
    import mapclassify
    import matplotlib as mpl
    import plotly.graph_objects as go
    from matplotlib.colors import to_hex

    _check_gdf(gdf, [column], "map layer")
    geoms = gdf.geometry.simplify(simplify) if simplify else gdf.geometry
    values = pd.to_numeric(gdf[column], errors="coerce").to_numpy(dtype=float)
    has = np.isfinite(values)
    cm = mpl.colormaps[cmap]
    classes = np.full(len(gdf), -1)
    labels: list[str] = []
    colours: list[str] = []
    if has.any():
        y = values[has]
        kk = int(max(1, min(k, len(np.unique(y)))))
        cls = mapclassify.classify(y, scheme=classification, k=kk)
        bins = np.asarray(cls.bins, dtype=float)
        classes[has] = np.asarray(cls.yb, dtype=int)
        lows = np.r_[y.min(), bins[:-1]]
        n = len(bins)
        colours = [to_hex(cm(0.15 + 0.8 * (i / max(n - 1, 1)))) for i in range(n)]
        labels = [_fmt_interval(lows[i], bins[i], fmt, multiplier) for i in range(n)]
    fig = go.Figure()

    def poly_trace(idx: np.ndarray, colour: str, label: str, line: dict[str, Any]) -> None:
        xs: list[float | None] = []
        ys: list[float | None] = []
        for i in idx:
            for ring in _rings(geoms.iloc[i]):
                xs.extend(ring[:, 0].tolist() + [None])
                ys.extend(ring[:, 1].tolist() + [None])
        fig.add_trace(
            go.Scatter(
                x=xs,
                y=ys,
                mode="lines",
                fill="toself",
                fillcolor=colour,
                line=line,
                name=label,
                hoverinfo="skip",
            )
        )

    for c, (colour, label) in enumerate(zip(colours, labels, strict=True)):
        idx = np.flatnonzero(classes == c)
        if len(idx):
            poly_trace(idx, colour, label, {"color": "white", "width": 0.5})
    if (~has).any():
        poly_trace(
            np.flatnonzero(~has), MISSING_COLOUR, MISSING_LABEL, {"color": "white", "width": 0.5}
        )
    mask = _reliability_mask(gdf, reliability)
    if mask.any():
        xs: list[float | None] = []
        ys: list[float | None] = []
        for i in np.flatnonzero(mask):
            for ring in _rings(geoms.iloc[i]):
                xs.extend(ring[:, 0].tolist() + [None])
                ys.extend(ring[:, 1].tolist() + [None])
        fig.add_trace(
            go.Scatter(
                x=xs,
                y=ys,
                mode="lines",
                name=HATCH_LABEL,
                hoverinfo="skip",
                line={"color": "#333333", "width": 1.2, "dash": "dot"},
            )
        )
    pts = gdf.geometry.representative_point()
    text = []
    for i in range(len(gdf)):
        parts = []
        if name_col:
            parts.append(f"<b>{gdf[name_col].iloc[i]}</b>")
        v = values[i]
        parts.append(
            f"{legend_title or column}: "
            + (fmt.format(v * multiplier) if np.isfinite(v) else MISSING_LABEL)
        )
        for col, lab in (hover_cols or {}).items():
            parts.append(f"{lab}: {gdf[col].iloc[i]}")
        if mask[i]:
            parts.append(HATCH_LABEL)
        text.append("<br>".join(parts))
    fig.add_trace(
        go.Scatter(
            x=pts.x,
            y=pts.y,
            mode="markers",
            marker={"size": 6, "opacity": 0},
            text=text,
            hoverinfo="text",
            showlegend=False,
        )
    )
    miny, maxy = gdf.total_bounds[1], gdf.total_bounds[3]
    ratio = 1.0
    crs = getattr(gdf, "crs", None)
    if crs is None or not getattr(crs, "is_projected", False):
        ratio = 1.0 / max(math.cos(math.radians((miny + maxy) / 2)), 0.1)
    fig.update_layout(
        title={"text": title or "", "font": {"size": 16}},
        legend={"title": {"text": legend_title or ""}, "font": {"size": 12}},
        xaxis={"visible": False},
        yaxis={"visible": False, "scaleanchor": "x", "scaleratio": ratio},
        plot_bgcolor="white",
        margin={"l": 10, "r": 10, "t": 50, "b": 10},
        width=700,
        height=800,
    )
    return fig
