"""Readers: raw files as BPS and offices ship them -> validated canonical tables.

Survey files (Susenas KOR/KP, Sakernas, Podes) come as Stata ``.dta`` or SPSS ``.sav`` (read
with pyreadstat, value labels kept in ``df.attrs["value_labels"]``), CSV or Parquet. Their
variable names change between years: the per-year names live in
``tkpk_lib/reference/crosswalk.csv`` (one column per year), so a new year is a new column in that
table, not new code. Registry, programme map and complaints come as ``.xlsx`` or ``.csv`` as
offices export them (semicolon or comma separators, comma decimals, Latin-1 or UTF-8, NIK as
text or mangled into a float by Excel). Boundaries come as ``.shp``, ``.gpkg`` or ``.geojson``.

Every reader returns a frame validated by :func:`tkpk_lib.validate.validate_table`, or raises
one :class:`~tkpk_lib.errors.SchemaError` naming file, column and rows.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from functools import cache
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from tkpk_lib.errors import Problem, SchemaError, TkpkError
from tkpk_lib.reference_data import regions
from tkpk_lib.schemas import SCHEMAS
from tkpk_lib.validate import IdentifierCheck, _isin_text, validate_table

SURVEY_SUFFIXES = (".dta", ".sav", ".zsav", ".csv", ".parquet")
TABLE_SUFFIXES = (".csv", ".txt", ".xlsx", ".xls", ".parquet")


# --------------------------------------------------------------------------- crosswalk
@cache
def _crosswalk() -> pd.DataFrame:
    with (
        resources.files("tkpk_lib.reference").joinpath("crosswalk.csv").open(encoding="utf-8") as fh
    ):
        return pd.read_csv(fh, dtype=str, keep_default_na=False)


def crosswalk(file: str, year: int) -> dict[str, str]:
    """Raw variable name of each canonical input for one file kind and year.

    The column of the latest crosswalk year not after ``year`` is used (the earliest column
    for older years), so a Podes 2018 file reads with the 2019 names.

    Parameters
    ----------
    file : {"susenas_rt", "susenas_ind", "susenas_kp", "sakernas", "podes"}
    year : int

    Returns
    -------
    dict
        ``{name: RAW_NAME}``.

    Examples
    --------
    >>> crosswalk("susenas_rt", 2019)["pkh"], crosswalk("susenas_rt", 2024)["pkh"]
    ('R2106', 'R2204A')
    """
    cw = _crosswalk()
    years = sorted(int(c) for c in cw.columns if c.isdigit())
    usable = [y for y in years if y <= year]
    col = str(usable[-1] if usable else years[0])
    sub = cw[cw["file"] == file]
    if sub.empty:
        raise ValueError(f"unknown file kind {file!r}; known: {sorted(cw['file'].unique())}")
    return dict(zip(sub["name"], sub[col], strict=True))


# --------------------------------------------------------------------------- raw files
def read_raw(
    path: str | Path,
    *,
    allowed: Iterable[str] = SURVEY_SUFFIXES + TABLE_SUFFIXES,
    as_text: bool = False,
) -> pd.DataFrame:
    """Read one raw file into a frame, whatever format it was delivered in.

    A ``_row`` column holds the 1-based data row of the file (used in error messages and as
    the household's position for follow-up lists). Stata/SPSS value labels are kept in
    ``df.attrs["value_labels"]`` and variable labels in ``df.attrs["column_labels"]``.

    Parameters
    ----------
    path : path-like
    allowed : iterable of str
        File suffixes accepted.
    as_text : bool
        Read CSV/Excel cells as text (keeps NIK and codes exact).

    Raises
    ------
    TkpkError
        File missing, wrong file type, unreadable or empty.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "x.csv"
    >>> _ = p.write_text("a;b\\n1;2,5\\n", encoding="latin-1")
    >>> read_raw(p)[["a", "b"]].to_dict("records")
    [{'a': 1, 'b': 2.5}]
    """
    p = Path(path)
    suffix = p.suffix.lower()
    allowed = tuple(allowed)
    if not p.exists():
        raise TkpkError(f"{p}: file not found")
    if suffix not in allowed:
        raise TkpkError(
            f"{p}: wrong file type '{suffix or '(none)'}'; expected one of {', '.join(allowed)}"
        )
    if p.stat().st_size == 0:
        raise SchemaError([Problem(str(p), None, "the file is empty")])
    attrs: dict[str, dict] = {}
    try:
        if suffix in (".dta", ".sav", ".zsav"):
            import pyreadstat

            reader = pyreadstat.read_dta if suffix == ".dta" else pyreadstat.read_sav
            df, meta = reader(str(p))
            attrs["value_labels"] = dict(meta.variable_value_labels)
            attrs["column_labels"] = dict(
                zip(meta.column_names, meta.column_labels or [], strict=False)
            )
        elif suffix == ".parquet":
            df = pd.read_parquet(p)
        elif suffix in (".xlsx", ".xls"):
            df = pd.read_excel(p, dtype=str if as_text else None)
        else:
            df = _read_text_table(p, as_text=as_text)
    except TkpkError:
        raise
    except Exception as exc:  # noqa: BLE001 - turn any parser failure into one clear message
        raise TkpkError(
            f"{p}: cannot be read as a {suffix} file ({type(exc).__name__}: {exc})"
        ) from None
    if len(df) == 0:
        raise SchemaError([Problem(str(p), None, "the file has no data rows")])
    df = df.reset_index(drop=True)
    df["_row"] = np.arange(1, len(df) + 1)
    df.attrs.update(attrs)  # set last: pandas deep-copies attrs into every derived frame
    return df


def _pop_attrs(df: pd.DataFrame) -> dict:
    """Take the attrs (value labels) off a raw frame before working on its columns.

    pandas deep-copies ``attrs`` into every Series taken from a frame; with a survey file's
    value labels that was ~0.4 s of a six-year canonical build.
    """
    attrs = dict(df.attrs)
    df.attrs.clear()
    return attrs


def _read_text_table(p: Path, *, as_text: bool) -> pd.DataFrame:
    raw = p.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
        utf8 = raw[3:] if raw.startswith(b"\xef\xbb\xbf") else raw
    except UnicodeDecodeError:
        text = raw.decode("cp1252", errors="replace")
        utf8 = b""  # encoded only when the fast path applies
    head = text[:20000]
    try:
        sep = (
            csv.Sniffer().sniff(head.splitlines()[0] if head else ",", delimiters=";,\t|").delimiter
        )
    except csv.Error:
        sep = ","
    df = _read_plain_csv(utf8, text, sep)
    if df is None:
        df = pd.read_csv(io.StringIO(text), sep=sep, dtype=str, keep_default_na=False)
    df.columns = [str(c).strip() for c in df.columns]
    if not as_text:
        for c in df.columns:
            df[c] = _to_number_if_numeric(df[c], decimal_comma=(sep == ";"))
    return df


def _read_plain_csv(utf8: bytes, text: str, sep: str) -> pd.DataFrame | None:
    """Fast path of :func:`_read_text_table` for plain files: pyarrow's C++ CSV reader.

    Gives exactly what ``pd.read_csv(..., dtype=str, keep_default_na=False)`` gives (text
    columns, empty cells as ""), ~5x faster on a 600,000-row registry. Used only where the two
    parsers cannot differ: no quote character anywhere (no quoted separators or line breaks),
    more than one column and distinct, non-empty header names. Anything else, and any file
    pyarrow refuses (ragged rows, which pandas pads), returns None: the caller uses pandas.
    ``utf8`` is the file's bytes without a BOM when they are UTF-8, else empty (``text`` was
    decoded as cp1252 and is re-encoded here).
    """
    if '"' in text or len(sep) != 1:
        return None
    try:
        import pyarrow as pa
        import pyarrow.csv as pacsv
    except ImportError:  # pragma: no cover - pyarrow is a dependency
        return None
    start = 0
    while start < len(text) and text[start] in "\r\n":
        start += 1
    end = text.find("\n", start)
    first = text[start : len(text) if end < 0 else end].rstrip("\r")
    names = first.split(sep)
    if len(names) < 2 or len(set(names)) != len(names) or not all(n for n in names):
        return None
    try:
        table = pacsv.read_csv(
            io.BytesIO(utf8 or text.encode("utf-8")),
            read_options=pacsv.ReadOptions(use_threads=False),
            parse_options=pacsv.ParseOptions(delimiter=sep, quote_char=False),
            convert_options=pacsv.ConvertOptions(
                column_types={n: pa.string() for n in names},
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowTypeError, ValueError):
        return None
    if table.column_names != names:
        return None
    return table.to_pandas()


_NUM_DOT = re.compile(r"^-?\d+(\.\d+)?$")
_NUM_ID = re.compile(r"^-?\d{1,3}(\.\d{3})*(,\d+)?$|^-?\d+(,\d+)?$")


def parse_number_id(s: pd.Series) -> pd.Series:
    """Parse numbers written the Indonesian way (``1.234.567,50``) or plainly (``1234567.5``).

    Examples
    --------
    >>> parse_number_id(pd.Series(["1.234.567,50", "12,5", "300"])).tolist()
    [1234567.5, 12.5, 300.0]
    """
    st = s.astype("string").str.strip()
    dot = st.str.fullmatch(_NUM_DOT.pattern).fillna(False)
    ident = st.str.fullmatch(_NUM_ID.pattern).fillna(False) & ~dot
    out = pd.Series(np.nan, index=s.index, dtype="float64")
    out[dot] = pd.to_numeric(st[dot])
    conv = st[ident].str.replace(".", "", regex=False).str.replace(",", ".", regex=False)
    out[ident] = pd.to_numeric(conv)
    # thousands-dot only (e.g. "1.234.567") also matched _NUM_DOT when one group: keep as decimal
    return out


def _to_number_if_numeric(s: pd.Series, *, decimal_comma: bool) -> pd.Series:
    st = s.astype("string").str.strip()
    nonblank = st.ne("") & st.notna()
    if not nonblank.any():
        return s
    if decimal_comma:
        v = parse_number_id(st.where(nonblank))
    else:
        v = pd.to_numeric(st.where(nonblank), errors="coerce")
    if v[nonblank].notna().all():
        # leading zeros or 16-digit ids must stay text
        if st[nonblank].str.match(r"^0\d").any() or st[nonblank].str.len().max() >= 15:
            return s
        if (v.dropna() == np.floor(v.dropna())).all() and not st[nonblank].str.contains(
            r"[.,]"
        ).any():
            return v.astype("Int64")
        return v
    return s


def _take(
    df: pd.DataFrame, file: str, year: int, source: str, optional: Iterable[str] = ()
) -> tuple[pd.DataFrame, list[Problem]]:
    """Rename raw variables to crosswalk names (case-insensitive); report missing ones."""
    cw = crosswalk(file, year)
    lower = {str(c).lower(): c for c in df.columns}
    out = pd.DataFrame(index=df.index)
    problems: list[Problem] = []
    optional = set(optional)
    for name, raw in cw.items():
        col = lower.get(raw.lower())
        if col is None:
            if name not in optional:
                found = ", ".join(str(c) for c in df.columns if c != "_row")
                problems.append(
                    Problem(
                        source,
                        raw,
                        f"variable for '{name}' ({file}, {year}) is missing "
                        f"(columns found: {found})",
                    )
                )
            continue
        out[name] = df[col]
    if "_row" in df.columns:
        out["_row"] = df["_row"]
    return out, problems


def _num(s: pd.Series) -> pd.Series:
    digits = _digit_text_to_int(s)
    if digits is not None:
        return digits
    return pd.to_numeric(s, errors="coerce")


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


@cache
def _bps_kec_map() -> dict[str, str]:
    k = regions("kecamatan")
    return dict(zip(k["code_bps"], k["code"], strict=True))


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
    return ("17" + v.astype("Int64").astype("string").str.zfill(2)).where(v.notna())


def _code_text(s: pd.Series, width: int) -> pd.Series:
    """Region code as text: numbers (also Excel floats) to zero-padded digits."""
    st = s.astype("string").str.strip()
    if st.str.contains(".", regex=False).any():  # both replacements need a "."
        st = st.str.replace(r"\.0$", "", regex=True).str.replace(".", "", regex=False)
    return st.str.zfill(width)


# --------------------------------------------------------------------------- Susenas
def _find(folder: Path, pattern: str, what: str) -> Path:
    hits = sorted(p for p in folder.glob(pattern) if p.suffix.lower() in SURVEY_SUFFIXES)
    if not hits:
        raise TkpkError(f"{folder}: no {what} file matching '{pattern}' (.dta/.sav/.csv/.parquet)")
    return hits[0]


def default_poverty_lines() -> pd.DataFrame:
    """Poverty line per kabupaten and year (BPS published where found, else assumed).

    Returns a frame with kab_code, year, poverty_line, assumed.

    Examples
    --------
    >>> pl = default_poverty_lines()
    >>> float(pl.query("kab_code == '1771' and year == 2024")["poverty_line"].iloc[0])
    820354.0
    """
    return _default_poverty_lines().copy()


@cache
def _default_poverty_lines() -> pd.DataFrame:
    # calibration_grid() takes ~0.35 s; the shipped reference tables do not change in a process
    from tkpk_lib.reference_data import calibration_grid

    g = calibration_grid()
    g = g[g["indicator"] == "garis_kemiskinan"]
    return g.rename(columns={"value": "poverty_line"})[
        ["kab_code", "year", "poverty_line", "assumed"]
    ].reset_index(drop=True)


def read_susenas(
    folder: str | Path,
    year: int,
    *,
    poverty_lines: pd.DataFrame | None = None,
) -> dict[str, pd.DataFrame]:
    """Read one year of Susenas March (KOR household + KOR individual + KP expenditure).

    Parameters
    ----------
    folder : path-like
        Folder with ``*kor_rt*``, ``*kor_ind*`` and ``*kp*`` files of the year.
    year : int
        Survey year; selects the crosswalk column.
    poverty_lines : DataFrame, optional
        Columns kab_code, year, poverty_line (optionally urban); defaults to
        :func:`default_poverty_lines`.

    Returns
    -------
    dict
        ``{"households": DataFrame, "persons": DataFrame}`` in canonical form.

    Notes
    -----
    Derived indicators follow BPS definitions (see the data dictionary): improved drinking
    water = bottled/refill, piped, tube well, protected well or spring, rain water; proper
    sanitation = own/shared/communal toilet with goose-neck closet and septic tank/IPAL (in
    rural areas a pit also counts); decent housing = durable roof, wall and floor, at least
    7.2 m2 per person, improved water and proper sanitation; subsidised electricity = PLN meter
    of 450 or 900 VA; PBI = any member's JKN paid by government; PIP = any member received PIP.
    """
    folder = Path(folder)
    f_rt = _find(folder, "*kor_rt*", "Susenas KOR household")
    f_ind = _find(folder, "*kor_ind*", "Susenas KOR individual")
    f_kp = _find(folder, "*kp*", "Susenas KP expenditure")
    rt_raw, ind_raw, kp_raw = read_raw(f_rt), read_raw(f_ind), read_raw(f_kp)
    rt_attrs, ind_attrs = _pop_attrs(rt_raw), _pop_attrs(ind_raw)
    _pop_attrs(kp_raw)
    rt, p1 = _take(rt_raw, "susenas_rt", year, f_rt.name, optional=("registry_decile",))
    ind, p2 = _take(ind_raw, "susenas_ind", year, f_ind.name)
    kp, p3 = _take(kp_raw, "susenas_kp", year, f_kp.name)
    problems = p1 + p2 + p3
    if problems:
        raise SchemaError(problems)

    for t in (rt, ind, kp):
        t["hh_id"] = _id_text(t["hh_id"])
    hh = pd.DataFrame({"_row": rt["_row"], "year": year, "hh_id": rt["hh_id"]})
    prov = _num(rt["prov"])
    bad_prov = prov.ne(17).to_numpy()
    if bad_prov.any():
        problems.append(
            Problem(
                f_rt.name,
                crosswalk("susenas_rt", year)["prov"],
                "province code is not 17 (Bengkulu)",
                list(rt["_row"][bad_prov]),
            )
        )
    hh["kab_code"] = _kab_code(rt["kab"])
    kec_bps = hh["kab_code"] + _num(rt["kec_bps"]).astype("Int64").astype("string").str.zfill(3)
    hh["kec_code"] = kec_bps.map(_bps_kec_map())
    unk = hh["kec_code"].isna() & kec_bps.notna()
    if unk.any():
        problems.append(
            Problem(
                f_rt.name,
                crosswalk("susenas_rt", year)["kec_bps"],
                "kecamatan code not in the BPS-Kemendagri bridging table",
                list(rt["_row"][unk]),
            )
        )
    hh["urban"] = (_num(rt["urban"]) == 1).astype("int8")
    hh.loc[~_num(rt["urban"]).isin([1, 2]).to_numpy(), "urban"] = np.nan
    hh["stratum"] = _id_text(rt["stratum"])
    hh["psu"] = _id_text(rt["psu"])
    hh["weight"] = _num(rt["weight"])
    hh["hh_size"] = _num(rt["hh_size"])

    # expenditure from KP
    kp_dup = kp["hh_id"].duplicated(keep=False)
    if kp_dup.any():
        problems.append(
            Problem(
                f_kp.name,
                crosswalk("susenas_kp", year)["hh_id"],
                "duplicate household ids",
                list(kp["_row"][kp_dup]),
            )
        )
    kp_exp = _num(kp["exp_pc"])
    for mask, what in (
        (kp_exp < 0, "negative expenditure"),
        (kp_exp.isna(), "missing or non-numeric expenditure"),
    ):
        if mask.any():
            problems.append(
                Problem(
                    f_kp.name,
                    crosswalk("susenas_kp", year)["exp_pc"],
                    what,
                    list(kp["_row"][mask.to_numpy()]),
                )
            )
    # reported above against the KP file; neutralised here so the household check does not repeat it
    # (the whole read fails whenever a problem was found, so no value is used silently)
    exp = (
        kp.assign(exp_pc=kp_exp.clip(lower=0).fillna(0))
        .drop_duplicates("hh_id")
        .set_index("hh_id")["exp_pc"]
    )
    hh["exp_pc"] = _num(hh["hh_id"].map(exp))
    no_exp = hh["hh_id"].map(exp).isna()
    if no_exp.any():
        problems.append(
            Problem(
                f_rt.name,
                crosswalk("susenas_rt", year)["hh_id"],
                f"households without expenditure in {f_kp.name}",
                list(rt["_row"][no_exp]),
            )
        )

    pl = default_poverty_lines() if poverty_lines is None else poverty_lines
    pl = pl[pl["year"] == year]
    if "urban" in pl.columns:
        key = (
            hh[["kab_code", "urban"]]
            .astype({"urban": "float"})
            .merge(pl.astype({"urban": "float"}), on=["kab_code", "urban"], how="left")
        )
    else:
        key = hh[["kab_code"]].merge(pl[["kab_code", "poverty_line"]], on="kab_code", how="left")
    hh["poverty_line"] = key["poverty_line"].to_numpy()
    no_line = hh["poverty_line"].isna() & hh["kab_code"].notna()
    if no_line.any():
        problems.append(
            Problem(
                "poverty-line table",
                "poverty_line",
                f"no poverty line for year {year} and kabupaten "
                f"{sorted(set(hh.loc[no_line, 'kab_code']))}",
                [],
            )
        )

    # persons
    ind = ind.copy()
    ind["age"] = _num(ind["age"])
    ind["relation"] = _num(ind["relation"])
    head = ind[ind["relation"] == 1].drop_duplicates("hh_id").set_index("hh_id")
    hh["head_female"] = (hh["hh_id"].map(_num(head["sex"])) == 2).astype("int8")
    hh["head_age"] = hh["hh_id"].map(head["age"])
    no_head = hh["head_age"].isna()
    if no_head.any():
        problems.append(
            Problem(
                f_ind.name,
                crosswalk("susenas_ind", year)["relation"],
                "households without a head (relation code 1) in the individual file",
                list(rt["_row"][no_head]),
            )
        )
    hh["head_educ"] = hh["hh_id"].map(_num(head["educ"]))
    flags = pd.DataFrame(
        {
            "hh_id": ind["hh_id"],
            "disabled": (_num(ind["difficulty"]) >= 3).astype("int8"),
            "elderly": (ind["age"] >= 60).astype("int8"),
            "child": ((ind["age"] >= 7) & (ind["age"] <= 18)).astype("int8"),
            "pbi": _num(ind["jkn"]).isin([1, 2]).astype("int8"),
            "pip": (_num(ind["pip"]) == 1).astype("int8"),
        }
    )
    g = flags.groupby("hh_id")
    anyf = g[["disabled", "elderly", "pbi", "pip"]].max()
    hh["has_disabled"] = hh["hh_id"].map(anyf["disabled"]).fillna(0)
    hh["has_elderly"] = hh["hh_id"].map(anyf["elderly"]).fillna(0)
    hh["n_children_7_18"] = hh["hh_id"].map(g["child"].sum()).fillna(0)
    pbi, pip = anyf["pbi"], anyf["pip"]

    water = _num(rt["water"])
    hh["water_source"] = water.map(
        {1: 1, 2: 1, 3: 2, 4: 2, 5: 3, 6: 3, 8: 4, 11: 5, 7: 6, 9: 6, 10: 7, 12: 7}
    )
    hh["water_safe"] = water.isin([1, 2, 3, 4, 5, 6, 8, 11]).astype("int8")
    toilet, closet, disp = _num(rt["toilet"]), _num(rt["closet"]), _num(rt["disposal"])
    rural = hh["urban"] == 0
    hh["sanitation_safe"] = (
        toilet.isin([1, 2, 3]) & (closet == 1) & (disp.isin([1, 2]) | (rural & (disp == 5)))
    ).astype("int8")
    light = _num(rt["lighting"])
    hh["electricity"] = light.isin([1, 2, 3]).astype("int8")
    hh["floor_earth"] = (_num(rt["floor"]) == 8).astype("int8")
    hh["wall_poor"] = _num(rt["wall"]).isin([4, 5, 6, 7]).astype("int8")
    hh["roof_poor"] = _num(rt["roof"]).isin([5, 7, 8]).astype("int8")
    area_pc = _num(rt["floor_area"]) / hh["hh_size"]
    hh["decent_housing"] = (
        (hh["floor_earth"] == 0)
        & (hh["wall_poor"] == 0)
        & (hh["roof_poor"] == 0)
        & (area_pc >= 7.2)
        & (hh["water_safe"] == 1)
        & (hh["sanitation_safe"] == 1)
    ).astype("int8")
    hh["rcv_pkh"] = (_num(rt["pkh"]) == 1).astype("int8")
    hh["rcv_bpnt"] = (_num(rt["bpnt"]) == 1).astype("int8")
    hh["rcv_pbi"] = hh["hh_id"].map(pbi).fillna(0)
    hh["rcv_pip"] = hh["hh_id"].map(pip).fillna(0)
    hh["rcv_blt_dd"] = (_num(rt["blt_dd"]) == 1).astype("int8")
    hh["rcv_lpg"] = (_num(rt["lpg_subsidy"]) == 1).astype("int8")
    hh["rcv_listrik"] = ((light == 1) & _num(rt["elec_va"]).isin([450, 900])).astype("int8")
    hh["rcv_kur"] = (_num(rt["kur"]) == 1).astype("int8")
    if "registry_decile" in rt.columns:
        hh["registry_decile"] = _num(rt["registry_decile"])

    households = validate_table(hh, "households", source=f_rt.name, extra_problems=problems)

    # persons table
    hmap = households.set_index("hh_id")
    pp = pd.DataFrame(
        {
            "_row": ind["_row"],
            "year": year,
            "hh_id": ind["hh_id"],
            "person_no": _num(ind["person_no"]),
        }
    )
    orphan = ~_isin_text(pp["hh_id"], tuple(hmap.index))
    for c in ("kab_code", "urban", "stratum", "psu", "weight"):
        pp[c] = pp["hh_id"].map(hmap[c])
    pp["age"] = ind["age"]
    pp["female"] = (_num(ind["sex"]) == 2).astype("int8")
    pp["is_head"] = (ind["relation"] == 1).astype("int8")
    pp["disabled"] = (_num(ind["difficulty"]) >= 3).astype("int8")
    pp["school_status"] = _num(ind["school"]).map({1: 0, 2: 1, 3: 2})
    jkn = _num(ind["jkn"])
    pp["jkn_member"] = jkn.isin([1, 2, 3]).astype("int8")
    pp["jkn_pbi"] = jkn.isin([1, 2]).astype("int8")
    pproblems = []
    if orphan.any():
        pproblems.append(
            Problem(
                f_ind.name,
                crosswalk("susenas_ind", year)["hh_id"],
                "persons whose household is not in the household file",
                list(pp["_row"][orphan]),
            )
        )
    persons = validate_table(pp, "persons", source=f_ind.name, extra_problems=pproblems)
    households.attrs["value_labels"] = rt_attrs.get("value_labels", {})
    persons.attrs["value_labels"] = ind_attrs.get("value_labels", {})
    return {"households": households, "persons": persons}


# --------------------------------------------------------------------------- Sakernas
def read_sakernas(path: str | Path, year: int) -> pd.DataFrame:
    """Read a Sakernas August person file into the canonical ``labour`` table.

    Labour-force status follows BPS: employed = worked at least one hour last week or
    temporarily absent; unemployed = aged 15+, not employed and seeking work, preparing a
    business, discouraged or with a job not yet started; otherwise outside the labour force.
    Informal = own-account, employer with temporary workers, casual and unpaid family workers.

    Examples
    --------
    >>> from tkpk_lib.readers import crosswalk
    >>> crosswalk("sakernas", 2019)["age"]
    'B4_K8'
    """
    p = Path(path)
    raw = read_raw(p)
    raw_attrs = _pop_attrs(raw)
    t, problems = _take(raw, "sakernas", year, p.name)
    if problems:
        raise SchemaError(problems)
    out = pd.DataFrame({"_row": t["_row"], "year": year})
    out["person_id"] = (
        _id_text(t["psu"])
        + "-"
        + _id_text(t["hh_no"])
        + "-"
        + _id_text(t["person_no"])
    )
    out["kab_code"] = _kab_code(t["kab"])
    out["urban"] = (_num(t["urban"]) == 1).astype("int8")
    out["stratum"] = _id_text(t["stratum"])
    out["psu"] = _id_text(t["psu"])
    out["weight"] = _num(t["weight"])
    age = _num(t["age"])
    out["age"] = age
    out["female"] = (_num(t["sex"]) == 2).astype("int8")
    worked = _num(t["worked"]) == 1
    seeking = (_num(t["seeking"]) == 1) & (age >= 15)
    out["lf_status"] = np.select([worked, seeking], [1, 2], 3)
    out["hours"] = _num(t["hours"]).where(worked)
    out["sector"] = _num(t["sector"]).where(worked)
    out["informal"] = (worked & _num(t["emp_status"]).isin([1, 2, 5, 6, 7])).astype("int8")
    out["wants_more_hours"] = (worked & (out["hours"] < 35) & (_num(t["want_more"]) == 1)).astype(
        "int8"
    )
    bad_prov = _num(t["prov"]).ne(17).to_numpy()
    if bad_prov.any():
        problems.append(
            Problem(
                p.name,
                crosswalk("sakernas", year)["prov"],
                "province code is not 17 (Bengkulu)",
                list(t["_row"][bad_prov]),
            )
        )
    df = validate_table(out, "labour", source=p.name, extra_problems=problems)
    df.attrs["value_labels"] = raw_attrs.get("value_labels", {})
    return df


# --------------------------------------------------------------------------- Podes
def read_podes(path: str | Path, year: int) -> pd.DataFrame:
    """Read a Podes village file into the canonical ``villages`` table.

    Every village must be in Bengkulu's region list (a Podes village absent from it is
    reported by row).
    """
    p = Path(path)
    raw = read_raw(p)
    raw_attrs = _pop_attrs(raw)
    t, problems = _take(raw, "podes", year, p.name, optional=("lat", "lon"))
    if problems:
        raise SchemaError(problems)
    out = pd.DataFrame({"_row": t["_row"], "year": year})
    out["desa_code"] = _code_text(t["desa"], 10)
    out["kec_code"] = out["desa_code"].str[:6]
    out["kab_code"] = out["desa_code"].str[:4]
    out["desa_name"] = t["desa_name"].astype("string")
    out["kelurahan"] = (_num(t["status"]) == 2).astype("int8")
    out["population"] = _num(t["pop_male"]) + _num(t["pop_female"])
    fam = _num(t["families"])
    out["families"] = fam
    out["dist_school_km"] = _num(t["dist_school"])
    out["dist_health_km"] = _num(t["dist_health"])
    out["dist_market_km"] = _num(t["dist_market"])
    out["road_surface"] = _num(t["road"])
    out["electricity_share"] = (
        (_num(t["families_electric"]) / fam.where(fam > 0)).clip(upper=1.0).fillna(0.0)
    )
    out["signal"] = _num(t["signal"]).map({1: 2, 2: 1, 3: 0})
    out["water_source"] = _num(t["water"])
    out["sanitation"] = _num(t["toilet"])
    out["malnutrition_cases"] = _num(t["malnutrition"])
    out["disasters"] = _num(t["disasters"])
    if "lat" in t.columns:
        out["lat"] = _num(t["lat"])
        out["lon"] = _num(t["lon"])
    df = validate_table(out, "villages", source=p.name)
    df.attrs["value_labels"] = raw_attrs.get("value_labels", {})
    return df


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
"""Registry identifiers checked for damage by Excel (:class:`tkpk_lib.validate.IdentifierCheck`)."""


def _fix_id(s: pd.Series) -> pd.Series:
    """NIK/KK as text: stripped, '1701...0.0' (whole floats written as text) recovered.

    Scientific notation and other signs of digits lost in Excel are reported by
    :class:`tkpk_lib.validate.IdentifierCheck`.
    """
    st = s.astype("string").str.strip()
    # the regex needs a "." : a plain column of digits (the usual case) skips it
    if st.str.contains(".", regex=False).any():
        st = st.str.replace(r"^(\d{16})\.0+$", r"\1", regex=True)
    return st


def _excel_numeric_cells(path: Path, names: Iterable[str]) -> dict[str, np.ndarray]:
    """Data rows whose cell is stored as a number, for the named columns of a workbook.

    The text read of a workbook (``read_raw(..., as_text=True)``) cannot tell a NIK typed
    as text from one stored as a number (whose 16th digit Excel has replaced by 0). The
    sheet is the first one whose header holds one of ``names`` (case-insensitive, stripped),
    the header the first such row among the first 50; data rows are counted from the row
    below it, blank rows included (as :func:`read_raw` numbers them).

    Returns
    -------
    dict
        Upper-cased column name -> sorted array of 1-based data rows with a numeric cell.
    """
    import openpyxl

    wanted = {str(n).strip().upper() for n in names}
    out: dict[str, np.ndarray] = {}
    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        for ws in wb.worksheets:
            cols: dict[int, str] = {}
            it = ws.iter_rows()
            for _, row in zip(range(50), it, strict=False):
                cols = {
                    i: str(c.value).strip().upper()
                    for i, c in enumerate(row)
                    if c.value is not None and str(c.value).strip().upper() in wanted
                }
                if cols:
                    break
            if not cols:
                continue
            hits: dict[int, list[int]] = {i: [] for i in cols}
            for k, row in enumerate(it, start=1):
                for i in cols:
                    if i < len(row):
                        c = row[i]
                        if c.data_type == "n" and c.value is not None and not isinstance(c.value, bool):
                            hits[i].append(k)
            out = {cols[i]: np.asarray(v, dtype=np.int64) for i, v in hits.items()}
            break
    finally:
        wb.close()
    return out


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

    ``raw`` has the file's columns and ``_row`` (the file's data rows); the identifier
    evidence of the batch goes to ``checks`` (one :class:`IdentifierCheck` per identifier
    column present); ``numeric_cells`` gives, per upper-cased file column, the data rows a
    workbook stores as numbers (:func:`_excel_numeric_cells`).
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
_REGISTRY_NAMES = frozenset(SCHEMAS["registry"].names)


def _label_registry_problems(
    problems: list[Problem], ren: dict[str, str], columns: dict[str, str] | None
) -> list[Problem]:
    """Problems with the user's column name first and the canonical name beside it.

    ``NIK (nik)``: the name in the user's file (or, for a missing column, the name expected
    there); kecamatan and kabupaten codes are derived from the desa code, so their problems
    name the desa-code column. Columns already labelled (identifier checks) stay as they are.
    """
    user = {canon: str(u).strip() for u, canon in ren.items()}
    expected = {canon: u for u, canon in (columns or REGISTRY_COLUMNS).items()}
    out = []
    for pr in problems:
        src = _DERIVED_FROM.get(str(pr.column), pr.column)
        name = user.get(src) or expected.get(src)
        if pr.column in _REGISTRY_NAMES and name and name != pr.column:
            pr = Problem(pr.file, f"{name} ({pr.column})", pr.message, pr.rows)
        out.append(pr)
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
    (:class:`tkpk_lib.validate.IdentifierCheck`). Large files are better written to Parquet
    batch by batch with :func:`tkpk_lib.registry_stream.write_registry_parquet` (same
    table, same messages, bounded memory).

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
    raw = read_raw(p, allowed=TABLE_SUFFIXES, as_text=True)
    ren = _registry_columns(raw, columns)
    checks = _identifier_checks(ren, p.name)
    numeric_cells = None
    if p.suffix.lower() == ".xlsx" and checks:
        numeric_cells = _excel_numeric_cells(p, [u for u, c in ren.items() if c in checks])
    df = _registry_batch(raw, ren, checks, numeric_cells)
    problems = [pr for c in ID_COLUMNS if c in checks for pr in checks[c].problems()]
    try:
        return validate_table(df, "registry", source=p.name, extra_problems=problems)
    except SchemaError as e:
        raise SchemaError(_label_registry_problems(e.problems, ren, columns)) from None


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
}
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


def _read_office_table(path: str | Path, mapping: dict[str, str], schema: str) -> pd.DataFrame:
    p = Path(path)
    raw = read_raw(p, allowed=TABLE_SUFFIXES, as_text=True)
    up = {k.upper(): v for k, v in mapping.items()}
    df = raw.rename(
        columns={c: up[str(c).strip().upper()] for c in raw.columns if str(c).strip().upper() in up}
    )
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
    return validate_table(df, schema, source=p.name)


def read_programmes(path: str | Path) -> pd.DataFrame:
    """Read a programme map (RAT/LP2KD style) from ``.xlsx`` or ``.csv``."""
    return _read_office_table(path, PROGRAMME_COLUMNS, "programmes")


def read_complaints(path: str | Path) -> pd.DataFrame:
    """Read a complaints log from ``.csv`` or ``.xlsx``."""
    return _read_office_table(path, COMPLAINT_COLUMNS, "complaints")


# --------------------------------------------------------------------------- boundaries
def read_boundaries(
    path: str | Path, level: str, *, code_column: str | None = None
):  # -> GeoDataFrame
    """Read boundary polygons (``.shp``, ``.gpkg``, ``.geojson``) keyed by Kemendagri code.

    Codes are normalised to digits only (``17.01.01`` -> ``170101``) and joined to the region
    list; the result has ``code``, ``name`` (from the region list), ``geometry`` and
    ``attrs["unmatched"]``: a frame of codes present on one side only (``side`` = "file" or
    "region list"). A file code unknown in Bengkulu is reported, never dropped silently.

    Parameters
    ----------
    path : path-like
    level : {"kabupaten", "kecamatan", "desa"}
    code_column : str, optional
        Column holding the code; by default the first of ``code``, ``kode``, ``kode_kemendagri``
        found.
    """
    import geopandas as gpd

    p = Path(path)
    if p.suffix.lower() not in (".shp", ".gpkg", ".geojson", ".json"):
        raise TkpkError(f"{p}: wrong file type '{p.suffix}'; expected .shp, .gpkg or .geojson")
    if not p.exists():
        raise TkpkError(f"{p}: file not found")
    try:
        g = gpd.read_file(p)
    except Exception as exc:  # noqa: BLE001
        raise TkpkError(
            f"{p}: cannot be read as a boundary file ({type(exc).__name__}: {exc})"
        ) from None
    if len(g) == 0:
        raise SchemaError([Problem(str(p), None, "the file has no features")])
    cands = (
        [code_column] if code_column else ["code", "kode", "kode_kemendagri", "KODE", "kode_desa"]
    )
    col = next((c for c in cands if c in g.columns), None)
    if col is None:
        raise SchemaError(
            [
                Problem(
                    p.name,
                    cands[0],
                    f"no region-code column (looked for {', '.join(cands)}; "
                    f"columns found: {', '.join(map(str, g.columns))})",
                )
            ]
        )
    g = g.copy()
    g["code"] = g[col].astype("string").str.replace(".", "", regex=False).str.strip()
    if g.crs is None:
        g = g.set_crs("EPSG:4326")
    elif g.crs.to_epsg() != 4326:
        g = g.to_crs("EPSG:4326")
    ref = regions(level)
    names = dict(zip(ref["code"], ref["name"], strict=True))
    in_file = set(g["code"].dropna())
    in_ref = set(ref["code"])
    unmatched = pd.DataFrame(
        [{"code": c, "side": "file"} for c in sorted(in_file - in_ref)]
        + [{"code": c, "side": "region list", "name": names[c]} for c in sorted(in_ref - in_file)]
    )
    g["name"] = g["code"].map(names)
    keep = ["code", "name", "geometry"] + [c for c in ("parent",) if c in g.columns]
    out = g[keep]
    out.attrs["unmatched"] = unmatched
    return out
