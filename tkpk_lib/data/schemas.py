"""Canonical tables: one schema per table, each column with dtype, checks, meaning and source.

The canonical tables are what every analysis reads. Readers (:mod:`tkpk_lib.data.readers`) turn
raw files into them; :func:`tkpk_lib.data.validate.validate_table` checks a frame against its
schema and raises one :class:`~tkpk_lib.errors.SchemaError` listing every problem with file,
column and rows.

The schemas are plain data (not pandera objects) for a reason: the checks must report the
*file* and the 1-based *rows* at fault in Bahasa-friendly plain words, collect every problem
before failing, and never leak a pandas traceback; a 60-line checker over these specs does
that directly, and the same specs generate the data dictionary
(:func:`data_dictionary_markdown`).

Conventions
-----------
* Region codes are strings in Kemendagri numbering without dots: ``kab_code`` "1701",
  ``kec_code`` "170101", ``desa_code`` "1701012001" (BPS kecamatan codes are kept in the
  region reference).
* 0/1 flags are ``int8`` (1 = yes). Missing is allowed only where ``nullable``.
* Money is Rupiah; expenditure is per capita per month.

Length: about 770 lines, above the ~600 of the layout, on purpose: nearly all of it is the
declarative column specs of the seven tables (one ``Column`` per canonical column, with its
meaning and raw source), which read best side by side and share the column helpers
(``_YEAR``, ``_KAB``, ``_DESIGN``...); a module per table would scatter one data dictionary.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

PROGRAMMES: dict[str, str] = {
    "pkh": "Program Keluarga Harapan (PKH)",
    "bpnt": "Program Sembako / BPNT",
    "pbi": "PBI-JKN (iuran JKN dibayar pemerintah)",
    "pip": "Program Indonesia Pintar (PIP/KIP)",
    "blt_dd": "BLT Dana Desa",
    "lpg": "Subsidi LPG 3 kg",
    "listrik": "Subsidi listrik",
    "kur": "Kredit Usaha Rakyat (KUR)",
}
"""Programme short codes used in column names (``rcv_<code>``) and their Indonesian names."""

COMPLEMENTARY_PACKAGE: tuple[str, ...] = ("bpnt", "pkh", "pbi", "pip", "lpg", "listrik")
"""The complementary package of guideline 3.2.1.a.1.a, in its order: "kombinasi Program Sembako, PKH,
PBI-JKN Kesehatan, PIP, Subsidi LPG 3 Kg, dan Subsidi Listrik secara bersamaan" (codes of :data:`PROGRAMMES`)."""

STRATEGIES: dict[int, str] = {
    1: "Pengurangan beban pengeluaran masyarakat",
    2: "Peningkatan pendapatan masyarakat",
    3: "Penurunan jumlah kantong-kantong kemiskinan",
}
"""The three strategies of poverty reduction, as section 2.5 of the TKPK guideline (Pedoman Koordinasi) names them."""

FUND_SOURCES: tuple[str, ...] = (
    "APBN",
    "APBD Provinsi",
    "APBD Kabupaten/Kota",
    "APBDes",
    "Non-pemerintah",
)
"""Funding sources of the programme map (non-government covers CSR, ZIS and the like)."""

CENTRAL_FUND_SOURCE: str = FUND_SOURCES[0]
"""APBN: the fund source of central (national) programmes; the others are regional or non-government."""

NON_GOVERNMENT_FUND_SOURCE: str = FUND_SOURCES[-1]
"""Non-pemerintah: the fund source whose programmes name their partner institution."""

RELATIONSHIPS: tuple[str, ...] = ("perluasan", "pelengkap", "mempertebal")
"""How a regional programme relates to a central one (guideline 3.2.1.b.5.b): i) perluasan, an extension
of the central programme to more beneficiaries or places; ii) pelengkap, a complement; iii) mempertebal, a
top-up of the central programme's benefit."""


@dataclass(frozen=True)
class Column:
    """Specification of one canonical column.

    Parameters
    ----------
    name : str
        Canonical column name.
    dtype : str
        One of ``"str"``, ``"int"``, ``"float"``, ``"flag"`` (0/1), ``"date"``, ``"category"``.
    description : str
        Meaning, in English.
    source : str
        BPS / registry variable it comes from (per-year names live in the crosswalk).
    required : bool
        Whether the column must be present.
    nullable : bool
        Whether missing values are allowed.
    min, max : float, optional
        Inclusive bounds for numbers.
    allowed : sequence, optional
        Allowed values.
    pattern : str, optional
        Regular expression a string must match in full; ``{province}`` stands for the code of
        the process's province (:meth:`pattern_for`).
    unique : bool
        Whether values must be unique (or part of a unique key, see ``TableSchema.key``).
    region : str, optional
        ``"kab"``, ``"kec"`` or ``"desa"``: value must be a known code of that level in the
        process's province (:func:`tkpk_lib.data.region.current_region`).
    pii : bool
        Personal data that must never reach a report, a log or a committed file.
    """

    name: str
    dtype: str
    description: str
    source: str = ""
    required: bool = True
    nullable: bool = False
    min: float | None = None
    max: float | None = None
    allowed: Sequence[object] | None = None
    pattern: str | None = None
    region: str | None = None
    pii: bool = False
    positive: bool = False

    def pattern_for(self, province: str | None = None) -> str | None:
        r"""The pattern with ``{province}`` replaced by a province code.

        Parameters
        ----------
        province : str, optional
            Two-digit code; default the process's province.

        Examples
        --------
        >>> Column("kab_code", "str", "", pattern=r"{province}\d{2}").pattern_for("13")
        '13\\d{2}'
        """
        if self.pattern is None or PROVINCE_FIELD not in self.pattern:
            return self.pattern
        if province is None:
            from tkpk_lib.data.region import province_code

            province = province_code()
        return self.pattern.replace(PROVINCE_FIELD, province)


#: Stands for the province code in a column's pattern.
PROVINCE_FIELD = "{province}"


@dataclass(frozen=True)
class TableSchema:
    """A canonical table: its columns and its unique key."""

    name: str
    description: str
    columns: tuple[Column, ...]
    key: tuple[str, ...] = ()
    notes: str = ""

    @property
    def names(self) -> list[str]:
        """Names of all columns, in order."""
        return [c.name for c in self.columns]

    @property
    def required(self) -> list[str]:
        """Names of the required columns."""
        return [c.name for c in self.columns if c.required]

    def column(self, name: str) -> Column:
        """The spec of column ``name``."""
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)

    @property
    def pii_columns(self) -> list[str]:
        """Columns holding personal data."""
        return [c.name for c in self.columns if c.pii]


def _flag(name: str, description: str, source: str = "", **kw: object) -> Column:
    return Column(name, "flag", description, source, allowed=(0, 1), **kw)  # type: ignore[arg-type]


_YEAR = Column("year", "int", "Survey / reference year", "derived from file", min=2010, max=2100)
_KAB = Column(
    "kab_code",
    "str",
    "Kabupaten/kota code (BPS = Kemendagri)",
    "R101+R102",
    pattern=r"{province}\d{2}",
    region="kab",
)
_KEC = Column(
    "kec_code",
    "str",
    "Kecamatan code, Kemendagri numbering",
    "R103 (via crosswalk)",
    pattern=r"{province}\d{4}",
    region="kec",
)
_DESA = Column(
    "desa_code",
    "str",
    "Desa/kelurahan code, Kemendagri numbering",
    "R104 (via crosswalk)",
    pattern=r"{province}\d{8}",
    region="desa",
)
_URBAN = _flag("urban", "1 = urban (perkotaan), 0 = rural (perdesaan)", "R105 (1 urban, 2 rural)")
_DESIGN = (
    Column("stratum", "str", "Sampling stratum (kabupaten x urban/rural)", "STRATA"),
    Column("psu", "str", "Primary sampling unit (census block, blok sensus)", "PSU"),
)

PROGRAMME_FLAGS = tuple(
    _flag(
        f"rcv_{code}",
        f"Household received {label} in the reference period",
        f"KOR programme block (see crosswalk: rcv_{code})",
    )
    for code, label in PROGRAMMES.items()
)

HOUSEHOLDS = TableSchema(
    name="households",
    description="Susenas March, household level (KOR household block joined with KP expenditure).",
    key=("year", "hh_id"),
    columns=(
        _YEAR,
        Column("hh_id", "str", "Household identifier, unique within year", "URUT"),
        _KAB,
        _KEC,
        Column(
            "desa_code",
            "str",
            "Desa code (restricted Susenas files only)",
            "R104",
            required=False,
            nullable=True,
            pattern=r"{province}\d{8}",
            region="desa",
        ),
        _URBAN,
        *_DESIGN,
        Column("weight", "float", "Household weight (inflation factor)", "FWT", positive=True),
        Column("hh_size", "int", "Number of household members", "R301", min=1, max=40),
        Column(
            "exp_pc", "float", "Monthly per-capita expenditure (Rp)", "KAPITA (KP module)", min=0
        ),
        Column(
            "poverty_line",
            "float",
            "Poverty line of the kabupaten x urban/rural x year (Rp/capita/month); empty for a "
            "province whose published lines are not shipped (the run's --poverty-lines fill it)",
            "reference: BPS garis kemiskinan",
            nullable=True,
            positive=True,
        ),
        _flag("head_female", "Household head is a woman", "R405 of the head (1 male, 2 female)"),
        Column(
            "head_age",
            "int",
            "Age of the household head (years)",
            "R407 of the head",
            min=10,
            max=110,
        ),
        Column(
            "head_educ",
            "int",
            "Highest education of the head: 0 none, 1 SD, 2 SMP, 3 SMA, 4 tertiary",
            "R614 of the head (recoded)",
            allowed=(0, 1, 2, 3, 4),
        ),
        _flag(
            "has_disabled",
            "At least one member with a disability (any domain 'a lot of difficulty')",
            "R1001-R1010 (Washington Group)",
        ),
        _flag("has_elderly", "At least one member aged 60+", "R407"),
        Column("n_children_7_18", "int", "Members aged 7-18", "R407", min=0, max=30),
        Column(
            "water_source",
            "int",
            "Main drinking-water source: 1 bottled/refill, 2 piped, 3 protected well/pump, "
            "4 protected spring, 5 rain, 6 unprotected well/spring, 7 surface water",
            "R1810A (recoded)",
            allowed=(1, 2, 3, 4, 5, 6, 7),
        ),
        _flag(
            "water_safe",
            "Access to improved (layak) drinking water (BPS definition)",
            "R1810A-R1814",
        ),
        _flag(
            "sanitation_safe",
            "Access to proper (layak) sanitation: own/shared toilet, goose-neck, septic tank/IPAL",
            "R1806A-R1809",
        ),
        _flag("electricity", "Main lighting from electricity (PLN or non-PLN)", "R1816"),
        _flag("floor_earth", "Main floor is earth", "R1808"),
        _flag(
            "wall_poor", "Main wall is bamboo/wood of poor quality or other non-permanent", "R1807"
        ),
        _flag("roof_poor", "Main roof is thatch/leaves or other non-permanent", "R1806"),
        _flag(
            "decent_housing",
            "Decent housing (rumah layak huni: adequate floor area, materials, water, sanitation)",
            "derived",
        ),
        *PROGRAMME_FLAGS,
        Column(
            "registry_decile",
            "int",
            "Welfare decile of the household in the registry (DTKS/P3KE link)",
            "linked registry",
            nullable=True,
            required=False,
            min=1,
            max=10,
        ),
    ),
)

PERSONS = TableSchema(
    name="persons",
    description="Susenas March, person level (KOR individual block).",
    key=("year", "hh_id", "person_no"),
    columns=(
        _YEAR,
        Column("hh_id", "str", "Household identifier", "URUT"),
        Column("person_no", "int", "Member line number within the household", "R401", min=1),
        _KAB,
        _URBAN,
        *_DESIGN,
        Column("weight", "float", "Person weight (household weight)", "FWT", positive=True),
        Column("age", "int", "Age in completed years", "R407", min=0, max=120),
        _flag("female", "1 = woman", "R405 (1 male, 2 female)"),
        _flag("is_head", "Household head", "R403 = 1"),
        _flag("disabled", "Has a disability", "R1001-R1010"),
        Column(
            "school_status",
            "int",
            "0 never attended, 1 attending now, 2 no longer attending",
            "R610",
            allowed=(0, 1, 2),
        ),
        _flag("jkn_member", "Member of JKN (any scheme)", "R1101_A"),
        _flag("jkn_pbi", "JKN contribution paid by government (PBI)", "R1101_B"),
    ),
)

LABOUR = TableSchema(
    name="labour",
    description="Sakernas August, persons aged 10+.",
    key=("year", "person_id"),
    columns=(
        _YEAR,
        Column("person_id", "str", "Person identifier, unique within year", "URUT+R401"),
        _KAB,
        _URBAN,
        *_DESIGN,
        Column("weight", "float", "Person weight", "WEIGHT", positive=True),
        Column("age", "int", "Age in completed years", "K9 / DEM_AGE", min=10, max=120),
        _flag("female", "1 = woman", "K4 / DEM_SEX"),
        Column(
            "lf_status",
            "int",
            "1 employed, 2 unemployed, 3 not in the labour force",
            "derived (KER/B5)",
            allowed=(1, 2, 3),
        ),
        Column(
            "hours",
            "float",
            "Hours worked last week (all jobs); missing if not employed",
            "R20A",
            nullable=True,
            min=0,
            max=168,
        ),
        Column(
            "sector",
            "int",
            "Main-job sector: 1 agriculture, 2 industry, 3 services; missing if not employed",
            "R16A (KBLI recoded)",
            nullable=True,
            allowed=(1, 2, 3),
        ),
        _flag(
            "informal",
            "Main job informal (BPS status x occupation definition); 0 if not employed",
            "derived",
        ),
        _flag("wants_more_hours", "Working < 35 h and seeking/available for more work", "R22A/R23"),
    ),
)

VILLAGES = TableSchema(
    name="villages",
    description="Podes, one row per desa/kelurahan.",
    key=("year", "desa_code"),
    columns=(
        _YEAR,
        _DESA,
        _KEC,
        _KAB,
        Column("desa_name", "str", "Name of the desa/kelurahan", "NAMA_DESA"),
        _flag("kelurahan", "1 = kelurahan (urban administrative village), 0 = desa", "R104 status"),
        Column("population", "int", "Population", "R401A+R401B", min=0),
        Column("families", "int", "Number of families", "R401C", min=0),
        Column(
            "dist_school_km",
            "float",
            "Distance to the nearest SD (km; 0 if in the village)",
            "R701 group",
            min=0,
        ),
        Column(
            "dist_health_km", "float", "Distance to the nearest puskesmas (km)", "R704 group", min=0
        ),
        Column(
            "dist_market_km",
            "float",
            "Distance to the nearest permanent market (km)",
            "R1201 group",
            min=0,
        ),
        Column(
            "road_surface",
            "int",
            "Widest road surface: 1 asphalt/concrete, 2 hardened, 3 earth, 4 other",
            "R1001B1",
            allowed=(1, 2, 3, 4),
        ),
        Column(
            "electricity_share",
            "float",
            "Share of families with electricity",
            "R501A1/R401C",
            min=0,
            max=1,
        ),
        Column(
            "signal", "int", "Mobile signal: 0 none, 1 weak, 2 strong", "R1005", allowed=(0, 1, 2)
        ),
        Column(
            "water_source",
            "int",
            "Main drinking water source of most families: 1 piped, 2 pump/protected well, "
            "3 protected spring, 4 unprotected, 5 river/rain",
            "R507A",
            allowed=(1, 2, 3, 4, 5),
        ),
        Column(
            "sanitation",
            "int",
            "Toilet of most families: 1 own, 2 shared, 3 public, 4 none",
            "R508",
            allowed=(1, 2, 3, 4),
        ),
        Column(
            "malnutrition_cases",
            "int",
            "Cases of malnutrition (gizi buruk) last year",
            "R710",
            min=0,
        ),
        Column(
            "disasters",
            "int",
            "Natural disasters in the last 3 years (count of types)",
            "R601",
            min=0,
        ),
        Column(
            "lat",
            "float",
            "Latitude of the village office (WGS84; within Indonesia)",
            "Podes koordinat",
            nullable=True,
            required=False,
            min=-11.5,
            max=6.5,
        ),
        Column(
            "lon",
            "float",
            "Longitude of the village office (WGS84; within Indonesia)",
            "Podes koordinat",
            nullable=True,
            required=False,
            min=94.5,
            max=141.5,
        ),
    ),
)

REGISTRY = TableSchema(
    name="registry",
    description="Welfare registry (DTKS / P3KE / DTSEN-style), one row per household, by name and address.",
    key=("nik",),
    notes="NIK, KK number, name and address are personal data: they never leave the analysis in clear.",
    columns=(
        Column(
            "row_no",
            "int",
            "Position of the household in the original file (1-based data row)",
            "derived",
            min=1,
        ),
        Column(
            "nik",
            "str",
            "NIK of the household head (16 digits)",
            "NIK",
            pattern=r"\d{16}",
            pii=True,
        ),
        Column(
            "kk_no", "str", "Family card number (16 digits)", "NO_KK", pattern=r"\d{16}", pii=True
        ),
        Column("name", "str", "Name of the household head", "NAMA", pii=True),
        Column("address", "str", "Street address", "ALAMAT", pii=True),
        _DESA,
        _KEC,
        _KAB,
        Column("decile", "int", "Welfare decile (1 poorest - 10)", "DESIL", min=1, max=10),
        Column("n_members", "int", "Household members", "JML_ART", min=1, max=40),
        Column("n_children_0_6", "int", "Members aged 0-6", "derived", min=0, max=30),
        Column(
            "n_children_7_18", "int", "Members aged 7-18 (school age)", "derived", min=0, max=30
        ),
        Column("n_elderly", "int", "Members aged 60+", "derived", min=0, max=30),
        Column("n_disabled", "int", "Members with a disability", "derived", min=0, max=30),
        _flag("head_female", "Household head is a woman", "JK_KRT"),
        *(
            _flag(f"rcv_{code}", f"Registered recipient of {label}", f"FLAG_{code.upper()}")
            for code, label in PROGRAMMES.items()
        ),
    ),
)

PROGRAMME_MAP = TableSchema(
    name="programmes",
    description="Programme map (RAT/LP2KD): one row per programme activity x locus desa.",
    key=("year", "programme_id", "locus_desa"),
    columns=(
        _YEAR,
        Column("programme_id", "str", "Identifier of the programme/kegiatan line", "KODE"),
        Column("programme", "str", "Programme name", "PROGRAM"),
        Column("activity", "str", "Activity (kegiatan)", "KEGIATAN"),
        Column("opd", "str", "Responsible office (OPD)", "OPD"),
        Column(
            "strategy",
            "int",
            "Strategy 1 lower spending, 2 raise income, 3 reduce pockets",
            "STRATEGI",
            allowed=(1, 2, 3),
        ),
        Column(
            "cluster",
            "int",
            "Cluster of guideline section 1.1: 1 family-based social assistance (individuals/families), "
            "2 community empowerment (communities), 3 micro and small enterprise; 4 (other, the older "
            "four-cluster list) is read as 2",
            "KLASTER",
            allowed=(1, 2, 3, 4),
        ),
        Column("fund_source", "str", "Funding source", "SUMBER_DANA", allowed=FUND_SOURCES),
        Column(
            "target_group", "str", "Target group (e.g. keluarga miskin, lansia, UMKM); write one group the same "
            "way on every row: the synergy checks match it as written (case and spacing ignored)", "SASARAN"
        ),
        Column(
            "target_count",
            "int",
            "Planned number of beneficiaries (units of target_unit)",
            "TARGET",
            min=0,
        ),
        Column("reached_count", "int", "Beneficiaries reached", "CAPAIAN", min=0),
        Column("target_unit", "str", "Unit of the target (KK, jiwa, unit, desa...)", "SATUAN"),
        Column(
            "locus_desa",
            "str",
            "Locus desa code (Kemendagri)",
            "LOKUS",
            pattern=r"{province}\d{8}",
            region="desa",
        ),
        _KAB,
        Column("budget", "float", "Budget ceiling, pagu (Rp)", "PAGU", min=0),
        Column("realisation", "float", "Budget realisation (Rp)", "REALISASI", min=0),
        Column(
            "relationship",
            "str",
            "Optional. How a regional (non-APBN) programme relates to a central programme, guideline "
            "3.2.1.b.5: perluasan (extension), pelengkap (complement) or mempertebal (top-up); needs "
            "central_programme; empty on APBN rows (also read from SIFAT_PROGRAM, BENTUK_PROGRAM)",
            "HUBUNGAN",
            required=False,
            nullable=True,
            allowed=RELATIONSHIPS,
        ),
        Column(
            "central_programme",
            "str",
            "Optional. The central (national) programme it extends, complements or tops up: a catalogue "
            "code (pkh, bpnt, pbi, pip, ...; its name or short name is read as the code) or the name of an "
            "APBN programme of the map; needs relationship (also read from PROGRAM_NASIONAL)",
            "PROGRAM_PUSAT",
            required=False,
            nullable=True,
        ),
        Column(
            "partner",
            "str",
            "Optional. Partner institution of a Non-pemerintah programme (company CSR, Baznas, "
            "university, community); empty on a Non-pemerintah row is a warning (also read from "
            "LEMBAGA_MITRA, MITRA_NONPEMERINTAH)",
            "MITRA",
            required=False,
            nullable=True,
        ),
    ),
)

COMPLAINTS = TableSchema(
    name="complaints",
    description="Complaints log (pengaduan) about programmes.",
    key=("complaint_id",),
    columns=(
        Column("complaint_id", "str", "Complaint identifier", "ID"),
        Column(
            "channel", "str", "Channel: SP4N-LAPOR!, hotline, WhatsApp, langsung, surat", "KANAL"
        ),
        Column("programme", "str", "Programme concerned (short code or name)", "PROGRAM"),
        _DESA,
        _KAB,
        Column("date_received", "date", "Date received", "TGL_MASUK"),
        Column(
            "date_resolved", "date", "Date resolved (missing if open)", "TGL_SELESAI", nullable=True
        ),
        Column("status", "str", "Status", "STATUS", allowed=("selesai", "proses", "belum")),
    ),
)

SCHEMAS: dict[str, TableSchema] = {
    s.name: s for s in (HOUSEHOLDS, PERSONS, LABOUR, VILLAGES, REGISTRY, PROGRAMME_MAP, COMPLAINTS)
}
"""All canonical tables by name."""


def data_dictionary_markdown() -> str:
    """Render the data dictionary of every canonical table as Markdown.

    Returns
    -------
    str
        Markdown text with one section and table per canonical table.

    Examples
    --------
    >>> "## households" in data_dictionary_markdown()
    True
    """
    out = [
        "# Data dictionary (generated from `tkpk_lib/schemas.py`; do not edit by hand)",
        "",
        "Flags are 0/1; region codes are Kemendagri codes without dots; money is Rupiah.",
        "`{province}` in a pattern is the two-digit code of the data root's province "
        "(`tkpk.toml` or the files; see `tkpk_lib.data.region`).",
        "Columns marked PII are personal data and never reach a report, a log or a committed file.",
        "",
    ]
    for s in SCHEMAS.values():
        out += [f"## {s.name}", "", s.description, ""]
        if s.key:
            out += [f"Unique key: {', '.join(s.key)}.", ""]
        if s.notes:
            out += [s.notes, ""]
        out += [
            "| column | type | required | checks | description | source variable |",
            "|---|---|---|---|---|---|",
        ]
        for c in s.columns:
            checks = []
            if c.positive:
                checks.append("> 0")
            if c.min is not None:
                checks.append(f">= {c.min:g}")
            if c.max is not None:
                checks.append(f"<= {c.max:g}")
            if c.allowed is not None:
                checks.append("in {" + ", ".join(str(a) for a in c.allowed) + "}")
            if c.pattern:
                checks.append(f"matches `{c.pattern}`")
            if c.region:
                checks.append(f"known {c.region} code")
            if not c.nullable:
                checks.append("not missing")
            if c.pii:
                checks.append("**PII**")
            req = "yes" if c.required else "no"
            out.append(
                f"| `{c.name}` | {c.dtype} | {req} | {'; '.join(checks)} | {c.description} | {c.source} |"
            )
        out.append("")
    # the programme catalogue is reference data read by every programme figure: documented here too
    from tkpk_lib.analysis.programme_catalogue import catalogue_markdown

    out += [catalogue_markdown(), ""]
    from tkpk_lib.data.targets_input import (
        dictionary_markdown,  # the user's own targets (not canonical)
    )

    out.append(dictionary_markdown())
    return "\n".join(out)


# --------------------------------------------------------------------------- TKPK activity log (issue 13)
#: Kinds of activity in the TKPK activity log (guideline 3.2.3, 3.2.4, 3.2.6).
ACTIVITY_KINDS: tuple[str, ...] = ("sosialisasi", "rapat_koordinasi", "monitoring", "laporan")
#: Target audiences of socialisation and education (guideline 3.2.3.c).
ACTIVITY_AUDIENCES: tuple[str, ...] = (
    "pemerintah daerah", "lembaga penyalur", "pendamping", "penduduk miskin", "nonpemerintah", "masyarakat umum",
)

ACTIVITIES = TableSchema(
    name="activities",
    description=(
        "TKPK activity log (kegiatan TKPK): socialisation and education events, coordination meetings, field "
        "monitoring visits and report submissions, one row per activity, for the province (its own code) and each "
        "kabupaten/kota."
    ),
    key=("activity_id",),
    notes=(
        "Which columns a row needs depends on its kind: sosialisasi needs audience and reached; laporan needs "
        "report and due_date (submitted_date empty = not yet submitted); rapat_koordinasi and monitoring need only "
        "the date. Audiences are those of guideline section 3.2.3.c."
    ),
    columns=(
        Column("activity_id", "str", "Activity identifier", "ID"),
        Column("kind", "str", "Kind: " + ", ".join(ACTIVITY_KINDS), "JENIS", allowed=ACTIVITY_KINDS),
        Column("unit_code", "str", "Unit holding the activity: the province code or a kabupaten/kota code", "KODE_WILAYAH",
               pattern=r"\d{2}(\d{2})?"),
        Column("date", "date", "Date of the activity (for a report: date it was submitted, or empty)", "TANGGAL",
               nullable=True),
        Column("organiser", "str", "Organiser (TKPK, OPD, partner)", "PENYELENGGARA", required=False, nullable=True),
        Column("audience", "str", "Audience of a socialisation event (guideline 3.2.3.c): "
               + ", ".join(ACTIVITY_AUDIENCES), "SASARAN", required=False, nullable=True, allowed=ACTIVITY_AUDIENCES),
        Column("medium", "str", "Medium or channel (rapat, tatap muka, media cetak, elektronik, daring, ...)", "MEDIA",
               required=False, nullable=True),
        Column("reached", "int", "Number of people reached", "JUMLAH_PESERTA", required=False, nullable=True, min=0),
        Column("level", "str", "Level of a meeting (provinsi, kabupaten/kota, kecamatan)", "TINGKAT", required=False,
               nullable=True),
        Column("chair", "str", "Who chaired the meeting (position, not a name)", "PIMPINAN", required=False,
               nullable=True),
        Column("decisions", "str", "Decisions or follow-up agreed", "KEPUTUSAN", required=False, nullable=True),
        Column("report", "str", "Report submitted (e.g. LP2KD)", "LAPORAN", required=False, nullable=True),
        Column("due_date", "date", "Due date of the report", "TGL_JATUH_TEMPO", required=False, nullable=True),
    ),
)
SCHEMAS[ACTIVITIES.name] = ACTIVITIES

#: Statuses of a follow-up item of the rencana tindak lanjut (the secretariat fills them the next year).
ACTION_STATUSES: tuple[str, ...] = ("selesai", "dalam proses", "belum dilaksanakan")

ACTION_PLAN = TableSchema(
    name="action_plan",
    description=(
        "Follow-up plan (rencana tindak lanjut) the TKPK secretariat fills from the draft problems of a yearly "
        "report: the agreed recommendation, the responsible OPD, the deadline and, a year on, the status. One row "
        "per problem; files under raw/tindak_lanjut/ (tkpk run writes the template rencana_tindak_lanjut_<code>_"
        "<year>.xlsx in each unit's report folder)."
    ),
    key=("unit_code", "plan_year", "item"),
    notes=(
        "Rows without a recommendation are draft problems the meeting did not adopt: they are not followed up. A "
        "recommendation needs its responsible OPD. The next year's report marks an item 'lewat tenggat' when its "
        "deadline is before 31 December of the report year and its status is not selesai. No personal data: the "
        "OPD is an office, not a person."
    ),
    columns=(
        Column("unit_code", "str", "Unit whose plan it is: the province code or a kabupaten/kota code",
               "kode_wilayah", pattern=r"\d{2}(\d{2})?"),
        Column("plan_year", "int", "Year of the report the plan follows up", "tahun", min=2000, max=2100),
        Column("item", "int", "Item number within the unit's plan", "no", min=1),
        Column("kind", "str", "Kind of problem (kesenjangan, target, anggaran, pelaporan, ...)", "jenis",
               required=False, nullable=True),
        Column("problem", "str", "Problem (drafted from the evidence, agreed in the TKPK meeting)", "permasalahan"),
        Column("evidence", "str", "Figure the problem rests on", "bukti", required=False, nullable=True),
        Column("source", "str", "Data source of the evidence", "sumber", required=False, nullable=True),
        Column("recommendation", "str", "Agreed recommendation (empty: not adopted)", "rekomendasi", nullable=True),
        Column("opd", "str", "Responsible OPD (an office, not a person)", "opd_penanggung_jawab", nullable=True),
        Column("deadline", "date", "Deadline (tenggat)", "tenggat", nullable=True),
        Column("status", "str", "Status a year on: " + ", ".join(ACTION_STATUSES), "status", nullable=True,
               allowed=ACTION_STATUSES),
        Column("note", "str", "Remarks on the follow-up", "keterangan", required=False, nullable=True),
    ),
)
SCHEMAS[ACTION_PLAN.name] = ACTION_PLAN
