"""A ledger workbook read back: the detail sheet's header, its rows and the notes it carries,
as analysts left them (Excel, WPS or LibreOffice)."""

from typing import Dict, List, Optional, Tuple

from openpyxl import load_workbook

from ..errors import InputError
from .cells import (
    text_from_cell,
)
from .columns import (
    COLUMNS,
    ID_HEADER,
    SHEET_DETAIL,
    SHEET_NOTES,
)


def read_detail_sheet(path: str) -> Tuple[Dict[str, int], List[Tuple[int, dict]], Dict[str, str]]:
    """The detail sheet of a ledger as (header → column index, [(Excel row, {header: value})],
    {key: value} of the 说明 sheet's two-column rows).

    Values are as openpyxl reads them (text, numbers, dates), text decoded from ``_xHHHH_``.
    Rows with no value at all are skipped. Raises InputError naming file, sheet and column.
    """
    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception as e:  # noqa: BLE001 - any failure to parse means "not a workbook"
        raise InputError(f"无法作为 Excel 工作簿 (.xlsx) 打开: {e}", layer=path) from e
    try:
        if SHEET_DETAIL not in wb.sheetnames:
            raise InputError(f"没有名为“{SHEET_DETAIL}”的工作表 (现有: {'、'.join(wb.sheetnames)})",
                             layer=path)
        ws = wb[SHEET_DETAIL]
        ws.reset_dimensions()
        rows = ws.iter_rows(values_only=True)
        header_row = next(rows, None) or ()
        where = f"{path} 工作表 {SHEET_DETAIL}"
        headers: Dict[str, int] = {}
        for k, value in enumerate(header_row):
            if value is None:
                continue
            name = text_from_cell(str(value)).strip()
            if name in headers:
                raise InputError("表头重复", layer=where, feature="第 1 行", field=name)
            headers[name] = k
        if ID_HEADER not in headers:
            raise InputError("表头中找不到此列 (第 1 行应为台账表头)", layer=where,
                             feature="第 1 行", field=ID_HEADER)
        out = []
        for number, values in enumerate(rows, 2):
            if values is None or all(_blank(v) for v in values):
                continue
            record = {name: _decoded(values[k]) if k < len(values) else None
                      for name, k in headers.items()}
            out.append((number, record))
        notes = {}
        if SHEET_NOTES in wb.sheetnames:
            for values in wb[SHEET_NOTES].iter_rows(max_col=2, values_only=True):
                if values and len(values) == 2 and isinstance(values[0], str) and values[1] is not None:
                    notes[values[0]] = values[1]
        return headers, out, notes
    finally:
        wb.close()


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and value.strip() == "")


def _decoded(value):
    return text_from_cell(value) if isinstance(value, str) else value


def header_cells(headers: Dict[str, int]) -> Dict[str, Optional[int]]:
    """Column index of each ledger column by header, None where the sheet lacks it."""
    return {c.header: headers.get(c.header) for c in COLUMNS}
