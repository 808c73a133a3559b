"""The province a demo is built for: its units, seats, outline and calibration figures.

Bengkulu (the shipped reference province) keeps its real seats, a hand-drawn outline and the
calibration grid of published BPS figures (:func:`tkpk_lib.data.reference_data.calibration_grid`),
so its demo stays the same to the byte. Every other province is built from the national region
reference (Kepmendagri 2025 codes and names, see ``tkpk_lib/reference/SOURCES.md``) with:

* its units from the national region reference (:class:`tkpk_lib.data.region.Region`);
* synthetic geometry: seats spread over a synthetic disc-like outline at a neutral place
  (not the real shape or location), kota cut to a small disc around their seat;
* a synthetic BPS kecamatan code (kabupaten code + the Kemendagri kecamatan number x 10), since
  the BPS-Kemendagri bridge is shipped for Bengkulu only; the demo writes it to the data root
  as a user-supplied bridge (``bps_kecamatan.csv``, :data:`tkpk_lib.data.region_root.BRIDGE_FILE`);
* assumed calibration figures (:func:`assumed_grid`): no published figures are shipped for the
  province, every value is marked assumed with its rule.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import shapely

from . import _io

REFERENCE_PROVINCE = "17"
"""The province whose published figures, seats and outline are shipped (the default demo)."""

SYNTHETIC_CENTRE = (117.0, -2.5)
"""(lon, lat) of the synthetic outline of a province other than the reference one (an assumption)."""
DEG2_PER_UNIT = 0.0011
"""Outline area per desa/kelurahan in square degrees (Bengkulu: ~1.65 deg2 for 1,513 units)."""
KOTA_RADIUS_DEG = 0.075
"""A kota is cut to a disc of this radius (~8 km) around its seat; the rest goes to a kabupaten."""


@dataclass(frozen=True)
class DemoProvince:
    """Everything the demo generator needs to know about the province it builds.

    Attributes
    ----------
    code, name : str
        Province code (2 digits) and name as in the national reference ("Sumatera Barat").
    regions : DataFrame
        Columns code, name, level (provinsi, kabupaten, kota, kecamatan, desa, kelurahan),
        parent, code_bps (7-digit BPS code of a kecamatan).
    seats : dict
        Kabupaten/kota code -> (seat name, lat, lon).
    outline : tuple of (lon, lat)
        Province outline the geometry is clipped to.
    anchors : dict
        Extra Voronoi generators per kabupaten/kota (lon, lat).
    published : bool
        Whether calibration figures are published and shipped (else assumed defaults).
    """

    code: str
    name: str
    regions: pd.DataFrame = field(repr=False)
    seats: dict[str, tuple[str, float, float]] = field(repr=False)
    outline: tuple[tuple[float, float], ...] = field(repr=False)
    anchors: dict[str, tuple[tuple[float, float], ...]] = field(repr=False)
    published: bool = False

    @property
    def kab_codes(self) -> tuple[str, ...]:
        """Kabupaten and kota codes in code order."""
        r = self.regions
        return tuple(sorted(r.loc[r["level"].isin(("kabupaten", "kota")), "code"]))

    @property
    def kota_codes(self) -> tuple[str, ...]:
        """Kota codes in code order."""
        r = self.regions
        return tuple(sorted(r.loc[r["level"] == "kota", "code"]))

    def names(self) -> dict[str, str]:
        """Every region code -> name."""
        return dict(zip(self.regions["code"], self.regions["name"], strict=True))

    def level_of(self, level: str) -> pd.DataFrame:
        """Regions of one level; "kabupaten" includes kota and "desa" includes kelurahan."""
        levels = {
            "provinsi": ("provinsi",),
            "kabupaten": ("kabupaten", "kota"),
            "kecamatan": ("kecamatan",),
            "desa": ("desa", "kelurahan"),
        }[level]
        r = self.regions
        return r[r["level"].isin(levels)].reset_index(drop=True)

    def kota_rest(self, kota: str) -> str:
        """The kabupaten that takes the part of a kota's Voronoi cell outside its disc.

        The kabupaten whose seat is nearest the kota's seat (for Bengkulu: Bengkulu Tengah).
        """
        _, lat, lon = self.seats[kota]
        kabs = [k for k in self.kab_codes if k not in self.kota_codes]
        return min(kabs, key=lambda k: math.hypot(self.seats[k][1] - lat, self.seats[k][2] - lon))


def demo_province(code: str = REFERENCE_PROVINCE, seed: int = 2024) -> DemoProvince:
    """The province a demo is built for (Bengkulu with its shipped facts, else the national file).

    Parameters
    ----------
    code : str
        Two-digit province code of the national reference.
    seed : int
        Seed of the synthetic seats and outline (provinces other than the reference one).

    Returns
    -------
    DemoProvince

    Raises
    ------
    TkpkError
        ``code`` is not a province of the national reference.

    Examples
    --------
    >>> p = demo_province("13")
    >>> p.name, len(p.kab_codes), len(p.kota_codes)
    ('Sumatera Barat', 19, 7)
    >>> demo_province("17").published
    True
    """
    code = str(code).strip()
    if code == REFERENCE_PROVINCE:
        return _reference_province()
    return _synthetic_province(code, int(seed))


@cache
def _reference_province() -> DemoProvince:
    from ._world import ANCHORS, OUTLINE, SEATS

    reg = province_regions(REFERENCE_PROVINCE)
    name = str(reg.loc[reg["level"] == "provinsi", "name"].iloc[0])
    return DemoProvince(REFERENCE_PROVINCE, name, reg, SEATS, OUTLINE, ANCHORS, published=True)


def province_regions(code: str) -> pd.DataFrame:
    """Regions of one province (:class:`tkpk_lib.data.region.Region`), with a BPS kecamatan code.

    Levels: provinsi, kabupaten, kota, kecamatan, desa, kelurahan. Where the BPS-Kemendagri
    bridge is not shipped for the province, ``code_bps`` of a kecamatan is synthetic: kabupaten
    code + Kemendagri number x 10 (``130101`` -> ``1301010``), the BPS numbering pattern, not
    BPS's real code.

    Examples
    --------
    >>> r = province_regions("13")
    >>> r.loc[r["code"] == "130101", ["level", "code_bps"]].values.tolist()
    [['kecamatan', '1301010']]
    """
    from ..data.region import Region

    df = Region.from_code(code).table()[["code", "name", "level", "parent", "code_bps"]]
    kec = (df["level"] == "kecamatan") & (df["code_bps"] == "")
    df.loc[kec, "code_bps"] = df.loc[kec, "code"].map(lambda c: f"{c[:4]}{int(c[4:]) * 10:03d}")
    return df.reset_index(drop=True)


@cache
def _synthetic_province(code: str, seed: int) -> DemoProvince:
    """A province of the national file with a synthetic outline, seats and anchors."""
    from ._world import _spaced_points

    reg = province_regions(code)
    name = str(reg.loc[reg["level"] == "provinsi", "name"].iloc[0])
    gen = _io.rng(seed, _io.GEO, 0, int(code))
    n_units = int(reg["level"].isin(("desa", "kelurahan")).sum())
    radius = math.sqrt(DEG2_PER_UNIT * n_units / math.pi)
    k = 28
    ang = np.sort(gen.uniform(0, 2 * math.pi, k))
    rr = radius * np.exp(gen.normal(0, 0.12, k))
    cx, cy = SYNTHETIC_CENTRE
    outline = tuple((float(cx + r * math.cos(a)), float(cy + r * math.sin(a))) for a, r in zip(ang, rr, strict=True))
    poly = shapely.Polygon(outline)
    kabs = sorted(reg.loc[reg["level"].isin(("kabupaten", "kota")), "code"])
    pts = _spaced_points(gen, poly, len(kabs))
    seats = {
        kab: (f"Ibu kota {reg.set_index('code').at[kab, 'name']} [SINTETIS]", float(y), float(x))
        for kab, (x, y) in zip(kabs, pts, strict=True)
    }
    return DemoProvince(code, name, reg, seats, outline, {k: () for k in kabs}, published=False)


# ------------------------------------------------------------------------- assumed figures
ASSUMED = {
    # indicator: (kabupaten, kota, unit)
    "p0_persen": (10.0, 5.0, "persen"),
    "garis_kemiskinan": (560_000.0, 640_000.0, "Rp/kapita/bulan"),
    "gini_ratio": (0.31, 0.36, "rasio"),
    "tpt_agustus": (4.5, 7.5, "persen"),
    "tpak_agustus": (69.0, 65.0, "persen"),
}
"""Assumed 2024 levels of a province without published figures (kabupaten, kota, unit)."""
P0_PATH = {2019: 1.04, 2020: 1.08, 2021: 1.12, 2022: 1.06, 2023: 1.04, 2024: 1.0}
"""Assumed P0 of a year relative to 2024 (the rise of 2020-2021 and the fall after it)."""
PERSONS = {"desa": 3_000.0, "kelurahan": 8_000.0}
"""Assumed 2024 persons per desa and per kelurahan."""


def assumed_grid(province: DemoProvince, years: tuple[int, ...], seed: int = 2024) -> pd.DataFrame:
    """Calibration figures for a province without published ones, every value marked assumed.

    Per kabupaten/kota and year: P0, poverty line, Gini, TPT and TPAK from the kabupaten or kota
    level of :data:`ASSUMED` times a seeded unit factor (``exp(N(0, s))``, s = 0.3 for P0, 0.08
    for the line, 0.04 for Gini, 0.2 for TPT, 0.02 for TPAK); P0 follows :data:`P0_PATH`; the
    line falls 5% a year before 2024; population = :data:`PERSONS` per desa/kelurahan, 1.2%
    lower a year before 2024. Same columns as ``calibration_grid``.

    Examples
    --------
    >>> g = assumed_grid(demo_province("13"), (2023, 2024))
    >>> len(g), bool(g["assumed"].all())
    (684, True)
    """
    gen = _io.rng(seed, _io.REFERENCE, 0, int(province.code))
    kabs = province.kab_codes
    kota = set(province.kota_codes)
    sd = {"p0_persen": 0.3, "garis_kemiskinan": 0.08, "gini_ratio": 0.04, "tpt_agustus": 0.2, "tpak_agustus": 0.02}
    factor = {ind: dict(zip(kabs, np.exp(gen.normal(0, s, len(kabs))), strict=True)) for ind, s in sd.items()}
    reg = province.regions
    village = reg[reg["level"].isin(("desa", "kelurahan"))]
    pop24 = (village["level"].map(PERSONS)).groupby(village["code"].str[:4]).sum()
    rows = []
    for kab in kabs:
        j = 1 if kab in kota else 0
        for y in sorted(set(years) | set(P0_PATH)):
            for ind, (a, b, unit) in ASSUMED.items():
                v = (a, b)[j] * factor[ind][kab]
                how = f"assumed: {'kota' if j else 'kabupaten'} level {(a, b)[j]:g} x seeded unit factor"
                if ind == "p0_persen":
                    v *= P0_PATH.get(y, 1.0)
                    how += " x year path"
                elif ind == "garis_kemiskinan":
                    v *= 1.05 ** (y - 2024)
                    how += ", 5% a year"
                rows.append(_row(kab, y, ind, v, unit, how))
            pop = float(pop24[kab]) * 1.012 ** (y - 2024)
            rows.append(_row(kab, y, "penduduk", round(pop), "jiwa", "assumed: 3,000 per desa, 8,000 per kelurahan"))
    return pd.DataFrame(rows)


def _row(kab: str, y: int, ind: str, v: float, unit: str, how: str) -> dict[str, object]:
    return {
        "kab_code": kab,
        "year": int(y),
        "indicator": ind,
        "value": float(v),
        "unit": unit,
        "assumed": True,
        "assumption": how,
        "source": "",
    }


def write_province_config(root: Path, province: DemoProvince) -> dict[str, int]:
    """Write the data root's province configuration and, without a shipped bridge, the BPS bridge.

    ``tkpk.toml`` (:data:`tkpk_lib.data.region_root.CONFIG_FILE`) holds ``province = "<code>"``.
    For a province other than the reference one, ``bps_kecamatan.csv`` (kec_code, kec_bps;
    :data:`tkpk_lib.data.region_root.BRIDGE_FILE`) holds the demo's synthetic BPS kecamatan
    codes, as a user supplies the real bridge.
    """
    from ..data.region_root import BRIDGE_FILE, CONFIG_FILE

    out = {}
    (root / CONFIG_FILE).write_text(
        f'# Provinsi {province.name} (data demo sintetis)\nprovince = "{province.code}"\n',
        encoding="utf-8",
    )
    out[CONFIG_FILE] = 1
    if not province.published:
        kec = province.level_of("kecamatan")[["code", "code_bps"]]
        kec.columns = ["kec_code", "kec_bps"]
        kec.to_csv(root / BRIDGE_FILE, index=False)
        out[BRIDGE_FILE] = len(kec)
    return out
