"""Building small input layers for tests, written with plain OGR (not with the engine)."""

import os

from osgeo import ogr, osr
from shapely.geometry import shape  # noqa: F401 - re-exported for tests' convenience

ogr.UseExceptions()
X0, Y0 = 41_500_000.0, 4_400_000.0  # EPSG:4529 (zone 41, with prefix), near 123°E 39.7°N


def write_layer(path, geoms, attrs=None, layer=None, epsg=4529, encoding=None, fields=None):
    """Write polygons (shapely) with attribute dicts; returns the path. ``epsg=None``: no CRS."""
    attrs = attrs or [{} for _ in geoms]
    driver = {".gpkg": "GPKG", ".shp": "ESRI Shapefile", ".geojson": "GeoJSON"}[
        os.path.splitext(path)[1]]
    ds = ogr.GetDriverByName(driver).CreateDataSource(path)
    srs = None
    if epsg is not None:
        srs = osr.SpatialReference()
        srs.ImportFromEPSG(epsg)
    opts = [f"ENCODING={encoding}"] if encoding else []
    lyr = ds.CreateLayer(layer or os.path.splitext(os.path.basename(path))[0], srs,
                         ogr.wkbUnknown if driver != "ESRI Shapefile" else ogr.wkbPolygon,
                         options=opts)
    names = fields or sorted({k for a in attrs for k in a})
    for name in names:
        sample = next((a[name] for a in attrs if a.get(name) is not None), "")
        ftype = ogr.OFTReal if isinstance(sample, float) else (
            ogr.OFTInteger if isinstance(sample, int) else ogr.OFTString)
        lyr.CreateField(ogr.FieldDefn(name, ftype))
    for g, a in zip(geoms, attrs):
        f = ogr.Feature(lyr.GetLayerDefn())
        for k, v in a.items():
            if v is not None:
                f.SetField(k, v)
        if g is not None:
            f.SetGeometry(ogr.CreateGeometryFromWkb(g.wkb))
        lyr.CreateFeature(f)
    ds = None
    return path


def square(x, y, size, dx=X0, dy=Y0):
    """An axis-aligned square, offset into the test CRS."""
    from shapely.geometry import box
    return box(dx + x, dy + y, dx + x + size, dy + y + size)
