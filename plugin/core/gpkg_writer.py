"""Writing result GeoPackages atomically: a temporary file in the same folder, then a rename."""

import os
import tempfile
from contextlib import contextmanager

import shapely.wkb
from osgeo import gdal, ogr, osr

gdal.UseExceptions()
ogr.UseExceptions()

_OGR_TYPES = {"str": ogr.OFTString, "real": ogr.OFTReal, "int": ogr.OFTInteger64}


@contextmanager
def atomic_geopackage(path):
    """Yield a new GeoPackage data source; it replaces ``path`` only if the block succeeds."""
    folder = os.path.dirname(os.path.abspath(path)) or "."
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".gpkg", dir=folder)
    os.close(fd)
    os.unlink(tmp)
    ds = ogr.GetDriverByName("GPKG").CreateDataSource(tmp)
    try:
        yield ds
        ds.FlushCache()
        ds = None
        os.replace(tmp, path)
    except BaseException:
        ds = None
        for p in (tmp, tmp + "-journal", tmp + "-wal", tmp + "-shm"):
            if os.path.exists(p):
                os.unlink(p)
        raise


def write_layer(ds, name, crs_wkt, fields, rows, geoms, source_fields=(), source_rows=None):
    """Write one polygon layer.

    ``fields`` are (name, type, alias) for ``rows`` (dicts); ``source_fields`` are OGR field
    definitions copied from an input layer, with values in ``source_rows`` (lists, same order).
    """
    srs = osr.SpatialReference()
    srs.ImportFromWkt(crs_wkt)
    srs.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    lyr = ds.CreateLayer(name, srs, ogr.wkbMultiPolygon, options=["GEOMETRY_NAME=geom", "FID=fid"])
    for fd in source_fields:
        lyr.CreateField(fd)
    for fname, ftype, alias in fields:
        fd = ogr.FieldDefn(fname, _OGR_TYPES[ftype])
        if alias and hasattr(fd, "SetAlternativeName"):
            fd.SetAlternativeName(alias)
        lyr.CreateField(fd)
    defn = lyr.GetLayerDefn()
    nsrc = len(source_fields)
    ds.StartTransaction()
    for k, (row, geom) in enumerate(zip(rows, geoms)):
        feat = ogr.Feature(defn)
        if source_rows is not None:
            for i, v in enumerate(source_rows[k]):
                if v is not None:
                    feat.SetField(i, v)
        for i, (fname, _, _) in enumerate(fields):
            v = row.get(fname)
            if v is not None:
                feat.SetField(nsrc + i, v)
        if geom is not None and not geom.is_empty:
            g = ogr.CreateGeometryFromWkb(shapely.wkb.dumps(geom))
            feat.SetGeometryDirectly(ogr.ForceToMultiPolygon(g))
        lyr.CreateFeature(feat)
    ds.CommitTransaction()
    return lyr


def write_table(ds, name, columns, rows):
    """A plain attribute table of text columns (run information, notes)."""
    lyr = ds.CreateLayer(name, None, ogr.wkbNone)
    for c in columns:
        lyr.CreateField(ogr.FieldDefn(c, ogr.OFTString))
    defn = lyr.GetLayerDefn()
    ds.StartTransaction()
    for row in rows:
        feat = ogr.Feature(defn)
        for i, v in enumerate(row):
            if v is not None:
                feat.SetField(i, str(v))
        lyr.CreateFeature(feat)
    ds.CommitTransaction()
