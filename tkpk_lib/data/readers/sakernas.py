"""Sakernas August person file -> canonical labour table."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from tkpk_lib.data.readers.codes import _check_codes, _name_problems, _raw_names, _take, crosswalk
from tkpk_lib.data.readers.messages import missing_kabupaten
from tkpk_lib.data.readers.recodes import flag
from tkpk_lib.data.readers.tabular import _pop_attrs, read_raw, source_label
from tkpk_lib.data.readers.values import _id_text, _kab_code, _num
from tkpk_lib.data.region import current_region
from tkpk_lib.data.validate import validate_table
from tkpk_lib.errors import Problem, SchemaError


# --------------------------------------------------------------------------- Sakernas
def read_sakernas(path: str | Path, year: int) -> pd.DataFrame:
    """Read a Sakernas August person file into the canonical ``labour`` table.

    Labour-force status follows BPS: employed = worked at least one hour last week or
    temporarily absent; unemployed = aged 15+, not employed and seeking work, preparing a
    business, discouraged or with a job not yet started; otherwise outside the labour force.
    Informal = own-account, employer with temporary workers, casual and unpaid family workers.

    Examples
    --------
    >>> from tkpk_lib.data.readers import crosswalk
    >>> crosswalk("sakernas", 2019)["age"]
    'B4_K8'
    """
    p = Path(path)
    raw = read_raw(p, expected=crosswalk("sakernas", year).values())
    raw_attrs = _pop_attrs(raw)
    src = source_label(p, raw_attrs)
    t, problems = _take(raw, "sakernas", year, src)
    if problems:
        raise SchemaError(problems)
    problems, notices = _check_codes(t, "sakernas", year, src, raw_attrs.get("value_labels", {}))
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
    out["urban"] = flag(t["urban"], "sakernas", "urban", year)
    out["stratum"] = _id_text(t["stratum"])
    out["psu"] = _id_text(t["psu"])
    out["weight"] = _num(t["weight"])
    age = _num(t["age"])
    out["age"] = age
    out["female"] = flag(t["sex"], "sakernas", "female", year)
    worked = flag(t["worked"], "sakernas", "worked", year) == 1
    seeking = (flag(t["seeking"], "sakernas", "seeking", year) == 1) & (age >= 15)
    out["lf_status"] = np.select([worked, seeking], [1, 2], 3)
    out["hours"] = _num(t["hours"]).where(worked)
    out["sector"] = _num(t["sector"]).where(worked)
    out["informal"] = (
        worked & (flag(t["emp_status"], "sakernas", "informal", year) == 1)
    ).astype("int8")
    want_more = flag(t["want_more"], "sakernas", "want_more", year) == 1
    out["wants_more_hours"] = (worked & (out["hours"] < 35) & want_more).astype("int8")
    cw = crosswalk("sakernas", year)
    hours = _num(t["hours"])
    for mask, name, message in (
        (worked & hours.isna(), "hours", f"employed ('{cw['worked']}' = 1) without hours worked"),
        (
            ~worked & hours.gt(0),
            "hours",
            f"hours worked recorded for persons not employed ('{cw['worked']}' = 2); ignored",
        ),
        (
            worked & _num(t["sector"]).isna(),
            "sector",
            f"employed ('{cw['worked']}' = 1) without a sector; left out of the sector shares",
        ),
    ):
        m = mask.fillna(False).to_numpy(dtype=bool)
        if m.any():
            notices.append(
                str(Problem(src, cw[name], message, list(t["_row"][m]), canonical=name))
            )
    region = current_region()
    bad_prov = _num(t["prov"]).ne(int(region.code)).to_numpy()
    if bad_prov.any():
        problems.append(
            Problem(
                p.name,
                crosswalk("sakernas", year)["prov"],
                f"province code is not {region.code} ({region.name}), the province of the data root",
                list(t["_row"][bad_prov]),
            )
        )
    df = validate_table(
        out,
        "labour",
        source=src,
        extra_problems=_name_problems(problems, year, "sakernas"),
        names=_raw_names(
            "sakernas",
            year,
            {"kab_code": "kab", "urban": "urban", "stratum": "stratum", "psu": "psu",
             "weight": "weight", "age": "age", "female": "sex", "hours": "hours",
             "sector": "sector"},
        ),
    )
    df.attrs["value_labels"] = raw_attrs.get("value_labels", {})
    df.attrs["warnings"] = (
        notices + df.attrs.get("warnings", []) + missing_kabupaten(df["kab_code"], p.name, "persons")
    )
    return df
