"""Display tables of the follow-up of last year's plan (rencana tindak lanjut), report section 8.

Reads the ``action_plan`` section (:func:`tkpk_lib.analysis.action_plan.follow_up`): each agreed
recommendation of the plan of ``year - 1`` with its responsible OPD, deadline and status, marked
"lewat tenggat" when the deadline passed before 31 December of the report year and it is not done;
for the province, the counts by status per unit. A unit that sent no plan gets one sentence saying
so and where to put the file.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from tkpk_lib.analysis.action_plan import OVERDUE
from tkpk_lib.data.readers.action_plan import PLAN_FOLDER
from tkpk_lib.data.region import province_code
from tkpk_lib.reporting.formatting import fmt_date, fmt_int
from tkpk_lib.reporting.labels import unit_name
from tkpk_lib.reporting.reading import load_section

__all__ = ["follow_up_intro_markdown", "follow_up_table", "no_plan_sentence", "status_counts_table",
           "template_name"]


def template_name(kab_code: str, year: int) -> str:
    """File name of the plan template of a unit and year.

    Examples
    --------
    >>> template_name("1701", 2024)
    'rencana_tindak_lanjut_1701_2024.xlsx'
    """
    return f"rencana_tindak_lanjut_{kab_code}_{int(year)}.xlsx"


def _example_cache(folder: str | Path) -> Path:
    """A prepared cache holding only the ``action_plan`` section, for the examples below.

    The plan of 2023 of the first kabupaten/kota: one recommendation done, one not done past its
    deadline; no other unit sent a plan.
    """
    import json

    from tkpk_lib.analysis.action_plan import follow_up
    from tkpk_lib.data import reference_data

    kab = sorted(str(c) for c in reference_data.KAB_CODES)[0]
    plan = pd.DataFrame({"unit_code": [kab, kab], "plan_year": 2023, "item": [1, 2],
                         "problem": ["P0 lebih buruk dari provinsi", "Rapat koordinasi kurang dari 3 kali"],
                         "recommendation": ["Perluas PKH di desa kantong", "Rapat TKPK triwulanan"],
                         "opd": ["Dinas Sosial", "Bappeda"], "deadline": pd.to_datetime(["2024-06-30", "2024-09-30"]),
                         "status": ["selesai", "belum dilaksanakan"], "file": f"{template_name(kab, 2023)}"})
    out = Path(folder)
    follow_up(plan, 2024).to_parquet(out / "action_plan.parquet", index=False)
    (out / "sections.json").write_text(json.dumps({"sections": {"action_plan": {"status": "ok", "note": ""}}}),
                                       encoding="utf-8")
    return out


def _part(cache: str | Path, name: str) -> pd.DataFrame:
    t = load_section(cache, "action_plan")
    if t.empty or "table" not in t.columns:
        return pd.DataFrame()
    return t[t["table"] == name].drop(columns="table").reset_index(drop=True)


def no_plan_sentence(kab_code: str, year: int) -> str:
    """The sentence shown when a unit sent no plan of ``year - 1``.

    Examples
    --------
    >>> no_plan_sentence("1701", 2024)[:60]
    'Rencana tindak lanjut tahun 2023 untuk Kabupaten Bengkulu Se'
    """
    plan_year = int(year) - 1
    return (f"Rencana tindak lanjut tahun {plan_year} untuk {unit_name(kab_code)} tidak ditemukan, sehingga "
            f"tindak lanjutnya belum dapat dipantau. Simpan berkas {template_name(kab_code, plan_year)} (dari "
            f"folder laporan tahun {plan_year}) yang telah diisi rekomendasi, OPD penanggung jawab, tenggat dan "
            f"status di folder `{PLAN_FOLDER}/` pada folder data, lalu jalankan `tkpk run` lagi.")


def follow_up_intro_markdown(cache: str | Path, kab_code: str, year: int) -> str:
    """Heading and reading guide of the follow-up table; the no-plan sentence when the unit sent none.

    Examples
    --------
    >>> import tempfile
    >>> from tkpk_lib.data.region import province_code
    >>> cache = _example_cache(tempfile.mkdtemp())
    >>> text = follow_up_intro_markdown(cache, province_code(), 2024)
    >>> text.splitlines()[0], "tidak ditemukan" in text
    ('### Tindak lanjut rekomendasi tahun 2023', True)
    """
    plan_year = int(year) - 1
    text = (f"### Tindak lanjut rekomendasi tahun {plan_year}\n\n"
            f"Rekomendasi yang disepakati dalam rapat TKPK atas permasalahan laporan tahun {plan_year}, dengan OPD "
            f"penanggung jawab, tenggat dan status yang dilaporkan sekretariat (selesai, dalam proses, belum "
            f"dilaksanakan). **{OVERDUE.capitalize()}**: tenggat sebelum 31 Desember {int(year)} dan belum selesai; "
            "rekomendasi ini masuk kembali ke draf permasalahan di atas (pedoman 3.2.4: hasil pemantauan dan "
            "evaluasi menjadi bahan perbaikan kebijakan).")
    counts = _part(cache, "counts")
    row = counts[counts["kab_code"].astype(str) == str(kab_code)] if not counts.empty else counts
    if not row.empty and not bool(row["has_plan"].iloc[0]):
        text += "\n\n" + no_plan_sentence(kab_code, year)
    return text


def follow_up_table(cache: str | Path, kab_code: str) -> pd.DataFrame:
    """The agreed recommendations of one unit (the province: its own) with OPD, deadline and status.

    Examples
    --------
    >>> import tempfile
    >>> from tkpk_lib.data import reference_data
    >>> cache = _example_cache(tempfile.mkdtemp())
    >>> t = follow_up_table(cache, sorted(reference_data.KAB_CODES)[0])
    >>> t[["No", "Tenggat", "Status", "Lewat tenggat"]].values.tolist()
    [[1, '30 Juni 2024', 'selesai', ''], [2, '30 September 2024', 'belum dilaksanakan', 'lewat tenggat']]
    """
    t = _part(cache, "items")
    if t.empty:
        return pd.DataFrame()
    t = t[t["kab_code"].astype(str) == str(kab_code)]
    return pd.DataFrame({
        "No": t["item"].astype(int).tolist(),
        "Permasalahan": t["problem"].tolist(),
        "Rekomendasi": t["recommendation"].tolist(),
        "OPD penanggung jawab": t["opd"].tolist(),
        "Tenggat": [fmt_date(d) for d in t["deadline"]],
        "Status": t["status"].tolist(),
        "Lewat tenggat": [OVERDUE if bool(o) else "" for o in t["overdue"]],
        "Keterangan": t["note"].fillna("").tolist() if "note" in t.columns else "",
    })


def status_counts_table(cache: str | Path) -> pd.DataFrame:
    """Every unit: recommendations by status and past their deadline; "tidak ada berkas" without a plan.

    Examples
    --------
    >>> import tempfile
    >>> t = status_counts_table(_example_cache(tempfile.mkdtemp()))
    >>> t.iloc[:2, 1:].values.tolist()
    [['tidak ada berkas', '\u2013', '\u2013', '\u2013', '\u2013', '\u2013', '\u2013'], ['ada', '2', '1', '0', '1', '0', '1']]
    """
    c = _part(cache, "counts")
    if c.empty:
        return pd.DataFrame()
    c = c.set_index(c["kab_code"].astype(str))
    order = [province_code(), *sorted(u for u in c.index if u != province_code())]
    c = c.loc[[u for u in order if u in c.index]]

    def cell(col: str) -> list[str]:
        return [fmt_int(v) if bool(h) else "\u2013" for v, h in zip(c[col], c["has_plan"], strict=True)]

    return pd.DataFrame({
        "Wilayah": [unit_name(u) for u in c.index],
        "Berkas rencana": ["ada" if bool(h) else "tidak ada berkas" for h in c["has_plan"]],
        "Rekomendasi": cell("items"),
        "Selesai": cell("selesai"),
        "Dalam proses": cell("dalam_proses"),
        "Belum dilaksanakan": cell("belum_dilaksanakan"),
        "Status belum diisi": cell("belum_diisi"),
        "Lewat tenggat": cell("n_overdue"),
    }).reset_index(drop=True)
