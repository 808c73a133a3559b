"""The user's own indicator targets (RPJMD/RPKD/RKPD): the input file, its schema and its checks.

Put one or more files under ``<data root>/raw/targets/`` (``target_<anything>.csv`` or ``.xlsx``;
title rows above the header and another sheet than the first are found as for every input):

========== =========================================================================================
column     meaning
========== =========================================================================================
indicator  catalogue code (``p0``, ``p0_extreme``, ``tpt``...; ``tkpk dictionary`` lists them)
kab_code   Kemendagri code of the kabupaten/kota, or ``17`` for the province
year       target year; interim years (RKPD yearly targets) are rows of their own
target     the target in the indicator's unit: shares as fractions (12,9% is ``0.129``)
document   source document: RPJMD, RPKD, RKPD, Renstra, Inpres or lainnya
source     (optional) the document's title, number or page
interpolate (optional) ``ya`` on two rows of a unit and indicator: years between them get a
           straight-line target; without it no year is interpolated
========== =========================================================================================

Indonesian headers are accepted too (``indikator``, ``kode_wilayah``, ``tahun``, ``nilai``,
``dokumen``, ``sumber``, ``interpolasi``). ``tkpk validate --source targets FILE`` checks a file;
``tkpk run`` reads ``raw/targets/`` by default when it holds a file (``--targets`` names another
file). The report says which targets it compared with and where they came from; targets of the
package's placeholder table are printed as "target ilustratif".
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from tkpk_lib.data.region import province_code
from tkpk_lib.errors import Problem, SchemaError

__all__ = ["DOCUMENTS", "TARGET_ALIASES", "dictionary_markdown", "find_targets", "merge_with_reference",
           "read_targets"]

#: Source documents a target may come from (upper case; "LAINNYA" for any other).
DOCUMENTS = ("RPJMD", "RPKD", "RKPD", "RENSTRA", "INPRES", "LAINNYA")
#: Indonesian column names accepted for the English ones.
TARGET_ALIASES = {"indikator": "indicator", "kode_wilayah": "kab_code", "kode": "kab_code", "tahun": "year",
                  "nilai": "target", "dokumen": "document", "sumber": "source", "interpolasi": "interpolate"}
REQUIRED = ("indicator", "kab_code", "year", "target")
PATTERNS = (".csv", ".xlsx", ".xls")


def find_targets(root: str | Path) -> Path | None:
    """The folder ``raw/targets`` of a data root when it holds at least one target file, else None.

    Examples
    --------
    >>> find_targets("/nonexistent") is None
    True
    """
    from tkpk_lib.data.inputs import raw_dir

    folder = raw_dir(root, "targets")
    if not folder.is_dir():
        return None
    files = [p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in PATTERNS
             and not p.name.startswith((".", "~$"))]
    return folder if files else None


def _files(path: Path) -> list[Path]:
    if path.is_dir():
        return sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() in PATTERNS
                      and not p.name.startswith((".", "~$")))
    return [path]


def _read_one(p: Path) -> tuple[pd.DataFrame, list[Problem], dict[str, str]]:
    """One file: columns renamed to the schema's names; problems of missing columns."""
    from tkpk_lib.data.readers.tabular import read_user_table

    raw = read_user_table(p, [*REQUIRED, *TARGET_ALIASES], text_columns=("kab_code", "kode_wilayah", "kode"))
    user = {}
    ren = {}
    for c in raw.columns:
        key = str(c).strip().lower()
        name = TARGET_ALIASES.get(key, key)
        ren[c] = name
        user[name] = str(c)
    t = raw.rename(columns=ren)
    missing = [c for c in REQUIRED if c not in t.columns]
    if "document" not in t.columns and "source" not in t.columns:
        missing.append("document")
    problems = [Problem(str(p), c, "column missing (columns: indicator, kab_code, year, target, document)")
                for c in missing]
    return t, problems, user


def _check(t: pd.DataFrame, p: Path, user: dict[str, str]) -> list[Problem]:
    """Row checks of one file: numbers, codes, units, documents, duplicates."""
    from tkpk_lib.data.reference_data import regions
    from tkpk_lib.reporting.labels import _catalogue

    cat = _catalogue()
    units = set(regions("kabupaten")["code"]) | set(regions("provinsi")["code"])
    rows = np.arange(1, len(t) + 1)
    probs: list[Problem] = []

    def bad(col: str, mask: np.ndarray, msg: str) -> None:
        if mask.any():
            probs.append(Problem(str(p), user.get(col, col), msg, rows[mask].tolist()))

    year = pd.to_numeric(t["year"], errors="coerce")
    value = pd.to_numeric(t["target"], errors="coerce")
    ind = t["indicator"].astype(str).str.strip()
    bad("indicator", ~ind.isin(cat.index).to_numpy(), "not an indicator code of the catalogue (tkpk dictionary)")
    bad("kab_code", ~t["kab_code"].astype(str).str.strip().isin(units).to_numpy(),
        f"not a kabupaten/kota code of the region list, nor {province_code()} (province)")
    bad("year", ~(year.between(2000, 2100) & (year == year.round())).to_numpy(), "not a year")
    bad("target", value.isna().to_numpy(), "not a number")
    frac = ind.map(lambda c: str(cat.loc[c, "unit"]) == "fraction" if c in cat.index else False).to_numpy(bool)
    bad("target", frac & (value > 1).to_numpy(), "share above 1: write shares as fractions (12,9% is 0.129)")
    bad("target", frac & (value < 0).to_numpy(), "negative share")
    if "document" in t.columns:
        doc = t["document"].astype(str).str.strip().str.upper()
        bad("document", ~doc.isin(DOCUMENTS).to_numpy(), f"document must be one of {', '.join(DOCUMENTS)}")
    key = pd.DataFrame({"i": ind, "k": t["kab_code"].astype(str).str.strip(), "y": year})
    bad("year", key.duplicated(keep=False).to_numpy(), "the same indicator, unit and year on several rows")
    return probs


def read_targets(path: str | Path) -> pd.DataFrame:
    r"""Read and check the user's target file(s); a folder reads every file in it.

    Parameters
    ----------
    path : path-like
        A ``.csv``/``.xlsx`` file or a folder (``raw/targets``) of them.

    Returns
    -------
    pandas.DataFrame
        ``indicator, kab_code, year, target, status`` ("own", or the file's own ``status``),
        ``source`` ("RPJMD: <source> (<file>)"), ``document``, ``interpolate``.

    Raises
    ------
    SchemaError
        Every problem, each naming the file, the column as the file names it and the rows.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "target_rpjmd.csv"
    >>> _ = p.write_text("indikator,kode_wilayah,tahun,nilai,dokumen\np0,1701,2026,0.15,RPJMD\n")
    >>> read_targets(p)[["indicator", "kab_code", "year", "target", "status", "source"]].values.tolist()
    [['p0', '1701', 2026, 0.15, 'own', 'RPJMD (target_rpjmd.csv)']]
    """
    path = Path(path)
    files = _files(path)
    if not files:
        raise SchemaError([Problem(str(path), None, "no target file (.csv/.xlsx) in this folder")])
    frames, problems = [], []
    for p in files:
        t, probs, user = _read_one(p)
        if all(c in t.columns for c in REQUIRED):  # every problem at once, a missing document too
            probs = probs + _check(t, p, user)
        problems += probs
        if not probs:
            frames.append(_tidy(t, p))
    if problems:
        raise SchemaError(problems)
    out = pd.concat(frames, ignore_index=True)
    dup = out.duplicated(["indicator", "kab_code", "year"], keep=False)
    if dup.any():
        raise SchemaError([Problem(str(path), "year", "the same indicator, unit and year in several files: "
                                   + ", ".join(sorted(set(out.loc[dup, "source"]))))])
    return out


def _tidy(t: pd.DataFrame, p: Path) -> pd.DataFrame:
    doc = (t["document"].astype(str).str.strip().str.upper() if "document" in t.columns
           else pd.Series("", index=t.index))
    src = t["source"].astype(str).str.strip() if "source" in t.columns else pd.Series("", index=t.index)
    src = src.where(src != "nan", "")
    # "RPJMD: <source>", or the source alone when it already names its document ("RPJMD Kota X 2021-2026")
    label = [(s if d and s.upper().startswith(d) else f"{d}: {s}" if d and s else (d or s)) + f" ({p.name})"
             for d, s in zip(doc, src, strict=True)]
    return pd.DataFrame({
        "indicator": t["indicator"].astype(str).str.strip(),
        "kab_code": t["kab_code"].astype(str).str.strip(),
        "year": pd.to_numeric(t["year"]).astype(int),
        "target": pd.to_numeric(t["target"]).astype(float),
        "status": t["status"].astype(str) if "status" in t.columns else "own",
        "source": label,
        "document": doc,
        "interpolate": t["interpolate"].astype(str) if "interpolate" in t.columns else "",
    })


def merge_with_reference(own: pd.DataFrame, reference: pd.DataFrame) -> pd.DataFrame:
    """The user's targets, plus the reference table's **official** rows for pairs the user does not give.

    The placeholder (illustrative) rows of the reference never join a user's table: a unit
    without its own target has none, rather than an invented one.

    Examples
    --------
    >>> ref = pd.DataFrame({"indicator": ["p0_extreme", "p0"], "kab_code": "1701", "year": 2024,
    ...     "target": [0.0, 0.13], "status": ["official", "illustrative"], "source": ["Inpres", "x"]})
    >>> own = pd.DataFrame({"indicator": ["p0"], "kab_code": ["1701"], "year": [2026], "target": [0.12],
    ...     "status": ["own"], "source": ["RPJMD (t.csv)"]})
    >>> merge_with_reference(own, ref)[["indicator", "status"]].values.tolist()
    [['p0', 'own'], ['p0_extreme', 'official']]
    """
    have = set(zip(own["indicator"], own["kab_code"].astype(str), strict=True))
    keep = np.array([(i, str(k)) not in have for i, k in zip(reference["indicator"], reference["kab_code"],
                                                             strict=True)], dtype=bool)
    ref = reference[(reference["status"] == "official").to_numpy() & keep]
    return pd.concat([own, ref], ignore_index=True)


def dictionary_markdown() -> str:
    """The data-dictionary section of the own-targets input (``raw/targets/``), in Markdown.

    Examples
    --------
    >>> dictionary_markdown().splitlines()[0]
    '## targets (own input, raw/targets/)'
    """
    rows = [
        ("indicator", "str", "yes", "catalogue code", "Indicator code (p0, p0_extreme, tpt, ...)", "indikator"),
        ("kab_code", "str", "yes", "known kab code or the province code", "Kabupaten/kota code, or the province code", "kode_wilayah"),
        ("year", "int", "yes", "2000-2100; one row per indicator, unit and year",
         "Target year (interim years are rows of their own)", "tahun"),
        ("target", "float", "yes", "shares 0-1", "Target in the indicator's unit (12,9% is 0.129)", "nilai"),
        ("document", "str", "yes (or source)", "in {" + ", ".join(DOCUMENTS) + "}",
         "Source document of the target", "dokumen"),
        ("source", "str", "no", "", "Title, number or page of the document", "sumber"),
        ("interpolate", "str", "no", "ya/tidak",
         "ya on two rows: straight-line targets for the years between them", "interpolasi"),
    ]
    out = ["## targets (own input, raw/targets/)", "",
           "The user's indicator targets (RPJMD/RPKD/RKPD), one or more .csv/.xlsx files under "
           "`raw/targets/`, read by `tkpk run` by default and checked by `tkpk validate --source targets`. "
           "Official reference targets (Inpres 4/2022) are kept for pairs the files do not give; the "
           "package's illustrative targets are then not used.", "",
           "| column | type | required | checks | description | Indonesian header |", "|---|---|---|---|---|---|"]
    out += [f"| `{a}` | {b} | {c} | {d} | {e} | {f} |" for a, b, c, d, e, f in rows]
    return "\n".join(out) + "\n"
