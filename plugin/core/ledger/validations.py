"""Data validation on the analysts' columns, so a spreadsheet refuses what import would refuse:
drop-down lists where the values are fixed, non-negative numbers for amounts and areas, whole
numbers for head counts. Import checks every value again (a client may ignore validations)."""

from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from .columns import COUNT, MU, YUAN


def add_validations(ws, columns, first_row: int, last_row: int) -> None:
    """Validations on rows ``first_row``..``last_row`` of each analysts' column."""
    if last_row < first_row:
        return
    for k, column in enumerate(columns, 1):
        if not column.editable:
            continue
        dv = _validation(column)
        if dv is None:
            continue
        letter = get_column_letter(k)
        dv.add(f"{letter}{first_row}:{letter}{last_row}")
        ws.data_validations.append(dv)


def _validation(column):
    header = column.header
    if column.allowed:
        choices = "、".join(column.allowed)
        return DataValidation(type="list", formula1='"' + ",".join(column.allowed) + '"',
                              allow_blank=True, showErrorMessage=True, showInputMessage=True,
                              errorTitle=f"{header}取值不对", error=f"请从下拉列表中选择：{choices}",
                              promptTitle=header, prompt=f"可选：{choices}")
    if column.kind in (MU, YUAN, COUNT):
        whole = column.kind == COUNT
        what = "不小于 0 的整数" if whole else "不小于 0 的数"
        hint = "，且不大于图斑面积" if column.kind == MU else ""
        return DataValidation(type="whole" if whole else "decimal", operator="greaterThanOrEqual",
                              formula1="0", allow_blank=True, showErrorMessage=True,
                              showInputMessage=True, errorTitle=f"{header}应为数字",
                              error=f"请填写{what}{hint}", promptTitle=header,
                              prompt=f"填写{what}{hint}")
    return None
