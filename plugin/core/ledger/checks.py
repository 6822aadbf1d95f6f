"""Checking a ledger that analysts filled in against the result it came from.

The check never changes anything; :func:`plugin.core.ledger.imports.import_ledger` writes when the
report has no errors (or when forced).
"""

import datetime
from dataclasses import dataclass, field
from typing import Dict, List, Optional

from .cells import date_from_text, number_for_cell, same_text, value_as_text
from .columns import (
    ANALYST_COLUMNS,
    BY_HEADER,
    CLOSED_VALUES,
    COLUMNS,
    DATE,
    DECIMALS,
    ID_HEADER,
    IMAGE_HEADERS,
    SEQ,
    STATUS_VALUES,
    TEXT,
)

ERROR, WARNING = "错误", "提示"
STARTED_KEY = "分析开始时间"


@dataclass
class Issue:
    """One finding, located by Excel row number and column header where it applies."""

    level: str
    message: str
    row: Optional[int] = None
    column: Optional[str] = None
    patch_id: Optional[str] = None

    def __str__(self) -> str:
        where = []
        if self.row is not None:
            where.append(f"第 {self.row} 行")
        if self.column:
            where.append(f"列“{self.column}”")
        if self.patch_id:
            where.append(f"图斑 {self.patch_id}")
        return f"{self.level}: " + (f"[{'，'.join(where)}] " if where else "") + self.message


@dataclass
class LedgerCheck:
    """What a filled-in ledger would change in the result, and what is wrong with it.

    ``values``: fid → {field: text or None} for every patch whose analysts' columns the sheet
    changes (the first row of a repeated id), as the sheet holds them.
    """

    rows: int = 0
    matched: int = 0
    issues: List[Issue] = field(default_factory=list)
    values: Dict[int, Dict[str, Optional[str]]] = field(default_factory=dict)
    changed_patches: int = 0
    changed_cells: int = 0
    cleared_cells: int = 0

    @property
    def errors(self) -> List[Issue]:
        return [i for i in self.issues if i.level == ERROR]

    @property
    def warnings(self) -> List[Issue]:
        return [i for i in self.issues if i.level == WARNING]


def check_rows(headers, records, notes, expected_rows, result,
               carried=ANALYST_COLUMNS) -> LedgerCheck:
    """Compare the detail sheet's rows with the rows the result gives (``build_rows``).
    ``carried``: the analysts' columns the source is made to hold; one of them missing is
    worth a warning (the field GeoPackage holds only the verifier's)."""
    check = LedgerCheck(rows=len(records))
    present = [c for c in COLUMNS if c.header in headers]
    for column in carried:
        if column.header not in headers:
            check.issues.append(Issue(WARNING, "台账中没有此列，结果中的该项保持不变",
                                      row=1, column=column.header))
    for name in headers:
        if name not in BY_HEADER and name not in IMAGE_HEADERS:
            check.issues.append(Issue(WARNING, "不是台账的列，未导入", row=1, column=name))
    started = result.run_info.get("started")
    if STARTED_KEY in notes and started and str(notes[STARTED_KEY]) != started:
        check.issues.append(Issue(WARNING, f"台账生成自 {notes[STARTED_KEY]} 的分析，结果文件是 "
                                  f"{started} 的分析；只读列的差异可能来自重新分析"))
    by_id = {k.strip(): row for k, row in expected_rows.items()}
    first_row: Dict[str, int] = {}
    matched = []
    for number, record in records:
        found = _check_record(check, number, record, present, by_id, first_row)
        if found is not None:
            matched.append(found)
    _count_changes(check, matched)
    return check


def _check_record(check, number, record, present, by_id, first_row):
    """Issues of one sheet row; (analysts' values, expected row) when it matches a patch."""
    raw_id = value_as_text(record.get(ID_HEADER))
    pid = raw_id.strip() if raw_id else None
    if not pid:
        check.issues.append(Issue(ERROR, "图斑编号为空，无法对应到结果", row=number, column=ID_HEADER))
        return None
    if pid in first_row:
        check.issues.append(Issue(ERROR, f"图斑编号重复 (首次出现在第 {first_row[pid]} 行)；"
                                  "只导入首次出现的一行", row=number, column=ID_HEADER, patch_id=pid))
        return None
    first_row[pid] = number
    expected = by_id.get(pid)
    if expected is None:
        check.issues.append(Issue(ERROR, "结果中没有此图斑编号", row=number, column=ID_HEADER,
                                  patch_id=pid))
        return None
    check.matched += 1
    for column in present:
        if not column.editable and column.kind != SEQ and column.header != ID_HEADER:
            got, want = record.get(column.header), expected.get(column.key)
            if not _same(column.kind, got, want):
                check.issues.append(Issue(ERROR, f"只读列被修改：台账中为 {_show(got)}，结果中为 "
                                          f"{_show(want)}", row=number, column=column.header,
                                          patch_id=pid))
    values = {}
    for column in present:
        if not column.editable:
            continue
        value = analyst_value(column, record.get(column.header))
        if column.allowed and value is not None and value not in column.allowed:
            check.issues.append(Issue(ERROR, f"取值“{value}”不在允许范围 "
                                      f"({'/'.join(column.allowed)})", row=number,
                                      column=column.header, patch_id=pid))
        elif column.kind == DATE and value is not None:
            iso = date_from_text(value)
            if iso is None:
                check.issues.append(Issue(ERROR, f"“{value}”不是日期 (应如 2024-11-02)",
                                          row=number, column=column.header, patch_id=pid))
            else:
                value = iso
        values[column.field] = value
    status, closed = values.get("ledger_status"), values.get("ledger_closed")
    if (closed == CLOSED_VALUES[0]) != (status == STATUS_VALUES[-1]) and (status or closed):
        check.issues.append(Issue(WARNING, f"整改进展为“{status or ''}”而是否销号为“{closed or ''}”，"
                                  "两者不一致", row=number, patch_id=pid))
    return values, expected


def analyst_value(column, cell) -> Optional[str]:
    """An analyst's cell as the text stored in the result: list values and dates trimmed,
    dates in ISO form when they read as one, empty text as None."""
    value = value_as_text(cell)
    if value is not None and (column.allowed or column.kind == DATE):
        value = value.strip() or None
        if column.kind == DATE and value is not None:
            value = date_from_text(value) or value
    return value


def _count_changes(check, matched):
    cleared_patches = set()
    for values, expected in matched:
        changed = False
        for column in ANALYST_COLUMNS:
            if column.field not in values:
                continue
            new, old = values[column.field], expected.get(column.key)
            if new != old:
                changed = True
                check.changed_cells += 1
                if new is None:
                    check.cleared_cells += 1
                    cleared_patches.add(expected["patch_id"])
        if changed:
            check.changed_patches += 1
            check.values[expected["_fid"]] = values
    if check.cleared_cells:
        sample = "、".join(sorted(cleared_patches)[:5])
        check.issues.append(Issue(WARNING, f"{check.cleared_cells} 个单元格在台账中为空，导入会清除结果中"
                                  f"原有的内容 (图斑 {sample}{' 等' if len(cleared_patches) > 5 else ''})"))


def _same(kind, got, want) -> bool:
    """Whether a read-only cell still holds what was written (numbers as shown, text exactly)."""
    if got is None or (isinstance(got, str) and got == ""):
        return want is None
    if want is None:
        return False
    if kind == TEXT or kind == SEQ:
        text = value_as_text(got)
        return text is not None and same_text(text, want)
    if isinstance(got, str):
        try:
            got = float(got.replace(",", ""))
        except ValueError:
            return False
    if isinstance(got, (datetime.date, datetime.time, bool)):
        return False
    decimals = DECIMALS[kind]
    return number_for_cell(got, decimals) == number_for_cell(want, decimals)


def _show(value) -> str:
    text = value_as_text(value) if not isinstance(value, str) else value
    if text is None:
        return "(空)"
    return f"“{text[:40]}{'…' if len(text) > 40 else ''}”"
