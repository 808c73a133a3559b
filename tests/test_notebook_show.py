"""``show`` of a figure a section could not draw says why, so a heading never stands alone."""

from __future__ import annotations

import IPython.display

from tkpk_lib.reporting import notebook


def test_show_none_displays_the_reason_or_nothing(monkeypatch):
    shown = []
    monkeypatch.setattr(IPython.display, "display", lambda obj: shown.append(obj))
    notebook.show(None)
    assert shown == []
    notebook.show(None, empty="Tidak ada kombinasi program; grafik tidak ditampilkan.")
    assert len(shown) == 1 and isinstance(shown[0], IPython.display.Markdown)
    assert shown[0].data == "Tidak ada kombinasi program; grafik tidak ditampilkan."
