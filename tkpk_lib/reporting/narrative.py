"""Automatic draft narrative in Bahasa Indonesia for the yearly evaluation report.

Deterministic templates over the prepared tables (:mod:`tkpk_lib.reporting.reading`): the current level
of poverty, what rose, what fell and what is *tidak berbeda nyata secara statistik* since the
comparison year, the kabupaten/kota against the province, extreme poverty against the
Inpres 4/2022 target, and the largest programme coverage gaps. The text is a draft for the
TKPK secretariat to edit: every sentence states only what the tables show, with the test used.

Significance of a change comes from :func:`tkpk_lib.analysis.trends.change` (independent samples,
5%). A kabupaten is compared with the province by ``z = (a - b) / sqrt(se_a^2 + se_b^2)``; the
kabupaten is part of the province, so the covariance is positive and this SE overstates the SE
of the difference: the test is conservative (it says "berbeda nyata" less often than an exact
test would).
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from tkpk_lib.data.region import province_code
from tkpk_lib.reporting.formatting import fmt_int, fmt_number, fmt_percent
from tkpk_lib.reporting.labels import unit_name

__all__ = [
    "report_summary",
    "compare_with_province",
    "coverage_sentences",
    "draft_narrative",
    "extreme_poverty_sentence",
    "change_sentences",
    "level_sentence",
    "narrative_markdown",
    "province_sentences",
]

Z95 = 1.959963984540054
PROGRAMME_NAMES = {"pkh": "PKH", "bpnt": "Sembako/BPNT", "pbi": "PBI-JKN", "pip": "PIP", "blt_dd": "BLT Dana Desa",
                   "lpg": "subsidi LPG 3 kg", "listrik": "subsidi listrik", "kur": "KUR"}
#: Short Indonesian names used inside sentences.
SHORT_NAMES = {
    "p0": "persentase penduduk miskin (P0)", "poor_count": "jumlah penduduk miskin",
    "p1": "indeks kedalaman kemiskinan (P1)", "p2": "indeks keparahan kemiskinan (P2)",
    "p0_extreme": "persentase penduduk miskin ekstrem", "gini": "rasio Gini",
    "bottom40_share": "porsi pengeluaran 40% terbawah", "tpt": "tingkat pengangguran terbuka (TPT)",
    "tpak": "TPAK", "informal_share": "persentase pekerja informal",
    "underemployment": "tingkat setengah pengangguran", "water_safe": "akses air minum layak",
    "sanitation_safe": "akses sanitasi layak", "electricity": "penerangan listrik",
    "decent_housing": "rumah layak huni", "aps_7_12": "APS 7-12 tahun", "aps_13_15": "APS 13-15 tahun",
    "aps_16_18": "APS 16-18 tahun", "jkn_coverage": "cakupan JKN",
}
PERCENT = {"p0", "p1", "p2", "p0_extreme", "bottom40_share", "tpt", "tpak", "informal_share", "underemployment",
           "water_safe", "sanitation_safe", "electricity", "decent_housing", "aps_7_12", "aps_13_15",
           "aps_16_18", "jkn_coverage"}
# P1 and P2 are indices BPS prints on a 0-100 scale without "persen"
INDEX_100 = {"p1", "p2"}


def _name(code: str) -> str:
    return SHORT_NAMES.get(code, code)


def _level(code: str, x: float) -> str:
    if code in INDEX_100:
        return fmt_number(100 * x, 2)
    if code in PERCENT:
        return f"{fmt_percent(x)} persen"
    if code == "poor_count":
        return f"{fmt_int(x)} jiwa"
    return fmt_number(x, 3 if code == "gini" else 2)


def _diff(code: str, d: float) -> str:
    a = abs(d)
    if code in INDEX_100:
        return f"{fmt_number(100 * a, 2)} poin"
    if code in PERCENT:
        return f"{fmt_percent(a)} poin persen"
    if code == "poor_count":
        return f"{fmt_int(a)} jiwa"
    return f"{fmt_number(a, 3 if code == 'gini' else 2)} poin"


def _join(items: Sequence[str]) -> str:
    items = list(items)
    if not items:
        return ""
    if len(items) == 1:
        return items[0]
    return ", ".join(items[:-1]) + " dan " + items[-1]


def level_sentence(estimates: pd.DataFrame, kab_code: str, year: int) -> str:
    """Opening sentence: P0 and the number of poor of the unit in the report year.

    Parameters
    ----------
    estimates : pandas.DataFrame
        ``indicators`` section (year, kab_code, indicator, estimate, ci_low, ci_high).
    kab_code : str
        Unit.
    year : int
        Report year.

    Returns
    -------
    str

    Examples
    --------
    >>> e = pd.DataFrame({"year": 2024, "kab_code": "1701", "indicator": ["p0", "poor_count"],
    ...     "estimate": [0.1377, 30125.0], "ci_low": [0.1299, 28000.0], "ci_high": [0.1455, 32250.0]})
    >>> level_sentence(e, "1701", 2024)
    'Pada tahun 2024, persentase penduduk miskin di Kabupaten Bengkulu Selatan sebesar 13,77 persen (selang kepercayaan 95%: 12,99-14,55 persen), atau sekitar 30.125 jiwa.'
    """
    e = estimates[(estimates["year"] == int(year)) & (estimates["kab_code"].astype(str) == str(kab_code))]
    e = e.set_index("indicator")
    if "p0" not in e.index:
        return ""
    r = e.loc["p0"]
    s = (f"Pada tahun {int(year)}, persentase penduduk miskin di {unit_name(kab_code)} sebesar "
         f"{fmt_percent(r['estimate'])} persen (selang kepercayaan 95%: {fmt_percent(r['ci_low'])}-"
         f"{fmt_percent(r['ci_high'])} persen)")
    if "poor_count" in e.index:
        s += f", atau sekitar {fmt_int(e.loc['poor_count', 'estimate'])} jiwa"
    return s + "."


def change_sentences(change: pd.DataFrame, kab_code: str,
                     indicators: Sequence[str] | None = None) -> list[str]:
    """What improved, what worsened and what did not change significantly.

    Parameters
    ----------
    change : pandas.DataFrame
        ``change`` section (:func:`tkpk_lib.analysis.trends.change` by kab_code): indicator, kab_code,
        year_a, year_b, difference, significant, change, and optionally assessment.
    kab_code : str
        Unit.
    indicators : sequence of str, optional
        Indicators to mention, in order; default all rows of the unit.

    Returns
    -------
    list of str
        Up to three sentences (improved, worsened, not significant).

    Examples
    --------
    >>> ch = pd.DataFrame({"kab_code": "1701", "indicator": ["p0", "tpt", "gini"],
    ...     "year_a": 2023, "year_b": 2024, "difference": [-0.012, 0.004, 0.01],
    ...     "significant": [True, False, True], "change": ["down", "none", "up"],
    ...     "assessment": ["improved", "none", "worsened"]})
    >>> for s in change_sentences(ch, "1701"):
    ...     print(s)
    Dibandingkan tahun 2023, indikator yang membaik secara nyata: persentase penduduk miskin (P0) (turun 1,20 poin persen).
    Indikator yang memburuk secara nyata: rasio Gini (naik 0,010 poin).
    Perubahan tingkat pengangguran terbuka (TPT) tidak berbeda nyata secara statistik pada taraf 5%.
    """
    c = change[change["kab_code"].astype(str) == str(kab_code)]
    if indicators is not None:
        c = c.set_index("indicator").reindex([i for i in indicators if i in set(c["indicator"])]).reset_index()
    if c.empty:
        return []
    year_a = int(c["year_a"].iloc[0]) if "year_a" in c.columns else None
    good, bad, none = [], [], []
    for _, r in c.iterrows():
        code = str(r["indicator"])
        if not bool(r["significant"]):
            none.append(_name(code))
            continue
        verb = "naik" if r["difference"] > 0 else "turun"
        item = f"{_name(code)} ({verb} {_diff(code, r['difference'])})"
        assessment = r.get("assessment") if "assessment" in c.columns else None
        if assessment == "worsened":
            bad.append(item)
        elif assessment == "improved":
            good.append(item)
        else:  # no direction in the catalogue: report as a plain change
            good.append(item) if verb == "turun" else bad.append(item)
    out = []
    lead = f"Dibandingkan tahun {year_a}, i" if year_a else "I"
    if good:
        out.append(f"{lead}ndikator yang membaik secara nyata: {_join(good)}.")
        lead = "I"
    if bad:
        out.append(f"{lead}ndikator yang memburuk secara nyata: {_join(bad)}.")
        lead = "I"
    if none:
        prefix = "" if lead == "I" else f"Dibandingkan tahun {year_a}, p"
        word = "Perubahan" if not prefix else prefix + "erubahan"
        out.append(f"{word} {_join(none)} tidak berbeda nyata secara statistik pada taraf 5%.")
    return out


def compare_with_province(estimates: pd.DataFrame, kab_code: str, year: int, indicator: str = "p0") -> str:
    """Sentence comparing a kabupaten/kota with the province on one indicator (conservative z-test).

    Examples
    --------
    >>> e = pd.DataFrame({"year": 2024, "kab_code": ["1701", "17"], "indicator": "p0",
    ...     "estimate": [0.2126, 0.1172], "se": [0.02, 0.01]})
    >>> compare_with_province(e, "1701", 2024)
    'Persentase penduduk miskin (P0) Kabupaten Bengkulu Selatan (21,26 persen) lebih tinggi daripada angka provinsi (11,72 persen) dan perbedaannya nyata secara statistik.'
    """
    if str(kab_code) == province_code():
        return ""
    e = estimates[(estimates["year"] == int(year)) & (estimates["indicator"] == indicator)]
    e = e.set_index(e["kab_code"].astype(str))
    if str(kab_code) not in e.index or province_code() not in e.index:
        return ""
    a, b = e.loc[str(kab_code)], e.loc[province_code()]
    se = (float(a["se"]) ** 2 + float(b["se"]) ** 2) ** 0.5
    diff = float(a["estimate"]) - float(b["estimate"])
    sig = se > 0 and abs(diff / se) > Z95
    name = _name(indicator)
    name = name[0].upper() + name[1:]
    if not sig:
        return (f"{name} {unit_name(kab_code)} ({_level(indicator, a['estimate'])}) dan angka provinsi "
                f"({_level(indicator, b['estimate'])}) tidak berbeda nyata secara statistik.")
    how = "lebih tinggi daripada" if diff > 0 else "lebih rendah daripada"
    return (f"{name} {unit_name(kab_code)} ({_level(indicator, a['estimate'])}) {how} angka provinsi "
            f"({_level(indicator, b['estimate'])}) dan perbedaannya nyata secara statistik.")


def extreme_poverty_sentence(targets: pd.DataFrame, kab_code: str) -> str:
    """Extreme poverty against the Inpres 4/2022 target (0% in 2024).

    Parameters
    ----------
    targets : pandas.DataFrame
        ``targets`` section (:func:`tkpk_lib.analysis.trends.compare_targets`).

    Examples
    --------
    >>> t = pd.DataFrame({"indicator": "p0_extreme", "kab_code": "1701", "year": 2024,
    ...     "estimate": 0.0246, "ci_low": 0.0, "ci_high": 0.06, "target": 0.0, "target_year": 2024,
    ...     "status": "inconclusive", "status_id": "belum dapat disimpulkan"}, index=[0])
    >>> extreme_poverty_sentence(t, "1701")
    'Persentase penduduk miskin ekstrem tahun 2024 sebesar 2,46 persen, sedangkan target Inpres 4/2022 adalah 0,00 persen pada tahun 2024: belum dapat dipastikan tercapai karena selang kepercayaan 95% masih memuat batas target (status: belum dapat disimpulkan).'
    """
    t = targets[(targets["indicator"] == "p0_extreme") & (targets["kab_code"].astype(str) == str(kab_code))]
    if t.empty:
        return ""
    r = t.iloc[0]
    status = str(r["status"])
    deadline = int(r["target_year"]) <= int(r["year"])
    verdict = {
        "achieved": "target tercapai, seluruh selang kepercayaan 95% berada pada atau di bawah batas target",
        "not_achieved": "target tidak tercapai, seluruh selang kepercayaan 95% berada di atas batas target",
        "off_track": ("target tidak tercapai, seluruh selang kepercayaan 95% berada di atas batas target" if deadline
                      else "laju penurunan belum cukup untuk mencapai target"),
        "inconclusive": "belum dapat dipastikan tercapai karena selang kepercayaan 95% masih memuat batas target",
        "on_track": "laju penurunan sesuai jalur menuju target",
    }.get(status, "status capaian belum dapat ditentukan")
    return (f"Persentase penduduk miskin ekstrem tahun {int(r['year'])} sebesar {fmt_percent(r['estimate'])} persen, "
            f"sedangkan target Inpres 4/2022 adalah {fmt_percent(r['target'])} persen pada tahun "
            f"{int(r['target_year'])}: {verdict} (status: {r['status_id']}).")


#: Programmes targeted at poor households (coverage gaps are only meaningful for these; LPG and
#: electricity subsidies and KUR credit are not poverty-targeted transfers).
TARGETED = ("pkh", "bpnt", "pbi", "pip", "blt_dd")


def coverage_sentences(targeting: pd.DataFrame, kab_code: str, target_label: str = "penduduk miskin",
                       min_sample: int = 0, programmes: Sequence[str] = TARGETED) -> list[str]:
    """Highest and lowest programme coverage of the target group, and the largest exclusion error.

    Parameters
    ----------
    targeting : pandas.DataFrame
        ``targeting`` section (:func:`tkpk_lib.analysis.coverage.targeting` with kab_code).
    kab_code : str
        Unit.
    target_label : str
        Words for the target group (``"penduduk miskin"``, ``"40% penduduk terbawah"``...).
    min_sample : int
        Coverage estimates on fewer sample households are not mentioned.
    programmes : sequence of str
        Programmes compared (default the poverty-targeted ones, :data:`TARGETED`).

    Examples
    --------
    >>> t = pd.DataFrame({"kab_code": "1701", "programme": ["pkh", "pbi", "pip"], "indicator": "coverage",
    ...     "estimate": [0.45, 0.80, 0.20], "n": [40, 40, 40], "significant": True})
    >>> for s in coverage_sentences(t, "1701"):
    ...     print(s)
    Cakupan program pada rumah tangga penduduk miskin tertinggi pada PBI-JKN (80,00 persen) dan terendah pada PIP (20,00 persen).
    Kesenjangan cakupan terbesar: 80,00 persen rumah tangga penduduk miskin belum menerima PIP.
    """
    t = targeting[(targeting["kab_code"].astype(str) == str(kab_code)) & (targeting["indicator"] == "coverage")
                  & targeting["programme"].isin(list(programmes))]
    if min_sample and "n" in t.columns:
        t = t[t["n"] >= min_sample]
    t = t.dropna(subset=["estimate"])
    if len(t) < 2:
        return []
    t = t.sort_values(["estimate", "programme"], ascending=[False, True], kind="stable")
    hi, lo = t.iloc[0], t.iloc[-1]
    name = PROGRAMME_NAMES
    return [
        f"Cakupan program pada rumah tangga {target_label} tertinggi pada {name.get(hi['programme'], hi['programme'])} "
        f"({fmt_percent(hi['estimate'])} persen) dan terendah pada {name.get(lo['programme'], lo['programme'])} "
        f"({fmt_percent(lo['estimate'])} persen).",
        f"Kesenjangan cakupan terbesar: {fmt_percent(1 - lo['estimate'])} persen rumah tangga {target_label} "
        f"belum menerima {name.get(lo['programme'], lo['programme'])}.",
    ]


def province_sentences(change: pd.DataFrame, indicator: str = "p0") -> list[str]:
    """Province roll-up: in which kabupaten/kota an indicator fell, rose or did not change.

    Examples
    --------
    >>> ch = pd.DataFrame({"kab_code": ["1701", "1702", "1771", "17"], "indicator": "p0",
    ...     "year_a": 2023, "difference": [-0.02, 0.01, 0.001, -0.004],
    ...     "significant": [True, True, False, False]})
    >>> for s in province_sentences(ch):
    ...     print(s)
    Dibandingkan tahun 2023, persentase penduduk miskin (P0) turun secara nyata di 1 kabupaten/kota (Kabupaten Bengkulu Selatan) dan naik secara nyata di 1 kabupaten/kota (Kabupaten Rejang Lebong).
    Di 1 kabupaten/kota lainnya (Kota Bengkulu) perubahannya tidak berbeda nyata secara statistik.
    """
    c = change[(change["indicator"] == indicator) & (change["kab_code"].astype(str) != province_code())]
    if c.empty:
        return []
    c = c.sort_values("kab_code", kind="stable")
    down = [unit_name(k) for k, r in zip(c["kab_code"], c.itertuples(), strict=True)
            if r.significant and r.difference < 0]
    up = [unit_name(k) for k, r in zip(c["kab_code"], c.itertuples(), strict=True)
          if r.significant and r.difference > 0]
    flat = [unit_name(k) for k, r in zip(c["kab_code"], c.itertuples(), strict=True) if not r.significant]
    year_a = int(c["year_a"].iloc[0]) if "year_a" in c.columns else None
    lead = f"Dibandingkan tahun {year_a}, {_name(indicator)}" if year_a else _name(indicator).capitalize()
    parts = []
    if down:
        parts.append(f"turun secara nyata di {len(down)} kabupaten/kota ({_join(down)})")
    if up:
        parts.append(f"naik secara nyata di {len(up)} kabupaten/kota ({_join(up)})")
    out = []
    if parts:
        out.append(f"{lead} {' dan '.join(parts)}.")
        if flat:
            out.append(f"Di {len(flat)} kabupaten/kota lainnya ({_join(flat)}) perubahannya tidak berbeda nyata "
                       "secara statistik.")
    elif flat:
        out.append(f"{lead} tidak berubah secara nyata di satu pun kabupaten/kota: semua perubahan tidak berbeda "
                   "nyata secara statistik.")
    return out


def draft_narrative(
    estimates: pd.DataFrame,
    kab_code: str,
    year: int,
    *,
    change: pd.DataFrame | None = None,
    targets: pd.DataFrame | None = None,
    targeting: pd.DataFrame | None = None,
    target_label: str = "penduduk miskin",
    indicators: Sequence[str] | None = ("p0", "poor_count", "p1", "p2", "p0_extreme", "gini", "tpt",
                                        "informal_share"),
    min_sample: int = 0,
) -> list[str]:
    """All sentences of the draft narrative of one unit, in report order.

    Parameters
    ----------
    estimates : pandas.DataFrame
        ``indicators`` section.
    kab_code : str
        Kabupaten/kota or ``"17"``.
    year : int
        Report year.
    change, targets, targeting : pandas.DataFrame, optional
        ``change``, ``targets`` and ``targeting`` sections (empty or None: those sentences are
        left out).
    target_label : str
        Words for the coverage target group.
    indicators : sequence of str, optional
        Indicators of the change sentences.
    min_sample : int
        Small-cell rule for coverage sentences.

    Returns
    -------
    list of str

    Examples
    --------
    >>> e = pd.DataFrame({"year": 2024, "kab_code": "1701", "indicator": ["p0"],
    ...     "estimate": [0.1377], "ci_low": [0.1299], "ci_high": [0.1455], "se": [0.004]})
    >>> draft_narrative(e, "1701", 2024)[0][:60]
    'Pada tahun 2024, persentase penduduk miskin di Kabupaten Ben'
    """
    # a sentence never states a number that is missing or withheld by the small-cell rule
    # (report.load_section(..., min_sample=) blanks those): such rows are left out
    estimates = estimates[estimates["estimate"].notna()] if "estimate" in estimates.columns else estimates
    if change is not None and "difference" in change.columns:
        change = change[change["difference"].notna()]
    if targets is not None and "estimate" in targets.columns:
        targets = targets[targets["estimate"].notna()]
    out = [s for s in [level_sentence(estimates, kab_code, year)] if s]
    if str(kab_code) != province_code():
        s = compare_with_province(estimates, kab_code, year)
        if s:
            out.append(s)
    if change is not None and not change.empty:
        out += change_sentences(change, kab_code, indicators)
        if str(kab_code) == province_code():
            out += province_sentences(change)
    if targets is not None and not targets.empty:
        s = extreme_poverty_sentence(targets, kab_code)
        if s:
            out.append(s)
    if targeting is not None and not targeting.empty:
        out += coverage_sentences(targeting, kab_code, target_label, min_sample)
    return out


def narrative_markdown(sentences: Sequence[str], title: str = "Ringkasan otomatis") -> str:
    """Markdown block of the narrative with a note that it is an automatic draft.

    Examples
    --------
    >>> narrative_markdown(["Satu.", "Dua."]).splitlines()[0]
    '### Ringkasan otomatis'
    """
    body = "\n".join(f"- {s}" for s in sentences) if sentences else "- (tidak ada data untuk ringkasan)"
    return (f"### {title}\n\n{body}\n\n*Draf otomatis dari tabel estimasi; periksa dan sunting sebelum "
            "digunakan. Uji beda pada taraf 5%.*")


def report_summary(cache: str, kab_code: str, year: int, *, min_sample: int = 0, target: str = "poor") -> str:
    """The report's automatic summary: every sentence from a displayed table row (:mod:`tkpk_lib.reporting.summary`).

    Examples
    --------
    >>> report_summary("derived/2024", "1701", 2024)  # doctest: +SKIP
    """
    from tkpk_lib.reporting.summary import summary_markdown

    return summary_markdown(cache, kab_code, year, min_sample=min_sample, target=target)
