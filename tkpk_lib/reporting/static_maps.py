"""Static maps (matplotlib) for the printed report: choropleth with reliability hatching, cluster and pocket maps.

A4-legible: figure about 7 x 8 inches, no font below 8 pt, an optional north arrow ("U",
utara) and a scale bar, Indonesian labels. Polygons are one ``PathCollection`` per layer built
from shapely arrays, and new figures get a layout fixed in inches, sized to the map
(:func:`_fit_figure`), so saving them needs neither a layout engine nor a ``bbox_inches="tight"``
crop. Figures are created with the object API (no pyplot state): safe in papermill runs and threads.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from tkpk_lib.errors import Problem, SchemaError
from tkpk_lib.reporting.map_style import (
    CLUSTER_COLOURS,
    CLUSTER_LABELS,
    FIGSIZE,
    FIXED_LAYOUT,
    FONT_MIN,
    HATCH,
    HATCH_LABEL,
    MISSING_COLOUR,
    MISSING_LABEL,
    POCKET_COLOURS,
    POCKET_LABELS,
    SIDE_ATTR,
    _check_gdf,
    _fmt_interval,
    _reliability_mask,
    classify,
)

_TITLE_IN = 0.42  # room above the map for a 12 pt title (inches)
_EDGE_IN = 0.08  # margin around the map (inches)
_NOTE_LINE_IN = 8.0 * 1.25 / 72.0  # one 8 pt line of the source note (inches)
_NOTE_CHARS = 105  # characters per note line (8 pt on a 7 in wide figure)


def _new_axes(ax: Any, figsize: tuple[float, float]) -> tuple[Any, Any]:
    """A new figure with one map axes, or the figure of the given axes.

    New figures get no layout engine: :func:`_fit_figure` sizes them to the map.
    """
    if ax is not None:
        return ax.figure, ax
    from matplotlib.figure import Figure

    fig = Figure(figsize=figsize)
    ax = fig.add_axes((0.0, 0.0, 1.0, 1.0))
    return fig, ax


def _geom_paths(geoms: Any) -> tuple[list[Any], np.ndarray]:
    """One compound matplotlib ``Path`` per non-empty (multi)polygon, and the rows drawn.

    Vectorised with shapely (rings and coordinates in bulk) instead of one patch per polygon
    part as ``GeoDataFrame.plot`` builds them. Rings are oriented (exterior counter-clockwise,
    holes clockwise), so matplotlib's non-zero fill leaves holes empty.
    """
    import shapely
    from matplotlib.path import Path as MPath

    arr = np.asarray(getattr(geoms, "array", geoms), dtype=object)
    parts, pidx = shapely.get_parts(arr, return_index=True)
    keep = shapely.get_type_id(parts) == 3  # polygons (lines/points of collections are skipped)
    parts, pidx = parts[keep], pidx[keep]
    if shapely.get_num_interior_rings(parts).any():
        parts = shapely.orient_polygons(parts)
    rings, ridx = shapely.get_rings(parts, return_index=True)
    coords, cidx = shapely.get_coordinates(rings, return_index=True)
    if not len(coords):
        return [], np.zeros(0, dtype=int)
    n = np.bincount(cidx, minlength=len(rings))
    ends = np.cumsum(n)[n > 0]
    starts = ends - n[n > 0]
    codes = np.full(len(coords), MPath.LINETO, dtype=MPath.code_type)
    codes[starts] = MPath.MOVETO
    codes[ends - 1] = MPath.CLOSEPOLY
    row = pidx[ridx[cidx]]
    rows, first = np.unique(row, return_index=True)
    last = np.r_[first[1:], len(coords)]
    paths = [MPath(coords[a:b], codes[a:b]) for a, b in zip(first, last, strict=True)]
    return paths, rows


def _draw_polygons(ax: Any, geoms: Any, *, facecolor: Any, edgecolor: Any, linewidth: float,
                   hatch: str | None = None) -> Any:
    """Polygons as one ``PathCollection`` (one path per row; ``facecolor`` one per row or one).

    Equivalent to ``gdf.plot(ax=ax, color=..., edgecolor=..., linewidth=...)`` for polygon
    layers, about 5x cheaper to build. Returns the collection.
    """
    from matplotlib.collections import PathCollection

    paths, rows = _geom_paths(geoms)
    fc = facecolor
    if not isinstance(facecolor, str):
        fc = [facecolor[i] for i in rows]
    coll = PathCollection(paths, facecolors=fc, edgecolors=edgecolor, linewidths=linewidth,
                          hatch=hatch)
    ax.add_collection(coll, autolim=True)
    return coll


def _set_map_aspect(ax: Any, gdf: Any) -> None:
    """Equal scaling as ``GeoDataFrame.plot`` sets it (1/cos(latitude) for a geographic CRS)."""
    crs = getattr(gdf, "crs", None)
    if crs is not None and getattr(crs, "is_geographic", False) and len(gdf):
        y = (gdf.total_bounds[1] + gdf.total_bounds[3]) / 2.0
        ax.set_aspect(1.0 / math.cos(math.radians(y)))
    else:
        ax.set_aspect("equal")
    ax.autoscale_view()


def _note_text(note: str | None) -> str | None:
    """The source note broken into lines.

    Instead of ``wrap=True``, which measures every word at every draw.
    """
    return textwrap.fill(note, _NOTE_CHARS) if note else note


def _fit_figure(fig: Any, ax: Any, figsize: tuple[float, float], title: str | None,
                note: str | None, side: float = 0.0, below: float = 0.0) -> None:
    """Size a new map figure to the map: full width, height as the map's aspect needs.

    The map axes keeps the width of ``figsize`` (minus small margins) and the height its
    aspect gives, capped at ``figsize``'s height (then it is narrower and centred); above it
    room for the title, below for the note. This replaces a constrained layout plus a
    ``bbox_inches="tight"`` crop at save time (two extra layout passes over all texts).
    With ``side`` > 0 the map is left-aligned and ``side`` inches right of it stay free for the
    legend and a locator, ``below`` inches under it for a numbered key (``map_keys``).
    """
    w, hmax = figsize
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    aspect = ax.get_aspect()
    aspect = 1.0 if aspect == "auto" else float(aspect)
    ratio = abs((y1 - y0) * aspect / (x1 - x0)) if x1 != x0 else 1.0
    top = _TITLE_IN if title else _EDGE_IN
    bottom = _EDGE_IN + (_NOTE_LINE_IN * (note.count("\n") + 1) + 0.04 if note else 0.0) + below
    ax_w = w - 2 * _EDGE_IN - side
    ax_h = ax_w * ratio
    room = max(hmax - top - bottom, 1.0)
    if ax_h > room:
        ax_h, ax_w = room, room / ratio
    h = ax_h + top + bottom
    fig.set_size_inches(w, h)
    x = _EDGE_IN + (w - 2 * _EDGE_IN - side - ax_w) / 2 if side else (w - ax_w) / 2
    ax.set_position((x / w, bottom / h, ax_w / w, ax_h / h))
    if side or below:
        setattr(fig, SIDE_ATTR, (float(side), float(below)))
    ax.set_xlim(x0, x1)  # fixed: the scale bar drawn later must not rescale the map
    ax.set_ylim(y0, y1)
    setattr(fig, FIXED_LAYOUT, True)


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
    """Legend at 9 pt; "upper right" sits below the north arrow.

    Bengkulu runs NW-SE, so the upper-right and lower-left corners are empty on province maps.
    """
    kw: dict[str, Any] = {"loc": loc}
    side = getattr(ax.figure, SIDE_ATTR, (0.0, 0.0))[0]
    size = 9
    if side:  # in the side panel, beside the map: it covers nothing
        w, _ = ax.figure.get_size_inches()
        kw = {"loc": "upper left", "bbox_to_anchor": ((w - side + 0.05) / w, ax.get_position().y1),
              "bbox_transform": ax.figure.transFigure, "borderaxespad": 0, "alignment": "left"}
        size = FONT_MIN
        for hd in handles:  # long class names wrap inside the panel
            hd.set_label(textwrap.fill(hd.get_label(), int(side * 11.5)))
    elif loc == "upper right":
        kw["bbox_to_anchor"] = (1.0, 0.84)
    ax.legend(handles=handles, title=title, fontsize=size, title_fontsize=size, frameon=True,
              framealpha=0.9, **kw)


def _finish(
    ax: Any, gdf: Any, title: str | None, north_arrow: bool, scale_bar: bool, note: str | None
) -> None:
    ax.set_axis_off()
    if title:
        # a fixed title position: matplotlib would otherwise lay out the hidden tick labels
        # at every draw to place it
        ax.set_title(title, fontsize=12, loc="left", y=1.0, pad=6)
    if north_arrow:
        add_north_arrow(ax)
    if scale_bar and len(gdf):
        add_scale_bar(ax, gdf)
    if note:
        fixed = getattr(ax.figure, FIXED_LAYOUT, False)  # fixed: the note is broken into lines
        ax.figure.text(0.01, 0.005, note, fontsize=FONT_MIN, ha="left", va="bottom",
                       color="#444444", wrap=not fixed)


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
    side: float = 0.0,
    below: float = 0.0,
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
    side, below : float
        Inches kept free right of (legend, then :func:`~tkpk_lib.reporting.map_keys.add_locator`)
        and under (:func:`~tkpk_lib.reporting.map_keys.add_key`) the map of a new figure.

    Returns
    -------
    matplotlib.figure.Figure
        The figure (not shown; save it with ``fig.savefig(path, dpi=200)``).

    Notes
    -----
    Long by design: classes, colours, hatching of unreliable units and the legend are drawn
    in one sequence on the same axes; the shared steps are module functions (``_draw_polygons``,
    ``_legend``, ``_finish``).

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
    from matplotlib.colors import to_hex
    from matplotlib.patches import Patch

    _check_gdf(gdf, [column], "map layer")
    try:
        import matplotlib as mpl

        cm = mpl.colormaps[cmap]
    except KeyError as exc:
        raise SchemaError([Problem("choropleth", None, f"unknown colour map {cmap!r}")]) from exc
    mask = _reliability_mask(gdf, reliability)
    own = ax is None
    fig, ax = _new_axes(ax, figsize)
    note = _note_text(note) if own else note
    values = pd.to_numeric(gdf[column], errors="coerce").to_numpy(dtype=float)
    has = np.isfinite(values)
    handles = []
    if has.any():
        y = values[has]
        kk = int(max(1, min(k, len(np.unique(y)))))
        bins, yb = classify(y, classification, kk)
        nclass = len(bins)
        colours = [to_hex(cm(0.15 + 0.8 * (i / max(nclass - 1, 1)))) for i in range(nclass)]
        face = [colours[c] for c in yb]
        _draw_polygons(ax, gdf.geometry[has], facecolor=face, edgecolor="white", linewidth=0.3)
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
        _draw_polygons(ax, gdf.geometry[~has], facecolor=MISSING_COLOUR, edgecolor="white",
                       linewidth=0.3)
        handles.append(Patch(facecolor=MISSING_COLOUR, edgecolor="#999999", label=MISSING_LABEL))
    if mask.any():
        _draw_polygons(ax, gdf.geometry[mask], facecolor="none", edgecolor="#333333",
                       linewidth=0.4, hatch=HATCH)
        handles.append(
            Patch(facecolor="white", edgecolor="#333333", hatch=HATCH, label=HATCH_LABEL)
        )
    if outline is not None:
        _draw_polygons(ax, outline.geometry, facecolor="none", edgecolor="#222222", linewidth=0.8)
    _set_map_aspect(ax, gdf)
    if own:
        _fit_figure(fig, ax, figsize, title, note, side, below)
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
    side: float = 0.0,
    below: float = 0.0,
) -> Any:
    """Map of local spatial clusters with fixed colours (LISA quadrants or Gi* hot/cold).

    Parameters
    ----------
    gdf : GeoDataFrame
        Output of :func:`tkpk_lib.analysis.hotspots.hot_spots` (or any layer with a cluster column).
    cluster_col : str
        Column with "High-High", "Low-Low", "High-Low", "Low-High", "hot", "cold",
        "not significant", "no neighbours" (missing = not significant).
    title, legend_title, legend_loc, outline, note, north_arrow, scale_bar, ax, figsize, side, below
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
    own = ax is None
    fig, ax = _new_axes(ax, figsize)
    note = _note_text(note) if own else note
    colours = labels.map(CLUSTER_COLOURS).to_numpy(dtype=object)
    _draw_polygons(ax, gdf.geometry, facecolor=list(colours), edgecolor="white", linewidth=0.3)
    if outline is not None:
        _draw_polygons(ax, outline.geometry, facecolor="none", edgecolor="#222222", linewidth=0.8)
    _set_map_aspect(ax, gdf)
    if own:
        _fit_figure(fig, ax, figsize, title, note, side, below)
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
    side: float = 0.0,
    below: float = 0.0,
) -> Any:
    """Pocket desa highlighted (by pocket type) over kecamatan outlines.

    Parameters
    ----------
    desa_gdf : GeoDataFrame
        Desa polygons with ``key`` (or ``code``/``kode``) and, when ``pockets`` is None, ``pocket_col``.
    pockets : DataFrame, optional
        :func:`tkpk_lib.analysis.pockets.pocket_list` output (its desa rows are joined on ``code``).
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
    title, legend_title, legend_loc, note, north_arrow, scale_bar, ax, figsize, side, below
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
    own = ax is None
    fig, ax = _new_axes(ax, figsize)
    note = _note_text(note) if own else note
    colours = types.map(POCKET_COLOURS).fillna(MISSING_COLOUR).to_numpy(dtype=object)
    _draw_polygons(ax, layer.geometry, facecolor=list(colours), edgecolor="#bdbdbd", linewidth=0.15)
    if kec_gdf is not None:
        _draw_polygons(ax, kec_gdf.geometry, facecolor="none", edgecolor="#252525", linewidth=0.7)
    _set_map_aspect(ax, layer)
    if own:
        _fit_figure(fig, ax, figsize, title, note, side, below)
    if kec_gdf is not None and label_kecamatan:
        ncol = next((c for c in ("nama", "name", "kec_name") if c in kec_gdf.columns), None)
        if ncol is not None:
            pts = kec_gdf.geometry.representative_point()
            for pt, nm in zip(pts, kec_gdf[ncol], strict=True):
                ax.text(pt.x, pt.y, str(nm), fontsize=FONT_MIN, ha="center", va="center",
                        color="#111111")
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
