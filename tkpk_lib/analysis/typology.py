"""Village typology: k-means clusters of the deprivation sub-scores, described in words.

:func:`village_typology` groups desa with similar deprivation profiles (the ``sub_<dimension>``
columns of :func:`tkpk_lib.analysis.deprivation.deprivation_score`), numbers the types from
least to most deprived and describes each type with
:func:`~tkpk_lib.analysis.deprivation.describe_profile`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from tkpk_lib.analysis.deprivation import describe_profile, dimension_names
from tkpk_lib.errors import Problem, SchemaError


def village_typology(
    scores: pd.DataFrame,
    k: int | None = 4,
    seed: int = 0,
    *,
    k_range: Sequence[int] = (2, 3, 4, 5, 6),
    threshold: float = 0.25,
    return_profiles: bool = False,
) -> pd.DataFrame | tuple[pd.DataFrame, pd.DataFrame]:
    """Village typology: k-means on the standardised dimension sub-scores, described in words.

    scikit-learn ``KMeans(n_clusters=k, random_state=seed, n_init=10)`` on the z-scores of
    the ``sub_<dimension>`` columns (each dimension then counts equally). Clusters are
    relabelled 1..k by increasing mean ``score`` so that labels do not depend on the
    solver's order (1 = least deprived type). With ``k=None`` the k in ``k_range`` with the
    highest silhouette score is used. Each type is described by the dimensions whose
    cluster mean is above the province mean by more than ``threshold`` province standard
    deviations (largest first; a small margin so that noise is not described) and, within
    them, the indicator furthest above its province mean.

    Parameters
    ----------
    scores : DataFrame
        Output of :func:`deprivation_score`.
    k : int or None
        Number of types; ``None`` to choose by silhouette.
    seed : int
        Random state of k-means (the result is deterministic for a given seed).
    k_range : sequence of int
        Candidates when ``k`` is None.
    threshold : float
        Margin (in province standard deviations) above the province mean for a dimension
        to be named in the description.
    return_profiles : bool
        Also return one row per type (size, mean sub-scores, descriptions).

    Returns
    -------
    DataFrame or (DataFrame, DataFrame)
        Per village: ``desa_code`` (and ``year`` if present), ``typology`` (1..k),
        ``typology_id`` and ``typology_en`` descriptions. Profiles: ``typology``, ``n_desa``,
        ``mean_score``, ``sub_<dim>`` means, ``typology_id``, ``typology_en``.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> s = pd.DataFrame({"desa_code": [str(i) for i in range(40)],
    ...     "sub_basic_services": np.r_[rng.normal(80, 5, 20), rng.normal(20, 5, 20)],
    ...     "sub_hazard": rng.normal(30, 5, 40)})
    >>> s["score"] = s[["sub_basic_services", "sub_hazard"]].mean(axis=1)
    >>> village_typology(s, k=2)["typology_id"].iloc[0]
    'jauh dari layanan dasar'
    """
    from sklearn.cluster import KMeans
    from sklearn.metrics import silhouette_score
    from threadpoolctl import threadpool_limits

    dims = dimension_names(scores)
    if not dims:
        raise SchemaError([Problem("scores", None, "no sub_<dimension> columns: pass the output of "
                                   "deprivation_score")])
    sub_cols = [f"sub_{d}" for d in dims]
    ok = scores[sub_cols].notna().all(axis=1).to_numpy()
    x = scores.loc[ok, sub_cols].to_numpy(dtype=float)
    n = len(x)
    mu, sd = x.mean(axis=0), x.std(axis=0)
    sd = np.where(sd > 0, sd, 1.0)
    z = (x - mu) / sd

    # one thread: on a shared, busy machine OpenMP spinning made k-means ~30x slower
    def fit(kk: int) -> np.ndarray:
        with threadpool_limits(limits=1):
            return KMeans(n_clusters=kk, random_state=seed, n_init=10).fit_predict(z)

    def sil(kk: int) -> float:
        labels_ = fit(kk)
        with threadpool_limits(limits=1):
            return float(silhouette_score(z, labels_))

    if k is None:
        cands = [kk for kk in k_range if 2 <= kk < n]
        if not cands:
            raise SchemaError([Problem("scores", None, f"too few villages ({n}) for a typology")])
        best = max(cands, key=lambda kk: (sil(kk), -kk))
        k = best
    if k < 1 or k > n:
        raise SchemaError([Problem("scores", None, f"k={k} must be between 1 and the number of "
                                   f"villages with complete sub-scores ({n})")])
    labels = fit(k)
    score = (scores.loc[ok, "score"].to_numpy(dtype=float) if "score" in scores.columns
             else x.mean(axis=1))
    order = np.argsort([score[labels == c].mean() for c in range(k)], kind="stable")
    relabel = np.empty(k, dtype=int)
    relabel[order] = np.arange(1, k + 1)
    labels = relabel[labels]

    prof = _typology_profiles(scores, ok, dims, z, x, labels, k, score, threshold)
    keys = [c for c in ("year", "desa_code") if c in scores.columns]
    out = scores[keys].copy()
    out["typology"] = pd.array([pd.NA] * len(out), dtype="Int64")
    out.loc[ok, "typology"] = labels
    out = out.merge(prof[["typology", "typology_id", "typology_en"]], on="typology", how="left")
    return (out, prof) if return_profiles else out



def _typology_profiles(
    scores: pd.DataFrame,
    ok: np.ndarray,
    dims: list[str],
    z: np.ndarray,
    x: np.ndarray,
    labels: np.ndarray,
    k: int,
    score: np.ndarray,
    threshold: float,
) -> pd.DataFrame:
    """One row per type (labels 1..k): size, mean score and sub-scores, the profile in words."""
    sub_cols = [f"sub_{d}" for d in dims]
    ind_cols = [c for c in scores.columns if c.startswith("ind_")]
    ind = scores.loc[ok, ind_cols].to_numpy(dtype=float) if ind_cols else None
    ind_mu = np.nanmean(ind, axis=0) if ind is not None else None
    ind_sd = np.nanstd(ind, axis=0) if ind is not None else None
    profiles = []
    for c in range(1, k + 1):
        m = labels == c
        dim_ex = dict(zip(dims, z[m].mean(axis=0), strict=True))
        ind_ex = None
        if ind is not None:
            diff = (np.nanmean(ind[m], axis=0) - ind_mu) / np.where(ind_sd > 0, ind_sd, 1.0)
            ind_ex = dict(zip([c_[4:] for c_ in ind_cols], diff, strict=True))
        did, den = describe_profile(dim_ex, ind_ex, threshold=threshold)
        row = {"typology": c, "n_desa": int(m.sum()), "mean_score": float(score[m].mean())}
        row.update({col: float(x[m, j].mean()) for j, col in enumerate(sub_cols)})
        row.update({"typology_id": did, "typology_en": den})
        profiles.append(row)
    return pd.DataFrame(profiles)
