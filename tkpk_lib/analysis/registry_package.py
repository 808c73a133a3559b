"""Registry households receiving the complementary package together (guideline 3.2.1.a.1.a, mechanism 2).

The guideline asks the OPD to make sure that "masyarakat miskin menerima kombinasi Program
Sembako, PKH, PBI-JKN Kesehatan, PIP, Subsidi LPG 3 Kg, dan Subsidi Listrik secara bersamaan"
(:data:`tkpk_lib.data.schemas.COMPLEMENTARY_PACKAGE`). :func:`complementary_package` counts, per
group, the registry households that meet the criteria (needs rules,
:file:`tkpk_lib/reference/needs_rules.csv`) of two or more programmes of the package, and how
many of them receive all of those programmes (``full``, "paket lengkap"), some but not all
(``partial``, "sebagian") or none (``none``, "tidak satu pun"), with the programme most often
missing among the partial ones. A household is judged only against the package programmes whose
criteria it meets: a household without school-age children is not missing PIP.

These are counts of the whole registry (a census of the registered households, no sampling
error). :func:`rollup_package` gives a coarser level (kabupaten/kota, province) from a finer one
without a new scan.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from tkpk_lib.analysis.registry_rules import _active, _flags, _q
from tkpk_lib.analysis.registry_source import RegistrySource, _by_list, _fetch, _Source
from tkpk_lib.data.schemas import COMPLEMENTARY_PACKAGE
from tkpk_lib.errors import Problem, SchemaError, TkpkError

#: Fewest package programmes a household must be eligible for to be counted (a "package" needs two).
MIN_PROGRAMMES = 2

#: Count columns of :func:`complementary_package` (before the per-programme ``missing_<code>``).
PACKAGE_COUNTS: tuple[str, ...] = ("n_households", "eligible", "full", "partial", "none")


def complementary_package(registry: RegistrySource, rules: pd.DataFrame | str | Path | None = None,
                          by: str | Sequence[str] | None = ("kab_code",), *,
                          package: Sequence[str] = COMPLEMENTARY_PACKAGE) -> pd.DataFrame:
    """Households eligible for 2+ package programmes receiving all, some or none of them, per group.

    Parameters
    ----------
    registry : DataFrame, path, folder, glob or list of paths
        Canonical ``registry`` table (DuckDB reads Parquet files without loading them).
    rules : DataFrame or path, optional
        Needs rules; default the shipped rules. Each package programme needs an active rule.
    by : str or sequence of str, default ("kab_code",)
        Grouping columns; ``None`` or ``()`` for the whole registry.
    package : sequence of str, default :data:`~tkpk_lib.data.schemas.COMPLEMENTARY_PACKAGE`
        Programme codes of the package (at least two).

    Returns
    -------
    pandas.DataFrame
        One row per group (sorted): ``n_households`` (all registry households), ``eligible``
        (households meeting the criteria of at least :data:`MIN_PROGRAMMES` package
        programmes), ``full`` (of those, receiving every package programme they are eligible
        for), ``partial`` (receiving at least one but not all), ``none`` (receiving none of
        them), ``share_full``, ``share_partial``, ``share_none`` (of ``eligible``; NaN when it
        is 0), ``missing_<code>`` per package programme (``partial`` households eligible for
        it and not receiving it), ``top_missing`` (the programme with the largest
        ``missing_<code>``, the first in package order on a tie; None without partial
        households) and ``top_missing_n``.

    Raises
    ------
    TkpkError
        Fewer than two programmes, a code not in the rules or without an active rule.
    SchemaError
        A column the rules need is absent from the registry or has missing/out-of-range values.

    Examples
    --------
    >>> reg = pd.DataFrame({"row_no": [1, 2, 3, 4], "kab_code": "1701", "kec_code": "170101",
    ...     "desa_code": "1701012001", "decile": [1, 1, 2, 9], "n_children_7_18": [1, 0, 0, 0],
    ...     "rcv_pbi": [1, 1, 0, 0], "rcv_pip": [0, 0, 0, 0]})
    >>> p = complementary_package(reg, package=["pbi", "pip"])
    >>> p[["eligible", "full", "partial", "none", "top_missing"]].values.tolist()
    [[1, 0, 1, 0, 'pip']]

    Households 2 and 3 are eligible for PBI-JKN only (no school-age child): not counted.
    """
    package = list(dict.fromkeys(package))
    if len(package) < MIN_PROGRAMMES:
        raise TkpkError(f"complementary_package: a package needs at least {MIN_PROGRAMMES} programmes, "
                        f"got {', '.join(package) or 'none'}")
    r = _active(rules, package)
    flags = _flags(r)
    byl = _by_list(by)
    bysql = ", ".join(_q(b) for b in byl)
    n_e = " + ".join(f"CAST({e} AS INTEGER)" for e, _ in flags.values())
    n_c = " + ".join(f"CAST(({e}) AND {rc} AS INTEGER)" for e, rc in flags.values())
    miss = ", ".join(f"CAST(({e}) AND NOT {rc} AS INTEGER) AS {_q('m_' + p)}" for p, (e, rc) in flags.items())
    el = f"ne >= {MIN_PROGRAMMES}"
    partial = f"{el} AND nc > 0 AND nc < ne"
    aggs = ["count(*) AS n_households", f"count(*) FILTER (WHERE {el}) AS eligible",
            f"count(*) FILTER (WHERE {el} AND nc = ne) AS full",
            f"count(*) FILTER (WHERE {partial}) AS partial",
            f"count(*) FILTER (WHERE {el} AND nc = 0) AS none"]
    aggs += [f"count(*) FILTER (WHERE {partial} AND {_q('m_' + p)} = 1) AS {_q('missing_' + p)}" for p in package]
    sql = (f"SELECT {bysql + ', ' if byl else ''}{', '.join(aggs)} FROM "
           f"(SELECT {bysql + ', ' if byl else ''}{n_e} AS ne, {n_c} AS nc, {miss} FROM src)")
    if byl:
        sql += f" GROUP BY {bysql} ORDER BY {bysql}"
    with _Source(registry) as s:
        s.check(r, extra=byl)
        res = _fetch(s.con, sql)
    return _finish(res, byl, package)


def _finish(res: pd.DataFrame, byl: list[str], package: Sequence[str]) -> pd.DataFrame:
    """Integer counts, the three shares and the most often missing programme, in column order."""
    counts = [*PACKAGE_COUNTS, *(f"missing_{p}" for p in package)]
    for c in counts:
        res[c] = res[c].fillna(0).astype("int64")
    den = res["eligible"].where(res["eligible"] > 0)
    for c in ("full", "partial", "none"):
        res[f"share_{c}"] = res[c] / den
    miss = res[[f"missing_{p}" for p in package]].to_numpy()
    top = np.argmax(miss, axis=1) if len(res) else np.array([], dtype=int)  # first in package order on a tie
    top_n = miss[np.arange(len(res)), top] if len(res) else np.array([], dtype="int64")
    res["top_missing"] = pd.Series([package[i] if n > 0 else None for i, n in zip(top, top_n, strict=True)],
                                   index=res.index, dtype=object)
    res["top_missing_n"] = np.asarray(top_n, dtype="int64")
    cols = [*byl, *PACKAGE_COUNTS, "share_full", "share_partial", "share_none",
            *(f"missing_{p}" for p in package), "top_missing", "top_missing_n"]
    return res[cols].reset_index(drop=True)


def package_codes(frame: pd.DataFrame) -> list[str]:
    """The package programmes of a :func:`complementary_package` result, in package order.

    Examples
    --------
    >>> package_codes(pd.DataFrame(columns=["eligible", "missing_pkh", "missing_pip"]))
    ['pkh', 'pip']
    """
    return [c[len("missing_"):] for c in frame.columns if c.startswith("missing_")]


def rollup_package(frame: pd.DataFrame, by: str | Sequence[str] | None = ("kab_code",)) -> pd.DataFrame:
    """A :func:`complementary_package` result at a coarser level, without a new scan.

    Every count is a number of households of the group, so a coarser group's counts are the
    sums of its finer groups; the shares and the most often missing programme are recomputed.
    The result equals ``complementary_package(registry, by=by)``.

    Parameters
    ----------
    frame : pandas.DataFrame
        Output of :func:`complementary_package` grouped by a superset of ``by``.
    by : str, sequence of str or None, default ("kab_code",)
        Coarser grouping columns; ``None`` or ``()`` for one total row.

    Returns
    -------
    pandas.DataFrame
        As :func:`complementary_package` with ``by``.

    Examples
    --------
    >>> kec = pd.DataFrame({"kab_code": ["1701", "1701"], "kec_code": ["170101", "170102"],
    ...     "n_households": [10, 8], "eligible": [6, 4], "full": [2, 1], "partial": [3, 1], "none": [1, 2],
    ...     "missing_pkh": [1, 1], "missing_pip": [2, 1]})
    >>> rollup_package(kec, by=None)[["eligible", "full", "share_full", "top_missing", "top_missing_n"]].values.tolist()
    [[10, 3, 0.3, 'pip', 3]]
    """
    byl = _by_list(by)
    package = package_codes(frame)
    need = [*byl, *PACKAGE_COUNTS]
    absent = [c for c in need if c not in frame.columns]
    if absent or not package:
        raise SchemaError([Problem("complementary package", c, "required column missing")
                           for c in absent or ["missing_<programme>"]])
    counts = [*PACKAGE_COUNTS, *(f"missing_{p}" for p in package)]
    if byl:
        res = frame.groupby(byl, sort=True, dropna=False)[counts].sum().reset_index()
    else:
        res = frame[counts].sum().to_frame().T
    return _finish(res, byl, package)
