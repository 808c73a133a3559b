"""The programme catalogue: one row per national programme, with its guideline strategy and cluster.

``reference/programme_catalogue.csv`` names every programme the survey and the registry carry a
receipt flag for (``rcv_<code>``) with the terms of the Bengkulu TKPK guideline (Pedoman
Koordinasi Perencanaan dan Harmonisasi Kebijakan Penanggulangan Kemiskinan): the strategy
(section 2.5), the cluster (section 1.1), the target group the programme is meant for (decile
range of the welfare distribution plus member columns of which any must be positive), the unit
it is counted in (keluarga, rumah tangga, jiwa, usaha) and the kind of area it applies to
(``desa``, ``kelurahan`` or ``both``: BLT Dana Desa is paid from the desa budget and exists in
desa only). Coverage, targeting, follow-up and narrative figures read names, target groups and
areas from here.

A TKPK replaces the shipped table with its own (same columns) by passing ``path=`` or by
setting the environment variable ``TKPK_PROGRAMME_CATALOGUE`` to a CSV file; the file is checked
and every problem names the file, the column and the rows.

Guideline terms
---------------
:data:`STRATEGY_LABELS` (section 2.5), :data:`CLUSTER_LABELS` (section 1.1) and
:data:`FUND_SOURCE_LABELS` (section 2.6) are the labels every report table uses. Programme maps
that still carry the fourth cluster of the older four-cluster list ("program lainnya") are read
with :func:`guideline_clusters`, which puts such rows in Klaster 2 (their target is a desa,
a community or an area, not a family or a business) and says so in :data:`CLUSTER_4_RULE`.
"""

from __future__ import annotations

import os
from functools import cache
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from tkpk_lib.data.schemas import STRATEGIES
from tkpk_lib.errors import Problem, SchemaError, TkpkError

__all__ = [
    "CATALOGUE_COLUMNS",
    "CLUSTER_4_RULE",
    "CLUSTER_LABELS",
    "FUND_SOURCE_LABELS",
    "REGISTRY_UNIT",
    "STRATEGY_LABELS",
    "applies_to_unit",
    "area_kind",
    "catalogue_markdown",
    "guideline_clusters",
    "load_catalogue",
    "programme_info",
    "programme_name",
    "survey_targets",
]

STRATEGY_LABELS: dict[int, str] = dict(STRATEGIES)
"""The three strategies of guideline section 2.5, by code 1-3."""

CLUSTER_LABELS: dict[int, str] = {
    1: "Klaster 1: bantuan sosial terpadu berbasis keluarga (sasaran individu/keluarga)",
    2: "Klaster 2: pemberdayaan masyarakat (sasaran masyarakat/komunitas)",
    3: "Klaster 3: pemberdayaan usaha mikro dan kecil (sasaran usaha mikro dan kecil)",
}
"""The three clusters of guideline section 1.1, by code 1-3."""

CLUSTER_4_RULE = ("Baris peta program dengan klaster 4 (\"program lainnya\" pada daftar empat klaster "
                  "lama) dimasukkan ke Klaster 2: sasarannya desa, komunitas atau kawasan, bukan keluarga "
                  "atau usaha (Pedoman TKPK 1.1 hanya mengenal tiga klaster).")
"""How a fourth cluster in a programme map is read (stated in the report's notes)."""

FUND_SOURCE_LABELS: dict[str, str] = {
    "APBN": "APBN",
    "APBD Provinsi": "APBD provinsi",
    "APBD Kabupaten/Kota": "APBD kabupaten/kota",
    "APBDes": "APBDes",
    "Non-pemerintah": "Sumber lain yang sah (nonpemerintah)",
}
"""Labels of the fund sources of guideline section 2.6, keyed by the programme map's values."""

REGISTRY_UNIT = "rumah tangga"
"""The unit of every registry count (one registry row is one household)."""

CATALOGUE_COLUMNS: tuple[str, ...] = (
    "code", "name", "short_name", "strategy", "cluster", "target_group", "target_min_decile",
    "target_max_decile", "target_require_any", "survey_target", "unit", "area_kind", "office", "source",
    "confidence",
)
"""Columns of ``programme_catalogue.csv``."""

_UNITS = ("keluarga", "rumah tangga", "jiwa", "usaha")
_AREAS = ("desa", "kelurahan", "both")
ENV_VAR = "TKPK_PROGRAMME_CATALOGUE"


def _rows(mask: pd.Series) -> list[int]:
    return (np.flatnonzero(mask.to_numpy()) + 1).tolist()


def _check(cat: pd.DataFrame, name: str) -> pd.DataFrame:
    """Check a catalogue; SchemaError naming file, column and rows."""
    missing = [c for c in CATALOGUE_COLUMNS if c not in cat.columns]
    if missing:
        raise SchemaError([Problem(name, c, "required column missing") for c in missing])
    cat = cat.copy()
    for c in ("code", "name", "short_name", "target_group", "target_require_any", "unit", "area_kind", "office",
              "source", "confidence"):
        cat[c] = cat[c].fillna("").astype(str).str.strip()
    problems = []
    dup = cat["code"].duplicated(keep=False) | (cat["code"] == "")
    if dup.any():
        problems.append(Problem(name, "code", "empty or repeated programme code", _rows(dup)))
    for col, allowed in (("strategy", tuple(STRATEGY_LABELS)), ("cluster", tuple(CLUSTER_LABELS)),
                         ("survey_target", (0, 1))):
        v = pd.to_numeric(cat[col], errors="coerce")
        bad = ~v.isin(allowed)
        if bad.any():
            problems.append(Problem(name, col, f"must be one of {list(allowed)}", _rows(bad)))
        cat[col] = v.fillna(0).astype("int64")
    for col, allowed in (("unit", _UNITS), ("area_kind", _AREAS)):
        bad = ~cat[col].isin(allowed)
        if bad.any():
            problems.append(Problem(name, col, f"must be one of {list(allowed)}", _rows(bad)))
    lo = pd.to_numeric(cat["target_min_decile"], errors="coerce")
    hi = pd.to_numeric(cat["target_max_decile"], errors="coerce")
    need = cat["survey_target"] == 1
    bad = need & ~(lo.between(1, 10) & hi.between(1, 10) & (lo <= hi))
    if bad.any():
        problems.append(Problem(name, "target_max_decile",
                                "a programme with survey_target 1 needs 1 <= target_min_decile <= "
                                "target_max_decile <= 10", _rows(bad)))
    if problems:
        raise SchemaError(problems)
    cat["target_min_decile"] = lo.astype("Int64")
    cat["target_max_decile"] = hi.astype("Int64")
    return cat.reset_index(drop=True)


@cache
def _shipped() -> pd.DataFrame:
    with resources.files("tkpk_lib.reference").joinpath("programme_catalogue.csv").open("r", encoding="utf-8") as fh:
        return _check(pd.read_csv(fh, dtype=str, keep_default_na=False), "programme_catalogue.csv")


def load_catalogue(path: str | Path | pd.DataFrame | None = None) -> pd.DataFrame:
    """The programme catalogue: the shipped table, or the user's own.

    Parameters
    ----------
    path : str, Path or DataFrame, optional
        The user's catalogue (CSV with :data:`CATALOGUE_COLUMNS`); default the file named by
        ``$TKPK_PROGRAMME_CATALOGUE`` when set, else ``tkpk_lib/reference/programme_catalogue.csv``.

    Returns
    -------
    pandas.DataFrame
        One row per programme (a copy): ``code``, ``name``, ``short_name``, ``strategy`` (1-3),
        ``cluster`` (1-3), ``target_group`` (words), ``target_min_decile``/``target_max_decile``,
        ``target_require_any`` (comma-separated member columns, any positive), ``survey_target``
        (1 = targeting measurable in Susenas), ``unit``, ``area_kind``, ``office``, ``source``,
        ``confidence``.

    Raises
    ------
    SchemaError
        A column missing, a code repeated, a strategy/cluster/unit/area outside its list, or a
        decile range that is not 1-10; the message names the file, column and rows.

    Examples
    --------
    >>> cat = load_catalogue().set_index("code")
    >>> cat.loc["blt_dd", ["area_kind", "unit"]].tolist(), int(cat.loc["blt_dd", "cluster"])
    (['desa', 'keluarga'], 1)
    """
    if path is None and os.environ.get(ENV_VAR):
        path = os.environ[ENV_VAR]
    if path is None:
        return _shipped().copy()
    if isinstance(path, pd.DataFrame):
        return _check(path.astype(str), "programme catalogue")
    p = Path(path)
    if not p.is_file():
        raise TkpkError(f"programme catalogue {p} not found")
    return _check(pd.read_csv(p, dtype=str, keep_default_na=False), str(p))


def programme_name(code: str, *, short: bool = False, catalogue: pd.DataFrame | None = None) -> str:
    """Display name of a programme code (the code itself when the catalogue lacks it).

    Examples
    --------
    >>> programme_name("bpnt"), programme_name("bpnt", short=True)
    ('Program Sembako / BPNT', 'Sembako')
    """
    cat = (load_catalogue() if catalogue is None else catalogue).set_index("code")
    if str(code) not in cat.index:
        return str(code)
    return str(cat.loc[str(code), "short_name" if short else "name"])


def programme_info(code: str, catalogue: pd.DataFrame | None = None) -> dict[str, object]:
    """Everything a sentence about a programme needs: name, target group, unit, area, strategy, cluster.

    For the narrative (one call per programme named in a sentence).

    Parameters
    ----------
    code : str
        Programme code (``"pkh"``).
    catalogue : DataFrame, optional
        A catalogue from :func:`load_catalogue`; default the active one.

    Returns
    -------
    dict
        ``code``, ``name``, ``short_name``, ``target_group``, ``unit``, ``area_kind``,
        ``strategy_label``, ``cluster_label``, ``office``.

    Examples
    --------
    >>> programme_info("pip")["target_group"]
    'anak usia sekolah 7-18 tahun dalam keluarga desil 1-4'
    """
    cat = (load_catalogue() if catalogue is None else catalogue).set_index("code")
    if str(code) not in cat.index:
        raise TkpkError(f"programme {code!r} is not in the programme catalogue; known: {', '.join(cat.index)}")
    r = cat.loc[str(code)]
    return {"code": str(code), "name": str(r["name"]), "short_name": str(r["short_name"]),
            "target_group": str(r["target_group"]), "unit": str(r["unit"]), "area_kind": str(r["area_kind"]),
            "strategy_label": STRATEGY_LABELS[int(r["strategy"])], "cluster_label": CLUSTER_LABELS[int(r["cluster"])],
            "office": str(r["office"])}


def area_kind(desa_code: str) -> str:
    """``"desa"`` or ``"kelurahan"`` for a 10-digit Kemendagri code (7th digit 2 = desa, 1 = kelurahan).

    Examples
    --------
    >>> area_kind("1701012001"), area_kind("1771011001")
    ('desa', 'kelurahan')
    """
    c = str(desa_code).strip()
    if len(c) != 10 or c[6] not in "12":
        raise TkpkError(f"{desa_code!r} is not a 10-digit desa/kelurahan code")
    return "desa" if c[6] == "2" else "kelurahan"


@cache
def _desa_counts() -> dict[str, int]:
    from tkpk_lib.data.reference_data import regions

    r = regions("desa")
    d = r[r["level"] == "desa"]
    out: dict[str, int] = {}
    for prefix_len in (4, 6):
        for k, n in d["code"].str[:prefix_len].value_counts().items():
            out[str(k)] = int(n)
    out[d["code"].str[:2].iloc[0]] = len(d) if len(d) else 0
    return out


@cache
def _kecamatan_codes() -> frozenset[str]:
    from tkpk_lib.data.reference_data import regions

    return frozenset(regions("kecamatan")["code"])


def applies_to_unit(code: str, unit_code: str, catalogue: pd.DataFrame | None = None) -> bool:
    """Whether a programme applies in a kabupaten/kota, kecamatan or the province (region list).

    A programme for desa only applies where the region list has at least one desa; one for
    kelurahan only where it has a kelurahan; ``both`` everywhere.

    Examples
    --------
    >>> applies_to_unit("blt_dd", "1771"), applies_to_unit("blt_dd", "1701"), applies_to_unit("pkh", "1771")
    (False, True, True)
    """
    cat = (load_catalogue() if catalogue is None else catalogue).set_index("code")
    kind = str(cat.loc[str(code), "area_kind"]) if str(code) in cat.index else "both"
    if kind == "both":
        return True
    n_desa = _desa_counts().get(str(unit_code), 0)
    if kind == "desa":
        return n_desa > 0
    from tkpk_lib.data.reference_data import regions

    r = regions("desa")
    return bool(((r["level"] == "kelurahan") & r["code"].str.startswith(str(unit_code))).any())


def _in_area(df: pd.DataFrame, kind: str) -> np.ndarray:
    """1 where a survey household may live in an area of ``kind`` (by its kecamatan in the region list)."""
    if kind == "both":
        return np.ones(len(df))
    if "kec_code" not in df.columns:
        raise SchemaError([Problem("households", "kec_code", "column not found (needed for programmes of "
                                   f"{kind} only)")])
    counts = _desa_counts()
    known = _kecamatan_codes()
    kec = df["kec_code"].astype(str).str.strip()
    # a kecamatan code outside the region list (another coding) cannot rule anyone out: kept
    has_desa = kec.map(lambda k: counts.get(k, 0) > 0 or k not in known).to_numpy()
    # a kecamatan of desa only has no kelurahan and the other way round; mixed ones keep everyone
    return (has_desa if kind == "desa" else np.ones(len(df), dtype=bool)).astype(float)


def survey_targets(df: pd.DataFrame, catalogue: pd.DataFrame | None = None, *,
                   decile: str = "welfare_decile") -> pd.DataFrame:
    """Add ``target_own_<code>``: each programme's own target group, from the catalogue, to households.

    A household is in the target group of a programme when its welfare decile lies in the
    catalogue's ``target_min_decile``-``target_max_decile`` (the Susenas counterpart of the
    registry decile, see :func:`tkpk_lib.analysis.targets.add_targets`), any of the
    ``target_require_any`` columns is positive, and it lives in an area where the programme
    applies (for ``desa`` programmes: a kecamatan with at least one desa in the region list).
    Programmes with ``survey_target`` 0 (KUR: business ownership is not in Susenas KOR) get no
    column.

    Parameters
    ----------
    df : pandas.DataFrame
        Households with ``decile`` (from ``add_targets``) and the columns the catalogue names.
    catalogue : DataFrame, optional
        Default the active catalogue.
    decile : str, default "welfare_decile"
        Welfare decile column (1 = poorest tenth of persons).

    Returns
    -------
    pandas.DataFrame
        A copy with one int8 ``target_own_<code>`` per programme whose ``rcv_<code>`` is present.

    Examples
    --------
    >>> hh = pd.DataFrame({"welfare_decile": [1, 4, 5, 2], "n_children_7_18": [1, 0, 2, 2],
    ...     "kec_code": "170101", "rcv_pip": 0, "rcv_pkh": 0})
    >>> t = survey_targets(hh)
    >>> t["target_own_pip"].tolist(), t["target_own_pkh"].tolist()
    ([1, 0, 0, 1], [1, 1, 0, 1])
    """
    cat = load_catalogue() if catalogue is None else catalogue
    if decile not in df.columns:
        raise SchemaError([Problem("households", decile, "column not found (see add_targets)")])
    dec = pd.to_numeric(df[decile], errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
    new = {}
    for _, r in cat.iterrows():
        if int(r["survey_target"]) != 1 or f"rcv_{r['code']}" not in df.columns:
            continue
        t = (dec >= int(r["target_min_decile"])) & (dec <= int(r["target_max_decile"]))
        req = [c.strip() for c in str(r["target_require_any"]).split(",") if c.strip()]
        if req:
            absent = [c for c in req if c not in df.columns]
            if absent:
                raise SchemaError([Problem("households", c, f"column not found (target group of {r['code']} in "
                                           "the programme catalogue)") for c in absent])
            t &= np.column_stack([pd.to_numeric(df[c], errors="coerce").fillna(0).to_numpy() > 0
                                  for c in req]).any(axis=1)
        t &= _in_area(df, str(r["area_kind"])) > 0
        new[f"target_own_{r['code']}"] = t.astype("int8")
    return pd.concat([df, pd.DataFrame(new, index=df.index)], axis=1)


def guideline_clusters(pm: pd.DataFrame) -> pd.DataFrame:
    """A programme map with clusters 1-3 of the guideline (a fourth cluster read as Klaster 2).

    Parameters
    ----------
    pm : pandas.DataFrame
        Canonical ``programmes`` table (``cluster`` 1-4).

    Returns
    -------
    pandas.DataFrame
        A copy with ``cluster`` in 1-3 (:data:`CLUSTER_4_RULE`) and ``cluster_source`` (the
        value as the map gave it).

    Examples
    --------
    >>> guideline_clusters(pd.DataFrame({"cluster": [1, 4, 3]}))["cluster"].tolist()
    [1, 2, 3]
    """
    out = pm.copy()
    c = pd.to_numeric(out["cluster"], errors="coerce")
    out["cluster_source"] = c
    out["cluster"] = c.where(c != 4, 2).astype("int64")
    return out



def catalogue_markdown(catalogue: pd.DataFrame | None = None) -> str:
    """The programme catalogue as a Markdown section of the data dictionary.

    Examples
    --------
    >>> catalogue_markdown().splitlines()[0]
    '## programme catalogue (reference/programme_catalogue.csv)'
    """
    cat = load_catalogue() if catalogue is None else catalogue
    out = [
        "## programme catalogue (reference/programme_catalogue.csv)", "",
        "One row per programme with a receipt flag `rcv_<code>` in the survey and the registry. Every "
        "coverage, targeting, follow-up and narrative figure takes the programme's name, target group, "
        "unit and area from here. Replace it with your own file (same columns) through the environment "
        f"variable `{ENV_VAR}`; it is checked like an input (file, column and rows named).", "",
        "| column | description |", "|---|---|",
        "| code | programme code (`pkh`, `bpnt`, ...; the suffix of `rcv_<code>`) |",
        "| name, short_name | Indonesian name in tables and sentences, short name for narrow columns |",
        "| strategy | 1-3, guideline 2.5: " + "; ".join(f"{k} {v}" for k, v in STRATEGY_LABELS.items()) + " |",
        "| cluster | 1-3, guideline 1.1: " + "; ".join(f"{k} {v}" for k, v in CLUSTER_LABELS.items()) + " |",
        "| target_group | the group the programme is meant for, in words (shown in the tables) |",
        "| target_min_decile, target_max_decile | decile range of the target group (Susenas welfare decile "
        "within the kabupaten/kota as the counterpart of the registry decile) |",
        "| target_require_any | member columns of which at least one must be positive (PIP: n_children_7_18) |",
        "| survey_target | 1 = targeting measured in Susenas; 0 = the target group is not observed (KUR) |",
        "| unit | keluarga, rumah tangga, jiwa or usaha (registry counts are always rumah tangga) |",
        "| area_kind | desa, kelurahan or both: where the programme applies (BLT Dana Desa: desa only; "
        "elsewhere it is not a gap) |",
        "| office | responsible office (OPD) |",
        "| source, confidence | where the row comes from; PRIMARY, SECONDARY or UNCONFIRMED |", "",
        "| code | name | strategy | cluster | target group | deciles | unit | area |", "|---|---|---|---|---|---|---|---|",
    ]
    for _, r in cat.iterrows():
        dec = (f"{r['target_min_decile']}-{r['target_max_decile']}" if int(r["survey_target"]) == 1 else "-")
        out.append(f"| {r['code']} | {r['name']} | {r['strategy']} | {r['cluster']} | {r['target_group']} | {dec} "
                   f"| {r['unit']} | {r['area_kind']} |")
    return "\n".join(out)
