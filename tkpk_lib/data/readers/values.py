"""Cell values of raw files: numbers, identifier text and region codes.

Pure conversions shared by every reader: :func:`_num` (numbers of a raw column),
:func:`_id_text` (identifiers as text), kabupaten/kecamatan code text.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from tkpk_lib.data.region import kecamatan_bridge, province_code


def _num(s: pd.Series) -> pd.Series:
    """Numbers of a raw column; missing or unreadable cells are NaN.

    Nullable integers (a CSV column of codes with blanks) become float64 with NaN, so that
    comparisons give plain booleans (``pd.NA`` would break ``np.select`` and the flags).
    """
    digits = _digit_text_to_int(s)
    if digits is not None:
        return digits
    v = pd.to_numeric(s, errors="coerce")
    if isinstance(v.dtype, pd.api.extensions.ExtensionDtype):
        v = v.astype("float64")
    return v


def _digit_text_to_int(s: pd.Series) -> pd.Series | None:
    """``pd.to_numeric`` of a pyarrow-backed ``str`` column of plain digits, via pyarrow.

    For such a column (no blanks, no missing cells, at most 18 ASCII digits each) pandas
    returns int64 of the same values, parsing each cell in Python (~0.4 s for a registry
    column); pyarrow's cast takes ~0.01 s. Anything else returns None.
    """
    dt = s.dtype
    if not (
        isinstance(dt, pd.StringDtype)
        and dt.storage == "pyarrow"
        and dt.na_value is not pd.NA
        and len(s)
    ):
        return None
    import pyarrow as pa
    import pyarrow.compute as pc

    arr = pa.array(s.array)
    if arr.null_count or not pc.all(pc.ascii_is_decimal(arr)).as_py():
        return None
    if pc.max(pc.binary_length(arr)).as_py() > 18:
        return None
    v = pc.cast(arr, pa.int64()).to_numpy(zero_copy_only=False)
    return pd.Series(v, index=s.index, name=s.name, dtype="int64")


def _bps_kec_map() -> dict[str, str]:
    # every province whose BPS bridge is known: BPS codes start with the province code
    return {bps: code for code, bps in kecamatan_bridge().items()}


def _id_text(s: pd.Series) -> pd.Series:
    """Identifier as text; whole numbers stored as floats (SPSS, Excel) lose their ``.0``."""
    fast = _whole_number_text(s)
    if fast is not None:
        return fast
    return s.astype("string").str.strip().str.replace(r"\.0+$", "", regex=True)


def _whole_number_text(s: pd.Series) -> pd.Series | None:
    """:func:`_id_text` of a numpy int64/float64 column of whole numbers, via pyarrow.

    ``astype("string")`` formats each number through Python (~0.1 s per Susenas/Sakernas id
    column). For integers below 1e15 in magnitude ``str(v)`` is ``str(int(v))`` (ints) or
    that plus ``".0"`` (floats; the ``.0`` is what :func:`_id_text` removes), which is what
    pyarrow's integer-to-text cast writes. Anything else (fractions, -0.0, huge values
    Python would write in exponent form, other dtypes) returns None.
    """
    if s.dtype not in (np.dtype("int64"), np.dtype("float64")):
        return None
    import pyarrow as pa
    import pyarrow.compute as pc

    v = s.to_numpy()
    mask = None
    if v.dtype.kind == "f":
        mask = np.isnan(v)
        whole = np.where(mask, 0.0, v)
        if not (
            (np.floor(whole) == whole).all()
            and (np.abs(whole) < 1e15).all()
            and not (np.signbit(whole) & (whole == 0)).any()
        ):
            return None
        v = whole.astype(np.int64)
        mask = mask if mask.any() else None
    elif len(v) and np.abs(v).max() >= 10**15:
        return None
    text = pc.cast(pa.array(v, mask=mask), pa.large_string())
    return pd.Series(pd.arrays.ArrowStringArray(text), index=s.index, name=s.name)


def _kab_code(kab_part: pd.Series) -> pd.Series:
    v = _num(kab_part)
    return (province_code() + v.astype("Int64").astype("string").str.zfill(2)).where(v.notna())


def _code_text(s: pd.Series, width: int) -> pd.Series:
    """Region code as text: numbers (also Excel floats) to zero-padded digits."""
    st = s.astype("string").str.strip()
    if st.str.contains(".", regex=False).any():  # both replacements need a "."
        st = st.str.replace(r"\.0$", "", regex=True).str.replace(".", "", regex=False)
    return st.str.zfill(width)
