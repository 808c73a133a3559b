"""Why a report section failed, in the user's terms (file, column as the user's file names it, rows)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tkpk_lib.errors import ReportError


class SectionError(ReportError):
    """A report section that could not be computed (raised in a report unless ``partial``)."""


def _user_columns(table: str) -> dict[str, str]:
    """Canonical column -> the column name of the user's file, where the reader has a fixed map."""
    from tkpk_lib.data import readers

    maps = {"complaints": "COMPLAINT_COLUMNS", "programmes": "PROGRAMME_COLUMNS", "registry": "REGISTRY_COLUMNS"}
    m = getattr(readers, maps.get(table, ""), None) or {}
    return {v: k for k, v in m.items()}


def _user_problem(p: Any, sources: Mapping[str, str]) -> str:
    """One :class:`~tkpk_lib.errors.Problem` in the user's terms: their file, their column, rows."""
    file = sources.get(str(p.file), str(p.file))
    text = str(file)
    if p.column is not None:
        user = _user_columns(str(p.file)).get(str(p.column))
        text += f", kolom {user} ({p.column})" if user and user != p.column else f", kolom {p.column}"
    text += f": {p.message}"
    rows = [int(r) for r in p.rows]
    if rows:
        shown = ", ".join(str(r) for r in rows[:20])
        more = f" dan {len(rows) - 20} lainnya" if len(rows) > 20 else ""
        text += f" [baris data {shown}{more}; {len(rows)} baris]"
    return text


def describe_failure(exc: BaseException, sources: Mapping[str, str] | None = None) -> list[str]:
    """The lines that say why a section failed, in the user's terms (file, column, rows).

    A :class:`~tkpk_lib.errors.SchemaError` gives one line per problem, with the canonical table
    name replaced by the file it was read from (``sources``) and the canonical column by the
    column of that file; any other error gives its whole message, one line per line.

    Examples
    --------
    >>> from tkpk_lib.errors import Problem, SchemaError
    >>> describe_failure(SchemaError([Problem("complaints", "date_resolved", "bad", [3])]),
    ...                  {"complaints": "raw/complaints/p_2024.csv"})
    ['raw/complaints/p_2024.csv, kolom TGL_SELESAI (date_resolved): bad [baris data 3; 1 baris]']
    """
    from tkpk_lib.errors import SchemaError, TkpkError

    sources = dict(sources or {})
    if isinstance(exc, ImportError) and getattr(exc, "name", None):
        pkg = str(exc.name).split(".")[0]
        return [f"paket Python '{pkg}' tidak terpasang atau tidak dapat dimuat di lingkungan ini "
                f"(pasang dengan: pip install {pkg}; {type(exc).__name__}: {exc})"]
    if isinstance(exc, SchemaError) and exc.problems:
        return [_user_problem(p, sources) for p in exc.problems]
    lines = [ln.strip() for ln in str(exc).splitlines() if ln.strip()] or [type(exc).__name__]
    if not isinstance(exc, TkpkError):
        # not a data problem the library names: say what kind of error it was
        lines[0] = f"{type(exc).__name__}: {lines[0]}"
    return lines
