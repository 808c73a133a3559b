"""Report table of mechanism 2: registry households receiving the complementary package together.

Reads the ``registry_package`` section (:func:`tkpk_lib.reporting.section_data.package_section`,
counts of :mod:`tkpk_lib.analysis.registry_package`). A kabupaten/kota sees its kecamatan and
its total, the province its kabupaten/kota and the province total. The figures are counts of
the whole welfare registry (no sampling error); counts of 1-4 households are shown ``"<5"``
and, since full + partial + none add up to the shown total, the other parts of a row with a
suppressed count are shown ``"x"`` (:func:`tkpk_lib.reporting.programme_tables.suppress_registry_counts`).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from tkpk_lib.analysis.programme_catalogue import REGISTRY_UNIT, programme_name
from tkpk_lib.analysis.registry_package import MIN_PROGRAMMES, package_codes
from tkpk_lib.data.region import province_code
from tkpk_lib.data.schemas import COMPLEMENTARY_PACKAGE
from tkpk_lib.reporting.formatting import fmt_percent
from tkpk_lib.reporting.labels import _region_names, unit_name
from tkpk_lib.reporting.programme_tables import (
    SUPPRESS_BELOW,
    format_count,
    suppress_registry_counts,
)
from tkpk_lib.reporting.reading import load_section

#: The three parts of the households eligible for 2+ package programmes: column of the section, heading.
PARTS: dict[str, str] = {"full": "Paket lengkap", "partial": "Sebagian", "none": "Tidak satu pun"}

_PAIRS = (("full", "partial"), ("partial", "none"), ("none", "full"))


def _rows(frame: pd.DataFrame, kab_code: str) -> pd.DataFrame:
    """The rows of one report: a kabupaten/kota's kecamatan and total, or every kabupaten/kota and the province."""
    if frame.empty:
        return frame
    code = str(kab_code)
    kab = frame["kab_code"].astype(str)
    if code == province_code():
        rows, total = frame[frame["level"] == "kabupaten"], frame[frame["level"] == "provinsi"]
        rows = rows.assign(_k=kab[rows.index])
    else:
        rows, total = frame[(kab == code) & (frame["level"] == "kecamatan")], frame[
            (kab == code) & (frame["level"] == "kabupaten")]
        rows = rows.assign(_k=rows["kec_code"].astype(str))
    # the unit's own total last (the published cells rely on it)
    return pd.concat([rows.sort_values("_k", kind="stable").drop(columns="_k"), total], ignore_index=True)


def _area(row: pd.Series, names: dict[str, str]) -> str:
    if row["level"] == "kecamatan":
        return f"Kecamatan {names.get(str(row['kec_code']), str(row['kec_code']))}"
    return unit_name(str(row["kab_code"]))


def _published(rows: pd.DataFrame, hide_total: bool = False) -> pd.DataFrame:
    """The three parts of each row as published text (``"<5"``, ``"x"`` or ``"1.234 (12,3%)"``).

    Within a row a part of 1-4 households hides the other two (the three add up to the shown
    total). The last row is the sum of the others, so a single hidden row could be found as the
    total minus the shown rows: then the total is hidden (``hide_total``, the province report:
    the province total is shown nowhere else) or a second row, the smallest shown one (a
    kabupaten/kota report: its total is also a row of the province report; the total only when
    there is no other row). With two or more hidden rows only their sum is known.
    """
    counts = pd.DataFrame({c: rows[c].astype("int64").to_numpy() for c in PARTS})
    shown = suppress_registry_counts(counts, list(PARTS), _PAIRS)
    last = len(rows) - 1
    if last > 0 and int(shown["suppressed"].iloc[:last].sum()) == 1:
        eligible = rows["eligible"].astype("int64").to_numpy()
        free = [i for i in range(last) if not shown.loc[i, "suppressed"] and eligible[i] > 0]
        j = min(free, key=lambda i: (eligible[i], i)) if free and not hide_total else last
        for c in PARTS:
            if shown.loc[j, c] != f"<{SUPPRESS_BELOW}":
                shown.loc[j, c] = "x"
        shown.loc[j, "suppressed"] = True
    eligible = rows["eligible"].astype("int64").to_numpy()
    for c in PARTS:
        shown[c] = [txt if txt in ("x", f"<{SUPPRESS_BELOW}") or e == 0 else f"{txt} ({fmt_percent(n / e, 1)}%)"
                    for txt, n, e in zip(shown[c], counts[c], eligible, strict=True)]
    return shown


def package_display(frame: pd.DataFrame, kab_code: str) -> pd.DataFrame:
    """The published table from the ``registry_package`` section rows.

    Parameters
    ----------
    frame : pandas.DataFrame
        Section ``registry_package`` (``level``, ``kab_code``, ``kec_code``, counts).
    kab_code : str
        The report's unit (a kabupaten/kota code or the province code).

    Returns
    -------
    pandas.DataFrame
        ``Wilayah``, the households eligible for 2+ package programmes, ``Paket lengkap``,
        ``Sebagian`` and ``Tidak satu pun`` (count and share of the eligible, ``"<5"``/``"x"``
        when suppressed, :func:`_published`) and the programme most often missing among the
        partial ones; the unit's total is the last row.

    Examples
    --------
    >>> f = pd.DataFrame({"level": ["kabupaten", "kabupaten", "provinsi"], "kab_code": ["1701", "1771", "17"],
    ...     "kec_code": None, "eligible": [200, 100, 300], "full": [50, 40, 90], "partial": [147, 55, 202],
    ...     "none": [3, 5, 8], "top_missing": ["listrik", "pip", "listrik"], "top_missing_n": [90, 30, 120]})
    >>> t = package_display(f, "17")
    >>> t.iloc[0].tolist()[1:]
    ['200', 'x', 'x', '<5', 'Subsidi listrik (90)']
    >>> t.iloc[1, 2], t.iloc[2, 2:5].tolist()
    ('40 (40,0%)', ['x', 'x', 'x'])

    The province total is hidden too: minus 1771 it would give 1701.
    """
    rows = _rows(frame, kab_code)
    if rows.empty:
        return pd.DataFrame()
    names = _region_names()
    shown = _published(rows, hide_total=str(kab_code) == province_code())
    out = pd.DataFrame({"Wilayah": [_area(r, names) for _, r in rows.iterrows()],
                        f"Rumah tangga sasaran {MIN_PROGRAMMES}+ program paket": [
                            format_count(v) for v in rows["eligible"]]})
    for c, head in PARTS.items():
        out[head] = shown[c].to_numpy()
    out["Paling sering belum diterima (sebagian)"] = [
        "\u2013" if t is None or pd.isna(t) else f"{programme_name(str(t), short=True)} ({format_count(n)})"
        for t, n in zip(rows["top_missing"], rows["top_missing_n"], strict=True)]
    return out


def package_table(cache: str | Path, kab_code: str) -> pd.DataFrame:
    """:func:`package_display` of the prepared cache's ``registry_package`` section.

    Examples
    --------
    >>> package_table("derived/2024", "17")  # doctest: +SKIP
    """
    return package_display(load_section(cache, "registry_package"), kab_code)


def package_caption(kab_code: str, year: int) -> str:
    """Caption of the table: what it counts and that registry counts carry no sampling error.

    Examples
    --------
    >>> package_caption("1771", 2024)
    'Rumah tangga sasaran menerima paket program komplementer, Kota Bengkulu 2024 (jumlah data terpadu, tanpa galat sampling)'
    """
    return (f"Rumah tangga sasaran menerima paket program komplementer, {unit_name(str(kab_code))} {int(year)} "
            "(jumlah data terpadu, tanpa galat sampling)")


def package_sentence(frame: pd.DataFrame, kab_code: str) -> str:
    """One sentence of reading guidance, true of :func:`package_display` of the same rows.

    The unit's share with the full package (only when the table shows it), the row with the
    lowest share (among the rows whose figures are shown; left out when a hidden row could be
    lower) and the programme most often missing among the partial households.

    Examples
    --------
    >>> f = pd.DataFrame({"level": ["kabupaten", "kabupaten", "provinsi"], "kab_code": ["1701", "1771", "17"],
    ...     "kec_code": None, "eligible": [200, 100, 300], "full": [50, 40, 90], "partial": [140, 55, 195],
    ...     "none": [10, 5, 15], "top_missing": ["listrik", "pip", "listrik"], "top_missing_n": [90, 30, 100]})
    >>> print(package_sentence(f, "17"))
    Di Provinsi Bengkulu, 90 dari 300 rumah tangga data terpadu yang memenuhi kriteria 2 program paket atau lebih (30,0%) menerima semua program paket yang kriterianya dipenuhi, terendah di Kabupaten Bengkulu Selatan (25,0%); yang paling sering belum diterima rumah tangga yang baru menerima sebagian adalah Subsidi listrik (100 rumah tangga).
    """
    rows = _rows(frame, kab_code)
    where = unit_name(str(kab_code))
    if rows.empty or int(rows["eligible"].iloc[-1]) == 0:
        return (f"Di {where} tidak ada {REGISTRY_UNIT} data terpadu yang memenuhi kriteria {MIN_PROGRAMMES} program "
                "paket atau lebih.")
    shown = _published(rows, hide_total=str(kab_code) == province_code())
    u = rows.iloc[-1]
    head = (f"Di {where}, {format_count(u['eligible'])} {REGISTRY_UNIT} data terpadu memenuhi kriteria "
            f"{MIN_PROGRAMMES} program paket atau lebih")
    if shown["suppressed"].iloc[-1]:
        text = head + " (rincian paket lengkap, sebagian dan tidak satu pun ditekan karena jumlah kecil)"
    else:
        text = (f"Di {where}, {format_count(u['full'])} dari {format_count(u['eligible'])} {REGISTRY_UNIT} data "
                f"terpadu yang memenuhi kriteria {MIN_PROGRAMMES} program paket atau lebih "
                f"({fmt_percent(u['full'] / u['eligible'], 1)}%) menerima semua program paket yang kriterianya "
                "dipenuhi")
    parts = rows.iloc[:-1].assign(_hidden=shown["suppressed"].iloc[:-1].to_numpy())
    parts = parts[parts["eligible"] > 0]
    if len(parts) > 1:
        low = parts.assign(_s=parts["full"] / parts["eligible"]).sort_values("_s", kind="stable").iloc[0]
        if not low["_hidden"]:  # the lowest of all rows, and its figure is in the table
            text += f", terendah di {_area(low, _region_names())} ({fmt_percent(low['_s'], 1)}%)"
    if u["top_missing"] is not None and not pd.isna(u["top_missing"]):
        text += (f"; yang paling sering belum diterima rumah tangga yang baru menerima sebagian adalah "
                 f"{programme_name(str(u['top_missing']), short=True)} ({format_count(u['top_missing_n'])} "
                 f"{REGISTRY_UNIT})")
    return text + "."


def package_reading(cache: str | Path, kab_code: str) -> str:
    """:func:`package_sentence` of the prepared cache ("" when the section is absent).

    Examples
    --------
    >>> package_reading("derived/2024", "17")  # doctest: +SKIP
    """
    frame = load_section(cache, "registry_package")
    return "" if frame.empty else package_sentence(frame, kab_code)


def package_footnote(frame: pd.DataFrame | None = None) -> str:
    """Note under the table: the package, who is counted, the unit, the suppression rule.

    Parameters
    ----------
    frame : pandas.DataFrame, optional
        The section, to name the package programmes the registry carries (default the
        guideline's six).

    Examples
    --------
    >>> "PIP" in package_footnote() and "3.2.1.a" in package_footnote()
    True
    """
    codes = package_codes(frame) if frame is not None and not frame.empty else list(COMPLEMENTARY_PACKAGE)
    names = ", ".join(programme_name(c, short=True) for c in codes)
    return (f"Catatan: paket program komplementer = program yang menurut Pedoman TKPK 3.2.1.a diterima masyarakat "
            f"miskin secara bersamaan ({names}). "
            f"Dihitung rumah tangga data terpadu yang memenuhi kriteria (aturan kebutuhan: desil dan anggota rumah "
            f"tangga) sedikitnya {MIN_PROGRAMMES} program paket; tiap rumah tangga dinilai hanya terhadap program yang "
            "kriterianya dipenuhi (PIP hanya bila ada anak usia sekolah 7-18 tahun). Paket lengkap = menerima semua "
            "program itu; sebagian = menerima sedikitnya satu tetapi tidak semua; tidak satu pun = tidak menerima "
            "satu pun. Persentase terhadap kolom rumah tangga sasaran. Angka ini hitungan seluruh data terpadu, "
            f"bukan estimasi survei, sehingga tidak memiliki galat sampling. Satuan {REGISTRY_UNIT}; jumlah "
            f"1-{SUPPRESS_BELOW - 1} ditampilkan \"<{SUPPRESS_BELOW}\" dan bagian lain barisnya \"x\" agar tidak "
            "dapat dihitung dari selisih.")


#: Shown instead of an empty table (no registry, or no household eligible for two package programmes).
EMPTY = (f"Data terpadu tidak tersedia atau tidak memuat {REGISTRY_UNIT} yang memenuhi kriteria {MIN_PROGRAMMES} "
         "program paket atau lebih.")


def package_intro_markdown(cache: str | Path, kab_code: str) -> str:
    """Heading of the table and its one sentence of reading guidance (markdown).

    Examples
    --------
    >>> package_intro_markdown("derived/2024", "1701")  # doctest: +SKIP
    """
    head = "### Paket program komplementer (keterpaduan dan sinergi, pedoman 3.2.1.a)"
    text = package_reading(cache, kab_code)
    return head + (f"\n\n{text}" if text else "")


def package_note(cache: str | Path) -> str:
    """:func:`package_footnote` naming the package programmes of the prepared section.

    Examples
    --------
    >>> package_note("derived/2024")  # doctest: +SKIP
    """
    return package_footnote(load_section(cache, "registry_package"))
