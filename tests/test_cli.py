"""The tkpk command line: help, validate exit codes and messages."""

from __future__ import annotations

import subprocess
import sys

import pytest
import test_readers as tr

from tkpk_lib.cli import main


def test_help_lists_every_command(capsys):
    with pytest.raises(SystemExit) as e:
        main(["--help"])
    assert e.value.code == 0
    out = capsys.readouterr().out
    for cmd in ("run", "demo-data", "validate", "build", "summary", "dictionary", "lab"):
        assert cmd in out


def test_validate_ok_and_failing_files(tmp_path, capsys):
    good = tr._registry_csv(tmp_path, [tr._reg_row(1), tr._reg_row(2)], name="good.csv")
    assert main(["validate", "--source", "registry", str(good)]) == 0
    assert "OK" in capsys.readouterr().out
    bad = tr._registry_csv(tmp_path, [tr._reg_row(1), tr._reg_row(2, NIK="123")], name="bad.csv")
    assert main(["validate", "--source", "registry", str(good), str(bad)]) == 1
    err = capsys.readouterr().err
    assert "FAILED" in err and "bad.csv, column 'NIK' (nik)" in err and "[rows 2;" in err
    assert "Traceback" not in err


def test_validate_susenas_needs_year(tmp_path, capsys):
    folder = tr._write_susenas(tmp_path / "2024", tr._susenas_raw())
    assert main(["validate", "--source", "susenas", str(folder)]) == 1
    assert "--year is needed" in capsys.readouterr().err
    assert main(["validate", "--source", "susenas", "--year", "2024", str(folder)]) == 0


def test_import_is_light():
    code = (
        "import sys, tkpk_lib, tkpk_lib.cli; "
        "heavy = [m for m in ('papermill', 'nbconvert', 'esda', 'geopandas', 'libpysal', 'dask', 'sklearn') "
        "if m in sys.modules]; print(heavy)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"


def test_canonical_cache_rebuilds_when_a_raw_file_changes(tmp_path):
    from tkpk_lib.data.canonical import build_canonical

    root = tmp_path / "root"
    raw = tr._susenas_raw()
    tr._write_susenas(root / "raw" / "susenas" / "2024", raw)
    paths = build_canonical(root, 2024)
    import pandas as pd

    assert pd.read_parquet(paths["households"])["exp_pc"].iloc[0] == 400000.0
    raw["kp"].loc[0, "KAPITA"] = 123456.0
    import os
    import time

    time.sleep(0.01)
    tr._write_susenas(root / "raw" / "susenas" / "2024", raw)
    f = next((root / "raw" / "susenas" / "2024").glob("*kp*"))
    os.utime(f, ns=(f.stat().st_atime_ns, f.stat().st_mtime_ns + 10**9))
    paths = build_canonical(root, 2024)
    assert pd.read_parquet(paths["households"])["exp_pc"].iloc[0] == 123456.0


def test_every_public_name_resolves():
    import tkpk_lib

    for name in tkpk_lib.__all__:
        assert getattr(tkpk_lib, name) is not None, name
    assert (
        tkpk_lib.__all__.index("read_susenas")
        < tkpk_lib.__all__.index("survey_mean")
        < tkpk_lib.__all__.index("targeting")
        < tkpk_lib.__all__.index("fay_herriot")
        < tkpk_lib.__all__.index("run_reports")
    )
