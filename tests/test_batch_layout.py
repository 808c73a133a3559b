"""The batch subpackage (layout of issue 14): old import paths keep working, parts stay small."""

from __future__ import annotations

import ast
import importlib
import json
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
MOVED = ("pipeline", "run", "kernels", "manifest", "export")


@pytest.mark.parametrize("name", MOVED)
def test_old_path_is_the_same_module(name):
    old = importlib.import_module(f"tkpk_lib.{name}")
    new = importlib.import_module(f"tkpk_lib.batch.{name}")
    assert old is new and new.__name__ == f"tkpk_lib.batch.{name}"


def _sources():
    for sub in ("tkpk_lib", "tests", "benchmarks", "scripts", "notebooks"):
        for p in sorted((REPO / sub).rglob("*")):
            if p.suffix == ".py":
                yield p, p.read_text(encoding="utf-8")
            elif p.suffix == ".ipynb" and ".ipynb_checkpoints" not in p.parts:
                cells = json.loads(p.read_text(encoding="utf-8"))["cells"]
                for c in cells:
                    if c["cell_type"] == "code":
                        lines = "".join(c["source"]).splitlines()
                        yield p, "\n".join(x for x in lines if not x.lstrip().startswith(("%", "!")))


def _used_names():
    """(file, module, name) of every name taken from a moved module anywhere in the repository."""
    for p, src in _sources():
        try:
            tree = ast.parse(src)
        except SyntaxError:
            continue
        bound: dict[str, str] = {}
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module:
                for a in node.names:
                    if node.module in ("tkpk_lib", "tkpk_lib.batch") and a.name in MOVED:
                        bound[a.asname or a.name] = a.name
                    for m in MOVED:
                        if node.module in (f"tkpk_lib.{m}", f"tkpk_lib.batch.{m}"):
                            yield p, m, a.name
            elif isinstance(node, ast.Import):
                for a in node.names:
                    for m in MOVED:
                        if a.name in (f"tkpk_lib.{m}", f"tkpk_lib.batch.{m}") and a.asname:
                            bound[a.asname] = m
        for node in ast.walk(tree):
            if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                    and node.value.id in bound):
                yield p, bound[node.value.id], node.attr


def test_every_name_used_from_a_moved_module_exists():
    used = list(_used_names())
    missing = sorted({(str(p.relative_to(REPO)), m, n) for p, m, n in used
                      if not hasattr(importlib.import_module(f"tkpk_lib.batch.{m}"), n)})
    assert missing == []
    found = {(m, n) for _, m, n in used}
    # the scan found the uses (the runner, the CLI entry, private names used by tests)
    assert {("run", "run_reports"), ("pipeline", "run_cli"), ("run", "_first_line"),
            ("export", "_profile_root"), ("export", "atomic_path")} <= found


def _long_functions(tree: ast.Module):
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            doc = ast.get_docstring(node)
            first = node.body[1] if doc and len(node.body) > 1 else node.body[0]
            if node.end_lineno - first.lineno + 1 > 100 and "Length" not in (doc or ""):
                yield node.name


def test_every_batch_module_says_its_job_and_stays_small():
    modules = sorted((REPO / "tkpk_lib" / "batch").glob("*.py"))
    assert len(modules) >= 15
    for p in modules:
        src = p.read_text(encoding="utf-8")
        tree = ast.parse(src)
        assert ast.get_docstring(tree), p
        assert src.count("\n") <= 600 or "Length:" in src, p
        assert list(_long_functions(tree)) == [], p


def test_notebook_dir_holds_only_the_report_notebooks():
    from tkpk_lib.batch.pipeline import NOTEBOOK_DIR

    assert NOTEBOOK_DIR == REPO / "tkpk_lib" / "notebooks" / "reports"  # package data
    assert sorted(p.name for p in NOTEBOOK_DIR.glob("*.ipynb")) == [
        "evaluasi_tahunan.ipynb", "lampiran_lp2kd.ipynb"]
    # one copy of each notebook: the repo's notebooks/ folder only points to the package's
    assert not list((REPO / "notebooks").rglob("*.ipynb"))
    # the runner's smoke notebook is test data, not a user notebook
    assert not list((REPO / "tkpk_lib").rglob("_smoke.ipynb"))
    assert (REPO / "tests" / "data" / "_smoke.ipynb").is_file()
