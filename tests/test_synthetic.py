"""Tests of the synthetic demo generator (tkpk_lib.synthetic).

One small demo (registry of 6,000 families, surveys at full sample size) for 2019, 2023 and
2024 is generated once per module: 2019 checks the year drift of the raw names
(final_weight, kapita, B4_K8, Podes 2018 with the 2019 names).
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyreadstat
import pytest
import shapely

from tkpk_lib.data.reference_data import KAB_CODES, calibration_grid, regions
from tkpk_lib.data.schemas import FUND_SOURCES
from tkpk_lib.synthetic import generate_demo
from tkpk_lib.synthetic._io import crosswalk, raw_names

YEARS = (2019, 2023, 2024)
SEED = 2024


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    root = tmp_path_factory.mktemp("demo")
    out = generate_demo(root, years=YEARS, seed=SEED, small=True)
    return root, out


@pytest.fixture(scope="module")
def grid() -> pd.DataFrame:
    return calibration_grid().pivot_table(
        index=["kab_code", "year"], columns="indicator", values="value"
    )


def _susenas(
    root: Path, year: int
) -> tuple[pd.DataFrame, object, pd.DataFrame, object, pd.DataFrame]:
    yy = f"{year % 100:02d}"
    base = root / "raw" / "susenas" / str(year)
    rt, mrt = pyreadstat.read_dta(base / f"ssn{yy}03_kor_rt.dta")
    ind, mind = pyreadstat.read_sav(base / f"ssn{yy}03_kor_ind.sav")
    kp, _ = pyreadstat.read_dta(base / f"ssn{yy}03_kp_blok43.dta")
    return rt, mrt, ind, mind, kp


def _kab(rt: pd.DataFrame) -> pd.Series:
    return (1700 + rt["R102"].astype(int)).astype(str)


def test_files_exist_with_summary(demo):
    root, out = demo
    expected = [
        *(
            f"raw/susenas/{y}/ssn{y % 100:02d}03_{f}"
            for y in YEARS
            for f in ("kor_rt.dta", "kor_ind.sav", "kp_blok43.dta")
        ),
        *(f"raw/sakernas/{y}/sak{y % 100:02d}08.sav" for y in YEARS),
        "raw/podes/2018/podes2018_desa.dta",
        "raw/podes/2021/podes2021_desa.dta",
        "raw/podes/2024/podes2024_desa.dta",
        "raw/registry/dtks_17_2024.csv",
        "raw/programmes/peta_program_2023.xlsx",
        "raw/programmes/peta_program_2024.xlsx",
        "raw/complaints/pengaduan_2023.csv",
        "raw/complaints/pengaduan_2024.csv",
        "raw/activities/kegiatan_tkpk_2023.csv",
        "raw/activities/kegiatan_tkpk_2024.csv",
        "raw/boundaries/kabupaten.gpkg",
        "raw/boundaries/kecamatan.gpkg",
        "raw/boundaries/desa.gpkg",
        *(f"truth/susenas_truth_{y}.csv" for y in YEARS),
        "README.md",
    ]
    for rel in expected:
        assert (root / rel).is_file(), rel
        assert rel in out["files"], rel
    assert out["files"]["raw/registry/dtks_17_2024.csv"] == 6000
    assert any("interpolated" in a for a in out["assumptions"])
    readme = (root / "README.md").read_text(encoding="utf-8")
    assert "SINTETIS" in readme and "synthetic" in readme and f"seed **{SEED}**" in readme


@pytest.mark.parametrize("year", YEARS)
def test_raw_names_and_value_labels(demo, year):
    root, _ = demo
    rt, mrt, ind, mind, kp = _susenas(root, year)
    for file, frame in (("susenas_rt", rt), ("susenas_ind", ind), ("susenas_kp", kp)):
        missing = set(raw_names(file, year).values()) - set(frame.columns)
        assert not missing, (file, missing)
    names = raw_names("susenas_rt", year)
    assert mrt.variable_value_labels[names["urban"]] == {1: "urban", 2: "rural"}
    assert mrt.variable_value_labels[names["water"]][3] == "piped (meter)"
    assert mrt.variable_value_labels[names["pkh"]] == {1: "yes", 2: "no"}
    assert mind.variable_value_labels[raw_names("susenas_ind", year)["jkn"]][1] == "PBI APBN"
    assert mrt.column_names_to_labels[names["weight"]].startswith("weight")
    assert rt[names["hh_id"]].map(type).eq(str).all()
    sak, msak = pyreadstat.read_sav(
        root / "raw" / "sakernas" / str(year) / f"sak{year % 100:02d}08.sav"
    )
    assert not set(raw_names("sakernas", year).values()) - set(sak.columns)
    assert msak.variable_value_labels[raw_names("sakernas", year)["sex"]] == {
        1: "male",
        2: "female",
    }
    if year == 2019:
        assert "final_weight" in rt.columns and "kapita" in kp.columns and "B4_K8" in sak.columns


def test_podes_names_and_rows(demo):
    root, _ = demo
    reg = regions("desa")
    for py, names_year in ((2018, 2019), (2021, 2021), (2024, 2024)):
        pod, meta = pyreadstat.read_dta(root / "raw" / "podes" / str(py) / f"podes{py}_desa.dta")
        assert not set(raw_names("podes", names_year).values()) - set(pod.columns)
        assert len(pod) == 1513 and set(pod["KODE_DESA"]) == set(reg["code"])
        assert meta.variable_value_labels["R104"] == {1: "desa", 2: "kelurahan"}


def test_weights_add_up_to_population(demo, grid):
    root, _ = demo
    for year in YEARS:
        rt, *_ = _susenas(root, year)
        w = raw_names("susenas_rt", year)["weight"]
        tot = (rt[w] * rt["R301"]).groupby(_kab(rt)).sum()
        target = pd.Series({k: grid.loc[(k, year), "penduduk"] for k in KAB_CODES})
        np.testing.assert_allclose(tot.reindex(target.index), target, rtol=1e-9)


def test_susenas_design(demo):
    root, _ = demo
    kec = regions("kecamatan")
    for year in YEARS:
        rt, _, ind, _, kp = _susenas(root, year)
        assert 5000 <= len(rt) <= 7000
        assert rt["URUT"].is_unique and len(kp) == len(rt)
        sizes = rt.groupby("PSU").size()
        assert (sizes == 10).all()
        # PSU ids unique within year: one stratum and one kabupaten each
        assert (rt.groupby("PSU")["STRATA"].nunique() == 1).all()
        assert set(rt["STRATA"] % 10) <= {1, 2} and set(rt["STRATA"] // 10) == {
            int(k) for k in KAB_CODES
        }
        sampled = (_kab(rt) + rt["R103"].astype(int).map("{:03d}".format)).nunique()
        assert sampled >= 0.8 * len(kec)
        # persons consistent with households
        assert len(ind) == rt["R301"].sum()
        assert (
            ind.groupby("URUT").size().reindex(rt["URUT"]).to_numpy() == rt["R301"].to_numpy()
        ).all()
        heads = ind[ind["R401"] == 1]
        assert (heads["R403"] == 1).all() and (ind.loc[ind["R401"] > 1, "R403"] != 1).all()
        assert 3.5 <= rt["R301"].mean() <= 4.2 and rt["R301"].between(1, 12).all()


def _weighted_p0(df: pd.DataFrame, line: float, wcol: str, ecol: str) -> tuple[float, float]:
    """Ratio estimate of P0 (persons) and its with-replacement SE over PSUs within strata."""
    pw = df[wcol] * df["R301"]
    poor = (df[ecol] < line).astype(float)
    p = float((pw * poor).sum() / pw.sum())
    z = pw * (poor - p) / pw.sum()
    v = 0.0
    for _, s in z.groupby(df["STRATA"]):
        t = s.groupby(df.loc[s.index, "PSU"]).sum()
        n = len(t)
        v += n / (n - 1) * float(((t - t.mean()) ** 2).sum())
    return p, float(np.sqrt(v))


def test_p0_reproduces_calibration_within_two_se(demo, grid):
    root, _ = demo
    for year in YEARS:
        rt, _, _, _, kp = _susenas(root, year)
        names = raw_names("susenas_rt", year)
        ecol = raw_names("susenas_kp", year)["exp_pc"]
        df = rt.merge(kp[["URUT", ecol]], on="URUT")
        for kab, s in df.groupby(_kab(df)):
            p, se = _weighted_p0(
                s, grid.loc[(kab, year), "garis_kemiskinan"], names["weight"], ecol
            )
            target = grid.loc[(kab, year), "p0_persen"] / 100
            assert 0.005 < se < 0.06
            assert abs(p - target) <= 2 * se, (year, kab, p, target, se)


def test_truth_matches_calibration(demo, grid):
    root, _ = demo
    for year in YEARS:
        t = pd.read_csv(
            root / "truth" / f"susenas_truth_{year}.csv", dtype={"code": str, "kab_code": str}
        )
        kab = t[t["level"] == "kabupaten"].set_index("code")
        for k in KAB_CODES:
            assert kab.loc[k, "p0_persen"] == pytest.approx(
                grid.loc[(k, year), "p0_persen"], abs=1e-3
            )
        kec = t[t["level"] == "kecamatan"]
        assert set(kec["code"]) == set(regions("kecamatan")["code"])
        # pockets are clearly poorer than the rest
        assert (
            kec.loc[kec["pocket"] == 1, "p0"].mean()
            > 1.5 * kec.loc[kec["pocket"] == 0, "p0"].mean()
        )


def test_susenas_realism(demo):
    root, _ = demo
    rt, _, ind, _, kp = _susenas(root, 2024)
    w = rt["FWT"]

    def share(mask: pd.Series, weights: pd.Series = w) -> float:
        return float((mask * weights).sum() / weights.sum())

    assert 0.08 <= share(rt["R2204A"] == 1) <= 0.14  # PKH
    assert 0.13 <= share(rt["R2208A2"] == 1) <= 0.20  # BPNT
    assert 0.03 <= share(rt["R2209A"] == 1) <= 0.07  # BLT-DD
    assert (rt.loc[rt["R105"] == 1, "R2209A"] == 2).all()  # rural only
    assert 0.60 <= share(rt["R1817C"] == 1) <= 0.80  # LPG 3 kg
    assert 0.24 <= share(rt["R1816B1"].isin([450, 900])) <= 0.36
    assert 0.015 <= share(rt["R1901A"] == 1) <= 0.05  # KUR
    assert 0.82 <= share(~rt["R1810A"].isin([7, 9, 10, 12])) <= 0.93
    assert 0.97 <= share(rt["R1816"] <= 3) <= 1.0
    assert 0.5 <= rt["DESIL"].notna().mean() <= 0.7
    x = rt.merge(kp[["URUT", "KAPITA"]], on="URUT").dropna(subset=["DESIL"])
    assert np.corrcoef(x["DESIL"], np.log(x["KAPITA"]))[0, 1] > 0.6
    pw = ind["FWT"]
    aps = {
        lo: share(ind["R610"] == 2, pw.where(ind["R407"].between(lo, hi), 0))
        for lo, hi in ((7, 12), (13, 15), (16, 18))
    }
    assert aps[7] > 0.97 and 0.85 <= aps[13] <= 0.95 and 0.6 <= aps[16] <= 0.8
    assert 0.015 <= share(ind["R1001"] >= 3, pw) <= 0.035
    assert 0.65 <= share(ind["R1101"] <= 3, pw) <= 0.85
    # the poor are poorer in housing and get more PKH
    poor = x["KAPITA"] < x["KAPITA"].quantile(0.2)
    assert x.loc[poor, "R2204A"].eq(1).mean() > 3 * x.loc[~poor, "R2204A"].eq(1).mean()


def test_poverty_gradients(demo):
    root, _ = demo
    rt, _, ind, _, kp = _susenas(root, 2024)
    x = rt.merge(kp[["URUT", "KAPITA"]], on="URUT")
    lx = np.log(x["KAPITA"])
    head = ind[ind["R401"] == 1].set_index("URUT")
    female = x["URUT"].map(head["R405"]).eq(2)
    assert lx[female].mean() < lx[~female].mean()
    assert np.corrcoef(x["R301"], lx)[0, 1] < -0.1  # larger households are poorer
    assert lx[x["R105"] == 1].mean() > lx[x["R105"] == 2].mean() + 0.1  # urban richer
    # kabupaten-internal variation: kecamatan means differ well beyond noise
    kec_mean = lx.groupby([x["R102"], x["R103"]]).mean()
    assert kec_mean.std() > 0.15


def test_sakernas_rates(demo, grid):
    root, _ = demo
    for year in (2023, 2024):
        sak, _ = pyreadstat.read_sav(
            root / "raw" / "sakernas" / str(year) / f"sak{year % 100:02d}08.sav"
        )
        assert 12_000 <= len(sak) <= 18_000 and sak["DEM_AGE"].min() >= 10
        a = sak[sak["DEM_AGE"] >= 15]
        lf = (a["R9A"] == 1) | (a["R22A"] == 1)
        un = (a["R9A"] == 2) & (a["R22A"] == 1)
        for kab, s in a.groupby((1700 + a["KODE_KAB"].astype(int)).astype(str)):
            w = s["WEIGHT"]
            tpak = 100 * (w * lf[s.index]).sum() / w.sum()
            tpt = 100 * (w * un[s.index]).sum() / (w * lf[s.index]).sum()
            assert abs(tpak - grid.loc[(kab, year), "tpak_agustus"]) < 4, (kab, tpak)
            assert abs(tpt - grid.loc[(kab, year), "tpt_agustus"]) < 2, (kab, tpt)


def test_registry(demo):
    root, _ = demo
    r = pd.read_csv(
        root / "raw" / "registry" / "dtks_17_2024.csv",
        sep=";",
        decimal=",",
        encoding="latin-1",
        dtype={"NIK": str, "NO_KK": str, "KODE_DESA": str},
    )
    assert list(r.columns[:6]) == ["NIK", "NO_KK", "NAMA", "ALAMAT", "KODE_DESA", "DESIL"]
    assert len(r) == 6000
    for col in ("NIK", "NO_KK"):
        assert r[col].str.fullmatch(r"\d{16}").all() and r[col].is_unique
        assert (r[col].str[:4] == r["KODE_DESA"].str[:4]).all()
    assert r["NAMA"].str.endswith(" [SINTETIS]").all()
    assert r["ALAMAT"].str.startswith("Jl. Sintetis").all()
    assert set(r["KODE_DESA"]) <= set(regions("desa")["code"])
    assert r["DESIL"].value_counts().sort_index().between(590, 610).all()
    assert 3.2 <= r["JML_ART"].mean() <= 3.7
    flags = [c for c in r.columns if c.startswith("FLAG_")]
    assert len(flags) == 8 and r[flags].isin([0, 1]).all().all()
    pkh = r.groupby("DESIL")["FLAG_PKH"].mean()
    assert pkh.loc[[1, 2]].min() > 0.45 and pkh.loc[3:].max() < 0.06
    pbi = r[r["DESIL"] <= 4]["FLAG_PBI"].mean()
    assert 0.6 <= pbi <= 0.8  # 20-40% of the eligible are missing
    outside = r.loc[r["FLAG_PBI"] == 1, "DESIL"].gt(4).mean()
    assert 0.05 <= outside <= 0.2


def test_programme_map(demo):
    root, _ = demo
    desa = set(regions("desa")["code"])
    for year in (2023, 2024):
        p = pd.read_excel(
            root / "raw" / "programmes" / f"peta_program_{year}.xlsx",
            dtype={"LOKUS": str, "KODE_KAB": str},
        )
        assert list(p.columns) == [
            "KODE",
            "PROGRAM",
            "KEGIATAN",
            "OPD",
            "STRATEGI",
            "KLASTER",
            "SUMBER_DANA",
            "SASARAN",
            "TARGET",
            "CAPAIAN",
            "SATUAN",
            "LOKUS",
            "KODE_KAB",
            "PAGU",
            "REALISASI",
            "TAHUN",
            "HUBUNGAN",
            "PROGRAM_PUSAT",
            "MITRA",
        ]
        assert 40 <= p["KODE"].nunique() <= 80
        assert (p.groupby("KODE")["LOKUS"].nunique() >= 2).sum() > 30
        assert set(p["SUMBER_DANA"]) <= set(FUND_SOURCES)
        assert set(p["STRATEGI"]) <= {1, 2, 3} and set(p["KLASTER"]) <= {1, 2, 3, 4}
        assert set(p["LOKUS"]) <= desa and (p["LOKUS"].str[:4] == p["KODE_KAB"]).all()
        ratio = p["REALISASI"] / p["PAGU"]
        assert ratio.between(0.59, 1.001).all()
        assert (p["TAHUN"] == year).all() and not p.duplicated(["KODE", "LOKUS"]).any()


def test_complaints(demo):
    root, _ = demo
    c = pd.read_csv(root / "raw" / "complaints" / "pengaduan_2024.csv", sep=";", dtype=str)
    assert list(c.columns) == [
        "ID",
        "KANAL",
        "PROGRAM",
        "KODE_DESA",
        "KODE_KAB",
        "TGL_MASUK",
        "TGL_SELESAI",
        "STATUS",
    ]
    assert 200 <= len(c) <= 500 and c["ID"].is_unique
    assert set(c["STATUS"]) == {"selesai", "proses", "belum"}
    assert c["TGL_MASUK"].str.fullmatch(r"2024-\d\d-\d\d").all()
    assert c["TGL_SELESAI"].notna().eq(c["STATUS"] == "selesai").all()
    done = c[c["STATUS"] == "selesai"]
    assert (pd.to_datetime(done["TGL_SELESAI"]) >= pd.to_datetime(done["TGL_MASUK"])).all()


def test_boundaries_nest(demo):
    root, _ = demo
    base = root / "raw" / "boundaries"
    kab = gpd.read_file(base / "kabupaten.gpkg")
    kec = gpd.read_file(base / "kecamatan.gpkg")
    desa = gpd.read_file(base / "desa.gpkg")
    assert kab.crs.to_epsg() == 4326
    for g, level in ((kab, "kabupaten"), (kec, "kecamatan"), (desa, "desa")):
        assert list(g.columns[:4]) == ["code", "name", "level", "parent"]
        ref = regions(level)
        assert set(g["code"]) == set(ref["code"]), level
        assert g.is_valid.all() and not g.is_empty.any()
        assert (
            g.set_index("code")["parent"] == ref.set_index("code")["parent"].reindex(g["code"])
        ).all()
    kab_geom = kab.set_index("code").geometry
    kec_geom = kec.set_index("code").geometry
    parent_kab = kab_geom.reindex(desa["parent"].str[:4]).to_numpy()
    parent_kec = kec_geom.reindex(desa["parent"]).to_numpy()
    pts = desa.geometry.representative_point().to_numpy()
    assert all(p.within(k) for p, k in zip(pts, parent_kab, strict=True))
    assert all(p.within(k) for p, k in zip(pts, parent_kec, strict=True))
    # up to the 1e-7 degree snapping of the dissolve: < 1e-8 deg2 (~100 m2) of a desa outside
    outside = [d.difference(k).area for d, k in zip(desa.geometry, parent_kab, strict=True)]
    assert max(outside) < 1e-8
    assert shapely.area(kab.geometry.values).sum() == pytest.approx(
        shapely.area(desa.geometry.values).sum(), rel=1e-6
    )
    # the seats lie in their own kabupaten and Kota Bengkulu is small
    assert kab_geom["1771"].area < 0.3 * kab_geom["1709"].area
    # Podes village offices lie in their desa polygon
    pod, _ = pyreadstat.read_dta(root / "raw" / "podes" / "2024" / "podes2024_desa.dta")
    pts = gpd.points_from_xy(pod["LONGITUDE"], pod["LATITUDE"])
    dg = desa.set_index("code").geometry.reindex(pod["KODE_DESA"]).to_numpy()
    assert np.mean([p.distance(g) < 1e-5 for p, g in zip(pts, dg, strict=True)]) > 0.99


def test_podes_follows_poverty(demo):
    root, _ = demo
    pod, _ = pyreadstat.read_dta(root / "raw" / "podes" / "2024" / "podes2024_desa.dta")
    t = pd.read_csv(root / "truth" / "susenas_truth_2024.csv", dtype={"code": str})
    p0 = t[t["level"] == "kecamatan"].set_index("code")["p0"]
    pod["p0"] = pod["KODE_DESA"].str[:6].map(p0)
    kel = pod["R104"] == 2
    assert pod.loc[kel, "R1001B1"].eq(1).mean() > pod.loc[~kel, "R1001B1"].eq(1).mean()
    assert pod.loc[kel, "R701K"].mean() < pod.loc[~kel, "R701K"].mean()
    rural = pod[~kel]
    assert rural["p0"].corr(rural["R1001B1"]) > 0.1
    assert rural["p0"].corr(rural["R501A1"] / rural["R401C"]) < -0.1
    pop = pod["R401A"] + pod["R401B"]
    assert pop.sum() == pytest.approx(
        calibration_grid().query("year == 2024 and indicator == 'penduduk'")["value"].sum(),
        rel=1e-3,
    )


def test_deterministic_and_subset_stable(demo, tmp_path):
    root, _ = demo
    generate_demo(tmp_path, years=(2024,), seed=SEED, small=True, registry_households=500)
    a, *_ = _susenas(root, 2024)
    b, *_ = _susenas(tmp_path, 2024)
    pd.testing.assert_frame_equal(a, b)
    pa, _ = pyreadstat.read_dta(root / "raw" / "podes" / "2024" / "podes2024_desa.dta")
    pb, _ = pyreadstat.read_dta(tmp_path / "raw" / "podes" / "2024" / "podes2024_desa.dta")
    pd.testing.assert_frame_equal(pa, pb)


def test_readers_accept_the_demo(demo):
    """Contract check: the project's raw-file readers turn the demo into valid canonical tables."""
    from tkpk_lib.data import readers
    from tkpk_lib.data.validate import validate_table

    root, _ = demo
    t = readers.read_susenas(root / "raw" / "susenas" / "2024", 2024)
    for name in ("households", "persons"):
        validate_table(t[name].drop(columns="_row"), name)
    lab = readers.read_sakernas(root / "raw" / "sakernas" / "2024" / "sak2408.sav", 2024)
    validate_table(lab.drop(columns="_row"), "labour")
    vil = readers.read_podes(root / "raw" / "podes" / "2018" / "podes2018_desa.dta", 2019)
    validate_table(vil.drop(columns="_row"), "villages")
    reg = readers.read_registry(root / "raw" / "registry" / "dtks_17_2024.csv")
    validate_table(reg.drop(columns="_row"), "registry")
    hh = t["households"]
    assert hh["rcv_pkh"].mean() == pytest.approx(0.11, abs=0.03)


def test_other_seed_differs():
    from tkpk_lib.synthetic._world import build_world

    a = build_world(SEED, (2024,), geometry=False)
    b = build_world(7, (2024,), geometry=False)
    assert not np.allclose(a.desa["u_kec"], b.desa["u_kec"])
    assert crosswalk()["file"].nunique() == 5
