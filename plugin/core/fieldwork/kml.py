"""The flagged patches as KML/KMZ in CGCS2000 degrees, for 奥维互动地图 and Google Earth: one
folder per township, one placemark per patch (centre point and outline, styled by verdict)
whose balloon lists the result's values and shows the patch's chips.

The KML beside the pack points at the chips in the pack's ``chips`` folder; the KMZ carries
them inside (``files/``), so it can travel alone.
"""

import os
import zipfile
from html import escape
from typing import Dict, List
from xml.etree import ElementTree as ET

import numpy as np
from pyproj import CRS, Transformer

from ..imagery.chips import VERDICT_COLOURS
from ..io.atomic import replacing
from ..io.wkb_arrays import Runs
from .flagged import FlaggedPatch

GEOGRAPHIC_CRS = "EPSG:4490"
NS = "http://www.opengis.net/kml/2.2"
KMZ_FILES = "files"
BALLOON_FIELDS = (("乡镇", "township"), ("村", "village"), ("判定结果", "verdict"),
                  ("违法类型", "violation_type"), ("面积(亩)", "area_mu"), ("前地类", "before_class"),
                  ("现地类", "after_class"), ("判定理由", "reason"), ("建议整改措施", "measure"))


def write_kml(patches: List[FlaggedPatch], crs_wkt: str, path: str,
              chips: Dict[str, Dict[str, str]], dates: Dict[str, str],
              title: str = "外业核查图斑", outlines=None) -> None:
    """A KML in EPSG:4490 degrees (treated as WGS84 by 奥维 and other apps; the two differ by
    centimetres). ``chips``: {patch id: {label: path relative to the KML}}; ``dates``:
    {label: image date} for the chips' captions; ``outlines``: the patches'
    ``outlines_in_degrees`` when the caller has them already."""
    if outlines is None:
        outlines = outlines_in_degrees(patches, crs_wkt)
    tree = ET.ElementTree(_document(patches, outlines, chips, dates, title))
    with replacing(path, ".kml") as tmp:
        tree.write(tmp, encoding="utf-8", xml_declaration=True)


def write_kmz(patches: List[FlaggedPatch], crs_wkt: str, path: str, folder: str,
              chips: Dict[str, Dict[str, str]], dates: Dict[str, str],
              title: str = "外业核查图斑", outlines=None) -> None:
    """A KMZ: ``doc.kml`` (what 奥维 and Google Earth open in a KMZ) and the chips under
    ``files/``; ``chips`` paths are relative to ``folder``. ``outlines``: the patches'
    ``outlines_in_degrees`` when the caller has them already."""
    inside = {pid: {label: f"{KMZ_FILES}/{os.path.basename(p)}" for label, p in by_label.items()}
              for pid, by_label in chips.items()}
    if outlines is None:
        outlines = outlines_in_degrees(patches, crs_wkt)
    document = ET.tostring(_document(patches, outlines, inside, dates, title), encoding="utf-8",
                           xml_declaration=True)
    with replacing(path, ".kmz") as tmp, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("doc.kml", document)
        for by_label in chips.values():
            for relative in by_label.values():
                # JPEGs: compressing them again gains nothing
                z.write(os.path.join(folder, relative), f"{KMZ_FILES}/{os.path.basename(relative)}",
                        compress_type=zipfile.ZIP_STORED)


def outlines_in_degrees(patches: List[FlaggedPatch], crs_wkt: str) -> List[List[List[str]]]:
    """Each patch's polygons as lists of KML coordinate strings (shell first, then holes), in
    EPSG:4490 degrees: every ring read from the WKB and taken into degrees in one PROJ call."""
    runs = Runs([p.geometry.wkb for p in patches])
    xs, ys = runs.coordinates()
    lon, lat = Transformer.from_crs(CRS.from_wkt(crs_wkt), GEOGRAPHIC_CRS,
                                    always_xy=True).transform(xs, ys)
    points = [f"{x:.8f},{y:.8f}" for x, y in zip(np.asarray(lon).tolist(), np.asarray(lat).tolist())]
    out: List[List[List[str]]] = [[] for _ in patches]
    start = 0
    for owner, count, shell in zip(runs.owner.tolist(), runs.npts.tolist(), runs.shell.tolist()):
        ring = " ".join(points[start:start + count])
        start += count
        if shell:
            out[owner].append([ring])
        else:
            out[owner][-1].append(ring)
    return out


def _document(patches, outlines, chips, dates, title):
    ET.register_namespace("", NS)
    kml = ET.Element(f"{{{NS}}}kml")
    doc = ET.SubElement(kml, f"{{{NS}}}Document")
    ET.SubElement(doc, f"{{{NS}}}name").text = title
    for k, (verdict, (r, g, b)) in enumerate(VERDICT_COLOURS.items()):
        style = ET.SubElement(doc, f"{{{NS}}}Style", id=f"verdict{k}")
        line = ET.SubElement(style, f"{{{NS}}}LineStyle")
        ET.SubElement(line, f"{{{NS}}}color").text = f"ff{b:02x}{g:02x}{r:02x}"
        ET.SubElement(line, f"{{{NS}}}width").text = "3"
        poly = ET.SubElement(style, f"{{{NS}}}PolyStyle")
        ET.SubElement(poly, f"{{{NS}}}color").text = f"40{b:02x}{g:02x}{r:02x}"
    style_of = {v: f"#verdict{k}" for k, v in enumerate(VERDICT_COLOURS)}
    folders = {}
    for seq, (patch, polygons) in enumerate(zip(patches, outlines), start=1):
        town = patch.fields.get("township") or "未知乡镇"
        if town not in folders:
            folders[town] = ET.SubElement(doc, f"{{{NS}}}Folder")
            ET.SubElement(folders[town], f"{{{NS}}}name").text = town
        mark = ET.SubElement(folders[town], f"{{{NS}}}Placemark")
        ET.SubElement(mark, f"{{{NS}}}name").text = patch.patch_id
        ET.SubElement(mark, f"{{{NS}}}description").text = _balloon(
            seq, patch, chips.get(patch.patch_id, {}), dates)
        ET.SubElement(mark, f"{{{NS}}}styleUrl").text = style_of.get(patch.fields.get("verdict"),
                                                                     "#verdict0")
        multi = ET.SubElement(mark, f"{{{NS}}}MultiGeometry")
        point = ET.SubElement(multi, f"{{{NS}}}Point")
        ET.SubElement(point, f"{{{NS}}}coordinates").text = \
            f"{patch.fields['lon']:.8f},{patch.fields['lat']:.8f}"
        for rings in polygons:
            _polygon(multi, rings)
    return kml


def _polygon(parent, rings):
    element = ET.SubElement(parent, f"{{{NS}}}Polygon")
    for k, ring in enumerate(rings):
        boundary = ET.SubElement(element, f"{{{NS}}}{'innerBoundaryIs' if k else 'outerBoundaryIs'}")
        linear = ET.SubElement(boundary, f"{{{NS}}}LinearRing")
        ET.SubElement(linear, f"{{{NS}}}coordinates").text = ring


def _balloon(seq, patch, chips, dates) -> str:
    """The placemark's description as HTML: the visiting order, the result's values, and the
    chips with their dates."""
    lines = [f"核查顺序: {seq}"]
    for label, key in BALLOON_FIELDS:
        value = patch.fields.get(key)
        if value is not None and value != "":
            lines.append(f"{label}: {round(value, 2) if isinstance(value, float) else value}")
    if patch.repair:
        lines.append(f"几何修复: {patch.repair}")
    html = "<br/>".join(escape(line) for line in lines)
    for label, source in chips.items():
        caption = f"{label}影像" + (f" {dates[label]}" if dates.get(label) else "")
        html += (f'<p>{escape(caption)}<br/><img src="{escape(source)}" width="280"/></p>')
    return html
