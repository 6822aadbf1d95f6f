"""Reading input layers (any format GDAL reads, in their own CRS) — never writing to them.

Large layers come through GDAL's Arrow stream (about 1 s for 300,000 parcels, against ~40 s
for per-feature reads); only the columns a job needs are read. Geometries stay WKB until the
engine knows which features touch a patch, and only those are parsed and repaired.
"""

import os
from dataclasses import dataclass, field
from typing import Dict, List, Optional

import numpy as np
from osgeo import gdal, ogr
from pyproj import CRS

from ..errors import InputError, Note
from .encodings import gdal_reason, shapefile_encoding
from .geometry import vet_wkbs
from .near import fids_near
from .sql_text import sql_identifier
from .wkb_arrays import envelopes as wkb_envelopes

gdal.UseExceptions()
ogr.UseExceptions()

# Read through GDAL's Arrow stream only where it gives what OGR's GetField gives. Not dates
# (GDAL 3.6 turns an invalid date into 1970/01/01 and shifts shapefile dates before 1900 by a
# day: a temporary-use term must never be read wrong), booleans (wrong in batches of more than
# one row on GDAL 3.6) or 32-bit reals (widened: 0.1 becomes 0.10000000149011612).
_ARROW_TYPES = {ogr.OFTString, ogr.OFTInteger, ogr.OFTInteger64, ogr.OFTReal}
_ARROW_SUBTYPES = {ogr.OFSTNone, ogr.OFSTInt16, ogr.OFSTJSON}
# Distinct texts a column keeps to share (class codes, villages: a few hundred); past it a
# column of unique values (parcel numbers) is decoded cell by cell
MEMO_TEXTS = 65_536
POLYGONAL = {ogr.wkbPolygon, ogr.wkbMultiPolygon, ogr.wkbCurvePolygon, ogr.wkbMultiSurface,
             ogr.wkbUnknown}


@dataclass
class VectorLayer:
    """What the engine needs of one input layer, in the layer's own CRS."""

    label: str
    crs: Optional[CRS]
    fids: np.ndarray
    wkb: np.ndarray
    columns: Dict[str, list] = field(default_factory=dict)
    field_defs: List[ogr.FieldDefn] = field(default_factory=list)
    encoding: Optional[str] = None
    source_count: int = 0
    partial: bool = False
    """Only the features near the patches were read (the layer's spatial index chose them)."""
    read_count: int = 0
    """Features read, before the ``where`` filter."""
    dropped: set = field(default_factory=set)
    """Rows whose geometry was left out at reading, each already named in a note."""
    _envelopes: Optional[np.ndarray] = field(default=None, repr=False)

    def __len__(self):
        return len(self.fids)

    def envelopes(self):
        """[minx, miny, maxx, maxy] per feature, read from the WKB (computed once)."""
        if self._envelopes is None:
            self._envelopes = wkb_envelopes(self.wkb)
        return self._envelopes

    def release_geometries(self):
        """Let go of the geometries once the overlay holds what it needs of them (a county's
        parcels are hundreds of megabytes); envelopes, ids and attributes stay."""
        self.envelopes()
        self.wkb = _Released(self.label)

    def bounds(self):
        env = self.envelopes()
        if len(env) == 0 or np.isnan(env).all():
            return None
        return (np.nanmin(env[:, 0]), np.nanmin(env[:, 1]),
                np.nanmax(env[:, 2]), np.nanmax(env[:, 3]))

    def ids(self, id_field):
        """Feature ids as text: the id field's value, or 'FID n' where the job names none."""
        if id_field:
            return [_id_text(v, f) for v, f in zip(self.columns[id_field], self.fids)]
        return [f"FID {f}" for f in self.fids]


class _Released:
    """A layer's geometries once released: reading them again is a defect of the engine, said
    as such (not a TypeError on None)."""

    def __init__(self, label):
        self.label = label

    def __getitem__(self, _):
        raise RuntimeError(f"{self.label}: 几何已在叠加后释放，不能再读取 (引擎缺陷)")

    def __iter__(self):
        return self.__getitem__(None)


def open_layer(spec):
    """Open the dataset and layer a spec names (read-only), with the right text encoding."""
    if not os.path.exists(spec.path):
        raise InputError(f"文件不存在: {spec.path}", layer=spec.label)
    notes = []
    encoding = shapefile_encoding(spec, notes)
    options = [f"ENCODING={encoding}"] if encoding else []
    try:
        ds = gdal.OpenEx(spec.path, gdal.OF_VECTOR | gdal.OF_READONLY, open_options=options)
    except RuntimeError as e:
        raise InputError(f"无法打开: {gdal_reason(e)}", layer=spec.label) from e
    if ds is None:
        raise InputError("GDAL 无法打开此文件 (格式不支持?)", layer=spec.label)
    lyr = _named_layer(ds, spec)
    if lyr is None:
        names = [ds.GetLayer(i).GetName() for i in range(ds.GetLayerCount())]
        if spec.layer:
            raise InputError(f"找不到图层 '{spec.layer}'，文件中的图层: {names}", layer=spec.label)
        raise InputError(f"文件含 {ds.GetLayerCount()} 个图层，请用 layer: 指明其一: {names}",
                         layer=spec.label)
    if ogr.GT_Flatten(lyr.GetGeomType()) not in POLYGONAL:
        raise InputError(f"应为面图层，而此图层是 {ogr.GeometryTypeToName(lyr.GetGeomType())}",
                         layer=spec.label)
    return ds, lyr, encoding, notes


def _named_layer(ds, spec):
    """The layer of ``ds`` the spec names, or its only layer where it names none; None where
    there is no such layer (or several and none named)."""
    if spec.layer:
        return ds.GetLayerByName(spec.layer)
    return ds.GetLayer(0) if ds.GetLayerCount() == 1 else None


#: ``feature_count`` of a layer that cannot be opened as its spec names it.
UNOPENABLE = -1
#: Drivers that keep a layer's feature count where opening and counting read no feature (a
#: GeoJSON's open alone parses the whole file: 1.2 s for a 45 MB layer).
_COUNT_KEEPERS = {"ESRI Shapefile", "GPKG", "SQLite", "OpenFileGDB", "FileGDB", "FlatGeobuf",
                  "MapInfo File"}


def feature_count(spec):
    """How many features the layer a spec names holds, before any filter, where its format
    keeps the count: an int; ``UNOPENABLE`` where no driver knows the file or the layer cannot
    be opened as the spec names it (``read_layer`` then says why); None where counting would
    mean reading the file (GeoJSON, CSV, KML). No text is read: no encoding is needed."""
    try:
        driver = gdal.IdentifyDriverEx(spec.path, gdal.OF_VECTOR)
    except RuntimeError:
        driver = None
    if driver is None:
        return UNOPENABLE
    if driver.ShortName not in _COUNT_KEEPERS:
        return None
    try:
        ds = gdal.OpenEx(spec.path, gdal.OF_VECTOR | gdal.OF_READONLY)
    except RuntimeError:
        return UNOPENABLE
    if ds is None:
        return UNOPENABLE
    try:
        lyr = _named_layer(ds, spec)
        return UNOPENABLE if lyr is None else lyr.GetFeatureCount()
    except RuntimeError:
        return UNOPENABLE
    finally:
        lyr = ds = None


def read_layer(spec, fields=None, all_fields=False, where_key=None, near=None):
    """Read a layer's geometries (WKB) and the named fields (or all of them).

    Returns (VectorLayer, notes). Applies the spec's ``where`` filter, comparing values as
    ``where_key(value)`` when given (e.g. land-class codes that lost a leading zero).
    ``near``: (boxes, their CRS): only features whose boxes may meet one of them need reading
    (the layer's spatial index decides, where it has one: ``VectorLayer.partial``).
    """
    ds, lyr, encoding, notes = open_layer(spec)
    defn = lyr.GetLayerDefn()
    names = [defn.GetFieldDefn(i).GetName() for i in range(defn.GetFieldCount())]
    wanted = list(names) if all_fields else []
    for f in list(fields or []) + list(spec.where):
        if f and f not in wanted:
            wanted.append(f)
    for f in wanted:
        if f not in names:
            raise InputError(f"缺少字段 '{f}'；图层中的字段: {names}", layer=spec.label, field=f)
    source_count = lyr.GetFeatureCount()
    srs = lyr.GetSpatialRef()
    crs = CRS.from_wkt(srs.ExportToWkt()) if srs is not None else None
    if spec.crs:
        if crs is not None and CRS.from_user_input(spec.crs) != crs:
            notes.append(Note(spec.label, "-", f"按任务文件指定的 {spec.crs} 读取 (图层自带 {crs.name})"))
        crs = CRS.from_user_input(spec.crs)
    only = fids_near(lyr, spec.path, near[0], near[1], crs) if near is not None else None
    if only is not None:
        fids, wkb, columns, broken = _read_fids(lyr, wanted, only)
    else:
        fids, wkb, columns, broken = read_columns(lyr, wanted)
    layer = VectorLayer(label=spec.label, crs=crs, fids=fids, wkb=wkb, columns=columns,
                        field_defs=[_copy_field(defn.GetFieldDefn(names.index(f))) for f in wanted],
                        encoding=encoding, source_count=source_count, partial=only is not None)
    layer.read_count = len(layer)
    if spec.where:
        layer = _filtered(layer, spec.where, where_key)
    del lyr, ds  # close the input now; nothing of it is kept
    ids = layer.ids(spec.id_field if spec.id_field in layer.columns else None)
    broken = set(broken)
    for k, fid in enumerate(layer.fids.tolist()):
        if fid in broken:
            notes.append(Note(spec.label, ids[k] or f"FID {fid}",
                              "几何数据损坏，GDAL 无法读取，已剔除", kind="drop"))
            layer.dropped.add(k)
    layer.wkb, layer._envelopes, vet_notes, vet_dropped = vet_wkbs(layer.wkb, ids, spec.label)
    layer.dropped |= vet_dropped
    return layer, notes + vet_notes


def read_columns(lyr, wanted, by_feature=False):
    """(fids, WKB per feature or None, {field: values}, fids whose geometry GDAL could not
    decode) of an open OGR layer, in fid order.

    Plain polygon layers come through GDAL's Arrow stream (undecodable WKB passes through as
    bytes, for :func:`vet_wkbs`); curved or untyped layers (and ``by_feature``) feature by
    feature, where geometries are linearised.
    """
    defn = lyr.GetLayerDefn()
    names = [defn.GetFieldDefn(i).GetName() for i in range(defn.GetFieldCount())]
    plain = ogr.GT_Flatten(lyr.GetGeomType()) in (ogr.wkbPolygon, ogr.wkbMultiPolygon)
    kinds = [defn.GetFieldDefn(names.index(f)) for f in wanted]
    simple = all(fd.GetType() in _ARROW_TYPES and fd.GetSubType() in _ARROW_SUBTYPES
                 for fd in kinds)
    if by_feature or not plain or not simple or not hasattr(lyr, "GetArrowStreamAsNumPy"):
        return _read_features(lyr, wanted)
    return _read_arrow(lyr, wanted, names)


def _read_fids(lyr, wanted, fids, batch=2000):
    """``read_columns`` of the features with the given fids, in batches of an id list."""
    parts = []
    column = sql_identifier(lyr.GetFIDColumn() or "fid")
    try:
        for start in range(0, len(fids), batch):
            ids = ",".join(str(int(f)) for f in fids[start:start + batch])
            lyr.SetAttributeFilter(f"{column} IN ({ids})")
            parts.append(read_columns(lyr, wanted))
    finally:
        lyr.SetAttributeFilter(None)
    if not parts:
        return np.zeros(0, dtype=np.int64), _object_array([]), {f: [] for f in wanted}, []
    return (np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts]),
            {f: [v for p in parts for v in p[2][f]] for f in wanted},
            [b for p in parts for b in p[3]])


def _copy_field(fd):
    """A field definition that outlives its dataset (GDAL's own dies with it)."""
    new = ogr.FieldDefn(fd.GetName(), fd.GetType())
    new.SetSubType(fd.GetSubType())
    new.SetWidth(fd.GetWidth())
    new.SetPrecision(fd.GetPrecision())
    return new


def _read_features(lyr, wanted):
    """Feature by feature, geometries linearised; a feature whose geometry GDAL cannot decode
    is kept with the geometry None and its fid listed, for a note (its attributes come from a
    second pass that skips geometries)."""
    fids, wkb, columns, broken = [], [], {f: [] for f in wanted}, []
    lyr.ResetReading()
    while True:
        try:
            feat = lyr.GetNextFeature()
        except RuntimeError:
            broken.append(len(fids))
            fids.append(None)
            wkb.append(None)
            for f in wanted:
                columns[f].append(None)
            continue
        if feat is None:
            break
        fids.append(feat.GetFID())
        wkb.append(_feature_wkb(feat.GetGeometryRef()))
        for f in wanted:
            columns[f].append(feat.GetField(f) if feat.IsFieldSetAndNotNull(f) else None)
    if broken:
        _attributes_of(lyr, wanted, broken, fids, columns)
    return np.asarray(fids, dtype=np.int64), _object_array(wkb), columns, \
        [fids[k] for k in broken]


def _feature_wkb(geom):
    if geom is None or geom.IsEmpty():
        return None
    if geom.GetGeometryType() not in (ogr.wkbPolygon, ogr.wkbMultiPolygon):
        geom = ogr.ForceToMultiPolygon(geom.GetLinearGeometry())
    return bytes(geom.ExportToIsoWkb())


def _attributes_of(lyr, wanted, rows, fids, columns):
    """Fids and attributes of the features at positions ``rows``, read without geometries."""
    lyr.SetIgnoredFields(["OGR_GEOMETRY"])
    try:
        lyr.ResetReading()
        for k, feat in enumerate(lyr):
            if k in rows:
                fids[k] = feat.GetFID()
                for f in wanted:
                    columns[f][k] = feat.GetField(f) if feat.IsFieldSetAndNotNull(f) else None
    finally:
        lyr.SetIgnoredFields([])


def _read_arrow(lyr, wanted, names):
    lyr.SetIgnoredFields([n for n in names if n not in wanted])
    geom_name = lyr.GetGeometryColumn() or "wkb_geometry"
    fids, wkb, columns = [], [], {f: [] for f in wanted}
    memos = {f: {} for f in wanted}
    stream = lyr.GetArrowStreamAsNumPy(options=["USE_MASKED_ARRAYS=YES"])
    for batch in stream:
        fid_key = next(k for k in (lyr.GetFIDColumn(), "OGC_FID", "fid", "FID") if k in batch)
        fids.append(np.asarray(batch[fid_key], dtype=np.int64))
        geoms = batch.get(geom_name)
        if geoms is None:
            geoms = next(v for k, v in batch.items() if k not in wanted and k != fid_key)
        # GDAL hands binary cells as numpy.void; everything downstream takes bytes. A null
        # geometry is a masked cell, never bytes.
        wkb.append(_arrow_blobs(geoms))
        for f in wanted:
            columns[f].extend(_arrow_values(batch[f], memos[f]))
    lyr.SetIgnoredFields([])
    if not fids:
        return np.zeros(0, dtype=np.int64), _object_array([]), columns, []
    return np.concatenate(fids), np.concatenate(wkb), columns, []


def _arrow_blobs(geoms):
    """WKB bytes (None for a null or empty cell) of an Arrow binary column, as numpy gives it:
    an object array of bytes, or fixed-size void cells when a batch holds one feature."""
    data = np.ma.getdata(geoms)
    if data.dtype == object:
        out = data.copy()
    else:
        out = _object_array([bytes(g) for g in data])
    if np.ma.isMaskedArray(geoms):
        out[np.ma.getmaskarray(geoms)] = None
    empty = [k for k, b in enumerate(out) if not b]
    out[empty] = None
    return out


def _arrow_values(arr, memo=None):
    """Python values of an Arrow column as numpy gives it (None where masked), column by column
    where the type allows: a county's ten survey fields are millions of cells.

    ``memo``: the column's texts decoded so far (kept across its batches): a repeated text
    (a class code, a village's name) is then one object, not one per parcel (3 million cells
    of a county's three baselines took 160 MB as texts of their own)."""
    mask = np.ma.getmaskarray(arr) if np.ma.isMaskedArray(arr) else None
    data = np.ma.getdata(arr)
    kind = data.dtype.kind
    if kind in "biuf":
        values = data.tolist()
    elif kind == "M":
        values = _date_texts(data)
    else:
        memo = {} if memo is None else memo
        get = memo.get
        # GDAL gives text as fixed-width bytes ('S'): tolist() makes them plain bytes
        cells = data.tolist() if kind == "S" else data
        values = [(text if (text := get(v)) is not None else _decoded(v, memo))
                  if v.__class__ is bytes else _arrow_cell(v) for v in cells]
    if mask is not None and mask.any():
        values = [None if m else v for v, m in zip(values, mask.tolist())]
    return values


def _decoded(blob, memo):
    text = blob.decode("utf-8", errors="replace")
    if len(memo) < MEMO_TEXTS:  # a column of unique texts (parcel numbers) stops being kept
        memo[blob] = text
    return text


def _arrow_cell(v):
    if isinstance(v, bytes):
        return v.decode("utf-8", errors="replace")
    if isinstance(v, np.datetime64):
        return _date_texts(np.array([v]))[0]
    if isinstance(v, np.generic):
        return v.item()
    return v


def _date_texts(dates):
    """Dates as OGR's GetField writes them (2023/05/01), None for NaT; any cell converts, even
    the undefined value under a masked one."""
    return [None if t == "NaT" else t.replace("-", "/")
            for t in np.datetime_as_string(dates, unit="D").tolist()]


def _object_array(items):
    out = np.empty(len(items), dtype=object)
    out[:] = items
    return out


def _filtered(layer, where, key=None):
    """The features whose value of every ``where`` field is one of its values (``X*``: starts
    with X), both sides compared as ``key(value)`` (default: their text)."""
    key = key or _text
    keep = np.ones(len(layer), dtype=bool)
    for f, values in where.items():
        texts = [v if isinstance(v, str) and v.endswith("*") else key(v) for v in values]
        exact = {v for v in texts if not v.endswith("*")}
        prefixes = tuple(v[:-1] for v in texts if v.endswith("*"))
        col = layer.columns[f]
        seen = {}
        for v in col:
            if v is not None and v not in seen:
                t = key(v)
                seen[v] = t in exact or (bool(prefixes) and t.startswith(prefixes))
        keep &= np.fromiter((v is not None and seen[v] for v in col), dtype=bool, count=len(col))
    rows = np.flatnonzero(keep)
    return VectorLayer(label=layer.label, crs=layer.crs, fids=layer.fids[rows], wkb=layer.wkb[rows],
                       columns={k: [v[i] for i in rows] for k, v in layer.columns.items()},
                       field_defs=layer.field_defs, encoding=layer.encoding,
                       source_count=layer.source_count, partial=layer.partial,
                       read_count=layer.read_count)


def _text(v):
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return v if isinstance(v, str) else str(v)


def _id_text(value, fid):
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()
