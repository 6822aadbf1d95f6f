"""A filled-in ledger coming back: values written into the result, errors reported, nothing
changed on error, the ledger file never touched. Ledgers are edited here with openpyxl the way
a spreadsheet program would: typed text, dates, numbers, rows moved or removed."""

import datetime
import hashlib
import os
import sqlite3
from pathlib import Path

import openpyxl
import pytest

from plugin import cli
from plugin.core.ledger import result_access as ledger_result
from plugin.core.errors import InputError
from plugin.core.ledger.export import export_ledger
from plugin.core.ledger.imports import check_ledger, import_ledger
from ledger_sheet import data_rows, headers, sheet_records, summary_blocks
from test_ledger import ANALYST_HEADERS, HEADERS


def sha256(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def edit(path, out, changes=(), delete_ids=(), reverse=False, append=()):
    """Save a copy of a ledger with cells changed: changes are (patch id, header, value)."""
    wb = openpyxl.load_workbook(path)
    ws = wb["整改台账"]
    names = headers(ws)
    patch_rows = data_rows(ws)
    rows = {ws.cell(r, names["图斑编号"]).value: r for r in patch_rows}
    for pid, header, value in changes:
        cell = ws.cell(rows[pid], names[header])
        cell.value = value
        if isinstance(value, str):
            cell.data_type = "s"  # typed as text (Excel: a leading apostrophe for "=1+1")
    if reverse:
        values = [[c.value for c in row] for row in ws.iter_rows(min_row=patch_rows[0],
                                                                 max_row=patch_rows[-1])]
        for r, row in enumerate(reversed(values), patch_rows[0]):
            for k, v in enumerate(row, 1):
                ws.cell(r, k).value = v
    for pid in sorted((rows[p] for p in delete_ids), reverse=True):
        ws.delete_rows(pid)
    for row in append:
        ws.append(row)
    wb.save(out)
    return str(out)


def analyst_values(result):
    con = sqlite3.connect(result)
    try:
        cols = [r[1] for r in con.execute("PRAGMA table_info(patches)")]
        fields = [c for c in cols if c.startswith("ledger_")]
        if not fields:
            return {}
        sel = ", ".join(fields)
        return {r[0]: dict(zip(fields, r[1:]))
                for r in con.execute(f"SELECT patch_id, {sel} FROM patches")}
    finally:
        con.close()


FILLED = [("P0", "核查结果", "属实"), ("P0", "用地主体", "张三"), ("P0", "整改措施", "拆除复耕"),
          ("P0", "整改时限", "2025-06-30"), ("P0", "责任单位", "东镇人民政府"),
          ("P0", "责任人", "李四"), ("P0", "整改进展", "已销号"), ("P0", "是否销号", "是"),
          ("P0", "备注", "已复耕，见照片 2024-11-02"),
          ("P6", "整改进展", "整改中"), ("P6", "是否销号", "否"), ("P8", "核查结果", "部分属实")]


def test_imported_values_are_written_to_the_result_keyed_by_patch_id(result, ledger, tmp_path):
    filled = edit(ledger, tmp_path / "filled.xlsx", FILLED, reverse=True)
    report = import_ledger(filled, result)
    assert report.written and not report.errors
    values = analyst_values(result)
    assert values["P0"] == {"ledger_check_result": "属实", "ledger_land_user": "张三",
                            "ledger_fix_measure": "拆除复耕", "ledger_deadline": "2025-06-30",
                            "ledger_resp_unit": "东镇人民政府", "ledger_resp_person": "李四",
                            "ledger_status": "已销号", "ledger_closed": "是",
                            "ledger_remark": "已复耕，见照片 2024-11-02",
                            "ledger_site_state": None, "ledger_photo_ids": None,
                            "ledger_checked_by": None, "ledger_checked_on": None,
                            "ledger_case_filed": None, "ledger_case_no": None,
                            "ledger_fine_yuan": None, "ledger_demolished_mu": None,
                            "ledger_restored_mu": None, "ledger_accountable": None,
                            "ledger_done_on": None}
    assert values["P6"]["ledger_status"] == "整改中" and values["P6"]["ledger_closed"] == "否"
    assert values["P8"]["ledger_check_result"] == "部分属实"
    assert values["P1"] == dict.fromkeys(values["P1"])  # untouched rows stay empty
    assert (report.check.changed_patches, report.check.changed_cells) == (3, 12)


def test_reexport_keeps_every_analyst_value(result, ledger, tmp_path):
    import_ledger(edit(ledger, tmp_path / "filled.xlsx", FILLED), result)
    again = tmp_path / "again.xlsx"
    export_ledger(result, str(again))
    by_id = {r["图斑编号"]: r for r in sheet_records(again)}
    for pid, header, value in FILLED:
        assert by_id[pid][header] == value


def test_reexport_over_a_ledger_not_yet_imported_carries_its_values(result, ledger, tmp_path):
    edit(ledger, ledger, FILLED)  # analysts saved over the exported file
    report = export_ledger(result, ledger, overwrite=True)
    by_id = {r["图斑编号"]: r for r in sheet_records(ledger)}
    for pid, header, value in FILLED:
        assert by_id[pid][header] == value
    assert any("带入 12 项" in w for w in report.warnings)
    assert {r["图斑编号"]: r for r in sheet_records(report.backup)}["P0"]["用地主体"] == "张三"


def test_values_in_the_result_win_over_an_older_ledger_and_the_conflict_is_reported(
        result, ledger, tmp_path):
    import_ledger(edit(ledger, tmp_path / "filled.xlsx", FILLED), result)
    older = edit(ledger, tmp_path / "older.xlsx", [("P0", "用地主体", "王五"), ("P1", "用地主体", "赵六")])
    report = export_ledger(result, str(tmp_path / "new.xlsx"), previous=older)
    by_id = {r["图斑编号"]: r for r in sheet_records(tmp_path / "new.xlsx")}
    assert by_id["P0"]["用地主体"] == "张三" and by_id["P1"]["用地主体"] == "赵六"
    assert any("1 项填写内容与结果中已导入的不同" in w for w in report.warnings)
    assert any("带入 1 项" in w for w in report.warnings)


def test_a_ledger_from_another_analysis_run_is_flagged(result, ledger, tmp_path):
    wb = openpyxl.load_workbook(ledger)
    notes = wb["说明"]
    row = next(r for r in notes.iter_rows() if r[0].value == "分析开始时间")
    row[1].value = "2020-01-01T00:00:00"
    wb.save(tmp_path / "old-run.xlsx")
    report = check_ledger(str(tmp_path / "old-run.xlsx"), result)
    assert any("2020-01-01T00:00:00" in w.message for w in report.check.warnings)
    assert not report.errors


def test_patch_with_analyst_values_stays_in_the_ledger_whatever_its_verdict(result, tmp_path):
    full = tmp_path / "全部.xlsx"
    export_ledger(result, str(full), include_all=True)
    import_ledger(edit(full, tmp_path / "filled.xlsx", [("P3", "备注", "合法但需复查")]), result)
    again = tmp_path / "again.xlsx"
    export_ledger(result, str(again))
    by_id = {r["图斑编号"]: r for r in sheet_records(again)}
    assert by_id["P3"]["判定结果"] == "合法" and by_id["P3"]["备注"] == "合法但需复查"


def test_closed_patches_drive_the_clearing_progress(result, ledger, tmp_path):
    east = [r for r in sheet_records(ledger) if r["乡镇"] == "东镇"]
    closes = [(r["图斑编号"], h, v) for r in east[:2]
              for h, v in (("整改进展", "已销号"), ("是否销号", "是"))]
    import_ledger(edit(ledger, tmp_path / "filled.xlsx", closes), result)
    again = tmp_path / "again.xlsx"
    export_ledger(result, str(again))
    _, towns, total = summary_blocks(again)["按乡镇汇总"]
    town = {t["乡镇 / 村 / 违法类型"]: t for t in towns}["东镇"]
    assert town["销号图斑(个)"] == 2 and town["已销号(个)"] == 2
    assert town["清零进度(%)"] == round(200 / len(east), 2)
    assert total["销号图斑(个)"] == 2


def test_typed_dates_and_numbers_come_back_as_the_text_shown(result, ledger, tmp_path):
    filled = edit(ledger, tmp_path / "filled.xlsx",
                  [("P0", "整改时限", datetime.datetime(2025, 6, 30)),
                   ("P0", "责任人", 13800138000), ("P1", "整改时限", datetime.date(2025, 1, 2))])
    assert import_ledger(filled, result).written
    values = analyst_values(result)
    assert values["P0"]["ledger_deadline"] == "2025-06-30"
    assert values["P0"]["ledger_resp_person"] == "13800138000"
    assert values["P1"]["ledger_deadline"] == "2025-01-02"


def test_verification_dates_are_stored_in_one_form_whatever_was_typed(result, ledger, tmp_path):
    typed = [("P0", "核查日期", datetime.datetime(2026, 11, 20)), ("P1", "核查日期", "2026/11/2"),
             ("P2", "核查日期", "2026年11月3日"), ("P4", "核查日期", " 20261104 "),
             ("P5", "核查日期", datetime.datetime(2026, 11, 5, 9, 30)),
             ("P6", "核查日期", "２０２６－１１－０６"), ("P7", "核查日期", "2026年11月7号")]
    assert import_ledger(edit(ledger, tmp_path / "filled.xlsx", typed), result).written
    values = analyst_values(result)
    assert [values[p]["ledger_checked_on"] for p in ("P0", "P1", "P2", "P4", "P5", "P6", "P7")] == [
        "2026-11-20", "2026-11-02", "2026-11-03", "2026-11-04", "2026-11-05", "2026-11-06",
        "2026-11-07"]


def test_a_verification_date_that_is_no_date_is_an_error(result, ledger, tmp_path):
    filled = edit(ledger, tmp_path / "filled.xlsx", [("P1", "核查日期", "下周二"),
                                                      ("P2", "核查日期", "2026-02-30"),
                                                      ("P4", "核查日期", "9999-12-31")])
    report = import_ledger(filled, result)
    assert not report.written
    assert {(i.patch_id, i.column) for i in report.errors} == {
        ("P1", "核查日期"), ("P2", "核查日期"), ("P4", "核查日期")}


def test_site_state_photos_and_verifier_round_trip(result, ledger, tmp_path):
    filled = edit(ledger, tmp_path / "filled.xlsx", [
        ("P0", "现场现状", "已复耕"), ("P0", "现场照片编号", "DSC_0001、DSC_0002"), ("P0", "核查人", "王五")])
    assert import_ledger(filled, result).written
    again = tmp_path / "again.xlsx"
    export_ledger(result, str(again))
    row = {r["图斑编号"]: r for r in sheet_records(again)}["P0"]
    assert (row["现场现状"], row["现场照片编号"], row["核查人"]) == ("已复耕", "DSC_0001、DSC_0002", "王五")


def test_chinese_long_and_odd_text_round_trips(result, ledger, tmp_path):
    odd = {"用地主体": "𡌶氏家族 😀 合作社", "整改措施": "=1+1", "责任单位": "  前后空格  ",
           "责任人": "+86 138", "备注": ("第一行\n第二行\n第三行\t制表 <&>\"' @x -y " + "长文本" * 3000)}
    filled = edit(ledger, tmp_path / "filled.xlsx", [("P2", h, v) for h, v in odd.items()])
    assert import_ledger(filled, result).written
    stored = analyst_values(result)["P2"]
    assert stored["ledger_land_user"] == odd["用地主体"]
    assert stored["ledger_remark"] == odd["备注"]
    assert stored["ledger_fix_measure"] == "=1+1" and stored["ledger_resp_unit"] == "  前后空格  "
    again = tmp_path / "again.xlsx"
    export_ledger(result, str(again))
    from plugin.core.ledger.workbook_reader import read_detail_sheet
    sheet = read_detail_sheet(str(again))
    row = {r["patch_id"]: r for _, r in sheet.records}["P2"]
    key = {c.header: c.key for c in sheet.columns}
    assert {h: row[key[h]] for h in odd} == odd
    ws = openpyxl.load_workbook(again)["整改台账"]
    column = openpyxl.utils.get_column_letter(HEADERS.index("整改措施") + 1)
    cell = next(c for c in ws[column] if c.value == "=1+1")
    assert cell.data_type == "s" and cell.quotePrefix


CASE = [("P0", "是否立案", "是"), ("P0", "立案号", "示自然资罚〔2025〕12号"), ("P0", "罚没款(元)", 12000.5),
        ("P0", "拆除面积(亩)", 0.5), ("P0", "复耕面积(亩)", "0.45亩"), ("P0", "追责人数", 2),
        ("P0", "整改完成时间", datetime.datetime(2025, 9, 30)),
        ("P1", "是否立案", "否"), ("P1", "罚没款(元)", "1,200元"), ("P1", "追责人数", "０"),
        ("P1", "整改完成时间", "2025年10月8日")]


def test_case_handling_columns_are_stored_in_one_form(result, ledger, tmp_path):
    report = import_ledger(edit(ledger, tmp_path / "filled.xlsx", CASE), result)
    assert report.written and not report.errors, [str(e) for e in report.errors]
    values = analyst_values(result)
    assert {k: v for k, v in values["P0"].items() if v} == {
        "ledger_case_filed": "是", "ledger_case_no": "示自然资罚〔2025〕12号",
        "ledger_fine_yuan": "12000.50", "ledger_demolished_mu": "0.50",
        "ledger_restored_mu": "0.45", "ledger_accountable": "2", "ledger_done_on": "2025-09-30"}
    assert (values["P1"]["ledger_fine_yuan"], values["P1"]["ledger_accountable"],
            values["P1"]["ledger_done_on"]) == ("1200.00", "0", "2025-10-08")


def test_case_handling_columns_round_trip_as_numbers_and_dates(result, ledger, tmp_path):
    import_ledger(edit(ledger, tmp_path / "filled.xlsx", CASE), result)
    again = tmp_path / "again.xlsx"
    export_ledger(result, str(again))
    row = {r["图斑编号"]: r for r in sheet_records(again)}["P0"]
    assert (row["罚没款(元)"], row["拆除面积(亩)"], row["复耕面积(亩)"], row["追责人数"]) == (
        12000.5, 0.5, 0.45, 2)
    assert (row["是否立案"], row["整改完成时间"]) == ("是", "2025-09-30")
    ws = openpyxl.load_workbook(again)["整改台账"]
    names = headers(ws)
    first = data_rows(ws)[0]
    assert [ws.cell(first, names[h]).number_format for h in ("罚没款(元)", "拆除面积(亩)", "追责人数")] == [
        "0.00", "0.00", "0"]
    report = import_ledger(str(again), result)  # unchanged: nothing to write
    assert not report.errors and report.check.changed_cells == 0


@pytest.mark.parametrize("header, value, message", [
    ("罚没款(元)", "一千元", "不是数字"), ("罚没款(元)", -5, "负数"), ("追责人数", 1.5, "不是整数"),
    ("拆除面积(亩)", 999, "大于图斑面积"), ("复耕面积(亩)", "inf", "不是数字"),
    ("整改完成时间", "明年", "不是日期"), ("是否立案", "Y", "不在允许范围"),
])
def test_bad_case_handling_values_are_refused_with_row_and_column(result, ledger, tmp_path,
                                                                  header, value, message):
    row = {r["图斑编号"]: n for n, r in enumerate(sheet_records(ledger), 5)}["P2"]
    report = import_ledger(edit(ledger, tmp_path / "bad.xlsx", [("P2", header, value)]), result)
    (issue,) = report.errors
    assert (issue.row, issue.column, issue.patch_id) == (row, header, "P2")
    assert message in issue.message and not report.written


def test_unmatched_rows_are_reported_and_nothing_is_written(result, ledger, tmp_path):
    filled = edit(ledger, tmp_path / "filled.xlsx", FILLED, append=[[99, "NOPE", None]])
    before = sha256(result)
    report = import_ledger(filled, result)
    assert not report.written and sha256(result) == before
    (issue,) = report.errors
    assert issue.patch_id == "NOPE" and issue.column == "图斑编号"
    assert issue.row == openpyxl.load_workbook(filled)["整改台账"].max_row


def test_duplicate_ids_are_reported(result, ledger, tmp_path):
    first = sheet_records(ledger)[0]
    filled = edit(ledger, tmp_path / "filled.xlsx", FILLED,
                  append=[[99, first["图斑编号"], first["乡镇"]]])
    report = import_ledger(filled, result)
    assert not report.written
    (issue,) = report.errors
    assert issue.patch_id == first["图斑编号"] and "重复" in issue.message and "第 5 行" in issue.message


def test_edited_read_only_columns_are_reported(result, ledger, tmp_path):
    filled = edit(ledger, tmp_path / "filled.xlsx",
                  [("P0", "乡镇", "西乡"), ("P1", "图斑面积(亩)", 1.23), ("P2", "判定理由", "改过")])
    before = sha256(result)
    report = import_ledger(filled, result)
    assert {(i.patch_id, i.column) for i in report.errors} == {
        ("P0", "乡镇"), ("P1", "图斑面积(亩)"), ("P2", "判定理由")}
    assert not report.written and sha256(result) == before


def test_numbers_retyped_with_the_same_shown_value_are_not_edits(result, ledger, tmp_path):
    row = {r["图斑编号"]: r for r in sheet_records(ledger)}["P1"]
    filled = edit(ledger, tmp_path / "filled.xlsx",
                  [("P1", "图斑面积(亩)", f"{row['图斑面积(亩)']:.2f}"),
                   ("P1", "中心点经度(度)", row["中心点经度(度)"] + 4e-7)])
    assert not check_ledger(filled, result).errors


def test_values_outside_the_allowed_lists_are_reported(result, ledger, tmp_path):
    filled = edit(ledger, tmp_path / "filled.xlsx",
                  [("P0", "整改进展", "完成"), ("P1", "是否销号", "Y"), ("P2", "核查结果", "属实 ")])
    report = import_ledger(filled, result)
    assert {(i.patch_id, i.column) for i in report.errors} == {("P0", "整改进展"), ("P1", "是否销号")}
    assert "完成" in str(report.errors[0]) and "未整改/整改中/已整改/已销号" in str(report.errors[0])
    assert not report.written


def test_force_imports_despite_errors(result, ledger, tmp_path):
    filled = edit(ledger, tmp_path / "filled.xlsx", FILLED + [("P1", "乡镇", "西乡")],
                  append=[[99, "NOPE", None]])
    report = import_ledger(filled, result, force=True)
    assert report.written and len(report.errors) == 2
    assert analyst_values(result)["P0"]["ledger_status"] == "已销号"


def test_the_ledger_file_is_never_modified(result, ledger, tmp_path):
    filled = edit(ledger, tmp_path / "filled.xlsx", FILLED)
    before, mtime = sha256(filled), os.stat(filled).st_mtime_ns
    import_ledger(filled, result)
    assert sha256(filled) == before and os.stat(filled).st_mtime_ns == mtime


def test_a_partial_ledger_updates_only_its_rows(result, ledger, tmp_path):
    import_ledger(edit(ledger, tmp_path / "all.xlsx", FILLED), result)
    part = edit(ledger, tmp_path / "part.xlsx", [("P8", "核查结果", "不属实")],
                delete_ids=[r["图斑编号"] for r in sheet_records(ledger) if r["图斑编号"] != "P8"])
    assert len(sheet_records(part)) == 1
    assert import_ledger(part, result).written
    values = analyst_values(result)
    assert values["P8"]["ledger_check_result"] == "不属实"
    assert values["P0"]["ledger_status"] == "已销号"


def test_emptied_cells_clear_the_result_and_are_reported(result, ledger, tmp_path):
    import_ledger(edit(ledger, tmp_path / "filled.xlsx", FILLED), result)
    cleared = edit(ledger, tmp_path / "cleared.xlsx")  # the original, empty ledger
    report = import_ledger(cleared, result)
    assert report.written and report.check.cleared_cells == 12
    assert any("清除" in str(w) for w in report.check.warnings)
    assert analyst_values(result)["P0"]["ledger_status"] is None


def test_status_and_closed_disagreeing_is_a_warning(result, ledger, tmp_path):
    filled = edit(ledger, tmp_path / "filled.xlsx", [("P0", "是否销号", "是"), ("P0", "整改进展", "整改中")])
    report = import_ledger(filled, result)
    assert report.written and not report.errors
    assert any(w.patch_id == "P0" and "不一致" in w.message for w in report.check.warnings)


def test_result_gains_aliases_and_import_record(result, ledger, tmp_path):
    filled = edit(ledger, tmp_path / "filled.xlsx", FILLED)
    import_ledger(filled, result)
    con = sqlite3.connect(result)
    try:
        qml = con.execute("SELECT styleQML FROM layer_styles WHERE f_table_name = 'patches'").fetchone()[0]
        info = dict(con.execute("SELECT key, value FROM run_info WHERE key LIKE 'ledger.%'"))
    finally:
        con.close()
    assert 'field="ledger_status"' in qml and 'name="整改进展"' in qml
    assert info["ledger.sha256"] == sha256(filled) and info["ledger.file"] == os.path.abspath(filled)


def test_a_crash_while_importing_leaves_the_result_untouched(result, ledger, tmp_path, monkeypatch):
    filled = edit(ledger, tmp_path / "filled.xlsx", FILLED)
    before = sha256(result)

    def crash(*args):
        raise RuntimeError("power cut")

    monkeypatch.setattr(ledger_result, "_replace_run_info", crash)
    with pytest.raises(RuntimeError):
        import_ledger(filled, result)
    assert sha256(result) == before
    assert sorted(os.listdir(Path(result).parent)) == sorted(["result.gpkg", "台账.xlsx", "filled.xlsx"])


def test_a_workbook_without_the_ledger_sheet_is_bad_input(result, tmp_path):
    wb = openpyxl.Workbook()
    wb.active.title = "Sheet1"
    wb.save(tmp_path / "other.xlsx")
    with pytest.raises(InputError) as e:
        import_ledger(str(tmp_path / "other.xlsx"), result)
    assert "other.xlsx" in str(e.value) and "整改台账" in str(e.value)


def test_a_sheet_without_the_id_column_is_bad_input(result, ledger, tmp_path):
    wb = openpyxl.load_workbook(ledger)
    wb["整改台账"]["B4"].value = "编号"
    wb.save(tmp_path / "renamed.xlsx")
    with pytest.raises(InputError) as e:
        import_ledger(str(tmp_path / "renamed.xlsx"), result)
    assert e.value.field == "图斑编号" and "表头" in str(e.value)
    assert "renamed.xlsx" in str(e.value)


def test_a_file_that_is_not_a_workbook_is_bad_input(result, tmp_path):
    bad = tmp_path / "台账.xlsx"
    bad.write_text("序号,图斑编号\n1,P0\n", encoding="utf-8")
    with pytest.raises(InputError) as e:
        import_ledger(str(bad), result)
    assert str(bad) in str(e.value)


def test_cli_exit_codes(result, ledger, tmp_path, capsys):
    assert cli.main(["ledger", result, "--out", ledger, "-q"]) == 2  # exists, no --force
    assert "--force" in capsys.readouterr().err
    bad = edit(ledger, tmp_path / "bad.xlsx", [("P0", "整改进展", "完成")])
    assert cli.main(["import-ledger", bad, result, "-q"]) == 1
    out = capsys.readouterr().out
    assert "第 5 行" in out and "整改进展" in out and "未做任何修改" in out
    good = edit(ledger, tmp_path / "good.xlsx", FILLED)
    assert cli.main(["import-ledger", good, result, "-q"]) == 0
    assert cli.main(["import-ledger", str(tmp_path / "none.xlsx"), result, "-q"]) == 2
    assert cli.main(["ledger", result, "--out", ledger, "--force", "-q"]) == 0
    assert os.path.exists(tmp_path / "台账.bak.xlsx")


def test_analyst_headers_are_the_issue_list():
    assert ANALYST_HEADERS == ["核查结果", "现场现状", "现场照片编号", "核查人", "核查日期", "用地主体",
                               "整改措施", "整改时限", "责任单位", "责任人", "整改进展", "是否销号",
                               "是否立案", "立案号", "罚没款(元)", "拆除面积(亩)", "复耕面积(亩)",
                               "追责人数", "整改完成时间", "备注"]
