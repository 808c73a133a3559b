"""Report sections: every table the yearly reports need, computed once per year, plus display helpers.

:func:`prepare_year` (or :func:`prepare_tables` on frames already in memory) computes, for the
whole province in one pass, the indicators of every kabupaten/kota and of the province with
their sampling errors, the series over all available years, the change against a comparison
year, the target comparison, the disaggregations, programme coverage, registry follow-up counts,
poverty pockets and the programme map, and writes each as a Parquet file into a cache folder
(by :func:`prepare_year`: ``<root>/derived/<year>/<key>/``, one folder per set of inputs and
options, see :func:`cache_entry`) with a ``sections.json`` index. Report notebooks then only
read and format: :func:`load_section` returns a section filtered to one kabupaten/kota.

A section whose library module is not available (or whose input data are absent) is recorded as
``missing`` with a note in Bahasa Indonesia naming the file looked for and where, never replaced
by invented numbers; the notebooks show that note (:func:`section_note`). A section that cannot
be computed from the data it has is recorded as ``error`` with every line of the cause in the
user's terms (file, column, rows: :func:`describe_failure`); a report cell showing it raises
:class:`SectionError` (:func:`section_notice`), so the unit fails, unless the report is run with
``partial=True`` (``tkpk run --partial``): then the section carries the banner "Bagian ini tidak
lengkap" and the runner marks the unit "partial". Sections are computed apart, so that a bad
input table takes down only the sections that read it. Which kabupaten/kota each input covers
is checked against the region reference (:func:`unit_completeness`): a province figure resting
on fewer units says "dihitung dari 9 dari 10 kabupaten/kota" (:func:`completeness_note`).

Display helpers format numbers the Indonesian way (``13,77``; ``12.345``), mark estimates with
a relative standard error above 25% with ``*`` and above 50% with ``**`` as BPS does, and
suppress cells based on fewer than ``min_sample`` sample households.

Everything is deterministic: same inputs, same tables (rows sorted, no timestamps).

This module is a facade (layout of issue 14): the code lives in the modules of
:mod:`tkpk_lib.reporting` (:mod:`~tkpk_lib.reporting.labels`, :mod:`~tkpk_lib.reporting.formatting`,
:mod:`~tkpk_lib.reporting.failures`, :mod:`~tkpk_lib.reporting.sections`,
:mod:`~tkpk_lib.reporting.completeness`, :mod:`~tkpk_lib.reporting.reading`,
:mod:`~tkpk_lib.reporting.cache`, :mod:`~tkpk_lib.reporting.tables`,
:mod:`~tkpk_lib.reporting.figures`, :mod:`~tkpk_lib.reporting.notebook`,
:mod:`~tkpk_lib.reporting.annex`); every name keeps working from here. Patch a function in
the module that defines it.
"""

from __future__ import annotations

from tkpk_lib.reporting.annex import (  # noqa: F401
    ANNEX_SECTIONS,
    annex_display,
    annex_notes,
    annex_tables,
    write_annex_workbook,
)
from tkpk_lib.reporting.cache import (  # noqa: F401
    _default_year_dir,
    _entry_problem,
    _fingerprint,
    _looked_for,
    _option_mismatch,
    _Plan,
    _publish,
    _read_poverty_lines,
    _read_registry,
    _read_targets,
    _seal,
    _table_digest,
    cache_entry,
    ensure_prepared,
    input_sources,
    prepare_year,
)
from tkpk_lib.reporting.completeness import (  # noqa: F401
    completeness_note,
    completeness_notice,
    completeness_warnings,
    unit_completeness,
)
from tkpk_lib.reporting.failures import (  # noqa: F401
    SectionError,
    _user_columns,
    _user_problem,
    describe_failure,
)
from tkpk_lib.reporting.figures import (  # noqa: F401
    _subplots,
    _text_width,
    _y_room,
    comparison_figure,
    map_note,
    pocket_maps,
    quadrant_figure,
    trend_figure,
    trend_plotly,
    upset,
)
from tkpk_lib.reporting.formatting import (  # noqa: F401
    FOOTNOTE_RSE,
    _fmt_value,
    fmt_int,
    fmt_number,
    fmt_percent,
    format_estimates,
    rse_mark,
)
from tkpk_lib.reporting.labels import (  # noqa: F401
    _CATALOGUE,
    HEADLINE,
    LINE,
    LOOKED_FOR,
    PROGRAMME_LABELS,
    RELIABILITY_ID,
    SECTION_MODULES,
    SECTIONS,
    SIZE,
    TABLE_LABELS,
    TARGET_LABELS,
    WELFARE,
    _catalogue,
    _decimals,
    _region_names,
    _unit_of,
    indicator_name,
    title_markdown,
    unit_name,
)
from tkpk_lib.reporting.notebook import (  # noqa: F401
    _png_opaque,
    explore_picker,
    explore_unit,
    show,
    show_annex,
    show_maps,
    show_picker,
    styled,
)
from tkpk_lib.reporting.reading import (  # noqa: F401
    _CHANGE_VALUE_COLS,
    _READ_CACHE,
    _VALUE_COLS,
    CACHE_VERSION,
    COMPLETE_MARKER,
    PARTIAL_KEY,
    _index,
    _suppress_small,
    cache_info,
    input_notes,
    load_section,
    options_markdown,
    section_failures,
    section_note,
    section_notice,
    section_status,
)
from tkpk_lib.reporting.section_data import (  # noqa: F401
    _apply_poverty_lines,
    _both,
    _complaints_annex,
    _coverage_sections,
    _design,
    _disaggregation,
    _per_kab_by,
    _plain,
    _programme_annex,
    year_indicators,
)
from tkpk_lib.reporting.sections import (  # noqa: F401
    _absent_inputs,
    _convergence_section,
    _module,
    _no_attrs,
    _note_podes_round,
    _Sections,
    _write_cache,
    prepare_tables,
)
from tkpk_lib.reporting.tables import (  # noqa: F401
    _subset,
    budget_table,
    combinations_for,
    comparison_table,
    complaints_table,
    convergence_table,
    disaggregation_table,
    followup_table,
    indicator_sheet,
    overview_table,
    pocket_table,
    quadrant_table,
    targeting_table,
)

__all__ = [
    "COMPLETE_MARKER",
    "FOOTNOTE_RSE",
    "SECTIONS",
    "SectionError",
    "annex_notes",
    "cache_entry",
    "cache_info",
    "comparison_figure",
    "completeness_note",
    "completeness_notice",
    "completeness_warnings",
    "ensure_prepared",
    "fmt_int",
    "fmt_number",
    "fmt_percent",
    "format_estimates",
    "indicator_sheet",
    "input_notes",
    "load_section",
    "map_note",
    "options_markdown",
    "prepare_tables",
    "prepare_year",
    "quadrant_figure",
    "quadrant_table",
    "rse_mark",
    "section_failures",
    "section_note",
    "section_notice",
    "section_status",
    "trend_figure",
    "trend_plotly",
    "unit_completeness",
    "unit_name",
]


def __getattr__(name: str) -> str:
    # PROVINCE_CODE follows the process's province (tkpk_lib.data.region), read when asked for
    if name == "PROVINCE_CODE":
        from tkpk_lib.data.region import province_code

        return province_code()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
