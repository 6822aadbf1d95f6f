"""Field verification prep (外业核查): imagery chips and mobile data for every flagged patch.

Flagged patches are those whose verdict is 违法 or 需核实; they come ordered by township,
village and patch id, the order a team drives them in. Chips are cut from large GeoTIFFs with
windowed reads (GDAL picks an overview when the window is shrunk); a patch outside an image is
noted, never fatal. The mobile GeoPackage's fields carry the ledger's headers (图斑编号, 核查结果,
现场现状, 现场照片编号, 核查人, 核查日期, 备注 …) so an edited copy maps onto the ledger's columns.
"""

import os
import zipfile
from dataclasses import dataclass, field
from typing import List, Optional, Tuple
from xml.etree import ElementTree as ET

from osgeo import gdal, ogr, osr
from pyproj import CRS, Transformer
from shapely.ops import transform as shapely_transform

from ..overlay.areas import MU_PER_M2
from ..io.atomic import replacing
from .chips import VERDICT_COLOURS, Chip, cut_chips, outline_colour
from ..errors import Note
from ..rules.classes import load_class_table
from ..ledger.cells import date_from_text
from ..ledger.columns import BY_KEY, DATE
from ..ledger.result_access import read_result, read_run_info
from ..ledger.table import build_rows
from ..progress import Steps

gdal.UseExceptions()
ogr.UseExceptions()
osr.UseExceptions()

FLAGGED_VERDICTS = ("违法", "需核实")
GEOGRAPHIC_CRS = "EPSG:4490"
MOBILE_NAME = "核查图斑"
CHIP_DIR = "chips"

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
"""Verifier's columns: (name, value list or None for free text, ledger column key). Each is a
ledger column under the same header, and starts with the value the result already holds.
核查日期 is a date field."""


@dataclass
class FlaggedPatch:
    """One flagged patch: the result's fields (``fields``) and its geometry (working CRS)."""

    fid: int
    patch_id: str
    fields: dict
    geometry: object
    row: dict = field(default_factory=dict)
    """The patch's ledger row (``ledger_table.build_rows``): the values as the ledger shows them."""


@dataclass
class FieldPack:
    """What ``prepare_fieldpack`` wrote."""

    folder: str
    patches: int
    gpkg: str = ""
    kml: str = ""
    kmz: str = ""
    chips: List[Chip] = field(default_factory=list)
    notes: List[Note] = field(default_factory=list)


def read_flagged(result_path: str) -> Tuple[List[FlaggedPatch], str, List[str]]:
    """Flagged patches of a result GeoPackage, ordered by township, village and patch id, the
    working CRS as WKT, and the ids of flagged patches left out for having no geometry."""
    result = read_result(result_path)
    rows = build_rows(result, load_class_table())
    flagged, shapeless = [], []
    for p in result.patches:
        if p["verdict"] not in FLAGGED_VERDICTS:
            continue
        if p["fid"] not in result.wkbs:
            shapeless.append(str(p["patch_id"]))
            continue
        fields = dict(p)
        if fields.get("area_m2") is not None:
            fields["area_mu"] = fields["area_m2"] * MU_PER_M2
        flagged.append(FlaggedPatch(fid=p["fid"], patch_id=str(p["patch_id"]), fields=fields,
                                    geometry=result.geometry(p["fid"]),
                                    row=rows.get(str(p["patch_id"]), {})))
    flagged.sort(key=lambda f: (f.fields["township"] or "", f.fields["village"] or "", f.patch_id))
    return flagged, result.crs_wkt, shapeless


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


OUTLINED_BASELINES = (("basic_farmland", "永久基本农田"), ("red_line", "生态保护红线"),
                      ("urban_boundary", "城镇开发边界"))


@dataclass
class BaselineSource:
    """Where the analysis read one baseline (from the result's run_info), for map outlines."""

    key: str
    name: str
    path: str
    layer: Optional[str]


def baseline_sources(result_path: str) -> List[BaselineSource]:
    """The basic-farmland, red-line and urban-boundary layers the analysis used, those whose
    files still exist (the farmland layer is left out: outlining every parcel hides the patch)."""
    info = read_run_info(result_path)
    out = []
    for key, name in OUTLINED_BASELINES:
        path = info.get(f"input.{key}.path")
        if path and os.path.isfile(path):
            out.append(BaselineSource(key, name, path, info.get(f"input.{key}.layer")))
    return out


def write_kmz(kml_path: str, kmz_path: str) -> None:
    """The KML zipped as ``doc.kml`` (what 奥维 and Google Earth expect inside a KMZ)."""
    with replacing(kmz_path, ".kmz") as tmp, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as z:
        z.write(kml_path, "doc.kml")


def prepare_fieldpack(result_path: str, out_dir: str, before: Optional[str] = None,
                      after: Optional[str] = None, progress=None, cancelled=None) -> FieldPack:
    """Everything the field team needs for the flagged patches of one result, in ``out_dir``:
    ``核查图斑.gpkg``, ``核查图斑.kml``/``.kmz`` and, when images are given,
    ``chips/<patch_id>_前时相.png`` / ``_后时相.png``."""
    steps = Steps(progress, cancelled)
    steps.report(0.0, "读取结果文件")
    patches, crs_wkt, shapeless = read_flagged(result_path)
    os.makedirs(out_dir, exist_ok=True)
    pack = FieldPack(folder=out_dir, patches=len(patches))
    pack.notes.extend(Note(layer=os.path.basename(result_path), feature=pid,
                           message=f"图斑 {pid} 没有几何图形，未列入外业数据") for pid in shapeless)
    steps.report(0.1, "写出外业数据")
    pack.gpkg = os.path.join(out_dir, f"{MOBILE_NAME}.gpkg")
    write_mobile_gpkg(patches, crs_wkt, pack.gpkg)
    pack.kml = os.path.join(out_dir, f"{MOBILE_NAME}.kml")
    write_kml(patches, crs_wkt, pack.kml)
    pack.kmz = os.path.join(out_dir, f"{MOBILE_NAME}.kmz")
    write_kmz(pack.kml, pack.kmz)
    for k, (image, label) in enumerate(((before, "前时相"), (after, "后时相"))):
        if image:
            outlined = ((p.patch_id, p.geometry, outline_colour(p.fields.get("verdict")))
                        for p in patches)
            chips, notes = cut_chips(image, crs_wkt,
                                     steps.over(outlined, len(patches), 0.3 + 0.35 * k,
                                                0.65 + 0.35 * k, f"切取{label}影像"),
                                     os.path.join(out_dir, CHIP_DIR), label)
            pack.chips.extend(chips)
            pack.notes.extend(notes)
    steps.report(1.0, "完成")
    return pack
