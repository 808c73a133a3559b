"""Reference data, schemas and the generated data dictionary."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from tkpk_lib.data.reference_data import (
    KAB_CODES,
    calibration_grid,
    kab_slug,
    official_indicators,
    regions,
)
from tkpk_lib.data.schemas import SCHEMAS, data_dictionary_markdown

DATA = Path(__file__).resolve().parent / "data"  # copy of shared/data/bengkulu_wilayah.csv, see SOURCE.md


def test_region_counts_match_kemendagri_2025():
    assert len(regions("kabupaten")) == 10
    assert sorted(regions("kabupaten")["code"]) == sorted(KAB_CODES)
    assert len(regions("kecamatan")) == 129
    desa = regions("desa")
    assert len(desa) == 1513
    assert (desa["level"] == "kelurahan").sum() == 172
    # every kecamatan has a 7-digit BPS code whose first four digits are its kabupaten
    kec = regions("kecamatan")
    assert kec["code_bps"].str.fullmatch(r"\d{7}").all()
    assert (kec["code_bps"].str[:4] == kec["code"].str[:4]).all()
    assert kab_slug("1771") == "kota_bengkulu"


def test_regions_agree_with_independent_reference():
    ref = pd.read_csv(DATA / "bengkulu_wilayah.csv.gz", dtype=str, keep_default_na=False)
    assert len(ref) == 1653  # 1 provinsi, 10 kabupaten/kota, 129 kecamatan, 1,513 desa/kelurahan
    ours = regions()
    m = ref.merge(ours, left_on="kode", right_on="code", how="outer", indicator=True)
    assert (m["_merge"] == "both").all()
    assert (m["nama"] == m["name"]).all()
    kec = m[m["level_x"] == "kecamatan"]
    assert (kec["kode_bps"] == kec["code_bps"]).all()


def test_calibration_grid_uses_published_values_and_marks_assumptions():
    g = calibration_grid()
    assert len(g) == 10 * 6 * 6
    oi = official_indicators()
    pub = oi[(oi["indicator"] == "p0_persen") & (oi["kab_code"] != "17")]
    merged = pub.merge(g, on=["kab_code", "year", "indicator"], suffixes=("_pub", "_grid"))
    assert len(merged) == len(pub)
    assert (merged["value_pub"] == merged["value_grid"]).all()
    assert not merged["assumed"].any()
    filled = g[g["assumed"]]
    assert filled["assumption"].str.len().gt(10).all()
    # Bengkulu Selatan 2021 P0 lies between the published 2020 and 2023 values (interpolated)
    v = g.query("kab_code == '1701' and year == 2021 and indicator == 'p0_persen'")["value"].iloc[0]
    assert v == pytest.approx(17.82 + (17.51 - 17.82) / 3)


def test_every_schema_column_is_documented():
    for s in SCHEMAS.values():
        for c in s.columns:
            assert c.description, (s.name, c.name)
            assert c.dtype in {"str", "int", "float", "flag", "date", "category"}
    assert set(SCHEMAS["registry"].pii_columns) == {"nik", "kk_no", "name", "address"}


def test_committed_data_dictionary_is_current():
    committed = Path(__file__).resolve().parents[1] / "references" / "data_dictionary.md"
    assert committed.read_text(encoding="utf-8") == data_dictionary_markdown() + "\n", \
        "references/data_dictionary.md is stale: run `tkpk dictionary`"
