"""Report charts: Indonesian decimal commas, labels, colours shared by the static and interactive chart, no negatives."""

from __future__ import annotations

import re

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import to_hex
from matplotlib.figure import Figure

from tkpk_lib.reporting import figures

UNIT = "1701"


def _ticks(fig):
    FigureCanvasAgg(fig).draw()
    return fig


def test_id_axes_writes_decimal_commas_and_thousand_dots():
    ax = Figure().add_subplot()
    ax.plot([0, 1], [0.0, 2.5])
    figures.id_axes(ax, x=False)
    assert ax.yaxis.get_major_formatter().format_ticks([0.0, 0.5, 1.0, 2.5]) == ["0,0", "0,5", "1,0", "2,5"]
    assert ax.yaxis.get_major_formatter().format_ticks([-2000.0, 12500.0]) == ["\u22122.000", "12.500"]


def test_trend_chart_static_and_interactive_agree(shared_run):
    cache = shared_run["cache"]
    fig = _ticks(figures.trend_figure(cache, UNIT, "p0"))
    ax = fig.axes[0]
    assert ax.get_ylim()[0] >= 0
    assert ax.get_xlabel() == "Tahun" and ax.get_ylabel().endswith("(%)")
    labels = [t.get_text() for t in ax.get_yticklabels() if t.get_text()]
    assert labels and not any("." in t for t in labels)
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "Selang kepercayaan 95%" in legend
    static = [to_hex(line.get_color()) for line in ax.get_lines()]
    inter = figures.trend_plotly(cache, UNIT, "p0")
    assert [tr.line.color for tr in inter.data] == static == [figures.UNIT_COLOUR, figures.PROVINCE_COLOUR]
    assert [tr.name for tr in inter.data] == legend[:2]
    assert inter.layout.separators == ",." and inter.layout.xaxis.title.text == "Tahun"
    assert inter.layout.yaxis.rangemode == "tozero"
    for tr in inter.data:
        assert "SK 95%" in tr.hovertemplate and (np.asarray(tr.customdata)[:, 0] >= 0).all()
        assert (np.asarray(tr.y) - np.asarray(tr.error_y.arrayminus) >= -1e-9).all()


def test_comparison_chart_starts_at_zero_with_decimal_commas(shared_run):
    fig = _ticks(figures.comparison_figure(shared_run["cache"], 2024, "p0", highlight=UNIT))
    ax = fig.axes[0]
    assert ax.get_xlim()[0] == 0
    labels = [t.get_text() for t in ax.get_xticklabels() if t.get_text()]
    assert labels and all(re.fullmatch(r"\d+(,\d+)?", t) for t in labels)
    bars = ax.patches
    assert {to_hex(b.get_facecolor()) for b in bars} == {figures.UNIT_COLOUR, figures.OTHER_COLOUR}
    # error bars never reach below zero
    for coll in ax.collections:
        for seg in coll.get_segments():
            assert np.min(seg[:, 0]) >= 0


def test_quadrant_axes_use_decimal_commas(shared_run):
    fig = _ticks(figures.quadrant_figure(shared_run["cache"], 2024, highlight=UNIT))
    for ax in fig.axes:
        labels = [t.get_text() for t in ax.get_xticklabels() + ax.get_yticklabels() if t.get_text()]
        assert not any(re.search(r"\d\.\d", t) for t in labels)
    gini = [t.get_text() for t in fig.axes[2].get_xticklabels() if t.get_text()]
    assert any("," in t for t in gini)


def test_upset_names_programmes_and_counts_from_zero(shared_run):
    from tkpk_lib.reporting.labels import PROGRAMME_LABELS, PROVINCE_CODE

    fig = _ticks(figures.upset(shared_run["cache"], PROVINCE_CODE))
    bars, matrix = fig.axes[0], fig.axes[-1]
    names = [t.get_text() for t in matrix.get_yticklabels()]
    assert names and set(names) <= set(PROGRAMME_LABELS.values())
    assert bars.get_ylim()[0] == 0
    counts = [t.get_text() for t in bars.get_yticklabels() if t.get_text()]
    assert any("." in t for t in counts) and not any("," in t for t in counts)  # 1.500, not 1,500 / 1500
    # every name lies inside the figure
    r = fig.canvas.get_renderer()
    assert min(t.get_window_extent(r).x0 for t in matrix.get_yticklabels()) >= 0
