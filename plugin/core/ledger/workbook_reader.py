"""A ledger workbook read back: the detail sheet's columns, its rows and the notes it carries,
as analysts left them (Excel, WPS or LibreOffice), with every cell whose value cannot be
trusted (merged, an uncomputed formula, text longer than a cell may hold)."""

import dataclasses
from typing import Dict, List, Tuple

from openpyxl import load_workbook


from ..errors import InputError
from .cells import EXCEL_MAX_TEXT, text_from_cell
from .columns import BY_KEY, ID_KEY, SHEET_COLUMNS, SHEET_DETAIL, SHEET_NOTES, Column
from .sheet_data import CellProblem, SheetData
from .sheet_scan import scan_sheet
from .side_sheets import PATCH_TYPE_KEY, SIGNATURE_KEY, TEMPLATE_KEY
from .template import load_template
from .zones import zone_column

MAX_HEADER_ROW = 30  # the header lies within the first rows, under the title block


def read_detail_sheet(path: str) -> SheetData:
    """The detail sheet of a ledger. Values are as openpyxl reads them (text, numbers, dates;
    a formula's cached result), text decoded from ``_xHHHH_``; blank rows and the signature
    line are skipped. Raises InputError naming file, sheet, row and column when the sheet is
    no ledger."""
    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception as e:  # noqa: BLE001 - any failure to parse means "not a workbook"
        raise InputError(f"无法作为 Excel 工作簿 (.xlsx) 打开: {e}", layer=path) from e
    try:
        if SHEET_DETAIL not in wb.sheetnames:
            raise InputError(f"没有名为“{SHEET_DETAIL}”的工作表 (现有: {'、'.join(wb.sheetnames)})",
                             layer=path)
        expected, signature, patch_types = _column_table(wb, path)
        sheet = _read_rows(wb[SHEET_DETAIL], expected, signature, f"{path} 工作表 {SHEET_DETAIL}")
        sheet.patch_types = patch_types
        if SHEET_NOTES in wb.sheetnames:
            for values in wb[SHEET_NOTES].iter_rows(max_col=2, values_only=True):
                if values and len(values) == 2 and isinstance(values[0], str) and values[1] is not None:
                    sheet.notes[values[0]] = values[1]
    finally:
        wb.close()
    sheet.problems = _untrusted_cells(path, sheet) + sheet.problems
    return sheet


def _column_table(wb, path) -> Tuple[List[Column], str, Dict[str, str]]:
    """The ledger's columns as its hidden column table names them, its signature line and its
    patch-type names; a ledger without the table is read with the default template's."""
    if SHEET_COLUMNS not in wb.sheetnames:
        default = load_template()
        return list(default.columns), default.signature_text(), default.patch_types
    where = f"{path} 工作表 {SHEET_COLUMNS}"
    columns, signature, patch_types = [], "", {}
    for number, values in enumerate(wb[SHEET_COLUMNS].iter_rows(max_col=3, values_only=True), 1):
        key, header, extra = (tuple(values) + (None, None, None))[:3]
        if number == 1 or key in (None, TEMPLATE_KEY):
            continue
        if key == SIGNATURE_KEY:
            signature = str(header or "")
        elif key == PATCH_TYPE_KEY:
            patch_types[str(header)] = str(extra or "")
        else:
            column = BY_KEY.get(key) or zone_column(key)
            if column is None or not isinstance(header, str) or not header.strip():
                raise InputError(f"列定义有误: {key!r} → {header!r}", layer=where,
                                 feature=f"第 {number} 行")
            columns.append(dataclasses.replace(column, header=header.strip()))
    if ID_KEY not in {c.key for c in columns}:
        raise InputError("列定义中没有图斑编号列", layer=where, field=ID_KEY)
    return columns, signature, patch_types


def _read_rows(ws, expected, signature, where) -> SheetData:
    ws.reset_dimensions()
    id_header = next(c.header for c in expected if c.key == ID_KEY)
    rows = ws.iter_rows(values_only=True)
    header_row, header_values = _find_header(rows, id_header, where)
    headers: Dict[str, int] = {}
    for k, value in enumerate(header_values):
        if value is None or str(value).strip() == "":
            continue
        name = text_from_cell(str(value)).strip()
        if name in headers:
            raise InputError("表头重复", layer=where, feature=f"第 {header_row} 行", field=name)
        headers[name] = k
    by_header = {c.header: c for c in expected}
    columns = [by_header[h] for h in headers if h in by_header]
    sheet = SheetData(columns=columns, expected=list(expected), records=[], header_row=header_row,
                      unknown=[h for h in headers if h not in by_header])
    index = [(c, headers[c.header]) for c in columns]
    id_index = headers[id_header]
    for number, values in enumerate(rows, header_row + 1):
        if values is None or all(_blank(v) for v in values):
            continue
        if _blank(_cell(values, id_index)) and _is_signature(values, signature):
            continue
        record = {}
        for column, k in index:
            value = _decoded(_cell(values, k))
            if isinstance(value, str) and len(value) > EXCEL_MAX_TEXT:
                sheet.problems.append(CellProblem(
                    number, column.header, f"文本长 {len(value)} 字，超过 Excel 单元格上限 "
                    f"{EXCEL_MAX_TEXT} 字，下次导出时无法写出；请缩短", frozenset({(number, column.key)})))
            record[column.key] = value
        sheet.records.append((number, record))
    sheet.index = {c.key: k for c, k in index}
    return sheet


def _find_header(rows, id_header, where):
    """(row number, values) of the header row: the first row holding the id column's header."""
    for number, values in enumerate(rows, 1):
        if values and any(isinstance(v, str) and text_from_cell(v).strip() == id_header
                          for v in values):
            return number, values
        if number >= MAX_HEADER_ROW:
            break
    raise InputError(f"前 {MAX_HEADER_ROW} 行中找不到台账表头 (应有“{id_header}”列)", layer=where,
                     field=id_header)


def _untrusted_cells(path, sheet) -> List[CellProblem]:
    """Merged ranges and uncomputed formulas in the ledger's columns, from the header row on."""
    columns = {sheet.index[c.key] + 1: c for c in sheet.columns}
    out = []
    scan = scan_sheet(path, SHEET_DETAIL)
    for first_row, first_col, last_row, last_col, ref in scan.merged:
        hit = [columns[k] for k in range(first_col, last_col + 1) if k in columns]
        if last_row >= sheet.header_row and hit:
            rows = range(max(first_row, sheet.header_row), last_row + 1)
            out.append(CellProblem(
                rows[0], hit[0].header, f"合并单元格 {ref}：合并后只有左上角的单元格保留内容，其余"
                "单元格会读作空；请取消合并，在每一行填写",
                frozenset((r, c.key) for r in rows for c in hit)))
    for row, col, ref in scan.uncached:
        if row >= sheet.header_row and col in columns:
            out.append(CellProblem(
                row, columns[col].header, f"单元格 {ref} 是公式，文件中却没有它的计算结果 (由程序"
                "写入、未经电子表格计算)；请在 Excel/WPS/LibreOffice 中打开后保存，或直接填写数值",
                frozenset({(row, columns[col].key)})))
    return out


def _cell(values, k):
    return values[k] if k < len(values) else None


def _is_signature(values, signature) -> bool:
    texts = {text_from_cell(v).strip() for v in values if isinstance(v, str) and v.strip()}
    others = [v for v in values if not _blank(v) and not isinstance(v, str)]
    return bool(signature) and texts == {signature.strip()} and not others


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and value.strip() == "")


def _decoded(value):
    return text_from_cell(value) if isinstance(value, str) else value

