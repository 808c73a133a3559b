"""Display tables of the six implementation mechanisms of guideline section 3.2.

Reads the ``mechanisms`` section (TKPK activity log: :mod:`tkpk_lib.analysis.activities`) and
the sources of the prepared cache. Targeting, integration and complaints have their own report
sections; this section gives each mechanism its few indicators in one table, plus the
reporting and coordination table of every unit for the province.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from tkpk_lib.analysis.activities import MIN_MEETINGS
from tkpk_lib.analysis.synergy import CHECK_FINDING
from tkpk_lib.data.region import province_code
from tkpk_lib.reporting.formatting import fmt_date, fmt_int, fmt_number
from tkpk_lib.reporting.labels import PROGRAMME_LABELS, _region_names, unit_name
from tkpk_lib.reporting.reading import _index, load_section

NO_LOG = "log kegiatan TKPK tidak tersedia"
#: Shown instead of zeros when a unit's programme map declares no relationship (guideline 3.2.1.b.5).
NO_RELATIONSHIP = "kolom hubungan program belum diisi di peta program"
#: Shown when no regional programme overlaps a central one undeclared and none is funded twice.
NO_RELATIONSHIP_FINDING = ("Tidak ada program daerah yang bersasaran dan berlokus sama dengan program pusat tanpa "
                           "hubungan yang dinyatakan, dan tidak ada program bernama sama (atau yang mempertebal program "
                           "pusat yang sama) yang didanai dua tingkat pemerintahan di desa yang sama.")
#: Words of the three relationships of guideline 3.2.1.b.5 (and of a regional programme declaring none).
RELATIONSHIP_LABELS = {"perluasan": "perluasan program pusat", "pelengkap": "pelengkap program pusat",
                       "mempertebal": "mempertebal (menambah nilai bantuan) program pusat",
                       "tidak dinyatakan": "hubungan tidak dinyatakan"}


def _part(cache: str | Path, name: str) -> pd.DataFrame:
    m = load_section(cache, "mechanisms")
    if m.empty:
        return pd.DataFrame()
    return m[m["table"] == name].drop(columns="table").dropna(axis=1, how="all").reset_index(drop=True)


def _sources_text(cache: str | Path) -> str:
    """Data sources used with their period, from the cache's index (mechanism 4)."""
    info = _index(cache)
    src = info.get("sources", {})
    years = info.get("years", [])
    parts = [f"Susenas Maret {years[0]}\u2013{years[-1]}" if years else "Susenas"]
    labels = {"labour": "Sakernas Agustus", "villages": "Podes", "registry": "data terpadu",
              "programmes": "peta program", "complaints": "log pengaduan", "activities": "log kegiatan TKPK"}
    for key, label in labels.items():
        if key in src:
            parts.append(f"{label} ({Path(src[key]).name})")
    return "; ".join(parts)


def _synergy_cells(cache: str | Path, code: str) -> tuple[str, str]:
    """Value and note of mechanism 2 for one unit (``synergy`` section)."""
    s = load_section(cache, "synergy")
    if s.empty:
        return "peta program tidak tersedia", "lihat bagian 5"
    row = s[(s["table"] == "summary") & (s["kab_code"].astype(str) == code)]
    if row.empty or "pocket_desa" not in row or pd.isna(row["pocket_desa"].iloc[0]):
        return "\u2013", "lihat bagian 5"
    r = row.iloc[0]
    unmapped = int(r.get("pocket_unmapped", 0) or 0)
    if unmapped and unmapped == r["pocket_desa"]:
        return "peta program tidak tersedia", ""
    # the pocket desa of units without a programme map are unknown, not unreached: not in the denominator
    mapped = (f"desa kantong di wilayah tanpa peta program (tidak dihitung): {fmt_int(unmapped)}; "
              if unmapped else "")
    same = r.get("multi_opd_group_desa")
    return (f"{fmt_int(r['pocket_no_strategy3'])} dari {fmt_int(r['pocket_desa'] - unmapped)}",
            f"{mapped}tanpa program sama sekali: {fmt_int(r['pocket_no_programme'])}; hanya satu strategi: "
            f"{fmt_int(r['pocket_one_strategy'])}; desa dengan satu klaster dari 2+ sumber dana: "
            f"{fmt_int(r['multi_source_loci'])}; desa dengan program 2+ OPD: {fmt_int(r['multi_opd_desa'])}"
            + (f" (untuk sasaran yang sama: {fmt_int(same)})" if pd.notna(same) else "")
            + (f"; desa perlu dicek (duplikasi atau pelengkap?): {fmt_int(r['relationship_check_desa'])}; desa perlu "
               f"dicek (pendanaan ganda dari 2+ tingkat pemerintahan?): {fmt_int(r['duplicate_funding_desa'])}"
               if pd.notna(r.get("relationship_check_desa")) else ""))


def synergy_table(cache: str | Path) -> pd.DataFrame:
    """Synergy counts per kabupaten/kota and the province (mechanism 2).

    Examples
    --------
    >>> synergy_table("derived/2024")  # doctest: +SKIP
    """
    s = load_section(cache, "synergy")
    if s.empty:
        return pd.DataFrame()
    t = s[s["table"] == "summary"]
    cols = {"pocket_desa": "Desa kantong", "pocket_no_programme": "Tanpa program",
            "pocket_one_strategy": "Hanya satu strategi", "pocket_no_strategy3": "Tanpa program strategi 3",
            "pocket_unmapped": "Peta program tidak ada",
            "multi_source_loci": "Desa: satu klaster, 2+ sumber dana",
            "multi_opd_desa": "Desa: program 2+ OPD (sasaran apa pun)",
            "multi_opd_group_desa": "Desa: program 2+ OPD untuk sasaran yang sama",
            "relationship_check_desa": "Desa: perlu dicek (duplikasi atau pelengkap?)",
            "duplicate_funding_desa": "Desa: perlu dicek (pendanaan ganda dari 2+ tingkat pemerintahan?)"}
    out = pd.DataFrame({"Wilayah": [unit_name(k) for k in t["kab_code"].astype(str)]})
    for c, head in cols.items():
        if c in t.columns:
            out[head] = [fmt_int(x) for x in t[c]]
    return out


def _synergy_part(cache: str | Path, name: str, kab_code: str) -> pd.DataFrame:
    """One detail table of the ``synergy`` section for a unit (every unit's rows for the province)."""
    s = load_section(cache, "synergy")
    if s.empty or "table" not in s.columns:
        return pd.DataFrame()
    t = s[s["table"] == name]
    if name == "relationships" or str(kab_code) != province_code():
        t = t[t["kab_code"].astype(str) == str(kab_code)]
    return t.dropna(axis=1, how="all").reset_index(drop=True)


def _central_label(text: object) -> str:
    """Central programmes as written, catalogue codes as their short names ("pkh, pip" -> "PKH, PIP")."""
    return ", ".join(PROGRAMME_LABELS.get(p, p) for p in str(text).split(", ") if p and p != "nan")


def relationship_table(cache: str | Path, kab_code: str) -> pd.DataFrame:
    """Regional programmes by their declared relationship to a central programme (guideline 3.2.1.b.5).

    One row per relationship (perluasan, pelengkap, mempertebal, not declared) with programme
    lines, locus desa, budget and the central programmes named; for the province, its totals.
    A unit whose map declares no relationship gets one row saying :data:`NO_RELATIONSHIP`
    instead of zeros; a unit without regional programme rows, an empty table.

    Examples
    --------
    >>> relationship_table("derived/2024", "1701")  # doctest: +SKIP
    """
    head = "Program daerah dan nonpemerintah menurut hubungan dengan program pusat"
    t = _synergy_part(cache, "relationships", kab_code)
    if t.empty:
        return pd.DataFrame()
    if not (t["relationship"] != "tidak dinyatakan").any():
        return pd.DataFrame({head: [NO_RELATIONSHIP], "Program/kegiatan": ["\u2013"], "Desa lokus": ["\u2013"],
                             "Pagu (juta Rp)": ["\u2013"], "Program pusat": ["\u2013"]})
    return pd.DataFrame({
        head: [RELATIONSHIP_LABELS.get(r, r) for r in t["relationship"]],
        "Program/kegiatan": [fmt_int(x) for x in t["rel_programmes"]],
        "Desa lokus": [fmt_int(x) for x in t["rel_desa"]],
        "Pagu (juta Rp)": [fmt_number(x / 1e6, 0) for x in t["rel_budget"]],
        "Program pusat": [_central_label(x) or "\u2013" for x in t.get("rel_central", pd.Series("", index=t.index))],
    })


def relationship_findings_table(cache: str | Path, kab_code: str) -> pd.DataFrame:
    """Desa to check: undeclared overlaps with a central programme, and one programme funded by two levels.

    Both are findings for the TKPK to check, never a verdict of duplication (the map cannot
    prove one). The province sees every unit's rows.

    Examples
    --------
    >>> relationship_findings_table("derived/2024", "17")  # doctest: +SKIP
    """
    names = _region_names()
    chk = _synergy_part(cache, "relationship_check", kab_code)
    dup = _synergy_part(cache, "duplicate_funding", kab_code)
    if not chk.empty and "regional_budget" not in chk:  # a cache written before the budget was kept
        chk = chk.assign(regional_budget=float("nan"))
    rows = [(k, d, f"{CHECK_FINDING} (sasaran sama: {g})",
             f"{p} ({src}" + (f"; pagu {fmt_number(v / 1e6, 0)} juta Rp)" if pd.notna(v) else ")"),
             _central_label(c) + " (APBN)")
            for k, d, g, p, src, v, c in zip(*(chk[c] if c in chk else [] for c in (
                "kab_code", "desa_code", "target_group", "regional_programme", "regional_source",
                "regional_budget", "central_programmes")), strict=True)]
    rows += [(k, d, f"perlu dicek: pendanaan ganda? didanai {fmt_int(n)} tingkat pemerintahan di desa ini "
              f"({b}; pagu gabungan {fmt_number(v / 1e6, 0)} juta Rp)", p, s)
             for k, d, p, b, n, s, v in zip(*(dup[c] if c in dup else [] for c in (
                 "kab_code", "desa_code", "dup_programme", "basis", "n_levels", "dup_fund_sources", "dup_budget")),
                 strict=True)]
    out = pd.DataFrame({
        "Wilayah": [unit_name(str(r[0])) for r in rows],
        "Desa": [f"{names.get(str(r[1]), str(r[1]))} ({r[1]})" for r in rows],
        "Temuan": [r[2] for r in rows],
        "Program daerah/nonpemerintah": [r[3] for r in rows],
        "Program pusat atau sumber dana": [r[4] for r in rows],
    })
    return out if str(kab_code) == province_code() else out.drop(columns="Wilayah")


def relationship_intro_markdown() -> str:
    """What the integration tables check (markdown).

    Examples
    --------
    >>> "3.2.1.b.5" in relationship_intro_markdown()
    True
    """
    return ("**Hubungan program daerah dengan program pusat** (pedoman 3.2.1.b.5): program daerah dapat menjadi "
            "perluasan, pelengkap, atau mempertebal (menambah besaran nilai bantuan) program pusat; kolom HUBUNGAN, "
            "PROGRAM_PUSAT dan MITRA peta program. Program daerah yang berlokus di desa yang sama dan bersasaran sama "
            "(kolom SASARAN ditulis sama) dengan program APBN tanpa hubungan yang dinyatakan ditandai \u201cperlu dicek\u201d: peta program tidak "
            "dapat membuktikan duplikasi, TKPK memeriksanya bersama OPD (pedoman 3.2.2: saling melengkapi). "
            "Program bernama sama, atau program daerah yang mempertebal program pusat yang sama, yang didanai dua "
            "tingkat pemerintahan atau lebih (APBN, APBD provinsi, APBD kabupaten/kota, APBDes) di desa yang sama "
            "ditandai \u201cperlu dicek: pendanaan ganda?\u201d; pagunya dijumlah dari semua tingkat.")


def mechanisms_table(cache: str | Path, kab_code: str, year: int) -> pd.DataFrame:
    """One row per mechanism of section 3.2 with its indicators for one unit (or the province).

    Examples
    --------
    >>> mechanisms_table("derived/2024", "1701", 2024)  # doctest: +SKIP
    """
    code = str(kab_code)
    rep, counts = _part(cache, "reporting"), _part(cache, "counts")
    r = rep[rep["unit_code"].astype(str) == code] if not rep.empty else rep
    c = counts[counts["unit_code"].astype(str) == code] if not counts.empty else counts
    if c.empty:
        meet = visits = events = reached = NO_LOG
        meet_note = ""
    else:
        row = c.iloc[0]
        meet = fmt_int(row["meetings"])
        meet_note = f"minimal {MIN_MEETINGS} rapat setahun: {row['meetings_ok']}"
        visits, events, reached = fmt_int(row["monitoring_visits"]), fmt_int(row["socialisation_events"]), \
            fmt_int(row["people_reached"])
    lp2kd = NO_LOG if r.empty else str(r.iloc[0]["status"])
    due = "" if r.empty else f"jatuh tempo {fmt_date(r.iloc[0]['due_date'])}"
    rows = [
        ("1. Penargetan", "Cakupan dan ketepatan sasaran tiap program; data terpadu", "lihat bagian 3 dan 7", ""),
        ("2. Keterpaduan dan sinergi", "Desa kantong tanpa program strategi 3", *_synergy_cells(cache, code)),
        ("3. Sosialisasi dan edukasi", f"Kegiatan sosialisasi {year}", events, f"orang terjangkau: {reached}"),
        ("4. Pemantauan dan evaluasi", f"Kunjungan pemantauan lapangan {year}", visits,
         "sumber data: " + _sources_text(cache)),
        ("5. Pengaduan", "Pengaduan menurut program dan status", "lihat bagian 6", ""),
        ("6. Pelaporan", f"Rapat koordinasi TKPK {year}", meet, meet_note),
        ("6. Pelaporan", f"LP2KD {year}", lp2kd, due),
    ]
    return pd.DataFrame(rows, columns=["Mekanisme (pedoman 3.2)", "Indikator", "Nilai", "Keterangan"])


def reporting_table(cache: str | Path) -> pd.DataFrame:
    """Every unit: LP2KD due and submitted dates and status, meetings, monitoring, socialisation.

    Examples
    --------
    >>> reporting_table("derived/2024")  # doctest: +SKIP
    """
    rep, counts = _part(cache, "reporting"), _part(cache, "counts")
    if rep.empty:
        return pd.DataFrame()
    t = rep.merge(counts, on="unit_code", how="left")
    order = [province_code(), *sorted(u for u in t["unit_code"].astype(str) if u != province_code())]
    t = t.set_index(t["unit_code"].astype(str)).loc[order]
    return pd.DataFrame({
        "Wilayah": [unit_name(u) for u in t.index],
        "LP2KD jatuh tempo": [fmt_date(d) for d in t["due_date"]],
        "LP2KD disampaikan": [fmt_date(d) for d in t["submitted_date"]],
        "Status LP2KD": t["status"].tolist(),
        "Rapat koordinasi": [fmt_int(x) for x in t["meetings"]],
        f"Minimal {MIN_MEETINGS} rapat": t["meetings_ok"].tolist(),
        "Kunjungan pemantauan": [fmt_int(x) for x in t["monitoring_visits"]],
        "Kegiatan sosialisasi": [fmt_int(x) for x in t["socialisation_events"]],
        "Orang terjangkau": [fmt_int(x) for x in t["people_reached"]],
    }).reset_index(drop=True)


def socialisation_table(cache: str | Path, by: str = "audience") -> pd.DataFrame:
    """Socialisation events and reach by audience (guideline 3.2.3.c) or medium, province-wide.

    Examples
    --------
    >>> socialisation_table("derived/2024")  # doctest: +SKIP
    """
    t = _part(cache, by)
    if t.empty:
        return pd.DataFrame()
    head = "Sasaran (pedoman 3.2.3.c)" if by == "audience" else "Media/saluran"
    return pd.DataFrame({head: t[by].tolist(), "Kegiatan": [fmt_int(x) for x in t["events"]],
                         "Orang terjangkau": [fmt_int(x) for x in t["people_reached"]],
                         "Wilayah penyelenggara": [fmt_int(x) for x in t["units"]]})


def mechanisms_intro_markdown() -> str:
    """The rules the mechanisms section checks (markdown).

    Examples
    --------
    >>> "2 bulan" in mechanisms_intro_markdown()
    True
    """
    return ("Enam mekanisme pelaksanaan pedoman bagian 3.2. Pelaporan (3.2.6): LP2KD kabupaten/kota disampaikan "
            "paling lama 1 bulan dan LP2KD provinsi paling lama 2 bulan setelah tahun anggaran berakhir; rapat "
            f"koordinasi TKPK paling sedikit {MIN_MEETINGS} kali setahun. Sumber: log kegiatan TKPK.")


def problems_table(cache: str | Path, kab_code: str) -> pd.DataFrame:
    """DRAFT problems with their evidence; recommendation, OPD and deadline left for the secretariat.

    The province sees every unit's rows; a kabupaten/kota its own.

    Examples
    --------
    >>> problems_table("derived/2024", "17")  # doctest: +SKIP
    """
    t = load_section(cache, "problems")
    if t.empty:
        return pd.DataFrame()
    if str(kab_code) != province_code():
        t = t[t["kab_code"].astype(str) == str(kab_code)]
    fill = "(diisi sekretariat)"
    return pd.DataFrame({
        "No": range(1, len(t) + 1),
        "Wilayah": [unit_name(k) for k in t["kab_code"].astype(str)],
        "Permasalahan (draf)": t["problem"].tolist(),
        "Bukti": t["evidence"].tolist(),
        "Sumber": t["source"].tolist(),
        "Rekomendasi": [fill] * len(t),
        "OPD penanggung jawab": [fill] * len(t),
        "Tenggat": [fill] * len(t),
    })


def problems_intro_markdown() -> str:
    """Heading and warning of the draft table (markdown).

    Examples
    --------
    >>> "DRAF" in problems_intro_markdown()
    True
    """
    return ("### Draf permasalahan, rekomendasi dan rencana tindak lanjut\n\n"
            "**DRAF** yang disusun otomatis dari bukti di laporan ini (kesenjangan yang berbeda nyata, target yang belum "
            "sesuai atau tidak tercapai, anggaran dibanding kebutuhan, desa kantong tanpa program strategi 3, program "
            "yang perlu dicek karena pendanaan ganda atau kemungkinan duplikasi program pusat, paket program "
            "komplementer yang jarang diterima lengkap, pelaporan dan rapat koordinasi, rekomendasi tahun lalu yang "
            "lewat tenggat). Rekomendasi, OPD penanggung jawab dan tenggat ditetapkan dalam rapat TKPK, bukan oleh "
            "perangkat lunak.")
