"""Change over time, year series and comparison with targets for TKPK indicators.

* :func:`change`: difference between two years' estimates with its standard error and a 5%
  significance flag, worded in Indonesian ("naik", "turun", "tidak berbeda nyata"); never
  between two territories under one code: the pemekaran crosswalk
  (:mod:`tkpk_lib.analysis.region_changes`) maps recoded units to their old code and marks
  split or merged ones "tidak dapat dibandingkan (pemekaran <tahun>)".
* :func:`series`: stack yearly result frames into one tidy frame with CI-band columns.
* :func:`target_table` / :func:`compare_targets`: targets (``reference/targets.csv``) and the
  status of the latest estimate against them (achieved / on track / off track), taking the
  confidence interval into account, with the annual change still needed.

Inputs are the tidy result frames of :mod:`tkpk_lib.analysis.indicators` / :mod:`tkpk_lib.estimation.estimators`
(``estimate``, ``se``, ``ci_low``, ``ci_high``, optionally ``indicator`` and ``year``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import cache
from importlib import resources
from typing import Any

import numpy as np
import pandas as pd
from scipy import special

from tkpk_lib.analysis.region_changes import _crosswalked, _not_comparable
from tkpk_lib.errors import Problem, SchemaError, TkpkError

CHANGE_WORDS_ID: dict[str, str] = {"up": "naik", "down": "turun", "none": "tidak berbeda nyata"}
"""Indonesian wording of a change: significant increase, decrease, or no significant change."""

ASSESSMENT_WORDS_ID: dict[str, str] = {
    "improved": "membaik",
    "worsened": "memburuk",
    "none": "tidak berbeda nyata",
}
"""Indonesian wording of a change judged against the indicator's direction."""

STATUS_WORDS_ID: dict[str, str] = {
    "achieved": "tercapai",
    "not_achieved": "tidak tercapai",
    "on_track": "sesuai jalur",
    "off_track": "belum sesuai target",
    "inconclusive": "belum dapat disimpulkan",
    "insufficient_data": "data belum cukup",
}
"""Indonesian labels of the target statuses of :func:`compare_targets`."""



def __getattr__(name: str) -> str:
    # PROVINCE_CODE was a constant; the province is a setting (tkpk_lib.data.region)
    if name == "PROVINCE_CODE":
        from tkpk_lib.data.region import province_code

        return province_code()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

ZERO_TARGET_TOLERANCE = 0.005
"""Tolerance of a target of 0 (extreme poverty, Inpres 4/2022): 0.5 percentage point.

A survey share is never exactly zero with certainty, so a 0% target is judged against this
tolerance: **tercapai** when the whole 95% confidence interval lies at or below 0.5% (the
estimate is consistent with zero up to a share the survey cannot tell from zero in a
kabupaten), **tidak tercapai** (or *belum sesuai target* before the deadline) when the lower
bound is above it, otherwise *belum dapat disimpulkan*. Changed here and only here.
"""

Z95 = 1.959963984540054


def _as_list(by: str | Sequence[str] | None) -> list[str]:
    if by is None:
        return []
    return [by] if isinstance(by, str) else list(by)


def _need(df: pd.DataFrame, cols: Sequence[str], name: str) -> None:
    missing = [c for c in cols if c not in df.columns]
    if missing:
        raise SchemaError([Problem(name, c, "column is missing") for c in missing])


def _directions() -> dict[str, str]:
    from tkpk_lib.analysis.catalogue import indicator_catalogue

    cat = indicator_catalogue()
    return dict(zip(cat["code"], cat["direction"], strict=True))


# --------------------------------------------------------------------------- change
def change(
    est_a: pd.DataFrame,
    est_b: pd.DataFrame,
    by: str | Sequence[str] | None = None,
    *,
    level: float = 0.95,
    changes: pd.DataFrame | None = None,
    years: tuple[int, int] | None = None,
) -> pd.DataFrame:
    """Difference ``b - a`` between two estimates (e.g. two years) with SE and significance.

    The two estimates are treated as coming from **independent samples**:
    ``se = sqrt(se_a^2 + se_b^2)``. Susenas and Sakernas draw a new sample of census blocks
    each year (with partial overlap in some rounds); a positive correlation between years
    would make the true SE of the difference smaller, so this SE is conservative for
    overlapping samples. The change is significant when ``|diff / se| > z_{1 - (1-level)/2}``
    (1.96 at 5%), i.e. when the confidence interval of the difference excludes zero.

    Parameters
    ----------
    est_a, est_b : pandas.DataFrame
        Result frames of the earlier and later period (``estimate`` and ``se``, plus the
        ``by`` columns; ``indicator`` is used as a key when both have it, ``year`` is
        reported as ``year_a``/``year_b``).
    by : str or list of str, optional
        Key columns to match rows (e.g. ``"kab_code"``).
    level : float
        Confidence level of the interval and the test (0.95 = 5% significance).
    changes : pandas.DataFrame, optional
        Code crosswalk (default ``reference/region_changes.csv``, see
        :func:`tkpk_lib.analysis.region_changes.comparability`). Used when ``by`` holds a
        region code column (``kab_code``, ``kec_code``, ``desa_code``) and the two years are
        known (``years``, or one ``year`` value in each frame): a unit recoded between the
        years is matched with its old code; a unit split or merged between them gets no
        change (``change`` = ``not_comparable``, ``change_id`` "tidak dapat dibandingkan
        (pemekaran <tahun>)", values NaN) and a row even when only the later year has it.
    years : (int, int), optional
        The years of ``est_a`` and ``est_b`` when the frames have no ``year`` column.

    Returns
    -------
    pandas.DataFrame
        Keys, ``[year_a, year_b]``, ``estimate_a, se_a, estimate_b, se_b, difference, se,
        ci_low, ci_high, z, p_value, significant`` (bool), ``change`` (``up``/``down``/
        ``none``), ``change_id`` (``naik``/``turun``/``tidak berbeda nyata``) and, when the
        indicator is in the catalogue, ``assessment`` (``improved``/``worsened``/``none``)
        and ``assessment_id`` (``membaik``/``memburuk``/``tidak berbeda nyata``). With the
        crosswalk applied, also ``comparable`` (bool).

    Examples
    --------
    >>> import pandas as pd
    >>> a = pd.DataFrame({"indicator": ["p0"], "estimate": [0.15], "se": [0.003]})
    >>> b = pd.DataFrame({"indicator": ["p0"], "estimate": [0.14], "se": [0.004]})
    >>> r = change(a, b)
    >>> round(float(r["se"].iloc[0]), 4), r["change_id"].iloc[0], r["assessment_id"].iloc[0]
    (0.005, 'turun', 'membaik')
    >>> a = pd.DataFrame({"kab_code": ["1701", "1703"], "year": 2007, "estimate": [0.2, 0.2], "se": 0.01})
    >>> b = pd.DataFrame({"kab_code": ["1701", "1703", "1709"], "year": 2010, "estimate": 0.1, "se": 0.01})
    >>> change(a, b, by="kab_code")[["kab_code", "change_id"]].values.tolist()
    [['1701', 'turun'], ['1703', 'tidak dapat dibandingkan (pemekaran 2008)'], ['1709', 'tidak dapat dibandingkan (pemekaran 2008)']]
    """
    keys = _as_list(by)
    if "indicator" in est_a.columns and "indicator" in est_b.columns and "indicator" not in keys:
        keys = ["indicator", *keys]
    est_a, broken = _crosswalked(est_a, est_b, keys, changes, years)
    if broken is not None and len(broken) == len(est_b):
        return _not_comparable(broken, keys, est_a, years)
    merged = _paired(est_a, est_b if broken is None else est_b[~est_b.index.isin(broken.index)], keys)
    diff = merged["estimate_b"].to_numpy(float) - merged["estimate_a"].to_numpy(float)
    se = np.sqrt(merged["se_a"].to_numpy(float) ** 2 + merged["se_b"].to_numpy(float) ** 2)
    zc = float(special.ndtri(0.5 + level / 2))
    with np.errstate(divide="ignore", invalid="ignore"):
        z = diff / se
    p = 2 * special.ndtr(-np.abs(z))
    p = np.where(se == 0, np.where(diff == 0, 1.0, 0.0), p)
    sig = np.abs(diff) > zc * se
    out = merged[keys].copy() if keys else pd.DataFrame(index=merged.index)
    if "year_a" in merged.columns:
        out["year_a"] = merged["year_a"].to_numpy()
    if "year_b" in merged.columns:
        out["year_b"] = merged["year_b"].to_numpy()
    out["estimate_a"] = merged["estimate_a"].to_numpy(float)
    out["se_a"] = merged["se_a"].to_numpy(float)
    out["estimate_b"] = merged["estimate_b"].to_numpy(float)
    out["se_b"] = merged["se_b"].to_numpy(float)
    out["difference"] = diff
    out["se"] = se
    out["ci_low"] = diff - zc * se
    out["ci_high"] = diff + zc * se
    out["z"] = z
    out["p_value"] = p
    out["significant"] = sig
    direction = np.where(~sig, "none", np.where(diff > 0, "up", "down"))
    out["change"] = direction
    out["change_id"] = [CHANGE_WORDS_ID[d] for d in direction]
    if "indicator" in out.columns:
        assess = _assessment(direction, out["indicator"])
        out["assessment"] = assess
        out["assessment_id"] = [ASSESSMENT_WORDS_ID.get(x) if x else None for x in assess]
    if broken is not None:
        out["comparable"] = True
        if len(broken):
            out = pd.concat([out, _not_comparable(broken, keys, est_a, years, like=out)], ignore_index=True)
    return out.reset_index(drop=True)


def _paired(est_a: pd.DataFrame, est_b: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Rows of the two frames matched on ``keys`` (columns suffixed ``_a`` / ``_b``)."""
    _need(est_a, [*keys, "estimate", "se"], "est_a")
    _need(est_b, [*keys, "estimate", "se"], "est_b")
    cols = ["estimate", "se"]
    a = est_a[[*keys, *cols, *(["year"] if "year" in est_a.columns else [])]].copy()
    b = est_b[[*keys, *cols, *(["year"] if "year" in est_b.columns else [])]].copy()
    for fr, name in ((a, "est_a"), (b, "est_b")):
        if keys and fr.duplicated(keys).any():
            raise TkpkError(f"{name} has several rows for the same {keys}; give more by= columns")
    if not keys:
        if len(a) != 1 or len(b) != 1:
            raise TkpkError("change() without by= needs one row in each frame")
        merged = a.add_suffix("_a").join(b.add_suffix("_b"), how="cross")
    else:
        merged = a.merge(b, on=keys, how="inner", suffixes=("_a", "_b"))
    if merged.empty:
        raise TkpkError(f"No rows of est_a and est_b share the same {keys}")
    return merged


def _assessment(direction: np.ndarray, indicators: pd.Series) -> list[str | None]:
    """``improved`` / ``worsened`` / ``none`` for each indicator's change.

    From the change direction and the catalogue's better direction of each indicator
    (``None`` for an indicator without one).
    """
    dirs = _directions()
    good = [dirs.get(i) for i in indicators]
    assess: list[str | None] = []
    for d, g in zip(direction, good, strict=True):
        if d == "none" or g is None:
            assess.append("none" if g is not None else None)
        elif (d == "down") == (g == "lower_better"):
            assess.append("improved")
        else:
            assess.append("worsened")
    return assess


def _fmt_id(x: float, decimals: int) -> str:
    """Number in Indonesian notation: thousands '.', decimal ','."""
    s = f"{x:,.{decimals}f}"
    return s.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


def describe_change(
    estimate_a: float,
    estimate_b: float,
    significant: bool,
    *,
    unit: str = "fraction",
    decimals: int = 2,
    label: str = "",
    years: tuple[object, object] | None = None,
) -> str:
    """One Indonesian sentence describing a change, e.g. for an LP2KD narrative.

    Parameters
    ----------
    estimate_a, estimate_b : float
        Earlier and later estimate.
    significant : bool
        Result of :func:`change` (``significant`` column).
    unit : {"fraction", "persons", "Rp", "index"}
        Catalogue unit: fractions are shown as percent and the change in *poin persen*.
    decimals : int
        Decimals shown.
    label : str
        Name of the indicator (e.g. from :func:`tkpk_lib.analysis.indicators.indicator_label`).
    years : tuple, optional
        The two periods, shown in the sentence.

    Returns
    -------
    str
        For example ``"Persentase penduduk miskin turun 0,48 poin persen, dari 14,04% (2023)
        menjadi 13,56% (2024); perubahan ini berbeda nyata pada taraf 5%."``

    Examples
    --------
    >>> describe_change(0.1404, 0.1356, True, label="P0", years=(2023, 2024))
    'P0 turun 0,48 poin persen, dari 14,04% (2023) menjadi 13,56% (2024); perubahan ini berbeda nyata pada taraf 5%.'
    >>> describe_change(0.1404, 0.1399, False, label="P0")
    'P0 tidak berbeda nyata: 14,04% menjadi 13,99% (selisih -0,05 poin persen, tidak berbeda nyata pada taraf 5%).'
    """
    scale, suffix, diff_unit = (100.0, "%", " poin persen") if unit == "fraction" else (1.0, "", "")
    if unit == "Rp":
        suffix, diff_unit = "", ""
    a, b = estimate_a * scale, estimate_b * scale
    d = b - a
    ya, yb = (f" ({years[0]})", f" ({years[1]})") if years else ("", "")
    pre = "Rp" if unit == "Rp" else ""
    va = f"{pre}{_fmt_id(a, decimals)}{suffix}"
    vb = f"{pre}{_fmt_id(b, decimals)}{suffix}"
    name = f"{label} " if label else ""
    if significant:
        word = "naik" if d > 0 else "turun"
        return (
            f"{name}{word} {_fmt_id(abs(d), decimals)}{diff_unit}, dari {va}{ya} menjadi {vb}{yb}; "
            "perubahan ini berbeda nyata pada taraf 5%."
        )
    return (
        f"{name}tidak berbeda nyata: {va}{ya} menjadi {vb}{yb} (selisih {_fmt_id(d, decimals)}"
        f"{diff_unit}, tidak berbeda nyata pada taraf 5%)."
    )


# --------------------------------------------------------------------------- series
def series(frames_by_year: Mapping[int, pd.DataFrame], *, year_col: str = "year") -> pd.DataFrame:
    """Stack yearly result frames into one tidy frame with CI-band columns.

    Parameters
    ----------
    frames_by_year : mapping of year -> pandas.DataFrame
        Result frames (same columns), one per year.
    year_col : str
        Name of the year column added (after ``indicator`` if present, else first).

    Returns
    -------
    pandas.DataFrame
        All rows with the year column, sorted by year (stable within a year), plus
        ``err_minus = estimate - ci_low`` and ``err_plus = ci_high - estimate`` (plotly
        ``error_y`` arrays / band half-widths).

    Examples
    --------
    >>> import pandas as pd
    >>> f = lambda e: pd.DataFrame({"indicator": ["p0"], "estimate": [e], "se": [0.01],
    ...                             "ci_low": [e - 0.02], "ci_high": [e + 0.02]})
    >>> s = series({2024: f(0.13), 2023: f(0.14)})
    >>> s["year"].tolist(), s["estimate"].tolist()
    ([2023, 2024], [0.14, 0.13])
    """
    if not frames_by_year:
        raise TkpkError("series() needs at least one year")
    parts = []
    for year in sorted(frames_by_year):
        fr = frames_by_year[year].copy()
        if year_col in fr.columns:
            fr = fr.drop(columns=year_col)
        pos = 1 if "indicator" in fr.columns and fr.columns[0] == "indicator" else 0
        fr.insert(pos, year_col, int(year))
        parts.append(fr)
    out = pd.concat(parts, ignore_index=True)
    _need(out, ["estimate", "ci_low", "ci_high"], "series input")
    out["err_minus"] = out["estimate"] - out["ci_low"]
    out["err_plus"] = out["ci_high"] - out["estimate"]
    return out


# --------------------------------------------------------------------------- targets
@cache
def _targets() -> pd.DataFrame:
    with (
        resources.files("tkpk_lib.reference")
        .joinpath("targets.csv")
        .open("r", encoding="utf-8") as fh
    ):
        t = pd.read_csv(fh, dtype={"kab_code": str}, keep_default_na=False, na_values=[""])
    t["year"] = t["year"].astype(int)
    t["target"] = t["target"].astype(float)
    return t


def target_table(province: str | None = None) -> pd.DataFrame:
    """Targets shipped in ``tkpk_lib/reference/targets.csv``, all or of one province.

    Columns: ``indicator`` (catalogue code), ``kab_code`` (the two-digit code = province), ``year``,
    ``target`` (same unit as the estimate: fractions for rates), ``status`` (``official`` or
    ``illustrative``), ``source`` and ``note``. The extreme-poverty target of 0% in 2024
    (Inpres 4/2022) is official; the P0 paths are **illustrative** placeholders to be
    replaced by the RPJMD target tables.

    Parameters
    ----------
    province : str, optional
        Keep the rows of this province and its kabupaten/kota (empty when none is shipped).

    Returns
    -------
    pandas.DataFrame
        A copy of the table.

    Examples
    --------
    >>> t = target_table("17")
    >>> float(t[(t.indicator == "p0_extreme") & (t.kab_code == "17")]["target"].iloc[0])
    0.0
    >>> len(target_table("13"))
    0
    """
    t = _targets()
    if province is not None:
        t = t[t["kab_code"].str[:2] == str(province)].reset_index(drop=True)
    return t.copy()


def compare_targets(
    estimates: pd.DataFrame,
    targets: pd.DataFrame | None = None,
    *,
    area_col: str = "kab_code",
    default_area: str | None = None,
    directions: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Status of the latest estimate of each indicator and area against its target, as the data allow.

    Rule (per indicator x area; ``t`` = latest estimate year):

    1. **Unreliable estimate** (``reliability`` "unreliable" or "suppressed", or no estimate):
       *belum dapat disimpulkan*, whatever the CI says.
    2. **A target for year t** (a row of that year, an interim target included, or a linear
       interpolation between the target years around ``t`` when a row of the pair says
       ``interpolate`` = 1/ya/yes/true): **achieved** when the whole 95% CI lies on the good side
       (``ci_high <= target`` for lower-is-better indicators), **not_achieved** (deadline: ``t`` is
       the last target year) or **off_track** (*belum sesuai target*: an interim year) when the
       whole CI lies on the wrong side, **inconclusive** when the CI contains the target.
       A target of 0 uses :data:`ZERO_TARGET_TOLERANCE` as the line.
    3. **Only a later target** (year ``T > t``): the annual change needed is
       ``(target - estimate) / (T - t)``; the recent change is the annualised change since the
       previous estimate year with SE ``sqrt(se_a^2 + se_b^2)`` (independent samples).
       **on_track** (*sesuai jalur*) only when that change is distinguishable from zero (5%),
       in the good direction and at least as fast as needed; **off_track** when even the
       favourable end of its 95% CI is slower than needed; otherwise **inconclusive**. Without
       an earlier estimate: **insufficient_data**.

    Parameters
    ----------
    estimates : pandas.DataFrame
        Tidy estimates with ``indicator``, ``year``, ``estimate``, ``ci_low``, ``ci_high`` and
        optionally ``se``, ``reliability`` and ``area_col`` (rows without it are the province,
        ``default_area``).
    targets : pandas.DataFrame, optional
        Same columns as :func:`target_table` (default: that table), optionally ``interpolate``.
    area_col : str
        Area column shared by estimates and targets.
    default_area : str, optional
        Area code used when ``estimates`` has no ``area_col`` (default the province code,
        :func:`tkpk_lib.data.region.province_code`).
    directions : mapping, optional
        ``indicator -> "lower_better" | "higher_better"``; default from the catalogue.

    Returns
    -------
    pandas.DataFrame
        One row per indicator x area having a target: ``indicator, <area_col>, year,
        estimate, ci_low, ci_high, target_year, target`` (the target the status compares with),
        ``target_basis`` ("tahun laporan", "interpolasi", "target akhir"), ``final_target_year,
        final_target, gap`` (estimate - target), ``years_left, annual_change_needed,
        recent_annual_change, change_significant, status, status_id`` (Indonesian),
        ``reason_id`` (why, in Indonesian), ``target_status`` (official/illustrative/own) and
        ``target_source``.

    Examples
    --------
    >>> import pandas as pd
    >>> est = pd.DataFrame({"indicator": ["p0", "p0"], "year": [2023, 2024],
    ...     "estimate": [0.145, 0.1256], "se": [0.002, 0.002], "ci_low": [0.141, 0.1217],
    ...     "ci_high": [0.149, 0.1295]})
    >>> tg = pd.DataFrame({"indicator": ["p0"], "kab_code": ["17"], "year": [2026],
    ...     "target": [0.115], "status": ["illustrative"], "source": ["test"]})
    >>> r = compare_targets(est, tg)
    >>> r[["status", "status_id"]].values.tolist()
    [['on_track', 'sesuai jalur']]
    >>> round(float(r["annual_change_needed"].iloc[0]), 4)
    -0.0053
    """
    tg = target_table() if targets is None else targets.copy()
    _need(estimates, ["indicator", "year", "estimate", "ci_low", "ci_high"], "estimates")
    _need(tg, ["indicator", area_col, "year", "target"], "targets")
    est = estimates.copy()
    if area_col not in est.columns:
        if default_area is None:
            from tkpk_lib.data.region import province_code

            default_area = province_code()
        est[area_col] = default_area
    est[area_col] = est[area_col].astype(str)
    tg[area_col] = tg[area_col].astype(str)
    dirs = dict(_directions()) if directions is None else dict(directions)
    # only (indicator, area) pairs with a target row are compared: drop the others first
    pairs = set(zip(tg["indicator"], tg[area_col], strict=True))
    est = est[[k in pairs for k in zip(est["indicator"], est[area_col], strict=True)]]
    rows = []
    for (code, area), g in est.groupby(["indicator", area_col], sort=True):
        t_rows = tg[(tg["indicator"] == code) & (tg[area_col] == area)]
        if t_rows.empty:
            continue
        if code not in dirs:
            raise TkpkError(
                f"Indicator '{code}' has no direction (not in the catalogue); pass directions="
            )
        rows.append(_target_row(g, t_rows, dirs[code] == "lower_better", code, area, area_col))
    cols = ["indicator", area_col, "year", "estimate", "ci_low", "ci_high", "target_year", "target",
            "target_basis", "final_target_year", "final_target", "gap", "years_left",
            "annual_change_needed", "recent_annual_change", "change_significant", "status", "status_id",
            "reason_id", "target_status", "target_source"]
    return pd.DataFrame(rows, columns=cols)


_YES = {"1", "1.0", "ya", "y", "yes", "true", "benar"}


def _target_of_year(t_rows: pd.DataFrame, t: int) -> tuple[pd.Series | None, float, str]:
    """The target row that applies to year ``t``, its value and basis (or None when only later ones)."""
    t_rows = t_rows.sort_values("year")
    same = t_rows[t_rows["year"] == t]
    if not same.empty:
        return same.iloc[0], float(same["target"].iloc[0]), "tahun laporan"
    before, after = t_rows[t_rows["year"] < t], t_rows[t_rows["year"] > t]
    if not before.empty and not after.empty and "interpolate" in t_rows.columns:
        a, b = before.iloc[-1], after.iloc[0]
        if {str(a["interpolate"]).strip().lower(), str(b["interpolate"]).strip().lower()} & _YES:
            w = (t - int(a["year"])) / (int(b["year"]) - int(a["year"]))
            return b, float(a["target"]) + w * (float(b["target"]) - float(a["target"])), "interpolasi"
    return None, np.nan, ""


def _target_row(
    g: pd.DataFrame, t_rows: pd.DataFrame, lower: bool, code: str, area: str, area_col: str
) -> dict[str, Any]:
    """The :func:`compare_targets` row of one indicator x area (its estimates and target rows)."""
    g = g.sort_values("year")
    if g["year"].duplicated().any():
        raise TkpkError(
            f"estimates have several rows for {code} / {area} in one year; filter them first"
        )
    last = g.iloc[-1]
    t = int(last["year"])
    e, lo, hi = float(last["estimate"]), float(last["ci_low"]), float(last["ci_high"])
    future = t_rows[t_rows["year"] >= t]
    final = (future if not future.empty else t_rows).sort_values("year").iloc[-1]
    big_t, final_target = int(final["year"]), float(final["target"])
    row_t, target_t, basis = _target_of_year(t_rows, t)
    years_left = big_t - t
    needed = (final_target - e) / years_left if years_left > 0 else np.nan
    trend, trend_se = np.nan, np.nan
    if len(g) > 1:
        prev = g.iloc[-2]
        dt = t - int(prev["year"])
        trend = (e - float(prev["estimate"])) / dt
        if "se" in g.columns:
            trend_se = float(np.hypot(float(last["se"]), float(prev["se"]))) / dt
    sign = -1.0 if lower else 1.0
    significant = bool(np.isfinite(trend_se) and trend_se > 0 and abs(trend / trend_se) > Z95)
    unreliable = (not np.isfinite(e)) or str(last.get("reliability", "")) in ("unreliable", "suppressed")
    if row_t is not None:
        ref, compared, compared_year = row_t, target_t, t
    else:
        ref, compared, compared_year, basis = final, final_target, big_t, "target akhir"
    line = ZERO_TARGET_TOLERANCE if compared == 0 and lower else compared
    good_side = (hi <= line) if lower else (lo >= line)
    wrong_side = (lo > line) if lower else (hi < line)
    if unreliable:
        status, why = "inconclusive", "estimasi tidak andal (RSE atau jumlah kasus sampel)"
    elif row_t is not None or years_left <= 0:
        if good_side:
            status, why = "achieved", "seluruh SK 95% berada di sisi target"
        elif wrong_side:
            status = "not_achieved" if compared_year >= big_t else "off_track"
            why = "seluruh SK 95% berada di luar target"
        else:
            status, why = "inconclusive", "SK 95% memuat target"
    elif sign * needed <= 0:
        status, why = ("achieved", "seluruh SK 95% berada di sisi target akhir") if good_side else (
            "inconclusive", "SK 95% memuat target akhir")
    elif not np.isfinite(trend):
        status, why = "insufficient_data", "belum ada estimasi tahun sebelumnya untuk menilai laju"
    elif significant and sign * trend >= sign * needed:
        status, why = "on_track", "perubahan tahunan nyata dan cukup cepat"
    elif np.isfinite(trend_se) and sign * trend + Z95 * trend_se < sign * needed:
        status, why = "off_track", "laju perubahan (batas SK 95% terbaik) lebih lambat dari yang diperlukan"
    else:
        status, why = "inconclusive", "perubahan tahunan belum dapat dibedakan dari nol atau dari laju yang diperlukan"
    if compared == 0 and lower and status in ("achieved", "not_achieved", "off_track", "inconclusive") \
            and not unreliable:
        tol = f"{100 * ZERO_TARGET_TOLERANCE:.1f}".replace(".", ",")
        why += f" (toleransi {tol} poin persen untuk target 0%)"
    return {
        "indicator": code, area_col: area, "year": t, "estimate": e, "ci_low": lo, "ci_high": hi,
        "target_year": compared_year, "target": compared, "target_basis": basis,
        "final_target_year": big_t, "final_target": final_target, "gap": e - compared,
        "years_left": years_left, "annual_change_needed": needed, "recent_annual_change": trend,
        "change_significant": significant, "status": status, "status_id": STATUS_WORDS_ID[status],
        "reason_id": why, "target_status": ref.get("status", None), "target_source": ref.get("source", None),
    }
