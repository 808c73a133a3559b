"""Display tables and reading guidance of the report section "Bahan RPKD dan rencana aksi" and annex L.8.

Reads the prepared sections (no new estimation) through :func:`tkpk_lib.analysis.rpkd.rpkd_material`
and shapes each chapter of the RPKD material for a Bappeda planner: Indonesian headers, unit
names, percentages with their 95% CI, and the words of the tests ("belum dapat disimpulkan").
Every sentence of the reading guidance is computed from the table it stands beside.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from tkpk_lib.data.region import province_code
from tkpk_lib.reporting.formatting import _fmt_value, ci_bounds, fmt_int, fmt_number, fmt_percent
from tkpk_lib.reporting.labels import (
    ILLUSTRATIVE_TARGET,
    INDEX_100,
    PROGRAMME_LABELS,
    RELIABILITY_ID,
    _catalogue,
    _decimals,
    _unit_of,
    indicator_name,
    unit_name,
)
from tkpk_lib.reporting.reading import load_section

#: Sections the material reads (shown by ``section_notice`` in the report).
SOURCES = ("indicators", "change", "targets", "problems", "harmonisation", "budget", "targeting_own",
           "pockets_kecamatan", "pockets", "synergy")
#: Pocket desa shown in the report (the annex sheet L.8 lists them all).
DESA_SHOWN = 20
#: Kecamatan shown in the report (a kabupaten/kota has fewer; the province's pocket kecamatan may be more).
KECAMATAN_SHOWN = 20
#: Why a chapter's table is empty.
EMPTY = {
    "masalah": "Tidak ada draf permasalahan untuk wilayah ini dari bukti yang tersedia.",
    "strategi": "Peta program wilayah ini tidak tersedia: anggaran per strategi tidak dapat disusun.",
    "program": "Cakupan program terhadap kelompok sasarannya tidak tersedia untuk wilayah ini (lihat bagian 3).",
    "kecamatan": "Estimasi P0 kecamatan (model Fay-Herriot) tidak tersedia.",
    "desa": "Tidak ada desa/kelurahan kantong kemiskinan dalam daftar kantong.",
}
#: Marks of the estimates that need care (as in the indicator sheet: * RSE 25-50%, ** not reliable).
RELIABILITY_MARK = {"caution": "*", "unreliable": "**"}
#: Shorter words of the profile table (the reading guidance says why).
SHORT = {"tidak dibandingkan (bukan rata-rata penduduk)": "tidak dibandingkan"}
_MEMO: dict[tuple[str, int, str, int, int], dict[str, pd.DataFrame]] = {}


def material(cache: str | Path, kab_code: str, year: int, min_sample: int = 0) -> dict[str, pd.DataFrame]:
    """The RPKD material of one unit from the prepared sections (computed once per kernel).

    Examples
    --------
    >>> material("derived/2024", "1701", 2024)["profil"]  # doctest: +SKIP
    """
    from tkpk_lib.analysis.rpkd import rpkd_material

    index = Path(cache) / "sections.json"  # a cache entry rebuilt in place (same folder) is read again
    stamp = index.stat().st_mtime_ns if index.exists() else 0
    key = (str(Path(cache).resolve()), stamp, str(kab_code), int(year), int(min_sample))
    if key not in _MEMO:
        frames = {n: load_section(cache, n, min_sample=min_sample) for n in SOURCES}
        frames = {n: f for n, f in frames.items() if not f.empty}
        if "indicators" not in frames:
            return {}
        names = {c: str(n) for c, n in _catalogue()["name_id"].items()}
        m = rpkd_material(frames, str(kab_code), int(year), names)
        tg = frames.get("targets")
        if tg is not None and "target_status" in tg.columns:  # illustrative targets are marked where printed
            tg = tg[tg["kab_code"].astype(str) == str(kab_code)]
            kind = dict(zip(tg["indicator"].astype(str), tg["target_status"].astype(str), strict=True))
            m["profil"] = m["profil"].assign(target_kind=m["profil"]["indicator"].map(kind))
        if len(_MEMO) > 32:
            _MEMO.clear()
        _MEMO[key] = m
    return _MEMO[key]


def _value(code: str, x: float) -> str:
    cat = _catalogue()
    return _fmt_value(x, _unit_of(code, cat), _decimals(code, cat))


def _interval(code: str, lo: float, hi: float) -> str:
    unit = _unit_of(code, _catalogue())
    lo, hi = ci_bounds(lo, hi, unit)
    return "\u2013" if pd.isna(lo) or pd.isna(hi) else f"{_value(code, lo)}\u2013{_value(code, hi)}"


def _change(code: str, d: float, lo: float, hi: float) -> str:
    """A change with its 95% CI: points for percentages, persons for counts."""
    if pd.isna(d):
        return "\u2013"
    unit = _unit_of(code, _catalogue())
    if unit == "fraction":
        return f"{fmt_number(100 * d, 2)} poin ({fmt_number(100 * lo, 2)} s.d. {fmt_number(100 * hi, 2)})"
    if unit in {"persons", "households", "count"}:
        return f"{fmt_int(d)} jiwa ({fmt_int(lo)} s.d. {fmt_int(hi)})"
    dec = _decimals(code, _catalogue())
    return f"{fmt_number(d, dec)} ({fmt_number(lo, dec)} s.d. {fmt_number(hi, dec)})"


def section_heading(kab_code: str) -> str:
    """Heading and note of the section; its number follows the sections the unit's report has.

    The province report has the harmonisation board as section 9, so this section is 10 there
    and 9 in a kabupaten/kota report (no gap in the numbering of tables).

    Examples
    --------
    >>> section_heading("17").splitlines()[0], section_heading("1771").splitlines()[0]
    ('## 10. Bahan RPKD dan rencana aksi', '## 9. Bahan RPKD dan rencana aksi')
    """
    n = 10 if str(kab_code) == province_code() else 9
    return (f"## {n}. Bahan RPKD dan rencana aksi\n\n"
            "**Bahan (draf) untuk sekretariat TKPK, bukan rencana yang ditetapkan.** Pedoman meminta sekretariat "
            "menyiapkan bahan RPKD, rencana aksi dan agenda kerja tahunan; bagian ini menyusun bukti laporan ini "
            "menurut urutan bab RPKD: profil kemiskinan daerah, prioritas masalah dan program, lokasi prioritas. "
            "Prioritas akhir, program dan lokasi ditetapkan dalam rapat TKPK. Semua angka survei disertai selang "
            "kepercayaan 95% (SK 95%); bila selang belum dapat memutuskan, tabel menulis "
            "\u201cbelum dapat disimpulkan\u201d. Daftar lengkap ada di Lampiran, Tabel L.8.")


def profile_table(cache: str | Path, kab_code: str, year: int, min_sample: int = 0) -> pd.DataFrame:
    """Chapter 1: headline indicators with CI, change with its CI and test, against the province and target.

    Examples
    --------
    >>> profile_table("derived/2024", "1701", 2024)  # doctest: +SKIP
    """
    p = material(cache, kab_code, year, min_sample).get("profil", pd.DataFrame())
    if p.empty:
        return pd.DataFrame()
    year_a = p["year_a"].dropna()
    since = f"Perubahan sejak {int(year_a.iloc[0])} (SK 95%)" if len(year_a) else "Perubahan (SK 95%)"
    kind = p["target_kind"] if "target_kind" in p.columns else pd.Series(None, index=p.index)
    out = pd.DataFrame({
        "Indikator": [indicator_name(c) for c in p["indicator"]],
        "Nilai": [_value(c, x) + ("%" if _unit_of(c, _catalogue()) == "fraction" and c not in INDEX_100
                                  and pd.notna(x) else "") + RELIABILITY_MARK.get(str(r), "")
                  for c, x, r in zip(p["indicator"], p["estimate"], p["reliability"], strict=True)],
        "SK 95%": [_interval(c, lo, hi) for c, lo, hi in zip(p["indicator"], p["ci_low"], p["ci_high"], strict=True)],
        since: [_change(c, d, lo, hi) for c, d, lo, hi in zip(p["indicator"], p["change"], p["change_ci_low"],
                                                               p["change_ci_high"], strict=True)],
        "Uji perubahan (5%)": p["change_id"].fillna("\u2013").tolist(),
        "Dibanding provinsi (5%)": [SHORT.get(str(v), v) for v in p["vs_province"].fillna("\u2013")],
        "Target (tahun): status": [
            "\u2013" if pd.isna(t) else f"{_value(c, t)} ({int(y)}): {st}"
            + (f" ({ILLUSTRATIVE_TARGET})" if k == "illustrative" else "")
            for c, t, y, st, k in zip(p["indicator"], p["target"], p["target_year"], p["target_status"], kind,
                                      strict=True)],
    })
    if str(kab_code) == province_code():
        out = out.drop(columns="Dibanding provinsi (5%)")
    return out


def _names(codes: pd.Series) -> str:
    names = [indicator_name(c) for c in codes]
    return "; ".join(names)


def profile_markdown(cache: str | Path, kab_code: str, year: int, min_sample: int = 0) -> str:
    """Heading and how to read chapter 1, with what its table says.

    Examples
    --------
    >>> profile_markdown("derived/2024", "1701", 2024)  # doctest: +SKIP
    """
    p = material(cache, kab_code, year, min_sample).get("profil", pd.DataFrame())
    head = "### Bab 1. Profil kemiskinan daerah\n\n"
    if p.empty:
        return head + "Indikator tahun ini tidak tersedia."
    lines = [f"Indikator utama {unit_name(kab_code)} tahun {year} dengan SK 95% dan perubahannya (uji beda 5%)."]
    if str(kab_code) != province_code():
        worse = p[p["vs_province"] == "lebih buruk dari provinsi"]["indicator"]
        better = p[p["vs_province"] == "lebih baik dari provinsi"]["indicator"]
        lines.append(f"Lebih buruk dari provinsi secara nyata: {_names(worse) if len(worse) else 'tidak ada'}."
                     + (f" Lebih baik secara nyata: {_names(better)}." if len(better) else ""))
    for word, label in (("membaik", "Membaik secara nyata"), ("memburuk", "Memburuk secara nyata")):
        sel = p[p["change_id"] == word]["indicator"]
        lines.append(f"{label}: {_names(sel) if len(sel) else 'tidak ada'}.")
    missed = p[p["target_status"].isin(["tidak tercapai", "belum sesuai target"])]["indicator"]
    if len(missed):
        lines.append(f"Target tidak tercapai atau belum sesuai target: {_names(missed)}.")
    lines.append("Indikator lain: perbedaan atau perubahannya belum dapat disimpulkan dari sampel Susenas/Sakernas.")
    apart = p[p["vs_province"].map(lambda v: SHORT.get(str(v)) == "tidak dibandingkan")]["indicator"]
    if str(kab_code) != province_code() and len(apart):
        lines.append(f"Tidak dibandingkan dengan provinsi: {_names(apart)} (angka provinsinya bukan rata-rata "
                     "penduduk kabupaten/kota).")
    lines.append("Tanda * = estimasi perlu digunakan dengan hati-hati (RSE 25-50%); ** = tidak andal.")
    return head + " ".join(lines)


def problems_table(cache: str | Path, kab_code: str, year: int, min_sample: int = 0) -> pd.DataFrame:
    """Chapter 2a: the draft problems in priority order (missed targets and significant gaps first).

    Examples
    --------
    >>> problems_table("derived/2024", "17", 2024)  # doctest: +SKIP
    """
    t = material(cache, kab_code, year, min_sample).get("masalah", pd.DataFrame())
    if t.empty:
        return pd.DataFrame()
    out = pd.DataFrame({"Prioritas": t["rank"].astype(int).tolist(),
                        "Wilayah": [unit_name(k) for k in t["kab_code"]],
                        "Jenis": t["kind"].tolist(), "Permasalahan (draf)": t["problem"].tolist(),
                        "Bukti": t["evidence"].tolist(), "Sumber": t["source"].tolist()})
    return out if str(kab_code) == province_code() else out.drop(columns="Wilayah")


def priorities_markdown(cache: str | Path, kab_code: str, year: int, min_sample: int = 0) -> str:
    """Heading and how to read chapter 2 (priority problems and programmes).

    Examples
    --------
    >>> priorities_markdown("derived/2024", "1701", 2024)  # doctest: +SKIP
    """
    m = material(cache, kab_code, year, min_sample)
    t = m.get("masalah", pd.DataFrame())
    lines = ["### Bab 2. Prioritas masalah dan program\n",
             "Urutan prioritas draf: target (sendiri atau resmi) yang tidak tercapai atau belum sesuai, lalu "
             "kesenjangan dengan provinsi yang berbeda nyata (statistik uji terbesar lebih dulu), desa kantong tanpa program strategi 3, kantong "
             "lintas batas, keterpaduan program, paket komplementer, anggaran, tindak lanjut, pelaporan dan "
             "koordinasi."]
    if len(t):
        lines.append(f"Tabel prioritas masalah memuat {len(t)} draf permasalahan.")
    pr = m.get("program", pd.DataFrame())
    if len(pr):
        low = pr[pr["verdict"] == "rendah"]["programme"]
        und = pr[pr["verdict"] == "belum dapat disimpulkan"]["programme"]
        lines.append("Cakupan program disebut rendah hanya bila seluruh SK 95% cakupannya di bawah 50% kelompok "
                     "sasarannya sendiri: "
                     + (", ".join(PROGRAMME_LABELS.get(c, c) for c in low) if len(low) else "tidak ada program")
                     + (f"; belum dapat disimpulkan: {', '.join(PROGRAMME_LABELS.get(c, c) for c in und)}"
                        if len(und) else "") + ".")
    return "\n".join(lines[:1]) + "\n" + " ".join(lines[1:])


def strategy_table(cache: str | Path, kab_code: str, year: int, min_sample: int = 0) -> pd.DataFrame:
    """Chapter 2b: budget per strategy and the map programme with the lowest physical achievement.

    Examples
    --------
    >>> strategy_table("derived/2024", "1701", 2024)  # doctest: +SKIP
    """
    s = material(cache, kab_code, year, min_sample).get("strategi", pd.DataFrame())
    if s.empty:
        return pd.DataFrame()
    return pd.DataFrame({
        "Strategi (pedoman 2.5)": [f"{int(k)}. {lab}" for k, lab in zip(s["strategy"], s["strategy_label"],
                                                                        strict=True)],
        "Pagu (Rp juta)": [fmt_number(b / 1e6, 1) for b in s["budget"]],
        "Bagian pagu (%)": [fmt_percent(x, 1) for x in s["budget_share"]],
        "Realisasi (%)": [fmt_percent(x, 1) for x in s["realisation_rate"]],
        "Jumlah program": [fmt_int(x) for x in s["n_programmes"]],
        "Capaian target terendah (peta program)": [
            "\u2013" if p is None or pd.isna(r) else f"{p} ({fmt_percent(r, 1)}%)"
            for p, r in zip(s["lowest_programme"], s["lowest_reach"], strict=True)],
    })


def programme_table(cache: str | Path, kab_code: str, year: int, min_sample: int = 0) -> pd.DataFrame:
    """Chapter 2c: national programmes by strategy, lowest coverage of their own target group first.

    Examples
    --------
    >>> programme_table("derived/2024", "1701", 2024)  # doctest: +SKIP
    """
    t = material(cache, kab_code, year, min_sample).get("program", pd.DataFrame())
    if t.empty:
        return pd.DataFrame()
    return pd.DataFrame({
        "Strategi": [str(int(s)) for s in t["strategy"]],
        "Program": [PROGRAMME_LABELS.get(str(p), str(p)) for p in t["programme"]],
        "Kelompok sasaran": t["target_group"].fillna("").tolist(),
        "Cakupan sasaran (%)": [fmt_percent(x) for x in t["estimate"]],
        "SK 95%": [_interval("p0", lo, hi) for lo, hi in zip(t["ci_low"], t["ci_high"], strict=True)],
        "Keandalan": [RELIABILITY_ID.get(str(r), "\u2013") for r in t["reliability"]],
        "Cakupan rendah (< 50%)?": [{"rendah": "ya", "tidak rendah": "tidak"}.get(v, v) for v in t["verdict"]],
    })


def locations_markdown(cache: str | Path, kab_code: str, year: int, min_sample: int = 0) -> str:
    """Heading and how to read chapter 3 (priority locations), with what its tables say.

    Examples
    --------
    >>> locations_markdown("derived/2024", "1701", 2024)  # doctest: +SKIP
    """
    m = material(cache, kab_code, year, min_sample)
    k, d = m.get("kecamatan", pd.DataFrame()), m.get("desa", pd.DataFrame())
    prov = str(kab_code) == province_code()
    lines = ["### Bab 3. Lokasi prioritas\n"]
    if len(k):
        top = int(k["k"].iloc[0])
        sure = int((k["rank_worst"] <= top).sum())
        scope = ("Kecamatan kantong kemiskinan se-provinsi diperingkat di antara semua kecamatan provinsi" if prov
                 else "Semua kecamatan diperingkat")
        lines.append(
            f"{scope} menurut P0 model (Fay-Herriot); peringkat hanya sebaik selang "
            "kepercayaannya: rentang peringkat memuat semua peringkat yang masih mungkin (kecamatan lain dihitung "
            "pasti di atas atau di bawah hanya bila SK 95%-nya tidak bersinggungan). "
            + (f"Aturan kantong memilih {top} kecamatan bertingkat tertinggi, masing-masing di kabupaten/kotanya; "
               f"kolom terakhir menilai peringkat se-provinsi terhadap {top} tertinggi: " if prov else
               f"Aturan kantong mengambil {top} kecamatan dengan tingkat tertinggi: ")
            + f"{sure} dari {len(k)} kecamatan pasti termasuk {top} tertinggi, selebihnya belum dapat "
            "disimpulkan atau di luarnya."
            + (f" Tabel memuat {KECAMATAN_SHOWN} kecamatan dengan peringkat teratas; daftar lengkap di Tabel L.8."
               if len(k) > KECAMATAN_SHOWN else ""))
    if len(d):
        no3 = int((d["strategy3"] == "tidak ada").sum())
        unmapped = int((d["strategy3"] == "peta program tidak tersedia").sum())
        reach = (f"Peta program wilayah ini tidak tersedia: jangkauan program ke {len(d)} desa kantong belum "
                 "dapat dinilai. " if unmapped == len(d) else
                 f"Dari {len(d)} desa kantong, {no3} belum dijangkau program strategi 3 (penurunan jumlah "
                 "kantong-kantong kemiskinan) dalam peta program"
                 + (f" dan {unmapped} berada di kabupaten/kota tanpa peta program" if unmapped else "") + ". ")
        lines.append(
            "Desa/kelurahan kantong kemiskinan diperingkat menurut skor deprivasi (Podes, 0-100, tanpa galat "
            "sampling). " + reach
            + (f"Tabel memuat {min(DESA_SHOWN, len(d))} desa dengan skor tertinggi; daftar lengkap di Tabel L.8."
               if len(d) > DESA_SHOWN else ""))
    return "\n".join(lines[:1]) + "\n" + " ".join(lines[1:])


def kecamatan_table(cache: str | Path, kab_code: str, year: int, min_sample: int = 0,
                    limit: int | None = KECAMATAN_SHOWN) -> pd.DataFrame:
    """Chapter 3a: kecamatan ranked by model P0, with the rank interval and the pocket verdict.

    Examples
    --------
    >>> kecamatan_table("derived/2024", "1701", 2024)  # doctest: +SKIP
    """
    k = material(cache, kab_code, year, min_sample).get("kecamatan", pd.DataFrame())
    if k.empty:
        return pd.DataFrame()
    k = k.head(limit) if limit else k
    out = pd.DataFrame({
        "Peringkat": k["rank"].astype(int).tolist(),
        "Rentang peringkat": [f"{b}\u2013{w}" if b != w else str(b) for b, w in zip(k["rank_best"], k["rank_worst"],
                                                                                 strict=True)],
        "Kecamatan": k["name"].tolist(),
        "Kabupaten/kota": [unit_name(c) for c in k["kab_code"]],
        "P0 model (%)": [fmt_percent(x) for x in k["estimate"]],
        "SK 95%": [_interval("p0", lo, hi) for lo, hi in zip(k["ci_low"], k["ci_high"], strict=True)],
        "Penduduk miskin (model)": [fmt_int(x) for x in k["n_poor"]],
        "Kantong": k["pocket_type"].tolist(),
        "Di antara tingkat tertinggi": k["verdict"].tolist(),
    })
    return out if str(kab_code) == province_code() else out.drop(columns="Kabupaten/kota")


def desa_table(cache: str | Path, kab_code: str, year: int, min_sample: int = 0,
               limit: int | None = DESA_SHOWN) -> pd.DataFrame:
    """Chapter 3b: pocket desa ranked by deprivation score with the strategies of the programmes reaching them.

    Examples
    --------
    >>> desa_table("derived/2024", "1701", 2024)  # doctest: +SKIP
    """
    d = material(cache, kab_code, year, min_sample).get("desa", pd.DataFrame())
    if d.empty:
        return pd.DataFrame()
    d = d.head(limit) if limit else d
    registry = d["rate_measure"].astype(str).str.contains("desil")
    out = pd.DataFrame({
        "Peringkat": d["rank"].astype(int).tolist(),
        "Desa/kelurahan": d["desa"].tolist(),
        "Kecamatan": d["kecamatan"].tolist(),
        "Kabupaten/kota": [unit_name(c) for c in d["kab_code"]],
        "Skor deprivasi": [fmt_number(x, 1) for x in d["score"]],
        "% penduduk desil 1-4 DTKS": [fmt_percent(x, 1) if r else "\u2013" for x, r in zip(d["rate"], registry,
                                                                                           strict=True)],
        "Jenis kantong": d["pocket_type"].fillna("").tolist(),
        "Strategi program yang menjangkau": [s if isinstance(s, str) and s.strip() else "\u2013"
                                             for s in d["strategies"]],
        "Program strategi 3": d["strategy3"].tolist(),
    })
    return out if str(kab_code) == province_code() else out.drop(columns="Kabupaten/kota")


def _annex_rows(m: dict[str, pd.DataFrame], kab_code: str) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    from tkpk_lib.analysis.rpkd import CHAPTERS

    def add(ch: str, i: int, area: str, item: str, value: str, ci: str, verdict: str, note: str) -> None:
        rows.append({"bab": CHAPTERS[ch], "no": i, "wilayah": area, "uraian": item, "nilai": value,
                     "sk_95": ci, "penilaian": verdict, "keterangan": note})

    unit = unit_name(kab_code)
    for i, r in enumerate(m.get("profil", pd.DataFrame()).itertuples(), 1):
        add("profil", i, unit, indicator_name(r.indicator), _value(r.indicator, r.estimate),
            _interval(r.indicator, r.ci_low, r.ci_high), str(r.vs_province),
            f"perubahan {_change(r.indicator, r.change, r.change_ci_low, r.change_ci_high)}: {r.change_id}; "
            f"target: {r.target_status}")
    for r in m.get("masalah", pd.DataFrame()).itertuples():
        add("masalah", int(r.rank), unit_name(r.kab_code), str(r.problem), "", "", str(r.kind),
            f"{r.evidence} ({r.source})")
    for i, r in enumerate(m.get("strategi", pd.DataFrame()).itertuples(), 1):
        add("strategi", i, unit, f"Strategi {int(r.strategy)}. {r.strategy_label}", f"Rp {fmt_int(r.budget)}",
            "", f"bagian pagu {fmt_percent(r.budget_share, 1)}%",
            f"realisasi {fmt_percent(r.realisation_rate, 1)}%; {int(r.n_programmes)} program")
    for i, r in enumerate(m.get("program", pd.DataFrame()).itertuples(), 1):
        add("program", i, unit, f"{PROGRAMME_LABELS.get(str(r.programme), str(r.programme))} (strategi "
            f"{int(r.strategy)})", fmt_percent(r.estimate), _interval("p0", r.ci_low, r.ci_high),
            f"cakupan rendah: {r.verdict}", f"sasaran: {r.target_group}")
    for r in m.get("kecamatan", pd.DataFrame()).itertuples():
        add("kecamatan", int(r.rank), unit_name(r.kab_code), f"{r.name} ({r.kec_code})", fmt_percent(r.estimate),
            _interval("p0", r.ci_low, r.ci_high), str(r.verdict),
            f"rentang peringkat {r.rank_best}\u2013{r.rank_worst}; {r.pocket_type}")
    for r in m.get("desa", pd.DataFrame()).itertuples():
        add("desa", int(r.rank), unit_name(r.kab_code), f"{r.desa} ({r.desa_code}), kec. {r.kecamatan}",
            fmt_number(r.score, 1), "", f"program strategi 3: {r.strategy3}",
            f"skor deprivasi; {r.pocket_type}; strategi yang menjangkau: "
            f"{r.strategies if isinstance(r.strategies, str) and r.strategies.strip() else '-'}")
    return rows


def rpkd_annex(cache: str | Path, kab_code: str, year: int, *, min_sample: int = 0) -> dict[str, pd.DataFrame]:
    """The annex sheet "Bahan RPKD" (Tabel L.8): every chapter's rows in chapter order, as text.

    Examples
    --------
    >>> rpkd_annex("derived/2024", "1701", 2024)["rpkd"].columns[:3].tolist()  # doctest: +SKIP
    ['bab', 'no', 'wilayah']
    """
    m = material(cache, kab_code, year, min_sample)
    if not m:
        return {}
    rows = _annex_rows(m, kab_code)
    return {"rpkd": pd.DataFrame(rows)} if rows else {}


__all__ = ["DESA_SHOWN", "EMPTY", "KECAMATAN_SHOWN", "SOURCES", "desa_table", "kecamatan_table", "locations_markdown", "material",
           "priorities_markdown", "problems_table", "profile_markdown", "profile_table", "programme_table",
           "rpkd_annex", "section_heading", "strategy_table"]
