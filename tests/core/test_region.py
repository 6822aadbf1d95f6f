"""A city's batch county by county on dask (``analyse-region``): four generated counties, run as
a region (county job files, or region-wide layers cut by county) on a LocalCluster, give what
the four county runs give; border patches count once; a failed county is reported while the
others finish; a rerun recomputes only what changed."""

import os
import re
import shutil
from decimal import ROUND_HALF_UP, Decimal

import openpyxl
import pytest
from osgeo import ogr

from area_oracle import geodesic_area
from ledger_sheet import summary_blocks
from region_counties import BORDER_CODED, BORDER_UNCODED, COUNTIES, NAMES, build_region
from plugin.cli import main
from plugin.core.analysis import run_analysis
from plugin.core.job import load_job
from plugin.core.region.county_task import DONE, UNCHANGED
from plugin.core.region.run import run_region

AREA_FIELDS = ("area_m2", "farmland_m2", "basic_farmland_m2", "red_line_m2", "approved_m2",
               "farmland_free_m2", "flag_area_m2")
COMPARED = ("verdict", "violation_type", "township", "village") + AREA_FIELDS


def patches_of(path):
    """{(county code or None, patch id): attributes} of a result's or region's patches layer."""
    ds = ogr.Open(str(path))
    out = {}
    for f in ds.GetLayerByName("patches"):
        items = f.items()
        key = (items.get("county_code"), items["patch_id"])
        assert key not in out, f"{key} twice"
        items["_geom"] = f.GetGeometryRef().ExportToWkb()
        out[key] = items
    return out


@pytest.fixture(scope="module")
def region(tmp_path_factory):
    """The four counties, with each county's own run (the oracle) done once."""
    folder = tmp_path_factory.mktemp("region")
    patches = build_region(folder)
    county_runs = {}
    for code in COUNTIES:
        result = run_analysis(load_job(str(folder / code / "job.yaml")), str(folder / "single" / code),
                              job_workers=1)
        county_runs[code] = {pid: row for (_c, pid), row in patches_of(result.result_path).items()}
    return folder, patches, county_runs


@pytest.fixture(scope="module")
def partitioned(region):
    folder = region[0]
    return run_region(str(folder / "partitioned.yaml"), str(folder / "out-partitioned"), workers=2)


@pytest.fixture(scope="module")
def by_county_jobs(region):
    folder = region[0]
    return run_region(str(folder / "counties.yaml"), str(folder / "out-jobs"), workers=2)


def assert_equals_county_runs(region_path, county_runs):
    rows = patches_of(region_path)
    for code, expected in county_runs.items():
        got = {pid: row for (c, pid), row in rows.items() if c == code}
        assert sorted(got) == sorted(expected), code
        for pid, row in expected.items():
            for name in COMPARED:
                if name in AREA_FIELDS:
                    assert got[pid][name] == pytest.approx(row[name], abs=1e-6), (code, pid, name)
                else:
                    assert got[pid][name] == row[name], (code, pid, name)
    assert len(rows) == sum(len(e) for e in county_runs.values())


def test_region_wide_layers_cut_by_county_give_what_the_four_county_runs_give(region, partitioned):
    assert [o.status for o in partitioned.outcomes] == [DONE] * 4
    assert_equals_county_runs(partitioned.gpkg_path, region[2])


def test_a_region_of_county_job_files_gives_what_the_four_county_runs_give(region, by_county_jobs):
    assert [(o.code, o.name, o.status) for o in by_county_jobs.outcomes] == \
        [(c, NAMES[c], DONE) for c in COUNTIES]
    assert_equals_county_runs(by_county_jobs.gpkg_path, region[2])


def test_each_countys_own_result_lies_in_its_folder_beside_the_region_file(partitioned):
    out = os.path.dirname(partitioned.gpkg_path)
    for code in COUNTIES:
        rows = patches_of(os.path.join(out, code, "result.gpkg"))
        region_rows = {k: v for k, v in patches_of(partitioned.gpkg_path).items() if k[0] == code}
        assert {pid for _c, pid in rows} == {pid for _c, pid in region_rows}


def test_the_region_layer_carries_the_chinese_aliases_qgis_shows(partitioned):
    ds = ogr.Open(partitioned.gpkg_path)
    styles = ds.GetLayerByName("layer_styles")
    styles.SetAttributeFilter("f_table_name = 'patches'")
    qml = next(iter(styles))["styleQML"]

    for field, alias in (("county_code", "县级代码"), ("county_name", "县名"),
                         ("area_m2", "图斑面积(平方米)"), ("verdict", "判定结果")):
        assert re.search(f'<alias field="{field}" index="\\d+" name="{re.escape(alias)}"/>', qml)


def test_a_patch_across_a_county_border_counts_once_whole_in_the_county_its_code_names(
        region, partitioned):
    rows = patches_of(partitioned.gpkg_path)
    found = [key for key in rows if key[1] == BORDER_CODED]
    assert found == [("331001", BORDER_CODED)]
    geom = next(g for g, a in region[1]["331001"] if a["JCBH"] == BORDER_CODED)
    assert rows[found[0]]["area_m2"] == pytest.approx(geodesic_area(geom), rel=1e-7)


def test_a_patch_without_a_code_goes_to_the_county_holding_its_centroid(region, partitioned):
    found = [key for key in patches_of(partitioned.gpkg_path) if key[1] == BORDER_UNCODED]
    assert found == [("331002", BORDER_UNCODED)]
    assert any(n.feature == BORDER_UNCODED and "质心" in n.message and "331002" in n.message
               for n in partitioned.notes)


def test_every_patch_of_the_region_layer_is_in_exactly_one_county(region, partitioned):
    source = ogr.Open(str(region[0] / "region" / "jctb.gpkg"))
    rows = patches_of(partitioned.gpkg_path)
    assert len(rows) == source.GetLayer(0).GetFeatureCount() == partitioned.patch_count
    # ids repeat between counties: the county code tells them apart
    assert ("331001", "JC001") in rows and ("331004", "JC001") in rows


def _shown_mu(m2):
    return Decimal(repr(m2)) * Decimal("0.0015")


def test_the_summary_adds_up_each_countys_flagged_patches_by_county_and_by_type(partitioned):
    blocks = summary_blocks(partitioned.summary_path)
    names, counties, total = blocks["按县汇总"]
    rows = patches_of(partitioned.gpkg_path).values()
    for code, line in zip(COUNTIES, counties):
        flagged = [r for r in rows if r["county_code"] == code and r["verdict"] in ("违法", "需核实")]
        assert line[names[0]] == f"{code} {NAMES[code]}"
        assert line["图斑数(个)"] == len(flagged)
        assert line["违法(个)"] == sum(1 for r in flagged if r["verdict"] == "违法")
        shown = sum(_shown_mu(r["area_m2"]).quantize(Decimal("0.01"), ROUND_HALF_UP)
                    for r in flagged)
        assert Decimal(repr(line["图斑面积(亩)"])) == shown
    by_type = blocks["按违法类型汇总"]
    assert by_type[2]["图斑数(个)"] == total["图斑数(个)"] == sum(c["图斑数(个)"] for c in counties)
    assert by_type[2]["认定面积(亩)"] == pytest.approx(total["认定面积(亩)"], abs=1e-9)


def test_the_summary_prints_as_the_ledger_does_under_the_regions_title(partitioned):
    wb = openpyxl.load_workbook(partitioned.summary_path)
    sheet = wb["汇总"]
    assert sheet["A1"].value == "示范市2024年度卫片执法问题图斑整改台账（汇总）"
    assert "2024年度第一批" in sheet["A2"].value
    assert int(sheet.page_setup.paperSize) == int(sheet.PAPERSIZE_A3)
    assert sheet.page_setup.orientation == "landscape" and sheet.page_setup.fitToWidth == 1
    assert sheet.print_title_rows == "3:4"
    notes = [row for row in wb["说明"].iter_rows(values_only=True)]
    assert any(row[0] == "面积口径" for row in notes)
    assert [row[0] for row in notes if row[0] and row[0][:6] in COUNTIES] == \
        [f"{c} {NAMES[c]}" for c in COUNTIES]


def copy_of(region, tmp_path):
    """The four counties' inputs, to change without touching the module's."""
    folder = tmp_path / "data"
    shutil.copytree(region[0], folder, ignore=shutil.ignore_patterns("out-*", "single"))
    return folder


def test_a_failed_county_is_reported_the_others_finish_and_the_exit_code_says_so(
        region, tmp_path, capsys):
    folder = copy_of(region, tmp_path)
    job = folder / "331002" / "job.yaml"
    job.write_text(job.read_text(encoding="utf-8").replace("id_field: JCBH", "id_field: NOPE"),
                   encoding="utf-8")

    code = main(["analyse-region", str(folder / "counties.yaml"), "--out", str(tmp_path / "out"),
                 "--workers", "2", "-q"])

    captured = capsys.readouterr()
    assert code == 2
    assert "331002 乙县" in captured.err and "NOPE" in captured.err and "Traceback" not in captured.err
    rows = patches_of(tmp_path / "out" / "region.gpkg")
    assert {c for c, _pid in rows} == {"331001", "331003", "331004"}
    ds = ogr.Open(str(tmp_path / "out" / "region.gpkg"))
    table = {f["county_code"]: f.items() for f in ds.GetLayerByName("counties")}
    assert table["331002"]["status"] == "失败" and "NOPE" in table["331002"]["message"]
    heading = openpyxl.load_workbook(tmp_path / "out" / "region_summary.xlsx")["汇总"]["A2"].value
    assert "1 个县未完成" in heading and "331002 乙县" in heading


def test_a_rerun_recomputes_only_the_county_whose_patches_changed(region, tmp_path):
    folder = copy_of(region, tmp_path)
    out = tmp_path / "out"
    first = run_region(str(folder / "partitioned.yaml"), str(out), workers=2)
    before = {c: os.stat(out / c / "result.gpkg").st_mtime_ns for c in COUNTIES}
    ds = ogr.Open(str(folder / "region" / "jctb.gpkg"), 1)
    lyr = ds.GetLayer(0)
    lyr.SetAttributeFilter("XZQDM LIKE '331003%' AND JCBH = 'JC002'")
    feature = lyr.GetNextFeature()
    feature.SetField("HDLBM", "1202" if feature.GetField("HDLBM") != "1202" else "0702")
    lyr.SetFeature(feature)
    changed_to = feature.GetField("HDLBM")
    ds = None

    again = run_region(str(folder / "partitioned.yaml"), str(out), workers=2)

    assert [o.status for o in first.outcomes] == [DONE] * 4
    assert {o.code: o.status for o in again.outcomes} == {
        "331001": UNCHANGED, "331002": UNCHANGED, "331003": DONE, "331004": UNCHANGED}
    assert [c for c in COUNTIES if os.stat(out / c / "result.gpkg").st_mtime_ns != before[c]] \
        == ["331003"]
    assert patches_of(again.gpkg_path)[("331003", "JC002")]["after_class"] == changed_to


def test_counties_in_different_crs_meet_in_cgcs2000_degrees_with_their_own_areas(region,
                                                                                tmp_path):
    folder = copy_of(region, tmp_path)
    job = folder / "331004" / "job.yaml"
    job.write_text(job.read_text(encoding="utf-8") + "crs: EPSG:4550\n", encoding="utf-8")

    result = run_region(str(folder / "counties.yaml"), str(tmp_path / "out"), workers=2)

    ds = ogr.Open(result.gpkg_path)
    layer = ds.GetLayerByName("patches")
    assert layer.GetSpatialRef().GetAuthorityCode(None) == "4490"
    minx, maxx, miny, maxy = layer.GetExtent()
    assert 122 < minx < maxx < 124 and 39 < miny < maxy < 40
    rows = patches_of(result.gpkg_path)
    for code in ("331001", "331004"):
        for geom, attrs in region[1][code]:
            assert rows[(code, attrs["JCBH"])]["area_m2"] == \
                pytest.approx(geodesic_area(geom), rel=1e-6)


def test_a_region_file_with_both_counties_and_a_job_is_refused_by_key(tmp_path, capsys):
    path = tmp_path / "region.yaml"
    path.write_text("counties: [{code: '331001', job: a.yaml}]\njob: b.yaml\n", encoding="utf-8")

    assert main(["analyse-region", str(path), "--out", str(tmp_path / "out")]) == 2
    assert "键 counties" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("code", ["33100", "03310a", "3310011"])
def test_a_county_code_must_be_six_digits(tmp_path, code, capsys):
    path = tmp_path / "region.yaml"
    path.write_text(f"counties: [{{code: '{code}', job: a.yaml}}]\n", encoding="utf-8")

    assert main(["analyse-region", str(path), "--out", str(tmp_path / "out")]) == 2
    assert "counties[1].code" in capsys.readouterr().err


def test_an_unreachable_scheduler_is_bad_input_not_a_traceback(region, tmp_path, capsys,
                                                               monkeypatch):
    from plugin.core.region import cluster

    monkeypatch.setattr(cluster, "CONNECT_SECONDS", 2)
    code = main(["analyse-region", str(region[0] / "partitioned.yaml"), "--out",
                 str(tmp_path / "out"), "--scheduler", "tcp://127.0.0.1:9", "-q"])

    err = capsys.readouterr().err
    assert code == 2 and "无法连接 dask 调度器" in err and "Traceback" not in err


def _partition_of(folder, region_text):
    from plugin.core.region.partition import partition_patches
    from plugin.core.region.region_file import load_region

    path = folder / "p.yaml"
    path.write_text(region_text, encoding="utf-8")
    region = load_region(str(path))
    return partition_patches(region.job, region.partition)


def test_patches_without_a_county_code_and_no_county_layer_are_refused_by_name(region):
    from plugin.core.errors import InputError

    with pytest.raises(InputError) as error:
        _partition_of(region[0], "job: region/job.yaml\npartition: {code_field: XZQDM}\n")

    assert BORDER_UNCODED in error.value.message and error.value.field == "XZQDM"
    assert "counties" in error.value.message


def test_without_a_county_layer_the_counties_are_the_codes_found(region, tmp_path):
    from plugin.core.region.partition import partition_patches
    from plugin.core.region.region_file import load_region

    folder = copy_of(region, tmp_path)
    loaded = load_region(str(folder / "partitioned.yaml"))
    loaded.partition.counties = None
    ds = ogr.Open(str(folder / "region" / "jctb.gpkg"), 1)
    ds.ExecuteSQL(f"DELETE FROM JCTB WHERE JCBH = '{BORDER_UNCODED}'")
    ds = None

    parts = partition_patches(loaded.job, loaded.partition)

    assert [c.code for c in parts.counties] == list(COUNTIES)
    assert {c: len(f) for c, f in parts.fids.items()} == \
        {c: sum(1 for _g, a in region[1][c] if a["XZQDM"]) for c in COUNTIES}


def test_a_code_of_no_county_in_the_county_layer_goes_by_centroid_with_a_warning(region, tmp_path):
    from plugin.core.region.partition import partition_patches
    from plugin.core.region.region_file import load_region
    from layer_factory import write_layer
    from region_counties import PATCH_FIELDS, county_box

    write_layer(str(tmp_path / "jctb.gpkg"), [county_box("331004", dx=450, dy=450)],
                [{"JCBH": "X1", "QDLBM": "0101", "HDLBM": "0702", "XZQDM": "339999001001"}],
                layer="JCTB", fields=PATCH_FIELDS)
    loaded = load_region(str(region[0] / "partitioned.yaml"))
    loaded.job.patches.path = str(tmp_path / "jctb.gpkg")

    parts = partition_patches(loaded.job, loaded.partition)

    assert {c: len(f) for c, f in parts.fids.items() if len(f)} == {"331004": 1}
    assert [(n.feature, n.kind) for n in parts.notes] == [("X1", "warning")]
    assert "339999001001" in parts.notes[0].message and "331004" in parts.notes[0].message


def test_a_county_layer_feature_without_a_county_code_is_refused_by_feature(region, tmp_path):
    from plugin.core.errors import InputError
    from layer_factory import write_layer
    from region_counties import county_box

    folder = copy_of(region, tmp_path)
    write_layer(str(folder / "xx.gpkg"), [county_box("331001")], [{"XZQDM": "33A001"}],
                layer="XJ")

    with pytest.raises(InputError) as error:
        _partition_of(folder, "job: region/job.yaml\npartition:\n"
                                "  counties: {path: xx.gpkg, code_field: XZQDM}\n")

    assert error.value.field == "XZQDM" and error.value.feature == "FID 1"
    assert "33A001" in error.value.message


def test_a_shapefiles_attributes_are_part_of_its_fingerprint(tmp_path):
    from layer_factory import square, write_layer
    from plugin.core.region.fingerprint import input_fingerprint

    path = str(tmp_path / "jctb.shp")
    write_layer(path, [square(0, 0, 10)], [{"JCBH": "A"}])
    before = input_fingerprint(path)
    ds = ogr.Open(path, 1)
    lyr = ds.GetLayer(0)
    feature = lyr.GetNextFeature()
    feature.SetField("JCBH", "B")
    lyr.SetFeature(feature)
    ds = None

    assert input_fingerprint(path) != before


def test_workers_are_chosen_only_for_the_local_cluster(region, capsys):
    with pytest.raises(SystemExit) as stop:
        main(["analyse-region", str(region[0] / "partitioned.yaml"), "--out", "unused",
              "--workers", "2", "--scheduler", "tcp://127.0.0.1:8786"])

    assert stop.value.code == 2 and "--workers 只用于本机 LocalCluster" in capsys.readouterr().err


def test_the_console_shows_the_dashboard_a_bar_and_each_countys_outcome():
    import io

    from plugin.core.region.cluster import ClusterInfo
    from plugin.core.region.console import ConsoleProgress
    from plugin.core.region.county_task import CountyOutcome

    out = io.StringIO()
    console = ConsoleProgress(out)
    console.started(ClusterInfo("tcp://127.0.0.1:8786", "http://127.0.0.1:8787/status", 2, True), 2)
    console.county_progress("331001", 0.5, "叠加 耕地")
    console.county_done(CountyOutcome("331001", "甲县", DONE, patch_count=3,
                                      verdicts={"违法": 2, "合法": 1}, seconds=1.5))
    console.county_done(CountyOutcome("331002", "乙县", "failed", "输入错误: [图层 x] 缺少字段"))

    lines = out.getvalue().splitlines()
    assert "仪表板: http://127.0.0.1:8787/status" in lines and "共 2 个县" in lines
    assert "  331001 [ 50%] 叠加 耕地" in lines
    assert lines[-3] == ("[############------------] 1/2 331001 甲县: 完成，图斑 3 个 (合法 1，违法 2)，"
                         "用时 1.5 秒")
    assert lines[-2] == "[########################] 2/2 331002 乙县: 失败"
    assert lines[-1] == "    输入错误: [图层 x] 缺少字段"


def _county_task(region, tmp_path):
    from plugin.core.job import job_to_dict
    from plugin.core.region.county_task import CountyTask

    folder = region[0]
    return CountyTask("331001", "甲县", str(tmp_path / "331001"),
                      job_to_dict(load_job(str(folder / "331001" / "job.yaml"))),
                      job_path=str(folder / "331001" / "job.yaml"))


def test_a_module_missing_on_a_workers_machine_is_named_with_its_package(region, tmp_path,
                                                                         monkeypatch):
    from plugin.core.region import county_task

    def without_openpyxl(*args, **kwargs):
        raise ModuleNotFoundError("No module named 'openpyxl'", name="openpyxl")

    monkeypatch.setattr(county_task, "run_analysis", without_openpyxl)
    outcome = county_task.run_county(_county_task(region, tmp_path))

    assert outcome.status == "failed" and "缺少模块 openpyxl" in outcome.message
    assert "sudo apt install python3-openpyxl" in outcome.message


def test_an_unexpected_failure_leaves_its_details_in_the_countys_folder(region, tmp_path,
                                                                        monkeypatch):
    from plugin.core.region import county_task

    def broken(*args, **kwargs):
        raise RuntimeError("unforeseen")

    monkeypatch.setattr(county_task, "run_analysis", broken)
    outcome = county_task.run_county(_county_task(region, tmp_path))

    log = tmp_path / "331001" / county_task.ERROR_LOG
    assert outcome.status == "failed" and str(log) in outcome.message
    assert "RuntimeError: unforeseen" in log.read_text(encoding="utf-8")


def test_a_gbk_shapefile_of_region_patches_keeps_its_chinese_in_the_countys_file(region,
                                                                                 tmp_path):
    from layer_factory import write_layer
    from plugin.core.region.extract import patches_digest, write_patches
    from plugin.core.region.region_file import load_region

    items = [(g, dict(a, JCBH=f"{a['JCBH']}号")) for g, a in region[1]["331003"]]
    path = tmp_path / "jctb.shp"
    write_layer(str(path), [g for g, _ in items], [a for _, a in items],
                fields=["JCBH", "QDLBM", "HDLBM", "XZQDM"], encoding="GBK")
    os.unlink(tmp_path / "jctb.cpg")  # as counties deliver them: GBK, nothing says so
    loaded = load_region(str(region[0] / "partitioned.yaml"))
    loaded.job.patches.path, loaded.job.patches.layer = str(path), None

    layer = write_patches(loaded.job.patches, [0, 2], str(tmp_path / "county.gpkg"))

    ds = ogr.Open(str(tmp_path / "county.gpkg"))
    copied = {f.GetFID(): f["JCBH"] for f in ds.GetLayerByName(layer)}
    assert copied == {0: items[0][1]["JCBH"], 2: items[2][1]["JCBH"]}
    assert patches_digest(loaded.job.patches, [0, 2]) != patches_digest(loaded.job.patches, [0, 1])


def test_a_countys_key_covers_its_rule_list_names_table_and_previous_batch(tmp_path):
    """A rerun must see an edited previous batch (analysts import their ledger into it between
    runs), and a job naming shipped rule sets in a list is keyed by their files."""
    import shutil
    import time

    from layer_factory import square, write_layer
    from plugin.core.job import PreviousBatch
    from plugin.core.job import job_from_dict
    from plugin.core.region.fingerprint import county_key, input_paths

    write_layer(str(tmp_path / "p.gpkg"), [square(0, 0, 10)], [{"JCBH": "A"}])
    shutil.copy(tmp_path / "p.gpkg", tmp_path / "previous.gpkg")
    job = job_from_dict({"patches": {"path": "p.gpkg", "id_field": "JCBH",
                                     "class_values": "names"},
                         "baselines": {}, "exemptions": {}, "rules": ["default", "ecology"]},
                        base_dir=str(tmp_path))
    job.previous = PreviousBatch(str(tmp_path / "previous.gpkg"))
    paths = input_paths(job)
    assert all(os.path.isfile(p) for p in paths), paths
    assert [os.path.basename(p) for p in paths[1:3]] == ["default.yaml", "ecology.yaml"]
    assert any(p.endswith("land_class_names.csv") for p in paths)
    before = county_key(job, {})
    time.sleep(0.01)
    ds = ogr.Open(str(tmp_path / "previous.gpkg"), 1)
    lyr = ds.GetLayer(0)
    feature = lyr.GetNextFeature()
    feature.SetField("JCBH", "B")
    lyr.SetFeature(feature)
    ds = None
    assert county_key(job, {}) != before
