"""The automatic narrative: hand-made tables in, exact Indonesian sentences out."""

from __future__ import annotations

import pandas as pd

from tkpk_lib.analysis.trends import change
from tkpk_lib.reporting import narrative as N


def _est(rows):
    return pd.DataFrame(rows, columns=["year", "kab_code", "indicator", "estimate", "se", "ci_low", "ci_high"])


def test_level_sentence_uses_indonesian_numbers():
    e = _est([(2024, "1705", "p0", 0.1852, 0.01, 0.1656, 0.2048),
              (2024, "1705", "poor_count", 34567.4, 2000.0, 30000.0, 39000.0)])
    assert N.level_sentence(e, "1705", 2024) == (
        "Pada tahun 2024, persentase penduduk miskin di Kabupaten Seluma sebesar 18,52 persen "
        "(selang kepercayaan 95%: 16,56-20,48 persen), atau sekitar 34.567 jiwa."
    )


def test_change_sentences_from_real_change_table():
    # P0 falls 2 points with small SEs (significant), TPT rises 0.3 points with large SEs (not)
    a = pd.DataFrame({"kab_code": "1701", "indicator": ["p0", "tpt"], "year": 2023,
                      "estimate": [0.15, 0.040], "se": [0.005, 0.010]})
    b = pd.DataFrame({"kab_code": "1701", "indicator": ["p0", "tpt"], "year": 2024,
                      "estimate": [0.13, 0.043], "se": [0.005, 0.010]})
    ch = change(a, b, by="kab_code")
    assert N.change_sentences(ch, "1701") == [
        "Dibandingkan tahun 2023, indikator yang membaik secara nyata: persentase penduduk miskin (P0) "
        "(turun 2,00 poin persen).",
        "Perubahan tingkat pengangguran terbuka (TPT) tidak berbeda nyata secara statistik pada taraf 5%.",
    ]


def test_change_sentences_worsened_and_only_not_significant():
    ch = pd.DataFrame({"kab_code": "1702", "indicator": ["gini", "p0"], "year_a": 2022,
                       "difference": [0.021, 0.001], "significant": [True, False],
                       "change": ["up", "none"], "assessment": ["worsened", "none"]})
    assert N.change_sentences(ch, "1702") == [
        "Dibandingkan tahun 2022, indikator yang memburuk secara nyata: rasio Gini (naik 0,021 poin).",
        "Perubahan persentase penduduk miskin (P0) tidak berbeda nyata secara statistik pada taraf 5%.",
    ]
    only = ch[ch["indicator"] == "p0"]
    assert N.change_sentences(only, "1702") == [
        "Dibandingkan tahun 2022, perubahan persentase penduduk miskin (P0) tidak berbeda nyata secara "
        "statistik pada taraf 5%."
    ]
    assert N.change_sentences(ch, "1771") == []


def test_compare_with_province_significant_and_not():
    e = _est([(2024, "1771", "p0", 0.1720, 0.010, 0.0, 0.0), (2024, "17", "p0", 0.1412, 0.004, 0.0, 0.0)])
    # z = 0.0308 / sqrt(0.01^2 + 0.004^2) = 2.86 > 1.96
    assert N.compare_with_province(e, "1771", 2024) == (
        "Persentase penduduk miskin (P0) Kota Bengkulu (17,20 persen) lebih tinggi daripada angka provinsi "
        "(14,12 persen) dan perbedaannya nyata secara statistik."
    )
    e.loc[0, "se"] = 0.02  # z = 1.43
    assert N.compare_with_province(e, "1771", 2024) == (
        "Persentase penduduk miskin (P0) Kota Bengkulu (17,20 persen) dan angka provinsi (14,12 persen) "
        "tidak berbeda nyata secara statistik."
    )
    assert N.compare_with_province(e, "17", 2024) == ""


def test_extreme_poverty_against_inpres_target():
    t = pd.DataFrame({"indicator": ["p0_extreme"], "kab_code": ["1704"], "year": [2024], "estimate": [0.0312],
                      "ci_low": [0.02], "ci_high": [0.042], "target": [0.0], "target_year": [2024],
                      "status": ["not_achieved"], "status_id": ["tidak tercapai"]})
    assert N.extreme_poverty_sentence(t, "1704") == (
        "Persentase penduduk miskin ekstrem tahun 2024 sebesar 3,12 persen, sedangkan target Inpres 4/2022 "
        "adalah 0,00 persen pada tahun 2024: target tidak tercapai, seluruh selang kepercayaan 95% berada di "
        "atas batas target (status: tidak tercapai)."
    )
    assert N.extreme_poverty_sentence(t, "1705") == ""


def test_coverage_gaps_respect_small_cells():
    t = pd.DataFrame({"kab_code": "1703", "programme": ["pkh", "pbi", "pip", "blt_dd", "kur"],
                      "indicator": "coverage", "estimate": [0.55, 0.71, 0.30, 0.05, 0.01], "n": [60, 60, 60, 4, 60]})
    assert N.coverage_sentences(t, "1703", min_sample=10) == [
        "Cakupan program pada rumah tangga penduduk miskin tertinggi pada PBI-JKN (71,00 persen) dan terendah "
        "pada PIP (30,00 persen).",
        "Kesenjangan cakupan terbesar: 70,00 persen rumah tangga penduduk miskin belum menerima PIP.",
    ]
    # without the small-cell rule the 4-household BLT Dana Desa estimate would be named; KUR (credit,
    # not a poverty-targeted transfer) is never compared
    assert "BLT Dana Desa (5,00 persen)" in N.coverage_sentences(t, "1703")[0]
    assert "KUR" not in " ".join(N.coverage_sentences(t, "1703"))


def test_province_sentences_and_full_draft():
    ch = pd.DataFrame({"kab_code": ["1701", "1702", "1703", "17"], "indicator": "p0", "year_a": 2023,
                       "difference": [-0.02, -0.015, 0.001, -0.01], "significant": [True, True, False, True],
                       "change": ["down", "down", "none", "down"],
                       "assessment": ["improved", "improved", "none", "improved"]})
    assert N.province_sentences(ch) == [
        "Dibandingkan tahun 2023, persentase penduduk miskin (P0) turun secara nyata di 2 kabupaten/kota "
        "(Kabupaten Bengkulu Selatan dan Kabupaten Rejang Lebong).",
        "Di 1 kabupaten/kota lainnya (Kabupaten Bengkulu Utara) perubahannya tidak berbeda nyata secara statistik.",
    ]
    e = _est([(2024, "17", "p0", 0.13, 0.003, 0.124, 0.136)])
    text = N.draft_narrative(e, "17", 2024, change=ch)
    assert text[0].startswith("Pada tahun 2024, persentase penduduk miskin di Provinsi Bengkulu sebesar 13,00 persen")
    assert text[1] == ("Dibandingkan tahun 2023, indikator yang membaik secara nyata: persentase penduduk miskin "
                       "(P0) (turun 1,00 poin persen).")
    assert text[2:] == N.province_sentences(ch)
    md = N.narrative_markdown(text)
    assert md.startswith("### Ringkasan otomatis\n\n- Pada tahun 2024")
    assert "Draf otomatis" in md
