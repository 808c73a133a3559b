"""Honest reports (issue 10, sections 3 and 5): read the shared demo run the way the reader does.

Each test fails on one kind of defect in the produced HTML, PDF and Excel files of ``shared_run``
(tests/conftest.py): an English or code label, a summary sentence not backed by the row it cites,
a target status the confidence interval does not support, an unflagged illustrative target, the
desa registry share called a poverty rate, a tautological table, an interval below zero, a
poverty figure resting on a handful of sample cases shown as if reliable. The own-targets input
is checked on small files.
"""

from __future__ import annotations

import html as html_lib
import re
import subprocess
import sys
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from tkpk_lib.reporting import tables
from tkpk_lib.reporting.labels import unit_name

YEAR = 2024
MIN_SAMPLE = 10
#: English words and codes that must never reach a reader (whole words, case as written).
FORBIDDEN = ("not significant", "High-High", "Low-Low", "High-Low", "Low-High", "BLT_DD", "blt_dd", "any",
             "Exclusion error", "Inclusion error", "tidak sesuai jalur", "Persentase penduduk miskin (dugaan)",
             "uji permutasi", "illustrative", "ILLUSTRATIVE", "on_track", "off_track", "inconclusive",
             "not_achieved", "insufficient_data", "Kuintil pengeluaran")


def _html_text(p: Path) -> str:
    t = p.read_text(encoding="utf-8", errors="ignore")
    t = re.sub(r"<script.*?</script>|<style.*?</style>", " ", t, flags=re.S)
    return html_lib.unescape(re.sub(r"<[^>]+>", " ", t))


def _pdf_text(p: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(p), "-"], capture_output=True, text=True,
                          check=True).stdout


def _xlsx_text(p: Path) -> str:
    wb = openpyxl.load_workbook(p, read_only=True)
    return "\n".join(" | ".join(str(v) for v in row if v is not None)
                     for ws in wb for row in ws.iter_rows(values_only=True))


def _outputs(run: dict) -> list[tuple[Path, str]]:
    out = []
    for folder in run["folders"].values():
        for f in sorted(folder.iterdir()):
            if f.suffix == ".html":
                out.append((f, _html_text(f)))
            elif f.suffix == ".pdf":
                out.append((f, _pdf_text(f)))
            elif f.suffix == ".xlsx":
                out.append((f, _xlsx_text(f)))
    return out


def test_no_english_or_code_labels_in_any_output(shared_run):
    outputs = _outputs(shared_run)
    assert {f.suffix for f, _ in outputs} == {".html", ".pdf", ".xlsx"}
    found = []
    for f, text in outputs:
        for tok in FORBIDDEN:
            hits = re.findall(r"(?<![\w-])" + re.escape(tok) + r"(?![\w-])", text)
            if hits:
                found.append(f"{f.parent.name}/{f.name}: {tok!r} x{len(hits)}")
    assert not found, "\n".join(found)
    # the LISA classes in Indonesian where the desa clusters are listed
    annex = _xlsx_text(shared_run["folders"]["17"] / f"lampiran_lp2kd_17_{YEAR}.xlsx")
    assert "Tinggi-Tinggi" in annex and "Tidak signifikan" in annex


# --------------------------------------------------------------------------- the summary
_CAPTION_TABLE = {
    "Indikator utama": ("indicator_sheet", "Indikator"),
    "Persentase penduduk miskin (P0) menurut kabupaten/kota": ("comparison_table", "Wilayah"),
    "Cakupan, kesalahan eksklusi dan kesalahan inklusi": ("targeting_own", "Program"),
    "Kecamatan prioritas": ("pocket_kecamatan", "Nama"),
    "Desa prioritas": ("pocket_desa", "Nama"),
}
_FIXED = ("SK 95%", "uji beda 5%", "taraf 5%", "desil 1-4", "Inpres 4/2022", "RSE 25-50%", "RSE di atas 50%",
          "(0-100)", "toleransi 0,5", "2021-2026 (sintetis)")  # the last: the demo RPJMD period, a target's source
_NUMBER = re.compile(r"(?<![\w/])(\d{1,3}(?:\.\d{3})+|\d+)(?:,(\d+))?( ribu)?")


def _table(cache: Path, unit: str, which: str) -> pd.DataFrame:
    if which == "indicator_sheet":
        return tables.indicator_sheet(cache, unit, YEAR, min_sample=MIN_SAMPLE)
    if which == "comparison_table":
        return tables.comparison_table(cache, YEAR, "p0", min_sample=MIN_SAMPLE)
    if which == "targeting_own":
        from tkpk_lib.reporting.programme_tables import targeting_own_table

        return targeting_own_table(cache, unit, min_sample=MIN_SAMPLE)
    return tables.pocket_table(cache, unit, which.split("_")[1])


def _numbers(text: str) -> list[tuple[float, float]]:
    """Numbers of a text with the tolerance of their printed precision (thousands: x 1000)."""
    out = []
    for m in _NUMBER.finditer(text):
        whole, dec, ribu = m.group(1), m.group(2), m.group(3)
        v = float(whole.replace(".", "") + ("." + dec if dec else ""))
        tol = 0.5 * 10.0 ** -(len(dec) if dec else 0) + 0.006
        if ribu:
            v, tol = v * 1000, tol * 1000
        out.append((v, tol))
    return out


def _summary_items(html_path: Path) -> list[str]:
    """The summary's sentences as the page shows them, each "[Tabel N.k]" read back as its caption.

    The document numbers the tables and turns the summary's "[Tabel: caption]" into the number;
    every citation must resolve to a numbered table of the same page.
    """
    t = html_path.read_text(encoding="utf-8")
    numbers = {m.group(1): " ".join(html_lib.unescape(re.sub(r"<[^>]+>", "", m.group(2))).split())
               for m in re.finditer(r'<span class="tkpk-num" id="[^"]*">(Tabel \d+\.\d+)</span>(.*?)</caption>', t,
                                    flags=re.S)}
    block = t[t.rindex("Ringkasan otomatis"):]
    block = block[:block.index("</ul>")]
    items = [" ".join(html_lib.unescape(re.sub(r"<[^>]+>", "", li)).split())
             for li in re.findall(r"<li>(.*?)</li>", block, flags=re.S)]
    for item in items:
        assert "[Tabel:" not in item and re.search(r"\[Tabel \d+\.\d+\]$", item), item
    return [re.sub(r"\[(Tabel \d+\.\d+)\]", lambda m: f"[Tabel: {numbers[m.group(1)]}]", i) for i in items]


def test_every_summary_sentence_is_backed_by_the_row_it_cites(shared_run):
    from tkpk_lib.reporting.summary import summary_sentences

    cache = shared_run["cache"]
    years = {2023, 2024, 2026}
    texts = {}
    for unit, folder in shared_run["folders"].items():
        shown = _summary_items(folder / "evaluasi_tahunan.html")
        made = summary_sentences(cache, unit, YEAR, min_sample=MIN_SAMPLE, target="poor")
        assert shown == [" ".join(t.split()) for t in made["text"]], unit  # the page shows what was generated
        assert len(made) >= 5
        texts[unit] = " ".join(shown)
        page = html_lib.unescape((folder / "evaluasi_tahunan.html").read_text(encoding="utf-8"))
        for _, s in made.iterrows():
            assert s["table"] in page, (unit, s["table"])  # the cited table is one the report displays
            key = next(k for k in _CAPTION_TABLE if s["table"].startswith(k))
            which, label = _CAPTION_TABLE[key]
            tab = _table(cache, unit, which)
            rows = tab[tab[label].isin(list(s["rows"]))]
            assert len(rows) == len(s["rows"]), (unit, s["text"])  # every cited row is on the page
            cells = " ".join(" ".join(map(str, r)) for r in rows.itertuples(index=False))
            values = [v for v, _ in _numbers(cells)]
            body = s["text"].split(" [Tabel:")[0]
            for fixed in _FIXED:
                body = body.replace(fixed, "")
            body = re.sub(r"\d+ (indikator|kabupaten/kota)", "", body)
            for v, tol in _numbers(body):
                if v in years:
                    continue
                assert any(abs(v - c) <= tol or abs(v - (100 - c)) <= tol for c in values), (unit, v, s["text"])
            # a figure marked * or ** on the page is marked in the sentence too (the estimate columns)
            marked = " ".join(" ".join(rows[c].astype(str)) for c in rows.columns
                              if c in ("Estimasi", "Cakupan") or c.startswith(("%", "P0 model", "Cakupan,")))
            if re.search(r"\d\*", marked):
                assert "hati-hati" in s["text"] or "tidak andal" in s["text"], (unit, s["text"])
    # each unit's summary is its own: its pockets and numbers, not a template with the name swapped
    assert len(set(texts.values())) == len(texts)
    for a in texts:
        for b in texts:
            if a < b:
                assert texts[a].replace(unit_name(a), "X") != texts[b].replace(unit_name(b), "X")


def test_summary_compares_only_programmes_that_apply(shared_run):
    from tkpk_lib.reporting.summary import summary_sentences

    kota = summary_sentences(shared_run["cache"], "1771", YEAR, min_sample=MIN_SAMPLE)
    gap = [t for t in kota["text"] if "kesenjangan cakupan" in t]
    assert gap and gap[0].startswith("Di antara ") and "PKH" in gap[0]
    assert "BLT Dana Desa" not in gap[0]  # no desa in a kota: not compared, not mentioned


# --------------------------------------------------------------------------- targets
def test_target_status_is_what_the_interval_supports(shared_run):
    from tkpk_lib.analysis.trends import ZERO_TARGET_TOLERANCE
    from tkpk_lib.reporting.reading import load_section

    tg = load_section(shared_run["cache"], "targets")
    ind = load_section(shared_run["cache"], "indicators").set_index(["indicator", "kab_code", "year"])
    assert len(tg) >= 12
    for _, r in tg.iterrows():
        rel = ind.loc[(r["indicator"], r["kab_code"], r["year"]), "reliability"]
        line = ZERO_TARGET_TOLERANCE if r["target"] == 0 else r["target"]
        status = r["status_id"]
        if rel == "unreliable":
            assert status == "belum dapat disimpulkan", r.to_dict()
        if status == "tercapai":
            assert r["ci_high"] <= line
        if status in ("tidak tercapai", "belum sesuai target") and r["target_year"] == r["year"]:
            assert r["ci_low"] > line
        if status == "sesuai jalur":
            assert bool(r["change_significant"])
        if r["ci_low"] <= line < r["ci_high"]:
            assert status not in ("tercapai", "tidak tercapai")
    # the report-year target decides, and a 0% target can be met
    assert set(tg["status_id"]) <= {"tercapai", "tidak tercapai", "sesuai jalur", "belum sesuai target",
                                    "belum dapat disimpulkan", "data belum cukup"}


def test_own_targets_say_where_they_come_from_wherever_they_appear(shared_run):
    # the demo ships raw/targets/target_rpjmd.xlsx (synthetic RPJMD); the placeholder path without it is
    # tests/test_owntargets_demo.py::test_placeholder_targets_are_still_called_illustrative
    prov = shared_run["folders"]["17"]
    html = _html_text(prov / "evaluasi_tahunan.html")
    pdf = _pdf_text(prov / "evaluasi_tahunan.pdf")
    sheet = tables.indicator_sheet(shared_run["cache"], "17", YEAR, min_sample=MIN_SAMPLE).set_index("Indikator")
    assert sheet.loc["Persentase penduduk miskin (P0)", "Target"] == "11,74 (2024)"  # own, not illustrative
    assert sheet.loc["Persentase penduduk miskin ekstrem", "Target"] == "0,00 (2024)"  # Inpres: official
    for text in (html, " ".join(pdf.split())):
        assert "Target yang dipakai:" in text and "RPJMD Provinsi Bengkulu 2021-2026 (sintetis)" in text
        assert "tabel referensi: Inpres 4/2022" in text
        assert "target ilustratif" not in text
    notes = _xlsx_text(prov / f"lampiran_lp2kd_17_{YEAR}.xlsx")
    assert "tabel sendiri" in notes and "target ilustratif" not in notes


# --------------------------------------------------------------------------- names, units, tautologies
def test_the_desa_measure_is_named_for_what_it_is(shared_run):
    kab = shared_run["folders"]["1701"]
    wb = openpyxl.load_workbook(kab / f"lampiran_lp2kd_1701_{YEAR}.xlsx", read_only=True)
    heads = [str(v) for row in wb["Kantong kemiskinan"].iter_rows(values_only=True) for v in row if v]
    assert any(h.startswith("% penduduk di rumah tangga desil 1-4 DTKS") for h in heads)
    assert not any("(dugaan)" in h or "Persentase penduduk miskin" in h for h in heads)
    # every count has its unit, and registry counts of 1-4 households are not published
    rows = list(wb["Kantong kemiskinan"].iter_rows(values_only=True))
    head = next(i for i, r in enumerate(rows) if r and "Jumlah rumah tangga desil 1-4 DTKS" in r)
    col = list(rows[head]).index("Jumlah rumah tangga desil 1-4 DTKS")
    assert rows[head + 1][col] == "(rumah tangga)"
    counts = [r[col] for r in rows[head + 2:] if r and isinstance(r[col], int | float)]
    assert counts and not any(1 <= c <= 4 for c in counts)
    desa = tables.pocket_table(shared_run["cache"], "1701", "desa")
    assert "% penduduk di rumah tangga desil 1-4 DTKS" in desa.columns
    assert "Penduduk di rumah tangga desil 1-4 DTKS (jiwa)" in desa.columns
    kec = tables.pocket_table(shared_run["cache"], "1701", "kecamatan")
    assert [c for c in kec.columns if "Jumlah" in c] == ["Jumlah penduduk miskin, model (jiwa)"]
    assert "% penduduk di rumah tangga desil 1-4 DTKS" in _html_text(kab / "evaluasi_tahunan.html")


def test_no_tautology_and_no_interval_below_zero(shared_run):
    for unit, folder in shared_run["folders"].items():
        # P0 by expenditure quintile (0 in quintiles 2-5 by construction) is not shown; coverage by quintile is
        dis = tables.disaggregation_table(shared_run["cache"], unit, min_sample=MIN_SAMPLE)
        assert not dis.empty and not dis.astype(str).apply(lambda c: c.str.contains("uintil")).any().any(), unit
        wb = openpyxl.load_workbook(folder / f"lampiran_lp2kd_{unit}_{YEAR}.xlsx", read_only=True)
        rows = list(wb["Indikator"].iter_rows(values_only=True))
        head = next(i for i, r in enumerate(rows) if r and "SK 95% batas bawah" in [str(v) for v in r])
        col = [str(v) for v in rows[head]].index("SK 95% batas bawah")
        lows = [r[col] for r in rows[head + 1:] if r and isinstance(r[col], int | float)]
        assert lows and min(lows) >= 0, unit
        sheet = tables.indicator_sheet(shared_run["cache"], unit, YEAR, min_sample=MIN_SAMPLE)
        assert not sheet["SK 95%"].str.contains(r"^-|\u2013 -", regex=True).any(), unit
    # the raw estimate of a count or share can reach below zero: the page never shows it
    from tkpk_lib.reporting.formatting import ci_bounds

    assert ci_bounds(-0.01, 0.02) == (0.0, 0.02)


def test_p1_p2_are_indices_and_resolution_time_is_one_statistic(shared_run):
    from tkpk_lib.reporting.reading import load_section

    folder = shared_run["folders"]["1701"]
    wb = openpyxl.load_workbook(folder / f"lampiran_lp2kd_1701_{YEAR}.xlsx", read_only=True)
    rows = {r[2]: r for r in wb["Indikator"].iter_rows(values_only=True) if r and r[0] == "1701"}
    ind = load_section(shared_run["cache"], "indicators").set_index(["indicator", "kab_code", "year"])
    for code, name in (("p1", "Indeks kedalaman kemiskinan (P1)"), ("p2", "Indeks keparahan kemiskinan (P2)")):
        assert rows[name][3] == "indeks"
        assert rows[name][4] == pytest.approx(100 * ind.loc[(code, "1701", YEAR), "estimate"], rel=1e-12)
    # the same figure with the same decimals in the report and the annex (Gini: 3)
    sheet = tables.indicator_sheet(shared_run["cache"], "1701", YEAR, min_sample=MIN_SAMPLE).set_index("Indikator")
    gini = sheet.loc["Rasio Gini", "Estimasi"].rstrip("*")
    assert len(gini.split(",")[1]) == 3
    assert f"Rasio Gini {gini} " in " ".join(_html_text(folder / "lampiran_lp2kd.html").split())
    # the report and the annex give the median resolution time, the same statistic
    report = tables.complaints_table(shared_run["cache"], "1701")
    assert "Median hari penyelesaian" in report.columns and not any("Rata-rata" in c for c in report.columns)
    annex = _xlsx_text(folder / f"lampiran_lp2kd_1701_{YEAR}.xlsx")
    assert "Median waktu penyelesaian" in annex and "Rata-rata waktu penyelesaian" not in annex


def test_poverty_cells_flagged_by_their_sample_cases(shared_run):
    from tkpk_lib.reporting.reading import load_section

    ind = load_section(shared_run["cache"], "indicators")
    cur = ind[ind["year"] == YEAR]
    assert "n_cases" in cur.columns
    pov = cur[cur["indicator"].isin(["p0", "p0_extreme"])]
    assert pov["n_cases"].notna().all() and (pov["n_cases"] <= pov["n"]).all()
    few = cur[(cur["n_cases"] < 20) & cur["kab_code"].isin(shared_run["folders"])]
    assert not few.empty  # the demo has thin extreme-poverty cells (the kota)
    assert (few["reliability"] == "unreliable").all()
    for _, r in few.iterrows():
        sheet = tables.indicator_sheet(shared_run["cache"], r["kab_code"], YEAR, min_sample=MIN_SAMPLE)
        cell = sheet.set_index("Indikator").loc["Persentase penduduk miskin ekstrem", "Estimasi"]
        assert cell == "\u2013" if r["n_cases"] < MIN_SAMPLE else cell.endswith("**"), (r["kab_code"], cell)


# --------------------------------------------------------------------------- own targets
def test_own_targets_file_is_checked_and_read_by_default(tmp_path):
    from tkpk_lib.batch.pipeline import _own_targets
    from tkpk_lib.data.targets_input import read_targets
    from tkpk_lib.errors import SchemaError
    from tkpk_lib.reporting.cache import _read_targets

    folder = tmp_path / "raw" / "Targets"
    folder.mkdir(parents=True)
    assert _own_targets(tmp_path) is None
    (folder / "target_rpjmd.csv").write_text(
        "indikator,kode_wilayah,tahun,nilai,dokumen,sumber,interpolasi\n"
        "p0,1701,2022,0.16,RPJMD,Perda 5/2021,ya\np0,1701,2026,0.12,RPJMD,Perda 5/2021,ya\n", encoding="utf-8")
    found = _own_targets(tmp_path)
    assert found and Path(found).name == "Targets"
    t = _read_targets(found)
    own = t[t["indicator"] == "p0"]
    assert own["kab_code"].tolist() == ["1701", "1701"] and set(own["status"]) == {"own"}
    assert own["source"].iloc[0] == "RPJMD: Perda 5/2021 (target_rpjmd.csv)"
    # official Inpres rows stay; the placeholder (illustrative) P0 paths do not join a user's table
    assert set(t["status"]) == {"own", "official"} and (t["indicator"] == "p0_extreme").sum() == 11
    bad = tmp_path / "target_bad.csv"
    bad.write_text("indicator,kab_code,year,target,document\np0,1701,2026,12.9,RPJMD\np0,9999,2026,0.1,RPJMD\n"
                   "p0,1702,2026,0.1,Bappeda\n", encoding="utf-8")
    with pytest.raises(SchemaError) as e:
        read_targets(bad)
    msg = str(e.value)
    assert "column 'target': share above 1" in msg and "[rows 1;" in msg
    assert "column 'kab_code'" in msg and "[rows 2;" in msg and "column 'document'" in msg
    cli = subprocess.run([sys.executable, "-m", "tkpk_lib.cli", "validate", "--source", "targets", str(bad)],
                         capture_output=True, text=True)
    assert cli.returncode == 1 and "share above 1" in cli.stderr
    ok = subprocess.run([sys.executable, "-m", "tkpk_lib.cli", "validate", "--source", "targets", str(found)],
                        capture_output=True, text=True)
    assert ok.returncode == 0 and "targets 2 rows" in ok.stdout


def test_interpolated_interim_target_from_own_file():
    from tkpk_lib.analysis.trends import compare_targets

    est = pd.DataFrame({"indicator": "p0", "kab_code": "1701", "year": [2024], "estimate": [0.125], "se": [0.003],
                        "ci_low": [0.119], "ci_high": [0.131], "reliability": ["reliable"]})
    tg = pd.DataFrame({"indicator": "p0", "kab_code": "1701", "year": [2022, 2026], "target": [0.16, 0.12],
                       "status": "own", "source": "RPJMD", "interpolate": ["ya", "ya"]})
    r = compare_targets(est, tg).iloc[0]
    assert r["target"] == pytest.approx(0.14) and r["status_id"] == "tercapai" and r["target_basis"] == "interpolasi"
    r = compare_targets(est, tg.assign(interpolate="")).iloc[0]
    assert r["target"] == pytest.approx(0.12) and r["target_year"] == 2026
    assert r["annual_change_needed"] == pytest.approx(-0.0025) and r["status_id"] == "data belum cukup"
