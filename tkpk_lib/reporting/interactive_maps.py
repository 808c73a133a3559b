"""Interactive map (plotly) for exploration.

:func:`interactive_map` draws polygons as plotly scatter traces (``fill="toself"``) on plain x/y
axes, which render offline (plotly *geo* charts need to fetch base maps and do not).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from tkpk_lib.reporting.map_style import (
    HATCH_LABEL,
    MISSING_COLOUR,
    MISSING_LABEL,
    _check_gdf,
    _fmt_interval,
    _reliability_mask,
    classify,
)


def _rings(geom: Any) -> list[np.ndarray]:
    """Exterior rings of a (multi)polygon as coordinate arrays."""
    if geom is None or geom.is_empty:
        return []
    parts = getattr(geom, "geoms", [geom])
    return [np.asarray(p.exterior.coords) for p in parts if hasattr(p, "exterior")]


def _ring_xy(geoms: Any, idx: np.ndarray) -> tuple[list[float | None], list[float | None]]:
    """X and y of the exterior rings of ``geoms.iloc[idx]``, rings separated by ``None`` (one trace)."""
    xs: list[float | None] = []
    ys: list[float | None] = []
    for i in idx:
        for ring in _rings(geoms.iloc[i]):
            xs.extend(ring[:, 0].tolist() + [None])
            ys.extend(ring[:, 1].tolist() + [None])
    return xs, ys


def _hover_texts(gdf: Any, values: np.ndarray, mask: np.ndarray, prefix: str, fmt: str, multiplier: float,
                 name_col: str | None, hover_cols: Mapping[str, str] | None) -> list[str]:
    """Hover text of each unit: its name, value (or "tidak ada data"), extra columns, RSE warning."""
    text = []
    for i in range(len(gdf)):
        parts = []
        if name_col:
            parts.append(f"<b>{gdf[name_col].iloc[i]}</b>")
        v = values[i]
        parts.append(prefix + (fmt.format(v * multiplier) if np.isfinite(v) else MISSING_LABEL))
        for col, lab in (hover_cols or {}).items():
            parts.append(f"{lab}: {gdf[col].iloc[i]}")
        if mask[i]:
            parts.append(HATCH_LABEL)
        text.append("<br>".join(parts))
    return text


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
    hover_text: list[str] | None = None,
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
    hover_text : list of str, optional
        Hover text of each unit, replacing the one built from ``name_col``, the value and
        ``hover_cols``.

    Returns
    -------
    plotly.graph_objects.Figure

    Notes
    -----
    Long mainly by its docstring; the ring and hover-text steps are module functions
    (``_ring_xy``, ``_hover_texts``); the rest is one plotly figure built trace by trace.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import box
    >>> g = gpd.GeoDataFrame({"v": [1.0, 2.0]}, geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1)])
    >>> fig = interactive_map(g, "v", k=2)
    >>> fig.data[0].fill
    'toself'
    """
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
        bins, classes[has] = classify(y, classification, kk)
        lows = np.r_[y.min(), bins[:-1]]
        n = len(bins)
        colours = [to_hex(cm(0.15 + 0.8 * (i / max(n - 1, 1)))) for i in range(n)]
        labels = [_fmt_interval(lows[i], bins[i], fmt, multiplier) for i in range(n)]
    fig = go.Figure()

    def poly_trace(idx: np.ndarray, colour: str, label: str, line: dict[str, Any]) -> None:
        xs, ys = _ring_xy(geoms, idx)
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
        xs, ys = _ring_xy(geoms, np.flatnonzero(mask))
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
    text = hover_text if hover_text is not None else _hover_texts(
        gdf, values, mask, f"{legend_title or column}: ", fmt, multiplier, name_col, hover_cols)
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


def _pct(x: float) -> str:
    """A share as an Indonesian percentage ("34,4")."""
    from tkpk_lib.reporting.formatting import fmt_number

    return fmt_number(100 * x, 1)


def _kecamatan_hover(row: Any, unit: str) -> str:
    """Hover text of one kecamatan: name, P0 with its 95% CI, reliability, pocket status."""
    from tkpk_lib.reporting.labels import RELIABILITY_ID

    parts = [f"<b>Kecamatan {row['name']}</b>", unit]
    if np.isfinite(row["rate"]):
        ci = ""
        if np.isfinite(row["se"]):
            lo, hi = max(row["rate"] - 1.96 * row["se"], 0.0), row["rate"] + 1.96 * row["se"]
            ci = f" (SK 95%: {_pct(lo)}-{_pct(hi)})"
        parts.append(f"P0 model: {_pct(row['rate'])} persen{ci}")
        parts.append(f"Keandalan: {RELIABILITY_ID.get(str(row['reliability']), 'tidak diketahui')}")
    else:
        parts.append(f"P0 model: {MISSING_LABEL}")
    status = row["pocket_type"] if isinstance(row["pocket_type"], str) else "tidak dinilai"
    parts.append(f"Status kantong kemiskinan: {status}")
    return "<br>".join(parts)


def _desa_hover(row: Any, kec_names: Mapping[str, str], unit: str) -> str:
    """Hover text of one desa: name, kecamatan, its measure (registry: no sampling error), pocket status."""
    parts = [f"<b>{row['name']}</b>", f"Kecamatan {kec_names.get(str(row['code'])[:6], '-')}", unit]
    if np.isfinite(row["rate"]):
        parts.append(f"{row['rate_measure']}: {_pct(row['rate'])} persen (data registri, tanpa galat sampling)")
    else:
        parts.append(f"{row['rate_measure'] if isinstance(row['rate_measure'], str) else 'Nilai'}: {MISSING_LABEL}")
    status = row["pocket_type"] if isinstance(row["pocket_type"], str) else "tidak dinilai"
    parts.append(f"Status kantong kemiskinan: {status}")
    return "<br>".join(parts)


def pocket_map_interactive(cache: Any, data_root: Any, kab_code: str, level: str = "kecamatan") -> Any:
    """Interactive map of the kecamatan (or desa) of a unit; kecamatan of the whole province for "17".

    Kecamatan: coloured by P0 model (SAE); hover: kecamatan and kabupaten/kota name, P0 with
    its 95% confidence interval and reliability (Indonesian number format), pocket status.
    Desa (kabupaten/kota only; the province would carry 1,500 polygons): coloured by the desa
    measure of the pockets (registry share, no sampling error); hover: desa and kecamatan
    name, the measure, pocket status. Drawn offline (:func:`interactive_map`).

    Parameters
    ----------
    cache : path
        Prepared report tables.
    data_root : path
        Data root with the boundary files.
    kab_code : str
        Kabupaten/kota code, or the province code.
    level : {"kecamatan", "desa"}, default "kecamatan"
        Units of the map.

    Returns
    -------
    plotly.graph_objects.Figure or None
        None without boundaries or pockets of that level (and for desa of the province).

    Examples
    --------
    >>> pocket_map_interactive("derived/2024", "data/demo/generated", "1701")  # doctest: +SKIP
    """
    from tkpk_lib.data import canonical
    from tkpk_lib.data.region import province_code
    from tkpk_lib.reporting.labels import unit_name
    from tkpk_lib.reporting.reading import load_section

    code = str(kab_code)
    if f"boundaries/{level}" not in canonical.raw_files(data_root, 0) or (level == "desa" and code == province_code()):
        return None
    pockets = load_section(cache, "pockets", kab_code)
    pk = pockets[pockets["level"] == level] if "level" in pockets.columns else pockets.iloc[0:0]
    shapes = canonical.load_boundaries(data_root, level)
    if code != province_code():
        shapes = shapes[shapes["code"].astype(str).str[:4] == code]
    if pk.empty or shapes.empty:
        return None
    cols = ["code", "name", "rate", "se", "reliability", "pocket_type", "rate_measure"]
    g = shapes[["code", "geometry"]].merge(pk[[c for c in cols if c in pk.columns]], on="code", how="left")
    for col in ("rate", "se"):
        g[col] = pd.to_numeric(g[col], errors="coerce") if col in g.columns else np.nan
    g["name"] = g["name"].fillna(g["code"].astype(str))
    if level == "desa":
        kec = pockets[pockets["level"] == "kecamatan"]
        names = dict(zip(kec["code"].astype(str), kec["name"].astype(str), strict=True))
        text = [_desa_hover(r, names, unit_name(code)) for _i, r in g.iterrows()]
        title, legend, reliability = f"Kantong kemiskinan desa, {unit_name(code)}", "Desil 1-4 (%)", None
    else:
        text = [_kecamatan_hover(r, unit_name(str(r["code"])[:4])) for _i, r in g.iterrows()]
        title, legend, reliability = f"P0 model kecamatan (SAE), {unit_name(code)}", "P0 (%)", "reliability"
    span = float(max(g.total_bounds[2] - g.total_bounds[0], g.total_bounds[3] - g.total_bounds[1]))
    fig = interactive_map(g, "rate", title=title, legend_title=legend, k=4, fmt="{:.1f}", multiplier=100,
                          reliability=reliability, hover_text=text, simplify=span / 800)
    for trace in fig.data:  # legend intervals with decimal commas
        if trace.name:
            trace.name = trace.name.replace(".", ",")
    fig.update_layout(separators=",.", hoverlabel={"align": "left", "namelength": -1},
                      width=None, height=640, autosize=True)
    return fig
