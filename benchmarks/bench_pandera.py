"""Measured look at pandera for schema validation (issue 14 section 3: "consider a maintained library").

Job: the canonical Susenas ``households`` table of the demo (2024; 6,010 households) and the
same table repeated to national Susenas size (``--scale 50``: ~300,000 households, distinct
``hh_id``), validated on eight columns of :data:`tkpk_lib.data.schemas.HOUSEHOLDS` and its key:

* ``year`` int 2010-2100, ``hh_id`` text, not missing; ``kab_code`` text matching the
  province pattern and a known kabupaten/kota code; ``urban`` flag 0/1; ``weight`` > 0;
  ``hh_size`` int 1-40; ``exp_pc`` >= 0; ``poverty_line`` > 0; ``(year, hh_id)`` unique.

Two ways: the hand-written :func:`tkpk_lib.data.validate.validate_table` with a schema made of
those ``Column`` objects (taken from ``schemas.py``, not edited), and an equivalent
``pandera.pandas.DataFrameSchema`` (``coerce=True``, ``lazy=True`` so every failure is
collected, as ``validate_table`` collects every problem). Each is timed on the clean table and
on a copy with seven bad cells in four columns plus a duplicated key, and the messages each
gives for the bad copy are printed: the project requires the user's file, the user's column
name (as the file names it) and the data rows of the file.

pandera is not a dependency of the project; install it anywhere on the path to run this
(``pip install --target /tmp/pandera_site pandera`` then ``PYTHONPATH=.:/tmp/pandera_site``).

Run:  PYTHONPATH=. .venv/bin/python benchmarks/bench_pandera.py [--data PARQUET] [--scale 50]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import warnings
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tkpk_lib.data.schemas import HOUSEHOLDS, TableSchema  # noqa: E402
from tkpk_lib.data.validate import validate_table  # noqa: E402
from tkpk_lib.errors import SchemaError  # noqa: E402

COLUMNS = ["year", "hh_id", "kab_code", "urban", "weight", "hh_size", "exp_pc", "poverty_line"]
DEFAULT = ROOT / "data" / "demo" / "generated" / "canonical" / "households_2024.parquet"
# the names a user's file might use (messages must name these, with the canonical name beside)
USER_NAMES = {"year": "TAHUN", "hh_id": "URUT", "kab_code": "KODE_KAB", "urban": "R105",
              "weight": "FWT", "hh_size": "R301", "exp_pc": "KAPITA", "poverty_line": "GK"}


def subset_schema() -> TableSchema:
    """The eight columns of ``HOUSEHOLDS`` and its key, as a schema of their own."""
    return TableSchema("households", HOUSEHOLDS.description,
                       tuple(HOUSEHOLDS.column(c) for c in COLUMNS), key=HOUSEHOLDS.key)


def pandera_schema(known_kab: list[str]):
    """A pandera schema with the same checks as :func:`subset_schema` (user column names)."""
    import pandera.pandas as pa

    kab = HOUSEHOLDS.column("kab_code")
    u = USER_NAMES
    return pa.DataFrameSchema(
        {
            u["year"]: pa.Column(int, pa.Check.in_range(2010, 2100)),
            u["hh_id"]: pa.Column(str, pa.Check.str_length(min_value=1)),
            u["kab_code"]: pa.Column(str, [pa.Check.str_matches(f"^(?:{kab.pattern})$"),
                                           pa.Check.isin(known_kab)]),
            u["urban"]: pa.Column(int, pa.Check.isin([0, 1])),
            u["weight"]: pa.Column(float, pa.Check.gt(0)),
            u["hh_size"]: pa.Column(int, pa.Check.in_range(1, 40)),
            u["exp_pc"]: pa.Column(float, pa.Check.ge(0)),
            u["poverty_line"]: pa.Column(float, pa.Check.gt(0)),
        },
        unique=[u["year"], u["hh_id"]],
        coerce=True,
        name="susenas_kor_2024.dta",
    )


def load(path: Path, scale: int) -> pd.DataFrame:
    """The canonical table's eight columns, repeated ``scale`` times with distinct hh_id."""
    df = pd.read_parquet(path, columns=COLUMNS)
    if scale > 1:
        parts = [df.assign(hh_id=df["hh_id"].astype(str) + f"-{i}") for i in range(scale)]
        df = pd.concat(parts, ignore_index=True)
    df["_row"] = np.arange(1, len(df) + 1)  # data rows of the user's file
    return df


def spoil(df: pd.DataFrame) -> pd.DataFrame:
    """Seven bad cells in four columns and one duplicated key."""
    bad = df.copy()
    bad.loc[[4, 16], "weight"] = [-1.0, 0.0]
    bad.loc[8, "kab_code"] = "9901"
    bad.loc[[10, 11, 12], "hh_size"] = [0, 41, 99]
    bad.loc[20, "urban"] = 2
    bad.loc[30, "hh_id"] = bad.loc[29, "hh_id"]
    return bad


def timed(fn, runs: int) -> float:
    """Median CPU seconds (``process_time``) of ``runs`` calls."""
    ts = []
    for _ in range(runs):
        t0 = time.process_time()
        fn()
        ts.append(time.process_time() - t0)
    return statistics.median(ts)


def run_hand(df: pd.DataFrame, schema: TableSchema) -> list[str]:
    """``validate_table`` with the user's names; its messages (empty when the table is clean)."""
    names = {c: USER_NAMES[c] for c in COLUMNS}
    try:
        validate_table(df, schema, source="susenas_kor_2024.dta", names=names)
    except SchemaError as e:
        return [str(p) for p in e.problems]
    return []


def run_pandera(df: pd.DataFrame, schema) -> list[str]:
    """pandera with lazy validation; its messages (failure cases, one line per check)."""
    import pandera.errors as pe

    user = df.rename(columns=USER_NAMES)
    try:
        schema.validate(user, lazy=True)
    except pe.SchemaErrors as e:
        fc = e.failure_cases
        return [f"{r.schema_context} {r.column} {r.check}: {r.failure_case!r} at index {r.index}"
                for r in fc.itertuples()]
    return []


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=DEFAULT)
    ap.add_argument("--scale", type=int, default=50)
    ap.add_argument("--runs", type=int, default=5)
    a = ap.parse_args()
    if not a.data.exists():
        sys.exit(f"{a.data} not found: run `tkpk demo-data` first or pass --data")
    try:
        import pandera
    except ImportError:
        sys.exit("pandera is not installed (not a project dependency): see the docstring")
    warnings.simplefilter("ignore")
    schema = subset_schema()
    print(f"pandera {pandera.__version__}, pandas {pd.__version__}\n")
    for scale in (1, a.scale):
        df = load(a.data, scale)
        pschema = pandera_schema(sorted(df["kab_code"].astype(str).unique()))
        bad = spoil(df)
        assert not run_hand(df, schema) and not run_pandera(df.drop(columns="_row"), pschema)
        clean_p, bad_p = df.drop(columns="_row"), bad.drop(columns="_row")
        jobs = {
            "hand-written validate_table, clean": partial(run_hand, df, schema),
            "pandera, clean": partial(run_pandera, clean_p, pschema),
            "hand-written validate_table, 8 problems": partial(run_hand, bad, schema),
            "pandera, 8 problems (lazy)": partial(run_pandera, bad_p, pschema),
        }
        t = {k: timed(f, a.runs) for k, f in jobs.items()}
        print(f"{len(df):,} households x {len(COLUMNS)} columns + key, median CPU of {a.runs}:")
        for k, v in t.items():
            print(f"  {k:42s} {v * 1e3:8.1f} ms")
        print()
    print("messages, hand-written (file, user's column with the canonical name, file rows):")
    for m in run_hand(bad, schema):
        print("  " + m)
    print("\nmessages, pandera (schema name, column, check, value, frame index):")
    for m in run_pandera(bad.drop(columns="_row"), pschema):
        print("  " + m)


if __name__ == "__main__":
    main()
