"""Reading the GeoPackages the engine wrote (results, field data) through GDAL/OGR, read-only."""

import os
from typing import Dict, List, Sequence, Tuple

from osgeo import gdal, ogr

from ..errors import InputError
from .encodings import gdal_reason
from .layers import read_columns
from .sql_text import sql_literal

gdal.UseExceptions()
ogr.UseExceptions()


def open_geopackage(path: str):
    """The GeoPackage opened read-only (a GDAL dataset); InputError when it is none."""
    if not os.path.isfile(path):
        raise InputError("文件不存在", layer=path)
    try:
        ds = gdal.OpenEx(path, gdal.OF_VECTOR | gdal.OF_READONLY, allowed_drivers=["GPKG"])
    except RuntimeError as e:
        raise InputError(f"不是可读的 GeoPackage ({gdal_reason(e)})", layer=path) from e
    if ds is None:
        raise InputError("不是可读的 GeoPackage", layer=path)
    return ds


def layer_names(ds) -> List[str]:
    """Every vector layer and attribute table of an open GeoPackage."""
    return [ds.GetLayer(i).GetName() for i in range(ds.GetLayerCount())]


def field_names(lyr) -> List[str]:
    defn = lyr.GetLayerDefn()
    return [defn.GetFieldDefn(i).GetName() for i in range(defn.GetFieldCount())]


def read_table(ds, name: str, columns: Sequence[str]) -> List[Tuple]:
    """Rows of an attribute table in fid order, as tuples of ``columns``."""
    lyr = ds.GetLayerByName(name)
    lyr.ResetReading()
    return [tuple(f.GetField(c) if f.IsFieldSetAndNotNull(c) else None for c in columns)
            for f in lyr]


def read_features(ds, name: str, columns: Sequence[str]) -> Tuple[list, list, Dict[str, list], str]:
    """(fids, WKB or None per feature, {column: values}, the layer's CRS as WKT) in fid order;
    the CRS is "" when the layer has none."""
    lyr = ds.GetLayerByName(name)
    fids, wkbs, values, _ = read_columns(lyr, list(columns))
    return [int(f) for f in fids], list(wkbs), values, _crs_definition(ds, lyr)


def _crs_definition(ds, lyr) -> str:
    """The layer's CRS as the GeoPackage stores it (gpkg_spatial_ref_sys), so it reads back as
    written; OGR's own export where the table has none."""
    sql = ("SELECT s.definition FROM gpkg_spatial_ref_sys s JOIN gpkg_geometry_columns g "
           "ON g.srs_id = s.srs_id WHERE g.table_name = ?")
    found = None
    try:
        result = ds.ExecuteSQL(sql.replace("?", sql_literal(lyr.GetName())))
    except RuntimeError:
        result = None
    if result is not None:
        feature = result.GetNextFeature()
        found = feature.GetField(0) if feature is not None else None
        ds.ReleaseResultSet(result)
    if found and found != "undefined":
        return found
    srs = lyr.GetSpatialRef()
    return srs.ExportToWkt() if srs is not None else ""
