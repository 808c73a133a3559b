"""Shared fixtures: one small demo run of the whole product, made once per test session.

Report tests (content, documents, coordination) read the files of this one run instead of each
running the demo again: a small synthetic demo for 2023-2024, reports (HTML and PDF) for one
kabupaten, the kota (kelurahan only, no BLT Dana Desa) and the province.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

#: Units of the shared run: a kabupaten, the kota, the province.
SHARED_UNITS = ("1701", "1771", "17")


@pytest.fixture(scope="session")
def shared_run(tmp_path_factory) -> dict:
    """Run ``tkpk run --year 2024`` (small demo, PDF included) once; return its paths and exit code.

    Keys: ``root`` (demo data root), ``run_dir`` (``reports/<run_id>``), ``code`` (exit code),
    ``folders`` (unit code -> report folder), ``cache`` (the prepared cache entry).
    """
    from tkpk_lib import synthetic
    from tkpk_lib.batch import pipeline
    from tkpk_lib.reporting import report

    root = tmp_path_factory.mktemp("shared_demo")
    synthetic.generate_demo(root, small=True, years=(2023, 2024))
    out = tmp_path_factory.mktemp("shared_reports")
    args = argparse.Namespace(
        year=2024, comparison_year=None, kab=list(SHARED_UNITS), jobs=2, scheduler=None,
        root=str(root), out=str(out), run_id="bersama", target="poor", no_pdf=False, small=True)
    code = pipeline.run_cli(args)
    run_dir = Path(out) / "bersama"
    folders = {}
    for unit in SHARED_UNITS:
        hits = sorted(p for p in run_dir.glob(f"{unit}_*") if p.is_dir())
        if hits:
            folders[unit] = hits[0]
    return {"root": Path(root), "run_dir": run_dir, "code": code, "folders": folders,
            "cache": report.cache_entry(root, 2024)}
