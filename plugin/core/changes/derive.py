"""Change patches from two annual land-parcel layers (DLTB): wherever the land class changed.

read both years → match parcels whose geometry WKB and class are identical in both (a survey
database keeps an unchanged parcel byte for byte, so most of a county needs no geometry work at
all) → overlay only the rest, pair by pair where boxes meet and the classes differ → ellipsoidal
areas → drop slivers from boundary noise, counted and kept in their own layer → stable ids,
township/village → ``changes.gpkg``, and the farmland balance sheet (``balance.py``).

The ``changes`` layer is a patch layer ``analyse`` reads as is::

    patches: {path: DIR/changes.gpkg, layer: changes, id_field: change_id,
              before_field: from_class, after_field: to_class}
"""

import datetime
import hashlib
import os
from collections import Counter
from dataclasses import dataclass, field
from typing import Dict, List, Optional

import numpy as np

from . import balance
from ..overlay.areas import MU_PER_M2, EllipsoidalArea, planar_areas
from ..overlay.bbox import bbox_join
from ..rules.classes import load_class_table
from ..io.crs import check_coordinates, working_crs
from ..errors import InputError, Note
from ..io.gpkg_writer import atomic_geopackage
from ..io.layers import open_layer, parse_geometries, read_layer
from ..overlay.pairs import intersect_pairs, points_inside
from ..progress import Steps
from ...identity import VERSION as ENGINE_VERSION
from ..io.wkb_arrays import Runs
from ..io.wkb_arrays import envelopes as wkb_envelopes
from ..io.wkb_transform import transform_wkbs

RESULT_NAME = "changes.gpkg"
PARALLEL_MIN_PARCELS = 2000  # below this, starting worker processes costs more than it saves
BALANCE_XLSX = "balance.xlsx"
BALANCE_PNG = "balance.png"
ANALYSE_PATCHES = ("{path: %s, layer: changes, id_field: change_id, "
                   "before_field: from_class, after_field: to_class}")

CHANGE_FIELDS = [
    ("change_id", "str", "变化图斑编号"),
    ("from_class", "str", "变更前地类编码"),
    ("from_name", "str", "变更前地类名称"),
    ("to_class", "str", "变更后地类编码"),
    ("to_name", "str", "变更后地类名称"),
    ("from_czcs", "str", "变更前城镇村属性码"),
    ("to_czcs", "str", "变更后城镇村属性码"),
    ("change_type", "str", "变化类型"),
    ("farmland_flow", "str", "耕地进出"),
    ("flow_group", "str", "耕地去向/来源"),
    ("change_m2", "real", "变化面积(平方米)"),
    ("change_mu", "real", "变化面积(亩)"),
    ("planar_m2", "real", "平面面积(平方米)"),
    ("zl_township", "str", "坐落乡镇"),
    ("zl_village", "str", "坐落村"),
    ("from_bsm", "str", "变更前标识码"),
    ("to_bsm", "str", "变更后标识码"),
]
DROPPED_FIELDS = CHANGE_FIELDS[:5] + [
    ("change_m2", "real", "面积(平方米)"),
    ("planar_m2", "real", "平面面积(平方米)"),
    ("mean_width_m", "real", "平均宽度(米)"),
    ("compactness", "real", "紧凑度(4πA/P²)"),
    ("reason", "str", "剔除原因"),
    ("zl_township", "str", "坐落乡镇"),
    ("zl_village", "str", "坐落村"),
]
TRANSITION_COLUMNS = ["from_class", "from_name", "to_class", "to_name", "patches", "area_m2",
                      "area_mu"]


@dataclass
class ChangeOptions:
    """What to compare and what counts as noise.

    A piece is dropped as a sliver when its ellipsoidal area is below ``min_area_m2``, or when
    it is thin: compactness 4πA/P² below ``sliver_ratio`` *and* mean width 2A/P below
    ``sliver_width_m`` (so a real long narrow change, a new 4 m road, is never dropped).
    """

    class_field: str = "DLBM"
    czcs_field: Optional[str] = None  # "CZCSXM" to report changes of 城镇村属性码 as well
    location_field: str = "ZLDWDM"
    id_field: str = "BSM"
    min_area_m2: float = 1.0
    sliver_ratio: float = 0.05
    sliver_width_m: float = 0.5
    admin: Optional[object] = None  # LayerSpec with extra township_field / village_field
    crs: str = "auto"
    balance: bool = True
    # {"basic_farmland" | "red_line": (LayerSpec for the before year[, for the after year])}
    protected: Dict[str, tuple] = field(default_factory=dict)
    labels: tuple = ()  # (before, after) year labels for the balance sheet; read from data if ()


@dataclass
class ChangeResult:
    result_path: str
    change_count: int
    change_m2: float
    dropped_count: int
    dropped_m2: float
    unchanged: int
    parcels: tuple
    working_crs: str
    notes: List[Note] = field(default_factory=list)
    balance_paths: tuple = ()
    county: Optional[dict] = None
    seconds: float = 0.0
    timings: Dict[str, float] = field(default_factory=dict)

    def summary_lines(self):
        lines = [f"结果: {self.result_path}",
                 f"两年图斑 {self.parcels[0]} / {self.parcels[1]} 个，其中 {self.unchanged} 个未变 (几何与地类"
                 f"完全相同，不参与叠加)；工作坐标系 {self.working_crs}，用时 {self.seconds:.1f} 秒",
                 f"变化图斑 {self.change_count} 个，{self.change_m2:.2f} 平方米 "
                 f"({self.change_m2 * MU_PER_M2:.2f} 亩)",
                 f"剔除碎片 {self.dropped_count} 个，{self.dropped_m2:.2f} 平方米 "
                 f"({self.dropped_m2 * MU_PER_M2:.2f} 亩)，见 dropped 图层"]
        if self.county:
            c = self.county
            lines.append(f"耕地: 期初 {c['start_mu']:.2f} 亩，减少 {c['lost_mu']:.2f} 亩，增加 "
                         f"{c['gained_mu']:.2f} 亩，期末 {c['end_mu']:.2f} 亩")
        for p in self.balance_paths:
            lines.append(f"耕地进出平衡表: {p}")
        lines.append("作为 analyse 的监测图斑: patches: " + ANALYSE_PATCHES % self.result_path)
        if self.notes:
            lines.append(f"提示 {len(self.notes)} 条，见结果中的 notes 表")
        return lines


@dataclass
class _Year:
    """One survey year in the working CRS, with normalised class codes."""

    spec: object
    wkb: np.ndarray
    envelopes: np.ndarray
    classes: List[str]
    czcs: List[str]
    keys: np.ndarray  # one integer per distinct (class, czcs) compared
    units: List[tuple]  # (township, village) from the location code, or (None, None)
    raw_ids: list  # the id field's values (BSM) as read
    count: int
    year: Optional[str] = None

    def bsm(self, row):
        """The parcel's id (标识码) as text, or None."""
        return _text(self.raw_ids[row]) or None


def derive_changes(before_spec, after_spec, out_dir, options=None, progress=None,
                   cancelled=None):
    """Compare two survey years and write ``out_dir/changes.gpkg`` (+ the balance sheet).

    Raises InputError for bad input (nothing is written) and Cancelled when asked to stop.
    """
    options = options or ChangeOptions()
    started = datetime.datetime.now()
    clock = _Clock()
    steps = Steps(progress, cancelled)
    notes: List[Note] = []
    table = load_class_table()
    before, after, crs = _read_years(before_spec, after_spec, options, table, steps, notes)
    clock.lap("read")

    steps.report(0.25, "比对未变图斑")
    pair_b, pair_a = _identical(before, after, notes)
    changed_b = np.setdiff1d(np.arange(before.count), pair_b)
    changed_a = np.setdiff1d(np.arange(after.count), pair_a)
    clock.lap("match")

    steps.report(0.35, f"叠加变化图斑 ({len(changed_b)} × {len(changed_a)})")
    locate = _AdminLocator(options.admin, crs, notes) if options.admin is not None else None
    farm = {c: "farmland" in table.groups(c) for c in set(before.classes) | set(after.classes)}
    pieces = _overlay_changed(before, after, changed_b, changed_a, farm, locate, notes)
    steps.check()
    clock.lap("overlay")

    steps.report(0.6, "计算面积与碎片")
    ellipsoid = EllipsoidalArea(crs)
    pieces.measure(ellipsoid, options)
    change = np.flatnonzero(pieces.change)
    if locate is not None:
        units = locate.units_of_wkb([pieces.wkb[k] for k in change])
    else:
        units = [after.units[j] for j in pieces.rows_a[change]]
    rows = _change_rows(before, after, pieces, change, units, table, options.min_area_m2)
    clock.lap("areas")

    account, protected = None, {}
    if options.balance:
        steps.report(0.7, "耕地进出平衡")
        account, parts = _farmland_account(before, after, pair_b, pair_a, pieces, farm,
                                           ellipsoid, locate, table, notes)
        protected = _protected_accounts(parts, options, crs, notes, steps)
        clock.lap("balance")

    os.makedirs(out_dir, exist_ok=True)
    out_path = os.path.join(out_dir, RESULT_NAME)
    keep = ~pieces.sliver[change]
    result = ChangeResult(result_path=out_path, change_count=int(keep.sum()),
                          change_m2=float(pieces.m2[change][keep].sum()),
                          dropped_count=int((~keep).sum()),
                          dropped_m2=float(pieces.m2[change][~keep].sum()),
                          unchanged=len(pair_b), parcels=(before.count, after.count),
                          working_crs=_crs_label(crs), notes=notes)
    if result.dropped_count:
        notes.append(Note("变化图斑", "-", f"剔除碎片 {result.dropped_count} 个 "
                          f"({result.dropped_m2:.2f} 平方米，见 dropped 图层)；"
                          "仍计入耕地进出平衡表的减少/增加 (单列碎片面积)"))
    if account is not None:
        steps.report(0.8, "写出耕地进出平衡表")
        labels = options.labels or (before.year or "期初", after.year or "期末")
        sheet = balance.balance_table(account, protected)
        paths = [balance.write_balance_xlsx(os.path.join(out_dir, BALANCE_XLSX), sheet, labels)]
        png = os.path.join(out_dir, BALANCE_PNG)
        if balance.write_balance_chart(png, sheet, labels, notes):
            paths.append(png)
        result.balance_paths, result.county = tuple(paths), sheet[-1]
        clock.lap("balance_write")

    steps.report(0.9, "写出结果")
    _write_result(out_path, crs, rows, pieces, change, notes,
                  _run_info(before_spec, after_spec, options, result, started))
    clock.lap("write")
    result.timings = clock.laps
    steps.report(1.0, "完成")
    result.seconds = (datetime.datetime.now() - started).total_seconds()
    return result


def _read_years(before_spec, after_spec, options, table, steps, notes):
    """Both years in one working CRS (the before year's zone unless ``options.crs``)."""
    steps.report(0.0, "读取前一年度图斑")
    raw_before = _read(before_spec, options, notes)
    steps.report(0.1, "读取本年度图斑")
    raw_after = _read(after_spec, options, notes)
    crs = working_crs(options.crs, raw_before[0].crs, raw_before[2])
    keys = {}
    before = _year(before_spec, *raw_before, crs, options, table, keys, notes)
    after = _year(after_spec, *raw_after, crs, options, table, keys, notes)
    if raw_before[0].crs != raw_after[0].crs:
        notes.append(Note("两年图斑", "-", "两年图层坐标系不同: 未变图斑无法按字节比对，全部参与叠加 (较慢)"))
    return before, after, crs


@dataclass
class _Pieces:
    """Intersections of a changed before parcel and a changed after parcel.

    ``change``: the compared classes differ (a change patch); otherwise the piece only moves
    farmland between townships (boundary or location-code changes) and is kept for the balance.
    """

    wkb: list
    rows_b: np.ndarray
    rows_a: np.ndarray
    change: np.ndarray
    units_b: dict  # row → balance township of a changed farmland parcel, before / after year
    units_a: dict
    m2: Optional[np.ndarray] = None
    planar: Optional[np.ndarray] = None
    width: Optional[np.ndarray] = None
    compact: Optional[np.ndarray] = None
    small: Optional[np.ndarray] = None
    sliver: Optional[np.ndarray] = None

    def measure(self, ellipsoid, options):
        """Areas and the sliver test (ellipsoidal area; width and compactness are planar)."""
        self.m2 = ellipsoid.areas(self.wkb)
        self.planar = planar_areas(self.wkb)
        perimeter = planar_perimeters(self.wkb)
        with np.errstate(divide="ignore", invalid="ignore"):
            self.width = np.where(perimeter > 0, 2 * self.planar / perimeter, 0.0)
            self.compact = np.where(perimeter > 0, 4 * np.pi * self.planar / perimeter ** 2, 0.0)
        self.small = self.m2 < options.min_area_m2
        thin = (self.compact < options.sliver_ratio) & (self.width < options.sliver_width_m)
        self.sliver = self.small | thin


def _overlay_changed(before, after, changed_b, changed_a, farm, locate, notes):
    """Pieces of changed before × changed after parcels whose boxes meet and whose classes
    differ (or, both farmland, whose townships differ)."""
    geoms_b = _geoms(before, changed_b, notes)
    geoms_a = _geoms(after, changed_a, notes)
    farm_b = np.array([farm[before.classes[i]] for i in changed_b], dtype=bool)
    farm_a = np.array([farm[after.classes[j]] for j in changed_a], dtype=bool)
    if locate is not None:
        units_b = _located(locate, geoms_b, farm_b)
        units_a = _located(locate, geoms_a, farm_a)
    else:
        units_b = [before.units[i] if f else (None, None) for i, f in zip(changed_b, farm_b)]
        units_a = [after.units[j] if f else (None, None) for j, f in zip(changed_a, farm_a)]
    pi, pj = bbox_join(before.envelopes[changed_b], after.envelopes[changed_a])
    differ = before.keys[changed_b[pi]] != after.keys[changed_a[pj]]
    town_b = np.array([u[0] or "" for u in units_b], dtype=object)
    town_a = np.array([u[0] or "" for u in units_a], dtype=object)
    moved = farm_b[pi] & farm_a[pj] & (town_b[pi] != town_a[pj])
    ok = np.array([geoms_b[i] is not None and geoms_a[j] is not None for i, j in zip(pi, pj)],
                  dtype=bool)
    take = (differ | moved) & ok
    pi, pj, differ = pi[take], pj[take], differ[take]
    found = intersect_pairs(geoms_b, geoms_a, pi, pj)
    k = np.asarray([k for k, _ in found], dtype=np.int64)
    return _Pieces(wkb=[w for _, w in found], rows_b=changed_b[pi[k]], rows_a=changed_a[pj[k]],
                   change=differ[k],
                   units_b=dict(zip(changed_b.tolist(), units_b)),
                   units_a=dict(zip(changed_a.tolist(), units_a)))


def _located(locate, geoms, wanted):
    units = [(None, None)] * len(geoms)
    rows = np.flatnonzero(wanted)
    found = locate.units_of_points(*points_inside([geoms[k] for k in rows]))
    for k, u in zip(rows, found):
        units[k] = u
    return units


def _write_result(path, crs, rows, pieces, change, notes, run_info):
    """changes (kept patches) and dropped (slivers) layers, transitions, notes, run_info."""
    order = sorted(range(len(rows)), key=lambda k: (rows[k]["zl_township"] or "",
                                                    rows[k]["zl_village"] or "",
                                                    rows[k]["change_id"]))
    sliver = pieces.sliver[change]
    kept = [k for k in order if not sliver[k]]
    dropped = [k for k in order if sliver[k]]
    wkb = [pieces.wkb[k] for k in change]
    wkt = crs.to_wkt()
    with atomic_geopackage(path) as gpkg:
        gpkg.write_layer("changes", wkt, CHANGE_FIELDS, [rows[k] for k in kept],
                         [wkb[k] for k in kept])
        gpkg.write_layer("dropped", wkt, DROPPED_FIELDS, [rows[k] for k in dropped],
                         [wkb[k] for k in dropped])
        gpkg.write_default_style("changes", [(f, a) for f, _, a in CHANGE_FIELDS])
        gpkg.write_default_style("dropped", [(f, a) for f, _, a in DROPPED_FIELDS])
        gpkg.write_table("transitions", TRANSITION_COLUMNS, _transitions([rows[k] for k in kept]))
        gpkg.write_table("notes", ["layer", "feature", "message"],
                         [(n.layer, n.feature, n.message) for n in notes])
        gpkg.write_table("run_info", ["key", "value"], run_info)


class _Clock:
    def __init__(self):
        self.laps = {}
        self._t = datetime.datetime.now()

    def lap(self, name):
        now = datetime.datetime.now()
        self.laps[name] = self.laps.get(name, 0.0) + (now - self._t).total_seconds()
        self._t = now


# --------------------------------------------------------------------------------------------
# Reading
# --------------------------------------------------------------------------------------------

def layer_spec(text, role):
    """A LayerSpec from ``path``, ``path:layer`` or ``path|layername=layer`` (QGIS's form).

    A Windows drive letter (``D:\\data.gpkg``) is not taken for a layer separator.
    """
    from ..job import LayerSpec
    text = str(text).strip()
    if "|" in text:
        path, _, rest = text.partition("|")
        options = dict(p.split("=", 1) for p in rest.split("|") if "=" in p)
        return LayerSpec(role=role, path=os.path.abspath(path), layer=options.get("layername"))
    head, sep, tail = text.rpartition(":")
    if sep and head and not os.path.exists(text) and len(head) > 1 and "/" not in tail \
            and "\\" not in tail:
        return LayerSpec(role=role, path=os.path.abspath(head), layer=tail)
    return LayerSpec(role=role, path=os.path.abspath(text))


def _read(spec, options, notes):
    """(VectorLayer with single-part MultiPolygons unwrapped, envelopes, bounds, year label);
    checks the fields and the coordinates."""
    ds, lyr, _, _ = open_layer(spec)
    defn = lyr.GetLayerDefn()
    names = {defn.GetFieldDefn(i).GetName() for i in range(defn.GetFieldCount())}
    year = _year_label(spec, ds, lyr, names)
    del lyr, ds
    if options.class_field not in names:
        raise InputError(f"缺少地类字段 '{options.class_field}'；图层中的字段: {sorted(names)}",
                         layer=spec.label, field=options.class_field)
    if options.czcs_field and options.czcs_field not in names:
        raise InputError(f"缺少城镇村属性码字段 '{options.czcs_field}'", layer=spec.label,
                         field=options.czcs_field)
    wanted = [options.class_field]
    for f in (options.czcs_field, options.location_field, options.id_field):
        if f and f in names and f not in wanted:
            wanted.append(f)
    if options.admin is None and options.location_field not in names:
        notes.append(Note(spec.label, "-", f"无坐落单位代码字段 {options.location_field}，也未指定"
                          "行政区图层: 变化图斑不归属乡镇村，平衡表只有全县合计"))
    layer, layer_notes = read_layer(spec, fields=wanted)
    notes.extend(layer_notes)
    if len(layer) == 0:
        raise InputError("图层为空 (或 where 过滤后没有要素)", layer=spec.label)
    # Survey layers are MultiPolygon-typed; nearly every parcel is one polygon, which the WKB
    # array readers take on their fast path (and which compares equal however it was written).
    layer.wkb = _object_array([polygon_key(w) if w is not None else None for w in layer.wkb])
    envelopes = wkb_envelopes(layer.wkb)
    ok = ~np.isnan(envelopes).any(axis=1)
    if not ok.any():
        raise InputError("图层没有任何有效几何", layer=spec.label)
    e = envelopes[ok]
    bounds = (e[:, 0].min(), e[:, 1].min(), e[:, 2].max(), e[:, 3].max())
    check_coordinates(layer.crs, bounds, spec.label)
    return layer, envelopes, bounds, year


def _object_array(items):
    out = np.empty(len(items), dtype=object)
    out[:] = items
    return out


def _year(spec, layer, envelopes, bounds, year, crs, options, table, keys, notes):
    """The layer in the working CRS with class keys and location units."""
    wkb = layer.wkb
    if layer.crs != crs:
        wkb = transform_wkbs(wkb, layer.crs, crs)
        notes.append(Note(spec.label, "-", f"由 {layer.crs.name} 转换到工作坐标系 {crs.name}"))
        envelopes = wkb_envelopes(wkb)
    id_field = options.id_field if options.id_field in layer.columns else None
    classes = _classes(layer.columns[options.class_field],
                       lambda k: layer.ids(id_field)[k], spec, options.class_field, table)
    if options.czcs_field:
        czcs = _texts(layer.columns[options.czcs_field])
    else:
        czcs = [""] * len(layer)
    key = _class_keys(classes, czcs, keys)
    loc = layer.columns.get(options.location_field)
    units = [(None, None)] * len(layer)
    if loc is not None and options.admin is None:
        cache = {}
        units = [cache.get(v) or cache.setdefault(v, _units_of_code(v)) for v in loc]
        short = sum(1 for u in units if u[0] is None)
        if short:
            notes.append(Note(spec.label, "-", f"{short} 个图斑的 {options.location_field} 不足 9 位，"
                              "无法归属乡镇"))
    bsm = layer.columns[id_field] if id_field else [None] * len(layer)
    return _Year(spec=spec, wkb=wkb, envelopes=envelopes, classes=classes, czcs=czcs, keys=key,
                 units=units, raw_ids=bsm, count=len(layer), year=year)


def _classes(values, id_of, spec, field_name, table):
    """Normalised class codes; unknown or malformed codes stop the run (the first named by
    feature, all counted), never guessed. ``id_of(row)`` gives a feature's id for the message."""
    codes, uniques = _factorize(values)
    checked = [table.check(v) for v in uniques] + [table.check(None)]  # code -1: missing
    bad_codes = [k if k < len(uniques) else -1 for k, (_, problem) in enumerate(checked)
                 if problem is not None]
    bad = np.flatnonzero(np.isin(codes, bad_codes))
    if len(bad):
        v = values[bad[0]]
        more = f"；共 {len(bad)} 个图斑地类编码有误" if len(bad) > 1 else ""
        raise InputError(f"地类编码 {v!r}: {table.check(v)[1]}{more}", layer=spec.label,
                         feature=id_of(int(bad[0])), field=field_name)
    normalised = np.array([c for c, _ in checked], dtype=object)
    return normalised[codes].tolist()


def _class_keys(classes, czcs, keys):
    """One integer per distinct (class, 城镇村属性码) pair; ``keys`` is shared by both years."""
    import pandas as pd
    combined = pd.Series(classes, dtype=object).str.cat(pd.Series(czcs, dtype=object), sep="|")
    codes, uniques = pd.factorize(combined)
    glob = np.array([keys.setdefault(u, len(keys)) for u in uniques], dtype=np.int64)
    return glob[codes] if len(codes) else np.zeros(0, dtype=np.int64)


def _factorize(values):
    """(integer code per value, distinct values); None and NaN get code -1. Keeps types (a
    code read as a number stays a number, for the class check to report)."""
    import pandas as pd
    codes, uniques = pd.factorize(pd.Series(values, dtype=object))
    return codes, list(uniques)


def _texts(values):
    """_text of every value, converting each distinct value once."""
    cache = {}
    out = []
    for v in values:
        t = cache.get(v)
        if t is None:
            t = cache[v] = _text(v)
        out.append(t)
    return out


def _text(v):
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    return str(v).strip()


def _units_of_code(value):
    """(township, village) from a 坐落单位代码: first 9 and first 12 digits."""
    code = _text(value)
    return (code[:9] if len(code) >= 9 else None, code[:12] if len(code) >= 12 else None)


def _year_label(spec, ds, lyr, names):
    """The survey year: the latest SJNF (数据年份) value, else four digits in the file or
    layer name, else None."""
    import re
    if "SJNF" in names:
        sql = f'SELECT MAX("SJNF") FROM "{lyr.GetName()}"'
        found = None
        try:
            result = ds.ExecuteSQL(sql)
            feat = result.GetNextFeature() if result is not None else None
            found = feat.GetField(0) if feat is not None else None
            ds.ReleaseResultSet(result)
        except RuntimeError:  # a driver without SQL MAX: fall back to the name
            found = None
        text = _text(found)
        if text.isdigit() and len(text) == 4:
            return f"{text}年"
    found = re.findall(r"(?<!\d)(19\d\d|20\d\d)(?!\d)", f"{spec.path} {spec.layer or ''}")
    return f"{found[-1]}年" if found else None


def _geoms(year, rows, notes):
    """Valid shapely geometries of the given rows (repaired and reported where needed)."""
    ids = [year.bsm(i) or f"FID {i}" for i in rows]
    geoms, geom_notes = parse_geometries([year.wkb[i] for i in rows], ids, year.spec.label)
    notes.extend(geom_notes)
    return geoms


# --------------------------------------------------------------------------------------------
# Matching and measuring
# --------------------------------------------------------------------------------------------

def _identical(before, after, notes):
    """Rows (before, after) of parcels that are the same in both years: same compared class
    and the same geometry bytes, or else (rewritten by another tool: ring start, orientation)
    the same vertex set to the millimetre and the same area.

    A geometry met twice in one year (a duplicate delivery) is left to the overlay.
    """
    repeated = set()
    pairs = _unique_matches(
        ((i, (w, k)) for i, (w, k) in enumerate(zip(before.wkb, before.keys.tolist()))
         if w is not None),
        ((j, (w, k)) for j, (w, k) in enumerate(zip(after.wkb, after.keys.tolist()))
         if w is not None), repeated)
    if repeated:
        notes.append(Note("两年图斑", "-", f"{len(repeated)} 组图斑在同一年度内几何与地类完全重复，"
                          "已按变化图斑叠加 (请检查重复要素)"))
    rest_b = np.setdiff1d(np.arange(before.count), [i for i, _ in pairs])
    rest_a = np.setdiff1d(np.arange(after.count), [j for _, j in pairs])
    rest_b = [i for i in rest_b.tolist() if before.wkb[i] is not None]
    rest_a = [j for j in rest_a.tolist() if after.wkb[j] is not None]
    if rest_b and rest_a:
        shapes = _unique_matches(zip(rest_b, _shape_keys(before, rest_b)),
                                 zip(rest_a, _shape_keys(after, rest_a)), set())
        if shapes:
            notes.append(Note("两年图斑", "-", f"{len(shapes)} 个图斑地类与形状未变、仅几何写法不同 "
                              "(起点、方向或多部件写法)，按未变图斑处理"))
            pairs += shapes
    if not pairs:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    arr = np.asarray(pairs, dtype=np.int64)
    return arr[:, 0], arr[:, 1]


def _unique_matches(left, right, repeated):
    """[(i, j)] of keys met exactly once on each side; keys met twice go into ``repeated``."""
    index = {}
    for i, key in left:
        if key in index:
            repeated.add(key)
        index[key] = i
    seen = {}
    for j, key in right:
        if key in seen:
            repeated.add(key)
        seen[key] = j
    return [(index[key], j) for key, j in seen.items() if key in index and key not in repeated]


def _shape_keys(year, rows):
    """(vertex-set digest, class key, area to the cm²) of the given rows."""
    wkbs = [year.wkb[r] for r in rows]
    digests = vertex_digests(wkbs, [""] * len(rows))
    areas = np.round(planar_areas(wkbs) * 100).astype(np.int64).tolist()
    return [(d, int(year.keys[r]), a) for d, r, a in zip(digests, rows, areas)]


def polygon_key(wkb):
    """WKB bytes with a single-part MultiPolygon unwrapped to its Polygon (the same parcel
    written by another tool as Polygon or MultiPolygon compares equal)."""
    wkb = bytes(wkb)
    if len(wkb) > 18 and wkb[0] == 1 and wkb[1:9] == b"\x06\x00\x00\x00\x01\x00\x00\x00" \
            and wkb[9] == 1:
        return wkb[9:]
    return wkb


def planar_perimeters(wkbs):
    """Planar perimeter (all rings) of each (Multi)Polygon WKB in its own units."""
    out = np.zeros(len(wkbs))
    runs = Runs(wkbs)
    if len(runs.npts) == 0:
        return out
    x, y = runs.coordinates()
    seg = np.hypot(np.diff(x), np.diff(y))
    ends = np.cumsum(runs.npts)
    seg = np.append(seg, 0.0)
    seg[ends - 1] = 0.0  # no segment joins one ring's last point to the next ring's first
    starts = ends - runs.npts
    np.add.at(out, runs.owner, np.add.reduceat(seg, starts))
    return out


def stable_ids(wkbs, before_keys, after_keys):
    """An id per piece from its classes and its vertex set rounded to the millimetre.

    The same inputs give the same ids on every run and on any GEOS: the vertex *set* does not
    depend on ring start, orientation or part order. Format: ``BG`` + 12 hex digits.
    """
    digests = vertex_digests(wkbs, [f"{b}>{a}#" for b, a in zip(before_keys, after_keys)])
    ids, seen = [], Counter()
    for d in digests:
        pid = "BG" + d[:12].upper()
        seen[pid] += 1
        ids.append(pid if seen[pid] == 1 else f"{pid}-{seen[pid]}")
    return ids


def vertex_digests(wkbs, prefixes):
    """SHA-1 (hex) of each prefix followed by its geometry's distinct vertices, rounded to the
    millimetre and sorted."""
    n = len(wkbs)
    if n == 0:
        return []
    runs = Runs(wkbs)
    x, y = runs.coordinates()
    owner = np.repeat(runs.owner, runs.npts)
    qx = np.round(x * 1000).astype(np.int64)
    qy = np.round(y * 1000).astype(np.int64)
    order = np.lexsort((qy, qx, owner))
    owner, qx, qy = owner[order], qx[order], qy[order]
    fresh = np.ones(len(owner), dtype=bool)
    fresh[1:] = (owner[1:] != owner[:-1]) | (qx[1:] != qx[:-1]) | (qy[1:] != qy[:-1])
    owner, pts = owner[fresh], np.column_stack([qx[fresh], qy[fresh]])
    bounds = np.searchsorted(owner, np.arange(n + 1))
    out = []
    for k in range(n):
        h = hashlib.sha1(prefixes[k].encode())
        h.update(pts[bounds[k]:bounds[k + 1]].tobytes())
        out.append(h.hexdigest())
    return out


def _change_rows(before, after, pieces, change, units, table, min_area):
    """Attribute rows of the change pieces (sliver measures on every row; reason where
    dropped)."""
    rows_b, rows_a = pieces.rows_b[change], pieces.rows_a[change]
    ids = stable_ids([pieces.wkb[k] for k in change],
                     [before.classes[i] + "|" + before.czcs[i] for i in rows_b],
                     [after.classes[j] + "|" + after.czcs[j] for j in rows_a])
    rows = []
    for n, (k, i, j) in enumerate(zip(change.tolist(), rows_b.tolist(), rows_a.tolist())):
        fc, tc = before.classes[i], after.classes[j]
        flow, group = balance.farmland_flow(fc, tc, table)
        m2 = float(pieces.m2[k])
        row = {"change_id": ids[n], "from_class": fc, "from_name": table.name(fc),
               "to_class": tc, "to_name": table.name(tc),
               "from_czcs": before.czcs[i] or None, "to_czcs": after.czcs[j] or None,
               "change_type": _change_type(fc, tc, before.czcs[i], after.czcs[j], table),
               "farmland_flow": flow, "flow_group": group,
               "change_m2": round(m2, 4), "change_mu": round(m2 * MU_PER_M2, 6),
               "planar_m2": round(float(pieces.planar[k]), 4),
               "zl_township": units[n][0], "zl_village": units[n][1],
               "from_bsm": before.bsm(i), "to_bsm": after.bsm(j),
               "mean_width_m": round(float(pieces.width[k]), 4),
               "compactness": round(float(pieces.compact[k]), 6)}
        if pieces.sliver[k]:
            row["reason"] = (f"面积 {m2:.3f} 平方米，小于 {min_area:g} 平方米" if pieces.small[k] else
                             f"细长碎片: 平均宽度 {pieces.width[k]:.3f} 米，紧凑度 {pieces.compact[k]:.4f}")
        rows.append(row)
    return rows


def _change_type(fc, tc, fz, tz, table):
    if fc == tc:
        return f"城镇村属性码 {fz or '空'}→{tz or '空'}"
    a, b = table.lookup(fc).top_name, table.lookup(tc).top_name
    return f"{a}→{b}" if a != b else f"{a}内部 ({table.name(fc)}→{table.name(tc)})"


def _transitions(rows):
    totals = {}
    for r in rows:
        key = (r["from_class"], r["from_name"], r["to_class"], r["to_name"])
        n, a = totals.get(key, (0, 0.0))
        totals[key] = (n + 1, a + r["change_m2"])
    return [(*key, n, f"{a:.4f}", f"{a * MU_PER_M2:.4f}")
            for key, (n, a) in sorted(totals.items(), key=lambda t: -t[1][1])]


# --------------------------------------------------------------------------------------------
# Townships and villages
# --------------------------------------------------------------------------------------------

class _AdminLocator:
    """(township, village) of points, from an admin layer's polygons."""

    def __init__(self, spec, crs, notes):
        from shapely.prepared import prep
        self.tf = spec.extra.get("township_field")
        self.vf = spec.extra.get("village_field")
        if not self.tf and not self.vf:
            raise InputError("行政区图层需指明乡镇字段或村字段", layer=spec.label,
                             field="township_field")
        layer, layer_notes = read_layer(spec, fields=[f for f in (self.tf, self.vf) if f])
        notes.extend(layer_notes)
        if len(layer) == 0:
            raise InputError("行政区图层为空", layer=spec.label)
        check_coordinates(layer.crs, layer.bounds(), spec.label)
        wkb = transform_wkbs(layer.wkb, layer.crs, crs) if layer.crs != crs else layer.wkb
        geoms, geom_notes = parse_geometries(wkb, [f"FID {f}" for f in layer.fids], spec.label)
        notes.extend(geom_notes)
        self.label = spec.label
        self.notes = notes
        self.units = [(_text(layer.columns[self.tf][k]) or None if self.tf else None,
                       _text(layer.columns[self.vf][k]) or None if self.vf else None)
                      for k in range(len(layer))]
        self.prepared = [prep(g) if g is not None else None for g in geoms]
        self.envelopes = wkb_envelopes([g.wkb if g is not None else None for g in geoms])

    def units_of_points(self, xs, ys):
        from shapely.geometry import Point
        n = len(xs)
        out = [(None, None)] * n
        boxes = np.column_stack([xs, ys, xs, ys])
        pi, aj = bbox_join(boxes, self.envelopes)
        order = np.lexsort((aj, pi))
        missing = 0
        done = np.zeros(n, dtype=bool)
        for i, j in zip(pi[order].tolist(), aj[order].tolist()):
            if done[i] or self.prepared[j] is None:
                continue
            if self.prepared[j].intersects(Point(xs[i], ys[i])):
                out[i] = self.units[j]
                done[i] = True
        missing = int((~done & ~np.isnan(xs)).sum())
        if missing:
            self.notes.append(Note(self.label, "-", f"{missing} 个图斑不在任何行政区范围内，乡镇村为空"))
        return out

    def units_of_wkb(self, wkbs):
        import shapely.wkb
        geoms = [shapely.wkb.loads(bytes(w)) if w is not None else None for w in wkbs]
        return self.units_of_points(*points_inside(geoms))


# --------------------------------------------------------------------------------------------
# Farmland accounting
# --------------------------------------------------------------------------------------------

@dataclass
class _FarmlandParts:
    """Every piece of farmland the balance adds up, as WKB with townships.

    ``shared``: parcels identical in both years (start and end townships may differ);
    ``start_only``/``end_only``: changed farmland parcels of one year; ``lost``/``gained``:
    change pieces leaving or entering farmland (with group and sliver flag); ``moved``: pieces
    farmland in both years whose township differs.
    """

    shared: tuple
    start_only: tuple
    end_only: tuple
    lost: tuple
    gained: tuple
    moved: tuple


def _farmland_parts(before, after, pair_b, pair_a, pieces, farm, locate, table):
    unchanged = [(i, j) for i, j in zip(pair_b.tolist(), pair_a.tolist()) if farm[before.classes[i]]]
    shared_wkb = [before.wkb[i] for i, _ in unchanged]
    if locate is not None:
        u_start = u_end = locate.units_of_wkb(shared_wkb)
    else:
        u_start = [before.units[i] for i, _ in unchanged]
        u_end = [after.units[j] for _, j in unchanged]
    sides = []
    for year, units in ((before, pieces.units_b), (after, pieces.units_a)):
        rows = [r for r in units if farm[year.classes[r]]]
        sides.append(([year.wkb[r] for r in rows], [units[r] for r in rows]))
    flows = {"lost": ([], [], [], []), "gained": ([], [], [], []), "moved": ([], [], [])}
    for k, (i, j) in enumerate(zip(pieces.rows_b.tolist(), pieces.rows_a.tolist())):
        fb, fa = farm[before.classes[i]], farm[after.classes[j]]
        if fb != fa:
            key, unit, other = ("lost", pieces.units_b[i], after.classes[j]) if fb else \
                ("gained", pieces.units_a[j], before.classes[i])
            for part, value in zip(flows[key], (pieces.wkb[k], unit,
                                                balance.flow_group(other, table),
                                                bool(pieces.sliver[k]))):
                part.append(value)
        elif fb and (pieces.units_b[i][0] or "") != (pieces.units_a[j][0] or ""):
            for part, value in zip(flows["moved"], (pieces.wkb[k], pieces.units_b[i],
                                                    pieces.units_a[j])):
                part.append(value)
    return _FarmlandParts(shared=(shared_wkb, u_start, u_end), start_only=sides[0],
                          end_only=sides[1], lost=flows["lost"], gained=flows["gained"],
                          moved=flows["moved"])


def _account(parts, measure_start, measure_end):
    """A FarmlandAccount of the parts, each measured by a function of a WKB list (m² each):
    ``measure_start`` for what counts in the before year, ``measure_end`` for the after year.
    Each function is called once, on everything it measures."""
    start_lists = [parts.shared[0], parts.start_only[0], parts.lost[0], parts.moved[0]]
    end_lists = [parts.shared[0], parts.end_only[0], parts.gained[0], parts.moved[0]]
    if measure_end == measure_start:
        shared, start_only, lost, moved, end_only, gained = _measured(
            measure_start, start_lists + end_lists[1:3])
        shared_end, moved_end = shared, moved
    else:
        shared, start_only, lost, moved = _measured(measure_start, start_lists)
        shared_end, end_only, gained, moved_end = _measured(measure_end, end_lists)
    account = balance.FarmlandAccount()
    _, u_start, u_end = parts.shared
    account.add_stock("start", u_start, shared)
    account.add_stock("end", u_end, shared_end)
    account.add_stock("start", parts.start_only[1], start_only)
    account.add_stock("end", parts.end_only[1], end_only)
    for direction, areas in (("lost", lost), ("gained", gained)):
        _, units, groups, slivers = getattr(parts, direction)
        for unit, group, sliver, m2 in zip(units, groups, slivers, areas):
            account.add_flow(direction, unit, group, m2, sliver)
    for a, b, m2s, m2e in zip(u_start, u_end, shared, shared_end):
        if (a[0] or "") != (b[0] or ""):
            account.add_move(a, b, m2s, m2e)
    for a, b, m2s, m2e in zip(parts.moved[1], parts.moved[2], moved, moved_end):
        account.add_move(a, b, m2s, m2e)
    return account


def _measured(measure, lists):
    """measure() of all lists in one call, split back per list."""
    areas = measure([w for part in lists for w in part])
    bounds = np.cumsum([0] + [len(part) for part in lists])
    return [areas[a:b] for a, b in zip(bounds[:-1], bounds[1:])]


def _farmland_account(before, after, pair_b, pair_a, pieces, farm, ellipsoid, locate, table,
                      notes):
    """Farmland stocks (from whole parcels) and flows (from the pieces) per township.

    Stocks and flows are measured independently, so start + gained − lost + moved = end checks
    the overlay; a remaining gap (area one year's parcels do not cover in the other, overlapping
    parcels) is reported, never hidden. Lost farmland counts where it was (the before parcel's
    township), gained farmland where it is (the after parcel's). Returns (account, parts).
    """
    parts = _farmland_parts(before, after, pair_b, pair_a, pieces, farm, locate, table)
    account = _account(parts, ellipsoid.areas, ellipsoid.areas)
    for unit, gap in account.gaps().items():
        if abs(gap) >= balance.GAP_TOLERANCE_M2:
            notes.append(Note("耕地进出平衡", unit, f"期初 + 增加 − 减少 + 跨乡镇调整 与期末相差 "
                              f"{gap:.2f} 平方米: 两年图层范围不一致或图斑重叠"))
    return account, parts


def _protected_accounts(parts, options, crs, notes, steps):
    """{key: FarmlandAccount} of the farmland inside each protected layer (永久基本农田,
    生态保护红线): the before year measured against the first layer given, the after year
    against the second (or the same one)."""
    out = {}
    for key, specs in options.protected.items():
        steps.report(0.72, f"叠加{balance.PROTECTED[key]}")
        layers = [_protected_layer(s, crs, notes) for s in specs[:2]]
        inside = [_InsideArea(layer, crs) for layer in layers]
        start = inside[0]
        end = inside[1] if len(inside) > 1 else start
        out[key] = _account(parts, start, end)
    return out


def _protected_layer(spec, crs, notes):
    layer, layer_notes = read_layer(spec)
    notes.extend(layer_notes)
    if len(layer) == 0:
        notes.append(Note(spec.label, "-", "图层为空，按无保护范围计"))
    else:
        check_coordinates(layer.crs, layer.bounds(), spec.label)
    return layer


class _InsideArea:
    """Ellipsoidal m² of each WKB inside the union of a layer's features (the engine's
    overlay: overlapping features never count twice)."""

    def __init__(self, layer, crs):
        self.layer, self.crs = layer, crs

    def __call__(self, wkbs):
        from ..overlay.chunked import UNION, PatchSet, PendingOverlay, default_workers, worker_pool
        out = np.zeros(len(wkbs))
        if not len(wkbs) or not len(self.layer):
            return out
        wkbs = [bytes(w) for w in wkbs]
        patches = PatchSet(ids=[str(k) for k in range(len(wkbs))], geoms=[None] * len(wkbs),
                           envelopes=wkb_envelopes(wkbs), wkb=wkbs)
        workers = default_workers()
        pool = worker_pool(workers) if len(wkbs) >= PARALLEL_MIN_PARCELS else None
        try:
            results, _ = PendingOverlay(patches, self.layer, self.crs, UNION, pool=pool,
                                        workers=workers).collect()
        finally:
            if pool is not None:
                pool.shutdown(wait=True, cancel_futures=True)
        for k, v in enumerate(results):
            if v is not None:
                out[k] = v[1]
        return out


def _crs_label(crs):
    epsg = crs.to_epsg()
    return f"EPSG:{epsg} {crs.name}" if epsg else crs.name


def _run_info(before_spec, after_spec, options, result, started):
    info = [("engine_version", ENGINE_VERSION), ("command", "derive-changes"),
            ("started", started.isoformat(timespec="seconds")),
            ("working_crs", result.working_crs),
            ("class_field", options.class_field), ("czcs_field", options.czcs_field or ""),
            ("location_field", options.location_field if options.admin is None else ""),
            ("admin", options.admin.path if options.admin is not None else ""),
            ("min_area_m2", options.min_area_m2), ("sliver_ratio", options.sliver_ratio),
            ("sliver_width_m", options.sliver_width_m),
            ("parcels_before", result.parcels[0]), ("parcels_after", result.parcels[1]),
            ("unchanged_parcels", result.unchanged), ("changes", result.change_count),
            ("changes_m2", f"{result.change_m2:.4f}"), ("dropped", result.dropped_count),
            ("dropped_m2", f"{result.dropped_m2:.4f}"),
            ("analyse_patches", ANALYSE_PATCHES % result.result_path)]
    for role, spec in (("before", before_spec), ("after", after_spec)):
        info.append((f"input.{role}.path", spec.path))
        if spec.layer:
            info.append((f"input.{role}.layer", spec.layer))
    return info
