"""Display tables of the provincial harmonisation board (province report and annex sheet).

Reads the ``harmonisation`` section of the prepared cache
(:func:`tkpk_lib.analysis.harmonisation.board_tables`) and shapes each table for a reader at
the TKPK provinsi meeting: Indonesian headers, unit names, percentages, and the words of the
tests ("lebih buruk dari provinsi", "belum dapat disimpulkan").
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from tkpk_lib.data.region import province_code
from tkpk_lib.reporting.formatting import _fmt_value, fmt_int, fmt_number, fmt_percent
from tkpk_lib.reporting.labels import _catalogue, _decimals, _unit_of, unit_name
from tkpk_lib.reporting.reading import load_section

#: Marks of the compact matrix and what they mean (the legend uses the tests' words).
MARKS = {"lebih buruk dari provinsi": "\u25b2", "lebih baik dari provinsi": "\u25bc",
         "belum dapat disimpulkan": "\u00b7", "data tidak tersedia": ""}
BOARD_MATRIX_INDICATORS = ("p0", "p0_extreme", "p1", "tpt", "sanitation_safe", "jkn_coverage")


def _table(cache: str | Path, name: str) -> pd.DataFrame:
    from tkpk_lib.analysis.harmonisation import board_table

    return board_table(load_section(cache, "harmonisation"), name)


def _col(t: pd.DataFrame, c: str) -> pd.Series:
    """Column ``c`` of ``t``, or NaN when the stacked section dropped it (all empty)."""
    return t[c] if c in t.columns else pd.Series(np.nan, index=t.index)


def _head(code: str) -> str:
    cat = _catalogue()
    name = str(cat.loc[code, "name_id"]) if code in cat.index else code
    return name + (" (%)" if _unit_of(code, cat) == "fraction" else "")


def _value(code: str, x: float) -> str:
    cat = _catalogue()
    return _fmt_value(x, _unit_of(code, cat), _decimals(code, cat))


def board_matrix(cache: str | Path, indicators: tuple[str, ...] = BOARD_MATRIX_INDICATORS) -> pd.DataFrame:
    """Compact matrix: one row per kabupaten/kota, one column per indicator, value and mark.

    The mark says how the unit stands against the province (:data:`MARKS`); the legend is
    :func:`board_legend`.

    Examples
    --------
    >>> board_matrix("derived/2024")  # doctest: +SKIP
    """
    m = _table(cache, "matrix")
    if m.empty:
        return pd.DataFrame()
    units = list(dict.fromkeys(m["kab_code"]))
    out = pd.DataFrame({"Kabupaten/kota": [unit_name(u) for u in units]})
    for code in indicators:
        sub = m[m["indicator"] == code].set_index("kab_code").reindex(units)
        if sub["estimate"].isna().all():
            continue
        out[_head(code)] = [
            "\u2013" if pd.isna(e) else f"{_value(code, e)} {MARKS.get(v, '')}".strip()
            for e, v in zip(sub["estimate"], sub["vs_province"], strict=True)]
    prov = m[m["kab_code"].isin(units)].drop_duplicates("indicator").set_index("indicator")["province"]
    row = {"Kabupaten/kota": unit_name(province_code())}
    row.update({_head(c): _value(c, prov[c]) for c in indicators if c in prov.index and _head(c) in out})
    return pd.concat([out, pd.DataFrame([row])], ignore_index=True)


def board_legend() -> str:
    """Legend of the compact matrix (markdown).

    Examples
    --------
    >>> "belum dapat disimpulkan" in board_legend()
    True
    """
    return ("\u25b2 lebih buruk dari provinsi, \u25bc lebih baik dari provinsi (uji beda 5%, memperhitungkan "
            "bahwa kabupaten/kota adalah bagian dari provinsi); \u00b7 belum dapat disimpulkan (selang "
            "kepercayaan 95% selisihnya memuat nol). Arah baik-buruk mengikuti indikator: untuk P0, P1, "
            "kemiskinan ekstrem dan TPT lebih tinggi berarti lebih buruk; untuk sanitasi layak dan JKN lebih "
            "tinggi berarti lebih baik.")


def board_detail(cache: str | Path, indicator: str = "p0") -> pd.DataFrame:
    """One indicator for every unit: estimate with CI, against the province, change and own target.

    Examples
    --------
    >>> board_detail("derived/2024", "p0")  # doctest: +SKIP
    """
    m = _table(cache, "matrix")
    if m.empty:
        return pd.DataFrame()
    m = m[m["indicator"] == indicator]
    pct = _unit_of(indicator, _catalogue()) == "fraction"
    scale = 100.0 if pct else 1.0
    unit = " (poin)" if pct else ""
    return pd.DataFrame({
        "Kabupaten/kota": [unit_name(k) for k in m["kab_code"]],
        _head(indicator): [_value(indicator, e) for e in m["estimate"]],
        "SK 95%": ["\u2013" if pd.isna(lo) else f"{_value(indicator, max(lo, 0.0))}\u2013{_value(indicator, hi)}"
                   for lo, hi in zip(m["ci_low"], m["ci_high"], strict=True)],
        f"Selisih dengan provinsi{unit}": [fmt_number(scale * d, 2) for d in m["diff_province"]],
        "Dibanding provinsi": m["vs_province"].tolist(),
        f"Perubahan{unit}": [fmt_number(scale * d, 2) for d in _col(m, "change")],
        "Perubahan (uji 5%)": m["change_id"].tolist(),
        "Target sendiri": ["\u2013" if pd.isna(t) else f"{_value(indicator, t)} ({int(y)})"
                           for t, y in zip(_col(m, "target"), _col(m, "target_year"), strict=True)],
        "Status target": m["target_status"].tolist(),
    })


def plans_table(cache: str | Path) -> pd.DataFrame:
    """Each unit's P0 target (and the province's) against the projection of its recent trend.

    Examples
    --------
    >>> plans_table("derived/2024")  # doctest: +SKIP
    """
    u = _table(cache, "plans")
    if u.empty:
        return pd.DataFrame()
    def col(c: str) -> pd.Series:
        return _col(u, c)

    years = col("target_year").dropna()
    t_year = f" {int(years.iloc[0])}" if len(years) else ""
    return pd.DataFrame({
        "Wilayah": [unit_name(k) for k in u["kab_code"]],
        "Penduduk": [fmt_int(x) for x in u["population"]],
        "P0 (%)": [fmt_percent(x) for x in u["estimate"]],
        f"Target P0{t_year} (%)": [fmt_percent(x) for x in col("target")],
        "Penduduk miskin sesuai target": [fmt_int(x) for x in col("implied_poor")],
        "Laju diperlukan (poin/tahun)": [fmt_number(100 * x, 2) for x in col("needed_pace")],
        "Tren terkini (poin/tahun)": [fmt_number(100 * x, 2) for x in col("trend_pace")],
        f"Proyeksi tren{t_year} (%)": [fmt_percent(x) for x in col("projection")],
        "SK 95% proyeksi": ["\u2013" if pd.isna(lo) else f"{fmt_percent(max(lo, 0.0))}\u2013{fmt_percent(hi)}"
                            for lo, hi in zip(col("projection_low"), col("projection_high"), strict=True)],
        "Penilaian": u["verdict"].tolist(),
    })


def plans_summary_markdown(cache: str | Path) -> str:
    """One paragraph on whether the kabupaten/kota targets add up to the province target.

    Examples
    --------
    >>> plans_summary_markdown("derived/2024")  # doctest: +SKIP
    """
    s = _table(cache, "plans_summary")
    if s.empty or "target_year" not in s:
        return "Target P0 provinsi tidak tersedia: konsistensi target kabupaten/kota tidak dapat diperiksa."
    r = s.iloc[0]
    n, t_year = int(r["n_units_with_target"]), int(r["target_year"])
    if n == 0:
        return (f"Belum ada kabupaten/kota dengan target P0 tahun {t_year} dalam tabel target: "
                "konsistensi dengan target provinsi tidak dapat diperiksa.")
    text = (f"Target P0 provinsi tahun {t_year}: {fmt_percent(r['province_target'])}% "
            f"(setara {fmt_int(r['province_implied_poor'])} penduduk miskin dengan penduduk tahun ini). "
            f"{n} kabupaten/kota yang mempunyai target untuk tahun itu mencakup "
            f"{fmt_percent(r['population_share_with_target'], 1)}% penduduk; rata-rata tertimbang penduduk "
            f"dari target mereka {fmt_percent(r['weighted_unit_target'])}% "
            f"({fmt_int(r['units_implied_poor'])} penduduk miskin)")
    gap = float(r["weighted_unit_target"]) - float(r["province_target"])
    if np.isfinite(gap) and float(r["population_share_with_target"]) >= 0.9995:
        if abs(gap) < 0.00005:
            text += ", sama dengan target provinsi."
        elif gap > 0:
            text += (f", {fmt_number(100 * gap, 2)} poin di atas target provinsi: bila setiap kabupaten/kota "
                     "mencapai targetnya, target provinsi belum tercapai (selisih "
                     f"{fmt_int(float(r['units_implied_poor']) - float(r['province_implied_poor']))} penduduk miskin).")
        else:
            text += (f", {fmt_number(-100 * gap, 2)} poin di bawah target provinsi: target kabupaten/kota "
                     "bersama-sama melampaui target provinsi.")
    else:
        text += "; target provinsi tidak dapat dibandingkan selama sebagian kabupaten/kota belum mempunyai target."
    return text + (f" Setiap target dibandingkan dengan proyeksi ke tahun {t_year} dari tren estimasi "
                   "tahunan (hingga lima tahun terakhir) beserta SK 95%-nya (dari galat sampling): \u201ckurang ambisius dari tren\u201d bila "
                   "target di atas seluruh selang, \u201ctidak terjangkau pada laju terbaik\u201d bila di bawah "
                   "seluruh selang, selain itu \u201cbelum dapat disimpulkan\u201d.")


def money_table(cache: str | Path) -> pd.DataFrame:
    """Budget per poor person (range from the CI of the number of poor) and per pocket desa.

    Examples
    --------
    >>> money_table("derived/2024")  # doctest: +SKIP
    """
    t = _table(cache, "money")
    if t.empty:
        return pd.DataFrame()
    def col(c: str) -> pd.Series:
        return _col(t, c)

    return pd.DataFrame({
        "Kabupaten/kota": [unit_name(k) for k in t["kab_code"]],
        "Pagu (juta Rp)": [fmt_number(x / 1e6, 0) for x in col("budget")],
        "Penduduk miskin (estimasi)": [fmt_int(x) for x in t["poor"]],
        "Pagu per penduduk miskin (Rp)": [fmt_int(x) for x in col("per_poor")],
        "Rentang (SK 95%)": ["\u2013" if pd.isna(lo) else f"{fmt_int(lo)}\u2013{fmt_int(hi)}"
                             for lo, hi in zip(col("per_poor_low"), col("per_poor_high"), strict=True)],
        "Desa kantong": [fmt_int(x) for x in col("pocket_desa")],
        "Pagu per desa kantong (juta Rp)": [fmt_number(x / 1e6, 0) for x in col("per_pocket_desa")],
        "Kebutuhan dan anggaran": col("need_vs_money").fillna("").tolist(),
    })


def cross_border_table(cache: str | Path) -> pd.DataFrame:
    """Hot-spot clusters of desa spanning two or more kabupaten/kota, with the units sharing them.

    Examples
    --------
    >>> cross_border_table("derived/2024")  # doctest: +SKIP
    """
    t = _table(cache, "cross_border")
    if t.empty:
        return pd.DataFrame()
    return pd.DataFrame({
        "Klaster": [int(c) for c in t["cluster"]],
        "Jumlah desa": [int(n) for n in t["n_desa"]],
        "Kabupaten/kota (jumlah desa)": [
            ", ".join(f"{unit_name(p.split(' (')[0])} ({p.split(' (')[1]}" for p in s.split(", "))
            for s in t["desa_per_unit"]],
        "Desa": t["desa_names"].tolist(),
    })


def completeness_table(cache: str | Path) -> pd.DataFrame:
    """Inputs per unit for the year: "ada" / "tidak ada" and the number missing.

    Examples
    --------
    >>> completeness_table("derived/2024")  # doctest: +SKIP
    """
    t = _table(cache, "completeness")
    if t.empty:
        return pd.DataFrame()
    # earlier Susenas rounds only feed the series: keep the two latest (year and comparison)
    inputs = list(dict.fromkeys(t["input"]))
    susenas = [c for c in inputs if c.startswith("rumah tangga Susenas")]
    inputs = [c for c in inputs if c not in susenas[:-2]]
    wide = t.pivot(index="kab_code", columns="input", values="status")[inputs]
    n = t.drop_duplicates("kab_code").set_index("kab_code")["n_missing"]
    wide.insert(0, "Kabupaten/kota", [unit_name(k) for k in wide.index])
    wide["Input tidak ada"] = [int(n[k]) for k in wide.index]
    return wide.reset_index(drop=True).rename_axis(columns=None)


def board_intro_markdown(year: int) -> str:
    """Heading and reading guide of the board section of the province report.

    Examples
    --------
    >>> board_intro_markdown(2024).splitlines()[0]
    '## 9. Papan harmonisasi kabupaten/kota'
    """
    return (
        "## 9. Papan harmonisasi kabupaten/kota\n\n"
        f"Bahan rapat koordinasi TKPK provinsi (pedoman 2.1.1.g: harmonisasi rencana kabupaten/kota), tahun {year}: "
        "posisi setiap kabupaten/kota terhadap provinsi dan terhadap targetnya sendiri, konsistensi target, "
        "anggaran dibanding kebutuhan, kantong kemiskinan lintas batas dan kelengkapan data. Setiap perbandingan "
        "memakai uji beda 5%; bila selang kepercayaan belum dapat memutuskan, papan menulis "
        "\u201cbelum dapat disimpulkan\u201d."
    )


def money_footnote() -> str:
    """How to read the money-against-need table (markdown).

    Examples
    --------
    >>> "rentang" in money_footnote()
    True
    """
    return ("Pagu dari peta program tahun berjalan (semua sumber dana); penduduk miskin = estimasi Susenas, "
            "sehingga pagu per penduduk miskin diberi rentang dari selang kepercayaan 95% jumlah penduduk miskin. "
            "Kebutuhan \u201ctinggi/rendah\u201d = P0 berbeda nyata dari provinsi; anggaran \u201crendah/tinggi\u201d = "
            "seluruh rentang di bawah/di atas angka provinsi. Kabupaten/kota tanpa peta program ditulis "
            "\u201cdata tidak tersedia\u201d, bukan nol. Desa kantong = desa dalam daftar kantong kemiskinan.")


def cross_border_footnote() -> str:
    """What a cross-border pocket is (markdown).

    Examples
    --------
    >>> "LISA" in cross_border_footnote()
    True
    """
    return ("Klaster = desa yang berbatasan (bersinggungan) dan masing-masing termasuk klaster panas "
            "(LISA Tinggi-Tinggi atau Gi* panas) skor deprivasi desa se-provinsi, dengan anggota di dua kabupaten/kota "
            "atau lebih: penanganannya perlu koordinasi provinsi karena tidak dapat diselesaikan satu kabupaten. "
            "Tabel kosong berarti tidak ada klaster lintas batas (atau batas wilayah desa tidak tersedia).")


def board_annex(cache: str | Path) -> dict[str, pd.DataFrame]:
    """The annex sheet "Papan harmonisasi" (province workbook): every unit x board indicator.

    Values stay numbers (fractions shown as percentages by the sheet's format); empty when the
    section is missing.

    Examples
    --------
    >>> board_annex("derived/2024")["harmonisasi"].columns[:3].tolist()  # doctest: +SKIP
    ['kab_code', 'wilayah', 'indikator']
    """
    m = _table(cache, "matrix")
    if m.empty:
        return {}
    cat = _catalogue()
    return {"harmonisasi": pd.DataFrame({
        "kab_code": m["kab_code"].astype(str),
        "wilayah": [unit_name(k) for k in m["kab_code"]],
        "indikator": [str(cat.loc[c, "name_id"]) if c in cat.index else c for c in m["indicator"]],
        "satuan": [_unit_of(c, cat) for c in m["indicator"]],
        "estimate": m["estimate"], "ci_low": m["ci_low"].clip(lower=0.0), "ci_high": m["ci_high"],
        "provinsi": m["province"], "selisih": m["diff_province"], "selisih_se": m["diff_se"],
        "dibanding_provinsi": m["vs_province"],
        "perubahan": _col(m, "change"), "perubahan_uji": m["change_id"],
        "target": _col(m, "target"), "status_target": m["target_status"],
    })}
