"""Follow-up lists for the offices: who should get a programme but does not, per desa and office.

:func:`tkpk_lib.registry.follow_up_list` finds the households; this module writes what an office
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


def write_follow_up_lists(
    registry: pd.DataFrame | str | Path,
    out_dir: str | Path,
    key: bytes,
    *,
    kab_codes: Sequence[str] | None = None,
    rules: pd.DataFrame | str | Path | None = None,
    programmes: Sequence[str] | None = None,
    scan_names: Sequence[str] = (),
) -> list[Path]:
    """Write the follow-up lists of each kabupaten/kota: one CSV per office and a summary workbook.

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
    from tkpk_lib.export import atomic_path
    from tkpk_lib.privacy import scan_text
    from tkpk_lib.reference_data import kab_slug, region_names
    from tkpk_lib.registry import follow_up_by_desa, follow_up_list

    fl = follow_up_list(registry, rules, key, programmes=programmes)
    by_desa = follow_up_by_desa(registry, rules, programmes=programmes)
    names = region_names()
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    codes = list(kab_codes) if kab_codes else sorted(fl["kab_code"].astype(str).unique())
    planned: list[tuple[dict[Path, str], Path, pd.DataFrame]] = []
    for kab in codes:
        lst = fl[fl["kab_code"].astype(str) == kab].copy()
        summ = by_desa[by_desa["kab_code"].astype(str) == kab].copy()
        for t in (lst, summ):
            t["kecamatan"] = t["kec_code"].astype(str).map(names)
            t["desa"] = t["desa_code"].astype(str).map(names)
        lst["kode"] = lst["pseudonym"].str[:8] + "-" + lst["pseudonym"].str[8:]
        folder = out_dir / f"{kab}_{kab_slug(kab)}"
        outputs: dict[Path, str] = {}
        summary = summ[list(SUMMARY_HEADERS)].rename(columns=SUMMARY_HEADERS)
        # one list per office: CSV (semicolon, UTF-8 with BOM) opens directly in Excel and
        # writes 100,000 rows in a fraction of a second
        for office, g in lst.groupby("office", sort=True):
            g = g.sort_values(["desa_code", "row_no", "programme"])
            text = g[list(LIST_HEADERS)].rename(columns=LIST_HEADERS).to_csv(sep=";", index=False)
            outputs[folder / f"tindak_lanjut_{_slug(str(office))}.csv"] = text
        # the privacy guard runs on the exact text before anything is written
        texts = {
            **{str(k): v for k, v in outputs.items()},
            "ringkasan": summary.to_csv(sep=";", index=False),
        }
        found = [scan_text(v, list(scan_names), source=k) for k, v in texts.items()]
        found = [f for f in found if not f.empty]
        if found:
            kinds = sorted(set().union(*(set(f["kind"]) for f in found)))
            raise ReportError(
                f"follow-up lists of {kab}: the privacy scan found personal data ({kinds}); "
                "nothing was written"
            )
        planned.append((outputs, folder / f"ringkasan_tindak_lanjut_{kab}.xlsx", summary))
    # all kabupaten passed the scan: only now is anything written
    written: list[Path] = []
    for outputs, xlsx, summary in planned:
        for path, text in outputs.items():
            with atomic_path(path) as tmp:
                tmp.write_text(text, encoding="utf-8-sig")
            written.append(path)
        with atomic_path(xlsx) as tmp:
            with pd.ExcelWriter(tmp, engine="openpyxl") as xw:
                summary.to_excel(xw, sheet_name="Ringkasan per desa", index=False)
                _autosize(xw.sheets["Ringkasan per desa"], [14, 22, 14, 24, 10, 30, 18, 18])
        written.append(xlsx)
    return written


def demo_key(root: str | Path) -> bytes:
    """A random key kept beside the demo data (never for real data), created on first use."""
    import secrets

    p = Path(root) / "demo_pseudonym.key"
    if not p.exists():
        p.write_text(secrets.token_hex(32), encoding="utf-8")
    return p.read_text(encoding="utf-8").strip().encode()
