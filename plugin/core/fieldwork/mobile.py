"""The field team's GeoPackage: layer 核查图斑 with the ledger's headers, value lists as field
domains, the chips' paths, and the fields QField fills in itself (photo, position).

The fields carry the ledger's headers (图斑编号, 核查结果, 现场现状, 现场照片编号, 核查人,
核查日期, 备注 …) so an edited copy maps onto the ledger's columns; the pack's own fields
(``PACK_FIELDS``, ``RECORDED_FIELDS``) are no ledger columns and the import reads them apart.
"""

import os
from typing import Dict, List

from osgeo import gdal, ogr, osr

from ..io.atomic import replacing
from ..ledger.cells import date_from_text
from ..ledger.columns import BY_KEY, DATE
from .flagged import FlaggedPatch

gdal.UseExceptions()
ogr.UseExceptions()
osr.UseExceptions()

MOBILE_NAME = "核查图斑"
# Read-only copies of the result first (序号 is the visiting order), then the verifier's
# columns, empty. 核查结果 and 备注 carry the ledger's headers.
READ_ONLY_FIELDS = (
    ("序号", "seq"), ("图斑编号", "patch_id"), ("乡镇", "township"), ("村", "village"),
    ("图斑面积(亩)", "area_mu"), ("图斑面积(平方米)", "area_m2"), ("前地类", "before_class"), ("现地类", "after_class"),
    ("判定结果", "verdict"), ("违法类型", "violation_type"), ("判定理由", "reason"),
    ("建议整改措施", "measure"), ("中心点经度(度)", "lon"), ("中心点纬度(度)", "lat"),
)
# Read-only fields of the pack itself: how the analysis repaired the delivered outline, and
# the chips (paths relative to the pack folder).
REPAIR_FIELD = "几何修复说明"
CHIP_FIELDS = {"前时相": "前时相切片", "后时相": "后时相切片"}
PACK_FIELDS = (REPAIR_FIELD, *CHIP_FIELDS.values())
VERIFICATION_FIELDS = tuple((BY_KEY[key].header, BY_KEY[key].allowed or None, key) for key in (
    "check_result", "site_state", "photo_ids", "checked_by", "checked_on", "remark"))
# Filled in the field by QField: the photo (an attachment stored under DCIM/) and where the
# verifier stood when the feature was last edited (WGS84 degrees, accuracy in metres).
PHOTO_FIELD = "现场照片"
PHOTO_FOLDER = "DCIM"
POSITION_FIELDS = ("核查位置经度", "核查位置纬度", "核查定位精度(米)")
RECORDED_FIELDS = (PHOTO_FIELD, *POSITION_FIELDS)


def write_mobile_gpkg(patches: List[FlaggedPatch], crs_wkt: str, path: str,
                      chips: Dict[str, Dict[str, str]]) -> None:
    """The field team's GeoPackage: layer ``核查图斑`` with read-only copies of the result's
    fields, the chips' paths (``chips``: {patch id: {label: path relative to the pack}}) and the
    empty verification columns; value lists stored as GeoPackage field domains (QGIS turns them
    into drop-down lists). Written whole or not at all."""
    with replacing(path, ".gpkg") as tmp:
        os.unlink(tmp)  # GDAL creates the GeoPackage itself
        _write_mobile_layer(patches, crs_wkt, tmp, chips)


def _create_fields(ds, layer):
    for name, key in READ_ONLY_FIELDS:
        kind = {"seq": ogr.OFTInteger, "area_mu": ogr.OFTReal, "area_m2": ogr.OFTReal,
                "lon": ogr.OFTReal, "lat": ogr.OFTReal}.get(key, ogr.OFTString)
        layer.CreateField(ogr.FieldDefn(name, kind))
    for name in PACK_FIELDS:
        layer.CreateField(ogr.FieldDefn(name, ogr.OFTString))
    for name, values, key in VERIFICATION_FIELDS:
        is_date = BY_KEY[key].kind == DATE
        definition = ogr.FieldDefn(name, ogr.OFTDate if is_date else ogr.OFTString)
        if values:
            domain = ogr.CreateCodedFieldDomain(name, f"{name}可选值", ogr.OFTString,
                                                ogr.OFSTNone, {v: v for v in values})
            ds.AddFieldDomain(domain)
            definition.SetDomainName(name)
        layer.CreateField(definition)
    layer.CreateField(ogr.FieldDefn(PHOTO_FIELD, ogr.OFTString))
    for name in POSITION_FIELDS:
        layer.CreateField(ogr.FieldDefn(name, ogr.OFTReal))


def _write_mobile_layer(patches, crs_wkt, path, chips):
    ds = gdal.GetDriverByName("GPKG").Create(path, 0, 0, 0, gdal.GDT_Unknown)
    srs = osr.SpatialReference()
    srs.ImportFromWkt(crs_wkt)
    srs.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    layer = ds.CreateLayer(MOBILE_NAME, srs, ogr.wkbMultiPolygon, ["FID=fid"])
    _create_fields(ds, layer)
    defn = layer.GetLayerDefn()
    index = {defn.GetFieldDefn(i).GetName(): i for i in range(defn.GetFieldCount())}
    ds.StartTransaction()
    for seq, patch in enumerate(patches, start=1):
        # the ledger's values (classes with names, rounded areas) so an edited copy passes the
        # ledger's read-only checks; by index: OGR's binding looks a name up field by field
        values = {name: seq if key == "seq" else patch.row.get(key) for name, key in READ_ONLY_FIELDS}
        values[REPAIR_FIELD] = patch.repair or None
        for label, path_of in chips.get(patch.patch_id, {}).items():
            values[CHIP_FIELDS[label]] = path_of
        for name, _, key in VERIFICATION_FIELDS:
            value = patch.row.get(key)
            # a forced non-date stays out of a date field
            values[name] = date_from_text(value) if BY_KEY[key].kind == DATE and value else value
        feature = ogr.Feature(defn)
        for name, value in values.items():
            if value is not None:
                feature.SetField(index[name], value)
        feature.SetGeometry(ogr.ForceToMultiPolygon(ogr.CreateGeometryFromWkb(patch.geometry.wkb)))
        layer.CreateFeature(feature)
    ds.CommitTransaction()
    ds = None
