"""The previous batch's result read back as the matching needs it — every patch's id,
batch, geometry in the working CRS and the analysts' values (the ledger state imported into it).
"""

import os
from dataclasses import dataclass, field
from typing import Dict, List, Optional

from pyproj import CRS

from ..errors import InputError
from ..io.gpkg_reader import field_names, layer_names, open_geopackage, read_features, read_table
from ..io.wkb_transform import transform_wkbs
from ..ledger.columns import ANALYST_COLUMNS
from ..job import PreviousBatch

PATCH_LAYER = "patches"


@dataclass
class PreviousPatches:
    """The previous result's patches (geometry in the working CRS; None where it has none)."""

    path: str
    ids: List[str]
    wkb: list
    batches: List[Optional[str]]
    first_batches: List[Optional[str]]
    analyst: Dict[str, list] = field(default_factory=dict)

    def __len__(self):
        return len(self.ids)


def read_previous(batch: PreviousBatch, crs) -> PreviousPatches:
    """The previous batch's patches; InputError when the file is no analysis result."""
    ds = open_geopackage(batch.path)
    if PATCH_LAYER not in layer_names(ds):
        raise InputError(f"没有 {PATCH_LAYER} 图层，不是 analyse 输出的结果文件 (上一批次结果)",
                         layer=batch.path)
    columns = field_names(ds.GetLayerByName(PATCH_LAYER))
    if "patch_id" not in columns:
        raise InputError("结果图层缺少图斑编号字段 (上一批次结果)", layer=f"{batch.path}:{PATCH_LAYER}",
                         field="patch_id")
    analyst = [c.field for c in ANALYST_COLUMNS if c.field in columns]
    optional = [f for f in ("batch", "first_batch") if f in columns]
    _, wkbs, values, crs_wkt = read_features(ds, PATCH_LAYER, ["patch_id", *optional, *analyst])
    if not crs_wkt:
        raise InputError("结果图层没有坐标系定义 (上一批次结果)", layer=f"{batch.path}:{PATCH_LAYER}")
    run_info = dict(read_table(ds, "run_info", ("key", "value"))) \
        if "run_info" in layer_names(ds) else {}
    if CRS.from_wkt(crs_wkt) != CRS.from_user_input(crs):
        wkbs = transform_wkbs(wkbs, crs_wkt, crs)
    fallback = (run_info.get("title.batch") or run_info.get("title.name")
                or os.path.basename(os.path.dirname(os.path.abspath(batch.path))))
    batches = [_text(v) or fallback for v in values.get("batch", [None] * len(wkbs))]
    first = [_text(v) for v in values.get("first_batch", [None] * len(wkbs))]
    return PreviousPatches(path=batch.path, ids=[_text(v) or "" for v in values["patch_id"]],
                           wkb=list(wkbs), batches=batches,
                           first_batches=[f or b for f, b in zip(first, batches)],
                           analyst={f: values[f] for f in analyst})


def _text(value) -> Optional[str]:
    if value is None:
        return None
    text = str(value).strip()
    return text or None
