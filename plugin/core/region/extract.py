"""A county's own patches out of the region's patch layer: their fingerprint (is this county's
input unchanged since its last run?) and a GeoPackage of them in the county's folder, which the
county's job then reads as its patches (fids, fields and geometries as in the region's layer)."""

import hashlib
import os

from osgeo import ogr

from ..io.atomic import replacing
from ..io.layers import open_layer

ogr.UseExceptions()

FID_NAMES = ("fid", "ogc_fid", "region_fid")


def patches_digest(spec, fids) -> str:
    """SHA-256 of the county's patches as the layer holds them: fid, geometry and every field."""
    h = hashlib.sha256()
    ds, lyr, _encoding, _notes = open_layer(spec)
    count = lyr.GetLayerDefn().GetFieldCount()
    for feat in _features(lyr, fids):
        geom = feat.GetGeometryRef()
        h.update(repr((feat.GetFID(), [feat.GetField(i) if feat.IsFieldSetAndNotNull(i) else None
                                       for i in range(count)])).encode("utf-8"))
        h.update(b"\0" if geom is None else bytes(geom.ExportToIsoWkb()))
    del lyr, ds
    return h.hexdigest()


def write_patches(spec, fids, path) -> str:
    """Copy the patches with ``fids`` into the GeoPackage ``path`` (written atomically), in a
    layer named as the region's; returns that layer's name."""
    ds, lyr, _encoding, _notes = open_layer(spec)
    defn = lyr.GetLayerDefn()
    fields = [defn.GetFieldDefn(i) for i in range(defn.GetFieldCount())]
    taken = {f.GetName().lower() for f in fields}
    fid_name = next(n for n in FID_NAMES if n not in taken)
    geom_type = lyr.GetGeomType()
    if geom_type == ogr.wkbPolygon:  # a shapefile's polygons may be multipart
        geom_type = ogr.wkbMultiPolygon
    name = lyr.GetName()
    with replacing(path, ".gpkg") as tmp:
        os.unlink(tmp)  # GDAL creates the GeoPackage itself
        out = ogr.GetDriverByName("GPKG").CreateDataSource(tmp)
        dst = out.CreateLayer(name, lyr.GetSpatialRef(), geom_type,
                              options=[f"FID={fid_name}", "GEOMETRY_NAME=geom"])
        for fd in fields:
            dst.CreateField(fd)
        out.StartTransaction()
        for feat in _features(lyr, fids):
            copy = ogr.Feature(dst.GetLayerDefn())
            copy.SetFrom(feat)
            copy.SetFID(feat.GetFID())
            geom = copy.GetGeometryRef()
            if geom is not None and geom_type == ogr.wkbMultiPolygon \
                    and ogr.GT_Flatten(geom.GetGeometryType()) == ogr.wkbPolygon:
                copy.SetGeometry(ogr.ForceToMultiPolygon(geom))
            dst.CreateFeature(copy)
        out.CommitTransaction()
        dst = out = None
    del lyr, ds
    return name


def _features(lyr, fids):
    """The features with ``fids``, in that order (random access: every format GDAL reads
    finds a feature by its fid)."""
    for fid in fids:
        feat = lyr.GetFeature(int(fid))
        if feat is not None:
            yield feat
