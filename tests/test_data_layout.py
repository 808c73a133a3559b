"""The data subpackage (layout of issue 14): old import paths keep working, parts stay small."""

from __future__ import annotations

import ast
import importlib
import json
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
MOVED = ("readers", "schemas", "validate", "canonical", "reference_data", "registry_stream", "summary")


@pytest.mark.parametrize("name", MOVED)
def test_old_path_is_the_same_module(name):
    old = importlib.import_module(f"tkpk_lib.{name}")
    new = importlib.import_module(f"tkpk_lib.data.{name}")
    assert old is new and new.__name__ == f"tkpk_lib.data.{name}"


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
                    if node.module in ("tkpk_lib", "tkpk_lib.data") and a.name in MOVED:
                        bound[a.asname or a.name] = a.name
                    for m in MOVED:
                        if node.module in (f"tkpk_lib.{m}", f"tkpk_lib.data.{m}"):
                            yield p, m, a.name
        for node in ast.walk(tree):
            if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                    and node.value.id in bound):
                yield p, bound[node.value.id], node.attr


def test_every_name_used_from_a_moved_module_exists():
    used = list(_used_names())
    missing = sorted({(str(p.relative_to(REPO)), m, n) for p, m, n in used
                      if not hasattr(importlib.import_module(f"tkpk_lib.data.{m}"), n)})
    assert missing == []
    assert len(used) > 200  # the scan found the uses (readers.read_susenas, canonical.load_tables...)
    assert ("readers", "read_susenas") in {(m, n) for _, m, n in used}


def test_every_data_module_says_its_job_and_stays_small():
    for p in sorted((REPO / "tkpk_lib" / "data").rglob("*.py")):
        src = p.read_text(encoding="utf-8")
        assert ast.get_docstring(ast.parse(src)), p
        n = src.count("\n")
        assert n <= 600 or "Length:" in src, (p, n)
