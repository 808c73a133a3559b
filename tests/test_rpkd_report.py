"""The RPKD material in the shared demo run: report section, reading guidance and annex sheet L.8."""

from __future__ import annotations

import re

import openpyxl
import pandas as pd

from tkpk_lib.reporting import rpkd_tables
from tkpk_lib.reporting.formatting import fmt_percent
from tkpk_lib.reporting.labels import PROVINCE_CODE, unit_name
from tkpk_lib.reporting.reading import load_section

UNIT = "1701"


def _html(shared_run, code: str) -> str:
    return (shared_run["folders"][code] / "evaluasi_tahunan.html").read_text(encoding="utf-8")


def test_every_report_has_the_section_in_rpkd_chapter_order(shared_run):
    for code, number in ((UNIT, 9), ("1771", 9), (PROVINCE_CODE, 10)):
        html = _html(shared_run, code)
        note = html.find("bukan rencana yang ditetapkan")  # in the body (the contents list the headings too)
        head = html.rfind(f"{number}. Bahan RPKD dan rencana aksi", 0, note)
        at = [head, note, *(html.find(w, note) for w in (
            "Bab 1. Profil kemiskinan daerah", "Bab 2. Prioritas masalah dan program", "Bab 3. Lokasi prioritas",
            "Grafik dan peta interaktif"))]
        assert -1 not in at and at == sorted(at), (code, at)
        # after the sections before it (the board in the province report)
        before = "Papan harmonisasi kabupaten/kota" if code == PROVINCE_CODE else "8. Mekanisme pelaksanaan"
        assert -1 < html.rfind(before, 0, head)
        assert f"Tabel {number}.1" in html


def test_profile_in_the_report_is_the_cached_estimate_with_its_interval(shared_run):
    cache = shared_run["cache"]
    ind = load_section(cache, "indicators")
    p0 = ind[(ind["year"] == 2024) & (ind["indicator"] == "p0") & (ind["kab_code"] == UNIT)].iloc[0]
    table = rpkd_tables.profile_table(cache, UNIT, 2024, 10)
    row = table[table["Indikator"] == "Persentase penduduk miskin (P0)"].iloc[0]
    assert row["Nilai"].rstrip("*") == fmt_percent(p0["estimate"]) + "%"
    assert row["SK 95%"] == f"{fmt_percent(max(p0['ci_low'], 0))}\u2013{fmt_percent(p0['ci_high'])}"
    assert row["Nilai"] in _html(shared_run, UNIT)


def test_reading_guidance_counts_are_those_of_the_sections(shared_run):
    cache = shared_run["cache"]
    text = rpkd_tables.locations_markdown(cache, UNIT, 2024)
    # reference: kecamatan whose worst possible rank is within the pocket rule's top-k, by brute force
    k = load_section(cache, "pockets_kecamatan")
    k = k[(k["kab_code"].astype(str) == UNIT) & k["estimate"].notna()]
    pk = load_section(cache, "pockets")
    top = int(pk[(pk["level"] == "kecamatan") & (pk["kab_code"].astype(str) == UNIT)]["top_rate"].sum())
    sure = sum(len(k) - int((k["ci_high"] < r.ci_low).sum()) <= top for r in k.itertuples())
    assert f"{sure} dari {len(k)} kecamatan pasti termasuk {top} tertinggi" in text
    # pocket desa of the unit reached by no strategy-3 programme, from the synergy section
    desa = pk[(pk["level"] == "desa") & pk["is_pocket"].astype(bool) & (pk["kab_code"].astype(str) == UNIT)]
    sy = load_section(cache, "synergy")
    sy = sy[sy["table"] == "pockets"].set_index("desa_code")
    has3 = [("3" in str(sy.loc[c, "strategies"]).replace(" ", "").split(",")) if c in sy.index else False
            for c in desa["code"]]
    no3 = len(desa) - sum(has3)
    assert f"Dari {len(desa)} desa kantong, {no3} belum dijangkau program strategi 3" in text
    shown = rpkd_tables.desa_table(cache, UNIT, 2024)
    assert len(shown) == min(len(desa), rpkd_tables.DESA_SHOWN)
    assert shown["Skor deprivasi"].str.replace(",", ".").astype(float).is_monotonic_decreasing


def test_province_material_lists_every_unit_problem_and_pocket_kecamatan(shared_run):
    cache = shared_run["cache"]
    problems = load_section(cache, "problems")
    table = rpkd_tables.problems_table(cache, PROVINCE_CODE, 2024)
    assert len(table) == len(problems)
    kinds = table["Jenis"].tolist()
    assert kinds[: kinds.count("target")] == ["target"] * kinds.count("target")  # missed targets first
    pk = load_section(cache, "pockets")
    pockets = pk[(pk["level"] == "kecamatan") & pk["is_pocket"].astype(bool)]
    kec = rpkd_tables.kecamatan_table(cache, PROVINCE_CODE, 2024, limit=None)
    assert len(pockets) > 0
    assert sorted(zip(kec["Kecamatan"], kec["Kabupaten/kota"], strict=True)) == sorted(
        zip(pockets["name"].astype(str), [unit_name(c) for c in pockets["kab_code"].astype(str)], strict=True))
    assert kec["Peringkat"].is_monotonic_increasing
    assert len(rpkd_tables.kecamatan_table(cache, PROVINCE_CODE, 2024)) == min(len(kec), rpkd_tables.KECAMATAN_SHOWN)


def _sheet(shared_run, code: str):
    xlsx = shared_run["folders"][code] / f"lampiran_lp2kd_{code}_2024.xlsx"
    return openpyxl.load_workbook(xlsx, read_only=True)["Bahan RPKD"]


def test_annex_sheet_l8_holds_every_chapter_and_every_pocket_desa(shared_run):
    cache = shared_run["cache"]
    for code in (UNIT, PROVINCE_CODE):
        rows = list(_sheet(shared_run, code).iter_rows(values_only=True))
        assert re.match(r"Tabel L\.8 Bahan RPKD", str(rows[0][0]))
        head = next(i for i, r in enumerate(rows) if r[0] == "Bab")
        data = pd.DataFrame([r for r in rows[head + 1:] if r[0]], columns=rows[head])
        chapters = list(dict.fromkeys(data["Bab"]))
        assert chapters == sorted(chapters) and chapters[0].startswith("1. Profil")
        pk = load_section(cache, "pockets")
        desa = pk[(pk["level"] == "desa") & pk["is_pocket"].astype(bool)]
        if code != PROVINCE_CODE:
            desa = desa[desa["kab_code"].astype(str) == code]
        assert (data["Bab"].str.startswith("3b.")).sum() == len(desa)
