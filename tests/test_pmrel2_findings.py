"""Relationship findings in the draft problems; OPD interlinkage by desa AND target group (issue 13 section 2).

Counted by hand on one small map, the report cells read from a tiny cache, and the demo's planted
cases read from the shared run.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from tkpk_lib.analysis import synergy as sy
from tkpk_lib.analysis.problems import draft_problems
from tkpk_lib.reporting import mechanism_tables as mt


def _map() -> pd.DataFrame:
    """Kabupaten 1701, four desa.

    a: BSPS (APBN, Perkim) and the kabupaten's Rumah Layak (Perkim Kab) for the same target group, no relationship.
    b: the same pair again, plus Jalan Desa from the kabupaten (PUPR) and the province (PUPR Prov) for "desa".
    c: Jalan Desa from kabupaten and province again.
    d: four OPD, four different target groups; two clusters each funded from APBN and APBDes.
    """
    return pd.DataFrame({
        "kab_code": "1701",
        "locus_desa": ["a", "a", "b", "b", "b", "b", "c", "c", "d", "d", "d", "d"],
        "programme_id": ["C1", "R1", "C1", "R1", "D1", "D2", "D1", "D2", "C2", "V1", "C3", "V2"],
        "programme": ["BSPS", "Rumah Layak", "BSPS", "Rumah Layak", "Jalan Desa", "jalan  desa", "Jalan Desa",
                      "jalan  desa", "PKH", "Posyandu", "Embung", "Embung Desa"],
        "fund_source": ["APBN", "APBD Kabupaten/Kota", "APBN", "APBD Kabupaten/Kota", "APBD Kabupaten/Kota",
                        "APBD Provinsi", "APBD Kabupaten/Kota", "APBD Provinsi", "APBN", "APBDes", "APBN", "APBDes"],
        "target_group": ["KK MBR", "kk  mbr", "KK MBR", "KK MBR", "desa", "Desa", "desa", "desa", "keluarga miskin",
                         "balita", "petani", "kelompok tani"],
        "opd": ["Perkim", "Perkim Kab", "Perkim", "Perkim Kab", "PUPR", "PUPR Prov", "PUPR", "PUPR Prov", "Dinsos",
                "DPMD", "PUPR", "DPMD"],
        "budget": [500e6, 100e6, 400e6, 60e6, 300e6, 200e6, 150e6, 50e6, 90e6, 10e6, 250e6, 40e6],
        "strategy": [1] * 10 + [3, 3],
        "cluster": [1] * 10 + [2, 2],
    })


# --------------------------------------------------------------------------- analysis, by hand
def test_opd_interlinkage_by_desa_and_by_target_group():
    # desa only: every desa has 2+ OPD (d: Dinsos, DPMD, PUPR)
    assert sy.opd_interlinkage(_map())[["desa_code", "n_opd"]].values.tolist() == [
        ["a", 2], ["b", 4], ["c", 2], ["d", 3]]
    # same target group (case and spacing ignored): d's four OPD serve four different groups, so d drops out
    g = sy.opd_interlinkage(_map(), same_target_group=True)
    assert g[["desa_code", "target_group", "n_opd", "opd", "programmes"]].values.tolist() == [
        ["a", "KK MBR", 2, "Perkim, Perkim Kab", "BSPS, Rumah Layak"],
        ["b", "desa", 2, "PUPR, PUPR Prov", "Jalan Desa, jalan  desa"],
        ["b", "KK MBR", 2, "Perkim, Perkim Kab", "BSPS, Rumah Layak"],
        ["c", "desa", 2, "PUPR, PUPR Prov", "Jalan Desa, jalan  desa"],
    ]
    # a row without a target group is left out of the grouping, not matched with another empty one
    no_group = _map().assign(target_group=lambda t: t["target_group"].where(t["locus_desa"] != "c", None))
    assert "c" not in set(sy.opd_interlinkage(no_group, same_target_group=True)["desa_code"])


def test_summary_counts_desa_not_desa_cluster_pairs_and_both_opd_counts():
    t = sy.synergy_summary(_map())
    s = t[t["table"] == "summary"].set_index("kab_code")
    # multi-source: a, b, c (cluster 1) and d (clusters 1 AND 2) -> 5 desa x cluster rows but 4 desa
    assert len(t[t["table"] == "multi_source"]) == 5
    assert s.loc["1701", ["multi_source_loci", "multi_opd_desa", "multi_opd_group_desa"]].tolist() == [4, 4, 3]
    assert s.loc["17", ["multi_source_loci", "multi_opd_desa", "multi_opd_group_desa"]].tolist() == [4, 4, 3]
    assert len(t[t["table"] == "multi_opd_group"]) == 4


def test_relationship_check_carries_the_regional_budget_in_the_desa():
    c = sy.regional_vs_central(_map())["check"]
    assert c[["desa_code", "regional_programme", "regional_budget", "central_programmes"]].values.tolist() == [
        ["a", "Rumah Layak", 100e6, "BSPS"], ["b", "Rumah Layak", 60e6, "BSPS"]]


def test_draft_problems_list_the_desa_to_check_with_their_evidence():
    p = draft_problems({"synergy": sy.synergy_summary(_map())})
    p = p[p["kind"] == "keterpaduan program"]
    assert p[["kab_code", "problem", "evidence", "source"]].values.tolist() == [
        ["1701", "Perlu dicek: pendanaan ganda? Jalan Desa didanai APBD Kabupaten/Kota dan APBD Provinsi di desa "
                 "yang sama",
         "2 desa; pagu gabungan Rp 700.000.000; dasar: nama program sama", "peta program"],
        ["1701", "Perlu dicek: duplikasi atau pelengkap? Rumah Layak (APBD Kabupaten/Kota) dan BSPS (APBN), hubungan "
                 "tidak dinyatakan di peta program",
         "2 desa dengan lokus dan sasaran (KK MBR) yang sama dengan program pusat; pagu program daerah di desa itu "
         "Rp 160.000.000", "peta program"],
    ]
    # never worded as a proven duplication
    assert all(x.startswith("Perlu dicek") for x in p["problem"])
    # the top-up basis: two regional programmes topping up PKH in one desa, from province and kabupaten
    top = pd.DataFrame({"kab_code": "1702", "locus_desa": ["e", "e"], "programme_id": ["T1", "T2"],
                        "programme": ["PKH Plus Provinsi", "Bansos Lansia"], "fund_source": ["APBD Provinsi",
                                                                                            "APBD Kabupaten/Kota"],
                        "target_group": "lansia", "opd": ["Dinsos Prov", "Dinsos"], "budget": [40e6, 60e6],
                        "relationship": "mempertebal", "central_programme": "pkh", "strategy": 1, "cluster": 1})
    q = draft_problems({"synergy": sy.synergy_summary(top)})
    assert q[["kab_code", "problem", "evidence"]].values.tolist() == [
        ["1702", "Perlu dicek: pendanaan ganda? Bansos Lansia, PKH Plus Provinsi didanai APBD Kabupaten/Kota dan "
                 "APBD Provinsi di desa yang sama",
         "1 desa; pagu gabungan Rp 100.000.000; dasar: mempertebal program pusat yang sama: PKH"]]


# --------------------------------------------------------------------------- report cells on a tiny cache
def _cache(tmp_path: Path, programmes: pd.DataFrame, pockets: pd.DataFrame) -> Path:
    cache = tmp_path / "cache"
    cache.mkdir()
    sy.synergy_summary(programmes, pockets).to_parquet(cache / "synergy.parquet", index=False)
    (cache / "sections.json").write_text(json.dumps({"sections": {"synergy": {"status": "ok"}}}), encoding="utf-8")
    return cache


def test_mechanism_2_row_leaves_unmapped_pocket_desa_out_and_says_which_opd_count(tmp_path):
    codes = {"a": "1701012001", "b": "1701012002", "c": "1701012003", "d": "1701012004"}
    pm = _map().assign(locus_desa=lambda t: t["locus_desa"].map(codes))
    # pockets: a (strategy 1 only), e (no programme) in 1701; one desa of 1702, a unit with no programme map
    pockets = pd.DataFrame({"level": "desa", "code": ["1701012001", "1701012005", "1702012001"],
                            "name": ["A", "E", "Z"], "kab_code": ["1701", "1701", "1702"], "is_pocket": True})
    cache = _cache(tmp_path, pm, pockets)
    prov = mt.mechanisms_table(cache, "17", 2024).set_index("Indikator").loc["Desa kantong tanpa program strategi 3"]
    assert prov["Nilai"] == "2 dari 2"  # 1702's pocket desa is unknown, not unreached
    assert prov["Keterangan"].startswith("desa kantong di wilayah tanpa peta program (tidak dihitung): 1; "
                                         "tanpa program sama sekali: 1; hanya satu strategi: 1")
    assert "desa dengan program 2+ OPD: 4 (untuk sasaran yang sama: 3)" in prov["Keterangan"]
    assert "desa dengan satu klaster dari 2+ sumber dana: 4;" in prov["Keterangan"]
    unit = mt.mechanisms_table(cache, "1701", 2024).set_index("Indikator").loc["Desa kantong tanpa program strategi 3"]
    assert unit["Nilai"] == "2 dari 2" and not unit["Keterangan"].startswith("desa kantong di wilayah tanpa")
    # desa b and c: Jalan Desa by name from two levels; a finding to check, not "the same programme" as a fact
    assert unit["Keterangan"].endswith("desa perlu dicek (duplikasi atau pelengkap?): 2; desa perlu dicek (pendanaan "
                                       "ganda dari 2+ tingkat pemerintahan?): 2")
    t = mt.synergy_table(cache).set_index("Wilayah")
    assert t.loc["Provinsi Bengkulu", ["Desa: program 2+ OPD (sasaran apa pun)",
                                       "Desa: program 2+ OPD untuk sasaran yang sama"]].tolist() == ["4", "3"]
    assert t.loc["Kabupaten Bengkulu Selatan", "Desa: perlu dicek (pendanaan ganda dari 2+ tingkat pemerintahan?)"] == "2"
    f = mt.relationship_findings_table(cache, "1701")
    dup = f[f["Temuan"].str.contains("pendanaan ganda")]["Temuan"].tolist()
    assert dup == ["perlu dicek: pendanaan ganda? didanai 2 tingkat pemerintahan di desa ini (nama program sama; "
                   "pagu gabungan 500 juta Rp)",
                   "perlu dicek: pendanaan ganda? didanai 2 tingkat pemerintahan di desa ini (nama program sama; "
                   "pagu gabungan 200 juta Rp)"]
    assert "pendanaan ganda?" in mt.relationship_intro_markdown()
    chk = f[f["Temuan"].str.startswith(sy.CHECK_FINDING)]
    assert chk["Program daerah/nonpemerintah"].tolist() == ["Rumah Layak (APBD Kabupaten/Kota; pagu 100 juta Rp)",
                                                            "Rumah Layak (APBD Kabupaten/Kota; pagu 60 juta Rp)"]


# --------------------------------------------------------------------------- the demo (shared run)
def test_demo_draft_problems_carry_the_planted_desa_to_check(shared_run):
    from tkpk_lib.reporting.reading import load_section

    p = load_section(shared_run["cache"], "problems")
    p = p[p["kind"] == "keterpaduan program"]
    assert p["kab_code"].tolist() == ["1701", "1701"]
    assert p["problem"].iloc[0] == ("Perlu dicek: pendanaan ganda? Bedah Rumah (RTLH) didanai APBD Kabupaten/Kota "
                                    "dan APBD Provinsi di desa yang sama")
    assert p["evidence"].iloc[0].startswith("1 desa; pagu gabungan Rp ")
    assert p["problem"].iloc[1].startswith("Perlu dicek: duplikasi atau pelengkap? Bantuan Perbaikan Rumah Warga "
                                           "Miskin (APBD Kabupaten/Kota) dan Bantuan Stimulan Perumahan Swadaya (APBN)")
    prov = (shared_run["folders"]["17"] / "evaluasi_tahunan.html").read_text(encoding="utf-8")
    assert "Perlu dicek: pendanaan ganda? Bedah Rumah (RTLH)" in prov
    assert "Desa: program 2+ OPD untuk sasaran yang sama" in prov
    # the demo leaves Kaur without a programme map: its pocket desa are named as not counted
    assert "desa kantong di wilayah tanpa peta program (tidak dihitung)" in prov
