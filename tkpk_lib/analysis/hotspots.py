"""Poverty pockets (kantong kemiskinan) as local spatial clusters: LISA and Getis-Ord Gi*.

Two local statistics, both from PySAL (``esda``) on ``libpysal`` contiguity weights:

* LISA (local Moran's I, Anselin 1995): a unit is "High-High" when its value and the average of
  its neighbours are both above the mean and the association is significant; "Low-High"
  and "High-Low" are spatial outliers.
* Getis-Ord Gi* (Getis and Ord 1992, star version: the unit itself is part of its own
  neighbourhood): "hot" when the neighbourhood sum is significantly high, "cold" when low.

Inference is by conditional permutation (pseudo p-values, one-sided in the direction of the
observed statistic, as esda/GeoDa report them). Because one test is run per unit, p-values are
adjusted with the Benjamini-Hochberg false discovery rate by default.

Resolution of permutation p-values: the smallest pseudo p-value is ``1 / (permutations + 1)``,
while Benjamini-Hochberg needs ``p <= fdr * k / n`` for the k-th smallest of n p-values. With
999 permutations and 1,500 desa at FDR 0.05 at least 30 units must reach the minimum before
anything is declared significant; a small pocket can then never be found. :func:`hot_spots`
warns when ``1 / (permutations + 1) > fdr * 3 / n`` (fewer than three units could pass); use
``permutations >= 3 n / fdr`` for desa maps (e.g. 99,999 for 1,500 desa, some 20-30 s; 9,999
take 2-3 s) or ``permutations=0`` for the analytical normal approximation. Kecamatan maps
(~130 units) are fine with the default 999.

Units without neighbours ("islands": an island kecamatan, or a desa whose polygon does not
touch any other) have no local statistic. By default (``islands="exclude"``) they are
labelled "no neighbours", get NaN statistics and are left out of the tests and of the FDR
correction, so that an island can never silently become a pocket. ``islands="nearest"``
instead links each island to its nearest unit (smallest polygon-to-polygon distance; the
link is made symmetric) before any statistic is computed.

``esda`` and ``libpysal`` are imported inside the functions so that ``import tkpk_lib`` stays
light.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np
import pandas as pd

from tkpk_lib.errors import Problem, SchemaError, TkpkError

__all__ = ["LISA_LABELS", "GI_LABELS", "hot_spots", "stable_hot_spots"]

NOT_SIGNIFICANT = "not significant"
NO_NEIGHBOURS = "no neighbours"
LISA_LABELS = ("High-High", "Low-High", "Low-Low", "High-Low")  # esda quadrants 1..4
GI_LABELS = ("hot", "cold")
_POCKET = {"lisa": "High-High", "gi": "hot"}


# --------------------------------------------------------------------------------------
# weights
# --------------------------------------------------------------------------------------


def _build_weights(gdf: Any, weights: Any, k: int, islands: str) -> tuple[Any, np.ndarray]:
    """Binary libpysal W over all rows (ids 0..n-1) and the mask of units with neighbours."""
    import libpysal

    n = len(gdf)
    if isinstance(weights, libpysal.weights.W):
        if weights.n != n:
            raise TkpkError(f"hot_spots: weights has {weights.n} units, data has {n} rows")
        pos = {idx: i for i, idx in enumerate(weights.id_order)}
        neigh = {i: [pos[j] for j in weights.neighbors[idx]] for i, idx in enumerate(pos)}
        w = libpysal.weights.W(neigh, silence_warnings=True)
    elif weights in ("queen", "rook"):
        cls = libpysal.weights.Queen if weights == "queen" else libpysal.weights.Rook
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            w = cls.from_dataframe(gdf, use_index=False, silence_warnings=True)
    elif weights == "knn":
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            w = libpysal.weights.KNN.from_dataframe(gdf, k=k, use_index=False)
    else:
        raise TkpkError(
            f"hot_spots: weights must be 'queen', 'rook', 'knn' or a libpysal W, got {weights!r}"
        )
    neigh = {i: list(w.neighbors[i]) for i in range(n)}
    isl = [i for i in range(n) if not neigh[i]]
    if isl and islands == "nearest":
        geoms = gdf.geometry.reset_index(drop=True)
        for i in isl:
            dist = np.array(geoms.distance(geoms.iloc[i]), dtype=float)
            dist[i] = np.inf
            j = int(np.argmin(dist))  # ties -> lowest position
            if j not in neigh[i]:
                neigh[i].append(j)
            if i not in neigh[j]:
                neigh[j].append(i)
    elif islands != "exclude":
        raise TkpkError(f"hot_spots: islands must be 'exclude' or 'nearest', got {islands!r}")
    w = libpysal.weights.W(neigh, silence_warnings=True)
    has = np.array([len(neigh[i]) > 0 for i in range(n)])
    return w, has


def _subset(w: Any, keep: np.ndarray) -> Any:
    """W restricted to the units in ``keep`` (renumbered 0..m-1)."""
    import libpysal

    pos = -np.ones(len(keep), dtype=int)
    pos[keep] = np.arange(int(keep.sum()))
    neigh = {
        int(pos[i]): [int(pos[j]) for j in w.neighbors[i] if keep[j]] for i in np.flatnonzero(keep)
    }
    return libpysal.weights.W(neigh, silence_warnings=True)


class _Prepared:
    """Weights prepared once and reused for every run (and every draw)."""

    def __init__(self, w_sub: Any, method: str):
        import libpysal

        self.method = method
        if method == "lisa":
            self.w = libpysal.weights.W(w_sub.neighbors, silence_warnings=True)
            self.w.transform = "r"
        else:
            wb = libpysal.weights.W(w_sub.neighbors, silence_warnings=True)
            self.w = libpysal.weights.fill_diagonal(wb, 1.0)  # Gi*: self in neighbourhood
            self.w.transform = "b"


def _local_test(
    y: np.ndarray, prep: _Prepared, permutations: int, seed: int | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(stat, p, direction) for the tested units; direction = LISA quadrant 1..4 or sign(z)."""
    import esda
    from scipy import stats

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if prep.method == "lisa":
            lm = esda.Moran_Local(
                y, prep.w, transformation="r", permutations=permutations, seed=seed, n_jobs=1
            )
            if permutations:
                p = np.asarray(lm.p_sim, dtype=float)
            else:
                # conditional-randomisation moments (Sokal et al. 1998), normal tail
                with np.errstate(divide="ignore", invalid="ignore"):
                    z = (lm.Is - lm.EIc) / np.sqrt(lm.VIc)
                p = stats.norm.sf(np.abs(np.nan_to_num(z)))
            return np.asarray(lm.Is, dtype=float), p, np.asarray(lm.q)
        g = esda.G_Local(
            y, prep.w, transform="B", permutations=permutations, star=None, seed=seed, n_jobs=1
        )
        zs = np.asarray(g.Zs, dtype=float)
        p = np.asarray(g.p_sim if permutations else g.p_norm, dtype=float)
        return zs, p, np.sign(zs)


def _labels(
    stat: np.ndarray,
    p: np.ndarray,
    direction: np.ndarray,
    method: str,
    fdr: float | None,
    alpha: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """q-values, significance and cluster labels for the tested units."""
    if fdr is not None:
        from scipy import stats

        q = stats.false_discovery_control(p, method="bh") if p.size else p
        sig = q <= fdr
    else:
        q = np.full(p.shape, np.nan)
        sig = p <= alpha
    lab = np.full(p.shape, NOT_SIGNIFICANT, dtype=object)
    if method == "lisa":
        for quad, name in enumerate(LISA_LABELS, start=1):
            lab[sig & (direction == quad)] = name
    else:
        lab[sig & (direction > 0)] = "hot"
        lab[sig & (direction < 0)] = "cold"
    lab[~np.isfinite(stat) | ~np.isfinite(p)] = NOT_SIGNIFICANT  # undefined statistic
    return q, sig & (lab != NOT_SIGNIFICANT), lab


def _check(gdf: Any, cols: list[str], method: str, source: str) -> None:
    problems = [Problem(source, c, "column not found") for c in cols if c not in gdf.columns]
    if problems:
        raise SchemaError(problems)
    if method not in ("lisa", "gi"):
        raise TkpkError(f"hot_spots: method must be 'lisa' or 'gi', got {method!r}")
    for c in cols:
        if not pd.api.types.is_numeric_dtype(gdf[c]):
            raise SchemaError([Problem(source, c, "must be numeric")])
        bad = ~np.isfinite(gdf[c].to_numpy(dtype=float))
        if bad.any():
            raise SchemaError(
                [Problem(source, c, "missing or infinite values", list(np.flatnonzero(bad) + 1))]
            )
    if gdf.geometry.isna().any() or gdf.geometry.is_empty.any():
        bad = (gdf.geometry.isna() | gdf.geometry.is_empty).to_numpy()
        raise SchemaError(
            [Problem(source, "geometry", "missing/empty geometry", list(np.flatnonzero(bad) + 1))]
        )


def _warn_resolution(n_tested: int, permutations: int, fdr: float | None) -> None:
    if fdr is None or permutations == 0 or n_tested == 0:
        return
    if 1.0 / (permutations + 1) > fdr * 3 / n_tested:
        need = math.ceil(3 * n_tested / fdr)
        warnings.warn(
            f"hot_spots: with {n_tested} units and FDR {fdr}, {permutations} permutations "
            f"(smallest p = {1 / (permutations + 1):.2g}) cannot make fewer than "
            f"{math.ceil(n_tested / (fdr * (permutations + 1)))} units significant; "
            f"use permutations >= {need} (or permutations=0, normal approximation)",
            UserWarning,
            stacklevel=3,
        )


# --------------------------------------------------------------------------------------
# public API
# --------------------------------------------------------------------------------------


def hot_spots(
    gdf: Any,
    value: str,
    method: str = "lisa",
    permutations: int = 999,
    seed: int | None = 12345,
    fdr: float | None = 0.05,
    weights: Any = "queen",
    *,
    alpha: float = 0.05,
    k: int = 6,
    islands: str = "exclude",
    source: str = "hot_spots input",
) -> Any:
    """Label local spatial clusters (candidate poverty pockets) with LISA or Getis-Ord Gi*.

    Parameters
    ----------
    gdf : geopandas.GeoDataFrame
        One row per area (kecamatan or desa polygons; any CRS, contiguity is topological).
    value : str
        Numeric column to analyse, e.g. the (model-based) poverty rate. Gi* needs values >= 0.
    method : {"lisa", "gi"}
        Local Moran's I (``esda.Moran_Local``, row-standardised weights) or Getis-Ord Gi*
        (``esda.G_Local`` with ``star=True``: binary weights with the unit itself included).
    permutations : int
        Conditional permutations for the pseudo p-values (0: analytical normal approximation:
        conditional-randomisation moments for LISA, the Getis-Ord z for Gi*). See the module
        notes on the resolution needed with FDR on many units.
    seed : int or None
        Seed of the permutations (results are reproducible with a fixed seed).
    fdr : float or None
        Benjamini-Hochberg false discovery rate (default 0.05) applied to the p-values of all
        tested units; ``None`` uses the raw p-values at level ``alpha``.
    weights : {"queen", "rook", "knn"} or libpysal.weights.W
        Spatial weights: Queen contiguity (default), Rook, k nearest neighbours (centroids,
        ``k``), or a prebuilt W whose ``id_order`` follows the rows of ``gdf``.
    alpha : float
        Level for raw p-values when ``fdr=None``.
    k : int
        Neighbours for ``weights="knn"``.
    islands : {"exclude", "nearest"}
        Units without neighbours: labelled "no neighbours" and left out of the tests
        (default), or linked to their nearest unit first.
    source : str
        Name of the input used in error messages.

    Returns
    -------
    geopandas.GeoDataFrame
        Copy of ``gdf`` with ``n_neighbours``, ``stat`` (local I, or Gi* z-score),
        ``p_value`` (pseudo p), ``q_value`` (BH-adjusted; NaN when ``fdr=None``),
        ``significant`` (bool) and ``cluster``: "High-High", "Low-Low", "High-Low",
        "Low-High" (LISA) or "hot", "cold" (Gi*), otherwise "not significant" or
        "no neighbours". Run settings are in ``result.attrs["hot_spots"]``.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import box
    >>> cells = [box(i, j, i + 1, j + 1) for j in range(6) for i in range(6)]
    >>> g = gpd.GeoDataFrame({"rate": [0.1] * 36}, geometry=cells)
    >>> g.loc[[14, 15, 20, 21], "rate"] = 0.6
    >>> out = hot_spots(g, "rate", method="gi", permutations=0)
    >>> sorted(out.index[out["cluster"] == "hot"])[:2]
    [14, 15]
    """
    method = method.lower()
    _check(gdf, [value], method, source)
    y = gdf[value].to_numpy(dtype=float)
    if method == "gi" and (y < 0).any():
        raise SchemaError(
            [
                Problem(
                    source, value, "Gi* needs non-negative values", list(np.flatnonzero(y < 0) + 1)
                )
            ]
        )
    if np.ptp(y) == 0:
        raise SchemaError([Problem(source, value, "all values are equal: no local clusters")])
    w, has = _build_weights(gdf, weights, k, islands)
    prep = _Prepared(_subset(w, has), method) if has.any() else None
    _warn_resolution(int(has.sum()), permutations, fdr)
    out = gdf.copy()
    _fill(out, y, has, w, prep, method, permutations, seed, fdr, alpha)
    out.attrs["hot_spots"] = {
        "value": value,
        "method": method,
        "permutations": permutations,
        "seed": seed,
        "fdr": fdr,
        "alpha": alpha if fdr is None else None,
        "weights": weights if isinstance(weights, str) else "user W",
        "islands": islands,
        "n_tested": int(has.sum()),
        "n_no_neighbours": int((~has).sum()),
    }
    return out


def _fill(
    out: Any,
    y: np.ndarray,
    has: np.ndarray,
    w: Any,
    prep: _Prepared | None,
    method: str,
    permutations: int,
    seed: int | None,
    fdr: float | None,
    alpha: float,
) -> None:
    n = len(out)
    stat = np.full(n, np.nan)
    p = np.full(n, np.nan)
    q = np.full(n, np.nan)
    sig = np.zeros(n, dtype=bool)
    lab = np.full(n, NO_NEIGHBOURS, dtype=object)
    if prep is not None:
        s, pv, d = _local_test(y[has], prep, permutations, seed)
        qv, sg, lb = _labels(s, pv, d, method, fdr, alpha)
        stat[has], p[has], q[has], sig[has], lab[has] = s, pv, qv, sg, lb
    out["n_neighbours"] = np.array([len(w.neighbors[i]) for i in range(n)], dtype=int)
    out["stat"] = stat
    out["p_value"] = p
    out["q_value"] = q
    out["significant"] = sig
    out["cluster"] = pd.Series(lab, index=out.index, dtype="str")


def stable_hot_spots(
    gdf: Any,
    estimate: str,
    se: str,
    method: str = "lisa",
    draws: int = 200,
    seed: int | None = 12345,
    *,
    threshold: float = 0.8,
    bounds: tuple[float, float] | None = (0.0, 1.0),
    draw_permutations: int = 0,
    permutations: int = 999,
    fdr: float | None = 0.05,
    weights: Any = "queen",
    alpha: float = 0.05,
    k: int = 6,
    islands: str = "exclude",
    source: str = "stable_hot_spots input",
) -> Any:
    """Poverty pockets that survive the uncertainty of small-area estimates.

    A High-High (or hot) label computed on point estimates ignores that the estimates are
    noisy: with kecamatan or desa SAE standard errors of the same size as the differences
    between neighbours, a different but equally plausible set of values could move the
    pocket or remove it. Here the labelling is repeated on ``draws`` plausible maps
    ``value ~ N(estimate, se^2)`` (independently per unit, clipped to ``bounds`` for rates) and
    each unit gets the share of draws in which it is a pocket. A unit is a ``stable_pocket``
    when that share is at least ``threshold`` (default 0.8): it is a pocket in at least 80% of
    the plausible maps, so a targeting decision built on it is not an artefact of sampling
    noise. Areas with a share between 0.2 and 0.8 are "possible" pockets worth a field check.

    Per-draw inference uses the same weights object for every draw (built once). By default
    (``draw_permutations=0``) each draw uses the analytical normal approximation
    (conditional-randomisation moments for LISA, the Getis-Ord z for Gi*) instead of
    permutations, for two reasons: speed (one esda call per draw without permutations), and
    p-value resolution: a reduced permutation count per draw puts a floor of
    ``1 / (draw_permutations + 1)`` under every p-value, which under Benjamini-Hochberg on
    many units would make small pockets unstable by construction. Set ``draw_permutations``
    (e.g. 199) to use pseudo p-values in every draw (seeded ``seed + draw``).

    Length: most of this function is this docstring; the body (about 60 lines) checks the
    inputs, labels the point estimates and counts pockets over the draws (:func:`_pocket_counts`).

    Parameters
    ----------
    gdf : geopandas.GeoDataFrame
        Areas with point estimates and standard errors (e.g. :func:`tkpk_lib.estimation.sae.fay_herriot`
        output joined to polygons: ``estimate`` and ``se``).
    estimate, se : str
        Columns with the point estimate and its standard error (root MSE), se >= 0.
    method : {"lisa", "gi"}
        As in :func:`hot_spots`; the pocket label is "High-High" (LISA) or "hot" (Gi*).
    draws : int
        Number of simulated maps (200 gives the share to about +-0.03).
    seed : int or None
        Seed of the draws (and of the permutations).
    threshold : float
        Minimum pocket share for ``stable_pocket``.
    bounds : (float, float) or None
        Clip the draws to this range (default [0, 1] for rates); None for no clipping.
    draw_permutations : int
        Permutations per draw; 0 (default) = analytical approximation, see above.
    permutations, fdr, weights, alpha, k, islands :
        As in :func:`hot_spots`; ``permutations`` is used for the labels of the point
        estimates (``cluster``), ``fdr``/``alpha`` in every draw too.
    source : str
        Name of the input used in error messages.

    Returns
    -------
    geopandas.GeoDataFrame
        :func:`hot_spots` applied to ``estimate`` (columns ``n_neighbours`` ... ``cluster``),
        plus ``pocket_share`` (share of draws in which the unit is High-High / hot; NaN for
        units without neighbours) and ``stable_pocket`` (bool).

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import box
    >>> cells = [box(i, j, i + 1, j + 1) for j in range(6) for i in range(6)]
    >>> g = gpd.GeoDataFrame({"rate": [0.1] * 36, "se": [0.01] * 36}, geometry=cells)
    >>> g.loc[[14, 15, 20, 21], "rate"] = 0.6
    >>> out = stable_hot_spots(g, "rate", "se", method="gi", draws=20, permutations=0)
    >>> bool(out.loc[14, "stable_pocket"]), bool(out.loc[0, "stable_pocket"])
    (True, False)
    """
    method = method.lower()
    _check(gdf, [estimate, se], method, source)
    mu = gdf[estimate].to_numpy(dtype=float)
    sd = gdf[se].to_numpy(dtype=float)
    if (sd < 0).any():
        raise SchemaError(
            [Problem(source, se, "negative standard errors", list(np.flatnonzero(sd < 0) + 1))]
        )
    if not 0 < threshold <= 1:
        raise TkpkError(f"stable_hot_spots: threshold must be in (0, 1], got {threshold}")
    if draws < 1:
        raise TkpkError("stable_hot_spots: draws must be >= 1")
    w, has = _build_weights(gdf, weights, k, islands)
    prep = _Prepared(_subset(w, has), method) if has.any() else None
    _warn_resolution(int(has.sum()), permutations, fdr)
    _warn_resolution(int(has.sum()), draw_permutations, fdr)
    out = gdf.copy()
    if method == "gi" and (mu < 0).any():
        raise SchemaError([Problem(source, estimate, "Gi* needs non-negative values")])
    _fill(out, mu, has, w, prep, method, permutations, seed, fdr, alpha)

    count = _pocket_counts(
        mu[has], sd[has], prep, method, draws, bounds, draw_permutations, seed, fdr, alpha
    )
    share = np.full(len(out), np.nan)
    share[has] = count / draws
    out["pocket_share"] = share
    out["stable_pocket"] = np.nan_to_num(share, nan=0.0) >= threshold
    out.attrs["hot_spots"] = {
        "value": estimate,
        "se": se,
        "method": method,
        "permutations": permutations,
        "draw_permutations": draw_permutations,
        "draws": draws,
        "threshold": threshold,
        "bounds": bounds,
        "seed": seed,
        "fdr": fdr,
        "weights": weights if isinstance(weights, str) else "user W",
        "islands": islands,
        "n_tested": int(has.sum()),
        "n_no_neighbours": int((~has).sum()),
    }
    return out


def _pocket_counts(
    mu: np.ndarray,
    sd: np.ndarray,
    prep: _Prepared | None,
    method: str,
    draws: int,
    bounds: tuple[float, float] | None,
    draw_permutations: int,
    seed: int | None,
    fdr: float | None,
    alpha: float,
) -> np.ndarray:
    """In how many of ``draws`` plausible maps ``N(mu, sd^2)`` each tested unit is a pocket."""
    rng = np.random.default_rng(seed)
    pocket = _POCKET[method]
    count = np.zeros(len(mu))
    if prep is not None:
        for d in range(draws):
            y = rng.normal(mu, sd)
            if bounds is not None:
                y = np.clip(y, bounds[0], bounds[1])
            if np.ptp(y) == 0:
                continue
            s, pv, dr = _local_test(
                y, prep, draw_permutations, None if seed is None else seed + d + 1
            )
            _, _, lab = _labels(s, pv, dr, method, fdr, alpha)
            count += lab == pocket
    return count
