"""Seeded synthetic demo data for any province, written in the real raw formats.

:func:`generate_demo` writes Susenas March (.dta/.sav), Sakernas August (.sav), Podes (.dta),
a DTKS/P3KE-style registry (.csv), a programme map (.xlsx), a complaints log (.csv), an
activity log (.csv), own RPJMD targets (.xlsx, :mod:`._targets`) and demo boundaries (.gpkg)
under one root, with the raw variable names of
``tkpk_lib/reference/crosswalk.csv`` for each year, plus the model's true poverty rates
(``truth/``) and a README. Everything is drawn from one population model (see
:mod:`tkpk_lib.synthetic._world`) calibrated to :func:`tkpk_lib.data.reference_data.calibration_grid`:
the kabupaten P0, poverty line, population, Gini, TPT and TPAK of each year. The default
province (Bengkulu, 17) has published figures and real seats; any other province of the
national region reference gets its real kabupaten/kota, kecamatan and desa/kelurahan codes and
names, synthetic geometry and assumed figures, marked as such (:mod:`tkpk_lib.synthetic._province`).

The data are synthetic: no row describes a real person, household or programme. Names end
with ``[SINTETIS]`` and addresses start with ``Jl. Sintetis``.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pandas as pd

from ..paths import DEMO_MARKER, is_demo_folder
from . import _action_plan, _activities, _admin, _surveys, _targets
from ._province import (
    REFERENCE_PROVINCE,
    SYNTHETIC_CENTRE,
    DemoProvince,
    demo_province,
    write_province_config,
)
from ._world import World, build_world, true_p0

__all__ = [
    "DEMO_MARKER",
    "generate_demo",
    "is_demo_folder",
    "PODES_YEARS",
    "REGISTRY_HOUSEHOLDS_SMALL",
    "assumed_note",
    "demo_assumed_note",
    "demo_province",
]


PODES_YEARS: tuple[int, ...] = (2018, 2021, 2024)
"""Podes is a census every three years; 2018 is written with the 2019 variable names."""
REGISTRY_HOUSEHOLDS_SMALL = 6_000
PROGRAMME_YEARS: tuple[int, ...] = (2023, 2024)
PERSONS_PER_FAMILY = 3.45  # mean size of the registry's families (KK), REGISTRY_SIZE_P


def generate_demo(
    root: Path,
    *,
    years: range | tuple[int, ...] = range(2019, 2025),
    seed: int = 2024,
    small: bool = False,
    registry_households: int | None = None,
    province: str = REFERENCE_PROVINCE,
) -> dict:
    """Write the synthetic demo data set under ``root``.

    Parameters
    ----------
    root : Path
        Output folder (created). Files go to ``raw/<source>/...``, ``truth/`` and ``README.md``;
        ``tkpk_demo.json`` marks it as a demo folder. Only an empty (or absent) folder or a
        demo folder is written: a folder holding anything else (a user's data) is refused.
    years : iterable of int
        Survey years (Susenas March, Sakernas August). Podes is written for the census years
        2018/2021/2024 that fall in or just before the range; the registry for the last year;
        the programme map and complaints for 2023 and 2024 when in range.
    seed : int
        Seed of every random stream; the same seed gives the same content. Streams are keyed by
        component and year, so a subset of years reproduces exactly those years of the full set.
    small : bool
        Registry of ~6,000 households instead of the province scale (~600,000); the surveys keep
        their real sample sizes (they are small anyway).
    registry_households : int, optional
        Override the number of registry households.
    province : str
        Two-digit province code of the national region reference. The default (17) uses the
        shipped published figures and real seats; another province gets its real units with
        synthetic geometry and assumed figures (listed in ``assumptions`` and the README).
        The data root's province configuration ``tkpk_config.json`` is written either way.

    Returns
    -------
    dict
        ``root``, ``seed``, ``years``, ``files`` (relative path -> rows), ``seconds`` and
        ``assumptions`` (list of text, the calibration grid's filled cells and the demo's own
        modelling choices), ``province`` (code) and ``assumed`` (True when no published
        figures were available and every calibration figure is assumed).

    Raises
    ------
    TkpkError
        ``root`` is not empty and not a demo folder (see :func:`is_demo_folder`).

    Examples
    --------
    >>> import tempfile
    >>> out = generate_demo(Path(tempfile.mkdtemp()), years=(2024,), small=True)  # doctest: +SKIP
    >>> out["files"]["raw/registry/dtks_17_2024.csv"]  # doctest: +SKIP
    6000
    """
    t0 = time.perf_counter()
    root = Path(root)
    years = tuple(sorted(int(y) for y in years))
    if not years:
        raise ValueError("years must not be empty")
    prov = demo_province(province, seed)
    _claim(root, seed, prov)
    world = build_world(seed, years, province=prov)
    files: dict[str, int] = {}
    truth: dict[int, pd.DataFrame] = {}

    def p0_of(year: int) -> np.ndarray:
        y = min(max(year, 2019), 2024)
        if y not in truth:
            truth[y] = true_p0(world, y)
        t = truth[y]
        return (t["poor"] / t["population"]).to_numpy()

    for y in years:
        files.update(_surveys.susenas(world, root, y))
    ref = _surveys._labour_reference(world)
    for y in years:
        files.update(_surveys.sakernas(world, root, y, ref))
    for py in PODES_YEARS:
        if years[0] - 2 <= py <= years[-1]:
            files.update(_surveys.podes(world, root, py, p0_of(py)))
    reg_year = years[-1]
    if registry_households is None:
        pop = float(world.desa_pop(reg_year).sum())
        registry_households = (
            REGISTRY_HOUSEHOLDS_SMALL if small else int(round(pop / PERSONS_PER_FAMILY))
        )
    files.update(_admin.registry(world, root, reg_year, registry_households))
    for y in PROGRAMME_YEARS:
        if y in years:
            files.update(_admin.programme_map(world, root, y, p0_of(y)))
            files.update(_admin.complaints(world, root, y, p0_of(y)))
            files.update(_activities.activity_log(root, y, seed, province=prov.code, kab_codes=world.kab_codes))
    if len(years) > 1:  # last year's filled follow-up plans, followed up by the report of the latest year
        files.update(_action_plan.action_plans(root, years[-1] - 1, seed, province=prov.code, kab_codes=world.kab_codes))
    files.update(_targets.write_targets(world.grid, root, prov.code, _unit_titles(prov), _unit_titles(prov)[prov.code]))
    files.update(write_boundaries(world, root))
    files.update(write_province_config(root, prov))
    if not prov.published:
        files.update(_write_poverty_lines(world, root))
    for y in years:
        files.update(
            _write_truth(world, root, y, truth.get(y) if y in truth else true_p0(world, y))
        )
    assumptions = _assumptions(world)
    _write_readme(root, world, years, small, files, assumptions)
    files["README.md"] = 0
    return {
        "root": str(root),
        "province": prov.code,
        "assumed": not prov.published,
        "seed": seed,
        "years": list(years),
        "small": small,
        "files": files,
        "seconds": round(time.perf_counter() - t0, 2),
        "assumptions": assumptions,
    }


def _unit_titles(prov: DemoProvince) -> dict[str, str]:
    """Code -> title of the province ("Provinsi <Nama>") and of each kabupaten/kota."""
    from ..data.region import Region

    names = prov.names()
    return {prov.code: Region.from_code(prov.code).title, **{k: names[k] for k in prov.kab_codes}}


def assumed_note(province_name: str) -> str:
    """The Indonesian note a report shows for a demo whose figures are assumed.

    Examples
    --------
    >>> assumed_note("Sumatera Barat")[:48]
    'Data demo sintetis Provinsi Sumatera Barat: angk'
    """
    return (
        f"Data demo sintetis Provinsi {province_name}: angka kalibrasi (P0, garis kemiskinan, penduduk, "
        "Gini, TPT, TPAK) adalah asumsi, bukan angka resmi BPS, dan batas wilayahnya sintetis."
    )


def demo_assumed_note(root: str | Path) -> str | None:
    """The assumed-figures note of the demo in ``root``, or None (real data, or published figures).

    Read from the demo marker (``tkpk_demo.json``) that :func:`generate_demo` writes.

    Examples
    --------
    >>> demo_assumed_note("/nonexistent") is None
    True
    """
    import json

    path = Path(root) / DEMO_MARKER
    try:
        marker = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return marker.get("assumed_note") if marker.get("assumed") else None


def _claim(root: Path, seed: int, prov: DemoProvince | None = None) -> None:
    """Refuse a folder that holds anything but a demo; then mark it as a demo folder."""
    import json

    from ..errors import TkpkError

    if root.exists() and not root.is_dir():
        raise TkpkError(f"{root}: is a file, not a folder; the demo needs an empty folder")
    if root.is_dir() and any(root.iterdir()) and not is_demo_folder(root):
        raise TkpkError(
            f"{root}: folder is not empty and holds no demo ({DEMO_MARKER} missing); the synthetic "
            "demo is only written into an empty folder or a demo folder, never over other data"
        )
    root.mkdir(parents=True, exist_ok=True)
    (root / DEMO_MARKER).write_text(
        json.dumps(
            {"synthetic": True, "generator": "tkpk_lib.synthetic.generate_demo", "seed": seed}
            | (
                {}
                if prov is None or prov.published
                else {"province": prov.code, "assumed": True, "assumed_note": assumed_note(prov.name)}
            )
        )
        + "\n",
        encoding="utf-8",
    )


def write_boundaries(world: World, root: Path) -> dict[str, int]:
    """Write desa/kecamatan/kabupaten GeoPackages; kecamatan and kabupaten are dissolved desa.

    Coordinates are snapped to a 1e-7 degree grid before dissolving so that the levels nest
    exactly. Columns: ``code`` (Kemendagri, no dots), ``name``, ``level``, ``parent``.
    """
    import geopandas as gpd
    import shapely

    grid = 1e-7
    d = world.desa
    prov = world.province
    names = prov.names()
    geoms = shapely.set_precision(
        np.array([world.polygons[c] for c in d["desa_code"]], dtype=object), grid
    )
    desa = gpd.GeoDataFrame(
        {
            "code": d["desa_code"].astype(str).to_numpy(),
            "name": d["desa_name"].to_numpy(),
            "level": np.where(d["kelurahan"] == 1, "kelurahan", "desa"),
            "parent": d["kec_code"].astype(str).to_numpy(),
        },
        geometry=geoms,
        crs="EPSG:4326",
    )
    kec_rows, kab_rows = [], []
    for code, sub in desa.groupby("parent", sort=True):
        kec_rows.append(
            (
                code,
                names[code],
                "kecamatan",
                code[:4],
                _fill_slivers(shapely.union_all(sub.geometry.to_numpy(), grid_size=grid)),
            )
        )
    kec = gpd.GeoDataFrame(
        pd.DataFrame(kec_rows, columns=["code", "name", "level", "parent", "geometry"]),
        geometry="geometry",
        crs="EPSG:4326",
    )
    for code in prov.kab_codes:
        sub = kec[kec["parent"] == code]
        kab_rows.append(
            (
                code,
                names[code],
                "kota" if code in prov.kota_codes else "kabupaten",
                prov.code,
                _fill_slivers(shapely.union_all(sub.geometry.to_numpy(), grid_size=grid)),
            )
        )
    kab = gpd.GeoDataFrame(
        pd.DataFrame(kab_rows, columns=["code", "name", "level", "parent", "geometry"]),
        geometry="geometry",
        crs="EPSG:4326",
    )
    out = {}
    base = root / "raw" / "boundaries"
    base.mkdir(parents=True, exist_ok=True)
    for name, g in (("kabupaten", kab), ("kecamatan", kec), ("desa", desa)):
        path = base / f"{name}.gpkg"
        if path.exists():
            path.unlink()
        g.to_file(path, driver="GPKG", layer=name)
        out[f"raw/boundaries/{name}.gpkg"] = len(g)
    return out


def _write_poverty_lines(world: World, root: Path) -> dict[str, int]:
    """Write the demo's (assumed) poverty lines as a user-supplied table: ``reference/poverty_lines.csv``.

    Columns kab_code, year, poverty_line (Rp/capita/month), the lines the demo's expenditure is
    calibrated to; pass it with ``tkpk run --poverty-lines``. Written only for a province
    without published lines.
    """
    g = world.grid["garis_kemiskinan"].rename("poverty_line").reset_index()
    g["poverty_line"] = g["poverty_line"].round(0)
    path = root / "reference" / "poverty_lines.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    g[["kab_code", "year", "poverty_line"]].to_csv(path, index=False)
    return {"reference/poverty_lines.csv": len(g)}


def _fill_slivers(geom: object, max_area: float = 1e-6) -> object:
    """Drop interior rings smaller than ``max_area`` deg2 (~1 ha): gaps left between dissolved cells."""
    import shapely

    parts = []
    for poly in shapely.get_parts(geom):
        holes = [r for r in poly.interiors if shapely.Polygon(r).area >= max_area]
        parts.append(shapely.Polygon(poly.exterior, holes))
    return parts[0] if len(parts) == 1 else shapely.MultiPolygon(parts)


def _write_truth(world: World, root: Path, year: int, t: pd.DataFrame) -> dict[str, int]:
    """True (model) P0 per kecamatan and kabupaten: the target small-area estimates should hit.

    Every value is the model value, not a finite-population value: ``p0`` is the expected
    share of persons below the poverty line under the population model (normal CDF of each
    desa x household-type cell, weighted by the cell's model population), and ``population``
    the model population. No finite list of households is enumerated; the Susenas sample is
    drawn household by household from the same model, so its design-unbiased estimates vary
    around these values.
    """
    names = world.province.names()
    pocket = dict(zip(world.kec["code"], world.kec["pocket"].astype(int), strict=True))
    pop = t["population"].to_numpy(dtype=float)
    poor = t["poor"].to_numpy(dtype=float)
    rows = []
    for level, col in (("kecamatan", "kec_code"), ("kabupaten", "kab_code")):
        codes, inv = np.unique(t[col].to_numpy(dtype=object).astype(str), return_inverse=True)
        p_sum = np.bincount(inv, weights=pop)
        q_sum = np.bincount(inv, weights=poor)
        for code, n, q in zip(codes, p_sum, q_sum, strict=True):
            code = str(code)
            rows.append(
                {
                    "year": year,
                    "level": level,
                    "code": code,
                    "kec_code": code if level == "kecamatan" else "",
                    "kab_code": code[:4],
                    "name": names[code],
                    "population": round(float(n)),
                    "p0": round(float(q / n), 6),
                    "p0_persen": round(float(100 * q / n), 4),
                    "pocket": pocket[code] if level == "kecamatan" else "",
                }
            )
    df = pd.DataFrame(rows)
    path = root / "truth" / f"susenas_truth_{year}.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    df.to_csv(path, index=False)
    return {f"truth/susenas_truth_{year}.csv": len(df)}


def _assumptions(world: World) -> list[str]:
    own = [
        "Expenditure per capita is lognormal; the location is solved per kabupaten-year on the population "
        "model so that the model share of persons below the line equals the calibration P0.",
        "Spread of log expenditure from the lognormal Gini relation G = 2 Phi(sigma/sqrt 2) - 1 using the "
        "calibration Gini; kecamatan effects s.d. 0.15 and ~15% 'pocket' kecamatan 0.35 log points poorer.",
        "One poverty line per kabupaten for urban and rural areas (as calibration_grid gives it).",
        "Urban = kelurahan, all of Kota Bengkulu and ~35% of desa in each kabupaten's seat kecamatan."
        if world.province.published
        else "Urban = kelurahan, every desa of a kota and ~35% of desa in each kabupaten's seat kecamatan.",
        "Desa populations: fixed lognormal shares of the kabupaten population (kelurahan 2.2x larger).",
        "Susenas: ~600 census blocks x 10 households a year; strata kabupaten x urban/rural; blocks selected "
        "with probability proportional to their household count (random-order systematic PPS), 10 households "
        "per block by simple random sampling; base weight = inverse inclusion probability M_h / (10 n_h), "
        "then ratio-adjusted to the model population of each stratum.",
        "Survey households are independent draws from the population model (block effect s.d. 0.15 plus a "
        "household term): the samples vary from draw to draw like a real survey's, so the demo's standard "
        "errors and confidence intervals are as wide as real ones.",
        "Truth files hold model values: the expected share of persons below the line under the population "
        "model (superpopulation P0 of each desa, summed with the model populations), not the rate of a "
        "finite list of households; no finite population is enumerated.",
        "Sakernas: ~540 blocks x 10 households, persons aged 10+; participation and unemployment intercepts "
        "solved per kabupaten-year to reproduce the calibration TPAK and TPT.",
        "Registry families (KK) have a mean size of 3.45; deciles rank a noisy welfare score (PMT error s.d. "
        "0.35 log points); programme flags follow desil rules with 30-40% exclusion and 8-15% inclusion errors.",
        "Boundaries are Voronoi polygons of seeded points around the real kabupaten seats, clipped to a rough "
        "province outline: the shapes are not the real boundaries."
        if world.province.published
        else "Boundaries are synthetic: kabupaten/kota seats are seeded points in a synthetic outline placed at "
        f"lon {SYNTHETIC_CENTRE[0]}, lat {SYNTHETIC_CENTRE[1]} (neither the real shape nor the real place); "
        "desa/kecamatan/kabupaten are nested Voronoi polygons, a kota a disc of ~8 km around its seat.",
        "Podes 2018 uses the 2019 calibration (population / 1.012) and the 2019 variable names.",
        *(
            []
            if world.province.published
            else [
                "ASSUMED FIGURES: no published BPS figures are shipped for this province; P0, poverty line, "
                "population, Gini, TPT and TPAK are assumed defaults (see the calibration lines below), not "
                "the province's statistics.",
                "BPS kecamatan codes are synthetic (kabupaten code + Kemendagri kecamatan number x 10), "
                "written as the user-supplied bridge bps_kecamatan.csv.",
            ]
        ),
        "JML_BALITA counts members aged 0-4 (balita), JML_ANAK_SEKOLAH members aged 7-18.",
    ]
    return own + [f"calibration_grid {a}" for a in world.assumptions]


def _write_readme(
    root: Path,
    world: World,
    years: tuple[int, ...],
    small: bool,
    files: dict[str, int],
    assumptions: list[str],
) -> None:
    prov, seed = world.province, world.seed
    seats = "; ".join(f"{k} {v[0]} ({v[1]:.3f}, {v[2]:.3f})" for k, v in prov.seats.items())
    calibration = (
        "* Calibration: `tkpk_lib.data.reference_data.calibration_grid()` (published BPS figures; gaps filled "
        "by documented rules, listed below)."
        if prov.published
        else f"* **{assumed_note(prov.name)}** Calibration: `tkpk_lib.synthetic._province.assumed_grid()` "
        "(every figure assumed, rules listed below)."
    )
    lines = [
        f"# Data demo SINTETIS - Provinsi {prov.name}",
        "",
        "**Semua data di folder ini sintetis (buatan komputer), bukan data orang, rumah tangga, desa atau "
        "program yang nyata.** Nama berakhiran `[SINTETIS]`, alamat diawali `Jl. Sintetis`, NIK/No. KK acak.",
        "The data in this folder are synthetic: they describe no real person, household or programme.",
        "",
        f"* Generator: `tkpk_lib.synthetic.generate_demo`, seed **{seed}**, years {years[0]}-{years[-1]}, "
        f"small={small}.",
        calibration,
        "* `truth/susenas_truth_<year>.csv`: the model's true P0 per kecamatan and kabupaten "
        "(`pocket` = 1 for kecamatan built as poverty pockets). These are model values (the expected "
        "share of persons under the line in the population model), not finite-population values: the "
        "Susenas sample is a probability sample whose estimates vary around them.",
        f"* Seats used for the geometry: {seats}.",
        "",
        "## Files",
        "",
        "| file | rows |",
        "|---|---|",
        *[f"| `{k}` | {v:,} |" for k, v in sorted(files.items())],
        "",
        "## Assumptions",
        "",
        *[f"* {a}" for a in assumptions],
        "",
    ]
    (root / "README.md").write_text("\n".join(lines), encoding="utf-8")
