"""Coordinate systems of boundary files: recognise lon/lat or metres and convert to EPSG:4326."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from tkpk_lib.errors import Problem, SchemaError, TkpkError

_USUAL_CRS = "EPSG:32748"  # WGS 84 / UTM zone 48S, an example (Indonesia spans zones 46-54, N and S)


def _lonlat_bounds_ok(bounds: np.ndarray) -> bool:
    x0, y0, x1, y1 = bounds
    return bool(
        np.isfinite(bounds).all() and -180 <= x0 <= x1 <= 180 and -90 <= y0 <= y1 <= 90
    )


def _same_crs(a, b) -> bool:  # noqa: ANN001 - pyproj.CRS
    ea, eb = a.to_epsg(), b.to_epsg()
    if ea is not None and eb is not None:
        return ea == eb
    return bool(a.equals(b, ignore_axis_order=True))


def _crs_name(crs) -> str:  # noqa: ANN001 - pyproj.CRS
    epsg = crs.to_epsg()
    return f"EPSG:{epsg}" if epsg else crs.to_string()


def _to_lonlat(g, p: Path, crs: str | None) -> tuple[object, str | None]:  # noqa: ANN001
    """Boundary frame in EPSG:4326; the second item says what was converted (or None).

    A file without a coordinate system whose coordinates fit longitude/latitude is read as
    EPSG:4326 (what GeoJSON means). Coordinates outside those ranges (metres of a projected
    system read as degrees, on which matplotlib later fails) are an error naming the fix.
    """
    from pyproj import CRS

    declared = g.crs
    bounds = g.total_bounds
    impossible = declared is not None and declared.is_geographic and not _lonlat_bounds_ok(bounds)
    if crs is not None:
        given = CRS.from_user_input(crs)
        if declared is not None and not impossible and not _same_crs(given, declared):
            raise TkpkError(
                f"{p.name}: the file declares {_crs_name(declared)} but --crs gives "
                f"{_crs_name(given)}; leave out --crs"
            )
        if declared is None or impossible:
            g = g.set_crs(given, allow_override=True)
            declared = None  # converted from the user's system, said below
            note_from = f"{_crs_name(given)} (given with --crs)"
        else:
            note_from = _crs_name(declared)
    elif declared is None:
        if not _lonlat_bounds_ok(bounds):
            raise SchemaError([Problem(p.name, None, _metres_message(p, bounds, None))])
        return g.set_crs("EPSG:4326"), None
    else:
        note_from = _crs_name(declared)
    if impossible and crs is None:
        raise SchemaError([Problem(p.name, None, _metres_message(p, bounds, declared))])
    note = None
    if g.crs.to_epsg() != 4326:
        g = g.to_crs("EPSG:4326")
        note = f"coordinates in {note_from} reprojected to longitude/latitude (EPSG:4326)"
    if not _lonlat_bounds_ok(g.total_bounds):  # pragma: no cover - pyproj gives lon/lat or inf
        raise SchemaError([Problem(p.name, None, _metres_message(p, g.total_bounds, g.crs))])
    return g, note


def _metres_message(p: Path, bounds: np.ndarray, declared) -> str:  # noqa: ANN001
    x0, y0, x1, y1 = bounds
    head = (
        f"coordinates are not longitude/latitude (x from {x0:,.0f} to {x1:,.0f}, "
        f"y from {y0:,.0f} to {y1:,.0f}): the file seems to be in metres (a projected system "
        "such as UTM)"
    )
    fix = (
        f"tkpk validate --source boundaries --crs {_USUAL_CRS} --repair <new file> {p.name} "
        f"(with the UTM zone of your province: EPSG:327ZZ for zone ZZ south of the equator, "
        f"EPSG:326ZZ north; {_USUAL_CRS} = zone 48S) writes a copy in longitude/latitude"
    )
    if declared is not None:
        return (
            f"{head} although the file declares {_crs_name(declared)}. Export it again as "
            f"longitude/latitude (EPSG:4326), or name the system it was made in: {fix}"
        )
    if p.suffix.lower() == ".shp":
        where = f"({p.with_suffix('.prj').name} is missing). Put the .prj file exported with the "
        where += "shapefile beside it, or name the system: "
    else:
        where = "(none is declared). Export it again with its coordinate system, or name it: "
    return f"{head} and has no coordinate system {where}{fix}"
