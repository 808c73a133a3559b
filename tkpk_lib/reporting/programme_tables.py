"""Report tables of the programme sections: targeting, groups, budget, follow-up (suppressed counts).

Targeting against each programme's own target group, coverage by sex of the head and
vulnerable groups, budget by strategy/cluster/fund source, and the registry follow-up table
with small counts suppressed.

Every name, target group and area comes from the programme catalogue
(:mod:`tkpk_lib.analysis.programme_catalogue`); strategies, clusters and fund sources are the
guideline's (sections 2.5, 1.1, 2.6). Survey figures carry their 95% confidence interval;
registry counts per desa below :data:`SUPPRESS_BELOW` households are printed ``"<5"``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from tkpk_lib.analysis.programme_catalogue import (
    CLUSTER_4_RULE,
    CLUSTER_LABELS,
    FUND_SOURCE_LABELS,
    REGISTRY_UNIT,
    STRATEGY_LABELS,
    applies_to_unit,
    load_catalogue,
    programme_name,
)
from tkpk_lib.data.region import province_code
from tkpk_lib.reporting.formatting import fmt_int, fmt_percent, rse_mark
from tkpk_lib.reporting.labels import TARGET_LABELS, _region_names
from tkpk_lib.reporting.reading import load_section

__all__ = [
    "GROUP_LABELS",
    "SUPPRESS_BELOW",
    "budget_footnote",
    "budget_table",
    "followup_footnote",
    "followup_table",
    "format_count",
    "format_share_ci",
    "groups_footnote",
    "programme_display",
    "registry_annex_note",
    "registry_desa_annex",
    "suppress_registry_counts",
    "targeting_footnote",
    "targeting_groups_table",
    "targeting_own_table",
    "targeting_view_table",
]

SUPPRESS_BELOW = 5
"""Registry counts per desa below this number are published as ``"<5"`` (exact only in the lists)."""

DASH = "\u2013"

GROUP_LABELS: dict[str, tuple[str, str]] = {
    "head_female": ("Kepala rumah tangga perempuan", "kepala rumah tangga laki-laki"),
    "has_elderly": ("Ada anggota lansia (60+)", "tanpa lansia"),
    "has_disabled": ("Ada anggota penyandang disabilitas", "tanpa penyandang disabilitas"),
    "has_school_child": ("Ada anak usia sekolah (7-18)", "tanpa anak usia sekolah"),
}
"""Household groups of guideline 3.2.4.e: (label of the group, label of the rest)."""


def format_share_ci(est: Any, low: Any, high: Any, rse: Any = None, decimals: int = 1) -> str:
    """A share with its 95% CI in percent, the interval kept inside 0-100 (``"45,3 (40,1-50,5)"``).

    Examples
    --------
    >>> format_share_ci(0.4531, 0.401, 0.505)
    '45,3 (40,1\u201350,5)'
    >>> format_share_ci(0.02, -0.01, 0.05, rse=0.6)
    '2,0** (0,0\u20135,0)'
    """
    if est is None or pd.isna(est):
        return DASH
    lo = min(max(float(low), 0.0), 1.0) if pd.notna(low) else np.nan
    hi = min(max(float(high), 0.0), 1.0) if pd.notna(high) else np.nan
    return (f"{fmt_percent(est, decimals)}{rse_mark(rse)} "
            f"({fmt_percent(lo, decimals)}\u2013{fmt_percent(hi, decimals)})")


def format_count(n: Any, below: int = SUPPRESS_BELOW) -> str:
    """A published registry count: ``"<5"`` for 1-4, ``"0"`` for none, else ``12.345``.

    Examples
    --------
    >>> [format_count(v) for v in (0, 3, 5, 1234)]
    ['0', '<5', '5', '1.234']
    """
    if n is None or pd.isna(n):
        return DASH
    v = int(n)
    return f"<{below}" if 0 < v < below else fmt_int(v)


def programme_display(code: str) -> dict[str, str]:
    """Name, short name, target group and unit of a programme, for sentences of the narrative.

    Examples
    --------
    >>> programme_display("blt_dd")["target_group"]
    'keluarga miskin dan miskin ekstrem di desa (bukan kelurahan) desil 1-4'
    """
    cat = load_catalogue().set_index("code")
    if code not in cat.index:
        return {"name": str(code), "short_name": str(code), "target_group": "", "unit": ""}
    r = cat.loc[code]
    return {"name": str(r["name"]), "short_name": str(r["short_name"]), "target_group": str(r["target_group"]),
            "unit": str(r["unit"])}


def _unit_rows(frame: pd.DataFrame, kab_code: str) -> pd.DataFrame:
    if frame.empty:
        return frame
    return frame[frame["kab_code"].astype(str) == str(kab_code)]


def _cell(g: pd.DataFrame, ind: str, min_sample: int) -> str:
    if ind not in g.index:
        return DASH
    r = g.loc[ind]
    if (min_sample and r["n"] < min_sample) or r["n"] == 0:
        return DASH
    return format_share_ci(r["estimate"], r["ci_low"], r["ci_high"], r["rse"])


def _targeting_rows(t: pd.DataFrame, words: dict[str, str], min_sample: int) -> pd.DataFrame:
    rows = []
    for prog, g in t.groupby("programme", sort=False):
        g = g.set_index("indicator")
        n_t = int(g.loc["coverage", "n"]) if "coverage" in g.index else 0
        n_r = int(g.loc["inclusion_error", "n"]) if "inclusion_error" in g.index else 0
        rows.append({
            "Program": programme_name(str(prog), short=True),
            "Kelompok sasaran": words.get(str(prog), ""),
            "Cakupan, % (SK 95%)": _cell(g, "coverage", min_sample),
            "Kesalahan eksklusi, % (SK 95%)": _cell(g, "exclusion_error", min_sample),
            "Kesalahan inklusi, % (SK 95%)": _cell(g, "inclusion_error", min_sample),
            "Sampel sasaran / penerima": f"{fmt_int(n_t)} / {fmt_int(n_r)}",
        })
    return pd.DataFrame(rows)


def targeting_own_table(cache: str | Path, kab_code: str, *, min_sample: int = 0) -> pd.DataFrame:
    """Coverage, exclusion and inclusion error of each programme against its own target group.

    Parameters
    ----------
    cache : path
        Prepared cache entry.
    kab_code : str
        Unit code (``"17"`` = province).
    min_sample : int
        Cells resting on fewer sample households are shown ``"\u2013"``.

    Returns
    -------
    pandas.DataFrame
        ``Program``, ``Kelompok sasaran`` (catalogue), three ``% (SK 95%)`` columns and the
        sample sizes; programmes that do not apply in the unit (BLT Dana Desa in a kota) are
        absent. Empty when the section is missing.

    Examples
    --------
    >>> targeting_own_table("derived/2024", "1701")  # doctest: +SKIP
    """
    t = _unit_rows(load_section(cache, "targeting_own"), kab_code)
    if t.empty:
        return pd.DataFrame()
    cat = load_catalogue()
    return _targeting_rows(t, dict(zip(cat["code"], cat["target_group"], strict=True)), min_sample)


def targeting_view_table(cache: str | Path, kab_code: str, target: str, *, min_sample: int = 0) -> pd.DataFrame:
    """All programmes against one group (the run's ``--target``: the poor, the bottom 40%, registry 1-4).

    The comparison view: it is labelled with the group it uses, for every programme alike;
    programmes that do not apply in the unit are absent.

    Examples
    --------
    >>> targeting_view_table("derived/2024", "1701", "poor")  # doctest: +SKIP
    """
    t = _unit_rows(load_section(cache, "targeting"), kab_code)
    if t.empty:
        return pd.DataFrame()
    t = t[[applies_to_unit(str(p), str(kab_code)) for p in t["programme"]]]
    label = TARGET_LABELS.get(target, target)
    return _targeting_rows(t, dict.fromkeys(t["programme"].astype(str), label), min_sample)


def targeting_footnote(kab_code: str, target: str | None = None) -> str:
    """Definitions under the targeting tables: inclusion/exclusion error, target groups, CI, units.

    Examples
    --------
    >>> "Kesalahan eksklusi" in targeting_footnote("1771")
    True
    """
    cat = load_catalogue()
    absent = [str(r["short_name"]) for _, r in cat.iterrows() if not applies_to_unit(str(r["code"]), str(kab_code))]
    tail = (f" Tidak berlaku di wilayah ini: {', '.join(absent)} (program ini hanya untuk desa, dan wilayah ini "
            "tidak memiliki desa); tidak dihitung sebagai kesenjangan." if absent else "")
    if target:
        return (f"Catatan: tabel pembanding ini menilai semua program terhadap satu kelompok yang sama "
                f"({TARGET_LABELS.get(target, target)}), bukan terhadap kelompok sasaran masing-masing program; "
                "kesalahan inklusi di sini mencakup penerima yang memang termasuk sasaran program tetapi tidak "
                "termasuk kelompok ini. Definisi dan satuan seperti tabel di atas." + tail)
    skipped = [str(r["short_name"]) for _, r in cat.iterrows() if int(r["survey_target"]) != 1]
    parts = [
        "Catatan: **Kesalahan eksklusi** = proporsi (%) rumah tangga kelompok sasaran program yang tidak "
        "menerima program; **kesalahan inklusi** = proporsi (%) rumah tangga penerima program yang berada di "
        "luar kelompok sasarannya. Cakupan = 100% dikurangi kesalahan eksklusi.",
        "Kelompok sasaran tiap program menurut katalog program (programme_catalogue.csv); desil = desil "
        "pengeluaran per kapita Susenas dalam kabupaten/kota, padanan desil data terpadu. Satuan: rumah tangga "
        "(sampel Susenas Maret, berbobot). Angka dalam kurung = selang kepercayaan 95% (SK 95%); * RSE 25-50%, "
        "** RSE > 50%.",
    ]
    if skipped:
        parts.append(f"Tidak dinilai: {', '.join(skipped)} (kelompok sasarannya tidak teramati di Susenas).")
    return " ".join(parts) + tail


def targeting_groups_table(cache: str | Path, kab_code: str, *, min_sample: int = 0) -> pd.DataFrame:
    """Coverage of each programme's target group by sex of the head and vulnerable groups (guideline 3.2.4.e).

    Returns
    -------
    pandas.DataFrame
        One row per household group (``Kelompok rumah tangga``: the group, then the rest of the
        households), one column per programme (short name): coverage of the programme's target
        group within that group, ``% (SK 95%)``; ``"–"`` when the target group has no
        (or fewer than ``min_sample``) sample households there.

    Examples
    --------
    >>> targeting_groups_table("derived/2024", "1701")  # doctest: +SKIP
    """
    t = _unit_rows(load_section(cache, "targeting_groups"), kab_code)
    if t.empty:
        return pd.DataFrame()
    t = t[t["indicator"] == "coverage"]
    progs = list(dict.fromkeys(t["programme"].astype(str)))
    cells = {(str(r.programme), str(r.dimension), int(r.group)): r for r in t.itertuples(index=False)}
    rows = []
    for dim in dict.fromkeys(t["dimension"].astype(str)):
        yes, no = GROUP_LABELS.get(dim, (dim, "lainnya"))
        for value, label in ((1, yes), (0, no[:1].upper() + no[1:])):
            row = {"Kelompok rumah tangga": label}
            for p in progs:
                r = cells.get((p, dim, value))
                small = r is None or r.n == 0 or (min_sample and r.n < min_sample)
                row[programme_name(p, short=True)] = DASH if small else format_share_ci(
                    r.estimate, r.ci_low, r.ci_high, r.rse)
            rows.append(row)
    return pd.DataFrame(rows)


_BUDGET_LABEL = {"by_strategy": ("strategy_label", "Strategi"), "by_cluster": ("cluster_label", "Klaster"),
                 "by_fund_source": ("fund_source_label", "Sumber dana"), "by_opd": ("opd", "OPD")}


def budget_table(cache: str | Path, kab_code: str, table: str = "by_strategy") -> pd.DataFrame:
    """Budget of one unit by strategy (2.5), cluster (1.1), fund source (2.6) or OPD, zeros shown.

    Every strategy, cluster and fund source of the guideline is a row, with 0 where no
    programme of the map has it (nil), so a source without programmes is not mistaken for
    missing data.

    Examples
    --------
    >>> budget_table("derived/2024", "1701", "by_cluster")  # doctest: +SKIP
    """
    b = _unit_rows(load_section(cache, "budget"), kab_code)
    if b.empty:
        return pd.DataFrame()
    b = b[b["table"] == table]
    col, head = _BUDGET_LABEL.get(table, ("table", "Kelompok"))
    if col not in b.columns:  # a cache of before the guideline labels
        base = {"by_strategy": ("strategy", STRATEGY_LABELS), "by_cluster": ("cluster", CLUSTER_LABELS),
                "by_fund_source": ("fund_source", FUND_SOURCE_LABELS)}[table]
        b = b.assign(**{col: b[base[0]].map(lambda v: base[1].get(v, v))})
    return pd.DataFrame({
        head: b[col].astype(str).to_numpy(),
        "Jumlah program": [fmt_int(v) for v in b["n_programmes"]],
        "Pagu (Rp)": [fmt_int(v) for v in b["budget"]],
        "Realisasi (Rp)": [fmt_int(v) for v in b["realisation"]],
        "Realisasi (%)": [fmt_percent(v, 1) for v in b["realisation_rate"]],
        "Porsi pagu (%)": [fmt_percent(v, 1) for v in b["budget_share"]],
    })


def budget_footnote() -> str:
    """Note under the budget tables: guideline terms, nil rows, the cluster-4 rule.

    Examples
    --------
    >>> "APBDes" in budget_footnote()
    True
    """
    return ("Catatan: strategi menurut Pedoman TKPK 2.5, klaster menurut 1.1, sumber dana menurut 2.6 "
            f"({', '.join(FUND_SOURCE_LABELS.values())}). Baris dengan 0 program dan pagu 0 berarti peta "
            "program tidak memuat program dari kelompok itu (nihil), bukan data yang hilang. Realisasi (%) "
            f"\u2013 = tidak ada pagu. {CLUSTER_4_RULE}")


def suppress_registry_counts(df: pd.DataFrame, cols: Sequence[str],
                             pairs: Sequence[tuple[str, str]] = (), below: int = SUPPRESS_BELOW) -> pd.DataFrame:
    """Published form of registry counts: 1 to ``below - 1`` as ``"<5"``, and complementary suppression.

    For each pair ``(a, b)`` of counts that add up to a shown total (received + to follow up =
    eligible), when one is suppressed the other is shown ``"x"``, so it cannot be found by
    subtraction.

    Parameters
    ----------
    df : pandas.DataFrame
        Exact counts.
    cols : sequence of str
        Count columns to publish.
    pairs : sequence of (str, str)
        Complementary pairs within ``cols``.
    below : int, default :data:`SUPPRESS_BELOW`
        Smallest count shown exactly.

    Returns
    -------
    pandas.DataFrame
        A copy with ``cols`` as text and a boolean ``suppressed`` column (any cell hidden).

    Examples
    --------
    >>> d = pd.DataFrame({"sasaran": [40, 3], "menerima": [37, 1], "tindak_lanjut": [3, 2]})
    >>> suppress_registry_counts(d, ["sasaran", "menerima", "tindak_lanjut"],
    ...                          [("menerima", "tindak_lanjut")]).values.tolist()
    [['40', 'x', '<5', True], ['<5', '<5', '<5', True]]
    """
    out = df.copy()
    small = {c: (pd.to_numeric(df[c], errors="coerce") > 0) & (pd.to_numeric(df[c], errors="coerce") < below)
             for c in cols}
    hidden = {c: small[c].copy() for c in cols}
    for a, b in pairs:
        hidden[b] |= small[a]
        hidden[a] |= small[b]
    for c in cols:
        out[c] = [format_count(v, below) if s else ("x" if h else format_count(v, below))
                  for v, s, h in zip(df[c], small[c], hidden[c], strict=True)]
    out["suppressed"] = np.column_stack([hidden[c].to_numpy() for c in cols]).any(axis=1)
    return out


def registry_desa_annex(rd: pd.DataFrame) -> pd.DataFrame:
    """Annex L.5 (``cakupan``): registry coverage per desa x programme, small counts suppressed.

    Parameters
    ----------
    rd : pandas.DataFrame
        Section ``registry_desa`` of one unit (per desa and programme: ``eligible``,
        ``covered``, ``missing``).

    Returns
    -------
    pandas.DataFrame
        ``desa_code``, ``desa``, ``program`` (catalogue name), ``sasaran``, ``menerima``,
        ``cakupan_pct`` (``"x"`` when a count behind it is suppressed), ``tindak_lanjut``;
        counts as published text (:func:`suppress_registry_counts`), unit rumah tangga.

    Examples
    --------
    >>> rd = pd.DataFrame({"desa_code": "1701012001", "programme": ["pkh", "any"],
    ...     "eligible": [40, 45], "covered": [38, 40], "missing": [2, 5]})
    >>> registry_desa_annex(rd)[["sasaran", "menerima", "cakupan_pct", "tindak_lanjut"]].values.tolist()
    [['40', 'x', 'x', '<5']]
    """
    rd = rd[(rd["eligible"] > 0) & (rd["programme"].astype(str) != "any")]
    names = _region_names()
    programmes = rd["programme"].astype(str)
    programme_names = {p: programme_name(p) for p in programmes.unique()}  # once per programme, not per row
    out = pd.DataFrame({
        "desa_code": rd["desa_code"].astype(str).to_numpy(),
        "desa": [names.get(str(c), str(c)) for c in rd["desa_code"]],
        "program": [programme_names[p] for p in programmes],
        "sasaran": rd["eligible"].astype(int).to_numpy(), "menerima": rd["covered"].astype(int).to_numpy(),
        "tindak_lanjut": rd["missing"].astype(int).to_numpy(),
    })
    pct = out["menerima"] / out["sasaran"]
    out = suppress_registry_counts(out, ["sasaran", "menerima", "tindak_lanjut"], [("menerima", "tindak_lanjut")])
    out.insert(5, "cakupan_pct", [("x" if s else p) for p, s in zip(pct, out["suppressed"], strict=True)])
    return out.drop(columns="suppressed")


def followup_table(cache: str | Path, kab_code: str, top: int = 15) -> pd.DataFrame:
    """Desa with the most registry households to follow up; the total counts distinct households.

    A household missing two programmes is one household in ``Total rumah tangga``, which is
    therefore not the sum of the programme columns. Counts below :data:`SUPPRESS_BELOW` are
    ``"<5"``; exact figures are only in the pseudonymised lists per office.

    Examples
    --------
    >>> followup_table("derived/2024", "1701")  # doctest: +SKIP
    """
    fu = load_section(cache, "registry_followup", None if str(kab_code) == province_code() else kab_code)
    rd = load_section(cache, "registry_desa", None if str(kab_code) == province_code() else kab_code)
    if fu.empty or rd.empty:
        return pd.DataFrame()
    tot = rd[rd["programme"].astype(str) == "any"].set_index("desa_code")["missing"]
    tot = tot[tot > 0].reset_index()
    tot = tot.sort_values(["missing", "desa_code"], ascending=[False, True], kind="stable").head(top)
    per = fu.pivot_table(index="desa_code", columns="programme", values="n_households", aggfunc="sum",
                         fill_value=0)
    order = [p for p in load_catalogue()["code"] if p in per.columns] + [p for p in per.columns
                                                                        if p not in set(load_catalogue()["code"])]
    names = _region_names()
    out = pd.DataFrame({"Kode desa": tot["desa_code"].astype(str).to_numpy(),
                        "Desa/kelurahan": [names.get(str(c), str(c)) for c in tot["desa_code"]],
                        "Kecamatan": [names.get(str(c)[:6], str(c)[:6]) for c in tot["desa_code"]]})
    if str(kab_code) == province_code():  # the province compares kabupaten/kota: say where each desa is
        out.insert(3, "Kabupaten/kota", [names.get(str(c)[:4], str(c)[:4]) for c in tot["desa_code"]])
    for prog in order:
        out[programme_name(str(prog), short=True)] = [
            format_count(per.loc[c, prog]) if c in per.index else "0" for c in tot["desa_code"]]
    out["Total rumah tangga"] = [format_count(v) for v in tot["missing"]]
    return out


def followup_footnote() -> str:
    """Note under the follow-up table: unit, distinct households, suppression rule.

    Examples
    --------
    >>> "<5" in followup_footnote()
    True
    """
    return (f"Catatan: satuan {REGISTRY_UNIT} (satu baris data terpadu). Total = rumah tangga berbeda yang "
            "belum menerima sedikitnya satu program yang kriterianya dipenuhi; satu rumah tangga yang belum "
            "menerima dua program dihitung sekali, sehingga Total bukan jumlah kolom program. BLT Dana Desa "
            f"hanya dinilai di desa (tidak di kelurahan). Jumlah 1-{SUPPRESS_BELOW - 1} ditampilkan "
            f"\"<{SUPPRESS_BELOW}\" agar rumah tangga tidak dapat dikenali; angka persis hanya ada di daftar "
            "tindak lanjut per OPD yang memakai pseudonim (`tkpk follow-up`).")


def groups_footnote() -> str:
    """Note under the table by sex of the head and vulnerable groups (and why complaints are not split).

    Examples
    --------
    >>> "3.2.4.e" in groups_footnote()
    True
    """
    return ("Catatan: cakupan = proporsi (%) rumah tangga kelompok sasaran program (katalog program) yang "
            "menerima program, di dalam kelompok rumah tangga itu dan di luarnya (pembanding), sesuai Pedoman "
            "TKPK 3.2.4.e (pemantauan memperhatikan gender, lansia, penyandang disabilitas dan anak). Angka "
            "dalam kurung = SK 95%; dua selang yang bertumpang tindih belum menunjukkan perbedaan. \u2013 = "
            "tidak ada atau terlalu sedikit sampel sasaran di kelompok itu. Log pengaduan tidak mencatat jenis "
            "kelamin atau kelompok rentan pengadu, sehingga pengaduan belum dapat dirinci menurut kelompok ini.")


def registry_annex_note() -> str:
    """Note under annex L.5: unit and the suppression rule.

    Examples
    --------
    >>> "rumah tangga" in registry_annex_note()
    True
    """
    return (f"Catatan: satuan {REGISTRY_UNIT}. Jumlah 1-{SUPPRESS_BELOW - 1} ditampilkan \"<{SUPPRESS_BELOW}\"; "
            "bila \"menerima\" atau \"perlu tindak lanjut\" ditekan, pasangannya dan angka cakupan ditampilkan "
            "\"x\" agar tidak dapat dihitung dari selisih. Angka persis hanya ada di daftar tindak lanjut per OPD "
            "yang memakai pseudonim. BLT Dana Desa hanya dinilai di desa.")
