"""The user's data root is never written, a read-only root works with a cache folder, missing inputs are named.

Fault injection: a user root whose Susenas folder is named ``raw/Susenas`` or is missing, a
read-only data root, a read-only output folder. The whole tree of the data root is hashed
before and after each command.

Read-only folders: the tests run as root in CI, where ``chmod a-w`` does not stop a write, so
the data root is made read-only with ``chmod -R a-w`` (real for ordinary users) *and* the
writability probe :func:`tkpk_lib.paths._can_create` is replaced by one that refuses every
folder under it (the same answer a read-only share gives). The probe itself is tested on a
folder that nobody can write into, not even root: a path below a regular file.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import stat
from pathlib import Path

import pandas as pd
import pytest

from tkpk_lib import cli, paths
from tkpk_lib.batch import pipeline
from tkpk_lib.data import canonical, readers
from tkpk_lib.data.summary import weighted_p0_by_kab
from tkpk_lib.errors import TkpkError
from tkpk_lib.synthetic import generate_demo


def tree(root: Path) -> dict[str, str]:
    """Every file and folder under ``root`` with the hash of its content."""
    out = {}
    for p in sorted(root.rglob("*")):
        rel = p.relative_to(root).as_posix()
        out[rel] = hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else "dir"
    return out


@pytest.fixture(scope="module")
def user_template(tmp_path_factory) -> Path:
    """A user's data root (real raw formats, no demo marker or README), ``raw/Susenas/2024/SSN2403_KOR_RT.DTA``..."""
    root = tmp_path_factory.mktemp("template") / "data_kantor"
    generate_demo(root, years=(2024,), seed=2024, small=True, registry_households=500)
    for extra in ("README.md", "tkpk_demo.json", "tkpk.toml", "truth"):
        p = root / extra
        if p.is_dir():
            shutil.rmtree(p)
        elif p.exists():
            p.unlink()
    (root / "raw" / "susenas").rename(root / "raw" / "Susenas")
    for f in (root / "raw" / "Susenas" / "2024").iterdir():  # file names in capitals too
        f.rename(f.with_name(f.name.upper()))
    (root / "raw" / "sakernas").rename(root / "raw" / "SAKERNAS")
    return root


@pytest.fixture
def capitalised(user_template, tmp_path) -> Path:
    root = tmp_path / "data_kantor"
    shutil.copytree(user_template, root)
    return root


@pytest.fixture
def no_susenas(user_template, tmp_path) -> Path:
    root = tmp_path / "data_kantor"
    shutil.copytree(user_template, root)
    shutil.rmtree(root / "raw" / "Susenas")
    return root


@pytest.fixture
def key_file(tmp_path) -> Path:
    k = tmp_path / "kunci.key"
    k.write_text("ab" * 32, encoding="utf-8")
    return k


def _expected_p0(root: Path) -> dict[str, float]:
    hh = readers.read_susenas(canonical.raw_dir(root, "susenas") / "2024", 2024)["households"]
    p0 = weighted_p0_by_kab(hh)
    return {r.kab_code: round(100 * r.p0, 2) for r in p0.itertuples()}


def _printed_p0(text: str) -> dict[str, float]:
    out = {}
    for line in text.splitlines():
        parts = line.split()
        if parts and parts[0].isdigit() and len(parts[0]) == 4 and parts[0].startswith("17"):
            # code, name words..., P0, SE, target, note
            out[parts[0]] = float(parts[-4])
    return out


# ---------------------------------------------------------------- folder names in any case


def test_raw_folders_are_matched_in_any_case(tmp_path):
    root = tmp_path / "r"
    (root / "RAW" / "SUSENAS" / "2024").mkdir(parents=True)
    (root / "RAW" / "SUSENAS" / "2024" / "kor_rt.dta").write_bytes(b"x")
    (root / "RAW" / "SUSENAS" / "2023").mkdir()  # empty year folder: not a year with data
    (root / "RAW" / "Podes" / "2021").mkdir(parents=True)
    (root / "RAW" / "Podes" / "2021" / "PODES2021.DTA").write_bytes(b"x")
    (root / "RAW" / "Podes" / "2024").mkdir()  # empty round: the 2021 round stands in
    assert canonical.raw_dir(root, "susenas") == root / "RAW" / "SUSENAS"
    assert canonical.available_years(root) == [2024]
    assert canonical.podes_year_for(root, 2024) == 2021
    assert canonical.raw_files(root, 2024)["podes"] == root / "RAW" / "Podes" / "2021" / "PODES2021.DTA"


def test_folders_differing_only_by_case_are_named(tmp_path):
    root = tmp_path / "r"
    (root / "raw" / "Susenas" / "2024").mkdir(parents=True)
    (root / "raw" / "susenas" / "2024").mkdir(parents=True)
    with pytest.raises(TkpkError, match=r"several folders named 'susenas' \(Susenas, susenas\)"):
        canonical.available_years(root)


# ---------------------------------------------------------------- never touch the user's data


def test_summary_reads_capitalised_susenas_and_writes_nothing_under_the_root(capitalised, tmp_path, capsys):
    before = tree(capitalised)
    cache = tmp_path / "cache"
    rc = cli.main(["summary", "--root", str(capitalised), "--year", "2024", "--cache-dir", str(cache)])
    out = capsys.readouterr().out
    assert rc == 0
    assert tree(capitalised) == before
    # the user's own numbers, not a synthetic demo written over them
    assert _printed_p0(out) == _expected_p0(capitalised)
    assert "P0 data" in out and "P0 demo" not in out
    assert (paths.canonical_dir(capitalised, cache) / "households_2024.parquet").is_file()


def test_build_and_follow_up_on_capitalised_root_write_only_to_the_cache(capitalised, tmp_path, key_file, capsys):
    before = tree(capitalised)
    cache = tmp_path / "cache"
    assert cli.main(["build", "--root", str(capitalised), "--cache-dir", str(cache)]) == 0
    assert ("2024: activities, complaints, households, labour, persons, programmes, registry, villages"
            in capsys.readouterr().out)
    assert cli.main(["follow-up", "--root", str(capitalised), "--cache-dir", str(cache), "--kab", "1701",
                     "--key", str(key_file)]) == 0
    assert tree(capitalised) == before
    lists = sorted(p.name for p in (paths.followup_dir(capitalised, 2024, cache) / "1701_bengkulu_selatan").iterdir())
    assert "ringkasan_tindak_lanjut_1701.xlsx" in lists
    # the registry table is the user's: 500 households
    reg = pd.read_parquet(paths.canonical_dir(capitalised, cache) / "registry.parquet")
    assert len(reg) == 500  # a demo written over it would hold 6,000 or ~600,000


def test_run_on_capitalised_root_prepares_from_the_users_files(capitalised, tmp_path, monkeypatch, capsys):
    """``tkpk run`` gets past the data step (canonical tables + prepared tables) on ``raw/Susenas``."""
    from types import SimpleNamespace

    from tkpk_lib.batch import run

    seen = {}

    def fake_run_reports(nbs, units, year, **kw):
        kw["before_run"]()
        seen.update(kw)
        seen["env"] = os.environ.get(paths.CACHE_ENV)
        return SimpleNamespace(run_dir=tmp_path / "out" / "x", summary=pd.DataFrame({"kab_code": []}), ok=True)

    monkeypatch.setattr(run, "run_reports", fake_run_reports)
    before = tree(capitalised)
    cache = tmp_path / "cache"
    rc = cli.main(["run", "--root", str(capitalised), "--kab", "1701", "--no-pdf", "--out", str(tmp_path / "out"),
                   "--cache-dir", str(cache)])
    assert rc == 0, capsys.readouterr().err
    assert tree(capitalised) == before
    derived = paths.derived_dir(capitalised, 2024, cache)
    # the notebooks get the run's cache entry: one folder per key under the cache root's derived/<year>
    entry = Path(seen["params"]["cache_dir"])
    assert entry.parent == derived
    assert (entry / "sections.json").is_file() and (entry / "complete.json").is_file()
    # the report kernels get the cache folder through the environment, restored afterwards
    assert seen["env"] == str(cache)
    assert os.environ.get(paths.CACHE_ENV) is None


@pytest.mark.parametrize("command", ["summary", "build", "run", "follow-up"])
def test_commands_on_a_root_without_susenas_write_nothing_and_name_the_folder(
    command, no_susenas, tmp_path, key_file, capsys
):
    before = tree(no_susenas)
    # follow-up needs no survey: without a registry either it names the registry folder
    if command == "follow-up":
        shutil.rmtree(no_susenas / "raw" / "registry")
        before = tree(no_susenas)
    extra = {
        "run": ["--kab", "1701", "--no-pdf", "--out", str(tmp_path / "out")],
        "follow-up": ["--key", str(key_file)],
    }.get(command, [])
    rc = cli.main([command, "--root", str(no_susenas), *extra])
    err = capsys.readouterr().err
    assert rc == 2
    assert tree(no_susenas) == before
    looked = no_susenas / "raw" / ("registry" if command == "follow-up" else "susenas")
    assert str(looked) in err
    assert len(err.strip().splitlines()) == 1


def test_generate_demo_refuses_a_folder_with_other_data(no_susenas, capsys):
    before = tree(no_susenas)
    with pytest.raises(TkpkError, match="not empty and holds no demo"):
        generate_demo(no_susenas, years=(2024,), small=True, registry_households=50)
    assert cli.main(["demo-data", "--root", str(no_susenas), "--small"]) == 2
    assert "holds no demo" in capsys.readouterr().err
    assert tree(no_susenas) == before


def test_demo_folders_are_recognised(tmp_path):
    from tkpk_lib.synthetic import _claim

    empty = tmp_path / "empty"
    _claim(empty, 1)
    assert paths.is_demo_folder(empty)
    legacy = tmp_path / "legacy"  # written before the marker existed
    (legacy / "raw").mkdir(parents=True)
    (legacy / "README.md").write_text("# Data demo SINTETIS - Provinsi Bengkulu\n", encoding="utf-8")
    _claim(legacy, 1)
    assert (legacy / paths.DEMO_MARKER).is_file()
    user = tmp_path / "user"
    (user / "raw").mkdir(parents=True)
    (user / "README.md").write_text("# Data kantor\n", encoding="utf-8")
    assert not paths.is_demo_folder(user)


def test_only_the_demo_root_is_generated(no_susenas, monkeypatch):
    monkeypatch.setenv("TKPK_DEMO_ROOT", str(no_susenas.parent / "demo"))
    assert paths.is_demo_root(no_susenas.parent / "demo")
    assert not paths.is_demo_root(no_susenas)
    with pytest.raises(TkpkError, match="no Susenas folder"):
        pipeline.run_province(no_susenas, 2024, out_root=no_susenas.parent / "out", progress=False)


# ---------------------------------------------------------------- read-only data root and outputs


@pytest.fixture
def read_only(monkeypatch):
    """Make folders read-only: chmod a-w and a probe that refuses them (see the module docstring)."""
    frozen: list[Path] = []
    real = paths._can_create

    def probe(folder: Path) -> bool:
        f = Path(folder).absolute()
        if any(f == r or r in f.parents for r in frozen):
            return False
        return real(folder)

    monkeypatch.setattr(paths, "_can_create", probe)

    def freeze(root: Path) -> Path:
        root = root.absolute()
        for p in [root, *root.rglob("*")]:
            p.chmod(p.stat().st_mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))
        frozen.append(root)
        return root

    yield freeze
    for root in frozen:
        for p in [root, *root.rglob("*")]:
            p.chmod(p.stat().st_mode | stat.S_IWUSR)


def test_probe_sees_a_folder_nobody_can_write(tmp_path):
    blocker = tmp_path / "a_file"
    blocker.write_text("x", encoding="utf-8")
    assert paths.writable(tmp_path / "new" / "deeper")
    assert not paths.writable(blocker / "reports")
    assert [p.name for p in tmp_path.iterdir()] == ["a_file"]  # the probe leaves nothing behind
    with pytest.raises(TkpkError, match=r"a_file/reports: folder is not writable \(read-only\?\); use --out"):
        paths.require_writable(blocker / "reports", "use --out")


def test_dictionary_into_an_unwritable_folder_is_one_line(tmp_path, capsys):
    blocker = tmp_path / "a_file"
    blocker.write_text("x", encoding="utf-8")
    assert cli.main(["dictionary", "--output", str(blocker / "kamus.md")]) == 2
    err = capsys.readouterr().err.strip()
    assert err == f"error: {blocker}: folder is not writable (read-only?); choose another file with --output"


def test_validate_repair_into_an_unwritable_folder_is_one_line(tmp_path, capsys):
    blocker = tmp_path / "a_file"
    blocker.write_text("x", encoding="utf-8")
    src = tmp_path / "desa.geojson"
    src.write_text('{"type": "FeatureCollection", "features": []}', encoding="utf-8")
    rc = cli.main(["validate", "--source", "boundaries", "--repair", str(blocker / "desa_baik.gpkg"), str(src)])
    assert rc == 2
    err = capsys.readouterr().err.strip()
    assert err == f"error: {blocker}: folder is not writable (read-only?); choose another file with --repair"


def test_read_only_root_needs_a_cache_dir_and_works_with_one(user_template, tmp_path, read_only, monkeypatch, capsys):
    root = tmp_path / "share"
    shutil.copytree(user_template, root)
    (root / "raw" / "Susenas").rename(root / "raw" / "susenas")
    read_only(root)
    before = tree(root)

    assert cli.main(["build", "--root", str(root)]) == 2
    err = capsys.readouterr().err.strip()
    assert err == (f"error: {root}: folder is not writable (read-only?); give --cache-dir DIR (or set "
                   "TKPK_CACHE_DIR) to write the derived tables elsewhere")
    assert cli.main(["summary", "--root", str(root)]) == 2
    assert "--cache-dir" in capsys.readouterr().err
    assert cli.main(["run", "--root", str(root), "--kab", "1701", "--no-pdf", "--out", str(tmp_path / "o")]) == 2
    assert capsys.readouterr().err.strip() == err.replace("error:", "tkpk run:", 1)
    assert cli.main(["follow-up", "--root", str(root), "--key", str(tmp_path / "k")]) == 2
    assert capsys.readouterr().err.strip() == err

    cache = tmp_path / "cache"
    assert cli.main(["build", "--root", str(root), "--cache-dir", str(cache)]) == 0
    assert (paths.canonical_dir(root, cache) / "persons_2024.parquet").is_file()
    assert cli.main(["summary", "--root", str(root), "--cache-dir", str(cache)]) == 0
    assert _printed_p0(capsys.readouterr().out) == _expected_p0(root)
    # the environment variable does the same
    monkeypatch.setenv(paths.CACHE_ENV, str(tmp_path / "env_cache"))
    assert cli.main(["summary", "--root", str(root)]) == 0
    assert (paths.canonical_dir(root) / "households_2024.parquet").is_file()
    assert paths.canonical_dir(root).is_relative_to(tmp_path / "env_cache")
    assert tree(root) == before


def test_read_only_out_is_one_line_and_exit_2_before_any_work(capitalised, tmp_path, read_only, key_file, capsys):
    (tmp_path / "laporan").mkdir()
    out = read_only(tmp_path / "laporan")
    before = tree(capitalised)
    cache = tmp_path / "cache"
    rc = cli.main(["run", "--root", str(capitalised), "--kab", "1701", "--no-pdf", "--out", str(out),
                   "--cache-dir", str(cache)])
    err = capsys.readouterr().err.strip()
    assert rc == 2
    assert err == f"tkpk run: {out}: folder is not writable (read-only?); choose another reports folder with --out"
    assert not cache.exists()  # nothing was built
    rc = cli.main(["follow-up", "--root", str(capitalised), "--out", str(out / "tl"), "--key", str(key_file),
                   "--cache-dir", str(cache)])
    err = capsys.readouterr().err.strip()
    assert rc == 2
    assert err == f"error: {out / 'tl'}: folder is not writable (read-only?); choose another folder with --out"
    assert not cache.exists()
    assert tree(capitalised) == before


# ---------------------------------------------------------------- missing optional inputs


def test_input_status_and_console_name_missing_inputs(user_template, tmp_path, capsys):
    root = tmp_path / "r"
    shutil.copytree(user_template, root)
    shutil.rmtree(root / "raw" / "SAKERNAS")
    (root / "raw" / "podes" / "2024").rename(root / "raw" / "podes" / "2021")
    (root / "raw" / "podes" / "2024").mkdir()  # an empty round folder
    for f in (root / "raw" / "complaints").iterdir():
        f.unlink()
    (root / "raw" / "boundaries" / "desa.gpkg").unlink()

    t = canonical.input_status(root, 2024).set_index("source")
    assert t.loc["susenas", "status"] == "present" and bool(t.loc["susenas", "required"])
    assert t.loc["sakernas", ["status", "path"]].tolist() == ["missing", str(root / "raw" / "sakernas" / "2024")]
    assert t.loc["podes", "year_used"] == 2021
    assert t.loc["complaints", "status"] == "missing"
    assert t.loc["boundaries/desa", "status"] == "missing"
    assert t.loc["boundaries/kecamatan", "status"] == "present"
    assert t.loc["programmes", "year_used"] == 2024

    cache = tmp_path / "cache"
    assert cli.main(["build", "--root", str(root), "--cache-dir", str(cache)]) == 0
    out = capsys.readouterr().out.splitlines()
    podes = next((root / "raw" / "podes" / "2021").iterdir())
    # no tkpk.toml: the province read from the files is confirmed first
    assert out[:5] == [
        "Provinsi dibaca dari berkas: 17 Bengkulu",
        f"Sakernas 2024 tidak ada: dicari di {root / 'raw' / 'sakernas' / '2024'} (folder tidak ada)",
        f"Podes 2021 dipakai untuk 2024 ({podes})",
        f"Log pengaduan 2024 tidak ada: dicari di {root / 'raw' / 'complaints'} (folder kosong)",
        f"Batas wilayah desa tidak ada: dicari di {root / 'raw' / 'boundaries'} "
        "(tidak ada file desa.gpkg/.geojson/.shp)",
    ]
    assert out[5] == "2024: activities, households, persons, programmes, registry, villages"
