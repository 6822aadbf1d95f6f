"""``region.gpkg``: every finished county's patches in one layer, county by county (one county's
result in memory at a time), each with its ``county_code`` and ``county_name``; the counties'
fields are united (a field two counties hold with different types takes the wider type); tables
``counties`` (each county's status), ``run_info`` and ``notes``. Written atomically."""

import os

from osgeo import gdal, ogr, osr

from ..io.atomic import replacing
from ..io.gpkg_writer import GeoPackageBuilder
from ..io.sql_text import sql_identifier, sql_literal
from ..job import BASELINE_KEYS, EXEMPTION_KEYS
from ..ledger.result_access import PATCH_LAYER
from ..result_fields import ledger_fields, patch_fields

gdal.UseExceptions()
ogr.UseExceptions()

REGION_NAME = "region.gpkg"
COUNTY_FIELDS = (("county_code", "县级代码"), ("county_name", "县名"))
GEOGRAPHIC_CRS = "EPSG:4490"  # where the counties' working CRSs differ
COUNTY_COLUMNS = ("county_code", "county_name", "status", "message", "patch_count", "verdicts",
                  "seconds", "result_path", "worker", "peak_mb")
_INTEGERS = (ogr.OFTInteger, ogr.OFTInteger64)


def write_region_gpkg(path, outcomes, run_info, notes, status_text):
    """Write ``path`` from the county ``outcomes`` (the finished ones' results); returns the
    number of patches written."""
    finished = [o for o in outcomes if o.finished]
    sources = {o.code: gdal.OpenEx(o.result_path, gdal.OF_VECTOR | gdal.OF_READONLY)
               for o in finished}
    fields = _united_fields([sources[o.code].GetLayerByName(PATCH_LAYER) for o in finished])
    srs = _region_srs([sources[o.code].GetLayerByName(PATCH_LAYER) for o in finished])
    with replacing(path, ".gpkg") as tmp:
        os.unlink(tmp)  # GDAL creates the GeoPackage itself
        builder = GeoPackageBuilder(tmp)
        builder.write_table("counties", COUNTY_COLUMNS, [_county_row(o, status_text)
                                                         for o in outcomes])
        builder.write_table("run_info", ["key", "value"],
                            list(run_info) + [("crs", srs.GetName())])
        builder.write_table("notes", ["layer", "feature", "message", "kind"],
                            [(n.layer, n.feature, n.message, n.kind) for n in notes])
        builder.write_default_style(PATCH_LAYER, _aliases(fields))
        builder.finish()
        ds = gdal.OpenEx(tmp, gdal.OF_VECTOR | gdal.OF_UPDATE)
        layer = ds.CreateLayer(PATCH_LAYER, srs, ogr.wkbMultiPolygon,
                               options=["FID=fid", "GEOMETRY_NAME=geom"])
        for name, _alias in COUNTY_FIELDS:
            layer.CreateField(ogr.FieldDefn(name, ogr.OFTString))
        for fd in fields:
            layer.CreateField(fd)
        count = 0
        for o in finished:
            count += _append(ds, sources.pop(o.code), o, srs)
        layer = ds = None
    return count


def _append(ds, source, outcome, srs):
    """One county's patches appended (reprojected to the region's CRS where it differs)."""
    lyr = source.GetLayerByName(PATCH_LAYER)
    own = {name.lower() for name, _alias in COUNTY_FIELDS}
    defn = lyr.GetLayerDefn()
    names = [defn.GetFieldDefn(i).GetName() for i in range(defn.GetFieldCount())]
    columns = [f"{sql_literal(outcome.code)} AS county_code",
               f"{sql_literal(outcome.name)} AS county_name",
               sql_identifier(lyr.GetGeometryColumn())]
    columns += [sql_identifier(n) for n in names if n.lower() not in own]
    sql = f"SELECT {', '.join(columns)} FROM {sql_identifier(PATCH_LAYER)}"
    reproject = srs is not None and lyr.GetSpatialRef() is not None \
        and not lyr.GetSpatialRef().IsSame(srs)
    gdal.VectorTranslate(ds, source, options=gdal.VectorTranslateOptions(
        accessMode="append", layerName=PATCH_LAYER, SQLStatement=sql,
        dstSRS=srs.ExportToWkt() if reproject else None, options=["-gt", "unlimited"]))
    return lyr.GetFeatureCount()


def _united_fields(layers):
    """The fields of all ``layers`` in order of first appearance; a field two layers hold with
    different types takes the wider one (whole numbers → real numbers → text)."""
    united = {}
    own = {name.lower() for name, _alias in COUNTY_FIELDS}
    for lyr in layers:
        defn = lyr.GetLayerDefn()
        for i in range(defn.GetFieldCount()):
            fd = defn.GetFieldDefn(i)
            key = fd.GetName().lower()
            if key in own:
                continue
            if key not in united:
                united[key] = _copy(fd)
            elif (united[key].GetType(), united[key].GetSubType()) != (fd.GetType(), fd.GetSubType()):
                united[key] = _copy(fd, _wider(united[key].GetType(), fd.GetType()))
    return list(united.values())


def _wider(a, b):
    if a == b:
        return a
    if a in _INTEGERS and b in _INTEGERS:
        return ogr.OFTInteger64
    if {a, b} <= {*_INTEGERS, ogr.OFTReal}:
        return ogr.OFTReal
    return ogr.OFTString


def _copy(fd, field_type=None):
    new = ogr.FieldDefn(fd.GetName(), fd.GetType() if field_type is None else field_type)
    if field_type is None:
        new.SetSubType(fd.GetSubType())
        new.SetWidth(fd.GetWidth())
        new.SetPrecision(fd.GetPrecision())
    return new


def _region_srs(layers):
    """The counties' CRS where they share one, else CGCS2000 geographic."""
    found = [lyr.GetSpatialRef() for lyr in layers if lyr.GetSpatialRef() is not None]
    if found and all(s.IsSame(found[0]) for s in found[1:]):
        return found[0].Clone()
    srs = osr.SpatialReference()
    srs.SetFromUserInput(GEOGRAPHIC_CRS)
    srs.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    return srs


def _aliases(fields):
    """(field, Chinese alias) in the layer's order, for its default QGIS style."""
    names = [fd.GetName() for fd in fields]
    baselines = [k for k in BASELINE_KEYS if f"{k}_m2" in names]
    exemptions = [k for k in EXEMPTION_KEYS if f"{k}_m2" in names]
    known = {f: a for f, _t, a in patch_fields(baselines, exemptions, with_verdict=True)
             + ledger_fields(baselines, exemptions)}
    return list(COUNTY_FIELDS) + [(n, known.get(n)) for n in names]


def _county_row(outcome, status_text):
    verdicts = outcome.verdict_text()
    return (outcome.code, outcome.name, status_text[outcome.status], outcome.message,
            outcome.patch_count, verdicts, round(outcome.seconds, 1), outcome.result_path,
            outcome.worker, None if outcome.peak_mb is None else round(outcome.peak_mb))
