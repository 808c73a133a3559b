"""Demo own targets (issue 13): an RPJMD target table for the province and every kabupaten/kota.

Written as a Bappeda office keeps it, ``raw/targets/target_rpjmd.xlsx``: a title row, then
Indonesian headers (``indikator, kode_wilayah, nama_wilayah, tahun, nilai, dokumen, sumber,
interpolasi``), shares as fractions shown as percent. Every source says "(sintetis)".

Contrasts on purpose, chosen from the model (the calibration grid of :mod:`._world`) so that
they exist for any province. P0 paths start from each unit's model P0 of 2021 (the RPJMD
baseline):

* the province: a path 1.8 points below its model P0 of 2024 (the province interval is narrow:
  *belum sesuai target*), steeper than its units' paths, so the kabupaten/kota targets do not
  add up (population-weighted) to the province target;
* the unit with the highest model P0 of 2024 (after the roles below): an ambitious path 6
  points below it in 2024 (*belum sesuai target* where the interval allows);
* the unit with the steepest model decline: a ceiling drafted in the pandemic year, its highest
  model P0 of 2019-2021 held to 2026, less ambitious than its trend;
* the unit with the flattest model trend: only 2025 and 2026 rows, 3 points a year from its
  2024 level, unreachable at any recent pace;
* the others: their model trend plus 0.1 point a year, as yearly rows or as two rows
  (2022, 2026) with ``interpolasi`` = ya.

TPT: one level for every kabupaten/kota (1.5 times the median model TPT of 2024, falling 0.1
point a year): units with a high TPT (a kota) are off track, most others reach it; the province
1.2 times its own. No P0 target is below a quarter of the unit's model P0 of 2024 (a province with
low rates would otherwise get negative ones). Extreme poverty keeps the official Inpres 4/2022 target (not in this file).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

FILE = "raw/targets/target_rpjmd.xlsx"
RPJMD_YEARS = (2022, 2023, 2024, 2025, 2026)
BASE_YEAR = 2021
PROVINCE_GAP = 0.018  # province P0 target of 2024 below its model P0 of 2024
AMBITIOUS_GAP = 0.06  # the ambitious unit's P0 target of 2024 below its model P0 of 2024
UNREACHABLE_STEP = -0.03  # unreachable unit: 3 points a year from its 2024 level
EXTRA_STEP = -0.001  # other units: their model trend plus 0.1 point a year
FLOOR = 0.25  # no P0 target below a quarter of the unit's model P0 of 2024
HEADERS = ("indikator", "kode_wilayah", "nama_wilayah", "tahun", "nilai", "dokumen", "sumber", "interpolasi")


def _slope(series: pd.Series) -> float:
    """OLS slope per year of a year-indexed series."""
    years = series.index.to_numpy(dtype=float)
    return float(np.polyfit(years, series.to_numpy(dtype=float), 1)[0])


def target_roles(p0: pd.DataFrame) -> dict[str, str]:
    """Role of each kabupaten/kota in the demo targets, from its model P0 path.

    Parameters
    ----------
    p0 : pandas.DataFrame
        Model P0 (fraction), one row per kabupaten/kota code, one column per year (2024 included).

    Returns
    -------
    dict
        ``code -> role``: ``lax`` (steepest decline), ``unreachable`` (flattest trend),
        ``ambitious`` (highest P0 of 2024 among the rest), ``interpolated`` or ``yearly``
        (the others alternately, in code order). With fewer than three units the roles run out
        in that order.

    Examples
    --------
    >>> p0 = pd.DataFrame({2021: [0.20, 0.15, 0.12, 0.10], 2024: [0.17, 0.15, 0.13, 0.09]},
    ...                   index=["01", "02", "03", "04"])
    >>> target_roles(p0)
    {'01': 'lax', '02': 'ambitious', '03': 'unreachable', '04': 'yearly'}
    """
    slopes = {k: _slope(p0.loc[k]) for k in p0.index}
    roles: dict[str, str] = {}
    rest = sorted(str(k) for k in p0.index)
    if rest:
        lax = min(rest, key=lambda k: (slopes[k], k))
        roles[lax] = "lax"
        rest.remove(lax)
    if rest:
        flat = max(rest, key=lambda k: (slopes[k], k))
        roles[flat] = "unreachable"
        rest.remove(flat)
    if rest:
        high = max(rest, key=lambda k: (float(p0.loc[k, 2024]), k))
        roles[high] = "ambitious"
        rest.remove(high)
    for i, k in enumerate(rest):
        roles[k] = "yearly" if i % 2 == 0 else "interpolated"
    return dict(sorted(roles.items()))


def _p0_path(role: str, path: pd.Series) -> list[tuple[int, float, str]]:
    """(year, target, interpolasi) rows of one unit's P0 target by its role (``path``: model P0 by year)."""
    base, now, slope = float(path[BASE_YEAR]), float(path[2024]), _slope(path)
    if role == "lax":
        return [(y, float(path.loc[:BASE_YEAR].max()), "") for y in RPJMD_YEARS]
    if role == "unreachable":
        return [(y, now + UNREACHABLE_STEP * (y - 2024), "") for y in (2025, 2026)]
    if role == "ambitious" or role == "province":
        gap = AMBITIOUS_GAP if role == "ambitious" else PROVINCE_GAP
        step = (now - gap - base) / (2024 - BASE_YEAR)
    else:
        step = min(slope, 0.0) + EXTRA_STEP
    rows = [(y, base + step * (y - BASE_YEAR), "") for y in RPJMD_YEARS]
    if role == "interpolated":
        return [(y, t, "ya") for y, t, _ in rows if y in (RPJMD_YEARS[0], RPJMD_YEARS[-1])]
    return rows


def target_rows(grid: pd.DataFrame, province: str, names: Mapping[str, str]) -> pd.DataFrame:
    """The demo's target table (P0 and TPT), one row per indicator, unit and year.

    Parameters
    ----------
    grid : pandas.DataFrame
        Calibration grid indexed by (kab_code, year) with ``p0_persen``, ``penduduk`` and
        ``tpt_agustus`` (percent), 2019-2024.
    province : str
        Province code (its row is the population-weighted model of its units).
    names : mapping
        Code -> title of each unit and the province ("Kabupaten ...", "Provinsi ...").

    Returns
    -------
    pandas.DataFrame
        Columns :data:`HEADERS` (``nilai`` a fraction, rounded to 0.01 point).

    Examples
    --------
    >>> idx = pd.MultiIndex.from_product([["1701", "1702"], range(2019, 2025)], names=["kab_code", "year"])
    >>> g = pd.DataFrame({"p0_persen": [20, 19, 18, 17, 16, 15, 12, 12, 12, 12, 12, 12],
    ...                   "penduduk": 100.0, "tpt_agustus": 3.0}, index=idx)
    >>> t = target_rows(g, "17", {"17": "Provinsi X", "1701": "Kabupaten A", "1702": "Kabupaten B"})
    >>> t[(t.indikator == "p0") & (t.tahun == 2026)][["kode_wilayah", "nilai"]].values.tolist()
    [['17', 0.095], ['1701', 0.2], ['1702', 0.06]]
    """
    p0 = (grid["p0_persen"] / 100.0).unstack("year")
    pop = grid["penduduk"].unstack("year")
    tpt = (grid["tpt_agustus"] / 100.0).unstack("year")
    prov_p0 = (p0 * pop).sum() / pop.sum()
    prov_tpt = (tpt * pop).sum() / pop.sum()
    roles = target_roles(p0)
    units = [(province, "province", prov_p0), *[(k, roles[k], p0.loc[k]) for k in sorted(roles)]]
    rows = []
    for code, role, path in units:
        src = f"RPJMD {names[code]} 2021-2026 (sintetis)"
        floor = FLOOR * float(path[2024])  # a low-P0 unit of another province: no target at or below 0
        for year, value, interp in _p0_path(role, path):
            rows.append(("p0", code, names[code], year, round(max(value, floor), 4), "RPJMD", src, interp))
    level = 1.5 * float(tpt[2024].median())
    for code in [province, *sorted(roles)]:
        start = 1.2 * float(prov_tpt[2024]) if code == province else level
        src = f"RPJMD {names[code]} 2021-2026 (sintetis)"
        for year in (2024, 2025, 2026):
            rows.append(("tpt", code, names[code], year, round(start - 0.001 * (year - 2024), 4), "RPJMD", src, ""))
    return pd.DataFrame(rows, columns=list(HEADERS))


def write_targets(grid: pd.DataFrame, root: Path, province: str, names: Mapping[str, str],
                  province_title: str) -> dict[str, int]:
    """Write :data:`FILE` under ``root`` (title row, Indonesian headers, percent-formatted values).

    Parameters
    ----------
    grid, province, names
        As for :func:`target_rows`.
    root : Path
        Demo data root.
    province_title : str
        "Provinsi <Nama>", for the title row.

    Returns
    -------
    dict
        ``{relative path: number of rows}``.

    Examples
    --------
    >>> import tempfile
    >>> idx = pd.MultiIndex.from_product([["1701"], range(2019, 2025)], names=["kab_code", "year"])
    >>> g = pd.DataFrame({"p0_persen": 15.0, "penduduk": 100.0, "tpt_agustus": 3.0}, index=idx)
    >>> write_targets(g, Path(tempfile.mkdtemp()), "17", {"17": "Provinsi X", "1701": "Kabupaten A"}, "Provinsi X")
    {'raw/targets/target_rpjmd.xlsx': 16}
    """
    from openpyxl import Workbook

    t = target_rows(grid, province, names)
    wb = Workbook()
    ws = wb.active
    ws.title = "Target RPJMD"
    ws.append([f"Target indikator kemiskinan dan ketenagakerjaan RPJMD 2021-2026, {province_title} dan "
               "kabupaten/kota (DATA SINTETIS untuk demo, bukan angka RPJMD)"])
    ws.append([])
    ws.append(list(HEADERS))
    for row in t.itertuples(index=False):
        ws.append(list(row))
        ws.cell(ws.max_row, HEADERS.index("nilai") + 1).number_format = "0.00%"
    path = root / FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return {FILE: len(t)}
