"""What every map shares: colours and labels of the classes, reliability hatching, class breaks.

Classes are quantiles by default, computed here exactly as ``mapclassify.Quantiles`` does
(importing mapclassify pulls in scipy.stats and scikit-learn, 2-5 s in every fresh report
kernel); other schemes come from ``mapclassify``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from tkpk_lib.errors import Problem, SchemaError

FIGSIZE: tuple[float, float] = (7.0, 8.0)
"""Default figure size in inches (fits an A4 page with margins)."""

MAP_FIGSIZE: tuple[float, float] = (7.0, 4.9)
"""Size of the report's maps: two per A4 page, legend, key and locator in a side panel."""

SIDE_IN = 2.4
"""Width (inches) of the side panel right of a report map (legend, numbered key, locator inset)."""

SIDE_ATTR = "_tkpk_side_panel"
"""Attribute holding (side panel width, key strip height) in inches on a map figure laid out with them."""

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
"""Fixed colours of pocket types (see :data:`tkpk_lib.analysis.pockets.POCKET_TYPES`)."""

POCKET_LABELS: dict[str, str] = {
    "keduanya": "Kantong: tingkat tinggi dan jumlah besar",
    "tingkat tinggi": "Kantong: tingkat kemiskinan tinggi",
    "jumlah besar": "Kantong: jumlah penduduk miskin besar",
    "bukan kantong": "Bukan kantong",
}


FIXED_LAYOUT = "_tkpk_fixed_layout"
"""Attribute set (True) on figures laid out in inches by this library: they need no
``bbox_inches="tight"`` when saved (see :func:`tkpk_lib.reporting.notebook.show`), which saves a draw."""


def _check_gdf(gdf: Any, cols: Sequence[str], source: str) -> None:
    if not hasattr(gdf, "geometry"):
        raise SchemaError([Problem(source, None, "needs a GeoDataFrame with polygons")])
    miss = [c for c in cols if c not in gdf.columns]
    if miss:
        raise SchemaError([Problem(source, c, "column is missing") for c in miss])


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


def quantile_bins(y: np.ndarray, k: int) -> np.ndarray:
    """Upper class limits of ``k`` quantile classes, as ``mapclassify.Quantiles`` sets them.

    Reimplemented because importing mapclassify costs 2-5 s (scipy.stats, scikit-learn,
    pyplot) in every fresh report kernel. Same steps, same floating-point operations:
    percentiles ``100/k, 200/k, ..., 100`` by scipy's ``scoreatpercentile`` ("fraction":
    linear between the two neighbouring order statistics, weights ``j - idx`` and
    ``idx - i``), then the distinct values (ties can give fewer than ``k`` classes).
    tests/test_maps.py checks equality with mapclassify on random and tied data.

    Parameters
    ----------
    y : ndarray
        Finite values.
    k : int
        Number of classes (>= 1).

    Returns
    -------
    ndarray
        Increasing upper limits; the last is ``max(y)``.

    Examples
    --------
    >>> quantile_bins(np.arange(1000.0), 4).tolist()
    [249.75, 499.5, 749.25, 999.0]
    """
    s = np.sort(np.asarray(y, dtype=float).ravel())
    w = 100.0 / k
    p = np.arange(w, 100 + w, w)
    if p[-1] > 100.0:
        p[-1] = 100.0
    q = []
    for per in p:
        idx = per / 100.0 * (len(s) - 1)
        i = int(idx)
        if i == idx:
            q.append(s[i])
        else:
            wa, wb = (i + 1) - idx, idx - i
            q.append((s[i] * wa + s[i + 1] * wb) / (wa + wb))
    return np.unique(np.asarray(q, dtype=float))


def classify(y: np.ndarray, scheme: str = "quantiles", k: int = 5) -> tuple[np.ndarray, np.ndarray]:
    """Class limits and class of each value: quantiles here, other schemes by ``mapclassify``.

    Parameters
    ----------
    y : ndarray
        Finite values.
    scheme : str
        "quantiles" or any scheme name of ``mapclassify.classify``.
    k : int
        Number of classes.

    Returns
    -------
    (bins, yb) : (ndarray, ndarray)
        Upper class limits and the class (0-based) of each value: ``bins[c-1] < y <= bins[c]``.

    Raises
    ------
    SchemaError
        The scheme is unknown or fails on these values.

    Examples
    --------
    >>> bins, yb = classify(np.array([1.0, 2.0, 3.0, 4.0]), "quantiles", 2)
    >>> bins.tolist(), yb.tolist()
    ([2.5, 4.0], [0, 0, 1, 1])
    """
    y = np.asarray(y, dtype=float).ravel()
    if scheme.lower().replace("_", "") == "quantiles":
        bins = quantile_bins(y, k)
        return bins, np.searchsorted(bins, y, side="left").astype(int)
    import mapclassify

    try:
        cls = mapclassify.classify(y, scheme=scheme, k=k)
    except (ValueError, TypeError, KeyError) as exc:
        raise SchemaError(
            [Problem("choropleth", None, f"classification {scheme!r} failed: {exc}")]
        ) from exc
    return np.asarray(cls.bins, dtype=float), np.asarray(cls.yb, dtype=int)


def id_number_text(text: str) -> str:
    """Swap the separators of a number formatted the English way into the Indonesian way.

    Examples
    --------
    >>> id_number_text("12,345.5")
    '12.345,5'
    """
    return text.replace(",", "\0").replace(".", ",").replace("\0", ".")


def _fmt_interval(lo: float, hi: float, fmt: str, multiplier: float) -> str:
    """A legend class "lo – hi" with Indonesian decimal commas (``fmt`` is an English format)."""
    return f"{id_number_text(fmt.format(lo * multiplier))} – {id_number_text(fmt.format(hi * multiplier))}"
