"""The package layout of issue 14: code imports moved modules from their new place.

Old import paths (``tkpk_lib.readers``, ``from tkpk_lib import report``) stay usable for users'
scripts through the import hook in ``tkpk_lib/__init__.py``; the project's own code, tests,
benchmarks and notebooks must not rely on it. Every name the project takes from a moved module
exists at the new place, and each module of the flow says its job and stays small (a longer
module or function writes its reason: "Length:" or "Long by design").
"""

from __future__ import annotations

import ast
import json
import warnings
from pathlib import Path

import pytest

import tkpk_lib

ROOT = Path(__file__).resolve().parents[1]
# this file imports the old paths on purpose
EXEMPT = {"test_layout.py"}
FLOW = ("data", "estimation", "analysis", "reporting", "batch")


def _sources() -> list[tuple[str, str]]:
    out = []
    for folder in ("tkpk_lib", "tests", "benchmarks", "scripts"):
        for p in sorted((ROOT / folder).rglob("*.py")):
            if p.name not in EXEMPT:
                out.append((str(p.relative_to(ROOT)), p.read_text(encoding="utf-8")))
    notebooks = [p for folder in ("tkpk_lib", "notebooks", "tests") for p in sorted((ROOT / folder).rglob("*.ipynb"))
                 if ".ipynb_checkpoints" not in p.parts]
    assert any(p.parent.name == "reports" for p in notebooks)  # the report notebooks are scanned
    for p in notebooks:
        nb = json.loads(p.read_text(encoding="utf-8"))
        code = "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code")
        out.append((str(p.relative_to(ROOT)), code))
    return out


def _old_imports(code: str) -> list[str]:
    moved = tkpk_lib._MOVED
    found = []
    for node in ast.walk(ast.parse(code)):
        if isinstance(node, ast.ImportFrom) and node.module:
            mod = node.module
            if mod == "tkpk_lib":
                found += [f"from tkpk_lib import {a.name}" for a in node.names if a.name in moved]
            elif mod.startswith("tkpk_lib.") and mod.split(".")[1] in moved:
                found.append(f"from {mod} import ...")
        elif isinstance(node, ast.Import):
            found += [a.name for a in node.names
                      if a.name.startswith("tkpk_lib.") and a.name.split(".")[1] in moved]
    return found


def test_old_module_paths_are_not_used_by_the_project():
    used = {f: hits for f, code in _sources() if (hits := _old_imports(code))}
    assert used == {}


def test_the_hook_flags_an_old_import():
    assert _old_imports("from tkpk_lib import report, paths\nimport tkpk_lib.readers") == [
        "from tkpk_lib import report", "tkpk_lib.readers"]


@pytest.mark.parametrize("old", sorted(tkpk_lib._MOVED))
def test_old_path_warns_and_gives_the_new_module(old):
    import importlib
    import sys

    sys.modules.pop(f"tkpk_lib.{old}", None)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        mod = importlib.import_module(f"tkpk_lib.{old}")
    assert mod is importlib.import_module(f"tkpk_lib.{tkpk_lib._MOVED[old]}")
    assert any(issubclass(w.category, DeprecationWarning) and f"tkpk_lib.{tkpk_lib._MOVED[old]}" in str(w.message)
               for w in caught)


def _used_names():
    """(file, old module name, attribute) of every name the project takes from a moved module."""
    new_to_old = {f"tkpk_lib.{new}": old for old, new in tkpk_lib._MOVED.items()}
    for path, code in _sources():
        tree = ast.parse(code)
        bound: dict[str, str] = {}
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module:
                if node.module in new_to_old:
                    for a in node.names:
                        yield path, new_to_old[node.module], a.name
                for a in node.names:
                    full = f"{node.module}.{a.name}"
                    if full in new_to_old:
                        bound[a.asname or a.name] = new_to_old[full]
            elif isinstance(node, ast.Import):
                for a in node.names:
                    if a.name in new_to_old and a.asname:
                        bound[a.asname] = new_to_old[a.name]
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in bound:
                yield path, bound[node.value.id], node.attr


def test_every_name_used_from_a_moved_module_exists():
    import importlib

    used = list(_used_names())
    missing = sorted({(f, m, n) for f, m, n in used
                      if not hasattr(importlib.import_module(f"tkpk_lib.{tkpk_lib._MOVED[m]}"), n)})
    # test_design imports a missing name on purpose (it checks the ImportError)
    assert missing == [("tests/test_design.py", "design", "no_such_name")]
    found = {(m, n) for _, m, n in used}
    assert len(used) > 500  # the scan found the uses
    assert {("readers", "read_susenas"), ("canonical", "load_tables"), ("run", "run_reports"),
            ("pipeline", "run_cli"), ("export", "atomic_path"), ("report", "prepare_year"),
            ("estimate", "survey_mean"), ("indicators", "fgt")} <= found


def _long_functions(tree: ast.Module):
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            doc = ast.get_docstring(node) or ""
            first = node.body[1] if doc and len(node.body) > 1 else node.body[0]
            if node.end_lineno - first.lineno + 1 > 100 and not ("Length" in doc or "Long by design" in doc):
                yield node.name


@pytest.mark.parametrize("subpackage", FLOW)
def test_every_module_of_the_flow_says_its_job_and_stays_small(subpackage):
    modules = sorted((ROOT / "tkpk_lib" / subpackage).rglob("*.py"))
    assert len(modules) >= 5
    for p in modules:
        src = p.read_text(encoding="utf-8")
        tree = ast.parse(src)
        assert ast.get_docstring(tree), p
        assert src.count("\n") <= 600 or "Length:" in src, p
        assert list(_long_functions(tree)) == [], p


def test_notebook_dir_holds_only_the_report_notebooks():
    from tkpk_lib.batch.pipeline import NOTEBOOK_DIR

    assert NOTEBOOK_DIR == ROOT / "tkpk_lib" / "notebooks" / "reports"  # package data
    assert sorted(p.name for p in NOTEBOOK_DIR.glob("*.ipynb")) == [
        "evaluasi_tahunan.ipynb", "lampiran_lp2kd.ipynb"]
    # one copy of each notebook: the repo's notebooks/ folder only points to the package's
    assert not list((ROOT / "notebooks").rglob("*.ipynb"))
    # the runner's smoke notebook is test data, not a user notebook
    assert not list((ROOT / "tkpk_lib").rglob("_smoke.ipynb"))
    assert (ROOT / "tests" / "data" / "_smoke.ipynb").is_file()
