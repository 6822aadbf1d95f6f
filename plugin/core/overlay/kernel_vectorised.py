"""The overlay's chunk on shapely 2: vectorised predicates and intersections (GIL released).

Used automatically when shapely >= 2 is installed; ``chunked._overlay_chunk`` keeps the
reference path, and tests assert both give the same pieces.
"""

import numpy as np
import shapely

from ..io.geometry import parse_geometries, polygonal_part
from . import robust
from .tiling import CoverageTries, tiling_slack

AVAILABLE = not shapely.__version__.startswith("1.")
_POLYGONAL = (3, 6)  # shapely.get_type_id of Polygon and MultiPolygon
# shapely 2.0 has it whatever its GEOS; below GEOS 3.8 it raises instead of taking the pieces
_COVERAGE_UNION = (shapely.coverage_union_all if AVAILABLE and shapely.geos_version >= (3, 8, 0)
                   else None)


def occupied_chunk(patch_wkb, feat_wkb, feat_ids, label, local_p, local_f):
    """[(patch index, WKB of patch ∩ union(features))], notes."""
    lp, _, pieces, area, notes = _pairs(patch_wkb, feat_wkb, feat_ids, label, local_p, local_f)
    if len(lp) == 0:
        return [], notes
    starts, ends = _runs(lp)
    # the pieces of a survey layer's features tile: their areas let the coverage union try
    wholes = shapely.to_wkb(_unions(pieces, starts, ends, area.tolist())).tolist()
    return [(i, w) for i, w in zip(lp[starts].tolist(), wholes) if w is not None], notes


def pieces_chunk(patch_wkb, feat_wkb, feat_ids, label, local_p, local_f, union=False):
    """[(patch index, [(feature index, piece's planar area)])], notes: each feature's part of
    the patch — the reference's pieces. With ``union`` each patch's entry is (WKB of the
    pieces' union, [(feature index, piece WKB)]).

    Type, area and WKB of the pieces are taken in one call each (shapely 2's call on one
    geometry costs more than the GEOS work on a parcel's piece)."""
    lp, lf, pieces, area, notes = _pairs(patch_wkb, feat_wkb, feat_ids, label, local_p,
                                         local_f, keep_contained=True)
    if len(lp) == 0:
        return [], notes
    starts, ends = _runs(lp)
    patch, feature, m2 = lp[starts].tolist(), lf.tolist(), area.tolist()
    if not union:
        return [(i, list(zip(feature[a:b], m2[a:b])))
                for i, a, b in zip(patch, starts.tolist(), ends.tolist())], notes
    wkbs = shapely.to_wkb(pieces).tolist()
    wholes = shapely.to_wkb(_unions(pieces, starts, ends, m2)).tolist()  # None: no area left
    return [(i, (w, list(zip(feature[a:b], wkbs[a:b]))))
            for i, w, a, b in zip(patch, wholes, starts.tolist(), ends.tolist())], notes


def _runs(lp):
    """Where each patch's run of pairs starts and ends in ``lp`` (patch order)."""
    starts = np.flatnonzero(np.r_[True, lp[1:] != lp[:-1]])
    return starts, np.r_[starts[1:], len(lp)]


def _unions(pieces, starts, ends, areas=None):
    """Each run's union of its pieces, reduced to its polygons (None where no area is left).
    ``areas``: the pieces' planar areas (their sum tells ``_union`` whether the coverage union
    may be taken)."""
    wholes = np.empty(len(starts), dtype=object)
    tries = CoverageTries()
    for k, (a, b) in enumerate(zip(starts.tolist(), ends.tolist())):
        wholes[k] = pieces[a] if b - a == 1 else _union(
            pieces[a:b], tiling=None if areas is None else float(sum(areas[a:b])), tries=tries)
    return _polygonal_all(wholes)[0]


def _polygonal_all(geoms):
    """(the polygons of each GEOS result, None where it has none with area; their areas, 0 or
    NaN there): type and area taken in one call each, the rare collection or line from a cut
    reduced to its polygons one by one. ``geoms`` is changed in place."""
    odd = np.flatnonzero(~shapely.is_missing(geoms)
                         & ~np.isin(shapely.get_type_id(geoms), _POLYGONAL))
    for k in odd.tolist():
        geoms[k] = polygonal_part(geoms[k])
    area = shapely.area(geoms)
    geoms[~(area > 0)] = None  # NaN (none) and 0 (empty or degenerate) alike
    return geoms, area


def _pairs(patch_wkb, feat_wkb, feat_ids, label, local_p, local_f, keep_contained=False):
    """The (patch, feature) pairs whose intersection has area, in patch order: the patch
    indices, feature indices, intersections (the feature itself where ``keep_contained`` and
    the patch contains it) reduced to their polygons, and their planar areas; notes of
    repairs. A neighbour that only touches the patch leaves a line or point, which adds no
    area and which the coverage union would refuse."""
    feats = shapely.from_wkb(np.array(feat_wkb, dtype=object))
    suspect = np.flatnonzero(shapely.is_missing(feats) | shapely.is_empty(feats)
                             | shapely.has_z(feats) | ~shapely.is_valid(feats))
    notes = []
    if len(suspect):  # the reference path repairs and reports them
        fixed, notes = parse_geometries([feat_wkb[j] for j in suspect],
                                        [feat_ids[j] for j in suspect], label)
        feats[suspect] = fixed
    patches = shapely.from_wkb(np.array(patch_wkb, dtype=object))
    shapely.prepare(patches)
    lp, lf = np.asarray(local_p), np.asarray(local_f)
    hit = shapely.intersects(patches[lp], feats[lf])
    lp, lf = lp[hit], lf[hit]
    if len(lp) == 0:
        return lp, lf, np.zeros(0, dtype=object), np.zeros(0), notes
    inside = (shapely.contains(patches[lp], feats[lf]) if keep_contained
              else np.zeros(len(lp), dtype=bool))
    pieces = np.array(feats[lf], dtype=object)
    cut = np.flatnonzero(~inside)
    try:
        pieces[cut] = shapely.intersection(patches[lp[cut]], feats[lf[cut]])
    except shapely.errors.GEOSException:  # one pair failed: the robust path takes them one by one
        pieces[cut] = np.array([robust.intersection(p, f) for p, f in
                                zip(patches[lp[cut]], feats[lf[cut]])], dtype=object)
    pieces, area = _polygonal_all(pieces)
    kept = np.flatnonzero(area > 0)
    return lp[kept], lf[kept], pieces[kept], area[kept], notes


def _union(pieces, tiling=None, tries=None):
    """The union of ``pieces``. ``tiling``: their summed area; GEOS's coverage union (three
    times faster where they tile without overlapping, as a survey layer's do) is then taken
    where its result is valid with that area (``tiling.tiling_slack``), as on the raw GEOS
    path. ``tries``: a CoverageTries, which says whether to try and is told how it went."""
    if tiling and _COVERAGE_UNION is not None and (tries is None or tries.worth_it()):
        try:
            whole = _COVERAGE_UNION(pieces)
        except shapely.errors.ShapelyError:  # pieces that overlap: the overlay union
            whole = None
        taken = whole is not None and shapely.is_valid(whole) and \
            abs(whole.area - tiling) <= tiling_slack(tiling)
        if tries is not None:
            tries.record(taken)
        if taken:
            return whole
    try:
        return shapely.union_all(pieces)
    except shapely.errors.GEOSException:
        return robust.union(list(pieces))


def clip_many(jobs, reference):
    """``clip.clip_here`` in one vectorised pass per operand; the pieces an operation
    fails on or leaves invalid are done by ``reference``."""
    if not jobs:
        return []
    columns = [shapely.from_wkb(np.array([job[k] for job in jobs], dtype=object))
               for k in range(4)]
    geoms = columns[0]
    try:
        for other, operation in zip(columns[1:], (
                shapely.intersection, shapely.difference, shapely.difference)):
            take = ~shapely.is_missing(other) & ~shapely.is_missing(geoms)
            geoms[take] = operation(geoms[take], other[take])
    except shapely.errors.GEOSException:
        return [reference(job) for job in jobs]
    invalid = ~shapely.is_missing(geoms) & ~shapely.is_valid(geoms)
    failed = set(np.flatnonzero(invalid).tolist())
    geoms[invalid] = None  # the reference does these
    wkbs = shapely.to_wkb(_polygonal_all(geoms)[0]).tolist()
    return [reference(job) if k in failed else w for k, (job, w) in enumerate(zip(jobs, wkbs))]
