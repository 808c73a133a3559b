"""Report figures (matplotlib for the printed reports, plotly for exploration) read from the section cache."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from tkpk_lib.data.region import province_code
from tkpk_lib.reporting.labels import _catalogue, _unit_of, unit_name
from tkpk_lib.reporting.reading import _index, load_section
from tkpk_lib.reporting.tables import combinations_for, quadrant_table


def _subplots(figsize: tuple[float, float], ncols: int = 1, *,
              margins: tuple[float, float, float, float] = (0.7, 0.12, 0.5, 0.12),
              wspace: float = 0.0) -> tuple[Any, Any]:
    """A matplotlib figure through the object API (no pyplot state: safe in kernels and threads).

    The layout is fixed in inches: ``margins`` = (left, right, bottom, top) around the axes and
    ``wspace`` between columns. The figure is marked so :func:`show` saves it without
    ``bbox_inches="tight"``: with ``tight_layout`` plus a tight crop every text was laid out
    three times, which cost more than drawing the chart.
    """
    from matplotlib.figure import Figure

    from tkpk_lib.reporting.map_style import FIXED_LAYOUT

    w, h = figsize
    left, right, bottom, top = margins
    fig = Figure(figsize=figsize)
    fig.subplots_adjust(left=left / w, right=1 - right / w, bottom=bottom / h, top=1 - top / h,
                        wspace=wspace * ncols / max(w - left - right - wspace * (ncols - 1), 1e-6))
    axes = fig.subplots(1, ncols)
    setattr(fig, FIXED_LAYOUT, True)
    return fig, axes


def _y_room(ax: Any, tick_size: float, label_size: float) -> float:
    """Inches left of an axes for its y tick labels and y label (measured, not guessed).

    The tick labels are what the axis' own locator and formatter give for the current limits.
    """
    lo, hi = sorted(ax.get_ylim())
    eps = 1e-9 * (hi - lo)
    locs = [v for v in ax.yaxis.get_major_locator()() if lo - eps <= v <= hi + eps]
    labels = ax.yaxis.get_major_formatter().format_ticks(locs)
    ylabel = 1.3 * label_size / 72.0 if ax.get_ylabel() else 0.0
    return _text_width(labels, tick_size) + 0.12 + ylabel + 0.08


def _text_width(texts: Sequence[str], fontsize: float) -> float:
    """Width in inches of the widest of ``texts`` in the default font (for fixed margins)."""
    from matplotlib.backends.backend_agg import RendererAgg
    from matplotlib.font_manager import FontProperties

    if not texts:
        return 0.0
    r = RendererAgg(1, 1, 72)
    fp = FontProperties(size=fontsize)
    return max(r.get_text_width_height_descent(str(t), fp, False)[0] for t in texts) / 72.0


def trend_figure(cache: str | Path, kab_code: str, indicator: str = "p0", *, min_sample: int = 0) -> Any:
    """Matplotlib chart of an indicator over the years with 95% CI bands, unit vs province.

    Years whose estimate is based on fewer than ``min_sample`` sample units are not drawn.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> fig = trend_figure("derived/2024", "1701")  # doctest: +SKIP
    """
    ind = load_section(cache, "indicators", min_sample=min_sample)
    ind = ind[ind["indicator"] == indicator]
    mult = 100 if _unit_of(indicator, _catalogue()) == "fraction" else 1
    fig, ax = _subplots((7, 3.4), margins=(0.75, 0.15, 0.4, 0.12))
    codes = [province_code()] if str(kab_code) == province_code() else [str(kab_code), province_code()]
    for code, color in zip(codes, ("#c0392b", "#2c3e50"), strict=False):
        s = ind[ind["kab_code"] == code].sort_values("year")
        ax.plot(s["year"], s["estimate"] * mult, marker="o", color=color, label=unit_name(code))
        ax.fill_between(s["year"], s["ci_low"] * mult, s["ci_high"] * mult, color=color, alpha=0.15)
    ax.set_xticks(sorted(ind["year"].unique()))
    ax.set_ylabel(("%" if mult == 100 else "") + " " + str(_catalogue().loc[indicator, "name_id"])[:40])
    ax.legend(frameon=False)
    ax.grid(alpha=0.3)
    fig.subplots_adjust(left=_y_room(ax, 10, 10) / 7)
    return fig


def trend_plotly(cache: str | Path, kab_code: str, indicator: str = "p0", *, min_sample: int = 0) -> Any:
    """Interactive plotly version of :func:`trend_figure` (for the HTML report), same small-cell rule.

    Examples
    --------
    >>> trend_plotly("derived/2024", "1701")  # doctest: +SKIP
    """
    import plotly.graph_objects as go

    ind = load_section(cache, "indicators", min_sample=min_sample)
    ind = ind[ind["indicator"] == indicator]
    mult = 100 if _unit_of(indicator, _catalogue()) == "fraction" else 1
    fig = go.Figure()
    codes = [province_code()] if str(kab_code) == province_code() else [str(kab_code), province_code()]
    for code in codes:
        s = ind[ind["kab_code"] == code].sort_values("year")
        fig.add_trace(go.Scatter(
            x=s["year"], y=s["estimate"] * mult, name=unit_name(code), mode="lines+markers",
            error_y={"type": "data", "symmetric": False, "array": (s["ci_high"] - s["estimate"]) * mult,
                     "arrayminus": (s["estimate"] - s["ci_low"]) * mult}))
    fig.update_layout(height=360, margin={"l": 40, "r": 10, "t": 30, "b": 30},
                      yaxis_title=str(_catalogue().loc[indicator, "name_id"]), xaxis={"dtick": 1})
    return fig


def comparison_figure(cache: str | Path, year: int, indicator: str = "p0", highlight: str | None = None, *,
                      min_sample: int = 0) -> Any:
    """Horizontal bars with 95% CI of one indicator for all kabupaten/kota, province as a line.

    A unit whose estimate is based on fewer than ``min_sample`` sample units gets no bar.

    Examples
    --------
    >>> comparison_figure("derived/2024", 2024, "p0", highlight="1701")  # doctest: +SKIP
    """
    ind = load_section(cache, "indicators", min_sample=min_sample)
    cur = ind[(ind["year"] == int(year)) & (ind["indicator"] == indicator)]
    mult = 100 if _unit_of(indicator, _catalogue()) == "fraction" else 1
    kabs = cur[cur["kab_code"] != province_code()].sort_values("estimate", kind="stable")
    prov = cur[cur["kab_code"] == province_code()]
    names = [unit_name(c) for c in kabs["kab_code"]]
    fig, ax = _subplots((7, 3.8), margins=(_text_width(names, 10) + 0.2, 0.2, 0.55, 0.12))
    colors = ["#c0392b" if c == str(highlight) else "#7f8c8d" for c in kabs["kab_code"]]
    y = np.arange(len(kabs))
    ax.barh(y, kabs["estimate"] * mult, color=colors,
            xerr=[(kabs["estimate"] - kabs["ci_low"]) * mult, (kabs["ci_high"] - kabs["estimate"]) * mult],
            error_kw={"elinewidth": 1, "capsize": 2})
    ax.set_yticks(y, names)
    if len(prov):
        ax.axvline(float(prov["estimate"].iloc[0]) * mult, color="#2c3e50", ls="--", label="Provinsi")
        ax.legend(frameon=False, loc="lower right")
    ax.set_xlabel(str(_catalogue().loc[indicator, "name_id"]) + (" (%)" if mult == 100 else ""))
    ax.grid(axis="x", alpha=0.3)
    return fig


def quadrant_figure(cache: str | Path, year: int, highlight: str | None = None,
                    pairs: Sequence[tuple[str, str]] = (("p0_change", "p0"), ("tpt", "p0"), ("gini", "p0")),
                    *, min_sample: int = 0) -> Any:
    """Quadrant charts of the kabupaten/kota: P0 against its change, TPT and Gini.

    Each panel is split at the province values (and at zero change), so a kabupaten in the
    upper-right panel of "P0 vs change" is both poorer than the province and getting worse.

    Parameters
    ----------
    cache : path
        Prepared cache.
    year : int
        Report year.
    highlight : str, optional
        Kabupaten/kota drawn in red.
    pairs : sequence of (x, y)
        Columns of :func:`quadrant_table`: ``p0``, ``p0_change``, ``tpt``, ``gini``.
    min_sample : int
        Small-cell rule: a unit whose value is suppressed is not drawn in that panel.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> quadrant_figure("derived/2024", 2024, highlight="1701")  # doctest: +SKIP
    """
    from matplotlib.transforms import offset_copy

    qt = quadrant_table(cache, year, min_sample=min_sample)
    labels = {"p0": "P0 (%)", "p0_change": "Perubahan P0 (poin persen)", "tpt": "TPT (%)", "gini": "Rasio Gini"}
    mult = {"p0": 100, "p0_change": 100, "tpt": 100, "gini": 1}
    kabs = qt[qt["kab_code"] != province_code()]
    prov = qt[qt["kab_code"] == province_code()]
    # left margin and gaps are set from the measured y tick labels at the end
    fig, axes = _subplots((10, 3.6), ncols=len(pairs), margins=(0.5, 0.3, 0.42, 0.1), wspace=0.55)
    axes = np.atleast_1d(axes)
    names = kabs["name"].astype(str).str.replace("Kabupaten ", "", regex=False).to_numpy()
    colour = np.where(kabs["kab_code"].astype(str).to_numpy() == str(highlight), "#c0392b", "#34495e")
    for ax, (x, y) in zip(axes, pairs, strict=True):
        xv = pd.to_numeric(kabs[x], errors="coerce").to_numpy(dtype=float) * mult.get(x, 1)
        yv = pd.to_numeric(kabs[y], errors="coerce").to_numpy(dtype=float) * mult.get(y, 1)
        ok = np.isfinite(xv) & np.isfinite(yv)
        ax.scatter(xv[ok], yv[ok], c=list(colour[ok]), s=22)  # one collection, one point per unit
        xe, ye = (pd.to_numeric(kabs[c + "_se"], errors="coerce").to_numpy(dtype=float) * mult.get(c, 1) * 1.96
                  for c in (x, y))
        ax.errorbar(xv[ok], yv[ok], xerr=np.nan_to_num(xe[ok]), yerr=np.nan_to_num(ye[ok]), fmt="none",
                    ecolor="#bbbbbb", elinewidth=0.6, zorder=0)  # 95% intervals of both axes
        if x == "p0_change":
            ax.axvline(0, color="#999", ls=":", lw=0.8)
        elif len(prov) and pd.notna(prov[x].iloc[0]):
            ax.axvline(float(prov[x].iloc[0]) * mult.get(x, 1), color="#2c3e50", ls="--", lw=0.8)
        if len(prov) and pd.notna(prov[y].iloc[0]):
            ax.axhline(float(prov[y].iloc[0]) * mult.get(y, 1), color="#2c3e50", ls="--", lw=0.8)
        # names beside the points: right of them, left of them in the right third of the panel
        # (the figure is not cropped to its contents, so a name must stay inside the panel)
        x0, x1 = ax.get_xlim()
        right = offset_copy(ax.transData, fig=fig, x=2, y=2, units="points")
        left = offset_copy(ax.transData, fig=fig, x=-2, y=2, units="points")
        for xi, yi, nm, c in zip(xv[ok], yv[ok], names[ok], colour[ok], strict=True):
            flip = x1 > x0 and (xi - x0) / (x1 - x0) > 0.7
            ax.text(xi, yi, nm, fontsize=7, color=c, ha="right" if flip else "left",
                    transform=left if flip else right)
        ax.set_xlabel(labels.get(x, x), fontsize=8)
        ax.set_ylabel(labels.get(y, y), fontsize=8)
        ax.tick_params(labelsize=7)
        ax.grid(alpha=0.2)
    room = max(_y_room(ax, 7, 8) for ax in axes)  # each panel has its own y labels
    width = 10 - room - 0.3 - room * (len(axes) - 1)
    fig.subplots_adjust(left=room / 10, wspace=room * len(axes) / max(width, 1.0))
    return fig


def pocket_maps(cache: str | Path, data_root: str | Path, kab_code: str) -> list[Any]:
    """Static maps of one unit: kecamatan P0 (SAE, RSE hatching), pocket desa, LISA clusters of desa.

    For the province ("17") a map of the kabupaten/kota P0 comes first.

    Returns an empty list when no boundary files are available.

    Examples
    --------
    >>> pocket_maps("derived/2024", "data/demo/generated", "1701")  # doctest: +SKIP
    """
    from tkpk_lib.data import canonical
    from tkpk_lib.reporting import static_maps as maps

    raw = canonical.raw_files(data_root, 0)
    if "boundaries/kecamatan" not in raw or "boundaries/desa" not in raw:
        return []  # no boundary files: no maps (map_note says which file was looked for where)
    if _index(cache)["sections"].get("pockets", {}).get("status") == "error":
        return []  # the pockets failed (a partial report shows why; map_note repeats it)
    # cached in the process: reports of several units in one kernel read them once
    kec = canonical.load_boundaries(data_root, "kecamatan")
    desa = canonical.load_boundaries(data_root, "desa")
    code = str(kab_code)
    if code != province_code():
        kec = kec[kec["code"].astype(str).str[:4] == code]
        desa = desa[desa["code"].astype(str).str[:4] == code]
    figs = []
    if code == province_code():
        kab = canonical.load_boundaries(data_root, "kabupaten") if "boundaries/kabupaten" in raw else None
        ind = load_section(cache, "indicators")
        cur = ind[(ind["year"] == int(_index(cache)["year"])) & (ind["indicator"] == "p0")]
        if kab is not None and len(kab) and not cur.empty:
            g = kab.merge(cur[["kab_code", "estimate", "reliability"]], left_on="code", right_on="kab_code",
                          how="left")
            figs.append(maps.choropleth(g, "estimate", reliability="reliability", multiplier=100, k=4,
                                        title="Persentase penduduk miskin (P0) kabupaten/kota",
                                        legend_title="P0 (%)", note="Sumber: Susenas Maret (diolah)."))
    est = load_section(cache, "pockets_kecamatan", kab_code)
    if not est.empty and len(kec):
        g = kec.merge(est[["kec_code", "estimate", "reliability"]], left_on="code", right_on="kec_code", how="left")
        figs.append(maps.choropleth(g, "estimate", reliability="reliability", multiplier=100, fmt="{:,.1f}",
                                    title=f"P0 kecamatan (SAE), {unit_name(code)}", legend_title="P0 (%)",
                                    note="Sumber: Susenas, Podes (diolah); pendugaan area kecil Fay-Herriot."))
    pk = load_section(cache, "pockets", kab_code)
    if not pk.empty and len(desa):
        d = desa.merge(pk.loc[pk["level"] == "desa", ["code", "pocket_type"]], on="code", how="left")
        figs.append(maps.pocket_map(d.rename(columns={"code": "desa_code"}), kec_gdf=kec,
                                    title=f"Kantong kemiskinan (desa), {unit_name(code)}"))
        if "hotspot_cluster" in pk.columns:
            h = pk.loc[pk["level"] == "desa", ["code", "hotspot_cluster"]]
            if h["hotspot_cluster"].notna().any():
                g = desa.merge(h, on="code", how="left")
                figs.append(maps.cluster_map(
                    g, "hotspot_cluster", outline=kec, title=f"Klaster spasial (LISA) desa, {unit_name(code)}",
                    note="Tinggi-Tinggi: desa rawan dikelilingi desa rawan (kantong spasial); p-value analitis, FDR 5%."))
    return figs


def map_note(cache: str | Path, data_root: str | Path) -> str:
    """Why a report has no maps, in the user's terms (shown when :func:`pocket_maps` gives none).

    Names the boundary file that is missing and where it was looked for, or the cause of the
    pockets' failure when the files are there.

    Examples
    --------
    >>> map_note("derived/2024", "data/demo/generated")  # doctest: +SKIP
    '> Peta tidak tersedia: file batas wilayah (desa) tidak ditemukan (dicari di ...).'
    """
    from tkpk_lib.data import canonical

    info = _index(cache)
    raw = canonical.raw_files(data_root, 0)
    absent = [lv for lv in ("kecamatan", "desa") if f"boundaries/{lv}" not in raw]
    if absent:
        return (f"> Peta tidak tersedia: file batas wilayah ({', '.join(absent)}) tidak ditemukan "
                f"(dicari di {canonical.raw_dir(data_root, 'boundaries')}: .gpkg, .geojson atau .shp).")
    st = info["sections"].get("pockets", {})
    if st.get("status") == "error":
        return f"> Peta tidak tersedia: kantong kemiskinan tidak dapat dihitung ({st['note']})."
    if st.get("status") != "ok":
        return f"> Peta tidak tersedia: kantong kemiskinan tidak tersedia ({st.get('note', '')})."
    return "> Peta tidak tersedia: tidak ada data kantong kemiskinan untuk wilayah ini."


def upset(cache: str | Path, kab_code: str, max_combinations: int = 12, *, min_sample: int = 0) -> Any:
    """UpSet figure of the programme combinations of the target group of one unit, or None.

    Examples
    --------
    >>> upset("derived/2024", "1701")  # doctest: +SKIP
    """
    combos = combinations_for(cache, kab_code, min_sample=min_sample)
    if combos.empty:
        return None
    from tkpk_lib.analysis.coverage import upset_figure

    return upset_figure(combos, indicator="number", max_combinations=max_combinations,
                        title=f"Kombinasi program pada rumah tangga sasaran, {unit_name(kab_code)}")
