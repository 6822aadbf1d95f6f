"""Hostile and damaged inputs through the command line: every case ends with exit 0 and the
damage named in a note (a repair or a drop), or exit 2 with a Chinese message naming the file,
layer, feature or field — never a traceback, never a silent change, never an input altered."""

import contextlib
import hashlib
import io
import os
import shutil

import pytest
from osgeo import ogr, osr
from pyproj import Transformer
from shapely.ops import transform

from hostile_inputs import (base_county, gpkg_blob, polygon_wkb, ring, set_blob,
                            unknown_typed_layer, write_job)
from layer_factory import X0, Y0, square, write_layer
from plugin.cli import main

POLY = f"POLYGON(({X0} {Y0},{X0 + 100} {Y0},{X0 + 100} {Y0 + 100},{X0} {Y0 + 100},{X0} {Y0}))"


def run_cli(args):
    """(exit code, stdout, stderr) of the command line, in this process; any exception that
    escapes main() fails the test (it would be a traceback for the user)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(args)
    return code, out.getvalue(), err.getvalue()


def analyse(folder, job, *extra):
    return run_cli(["analyse", write_job(str(folder), job), "--out", str(folder / "out"), "-q",
                    "-v", *extra])


def patches(folder):
    ds = ogr.Open(str(folder / "out" / "result.gpkg"))
    return {f["patch_id"]: f for f in ds.GetLayerByName("patches")}


def notes(folder):
    ds = ogr.Open(str(folder / "out" / "result.gpkg"))
    return [(f["layer"], f["feature"], f["message"], f["kind"]) for f in ds.GetLayerByName("notes")]


def digest(folder):
    """A fingerprint of every input file, to show none was touched."""
    return {p: hashlib.sha256(open(os.path.join(folder, p), "rb").read()).hexdigest()
            for p in sorted(os.listdir(folder)) if os.path.isfile(os.path.join(folder, p))}


def refused(code, err, *words):
    assert code == 2, err
    assert "输入错误" in err and "Traceback" not in err
    for word in words:
        assert word in err, (word, err)


# ---------------------------------------------------------------------------------------------
# The job file


@pytest.mark.parametrize("text, words", [
    ("patches: [unclosed\n  - : :", ["第 2 行", "YAML"]),
    ("- a\n- b\n", ["顶层"]),
    ("", ["顶层"]),
])
def test_a_job_file_that_is_no_job_is_refused_by_line(tmp_path, text, words):
    path = tmp_path / "job.yaml"
    path.write_text(text, encoding="utf-8")
    refused(*run_cli(["analyse", str(path), "--out", str(tmp_path / "out")])[::2], *words)


def test_a_missing_job_file_is_named(tmp_path):
    code, _, err = run_cli(["analyse", str(tmp_path / "nope.yaml"), "--out", str(tmp_path)])
    refused(code, err, "nope.yaml", "无法读取任务文件")


def test_a_job_file_saved_as_gbk_is_read_and_noted(tmp_path):
    job = base_county(str(tmp_path))
    job["name"] = "示范县 2024 年度第一批"
    path = write_job(str(tmp_path), job, encoding="gbk")
    code, out, err = run_cli(["analyse", path, "--out", str(tmp_path / "out"), "-q", "-v"])
    assert code == 0, err
    assert any("GBK" in n[2] for n in notes(tmp_path))
    assert set(patches(tmp_path)) == {"P1", "P2", "P3", "P4"}


@pytest.mark.parametrize("key, value, words", [
    ("crs", [1, 2], ["crs", "文本"]),
    ("crs", "EPSG:99999", ["crs", "无法识别的坐标系"]),
    ("min_area_m2", float("inf"), ["min_area_m2"]),
    ("min_area_m2", float("nan"), ["min_area_m2"]),
    ("min_area_m2", -5, ["min_area_m2"]),
    ("min_area_m2", "abc", ["min_area_m2"]),
    ("baselines", ["farmland"], ["baselines"]),
])
def test_bad_top_level_values_are_refused_naming_the_key(tmp_path, key, value, words):
    job = base_county(str(tmp_path))
    job[key] = value
    refused(*analyse(tmp_path, job)[::2], *words)


@pytest.mark.parametrize("role, key, value, words", [
    ("patches", "layer", ["JCTB"], ["patches.layer", "文本"]),
    ("farmland", "crs", {"a": 1}, ["farmland.crs"]),
    ("farmland", "crs", "not a crs", ["farmland.crs", "无法识别的坐标系"]),
    ("farmland", "where", "DLBM", ["farmland.where"]),
    ("patches", "id_field", "NOPE", ["NOPE", "缺少字段"]),
    ("patches", "before_field", "NOPE", ["NOPE", "缺少字段"]),
    ("patches", "path", "nowhere.gpkg", ["nowhere.gpkg", "不存在"]),
])
def test_bad_layer_entries_are_refused_naming_layer_and_field(tmp_path, role, key, value, words):
    job = base_county(str(tmp_path))
    entry = job["patches"] if role == "patches" else job["baselines"][role]
    entry[key] = value
    refused(*analyse(tmp_path, job)[::2], *words)


def test_an_admin_layer_without_field_names_is_refused(tmp_path):
    job = base_county(str(tmp_path))
    del job["admin"]["township_field"], job["admin"]["village_field"]
    refused(*analyse(tmp_path, job)[::2], "township_field")


def test_a_layer_number_is_taken_as_its_name_and_refused_when_absent(tmp_path):
    job = base_county(str(tmp_path))
    job["patches"]["layer"] = 5
    refused(*analyse(tmp_path, job)[::2], "找不到图层 '5'", "JCTB")


def test_a_zero_padded_code_in_where_stays_a_code(tmp_path):
    """YAML reads 0101 as the octal number 65: a job's leading-zero numbers stay text."""
    job = base_county(str(tmp_path))
    path = write_job(str(tmp_path), job)
    text = open(path, encoding="utf-8").read().replace("- 01*", "- 0101")
    assert "- 0101" in text
    open(path, "w", encoding="utf-8").write(text)
    code, _, err = run_cli(["analyse", path, "--out", str(tmp_path / "out"), "-q"])
    assert code == 0, err
    rows = patches(tmp_path)
    assert rows["P2"]["farmland_m2"] > 0  # P2 lies on the 0101 parcel
    assert rows["P1"]["farmland_m2"] == 0  # P1 on 0103: not in where


@pytest.mark.parametrize("where", [[101, 102, 103], ["101", "102", "103"]])
def test_codes_that_lost_their_leading_zero_in_where_are_restored_with_a_note(tmp_path, where):
    job = base_county(str(tmp_path))
    job["baselines"]["farmland"]["where"] = {"DLBM": where}
    code, _, err = analyse(tmp_path, job)
    assert code == 0, err
    assert patches(tmp_path)["P1"]["farmland_m2"] == pytest.approx(10000, rel=1e-3)
    assert any("前导零" in n[2] for n in notes(tmp_path))


def test_a_baseline_storing_dlbm_as_numbers_still_filters_farmland(tmp_path):
    job = base_county(str(tmp_path))
    write_layer(str(tmp_path / "dltb.gpkg"), [square(-50, -50, 300), square(250, -50, 300)],
                [{"DLBM": 103}, {"DLBM": 101}], layer="DLTB")
    code, out, err = analyse(tmp_path, job)
    assert code == 0, err
    rows = patches(tmp_path)
    assert rows["P1"]["farmland_m2"] == pytest.approx(10000, rel=1e-3)
    assert rows["P2"]["farmland_m2"] == pytest.approx(6400, rel=1e-3)
    assert any("103" in n[2] and "0103" in n[2] for n in notes(tmp_path))


def test_a_baseline_left_empty_by_its_filter_is_a_loud_warning(tmp_path):
    job = base_county(str(tmp_path))
    job["baselines"]["farmland"]["where"] = {"DLBM": ["9999"]}
    code, out, err = analyse(tmp_path, job)
    assert code == 0, err
    warning = next(line for line in out.splitlines() if line.startswith("警告"))
    assert "耕地" in warning and "过滤前 3 个要素" in warning


# ---------------------------------------------------------------------------------------------
# Damaged layers


def test_an_unreadable_geometry_blob_drops_its_patch_by_name(tmp_path):
    job = base_county(str(tmp_path))
    set_blob(str(tmp_path / "jctb.gpkg"), "JCTB", 2, b"not a geometry at all")
    before = digest(tmp_path)
    code, _, err = analyse(tmp_path, job)
    assert code == 0, err
    assert set(patches(tmp_path)) == {"P1", "P3", "P4"}
    assert [n[1] for n in notes(tmp_path) if n[3] == "drop"] == ["P2"]
    assert {k: v for k, v in digest(tmp_path).items() if k != "job.yaml"} == \
        {k: v for k, v in before.items() if k != "job.yaml"}


@pytest.mark.parametrize("blob", [b"\x01\x03\x00\x00\x00\xff\xff", b"\x01\x06\x00\x00\x00\xff\xff\xff\x7f",
                                  b"\x02" + b"\x00" * 30])
def test_truncated_wkb_in_a_baseline_drops_that_parcel_and_warns(tmp_path, blob):
    job = base_county(str(tmp_path))
    set_blob(str(tmp_path / "dltb.gpkg"), "DLTB", 1, gpkg_blob(blob))
    code, out, err = analyse(tmp_path, job)
    assert code == 0, err
    assert patches(tmp_path)["P1"]["farmland_m2"] == 0  # its parcel is gone, and it says so
    assert any(line.startswith("警告") and "耕地" in line and "剔除" in line
               for line in out.splitlines())


def test_points_and_lines_in_an_untyped_patch_layer_are_named_and_left_out(tmp_path):
    job = base_county(str(tmp_path))
    unknown_typed_layer(str(tmp_path / "u.gpkg"),
                        [f"POINT({X0} {Y0})", POLY, f"LINESTRING({X0} {Y0},{X0 + 5} {Y0 + 5})"],
                        [{"JCBH": f"G{i}", "QDLBM": "0103", "HDLBM": "0702"} for i in range(3)],
                        "U")
    job["patches"].update(path="u.gpkg", layer="U")
    code, _, err = analyse(tmp_path, job)
    assert code == 0, err
    assert set(patches(tmp_path)) == {"G1"}
    dropped = {n[1]: n[2] for n in notes(tmp_path) if n[3] == "drop"}
    assert set(dropped) == {"G0", "G2"}
    assert "POINT" in dropped["G0"] and "LINESTRING" in dropped["G2"]


def test_the_polygons_of_a_geometry_collection_are_kept_with_a_note(tmp_path):
    job = base_county(str(tmp_path))
    unknown_typed_layer(str(tmp_path / "u.gpkg"), [f"GEOMETRYCOLLECTION({POLY},POINT({X0} {Y0}))"],
                        [{"JCBH": "G", "QDLBM": "0103", "HDLBM": "0702"}], "U")
    job["patches"].update(path="u.gpkg", layer="U")
    code, _, err = analyse(tmp_path, job)
    assert code == 0, err
    assert patches(tmp_path)["G"]["planar_m2"] == pytest.approx(10000, abs=1e-6)
    assert any(n[1] == "G" and n[3] == "repair" for n in notes(tmp_path))


@pytest.mark.parametrize("bad, area, kind", [
    ("open", 10000.0, "repair"),              # the ring closed again
    ("nan", 5000.0, "repair"),                # the NaN corner removed: a triangle remains
    ("inf", 5000.0, "repair"),
    ("two points", None, "drop"),
])
def test_defective_rings_are_repaired_or_dropped_by_name(tmp_path, bad, area, kind):
    job = base_county(str(tmp_path))
    r = ring(0, 0, 100)
    if bad == "open":
        r = r[:-1]
    elif bad == "two points":
        r = r[:2]
    else:
        r[2] = (float(bad), r[2][1])
    set_blob(str(tmp_path / "jctb.gpkg"), "JCTB", 1, gpkg_blob(polygon_wkb([r])))
    code, _, err = analyse(tmp_path, job)
    assert code == 0, err
    rows = patches(tmp_path)
    if area is None:
        assert "P1" not in rows
    else:
        assert rows["P1"]["planar_m2"] == pytest.approx(area, abs=1e-6)
    assert [(n[1], n[3]) for n in notes(tmp_path) if n[3] in ("repair", "drop")] == [("P1", kind)]


def test_a_nan_vertex_in_basic_farmland_is_repaired_not_silently_lost(tmp_path):
    job = base_county(str(tmp_path))
    r = ring(150, -50, 200)
    r[1] = (float("nan"), float("nan"))  # the corner at (350, -50): a triangle remains
    set_blob(str(tmp_path / "yjjbnt.gpkg"), "YJJBNTTB", 1, gpkg_blob(polygon_wkb([r])))
    code, _, err = analyse(tmp_path, job)
    assert code == 0, err
    assert patches(tmp_path)["P2"]["basic_farmland_m2"] > 0
    assert any(n[0].startswith("永久基本农田") and n[3] == "repair" for n in notes(tmp_path))


@pytest.mark.parametrize("damage", ["zero bytes", "half", "garbled pages"])
def test_a_damaged_geopackage_is_refused_by_name(tmp_path, damage):
    job = base_county(str(tmp_path))
    path = tmp_path / "dltb.gpkg"
    data = bytearray(path.read_bytes())
    if damage == "zero bytes":
        data = b""
    elif damage == "half":
        data = data[:len(data) // 2]
    else:
        data[100:4096] = bytes(range(256)) * 15 + bytes(range(156))
    path.write_bytes(bytes(data))
    refused(*analyse(tmp_path, job)[::2], "dltb.gpkg")


def test_a_line_layer_as_patches_is_refused(tmp_path):
    job = base_county(str(tmp_path))
    ds = ogr.GetDriverByName("GPKG").CreateDataSource(str(tmp_path / "l.gpkg"))
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(4529)
    ds.CreateLayer("L", srs, ogr.wkbLineString)
    ds = None
    job["patches"].update(path="l.gpkg", layer="L")
    refused(*analyse(tmp_path, job)[::2], "l.gpkg", "面图层")


def test_a_gbk_shapefile_whose_cpg_says_utf8_is_read_as_gbk(tmp_path):
    job = base_county(str(tmp_path))
    write_layer(str(tmp_path / "p.shp"), [square(0, 0, 100)],
                [{"JCBH": "图斑一", "QDLBM": "0103", "HDLBM": "0702"}], encoding="GBK")
    (tmp_path / "p.cpg").write_text("UTF-8")
    job["patches"] = {"path": "p.shp", "id_field": "JCBH", "before_field": "QDLBM",
                      "after_field": "HDLBM"}
    code, _, err = analyse(tmp_path, job)
    assert code == 0, err
    assert set(patches(tmp_path)) == {"图斑一"}
    assert any("GB18030" in n[2] for n in notes(tmp_path))


# ---------------------------------------------------------------------------------------------
# Ids and repeated ground


def test_made_up_ids_never_collide_with_delivered_ones(tmp_path):
    attrs = [{"JCBH": i, "QDLBM": "0103", "HDLBM": "0702"} for i in ("A", "A", "A#2", None)]
    job = base_county(str(tmp_path), patch_attrs=attrs)
    code, _, err = analyse(tmp_path, job)
    assert code == 0, err
    rows = patches(tmp_path)
    assert len(rows) == 4
    assert rows["A#2"]["planar_m2"] == pytest.approx(3600)  # the third patch kept its own id
    assert rows["A#3"]["planar_m2"] == pytest.approx(6400)  # the repeat took the next free one


def test_two_patches_with_one_geometry_are_a_warning(tmp_path):
    job = base_county(str(tmp_path), patch_geoms=[square(0, 0, 100), square(0, 0, 100),
                                                 square(400, 0, 60), square(0, 300, 50)])
    code, out, err = analyse(tmp_path, job)
    assert code == 0, err
    assert any(line.startswith("警告") and "P2" in line and "P1" in line
               for line in out.splitlines())


# ---------------------------------------------------------------------------------------------
# Field names that reach SQL

HOSTILE_NAMES = ['a"b', "c--d", "e;f", "[g]", "名称", "x\"); DROP TABLE patches; --",
                 'x", "verdict") VALUES (1, 2); UPDATE patches SET verdict = \'合法\'; --']


def test_hostile_field_names_neither_break_nor_rewrite_the_result(tmp_path):
    clean = tmp_path / "clean"
    clean.mkdir()
    assert analyse(clean, base_county(str(clean)))[0] == 0
    attrs = [{"JCBH": i, "QDLBM": b, "HDLBM": a, **{n: f"{n}={i}" for n in HOSTILE_NAMES}}
             for i, b, a in (("P1", "0103", "0702"), ("P2", "0101", "0601"),
                             ("P3", "0301", "0702"), ("P4", "0103", "1202"))]
    job = base_county(str(tmp_path), patch_attrs=attrs)
    code, _, err = analyse(tmp_path, job)
    assert code == 0, err
    rows, expected = patches(tmp_path), patches(clean)
    assert {k: r["verdict"] for k, r in rows.items()} == {k: r["verdict"] for k, r in expected.items()}
    for pid, row in rows.items():
        for name in HOSTILE_NAMES:
            assert row[name] == f"{name}={pid}"


def test_source_fields_named_like_result_fields_are_renamed_without_clash(tmp_path):
    attrs = [{"JCBH": i, "QDLBM": "0103", "HDLBM": "0702", "verdict": "合法", "verdict_src": "x",
              "VERDICT_SRC2": "y", "area_m2": 1.0} for i in ("A", "B", "C", "D")]
    job = base_county(str(tmp_path), patch_attrs=attrs)
    code, _, err = analyse(tmp_path, job)
    assert code == 0, err
    row = patches(tmp_path)["A"]
    assert row["verdict"] == "需核实" and row["area_m2"] > 9000
    assert row["verdict_src"] == "x" and row["VERDICT_SRC2"] == "y"
    assert row["verdict_src3"] == "合法" and row["area_m2_src"] == 1.0


# ---------------------------------------------------------------------------------------------
# Outputs


def test_an_output_folder_that_is_a_file_is_refused(tmp_path):
    job = base_county(str(tmp_path))
    (tmp_path / "outfile").write_text("x")
    code, _, err = run_cli(["analyse", write_job(str(tmp_path), job), "--out",
                            str(tmp_path / "outfile"), "-q"])
    refused(code, err, "outfile", "不是文件夹")


def test_an_output_folder_that_cannot_exist_is_refused(tmp_path):
    job = base_county(str(tmp_path))
    code, _, err = run_cli(["analyse", write_job(str(tmp_path), job), "--out", "/proc/nope/out"])
    refused(code, err, "/proc/nope/out", "无法写出")


@pytest.mark.parametrize("linked", [False, True])
def test_an_output_that_is_an_input_is_refused_and_the_input_kept(tmp_path, linked):
    job = base_county(str(tmp_path))
    (tmp_path / "out").mkdir()
    if linked:
        os.symlink(tmp_path / "jctb.gpkg", tmp_path / "out" / "result.gpkg")
    else:
        shutil.move(str(tmp_path / "jctb.gpkg"), str(tmp_path / "out" / "result.gpkg"))
        job["patches"]["path"] = "out/result.gpkg"
    before = hashlib.sha256((tmp_path / "out" / "result.gpkg").read_bytes()).hexdigest()
    refused(*analyse(tmp_path, job)[::2], "result.gpkg", "输入")
    assert hashlib.sha256((tmp_path / "out" / "result.gpkg").read_bytes()).hexdigest() == before


def test_stale_temporary_files_of_a_killed_run_are_removed_by_the_next(tmp_path):
    job = base_county(str(tmp_path))
    (tmp_path / "out").mkdir()
    dead = 2 ** 22 + 12345  # above Linux's default pid_max: no such process
    stale = tmp_path / "out" / f".tmp-{dead}-abc.gpkg"
    stale.write_bytes(b"half")
    (tmp_path / "out" / f".tmp-{dead}-abc.gpkg-journal").write_bytes(b"x")
    mine = tmp_path / "out" / f".tmp-{os.getppid()}-live.gpkg"  # a live process: kept
    mine.write_bytes(b"keep")
    assert analyse(tmp_path, job)[0] == 0
    assert not stale.exists() and mine.exists()


# ---------------------------------------------------------------------------------------------
# Patches delivered in degrees over parcels in metres


def test_patches_in_degrees_over_prefixed_gauss_kruger_parcels(tmp_path):
    job = base_county(str(tmp_path))
    to_degrees = Transformer.from_crs(4529, 4490, always_xy=True).transform
    geoms = [transform(to_degrees, g) for g in (square(0, 0, 100), square(200, 0, 80))]
    write_layer(str(tmp_path / "ll.gpkg"), geoms,
                [{"JCBH": "L1", "QDLBM": "0103", "HDLBM": "0702"},
                 {"JCBH": "L2", "QDLBM": "0101", "HDLBM": "0601"}], layer="LL", epsg=4490)
    job["patches"].update(path="ll.gpkg", layer="LL")
    code, _, err = analyse(tmp_path, job)
    assert code == 0, err
    rows = patches(tmp_path)
    assert rows["L1"]["farmland_m2"] == pytest.approx(rows["L1"]["area_m2"], abs=0.01)
    assert rows["L2"]["basic_farmland_m2"] == pytest.approx(rows["L2"]["area_m2"], abs=0.01)
