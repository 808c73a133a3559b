"""Needs rules of the welfare registry: load and check the rules table, compile each rule to SQL.

The rules are data, never code (:file:`tkpk_lib/reference/needs_rules.csv`): each rule is a
decile range plus lists of member-count columns of which *any* (``require_any``) or *all*
(``require_all``) must be positive. Column names are checked against a strict pattern before
they reach SQL.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from tkpk_lib.data.schemas import PROGRAMMES
from tkpk_lib.errors import Problem, SchemaError, TkpkError

RULE_COLUMNS: tuple[str, ...] = (
    "programme", "office", "active", "min_decile", "max_decile", "require_any", "require_all",
    "rule_text", "source", "confidence",
)


"""Columns of a needs-rules table (:file:`reference/needs_rules.csv`)."""


_IDENT = re.compile(r"^[a-z_][a-z0-9_]*$")


def _split_cols(value: Any) -> list[str]:
    if isinstance(value, (tuple, list)):
        return [str(v).strip() for v in value if str(v).strip()]
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return []
    return [p.strip() for p in re.split(r"[,;]", str(value)) if p.strip()]


def load_rules(path: str | Path | pd.DataFrame | None = None) -> pd.DataFrame:  # noqa: C901 - one check per column of a user's rules file, each with its own message
    """Load and check a needs-rules table.

    Parameters
    ----------
    path : path or DataFrame, optional
        CSV with the columns :data:`RULE_COLUMNS` (``rule_text``, ``source`` and
        ``confidence`` optional), or a DataFrame with them. Default: the rules shipped in
        :file:`tkpk_lib/reference/needs_rules.csv` (secondary sources, see the file).

    Returns
    -------
    pandas.DataFrame
        One row per programme with ``require_any`` / ``require_all`` as tuples of column
        names, ``active`` 0/1 and integer decile bounds.

    Raises
    ------
    SchemaError
        Unknown programme code, duplicated programme, decile bounds outside 1-10 or
        reversed, a column name that is not a plain identifier.

    Examples
    --------
    >>> rules = load_rules()
    >>> rules.set_index("programme").loc["pip", "require_any"]
    ('n_children_7_18',)
    """
    if isinstance(path, pd.DataFrame):
        raw, name = path.copy(), "needs rules"
    else:
        if path is None:
            ref = resources.files("tkpk_lib.reference").joinpath("needs_rules.csv")
            with resources.as_file(ref) as p:
                raw = pd.read_csv(p, dtype=str, keep_default_na=False)
            name = "needs_rules.csv"
        else:
            raw = pd.read_csv(path, dtype=str, keep_default_na=False)
            name = str(path)
    problems: list[Problem] = []
    for col in ("programme", "office", "max_decile"):
        if col not in raw.columns:
            problems.append(Problem(name, col, "required column missing"))
    if problems:
        raise SchemaError(problems)
    out = pd.DataFrame({"programme": raw["programme"].astype(str).str.strip().str.lower(),
                        "office": raw["office"].astype(str).str.strip()})
    rows = np.arange(1, len(raw) + 1)

    def ints(col: str, default: int) -> pd.Series:
        if col not in raw.columns:
            return pd.Series(default, index=raw.index, dtype="int64")
        s = pd.to_numeric(raw[col].replace("", str(default)), errors="coerce")
        bad = s.isna()
        if bad.any():
            problems.append(Problem(name, col, "not an integer", rows[bad.to_numpy()].tolist()))
        return s.fillna(default).astype("int64")

    out["active"] = ints("active", 1)
    out["min_decile"] = ints("min_decile", 1)
    out["max_decile"] = ints("max_decile", 10)
    for col in ("require_any", "require_all"):
        vals = raw[col] if col in raw.columns else pd.Series("", index=raw.index)
        out[col] = [tuple(_split_cols(v)) for v in vals]
    for col in ("rule_text", "source", "confidence"):
        out[col] = raw[col].astype(str) if col in raw.columns else ""

    unknown = ~out["programme"].isin(list(PROGRAMMES))
    if unknown.any():
        problems.append(Problem(name, "programme", f"unknown programme code (use one of {', '.join(PROGRAMMES)})",
                                rows[unknown.to_numpy()].tolist()))
    dup = out["programme"].duplicated(keep=False)
    if dup.any():
        problems.append(Problem(name, "programme", "programme listed more than once", rows[dup.to_numpy()].tolist()))
    bad = ~out["active"].isin([0, 1])
    if bad.any():
        problems.append(Problem(name, "active", "must be 0 or 1", rows[bad.to_numpy()].tolist()))
    bad = ~(out["min_decile"].between(1, 10) & out["max_decile"].between(1, 10)
            & (out["min_decile"] <= out["max_decile"]))
    if bad.any():
        problems.append(Problem(name, "max_decile", "decile bounds must satisfy 1 <= min_decile <= max_decile <= 10",
                                rows[bad.to_numpy()].tolist()))
    for col in ("require_any", "require_all"):
        bad = np.array([any(not _IDENT.match(c) for c in cols) for cols in out[col]], dtype=bool)
        if bad.any():
            problems.append(Problem(name, col, "column names must be lower-case identifiers (letters, digits, _)",
                                    rows[bad].tolist()))
    if problems:
        raise SchemaError(problems)
    return out.reset_index(drop=True)


def _active(rules: pd.DataFrame | str | Path | None, programmes: Sequence[str] | None = None) -> pd.DataFrame:
    r = load_rules(rules)
    r = r[r["active"] == 1]
    if programmes is not None:
        missing = sorted(set(programmes) - set(r["programme"]))
        if missing:
            raise TkpkError(f"needs rules: no active rule for programme(s) {', '.join(missing)}")
        r = r[r["programme"].isin(list(programmes))]
    if r.empty:
        raise TkpkError("needs rules: no active rule to apply")
    from tkpk_lib.analysis.programme_catalogue import load_catalogue

    areas = dict(zip(*load_catalogue()[["code", "area_kind"]].T.to_numpy(), strict=True))
    return r.assign(area_kind=r["programme"].map(areas).fillna("both")).reset_index(drop=True)


def _q(name: str) -> str:
    if not _IDENT.match(name):
        raise TkpkError(f"not a valid column name: {name!r}")
    return f'"{name}"'


def _condition(rule: pd.Series) -> str:
    parts = [f'"decile" BETWEEN {int(rule["min_decile"])} AND {int(rule["max_decile"])}']
    if rule["require_any"]:
        parts.append("(" + " OR ".join(f"{_q(c)} > 0" for c in rule["require_any"]) + ")")
    parts += [f"{_q(c)} > 0" for c in rule["require_all"]]
    # a programme of desa (BLT Dana Desa) or kelurahan only: the 7th digit of the Kemendagri
    # code is 2 for a desa and 1 for a kelurahan (programme catalogue, area_kind)
    kind = str(rule.get("area_kind", "both"))
    if kind in ("desa", "kelurahan"):
        parts.append(f"substr(trim(CAST(\"desa_code\" AS VARCHAR)), 7, 1) = '{2 if kind == 'desa' else 1}'")
    return "(" + " AND ".join(parts) + ")"


def _flags(rules: pd.DataFrame) -> dict[str, tuple[str, str]]:
    """SQL boolean expressions (eligible, received) per programme."""
    return {p: (_condition(r), f'(CAST("rcv_{p}" AS INTEGER) = 1)') for p, r in
            zip(rules["programme"], (row for _, row in rules.iterrows()), strict=True)}
