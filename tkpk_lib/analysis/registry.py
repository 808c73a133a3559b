"""Registry side of programme coverage: eligibility and by-name follow-up lists (facade of the split).

The rules live in :mod:`~tkpk_lib.analysis.registry_rules`, the DuckDB access in
:mod:`~tkpk_lib.analysis.registry_source` and the counts for the TKPK tables in
:mod:`~tkpk_lib.analysis.registry_summary`; all are re-exported here, so
``tkpk_lib.analysis.registry`` (and ``tkpk_lib.analysis.registry``) keeps every name it had.

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

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

# re-exported: the registry module of the old layout held these (public API kept)
from tkpk_lib.analysis.registry_rules import (  # noqa: F401
    RULE_COLUMNS,
    _active,
    _condition,
    _flags,
    _split_cols,
    load_rules,
)
from tkpk_lib.analysis.registry_source import (
    _PII,
    _REGION,
    RegistrySource,
    _by_list,  # noqa: F401
    _fetch,
    _Source,
)
from tkpk_lib.analysis.registry_summary import (  # noqa: F401
    compare_survey_registry,
    registry_combinations,
    registry_coverage,
    registry_summary,
    rollup_summary,
)
from tkpk_lib.errors import Problem, SchemaError, TkpkError

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


FOLLOW_UP_COLUMNS: tuple[str, ...] = (
    "pseudonym", "desa_code", "kec_code", "kab_code", "row_no", "decile", "programme", "office",
)


"""Columns of a follow-up list; by construction no personal data."""


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
