"""Draft "permasalahan, rekomendasi dan rencana tindak lanjut" from the evidence (issue 13 section 4).

:func:`draft_problems` lists candidate problems per unit, each with the figure it rests on:
indicators significantly worse than the province, targets off track, budget low against the
need, pocket desa without a strategy-3 programme, cross-border pockets, a late or missing LP2KD,
fewer than three coordination meetings. It is a DRAFT for the secretariat: the recommendation,
responsible OPD and deadline columns stay empty for the meeting to fill.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from tkpk_lib.data.region import province_code

COLUMNS = ["kab_code", "kind", "problem", "evidence", "source"]
#: How a missed target is named by where it came from (the targets section's ``target_status``;
#: illustrative ones as :data:`tkpk_lib.reporting.labels.ILLUSTRATIVE_TARGET`).
TARGET_KINDS = {"own": "target sendiri", "official": "target resmi"}


def _part(stacked: pd.DataFrame | None, name: str) -> pd.DataFrame:
    if stacked is None or stacked.empty or "table" not in stacked.columns:
        return pd.DataFrame()
    return stacked[stacked["table"] == name].dropna(axis=1, how="all")


def _pct(x: float) -> str:
    return f"{100 * float(x):.2f}".replace(".", ",")


def _named(per_unit: str) -> str:
    """``"1701 (18), 1705 (8)"`` with unit names instead of codes."""
    from tkpk_lib.reporting.labels import unit_name

    return ", ".join(f"{unit_name(p.split(' (')[0])} ({p.split(' (', 1)[1]}" for p in per_unit.split(", ") if " (" in p)


def _rows_matrix(board: pd.DataFrame | None, names: Mapping[str, str]) -> list[dict[str, str]]:
    m = _part(board, "matrix")
    rows = []
    if m.empty:
        return rows
    for r in m[m["vs_province"] == "lebih buruk dari provinsi"].itertuples():
        name = names.get(r.indicator, r.indicator)
        rows.append({"kab_code": r.kab_code, "kind": "kesenjangan",
                     "problem": f"{name} lebih buruk dari provinsi",
                     "evidence": f"{_pct(r.estimate)} vs provinsi {_pct(r.province)} (selisih {_pct(r.diff_province)} "
                                 f"poin, galat baku {_pct(r.diff_se)}; uji beda 5%)",
                     "source": "papan harmonisasi"})
    if "target_status" in m.columns:
        # the statuses of trends.compare_targets that say the target is missed (an undecided one is not a problem)
        for r in m[m["target_status"].isin(["belum sesuai target", "tidak tercapai"])].itertuples():
            from tkpk_lib.reporting.labels import ILLUSTRATIVE_TARGET

            k = str(getattr(r, "target_kind", "own"))
            kind = ILLUSTRATIVE_TARGET if k == "illustrative" else TARGET_KINDS.get(k, "target sendiri")
            rows.append({"kab_code": r.kab_code, "kind": "target",
                         "problem": f"{names.get(r.indicator, r.indicator)} {r.target_status} ({kind})",
                         "evidence": f"{_pct(r.estimate)} terhadap target {_pct(r.target)} ({int(r.target_year)})",
                         "source": "tabel target"})
    money = _part(board, "money")
    if not money.empty and "need_vs_money" in money.columns:
        for r in money[money["need_vs_money"].astype(str).str.startswith(("kebutuhan tinggi, anggaran rendah",
                                                                          "anggaran rendah"))].itertuples():
            rows.append({"kab_code": r.kab_code, "kind": "anggaran", "problem": f"Anggaran: {r.need_vs_money}",
                         "evidence": f"pagu per penduduk miskin Rp {r.per_poor:,.0f} (rentang Rp {r.per_poor_low:,.0f}"
                                     f"\u2013{r.per_poor_high:,.0f})".replace(",", "."),
                         "source": "peta program dan Susenas"})
    cb = _part(board, "cross_border")
    for r in cb.itertuples() if not cb.empty else []:
        rows.append({"kab_code": province_code(), "kind": "kantong lintas batas",
                     "problem": f"Kantong kemiskinan lintas batas (klaster {int(r.cluster)})",
                     "evidence": f"{int(r.n_desa)} desa: {_named(str(r.desa_per_unit))}",
                     "source": "analisis LISA desa"})
    return rows


def draft_problems(frames: Mapping[str, pd.DataFrame], names: Mapping[str, str] | None = None) -> pd.DataFrame:
    """Candidate problems with their evidence, from the prepared sections.

    Parameters
    ----------
    frames : mapping of str -> DataFrame
        Sections ``harmonisation``, ``synergy`` and ``mechanisms`` (each optional).
    names : mapping, optional
        Indicator code -> Indonesian name.

    Returns
    -------
    pandas.DataFrame
        ``kab_code, kind, problem, evidence, source``; empty columns ``recommendation, opd,
        deadline`` for the secretariat.

    Examples
    --------
    >>> mech = pd.DataFrame({"table": ["reporting", "counts"], "unit_code": ["1702", "1704"],
    ...     "status": ["terlambat 19 hari", None], "due_date": ["2025-01-31", None],
    ...     "meetings": [None, 2], "meetings_ok": [None, "kurang dari 3 rapat"]})
    >>> draft_problems({"mechanisms": mech})[["kab_code", "kind"]].values.tolist()
    [['1702', 'pelaporan'], ['1704', 'koordinasi']]
    """
    names = dict(names or {})
    rows = _rows_matrix(frames.get("harmonisation"), names)
    syn = _part(frames.get("synergy"), "summary")
    if not syn.empty and "pocket_no_strategy3" in syn.columns:
        for r in syn[(syn["kab_code"].astype(str) != province_code()) & (syn["pocket_no_strategy3"] > 0)].itertuples():
            rows.append({"kab_code": str(r.kab_code), "kind": "kantong tanpa program",
                         "problem": "Desa kantong kemiskinan tanpa program strategi 3",
                         "evidence": f"{int(r.pocket_no_strategy3)} dari {int(r.pocket_desa)} desa kantong "
                                     f"({int(r.pocket_no_programme)} tanpa program sama sekali)",
                         "source": "peta program dan daftar kantong"})
    mech = frames.get("mechanisms")
    rep, counts = _part(mech, "reporting"), _part(mech, "counts")
    for r in rep[~rep["status"].isin(["tepat waktu", "belum jatuh tempo"])].itertuples() if not rep.empty else []:
        rows.append({"kab_code": str(r.unit_code), "kind": "pelaporan", "problem": "LP2KD tidak tepat waktu",
                     "evidence": f"{r.status} (jatuh tempo {str(r.due_date)[:10]}, pedoman 3.2.6)",
                     "source": "log kegiatan TKPK"})
    for r in counts[counts["meetings_ok"] != "memenuhi"].itertuples() if not counts.empty else []:
        rows.append({"kab_code": str(r.unit_code), "kind": "koordinasi",
                     "problem": "Rapat koordinasi TKPK kurang dari 3 kali setahun",
                     "evidence": f"{int(r.meetings)} rapat", "source": "log kegiatan TKPK"})
    out = pd.DataFrame(rows, columns=COLUMNS)
    out["kab_code"] = out["kab_code"].astype(str)
    for c in ("recommendation", "opd", "deadline"):
        out[c] = ""
    return out
