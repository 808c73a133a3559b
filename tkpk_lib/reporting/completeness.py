"""Which kabupaten/kota each input covers, and the notes a report shows when a figure rests on fewer units."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from tkpk_lib.data.region import province_code
from tkpk_lib.reporting.failures import SectionError
from tkpk_lib.reporting.labels import TABLE_LABELS, unit_name
from tkpk_lib.reporting.reading import PARTIAL_KEY, _index


def unit_completeness(
    tables_by_year: Mapping[int, Mapping[str, pd.DataFrame]],
    year: int,
    *,
    registry: pd.DataFrame | None = None,
    boundaries: Mapping[str, Any] | None = None,
    sources: Mapping[str, str] | None = None,
) -> dict[str, dict[str, Any]]:
    """Which kabupaten/kota of the region reference each input covers.

    A province figure computed from a table that lacks some kabupaten/kota would silently stand
    for fewer units; this lists, per input present (Susenas households of every year, Sakernas,
    Podes villages, programme map, registry and boundaries of ``year``), the units of
    :func:`tkpk_lib.data.reference_data.regions` that have no row or polygon in it.

    Returns
    -------
    dict
        ``{input: {"label", "file", "expected", "present", "missing": [codes]}}``, one entry per
        input present (``households_2023`` for earlier Susenas years).

    Examples
    --------
    >>> import pandas as pd
    >>> hh = pd.DataFrame({"kab_code": ["1701", "1702"]})
    >>> unit_completeness({2024: {"households": hh}}, 2024)["households"]["missing"][:2]
    ['1703', '1704']
    """
    from tkpk_lib.data.reference_data import regions

    expected = sorted(regions("kabupaten")["code"].astype(str))
    sources = dict(sources or {})
    cur = tables_by_year[year]
    inputs: list[tuple[str, str, Any, str]] = []
    for y in sorted(tables_by_year):
        if int(y) <= int(year):
            key = "households" if int(y) == int(year) else f"households_{y}"
            inputs.append((key, "households", tables_by_year[y].get("households"), "kab_code"))
    inputs += [("labour", "labour", cur.get("labour"), "kab_code"),
               ("villages", "villages", cur.get("villages"), "desa_code"),
               ("programmes", "programmes", cur.get("programmes"), "kab_code"),
               ("registry", "registry", registry, "kab_code")]
    for level in ("kecamatan", "desa"):
        g = (boundaries or {}).get(level)
        inputs.append((f"boundaries/{level}", "boundaries", g, "code"))
    out: dict[str, dict[str, Any]] = {}
    for key, table, frame, col in inputs:
        if frame is None or col not in getattr(frame, "columns", ()):
            continue
        have = set(pd.Series(frame[col]).dropna().astype(str).str[:4].unique())
        missing = [c for c in expected if c not in have]
        year_of = key.split("_")[-1] if key.startswith("households_") else str(year)
        label = TABLE_LABELS.get(table, table) + (f" {year_of}" if table == "households" else "")
        if table == "boundaries":
            label += f" ({key.split('/')[1]})"
        out[key] = {"label": label, "file": str(sources.get(key, sources.get(table, ""))),
                    "expected": len(expected), "present": len(expected) - len(missing), "missing": missing}
    return out


def completeness_warnings(cache: str | Path) -> list[str]:
    """One line per input of a prepared cache that lacks kabupaten/kota (console, manifest).

    Examples
    --------
    >>> completeness_warnings("derived/2024")  # doctest: +SKIP
    ['rumah tangga Susenas 2024 (raw/susenas/2024): tidak ada 1703 Kabupaten Bengkulu Utara; ...']
    """
    from tkpk_lib.data.reference_data import region_names

    names = region_names()
    lines = []
    for info in _index(cache).get("completeness", {}).values():
        if info["missing"]:
            where = f" ({info['file']})" if info.get("file") else ""
            units = ", ".join(f"{c} {names.get(c, '')}".strip() for c in info["missing"])
            lines.append(f"{info['label']}{where}: tidak ada data untuk {units}; angka provinsi dihitung dari "
                         f"{info['present']} dari {info['expected']} kabupaten/kota")
    return lines


def completeness_note(cache: str | Path, kab_code: str, inputs: Sequence[str] = ("households", "labour")) -> str:
    """Markdown note when a figure of ``kab_code`` rests on an input that lacks units, else ``""``.

    Province figures resting on such an input (all of them in the province's report; the survey
    figures every report compares with) say "dihitung dari 9 dari 10 kabupaten/kota" naming the
    absent units; a kabupaten/kota absent from an input is told that the input has no data for it.

    Examples
    --------
    >>> completeness_note("derived/2024", "17")  # doctest: +SKIP
    '> **Perhatian:** angka provinsi dari rumah tangga Susenas 2024 dihitung dari 9 dari 10 ...'
    """
    from tkpk_lib.data.reference_data import region_names

    names = region_names()
    info = _index(cache)
    comp = info.get("completeness", {})
    code = str(kab_code)
    lines = [f"> **Catatan:** {note}." for key, note in info.get("absent", {}).items()
             if key.split("/")[0] in inputs]
    for key, info in comp.items():
        base = "households" if key.startswith("households") else key.split("/")[0]
        if base not in inputs or not info["missing"]:
            continue
        units = ", ".join(f"{c} {names.get(c, '')}".strip() for c in info["missing"])
        if code != province_code() and code in info["missing"]:
            lines.append(f"> **Perhatian:** {info['label']} tidak berisi data untuk {unit_name(code)}.")
        # every report compares with the province's survey figures; the province's report shows all
        if code == province_code() or base in ("households", "labour"):
            lines.append(f"> **Perhatian:** angka provinsi dari {info['label']} dihitung dari {info['present']} "
                         f"dari {info['expected']} kabupaten/kota (tidak ada data untuk {units}).")
    return "\n\n".join(lines)


def completeness_notice(cache: str | Path, kab_code: str, inputs: Sequence[str] = ("households", "labour"),
                        *, partial: bool = False) -> None:
    """Show :func:`completeness_note` in a report cell; a unit without Susenas households fails.

    A kabupaten/kota report whose unit has no Susenas household of the report year would show
    no indicator at all: it raises :class:`SectionError` naming the file, unless ``partial``
    (then a banner with :data:`PARTIAL_KEY` metadata marks the unit "partial").

    Raises
    ------
    SectionError
        ``kab_code`` has no household in the report year's Susenas and ``partial`` is false.

    Examples
    --------
    >>> completeness_notice("derived/2024", "1701")  # doctest: +SKIP
    """
    from IPython.display import Markdown, display

    code = str(kab_code)
    hh = _index(cache).get("completeness", {}).get("households", {})
    if "households" in inputs and code != province_code() and code in hh.get("missing", ()):
        where = f" ({hh['file']})" if hh.get("file") else ""
        cause = (f"{hh['label']}{where} tidak berisi rumah tangga {unit_name(code)}: indikator "
                 f"kabupaten/kota ini tidak dapat dihitung")
        if not partial:
            raise SectionError(cause + "\n(tkpk run --partial menulis laporan dengan bagian ini ditandai "
                               "tidak lengkap)")
        display(Markdown(f"> **Bagian ini tidak lengkap:** {cause}."),
                metadata={PARTIAL_KEY: {"section": "indicators", "problems": [cause]}})
    note = completeness_note(cache, code, inputs)
    if note:
        display(Markdown(note))
