"""validate_table's pyarrow fast paths give exactly what the plain pandas expressions give."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tkpk_lib.data import validate

TEXT = ["1701011234567891", "170101123456789", "17010112345678910", "\uff11\uff1701011234567891",
        "17010112345678a1", "", None, " 1701011234567891", "1701011234567891", "\u0663701011234567891",
        "1701011234567891\n"]
DTYPES = ["string", "str", pd.StringDtype("python"), object]


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@pytest.mark.parametrize("values", [TEXT, [t for t in TEXT if t is None or t.isascii()], [None, None], []],
                         ids=["unicode", "ascii", "missing", "empty"])
def test_fullmatch_fixed_digits(dtype, values):
    st = pd.Series(values, dtype=dtype).astype("string") if dtype is object else pd.Series(values, dtype=dtype)
    want = st.fillna("").str.fullmatch(r"\d{16}").fillna(False).to_numpy(dtype=bool)
    assert validate._fullmatch_text(st, r"\d{16}").tolist() == want.tolist()
    # other patterns always take the pandas path
    want = st.fillna("").str.fullmatch(r"17\d+").fillna(False).to_numpy(dtype=bool)
    assert validate._fullmatch_text(st, r"17\d+").tolist() == want.tolist()


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
def test_duplicated_keys(dtype):
    df = pd.DataFrame({"k": pd.Series(["a", "b", "a", None, None, "c", "b "], dtype=dtype), "n": [1, 1, 2, 3, 3, 4, 1]})
    for key in (["k"], ["k", "n"]):
        want = df.duplicated(key, keep=False).to_numpy()
        assert validate._duplicated_keys(df, key).tolist() == want.tolist()
    assert validate._duplicated_keys(df, ["k"]).tolist() == [True, False, True, True, True, False, False]


@pytest.mark.parametrize("values", [["1", " 2", "", None], ["1", "2"], [None, None], ["  ", None], ["1e3", "2"],
                                    ["-1", "0.5"], ["\u0663", "1"], ["9" * 400], ["007", "12345678901234567891"]])
def test_numeric_text(values):
    s = pd.Series(values, dtype="str")
    st = s.astype("string").str.strip().replace("", pd.NA)
    try:
        want = st.astype("float64")
    except (TypeError, ValueError):
        want = pd.to_numeric(s, errors="coerce")
    pd.testing.assert_series_equal(validate._numeric(s), want, check_names=False)


def test_isin_text_and_region_check():
    codes = validate._known_code_list("desa")
    assert len(codes) == 1513 and codes == tuple(sorted(codes))
    for dtype in ("string", "str", pd.StringDtype("python")):
        st = pd.Series(["1701012001", "1801012001", None, "", codes[-1]], dtype=dtype)
        assert validate._isin_text(st, codes).tolist() == st.isin(list(codes)).to_numpy(dtype=bool).tolist()
        assert validate._isin_text(st, codes).tolist() == [True, False, False, False, True]
    df = pd.DataFrame({"row_no": [1], "nik": ["1701012001000001"], "kk_no": ["17010120010000x1"]})
    with pytest.raises(validate.SchemaError, match=r"column 'kk_no': values not of the form .*\[rows 1;"):
        validate.validate_table(df, "registry")


def test_digits_to_float_only_for_pyarrow_text():
    assert validate._digits_to_float(pd.Series(["1", "2"], dtype=object)) is None
    assert validate._digits_to_float(pd.Series(["1", "x"], dtype="str")) is None
    got = validate._digits_to_float(pd.Series(["1", None, " 3 "], dtype="str"))
    np.testing.assert_array_equal(got.to_numpy(), [1.0, np.nan, 3.0])
