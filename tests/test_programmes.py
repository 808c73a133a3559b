"""Tests of tkpk_lib.analysis.programmes: annex budget tables add up, convergence, complaints."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tkpk_lib.analysis.programmes import (
    budget_tables,
    complaints_summary,
    convergence,
    repeated_amounts,
)
from tkpk_lib.data.schemas import FUND_SOURCES
from tkpk_lib.errors import SchemaError, TkpkError

DESA = [f"17{k:02d}{c:02d}{2000 + d}" for k in (1, 3) for c in (1, 2) for d in (1, 2, 3)]


def _programme_map(seed: int = 5, n_prog: int = 25) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n_prog):
        loci = rng.choice(DESA, rng.integers(1, 6), replace=False)
        strategy = int(rng.integers(1, 4))
        for j, desa in enumerate(loci):
            budget = float(rng.integers(10, 500)) * 1e6
            rows.append({
                "year": 2024, "programme_id": f"P{i:03d}", "programme": f"Program {i}",
                "activity": f"Kegiatan {i}", "opd": ["Dinas Sosial", "Dinas Kesehatan", "Bappeda"][i % 3],
                "strategy": strategy, "cluster": int(rng.integers(1, 5)),
                "fund_source": FUND_SOURCES[int(rng.integers(0, 5))] if j == 0 else FUND_SOURCES[i % 5],
                "target_group": ["keluarga miskin", "UMKM"][i % 2], "target_count": int(rng.integers(5, 100)),
                "reached_count": 0, "target_unit": ["KK", "unit"][i % 2], "locus_desa": desa,
                "kab_code": desa[:4], "budget": budget, "realisation": budget * rng.uniform(0.5, 1.0),
            })
    df = pd.DataFrame(rows)
    df["reached_count"] = (df["target_count"] * rng.uniform(0.3, 1.0, len(df))).round().astype(int)
    return df


def test_budget_tables_add_up_to_source():
    pm = _programme_map()
    t = budget_tables(pm)
    total_b, total_r = pm["budget"].sum(), pm["realisation"].sum()
    assert t["total"]["budget"].item() == pytest.approx(total_b, rel=1e-12)
    assert t["total"]["realisation"].item() == pytest.approx(total_r, rel=1e-12)
    assert t["total"]["n_loci"].item() == len(pm)
    assert t["total"]["n_programmes"].item() == pm["programme_id"].nunique()
    for name in ("by_strategy", "by_cluster", "by_fund_source", "by_opd", "by_kab", "by_programme"):
        tab = t[name]
        assert tab["budget"].sum() == pytest.approx(total_b, rel=1e-12), name
        assert tab["realisation"].sum() == pytest.approx(total_r, rel=1e-12), name
        if "budget_share" in tab.columns:
            assert tab["budget_share"].sum() == pytest.approx(1.0), name
    assert t["by_programme"]["target_count"].sum() == pm["target_count"].sum()
    assert t["targets"]["reached_count"].sum() == pm["reached_count"].sum()
    assert set(t["targets"]["target_unit"]) == {"KK", "unit"}
    s = t["by_strategy"].set_index("strategy")
    sub = pm[pm["strategy"] == 1]
    assert s.loc[1, "realisation_rate"] == pytest.approx(sub["realisation"].sum() / sub["budget"].sum())
    assert s.loc[1, "strategy_label"] == "Pengurangan beban pengeluaran masyarakat"
    assert list(t["by_fund_source"]["fund_source"]) == list(FUND_SOURCES)
    assert t["checks"].empty


def test_programme_level_amounts_counted_once():
    pm = _programme_map()
    # rewrite: every locus row repeats the programme total
    tot = pm.groupby("programme_id")[["budget", "realisation", "target_count", "reached_count"]].transform("sum")
    rep = pm.assign(**{c: tot[c] for c in tot.columns})
    multi = rep.groupby("programme_id")["locus_desa"].transform("size") > 1
    # locus mode would double count: the check says so
    t_loc = budget_tables(rep)
    flagged = set(t_loc["checks"].query("issue == 'repeated_budget'")["programme_id"])
    assert flagged == set(rep.loc[multi, "programme_id"])
    assert t_loc["total"]["budget"].item() > pm["budget"].sum()
    t = budget_tables(rep, amounts="programme")
    assert t["total"]["budget"].item() == pytest.approx(pm["budget"].sum(), rel=1e-12)
    for name in ("by_strategy", "by_kab", "by_opd", "by_programme"):
        assert t[name]["budget"].sum() == pytest.approx(pm["budget"].sum(), rel=1e-12)
    bp = t["by_programme"].set_index("programme_id")
    assert bp.loc["P000", "budget"] == pytest.approx(pm.loc[pm["programme_id"] == "P000", "budget"].sum())
    assert bp["target_count"].sum() == pytest.approx(pm["target_count"].sum())
    assert len(repeated_amounts(pm)) == 0
    bad = rep.copy()
    bad.loc[bad.index[multi.to_numpy()][0], "budget"] += 1.0
    with pytest.raises(SchemaError, match="same value on every locus row"):
        budget_tables(bad, amounts="programme")


def test_budget_checks_and_bad_amounts():
    pm = _programme_map(n_prog=3)
    pm.loc[0, "realisation"] = pm.loc[0, "budget"] * 1.5
    pm.loc[1, "reached_count"] = pm.loc[1, "target_count"] + 1
    issues = budget_tables(pm)["checks"]["issue"].tolist()
    assert "realisation_above_budget" in issues and "reached_above_target" in issues
    pm.loc[2, "budget"] = np.nan
    with pytest.raises(SchemaError, match=r"'budget': missing or negative amount \[rows 3;"):
        budget_tables(pm)


def test_convergence_hand_built():
    rows = [
        # programme, strategy, desa, budget
        ("A", 1, "1701012001", 100.0), ("A", 1, "1701012002", 100.0),
        ("B", 2, "1701012001", 50.0), ("C", 3, "1701012001", 30.0),
        ("D", 2, "1701022001", 200.0), ("E", 1, "1701012003", 20.0),
    ]
    pm = pd.DataFrame(rows, columns=["programme_id", "strategy", "locus_desa", "budget"])
    pm = pm.assign(year=2024, realisation=0.0, target_count=1, reached_count=0)
    pri = pd.DataFrame({"desa_code": ["1701012001", "1701012002", "1701099001"]})
    cv = convergence(pm, pri)
    bs = cv["by_strategy"].set_index("strategy")
    assert bs.loc[1, "budget"] == 220.0 and bs.loc[1, "budget_priority"] == 200.0
    assert bs.loc[1, "budget_share_priority"] == pytest.approx(200 / 220)
    assert bs.loc[1, "n_loci_priority"] == 2 and bs.loc[1, "loci_share_priority"] == pytest.approx(2 / 3)
    assert bs.loc[2, "budget_share_priority"] == pytest.approx(50 / 250)
    assert bs.loc[0, "budget"] == 500.0 and bs.loc[0, "budget_priority"] == 280.0
    desa = cv["desa"].set_index("desa_code")
    assert desa.loc["1701012001", "strategies"] == "1+2+3" and desa.loc["1701012001", "status"] == "ketiga strategi"
    assert desa.loc["1701012002", "single_strategy"] == 1
    assert desa.loc["1701099001", "no_programme"] == 1 and desa.loc["1701099001", "budget"] == 0.0
    summ = cv["summary"].set_index("status")["n_desa"]
    assert summ.to_dict() == {"tidak ada program": 1, "hanya 1 strategi": 1, "2 strategi": 0, "ketiga strategi": 1}
    with pytest.raises(TkpkError, match="several years"):
        convergence(pd.concat([pm, pm.assign(year=2025)]), pri)
    assert convergence(pd.concat([pm, pm.assign(year=2025)]), pri, year=2025)["by_strategy"]["budget"].iloc[-1] == 500


def test_complaints_summary_hand_built():
    c = pd.DataFrame({
        "complaint_id": [str(i) for i in range(6)],
        "channel": ["SP4N-LAPOR!", "hotline", "hotline", "WhatsApp", "langsung", "hotline"],
        "programme": ["pkh", "pkh", "bpnt", "pbi", "pkh", "pbi"],
        "desa_code": "1701012001", "kab_code": ["1701"] * 3 + ["1702"] * 3,
        "date_received": pd.to_datetime(["2024-01-01", "2024-01-10", "2024-02-01", "2024-02-10",
                                         "2024-03-01", "2024-03-05"]),
        "date_resolved": pd.to_datetime(["2024-01-04", "2024-01-30", None, "2024-02-11", None, None]),
        "status": ["selesai", "selesai", "proses", "selesai", "belum", "proses"],
    })
    s = complaints_summary(c, as_of="2024-03-15")
    ov = s["overall"].iloc[0]
    assert ov["n"] == 6 and ov["n_resolved"] == 3 and ov["share_resolved"] == 0.5
    assert ov["median_days"] == 3.0 and ov["mean_days"] == pytest.approx((3 + 20 + 1) / 3)
    assert ov["median_days_open"] == 14.0  # open: 43, 14, 10 days
    ch = s["by_channel"].set_index("channel")
    assert ch.loc["hotline", "n"] == 3 and ch.loc["hotline", "median_days"] == 20.0
    assert s["by_programme"].set_index("programme").loc["pkh", "n_resolved"] == 2
    assert s["by_status"]["n"].sum() == 6
    assert s["by_kab"].set_index("kab_code").loc["1702", "share_resolved"] == pytest.approx(1 / 3)
    bad = c.copy()
    bad.loc[1, "date_resolved"] = pd.Timestamp("2023-12-01")
    with pytest.raises(SchemaError, match=r"resolved before it was received \[rows 2;"):
        complaints_summary(bad)


def _group(t: pd.DataFrame, key: str, value: str) -> pd.DataFrame:
    return t[t[key] == value].drop(columns=key).reset_index(drop=True)


def test_by_group_equals_one_call_per_group():
    """``by="kab_code"`` gives each kabupaten's tables in one pass: the same tables as a call on
    that kabupaten's rows (rows interleaved on purpose). Realisation sums may differ in the
    last bit: pandas sums a group with or without compensation depending on row order."""
    pm = _programme_map(seed=11, n_prog=40).sample(frac=1.0, random_state=2).reset_index(drop=True)
    by = budget_tables(pm, by="kab_code")
    for kab, sub in pm.groupby("kab_code"):
        one = budget_tables(sub)
        for name in ("total", "by_strategy", "by_cluster", "by_fund_source", "by_opd", "by_programme",
                     "targets"):
            pd.testing.assert_frame_equal(_group(by[name], "kab_code", kab), one[name].reset_index(drop=True),
                                          check_exact=False, rtol=1e-14, atol=0)
    assert by["by_strategy"].columns[:4].tolist() == ["kab_code", "year", "strategy", "strategy_label"]

    pri = pd.DataFrame({"desa_code": DESA[::2]})
    pri["kab_code"] = pri["desa_code"].str[:4]
    cv = convergence(pm, pri, by="kab_code")
    for kab, sub in pm.groupby("kab_code"):
        one = convergence(sub, pri.loc[pri["kab_code"] == kab, "desa_code"].tolist())
        for name in ("by_strategy", "desa", "summary"):
            pd.testing.assert_frame_equal(_group(cv[name], "kab_code", kab), one[name], check_exact=True)
    with pytest.raises(TkpkError, match="DataFrame"):
        convergence(pm, DESA, by="kab_code")

    c = pd.DataFrame({
        "complaint_id": [str(i) for i in range(8)], "kab_code": ["1701", "1703"] * 4,
        "channel": ["hotline", "surat", "hotline", "WhatsApp"] * 2, "programme": ["pkh", "bpnt"] * 4,
        "date_received": pd.to_datetime(["2024-01-01", "2024-01-03", "2024-01-05", "2024-02-01"] * 2),
        "date_resolved": pd.to_datetime(["2024-01-11", None, "2024-01-06", "2024-02-11", None, "2024-01-30",
                                         "2024-01-07", None]),
        "status": ["selesai", "proses", "selesai", "selesai", "proses", "selesai", "selesai", "belum"],
    })
    cs = complaints_summary(c, as_of="2024-03-01", by="kab_code")
    assert "by_kab" not in cs
    for kab, sub in c.groupby("kab_code"):
        one = complaints_summary(sub, as_of="2024-03-01")
        for name in ("overall", "by_channel", "by_programme", "by_status"):
            pd.testing.assert_frame_equal(_group(cs[name], "kab_code", kab), one[name], check_exact=True)
