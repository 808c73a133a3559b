"""A plain-text summary of the canonical tables of one year (the demo's first check)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from tkpk_lib.data.canonical import load_tables
from tkpk_lib.data.reference_data import calibration_grid, has_official_indicators, region_names


def weighted_p0_by_kab(households: pd.DataFrame) -> pd.DataFrame:
    """Share of persons under the poverty line per kabupaten, with its design-based SE.

    A thin wrapper over :func:`tkpk_lib.analysis.indicators.fgt` (persons = weight x household size;
    stratified cluster design of the canonical table).

    Parameters
    ----------
    households : DataFrame
        Canonical households table.

    Returns
    -------
    DataFrame
        kab_code, p0, se, n_households, population.

    Examples
    --------
    >>> hh = pd.DataFrame({"kab_code": ["1701"] * 4, "stratum": ["a"] * 4, "psu": ["1", "1", "2", "2"],
    ...                    "weight": [1.0] * 4, "hh_size": [1, 1, 1, 1], "exp_pc": [1, 3, 1, 3],
    ...                    "poverty_line": [2.0] * 4})
    >>> float(weighted_p0_by_kab(hh)["p0"].iloc[0])
    0.5
    """
    from tkpk_lib.analysis.indicators import fgt
    from tkpk_lib.estimation.design import SurveyDesign

    d = SurveyDesign(weight="weight", strata="stratum", psu="psu", single_psu="center")
    r = fgt(households, d, welfare="exp_pc", line="poverty_line", alpha=0, by="kab_code", size="hh_size")
    return pd.DataFrame(
        {
            "kab_code": r["kab_code"].astype(str),
            "p0": r["estimate"],
            "se": r["se"],
            "n_households": r["n"],
            "population": r["n_weighted"],
        }
    )


def demo_summary(root: str | Path, year: int, *, cache_dir: str | Path | None = None) -> str:
    """Summary text: table sizes and the weighted P0 per kabupaten against its target.

    The estimate column says "P0 demo" for the synthetic demo folder and "P0 data" for a
    user's data root; the target column is the published BPS figure (or the assumed one).

    Parameters
    ----------
    root : path-like
        Data root.
    year : int
    cache_dir : path, optional
        Folder for the derived tables (see :func:`tkpk_lib.paths.cache_root`).
    """
    from tkpk_lib.paths import is_demo_folder

    t = load_tables(root, year, cache_dir=cache_dir)
    kind = "demo" if is_demo_folder(root) else "data"
    names = region_names()
    lines = [f"Canonical tables for {year} (data root {root}):"]
    for k, v in t.items():
        lines.append(f"  {k:<12} {len(v):>9,} rows x {v.shape[1]} columns")
    p0 = weighted_p0_by_kab(t["households"])
    # published figures are shipped for some provinces only: without them the column stays empty
    g = calibration_grid() if has_official_indicators() else None
    tgt = (g[(g["indicator"] == "p0_persen") & (g["year"] == year)].set_index("kab_code")
           if g is not None else pd.DataFrame(columns=["value", "assumed"]))
    lines.append("")
    lines.append(
        f"Weighted P0 (persons) per kabupaten/kota, {year}, against the published (or assumed) figure:"
    )
    lines.append(
        f"  {'kode':<5} {'kabupaten/kota':<28} {'P0 ' + kind:>8} {'SE':>6} {'target':>7}  note"
    )
    for r in p0.itertuples():
        tv = tgt.loc[r.kab_code, "value"] if r.kab_code in tgt.index else float("nan")
        note = (
            "assumed" if r.kab_code in tgt.index and bool(tgt.loc[r.kab_code, "assumed"]) else "BPS"
        ) if g is not None else "no published figure shipped for this province"
        lines.append(
            f"  {r.kab_code:<5} {names[r.kab_code]:<28} {100 * r.p0:8.2f} {100 * r.se:6.2f} {tv:7.2f}"
            f"  {note}"
        )
    return "\n".join(lines)
