"""The baselines a field pack carries for the map (参考图层.gpkg): basic farmland, red line,
urban boundary, the zones the job added itself (自然保护地 …) and farmland outlines, read again from the files the analysis used and cut down
to the features near the flagged patches, in the working CRS.

The analysis keeps where it read each baseline (and its filter and file hash) in the result's
``run_info``; a file that has gone is noted and left out, one that changed since is noted and
drawn as it is now.
"""

import ast
import os
from typing import List, Sequence, Tuple

import numpy as np
from pyproj import CRS

from ..errors import InputError, Note
from ..io.gpkg_writer import atomic_geopackage
from ..io.hashing import file_sha256
from ..io.layers import read_layer
from ..io.wkb_arrays import envelopes
from ..io.wkb_transform import transform_wkbs
from ..job import ROLE_NAMES, LayerSpec
from ..overlay.bbox import bbox_join

REFERENCE_NAME = "参考图层"
# drawn in this order under the patches (the farmland parcels last: they are the most)
REFERENCE_LAYERS = (("basic_farmland", "永久基本农田"), ("red_line", "生态保护红线"),
                    ("urban_boundary", "城镇开发边界"), ("farmland", "耕地"))


def reference_specs(run_info) -> Tuple[List[LayerSpec], List[Note]]:
    """The baselines the analysis read, as layer specs named by their Chinese layer name
    (``spec.extra["name"]``), the zones the job added itself (自然保护地 …, with the fields it
    carried) before the farmland parcels; a note for each whose file is gone."""
    specs, notes = [], []
    for key, name in _layers_to_draw(run_info):
        path = run_info.get(f"input.{key}.path")
        if not path:
            continue
        if not os.path.isfile(path):
            notes.append(Note(name, "-", f"分析时读取的 {path} 已不存在，外业数据包中没有{name}图层"))
            continue
        where = run_info.get(f"input.{key}.where")
        carry = tuple(f for f in (run_info.get(f"input.{key}.carry") or "").split(",") if f)
        specs.append(LayerSpec(role=key, path=path, layer=run_info.get(f"input.{key}.layer"),
                               where=ast.literal_eval(where) if where else {}, carry=list(carry),
                               extra={"name": name, "sha256": run_info.get(f"input.{key}.sha256", "")}))
    return specs, notes


def _layers_to_draw(run_info):
    """(key, layer name): the known baselines in REFERENCE_LAYERS order, a job's own zones
    (named in ``run_info``) just before the farmland parcels."""
    known = dict(REFERENCE_LAYERS)
    zones = []
    for entry, name in run_info.items():
        parts = entry.split(".")
        if len(parts) == 3 and parts[0] == "input" and parts[2] == "name" and name \
                and parts[1] not in known and parts[1] not in ROLE_NAMES:
            zones.append((parts[1], name))
    return list(REFERENCE_LAYERS[:-1]) + zones + list(REFERENCE_LAYERS[-1:])


def write_reference_layers(specs: Sequence[LayerSpec], squares: np.ndarray, crs_wkt: str,
                           path: str) -> Tuple[List[Tuple[str, int]], List[Note]]:
    """One layer per spec in a new GeoPackage ``path``: the features whose box meets one of
    ``squares`` ((n, 4) boxes in the working CRS), in the working CRS, with the fields the
    analysis filtered on. Returns ([(layer name, features)], notes)."""
    written, notes = [], []
    with atomic_geopackage(path) as gpkg:
        for spec in specs:
            name = spec.extra["name"]
            try:
                layer, _ = read_layer(spec, fields=list(spec.carry))
            except InputError as e:
                notes.append(Note(name, "-", f"无法读取，外业数据包中没有此图层 ({e.message})"))
                continue
            if spec.extra.get("sha256") and file_sha256(spec.path) != spec.extra["sha256"]:
                notes.append(Note(name, "-", f"{spec.path} 在分析之后已改变，外业数据包中画出的是它现在的内容"))
            wkbs = layer.wkb
            if layer.crs is not None and layer.crs != CRS.from_wkt(crs_wkt):
                wkbs = transform_wkbs(wkbs, layer.crs, CRS.from_wkt(crs_wkt))
            near = np.unique(bbox_join(envelopes(wkbs), squares)[0]) if len(wkbs) else []
            fields = layer.field_defs
            rows = [[layer.columns[f.GetName()][k] for f in fields] for k in near]
            gpkg.write_layer(name, crs_wkt, [], [{}] * len(near), [wkbs[k] for k in near],
                             fields, rows)
            written.append((name, len(near)))
    return written, notes
