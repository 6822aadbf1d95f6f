"""GEOS overlay that does not fail on valid but nasty input.

Patches delivered in degrees (8–9 decimals) and reprojected onto parcels in metres have edges a
hair off the parcels' own: successive differences then meet near-coincident segments, and GEOS
can fail ("TopologyException") or return an invalid collection. Every operation here returns a
valid polygonal geometry or None: an invalid result is repaired, and a failing operation is
retried with its operands snapped to a micrometre grid, which moves no area that a survey
figure (two decimals of a square metre) can see.
"""

import shapely
import shapely.wkb
from shapely.errors import ShapelyError
from shapely.ops import transform, unary_union
from shapely.validation import make_valid

from ..io.geometry import polygonal_part

SHAPELY2 = not shapely.__version__.startswith("1.")
GRID_M = 1e-6
_FAILURES = (ShapelyError, ValueError)


def valid_polygonal(geom):
    """``geom`` as a valid (Multi)Polygon, repaired when needed; None when nothing is left."""
    if geom is None or geom.is_empty:
        return None
    if not geom.is_valid:
        geom = make_valid(geom)
    return polygonal_part(geom)


def snapped(geom):
    """``geom`` with every coordinate on the micrometre grid, valid again."""
    if geom is None:
        return None
    if SHAPELY2:
        return valid_polygonal(shapely.set_precision(geom, GRID_M))
    return valid_polygonal(transform(lambda x, y, z=None: (_round(x), _round(y)), geom))


def _round(values):
    import numpy as np
    return np.round(np.asarray(values, dtype=float) / GRID_M) * GRID_M


def _checked(operation, *geoms):
    """operation(*geoms) as a valid polygonal result; on a GEOS failure, again on the snapped
    operands (a second failure is raised: nothing is guessed)."""
    try:
        return valid_polygonal(operation(*geoms))
    except _FAILURES:
        return valid_polygonal(operation(*(snapped(g) for g in geoms)))


def intersection(a, b):
    return _checked(lambda x, y: x.intersection(y), a, b)


def difference(a, b):
    return _checked(lambda x, y: x.difference(y), a, b)


def union(geoms):
    geoms = [g for g in geoms if g is not None]
    if not geoms:
        return None
    if len(geoms) == 1:
        return valid_polygonal(geoms[0])
    return _checked(lambda *gs: unary_union(list(gs)), *geoms)


def occupied(patch, features):
    """patch ∩ union(features): the features' union first (overlapping features count once),
    then one intersection, each step valid. None when they share no area."""
    if len(features) == 1:
        return intersection(patch, features[0])
    return intersection(patch, union(features))


def occupied_wkb(patch_wkb, feature_wkbs):
    """``occupied`` on WKB, as WKB (for the fast kernels' fallback on one patch)."""
    patch = valid_polygonal(shapely.wkb.loads(bytes(patch_wkb)))
    feats = [valid_polygonal(shapely.wkb.loads(bytes(w))) for w in feature_wkbs]
    feats = [g for g in feats if g is not None and patch is not None and patch.intersects(g)]
    if patch is None or not feats:
        return None
    result = occupied(patch, feats)
    return result.wkb if result is not None else None
