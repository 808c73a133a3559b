"""Basic-service indicators from Susenas: water, sanitation, electricity, housing, school participation, JKN."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from tkpk_lib.analysis.indicator_base import _as_list, _flag, _numeric, _ratios, _tidy
from tkpk_lib.errors import TkpkError
from tkpk_lib.estimation import estimators as _est
from tkpk_lib.estimation.design import SurveyDesign

HOUSEHOLD_SERVICES: dict[str, str] = {
    "water_safe": "water_safe",
    "sanitation_safe": "sanitation_safe",
    "electricity": "electricity",
    "decent_housing": "decent_housing",
}


"""Household service indicators: catalogue code -> canonical flag column."""


SCHOOL_AGE_GROUPS: dict[str, tuple[int, int]] = {
    "aps_7_12": (7, 12),
    "aps_13_15": (13, 15),
    "aps_16_18": (16, 18),
}


"""APS age groups (inclusive)."""


def service_indicators(
    df: pd.DataFrame,
    design: SurveyDesign,
    by: str | Sequence[str] | None = None,
    *,
    level_of: str | None = None,
    indicators: Sequence[str] | None = None,
    ci: str = "normal",
    level: float = 0.95,
) -> pd.DataFrame:
    """Basic-service indicators from Susenas (households or persons table).

    Household table (``level_of="households"``), shares of **households** weighted by the
    household weight, as BPS publishes them:

    * ``water_safe``: improved (layak) drinking water (canonical flag ``water_safe``);
    * ``sanitation_safe``: proper sanitation (goose-neck toilet with septic tank/IPAL);
    * ``electricity``: electric main lighting (PLN or non-PLN);
    * ``decent_housing``: rumah layak huni (durable roof/wall/floor, >= 7.2 m2/capita,
      improved water and sanitation).

    Persons table (``level_of="persons"``), shares of **persons**:

    * ``aps_7_12``, ``aps_13_15``, ``aps_16_18``: school participation (APS), persons of the
      age group with ``school_status == 1`` (attending now, any level) / persons of the age
      group, a domain ratio over the full sample;
    * ``jkn_coverage``: JKN members (any scheme) / all persons.

    Parameters
    ----------
    df : pandas.DataFrame
        Canonical ``households`` or ``persons`` table.
    design : SurveyDesign
        Its design.
    by : str or list of str, optional
        Domain columns.
    level_of : {"households", "persons"}, optional
        Which table ``df`` is; guessed from the columns when omitted (``school_status``
        present means persons).
    indicators : list of str, optional
        Subset of codes to compute (default: all of that table).
    ci, level
        Passed to the core.

    Returns
    -------
    pandas.DataFrame
        Blocks stacked with an ``indicator`` column.

    Examples
    --------
    >>> import pandas as pd
    >>> from tkpk_lib.estimation.design import SurveyDesign
    >>> p = pd.DataFrame({"age": [8, 10, 14, 17], "school_status": [1, 2, 1, 1],
    ...                   "jkn_member": [1, 1, 0, 1], "weight": 1.0})
    >>> r = service_indicators(p, SurveyDesign("weight")).set_index("indicator")
    >>> float(r.loc["aps_7_12", "estimate"])
    0.5
    """
    byl = _as_list(by)
    if level_of is None:
        level_of = "persons" if "school_status" in df.columns else "households"
    if level_of == "households":
        codes = list(indicators) if indicators is not None else list(HOUSEHOLD_SERVICES)
        unknown = [c for c in codes if c not in HOUSEHOLD_SERVICES]
        if unknown:
            raise TkpkError(
                f"Unknown household service indicator(s) {unknown}; known: {list(HOUSEHOLD_SERVICES)}"
            )
        cols = [HOUSEHOLD_SERVICES[code] for code in codes]
        for code, col in zip(codes, cols, strict=True):
            _flag(df, col, f"indicator {code}")
        # one core call for all flags: each variable is estimated independently
        res = _est.survey_mean(df, design, cols, by=byl or None, ci=ci, level=level)
        k = len(cols)
        parts = [_tidy(res.iloc[j::k], code, byl) for j, code in enumerate(codes)]
        return pd.concat(parts, ignore_index=True)
    if level_of != "persons":
        raise TkpkError(f"level_of must be 'households' or 'persons' (got {level_of!r})")
    known = [*SCHOOL_AGE_GROUPS, "jkn_coverage"]
    codes = list(indicators) if indicators is not None else known
    unknown = [c for c in codes if c not in known]
    if unknown:
        raise TkpkError(f"Unknown person service indicator(s) {unknown}; known: {known}")
    parts = []
    aps = [c for c in codes if c in SCHOOL_AGE_GROUPS]
    if aps:
        age = _numeric(df, "age", "school participation (APS)")
        school = _numeric(df, "school_status", "school participation (APS)")
        specs = []
        for code in aps:
            lo, hi = SCHOOL_AGE_GROUPS[code]
            in_group = (age >= lo) & (age <= hi)
            specs.append((in_group & (school == 1), in_group, code))
        parts.append(_ratios(df, design, specs, byl, ci, level))
    if "jkn_coverage" in codes:
        _flag(df, "jkn_member", "JKN coverage")
        res = _est.survey_mean(df, design, "jkn_member", by=byl or None, ci=ci, level=level)
        parts.append(_tidy(res, "jkn_coverage", byl))
    return pd.concat(parts, ignore_index=True)
