"""tkpk-workbench: analytics for TKPK poverty-reduction coordination teams.

The public API, in the order data flows through it:

1. raw files -> validated canonical tables: ``read_susenas``, ``read_sakernas``, ``read_podes``,
   ``read_registry``, ``read_programmes``, ``read_complaints``, ``read_boundaries``,
   ``validate_table``, ``load_tables``, ``SCHEMAS``; reference data ``regions``,
   ``calibration_grid``; the synthetic demo ``generate_demo``;
2. estimation core: ``SurveyDesign``, ``survey_total``, ``survey_mean``, ``survey_ratio``,
   ``survey_quantile``, ``linearized_variance``;
3. indicators and trends: ``fgt``, ``poor_count``, ``extreme_poverty``, ``gini``,
   ``bottom40_share``, ``labour_indicators``, ``service_indicators``, ``disaggregate``,
   ``change``, ``series``, ``compare_targets``;
4. coverage, registry and programme map: ``targeting``, ``add_targets``, ``coverage_by_group``,
   ``programme_combinations``, ``follow_up_list``, ``registry_summary``, ``budget_tables``,
   ``convergence``, ``complaints_summary``;
5. poverty pockets: ``fay_herriot``, ``hot_spots``, ``stable_hot_spots``, ``deprivation_score``,
   ``village_typology``, ``kecamatan_p0``, ``pocket_list``, ``province_pockets``, maps;
6. reports: ``prepare_year``, ``draft_narrative``, ``write_annex``, ``run_reports``,
   ``notebook_to_html``, ``html_to_pdf``, ``scan_artifacts``, ``pseudonymise``.

Names are imported on first use (PEP 562), so ``import tkpk_lib`` stays light: papermill,
nbconvert, esda, geopandas and duckdb load only when a function that needs them is used.
"""

from __future__ import annotations

import importlib
from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING, Any

from tkpk_lib.errors import DesignError, Problem, ReportError, SchemaError, TkpkError

try:
    __version__ = version("tkpk-workbench")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0"

_EXPORTS: dict[str, tuple[str, ...]] = {
    # 1. raw files -> canonical tables
    "reference_data": (
        "regions",
        "region_names",
        "kab_slug",
        "official_indicators",
        "calibration_grid",
        "KAB_CODES",
        "YEARS",
    ),
    "schemas": ("SCHEMAS", "PROGRAMMES", "STRATEGIES", "FUND_SOURCES", "data_dictionary_markdown"),
    "readers": (
        "crosswalk",
        "read_raw",
        "read_susenas",
        "read_sakernas",
        "read_podes",
        "read_registry",
        "read_programmes",
        "read_complaints",
        "read_boundaries",
        "default_poverty_lines",
    ),
    "validate": ("validate_table",),
    "canonical": (
        "available_years",
        "raw_files",
        "build_canonical",
        "load_tables",
        "load_boundaries",
    ),
    "synthetic": ("generate_demo",),
    # 2. estimation core
    "design": ("SurveyDesign", "PreparedDesign", "prepare_design", "linearized_variance"),
    "estimate": (
        "survey_total",
        "survey_mean",
        "survey_ratio",
        "survey_quantile",
        "reliability_flag",
        "RELIABILITY_LEVELS",
        "RESULT_COLUMNS",
    ),
    # 3. indicators and trends
    "indicators": (
        "fgt",
        "poor_count",
        "poverty_indicators",
        "extreme_poverty",
        "extreme_poverty_line",
        "gini",
        "bottom40_share",
        "welfare_quintile",
        "labour_indicators",
        "service_indicators",
        "disaggregate",
        "indicator_catalogue",
        "indicator_label",
        "format_results",
    ),
    "trends": ("change", "describe_change", "series", "target_table", "compare_targets"),
    # 4. coverage, registry, programme map
    "coverage": (
        "add_targets",
        "targeting",
        "coverage_by_group",
        "programme_receipt",
        "programme_combinations",
        "overlap_matrix",
        "upset_figure",
    ),
    "registry": (
        "load_rules",
        "eligibility",
        "follow_up_list",
        "follow_up_by_desa",
        "registry_summary",
        "rollup_summary",
        "registry_combinations",
        "registry_coverage",
        "compare_survey_registry",
    ),
    "programmes": ("budget_tables", "convergence", "complaints_summary"),
    "followup": ("write_follow_up_lists",),
    # 5. poverty pockets
    "sae": ("fay_herriot", "benchmark_estimates", "FHDiagnostics"),
    "hotspots": ("hot_spots", "stable_hot_spots"),
    "deprivation": ("deprivation_score", "idm_like_status", "registry_counts", "village_typology"),
    "pockets": ("kecamatan_p0", "pocket_list", "province_pockets"),
    "maps": ("choropleth", "cluster_map", "pocket_map", "interactive_map"),
    # 6. reports
    "report": ("prepare_year", "load_section"),
    "narrative": ("draft_narrative", "narrative_markdown"),
    "excel": ("write_annex", "suppress_small_cells"),
    "privacy": ("scan_artifacts", "pseudonymise", "load_key"),
    "export": ("notebook_to_html", "html_to_pdf", "find_browser", "ChromiumPrinter", "shared_printer"),
    "run": ("run_reports",),
}

_WHERE = {name: module for module, names in _EXPORTS.items() for name in names}

__all__ = [
    "__version__",
    "TkpkError",
    "SchemaError",
    "DesignError",
    "ReportError",
    "Problem",
    *(n for names in _EXPORTS.values() for n in names),
]


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'tkpk_lib' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"tkpk_lib.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs only
    from tkpk_lib.canonical import (  # noqa: F401
        available_years,
        build_canonical,
        load_boundaries,
        load_tables,
        raw_files,
    )
    from tkpk_lib.coverage import add_targets, coverage_by_group, programme_combinations, targeting  # noqa: F401
    from tkpk_lib.design import SurveyDesign, linearized_variance  # noqa: F401
    from tkpk_lib.estimate import survey_mean, survey_quantile, survey_ratio, survey_total  # noqa: F401
    from tkpk_lib.hotspots import hot_spots, stable_hot_spots  # noqa: F401
    from tkpk_lib.indicators import fgt, gini, labour_indicators, poor_count, service_indicators  # noqa: F401
    from tkpk_lib.pockets import kecamatan_p0, pocket_list, province_pockets  # noqa: F401
    from tkpk_lib.readers import (  # noqa: F401
        read_boundaries,
        read_podes,
        read_registry,
        read_sakernas,
        read_susenas,
    )
    from tkpk_lib.run import run_reports  # noqa: F401
    from tkpk_lib.sae import fay_herriot  # noqa: F401
