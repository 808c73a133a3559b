"""The complementary-package table in the shared demo run: section numbers from the registry, report pages."""

from __future__ import annotations

import re

import pandas as pd

from tkpk_lib.analysis.registry_package import complementary_package
from tkpk_lib.data.reference_data import regions
from tkpk_lib.reporting.labels import PROVINCE_CODE, unit_name
from tkpk_lib.reporting.package_tables import package_table
from tkpk_lib.reporting.reading import load_section

CAPTION = "Rumah tangga sasaran menerima paket program komplementer"


def test_section_is_the_registry_recounted(shared_run):
    s = load_section(shared_run["cache"], "registry_package")
    reg = pd.read_parquet(shared_run["root"] / "canonical" / "registry.parquet")
    direct = complementary_package(reg, by="kab_code")
    kab = s[s["level"] == "kabupaten"].reset_index(drop=True)
    cols = ["eligible", "full", "partial", "none", "top_missing_n"]
    assert kab["kab_code"].tolist() == direct["kab_code"].astype(str).tolist()
    assert kab[cols].values.tolist() == direct[cols].values.tolist()
    prov = s[s["level"] == "provinsi"].iloc[0]
    assert prov["eligible"] == direct["eligible"].sum() > 0
    assert prov["full"] + prov["partial"] + prov["none"] == prov["eligible"]


def test_province_report_has_every_unit_and_the_total(shared_run):
    t = package_table(shared_run["cache"], PROVINCE_CODE)
    units = sorted(regions("kabupaten")["code"].astype(str))
    assert t["Wilayah"].tolist() == [*(unit_name(c) for c in units), unit_name(PROVINCE_CODE)]
    html = (shared_run["folders"][PROVINCE_CODE] / "evaluasi_tahunan.html").read_text(encoding="utf-8")
    assert re.search(r"Tabel 8\.\d+</span>\s*" + CAPTION, html), "numbered in section 8"
    # its source line names the registry, not the default of section 8 (Susenas and Sakernas)
    table = html[html.rindex(CAPTION):]  # the table itself, after the list of tables
    source = re.search(r'<p class="tkpk-source">([^<]*)</p>', table).group(1)
    assert "data terpadu kesejahteraan sosial" in source and "Susenas" not in source
    assert "tanpa galat sampling" in html
    assert f"Di {unit_name(PROVINCE_CODE)}, " in html  # the reading sentence


def test_unit_report_shows_its_kecamatan_and_its_total(shared_run):
    t = package_table(shared_run["cache"], "1701")
    reg = pd.read_parquet(shared_run["root"] / "canonical" / "registry.parquet", columns=["kab_code", "kec_code"])
    kec = sorted(reg.loc[reg["kab_code"].astype(str) == "1701", "kec_code"].astype(str).unique())
    names = regions("kecamatan").set_index("code")["name"]
    assert t["Wilayah"].tolist() == [*(f"Kecamatan {names[k]}" for k in kec), unit_name("1701")]
    html = (shared_run["folders"]["1701"] / "evaluasi_tahunan.html").read_text(encoding="utf-8")
    assert CAPTION in html and f"Di {unit_name('1701')}, " in html
