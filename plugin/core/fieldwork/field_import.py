"""Bringing a verification GeoPackage edited in the field back into the result.

The edited layer's attribute table is handed to the ledger's own check (``check_rows``) as if
it were the ledger's detail sheet: the mobile layer's fields carry the ledger's headers, so the
same rules apply (keyed by 图斑编号, read-only columns unchanged, values from the allowed lists,
dates that are dates) and the same writer stores the verifier's columns (核查结果, 现场现状,
现场照片编号, 核查人, 核查日期, 备注) in the result.
"""

import datetime
import os

from osgeo import ogr

from ..rules.classes import load_class_table
from ..errors import InputError
from ..io.encodings import gdal_reason
from ..io.sql_text import sql_identifier
from .mobile import MOBILE_NAME, VERIFICATION_FIELDS
from ..ledger.imports import ImportReport, apply_import
from ..ledger.columns import BY_KEY, COLUMNS
from ..ledger.checks import check_rows
from ..ledger.result_access import read_result
from ..ledger.table import build_rows
from ..ledger.workbook_reader import sheet_data

ogr.UseExceptions()


def read_verification(gpkg_path: str):
    """The mobile layer as the ledger check reads a sheet: ({header: index}, [(row, {header:
    value})]); rows numbered from 2 like a sheet under its header row."""
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
    headers = {name: k for k, name in enumerate(names) if name != "序号"}
    dates = [name for name in headers
             if defn.GetFieldDefn(defn.GetFieldIndex(name)).GetType() == ogr.OFTDate]
    raw = _raw_text(ds, dates)
    records = []
    for number, feature in enumerate(sorted(layer, key=lambda f: f.GetFID()), start=2):
        record = {name: _value(feature, name) for name in headers}
        for name in dates:
            if record[name] is None:  # OGR reads a date it cannot parse as null: keep the text
                record[name] = raw.get((feature.GetFID(), name))
        records.append((number, record))
    return headers, records


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
