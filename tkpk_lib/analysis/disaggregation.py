"""Disaggregation of any indicator: the total and by kabupaten, urban/rural, sex, disability, elderly, quintile.

:func:`disaggregate` stacks an indicator function's result for the total and by each
dimension, with Indonesian dimension names (:data:`DIMENSION_NAMES`) and group labels.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import pandas as pd

from tkpk_lib.analysis.indicator_base import _as_list
from tkpk_lib.analysis.inequality import welfare_quintile
from tkpk_lib.errors import Problem, SchemaError, TkpkError
from tkpk_lib.estimation.design import SurveyDesign

DEFAULT_DIMENSIONS: tuple[str, ...] = (
    "kab_code",
    "urban",
    "head_female",
    "has_disabled",
    "has_elderly",
    "welfare_quintile",
)


"""Disaggregation dimensions of :func:`disaggregate` for the households table."""


LABOUR_DIMENSIONS: tuple[str, ...] = ("kab_code", "urban", "female")


"""Disaggregation dimensions for the labour table (kabupaten, urban/rural, sex)."""


PERSON_DIMENSIONS: tuple[str, ...] = ("kab_code", "urban", "female", "disabled")


"""Disaggregation dimensions for the Susenas persons table."""


DIMENSION_NAMES: dict[str, str] = {
    "total": "Total",
    "kab_code": "Kabupaten/kota",
    "urban": "Perkotaan/perdesaan",
    "head_female": "Jenis kelamin kepala rumah tangga",
    "female": "Jenis kelamin",
    "has_disabled": "Rumah tangga dengan anggota penyandang disabilitas",
    "disabled": "Penyandang disabilitas",
    "has_elderly": "Rumah tangga dengan anggota lansia (60+)",
    "welfare_quintile": "Kuintil pengeluaran per kapita",
}


"""Indonesian names of the disaggregation dimensions (for report tables)."""


_GROUP_LABELS: dict[str, dict[str, str]] = {
    "urban": {"1": "Perkotaan", "0": "Perdesaan"},
    "head_female": {"1": "KRT perempuan", "0": "KRT laki-laki"},
    "female": {"1": "Perempuan", "0": "Laki-laki"},
    "has_disabled": {
        "1": "Ada ART penyandang disabilitas",
        "0": "Tidak ada ART penyandang disabilitas",
    },
    "disabled": {"1": "Penyandang disabilitas", "0": "Bukan penyandang disabilitas"},
    "has_elderly": {"1": "Ada ART lansia", "0": "Tidak ada ART lansia"},
    "welfare_quintile": {
        "1": "Kuintil 1 (20% terbawah)",
        "2": "Kuintil 2",
        "3": "Kuintil 3",
        "4": "Kuintil 4",
        "5": "Kuintil 5 (20% teratas)",
    },
}


def _group_label(dimension: str, value: str) -> str:
    if dimension == "total":
        return "Total"
    labels = _GROUP_LABELS.get(dimension, {})
    if value in labels:
        return labels[value]
    if dimension == "kab_code":
        try:
            from tkpk_lib.data.reference_data import regions

            names = regions().set_index("code")["name"]
            return str(names.get(value, value))
        except Exception:  # noqa: BLE001 - labels are cosmetic; never fail a table on them
            return value
    return value


def _as_text(values: pd.Series) -> pd.Series:
    def one(v: object) -> str:
        if isinstance(v, float) and v.is_integer():
            return str(int(v))
        return str(v)

    return values.map(one).astype(str)


def disaggregate(
    func: Callable[..., pd.DataFrame],
    df: pd.DataFrame,
    design: SurveyDesign,
    dims: Sequence[str] = DEFAULT_DIMENSIONS,
    **kw: Any,
) -> pd.DataFrame:
    """An indicator for the total and by each dimension, stacked in one tidy frame.

    Parameters
    ----------
    func : callable
        An indicator function of this module (``fgt``, ``gini``, ``labour_indicators``...).
    df : pandas.DataFrame
        Its input frame.
    design : SurveyDesign
        Its design.
    dims : list of str
        Dimensions, each a column of ``df`` (default :data:`DEFAULT_DIMENSIONS`: kabupaten,
        urban/rural, sex of the head, disability, elderly, welfare quintile). If
        ``welfare_quintile`` is asked for and not a column, it is computed with
        :func:`welfare_quintile` from the ``welfare`` and ``size`` keywords (province-wide
        person quintiles).
    **kw
        Passed to ``func`` (e.g. ``welfare``, ``line``, ``size``, ``alpha``). A ``by`` keyword
        is kept and each dimension is added to it.

    Returns
    -------
    pandas.DataFrame
        ``indicator, dimension, group, group_label``, any base ``by`` columns, then the result
        columns. The total has ``dimension == "total"`` and ``group == "Total"``; ``group`` is
        text (``"1"``/``"0"`` for flags, codes for kabupaten).

    Examples
    --------
    >>> import pandas as pd
    >>> from tkpk_lib.analysis.poverty import fgt
    >>> from tkpk_lib.estimation.design import SurveyDesign
    >>> hh = pd.DataFrame({"exp_pc": [50.0, 150.0, 80.0, 300.0], "urban": [1, 1, 0, 0],
    ...                    "hh_size": 1, "weight": 1.0})
    >>> t = disaggregate(fgt, hh, SurveyDesign("weight"), dims=["urban"],
    ...                  welfare="exp_pc", line=100.0, size="hh_size")
    >>> t[["dimension", "group", "estimate"]].values.tolist()
    [['total', 'Total', 0.5], ['urban', '0', 0.5], ['urban', '1', 0.5]]
    """
    base_by = _as_list(kw.pop("by", None))
    work = df
    if "welfare_quintile" in dims and "welfare_quintile" not in df.columns:
        if "welfare" not in kw:
            raise TkpkError(
                "disaggregate by welfare_quintile needs a 'welfare_quintile' column or welfare= "
                "(and size= for a household file)"
            )
        q = welfare_quintile(df, design, kw["welfare"], kw.get("size"))
        work = df.assign(welfare_quintile=q.to_numpy())
    missing = [d for d in dims if d not in work.columns]
    if missing:
        raise SchemaError(
            [Problem("input frame", d, "disaggregation column is missing") for d in missing]
        )
    blocks = []
    total = func(work, design, by=base_by or None, **kw)
    total.insert(1, "dimension", "total")
    total.insert(2, "group", "Total")
    blocks.append(total)
    for dim in dims:
        res = func(work, design, by=[*base_by, dim], **kw)
        group = _as_text(res[dim])
        res = res.drop(columns=[dim])
        res.insert(1, "dimension", dim)
        res.insert(2, "group", group.to_numpy())
        blocks.append(res)
    out = pd.concat(blocks, ignore_index=True)
    out.insert(
        3,
        "group_label",
        [_group_label(d, g) for d, g in zip(out["dimension"], out["group"], strict=True)],
    )
    return out
