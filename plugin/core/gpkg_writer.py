"""Writing result GeoPackages atomically: a temporary file in the same folder, then a rename."""

import os
import tempfile
from contextlib import contextmanager

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

    ``geoms`` are WKB bytes or shapely geometries (None for none). ``fields`` are
    (name, type, alias) for ``rows`` (dicts); ``source_fields`` are OGR field
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
        if geom is not None:
            g = ogr.CreateGeometryFromWkb(geom if isinstance(geom, bytes) else geom.wkb)
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


def write_default_style(ds, layer_name, aliases, description="Land Supervision"):
    """Store a QGIS default style (field aliases) in the GeoPackage's ``layer_styles`` table.

    QGIS applies it whenever the layer is added. GDAL < 3.7 does not write field alternative
    names to GeoPackage, so this is how the Chinese aliases reach QGIS on every version.
    """
    entries = "".join(f'<alias field="{_xml(f)}" index="{i}" name="{_xml(a)}"/>'
                      for i, (f, a) in enumerate(aliases) if a)
    qml = ("<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>"
           f'<qgis version="3.22.0" styleCategories="Fields"><aliases>{entries}</aliases></qgis>')
    lyr = ds.GetLayerByName("layer_styles")
    if lyr is None:
        lyr = ds.CreateLayer("layer_styles", None, ogr.wkbNone)
        for name, ftype in (("f_table_catalog", ogr.OFTString), ("f_table_schema", ogr.OFTString),
                            ("f_table_name", ogr.OFTString), ("f_geometry_column", ogr.OFTString),
                            ("styleName", ogr.OFTString), ("styleQML", ogr.OFTString),
                            ("styleSLD", ogr.OFTString), ("useAsDefault", ogr.OFTInteger),
                            ("description", ogr.OFTString), ("owner", ogr.OFTString),
                            ("ui", ogr.OFTString), ("update_time", ogr.OFTDateTime)):
            fd = ogr.FieldDefn(name, ftype)
            if name == "useAsDefault":
                fd.SetSubType(ogr.OFSTBoolean)
            lyr.CreateField(fd)
    feat = ogr.Feature(lyr.GetLayerDefn())
    for k, v in (("f_table_catalog", ""), ("f_table_schema", ""), ("f_table_name", layer_name),
                 ("f_geometry_column", "geom"), ("styleName", layer_name), ("styleQML", qml),
                 ("styleSLD", ""), ("useAsDefault", 1), ("description", description),
                 ("owner", ""), ("ui", "")):
        feat.SetField(k, v)
    lyr.CreateFeature(feat)


def _xml(text):
    return (str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;"))
