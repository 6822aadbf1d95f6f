"""Checking a ledger that analysts filled in against the result it came from.

The check never changes anything; :func:`plugin.core.ledger.imports.import_ledger` writes when the
report has no errors (or when forced). A cell whose value cannot be trusted (merged, an
uncomputed formula, over-long text) and a column the ledger was made with but no longer holds
(renamed or deleted) are errors; such cells are never written, not even when forced.
"""

import datetime
from dataclasses import dataclass, field
from typing import Dict, List, Optional

from .analyst_values import analyst_value, value_problem
from .cells import number_for_cell, same_text, value_as_text
from .columns import (
    ANALYST_COLUMNS,
    CLOSED_VALUES,
    DECIMALS,
    ID_KEY,
    IMAGE_HEADERS,
    PATCH_AREA_KEY,
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


def check_rows(sheet, expected_rows, result, carried=ANALYST_COLUMNS) -> LedgerCheck:
    """Compare a sheet's rows (a ``workbook_reader.SheetData``) with the rows the result gives
    (``build_rows``). ``carried``: the analysts' columns the source is made to hold (the field
    GeoPackage holds only the verifier's); one of them missing is an error."""
    check = LedgerCheck(rows=len(sheet.records))
    _check_columns(check, sheet, carried)
    started = result.run_info.get("started")
    if STARTED_KEY in sheet.notes and started and str(sheet.notes[STARTED_KEY]) != started:
        check.issues.append(Issue(WARNING, f"台账生成自 {sheet.notes[STARTED_KEY]} 的分析，结果文件是 "
                                  f"{started} 的分析；只读列的差异可能来自重新分析"))
    untrusted = set()
    for problem in sheet.problems:
        check.issues.append(Issue(ERROR, problem.message, row=problem.row, column=problem.column))
        untrusted |= problem.cells
    by_id = {k.strip(): row for k, row in expected_rows.items()}
    first_row: Dict[str, int] = {}
    matched = []
    for number, record in sheet.records:
        found = _check_record(check, number, record, sheet.columns, by_id, first_row, untrusted)
        if found is not None:
            matched.append(found)
    _count_changes(check, matched)
    return check


def _check_columns(check, sheet, carried):
    """A column the ledger was made with and must carry back, now missing (renamed or
    deleted), is an error: its values would silently stay behind."""
    present = {c.key for c in sheet.columns}
    made_with = {c.key: c.header for c in sheet.expected}
    unknown = [h for h in sheet.unknown if h not in IMAGE_HEADERS]
    for column in carried:
        if column.key in made_with and column.key not in present:
            hint = (f"；表头中有不认识的列“{'”“'.join(unknown)}”，是否被改了名？" if unknown else "")
            check.issues.append(Issue(ERROR, "台账中找不到此列 (表头被改名或删除)，其中填写的内容无法导入"
                                      + hint, row=sheet.header_row, column=made_with[column.key]))
    for name in unknown:
        check.issues.append(Issue(WARNING, "不是台账的列，未导入", row=sheet.header_row, column=name))


def _check_record(check, number, record, columns, by_id, first_row, untrusted):
    """Issues of one sheet row; (analysts' values, expected row) when it matches a patch."""
    raw_id = value_as_text(record.get(ID_KEY))
    pid = raw_id.strip() if raw_id else None
    id_header = next(c.header for c in columns if c.key == ID_KEY)
    if not pid:
        if (number, ID_KEY) not in untrusted:
            check.issues.append(Issue(ERROR, "图斑编号为空，无法对应到结果", row=number, column=id_header))
        return None
    if pid in first_row:
        check.issues.append(Issue(ERROR, f"图斑编号重复 (首次出现在第 {first_row[pid]} 行)；"
                                  "只导入首次出现的一行", row=number, column=id_header, patch_id=pid))
        return None
    first_row[pid] = number
    expected = by_id.get(pid)
    if expected is None:
        check.issues.append(Issue(ERROR, "结果中没有此图斑编号", row=number, column=id_header,
                                  patch_id=pid))
        return None
    check.matched += 1
    values = {}
    for column in columns:
        if (number, column.key) in untrusted:
            continue
        if not column.editable:
            _check_read_only(check, number, column, record, expected, pid)
            continue
        value = analyst_value(column, record.get(column.key))
        problem = value_problem(column, value, expected.get(PATCH_AREA_KEY))
        if problem:
            check.issues.append(Issue(ERROR, problem, row=number, column=column.header,
                                      patch_id=pid))
        values[column.field] = value
    status, closed = values.get("ledger_status"), values.get("ledger_closed")
    if (closed == CLOSED_VALUES[0]) != (status == STATUS_VALUES[-1]) and (status or closed):
        check.issues.append(Issue(WARNING, f"整改进展为“{status or ''}”而是否销号为“{closed or ''}”，"
                                  "两者不一致", row=number, patch_id=pid))
    return values, expected


def _check_read_only(check, number, column, record, expected, pid):
    if column.kind == SEQ or column.key == ID_KEY:
        return
    got, want = record.get(column.key), expected.get(column.key)
    if not _same(column.kind, got, want):
        check.issues.append(Issue(ERROR, f"只读列被修改：台账中为 {_show(got)}，结果中为 "
                                  f"{_show(want)}", row=number, column=column.header,
                                  patch_id=pid))


def _count_changes(check, matched):
    cleared_patches = set()
    for values, expected in matched:
        changed = False
        for column in ANALYST_COLUMNS:
            if column.field not in values:
                continue
            new, old = values[column.field], analyst_value(column, expected.get(column.key))
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
    if got == want and type(got) is type(want):
        return True  # as written: most cells of a ledger coming back
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
