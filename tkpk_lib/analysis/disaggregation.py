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


def sample_cases(
    hh: pd.DataFrame,
    year: int,
    *,
    welfare: str = "exp_pc",
    line: str = "poverty_line",
    dims: Sequence[str] = (),
    province: str | None = None,
) -> pd.DataFrame:
    """Sample households behind each poverty figure: the poor (P0, P1, P2, number of poor) and the extreme poor.

    A share estimated from 840 households may rest on four poor households: the publication
    rule looks at these *cases*, not only at the unit's sample size. Counts are unweighted
    sample households with ``welfare < line`` (``p0``, ``p1``, ``p2``, ``poor_count``) and with
    ``welfare`` below the extreme-poverty line of ``year`` (``p0_extreme``), by kabupaten/kota,
    for the province, and by each of ``dims`` when given.

    Parameters
    ----------
    hh : pandas.DataFrame
        Canonical households table (``kab_code``, ``welfare``, ``line`` and the ``dims`` columns).
    year : int
        Year of the extreme-poverty line (:func:`tkpk_lib.analysis.poverty.extreme_poverty_line`).
    welfare, line : str
        Per-capita expenditure and poverty-line columns.
    dims : sequence of str
        Disaggregation columns; with them the result has ``dimension`` and ``group`` (text) too.
    province : str, optional
        Code of the province rows (default: the current province, :func:`tkpk_lib.data.region.province_code`).

    Returns
    -------
    pandas.DataFrame
        ``kab_code, indicator, n_cases`` (and ``dimension, group`` with ``dims``).

    Examples
    --------
    >>> hh = pd.DataFrame({"kab_code": ["1701", "1701", "1771"], "exp_pc": [100.0, 900.0, 50.0],
    ...     "poverty_line": 500.0, "urban": [0, 1, 1]})
    >>> c = sample_cases(hh, 2024)
    >>> c[c["indicator"] == "p0"][["kab_code", "n_cases"]].values.tolist()
    [['1701', 1], ['1771', 1], ['17', 2]]
    >>> d = sample_cases(hh, 2024, dims=["urban"])
    >>> d[(d["indicator"] == "p0") & (d["kab_code"] == "17")][["group", "n_cases"]].values.tolist()
    [['0', 1], ['1', 1]]
    """
    from tkpk_lib.analysis.poverty import extreme_poverty_line

    x = pd.to_numeric(hh[welfare], errors="coerce")
    flags = {"poor": (x < pd.to_numeric(hh[line], errors="coerce")).astype(int),
             "extreme": (x < extreme_poverty_line(int(year))).astype(int)}
    work = hh.assign(kab_code=hh["kab_code"].astype(str), _poor=flags["poor"], _extreme=flags["extreme"])
    blocks = []
    for dim in (list(dims) or [None]):
        keys = [dim] if dim else []
        by_kab = work.groupby(["kab_code", *keys], sort=True)[["_poor", "_extreme"]].sum().reset_index()
        prov = work.groupby(keys, sort=True)[["_poor", "_extreme"]].sum().reset_index() if keys else \
            pd.DataFrame({"_poor": [work["_poor"].sum()], "_extreme": [work["_extreme"].sum()]})
        from tkpk_lib.data.region import province_code

        prov.insert(0, "kab_code", province or province_code())
        both = pd.concat([by_kab, prov], ignore_index=True)
        if dim:
            both.insert(1, "dimension", dim)
            both.insert(2, "group", _as_text(both.pop(dim)).to_numpy())
        blocks.append(both)
    counts = pd.concat(blocks, ignore_index=True)
    ids = [c for c in ("kab_code", "dimension", "group") if c in counts.columns]
    rows = [counts[ids].assign(indicator=code, n_cases=counts[col].astype("int64").to_numpy())
            for code, col in (("p0", "_poor"), ("p1", "_poor"), ("p2", "_poor"), ("poor_count", "_poor"),
                              ("p0_extreme", "_extreme"))]
    return pd.concat(rows, ignore_index=True)
