"""A verification GeoPackage edited in the field comes back through the ledger's checks."""

import sqlite3
from pathlib import Path

import pytest
from osgeo import ogr

from field_edits import edit
from plugin.core.analysis import run_analysis
from plugin.core.fieldwork.pack import prepare_fieldpack
from plugin.core.fieldwork.field_import import check_verification, import_verification
from plugin.core.job import load_job

DEMO = Path(__file__).resolve().parents[2] / "resources" / "demo"


@pytest.fixture()
def result(tmp_path_factory):
    return run_analysis(load_job(str(DEMO / "job.yaml")),
                        str(tmp_path_factory.mktemp("demo"))).result_path


@pytest.fixture()
def gpkg(result, tmp_path):
    return prepare_fieldpack(result, str(tmp_path / "pack")).gpkg


def result_values(result, pid):
    con = sqlite3.connect(result)
    try:
        columns = {r[1] for r in con.execute("PRAGMA table_info(patches)")}
        if "ledger_check_result" not in columns:
            return (None, None)
        return con.execute("SELECT ledger_check_result, ledger_remark FROM patches WHERE patch_id = ?",
                           (pid,)).fetchone()
    finally:
        con.close()


def test_an_untouched_pack_checks_clean_and_changes_nothing(gpkg, result):
    check, _ = check_verification(gpkg, result)
    assert check.errors == [] and check.changed_cells == 0
    assert check.matched == check.rows > 0


def test_verification_result_and_remark_are_written_into_the_result(gpkg, result):
    pid = edit(gpkg, 3, **{"核查结果": "属实", "备注": "已现场拍照"})
    report = import_verification(gpkg, result)
    assert report.written and report.errors == []
    assert result_values(result, pid) == ("属实", "已现场拍照")
    assert report.check.changed_patches == 1


def test_an_edited_read_only_field_is_an_error_and_nothing_is_written(gpkg, result):
    pid = edit(gpkg, 2, **{"乡镇": "别的乡", "核查结果": "属实"})
    report = import_verification(gpkg, result)
    assert not report.written
    assert any(i.column == "乡镇" and i.patch_id == pid for i in report.errors)
    assert result_values(result, pid) == (None, None)


def test_a_value_outside_the_list_is_an_error(gpkg, result):
    pid = edit(gpkg, 1, **{"核查结果": "差不多"})
    report = import_verification(gpkg, result)
    assert not report.written
    assert any(i.column == "核查结果" and i.patch_id == pid for i in report.errors)


def test_site_state_photos_verifier_and_date_are_imported(gpkg, result):
    pid = edit(gpkg, 4, **{"核查结果": "部分属实", "现场现状": "已拆除", "现场照片编号": "IMG_0012、IMG_0013",
                           "核查人": "李四", "核查日期": "2026/11/20"})
    report = import_verification(gpkg, result)
    assert report.written and report.errors == []
    assert site_values(result, pid) == ("已拆除", "IMG_0012、IMG_0013", "李四", "2026-11-20")
    assert not any(i.column in {"现场现状", "现场照片编号", "核查人", "核查日期"}
                   for i in report.check.issues)


def test_a_site_state_outside_its_list_is_an_error(gpkg, result):
    pid = edit(gpkg, 5, **{"现场现状": "差不多拆了"})
    report = import_verification(gpkg, result)
    assert not report.written
    assert any(i.column == "现场现状" and i.patch_id == pid for i in report.errors)


def test_an_imported_verification_comes_back_in_the_next_pack(gpkg, result, tmp_path):
    pid = edit(gpkg, 6, **{"现场现状": "在建", "核查日期": "2026-11-21"})
    assert import_verification(gpkg, result).written
    again = prepare_fieldpack(result, str(tmp_path / "again")).gpkg
    ds = ogr.Open(again)
    layer = ds.GetLayerByName("核查图斑")
    layer.SetAttributeFilter(f"\"图斑编号\" = '{pid}'")
    feature = next(iter(layer))
    assert feature.GetField("现场现状") == "在建"
    assert feature.GetFieldAsDateTime("核查日期")[:3] == [2026, 11, 21]


def site_values(result, pid):
    con = sqlite3.connect(result)
    try:
        return con.execute("SELECT ledger_site_state, ledger_photo_ids, ledger_checked_by, "
                           "ledger_checked_on FROM patches WHERE patch_id = ?", (pid,)).fetchone()
    finally:
        con.close()


def test_cli_import_field_writes_edits_and_refuses_errors(gpkg, result, capsys):
    from plugin.cli import main
    pid = edit(gpkg, 1, **{"核查结果": "不属实"})
    assert main(["import-field", gpkg, result, "-q"]) == 0
    assert result_values(result, pid)[0] == "不属实"
    edit(gpkg, 2, **{"核查结果": "差不多"})
    assert main(["import-field", gpkg, result, "-q"]) == 1  # an error: nothing written
    assert result_values(result, pid)[0] == "不属实"


def test_a_date_the_field_app_stored_as_bad_text_is_an_error_not_a_silent_blank(gpkg, result):
    ds = ogr.Open(gpkg, update=1)
    ds.ExecuteSQL('UPDATE "核查图斑" SET "核查日期" = \'2024-13-45\', "核查结果" = \'属实\' '
                  'WHERE "序号" = 7')
    ds = None
    report = import_verification(gpkg, result)
    assert not report.written
    assert [(i.column, "2024-13-45" in i.message) for i in report.errors] == [("核查日期", True)]


def test_the_ledgers_office_columns_are_not_reported_missing_from_field_data(gpkg, result):
    check, _ = check_verification(gpkg, result)
    assert not [i for i in check.issues if i.column in {"整改措施", "责任单位", "整改进展"}]


def test_a_photo_attached_in_qfield_is_imported_with_the_photo_numbers(gpkg, result):
    pid = edit(gpkg, 8, **{"现场照片编号": "IMG_0031", "现场照片": "DCIM/JC_20261120_101500.jpg"})
    report = import_verification(gpkg, result)
    assert report.written and report.errors == []
    assert site_values(result, pid)[1] == "IMG_0031、DCIM/JC_20261120_101500.jpg"
    edit(gpkg, 9, **{"现场照片": "DCIM/only.jpg"})
    assert import_verification(gpkg, result).written
    pid9 = edit(gpkg, 9)
    assert site_values(result, pid9)[1] == "DCIM/only.jpg"


def test_the_packs_own_fields_are_not_reported_as_unknown_ledger_columns(gpkg, result):
    edit(gpkg, 2, **{"核查位置经度": 121.93, "核查位置纬度": 39.74, "核查定位精度(米)": 3.5})
    check, _ = check_verification(gpkg, result)
    assert not [i for i in check.issues if "不是台账的列" in i.message]
    assert check.changed_cells == 0
