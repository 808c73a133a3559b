"""Podes village census file -> canonical villages table."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from tkpk_lib.data.readers.codes import _check_codes, _name_problems, _raw_names, _take, crosswalk
from tkpk_lib.data.readers.messages import missing_kabupaten
from tkpk_lib.data.readers.recodes import flag, recode
from tkpk_lib.data.readers.tabular import _pop_attrs, read_raw, source_label
from tkpk_lib.data.readers.values import _code_text, _num
from tkpk_lib.data.validate import validate_table
from tkpk_lib.errors import Problem, SchemaError


# --------------------------------------------------------------------------- Podes
def read_podes(path: str | Path, year: int) -> pd.DataFrame:
    """Read a Podes village file into the canonical ``villages`` table.

    Every village must be in the region list of the data root's province (a Podes village absent from it is
    reported by row).
    """
    p = Path(path)
    raw = read_raw(p, expected=crosswalk("podes", year).values())
    raw_attrs = _pop_attrs(raw)
    src = source_label(p, raw_attrs)
    t, problems = _take(raw, "podes", year, src, optional=("lat", "lon"))
    if problems:
        raise SchemaError(problems)
    problems, notices = _check_codes(t, "podes", year, src, raw_attrs.get("value_labels", {}))
    if problems:
        raise SchemaError(problems)
    out = pd.DataFrame({"_row": t["_row"], "year": year})
    out["desa_code"] = _code_text(t["desa"], 10)
    out["kec_code"] = out["desa_code"].str[:6]
    out["kab_code"] = out["desa_code"].str[:4]
    out["desa_name"] = t["desa_name"].astype("string")
    out["kelurahan"] = flag(t["status"], "podes", "kelurahan", year)
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
    out["signal"] = recode(t["signal"], "podes", "signal", year)
    out["water_source"] = _num(t["water"])
    out["sanitation"] = _num(t["toilet"])
    out["malnutrition_cases"] = _num(t["malnutrition"])
    out["disasters"] = _num(t["disasters"])
    if "lat" in t.columns:
        out["lat"] = _num(t["lat"])
        out["lon"] = _num(t["lon"])
    cw = crosswalk("podes", year)
    pop = _num(t["pop_male"]) + _num(t["pop_female"])
    elec = _num(t["families_electric"])
    for mask, column, canonical, message in (
        (
            (elec > fam).fillna(False),
            cw["families_electric"],
            "families_electric",
            f"more families with electricity than families ('{cw['families']}')",
        ),
        (
            (fam > pop).fillna(False),
            cw["families"],
            "families",
            f"more families than inhabitants ('{cw['pop_male']}' + '{cw['pop_female']}')",
        ),
    ):
        m = mask.to_numpy(dtype=bool)
        if m.any():
            problems.append(Problem(src, column, message, list(t["_row"][m]), canonical=canonical))
    df = validate_table(
        out,
        "villages",
        source=src,
        extra_problems=_name_problems(problems, year, "podes"),
        names=_raw_names(
            "podes",
            year,
            {"desa_code": "desa", "kec_code": "desa", "kab_code": "desa", "desa_name": "desa_name",
             "kelurahan": "status", "families": "families", "dist_school_km": "dist_school",
             "dist_health_km": "dist_health", "dist_market_km": "dist_market",
             "road_surface": "road", "signal": "signal", "water_source": "water",
             "sanitation": "toilet", "malnutrition_cases": "malnutrition",
             "disasters": "disasters", "lat": "lat", "lon": "lon"},
        ),
    )
    df.attrs["value_labels"] = raw_attrs.get("value_labels", {})
    df.attrs["warnings"] = (
        notices
        + df.attrs.get("warnings", [])
        + missing_kabupaten(df["kab_code"], p.name, "villages")
    )
    return df
