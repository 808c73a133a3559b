"""Notebook display helpers: styled tables, figures shown once at a fixed size, the exploration picker.

``ipywidgets`` and ``IPython`` are imported only when a helper is called, so the library works
without them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from tkpk_lib.reporting.annex import annex_display
from tkpk_lib.reporting.figures import map_note, pocket_maps, trend_figure
from tkpk_lib.reporting.labels import unit_name
from tkpk_lib.reporting.reading import load_section
from tkpk_lib.reporting.tables import indicator_sheet


def _png_opaque(fig: Any, dpi: float) -> bytes:
    """PNG of an opaque figure: drawn once by Agg, stored as RGB at zlib level 3.

    ``savefig`` writes RGBA at level 6; dropping the (all-opaque) alpha channel and a lighter
    compression halve the encoding time (~15-25 ms per figure) and give smaller files.
    """
    import io

    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from PIL import Image as PILImage

    old = fig.dpi
    fig.dpi = dpi
    try:
        canvas = FigureCanvasAgg(fig)
        canvas.draw()
        rgb = np.asarray(canvas.buffer_rgba())[..., :3]
    finally:
        fig.dpi = old
    buf = io.BytesIO()
    PILImage.fromarray(rgb).save(buf, format="png", compress_level=3, dpi=(dpi, dpi))
    return buf.getvalue()


def figure_title(fig: Any) -> str:
    """The title a matplotlib figure shows (its suptitle, else the first axes title), or "".

    The HTML export uses it as the figure's caption after its number ("Gambar 4.1 ...").

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> fig = Figure()
    >>> _ = fig.add_subplot().set_title("P0 kecamatan", loc="left")
    >>> figure_title(fig)
    'P0 kecamatan'
    """
    sup = getattr(fig, "_suptitle", None)
    if sup is not None and sup.get_text().strip():
        return sup.get_text().strip()
    for ax in fig.axes:
        for loc in ("center", "left", "right"):
            if ax.get_title(loc=loc).strip():
                return ax.get_title(loc=loc).strip()
    return ""


def show(fig: Any, dpi: int = 110, *, empty: str | None = None) -> None:
    """Display a matplotlib figure once as a PNG (works for pyplot and object-API figures).

    The figure is closed afterwards, so the inline backend does not show it a second time.
    ``None`` (a figure a section could not draw, e.g. :func:`~tkpk_lib.reporting.figures.upset`
    without combinations) shows the sentence ``empty`` saying why, or nothing without one (a
    heading is then never left standing alone when the caller gives the reason).

    Examples
    --------
    >>> show(trend_figure("derived/2024", "1701"))  # doctest: +SKIP
    """
    import io

    from IPython.display import Image, display

    from tkpk_lib.reporting.map_style import FIXED_LAYOUT

    if fig is None:
        if empty:
            from IPython.display import Markdown

            display(Markdown(empty))
        return
    if getattr(fig, FIXED_LAYOUT, False) and fig.get_facecolor()[3] == 1:
        png = _png_opaque(fig, dpi)  # laid out in inches by this library: one draw, no crop
    else:  # any other figure: cropped to its contents (a second draw)
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight")
        png = buf.getvalue()
    display(Image(png))
    title = figure_title(fig)
    if title:  # read by the HTML export for the caption (tkpk_lib.reporting.document); not shown
        import html

        from IPython.display import HTML

        display(HTML(f'<p class="tkpk-figure-title" hidden>{html.escape(title)}</p>'))
    if getattr(fig.canvas, "manager", None) is not None:  # a pyplot figure: pyplot is imported
        try:
            import matplotlib.pyplot as plt

            plt.close(fig)
        except Exception:  # noqa: BLE001 - closing is only to avoid a duplicate inline image
            pass


def show_maps(cache: str | Path, data_root: str | Path, kab_code: str, dpi: int = 110) -> None:
    """Display the poverty-pocket maps of one unit, or the note saying why there is none.

    Examples
    --------
    >>> show_maps("derived/2024", "data/demo/generated", "1701")  # doctest: +SKIP
    """
    from IPython.display import Markdown, display

    figs = pocket_maps(cache, data_root, kab_code)
    if not figs:
        display(Markdown(map_note(cache, data_root)))
    for fig in figs:
        show(fig, dpi)


_PROGRAMME_MAP_EMPTY = "Peta program tahun ini tidak memuat baris program untuk wilayah ini, sehingga tabel ini kosong."
#: Why an annex table is absent or empty, by its id.
ANNEX_EMPTY: dict[str, str] = {
    "program": _PROGRAMME_MAP_EMPTY,
    "target": _PROGRAMME_MAP_EMPTY,
    "pengaduan": "Log pengaduan tidak memuat pengaduan untuk wilayah ini pada tahun laporan.",
    "kantong": "Tidak ada data desa (Podes atau batas wilayah) untuk menentukan kantong kemiskinan wilayah ini.",
    "cakupan": "Data terpadu tidak memuat rumah tangga untuk wilayah ini.",
}


def show_interactive_maps(cache: str | Path, data_root: str | Path, kab_code: str) -> None:
    """Display the interactive kecamatan map and (kabupaten/kota) desa map of a unit (HTML report).

    Examples
    --------
    >>> show_interactive_maps("derived/2024", "data/demo/generated", "1701")  # doctest: +SKIP
    """
    from IPython.display import display

    from tkpk_lib.reporting.interactive_maps import pocket_map_interactive

    for level in ("kecamatan", "desa"):
        fig = pocket_map_interactive(cache, data_root, kab_code, level)
        if fig is not None:
            display(fig)


def show_annex(tables: Mapping[str, pd.DataFrame], table_id: str, rows: int | None = None) -> None:
    """Display one annex table (its first ``rows`` rows) as the report shows it.

    An absent or empty table shows one sentence saying why (:data:`ANNEX_EMPTY`), never a
    heading with nothing under it or a row of column names.

    Examples
    --------
    >>> show_annex({}, "program")  # doctest: +SKIP
    """
    from IPython.display import display

    reason = ANNEX_EMPTY.get(table_id)
    if table_id not in tables:
        display(EmptyTable(None, reason or EMPTY_DEFAULT))
        return
    df = tables[table_id] if rows is None else tables[table_id].head(rows)
    display(styled(annex_display(df, table_id), empty=reason))


def explore_unit(out: Any, cache: str | Path, kab_code: str, year: int, min_sample: int = 0) -> None:
    """Redraw the exploration view of one unit into an ipywidgets ``Output`` (explore notebook).

    Examples
    --------
    >>> explore_unit(out, "derived/2024", "1701", 2024)  # doctest: +SKIP
    """
    from IPython.display import display

    out.clear_output()
    with out:
        display(styled(indicator_sheet(cache, kab_code, year, min_sample=min_sample),
                       f"{unit_name(kab_code)} {year}"))
        show(trend_figure(cache, kab_code, min_sample=min_sample))


def explore_picker(cache: str | Path, kab_code: str, year: int, min_sample: int = 0) -> Any:
    """A kabupaten/kota dropdown that redraws :func:`explore_unit`, or None without ipywidgets.

    Examples
    --------
    >>> explore_picker("derived/2024", "1701", 2024)  # doctest: +SKIP
    """
    try:
        import ipywidgets as w
    except ImportError:
        return None
    codes = sorted(set(load_section(cache, "indicators")["kab_code"].astype(str)))
    pick = w.Dropdown(options=[(unit_name(c), c) for c in codes], value=str(kab_code), description="Wilayah")
    out = w.Output()
    pick.observe(lambda ch: explore_unit(out, cache, ch["new"], year, min_sample), names="value")
    explore_unit(out, cache, str(kab_code), year, min_sample)
    return w.VBox([pick, out])


def show_picker(cache: str | Path, kab_code: str, year: int, min_sample: int = 0) -> None:
    """Display :func:`explore_picker`, or say how to change the unit when ipywidgets is absent.

    Examples
    --------
    >>> show_picker("derived/2024", "1701", 2024)  # doctest: +SKIP
    """
    from IPython.display import display

    picker = explore_picker(cache, kab_code, year, min_sample)
    if picker is None:
        print("ipywidgets tidak terpasang: ubah kab_code di sel pertama")
    else:
        display(picker)


#: Why a table is empty, by a word in the name of a column it would have had (first match wins;
#: the report tables name columns in Indonesian, the prepared sections in English).
EMPTY_REASONS: tuple[tuple[str, str], ...] = (
    ("pengaduan", "Log pengaduan tidak memuat pengaduan untuk wilayah ini pada tahun laporan."),
    ("complaint", "Log pengaduan tidak memuat pengaduan untuk wilayah ini pada tahun laporan."),
    ("anggaran", "Peta program tahun ini tidak memuat baris program untuk wilayah ini, sehingga tabel ini kosong."),
    ("pagu", "Peta program tahun ini tidak memuat baris program untuk wilayah ini, sehingga tabel ini kosong."),
    ("budget", "Peta program tahun ini tidak memuat baris program untuk wilayah ini, sehingga tabel ini kosong."),
    ("programme", "Peta program tahun ini tidak memuat baris program untuk wilayah ini, sehingga tabel ini kosong."),
    ("desa_code", "Tidak ada desa/kelurahan yang memenuhi kriteria tabel ini untuk wilayah ini."),
)
#: Said of an empty table when no column tells why.
EMPTY_DEFAULT = "Data masukan tidak memuat baris untuk tabel ini pada wilayah dan tahun laporan."


class EmptyTable:
    """What a report shows for a table without rows: its title and one sentence why.

    Attributes
    ----------
    caption : str or None
        Title of the table that would have been shown.
    reason : str
        The sentence.
    """

    def __init__(self, caption: str | None, reason: str) -> None:
        self.caption = caption
        self.reason = reason

    def _repr_html_(self) -> str:
        import html

        title = f'<p class="tkpk-empty-title"><strong>{html.escape(self.caption)}</strong></p>' if self.caption else ""
        return f'<div class="tkpk-empty-table">{title}<p>{html.escape(self.reason)}</p></div>'

    def _repr_markdown_(self) -> str:
        return (f"**{self.caption}**\n\n" if self.caption else "") + self.reason


def empty_reason(df: pd.DataFrame, caption: str | None = None) -> str:
    """The sentence that explains an empty table, from its columns or its caption.

    Examples
    --------
    >>> empty_reason(pd.DataFrame(columns=["Strategi", "Pagu (Rp)"]))[:40]
    'Peta program tahun ini tidak memuat bari'
    >>> empty_reason(pd.DataFrame(columns=["Program", "Jumlah pengaduan"]))[:30]
    'Log pengaduan tidak memuat pen'
    >>> empty_reason(pd.DataFrame(), "Pagu dan realisasi menurut strategi")[:12]
    'Peta program'
    """
    cols = [str(c).lower() for c in df.columns] + [(caption or "").lower()]
    return next((text for word, text in EMPTY_REASONS if any(word in c for c in cols)), EMPTY_DEFAULT)


def styled(df: pd.DataFrame, caption: str | None = None, empty: str | None = None) -> Any:
    """A pandas Styler without the index (for report tables); one sentence for an empty table.

    A table without rows is never shown as a row of column names: :class:`EmptyTable` shows
    its caption and ``empty`` (default :func:`empty_reason`, from the table's columns and caption).

    Parameters
    ----------
    df : pandas.DataFrame
        The table as shown.
    caption : str, optional
        Table title.
    empty : str, optional
        Why the table is empty (shown instead of the table when it has no rows).

    Returns
    -------
    pandas.io.formats.style.Styler or EmptyTable

    Examples
    --------
    >>> styled(pd.DataFrame({"a": [1]}), "Tabel").caption
    'Tabel'
    >>> styled(pd.DataFrame(columns=["budget"]), "Pagu").reason[:13]
    'Peta program '
    """
    if df.empty:
        return EmptyTable(caption, empty or empty_reason(df, caption))
    # a table id from the content instead of pandas' random one: the same inputs give the same
    # table HTML when a run is repeated (tests/test_pipeline.py::test_rerun_same_run_id_...)
    digest = hashlib.sha1(f"{caption}\x1f{df.to_csv()}".encode()).hexdigest()[:10]
    st = df.style.hide(axis="index").set_uuid(digest)
    if caption:
        st = st.set_caption(caption)
    return st
