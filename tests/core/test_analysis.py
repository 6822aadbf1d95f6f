"""The overlay engine end to end on small hand-built counties; areas checked against Geod."""

import hashlib
import os
import sqlite3

import pytest
from osgeo import ogr
from shapely.geometry import MultiPolygon, Polygon, box
from shapely.ops import unary_union

from area_oracle import geodesic_area
from layer_factory import X0, Y0, square, write_layer
from plugin.core.analysis import run_analysis
from plugin.core.errors import Cancelled, InputError
from plugin.core.job import job_from_dict


def read_result(path, layer="patches"):
    ds = ogr.Open(path)
    lyr = ds.GetLayerByName(layer)
    rows = {}
    for f in lyr:
        d = f.items()
        g = f.GetGeometryRef()
        d["_wkt"] = g.ExportToWkt() if g else None
        rows[d.get("patch_id") if layer == "patches" else (d["patch_id"], d["layer_key"])] = d
    return rows


def make_job(tmp_path, patches, baselines=None, exemptions=None, admin=None, **extra):
    data = {"patches": patches, "baselines": baselines or {}, "exemptions": exemptions or {}}
    if admin:
        data["admin"] = admin
    data.update(extra)
    return job_from_dict(data, base_dir=str(tmp_path))


@pytest.fixture
def county(tmp_path):
    """Two patches, a farmland baseline whose two features overlap, a red line, an approval."""
    p1 = square(0, 0, 100)
    p2 = Polygon([(X0 + 300, Y0), (X0 + 420, Y0), (X0 + 420, Y0 + 80), (X0 + 300, Y0 + 80)],
                 [[(X0 + 340, Y0 + 20), (X0 + 360, Y0 + 20), (X0 + 360, Y0 + 40), (X0 + 340, Y0 + 40)]])
    write_layer(str(tmp_path / "jctb.gpkg"), [p1, p2],
                [{"JCBH": "J1", "QDLBM": "0101", "HDLBM": "0702"},
                 {"JCBH": "J2", "QDLBM": "0103", "HDLBM": "0601"}], layer="JCTB")
    farm = [square(-50, -50, 120), square(40, 40, 100), square(310, 10, 50)]
    write_layer(str(tmp_path / "dltb.gpkg"), farm + [square(500, 500, 10)],
                [{"DLBM": "0101"}, {"DLBM": "0102"}, {"DLBM": "0103"}, {"DLBM": "0301"}],
                layer="DLTB")
    write_layer(str(tmp_path / "hx.gpkg"), [square(350, -100, 500)], [{"HXMC": "红线"}])
    write_layer(str(tmp_path / "pz.gpkg"), [square(0, 0, 30)], [{"PZWH": "批-1"}])
    return tmp_path, [p1, p2], farm


def test_occupied_area_is_the_union_of_overlapping_baseline_features(county):
    tmp, (p1, p2), farm = county
    job = make_job(tmp, {"path": "jctb.gpkg", "id_field": "JCBH"},
                   {"farmland": {"path": "dltb.gpkg", "where": {"DLBM": ["01*"]}}})
    res = run_analysis(job, str(tmp / "out"))
    rows = read_result(res.result_path)
    expected = geodesic_area(p1.intersection(unary_union(farm)))
    summed = sum(geodesic_area(p1.intersection(f)) for f in farm)
    assert summed == pytest.approx(expected + 900, rel=1e-6)  # features overlap by 30 m x 30 m
    assert rows["J1"]["farmland_m2"] == pytest.approx(expected, rel=1e-6)
    assert rows["J2"]["farmland_m2"] == pytest.approx(geodesic_area(p2.intersection(farm[2])),
                                                      rel=1e-6)


def test_patch_area_is_geodesic_with_holes_subtracted(county):
    tmp, (p1, p2), _ = county
    job = make_job(tmp, {"path": "jctb.gpkg", "id_field": "JCBH"})
    rows = read_result(run_analysis(job, str(tmp / "out")).result_path)
    for pid, geom in (("J1", p1), ("J2", p2)):
        assert rows[pid]["area_m2"] == pytest.approx(geodesic_area(geom), rel=1e-6)
        assert rows[pid]["area_mu"] == pytest.approx(rows[pid]["area_m2"] * 0.0015, rel=1e-9)
        assert rows[pid]["planar_m2"] == pytest.approx(geom.area, abs=1e-3)
    assert rows["J2"]["planar_m2"] == pytest.approx(120 * 80 - 400, abs=1e-3)


def test_where_filter_accepts_prefixes_and_exact_codes(county):
    tmp, (p1, _), farm = county
    for where in ({"DLBM": ["01*"]}, {"DLBM": ["0101", "0102", "0103"]}):
        job = make_job(tmp, {"path": "jctb.gpkg", "id_field": "JCBH"},
                       {"farmland": {"path": "dltb.gpkg", "where": where}})
        rows = read_result(run_analysis(job, str(tmp / "out")).result_path)
        assert rows["J1"]["farmland_m2"] == pytest.approx(
            geodesic_area(p1.intersection(unary_union(farm))), rel=1e-6)
    job = make_job(tmp, {"path": "jctb.gpkg", "id_field": "JCBH"},
                   {"farmland": {"path": "dltb.gpkg", "where": {"DLBM": ["0102"]}}})
    rows = read_result(run_analysis(job, str(tmp / "out")).result_path)
    assert rows["J1"]["farmland_m2"] == pytest.approx(geodesic_area(p1.intersection(farm[1])),
                                                      rel=1e-6)


def test_free_area_excludes_the_approved_part(county):
    tmp, (p1, _), farm = county
    job = make_job(tmp, {"path": "jctb.gpkg", "id_field": "JCBH"},
                   {"farmland": {"path": "dltb.gpkg", "where": {"DLBM": ["01*"]}}},
                   {"approved": {"path": "pz.gpkg", "id_field": "PZWH"}})
    rows = read_result(run_analysis(job, str(tmp / "out")).result_path)
    approved = square(0, 0, 30)
    assert rows["J1"]["approved_m2"] == pytest.approx(geodesic_area(approved), rel=1e-6)
    assert rows["J1"]["approved_pct"] == pytest.approx(100 * geodesic_area(approved)
                                                       / geodesic_area(p1), rel=1e-6)
    occupied = p1.intersection(unary_union(farm))
    assert rows["J1"]["farmland_free_m2"] == pytest.approx(
        geodesic_area(occupied.difference(approved)), rel=1e-6)
    assert rows["J1"]["free_m2"] == pytest.approx(geodesic_area(p1.difference(approved)), rel=1e-6)


def test_overlaps_layer_holds_one_piece_per_patch_and_layer(county):
    tmp, (p1, p2), farm = county
    job = make_job(tmp, {"path": "jctb.gpkg", "id_field": "JCBH"},
                   {"farmland": {"path": "dltb.gpkg", "where": {"DLBM": ["01*"]}},
                    "red_line": {"path": "hx.gpkg"}})
    res = run_analysis(job, str(tmp / "out"))
    pieces = read_result(res.result_path, "overlaps")
    assert set(pieces) == {("J1", "farmland"), ("J2", "farmland"), ("J2", "red_line")}
    assert pieces[("J2", "red_line")]["layer_name"] == "生态保护红线"
    assert pieces[("J2", "red_line")]["area_m2"] == pytest.approx(
        geodesic_area(p2.intersection(square(350, -100, 500))), rel=1e-6)


def test_result_fields_carry_chinese_aliases_in_the_default_style(county):
    tmp, _, _ = county
    job = make_job(tmp, {"path": "jctb.gpkg", "id_field": "JCBH"},
                   {"farmland": {"path": "dltb.gpkg"}})
    ds = ogr.Open(run_analysis(job, str(tmp / "out")).result_path)
    styles = {f["f_table_name"]: f for f in ds.GetLayerByName("layer_styles")}
    qml = styles["patches"]["styleQML"]
    assert styles["patches"]["useAsDefault"] == 1
    assert 'field="area_mu"' in qml and "图斑面积(亩)" in qml
    assert "占耕地面积(平方米)" in qml
    fields = [d.GetName() for d in ds.GetLayerByName("patches").schema]
    assert "JCBH" in fields  # the patch layer's own fields are kept


def test_inputs_are_never_modified(county):
    tmp, _, _ = county
    files = sorted(p for p in os.listdir(tmp) if os.path.isfile(tmp / p))
    before = {p: hashlib.sha256((tmp / p).read_bytes()).hexdigest() for p in files}
    job = make_job(tmp, {"path": "jctb.gpkg", "id_field": "JCBH"},
                   {"farmland": {"path": "dltb.gpkg"}, "red_line": {"path": "hx.gpkg"}},
                   {"approved": {"path": "pz.gpkg"}})
    run_analysis(job, str(tmp / "out"))
    after = {p: hashlib.sha256((tmp / p).read_bytes()).hexdigest() for p in files}
    assert before == after


def test_invalid_patch_is_repaired_and_reported(tmp_path):
    bowtie = Polygon([(X0, Y0), (X0 + 100, Y0 + 100), (X0 + 100, Y0), (X0, Y0 + 100)])
    assert not bowtie.is_valid
    write_layer(str(tmp_path / "p.gpkg"), [bowtie, square(200, 0, 10)],
                [{"JCBH": "BAD"}, {"JCBH": "OK"}])
    res = run_analysis(make_job(tmp_path, {"path": "p.gpkg", "id_field": "JCBH"}),
                       str(tmp_path / "out"))
    rows = read_result(res.result_path)
    assert rows["BAD"]["planar_m2"] == pytest.approx(5000.0, abs=1e-6)  # two triangles
    assert [n.feature for n in res.notes if "几何无效" in n.message] == ["BAD"]


def test_empty_geometry_is_dropped_with_a_note(tmp_path):
    write_layer(str(tmp_path / "p.gpkg"), [None, square(0, 0, 10)], [{"JCBH": "E"}, {"JCBH": "K"}])
    res = run_analysis(make_job(tmp_path, {"path": "p.gpkg", "id_field": "JCBH"}),
                       str(tmp_path / "out"))
    assert set(read_result(res.result_path)) == {"K"}
    assert any(n.feature == "E" and "为空" in n.message for n in res.notes)


def test_duplicate_and_blank_ids_get_reported_unique_ids(tmp_path):
    write_layer(str(tmp_path / "p.gpkg"), [square(0, 0, 10), square(20, 0, 10), square(40, 0, 10)],
                [{"JCBH": "A"}, {"JCBH": "A"}, {"JCBH": None}], fields=["JCBH"])
    res = run_analysis(make_job(tmp_path, {"path": "p.gpkg", "id_field": "JCBH"}),
                       str(tmp_path / "out"))
    assert set(read_result(res.result_path)) == {"A", "A#2", "FID3"}
    assert sum("编号" in n.message for n in res.notes) == 2


def test_missing_field_names_layer_and_field(tmp_path):
    write_layer(str(tmp_path / "p.gpkg"), [square(0, 0, 10)], [{"JCBH": "A"}])
    with pytest.raises(InputError) as e:
        run_analysis(make_job(tmp_path, {"path": "p.gpkg", "id_field": "JCBHX"}),
                     str(tmp_path / "out"))
    assert e.value.field == "JCBHX" and "p.gpkg" in str(e.value) and "JCBH" in str(e.value)


def test_prefixed_coordinates_labelled_unprefixed_stop_with_the_right_epsg(tmp_path):
    write_layer(str(tmp_path / "p.gpkg"), [square(0, 0, 10)], [{"JCBH": "A"}], epsg=4550)
    with pytest.raises(InputError) as e:
        run_analysis(make_job(tmp_path, {"path": "p.gpkg", "id_field": "JCBH"}),
                     str(tmp_path / "out"))
    assert "EPSG:4529" in str(e.value)
    assert not (tmp_path / "out" / "result.gpkg").exists()


def test_unprefixed_coordinates_labelled_prefixed_stop(tmp_path):
    write_layer(str(tmp_path / "p.gpkg"), [square(0, 0, 10, dx=500_000)], [{"JCBH": "A"}])
    with pytest.raises(InputError) as e:
        run_analysis(make_job(tmp_path, {"path": "p.gpkg", "id_field": "JCBH"}),
                     str(tmp_path / "out"))
    assert "EPSG:4550" in str(e.value)


def test_layer_without_crs_stops_with_a_hint(tmp_path):
    write_layer(str(tmp_path / "p.gpkg"), [square(0, 0, 10)], [{"JCBH": "A"}], epsg=None)
    with pytest.raises(InputError) as e:
        run_analysis(make_job(tmp_path, {"path": "p.gpkg", "id_field": "JCBH"}),
                     str(tmp_path / "out"))
    assert "EPSG:4529" in str(e.value) and "坐标系" in str(e.value)


def test_baseline_in_another_crs_is_reprojected(county):
    tmp, (p1, _), farm = county
    from pyproj import Transformer
    from shapely.ops import transform
    to_geo = Transformer.from_crs("EPSG:4529", "EPSG:4490", always_xy=True).transform
    write_layer(str(tmp / "farm4490.gpkg"), [transform(to_geo, f) for f in farm], epsg=4490)
    job = make_job(tmp, {"path": "jctb.gpkg", "id_field": "JCBH"},
                   {"farmland": {"path": "farm4490.gpkg"}})
    rows = read_result(run_analysis(job, str(tmp / "out")).result_path)
    assert rows["J1"]["farmland_m2"] == pytest.approx(
        geodesic_area(p1.intersection(unary_union(farm))), rel=1e-6)


def test_gbk_shapefile_without_cpg_reads_chinese_names(tmp_path):
    path = str(tmp_path / "pz.shp")
    write_layer(path, [square(0, 0, 50)], [{"PZWH": "辽政地〔2023〕15号"}], encoding="GBK")
    for ext in (".cpg", ".CPG"):
        if os.path.exists(str(tmp_path / ("pz" + ext))):
            os.unlink(str(tmp_path / ("pz" + ext)))
    raw = (tmp_path / "pz.dbf").read_bytes()
    assert "辽政地".encode("gbk") in raw
    write_layer(str(tmp_path / "p.gpkg"), [square(0, 0, 100)], [{"JCBH": "A"}])
    job = make_job(tmp_path, {"path": "p.gpkg", "id_field": "JCBH"},
                   exemptions={"approved": {"path": "pz.shp", "id_field": "PZWH"}})
    from plugin.core.io.layers import read_layer
    layer, notes = read_layer(job.exemptions["approved"], fields=["PZWH"])
    assert layer.columns["PZWH"] == ["辽政地〔2023〕15号"]
    assert any("GB18030" in n.message for n in notes)
    res = run_analysis(job, str(tmp_path / "out"))
    assert read_result(res.result_path)["A"]["approved_pct"] == pytest.approx(25.0, rel=1e-3)


def test_gbk_shapefile_with_a_cpg_saying_utf8_is_read_as_gbk(tmp_path):
    from plugin.core.io.layers import read_layer

    path = str(tmp_path / "pz.shp")
    write_layer(path, [square(0, 0, 50)], [{"PZWH": "辽政地〔2023〕15号"}], encoding="GBK")
    (tmp_path / "pz.cpg").write_text("UTF-8", encoding="ascii")
    job = make_job(tmp_path, {"path": "pz.shp", "id_field": "PZWH"})

    layer, notes = read_layer(job.patches, fields=["PZWH"])

    assert layer.columns["PZWH"] == ["辽政地〔2023〕15号"]
    assert [n.message for n in notes] == [
        ".cpg 声明为 UTF-8，但属性不是 UTF-8 编码，按内容判定为 GB18030 读取属性"]


def test_gbk_field_names_alone_are_detected(tmp_path):
    from plugin.core.io.encodings import detect_shapefile_encoding

    path = str(tmp_path / "tb.shp")
    write_layer(path, [square(0, 0, 50)], [{"监测编号": "JC1"}], encoding="GBK")
    os.unlink(str(tmp_path / "tb.cpg"))

    assert detect_shapefile_encoding(path) == ("GB18030", "无 .cpg 编码说明")


def test_a_right_cpg_or_plain_ascii_needs_no_detection(tmp_path):
    from plugin.core.io.encodings import detect_shapefile_encoding

    gbk = str(tmp_path / "gbk.shp")
    write_layer(gbk, [square(0, 0, 50)], [{"PZWH": "辽政地"}], encoding="GBK")
    ascii_only = str(tmp_path / "ascii.shp")
    write_layer(ascii_only, [square(0, 0, 50)], [{"PZWH": "A1"}])

    assert not (tmp_path / "ascii.cpg").exists()
    assert (tmp_path / "gbk.cpg").read_text().strip().upper() in ("GBK", "CP936", "936")
    assert detect_shapefile_encoding(gbk) is None
    assert detect_shapefile_encoding(ascii_only) is None


def test_admin_attribution_names_the_majority_unit_and_reports_a_split(tmp_path):
    write_layer(str(tmp_path / "p.gpkg"), [square(60, 0, 100), square(300, 300, 10)],
                [{"JCBH": "S"}, {"JCBH": "IN"}])
    write_layer(str(tmp_path / "xzq.gpkg"), [square(0, 0, 100, ), square(100, 0, 400)],
                [{"XZMC": "甲镇", "XZQMC": "一村"}, {"XZMC": "乙乡", "XZQMC": "二村"}])
    job = make_job(tmp_path, {"path": "p.gpkg", "id_field": "JCBH"},
                   admin={"path": "xzq.gpkg", "township_field": "XZMC", "village_field": "XZQMC"})
    rows = read_result(run_analysis(job, str(tmp_path / "out")).result_path)
    assert (rows["S"]["township"], rows["S"]["village"]) == ("乙乡", "二村")
    assert "甲镇一村 40.0%" in rows["S"]["admin_note"] and "乙乡二村 60.0%" in rows["S"]["admin_note"]
    assert rows["IN"]["village"] == "二村" and rows["IN"]["admin_note"] is None


def test_multipolygon_patch_counts_both_parts(tmp_path):
    mp = MultiPolygon([square(0, 0, 50), square(100, 0, 50)])
    write_layer(str(tmp_path / "p.gpkg"), [mp], [{"JCBH": "M"}])
    write_layer(str(tmp_path / "f.gpkg"), [box(X0 - 10, Y0 - 10, X0 + 200, Y0 + 25)])
    job = make_job(tmp_path, {"path": "p.gpkg", "id_field": "JCBH"},
                   {"farmland": {"path": "f.gpkg"}})
    rows = read_result(run_analysis(job, str(tmp_path / "out")).result_path)
    assert rows["M"]["farmland_m2"] == pytest.approx(
        geodesic_area(mp.intersection(box(X0 - 10, Y0 - 10, X0 + 200, Y0 + 25))), rel=1e-6)


def test_cancel_stops_before_anything_is_written(county):
    tmp, _, _ = county
    job = make_job(tmp, {"path": "jctb.gpkg", "id_field": "JCBH"},
                   {"farmland": {"path": "dltb.gpkg"}})
    calls = []

    def cancelled():
        calls.append(1)
        return len(calls) > 2

    with pytest.raises(Cancelled):
        run_analysis(job, str(tmp / "out"), cancelled=cancelled)
    assert not (tmp / "out" / "result.gpkg").exists()


def test_empty_baseline_counts_as_not_occupied(county):
    tmp, _, _ = county
    job = make_job(tmp, {"path": "jctb.gpkg", "id_field": "JCBH"},
                   {"farmland": {"path": "dltb.gpkg", "where": {"DLBM": ["9999"]}}})
    res = run_analysis(job, str(tmp / "out"))
    assert all(r["farmland_m2"] == 0 for r in read_result(res.result_path).values())
    assert any("为空" in n.message for n in res.notes)


def test_worker_processes_give_the_same_result_as_in_process(county, monkeypatch):
    import plugin.core.analysis as analysis
    tmp, _, _ = county
    job = make_job(tmp, {"path": "jctb.gpkg", "id_field": "JCBH"},
                   {"farmland": {"path": "dltb.gpkg"}, "red_line": {"path": "hx.gpkg"}},
                   {"approved": {"path": "pz.gpkg", "id_field": "PZWH"}})
    from plugin.core.io import gpkg_staging
    monkeypatch.setattr(analysis, "PARALLEL_MIN_PATCHES", 0)
    merged = []  # the layers copied from a worker's file
    copy = gpkg_staging._copy
    monkeypatch.setattr(gpkg_staging, "_copy", lambda con, table: (merged.append(table),
                                                                   copy(con, table)))
    serial = read_result(run_analysis(job, str(tmp / "a"), job_workers=1).result_path)
    pooled = read_result(run_analysis(job, str(tmp / "b"), job_workers=2).result_path)
    assert serial.keys() == pooled.keys()
    for pid in serial:
        for key in ("farmland_m2", "red_line_m2", "approved_m2", "farmland_free_m2", "verdict"):
            assert pooled[pid][key] == pytest.approx(serial[pid][key], abs=1e-6), (pid, key)
    # the parcel hits, written by a worker and copied in, are the ones written in place
    assert merged == ["overlaps", "parcel_hits"] and os.listdir(tmp / "b") == ["result.gpkg"]
    tables = []
    for run in ("a", "b"):
        con = sqlite3.connect(tmp / run / "result.gpkg")
        tables.append([con.execute(f"SELECT * FROM {t} ORDER BY 1").fetchall() for t in (
            "overlaps", "parcel_hits", "rtree_overlaps_geom", "rtree_parcel_hits_geom",
            "gpkg_ogr_contents")])
        con.close()
    assert tables[0] == tables[1] and tables[0][0] and tables[0][1]


@pytest.mark.parametrize("stop_at", ["按规则判定", "写出结果"])
def test_run_stopped_after_staging_leaves_no_file_behind(county, monkeypatch, stop_at):
    """Cancelled while a worker writes the parcel hits, or failing in the writing once the
    worker has written them: the workers end, the staged file goes, and no result appears."""
    import plugin.core.analysis as analysis
    import plugin.core.parcels.result as parcel_result
    import plugin.core.result_file as result_file
    tmp, _, _ = county
    job = make_job(tmp, {"path": "jctb.gpkg", "id_field": "JCBH"},
                   {"farmland": {"path": "dltb.gpkg"}})
    monkeypatch.setattr(analysis, "PARALLEL_MIN_PATCHES", 0)
    staged, seen = [], []
    stage = parcel_result.stage_layer
    for module in (analysis, parcel_result):
        monkeypatch.setattr(module, "stage_layer",
                            lambda *a: staged.append(stage(*a)) or staged[-1])
    if stop_at == "写出结果":
        def refuse(*_):
            for layer in staged:
                layer.future.result()
                assert os.path.exists(layer.path)  # written, not yet copied
            raise InputError("结果字段重名")
        monkeypatch.setattr(result_file, "_check_unique", refuse)
    def cancelled():  # once the staged files are written, so they are there to remove
        return stop_at == "按规则判定" and "按规则判定" in seen and \
            all(layer.future.result() or os.path.exists(layer.path) for layer in staged)
    out = tmp / f"stopped-{len(stop_at)}"
    with pytest.raises((Cancelled, InputError)):
        run_analysis(job, str(out), progress=lambda f, m: seen.append(m), job_workers=2,
                     cancelled=cancelled)
    assert len(staged) == 2 and os.listdir(out) == []
