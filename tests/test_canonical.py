"""Canonical tables: the registry (one file for all years) is read once and rebuilt only when needed."""

from __future__ import annotations

import os

import pandas as pd
import test_readers as tr

from tkpk_lib.data import canonical, readers


def _root(tmp_path):
    root = tmp_path / "root"
    for year in (2023, 2024):
        tr._write_susenas(root / "raw" / "susenas" / str(year), tr._susenas_raw(year), year)
    (root / "raw" / "registry").mkdir(parents=True)
    reg = tr._registry_csv(root / "raw" / "registry", [tr._reg_row(1), tr._reg_row(2)], name="dtks_17_2024.csv")
    return root, reg


def test_registry_is_read_once_for_all_years_and_rebuilt_when_it_changes(tmp_path, monkeypatch):
    root, reg = _root(tmp_path)
    calls = []
    real = canonical.write_registry_parquet  # the registry is read (streamed) by this call
    monkeypatch.setattr(canonical, "write_registry_parquet", lambda p, out, **kw: calls.append(p) or real(p, out, **kw))

    p23 = canonical.build_canonical(root, 2023)
    p24 = canonical.build_canonical(root, 2024)
    assert len(calls) == 1 and p23["registry"] == p24["registry"]
    assert pd.read_parquet(p24["registry"])["nik"].tolist() == ["1701012001000001", "1701012001000002"]
    assert (root / "canonical" / "_stamp_registry.json").exists()

    # a custom poverty-line table rebuilds the survey tables, not the registry
    pl = readers.default_poverty_lines()
    canonical.build_canonical(root, 2024, poverty_lines=pl)
    assert len(calls) == 1

    # a replaced registry file is read again (once), whichever year is built next
    tr._registry_csv(root / "raw" / "registry", [tr._reg_row(1), tr._reg_row(3)], name="dtks_17_2024.csv")
    st = reg.stat()
    os.utime(reg, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))
    p23 = canonical.build_canonical(root, 2023)
    canonical.build_canonical(root, 2024)
    assert len(calls) == 2
    assert pd.read_parquet(p23["registry"])["nik"].tolist() == ["1701012001000001", "1701012001000003"]

    # force rebuilds it; a deleted table is rebuilt
    canonical.build_canonical(root, 2024, force=True)
    assert len(calls) == 3
    p23["registry"].unlink()
    canonical.build_canonical(root, 2023)
    assert len(calls) == 4 and p23["registry"].exists()


def test_stamp_hashes_every_module_of_the_data_package():
    """A change in any module of tkpk_lib/data (a reader, the recodes, validation) is in the stamp."""
    import hashlib
    from pathlib import Path

    data = Path(canonical.__file__).parent
    refs = canonical._stamp({})["reference"]
    modules = sorted(data.rglob("*.py"))
    assert len(modules) >= 15 and (data / "readers" / "susenas.py") in modules
    for p in modules:
        assert refs[p.relative_to(data).as_posix()] == hashlib.sha256(p.read_bytes()).hexdigest()[:16]


def test_a_changed_reader_module_rebuilds_the_tables(tmp_path, monkeypatch):
    import shutil
    from pathlib import Path

    root, _ = _root(tmp_path)
    code = tmp_path / "code" / "data"
    shutil.copytree(Path(canonical.__file__).parent, code)
    monkeypatch.setattr(canonical, "__file__", str(code / "canonical.py"))
    calls = []
    real = readers.read_susenas
    monkeypatch.setattr(readers, "read_susenas", lambda *a, **k: calls.append(a) or real(*a, **k))
    canonical.build_canonical(root, 2024)
    canonical.build_canonical(root, 2024)
    assert len(calls) == 1
    f = code / "readers" / "susenas.py"
    f.write_text(f.read_text(encoding="utf-8") + "\n# changed\n", encoding="utf-8")
    canonical.build_canonical(root, 2024)
    assert len(calls) == 2
