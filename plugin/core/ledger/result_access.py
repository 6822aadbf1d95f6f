"""The analysis result as the ledger sees it: reading patches and run information, and writing
the analysts' columns back into ``patches``.

Reading and writing go through GDAL (its R-tree triggers call SQL functions only GDAL
registers); writing works on a copy of the file that replaces the original only when all went
well.
"""

import os
import re
import shutil
from dataclasses import dataclass, field
from typing import Dict, FrozenSet, List, Optional

import numpy as np
from osgeo import ogr
from pyproj import CRS, Transformer
from shapely import wkb as shapely_wkb

from ..errors import InputError
from ..io.atomic import replacing
from ..io.gpkg_reader import field_names, layer_names, open_geopackage, read_features, read_table
from ..result_fields import carried_field
from .columns import ANALYST_COLUMNS, BASELINE_COLUMNS, BATCH_KEYS, NET_COLUMNS
from .zones import Zone, result_zones

ogr.UseExceptions()

PATCH_LAYER = "patches"
REQUIRED_FIELDS = ("patch_id", "area_m2", "township", "village", "before_class", "after_class",
                   "verdict", "violation_type", "severity", "measure", "reason")
# Read where present: results of earlier versions lack some, and their ledger columns stay empty.
OPTIONAL_FIELDS = ("flag_area_m2", "free_m2", "batch", "patch_type", "admin_code", "permit_refs",
                   "flag_outside_urban_m2", *(f"flag_{k}_m2" for k, _ in BASELINE_COLUMNS),
                   "owner", *(f"{k}_net_m2" for k, _ in NET_COLUMNS), *BATCH_KEYS,
                   *(f"flag_{k}_net_m2" for k, _ in NET_COLUMNS))
GEOGRAPHIC_CRS = "EPSG:4490"


@dataclass
class ResultData:
    """What the ledger needs from one result GeoPackage.

    ``patches``: one dict per patch with the result's fields (only those the ledger uses;
    optional ones None where the result lacks them) plus ``fid``, ``centre_x``/``centre_y``
    (in ``centre_crs``: the CRS the patches were delivered in when it is projected, else the
    working CRS) and ``lon``/``lat`` (EPSG:4490).
    ``wkbs``: fid → WKB (working CRS) of every patch with a non-empty geometry; bytes, not
    geometry objects, as most readers need none (a county's 30,000 objects cost ~100 MB).
    ``zones``: the baselines the job added itself, whose fields the patches also hold.
    """

    path: str
    crs_wkt: str
    run_info: Dict[str, str]
    baselines: List[str]
    analyst_fields: List[str]
    patches: List[dict] = field(default_factory=list)
    wkbs: Dict[int, bytes] = field(default_factory=dict)
    centre_crs: Optional[CRS] = None
    present: FrozenSet[str] = frozenset()
    zones: List[Zone] = field(default_factory=list)

    def geometry(self, fid: int):
        """The patch's shapely geometry, None when it has none."""
        wkb = self.wkbs.get(fid)
        return None if wkb is None else shapely_wkb.loads(wkb)

    @property
    def crs_label(self) -> str:
        return self.run_info.get("working_crs") or CRS.from_wkt(self.crs_wkt).name

    def has(self, name: str) -> bool:
        """Whether the result holds the optional field ``name`` (see OPTIONAL_FIELDS)."""
        return name in self.present


def read_result(path: str) -> ResultData:
    """Read a result GeoPackage written by ``analyse``; InputError if it is not one."""
    ds = _open_result(path)
    names = layer_names(ds)
    if PATCH_LAYER not in names:
        raise InputError(f"没有 {PATCH_LAYER} 图层，不是 analyse 输出的结果文件", layer=path)
    columns = field_names(ds.GetLayerByName(PATCH_LAYER))
    for name in REQUIRED_FIELDS:
        if name not in columns:
            raise InputError("结果图层缺少字段 (请用当前版本重新运行 analyse)",
                             layer=f"{path}:{PATCH_LAYER}", field=name)
    baselines = [k for k, _ in BASELINE_COLUMNS if f"{k}_m2" in columns]
    analyst = [c.field for c in ANALYST_COLUMNS if c.field in columns]
    optional = [f for f in OPTIONAL_FIELDS if f in columns]
    run_info = _run_info(ds, names)
    zones = result_zones(run_info, columns)
    zone_fields = [f for z in zones
                   for f in (f"{z.key}_m2", *(carried_field(z.key, c) for c in z.carry))]
    wanted = [*REQUIRED_FIELDS, *(f"{k}_m2" for k in baselines), *zone_fields, *analyst,
              *optional]
    fids, blobs, values, crs_wkt = read_features(ds, PATCH_LAYER, wanted)
    if not crs_wkt:
        raise InputError("结果图层没有坐标系定义", layer=f"{path}:{PATCH_LAYER}")
    missing = dict.fromkeys(f for f in OPTIONAL_FIELDS if f not in columns)
    patches = [{"fid": fid, **missing, **{c: values[c][k] for c in wanted}}
               for k, fid in enumerate(fids)]
    centre_crs = centre_crs_of(run_info, crs_wkt)
    wkbs = _add_centres(patches, blobs, crs_wkt, centre_crs)
    return ResultData(path=path, crs_wkt=crs_wkt, run_info=run_info, baselines=baselines,
                      analyst_fields=analyst, patches=patches, wkbs=wkbs, centre_crs=centre_crs,
                      present=frozenset(optional), zones=zones)


def centre_crs_of(run_info, crs_wkt) -> CRS:
    """The CRS of the ledger's X/Y: the one the patches were delivered in when it is projected
    (what the analyst holds), else the working CRS."""
    delivered = run_info.get("input.patches.crs")
    if delivered:
        try:
            crs = CRS.from_wkt(delivered)
        except Exception:  # noqa: BLE001 - pyproj raises CRSError; an odd entry falls back
            crs = None
        if crs is not None and crs.is_projected:
            return crs
    return CRS.from_wkt(crs_wkt)


def read_run_info(path: str) -> Dict[str, str]:
    """Only the result's ``run_info`` (inputs, rules, CRS): no patch is read."""
    ds = _open_result(path)
    return _run_info(ds, layer_names(ds))


def _open_result(path):
    if not os.path.isfile(path):
        raise InputError("结果文件不存在", layer=path)
    return open_geopackage(path)


def _run_info(ds, names):
    if "run_info" not in names:
        return {}
    return {k: v for k, v in read_table(ds, "run_info", ("key", "value"))}


def _add_centres(patches, blobs, crs_wkt, centre_crs):
    """Centre of each patch: its centroid, or a point inside it when the centroid falls outside
    (a field team navigates to this point, so it must lie on the patch), in ``centre_crs`` and
    in EPSG:4490 degrees. Returns the WKB of each non-empty geometry (fid → bytes)."""
    xs = np.full(len(patches), np.nan)
    ys = np.full(len(patches), np.nan)
    wkbs = {}
    for k, wkb in enumerate(blobs):
        if wkb is None:
            continue
        geom = shapely_wkb.loads(bytes(wkb))
        if geom.is_empty:
            continue
        wkbs[patches[k]["fid"]] = bytes(wkb)
        point = geom.centroid
        if not geom.contains(point):
            point = geom.representative_point()
        xs[k], ys[k] = point.x, point.y
    working = CRS.from_wkt(crs_wkt)
    lon, lat = Transformer.from_crs(working, GEOGRAPHIC_CRS, always_xy=True).transform(xs, ys)
    if centre_crs != working:
        xs, ys = Transformer.from_crs(working, centre_crs, always_xy=True).transform(xs, ys)
    for k, p in enumerate(patches):
        ok = not np.isnan(xs[k])
        p["centre_x"] = float(xs[k]) if ok else None
        p["centre_y"] = float(ys[k]) if ok else None
        p["lon"] = float(lon[k]) if ok else None
        p["lat"] = float(lat[k]) if ok else None
    return wkbs


def write_analyst_values(result: ResultData, values: Dict[int, Dict[str, Optional[str]]],
                         info: Dict[str, str]) -> None:
    """Write analysts' values into the result's ``patches`` layer, atomically.

    ``values`` maps a patch's fid to {field: text or None}. Missing analyst fields are added
    (text, with Chinese aliases in the layer's default QGIS style); ``info`` replaces the
    ``ledger.*`` keys of ``run_info``. The result is copied, the copy updated and renamed over
    the original, so a crash leaves the original untouched.
    """
    path = result.path
    if os.path.exists(path + "-wal") and os.path.getsize(path + "-wal") > 0:
        raise InputError("结果文件正被其他程序写入 (存在未合并的 -wal 文件)；请在 QGIS 中移除该图层后重试",
                         layer=path)
    try:
        with replacing(path, ".gpkg") as tmp:
            shutil.copyfile(path, tmp)
            ds = ogr.Open(tmp, update=1)
            try:
                _update(ds, values, info)
            finally:
                ds = None
    except PermissionError as e:
        raise InputError(f"无法写入结果文件 ({e.strerror})；若它正在 QGIS 中打开，请移除该图层后重试",
                         layer=path) from e


def _update(ds, values, info):
    layer = ds.GetLayerByName(PATCH_LAYER)
    defn = layer.GetLayerDefn()
    existing = {defn.GetFieldDefn(i).GetName() for i in range(defn.GetFieldCount())}
    for column in ANALYST_COLUMNS:
        if column.field not in existing:
            layer.CreateField(ogr.FieldDefn(column.field, ogr.OFTString))
    defn = layer.GetLayerDefn()
    index = {c.field: defn.GetFieldIndex(c.field) for c in ANALYST_COLUMNS}
    ds.StartTransaction()
    for fid, changes in values.items():
        feature = layer.GetFeature(fid)
        for name, value in changes.items():
            # by index: OGR's Python binding looks a field name up field by field
            if value is None:
                feature.SetFieldNull(index[name])
            else:
                feature.SetField(index[name], value)
        layer.SetFeature(feature)
    _add_aliases(ds, layer)
    _replace_run_info(ds, info)
    ds.CommitTransaction()


def _add_aliases(ds, layer):
    styles = ds.GetLayerByName("layer_styles")
    if styles is None:
        return
    defn = layer.GetLayerDefn()
    index = {defn.GetFieldDefn(i).GetName(): i for i in range(defn.GetFieldCount())}
    styles.SetAttributeFilter(f"f_table_name = '{PATCH_LAYER}'")
    for style in styles:
        qml = style.GetField("styleQML") or ""
        if "</aliases>" not in qml:
            continue
        missing = "".join(f'<alias field="{c.field}" index="{index[c.field]}" name="{c.header}"/>'
                          for c in ANALYST_COLUMNS
                          if not re.search(f'field="{c.field}"', qml))
        if missing:
            style.SetField("styleQML", qml.replace("</aliases>", missing + "</aliases>", 1))
            styles.SetFeature(style)
    styles.SetAttributeFilter(None)


def _replace_run_info(ds, info):
    table = ds.GetLayerByName("run_info")
    if table is None:
        return
    stale = [f.GetFID() for f in table if (f.GetField("key") or "").startswith("ledger.")]
    for fid in stale:
        table.DeleteFeature(fid)
    for key, value in info.items():
        feature = ogr.Feature(table.GetLayerDefn())
        feature.SetField("key", key)
        feature.SetField("value", value)
        table.CreateFeature(feature)
