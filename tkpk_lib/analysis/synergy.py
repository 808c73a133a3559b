"""Integration and synergy of programmes (guideline section 3.2.2) from the programme map.

* :func:`pocket_strategy_reach` - per pocket desa, the strategies of the programmes whose locus
  it is: no programme, programmes of only one strategy, or no strategy-3 programme (reducing
  the pockets).
* :func:`multi_source_loci` - desa where one cluster is funded from two or more fund sources
  (APBN, APBD provinsi/kabupaten, APBDes, non-government): complement or duplicate, to be
  checked by the TKPK.
* :func:`opd_interlinkage` - desa reached by programmes of two or more OPD (interlinkage); with
  ``same_target_group=True``, the desa and target group reached by two or more OPD (issue 13:
  "programmes of different OPD reaching the same desa and target group").
* :func:`duplicate_funding` - the same programme funded in the same desa from two or more
  levels of government (by its name, or by the central programme two regional programmes
  declare the same relationship to).
* :func:`regional_vs_central` - regional programmes by their declared relationship to a central
  programme (guideline 3.2.1.b.5: perluasan, pelengkap, mempertebal), and regional programmes
  that share a locus desa and a target group with a central (APBN) programme without declaring
  any: "perlu dicek: duplikasi atau pelengkap?" (the map cannot prove a duplication).
* :func:`synergy_summary` - the counts per kabupaten/kota and the province.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from tkpk_lib.data.region import province_code
from tkpk_lib.data.schemas import (
    CENTRAL_FUND_SOURCE,
    FUND_SOURCES,
    NON_GOVERNMENT_FUND_SOURCE,
    RELATIONSHIPS,
)

#: Finding of a regional programme sharing desa and target group with a central one, undeclared.
CHECK_FINDING = "perlu dicek: duplikasi atau pelengkap?"
#: Relationship label of a regional programme that declares none.
UNDECLARED = "tidak dinyatakan"
#: Fund sources that are levels of government (APBN, APBD provinsi, APBD kabupaten/kota, APBDes).
GOVERNMENT_LEVELS: tuple[str, ...] = tuple(f for f in FUND_SOURCES if f != NON_GOVERNMENT_FUND_SOURCE)


def pocket_strategy_reach(programmes: pd.DataFrame, pockets: pd.DataFrame) -> pd.DataFrame:
    """Strategies reaching each pocket desa.

    Parameters
    ----------
    programmes : pandas.DataFrame
        Canonical programme map (locus_desa, strategy).
    pockets : pandas.DataFrame
        Section ``pockets`` (level, code, name, kab_code, is_pocket).

    Returns
    -------
    pandas.DataFrame
        One row per pocket desa: ``kab_code, desa_code, desa, strategies`` ("1, 3"),
        ``n_programmes`` and ``finding`` ("tanpa program", "hanya satu strategi",
        "tanpa program strategi 3", "" when two or more strategies including 3; "peta program
        tidak tersedia" for a unit absent from the map).

    Examples
    --------
    >>> pm = pd.DataFrame({"locus_desa": ["a", "a", "b"], "strategy": [1, 3, 1]})
    >>> pk = pd.DataFrame({"level": "desa", "code": ["a", "b", "c"], "name": ["A", "B", "C"],
    ...     "kab_code": "1701", "is_pocket": True})
    >>> pocket_strategy_reach(pm, pk)["finding"].tolist()
    ['', 'hanya satu strategi', 'tanpa program']
    """
    pk = pockets[(pockets["level"] == "desa") & pockets["is_pocket"].astype(bool)]
    by_desa = programmes.groupby(programmes["locus_desa"].astype(str))["strategy"]
    strat = by_desa.agg(lambda s: sorted({int(x) for x in s.dropna()}))
    count = by_desa.size()
    codes = pk["code"].astype(str)
    out = pd.DataFrame({"kab_code": pk["kab_code"].astype(str).to_numpy(), "desa_code": codes.to_numpy(),
                        "desa": pk["name"].astype(str).to_numpy()})
    s = [strat.get(c, []) for c in codes]
    out["strategies"] = [", ".join(map(str, x)) for x in s]
    out["n_programmes"] = [int(count.get(c, 0)) for c in codes]
    out["finding"] = ["tanpa program" if not x else "hanya satu strategi" if len(x) == 1
                      else "tanpa program strategi 3" if 3 not in x else "" for x in s]
    # a unit absent from the programme map: its pocket desa are unknown, not unreached
    mapped = set(programmes["kab_code"].astype(str)) if "kab_code" in programmes.columns else None
    if mapped is not None:
        out.loc[~out["kab_code"].isin(mapped), "finding"] = "peta program tidak tersedia"
    return out


def multi_source_loci(programmes: pd.DataFrame) -> pd.DataFrame:
    """Desa where one cluster is funded from two or more fund sources.

    Examples
    --------
    >>> pm = pd.DataFrame({"kab_code": "1701", "locus_desa": ["a", "a", "a", "b"], "cluster": [1, 1, 2, 1],
    ...     "fund_source": ["APBN", "APBDes", "APBN", "APBN"], "programme": ["P", "Q", "R", "S"]})
    >>> multi_source_loci(pm)[["desa_code", "cluster", "fund_sources"]].values.tolist()
    [['a', 1, 'APBDes, APBN']]
    """
    g = programmes.groupby([programmes["locus_desa"].astype(str).rename("desa_code"), "cluster"])
    agg = g.agg(kab_code=("kab_code", "first"), n_sources=("fund_source", "nunique"),
                fund_sources=("fund_source", lambda s: ", ".join(sorted(set(map(str, s))))),
                programmes=("programme", lambda s: ", ".join(sorted(set(map(str, s)))))).reset_index()
    out = agg[agg["n_sources"] >= 2].reset_index(drop=True)
    return out[["kab_code", "desa_code", "cluster", "n_sources", "fund_sources", "programmes"]]


def opd_interlinkage(programmes: pd.DataFrame, same_target_group: bool = False) -> pd.DataFrame:
    """Desa reached by programmes of two or more OPD, with the OPD named.

    Parameters
    ----------
    programmes : pandas.DataFrame
        Canonical programme map (kab_code, locus_desa, opd; target_group and programme for
        ``same_target_group``).
    same_target_group : bool, default False
        False: one row per desa reached by 2+ OPD, whatever their target groups. True: one row
        per desa and target group (as the map writes it, case and spacing ignored) reached by
        2+ OPD; rows without a target group are left out.

    Returns
    -------
    pandas.DataFrame
        ``kab_code, desa_code, n_opd, opd``; with ``same_target_group`` also ``target_group``
        (as first written) and ``programmes``.

    Examples
    --------
    >>> pm = pd.DataFrame({"kab_code": "1701", "locus_desa": ["a", "a", "b", "b"],
    ...     "opd": ["Dinas Sosial", "Dinas PUPR", "Dinas Sosial", "Dinas Kesehatan"],
    ...     "target_group": ["lansia", "desa", "Ibu hamil", "ibu  hamil"], "programme": ["P", "Q", "R", "S"]})
    >>> opd_interlinkage(pm)[["desa_code", "n_opd"]].values.tolist()
    [['a', 2], ['b', 2]]
    >>> opd_interlinkage(pm, same_target_group=True)[["desa_code", "target_group", "opd"]].values.tolist()
    [['b', 'Ibu hamil', 'Dinas Kesehatan, Dinas Sosial']]
    """
    desa = programmes["locus_desa"].astype(str).rename("desa_code")
    if not same_target_group:
        g = programmes.groupby(desa)
        agg = g.agg(kab_code=("kab_code", "first"), n_opd=("opd", "nunique"),
                    opd=("opd", lambda s: ", ".join(sorted(set(map(str, s)))))).reset_index()
        return agg[agg["n_opd"] >= 2].reset_index(drop=True)[["kab_code", "desa_code", "n_opd", "opd"]]
    pm = _complete(programmes)
    group = _key(pm["target_group"]).rename("_g")
    keep = (group != "").to_numpy()
    g = pm[keep].groupby([desa[keep], group[keep]], sort=True)
    agg = g.agg(kab_code=("kab_code", "first"), target_group=("target_group", "first"),
                n_opd=("opd", "nunique"), opd=("opd", _joined), programmes=("programme", _joined)).reset_index()
    cols = ["kab_code", "desa_code", "target_group", "n_opd", "opd", "programmes"]
    out = agg[agg["n_opd"] >= 2].reset_index(drop=True)
    return out.astype({"kab_code": str, "target_group": str})[cols]


def _key(s: pd.Series) -> pd.Series:
    """Text for matching: lower case, spaces collapsed, empty for missing."""
    return s.astype("string").fillna("").str.lower().str.split().str.join(" ")


def _text_or_empty(programmes: pd.DataFrame, column: str) -> pd.Series:
    """A text column stripped (empty when the map lacks the column)."""
    if column not in programmes.columns:
        return pd.Series("", index=programmes.index, dtype="string")
    return programmes[column].astype("string").fillna("").str.strip()


def _complete(programmes: pd.DataFrame) -> pd.DataFrame:
    """The map with the columns these checks read (a small frame may lack some): id = name, budget 0."""
    pm = programmes
    fill = {"programme_id": pm["programme"] if "programme" in pm.columns else "", "budget": 0.0,
            "target_group": "", "opd": "", "programme": ""}
    missing = {c: v for c, v in fill.items() if c not in pm.columns}
    return pm.assign(**missing) if missing else pm


def _joined(s: pd.Series) -> str:
    return ", ".join(sorted({str(x) for x in s if str(x)}))


def duplicate_funding(programmes: pd.DataFrame) -> pd.DataFrame:
    """The same programme funded in the same desa from two or more levels of government.

    Two bases: the same programme name (case and spacing ignored), and regional programmes
    that both top up (mempertebal) the same central programme (PKH topped up by the province
    and by the kabupaten in one desa); a pair found on both bases is listed once, by name.
    Non-government money is not a level of government.

    Parameters
    ----------
    programmes : pandas.DataFrame
        Canonical programme map (kab_code, locus_desa, programme, programme_id, fund_source,
        budget; relationship and central_programme when the map has them).

    Returns
    -------
    pandas.DataFrame
        One row per desa and programme: ``kab_code, desa_code, dup_programme, basis`` ("nama program
        sama" or "mempertebal program pusat yang sama: <central>"), ``n_levels``, ``dup_fund_sources``,
        ``dup_programme_ids`` and ``dup_budget`` (Rp, all levels).

    Examples
    --------
    >>> pm = pd.DataFrame({"kab_code": "1701", "locus_desa": ["a", "a", "a", "b"],
    ...     "programme": ["Bedah Rumah", "bedah  rumah", "Jalan Desa", "Bedah Rumah"],
    ...     "programme_id": ["P1", "P2", "P3", "P1"],
    ...     "fund_source": ["APBD Kabupaten/Kota", "APBD Provinsi", "APBDes", "APBD Kabupaten/Kota"],
    ...     "budget": [100.0, 50.0, 10.0, 70.0]})
    >>> duplicate_funding(pm)[["desa_code", "n_levels", "dup_fund_sources", "dup_budget"]].values.tolist()
    [['a', 2, 'APBD Kabupaten/Kota, APBD Provinsi', 150.0]]
    """
    pm = _complete(programmes)
    pm = pm[pm["fund_source"].astype("string").isin(GOVERNMENT_LEVELS).fillna(False)]
    rel, central = _text_or_empty(pm, "relationship").str.lower(), _text_or_empty(pm, "central_programme")
    by_name = pm.assign(_k=_key(pm["programme"]), basis="nama program sama")
    top_up = ((rel == "mempertebal") & (central != "")).to_numpy()
    by_central = pm[top_up].assign(_k="~pusat:" + _key(central[top_up]),  # "~" sorts after every name
                                   basis="mempertebal program pusat yang sama: " + central[top_up])
    both = pd.concat([by_name, by_central], ignore_index=True)
    both["desa_code"] = both["locus_desa"].astype(str)
    if both.empty:
        return pd.DataFrame(columns=["kab_code", "desa_code", "dup_programme", "basis", "n_levels",
                                     "dup_fund_sources", "dup_programme_ids", "dup_budget"])
    g = both.groupby(["desa_code", "_k"], sort=True)
    agg = g.agg(kab_code=("kab_code", "first"), dup_programme=("programme", _joined), basis=("basis", "first"),
                n_levels=("fund_source", "nunique"), dup_fund_sources=("fund_source", _joined),
                dup_programme_ids=("programme_id", _joined), dup_budget=("budget", "sum")).reset_index()
    out = agg[agg["n_levels"] >= 2].drop_duplicates(["desa_code", "dup_programme_ids"]).reset_index(drop=True)
    out["kab_code"] = out["kab_code"].astype(str)
    out["dup_budget"] = out["dup_budget"].astype(float)
    return out[["kab_code", "desa_code", "dup_programme", "basis", "n_levels", "dup_fund_sources",
                "dup_programme_ids", "dup_budget"]]


def _by_relationship(regional: pd.DataFrame, rel: pd.Series) -> pd.DataFrame:
    """Programme lines, desa and budget of the regional rows per unit x relationship, with the province."""
    t = regional.assign(relationship=rel.where(rel != "", UNDECLARED).astype(str),
                        kab_code=regional["kab_code"].astype(str), desa_code=regional["locus_desa"].astype(str),
                        central=_text_or_empty(regional, "central_programme"))
    parts = []
    for by in (["kab_code", "relationship"], ["relationship"]):
        g = t.groupby(by, sort=True).agg(rel_programmes=("programme_id", "nunique"),
                                         rel_desa=("desa_code", "nunique"), rel_budget=("budget", "sum"),
                                         rel_central=("central", _joined))
        g = g.reset_index()
        if "kab_code" not in by:
            g.insert(0, "kab_code", province_code())
        parts.append(g)
    out = pd.concat(parts, ignore_index=True)
    order = {r: i for i, r in enumerate([*RELATIONSHIPS, UNDECLARED])}
    out["_o"] = out["relationship"].map(order)
    out["_p"] = out["kab_code"] == province_code()
    out = out.sort_values(["_p", "kab_code", "_o"], kind="stable").drop(columns=["_o", "_p"])
    return out.astype({"rel_programmes": "int64", "rel_desa": "int64", "rel_budget": "float64"}).reset_index(drop=True)


def regional_vs_central(programmes: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Regional programmes against central ones: declared relationships and undeclared overlaps.

    Regional means every fund source but APBN (APBD provinsi and kabupaten/kota, APBDes,
    non-government). A regional row without a declared relationship that shares its locus desa
    and its target group (as the map writes it, case and spacing ignored) with an APBN row is
    flagged :data:`CHECK_FINDING`: the map cannot tell a duplication from a complement.

    Parameters
    ----------
    programmes : pandas.DataFrame
        Canonical programme map; ``relationship`` and ``central_programme`` are optional.

    Returns
    -------
    dict of str -> pandas.DataFrame
        ``by_relationship``: ``kab_code, relationship`` (perluasan, pelengkap, mempertebal,
        :data:`UNDECLARED`), ``rel_programmes`` (programme lines), ``rel_desa``, ``rel_budget``
        (Rp) and ``rel_central`` (the central programmes named), per unit and for the province; ``check``: ``kab_code, desa_code,
        target_group, regional_programme, regional_source, regional_opd, regional_budget (Rp, the
        regional line in that desa), central_programmes, finding``, one row per regional programme
        line and desa.

    Examples
    --------
    >>> pm = pd.DataFrame({"kab_code": "1701", "locus_desa": ["a", "a", "a", "b"],
    ...     "programme": ["BSPS", "Rumah Daerah", "PKH Plus", "Rumah Daerah"], "programme_id": ["C", "R", "T", "R"],
    ...     "fund_source": ["APBN", "APBD Kabupaten/Kota", "APBD Provinsi", "APBD Kabupaten/Kota"],
    ...     "target_group": ["KK MBR", "kk mbr", "lansia", "KK MBR"], "opd": "Dinas Perkim",
    ...     "budget": [5.0, 3.0, 2.0, 1.0], "relationship": [None, None, "mempertebal", None],
    ...     "central_programme": [None, None, "pkh", None]})
    >>> r = regional_vs_central(pm)
    >>> r["by_relationship"].query("kab_code == '1701'")[["relationship", "rel_programmes", "rel_budget"]].values.tolist()
    [['mempertebal', 1, 2.0], ['tidak dinyatakan', 1, 4.0]]
    >>> r["check"][["desa_code", "regional_programme", "central_programmes"]].values.tolist()
    [['a', 'Rumah Daerah', 'BSPS']]
    """
    programmes = _complete(programmes)
    src = programmes["fund_source"].astype("string").fillna("")
    central = programmes[(src == CENTRAL_FUND_SOURCE).to_numpy()]
    regional = programmes[(src != CENTRAL_FUND_SOURCE).to_numpy()]
    rel = _text_or_empty(regional, "relationship").str.lower()
    by_rel = _by_relationship(regional, rel)
    undeclared = regional[(rel == "").to_numpy()]
    cols = ["kab_code", "desa_code", "target_group", "regional_programme", "regional_source", "regional_opd",
            "regional_budget", "central_programmes", "finding"]
    if central.empty or undeclared.empty:
        return {"by_relationship": by_rel, "check": pd.DataFrame(columns=cols)}
    c = pd.DataFrame({"desa_code": central["locus_desa"].astype(str), "_g": _key(central["target_group"]),
                      "central": central["programme"].astype(str)})
    c = c[c["_g"] != ""].groupby(["desa_code", "_g"], sort=True)["central"].agg(_joined).reset_index()
    u = pd.DataFrame({"kab_code": undeclared["kab_code"].astype(str), "desa_code": undeclared["locus_desa"].astype(str),
                      "_g": _key(undeclared["target_group"]), "target_group": undeclared["target_group"].astype(str),
                      "_id": undeclared["programme_id"].astype(str),
                      "regional_programme": undeclared["programme"].astype(str),
                      "regional_source": undeclared["fund_source"].astype(str),
                      "regional_opd": undeclared["opd"].astype(str),
                      "regional_budget": pd.to_numeric(undeclared["budget"], errors="coerce").fillna(0.0)})
    # a programme line with two rows in one desa and target group: one row, its budget summed
    u = u.groupby(["kab_code", "desa_code", "_g", "_id"], sort=False, as_index=False).agg(
        {**{c: "first" for c in u.columns if c not in ("kab_code", "desa_code", "_g", "_id", "regional_budget")},
         "regional_budget": "sum"})
    m = u.merge(c, on=["desa_code", "_g"], how="inner").drop_duplicates(["desa_code", "_id"])
    m = m.rename(columns={"central": "central_programmes"}).assign(finding=CHECK_FINDING)
    return {"by_relationship": by_rel,
            "check": m.sort_values(["kab_code", "desa_code", "_id"], kind="stable")[cols].reset_index(drop=True)}


def synergy_summary(programmes: pd.DataFrame, pockets: pd.DataFrame | None = None) -> pd.DataFrame:
    """Counts per kabupaten/kota and for the province (kab_code "17"), plus the detail tables, stacked.

    Returns
    -------
    pandas.DataFrame
        ``table`` = ``summary`` (kab_code, pocket_desa, pocket_no_programme, pocket_one_strategy,
        pocket_no_strategy3, multi_source_loci (desa with a cluster funded from 2+ sources),
        multi_opd_desa (desa reached by 2+ OPD), multi_opd_group_desa (desa where one target group
        is reached by 2+ OPD), duplicate_funding_desa,
        regional_declared and regional_undeclared (regional programme lines with and without a
        declared relationship), relationship_check_desa), ``pockets``, ``multi_source``,
        ``multi_opd``, ``multi_opd_group`` (:func:`opd_interlinkage` by target group), ``duplicate_funding`` (:func:`duplicate_funding`), ``relationships`` and
        ``relationship_check`` (:func:`regional_vs_central`).

    Examples
    --------
    >>> pm = pd.DataFrame({"kab_code": "1701", "locus_desa": ["a", "a"], "cluster": [1, 1], "strategy": [1, 1],
    ...     "fund_source": ["APBN", "APBDes"], "programme": ["P", "Q"], "opd": ["X", "Y"]})
    >>> s = synergy_summary(pm)
    >>> s[s["table"] == "summary"][["kab_code", "multi_source_loci", "multi_opd_desa"]].values.tolist()
    [['1701', 1.0, 1.0], ['17', 1.0, 1.0]]
    """
    rvc = regional_vs_central(programmes)
    parts = {"multi_source": multi_source_loci(programmes), "multi_opd": opd_interlinkage(programmes),
             "multi_opd_group": opd_interlinkage(programmes, same_target_group=True),
             "duplicate_funding": duplicate_funding(programmes), "relationships": rvc["by_relationship"],
             "relationship_check": rvc["check"]}
    if pockets is not None and len(pockets):
        parts["pockets"] = pocket_strategy_reach(programmes, pockets)
    units = sorted(set(programmes["kab_code"].astype(str)) | (
        set(parts["pockets"]["kab_code"]) if "pockets" in parts else set()))
    rows = []
    for u in [*units, province_code()]:
        def sel(t: pd.DataFrame, u: str = u) -> pd.DataFrame:
            return t if u == province_code() else t[t["kab_code"] == u]
        rel = parts["relationships"]
        rel = rel[rel["kab_code"] == u]
        declared = rel[rel["relationship"] != UNDECLARED]
        row = {"kab_code": u, "multi_source_loci": sel(parts["multi_source"])["desa_code"].nunique(),
               "multi_opd_desa": len(sel(parts["multi_opd"])),
               "multi_opd_group_desa": sel(parts["multi_opd_group"])["desa_code"].nunique(),
               "duplicate_funding_desa": sel(parts["duplicate_funding"])["desa_code"].nunique(),
               "regional_declared": int(declared["rel_programmes"].sum()),
               "regional_undeclared": int(rel.loc[rel["relationship"] == UNDECLARED, "rel_programmes"].sum()),
               "relationship_check_desa": sel(parts["relationship_check"])["desa_code"].nunique()}
        if "pockets" in parts:
            p = sel(parts["pockets"])
            row.update({"pocket_desa": len(p), "pocket_no_programme": int((p["finding"] == "tanpa program").sum()),
                        "pocket_one_strategy": int((p["finding"] == "hanya satu strategi").sum()),
                        # plain booleans: a unit without pocket desa gives an empty (string-typed) selection
                        "pocket_no_strategy3": int((np.array(["3" not in str(x).split(", ") for x in p["strategies"]],
                                                             dtype=bool)
                                                    & (p["finding"] != "peta program tidak tersedia").to_numpy(
                                                        dtype=bool)).sum()),
                        "pocket_unmapped": int((p["finding"] == "peta program tidak tersedia").sum())})
        rows.append(row)
    parts = {"summary": pd.DataFrame(rows), **parts}
    return pd.concat([t.assign(table=k) for k, t in parts.items()], ignore_index=True)
