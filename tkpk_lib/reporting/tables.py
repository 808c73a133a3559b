"""Report tables read from the section cache, formatted for display (one kabupaten/kota or the province)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from tkpk_lib.data.region import province_code
from tkpk_lib.reporting.formatting import (
    _fmt_value,
    fmt_int,
    fmt_number,
    fmt_percent,
    format_estimates,
    rse_mark,
)
from tkpk_lib.reporting.labels import (
    CLUSTER_LABELS_ID,
    DESA_REGISTRY_COUNT,
    DESA_REGISTRY_RATE,
    HEADLINE,
    ILLUSTRATIVE_TARGET,
    PROGRAMME_LABELS,
    _catalogue,
    _decimals,
    _region_names,
    _unit_of,
    unit_name,
)
from tkpk_lib.reporting.reading import load_section


def indicator_sheet(cache: str | Path, kab_code: str, year: int, *, min_sample: int = 0,
                    indicators: Sequence[str] = HEADLINE) -> pd.DataFrame:
    """Indicator sheet of one unit: estimate with CI, change vs the comparison year, target status.

    Parameters
    ----------
    cache : path
        Prepared cache.
    kab_code : str
        Kabupaten/kota or ``"17"``.
    year : int
        Report year.
    min_sample : int
        Small-cell rule (see :func:`format_estimates`).
    indicators : sequence of str
        Indicator codes, in display order.

    Returns
    -------
    pandas.DataFrame
        Indikator, Estimasi, SE, "SK 95%", n, Perubahan, Keterangan, Target, Status.

    Examples
    --------
    >>> indicator_sheet("derived/2024", "1701", 2024)  # doctest: +SKIP
    """
    ind = load_section(cache, "indicators")
    cur = ind[(ind["year"] == int(year)) & (ind["kab_code"] == str(kab_code))]
    cur = cur.set_index("indicator").reindex([i for i in indicators if i in set(cur["indicator"])]).reset_index()
    out = format_estimates(cur, min_sample=min_sample)
    cat = _catalogue()
    ch = load_section(cache, "change", min_sample=min_sample)
    if not ch.empty:
        ch = ch[ch["kab_code"] == str(kab_code)].set_index("indicator")
        diffs, notes = [], []
        for code in cur["indicator"]:
            if code not in ch.index:
                diffs.append("\u2013")
                notes.append("")
                continue
            r = ch.loc[code]
            if pd.isna(r["difference"]):  # a year below the small-cell rule, or pemekaran
                diffs.append("\u2013")
                notes.append(str(r["change_id"]) if r.get("change") == "not_comparable" else "")
                continue
            u = _unit_of(code, cat)
            diff = r["difference"] * (100 if u == "fraction" else 1)
            sign = "+" if diff > 0 else ""
            diffs.append(sign + fmt_number(diff, _decimals(code, cat) if u in ("fraction", "index") else 0))
            notes.append(str(r.get("assessment_id") if pd.notna(r.get("assessment_id")) else r["change_id"]))
        out["Perubahan"] = diffs
        out["Keterangan"] = notes
    tg = load_section(cache, "targets", min_sample=min_sample)
    if not tg.empty:
        tg = tg[tg["kab_code"] == str(kab_code)].drop_duplicates("indicator").set_index("indicator")
        out["Target"] = [target_cell(tg.loc[c], _unit_of(c, cat)) if c in tg.index else ""
                         for c in cur["indicator"]]
        out["Status"] = [("\u2013" if pd.isna(tg.loc[c, "status_id"]) else str(tg.loc[c, "status_id"]))
                         if c in tg.index else "" for c in cur["indicator"]]
    return out


def target_cell(row: pd.Series, unit: str = "fraction") -> str:
    """A target as the report prints it: value, year, how it was obtained and whether it is illustrative.

    Parameters
    ----------
    row : pandas.Series
        A row of the ``targets`` section (``target``, ``target_year`` and optionally
        ``target_basis`` and ``target_status``).
    unit : str
        Catalogue unit of the indicator (``fraction`` prints percent).

    Returns
    -------
    str

    Examples
    --------
    >>> target_cell(pd.Series({"target": 0.129, "target_year": 2024, "target_status": "illustrative"}))
    '12,90 (2024, target ilustratif)'
    >>> target_cell(pd.Series({"target": 0.14, "target_year": 2024, "target_basis": "interpolasi",
    ...     "target_status": "own"}))
    '14,00 (2024, interpolasi)'
    """
    parts = [str(int(row["target_year"]))]
    if str(row.get("target_basis", "")) == "interpolasi":
        parts.append("interpolasi")
    if str(row.get("target_status", "")) == "illustrative":
        parts.append(ILLUSTRATIVE_TARGET)
    return f"{_fmt_value(row['target'], unit)} ({', '.join(parts)})"


def targets_note(cache: str | Path, kab_code: str) -> str:
    """Which targets the report compared with and where each came from (Markdown, shown under the sheet).

    Own targets (``raw/targets/`` or ``--targets``) are named by document and file; official
    reference targets (Inpres 4/2022) by their regulation; the package's placeholder targets are
    called "target ilustratif" with what to do about them.

    Examples
    --------
    >>> targets_note("derived/2024", "1701")  # doctest: +SKIP
    """
    tg = load_section(cache, "targets")
    if tg.empty:
        return ("Target: tidak ada target untuk wilayah ini. Target sendiri (RPJMD/RPKD/RKPD) dapat diletakkan di "
                "`raw/targets/` pada folder data.")
    tg = tg[tg["kab_code"].astype(str) == str(kab_code)].drop_duplicates("indicator")
    cat = _catalogue()
    items = []
    for _, r in tg.iterrows():
        code = str(r["indicator"])
        name = str(cat.loc[code, "name_id"]) if code in cat.index else code
        status = str(r.get("target_status"))
        where = (f"{ILLUSTRATIVE_TARGET}: angka contoh dari tabel bawaan tkpk_lib, bukan target RPJMD"
                 if status == "illustrative" else
                 ("tabel referensi: " if status == "official" else "target sendiri: ")
                 + str(r.get("target_source") or "").split(" (berlaku")[0])
        items.append(f"{name} {target_cell(r, _unit_of(code, cat))}, {where}")
    if not items:
        return "Target: tidak ada target untuk wilayah ini."
    text = "Target yang dipakai: " + "; ".join(items) + "."
    if any(str(v) == "illustrative" for v in tg["target_status"]):
        text += (" Target ilustratif hanya contoh; letakkan target RPJMD/RPKD/RKPD sendiri di `raw/targets/` "
                 "(lihat README) agar status capaian bermakna.")
    return text


def comparison_table(cache: str | Path, year: int, indicator: str = "p0", *, min_sample: int = 0) -> pd.DataFrame:
    """One indicator for every kabupaten/kota and the province, with the change, for the roll-up.

    Examples
    --------
    >>> comparison_table("derived/2024", 2024, "p0")  # doctest: +SKIP
    """
    ind = load_section(cache, "indicators")
    cur = ind[(ind["year"] == int(year)) & (ind["indicator"] == indicator)].copy()
    cur["_prov"] = cur["kab_code"] == province_code()
    cur = cur.sort_values(["_prov", "estimate"], ascending=[True, False], kind="stable")
    out = format_estimates(cur, min_sample=min_sample, label_col="indicator")
    out.insert(0, "Wilayah", [unit_name(c) for c in cur["kab_code"]])
    out = out.drop(columns="Indikator")
    ch = load_section(cache, "change", min_sample=min_sample)
    if not ch.empty:
        ch = ch[ch["indicator"] == indicator].set_index("kab_code")
        u = _unit_of(indicator, _catalogue())
        mult = 100 if u == "fraction" else 1
        dec = _decimals(indicator, _catalogue())
        out["Perubahan"] = [
            (("+" if ch.loc[c, "difference"] > 0 else "") + fmt_number(ch.loc[c, "difference"] * mult, dec))
            if c in ch.index and pd.notna(ch.loc[c, "difference"]) else "\u2013" for c in cur["kab_code"]]
        out["Keterangan"] = [str(ch.loc[c, "change_id"]) if c in ch.index and (pd.notna(ch.loc[c, "difference"]) or ch.loc[c, "change"] == "not_comparable")
                             else "" for c in cur["kab_code"]]
    return out


def overview_table(cache: str | Path, year: int, indicators: Sequence[str] = ("p0", "p0_extreme", "tpt", "gini"),
                   *, min_sample: int = 0) -> pd.DataFrame:
    """Several indicators side by side for every kabupaten/kota and the province (with RSE marks).

    Examples
    --------
    >>> overview_table("derived/2024", 2024)  # doctest: +SKIP
    """
    ind = load_section(cache, "indicators")
    cur = ind[ind["year"] == int(year)]
    cat = _catalogue()
    codes = [*sorted(c for c in set(cur["kab_code"]) if c != province_code()), province_code()]
    out = pd.DataFrame({"Wilayah": [unit_name(c) for c in codes]})
    for code in indicators:
        sub = cur[cur["indicator"] == code].set_index("kab_code").reindex(codes)
        sub = sub.assign(indicator=code)
        shown = format_estimates(sub.reset_index(), min_sample=min_sample)["Estimasi"].to_numpy()
        head = str(cat.loc[code, "name_id"]) if code in cat.index else code
        out[head + (" (%)" if _unit_of(code, cat) == "fraction" else "")] = shown
    return out


def disaggregation_table(cache: str | Path, kab_code: str, *, min_sample: int = 0) -> pd.DataFrame:
    """P0 by urban/rural, sex of the head, disability and elderly members, for one unit.

    Examples
    --------
    >>> disaggregation_table("derived/2024", "1701")  # doctest: +SKIP
    """
    dis = load_section(cache, "disaggregation")
    # P0 by expenditure quintile is not shown: the poor are the bottom of the expenditure distribution, so
    # quintiles 2-5 are 0 by construction (a tautology, not a finding)
    dis = dis[(dis["kab_code"] == str(kab_code)) & (dis["dimension"] != "welfare_quintile")].reset_index(drop=True)
    dim_names = {"urban": "Perkotaan/perdesaan", "head_female": "Jenis kelamin kepala rumah tangga",
                 "has_disabled": "Ada anggota penyandang disabilitas", "has_elderly": "Ada anggota lansia"}
    out = format_estimates(dis, min_sample=min_sample, label_col=None)
    out.insert(0, "Kelompok", [str(g) for g in dis["group_label"]])
    out.insert(0, "Dimensi", [dim_names.get(d, d) for d in dis["dimension"]])
    return out


def quadrant_table(cache: str | Path, year: int, *, min_sample: int = 0) -> pd.DataFrame:
    """Per kabupaten/kota: P0, its change, TPT and Gini (fractions), for the quadrant charts.

    Values from fewer than ``min_sample`` sample units are NaN (not drawn).

    Returns
    -------
    pandas.DataFrame
        kab_code, name, p0, p0_change, tpt, gini and their standard errors (``<column>_se``, for the
        95% error bars); the province row has kab_code "17".

    Examples
    --------
    >>> quadrant_table("derived/2024", 2024)  # doctest: +SKIP
    """
    ind = load_section(cache, "indicators", min_sample=min_sample)
    cur = ind[ind["year"] == int(year)].pivot_table(index="kab_code", columns="indicator", values="estimate",
                                                    dropna=False)
    ses = ind[ind["year"] == int(year)].pivot_table(index="kab_code", columns="indicator", values="se", dropna=False)
    out = pd.DataFrame({"kab_code": cur.index.astype(str)})
    for c in ("p0", "tpt", "gini"):
        out[c] = cur[c].to_numpy() if c in cur.columns else np.nan
        out[c + "_se"] = ses[c].reindex(cur.index).to_numpy() if c in ses.columns else np.nan
    ch = load_section(cache, "change", min_sample=min_sample)
    if not ch.empty:
        d = ch[ch["indicator"] == "p0"].set_index("kab_code")
        out["p0_change"] = out["kab_code"].map(d["difference"])
        out["p0_change_se"] = out["kab_code"].map(d["se"])
    else:
        out["p0_change"] = np.nan
        out["p0_change_se"] = np.nan
    out.insert(1, "name", [unit_name(c) for c in out["kab_code"]])
    return out.reset_index(drop=True)


def targeting_table(cache: str | Path, kab_code: str, *, min_sample: int = 0) -> pd.DataFrame:
    """Coverage, exclusion error and inclusion error per programme for one unit (formatted).

    Returns
    -------
    pandas.DataFrame
        Program, Cakupan, "Kesalahan eksklusi", "Kesalahan inklusi", "n sasaran" (percent
        strings with RSE marks; small cells suppressed).

    Examples
    --------
    >>> targeting_table("derived/2024", "1701")  # doctest: +SKIP
    """
    t = load_section(cache, "targeting")
    if t.empty:
        return t
    t = t[t["kab_code"].astype(str) == str(kab_code)]
    rows = []
    for prog, g in t.groupby("programme", sort=False):
        g = g.set_index("indicator")
        row = {"Program": PROGRAMME_LABELS.get(str(prog), str(prog))}
        for ind, lab in (("coverage", "Cakupan"), ("exclusion_error", "Kesalahan eksklusi"),
                         ("inclusion_error", "Kesalahan inklusi")):
            if ind not in g.index:
                row[lab] = "\u2013"
                continue
            r = g.loc[ind]
            small = min_sample and r["n"] < min_sample
            row[lab] = "\u2013" if small else fmt_percent(r["estimate"]) + rse_mark(r["rse"])
        row["n sasaran"] = fmt_int(g.loc["coverage", "n"]) if "coverage" in g.index else "\u2013"
        rows.append(row)
    return pd.DataFrame(rows)


def combinations_for(cache: str | Path, kab_code: str, *, min_sample: int = 0) -> pd.DataFrame:
    """Programme combinations of one unit (input of :func:`tkpk_lib.analysis.coverage.upset_figure`).

    Combinations seen in fewer than ``min_sample`` sample units are left out.

    Examples
    --------
    >>> combinations_for("derived/2024", "1701")  # doctest: +SKIP
    """
    c = load_section(cache, "combinations")
    if c.empty:
        return c
    c = c[c["kab_code"].astype(str) == str(kab_code)]
    if min_sample:
        c = c[c["n"] >= min_sample]
    return c.drop(columns="kab_code").reset_index(drop=True)


def pocket_table(cache: str | Path, kab_code: str, level: str = "kecamatan", top: int = 10) -> pd.DataFrame:
    """Top poverty pockets of one unit (formatted): rank, name, rate, number, type, drivers.

    Examples
    --------
    >>> pocket_table("derived/2024", "1701", "desa")  # doctest: +SKIP
    """
    pk = load_section(cache, "pockets", kab_code)
    if pk.empty:
        return pk
    pk = pk[pk["level"] == level]
    if str(kab_code) == province_code():
        pk = pk.sort_values(["rate", "code"], ascending=[False, True], kind="stable").head(top)
    else:
        pk = pk.sort_values(["rank_rate", "code"], kind="stable").head(top)
    rate_head, count_head = _pocket_heads(pk, level)
    clusters = (pk["hotspot_cluster"].map(lambda v: CLUSTER_LABELS_ID.get(str(v), "") if pd.notna(v) else "")
                if "hotspot_cluster" in pk.columns else None)
    out = pd.DataFrame({
        "Peringkat": [fmt_int(v) for v in pk["rank_rate"]],
        "Kode": pk["code"].astype(str).to_numpy(),
        "Nama": pk["name"].astype(str).to_numpy(),
        rate_head: [fmt_percent(v) + rse_mark(r) if pd.notna(v) else "\u2013"
                    for v, r in zip(pk["rate"], pk["se"] / pk["rate"].where(pk["rate"] > 0), strict=True)]
        if "%" in rate_head else [fmt_number(v, 1) for v in pk["rate"]],
        count_head: [fmt_int(v) for v in pk["count"]],
        "Jenis kantong": pk["pocket_type"].astype(str).to_numpy(),
        "Penyebab utama": pk["drivers_id"].fillna("").astype(str).to_numpy(),
    })
    if clusters is not None and clusters.str.len().gt(0).any():
        out["Klaster spasial (LISA)"] = clusters.to_numpy()
    return out


def _pocket_heads(pk: pd.DataFrame, level: str) -> tuple[str, str]:
    """Column heads of the pocket table naming what the rate and number are, with their units."""
    measure = str(pk["rate_measure"].iloc[0]) if "rate_measure" in pk.columns and len(pk) else ""
    if level == "kecamatan":
        return "P0 model SAE (%)", "Jumlah penduduk miskin, model (jiwa)"
    if "desil" in measure:
        return DESA_REGISTRY_RATE, DESA_REGISTRY_COUNT
    return "Skor deprivasi desa (0-100)", "Perkiraan penduduk miskin, alokasi P0 kecamatan (jiwa)"


def _subset(frame: pd.DataFrame, kab_code: str) -> pd.DataFrame:
    if frame.empty:
        return frame
    return frame[frame["kab_code"].astype(str) == str(kab_code)].reset_index(drop=True)


def budget_table(cache: str | Path, kab_code: str, table: str = "by_strategy") -> pd.DataFrame:
    """Programme-map budget of one unit by strategy/cluster/fund source/OPD (formatted, Rp).

    Examples
    --------
    >>> budget_table("derived/2024", "1701")  # doctest: +SKIP
    """
    b = _subset(load_section(cache, "budget"), kab_code)
    if b.empty:
        return b
    b = b[b["table"] == table]
    label = {"by_strategy": "strategy_label", "by_cluster": "cluster_label", "by_fund_source": "fund_source",
             "by_opd": "opd"}.get(table, "table")
    return pd.DataFrame({
        "Kelompok": b[label].astype(str).to_numpy(),
        "Jumlah program": [fmt_int(v) for v in b["n_programmes"]],
        "Pagu (Rp)": [fmt_int(v) for v in b["budget"]],
        "Realisasi (Rp)": [fmt_int(v) for v in b["realisation"]],
        "Realisasi (%)": [fmt_percent(v, 1) for v in b["realisation_rate"]],
        "Porsi pagu (%)": [fmt_percent(v, 1) for v in b["budget_share"]],
    })


def convergence_table(cache: str | Path, kab_code: str) -> pd.DataFrame:
    """Share of each strategy's budget reaching the pocket desa of one unit (formatted).

    Examples
    --------
    >>> convergence_table("derived/2024", "1701")  # doctest: +SKIP
    """
    c = _subset(load_section(cache, "convergence"), kab_code)
    if c.empty:
        return c
    c = c[c["table"] == "by_strategy"]
    return pd.DataFrame({
        "Strategi": [str(v) if pd.notna(v) else "Jumlah" for v in c["strategy_label"]],
        "Pagu (Rp)": [fmt_int(v) for v in c["budget"]],
        "Pagu di desa kantong (Rp)": [fmt_int(v) for v in c["budget_priority"]],
        "Porsi di desa kantong (%)": [fmt_percent(v, 1) for v in c["budget_share_priority"]],
        "Lokus di desa kantong": [fmt_int(v) for v in c["n_loci_priority"]],
    })


def complaints_table(cache: str | Path, kab_code: str, table: str = "by_programme") -> pd.DataFrame:
    """Complaints of one unit by programme (or channel/status): number, resolved, days (formatted).

    Examples
    --------
    >>> complaints_table("derived/2024", "1701")  # doctest: +SKIP
    """
    c = _subset(load_section(cache, "complaints"), kab_code)
    if c.empty:
        return c
    c = c[c["table"] == table]
    col = {"by_programme": "programme", "by_channel": "channel", "by_status": "status"}.get(table, "group")
    return pd.DataFrame({
        "Kelompok": [PROGRAMME_LABELS.get(str(v), str(v)) for v in c[col]],
        "Jumlah pengaduan": [fmt_int(v) for v in c["n"]],
        "Selesai": [fmt_int(v) for v in c["n_resolved"]],
        "Selesai (%)": [fmt_percent(v, 1) for v in c["share_resolved"]],
        # the mean, as the annex's "Rata-rata waktu penyelesaian": one statistic for the same figure
        "Rata-rata hari penyelesaian": [fmt_number(v, 1) for v in c["mean_days"]],
    })


def followup_table(cache: str | Path, kab_code: str, top: int = 15) -> pd.DataFrame:
    """Desa with the most registry households to follow up (counts only, no personal data).

    Examples
    --------
    >>> followup_table("derived/2024", "1701")  # doctest: +SKIP
    """
    fu = load_section(cache, "registry_followup", kab_code)
    if fu.empty:
        return fu
    names = _region_names()
    g = fu.groupby(["desa_code"], as_index=False, sort=True)["n_households"].sum()
    g = g.sort_values(["n_households", "desa_code"], ascending=[False, True], kind="stable").head(top)
    per = fu.pivot_table(index="desa_code", columns="programme", values="n_households", aggfunc="sum", fill_value=0)
    out = pd.DataFrame({"Kode desa": g["desa_code"].astype(str).to_numpy(),
                        "Desa": [names.get(str(c), str(c)) for c in g["desa_code"]],
                        "Kecamatan": [names.get(str(c)[:6], str(c)[:6]) for c in g["desa_code"]]})
    for prog in per.columns:
        out[PROGRAMME_LABELS.get(str(prog), str(prog))] = [fmt_int(per.loc[c, prog]) for c in g["desa_code"]]
    out["Total"] = [fmt_int(v) for v in g["n_households"]]
    return out
