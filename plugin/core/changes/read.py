"""Reading the two survey years: each layer checked, reprojected to the working CRS, its class
codes normalised and its parcels placed in their township and village."""

import os
from dataclasses import dataclass
from typing import List, Optional

import numpy as np

from ..errors import InputError, Note
from ..io.crs import check_coordinates, working_crs
from ..io.geometry import parse_geometries
from ..io.layers import open_layer, read_layer
from ..io.sql_text import sql_identifier
from ..io.wkb_arrays import envelopes as wkb_envelopes
from ..io.wkb_transform import transform_wkbs
from ..parcels.attributes import ParcelFields, net_areas, net_shares
from ..rules.class_names import codes_if_names
from .match import polygon_key


@dataclass
class SurveyYear:
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
    # Net area (扣除田坎等): per parcel the share of its area counted net and its own net area
    # (TBDLMJ, NaN where it has none); None where the layer carries no net basis.
    net_share: Optional[np.ndarray] = None
    net_stock: Optional[np.ndarray] = None

    def bsm(self, row):
        """The parcel's id (标识码) as text, or None."""
        return as_text(self.raw_ids[row]) or None


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


def read_years(before_spec, after_spec, options, table, steps, notes):
    """Both years in one working CRS (the before year's zone unless ``options.crs``)."""
    steps.report(0.0, "读取前一年度图斑")
    raw_before = read_year_layer(before_spec, options, notes)
    steps.report(0.1, "读取本年度图斑")
    raw_after = read_year_layer(after_spec, options, notes)
    crs = working_crs(options.crs, raw_before[0].crs, raw_before[2])
    keys = {}
    before = survey_year(before_spec, *raw_before, crs, options, table, keys, notes)
    after = survey_year(after_spec, *raw_after, crs, options, table, keys, notes)
    if raw_before[0].crs != raw_after[0].crs:
        notes.append(Note("两年图斑", "-", "两年图层坐标系不同: 未变图斑无法按字节比对，全部参与叠加 (较慢)"))
    return before, after, crs


def read_year_layer(spec, options, notes):
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
    net_basis = ParcelFields.detect(names)
    for f in (options.czcs_field, options.location_field, options.id_field,
              net_basis.get("coefficient"), *(net_basis.net_pair or ())):
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
    layer.wkb = object_array([polygon_key(w) if w is not None else None for w in layer.wkb])
    envelopes = wkb_envelopes(layer.wkb)
    ok = ~np.isnan(envelopes).any(axis=1)
    if not ok.any():
        raise InputError("图层没有任何有效几何", layer=spec.label)
    e = envelopes[ok]
    bounds = (e[:, 0].min(), e[:, 1].min(), e[:, 2].max(), e[:, 3].max())
    check_coordinates(layer.crs, bounds, spec.label)
    return layer, envelopes, bounds, year


def object_array(items):
    out = np.empty(len(items), dtype=object)
    out[:] = items
    return out


def survey_year(spec, layer, envelopes, bounds, year, crs, options, table, keys, notes):
    """The layer in the working CRS with class keys and location units."""
    wkb = layer.wkb
    if layer.crs != crs:
        wkb = transform_wkbs(wkb, layer.crs, crs)
        notes.append(Note(spec.label, "-", f"由 {layer.crs.name} 转换到工作坐标系 {crs.name}"))
        envelopes = wkb_envelopes(wkb)
    id_field = options.id_field if options.id_field in layer.columns else None
    values = codes_if_names(spec, options.class_field, layer.columns[options.class_field], table,
                            notes)
    classes = checked_classes(values, lambda k: layer.ids(id_field)[k], spec, options.class_field,
                              table)
    if options.czcs_field:
        czcs = texts(layer.columns[options.czcs_field])
    else:
        czcs = [""] * len(layer)
    key = class_keys(classes, czcs, keys)
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
    fields = ParcelFields.detect(layer.columns)
    farm = [_is_farmland(c, table) for c in classes]
    shares, share_notes = net_shares(layer, fields, lambda k: year_id(layer, id_field, k),
                                     spec.label, rows=farm)
    notes.extend(share_notes)
    return SurveyYear(spec=spec, wkb=wkb, envelopes=envelopes, classes=classes, czcs=czcs, keys=key,
                      units=units, raw_ids=bsm, count=len(layer), year=year,
                      net_share=shares.share if shares is not None else None,
                      net_stock=net_areas(layer, fields) if shares is not None else None)


def year_id(layer, id_field, row):
    """A parcel's id (BSM) for a message, else its FID."""
    own = as_text(layer.columns[id_field][row]) if id_field else ""
    return own or f"FID {layer.fids[row]}"


def _is_farmland(code, table):
    return "farmland" in table.groups(code)


def checked_classes(values, id_of, spec, field_name, table):
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


def class_keys(classes, czcs, keys):
    """One integer per distinct (class, 城镇村属性码) pair; ``keys`` is shared by both years."""
    out = np.empty(len(classes), dtype=np.int64)
    for i, pair in enumerate(zip(classes, czcs)):
        out[i] = keys.setdefault(pair, len(keys))
    return out


def _factorize(values):
    """(integer code per value, distinct values); None and NaN get code -1. Keeps types (a
    code read as a number stays a number, for the class check to report)."""
    index = {}
    codes = np.empty(len(values), dtype=np.int64)
    for i, v in enumerate(values):
        if v is None or (isinstance(v, float) and v != v):
            codes[i] = -1
        else:
            codes[i] = index.setdefault(v, len(index))
    return codes, list(index)


def texts(values):
    """_text of every value, converting each distinct value once."""
    cache = {}
    out = []
    for v in values:
        t = cache.get(v)
        if t is None:
            t = cache[v] = as_text(v)
        out.append(t)
    return out


def as_text(v):
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    return str(v).strip()


def _units_of_code(value):
    """(township, village) from a 坐落单位代码: first 9 and first 12 digits."""
    code = as_text(value)
    return (code[:9] if len(code) >= 9 else None, code[:12] if len(code) >= 12 else None)


def _year_label(spec, ds, lyr, names):
    """The survey year: the latest SJNF (数据年份) value, else four digits in the file or
    layer name, else None."""
    import re
    if "SJNF" in names:
        sql = f'SELECT MAX("SJNF") FROM {sql_identifier(lyr.GetName())}'
        found = None
        try:
            result = ds.ExecuteSQL(sql)
            feat = result.GetNextFeature() if result is not None else None
            found = feat.GetField(0) if feat is not None else None
            ds.ReleaseResultSet(result)
        except RuntimeError:  # a driver without SQL MAX: fall back to the name
            found = None
        text = as_text(found)
        if text.isdigit() and len(text) == 4:
            return f"{text}年"
    found = re.findall(r"(?<!\d)(19\d\d|20\d\d)(?!\d)", f"{spec.path} {spec.layer or ''}")
    return f"{found[-1]}年" if found else None


def valid_geoms(year, rows, notes):
    """Valid shapely geometries of the given rows (repaired and reported where needed)."""
    ids = [year.bsm(i) or f"FID {i}" for i in rows]
    geoms, geom_notes = parse_geometries([year.wkb[i] for i in rows], ids, year.spec.label)
    notes.extend(geom_notes)
    return geoms
