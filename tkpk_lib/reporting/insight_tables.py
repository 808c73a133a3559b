"""Report tables of what the library computes beyond the headline sections, and the province comparison.

Each table reads the prepared cache (nothing is computed in the notebooks) and comes with one
sentence on how to read it (:data:`HOW_TO_READ`):

* coverage of each programme by welfare quintile and the incidence of its benefits
  (:func:`incidence_table`);
* the Susenas estimate of recipient households against the registry count (:func:`survey_registry_table`);
* the programme overlap matrix (:func:`overlap_table`);
* direct and model (Fay-Herriot) kecamatan P0 side by side with their CVs (:func:`sae_table`);
* the pocket kecamatan that stay pockets across draws of the estimates (:func:`stable_pocket_table`,
  rule in :func:`tkpk_lib.analysis.pocket_rule.pocket_rule`);
* the IDM-like class and the typology of desa in words (:func:`village_class_table`);
* pocket desa that no programme reaches (:func:`unreached_pocket_table`).

For the province (code ``"17"``) these tables carry a ``Kabupaten/kota`` column or one row per
kabupaten/kota; the province-only comparison tables are in
:mod:`tkpk_lib.reporting.insight_province`. :func:`show` displays nothing for an empty table.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from tkpk_lib.data.region import province_code
from tkpk_lib.reporting.formatting import fmt_int, fmt_number, fmt_percent, rse_mark
from tkpk_lib.reporting.labels import (
    PROGRAMME_LABELS,
    _region_names,
    unit_name,
)
from tkpk_lib.reporting.reading import load_section

DASH = "\u2013"
AREA = "Kabupaten/kota"

#: One sentence per table on how to read it (shown above the table).
HOW_TO_READ: dict[str, str] = {
    "coverage": "Cara membaca: proporsi (%) rumah tangga di setiap kuintil pengeluaran yang menerima program "
                "(kuintil 1 = 20% rumah tangga dengan pengeluaran per kapita terendah); program yang tepat "
                "sasaran cakupannya tinggi di kuintil 1 dan turun ke kuintil 5. Program tanpa penerima dalam "
                "sampel wilayah ini tidak ditampilkan.",
    "incidence": "Cara membaca: dari seluruh rumah tangga penerima program, berapa % berada di setiap "
                 "kuintil (baris berjumlah 100%); makin besar porsi kuintil 1-2, makin tepat sasaran manfaatnya.",
    "survey_registry": "Cara membaca: jumlah rumah tangga penerima menurut Susenas (dugaan dengan SK 95%) dibanding "
                       "jumlah penerima yang tercatat di data terpadu; angka data terpadu di luar SK berarti "
                       "perbedaan yang tidak dapat dijelaskan oleh galat sampel (periksa cakupan pendataan, "
                       "pemadanan atau jawaban survei).",
    "survey_registry_area": "Cara membaca: jumlah rumah tangga penerima yang tercatat di data terpadu sebagai % "
                            "dari dugaan Susenas (100 = sama); (+) = data terpadu di atas SK 95% Susenas, (\u2212) = "
                            "di bawah, tanpa tanda = dalam SK; \u2013 = tidak ada penerima menurut Susenas. Angka "
                            "lengkap dengan SK ada di laporan setiap kabupaten/kota.",
    "overlap": "Cara membaca: baris = program A, kolom = program B; sel = proporsi (%) rumah tangga penerima "
               "program A yang juga menerima program B (Susenas). Nilai tinggi berarti program saling "
               "melengkapi pada rumah tangga yang sama.",
    "sae": "Cara membaca: P0 langsung dari sampel Susenas kecamatan dan P0 model (Fay-Herriot, memakai data "
           "Podes dan dibenchmark ke P0 kabupaten/kota) dengan koefisien variasi (CV = galat baku / nilai). "
           "CV model yang lebih kecil menunjukkan ketelitian yang diperoleh dari model; kecamatan tanpa "
           "sampel hanya mempunyai nilai model.",
    "stable": "Cara membaca: peluang masuk = proporsi (%) tarikan acak dari sebaran dugaan P0 di mana kecamatan "
              "termasuk kelompok teratas menurut tingkat; hanya kantong tetap yang dapat disebut kantong "
              "dengan yakin.",
    "class": "Cara membaca: jumlah desa/kelurahan menurut kelas desa mirip IDM (dari skor deprivasi Podes, bukan "
             "status IDM resmi Kemendesa) dan tipologi desa (kelompok desa dengan masalah layanan yang mirip), "
             "seluruh desa dibanding desa kantong kemiskinan.",
    "unreached": "Cara membaca: desa/kelurahan kantong kemiskinan yang tidak menjadi lokus satu pun program dalam "
                 "peta program tahun ini; desa/kelurahan ini perlu diusulkan sebagai lokus.",
    "coverage_area": "Cara membaca: cakupan setiap program pada kelompok sasaran di setiap kabupaten/kota "
                     "(%, Susenas), untuk membandingkan antarwilayah; \u2013 = tidak ada rumah tangga "
                     "penerima dalam sampel wilayah itu (program tidak berjalan di sana) atau sampel terlalu kecil.",
    "targets_area": "Cara membaca: capaian indikator setiap kabupaten/kota terhadap targetnya.",
    "budget_area": "Cara membaca: pagu dan realisasi program penanggulangan kemiskinan setiap kabupaten/kota, "
                   "dan porsi pagu yang sampai ke desa kantong kemiskinan menurut strategi.",
    "complaints_area": "Cara membaca: jumlah pengaduan dan penyelesaiannya di setiap kabupaten/kota.",
}

#: IDM-like village classes from the most to the least deprived.
IDM_ORDER = ("sangat tertinggal", "tertinggal", "berkembang", "maju", "mandiri")


def ci_text(est: float, lo: float, hi: float, *, scale: float = 100.0, decimals: int = 1) -> str:
    """An estimate with its 95% CI, Indonesian number format, the interval not below zero.

    Examples
    --------
    >>> ci_text(0.537, 0.4561, 0.6179)
    '53,7 (45,6\u201361,8)'
    >>> ci_text(0.02, -0.01, 0.05)
    '2,0 (0,0\u20135,0)'
    >>> ci_text(float("nan"), 0, 0)
    '\u2013'
    """
    if est is None or pd.isna(est):
        return DASH
    lo = max(float(lo), 0.0) if pd.notna(lo) else lo
    return (f"{fmt_number(est * scale, decimals)} ({fmt_number(lo * scale, decimals)}"
            f"\u2013{fmt_number(hi * scale, decimals)})")


def province_rank(values: pd.Series) -> pd.Series:
    """Rank over the whole province, 1 = largest, ties share the best rank (as the pocket ranks).

    Examples
    --------
    >>> province_rank(pd.Series([0.1, 0.3, 0.3, float("nan")])).tolist()
    [3.0, 1.0, 1.0, nan]
    """
    return values.rank(ascending=False, method="min")


def _prog(code: object) -> str:
    return PROGRAMME_LABELS.get(str(code), str(code))


def _is_province(kab_code: str) -> bool:
    return str(kab_code) == province_code()


def _recipients(cache: str | Path) -> pd.Series:
    """Sample households receiving each programme, by (kab_code, programme) (Susenas, ``coverage`` section).

    A programme without a single recipient in a unit's sample (BLT Dana Desa in a kota without
    desa) is not shown for that unit: a coverage of 0 there is not a gap.
    """
    c = load_section(cache, "coverage")
    if c.empty:
        return pd.Series(dtype=float)
    inc = c[c["indicator"] == "beneficiary_incidence"]
    return inc.groupby([inc["kab_code"].astype(str), inc["programme"].astype(str)])["n"].sum()


def _kab_codes(cache: str | Path) -> list[str]:
    """Every kabupaten/kota of the run (those with Susenas indicators), in code order."""
    ind = load_section(cache, "indicators")
    return sorted(c for c in set(ind["kab_code"].astype(str)) if c != province_code())


def _area_col(frame: pd.DataFrame, codes: pd.Series) -> pd.DataFrame:
    frame.insert(0, AREA, [unit_name(str(c)) for c in codes])
    return frame


def incidence_table(cache: str | Path, kab_code: str, indicator: str = "coverage", *,
                    min_sample: int = 0) -> pd.DataFrame:
    """Programme coverage (or benefit incidence) by welfare quintile of one unit, with 95% CIs.

    Parameters
    ----------
    cache : path
        Prepared cache (section ``coverage``).
    kab_code : str
        Kabupaten/kota or ``"17"``.
    indicator : {"coverage", "beneficiary_incidence"}
        P(received | quintile) or P(quintile | received).
    min_sample : int
        Cells from fewer sample households are shown as "\u2013".

    Returns
    -------
    pandas.DataFrame
        ``Program`` and one column per quintile: "estimate (CI)" in percent with the RSE mark.

    Examples
    --------
    >>> incidence_table("derived/2024", "1701")  # doctest: +SKIP
    """
    c = load_section(cache, "coverage")
    if c.empty:
        return c
    rec = _recipients(cache)
    c = c[(c["kab_code"].astype(str) == str(kab_code)) & (c["indicator"] == indicator)]
    rows = []
    for prog, g in c.groupby("programme", sort=False):
        if not rec.get((str(kab_code), str(prog)), 0):
            continue
        row = {"Program": _prog(prog)}
        for r in g.itertuples():
            small = min_sample and r.n < min_sample
            row[f"Kuintil {int(r.welfare_quintile)}"] = DASH if small else (
                ci_text(r.estimate, r.ci_low, r.ci_high) + rse_mark(r.rse))
        rows.append(row)
    return pd.DataFrame(rows)


_AGREEMENT = {"within_ci": "dalam SK Susenas", "registry_below": "di bawah SK Susenas",
              "registry_above": "di atas SK Susenas", "no_survey_estimate": "tidak ada dugaan Susenas",
              "no_registry_value": "tidak ada di data terpadu"}


def survey_registry_table(cache: str | Path, kab_code: str) -> pd.DataFrame:
    """Susenas estimate of recipient households (95% CI) against the registry count, per programme.

    For the province (:func:`registry_ratio_cell`): one row per kabupaten/kota and the province,
    one column per programme, the registry count as a percentage of the Susenas estimate marked
    "(+)" above the survey's 95% CI and "(\u2212)" below it.

    Examples
    --------
    >>> survey_registry_table("derived/2024", "1771")  # doctest: +SKIP
    """
    s = load_section(cache, "survey_registry")
    if s.empty:
        return s
    s = s.assign(kab_code=s["kab_code"].astype(str))
    if not _is_province(kab_code):
        s = s[s["kab_code"] == str(kab_code)]
    s = s[(s["survey_estimate"].fillna(0) > 0) | (s["registry"].fillna(0) > 0)]  # nothing on either side
    order = {p: i for i, p in enumerate(PROGRAMME_LABELS)}
    s = s.assign(_p=s["kab_code"] == province_code(), _o=s["programme"].map(order))
    s = s.sort_values(["_p", "kab_code", "_o"], kind="stable")
    if _is_province(kab_code):
        wide = pd.DataFrame({AREA: [unit_name(c) for c in dict.fromkeys(s["kab_code"])]})
        for prog, g in s.groupby("programme", sort=False):
            g = g.set_index("kab_code")
            wide[_prog(prog)] = [registry_ratio_cell(*g.loc[c, ["registry", "survey_estimate", "agreement"]])
                                 if c in g.index else DASH for c in dict.fromkeys(s["kab_code"])]
        return wide
    out = pd.DataFrame({
        "Program": [_prog(p) for p in s["programme"]],
        "Susenas: dugaan rumah tangga penerima": [fmt_int(v) for v in s["survey_estimate"]],
        "SK 95%": [f"{fmt_int(max(lo, 0))}\u2013{fmt_int(hi)}" if pd.notna(lo) else DASH
                   for lo, hi in zip(s["ci_low"], s["ci_high"], strict=True)],
        "Data terpadu: rumah tangga penerima": [fmt_int(v) for v in s["registry"]],
        "Data terpadu terhadap Susenas": [_AGREEMENT.get(str(a), str(a)) for a in s["agreement"]],
    })
    return out.reset_index(drop=True)


def registry_ratio_cell(registry: float, survey: float, agreement: str) -> str:
    """The registry count as a percentage of the Susenas estimate, marked by where it lies against the CI.

    Examples
    --------
    >>> registry_ratio_cell(1340, 1000, "registry_above"), registry_ratio_cell(980, 1000, "within_ci")
    ('134 (+)', '98')
    >>> registry_ratio_cell(50, 0, "registry_above")
    '\u2013 (+)'
    """
    mark = {"registry_above": " (+)", "registry_below": " (\u2212)"}.get(str(agreement), "")
    if pd.isna(survey) or survey <= 0 or pd.isna(registry):
        return DASH + mark
    return fmt_int(100 * registry / survey) + mark


def overlap_table(cache: str | Path, kab_code: str, *, min_sample: int = 0) -> pd.DataFrame:
    """Programme overlap matrix of one unit: % of recipients of the row programme who also get the column one.

    Cells on fewer than ``min_sample`` sample recipients are "\u2013"; RSE marks as elsewhere.

    Examples
    --------
    >>> overlap_table("derived/2024", "1701")  # doctest: +SKIP
    """
    o = load_section(cache, "overlap")
    if o.empty:
        return o
    o = o[(o["kab_code"].astype(str) == str(kab_code)) & (o["indicator"] == "share_b_given_a")]
    diag = o[o["programme_a"] == o["programme_b"]].set_index("programme_a")["n"]
    order = [p for p in dict.fromkeys(o["programme_a"]) if diag.get(p, 0) > 0]
    out = pd.DataFrame({"Penerima program": [_prog(p) for p in order]})
    cell = {(r.programme_a, r.programme_b): (DASH if (min_sample and r.n < min_sample) or pd.isna(r.estimate)
                                             else fmt_percent(r.estimate, 1) + rse_mark(r.rse))
            for r in o.itertuples()}
    for b in order:
        out[f"juga {_prog(b)}"] = [DASH if a == b else cell.get((a, b), DASH) for a in order]
    return out


def sae_table(cache: str | Path, kab_code: str) -> pd.DataFrame:
    """Direct and model (Fay-Herriot) kecamatan P0 with their CVs, one unit's kecamatan.

    For the province: one row per kabupaten/kota summarising its kecamatan (number, with a
    sample, median CV direct and model, kecamatan with CV at most 25%).

    Examples
    --------
    >>> sae_table("derived/2024", "1701")  # doctest: +SKIP
    """
    k = load_section(cache, "pockets_kecamatan")
    if k.empty:
        return k
    k = k.assign(kab_code=k["kab_code"].astype(str), kec_code=k["kec_code"].astype(str))
    if _is_province(kab_code):
        return _sae_by_area(k)
    k = k[k["kab_code"] == str(kab_code)].sort_values("kec_code", kind="stable")
    names = _region_names()
    gain = 1 - k["cv"] / k["direct_cv"].where(k["direct_cv"] > 0)
    return pd.DataFrame({
        "Kecamatan": [names.get(c, c) for c in k["kec_code"]],
        "Rumah tangga sampel": [fmt_int(v) for v in k["n_hh"]],
        "P0 langsung (%)": [fmt_percent(v, 1) for v in k["direct"]],
        "CV langsung (%)": [fmt_percent(v, 1) for v in k["direct_cv"]],
        "P0 model (%)": [fmt_percent(v, 1) for v in k["estimate"]],
        "CV model (%)": [fmt_percent(v, 1) for v in k["cv"]],
        "Penurunan CV (%)": [fmt_percent(v, 0) if pd.notna(v) else "tanpa sampel" for v in gain],
    }).reset_index(drop=True)


def _sae_by_area(k: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for code, g in k.groupby("kab_code", sort=True):
        samp = g[g["direct_cv"].notna()]
        rows.append({
            AREA: unit_name(str(code)),
            "Kecamatan": fmt_int(len(g)),
            "Kecamatan bersampel": fmt_int(len(samp)),
            "Median CV langsung (%)": fmt_percent(samp["direct_cv"].median(), 1) if len(samp) else DASH,
            "Median CV model (%)": fmt_percent(g["cv"].median(), 1),
            "CV \u2264 25%: langsung": fmt_int((samp["direct_cv"] <= 0.25).sum()),
            "CV \u2264 25%: model": fmt_int((g["cv"] <= 0.25).sum()),
        })
    return pd.DataFrame(rows)


def stable_pocket_table(cache: str | Path, kab_code: str) -> pd.DataFrame:
    """Kecamatan pockets (and near-pockets) with the share of draws in the top and their stability class.

    Rows: every kecamatan that is a pocket or enters the top by rate in at least 20% of draws;
    for the province the pockets that stay pockets only (the others are counted per
    kabupaten/kota by :func:`stable_pocket_summary`), with the ``Kabupaten/kota`` column and the
    province-wide rank by P0 model.

    Examples
    --------
    >>> stable_pocket_table("derived/2024", "1701")  # doctest: +SKIP
    """
    from tkpk_lib.analysis.pocket_rule import POCKET_TOP, STABLE_SHARE, pocket_stability
    from tkpk_lib.analysis.pockets import POCKET_TYPES

    pk = load_section(cache, "pockets", kab_code)
    if pk.empty:
        return pk
    k = pk[pk["level"] == "kecamatan"].copy()
    k["_prov_rank"] = province_rank(k["rate"].astype(float))
    # a kabupaten/kota also sees its near-pockets; the province its pockets only
    near = (k["p_top_rate"] >= 1 - STABLE_SHARE) & (not _is_province(kab_code))
    k = k[k["is_pocket"].astype(bool) | near]
    if _is_province(kab_code):
        k = k[k["p_top_rate"] >= STABLE_SHARE]
    k = k.sort_values(["_prov_rank" if _is_province(kab_code) else "rank_rate", "code"], kind="stable")
    out = pd.DataFrame({
        "Peringkat" + (" provinsi" if _is_province(kab_code) else ""):
            [fmt_int(v) for v in (k["_prov_rank"] if _is_province(kab_code) else k["rank_rate"])],
        "Kecamatan": k["name"].astype(str).to_numpy(),
        "P0 model (%)": [ci_text(v, v - 1.96 * s, v + 1.96 * s) for v, s in zip(k["rate"], k["se"], strict=True)],
        "Jenis kantong": k["pocket_type"].astype(str).to_numpy(),
        f"Peluang masuk {round(POCKET_TOP * 100)}% teratas (%)": [fmt_percent(v, 0) for v in k["p_top_rate"]],
        # the draws concern the ranking by rate: a pocket by number only says so
        "Kesimpulan (menurut tingkat)": [
            c + (" (kantong menurut jumlah)" if t == POCKET_TYPES[2] else "")
            for c, t in zip(pocket_stability(k["p_top_rate"].to_numpy(float)), k["pocket_type"], strict=True)],
    })
    if "pocket_share" in k.columns:
        out["Klaster spasial pada peta plausibel (%)"] = [fmt_percent(v, 0) for v in k["pocket_share"]]
    if _is_province(kab_code):
        _area_col(out, k["kab_code"])
    return out.reset_index(drop=True)


def village_class_table(cache: str | Path, kab_code: str, by: str = "status_idm_like") -> pd.DataFrame:
    """Number of desa by IDM-like class (or typology, ``by="typology_id"``): all desa and pocket desa.

    Examples
    --------
    >>> village_class_table("derived/2024", "1701")  # doctest: +SKIP
    """
    pk = load_section(cache, "pockets", kab_code)
    if pk.empty or by not in pk.columns:
        return pd.DataFrame()
    d = pk[pk["level"] == "desa"]
    allc = d[by].fillna("tidak diketahui").astype(str).value_counts()
    pock = d.loc[d["is_pocket"].astype(bool), by].fillna("tidak diketahui").astype(str).value_counts()
    order = [c for c in IDM_ORDER if c in allc.index] if by == "status_idm_like" else list(allc.index)
    order += [c for c in allc.index if c not in order]
    head = "Kelas desa (mirip IDM)" if by == "status_idm_like" else "Tipologi desa"
    return pd.DataFrame({
        head: order,
        "Semua desa": [fmt_int(allc.get(c, 0)) for c in order],
        "Desa kantong": [fmt_int(pock.get(c, 0)) for c in order],
        "Desa kantong (% dari kelas)": [fmt_percent(pock.get(c, 0) / allc[c], 1) for c in order],
    })


def unreached_pocket_table(cache: str | Path, kab_code: str, top: int = 20) -> pd.DataFrame:
    """Pocket desa that no programme of the programme map reaches.

    For a kabupaten/kota: the first ``top`` by rank; for the province: per kabupaten/kota the
    number of pocket desa, those without a programme, and each strategy's budget share in
    pocket desa.

    Examples
    --------
    >>> unreached_pocket_table("derived/2024", "1701")  # doctest: +SKIP
    """
    conv = load_section(cache, "convergence", kab_code)
    pk = load_section(cache, "pockets", kab_code)
    if conv.empty or pk.empty:
        return pd.DataFrame()
    if _is_province(kab_code):
        desa = pk[(pk["level"] == "desa") & pk["is_pocket"].astype(bool)]
        return _unreached_by_area(conv, desa["kab_code"].astype(str).value_counts().sort_index())
    d = conv[(conv["table"] == "desa") & (conv["kab_code"].astype(str) == str(kab_code))]
    none = set(d.loc[d["no_programme"].astype(float) > 0, "desa_code"].astype(str))
    p = pk[(pk["level"] == "desa") & pk["code"].astype(str).isin(none)]
    p = p.sort_values(["rank_rate", "code"], kind="stable").head(top)
    names = _region_names()
    out = pd.DataFrame({
        "Peringkat": [fmt_int(v) for v in p["rank_rate"]],
        "Desa/kelurahan": p["name"].astype(str).to_numpy(),
        "Kecamatan": [names.get(str(c), str(c)) for c in p["kec_code"]],
        "Jenis kantong": p["pocket_type"].astype(str).to_numpy(),
    })
    if "status_idm_like" in p.columns:
        out["Kelas desa (mirip IDM)"] = p["status_idm_like"].fillna("").astype(str).to_numpy()
    return out.reset_index(drop=True)


def _unreached_by_area(conv: pd.DataFrame, n_pockets: pd.Series) -> pd.DataFrame:
    """Per kabupaten/kota: pocket desa, those no programme reaches, strategy budget shares in pockets.

    A kabupaten/kota without rows in the programme map has all its pocket desa without a
    programme and no budget shares ("–").
    """
    conv = conv.assign(kab_code=conv["kab_code"].astype(str))
    summ = conv[(conv["table"] == "summary") & (conv["kab_code"] != province_code())]
    strat = conv[(conv["table"] == "by_strategy") & (conv["kab_code"] != province_code())]
    rows = []
    for code, total in n_pockets.items():
        g = summ[summ["kab_code"] == code]
        none = g.loc[g["status"] == "tidak ada program", "n_desa"].sum() if len(g) else total
        row = {AREA: unit_name(str(code)), "Desa kantong": fmt_int(total), "Tanpa program": fmt_int(none),
               "Tanpa program (%)": fmt_percent(none / total, 1) if total else DASH}
        for r in strat[strat["kab_code"] == code].itertuples():
            row[f"Porsi pagu di desa kantong: {r.strategy_label} (%)"] = fmt_percent(r.budget_share_priority, 1)
        rows.append(row)
    return pd.DataFrame(rows).fillna(DASH)


def show(table: pd.DataFrame, caption: str, how: str | None = None) -> None:
    """Display a table with its caption and the sentence on how to read it; nothing when it is empty.

    Parameters
    ----------
    table : pandas.DataFrame
        A table of this module.
    caption : str
        Table caption.
    how : str, optional
        Key of :data:`HOW_TO_READ` (or the sentence itself).

    Examples
    --------
    >>> show(pd.DataFrame(), "Tabel kosong")  # nothing is displayed
    """
    if table is None or table.empty:
        return
    from IPython.display import Markdown, display

    from tkpk_lib.reporting.notebook import styled

    if how:
        display(Markdown(HOW_TO_READ.get(how, how)))
    display(styled(table, caption))


def pocket_rule_markdown() -> str:
    """The pocket rule (:func:`tkpk_lib.analysis.pocket_rule.pocket_rule`) as a report paragraph.

    Examples
    --------
    >>> pocket_rule_markdown().startswith("**Aturan kantong kemiskinan.** Sebuah kecamatan")
    True
    """
    from tkpk_lib.analysis.pocket_rule import pocket_rule

    return "**Aturan kantong kemiskinan.** " + pocket_rule()


def survey_registry_how(kab_code: str) -> str:
    """Key of the how-to-read sentence of :func:`survey_registry_table` for this unit.

    Examples
    --------
    >>> survey_registry_how("17"), survey_registry_how("1701")
    ('survey_registry_area', 'survey_registry')
    """
    return "survey_registry_area" if _is_province(kab_code) else "survey_registry"
