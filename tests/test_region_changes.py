"""Pemekaran crosswalk: comparability of codes between years and its use in trends.change.

Hand-computed on small frames; the shipped table is checked against the national region
reference it points to.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from tkpk_lib.analysis import trends
from tkpk_lib.analysis.region_changes import comparability, region_changes
from tkpk_lib.data.region import Region, national_units
from tkpk_lib.errors import SchemaError


def _table(rows: list[tuple[str, str, int, str]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["old_code", "new_code", "year", "kind"])


# A splits in 2010 into A (smaller) and B; B gets code C in 2015; X and Y merge into Z in 2012
TOY = _table(
    [
        ("0101", "0101", 2010, "split"),
        ("0101", "0102", 2010, "split"),
        ("0102", "0103", 2015, "recode"),
        ("0201", "0203", 2012, "merge"),
        ("0202", "0203", 2012, "merge"),
    ]
)


def test_comparability_follows_the_changes_between_the_years():
    c = comparability(["0101", "0103", "0203", "0301"], 2009, 2016, TOY).set_index("code")
    assert c["comparable"].to_dict() == {"0101": False, "0103": False, "0203": False, "0301": True}
    assert c.loc["0101", "note"] == "tidak dapat dibandingkan (pemekaran 2010)"
    assert c.loc["0103", "note"] == "tidak dapat dibandingkan (pemekaran 2010)"  # recode, then the split
    assert c.loc["0203", "note"] == "tidak dapat dibandingkan (penggabungan 2012)"
    assert c.loc["0301", "code_a"] == "0301" and c.loc["0301", "note"] == ""
    # after the split: the recoded unit is its old code, the parent is comparable again
    c = comparability(["0101", "0103", "0203"], 2011, 2016, TOY).set_index("code")
    assert c["comparable"].to_dict() == {"0101": True, "0103": True, "0203": False}
    assert c.loc["0103", "code_a"] == "0102"
    # a change takes effect in its year: 2010 data are on the new territory
    c = comparability(["0101"], 2010, 2016, TOY)
    assert bool(c["comparable"].iloc[0])
    # the order of the years does not matter
    assert comparability(["0103"], 2016, 2011, TOY)["code_a"].iloc[0] == "0102"


def test_change_uses_the_old_code_of_a_recoded_unit():
    a = pd.DataFrame({"indicator": "p0", "kab_code": ["9101"], "year": 2021, "estimate": [0.30], "se": [0.01]})
    b = pd.DataFrame({"indicator": "p0", "kab_code": ["9301"], "year": 2024, "estimate": [0.26], "se": [0.02]})
    r = trends.change(a, b, by="kab_code")
    assert r["kab_code"].tolist() == ["9301"] and bool(r["comparable"].iloc[0])
    se = math.sqrt(0.01**2 + 0.02**2)  # 0.0223607
    assert r["difference"].iloc[0] == pytest.approx(-0.04, abs=1e-12)
    assert r["se"].iloc[0] == pytest.approx(se, rel=1e-12)
    assert r["z"].iloc[0] == pytest.approx(-0.04 / se, rel=1e-12)  # -1.789: not significant
    assert r["change_id"].iloc[0] == "tidak berbeda nyata"
    # without the crosswalk there is nothing to pair
    with pytest.raises(Exception, match="share"):
        trends.change(a, b, by="kab_code", changes=_table([]))


def test_change_is_not_computed_across_a_split():
    a = pd.DataFrame({"indicator": "p0", "kab_code": ["1701", "1703"], "year": 2007,
                      "estimate": [0.20, 0.25], "se": [0.01, 0.01]})
    b = pd.DataFrame({"indicator": "p0", "kab_code": ["1701", "1703", "1709"], "year": 2010,
                      "estimate": [0.17, 0.20, 0.22], "se": [0.01, 0.01, 0.02]})
    r = trends.change(a, b, by="kab_code").set_index("kab_code")
    assert list(r.index) == ["1701", "1703", "1709"]
    assert r.loc["1701", "difference"] == pytest.approx(-0.03, abs=1e-12)
    assert r.loc["1701", "se"] == pytest.approx(math.sqrt(2) * 0.01, rel=1e-12)  # z = -2.12: turun
    assert r.loc["1701", "change_id"] == "turun" and r.loc["1701", "assessment_id"] == "membaik"
    for code in ("1703", "1709"):
        assert not r.loc[code, "comparable"]
        assert r.loc[code, "change"] == "not_comparable"
        assert r.loc[code, "change_id"] == "tidak dapat dibandingkan (pemekaran 2008)"
        assert r.loc[code, "assessment_id"] == "tidak dapat dibandingkan (pemekaran 2008)"
        assert np.isnan(r.loc[code, "difference"]) and np.isnan(r.loc[code, "estimate_a"])
        assert not r.loc[code, "significant"]
    assert r.loc["1709", "estimate_b"] == 0.22 and r.loc["1709", "year_a"] == 2007
    # the same frames one year after the split compare 1703 as usual (1709 has no earlier year)
    r = trends.change(a.assign(year=2009), b, by="kab_code").set_index("kab_code")
    assert list(r.index) == ["1701", "1703"] and r["comparable"].all()
    assert r.loc["1703", "difference"] == pytest.approx(-0.05, abs=1e-12)


def test_years_given_when_the_frames_have_none():
    a = pd.DataFrame({"kab_code": ["3207"], "estimate": [0.10], "se": [0.01]})
    b = pd.DataFrame({"kab_code": ["3207"], "estimate": [0.08], "se": [0.01]})
    r = trends.change(a, b, by="kab_code", years=(2011, 2013))
    assert r["change_id"].tolist() == ["tidak dapat dibandingkan (pemekaran 2012)"]
    r = trends.change(a, b, by="kab_code", years=(2013, 2015))
    assert r["difference"].iloc[0] == pytest.approx(-0.02, abs=1e-12)
    assert "comparable" not in trends.change(a, b, by="kab_code").columns  # no years: as before


def test_shipped_table_points_at_the_national_reference():
    rc = region_changes()
    assert set(rc["kind"]) <= {"split", "recode"} and (rc["source"].str.len() > 20).all()
    current = set(national_units()["kode"])
    assert set(rc["new_code"]) <= current
    recode = rc[rc["kind"] == "recode"]
    assert len(recode) == 26 and recode["year"].eq(2022).all()
    assert set(recode["new_code"].str[:2]) == {"93", "94", "95", "96"}
    assert not set(recode["old_code"]) & current  # the old Papua codes are gone
    names = {c: n for r in ("93", "94", "95", "96") for c, n in Region.from_code(r).names().items()}
    assert (recode["new_name"] == recode["new_code"].map(names)).all()
    for _, g in rc[rc["kind"] == "split"].groupby(["old_code", "year"]):
        assert (g["new_code"] == g["old_code"]).sum() == 1  # the parent keeps its code


def test_bad_table_names_column_and_rows():
    with pytest.raises(SchemaError, match=r"kind.*line\(s\) 3 "):
        region_changes(_table([("1", "2", 2010, "split"), ("1", "3", 2010, "pemekaran")]))
    with pytest.raises(SchemaError, match="new_code"):
        region_changes(pd.DataFrame({"old_code": ["1"], "year": [2010], "kind": ["split"]}))


def test_report_tables_say_why_there_is_no_change(shared_run, tmp_path):
    import shutil

    from tkpk_lib.reporting import tables

    cache = tmp_path / "cache"
    shutil.copytree(shared_run["cache"], cache)
    ch = pd.read_parquet(cache / "change.parquet")
    note = "tidak dapat dibandingkan (pemekaran 2024)"
    row = (ch["kab_code"] == "1701") & (ch["indicator"] == "p0")
    assert row.sum() == 1
    ch.loc[row, ["difference", "se", "ci_low", "ci_high"]] = np.nan
    ch.loc[row, ["change", "change_id", "assessment", "assessment_id"]] = ["not_comparable", note, "not_comparable", note]
    ch.to_parquet(cache / "change.parquet")
    sheet = tables.indicator_sheet(cache, "1701", 2024, indicators=("p0",))
    assert sheet["Perubahan"].tolist() == ["\u2013"] and sheet["Keterangan"].tolist() == [note]
    comp = tables.comparison_table(cache, 2024, "p0")
    assert comp.set_index("Wilayah").loc["Kabupaten Bengkulu Selatan", "Keterangan"] == note
