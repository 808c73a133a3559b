"""TKPK monitoring indicators with design-based standard errors (facade over the indicator modules).

The indicators live in one module per job, re-exported here so that ``tkpk_lib.analysis.indicators``
(and the old path ``tkpk_lib.analysis.indicators``) keeps every name:

* :mod:`~tkpk_lib.analysis.poverty`: FGT indices, number of poor, extreme poverty.
* :mod:`~tkpk_lib.analysis.inequality`: Gini, bottom-40% share, welfare quintiles.
* :mod:`~tkpk_lib.analysis.labour`: Sakernas labour indicators.
* :mod:`~tkpk_lib.analysis.services`: basic services.
* :mod:`~tkpk_lib.analysis.disaggregation`: the total and by each dimension.
* :mod:`~tkpk_lib.analysis.catalogue`: indicator catalogue, labels, display formatting.
* :mod:`~tkpk_lib.analysis.indicator_base`: shared input checks and the result layout.

Every function takes a canonical frame (:mod:`tkpk_lib.data.schemas`), a
:class:`~tkpk_lib.estimation.design.SurveyDesign`, column names and ``by=`` (a column or a list of
columns) and returns a tidy frame shaped like the estimation core
(:mod:`tkpk_lib.estimation.estimators`): an ``indicator`` column (a code of the indicator catalogue),
the ``by`` columns, then ``estimate, se, ci_low, ci_high, rse, deff, n, n_weighted,
reliability``. Rates are fractions (0.1208, not 12.08); reports multiply by 100.

Indicators and where they come from

* Monetary poverty (Susenas March, ``households`` table): :func:`fgt` (P0, P1, P2),
  :func:`poor_count`, :func:`poverty_indicators` (the four stacked),
  :func:`extreme_poverty`. Persons are the unit: pass ``size="hh_size"``
  and every household counts with weight ``weight * hh_size`` (BPS weights FGT indices with
  FWT x household size, domain-notes 4.1).
* Inequality: :func:`gini` (point estimate as ``laeken::gini``, linearised SE as
  ``convey::svygini``) and :func:`bottom40_share`.
* Labour (Sakernas August, ``labour`` table): :func:`labour_indicators` (TPT, TPAK,
  informal share, time-related underemployment).
* Basic services (Susenas ``households`` / ``persons``): :func:`service_indicators`.
* :func:`disaggregate` stacks an indicator for the total and by kabupaten, urban/rural,
  sex of the head, disability, elderly and welfare quintile (:func:`welfare_quintile`).

Labels and definitions of every indicator live in ``reference/indicator_catalogue.csv``
(:func:`indicator_catalogue`, :func:`indicator_label`; :func:`format_results` adds display
columns to any result frame); the extreme-poverty lines in
``reference/extreme_poverty_lines.csv`` (:func:`extreme_poverty_lines`).

Variance
--------
No variance formula is written here: means, totals and ratios go through
:mod:`tkpk_lib.estimation.estimators`, and the two non-linear statistics (Gini, bottom-40% share) pass
their linearised scores (influence functions) to
:func:`tkpk_lib.estimation.estimators.linearized_variance`, so that strata, PSUs and fpc are honoured.
Domain estimates are computed on the full sample with scores set to zero outside the domain
(never by dropping rows, which would lose PSUs).
"""

from __future__ import annotations

from tkpk_lib.analysis.catalogue import (  # noqa: F401
    _catalogue,
    _fmt_number_id,
    _lines,
    _read_reference,
    extreme_poverty_lines,
    format_results,
    indicator_catalogue,
    indicator_label,
)
from tkpk_lib.analysis.disaggregation import (  # noqa: F401
    _GROUP_LABELS,
    DEFAULT_DIMENSIONS,
    DIMENSION_NAMES,
    LABOUR_DIMENSIONS,
    PERSON_DIMENSIONS,
    _as_text,
    _group_label,
    disaggregate,
)
from tkpk_lib.analysis.indicator_base import (  # noqa: F401
    _TMP,
    RESULT_COLUMNS,
    _as_list,
    _domain_indices,
    _flag,
    _line_values,
    _linearized_result,
    _numeric,
    _person_view,
    _ratio,
    _ratios,
    _require,
    _tidy,
    _with_weight,
)
from tkpk_lib.analysis.inequality import (  # noqa: F401
    _gini_influence,
    _gini_laeken,
    _lorenz_point,
    bottom40_share,
    gini,
    welfare_quintile,
)
from tkpk_lib.analysis.labour import (  # noqa: F401
    labour_indicators,
)
from tkpk_lib.analysis.poverty import (  # noqa: F401
    _fgt_block,
    extreme_poverty,
    extreme_poverty_line,
    fgt,
    poor_count,
    poverty_indicators,
)
from tkpk_lib.analysis.services import (  # noqa: F401
    HOUSEHOLD_SERVICES,
    SCHOOL_AGE_GROUPS,
    service_indicators,
)

__all__ = [
    "DEFAULT_DIMENSIONS",
    "DIMENSION_NAMES",
    "HOUSEHOLD_SERVICES",
    "LABOUR_DIMENSIONS",
    "PERSON_DIMENSIONS",
    "RESULT_COLUMNS",
    "SCHOOL_AGE_GROUPS",
    "bottom40_share",
    "disaggregate",
    "extreme_poverty",
    "extreme_poverty_line",
    "extreme_poverty_lines",
    "fgt",
    "format_results",
    "gini",
    "indicator_catalogue",
    "indicator_label",
    "labour_indicators",
    "poor_count",
    "poverty_indicators",
    "service_indicators",
    "welfare_quintile",
]
