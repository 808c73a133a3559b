"""Susenas March (KOR household, KOR individual, KP expenditure) -> households and persons."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd

from tkpk_lib.data.readers.codes import _check_codes, _name_problems, _raw_names, _take, crosswalk
from tkpk_lib.data.readers.messages import missing_kabupaten
from tkpk_lib.data.readers.recodes import flag, recode
from tkpk_lib.data.readers.tabular import SURVEY_SUFFIXES, _pop_attrs, read_raw, source_label
from tkpk_lib.data.readers.values import _bps_kec_map, _id_text, _kab_code, _num
from tkpk_lib.data.region import current_region
from tkpk_lib.data.region_root import BRIDGE_FILE
from tkpk_lib.data.validate import _isin_text, validate_table
from tkpk_lib.errors import Problem, SchemaError, TkpkError


# --------------------------------------------------------------------------- Susenas
def _find(folder: Path, pattern: str, what: str) -> Path:
    from fnmatch import fnmatchcase  # names in any case: SSN_KOR_RT.DTA is *kor_rt*

    hits = sorted(p for p in folder.glob("*") if fnmatchcase(p.name.lower(), pattern.lower())
                  and p.suffix.lower() in SURVEY_SUFFIXES)
    if not hits:
        raise TkpkError(f"{folder}: no {what} file matching '{pattern}' (.dta/.sav/.csv/.parquet)")
    return hits[0]


def default_poverty_lines() -> pd.DataFrame:
    """Poverty line per kabupaten and year (BPS published where found, else assumed).

    Returns a frame with kab_code, year, poverty_line, assumed.

    Examples
    --------
    >>> pl = default_poverty_lines()
    >>> float(pl.query("kab_code == '1771' and year == 2024")["poverty_line"].iloc[0])
    820354.0
    """
    return _default_poverty_lines(current_region().code).copy()


@cache
def _default_poverty_lines(province: str) -> pd.DataFrame:
    # calibration_grid() takes ~0.35 s; the shipped reference tables do not change in a process
    from tkpk_lib.data.reference_data import calibration_grid

    g = calibration_grid(province=province)
    g = g[g["indicator"] == "garis_kemiskinan"]
    return g.rename(columns={"value": "poverty_line"})[
        ["kab_code", "year", "poverty_line", "assumed"]
    ].reset_index(drop=True)


def read_susenas(
    folder: str | Path,
    year: int,
    *,
    poverty_lines: pd.DataFrame | None = None,
) -> dict[str, pd.DataFrame]:
    """Read one year of Susenas March (KOR household + KOR individual + KP expenditure).

    Parameters
    ----------
    folder : path-like
        Folder with ``*kor_rt*``, ``*kor_ind*`` and ``*kp*`` files of the year.
    year : int
        Survey year; selects the crosswalk column.
    poverty_lines : DataFrame, optional
        Columns kab_code, year, poverty_line (optionally urban); defaults to
        :func:`default_poverty_lines`.

    Returns
    -------
    dict
        ``{"households": DataFrame, "persons": DataFrame}`` in canonical form.

    Notes
    -----
    Derived indicators follow BPS definitions (see the data dictionary): improved drinking
    water = bottled/refill, piped, tube well, protected well or spring, rain water; proper
    sanitation = own/shared/communal toilet with goose-neck closet and septic tank/IPAL (in
    rural areas a pit also counts); decent housing = durable roof, wall and floor, at least
    7.2 m2 per person, improved water and proper sanitation; subsidised electricity = PLN meter
    of 450 or 900 VA; PBI = any member's JKN paid by government; PIP = any member received PIP.
    The BPS codes behind each of these are data: ``reference/recodes.csv`` (see
    :mod:`tkpk_lib.data.readers.recodes`).
    """
    folder = Path(folder)
    f_rt = _find(folder, "*kor_rt*", "Susenas KOR household")
    f_ind = _find(folder, "*kor_ind*", "Susenas KOR individual")
    f_kp = _find(folder, "*kp*", "Susenas KP expenditure")
    rt_raw = read_raw(f_rt, expected=crosswalk("susenas_rt", year).values())
    ind_raw = read_raw(f_ind, expected=crosswalk("susenas_ind", year).values())
    kp_raw = read_raw(f_kp, expected=crosswalk("susenas_kp", year).values())
    rt_attrs, ind_attrs = _pop_attrs(rt_raw), _pop_attrs(ind_raw)
    kp_attrs = _pop_attrs(kp_raw)
    rt, p1 = _take(
        rt_raw, "susenas_rt", year, source_label(f_rt, rt_attrs), optional=("registry_decile",)
    )
    ind, p2 = _take(ind_raw, "susenas_ind", year, source_label(f_ind, ind_attrs))
    kp, p3 = _take(kp_raw, "susenas_kp", year, source_label(f_kp, kp_attrs))
    problems = p1 + p2 + p3
    if problems:
        raise SchemaError(problems)
    c1, notices = _check_codes(
        rt, "susenas_rt", year, source_label(f_rt, rt_attrs), rt_attrs.get("value_labels", {})
    )
    c2, n2 = _check_codes(
        ind, "susenas_ind", year, source_label(f_ind, ind_attrs), ind_attrs.get("value_labels", {})
    )
    notices += n2
    if c1 + c2:
        raise SchemaError(c1 + c2)

    for t in (rt, ind, kp):
        t["hh_id"] = _id_text(t["hh_id"])
    hh = _household_frame(rt, year, f_rt, problems)
    _add_expenditure(hh, rt, kp, year, f_rt, f_kp, problems)
    _add_poverty_line(hh, year, poverty_lines, problems)
    ind, head_flag, pbi, pip = _add_members(hh, rt, ind, year, f_rt, f_ind, problems)
    _add_living_conditions(hh, rt, year)
    _add_programmes(hh, rt, year, pbi, pip)

    households = validate_table(
        hh,
        "households",
        source=f_rt.name,
        extra_problems=_name_problems(problems, year, "susenas_rt", "susenas_ind", "susenas_kp"),
        names=_raw_names(
            "susenas_rt",
            year,
            {c: c for c in ("hh_id", "urban", "stratum", "psu", "weight", "hh_size",
                            "registry_decile")}
            | {"kab_code": "kab", "kec_code": "kec_bps"},
        ),
    )

    persons = _persons(households, ind, head_flag, year, f_ind)
    households.attrs["value_labels"] = rt_attrs.get("value_labels", {})
    persons.attrs["value_labels"] = ind_attrs.get("value_labels", {})
    households.attrs["warnings"] = (
        notices
        + households.attrs.get("warnings", [])
        + missing_kabupaten(households["kab_code"], f_rt.name, "households")
    )
    return {"households": households, "persons": persons}


def _household_frame(rt: pd.DataFrame, year: int, f_rt: Path, problems: list[Problem]) -> pd.DataFrame:
    """Households of the KOR file: ids, region codes (checked), urban and the design columns."""
    hh = pd.DataFrame({"_row": rt["_row"], "year": year, "hh_id": rt["hh_id"]})
    prov = _num(rt["prov"])
    region = current_region()
    bad_prov = prov.ne(int(region.code)).to_numpy()
    if bad_prov.any():
        problems.append(
            Problem(
                f_rt.name,
                crosswalk("susenas_rt", year)["prov"],
                f"province code is not {region.code} ({region.name}), the province of the data root",
                list(rt["_row"][bad_prov]),
            )
        )
    hh["kab_code"] = _kab_code(rt["kab"])
    kec_bps = hh["kab_code"] + _num(rt["kec_bps"]).astype("Int64").astype("string").str.zfill(3)
    hh["kec_code"] = kec_bps.map(_bps_kec_map())
    unk = hh["kec_code"].isna() & kec_bps.notna()
    if unk.any():
        problems.append(
            Problem(
                f_rt.name,
                crosswalk("susenas_rt", year)["kec_bps"],
                "kecamatan code not in the BPS-Kemendagri bridging table"
                + ("" if region.has_bps_bridge else f" (the bridge of {region.title} is not "
                   "shipped in tkpk_lib/reference/regions.csv: put your own in "
                   f"{BRIDGE_FILE} at the data root, columns kec_code, kec_bps)"),
                list(rt["_row"][unk]),
            )
        )
    urban = recode(rt["urban"], "susenas_rt", "urban", year)
    hh["urban"] = urban.fillna(0).astype("int8")
    hh.loc[urban.isna().to_numpy(), "urban"] = np.nan
    hh["stratum"] = _id_text(rt["stratum"])
    hh["psu"] = _id_text(rt["psu"])
    hh["weight"] = _num(rt["weight"])
    hh["hh_size"] = _num(rt["hh_size"])
    return hh


def _add_expenditure(hh: pd.DataFrame, rt: pd.DataFrame, kp: pd.DataFrame, year: int, f_rt: Path,
                     f_kp: Path, problems: list[Problem]) -> None:
    """Per-capita expenditure from the KP file (duplicates, negative, missing and absent ids)."""
    kp_dup = kp["hh_id"].duplicated(keep=False)
    if kp_dup.any():
        problems.append(
            Problem(
                f_kp.name,
                crosswalk("susenas_kp", year)["hh_id"],
                "duplicate household ids",
                list(kp["_row"][kp_dup]),
            )
        )
    kp_exp = _num(kp["exp_pc"])
    for mask, what in (
        (kp_exp < 0, "negative expenditure"),
        (kp_exp.isna(), "missing or non-numeric expenditure"),
    ):
        if mask.any():
            problems.append(
                Problem(
                    f_kp.name,
                    crosswalk("susenas_kp", year)["exp_pc"],
                    what,
                    list(kp["_row"][mask.to_numpy()]),
                )
            )
    # reported above against the KP file; neutralised here so the household check does not repeat it
    # (the whole read fails whenever a problem was found, so no value is used silently)
    exp = (
        kp.assign(exp_pc=kp_exp.clip(lower=0).fillna(0))
        .drop_duplicates("hh_id")
        .set_index("hh_id")["exp_pc"]
    )
    hh["exp_pc"] = _num(hh["hh_id"].map(exp))
    no_exp = hh["hh_id"].map(exp).isna()
    if no_exp.any():
        problems.append(
            Problem(
                f_rt.name,
                crosswalk("susenas_rt", year)["hh_id"],
                f"households without expenditure in {f_kp.name}",
                list(rt["_row"][no_exp]),
            )
        )


def _add_poverty_line(hh: pd.DataFrame, year: int, poverty_lines: pd.DataFrame | None,
                      problems: list[Problem]) -> None:
    """The poverty line of each household's kabupaten (and urban/rural, when the table has it)."""
    from tkpk_lib.data import reference_data as ref

    if poverty_lines is None and not ref.has_official_indicators():
        # no published lines of this province are shipped: left empty here, the run's own lines
        # (--poverty-lines) fill them when the report tables are prepared (never another
        # province's lines)
        hh["poverty_line"] = np.nan
        return
    pl = default_poverty_lines() if poverty_lines is None else poverty_lines
    pl = pl[pl["year"] == year]
    if "urban" in pl.columns:
        key = (
            hh[["kab_code", "urban"]]
            .astype({"urban": "float"})
            .merge(pl.astype({"urban": "float"}), on=["kab_code", "urban"], how="left")
        )
    else:
        key = hh[["kab_code"]].merge(pl[["kab_code", "poverty_line"]], on="kab_code", how="left")
    hh["poverty_line"] = key["poverty_line"].to_numpy()
    no_line = hh["poverty_line"].isna() & hh["kab_code"].notna()
    if no_line.any():
        problems.append(
            Problem(
                "poverty-line table",
                "poverty_line",
                f"no poverty line for year {year} and kabupaten "
                f"{sorted(set(hh.loc[no_line, 'kab_code']))}",
                [],
            )
        )


def _add_members(
    hh: pd.DataFrame, rt: pd.DataFrame, ind: pd.DataFrame, year: int, f_rt: Path, f_ind: Path,
    problems: list[Problem],
) -> tuple[pd.DataFrame, pd.Series, pd.Series, pd.Series]:
    """Head and member columns of the households from the individual file (heads and sizes checked).

    Returns
    -------
    ind : DataFrame
        The individual file with numeric age and relation.
    head_flag : Series
        1 for household heads (by ``ind`` row).
    pbi, pip : Series
        Any member with PBI / with PIP, by household id.
    """
    ind = ind.copy()
    ind["age"] = _num(ind["age"])
    ind["relation"] = _num(ind["relation"])
    head_flag = flag(ind["relation"], "susenas_ind", "is_head", year)
    is_head = head_flag.to_numpy(dtype=bool)
    extra_head = is_head & ind["hh_id"].where(is_head).duplicated(keep="first").to_numpy(dtype=bool)
    if extra_head.any():
        problems.append(
            Problem(
                f_ind.name,
                crosswalk("susenas_ind", year)["relation"],
                "a second household head (relation code 1) in the same household",
                list(ind["_row"][extra_head]),
                canonical="relation",
            )
        )
    members = hh["hh_id"].map(ind["hh_id"].value_counts()).fillna(0).to_numpy()
    size_differs = (hh["hh_size"].notna() & (hh["hh_size"] != members)).to_numpy(dtype=bool)
    if size_differs.any():
        problems.append(
            Problem(
                f_rt.name,
                crosswalk("susenas_rt", year)["hh_size"],
                f"household size differs from the number of members in {f_ind.name}",
                list(rt["_row"][size_differs]),
                canonical="hh_size",
            )
        )
    head = ind[is_head].drop_duplicates("hh_id").set_index("hh_id")
    hh["head_female"] = hh["hh_id"].map(flag(head["sex"], "susenas_ind", "female", year)).fillna(
        0
    ).astype("int8")
    hh["head_age"] = hh["hh_id"].map(head["age"])
    no_head = hh["head_age"].isna()
    if no_head.any():
        problems.append(
            Problem(
                f_ind.name,
                crosswalk("susenas_ind", year)["relation"],
                "households without a head (relation code 1) in the individual file",
                list(rt["_row"][no_head]),
            )
        )
    hh["head_educ"] = hh["hh_id"].map(_num(head["educ"]))
    flags = pd.DataFrame(
        {
            "hh_id": ind["hh_id"],
            "disabled": flag(ind["difficulty"], "susenas_ind", "disabled", year),
            "elderly": (ind["age"] >= 60).astype("int8"),
            "child": ((ind["age"] >= 7) & (ind["age"] <= 18)).astype("int8"),
            "pbi": flag(ind["jkn"], "susenas_ind", "jkn_pbi", year),
            "pip": flag(ind["pip"], "susenas_ind", "rcv_pip", year),
        }
    )
    g = flags.groupby("hh_id")
    anyf = g[["disabled", "elderly", "pbi", "pip"]].max()
    hh["has_disabled"] = hh["hh_id"].map(anyf["disabled"]).fillna(0)
    hh["has_elderly"] = hh["hh_id"].map(anyf["elderly"]).fillna(0)
    hh["n_children_7_18"] = hh["hh_id"].map(g["child"].sum()).fillna(0)
    pbi, pip = anyf["pbi"], anyf["pip"]
    return ind, head_flag, pbi, pip


def _add_living_conditions(hh: pd.DataFrame, rt: pd.DataFrame, year: int) -> None:
    """Water, sanitation, electricity and housing of each household (BPS definitions)."""
    hh["water_source"] = recode(rt["water"], "susenas_rt", "water_source", year)
    hh["water_safe"] = flag(rt["water"], "susenas_rt", "water_safe", year)
    rural = hh["urban"] == 0
    hh["sanitation_safe"] = (
        (flag(rt["toilet"], "susenas_rt", "toilet_used", year) == 1)
        & (flag(rt["closet"], "susenas_rt", "goose_neck", year) == 1)
        & (
            (flag(rt["disposal"], "susenas_rt", "disposal_safe", year) == 1)
            | (rural & (flag(rt["disposal"], "susenas_rt", "disposal_pit", year) == 1))
        )
    ).astype("int8")
    hh["electricity"] = flag(rt["lighting"], "susenas_rt", "electricity", year)
    hh["floor_earth"] = flag(rt["floor"], "susenas_rt", "floor_earth", year)
    hh["wall_poor"] = flag(rt["wall"], "susenas_rt", "wall_poor", year)
    hh["roof_poor"] = flag(rt["roof"], "susenas_rt", "roof_poor", year)
    area_pc = _num(rt["floor_area"]) / hh["hh_size"]
    hh["decent_housing"] = (
        (hh["floor_earth"] == 0)
        & (hh["wall_poor"] == 0)
        & (hh["roof_poor"] == 0)
        & (area_pc >= 7.2)
        & (hh["water_safe"] == 1)
        & (hh["sanitation_safe"] == 1)
    ).astype("int8")


def _add_programmes(hh: pd.DataFrame, rt: pd.DataFrame, year: int, pbi: pd.Series,
                    pip: pd.Series) -> None:
    """Programmes received by each household (PKH, BPNT, PBI, PIP, BLT-DD, LPG, electricity, KUR)."""
    hh["rcv_pkh"] = flag(rt["pkh"], "susenas_rt", "rcv_pkh", year)
    hh["rcv_bpnt"] = flag(rt["bpnt"], "susenas_rt", "rcv_bpnt", year)
    hh["rcv_pbi"] = hh["hh_id"].map(pbi).fillna(0)
    hh["rcv_pip"] = hh["hh_id"].map(pip).fillna(0)
    hh["rcv_blt_dd"] = flag(rt["blt_dd"], "susenas_rt", "rcv_blt_dd", year)
    hh["rcv_lpg"] = flag(rt["lpg_subsidy"], "susenas_rt", "rcv_lpg", year)
    hh["rcv_listrik"] = (
        (flag(rt["lighting"], "susenas_rt", "pln_meter", year) == 1)
        & (flag(rt["elec_va"], "susenas_rt", "subsidised_va", year) == 1)
    ).astype("int8")
    hh["rcv_kur"] = flag(rt["kur"], "susenas_rt", "rcv_kur", year)
    if "registry_decile" in rt.columns:
        hh["registry_decile"] = _num(rt["registry_decile"])


def _persons(households: pd.DataFrame, ind: pd.DataFrame, head_flag: pd.Series, year: int,
             f_ind: Path) -> pd.DataFrame:
    """The validated persons table (design columns from the household; orphans reported)."""
    hmap = households.set_index("hh_id")
    pp = pd.DataFrame(
        {
            "_row": ind["_row"],
            "year": year,
            "hh_id": ind["hh_id"],
            "person_no": _num(ind["person_no"]),
        }
    )
    orphan = ~_isin_text(pp["hh_id"], tuple(hmap.index))
    for c in ("kab_code", "urban", "stratum", "psu", "weight"):
        pp[c] = pp["hh_id"].map(hmap[c])
    pp["age"] = ind["age"]
    pp["female"] = flag(ind["sex"], "susenas_ind", "female", year)
    pp["is_head"] = head_flag
    pp["disabled"] = flag(ind["difficulty"], "susenas_ind", "disabled", year)
    pp["school_status"] = recode(ind["school"], "susenas_ind", "school_status", year)
    pp["jkn_member"] = flag(ind["jkn"], "susenas_ind", "jkn_member", year)
    pp["jkn_pbi"] = flag(ind["jkn"], "susenas_ind", "jkn_pbi", year)
    pproblems = []
    if orphan.any():
        pproblems.append(
            Problem(
                f_ind.name,
                crosswalk("susenas_ind", year)["hh_id"],
                "persons whose household is not in the household file",
                list(pp["_row"][orphan]),
            )
        )
    persons = validate_table(
        pp,
        "persons",
        source=f_ind.name,
        extra_problems=_name_problems(pproblems, year, "susenas_ind"),
        names=_raw_names(
            "susenas_ind",
            year,
            {"hh_id": "hh_id", "person_no": "person_no", "age": "age", "female": "sex",
             "is_head": "relation", "school_status": "school"},
        ),
    )
    return persons
