"""Official areas: geodesic (ellipsoidal) area on the CGCS2000 ellipsoid, and the 亩 unit.

Every ring goes through PROJ's geodesic polygon area (GeographicLib, the same code QGIS's
QgsDistanceArea uses with ellipsoid EPSG:1024). Ring areas are taken as absolute values and
holes subtracted, so the result never depends on ring orientation (Geod sums signed areas,
which turns a clockwise hole into an addition).
"""

import numpy as np
from pyproj import CRS, Geod, Transformer

CGCS2000_GEOGRAPHIC = "EPSG:4490"
CGCS2000_GEOD = Geod(a=6378137.0, f=1 / 298.257222101)
MU_PER_M2 = 0.0015


def m2_to_mu(m2):
    return np.asarray(m2, dtype=float) * MU_PER_M2


class EllipsoidalArea:
    """Geodesic areas of shapely (Multi)Polygons given in one projected CRS."""

    def __init__(self, crs):
        self._to_lonlat = Transformer.from_crs(CRS.from_user_input(crs), CGCS2000_GEOGRAPHIC,
                                               always_xy=True)

    def areas(self, geoms):
        """Area in m² of each geometry (0 for None or empty), as a float array."""
        rings, signs, owners = [], [], []
        for i, geom in enumerate(geoms):
            for ring, sign in _rings(geom):
                rings.append(ring)
                signs.append(sign)
                owners.append(i)
        out = np.zeros(len(geoms))
        if not rings:
            return out
        counts = np.fromiter((len(r) for r in rings), dtype=np.int64, count=len(rings))
        xy = np.concatenate(rings)
        lon, lat = self._to_lonlat.transform(xy[:, 0], xy[:, 1])
        ends = np.cumsum(counts)
        starts = ends - counts
        ring_area = np.empty(len(rings))
        for k in range(len(rings)):
            a, _ = CGCS2000_GEOD.polygon_area_perimeter(lon[starts[k]:ends[k]],
                                                         lat[starts[k]:ends[k]])
            ring_area[k] = abs(a)
        np.add.at(out, np.asarray(owners), ring_area * np.asarray(signs))
        return out


def _rings(geom):
    """(coordinate array, +1 shell / -1 hole) for each ring of a (Multi)Polygon."""
    if geom is None or geom.is_empty:
        return
    parts = getattr(geom, "geoms", None)
    for poly in (parts if parts is not None else [geom]):
        if poly.geom_type != "Polygon" or poly.is_empty:
            continue
        yield np.asarray(poly.exterior.coords)[:, :2], 1.0
        for hole in poly.interiors:
            yield np.asarray(hole.coords)[:, :2], -1.0
