"""BPS variable names and codes: the crosswalk, coded variables and their checks.

Raw variable names per file kind and year come from ``reference/crosswalk.csv``
(:func:`crosswalk`, :func:`_take`); expected codes of the coded variables are parsed from
its ``codes`` text and checked against the data and the file's value labels
(:func:`_check_codes`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache
from importlib import resources

import numpy as np
import pandas as pd

from tkpk_lib.data.readers.values import _num
from tkpk_lib.errors import Problem


# --------------------------------------------------------------------------- crosswalk
@cache
def _crosswalk() -> pd.DataFrame:
    with (
        resources.files("tkpk_lib.reference").joinpath("crosswalk.csv").open(encoding="utf-8") as fh
    ):
        return pd.read_csv(fh, dtype=str, keep_default_na=False)


def crosswalk(file: str, year: int) -> dict[str, str]:
    """Raw variable name of each canonical input for one file kind and year.

    The column of the latest crosswalk year not after ``year`` is used (the earliest column
    for older years), so a Podes 2018 file reads with the 2019 names.

    Parameters
    ----------
    file : {"susenas_rt", "susenas_ind", "susenas_kp", "sakernas", "podes"}
    year : int

    Returns
    -------
    dict
        ``{name: RAW_NAME}``.

    Examples
    --------
    >>> crosswalk("susenas_rt", 2019)["pkh"], crosswalk("susenas_rt", 2024)["pkh"]
    ('R2106', 'R2204A')
    """
    cw = _crosswalk()
    years = sorted(int(c) for c in cw.columns if c.isdigit())
    usable = [y for y in years if y <= year]
    col = str(usable[-1] if usable else years[0])
    sub = cw[cw["file"] == file]
    if sub.empty:
        raise ValueError(f"unknown file kind {file!r}; known: {sorted(cw['file'].unique())}")
    return dict(zip(sub["name"], sub[col], strict=True))


def _take(
    df: pd.DataFrame, file: str, year: int, source: str, optional: Iterable[str] = ()
) -> tuple[pd.DataFrame, list[Problem]]:
    """Rename raw variables to crosswalk names (case-insensitive); report missing ones."""
    cw = crosswalk(file, year)
    lower = {str(c).lower(): c for c in df.columns}
    out = pd.DataFrame(index=df.index)
    problems: list[Problem] = []
    optional = set(optional)
    for name, raw in cw.items():
        col = lower.get(raw.lower())
        if col is None:
            if name not in optional:
                found = ", ".join(str(c) for c in df.columns if c != "_row")
                problems.append(
                    Problem(
                        source,
                        raw,
                        f"variable for '{name}' ({file}, {year}) is missing "
                        f"(columns found: {found})",
                    )
                )
            continue
        out[name] = df[col]
    if "_row" in df.columns:
        out["_row"] = df["_row"]
    return out, problems


# --------------------------------------------------------------------------- coded variables
_LABEL_KINDS: dict[str, dict[int, re.Pattern[str]]] = {
    "sex": {
        1: re.compile(r"\blaki|\bpria\b|\bmale\b|^\W*(\d+\W*)?l\W*$", re.I),
        2: re.compile(r"\bperempuan\b|\bwanita\b|\bfemale\b|^\W*(\d+\W*)?p\W*$", re.I),
    },
    "yesno": {
        1: re.compile(r"^\W*(\d+\W*)?(ya|iya|yes|ada)\b|^\W*(\d+\W*)?y\W*$", re.I),
        2: re.compile(r"\b(tidak|tdk|bukan|no)\b|^\W*(\d+\W*)?[tn]\W*$", re.I),
    },
    "urban": {
        1: re.compile(r"kota|urban", re.I),
        2: re.compile(r"desa|rural", re.I),
    },
    "village": {
        1: re.compile(r"^\W*(\d+\W*)?(desa|nagari|gampong|village)\b", re.I),
        2: re.compile(r"kelurahan", re.I),
    },
    "relation": {1: re.compile(r"\bkepala\b|\bkrt\b|\bhead\b", re.I)},
    "signal": {
        1: re.compile(r"\bkuat\b|\bstrong\b", re.I),
        2: re.compile(r"\blemah\b|\bweak\b", re.I),
        3: re.compile(r"^\W*(\d+\W*)?(tidak ada|tak ada|none|no signal)\b", re.I),
    },
}
"""Patterns of value labels (case-insensitive) for each expected code of a kind of variable."""

_REQUIRED_CODED: dict[str, tuple[str, ...]] = {
    "susenas_rt": ("urban", "roof", "wall", "floor", "toilet", "water", "lighting"),
    "susenas_ind": ("relation", "sex"),
    "sakernas": ("urban", "sex", "worked"),
    "podes": ("status",),
}
"""Coded variables asked of every household/person/village: a missing value is an error
(elsewhere a blank is "not asked", e.g. the closet type of a household without a toilet)."""

_UNUSED_CODED = frozenset({("susenas_rt", "kks"), ("susenas_rt", "cooking_fuel")})
"""Coded crosswalk variables no canonical column is derived from: their codes are not checked
(a stray code there changes no number, so it must not reject the file)."""


@cache
def coded_variables(file: str) -> dict[str, tuple[dict[int, str], str | None]]:
    """Coded variables of one file kind: expected codes (from the crosswalk) and label kind.

    The crosswalk ``codes`` text lists codes as ``"1 yes; 2 no"`` (an optional
    ``"what: "`` prefix allowed); a variable is coded when every ``;`` part is such an item
    and there are at least two. The kind (``sex``, ``yesno``, ``urban``, ``village``,
    ``relation``, ``signal`` or None) says which value labels are recognised.

    Examples
    --------
    >>> coded_variables("susenas_ind")["sex"]
    ({1: 'male', 2: 'female'}, 'sex')
    >>> coded_variables("susenas_rt")["pkh"][1]
    'yesno'
    >>> "kab" in coded_variables("susenas_rt"), "elec_va" in coded_variables("susenas_rt")
    (False, False)
    """
    cw = _crosswalk()
    out: dict[str, tuple[dict[int, str], str | None]] = {}
    for name, text in zip(cw.loc[cw["file"] == file, "name"], cw.loc[cw["file"] == file, "codes"],
                          strict=True):
        codes: dict[int, str] = {}
        for part in text.split(";"):
            m = re.match(r"^\s*(?:[^:;()]*:\s*)?(\d+)\s+([A-Za-z].*?)\s*$", part)
            if not m:
                codes = {}
                break
            codes[int(m.group(1))] = m.group(2)
        if len(codes) < 2:
            continue
        labels = {k: v.lower() for k, v in codes.items()}
        kind: str | None = None
        if set(codes) == {1, 2} and labels[1] == "male" and labels[2] == "female":
            kind = "sex"
        elif set(codes) == {1, 2} and labels[1] == "urban" and labels[2] == "rural":
            kind = "urban"
        elif set(codes) == {1, 2} and labels[1] == "desa" and labels[2] == "kelurahan":
            kind = "village"
        elif set(codes) == {1, 2} and re.match(r"no\b", labels[2]):
            kind = "yesno"
        elif labels.get(1, "").startswith("head"):
            kind = "relation"
        elif [labels.get(c) for c in (1, 2, 3)] == ["strong", "weak", "none"]:
            kind = "signal"
        out[name] = (codes, kind)
    return out


def _classify(label: object, kind: str) -> int | None:
    """The expected code a value label stands for, or None (unknown or ambiguous)."""
    if not isinstance(label, str):
        return None
    hits = [code for code, pat in _LABEL_KINDS[kind].items() if pat.search(label.strip())]
    return hits[0] if len(hits) == 1 else None


def _text_as_codes(words: pd.Series, kind: str) -> dict[str, int] | None:
    """Codes of categories written as text (an export with labels instead of codes), if all known."""
    found = {w: _classify(w, kind) for w in words.dropna().unique()}
    return found if all(c is not None for c in found.values()) else None


def _numeric_labels(value_labels: dict) -> dict[float, object]:
    """Value labels keyed by their numeric code (labels of non-numeric keys are dropped)."""
    labels = {}
    for k, lab in value_labels.items():
        try:
            labels[float(k)] = lab
        except (TypeError, ValueError):
            continue
    return labels


def _check_codes(
    t: pd.DataFrame,
    file: str,
    year: int,
    source: str,
    value_labels: dict[str, dict],
) -> tuple[list[Problem], list[str]]:
    """Check every coded variable of ``t`` against its expected codes and its value labels.

    ``t`` has crosswalk names (after :func:`_take`); ``value_labels`` is keyed by the file's
    raw names. A variable whose labels say that its codes mean other categories than
    expected (sex coded 0 "Laki-laki" / 1 "Perempuan", a yes/no item coded 1 "Tidak" /
    2 "Ya") is recoded by its labels when every code present has a recognised label and no
    two codes share one (``t`` is changed in place and a notice returned); otherwise labels
    that contradict the expected coding are an error. Categories written as text instead of
    codes (``"L"``/``"P"``, ``"Ya"``/``"Tidak"``) are read the same way when every text value
    is recognised. Codes outside the expected set, and
    missing values of the variables asked of everyone (:data:`_REQUIRED_CODED`), are errors
    with rows.

    Returns
    -------
    problems : list of Problem
    notices : list of str
        One line per variable recoded by its labels.
    """
    cw = crosswalk(file, year)
    problems: list[Problem] = []
    notices: list[str] = []
    rows = t["_row"].to_numpy() if "_row" in t.columns else np.arange(1, len(t) + 1)
    for name, (codes, kind) in coded_variables(file).items():
        if name not in t.columns or (file, name) in _UNUSED_CODED:
            continue
        raw_name = cw[name]
        expected = ", ".join(f"{c} {lab}" for c, lab in codes.items())

        def problem(message: str, mask: np.ndarray | None = None, *, _n: str = name,
                    _r: str = raw_name) -> None:
            problems.append(
                Problem(source, _r, message, [] if mask is None else [int(r) for r in rows[mask]],
                        canonical=_n)
            )

        s = t[name]
        v = _num(s).astype("float64")
        text = s.astype("string").str.strip()
        blank = (s.isna() | text.fillna("").eq("")).to_numpy(dtype=bool)
        values = v.to_numpy(dtype="float64", na_value=np.nan)
        notnum = ~blank & np.isnan(values)
        if notnum.any() and kind is not None and kind != "relation":
            words = _text_as_codes(text[notnum], kind)
            if words is not None:
                v = v.where(~notnum, text.map(words).astype("float64"))
                values = v.to_numpy(dtype="float64", na_value=np.nan)
                notnum = ~blank & np.isnan(values)
                t[name] = v
                change = ", ".join(f"'{w}' -> {c} ({codes[c]})" for w, c in sorted(words.items()))
                notices.append(
                    f"{source}, column '{raw_name}' ({name}): text values read as codes: {change}"
                )
        labels = _numeric_labels(value_labels.get(raw_name) or {})
        present = sorted({float(x) for x in values[~np.isnan(values)]})
        if kind is not None and labels and present:
            cls = {x: _classify(labels.get(x), kind) for x in present}
            known = {x: c for x, c in cls.items() if c is not None}
            wrong = {x: c for x, c in known.items() if x != c}
            if wrong:
                shown = ", ".join(f"{x:g} = '{labels[x]}'" for x in present if x in labels)
                complete = len(known) == len(present) and kind != "relation"
                if complete and len(set(known.values())) == len(known):
                    recode = {x: float(c) for x, c in known.items()}
                    v = v.map(recode)
                    values = v.to_numpy(dtype="float64", na_value=np.nan)
                    t[name] = v
                    change = ", ".join(
                        f"{x:g} '{labels[x]}' -> {c} ({codes[c]})" for x, c in known.items()
                    )
                    notices.append(
                        f"{source}, column '{raw_name}' ({name}): codes recoded by the file's "
                        f"value labels: {change}"
                    )
                else:
                    problem(
                        f"the value labels ({shown}) contradict the expected coding "
                        f"({expected}) and cannot be recoded unambiguously; recode the "
                        f"column to the expected codes"
                    )
                    continue
        outside = ~np.isnan(values) & ~np.isin(values, np.asarray(list(codes), dtype="float64"))
        bad = outside | notnum
        if bad.any():
            found = sorted(
                {f"{x:g}" for x in values[bad & ~np.isnan(values)]}
                | {str(x) for x in text[notnum].dropna()}
            )[:10]
            problem(f"codes outside the expected set ({expected}); found {', '.join(found)}", bad)
        if name in _REQUIRED_CODED.get(file, ()) and blank.any():
            problem(f"missing values (expected {expected})", blank)
    return problems, notices


def _name_problems(problems: list[Problem], year: int, *files: str) -> list[Problem]:
    """Give each problem on a raw crosswalk variable its crosswalk name (shown beside it)."""
    canon = {raw: name for f in files for name, raw in crosswalk(f, year).items()}
    for pr in problems:
        if pr.canonical is None and pr.column in canon:
            pr.canonical = canon[pr.column]
    return problems


def _raw_names(file: str, year: int, canonical: dict[str, str]) -> dict[str, str]:
    """``{canonical column: raw variable}`` from ``{canonical column: crosswalk name}``."""
    cw = crosswalk(file, year)
    return {c: cw[n] for c, n in canonical.items() if n in cw}
