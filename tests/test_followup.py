"""Follow-up lists per desa and office on the demo registry: complete, pseudonymised, no personal data."""

from __future__ import annotations

import pandas as pd
import pytest

from tkpk_lib.canonical import build_canonical
from tkpk_lib.errors import ReportError
from tkpk_lib.followup import write_follow_up_lists
from tkpk_lib.privacy import pseudonymise, scan_artifacts
from tkpk_lib.registry import follow_up_by_desa
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
