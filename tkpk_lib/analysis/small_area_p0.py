"""Kecamatan P0 by small-area estimation: direct Susenas P0, Podes covariates, Fay-Herriot, benchmark.

Step 1 of the poverty-pocket analysis (:mod:`tkpk_lib.analysis.pockets`):
:func:`kecamatan_covariates` aggregates the desa deprivation scores (and registry counts) to
kecamatan, :func:`kecamatan_p0` fits a Fay-Herriot model (:func:`tkpk_lib.estimation.sae.fay_herriot`)
for *every* kecamatan, sampled or not, and benchmarks it to the direct kabupaten P0. The design
choices (GVF-smoothed sampling variances, ``min_n``, ratio benchmarking) are explained in the
docstring of :mod:`tkpk_lib.analysis.pockets`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from tkpk_lib.analysis.deprivation import (
    deprivation_score,
    dimension_names,
)
from tkpk_lib.errors import Problem, SchemaError, TkpkError


def kecamatan_covariates(
    scores: pd.DataFrame,
    registry: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Podes (and registry) covariates aggregated from desa to kecamatan.

    Population-weighted means of the deprivation sub-scores and of the score, the share of
    the population living in kelurahan, and (with registry counts) the share of the
    population in registry households of deciles 1-4.

    Parameters
    ----------
    scores : DataFrame
        Output of :func:`tkpk_lib.analysis.deprivation.deprivation_score` (needs ``kec_code``,
        ``kab_code``, ``population``).
    registry : DataFrame, optional
        Output of :func:`tkpk_lib.analysis.deprivation.registry_counts` by ``desa_code``.

    Returns
    -------
    DataFrame
        ``kab_code``, ``kec_code``, ``population``, ``n_desa``, ``score``, ``sub_<dim>``,
        ``kelurahan_share`` (if ``kelurahan`` present), ``registry_share`` (if registry).

    Examples
    --------
    >>> s = pd.DataFrame({"kab_code": "1701", "kec_code": ["170101", "170101"],
    ...     "desa_code": ["1701012001", "1701012002"], "population": [100, 300],
    ...     "score": [10.0, 50.0], "sub_hazard": [0.0, 40.0]})
    >>> kecamatan_covariates(s)["score"].tolist()
    [40.0]
    """
    need = ["kab_code", "kec_code", "population", "score"]
    miss = [c for c in need if c not in scores.columns]
    if miss:
        raise SchemaError([Problem("village scores", c, "column is missing") for c in miss])
    df = scores.copy()
    pop = pd.to_numeric(df["population"], errors="coerce").astype(float).fillna(0.0)
    df["_pop"] = pop
    cols = ["score"] + [f"sub_{d}" for d in dimension_names(df)]
    if "kelurahan" in df.columns:
        df["kelurahan_share"] = pd.to_numeric(df["kelurahan"], errors="coerce").astype(float)
        cols.append("kelurahan_share")
    if registry is not None:
        reg = registry[["desa_code", "registry_persons"]]
        df = df.merge(reg, on="desa_code", how="left")
        df["registry_persons"] = df["registry_persons"].fillna(0.0)
    g = df.groupby(["kab_code", "kec_code"], sort=True)
    out = g["_pop"].sum().rename("population").to_frame()
    out["n_desa"] = g.size()
    for c in cols:
        v = df[c].astype(float)
        ok = v.notna()
        num = (v.fillna(0.0) * df["_pop"]).groupby([df["kab_code"], df["kec_code"]]).sum()
        den = (df["_pop"].where(ok, 0.0)).groupby([df["kab_code"], df["kec_code"]]).sum()
        # a kecamatan without population falls back to the unweighted mean
        plain = v.groupby([df["kab_code"], df["kec_code"]]).mean()
        out[c] = (num / den.where(den > 0)).fillna(plain)
    if registry is not None:
        out["registry_share"] = (
            df.groupby(["kab_code", "kec_code"])["registry_persons"].sum()
            / out["population"].where(out["population"] > 0)
        ).clip(upper=1.0)
    out = out.reset_index()
    out["population"] = out["population"].round().astype("int64")
    return out


def _default_covariates(cov: pd.DataFrame) -> list[str]:
    cands = [c for c in cov.columns if c.startswith("sub_")]
    if "kelurahan_share" in cov.columns:
        cands.append("kelurahan_share")
    if "registry_share" in cov.columns:
        cands.append("registry_share")
    return cands


def kecamatan_p0(
    households: pd.DataFrame,
    design: Any,
    covariates_from: pd.DataFrame,
    *,
    registry: pd.DataFrame | None = None,
    covariates: Sequence[str] | None = None,
    welfare: str = "exp_pc",
    line: str | float = "poverty_line",
    size: str = "hh_size",
    method: str = "REML",
    variance: str = "gvf",
    min_n: int = 2,
    benchmark: bool | Mapping[str, float] = True,
) -> pd.DataFrame:
    """Small-area P0 for every kecamatan: direct Susenas estimate + Fay-Herriot + benchmark.

    Length: most of this function is this docstring; the body (about 65 lines) runs the named
    steps (direct estimates, model inputs, Fay-Herriot, clipping, benchmark factor, output).

    Parameters
    ----------
    households : DataFrame
        Canonical ``households`` table (one year), with ``kab_code`` and ``kec_code``.
    design : SurveyDesign
        Design of ``households`` (household weights; persons are counted with
        ``weight * hh_size``).
    covariates_from : DataFrame
        Either the canonical ``villages`` table (Podes; the deprivation score is computed
        here) or an already computed :func:`~tkpk_lib.analysis.deprivation.deprivation_score`
        result. Its kecamatan in the kabupaten present in ``households`` are the universe:
        unsampled kecamatan get a synthetic estimate.
    registry : DataFrame, optional
        :func:`~tkpk_lib.analysis.deprivation.registry_counts` by desa; adds ``registry_share`` as a
        covariate.
    covariates : sequence of str, optional
        Kecamatan covariates for the model; default all ``sub_<dimension>`` plus
        ``kelurahan_share`` and ``registry_share`` when available (constant columns are
        dropped).
    welfare, line, size : str
        Per-capita expenditure, poverty line (column or number), household size.
    method : {"REML", "ML", "FH"}
        Variance estimator of the Fay-Herriot model.
    variance : {"gvf", "direct"}
        Sampling variances given to the model (see the module docstring).
    min_n : int
        Kecamatan with fewer sampled households enter the model as out of sample.
    benchmark : bool or mapping
        ``True``: benchmark to the direct kabupaten P0 computed here; a mapping kab_code ->
        P0 (fractions) to benchmark to given (e.g. published) figures; ``False``: none.

    Returns
    -------
    DataFrame
        One row per kecamatan: ``kab_code``, ``kec_code``, ``population``, ``n_desa``,
        ``n_hh`` (sampled households), ``direct``, ``direct_se``, ``direct_cv``,
        ``direct_reliability``, ``estimate`` (benchmarked model P0), ``estimate_eblup``,
        ``mse``, ``se``, ``cv``, ``reliability``, ``n_poor`` (estimate x population),
        ``n_poor_se``, ``gamma``, ``in_sample``, ``benchmark_factor``, ``kab_direct``,
        ``clipped`` (the EBLUP fell outside 0-1 and was clipped; the synthetic part of a
        linear model can do that for very poor or very rich kecamatan), and the covariates.
        Fay-Herriot diagnostics in ``result.attrs["diagnostics"]``; the covariates used in
        ``result.attrs["covariates"]``.

    Examples
    --------
    >>> # see tests/test_pockets.py for an end-to-end example on a synthetic survey
    """
    from tkpk_lib.estimation.sae import fay_herriot

    for c in ("kab_code", "kec_code", welfare, size):
        if c not in households.columns:
            raise SchemaError([Problem("households", c, "column is missing")])
    if variance not in ("gvf", "direct"):
        raise TkpkError("kecamatan_p0: variance must be 'gvf' or 'direct'")
    if "year" in households.columns and households["year"].nunique() > 1:
        raise SchemaError([Problem("households", "year", "several years "
                                   f"{sorted(households['year'].unique().tolist())}: pass one year")])
    scores = (covariates_from if "score" in covariates_from.columns
              else deprivation_score(covariates_from))
    cov = kecamatan_covariates(scores, registry)
    # the universe: every kecamatan of the kabupaten the survey covers
    cov = cov[cov["kab_code"].isin(set(households["kab_code"].astype(str)))].reset_index(drop=True)
    df, kab_direct = _direct_estimates(households, design, cov, welfare, line, size)
    use = _model_inputs(df, variance, min_n)
    if covariates is None:
        covariates = [c for c in _default_covariates(df) if df[c].nunique(dropna=True) > 1]
    covariates = list(covariates)
    miss = [c for c in covariates if c not in df.columns]
    if miss:
        raise SchemaError([Problem("kecamatan covariates", c, "not available") for c in miss])
    # drop covariates that leave the in-sample design rank-deficient (keep the first ones)
    covariates = _independent(df.loc[use], covariates)
    fh = fay_herriot(df, "_y", "_psi", covariates, "kec_code", method=method,
                     source="kecamatan P0 (Susenas + Podes)")
    diag = fh.attrs.get("diagnostics")
    out = df.drop(columns=["_y", "_psi", "direct_deff"])
    out["estimate_eblup"] = fh["estimate"].to_numpy()
    out["mse"] = fh["mse"].to_numpy()
    out["gamma"] = fh["gamma"].to_numpy()
    out["in_sample"] = fh["in_sample"].to_numpy()
    raw = out["estimate_eblup"].to_numpy(dtype=float)
    est = np.clip(raw, 0.0, 1.0)
    out["clipped"] = raw != est
    out["estimate_eblup"] = est
    factor = _benchmark_factor(out, benchmark, kab_direct)
    out["benchmark_factor"] = factor
    out["estimate"] = np.clip(est * factor, 0.0, 1.0)
    out["se"] = np.sqrt(out["mse"].to_numpy(dtype=float)) * factor
    with np.errstate(divide="ignore", invalid="ignore"):
        out["cv"] = out["se"] / out["estimate"]
    out["reliability"] = _reliability(out["cv"].to_numpy(dtype=float))
    out["n_poor"] = out["estimate"] * out["population"]
    out["n_poor_se"] = out["se"] * out["population"]
    first = ["kab_code", "kec_code", "population", "n_desa", "n_hh", "direct", "direct_se",
             "direct_cv", "direct_reliability", "estimate", "estimate_eblup", "mse", "se", "cv",
             "reliability", "n_poor", "n_poor_se", "gamma", "in_sample", "benchmark_factor",
             "kab_direct", "clipped"]
    out = out[first + [c for c in out.columns if c not in first]].reset_index(drop=True)
    out.attrs["diagnostics"] = diag
    out.attrs["covariates"] = covariates
    return out


def _direct_estimates(
    households: pd.DataFrame,
    design: Any,
    cov: pd.DataFrame,
    welfare: str,
    line: str | float,
    size: str,
) -> tuple[pd.DataFrame, dict[str, float]]:
    """Kecamatan covariates joined with the direct kecamatan P0, and the direct kabupaten P0."""
    from tkpk_lib.analysis import indicators

    d_kec = indicators.fgt(households, design, welfare, line, alpha=0, by="kec_code", size=size)
    d_kab = indicators.fgt(households, design, welfare, line, alpha=0, by="kab_code", size=size)
    n_hh = households.groupby("kec_code").size().rename("n_hh")
    d_kec = d_kec.merge(n_hh, left_on="kec_code", right_index=True, how="left")
    unknown = sorted(set(d_kec["kec_code"]) - set(cov["kec_code"]))
    if unknown:
        raise SchemaError([Problem("households", "kec_code",
                                   f"kecamatan not in the villages (Podes) table: {unknown[:10]}")])
    df = cov.merge(
        d_kec[["kec_code", "estimate", "se", "reliability", "n_hh", "deff"]].rename(
            columns={"estimate": "direct", "se": "direct_se", "reliability": "direct_reliability",
                     "deff": "direct_deff"}),
        on="kec_code", how="left")
    kab_direct = dict(zip(d_kab["kab_code"], d_kab["estimate"].astype(float), strict=True))
    df["kab_direct"] = df["kab_code"].map(kab_direct).astype(float)
    df["n_hh"] = df["n_hh"].fillna(0).astype("int64")
    df["direct_cv"] = df["direct_se"] / df["direct"].where(df["direct"] > 0)
    return df, kab_direct


def _model_inputs(df: pd.DataFrame, variance: str, min_n: int) -> pd.Series:
    """Add the model's response ``_y`` and sampling variance ``_psi`` to ``df`` (in place).

    Returns the in-sample mask: a direct estimate, at least ``min_n`` sampled households and a
    positive finite variance; other kecamatan get missing ``_y``/``_psi`` (out of sample).
    """
    # sampling variance given to the model
    if variance == "gvf":
        ok = (df["direct"] > 0) & (df["direct"] < 1) & np.isfinite(df["direct_deff"])
        deff = float(np.nanmedian(df.loc[ok, "direct_deff"])) if ok.any() else 1.0
        deff = max(deff, 1.0) if np.isfinite(deff) else 1.0
        p = df["kab_direct"].clip(0.01, 0.99)
        df["_psi"] = deff * p * (1 - p) / df["n_hh"].where(df["n_hh"] > 0)
    else:
        df["_psi"] = df["direct_se"] ** 2
    use = df["direct"].notna() & (df["n_hh"] >= min_n) & (df["_psi"] > 0) & np.isfinite(df["_psi"])
    df["_y"] = df["direct"].where(use)
    df["_psi"] = df["_psi"].where(use)
    return use


def _benchmark_factor(
    out: pd.DataFrame, benchmark: bool | Mapping[str, float], kab_direct: dict[str, float]
) -> np.ndarray:
    """Ratio benchmarking factor of each kecamatan (ones when ``benchmark`` is False)."""
    factor = np.ones(len(out))
    if benchmark is not False:
        targets = kab_direct if benchmark is True else dict(benchmark)  # type: ignore[arg-type]
        missing = sorted(set(out["kab_code"]) - set(targets))
        if missing:
            raise SchemaError([Problem("benchmark", "kab_code",
                                       f"no kabupaten P0 to benchmark to for {missing}")])
        from tkpk_lib.estimation.benchmark import benchmark_estimates

        tmp = out[["kab_code", "population", "estimate_eblup"]].copy()
        tmp["population"] = tmp["population"].clip(lower=1)
        b = benchmark_estimates(tmp, "population", targets, by="kab_code", estimate="estimate_eblup")
        factor = b["benchmark_factor"].to_numpy(dtype=float)
    return factor


def _independent(df: pd.DataFrame, cols: Sequence[str]) -> list[str]:
    """Greedy subset of ``cols`` keeping the design matrix (with intercept) of full rank."""
    keep: list[str] = []
    x = np.ones((len(df), 1))
    m = len(df)
    for c in cols:
        v = df[c].to_numpy(dtype=float)
        if not np.isfinite(v).all():
            continue
        trial = np.column_stack([x, v])
        if trial.shape[1] + 2 > m:
            break
        if np.linalg.matrix_rank(trial) == trial.shape[1]:
            keep.append(c)
            x = trial
    return keep


def _reliability(cv: np.ndarray) -> np.ndarray:
    out = np.full(cv.shape, "unreliable", dtype=object)
    a = np.abs(cv)
    out[a <= 0.50] = "caution"
    out[a <= 0.25] = "reliable"
    out[~np.isfinite(a)] = "unreliable"
    return out
