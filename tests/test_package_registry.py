"""The complementary package of guideline 3.2.1.a from the registry: counts by hand, Parquet, roll-up, tables."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tkpk_lib.analysis.problems import LOW_FULL_PACKAGE, draft_problems
from tkpk_lib.analysis.registry import eligibility
from tkpk_lib.analysis.registry_package import complementary_package, rollup_package
from tkpk_lib.data.region import province_code
from tkpk_lib.data.schemas import COMPLEMENTARY_PACKAGE, PROGRAMMES
from tkpk_lib.errors import SchemaError, TkpkError
from tkpk_lib.reporting.labels import unit_name
from tkpk_lib.reporting.package_tables import package_display, package_sentence
from tkpk_lib.reporting.section_data import package_section

CODES = list(PROGRAMMES)  # pkh bpnt pbi pip blt_dd lpg listrik kur


def _hand_registry() -> pd.DataFrame:
    """Eight households; eligibility under the shipped needs rules written out per row.

    Rules: PKH desil 1-2 with a component (child 0-6, child 7-18, elderly, disabled); Sembako 1-3;
    PBI-JKN 1-4; PIP 1-3 with a child 7-18; LPG 1-4; listrik 1-4.
    """
    rows = [
        # row, desa, decile, c06, c718, eld, dis, pkh bpnt pbi pip blt lpg lis kur
        # 1: eligible all six, receives all six -> full
        (1, "1701012001", 1, 0, 1, 0, 0, 1, 1, 1, 1, 0, 1, 1, 0),
        # 2: eligible pbi, lpg, listrik; no listrik -> partial, missing listrik
        (2, "1701012001", 4, 0, 0, 0, 0, 0, 0, 1, 0, 0, 1, 0, 0),
        # 3: eligible bpnt, pbi, pip, lpg, listrik (decile 3: no PKH); receives only PKH and BLT -> none
        (3, "1701012002", 3, 0, 2, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0),
        # 4: eligible bpnt, pbi, lpg, listrik (no PKH component, no child); receives those and PIP -> full
        (4, "1701022001", 2, 0, 0, 0, 0, 0, 1, 1, 1, 0, 1, 1, 0),
        # 5: decile 9, eligible for nothing -> not counted
        (5, "1701022001", 9, 1, 1, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1),
        # 6: eligible pkh, bpnt, pbi, lpg, listrik; no listrik -> partial, missing listrik
        (6, "1702012001", 1, 0, 0, 1, 0, 1, 1, 1, 0, 0, 1, 0, 0),
        # 7: eligible pkh, bpnt, pbi, lpg, listrik; only lpg -> partial, missing pkh, bpnt, pbi, listrik
        (7, "1702012001", 2, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0),
        # 8: eligible pbi, lpg, listrik; no pbi -> partial, missing pbi
        (8, "1702012001", 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 0),
    ]
    cols = ["row_no", "desa_code", "decile", "n_children_0_6", "n_children_7_18", "n_elderly", "n_disabled",
            *(f"rcv_{c}" for c in CODES)]
    df = pd.DataFrame(rows, columns=cols)
    df["kec_code"] = df["desa_code"].str[:6]
    df["kab_code"] = df["desa_code"].str[:4]
    return df.iloc[[7, 2, 0, 5, 3, 1, 6, 4]].reset_index(drop=True)  # file order shuffled


def _random_registry(n: int, seed: int = 7) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    desa = np.array([f"17{k:02d}{c:02d}{2000 + d}" for k in (1, 2, 3) for c in (1, 2) for d in (1, 2)])
    df = pd.DataFrame({"row_no": np.arange(1, n + 1), "desa_code": rng.choice(desa, n),
                       "decile": rng.integers(1, 11, n), "n_children_0_6": rng.poisson(0.4, n),
                       "n_children_7_18": rng.poisson(0.8, n), "n_elderly": rng.binomial(1, 0.2, n),
                       "n_disabled": rng.binomial(1, 0.05, n)})
    for c in CODES:
        df[f"rcv_{c}"] = rng.binomial(1, 0.6, n).astype("int8")
    df["kec_code"] = df["desa_code"].str[:6]
    df["kab_code"] = df["desa_code"].str[:4]
    return df


def test_package_is_the_guideline_example():
    # "kombinasi Program Sembako, PKH, PBI-JKN Kesehatan, PIP, Subsidi LPG 3 Kg, dan Subsidi Listrik"
    assert COMPLEMENTARY_PACKAGE == ("bpnt", "pkh", "pbi", "pip", "lpg", "listrik")
    assert set(COMPLEMENTARY_PACKAGE) <= set(PROGRAMMES)


def test_hand_built_counts_per_kabupaten_and_province():
    reg = _hand_registry()
    kab = complementary_package(reg, by="kab_code").set_index("kab_code")
    assert kab.loc["1701", ["n_households", "eligible", "full", "partial", "none"]].tolist() == [5, 4, 2, 1, 1]
    assert kab.loc["1702", ["n_households", "eligible", "full", "partial", "none"]].tolist() == [3, 3, 0, 3, 0]
    assert kab.loc["1701", "share_full"] == 0.5 and kab.loc["1701", "share_none"] == 0.25
    assert kab.loc["1702", "share_full"] == 0.0 and kab.loc["1702", "share_partial"] == 1.0
    miss = [f"missing_{p}" for p in COMPLEMENTARY_PACKAGE]
    assert kab.loc["1701", miss].tolist() == [0, 0, 0, 0, 0, 1]  # household 2: listrik
    assert kab.loc["1702", miss].tolist() == [1, 1, 2, 0, 0, 2]  # 7: bpnt pkh pbi listrik; 8: pbi; 6: listrik
    assert (kab.loc["1701", "top_missing"], kab.loc["1701", "top_missing_n"]) == ("listrik", 1)
    # pbi and listrik tie at 2: the first in package order
    assert (kab.loc["1702", "top_missing"], kab.loc["1702", "top_missing_n"]) == ("pbi", 2)
    prov = complementary_package(reg, by=None)
    assert prov[["n_households", "eligible", "full", "partial", "none", "top_missing", "top_missing_n"]].values.tolist() \
        == [[8, 7, 2, 4, 1, "listrik", 3]]


def test_counts_agree_with_the_eligibility_flags_in_pandas():
    reg = _random_registry(4000)
    el = eligibility(reg)
    e = np.column_stack([el[f"elig_{p}"].to_numpy() for p in COMPLEMENTARY_PACKAGE]).astype(bool)
    r = np.column_stack([reg[f"rcv_{p}"].to_numpy() for p in COMPLEMENTARY_PACKAGE]).astype(bool)
    ne, nc = e.sum(axis=1), (e & r).sum(axis=1)
    ref = pd.DataFrame({"kab_code": reg["kab_code"], "eligible": ne >= 2, "full": (ne >= 2) & (nc == ne),
                        "partial": (ne >= 2) & (nc > 0) & (nc < ne), "none": (ne >= 2) & (nc == 0)})
    for i, p in enumerate(COMPLEMENTARY_PACKAGE):
        ref[f"missing_{p}"] = ref["partial"] & e[:, i] & ~r[:, i]
    ref = ref.groupby("kab_code").sum()
    got = complementary_package(reg, by="kab_code").set_index("kab_code")
    pd.testing.assert_frame_equal(got[ref.columns], ref, check_dtype=False)
    assert (got["full"] + got["partial"] + got["none"] == got["eligible"]).all()
    assert got["eligible"].min() > 0 and got["full"].min() > 0  # the comparison is not empty


def test_parquet_files_and_rollup_equal_a_direct_scan(tmp_path):
    reg = _random_registry(3000, seed=3)
    part = tmp_path / "reg"
    part.mkdir()
    reg.iloc[:1200].to_parquet(part / "a.parquet")
    reg.iloc[1200:].to_parquet(part / "b.parquet")
    kec = complementary_package(str(part / "*.parquet"), by=("kab_code", "kec_code"))
    pd.testing.assert_frame_equal(kec, complementary_package(reg, by=("kab_code", "kec_code")))
    pd.testing.assert_frame_equal(rollup_package(kec, by="kab_code"), complementary_package(part, by="kab_code"))
    pd.testing.assert_frame_equal(rollup_package(kec, by=None), complementary_package(reg, by=None))


def test_errors_name_what_is_wrong():
    reg = _hand_registry()
    with pytest.raises(TkpkError, match="at least 2 programmes"):
        complementary_package(reg, package=["pkh"])
    with pytest.raises(TkpkError, match="kur"):  # KUR has no active needs rule
        complementary_package(reg, package=["pkh", "kur"])
    with pytest.raises(SchemaError, match="n_children_7_18"):
        complementary_package(reg.drop(columns="n_children_7_18"))
    bad = reg.assign(rcv_pip=reg["rcv_pip"].replace(0, 2))
    with pytest.raises(SchemaError) as exc:
        complementary_package(bad)
    assert exc.value.problems[0].column == "rcv_pip" and exc.value.problems[0].rows


def test_section_stacks_kecamatan_kabupaten_and_province_and_leaves_out_absent_flags():
    reg = _hand_registry()
    s = package_section(reg)
    assert s.groupby("level").size().to_dict() == {"kabupaten": 2, "kecamatan": 3, "provinsi": 1}
    prov = s[s["level"] == "provinsi"].iloc[0]
    assert prov["kab_code"] == province_code() and (prov["eligible"], prov["full"]) == (7, 2)
    kec = s[s["level"] == "kecamatan"].set_index("kec_code")
    assert kec.loc["170101", ["eligible", "full", "partial", "none"]].tolist() == [3, 1, 1, 1]
    # a registry without the electricity flag: the package is the other five
    s5 = package_section(reg.drop(columns="rcv_listrik"))
    assert "missing_listrik" not in s5.columns
    p5 = s5[s5["level"] == "provinsi"].iloc[0]
    # 2 (pbi, lpg): full; 6: full; 8 (pbi, lpg): partial; 7: partial; 1, 4: full; 3: none
    assert (p5["eligible"], p5["full"], p5["partial"], p5["none"]) == (7, 4, 2, 1)


def _section(full: list[int], partial: list[int], none: list[int]) -> pd.DataFrame:
    """Two kabupaten and the province (sums) with the given parts."""
    kab = pd.DataFrame({"level": "kabupaten", "kab_code": ["1701", "1771"], "kec_code": None,
                        "full": full, "partial": partial, "none": none, "top_missing": ["listrik", "pip"],
                        "top_missing_n": [9, 6]})
    kab["eligible"] = kab["full"] + kab["partial"] + kab["none"]
    prov = pd.DataFrame({"level": ["provinsi"], "kab_code": [province_code()], "kec_code": [None],
                         "full": [sum(full)], "partial": [sum(partial)], "none": [sum(none)],
                         "eligible": [sum(full) + sum(partial) + sum(none)], "top_missing": ["listrik"],
                         "top_missing_n": [15]})
    return pd.concat([kab, prov], ignore_index=True)


def test_province_table_suppresses_small_counts_in_the_row_and_the_total():
    t = package_display(_section([12, 30], [40, 20], [3, 10]), province_code())
    assert t["Wilayah"].tolist() == [unit_name("1701"), unit_name("1771"), unit_name(province_code())]
    assert t.iloc[0, 1:5].tolist() == ["55", "x", "x", "<5"]
    assert t.iloc[1, 1:5].tolist() == ["60", "30 (50,0%)", "20 (33,3%)", "10 (16,7%)"]
    # the total minus 1771 would give 1701's hidden cells; the province total is shown nowhere else
    assert t.iloc[2, 1:5].tolist() == ["115", "x", "x", "x"]
    s = package_sentence(_section([12, 30], [40, 20], [3, 10]), province_code())
    assert "ditekan" in s and "terendah" not in s  # 1701 (21,8%) is lowest but hidden
    assert s.endswith("Subsidi listrik (15 rumah tangga).")
    # two hidden rows: only their sum is known, the total is shown
    t2 = package_display(_section([2, 30], [40, 20], [3, 4]), province_code())
    assert t2.iloc[0, 2:5].tolist() == ["<5", "x", "<5"] and t2.iloc[1, 2:5].tolist() == ["x", "x", "<5"]
    assert t2.iloc[2, 2] == "32 (32,3%)"  # 32 of 45 + 54


def _kecamatan(full: list[int], partial: list[int], none: list[int]) -> pd.DataFrame:
    """Kecamatan rows of 1701 and their kabupaten total."""
    kec = pd.DataFrame({"level": "kecamatan", "kab_code": "1701", "kec_code": [f"1701{i:02d}" for i in (1, 2, 3)],
                        "full": full, "partial": partial, "none": none, "top_missing": "pip", "top_missing_n": 1})
    tot = pd.DataFrame({"level": ["kabupaten"], "kab_code": ["1701"], "kec_code": [None], "full": [sum(full)],
                        "partial": [sum(partial)], "none": [sum(none)], "top_missing": ["pip"], "top_missing_n": [3]})
    out = pd.concat([kec, tot], ignore_index=True)
    out["eligible"] = out["full"] + out["partial"] + out["none"]
    return out


def test_unit_table_hides_a_second_kecamatan_not_its_total():
    # the kabupaten total is also a row of the province report: a second kecamatan is hidden instead
    t = package_display(_kecamatan([20, 9, 30], [30, 10, 40], [2, 6, 8]), "1701")
    assert t["Wilayah"].iloc[-1] == unit_name("1701") and t["Wilayah"].iloc[0].startswith("Kecamatan ")
    assert t.iloc[0, 2:5].tolist() == ["x", "x", "<5"]
    assert t.iloc[1, 2:5].tolist() == ["x", "x", "x"]  # 25 households, the smaller of the two shown
    assert t.iloc[2, 2:5].tolist() == ["30 (38,5%)", "40 (51,3%)", "8 (10,3%)"]
    assert t.iloc[3, 2] == "59 (38,1%)"  # 59 of 52 + 25 + 78 = 155
    s = package_sentence(_kecamatan([20, 9, 30], [30, 10, 40], [2, 6, 8]), "1701")
    assert s.startswith(f"Di {unit_name('1701')}, 59 dari 155 rumah tangga") and "terendah" not in s


def test_sentence_is_true_of_the_table():
    f = _section([12, 30], [40, 20], [8, 10])
    t = package_display(f, province_code())
    s = package_sentence(f, province_code())
    assert t.iloc[2, 2] == "42 (35,0%)"
    assert s.startswith(f"Di {unit_name(province_code())}, 42 dari 120 rumah tangga")
    assert "(35,0%) menerima semua program paket" in s
    assert f"terendah di {unit_name('1701')} (20,0%)" in s and t.iloc[0, 2] == "12 (20,0%)"
    assert package_sentence(f.assign(eligible=0), province_code()).endswith("2 program paket atau lebih.")


def test_low_full_package_is_a_draft_problem_with_its_evidence():
    f = _section([12, 45], [40, 10], [8, 5])  # 1701: 12/60 = 20%, 1771: 45/60 = 75%
    assert LOW_FULL_PACKAGE == 0.5
    p = draft_problems({"registry_package": f})
    assert p["kab_code"].tolist() == ["1701"] and p["kind"].tolist() == ["paket komplementer"]
    assert p["problem"].iloc[0] == "Kurang dari 50% rumah tangga sasaran menerima paket program komplementer secara lengkap"
    assert p["evidence"].iloc[0] == ("20,00% paket lengkap (12 dari 60 rumah tangga yang memenuhi kriteria 2+ "
                                     "program paket, pedoman 3.2.1.a); paling sering belum diterima: Subsidi listrik "
                                     "(9 rumah tangga)")
    assert p["source"].iloc[0] == "data terpadu"
    # a unit whose counts the table suppresses is not drafted from hidden figures
    assert draft_problems({"registry_package": _section([3, 45], [40, 10], [8, 5])}).empty
