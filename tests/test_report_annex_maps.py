"""Maps of the shared demo run name their places: numbered units with a key, legend beside the map, locator."""

from __future__ import annotations

import re

import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg

from tkpk_lib.data import canonical
from tkpk_lib.reporting import map_keys
from tkpk_lib.reporting.figures import pocket_maps
from tkpk_lib.reporting.labels import PROVINCE_CODE
from tkpk_lib.reporting.map_style import MAP_FIGSIZE

UNIT = "1701"


def _short(name: str) -> str:
    return name.removeprefix("Kabupaten ").removeprefix("Kecamatan ")


def _drawn(fig):
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    return canvas.get_renderer()


@pytest.mark.parametrize("code", [UNIT, PROVINCE_CODE])
def test_every_unit_numbered_with_a_key_and_legend_beside_the_map(shared_run, code):
    root = shared_run["root"]
    figs = pocket_maps(shared_run["cache"], root, code)
    assert len(figs) >= 3
    level = "kabupaten" if code == PROVINCE_CODE else "kecamatan"
    units = canonical.load_boundaries(root, level)
    if code != PROVINCE_CODE:
        units = units[units["code"].astype(str).str[:4] == code]
    units = units.sort_values("code")
    expect = [f"{i}  {_short(n)}" for i, n in enumerate(units["name"].astype(str), start=1)]
    for fig in figs:
        r = _drawn(fig)
        ax = fig.axes[0]
        numbers = sorted(int(t.get_text()) for t in ax.texts if t.get_text().isdigit())
        assert numbers == list(range(1, len(units) + 1))
        start = [t.get_text() for t in fig.texts].index(map_keys.KEY_TITLE)
        key = fig.texts[start:start + 1 + -(-len(expect) // 1)]
        key = [t for t in key if t.get_text() == map_keys.KEY_TITLE or t.get_text()[:1].isdigit()]
        assert "\n".join(t.get_text() for t in key[1:]).split("\n") == expect
        # nothing covers the map: the legend is right of it, the key under it, all inside the page
        mb = ax.get_window_extent(r)
        lb = ax.get_legend().get_window_extent(r)
        kbs = [t.get_window_extent(r) for t in key]
        assert lb.x0 >= mb.x1 - 1 and all(kb.y1 <= mb.y0 + 1 for kb in kbs)
        fw, fh = fig.get_size_inches() * fig.dpi
        for b in (mb, lb, *kbs):
            assert b.x0 >= -1 and b.y0 >= -1 and b.x1 <= fw + 1 and b.y1 <= fh + 1
        for a, b in zip(kbs[1:], kbs[2:], strict=False):  # key columns side by side, not overlapping
            assert a.x1 <= b.x0
        # two maps fit on an A4 page
        assert fig.get_size_inches()[1] <= MAP_FIGSIZE[1] <= 5.0
        # legend numbers with decimal commas, never a decimal point
        legend = [t.get_text() for t in ax.get_legend().get_texts()]
        assert not any(re.search(r"\d\.\d", t) for t in legend)
        # the locator: a second axes with the unit in red, only on a kabupaten's maps
        assert len(fig.axes) == (1 if code == PROVINCE_CODE else 2)
        if code != PROVINCE_CODE:
            inset = fig.axes[1]
            assert inset.get_title(loc="left") == map_keys.LOCATOR_TITLE
            assert len(inset.collections) == 2 and len(inset.collections[1].get_paths()) == 1
            ib = inset.get_window_extent(r)
            assert ib.x0 >= mb.x1 - 1 and ib.y1 <= lb.y0 + 1


def test_choropleth_legend_uses_decimal_commas(shared_run):
    figs = pocket_maps(shared_run["cache"], shared_run["root"], UNIT)
    texts = [t.get_text() for t in figs[0].axes[0].get_legend().get_texts()]
    classes = [t for t in texts if "\u2013" in t]
    assert classes and all(re.fullmatch(r"\d+,\d \u2013 \d+,\d", t) for t in classes)
