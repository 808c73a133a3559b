"""Following up last year's plan (rencana tindak lanjut): which recommendations are done, in progress, not done.

Guideline 3.2.4 (a, h): monitoring and evaluation find the problems that hold the programmes back
so that they are resolved, and its results are the material the regional government discusses to
improve policies. The secretariat agrees a recommendation, a responsible OPD and a deadline for each
problem of the report's draft (:mod:`tkpk_lib.analysis.problems`) and reports the status a year on;
:func:`follow_up` reads that plan for the next report: each agreed recommendation with its status,
"lewat tenggat" when its deadline passed before the report's reference date (31 December of the
report year, the end of the fiscal year the LP2KD reports on) and it is not done, and counts by
status per unit, naming the units that sent no plan.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import pandas as pd

from tkpk_lib.data.region import province_code
from tkpk_lib.data.schemas import ACTION_STATUSES

__all__ = ["DONE", "NO_STATUS", "OVERDUE", "follow_up", "reference_date"]

DONE = ACTION_STATUSES[0]
#: Shown for an agreed recommendation whose status the secretariat has not filled.
NO_STATUS = "status belum diisi"
#: Mark of a recommendation not done after its deadline.
OVERDUE = "lewat tenggat"
ITEM_COLUMNS = ["kab_code", "plan_year", "item", "kind", "problem", "recommendation", "opd", "deadline", "status",
                "note", "overdue", "file"]
COUNT_COLUMNS = ["kab_code", "has_plan", "files", "items", "selesai", "dalam_proses", "belum_dilaksanakan",
                 "belum_diisi", "n_overdue"]


def reference_date(year: int) -> date:
    """The date a report of ``year`` follows the plan up to: 31 December of ``year``.

    Examples
    --------
    >>> reference_date(2024)
    datetime.date(2024, 12, 31)
    """
    return date(int(year), 12, 31)


def _units(codes: Sequence[str] | None) -> list[str]:
    if codes is not None:
        return [str(c) for c in codes]
    from tkpk_lib.data import reference_data

    return [province_code(), *sorted(str(c) for c in reference_data.KAB_CODES)]


def _items(plan: pd.DataFrame, ref: date) -> pd.DataFrame:
    """The agreed recommendations (rows with one) with their status and the overdue mark."""
    rec = plan["recommendation"].astype("string").str.strip()
    t = plan[(rec.notna() & (rec != "")).to_numpy(dtype=bool)]
    status = t["status"].astype("string").fillna(NO_STATUS)
    deadline = pd.to_datetime(t["deadline"], errors="coerce")
    overdue = (deadline < pd.Timestamp(ref)).to_numpy(dtype=bool) & (status != DONE).to_numpy(dtype=bool)
    out = pd.DataFrame({
        "kab_code": t["unit_code"].astype(str), "plan_year": t["plan_year"].astype(int),
        "item": t["item"].astype(int),
        "kind": t["kind"].astype("string") if "kind" in t.columns else pd.NA,
        "problem": t["problem"].astype(str), "recommendation": t["recommendation"].astype(str).str.strip(),
        "opd": t["opd"].astype(str).str.strip(), "deadline": deadline.dt.strftime("%Y-%m-%d"),
        "status": status.astype(str),
        "note": t["note"].astype("string") if "note" in t.columns else pd.NA,
        "overdue": overdue, "file": t["file"].astype(str) if "file" in t.columns else "",
    })
    return out.reset_index(drop=True)[ITEM_COLUMNS]


def follow_up(plan: pd.DataFrame | None, year: int, *, codes: Sequence[str] | None = None,
              reference: date | None = None) -> pd.DataFrame:
    """The follow-up of the plan of ``year - 1`` for the report of ``year``.

    Parameters
    ----------
    plan : DataFrame or None
        Canonical ``action_plan`` rows of the plan year
        (:func:`tkpk_lib.data.readers.action_plan.load_action_plans`); None: no plan was sent.
    year : int
        Report year.
    codes : sequence of str, optional
        Units to count (default the province and its kabupaten/kota).
    reference : date, optional
        Date deadlines are compared with (default :func:`reference_date` of ``year``).

    Returns
    -------
    pandas.DataFrame
        Stacked, column ``table``: ``items`` (one agreed recommendation per row: ``kab_code,
        plan_year, item, kind, problem, recommendation, opd, deadline, status, note, overdue,
        file``) and ``counts`` (per unit: ``has_plan``, ``files``, ``items`` and the number per
        status, ``belum_diisi`` without status, ``n_overdue`` past their deadline).

    Examples
    --------
    >>> plan = pd.DataFrame({"unit_code": ["1701", "1701", "1701"], "plan_year": 2023, "item": [1, 2, 3],
    ...     "problem": ["a", "b", "c"], "recommendation": ["r1", "r2", None],
    ...     "opd": ["Dinas Sosial", "Bappeda", None],
    ...     "deadline": pd.to_datetime(["2024-06-30", "2025-03-31", None]),
    ...     "status": ["belum dilaksanakan", "dalam proses", None], "file": "x.xlsx"})
    >>> t = follow_up(plan, 2024, codes=["17", "1701"])
    >>> t[t["table"] == "items"].astype({"item": int, "overdue": bool})[["item", "status", "overdue"]].values.tolist()
    [[1, 'belum dilaksanakan', True], [2, 'dalam proses', False]]
    >>> c = t[t["table"] == "counts"].set_index("kab_code")
    >>> [int(c.loc["1701", k]) for k in ("has_plan", "items", "belum_dilaksanakan", "n_overdue")]
    [1, 2, 1, 1]
    >>> bool(c.loc["17", "has_plan"])
    False
    """
    ref = reference or reference_date(year)
    plan = plan if plan is not None else pd.DataFrame(columns=["unit_code", "plan_year", "item", "problem",
                                                               "recommendation", "opd", "deadline", "status"])
    items = _items(plan, ref) if len(plan) else pd.DataFrame(columns=ITEM_COLUMNS)
    sent = plan["unit_code"].astype(str)
    rows = []
    for u in _units(codes):
        it = items[items["kab_code"] == u]
        st = it["status"]
        rows.append({"kab_code": u, "has_plan": bool((sent == u).any()),
                     "files": ", ".join(sorted(set(plan.loc[(sent == u).to_numpy(), "file"].astype(str))))
                     if "file" in plan.columns else "",
                     "items": len(it), "selesai": int((st == "selesai").sum()),
                     "dalam_proses": int((st == "dalam proses").sum()),
                     "belum_dilaksanakan": int((st == "belum dilaksanakan").sum()),
                     "belum_diisi": int((st == NO_STATUS).sum()), "n_overdue": int(it["overdue"].astype(bool).sum())})
    counts = pd.DataFrame(rows, columns=COUNT_COLUMNS)
    parts = [f.assign(table=name) for name, f in (("items", items), ("counts", counts)) if len(f)]
    out = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=["table"])
    out["kab_code"] = out["kab_code"].astype(str)
    return out[["table", *[c for c in out.columns if c != "table"]]]
