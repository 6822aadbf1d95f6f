"""The analysts' columns back in: a ledger filled in (Excel, WPS or LibreOffice) or the field
team's GeoPackage, checked against the result and written into its ``patches`` layer.

The source file is only read; the result is rewritten atomically, and not at all while the
check finds errors (unless forced).
"""

import datetime
import os
import time
from dataclasses import dataclass
from typing import List, Optional

from ..errors import InputError
from ..progress import Steps
from ..rules.classes import load_class_table
from .checks import Issue, LedgerCheck, check_rows
from ..io.hashing import file_sha256
from ..io.lock import exclusive
from .result_access import read_result, write_analyst_values
from .table import build_rows

ISSUE_LINES = 50


@dataclass
class ImportReport:
    ledger_path: str
    result_path: str
    check: LedgerCheck
    written: bool = False
    forced: bool = False
    seconds: float = 0.0

    @property
    def errors(self) -> List[Issue]:
        return self.check.errors

    def lines(self, limit: Optional[int] = ISSUE_LINES) -> List[str]:
        c = self.check
        out = [f"台账 {self.ledger_path}: {c.rows} 行，对应结果中的图斑 {c.matched} 个",
               f"错误 {len(c.errors)} 条，提示 {len(c.warnings)} 条"]
        issues = c.errors + c.warnings
        shown = issues if limit is None else issues[:limit]
        out += [f"  {i}" for i in shown]
        if len(issues) > len(shown):
            out.append(f"  …… 另有 {len(issues) - limit} 条未列出")
        change = f"{c.changed_patches} 个图斑的 {c.changed_cells} 项内容 (其中清空 {c.cleared_cells} 项)"
        if self.written:
            out.append(f"已写入 {self.result_path}: {change}"
                       + ("；有错误的行已按 --force 处理" if self.errors else ""))
        elif c.errors and not self.forced:
            out.append("有错误，结果文件未做任何修改；改正台账后重新导入，或确认后加 --force 强制导入")
        else:
            out.append("没有需要写入的变化，结果文件未修改")
        out.append(f"用时 {self.seconds:.1f} 秒")
        return out


def check_ledger(ledger_path: str, result_path: str) -> ImportReport:
    """What importing would do, without writing anything."""
    started = time.monotonic()
    check, _ = _check_ledger_file(ledger_path, result_path)
    return ImportReport(ledger_path, result_path, check, seconds=time.monotonic() - started)


def import_ledger(ledger_path: str, result_path: str, force: bool = False,
                  progress=None, cancelled=None) -> ImportReport:
    """Write the analysts' columns of a filled-in ledger into the result, keyed by 图斑编号.

    Nothing is written when the report has errors, unless ``force``: then rows that match no
    patch and repeated ids (after the first) are skipped, edits of read-only columns are
    ignored and values outside the allowed lists are written as they are. The ledger file is
    only read. Raises InputError when the file is not a ledger or the result is not readable.
    """
    return apply_import(ledger_path, result_path, _check_ledger_file, "读取台账", force, progress, cancelled)


def apply_import(source_path: str, result_path: str, check, reading: str, force: bool = False,
                 progress=None, cancelled=None) -> ImportReport:
    """The import of filled-in values from ``source_path`` (a ledger, or the field team's
    GeoPackage): ``check(source_path, result_path)`` gives (LedgerCheck, ResultData); the
    values are written unless there are errors (or ``force``) or nothing changes, with the
    source's name, hash and row count in the result's run_info. The result is locked from the
    check to the write, so a second import at the same time is refused, never lost."""
    if not os.path.isfile(result_path):
        raise InputError("结果文件不存在", layer=result_path)
    with exclusive(result_path, f"导入 {os.path.basename(source_path)}"):
        return _apply(source_path, result_path, check, reading, force, Steps(progress, cancelled))


def _apply(source_path, result_path, check, reading, force, steps):
    started = time.monotonic()
    steps.report(0.0, reading)
    sha = file_sha256(source_path) if os.path.isfile(source_path) else ""
    found, result = check(source_path, result_path)
    report = ImportReport(source_path, result_path, found, forced=force)
    if (found.errors and not force) or found.changed_cells == 0:
        report.seconds = time.monotonic() - started
        return report
    steps.report(0.6, "写入结果文件")
    info = {"ledger.imported": datetime.datetime.now().isoformat(timespec="seconds"),
            "ledger.file": os.path.abspath(source_path), "ledger.sha256": sha,
            "ledger.rows": str(found.matched)}
    if found.errors:
        info["ledger.forced_errors"] = str(len(found.errors))
    steps.check()
    write_analyst_values(result, found.values, info)
    report.written = True
    steps.report(1.0, "完成")
    report.seconds = time.monotonic() - started
    return report


def _check_ledger_file(ledger_path, result_path):
    if not os.path.isfile(ledger_path):
        raise InputError("台账文件不存在", layer=ledger_path)
    # openpyxl: only a ledger needs it, not the field team's GeoPackage coming through here
    from .workbook_reader import read_detail_sheet

    sheet = read_detail_sheet(ledger_path)
    result = read_result(result_path)
    rows = build_rows(result, load_class_table(), sheet.patch_types)
    return check_rows(sheet, rows, result), result
