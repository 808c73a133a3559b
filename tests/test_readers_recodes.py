"""BPS recodes as data (reference/recodes.csv): same canonical values as the inline maps they replace."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tkpk_lib.data import readers
from tkpk_lib.data.readers import recodes
from tkpk_lib.data.readers.codes import _check_codes, _take, coded_variables, crosswalk
from tkpk_lib.data.readers.tabular import _pop_attrs, read_raw
from tkpk_lib.errors import TkpkError
from tkpk_lib.synthetic import generate_demo


def _n(s):
    return pd.to_numeric(s, errors="coerce").astype("float64")


# The inline expressions of the readers before the recodes became data (verbatim, on numbers).
OLD = {
    ("susenas_rt", "urban", "urban"): lambda x: (x == 1).astype("float64").where(x.isin([1, 2])),
    ("susenas_rt", "water", "water_source"): lambda x: x.map(
        {1: 1, 2: 1, 3: 2, 4: 2, 5: 3, 6: 3, 8: 4, 11: 5, 7: 6, 9: 6, 10: 7, 12: 7}),
    ("susenas_rt", "water", "water_safe"): lambda x: x.isin([1, 2, 3, 4, 5, 6, 8, 11]),
    ("susenas_rt", "toilet", "toilet_used"): lambda x: x.isin([1, 2, 3]),
    ("susenas_rt", "closet", "goose_neck"): lambda x: x == 1,
    ("susenas_rt", "disposal", "disposal_safe"): lambda x: x.isin([1, 2]),
    ("susenas_rt", "disposal", "disposal_pit"): lambda x: x == 5,
    ("susenas_rt", "lighting", "electricity"): lambda x: x.isin([1, 2, 3]),
    ("susenas_rt", "lighting", "pln_meter"): lambda x: x == 1,
    ("susenas_rt", "elec_va", "subsidised_va"): lambda x: x.isin([450, 900]),
    ("susenas_rt", "floor", "floor_earth"): lambda x: x == 8,
    ("susenas_rt", "wall", "wall_poor"): lambda x: x.isin([4, 5, 6, 7]),
    ("susenas_rt", "roof", "roof_poor"): lambda x: x.isin([5, 7, 8]),
    ("susenas_rt", "pkh", "rcv_pkh"): lambda x: x == 1,
    ("susenas_rt", "bpnt", "rcv_bpnt"): lambda x: x == 1,
    ("susenas_rt", "blt_dd", "rcv_blt_dd"): lambda x: x == 1,
    ("susenas_rt", "lpg_subsidy", "rcv_lpg"): lambda x: x == 1,
    ("susenas_rt", "kur", "rcv_kur"): lambda x: x == 1,
    ("susenas_ind", "relation", "is_head"): lambda x: x == 1,
    ("susenas_ind", "sex", "female"): lambda x: x == 2,
    ("susenas_ind", "difficulty", "disabled"): lambda x: x >= 3,
    ("susenas_ind", "school", "school_status"): lambda x: x.map({1: 0, 2: 1, 3: 2}),
    ("susenas_ind", "jkn", "jkn_member"): lambda x: x.isin([1, 2, 3]),
    ("susenas_ind", "jkn", "jkn_pbi"): lambda x: x.isin([1, 2]),
    ("susenas_ind", "pip", "rcv_pip"): lambda x: x == 1,
    ("sakernas", "urban", "urban"): lambda x: x == 1,
    ("sakernas", "sex", "female"): lambda x: x == 2,
    ("sakernas", "worked", "worked"): lambda x: x == 1,
    ("sakernas", "seeking", "seeking"): lambda x: x == 1,
    ("sakernas", "emp_status", "informal"): lambda x: x.isin([1, 2, 5, 6, 7]),
    ("sakernas", "want_more", "want_more"): lambda x: x == 1,
    ("podes", "status", "kelurahan"): lambda x: x == 2,
    ("podes", "signal", "signal"): lambda x: x.map({1: 2, 2: 1, 3: 0}),
}


def test_every_recode_in_the_table_is_one_of_the_old_maps():
    t = recodes._recode_table()
    assert set(zip(t["file"], t["variable"], t["target"], strict=True)) == set(OLD)
    assert len(t) == 104


@pytest.mark.parametrize("key", sorted(OLD))
def test_recode_table_gives_the_old_values_for_every_code(key):
    file, variable, target = key
    coded = coded_variables(file).get(variable)
    # codes outside the crosswalk's list are rejected before any recode (``_check_codes``)
    codes = [*(coded[0] if coded else [*range(-1, 16), 450, 900, 1300]), np.nan]
    x = pd.Series(codes, dtype="float64", name=variable)
    old = OLD[key](x).astype("float64")
    for year in (2015, 2019, 2024, 2030):
        new = recodes.recode(x, file, target, year)
        if target not in ("urban", "water_source", "school_status", "signal") or file == "sakernas":
            assert new.tolist() == old.tolist()
            new = recodes.flag(x, file, target, year)
            assert new.dtype == "int8" and new.tolist() == old.astype("int8").tolist()
        pd.testing.assert_series_equal(new.astype("float64"), old, check_names=False)


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    root = tmp_path_factory.mktemp("recode_demo")
    generate_demo(root, small=True, years=(2019, 2024), seed=11, registry_households=100)
    return root / "raw"


def _raw(path, file, year):
    raw = read_raw(path, expected=crosswalk(file, year).values())
    attrs = _pop_attrs(raw)
    t, problems = _take(raw, file, year, path.name, optional=("registry_decile", "lat", "lon"))
    problems += _check_codes(t, file, year, path.name, attrs.get("value_labels", {}))[0]
    assert not problems
    return t.set_index("_row")


def _same(out: pd.Series, old, raw_index) -> bool:
    """``out`` (a canonical column indexed by row) equals ``old`` (by raw row), row by row."""
    old = pd.Series(np.asarray(old, dtype="float64"), index=raw_index).reindex(out.index)
    return out.astype("float64").fillna(-99).tolist() == old.fillna(-99).tolist()


def _hit(folder: Path, pattern: str) -> Path:
    return next(p for p in sorted(folder.iterdir()) if pattern in p.name.lower())


@pytest.mark.parametrize("year", [2019, 2024])
def test_demo_canonical_tables_are_those_of_the_inline_maps(demo, year):
    """The canonical tables of the demo carry the values the old inline maps gave."""
    sus = readers.read_susenas(demo / "susenas" / str(year), year)
    hh, pp = sus["households"].set_index("_row"), sus["persons"].set_index("_row")
    rt = _raw(_hit(demo / "susenas" / str(year), "kor_rt"), "susenas_rt", year)
    ind = _raw(_hit(demo / "susenas" / str(year), "kor_ind"), "susenas_ind", year)
    n = {c: _n(rt[c]) for c in rt.columns if c != "hh_id"}
    i = {c: _n(ind[c]) for c in ind.columns if c != "hh_id"}
    rural = n["urban"] == 2
    old_hh = {
        "urban": (n["urban"] == 1).astype("float64").where(n["urban"].isin([1, 2])),
        "water_source": n["water"].map(
            {1: 1, 2: 1, 3: 2, 4: 2, 5: 3, 6: 3, 8: 4, 11: 5, 7: 6, 9: 6, 10: 7, 12: 7}),
        "water_safe": n["water"].isin([1, 2, 3, 4, 5, 6, 8, 11]),
        "sanitation_safe": n["toilet"].isin([1, 2, 3]) & (n["closet"] == 1)
        & (n["disposal"].isin([1, 2]) | (rural & (n["disposal"] == 5))),
        "electricity": n["lighting"].isin([1, 2, 3]),
        "floor_earth": n["floor"] == 8,
        "wall_poor": n["wall"].isin([4, 5, 6, 7]),
        "roof_poor": n["roof"].isin([5, 7, 8]),
        "rcv_pkh": n["pkh"] == 1, "rcv_bpnt": n["bpnt"] == 1, "rcv_blt_dd": n["blt_dd"] == 1,
        "rcv_lpg": n["lpg_subsidy"] == 1, "rcv_kur": n["kur"] == 1,
        "rcv_listrik": (n["lighting"] == 1) & n["elec_va"].isin([450, 900]),
    }
    for c, v in old_hh.items():
        assert _same(hh[c], v, rt.index), c
    old_pp = {
        "female": i["sex"] == 2, "is_head": i["relation"] == 1, "disabled": i["difficulty"] >= 3,
        "school_status": i["school"].map({1: 0, 2: 1, 3: 2}),
        "jkn_member": i["jkn"].isin([1, 2, 3]), "jkn_pbi": i["jkn"].isin([1, 2]),
    }
    for c, v in old_pp.items():
        assert _same(pp[c], v, ind.index), c
    assert 0 < hh["rcv_pkh"].sum() < len(hh) and set(hh["water_source"].dropna()) >= {1, 2, 3}

    sak_file = next((demo / "sakernas" / str(year)).iterdir())
    lab = readers.read_sakernas(sak_file, year).set_index("_row")
    sak = _raw(sak_file, "sakernas", year)
    s = {c: _n(v) for c, v in sak.items()}
    worked = s["worked"] == 1
    old_lab = {
        "urban": s["urban"] == 1, "female": s["sex"] == 2,
        "lf_status": np.select([worked, (s["seeking"] == 1) & (s["age"] >= 15)], [1, 2], 3),
        "informal": worked & s["emp_status"].isin([1, 2, 5, 6, 7]),
        "wants_more_hours": worked & (s["hours"].where(worked) < 35) & (s["want_more"] == 1),
    }
    for c, v in old_lab.items():
        assert _same(lab[c], v, sak.index), c

    py = max(int(f.name) for f in (demo / "podes").iterdir() if int(f.name) <= year)  # 2018, 2024
    pod_file = next((demo / "podes" / str(py)).iterdir())
    vil = readers.read_podes(pod_file, py).set_index("_row")
    d = _raw(pod_file, "podes", py)
    assert _same(vil["kelurahan"], _n(d["status"]) == 2, d.index)
    assert _same(vil["signal"], _n(d["signal"]).map({1: 2, 2: 1, 3: 0}), d.index)


def test_readers_take_the_codes_from_the_table(demo, monkeypatch):
    """Editing the table (a new code list) changes the canonical values: no inline map is left."""
    table = recodes._recode_table().copy()
    pkh = (table["target"] == "rcv_pkh") & (table["code"] == "1")
    table.loc[pkh, "value"] = "0"
    table.loc[(table["target"] == "rcv_pkh") & (table["code"] == "*"), "value"] = "1"
    monkeypatch.setattr(recodes, "_recode_table", lambda: table)
    recodes.recode_map.cache_clear()
    try:
        hh = readers.read_susenas(demo / "susenas" / "2024", 2024)["households"]
    finally:
        recodes.recode_map.cache_clear()
    rt = _raw(_hit(demo / "susenas" / "2024", "kor_rt"), "susenas_rt", 2024)
    assert _same(hh.set_index("_row")["rcv_pkh"], _n(rt["pkh"]) != 1, rt.index)
    assert 0 < hh["rcv_pkh"].sum() < len(hh)


def test_a_malformed_recode_table_names_file_column_and_rows(tmp_path):
    bad = tmp_path / "recodes.csv"
    bad.write_text("file,variable,target,from_year,code,value,code_label,value_label\n"
                   "podes,signal,signal,2019,1,2,strong,strong\n"
                   "podes,signal,signal,2019,2,x,weak,weak\n", encoding="utf-8")
    with pytest.raises(TkpkError, match=r"reference/recodes.csv, column 'value': not a number in rows 2$"):
        recodes.read_recode_table(bad)


def test_a_recode_from_a_later_year_applies_from_that_year(monkeypatch):
    table = recodes._recode_table()
    extra = table[table["target"] == "rcv_kur"].assign(from_year="2023")
    extra.loc[extra["code"] == "1", "code"] = "3"  # from 2023 the code of "yes" is 3
    monkeypatch.setattr(recodes, "_recode_table", lambda: pd.concat([table, extra]))
    recodes.recode_map.cache_clear()
    try:
        x = pd.Series([1, 3, 2], name="kur")
        assert recodes.flag(x, "susenas_rt", "rcv_kur", 2022).tolist() == [1, 0, 0]
        assert recodes.flag(x, "susenas_rt", "rcv_kur", 2024).tolist() == [0, 1, 0]
    finally:
        recodes.recode_map.cache_clear()
