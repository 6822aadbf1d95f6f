"""The independent area oracle: pyproj's Geod on the CGCS2000 ellipsoid, polygons oriented."""

from pyproj import Geod, Transformer
from shapely.geometry.polygon import orient
from shapely.ops import transform

GEOD = Geod(a=6378137.0, f=1 / 298.257222101)


def geodesic_area(geom, epsg=4529):
    """Area in m² via Geod.geometry_area_perimeter on a shell-CCW / holes-CW geometry."""
    to_lonlat = Transformer.from_crs(f"EPSG:{epsg}", "EPSG:4490", always_xy=True).transform
    if geom.is_empty:
        return 0.0
    parts = getattr(geom, "geoms", [geom])
    # Oriented where the polygon is drawn: on a sliver a few mm wide, the degrees' shoelace
    # can give the opposite sign, and Geod would then subtract the part instead of adding it.
    return sum(GEOD.geometry_area_perimeter(transform(to_lonlat, orient(p, sign=1.0)))[0]
               for p in parts if p.geom_type == "Polygon")
