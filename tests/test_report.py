"""Report sections: formatting helpers, prepare_tables on hand-made canonical tables, section reading.

The canonical tables here are built in the test (seeded, every kabupaten, two years) so the
report layer is tested without the demo generator; the end-to-end run on the demo is in
tests/test_pipeline.py.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from tkpk_lib.analysis import indicators as ind
from tkpk_lib.data.reference_data import KAB_CODES, regions
from tkpk_lib.data.schemas import PROGRAMMES
from tkpk_lib.errors import ReportError
from tkpk_lib.estimation.design import SurveyDesign
from tkpk_lib.reporting import report as R
from tkpk_lib.reporting import sections as S


def make_tables(year: int, seed: int = 1, n_psu: int = 6, hh_per_psu: int = 8) -> dict[str, pd.DataFrame]:
    rng = np.random.default_rng([seed, year])
    desa = regions("desa")
    desa = desa[desa["code"].str[:4].isin(KAB_CODES)]
    rows = []
    for kab in KAB_CODES:
        d_k = desa[desa["code"].str[:4] == kab]
        for urban in (0, 1):
            for p in range(n_psu):
                dc = d_k["code"].iloc[int(rng.integers(len(d_k)))]
                for _h in range(hh_per_psu):
                    rows.append((kab, dc, urban, f"{kab}{urban}", f"{kab}{urban}{p:02d}"))
    hh = pd.DataFrame(rows, columns=["kab_code", "desa_code", "urban", "stratum", "psu"])
    n = len(hh)
    hh.insert(0, "year", year)
    hh.insert(1, "hh_id", [f"{year}{i:06d}" for i in range(n)])
    hh["kec_code"] = hh["desa_code"].str[:6]
    hh["weight"] = rng.uniform(50, 150, n)
    hh["hh_size"] = rng.integers(1, 7, n)
    kab_eff = hh["kab_code"].map({k: 0.05 * i for i, k in enumerate(KAB_CODES)})
    hh["poverty_line"] = 550000.0 + 20000 * hh["urban"] + (year - 2020) * 15000
    hh["exp_pc"] = np.exp(rng.normal(13.55 + kab_eff + 0.1 * hh["urban"] + 0.02 * (year - 2020), 0.45, n))
    for c in ("head_female", "has_disabled", "has_elderly", "water_safe", "sanitation_safe", "electricity",
              "floor_earth", "wall_poor", "roof_poor", "decent_housing"):
        hh[c] = (rng.random(n) < 0.3 if c in ("head_female", "has_disabled", "has_elderly", "floor_earth",
                                               "wall_poor", "roof_poor") else rng.random(n) < 0.8).astype("int8")
    hh["head_age"] = rng.integers(20, 80, n)
    hh["head_educ"] = rng.integers(0, 5, n)
    hh["n_children_7_18"] = rng.integers(0, 3, n)
    hh["water_source"] = rng.integers(1, 8, n)
    poor = hh["exp_pc"] < hh["poverty_line"]
    for code in PROGRAMMES:
        hh[f"rcv_{code}"] = (rng.random(n) < np.where(poor, 0.6, 0.2)).astype("int8")
    hh["registry_decile"] = np.where(poor, rng.integers(1, 5, n), rng.integers(3, 11, n))
    # persons
    rep = hh.loc[hh.index.repeat(hh["hh_size"])].reset_index(drop=True)
    per = rep[["year", "hh_id", "kab_code", "urban", "stratum", "psu", "weight"]].copy()
    per["person_no"] = rep.groupby("hh_id").cumcount() + 1
    m = len(per)
    per["age"] = rng.integers(0, 90, m)
    per["female"] = rng.integers(0, 2, m).astype("int8")
    per["is_head"] = (per["person_no"] == 1).astype("int8")
    per["disabled"] = (rng.random(m) < 0.05).astype("int8")
    per["school_status"] = rng.integers(0, 3, m)
    per["jkn_member"] = (rng.random(m) < 0.8).astype("int8")
    per["jkn_pbi"] = (rng.random(m) < 0.4).astype("int8")
    # labour
    lab = per[per["age"] >= 10][["year", "kab_code", "urban", "stratum", "psu", "weight", "age", "female"]].copy()
    lab.insert(1, "person_id", [f"p{i}" for i in range(len(lab))])
    k = len(lab)
    lab["lf_status"] = rng.choice([1, 2, 3], k, p=[0.65, 0.04, 0.31])
    emp = lab["lf_status"] == 1
    lab["hours"] = np.where(emp, rng.uniform(5, 60, k), np.nan)
    lab["sector"] = pd.array(np.where(emp, rng.integers(1, 4, k), pd.NA), dtype="Int64")
    lab["informal"] = (emp & (rng.random(k) < 0.6)).astype("int8")
    lab["wants_more_hours"] = (emp & (rng.random(k) < 0.1)).astype("int8")
    # villages
    vil = desa[["code", "name"]].rename(columns={"code": "desa_code", "name": "desa_name"}).copy()
    v = len(vil)
    vil.insert(0, "year", year)
    vil["kec_code"] = vil["desa_code"].str[:6]
    vil["kab_code"] = vil["desa_code"].str[:4]
    vil["kelurahan"] = (vil["desa_code"].str[6] == "1").astype("int8")
    vil["population"] = rng.integers(300, 5000, v)
    vil["families"] = (vil["population"] / 4).astype(int)
    vil["dist_school_km"] = rng.exponential(2, v)
    vil["dist_health_km"] = rng.exponential(5, v)
    vil["dist_market_km"] = rng.exponential(8, v)
    vil["road_surface"] = rng.integers(1, 5, v)
    vil["electricity_share"] = rng.uniform(0.5, 1, v)
    vil["signal"] = rng.integers(0, 3, v)
    vil["water_source"] = rng.integers(1, 6, v)
    vil["sanitation"] = rng.integers(1, 5, v)
    vil["malnutrition_cases"] = rng.poisson(1, v)
    vil["disasters"] = rng.poisson(1, v)
    return {"households": hh, "persons": per, "labour": lab.reset_index(drop=True), "villages": vil}


def make_registry(seed: int = 1, n: int = 3000) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    desa = regions("desa")
    desa = desa[desa["code"].str[:4].isin(KAB_CODES)]["code"].to_numpy()
    dc = desa[rng.integers(len(desa), size=n)]
    reg = pd.DataFrame({"row_no": np.arange(1, n + 1),
                        "nik": [f"17{rng.integers(10**13, 10**14)}" for _ in range(n)],
                        "kk_no": [f"17{rng.integers(10**13, 10**14)}" for _ in range(n)],
                        "name": "Siti Uji", "address": "Jl. Uji", "desa_code": dc})
    reg["kec_code"] = reg["desa_code"].str[:6]
    reg["kab_code"] = reg["desa_code"].str[:4]
    reg["decile"] = rng.integers(1, 11, n)
    reg["n_members"] = rng.integers(1, 7, n)
    reg["n_children_0_6"] = rng.integers(0, 2, n)
    reg["n_children_7_18"] = rng.integers(0, 3, n)
    reg["n_elderly"] = rng.integers(0, 2, n)
    reg["n_disabled"] = rng.integers(0, 2, n)
    reg["head_female"] = rng.integers(0, 2, n).astype("int8")
    for code in PROGRAMMES:
        reg[f"rcv_{code}"] = (rng.random(n) < np.where(reg["decile"] <= 4, 0.6, 0.15)).astype("int8")
    return reg


def make_programme_map(year: int, seed: int = 1, n: int = 300) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng([seed, year, 7])
    desa = regions("desa")
    desa = desa[desa["code"].str[:4].isin(KAB_CODES)]["code"].to_numpy()
    loc = desa[rng.choice(len(desa), n, replace=False)]
    pm = pd.DataFrame({"year": year, "programme_id": [f"P{i % 40:03d}" for i in range(n)], "locus_desa": loc})
    pid = pm["programme_id"].str[1:].astype(int)
    pm["programme"] = "Program " + pm["programme_id"]
    pm["activity"] = "Kegiatan " + pm["programme_id"]
    pm["opd"] = np.array(["Dinas Sosial", "Dinas Kesehatan", "Bappeda", "Dinas PMD"])[pid % 4]
    pm["strategy"] = (pid % 3) + 1
    pm["cluster"] = (pid % 4) + 1
    pm["fund_source"] = np.array(["APBN", "APBD Provinsi", "APBD Kabupaten/Kota", "APBDes"])[pid % 4]
    pm["target_group"] = "keluarga miskin"
    pm["target_count"] = rng.integers(10, 100, n)
    pm["reached_count"] = (pm["target_count"] * rng.uniform(0.5, 1, n)).astype(int)
    pm["target_unit"] = "KK"
    pm["kab_code"] = pm["locus_desa"].str[:4]
    pm["budget"] = rng.integers(10, 500, n) * 1e6
    pm["realisation"] = pm["budget"] * rng.uniform(0.6, 1, n)
    m = 200
    dc = desa[rng.integers(len(desa), size=m)]
    rec = pd.Timestamp(f"{year}-01-01") + pd.to_timedelta(rng.integers(0, 300, m), unit="D")
    done = rng.random(m) < 0.7
    comp = pd.DataFrame({"complaint_id": [f"C{i}" for i in range(m)],
                         "channel": rng.choice(["SP4N-LAPOR!", "hotline", "WhatsApp"], m),
                         "programme": rng.choice(["pkh", "bpnt", "pbi"], m), "desa_code": dc,
                         "kab_code": [d[:4] for d in dc], "date_received": rec,
                         "date_resolved": pd.Series(rec).where(done) + pd.to_timedelta(rng.integers(1, 30, m), unit="D"),
                         "status": np.where(done, "selesai", "proses")})
    return pm, comp


# --------------------------------------------------------------------------- formatting


def test_indonesian_number_formats():
    assert R.fmt_number(1234567.891, 2) == "1.234.567,89"
    assert R.fmt_number(-0.5, 1) == "-0,5"
    assert R.fmt_int(30125.4) == "30.125"
    assert R.fmt_percent(0.13771) == "13,77"
    assert R.fmt_percent(None) == "\u2013"
    assert R.fmt_number(float("nan")) == "\u2013"
    assert [R.rse_mark(x) for x in (0.25, 0.2501, 0.5, 0.5001, None)] == ["", "*", "*", "**", ""]


def test_format_estimates_marks_and_suppresses():
    r = pd.DataFrame({"indicator": ["p0", "poor_count", "gini"], "estimate": [0.1377, 30125.0, 0.3312],
                      "se": [0.04, 9000.0, 0.2], "ci_low": [0.0593, 12485.0, -0.06], "ci_high": [0.2161, 47765.0, 0.72],
                      "rse": [0.29, 0.299, 0.6], "n": [120, 120, 7]})
    out = R.format_estimates(r, min_sample=10)
    assert out.columns.tolist() == ["Indikator", "Estimasi", "SE", "SK 95%", "n"]
    assert out["Estimasi"].tolist() == ["13,77*", "30.125*", "\u2013"]
    assert out.loc[0, "SK 95%"] == "5,93 \u2013 21,61"
    assert out.loc[1, "SE"] == "9.000"
    assert out.loc[2, "SE"] == "\u2013"  # 7 sample households < 10: suppressed, not shown with '**'
    assert R.format_estimates(r)["Estimasi"].tolist()[2] == "0,331**"  # Gini: catalogue says 3 decimals


# --------------------------------------------------------------------------- prepare


@pytest.fixture(scope="module")
def tables(tmp_path_factory):
    from tkpk_lib.data.readers.activities import read_activities
    from tkpk_lib.synthetic._activities import activity_log

    t = {y: make_tables(y) for y in (2023, 2024)}
    pm, comp = make_programme_map(2024)
    t[2024]["programmes"] = pm
    t[2024]["complaints"] = comp
    log = tmp_path_factory.mktemp("kegiatan")  # TKPK activity log (issue 13): every section computed
    activity_log(log, 2024)
    t[2024]["activities"] = read_activities(log / "raw" / "activities" / "kegiatan_tkpk_2024.csv")
    return t


@pytest.fixture(scope="module")
def full_cache(tables, tmp_path_factory):
    return R.prepare_tables(tables, 2024, tmp_path_factory.mktemp("c") / "derived" / "2024",
                            registry=make_registry())


def _core_only(monkeypatch):
    monkeypatch.setattr(S, "_module", lambda name: None)


def test_indicators_match_direct_calls(full_cache, tables):
    got = R.load_section(full_cache, "indicators")
    assert set(got["year"]) == {2023, 2024}
    assert set(got["kab_code"]) == {*KAB_CODES, "17"}
    hh = tables[2024]["households"]
    d = SurveyDesign("weight", "stratum", "psu", single_psu="center")
    p0 = ind.fgt(hh, d, "exp_pc", "poverty_line", by="kab_code", size="hh_size").set_index("kab_code")
    mine = got[(got["year"] == 2024) & (got["indicator"] == "p0")].set_index("kab_code")
    for k in KAB_CODES:
        assert mine.loc[k, "estimate"] == pytest.approx(p0.loc[k, "estimate"], rel=1e-12)
        assert mine.loc[k, "se"] == pytest.approx(p0.loc[k, "se"], rel=1e-12)
    prov = ind.gini(hh, d, "exp_pc", size="hh_size")
    g = got[(got["year"] == 2024) & (got["indicator"] == "gini") & (got["kab_code"] == "17")]
    assert g["estimate"].item() == pytest.approx(prov["estimate"].item(), rel=1e-12)
    lab = ind.labour_indicators(tables[2023]["labour"], d).set_index("indicator")
    t = got[(got["year"] == 2023) & (got["indicator"] == "tpt") & (got["kab_code"] == "17")]
    assert t["estimate"].item() == pytest.approx(lab.loc["tpt", "estimate"], rel=1e-12)


def test_change_is_2024_minus_2023(full_cache):
    ind_ = R.load_section(full_cache, "indicators").set_index(["year", "kab_code", "indicator"])
    ch = R.load_section(full_cache, "change").set_index(["kab_code", "indicator"])
    for k in ("1701", "17"):
        want = ind_.loc[(2024, k, "p0"), "estimate"] - ind_.loc[(2023, k, "p0"), "estimate"]
        assert ch.loc[(k, "p0"), "difference"] == pytest.approx(want, rel=1e-12)
    info = R.cache_info(full_cache)
    assert info["comparison_year"] == 2023 and info["years"] == [2023, 2024]


def test_every_section_present_and_filtered(full_cache):
    st = R.section_status(full_cache).set_index("section")["status"]
    assert (st == "ok").all(), st[st != "ok"]
    for name in ("indicators", "targeting", "registry_followup", "pockets", "budget", "annex_program"):
        one = R.load_section(full_cache, name, "1705")
        assert len(one) > 0
        col = "kab_code" if "kab_code" in one.columns else "desa_code"
        assert set(one[col].astype(str).str[:4]) == {"1705"}
    # the province keeps everything
    assert len(R.load_section(full_cache, "pockets", "17")) == len(R.load_section(full_cache, "pockets"))
    # follow-up counts only: no personal data in any section (the test registry's heads are all "Siti Uji")
    for name in R.SECTIONS:
        df = R.load_section(full_cache, name)
        assert not {"nik", "kk_no", "address"} & set(df.columns), name
        text = [str(v) for v in df.to_numpy().ravel()]
        assert not any("Siti Uji" in v or "Jl. Uji" in v for v in text), name
    with pytest.raises(ReportError, match="unknown report section"):
        R.load_section(full_cache, "nope")


def test_missing_modules_are_noted_not_invented(tables, tmp_path, monkeypatch):
    _core_only(monkeypatch)
    cache = R.prepare_tables(tables, 2024, tmp_path / "c", registry=make_registry(n=50))
    st = R.section_status(cache).set_index("section")
    assert st.loc["indicators", "status"] == "ok"
    assert st.loc["pockets", "status"] == "missing"
    assert R.load_section(cache, "pockets").empty
    assert R.section_note(cache, "pockets") == (
        "> **Bagian belum tersedia** (daftar kantong kemiskinan): bagian ini menunggu modul tkpk_lib.analysis.pockets.")
    assert R.section_note(cache, "indicators") == ""


def test_failing_section_is_recorded_with_its_cause(tables, tmp_path, monkeypatch):
    class Broken:
        def add_targets(self, hh):
            raise ValueError("rusak\nbaris kedua")

    monkeypatch.setattr(S, "_module", lambda name: Broken() if name == "analysis.coverage" else None)
    cache = R.prepare_tables(tables, 2024, tmp_path / "c")
    assert R.section_status(cache).set_index("section").loc["targeting", "status"] == "error"
    assert R.section_failures(cache)["targeting"] == ["ValueError: rusak", "baris kedua"]
    assert R.section_note(cache, "targeting") == (
        "> **Bagian ini tidak lengkap: kesalahan penargetan (exclusion/inclusion error) tidak dapat dihitung.** "
        "Penyebab:\n>\n> - ValueError: rusak\n> - baris kedua")


def test_prepare_is_deterministic(tables, tmp_path, monkeypatch):
    _core_only(monkeypatch)
    a = R.prepare_tables(tables, 2024, tmp_path / "a")
    b = R.prepare_tables(tables, 2024, tmp_path / "b")
    files = sorted(p.name for p in a.iterdir() if p.name != "timings.json")
    assert files == sorted(p.name for p in b.iterdir() if p.name != "timings.json")
    for f in files:
        assert (a / f).read_bytes() == (b / f).read_bytes(), f
    # rewriting into the same folder replaces it atomically
    R.prepare_tables(tables, 2024, tmp_path / "a")
    assert json.loads((a / "sections.json").read_text())["year"] == 2024


def test_prepare_rejects_bad_input(tables, tmp_path):
    with pytest.raises(ReportError, match="year 2030 has no tables"):
        R.prepare_tables(tables, 2030, tmp_path / "c")
    with pytest.raises(ReportError, match="target must be"):
        R.prepare_tables(tables, 2024, tmp_path / "c", target="semua")
    with pytest.raises(ReportError, match="comparison year 2019"):
        R.prepare_tables(tables, 2024, tmp_path / "c", comparison_year=2019)
    with pytest.raises(ReportError, match="no prepared report tables"):
        R.load_section(tmp_path / "nothing", "indicators")


def test_own_poverty_lines_replace_the_column(tables):
    hh = tables[2024]["households"]
    lines = pd.DataFrame({"kab_code": list(KAB_CODES), "year": 2024, "poverty_line": 600000.0})
    out = R._apply_poverty_lines(hh, lines, 2024)
    assert (out["poverty_line"] == 600000.0).all() and len(out) == len(hh)
    with pytest.raises(ReportError, match="no line for year 2024"):
        R._apply_poverty_lines(hh, lines[lines["kab_code"] != "1771"], 2024)


# --------------------------------------------------------------------------- report tables


def test_indicator_sheet_shows_prepared_values(full_cache):
    sheet = R.indicator_sheet(full_cache, "1702", 2024)
    row = sheet[sheet["Indikator"] == "Persentase penduduk miskin (P0)"].iloc[0]
    p0 = R.load_section(full_cache, "indicators", "1702").query("year == 2024 and indicator == 'p0'").iloc[0]
    # fewer than 20 poor sample households behind the share: unreliable (**) whatever the RSE
    mark = "**" if p0["n_cases"] < 20 else R.rse_mark(p0["rse"])
    assert row["Estimasi"] == R.fmt_percent(p0["estimate"]) + mark
    assert {"Perubahan", "Keterangan", "Target", "Status"} <= set(sheet.columns)
    ext = sheet[sheet["Indikator"] == "Persentase penduduk miskin ekstrem"].iloc[0]
    assert ext["Target"] == "0,00 (2024)"


def test_comparison_and_quadrant_tables(full_cache):
    ct = R.comparison_table(full_cache, 2024, "p0")
    assert len(ct) == 11 and ct["Wilayah"].iloc[-1] == "Provinsi Bengkulu"
    qt = R.quadrant_table(full_cache, 2024)
    assert set(qt["kab_code"]) == {*KAB_CODES, "17"}
    assert qt[["p0", "tpt", "gini", "p0_change"]].notna().all().all()


def test_annex_tables_fit_the_template_and_add_up(full_cache, tables):
    from tkpk_lib.reporting.excel import load_annex_template

    tpl = load_annex_template()
    annex = R.annex_tables(full_cache, "1706", 2024, min_sample=10)
    assert list(annex) == ["indikator", "program", "target", "kantong", "cakupan_desa", "cakupan", "pengaduan", "rpkd"]
    for tid, df in annex.items():
        required = tpl.loc[(tpl["table_id"] == tid) & (tpl["required"] == "1"), "column"]
        assert set(required) <= set(df.columns), (tid, set(required) - set(df.columns))
    pm = tables[2024]["programmes"]
    assert annex["program"]["pagu"].sum() == pytest.approx(pm.loc[pm["kab_code"] == "1706", "budget"].sum())
    small = annex["indikator"]["n"] < 10
    assert annex["indikator"].loc[small, "estimate"].isna().all()
    shown = R.annex_display(annex["program"], "program")
    assert "Pagu anggaran (Rp)" in shown.columns


def _assert_inside_figure(fig) -> None:
    """Axes with their tick labels, axis labels, titles and legends, and the figure texts, lie
    inside the canvas: the figures are saved as laid out (no crop), so nothing may stick out."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    r = canvas.get_renderer()
    fb = fig.bbox
    for b in [ax.get_tightbbox(r) for ax in fig.axes] + [t.get_window_extent(r) for t in fig.texts]:
        assert b.x0 >= fb.x0 - 1 and b.x1 <= fb.x1 + 1 and b.y0 >= fb.y0 - 1 and b.y1 <= fb.y1 + 1, b


def test_figures_draw(full_cache):
    from matplotlib.colors import to_hex

    from tkpk_lib.reporting.maps import FIXED_LAYOUT

    ind_ = R.load_section(full_cache, "indicators")
    p0 = ind_[ind_["indicator"] == "p0"]
    # trend: the unit's and the province's P0 (%) by year
    fig = R.trend_figure(full_cache, "1701")
    ax = fig.axes[0]
    for line, code in zip(ax.lines, ("1701", "17"), strict=True):
        s = p0[p0["kab_code"] == code].sort_values("year")
        assert list(line.get_xdata()) == s["year"].tolist()
        np.testing.assert_allclose(line.get_ydata(), s["estimate"] * 100)
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [R.unit_name("1701"), R.unit_name("17"),
                                                                   "Selang kepercayaan 95%"]
    # comparison: one bar per kabupaten/kota, sorted, the highlighted one red
    fig = R.comparison_figure(full_cache, 2024, "p0", "1701")
    ax = fig.axes[0]
    cur = p0[(p0["year"] == 2024) & (p0["kab_code"] != "17")].sort_values("estimate", kind="stable")
    np.testing.assert_allclose([b.get_width() for b in ax.patches], cur["estimate"] * 100)
    red = [to_hex(b.get_facecolor()) == "#c0392b" for b in ax.patches]
    assert red == (cur["kab_code"] == "1701").tolist()
    assert [t.get_text() for t in ax.get_yticklabels()] == [R.unit_name(c) for c in cur["kab_code"]]
    # quadrants: one point per kabupaten/kota at (x, y) of quadrant_table, named, highlight red
    qt = R.quadrant_table(full_cache, 2024)
    kabs = qt[qt["kab_code"] != "17"]
    fig = R.quadrant_figure(full_cache, 2024, "1701")
    mult = {"p0": 100, "p0_change": 100, "tpt": 100, "gini": 1}
    for ax, (x, y) in zip(fig.axes, (("p0_change", "p0"), ("tpt", "p0"), ("gini", "p0")), strict=True):
        pts = ax.collections[0]
        np.testing.assert_allclose(pts.get_offsets(), np.c_[kabs[x] * mult[x], kabs[y] * mult[y]])
        colours = [to_hex(c) for c in pts.get_facecolors()]
        assert colours == ["#c0392b" if c == "1701" else "#34495e" for c in kabs["kab_code"]]
        assert [t.get_text() for t in ax.texts] == [n.replace("Kabupaten ", "") for n in kabs["name"]]
        np.testing.assert_allclose([t.get_position() for t in ax.texts], pts.get_offsets())
        prov = qt[qt["kab_code"] == "17"].iloc[0]
        assert ax.lines[-1].get_ydata()[0] == pytest.approx(prov[y] * mult[y])  # province line
    # UpSet: one bar per combination (largest 12), hatched where RSE 25-50%, grey where > 50%
    fig = R.upset(full_cache, "1701")
    combos = R.combinations_for(full_cache, "1701")
    d = combos[combos["indicator"] == "number"].sort_values("estimate", ascending=False, kind="stable").head(12)
    bars = fig.axes[0].patches
    np.testing.assert_allclose([b.get_height() for b in bars], d["estimate"])
    assert [bool(b.get_hatch()) for b in bars] == (d["reliability"] == "caution").tolist()
    assert [to_hex(b.get_facecolor()) == "#b0b0b0" for b in bars] == (d["reliability"] == "unreliable").tolist()
    members = fig.axes[1].collections[1].get_offsets()  # black dots: (combination, programme)
    assert len(members) == sum(0 if c == "none" else len(c.split("+")) for c in d["combination"])
    for fig in (R.trend_figure(full_cache, "1701"), R.trend_figure(full_cache, "17", "poor_count"),
                R.comparison_figure(full_cache, 2024, "p0", "1701"),
                R.comparison_figure(full_cache, 2024, "poor_count", "1701"),
                R.quadrant_figure(full_cache, 2024, "1701"), R.upset(full_cache, "1701")):
        assert getattr(fig, FIXED_LAYOUT)  # laid out in inches: show() draws it once, no crop
        _assert_inside_figure(fig)
    assert len(R.trend_plotly(full_cache, "17").data) == 1


def test_show_draws_fixed_figures_once_and_crops_others(full_cache, monkeypatch):
    import io

    import IPython.display
    from PIL import Image

    shown = []
    monkeypatch.setattr(IPython.display, "display", lambda obj: shown.append(obj.data))
    R.show(R.trend_figure(full_cache, "1701"))
    img = Image.open(io.BytesIO(shown[-1]))
    assert img.format == "PNG" and img.mode == "RGB" and img.size == (770, 374)  # 7 x 3.4 in at 110 dpi
    assert np.asarray(img)[0, 0].tolist() == [255, 255, 255]
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(4, 3))  # any other figure: cropped to its contents, closed
    ax.plot([0, 1], [0, 1])
    R.show(fig, dpi=50)
    img = Image.open(io.BytesIO(shown[-1]))
    assert img.size[0] < 200 and img.size[1] < 150
    assert fig.number not in plt.get_fignums()


def test_pocket_maps_from_the_cache(full_cache, tmp_path):
    import shutil

    import geopandas as gpd
    from matplotlib.colors import to_hex
    from shapely.geometry import box

    from tkpk_lib.reporting import maps

    cache = tmp_path / "cache"
    shutil.copytree(full_cache, cache)
    kec = R.load_section(cache, "pockets_kecamatan", "1701")
    kec["reliability"] = np.where(np.arange(len(kec)) % 4 == 1, "caution", "reliable")
    kec.to_parquet(cache / "pockets_kecamatan.parquet")
    pk = R.load_section(cache, "pockets")
    pk["hotspot_cluster"] = np.where(pk["level"] == "desa", "not significant", None)
    pk.loc[pk.index[pk["level"] == "desa"][:3], "hotspot_cluster"] = "High-High"
    pk.to_parquet(cache / "pockets.parquet")
    # boundaries of kabupaten 1701 (a strip per kecamatan, split among its desa)
    desa = regions("desa")
    desa = desa[desa["code"].str[:4] == "1701"].reset_index(drop=True)
    kcodes = sorted(desa["code"].str[:6].unique())
    bnd = tmp_path / "root" / "raw" / "boundaries"
    bnd.mkdir(parents=True)
    kgeo, dgeo = [], []
    for i, k in enumerate(kcodes):
        x0 = 102.0 + 0.05 * i
        kgeo.append(box(x0, -4.5, x0 + 0.05, -4.0))
        ds = desa[desa["code"].str[:6] == k]
        dgeo += [box(x0, -4.5 + 0.5 * j / len(ds), x0 + 0.05, -4.5 + 0.5 * (j + 1) / len(ds))
                 for j in range(len(ds))]
    gpd.GeoDataFrame({"code": kcodes}, geometry=kgeo, crs="EPSG:4326").to_file(bnd / "kecamatan.gpkg")
    gpd.GeoDataFrame({"code": desa["code"]}, geometry=dgeo, crs="EPSG:4326").to_file(bnd / "desa.gpkg")
    figs = R.pocket_maps(cache, tmp_path / "root", "1701")
    assert len(figs) == 3
    # kecamatan P0: colours are the quantile classes of the SAE estimates, caution units hatched
    ax = figs[0].axes[0]
    est = pd.Series(kec["estimate"].to_numpy(), index=kec["kec_code"]).reindex(kcodes).to_numpy()
    assert np.isfinite(est).all()
    bins, cls = maps.classify(est, "quantiles", 5)
    handles = ax.get_legend().legend_handles
    assert [to_hex(c) for c in ax.collections[0].get_facecolors()] == [to_hex(handles[c].get_facecolor())
                                                                       for c in cls]
    hatched = [c for c in ax.collections if c.get_hatch()]
    assert len(hatched) == 1 and len(hatched[0].get_paths()) == (kec["reliability"] == "caution").sum()
    assert ax.get_legend().get_texts()[-1].get_text() == maps.HATCH_LABEL
    # pocket desa over kecamatan outlines; LISA clusters
    assert len(figs[1].axes[0].collections[0].get_paths()) == len(desa)
    texts = [t.get_text() for t in figs[2].axes[0].get_legend().get_texts()]
    assert texts == ["Tinggi-Tinggi (kantong)", "Tidak signifikan"]
    for fig in figs:
        _assert_inside_figure(fig)


def test_ensure_prepared_reuses_only_a_matching_cache(tables, tmp_path, monkeypatch):
    _core_only(monkeypatch)
    gk = tmp_path / "gk.csv"
    lines = pd.DataFrame({"kab_code": ["1701"], "year": [2024], "poverty_line": [500_000.0]})
    lines.to_csv(gk, index=False)
    cache = R.prepare_tables(tables, 2024, tmp_path / "y" / "k", poverty_lines=str(gk))
    # not sealed by prepare_year (no completion marker): never reused, rebuilt from the data root
    with pytest.raises(ReportError, match="no Susenas data"):
        R.ensure_prepared(tmp_path / "nodata", 2024, cache_dir=cache, poverty_lines=str(gk))
    options = {"year": 2024, "comparison_year": 2023, "target": "poor", "years": [2023, 2024],
               "poverty_lines": R._table_digest(R._read_poverty_lines(str(gk))),
               "poverty_lines_source": str(gk), "targets": "", "targets_source": ""}
    R._seal(cache, "k", options)
    # same settings: reused (the bogus data root is never read)
    assert R.ensure_prepared(tmp_path / "nodata", 2024, cache_dir=cache, poverty_lines=str(gk)) == cache
    assert R.ensure_prepared(tmp_path / "nodata", 2024, 2023, cache_dir=cache, poverty_lines=str(gk)) == cache
    # other poverty lines or target: refused, never recomputed into the run's entry
    with pytest.raises(ReportError, match="poverty lines: prepared with .*gk.csv, the notebook asks for the ref"):
        R.ensure_prepared(tmp_path / "nodata", 2024, cache_dir=cache)
    with pytest.raises(ReportError, match="target: prepared with 'poor', the notebook asks for 'b40'"):
        R.ensure_prepared(tmp_path / "nodata", 2024, target="b40", cache_dir=cache, poverty_lines=str(gk))


def _per_kab_reference(frame, fn, keep):
    """One ``fn`` call per kabupaten and one for the province, stacked (what ``_per_kab_by`` replaces)."""
    import math

    results = [(str(k), fn(g)) for k, g in frame.groupby(frame["kab_code"].astype(str), sort=True)]
    results.append((R.PROVINCE_CODE, fn(frame)))
    parts = []
    for code, res in results:
        for name in keep:
            t = res.get(name)
            if t is None or t.empty:
                continue
            t = R._plain(t).drop(columns=[c for c in ("kab_code",) if c in t.columns and name != "by_kab"])
            t.insert(0, "table", name)
            t.insert(0, "kab_code", code)
            parts.append(t)
    out = pd.concat(parts, ignore_index=True)
    for c in out.columns:
        if out[c].dtype == object:
            out[c] = out[c].map(lambda v: v if v is None or (isinstance(v, float) and math.isnan(v)) else str(v))
    return out


def test_per_kab_by_equals_one_call_per_kabupaten():
    from test_programmes import _programme_map  # tests/ is on sys.path under pytest

    from tkpk_lib.analysis.programmes import budget_tables, complaints_summary

    pm = _programme_map(seed=11, n_prog=40)
    keep = ("total", "by_strategy", "by_cluster", "by_fund_source", "by_opd", "by_programme")
    pd.testing.assert_frame_equal(R._per_kab_by(pm, budget_tables, keep), _per_kab_reference(pm, budget_tables, keep),
                                  check_exact=False, rtol=1e-14, atol=0)
    c = pd.DataFrame({
        "complaint_id": [str(i) for i in range(8)], "kab_code": ["1701", "1703"] * 4,
        "channel": ["hotline", "surat", "hotline", "WhatsApp"] * 2, "programme": ["pkh", "bpnt"] * 4,
        "date_received": pd.to_datetime(["2024-01-01", "2024-01-03", "2024-01-05", "2024-02-01"] * 2),
        "date_resolved": pd.to_datetime(["2024-01-11", None, "2024-01-06", "2024-02-11", None, "2024-01-30",
                                         "2024-01-07", None]),
        "status": ["selesai", "proses", "selesai", "selesai", "proses", "selesai", "selesai", "belum"],
    })

    def summary(f, by=None):
        return complaints_summary(f, as_of="2024-03-01", by=by)

    keep = ("overall", "by_channel", "by_programme", "by_status")
    pd.testing.assert_frame_equal(R._per_kab_by(c, summary, keep), _per_kab_reference(c, summary, keep))
