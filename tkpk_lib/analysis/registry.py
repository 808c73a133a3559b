"""Registry side of programme coverage: needs rules, eligibility and by-name follow-up lists.

The welfare registry (DTKS / P3KE / DTSEN style, canonical table ``registry``) lists every
registered household by name and address with its welfare decile and its receipt flags
``rcv_<code>``. This module turns *needs rules* (which decile and which members make a
household a candidate for which programme; :file:`tkpk_lib/reference/needs_rules.csv`) into

* :func:`eligibility` - one flag per household and programme;
* :func:`follow_up_list` - households that should get a programme but do not, one row per
  household x missing programme, with a keyed pseudonym instead of NIK/KK/name/address and
  the office (OPD) that has to follow up;
* :func:`follow_up_by_desa`, :func:`registry_summary` (:func:`rollup_summary` for coarser
  levels of a summary without a new scan), :func:`registry_combinations` and
  :func:`registry_coverage` - counts for the TKPK tables;
* :func:`compare_survey_registry` - registry coverage against the Susenas estimate and its
  confidence interval.

Design
------
The rules are data, never code: each rule is a decile range plus lists of member-count
columns of which *any* (``require_any``) or *all* (``require_all``) must be positive. The
rules are compiled into SQL and run by DuckDB, which reads either a pandas DataFrame or
Parquet files (a path, a folder or a glob). The same code therefore handles the demo
registry (600,000 households, a second or two) and registries larger than memory (DuckDB
streams Parquet and spills to disk). Column names in rules are checked against a strict
pattern and against the table before they reach SQL.

Pseudonyms are HMAC-SHA256 of the NIK under the user's key, first 16 hex characters,
identical to :func:`tkpk_lib.privacy.pseudonymise`; they are computed inside DuckDB
(HMAC written out as two SHA-256 passes over the padded key, RFC 2104) so that the NIK never
leaves the engine. The key is passed as a query parameter, never as SQL text.

The rules shipped with the package come from secondary sources (domain notes 3.2 and 3.4)
and are marked as such in the file; a TKPK should replace them with the criteria of the
year (Kemensos/Permensos, juknis of each programme).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from tkpk_lib.errors import Problem, SchemaError, TkpkError
from tkpk_lib.schemas import PROGRAMMES, REGISTRY

__all__ = [
    "RULE_COLUMNS",
    "compare_survey_registry",
    "eligibility",
    "follow_up_by_desa",
    "follow_up_list",
    "load_rules",
    "registry_combinations",
    "registry_coverage",
    "registry_summary",
    "rollup_summary",
]

RULE_COLUMNS: tuple[str, ...] = (
    "programme", "office", "active", "min_decile", "max_decile", "require_any", "require_all",
    "rule_text", "source", "confidence",
)
"""Columns of a needs-rules table (:file:`reference/needs_rules.csv`)."""

FOLLOW_UP_COLUMNS: tuple[str, ...] = (
    "pseudonym", "desa_code", "kec_code", "kab_code", "row_no", "decile", "programme", "office",
)
"""Columns of a follow-up list; by construction no personal data."""

_IDENT = re.compile(r"^[a-z_][a-z0-9_]*$")
_REGION = ("kab_code", "kec_code", "desa_code")
_PII = tuple(REGISTRY.pii_columns)

RegistrySource = pd.DataFrame | str | Path | Sequence[str | Path]


# --------------------------------------------------------------------------- rules

def _split_cols(value: Any) -> list[str]:
    if isinstance(value, (tuple, list)):
        return [str(v).strip() for v in value if str(v).strip()]
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return []
    return [p.strip() for p in re.split(r"[,;]", str(value)) if p.strip()]


def load_rules(path: str | Path | pd.DataFrame | None = None) -> pd.DataFrame:
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
    return r.reset_index(drop=True)


def _q(name: str) -> str:
    if not _IDENT.match(name):
        raise TkpkError(f"not a valid column name: {name!r}")
    return f'"{name}"'


def _condition(rule: pd.Series) -> str:
    parts = [f'"decile" BETWEEN {int(rule["min_decile"])} AND {int(rule["max_decile"])}']
    if rule["require_any"]:
        parts.append("(" + " OR ".join(f"{_q(c)} > 0" for c in rule["require_any"]) + ")")
    parts += [f"{_q(c)} > 0" for c in rule["require_all"]]
    return "(" + " AND ".join(parts) + ")"


def _flags(rules: pd.DataFrame) -> dict[str, tuple[str, str]]:
    """SQL boolean expressions (eligible, received) per programme."""
    return {p: (_condition(r), f'(CAST("rcv_{p}" AS INTEGER) = 1)') for p, r in
            zip(rules["programme"], (row for _, row in rules.iterrows()), strict=True)}


# --------------------------------------------------------------------------- sources

class _Source:
    """A DuckDB connection with the registry available as relation ``src``."""

    def __init__(self, registry: RegistrySource, *, memory_limit: str | None = None,
                 threads: int | None = None):
        config: dict[str, Any] = {}
        if memory_limit:
            config["memory_limit"] = memory_limit
        if threads:
            config["threads"] = threads
        self.con = duckdb.connect(config=config)
        # no progress bar (it would print into reports); only switched off when on: in a Jupyter
        # kernel without ipywidgets duckdb refuses any change of the setting, even to false
        if self.con.execute("SELECT current_setting('enable_progress_bar')").fetchall()[0][0]:
            self.con.execute("SET enable_progress_bar = false")
        if isinstance(registry, pd.DataFrame):
            self.name = "registry"
            self.con.register("src", registry)
        else:
            paths = [registry] if isinstance(registry, (str, Path)) else list(registry)
            files: list[str] = []
            for p in paths:
                p = Path(p)
                if p.is_dir():
                    files.append(str(p / "**" / "*.parquet"))
                elif p.is_file() or any(ch in str(p) for ch in "*?["):
                    files.append(str(p))
                else:
                    raise TkpkError(f"{p}: registry file not found")
            self.name = ", ".join(files)
            lit = "[" + ", ".join("'" + f.replace("'", "''") + "'" for f in files) + "]"
            self.con.execute(f"CREATE VIEW src AS SELECT * FROM read_parquet({lit})")
        self.columns = [r[0] for r in self.con.execute("DESCRIBE SELECT * FROM src").fetchall()]

    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> _Source:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def check(self, rules: pd.DataFrame, extra: Sequence[str] = ()) -> None:
        """Raise SchemaError when a needed column is absent, missing or out of range."""
        need = ["row_no", "decile", *_REGION, *extra]
        for _, r in rules.iterrows():
            need += [*r["require_any"], *r["require_all"], f"rcv_{r['programme']}"]
        self.check_columns(need)

    def check_columns(self, need: Sequence[str]) -> None:
        """Raise SchemaError when a column is absent, or has missing / out-of-range values."""
        need = list(dict.fromkeys(need))
        absent = [c for c in need if c not in self.columns]
        if absent:
            raise SchemaError([Problem(self.name, c, "required column missing") for c in absent])
        tests: list[tuple[str, str, str]] = []
        for c in need:
            tests.append((c, "missing value", f"{_q(c)} IS NULL"))
        if "decile" in need:
            tests.append(("decile", "decile outside 1-10", '"decile" NOT BETWEEN 1 AND 10'))
        if "desa_code" in need:
            tests.append(("desa_code", "desa code must be 10 digits",
                          'TRY_CAST("desa_code" AS BIGINT) IS NULL OR length(CAST("desa_code" AS VARCHAR)) <> 10'))
        for c in need:
            if c.startswith("rcv_"):
                tests.append((c, "flag must be 0 or 1", f"CAST({_q(c)} AS INTEGER) NOT IN (0, 1)"))
            elif c.startswith("n_"):
                tests.append((c, "negative count", f"{_q(c)} < 0"))
        sel = ", ".join(f"count(*) FILTER (WHERE {cond})" for _, _, cond in tests)
        counts = self.con.execute(f"SELECT {sel} FROM src").fetchall()[0]
        problems = []
        for (col, msg, cond), k in zip(tests, counts, strict=True):
            if k:
                rows = [int(x[0]) for x in self.con.execute(
                    f'SELECT "row_no" FROM src WHERE {cond} ORDER BY "row_no" LIMIT 20').fetchall()
                    if x[0] is not None]
                more = f" ({k} row(s))" if len(rows) < k else ""
                problems.append(Problem(self.name, col, msg + more, rows))
        if problems:
            raise SchemaError(problems)


def _fetch(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any] | None = None) -> pd.DataFrame:
    """Run a query and return a pandas frame through Arrow (several times faster than ``.df()``
    for string columns under pandas 3)."""
    return con.sql(sql, params=params).to_arrow_table().to_pandas()


def _by_list(by: str | Sequence[str] | None) -> list[str]:
    if by is None:
        return []
    if isinstance(by, str):
        return [by]
    return list(by)


# --------------------------------------------------------------------------- eligibility

def eligibility(registry: RegistrySource, rules: pd.DataFrame | str | Path | None = None, *,
                long: bool = False, programmes: Sequence[str] | None = None) -> pd.DataFrame:
    """Eligibility of every registry household for every programme with an active rule.

    Parameters
    ----------
    registry : DataFrame, path, folder, glob or list of paths
        Canonical ``registry`` table, in memory or as Parquet.
    rules : DataFrame or path, optional
        Needs rules (:func:`load_rules`); default the shipped rules.
    long : bool, default False
        Return one row per household x programme instead of one row per household.
    programmes : sequence of str, optional
        Restrict to these programme codes.

    Returns
    -------
    pandas.DataFrame
        Wide: ``row_no``, ``kab_code``, ``kec_code``, ``desa_code``, ``decile``, then
        ``elig_<code>`` and ``rcv_<code>`` (0/1 int8) per programme, sorted by ``row_no``.
        Long: the region and decile columns, ``programme``, ``eligible``, ``received``,
        ``missing`` (eligible and not received). Never NIK, KK, name or address.

    Examples
    --------
    >>> reg = pd.DataFrame({"row_no": [1, 2], "kab_code": "1701", "kec_code": "170101",
    ...     "desa_code": "1701012001", "decile": [1, 6], "n_children_7_18": [2, 2],
    ...     "rcv_pip": [0, 0]})
    >>> eligibility(reg, programmes=["pip"])["elig_pip"].tolist()
    [1, 0]
    """
    r = _active(rules, programmes)
    flags = _flags(r)
    with _Source(registry) as s:
        s.check(r)
        cols = ", ".join(f'CAST({e} AS TINYINT) AS elig_{p}, CAST("rcv_{p}" AS TINYINT) AS rcv_{p}'
                         for p, (e, _) in flags.items())
        sql = (f'SELECT "row_no", "kab_code", "kec_code", "desa_code", "decile", {cols} '
               f'FROM src ORDER BY "row_no"')
        wide = _fetch(s.con, sql)
    if not long:
        return wide
    ids = ["row_no", "kab_code", "kec_code", "desa_code", "decile"]
    parts = []
    for p in flags:
        part = wide[ids].copy()
        part["programme"] = p
        part["eligible"] = wide[f"elig_{p}"]
        part["received"] = wide[f"rcv_{p}"]
        part["missing"] = ((part["eligible"] == 1) & (part["received"] == 0)).astype("int8")
        parts.append(part)
    return pd.concat(parts, ignore_index=True).sort_values(["row_no", "programme"], kind="stable",
                                                           ignore_index=True)


# --------------------------------------------------------------------------- follow-up

def _hmac_pads(key: bytes) -> tuple[bytes, bytes]:
    """Inner and outer padded keys of HMAC-SHA256 (RFC 2104, block size 64 bytes)."""
    import hashlib

    if not key:
        raise TkpkError("pseudonymisation key is empty")
    if len(key) > 64:
        key = hashlib.sha256(key).digest()
    key = key.ljust(64, b"\0")
    return bytes(b ^ 0x36 for b in key), bytes(b ^ 0x5C for b in key)


_PSEUDONYM_SQL = ("substr(sha256(?::BLOB || unhex(sha256(?::BLOB || "
                  "encode(trim(CAST(\"nik\" AS VARCHAR), ' \t\n\r'))))), 1, 16)")


def _follow_up_sql(flags: dict[str, tuple[str, str]]) -> str:
    miss = ", ".join(f"CAST(({e}) AND NOT {rc} AS TINYINT) AS {p}" for p, (e, rc) in flags.items())
    any_miss = " OR ".join(f"(({e}) AND NOT {rc})" for e, rc in flags.values())
    on = ", ".join(flags)
    return f"""
WITH base AS (
  SELECT {_PSEUDONYM_SQL} AS pseudonym, "desa_code", "kec_code", "kab_code", "row_no", "decile", {miss}
  FROM src WHERE {any_miss}
), long AS (
  UNPIVOT base ON {on} INTO NAME programme VALUE flag
)
SELECT l.pseudonym, l.desa_code, l.kec_code, l.kab_code, CAST(l.row_no AS BIGINT) AS row_no,
       CAST(l.decile AS TINYINT) AS decile, l.programme, o.office
FROM long l JOIN offices o USING (programme)
WHERE l.flag = 1
ORDER BY CAST(l.desa_code AS BIGINT), l.row_no, o.ord
"""


def follow_up_list(registry: RegistrySource, rules: pd.DataFrame | str | Path | None = None,
                   key: bytes | None = None, *, programmes: Sequence[str] | None = None,
                   out: str | Path | None = None, memory_limit: str | None = None) -> pd.DataFrame | Path:
    """By-name follow-up list: households that should get a programme but do not.

    Parameters
    ----------
    registry : DataFrame, path, folder, glob or list of paths
        Canonical ``registry`` table, in memory or as Parquet.
    rules : DataFrame or path, optional
        Needs rules; default the shipped rules.
    key : bytes, optional
        Pseudonymisation key; default :func:`tkpk_lib.privacy.load_key` (file or
        ``$TKPK_PSEUDONYM_KEY``). The same NIK and key give the same pseudonym as
        :func:`tkpk_lib.privacy.pseudonymise`, so the office holding the key can find the
        household in its own copy of the registry.
    programmes : sequence of str, optional
        Restrict to these programme codes.
    out : path, optional
        Write the list to this Parquet file in streamed batches (for registries larger
        than memory) and return the path instead of a DataFrame.
    memory_limit : str, optional
        DuckDB memory limit, e.g. ``"2GB"``; beyond it DuckDB spills to disk.

    Returns
    -------
    pandas.DataFrame or pathlib.Path
        One row per household x missing programme with :data:`FOLLOW_UP_COLUMNS`
        (``pseudonym``, ``desa_code``, ``kec_code``, ``kab_code``, ``row_no``, ``decile``,
        ``programme``, ``office``), sorted by region, ``row_no`` and rule order. It never
        holds NIK, KK number, name or address.

    Examples
    --------
    >>> reg = pd.DataFrame({"row_no": [1, 2], "nik": ["1701014507900001", "1701015507900002"],
    ...     "kab_code": "1701", "kec_code": "170101", "desa_code": "1701012001",
    ...     "decile": [1, 6], "n_children_7_18": [2, 2], "rcv_pip": [0, 0]})
    >>> fl = follow_up_list(reg, key=b"k" * 32, programmes=["pip"])
    >>> fl[["row_no", "programme", "office"]].values.tolist()
    [[1, 'pip', 'Dinas Pendidikan']]
    """
    if key is None:
        from tkpk_lib.privacy import load_key

        key = load_key()
    ipad, opad = _hmac_pads(key)
    r = _active(rules, programmes)
    flags = _flags(r)
    offices = pd.DataFrame({"programme": r["programme"].astype(object), "office": r["office"].astype(object),
                            "ord": np.arange(len(r))})
    with _Source(registry, memory_limit=memory_limit) as s:
        s.check(r, extra=("nik",))
        s.con.register("offices", offices)
        sql = _follow_up_sql(flags)
        params = [opad, ipad]
        if out is None:
            res = _fetch(s.con, sql, params)
            res = res[list(FOLLOW_UP_COLUMNS)]
            _assert_no_pii(res)
            return res
        import pyarrow.parquet as pq

        out = Path(out)
        out.parent.mkdir(parents=True, exist_ok=True)
        reader = s.con.sql(sql, params=params).to_arrow_reader(200_000)
        writer = None
        try:
            for batch in reader:
                if writer is None:
                    writer = pq.ParquetWriter(out, batch.schema)
                writer.write_batch(batch)
            if writer is None:
                writer = pq.ParquetWriter(out, reader.schema)
        finally:
            if writer is not None:
                writer.close()
        return out


def _assert_no_pii(df: pd.DataFrame) -> None:
    leaked = [c for c in df.columns if c in _PII]
    if leaked:  # pragma: no cover - guard against future edits
        raise TkpkError(f"internal error: personal data columns {leaked} in a follow-up output")


def follow_up_by_desa(registry: RegistrySource, rules: pd.DataFrame | str | Path | None = None, *,
                      programmes: Sequence[str] | None = None,
                      summary: pd.DataFrame | None = None) -> pd.DataFrame:
    """Number of households to follow up, per desa x programme, with the responsible office.

    Parameters
    ----------
    registry : DataFrame, path, folder, glob or list of paths
        Canonical ``registry`` table (not read when ``summary`` is given).
    rules : DataFrame or path, optional
        Needs rules; default the shipped rules.
    programmes : sequence of str, optional
        Restrict to these programme codes.
    summary : DataFrame, optional
        :func:`registry_summary` of the same registry, rules and programmes by
        ``("kab_code", "kec_code", "desa_code")`` (its default), when the caller already
        has it: the table is derived from it instead of scanning the registry again.

    Returns
    -------
    pandas.DataFrame
        ``kab_code``, ``kec_code``, ``desa_code``, ``programme``, ``office``,
        ``n_households`` (eligible but not receiving), ``n_eligible``; only desa x
        programme pairs with at least one household to follow up, sorted by region and
        rule order. No key is needed: the table holds counts only.

    Examples
    --------
    >>> reg = pd.DataFrame({"row_no": [1, 2], "kab_code": "1701", "kec_code": "170101",
    ...     "desa_code": "1701012001", "decile": [1, 2], "n_children_7_18": [2, 1],
    ...     "rcv_pip": [0, 1]})
    >>> follow_up_by_desa(reg, programmes=["pip"])[["n_households", "n_eligible"]].values.tolist()
    [[1, 2]]
    """
    if summary is None:
        s = registry_summary(registry, rules, by=_REGION, programmes=programmes)
    else:
        absent = [c for c in (*_REGION, "programme", "missing", "eligible") if c not in summary.columns]
        if absent:
            raise SchemaError([Problem("registry summary", c, "required column missing (a summary by "
                                       "kab_code, kec_code, desa_code is needed)") for c in absent])
        s = summary
    s = s[(s["programme"] != "any") & (s["missing"] > 0)]
    r = _active(rules, programmes)
    off = dict(zip(r["programme"], r["office"], strict=True))
    order = {p: i for i, p in enumerate(r["programme"])}
    res = s.assign(office=s["programme"].map(off), _o=s["programme"].map(order))
    res = res.sort_values([*_REGION, "_o"], kind="stable", ignore_index=True)
    return res[[*_REGION, "programme", "office", "missing", "eligible"]].rename(
        columns={"missing": "n_households", "eligible": "n_eligible"})


# --------------------------------------------------------------------------- summaries

def registry_summary(registry: RegistrySource, rules: pd.DataFrame | str | Path | None = None,
                     by: str | Sequence[str] | None = ("kab_code", "kec_code", "desa_code"), *,
                     programmes: Sequence[str] | None = None) -> pd.DataFrame:
    """Eligible, covered and missing households per programme and region.

    Parameters
    ----------
    registry : DataFrame, path, folder, glob or list of paths
        Canonical ``registry`` table.
    rules : DataFrame or path, optional
        Needs rules; default the shipped rules.
    by : str or sequence of str, default ("kab_code", "kec_code", "desa_code")
        Grouping columns; ``None`` or ``()`` for the whole registry.
    programmes : sequence of str, optional
        Restrict to these programme codes.

    Returns
    -------
    pandas.DataFrame
        One row per group x programme (rule order, then ``"any"``) with
        ``n_households``, ``eligible``, ``received``, ``covered`` (eligible and
        receiving), ``missing`` (eligible, not receiving), ``received_not_eligible``,
        ``coverage_rate`` = covered / eligible and ``leakage_rate`` =
        received_not_eligible / received (NaN when the denominator is 0).
        For ``"any"``: eligible = eligible for at least one programme, missing = missing
        at least one programme (households on the follow-up list), covered = eligible
        and missing none, received = receives at least one programme with a rule,
        received_not_eligible = receives a programme it is not eligible for.

    Examples
    --------
    >>> reg = pd.DataFrame({"row_no": [1, 2, 3], "kab_code": "1701", "kec_code": "170101",
    ...     "desa_code": "1701012001", "decile": [1, 2, 8], "n_children_7_18": [2, 1, 1],
    ...     "rcv_pip": [0, 1, 1]})
    >>> s = registry_summary(reg, by="kab_code", programmes=["pip"])
    >>> s.loc[0, ["eligible", "covered", "missing", "received_not_eligible"]].tolist()
    [2, 1, 1, 1]
    """
    r = _active(rules, programmes)
    flags = _flags(r)
    byl = _by_list(by)
    for b in byl:
        _q(b)
    aggs = ["count(*) AS n_households"]
    for p, (e, rc) in flags.items():
        aggs += [
            f"count(*) FILTER (WHERE {e}) AS \"eligible|{p}\"",
            f"count(*) FILTER (WHERE {rc}) AS \"received|{p}\"",
            f"count(*) FILTER (WHERE ({e}) AND {rc}) AS \"covered|{p}\"",
            f"count(*) FILTER (WHERE ({e}) AND NOT {rc}) AS \"missing|{p}\"",
            f"count(*) FILTER (WHERE NOT ({e}) AND {rc}) AS \"received_not_eligible|{p}\"",
        ]
    any_e = " OR ".join(f"({e})" for e, _ in flags.values())
    any_m = " OR ".join(f"(({e}) AND NOT {rc})" for e, rc in flags.values())
    any_r = " OR ".join(rc for _, rc in flags.values())
    any_l = " OR ".join(f"(NOT ({e}) AND {rc})" for e, rc in flags.values())
    aggs += [
        f"count(*) FILTER (WHERE {any_e}) AS \"eligible|any\"",
        f"count(*) FILTER (WHERE {any_r}) AS \"received|any\"",
        f"count(*) FILTER (WHERE ({any_e}) AND NOT ({any_m})) AS \"covered|any\"",
        f"count(*) FILTER (WHERE {any_m}) AS \"missing|any\"",
        f"count(*) FILTER (WHERE {any_l}) AS \"received_not_eligible|any\"",
    ]
    bysql = ", ".join(_q(b) for b in byl)
    sql = f"SELECT {bysql + ', ' if byl else ''}{', '.join(aggs)} FROM src"
    if byl:
        sql += f" GROUP BY {bysql} ORDER BY {bysql}"
    with _Source(registry) as s:
        s.check(r, extra=byl)
        wide = _fetch(s.con, sql)
    parts = []
    for p in [*flags, "any"]:
        part = wide[[*byl, "n_households"]].copy()
        part.insert(len(byl), "programme", p)
        for m in _SUMMARY_COUNTS[1:]:
            part[m] = wide[f"{m}|{p}"].astype("int64")
        parts.append(part)
    res = pd.concat(parts, ignore_index=True)
    return _finish_summary(res, byl, [*flags, "any"])


_SUMMARY_COUNTS = ("n_households", "eligible", "received", "covered", "missing", "received_not_eligible")


def _finish_summary(res: pd.DataFrame, byl: list[str], order: Sequence[str]) -> pd.DataFrame:
    """Sort a long summary by group and rule order and add the two rates."""
    pos = {p: i for i, p in enumerate(order)}
    res = res.assign(_o=res["programme"].map(pos)).sort_values([*byl, "_o"], kind="stable",
                                                               ignore_index=True).drop(columns="_o")
    res["n_households"] = res["n_households"].astype("int64")
    with np.errstate(divide="ignore", invalid="ignore"):
        res["coverage_rate"] = np.where(res["eligible"] > 0, res["covered"] / res["eligible"].where(
            res["eligible"] > 0, 1), np.nan)
        res["leakage_rate"] = np.where(res["received"] > 0, res["received_not_eligible"] / res["received"].where(
            res["received"] > 0, 1), np.nan)
    return res


def rollup_summary(summary: pd.DataFrame, by: str | Sequence[str] | None = ("kab_code",)) -> pd.DataFrame:
    """A :func:`registry_summary` at a coarser level, from a finer one without a new scan.

    Every count of the summary (households, eligible, received, covered, missing,
    received-not-eligible, also for ``"any"``) is a number of households of the group, so
    the counts of a coarser group are the sums over its finer groups; the rates are then
    recomputed. The result equals ``registry_summary(registry, by=by)`` (same rows, order,
    columns and types), which the tests check.

    Parameters
    ----------
    summary : pandas.DataFrame
        Output of :func:`registry_summary` grouped by a superset of ``by`` (e.g. by
        ``kab_code, kec_code, desa_code``).
    by : str, sequence of str or None, default ("kab_code",)
        Coarser grouping columns; ``None`` or ``()`` for the whole registry.

    Returns
    -------
    pandas.DataFrame
        As :func:`registry_summary` with ``by``.

    Examples
    --------
    >>> reg = pd.DataFrame({"row_no": [1, 2, 3], "kab_code": "1701", "kec_code": "170101",
    ...     "desa_code": ["1701012001", "1701012001", "1701012002"], "decile": [1, 2, 8],
    ...     "n_children_7_18": [2, 1, 1], "rcv_pip": [0, 1, 1]})
    >>> desa = registry_summary(reg, programmes=["pip"])
    >>> rollup_summary(desa, by=None).loc[0, ["eligible", "covered", "missing"]].tolist()
    [2, 1, 1]
    """
    byl = _by_list(by)
    absent = [c for c in (*byl, "programme", *_SUMMARY_COUNTS) if c not in summary.columns]
    if absent:
        raise SchemaError([Problem("registry summary", c, "required column missing") for c in absent])
    order = list(dict.fromkeys(summary["programme"]))  # rule order, then "any"
    res = summary.groupby([*byl, "programme"], sort=False, dropna=False)[list(_SUMMARY_COUNTS)].sum()
    res = res.reset_index()
    for m in _SUMMARY_COUNTS:
        res[m] = res[m].astype("int64")
    return _finish_summary(res, byl, order)


def registry_combinations(registry: RegistrySource, rules: pd.DataFrame | str | Path | None = None,
                          by: str | Sequence[str] | None = ("kab_code",), *, what: str = "missing",
                          programmes: Sequence[str] | None = None) -> pd.DataFrame:
    """Households by combination of programmes missing, received or eligible.

    Parameters
    ----------
    registry : DataFrame, path, folder, glob or list of paths
        Canonical ``registry`` table.
    rules : DataFrame or path, optional
        Needs rules; default the shipped rules.
    by : str or sequence of str, default ("kab_code",)
        Grouping columns; ``None`` for the whole registry.
    what : {"missing", "received", "eligible"}, default "missing"
        Which flags make up the combination.
    programmes : sequence of str, optional
        Restrict to these programme codes.

    Returns
    -------
    pandas.DataFrame
        ``by`` columns, ``combination`` (codes joined with ``+`` in rule order, ``"none"``
        when empty), ``n_programmes``, ``n_households``, ``share`` (of the group),
        sorted by group and decreasing count.

    Examples
    --------
    >>> reg = pd.DataFrame({"row_no": [1, 2], "kab_code": "1701", "kec_code": "170101",
    ...     "desa_code": "1701012001", "decile": [1, 9], "rcv_pbi": [0, 0], "rcv_bpnt": [0, 0]})
    >>> registry_combinations(reg, by=None, programmes=["bpnt", "pbi"])["combination"].tolist()
    ['bpnt+pbi', 'none']
    """
    if what not in ("missing", "received", "eligible"):
        raise TkpkError(f"registry_combinations: what must be missing, received or eligible, not {what!r}")
    r = _active(rules, programmes)
    flags = _flags(r)
    byl = _by_list(by)
    for b in byl:
        _q(b)
    pick = {"missing": lambda e, rc: f"(({e}) AND NOT {rc})",
            "received": lambda e, rc: rc,
            "eligible": lambda e, rc: f"({e})"}[what]
    cases = ", ".join(f"CASE WHEN {pick(e, rc)} THEN '{p}' END" for p, (e, rc) in flags.items())
    nprog = " + ".join(f"CAST({pick(e, rc)} AS INTEGER)" for e, rc in flags.values())
    bysql = ", ".join(_q(b) for b in byl)
    sql = f"""
SELECT {bysql + ', ' if byl else ''}
       CASE WHEN combo = '' THEN 'none' ELSE combo END AS combination,
       any_value(np) AS n_programmes, count(*) AS n_households
FROM (SELECT *, concat_ws('+', {cases}) AS combo, {nprog} AS np FROM src)
GROUP BY {bysql + ', ' if byl else ''}combo
"""
    with _Source(registry) as s:
        s.check(r, extra=byl)
        res = _fetch(s.con, sql)
    res["n_programmes"] = res["n_programmes"].astype("int64")
    res["n_households"] = res["n_households"].astype("int64")
    tot = res.groupby(byl)["n_households"].transform("sum") if byl else res["n_households"].sum()
    res["share"] = res["n_households"] / tot
    res = res.sort_values([*byl, "n_households", "combination"], ascending=[True] * len(byl) + [False, True],
                          kind="stable", ignore_index=True)
    return res


def registry_coverage(registry: RegistrySource, by: str | Sequence[str] | None = ("kab_code",), *,
                      max_decile: int = 4, programmes: Sequence[str] | None = None) -> pd.DataFrame:
    """Registry receipt counts and coverage of deciles 1..``max_decile``, per group and programme.

    This is the registry counterpart of the Susenas coverage of households whose linked
    registry decile is 1-4 (``target_registry`` in :func:`tkpk_lib.analysis.coverage.add_targets`),
    for :func:`compare_survey_registry`.

    Parameters
    ----------
    registry : DataFrame, path, folder, glob or list of paths
        Canonical ``registry`` table.
    by : str or sequence of str, default ("kab_code",)
        Grouping columns.
    max_decile : int, default 4
        Target deciles are 1..max_decile.
    programmes : sequence of str, optional
        Programme codes; default every ``rcv_<code>`` of :data:`tkpk_lib.schemas.PROGRAMMES`
        present in the registry.

    Returns
    -------
    pandas.DataFrame
        ``by`` columns, ``programme``, ``n_households``, ``n_target``, ``recipients``,
        ``recipients_in_target``, ``coverage`` (= recipients_in_target / n_target),
        ``target_share_of_recipients`` (= recipients_in_target / recipients).

    Examples
    --------
    >>> reg = pd.DataFrame({"row_no": [1, 2, 3], "kab_code": "1701", "decile": [1, 3, 7],
    ...     "rcv_pkh": [1, 0, 1]})
    >>> registry_coverage(reg, programmes=["pkh"])[["coverage", "target_share_of_recipients"]].values.tolist()
    [[0.5, 0.5]]
    """
    if not 1 <= int(max_decile) <= 10:
        raise TkpkError(f"registry_coverage: max_decile must be 1-10, not {max_decile}")
    byl = _by_list(by)
    with _Source(registry) as s:
        progs = list(programmes) if programmes is not None else [
            p for p in PROGRAMMES if f"rcv_{p}" in s.columns]
        for p in progs:
            if p not in PROGRAMMES:
                raise TkpkError(f"registry_coverage: unknown programme {p!r}")
        s.check_columns(["row_no", "decile", *byl, *(f"rcv_{p}" for p in progs)])
        k = int(max_decile)
        aggs = ["count(*) AS n_households", f'count(*) FILTER (WHERE "decile" <= {k}) AS n_target']
        for p in progs:
            aggs += [f'sum(CAST("rcv_{p}" AS BIGINT)) AS "recipients|{p}"',
                     f'sum(CAST("rcv_{p}" AS BIGINT)) FILTER (WHERE "decile" <= {k}) AS "recipients_in_target|{p}"']
        bysql = ", ".join(_q(b) for b in byl)
        sql = f"SELECT {bysql + ', ' if byl else ''}{', '.join(aggs)} FROM src"
        if byl:
            sql += f" GROUP BY {bysql} ORDER BY {bysql}"
        wide = _fetch(s.con, sql)
    parts = []
    for p in progs:
        part = wide[[*byl, "n_households", "n_target"]].copy()
        part.insert(len(byl), "programme", p)
        part["recipients"] = wide[f"recipients|{p}"].fillna(0).astype("int64")
        part["recipients_in_target"] = wide[f"recipients_in_target|{p}"].fillna(0).astype("int64")
        parts.append(part)
    res = pd.concat(parts, ignore_index=True)
    res[["n_households", "n_target"]] = res[["n_households", "n_target"]].astype("int64")
    res["coverage"] = res["recipients_in_target"] / res["n_target"].where(res["n_target"] > 0)
    res["target_share_of_recipients"] = res["recipients_in_target"] / res["recipients"].where(res["recipients"] > 0)
    order = {p: i for i, p in enumerate(progs)}
    return res.assign(_o=res["programme"].map(order)).sort_values(
        [*byl, "_o"], kind="stable", ignore_index=True).drop(columns="_o")


# --------------------------------------------------------------------------- survey vs registry

def compare_survey_registry(survey_cov: pd.DataFrame, registry_cov: pd.DataFrame,
                            by: str | Sequence[str] = ("kab_code",), *, registry_value: str = "coverage",
                            indicator: str | None = "coverage") -> pd.DataFrame:
    """Registry coverage against the survey estimate and its confidence interval.

    A registry figure outside the survey confidence interval disagrees with the survey
    beyond sampling error: the registry flags, the linkage, the target definition or the
    survey answers need a look. The two inputs must measure the same thing, e.g. the
    Susenas coverage of households with linked registry decile 1-4
    (``coverage.targeting(..., target="target_registry")``) against
    :func:`registry_coverage` (``coverage`` column), or the survey total of recipients
    against the registry count of recipients (``registry_value="recipients"``).

    Parameters
    ----------
    survey_cov : pandas.DataFrame
        Survey estimates: ``by`` columns, ``programme``, ``estimate``, ``se``, ``ci_low``,
        ``ci_high`` (other columns such as ``reliability`` and ``n`` are kept). When it has
        an ``indicator`` column, only rows with ``indicator`` are used.
    registry_cov : pandas.DataFrame
        Registry figures: ``by`` columns, ``programme`` and ``registry_value``.
    by : str or sequence of str, default ("kab_code",)
        Columns to match on (besides ``programme``).
    registry_value : str, default "coverage"
        Column of ``registry_cov`` to compare.
    indicator : str or None, default "coverage"
        Indicator to keep when ``survey_cov`` has an ``indicator`` column.

    Returns
    -------
    pandas.DataFrame
        ``by``, ``programme``, ``survey_estimate``, ``se``, ``ci_low``, ``ci_high``,
        ``registry`` , ``difference`` (registry - survey), ``z`` (difference / se),
        ``agreement`` in {"within_ci", "registry_below", "registry_above",
        "no_survey_estimate", "no_registry_value"} and ``disagree`` (0/1), plus
        ``reliability``/``n`` of the survey when present.

    Examples
    --------
    >>> sv = pd.DataFrame({"kab_code": ["1701"], "programme": ["pkh"], "estimate": [0.40],
    ...     "se": [0.05], "ci_low": [0.30], "ci_high": [0.50]})
    >>> rg = pd.DataFrame({"kab_code": ["1701"], "programme": ["pkh"], "coverage": [0.62]})
    >>> compare_survey_registry(sv, rg)["agreement"].tolist()
    ['registry_above']
    """
    byl = _by_list(by)
    sv = survey_cov
    if indicator is not None and "indicator" in sv.columns:
        sv = sv[sv["indicator"] == indicator]
    need_s = [*byl, "programme", "estimate", "se", "ci_low", "ci_high"]
    miss = [c for c in need_s if c not in sv.columns]
    miss_r = [c for c in [*byl, "programme", registry_value] if c not in registry_cov.columns]
    if miss or miss_r:
        raise SchemaError([Problem("survey estimates", c, "required column missing") for c in miss]
                          + [Problem("registry figures", c, "required column missing") for c in miss_r])
    keys = [*byl, "programme"]
    for name, frame in (("survey estimates", sv), ("registry figures", registry_cov)):
        dup = frame.duplicated(keys, keep=False).to_numpy()
        if dup.any():
            raise SchemaError([Problem(name, ",".join(keys), "more than one row per group and programme",
                                       (np.flatnonzero(dup) + 1).tolist())])
    extra = [c for c in ("reliability", "n") if c in sv.columns]
    left = sv[[*need_s, *extra]].rename(columns={"estimate": "survey_estimate"})
    right = registry_cov[[*keys, registry_value]].rename(columns={registry_value: "registry"})
    res = left.merge(right, on=keys, how="outer", sort=True)
    res["difference"] = res["registry"] - res["survey_estimate"]
    res["z"] = res["difference"] / res["se"].where(res["se"] > 0)
    agree = np.select(
        [res["survey_estimate"].isna(), res["registry"].isna(),
         res["registry"] < res["ci_low"], res["registry"] > res["ci_high"]],
        ["no_survey_estimate", "no_registry_value", "registry_below", "registry_above"],
        default="within_ci")
    res["agreement"] = pd.Series(agree, index=res.index, dtype=object).astype("str")
    res["disagree"] = res["agreement"].isin(["registry_below", "registry_above"]).astype("int8")
    cols = [*keys, "survey_estimate", "se", "ci_low", "ci_high", "registry", "difference", "z", "agreement",
            "disagree", *extra]
    return res[cols].reset_index(drop=True)
