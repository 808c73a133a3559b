"""The notebooks stay thin: a parameters cell, library calls and narrative, no logic of their own.

A report notebook that defines a function, a class or a loop computes something no test sees;
that code belongs in :mod:`tkpk_lib.reporting`. Every notebook's first code cell is its
parameters cell, tagged ``parameters`` (papermill replaces it) and made of plain assignments.
"""

from __future__ import annotations

import ast
from pathlib import Path

import nbformat
import pytest

NOTEBOOKS = Path(__file__).resolve().parents[1] / "tkpk_lib" / "notebooks"  # package data
#: The report notebooks and the exploration notebook: library calls only.
THIN = sorted((NOTEBOOKS / "reports").glob("*.ipynb")) + [NOTEBOOKS / "explore.ipynb"]
ALL = sorted(NOTEBOOKS.rglob("*.ipynb"))
FORBIDDEN = {
    ast.FunctionDef: "def", ast.AsyncFunctionDef: "async def", ast.ClassDef: "class", ast.Lambda: "lambda",
    ast.For: "for loop", ast.AsyncFor: "for loop", ast.While: "while loop",
    ast.ListComp: "comprehension", ast.SetComp: "comprehension", ast.DictComp: "comprehension",
    ast.GeneratorExp: "comprehension",
}


def logic_in(source: str) -> list[str]:
    """What in ``source`` is logic a notebook should leave to the library (empty if none)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        kind = FORBIDDEN.get(type(node))
        if kind:
            found.append(f"{kind} (line {node.lineno})")
    return found


def test_logic_finder_finds_each_kind():
    assert logic_in("x = f(1)\nif x:\n    show(x)\n") == []
    assert logic_in("def f():\n    pass\n") == ["def (line 1)"]
    assert logic_in("class A:\n    pass\n") == ["class (line 1)"]
    assert logic_in("y = 1\nfor i in x:\n    show(i)\n") == ["for loop (line 2)"]
    assert logic_in("while True:\n    break\n") == ["while loop (line 1)"]
    assert logic_in("g = lambda v: v\n") == ["lambda (line 1)"]
    assert logic_in("z = [v for v in x]\n") == ["comprehension (line 1)"]


def test_notebook_lists_are_not_empty():
    assert len(THIN) == 3 and all(p.is_file() for p in THIN)
    assert {p.name for p in ALL} >= {"evaluasi_tahunan.ipynb", "lampiran_lp2kd.ipynb", "explore.ipynb"}


@pytest.mark.parametrize("path", THIN, ids=lambda p: p.name)
def test_report_notebooks_have_no_logic(path):
    nb = nbformat.read(path, as_version=4)
    found = {i: logic_in(c.source) for i, c in enumerate(nb.cells) if c.cell_type == "code"}
    found = {i: f for i, f in found.items() if f}
    assert not found, f"{path.name}: logic in code cells (move it to tkpk_lib.reporting): {found}"


@pytest.mark.parametrize("path", ALL, ids=lambda p: p.name)
def test_first_code_cell_is_the_tagged_parameters_cell(path):
    nb = nbformat.read(path, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    tagged = [i for i, c in enumerate(code) if "parameters" in c.metadata.get("tags", [])]
    assert tagged == [0], f"{path.name}: the first code cell (only) must be tagged 'parameters', tagged: {tagged}"
    for node in ast.parse(code[0].source).body:
        assert isinstance(node, ast.Assign | ast.AnnAssign), (
            f"{path.name}: the parameters cell holds only assignments, line {node.lineno} is not one")
        value = node.value
        assert value is not None and isinstance(ast.literal_eval(value), str | int | float | bool), (
            f"{path.name}: parameter on line {node.lineno} is not a plain value")
