"""Programme map (RAT/LP2KD annex): budget tables, convergence on priority desa, complaints.

The canonical ``programmes`` table has one row per programme activity x locus desa
(``year, programme_id, locus_desa``) with ``budget`` (pagu), ``realisation``,
``target_count`` and ``reached_count``.

How amounts are stored per locus row (decision)
-----------------------------------------------
By default (``amounts="locus"``) the amounts in a row belong to that locus: the pagu,
realisation, target and reach of the programme *in that desa*. The programme total is then
the sum over its rows, and every table is a plain sum, so all tables add up to the source.

Many office spreadsheets instead repeat the programme-level pagu on every locus row. Summing
those would count the budget once per locus. Declare them with ``amounts="programme"``:
the amounts must then be identical on all rows of a programme (otherwise a
:class:`~tkpk_lib.errors.SchemaError` names the programmes and rows), each programme is
counted once, and for tables by place (kabupaten, priority desa) the amount is shared
equally among the programme's loci (``amount / number of loci``), so that those tables still
add up to the programme totals. :func:`repeated_amounts` lists programmes whose rows look
repeated (same non-zero pagu on two or more loci) so that a user can choose; it is part of
the ``checks`` table of :func:`budget_tables`.

The annex layout (strategy, cluster, fund source, OPD, pagu, realisasi and %, target and
capaian) follows the columns inferred in domain notes 1.4 **[UNCONFIRMED - the statutory
lampiran format was not seen]**.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
import pandas as pd

from tkpk_lib.analysis.programme_catalogue import (
    CLUSTER_LABELS,
    FUND_SOURCE_LABELS,
    guideline_clusters,
)
from tkpk_lib.data.region import current_region
from tkpk_lib.data.schemas import FUND_SOURCES, STRATEGIES
from tkpk_lib.errors import Problem, SchemaError, TkpkError

__all__ = [
    "CLUSTERS",
    "budget_tables",
    "complaints_summary",
    "convergence",
    "repeated_amounts",
]

CLUSTERS: dict[int, str] = dict(CLUSTER_LABELS)
"""The three clusters of guideline section 1.1 (Indonesian labels); a fourth cluster in a map is Klaster 2."""

Amounts = Literal["locus", "programme"]
_AMOUNTS = ("budget", "realisation", "target_count", "reached_count")
_KEY = ("year", "programme_id")


def _check_columns(df: pd.DataFrame, cols: Sequence[str], name: str) -> None:
    missing = [c for c in cols if c not in df.columns]
    if missing:
        raise SchemaError([Problem(name, c, "required column missing") for c in missing])


def repeated_amounts(pm: pd.DataFrame) -> pd.DataFrame:
    """Programmes whose locus rows carry the same non-zero pagu (a repeated programme total?).

    Parameters
    ----------
    pm : pandas.DataFrame
        Canonical ``programmes`` table.

    Returns
    -------
    pandas.DataFrame
        ``year``, ``programme_id``, ``n_loci``, ``budget`` (the repeated value),
        ``sum_if_per_locus`` (what plain summing would give); one row per suspicious
        programme (two or more loci, all with the same non-zero budget).

    Examples
    --------
    >>> pm = pd.DataFrame({"year": 2024, "programme_id": ["A", "A", "B"], "budget": [5.0, 5.0, 3.0]})
    >>> repeated_amounts(pm)[["programme_id", "n_loci", "sum_if_per_locus"]].values.tolist()
    [['A', 2, 10.0]]
    """
    _check_columns(pm, [*_KEY, "budget"], "programmes")
    g = pm.groupby(list(_KEY), sort=True)["budget"].agg(["size", "nunique", "first", "sum"]).reset_index()
    s = g[(g["size"] >= 2) & (g["nunique"] == 1) & (g["first"] > 0)]
    return pd.DataFrame({"year": s["year"], "programme_id": s["programme_id"], "n_loci": s["size"].astype("int64"),
                         "budget": s["first"], "sum_if_per_locus": s["sum"]}).reset_index(drop=True)


def _per_locus(pm: pd.DataFrame, amounts: Amounts) -> pd.DataFrame:
    """Amounts per locus row (locus mode: as given; programme mode: shared equally)."""
    _check_columns(pm, [*_KEY, "locus_desa", *_AMOUNTS], "programmes")
    out = pm.copy()
    for c in _AMOUNTS:
        out[c] = pd.to_numeric(out[c], errors="coerce").astype("float64")
        bad = out[c].isna().to_numpy() | (out[c] < 0).to_numpy()
        if bad.any():
            raise SchemaError([Problem("programmes", c, "missing or negative amount",
                                       (np.flatnonzero(bad) + 1).tolist())])
    if amounts == "locus":
        return out
    if amounts != "programme":
        raise TkpkError(f"amounts must be 'locus' or 'programme', not {amounts!r}")
    grp = out.groupby(list(_KEY), sort=False)
    problems = []
    for c in _AMOUNTS:
        varies = grp[c].transform("nunique").to_numpy() > 1
        if varies.any():
            ids = sorted(out.loc[varies, "programme_id"].astype(str).unique())
            problems.append(Problem(
                "programmes", c,
                f"amounts='programme' needs the same value on every locus row of a programme; "
                f"differs for programme(s) {', '.join(ids[:10])}", (np.flatnonzero(varies) + 1).tolist()))
    if problems:
        raise SchemaError(problems)
    n_loci = grp["locus_desa"].transform("size").to_numpy()
    for c in _AMOUNTS:
        out[c] = out[c] / n_loci
    return out


def _rate(num: pd.Series, den: pd.Series) -> pd.Series:
    return num / den.where(den > 0)


def _by_list(by: str | Sequence[str] | None) -> list[str]:
    if by is None:
        return []
    return [by] if isinstance(by, str) else list(by)


def _summarise(d: pd.DataFrame, keys: list[str], base: list[str]) -> pd.DataFrame:
    """Programmes, loci, budget and realisation by ``keys``; shares within ``base`` (by + year)."""
    keys = list(dict.fromkeys(keys))
    g = d.groupby(keys, sort=True, dropna=False)
    out = g.agg(n_programmes=("programme_id", "nunique"), n_loci=("locus_desa", "size"),
                budget=("budget", "sum"), realisation=("realisation", "sum")).reset_index()
    out["n_loci"] = out["n_loci"].astype("int64")
    out["n_programmes"] = out["n_programmes"].astype("int64")
    out["realisation_rate"] = _rate(out["realisation"], out["budget"])
    tot = out.groupby(base)["budget"].transform("sum") if keys != base else out["budget"]
    out["budget_share"] = _rate(out["budget"], tot)
    return out


def _complete(t: pd.DataFrame, base: list[str], col: str, values: Sequence[object]) -> pd.DataFrame:
    """Every category of ``values`` in every ``base`` group: absent ones as explicit zero rows.

    A source or strategy without a programme is then a row with 0 (nil), distinct from a
    table that is missing; categories outside ``values`` stay after them.
    """
    groups = t[base].drop_duplicates()
    full = groups.merge(pd.DataFrame({col: list(values)}), how="cross")
    extra = t.loc[~t[col].isin(list(values)), [*base, col]]
    full = pd.concat([full, extra], ignore_index=True)
    out = full.merge(t, on=[*base, col], how="left")
    for c in ("n_programmes", "n_loci"):
        out[c] = out[c].fillna(0).astype("int64")
    for c in ("budget", "realisation", "budget_share"):
        out[c] = out[c].fillna(0.0)
    order = {v: i for i, v in enumerate(values)}
    out["_o"] = out[col].map(order).fillna(len(order))
    return out.sort_values([*base, "_o"], kind="stable", ignore_index=True).drop(columns="_o")


def budget_tables(pm: pd.DataFrame, *, amounts: Amounts = "locus",
                  by: str | Sequence[str] | None = None) -> dict[str, pd.DataFrame]:
    """Budget, realisation and targets of the programme map, for the LP2KD annex.

    Parameters
    ----------
    pm : pandas.DataFrame
        Canonical ``programmes`` table.
    amounts : {"locus", "programme"}, default "locus"
        How amounts are stored per locus row (see the module docstring): ``"locus"`` =
        each row holds the amounts for its desa (summed); ``"programme"`` = each row
        repeats the programme total (counted once, shared equally across loci).
    by : str or list of str, optional
        Group columns (e.g. ``"kab_code"``): every table except ``checks`` is computed
        within each group and starts with the group columns, the same numbers as calling
        the function on each group's rows (shares are of the group's year total). With
        ``amounts="programme"`` the programme amount is shared among all its loci first.
        ``checks`` always covers the whole table.

    Returns
    -------
    dict of str to pandas.DataFrame
        ``total`` (per year), ``by_strategy``, ``by_cluster``, ``by_fund_source``,
        ``by_opd``, ``by_kab``: ``year``, the group column(s) (with Indonesian
        ``*_label`` for strategy and cluster), ``n_programmes``, ``n_loci``, ``budget``,
        ``realisation``, ``realisation_rate`` (realisation / budget) and ``budget_share``
        (of the year's total); each table adds up to ``total``. ``by_strategy``,
        ``by_cluster`` and ``by_fund_source`` have a row for each of the three strategies
        (guideline 2.5), three clusters (1.1; a map's cluster 4 is read as 2, see
        :func:`~tkpk_lib.analysis.programme_catalogue.guideline_clusters`) and five fund
        sources (2.6, with ``fund_source_label``) in every group, with 0 programmes and
        Rp 0 where none has a programme (nil, not missing).
        ``by_programme``: one row per programme with OPD, strategy, cluster, fund
        source(s), ``target_count``, ``reached_count``, ``reach_rate``, budget and
        realisation. ``targets``: planned vs reached by ``target_group`` x ``target_unit``
        (units are never added across). ``checks``: rows needing a look (``issue`` in
        {"repeated_budget", "realisation_above_budget", "reached_above_target"}).

    Examples
    --------
    >>> pm = pd.DataFrame({"year": 2024, "programme_id": ["A", "A", "B"], "programme": ["a", "a", "b"],
    ...     "opd": ["Dinsos", "Dinsos", "Disnaker"], "strategy": [1, 1, 2], "cluster": [1, 1, 3],
    ...     "fund_source": "APBD Kabupaten/Kota", "target_group": "keluarga miskin",
    ...     "target_count": [10, 20, 5], "reached_count": [10, 15, 5], "target_unit": "KK",
    ...     "locus_desa": ["1701012001", "1701012002", "1701012001"], "kab_code": "1701",
    ...     "budget": [100.0, 200.0, 50.0], "realisation": [90.0, 150.0, 50.0]})
    >>> t = budget_tables(pm)
    >>> t["by_strategy"][["budget", "realisation_rate"]].values.tolist()
    [[300.0, 0.8], [50.0, 1.0], [0.0, nan]]
    """
    byl = _by_list(by)
    d = _per_locus(pm, amounts)
    _check_columns(d, ["cluster"], "programmes")
    d = guideline_clusters(d)
    _check_columns(d, ["strategy", "cluster", "fund_source", "opd", "kab_code", "programme",
                       "target_group", "target_unit", *byl], "programmes")
    base = [*byl, "year"]
    nb = len(base)
    tables: dict[str, pd.DataFrame] = {}
    tables["total"] = _summarise(d, base, base)
    s = _complete(_summarise(d, [*base, "strategy"], base), base, "strategy", list(STRATEGIES))
    s.insert(nb + 1, "strategy_label", s["strategy"].map(STRATEGIES))
    tables["by_strategy"] = s
    c = _complete(_summarise(d, [*base, "cluster"], base), base, "cluster", list(CLUSTERS))
    c.insert(nb + 1, "cluster_label", c["cluster"].map(CLUSTERS))
    tables["by_cluster"] = c
    f = _complete(_summarise(d, [*base, "fund_source"], base), base, "fund_source", list(FUND_SOURCES))
    f.insert(nb + 1, "fund_source_label", f["fund_source"].map(FUND_SOURCE_LABELS).fillna(f["fund_source"]))
    tables["by_fund_source"] = f
    tables["by_opd"] = _summarise(d, [*base, "opd"], base)
    tables["by_kab"] = _summarise(d, [*base, "kab_code"], base)

    tables["by_programme"] = _by_programme(d, byl)
    tg = d.groupby([*base, "target_group", "target_unit"], sort=True).agg(
        n_programmes=("programme_id", "nunique"), target_count=("target_count", "sum"),
        reached_count=("reached_count", "sum")).reset_index()
    tg["n_programmes"] = tg["n_programmes"].astype("int64")
    tg["reach_rate"] = _rate(tg["reached_count"], tg["target_count"])
    tables["targets"] = tg

    tables["checks"] = _budget_checks(pm, d, amounts)
    return tables


def _by_programme(d: pd.DataFrame, byl: list[str]) -> pd.DataFrame:
    """One row per programme (over its loci): budget, realisation, targets reached, rates."""
    g = d.groupby([*byl, *_KEY], sort=True)
    bp = g.agg(programme=("programme", "first"), opd=("opd", "first"), strategy=("strategy", "first"),
               cluster=("cluster", "first"),
               fund_source=("fund_source", lambda s: " + ".join(dict.fromkeys(map(str, s)))),
               target_group=("target_group", "first"), target_unit=("target_unit", "first"),
               n_loci=("locus_desa", "size"), target_count=("target_count", "sum"),
               reached_count=("reached_count", "sum"), budget=("budget", "sum"),
               realisation=("realisation", "sum")).reset_index()
    bp["n_loci"] = bp["n_loci"].astype("int64")
    bp["reach_rate"] = _rate(bp["reached_count"], bp["target_count"])
    bp["realisation_rate"] = _rate(bp["realisation"], bp["budget"])
    return bp



def _budget_checks(pm: pd.DataFrame, d: pd.DataFrame, amounts: str) -> pd.DataFrame:
    """Rows to check: budgets repeated over loci, realisation above budget, reach above target."""
    checks = []
    if amounts == "locus":
        rep = repeated_amounts(pm)
        for _, r in rep.iterrows():
            checks.append({"year": r["year"], "programme_id": r["programme_id"], "locus_desa": "",
                           "issue": "repeated_budget",
                           "detail": f"pagu {r['budget']:,.0f} sama di {r['n_loci']} lokus; jika itu pagu program, "
                                     f"pakai amounts='programme' (jumlah sekarang {r['sum_if_per_locus']:,.0f})"})
    over = d[d["realisation"] > d["budget"] * (1 + 1e-9)]
    for _, r in over.iterrows():
        checks.append({"year": r["year"], "programme_id": r["programme_id"], "locus_desa": r["locus_desa"],
                       "issue": "realisation_above_budget",
                       "detail": f"realisasi {r['realisation']:,.0f} > pagu {r['budget']:,.0f}"})
    over = d[d["reached_count"] > d["target_count"]]
    for _, r in over.iterrows():
        checks.append({"year": r["year"], "programme_id": r["programme_id"], "locus_desa": r["locus_desa"],
                       "issue": "reached_above_target",
                       "detail": f"capaian {r['reached_count']:g} > target {r['target_count']:g}"})
    return pd.DataFrame(checks, columns=["year", "programme_id", "locus_desa", "issue", "detail"])


def _priority_set(priority_desa: pd.DataFrame | pd.Series | Sequence[str]) -> list[str]:
    if isinstance(priority_desa, pd.DataFrame):
        return sorted(set(_priority_codes(priority_desa)))
    vals = pd.Series(list(priority_desa) if not isinstance(priority_desa, pd.Series) else priority_desa)
    return sorted(set(_priority_codes(pd.DataFrame({"desa_code": vals}))))


def convergence(pm: pd.DataFrame, priority_desa: pd.DataFrame | pd.Series | Sequence[str], *,
                amounts: Amounts = "locus", year: int | None = None,
                by: str | Sequence[str] | None = None) -> dict[str, pd.DataFrame]:
    """How much of each strategy reaches the priority (pocket) desa, and which desa are left out.

    Parameters
    ----------
    pm : pandas.DataFrame
        Canonical ``programmes`` table.
    priority_desa : DataFrame with ``desa_code``, Series or sequence of str
        Priority / poverty-pocket desa (e.g. from the pocket analysis).
    amounts : {"locus", "programme"}, default "locus"
        How amounts are stored per locus row (see :func:`budget_tables`).
    year : int, optional
        Year to analyse; required when ``pm`` holds several years.
    by : str or list of str, optional
        Group columns (e.g. ``"kab_code"``): ``priority_desa`` must then be a DataFrame
        with ``desa_code`` and the group columns, and every table is computed for each group
        of ``pm`` with that group's priority desa, starting with the group columns (the same
        numbers as calling the function on each group's rows and priority desa).

    Returns
    -------
    dict of str to pandas.DataFrame
        ``by_strategy``: ``strategy``, ``strategy_label``, ``budget``,
        ``budget_priority``, ``budget_share_priority``, ``n_loci``, ``n_loci_priority``,
        ``loci_share_priority``, ``n_programmes``, ``n_programmes_priority`` (plus a
        ``total`` row with strategy 0).
        ``desa``: one row per priority desa with ``n_programmes``, ``strategies``
        (e.g. ``"1+3"``), ``n_strategies``, ``budget``, ``no_programme`` and
        ``single_strategy`` (0/1) and ``status`` (Indonesian label).
        ``summary``: counts of priority desa reached by no programme, one, two or all
        three strategies.

    Examples
    --------
    >>> pm = pd.DataFrame({"year": 2024, "programme_id": ["A", "B"], "strategy": [1, 2],
    ...     "locus_desa": ["1701012001", "1701012002"], "budget": [100.0, 50.0], "realisation": 0.0,
    ...     "target_count": 1, "reached_count": 0})
    >>> cv = convergence(pm, ["1701012001", "1701012003"])
    >>> cv["desa"][["desa_code", "status"]].values.tolist()
    [['1701012001', 'hanya 1 strategi'], ['1701012003', 'tidak ada program']]
    """
    byl = _by_list(by)
    _check_columns(pm, ["year", "strategy", "locus_desa", *byl], "programmes")
    years = sorted(pd.unique(pm["year"]))
    if year is None:
        if len(years) > 1:
            raise TkpkError(f"convergence: the programme map holds several years {years}; pass year=")
    else:
        pm = pm[pm["year"] == year]
        if pm.empty:
            raise TkpkError(f"convergence: no programme rows for year {year}")
    if byl:
        if not isinstance(priority_desa, pd.DataFrame):
            raise TkpkError("convergence: with by=, priority_desa must be a DataFrame with desa_code and "
                            f"the columns {byl}")
        _check_columns(priority_desa, byl, "priority desa")
        codes = _priority_codes(priority_desa)
        pri = pd.DataFrame({c: priority_desa[c].to_numpy() for c in byl}).assign(desa_code=codes.to_numpy())
        pri = pri.drop_duplicates().sort_values([*byl, "desa_code"], kind="stable", ignore_index=True)
    else:
        pri = pd.DataFrame({"desa_code": _priority_set(priority_desa)})
    d = _per_locus(pm, amounts)
    d["locus_desa"] = d["locus_desa"].astype(str)
    return _convergence_tables(d, pri, byl)


_STATUS = {0: "tidak ada program", 1: "hanya 1 strategi", 2: "2 strategi", 3: "ketiga strategi"}


def _convergence_tables(d: pd.DataFrame, pri: pd.DataFrame, byl: list[str]) -> dict[str, pd.DataFrame]:
    """The three convergence tables for every group of ``d`` (one group when ``byl`` is empty).

    ``pri`` holds the group columns and ``desa_code`` (unique, sorted). Budget sums are taken
    over each group's rows in table order with the same numpy reduction as ``Series.sum``.
    """
    if byl:
        keys = pd.MultiIndex.from_frame(d[[*byl, "locus_desa"]].astype(object))
        d["_pri"] = keys.isin(pd.MultiIndex.from_frame(pri[[*byl, "desa_code"]].astype(object)))
        grouped = d.groupby(byl, sort=True)
        groups = [(k if isinstance(k, tuple) else (k,), idx) for k, idx in grouped.indices.items()]
        groups.sort(key=lambda t: t[0])
    else:
        d["_pri"] = d["locus_desa"].isin(pri["desa_code"])
        groups = [((), np.arange(len(d)))]
    budget = d["budget"].to_numpy(dtype=float)
    isp = d["_pri"].to_numpy(dtype=bool)
    strat = d["strategy"]
    pid = d["programme_id"]
    rows = []
    for key, idx in groups:
        st = strat.iloc[idx]
        by_s = [(s_code, idx[pos]) for s_code, pos in st.groupby(st, sort=True).indices.items()]
        for s_code, sidx in [*by_s, (0, idx)]:
            pidx = sidx[isp[sidx]]
            rows.append({
                **dict(zip(byl, key, strict=True)),
                "strategy": int(s_code),
                "strategy_label": STRATEGIES.get(int(s_code), "Semua strategi"),
                "budget": budget[sidx].sum(), "budget_priority": budget[pidx].sum(),
                "n_loci": len(sidx), "n_loci_priority": len(pidx),
                "n_programmes": pid.iloc[sidx].nunique(), "n_programmes_priority": pid.iloc[pidx].nunique(),
            })
    bs = pd.DataFrame(rows)
    bs["budget_share_priority"] = _rate(bs["budget_priority"], bs["budget"])
    bs["loci_share_priority"] = _rate(bs["n_loci_priority"].astype(float), bs["n_loci"].astype(float))
    bs = bs[[*byl, "strategy", "strategy_label", "budget", "budget_priority", "budget_share_priority", "n_loci",
             "n_loci_priority", "loci_share_priority", "n_programmes", "n_programmes_priority"]]

    dp = d[d["_pri"]]
    per = dp.groupby([*byl, "locus_desa"]).agg(
        n_programmes=("programme_id", "nunique"),
        strategies=("strategy", lambda s: "+".join(str(int(x)) for x in sorted(set(s)))),
        n_strategies=("strategy", "nunique"), budget=("budget", "sum"))
    present = pd.MultiIndex.from_tuples([k for k, _ in groups]) if byl else None
    if byl:  # priority desa of the groups of d only
        pkeys = pd.MultiIndex.from_frame(pri[byl].astype(object))
        pri = pri[pkeys.isin(present)].reset_index(drop=True)
    desa = pri.merge(per, left_on=[*byl, "desa_code"], right_index=True, how="left")
    desa["n_programmes"] = desa["n_programmes"].fillna(0).astype("int64")
    desa["n_strategies"] = desa["n_strategies"].fillna(0).astype("int64")
    desa["strategies"] = desa["strategies"].fillna("").astype(str)
    desa["budget"] = desa["budget"].fillna(0.0)
    desa["no_programme"] = (desa["n_programmes"] == 0).astype("int8")
    desa["single_strategy"] = (desa["n_strategies"] == 1).astype("int8")
    desa["status"] = desa["n_strategies"].map(_STATUS)
    labels = list(_STATUS.values())
    if byl:
        cnt = desa.groupby([*byl, "status"]).size().to_dict()
        size = desa.groupby(byl).size().to_dict()
        parts = []
        for key, _ in groups:
            n = np.array([cnt.get((*key, lab), 0) for lab in labels], dtype="int64")
            part = pd.DataFrame({"status": labels, "n_desa": n})
            part["share"] = part["n_desa"] / max(int(size.get(key if len(key) > 1 else key[0], 0)), 1)
            for c, v in reversed(list(zip(byl, key, strict=True))):
                part.insert(0, c, v)
            parts.append(part)
        summary = pd.concat(parts, ignore_index=True)
    else:
        summ = desa.groupby("status").size().reindex(labels, fill_value=0)
        summary = pd.DataFrame({"status": summ.index, "n_desa": summ.to_numpy().astype("int64")})
        summary["share"] = summary["n_desa"] / max(len(desa), 1)
    return {"by_strategy": bs.reset_index(drop=True), "desa": desa.reset_index(drop=True), "summary": summary}


def _priority_codes(priority: pd.DataFrame) -> pd.Series:
    """Stripped ``desa_code`` of a priority frame; SchemaError naming rows that are not desa codes."""
    if "desa_code" not in priority.columns:
        raise SchemaError([Problem("priority desa", "desa_code", "required column missing")])
    codes = priority["desa_code"].astype(str).str.strip()
    region = current_region()
    bad = ~codes.str.fullmatch(region.desa_pattern)
    if bad.any():
        raise SchemaError([Problem("priority desa", "desa_code", f"not a 10-digit desa code of {region.title}",
                                   (np.flatnonzero(bad.to_numpy()) + 1).tolist())])
    return codes


def complaints_summary(complaints: pd.DataFrame, *, as_of: str | pd.Timestamp | None = None,
                       by: str | Sequence[str] | None = None) -> dict[str, pd.DataFrame]:
    """Complaints by channel, programme, status and kabupaten, with resolution times.

    Parameters
    ----------
    complaints : pandas.DataFrame
        Canonical ``complaints`` table.
    as_of : date, optional
        Reference date for the age of open complaints (``median_days_open``); without it
        that column is NaN.
    by : str or list of str, optional
        Group columns (e.g. ``"kab_code"``): every table is computed within each group and
        starts with the group columns (the same numbers as calling the function on each
        group's rows); ``by_kab`` is left out when ``kab_code`` is a group column.

    Returns
    -------
    dict of str to pandas.DataFrame
        ``overall``, ``by_channel``, ``by_programme``, ``by_status``, ``by_kab``: the group
        column, ``n``, ``n_resolved`` (status "selesai"), ``share_resolved``,
        ``median_days``/``mean_days`` to resolution (resolved complaints with a
        resolution date), ``n_open``, ``median_days_open``.

    Raises
    ------
    SchemaError
        A resolution date before the date received, or a date that cannot be read.

    Examples
    --------
    >>> c = pd.DataFrame({"complaint_id": ["1", "2", "3"], "channel": ["hotline", "hotline", "surat"],
    ...     "programme": "pkh", "kab_code": "1701",
    ...     "date_received": ["2024-01-01", "2024-01-05", "2024-02-01"],
    ...     "date_resolved": ["2024-01-11", None, "2024-02-05"], "status": ["selesai", "proses", "selesai"]})
    >>> complaints_summary(c)["by_channel"][["channel", "n", "share_resolved", "median_days"]].values.tolist()
    [['hotline', 2, 0.5, 10.0], ['surat', 1, 1.0, 4.0]]
    """
    byl = _by_list(by)
    _check_columns(complaints, ["complaint_id", "channel", "programme", "date_received", "date_resolved",
                                "status", *byl], "complaints")
    c = complaints.copy()
    problems = []
    for col in ("date_received", "date_resolved"):
        parsed = pd.to_datetime(c[col], errors="coerce")
        bad = parsed.isna() & c[col].notna() & (c[col].astype(str).str.strip() != "")
        if col == "date_received":
            bad |= parsed.isna()
        if bad.any():
            problems.append(Problem("complaints", col, "date cannot be read", (np.flatnonzero(bad.to_numpy()) + 1).tolist()))
        c[col] = parsed
    if problems:
        raise SchemaError(problems)
    days = (c["date_resolved"] - c["date_received"]).dt.days
    neg = (days < 0).to_numpy()
    if neg.any():
        raise SchemaError([Problem("complaints", "date_resolved", "resolved before it was received",
                                   (np.flatnonzero(neg) + 1).tolist())])
    status = c["status"].astype(str).str.strip().str.lower()
    c["_resolved"] = (status == "selesai").astype(int)
    c["_days"] = days.where(status == "selesai")
    if as_of is not None:
        ref = pd.Timestamp(as_of)
        c["_open_days"] = (ref - c["date_received"]).dt.days.where(status != "selesai")
    else:
        c["_open_days"] = np.nan
    c["_all"] = "semua"

    def summ(key: str) -> pd.DataFrame:
        g = c.groupby([*byl, key], sort=True, dropna=False)
        out = g.agg(n=("complaint_id", "size"), n_resolved=("_resolved", "sum"),
                    median_days=("_days", "median"), mean_days=("_days", "mean"),
                    median_days_open=("_open_days", "median")).reset_index()
        out["n"] = out["n"].astype("int64")
        out["n_resolved"] = out["n_resolved"].astype("int64")
        out["share_resolved"] = out["n_resolved"] / out["n"]
        out["n_open"] = out["n"] - out["n_resolved"]
        return out[[*byl, key, "n", "n_resolved", "share_resolved", "median_days", "mean_days", "n_open",
                    "median_days_open"]]

    res = {"overall": summ("_all").rename(columns={"_all": "group"}),
           "by_channel": summ("channel"), "by_programme": summ("programme"), "by_status": summ("status")}
    if "kab_code" in c.columns and "kab_code" not in byl:
        res["by_kab"] = summ("kab_code")
    return res
