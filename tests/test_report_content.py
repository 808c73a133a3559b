"""Issue 10 sections 1, 2 and the registry half of 5: guideline terms, programme catalogue, targeting
against each programme's own target group, BLT Dana Desa only in desa, groups, suppressed registry counts.

Unit tests on hand-made frames, then checks of the shared demo run (``shared_run``: 1701, the kota
1771 of kelurahan only, the province).
"""

from __future__ import annotations

import json

import numpy as np
import openpyxl
import pandas as pd
import pytest

from tkpk_lib.analysis import programme_catalogue as pc
from tkpk_lib.analysis.coverage import targeting, targeting_own
from tkpk_lib.analysis.programmes import budget_tables
from tkpk_lib.analysis.registry import eligibility, follow_up_by_desa
from tkpk_lib.data.schemas import FUND_SOURCES, STRATEGIES
from tkpk_lib.errors import SchemaError
from tkpk_lib.estimation.design import SurveyDesign
from tkpk_lib.reporting import programme_tables as pt
from tkpk_lib.reporting.reading import load_section

GUIDELINE_STRATEGIES = [  # Pedoman TKPK Bengkulu 2.5, the three headings
    "Pengurangan beban pengeluaran masyarakat",
    "Peningkatan pendapatan masyarakat",
    "Penurunan jumlah kantong-kantong kemiskinan",
]


def _map(clusters, sources) -> pd.DataFrame:
    n = len(clusters)
    return pd.DataFrame({
        "year": 2024, "programme_id": [f"P{i}" for i in range(n)], "programme": [f"p{i}" for i in range(n)],
        "opd": "Dinas Sosial", "strategy": [1 + i % 3 for i in range(n)], "cluster": clusters,
        "fund_source": sources, "target_group": "keluarga miskin", "target_count": 10, "reached_count": 5,
        "target_unit": "KK", "locus_desa": "1701012001", "kab_code": "1701",
        "budget": [100.0 * (i + 1) for i in range(n)], "realisation": [50.0 * (i + 1) for i in range(n)]})


# ---------------------------------------------------------------- 1. guideline terms


def test_strategies_are_the_three_of_guideline_2_5():
    assert list(STRATEGIES.values()) == GUIDELINE_STRATEGIES
    assert list(pc.STRATEGY_LABELS.values()) == GUIDELINE_STRATEGIES


def test_three_clusters_and_a_fourth_read_as_klaster_2():
    t = budget_tables(_map([1, 4, 3, 4], ["APBN"] * 4))
    c = t["by_cluster"]
    assert c["cluster"].tolist() == [1, 2, 3]
    assert c["budget"].tolist() == [100.0, 200.0 + 400.0, 300.0]
    assert c["cluster_label"].str.startswith(("Klaster 1", "Klaster 2", "Klaster 3")).all()
    assert not c["cluster_label"].str.contains("lainnya|pro-", regex=True).any()
    assert set(t["by_programme"]["cluster"]) == {1, 2, 3}


def test_every_fund_source_and_strategy_is_a_row_with_explicit_zero():
    t = budget_tables(_map([1, 1], ["APBN", "APBDes"]))
    f = t["by_fund_source"].set_index("fund_source")
    assert f.index.tolist() == list(FUND_SOURCES)
    assert f.loc["APBN", "budget"] == 100.0 and f.loc["APBDes", "budget"] == 200.0
    assert f.loc["APBD Provinsi", ["n_programmes", "budget", "budget_share"]].tolist() == [0, 0.0, 0.0]
    assert f.loc["Non-pemerintah", "fund_source_label"] == "Sumber lain yang sah (nonpemerintah)"
    s = t["by_strategy"].set_index("strategy")
    assert s.index.tolist() == [1, 2, 3] and s.loc[3, "n_programmes"] == 0
    assert f["budget"].sum() == 300.0 and f["budget_share"].sum() == pytest.approx(1.0)


def test_annex_notes_use_the_guideline_terms():
    tpl = pd.read_csv("tkpk_lib/reference/annex_template.csv", dtype=str, keep_default_na=False)
    d = tpl[tpl["table_id"] == "program"].set_index("column")["definition"]
    assert all(s.lower() in d["strategi"].lower() for s in GUIDELINE_STRATEGIES)
    assert "UMK" not in d["strategi"] and "sinergi" not in d["strategi"]
    assert "Klaster 3 pemberdayaan usaha mikro dan kecil" in d["klaster"]
    assert "Dana Desa" not in d["klaster"]
    assert "APBDes" in d["sumber_dana"] and "nonpemerintah" in d["sumber_dana"]


# ---------------------------------------------------------------- 2. the catalogue


def test_catalogue_rows_and_target_groups():
    cat = pc.load_catalogue().set_index("code")
    assert set(cat.index) == {"pkh", "bpnt", "pbi", "pip", "blt_dd", "lpg", "listrik", "kur"}
    assert cat.loc["blt_dd", "area_kind"] == "desa" and (cat.drop(index="blt_dd")["area_kind"] == "both").all()
    assert cat.loc["pip", "target_require_any"] == "n_children_7_18"
    assert cat.loc[["pkh", "bpnt", "pbi"], "target_max_decile"].tolist() == [4, 4, 4]
    assert cat.loc["kur", ["unit", "cluster", "survey_target"]].tolist() == ["usaha", 3, 0]
    assert (cat["source"] != "").all()
    assert pc.programme_info("blt_dd")["unit"] == "keluarga"


def test_user_catalogue_overrides_and_errors_name_file_column_rows(tmp_path, monkeypatch):
    own = pc.load_catalogue()
    own.loc[own["code"] == "lpg", "target_max_decile"] = 10
    path = tmp_path / "katalog.csv"
    own.to_csv(path, index=False)
    monkeypatch.setenv("TKPK_PROGRAMME_CATALOGUE", str(path))
    assert int(pc.load_catalogue().set_index("code").loc["lpg", "target_max_decile"]) == 10
    bad = own.copy()
    bad.loc[2, "cluster"] = 4
    bad.loc[5, "area_kind"] = "kota"
    bad.to_csv(path, index=False)
    with pytest.raises(SchemaError) as e:
        pc.load_catalogue()
    msg = str(e.value)
    assert "katalog.csv" in msg and "'cluster'" in msg and "rows 3" in msg and "'area_kind'" in msg and "6" in msg


# ---------------------------------------------------------------- 3. targeting against own target groups


def _households() -> pd.DataFrame:
    rng = np.random.default_rng(3)
    n = 400
    return pd.DataFrame({
        "w": rng.uniform(50, 150, n), "welfare_decile": rng.integers(1, 11, n),
        "n_children_7_18": rng.integers(0, 3, n), "kec_code": np.where(np.arange(n) < 300, "170101", "177101"),
        "rcv_pip": rng.integers(0, 2, n), "rcv_lpg": rng.integers(0, 2, n), "rcv_blt_dd": rng.integers(0, 2, n)})


def test_each_programme_against_its_own_target_group():
    hh = _households()
    own = targeting_own(hh, SurveyDesign("w"))
    # reference: the same estimator with the target groups written out by hand
    ref_t = {"pip": (hh["welfare_decile"] <= 4) & (hh["n_children_7_18"] > 0),
             "lpg": hh["welfare_decile"] <= 4,
             "blt_dd": (hh["welfare_decile"] <= 4) & (hh["kec_code"] == "170101")}  # 177101: kelurahan only
    for prog, t in ref_t.items():
        ref = targeting(hh.assign(t=t.astype(int)), SurveyDesign("w"), prog, "t")
        got = own[own["programme"] == prog]
        np.testing.assert_allclose(got["estimate"], ref["estimate"], rtol=1e-12)
        np.testing.assert_allclose(got["ci_high"], ref["ci_high"], rtol=1e-12)
    w, r, t = hh["w"], hh["rcv_lpg"], ref_t["lpg"]
    inc = own.query("programme == 'lpg' and indicator == 'inclusion_error'")["estimate"].item()
    assert inc == pytest.approx((w * r * ~t).sum() / (w * r).sum())
    assert own.query("programme == 'pip'")["target_group"].iloc[0].startswith("anak usia sekolah")


def test_blt_dd_needs_a_desa_in_the_registry():
    reg = pd.DataFrame({"row_no": [1, 2, 3], "kab_code": ["1701", "1701", "1771"],
                        "kec_code": ["170101", "170105", "177101"],
                        "desa_code": ["1701012001", "1701051010", "1771011001"], "decile": 1, "rcv_blt_dd": 0})
    fu = follow_up_by_desa(reg, programmes=["blt_dd"])
    assert fu["desa_code"].tolist() == ["1701012001"]
    assert eligibility(reg, programmes=["blt_dd"])["elig_blt_dd"].tolist() == [1, 0, 0]
    assert pc.applies_to_unit("blt_dd", "1771") is False and pc.applies_to_unit("blt_dd", "1701") is True


def test_blt_dd_survey_target_only_where_the_kecamatan_has_desa():
    hh = pd.DataFrame({"welfare_decile": [1, 1, 1, 5], "kec_code": ["177101", "170101", "1771010", "170101"],
                       "rcv_blt_dd": 0})
    # 177101: kelurahan only; 170101: desa; an unknown (BPS 7-digit) code cannot rule anyone out
    assert pc.survey_targets(hh)["target_own_blt_dd"].tolist() == [0, 1, 1, 0]


# ---------------------------------------------------------------- 5. registry publication


def test_small_counts_suppressed_with_their_complement():
    d = pd.DataFrame({"desa_code": "1701012001", "programme": ["pkh", "pip", "bpnt", "any"],
                      "eligible": [40, 3, 12, 50], "covered": [36, 1, 12, 40], "missing": [4, 2, 0, 10]})
    a = pt.registry_desa_annex(d)
    assert a["program"].tolist() == ["Program Keluarga Harapan (PKH)", "Program Indonesia Pintar (PIP/KIP)",
                                     "Program Sembako / BPNT"]
    assert a[["sasaran", "menerima", "cakupan_pct", "tindak_lanjut"]].values.tolist() == [
        ["40", "x", "x", "<5"], ["<5", "<5", "x", "<5"], ["12", "12", 1.0, "0"]]


# ---------------------------------------------------------------- the shared demo run


def _nb_text(folder, start: str, stop: str) -> str:
    nb = json.loads((folder / "evaluasi_tahunan.ipynb").read_text(encoding="utf-8"))
    text, on = [], False
    for c in nb["cells"]:
        src = "".join(c["source"])
        if c["cell_type"] == "markdown" and src.startswith("## "):
            on = src.startswith(start) or (on and not src.startswith(stop))
        if on:
            text.append(src if c["cell_type"] == "markdown" else "")
            for o in c.get("outputs", []):
                data = o.get("data", {})
                text.append("".join(data.get("text/html", data.get("text/markdown", data.get("text/plain", "")))))
    return "\n".join(text)


def test_no_blt_dana_desa_gap_in_the_kota(shared_run):
    cache = shared_run["cache"]
    for name in ("targeting", "targeting_own", "targeting_groups", "coverage"):
        sec = load_section(cache, name)
        assert not sec.empty, name
        assert not ((sec["kab_code"] == "1771") & (sec["programme"] == "blt_dd")).any(), name
        assert ((sec["kab_code"] == "1701") & (sec["programme"] == "blt_dd")).any(), name
    folder = shared_run["folders"]["1771"]
    summary = _nb_text(folder, "## 1.", "## 2.")
    assert "Ringkasan" in summary and "BLT Dana Desa" not in summary
    sec3 = _nb_text(folder, "## 3.", "## 4.")
    assert "Kesalahan eksklusi" in sec3
    # the only mention: the note that it does not apply there
    assert sec3.count("BLT Dana Desa") == sec3.count("Tidak berlaku di wilayah ini: BLT Dana Desa") >= 1
    sec7 = _nb_text(folder, "## 7.", "## Grafik")
    assert "BLT Dana Desa" not in sec7.split("Catatan")[0]


def test_no_blt_dana_desa_follow_up_in_kelurahan(shared_run):
    cache = shared_run["cache"]
    for name, col in (("registry_followup", "n_households"), ("registry_desa", "eligible")):
        sec = load_section(cache, name)
        blt = sec[(sec["programme"] == "blt_dd") & (sec[col] > 0)]
        assert len(blt) and (blt["desa_code"].str[6] == "2").all(), name
    wb = openpyxl.load_workbook(next(shared_run["folders"]["1701"].glob("lampiran_lp2kd_1701_*.xlsx")))
    rows = [[c for c in r] for r in wb["Cakupan desa"].iter_rows(values_only=True)]
    head = next(i for i, r in enumerate(rows) if "Kode desa" in r)
    cols = {h: j for j, h in enumerate(rows[head]) if h}
    data = [r for r in rows[head + 1:] if r[cols["Kode desa"]] and str(r[cols["Kode desa"]]).isdigit()]
    assert data
    kel_blt = [r for r in data if str(r[cols["Kode desa"]])[6] == "1" and r[cols["Program"]] == "BLT Dana Desa"]
    assert kel_blt == []
    assert not any(r[cols["Program"]] in ("any", "blt_dd", "pkh") for r in data)


def test_registry_counts_published_suppressed(shared_run):
    wb = openpyxl.load_workbook(next(shared_run["folders"]["1701"].glob("lampiran_lp2kd_1701_*.xlsx")))
    ws = wb["Cakupan desa"]
    rows = list(ws.iter_rows(values_only=True))
    head = next(i for i, r in enumerate(rows) if "Kode desa" in r)
    idx = [j for j, h in enumerate(rows[head]) if h and str(h).startswith(("Sasaran", "Perlu tindak lanjut"))]
    assert len(idx) == 3
    vals = [r[j] for r in rows[head + 1:] for j in idx if r[j] is not None]
    assert vals and "<5" in vals
    assert not [v for v in vals if isinstance(v, int | float) and 0 < v < pt.SUPPRESS_BELOW]
    sec7 = _nb_text(shared_run["folders"]["1701"], "## 7.", "## Grafik")
    assert "&lt;5" in sec7 or "<5" in sec7


def test_follow_up_total_counts_distinct_households(shared_run):
    cache = shared_run["cache"]
    t = pt.followup_table(cache, "1701", top=400)
    assert len(t) and "Total rumah tangga" in t.columns
    reg = pd.read_parquet(shared_run["root"] / "canonical" / "registry.parquet")
    el = eligibility(reg[reg["kab_code"] == "1701"])
    progs = [c[5:] for c in el.columns if c.startswith("elig_")]
    miss = np.column_stack([(el[f"elig_{p}"] == 1) & (el[f"rcv_{p}"] == 0) for p in progs])
    distinct = pd.Series(miss.any(axis=1), index=el.index).groupby(el["desa_code"]).sum()
    summed = pd.Series(miss.sum(axis=1), index=el.index).groupby(el["desa_code"]).sum()
    shown = t.set_index("Kode desa")["Total rumah tangga"]
    assert shown.tolist() == [pt.format_count(distinct[c]) for c in shown.index]
    assert (distinct[shown.index] < summed[shown.index]).any()


def test_report_shows_cluster_fund_source_and_ci_tables(shared_run):
    folder = shared_run["folders"]["1701"]
    sec5 = _nb_text(folder, "## 5.", "## 6.")
    assert "menurut klaster" in sec5 and "Klaster 3: pemberdayaan usaha mikro dan kecil" in sec5
    assert "pro-rakyat" not in sec5 and "lainnya yang pro" not in sec5
    for label in pc.FUND_SOURCE_LABELS.values():
        assert label in sec5
    assert all(s in sec5 for s in GUIDELINE_STRATEGIES)
    sec3 = _nb_text(folder, "## 3.", "## 4.")
    assert "SK 95%" in sec3 and "Kesalahan inklusi" in sec3 and "Exclusion error" not in sec3
    assert "anak usia sekolah 7-18 tahun" in sec3  # PIP's own target group
    assert "Kepala rumah tangga perempuan" in sec3 and "penyandang disabilitas" in sec3
    own = pt.targeting_own_table(shared_run["cache"], "1701")
    assert own["Cakupan, % (SK 95%)"].str.contains(r"\d+,\d \(\d+,\d\u2013\d+,\d\)", regex=True).all()
    assert "KUR" not in own["Program"].tolist()
