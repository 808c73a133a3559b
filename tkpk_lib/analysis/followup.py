"""Follow-up lists for the offices: who should get a programme but does not, per desa and office.

:func:`tkpk_lib.analysis.registry.follow_up_list` finds the households; this module writes what an office
acts on: per kabupaten/kota one list per responsible office (OPD), each row a household by its
keyed pseudonym, desa and position in the original registry file, and a summary per desa. NIK, KK number, name and address never appear: the office holding the key finds
the family in its own copy (``pseudonymise(nik, key)`` gives the same value, without the dash
that is printed in the middle so no 16-digit run appears in a file). Every written file is
scanned for NIK-like numbers and registry names before it is written.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from tkpk_lib.errors import ReportError

SUMMARY_HEADERS = {
    "kec_code": "Kode kecamatan",
    "kecamatan": "Kecamatan",
    "desa_code": "Kode desa",
    "desa": "Desa/kelurahan",
    "programme": "Program",
    "office": "OPD penanggung jawab",
    "n_households": "Rumah tangga perlu tindak lanjut",
    "n_eligible": "Rumah tangga memenuhi kriteria",
}
LIST_HEADERS = {
    "kode": "Kode tindak lanjut (pseudonim)",
    "kec_code": "Kode kecamatan",
    "kecamatan": "Kecamatan",
    "desa_code": "Kode desa",
    "desa": "Desa/kelurahan",
    "row_no": "Baris di file registri",
    "decile": "Desil",
    "programme": "Program yang belum diterima",
}


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_") or "opd"


def _autosize(ws, widths: Sequence[int]) -> None:
    from openpyxl.utils import get_column_letter

    for i, w in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = w
    ws.freeze_panes = "A2"


CHUNK_ROWS = 100_000
"""Rows of a follow-up list written and privacy-scanned at a time (bounded memory)."""


def _write_scanned_csv(
    table: pd.DataFrame, path: Path, names: Sequence[str], source: str
) -> set[str]:
    """Write ``table`` as the semicolon CSV of a list (UTF-8 with BOM), chunk by chunk.

    The file is byte for byte ``table.to_csv(sep=";", index=False)`` (rows of a CSV text are
    independent); each chunk is privacy-scanned (:func:`tkpk_lib.privacy.scan_text`)
    together with the last two lines of the previous one, so a name broken over a line end
    at a chunk border is still found. Returns the kinds of personal data found.
    """
    from tkpk_lib.privacy import scan_text

    kinds: set[str] = set()
    tail = ""
    with open(path, "w", encoding="utf-8-sig") as fh:
        for a in range(0, len(table), CHUNK_ROWS):
            text = table.iloc[a : a + CHUNK_ROWS].to_csv(sep=";", index=False, header=a == 0)
            fh.write(text)
            found = scan_text(tail + text, list(names), source=source)
            kinds |= set(found["kind"])
            cut = text.rfind("\n", 0, max(text.rfind("\n", 0, len(text) - 1), 0))
            tail = text[cut + 1 :] if cut >= 0 else text
    return kinds


def write_follow_up_lists(
    registry: pd.DataFrame | str | Path,
    out_dir: str | Path,
    key: bytes,
    *,
    kab_codes: Sequence[str] | None = None,
    rules: pd.DataFrame | str | Path | None = None,
    programmes: Sequence[str] | None = None,
    scan_names: Sequence[str] = (),
    memory_limit: str | None = "512MB",
) -> list[Path]:
    """Write the follow-up lists of each kabupaten/kota: one CSV per office and a summary workbook.

    The list is computed by DuckDB over the registry (streamed to a temporary Parquet file,
    never held whole in pandas) and written one kabupaten at a time, each office's CSV in
    chunks of :data:`CHUNK_ROWS` rows: memory stays bounded at any registry size (~6
    million households in < 2 GB, benchmarks/README.md). Files are first written to a
    hidden staging folder in ``out_dir`` and moved into place only when every kabupaten has
    passed the privacy scan.

    Parameters
    ----------
    registry : DataFrame or path
        Canonical ``registry`` table (in memory or Parquet).
    out_dir : path
        Folder; each kabupaten gets ``<kab>_<slug>/`` with ``tindak_lanjut_<office>.csv``
        (households by pseudonym, sorted by desa) and ``ringkasan_tindak_lanjut_<kab>.xlsx``
        (counts per desa x programme x office).
    key : bytes
        Pseudonymisation key (see :func:`tkpk_lib.privacy.load_key`); keep it outside the
        repository.
    kab_codes : sequence of str, optional
        Kabupaten/kota to write; default every one with households to follow up.
    rules : DataFrame or path, optional
        Needs rules; default the shipped ``needs_rules.csv``.
    programmes : sequence of str, optional
        Restrict to these programme codes.
    scan_names : sequence of str
        Names from the registry that must not appear in any file (NIK-like numbers are always
        checked).
    memory_limit : str, optional
        DuckDB memory limit while the list is computed (it spills to disk beyond it; the
        process peaks ~0.7 GB above it at 6 million households).

    Returns
    -------
    list of Path
        The files written.

    Raises
    ------
    ReportError
        If the privacy scan finds a NIK-like number or a registry name in the text to be
        written (nothing is written then).

    Examples
    --------
    >>> reg = pd.DataFrame({"row_no": [1, 2], "nik": ["1701014507900001", "1701015507900002"],
    ...     "kab_code": "1701", "kec_code": "170101", "desa_code": "1701012001",
    ...     "decile": [1, 6], "n_children_7_18": [2, 2], "rcv_pip": [0, 0]})
    >>> import tempfile
    >>> [p.name for p in write_follow_up_lists(reg, tempfile.mkdtemp(), b"k" * 32, programmes=["pip"])]
    ['tindak_lanjut_dinas_pendidikan.csv', 'ringkasan_tindak_lanjut_1701.xlsx']
    """
    import os
    import shutil
    import tempfile

    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    from tkpk_lib.analysis.registry import follow_up_by_desa, follow_up_list
    from tkpk_lib.data.reference_data import region_names

    names = region_names()
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(prefix=".tindak_lanjut.", dir=out_dir))
    try:
        fl_path = follow_up_list(
            registry, rules, key, programmes=programmes, out=stage / "follow_up.parquet",
            memory_limit=memory_limit,
        )
        by_desa = follow_up_by_desa(registry, rules, programmes=programmes)
        if kab_codes:
            codes = list(kab_codes)
        else:
            kab = pq.read_table(fl_path, columns=["kab_code"]).column("kab_code")
            codes = sorted(str(v) for v in pc.unique(kab).to_pylist())
        moves: list[tuple[Path, Path]] = []
        for kab in codes:
            _stage_kabupaten(kab, fl_path, by_desa, names, out_dir, stage, moves, scan_names)
        # all kabupaten passed the scan: only now is anything put in place
        written: list[Path] = []
        for staged, final in moves:
            final.parent.mkdir(parents=True, exist_ok=True)
            os.replace(staged, final)
            written.append(final)
        return written
    finally:
        shutil.rmtree(stage, ignore_errors=True)



def _stage_kabupaten(
    kab: str,
    fl_path: Path,
    by_desa: pd.DataFrame,
    names: dict[str, str],
    out_dir: Path,
    stage: Path,
    moves: list[tuple[Path, Path]],
    scan_names: Sequence[str],
) -> None:
    """Write one kabupaten's lists (CSV per office) and summary (xlsx) into ``stage``.

    Appends ``(staged, final)`` pairs to ``moves``; raises ReportError (nothing moved) when the
    privacy scan finds personal data in the exact text of a list or the summary.
    """
    import pyarrow.parquet as pq

    from tkpk_lib.data.reference_data import kab_slug
    from tkpk_lib.privacy import scan_text

    lst = pq.read_table(fl_path, filters=[("kab_code", "=", str(kab))]).to_pandas()
    summ = by_desa[by_desa["kab_code"].astype(str) == kab].copy()
    for t in (lst, summ):
        t["kecamatan"] = t["kec_code"].astype(str).map(names)
        t["desa"] = t["desa_code"].astype(str).map(names)
    lst["kode"] = lst["pseudonym"].str[:8] + "-" + lst["pseudonym"].str[8:]
    folder = out_dir / f"{kab}_{kab_slug(kab)}"
    summary = summ[list(SUMMARY_HEADERS)].rename(columns=SUMMARY_HEADERS)
    kinds: set[str] = set()
    # one list per office: CSV (semicolon, UTF-8 with BOM) opens directly in Excel;
    # the privacy guard runs on the exact text, before anything is moved into place
    for office, g in lst.groupby("office", sort=True):
        g = g.sort_values(["desa_code", "row_no", "programme"])
        final = folder / f"tindak_lanjut_{_slug(str(office))}.csv"
        staged = stage / f"{len(moves)}.csv"
        kinds |= _write_scanned_csv(
            g[list(LIST_HEADERS)].rename(columns=LIST_HEADERS), staged, scan_names,
            str(final),
        )
        moves.append((staged, final))
    del lst
    found = scan_text(summary.to_csv(sep=";", index=False), list(scan_names), source="ringkasan")
    kinds |= set(found["kind"])
    if kinds:
        raise ReportError(
            f"follow-up lists of {kab}: the privacy scan found personal data "
            f"({sorted(kinds)}); nothing was written"
        )
    staged = stage / f"{len(moves)}.xlsx"
    with pd.ExcelWriter(staged, engine="openpyxl") as xw:
        summary.to_excel(xw, sheet_name="Ringkasan per desa", index=False)
        _autosize(xw.sheets["Ringkasan per desa"], [14, 22, 14, 24, 10, 30, 18, 18])
    moves.append((staged, folder / f"ringkasan_tindak_lanjut_{kab}.xlsx"))


def demo_key(root: str | Path) -> bytes:
    """A random key kept beside the demo data (never for real data), created on first use."""
    import secrets

    p = Path(root) / "demo_pseudonym.key"
    if not p.exists():
        p.write_text(secrets.token_hex(32), encoding="utf-8")
    return p.read_text(encoding="utf-8").strip().encode()
