"""The workbench as an installed package: build the wheel, install it in a fresh venv, run a unit.

The fresh venv sees the project's dependencies through a ``.pth`` file that adds the running
interpreter's site-packages (no download), and nbconvert's HTML templates (data files installed
under that interpreter's prefix) through a link in the venv's ``share/jupyter``. ``PYTHONPATH``
and every ``TKPK_*`` variable are removed, and the run starts in a temporary folder outside the
repo, so the notebooks and reference tables can only come from the wheel; the test checks that
the notebook kernel's interpreter imports the wheel's ``tkpk_lib`` too.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PACKAGE = REPO / "tkpk_lib"


def _package_data() -> set[str]:
    """Every non-Python file of the source package, as wheel member names."""
    out = set()
    for p in PACKAGE.rglob("*"):
        skip = {"__pycache__", ".ipynb_checkpoints"} & set(p.parts) or p.suffix in (".py", ".pyc")
        if p.is_file() and not skip:
            out.add(p.relative_to(REPO).as_posix())
    return out


def _build_wheel(tmp: Path) -> Path:
    """Build the wheel from a clean copy of the sources (no build/ or egg-info in the repo)."""
    src = tmp / "src"
    src.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(REPO / name, src / name)
    shutil.copytree(PACKAGE, src / "tkpk_lib",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc", ".ipynb_checkpoints"))
    import setuptools

    offline = importlib.util.find_spec("wheel") is not None and int(
        setuptools.__version__.split(".")[0]) >= 68
    # the dev extra installs setuptools>=68 and wheel: then the build needs no network; an older
    # environment builds in pip's isolated environment (setuptools and wheel from the index)
    cmd = [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(tmp / "dist"), str(src)]
    if offline:
        cmd.insert(5, "--no-build-isolation")
    subprocess.run(cmd, check=True, env=_clean_env(), capture_output=True, text=True)
    (wheel,) = (tmp / "dist").glob("tkpk_workbench-*.whl")
    return wheel


def _clean_env(venv: Path | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "JUPYTER_PATH") and not k.startswith("TKPK_")}
    if venv is not None:
        env["PATH"] = os.pathsep.join([str(venv / ("Scripts" if os.name == "nt" else "bin")),
                                       env.get("PATH", "")])
        env["VIRTUAL_ENV"] = str(venv)
    return env


def _fresh_venv(tmp: Path, wheel: Path) -> Path:
    """A venv without pip whose site-packages holds the wheel and a .pth to our dependencies."""
    venv = tmp / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    py = venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    purelib = subprocess.run([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                             check=True, capture_output=True, text=True).stdout.strip()
    Path(purelib, "_tkpk_test_deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    templates = Path(sys.prefix) / "share" / "jupyter" / "nbconvert"
    (venv / "share" / "jupyter").mkdir(parents=True)
    (venv / "share" / "jupyter" / "nbconvert").symlink_to(templates, target_is_directory=True)
    subprocess.run([sys.executable, "-m", "pip", "--python", str(py), "install", "-q", "--no-deps",
                    "--no-index", str(wheel)], check=True, env=_clean_env())
    return py


@pytest.mark.slow
def test_wheel_installs_and_runs_a_unit_from_any_folder(tmp_path):
    wheel = _build_wheel(tmp_path)
    with zipfile.ZipFile(wheel) as z:
        members = set(z.namelist())
    missing = _package_data() - members
    assert not missing, f"package data missing from the wheel (pyproject package-data): {missing}"
    assert "tkpk_lib/notebooks/reports/evaluasi_tahunan.ipynb" in members
    assert not any(m.startswith(("tests/", "notebooks/")) for m in members)

    py = _fresh_venv(tmp_path, wheel)
    work = tmp_path / "work"
    work.mkdir()
    venv = py.parent.parent
    env = _clean_env(venv)
    code = "import tkpk_lib, tkpk_lib.paths as p; print(tkpk_lib.__file__); print(p.in_checkout())"
    probe = subprocess.run([str(py), "-c", code + "; import jupyter_client.kernelspec as k; "
                            "print(k.KernelSpecManager().get_kernel_spec('python3').argv[0])"],
                           cwd=work, env=env, check=True, capture_output=True, text=True)
    lib, checkout, kernel_exe = probe.stdout.splitlines()
    assert Path(lib).is_relative_to(venv) and checkout == "False"  # the wheel's copy
    kernel = subprocess.run([shutil.which(kernel_exe, path=env["PATH"]), "-c", code], cwd=work,
                            env=env, check=True, capture_output=True, text=True)
    assert kernel.stdout.splitlines() == [lib, "False"]  # the notebooks' kernel imports it too
    installed = Path(lib).parent
    before = {p for p in installed.rglob("*") if "__pycache__" not in p.parts}

    tkpk = py.parent / ("tkpk.exe" if os.name == "nt" else "tkpk")
    res = subprocess.run([str(tkpk), "run", "--year", "2024", "--kab", "1701", "--no-pdf", "--small"],
                         cwd=work, env=env, capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-3000:]
    # defaults outside a checkout: the demo and the reports under the working folder
    assert (work / "tkpk-demo" / "tkpk_demo.json").is_file()
    (unit,) = (work / "reports").glob("2024-*/1701_*")
    html = (unit / "evaluasi_tahunan.html").read_text(encoding="utf-8")
    assert "Bengkulu Selatan" in html and len(html) > 100_000
    assert (unit / "lampiran_lp2kd.html").is_file()
    assert (unit / "lampiran_lp2kd_1701_2024.xlsx").is_file()
    # nothing was written into site-packages
    assert {p for p in installed.rglob("*") if "__pycache__" not in p.parts} == before


def test_defaults_outside_a_checkout_use_the_working_folder(tmp_path, monkeypatch):
    import tkpk_lib.batch.pipeline as pipeline
    from tkpk_lib import paths

    assert paths.in_checkout() and paths.demo_root() == REPO / "data" / "demo" / "generated"
    for var in ("TKPK_DEMO_ROOT", "TKPK_REPORTS_ROOT", "TKPK_DATA_ROOT"):
        monkeypatch.delenv(var, raising=False)
    site = tmp_path / "site-packages"  # what holds tkpk_lib in an install: no pyproject.toml
    site.mkdir()
    monkeypatch.setattr(paths, "PROJECT_ROOT", site)
    monkeypatch.chdir(tmp_path)
    assert not paths.in_checkout()
    assert paths.demo_root() == tmp_path / "tkpk-demo" == paths.data_root()
    assert paths.reports_root() == tmp_path / "reports"
    assert paths.is_demo_root("tkpk-demo")
    # the notebooks are found inside the package whatever the working folder
    assert pipeline.NOTEBOOK_DIR == PACKAGE / "notebooks" / "reports"
    assert pipeline.NOTEBOOK_DIR.is_relative_to(paths.PACKAGE_DIR)


def test_lab_works_on_a_copy_and_keeps_the_users_edits(tmp_path):
    from tkpk_lib.cli import lab_notebook

    nb = lab_notebook(tmp_path / "kerja")
    assert nb == tmp_path / "kerja" / "explore.ipynb"
    assert nb.read_bytes() == (PACKAGE / "notebooks" / "explore.ipynb").read_bytes()
    nb.write_text("{}", encoding="utf-8")  # the user's edits
    assert lab_notebook(tmp_path / "kerja").read_text(encoding="utf-8") == "{}"
