"""Counts of the welfare registry for the TKPK tables: summaries, roll-ups, combinations, coverage.

:func:`registry_summary` (:func:`rollup_summary` for coarser levels without a new scan),
:func:`registry_combinations`, :func:`registry_coverage` and :func:`compare_survey_registry`
(registry coverage against the Susenas estimate and its confidence interval).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from tkpk_lib.analysis.registry_rules import _active, _flags, _q
from tkpk_lib.analysis.registry_source import RegistrySource, _by_list, _fetch, _Source
from tkpk_lib.data.schemas import PROGRAMMES
from tkpk_lib.errors import Problem, SchemaError, TkpkError


def registry_summary(registry: RegistrySource, rules: pd.DataFrame | str | Path | None = None,
                     by: str | Sequence[str] | None = ("kab_code", "kec_code", "desa_code"), *,
                     programmes: Sequence[str] | None = None) -> pd.DataFrame:
    """Eligible, covered and missing households per programme and region.

    Parameters
    ----------
    registry : DataFrame, path, folder, glob or list of paths
        Canonical ``registry`` table.
    rules : DataFrame or path, optional
        Needs rules; default the shipped rules.
    by : str or sequence of str, default ("kab_code", "kec_code", "desa_code")
        Grouping columns; ``None`` or ``()`` for the whole registry.
    programmes : sequence of str, optional
        Restrict to these programme codes.

    Returns
    -------
    pandas.DataFrame
        One row per group x programme (rule order, then ``"any"``) with
        ``n_households``, ``eligible``, ``received``, ``covered`` (eligible and
        receiving), ``missing`` (eligible, not receiving), ``received_not_eligible``,
        ``coverage_rate`` = covered / eligible and ``leakage_rate`` =
        received_not_eligible / received (NaN when the denominator is 0).
        For ``"any"``: eligible = eligible for at least one programme, missing = missing
        at least one programme (households on the follow-up list), covered = eligible
        and missing none, received = receives at least one programme with a rule,
        received_not_eligible = receives a programme it is not eligible for.

    Examples
    --------
    >>> reg = pd.DataFrame({"row_no": [1, 2, 3], "kab_code": "1701", "kec_code": "170101",
    ...     "desa_code": "1701012001", "decile": [1, 2, 8], "n_children_7_18": [2, 1, 1],
    ...     "rcv_pip": [0, 1, 1]})
    >>> s = registry_summary(reg, by="kab_code", programmes=["pip"])
    >>> s.loc[0, ["eligible", "covered", "missing", "received_not_eligible"]].tolist()
    [2, 1, 1, 1]
    """
    r = _active(rules, programmes)
    flags = _flags(r)
    byl = _by_list(by)
    for b in byl:
        _q(b)
    aggs = ["count(*) AS n_households"]
    for p, (e, rc) in flags.items():
        aggs += [
            f"count(*) FILTER (WHERE {e}) AS \"eligible|{p}\"",
            f"count(*) FILTER (WHERE {rc}) AS \"received|{p}\"",
            f"count(*) FILTER (WHERE ({e}) AND {rc}) AS \"covered|{p}\"",
            f"count(*) FILTER (WHERE ({e}) AND NOT {rc}) AS \"missing|{p}\"",
            f"count(*) FILTER (WHERE NOT ({e}) AND {rc}) AS \"received_not_eligible|{p}\"",
        ]
    any_e = " OR ".join(f"({e})" for e, _ in flags.values())
    any_m = " OR ".join(f"(({e}) AND NOT {rc})" for e, rc in flags.values())
    any_r = " OR ".join(rc for _, rc in flags.values())
    any_l = " OR ".join(f"(NOT ({e}) AND {rc})" for e, rc in flags.values())
    aggs += [
        f"count(*) FILTER (WHERE {any_e}) AS \"eligible|any\"",
        f"count(*) FILTER (WHERE {any_r}) AS \"received|any\"",
        f"count(*) FILTER (WHERE ({any_e}) AND NOT ({any_m})) AS \"covered|any\"",
        f"count(*) FILTER (WHERE {any_m}) AS \"missing|any\"",
        f"count(*) FILTER (WHERE {any_l}) AS \"received_not_eligible|any\"",
    ]
    bysql = ", ".join(_q(b) for b in byl)
    sql = f"SELECT {bysql + ', ' if byl else ''}{', '.join(aggs)} FROM src"
    if byl:
        sql += f" GROUP BY {bysql} ORDER BY {bysql}"
    with _Source(registry) as s:
        s.check(r, extra=byl)
        wide = _fetch(s.con, sql)
    parts = []
    for p in [*flags, "any"]:
        part = wide[[*byl, "n_households"]].copy()
        part.insert(len(byl), "programme", p)
        for m in _SUMMARY_COUNTS[1:]:
            part[m] = wide[f"{m}|{p}"].astype("int64")
        parts.append(part)
    res = pd.concat(parts, ignore_index=True)
    return _finish_summary(res, byl, [*flags, "any"])


_SUMMARY_COUNTS = ("n_households", "eligible", "received", "covered", "missing", "received_not_eligible")


def _finish_summary(res: pd.DataFrame, byl: list[str], order: Sequence[str]) -> pd.DataFrame:
    """Sort a long summary by group and rule order and add the two rates."""
    pos = {p: i for i, p in enumerate(order)}
    res = res.assign(_o=res["programme"].map(pos)).sort_values([*byl, "_o"], kind="stable",
                                                               ignore_index=True).drop(columns="_o")
    res["n_households"] = res["n_households"].astype("int64")
    with np.errstate(divide="ignore", invalid="ignore"):
        res["coverage_rate"] = np.where(res["eligible"] > 0, res["covered"] / res["eligible"].where(
            res["eligible"] > 0, 1), np.nan)
        res["leakage_rate"] = np.where(res["received"] > 0, res["received_not_eligible"] / res["received"].where(
            res["received"] > 0, 1), np.nan)
    return res


def rollup_summary(summary: pd.DataFrame, by: str | Sequence[str] | None = ("kab_code",)) -> pd.DataFrame:
    """A :func:`registry_summary` at a coarser level, from a finer one without a new scan.

    Every count of the summary (households, eligible, received, covered, missing,
    received-not-eligible, also for ``"any"``) is a number of households of the group, so
    the counts of a coarser group are the sums over its finer groups; the rates are then
    recomputed. The result equals ``registry_summary(registry, by=by)`` (same rows, order,
    columns and types), which the tests check.

    Parameters
    ----------
    summary : pandas.DataFrame
        Output of :func:`registry_summary` grouped by a superset of ``by`` (e.g. by
        ``kab_code, kec_code, desa_code``).
    by : str, sequence of str or None, default ("kab_code",)
        Coarser grouping columns; ``None`` or ``()`` for the whole registry.

    Returns
    -------
    pandas.DataFrame
        As :func:`registry_summary` with ``by``.

    Examples
    --------
    >>> reg = pd.DataFrame({"row_no": [1, 2, 3], "kab_code": "1701", "kec_code": "170101",
    ...     "desa_code": ["1701012001", "1701012001", "1701012002"], "decile": [1, 2, 8],
    ...     "n_children_7_18": [2, 1, 1], "rcv_pip": [0, 1, 1]})
    >>> desa = registry_summary(reg, programmes=["pip"])
    >>> rollup_summary(desa, by=None).loc[0, ["eligible", "covered", "missing"]].tolist()
    [2, 1, 1]
    """
    byl = _by_list(by)
    absent = [c for c in (*byl, "programme", *_SUMMARY_COUNTS) if c not in summary.columns]
    if absent:
        raise SchemaError([Problem("registry summary", c, "required column missing") for c in absent])
    order = list(dict.fromkeys(summary["programme"]))  # rule order, then "any"
    res = summary.groupby([*byl, "programme"], sort=False, dropna=False)[list(_SUMMARY_COUNTS)].sum()
    res = res.reset_index()
    for m in _SUMMARY_COUNTS:
        res[m] = res[m].astype("int64")
    return _finish_summary(res, byl, order)


def registry_combinations(registry: RegistrySource, rules: pd.DataFrame | str | Path | None = None,
                          by: str | Sequence[str] | None = ("kab_code",), *, what: str = "missing",
                          programmes: Sequence[str] | None = None) -> pd.DataFrame:
    """Households by combination of programmes missing, received or eligible.

    Parameters
    ----------
    registry : DataFrame, path, folder, glob or list of paths
        Canonical ``registry`` table.
    rules : DataFrame or path, optional
        Needs rules; default the shipped rules.
    by : str or sequence of str, default ("kab_code",)
        Grouping columns; ``None`` for the whole registry.
    what : {"missing", "received", "eligible"}, default "missing"
        Which flags make up the combination.
    programmes : sequence of str, optional
        Restrict to these programme codes.

    Returns
    -------
    pandas.DataFrame
        ``by`` columns, ``combination`` (codes joined with ``+`` in rule order, ``"none"``
        when empty), ``n_programmes``, ``n_households``, ``share`` (of the group),
        sorted by group and decreasing count.

    Examples
    --------
    >>> reg = pd.DataFrame({"row_no": [1, 2], "kab_code": "1701", "kec_code": "170101",
    ...     "desa_code": "1701012001", "decile": [1, 9], "rcv_pbi": [0, 0], "rcv_bpnt": [0, 0]})
    >>> registry_combinations(reg, by=None, programmes=["bpnt", "pbi"])["combination"].tolist()
    ['bpnt+pbi', 'none']
    """
    if what not in ("missing", "received", "eligible"):
        raise TkpkError(f"registry_combinations: what must be missing, received or eligible, not {what!r}")
    r = _active(rules, programmes)
    flags = _flags(r)
    byl = _by_list(by)
    for b in byl:
        _q(b)
    pick = {"missing": lambda e, rc: f"(({e}) AND NOT {rc})",
            "received": lambda e, rc: rc,
            "eligible": lambda e, rc: f"({e})"}[what]
    cases = ", ".join(f"CASE WHEN {pick(e, rc)} THEN '{p}' END" for p, (e, rc) in flags.items())
    nprog = " + ".join(f"CAST({pick(e, rc)} AS INTEGER)" for e, rc in flags.values())
    bysql = ", ".join(_q(b) for b in byl)
    sql = f"""
SELECT {bysql + ', ' if byl else ''}
       CASE WHEN combo = '' THEN 'none' ELSE combo END AS combination,
       any_value(np) AS n_programmes, count(*) AS n_households
FROM (SELECT *, concat_ws('+', {cases}) AS combo, {nprog} AS np FROM src)
GROUP BY {bysql + ', ' if byl else ''}combo
"""
    with _Source(registry) as s:
        s.check(r, extra=byl)
        res = _fetch(s.con, sql)
    res["n_programmes"] = res["n_programmes"].astype("int64")
    res["n_households"] = res["n_households"].astype("int64")
    tot = res.groupby(byl)["n_households"].transform("sum") if byl else res["n_households"].sum()
    res["share"] = res["n_households"] / tot
    res = res.sort_values([*byl, "n_households", "combination"], ascending=[True] * len(byl) + [False, True],
                          kind="stable", ignore_index=True)
    return res


def registry_coverage(registry: RegistrySource, by: str | Sequence[str] | None = ("kab_code",), *,
                      max_decile: int = 4, programmes: Sequence[str] | None = None) -> pd.DataFrame:
    """Registry receipt counts and coverage of deciles 1..``max_decile``, per group and programme.

    This is the registry counterpart of the Susenas coverage of households whose linked
    registry decile is 1-4 (``target_registry`` in :func:`tkpk_lib.analysis.coverage.add_targets`),
    for :func:`compare_survey_registry`.

    Parameters
    ----------
    registry : DataFrame, path, folder, glob or list of paths
        Canonical ``registry`` table.
    by : str or sequence of str, default ("kab_code",)
        Grouping columns.
    max_decile : int, default 4
        Target deciles are 1..max_decile.
    programmes : sequence of str, optional
        Programme codes; default every ``rcv_<code>`` of :data:`tkpk_lib.data.schemas.PROGRAMMES`
        present in the registry.

    Returns
    -------
    pandas.DataFrame
        ``by`` columns, ``programme``, ``n_households``, ``n_target``, ``recipients``,
        ``recipients_in_target``, ``coverage`` (= recipients_in_target / n_target),
        ``target_share_of_recipients`` (= recipients_in_target / recipients).

    Examples
    --------
    >>> reg = pd.DataFrame({"row_no": [1, 2, 3], "kab_code": "1701", "decile": [1, 3, 7],
    ...     "rcv_pkh": [1, 0, 1]})
    >>> registry_coverage(reg, programmes=["pkh"])[["coverage", "target_share_of_recipients"]].values.tolist()
    [[0.5, 0.5]]
    """
    if not 1 <= int(max_decile) <= 10:
        raise TkpkError(f"registry_coverage: max_decile must be 1-10, not {max_decile}")
    byl = _by_list(by)
    with _Source(registry) as s:
        progs = list(programmes) if programmes is not None else [
            p for p in PROGRAMMES if f"rcv_{p}" in s.columns]
        for p in progs:
            if p not in PROGRAMMES:
                raise TkpkError(f"registry_coverage: unknown programme {p!r}")
        s.check_columns(["row_no", "decile", *byl, *(f"rcv_{p}" for p in progs)])
        k = int(max_decile)
        aggs = ["count(*) AS n_households", f'count(*) FILTER (WHERE "decile" <= {k}) AS n_target']
        for p in progs:
            aggs += [f'sum(CAST("rcv_{p}" AS BIGINT)) AS "recipients|{p}"',
                     f'sum(CAST("rcv_{p}" AS BIGINT)) FILTER (WHERE "decile" <= {k}) AS "recipients_in_target|{p}"']
        bysql = ", ".join(_q(b) for b in byl)
        sql = f"SELECT {bysql + ', ' if byl else ''}{', '.join(aggs)} FROM src"
        if byl:
            sql += f" GROUP BY {bysql} ORDER BY {bysql}"
        wide = _fetch(s.con, sql)
    parts = []
    for p in progs:
        part = wide[[*byl, "n_households", "n_target"]].copy()
        part.insert(len(byl), "programme", p)
        part["recipients"] = wide[f"recipients|{p}"].fillna(0).astype("int64")
        part["recipients_in_target"] = wide[f"recipients_in_target|{p}"].fillna(0).astype("int64")
        parts.append(part)
    res = pd.concat(parts, ignore_index=True)
    res[["n_households", "n_target"]] = res[["n_households", "n_target"]].astype("int64")
    res["coverage"] = res["recipients_in_target"] / res["n_target"].where(res["n_target"] > 0)
    res["target_share_of_recipients"] = res["recipients_in_target"] / res["recipients"].where(res["recipients"] > 0)
    order = {p: i for i, p in enumerate(progs)}
    return res.assign(_o=res["programme"].map(order)).sort_values(
        [*byl, "_o"], kind="stable", ignore_index=True).drop(columns="_o")


def compare_survey_registry(survey_cov: pd.DataFrame, registry_cov: pd.DataFrame,
                            by: str | Sequence[str] = ("kab_code",), *, registry_value: str = "coverage",
                            indicator: str | None = "coverage") -> pd.DataFrame:
    """Registry coverage against the survey estimate and its confidence interval.

    A registry figure outside the survey confidence interval disagrees with the survey
    beyond sampling error: the registry flags, the linkage, the target definition or the
    survey answers need a look. The two inputs must measure the same thing, e.g. the
    Susenas coverage of households with linked registry decile 1-4
    (``coverage.targeting(..., target="target_registry")``) against
    :func:`registry_coverage` (``coverage`` column), or the survey total of recipients
    against the registry count of recipients (``registry_value="recipients"``).

    Parameters
    ----------
    survey_cov : pandas.DataFrame
        Survey estimates: ``by`` columns, ``programme``, ``estimate``, ``se``, ``ci_low``,
        ``ci_high`` (other columns such as ``reliability`` and ``n`` are kept). When it has
        an ``indicator`` column, only rows with ``indicator`` are used.
    registry_cov : pandas.DataFrame
        Registry figures: ``by`` columns, ``programme`` and ``registry_value``.
    by : str or sequence of str, default ("kab_code",)
        Columns to match on (besides ``programme``).
    registry_value : str, default "coverage"
        Column of ``registry_cov`` to compare.
    indicator : str or None, default "coverage"
        Indicator to keep when ``survey_cov`` has an ``indicator`` column.

    Returns
    -------
    pandas.DataFrame
        ``by``, ``programme``, ``survey_estimate``, ``se``, ``ci_low``, ``ci_high``,
        ``registry`` , ``difference`` (registry - survey), ``z`` (difference / se),
        ``agreement`` in {"within_ci", "registry_below", "registry_above",
        "no_survey_estimate", "no_registry_value"} and ``disagree`` (0/1), plus
        ``reliability``/``n`` of the survey when present.

    Examples
    --------
    >>> sv = pd.DataFrame({"kab_code": ["1701"], "programme": ["pkh"], "estimate": [0.40],
    ...     "se": [0.05], "ci_low": [0.30], "ci_high": [0.50]})
    >>> rg = pd.DataFrame({"kab_code": ["1701"], "programme": ["pkh"], "coverage": [0.62]})
    >>> compare_survey_registry(sv, rg)["agreement"].tolist()
    ['registry_above']
    """
    byl = _by_list(by)
    sv = survey_cov
    if indicator is not None and "indicator" in sv.columns:
        sv = sv[sv["indicator"] == indicator]
    need_s = [*byl, "programme", "estimate", "se", "ci_low", "ci_high"]
    miss = [c for c in need_s if c not in sv.columns]
    miss_r = [c for c in [*byl, "programme", registry_value] if c not in registry_cov.columns]
    if miss or miss_r:
        raise SchemaError([Problem("survey estimates", c, "required column missing") for c in miss]
                          + [Problem("registry figures", c, "required column missing") for c in miss_r])
    keys = [*byl, "programme"]
    for name, frame in (("survey estimates", sv), ("registry figures", registry_cov)):
        dup = frame.duplicated(keys, keep=False).to_numpy()
        if dup.any():
            raise SchemaError([Problem(name, ",".join(keys), "more than one row per group and programme",
                                       (np.flatnonzero(dup) + 1).tolist())])
    extra = [c for c in ("reliability", "n") if c in sv.columns]
    left = sv[[*need_s, *extra]].rename(columns={"estimate": "survey_estimate"})
    right = registry_cov[[*keys, registry_value]].rename(columns={registry_value: "registry"})
    res = left.merge(right, on=keys, how="outer", sort=True)
    res["difference"] = res["registry"] - res["survey_estimate"]
    res["z"] = res["difference"] / res["se"].where(res["se"] > 0)
    agree = np.select(
        [res["survey_estimate"].isna(), res["registry"].isna(),
         res["registry"] < res["ci_low"], res["registry"] > res["ci_high"]],
        ["no_survey_estimate", "no_registry_value", "registry_below", "registry_above"],
        default="within_ci")
    res["agreement"] = pd.Series(agree, index=res.index, dtype=object).astype("str")
    res["disagree"] = res["agreement"].isin(["registry_below", "registry_above"]).astype("int8")
    cols = [*keys, "survey_estimate", "se", "ci_low", "ci_high", "registry", "difference", "z", "agreement",
            "disagree", *extra]
    return res[cols].reset_index(drop=True)
