"""Labour-market indicators from Sakernas August: TPT, TPAK, informal share, underemployment.

Each is a ratio of two weighted totals over the whole sample, estimated with the core's ratio
estimator (:func:`tkpk_lib.estimation.estimators.survey_ratio`).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from tkpk_lib.analysis.indicator_base import _as_list, _flag, _numeric, _ratios, _require
from tkpk_lib.errors import Problem, SchemaError
from tkpk_lib.estimation.design import SurveyDesign


def labour_indicators(
    df: pd.DataFrame,
    design: SurveyDesign,
    by: str | Sequence[str] | None = None,
    *,
    min_age: int = 15,
    hours_threshold: float = 35.0,
    ci: str = "normal",
    level: float = 0.95,
) -> pd.DataFrame:
    """TPT, TPAK, informal share and time-related underemployment (Sakernas August).

    Definitions (persons aged ``min_age``+ only; canonical ``labour`` table):

    * ``tpt`` = unemployed / labour force (``lf_status`` 2 / ``lf_status`` in {1, 2}).
    * ``tpak`` = labour force / population.
    * ``informal_share`` = employed with ``informal == 1`` / employed.
    * ``underemployment`` = employed working < ``hours_threshold`` hours with
      ``wants_more_hours == 1`` / employed (BPS *setengah penganggur*).

    Each is a ratio of two weighted totals over the whole sample (indicators are zero for
    persons outside the age range), estimated with :func:`tkpk_lib.estimation.estimators.survey_ratio`:
    domain estimation without dropping rows. Use ``by=["female"]`` or ``by=["urban"]`` for
    sex and urban/rural, or ``disaggregate(labour_indicators, df, design,
    dims=LABOUR_DIMENSIONS)`` for the total and by kabupaten, urban/rural and sex at once.

    Parameters
    ----------
    df : pandas.DataFrame
        Canonical ``labour`` table.
    design : SurveyDesign
        Its design.
    by : str or list of str, optional
        Domain columns.
    min_age : int
        Working-age threshold (15).
    hours_threshold : float
        Hours below which an employed person counts as underemployed (35).
    ci, level
        Passed to the core.

    Returns
    -------
    pandas.DataFrame
        Four blocks stacked, ``indicator`` in {tpt, tpak, informal_share, underemployment}.

    Examples
    --------
    >>> import pandas as pd
    >>> from tkpk_lib.estimation.design import SurveyDesign
    >>> lab = pd.DataFrame({"age": [20, 30, 40, 50], "lf_status": [1, 2, 1, 3],
    ...     "hours": [40.0, None, 20.0, None], "informal": [1, 0, 0, 0],
    ...     "wants_more_hours": [0, 0, 1, 0], "weight": 1.0})
    >>> r = labour_indicators(lab, SurveyDesign("weight")).set_index("indicator")
    >>> round(float(r.loc["tpt", "estimate"]), 4)
    0.3333
    """
    byl = _as_list(by)
    age = _numeric(df, "age", "labour indicators")
    status = _numeric(df, "lf_status", "labour indicators")
    bad = ~np.isin(status, (1.0, 2.0, 3.0))
    if bad.any():
        raise SchemaError(
            [
                Problem(
                    "input frame",
                    "lf_status",
                    "must be 1, 2 or 3",
                    (np.flatnonzero(bad) + 1).tolist(),
                )
            ]
        )
    adult = age >= min_age
    employed = adult & (status == 1)
    unemployed = adult & (status == 2)
    lf = employed | unemployed
    informal = _flag(df, "informal", "the informal share") == 1
    _require(df, ["hours", "wants_more_hours"], "underemployment")
    hours = pd.to_numeric(df["hours"], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    miss = employed & ~np.isfinite(hours)
    if miss.any():
        raise SchemaError(
            [
                Problem(
                    "input frame",
                    "hours",
                    "missing hours for employed persons",
                    (np.flatnonzero(miss) + 1).tolist(),
                )
            ]
        )
    wants = _flag(df, "wants_more_hours", "underemployment") == 1
    under = employed & (np.nan_to_num(hours, nan=np.inf) < hours_threshold) & wants
    specs = [
        (unemployed, lf, "tpt"),
        (lf, adult, "tpak"),
        (employed & informal, employed, "informal_share"),
        (under, employed, "underemployment"),
    ]
    return _ratios(df, design, specs, byl, ci, level)
