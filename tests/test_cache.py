"""Every run option reaches every number, and the cache of prepared tables knows it.

One small synthetic demo (three years, module fixture) feeds every check:

* per content-changing option of ``tkpk run`` (poverty lines, target group, comparison year,
  minimum sample, targets file), a run of one unit whose report or Excel annex changes as it
  must and equals a reference (a hand computation or the library's own prepare with the same
  option);
* the cache: one entry per option set, safe under two concurrent prepares with different
  targets, a truncated or half-written entry rebuilt and never reused, and a notebook that
  never recomputes a run's tables with other options;
* two default run ids taken in the same second differ.
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import datetime as dt
import json
import multiprocessing
import re
import threading
from pathlib import Path

import nbformat
import numpy as np
import openpyxl
import pandas as pd
import pytest

from tkpk_lib.batch import pipeline, run
from tkpk_lib.errors import ReportError
from tkpk_lib.reporting import cache as C
from tkpk_lib.reporting import programme_tables
from tkpk_lib.reporting import report as R

pytestmark = pytest.mark.slow

CODE, FOLDER = "1701", "1701_bengkulu_selatan"


@pytest.fixture(scope="module")
def root(tmp_path_factory):
    from tkpk_lib import synthetic

    r = tmp_path_factory.mktemp("demo")
    synthetic.generate_demo(r, small=True, years=(2022, 2023, 2024))
    return r


def _run(root, out, run_id, **kw):
    a = {"year": 2024, "comparison_year": None, "kab": [CODE], "jobs": 1, "scheduler": None,
         "root": str(root), "out": str(out), "run_id": run_id, "target": "poor", "no_pdf": True,
         "small": True, "poverty_lines": None, "min_sample": None, "targets": None}
    a.update(kw)
    assert pipeline.run_cli(argparse.Namespace(**a)) == 0
    unit = out / run_id / FOLDER
    nb = nbformat.read(unit / "evaluasi_tahunan.ipynb", as_version=4)
    html = [o["data"]["text/html"] for c in nb.cells if c.cell_type == "code"
            for o in c.get("outputs", []) if "text/html" in o.get("data", {})]
    wb = openpyxl.load_workbook(unit / f"lampiran_lp2kd_{CODE}_2024.xlsx")
    rows = list(wb["Indikator"].iter_rows(min_row=6, values_only=True))
    annex = {r[2]: r for r in rows if r[0] == CODE}
    notes = {r[0]: r[1] for r in wb["Catatan"].iter_rows(values_only=True) if r[0]}
    markdown = [o["data"]["text/markdown"] for c in nb.cells if c.cell_type == "code"
                for o in c.get("outputs", []) if "text/markdown" in o.get("data", {})]
    man = json.loads((out / run_id / "manifest.json").read_text(encoding="utf-8"))
    return {"html": html, "annex": annex, "notes": notes, "markdown": markdown, "manifest": man,
            "params": {j["notebook"]: j["parameters"] for j in man["jobs"]}}


@pytest.fixture(scope="module")
def plain(root, tmp_path_factory):
    return _run(root, tmp_path_factory.mktemp("out"), "plain")


P0 = "Persentase penduduk miskin (P0)"


def _styled_html(cache, table, caption):
    return R.styled(table, caption)._repr_html_()


# --------------------------------------------------------------------------- options reach


def test_poverty_lines_reach_the_annex_and_the_report(root, plain, tmp_path):
    hh = pd.read_parquet(root / "canonical" / "households_2024.parquet")
    lines = []
    for y in (2022, 2023, 2024):
        h = pd.read_parquet(root / "canonical" / f"households_{y}.parquet")
        g = h.groupby(["kab_code", "urban"], as_index=False)["poverty_line"].first()
        g["poverty_line"] = 2 * g["poverty_line"]
        lines.append(g.assign(year=y))
    csv = tmp_path / "garis kemiskinan ganda.csv"
    pd.concat(lines)[["kab_code", "year", "urban", "poverty_line"]].to_csv(csv, index=False)
    res = _run(root, tmp_path / "out", "gk", poverty_lines=str(csv))
    # hand computation: share of persons (weight x household size) below twice the line
    k = hh[hh["kab_code"] == CODE]
    w = k["weight"] * k["hh_size"]
    expected = float((w * (k["exp_pc"] < 2 * k["poverty_line"])).sum() / w.sum())
    assert res["annex"][P0][4] == pytest.approx(expected, rel=1e-9)
    assert plain["annex"][P0][4] != pytest.approx(expected, rel=1e-3)
    assert plain["annex"][P0][4] < 0.5 * expected  # doubled lines: far more poor people
    # the evaluation report shows the same P0 (Indonesian format, x 100)
    sheet = [h for h in res["html"] if "Indikator utama" in h and "Perubahan" in h]
    assert sheet and R.fmt_number(100 * expected, 2) in sheet[0]
    for p in res["params"].values():
        assert p["poverty_lines"] == str(csv.resolve())
    # the report says so, and the manifest hashes the file
    assert any("Garis kemiskinan dari tabel sendiri `garis kemiskinan ganda.csv`" in str(m) for m in res["markdown"])
    assert not any("Garis kemiskinan dari tabel sendiri" in str(m) for m in plain["markdown"])
    assert res["notes"]["Garis kemiskinan"] == "tabel sendiri: garis kemiskinan ganda.csv"
    assert plain["notes"]["Garis kemiskinan"] == "tabel referensi tkpk_lib"
    import hashlib

    digest = hashlib.sha256(csv.read_bytes()).hexdigest()
    assert digest in [i["sha256"] for i in res["manifest"]["inputs"]]


def test_target_reaches_the_targeting_table(root, plain, tmp_path):
    res = _run(root, tmp_path / "out", "b40", target="b40")
    assert res["notes"]["Kelompok sasaran cakupan"] == R.TARGET_LABELS["b40"]
    ref = R.prepare_year(root, 2024, target="b40", cache_dir=tmp_path / "ref")
    exp = _styled_html(ref, programme_tables.targeting_view_table(ref, CODE, "b40", min_sample=10),
                       f"Semua program terhadap {R.TARGET_LABELS['b40']} (pembanding)")
    assert exp in res["html"]
    assert exp not in plain["html"]
    assert not any("terhadap penduduk miskin (pembanding)" in h for h in res["html"])


def test_comparison_year_reaches_the_change_column(root, plain, tmp_path):
    res = _run(root, tmp_path / "out", "cy", comparison_year=2022)
    assert res["notes"]["Tahun pembanding"] == "2022" and plain["notes"]["Tahun pembanding"] == "2023"
    ref = R.prepare_year(root, 2024, 2022, cache_dir=tmp_path / "ref")
    assert R.cache_info(ref)["comparison_year"] == 2022
    sheet = R.indicator_sheet(ref, CODE, 2024, min_sample=10)
    exp = _styled_html(ref, sheet, f"Indikator utama, {R.unit_name(CODE)} 2024")
    assert exp in res["html"] and exp not in plain["html"]
    ch = R.load_section(ref, "change", CODE).set_index("indicator")
    ind = R.load_section(ref, "indicators", CODE)
    p0 = ind[ind["indicator"] == "p0"].set_index("year")["estimate"]
    assert ch.loc["p0", "difference"] == pytest.approx(p0[2024] - p0[2022], rel=1e-12)


def test_min_sample_suppresses_cells(root, plain, tmp_path):
    res = _run(root, tmp_path / "out", "ms", min_sample=100_000)
    row, base = res["annex"][P0], plain["annex"][P0]
    assert base[4] is not None and base[9] < 100_000
    assert row[4] is None and row[5] is None  # estimate and SE blanked
    assert row[9] == base[9]  # the sample size stays visible
    assert all(p["min_sample"] == 100_000 for p in res["params"].values())
    # the report: the sheet with its change and target status withheld, no narrative numbers
    entry = R.cache_entry(root, 2024)
    sheet = R.indicator_sheet(entry, CODE, 2024, min_sample=100_000)
    assert set(sheet["Perubahan"]) == {"\u2013"} and "sesuai jalur" not in " ".join(sheet["Status"])
    assert _styled_html(entry, sheet, f"Indikator utama, {R.unit_name(CODE)} 2024") in res["html"]
    md = " ".join(res["markdown"])
    # the summary states no survey figure: only that the figures are withheld, and the model-based pockets
    summary = md.split("Ringkasan otomatis")[1].split("Draf otomatis")[0]
    assert "persen" not in summary
    for line in summary.splitlines():
        if "[Tabel: Indikator utama" in line:
            assert "tidak ditampilkan" in line and not re.search(r"\d,\d", line)


def test_min_sample_reaches_figures_changes_and_the_narrative(root):
    from tkpk_lib.reporting import narrative as N

    entry = R.prepare_year(root, 2024)
    ind = R.load_section(entry, "indicators")
    p0 = ind[(ind["year"] == 2024) & (ind["indicator"] == "p0") & (ind["kab_code"] != "17")]
    # the rule counts the sample households, or the poor sample households behind P0 when fewer
    p0 = p0.assign(n=p0[["n", "n_cases"]].min(axis=1))
    limit = int(p0["n"].median()) + 1
    small = sorted(p0.loc[p0["n"] < limit, "kab_code"])
    big = sorted(set(p0["kab_code"]) - set(small))
    assert small and big
    qt = R.quadrant_table(entry, 2024, min_sample=limit).set_index("kab_code")
    assert qt.loc[small, "p0"].isna().all() and qt.loc[small, "p0_change"].isna().all()
    assert qt.loc[big, "p0"].notna().all()
    fig = R.comparison_figure(entry, 2024, "p0", min_sample=limit)
    widths = np.array([p.get_width() for p in fig.axes[0].patches], dtype=float)
    assert np.isfinite(widths).sum() == len(big)
    fig = R.trend_figure(entry, small[0], "p0", min_sample=limit)
    line = fig.axes[0].lines[0]
    y = dict(zip(np.asarray(line.get_xdata()).tolist(), np.asarray(line.get_ydata(), dtype=float), strict=True))
    assert np.isnan(y[2024])
    tp = R.trend_plotly(entry, small[0], "p0", min_sample=limit)
    assert tp.data[0].y[list(tp.data[0].x).index(2024)] is None or np.isnan(tp.data[0].y[list(tp.data[0].x).index(2024)])
    sheet = R.indicator_sheet(entry, small[0], 2024, min_sample=limit).set_index("Indikator")
    assert sheet.iloc[0]["Perubahan"] == "\u2013" and sheet.iloc[0]["Status"] in ("", "\u2013")
    cmp = R.comparison_table(entry, 2024, "p0", min_sample=limit).set_index("Wilayah")
    assert cmp.loc[R.unit_name(small[0]), "Perubahan"] == "\u2013"
    assert cmp.loc[R.unit_name(big[0]), "Perubahan"] != "\u2013"
    text = " ".join(N.draft_narrative(
        R.load_section(entry, "indicators", min_sample=limit), small[0], 2024,
        change=R.load_section(entry, "change", min_sample=limit),
        targets=R.load_section(entry, "targets", min_sample=limit), min_sample=limit))
    p0_small = float(p0.set_index("kab_code").loc[small[0], "estimate"])
    assert R.fmt_percent(p0_small) not in text
    combos = R.load_section(entry, "combinations")
    kept = R.combinations_for(entry, big[0], min_sample=limit)
    assert (kept["n"] >= limit).all() and len(kept) < (combos["kab_code"] == big[0]).sum()


def test_targets_file_reaches_the_target_column(root, plain, tmp_path):
    from tkpk_lib.analysis import trends

    tg = trends.target_table()
    tg = tg[~((tg["indicator"] == "p0") & (tg["kab_code"] == CODE))]
    own = pd.DataFrame({"indicator": ["p0"], "kab_code": [CODE], "year": [2026], "target": [0.0123],
                        "status": ["official"], "source": ["RPJMD uji"], "note": [""]})
    f = tmp_path / "target.csv"
    pd.concat([tg, own]).to_csv(f, index=False)
    res = _run(root, tmp_path / "out", "tg", targets=str(f))
    sheet = [h for h in res["html"] if "Indikator utama" in h and "Perubahan" in h]
    assert sheet and "1,23 (2026)" in sheet[0]
    assert not any("1,23 (2026)" in h for h in plain["html"])
    assert any("Target dari tabel sendiri `target.csv`" in str(m) for m in res["markdown"])
    assert res["notes"]["Target indikator"] == "tabel sendiri: target.csv"


# --------------------------------------------------------------------------- the cache


@pytest.fixture(scope="module")
def pristine(root, tmp_path_factory):
    """One prepared entry; tests damage copies of it (the key does not depend on the folder)."""
    return R.prepare_year(root, 2024, cache_dir=tmp_path_factory.mktemp("pristine"))


def _copy(entry, year_dir):
    import shutil

    return Path(shutil.copytree(entry, year_dir / entry.name))


def _prepare(args):
    root, target, ydir = args
    return str(R.prepare_year(root, 2024, target=target, cache_dir=ydir))


def test_concurrent_prepares_with_different_targets_do_not_share(root, tmp_path):
    ydir = tmp_path / "derived" / "2024"
    ctx = multiprocessing.get_context("fork")
    with cf.ProcessPoolExecutor(2, mp_context=ctx) as ex:
        paths = list(ex.map(_prepare, [(root, "poor", ydir), (root, "b40", ydir)]))
    assert paths[0] != paths[1]
    for path, target in zip(paths, ("poor", "b40"), strict=True):
        assert R.cache_info(path)["target"] == target
        ref = R.prepare_year(root, 2024, target=target, cache_dir=tmp_path / f"ref_{target}")
        pd.testing.assert_frame_equal(R.load_section(path, "targeting"), R.load_section(ref, "targeting"))
    a, b = (R.load_section(p, "targeting") for p in paths)
    assert not a["estimate"].equals(b["estimate"])


def test_identical_concurrent_prepares_share_one_complete_entry(root, tmp_path, monkeypatch):
    ydir = tmp_path / "derived" / "2024"
    key = R.cache_entry(root, 2024, cache_dir=ydir).name
    # leftovers of a run killed while writing this key: removed, never used
    (ydir / f".{key}.tmp-999999-deadbeef").mkdir(parents=True)
    (ydir / f"..{key}.tmp-999999-deadbeef.abc").mkdir()
    calls = []
    real = C.prepare_tables
    monkeypatch.setattr(C, "prepare_tables", lambda *a, **k: calls.append(1) or real(*a, **k))
    out: list[str] = []
    ts = [threading.Thread(target=lambda: out.append(_prepare((root, "poor", ydir)))) for _ in range(2)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    assert len(out) == 2 and out[0] == out[1]
    assert len(calls) == 1  # the second waited for the lock and reused the first one's entry
    assert [p.name for p in ydir.iterdir() if p.is_dir()] == [Path(out[0]).name]  # no leftovers
    assert R._entry_problem(Path(out[0])) == ""


def test_truncated_parquet_is_rebuilt(root, pristine, tmp_path):
    entry = _copy(pristine, tmp_path / "y")
    before = R.load_section(entry, "targeting")
    f = entry / "targeting.parquet"
    data = f.read_bytes()
    f.write_bytes(data[: len(data) // 2])
    again = R.prepare_year(root, 2024, cache_dir=tmp_path / "y")
    assert again == entry
    pd.testing.assert_frame_equal(R.load_section(again, "targeting"), before)


@pytest.mark.parametrize("damage", ["no_marker", "missing_parquet", "corrupt_index"])
def test_half_written_entry_is_not_used(root, pristine, tmp_path, damage):
    entry = _copy(pristine, tmp_path / "y")
    before = R.load_section(entry, "indicators")
    if damage == "no_marker":
        (entry / R.COMPLETE_MARKER).unlink()
        # and a wrong table that a reuse would return
        (before.assign(estimate=-1.0)).to_parquet(entry / "indicators.parquet")
    elif damage == "missing_parquet":
        (entry / "indicators.parquet").unlink()
    else:
        (entry / "sections.json").write_text("{", encoding="utf-8")
    again = R.prepare_year(root, 2024, cache_dir=tmp_path / "y")
    assert R._entry_problem(again) == ""
    pd.testing.assert_frame_equal(R.load_section(again, "indicators"), before)
    assert (R.load_section(again, "indicators")["estimate"] != -1.0).all()


def test_load_section_names_a_corrupt_file(root, pristine, tmp_path):
    entry = _copy(pristine, tmp_path / "y")
    (entry / "change.parquet").write_bytes(b"PAR1 not a parquet")
    with pytest.raises(ReportError, match=r"change\.parquet"):
        R.load_section(entry, "change")


def test_cache_key_follows_options_and_inputs(root, tmp_path):
    import os
    import shutil

    own = tmp_path / "root"
    shutil.copytree(root / "raw", own / "raw")  # its own copy: the file times are changed below
    ydir = tmp_path / "y"
    base = R.cache_entry(own, 2024, cache_dir=ydir)
    assert base.parent == ydir
    assert R.cache_entry(own, 2024, 2023, cache_dir=ydir) == base  # 2023 is the default comparison
    others = {R.cache_entry(own, 2024, 2022, cache_dir=ydir), R.cache_entry(own, 2024, target="b40", cache_dir=ydir)}
    assert base not in others and len(others) == 2
    gk = tmp_path / "gk.csv"
    pd.DataFrame({"kab_code": ["1701"], "year": [2024], "poverty_line": [1.0]}).to_csv(gk, index=False)
    with_lines = R.cache_entry(own, 2024, cache_dir=ydir, poverty_lines=gk)
    pd.DataFrame({"kab_code": ["1701"], "year": [2024], "poverty_line": [2.0]}).to_csv(gk, index=False)
    assert len({base, with_lines, R.cache_entry(own, 2024, cache_dir=ydir, poverty_lines=gk)}) == 3
    # an input file changed in place (same size, 1 ns later): another key
    raw = sorted(p for p in (own / "raw" / "complaints").iterdir() if "2024" in p.name)[0]
    st = raw.stat()
    os.utime(raw, ns=(st.st_atime_ns, st.st_mtime_ns + 1))
    assert R.cache_entry(own, 2024, cache_dir=ydir) != base
    # the library's code is part of the key
    real = C._fingerprint
    seen = []
    C._fingerprint = lambda files, extra, contents=None: seen.append(sorted(contents)) or real(files, extra, contents)
    try:
        R.cache_entry(own, 2024, cache_dir=ydir)
    finally:
        C._fingerprint = real
    assert "lib/estimation/estimators.py" in seen[0] and "lib/reference/targets.csv" in seen[0]
    # every module of every subpackage too: a changed report section or generator is another key
    assert {"lib/reporting/sections.py", "lib/reporting/cache.py", "lib/synthetic/__init__.py"} <= set(seen[0])
    assert not [k for k in seen[0] if "__pycache__" in k]


def test_own_poverty_lines_errors_name_the_file(root, tmp_path):
    gk = tmp_path / "gk.csv"
    pd.DataFrame({"kab_code": ["1701"], "year": [2024], "poverty_line": [1.0]}).to_csv(gk, index=False)
    with pytest.raises(ReportError, match=r"gk\.csv: poverty-line table has no line for year 2022"):
        R.prepare_year(root, 2024, cache_dir=tmp_path / "y", poverty_lines=gk)
    pd.DataFrame({"kab_code": ["1701", "1702"], "year": [2024, 2024], "poverty_line": [1.0, "1.234.567"]}).to_csv(
        gk, index=False)
    with pytest.raises(ReportError, match=r"gk\.csv: column 'poverty_line' is not a positive number in row\(s\) 3"):
        R.cache_entry(root, 2024, poverty_lines=gk)
    pd.DataFrame({"kab_code": ["1701"], "tahun": [2024], "poverty_line": [1.0]}).to_csv(gk, index=False)
    with pytest.raises(ReportError, match=r"gk\.csv: column\(s\) \['year'\] missing"):
        R.cache_entry(root, 2024, poverty_lines=gk)
    tg = tmp_path / "tg.csv"
    pd.DataFrame({"indicator": ["p0"], "kab_code": ["1701"], "year": [2026], "target": ["sepuluh"]}).to_csv(
        tg, index=False)
    # the checked reader of own targets (tkpk_lib.data.targets_input): data rows, every problem at once
    with pytest.raises(ReportError, match=r"tg\.csv, column 'target': not a number \[rows 1;") as e:
        R.cache_entry(root, 2024, targets=tg)
    assert "column 'document': column missing" in str(e.value)


def test_notebook_never_recomputes_a_run_cache_with_other_options(root, pristine, tmp_path):
    entry = _copy(pristine, tmp_path / "y")
    stamp = (entry / "targeting.parquet").stat().st_mtime_ns
    assert R.ensure_prepared(root, 2024, 0, "poor", entry, "") == entry
    assert R.ensure_prepared(root, 2024, 2023, "poor", entry, "") == entry
    with pytest.raises(ReportError, match="target"):
        R.ensure_prepared(root, 2024, 0, "b40", entry, "")
    with pytest.raises(ReportError, match="comparison"):
        R.ensure_prepared(root, 2024, 2022, "poor", entry, "")
    gk = tmp_path / "gk.csv"
    pd.DataFrame({"kab_code": ["1701"], "year": [2024], "poverty_line": [1.0]}).to_csv(gk, index=False)
    with pytest.raises(ReportError, match="poverty"):
        R.ensure_prepared(root, 2024, 0, "poor", entry, str(gk))
    assert (entry / "targeting.parquet").stat().st_mtime_ns == stamp
    assert R.cache_info(entry)["target"] == "poor"


def test_notebook_alone_prepares_with_its_own_options(root, tmp_path):
    a = R.ensure_prepared(root, 2024, 0, "b40", str(tmp_path / "y"), "")
    assert a == R.cache_entry(root, 2024, target="b40", cache_dir=tmp_path / "y")
    assert R.cache_info(a)["target"] == "b40"


# --------------------------------------------------------------------------- run ids


def test_default_run_ids_in_the_same_second_differ(tmp_path, monkeypatch):
    now = dt.datetime(2026, 12, 6, 15, 0, 0, tzinfo=dt.UTC)
    ids: list[str] = []
    lock = threading.Lock()

    def take():
        rid = run.new_run_id(2024, tmp_path, now=now)
        with lock:
            ids.append(rid)

    ts = [threading.Thread(target=take) for _ in range(8)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    assert len(set(ids)) == 8
    assert all(i.startswith("2024-20261206T150000Z") and run._RUN_ID.match(i) for i in ids)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(ids)  # each folder claimed
    # the runner uses it when no run id is given
    seen = []
    monkeypatch.setattr(pipeline, "run_province", lambda *a, **k: seen.append(k["config"].run_id) or (_ for _ in ()).throw(
        ReportError("stop")))
    ns = argparse.Namespace(year=2024, root=str(tmp_path), run_id=None)
    assert pipeline.run_cli(ns) == 2
    assert seen == [None]  # run_reports then takes new_run_id(...)


def test_min_sample_zero_reaches_the_notebooks(monkeypatch):
    seen = []
    monkeypatch.setattr(pipeline, "run_province", lambda *a, **k: seen.append(k["config"].notebook_params()) or (_ for _ in ()).throw(
        ReportError("stop")))
    pipeline.run_cli(argparse.Namespace(year=2024, root=".", run_id="x", min_sample=0))
    pipeline.run_cli(argparse.Namespace(year=2024, root=".", run_id="x", min_sample=None))
    assert seen == [{"min_sample": 0}, None]  # 0 = no suppression, not the notebook's default 10



def test_concurrent_canonical_builds_reuse_and_never_rewrite(root):
    from tkpk_lib.data import canonical

    paths = canonical.build_canonical(root, 2024)
    stamps = {k: p.stat().st_mtime_ns for k, p in paths.items()}
    errors: list[BaseException] = []

    def build():
        try:
            assert canonical.build_canonical(root, 2024) == paths
        except BaseException as exc:  # noqa: BLE001 - re-raised in the test thread
            errors.append(exc)

    for _ in range(10):
        ts = [threading.Thread(target=build) for _ in range(3)]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
    assert not errors
    # up-to-date tables are reused by every caller: none saw a half-written stamp and rebuilt
    assert {k: p.stat().st_mtime_ns for k, p in paths.items()} == stamps


def test_two_runs_side_by_side_with_different_targets(root, tmp_path):
    """The issue's case: two people start `tkpk run` at once with --target poor and b40."""
    import os
    import subprocess
    import sys

    env = {**os.environ, "PYTHONPATH": str(Path(R.__file__).resolve().parents[2])}
    procs = {
        t: subprocess.Popen([sys.executable, "-m", "tkpk_lib.cli", "run", "--year", "2024", "--kab", CODE,
                             "--jobs", "1", "--no-pdf", "--root", str(root), "--out", str(tmp_path / "out"),
                             "--run-id", t, "--target", t], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
        for t in ("poor", "b40")
    }
    for p in procs.values():
        out, _ = p.communicate(timeout=600)
        assert p.returncode == 0, out
    for t in ("poor", "b40"):
        nb = nbformat.read(tmp_path / "out" / t / FOLDER / "evaluasi_tahunan.ipynb", as_version=4)
        html = [o["data"]["text/html"] for c in nb.cells if c.cell_type == "code"
                for o in c.get("outputs", []) if "text/html" in o.get("data", {})]
        ref = R.prepare_year(root, 2024, target=t, cache_dir=tmp_path / f"ref_{t}")
        exp = _styled_html(ref, programme_tables.targeting_view_table(ref, CODE, t, min_sample=10),
                           f"Semua program terhadap {R.TARGET_LABELS[t]} (pembanding)")
        assert exp in html, t
