"""Exceptions of tkpk-workbench.

Every error a user can trigger with their own data is a :class:`TkpkError`; its message
names the file, the column and the rows at fault, so that no traceback from deep inside
pandas has to be read to find the problem.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field


class TkpkError(Exception):
    """Base class of all errors raised on purpose by tkpk_lib."""


@dataclass
class Problem:
    """One problem found in an input file.

    Parameters
    ----------
    file : str
        File (or table name) the problem was found in.
    column : str or None
        Column at fault, ``None`` for file-level problems.
    message : str
        What is wrong, in plain words.
    rows : sequence of int
        Row numbers at fault (1-based data rows, as a spreadsheet shows them below the header).
    canonical : str or None
        Canonical name of the column when the file names it differently (``column`` is then
        the user's name, e.g. ``'JK'`` with canonical ``'sex'``); shown beside it.

    Examples
    --------
    >>> print(Problem("a.sav", "JK", "codes outside {1, 2}", [3], canonical="sex"))
    a.sav, column 'JK' (sex): codes outside {1, 2} [rows 3; 1 row(s) in all]
    """

    file: str
    column: str | None
    message: str
    rows: Sequence[int] = field(default_factory=list)
    canonical: str | None = None

    def __str__(self) -> str:
        where = f"{self.file}"
        if self.column is not None:
            where += f", column '{self.column}'"
            if self.canonical and self.canonical != self.column:
                where += f" ({self.canonical})"
        text = f"{where}: {self.message}"
        rows = list(self.rows)
        if rows:
            shown = ", ".join(str(r) for r in rows[:20])
            more = f" (and {len(rows) - 20} more)" if len(rows) > 20 else ""
            text += f" [rows {shown}{more}; {len(rows)} row(s) in all]"
        return text


class SchemaError(TkpkError):
    """Input data that does not satisfy a canonical schema; lists every problem at once."""

    def __init__(self, problems: Iterable[Problem]):
        self.problems = list(problems)
        lines = [f"{len(self.problems)} problem(s) found:"] + [f"  - {p}" for p in self.problems]
        super().__init__("\n".join(lines))


class DesignError(TkpkError):
    """A survey design that cannot be used (missing columns, bad weights, single-PSU strata)."""


class ReportError(TkpkError):
    """A report run that cannot start or finish (bad parameters, missing inputs)."""
