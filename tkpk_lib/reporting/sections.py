"""Computing the report sections: every table the yearly reports need, for the whole province in one pass.

:func:`prepare_tables` computes, from canonical frames, the indicators of every kabupaten/kota
and of the province with their sampling errors, the series, the change, the target comparison,
the disaggregations, programme coverage, registry counts, poverty pockets and the programme map,
and writes each as a Parquet file with a ``sections.json`` index. Each section is computed apart
(:class:`_Sections`): a bad input takes down only the sections that read it, recorded as
``missing`` or ``error`` with its cause, never replaced by invented numbers.
"""

from __future__ import annotations

import importlib
import json
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from tkpk_lib.batch.files import publish_mode
from tkpk_lib.data.region import province_code
from tkpk_lib.errors import ReportError
from tkpk_lib.reporting.completeness import unit_completeness
from tkpk_lib.reporting.failures import describe_failure
from tkpk_lib.reporting.labels import (
    LOOKED_FOR,
    SECTIONS,
    TABLE_LABELS,
    _catalogue,
)
from tkpk_lib.reporting.reading import CACHE_VERSION
from tkpk_lib.reporting.section_data import (
    _complaints_annex,
    _coverage_sections,
    _design,
    _disaggregation,
    _per_kab_by,
    _plain,
    _programme_annex,
    action_plan_section,
    overlap_section,
    package_section,
    survey_registry_section,
    year_indicators,
)


def _module(name: str) -> Any | None:
    """``tkpk_lib.<name>``, or None when that module itself is absent.

    A module that is there but needs a package that is not installed raises its ImportError:
    its sections then fail naming the package (:func:`describe_failure`), instead of a note
    that the module is awaited.
    """
    try:
        return importlib.import_module(f"tkpk_lib.{name}")
    except ImportError as exc:
        if getattr(exc, "name", None) == f"tkpk_lib.{name}":
            return None
        raise


class _Sections:
    """Collects section frames and their status notes.

    A section's status is ``ok``, ``missing`` (its input is absent: the note says which file was
    looked for where) or ``error`` (its input is there but the section could not be computed:
    ``problems`` holds every line of the cause in the user's terms). A failure affects only the
    sections computed by the same call, which use the same input table.
    """

    def __init__(self, sources: Mapping[str, str] | None = None) -> None:
        self.frames: dict[str, pd.DataFrame] = {}
        self.status: dict[str, dict[str, Any]] = {}
        self.timings: dict[str, float] = {}
        self.sources = dict(sources or {})
        self._t = time.perf_counter()

    def lap(self, step: str) -> None:
        now = time.perf_counter()
        self.timings[step] = round(now - self._t, 3)
        self._t = now

    def ok(self, name: str, frame: pd.DataFrame) -> None:
        self.frames[name] = frame
        self.status[name] = {"status": "ok", "note": ""}

    def missing(self, name: str, note: str) -> None:
        self.frames.pop(name, None)
        self.status[name] = {"status": "missing", "note": note}

    def error(self, names: Sequence[str], exc: BaseException) -> None:
        lines = describe_failure(exc, self.sources)
        note = lines[0] + (f" (dan {len(lines) - 1} masalah lain)" if len(lines) > 1 else "")
        for n in names:
            self.frames.pop(n, None)
            self.status[n] = {"status": "error", "note": note, "problems": lines}

    def run(self, names: Sequence[str], module: str | None,
            fn: Callable[[Any], Mapping[str, pd.DataFrame] | None]) -> None:
        """Compute ``names`` with ``fn(module)``; a section ``fn`` leaves out stays as already noted."""
        self.lap("_")
        mod = None
        if module is not None:
            try:
                mod = _module(module)
            except ImportError as exc:  # the module needs a package that is not installed
                self.error(names, exc)
                return
            if mod is None:
                for n in names:
                    self.missing(n, f"bagian ini menunggu modul tkpk_lib.{module}")
                return
        try:
            frames = fn(mod) or {}
        except Exception as exc:  # noqa: BLE001 - recorded with its cause: the units showing it fail
            self.error(names, exc)
            return
        for n in names:
            if n in frames and frames[n] is not None:
                self.ok(n, frames[n])
            elif n not in self.status:
                self.missing(n, "data untuk bagian ini tidak tersedia")
        self.lap(names[0])


def _no_attrs(df: Any) -> Any:
    """A shallow copy of ``df`` without ``attrs`` (the caller's frame is left as it is)."""
    if df is None or not getattr(df, "attrs", None):
        return df
    out = df.copy(deep=False)
    out.attrs = {}
    return out


def _write_cache(cache_dir: Path, frames: Mapping[str, pd.DataFrame], index: Mapping[str, Any],
                 timings: Mapping[str, float]) -> Path:
    """Write the section frames, ``sections.json`` and ``timings.json`` to ``cache_dir`` atomically.

    The files are written into a temporary sibling folder that then replaces ``cache_dir``.
    """
    cache_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{cache_dir.name}.", dir=cache_dir.parent))
    try:
        for name, frame in frames.items():
            _plain(frame).to_parquet(tmp / f"{name}.parquet", index=False)
        (tmp / "sections.json").write_text(json.dumps(index, indent=1, ensure_ascii=False), encoding="utf-8")
        (tmp / "timings.json").write_text(json.dumps(timings, indent=1), encoding="utf-8")
        old = None
        if cache_dir.exists():
            old = cache_dir.with_name(f".{cache_dir.name}.old{os.getpid()}")
            os.replace(cache_dir, old)
        publish_mode(tmp)  # mkdtemp makes it owner-only; others sharing the cache must read it
        os.replace(tmp, cache_dir)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return cache_dir


def _absent_inputs(cur: Mapping[str, pd.DataFrame], year: int, boundaries: Mapping[str, Any] | None,
                   input_errors: Mapping[str, BaseException] | None,
                   looked_for: Mapping[str, str] | None, where: Callable[[str], str]) -> dict[str, str]:
    """Notes on optional inputs behind no section of their own, naming where they were looked for."""
    absent: dict[str, str] = {}
    if cur.get("labour") is None:
        absent["labour"] = (f"file Sakernas tahun {year} tidak ditemukan (dicari di {where('labour')}): "
                            "indikator ketenagakerjaan (TPT, TPAK, informal) tidak dihitung")
    for level in ("kecamatan", "desa"):
        if (boundaries or {}).get(level) is None and f"boundaries/{level}" not in (input_errors or {}):
            at = (looked_for or {}).get(f"boundaries/{level}") or LOOKED_FOR["boundaries"]
            absent[f"boundaries/{level}"] = (f"file batas wilayah {level} tidak ditemukan (dicari di "
                                             f"{at}): tanpa peta dan klaster spasial")
    return absent


def _note_podes_round(s: _Sections, vil: pd.DataFrame | None, year: int) -> None:
    """Say in the pockets' note which Podes round they use when it is not the report year's."""
    if vil is not None and "year" in vil.columns and len(vil):
        py = sorted({int(v) for v in vil["year"].dropna().unique()})
        if py and py != [int(year)]:
            note = (f"memakai Podes {', '.join(map(str, py))}, ronde terakhir yang tersedia "
                    f"(tidak ada Podes {year})")
            if s.status.get("pockets", {}).get("status") == "ok":
                s.status["pockets"]["note"] = note


def _convergence_section(pm: Any, progs: pd.DataFrame, s: _Sections, year: int) -> dict[str, pd.DataFrame]:
    """The convergence section: programme budget in the pocket desa (noted missing without pockets)."""
    st = s.status.get("pockets", {})
    pk = s.frames.get("pockets")
    if pk is None or not {"level", "is_pocket", "code"} <= set(pk.columns):
        # convergence needs the pocket desa: say why they are not there
        s.missing("convergence", "desa kantong kemiskinan tidak tersedia"
                  + (f" ({st['note']})" if st.get("note") else ""))
        return {}
    prio = sorted(pk.loc[(pk["level"] == "desa") & pk["is_pocket"].astype(bool), "code"].astype(str))
    # per kabupaten: its own pocket desa (code prefix); province: all pocket desa
    prio_kab = pd.DataFrame({"kab_code": [c[:4] for c in prio], "desa_code": prio})

    def _one(f: pd.DataFrame, by: str | None = None) -> Mapping[str, pd.DataFrame]:
        if by is not None:
            return pm.convergence(f, prio_kab, year=year, by=by)
        one = [c for c in prio if c[:4] == str(f["kab_code"].iloc[0])]
        return pm.convergence(f, one if f["kab_code"].nunique() == 1 else prio, year=year)

    return {"convergence": _per_kab_by(progs, _one, ("by_strategy", "summary", "desa"))}


def prepare_tables(  # noqa: C901 - one guarded call per report section (see Notes)
    tables_by_year: Mapping[int, Mapping[str, pd.DataFrame]],
    year: int,
    cache_dir: str | Path,
    *,
    comparison_year: int | None = None,
    target: str = "poor",
    registry: pd.DataFrame | None = None,
    boundaries: Mapping[str, Any] | None = None,
    key: str = "",
    poverty_lines: str = "",
    sources: Mapping[str, str] | None = None,
    input_errors: Mapping[str, BaseException] | None = None,
    looked_for: Mapping[str, str] | None = None,
    targets: pd.DataFrame | None = None,
) -> Path:
    """Compute every report section from canonical frames and write them to ``cache_dir``.

    Parameters
    ----------
    tables_by_year : mapping of int -> mapping of str -> DataFrame
        Canonical tables per year (``households`` required; ``persons``, ``labour``,
        ``villages``, ``programmes``, ``complaints`` optional). All years give the series.
    year : int
        Report year.
    cache_dir : path
        Output folder (replaced atomically).
    comparison_year : int, optional
        Year the change is measured from; default the latest year before ``year``.
    target : {"poor", "b40", "registry"}
        Target group for programme coverage.
    registry : DataFrame, optional
        Canonical registry (only counts leave this function).
    boundaries : mapping, optional
        ``{"kecamatan": GeoDataFrame, "desa": GeoDataFrame}`` for hot spots.
    key : str
        Input fingerprint stored in ``sections.json`` (:func:`prepare_year` compares it).
    poverty_lines : str
        Where the poverty lines came from ("" = the canonical tables), stored in the index.
    sources : mapping of str -> str, optional
        File each input table was read from (``{"complaints": "raw/complaints/x.csv"}``), so
        that a section that fails names the user's file (and its columns) instead of the
        canonical table.
    input_errors : mapping of str -> exception, optional
        Optional inputs whose file is there but could not be read (``"boundaries/desa"``):
        the sections that use them fail with that cause instead of being computed without.
    looked_for : mapping of str -> str, optional
        Where each absent input table was looked for (``{"complaints": "/data/raw/complaints
        (folder kosong)"}``), named in the sections' notes; default the data-root layout.
    targets : DataFrame, optional
        Own target table for the target comparison (default ``reference/targets.csv``).

    Returns
    -------
    pathlib.Path
        The cache folder.

    Raises
    ------
    ReportError
        ``year`` (or ``comparison_year``) not in ``tables_by_year``, or an unknown target.

    Notes
    -----
    Long by design: each section is a small closure over the inputs and the section collector,
    run in report order through ``_Sections.run`` so that a failure takes down only its own
    sections; the steps that stand alone (writing the entry, notes on absent inputs, the Podes
    round, convergence) are module functions.

    Examples
    --------
    >>> tables = {2024: canonical.load_tables("data/demo/generated", 2024)}  # doctest: +SKIP
    >>> prepare_tables(tables, 2024, "derived/2024")  # doctest: +SKIP
    """
    if target not in ("poor", "b40", "registry"):
        raise ReportError(f"target must be 'poor', 'b40' or 'registry', got {target!r}")
    years = sorted(int(y) for y in tables_by_year)
    if year not in years:
        raise ReportError(f"year {year} has no tables; years available: {years}")
    if comparison_year is None:
        earlier = [y for y in years if y < year]
        comparison_year = earlier[-1] if earlier else None
    elif comparison_year not in years:
        raise ReportError(f"comparison year {comparison_year} has no tables; years available: {years}")
    # frames without attrs (value labels): pandas deep-copies attrs into every derived frame,
    # a large share of the run time on these small tables; no section reads them
    tables_by_year = {y: {k: _no_attrs(v) for k, v in t.items()} for y, t in tables_by_year.items()}
    registry = None if registry is None else _no_attrs(registry)
    cur = tables_by_year[year]
    hh = cur["households"]
    s = _Sections(sources)

    # ---- indicators over all years, change, targets
    ind = pd.concat([year_indicators(tables_by_year[y], y) for y in years], ignore_index=True)
    ind = ind.sort_values(["year", "kab_code", "indicator"], kind="stable").reset_index(drop=True)
    s.ok("indicators", ind)
    s.lap("indicators")
    from tkpk_lib.analysis import trends

    # each apart: a failure of one takes down no other
    def _change(_: Any) -> dict[str, pd.DataFrame]:
        if comparison_year is None:
            s.missing("change", "belum ada tahun pembanding: perubahan tidak dapat dihitung")
            return {}
        a = ind[ind["year"] == comparison_year]
        b = ind[ind["year"] == year]
        ch = trends.change(a, b, by="kab_code")
        return {"change": ch.sort_values(["kab_code", "indicator"], kind="stable").reset_index(drop=True)}

    s.run(["change"], None, _change)
    s.run(["targets"], None, lambda _: {"targets": trends.compare_targets(
        ind[ind["year"] <= year], targets, area_col="kab_code").reset_index(drop=True)})
    s.run(["disaggregation"], None, lambda _: {"disaggregation": _disaggregation(hh)})

    # ---- programme coverage (Susenas)
    # one call per section (the target columns are added once): a failure of one leaves the others
    prepared: dict[str, Any] = {}
    for name in ("coverage", "targeting", "combinations", "targeting_own", "targeting_groups"):
        s.run([name], "analysis.coverage", lambda cov, name=name: _coverage_sections(cov, hh, target, (name,), prepared))
    s.run(["overlap"], "analysis.coverage", lambda _: {"overlap": overlap_section(hh)})

    def _where(table: str) -> str:
        return (looked_for or {}).get(table) or LOOKED_FOR.get(table, table).replace("<tahun>", str(year))

    def _absent(names: Sequence[str], table: str) -> None:
        label = TABLE_LABELS.get(table, table)
        if table in s.sources:  # read, but no rows: the file is there, say so
            note = f"file {label} {s.sources[table]} tidak berisi baris data"
        else:
            note = f"file {label} tahun {year} tidak ditemukan (dicari di {_where(table)})"
        for n in names:
            s.missing(n, note)

    # ---- registry (counts only)
    def _registry(reg_mod: Any) -> dict[str, pd.DataFrame]:
        if registry is None:
            _absent(["registry_summary", "registry_followup", "registry_desa"], "registry")
            return {}
        # one scan of the registry (by desa); kabupaten, province and follow-up counts add up from it
        desa = reg_mod.registry_summary(registry, by=("kab_code", "kec_code", "desa_code"))
        summ = reg_mod.rollup_summary(desa, by=("kab_code",))
        prov = reg_mod.rollup_summary(desa, by=None)
        prov.insert(0, "kab_code", province_code())
        fu = reg_mod.follow_up_by_desa(registry, summary=desa)
        return {"registry_summary": pd.concat([summ, prov], ignore_index=True), "registry_followup": fu,
                "registry_desa": desa}

    s.run(["registry_summary", "registry_followup", "registry_desa"], "analysis.registry", _registry)
    s.run(["survey_registry"], "analysis.registry", lambda _: (
        _absent(["survey_registry"], "registry") if registry is None
        else {"survey_registry": survey_registry_section(hh, registry)}))
    s.run(["registry_package"], "analysis.registry_package", lambda _: (
        _absent(["registry_package"], "registry") if registry is None
        else {"registry_package": package_section(registry)}))

    # ---- pockets
    def _pockets(pk: Any) -> dict[str, pd.DataFrame]:
        vil = cur.get("villages")
        if vil is None:
            _absent(["pockets_kecamatan", "pockets_desa", "pockets"], "villages")
            return {}
        bnd = boundaries or {}
        for level in ("kecamatan", "desa"):
            if f"boundaries/{level}" in (input_errors or {}):
                raise input_errors[f"boundaries/{level}"]  # type: ignore[index]
        res = pk.province_pockets(hh, _design(), vil, registry, kec_gdf=bnd.get("kecamatan"),
                                  desa_gdf=bnd.get("desa"))
        return {"pockets_kecamatan": _plain(res["kecamatan"]), "pockets_desa": _plain(res["scores"]),
                "pockets": _plain(res["pockets"])}

    s.run(["pockets_kecamatan", "pockets_desa", "pockets"], "analysis.pockets", _pockets)
    _note_podes_round(s, cur.get("villages"), year)

    # ---- programme map: budget (and its annex), convergence and complaints are computed apart,
    # so a bad row in one input table takes down only the sections that read that table
    progs = cur.get("programmes")
    comp = cur.get("complaints")

    def _budget(pm: Any) -> dict[str, pd.DataFrame]:
        if progs is None or not len(progs):
            _absent(["budget"], "programmes")
            return {}
        keep = ("total", "by_strategy", "by_cluster", "by_fund_source", "by_opd", "by_programme")
        return {"budget": _per_kab_by(progs, pm.budget_tables, keep)}

    s.run(["budget"], "analysis.programmes", _budget)

    def _convergence(pm: Any) -> dict[str, pd.DataFrame]:
        if progs is None or not len(progs):
            _absent(["convergence"], "programmes")
            return {}
        return _convergence_section(pm, progs, s, year)

    s.run(["convergence"], "analysis.programmes", _convergence)
    s.run(["synergy"], "analysis.synergy", lambda sy: {"synergy": sy.synergy_summary(progs, s.frames.get("pockets"))}
          if progs is not None and len(progs) else _absent(["synergy"], "programmes"))

    def _complaints(pm: Any) -> dict[str, pd.DataFrame]:
        if comp is None or not len(comp):
            _absent(["complaints", "annex_complaints"], "complaints")
            return {}
        out = {"complaints": _per_kab_by(comp, pm.complaints_summary,
                                         ("overall", "by_channel", "by_programme", "by_status"))}
        # the annex after the summary: its checks (dates readable, resolved after received) hold
        out["annex_complaints"] = _complaints_annex(comp)
        return out

    s.run(["complaints", "annex_complaints"], "analysis.programmes", _complaints)

    def _annex_programmes(_: Any) -> dict[str, pd.DataFrame]:
        if progs is None or not len(progs):
            _absent(["annex_program", "annex_target"], "programmes")
            return {}
        return _programme_annex(progs)

    s.run(["annex_program", "annex_target"], None, _annex_programmes)
    s.run(["mechanisms"], "analysis.activities", lambda am: am.mechanism_tables(cur.get("activities"), year)
          if cur.get("activities") is not None else _absent(["mechanisms"], "activities"))

    completeness = unit_completeness(tables_by_year, year, registry=registry, boundaries=boundaries,
                                     sources=s.sources)
    s.run(["harmonisation"], "analysis.harmonisation", lambda hm: {"harmonisation": hm.board_tables(
        s.frames, year, targets=targets, completeness=completeness, desa_boundaries=(boundaries or {}).get("desa"))})
    s.run(["action_plan"], "analysis.action_plan", lambda ap: action_plan_section(
        ap, cur.get("action_plan"), year, (input_errors or {}).get("action_plan")))
    s.run(["problems"], "analysis.problems", lambda pr: {"problems": pr.draft_problems(
        s.frames, {c: str(n) for c, n in _catalogue()["name_id"].items()})})
    index = {
        "version": CACHE_VERSION, "year": int(year), "comparison_year": comparison_year,
        "years": years, "target": target, "key": key, "poverty_lines": str(poverty_lines or ""),
        "sections": {n: s.status.get(n, {"status": "missing", "note": "tidak dihitung"}) for n in SECTIONS},
        "completeness": completeness,
        "absent": _absent_inputs(cur, year, boundaries, input_errors, looked_for, _where),
        "sources": dict(sorted(s.sources.items())),
    }
    s.timings.pop("_", None)
    return _write_cache(Path(cache_dir), s.frames, index, s.timings)
