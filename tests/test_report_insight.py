"""What the library computes is on the page, and the province report compares kabupaten/kota (issue 10, 4 and 6).

Every check reads the reports of the shared demo run (``shared_run``: 1701, the kota 1771 and the
province) and compares the numbers shown with a computation made here, by hand (weighted sums of
the canonical tables) or by the library on the same inputs.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tkpk_lib.reporting.formatting import fmt_int, fmt_number, fmt_percent
from tkpk_lib.reporting.labels import PROVINCE_CODE, unit_name

YEAR = 2024


def _html(run: dict, unit: str, name: str = "evaluasi_tahunan.html") -> str:
    return (Path(run["folders"][unit]) / name).read_text(encoding="utf-8")


def _tables(html: str) -> dict[str, pd.DataFrame]:
    """Every captioned table of a report, as strings, keyed by caption."""
    from bs4 import BeautifulSoup

    out = {}
    for t in BeautifulSoup(html, "html.parser").find_all("table"):
        cap = t.find("caption")
        if cap is None:
            continue
        rows = [[c.get_text(" ", strip=True) for c in tr.find_all(["th", "td"])] for tr in t.find_all("tr")]
        out[cap.get_text(" ", strip=True)] = pd.DataFrame(rows[1:], columns=rows[0])
    return out


def _table(html: str, start: str) -> pd.DataFrame:
    found = [v for k, v in _tables(html).items() if k.startswith(start)]
    assert len(found) == 1, f"table starting {start!r}: {len(found)} found"
    return found[0]


def _canon(run: dict, name: str) -> pd.DataFrame:
    return pd.read_parquet(Path(run["root"]) / "canonical" / f"{name}.parquet")


def _households(run: dict) -> pd.DataFrame:
    from tkpk_lib.analysis.coverage import add_targets

    return add_targets(_canon(run, f"households_{YEAR}"))


def _ci(est: float, lo: float, hi: float) -> str:
    return f"{fmt_number(est * 100, 1)} ({fmt_number(max(lo, 0) * 100, 1)}\u2013{fmt_number(hi * 100, 1)})"


@pytest.fixture(scope="module")
def run(shared_run):
    assert shared_run["code"] == 0
    return shared_run


def test_coverage_by_quintile_and_incidence_shown_with_hand_computed_values(run):
    hh = _households(run)
    hh = hh[hh["kab_code"].astype(str) == "1701"]
    w, pkh, q = hh["weight"], hh["rcv_pkh"].astype(float), hh["welfare_quintile"]
    html = _html(run, "1701")
    assert "Cara membaca: proporsi (%) rumah tangga di setiap kuintil pengeluaran" in html
    cov = _table(html, "Cakupan program menurut kuintil").set_index("Program")
    inc = _table(html, "Sebaran rumah tangga penerima menurut kuintil").set_index("Program")
    for k in (1, 2):
        share = float((w * pkh * (q == k)).sum() / (w * (q == k)).sum())
        assert cov.loc["PKH", f"Kuintil {k}"].startswith(fmt_number(share * 100, 1) + " ("), k
        incid = float((w * pkh * (q == k)).sum() / (w * pkh).sum())
        assert inc.loc["PKH", f"Kuintil {k}"].startswith(fmt_number(incid * 100, 1) + " ("), k
    # the printed interval is the cache's (the library's) 95% CI
    from tkpk_lib.reporting.reading import load_section

    c = load_section(run["cache"], "coverage")
    r = c[(c["kab_code"] == "1701") & (c["programme"] == "pkh") & (c["indicator"] == "coverage")
          & (c["welfare_quintile"] == 1)].iloc[0]
    assert cov.loc["PKH", "Kuintil 1"].rstrip("*") == _ci(r["estimate"], r["ci_low"], r["ci_high"])


def test_overlap_matrix_equals_weighted_shares(run):
    hh = _households(run)
    hh = hh[hh["kab_code"].astype(str) == "1771"]
    w = hh["weight"]
    html = _html(run, "1771")
    m = _table(html, "Penerima program yang juga menerima program lain").set_index("Penerima program")
    for a, b, la, lb in (("pkh", "bpnt", "PKH", "Sembako/BPNT"), ("pbi", "pkh", "PBI-JKN", "PKH")):
        share = float((w * hh[f"rcv_{a}"] * hh[f"rcv_{b}"]).sum() / (w * hh[f"rcv_{a}"]).sum())
        assert m.loc[la, f"juga {lb}"].rstrip("*") == fmt_percent(share, 1), (a, b)
    assert m.loc["PKH", "juga PKH"] == "\u2013"
    # a programme nobody in the kota's sample receives (BLT Dana Desa: the kota has no desa) is no gap there
    from tkpk_lib.reporting.labels import PROGRAMME_LABELS

    none = {PROGRAMME_LABELS[p] for p in PROGRAMME_LABELS if f"rcv_{p}" in hh and hh[f"rcv_{p}"].sum() == 0}
    some = {PROGRAMME_LABELS[p] for p in PROGRAMME_LABELS if f"rcv_{p}" in hh and hh[f"rcv_{p}"].sum() > 0}
    assert none and PROGRAMME_LABELS["blt_dd"] in none
    cov = _table(html, "Cakupan program menurut kuintil")
    assert set(m.index) == some and set(cov["Program"]) == some


def test_survey_against_registry_per_programme_and_kabupaten(run):
    from tkpk_lib.analysis.coverage import programme_receipt
    from tkpk_lib.estimation.design import SurveyDesign

    hh = _canon(run, f"households_{YEAR}")
    reg = _canon(run, "registry")
    est = programme_receipt(hh, SurveyDesign("weight", "stratum", "psu", single_psu="center"), ["pkh"],
                            by="kab_code")
    est = est[est["indicator"] == "number"]
    est = est.set_index(est["kab_code"].astype(str))
    n_reg = reg.groupby(reg["kab_code"].astype(str))["rcv_pkh"].sum()
    one = _table(_html(run, "1701"), "Rumah tangga penerima program").set_index("Program")
    assert one.loc["PKH", "Susenas: dugaan rumah tangga penerima"] == fmt_int(est.loc["1701", "estimate"])
    assert one.loc["PKH", "Data terpadu: rumah tangga penerima"] == fmt_int(n_reg["1701"])
    assert one.loc["PKH", "SK 95%"] == (f"{fmt_int(max(est.loc['1701', 'ci_low'], 0))}\u2013"
                                        f"{fmt_int(est.loc['1701', 'ci_high'])}")
    # the province: one row per kabupaten/kota, the registry as % of the survey, marked against the CI
    prov_est = programme_receipt(hh, SurveyDesign("weight", "stratum", "psu", single_psu="center"), ["pkh"])
    prov_est = prov_est[prov_est["indicator"] == "number"].iloc[0]
    prov = _table(_html(run, PROVINCE_CODE), "Rumah tangga penerima program").set_index("Kabupaten/kota")
    assert list(prov.index) == [unit_name(c) for c in sorted(n_reg.index)] + [unit_name(PROVINCE_CODE)]
    for code, e in [*((c, est.loc[c]) for c in n_reg.index), (PROVINCE_CODE, prov_est)]:
        r = n_reg.sum() if code == PROVINCE_CODE else n_reg[code]
        mark = " (+)" if r > e["ci_high"] else " (\u2212)" if r < e["ci_low"] else ""
        assert prov.loc[unit_name(code), "PKH"] == fmt_int(100 * r / e["estimate"]) + mark, code


def test_direct_and_model_kecamatan_p0_side_by_side(run):
    from tkpk_lib.reporting.reading import load_section

    k = load_section(run["cache"], "pockets_kecamatan")
    k = k[k["kab_code"].astype(str) == "1701"].dropna(subset=["direct"]).iloc[0]
    html = _html(run, "1701")
    assert "CV model yang lebih kecil menunjukkan ketelitian yang diperoleh dari model" in html
    t = _table(html, "P0 kecamatan: dugaan langsung Susenas dan model Fay-Herriot")
    from tkpk_lib.reporting.labels import _region_names

    row = t.set_index("Kecamatan").loc[_region_names()[str(k["kec_code"])]]
    assert row["P0 langsung (%)"] == fmt_percent(k["direct"], 1)
    assert row["CV langsung (%)"] == fmt_percent(k["direct_cv"], 1)
    assert row["P0 model (%)"] == fmt_percent(k["estimate"], 1)
    assert row["CV model (%)"] == fmt_percent(k["cv"], 1)
    assert row["Penurunan CV (%)"] == fmt_percent(1 - k["cv"] / k["direct_cv"], 0)
    assert int(row["Rumah tangga sampel"]) == int(k["n_hh"])


def test_stable_pockets_with_the_rule_stated(run):
    from tkpk_lib.reporting.reading import load_section

    html = _html(run, "1701")
    assert ("Sebuah kecamatan atau desa disebut kantong kemiskinan bila termasuk 20% teratas di "
            "kabupaten/kotanya") in html
    pk = load_section(run["cache"], "pockets", "1701")
    kec = pk[(pk["level"] == "kecamatan") & pk["is_pocket"].astype(bool)]
    t = _table(html, "Kecamatan kantong kemiskinan dan kestabilannya").set_index("Kecamatan")
    for r in kec.itertuples():
        row = t.loc[r.name]
        assert row["Peluang masuk 20% teratas (%)"] == fmt_percent(r.p_top_rate, 0)
        want = ("kantong tetap" if r.p_top_rate >= 0.8 else "tetap di luar" if r.p_top_rate <= 0.2
                else "belum dapat disimpulkan")
        want += " (kantong menurut jumlah)" if r.pocket_type == "jumlah besar" else ""
        assert row["Kesimpulan (menurut tingkat)"] == want


def test_village_class_and_typology_in_words(run):
    vil = _canon(run, f"villages_{YEAR}")
    from tkpk_lib.analysis.deprivation import deprivation_score

    scores = deprivation_score(vil)
    own = scores[scores["kab_code"].astype(str) == "1701"]
    counts = own["status_idm_like"].value_counts()
    html = _html(run, "1701")
    t = _table(html, "Desa/kelurahan menurut kelas desa (mirip IDM)").set_index("Kelas desa (mirip IDM)")
    assert {k: int(v) for k, v in t["Semua desa"].items()} == {k: int(v) for k, v in counts.items()}
    assert list(t.index) == [c for c in ("sangat tertinggal", "tertinggal", "berkembang", "maju", "mandiri")
                             if c in counts.index]
    typ = _table(html, "Desa/kelurahan menurut tipologi")
    assert typ["Semua desa"].astype(int).sum() == len(own)
    assert not any(s.isdigit() for s in typ["Tipologi desa"])  # words, not cluster numbers


def test_unreached_pocket_desa_listed(run):
    from tkpk_lib.reporting.reading import load_section

    conv = load_section(run["cache"], "convergence", "1701")
    d = conv[(conv["table"] == "desa") & (conv["no_programme"] > 0)]
    pm = _canon(run, f"programmes_{YEAR}")
    reached = set(pm["locus_desa"].astype(str)) if "locus_desa" in pm.columns else set()
    assert not set(d["desa_code"].astype(str)) & reached
    pk = load_section(run["cache"], "pockets", "1701")
    first = pk[(pk["level"] == "desa") & pk["code"].isin(set(d["desa_code"].astype(str)))].sort_values(
        ["rank_rate", "code"]).iloc[0]
    t = _table(_html(run, "1701"), "Desa/kelurahan kantong kemiskinan tanpa program")
    assert t.iloc[0]["Desa/kelurahan"] == first["name"]
    assert t.iloc[0]["Peringkat"] == fmt_int(first["rank_rate"])


def test_province_pocket_tables_have_areas_and_province_ranks(run):
    from tkpk_lib.reporting.reading import load_section

    html = _html(run, PROVINCE_CODE)
    pk = load_section(run["cache"], "pockets")
    for level, cap in (("kecamatan", "Kecamatan prioritas"), ("desa", "Desa prioritas")):
        t = _table(html, cap)
        assert list(t.columns[:2]) == ["Peringkat provinsi", "Kabupaten/kota"]
        sub = pk[pk["level"] == level]
        rates = sub["rate"].to_numpy(float)
        for r in t.itertuples(index=False):
            row = sub[sub["code"].astype(str) == str(r.Kode)].iloc[0]
            assert r[1] == unit_name(str(row["kab_code"]))
            assert int(r[0].replace(".", "")) == 1 + int((rates > row["rate"]).sum())
        assert t["Kabupaten/kota"].nunique() > 1  # one province-wide list, not one kabupaten's
    stab = _table(html, "Kecamatan kantong kemiskinan dan kestabilannya")
    assert "Kabupaten/kota" in stab.columns and "Peringkat provinsi" in stab.columns
    kec = pk[(pk["level"] == "kecamatan") & pk["is_pocket"].astype(bool)]
    assert sorted(stab["Kecamatan"]) == sorted(kec.loc[kec["p_top_rate"] >= 0.8, "name"])
    summ = _table(html, "Kecamatan kantong menurut kesimpulan kestabilan").set_index("Kabupaten/kota")
    for code, g in kec.groupby(kec["kab_code"].astype(str)):
        row = summ.loc[unit_name(code)]
        assert int(row["Kecamatan kantong"]) == len(g)
        assert int(row["Kantong tetap (tingkat)"]) == int((g["p_top_rate"] >= 0.8).sum())
        assert int(row["Tetap di luar (tingkat)"]) == int((g["p_top_rate"] <= 0.2).sum())


def test_province_budget_and_complaints_per_kabupaten(run):
    pm = _canon(run, f"programmes_{YEAR}")
    comp = _canon(run, f"complaints_{YEAR}")
    html = _html(run, PROVINCE_CODE)
    b = _table(html, "Pagu dan realisasi menurut kabupaten/kota").set_index("Kabupaten/kota")
    from tkpk_lib.analysis.programmes import budget_tables

    tot = budget_tables(pm, by="kab_code")["total"].set_index("kab_code")
    for code, r in tot.iterrows():
        assert b.loc[unit_name(str(code)), "Pagu (Rp)"] == fmt_int(r["budget"])
    ranks = b["Peringkat provinsi (pagu)"].astype(int).tolist()
    assert ranks == sorted(ranks) and ranks[0] == 1
    c = _table(html, "Pengaduan menurut kabupaten/kota").set_index("Kabupaten/kota")
    n = comp.groupby(comp["kab_code"].astype(str)).size()
    assert {k: int(v) for k, v in c["Jumlah pengaduan"].items()} == {unit_name(k): int(v) for k, v in n.items()}
    # targets per kabupaten/kota, and nothing of this in a kabupaten's report
    tg = _table(html, "Capaian terhadap target menurut kabupaten/kota")
    assert tg["Kabupaten/kota"].nunique() > 1
    unit = _tables(_html(run, "1701"))
    assert not any(k.startswith(("Pagu dan realisasi menurut kabupaten/kota", "Pengaduan menurut kabupaten/kota",
                                 "Capaian terhadap target menurut")) for k in unit)


def test_province_annex_sheets_carry_the_area(run):
    import openpyxl

    wb = openpyxl.load_workbook(Path(run["folders"][PROVINCE_CODE]) / f"lampiran_lp2kd_17_{YEAR}.xlsx",
                                read_only=True)
    comp = _canon(run, f"complaints_{YEAR}")
    for sheet in ("Program", "Target", "Pengaduan"):
        rows = [[c for c in r] for r in wb[sheet].iter_rows(values_only=True)]
        head = next(i for i, r in enumerate(rows) if "Kabupaten/kota" in r)
        col = rows[head].index("Kabupaten/kota")
        areas = {r[col] for r in rows[head + 1:] if r[col] and r[col] != "Jumlah"}
        assert len(areas) > 1 and areas <= {unit_name(c) for c in comp["kab_code"].astype(str).unique()}, sheet
    # pocket desa: ranked over every desa of the province, beside the rank in their kabupaten/kota
    from tkpk_lib.reporting.reading import load_section

    desa = load_section(run["cache"], "pockets")
    desa = desa[desa["level"] == "desa"]
    rates = desa.set_index(desa["code"].astype(str))["rate"].astype(float)
    rows = [list(r) for r in wb["Kantong kemiskinan"].iter_rows(values_only=True)]
    head = next(i for i, r in enumerate(rows) if "Peringkat provinsi" in r)
    h = rows[head]
    body = [r for r in rows[head + 1:] if r[h.index("Kode desa")]]
    assert len({r[h.index("Kabupaten/kota")] for r in body}) > 1
    for r in body:
        code = str(r[h.index("Kode desa")])
        assert r[h.index("Peringkat provinsi")] == 1 + int((rates > rates[code]).sum()), code
    unit = openpyxl.load_workbook(Path(run["folders"]["1701"]) / f"lampiran_lp2kd_1701_{YEAR}.xlsx",
                                  read_only=True)
    assert not any("Kabupaten/kota" in r for r in unit["Program"].iter_rows(values_only=True))
    assert not any("Peringkat provinsi" in r for r in unit["Kantong kemiskinan"].iter_rows(values_only=True))


def test_ci_text_never_below_zero_and_rank_is_province_wide():
    from tkpk_lib.reporting.insight_tables import ci_text, province_rank

    assert ci_text(0.001, -0.004, 0.006) == "0,1 (0,0\u20130,6)"
    assert province_rank(pd.Series([0.2, 0.5, 0.2])).tolist() == [2.0, 1.0, 2.0]
    assert np.isnan(province_rank(pd.Series([np.nan, 1.0]))[0])


def test_annex_complaints_use_the_reports_median(run):
    import openpyxl

    from tkpk_lib.reporting.labels import PROGRAMME_LABELS

    comp = _canon(run, f"complaints_{YEAR}")
    comp = comp[comp["kab_code"].astype(str) == "1701"]
    days = (pd.to_datetime(comp["date_resolved"]) - pd.to_datetime(comp["date_received"])).dt.days
    days = days.where(comp["status"].astype(str) == "selesai")
    wb = openpyxl.load_workbook(Path(run["folders"]["1701"]) / f"lampiran_lp2kd_1701_{YEAR}.xlsx", read_only=True)
    rows = [list(r) for r in wb["Pengaduan"].iter_rows(values_only=True)]
    head = next(i for i, r in enumerate(rows) if "Median waktu penyelesaian" in r)
    h = rows[head]
    code = {v: k for k, v in PROGRAMME_LABELS.items()}
    checked = 0
    for r in rows[head + 1:]:
        prog, chan, med = r[h.index("Program")], r[h.index("Kanal pengaduan")], r[h.index("Median waktu penyelesaian")]
        if prog in (None, "Jumlah") or chan is None:
            continue
        sel = (comp["programme"].astype(str) == code.get(prog, prog)) & (comp["channel"].astype(str) == chan)
        want = days[sel].median()
        assert (med is None and pd.isna(want)) or med == pytest.approx(want), (prog, chan)
        checked += 1
    assert checked > 3
