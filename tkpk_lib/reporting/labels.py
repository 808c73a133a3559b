"""Names and labels of the reports: units, indicators, sections, input tables, programmes, reliability.

One place for the Indonesian labels the report notebooks, tables and annexes show, and the
indicator catalogue they read names, units and decimals from.
"""

from __future__ import annotations

import pandas as pd

from tkpk_lib.data.region import current_region, province_code, unit_label

WELFARE, LINE, SIZE = "exp_pc", "poverty_line", "hh_size"

#: Sections written by :func:`prepare_tables` and what they hold (Indonesian, shown in notes).
SECTIONS: dict[str, str] = {
    "indicators": "indikator utama per kabupaten/kota dan provinsi, semua tahun",
    "change": "perubahan antar tahun dengan uji beda",
    "targets": "perbandingan dengan target",
    "disaggregation": "P0 menurut karakteristik",
    "coverage": "cakupan dan ketepatan sasaran program (Susenas)",
    "targeting": "kesalahan penargetan (exclusion/inclusion error)",
    "combinations": "kombinasi program yang diterima rumah tangga sasaran",
    "targeting_own": "cakupan dan kesalahan inklusi/eksklusi tiap program terhadap kelompok sasarannya sendiri",
    "targeting_groups": "cakupan program menurut jenis kelamin kepala rumah tangga dan kelompok rentan",
    "overlap": "tumpang tindih program (Susenas): penerima program A yang juga menerima program B",
    "registry_summary": "ringkasan data terpadu (eligible, tercakup, belum tercakup)",
    "registry_followup": "jumlah rumah tangga yang perlu ditindaklanjuti per desa (tanpa data pribadi)",
    "registry_desa": "cakupan program per desa menurut data terpadu (jumlah rumah tangga)",
    "survey_registry": "jumlah rumah tangga penerima program: dugaan Susenas dibanding data terpadu",
    "registry_package": "rumah tangga sasaran menerima paket program komplementer (data terpadu, pedoman 3.2.1.a)",
    "pockets_kecamatan": "estimasi P0 kecamatan (Fay-Herriot)",
    "pockets_desa": "skor deprivasi desa dan tipologi",
    "pockets": "daftar kantong kemiskinan",
    "budget": "peta program: anggaran per strategi/klaster/sumber dana",
    "convergence": "konvergensi program di desa prioritas",
    "complaints": "ringkasan pengaduan",
    "annex_program": "program dan anggaran menurut strategi, klaster, sumber dana dan OPD",
    "annex_target": "target dan capaian program",
    "annex_complaints": "pengaduan menurut program dan kanal",
    "synergy": "keterpaduan dan sinergi program: desa kantong menurut strategi, sumber dana ganda, antar-OPD",
    "mechanisms": "mekanisme pelaksanaan: pelaporan LP2KD, rapat koordinasi, pemantauan dan sosialisasi",
    "problems": "draf permasalahan dan rekomendasi dari bukti (diisi sekretariat TKPK)",
    "action_plan": "tindak lanjut rekomendasi tahun sebelumnya (rencana tindak lanjut yang diisi sekretariat TKPK)",
    "harmonisation": "papan harmonisasi provinsi: kabupaten/kota x indikator, konsistensi target, anggaran dan kebutuhan",
}

#: Library module behind each optional section (shown as "bagian ini menunggu modul X").
SECTION_MODULES: dict[str, str] = {
    "coverage": "coverage", "targeting": "coverage", "combinations": "coverage", "overlap": "coverage",
    "targeting_own": "coverage", "targeting_groups": "coverage",
    "survey_registry": "registry", "registry_summary": "registry", "registry_followup": "registry",
    "registry_desa": "registry", "registry_package": "registry_package",
    "pockets_kecamatan": "pockets", "pockets_desa": "pockets", "pockets": "pockets",
    "budget": "programmes", "convergence": "programmes", "complaints": "programmes",
}


_CATALOGUE: pd.DataFrame | None = None


def _catalogue() -> pd.DataFrame:
    # read the shipped CSV directly: importing tkpk_lib.analysis.indicators pulls in scipy.stats (~1-4 s
    # per notebook kernel) and the report notebooks only need names, units and directions
    global _CATALOGUE
    if _CATALOGUE is None:
        from importlib import resources

        with resources.files("tkpk_lib.reference").joinpath("indicator_catalogue.csv").open(
                "r", encoding="utf-8") as fh:
            _CATALOGUE = pd.read_csv(fh, dtype=str, keep_default_na=False).set_index("code")
    return _CATALOGUE


def _unit_of(indicator: str, cat: pd.DataFrame) -> str:
    return str(cat.loc[indicator, "unit"]) if indicator in cat.index else "fraction"


def _decimals(code: str, cat: pd.DataFrame, default: int = 2) -> int:
    """Catalogue decimals for non-percent units (e.g. 3 for the Gini ratio), else ``default``."""
    if code in cat.index and _unit_of(code, cat) == "index":
        try:
            return int(cat.loc[code, "decimals"])
        except (TypeError, ValueError):
            return default
    return default


def unit_name(code: str) -> str:
    """Name of a kabupaten/kota, or ``"Provinsi <Nama>"`` for the province code.

    Examples
    --------
    >>> unit_name("1771")
    'Kota Bengkulu'
    >>> unit_name("17")
    'Provinsi Bengkulu'
    """
    if str(code) == province_code():
        return current_region().title
    return unit_label(str(code))


#: Where each canonical table comes from, as a data root lays it out (named in notes of absent inputs).
LOOKED_FOR: dict[str, str] = {
    "households": "raw/susenas/<tahun>/ (kor_rt, kor_ind, kp)",
    "labour": "raw/sakernas/<tahun>/ (.sav/.dta/.csv/.parquet)",
    "villages": "raw/podes/<tahun Podes>/ (.dta/.sav/.csv/.parquet)",
    "registry": "raw/registry/ (.csv/.xlsx/.parquet)",
    "programmes": "raw/programmes/*<tahun>*.xlsx|.csv",
    "complaints": "raw/complaints/*<tahun>*.csv|.xlsx",
    "activities": "raw/activities/*<tahun>*.csv|.xlsx",
    "boundaries": "raw/boundaries/{kecamatan,desa}.gpkg|.geojson|.shp",
}
#: Indonesian label of each input table (notes and summaries).
TABLE_LABELS: dict[str, str] = {
    "households": "rumah tangga Susenas", "persons": "individu Susenas", "labour": "Sakernas",
    "villages": "desa Podes", "registry": "data terpadu", "programmes": "peta program",
    "complaints": "log pengaduan", "boundaries": "batas wilayah", "activities": "log kegiatan TKPK",
}


#: Indices BPS publishes on a 0-100 scale without "persen" (poverty gap P1 and severity P2): estimated as
#: fractions, shown x 100 as an index.
INDEX_100 = ("p1", "p2")


HEADLINE = ("p0", "poor_count", "p1", "p2", "p0_extreme", "gini", "bottom40_share", "tpt", "tpak",
            "informal_share", "water_safe", "sanitation_safe", "decent_housing", "aps_13_15",
            "aps_16_18", "jkn_coverage")


PROGRAMME_LABELS = {"pkh": "PKH", "bpnt": "Sembako/BPNT", "pbi": "PBI-JKN", "pip": "PIP", "blt_dd": "BLT Dana Desa",
                    "lpg": "Subsidi LPG 3 kg", "listrik": "Subsidi listrik", "kur": "KUR",
                    "any": "Salah satu program"}
RELIABILITY_ID = {"reliable": "andal", "caution": "hati-hati", "unreliable": "tidak andal", "suppressed": "ditekan"}
#: Indonesian names of the local spatial cluster labels of :mod:`tkpk_lib.analysis.hotspots` (LISA quadrants,
#: Gi* hot/cold), for tables; the maps use the same words with their colours.
CLUSTER_LABELS_ID = {"High-High": "Tinggi-Tinggi", "Low-Low": "Rendah-Rendah", "High-Low": "Tinggi-Rendah",
                     "Low-High": "Rendah-Tinggi", "hot": "Titik panas", "cold": "Titik dingin",
                     "not significant": "Tidak signifikan", "no neighbours": "Tanpa tetangga"}
#: Label of the desa measure of the pocket tables when it comes from the welfare registry: the share of
#: people in registry households of deciles 1-4, not a poverty rate.
DESA_REGISTRY_RATE = "% penduduk di rumah tangga desil 1-4 DTKS"
DESA_REGISTRY_COUNT = "Penduduk di rumah tangga desil 1-4 DTKS (jiwa)"
#: Words of a target that comes from the package's placeholder table (reference/targets.csv, status
#: ``illustrative``): printed beside it wherever it appears.
ILLUSTRATIVE_TARGET = "target ilustratif"
TARGET_LABELS = {"poor": "penduduk miskin", "b40": "40% penduduk terbawah",
                 "registry": "rumah tangga desil 1-4 data terpadu"}


def _region_names() -> dict[str, str]:
    from tkpk_lib.data.reference_data import region_names

    return region_names()


def indicator_name(code: str) -> str:
    """Indonesian catalogue name of an indicator code.

    Examples
    --------
    >>> indicator_name("tpt")
    'Tingkat pengangguran terbuka (TPT)'
    """
    cat = _catalogue()
    return str(cat.loc[code, "name_id"]) if code in cat.index else code


def title_markdown(kab_code: str, year: int, what: str = "Evaluasi Tahunan Penanggulangan Kemiskinan") -> str:
    """Report title in Markdown.

    Examples
    --------
    >>> title_markdown("1701", 2024).splitlines()[0]
    '# Evaluasi Tahunan Penanggulangan Kemiskinan'
    """
    return f"# {what}\n\n## {unit_name(kab_code)}, tahun {int(year)}"


def __getattr__(name: str) -> str:
    # PROVINCE_CODE was a constant; the province is now a setting (tkpk_lib.data.region)
    if name == "PROVINCE_CODE":
        return province_code()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
