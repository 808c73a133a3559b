"""Boundary polygons (``.shp``, ``.gpkg``, ``.geojson``): read, check and repair."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from tkpk_lib.data.readers.boundary_crs import _to_lonlat
from tkpk_lib.data.reference_data import regions
from tkpk_lib.data.region import current_region
from tkpk_lib.errors import Problem, SchemaError, TkpkError

# --------------------------------------------------------------------------- boundaries
BOUNDARY_SUFFIXES = (".shp", ".gpkg", ".geojson", ".json")
_CODE_COLUMNS = ("code", "kode", "kode_kemendagri", "KODE", "kode_desa")
_NAME_COLUMNS = ("name", "nama", "NAMA", "NAME", "nama_desa", "nama_kecamatan")


def _rows_text(rows: Iterable[int]) -> str:
    rows = list(rows)
    return f"row {rows[0]}" if len(rows) == 1 else "rows " + ", ".join(str(r) for r in rows)


def _polygonal(geom):  # noqa: ANN001, ANN202 - shapely geometry
    """The polygon parts of a geometry (make_valid may return lines beside polygons)."""
    import shapely
    from shapely.geometry import MultiPolygon

    if geom is None or geom.is_empty:
        return None
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        return geom
    polys = [
        q
        for part in shapely.get_parts(geom)
        for q in ([part] if part.geom_type == "Polygon" else list(getattr(part, "geoms", [])))
        if q.geom_type == "Polygon" and not q.is_empty and q.area > 0
    ]
    if not polys:
        return None
    return polys[0] if len(polys) == 1 else MultiPolygon(polys)


def _load_boundaries(
    path: str | Path,
    level: str,
    *,
    code_column: str | None,
    crs: str | None,
    repair: bool,
) -> tuple[object, str, list[Problem], pd.DataFrame, dict[str, object]]:
    """Read a boundary file, repair what is safe when asked, and collect every problem.

    Returns the frame (all the file's columns, EPSG:4326, plus ``code``, ``name`` and ``_row``,
    the 1-based feature number), the code column's name, the problems, the repairs made
    (code, name, rows, repair) and notes (``absent_kab``: kabupaten/kota with no polygon at
    all; ``unmatched``; ``crs``: the conversion made, if any).
    """
    p = Path(path)
    g, col = _open_boundary_file(p, code_column)
    problems: list[Problem] = []
    no_code = g["code"].isna().to_numpy()
    if no_code.any():
        problems.append(Problem(p.name, col, "features without a code", list(g["_row"][no_code])))
    repairs: list[dict[str, object]] = []
    missing = np.asarray(g.geometry.isna() | g.geometry.is_empty, dtype=bool)
    if missing.any():
        problems.append(
            Problem(p.name, "geometry", "features without a polygon", list(g["_row"][missing]))
        )
        g = g[~missing]
        if len(g) == 0:
            raise SchemaError(problems)
    g, conversion = _to_lonlat(g, p, crs)
    ref = regions(level)
    names = dict(zip(ref["code"], ref["name"], strict=True))
    name_col = next((c for c in _NAME_COLUMNS if c in g.columns and c != col), None)

    def label(code: object) -> str:
        nm = names.get(str(code))
        return f"{code} {nm}" if nm else str(code)

    g = _check_polygons(g, p, names, label, repair, problems, repairs)
    g = _check_duplicate_codes(g, p, col, names, name_col, repair, problems, repairs)
    notes = _completeness(g, p, col, level, ref, names, conversion)
    g["name"] = g["code"].map(names)
    rep = pd.DataFrame(repairs, columns=["code", "name", "rows", "repair"])
    return g, col, problems, rep, notes


def _open_boundary_file(p: Path, code_column: str | None) -> tuple[object, str]:
    """The boundary file read (features numbered in ``_row``) and its code column (``code``)."""
    import geopandas as gpd

    if p.suffix.lower() not in BOUNDARY_SUFFIXES:
        raise TkpkError(f"{p}: wrong file type '{p.suffix}'; expected .shp, .gpkg or .geojson")
    if not p.exists():
        raise TkpkError(f"{p}: file not found")
    try:
        g = gpd.read_file(p)
    except Exception as exc:  # noqa: BLE001 - any driver failure becomes one clear message
        raise TkpkError(
            f"{p}: cannot be read as a boundary file ({type(exc).__name__}: {exc})"
        ) from None
    if len(g) == 0:
        raise SchemaError([Problem(str(p), None, "the file has no features")])
    cands = [code_column] if code_column else list(_CODE_COLUMNS)
    col = next((c for c in cands if c in g.columns), None)
    if col is None:
        raise SchemaError(
            [
                Problem(
                    p.name,
                    cands[0],
                    f"no region-code column (looked for {', '.join(cands)}; "
                    f"columns found: {', '.join(map(str, g.columns))})",
                )
            ]
        )
    g = g.copy()
    g["_row"] = np.arange(1, len(g) + 1)
    g["code"] = g[col].astype("string").str.replace(".", "", regex=False).str.strip()
    g["code"] = g["code"].mask(g["code"].eq(""))
    return g, col


def _check_polygons(g, p: Path, names: dict[str, str], label: Callable[[object], str],  # noqa: ANN001
                    repair: bool, problems: list[Problem], repairs: list[dict[str, object]]):  # noqa: ANN202
    """Features that are not polygons, and invalid polygons (made valid when ``repair``)."""
    import geopandas as gpd
    import shapely

    # invalid polygons: shapely.make_valid keeps every part of the area (a "bow-tie" becomes
    # two triangles); safe when the result is still a non-empty polygon
    geom = g.geometry.array
    valid = np.asarray(g.geometry.is_valid, dtype=bool)
    kinds = g.geometry.geom_type.to_numpy()
    not_poly = ~np.isin(kinds, ["Polygon", "MultiPolygon"])
    if not_poly.any():
        problems.append(
            Problem(
                p.name,
                "geometry",
                "features that are not polygons ("
                + ", ".join(sorted(set(kinds[not_poly])))
                + "): "
                + ", ".join(label(c) for c in g["code"][not_poly]),
                list(g["_row"][not_poly]),
            )
        )
    bad = ~valid & ~not_poly
    if bad.any():
        reasons = shapely.is_valid_reason(np.asarray(geom[bad]))
        codes = g["code"].to_numpy()[bad]
        rows = g["_row"].to_numpy()[bad]
        fixed = [_polygonal(x) for x in shapely.make_valid(np.asarray(geom[bad]))]
        if repair:
            new = list(g.geometry)
            pos = np.flatnonzero(bad)
            unsafe = []
            for i, f, c, r, why in zip(pos, fixed, codes, rows, reasons, strict=True):
                if f is None:
                    unsafe.append((c, r, why))
                    continue
                new[i] = f
                repairs.append(
                    {
                        "code": c,
                        "name": names.get(str(c)),
                        "rows": [int(r)],
                        "repair": f"invalid polygon ({why}) made valid (shapely.make_valid)",
                    }
                )
            g = g.set_geometry(gpd.GeoSeries(new, index=g.index, crs=g.crs))
            if unsafe:
                problems.append(
                    Problem(
                        p.name,
                        "geometry",
                        "invalid polygons that cannot be repaired safely (no area left): "
                        + "; ".join(f"{label(c)} ({why})" for c, _, why in unsafe),
                        [int(r) for _, r, _ in unsafe],
                    )
                )
        else:
            safe = all(f is not None for f in fixed)
            hint = (
                "; a safe repair exists: tkpk validate --source boundaries --repair <new file> "
                f"{p.name} writes a repaired copy"
                if safe
                else "; correct them in a GIS"
            )
            problems.append(
                Problem(
                    p.name,
                    "geometry",
                    "invalid polygons: "
                    + "; ".join(f"{label(c)} ({why})" for c, why in zip(codes, reasons, strict=True))
                    + hint,
                    [int(r) for r in rows],
                )
            )
    return g


def _check_duplicate_codes(g, p: Path, col: str, names: dict[str, str], name_col: str | None,  # noqa: ANN001
                           repair: bool, problems: list[Problem],
                           repairs: list[dict[str, object]]):  # noqa: ANN202
    """The same code on several features (parts of one unit merged when ``repair``)."""
    import geopandas as gpd
    import shapely

    # duplicated codes: merging is safe only for the parts of one unit (same name, or no name
    # column to tell them apart)
    has_code = g["code"].notna().to_numpy()
    dup = has_code & g["code"].duplicated(keep=False).to_numpy()
    if dup.any():
        groups = g[dup].groupby("code", sort=True)
        merged: list[str] = []
        unsafe_text: list[str] = []
        unsafe_rows: list[int] = []
        for code, sub in groups:
            rows = [int(r) for r in sub["_row"]]
            nms = (
                list(dict.fromkeys(sub[name_col].astype("string").str.strip().fillna("")))
                if name_col
                else []
            )
            same = len({n.casefold() for n in nms}) <= 1
            if repair and same:
                merged.append(code)
                repairs.append(
                    {
                        "code": code,
                        "name": names.get(str(code)),
                        "rows": rows,
                        "repair": f"{len(sub)} features with the same code and name merged into one",
                    }
                )
                continue
            text = f"{code} ({_rows_text(rows)})"
            if repair:
                text += f": names differ ({', '.join(nms)}); not merged"
            unsafe_text.append(text)
            unsafe_rows += rows
        if merged:
            keep = g[~g["code"].isin(merged)]
            parts = []
            for code in merged:
                sub = g[g["code"] == code]
                first = sub.iloc[[0]].copy()
                first["geometry"] = [shapely.union_all(np.asarray(sub.geometry.array))]
                parts.append(first)
            g = gpd.GeoDataFrame(
                pd.concat([keep, *parts]).sort_values("_row"), geometry="geometry", crs=g.crs
            )
        if unsafe_text:
            problems.append(
                Problem(
                    p.name,
                    col,
                    "the same code on several features: " + "; ".join(unsafe_text),
                    unsafe_rows,
                )
            )
    return g


def _completeness(g, p: Path, col: str, level: str, ref: pd.DataFrame,  # noqa: ANN001
                  names: dict[str, str], conversion: str | None) -> dict[str, object]:
    """Notes on the units of the region list without a polygon and codes not in the list."""
    # completeness against the region reference: a unit missing inside a kabupaten/kota the
    # file covers is an export mistake; a kabupaten/kota absent altogether is named (a file
    # of one kabupaten is normal)
    in_file = set(g["code"].dropna())
    in_ref = set(ref["code"])
    covered = {c[:4] for c in in_file & in_ref}
    missing_units = sorted(in_ref - in_file)
    inside = [c for c in missing_units if c[:4] in covered]
    incomplete = None
    if inside:
        incomplete = (
            Problem(
                p.name,
                col,
                f"no polygon for {len(inside)} {level} of the region list (reference "
                "regions.csv) in a kabupaten/kota the file covers: "
                + ", ".join(f"{c} {names[c]} ({c[:4]})" for c in inside),
            )
        )
    kab_names = dict(zip(regions("kabupaten")["code"], regions("kabupaten")["name"], strict=True))
    absent = sorted({c[:4] for c in missing_units} - covered)
    notes: dict[str, object] = {
        "absent_kab": pd.DataFrame(
            {"code": absent, "name": [kab_names.get(c) for c in absent]}, dtype="string"
        ),
        "unmatched": pd.DataFrame(
            [{"code": c, "side": "file"} for c in sorted(in_file - in_ref)]
            + [{"code": c, "side": "region list", "name": names[c]} for c in missing_units]
        ),
        "crs": conversion,
        "missing": pd.DataFrame(
            {"code": inside, "name": [names[c] for c in inside]}, dtype="string"
        ),
        "incomplete": incomplete,
    }
    return notes



def read_boundaries(
    path: str | Path,
    level: str,
    *,
    code_column: str | None = None,
    crs: str | None = None,
    repair: bool = False,
):  # -> GeoDataFrame
    """Read boundary polygons (``.shp``, ``.gpkg``, ``.geojson``) keyed by Kemendagri code.

    Codes are normalised to digits only (``17.01.01`` -> ``170101``) and joined to the region
    reference (``tkpk_lib/reference/regions.csv``). Coordinates are returned in longitude/
    latitude (EPSG:4326): a file in another declared system (a shapefile with its ``.prj``) is
    reprojected; a file without a system is read as longitude/latitude when its coordinates
    fit, and is an error saying that it seems to be in metres otherwise.

    Rejected with one :class:`~tkpk_lib.errors.SchemaError` listing every problem: invalid
    polygons (with the reason and place), features without polygon or code, the same code on
    several features. Units of the region reference missing inside a kabupaten/kota the file
    covers are listed in ``attrs["missing"]`` (``tkpk validate`` rejects them, see
    :func:`check_boundaries`); a kabupaten/kota absent altogether (a file may cover one
    kabupaten) in ``attrs["absent_kab"]``.

    Parameters
    ----------
    path : path-like
    level : {"kabupaten", "kecamatan", "desa"}
    code_column : str, optional
        Column holding the code; by default the first of ``code``, ``kode``, ``kode_kemendagri``
        found.
    crs : str, optional
        Coordinate system of a file that declares none (``"EPSG:32748"``); must agree with the
        file's own system when it has one.
    repair : bool
        Repair in memory what is safe: invalid polygons (``shapely.make_valid``, kept when a
        polygon with area remains) and features sharing a code and a name (merged). The repairs
        are listed in ``attrs["repaired"]``. :func:`repair_boundaries` writes them to a file.

    Returns
    -------
    GeoDataFrame
        ``code``, ``name`` (from the region reference), ``geometry`` (and ``parent`` when the
        file has it); ``attrs``: ``unmatched`` (codes on one side only, ``side`` = "file" or
        "region list"), ``missing`` and ``absent_kab`` (code, name), ``repaired`` (code, name,
        rows, repair).

    Examples
    --------
    >>> g = read_boundaries("tests/data/bengkulu_1771_kecamatan.geojson", "kecamatan")
    >>> len(g), g.attrs["absent_kab"]["code"].tolist()[:2]
    (9, ['1701', '1702'])
    """
    g, _col, problems, rep, notes = _load_boundaries(
        path, level, code_column=code_column, crs=crs, repair=repair
    )
    if problems:
        raise SchemaError(problems)
    return _boundary_frame(g, rep, notes)


def _boundary_frame(g, rep: pd.DataFrame, notes: dict[str, object]):  # noqa: ANN001, ANN202
    keep = ["code", "name", "geometry"] + [c for c in ("parent",) if c in g.columns]
    out = g[keep].reset_index(drop=True)
    for k in ("unmatched", "absent_kab", "missing"):
        out.attrs[k] = notes[k]
    out.attrs["repaired"] = rep
    return out


def repair_boundaries(
    path: str | Path,
    out: str | Path,
    level: str,
    *,
    code_column: str | None = None,
    crs: str | None = None,
) -> pd.DataFrame:
    """Write a repaired copy of a boundary file; the original is never touched.

    Repairs what :func:`read_boundaries` with ``repair=True`` repairs, and converts the
    coordinates to longitude/latitude (EPSG:4326). The copy keeps the file's own columns; its
    format follows the suffix of ``out`` (``.gpkg``, ``.geojson``, ``.shp``). Nothing is written
    when there is nothing to repair.

    Parameters
    ----------
    path, out : path-like
        The file to repair and the new file (must not exist and must differ from ``path``).
    level, code_column, crs
        As in :func:`read_boundaries`.

    Returns
    -------
    DataFrame
        The repairs (code, name, rows, repair); a conversion of coordinates is a row with
        code "*" (all units).

    Raises
    ------
    TkpkError
        ``out`` exists or is the file itself, or the file cannot be read.
    """
    p, o = Path(path), Path(out)
    if o.resolve() == p.resolve() or (
        p.suffix.lower() == ".shp" and o.with_suffix("").resolve() == p.with_suffix("").resolve()
    ):
        raise TkpkError(f"{p}: --repair must name a new file, not the file being checked")
    if o.exists():
        raise TkpkError(f"{o}: already exists; --repair writes a new file only (give another name)")
    if o.suffix.lower() not in BOUNDARY_SUFFIXES:
        raise TkpkError(f"{o}: --repair needs a .gpkg, .geojson or .shp file name")
    g, _col, _problems, rep, notes = _load_boundaries(
        p, level, code_column=code_column, crs=crs, repair=True
    )
    if notes["crs"]:
        rep = pd.concat(
            [
                pd.DataFrame(
                    [{"code": "*", "name": None, "rows": [], "repair": notes["crs"]}]
                ),
                rep,
            ],
            ignore_index=True,
        )
    if len(rep):
        o.parent.mkdir(parents=True, exist_ok=True)
        data = g.drop(columns=["_row", "code", "name"], errors="ignore")
        if "geometry" not in data.columns:  # pragma: no cover - the geometry column is kept
            data = data.set_geometry(g.geometry)
        driver = {".gpkg": "GPKG", ".shp": "ESRI Shapefile"}.get(o.suffix.lower(), "GeoJSON")
        tmp = o.with_name(o.stem + ".partial" + o.suffix)
        try:
            data.to_file(tmp, driver=driver)
            if driver == "ESRI Shapefile":
                for side in tmp.parent.glob(tmp.stem + ".*"):
                    side.replace(o.with_suffix(side.suffix))
            else:
                tmp.replace(o)
        except OSError as exc:
            raise TkpkError(f"{o}: cannot write the repaired copy ({exc})") from None
    return rep


def check_boundaries(
    path: str | Path,
    level: str,
    *,
    crs: str | None = None,
    repair_to: str | Path | None = None,
) -> tuple[int, list[str]]:
    """What ``tkpk validate --source boundaries`` does: read, optionally repair, report.

    Returns
    -------
    tuple
        The number of polygons and the lines to print (repairs made, kabupaten/kota absent).

    Raises
    ------
    TkpkError
        Every problem left (in the repaired copy when one was written).
    """
    p = Path(path)
    lines: list[str] = []
    target = p
    if repair_to is not None:
        rep = repair_boundaries(p, repair_to, level, crs=crs)
        if len(rep):
            target = Path(repair_to)
            lines.append(f"REPAIRED {p.name} -> {repair_to}: " + _repair_head(rep))
            lines.append(
                f"  use the copy in place of {p.name}: a run reads raw/boundaries/{level}.gpkg, "
                f"{level}.geojson or {level}.shp (keep one file per level)"
            )
            for r in rep.itertuples():
                if r.code == "*":
                    continue
                what = f"{r.code} {r.name}" if isinstance(r.name, str) else str(r.code)
                lines.append(f"  - {what} ({_rows_text(r.rows)}): {r.repair}")
        else:
            lines.append(f"{p.name}: nothing to repair; no copy written")
    # with --repair, the problems left are those of the repair pass (= those of the copy);
    # validate also rejects units missing inside a kabupaten/kota the file covers
    g, _col, problems, rep, notes = _load_boundaries(
        p, level, code_column=None, crs=crs, repair=repair_to is not None
    )
    if notes["incomplete"] is not None:
        problems.append(notes["incomplete"])
    if problems:
        raise SchemaError(problems)
    g = _boundary_frame(g, rep, notes)
    if repair_to is None and crs is not None and "(given with --crs)" in str(notes["crs"] or ""):
        lines.append(
            f"NOTE {p.name}: read with --crs {crs}; the file itself declares no coordinate "
            "system and a run will reject it: put the .prj beside it or write a copy with "
            "--repair NEW_FILE"
        )
    um = g.attrs["unmatched"]
    if len(um) and (um["side"] == "file").any():
        raise TkpkError(
            f"{target.name}: codes not in the region list of {current_region().title}: "
            f"{', '.join(um.loc[um['side'] == 'file', 'code'].head(20))}"
        )
    absent = g.attrs["absent_kab"]
    if len(absent):
        lines.append(
            f"NOTE {target.name}: no polygons at all for {len(absent)} kabupaten/kota of the "
            "region list (the file covers part of the province): "
            + ", ".join(f"{c} {n}" for c, n in zip(absent["code"], absent["name"], strict=True))
        )
    return len(g), lines


def _repair_head(rep: pd.DataFrame) -> str:
    units = rep[rep["code"] != "*"]
    parts = [f"all units: {t}" for t in rep.loc[rep["code"] == "*", "repair"]]
    if len(units):
        parts.insert(0, f"{len(units)} unit(s)")
    return "; ".join(parts)
