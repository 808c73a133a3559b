"""Follow-up lists per desa and office on the demo registry: complete, pseudonymised, no personal data."""

from __future__ import annotations

import pandas as pd
import pytest

from tkpk_lib.analysis.followup import write_follow_up_lists
from tkpk_lib.analysis.registry import follow_up_by_desa
from tkpk_lib.data.canonical import build_canonical
from tkpk_lib.errors import ReportError
from tkpk_lib.privacy import pseudonymise, scan_artifacts
from tkpk_lib.synthetic import generate_demo

KEY = b"test-key-" + b"x" * 23


@pytest.fixture(scope="module")
def demo_registry(tmp_path_factory):
    root = tmp_path_factory.mktemp("fu")
    generate_demo(root, years=(2024,), seed=2024, small=True, registry_households=3000)
    reg_path = build_canonical(root, 2024)["registry"]
    return pd.read_parquet(reg_path), reg_path


def test_lists_per_office_add_up_to_the_desa_summary_and_hold_no_personal_data(demo_registry, tmp_path):
    reg, path = demo_registry
    names = reg["name"].drop_duplicates().tolist()
    files = write_follow_up_lists(path, tmp_path, KEY, scan_names=names)
    csvs = [f for f in files if f.suffix == ".csv"]
    assert csvs and all(f.stat().st_size > 0 for f in files)
    lists = pd.concat([pd.read_csv(f, sep=";", dtype=str, encoding="utf-8-sig") for f in csvs], ignore_index=True)
    # every household x programme to follow up is listed once, and the counts per desa agree
    want = follow_up_by_desa(reg)
    got = lists.groupby(["Kode desa", "Program yang belum diterima"]).size()
    want = want.set_index(["desa_code", "programme"])["n_households"]
    assert got.sort_index().tolist() == want.sort_index().tolist()
    assert int(got.sum()) == int(want.sum())
    # the pseudonym is the keyed HMAC of the NIK (dash in the middle), so an office with the key finds the row
    first = lists.iloc[0]
    row = reg[reg["row_no"] == int(first["Baris di file registri"])].iloc[0]
    assert first["Kode tindak lanjut (pseudonim)"].replace("-", "") == pseudonymise([row["nik"]], KEY)[0]
    # no NIK, KK number, name or address in any file
    assert scan_artifacts(files, names=names).empty
    text = "\n".join(f.read_text(encoding="utf-8-sig") for f in csvs)
    for col in ("nik", "kk_no"):
        assert not any(v in text for v in reg[col].head(200))
    assert "Jl. Sintetis" not in text and "[SINTETIS]" not in text


def test_privacy_guard_refuses_to_write_a_name(demo_registry, tmp_path):
    reg, path = demo_registry
    with pytest.raises(ReportError, match="privacy scan found personal data"):
        write_follow_up_lists(path, tmp_path, KEY, scan_names=["Lebong Utara"])  # a kecamatan name in the lists
    assert not any(tmp_path.rglob("*.csv"))


def _reference_follow_up_lists(registry, out_dir, key, scan_names=()):
    """The in-memory implementation the streamed one replaced (whole list in pandas, texts in memory)."""
    from pathlib import Path

    from tkpk_lib.analysis.followup import LIST_HEADERS, SUMMARY_HEADERS, _autosize, _slug
    from tkpk_lib.analysis.registry import follow_up_list
    from tkpk_lib.data.reference_data import kab_slug, region_names

    fl = follow_up_list(registry, None, key)
    by_desa = follow_up_by_desa(registry, None)
    names = region_names()
    written = []
    for kab in sorted(fl["kab_code"].astype(str).unique()):
        lst = fl[fl["kab_code"].astype(str) == kab].copy()
        summ = by_desa[by_desa["kab_code"].astype(str) == kab].copy()
        for t in (lst, summ):
            t["kecamatan"] = t["kec_code"].astype(str).map(names)
            t["desa"] = t["desa_code"].astype(str).map(names)
        lst["kode"] = lst["pseudonym"].str[:8] + "-" + lst["pseudonym"].str[8:]
        folder = Path(out_dir) / f"{kab}_{kab_slug(kab)}"
        folder.mkdir(parents=True)
        for office, g in lst.groupby("office", sort=True):
            g = g.sort_values(["desa_code", "row_no", "programme"])
            p = folder / f"tindak_lanjut_{_slug(str(office))}.csv"
            p.write_text(g[list(LIST_HEADERS)].rename(columns=LIST_HEADERS).to_csv(sep=";", index=False),
                         encoding="utf-8-sig")
            written.append(p)
        p = folder / f"ringkasan_tindak_lanjut_{kab}.xlsx"
        with pd.ExcelWriter(p, engine="openpyxl") as xw:
            summ[list(SUMMARY_HEADERS)].rename(columns=SUMMARY_HEADERS).to_excel(
                xw, sheet_name="Ringkasan per desa", index=False)
            _autosize(xw.sheets["Ringkasan per desa"], [14, 22, 14, 24, 10, 30, 18, 18])
        written.append(p)
    return written


def _sheet_xml(path):
    import zipfile

    with zipfile.ZipFile(path) as z:  # everything but docProps/core.xml (creation time)
        return {n: z.read(n) for n in z.namelist() if n != "docProps/core.xml"}


@pytest.mark.parametrize("chunk", [7, 100_000])
def test_streamed_lists_are_byte_identical_to_the_in_memory_ones(demo_registry, tmp_path, monkeypatch, chunk):
    from tkpk_lib.analysis import followup

    reg, path = demo_registry
    monkeypatch.setattr(followup, "CHUNK_ROWS", chunk)
    new = write_follow_up_lists(path, tmp_path / "new", KEY)
    old = _reference_follow_up_lists(path, tmp_path / "old", KEY)
    assert [p.relative_to(tmp_path / "new") for p in new] == [p.relative_to(tmp_path / "old") for p in old]
    assert sum(p.suffix == ".csv" for p in new) > 10
    for a, b in zip(new, old, strict=True):
        if a.suffix == ".csv":
            assert a.read_bytes() == b.read_bytes(), a.name
        else:
            assert _sheet_xml(a) == _sheet_xml(b), a.name
    # nothing else is left in the folder (the staging folder is gone)
    assert sorted(p for p in (tmp_path / "new").rglob("*") if p.is_file()) == sorted(new)


def test_privacy_guard_finds_a_name_across_chunk_borders_and_writes_nothing(demo_registry, tmp_path, monkeypatch):
    from tkpk_lib.analysis import followup

    reg, path = demo_registry
    monkeypatch.setattr(followup, "CHUNK_ROWS", 1)  # every row its own chunk
    # a name whose words sit on two lines of a list: a desa name at the end of one row and
    # the pseudonym code that starts the next row
    lst = pd.read_csv(write_follow_up_lists(path, tmp_path / "probe", KEY)[0], sep=";", dtype=str,
                      encoding="utf-8-sig")
    name = f"{lst['Desil'].iloc[0]} {lst['Program yang belum diterima'].iloc[0]} {lst['Kode tindak lanjut (pseudonim)'].iloc[1]}"
    with pytest.raises(ReportError, match=r"privacy scan found personal data \(\['name'\]\)"):
        write_follow_up_lists(path, tmp_path / "out", KEY, scan_names=[name])
    assert not any(p.is_file() for p in (tmp_path / "out").rglob("*"))
