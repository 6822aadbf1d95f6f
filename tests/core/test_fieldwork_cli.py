"""``python -m plugin.cli fieldpack``: the field pack from the command line, exit codes, and
the refusal to write over field work that has not come back into the result."""

import re
import shutil
from pathlib import Path

import pytest
from osgeo import ogr

from field_edits import edit, field_value
from plugin.cli import main
from plugin.core.analysis import run_analysis
from plugin.core.fieldwork.field_import import import_verification
from plugin.core.job import load_job

DEMO = Path(__file__).resolve().parents[2] / "resources" / "demo"
AFTER = str(DEMO / "data" / "after.tif")


@pytest.fixture(scope="module")
def demo_result(tmp_path_factory):
    return run_analysis(load_job(str(DEMO / "job.yaml")),
                        str(tmp_path_factory.mktemp("demo"))).result_path


@pytest.fixture()
def result(demo_result, tmp_path):
    copy = tmp_path / "result.gpkg"
    shutil.copyfile(demo_result, copy)
    return str(copy)


def fieldpack(result, out, *more):
    return main(["fieldpack", result, "--out", str(out), "-q", "--no-qgis", *more])


def test_fieldpack_writes_the_mobile_data_and_the_chips(demo_result, tmp_path, capsys):
    out = tmp_path / "pack"
    code = fieldpack(demo_result, out, "--before", str(DEMO / "data" / "before.tif"), "--after", AFTER,
                     "--after-date", "2024/10/1")
    assert code == 0
    assert {p.name for p in out.iterdir()} >= {"核查图斑.gpkg", "参考图层.gpkg", "核查图斑.kml",
                                               "核查图斑.kmz", "chips", "影像", "DCIM"}
    assert len(list((out / "chips").glob("*_前时相.jpg"))) == len(list((out / "chips").glob("*_后时相.jpg")))
    printed = capsys.readouterr().out
    assert "外业核查图斑" in printed and "后时相 2024-10-01" in printed


def test_fieldpack_without_images_writes_no_chips(demo_result, tmp_path):
    assert fieldpack(demo_result, tmp_path) == 0
    assert not (tmp_path / "chips").exists()


def test_fieldpack_on_a_missing_result_exits_2(tmp_path, capsys):
    assert main(["fieldpack", str(tmp_path / "nope.gpkg"), "--out", str(tmp_path / "p")]) == 2
    assert "结果文件不存在" in capsys.readouterr().err


def test_a_date_that_is_no_date_exits_2_naming_the_option(demo_result, tmp_path, capsys):
    assert fieldpack(demo_result, tmp_path / "p", "--after", AFTER, "--after-date", "2024-02-30") == 2
    assert "后时相影像日期" in capsys.readouterr().err


def test_ids_unsafe_or_too_long_for_file_names_exit_0_with_a_chip_each(result, tmp_path):
    ds = ogr.Open(result, update=1)
    ids = ["A/1", "A?1", "X" * 400]
    for k, new in enumerate(ids):
        ds.ExecuteSQL(f"UPDATE patches SET patch_id = '{new}' WHERE fid = "
                      f"(SELECT fid FROM patches WHERE verdict = '违法' ORDER BY fid LIMIT 1 OFFSET {k})")
    ds = None
    assert fieldpack(result, tmp_path / "p", "--after", AFTER) == 0
    mobile = ogr.Open(str(tmp_path / "p" / "核查图斑.gpkg"))
    names = {f.GetField("图斑编号"): f.GetField("后时相切片") for f in mobile.GetLayerByName("核查图斑")}
    assert len({names[pid] for pid in ids}) == 3
    assert all((tmp_path / "p" / names[pid]).is_file() for pid in ids)


def test_a_pack_without_field_work_is_written_again_without_a_copy(result, tmp_path):
    out = tmp_path / "pack"
    assert fieldpack(result, out) == 0
    assert fieldpack(result, out) == 0
    assert list(out.glob("核查图斑.bak-*")) == []


def test_a_pack_holding_field_work_is_refused_with_exit_2_and_left_as_it_is(result, tmp_path, capsys):
    out = tmp_path / "pack"
    assert fieldpack(result, out) == 0
    edit(out / "核查图斑.gpkg", 3, **{"核查结果": "属实"})
    before = (out / "核查图斑.gpkg").read_bytes()
    capsys.readouterr()
    assert fieldpack(result, out) == 2
    message = capsys.readouterr().err
    assert "外业核查内容" in message and "--force" in message and "核查图斑.gpkg" in message
    assert (out / "核查图斑.gpkg").read_bytes() == before
    assert list(out.glob("核查图斑.bak-*")) == []


def test_force_replaces_field_work_keeping_a_copy_with_the_time_in_its_name(result, tmp_path, capsys):
    out = tmp_path / "pack"
    assert fieldpack(result, out) == 0
    edit(out / "核查图斑.gpkg", 3, **{"核查结果": "属实", "现场照片": "DCIM/a.jpg"})
    assert fieldpack(result, out, "--force") == 0
    copies = list(out.glob("核查图斑.bak-*.gpkg"))
    assert len(copies) == 1 and re.fullmatch(r"核查图斑\.bak-\d{8}-\d{6}\.gpkg", copies[0].name)
    assert field_value(copies[0], 3, "核查结果") == "属实"
    assert field_value(out / "核查图斑.gpkg", 3, "核查结果") is None
    assert "已备份为" in capsys.readouterr().out


def test_a_recorded_position_counts_as_field_work(result, tmp_path):
    out = tmp_path / "pack"
    assert fieldpack(result, out) == 0
    edit(out / "核查图斑.gpkg", 1, **{"核查位置经度": 121.9, "核查位置纬度": 39.7})
    assert fieldpack(result, out) == 2


def test_field_work_already_imported_does_not_block_a_new_pack(result, tmp_path):
    out = tmp_path / "pack"
    assert fieldpack(result, out) == 0
    edit(out / "核查图斑.gpkg", 2, **{"核查结果": "不属实", "核查人": "王五"})
    assert import_verification(str(out / "核查图斑.gpkg"), result).written
    assert fieldpack(result, out) == 0
    assert field_value(out / "核查图斑.gpkg", 2, "核查人") == "王五"


def test_a_field_data_file_that_cannot_be_read_is_not_replaced_without_force(result, tmp_path, capsys):
    out = tmp_path / "pack"
    out.mkdir()
    (out / "核查图斑.gpkg").write_bytes(b"edited on a tablet, then damaged")
    assert fieldpack(result, out) == 2
    assert "无法确认" in capsys.readouterr().err
    assert (out / "核查图斑.gpkg").read_bytes() == b"edited on a tablet, then damaged"
    assert fieldpack(result, out, "--force") == 0
    assert [p.read_bytes() for p in out.glob("核查图斑.bak-*.gpkg")] == [b"edited on a tablet, then damaged"]


def test_a_missing_image_exits_2_before_anything_is_written(demo_result, tmp_path, capsys):
    assert fieldpack(demo_result, tmp_path / "p", "--after", str(tmp_path / "none.tif")) == 2
    assert "none.tif" in capsys.readouterr().err
    assert not (tmp_path / "p").exists()


def test_a_folder_that_cannot_be_made_exits_2_naming_it(demo_result, tmp_path, capsys):
    (tmp_path / "a-file").write_text("not a folder")
    assert fieldpack(demo_result, tmp_path / "a-file" / "pack") == 2
    assert "无法写入外业数据包" in capsys.readouterr().err
