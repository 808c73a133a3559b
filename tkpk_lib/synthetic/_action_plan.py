"""Demo follow-up plans (rencana tindak lanjut) of the year before the report year, as secretariats fill them.

One workbook per unit under ``raw/tindak_lanjut/`` with the template's title rows, the draft problems,
the recommendation, OPD and deadline agreed in the TKPK meeting and the status a year on. Contrasts
on purpose, so that the next report's follow-up table shows what it is for: statuses mixed (selesai,
dalam proses before its deadline, dalam proses and belum dilaksanakan past their deadline, so
"lewat tenggat"), one draft problem per unit not adopted (no recommendation), and the third
kabupaten/kota in code order sends no plan at all.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from ..data import reference_data
from ..data.region import province_code
from ..data.schemas import ACTION_PLAN

NO_PLAN_UNIT = 2  # position in the sorted kabupaten/kota codes: sends no plan

#: (kind, problem, evidence, recommendation, responsible OPD) of a kabupaten/kota.
KAB_ITEMS: tuple[tuple[str, str, str, str, str], ...] = (
    ("kesenjangan", "Persentase penduduk miskin (P0) lebih buruk dari provinsi",
     "{a} vs provinsi {b} (uji beda 5%)",
     "Perluas cakupan PKH dan Program Sembako di desa kantong kemiskinan setelah pemutakhiran data terpadu",
     "Dinas Sosial"),
    ("kantong tanpa program", "Desa kantong kemiskinan tanpa program strategi 3",
     "{n} dari {m} desa kantong", "Prioritaskan air minum, sanitasi dan jalan desa di desa kantong dalam RKPD",
     "Bappeda dan Dinas PUPR"),
    ("koordinasi", "Rapat koordinasi TKPK kurang dari 3 kali setahun", "2 rapat",
     "Jadwalkan rapat koordinasi TKPK triwulanan yang dipimpin Wakil Bupati/Wakil Wali Kota",
     "Bappeda (Sekretariat TKPK)"),
    ("target", "Tingkat pengangguran terbuka belum sesuai target (target sendiri)", "{a} terhadap target {b}",
     "Pelatihan kerja dan pemagangan bagi angkatan kerja muda dari rumah tangga miskin", "Dinas Tenaga Kerja"),
    ("anggaran", "Anggaran: kebutuhan tinggi, anggaran rendah", "pagu per penduduk miskin Rp {r}",
     "Naikkan pagu program pemberdayaan ekonomi (strategi 2) dalam KUA-PPAS", "BPKAD dan Bappeda"),
    ("pelaporan", "LP2KD tidak tepat waktu", "terlambat {d} hari (pedoman 3.2.6)",
     "Tetapkan jadwal penyusunan LP2KD dan penanggung jawab tiap bab di sekretariat TKPK",
     "Bappeda (Sekretariat TKPK)"),
)
#: The province's own items.
PROVINCE_ITEMS: tuple[tuple[str, str, str, str, str], ...] = (
    ("kantong lintas batas", "Kantong kemiskinan lintas batas", "{n} desa di dua kabupaten",
     "Bentuk forum koordinasi lintas kabupaten untuk desa kantong di perbatasan", "Bappeda Provinsi"),
    ("kesenjangan", "Kemiskinan ekstrem belum turun nyata", "{a} (perubahan tidak berbeda nyata)",
     "Padankan sasaran P3KE dengan data terpadu dan salurkan bantuan ke desil 1", "Dinas Sosial Provinsi"),
    ("pelaporan", "Rekapitulasi LP2KD kabupaten/kota terlambat", "{d} hari setelah jatuh tempo",
     "Kirim surat pengingat LP2KD kepada TKPK kabupaten/kota sebulan sebelum jatuh tempo",
     "Bappeda Provinsi (Sekretariat TKPK)"),
)
#: (status, deadline as month-day of the year after the plan year): done, in progress before its deadline,
#: in progress and not done past their deadline (lewat tenggat in the report of the year after).
STATUS_CYCLE: tuple[tuple[str, str], ...] = (
    ("selesai", "06-30"), ("dalam proses", "03-31+1"), ("belum dilaksanakan", "08-31"), ("dalam proses", "09-30"),
)


def _deadline(plan_year: int, spec: str) -> pd.Timestamp:
    md, _, extra = spec.partition("+")
    return pd.Timestamp(f"{plan_year + 1 + int(extra or 0)}-{md}")


def _fill(text: str, rng: np.random.Generator) -> str:
    a, b = rng.uniform(0.08, 0.2), rng.uniform(0.05, 0.12)
    return text.format(a=f"{100 * a:.2f}".replace(".", ","), b=f"{100 * b:.2f}".replace(".", ","),
                       n=int(rng.integers(2, 9)), m=int(rng.integers(9, 20)), d=int(rng.integers(5, 40)),
                       r=f"{int(rng.integers(150, 900)) * 1000:,}".replace(",", "."))


def _unit_rows(unit: str, plan_year: int, items: Sequence[tuple[str, str, str, str, str]],
               rng: np.random.Generator, offset: int) -> list[dict[str, object]]:
    rows = []
    for i, (kind, problem, evidence, rec, opd) in enumerate(items, start=1):
        adopted = i < len(items)  # the last draft problem was not adopted by the meeting
        status, spec = STATUS_CYCLE[(i - 1 + offset) % len(STATUS_CYCLE)]
        rows.append({"kode_wilayah": unit, "tahun": plan_year, "no": i, "jenis": kind, "permasalahan": problem,
                     "bukti": _fill(evidence, rng), "sumber": "laporan evaluasi tahunan",
                     "rekomendasi": rec if adopted else None, "opd_penanggung_jawab": opd if adopted else None,
                     "tenggat": _deadline(plan_year, spec).to_pydatetime() if adopted else None,
                     "status": status if adopted else None,
                     "keterangan": ("sudah dianggarkan dalam APBD perubahan" if status == "selesai" else None)
                     if adopted else None})
    return rows


def _write(path: Path, rows: list[dict[str, object]], title: str) -> None:
    """The workbook as a secretariat returns it: title rows, header on row 6, real date cells."""
    from openpyxl import Workbook

    cols = [c.source for c in ACTION_PLAN.columns]
    wb = Workbook()
    ws = wb.active
    ws.title = "Rencana tindak lanjut"
    ws.cell(1, 1, title)
    ws.cell(2, 1, "Disepakati dalam rapat TKPK; status dimutakhirkan sekretariat TKPK. DATA SINTETIS (demo).")
    for j, c in enumerate(cols, start=1):
        ws.cell(6, j, c)
    for i, r in enumerate(rows, start=7):
        for j, c in enumerate(cols, start=1):
            cell = ws.cell(i, j, r.get(c))
            if c == "tenggat" and r.get(c) is not None:
                cell.number_format = "DD/MM/YYYY"
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)


def action_plans(root: Path, plan_year: int, seed: int = 2024, *, province: str | None = None,
                 kab_codes: Sequence[str] | None = None) -> dict[str, int]:
    """Write ``raw/tindak_lanjut/rencana_tindak_lanjut_<code>_<plan_year>.xlsx`` for the province and each kab/kota.

    ``province`` and ``kab_codes`` are the demo's province and its kabupaten/kota (default: the
    process's province). The third kabupaten/kota in code order sends none.

    Returns
    -------
    dict
        ``{relative path: number of rows}``.

    Examples
    --------
    >>> import tempfile
    >>> files = action_plans(Path(tempfile.mkdtemp()), 2023, kab_codes=["1701", "1702", "1703", "1704"])
    >>> sorted(files)[:2], len(files)
    (['raw/tindak_lanjut/rencana_tindak_lanjut_1701_2023.xlsx', 'raw/tindak_lanjut/rencana_tindak_lanjut_1702_2023.xlsx'], 4)
    """
    rng = np.random.default_rng(seed + 7 * plan_year)
    province = province or province_code()
    kabs = sorted(str(c) for c in (kab_codes if kab_codes is not None else reference_data.KAB_CODES))
    out: dict[str, int] = {}
    for pos, unit in enumerate([province, *kabs]):
        if pos - 1 == NO_PLAN_UNIT:
            continue
        if unit == province:
            items: Sequence[tuple[str, str, str, str, str]] = PROVINCE_ITEMS
        else:
            k = int(rng.integers(3, len(KAB_ITEMS) + 1))
            items = [KAB_ITEMS[j] for j in sorted(rng.choice(len(KAB_ITEMS), size=k, replace=False))]
        rows = _unit_rows(unit, plan_year, items, rng, offset=pos)
        rel = f"raw/tindak_lanjut/rencana_tindak_lanjut_{unit}_{plan_year}.xlsx"
        _write(root / rel, rows, f"Rencana tindak lanjut {unit} - laporan evaluasi tahunan {plan_year}")
        out[rel] = len(rows)
    return out
