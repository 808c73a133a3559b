"""Vectorised tests of one column: missing cells, numbers, patterns, region codes, duplicated keys.

Shared by :func:`~tkpk_lib.data.validate.validate_table`, the cross-field rules, the identifier
checks and the readers. Each has a fast path for the common case (plain digits, fixed-width
codes) that gives exactly what the general pandas expression gives.
"""

from __future__ import annotations

import re
from functools import cache

import numpy as np
import pandas as pd

from tkpk_lib.data.reference_data import regions
from tkpk_lib.data.region import province_code

_LEVEL = {"kab": "kabupaten", "kec": "kecamatan", "desa": "desa"}


def _known_codes(level: str) -> set[str]:
    """Codes of ``level`` in the process's province (:func:`~tkpk_lib.data.region.current_region`)."""
    return set(_known_code_list(level))


def _known_code_list(level: str) -> tuple[str, ...]:
    return _province_code_list(level, province_code())


@cache
def _province_code_list(level: str, province: str) -> tuple[str, ...]:
    return tuple(sorted(regions(_LEVEL[level], province)["code"]))


def _isin_text(st: pd.Series, values: tuple[str, ...]) -> np.ndarray:
    """``st.isin(values)`` as a bool array; pyarrow's hash look-up for pyarrow-backed text.

    (pandas boxes every value of the list as a pyarrow scalar first: ~4 ms per call with the
    1,513 desa codes, and the check runs for every region column of every table.)
    """
    if isinstance(st.dtype, pd.StringDtype) and st.dtype.storage == "pyarrow":
        import pyarrow as pa
        import pyarrow.compute as pc

        arr = pa.array(st.array)
        hit = pc.is_in(arr, value_set=pa.array(values, type=arr.type))
        return np.asarray(hit.to_numpy(zero_copy_only=False), dtype=bool)
    return st.isin(list(values)).to_numpy(dtype=bool)


def _rows(df: pd.DataFrame, mask: np.ndarray | pd.Series) -> list[int]:
    m = np.asarray(mask, dtype=bool)
    if "_row" in df.columns:
        return [int(r) for r in df["_row"].to_numpy()[m]]
    return [int(i) + 1 for i in np.flatnonzero(m)]


_FIXED_DIGITS = re.compile(r"\\d\{(\d+)\}")


def _fullmatch_text(st: pd.Series, pattern: str) -> np.ndarray:
    r"""``st.fillna("").str.fullmatch(pattern)`` as a bool array (False where missing).

    A pattern ``\d{N}`` (NIK, KK and region codes) on an all-ASCII pyarrow-backed column is
    checked as "N characters, all ASCII digits" with two pyarrow kernels instead of a regex
    over every cell. For ASCII text that is exactly what ``\d{N}`` means; other text (where
    pandas' ``\d`` also accepts other Unicode digits) takes the pandas path.
    """
    m = _FIXED_DIGITS.fullmatch(pattern)
    if m and isinstance(st.dtype, pd.StringDtype) and st.dtype.storage == "pyarrow":
        import pyarrow as pa
        import pyarrow.compute as pc

        arr = pa.array(st.array)
        if pc.all(pc.string_is_ascii(arr)).as_py() is False:
            return st.fillna("").str.fullmatch(pattern).fillna(False).to_numpy(dtype=bool)
        ok = pc.and_(pc.ascii_is_decimal(arr), pc.equal(pc.binary_length(arr), int(m.group(1))))
        return np.asarray(ok.fill_null(False).to_numpy(zero_copy_only=False), dtype=bool)
    return st.fillna("").str.fullmatch(pattern).fillna(False).to_numpy(dtype=bool)


def _duplicated_keys(out: pd.DataFrame, key: list[str]) -> np.ndarray:
    """``out.duplicated(key, keep=False)`` as a bool array.

    A single pyarrow-backed text key (the registry's NIK) is dictionary-encoded by pyarrow
    and counted with numpy (~2x faster than pandas' factorize of pyarrow strings).
    """
    s = out[key[0]]
    if len(key) == 1 and isinstance(s.dtype, pd.StringDtype) and s.dtype.storage == "pyarrow":
        import pyarrow as pa

        arr = pa.array(s.array)
        if isinstance(arr, pa.ChunkedArray):
            arr = arr.combine_chunks()
        enc = arr.dictionary_encode(null_encoding="encode")
        codes = enc.indices.to_numpy(zero_copy_only=False).astype(np.int64)
        return np.bincount(codes, minlength=len(enc.dictionary))[codes] > 1
    return out.duplicated(key, keep=False).to_numpy()


def _missing(s: pd.Series, stripped: pd.Series | None = None) -> np.ndarray:
    """Missing or blank cells; ``stripped`` is ``s.astype("string").str.strip()`` when known."""
    miss = s.isna().to_numpy().copy()
    if s.dtype == object or pd.api.types.is_string_dtype(s.dtype):
        st = s.astype("string").str.strip() if stripped is None else stripped
        miss |= st.fillna("").eq("").to_numpy()
    return miss


def _numeric(s: pd.Series) -> pd.Series:
    """Numbers from a column; text that is not a number becomes NaN (reported by the caller).

    Text columns are cast in one vectorised step when every value parses (the common case
    for large registry files); only otherwise does pandas' slower element-wise parser run.
    """
    if pd.api.types.is_numeric_dtype(s.dtype):
        return s.astype("float64")
    digits = _digits_to_float(s)
    if digits is not None:
        return digits
    try:
        return s.astype("string").str.strip().replace("", pd.NA).astype("float64")
    except (TypeError, ValueError):
        return pd.to_numeric(s, errors="coerce")


def _digits_to_float(s: pd.Series) -> pd.Series | None:
    """Fast :func:`_numeric` for pyarrow-backed text whose cells are all plain digits.

    Registry exports hold a dozen columns of 600,000 small counts and 0/1 flags as text;
    casting them through Python objects took ~0.15 s per column, pyarrow's cast ~0.01 s. For
    ASCII digit strings (after trimming blanks) both give the same correctly rounded float;
    anything else (signs, decimals, exponents, other digits) returns None and the general
    path runs.
    """
    if not (isinstance(s.dtype, pd.StringDtype) and s.dtype.storage == "pyarrow"):
        return None
    import pyarrow as pa
    import pyarrow.compute as pc

    t = pa.array(s.array)
    if not pc.all(pc.ascii_is_decimal(t)).as_py():  # else trim blanks first (None: all blank)
        t = pc.utf8_trim_whitespace(t)
        t = pc.if_else(pc.equal(t, ""), pa.scalar(None, t.type), t)
        if not pc.all(pc.ascii_is_decimal(t)).as_py():
            return None
    try:
        v = pc.cast(t, pa.float64()).to_numpy(zero_copy_only=False)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):  # pragma: no cover - defensive
        return None
    return pd.Series(v, index=s.index, dtype="float64")


