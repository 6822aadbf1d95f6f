"""The overlay's hot loop on shapely 1.8's GEOS binding, without a Python object per result.

On shapely 1.8 each GEOS call is wrapped in argument checks and a new geometry object
(~20 µs, about as much as the GEOS work itself on a parcel-sized overlay). Here features
and patches stay raw GEOS pointers, freed explicitly, and only the final piece becomes WKB.
Used only when shapely < 2 is installed; ``chunked._overlay_chunk`` is the reference path
(and the one shapely 2 takes), and tests assert the two agree.
"""

import logging
import struct
from ctypes import POINTER, byref, c_byte, c_double, c_size_t, c_void_p, string_at

import shapely
import shapely.wkb
from shapely.geometry.base import geom_factory

from ..io.geometry import parse_geometries, polygonal_part
from . import robust
from .tiling import CoverageTries, tiling_slack


class _QuietCoverageUnion(logging.Filter):
    """GEOS reports a coverage it cannot take (pieces that overlap) as an error, which shapely
    logs; the overlay union then takes the pieces, so it is no error of ours."""

    def filter(self, record):
        return "CoverageUnion" not in record.getMessage()


def _own(name, restype, *argtypes):
    """A GEOS C function (context-handle form) of our own: shapely's copy of one carries its
    error check, and one it does not bind has none; None where this GEOS lacks it."""
    try:
        fn = lgeos._lgeos[name]  # indexing makes a new function object, attribute access not
    except AttributeError:
        return None
    fn.restype, fn.argtypes = restype, [c_void_p, *(argtypes or [c_void_p])]
    return fn


AVAILABLE = shapely.__version__.startswith("1.")
if AVAILABLE:
    from shapely.geos import lgeos

    _COVERAGE_UNION = _own("GEOSCoverageUnion_r", c_void_p)  # GEOS >= 3.8
    _VALID = _own("GEOSisValid_r", c_byte)  # 2 (a GEOS exception) is an answer, not a raise
    # WKB without shapely's error check around every piece (half the cost of a piece's WKB)
    _TO_WKB = _own("GEOSGeomToWKB_buf_r", c_void_p, c_void_p, POINTER(c_size_t))
    _FREE = _own("GEOSFree_r", None)
    _LOG = logging.getLogger("shapely.geos")
    # once, even when the plugin is reloaded (a new class each time)
    if not any(type(f).__name__ == _QuietCoverageUnion.__name__ for f in _LOG.filters):
        _LOG.addFilter(_QuietCoverageUnion())

_POLYGONAL = {3, 6}  # GEOSGeomTypeId of Polygon and MultiPolygon
_POLYGON_LE, _MULTIPOLYGON_LE = b"\x01\x03\x00\x00\x00", b"\x01\x06\x00\x00\x00"  # WKB heads
_U32 = struct.Struct("<I")
_COLLECTION = 7  # GEOS_GEOMETRYCOLLECTION


def _from_wkb(blob):
    return lgeos.GEOSGeomFromWKB_buf(blob, len(blob))


def to_wkb(ptr):
    size = c_size_t()
    buf = _TO_WKB(lgeos.geos_handle, ptr, byref(size))
    if not buf:
        raise ValueError("GEOS could not write a geometry's WKB")
    try:
        return string_at(buf, size.value)
    finally:
        _FREE(lgeos.geos_handle, buf)


def _written_as_is(blob):
    """Whether GEOS writes back exactly this WKB of a geometry it read from it (then the WKB
    of a feature a patch contains is its own): a 2D Polygon, or a MultiPolygon of them, little-
    endian throughout, no SRID, nothing after its end."""
    try:
        if blob[:5] == _POLYGON_LE:
            return _polygon_end(blob, 5) == len(blob)
        if blob[:5] != _MULTIPOLYGON_LE:
            return False
        end = 9
        for _ in range(_U32.unpack_from(blob, 5)[0]):
            if blob[end:end + 5] != _POLYGON_LE:
                return False
            end = _polygon_end(blob, end + 5)
            if end < 0:
                return False
        return end == len(blob)
    except struct.error:
        return False


def _polygon_end(blob, at):
    """Where a polygon's rings, starting at ``at``, end; -1 where a ring has no point (GEOS
    reads that part as an empty polygon and writes it with no ring)."""
    rings, = _U32.unpack_from(blob, at)
    at += 4
    for _ in range(rings):
        points, = _U32.unpack_from(blob, at)
        if points == 0:
            return -1
        at += 4 + 16 * points
    return at


def area(ptr):
    out = c_double()
    lgeos.GEOSArea(ptr, byref(out))
    return out.value


def polygonal_wkb(ptr):
    """WKB of a GEOS result's polygons (None when it has none); the pointer is consumed."""
    if lgeos.GEOSisEmpty(ptr):
        lgeos.GEOSGeom_destroy(ptr)
        return None
    if lgeos.GEOSGeomTypeId(ptr) in _POLYGONAL:
        try:
            return to_wkb(ptr)
        finally:
            lgeos.GEOSGeom_destroy(ptr)
    geom = polygonal_part(geom_factory(ptr))  # shapely now owns the pointer
    return geom.wkb if geom is not None else None


def occupied_chunk(patch_wkb, feat_wkb, feat_ids, label, local_p, local_f):
    """[(patch index, WKB of patch ∩ union(features))], notes — same result as the reference."""
    tries = CoverageTries()

    def occupied(blob, patch, cands):
        try:
            return _occupied(patch, cands, tries) if cands else None
        except ValueError:  # GEOS gave up on this patch: the robust path retries it
            return robust.occupied_wkb(blob, [to_wkb(c) for c in cands])

    return _per_patch(patch_wkb, feat_wkb, feat_ids, label, local_p, local_f,
                      lambda blob, patch, prepared, cands, _: occupied(blob, patch,
                                                                      [f for _, f in cands]))


def pieces_chunk(patch_wkb, feat_wkb, feat_ids, label, local_p, local_f, union=False):
    """[(patch index, [(feature index, piece's planar area)])], notes: each feature's part of
    the patch — the reference's pieces. With ``union`` each patch's entry is (WKB of the
    pieces' union, [(feature index, piece WKB)]): the patch ∩ the union of the features, from
    the pieces at hand instead of a second pass over the features."""
    tries = CoverageTries()

    def pieces(blob, patch, prepared, cands, source):
        out, parts = [], []  # parts: GEOS pointers of the pieces, for the union
        summed = 0.0  # their planar areas
        try:
            for j, f in cands:
                if lgeos.GEOSPreparedContains(prepared, f) == 1:  # 2 is a GEOS exception
                    if not union:
                        out.append((j, area(f)))
                        continue
                    own = source[j]
                    out.append((j, own if own is not None and _written_as_is(own)
                                else to_wkb(f)))
                    parts.append(lgeos.GEOSGeom_clone(f))
                    summed += area(f)
                    continue
                try:
                    piece = _checked(lgeos.GEOSIntersection(patch, f))
                except ValueError:  # GEOS gave up on this pair: the robust path retries it
                    g = robust.intersection(shapely.wkb.loads(bytes(blob)),
                                            geom_factory(lgeos.GEOSGeom_clone(f)))
                    if g is not None and g.area > 0:
                        out.append((j, g.wkb if union else g.area))
                        if union:
                            parts.append(_from_wkb(g.wkb))
                            summed += g.area
                    continue
                piece_area = area(piece)
                if piece_area <= 0:
                    lgeos.GEOSGeom_destroy(piece)
                    continue
                if not union:
                    lgeos.GEOSGeom_destroy(piece)
                    out.append((j, piece_area))
                    continue
                summed += piece_area
                if lgeos.GEOSGeomTypeId(piece) in _POLYGONAL:  # the union takes it as it is
                    parts.append(piece)
                    out.append((j, to_wkb(piece)))
                    continue
                parts.append(lgeos.GEOSGeom_clone(piece))
                wkb = polygonal_wkb(piece)
                if wkb is not None:
                    out.append((j, wkb))
            if not union or not out:
                return out or None
            taken, parts = parts, []  # the union consumes them
            try:
                whole = polygonal_wkb(taken[0] if len(taken) == 1 else
                                      _union(taken, tiling=summed, tries=tries))
            except ValueError:  # GEOS gave up on the union: the robust path retries it
                whole = robust.occupied_wkb(blob, [to_wkb(f) for _, f in cands])
            return whole, out
        finally:
            for ptr in parts:
                lgeos.GEOSGeom_destroy(ptr)

    return _per_patch(patch_wkb, feat_wkb, feat_ids, label, local_p, local_f, pieces)


def _per_patch(patch_wkb, feat_wkb, feat_ids, label, local_p, local_f, work):
    """[(patch index, work(patch WKB, patch, prepared patch, [(feature index, feature)],
    source))] for the patches whose candidates meet them (a None result is left out), and the
    notes of the features repaired. Features and patches are raw GEOS pointers, freed here;
    ``source[j]``: the WKB feature j was read from (None for one repaired)."""
    import numpy as np
    feats = [None] * len(feat_wkb)
    source = [None] * len(feat_wkb)
    notes = []
    invalid = []
    try:
        for j, blob in enumerate(feat_wkb):
            blob = bytes(blob) if blob is not None else None
            ptr = _from_wkb(blob) if blob is not None else None
            if ptr is None or lgeos.GEOSisEmpty(ptr) or lgeos.GEOSHasZ(ptr) or \
                    not lgeos.GEOSisValid(ptr):
                if ptr:
                    lgeos.GEOSGeom_destroy(ptr)
                invalid.append(j)
                continue
            feats[j], source[j] = ptr, blob
        if invalid:  # the reference path repairs and reports them
            fixed, notes = parse_geometries([feat_wkb[j] for j in invalid],
                                            [feat_ids[j] for j in invalid], label)
            for j, g in zip(invalid, fixed):
                feats[j] = _from_wkb(g.wkb) if g is not None else None
        bounds = np.searchsorted(local_p, np.arange(len(patch_wkb) + 1))
        out = []
        for i, blob in enumerate(patch_wkb):
            lo, hi = bounds[i], bounds[i + 1]
            if lo == hi:
                continue
            patch = _from_wkb(blob)
            prepared = lgeos.GEOSPrepare(patch)
            try:
                cands = [(int(j), feats[j]) for j in local_f[lo:hi] if feats[j] is not None
                         and lgeos.GEOSPreparedIntersects(prepared, feats[j])]
                result = work(blob, patch, prepared, cands, source) if cands else None
            finally:
                lgeos.GEOSPreparedGeom_destroy(prepared)
                lgeos.GEOSGeom_destroy(patch)
            if result is not None:
                out.append((i, result))
        return out, notes
    finally:
        for ptr in feats:
            if ptr:
                lgeos.GEOSGeom_destroy(ptr)


def _occupied(patch, feats, tries=None):
    """patch ∩ union(feats), as WKB: the features' union first, then one intersection (QGIS's
    order: about a quarter less GEOS work than subtracting the features one by one). The union
    is first tried as a coverage's (a survey layer's features tile without overlapping)."""
    if len(feats) == 1:
        return polygonal_wkb(_checked(lgeos.GEOSIntersection(patch, feats[0])))
    union = _union([lgeos.GEOSGeom_clone(f) for f in feats], tiling=sum(map(area, feats)),
                   tries=tries)
    try:
        return polygonal_wkb(_checked(lgeos.GEOSIntersection(patch, union)))
    finally:
        lgeos.GEOSGeom_destroy(union)


def _union(parts, tiling=None, tries=None):
    """The union of ``parts`` (consumed, freed whatever happens) as a new GEOS pointer;
    ValueError where GEOS fails.

    ``tiling``: the parts' summed area, where they may tile without overlapping (a survey layer
    is a coverage: its features, and one patch's pieces of them). GEOS's coverage union
    (three times faster there) is then taken where its result is valid with that area;
    pieces that overlap, or meet without sharing their vertices, make it fail, come out
    invalid or differ in area, and the overlay union takes them. ``tries``: a CoverageTries,
    which says whether to try and is told how it went."""
    collection = lgeos.GEOSGeom_createCollection(_COLLECTION, (c_void_p * len(parts))(*parts),
                                                 len(parts))
    if not collection:
        for ptr in parts:
            lgeos.GEOSGeom_destroy(ptr)
        raise ValueError("GEOS overlay failed (collection)")
    try:  # the collection owns the parts now
        if tiling and _COVERAGE_UNION is not None and (tries is None or tries.worth_it()):
            whole = _COVERAGE_UNION(lgeos.geos_handle, collection)
            taken = None
            try:
                if whole and _VALID(lgeos.geos_handle, whole) == 1 and \
                        abs(area(whole) - tiling) <= tiling_slack(tiling):
                    whole, taken = None, whole
            finally:
                if whole:
                    lgeos.GEOSGeom_destroy(whole)
                if tries is not None:
                    tries.record(taken is not None)
            if taken is not None:
                return taken
        return _checked(lgeos.GEOSUnaryUnion(collection))
    finally:
        lgeos.GEOSGeom_destroy(collection)


def _checked(ptr):
    if not ptr:
        raise ValueError("GEOS overlay failed (topology error)")
    return ptr


def clip_many(jobs, reference):
    """``clip.clip_here`` on raw GEOS pointers; a piece whose operation fails or comes out
    invalid is done by ``reference``. A patch's region is parsed once for all its pieces."""
    out, regions, key = [], [], None
    try:
        for job in jobs:
            if job[1:] != key:
                for ptr in regions:
                    if ptr:
                        lgeos.GEOSGeom_destroy(ptr)
                key = job[1:]
                regions = [_from_wkb(bytes(w)) if w is not None else None for w in key]
            out.append(_clip_one(job, regions, reference))
    finally:
        for ptr in regions:
            if ptr:
                lgeos.GEOSGeom_destroy(ptr)
    return out


def _clip_one(job, regions, reference):
    geom = _from_wkb(bytes(job[0]))
    try:
        for k, other in enumerate(regions):
            if other is None:
                continue
            operation = lgeos.GEOSIntersection if k == 0 else lgeos.GEOSDifference
            result = operation(geom, other)
            lgeos.GEOSGeom_destroy(geom)
            geom = result
            if not geom or lgeos.GEOSisValid(geom) != 1:
                return reference(job)
            if lgeos.GEOSisEmpty(geom):
                return None
        if area(geom) <= 0:
            return None
        wkb, geom = polygonal_wkb(geom), None  # the pointer is consumed
        return wkb
    finally:
        if geom:
            lgeos.GEOSGeom_destroy(geom)
