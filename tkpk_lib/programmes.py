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

from tkpk_lib.errors import Problem, SchemaError, TkpkError
from tkpk_lib.schemas import FUND_SOURCES, STRATEGIES

__all__ = [
    "CLUSTERS",
    "budget_tables",
    "complaints_summary",
    "convergence",
    "repeated_amounts",
]

CLUSTERS: dict[int, str] = {
    1: "Bantuan sosial terpadu berbasis keluarga",
    2: "Penanggulangan kemiskinan berbasis pemberdayaan masyarakat",
    3: "Penanggulangan kemiskinan berbasis pemberdayaan usaha ekonomi mikro dan kecil",
    4: "Program lainnya yang pro-miskin",
}
"""Programme clusters of the canonical ``programmes`` table (Indonesian labels)."""

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


def _summarise(d: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    g = d.groupby(keys, sort=True, dropna=False)
    out = g.agg(n_programmes=("programme_id", "nunique"), n_loci=("locus_desa", "size"),
                budget=("budget", "sum"), realisation=("realisation", "sum")).reset_index()
    out["n_loci"] = out["n_loci"].astype("int64")
    out["n_programmes"] = out["n_programmes"].astype("int64")
    out["realisation_rate"] = _rate(out["realisation"], out["budget"])
    tot = out.groupby("year")["budget"].transform("sum") if "year" in keys and keys != ["year"] else out["budget"]
    out["budget_share"] = _rate(out["budget"], tot)
    return out


def budget_tables(pm: pd.DataFrame, *, amounts: Amounts = "locus") -> dict[str, pd.DataFrame]:
    """Budget, realisation and targets of the programme map, for the LP2KD annex.

    Parameters
    ----------
    pm : pandas.DataFrame
        Canonical ``programmes`` table.
    amounts : {"locus", "programme"}, default "locus"
        How amounts are stored per locus row (see the module docstring): ``"locus"`` =
        each row holds the amounts for its desa (summed); ``"programme"`` = each row
        repeats the programme total (counted once, shared equally across loci).

    Returns
    -------
    dict of str to pandas.DataFrame
        ``total`` (per year), ``by_strategy``, ``by_cluster``, ``by_fund_source``,
        ``by_opd``, ``by_kab``: ``year``, the group column(s) (with Indonesian
        ``*_label`` for strategy and cluster), ``n_programmes``, ``n_loci``, ``budget``,
        ``realisation``, ``realisation_rate`` (realisation / budget) and ``budget_share``
        (of the year's total); each table adds up to ``total``.
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
    [[300.0, 0.8], [50.0, 1.0]]
    """
    d = _per_locus(pm, amounts)
    _check_columns(d, ["strategy", "cluster", "fund_source", "opd", "kab_code", "programme",
                       "target_group", "target_unit"], "programmes")
    tables: dict[str, pd.DataFrame] = {}
    tables["total"] = _summarise(d, ["year"])
    s = _summarise(d, ["year", "strategy"])
    s.insert(2, "strategy_label", s["strategy"].map(STRATEGIES))
    tables["by_strategy"] = s
    c = _summarise(d, ["year", "cluster"])
    c.insert(2, "cluster_label", c["cluster"].map(CLUSTERS))
    tables["by_cluster"] = c
    f = _summarise(d, ["year", "fund_source"])
    order = {v: i for i, v in enumerate(FUND_SOURCES)}
    f = f.assign(_o=f["fund_source"].map(order).fillna(len(order))).sort_values(
        ["year", "_o"], kind="stable", ignore_index=True).drop(columns="_o")
    tables["by_fund_source"] = f
    tables["by_opd"] = _summarise(d, ["year", "opd"])
    tables["by_kab"] = _summarise(d, ["year", "kab_code"])

    g = d.groupby(list(_KEY), sort=True)
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
    tables["by_programme"] = bp

    tg = d.groupby(["year", "target_group", "target_unit"], sort=True).agg(
        n_programmes=("programme_id", "nunique"), target_count=("target_count", "sum"),
        reached_count=("reached_count", "sum")).reset_index()
    tg["n_programmes"] = tg["n_programmes"].astype("int64")
    tg["reach_rate"] = _rate(tg["reached_count"], tg["target_count"])
    tables["targets"] = tg

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
    tables["checks"] = pd.DataFrame(checks, columns=["year", "programme_id", "locus_desa", "issue", "detail"])
    return tables


def _priority_set(priority_desa: pd.DataFrame | pd.Series | Sequence[str]) -> list[str]:
    if isinstance(priority_desa, pd.DataFrame):
        if "desa_code" not in priority_desa.columns:
            raise SchemaError([Problem("priority desa", "desa_code", "required column missing")])
        vals = priority_desa["desa_code"]
    else:
        vals = pd.Series(list(priority_desa) if not isinstance(priority_desa, pd.Series) else priority_desa)
    codes = vals.astype(str).str.strip()
    bad = ~codes.str.fullmatch(r"17\d{8}")
    if bad.any():
        raise SchemaError([Problem("priority desa", "desa_code", "not a 10-digit Bengkulu desa code",
                                   (np.flatnonzero(bad.to_numpy()) + 1).tolist())])
    return sorted(set(codes))


def convergence(pm: pd.DataFrame, priority_desa: pd.DataFrame | pd.Series | Sequence[str], *,
                amounts: Amounts = "locus", year: int | None = None) -> dict[str, pd.DataFrame]:
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
    _check_columns(pm, ["year", "strategy", "locus_desa"], "programmes")
    years = sorted(pd.unique(pm["year"]))
    if year is None:
        if len(years) > 1:
            raise TkpkError(f"convergence: the programme map holds several years {years}; pass year=")
    else:
        pm = pm[pm["year"] == year]
        if pm.empty:
            raise TkpkError(f"convergence: no programme rows for year {year}")
    pri = _priority_set(priority_desa)
    d = _per_locus(pm, amounts)
    d["locus_desa"] = d["locus_desa"].astype(str)
    d["_pri"] = d["locus_desa"].isin(pri)
    rows = []
    for s_code, sub in [*d.groupby("strategy", sort=True), (0, d)]:
        p = sub[sub["_pri"]]
        rows.append({
            "strategy": int(s_code),
            "strategy_label": STRATEGIES.get(int(s_code), "Semua strategi"),
            "budget": sub["budget"].sum(), "budget_priority": p["budget"].sum(),
            "n_loci": len(sub), "n_loci_priority": len(p),
            "n_programmes": sub["programme_id"].nunique(), "n_programmes_priority": p["programme_id"].nunique(),
        })
    bs = pd.DataFrame(rows)
    bs["budget_share_priority"] = _rate(bs["budget_priority"], bs["budget"])
    bs["loci_share_priority"] = _rate(bs["n_loci_priority"].astype(float), bs["n_loci"].astype(float))
    bs = bs[["strategy", "strategy_label", "budget", "budget_priority", "budget_share_priority", "n_loci",
             "n_loci_priority", "loci_share_priority", "n_programmes", "n_programmes_priority"]]

    dp = d[d["_pri"]]
    per = dp.groupby("locus_desa").agg(
        n_programmes=("programme_id", "nunique"),
        strategies=("strategy", lambda s: "+".join(str(int(x)) for x in sorted(set(s)))),
        n_strategies=("strategy", "nunique"), budget=("budget", "sum"))
    desa = pd.DataFrame({"desa_code": pri}).merge(per, left_on="desa_code", right_index=True, how="left")
    desa["n_programmes"] = desa["n_programmes"].fillna(0).astype("int64")
    desa["n_strategies"] = desa["n_strategies"].fillna(0).astype("int64")
    desa["strategies"] = desa["strategies"].fillna("").astype(str)
    desa["budget"] = desa["budget"].fillna(0.0)
    desa["no_programme"] = (desa["n_programmes"] == 0).astype("int8")
    desa["single_strategy"] = (desa["n_strategies"] == 1).astype("int8")
    desa["status"] = desa["n_strategies"].map({0: "tidak ada program", 1: "hanya 1 strategi",
                                               2: "2 strategi", 3: "ketiga strategi"})
    summ = desa.groupby("status").size().reindex(
        ["tidak ada program", "hanya 1 strategi", "2 strategi", "ketiga strategi"], fill_value=0)
    summary = pd.DataFrame({"status": summ.index, "n_desa": summ.to_numpy().astype("int64")})
    summary["share"] = summary["n_desa"] / max(len(desa), 1)
    return {"by_strategy": bs.reset_index(drop=True), "desa": desa.reset_index(drop=True), "summary": summary}


def complaints_summary(complaints: pd.DataFrame, *, as_of: str | pd.Timestamp | None = None
                       ) -> dict[str, pd.DataFrame]:
    """Complaints by channel, programme, status and kabupaten, with resolution times.

    Parameters
    ----------
    complaints : pandas.DataFrame
        Canonical ``complaints`` table.
    as_of : date, optional
        Reference date for the age of open complaints (``median_days_open``); without it
        that column is NaN.

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
    _check_columns(complaints, ["complaint_id", "channel", "programme", "date_received", "date_resolved",
                                "status"], "complaints")
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
        g = c.groupby(key, sort=True, dropna=False)
        out = g.agg(n=("complaint_id", "size"), n_resolved=("_resolved", "sum"),
                    median_days=("_days", "median"), mean_days=("_days", "mean"),
                    median_days_open=("_open_days", "median")).reset_index()
        out["n"] = out["n"].astype("int64")
        out["n_resolved"] = out["n_resolved"].astype("int64")
        out["share_resolved"] = out["n_resolved"] / out["n"]
        out["n_open"] = out["n"] - out["n_resolved"]
        return out[[key, "n", "n_resolved", "share_resolved", "median_days", "mean_days", "n_open",
                    "median_days_open"]]

    res = {"overall": summ("_all").rename(columns={"_all": "group"}),
           "by_channel": summ("channel"), "by_programme": summ("programme"), "by_status": summ("status")}
    if "kab_code" in c.columns:
        res["by_kab"] = summ("kab_code")
    return res
