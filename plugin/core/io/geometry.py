"""Geometry from the inputs made fit for overlay: WKB vetted and parsed into valid
(Multi)Polygons, defective or invalid ones repaired, and every repair or drop reported by
feature id (a silently vanished parcel would change a verdict)."""

import math

import shapely
import shapely.wkb
from osgeo import ogr
from shapely.errors import ShapelyError
from shapely.geometry import MultiPolygon, Polygon
from shapely.validation import explain_validity, make_valid

from ..errors import Note
from .wkb_arrays import vetted_envelopes

ogr.UseExceptions()

# GEOS's validity reasons, as a county analyst reads them.
_REASONS = (("Ring Self-intersection", "环自相交"), ("Self-intersection", "自相交"),
            ("Too few points", "点数过少"), ("Hole lies outside shell", "内环在外环之外"),
            ("Nested holes", "内环嵌套"), ("Interior is disconnected", "内部不连通"),
            ("Nested shells", "外环嵌套"), ("Duplicate Rings", "重复的环"),
            ("Invalid Coordinate", "坐标无效"), ("Ring is not closed", "环未闭合"))


def vet_wkbs(wkbs, ids, label):
    """(WKB list, envelopes, notes, dropped rows): every geometry the engine can read as it is
    kept; a defective one (unreadable WKB, not a polygon, NaN/infinite coordinates, open or too
    short rings) is repaired where that keeps a polygon, else dropped (None) — each with a note."""
    envelopes, defects = vetted_envelopes(wkbs)
    if not defects:
        return wkbs, envelopes, [], set()
    out = list(wkbs)
    notes = []
    for i, why in sorted(defects.items()):
        fixed, done = repair_wkb(wkbs[i])
        out[i] = fixed
        tail = f"已修复 ({done})" if fixed is not None else f"无法修复，已剔除 ({done})"
        notes.append(Note(label, ids[i], f"几何有缺陷: {why}，{tail}",
                          kind="repair" if fixed is not None else "drop"))
    fixed_rows = list(defects)
    envelopes[fixed_rows] = vetted_envelopes([out[i] for i in fixed_rows])[0]
    return _object_array(out), envelopes, notes, {i for i in fixed_rows if out[i] is None}


def repair_wkb(blob):
    """(2D (Multi)Polygon WKB or None, what was done, in Chinese) for one defective geometry:
    polygons kept from any geometry type, non-finite vertices removed, open rings closed, rings
    of fewer than three distinct points dropped (with its outer ring, the whole polygon)."""
    try:
        geom = ogr.CreateGeometryFromWkb(bytes(blob))
    except RuntimeError:
        geom = None
    if geom is None:
        return None, "几何数据损坏，无法读取"
    polygons = _ogr_polygons(geom.GetLinearGeometry() if geom.HasCurveGeometry() else geom)
    if not polygons:
        return None, f"几何类型为 {geom.GetGeometryName()}，不是面"
    done = []
    if ogr.GT_Flatten(geom.GetGeometryType()) not in (ogr.wkbPolygon, ogr.wkbMultiPolygon):
        done.append(f"从 {geom.GetGeometryName()} 中取出面")
    kept = []
    for rings in polygons:
        cleaned = [_clean_ring(r, done) for r in rings]
        if cleaned[0] is None:
            done.append("外环点数不足，删去该面")
            continue
        kept.append(Polygon(cleaned[0], [r for r in cleaned[1:] if r is not None]))
    if not kept:
        return None, "；".join(dict.fromkeys(done)) or "没有可用的面"
    result = kept[0] if len(kept) == 1 else MultiPolygon(kept)
    return result.wkb, "；".join(dict.fromkeys(done)) or "重新写出"


def _ogr_polygons(geom):
    """[[ring points, …], …] of every polygon in an OGR geometry of any type (2D)."""
    flat = ogr.GT_Flatten(geom.GetGeometryType())
    if flat == ogr.wkbPolygon:
        return [[geom.GetGeometryRef(k).GetPoints() or [] for k in range(geom.GetGeometryCount())]]
    if flat in (ogr.wkbMultiPolygon, ogr.wkbGeometryCollection):
        out = []
        for k in range(geom.GetGeometryCount()):
            out += _ogr_polygons(geom.GetGeometryRef(k))
        return out
    return []


def _clean_ring(points, done):
    pts = [(p[0], p[1]) for p in points if math.isfinite(p[0]) and math.isfinite(p[1])]
    if len(pts) < len(points):
        done.append("删去坐标为非数值的顶点")
    if pts and pts[0] != pts[-1]:
        pts.append(pts[0])
        done.append("闭合未闭合的环")
    if len(set(pts)) < 3:
        done.append("删去少于 3 个不同点的环")
        return None
    return pts


def parse_geometries(wkbs, ids, label):
    """Parse WKB into valid (Multi)Polygons; repair invalid ones and report each by id.

    Returns (list of geometries or None for dropped ones, notes).
    """
    plain = _plain_polygons(wkbs)
    geoms, notes = [], []
    for k, (blob, fid) in enumerate(zip(wkbs, ids)):
        if plain is not None and plain[k] is not None:
            geoms.append(plain[k])
            continue
        geom, note = _parsed(blob, fid, label)
        if note is not None:
            notes.append(note)
        geoms.append(geom)
    return geoms, notes


def _plain_polygons(wkbs):
    """On shapely 2: each WKB parsed, kept where it is a valid, non-empty 2D (Multi)Polygon
    (None for the rest, which ``_parsed`` takes one by one); checked in one call each, where a
    scalar call costs more than the check (a county's patches: 1.1 s of four calls each).
    None on shapely 1.8, which has no such calls."""
    if not hasattr(shapely, "from_wkb") or len(wkbs) == 0:
        return None
    import numpy as np
    blobs = np.empty(len(wkbs), dtype=object)
    blobs[:] = [bytes(b) if b is not None else None for b in wkbs]
    geoms = shapely.from_wkb(blobs, on_invalid="ignore")
    fine = ~shapely.is_missing(geoms) & ~shapely.is_empty(geoms) & ~shapely.has_z(geoms)
    fine &= np.isin(shapely.get_type_id(geoms), (3, 6)) & shapely.is_valid(geoms)
    geoms[~fine] = None
    return geoms.tolist()


def _parsed(blob, fid, label):
    """(valid polygonal geometry or None, Note or None) of one WKB."""
    if blob is None:
        return None, Note(label, fid, "几何为空，已剔除", kind="drop")
    try:
        geom = shapely.wkb.loads(bytes(blob))
    except (ShapelyError, ValueError):
        fixed, done = repair_wkb(blob)
        if fixed is None:
            return None, Note(label, fid, f"几何无法读取 ({done})，已剔除", kind="drop")
        return _parsed(fixed, fid, label)[0], Note(label, fid, f"几何有缺陷，已修复 ({done})",
                                                  kind="repair")
    if geom.is_empty:
        return None, Note(label, fid, "几何为空，已剔除", kind="drop")
    if geom.has_z:
        geom = shapely.wkb.loads(shapely.wkb.dumps(geom, output_dimension=2))
    if geom.is_valid:
        polygons = polygonal_part(geom)
        if polygons is None:
            return None, Note(label, fid, f"几何类型为 {geom.geom_type}，不是面，已剔除", kind="drop")
        return polygons, None
    why = validity_reason(geom)
    geom = polygonal_part(make_valid(geom))
    if geom is None:
        return None, Note(label, fid, f"几何无效 ({why})，修复后为空，已剔除", kind="drop")
    return geom, Note(label, fid, f"几何无效 ({why})，已自动修复", kind="repair")


def validity_reason(geom) -> str:
    """GEOS's reason a geometry is invalid, with its location, in Chinese where known."""
    text = explain_validity(geom)
    for english, chinese in _REASONS:
        if text.startswith(english):
            return chinese + text[len(english):]
    return text


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


def _object_array(items):
    import numpy as np
    out = np.empty(len(items), dtype=object)
    out[:] = items
    return out
