"""The follow-up plan (rencana tindak lanjut) a TKPK secretariat filled -> canonical ``action_plan`` table.

``tkpk run`` writes a template per unit (``rencana_tindak_lanjut_<code>_<year>.xlsx``, prefilled with
the draft problems of the report); the secretariat fills the agreed recommendation, the responsible
OPD and the deadline in its TKPK meeting, and a year on the status. The filled files go under
``<data root>/raw/tindak_lanjut/`` (``.xlsx`` or ``.csv``, title rows above the header tolerated);
the next year's report follows them up. Headers are those of the template (:data:`PLAN_COLUMNS`,
case-insensitive) or the canonical names; messages name the file, the user's column and the rows.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from tkpk_lib.data import reference_data
from tkpk_lib.data.readers.tabular import read_raw, source_label
from tkpk_lib.data.readers.values import _code_text
from tkpk_lib.data.region import province_code
from tkpk_lib.data.schemas import ACTION_PLAN
from tkpk_lib.data.validate import validate_table
from tkpk_lib.errors import Problem, SchemaError

__all__ = ["PLAN_COLUMNS", "PLAN_FOLDER", "load_action_plans", "plan_files", "read_action_plan"]

#: Headers of the template and their canonical names.
PLAN_COLUMNS: dict[str, str] = {c.source: c.name for c in ACTION_PLAN.columns}
#: Folder of the filled plans under the data root.
PLAN_FOLDER = "raw/tindak_lanjut"
_SUFFIXES = (".csv", ".xlsx")
NO_ROWS = "the file has no data rows"


def plan_files(root: str | Path) -> list[Path]:
    """The plan files (``.xlsx``/``.csv``) under ``<root>/raw/tindak_lanjut/``, sorted by name.

    Examples
    --------
    >>> plan_files("/nonexistent")
    []
    """
    from tkpk_lib.data.inputs import raw_dir

    folder = raw_dir(root, "tindak_lanjut")
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in _SUFFIXES
                  and not p.name.startswith((".", "~$")))


def _dates(s: pd.Series) -> pd.Series:
    """Deadlines as dates: ISO dates (also Excel's ``2024-06-30 00:00:00``) or ``30/06/2024``; else NaT."""
    text = s.astype("string").str.strip()
    iso = pd.to_datetime(text.str.slice(0, 10), errors="coerce", format="%Y-%m-%d")
    return iso.fillna(pd.to_datetime(text, errors="coerce", format="%d/%m/%Y"))


def _filled(df: pd.DataFrame, col: str) -> np.ndarray:
    if col not in df.columns:
        return np.zeros(len(df), dtype=bool)
    s = df[col].astype("string").str.strip()
    return (s.notna() & (s != "")).to_numpy(dtype=bool)


def _row_problems(df: pd.DataFrame, names: dict[str, str], src: str) -> list[Problem]:
    """Unknown units and incomplete agreements (a recommendation without OPD or deadline, a status without one)."""
    rows = df["_row"].astype(int).to_numpy()
    out = []

    def bad(col: str, mask: np.ndarray, msg: str) -> None:
        if mask.any():
            out.append(Problem(src, names.get(col, col), msg, rows[mask].tolist(),
                               canonical=col if names.get(col, col) != col else None))

    if "unit_code" in df.columns:
        known = {province_code(), *map(str, reference_data.KAB_CODES)}
        code = df["unit_code"].astype("string")
        bad("unit_code", (code.notna() & ~code.isin(known)).to_numpy(dtype=bool),
            f"unknown unit code ({province_code()} or a kabupaten/kota code of the province)")
    rec = _filled(df, "recommendation")
    bad("opd", rec & ~_filled(df, "opd"), "recommendation without responsible OPD (fill opd_penanggung_jawab)")
    bad("deadline", rec & ~_filled(df, "deadline"), "recommendation without deadline (fill tenggat, a date)")
    bad("status", ~rec & _filled(df, "status"), "status given for a row without recommendation")
    return out


def read_action_plan(path: str | Path) -> pd.DataFrame:
    r"""Read and check one filled plan file.

    Parameters
    ----------
    path : path
        ``.xlsx`` or ``.csv`` with the template's headers (kode_wilayah, tahun, no, permasalahan,
        rekomendasi, opd_penanggung_jawab, tenggat, status ...), in any order and case.

    Returns
    -------
    pandas.DataFrame
        Canonical ``action_plan`` table (:data:`tkpk_lib.data.schemas.ACTION_PLAN`) plus ``file``.

    Raises
    ------
    SchemaError
        Every problem at once: file, column as the file names it, rows (status not one of
        selesai / dalam proses / belum dilaksanakan, deadline not a date, unknown unit code,
        recommendation without responsible OPD ...).

    Examples
    --------
    >>> import tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "rencana_tindak_lanjut_1701_2023.csv")
    >>> _ = open(p, "w").write("RENCANA TINDAK LANJUT\nkode_wilayah;tahun;no;permasalahan;rekomendasi;"
    ...     "opd_penanggung_jawab;tenggat;status\n1701;2023;1;P0 tinggi;Perluas PKH;Dinas Sosial;30/06/2024;"
    ...     "Dalam Proses\n")
    >>> read_action_plan(p)[["unit_code", "item", "deadline", "status"]].astype(str).values.tolist()
    [['1701', '1', '2024-06-30', 'dalam proses']]
    """
    p = Path(path)
    try:
        raw = read_raw(p, allowed=_SUFFIXES, as_text=True, expected=[*PLAN_COLUMNS, *PLAN_COLUMNS.values()])
    except SchemaError as e:  # a template without rows (a unit with no draft problem) is an empty plan
        if [pr.message for pr in e.problems] != [NO_ROWS]:
            raise
        return pd.DataFrame(columns=[*(c.name for c in ACTION_PLAN.columns), "file"])
    layout = raw.attrs.pop("layout", None)
    up = {k.upper(): v for k, v in PLAN_COLUMNS.items()}
    up.update({v.upper(): v for v in PLAN_COLUMNS.values()})
    ren = {c: up[str(c).strip().upper()] for c in raw.columns if str(c).strip().upper() in up}
    df = raw[[c for c in raw.columns if c in ren or c == "_row"]].rename(columns=ren)  # no other column is kept
    names = {v: k for k, v in PLAN_COLUMNS.items()}
    names.update({v: str(k) for k, v in ren.items()})
    if "status" in df.columns:
        df["status"] = df["status"].astype("string").str.strip().str.lower().str.replace(r"\s+", " ", regex=True)
    if "unit_code" in df.columns:
        code = df["unit_code"].astype("string").str.strip()
        df["unit_code"] = code.where(code.str.len() <= 2, _code_text(df["unit_code"], 4))
    src = source_label(p, {"layout": layout})
    extra = _row_problems(df, names, src)
    if "deadline" in df.columns:
        d = _dates(df["deadline"])
        bad = _filled(df, "deadline") & d.isna().to_numpy(dtype=bool)
        if bad.any():
            extra.append(Problem(src, names.get("deadline", "deadline"), "not a date (use 30/06/2025 or 2025-06-30)",
                                 df.loc[bad, "_row"].astype(int).tolist(), canonical="deadline"))
        df["deadline"] = d
    out = validate_table(df, ACTION_PLAN, source=src, names=names, extra_problems=extra)
    out["file"] = p.name
    other = [str(c) for c in raw.columns if c not in ren and c != "_row" and not str(c).startswith("Unnamed")]
    if other:  # e.g. a contact person's name: never kept
        out.attrs["warnings"] = [*out.attrs.get("warnings", []), f"{src}: columns not read (not part of the plan; "
                                 f"personal data such as names is not kept): {', '.join(other)}"]
    return out.drop(columns="_row", errors="ignore")


def load_action_plans(root: str | Path, plan_year: int) -> pd.DataFrame | None:
    """Every filled plan of ``plan_year`` under ``<root>/raw/tindak_lanjut/`` in one table.

    Returns None when the folder holds no plan file or none with rows of ``plan_year``.

    Raises
    ------
    SchemaError
        The problems of every file, and the same unit and item in two files.

    Examples
    --------
    >>> load_action_plans("/nonexistent", 2023) is None
    True
    """
    frames, problems = [], []
    for p in plan_files(root):
        try:
            t = read_action_plan(p)
        except SchemaError as e:
            problems += e.problems
            continue
        frames.append(t[t["plan_year"] == int(plan_year)])
    if problems:
        raise SchemaError(problems)
    out = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    if out.empty:
        return None
    dup = out.duplicated(["unit_code", "item"], keep=False)
    if dup.any():
        raise SchemaError([Problem(PLAN_FOLDER, "no", "the same unit and item number in several files ("
                                   + ", ".join(sorted(set(out.loc[dup, "file"]))) + ")")])
    return out.sort_values(["unit_code", "item"], kind="stable").reset_index(drop=True)
