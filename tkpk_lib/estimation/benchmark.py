"""Ratio benchmarking of small-area estimates to a published or direct total level.

:func:`benchmark_estimates` scales estimates so that their weighted mean (overall or by
group) equals a target, e.g. kecamatan P0 to the kabupaten P0 (used by
:func:`tkpk_lib.estimation.sae.fay_herriot` and :mod:`tkpk_lib.analysis.small_area_p0`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from tkpk_lib.errors import Problem, SchemaError, TkpkError


def benchmark_estimates(
    est: pd.DataFrame,
    weights: str,
    target: float | Mapping[Any, float] | pd.Series,
    by: str | None = None,
    *,
    estimate: str = "estimate",
) -> pd.DataFrame:
    """Ratio benchmarking: scale model estimates so their weighted mean hits a direct total.

    Small-area estimates of kecamatan poverty rates, weighted by kecamatan population, rarely
    reproduce the published (direct, BPS) kabupaten rate. Ratio benchmarking multiplies every
    estimate in a group by the same factor
    ``c_g = target_g / (sum_d w_d est_d / sum_d w_d)``, so that the population-weighted mean of
    the benchmarked estimates equals ``target_g`` exactly, while ranks and relative
    differences inside the group are kept.

    The ``mse``/``cv`` columns are left as they are: they describe the unbenchmarked EBLUP.
    Benchmarking adds an error component that the Prasad-Rao MSE does not contain:
    :func:`~tkpk_lib.estimation.sae.fay_herriot` (``benchmark=``) adds ``mse_benchmarked`` =
    ``mse + (estimate_benchmarked - estimate)^2`` (Steorts and Ghosh 2013), and
    :func:`~tkpk_lib.analysis.small_area_p0.kecamatan_p0` reports the ``se`` of the
    benchmarked estimate.

    Parameters
    ----------
    est : pandas.DataFrame
        Estimates (e.g. the result of :func:`fay_herriot`).
    weights : str
        Column with the aggregation weights, e.g. population of each area (must be > 0).
    target : float or mapping or pandas.Series
        Benchmark value (the direct estimate of the weighted mean, e.g. the kabupaten poverty
        rate). With ``by``, a mapping / Series from group value to target.
    by : str, optional
        Group column (e.g. kabupaten code); every group needs a target.
    estimate : str
        Column to benchmark.

    Returns
    -------
    pandas.DataFrame
        Copy of ``est`` with ``estimate_benchmarked`` and ``benchmark_factor``.

    Examples
    --------
    >>> import pandas as pd
    >>> e = pd.DataFrame({"estimate": [0.10, 0.20], "pop": [1000, 3000]})
    >>> b = benchmark_estimates(e, "pop", 0.21)
    >>> round(float((b.estimate_benchmarked * b["pop"]).sum() / b["pop"].sum()), 10)
    0.21
    """
    for col in [weights, estimate] + ([by] if by else []):
        if col not in est.columns:
            raise SchemaError([Problem("benchmark input", col, "column not found")])
    out = est.copy()
    w = out[weights].to_numpy(dtype=float)
    x = out[estimate].to_numpy(dtype=float)
    bad = ~(np.isfinite(w) & (w > 0))
    if bad.any():
        raise SchemaError(
            [
                Problem(
                    "benchmark input",
                    weights,
                    "weights must be positive",
                    list(np.flatnonzero(bad) + 1),
                )
            ]
        )
    bad = ~np.isfinite(x)
    if bad.any():
        raise SchemaError(
            [
                Problem(
                    "benchmark input", estimate, "missing estimates", list(np.flatnonzero(bad) + 1)
                )
            ]
        )
    groups, targets = _group_targets(out, by, target)
    factor = np.empty(len(out))
    for g, t in targets.items():
        sel = groups == g
        wmean = float((w[sel] * x[sel]).sum() / w[sel].sum())
        if wmean == 0:
            raise TkpkError(f"benchmark_estimates: weighted mean of group {g!r} is 0")
        factor[sel] = t / wmean
    out["estimate_benchmarked"] = x * factor
    out["benchmark_factor"] = factor
    return out


def _group_targets(
    out: pd.DataFrame, by: str | None, target: Any
) -> tuple[np.ndarray, dict[Any, float]]:
    """Benchmark group of each row and the target of each group (one group without ``by``)."""
    if by is None:
        if isinstance(target, Mapping | pd.Series):
            raise TkpkError("benchmark_estimates: a mapping of targets needs `by`")
        return np.zeros(len(out), dtype=int), {0: float(target)}
    groups = out[by].to_numpy()
    tmap = dict(target.items()) if isinstance(target, Mapping | pd.Series) else None
    if tmap is None:
        raise TkpkError("benchmark_estimates: with `by`, target must map group -> value")
    missing = sorted({str(g) for g in pd.unique(groups) if g not in tmap})
    if missing:
        raise SchemaError(
            [Problem("benchmark input", by, f"no benchmark target for groups {missing}")]
        )
    return groups, {g: float(tmap[g]) for g in pd.unique(groups)}
