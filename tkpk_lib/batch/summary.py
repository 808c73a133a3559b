"""The plain-text summary table of a run, printed by ``tkpk run`` and ``str(RunResult)``."""

from __future__ import annotations

import pandas as pd

#: Columns of a run's summary table (one row per job).
SUMMARY_COLUMNS = ["kab_code", "notebook", "status", "seconds", "error"]


def format_summary(summary: pd.DataFrame) -> str:
    """Plain-text summary table of a run (kab, notebook, status, seconds, error).

    Parameters
    ----------
    summary : pandas.DataFrame
        ``RunResult.summary``.

    Returns
    -------
    str
        Fixed-width table followed by a count line: how many jobs are ok, partial (report
        with sections marked incomplete) and failed (failed or blocked).

    Examples
    --------
    >>> s = pd.DataFrame({"kab_code": ["1701", "17"], "notebook": ["a", "a"],
    ...                   "status": ["ok", "partial"], "seconds": [1.25, 2.0], "error": ["", "x"]})
    >>> print(format_summary(s).splitlines()[-1])
    2 job(s): 1 ok, 1 partial, 0 failed
    """
    table = summary[SUMMARY_COLUMNS].copy()
    table["seconds"] = table["seconds"].map(lambda s: f"{s:.1f}")
    table["error"] = table["error"].fillna("").map(lambda e: e if len(e) <= 90 else e[:87] + "...")
    n_ok = int((summary["status"] == "ok").sum())
    n_partial = int((summary["status"] == "partial").sum())
    return (
        table.to_string(index=False)
        + f"\n{len(summary)} job(s): {n_ok} ok, {n_partial} partial, "
        f"{len(summary) - n_ok - n_partial} failed"
    )
