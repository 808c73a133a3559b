"""Shared helpers of the programme coverage modules: flags, person multipliers, programme columns, counts.

Private helpers of :mod:`~tkpk_lib.analysis.coverage`, :mod:`~tkpk_lib.analysis.targets` and
:mod:`~tkpk_lib.analysis.programme_overlap`: 0/1 flag and household-size checks that raise
:class:`~tkpk_lib.errors.SchemaError` naming the rows, the programme columns of a frame, domain
counts and the complement ``1 - p`` of a result.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
import pandas as pd

from tkpk_lib.data.schemas import PROGRAMMES
from tkpk_lib.errors import Problem, SchemaError, TkpkError
from tkpk_lib.estimation.design import PreparedDesign, SurveyDesign, prepare_design
from tkpk_lib.estimation.estimators import (
    domain_codes,
    reliability_flag,
)

_STATS = ("estimate", "se", "ci_low", "ci_high", "rse", "deff", "n", "n_weighted", "reliability")


Unit = Literal["households", "persons"]


By = str | Sequence[str] | None


def _by_list(by: By) -> list[str]:
    if by is None:
        return []
    return [by] if isinstance(by, str) else list(by)


def _prep(df: pd.DataFrame, design: SurveyDesign | PreparedDesign) -> PreparedDesign:
    return design if isinstance(design, PreparedDesign) else prepare_design(df, design)


def _flag(df: pd.DataFrame, col: str, source: str = "households") -> np.ndarray:
    """A 0/1 column as float array; SchemaError naming the rows when it is not 0/1."""
    if col not in df.columns:
        raise SchemaError([Problem(source, col, "column not found")])
    v = pd.to_numeric(df[col], errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
    bad = ~np.isin(v, (0.0, 1.0))
    if bad.any():
        raise SchemaError(
            [
                Problem(
                    source,
                    col,
                    "must be a 0/1 flag without missing values",
                    (np.flatnonzero(bad) + 1).tolist(),
                )
            ]
        )
    return v


def _multiplier(df: pd.DataFrame, unit: str, size: str) -> np.ndarray:
    if unit == "households":
        return np.ones(len(df))
    if unit != "persons":
        raise TkpkError(f"unit must be 'households' or 'persons', not {unit!r}")
    if size not in df.columns:
        raise SchemaError(
            [Problem("households", size, "column not found (needed for unit='persons')")]
        )
    m = pd.to_numeric(df[size], errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
    bad = ~(m >= 1)
    if bad.any():
        raise SchemaError(
            [
                Problem(
                    "households",
                    size,
                    "household size must be >= 1",
                    (np.flatnonzero(bad) + 1).tolist(),
                )
            ]
        )
    return m


def _programme_columns(df: pd.DataFrame, programmes: Sequence[str] | None) -> dict[str, str]:
    """Map programme label -> column; accepts codes ('pkh') or columns ('rcv_pkh')."""
    if programmes is None:
        programmes = [p for p in PROGRAMMES if f"rcv_{p}" in df.columns]
    out: dict[str, str] = {}
    for p in programmes:
        if f"rcv_{p}" in df.columns:
            out[p] = f"rcv_{p}"
        elif p in df.columns:
            out[p[4:] if p.startswith("rcv_") else p] = p
        else:
            raise SchemaError([Problem("households", f"rcv_{p}", "programme column not found")])
    if not out:
        raise TkpkError("no programme columns (rcv_<code>) found")
    return out


def _with_columns(work: pd.DataFrame, new: dict[str, np.ndarray]) -> pd.DataFrame:
    """Add many columns in one concat (inserting them one by one fragments the frame)."""
    return pd.concat([work, pd.DataFrame(new, index=work.index)], axis=1)


def _work_frame(df: pd.DataFrame, byl: list[str]) -> pd.DataFrame:
    return df[byl].copy() if byl else pd.DataFrame(index=df.index)


def _counts(
    df: pd.DataFrame, byl: list[str], masks: np.ndarray, wts: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Unweighted and weighted counts of each mask column per domain: (k, D) arrays."""
    dom, n_dom, _ = domain_codes(df, byl or None)
    ok = dom >= 0
    d = np.where(ok, dom, 0)
    k = masks.shape[1]
    n = np.empty((k, n_dom))
    nw = np.empty((k, n_dom))
    for j in range(k):
        m = masks[:, j] * ok
        n[j] = np.bincount(d, weights=(m > 0).astype(float), minlength=n_dom)
        nw[j] = np.bincount(d, weights=m * wts, minlength=n_dom)
    return n, nw


def _complement(res: pd.DataFrame) -> pd.DataFrame:
    out = res.copy()
    out["estimate"] = 1.0 - res["estimate"]
    out["ci_low"] = 1.0 - res["ci_high"]
    out["ci_high"] = 1.0 - res["ci_low"]
    with np.errstate(divide="ignore", invalid="ignore"):
        out["rse"] = out["se"] / out["estimate"].abs()
    out["reliability"] = reliability_flag(out["rse"].to_numpy())
    return out
