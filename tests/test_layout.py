"""The package layout of issue 14: code imports moved modules from their new place.

Old import paths (``tkpk_lib.readers``, ``from tkpk_lib import report``) stay usable for users'
scripts through the import hook in ``tkpk_lib/__init__.py`` (tested in test_data_layout and
test_batch_layout); the project's own code, tests, benchmarks and notebooks must not rely on it.
"""

from __future__ import annotations

import ast
import json
import warnings
from pathlib import Path

import pytest

import tkpk_lib

ROOT = Path(__file__).resolve().parents[1]
# the layout tests import the old paths on purpose
EXEMPT = {"test_data_layout.py", "test_batch_layout.py", "test_layout.py"}


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
