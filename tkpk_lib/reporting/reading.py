"""Reading a prepared section cache: its index, status notes, failures and sections (small cells suppressed).

Also the layout constants of a cache entry (:data:`CACHE_VERSION`, :data:`COMPLETE_MARKER`)
that the writer (:mod:`tkpk_lib.reporting.cache`) and the readers share.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from tkpk_lib.data.region import province_code
from tkpk_lib.errors import ReportError
from tkpk_lib.reporting.failures import SectionError
from tkpk_lib.reporting.labels import SECTIONS, TARGET_LABELS

CACHE_VERSION = 2
_READ_CACHE: dict[tuple[str, str, int], pd.DataFrame] = {}
_SUPPRESSED: dict[tuple[str, str, int, int], pd.DataFrame] = {}


#: Written last into a cache entry: the entry's key and options, and the size and SHA-256 of
#: each of its files. An entry without it (or whose files differ from it) is never reused.
COMPLETE_MARKER = "complete.json"


def section_status(cache: str | Path) -> pd.DataFrame:
    """Status of every section in a cache: name, status (ok/missing/error), note, description.

    Examples
    --------
    >>> section_status("data/demo/generated/derived/2024")  # doctest: +SKIP
    """
    info = _index(cache)
    rows = [{"section": n, "status": v["status"], "note": v["note"], "description": SECTIONS.get(n, "")}
            for n, v in info["sections"].items()]
    return pd.DataFrame(rows)


def _index(cache: str | Path) -> dict[str, Any]:
    idx = Path(cache) / "sections.json"
    if not idx.is_file():
        raise ReportError(f"{cache}: no prepared report tables (sections.json); run prepare_year first")
    try:
        info = json.loads(idx.read_text(encoding="utf-8"))
        info["sections"]  # noqa: B018 - every index has it
    except (ValueError, KeyError, TypeError) as exc:
        raise ReportError(f"{idx}: index of the prepared tables is damaged ({type(exc).__name__}); "
                          "run tkpk run again to rebuild it") from exc
    return info


def section_note(cache: str | Path, name: str) -> str:
    """Markdown note for a section that is not available, or ``""`` when it is.

    A missing section says which input was absent and where it was looked for; a section that
    failed carries the banner "Bagian ini tidak lengkap" with every line of the cause (file,
    column, rows).

    Examples
    --------
    >>> section_note("derived/2024", "budget")  # doctest: +SKIP
    '> **Bagian belum tersedia** (peta program ...): bagian ini menunggu modul tkpk_lib.analysis.programmes'
    """
    st = _index(cache)["sections"].get(name)
    if st is None:
        return f"> **Bagian belum tersedia** ({name}): tidak dikenal."
    if st["status"] == "ok":
        return f"> Catatan ({SECTIONS.get(name, name)}): {st['note']}." if st.get("note") else ""
    if st["status"] == "error":
        lines = st.get("problems") or [st["note"]]
        return (f"> **Bagian ini tidak lengkap: {SECTIONS.get(name, name)} tidak dapat dihitung.** Penyebab:\n>\n"
                + "\n".join(f"> - {ln}" for ln in lines))
    return f"> **Bagian belum tersedia** ({SECTIONS.get(name, name)}): {st['note']}."


def input_notes(cache: str | Path) -> list[str]:
    """Distinct notes of a cache about absent inputs and substitutes (console and manifest).

    Examples
    --------
    >>> input_notes("derived/2024")  # doctest: +SKIP
    ['file log pengaduan tahun 2024 tidak ditemukan (dicari di raw/complaints/*2024*.csv|.xlsx)']
    """
    info = _index(cache)
    notes = [v["note"] for v in info["sections"].values() if v["note"] and v["status"] != "error"]
    notes += list(info.get("absent", {}).values())
    return list(dict.fromkeys(notes))


def section_failures(cache: str | Path, names: Sequence[str] | None = None) -> dict[str, list[str]]:
    """Sections of a cache that could not be computed, with the lines of their cause.

    Examples
    --------
    >>> section_failures("derived/2024", ["complaints"])  # doctest: +SKIP
    {'complaints': ['raw/complaints/pengaduan_2024.csv, kolom TGL_SELESAI (date_resolved): ...']}
    """
    sections = _index(cache)["sections"]
    return {n: list(v.get("problems") or [v["note"]]) for n, v in sections.items()
            if v["status"] == "error" and (names is None or n in names)}


#: Output metadata key of a partial section's banner; the runner marks the job "partial" from it.
PARTIAL_KEY = "tkpk_partial"


def section_notice(cache: str | Path, names: str | Sequence[str], *, partial: bool = False) -> None:
    """Show the notes of sections in a report cell; a section that failed fails the report.

    A missing section shows its note. A section that could not be computed raises
    :class:`SectionError` naming the cause (file, column, rows), so the unit fails, unless
    ``partial``: then the section's banner "Bagian ini tidak lengkap" is shown and the runner
    marks the unit "partial" (the banner's output carries :data:`PARTIAL_KEY` metadata).

    Raises
    ------
    SectionError
        A section in ``names`` failed and ``partial`` is false.

    Examples
    --------
    >>> section_notice("derived/2024", ["budget", "convergence"], partial=False)  # doctest: +SKIP
    """
    from IPython.display import Markdown, display

    names = [names] if isinstance(names, str) else list(names)
    failed = section_failures(cache, names)
    if failed and not partial:
        causes = list(dict.fromkeys(ln for ls in failed.values() for ln in ls))
        lines = [f"bagian {', '.join(SECTIONS.get(n, n) for n in failed)} tidak dapat dihitung: {causes[0]}"
                 + (f" (dan {len(causes) - 1} masalah lain)" if len(causes) > 1 else "")]
        if len(causes) > 1:
            lines += [f"  - {ln}" for ln in causes]
        lines.append("(tkpk run --partial menulis laporan dengan bagian ini ditandai tidak lengkap)")
        raise SectionError("\n".join(lines))
    for n in names:
        note = section_note(cache, n)
        if not note:
            continue
        meta = {PARTIAL_KEY: {"section": n, "problems": failed[n]}} if n in failed else None
        display(Markdown(note), metadata=meta)


#: Columns of a section row that carry an estimate (blanked when its sample is too small).
_VALUE_COLS = ("estimate", "se", "ci_low", "ci_high", "rse", "deff", "n_weighted")
_CHANGE_VALUE_COLS = ("estimate_a", "se_a", "estimate_b", "se_b", "difference", "se", "ci_low", "ci_high", "z",
                      "p_value")


def _sample_size(df: pd.DataFrame) -> pd.DataFrame:
    """``n`` for the small-cell rule: the sample units, or the sample *cases* behind a share when fewer.

    A poverty share of 840 households that rests on four poor households is as thin as a
    4-household cell: the rule takes ``min(n, n_cases)`` where ``n_cases`` is known.
    """
    if "n_cases" not in df.columns or df.empty:
        return df
    cases = pd.to_numeric(df["n_cases"], errors="coerce")
    return df.assign(n=np.fmin(pd.to_numeric(df["n"], errors="coerce"), cases.where(cases.notna(), np.inf)))


def _suppress_small(df: pd.DataFrame, name: str, cache: str | Path, min_sample: int) -> pd.DataFrame:
    """Blank the estimates of rows based on fewer than ``min_sample`` sample units.

    Rows of estimate sections (with an ``n`` column) keep their labels and ``n`` and lose their
    values (NaN, shown as "\u2013"); a ``change`` row loses its values when either of its
    years is small (sample sizes from the ``indicators`` section), and its wording.
    """
    if not min_sample or df.empty:
        return df
    df = df.copy()
    if name == "targets":  # the estimate compared with the target, and what follows from it
        n = _sample_size(load_section(cache, "indicators")).set_index(["indicator", "kab_code", "year"])["n"]
        idx = pd.MultiIndex.from_arrays([df["indicator"], df["kab_code"].astype(str), df["year"].astype(int)])
        small = n.reindex(idx).to_numpy(dtype=float) < min_sample
        cols = [c for c in ("estimate", "ci_low", "ci_high", "gap", "annual_change_needed", "recent_annual_change")
                if c in df.columns]
        df.loc[small, cols] = np.nan
        for c in ("status", "status_id"):
            if c in df.columns:
                df[c] = df[c].astype(object)
                df.loc[small, c] = None
        return df
    if name == "change":
        ind = _sample_size(load_section(cache, "indicators"))
        n = ind.set_index(["indicator", "kab_code", "year"])["n"]
        idx_a = pd.MultiIndex.from_arrays([df["indicator"], df["kab_code"].astype(str), df["year_a"].astype(int)])
        idx_b = pd.MultiIndex.from_arrays([df["indicator"], df["kab_code"].astype(str), df["year_b"].astype(int)])
        na = n.reindex(idx_a).to_numpy(dtype=float)
        nb = n.reindex(idx_b).to_numpy(dtype=float)
        small = (na < min_sample) | (nb < min_sample)
        cols = [c for c in _CHANGE_VALUE_COLS if c in df.columns]
        df.loc[small, cols] = np.nan
        for c in ("significant", "change", "change_id", "assessment", "assessment_id"):
            if c in df.columns:
                df[c] = df[c].astype(object)
                df.loc[small, c] = None
        return df
    if "n" not in df.columns:
        return df
    small = (_sample_size(df)["n"] < min_sample).to_numpy()
    cols = [c for c in _VALUE_COLS if c in df.columns]
    df.loc[small, cols] = np.nan
    if "reliability" in df.columns:
        df["reliability"] = df["reliability"].astype(object)
        df.loc[small, "reliability"] = "suppressed"
    return df


def load_section(cache: str | Path, name: str, kab_code: str | None = None, *,
                 min_sample: int = 0) -> pd.DataFrame:
    """Read one prepared section, optionally filtered to a kabupaten/kota.

    Parameters
    ----------
    cache : path
        Folder written by :func:`prepare_year`.
    name : str
        Section name (:data:`SECTIONS`).
    kab_code : str, optional
        Keep rows of this kabupaten/kota (``kab_code`` column, or the first 4 characters of
        ``kec_code``/``desa_code``); ``"17"`` or None keeps everything.
    min_sample : int
        Small-cell rule: estimates from fewer sample units are blanked (NaN), and a change
        whose either year is small (see :func:`_suppress_small`).

    Returns
    -------
    pandas.DataFrame
        Empty (no columns) when the section is missing; see :func:`section_note`.

    Raises
    ------
    ReportError
        No cache in ``cache``, or an unknown section name.

    Examples
    --------
    >>> load_section("derived/2024", "indicators", "1701")  # doctest: +SKIP
    """
    if name not in SECTIONS:
        raise ReportError(f"unknown report section {name!r}; sections: {', '.join(SECTIONS)}")
    info = _index(cache)
    if info["sections"].get(name, {}).get("status") != "ok":
        return pd.DataFrame()
    f = Path(cache) / f"{name}.parquet"
    try:
        key = (str(f.resolve()), name, f.stat().st_mtime_ns)
        if key not in _READ_CACHE:
            if len(_READ_CACHE) > 64:
                _READ_CACHE.clear()
            _READ_CACHE[key] = pd.read_parquet(f)
    except (OSError, ValueError) as exc:  # missing file; pyarrow's ArrowInvalid is a ValueError
        raise ReportError(f"{f}: prepared table of section {name!r} missing or unreadable "
                          f"({str(exc).splitlines()[0] if str(exc) else type(exc).__name__}); "
                          "run tkpk run again to rebuild the cache") from exc
    # a shallow copy is safe under copy-on-write: callers cannot change the cached frame
    # the small-cell rule once per table and limit (the summary and the tables read the same sections)
    skey = (*key, int(min_sample or 0))
    if skey not in _SUPPRESSED:
        if len(_SUPPRESSED) > 64:
            _SUPPRESSED.clear()
        _SUPPRESSED[skey] = _suppress_small(_READ_CACHE[key].copy(deep=False), name, cache, min_sample)
    df = _SUPPRESSED[skey].copy(deep=False)
    if kab_code is None or str(kab_code) == province_code():
        return df
    code = str(kab_code)
    for col in ("kab_code", "kec_code", "desa_code", "locus_desa"):
        if col in df.columns:
            return df[df[col].astype(str).str[:4] == code].reset_index(drop=True)
    return df


def options_markdown(info: Mapping[str, Any], min_sample: int) -> str:
    """The line of a report that says which options its numbers were computed with.

    Parameters
    ----------
    info : mapping
        :func:`cache_info` of the entry the report reads.
    min_sample : int
        The report's small-cell rule.

    Returns
    -------
    str
        Markdown (Indonesian); own poverty lines and targets are named by file name.

    Examples
    --------
    >>> options_markdown({"comparison_year": 2023, "target": "poor", "options": {}}, 10)
    'Tahun pembanding: 2023; kelompok sasaran cakupan: penduduk miskin; batas sampel minimum: 10 rumah tangga.'
    """
    opts = info.get("options") or {}
    text = (f"Tahun pembanding: {info.get('comparison_year')}; kelompok sasaran cakupan: "
            f"{TARGET_LABELS.get(str(info.get('target')), info.get('target'))}; batas sampel minimum: "
            f"{min_sample} rumah tangga.")
    own = [f"{label} `{own_table_name(opts[key + '_source'])}`"
           for key, label in (("poverty_lines", "garis kemiskinan dari tabel sendiri"),
                              ("targets", "target dari tabel sendiri"))
           if opts.get(key)]
    if own:
        text += " " + "; ".join(own).capitalize() + " (bukan tabel referensi)."
    return text


def own_table_name(source: str | Path) -> str:
    """How a report names a user's table: the file name, or ``raw/targets/`` for a folder of files.

    Examples
    --------
    >>> own_table_name("/data/garis.csv"), own_table_name("/")
    ('garis.csv', '/')
    """
    p = Path(str(source))
    return f"{p.parent.name}/{p.name}/" if p.is_dir() and p.name else p.name or str(p)


def cache_info(cache: str | Path) -> dict[str, Any]:
    """The index of a cache (year, comparison_year, years, target, sections) and its options.

    ``options`` (from the completion marker of an entry written by :func:`prepare_year`;
    empty for a folder written by :func:`prepare_tables` alone) holds every option the tables
    were prepared with, including the digests and sources of own poverty lines and targets.

    Examples
    --------
    >>> cache_info(prepare_year("data/demo/generated", 2024))["target"]  # doctest: +SKIP
    'poor'
    """
    info = _index(cache)
    try:
        marker = json.loads((Path(cache) / COMPLETE_MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        marker = {}
    info["options"] = marker.get("options", {})
    info["complete"] = bool(marker)
    return info
