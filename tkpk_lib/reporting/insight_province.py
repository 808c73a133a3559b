"""Province report: tables that compare the kabupaten/kota, ranks over the whole province.

Each function gives, for the province (code ``"17"``), a table with a ``Kabupaten/kota`` column
(one row or row group per kabupaten/kota) and ranks computed over the whole province; for a
kabupaten/kota it gives the unit's table unchanged (:func:`pocket_table_area`) or an empty table,
which :func:`tkpk_lib.reporting.insight_tables.show` does not display. Pockets, programme
coverage, targets, budgets and complaints (issue 10, section 6).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from tkpk_lib.data.region import province_code
from tkpk_lib.reporting.formatting import fmt_int, fmt_number, fmt_percent, rse_mark
from tkpk_lib.reporting.insight_tables import (
    AREA,
    DASH,
    _area_col,
    _is_province,
    _kab_codes,
    _prog,
    _recipients,
    ci_text,
    province_rank,
)
from tkpk_lib.reporting.labels import indicator_name, unit_name
from tkpk_lib.reporting.reading import load_section


def stable_pocket_summary(cache: str | Path, kab_code: str) -> pd.DataFrame:
    """Province only: pocket kecamatan of each kabupaten/kota by stability class (empty for a kabupaten/kota).

    Examples
    --------
    >>> stable_pocket_summary("derived/2024", "17")  # doctest: +SKIP
    """
    from tkpk_lib.analysis.pocket_rule import pocket_stability

    pk = load_section(cache, "pockets")
    if pk.empty or not _is_province(kab_code):
        return pd.DataFrame()
    k = pk[(pk["level"] == "kecamatan") & pk["is_pocket"].astype(bool)]
    cls = pd.Series(pocket_stability(k["p_top_rate"].to_numpy(float)), index=k.index)
    rows = []
    for code, g in k.groupby(k["kab_code"].astype(str), sort=True):
        c = cls[g.index].value_counts()
        rows.append({AREA: unit_name(code), "Kecamatan kantong": fmt_int(len(g)),
                     **{f"{name.capitalize()} (tingkat)": fmt_int(c.get(name, 0))
                        for name in ("kantong tetap", "belum dapat disimpulkan", "tetap di luar")}})
    return pd.DataFrame(rows)


def pocket_table_area(cache: str | Path, kab_code: str, level: str = "kecamatan", top: int = 10) -> pd.DataFrame:
    """The pocket table of :func:`tkpk_lib.reporting.tables.pocket_table`; for the province with areas.

    For the province the ranks are over the whole province (by the rate shown) and a
    ``Kabupaten/kota`` column says where each pocket lies; a kabupaten/kota gets the table
    unchanged.

    Examples
    --------
    >>> pocket_table_area("derived/2024", "17", "desa")  # doctest: +SKIP
    """
    from tkpk_lib.reporting.tables import pocket_table

    out = pocket_table(cache, kab_code, level, top)
    if out.empty or not _is_province(kab_code):
        return out
    pk = load_section(cache, "pockets")
    pk = pk[pk["level"] == level]
    rank = dict(zip(pk["code"].astype(str), province_rank(pk["rate"].astype(float)), strict=True))
    # the code and rank columns, whatever their headers (the unit table's labels may change)
    code_col = next(c for c in out.columns if out[c].astype(str).isin(rank).all())
    rank_col = next((c for c in out.columns if str(c).startswith("Peringkat")), None)
    codes = out[code_col].astype(str)
    out = out.copy()
    if rank_col is not None:
        out = out.drop(columns=rank_col)
    out.insert(0, "Peringkat provinsi", [fmt_int(rank.get(c, np.nan)) for c in codes])
    kab = dict(zip(pk["code"].astype(str), pk["kab_code"].astype(str), strict=True))
    out.insert(1, AREA, [unit_name(kab.get(c, c[:4])) for c in codes])
    return out


def coverage_by_area(cache: str | Path, kab_code: str, *, min_sample: int = 0) -> pd.DataFrame:
    """Province only: programme coverage of the target group per kabupaten/kota (percent, RSE marks).

    Empty for a kabupaten/kota.

    Examples
    --------
    >>> coverage_by_area("derived/2024", "17")  # doctest: +SKIP
    """
    t = load_section(cache, "targeting")
    if t.empty or not _is_province(kab_code):
        return pd.DataFrame()
    t = t[t["indicator"] == "coverage"].assign(kab_code=lambda f: f["kab_code"].astype(str))
    codes = [*sorted(c for c in set(t["kab_code"]) if c != province_code()), province_code()]
    out = pd.DataFrame({AREA: [unit_name(c) for c in codes]})
    rec = _recipients(cache)
    for prog, g in t.groupby("programme", sort=False):
        g = g.set_index("kab_code").reindex(codes)
        none = [not rec.get((c, str(prog)), 0) for c in codes]
        out[_prog(prog)] = [DASH if pd.isna(e) or (min_sample and n < min_sample) or z
                            else fmt_percent(e, 1) + rse_mark(r)
                            for e, n, r, z in zip(g["estimate"], g["n"], g["rse"], none, strict=True)]
    return out


def targets_by_area(cache: str | Path, kab_code: str) -> pd.DataFrame:
    """Province only: each kabupaten/kota's indicators against their targets (empty for a kabupaten/kota).

    Examples
    --------
    >>> targets_by_area("derived/2024", "17")  # doctest: +SKIP
    """
    t = load_section(cache, "targets")
    if t.empty or not _is_province(kab_code):
        return pd.DataFrame()
    t = t.assign(kab_code=t["kab_code"].astype(str), _p=t["kab_code"].astype(str) == province_code())
    t = t.sort_values(["indicator", "_p", "kab_code"], kind="stable")
    out = pd.DataFrame({
        "Indikator": [indicator_name(str(c)) for c in t["indicator"]],
        "Estimasi (%)": [ci_text(e, lo, hi, decimals=2) for e, lo, hi in zip(t["estimate"], t["ci_low"],
                                                                               t["ci_high"], strict=True)],
        "Target (%)": [f"{fmt_percent(v)} ({int(y)})" if pd.notna(v) else DASH
                       for v, y in zip(t["target"], t["target_year"], strict=True)],
        "Status": [str(v) if pd.notna(v) else DASH for v in t["status_id"]],
    })
    return _area_col(out, t["kab_code"]).reset_index(drop=True)


def budget_by_area(cache: str | Path, kab_code: str) -> pd.DataFrame:
    """Province only: budget and realisation of every kabupaten/kota, province rank by budget.

    Examples
    --------
    >>> budget_by_area("derived/2024", "17")  # doctest: +SKIP
    """
    b = load_section(cache, "budget")
    if b.empty or not _is_province(kab_code):
        return pd.DataFrame()
    b = b[(b["table"] == "total") & (b["kab_code"].astype(str) != province_code())]
    b = b.assign(kab_code=b["kab_code"].astype(str)).set_index("kab_code").reindex(_kab_codes(cache))
    b = b.rename_axis("kab_code").reset_index()
    b[["n_programmes", "budget", "realisation"]] = b[["n_programmes", "budget", "realisation"]].fillna(0.0)
    b = b.assign(_r=province_rank(b["budget"].astype(float)))
    b = b.sort_values(["_r", "kab_code"], kind="stable")
    conv = load_section(cache, "convergence")
    share = {}
    if not conv.empty:
        c = conv[(conv["table"] == "by_strategy") & (conv["strategy"].astype(float) == 0)]
        share = dict(zip(c["kab_code"].astype(str), c["budget_share_priority"], strict=True))
    return pd.DataFrame({
        "Peringkat provinsi (pagu)": [fmt_int(v) for v in b["_r"]],
        AREA: [unit_name(c) for c in b["kab_code"]],
        "Jumlah program": [fmt_int(v) for v in b["n_programmes"]],
        "Pagu (Rp)": [fmt_int(v) for v in b["budget"]],
        "Realisasi (Rp)": [fmt_int(v) for v in b["realisation"]],
        "Realisasi (%)": [fmt_percent(r / p, 1) if p > 0 else DASH
                          for r, p in zip(b["realisation"], b["budget"], strict=True)],
        "Porsi pagu provinsi (%)": [fmt_percent(v, 1) for v in b["budget"] / b["budget"].sum()],
        "Porsi pagu di desa kantong (%)": [fmt_percent(share.get(c, np.nan), 1) for c in b["kab_code"]],
    }).reset_index(drop=True)


def complaints_by_area(cache: str | Path, kab_code: str) -> pd.DataFrame:
    """Province only: complaints received and resolved per kabupaten/kota (empty for a kabupaten/kota).

    Examples
    --------
    >>> complaints_by_area("derived/2024", "17")  # doctest: +SKIP
    """
    c = load_section(cache, "complaints")
    if c.empty or not _is_province(kab_code):
        return pd.DataFrame()
    c = c[(c["table"] == "overall") & (c["kab_code"].astype(str) != province_code())]
    c = c.assign(kab_code=c["kab_code"].astype(str)).sort_values("kab_code", kind="stable")
    return pd.DataFrame({
        AREA: [unit_name(k) for k in c["kab_code"]],
        "Jumlah pengaduan": [fmt_int(v) for v in c["n"]],
        "Selesai": [fmt_int(v) for v in c["n_resolved"]],
        "Selesai (%)": [fmt_percent(v, 1) for v in c["share_resolved"]],
        "Median hari penyelesaian": [fmt_number(v, 1) for v in c["median_days"]],
        "Belum selesai": [fmt_int(v) for v in c["n_open"]],
    }).reset_index(drop=True)
