"""Reference data shipped with the package: regions, published BPS figures, calibration grid.

* Regions of the process's province (:mod:`tkpk_lib.data.region`): codes and names from the
  national reference ``reference/wilayah.csv.gz`` (Kepmendagri 300.2.2-2138/2025), with the
  7-digit BPS kecamatan code from ``reference/regions.csv`` (BPS's bridging table,
  sig.bps.go.id/bridging-kode, 2020 S2) for the provinces it covers. See
  ``reference/SOURCES.md``.
* ``reference/official_indicators.csv``: published BPS figures (March poverty, August labour,
  population) per kabupaten and year, each with its source page, for the provinces it covers
  (:func:`has_official_indicators`). Gaps are real.
* :func:`calibration_grid` fills the gaps for the demo generator by documented rules and marks
  every filled value as assumed, with the rule in words.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

import numpy as np
import pandas as pd

from tkpk_lib.data.region import Region, current_region
from tkpk_lib.errors import TkpkError

YEARS: tuple[int, ...] = (2019, 2020, 2021, 2022, 2023, 2024)


def __getattr__(name: str) -> object:
    # the province is a setting: these names follow the process's province (tkpk_lib.data.region)
    if name == "PROVINCE":
        return current_region().code
    if name == "KAB_CODES":
        return current_region().kab_codes
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _read(name: str, **kw: object) -> pd.DataFrame:
    with resources.files("tkpk_lib.reference").joinpath(name).open("r", encoding="utf-8") as fh:
        return pd.read_csv(fh, **kw)  # type: ignore[arg-type]


def _region(province: str | Region | None) -> Region:
    if province is None:
        return current_region()
    return province if isinstance(province, Region) else Region.from_code(province)


def regions(level: str | None = None, province: str | Region | None = None) -> pd.DataFrame:
    """Administrative units of the province (default: the process's, :func:`current_region`).

    Parameters
    ----------
    level : {"provinsi", "kabupaten", "kecamatan", "desa"}, optional
        Keep one level; "kabupaten" includes the kota, "desa" includes kelurahan.
    province : str or Region, optional
        Province code or region; default the process's province.

    Returns
    -------
    DataFrame
        Columns code, name, level, parent, code_kemendagri, code_bps.

    Examples
    --------
    >>> len(regions("kabupaten", "17")), len(regions("kecamatan", "17"))
    (10, 129)
    >>> len(regions("kabupaten", "13"))
    19
    """
    return _region(province).table(level)


def region_names(province: str | Region | None = None) -> dict[str, str]:
    """Map every region code of the province to its name.

    Examples
    --------
    >>> region_names("17")["1771"]
    'Kota Bengkulu'
    """
    return _region(province).names()


def kab_slug(kab_code: str, province: str | Region | None = None) -> str:
    """Short file-system name of a kabupaten, e.g. ``'kota_bengkulu'`` for 1771.

    Examples
    --------
    >>> kab_slug("1702", "17")
    'rejang_lebong'
    >>> kab_slug("17", "17")
    'provinsi_bengkulu'
    """
    return _region(province).folder_slug(kab_code)


@cache
def _official_indicators() -> pd.DataFrame:
    return _read("official_indicators.csv", dtype={"kab_code": str})


def official_indicators(province: str | Region | None = None) -> pd.DataFrame:
    """Published BPS figures of the province and its kabupaten, long format with sources.

    Shipped for some provinces only; for the others the frame is empty (see
    :func:`has_official_indicators`).

    Examples
    --------
    >>> oi = official_indicators("17")
    >>> float(oi.query("year == 2024 and kab_code == '1705' and indicator == 'p0_persen'")["value"].iloc[0])
    17.23
    >>> len(official_indicators("13"))
    0
    """
    code = _region(province).code
    oi = _official_indicators()
    return oi[oi["kab_code"].str[:2] == code].reset_index(drop=True)


def has_official_indicators(province: str | Region | None = None) -> bool:
    """Whether published BPS figures of the province are shipped (``official_indicators.csv``).

    Examples
    --------
    >>> has_official_indicators("17"), has_official_indicators("13")
    (True, False)
    """
    return bool(len(official_indicators(province)))


def missing_reference_message(what: str, file: str, region: Region, hint: str) -> str:
    """Message naming a reference table the package does not ship for a province.

    Examples
    --------
    >>> r = Region.from_code("13")
    >>> missing_reference_message("published poverty lines", "official_indicators.csv", r,
    ...                           "give your own with --poverty-lines FILE")[:60]
    'published poverty lines of Provinsi Sumatera Barat (13) are '
    """
    return (
        f"{what} of {region.title} ({region.code}) are not shipped (tkpk_lib/reference/{file} "
        f"holds them for provinces {', '.join(_provinces_in(file)) or 'none'}); {hint}"
    )


def _provinces_in(file: str) -> list[str]:
    df = _official_indicators() if file == "official_indicators.csv" else _read(file, dtype=str)
    return sorted({str(c)[:2] for c in df["kab_code"]})


def _fill_series(
    years: list[int], obs: dict[int, float]
) -> tuple[dict[int, float], dict[int, str]]:
    """Linear interpolation inside the observed range; flat outside it (rule recorded)."""
    vals: dict[int, float] = {}
    how: dict[int, str] = {}
    ys = sorted(obs)
    for y in years:
        if y in obs:
            vals[y], how[y] = obs[y], ""
        elif ys and ys[0] < y < ys[-1]:
            vals[y] = float(np.interp(y, ys, [obs[k] for k in ys]))
            how[y] = "interpolated linearly between published years"
    return vals, how


def calibration_grid(
    years: tuple[int, ...] = YEARS, province: str | Region | None = None
) -> pd.DataFrame:
    """Per kabupaten and year, the figures the demo generator is calibrated to.

    Published values are used as they are. Gaps are filled by these rules, each recorded in
    the ``assumption`` column of the filled cell:

    * P0: linear interpolation between published years; outside them, the kabupaten's ratio to
      the provincial P0 at the nearest published year times the provincial P0 of the year.
    * Poverty line (one line per kabupaten, as BPS publishes it): the kabupaten's ratio to the
      provincial line at the nearest published year times the provincial line; without any
      published kabupaten line, 0.90 x the provincial line for a kabupaten and 1.22 x for a
      kota (the mean ratios of the published lines). Provincial lines missing for a year are
      interpolated.
    * Population: published figures, interpolated; outside them grown at 1.2% a year; for
      Rejang Lebong (no published figure found) number of poor / P0 of 2021.
    * TPT / TPAK: the kabupaten figure where published; otherwise the provincial figure (for
      a kota TPT x 1.8 of the province, for other kabupaten x 0.85), provincial gaps
      filled from the published year-on-year changes (2019: 4.07 - 0.81; 2021: 3.59 + 0.06)
      or, for TPAK, the mean of the published years.
    * Gini: the provincial March figure (kabupaten Gini is not published), 2019 = 2020 value;
      a kota + 0.03.

    Returns
    -------
    DataFrame
        One row per (kab_code, year, indicator) with value, unit, assumed (bool), assumption
        (text; empty when published) and source.

    Examples
    --------
    >>> g = calibration_grid(province="17")
    >>> sorted(g["indicator"].unique())[:3]
    ['garis_kemiskinan', 'gini_ratio', 'p0_persen']
    >>> bool(g.query("kab_code=='1705' and year==2024 and indicator=='p0_persen'")["assumed"].iloc[0])
    False
    """
    region = _region(province)
    if not has_official_indicators(region):
        raise TkpkError(missing_reference_message(
            "published BPS figures (P0, poverty lines, population)", "official_indicators.csv",
            region, "give your own poverty lines with --poverty-lines FILE (columns kab_code, "
            "year, poverty_line)"))
    grid = _Grid(official_indicators(region))
    yl = list(years)
    prov = _provincial_series(grid, yl, region.code)
    for unit in region.units:
        kab, kota = unit.code, unit.kind == "kota"
        p0 = _kab_p0(grid, kab, yl, prov)
        _kab_poverty_line(grid, kab, yl, prov, kota)
        _kab_population(grid, kab, yl, p0)
        _kab_labour_and_gini(grid, kab, yl, prov, kota)
    return pd.DataFrame(grid.rows)


class _Grid:
    """Published figures (``obs``, ``src``) and the rows of the calibration grid (``add``)."""

    def __init__(self, oi: pd.DataFrame) -> None:
        self.oi = oi
        self.rows: list[dict[str, object]] = []

    def obs(self, kab: str, ind: str) -> dict[int, float]:
        oi = self.oi
        s = oi[(oi["kab_code"] == kab) & (oi["indicator"] == ind)]
        return {int(y): float(v) for y, v in zip(s["year"], s["value"], strict=True)}

    def src(self, kab: str, ind: str, y: int) -> str:
        oi = self.oi
        s = oi[(oi["kab_code"] == kab) & (oi["indicator"] == ind) & (oi["year"] == y)]
        return str(s["source_url"].iloc[0]) if len(s) else ""

    def add(self, kab: str, y: int, ind: str, v: float, unit: str, how: str) -> None:
        src = self.src
        rows = self.rows
        rows.append(
            {
                "kab_code": kab,
                "year": y,
                "indicator": ind,
                "value": float(v),
                "unit": unit,
                "assumed": bool(how),
                "assumption": how,
                "source": "" if how else src(kab, ind, y),
            }
        )


def _provincial_series(grid: _Grid, yl: list[int], province: str) -> dict[str, dict[int, float]]:
    """Provincial P0, poverty line, TPT, TPAK and Gini of every year (gaps filled)."""
    obs = grid.obs
    prov_p0, h = _fill_series(yl, obs(province, "p0_persen"))
    prov_gk, hg = _fill_series(yl, obs(province, "garis_kemiskinan"))
    for y in yl:
        if y not in prov_gk:  # beyond range: grow 4%/year from nearest
            near = min(prov_gk, key=lambda k: abs(k - y))
            prov_gk[y] = prov_gk[near] * 1.04 ** (y - near)
            hg[y] = "provincial line grown 4%/year from the nearest published year"
    tpt_prov = obs(province, "tpt_agustus")
    tpt_prov.setdefault(2019, 4.07 - 0.81)
    tpt_prov.setdefault(2021, 3.59 + 0.06)
    tpak_obs = obs(province, "tpak_agustus")
    tpak_prov = {y: tpak_obs.get(y, float(np.mean(list(tpak_obs.values())))) for y in yl}
    gini_prov = obs(province, "gini_ratio")
    gini_prov.setdefault(2019, gini_prov[2020])

    return {"p0": prov_p0, "gk": prov_gk, "tpt": tpt_prov, "tpak": tpak_prov, "gini": gini_prov}


def _kab_p0(grid: _Grid, kab: str, yl: list[int], prov: dict[str, dict[int, float]]) -> dict[int, float]:
    """P0 of one kabupaten (published, interpolated, or its provincial ratio)."""
    obs, add, prov_p0 = grid.obs, grid.add, prov["p0"]
    o = obs(kab, "p0_persen")
    p0, how = _fill_series(yl, o)
    for y in yl:
        if y not in p0:
            near = min(o, key=lambda k: abs(k - y))
            p0[y] = o[near] / prov_p0[near] * prov_p0[y]
            how[y] = f"kabupaten/province P0 ratio of {near} applied to the provincial P0"
        add(kab, y, "p0_persen", p0[y], "persen", how[y])
    return p0


def _kab_poverty_line(
    grid: _Grid, kab: str, yl: list[int], prov: dict[str, dict[int, float]], kota: bool
) -> None:
    """Poverty line of one kabupaten (published, its provincial ratio, or a default ratio)."""
    obs, add, prov_gk = grid.obs, grid.add, prov["gk"]
    o = obs(kab, "garis_kemiskinan")
    for y in yl:
        if y in o:
            add(kab, y, "garis_kemiskinan", o[y], "Rp/kapita/bulan", "")
        elif o:
            near = min(o, key=lambda k: abs(k - y))
            v = o[near] / prov_gk[near] * prov_gk[y]
            add(
                kab,
                y,
                "garis_kemiskinan",
                v,
                "Rp/kapita/bulan",
                f"kabupaten/province line ratio of {near} applied to the provincial line",
            )
        else:
            r = 1.22 if kota else 0.90
            add(
                kab,
                y,
                "garis_kemiskinan",
                r * prov_gk[y],
                "Rp/kapita/bulan",
                f"{r:.2f} x provincial line (no kabupaten line published)",
            )


def _kab_population(grid: _Grid, kab: str, yl: list[int], p0: dict[int, float]) -> None:
    """Population of one kabupaten (published, interpolated, grown, or poor / P0)."""
    obs, add = grid.obs, grid.add
    o = obs(kab, "penduduk")
    if not o:
        poor = obs(kab, "jumlah_penduduk_miskin")
        y0 = min(poor)
        o = {y0: poor[y0] * 1000 / (p0[y0] / 100)}
        base_how = f"number of poor / P0 of {y0} (no population figure published)"
    else:
        base_how = ""
    pop, how = _fill_series(yl, o)
    for y in yl:
        if y not in pop:
            near = min(o, key=lambda k: abs(k - y))
            pop[y] = o[near] * 1.012 ** (y - near)
            how[y] = "grown at 1.2% a year from the nearest published year"
        elif y in o and base_how:
            how[y] = base_how
        add(kab, y, "penduduk", round(pop[y]), "jiwa", how[y])


def _kab_labour_and_gini(
    grid: _Grid, kab: str, yl: list[int], prov: dict[str, dict[int, float]], kota: bool
) -> None:
    """TPT, TPAK and Gini of one kabupaten (published, else from the provincial figures)."""
    obs, add = grid.obs, grid.add
    tpt_prov, tpak_prov, gini_prov = prov["tpt"], prov["tpak"], prov["gini"]
    o = obs(kab, "tpt_agustus")
    for y in yl:
        if y in o:
            add(kab, y, "tpt_agustus", o[y], "persen", "")
        else:
            f = 1.8 if kota else 0.85
            add(
                kab,
                y,
                "tpt_agustus",
                tpt_prov[y] * f,
                "persen",
                f"provincial TPT x {f} (kabupaten figure not found)",
            )
        add(
            kab,
            y,
            "tpak_agustus",
            tpak_prov[y] * (0.93 if kota else 1.01),
            "persen",
            "provincial TPAK (x 0.93 Kota, x 1.01 kabupaten); kabupaten figure not found",
        )
        g = gini_prov[y] + (0.03 if kota else -0.01)
        add(
            kab,
            y,
            "gini_ratio",
            g,
            "rasio",
            "provincial Gini (kabupaten not published), "
            "+0.03 for a kota, -0.01 for a kabupaten",
        )


def missing_reference_tables(
    province: str | Region | None = None, *, own_poverty_lines: bool = False, own_targets: bool = False
) -> list[str]:
    """Reference tables the package does not ship for the province, one Indonesian line each.

    Published BPS figures (the default poverty lines), indicator targets and the BPS
    kecamatan bridge exist for some provinces only; a province without them runs with the
    user's own files, and these lines say what is missing and how to supply it.

    Parameters
    ----------
    province : str or Region, optional
        Default the process's province.
    own_poverty_lines, own_targets : bool
        The run has the user's own poverty lines / targets (their lines are then left out).

    Returns
    -------
    list of str
        Empty when every table is shipped.

    Examples
    --------
    >>> missing_reference_tables("17")
    []
    >>> for line in missing_reference_tables("13", own_targets=True):
    ...     print(line[:72])
    Angka resmi BPS (garis kemiskinan, P0, penduduk) Provinsi Sumatera Barat
    Padanan kode kecamatan BPS-Kemendagri Provinsi Sumatera Barat tidak ters
    """
    region = _region(province)
    out = []
    if not own_poverty_lines and not has_official_indicators(region):
        out.append(
            f"Angka resmi BPS (garis kemiskinan, P0, penduduk) {region.title} tidak tersedia di "
            "tkpk_lib/reference/official_indicators.csv: berikan garis kemiskinan sendiri dengan "
            "--poverty-lines FILE (kolom kab_code, year, poverty_line)"
        )
    from tkpk_lib.analysis.trends import target_table

    if not own_targets and target_table(region.code).empty:
        out.append(
            f"Target indikator {region.title} tidak tersedia di tkpk_lib/reference/targets.csv: "
            "bagian target kosong; berikan target sendiri dengan --targets FILE"
        )
    if not region.has_bps_bridge:
        out.append(
            f"Padanan kode kecamatan BPS-Kemendagri {region.title} tidak tersedia di "
            "tkpk_lib/reference/regions.csv: kode kecamatan Susenas tidak dapat dipadankan; "
            "letakkan padanan sendiri di bps_kecamatan.csv pada folder data (kolom kec_code, kec_bps)"
        )
    return out
