"""The field team's data: the mobile GeoPackage (layer 核查图斑, the ledger's headers, value
lists as field domains) and the same patches as KML/KMZ in CGCS2000 degrees.

The GeoPackage's fields carry the ledger's headers (图斑编号, 核查结果, 现场现状, 现场照片编号,
核查人, 核查日期, 备注 …) so an edited copy maps onto the ledger's columns.
"""

import os
import zipfile
from typing import List, Tuple
from xml.etree import ElementTree as ET

from osgeo import gdal, ogr, osr
from pyproj import CRS, Transformer
from shapely.ops import transform as shapely_transform

from ..io.atomic import replacing
from ..imagery.chips import VERDICT_COLOURS
from ..ledger.cells import date_from_text
from ..ledger.columns import BY_KEY, DATE
from .flagged import FlaggedPatch

gdal.UseExceptions()
ogr.UseExceptions()
osr.UseExceptions()

GEOGRAPHIC_CRS = "EPSG:4490"
MOBILE_NAME = "核查图斑"
# The mobile layer: read-only copies of the result first (序号 is the route order: township,
# village, patch id), then the verifier's columns, empty. 核查结果 and 备注 carry the ledger's
# headers.
READ_ONLY_FIELDS = (
    ("序号", "seq"), ("图斑编号", "patch_id"), ("乡镇", "township"), ("村", "village"),
    ("图斑面积(亩)", "area_mu"), ("图斑面积(平方米)", "area_m2"), ("前地类", "before_class"), ("现地类", "after_class"),
    ("判定结果", "verdict"), ("违法类型", "violation_type"), ("判定理由", "reason"),
    ("建议整改措施", "measure"), ("中心点经度(度)", "lon"), ("中心点纬度(度)", "lat"),
)
VERIFICATION_FIELDS = tuple((BY_KEY[key].header, BY_KEY[key].allowed or None, key) for key in (
    "check_result", "site_state", "photo_ids", "checked_by", "checked_on", "remark"))


def write_mobile_gpkg(patches: List[FlaggedPatch], crs_wkt: str, path: str) -> None:
    """The field team's GeoPackage: layer ``核查图斑`` with read-only copies of the result's
    fields and the empty verification columns; value lists stored as GeoPackage field domains
    (QGIS turns them into drop-down lists). Written whole or not at all."""
    with replacing(path, ".gpkg") as tmp:
        os.unlink(tmp)  # GDAL creates the GeoPackage itself
        _write_mobile_layer(patches, crs_wkt, tmp)


def _write_mobile_layer(patches, crs_wkt, path):
    ds = gdal.GetDriverByName("GPKG").Create(path, 0, 0, 0, gdal.GDT_Unknown)
    srs = osr.SpatialReference()
    srs.ImportFromWkt(crs_wkt)
    srs.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    layer = ds.CreateLayer(MOBILE_NAME, srs, ogr.wkbMultiPolygon, ["FID=fid"])
    for name, key in READ_ONLY_FIELDS:
        kind = {"seq": ogr.OFTInteger, "area_mu": ogr.OFTReal, "area_m2": ogr.OFTReal,
                "lon": ogr.OFTReal, "lat": ogr.OFTReal}.get(key, ogr.OFTString)
        layer.CreateField(ogr.FieldDefn(name, kind))
    for name, values, key in VERIFICATION_FIELDS:
        is_date = BY_KEY[key].kind == DATE
        definition = ogr.FieldDefn(name, ogr.OFTDate if is_date else ogr.OFTString)
        if values:
            domain = ogr.CreateCodedFieldDomain(name, f"{name}可选值", ogr.OFTString,
                                                ogr.OFSTNone, {v: v for v in values})
            ds.AddFieldDomain(domain)
            definition.SetDomainName(name)
        layer.CreateField(definition)
    ds.StartTransaction()
    for seq, patch in enumerate(patches, start=1):
        feature = ogr.Feature(layer.GetLayerDefn())
        for name, key in READ_ONLY_FIELDS:
            # the ledger's values (classes with names, rounded areas) so an edited copy passes
            # the ledger's read-only checks
            value = seq if key == "seq" else patch.row.get(key)
            if value is not None:
                feature.SetField(name, value)
        for name, _, key in VERIFICATION_FIELDS:
            value = patch.row.get(key)
            if value is not None and BY_KEY[key].kind == DATE:
                value = date_from_text(value)  # a forced non-date stays out of a date field
            if value is not None:
                feature.SetField(name, value)
        geom = ogr.ForceToMultiPolygon(ogr.CreateGeometryFromWkb(patch.geometry.wkb))
        feature.SetGeometry(geom)
        layer.CreateFeature(feature)
    ds.CommitTransaction()
    ds = None


def _centres_geographic(patches, crs_wkt) -> List[Tuple[float, float]]:
    """The result's centre of each patch (on the patch) in EPSG:4490 degrees."""
    return [(p.fields["lon"], p.fields["lat"]) for p in patches]


def write_kml(patches: List[FlaggedPatch], crs_wkt: str, path: str, title: str = "外业核查图斑") -> None:
    """A KML in EPSG:4490 degrees (treated as WGS84 by 奥维 and other apps; the two differ by
    centimetres): one folder per township, one placemark per patch named by its patch id, the
    centre point and the outline, styled by verdict."""
    ns = "http://www.opengis.net/kml/2.2"
    ET.register_namespace("", ns)
    kml = ET.Element(f"{{{ns}}}kml")
    doc = ET.SubElement(kml, f"{{{ns}}}Document")
    ET.SubElement(doc, f"{{{ns}}}name").text = title
    for k, (verdict, (r, g, b)) in enumerate(VERDICT_COLOURS.items()):
        style = ET.SubElement(doc, f"{{{ns}}}Style", id=f"verdict{k}")
        line = ET.SubElement(style, f"{{{ns}}}LineStyle")
        ET.SubElement(line, f"{{{ns}}}color").text = f"ff{b:02x}{g:02x}{r:02x}"
        ET.SubElement(line, f"{{{ns}}}width").text = "3"
        poly = ET.SubElement(style, f"{{{ns}}}PolyStyle")
        ET.SubElement(poly, f"{{{ns}}}color").text = f"40{b:02x}{g:02x}{r:02x}"
    style_of = {v: f"#verdict{k}" for k, v in enumerate(VERDICT_COLOURS)}
    to_deg = Transformer.from_crs(CRS.from_wkt(crs_wkt), GEOGRAPHIC_CRS, always_xy=True)
    folders = {}
    for patch, (lon, lat) in zip(patches, _centres_geographic(patches, crs_wkt)):
        town = patch.fields.get("township") or "未知乡镇"
        if town not in folders:
            folders[town] = ET.SubElement(doc, f"{{{ns}}}Folder")
            ET.SubElement(folders[town], f"{{{ns}}}name").text = town
        mark = ET.SubElement(folders[town], f"{{{ns}}}Placemark")
        ET.SubElement(mark, f"{{{ns}}}name").text = patch.patch_id
        ET.SubElement(mark, f"{{{ns}}}description").text = _description(patch.fields)
        ET.SubElement(mark, f"{{{ns}}}styleUrl").text = style_of.get(patch.fields.get("verdict"),
                                                                     "#verdict0")
        multi = ET.SubElement(mark, f"{{{ns}}}MultiGeometry")
        point = ET.SubElement(multi, f"{{{ns}}}Point")
        ET.SubElement(point, f"{{{ns}}}coordinates").text = f"{lon:.8f},{lat:.8f}"
        geom = shapely_transform(to_deg.transform, patch.geometry)
        for polygon in getattr(geom, "geoms", [geom]):
            _kml_polygon(multi, polygon, ns)
    tree = ET.ElementTree(kml)
    with replacing(path, ".kml") as tmp:
        tree.write(tmp, encoding="utf-8", xml_declaration=True)


def _kml_polygon(parent, polygon, ns):
    element = ET.SubElement(parent, f"{{{ns}}}Polygon")
    rings = [("outerBoundaryIs", polygon.exterior)] + [("innerBoundaryIs", r) for r in polygon.interiors]
    for tag, ring in rings:
        boundary = ET.SubElement(element, f"{{{ns}}}{tag}")
        linear = ET.SubElement(boundary, f"{{{ns}}}LinearRing")
        ET.SubElement(linear, f"{{{ns}}}coordinates").text = " ".join(
            f"{x:.8f},{y:.8f}" for x, y in ring.coords)


def _description(fields) -> str:
    parts = [("乡镇", "township"), ("村", "village"), ("判定结果", "verdict"),
             ("违法类型", "violation_type"), ("面积(亩)", "area_mu"), ("前地类", "before_class"),
             ("现地类", "after_class"), ("判定理由", "reason"), ("建议整改措施", "measure")]
    lines = []
    for label, key in parts:
        value = fields.get(key)
        if value is not None and value != "":
            lines.append(f"{label}: {round(value, 2) if isinstance(value, float) else value}")
    return "\n".join(lines)


def write_kmz(kml_path: str, kmz_path: str) -> None:
    """The KML zipped as ``doc.kml`` (what 奥维 and Google Earth expect inside a KMZ)."""
    with replacing(kmz_path, ".kmz") as tmp, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as z:
        z.write(kml_path, "doc.kml")
