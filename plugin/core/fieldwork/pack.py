"""Field verification prep (外业核查): imagery chips and mobile data for every flagged patch.

Chips are cut from large GeoTIFFs with windowed reads (GDAL picks an overview when the window
is shrunk); a patch outside an image is noted, never fatal.
"""

import os
from dataclasses import dataclass, field
from typing import List, Optional


from ..imagery.chips import Chip, cut_chips, outline_colour
from ..errors import Note
from ..ledger.result_access import read_run_info
from ..progress import Steps
from .flagged import read_flagged
from .mobile import MOBILE_NAME, write_kml, write_kmz, write_mobile_gpkg

CHIP_DIR = "chips"


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
