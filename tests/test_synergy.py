"""Integration and synergy of programmes (issue 13 section 2), counted by hand on a small map."""

from __future__ import annotations

import pandas as pd

from tkpk_lib.analysis import synergy as sy


def _map() -> pd.DataFrame:
    return pd.DataFrame({
        "kab_code": ["1701"] * 5 + ["1702"] * 2,
        "locus_desa": ["1701010001", "1701010001", "1701010001", "1701010002", "1701010003",
                       "1702010001", "1702010001"],
        "strategy": [1, 2, 3, 1, 3, 1, 1],
        "cluster": [1, 1, 3, 1, 2, 1, 1],
        "fund_source": ["APBN", "APBDes", "APBN", "APBN", "Non-pemerintah", "APBD Provinsi", "APBD Provinsi"],
        "programme": ["PKH", "BLT DD", "Embung", "PKH", "Air bersih", "Jamkesda", "Jamkesda"],
        "opd": ["Dinas Sosial", "DPMD", "Dinas PUPR", "Dinas Sosial", "Baznas", "Dinas Kesehatan",
                "Dinas Kesehatan"],
    })


def _pockets() -> pd.DataFrame:
    return pd.DataFrame({
        "level": ["desa"] * 6 + ["kecamatan"],
        "code": ["1701010001", "1701010002", "1701010003", "1701010004", "1702010001", "1703010001", "170101"],
        "name": list("ABCDEFG"),
        "kab_code": ["1701", "1701", "1701", "1701", "1702", "1703", "1701"],
        "is_pocket": [True, True, True, True, True, True, True],
    })


def test_pocket_desa_by_strategies_reached():
    r = sy.pocket_strategy_reach(_map(), _pockets()).set_index("desa_code")
    assert len(r) == 6  # desa only
    assert r.loc["1701010001", "strategies"] == "1, 2, 3" and r.loc["1701010001", "finding"] == ""
    assert r.loc["1701010002", "finding"] == "hanya satu strategi"
    assert r.loc["1701010003", "finding"] == "hanya satu strategi"  # strategy 3 alone is still one strategy
    assert r.loc["1701010004", "finding"] == "tanpa program"
    assert r.loc["1702010001", "n_programmes"] == 2
    assert r.loc["1703010001", "finding"] == "peta program tidak tersedia"  # 1703 has no map: unknown


def test_multi_source_and_opd_interlinkage():
    ms = sy.multi_source_loci(_map())
    # desa ...001 cluster 1: APBN (PKH) and APBDes (BLT DD); 1702's two rows share one source
    assert ms[["desa_code", "cluster", "fund_sources"]].values.tolist() == [["1701010001", 1, "APBDes, APBN"]]
    op = sy.opd_interlinkage(_map())
    assert op[["desa_code", "n_opd"]].values.tolist() == [["1701010001", 3]]


def test_synergy_summary_counts_per_unit_and_province():
    s = sy.synergy_summary(_map(), _pockets())
    t = s[s["table"] == "summary"].set_index("kab_code")
    assert list(t.index) == ["1701", "1702", "1703", "17"]
    assert t.loc["1701", "pocket_desa"] == 4
    assert t.loc["1701", "pocket_no_programme"] == 1
    assert t.loc["1701", "pocket_one_strategy"] == 2
    assert t.loc["1701", "pocket_no_strategy3"] == 2  # ...002 (strategy 1) and ...004 (none)
    assert t.loc["1702", "pocket_no_strategy3"] == 1
    assert t.loc["1703", "pocket_no_strategy3"] == 0 and t.loc["1703", "pocket_unmapped"] == 1
    assert t.loc["17", "pocket_desa"] == 6
    assert t.loc["17", "pocket_no_strategy3"] == 3
    assert t.loc["17", "multi_source_loci"] == 1 and t.loc["17", "multi_opd_desa"] == 1


def test_reports_show_mechanism_2(shared_run):
    from tkpk_lib.reporting.reading import load_section

    s = load_section(shared_run["cache"], "synergy")
    assert set(s["table"]) >= {"summary", "pockets"}
    prov = (shared_run["folders"]["17"] / "evaluasi_tahunan.html").read_text(encoding="utf-8")
    assert "Keterpaduan dan sinergi program per wilayah" in prov
    unit = (shared_run["folders"]["1701"] / "evaluasi_tahunan.html").read_text(encoding="utf-8")
    assert "Desa kantong tanpa program strategi 3" in unit


def test_draft_problems_rest_on_the_evidence():
    from tkpk_lib.analysis.problems import draft_problems

    board = pd.DataFrame({
        "table": ["matrix", "matrix", "money", "cross_border"],
        "kab_code": ["1701", "1702", "1703", None],
        "indicator": ["p0", "p0", None, None],
        "estimate": [0.24, 0.11, None, None], "province": [0.117, 0.117, None, None],
        "diff_province": [0.123, -0.007, None, None], "diff_se": [0.0189, 0.0087, None, None],
        "vs_province": ["lebih buruk dari provinsi", "belum dapat disimpulkan", None, None],
        "target_status": ["tidak ada target", "belum sesuai target", None, None],
        "target": [None, 0.09, None, None], "target_year": [None, 2026, None, None],
        "need_vs_money": [None, None, "anggaran rendah; kebutuhan belum dapat disimpulkan", None],
        "per_poor": [None, None, 22883.5, None], "per_poor_low": [None, None, 18473.3, None],
        "per_poor_high": [None, None, 30059.8, None],
        "cluster": [None, None, None, 1], "n_desa": [None, None, None, 26],
        "desa_per_unit": [None, None, None, "1701 (18), 1705 (8)"],
    })
    syn = sy.synergy_summary(_map(), _pockets())
    p = draft_problems({"harmonisation": board, "synergy": syn}, {"p0": "P0"})
    got = p[["kab_code", "kind"]].values.tolist()
    assert got == [["1701", "kesenjangan"], ["1702", "target"], ["1703", "anggaran"], ["17", "kantong lintas batas"],
                   ["1701", "kantong tanpa program"], ["1702", "kantong tanpa program"]]
    assert p["evidence"].iloc[0] == "24,00 vs provinsi 11,70 (selisih 12,30 poin, galat baku 1,89; uji beda 5%)"
    assert p["evidence"].iloc[2] == "pagu per penduduk miskin Rp 22.884 (rentang Rp 18.473\u201330.060)"
    assert p["evidence"].iloc[3] == "26 desa: Kabupaten Bengkulu Selatan (18), Kabupaten Seluma (8)"
    assert p["evidence"].iloc[4] == "2 dari 4 desa kantong (1 tanpa program sama sekali)"
    assert p["problem"].iloc[1] == "P0 belum sesuai target (target sendiri)"  # a status compare_targets gives
    assert (p["recommendation"] == "").all()  # left for the secretariat
