"""No Bengkulu code or name is written into the library or the report notebooks.

The province is a setting (:mod:`tkpk_lib.data.region`): codes, names, patterns and unit lists
come from the national reference shipped as package data. Allowed places: the reference data
files, the synthetic demo (its configuration) and docstrings (documentation examples).
"""

from __future__ import annotations

import ast
import io
import json
import re
import tokenize
from pathlib import Path

import pytest

from tkpk_lib.data.region import Region

PACKAGE = Path(__file__).resolve().parents[1] / "tkpk_lib"
#: the province whose literals must not appear (the first one the workbench served)
FIRST = Region.from_code(str(int("17")))  # the code split so that this file names no literal either


def _names() -> list[str]:
    """Bengkulu and its kabupaten/kota names (without "Kabupaten"/"Kota"), longest first."""
    names = {FIRST.name}
    for u in FIRST.units:
        names.add(u.name.split(" ", 1)[1])
    return sorted(names, key=len, reverse=True)


_CODE = re.compile(
    rf"(?<![\d.,]){FIRST.code}(?:(?:0[1-9]|71)(?:\d{{2}}(?:\d{{4}})?)?)?(?![\d])"
)
_NUMBERS = {int(c) for c in FIRST.kab_codes}
_NAME = re.compile("|".join(re.escape(n) for n in _names()), re.IGNORECASE)


def _docstring_lines(source: str) -> set[int]:
    """Line numbers of every docstring (module, class, function)."""
    lines: set[int] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
                    and isinstance(body[0].value.value, str):
                lines.update(range(body[0].lineno, body[0].end_lineno + 1))
    return lines


def literal_hits(source: str, where: str) -> list[str]:
    """``where:line: text`` of every Bengkulu code or name outside docstrings.

    Codes count in strings (``"17"``, ``"1701"``, ``r"17\\d{2}"``) and as numbers
    (1701 ... 1771); names count in strings and comments.
    """
    skip = _docstring_lines(source)
    hits = []
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.start[0] in skip:
            continue
        text = tok.string
        bad = False
        if tok.type == tokenize.STRING or tok.type == getattr(tokenize, "FSTRING_MIDDLE", -1):
            bad = bool(_CODE.search(text) or _NAME.search(text))
        elif tok.type == tokenize.COMMENT:
            bad = bool(_NAME.search(text))
        elif tok.type == tokenize.NUMBER:
            bad = text.isdigit() and int(text) in _NUMBERS
        if bad:
            hits.append(f"{where}:{tok.start[0]}: {text.strip()[:80]}")
    return hits


def _library_files() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if "synthetic" not in p.relative_to(PACKAGE).parts)


def _notebooks() -> list[Path]:
    return sorted(PACKAGE.rglob("*.ipynb"))


def test_library_names_no_bengkulu_literal():
    hits = []
    for p in _library_files():
        hits += literal_hits(p.read_text(encoding="utf-8"), str(p.relative_to(PACKAGE.parent)))
    assert hits == [], "province literals (take them from tkpk_lib.data.region):\n" + "\n".join(hits)


def test_notebooks_name_no_bengkulu_literal():
    hits = []
    for p in _notebooks():
        for i, cell in enumerate(json.loads(p.read_text(encoding="utf-8"))["cells"]):
            text = "".join(cell["source"])
            where = f"{p.relative_to(PACKAGE.parent)} cell {i}"
            if cell["cell_type"] == "code":
                hits += literal_hits(text, where)
            elif _CODE.search(text) or _NAME.search(text):
                hits.append(f"{where}: {text[:80]}")
    assert hits == [], "province literals in notebooks:\n" + "\n".join(hits)


@pytest.mark.parametrize(
    ("source", "found"),
    [
        ('x = "17"\n', 1),
        ('pattern = r"17\\d{2}"\n', 1),
        ("codes = [1701, 1771]\n", 2),
        ('name = "Kota Bengkulu"\n', 1),
        ("# Rejang Lebong is special\n", 1),
        ('def f():\n    """Example ``"1701"``."""\n    return 17\n', 0),
        ('x = "0.17"; y = 2017; z = "2017"\n', 0),
    ],
)
def test_scanner_finds_literals(source, found):
    assert len(literal_hits(source, "x.py")) == found
