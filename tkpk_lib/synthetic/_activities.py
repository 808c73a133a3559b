"""Demo TKPK activity log (issue 13): socialisation, coordination meetings, monitoring, report submissions.

Contrasts on purpose, so that the report shows what it is for: the second kabupaten in code order
submits its LP2KD late, the fourth holds fewer than three coordination meetings, the others and the
province meet the guideline (LP2KD within one month, two for the province; three meetings a year).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from ..data import reference_data
from ..data.region import province_code
from ..data.schemas import ACTIVITIES, ACTIVITY_AUDIENCES

MEDIA = ("rapat", "tatap muka", "media cetak", "media elektronik", "media daring")
LATE_UNIT, FEW_MEETINGS_UNIT = 1, 3  # positions in KAB_CODES


def _row(i: int, kind: str, unit: str, day: pd.Timestamp | None, **kw: object) -> dict[str, object]:
    return {"ID": f"KG{i:04d}", "JENIS": kind, "KODE_WILAYAH": unit,
            "TANGGAL": "" if day is None else day.strftime("%Y-%m-%d"), **kw}


def activity_log(root: Path, year: int, seed: int = 2024, *, province: str | None = None,
                 kab_codes: Sequence[str] | None = None) -> dict[str, int]:
    """Write ``raw/activities/kegiatan_tkpk_<year>.csv`` (semicolon separated, ISO dates).

    ``province`` and ``kab_codes`` are the demo's province and its kabupaten/kota (default: the
    process's province, :func:`tkpk_lib.data.region.province_code`).

    Returns
    -------
    dict
        ``{relative path: number of rows}``.

    Examples
    --------
    >>> import tempfile
    >>> list(activity_log(Path(tempfile.mkdtemp()), 2024))
    ['raw/activities/kegiatan_tkpk_2024.csv']
    """
    rng = np.random.default_rng(seed + year)
    province = province or province_code()  # the demo's province, else the process's (a setting)
    kabs = kab_codes if kab_codes is not None else reference_data.KAB_CODES
    units = [province, *sorted(str(c) for c in kabs)]
    rows: list[dict[str, object]] = []
    start = pd.Timestamp(year, 1, 1)
    for pos, u in enumerate(units):
        kab_pos = pos - 1
        n_meet = 2 if kab_pos == FEW_MEETINGS_UNIT else int(rng.integers(3, 6))
        for m in range(n_meet):
            day = start + pd.Timedelta(days=int(60 + m * 300 / max(n_meet, 1) + rng.integers(0, 20)))
            rows.append(_row(len(rows) + 1, "rapat_koordinasi", u, day,
                             TINGKAT="provinsi" if u == province else "kabupaten/kota",
                             PIMPINAN="Wakil Gubernur" if u == province else "Wakil Bupati/Wakil Wali Kota",
                             KEPUTUSAN="tindak lanjut verifikasi data terpadu dan penajaman lokus"))
        for _ in range(int(rng.integers(1, 4))):
            day = start + pd.Timedelta(days=int(rng.integers(30, 330)))
            rows.append(_row(len(rows) + 1, "monitoring", u, day, PENYELENGGARA="Sekretariat TKPK"))
        for _ in range(int(rng.integers(2, 6))):
            day = start + pd.Timedelta(days=int(rng.integers(15, 340)))
            aud = ACTIVITY_AUDIENCES[int(rng.integers(0, len(ACTIVITY_AUDIENCES)))]
            rows.append(_row(len(rows) + 1, "sosialisasi", u, day, PENYELENGGARA="Bappeda",
                             SASARAN=aud, MEDIA=MEDIA[int(rng.integers(0, len(MEDIA)))],
                             JUMLAH_PESERTA=int(rng.integers(20, 400))))
        due = (pd.Timestamp(year + 1, 3, 1) - pd.Timedelta(days=1)) if u == province \
            else pd.Timestamp(year + 1, 1, 31)
        sub = due + pd.Timedelta(days=19) if kab_pos == LATE_UNIT else due - pd.Timedelta(days=int(rng.integers(1, 15)))
        rows.append(_row(len(rows) + 1, "laporan", u, sub, LAPORAN=f"LP2KD {year}",
                         TGL_JATUH_TEMPO=due.strftime("%Y-%m-%d")))
    cols = [c.source for c in ACTIVITIES.columns]
    df = pd.DataFrame(rows).reindex(columns=cols).astype(object).fillna("")
    path = root / "raw" / "activities" / f"kegiatan_tkpk_{year}.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    df.to_csv(path, sep=";", index=False)
    return {f"raw/activities/kegiatan_tkpk_{year}.csv": len(df)}
