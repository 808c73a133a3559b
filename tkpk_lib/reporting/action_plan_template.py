"""The follow-up plan template (rencana tindak lanjut) the secretariat fills after its TKPK meeting.

``tkpk run`` (the annex notebook) and ``tkpk template tindak-lanjut`` write, per unit,
``rencana_tindak_lanjut_<code>_<year>.xlsx``: the report's DRAFT problems with their evidence
(``problems`` section, :func:`tkpk_lib.analysis.problems.draft_problems`) and empty columns
rekomendasi, opd_penanggung_jawab, tenggat, status and keterangan; a dropdown for the status
(selesai / dalam proses / belum dilaksanakan) and date cells for the deadline; a note that the rows
are a draft to be agreed in the TKPK meeting and where the filled file goes
(``raw/tindak_lanjut/``, read by :mod:`tkpk_lib.data.readers.action_plan` for next year's report);
"DATA SINTETIS - BUKAN STATISTIK RESMI" on the demo's inputs.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from tkpk_lib.data.readers.action_plan import PLAN_FOLDER
from tkpk_lib.data.schemas import ACTION_PLAN, ACTION_STATUSES
from tkpk_lib.reporting.action_plan_tables import template_name
from tkpk_lib.reporting.labels import unit_name
from tkpk_lib.reporting.reading import load_section

__all__ = ["HEADER_ROW", "template_frame", "write_plan_template"]

#: Row of the column headers (title and notes above it).
HEADER_ROW = 6
#: Rows below the draft that also get the dropdown and date cells (problems the meeting adds).
SPARE_ROWS = 20
_WIDTHS = {"kode_wilayah": 12, "tahun": 7, "no": 5, "jenis": 16, "permasalahan": 42, "bukti": 48, "sumber": 22,
           "rekomendasi": 42, "opd_penanggung_jawab": 26, "tenggat": 13, "status": 20, "keterangan": 30}


def template_frame(problems: pd.DataFrame, kab_code: str, year: int) -> pd.DataFrame:
    """The template's rows: the unit's own draft problems under the template headers, the rest empty.

    A kabupaten/kota gets its rows; the province its own (cross-border pockets, its reporting),
    each kabupaten/kota filling its own file.

    Examples
    --------
    >>> pr = pd.DataFrame({"kab_code": ["1701", "1702"], "kind": ["pelaporan", "koordinasi"],
    ...     "problem": ["LP2KD tidak tepat waktu", "Rapat kurang"], "evidence": ["terlambat 19 hari", "2 rapat"],
    ...     "source": ["log kegiatan TKPK"] * 2})
    >>> t = template_frame(pr, "1701", 2024)
    >>> t.columns.tolist()[:5], t[["kode_wilayah", "tahun", "no", "permasalahan", "status"]].values.tolist()
    (['kode_wilayah', 'tahun', 'no', 'jenis', 'permasalahan'], [['1701', 2024, 1, 'LP2KD tidak tepat waktu', '']])
    """
    cols = [c.source for c in ACTION_PLAN.columns]
    if problems.empty:
        return pd.DataFrame(columns=cols)
    own = problems[problems["kab_code"].astype(str) == str(kab_code)]
    n = len(own)
    data: dict[str, list[object]] = {c: [""] * n for c in cols}
    data.update({"kode_wilayah": [str(kab_code)] * n, "tahun": [int(year)] * n, "no": list(range(1, n + 1))})
    for src, col in (("jenis", "kind"), ("permasalahan", "problem"), ("bukti", "evidence"), ("sumber", "source")):
        if col in own.columns:
            data[src] = own[col].astype(str).tolist()
    return pd.DataFrame(data, columns=cols)


def _notes(kab_code: str, year: int) -> list[str]:
    return [
        f"Rencana tindak lanjut {unit_name(kab_code)} - permasalahan laporan evaluasi tahunan {int(year)}",
        "DRAF untuk disepakati dalam rapat TKPK: permasalahan dan bukti disusun otomatis dari laporan. Isi "
        "rekomendasi, opd_penanggung_jawab (nama OPD, bukan nama orang) dan tenggat (tanggal); status dan "
        "keterangan diisi saat pemantauan tahun berikutnya. Baris tanpa rekomendasi dianggap tidak disepakati; "
        "permasalahan lain boleh ditambahkan di baris kosong.",
        f"Simpan berkas yang telah diisi di folder {PLAN_FOLDER}/ pada folder data: laporan tahun {int(year) + 1} "
        "memantau tindak lanjutnya. Periksa berkas dengan: tkpk validate --source tindak-lanjut BERKAS",
    ]


def _validations(ws: object, first: int, last: int, col: dict[str, str]) -> None:
    """Status dropdown and date cells over the data rows and the spare rows."""
    from openpyxl.worksheet.datavalidation import DataValidation

    status = DataValidation(type="list", formula1='"' + ",".join(ACTION_STATUSES) + '"', allow_blank=True,
                            showErrorMessage=True, errorTitle="Status",
                            error="Pilih: " + ", ".join(ACTION_STATUSES))
    status.add(f"{col['status']}{first}:{col['status']}{last}")
    deadline = DataValidation(type="date", operator="greaterThan", formula1="DATE(2000,1,1)", allow_blank=True,
                              showErrorMessage=True, errorTitle="Tenggat", error="Isi tanggal (misalnya 30/06/2025)")
    deadline.add(f"{col['tenggat']}{first}:{col['tenggat']}{last}")
    ws.add_data_validation(status)  # type: ignore[attr-defined]
    ws.add_data_validation(deadline)  # type: ignore[attr-defined]
    for r in range(first, last + 1):
        ws[f"{col['tenggat']}{r}"].number_format = "DD/MM/YYYY"  # type: ignore[index]


def write_plan_template(cache: str | Path, output_dir: str | Path | None, kab_code: str, year: int, *,
                        data_root: str | Path | None = None) -> Path | None:
    """Write ``rencana_tindak_lanjut_<code>_<year>.xlsx`` into ``output_dir`` (None when it is empty).

    Parameters
    ----------
    cache : path
        Prepared tables (its ``problems`` section gives the draft rows).
    output_dir : path or None
        The unit's report folder; empty: nothing is written.
    kab_code : str
        Unit (kabupaten/kota or province code).
    year : int
        Report year (the plan's year).
    data_root : path, optional
        With the synthetic demo's root, every printed page and the sheet say "DATA SINTETIS".

    Returns
    -------
    pathlib.Path or None

    Examples
    --------
    >>> write_plan_template("derived/2024", "", "1701", 2024) is None
    True
    """
    if not output_dir:
        return None
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    from tkpk_lib.paths import is_demo_folder
    from tkpk_lib.reporting.excel_sheets import SYNTHETIC_MARK, print_setup

    synthetic = data_root is not None and is_demo_folder(data_root)
    t = template_frame(load_section(cache, "problems"), kab_code, year)
    wb = Workbook()
    ws = wb.active
    ws.title = "Rencana tindak lanjut"
    for i, line in enumerate(_notes(kab_code, year), start=1):
        ws.cell(i, 1, line).font = Font(bold=i == 1, size=12 if i == 1 else 10)
    if synthetic:
        ws.cell(4, 1, SYNTHETIC_MARK).font = Font(bold=True, color="C00000")
    col = {c: get_column_letter(j) for j, c in enumerate(t.columns, start=1)}
    for j, c in enumerate(t.columns, start=1):
        ws.cell(HEADER_ROW, j, c).font = Font(bold=True)
        ws.column_dimensions[col[c]].width = _WIDTHS.get(c, 14)
    wrap = Alignment(wrap_text=True, vertical="top")
    for i, row in enumerate(t.itertuples(index=False), start=HEADER_ROW + 1):
        for j, v in enumerate(row, start=1):
            ws.cell(i, j, v if v != "" else None).alignment = wrap
    last = HEADER_ROW + len(t)
    _validations(ws, HEADER_ROW + 1, last + SPARE_ROWS, col)
    ws.freeze_panes = f"A{HEADER_ROW + 1}"
    print_setup(ws, header_rows=(HEADER_ROW, HEADER_ROW), last_row=max(last, HEADER_ROW + 1), ncol=len(t.columns),
                header_text=f"{unit_name(kab_code)} - {int(year)}", synthetic=synthetic)
    out = Path(output_dir)
    out.mkdir(parents=True, exist_ok=True)
    path = out / template_name(kab_code, year)
    wb.save(path)
    return path


def write_templates(root: str | Path, year: int, units: list[str] | None = None,
                    out: str | Path = ".") -> list[Path]:
    """``tkpk template tindak-lanjut``: the template of each unit, from the tables prepared for ``year``.

    Parameters
    ----------
    root : path
        Data root (its province's tables are prepared when they are not yet).
    year : int
        Report year.
    units : list of str, optional
        Unit codes (default the province and every kabupaten/kota).
    out : path
        Folder the workbooks are written to.

    Returns
    -------
    list of pathlib.Path

    Examples
    --------
    >>> write_templates("data/demo/generated", 2024, ["1701"], "/tmp/tl")  # doctest: +SKIP
    [PosixPath('/tmp/tl/rencana_tindak_lanjut_1701_2024.xlsx')]
    """
    from tkpk_lib.data import reference_data
    from tkpk_lib.data.region import province_code
    from tkpk_lib.paths import require_writable
    from tkpk_lib.reporting.cache import ensure_prepared

    require_writable(Path(out).absolute(), "choose another folder with --out")
    cache = ensure_prepared(root, int(year))
    codes = units or [province_code(), *sorted(str(c) for c in reference_data.KAB_CODES)]
    return [p for c in codes if (p := write_plan_template(cache, out, str(c), year, data_root=root)) is not None]
