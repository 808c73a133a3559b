"""Mechanisms 3, 4 and 6 of guideline section 3.2 from the TKPK activity log.

* Reporting (3.2.6): the LP2KD of the fiscal year is due one month after the fiscal year ends for a
  kabupaten/kota (31 January) and two months after for the province (end of February);
  :func:`reporting_status` says, per unit, on time, late by how many days, or not submitted.
* Coordination: at least three coordination meetings a year (:data:`MIN_MEETINGS`);
  :func:`activity_counts` counts meetings, monitoring visits and socialisation events per unit.
* Socialisation and education (3.2.3): :func:`socialisation_reach` gives events and people
  reached by audience (the six audiences of 3.2.3.c) and medium.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import numpy as np
import pandas as pd

from tkpk_lib.data.region import province_code
from tkpk_lib.data.schemas import ACTIVITY_AUDIENCES

MIN_MEETINGS = 3
LP2KD = "LP2KD"


def _units(codes: Sequence[str] | None) -> list[str]:
    if codes is not None:
        return [str(c) for c in codes]
    from tkpk_lib.data.reference_data import regions

    return [province_code(), *sorted(regions("kabupaten")["code"].astype(str))]


def lp2kd_due(unit_code: str, year: int) -> date:
    """Due date of the LP2KD of fiscal ``year`` (guideline 3.2.6).

    Examples
    --------
    >>> lp2kd_due("1701", 2024), lp2kd_due("17", 2024)
    (datetime.date(2025, 1, 31), datetime.date(2025, 2, 28))
    """
    if str(unit_code) == province_code():
        return (pd.Timestamp(year + 1, 3, 1) - pd.Timedelta(days=1)).date()
    return date(year + 1, 1, 31)


def reporting_status(activities: pd.DataFrame, year: int, *, codes: Sequence[str] | None = None,
                     today: date | None = None) -> pd.DataFrame:
    """LP2KD of fiscal ``year`` per unit: due date by the guideline, submitted date, status.

    A ``laporan`` row counts when its ``report`` names the LP2KD (case-insensitive) and the
    year (or names no year). Status: "tepat waktu", "terlambat <n> hari", "belum disampaikan"
    (no submitted date; "belum jatuh tempo" before the due date when ``today`` is given).

    Examples
    --------
    >>> log = pd.DataFrame({"kind": "laporan", "unit_code": ["1701", "1702"],
    ...     "report": "LP2KD 2024", "date": pd.to_datetime(["2025-01-20", "2025-02-14"])})
    >>> reporting_status(log, 2024, codes=["1701", "1702", "1703"])["status"].tolist()
    ['tepat waktu', 'terlambat 14 hari', 'belum disampaikan']
    """
    units = _units(codes)
    rep = activities[activities["kind"] == "laporan"].copy()
    name = rep["report"].astype("string").str.upper()
    years_named = name.str.extract(r"(20\d{2})", expand=False)
    rep = rep[name.str.contains(LP2KD, regex=False).fillna(False)
              & (years_named.isna() | (years_named == str(year))).fillna(False)]
    submitted = pd.to_datetime(rep["date"], errors="coerce").groupby(rep["unit_code"].astype(str)).min()
    rows = []
    for u in units:
        due = lp2kd_due(u, year)
        sub = submitted.get(u, pd.NaT)
        if pd.isna(sub):
            status = "belum jatuh tempo" if today is not None and today <= due else "belum disampaikan"
            late = np.nan
        else:
            late = (sub.date() - due).days
            status = "tepat waktu" if late <= 0 else f"terlambat {late} hari"
        rows.append({"unit_code": u, "report": f"{LP2KD} {year}", "due_date": pd.Timestamp(due),
                     "submitted_date": sub, "days_late": late, "status": status})
    return pd.DataFrame(rows)


def activity_counts(activities: pd.DataFrame, year: int, *, codes: Sequence[str] | None = None) -> pd.DataFrame:
    """Coordination meetings, monitoring visits and socialisation events per unit in ``year``.

    ``meetings_ok`` is "memenuhi" with at least :data:`MIN_MEETINGS` meetings, else
    "kurang dari 3 rapat".

    Examples
    --------
    >>> log = pd.DataFrame({"kind": ["rapat_koordinasi"] * 3 + ["monitoring", "rapat_koordinasi"],
    ...     "unit_code": ["1701"] * 4 + ["1702"], "date": pd.to_datetime(["2024-02-01"] * 5)})
    >>> activity_counts(log, 2024, codes=["1701", "1702"])[["meetings", "meetings_ok"]].values.tolist()
    [[3, 'memenuhi'], [1, 'kurang dari 3 rapat']]
    """
    units = _units(codes)
    d = pd.to_datetime(activities["date"], errors="coerce")
    cur = activities[(d.dt.year == int(year)).fillna(False).to_numpy()]
    counts = pd.crosstab(cur["unit_code"].astype(str), cur["kind"]) if len(cur) else pd.DataFrame()
    out = pd.DataFrame({"unit_code": units})
    for kind, col in (("rapat_koordinasi", "meetings"), ("monitoring", "monitoring_visits"),
                      ("sosialisasi", "socialisation_events")):
        src = counts[kind] if kind in counts.columns else pd.Series(dtype=float)
        out[col] = out["unit_code"].map(src).fillna(0).astype(int)
    reached = cur[cur["kind"] == "sosialisasi"].groupby(cur["unit_code"].astype(str))["reached"].sum() \
        if "reached" in cur.columns else pd.Series(dtype=float)
    out["people_reached"] = out["unit_code"].map(reached).fillna(0).astype(int)
    out["meetings_ok"] = np.where(out["meetings"] >= MIN_MEETINGS, "memenuhi", f"kurang dari {MIN_MEETINGS} rapat")
    return out


def socialisation_reach(activities: pd.DataFrame, year: int, *, by: str = "audience") -> pd.DataFrame:
    """Socialisation events and people reached in ``year`` by audience (all six shown) or medium.

    Examples
    --------
    >>> log = pd.DataFrame({"kind": "sosialisasi", "unit_code": "1701", "audience": ["penduduk miskin"] * 2,
    ...     "medium": "tatap muka", "reached": [40, 60], "date": pd.to_datetime(["2024-03-01"] * 2)})
    >>> r = socialisation_reach(log, 2024).set_index("audience")
    >>> int(r.loc["penduduk miskin", "people_reached"]), int(r.loc["masyarakat umum", "events"])
    (100, 0)
    """
    d = pd.to_datetime(activities["date"], errors="coerce")
    s = activities[((activities["kind"] == "sosialisasi") & (d.dt.year == int(year))).fillna(False).to_numpy()]
    g = s.groupby(s[by].astype(str)).agg(events=("kind", "size"), people_reached=("reached", "sum"),
                                        units=("unit_code", "nunique"))
    keys = list(ACTIVITY_AUDIENCES) if by == "audience" else sorted(g.index)
    out = g.reindex(keys).fillna(0).astype(int).rename_axis(by).reset_index()
    return out


def mechanism_tables(activities: pd.DataFrame, year: int, *, codes: Sequence[str] | None = None) -> dict[str, pd.DataFrame]:
    """The ``mechanisms`` section: reporting, counts, reach by audience and by medium, stacked.

    Returns
    -------
    dict
        ``{"mechanisms": frame}`` with a ``table`` column (``reporting``, ``counts``, ``audience``,
        ``medium``).

    Examples
    --------
    >>> log = pd.DataFrame({"kind": ["laporan"], "unit_code": ["1701"], "report": ["LP2KD 2024"],
    ...     "date": pd.to_datetime(["2025-01-20"]), "audience": [None], "medium": [None], "reached": [None]})
    >>> sorted(set(mechanism_tables(log, 2024, codes=["1701"])["mechanisms"]["table"]))
    ['audience', 'counts', 'reporting']
    """
    parts = {"reporting": reporting_status(activities, year, codes=codes),
             "counts": activity_counts(activities, year, codes=codes)}
    if "audience" in activities.columns:
        parts["audience"] = socialisation_reach(activities, year, by="audience")
    if "medium" in activities.columns:
        parts["medium"] = socialisation_reach(activities, year, by="medium")
    out = pd.concat([p.assign(table=k) for k, p in parts.items() if len(p)], ignore_index=True)
    for c in ("due_date", "submitted_date"):
        if c in out.columns:
            out[c] = out[c].astype("string")
    return {"mechanisms": out}
