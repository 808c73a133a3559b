"""The automatic summary of a report: each sentence from one row the report displays, and what it is.

:func:`summary_sentences` reads the same display tables the report shows
(:mod:`tkpk_lib.reporting.tables`: the indicator sheet, the P0 comparison of kabupaten/kota, the
coverage table, the pocket tables) and writes one sentence per finding, each with

* the table it comes from (its caption in the report) and the rows it rests on, so a reader (and
  ``tests/test_report_honesty.py``) can check every number against the page;
* the reliability of those rows: a figure marked ``*`` (RSE 25-50%) is said to need caution, one
  marked ``**`` or resting on few sample cases is said to be unreliable, and no verdict is drawn
  from it;
* numbers rounded to the precision their SE supports (:func:`tkpk_lib.reporting.formatting.about`);
* its scope: the programmes compared are named, and a programme that does not apply to the unit
  (BLT Dana Desa in a kota of kelurahan only) is left out and said so.

What is specific to a unit comes first: its level, the largest change that is statistically
significant, its target statuses, the programme with the largest coverage gap among those that
apply there, and its first-ranked pockets by name.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from tkpk_lib.data.region import province_code
from tkpk_lib.reporting import tables
from tkpk_lib.reporting.formatting import about, fmt_number
from tkpk_lib.reporting.labels import (
    ILLUSTRATIVE_TARGET,
    indicator_name,
    unit_name,
)
from tkpk_lib.reporting.reading import load_section

__all__ = ["applicable_programmes", "summary_markdown", "summary_sentences", "table_captions"]

#: Programmes whose coverage gap the summary compares (transfers aimed at poor households; LPG and
#: electricity subsidies and KUR credit are not targeted at the poor).
SOCIAL_ASSISTANCE = ("pkh", "bpnt", "pbi", "pip", "blt_dd")
#: Programmes that apply only where there are desa (Dana Desa): not in a kota of kelurahan only.
DESA_ONLY = ("blt_dd",)
COLUMNS = ["text", "table", "rows"]


def table_captions(kab_code: str, year: int, target: str = "poor") -> dict[str, str]:
    """Captions of the report tables the summary cites, as the report notebook prints them.

    Examples
    --------
    >>> table_captions("1701", 2024)["indicator_sheet"]
    'Indikator utama, Kabupaten Bengkulu Selatan 2024'
    """
    return {
        "indicator_sheet": f"Indikator utama, {unit_name(kab_code)} {int(year)}",
        "comparison_table": f"Persentase penduduk miskin (P0) menurut kabupaten/kota, {int(year)}",
        "targeting_table": ("Cakupan, kesalahan eksklusi dan kesalahan inklusi tiap program terhadap kelompok "
                            f"sasarannya, {unit_name(kab_code)} {int(year)}"),
        "pocket_kecamatan": "Kecamatan prioritas (P0 model SAE)",
        "pocket_desa": "Desa prioritas",
    }


def applicable_programmes(kab_code: str, programmes: Sequence[str] = SOCIAL_ASSISTANCE) -> list[str]:
    """The programmes of ``programmes`` that apply in a unit: Dana Desa ones only where there are desa.

    Examples
    --------
    >>> applicable_programmes("1771")
    ['pkh', 'bpnt', 'pbi', 'pip']
    >>> "blt_dd" in applicable_programmes("1701")
    True
    """
    from tkpk_lib.data.reference_data import regions

    r = regions("desa")
    code = str(kab_code)
    has_desa = bool(((r["level"] == "desa") & (r["code"].str[:len(code)] == code)).any()) if code != province_code() \
        else bool((r["level"] == "desa").any())
    return [p for p in programmes if has_desa or p not in DESA_ONLY]


def _flag(cell: str, reliability: str | None = None) -> str:
    """Words for the reliability mark of a displayed cell (``*`` caution, ``**`` unreliable)."""
    if str(cell).endswith("**") or reliability in ("unreliable", "suppressed"):
        return " (estimasi tidak andal: RSE di atas 50% atau kasus sampel sedikit; tidak untuk disimpulkan)"
    if str(cell).endswith("*") or reliability == "caution":
        return " (estimasi perlu digunakan dengan hati-hati: RSE 25-50%)"
    return ""


def _cite(caption: str) -> str:
    return f" [Tabel: {caption}]"


def _ind_rows(cache: str | Path, kab_code: str, year: int, min_sample: int = 0) -> pd.DataFrame:
    ind = load_section(cache, "indicators", min_sample=min_sample)
    return ind[(ind["year"] == int(year)) & (ind["kab_code"].astype(str) == str(kab_code))].set_index("indicator")


def _level(cache: str | Path, kab_code: str, year: int, sheet: pd.DataFrame, cap: str,
           min_sample: int) -> list[tuple]:
    ind = _ind_rows(cache, kab_code, year, min_sample)
    if "p0" not in ind.index or pd.isna(ind.loc["p0", "estimate"]):
        return []
    r = ind.loc["p0"]
    shown = sheet.set_index("Indikator")
    p0_cell = shown.loc[indicator_name("p0"), "Estimasi"] if indicator_name("p0") in shown.index else ""
    lo, _ = about(max(float(r["ci_low"]), 0.0), r["se"])
    hi, _ = about(min(float(r["ci_high"]), 1.0), r["se"])
    text = (f"Pada tahun {int(year)}, persentase penduduk miskin (P0) {unit_name(kab_code)} sekitar "
            f"{about(r['estimate'], r['se'])[0]} (SK 95%: {lo.replace(' persen', '')}-{hi})")
    rows = [indicator_name("p0")]
    if "poor_count" in ind.index and pd.notna(ind.loc["poor_count", "estimate"]):
        c = ind.loc["poor_count"]
        text += f", atau sekitar {about(c['estimate'], c['se'], 'persons')[0]}"
        rows.append(indicator_name("poor_count"))
        if indicator_name("poor_count") in shown.index:
            count_cell = str(shown.loc[indicator_name("poor_count"), "Estimasi"])
            p0_cell = max(str(p0_cell), count_cell, key=lambda v: len(v) - len(v.rstrip("*")))
    return [(text + _flag(p0_cell, r.get("reliability")) + "." + _cite(cap), cap, rows)]


def _province(cache: str | Path, kab_code: str, year: int, cap: str, min_sample: int) -> list[tuple]:
    """The unit against the province (conservative z-test), from the comparison table's two rows."""
    from tkpk_lib.reporting.narrative import Z95

    if str(kab_code) == province_code():
        return []
    ind = load_section(cache, "indicators", min_sample=min_sample)
    e = ind[(ind["year"] == int(year)) & (ind["indicator"] == "p0")].set_index("kab_code")
    if str(kab_code) not in e.index or province_code() not in e.index or e.loc[[str(kab_code), province_code()],
                                                                            "estimate"].isna().any():
        return []
    a, b = e.loc[str(kab_code)], e.loc[province_code()]
    se = float((a["se"] ** 2 + b["se"] ** 2) ** 0.5)
    diff = float(a["estimate"] - b["estimate"])
    va, vb = about(a["estimate"], a["se"])[0], about(b["estimate"], b["se"])[0]
    if se > 0 and abs(diff / se) > Z95:
        how = "lebih tinggi daripada" if diff > 0 else "lebih rendah daripada"
        text = (f"P0 {unit_name(kab_code)} ({va}) {how} P0 {unit_name(province_code())} ({vb}); perbedaannya nyata "
                "secara statistik (uji beda 5%)")
    else:
        text = (f"P0 {unit_name(kab_code)} ({va}) dan P0 {unit_name(province_code())} ({vb}) tidak berbeda nyata "
                "secara statistik (uji beda 5%)")
    return [(text + "." + _cite(cap), cap, [unit_name(kab_code), unit_name(province_code())])]


def _rollup(cache: str | Path, kab_code: str, year: int, cap: str, min_sample: int) -> list[tuple]:
    """Province report: the kabupaten/kota whose P0 fell or rose significantly (the comparison table's rows)."""
    if str(kab_code) != province_code():
        return []
    t = tables.comparison_table(cache, year, "p0", min_sample=min_sample)
    if "Keterangan" not in t.columns:
        return []
    t = t[t["Wilayah"] != unit_name(province_code())]
    down = t[t["Keterangan"] == "turun"]
    up = t[t["Keterangan"] == "naik"]
    flat = t[t["Keterangan"] == "tidak berbeda nyata"]
    parts = [f"{verb} nyata di " + ", ".join(f"{w} ({c})" for w, c in zip(g["Wilayah"], g["Perubahan"], strict=True))
             for g, verb in ((down, "turun"), (up, "naik")) if len(g)]
    if not parts:
        text = (f"P0 tidak berubah nyata secara statistik di satu pun dari {len(t)} kabupaten/kota dibandingkan tahun "
                "pembanding (uji beda 5%)")
    else:
        text = (f"Dibandingkan tahun pembanding, P0 {' dan '.join(parts)} (poin persen); di {len(flat)} "
                "kabupaten/kota lainnya perubahannya tidak berbeda nyata (uji beda 5%)")
    return [(text + "." + _cite(cap), cap, list(down["Wilayah"]) + list(up["Wilayah"]))]


def _changes(cache: str | Path, kab_code: str, sheet: pd.DataFrame, cap: str, min_sample: int) -> list[tuple]:
    """The largest significant change among the indicators of the sheet, and how many changed."""
    ch = load_section(cache, "change", min_sample=min_sample)
    if ch.empty or "Perubahan" not in sheet.columns:
        return []
    shown = set(sheet["Indikator"])
    ch = ch[(ch["kab_code"].astype(str) == str(kab_code)) & ch["difference"].notna()]
    ch = ch[[indicator_name(c) in shown for c in ch["indicator"]]]
    if ch.empty:
        return []
    year_a = int(ch["year_a"].iloc[0])
    sig = ch[ch["significant"].astype(bool)]
    if sig.empty:
        return [(f"Dibandingkan tahun {year_a}, tidak satu pun dari {len(ch)} indikator pada tabel indikator utama "
                 "berubah nyata secara statistik (uji beda 5%)." + _cite(cap), cap, [])]
    top = sig.loc[(sig["difference"] / sig["se"]).abs().idxmax()]
    code = str(top["indicator"])
    unit = "persons" if code == "poor_count" else ("index" if code in ("gini",) else "fraction")
    if code in ("p1", "p2"):
        unit = "p_index"
    amount = _amount(abs(float(top["difference"])), float(top["se"]), unit)
    verb = "turun" if top["difference"] < 0 else "naik"
    word = top.get("assessment_id") if pd.notna(top.get("assessment_id")) else top.get("change_id")
    cell = sheet.set_index("Indikator").loc[indicator_name(code), "Estimasi"]
    others = len(sig) - 1
    text = (f"Dibandingkan tahun {year_a}, perubahan nyata terbesar (uji beda 5%): {indicator_name(code)} {verb} "
            f"sekitar {amount} ({word})")
    text += (f"; {others} indikator lain juga berubah nyata dan {len(ch) - len(sig)} indikator tidak berbeda nyata"
             if others else f"; {len(ch) - 1} indikator lain tidak berbeda nyata")
    return [(text + _flag(cell) + "." + _cite(cap), cap, [indicator_name(code)])]


def _amount(d: float, se: float, unit: str) -> str:
    if unit == "persons":
        return about(d, se, "persons")[0]
    if unit == "p_index":
        return about(100 * d, 100 * se, "index")[0] + " poin indeks"
    if unit == "index":
        return about(d, se, "index")[0] + " poin"
    return about(d, se)[0].replace(" persen", " poin persen")


def _targets(cache: str | Path, kab_code: str, sheet: pd.DataFrame, cap: str, min_sample: int) -> list[tuple]:
    """One sentence per target of the unit shown in the sheet: estimate, target, status and why."""
    tg = load_section(cache, "targets", min_sample=min_sample)
    if tg.empty or "Status" not in sheet.columns:
        return []
    tg = tg[tg["kab_code"].astype(str) == str(kab_code)].drop_duplicates("indicator")
    shown = sheet.set_index("Indikator")
    ind = _ind_rows(cache, kab_code, int(tg["year"].max()) if len(tg) else 0, min_sample)
    out = []
    for _, r in tg.iterrows():
        name = indicator_name(str(r["indicator"]))
        if name not in shown.index:
            continue
        if pd.isna(r["estimate"]) or str(r["indicator"]) not in ind.index:  # withheld by the small-cell rule
            out.append((f"{name} {unit_name(kab_code)} tidak ditampilkan karena sampel atau kasus sampelnya di "
                        f"bawah batas minimum; capaian target tahun {int(r['target_year'])} belum dapat "
                        "disimpulkan." + _cite(cap), cap, [name]))
            continue
        se = ind.loc[str(r["indicator"]), "se"]
        status = str(r["status_id"]) if pd.notna(r.get("status_id")) else "belum dapat disimpulkan"
        kind = (f"{ILLUSTRATIVE_TARGET}, bukan target RPJMD" if str(r.get("target_status")) == "illustrative"
                else re.sub(r" \([^()]*\.(?:csv|xlsx?)\)$", "", str(r.get("target_source") or "")).split(":")[0].strip()
                or "target")  # the document (and title), without the file it was read from
        target = fmt_number(100 * float(r["target"]), 2)
        lo, hi = max(float(r["ci_low"]), 0.0), float(r["ci_high"])
        text = (f"{name} tahun {int(r['year'])} sekitar {about(r['estimate'], se)[0]} (SK 95%: "
                f"{about(lo, se)[0].replace(' persen', '')}-{about(hi, se)[0]}) terhadap target {target} persen "
                f"tahun {int(r['target_year'])} ({kind}): {status}")
        why = str(r.get("reason_id") or "")
        if why and why != "None":
            text += f", karena {why}"
        out.append((text + _flag(shown.loc[name, "Estimasi"]) + "." + _cite(cap), cap, [name]))
    return out


_SHARE_CI = re.compile(r"^([0-9.]+,[0-9]+)(\**) \(([0-9.]+,[0-9]+)\u2013([0-9.]+,[0-9]+)\)$")


def _coverage(cache: str | Path, kab_code: str, target: str, cap: str, min_sample: int) -> list[tuple]:
    """The applicable programme with the lowest coverage of its own target group, naming those compared.

    Read from the table section 3 displays (each programme against its catalogue target group);
    programmes that do not apply in the unit are not in it. Unreliable cells (``**``) are left out.
    """
    from tkpk_lib.reporting.programme_tables import targeting_own_table

    t = targeting_own_table(cache, kab_code, min_sample=min_sample)
    col = "Cakupan, % (SK 95%)"
    if t.empty or col not in t.columns:
        return []
    parsed = t[col].astype(str).str.extract(_SHARE_CI)
    keep = parsed[0].notna() & (parsed[1] != "**")
    t, parsed = t[keep], parsed[keep]
    if len(t) < 2:
        return []
    values = parsed[0].str.replace(".", "", regex=False).str.replace(",", ".", regex=False).astype(float)
    i = int(values.to_numpy().argmin())
    low, cov = t.iloc[i], float(values.iloc[i])
    scope = ", ".join(t["Program"].iloc[:-1]) + " dan " + t["Program"].iloc[-1]
    text = (f"Di antara {scope}, kesenjangan cakupan terbesar terhadap kelompok sasarannya sendiri ada pada "
            f"{low['Program']}: cakupannya {parsed[0].iloc[i]} persen (SK 95% {parsed[2].iloc[i]}-"
            f"{parsed[3].iloc[i]}), jadi sekitar {fmt_number(100 - cov, 1)} persen {low['Kelompok sasaran']} "
            "belum menerimanya")
    return [(text + _flag(parsed[1].iloc[i]) + "." + _cite(cap), cap, list(t["Program"]))]


def _pockets(cache: str | Path, kab_code: str, caps: dict[str, str], n: int = 3) -> list[tuple]:
    out = []
    for level, key, what in (("kecamatan", "pocket_kecamatan", "Kecamatan dengan P0 model tertinggi"),
                             ("desa", "pocket_desa", "Desa prioritas teratas")):
        t = tables.pocket_table(cache, kab_code, level, top=n)
        if t.empty:
            continue
        rate_col = t.columns[3]
        items = [f"{r['Nama']} ({r[rate_col]})" for _, r in t.iterrows()]
        joined = ", ".join(items[:-1]) + " dan " + items[-1] if len(items) > 1 else items[0]
        measure = "P0 model SAE, %" if level == "kecamatan" else rate_col
        worst = max(t[rate_col].astype(str), key=lambda c: len(c) - len(c.rstrip("*")))
        out.append((f"{what} ({measure}): {joined}{_flag(worst)}." + _cite(caps[key]), caps[key], list(t["Nama"])))
    return out


def summary_sentences(cache: str | Path, kab_code: str, year: int, *, min_sample: int = 0,
                      target: str = "poor") -> pd.DataFrame:
    """The sentences of a unit's automatic summary, each with the displayed table and rows it comes from.

    Parameters
    ----------
    cache : path
        Prepared cache.
    kab_code : str
        Kabupaten/kota or ``"17"``.
    year : int
        Report year.
    min_sample : int
        The report's small-cell rule (the tables read apply it).
    target : str
        Coverage target group (``poor``, ``b40``, ``registry``).

    Returns
    -------
    pandas.DataFrame
        ``text`` (the sentence, ending with ``[Tabel: caption]``), ``table`` (the caption of the
        table in the report) and ``rows`` (labels of its rows the sentence rests on).

    Examples
    --------
    >>> summary_sentences("derived/2024", "1701", 2024)  # doctest: +SKIP
    """
    caps = table_captions(kab_code, year, target)
    sheet = tables.indicator_sheet(cache, kab_code, year, min_sample=min_sample)
    rows: list[tuple] = []
    rows += _level(cache, kab_code, year, sheet, caps["indicator_sheet"], min_sample)
    rows += _province(cache, kab_code, year, caps["comparison_table"], min_sample)
    rows += _rollup(cache, kab_code, year, caps["comparison_table"], min_sample)
    rows += _changes(cache, kab_code, sheet, caps["indicator_sheet"], min_sample)
    rows += _targets(cache, kab_code, sheet, caps["indicator_sheet"], min_sample)
    rows += _coverage(cache, kab_code, target, caps["targeting_table"], min_sample)
    rows += _pockets(cache, kab_code, caps)
    return pd.DataFrame(rows, columns=COLUMNS)


def summary_markdown(cache: str | Path, kab_code: str, year: int, *, min_sample: int = 0,
                     target: str = "poor") -> str:
    """The summary block of the report (Markdown): one bullet per sentence of :func:`summary_sentences`.

    Examples
    --------
    >>> summary_markdown("derived/2024", "1701", 2024)  # doctest: +SKIP
    """
    s = summary_sentences(cache, kab_code, year, min_sample=min_sample, target=target)
    body = "\n".join(f"- {t}" for t in s["text"]) if len(s) else "- (tidak ada data untuk ringkasan)"
    return ("### Ringkasan otomatis\n\n" + body + "\n\n*Draf otomatis: setiap kalimat berasal dari baris tabel yang "
            "disebut dalam kurung siku; angka dibulatkan sesuai galat bakunya. Uji beda pada taraf 5%. Periksa dan "
            "sunting sebelum digunakan.*")
