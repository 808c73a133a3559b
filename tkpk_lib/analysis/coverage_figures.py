"""Figures of programme coverage: the UpSet-style figure of programme combinations."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from tkpk_lib.data.schemas import PROGRAMMES
from tkpk_lib.errors import TkpkError


def upset_figure(
    combos: pd.DataFrame,
    *,
    indicator: str = "number",
    max_combinations: int = 15,
    programmes: Sequence[str] | None = None,
    title: str | None = None,
    ylabel: str | None = None,
    figsize: tuple[float, float] = (9.0, 5.5),
):
    """UpSet-style figure of programme combinations (bars with CI + dot matrix).

    Drawn with matplotlib only: the ``upsetplot`` package (0.9) fails under pandas 3
    (copy-on-write) and is not needed for this layout.

    Parameters
    ----------
    combos : pandas.DataFrame
        Output of :func:`programme_combinations` for one domain (no ``by`` columns, or
        filtered to one group).
    indicator : {"number", "share"}, default "number"
        Which rows to plot.
    max_combinations : int, default 15
        Plot the largest combinations only.
    programmes : sequence of str, optional
        Row order of the dot matrix; default the programmes seen in the combinations.
    title, ylabel : str, optional
        Figure title and y-axis label (Indonesian defaults).
    figsize : tuple, default (9, 5.5)
        Figure size in inches.

    Returns
    -------
    matplotlib.figure.Figure
        Top: bars of the estimated size of each combination with 95% CI whiskers,
        reliability marked by hatching (caution) or a lighter colour (unreliable). Bottom:
        filled dots for the programmes in each combination, joined by a line.

    Examples
    --------
    >>> c = pd.DataFrame({"combination": ["none", "pkh+pbi"], "indicator": "number",
    ...     "estimate": [20.0, 10.0], "ci_low": [15.0, 5.0], "ci_high": [25.0, 15.0],
    ...     "reliability": ["reliable", "caution"]})
    >>> fig = upset_figure(c)
    >>> len(fig.axes)
    2
    """
    from matplotlib.figure import Figure

    from tkpk_lib.reporting.maps import FIXED_LAYOUT

    d, members, order = _upset_rows(combos, indicator, max_combinations, programmes)
    # object API (no pyplot import or figure manager) and a layout fixed in inches, so the
    # figure is drawn once when saved (no tight_layout or bbox_inches="tight" pass)
    fig = Figure(figsize=figsize)
    w, h = figsize
    # left margin (inches): y tick labels + y label of the bars, programme names of the matrix
    span = d[[c for c in ("estimate", "ci_low", "ci_high") if c in d.columns]].to_numpy(dtype=float)
    ends = (np.nanmin(span), np.nanmax(span)) if np.isfinite(span).any() else (0.0, 0.0)
    digits = max(len(f"{v:.0f}") for v in ends) if indicator == "number" else 4  # "-100", "25000"
    left = max(0.55 + 0.09 * max(digits, 2), 0.2 + 0.1 * max((len(p) for p in order), default=0))
    gs = fig.add_gridspec(2, 1, height_ratios=[3, max(1.2, 0.35 * len(order))], hspace=0.05,
                          left=left / w, right=1 - 0.15 / w, bottom=0.55 / h, top=1 - 0.4 / h)
    ax = fig.add_subplot(gs[0])
    axm = fig.add_subplot(gs[1], sharex=ax)
    ax.tick_params(axis="x", labelbottom=False)
    setattr(fig, FIXED_LAYOUT, True)  # report.show saves it as laid out
    x = np.arange(len(d))
    _upset_bars(ax, d, x, indicator, title, ylabel)
    _upset_matrix(axm, x, members, order)
    note = "Garis: selang kepercayaan 95%. Arsir: RSE 25-50% (hati-hati); abu-abu: RSE > 50% (tidak andal)."
    fig.text(0.01, 0.005, note, fontsize=7, ha="left", va="bottom")
    return fig


def _upset_rows(
    combos: pd.DataFrame,
    indicator: str,
    max_combinations: int,
    programmes: Sequence[str] | None,
) -> tuple[pd.DataFrame, list[list[str]], list[str]]:
    """Rows to plot (largest first), the programmes of each, and the row order of the matrix."""
    d = combos[combos["indicator"] == indicator] if "indicator" in combos.columns else combos
    if d["combination"].duplicated().any():
        raise TkpkError(
            "upset_figure: one row per combination expected; filter combos to one domain first"
        )
    d = (
        d.sort_values("estimate", ascending=False, kind="stable")
        .head(max_combinations)
        .reset_index(drop=True)
    )
    members = [[] if c == "none" else c.split("+") for c in d["combination"]]
    if programmes is None:
        seen: list[str] = []
        for ms in members:
            for p in ms:
                if p not in seen:
                    seen.append(p)
        order = [p for p in PROGRAMMES if p in seen] + [p for p in seen if p not in PROGRAMMES]
    else:
        order = list(programmes)
    return d, members, order


def _upset_bars(
    ax: Any, d: pd.DataFrame, x: np.ndarray, indicator: str, title: str | None, ylabel: str | None
) -> None:
    """Top panel: bars with CI whiskers, caution hatched and unreliable grey."""
    est = d["estimate"].to_numpy(dtype=float)
    rel = (
        d["reliability"].astype(str).to_numpy()
        if "reliability" in d.columns
        else np.full(len(d), "reliable")
    )
    colors = np.where(rel == "unreliable", "#b0b0b0", "#2b6a99")
    bars = ax.bar(x, est, color=colors, width=0.7)
    for b, r in zip(bars, rel, strict=True):
        if r == "caution":
            b.set_hatch("//")
    if {"ci_low", "ci_high"} <= set(d.columns):
        lo = np.clip(est - d["ci_low"].to_numpy(dtype=float), 0, None)
        hi = np.clip(d["ci_high"].to_numpy(dtype=float) - est, 0, None)
        ax.errorbar(x, est, yerr=[lo, hi], fmt="none", ecolor="black", elinewidth=1, capsize=3)
    unit = str(d["unit"].iloc[0]) if "unit" in d.columns and len(d) else "households"
    default_y = ("Perkiraan jumlah " + ("jiwa" if unit == "persons" else "rumah tangga")
                 if indicator == "number" else "Proporsi")
    ax.set_ylabel(ylabel or default_y)
    ax.set_title(title or "Kombinasi program yang diterima")
    ax.spines[["top", "right"]].set_visible(False)


def _upset_matrix(axm: Any, x: np.ndarray, members: list[list[str]], order: list[str]) -> None:
    """Bottom panel: the dot matrix of the programmes in each combination."""
    # dot matrix: all cells grey, members black, joined by a line (three artists in all)
    gx, gy = np.meshgrid(x, np.arange(len(order)), indexing="ij")
    axm.scatter(gx.ravel(), gy.ravel(), color="#dddddd", s=40, zorder=1)
    cells = [(i, order.index(p)) for i, ms in enumerate(members) for p in ms if p in order]
    if cells:
        mx, my = np.asarray(cells, dtype=float).T
        axm.scatter(mx, my, color="#222222", s=40, zorder=2)
        spans = [(i, min(ys), max(ys)) for i, ys in
                 ((i, [order.index(p) for p in ms if p in order]) for i, ms in enumerate(members))
                 if len(ys) > 1]
        if spans:
            sx, s0, s1 = np.asarray(spans, dtype=float).T
            axm.vlines(sx, s0, s1, color="#222222", lw=2, zorder=1)
    axm.set_yticks(np.arange(len(order)), [p.upper() for p in order])
    axm.set_ylim(len(order) - 0.5, -0.5)
    axm.set_xticks(x, ["tanpa\nprogram" if not ms else "" for ms in members], fontsize=7)
    axm.tick_params(axis="x", length=0)
    for s in axm.spines.values():
        s.set_visible(False)
