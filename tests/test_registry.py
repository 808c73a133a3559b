"""Tests of tkpk_lib.analysis.registry: needs rules, eligibility, follow-up lists, summaries."""

from __future__ import annotations

import hashlib
import hmac

import numpy as np
import pandas as pd
import pytest

from tkpk_lib.analysis.registry import (
    FOLLOW_UP_COLUMNS,
    compare_survey_registry,
    eligibility,
    follow_up_by_desa,
    follow_up_list,
    load_rules,
    registry_combinations,
    registry_coverage,
    registry_summary,
    rollup_summary,
)
from tkpk_lib.data.schemas import PROGRAMMES, REGISTRY
from tkpk_lib.errors import SchemaError, TkpkError
from tkpk_lib.privacy import pseudonymise, scan_artifacts

KEY = b"kunci-uji-yang-cukup-panjang-0123456789"
CODES = list(PROGRAMMES)


def _nik(i: int) -> str:
    # province 17, kab 01, kec 01, birth day 45 (woman) month 07 year 90, serial
    return f"170101450790{i:04d}"


def _hand_registry() -> pd.DataFrame:
    rows = [
        # row_no, desa, decile, c06, c718, eld, dis, pkh bpnt pbi pip blt lpg lis kur
        (1, "1701012001", 1, 1, 0, 0, 0, 0, 1, 1, 0, 0, 1, 1, 0),
        (2, "1701012001", 3, 0, 2, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0),
        (3, "1701012001", 2, 0, 0, 0, 0, 0, 1, 1, 0, 0, 1, 1, 0),
        (4, "1701012001", 7, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1),
        (5, "1701012001", 4, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 1, 0),
        (6, "1701012002", 1, 0, 0, 0, 1, 1, 1, 1, 0, 1, 1, 1, 0),
    ]
    cols = ["row_no", "desa_code", "decile", "n_children_0_6", "n_children_7_18", "n_elderly",
            "n_disabled", *(f"rcv_{c}" for c in CODES)]
    df = pd.DataFrame(rows, columns=cols)
    df["nik"] = [_nik(i) for i in df["row_no"]]
    df["kk_no"] = [f"170101010120{i:04d}" for i in df["row_no"]]
    df["name"] = ["Siti Aminah", "Budi Santoso", "Rahmat Hidayat", "Dewi Lestari", "Yusuf Maulana",
                  "Nur Aisyah"]
    df["address"] = [f"Jl. Merdeka No. {i}" for i in df["row_no"]]
    df["kec_code"] = df["desa_code"].str[:6]
    df["kab_code"] = df["desa_code"].str[:4]
    df["n_members"] = 4
    df["head_female"] = 0
    # shuffled file order: the output must be sorted anyway
    return df.iloc[[3, 0, 5, 2, 1, 4]].reset_index(drop=True)


def _random_registry(n: int, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    desa = np.array([f"17{k:02d}{c:02d}{2000 + d}" for k in (1, 2) for c in (1, 2) for d in (1, 2, 3)])
    df = pd.DataFrame({
        "row_no": np.arange(1, n + 1),
        "nik": [f"1702{rng.integers(10, 99)}{rng.integers(1, 29):02d}{rng.integers(1, 13):02d}"
                f"{rng.integers(50, 99)}{i:04d}" for i in range(n)],
        "desa_code": rng.choice(desa, n),
        "decile": rng.integers(1, 11, n),
        "n_children_0_6": rng.poisson(0.4, n),
        "n_children_7_18": rng.poisson(0.8, n),
        "n_elderly": rng.binomial(1, 0.2, n),
        "n_disabled": rng.binomial(1, 0.05, n),
    })
    for c in CODES:
        df[f"rcv_{c}"] = rng.binomial(1, 0.4, n).astype("int8")
    df["kec_code"] = df["desa_code"].str[:6]
    df["kab_code"] = df["desa_code"].str[:4]
    return df


def _reference_eligibility(reg: pd.DataFrame, rules: pd.DataFrame) -> pd.DataFrame:
    """Plain-pandas eligibility, independent of the SQL path."""
    out = {}
    for _, r in rules[rules["active"] == 1].iterrows():
        ok = reg["decile"].between(r["min_decile"], r["max_decile"])
        if r["require_any"]:
            ok &= (reg[list(r["require_any"])] > 0).any(axis=1)
        for c in r["require_all"]:
            ok &= reg[c] > 0
        out[r["programme"]] = ok.astype(int).to_numpy()
    return pd.DataFrame(out, index=reg.index)


def test_shipped_rules_are_sane():
    rules = load_rules().set_index("programme")
    assert list(rules.index) == CODES
    assert rules.loc["pkh", "max_decile"] == 2
    assert rules.loc["pkh", "require_any"] == ("n_children_0_6", "n_children_7_18", "n_elderly", "n_disabled")
    assert rules.loc["pip", "max_decile"] == 3
    assert rules.loc["pbi", "max_decile"] == 4
    assert rules.loc["kur", "active"] == 0
    assert rules.loc["pip", "office"] == "Dinas Pendidikan"
    assert set(rules["confidence"]) <= {"SECONDARY", "UNCONFIRMED", "n/a"}
    assert all(rules["source"].str.len() > 10)


def test_rules_reject_bad_input():
    bad = pd.DataFrame({"programme": ["pkh", "xyz", "pip"], "office": ["a", "b", "c"],
                        "max_decile": ["2", "3", "11"], "require_any": ["n_children_0_6", "", "x; drop table"]})
    with pytest.raises(SchemaError) as e:
        load_rules(bad)
    msg = str(e.value)
    assert "unknown programme" in msg and "decile bounds" in msg and "identifiers" in msg


def test_eligibility_hand_built():
    reg = _hand_registry()
    el = eligibility(reg).set_index("row_no")
    assert el.loc[1, ["elig_pkh", "elig_bpnt", "elig_pip", "elig_blt_dd"]].tolist() == [1, 1, 0, 1]
    assert el.loc[3, "elig_pkh"] == 0  # decile 2 but no PKH component
    assert el.loc[4].filter(like="elig_").sum() == 0
    assert "elig_kur" not in el.columns  # inactive rule
    assert not set(REGISTRY.pii_columns) & set(el.columns)
    long = eligibility(reg, long=True)
    assert long["missing"].sum() == 7


def test_follow_up_list_exact_rows():
    reg = _hand_registry()
    fl = follow_up_list(reg, key=KEY)
    assert list(fl.columns) == list(FOLLOW_UP_COLUMNS)
    # loaded rules can be passed back in, and edited as data
    pd.testing.assert_frame_equal(follow_up_list(reg, load_rules(), key=KEY), fl)
    strict = load_rules().assign(max_decile=lambda r: r["max_decile"].clip(upper=1))
    assert set(follow_up_list(reg, strict, key=KEY)["row_no"]) == {1}
    got = list(zip(fl["row_no"].tolist(), fl["programme"].tolist(), strict=True))
    assert got == [(1, "pkh"), (1, "blt_dd"), (2, "bpnt"), (2, "pip"), (2, "lpg"), (2, "listrik"), (5, "pbi")]
    assert fl["office"].tolist()[:4] == ["Dinas Sosial", "DPMD / Pemerintah Desa", "Dinas Sosial",
                                         "Dinas Pendidikan"]
    assert fl["decile"].tolist() == [1, 1, 3, 3, 3, 3, 4]
    assert set(fl["desa_code"]) == {"1701012001"}
    # pseudonyms: the same as privacy.pseudonymise and a by-hand HMAC
    nik = dict(zip(reg["row_no"], reg["nik"], strict=True))
    expected = pseudonymise([nik[r] for r in fl["row_no"]], KEY)
    assert fl["pseudonym"].tolist() == expected
    assert fl["pseudonym"].iloc[0] == hmac.new(KEY, nik[1].encode(), hashlib.sha256).hexdigest()[:16]
    # no personal data anywhere in the frame
    assert not set(REGISTRY.pii_columns) & set(fl.columns)
    text = fl.to_csv(index=False)
    for col in ("nik", "kk_no", "name", "address"):
        assert not any(str(v) in text for v in reg[col])


def test_follow_up_pseudonym_long_key_and_whitespace():
    reg = _hand_registry()
    reg["nik"] = reg["nik"] + " "
    long_key = b"x" * 100  # longer than the HMAC block: hashed first (RFC 2104)
    fl = follow_up_list(reg, key=long_key, programmes=["pbi"])
    assert fl["pseudonym"].tolist() == pseudonymise([_nik(5)], long_key)


def test_follow_up_written_outputs_pass_privacy_scan(tmp_path):
    reg = _hand_registry()
    fl = follow_up_list(reg, key=KEY)
    fl.to_csv(tmp_path / "follow_up.csv", index=False)
    follow_up_by_desa(reg).to_csv(tmp_path / "by_desa.csv", index=False)
    pq = follow_up_list(reg, key=KEY, out=tmp_path / "fl.parquet")
    pd.read_parquet(pq).to_csv(tmp_path / "from_parquet.csv", index=False)
    names = reg["name"].tolist()
    assert scan_artifacts([tmp_path], names=names).empty
    # positive control: the scan does see the raw registry
    reg.to_csv(tmp_path / "raw.csv", index=False)
    found = scan_artifacts([tmp_path / "raw.csv"], names=names)
    assert (found["kind"] == "nik").sum() >= 6 and (found["kind"] == "name").sum() == 6


def test_follow_up_by_desa_and_summary_hand_built():
    reg = _hand_registry()
    bd = follow_up_by_desa(reg)
    assert bd["programme"].tolist() == ["pkh", "bpnt", "pbi", "pip", "blt_dd", "lpg", "listrik"]
    assert bd["n_households"].tolist() == [1, 1, 1, 1, 1, 1, 1]
    assert bd.set_index("programme").loc["lpg", "n_eligible"] == 4  # rows 1, 2, 3, 5
    s = registry_summary(reg, by="kab_code").set_index("programme")
    assert s.loc["pkh", ["eligible", "received", "covered", "missing", "received_not_eligible"]].tolist() == \
        [2, 2, 1, 1, 1]
    assert s.loc["pkh", "coverage_rate"] == 0.5 and s.loc["pkh", "leakage_rate"] == 0.5
    assert s.loc["any", ["n_households", "eligible", "missing", "covered"]].tolist() == [6, 5, 3, 2]
    tot = registry_summary(reg, by=None)
    assert len(tot) == len(CODES)  # 7 active + any
    assert tot["missing"].iloc[:-1].sum() == 7


def test_combinations_hand_built():
    reg = _hand_registry()
    c = registry_combinations(reg, by=None, what="missing")
    assert dict(zip(c["combination"], c["n_households"], strict=True)) == {
        "none": 3, "pkh+blt_dd": 1, "bpnt+pip+lpg+listrik": 1, "pbi": 1}
    assert c["share"].sum() == pytest.approx(1.0)
    r = registry_combinations(reg, by="desa_code", what="received")
    assert r[r["desa_code"] == "1701012002"]["combination"].tolist() == ["pkh+bpnt+pbi+blt_dd+lpg+listrik"]


def test_sql_matches_pandas_reference_and_parquet_matches_frame(tmp_path):
    reg = _random_registry(3000)
    rules = load_rules()
    ref = _reference_eligibility(reg, rules)
    el = eligibility(reg)
    for p in ref.columns:
        np.testing.assert_array_equal(el[f"elig_{p}"].to_numpy(), ref[p].to_numpy())
    # summaries by desa against a groupby
    summ = registry_summary(reg)
    for p in ref.columns:
        miss = (ref[p] == 1) & (reg[f"rcv_{p}"] == 0)
        exp = miss.groupby([reg["kab_code"], reg["kec_code"], reg["desa_code"]]).sum()
        got = summ[summ["programme"] == p].set_index(["kab_code", "kec_code", "desa_code"])["missing"]
        pd.testing.assert_series_equal(got.sort_index(), exp.sort_index(), check_names=False, check_dtype=False)
    fl = follow_up_list(reg, key=KEY)
    assert len(fl) == int(sum(((ref[p] == 1) & (reg[f"rcv_{p}"] == 0)).sum() for p in ref.columns))
    # the same through Parquet files (a folder of two parts)
    part = tmp_path / "reg"
    part.mkdir()
    reg.iloc[:1500].to_parquet(part / "a.parquet")
    reg.iloc[1500:].to_parquet(part / "b.parquet")
    pd.testing.assert_frame_equal(follow_up_list(part, key=KEY), fl)
    pd.testing.assert_frame_equal(registry_summary(str(part / "*.parquet")), summ)
    pd.testing.assert_frame_equal(eligibility(part), el)
    pd.testing.assert_frame_equal(registry_combinations(part), registry_combinations(reg))
    pd.testing.assert_frame_equal(registry_coverage(part), registry_coverage(reg))
    out = follow_up_list(part, key=KEY, out=tmp_path / "fl.parquet")
    pd.testing.assert_frame_equal(pd.read_parquet(out), fl, check_dtype=False)


def test_bad_registry_reports_rows():
    reg = _hand_registry()
    reg.loc[reg["row_no"] == 2, "decile"] = 12
    reg["rcv_pip"] = reg["rcv_pip"].astype(float)
    reg.loc[reg["row_no"] == 5, "rcv_pip"] = np.nan
    with pytest.raises(SchemaError) as e:
        eligibility(reg)
    msg = str(e.value)
    assert "decile outside 1-10" in msg and "[rows 2;" in msg
    assert "'rcv_pip': missing value" in msg and "[rows 5;" in msg
    with pytest.raises(SchemaError, match="'n_elderly': required column missing"):
        registry_summary(reg.drop(columns="n_elderly"))
    with pytest.raises(TkpkError, match="registry file not found"):
        registry_summary("/nonexistent/registry.parquet")


def test_registry_coverage_and_compare():
    reg = _hand_registry()
    rc = registry_coverage(reg, by="kab_code").set_index("programme")
    # deciles 1-4: rows 1, 2, 3, 5, 6 -> pbi received by 1, 2, 3, 6
    assert rc.loc["pbi", ["n_target", "recipients", "recipients_in_target"]].tolist() == [5, 4, 4]
    assert rc.loc["pbi", "coverage"] == pytest.approx(0.8)
    assert rc.loc["pkh", "target_share_of_recipients"] == pytest.approx(0.5)
    sv = pd.DataFrame({"kab_code": "1701", "programme": ["pbi", "pkh", "pip"],
                       "indicator": "coverage", "estimate": [0.7, 0.1, 0.5], "se": [0.05, 0.02, 0.1],
                       "ci_low": [0.6, 0.06, 0.3], "ci_high": [0.8, 0.14, 0.7], "n": [40, 40, 40]})
    cmp = compare_survey_registry(sv, rc.reset_index()).set_index("programme")
    assert cmp.loc["pbi", "agreement"] == "within_ci" and cmp.loc["pbi", "disagree"] == 0
    assert cmp.loc["pkh", "agreement"] == "registry_above"
    assert cmp.loc["pkh", "z"] == pytest.approx((0.2 - 0.1) / 0.02)
    assert cmp.loc["pip", "agreement"] == "registry_below"
    assert cmp.loc["bpnt", "agreement"] == "no_survey_estimate"


def test_rollup_summary_equals_a_new_scan():
    """Coarser summaries and the follow-up table from one desa-level scan equal direct scans."""
    reg = _hand_registry()
    reg.loc[reg["row_no"] == 6, "desa_code"] = "1702012001"  # a second kabupaten
    reg["kec_code"] = reg["desa_code"].str[:6]
    reg["kab_code"] = reg["desa_code"].str[:4]
    desa = registry_summary(reg)
    for by in (("kab_code",), ("kab_code", "kec_code"), "kab_code", None):
        pd.testing.assert_frame_equal(rollup_summary(desa, by=by), registry_summary(reg, by=by),
                                      check_exact=True)
    pd.testing.assert_frame_equal(follow_up_by_desa(reg, summary=desa), follow_up_by_desa(reg),
                                  check_exact=True)
    with pytest.raises(SchemaError, match="kec_code"):
        rollup_summary(registry_summary(reg, by="kab_code"), by=("kab_code", "kec_code"))
    with pytest.raises(SchemaError, match="desa_code"):
        follow_up_by_desa(reg, summary=registry_summary(reg, by="kab_code"))
