"""Annex tables of the LP2KD report and their Excel workbook."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from tkpk_lib.data.region import province_code
from tkpk_lib.reporting.board_tables import board_annex
from tkpk_lib.reporting.completeness import completeness_note
from tkpk_lib.reporting.excel_sheets import (
    CONTEXT_COLUMNS,
    desa_programme_matrix,
    indicator_context,
    matrix_layout,
    source_rows,
)
from tkpk_lib.reporting.formatting import _fmt_value, fmt_int, fmt_number, fmt_percent
from tkpk_lib.reporting.labels import (
    CLUSTER_LABELS_ID,
    ILLUSTRATIVE_TARGET,
    INDEX_100,
    PROGRAMME_LABELS,
    RELIABILITY_ID,
    SECTIONS,
    TARGET_LABELS,
    _catalogue,
    _decimals,
    _unit_of,
    unit_name,
)
from tkpk_lib.reporting.reading import _index, load_section, own_table_name, section_failures
from tkpk_lib.reporting.rpkd_tables import rpkd_annex

#: Registry counts below this (1-4 households) are not published in the annex tables.
SMALL_COUNT = 5


def annex_tables(cache: str | Path, kab_code: str, year: int, *, min_sample: int = 0) -> dict[str, pd.DataFrame]:
    """The LP2KD annex tables of one unit in the layout of ``annex_template.csv``.

    ``indikator`` (all indicators of the year with SE, CI, RSE and sample size; cells on fewer
    than ``min_sample`` sample households blanked by :func:`tkpk_lib.reporting.excel.suppress_small_cells`),
    ``program`` and ``target`` (programme map), ``kantong`` (pocket desa), ``cakupan`` (registry
    coverage per desa x programme: eligible, covered, to follow up) and ``pengaduan``. Tables
    whose section is missing are left out.

    Returns
    -------
    dict of str -> DataFrame
        In annex order, ready for :func:`tkpk_lib.reporting.excel.write_annex`.

    Examples
    --------
    >>> annex_tables("derived/2024", "1701", 2024)  # doctest: +SKIP
    """
    from tkpk_lib.reporting import excel

    code = str(kab_code)
    out: dict[str, pd.DataFrame] = {}
    ind = load_section(cache, "indicators")
    cur = ind[(ind["year"] == int(year)) & ((ind["kab_code"] == code) | (code == province_code()))].copy()
    cat = _catalogue()
    src = {"Susenas": "BPS, Susenas Maret", "Sakernas": "BPS, Sakernas Agustus"}
    cur = cur.assign(
        wilayah=[unit_name(c) for c in cur["kab_code"]],
        indikator=[str(cat.loc[c, "name_id"]) if c in cat.index else str(c) for c in cur["indicator"]],
        satuan=[_unit_of(c, cat) for c in cur["indicator"]],
        sumber=[src.get(str(cat.loc[c, "source_survey"]).split()[0], str(cat.loc[c, "source_survey"]))
                if c in cat.index else "" for c in cur["indicator"]],
    )
    order = {c: i for i, c in enumerate(cat.index)}
    cur["_o"] = cur["indicator"].map(order).fillna(len(order))
    cur["_p"] = cur["kab_code"] == province_code()
    cur = cur.sort_values(["_p", "kab_code", "_o"], kind="stable")
    cols = ["kab_code", "wilayah", "indikator", "satuan", "estimate", "se", "ci_low", "ci_high", "rse", "n",
            "reliability", "sumber"]
    tab = indicator_context(cache, cur, min_sample=min_sample)[cols[:-1] + CONTEXT_COLUMNS + cols[-1:]]
    tab = tab.reset_index(drop=True)
    # P1 and P2 are indices on BPS's 0-100 scale, not percentages (their change and target too)
    idx = cur["indicator"].isin(INDEX_100).to_numpy()
    scaled = ["estimate", "se", "ci_low", "ci_high", "perubahan", "target"]
    tab.loc[idx, scaled] = tab.loc[idx, scaled] * 100
    tab.loc[idx, "satuan"] = "index"
    # every indicator is a share, count or index: no interval below zero (nor a share above 100%)
    tab["ci_low"] = tab["ci_low"].clip(lower=0.0)
    frac = tab["satuan"] == "fraction"
    tab.loc[frac, "ci_high"] = tab.loc[frac, "ci_high"].clip(upper=1.0)
    if min_sample:
        tab = excel.suppress_small_cells(tab, "n", min_sample, value_cols=["estimate", "se", "ci_low", "ci_high",
                                                                          "rse", "perubahan"]).drop(columns="suppressed")
    out["indikator"] = tab
    for name, tid in (("annex_program", "program"), ("annex_target", "target")):
        t = load_section(cache, name, None if code == province_code() else code)
        if not t.empty:
            out[tid] = t.drop(columns="kab_code").reset_index(drop=True) if code != province_code() else t
    pk = load_section(cache, "pockets", kab_code)
    if not pk.empty:
        d = pk[(pk["level"] == "desa") & pk["is_pocket"].astype(bool)].sort_values(["kab_code", "rank_rate", "code"],
                                                                                 kind="stable")
        out["kantong"] = pd.DataFrame({
            "peringkat": d["rank_rate"].astype(int).to_numpy(), "kec_code": d["kec_code"].astype(str).to_numpy(),
            "desa_code": d["code"].astype(str).to_numpy(), "desa": d["name"].astype(str).to_numpy(),
            # the desa figure is the share of people in registry households of deciles 1-4 (not a poverty
            # rate); without the registry the rate is the deprivation score, already in its own column
            "persen_desil_1_4": d["rate"].where(d["rate_measure"].astype(str).str.contains("desil")).to_numpy()
            if "rate_measure" in d.columns else d["rate"].to_numpy(),
            "skor_deprivasi": d["score"].to_numpy(),
            **({"klaster_lisa": d["hotspot_cluster"].map(
                lambda v: CLUSTER_LABELS_ID.get(str(v), str(v)) if pd.notna(v) else "").to_numpy()}
               if "hotspot_cluster" in d.columns else {}),
            # small registry counts are not published (fewer than SMALL_COUNT households, 0 is shown)
            "rumah_tangga_desil_1_4": d["registry_hh"].fillna(0).astype(int).where(
                ~d["registry_hh"].fillna(0).between(1, SMALL_COUNT - 1)).to_numpy(),
            "jenis_kantong": d["pocket_type"].astype(str).to_numpy(),
        })
    rd = load_section(cache, "registry_desa", kab_code)
    if not rd.empty:  # L.5: counts below 5 households suppressed (exact only in the pseudonymised lists)
        from tkpk_lib.reporting.programme_tables import registry_desa_annex

        long = registry_desa_annex(rd)
        out["cakupan_desa"] = desa_programme_matrix(long)  # L.5: one row per desa, one column per programme
        out["cakupan"] = long
    comp = load_section(cache, "annex_complaints", None if code == province_code() else code)
    if not comp.empty:
        comp = comp.assign(program=[PROGRAMME_LABELS.get(str(p), str(p)) for p in comp["program"]])
        out["pengaduan"] = comp.drop(columns="kab_code").reset_index(drop=True) if code != province_code() else comp
    if code == province_code():
        out = with_area_column(out)
        if "kantong" in out:  # the rank of each pocket desa among all desa of the province
            from tkpk_lib.reporting.insight_tables import province_rank

            desa = pk[pk["level"] == "desa"]
            rank = dict(zip(desa["code"].astype(str), province_rank(desa["rate"].astype(float)), strict=True))
            k = out["kantong"].copy()
            k.insert(k.columns.get_loc("peringkat") + 1, "peringkat_provinsi",
                     [int(rank[c]) if pd.notna(rank.get(c)) else pd.NA for c in k["desa_code"]])
            out["kantong"] = k
        out.update(board_annex(cache))  # sheet "Papan harmonisasi" (issue 13)
    out.update(rpkd_annex(cache, code, year, min_sample=min_sample))  # sheet "Bahan RPKD" (issue 13, L.8)
    return out


def with_area_column(tables: Mapping[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """Province annex tables with the kabupaten/kota of every row (column ``wilayah``, first).

    Applies to the tables with rows of several kabupaten/kota (``program``, ``target``,
    ``kantong``, ``pengaduan``): the area comes from ``kab_code`` or the first four characters
    of ``desa_code``; the other tables are returned as they are.

    Examples
    --------
    >>> t = with_area_column({"pengaduan": pd.DataFrame({"kab_code": ["1771"], "jumlah": [3]})})
    >>> t["pengaduan"].columns.tolist(), t["pengaduan"]["wilayah"].tolist()
    (['wilayah', 'kab_code', 'jumlah'], ['Kota Bengkulu'])
    """
    out = dict(tables)
    for tid in ("program", "target", "kantong", "pengaduan"):
        t = out.get(tid)
        if t is None or "wilayah" in t.columns:
            continue
        key = t["kab_code"] if "kab_code" in t.columns else (
            t["desa_code"].astype(str).str[:4] if "desa_code" in t.columns else None)
        if key is not None:
            t = t.copy()
            t.insert(0, "wilayah", [unit_name(str(c)) for c in key])
            out[tid] = t
    return out


#: Sections behind the LP2KD annex tables (their notes go to the workbook's ``Catatan`` sheet).
ANNEX_SECTIONS = ("indicators", "annex_program", "annex_target", "pockets", "registry_desa", "annex_complaints")


def annex_notes(cache: str | Path, kab_code: str) -> pd.DataFrame:
    """Why annex tables are absent or incomplete, for the workbook's ``Catatan`` sheet.

    One row per annex section that is not computed (``bagian``, ``keterangan``: the missing
    note, or "TIDAK LENGKAP" with every line of the cause) and per input that lacks units.

    Examples
    --------
    >>> annex_notes("derived/2024", "17")  # doctest: +SKIP
    """
    rows = []
    fails = section_failures(cache)
    for name in ANNEX_SECTIONS:
        st = _index(cache)["sections"].get(name, {})
        if name in fails:
            rows.append((SECTIONS[name], "TIDAK LENGKAP, tidak dapat dihitung: " + "; ".join(fails[name])))
        elif st.get("note"):
            rows.append((SECTIONS[name], st["note"]))
    for line in completeness_note(cache, kab_code, ("households", "labour", "villages", "programmes",
                                                    "registry")).split("\n\n"):
        if line:
            rows.append(("kelengkapan data", line.replace("> **Perhatian:** ", "")))
    return pd.DataFrame(rows, columns=["bagian", "keterangan"])


def write_annex_workbook(tables: Mapping[str, pd.DataFrame], output_dir: str | Path | None, kab_code: str,
                         year: int, *, run_id: str = "", min_sample: int = 0,
                         info: Mapping[str, Any] | None = None,
                         cache: str | Path | None = None, data_root: str | Path | None = None) -> Path | None:
    """Write the LP2KD annex workbook ``lampiran_lp2kd_<code>_<year>.xlsx`` into ``output_dir``.

    Returns None (nothing written) when ``output_dir`` is empty. With ``info``
    (:func:`cache_info` of the tables) the ``Catatan`` sheet also lists the options the numbers
    were computed with: comparison year, target group, poverty lines and targets (own file or
    reference table).
    With ``cache``, the sheet also lists the annex tables that are absent or incomplete and why
    (:func:`annex_notes`), so the workbook of a partial report says so as its HTML does.
    With ``data_root`` holding the synthetic demo (:func:`tkpk_lib.paths.is_demo_folder`) every
    sheet and printed page says "DATA SINTETIS - BUKAN STATISTIK RESMI".

    Examples
    --------
    >>> write_annex_workbook({}, "", "1701", 2024) is None
    True
    """
    if not output_dir:
        return None
    from tkpk_lib.reporting import excel

    out = Path(output_dir)
    out.mkdir(parents=True, exist_ok=True)
    meta: dict[str, Any] = {"wilayah": unit_name(kab_code), "tahun": int(year), "run_id": run_id}
    if info is not None:
        opts = info.get("options") or {}
        meta["Tahun pembanding"] = info.get("comparison_year") or "\u2013"
        meta["Kelompok sasaran cakupan"] = TARGET_LABELS.get(str(info.get("target")), info.get("target"))
        for key, label in (("poverty_lines", "Garis kemiskinan"), ("targets", "Target indikator")):
            meta[label] = (f"tabel sendiri: {own_table_name(opts[key + '_source'])}" if opts.get(key)
                           else "tabel referensi tkpk_lib" + (
                               f" ({ILLUSTRATIVE_TARGET} untuk P0, bukan target RPJMD; target kemiskinan ekstrem "
                               "Inpres 4/2022)" if key == "targets" else ""))
    meta["min_n"] = min_sample
    notes = annex_notes(cache, kab_code) if cache is not None else None
    from tkpk_lib.paths import is_demo_folder

    return excel.write_annex(tables, out / f"lampiran_lp2kd_{kab_code}_{int(year)}.xlsx", meta=meta,
                             notes=notes if notes is not None and len(notes) else None,
                             synthetic=data_root is not None and is_demo_folder(data_root),
                             data_sources=source_rows(info) if info is not None else ())


def annex_display(df: pd.DataFrame, table_id: str) -> pd.DataFrame:
    """An annex table with Indonesian headers and number formats (for the HTML/PDF annex).

    Examples
    --------
    >>> annex_display(pd.DataFrame({"pagu": [1.5e9]}), "program").columns.tolist()
    ['Pagu anggaran (Rp)']
    """
    from tkpk_lib.reporting.excel import load_annex_template

    tpl = matrix_layout(df) if table_id == "cakupan_desa" else load_annex_template()
    tpl = tpl[tpl["table_id"] == table_id].set_index("column")
    out = pd.DataFrame(index=df.index)
    cat = _catalogue()
    by_name = {str(n): c for c, n in zip(cat.index, cat["name_id"], strict=True)}
    codes = ([by_name.get(str(n), "") for n in df["indikator"]] if table_id == "indikator" and "indikator" in df
             else None)
    for col in df.columns:
        if col not in tpl.index:
            continue
        row = tpl.loc[col]
        fmt = row["format"]
        vals = df[col]
        unit_col = fmt.split(":", 1)[1] if fmt.startswith("by_unit:") else None
        if unit_col:
            # an index with its catalogue decimals (Gini 3), as the report's indicator sheet prints it
            decs = ([_decimals(c, cat) for c in codes] if codes is not None else [2] * len(df))
            text = [_fmt_value(v, u, d) for v, u, d in zip(vals, df[unit_col], decs, strict=True)]
        elif fmt.startswith("pct"):  # text cells ("<5", "x" of suppressed counts) stay as they are
            text = [v if isinstance(v, str) else fmt_percent(v, int(fmt[3:])) for v in vals]
        elif fmt in ("int", "rupiah"):
            text = [v if isinstance(v, str) else fmt_int(v) for v in vals]
        elif fmt.startswith("dec"):
            text = [fmt_number(v, int(fmt[3:])) for v in vals]
        else:
            text = ["" if pd.isna(v) else str(v) for v in vals]
        head = row["header"] + (f" ({row['unit']})" if row["unit"] else "")
        if fmt == "rupiah":
            head = row["header"] + " (Rp)"
        out[head] = text
    if table_id == "indikator" and {"SK 95% batas bawah", "SK 95% batas atas"} <= set(out.columns):
        # narrower for A4: one CI column; code, unit and source stay in the Excel annex
        ci = [f"{lo} \u2013 {hi}" if lo != "\u2013" else "\u2013"
              for lo, hi in zip(out["SK 95% batas bawah"], out["SK 95% batas atas"], strict=True)]
        out = out.drop(columns=[c for c in ("Kode wilayah", "Satuan", "Sumber", "SK 95% batas atas") if c in out])
        out = out.rename(columns={"SK 95% batas bawah": "SK 95%"})
        out["SK 95%"] = ci
        if "Keandalan" in out:
            out["Keandalan"] = out["Keandalan"].map(RELIABILITY_ID).fillna(out["Keandalan"])
    return out.reset_index(drop=True)
