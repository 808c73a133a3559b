"""Domains of estimation: integer domain codes of the ``by`` columns and per-unit x domain sums.

Subpopulation estimation keeps the whole design (the linearised value is zero outside the
domain); :class:`_Domains` holds the codes and the ``np.bincount`` tables shared by all
variables of one call, :func:`_domain_degf` the design degrees of freedom of each domain.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from tkpk_lib.errors import DesignError
from tkpk_lib.estimation.design import (
    PreparedDesign,
    _codes,
    scratch,
)

By = str | Sequence[str] | None


def domain_codes(df: pd.DataFrame, by: By) -> tuple[np.ndarray, int, pd.DataFrame]:
    """Integer domain code of each row for the ``by`` columns, levels sorted.

    Parameters
    ----------
    df : pandas.DataFrame
    by : str, list of str or None
        Domain columns; ``None`` = one domain (the whole population).

    Returns
    -------
    codes : ndarray of intp (n,)
        Domain of each row in ``0..n_domains-1``; ``-1`` when a ``by`` value is missing.
    n_domains : int
    levels : pandas.DataFrame
        One row per domain (in code order, sorted by the ``by`` columns), the ``by`` columns.

    Examples
    --------
    >>> import pandas as pd
    >>> codes, k, lev = domain_codes(pd.DataFrame({"g": ["b", "a", "b"]}), "g")
    >>> codes.tolist(), k, lev["g"].tolist()
    ([1, 0, 1], 2, ['a', 'b'])
    """
    return _domain_codes(df, by)


def _domain_codes(
    df: pd.DataFrame, by: By, out: np.ndarray | None = None
) -> tuple[np.ndarray, int, pd.DataFrame]:
    """:func:`domain_codes`, writing integer codes into ``out`` when it can (internal)."""
    n = len(df)
    if by is None or (not isinstance(by, str) and len(by) == 0):
        if out is None:
            return np.zeros(n, dtype=np.intp), 1, pd.DataFrame(index=pd.RangeIndex(1))
        out.fill(0)
        return out, 1, pd.DataFrame(index=pd.RangeIndex(1))
    cols = [by] if isinstance(by, str) else list(by)
    missing = [c for c in cols if c not in df.columns]
    if missing:
        raise DesignError(f"by column(s) {', '.join(map(repr, missing))} not found in the frame")
    if len(cols) == 1:
        s = df[cols[0]]
        if isinstance(s.dtype, np.dtype) and s.dtype.kind in "iu":  # dense, sorted fast path
            code, uniq = _codes(df, cols[0], "<frame>", out=out)
            if len(uniq) < 2 or bool((np.diff(uniq) > 0).all()):
                return code, len(uniq), pd.DataFrame({cols[0]: uniq.astype(s.dtype)})
    codes_list, uniq_list = [], []
    combined = np.zeros(n, dtype=np.int64)
    bad = np.zeros(n, dtype=bool)
    for c in cols:
        code, uniq = pd.factorize(df[c], sort=True)
        codes_list.append(code)
        uniq_list.append(uniq)
        bad |= code < 0
        combined = combined * max(len(uniq), 1) + np.maximum(code, 0)
    if len(cols) == 1:
        dom = codes_list[0].astype(np.intp)
        levels = pd.DataFrame({cols[0]: uniq_list[0]})
        return dom, len(uniq_list[0]), levels
    combined[bad] = -1
    dom, comb_uniq = pd.factorize(combined, sort=True)
    comb_uniq = np.asarray(comb_uniq, dtype=np.int64)
    if (comb_uniq < 0).any():  # pd.factorize maps -1 to a level; drop it
        keep = comb_uniq >= 0
        remap = np.full(len(comb_uniq), -1, dtype=np.intp)
        remap[keep] = np.arange(keep.sum())
        dom = remap[dom]
        comb_uniq = comb_uniq[keep]
    data = {}
    rest = comb_uniq.copy()
    for c, uniq in reversed(list(zip(cols, uniq_list, strict=True))):
        size = max(len(uniq), 1)
        data[c] = uniq[rest % size]
        rest //= size
    levels = pd.DataFrame({c: data[c] for c in cols})
    return dom.astype(np.intp), len(comb_uniq), levels


def _domain_degf(
    prep: PreparedDesign, d: np.ndarray, valid: np.ndarray | None, n_dom: int
) -> np.ndarray:
    """R's degf() of each domain's subset design: PSUs minus strata with a row in it."""
    return _domain_psus(prep, d, valid, n_dom)[1]


def _domain_psus(
    prep: PreparedDesign, d: np.ndarray, valid: np.ndarray | None, n_dom: int
) -> tuple[np.ndarray, np.ndarray]:
    """PSUs with a (valid) row in each domain, and the domain's design df (PSUs - strata)."""
    present = (
        np.bincount(prep.psu_code * n_dom + d, weights=valid, minlength=prep.n_psu * n_dom).reshape(
            prep.n_psu, n_dom
        )
        > 0
    )
    return _psus_present(prep, present)


def _psus_from_unit_weights(
    prep: PreparedDesign, w_u: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`_domain_psus` from the (unit x domain) weight table (weights > 0): no row pass."""
    present = w_u > 0
    if prep.ssu_code is not None:
        present = np.add.reduceat(present.astype(np.int64), prep.ssu_psu_starts, axis=0) > 0
    return _psus_present(prep, present)


def _psus_present(prep: PreparedDesign, present: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    n_psu_d = present.sum(axis=0)
    strata_present = np.add.reduceat(present.astype(np.int64), prep.strata_starts, axis=0) > 0
    return n_psu_d, (n_psu_d - strata_present.sum(axis=0)).astype(np.float64)


class _Domains:
    """Domain codes and bincount helpers shared by all variables of one call (internal)."""

    def __init__(self, prep: PreparedDesign, dom: np.ndarray, n_dom: int):
        self.prep = prep
        self.n_dom = n_dom
        self.all_in = prep.n == 0 or int(dom.min()) >= 0
        self.d = dom if self.all_in else np.where(dom >= 0, dom, 0)
        self.in_dom = None if self.all_in else dom >= 0
        u = prep.unit_code
        if n_dom == 1:
            self.idx = u
        else:
            self.idx = np.multiply(u, n_dom, out=scratch(prep.n, np.intp, "estimate.idx"))
            self.idx += self.d
        self._shared: tuple[np.ndarray, np.ndarray] | None = None

    def by_unit(self, v: np.ndarray) -> np.ndarray:
        p, k = self.prep, self.n_dom
        return np.bincount(self.idx, weights=v, minlength=p.n_units * k).reshape(p.n_units, k)

    def by_dom(self, v: np.ndarray | None = None) -> np.ndarray:
        return np.bincount(self.d, weights=v, minlength=self.n_dom).astype(np.float64)

    def valid(self, *cols: np.ndarray) -> np.ndarray | None:
        """Rows in a domain with all ``cols`` non-missing; ``None`` when that is every row."""
        mask = self.in_dom
        for c in cols:
            if np.isnan(np.sum(c)):  # cheap test first, mask only when needed
                nan = np.isnan(c)
                if nan.any():
                    mask = ~nan if mask is None else mask & ~nan
        return mask

    def weights_and_counts(self, valid: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
        """Weight totals by (unit, domain) and row counts by domain of the valid rows."""
        w = self.prep.w
        if valid is None:
            if self._shared is None:
                self._shared = (self.by_unit(w), self.by_dom())
            return self._shared
        return self.by_unit(np.where(valid, w, 0.0)), self.by_dom(valid.astype(np.float64))
