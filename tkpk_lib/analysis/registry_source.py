"""DuckDB access to the welfare registry: a DataFrame or Parquet files (path, folder, glob) as relation ``src``.

:class:`_Source` opens the connection and checks the columns a query needs (absent, missing or
out-of-range values raise :class:`~tkpk_lib.errors.SchemaError` naming the rows); DuckDB streams
Parquet, so registries larger than memory work.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from tkpk_lib.analysis.registry_rules import _q
from tkpk_lib.data.schemas import REGISTRY
from tkpk_lib.errors import Problem, SchemaError, TkpkError

_REGION = ("kab_code", "kec_code", "desa_code")


_PII = tuple(REGISTRY.pii_columns)


RegistrySource = pd.DataFrame | str | Path | Sequence[str | Path]


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
    """Run a query and return a pandas frame through Arrow.

    Several times faster than ``.df()`` for string columns under pandas 3.
    """
    return con.sql(sql, params=params).to_arrow_table().to_pandas()


def _by_list(by: str | Sequence[str] | None) -> list[str]:
    if by is None:
        return []
    if isinstance(by, str):
        return [by]
    return list(by)
