"""Integration and synergy of programmes (guideline section 3.2.2) from the programme map.

* :func:`pocket_strategy_reach` - per pocket desa, the strategies of the programmes whose locus
  it is: no programme, programmes of only one strategy, or no strategy-3 programme (reducing
  the pockets).
* :func:`multi_source_loci` - desa where one cluster is funded from two or more fund sources
  (APBN, APBD provinsi/kabupaten, APBDes, non-government): complement or duplicate, to be
  checked by the TKPK.
* :func:`opd_interlinkage` - desa reached by programmes of two or more OPD (interlinkage).
* :func:`synergy_summary` - the counts per kabupaten/kota and the province.
"""

from __future__ import annotations

import pandas as pd

from tkpk_lib.data.region import province_code


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


def opd_interlinkage(programmes: pd.DataFrame) -> pd.DataFrame:
    """Desa reached by programmes of two or more OPD, with the OPD named.

    Examples
    --------
    >>> pm = pd.DataFrame({"kab_code": "1701", "locus_desa": ["a", "a", "b"],
    ...     "opd": ["Dinas Sosial", "Dinas PUPR", "Dinas Sosial"]})
    >>> opd_interlinkage(pm)[["desa_code", "n_opd"]].values.tolist()
    [['a', 2]]
    """
    g = programmes.groupby(programmes["locus_desa"].astype(str).rename("desa_code"))
    agg = g.agg(kab_code=("kab_code", "first"), n_opd=("opd", "nunique"),
                opd=("opd", lambda s: ", ".join(sorted(set(map(str, s)))))).reset_index()
    return agg[agg["n_opd"] >= 2].reset_index(drop=True)[["kab_code", "desa_code", "n_opd", "opd"]]


def synergy_summary(programmes: pd.DataFrame, pockets: pd.DataFrame | None = None) -> pd.DataFrame:
    """Counts per kabupaten/kota and for the province (kab_code "17"), plus the detail tables, stacked.

    Returns
    -------
    pandas.DataFrame
        ``table`` = ``summary`` (kab_code, pocket_desa, pocket_no_programme, pocket_one_strategy,
        pocket_no_strategy3, multi_source_loci, multi_opd_desa), ``pockets``, ``multi_source``,
        ``multi_opd``.

    Examples
    --------
    >>> pm = pd.DataFrame({"kab_code": "1701", "locus_desa": ["a", "a"], "cluster": [1, 1], "strategy": [1, 1],
    ...     "fund_source": ["APBN", "APBDes"], "programme": ["P", "Q"], "opd": ["X", "Y"]})
    >>> s = synergy_summary(pm)
    >>> s[s["table"] == "summary"][["kab_code", "multi_source_loci", "multi_opd_desa"]].values.tolist()
    [['1701', 1.0, 1.0], ['17', 1.0, 1.0]]
    """
    parts = {"multi_source": multi_source_loci(programmes), "multi_opd": opd_interlinkage(programmes)}
    if pockets is not None and len(pockets):
        parts["pockets"] = pocket_strategy_reach(programmes, pockets)
    units = sorted(set(programmes["kab_code"].astype(str)) | (
        set(parts["pockets"]["kab_code"]) if "pockets" in parts else set()))
    rows = []
    for u in [*units, province_code()]:
        def sel(t: pd.DataFrame, u: str = u) -> pd.DataFrame:
            return t if u == province_code() else t[t["kab_code"] == u]
        row = {"kab_code": u, "multi_source_loci": len(sel(parts["multi_source"])),
               "multi_opd_desa": len(sel(parts["multi_opd"]))}
        if "pockets" in parts:
            p = sel(parts["pockets"])
            row.update({"pocket_desa": len(p), "pocket_no_programme": int((p["finding"] == "tanpa program").sum()),
                        "pocket_one_strategy": int((p["finding"] == "hanya satu strategi").sum()),
                        "pocket_no_strategy3": int((p["strategies"].map(lambda s: "3" not in s.split(", "))
                                                    & (p["finding"] != "peta program tidak tersedia")).sum()),
                        "pocket_unmapped": int((p["finding"] == "peta program tidak tersedia").sum())})
        rows.append(row)
    parts = {"summary": pd.DataFrame(rows), **parts}
    return pd.concat([t.assign(table=k) for k, t in parts.items()], ignore_index=True)
