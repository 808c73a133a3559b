"""What makes a printed map name its places: numbered units with a key beside the map, and a locator inset.

The static maps of :mod:`tkpk_lib.reporting.static_maps` drawn with ``side`` > 0 keep a panel
of that many inches right of the map for the legend; this module adds the rest:

- :func:`number_units` writes a number on every unit of a layer (kabupaten/kota on province
  maps, kecamatan on a kabupaten map), in code order, white-haloed so it reads on any class
  colour;
- :func:`add_key` lists "number  name" in columns in a strip under the map (reserved with the
  maps' ``below`` = :func:`key_height`);
- :func:`add_locator` draws a small map of the province with the unit in red at the bottom of
  the side panel, under the legend.

All sizes are in inches of a figure laid out by :func:`tkpk_lib.reporting.static_maps._fit_figure`
(no layout engine, no crop at save time).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from tkpk_lib.reporting.map_style import FONT_MIN, SIDE_ATTR

__all__ = ["KEY_COLUMNS", "KEY_TITLE", "LOCATOR_TITLE", "add_key", "add_locator", "key_height", "number_units"]

KEY_TITLE = "Nomor pada peta"
LOCATOR_TITLE = "Letak di provinsi"
KEY_COLUMNS = 4
_LOCATOR_IN = 1.3  # largest size of the locator inset (inches)
_LOCATOR_MIN_IN = 0.7
_LINE_IN = FONT_MIN * 1.25 * 1.2 / 72.0  # one line of the key (inches): 8 pt, line spacing 1.25
_PREFIXES = ("Kabupaten ", "Kecamatan ")


def _short(name: str) -> str:
    for p in _PREFIXES:
        if name.startswith(p):
            return name[len(p):]
    return name


def number_units(ax: Any, gdf: Any, *, code_col: str = "code", name_col: str = "name") -> list[tuple[int, str]]:
    """Write a number on every unit of ``gdf`` (in code order) and return the key entries.

    Parameters
    ----------
    ax : matplotlib Axes
        The map axes (data coordinates = the CRS of ``gdf``).
    gdf : GeoDataFrame
        Units to number, with ``code_col`` and ``name_col``.
    code_col, name_col : str
        Code (sort order) and name columns.

    Returns
    -------
    list of (int, str)
        (number, name) per unit; "Kabupaten "/"Kecamatan " prefixes are dropped from names.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from matplotlib.figure import Figure
    >>> from shapely.geometry import box
    >>> g = gpd.GeoDataFrame({"code": ["02", "01"], "name": ["Kecamatan B", "Kecamatan A"]},
    ...                      geometry=[box(1, 0, 2, 1), box(0, 0, 1, 1)])
    >>> ax = Figure().add_subplot()
    >>> number_units(ax, g)
    [(1, 'A'), (2, 'B')]
    >>> [t.get_text() for t in ax.texts]
    ['1', '2']
    """
    from matplotlib import patheffects

    g = gdf.assign(_c=gdf[code_col].astype(str)).sort_values("_c", kind="stable")
    pts = g.geometry.representative_point()
    halo = [patheffects.withStroke(linewidth=2.2, foreground="white")]
    entries = []
    for i, (pt, name) in enumerate(zip(pts, g[name_col].astype(str), strict=True), start=1):
        ax.text(pt.x, pt.y, str(i), fontsize=FONT_MIN, fontweight="bold", ha="center", va="center",
                color="#111111", path_effects=halo, clip_on=True)
        entries.append((i, _short(name)))
    return entries


def key_height(n: int, ncol: int = KEY_COLUMNS) -> float:
    """Inches a key of ``n`` numbered units needs under the map (pass it as the maps' ``below``).

    Examples
    --------
    >>> round(key_height(10), 2)
    0.79
    >>> key_height(0)
    0.0
    """
    if n <= 0:
        return 0.0
    return (math.ceil(n / ncol) + 1) * _LINE_IN + 0.12


def _panel(fig: Any) -> tuple[float, float, float, float] | None:
    """(side panel left, map top, map bottom, figure height) in figure fractions/inches, or None."""
    side = getattr(fig, SIDE_ATTR, None)
    if not side:
        return None
    w, h = fig.get_size_inches()
    pos = fig.axes[0].get_position()
    return (w - side[0] + 0.05) / w, pos.y1, pos.y0, h


def _bottom(fig: Any, leg: Any, default: float) -> float:
    """Bottom of a legend (figure fraction), measured with a renderer (no full draw)."""
    from matplotlib.backends.backend_agg import RendererAgg

    if leg is None:
        return default
    w, h = fig.get_size_inches()
    r = RendererAgg(w * fig.dpi, h * fig.dpi, fig.dpi)
    return float(leg.get_window_extent(r).y0 / (h * fig.dpi))


def add_key(fig: Any, entries: list[tuple[int, str]], *, title: str = KEY_TITLE, ncol: int = KEY_COLUMNS) -> list[Any]:
    """List the numbers of :func:`number_units` with their names under the map, in up to ``ncol`` columns.

    The map must have been drawn with ``below`` = :func:`key_height` of the entries (the strip
    between the map and the source note). Columns run down (1, 2, 3 ... in the first), as a
    reader scans a key; one text per column (a legend of many entries costs ten times more to
    draw). Fewer columns when the names are too wide for the page.

    Returns
    -------
    list of matplotlib.text.Text
        The title, then one text per column; empty when ``entries`` is empty.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> fig = Figure(figsize=(7, 4))
    >>> _ = fig.add_axes((0.1, 0.3, 0.5, 0.6))
    >>> [t.get_text() for t in add_key(fig, [(1, "Pino"), (2, "Manna")], ncol=4)]
    ['Nomor pada peta', '1  Pino', '2  Manna']
    """
    if not entries:
        return []
    from tkpk_lib.reporting.figures import _text_width

    lines = [f"{i}  {name}" for i, name in entries]
    w, h = fig.get_size_inches()
    col_w = _text_width(lines, FONT_MIN) + 0.25
    ncol = max(1, min(ncol, int((w - 0.2) // col_w), len(lines)))
    rows = math.ceil(len(lines) / ncol)
    top = fig.axes[0].get_position().y0 - 0.06 / h if fig.axes else 0.3
    kw = {"fontsize": FONT_MIN, "ha": "left", "va": "top", "linespacing": 1.25}
    out = [fig.text(0.1 / w, top, title, fontweight="bold", **kw)]
    for c in range(ncol):
        chunk = lines[c * rows:(c + 1) * rows]
        if chunk:
            out.append(fig.text((0.1 + c * col_w) / w, top - _LINE_IN / h, "\n".join(chunk), **kw))
    return out


def add_locator(fig: Any, context: Any, unit: Any, *, title: str = LOCATOR_TITLE) -> Any:
    """A small map of ``context`` (the province's kabupaten/kota) with ``unit`` in red, bottom of the side panel.

    Returns
    -------
    matplotlib.axes.Axes or None
        The inset axes; None without a side panel or without polygons.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> add_locator(Figure(), None, None) is None
    True
    """
    from tkpk_lib.reporting.static_maps import _draw_polygons, _set_map_aspect

    box = _panel(fig)
    if box is None or context is None or unit is None or not len(context) or not len(unit):
        return None
    w, h = fig.get_size_inches()
    above = _bottom(fig, fig.axes[0].get_legend(), box[1])
    size = max(min(_LOCATOR_IN, (above - box[2]) * h - 0.3), _LOCATOR_MIN_IN)
    inset = fig.add_axes((box[0], box[2] + 0.02 / h, size / w, size / h))
    _draw_polygons(inset, context.geometry, facecolor="#e0e0e0", edgecolor="white", linewidth=0.3)
    _draw_polygons(inset, unit.geometry, facecolor="#c0392b", edgecolor="#7f1d1d", linewidth=0.4)
    _set_map_aspect(inset, context)
    inset.set_anchor("SW")
    inset.set_axis_off()
    inset.set_title(title, fontsize=FONT_MIN, loc="left", pad=2)
    xs = np.asarray(context.total_bounds, dtype=float)
    inset.set_xlim(xs[0], xs[2])
    inset.set_ylim(xs[1], xs[3])
    return inset
