"""Overlaps of programmes in the survey: households per combination received, pairwise overlaps.

:func:`programme_combinations` (estimated households or persons per combination of programmes,
the input of :func:`~tkpk_lib.analysis.coverage_figures.upset_figure`) and
:func:`overlap_matrix` (pairwise joint receipt), with design-based standard errors.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
import pandas as pd

from tkpk_lib.analysis.coverage_base import (
    _STATS,
    By,
    Unit,
    _by_list,
    _counts,
    _flag,
    _multiplier,
    _prep,
    _programme_columns,
    _with_columns,
    _work_frame,
)
from tkpk_lib.errors import TkpkError
from tkpk_lib.estimation.design import PreparedDesign, SurveyDesign
from tkpk_lib.estimation.estimators import (
    survey_ratio,
    survey_total,
)


def _combo_labels(flags: dict[str, np.ndarray]) -> np.ndarray:
    names = list(flags)
    mat = np.column_stack([flags[p] for p in names]).astype(bool)
    uniq, inv = np.unique(mat, axis=0, return_inverse=True)
    labels = np.array(
        ["+".join(n for n, f in zip(names, row, strict=True) if f) or "none" for row in uniq],
        dtype=object,
    )
    return labels[inv.ravel()]


def programme_combinations(
    df: pd.DataFrame,
    design: SurveyDesign | PreparedDesign,
    programmes: Sequence[str] | None = None,
    among: str | None = "target_poor",
    by: By = None,
    *,
    unit: Unit = "households",
    size: str = "hh_size",
    ci: Literal["normal", "logit"] = "normal",
    level: float = 0.95,
) -> pd.DataFrame:
    """Estimated households (or persons) per combination of programmes received.

    Parameters
    ----------
    df : pandas.DataFrame
        Canonical ``households`` table.
    design : SurveyDesign or PreparedDesign
        Survey design of ``df``.
    programmes : sequence of str, optional
        Programme codes or columns; default all ``rcv_<code>`` present.
    among : str or None, default "target_poor"
        0/1 column restricting the population (e.g. the poor); ``None`` = everyone.
    by : str or sequence of str, optional
        Domain columns.
    unit : {"households", "persons"}, default "households"
        Count households or persons.
    size : str, default "hh_size"
        Household size column.
    ci, level
        As in :func:`tkpk_lib.estimation.estimators.survey_total`.

    Returns
    -------
    pandas.DataFrame
        ``by`` columns, ``combination`` (codes joined with ``+`` in programme order,
        ``"none"`` for no programme), ``n_programmes``, ``among``, ``unit``, ``indicator``
        (``"number"``: survey total; ``"share"``: share of the ``among`` population), then
        the estimate columns (``n`` = sample households in the combination). Sorted by
        group and decreasing estimated number; only combinations seen in the sample.

    Examples
    --------
    >>> hh = pd.DataFrame({"w": 10.0, "rcv_pkh": [1, 1, 0, 0], "rcv_pbi": [1, 0, 0, 0]})
    >>> c = programme_combinations(hh, SurveyDesign("w"), ["pkh", "pbi"], among=None)
    >>> c[c["indicator"] == "number"][["combination", "estimate"]].values.tolist()
    [['none', 20.0], ['pkh', 10.0], ['pkh+pbi', 10.0]]
    """
    byl = _by_list(by)
    progs = _programme_columns(df, programmes)
    prep = _prep(df, design)
    m = _multiplier(df, unit, size)
    a = _flag(df, among) if among is not None else np.ones(len(df))
    flags = {p: _flag(df, c) for p, c in progs.items()}
    labels = _combo_labels(flags)
    present = [lab for lab in pd.unique(labels[a == 1])]
    work = _work_frame(df, byl)
    work["_a"] = a * m
    masks = [(labels == lab).astype(float) * a for lab in present]
    cols = [f"_k{j}" for j in range(len(present))]
    if not cols:
        raise TkpkError(f"programme_combinations: no household with {among} = 1")
    work = _with_columns(work, dict(zip(cols, (mk * m for mk in masks), strict=True)))
    tot = survey_total(work, prep, cols, by=byl or None, ci=ci, level=level)
    shr = survey_ratio(work, prep, cols, ["_a"] * len(cols), by=byl or None, ci=ci, level=level)
    n, nw = _counts(work, byl, np.column_stack(masks), prep.w * m)
    n_dom = n.shape[1]
    for frame, ind in ((tot, "number"), (shr, "share")):
        frame["n"] = n.T.ravel().astype(np.int64)
        frame["n_weighted"] = nw.T.ravel()
        frame["combination"] = np.tile(np.array(present, dtype=object), n_dom)
        frame["indicator"] = ind
    out = pd.concat([tot, shr], ignore_index=True).drop(columns="variable")
    out["n_programmes"] = [0 if c == "none" else c.count("+") + 1 for c in out["combination"]]
    out["among"] = among if among is not None else "all"
    out["unit"] = unit
    # order: by group, decreasing number, number before share
    num = out[out["indicator"] == "number"].set_index([*byl, "combination"])["estimate"]
    key = (
        pd.MultiIndex.from_frame(out[[*byl, "combination"]])
        if byl
        else pd.Index(out["combination"])
    )
    out["_size"] = -num.reindex(key).to_numpy()
    out["_i"] = (out["indicator"] == "share").astype(int)
    out = out.sort_values([*byl, "_size", "combination", "_i"], kind="stable", ignore_index=True)
    # drop combinations absent in a domain (n = 0) to keep tables short
    out = out[out["n"] > 0].reset_index(drop=True)
    return out[[*byl, "combination", "n_programmes", "among", "unit", "indicator", *_STATS]]


def overlap_matrix(
    df: pd.DataFrame,
    design: SurveyDesign | PreparedDesign,
    programmes: Sequence[str] | None = None,
    among: str | None = None,
    by: By = None,
    *,
    unit: Unit = "households",
    size: str = "hh_size",
    ci: Literal["normal", "logit"] = "normal",
    level: float = 0.95,
) -> pd.DataFrame:
    """Pairwise overlap of programmes: joint receipt, conditional receipt and numbers.

    Parameters
    ----------
    df : pandas.DataFrame
        Canonical ``households`` table.
    design : SurveyDesign or PreparedDesign
        Survey design of ``df``.
    programmes : sequence of str, optional
        Programme codes or columns; default all ``rcv_<code>`` present.
    among : str or None, default None
        0/1 column restricting the population; ``None`` = everyone.
    by : str or sequence of str, optional
        Domain columns.
    unit, size, ci, level
        As in :func:`programme_combinations`.

    Returns
    -------
    pandas.DataFrame
        One row per ``by`` group x ordered pair (``programme_a``, ``programme_b``) x
        ``indicator``: ``"share_both"`` = P(a and b | among) (diagonal: P(a)),
        ``"share_b_given_a"`` = P(b | a, among) (e.g. the share of PKH recipients who
        also get BPNT; diagonal 1), ``"number_both"`` = estimated households receiving
        both. ``n``/``n_weighted``: sample and estimated size of the denominator (the
        ``among`` population, the recipients of a) or, for numbers, of the pair. Pivot with ``pivot_table(index="programme_a", columns="programme_b",
        values="estimate")`` for a matrix.

    Examples
    --------
    >>> hh = pd.DataFrame({"w": 1.0, "rcv_pkh": [1, 1, 0, 0], "rcv_bpnt": [1, 0, 1, 0]})
    >>> o = overlap_matrix(hh, SurveyDesign("w"), ["pkh", "bpnt"])
    >>> o.query("indicator == 'share_b_given_a' and programme_a == 'pkh' and programme_b == 'bpnt'")[
    ...     "estimate"].item()
    0.5
    """
    byl = _by_list(by)
    progs = _programme_columns(df, programmes)
    prep = _prep(df, design)
    m = _multiplier(df, unit, size)
    a = _flag(df, among) if among is not None else np.ones(len(df))
    flags = {p: _flag(df, c) * a for p, c in progs.items()}
    work = _work_frame(df, byl)
    work["_a"] = a * m
    names = list(progs)
    pairs = [(x, y) for x in names for y in names]
    both, masks, masks_a = [], [], []
    new = {}
    for i, (x, y) in enumerate(pairs):
        new[f"_b{i}"] = flags[x] * flags[y] * m
        both.append(f"_b{i}")
        masks.append(flags[x] * flags[y])
        masks_a.append(flags[x])
    for x in names:
        new[f"_d_{x}"] = flags[x] * m
    work = _with_columns(work, new)
    sb = survey_ratio(work, prep, both, ["_a"] * len(both), by=byl or None, ci=ci, level=level)
    cg = survey_ratio(
        work, prep, both, [f"_d_{x}" for x, _ in pairs], by=byl or None, ci=ci, level=level
    )
    nb = survey_total(work, prep, both, by=byl or None, ci=ci, level=level)
    counts = {
        "share_both": _counts(work, byl, np.column_stack([a] * len(pairs)), prep.w * m),
        "share_b_given_a": _counts(work, byl, np.column_stack(masks_a), prep.w * m),
        "number_both": _counts(work, byl, np.column_stack(masks), prep.w * m),
    }
    n_dom = counts["share_both"][0].shape[1]
    frames = []
    for frame, ind in ((sb, "share_both"), (cg, "share_b_given_a"), (nb, "number_both")):
        frame = frame.drop(columns="variable")
        frame["programme_a"] = np.tile(np.array([x for x, _ in pairs], dtype=object), n_dom)
        frame["programme_b"] = np.tile(np.array([y for _, y in pairs], dtype=object), n_dom)
        frame["indicator"] = ind
        n, nw = counts[ind]
        frame["n"] = n.T.ravel().astype(np.int64)
        frame["n_weighted"] = nw.T.ravel()
        frame["_i"] = ("share_both", "share_b_given_a", "number_both").index(ind)
        frames.append(frame)
    out = pd.concat(frames, ignore_index=True)
    out["among"] = among if among is not None else "all"
    out["unit"] = unit
    order = {p: i for i, p in enumerate(names)}
    out["_a"] = out["programme_a"].map(order)
    out["_b"] = out["programme_b"].map(order)
    out = out.sort_values([*byl, "_i", "_a", "_b"], kind="stable", ignore_index=True)
    return out[[*byl, "programme_a", "programme_b", "among", "unit", "indicator", *_STATS]]
