"""Material for the RPKD and the annual action plan, in the order of the RPKD chapters (issue 13, section 4).

The guideline asks the TKPK secretariat to prepare "bahan RPKD, rencana aksi, dan agenda kerja
tahunan". :func:`rpkd_material` arranges what the prepared sections already hold into the
three chapters of an RPKD, for one kabupaten/kota or the province:

1. profil kemiskinan daerah (:func:`poverty_profile`): the headline indicators with their
   sampling error, the change since the comparison year and the difference from the province,
   each with its 5% test, and the unit's own target;
2. prioritas masalah dan program: the draft problems ranked (:func:`rank_problems`), the
   budget per strategy with the map programme that reached least of its target
   (:func:`strategy_budget`), and the national programmes whose coverage of their own target
   group is lowest (:func:`programme_priority`, "rendah" only when the whole 95% CI is below
   :data:`LOW_COVERAGE`);
3. lokasi prioritas: kecamatan ranked by the model P0 with rank intervals
   (:func:`rank_intervals`, :func:`priority_kecamatan`) and pocket desa ranked by the
   deprivation score with the programmes that reach them (:func:`priority_desa`).

Nothing here is estimated anew: these are pure functions of the prepared sections. It is
material (bahan) for the secretariat, not an adopted plan.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from tkpk_lib.data.region import province_code

#: Coverage of a programme's own target group below which it is called low (when its whole 95% CI is below).
LOW_COVERAGE = 0.5
#: Verdict when an interval does not decide (the guideline's reports' words).
UNDECIDED = "belum dapat disimpulkan"
#: Problem kinds of :func:`tkpk_lib.analysis.problems.draft_problems` in priority order: off-track own
#: targets and significant gaps first, then pockets, integration of programmes, money, follow-up,
#: reporting and coordination (a kind not listed comes last).
PROBLEM_ORDER: tuple[str, ...] = ("target", "kesenjangan", "kantong tanpa program", "kantong lintas batas",
                                  "keterpaduan program", "paket komplementer", "anggaran", "tindak lanjut",
                                  "pelaporan", "koordinasi")
#: Strategy (iii) of guideline 2.5, "penurunan jumlah kantong-kantong kemiskinan": the one pocket desa need.
POCKET_STRATEGY = 3
#: Indicators that are not population means (no test against the province).
NOT_COMPARED_HERE: tuple[str, ...] = ("poor_count",)
CHAPTERS: dict[str, str] = {
    "profil": "1. Profil kemiskinan daerah",
    "masalah": "2a. Prioritas masalah",
    "strategi": "2b. Prioritas program: anggaran per strategi",
    "program": "2c. Prioritas program: cakupan program terhadap sasarannya",
    "kecamatan": "3a. Lokasi prioritas: kecamatan",
    "desa": "3b. Lokasi prioritas: desa/kelurahan kantong kemiskinan",
}


def _part(stacked: pd.DataFrame | None, name: str) -> pd.DataFrame:
    if stacked is None or stacked.empty or "table" not in stacked.columns:
        return pd.DataFrame()
    return stacked[stacked["table"] == name].dropna(axis=1, how="all")


def _of(frame: pd.DataFrame | None, unit: str) -> pd.DataFrame:
    if frame is None or frame.empty or "kab_code" not in frame.columns:
        return pd.DataFrame()
    return frame[frame["kab_code"].astype(str) == str(unit)]


def poverty_profile(frames: Mapping[str, pd.DataFrame], unit: str, year: int,
                    indicators: Sequence[str] | None = None) -> pd.DataFrame:
    """Chapter 1: the unit's headline indicators with SE, CI, change, difference from the province and target.

    Parameters
    ----------
    frames : mapping of str -> DataFrame
        Sections ``indicators`` (required), ``change`` and ``targets`` (optional).
    unit : str
        Kabupaten/kota code or the province code.
    year : int
        Report year.
    indicators : sequence of str, optional
        Indicator codes (default :data:`tkpk_lib.reporting.labels.HEADLINE`).

    Returns
    -------
    pandas.DataFrame
        One row per indicator the unit has: ``indicator, estimate, se, ci_low, ci_high,
        reliability, province, diff_province, diff_se, vs_province`` (the board's test; for the
        province itself "angka provinsi"), ``change, change_ci_low, change_ci_high, change_id,
        year_a, target_year, target, target_status``.

    Examples
    --------
    >>> ind = pd.DataFrame({"year": 2024, "indicator": "p0", "kab_code": ["1701", "17"],
    ...     "estimate": [0.20, 0.14], "se": [0.02, 0.01], "ci_low": [0.16, 0.12],
    ...     "ci_high": [0.24, 0.16], "n_weighted": [250.0, 1000.0], "reliability": "reliable"})
    >>> ch = pd.DataFrame({"indicator": "p0", "kab_code": ["1701"], "year_a": 2023, "difference": -0.03,
    ...     "ci_low": -0.08, "ci_high": 0.02, "assessment_id": "tidak berbeda nyata"})
    >>> p = poverty_profile({"indicators": ind, "change": ch}, "1701", 2024, ["p0"])
    >>> p[["vs_province", "change_id"]].values.tolist(), round(float(p["diff_se"].iloc[0]), 5)
    ([['lebih buruk dari provinsi', 'tidak berbeda nyata']], 0.01732)
    """
    from tkpk_lib.analysis.harmonisation import NOT_COMPARED, unit_board

    if indicators is None:
        from tkpk_lib.reporting.labels import HEADLINE

        indicators = HEADLINE
    ind, change = frames["indicators"], frames.get("change")
    out = unit_board(ind, year, change=change, targets=frames.get("targets"), indicator_codes=indicators,
                     codes=[str(unit)])
    # an estimate blanked by the small-cell rule keeps its row (and its sample size); an absent one has none
    shown = out["estimate"].notna() | (out["n"].notna() if "n" in out.columns else False)
    out = out[shown].reset_index(drop=True)
    out.loc[out["indicator"].isin(NOT_COMPARED_HERE), "vs_province"] = NOT_COMPARED
    if str(unit) == province_code():
        out["vs_province"] = "angka provinsi"
        out[["diff_province", "diff_se"]] = np.nan
    ch = _of(change, unit)
    if len(ch):
        ch = ch.set_index(ch["indicator"].astype(str))
        out["change_ci_low"] = out["indicator"].map(ch["ci_low"]).astype(float)
        out["change_ci_high"] = out["indicator"].map(ch["ci_high"]).astype(float)
        out["year_a"] = out["indicator"].map(ch["year_a"]).astype(float)
    else:
        out["change_ci_low"] = out["change_ci_high"] = out["year_a"] = np.nan
    cols = ["indicator", "estimate", "se", "ci_low", "ci_high", "reliability", "province", "diff_province",
            "diff_se", "vs_province", "change", "change_ci_low", "change_ci_high", "change_id", "year_a",
            "target_year", "target", "target_status"]
    for c in cols:
        if c not in out.columns:
            out[c] = np.nan
    return out[cols]


def rank_problems(problems: pd.DataFrame | None, unit: str, matrix: pd.DataFrame | None = None,
                  names: Mapping[str, str] | None = None) -> pd.DataFrame:
    """Chapter 2a: the draft problems of a unit in priority order.

    Order: kind (:data:`PROBLEM_ORDER`: missed own targets, then significant gaps with the
    province, ...), within the gaps the larger test statistic ``|difference| / SE`` first
    (from the board ``matrix``), then the unit code. The province sees every unit's problems,
    a kabupaten/kota its own and the cross-border pockets it shares with its neighbours.

    Parameters
    ----------
    problems : pandas.DataFrame
        Section ``problems`` (kab_code, kind, problem, evidence, source).
    unit : str
        Kabupaten/kota code or the province code.
    matrix : pandas.DataFrame, optional
        The board matrix (kab_code, indicator, diff_province, diff_se).
    names : mapping, optional
        Indicator code -> the name the problem text starts with.

    Returns
    -------
    pandas.DataFrame
        ``rank, kab_code, kind, problem, evidence, source, z`` (z only for gaps).

    Examples
    --------
    >>> pr = pd.DataFrame({"kab_code": ["1701", "1701", "1701"], "kind": ["koordinasi", "kesenjangan",
    ...     "kesenjangan"], "problem": ["Rapat", "TPT lebih buruk dari provinsi", "P0 lebih buruk dari provinsi"],
    ...     "evidence": "", "source": ""})
    >>> m = pd.DataFrame({"kab_code": "1701", "indicator": ["tpt", "p0"], "diff_province": [0.02, 0.05],
    ...     "diff_se": [0.01, 0.01]})
    >>> rank_problems(pr, "1701", m, {"tpt": "TPT", "p0": "P0"})[["rank", "problem", "z"]].values.tolist()
    [[1, 'P0 lebih buruk dari provinsi', 5.0], [2, 'TPT lebih buruk dari provinsi', 2.0], [3, 'Rapat', nan]]
    """
    cols = ["rank", "kab_code", "kind", "problem", "evidence", "source", "z"]
    if problems is None or problems.empty:
        return pd.DataFrame(columns=cols)
    t = problems.copy()
    t["kab_code"] = t["kab_code"].astype(str)
    if str(unit) != province_code():
        # its own rows, and the cross-border pockets it shares (named in the evidence by the unit's name)
        from tkpk_lib.reporting.labels import unit_name

        shared = (t["kind"] == "kantong lintas batas") & t["evidence"].astype(str).str.contains(
            unit_name(str(unit)), regex=False)
        t = t[(t["kab_code"] == str(unit)) | shared]
    t["z"] = np.nan
    if matrix is not None and len(matrix) and names:
        m = matrix.assign(kab_code=matrix["kab_code"].astype(str))
        z = {(k, f"{names.get(i, i)} lebih buruk dari provinsi"): abs(float(d)) / float(s)
             for k, i, d, s in zip(m["kab_code"], m["indicator"], m["diff_province"], m["diff_se"], strict=True)
             if pd.notna(d) and pd.notna(s) and float(s) > 0}
        gap = t["kind"] == "kesenjangan"
        t.loc[gap, "z"] = [z.get((k, p), np.nan) for k, p in zip(t.loc[gap, "kab_code"], t.loc[gap, "problem"],
                                                                  strict=True)]
    order = {k: i for i, k in enumerate(PROBLEM_ORDER)}
    t["_o"] = t["kind"].map(order).fillna(len(order))
    t["_z"] = -t["z"].fillna(0.0)
    t = t.sort_values(["_o", "_z", "kab_code"], kind="stable").drop(columns=["_o", "_z"])
    t.insert(0, "rank", np.arange(1, len(t) + 1))
    return t[cols].reset_index(drop=True)


def strategy_budget(budget: pd.DataFrame | None, unit: str) -> pd.DataFrame:
    """Chapter 2b: budget per guideline strategy, its share, and the map programme that reached least.

    Parameters
    ----------
    budget : pandas.DataFrame
        Section ``budget`` (tables ``by_strategy`` and ``by_programme``).
    unit : str
        Kabupaten/kota code or the province code.

    Returns
    -------
    pandas.DataFrame
        ``strategy, strategy_label, budget, budget_share, realisation_rate, n_programmes,
        lowest_programme, lowest_reach`` (reached / target count of the programme map, an
        administrative count without sampling error); one row per strategy 1-3 (budget 0 when
        the map has no programme of it); empty when the unit has no programme map.

    Examples
    --------
    >>> b = pd.DataFrame({"kab_code": "1701", "table": ["by_strategy", "by_programme", "by_programme"],
    ...     "strategy": [1.0, 1.0, 1.0], "strategy_label": ["S1", None, None], "budget": [300.0, 100.0, 200.0],
    ...     "budget_share": [1.0, None, None], "realisation_rate": [0.9, None, None],
    ...     "n_programmes": [2.0, None, None], "programme": [None, "A", "B"], "reach_rate": [None, 0.5, 0.8]})
    >>> s = strategy_budget(b, "1701")
    >>> s[["strategy", "budget", "lowest_programme", "lowest_reach"]].values.tolist()[0]
    [1, 300.0, 'A', 0.5]
    >>> s["budget"].tolist()
    [300.0, 0.0, 0.0]
    """
    from tkpk_lib.analysis.programme_catalogue import STRATEGY_LABELS

    b = _of(budget, unit)
    cols = ["strategy", "strategy_label", "budget", "budget_share", "realisation_rate", "n_programmes",
            "lowest_programme", "lowest_reach"]
    if b.empty:
        return pd.DataFrame(columns=cols)
    st = b[b["table"] == "by_strategy"].set_index(b.loc[b["table"] == "by_strategy", "strategy"].astype(int))
    pr = b[(b["table"] == "by_programme") & b["reach_rate"].notna()]
    rows = []
    for s, label in STRATEGY_LABELS.items():
        r = st.loc[s] if s in st.index else None
        p = pr[pr["strategy"].astype(int) == s].sort_values(["reach_rate", "programme"], kind="stable")
        rows.append({"strategy": int(s), "strategy_label": label,
                     "budget": float(r["budget"]) if r is not None else 0.0,
                     "budget_share": float(r["budget_share"]) if r is not None else 0.0,
                     "realisation_rate": float(r["realisation_rate"]) if r is not None else np.nan,
                     "n_programmes": int(r["n_programmes"]) if r is not None else 0,
                     "lowest_programme": str(p["programme"].iloc[0]) if len(p) else None,
                     "lowest_reach": float(p["reach_rate"].iloc[0]) if len(p) else np.nan})
    return pd.DataFrame(rows, columns=cols)


def coverage_verdict(ci_low: float, ci_high: float, threshold: float = LOW_COVERAGE) -> str:
    """Whether a coverage is low: only when its whole 95% CI is below ``threshold``.

    Examples
    --------
    >>> coverage_verdict(0.10, 0.23), coverage_verdict(0.45, 0.55), coverage_verdict(0.6, 0.7)
    ('rendah', 'belum dapat disimpulkan', 'tidak rendah')
    """
    if not (np.isfinite(ci_low) and np.isfinite(ci_high)):
        return "data tidak tersedia"
    if ci_high < threshold:
        return "rendah"
    if ci_low >= threshold:
        return "tidak rendah"
    return UNDECIDED


def programme_priority(targeting_own: pd.DataFrame | None, unit: str,
                       catalogue: pd.DataFrame | None = None) -> pd.DataFrame:
    """Chapter 2c: national programmes by strategy, lowest coverage of their own target group first.

    Parameters
    ----------
    targeting_own : pandas.DataFrame
        Section ``targeting_own`` (kab_code, programme, indicator ``coverage``, estimate, se,
        ci_low, ci_high, reliability, target_group).
    unit : str
        Kabupaten/kota code or the province code.
    catalogue : pandas.DataFrame, optional
        Programme catalogue (code, strategy; default the shipped one).

    Returns
    -------
    pandas.DataFrame
        ``strategy, programme, target_group, estimate, se, ci_low, ci_high, reliability,
        verdict`` (:func:`coverage_verdict`), by strategy and rising coverage.

    Examples
    --------
    >>> t = pd.DataFrame({"kab_code": "1701", "programme": ["pkh", "pbi", "kur"], "indicator": "coverage",
    ...     "estimate": [0.38, 0.61, 0.02], "se": 0.03, "ci_low": [0.31, 0.54, 0.0], "ci_high": [0.44, 0.68, 0.05],
    ...     "reliability": "reliable", "target_group": "desil 1-4"})
    >>> programme_priority(t, "1701")[["strategy", "programme", "verdict"]].values.tolist()
    [[1, 'pkh', 'rendah'], [1, 'pbi', 'tidak rendah'], [2, 'kur', 'rendah']]
    """
    from tkpk_lib.analysis.programme_catalogue import load_catalogue

    cols = ["strategy", "programme", "target_group", "estimate", "se", "ci_low", "ci_high", "reliability", "verdict"]
    t = _of(targeting_own, unit)
    if t.empty:
        return pd.DataFrame(columns=cols)
    t = t[t["indicator"] == "coverage"].copy()
    cat = (load_catalogue() if catalogue is None else catalogue).set_index("code")
    t["strategy"] = [int(cat.loc[p, "strategy"]) if p in cat.index else 0 for p in t["programme"].astype(str)]
    t["verdict"] = [coverage_verdict(lo, hi) for lo, hi in zip(t["ci_low"].astype(float), t["ci_high"].astype(float),
                                                              strict=True)]
    if "target_group" not in t.columns:
        t["target_group"] = ""
    t = t.sort_values(["strategy", "estimate", "programme"], kind="stable")
    return t[cols].reset_index(drop=True)


def rank_intervals(estimate: Sequence[float], ci_low: Sequence[float], ci_high: Sequence[float]) -> pd.DataFrame:
    """Rank (1 = highest) and the range of ranks the 95% intervals allow.

    A unit is certainly above another only when its interval lies wholly above the other's:
    the best rank is 1 + the number of units certainly above it, the worst rank the number
    of units minus those certainly below it. Conservative (interval overlap), never narrower
    than the data allow.

    Parameters
    ----------
    estimate, ci_low, ci_high : sequence of float
        Estimates and their 95% confidence limits.

    Returns
    -------
    pandas.DataFrame
        ``rank, rank_best, rank_worst`` (integers) in the input order.

    Examples
    --------
    >>> rank_intervals([0.30, 0.20, 0.10], [0.25, 0.15, 0.05], [0.35, 0.26, 0.12]).values.tolist()
    [[1, 1, 2], [2, 1, 2], [3, 3, 3]]
    """
    e = np.asarray(estimate, dtype=float)
    lo, hi = np.asarray(ci_low, dtype=float), np.asarray(ci_high, dtype=float)
    n = len(e)
    above = (lo[None, :] > hi[:, None]).sum(axis=1)
    below = (hi[None, :] < lo[:, None]).sum(axis=1)
    rank = pd.Series(-e).rank(method="min").to_numpy()
    return pd.DataFrame({"rank": rank.astype(int), "rank_best": (1 + above).astype(int),
                         "rank_worst": (n - below).astype(int)})


def top_verdict(rank_best: int, rank_worst: int, k: int) -> str:
    """Whether a rank interval puts a unit among the ``k`` highest.

    Examples
    --------
    >>> top_verdict(1, 3, 3), top_verdict(4, 9, 3), top_verdict(2, 5, 3)
    ('termasuk 3 tertinggi', 'di luar 3 tertinggi', 'belum dapat disimpulkan')
    """
    if rank_worst <= k:
        return f"termasuk {k} tertinggi"
    if rank_best > k:
        return f"di luar {k} tertinggi"
    return UNDECIDED


def priority_kecamatan(pockets_kecamatan: pd.DataFrame | None, pockets: pd.DataFrame | None,
                       unit: str) -> pd.DataFrame:
    """Chapter 3a: kecamatan ranked by model P0 (Fay-Herriot) with rank intervals.

    A kabupaten/kota sees all its kecamatan; the province the pocket kecamatan of every
    unit, ranked among all kecamatan of the province. ``k`` is the number of kecamatan the
    pocket rule takes for their high rate (``top_rate``) in the area; ``verdict`` says whether
    the rank interval puts the kecamatan among the ``k`` highest (:func:`top_verdict`).

    Parameters
    ----------
    pockets_kecamatan : pandas.DataFrame
        Section ``pockets_kecamatan`` (kab_code, kec_code, estimate, se, ci_low, ci_high,
        reliability, n_poor).
    pockets : pandas.DataFrame, optional
        Section ``pockets`` (level ``kecamatan``: code, name, is_pocket, pocket_type, top_rate).
    unit : str
        Kabupaten/kota code or the province code.

    Returns
    -------
    pandas.DataFrame
        ``rank, rank_best, rank_worst, k, verdict, kab_code, kec_code, name, estimate, se,
        ci_low, ci_high, reliability, n_poor, is_pocket, pocket_type``, by rank.

    Examples
    --------
    >>> k = pd.DataFrame({"kab_code": "1701", "kec_code": ["170101", "170102", "170103"],
    ...     "estimate": [0.30, 0.20, 0.10], "se": 0.03, "ci_low": [0.25, 0.15, 0.05],
    ...     "ci_high": [0.35, 0.26, 0.12], "reliability": "reliable", "n_poor": 100.0})
    >>> pk = pd.DataFrame({"level": "kecamatan", "code": ["170101", "170102", "170103"], "name": ["A", "B", "C"],
    ...     "is_pocket": [True, False, False], "pocket_type": ["tingkat tinggi", "", ""],
    ...     "top_rate": [True, False, False]})
    >>> priority_kecamatan(k, pk, "1701")[["name", "rank_best", "rank_worst", "verdict"]].values.tolist()
    [['A', 1, 2, 'belum dapat disimpulkan'], ['B', 1, 2, 'belum dapat disimpulkan'], ['C', 3, 3, 'di luar 1 tertinggi']]
    """
    cols = ["rank", "rank_best", "rank_worst", "k", "verdict", "kab_code", "kec_code", "name", "estimate", "se",
            "ci_low", "ci_high", "reliability", "n_poor", "is_pocket", "pocket_type"]
    if pockets_kecamatan is None or pockets_kecamatan.empty:
        return pd.DataFrame(columns=cols)
    prov = str(unit) == province_code()
    k = pockets_kecamatan.assign(kab_code=pockets_kecamatan["kab_code"].astype(str),
                                 kec_code=pockets_kecamatan["kec_code"].astype(str))
    if not prov:
        k = k[k["kab_code"] == str(unit)]
    k = k[k["estimate"].notna()].reset_index(drop=True)
    pk = pockets[pockets["level"] == "kecamatan"] if pockets is not None and len(pockets) else pd.DataFrame(
        columns=["code", "name", "is_pocket", "pocket_type", "top_rate"])
    pk = pk.set_index(pk["code"].astype(str))
    k["name"] = k["kec_code"].map(pk["name"]).fillna(k["kec_code"]).astype(str)
    k["is_pocket"] = k["kec_code"].map(pk["is_pocket"]).fillna(False).astype(bool)
    k["pocket_type"] = k["kec_code"].map(pk["pocket_type"]).fillna("").astype(str)
    top = k["kec_code"].map(pk["top_rate"]).fillna(False).astype(bool)
    k = pd.concat([k, rank_intervals(k["estimate"], k["ci_low"], k["ci_high"])], axis=1)
    k["k"] = int(top.sum())
    k["verdict"] = [top_verdict(b, w, int(top.sum())) for b, w in zip(k["rank_best"], k["rank_worst"], strict=True)]
    if prov:
        k = k[k["is_pocket"]]
    if "n_poor" not in k.columns:
        k["n_poor"] = np.nan
    return k.sort_values(["rank", "kec_code"], kind="stable")[cols].reset_index(drop=True)


def _strategy_words(strategies: object, finding: object) -> str:
    """Whether a strategy-3 programme reaches the desa, in the synergy section's terms."""
    if str(finding) == "peta program tidak tersedia":
        return "peta program tidak tersedia"
    present = {s.strip() for s in str(strategies if pd.notna(strategies) else "").split(",") if s.strip()}
    return "ada" if str(POCKET_STRATEGY) in present else "tidak ada"


def priority_desa(pockets: pd.DataFrame | None, synergy: pd.DataFrame | None, unit: str) -> pd.DataFrame:
    """Chapter 3b: pocket desa ranked by deprivation score, with the programmes that reach them.

    The deprivation score (0-100, Podes) and the registry share are counts of whole
    populations, not sample estimates: the ranking has no sampling error (ties share a rank).

    Parameters
    ----------
    pockets : pandas.DataFrame
        Section ``pockets`` (level ``desa``: code, name, kab_code, kec_code, score, rate,
        rate_measure, pocket_type, is_pocket; level ``kecamatan`` for the kecamatan names).
    synergy : pandas.DataFrame, optional
        Section ``synergy`` (table ``pockets``: desa_code, strategies, n_programmes, finding).
    unit : str
        Kabupaten/kota code or the province code.

    Returns
    -------
    pandas.DataFrame
        ``rank, kab_code, kec_code, kecamatan, desa_code, desa, score, rate, rate_measure,
        pocket_type, strategies, n_programmes, strategy3`` (ada, tidak ada, peta program tidak
        tersedia), by rank.

    Examples
    --------
    >>> pk = pd.DataFrame({"level": ["kecamatan", "desa", "desa", "desa"], "code": ["170101", "1701012001",
    ...     "1701012002", "1701012003"], "name": ["Kec A", "D1", "D2", "D3"], "kab_code": "1701",
    ...     "kec_code": "170101", "score": [None, 40.0, 55.0, 60.0], "rate": 0.5, "rate_measure": "desil",
    ...     "pocket_type": "keduanya", "is_pocket": [True, True, True, False]})
    >>> sy = pd.DataFrame({"table": "pockets", "desa_code": ["1701012001", "1701012002"],
    ...     "strategies": ["1, 3", ""], "n_programmes": [2.0, 0.0], "finding": ["", "tanpa program"]})
    >>> priority_desa(pk, sy, "1701")[["rank", "desa", "kecamatan", "strategy3"]].values.tolist()
    [[1, 'D2', 'Kec A', 'tidak ada'], [2, 'D1', 'Kec A', 'ada']]
    """
    cols = ["rank", "kab_code", "kec_code", "kecamatan", "desa_code", "desa", "score", "rate", "rate_measure",
            "pocket_type", "strategies", "n_programmes", "strategy3"]
    if pockets is None or pockets.empty:
        return pd.DataFrame(columns=cols)
    kec = pockets[pockets["level"] == "kecamatan"]
    kec_name = dict(zip(kec["code"].astype(str), kec["name"].astype(str), strict=True))
    d = pockets[(pockets["level"] == "desa") & pockets["is_pocket"].astype(bool)].copy()
    d["kab_code"] = d["kab_code"].astype(str)
    if str(unit) != province_code():
        d = d[d["kab_code"] == str(unit)]
    d = d.rename(columns={"code": "desa_code", "name": "desa"})
    d["desa_code"] = d["desa_code"].astype(str)
    d["kec_code"] = d["kec_code"].astype(str)
    d["kecamatan"] = d["kec_code"].map(kec_name).fillna(d["kec_code"])
    sy = _part(synergy, "pockets")
    if not sy.empty:
        sy = sy.drop_duplicates("desa_code").set_index(sy.drop_duplicates("desa_code")["desa_code"].astype(str))
        d["strategies"] = d["desa_code"].map(sy["strategies"]) if "strategies" in sy else np.nan
        d["n_programmes"] = d["desa_code"].map(sy["n_programmes"]) if "n_programmes" in sy else np.nan
        finding = d["desa_code"].map(sy["finding"]) if "finding" in sy else pd.Series("", index=d.index)
        d["strategy3"] = [_strategy_words(s, f) for s, f in zip(d["strategies"], finding, strict=True)]
    else:
        d["strategies"], d["n_programmes"], d["strategy3"] = np.nan, np.nan, "peta program tidak tersedia"
    d["rank"] = d["score"].astype(float).rank(method="min", ascending=False).astype("Int64")
    for c in ("rate", "rate_measure", "pocket_type"):
        if c not in d.columns:
            d[c] = np.nan
    return d.sort_values(["rank", "desa_code"], kind="stable")[cols].reset_index(drop=True)


def rpkd_material(frames: Mapping[str, pd.DataFrame], unit: str, year: int,
                  names: Mapping[str, str] | None = None) -> dict[str, pd.DataFrame]:
    """Every table of the RPKD material of one unit, keyed as :data:`CHAPTERS`, in chapter order.

    Parameters
    ----------
    frames : mapping of str -> DataFrame
        Prepared sections: ``indicators`` (required), ``change``, ``targets``, ``problems``,
        ``harmonisation``, ``budget``, ``targeting_own``, ``pockets_kecamatan``, ``pockets``,
        ``synergy`` (each optional; a table whose section is absent is empty).
    unit : str
        Kabupaten/kota code or the province code.
    year : int
        Report year.
    names : mapping, optional
        Indicator code -> Indonesian name (to match gap problems to the board).

    Returns
    -------
    dict of str -> DataFrame
        ``profil, masalah, strategi, program, kecamatan, desa``.

    Examples
    --------
    >>> ind = pd.DataFrame({"year": 2024, "indicator": "p0", "kab_code": ["1701", "17"],
    ...     "estimate": [0.20, 0.14], "se": [0.02, 0.01], "ci_low": [0.16, 0.12],
    ...     "ci_high": [0.24, 0.16], "n_weighted": [250.0, 1000.0], "reliability": "reliable"})
    >>> m = rpkd_material({"indicators": ind}, "1701", 2024)
    >>> list(m), len(m["profil"]), len(m["desa"])
    (['profil', 'masalah', 'strategi', 'program', 'kecamatan', 'desa'], 1, 0)
    """
    return {
        "profil": poverty_profile(frames, unit, year),
        "masalah": rank_problems(frames.get("problems"), unit, _part(frames.get("harmonisation"), "matrix"), names),
        "strategi": strategy_budget(frames.get("budget"), unit),
        "program": programme_priority(frames.get("targeting_own"), unit),
        "kecamatan": priority_kecamatan(frames.get("pockets_kecamatan"), frames.get("pockets"), unit),
        "desa": priority_desa(frames.get("pockets"), frames.get("synergy"), unit),
    }
