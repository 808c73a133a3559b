"""The province of a data root: its ``tkpk.toml``, else its files, else the demo's.

:func:`region_of_root` reads ``tkpk.toml`` at the root (``province = "NN"``), else the province
code in the first rows of the Susenas KOR household files and the registry's desa codes
(confirmed on the console; files of two provinces are an error naming them), else, for the
demo folder only, the demo's province (``reference/demo.json``). :func:`use_root` makes it the
process's province (:func:`tkpk_lib.data.region.use_region`). A root whose province has no
shipped BPS kecamatan bridge may hold its own (``bps_kecamatan.csv``: kec_code, kec_bps).
"""

from __future__ import annotations

import json
import os
import tomllib
from pathlib import Path

import pandas as pd

from tkpk_lib.data.region import (
    PROVINCE_ENV,
    Region,
    _open_reference,
    add_bps_bridge,
    province_names,
    use_region,
)
from tkpk_lib.errors import TkpkError

__all__ = ["BRIDGE_FILE", "CONFIG_FILE", "region_of_root", "use_root"]

#: The user's BPS kecamatan bridge at a data root (columns kec_code, kec_bps), for provinces
#: whose bridge is not shipped.
BRIDGE_FILE = "bps_kecamatan.csv"
#: File at a data root that names its province (``province = "NN"``, the two-digit code).
CONFIG_FILE = "tkpk.toml"


def _config_province(root: Path) -> str | None:
    f = root / CONFIG_FILE
    if not f.is_file():
        return None
    try:
        conf = tomllib.loads(f.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise TkpkError(f"{f}: cannot read the configuration ({exc})") from exc
    code = conf.get("province")
    if code is None:
        raise TkpkError(f'{f}: no "province" setting; write for example province = "NN" '
                        "with the two-digit Kemendagri code")
    code = str(code).strip()
    if code not in province_names():
        raise TkpkError(f"{f}: province = {code!r} is not a province code of the national "
                        "region reference (two digits, Kepmendagri 2025)")
    return code


def _raw(root: Path, source: str) -> Path:
    from tkpk_lib.data.canonical import raw_dir  # any case: raw/Susenas is raw/susenas

    return raw_dir(root, source)


def _susenas_provinces(root: Path) -> dict[str, set[str]]:
    """Province codes in the first rows of each Susenas KOR household file: file -> codes."""
    from tkpk_lib.data.readers.codes import crosswalk
    from tkpk_lib.data.readers.tabular import SURVEY_SUFFIXES, read_raw

    found: dict[str, set[str]] = {}
    for year_dir in sorted(_raw(root, "susenas").glob("[0-9][0-9][0-9][0-9]")):
        for f in sorted(year_dir.glob("*")):
            if "kor_rt" not in f.name.lower() or f.suffix.lower() not in SURVEY_SUFFIXES:
                continue
            try:
                col = crosswalk("susenas_rt", int(year_dir.name))["prov"]
            except (KeyError, TkpkError):
                continue
            codes = _read_codes(f, col, read_raw)
            if codes:
                found[str(f)] = codes
    return found


def _registry_provinces(root: Path) -> dict[str, set[str]]:
    """Province (first two digits) of the desa codes in the first rows of each registry CSV."""
    from tkpk_lib.data.readers.admin import REGISTRY_COLUMNS

    desa_col = next(k for k, v in REGISTRY_COLUMNS.items() if v == "desa_code")
    found: dict[str, set[str]] = {}
    for f in sorted(_raw(root, "registry").glob("*")):
        if f.suffix.lower() not in (".csv", ".txt"):
            continue
        try:
            head = pd.read_csv(f, sep=None, engine="python", nrows=500, dtype=str,
                               usecols=lambda c: str(c).strip().upper() == desa_col)
        except (OSError, ValueError, UnicodeDecodeError, pd.errors.ParserError):
            continue
        if head.shape[1]:
            codes = head.iloc[:, 0].dropna().str.strip()
            codes = {c[:2] for c in codes if len(c) == 10 and c.isdigit()}
            if codes:
                found[str(f)] = codes
    return found


def _read_codes(f: Path, col: str, read_raw: object) -> set[str]:
    """Two-digit codes of column ``col`` (any case) in the first rows of one survey file."""
    suffix = f.suffix.lower()
    try:
        if suffix in (".dta", ".sav", ".zsav"):
            import pyreadstat

            reader = pyreadstat.read_dta if suffix == ".dta" else pyreadstat.read_sav
            meta = reader(str(f), metadataonly=True)[1]
            names = {n.lower(): n for n in meta.column_names}
            if col.lower() not in names:
                return set()
            df = reader(str(f), usecols=[names[col.lower()]], row_limit=5000,
                        apply_value_formats=False)[0]
        else:
            df = read_raw(f)  # type: ignore[operator]
            df = df.rename(columns={c: str(c) for c in df.columns})
            names = {n.lower(): n for n in df.columns}
            if col.lower() not in names:
                return set()
            df = df[[names[col.lower()]]]
    except (OSError, ValueError) as exc:
        raise TkpkError(f"{f}: cannot read column {col!r} to find the province ({exc})") from exc
    v = pd.to_numeric(df.iloc[:, 0], errors="coerce").dropna()
    return {f"{int(x):02d}" for x in v.unique()}


def _demo_province() -> str:
    with _open_reference("demo.json") as fh:
        return str(json.load(fh)["province"])


def region_of_root(root: str | Path, *, announce: bool = False) -> Region:
    """The province of a data root: its ``tkpk.toml``, else its files, else the demo's.

    Parameters
    ----------
    root : path
        Data root.
    announce : bool
        Print ``Provinsi dibaca dari berkas: NN Nama`` when the province was read from the
        files (there is no ``tkpk.toml``).

    Returns
    -------
    Region

    Raises
    ------
    TkpkError
        ``tkpk.toml`` is unreadable or names no province of the reference; the files hold
        codes of more than one province (naming the files); nothing tells the province.

    Examples
    --------
    >>> import tempfile
    >>> d = Path(tempfile.mkdtemp())
    >>> _ = (d / "tkpk.toml").write_text('province = "13"')
    >>> region_of_root(d).title
    'Provinsi Sumatera Barat'
    """
    region = _province_of_root(Path(root), announce)
    _load_bridge(Path(root), region)
    return region


def _load_bridge(root: Path, region: Region) -> None:
    """Register the root's own BPS kecamatan bridge (``bps_kecamatan.csv``), when it has one."""
    f = root / BRIDGE_FILE
    if not f.is_file():
        return
    try:
        t = pd.read_csv(f, dtype=str, keep_default_na=False, sep=None, engine="python")
    except (OSError, ValueError, UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise TkpkError(f"{f}: cannot read the BPS kecamatan bridge ({exc})") from exc
    missing = [c for c in ("kec_code", "kec_bps") if c not in t.columns]
    if missing:
        raise TkpkError(f"{f}: columns {missing} missing (kec_code = Kemendagri kecamatan code, "
                        "kec_bps = 7-digit BPS code)")
    kec, bps = t["kec_code"].str.strip(), t["kec_bps"].str.strip()
    bad = ~kec.isin(region.kecamatan()["code"]) | ~bps.str.fullmatch(rf"{region.code}\d{{5}}")
    if bad.any():
        rows = ", ".join(str(i + 2) for i in bad[bad].index[:20])  # spreadsheet rows (header = 1)
        raise TkpkError(f"{f}, columns 'kec_code', 'kec_bps': not a kecamatan of {region.title} "
                        f"with its 7-digit BPS code [rows {rows}; {int(bad.sum())} row(s) in all]")
    add_bps_bridge(region.code, dict(zip(kec, bps, strict=True)))


def _province_of_root(root: Path, announce: bool) -> Region:
    code = _config_province(root)
    if code is not None:
        return Region.from_code(code)
    found = {**_susenas_provinces(root), **_registry_provinces(root)}
    codes = sorted(set().union(*found.values())) if found else []
    if len(codes) > 1:
        by_code = {c: [f for f, cs in found.items() if c in cs] for c in codes}
        detail = "; ".join(f"{c}: {', '.join(fs)}" for c, fs in by_code.items())
        raise TkpkError(
            f"{root}: files of more than one province ({detail}); a data root holds one "
            f'province: keep its files only, or name it in {root / CONFIG_FILE} (province = "NN")'
        )
    if codes:
        region = Region.from_code(codes[0])
        if announce:
            print(f"Provinsi dibaca dari berkas: {region.describe()}", flush=True)
        return region
    from tkpk_lib import paths

    if paths.is_demo_root(root) or paths.is_demo_folder(root):
        return Region.from_code(_demo_province())
    raise TkpkError(
        f"{root}: cannot tell the province: no {CONFIG_FILE}, no province code in "
        f"{_raw(root, 'susenas')} (Susenas KOR household files) or {_raw(root, 'registry')} "
        f'(registry KODE_DESA); write {root / CONFIG_FILE} with province = "NN" '
        "(two-digit Kemendagri code)"
    )


def use_root(root: str | Path, *, announce: bool = False) -> Region:
    """Make the province of the data root ``root`` the process's and return it.

    ``$TKPK_PROVINCE`` (set by the runner for its kernels) wins over the root's files.

    Examples
    --------
    >>> import tempfile
    >>> d = Path(tempfile.mkdtemp())
    >>> _ = (d / "tkpk.toml").write_text('province = "13"')
    >>> use_root(d).code if not os.environ.get(PROVINCE_ENV) else "13"
    '13'
    >>> _ = use_region(None)
    """
    env = os.environ.get(PROVINCE_ENV, "").strip()
    region = Region.from_code(env) if env else region_of_root(root, announce=announce)
    use_region(region)
    return region
