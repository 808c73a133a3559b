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
from tkpk_lib.data.region import province_code
from tkpk_lib.reporting.formatting import fmt_int
from tkpk_lib.reporting.labels import unit_name
from tkpk_lib.reporting.reading import _index, load_section

NO_LOG = "log kegiatan TKPK tidak tersedia"


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
    if r.get("pocket_unmapped", 0) and r["pocket_unmapped"] == r["pocket_desa"]:
        return "peta program tidak tersedia", ""
    return (f"{fmt_int(r['pocket_no_strategy3'])} dari {fmt_int(r['pocket_desa'])}",
            f"tanpa program sama sekali: {fmt_int(r['pocket_no_programme'])}; hanya satu strategi: "
            f"{fmt_int(r['pocket_one_strategy'])}; desa dengan satu klaster dari 2+ sumber dana: "
            f"{fmt_int(r['multi_source_loci'])}; desa dengan program 2+ OPD: {fmt_int(r['multi_opd_desa'])}")


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
            "multi_source_loci": "Desa: satu klaster, 2+ sumber dana", "multi_opd_desa": "Desa: program 2+ OPD"}
    out = pd.DataFrame({"Wilayah": [unit_name(k) for k in t["kab_code"].astype(str)]})
    for c, head in cols.items():
        if c in t.columns:
            out[head] = [fmt_int(x) for x in t[c]]
    return out


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
    due = "" if r.empty else f"jatuh tempo {str(r.iloc[0]['due_date'])[:10]}"
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
        "LP2KD jatuh tempo": [str(d)[:10] for d in t["due_date"]],
        "LP2KD disampaikan": ["\u2013" if pd.isna(d) else str(d)[:10] for d in t["submitted_date"]],
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
            "sesuai atau tidak tercapai, anggaran dibanding kebutuhan, desa kantong tanpa program strategi 3, paket program "
            "komplementer yang jarang diterima lengkap, pelaporan dan rapat koordinasi). Rekomendasi, OPD penanggung jawab dan tenggat ditetapkan dalam rapat TKPK, bukan oleh "
            "perangkat lunak.")
