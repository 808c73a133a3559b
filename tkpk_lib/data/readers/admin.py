"""Administrative tables as offices export them -> canonical tables.

The tables are the registry (DTKS/DTSEN), the programme map and the complaints log.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from tkpk_lib.data.readers.messages import missing_kabupaten
from tkpk_lib.data.readers.tabular import (
    TABLE_SUFFIXES,
    locate_table,
    parse_number_id,
    read_raw,
    source_label,
)
from tkpk_lib.data.readers.values import _code_text, _num
from tkpk_lib.data.validate import IdentifierCheck, validate_table
from tkpk_lib.errors import Problem, SchemaError

# --------------------------------------------------------------------------- registry
REGISTRY_COLUMNS = {
    "NIK": "nik",
    "NO_KK": "kk_no",
    "NAMA": "name",
    "ALAMAT": "address",
    "KODE_DESA": "desa_code",
    "DESIL": "decile",
    "JML_ART": "n_members",
    "JML_BALITA": "n_children_0_6",
    "JML_ANAK_SEKOLAH": "n_children_7_18",
    "JML_LANSIA": "n_elderly",
    "JML_DISABILITAS": "n_disabled",
    "JK_KRT": "head_female",
    "FLAG_PKH": "rcv_pkh",
    "FLAG_BPNT": "rcv_bpnt",
    "FLAG_PBI": "rcv_pbi",
    "FLAG_PIP": "rcv_pip",
    "FLAG_BLT_DD": "rcv_blt_dd",
    "FLAG_LPG": "rcv_lpg",
    "FLAG_LISTRIK": "rcv_listrik",
    "FLAG_KUR": "rcv_kur",
}
"""Column names of a DTKS/P3KE-style export and their canonical names."""

ID_COLUMNS = ("nik", "kk_no")
"""Registry identifiers checked for damage by Excel (:class:`tkpk_lib.data.validate.IdentifierCheck`)."""


def _fix_id(s: pd.Series) -> pd.Series:
    """NIK/KK as text: stripped, '1701...0.0' (whole floats written as text) recovered.

    Scientific notation and other signs of digits lost in Excel are reported by
    :class:`tkpk_lib.data.validate.IdentifierCheck`.
    """
    st = s.astype("string").str.strip()
    # the regex needs a "." : a plain column of digits (the usual case) skips it
    if st.str.contains(".", regex=False).any():
        st = st.str.replace(r"^(\d{16})\.0+$", r"\1", regex=True)
    return st


def _excel_numeric_cells(
    path: Path, names: Iterable[str], expected: Iterable[str]
) -> dict[str, np.ndarray]:
    """Rows whose cell is stored as a number, for the named columns of a workbook.

    The text read of a workbook (``read_raw(..., as_text=True)``) cannot tell a NIK typed
    as text from one stored as a number (whose 16th digit Excel has replaced by 0). The
    sheet and header row are those :func:`read_raw` uses (:func:`locate_table` with the
    same ``expected`` names); rows are numbered as :func:`read_raw` numbers ``_row``.

    Returns
    -------
    dict
        Upper-cased column name -> sorted array of ``_row`` values with a numeric cell.
    """
    import openpyxl

    layout = locate_table(path, expected)
    offset = 0 if layout.plain else layout.header_row
    wanted = {str(n).strip().upper() for n in names}
    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        ws = wb[layout.sheet] if layout.sheet is not None else wb.worksheets[0]
        it = ws.iter_rows(min_row=layout.header_row)
        header = next(it, ())
        cols = {
            i: str(c.value).strip().upper()
            for i, c in enumerate(header)
            if c.value is not None and str(c.value).strip().upper() in wanted
        }
        hits: dict[int, list[int]] = {i: [] for i in cols}
        for k, row in enumerate(it, start=1):
            for i in cols:
                if i < len(row):
                    c = row[i]
                    if c.data_type == "n" and c.value is not None and not isinstance(c.value, bool):
                        hits[i].append(offset + k)
    finally:
        wb.close()
    return {cols[i]: np.asarray(v, dtype=np.int64) for i, v in hits.items()}


def _registry_columns(raw: pd.DataFrame, columns: dict[str, str] | None) -> dict[str, str]:
    """The file's registry columns -> canonical names (case-insensitive, stripped)."""
    mapping = {k.upper(): v for k, v in (columns or REGISTRY_COLUMNS).items()}
    return {
        c: mapping[str(c).strip().upper()] for c in raw.columns if str(c).strip().upper() in mapping
    }


def _registry_batch(
    raw: pd.DataFrame,
    ren: dict[str, str],
    checks: dict[str, IdentifierCheck],
    numeric_cells: dict[str, np.ndarray] | None = None,
) -> pd.DataFrame:
    """Canonical registry columns of one batch of a registry file, before validation.

    ``raw`` has the file's columns and ``_row`` (the file's rows); the identifier evidence
    of the batch goes to ``checks`` (one :class:`IdentifierCheck` per identifier column
    present); ``numeric_cells`` gives, per upper-cased file column, the rows a workbook
    stores as numbers (:func:`_excel_numeric_cells`).
    """
    df = raw.rename(columns=ren)
    rows = df["_row"].to_numpy(dtype=np.int64)
    for user, col in ren.items():
        if col not in ID_COLUMNS or col not in checks:
            continue
        numeric = None
        if pd.api.types.is_numeric_dtype(df[col].dtype) and not pd.api.types.is_bool_dtype(df[col].dtype):
            numeric = np.ones(len(df), dtype=bool)
        elif numeric_cells is not None:
            numeric = np.isin(rows, numeric_cells.get(str(user).strip().upper(), np.empty(0, np.int64)))
        df[col] = _fix_id(df[col])
        checks[col].add(df[col], rows, numeric)
    df["row_no"] = df["_row"]
    if "desa_code" in df.columns:
        df["desa_code"] = _code_text(df["desa_code"], 10)
        df["kec_code"] = df["desa_code"].str[:6]
        df["kab_code"] = df["desa_code"].str[:4]
    if "head_female" in df.columns:
        hf = _num(df["head_female"])
        df["head_female"] = hf.map({1: 0, 2: 1}).where(
            hf.isin([1, 2]), hf + 10
        )  # 10+ -> invalid code
    return df


_DERIVED_FROM = {"kec_code": "desa_code", "kab_code": "desa_code"}


def _registry_names(ren: dict[str, str], columns: dict[str, str] | None) -> dict[str, str]:
    """``{canonical: the user's column name}`` for messages (``validate_table(names=)``).

    The name in the user's file, or for a missing column the name expected there;
    kecamatan and kabupaten codes are derived from the desa code, so their problems name
    the desa-code column.
    """
    user = {canon: str(u).strip() for u, canon in ren.items()}
    expected = {canon: u for u, canon in (columns or REGISTRY_COLUMNS).items()}
    out = {**expected, **user}
    for derived, src in _DERIVED_FROM.items():
        if src in out:
            out[derived] = out[src]
    return out


def _identifier_checks(ren: dict[str, str], source: str) -> dict[str, IdentifierCheck]:
    return {
        col: IdentifierCheck(source, col, str(user).strip())
        for user, col in ren.items()
        if col in ID_COLUMNS
    }


def read_registry(path: str | Path, *, columns: dict[str, str] | None = None) -> pd.DataFrame:
    """Read a DTKS/P3KE-style registry export (``.csv``/``.xlsx``/``.parquet``).

    The result carries personal data (NIK, KK number, name, address) and must stay inside the
    analysis: see :mod:`tkpk_lib.privacy`. ``row_no`` keeps each household's position in the
    original file so an office can find it in its own copy. NIK and KK numbers damaged by
    Excel (stored as numbers, in scientific notation, or with the 16th digit turned into 0)
    are rejected with how to export them again as text
    (:class:`tkpk_lib.data.validate.IdentifierCheck`). Messages name the user's column with the
    canonical name beside it. Large files are better written to Parquet batch by batch with
    :func:`tkpk_lib.data.registry_stream.write_registry_parquet` (same table, same messages,
    bounded memory).

    Parameters
    ----------
    path : path-like
    columns : dict, optional
        Mapping of the file's column names to canonical names; defaults to
        :data:`REGISTRY_COLUMNS`.

    Raises
    ------
    SchemaError
        Every problem of the file, with file, column and rows.
    """
    p = Path(path)
    cols = columns or REGISTRY_COLUMNS
    expected = [*cols, *cols.values()]
    raw = read_raw(p, allowed=TABLE_SUFFIXES, as_text=True, expected=expected)
    layout = raw.attrs.pop("layout", None)
    src = source_label(p, {"layout": layout})
    ren = _registry_columns(raw, columns)
    checks = _identifier_checks(ren, src)
    numeric_cells = None
    if p.suffix.lower() == ".xlsx" and checks:
        numeric_cells = _excel_numeric_cells(p, [u for u, c in ren.items() if c in checks], expected)
    df = _registry_batch(raw, ren, checks, numeric_cells)
    problems = [pr for c in ID_COLUMNS if c in checks for pr in checks[c].problems()]
    out = validate_table(
        df, "registry", source=src, extra_problems=problems, names=_registry_names(ren, columns)
    )
    if layout:
        out.attrs["layout"] = layout
    return out


# --------------------------------------------------------------------------- programme map, complaints
PROGRAMME_COLUMNS = {
    "TAHUN": "year",
    "KODE": "programme_id",
    "PROGRAM": "programme",
    "KEGIATAN": "activity",
    "OPD": "opd",
    "STRATEGI": "strategy",
    "KLASTER": "cluster",
    "SUMBER_DANA": "fund_source",
    "SASARAN": "target_group",
    "TARGET": "target_count",
    "CAPAIAN": "reached_count",
    "SATUAN": "target_unit",
    "LOKUS": "locus_desa",
    "KODE_KAB": "kab_code",
    "PAGU": "budget",
    "REALISASI": "realisation",
    # optional relationship columns (guideline 3.2.1.b.5); the first header of each is the template's
    "HUBUNGAN": "relationship",
    "SIFAT_PROGRAM": "relationship",
    "BENTUK_PROGRAM": "relationship",
    "PROGRAM_PUSAT": "central_programme",
    "PROGRAM_NASIONAL": "central_programme",
    "MITRA": "partner",
    "LEMBAGA_MITRA": "partner",
    "MITRA_NONPEMERINTAH": "partner",
}
"""Headers of a programme map and their canonical names; several headers may name one optional column."""

COMPLAINT_COLUMNS = {
    "ID": "complaint_id",
    "KANAL": "channel",
    "PROGRAM": "programme",
    "KODE_DESA": "desa_code",
    "KODE_KAB": "kab_code",
    "TGL_MASUK": "date_received",
    "TGL_SELESAI": "date_resolved",
    "STATUS": "status",
}


def _read_office_table(
    path: str | Path,
    mapping: dict[str, str],
    schema: str,
    *,
    year: int | None = None,
    today: date | None = None,
) -> pd.DataFrame:
    """Read an office export, rename its columns and validate it (with the cross-field rules).

    Messages name the file's own column (``KODE_KAB``) with the canonical name beside it; a
    required column that is absent is named by its expected header.
    """
    p = Path(path)
    raw = read_raw(p, allowed=TABLE_SUFFIXES, as_text=True, expected=[*mapping, *mapping.values()])
    layout = raw.attrs.pop("layout", None)
    up = {k.upper(): v for k, v in mapping.items()}
    ren = {c: up[str(c).strip().upper()] for c in raw.columns if str(c).strip().upper() in up}
    src = source_label(p, {"layout": layout})
    _one_column_each(ren, src)
    df = raw.rename(columns=ren)
    names: dict[str, str] = {}
    for k, v in mapping.items():  # expected header of an absent column: the first one listed
        names.setdefault(v, k)
    names.update({v: str(k) for k, v in ren.items()})
    for c in ("budget", "realisation", "target_count", "reached_count"):
        if c in df.columns:
            v = parse_number_id(df[c])
            df[c] = v.where(v.notna(), df[c])
    for c in ("locus_desa", "desa_code"):
        if c in df.columns:
            df[c] = _code_text(df[c], 10)
    if "kab_code" in df.columns:
        df["kab_code"] = _code_text(df["kab_code"], 4)
    if "status" in df.columns:
        df["status"] = df["status"].astype("string").str.strip().str.lower()
    if schema == "programmes":
        df = _relationship_text(df)
    out = validate_table(df, schema, source=src, names=names, year=year, today=today)
    if layout:
        out.attrs["layout"] = layout
    if schema == "programmes":
        out.attrs["warnings"] += missing_kabupaten(out["kab_code"], p.name, "programme rows")
    return out


def _one_column_each(ren: dict[object, str], source: str) -> None:
    """Two headers of the file for one canonical column (``HUBUNGAN`` and ``SIFAT_PROGRAM``) is an error."""
    seen: dict[str, list[str]] = {}
    for user, canon in ren.items():
        seen.setdefault(canon, []).append(str(user).strip())
    twice = {c: u for c, u in seen.items() if len(u) > 1}
    if twice:
        raise SchemaError([
            Problem(source, ", ".join(u), f"{len(u)} columns give '{c}': keep one of them", [], canonical=c)
            for c, u in twice.items()
        ])


def _relationship_text(df: pd.DataFrame) -> pd.DataFrame:
    """Relationship in lower case; a central programme named by its catalogue code, name or short name -> code.

    Other text of ``central_programme`` (the name of an APBN programme of the map) is kept as written.
    """
    if "relationship" in df.columns:
        df["relationship"] = df["relationship"].astype("string").str.strip().str.lower()
    if "central_programme" in df.columns:
        from tkpk_lib.analysis.programme_catalogue import load_catalogue

        cat = load_catalogue()
        known = {str(v).strip().lower(): str(code) for col in ("name", "short_name", "code")
                 for code, v in zip(cat["code"], cat[col], strict=True)}
        text = df["central_programme"].astype("string").str.strip()
        df["central_programme"] = text.map(lambda v: known.get(str(v).lower(), v) if pd.notna(v) else v)
    for c in ("central_programme", "partner"):
        if c in df.columns:
            df[c] = df[c].astype("string").str.strip()
    return df


def read_programmes(
    path: str | Path, *, year: int | None = None, today: date | None = None
) -> pd.DataFrame:
    r"""Read a programme map (RAT/LP2KD style) from ``.xlsx`` or ``.csv``.

    Cross-field rules (:func:`tkpk_lib.data.validate.cross_field_rules`): a kabupaten code that
    differs from the locus desa is an error; realisation far above the budget, reach far above
    the target, rows of another year than ``year`` and kabupaten/kota without any row are
    warnings, listed in ``attrs["warnings"]``.

    The optional relationship columns of guideline 3.2.1.b.5 (``HUBUNGAN``: perluasan,
    pelengkap or mempertebal; ``PROGRAM_PUSAT``; ``MITRA``; other headers in
    :data:`PROGRAMME_COLUMNS`) are read when present: a relationship without its central
    programme (or the reverse) and a relationship on an APBN row are errors, a Non-pemerintah
    row without its partner a warning. A file without them reads as before.

    Examples
    --------
    >>> import tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "peta_program_2024.csv")
    >>> _ = open(p, "w").write(
    ...     "TAHUN,KODE,PROGRAM,KEGIATAN,OPD,STRATEGI,KLASTER,SUMBER_DANA,SASARAN,TARGET,CAPAIAN,SATUAN,"
    ...     "LOKUS,KODE_KAB,PAGU,REALISASI,HUBUNGAN,PROGRAM_PUSAT\n"
    ...     "2024,P1,PKH Plus,Tunai lansia,Dinas Sosial,1,1,APBD Provinsi,lansia,10,9,jiwa,"
    ...     "1701012001,1701,1000000,900000,Mempertebal,PKH\n")
    >>> read_programmes(p)[["relationship", "central_programme"]].values.tolist()
    [['mempertebal', 'pkh']]
    """
    return _read_office_table(path, PROGRAMME_COLUMNS, "programmes", year=year, today=today)


def read_complaints(
    path: str | Path, *, year: int | None = None, today: date | None = None
) -> pd.DataFrame:
    """Read a complaints log from ``.csv`` or ``.xlsx``.

    Cross-field rules: resolved before received, dated after ``today``, received after the end
    of the report ``year``, status "selesai" without a resolution date and a kabupaten code
    that differs from the desa are errors; a resolution date on an open complaint is a
    warning.
    """
    return _read_office_table(path, COMPLAINT_COLUMNS, "complaints", year=year, today=today)
