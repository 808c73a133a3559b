"""Draft "permasalahan, rekomendasi dan rencana tindak lanjut" from the evidence (issue 13 section 4).

:func:`draft_problems` lists candidate problems per unit, each with the figure it rests on:
indicators significantly worse than the province, targets off track, budget low against the
need, pocket desa without a strategy-3 programme, desa to check for double funding or a regional
programme duplicating a central one, cross-border pockets, a late or missing LP2KD, fewer than
three coordination meetings, few registry households with the full complementary package, last
year's recommendations not done past their deadline (:mod:`tkpk_lib.analysis.action_plan`).
It is a DRAFT for the secretariat: the recommendation,
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
#: The statuses of :func:`tkpk_lib.analysis.trends.compare_targets` that say a target is missed (an
#: undecided one is not a problem).
MISSED = ("belum sesuai target", "tidak tercapai")

#: A kabupaten/kota where fewer than this share of the registry households eligible for two or more
#: programmes of the complementary package (guideline 3.2.1.a) receive all of them is a candidate problem.
LOW_FULL_PACKAGE = 0.5


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


def _target_row(kab_code: str, indicator: str, status: str, kind_code: object, estimate: float, target: float,
                target_year: float, names: Mapping[str, str]) -> dict[str, str]:
    """A missed target as a draft problem, the target named by where it came from."""
    from tkpk_lib.reporting.labels import ILLUSTRATIVE_TARGET

    k = str(kind_code)
    kind = ILLUSTRATIVE_TARGET if k == "illustrative" else TARGET_KINDS.get(k, "target sendiri")
    return {"kab_code": str(kab_code), "kind": "target", "problem": f"{names.get(indicator, indicator)} {status} ({kind})",
            "evidence": f"{_pct(estimate)} terhadap target {_pct(target)} ({int(target_year)})",
            "source": "tabel target"}


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
        for r in m[m["target_status"].isin(MISSED)].itertuples():
            rows.append(_target_row(r.kab_code, r.indicator, r.target_status, getattr(r, "target_kind", "own"),
                                    r.estimate, r.target, r.target_year, names))
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


def _rows_province_targets(targets: pd.DataFrame | None, names: Mapping[str, str]) -> list[dict[str, str]]:
    """The province's own missed targets (section ``targets``; the board matrix has kabupaten/kota rows only).

    Examples
    --------
    >>> t = pd.DataFrame({"kab_code": [province_code(), province_code(), "1701"], "indicator": ["p0", "tpt", "p0"],
    ...     "estimate": [0.142, 0.031, 0.2], "target": [0.1174, 0.0384, 0.1], "target_year": 2024,
    ...     "status_id": ["belum sesuai target", "tercapai", "tidak tercapai"], "target_status": "own"})
    >>> [(r["kab_code"] == province_code(), r["problem"]) for r in _rows_province_targets(t, {"p0": "P0"})]
    [(True, 'P0 belum sesuai target (target sendiri)')]
    """
    if targets is None or targets.empty or not {"status_id", "kab_code", "target"} <= set(targets.columns):
        return []
    t = targets[(targets["kab_code"].astype(str) == province_code()) & targets["status_id"].isin(MISSED)]
    # in the targets section ``status_id`` is the status and ``target_status`` the kind of target
    return [_target_row(province_code(), r.indicator, r.status_id, getattr(r, "target_status", "own"),
                        r.estimate, r.target, r.target_year, names) for r in t.itertuples()]


def _rows_package(package: pd.DataFrame | None) -> list[dict[str, str]]:
    """Units where few registry households eligible for 2+ package programmes receive all of them.

    Only rows whose counts are published (no part of 1-4 households, as in the report table).
    """
    if package is None or package.empty or "level" not in package.columns:
        return []
    from tkpk_lib.analysis.programme_catalogue import programme_name
    from tkpk_lib.reporting.formatting import fmt_int
    from tkpk_lib.reporting.programme_tables import SUPPRESS_BELOW

    kab = package[(package["level"] == "kabupaten") & (package["eligible"] > 0)]
    parts = kab[["full", "partial", "none"]]
    kab = kab[(kab["full"] / kab["eligible"] < LOW_FULL_PACKAGE) & ~((parts > 0) & (parts < SUPPRESS_BELOW)).any(axis=1)]
    rows = []
    for r in kab.itertuples():
        top = (f"; paling sering belum diterima: {programme_name(str(r.top_missing), short=True)} "
               f"({fmt_int(r.top_missing_n)} rumah tangga)") if isinstance(r.top_missing, str) else ""
        rows.append({"kab_code": str(r.kab_code), "kind": "paket komplementer",
                     "problem": f"Kurang dari {100 * LOW_FULL_PACKAGE:.0f}% rumah tangga sasaran menerima paket "
                                "program komplementer secara lengkap",
                     "evidence": f"{_pct(r.full / r.eligible)}% paket lengkap ({fmt_int(r.full)} dari "
                                 f"{fmt_int(r.eligible)} rumah tangga yang memenuhi kriteria 2+ program paket, "
                                 f"pedoman 3.2.1.a){top}",
                     "source": "data terpadu"})
    return rows


def _rows_action_plan(plan: pd.DataFrame | None) -> list[dict[str, str]]:
    """Last year's recommendations not done by their deadline (:mod:`tkpk_lib.analysis.action_plan`)."""
    items = _part(plan, "items")
    if items.empty or "overdue" not in items.columns:
        return []
    from tkpk_lib.reporting.formatting import fmt_date

    return [{"kab_code": str(r.kab_code), "kind": "tindak lanjut",
             "problem": f"Tindak lanjut {int(r.plan_year)} lewat tenggat: {r.problem}",
             "evidence": f"rekomendasi \"{r.recommendation}\" (OPD {r.opd}, tenggat {fmt_date(r.deadline)}, status {r.status})",
             "source": f"rencana tindak lanjut {int(r.plan_year)}"}
            for r in items[items["overdue"].astype(bool)].itertuples()]


def _names_once(text: object) -> str:
    """``"Jalan Desa, jalan  desa"`` -> ``"Jalan Desa"``: names joined by ", " once each, case and spacing ignored."""
    seen: dict[str, str] = {}
    for n in str(text).split(", "):
        seen.setdefault(" ".join(n.lower().split()), n)
    return ", ".join(v for k, v in seen.items() if k and k != "nan")


def _rupiah(x: float) -> str:
    return f"Rp {float(x):,.0f}".replace(",", ".")


def _rows_relationships(synergy: pd.DataFrame | None) -> list[dict[str, str]]:
    """Desa to check from the programme map (:mod:`tkpk_lib.analysis.synergy`).

    One programme from two levels of government in one desa, and regional programmes beside a
    central one without a declared relationship; worded as something to check, since the map
    cannot prove a duplication.
    """
    rows = []
    dup = _part(synergy, "duplicate_funding")
    if not dup.empty:
        dup = dup.assign(kab_code=dup["kab_code"].astype(str))
        for (kab, _ids), g in dup.groupby(["kab_code", "dup_programme_ids"], sort=True):
            from tkpk_lib.reporting.labels import PROGRAMME_LABELS

            head, sep, central = str(g["basis"].iloc[0]).partition(": ")  # a catalogue code -> its short name
            basis = head + sep + PROGRAMME_LABELS.get(central, central)
            rows.append({"kab_code": kab, "kind": "keterpaduan program",
                         "problem": f"Perlu dicek: pendanaan ganda? {_names_once(g['dup_programme'].iloc[0])} didanai "
                                    f"{' dan '.join(str(g['dup_fund_sources'].iloc[0]).split(', '))} di desa yang sama",
                         "evidence": f"{g['desa_code'].nunique()} desa; pagu gabungan {_rupiah(g['dup_budget'].sum())}; "
                                     f"dasar: {basis}",
                         "source": "peta program"})
    chk = _part(synergy, "relationship_check")
    if not chk.empty:
        chk = chk.assign(kab_code=chk["kab_code"].astype(str))
        keys = ["kab_code", "regional_programme", "regional_source", "central_programmes"]
        for (kab, prog, src, central), g in chk.groupby(keys, sort=True):
            budget = (f"; pagu program daerah di desa itu {_rupiah(g['regional_budget'].sum())}"
                      if "regional_budget" in g.columns else "")
            groups = _names_once(", ".join(sorted(set(g["target_group"].astype(str)))))
            rows.append({"kab_code": kab, "kind": "keterpaduan program",
                         "problem": f"Perlu dicek: duplikasi atau pelengkap? {prog} ({src}) dan {central} (APBN), "
                                    "hubungan tidak dinyatakan di peta program",
                         "evidence": f"{g['desa_code'].nunique()} desa dengan lokus dan sasaran ({groups}) yang sama "
                                     f"dengan program pusat{budget}",
                         "source": "peta program"})
    return rows


def draft_problems(frames: Mapping[str, pd.DataFrame], names: Mapping[str, str] | None = None) -> pd.DataFrame:
    """Candidate problems with their evidence, from the prepared sections.

    Parameters
    ----------
    frames : mapping of str -> DataFrame
        Sections ``targets`` (the province's own rows), ``harmonisation``, ``synergy``,
        ``mechanisms``, ``registry_package`` and ``action_plan`` (each optional; a kabupaten/kota with a share of full packages below
        :data:`LOW_FULL_PACKAGE` is a problem; so is a recommendation of last year's plan not
        done past its deadline).
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
    rows = _rows_province_targets(frames.get("targets"), names) + _rows_matrix(frames.get("harmonisation"), names)
    syn = _part(frames.get("synergy"), "summary")
    if not syn.empty and "pocket_no_strategy3" in syn.columns:
        for r in syn[(syn["kab_code"].astype(str) != province_code()) & (syn["pocket_no_strategy3"] > 0)].itertuples():
            rows.append({"kab_code": str(r.kab_code), "kind": "kantong tanpa program",
                         "problem": "Desa kantong kemiskinan tanpa program strategi 3",
                         "evidence": f"{int(r.pocket_no_strategy3)} dari {int(r.pocket_desa)} desa kantong "
                                     f"({int(r.pocket_no_programme)} tanpa program sama sekali)",
                         "source": "peta program dan daftar kantong"})
    rows += _rows_relationships(frames.get("synergy"))
    from tkpk_lib.reporting.formatting import fmt_date

    mech = frames.get("mechanisms")
    rep, counts = _part(mech, "reporting"), _part(mech, "counts")
    for r in rep[~rep["status"].isin(["tepat waktu", "belum jatuh tempo"])].itertuples() if not rep.empty else []:
        rows.append({"kab_code": str(r.unit_code), "kind": "pelaporan", "problem": "LP2KD tidak tepat waktu",
                     "evidence": f"{r.status} (jatuh tempo {fmt_date(r.due_date)}, pedoman 3.2.6)",
                     "source": "log kegiatan TKPK"})
    for r in counts[counts["meetings_ok"] != "memenuhi"].itertuples() if not counts.empty else []:
        rows.append({"kab_code": str(r.unit_code), "kind": "koordinasi",
                     "problem": "Rapat koordinasi TKPK kurang dari 3 kali setahun",
                     "evidence": f"{int(r.meetings)} rapat", "source": "log kegiatan TKPK"})
    rows += _rows_package(frames.get("registry_package"))
    rows += _rows_action_plan(frames.get("action_plan"))
    out = pd.DataFrame(rows, columns=COLUMNS)
    out["kab_code"] = out["kab_code"].astype(str)
    for c in ("recommendation", "opd", "deadline"):
        out[c] = ""
    return out
