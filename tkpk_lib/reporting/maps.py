"""Maps for the pocket analysis: choropleths with reliability hatching, cluster and pocket maps.

Static maps (matplotlib, for the PDF/HTML report) are A4-legible: figure about 7 x 8 inches,
no font below 8 pt, an optional north arrow ("U", utara) and a scale bar, Indonesian labels.
Units whose estimate is "caution" or "unreliable" (RSE > 25%, BPS convention) are hatched
and the legend says so ("RSE > 25% (hati-hati)"): a reader must never take a noisy kecamatan
value at face value. Classes are quantiles by default, computed here exactly as
``mapclassify.Quantiles`` does (importing mapclassify pulls in scipy.stats and scikit-learn,
2-5 s in every fresh report kernel); other schemes come from ``mapclassify``.

The static maps are built for speed in report kernels: polygons are one ``PathCollection``
per layer built from shapely arrays, and new figures get a layout fixed in inches, sized to
the map (:func:`_fit_figure`), so saving them needs neither a layout engine nor a
``bbox_inches="tight"`` crop.

:func:`interactive_map` draws polygons as plotly scatter traces (``fill="toself"``) on plain
x/y axes, which render offline (plotly *geo* charts need to fetch base maps and do not).

matplotlib and plotly are imported inside the functions so that ``import tkpk_lib`` stays
light; figures are created with the object API (no pyplot state), so they are safe in
papermill runs and threads.

This module is a facade (layout of issue 14): the code lives in
:mod:`tkpk_lib.reporting.map_style`, :mod:`tkpk_lib.reporting.static_maps` and
:mod:`tkpk_lib.reporting.interactive_maps`; every name keeps working from here. Patch a
function in the module that defines it.
"""

from __future__ import annotations

from tkpk_lib.reporting.interactive_maps import (  # noqa: F401
    _rings,
    interactive_map,
)
from tkpk_lib.reporting.map_style import (  # noqa: F401
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
    UNRELIABLE,
    _check_gdf,
    _fmt_interval,
    _reliability_mask,
    classify,
    quantile_bins,
)
from tkpk_lib.reporting.static_maps import (  # noqa: F401
    _EDGE_IN,
    _NOTE_CHARS,
    _NOTE_LINE_IN,
    _TITLE_IN,
    _draw_polygons,
    _finish,
    _fit_figure,
    _geom_paths,
    _km_per_unit,
    _legend,
    _new_axes,
    _nice_length,
    _note_text,
    _set_map_aspect,
    add_north_arrow,
    add_scale_bar,
    choropleth,
    cluster_map,
    pocket_map,
)

__all__ = [
    "CLUSTER_COLOURS",
    "POCKET_COLOURS",
    "add_north_arrow",
    "add_scale_bar",
    "choropleth",
    "classify",
    "cluster_map",
    "interactive_map",
    "pocket_map",
]
