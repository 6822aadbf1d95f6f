"""Intersections of given pairs of polygons, and a point inside each polygon.

Used where the pairs are already known (a before-year parcel × an after-year parcel whose boxes
meet): no union, no spatial index, one GEOS intersection per pair. Three paths give the same
result: raw GEOS pointers on shapely 1.8 (no Python object per result; see ``kernel_raw_geos``), the
vectorised functions of shapely 2, and the plain per-object reference path that tests compare
against (``LAND_SUPERVISION_REFERENCE_OVERLAY=1`` forces it).
"""

import os
import struct
from ctypes import c_size_t, pointer

import numpy as np
import shapely
import shapely.wkb

from . import kernel_raw_geos, robust
from ..io.geometry import polygonal_part

SHAPELY2 = not shapely.__version__.startswith("1.")
_POINTLIKE_OR_LINEAR = {0, 1, 2, 4, 5}  # GEOS type ids: point, line string, ring, multi-…


def _fast():
    return os.environ.get("LAND_SUPERVISION_REFERENCE_OVERLAY") != "1"


def intersect_pairs(left, right, li, rj):
    """[(k, WKB)] for every pair k = (left[li[k]], right[rj[k]]) whose intersection has area.

    ``left``/``right`` are lists of valid shapely (Multi)Polygons (None never paired). Only the
    polygonal part of an intersection is kept; touching neighbours give nothing.
    """
    li = np.asarray(li, dtype=np.int64)
    rj = np.asarray(rj, dtype=np.int64)
    if len(li) == 0:
        return []
    if _fast() and kernel_raw_geos.AVAILABLE:
        return _pairs_raw_geos(left, right, li, rj)
    if _fast() and SHAPELY2:
        return _pairs_shapely2(left, right, li, rj)
    return _pairs_reference(left, right, li, rj)


def _pairs_reference(left, right, li, rj):
    out = []
    for k, (i, j) in enumerate(zip(li.tolist(), rj.tolist())):
        piece = robust.intersection(left[i], right[j])
        if piece is not None and piece.area > 0:
            out.append((k, piece.wkb))
    return out


def _pairs_raw_geos(left, right, li, rj):
    lg = kernel_raw_geos.lgeos
    out = []
    for k, (i, j) in enumerate(zip(li.tolist(), rj.tolist())):
        ptr = lg.GEOSIntersection(left[i]._geom, right[j]._geom)
        if not ptr:  # GEOS gave up on this pair: the robust path retries it
            piece = robust.intersection(left[i], right[j])
            if piece is not None and piece.area > 0:
                out.append((k, piece.wkb))
            continue
        kind = lg.GEOSGeomTypeId(ptr)
        if kind in _POINTLIKE_OR_LINEAR or lg.GEOSisEmpty(ptr):
            lg.GEOSGeom_destroy(ptr)
        elif kind in (3, 6):
            try:
                if kernel_raw_geos.area(ptr) > 0:
                    out.append((k, kernel_raw_geos.to_wkb(ptr)))
            finally:
                lg.GEOSGeom_destroy(ptr)
        else:  # a collection: shapely takes the pointer and picks the polygons
            wkb = kernel_raw_geos.polygonal_wkb(ptr)
            if wkb is not None and shapely.wkb.loads(wkb).area > 0:
                out.append((k, wkb))
    return out


def _pairs_shapely2(left, right, li, rj):
    a = np.asarray(left, dtype=object)[li]
    b = np.asarray(right, dtype=object)[rj]
    try:
        pieces = shapely.intersection(a, b)
    except shapely.errors.GEOSException:  # one pair failed: the robust path takes them one by one
        pieces = np.array([robust.intersection(x, y) for x, y in zip(a, b)], dtype=object)
        pieces[[p is None for p in pieces]] = shapely.from_wkt("POLYGON EMPTY")
    kind = shapely.get_type_id(pieces)
    out = []
    for k in np.flatnonzero(~np.isin(kind, list(_POINTLIKE_OR_LINEAR)) & ~shapely.is_empty(pieces)):
        piece = pieces[k] if kind[k] in (3, 6) else polygonal_part(pieces[k])
        if piece is not None and piece.area > 0:
            out.append((int(k), piece.wkb))
    return out


def points_inside(geoms):
    """(x, y) arrays of a point inside each polygon (GEOS PointOnSurface); NaN for None."""
    xs = np.full(len(geoms), np.nan)
    ys = np.full(len(geoms), np.nan)
    rows = [k for k, g in enumerate(geoms) if g is not None and not g.is_empty]
    if not rows:
        return xs, ys
    if _fast() and SHAPELY2:
        pts = shapely.point_on_surface(np.asarray([geoms[k] for k in rows], dtype=object))
        xs[rows], ys[rows] = shapely.get_x(pts), shapely.get_y(pts)
        return xs, ys
    if _fast() and kernel_raw_geos.AVAILABLE:
        lg = kernel_raw_geos.lgeos
        size = c_size_t()
        for k in rows:
            ptr = lg.GEOSPointOnSurface(geoms[k]._geom)
            try:
                buf = lg.GEOSGeomToWKB_buf(ptr, pointer(size))
            finally:
                lg.GEOSGeom_destroy(ptr)
            xs[k], ys[k] = struct.unpack_from("<dd" if buf[0] == 1 else ">dd", buf, 5)
        return xs, ys
    for k in rows:
        p = geoms[k].representative_point()
        xs[k], ys[k] = p.x, p.y
    return xs, ys
