"""Ledgers a reader could misread, built with openpyxl the way other programs leave them: merged
cells, formulas nobody computed, renamed or deleted columns, text longer than a cell may hold.
Each is refused (errors, nothing written, exit 1) with the sheet row and column named, and even
a forced import never writes what it could not read."""

import hashlib
import sqlite3
import zipfile
from pathlib import Path

import openpyxl
import pytest

from ledger_sheet import data_rows, headers
from plugin import cli
from plugin.core.ledger.imports import import_ledger


def sha256(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def stored(result, field, pid):
    con = sqlite3.connect(result)
    try:
        names = [r[1] for r in con.execute("PRAGMA table_info(patches)")]
        if field not in names:
            return None
        return con.execute(f'SELECT "{field}" FROM patches WHERE patch_id = ?', (pid,)).fetchone()[0]
    finally:
        con.close()


def opened(ledger):
    """(workbook, sheet, header → column, patch id → row) of a ledger."""
    wb = openpyxl.load_workbook(ledger)
    ws = wb["整改台账"]
    names = headers(ws)
    rows = {ws.cell(r, names["图斑编号"]).value: r for r in data_rows(ws)}
    return wb, ws, names, rows


def refused(ledger, result):
    """The import's report, after checking that it wrote nothing."""
    before = sha256(result)
    report = import_ledger(ledger, result)
    assert not report.written and report.errors
    assert sha256(result) == before
    return report


def test_merged_cells_are_refused_naming_the_row_and_column(result, ledger, tmp_path):
    wb, ws, names, rows = opened(ledger)
    column = openpyxl.utils.get_column_letter(names["整改进展"])
    ws.cell(rows["P0"], names["整改进展"]).value = "整改中"
    ws.merge_cells(f"{column}{rows['P0']}:{column}{rows['P0'] + 2}")  # one status for 3 rows
    wb.save(tmp_path / "merged.xlsx")
    report = refused(str(tmp_path / "merged.xlsx"), result)
    (issue,) = report.errors
    assert (issue.row, issue.column) == (rows["P0"], "整改进展")
    assert f"{column}{rows['P0']}:{column}{rows['P0'] + 2}" in issue.message and "合并" in issue.message


def test_merged_read_only_cells_are_reported_as_merged_not_as_edits(result, ledger, tmp_path):
    wb, ws, names, rows = opened(ledger)
    column = openpyxl.utils.get_column_letter(names["乡镇"])
    first = data_rows(ws)[0]
    ws.merge_cells(f"{column}{first}:{column}{first + 3}")  # one township cell for 4 patches
    wb.save(tmp_path / "merged.xlsx")
    report = refused(str(tmp_path / "merged.xlsx"), result)
    assert [(i.row, i.column) for i in report.errors] == [(first, "乡镇")]


def test_a_forced_import_never_writes_the_cells_of_a_merged_range(result, ledger, tmp_path):
    wb, ws, names, rows = opened(ledger)
    ws.cell(rows["P0"], names["备注"]).value = "第一行"
    ws.cell(rows["P1"], names["用地主体"]).value = "张三"
    column = openpyxl.utils.get_column_letter(names["备注"])
    ws.merge_cells(f"{column}{rows['P0']}:{column}{rows['P1']}")
    wb.save(tmp_path / "merged.xlsx")
    report = import_ledger(str(tmp_path / "merged.xlsx"), result, force=True)
    assert report.written and len(report.errors) == 1
    assert stored(result, "ledger_remark", "P0") is None  # inside the merged range: not written
    assert stored(result, "ledger_land_user", "P1") == "张三"


def _patched(path, out, old, new):
    """A copy of a workbook with ``old`` replaced by ``new`` in its first sheet's XML, as
    another program might have written it (openpyxl itself cuts text at 32,767 characters)."""
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(out, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                assert data.count(old) == 1
                data = data.replace(old, new)
            dst.writestr(item, data)
    return str(out)


def _formula(ledger, tmp_path, cached=None):
    """The ledger with a formula typed into 罚没款 of P0 (and its computed value, if given)."""
    wb, ws, names, rows = opened(ledger)
    ws.cell(rows["P0"], names["罚没款(元)"]).value = "=1000*2"
    path = tmp_path / "formula.xlsx"
    wb.save(path)
    if cached is not None:  # a spreadsheet program stores the result beside the formula
        path = _patched(path, tmp_path / "cached.xlsx", b"<f>1000*2</f><v></v>",
                        f"<f>1000*2</f><v>{cached}</v>".encode())
    return str(path), rows["P0"]


def test_a_formula_without_its_computed_value_is_refused(result, ledger, tmp_path):
    path, row = _formula(ledger, tmp_path)
    report = refused(path, result)
    (issue,) = report.errors
    assert (issue.row, issue.column) == (row, "罚没款(元)") and "公式" in issue.message


def test_a_formula_with_its_computed_value_is_imported_as_that_value(result, ledger, tmp_path):
    path, _ = _formula(ledger, tmp_path, cached=2000)
    report = import_ledger(path, result)
    assert report.written and not report.errors
    assert stored(result, "ledger_fine_yuan", "P0") == "2000.00"


@pytest.mark.parametrize("header, renamed", [("核查结果", "核查情况"), ("整改进展", None),
                                             ("罚没款(元)", "罚款")])
def test_a_renamed_or_deleted_analyst_column_is_refused(result, ledger, tmp_path, header,
                                                        renamed):
    wb, ws, names, rows = opened(ledger)
    ws.cell(rows["P0"], names["备注"]).value = "已核实"
    if renamed:
        ws.cell(4, names[header]).value = renamed
    else:
        ws.delete_cols(names[header])
    wb.save(tmp_path / "renamed.xlsx")
    report = refused(str(tmp_path / "renamed.xlsx"), result)
    (issue,) = report.errors
    assert (issue.row, issue.column) == (4, header)
    assert "改名或删除" in issue.message and (renamed is None or f"“{renamed}”" in issue.message)


def test_text_longer_than_an_excel_cell_is_refused(result, ledger, tmp_path):
    wb, ws, names, rows = opened(ledger)
    ws.cell(rows["P1"], names["备注"]).value = "PLACEHOLDER"
    ws.cell(rows["P2"], names["用地主体"]).value = "李四"
    wb.save(tmp_path / "short.xlsx")
    long = _patched(tmp_path / "short.xlsx", tmp_path / "long.xlsx", b"PLACEHOLDER",
                    ("长" * 40000).encode())
    report = refused(long, result)
    (issue,) = report.errors
    assert (issue.row, issue.column) == (rows["P1"], "备注") and "32767" in issue.message
    forced = import_ledger(long, result, force=True)
    assert forced.written
    assert stored(result, "ledger_remark", "P1") is None and stored(result, "ledger_land_user",
                                                                    "P2") == "李四"


def test_the_cli_exits_1_and_names_the_cell(result, ledger, tmp_path, capsys):
    path, row = _formula(ledger, tmp_path)
    assert cli.main(["import-ledger", path, result, "-q"]) == 1
    out = capsys.readouterr().out
    assert f"第 {row} 行" in out and "罚没款(元)" in out and "未做任何修改" in out
