"""Geometry from the inputs made fit for overlay: WKB parsed into valid (Multi)Polygons, invalid
ones repaired (make_valid, polygons kept) and every repair or drop reported by feature id."""

import shapely.wkb
from shapely.geometry import MultiPolygon, Polygon
from shapely.validation import explain_validity, make_valid

from ..errors import Note


def parse_geometries(wkbs, ids, label):
    """Parse WKB into valid (Multi)Polygons; repair invalid ones and report each by id.

    Returns (list of geometries or None for dropped ones, notes).
    """
    geoms, notes = [], []
    for blob, fid in zip(wkbs, ids):
        geom = shapely.wkb.loads(bytes(blob)) if blob is not None else None
        if geom is None or geom.is_empty:
            notes.append(Note(label, fid, "几何为空，已剔除"))
            geoms.append(None)
            continue
        if geom.has_z:
            geom = shapely.wkb.loads(shapely.wkb.dumps(geom, output_dimension=2))
        if not geom.is_valid:
            why = explain_validity(geom)
            geom = polygonal_part(make_valid(geom))
            if geom is None:
                notes.append(Note(label, fid, f"几何无效 ({why})，修复后为空，已剔除"))
                geoms.append(None)
                continue
            notes.append(Note(label, fid, f"几何无效 ({why})，已自动修复"))
        geoms.append(geom)
    return geoms, notes


def polygonal_part(geom):
    """The polygons of any geometry as a Polygon/MultiPolygon, or None when there are none."""
    if geom is None or geom.is_empty:
        return None
    if isinstance(geom, (Polygon, MultiPolygon)):
        return geom
    polys = []
    for part in getattr(geom, "geoms", []):
        p = polygonal_part(part)
        if p is not None:
            polys.extend(getattr(p, "geoms", [p]))
    if not polys:
        return None
    return polys[0] if len(polys) == 1 else MultiPolygon(polys)
