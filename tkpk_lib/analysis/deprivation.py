"""Village (desa) deprivation from Podes, and registry counts by desa.

The village typology (k-means on the sub-scores) lives in :mod:`tkpk_lib.analysis.typology`;
``village_typology`` is still importable from here.

Method of :func:`deprivation_score` (documented choice, see also the docstring)
-------------------------------------------------------------------------------
1. **Indicators** (ten, from the canonical ``villages`` table), each oriented so that
   *higher = more deprived* and put on 0-1:

   ===================  ==========================================  =============================
   indicator            from                                        0 (best) ... 1 (worst)
   ===================  ==========================================  =============================
   ``dist_school``      ``dist_school_km``                          0 km ... >= 6 km (goalpost)
   ``dist_health``      ``dist_health_km``                          0 km ... >= 15 km
   ``dist_market``      ``dist_market_km``                          0 km ... >= 20 km
   ``road``             ``road_surface`` 1/2/3/4                    0, 0.5, 1, 1
   ``electricity``      ``electricity_share``                       1 - share
   ``signal``           ``signal`` 2/1/0                            0, 0.5, 1
   ``water``            ``water_source`` 1-3 improved, 4-5 not      0 / 1
   ``sanitation``       ``sanitation`` own/shared/public/none       0, 1/3, 2/3, 1
   ``malnutrition``     cases per 1,000 population                  0 ... >= 3 per 1,000
   ``disasters``        ``disasters`` (types in 3 years)            0 ... >= 3
   ===================  ==========================================  =============================

2. **Normalisation: goalposts by default.** Bounded indicators (shares, ordinal codes) have
   natural 0-1 scores. Unbounded ones (distances, rates, counts) are scaled between fixed
   goalposts ``(x - lo) / (hi - lo)`` clipped to 0-1. Goalposts rather than province
   min-max because (a) a village's score then does not move when *another* village's data
   change or a single outlier appears (a 60 km distance would squash every other village
   to near 0 under min-max), (b) scores are comparable across years and kabupaten, which a
   TKPK needs for monitoring, and (c) the 0-100 score can be read against IDM-like
   cut-offs. The goalposts above are design assumptions of this workbench (SD within
   about twice the 3 km walking distance of the education SPM; puskesmas and market
   distances around the upper tail of Sumatran Podes distributions; malnutrition and
   disaster caps) and **not** official values; pass ``goalposts=`` to change them, or
   ``normalisation="minmax"`` for min-max of the unbounded indicators within the province
   (per ``year`` when present; bounded ones keep their natural 0-1 scores).
3. **Weights.** Equal weights of indicators inside each dimension; dimension weights are
   data (``weights=``, default equal 1/4 each, rescaled to sum to 1):
   ``basic_services`` (school, health, market distance), ``infrastructure`` (road,
   electricity, signal), ``health_nutrition`` (water, sanitation, malnutrition),
   ``hazard`` (disasters).
4. **Aggregation.** Arithmetic: dimension sub-score = 100 x mean of its indicators;
   ``score`` = weighted mean of the sub-scores (0 = no deprivation, 100 = worst on all).
   A missing indicator is dropped from its dimension's mean (``n_missing`` counts them);
   a dimension with no indicator left makes ``score`` missing (never a silent 0).
5. **IDM-like status.** ``index_idm_like = (100 - score) / 100`` classed with IDM's
   published cut-offs (<= 0.4907 sangat tertinggal, <= 0.5989 tertinggal, <= 0.7072
   berkembang, <= 0.8155 maju, else mandiri; domain notes 2.2). This is **IDM-like, not
   IDM**: IDM is built from IKS/IKE/IKL with other variables; only the cut-offs are shared.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from tkpk_lib.errors import Problem, SchemaError

__all__ = [
    "DIMENSIONS",
    "DIMENSION_WEIGHTS",
    "GOALPOSTS",
    "IDM_CUTOFFS",
    "deprivation_score",
    "describe_profile",
    "dimension_names",
    "idm_like_status",
    "registry_counts",
    "village_typology",  # noqa: F822 - provided by the module __getattr__ (moved to typology)
]

DIMENSIONS: dict[str, tuple[str, ...]] = {
    "basic_services": ("dist_school", "dist_health", "dist_market"),
    "infrastructure": ("road", "electricity", "signal"),
    "health_nutrition": ("water", "sanitation", "malnutrition"),
    "hazard": ("disasters",),
}
"""Default dimensions and their indicators (equal weights inside each dimension)."""

DIMENSION_WEIGHTS: dict[str, float] = {d: 0.25 for d in DIMENSIONS}
"""Default dimension weights (equal)."""

GOALPOSTS: dict[str, tuple[float, float]] = {
    "dist_school": (0.0, 6.0),
    "dist_health": (0.0, 15.0),
    "dist_market": (0.0, 20.0),
    "malnutrition": (0.0, 3.0),
    "disasters": (0.0, 3.0),
}
"""Goalposts (best, worst) of the unbounded indicators; design assumptions, see module doc."""

DIMENSION_LABELS: dict[str, tuple[str, str]] = {
    "basic_services": ("jauh dari layanan dasar", "far from basic services"),
    "infrastructure": ("infrastruktur lemah", "weak infrastructure"),
    "health_nutrition": ("air, sanitasi dan gizi buruk", "poor water, sanitation and nutrition"),
    "hazard": ("rawan bencana", "disaster-prone"),
}
"""Plain-words labels (Bahasa Indonesia, English) of each dimension when it is above the norm."""

INDICATOR_LABELS: dict[str, tuple[str, str]] = {
    "dist_school": ("jauh dari SD", "far from a primary school"),
    "dist_health": ("jauh dari puskesmas", "far from a health centre"),
    "dist_market": ("jauh dari pasar", "far from a market"),
    "road": ("jalan tanah/belum diaspal", "earth or unpaved road"),
    "electricity": ("belum semua keluarga berlistrik", "families without electricity"),
    "signal": ("sinyal lemah/tidak ada", "weak or no mobile signal"),
    "water": ("air minum tidak layak", "unsafe drinking water"),
    "sanitation": ("sanitasi tidak layak", "poor sanitation"),
    "malnutrition": ("kasus gizi buruk", "malnutrition cases"),
    "disasters": ("sering bencana", "frequent disasters"),
}
"""Plain-words labels (Bahasa Indonesia, English) of each indicator when it is high."""

IDM_CUTOFFS: tuple[tuple[float, str], ...] = (
    (0.4907, "sangat tertinggal"),
    (0.5989, "tertinggal"),
    (0.7072, "berkembang"),
    (0.8155, "maju"),
    (np.inf, "mandiri"),
)
"""IDM status cut-offs (upper bounds, inclusive) applied to the IDM-like index."""

STATUS_ORDER: tuple[str, ...] = tuple(s for _, s in IDM_CUTOFFS)

_SOURCE_COLUMNS: dict[str, tuple[str, ...]] = {
    "dist_school": ("dist_school_km",),
    "dist_health": ("dist_health_km",),
    "dist_market": ("dist_market_km",),
    "road": ("road_surface",),
    "electricity": ("electricity_share",),
    "signal": ("signal",),
    "water": ("water_source",),
    "sanitation": ("sanitation",),
    "malnutrition": ("malnutrition_cases", "population"),
    "disasters": ("disasters",),
}

_ORDINAL: dict[str, dict[int, float]] = {
    "road": {1: 0.0, 2: 0.5, 3: 1.0, 4: 1.0},
    "signal": {2: 0.0, 1: 0.5, 0: 1.0},
    "water": {1: 0.0, 2: 0.0, 3: 0.0, 4: 1.0, 5: 1.0},
    "sanitation": {1: 0.0, 2: 1 / 3, 3: 2 / 3, 4: 1.0},
}

_ID_COLUMNS = ("year", "desa_code", "desa_name", "kec_code", "kab_code", "kelurahan", "population",
               "families")


def _raw_indicators(villages: pd.DataFrame, names: Sequence[str]) -> pd.DataFrame:
    """Oriented (higher = worse) but not yet normalised indicator values."""
    out = {}
    for name in names:
        if name == "dist_school":
            v = villages["dist_school_km"]
        elif name == "dist_health":
            v = villages["dist_health_km"]
        elif name == "dist_market":
            v = villages["dist_market_km"]
        elif name == "electricity":
            v = 1.0 - pd.to_numeric(villages["electricity_share"], errors="coerce")
        elif name == "malnutrition":
            pop = pd.to_numeric(villages["population"], errors="coerce").astype(float)
            cases = pd.to_numeric(villages["malnutrition_cases"], errors="coerce").astype(float)
            v = cases / pop.where(pop > 0) * 1000.0
        elif name == "disasters":
            v = villages["disasters"]
        elif name in _ORDINAL:
            col = _SOURCE_COLUMNS[name][0]
            codes = pd.to_numeric(villages[col], errors="coerce")
            v = codes.map(_ORDINAL[name])
        else:  # pragma: no cover - guarded by the caller
            raise KeyError(name)
        out[name] = pd.to_numeric(v, errors="coerce").astype(float).to_numpy()
    return pd.DataFrame(out, index=villages.index)


def _check(villages: pd.DataFrame, indicators: Sequence[str]) -> None:
    problems: list[Problem] = []
    needed = ["desa_code"] + sorted({c for i in indicators for c in _SOURCE_COLUMNS[i]})
    missing = [c for c in needed if c not in villages.columns]
    for c in missing:
        problems.append(Problem("villages", c, "column is missing (needed for the deprivation score)"))
    if not missing:
        for name in indicators:
            if name in _ORDINAL:
                col = _SOURCE_COLUMNS[name][0]
                codes = pd.to_numeric(villages[col], errors="coerce")
                bad = codes.notna() & ~codes.isin(list(_ORDINAL[name]))
                if bad.any():
                    rows = list(np.flatnonzero(bad.to_numpy()) + 1)
                    problems.append(Problem("villages", col,
                                            f"codes outside {sorted(_ORDINAL[name])}", rows))
            else:
                for col in _SOURCE_COLUMNS[name]:
                    x = pd.to_numeric(villages[col], errors="coerce")
                    bad = x < 0
                    if name == "electricity":
                        bad = bad | (x > 1)
                    if bad.any():
                        rows = list(np.flatnonzero(bad.fillna(False).to_numpy()) + 1)
                        problems.append(Problem("villages", col, "value out of range", rows))
        dup = villages["desa_code"].duplicated(keep=False)
        if "year" in villages.columns:
            dup = villages[["year", "desa_code"]].duplicated(keep=False)
        if dup.any():
            problems.append(Problem("villages", "desa_code", "duplicated desa (per year)",
                                    list(np.flatnonzero(dup.to_numpy()) + 1)))
    if problems:
        raise SchemaError(problems)


def idm_like_status(index: pd.Series | np.ndarray | float) -> pd.Series:
    """Class an IDM-like index (0-1, higher = better) with IDM's published cut-offs.

    Parameters
    ----------
    index : array-like
        IDM-like index values; missing stays missing.

    Returns
    -------
    Series
        Ordered categorical: sangat tertinggal < tertinggal < berkembang < maju < mandiri.

    Examples
    --------
    >>> idm_like_status([0.49, 0.4907, 0.6, 0.9]).tolist()
    ['sangat tertinggal', 'sangat tertinggal', 'berkembang', 'mandiri']
    """
    x = pd.Series(np.asarray(index, dtype=float).ravel())
    bins = [-np.inf] + [c for c, _ in IDM_CUTOFFS]
    return pd.cut(x, bins=bins, labels=list(STATUS_ORDER), right=True, ordered=True)


def deprivation_score(
    villages: pd.DataFrame,
    dimensions: Mapping[str, Sequence[str]] | None = None,
    weights: Mapping[str, float] | pd.Series | pd.DataFrame | None = None,
    *,
    normalisation: str = "goalpost",
    goalposts: Mapping[str, tuple[float, float]] | None = None,
) -> pd.DataFrame:
    """Composite deprivation score (0-100, higher = more deprived) per desa from Podes.

    See the module docstring for the full method (indicators, goalpost normalisation and
    why, equal weights within dimensions, arithmetic aggregation, IDM-like status).

    Parameters
    ----------
    villages : DataFrame
        Canonical ``villages`` table (one row per desa, per year if ``year`` is present).
    dimensions : mapping, optional
        Dimension name -> indicator names (from :data:`DIMENSIONS`' indicators). Default
        :data:`DIMENSIONS`.
    weights : mapping, Series or DataFrame, optional
        Dimension weights (any positive numbers, rescaled to sum to 1). A DataFrame needs
        columns ``dimension`` and ``weight``. Default equal.
    normalisation : {"goalpost", "minmax"}
        Goalposts (default, fixed and comparable over time) or min-max within the province
        (per ``year`` when present).
    goalposts : mapping, optional
        Overrides of :data:`GOALPOSTS`, indicator -> (best, worst).

    Returns
    -------
    DataFrame
        One row per village: identifier columns present in the input (year, desa_code,
        desa_name, kec_code, kab_code, kelurahan, population, families), ``ind_<indicator>``
        normalised indicators (0-1), ``sub_<dimension>`` sub-scores (0-100), ``score``
        (0-100), ``n_missing`` (indicators missing), ``index_idm_like`` (0-1, higher = better)
        and ``status_idm_like`` (ordered categorical).

    Raises
    ------
    SchemaError
        Missing columns, codes or values out of range, duplicated desa.

    Examples
    --------
    >>> v = pd.DataFrame({"desa_code": ["1701012001", "1701012002"], "population": [1000, 500],
    ...     "dist_school_km": [0, 6], "dist_health_km": [0, 15], "dist_market_km": [0, 20],
    ...     "road_surface": [1, 3], "electricity_share": [1.0, 0.0], "signal": [2, 0],
    ...     "water_source": [1, 5], "sanitation": [1, 4], "malnutrition_cases": [0, 3],
    ...     "disasters": [0, 3]})
    >>> deprivation_score(v)["score"].tolist()
    [0.0, 100.0]
    """
    dims = {k: tuple(v) for k, v in (dimensions or DIMENSIONS).items()}
    known = set(_SOURCE_COLUMNS)
    unknown = [i for ind in dims.values() for i in ind if i not in known]
    if unknown or not dims or any(len(v) == 0 for v in dims.values()):
        raise SchemaError([Problem("dimensions", None,
                                   f"unknown or empty indicators {unknown}; known: {sorted(known)}")])
    w = _dimension_weights(weights, list(dims))
    if normalisation not in ("goalpost", "minmax"):
        raise SchemaError([Problem("normalisation", None, "must be 'goalpost' or 'minmax'")])
    indicators = list(dict.fromkeys(i for ind in dims.values() for i in ind))
    _check(villages, indicators)
    raw = _raw_indicators(villages, indicators)
    gp = {**GOALPOSTS, **(goalposts or {})}
    norm = pd.DataFrame(index=villages.index)
    for name in indicators:
        x = raw[name]
        if normalisation == "goalpost" or name in _ORDINAL or name == "electricity":
            if name in gp:
                lo, hi = gp[name]
                x = ((x - lo) / (hi - lo)).clip(0.0, 1.0)
        else:
            groups = villages["year"] if "year" in villages.columns else pd.Series(0, index=x.index)
            lo = x.groupby(groups).transform("min")
            hi = x.groupby(groups).transform("max")
            span = (hi - lo).where(hi > lo)
            x = ((x - lo) / span).fillna(0.0).where(raw[name].notna())
        norm[f"ind_{name}"] = x.to_numpy(dtype=float)
    out = villages[[c for c in _ID_COLUMNS if c in villages.columns]].copy()
    for c in norm.columns:
        out[c] = norm[c]
    score = np.zeros(len(out))
    for d, ind in dims.items():
        sub = norm[[f"ind_{i}" for i in ind]].mean(axis=1, skipna=True) * 100.0
        out[f"sub_{d}"] = sub.to_numpy()
        score = score + w[d] * sub.to_numpy()
    out["score"] = score
    out["n_missing"] = norm.isna().sum(axis=1).astype("int64").to_numpy()
    out["index_idm_like"] = (100.0 - out["score"]) / 100.0
    out["status_idm_like"] = idm_like_status(out["index_idm_like"]).to_numpy()
    return out.reset_index(drop=True)


def _dimension_weights(weights: object, dims: list[str]) -> dict[str, float]:
    if weights is None:
        raw = {d: 1.0 for d in dims}
    elif isinstance(weights, pd.DataFrame):
        if not {"dimension", "weight"} <= set(weights.columns):
            raise SchemaError([Problem("weights", None, "needs columns 'dimension' and 'weight'")])
        raw = dict(zip(weights["dimension"], weights["weight"].astype(float), strict=True))
    else:
        raw = {str(k): float(v) for k, v in dict(weights).items()}  # type: ignore[call-overload]
    problems = []
    if set(raw) != set(dims):
        problems.append(Problem("weights", None,
                                f"dimensions {sorted(raw)} do not match {sorted(dims)}"))
    elif any(not np.isfinite(v) or v < 0 for v in raw.values()) or sum(raw.values()) <= 0:
        problems.append(Problem("weights", None, "weights must be >= 0 with a positive sum"))
    if problems:
        raise SchemaError(problems)
    total = sum(raw.values())
    return {d: raw[d] / total for d in dims}


def dimension_names(scores: pd.DataFrame) -> list[str]:
    """Dimensions present in a :func:`deprivation_score` result (``sub_<dim>`` columns).

    Examples
    --------
    >>> dimension_names(pd.DataFrame(columns=["score", "sub_hazard"]))
    ['hazard']
    """
    return [c[4:] for c in scores.columns if c.startswith("sub_")]


def describe_profile(
    dim_excess: Mapping[str, float],
    ind_excess: Mapping[str, float] | None = None,
    *,
    max_items: int = 3,
    threshold: float = 0.0,
) -> tuple[str, str]:
    """Plain-words description of what makes a unit deprived, in Indonesian and English.

    Parameters
    ----------
    dim_excess : mapping
        Dimension -> excess over the province norm (e.g. standardised difference); only
        those above ``threshold`` are named, largest first.
    ind_excess : mapping, optional
        Indicator -> excess over the norm; the largest indicator of each named dimension is
        added in brackets ("terutama ...").
    max_items : int
        At most this many dimensions are named.
    threshold : float
        Excess a dimension must exceed to be named.

    Returns
    -------
    (str, str)
        Description in Bahasa Indonesia and in English.

    Examples
    --------
    >>> describe_profile({"basic_services": 1.2, "hazard": -0.3}, {"dist_market": 0.4})
    ('jauh dari layanan dasar (terutama jauh dari pasar)', 'far from basic services (mainly far from a market)')
    """
    named = sorted(((v, d) for d, v in dim_excess.items() if np.isfinite(v) and v > threshold),
                   reverse=True)[:max_items]
    if not named:
        return ("tidak ada dimensi di atas rata-rata provinsi",
                "no dimension above the province average")
    ids, ens = [], []
    for _, d in named:
        lid, len_ = DIMENSION_LABELS.get(d, (d, d))
        members = DIMENSIONS.get(d, ())
        if ind_excess and len(members) > 1:
            cand = [(ind_excess[i], i) for i in members
                    if i in ind_excess and np.isfinite(ind_excess[i]) and ind_excess[i] > 0]
            if cand:
                top = max(cand)[1]
                lid += f" (terutama {INDICATOR_LABELS[top][0]})"
                len_ += f" (mainly {INDICATOR_LABELS[top][1]})"
        ids.append(lid)
        ens.append(len_)
    return "; ".join(ids), "; ".join(ens)


def registry_counts(
    registry: pd.DataFrame,
    by: str | Sequence[str] = "desa_code",
    max_decile: int = 4,
    *,
    decile: str = "decile",
    members: str | None = "n_members",
    programmes: Sequence[str] | bool = False,
) -> pd.DataFrame:
    """Number of registry households (and persons) in deciles 1..``max_decile`` per area.

    A plain group-by count: only area codes and counts leave the function, no personal data.
    Areas present in the registry but with no household in the deciles get 0. Optionally the
    programme coverage of those households (share with ``rcv_<code>`` = 1), the coverage a
    pocket list shows next to each desa.

    Parameters
    ----------
    registry : DataFrame
        Canonical ``registry`` table.
    by : str or list of str
        Area column(s), default ``desa_code``.
    max_decile : int
        Highest decile counted (4 = the poorest 40%).
    decile : str
        Decile column.
    members : str or None
        Household-size column for the persons count; ``None`` to skip it.
    programmes : bool or sequence of str
        Programme codes (``"pkh"``, ``"bpnt"``, ...) whose coverage among the counted
        households is added as ``cov_<code>``; ``True`` for every ``rcv_<code>`` column present.

    Returns
    -------
    DataFrame
        ``by`` columns, ``registry_hh`` (households in deciles 1..max_decile),
        ``registry_persons`` (their members, if ``members``), ``registry_hh_all`` and
        ``cov_<code>`` (share of ``registry_hh`` receiving; missing when ``registry_hh`` is 0).

    Examples
    --------
    >>> r = pd.DataFrame({"desa_code": ["a", "a", "b"], "decile": [1, 7, 3], "n_members": [4, 2, 5]})
    >>> registry_counts(r)["registry_hh"].tolist()
    [1, 1]
    """
    keys = [by] if isinstance(by, str) else list(by)
    if programmes is True:
        progs = [c[4:] for c in registry.columns if str(c).startswith("rcv_")]
    elif programmes is False:
        progs = []
    else:
        progs = list(programmes)  # type: ignore[arg-type]
    need = keys + [decile] + ([members] if members else []) + [f"rcv_{p}" for p in progs]
    missing = [c for c in need if c not in registry.columns]
    if missing:
        raise SchemaError([Problem("registry", c, "column is missing") for c in missing])
    d = pd.to_numeric(registry[decile], errors="coerce")
    sel = (d >= 1) & (d <= max_decile)
    frame = registry[keys].copy()
    frame["registry_hh"] = sel.astype("int64").to_numpy()
    frame["registry_hh_all"] = 1
    if members:
        frame["registry_persons"] = pd.to_numeric(registry[members], errors="coerce").where(sel, 0)
    for p in progs:
        frame[f"_n_{p}"] = (pd.to_numeric(registry[f"rcv_{p}"], errors="coerce").fillna(0) > 0) & sel
    out = frame.groupby(keys, sort=True, observed=True).sum().reset_index()
    cols = keys + ["registry_hh"] + (["registry_persons"] if members else []) + ["registry_hh_all"]
    if members:
        out["registry_persons"] = out["registry_persons"].round().astype("int64")
    for p in progs:
        out[f"cov_{p}"] = out[f"_n_{p}"] / out["registry_hh"].where(out["registry_hh"] > 0)
        cols.append(f"cov_{p}")
    return out[cols]


def __getattr__(name: str) -> object:
    """:func:`village_typology` moved to :mod:`tkpk_lib.analysis.typology` (issue 14), imported on use.

    Lazy, because :mod:`~tkpk_lib.analysis.typology` imports this module.
    """
    if name in ("village_typology", "_typology_profiles"):
        from tkpk_lib.analysis import typology

        return getattr(typology, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
