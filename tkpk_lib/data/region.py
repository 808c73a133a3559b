"""The province a data root is about, and everything derived from it.

One :class:`Region` per province: its code and name, its kabupaten/kota (code, name, kind),
kecamatan and desa/kelurahan lists, the code patterns of each level (built from the province
code), unit names, folder slugs and the ``"Provinsi <Nama>"`` title. Codes and names come from
the national region reference shipped with the package (``reference/wilayah.csv.gz``,
Kepmendagri 300.2.2-2138/2025, see ``reference/SOURCES.md``); only the province's own rows are
read (one regular expression over the decompressed file), once per process.

Which province a data root holds (:func:`tkpk_lib.data.region_root.region_of_root`):

1. ``tkpk.toml`` at the root: ``province = "NN"`` (the demo generator writes it);
2. otherwise the province code in the files (Susenas KOR household files, the registry's
   desa codes), confirmed on the console (``Provinsi dibaca dari berkas: NN Nama``); files of
   two provinces are an error naming the files;
3. otherwise, for the demo folder only, the demo's province (``reference/demo.json``).

The process's province (:func:`current_region`) is the one set with :func:`use_region`, else
``$TKPK_PROVINCE`` (the runner sets it for its kernels and workers), else the province of
:func:`tkpk_lib.paths.data_root`.
"""

from __future__ import annotations

import gzip
import io
import os
import re
from dataclasses import dataclass
from functools import cache, cached_property
from importlib import resources
from pathlib import Path

import pandas as pd

from tkpk_lib.errors import TkpkError

__all__ = [
    "PROVINCE_ENV",
    "Region",
    "Unit",
    "current_region",
    "national_units",
    "province_code",
    "province_names",
    "slugify",
    "unit_label",
    "use_region",
]

#: Environment variable with the province code of a run (set by the runner for its kernels).
PROVINCE_ENV = "TKPK_PROVINCE"
_WILAYAH = "wilayah.csv.gz"
_LEVELS = {2: "provinsi", 4: "kabupaten_kota", 6: "kecamatan", 10: "desa_kelurahan"}


def _open_reference(name: str) -> io.BufferedReader:
    return resources.files("tkpk_lib.reference").joinpath(name).open("rb")  # type: ignore[return-value]


@cache
def _wilayah_text() -> str:
    with _open_reference(_WILAYAH) as raw:
        return gzip.decompress(raw.read()).decode("utf-8")


@cache
def _wilayah_rows(prefix: str = "", max_len: int = 10) -> pd.DataFrame:
    """Rows of the national reference whose code starts with ``prefix`` and has <= max_len digits."""
    text = _wilayah_text()
    header = text[: text.index("\n") + 1]
    if prefix:  # the file is in code order: the province's rows are one block
        start = text.find("\n" + prefix) + 1
        end = re.compile(rf"\n(?!{re.escape(prefix)})").search(text, start) if start else None
        text = header + (text[start: end.start() + 1] if end else text[start:]) if start else header
    if max_len < 10:
        # one regular expression over the text (C speed; a line loop takes ~5x longer)
        rows = re.findall(rf"^\d{{0,{max_len}}},[^\n]*\n", text, re.M)
        text = header + "".join(r for r in rows if not r.startswith("kode,"))
    return pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)


def national_units() -> pd.DataFrame:
    """Provinces and kabupaten/kota of all Indonesia (codes, names, parent).

    Returns
    -------
    DataFrame
        Columns ``kode``, ``kode_kemendagri``, ``level`` (``provinsi``/``kabupaten_kota``),
        ``jenis``, ``nama``, ``kode_induk``.

    Examples
    --------
    >>> u = national_units()
    >>> u["level"].value_counts().to_dict()
    {'kabupaten_kota': 514, 'provinsi': 38}
    """
    return _wilayah_rows("", 4).copy()


def province_names() -> dict[str, str]:
    """Code -> name of the 38 provinces.

    Examples
    --------
    >>> len(province_names()), province_names()["13"]
    (38, 'Sumatera Barat')
    """
    u = _wilayah_rows("", 4)
    p = u[u["level"] == "provinsi"]
    return dict(zip(p["kode"], p["nama"], strict=True))


def slugify(text: str) -> str:
    """Lower-case file-system name: letters and digits, other characters as ``_``.

    Examples
    --------
    >>> slugify("Kabupaten Pangkajene dan Kepulauan")
    'kabupaten_pangkajene_dan_kepulauan'
    >>> slugify("Kota Pematang  Siantar")
    'kota_pematang_siantar'
    """
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


@dataclass(frozen=True)
class Unit:
    """One kabupaten/kota of a province.

    Parameters
    ----------
    code : str
        Four-digit Kemendagri code.
    name : str
        Name with its kind, e.g. ``"Kabupaten Agam"``.
    kind : {"kabupaten", "kota"}
        Kind of the unit.

    Examples
    --------
    >>> Unit("1306", "Kabupaten Agam", "kabupaten").slug
    'agam'
    """

    code: str
    name: str
    kind: str

    @property
    def slug(self) -> str:
        """Folder name part: the name without ``"Kabupaten "``, lower case (``kota_padang``)."""
        name = self.name[len("Kabupaten "):] if self.name.startswith("Kabupaten ") else self.name
        return slugify(name)


@dataclass(frozen=True)
class Region:
    r"""A province and its units, built from the national region reference.

    Use :meth:`from_code` (cached) rather than the constructor.

    Parameters
    ----------
    code : str
        Two-digit province code.
    name : str
        Province name without ``"Provinsi"``.
    units : tuple of Unit
        Kabupaten/kota in code order.

    Examples
    --------
    >>> r = Region.from_code("13")
    >>> r.title, len(r.units), sum(u.kind == "kota" for u in r.units)
    ('Provinsi Sumatera Barat', 19, 7)
    >>> r.kab_pattern, bool(re.fullmatch(r.desa_pattern, "1306012001"))
    ('13\\d{2}', True)
    """

    code: str
    name: str
    units: tuple[Unit, ...]

    @classmethod
    def from_code(cls, code: str | int) -> Region:
        """The province with Kemendagri code ``code`` (cached per code).

        Parameters
        ----------
        code : str or int
            Two-digit province code (``"13"`` or ``13``).

        Returns
        -------
        Region

        Raises
        ------
        TkpkError
            The code is not a province of the national reference.

        Examples
        --------
        >>> Region.from_code(13) is Region.from_code("13")
        True
        """
        return _region(str(code).strip())

    # ------------------------------------------------------------------ codes and names
    @property
    def title(self) -> str:
        """``"Provinsi <Nama>"``, the province's name in reports."""
        return f"Provinsi {self.name}"

    @property
    def slug(self) -> str:
        """Folder name part of the province roll-up (``provinsi_sumatera_barat``)."""
        return slugify(self.title)

    @property
    def kab_codes(self) -> tuple[str, ...]:
        """Kabupaten/kota codes in code order."""
        return tuple(u.code for u in self.units)

    @property
    def unit_codes(self) -> tuple[str, ...]:
        """Every unit of a run: the kabupaten/kota, then the province roll-up."""
        return (*self.kab_codes, self.code)

    @property
    def kab_pattern(self) -> str:
        """Regular expression of a kabupaten/kota code of the province."""
        return self.pattern("kab")

    @property
    def kec_pattern(self) -> str:
        """Regular expression of a kecamatan code of the province."""
        return self.pattern("kec")

    @property
    def desa_pattern(self) -> str:
        """Regular expression of a desa/kelurahan code of the province."""
        return self.pattern("desa")

    def pattern(self, level: str) -> str:
        r"""Regular expression of a code of ``level`` ("kab", "kec" or "desa") in the province.

        Examples
        --------
        >>> Region.from_code("13").pattern("kec")
        '13\\d{4}'
        """
        digits = {"kab": 2, "kec": 4, "desa": 8}[level]
        return rf"{self.code}\d{{{digits}}}"

    def is_province(self, code: object) -> bool:
        """Whether ``code`` is the province roll-up's code.

        Examples
        --------
        >>> r = Region.from_code("13")
        >>> r.is_province("13"), r.is_province("1371")
        (True, False)
        """
        return str(code) == self.code

    def unit_name(self, code: object) -> str:
        """Name of a unit of the province, ``"Provinsi <Nama>"`` for the province; else the code.

        Examples
        --------
        >>> r = Region.from_code("13")
        >>> r.unit_name("1371"), r.unit_name("13"), r.unit_name("9999")
        ('Kota Padang', 'Provinsi Sumatera Barat', '9999')
        """
        code = str(code)
        if code == self.code:
            return self.title
        return self.names().get(code, code)

    def folder_slug(self, code: object) -> str:
        """Name part of a unit's folder (``padang_pariaman``, ``provinsi_sumatera_barat``).

        Examples
        --------
        >>> Region.from_code("13").folder_slug("1371")
        'kota_padang'
        """
        code = str(code)
        if code == self.code:
            return self.slug
        by_code = {u.code: u for u in self.units}
        if code not in by_code:
            raise TkpkError(f"{code} is not a kabupaten/kota of {self.title} ({self.code})")
        return by_code[code].slug

    def unit_slug(self, code: object) -> str:
        """Folder of a unit in a run: code and name (``1371_kota_padang``).

        Examples
        --------
        >>> Region.from_code("13").unit_slug("13")
        '13_provinsi_sumatera_barat'
        """
        return f"{code}_{self.folder_slug(code)}"

    def describe(self) -> str:
        """Code and name, as the console shows it (``"13 Sumatera Barat"``)."""
        return f"{self.code} {self.name}"

    # ------------------------------------------------------------------ tables
    @cached_property
    def _table(self) -> pd.DataFrame:
        w = _wilayah_rows(self.code)
        level = w["level"].map({"provinsi": "provinsi", "kecamatan": "kecamatan"})
        kab = w["level"] == "kabupaten_kota"
        level[kab] = w.loc[kab, "nama"].str.split(" ").str[0].str.lower()
        desa = w["level"] == "desa_kelurahan"
        level[desa] = w.loc[desa, "jenis"].where(w.loc[desa, "jenis"].isin(["desa", "kelurahan"]), "desa")
        out = pd.DataFrame({
            "code": w["kode"], "name": w["nama"], "level": level, "parent": w["kode_induk"],
            "code_kemendagri": w["kode_kemendagri"],
        })
        upper = out["level"].isin(["provinsi", "kabupaten", "kota"])
        out["code_bps"] = out["code"].map(bps_bridge()).fillna("").where(~upper, out["code"])
        return out

    def table(self, level: str | None = None) -> pd.DataFrame:
        """Administrative units of the province (columns code, name, level, parent, ...).

        Parameters
        ----------
        level : {"provinsi", "kabupaten", "kecamatan", "desa"}, optional
            Keep one level; "kabupaten" includes the kota, "desa" includes kelurahan.

        Returns
        -------
        DataFrame
            Columns code, name, level (provinsi, kabupaten, kota, kecamatan, desa,
            kelurahan), parent, code_kemendagri, code_bps (BPS kecamatan code where the
            bridge is shipped for the province, else empty).

        Examples
        --------
        >>> Region.from_code("13").table("kabupaten")["level"].value_counts().to_dict()
        {'kabupaten': 12, 'kota': 7}
        """
        df = self._table
        if level is None:
            return df.copy()
        levels = {
            "provinsi": ("provinsi",),
            "kabupaten": ("kabupaten", "kota"),
            "kecamatan": ("kecamatan",),
            "desa": ("desa", "kelurahan"),
        }
        if level not in levels:
            raise ValueError(f"level must be one of {sorted(levels)}, got {level!r}")
        return df[df["level"].isin(levels[level])].reset_index(drop=True)

    def kecamatan(self) -> pd.DataFrame:
        """Kecamatan of the province (:meth:`table` ``"kecamatan"``)."""
        return self.table("kecamatan")

    def desa(self) -> pd.DataFrame:
        """Desa and kelurahan of the province; ``level`` tells which (from the code)."""
        return self.table("desa")

    def names(self) -> dict[str, str]:
        """Code -> name of every unit of the province (all levels)."""
        return _names(self)

    @property
    def has_bps_bridge(self) -> bool:
        """Whether the BPS kecamatan codes of the province are known (shipped or the user's)."""
        return any(k.startswith(self.code) for k in kecamatan_bridge())


@cache
def _names(region: Region) -> dict[str, str]:
    t = region._table
    return dict(zip(t["code"], t["name"], strict=True))


@cache
def bps_bridge() -> dict[str, str]:
    """Kemendagri -> 7-digit BPS kecamatan code, for the provinces whose bridge is shipped.

    Returns
    -------
    dict
        ``{kec_code: code_bps}`` from ``reference/regions.csv`` (BPS bridging table).

    Examples
    --------
    >>> all(len(v) == 7 for v in bps_bridge().values())
    True
    """
    with resources.files("tkpk_lib.reference").joinpath("regions.csv").open(encoding="utf-8") as fh:
        r = pd.read_csv(fh, dtype=str, keep_default_na=False)
    k = r[(r["level"] == "kecamatan") & (r["code_bps"] != "")]
    return dict(zip(k["code"], k["code_bps"], strict=True))


#: The user's own BPS kecamatan bridges (``bps_kecamatan.csv`` at a data root), per province.
_USER_BRIDGE: dict[str, dict[str, str]] = {}


def add_bps_bridge(province: str, bridge: dict[str, str]) -> None:
    """Use the user's BPS kecamatan bridge (Kemendagri -> BPS code) for a province.

    Examples
    --------
    >>> add_bps_bridge("13", {"130601": "1306010"})
    >>> kecamatan_bridge()["130601"], Region.from_code("13").has_bps_bridge
    ('1306010', True)
    >>> _USER_BRIDGE.clear()
    """
    _USER_BRIDGE[str(province)] = dict(bridge)


def kecamatan_bridge() -> dict[str, str]:
    """Kemendagri -> BPS kecamatan code: the shipped bridge and the user's (:func:`add_bps_bridge`).

    Examples
    --------
    >>> kecamatan_bridge() == bps_bridge()
    True
    """
    out = dict(bps_bridge())
    for bridge in _USER_BRIDGE.values():
        out.update(bridge)
    return out


@cache
def _region(code: str) -> Region:
    names = province_names()
    if code not in names:
        raise TkpkError(
            f"{code!r} is not a province code of the national region reference "
            f"(Kepmendagri 2025; two digits such as {', '.join(sorted(names)[:3])}, ...)"
        )
    u = _wilayah_rows("", 4)
    u = u[(u["level"] == "kabupaten_kota") & (u["kode_induk"] == code)]
    units = tuple(
        Unit(c, n, "kota" if n.startswith("Kota ") else "kabupaten")
        for c, n in zip(u["kode"], u["nama"], strict=True)
    )
    return Region(code, names[code], units)


# --------------------------------------------------------------------------- the process's province
_ACTIVE: list[Region] = []


def use_region(region: Region | str | None) -> Region | None:
    """Make ``region`` (or the province with that code) the process's province; None resets.

    Parameters
    ----------
    region : Region, str or None
        The province, its code, or None to go back to ``$TKPK_PROVINCE`` / the data root.

    Returns
    -------
    Region or None
        The province now set.

    Examples
    --------
    >>> use_region("13").code, current_region().title
    ('13', 'Provinsi Sumatera Barat')
    >>> use_region(None)
    """
    _ACTIVE.clear()
    if region is None:
        return None
    r = region if isinstance(region, Region) else Region.from_code(region)
    _ACTIVE.append(r)
    return r


def current_region() -> Region:
    """The province of this process (see the module docstring for the order of look-up).

    Returns
    -------
    Region

    Examples
    --------
    >>> with_env = os.environ.get(PROVINCE_ENV)
    >>> use_region("13").code == current_region().code
    True
    >>> _ = use_region(None)
    """
    if _ACTIVE:
        return _ACTIVE[0]
    env = os.environ.get(PROVINCE_ENV, "").strip()
    if env:
        return Region.from_code(env)
    from tkpk_lib import paths

    return _root_region(str(Path(paths.data_root()).resolve()))


@cache
def _root_region(root: str) -> Region:
    from tkpk_lib.data.region_root import region_of_root

    return region_of_root(root)


def province_code() -> str:
    """Code of the process's province (:func:`current_region`).

    Examples
    --------
    >>> _ = use_region("13")
    >>> province_code()
    '13'
    >>> _ = use_region(None)
    """
    return current_region().code


def unit_label(code: object) -> str:
    """Name of a unit: of the process's province first, else of the national reference.

    ``"Provinsi <Nama>"`` for a province code, the kabupaten/kota, kecamatan or desa name
    otherwise; the code itself when it is unknown.

    Examples
    --------
    >>> unit_label("1371"), unit_label("13"), unit_label("99")
    ('Kota Padang', 'Provinsi Sumatera Barat', '99')
    """
    code = str(code)
    try:
        region = current_region()
    except TkpkError:
        region = None
    if region is not None and code.startswith(region.code):
        return region.unit_name(code)
    if len(code) == 2 and code in province_names():
        return Region.from_code(code).title
    if len(code) >= 4 and code[:2] in province_names():
        return Region.from_code(code[:2]).unit_name(code)
    return code



def __getattr__(name: str) -> object:
    # the root's province lives in tkpk_lib.data.region_root (it reads the files)
    if name in ("region_of_root", "use_root", "CONFIG_FILE"):
        from tkpk_lib.data import region_root

        return getattr(region_root, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
