"""Crosswalk look-up, seeded random streams and labelled Stata/SPSS writing for the demo generator."""

from __future__ import annotations

import re
from functools import cache
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd
import pyreadstat

# component numbers of the random streams: one independent stream per (component, year, part)
GEO, MODEL, SUSENAS, SAKERNAS, PODES, REGISTRY, PROGRAMMES, COMPLAINTS, REFERENCE = range(1, 10)


def rng(seed: int, component: int, year: int = 0, part: int = 0) -> np.random.Generator:
    """Independent random stream for one component/year/part.

    Streams are keyed, not drawn in sequence, so that generating a subset of years yields
    exactly the same data for those years as generating all of them.
    """
    return np.random.default_rng([int(seed), component, int(year), part])


@cache
def crosswalk() -> pd.DataFrame:
    """The raw-variable crosswalk shipped in ``tkpk_lib/reference/crosswalk.csv``."""
    with (
        resources.files("tkpk_lib.reference")
        .joinpath("crosswalk.csv")
        .open("r", encoding="utf-8") as fh
    ):
        return pd.read_csv(fh, dtype=str, keep_default_na=False)


def raw_names(file: str, year: int) -> dict[str, str]:
    """Map crosswalk ``name`` -> raw variable name of ``file`` in ``year``."""
    return dict(_raw_names(file, year))


@cache
def _raw_names(file: str, year: int) -> tuple[tuple[str, str], ...]:
    cw = crosswalk()
    sub = cw[cw["file"] == file]
    return tuple(zip(sub["name"], sub[str(year)], strict=True))


@cache
def _codes_text() -> dict[tuple[str, str], str]:
    cw = crosswalk()
    return dict(zip(zip(cw["file"], cw["name"], strict=True), cw["codes"], strict=True))


@cache
def code_labels(file: str, name: str) -> dict[int, str]:
    """Value labels parsed from the crosswalk ``codes`` text ("1 yes; 2 no")."""
    text = _codes_text()[(file, name)]
    out: dict[int, str] = {}
    for part in text.split(";"):
        m = re.match(r"^\s*(?:[^:;]*:\s*)?(\d+)\s+(.+?)\s*$", part)
        if m:
            out[int(m.group(1))] = m.group(2)
    return out


def var_label(file: str, name: str) -> str:
    """Variable label: the crosswalk ``codes`` text (cut to 80 characters, the Stata limit)."""
    return f"{name}: {_codes_text()[(file, name)]}"[:80]


def write_labelled(
    df: pd.DataFrame,
    path: Path,
    file: str,
    year: int,
    *,
    extra_labels: dict[str, str] | None = None,
    extra_value_labels: dict[str, dict[int, str]] | None = None,
    file_label: str = "",
) -> None:
    """Rename crosswalk-named columns to the year's raw names and write .dta or .sav with labels.

    ``df`` columns are crosswalk ``name`` values (renamed) or already-raw extra columns (kept).
    Coded variables get value labels from the crosswalk ``codes`` text.
    """
    names = raw_names(file, year)
    out = df.rename(columns={k: v for k, v in names.items() if k in df.columns})
    labels: dict[str, str] = {}
    value_labels: dict[str, dict[int, str]] = {}
    for name, raw in names.items():
        if raw in out.columns and name in df.columns:
            labels[raw] = var_label(file, name)
            vl = code_labels(file, name)
            # only genuine code lists (at least two codes), not "17" or "years"
            if len(vl) >= 2 and pd.api.types.is_numeric_dtype(out[raw]):
                value_labels[raw] = vl
    labels.update(extra_labels or {})
    value_labels.update(extra_value_labels or {})
    path.parent.mkdir(parents=True, exist_ok=True)
    col_labels = {c: labels.get(c) for c in out.columns}
    # pyreadstat iterates arrow-backed strings slowly: hand it plain object columns
    out = out.astype({c: object for c in out.columns if pd.api.types.is_string_dtype(out[c])})
    if path.suffix == ".dta":
        pyreadstat.write_dta(
            out,
            str(path),
            file_label=file_label[:80],
            column_labels=col_labels,
            variable_value_labels=value_labels,
        )
    elif path.suffix == ".sav":
        pyreadstat.write_sav(
            out,
            str(path),
            file_label=file_label,
            column_labels=col_labels,
            variable_value_labels=value_labels,
            row_compress=True,
        )
    else:  # pragma: no cover - internal misuse
        raise ValueError(f"unsupported suffix {path.suffix}")
