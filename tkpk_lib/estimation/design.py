"""Survey designs: declaration, checks and the prepared (integer-coded) design.

A :class:`SurveyDesign` only names columns (weight, strata, PSU, fpc, ...); it is applied to a
DataFrame by :meth:`SurveyDesign.check` (validation with readable errors) and by
:func:`prepare_design`, which codes strata, PSUs and SSUs as integers and computes the per-PSU
variance scale factors once, for any number of variables and domains. The variance itself
(:func:`~tkpk_lib.estimation.variance.linearized_variance` and the lower-level functions) lives
in :mod:`tkpk_lib.estimation.variance`; those names are still importable from here (module
``__getattr__``, as before the layout of issue 14).

Why hand-written: see :mod:`tkpk_lib.estimation.variance` (a handful of ``np.bincount`` passes)
and the docstring of :mod:`tkpk_lib.estimation.estimators` for the comparison with the ``svy``
package.
"""

from __future__ import annotations

import dataclasses
import threading
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from tkpk_lib.errors import DesignError

SinglePsu = Literal["error", "skip", "center", "certainty"]
_SINGLE_PSU_OPTIONS = ("error", "skip", "center", "certainty")
_CERTAINTY_EPS = 1e-7  # R treats (1 - f) < 1e-7 as a self-representing (certainty) stratum


@dataclass(frozen=True)
class SurveyDesign:
    """Declaration of a complex survey design by column names.

    Parameters
    ----------
    weight : str
        Column of sampling weights (strictly positive, no missing values).
    strata : str or None
        Column of first-stage strata; ``None`` for an unstratified design.
    psu : str or None
        Column of primary sampling units (clusters). PSUs are nested in strata: the pair
        (stratum, PSU) identifies a PSU. ``None``: every row is its own PSU.
    fpc : str or None
        First-stage finite population correction, constant within a stratum: either the
        population number of PSUs in the stratum (``N_h``, all values >= 1) or the sampling
        fraction (all values <= 1), exactly as R's ``svydesign(fpc=)`` accepts it.
        ``None`` (default): sampling with replacement.
    single_psu : {"error", "skip", "center", "certainty"}
        What to do with a stratum that has a single PSU (and is not a certainty stratum by
        its fpc): ``"error"`` raises :class:`~tkpk_lib.errors.DesignError` naming the strata
        (R's ``survey.lonely.psu = "fail"``); ``"skip"`` and ``"certainty"`` let the stratum
        contribute 0 (R's ``"remove"``/``"certainty"``); ``"center"`` measures the single
        PSU's total from the grand mean of all PSU totals, with factor ``1 - f_h`` (R's
        ``"adjust"`` as survey >= 4.2 computes it, Stata's ``singleunit(centered)``; for
        means, proportions and ratios the grand mean of the linearised totals is 0, which is
        also what survey 4.1 uses).  At the second stage a PSU with a single SSU contributes
        0 under every option except ``"error"``.
    ssu : str or None
        Column of second-stage units inside PSUs. Only used when ``fpc`` is also given (with a
        with-replacement first stage the second stage contributes nothing, the ultimate-cluster
        approximation R uses too).
    fpc2 : str or None
        Second-stage fpc: population number of SSUs in the PSU (or the fraction, <= 1).
        ``None`` with ``ssu`` given: second stage sampled with replacement.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"w": [1.0, 2.0, 1.5, 1.0], "h": [1, 1, 2, 2], "c": [1, 2, 3, 4]})
    >>> d = SurveyDesign(weight="w", strata="h", psu="c")
    >>> d.check(df)
    >>> d.degf(df)
    2
    """

    weight: str
    strata: str | None = None
    psu: str | None = None
    fpc: str | None = None
    single_psu: SinglePsu = "error"
    ssu: str | None = None
    fpc2: str | None = None

    def __post_init__(self) -> None:
        if self.single_psu not in _SINGLE_PSU_OPTIONS:
            raise DesignError(
                f"single_psu must be one of {_SINGLE_PSU_OPTIONS}, got {self.single_psu!r}"
            )
        if self.fpc2 is not None and self.ssu is None:
            raise DesignError("fpc2 is given but ssu (the second-stage unit column) is not")
        if self.ssu is not None and self.psu is None:
            raise DesignError("ssu (second-stage units) needs psu (the first-stage units)")

    def columns(self) -> list[str]:
        """Columns the design uses, in declaration order."""
        cols = [self.weight, self.strata, self.psu, self.fpc, self.ssu, self.fpc2]
        return [c for c in cols if c is not None]

    def check(self, df: pd.DataFrame, source: str = "<frame>") -> None:
        """Validate the design against a frame; raise :class:`DesignError` when unusable.

        Checks that all columns exist, weights are numeric, positive and present, strata/PSU
        ids are not missing, the fpc is valid and constant within strata, and (under
        ``single_psu="error"``) that no stratum has a single PSU.

        Parameters
        ----------
        df : pandas.DataFrame
            The survey microdata.
        source : str
            File or table name used in error messages.

        Examples
        --------
        >>> import pandas as pd
        >>> SurveyDesign("w").check(pd.DataFrame({"w": [1.0, 2.0]}))
        """
        prepare_design(df, self, source=source)

    def degf(self, df: pd.DataFrame) -> int:
        """Design degrees of freedom: number of PSUs minus number of strata (R's ``degf``)."""
        p = prepare_design(df, self)
        return int(p.n_psu - p.n_strata)


@dataclass(frozen=True)
class PreparedDesign:
    """A design applied to a frame: integer codes and per-PSU scale factors (internal).

    PSU codes are ordered so that the PSUs of a stratum are contiguous (``strata_starts``).
    """

    n: int
    w: np.ndarray  # (n,) float64 weights
    psu_code: np.ndarray  # (n,) intp, 0..n_psu-1, stratum-contiguous
    n_psu: int
    n_strata: int
    psu_stratum: np.ndarray  # (n_psu,) stratum code of each PSU (non-decreasing)
    strata_starts: np.ndarray  # (n_strata,) first PSU index of each stratum
    n_h: np.ndarray  # (n_strata,) PSUs per stratum
    psu_scale: np.ndarray  # (n_psu,) (1-f_h) n_h/(n_h-1), 0 for certainty/skipped strata
    lonely_center: np.ndarray  # (n_psu,) bool: single-PSU stratum centred at the grand mean
    # second stage (None when it contributes nothing)
    ssu_code: np.ndarray | None = None  # (n,) 0..n_ssu-1, PSU-contiguous
    n_ssu: int = 0
    ssu_psu_starts: np.ndarray | None = None  # (n_psu,) first SSU index of each PSU
    ssu_scale: np.ndarray | None = None  # (n_ssu,) (n_h/N_h)(1-f2) m/(m-1)
    ssu_psu: np.ndarray | None = None  # (n_ssu,) PSU code of each SSU

    @property
    def degf(self) -> int:
        """Design degrees of freedom (PSUs minus strata), R's ``degf``."""
        return int(self.n_psu - self.n_strata)

    @property
    def unit_code(self) -> np.ndarray:
        """Code of the finest sampling unit whose totals the variance needs (SSU or PSU)."""
        return self.psu_code if self.ssu_code is None else self.ssu_code

    @property
    def n_units(self) -> int:
        """Number of finest sampling units (SSUs when a second stage is used, else PSUs)."""
        return self.n_psu if self.ssu_code is None else self.n_ssu


def _rows(mask: np.ndarray) -> list[int]:
    """1-based data-row numbers (as a spreadsheet shows them) of a boolean mask."""
    return [int(i) + 1 for i in np.flatnonzero(mask)]


def _factorize(values: pd.Series | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    codes, uniques = pd.factorize(values, sort=False)
    return codes.astype(np.intp, copy=False), np.asarray(uniques)


class _Lazy:
    """A value computed on first use (row-level stratum codes are rarely needed)."""

    def __init__(self, fn):
        self._fn, self._value, self._done = fn, None, False

    def __call__(self):
        if not self._done:
            self._value, self._done = self._fn(), True
        return self._value


_SCRATCH = threading.local()
SCRATCH_MAX_BYTES = 64 * 2**20
"""Work arrays larger than this (e.g. > 8 million float64 rows) are not kept between calls."""


def scratch(n: int, dtype: np.dtype | type, slot: str) -> np.ndarray:
    """A per-thread reusable work array of ``n`` elements (contents undefined).

    Fresh multi-megabyte arrays cost page faults that dominate simple passes at survey sizes;
    temporaries of the estimation code live in these buffers instead.  Each ``slot`` name must
    be used by one temporary at a time.  :func:`release_scratch` frees them; arrays above
    :data:`SCRATCH_MAX_BYTES` are never kept (at most a few x 64 MiB per thread are held).
    """
    dt = np.dtype(dtype)
    if n * dt.itemsize > SCRATCH_MAX_BYTES:  # very large frames: do not keep the memory
        return np.empty(n, dtype=dt)
    pool = getattr(_SCRATCH, "pool", None)
    if pool is None:
        pool = _SCRATCH.pool = {}
    key = (slot, dt.str)
    arr = pool.get(key)
    if arr is None or arr.shape[0] < n:
        arr = pool[key] = np.empty(n, dtype=dt)
    return arr[:n]


def release_scratch() -> None:
    """Free the work arrays kept by :func:`scratch` in this thread."""
    _SCRATCH.pool = {}


def _factorize_sorted(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    codes, uniques = pd.factorize(values, sort=True)
    return codes.astype(np.intp, copy=False), np.asarray(uniques)


def _fpc_factor(
    fpc_values: np.ndarray,
    group_code: np.ndarray,
    n_groups: int,
    n_sampled: np.ndarray,
    column: str,
    source: str,
    what: str,
) -> tuple[np.ndarray, np.ndarray]:
    """Return (1 - f) per group and the population size per group from an fpc column."""
    bad = ~np.isfinite(fpc_values) | (fpc_values <= 0)
    if bad.any():
        raise DesignError(
            f"{source}, column '{column}': fpc must be a positive number "
            f"[rows {_fmt_rows(_rows(bad))}]"
        )
    first = np.full(n_groups, np.nan)
    first[group_code[::-1]] = fpc_values[::-1]  # value at the first row of each group
    varying = fpc_values != first[group_code]
    if varying.any():
        raise DesignError(
            f"{source}, column '{column}': fpc must be constant within each {what} "
            f"[rows {_fmt_rows(_rows(varying))}]"
        )
    is_pop = bool((fpc_values > 1).any())
    if is_pop and (fpc_values < 1).any():
        raise DesignError(
            f"{source}, column '{column}': fpc mixes population sizes (>1) and sampling "
            f"fractions (<1); use one or the other [rows {_fmt_rows(_rows(fpc_values < 1))}]"
        )
    popsize = first if is_pop else n_sampled / first
    too_small = popsize < n_sampled - 1e-9
    if too_small.any():
        rows = _rows(too_small[group_code])
        raise DesignError(
            f"{source}, column '{column}': fpc implies more than 100% sampling (population "
            f"size below the number of sampled units) in some {what}s [rows {_fmt_rows(rows)}]"
        )
    return (popsize - n_sampled) / popsize, popsize


def _fmt_rows(rows: list[int]) -> str:
    shown = ", ".join(str(r) for r in rows[:20])
    more = f" (and {len(rows) - 20} more)" if len(rows) > 20 else ""
    return f"{shown}{more}; {len(rows)} row(s) in all"


def _weights(df: pd.DataFrame, col: str, source: str) -> np.ndarray:
    """Weights as float64; DesignError naming the rows when missing, non-numeric or <= 0."""
    wcol = df[col]
    if isinstance(wcol.dtype, np.dtype) and wcol.dtype.kind in "fiu":
        w = wcol.to_numpy(dtype=np.float64)
        wmin = w.min()
        if wmin > 0 and np.isfinite(w.sum()):
            return w
    w = pd.to_numeric(wcol, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
    nonnum = np.isnan(w) & wcol.notna().to_numpy()
    if nonnum.any():
        raise DesignError(
            f"{source}, column '{col}': weights are not numeric [rows {_fmt_rows(_rows(nonnum))}]"
        )
    bad = ~np.isfinite(w)
    if bad.any():
        raise DesignError(
            f"{source}, column '{col}': missing or infinite weights [rows {_fmt_rows(_rows(bad))}]"
        )
    bad = w <= 0
    if bad.any():
        raise DesignError(
            f"{source}, column '{col}': weights must be > 0 [rows {_fmt_rows(_rows(bad))}]"
        )
    return w


def _codes(
    df: pd.DataFrame, col: str, source: str, out: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Integer codes 0..k-1 of a design-id column; DesignError on missing ids.

    Integer columns with a compact range are coded densely (sorted, no hashing), into ``out``
    when given; anything else goes through :func:`pandas.factorize`.
    """
    s = df[col]
    n = len(s)
    if isinstance(s.dtype, np.dtype) and s.dtype.kind in "iu" and n:
        v = s.to_numpy()
        vmin, vmax = int(v.min()), int(v.max())
        span = vmax - vmin + 1
        if span <= max(4 * n, 1 << 20):
            codes = np.empty(n, dtype=np.intp) if out is None else out
            np.subtract(v, vmin, out=codes, casting="unsafe")
            present = np.bincount(codes, minlength=span) > 0
            if present.all():  # ids already dense: v - vmin are the codes
                return codes, np.arange(vmin, vmax + 1)
            remap = np.cumsum(present, dtype=np.intp) - 1
            np.take(remap, codes, out=codes)
            return codes, np.flatnonzero(present) + vmin
    codes, uniq = _factorize(s)
    if n and codes.min() < 0:
        raise DesignError(
            f"{source}, column '{col}': missing design ids [rows {_fmt_rows(_rows(codes < 0))}]"
        )
    return codes, uniq


def prepare_design(
    df: pd.DataFrame, design: SurveyDesign, source: str = "<frame>"
) -> PreparedDesign:
    """Validate ``design`` on ``df`` and compute the integer codes the variance needs.

    Parameters
    ----------
    df : pandas.DataFrame
        Survey microdata.
    design : SurveyDesign
        The design declaration.
    source : str
        Name used in error messages.

    Returns
    -------
    PreparedDesign
        Codes and scale factors; reusable for any number of variables and domains.

    Examples
    --------
    >>> import pandas as pd
    >>> p = prepare_design(pd.DataFrame({"w": [1.0, 3.0]}), SurveyDesign("w"))
    >>> p.n_psu, p.degf
    (2, 1)
    """
    if not isinstance(design, SurveyDesign):
        raise DesignError(f"expected a SurveyDesign, got {type(design).__name__}")
    missing = [c for c in design.columns() if c not in df.columns]
    if missing:
        raise DesignError(
            f"{source}: design column(s) {', '.join(repr(c) for c in missing)} not found; "
            f"available columns: {', '.join(map(str, df.columns[:30]))}"
        )
    n = len(df)
    if n == 0:
        raise DesignError(f"{source}: the frame has no rows")

    # weights (fast path: a float column with all weights positive and finite)
    w = _weights(df, design.weight, source)
    psu_code, psu_stratum, n_raw, s_uniq, s_code_lazy = _strata_psus(df, design, source)
    n_strata_raw = len(s_uniq)
    n_h = np.bincount(psu_stratum, minlength=n_strata_raw)
    strata_starts = np.concatenate(([0], np.cumsum(n_h)[:-1])).astype(np.intp)
    h_scale, center_h, popsize = _stage1_scale(df, design, source, n_h, s_uniq, s_code_lazy)
    prep = PreparedDesign(
        n=n,
        w=w,
        psu_code=psu_code,
        n_psu=n_raw,
        n_strata=n_strata_raw,
        psu_stratum=psu_stratum,
        strata_starts=strata_starts,
        n_h=n_h,
        psu_scale=h_scale[psu_stratum],
        lonely_center=center_h[psu_stratum],
    )
    if design.ssu is None or design.fpc is None:
        return prep
    return _with_stage2(prep, df, design, source, popsize)


def _strata_psus(
    df: pd.DataFrame, design: SurveyDesign, source: str
) -> tuple[np.ndarray, np.ndarray, int, np.ndarray, _Lazy]:
    """PSU codes (stratum-contiguous), the stratum of each PSU, the PSU count, stratum labels.

    PSUs are nested in strata: the (stratum, psu) pair identifies a PSU. The last value is a
    :class:`_Lazy` giving the row-level stratum codes when an error message or fpc needs them.
    """
    n = len(df)
    s_code: np.ndarray | None = None
    if design.psu is None:
        if design.strata is None:
            s_code, s_uniq = np.zeros(n, dtype=np.intp), np.array([1])
        else:
            s_code, s_uniq = _codes(df, design.strata, source)
        raw_psu, n_raw = np.arange(n, dtype=np.intp), n
        raw_stratum = s_code.copy()
    else:
        raw_psu, p_uniq = _codes(df, design.psu, source)
        n_raw = len(p_uniq)
        if design.strata is None:
            s_uniq = np.array([1])
            raw_stratum = np.zeros(n_raw, dtype=np.intp)
        else:
            scol = df[design.strata]
            labels = None
            if isinstance(scol.dtype, np.dtype) and scol.dtype.kind in "iufb":
                sv = scol.to_numpy()  # no copy, no hashing of n values
                if sv.dtype.kind == "f" and np.isnan(sv.sum()):
                    sv, labels = _codes(df, design.strata, source)  # raises on missing
            else:
                sv, labels = _codes(df, design.strata, source)
            st_of_psu = np.empty(n_raw, dtype=sv.dtype)
            st_of_psu[raw_psu] = sv
            back = np.take(st_of_psu, raw_psu, out=scratch(n, sv.dtype, "design.check"))
            if np.array_equal(back, sv):  # every PSU id lies in a single stratum
                raw_stratum, s_uniq = _factorize_sorted(st_of_psu)
                if labels is not None:
                    s_uniq = np.asarray(labels)[s_uniq]
            else:  # PSU ids repeated across strata: re-code the (stratum, psu) pairs
                s_code, s_uniq = _codes(df, design.strata, source)
                pair = s_code.astype(np.int64) * n_raw + raw_psu
                raw_psu, u = _factorize(pair)
                n_raw = len(u)
                raw_stratum = np.empty(n_raw, dtype=np.intp)
                raw_stratum[raw_psu] = s_code
    # renumber PSUs so that the PSUs of a stratum are contiguous
    if n_raw > 1 and (np.diff(raw_stratum) < 0).any():
        order = np.argsort(raw_stratum, kind="stable")
        rank = np.empty(n_raw, dtype=np.intp)
        rank[order] = np.arange(n_raw, dtype=np.intp)
        psu_code = np.take(rank, raw_psu, out=raw_psu)  # in place: raw_psu is ours
        psu_stratum = raw_stratum[order]
    else:
        psu_code = raw_psu
        psu_stratum = raw_stratum
    if design.psu is not None or s_code is None:
        s_code_lazy = _Lazy(lambda: psu_stratum[psu_code])
    else:
        row_codes = s_code
        s_code_lazy = _Lazy(lambda: row_codes)
    return psu_code, psu_stratum, n_raw, s_uniq, s_code_lazy


def _stage1_scale(
    df: pd.DataFrame,
    design: SurveyDesign,
    source: str,
    n_h: np.ndarray,
    s_uniq: np.ndarray,
    s_code_lazy: _Lazy,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per-stratum variance scale ``(1-f_h) n_h/(n_h-1)``, single-PSU centring, population sizes.

    Applies the first-stage fpc and the ``single_psu`` rule (a DesignError naming the rows of
    single-PSU strata under ``"error"``).
    """
    n_strata_raw = len(s_uniq)
    if design.fpc is None:
        one_minus_f = np.ones(n_strata_raw)
        popsize = np.full(n_strata_raw, np.inf)
    else:
        fv = pd.to_numeric(df[design.fpc], errors="coerce").to_numpy(
            dtype=np.float64, na_value=np.nan
        )
        one_minus_f, popsize = _fpc_factor(
            fv, s_code_lazy(), n_strata_raw, n_h.astype(float), design.fpc, source, "stratum"
        )
    certainty = one_minus_f < _CERTAINTY_EPS
    lonely = (n_h == 1) & ~certainty
    if lonely.any() and design.single_psu == "error":
        names = [str(s) for s in s_uniq[lonely]]
        label = design.strata or "(unstratified)"
        rows = _rows(lonely[s_code_lazy()])
        raise DesignError(
            f"{source}, column '{label}': stratum/strata {', '.join(names[:20])} "
            f"ha{'s' if len(names) == 1 else 've'} only one PSU, so no variance can be "
            f"estimated there; merge strata or declare single_psu='skip'/'center'/'certainty' "
            f"[rows {_fmt_rows(rows)}]"
        )
    with np.errstate(divide="ignore", invalid="ignore"):
        h_scale = np.where(n_h > 1, one_minus_f * n_h / np.maximum(n_h - 1, 1), 0.0)
    h_scale[certainty] = 0.0
    center_h = np.zeros(n_strata_raw, dtype=bool)
    if design.single_psu == "center":
        center_h = lonely
        h_scale = np.where(lonely, one_minus_f, h_scale)
    return h_scale, center_h, popsize


def _with_stage2(
    prep: PreparedDesign, df: pd.DataFrame, design: SurveyDesign, source: str, popsize: np.ndarray
) -> PreparedDesign:
    """``prep`` with the second stage (SSUs nested in PSUs) added: codes and variance scales."""
    psu_code, n_raw, n_h, psu_stratum = prep.psu_code, prep.n_psu, prep.n_h, prep.psu_stratum
    q_code, q_uniq = _codes(df, design.ssu, source)
    raw_ssu, u = _factorize(psu_code.astype(np.int64) * len(q_uniq) + q_code)
    n_ssu = len(u)
    raw_ssu_psu = np.empty(n_ssu, dtype=np.intp)
    raw_ssu_psu[raw_ssu] = psu_code
    order2 = np.argsort(raw_ssu_psu, kind="stable")
    rank2 = np.empty(n_ssu, dtype=np.intp)
    rank2[order2] = np.arange(n_ssu, dtype=np.intp)
    ssu_code = rank2[raw_ssu]
    ssu_psu = raw_ssu_psu[order2]
    m = np.bincount(ssu_psu, minlength=n_raw)
    ssu_psu_starts = np.concatenate(([0], np.cumsum(m)[:-1])).astype(np.intp)
    if design.fpc2 is None:
        one_minus_f2 = np.ones(n_raw)
    else:
        fv2 = pd.to_numeric(df[design.fpc2], errors="coerce").to_numpy(
            dtype=np.float64, na_value=np.nan
        )
        one_minus_f2, _ = _fpc_factor(
            fv2, psu_code, n_raw, m.astype(float), design.fpc2, source, "PSU"
        )
    cert2 = one_minus_f2 < _CERTAINTY_EPS
    lonely2 = (m == 1) & ~cert2
    if lonely2.any() and design.single_psu == "error":
        rows = _rows(lonely2[psu_code])
        raise DesignError(
            f"{source}, column '{design.ssu}': {int(lonely2.sum())} PSU(s) have a single "
            f"second-stage unit but are not fully sampled according to '{design.fpc2}'; "
            f"declare single_psu='skip'/'center'/'certainty' [rows {_fmt_rows(rows)}]"
        )
    stage1_fraction = n_h / popsize  # n_h / N_h (0 when with replacement)
    with np.errstate(divide="ignore", invalid="ignore"):
        p_scale2 = np.where(m > 1, one_minus_f2 * m / np.maximum(m - 1, 1), 0.0)
    p_scale2 = p_scale2 * stage1_fraction[psu_stratum]
    ssu_scale = p_scale2[ssu_psu]
    return dataclasses.replace(
        prep,
        ssu_code=ssu_code,
        n_ssu=n_ssu,
        ssu_psu_starts=ssu_psu_starts,
        ssu_scale=ssu_scale,
        ssu_psu=ssu_psu,
    )


_MOVED_TO_VARIANCE = frozenset({
    "_centered_ss",
    "variance_from_psu_totals",
    "variance_from_unit_totals",
    "unit_domain_totals",
    "variance_of_weighted",
    "domain_variance",
    "linearized_variance",
})


def __getattr__(name: str) -> object:
    """The variance functions moved to :mod:`tkpk_lib.estimation.variance` (issue 14), imported on use.

    Lazy, because :mod:`~tkpk_lib.estimation.variance` imports this module.
    """
    if name in _MOVED_TO_VARIANCE:
        from tkpk_lib.estimation import variance

        return getattr(variance, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
