"""The run configuration (tkpk_lib.batch.config): built once by ``tkpk run``, frozen, passed down."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from tkpk_lib import cli
from tkpk_lib.batch import pipeline
from tkpk_lib.batch.config import RunConfig, run_config_from_args
from tkpk_lib.errors import ReportError


def test_cli_builds_one_frozen_config_with_every_option(monkeypatch, tmp_path):
    seen = []

    def fake_run_province(*args, **kw):
        seen.append((args, kw))
        raise ReportError("stop")

    monkeypatch.setattr(pipeline, "run_province", fake_run_province)
    rc = cli.main([
        "run", "--root", str(tmp_path), "--year", "2023", "--comparison-year", "2021",
        "--kab", "1701", "1771", "--jobs", "3", "--out", str(tmp_path / "out"), "--run-id", "r9",
        "--target", "b40", "--no-pdf", "--annex-pdf", "--partial", "--fresh-kernels",
        "--min-sample", "0", "--poverty-lines", "gk.csv", "--targets", "t.csv", "--small",
        "--cache-dir", str(tmp_path / "cache"),
    ])
    assert rc == 2  # the fake stops the run as a run that could not start
    assert len(seen) == 1
    args, kw = seen[0]
    assert args == () and list(kw) == ["config"]  # one object, nothing else passed beside it
    cfg = kw["config"]
    assert isinstance(cfg, RunConfig)
    assert (cfg.root, cfg.year, cfg.comparison_year, cfg.units, cfg.jobs) == (
        tmp_path, 2023, 2021, ("1701", "1771"), 3)
    assert (cfg.out_root, cfg.run_id, cfg.target, cfg.formats) == (
        tmp_path / "out", "r9", "b40", ("html",))
    assert (cfg.annex_pdf, cfg.partial, cfg.fresh_kernels, cfg.small) == (True, True, True, True)
    assert (cfg.poverty_lines, cfg.targets, cfg.cache_dir) == (
        Path("gk.csv"), Path("t.csv"), tmp_path / "cache")
    assert cfg.notebook_params() == {"min_sample": 0}  # 0 = no suppression, kept
    with pytest.raises(dataclasses.FrozenInstanceError):
        cfg.year = 2024


def test_defaults_from_a_bare_namespace():
    import argparse

    cfg = run_config_from_args(argparse.Namespace(year=2024, root="."))
    assert (cfg.units, cfg.jobs, cfg.run_id, cfg.formats, cfg.target) == (
        None, 2, None, ("html", "pdf"), "poor")
    assert cfg.notebook_params() is None


def test_keyword_call_builds_the_same_config():
    old = RunConfig.from_keywords("data", 2024, kab_codes=["1701"], jobs=1, params={"x": 1},
                                  formats=["html"], out_root="o")
    assert old == RunConfig(root=Path("data"), year=2024, units=("1701",), jobs=1,
                            formats=("html",), out_root=Path("o"))
    assert old.notebook_params() == {"x": 1}
    with pytest.raises(TypeError, match="kab_code"):
        RunConfig.from_keywords("data", 2024, kab_code=["1701"])  # a typo is not ignored


def test_run_province_takes_config_or_keywords_not_both():
    cfg = RunConfig(root="data", year=2024)
    with pytest.raises(TypeError, match="not both"):
        pipeline.run_province(config=cfg, jobs=1)
    with pytest.raises(TypeError, match="not both"):
        pipeline.run_province("data", 2024, config=cfg)
    with pytest.raises(TypeError, match="needs config"):
        pipeline.run_province()
    with pytest.raises(TypeError, match="unexpected keyword arguments: kab"):
        pipeline.run_province("data", 2024, kab=["1701"])
