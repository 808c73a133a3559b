"""Survey side of programme coverage: coverage, targeting errors, receipt by group (facade of the split).

Target groups live in :mod:`~tkpk_lib.analysis.targets`, combinations and overlaps in
:mod:`~tkpk_lib.analysis.programme_overlap`, the UpSet figure in
:mod:`~tkpk_lib.analysis.coverage_figures` and shared helpers in
:mod:`~tkpk_lib.analysis.coverage_base`; all are re-exported here, so ``tkpk_lib.analysis.coverage``
(and ``tkpk_lib.analysis.coverage``) keeps every name it had.

Works on the canonical ``households`` table (Susenas KOR + KP) with its household weights
and a :class:`~tkpk_lib.estimation.design.SurveyDesign`. Every indicator is a ratio of two weighted
totals and is estimated with :func:`tkpk_lib.estimation.estimators.survey_ratio` or
:func:`~tkpk_lib.estimation.estimators.survey_total`, so its standard error is design-based
(linearisation, strata and PSUs kept; domains by the zero-outside-the-domain rule).

Indicators (domain notes 3.1; ASPIRE and Brown, Ravallion & van de Walle 2016)
------------------------------------------------------------------------------
With ``r`` = received (0/1), ``t`` = in the target group (0/1), ``m`` = 1 for households
or the household size for persons, and sums weighted by the household weight:

* coverage = sum(r t m) / sum(t m) = P(received | target);
* exclusion_error = 1 - coverage (undercoverage);
* inclusion_error = sum(r (1 - t) m) / sum(r m) = P(not target | received) (leakage);
* target_share_of_recipients = 1 - inclusion_error.

A complement ``1 - p`` has the same standard error as ``p`` and the interval
``[1 - ci_high, 1 - ci_low]``; its RSE and reliability class are recomputed.

Target groups (:func:`add_targets`): ``target_poor`` (below the poverty line),
``target_b40`` (bottom 40% of persons in the kabupaten), ``target_registry`` (linked
registry decile 1-4). The results depend on the target definition: reports must say which
one they use.
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
    _complement,
    _counts,
    _flag,
    _multiplier,
    _prep,
    _programme_columns,
    _with_columns,
    _work_frame,
)

# re-exported: the coverage module of the old layout held these (public API kept)
from tkpk_lib.analysis.coverage_figures import upset_figure  # noqa: F401
from tkpk_lib.analysis.programme_overlap import (  # noqa: F401
    _combo_labels,
    overlap_matrix,
    programme_combinations,
)
from tkpk_lib.analysis.targets import add_targets, weighted_quantile_groups  # noqa: F401
from tkpk_lib.errors import Problem, SchemaError
from tkpk_lib.estimation.design import PreparedDesign, SurveyDesign
from tkpk_lib.estimation.estimators import (
    survey_ratio,
    survey_total,
)

__all__ = [
    "INDICATORS",
    "add_targets",
    "coverage_by_group",
    "overlap_matrix",
    "programme_combinations",
    "programme_receipt",
    "targeting",
    "targeting_own",
    "upset_figure",
    "weighted_quantile_groups",
]


INDICATORS: tuple[str, ...] = (
    "coverage",
    "exclusion_error",
    "inclusion_error",
    "target_share_of_recipients",
)


"""Indicators returned by :func:`targeting`, in order."""


INDICATOR_LABELS: dict[str, str] = {
    "coverage": "Cakupan (sasaran yang menerima)",
    "exclusion_error": "Kesalahan eksklusi (sasaran yang tidak menerima)",
    "inclusion_error": "Kesalahan inklusi (penerima di luar sasaran)",
    "target_share_of_recipients": "Penerima yang tepat sasaran",
    "beneficiary_incidence": "Sebaran penerima",
    "number": "Perkiraan jumlah",
    "share": "Persentase",
}


"""Indonesian labels of the indicators for report tables."""


def targeting(
    df: pd.DataFrame,
    design: SurveyDesign | PreparedDesign,
    received: str | Sequence[str],
    target: str | dict[str, str],
    by: By = None,
    *,
    unit: Unit = "households",
    size: str = "hh_size",
    ci: Literal["normal", "logit"] = "normal",
    level: float = 0.95,
) -> pd.DataFrame:
    """Coverage and targeting errors of programmes against a target group, with sampling errors.

    Parameters
    ----------
    df : pandas.DataFrame
        Canonical ``households`` table (with target columns, see :func:`add_targets`).
    design : SurveyDesign or PreparedDesign
        Survey design of ``df``.
    received : str, sequence of str or None
        Receipt flag(s): programme codes (``"pkh"``) or columns (``"rcv_pkh"``); ``None``
        for every ``rcv_<code>`` column present.
    target : str or dict of str to str
        0/1 target-group column (``target_poor``, ``target_b40``, ``target_registry``...), or
        one column per programme (``{"pip": "target_own_pip", ...}``; all in one estimation).
    by : str or sequence of str, optional
        Domain columns (e.g. ``"kab_code"``).
    unit : {"households", "persons"}, default "households"
        Count households (household weight) or persons (weight x ``size``).
    size : str, default "hh_size"
        Household size column for ``unit="persons"``.
    ci, level
        Interval type and level, as in :func:`tkpk_lib.estimation.estimators.survey_ratio`.

    Returns
    -------
    pandas.DataFrame
        One row per ``by`` group x programme x indicator (:data:`INDICATORS`):
        ``by`` columns, ``programme``, ``target``, ``unit``, ``indicator``, ``estimate``,
        ``se``, ``ci_low``, ``ci_high``, ``rse``, ``deff``, ``n``, ``n_weighted``,
        ``reliability``. Here ``n`` is the number of sample households in the denominator
        group (target households for coverage/exclusion, recipient households for
        inclusion/target share) and ``n_weighted`` its estimated size (households or persons).

    Examples
    --------
    >>> hh = pd.DataFrame({"w": 1.0, "poor": [1, 1, 1, 0, 0], "rcv_pkh": [1, 0, 1, 1, 0]})
    >>> t = targeting(hh, SurveyDesign("w"), "pkh", "poor")
    >>> t.set_index("indicator")["estimate"].round(4).to_dict()
    {'coverage': 0.6667, 'exclusion_error': 0.3333, 'inclusion_error': 0.3333, 'target_share_of_recipients': 0.6667}
    """
    byl = _by_list(by)
    progs = _programme_columns(df, [received] if isinstance(received, str) else received)  # None: all
    tcols = {p: (target if isinstance(target, str) else target.get(p, "")) for p in progs}
    for col in dict.fromkeys(tcols.values()):
        if col not in df.columns:
            raise SchemaError([Problem("households", col or "target", "target column not found (see add_targets)")])
    prep = _prep(df, design)
    flags = {c: _flag(df, c) for c in dict.fromkeys(tcols.values())}
    m = _multiplier(df, unit, size)
    work = _work_frame(df, byl)
    nums, dens, masks = [], [], []
    new: dict[str, np.ndarray] = {}
    for i, (p, col) in enumerate(progs.items()):
        t = flags[tcols[p]]
        r = _flag(df, col)
        new[f"_c{i}"], new[f"_t{i}"] = r * t * m, t * m
        new[f"_i{i}"], new[f"_r{i}"] = r * (1 - t) * m, r * m
        nums += [f"_c{i}", f"_i{i}"]
        dens += [f"_t{i}", f"_r{i}"]
        masks += [t, r]
    work = _with_columns(work, new)
    res = survey_ratio(work, prep, nums, dens, by=byl or None, ci=ci, level=level)
    n, nw = _counts(work, byl, np.column_stack(masks), prep.w * m)
    n_dom = n.shape[1]
    # survey_ratio output is domain-major, variable-minor
    res["n"] = n.T.ravel().astype(np.int64)
    res["n_weighted"] = nw.T.ravel()
    # all programmes at once: rows (domain, programme) of the coverage and inclusion ratios
    cov = res.iloc[0::2].drop(columns="variable").reset_index(drop=True)
    inc = res.iloc[1::2].drop(columns="variable").reset_index(drop=True)
    prog = np.tile(np.array(list(progs), dtype=object), n_dom)
    parts = []
    for name, frame in (
        ("coverage", cov),
        ("exclusion_error", _complement(cov)),
        ("inclusion_error", inc),
        ("target_share_of_recipients", _complement(inc)),
    ):
        parts.append(frame.assign(programme=prog, target=[tcols[p] for p in prog], unit=unit, indicator=name))
    out = pd.concat(parts, ignore_index=True)
    out["_p"] = out["programme"].map({p: i for i, p in enumerate(progs)})
    out["_i"] = out["indicator"].map({p: i for i, p in enumerate(INDICATORS)})
    out = out.sort_values([*byl, "_p", "_i"], kind="stable", ignore_index=True).drop(
        columns=["_p", "_i"]
    )
    return out[[*byl, "programme", "target", "unit", "indicator", *_STATS]]


def targeting_own(
    df: pd.DataFrame,
    design: SurveyDesign | PreparedDesign,
    by: By = None,
    *,
    catalogue: pd.DataFrame | None = None,
    ci: Literal["normal", "logit"] = "normal",
    level: float = 0.95,
) -> pd.DataFrame:
    """Coverage and targeting errors of each programme against its own target group (programme catalogue).

    The target group of each programme comes from
    :func:`~tkpk_lib.analysis.programme_catalogue.survey_targets` (decile range, required
    members, the kind of area it applies to), not from one definition for all programmes:
    LPG 3 kg or PBI-JKN are judged against the bottom 40%, PIP against families with
    school-age children in it, BLT Dana Desa against those living in desa. Programmes whose
    target cannot be observed in Susenas (``survey_target`` 0, KUR) are left out.

    Parameters
    ----------
    df : pandas.DataFrame
        Households with ``welfare_decile`` (see :func:`add_targets`), ``rcv_<code>`` and the
        columns the catalogue's target groups name; ``target_own_<code>`` columns already
        present are used as they are.
    design : SurveyDesign or PreparedDesign
        Survey design of ``df``.
    by : str or sequence of str, optional
        Domain columns (e.g. ``["kab_code", "head_female"]``).
    catalogue : DataFrame, optional
        Programme catalogue; default the active one.
    ci, level
        As in :func:`targeting`.

    Returns
    -------
    pandas.DataFrame
        The columns of :func:`targeting` (``target`` = ``target_own_<code>``, unit households)
        plus ``target_group`` (the catalogue's words), programmes in catalogue order.

    Examples
    --------
    >>> hh = pd.DataFrame({"w": 1.0, "welfare_decile": [1, 2, 3, 8, 9], "kec_code": "170101",
    ...     "n_children_7_18": [1, 0, 1, 1, 0], "rcv_pip": [1, 0, 0, 1, 0]})
    >>> t = targeting_own(hh, SurveyDesign("w")).set_index("indicator")
    >>> t.loc[["coverage", "inclusion_error"], "estimate"].tolist()
    [0.5, 0.5]
    """
    from tkpk_lib.analysis.programme_catalogue import load_catalogue, survey_targets

    cat = load_catalogue() if catalogue is None else catalogue
    data = df if any(c.startswith("target_own_") for c in df.columns) else survey_targets(df, cat)
    words = dict(zip(cat["code"], cat["target_group"], strict=True))
    codes = [c for c in cat["code"] if f"target_own_{c}" in data.columns and f"rcv_{c}" in data.columns]
    if not codes:
        raise SchemaError([Problem("households", "rcv_<code>", "no programme of the catalogue with a "
                                   "receipt column and a survey target group")])
    t = targeting(data, design, codes, {c: f"target_own_{c}" for c in codes}, by=by, ci=ci, level=level)
    return t.assign(target_group=t["programme"].map(words))


def coverage_by_group(
    df: pd.DataFrame,
    design: SurveyDesign | PreparedDesign,
    programmes: Sequence[str] | None = None,
    group: str = "welfare_decile",
    by: By = None,
    *,
    unit: Unit = "households",
    size: str = "hh_size",
    ci: Literal["normal", "logit"] = "normal",
    level: float = 0.95,
) -> pd.DataFrame:
    """Coverage of each welfare group and beneficiary incidence across groups (ASPIRE style).

    Parameters
    ----------
    df : pandas.DataFrame
        Canonical ``households`` table with ``group`` (see :func:`add_targets`).
    design : SurveyDesign or PreparedDesign
        Survey design of ``df``.
    programmes : sequence of str, optional
        Programme codes or ``rcv_`` columns; default all ``rcv_<code>`` present.
    group : str, default "welfare_decile"
        Group column (deciles, quintiles, or any categorical column).
    by : str or sequence of str, optional
        Domain columns (e.g. ``"kab_code"``).
    unit : {"households", "persons"}, default "households"
        Count households or persons (weight x ``size``; ASPIRE coverage counts persons).
    size : str, default "hh_size"
        Household size column.
    ci, level
        As in :func:`tkpk_lib.estimation.estimators.survey_ratio`.

    Returns
    -------
    pandas.DataFrame
        ``by`` columns, ``group`` column, ``programme``, ``unit``, ``indicator`` in
        {``"coverage"`` = P(received | group), ``"beneficiary_incidence"`` =
        P(group | received)}, then the estimate columns. Incidence sums to 1 over groups
        within a ``by`` group and programme. ``n`` counts sample households in the
        denominator (the group for coverage, the recipients for incidence).

    Examples
    --------
    >>> hh = pd.DataFrame({"w": 1.0, "q": [1, 1, 2, 2], "rcv_pkh": [1, 1, 1, 0]})
    >>> r = coverage_by_group(hh, SurveyDesign("w"), ["pkh"], group="q")
    >>> r[["q", "indicator", "estimate"]].values.tolist()  # doctest: +NORMALIZE_WHITESPACE
    [[1, 'coverage', 1.0], [1, 'beneficiary_incidence', 0.6666666666666666],
     [2, 'coverage', 0.5], [2, 'beneficiary_incidence', 0.3333333333333333]]
    """
    byl = _by_list(by)
    if group not in df.columns:
        raise SchemaError([Problem("households", group, "group column not found")])
    progs = _programme_columns(df, programmes)
    prep = _prep(df, design)
    m = _multiplier(df, unit, size)
    work = _work_frame(df, [*byl, group])
    gcode, levels = pd.factorize(df[group], sort=True)
    flags = {p: _flag(df, c) for p, c in progs.items()}
    # coverage: ratio by [by, group]
    nums, dens, masks = [], [], []
    new = {f"_y{i}": flags[p] * m for i, p in enumerate(progs)}
    nums = list(new)
    new["_m"] = m
    work = _with_columns(work, new)
    cov = survey_ratio(work, prep, nums, ["_m"] * len(nums), by=[*byl, group], ci=ci, level=level)
    n, nw = _counts(work, [*byl, group], np.ones((len(df), len(nums))), prep.w * m)
    cov["n"] = n.T.ravel().astype(np.int64)
    cov["n_weighted"] = nw.T.ravel()
    cov["programme"] = np.tile(np.array(list(progs), dtype=object), n.shape[1])
    cov["indicator"] = "coverage"
    # incidence: ratio by [by] for each group level
    nums, dens, meta = [], [], []
    new = {}
    for i, p in enumerate(progs):
        for j, lev in enumerate(levels):
            ing = (gcode == j).astype(float)
            new[f"_n{i}_{j}"] = ing * flags[p] * m
            nums.append(f"_n{i}_{j}")
            dens.append(f"_y{i}")
            masks.append(ing * flags[p])
            meta.append((p, lev))
    work = _with_columns(work, new)
    inc = survey_ratio(work, prep, nums, dens, by=byl or None, ci=ci, level=level)
    n, nw = _counts(work, byl, np.column_stack(masks), prep.w * m)
    inc["n"] = n.T.ravel().astype(np.int64)
    inc["n_weighted"] = nw.T.ravel()
    n_dom = n.shape[1]
    inc["programme"] = np.tile(np.array([a for a, _ in meta], dtype=object), n_dom)
    inc[group] = np.tile(np.array([b for _, b in meta], dtype=object), n_dom)
    inc[group] = inc[group].astype(df[group].dtype) if df[group].dtype.kind in "iuf" else inc[group]
    inc["indicator"] = "beneficiary_incidence"
    out = pd.concat([cov.drop(columns="variable"), inc.drop(columns="variable")], ignore_index=True)
    out["unit"] = unit
    out["_p"] = out["programme"].map({p: i for i, p in enumerate(progs)})
    out["_i"] = (out["indicator"] == "beneficiary_incidence").astype(int)
    out = out.sort_values([*byl, "_p", group, "_i"], kind="stable", ignore_index=True)
    return out[[*byl, group, "programme", "unit", "indicator", *_STATS]]


def programme_receipt(df: pd.DataFrame, design: SurveyDesign | PreparedDesign,
                      programmes: Sequence[str] | None = None, by: By = None, *, among: str | None = None,
                      unit: Unit = "households", size: str = "hh_size",
                      ci: Literal["normal", "logit"] = "normal", level: float = 0.95) -> pd.DataFrame:
    """Estimated number and share of households (or persons) receiving each programme.

    The survey counterpart of the registry's recipient counts
    (:func:`tkpk_lib.analysis.registry.registry_coverage`, column ``recipients``) for
    :func:`tkpk_lib.analysis.registry.compare_survey_registry` with ``registry_value="recipients"``
    and ``indicator="number"``.

    Parameters
    ----------
    df : pandas.DataFrame
        Canonical ``households`` table.
    design : SurveyDesign or PreparedDesign
        Survey design of ``df``.
    programmes : sequence of str, optional
        Programme codes or columns; default all ``rcv_<code>`` present.
    by : str or sequence of str, optional
        Domain columns.
    among : str or None, default None
        0/1 column restricting the population; ``None`` = everyone.
    unit, size, ci, level
        As in :func:`targeting`.

    Returns
    -------
    pandas.DataFrame
        ``by`` columns, ``programme``, ``among``, ``unit``, ``indicator`` (``"number"``:
        survey total of recipients; ``"share"``: recipients / population of the group),
        then the estimate columns (``n`` = sample recipients for numbers, sample
        households of the group for shares).

    Examples
    --------
    >>> hh = pd.DataFrame({"w": [10.0, 10.0, 20.0], "rcv_pkh": [1, 0, 1]})
    >>> programme_receipt(hh, SurveyDesign("w"), ["pkh"])["estimate"].tolist()
    [30.0, 0.75]
    """
    byl = _by_list(by)
    progs = _programme_columns(df, programmes)
    prep = _prep(df, design)
    m = _multiplier(df, unit, size)
    a = _flag(df, among) if among is not None else np.ones(len(df))
    work = _work_frame(df, byl)
    work["_a"] = a * m
    cols, masks = [], []
    new = {}
    for i, c in enumerate(progs.values()):
        f = _flag(df, c) * a
        new[f"_r{i}"] = f * m
        cols.append(f"_r{i}")
        masks.append(f)
    work = _with_columns(work, new)
    tot = survey_total(work, prep, cols, by=byl or None, ci=ci, level=level)
    shr = survey_ratio(work, prep, cols, ["_a"] * len(cols), by=byl or None, ci=ci, level=level)
    n_num, nw_num = _counts(work, byl, np.column_stack(masks), prep.w * m)
    n_den, nw_den = _counts(work, byl, np.column_stack([a] * len(cols)), prep.w * m)
    n_dom = n_num.shape[1]
    for frame, ind, (n, nw) in ((tot, "number", (n_num, nw_num)), (shr, "share", (n_den, nw_den))):
        frame["n"] = n.T.ravel().astype(np.int64)
        frame["n_weighted"] = nw.T.ravel()
        frame["programme"] = np.tile(np.array(list(progs), dtype=object), n_dom)
        frame["indicator"] = ind
    out = pd.concat([tot, shr], ignore_index=True).drop(columns="variable")
    out["among"] = among if among is not None else "all"
    out["unit"] = unit
    out["_p"] = out["programme"].map({p: i for i, p in enumerate(progs)})
    out["_i"] = (out["indicator"] == "share").astype(int)
    out = out.sort_values([*byl, "_p", "_i"], kind="stable", ignore_index=True)
    return out[[*byl, "programme", "among", "unit", "indicator", *_STATS]]
