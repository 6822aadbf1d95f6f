"""Bringing a verification GeoPackage edited in the field back into the result.

The edited layer's attribute table is handed to the ledger's own check (``check_rows``) as if
it were the ledger's detail sheet: the mobile layer's fields carry the ledger's headers, so the
same rules apply (keyed by 图斑编号, read-only columns unchanged, values from the allowed lists,
dates that are dates) and the same writer stores the verifier's columns (核查结果, 现场现状,
现场照片编号, 核查人, 核查日期, 备注) in the result. A photo QField attached (现场照片) is
added to 现场照片编号 by its path inside the pack; the pack's own fields (chips, repair note,
recorded position) are no ledger columns and stay in the field data.
"""

import datetime
import os

from osgeo import ogr

from ..rules.classes import load_class_table
from ..errors import InputError
from ..io.encodings import gdal_reason
from ..io.sql_text import sql_identifier
from .mobile import MOBILE_NAME, PACK_FIELDS, PHOTO_FIELD, RECORDED_FIELDS, VERIFICATION_FIELDS
from ..ledger.imports import ImportReport, apply_import
from ..ledger.columns import BY_KEY, COLUMNS
from ..ledger.checks import check_rows
from ..ledger.result_access import read_result
from ..ledger.table import build_rows
from ..ledger.sheet_data import sheet_data

ogr.UseExceptions()


def read_verification(gpkg_path: str):
    """The mobile layer as the ledger check reads a sheet: ({header: index}, [(row, {field:
    value})]); rows numbered from 2 like a sheet under its header row. The headers are the
    ledger's columns only; each record holds every field, the photo added to 现场照片编号."""
    if not os.path.isfile(gpkg_path):
        raise InputError("外业核查数据不存在", layer=gpkg_path)
    try:
        ds = ogr.Open(gpkg_path)
    except RuntimeError as e:
        raise InputError(f"无法打开 ({gdal_reason(e)})", layer=gpkg_path) from e
    layer = ds.GetLayerByName(MOBILE_NAME) if ds is not None else None
    if layer is None:
        raise InputError(f"没有图层 {MOBILE_NAME}，不是外业核查数据", layer=gpkg_path)
    defn = layer.GetLayerDefn()
    names = [defn.GetFieldDefn(i).GetName() for i in range(defn.GetFieldCount())]
    own = {"序号", *PACK_FIELDS, *RECORDED_FIELDS}
    headers = {name: k for k, name in enumerate(names) if name not in own}
    dates = [name for name in names
             if defn.GetFieldDefn(defn.GetFieldIndex(name)).GetType() == ogr.OFTDate]
    raw = _raw_text(ds, dates)
    records = []
    for number, feature in enumerate(sorted(layer, key=lambda f: f.GetFID()), start=2):
        record = {name: _value(feature, name) for name in names}
        for name in dates:
            if record[name] is None:  # OGR reads a date it cannot parse as null: keep the text
                record[name] = raw.get((feature.GetFID(), name))
        _add_photo(record)
        records.append((number, record))
    return headers, records


def _add_photo(record):
    """The attached photo's path joined to the photo numbers typed in (、 between), once."""
    photo_ids = BY_KEY["photo_ids"].header
    photo, typed = record.get(PHOTO_FIELD), record.get(photo_ids)
    if photo and photo not in (typed or "").split("、"):
        record[photo_ids] = f"{typed}、{photo}" if typed else photo


def _raw_text(ds, fields):
    """{(fid, field): stored text} of date fields, as SQLite holds them (a field app may have
    written text that is no date)."""
    out = {}
    for name in fields:
        quoted = sql_identifier(name)
        sql = ds.ExecuteSQL(f"SELECT fid, CAST({quoted} AS TEXT) AS raw "
                            f"FROM {sql_identifier(MOBILE_NAME)} WHERE {quoted} IS NOT NULL")
        try:
            for feature in sql:
                out[(feature.GetFID(), name)] = feature.GetField("raw")  # fid: GDAL's FID
        finally:
            ds.ReleaseResultSet(sql)
    return out


def _value(feature, name):
    if not feature.IsFieldSetAndNotNull(name):
        return None
    if feature.GetFieldDefnRef(name).GetType() == ogr.OFTDate:
        y, m, d = feature.GetFieldAsDateTime(name)[:3]
        try:
            return datetime.date(y, m, d).isoformat()
        except ValueError:  # a day that does not exist: the stored text goes to the check
            return None
    return feature.GetField(name)


def check_verification(gpkg_path: str, result_path: str):
    """(LedgerCheck, ResultData): what importing the edited GeoPackage would change."""
    headers, records = read_verification(gpkg_path)
    result = read_result(result_path)
    rows = build_rows(result, load_class_table())
    carried = [BY_KEY[key] for _, _, key in VERIFICATION_FIELDS]
    sheet = sheet_data(list(headers), records, list(COLUMNS))
    return check_rows(sheet, rows, result, carried), result


def import_verification(gpkg_path: str, result_path: str, force: bool = False,
                        progress=None, cancelled=None) -> ImportReport:
    """Write the verifier's columns of an edited verification GeoPackage into the result, with the
    ledger import's checks and report; nothing is written on errors unless ``force``."""
    return apply_import(gpkg_path, result_path, check_verification, "读取外业核查数据", force,
                        progress, cancelled)
