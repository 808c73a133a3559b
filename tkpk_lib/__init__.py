"""tkpk-workbench: analytics for TKPK poverty-reduction coordination teams.

The package is laid out as the data flows: :mod:`tkpk_lib.data` (raw files -> validated
canonical tables), :mod:`tkpk_lib.estimation` (survey design, estimators, small-area models),
:mod:`tkpk_lib.analysis` (indicators, coverage, registry, programmes, pockets),
:mod:`tkpk_lib.reporting` (prepared sections, tables, figures, maps, narrative, annex) and
:mod:`tkpk_lib.batch` (run configuration, runner, kernels, export, manifest); the demo
generator is :mod:`tkpk_lib.synthetic`. Modules that moved there keep their old import path
(``tkpk_lib.readers`` ...) through an import hook, with a DeprecationWarning.

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
import importlib.abc
import importlib.util
import sys
import warnings
from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING, Any

from tkpk_lib.errors import DesignError, Problem, ReportError, SchemaError, TkpkError

try:
    __version__ = version("tkpk-workbench")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0"

_EXPORTS: dict[str, tuple[str, ...]] = {
    # 1. raw files -> canonical tables
    "data.reference_data": (
        "regions",
        "region_names",
        "kab_slug",
        "official_indicators",
        "calibration_grid",
        "KAB_CODES",
        "YEARS",
    ),
    "data.schemas": ("SCHEMAS", "PROGRAMMES", "STRATEGIES", "FUND_SOURCES", "data_dictionary_markdown"),
    "data.readers": (
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
    "data.validate": ("validate_table",),
    "data.canonical": (
        "available_years",
        "raw_files",
        "build_canonical",
        "load_tables",
        "load_boundaries",
    ),
    "synthetic": ("generate_demo",),
    # 2. estimation core
    "estimation.design": ("SurveyDesign", "PreparedDesign", "prepare_design", "linearized_variance"),
    "estimation.estimators": (
        "survey_total",
        "survey_mean",
        "survey_ratio",
        "survey_quantile",
        "reliability_flag",
        "RELIABILITY_LEVELS",
        "RESULT_COLUMNS",
    ),
    # 3. indicators and trends
    "analysis.indicators": (
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
    "analysis.trends": ("change", "describe_change", "series", "target_table", "compare_targets"),
    # 4. coverage, registry, programme map
    "analysis.coverage": (
        "add_targets",
        "targeting",
        "coverage_by_group",
        "programme_receipt",
        "programme_combinations",
        "overlap_matrix",
        "upset_figure",
    ),
    "analysis.registry": (
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
    "analysis.programmes": ("budget_tables", "convergence", "complaints_summary"),
    "analysis.followup": ("write_follow_up_lists",),
    # 5. poverty pockets
    "estimation.sae": ("fay_herriot", "benchmark_estimates", "FHDiagnostics"),
    "analysis.hotspots": ("hot_spots", "stable_hot_spots"),
    "analysis.deprivation": ("deprivation_score", "idm_like_status", "registry_counts", "village_typology"),
    "analysis.pockets": ("kecamatan_p0", "pocket_list", "province_pockets"),
    "reporting.maps": ("choropleth", "cluster_map", "pocket_map", "interactive_map"),
    # 6. reports
    "reporting.report": ("prepare_year", "load_section"),
    "reporting.narrative": ("draft_narrative", "narrative_markdown"),
    "reporting.excel": ("write_annex", "suppress_small_cells"),
    "privacy": ("scan_artifacts", "pseudonymise", "load_key"),
    "batch.export": ("notebook_to_html", "html_to_pdf", "find_browser", "ChromiumPrinter", "shared_printer"),
    "batch.run": ("run_reports",),
    "batch.config": ("RunConfig", "run_config_from_args"),
}

_WHERE = {name: module for module, names in _EXPORTS.items() for name in names}

#: Modules that moved into the subpackages of the layout (issue 14): their old import paths
#: (``tkpk_lib.readers``, ``from tkpk_lib import report``) still give the same module object,
#: with a DeprecationWarning, so existing notebooks and scripts keep working.
_MOVED: dict[str, str] = {
    **{m: f"data.{m}" for m in ("readers", "schemas", "validate", "canonical", "reference_data",
                                "registry_stream", "summary")},
    "design": "estimation.design",
    "estimate": "estimation.estimators",
    "sae": "estimation.sae",
    **{m: f"analysis.{m}" for m in ("indicators", "trends", "coverage", "registry", "programmes",
                                    "pockets", "hotspots", "deprivation", "followup")},
    **{m: f"reporting.{m}" for m in ("report", "maps", "narrative", "excel")},
    **{m: f"batch.{m}" for m in ("pipeline", "run", "kernels", "manifest", "export")},
}


class _MovedModules(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Import hook that resolves the old path of a moved module to the module itself.

    One hook instead of a stub file per old path keeps the package's top level to what lives
    there; the old name is the very same module object, so monkeypatching through either path
    patches both.
    """

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> Any:
        prefix, _, name = fullname.partition(".")
        if prefix == __name__ and name in _MOVED:
            return importlib.util.spec_from_loader(fullname, self)
        return None

    def create_module(self, spec: Any) -> Any:
        new = f"{__name__}.{_MOVED[spec.name.partition('.')[2]]}"
        warnings.warn(f"{spec.name} moved to {new}; import it from there", DeprecationWarning,
                      stacklevel=2)
        return importlib.import_module(new)

    def exec_module(self, module: Any) -> None:
        """Nothing to run: the module was executed at its new place."""


if not any(isinstance(f, _MovedModules) for f in sys.meta_path):
    sys.meta_path.append(_MovedModules())

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
    from tkpk_lib.analysis.coverage import (  # noqa: F401
        add_targets,
        coverage_by_group,
        programme_combinations,
        targeting,
    )
    from tkpk_lib.analysis.hotspots import hot_spots, stable_hot_spots  # noqa: F401
    from tkpk_lib.analysis.indicators import (  # noqa: F401
        fgt,
        gini,
        labour_indicators,
        poor_count,
        service_indicators,
    )
    from tkpk_lib.analysis.pockets import kecamatan_p0, pocket_list, province_pockets  # noqa: F401
    from tkpk_lib.batch.run import run_reports  # noqa: F401
    from tkpk_lib.data.canonical import (  # noqa: F401
        available_years,
        build_canonical,
        load_boundaries,
        load_tables,
        raw_files,
    )
    from tkpk_lib.data.readers import (  # noqa: F401
        read_boundaries,
        read_podes,
        read_registry,
        read_sakernas,
        read_susenas,
    )
    from tkpk_lib.estimation.design import SurveyDesign, linearized_variance  # noqa: F401
    from tkpk_lib.estimation.estimators import (  # noqa: F401
        survey_mean,
        survey_quantile,
        survey_ratio,
        survey_total,
    )
    from tkpk_lib.estimation.sae import fay_herriot  # noqa: F401
