"""Poverty pockets (kantong kemiskinan): kecamatan small-area P0 and the pocket list.

Three steps, each a public function (step 1 lives in :mod:`tkpk_lib.analysis.small_area_p0` and
is re-exported here, so ``tkpk_lib.analysis.pockets`` keeps every name it had):

1. :func:`kecamatan_p0` -- direct P0 per kecamatan from Susenas (persons, domain
   estimation through :func:`tkpk_lib.analysis.indicators.fgt`), Podes covariates aggregated to
   kecamatan, a Fay-Herriot model (:func:`tkpk_lib.estimation.sae.fay_herriot`) for *every* kecamatan,
   sampled or not, benchmarked to the direct kabupaten P0.
2. :func:`pocket_list` -- kecamatan and desa ranked on both the **rate** and the **number**
   of poor. A high rate in a tiny village and a modest rate in a large one are both
   pockets, for different programmes (domain notes 2.1: a ranking by village status is not
   a ranking by number of poor): ``pocket_type`` "tingkat tinggi" (rate), "jumlah besar"
   (number) or "keduanya" (both). Spatial clusters and their stability under the sampling
   error come from :mod:`tkpk_lib.analysis.hotspots`; the drivers (dimensions of deprivation above
   the province norm) are put in words; programme coverage is joined when given.
3. :func:`province_pockets` -- everything for all kabupaten at once.

Design choices (and why)
------------------------
* **Arcsine-square-root model (default ``transformation="arcsin"``).** A rate's sampling
  variance depends on the rate, so the linear model on the rate gives the poorest kecamatan
  too little weight, shrinks them hard towards the regression line and reports an almost flat
  error. The default fits the model to ``asin(sqrt(P0))``, whose sampling variance
  ``1 / (4 n_eff)`` (``n_eff = n_d / deff``) does not depend on the rate, back-transforms
  with emdi's bias correction and estimates the MSE by a parametric bootstrap
  (:mod:`tkpk_lib.estimation.sae_arcsin`). ``transformation="none"`` keeps the linear model.
* **Smoothed sampling variances (GVF).** A kecamatan has a handful of Susenas census blocks;
  its direct variance is itself very noisy and is 0 when no (or every) sampled household is
  poor, which a Fay-Herriot model would read as "exactly known". The default
  ``variance="gvf"`` replaces it by ``deff * p_d (1 - p_d) / n_d``: the binomial variance at
  the kecamatan's own smoothed rate ``p_d`` (the model's synthetic prediction, iterated;
  not the direct rate, which would tie the variance to the estimate's own sampling error), times a
  design effect pooled over the kecamatan with stable direct variances
  (:func:`~tkpk_lib.analysis.small_area_p0.gvf_deff`), over the sampled households ``n_d``.
  ``variance="direct"`` uses the raw design variances (areas with a zero variance are then
  left out of the fit).
* **Areas with fewer than ``min_n`` sampled households** keep their direct value in the
  output but enter the model as out of sample (synthetic estimate).
* **Benchmarking** (ratio, :func:`tkpk_lib.estimation.sae.benchmark_estimates`) so that the
  population-weighted mean of kecamatan estimates equals the direct kabupaten P0 (the
  published level). The reported ``se`` is that of the benchmarked estimate:
  ``c^2 mse + (benchmarked - EBLUP)^2`` (Steorts and Ghosh 2013), so the adjustment's error is
  in it. ``benchmarks/fh_tails.py`` measures the coverage of the resulting intervals.
* **Desa rates.** Susenas cannot give desa rates. With registry counts the desa *rate* is
  the share of the population in registry households of deciles 1-4 and the *number* is
  those persons; without them the rate is the deprivation score and the number is the
  kecamatan model P0 times the desa population (a synthetic allocation, said so in
  ``count_measure``).
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from tkpk_lib.analysis.deprivation import (
    deprivation_score,
    describe_profile,
    dimension_names,
)
from tkpk_lib.analysis.deprivation import (
    registry_counts as _registry_counts,
)
from tkpk_lib.analysis.pocket_rule import (
    POCKET_DRAWS,
    POCKET_TOP,
    STABLE_SHARE,
    pocket_rule,
    pocket_stability,
)
from tkpk_lib.analysis.small_area_p0 import (  # noqa: F401 - re-exported (old layout)
    _default_covariates,
    _independent,
    _reliability,
    kecamatan_covariates,
    kecamatan_p0,
)
from tkpk_lib.errors import Problem, SchemaError

__all__ = [
    "POCKET_DRAWS",
    "POCKET_TOP",
    "POCKET_TYPES",
    "STABLE_SHARE",
    "kecamatan_covariates",
    "kecamatan_p0",
    "pocket_list",
    "pocket_rule",
    "pocket_stability",
    "pocket_types",
    "province_pockets",
]


POCKET_TYPES: tuple[str, ...] = ("keduanya", "tingkat tinggi", "jumlah besar", "bukan kantong")


"""Pocket types, in priority order: both, high rate, large number, not a pocket."""


_RATE_MEASURES = {
    "kec": "P0 model (SAE Fay-Herriot, dibenchmark ke P0 langsung kabupaten)",
    "registry": "persentase penduduk di rumah tangga desil 1-4 (registri)",
    "score": "skor deprivasi desa (0-100, Podes)",
}


_COUNT_MEASURES = {
    "kec": "jumlah penduduk miskin (P0 model x penduduk)",
    "registry": "jumlah jiwa di rumah tangga desil 1-4 (registri)",
    "synthetic": "perkiraan sintetis: P0 kecamatan x penduduk desa",
}


def _rank_desc(values: pd.Series, groups: pd.Series | None) -> pd.Series:
    """Rank 1 = largest; ties share the best rank; missing values rank last (NaN)."""
    if groups is None:
        return values.rank(ascending=False, method="min")
    return values.groupby(groups).rank(ascending=False, method="min")


def _flag_top(rank: pd.Series, groups: pd.Series | None, top: float | int) -> pd.Series:
    n = (pd.Series(rank.notna().sum(), index=rank.index) if groups is None
         else rank.notna().groupby(groups).transform("sum"))
    if isinstance(top, float) and 0 < top < 1:
        cut = np.ceil(n * top)
    else:
        cut = pd.Series(float(top), index=rank.index)
    return (rank <= cut).fillna(False).astype(bool)


def pocket_types(rate_flag: pd.Series | np.ndarray, count_flag: pd.Series | np.ndarray) -> np.ndarray:
    """Pocket type from the two flags.

    Examples
    --------
    >>> pocket_types([True, True, False, False], [True, False, True, False]).tolist()
    ['keduanya', 'tingkat tinggi', 'jumlah besar', 'bukan kantong']
    """
    r = np.asarray(rate_flag, dtype=bool)
    c = np.asarray(count_flag, dtype=bool)
    return np.select([r & c, r, c], list(POCKET_TYPES[:3]), default=POCKET_TYPES[3]).astype(object)


def _drivers(frame: pd.DataFrame, threshold: float, max_items: int) -> tuple[list[str], list[str]]:
    dims = dimension_names(frame)
    if not dims:
        return [""] * len(frame), [""] * len(frame)
    sub = frame[[f"sub_{d}" for d in dims]].astype(float)
    z = ((sub - sub.mean()) / sub.std(ddof=0).replace(0, np.nan)).to_numpy(dtype=float)
    ind_cols = [c for c in frame.columns if c.startswith("ind_")]
    ind_names = [c[4:] for c in ind_cols]
    iz = None
    if ind_cols:
        ind = frame[ind_cols].astype(float)
        iz = ((ind - ind.mean()) / ind.std(ddof=0).replace(0, np.nan)).to_numpy(dtype=float)
    ids, ens = [], []
    for i in range(len(frame)):
        dim_ex = dict(zip(dims, z[i].tolist(), strict=True))
        ind_ex = dict(zip(ind_names, iz[i].tolist(), strict=True)) if iz is not None else None
        a, b = describe_profile(dim_ex, ind_ex, threshold=threshold, max_items=max_items)
        ids.append(a)
        ens.append(b)
    return ids, ens


def _p_top(est: np.ndarray, se: np.ndarray, groups: np.ndarray, top: float | int,
           draws: int, seed: int) -> np.ndarray:
    """Share of normal draws ``N(est, se^2)`` in which a unit is in the top of its group."""
    rng = np.random.default_rng(seed)
    out = np.full(len(est), np.nan)
    se = np.where(np.isfinite(se), se, 0.0)
    for g in pd.unique(groups):
        idx = np.flatnonzero(groups == g)
        n = len(idx)
        cut = int(math.ceil(n * top)) if isinstance(top, float) and 0 < top < 1 else int(top)
        if n == 0 or cut <= 0:
            continue
        sim = est[idx][None, :] + se[idx][None, :] * rng.standard_normal((draws, n))
        # rank within each draw: unit is in the top `cut` if fewer than `cut` units exceed it
        order = np.argsort(-sim, axis=1, kind="stable")
        top_mask = np.zeros_like(sim, dtype=bool)
        np.put_along_axis(top_mask, order[:, :cut], True, axis=1)
        out[idx] = top_mask.mean(axis=0)
    return out


_HS_RENAME = {"cluster": "hotspot_cluster", "p_value": "hotspot_p", "q_value": "hotspot_q",
              "pocket_share": "pocket_share", "stable_pocket": "stable_pocket"}


def _hotspot_columns(gdf: Any, frame: pd.DataFrame, geo_key: str, value: str, se: str | None,
                     hotspot_kw: Mapping[str, Any]) -> pd.DataFrame:
    """Hot spots of ``frame[value]`` (keyed by ``code``) on the ``gdf`` polygons.

    With ``se``: :func:`tkpk_lib.analysis.hotspots.stable_hot_spots` (cluster of the point estimates
    plus the share of plausible maps in which the unit is a pocket); without:
    :func:`tkpk_lib.analysis.hotspots.hot_spots`.
    """
    from tkpk_lib.analysis import hotspots

    gkey = next((c for c in (geo_key, "code", "kode") if c in gdf.columns), None)
    if gkey is None:
        raise SchemaError([Problem("boundaries", geo_key, "no code column to join on (need "
                                   f"'{geo_key}', 'code' or 'kode')")])
    geo = gdf[[gkey, "geometry"]].rename(columns={gkey: "code"})
    geo = geo.assign(code=geo["code"].astype(str))
    cols = ["code", value] + ([se] if se else [])
    g = geo.merge(frame[cols], on="code", how="inner")
    ok = g[value].notna() & (g[se].notna() if se else True)
    g = g[ok].reset_index(drop=True)
    if len(g) < 4 or g[value].nunique() < 2:
        return pd.DataFrame({"code": frame["code"]})
    kw = dict(hotspot_kw)
    if se is not None:
        allowed = ("method", "draws", "seed", "threshold", "permutations", "fdr", "weights",
                   "islands", "draw_permutations")
        res = hotspots.stable_hot_spots(g, value, se, **{k: v for k, v in kw.items() if k in allowed})
    else:
        allowed = ("method", "permutations", "seed", "fdr", "weights", "islands")
        res = hotspots.hot_spots(g, value, **{k: v for k, v in kw.items() if k in allowed})
    have = [c for c in _HS_RENAME if c in res.columns]
    return pd.DataFrame(res[["code"] + have]).rename(columns=_HS_RENAME)


def pocket_list(
    kec_estimates: pd.DataFrame,
    village_scores: pd.DataFrame,
    registry_counts: pd.DataFrame | None = None,
    coverage: pd.DataFrame | Sequence[pd.DataFrame] | None = None,
    gdf: Any = None,
    desa_gdf: Any = None,
    *,
    top: float | int = POCKET_TOP,
    within: str | None = "kab_code",
    threshold: float = 0.25,
    max_drivers: int = 2,
    draws: int = POCKET_DRAWS,
    seed: int = 0,
    hotspot_kw: Mapping[str, Any] | None = None,
    names: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Ranked list of kecamatan and desa poverty pockets, by rate and by number of poor.

    Every unit is ranked inside its ``within`` group (kabupaten by default; ``None`` for
    the province) on its poverty *rate* (``rank_rate``, 1 = highest) and its *number* of
    poor (``rank_count``). The top ``top`` of a ranking (a fraction, e.g. 0.2 = top 20%
    rounded up, or a number of units) is flagged; ``pocket_type`` is "keduanya" (both),
    "tingkat tinggi" (high rate only: targeted area programmes), "jumlah besar" (large
    number only: volume of family-based assistance) or "bukan kantong".

    Uncertainty: for kecamatan, ``p_top_rate`` is the share of ``draws`` normal draws
    around the model estimate (with its model SE) in which the kecamatan is in the top;
    with ``gdf``, :func:`tkpk_lib.analysis.hotspots.stable_hot_spots` on the kecamatan rates and SEs
    gives ``hotspot_cluster`` (LISA/Gi* label of the point estimates), ``hotspot_p``,
    ``hotspot_q``, ``pocket_share`` (share of plausible maps in which the kecamatan is a
    High-High/hot pocket) and ``stable_pocket``. With ``desa_gdf``,
    :func:`tkpk_lib.analysis.hotspots.hot_spots` on the desa rate (analytical p-values by default).

    Length: most of this function is this docstring; the body (about 65 lines) runs the named
    steps (inputs, kecamatan rows, desa rows, flags, hot spots, coverage, sorting).

    Parameters
    ----------
    kec_estimates : DataFrame
        Output of :func:`kecamatan_p0` (needs kab_code, kec_code, population, estimate, se,
        n_poor, reliability; ``sub_<dim>`` columns give the kecamatan drivers).
    village_scores : DataFrame
        Output of :func:`~tkpk_lib.analysis.deprivation.deprivation_score` (optionally with
        typology columns merged in).
    registry_counts : DataFrame, optional
        :func:`~tkpk_lib.analysis.deprivation.registry_counts` by desa_code: gives the desa rate and
        number (see module docstring); without it the desa rate is the deprivation score.
        Its ``cov_<programme>`` columns (``programmes=`` there) are shown for desa and,
        weighted by ``registry_hh``, for kecamatan.
    coverage : DataFrame or list of DataFrame, optional
        Programme coverage keyed by ``desa_code`` or ``kec_code``; its other columns are
        joined to the matching level as they are.
    gdf, desa_gdf : GeoDataFrame, optional
        Kecamatan / desa boundaries with ``kec_code`` / ``desa_code`` (or ``code`` as
        :func:`tkpk_lib.data.readers.read_boundaries` gives, or ``kode``).
    top : float or int
        Share (0-1) or number of units flagged in each ranking and group.
    within : str or None
        Grouping column of the rankings (``"kab_code"`` or ``None``).
    threshold, max_drivers
        Drivers: dimensions whose value is more than ``threshold`` standard deviations above
        the province mean (of units of the same level), at most ``max_drivers``.
    draws, seed
        Normal draws for ``p_top_rate`` and seed (also passed to the hot-spot functions).
    hotspot_kw : mapping, optional
        Extra arguments for the hot-spot functions (``method``, ``permutations``, ``fdr``).
    names : mapping, optional
        Code -> name; default the shipped region reference (desa names from the scores).

    Returns
    -------
    DataFrame
        One row per unit: ``level`` ("kecamatan"/"desa"), ``code``, ``name``, ``kab_code``,
        ``kec_code``, ``population``, ``rate``, ``rate_measure``, ``count``,
        ``count_measure``, ``rank_rate``, ``rank_count``, ``n_units``, ``top_rate``,
        ``top_count``, ``pocket_type``, ``is_pocket``, ``reliability``, ``p_top_rate``,
        ``drivers_id``, ``drivers_en``, then any status/typology, hot-spot and coverage
        columns. Sorted by level, group, pocket type priority and rank.

    Examples
    --------
    >>> kec = pd.DataFrame({"kab_code": "1701", "kec_code": ["170101", "170102"],
    ...     "population": [20000, 3000], "estimate": [0.10, 0.30], "se": 0.01,
    ...     "n_poor": [2000.0, 900.0], "reliability": "reliable"})
    >>> desa = pd.DataFrame({"kab_code": "1701", "kec_code": ["170101", "170102"],
    ...     "desa_code": ["1701012001", "1701022001"], "population": [20000, 3000],
    ...     "score": [20.0, 60.0]})
    >>> out = pocket_list(kec, desa, top=1)
    >>> out.loc[out["level"] == "kecamatan", ["code", "pocket_type"]].values.tolist()
    [['170102', 'tingkat tinggi'], ['170101', 'jumlah besar']]
    """
    _check_pocket_inputs(kec_estimates, village_scores)
    hotspot_kw = {"seed": seed, **(hotspot_kw or {})}
    if names is None:
        try:
            from tkpk_lib.data.reference_data import region_names

            names = region_names()
        except Exception:  # pragma: no cover - reference data always ships
            names = {}
    k = kec_estimates.copy()
    grp_k = k[within] if within else None
    kec = _kecamatan_rows(k, grp_k, names, top, draws, seed, threshold, max_drivers)
    v = village_scores.copy()
    desa = _desa_rows(v, kec, registry_counts, names)
    desa["se"] = np.nan
    desa["reliability"] = pd.NA
    grp_d = desa[within] if within else None
    desa["rank_rate"] = _rank_desc(desa["rate"], grp_d)
    desa["rank_count"] = _rank_desc(desa["count"], grp_d)
    desa["p_top_rate"] = np.nan
    keep_v = [c for c in v.columns if c.startswith(("sub_", "ind_"))]
    ids, ens = _drivers(v[keep_v], threshold, max_drivers)
    desa["drivers_id"], desa["drivers_en"] = ids, ens
    for c in ("score", "status_idm_like", "typology", "typology_id", "typology_en"):
        if c in v.columns:
            desa[c] = v[c].to_numpy()
    if "score" in k.columns:
        kec["score"] = k["score"].to_numpy()

    # ---- flags ----------------------------------------------------------------------
    for frame, grp in ((kec, grp_k), (desa, grp_d)):
        frame["n_units"] = (len(frame) if grp is None
                            else frame.groupby(frame[within])["code"].transform("size"))
        frame["top_rate"] = _flag_top(frame["rank_rate"], grp, top)
        frame["top_count"] = _flag_top(frame["rank_count"], grp, top)
        frame["pocket_type"] = pocket_types(frame["top_rate"], frame["top_count"])
        frame["is_pocket"] = frame["pocket_type"] != POCKET_TYPES[3]

    # ---- hot spots ------------------------------------------------------------------
    if gdf is not None:
        hs = _hotspot_columns(gdf, kec, "kec_code", "rate", "se", hotspot_kw)
        kec = kec.merge(hs, on="code", how="left")
    if desa_gdf is not None:
        # desa: analytical p-values unless asked otherwise (permutation p-values cannot
        # reach the FDR resolution needed for ~1,500 desa, see tkpk_lib.analysis.hotspots)
        hs = _hotspot_columns(desa_gdf, desa, "desa_code", "rate", None,
                              {"permutations": 0, **hotspot_kw})
        desa = desa.merge(hs, on="code", how="left")
    kec, desa = _join_coverage(kec, desa, coverage)
    return _sorted_pockets(kec, desa)


def _check_pocket_inputs(kec_estimates: pd.DataFrame, village_scores: pd.DataFrame) -> None:
    """Raise a SchemaError naming the columns :func:`pocket_list` needs and does not get."""
    need = ["kab_code", "kec_code", "population", "estimate", "n_poor"]
    miss = [c for c in need if c not in kec_estimates.columns]
    if miss:
        raise SchemaError([Problem("kecamatan estimates", c, "column is missing") for c in miss])
    need_v = ["desa_code", "kec_code", "kab_code", "population", "score"]
    miss = [c for c in need_v if c not in village_scores.columns]
    if miss:
        raise SchemaError([Problem("village scores", c, "column is missing") for c in miss])


def _kecamatan_rows(
    k: pd.DataFrame,
    grp_k: pd.Series | None,
    names: Mapping[str, str],
    top: float | int,
    draws: int,
    seed: int,
    threshold: float,
    max_drivers: int,
) -> pd.DataFrame:
    """Kecamatan rows of the pocket list: rate and number, ranks, ``p_top_rate``, drivers."""
    kec = pd.DataFrame({
        "level": "kecamatan",
        "code": k["kec_code"].astype(str),
        "name": k["kec_code"].astype(str).map(lambda c: names.get(c, c)),
        "kab_code": k["kab_code"].astype(str),
        "kec_code": k["kec_code"].astype(str),
        "population": k["population"].astype(float),
        "rate": k["estimate"].astype(float),
        "rate_measure": _RATE_MEASURES["kec"],
        "count": k["n_poor"].astype(float),
        "count_measure": _COUNT_MEASURES["kec"],
    })
    kec["se"] = k["se"].astype(float) if "se" in k.columns else np.nan
    kec["reliability"] = k["reliability"] if "reliability" in k.columns else pd.NA
    kec["rank_rate"] = _rank_desc(kec["rate"], grp_k)
    kec["rank_count"] = _rank_desc(kec["count"], grp_k)
    kec["p_top_rate"] = _p_top(kec["rate"].to_numpy(float), kec["se"].to_numpy(float),
                               (grp_k.to_numpy() if grp_k is not None else np.zeros(len(kec))),
                               top, draws, seed)
    sub_cols = [c for c in k.columns if c.startswith("sub_")]
    ids, ens = _drivers(k[sub_cols], threshold, max_drivers)
    kec["drivers_id"], kec["drivers_en"] = ids, ens
    return kec


def _desa_rows(
    v: pd.DataFrame,
    kec: pd.DataFrame,
    registry_counts: pd.DataFrame | None,
    names: Mapping[str, str],
) -> pd.DataFrame:
    """Desa rows of the pocket list: rate and number (registry or synthetic, see the module docstring).

    With registry counts that have ``cov_<programme>`` columns, their registry-household
    weighted kecamatan means are added to ``kec`` (in place).
    """
    pop = pd.to_numeric(v["population"], errors="coerce").astype(float)
    desa = pd.DataFrame({
        "level": "desa",
        "code": v["desa_code"].astype(str),
        "name": (v["desa_name"].astype(str) if "desa_name" in v.columns
                 else v["desa_code"].astype(str).map(lambda c: names.get(c, c))),
        "kab_code": v["kab_code"].astype(str),
        "kec_code": v["kec_code"].astype(str),
        "population": pop,
    })
    if registry_counts is not None:
        rc = registry_counts.set_index("desa_code")
        persons = v["desa_code"].map(rc["registry_persons"]).fillna(0.0).astype(float)
        desa["rate"] = (persons / pop.where(pop > 0)).clip(upper=1.0)
        desa["rate_measure"] = _RATE_MEASURES["registry"]
        desa["count"] = persons
        desa["count_measure"] = _COUNT_MEASURES["registry"]
        desa["registry_hh"] = v["desa_code"].map(rc["registry_hh"]).fillna(0).astype("int64")
        # programme coverage of the registry's poorest households (registry_counts(programmes=))
        cov_cols = [c for c in rc.columns if str(c).startswith("cov_")]
        for c in cov_cols:
            desa[c] = v["desa_code"].map(rc[c]).astype(float).to_numpy()
        if cov_cols:
            hhw = desa["registry_hh"].astype(float)
            for c in cov_cols:
                num = (desa[c].fillna(0.0) * hhw).groupby(desa["kec_code"]).sum()
                den = hhw.where(desa[c].notna(), 0.0).groupby(desa["kec_code"]).sum()
                kec[c] = kec["kec_code"].map(num / den.where(den > 0)).astype(float)
    else:
        kec_rate = dict(zip(kec["kec_code"], kec["rate"], strict=True))
        desa["rate"] = v["score"].astype(float)
        desa["rate_measure"] = _RATE_MEASURES["score"]
        desa["count"] = v["kec_code"].map(kec_rate).astype(float) * pop
        desa["count_measure"] = _COUNT_MEASURES["synthetic"]
    return desa


def _join_coverage(
    kec: pd.DataFrame,
    desa: pd.DataFrame,
    coverage: pd.DataFrame | Sequence[pd.DataFrame] | None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Join each coverage frame to the desa (``desa_code``) or kecamatan (``kec_code``) rows."""
    covs = [] if coverage is None else ([coverage] if isinstance(coverage, pd.DataFrame)
                                       else list(coverage))
    for cf in covs:
        if "desa_code" in cf.columns:
            extra = cf.drop(columns=[c for c in ("kec_code", "kab_code") if c in cf.columns])
            desa = desa.merge(extra.rename(columns={"desa_code": "code"}), on="code", how="left")
        elif "kec_code" in cf.columns:
            extra = cf.drop(columns=[c for c in ("kab_code",) if c in cf.columns])
            kec = kec.merge(extra.rename(columns={"kec_code": "code"}), on="code", how="left")
        else:
            raise SchemaError([Problem("coverage", None, "needs a desa_code or kec_code column")])
    return kec, desa


def _sorted_pockets(kec: pd.DataFrame, desa: pd.DataFrame) -> pd.DataFrame:
    """Stack kecamatan and desa rows, sorted by level, group, pocket priority and best rank."""
    out = pd.concat([kec, desa], ignore_index=True)
    for c in ("rank_rate", "rank_count"):
        out[c] = out[c].astype("Int64")
    prio = {t: i for i, t in enumerate(POCKET_TYPES)}
    out["_lvl"] = out["level"].map({"kecamatan": 0, "desa": 1})
    out["_prio"] = out["pocket_type"].map(prio)
    out["_best"] = np.fmin(out["rank_rate"].astype(float), out["rank_count"].astype(float))
    out = out.sort_values(["_lvl", "kab_code", "_prio", "_best", "code"], kind="stable")
    first = ["level", "code", "name", "kab_code", "kec_code", "population", "rate",
             "rate_measure", "count", "count_measure", "rank_rate", "rank_count", "n_units",
             "top_rate", "top_count", "pocket_type", "is_pocket", "se", "reliability",
             "p_top_rate", "drivers_id", "drivers_en"]
    rest = [c for c in out.columns if c not in first and not c.startswith("_")]
    return out[first + rest].reset_index(drop=True)


def province_pockets(
    households: pd.DataFrame,
    design: Any,
    villages: pd.DataFrame,
    registry: pd.DataFrame | None = None,
    *,
    kec_gdf: Any = None,
    desa_gdf: Any = None,
    coverage: pd.DataFrame | Sequence[pd.DataFrame] | None = None,
    typology_k: int | None = 4,
    seed: int = 0,
    top: float | int = POCKET_TOP,
    within: str | None = "kab_code",
    p0_kw: Mapping[str, Any] | None = None,
    pocket_kw: Mapping[str, Any] | None = None,
) -> dict[str, pd.DataFrame]:
    """Run the whole pocket analysis for every kabupaten of the province.

    Deprivation scores and typology for all desa, registry counts, one pooled Fay-Herriot
    model over all kecamatan of the province (more areas = a better model) benchmarked to
    each kabupaten's direct P0, and the pocket list ranked within each kabupaten.

    Parameters
    ----------
    households, design : DataFrame, SurveyDesign
        Susenas households (one year) and their design.
    villages : DataFrame
        Canonical Podes ``villages`` table.
    registry : DataFrame, optional
        Canonical ``registry`` table (only counts by desa are used; no personal data leaves).
    kec_gdf, desa_gdf : GeoDataFrame, optional
        Boundaries for the hot-spot analysis.
    coverage : DataFrame or list, optional
        Programme coverage by desa_code / kec_code.
    typology_k, seed : int
        Village typology (``None`` chooses k) and the seed of every random step.
    top, within
        Passed to :func:`pocket_list`.
    p0_kw, pocket_kw : mapping, optional
        Extra arguments of :func:`kecamatan_p0` and :func:`pocket_list`.

    Returns
    -------
    dict of DataFrame
        ``scores`` (desa deprivation + typology), ``typology`` (profiles), ``registry``
        (counts by desa or empty), ``kecamatan`` (SAE estimates), ``pockets`` (the list),
        ``timings`` (seconds per step).

    Examples
    --------
    >>> # see benchmarks/bench_pockets.py
    """
    from tkpk_lib.analysis.typology import village_typology

    t: dict[str, float] = {}
    t0 = time.perf_counter()
    scores = deprivation_score(villages)
    t["deprivation"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    typ, prof = village_typology(scores, k=typology_k, seed=seed, return_profiles=True)
    keys = [c for c in ("year", "desa_code") if c in scores.columns]
    scores = scores.merge(typ, on=keys, how="left")
    t["typology"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    reg = _registry_counts(registry, programmes=True) if registry is not None else None
    t["registry"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    kec = kecamatan_p0(households, design, scores, registry=reg, **dict(p0_kw or {}))
    t["kecamatan_p0"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    pk = pocket_list(kec, scores, registry_counts=reg, coverage=coverage, gdf=kec_gdf,
                     desa_gdf=desa_gdf, top=top, within=within, seed=seed,
                     **dict(pocket_kw or {}))
    t["pocket_list"] = time.perf_counter() - t0
    timings = pd.DataFrame({"step": list(t), "seconds": list(t.values())})
    return {
        "scores": scores,
        "typology": prof,
        "registry": reg if reg is not None else pd.DataFrame(),
        "kecamatan": kec,
        "pockets": pk,
        "timings": timings,
    }
