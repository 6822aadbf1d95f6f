"""The rectification ledger (整改台账) export: sheets, order, units, layout, safety.
(Title block, the flagged area and its split, approvals and templates: test_ledger_columns.)

Each expectation is computed here from the result GeoPackage read with plain OGR (not with the
ledger's own reader), or written out literally.
"""

import hashlib
import os
import zipfile
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import openpyxl
import pytest
from osgeo import ogr, osr
from shapely.geometry import Polygon, Point
from shapely import wkb as shapely_wkb

from layer_factory import X0, Y0, square, write_layer
from ledger_sheet import data_rows, header_row, headers, sheet_records, summary_blocks
from plugin.core.ledger import export as ledger_module
from plugin.core.analysis import run_analysis
from plugin.core.errors import InputError
from plugin.core.job import job_from_dict
from plugin.core.ledger.export import export_ledger
from plugin.identity import VERSION as ENGINE_VERSION

REPO = Path(__file__).resolve().parents[2]
KEY_HEADERS = ["序号", "图斑编号", "乡镇", "村", "判定结果", "违法类型", "认定面积(亩)"]
PAGE_ONE = ["监测批次", "行政区代码", "图斑类型", "前地类", "现地类", "批准文号/备案编号", "批文覆盖比例(%)",
            "中心点经度(度)", "中心点纬度(度)", "中心点X坐标(米)", "中心点Y坐标(米)", "图斑面积(亩)",
            "图斑面积(平方米)", "占用耕地面积(亩)", "占用永久基本农田面积(亩)", "占用生态保护红线面积(亩)",
            "占用耕地净面积(亩)", "占用永久基本农田净面积(亩)"]
PAGE_TWO = ["认定面积中占耕地(亩)", "认定面积中占永久基本农田(亩)", "认定面积中占生态保护红线(亩)",
            "认定面积中占耕地净面积(亩)", "认定面积中占永久基本农田净面积(亩)",
            "认定面积中城镇开发边界外(亩)", "认定面积中原为农用地(亩)", "认定面积中原为建设用地(亩)",
            "认定面积中原为未利用地(亩)", "严重程度(1-5)", "判定理由", "权属单位",
            "核查结果", "现场现状", "现场照片编号", "核查人", "核查日期"]
PAGE_THREE = ["建议整改措施", "用地主体", "整改措施", "整改时限", "责任单位", "责任人", "整改进展",
              "是否销号", "是否立案", "立案号", "罚没款(元)", "拆除面积(亩)", "复耕面积(亩)", "追责人数",
              "整改完成时间", "备注"]
HEADERS = KEY_HEADERS + PAGE_ONE + PAGE_TWO + PAGE_THREE
ANALYST_HEADERS = PAGE_TWO[12:] + PAGE_THREE[1:]
UNITS = [("东镇", "一村"), ("东镇", "二村"), ("西乡", "三村")]
CODES = [("0101", "0702"), ("0101", "0601"), ("0103", "0701"), ("0101", "0101"), ("0102", "1202"),
         ("0101", "0201")]
U_SHAPE = Polygon([(X0 + 2600, Y0 + 600), (X0 + 2800, Y0 + 600), (X0 + 2800, Y0 + 800),
                   (X0 + 2760, Y0 + 800), (X0 + 2760, Y0 + 640), (X0 + 2640, Y0 + 640),
                   (X0 + 2640, Y0 + 800), (X0 + 2600, Y0 + 800)])


def build_county(folder, ids=None, units=UNITS):
    """A county of three villages in two townships, 14 patches (one outside every village,
    one U-shaped), farmland, basic farmland, red line and one approval; returns result.gpkg."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    write_layer(str(folder / "xzq.gpkg"), [square(k * 1000, 0, 900) for k in range(3)],
                [{"XZMC": t, "XZQMC": v} for t, v in units])
    geoms, attrs = [], []
    for k in range(3):
        for j in range(4):
            geoms.append(square(k * 1000 + 50 + j * 200, 100 + j * 150, 60 + 10 * j))
    geoms += [square(5000, 0, 50), U_SHAPE]
    ids = ids or [f"P{i}" for i in range(12)] + ["P99", "P12"]
    for i, pid in enumerate(ids):
        before, after = CODES[i % len(CODES)] if i < 12 else ("0101", "0702")
        attrs.append({"JCBH": pid, "QDLBM": before, "HDLBM": after})
    write_layer(str(folder / "jctb.gpkg"), geoms, attrs, layer="JCTB")
    write_layer(str(folder / "dltb.gpkg"), [square(0, 0, 1500), square(5000, 0, 50)],
                [{"DLBM": "0101"}, {"DLBM": "0101"}])
    write_layer(str(folder / "jbnt.gpkg"), [square(0, 0, 400)], [{"X": "a"}])
    write_layer(str(folder / "hx.gpkg"), [square(2000, 0, 500)], [{"X": "b"}])
    write_layer(str(folder / "pz.gpkg"), [square(1240, 240, 100)], [{"PZWH": "批1"}])
    job = job_from_dict({
        "patches": {"path": "jctb.gpkg", "layer": "JCTB", "id_field": "JCBH",
                    "before_field": "QDLBM", "after_field": "HDLBM"},
        "baselines": {"farmland": {"path": "dltb.gpkg"}, "basic_farmland": {"path": "jbnt.gpkg"},
                      "red_line": {"path": "hx.gpkg"}},
        "exemptions": {"approved": {"path": "pz.gpkg", "id_field": "PZWH"}},
        "admin": {"path": "xzq.gpkg", "township_field": "XZMC", "village_field": "XZQMC"}},
        base_dir=str(folder))
    return run_analysis(job, str(folder / "out")).result_path


def result_patches(path):
    """patch id → attributes and shapely geometry, read with plain OGR."""
    ds = ogr.Open(path)
    out = {}
    for f in ds.GetLayerByName("patches"):
        d = f.items()
        d["_geom"] = shapely_wkb.loads(bytes(f.GetGeometryRef().ExportToWkb()))
        out[d["patch_id"]] = d
    return out


def mu(m2):
    return float((Decimal(str(m2)) * Decimal(15) / Decimal(10000))
                 .quantize(Decimal("0.01"), ROUND_HALF_UP))


def natural(pid):
    return (pid.rstrip("0123456789"), int(pid[len(pid.rstrip("0123456789")):] or 0))


def sha256(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def test_detail_sheet_has_the_ledger_headers_in_order(result, tmp_path):
    out = tmp_path / "台账.xlsx"
    export_ledger(result, str(out))
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["整改台账", "汇总", "说明", "列定义"]
    assert [ws.sheet_state for ws in wb.worksheets] == ["visible", "visible", "visible", "hidden"]
    ws = wb["整改台账"]
    assert header_row(ws) == 4
    assert [c.value for c in ws[4]] == HEADERS


def test_rows_are_flagged_patches_ordered_by_township_village_and_id(result, tmp_path):
    out = tmp_path / "台账.xlsx"
    export_ledger(result, str(out))
    patches = result_patches(result)
    flagged = [p for p in patches.values() if p["verdict"] in ("违法", "需核实")]
    expected = sorted(flagged, key=lambda p: (p["township"] is None, p["township"] or "",
                                              p["village"] is None, p["village"] or "",
                                              natural(p["patch_id"])))
    records = sheet_records(out)
    assert [r["图斑编号"] for r in records] == [p["patch_id"] for p in expected]
    assert [r["序号"] for r in records] == list(range(1, len(expected) + 1))
    assert {r["判定结果"] for r in records} == {"违法", "需核实"}
    assert records[-1]["乡镇"] is None  # the patch outside every village comes last


def test_all_option_lists_every_patch(result, tmp_path):
    out = tmp_path / "台账.xlsx"
    export_ledger(result, str(out), include_all=True)
    assert sorted(r["图斑编号"] for r in sheet_records(out)) == sorted(result_patches(result))
    assert "合法" in {r["判定结果"] for r in sheet_records(out)}


def test_areas_are_mu_to_two_decimals_and_whole_square_metres(result, tmp_path):
    out = tmp_path / "台账.xlsx"
    export_ledger(result, str(out), include_all=True)
    patches = result_patches(result)
    for r in sheet_records(out):
        p = patches[r["图斑编号"]]
        assert r["图斑面积(亩)"] == mu(p["area_m2"])
        assert r["图斑面积(平方米)"] == int(Decimal(str(p["area_m2"])).quantize(0, ROUND_HALF_UP))
        assert r["占用耕地面积(亩)"] == mu(p["farmland_m2"])
        assert r["占用永久基本农田面积(亩)"] == mu(p["basic_farmland_m2"])
        assert r["占用生态保护红线面积(亩)"] == mu(p["red_line_m2"])
    ws = openpyxl.load_workbook(out)["整改台账"]
    formats = {h: ws.cell(5, k + 1).number_format for k, h in enumerate(HEADERS)}
    assert formats["图斑面积(亩)"] == formats["占用耕地面积(亩)"] == "0.00"
    assert formats["图斑面积(平方米)"] == "0"


def test_centre_point_in_cgcs2000_degrees_and_working_crs_metres(result, tmp_path):
    out = tmp_path / "台账.xlsx"
    export_ledger(result, str(out), include_all=True)
    patches = result_patches(result)
    ds = ogr.Open(result)
    src = ds.GetLayerByName("patches").GetSpatialRef().Clone()
    ds = None
    dst = osr.SpatialReference()
    dst.ImportFromEPSG(4490)
    for s in (src, dst):
        s.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    to_degrees = osr.CoordinateTransformation(src, dst)
    for r in sheet_records(out):
        geom = patches[r["图斑编号"]]["_geom"]
        centre = geom.centroid if geom.contains(geom.centroid) else None
        if centre is None:  # the U-shaped patch: its centre must lie on the patch
            assert geom.contains(Point(r["中心点X坐标(米)"], r["中心点Y坐标(米)"]))
            centre = Point(r["中心点X坐标(米)"], r["中心点Y坐标(米)"])
        else:
            assert r["中心点X坐标(米)"] == pytest.approx(centre.x, abs=0.005)
            assert r["中心点Y坐标(米)"] == pytest.approx(centre.y, abs=0.005)
        lon, lat, _ = to_degrees.TransformPoint(centre.x, centre.y)
        assert r["中心点经度(度)"] == pytest.approx(lon, abs=1e-6)
        assert r["中心点纬度(度)"] == pytest.approx(lat, abs=1e-6)
        assert 122.9 < lon < 123.1 and 39.6 < lat < 39.8


def test_land_classes_are_shown_with_their_names(result, tmp_path):
    out = tmp_path / "台账.xlsx"
    export_ledger(result, str(out))
    by_id = {r["图斑编号"]: r for r in sheet_records(out)}
    assert by_id["P0"]["前地类"] == "0101 水田"
    assert by_id["P0"]["现地类"] == "0702 农村宅基地"


def test_header_frozen_filtered_and_printed_on_a3_with_the_key_columns_on_every_page(
        result, tmp_path):
    out = tmp_path / "台账.xlsx"
    export_ledger(result, str(out))
    ws = openpyxl.load_workbook(out)["整改台账"]
    last_patch = data_rows(ws)[-1]
    assert ws.freeze_panes == "C5"
    last = openpyxl.utils.get_column_letter(len(HEADERS))
    assert ws.auto_filter.ref == f"A4:{last}{last_patch}"
    assert ws.print_title_rows == "$3:$4"  # the group row and the header row
    assert ws.print_title_cols == f"$A:${openpyxl.utils.get_column_letter(len(KEY_HEADERS))}"
    assert ws.page_setup.orientation == "landscape" and int(ws.page_setup.paperSize) == 8  # A3
    assert not ws.sheet_properties.pageSetUpPr.fitToPage
    assert 75 <= int(ws.page_setup.scale) <= 100
    # a printed page begins at each group the template starts a page with
    starts = [len(KEY_HEADERS) + len(PAGE_ONE), len(KEY_HEADERS) + len(PAGE_ONE) + len(PAGE_TWO)]
    assert [b.id for b in ws.col_breaks.brk] == starts


def test_column_widths_fit_chinese_text(result, tmp_path):
    import unicodedata

    def width(text):
        return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in str(text))

    out = tmp_path / "台账.xlsx"
    export_ledger(result, str(out))
    ws = openpyxl.load_workbook(out)["整改台账"]
    wrapped = {"乡镇", "村", "违法类型", "监测批次", "图斑类型", "前地类", "现地类", "批准文号/备案编号",
               "判定理由", "建议整改措施"}
    for k, header in enumerate(HEADERS, 1):
        letter = openpyxl.utils.get_column_letter(k)
        shown = ws.column_dimensions[letter].width
        texts = [v for v in (ws.cell(r, k).value for r in data_rows(ws)) if isinstance(v, str)]
        if texts and header not in wrapped:
            assert shown >= max(width(t) for t in texts), header
        if texts and header in wrapped:  # wider text wraps; its row is as tall as its lines
            assert shown >= min(max(width(t) for t in texts) + 2, 12), header
        assert shown * 4 >= width(header), header  # the header fits on four lines
    assert ws.column_dimensions["C"].width >= 2 * len("东镇")


def test_list_columns_are_wide_enough_for_their_longest_value_and_the_arrow(result, tmp_path):
    out = tmp_path / "台账.xlsx"
    export_ledger(result, str(out))
    ws = openpyxl.load_workbook(out)["整改台账"]
    names = headers(ws)
    for header, longest in (("核查结果", "部分属实"), ("现场现状", "已建成"), ("整改进展", "未整改"),
                            ("是否销号", "是"), ("是否立案", "是")):
        width = ws.column_dimensions[openpyxl.utils.get_column_letter(names[header])].width
        assert width >= 2 * len(longest) + 3, header


def test_rows_with_long_reasons_are_tall_enough_for_every_line(result, tmp_path):
    import math
    import unicodedata

    out = tmp_path / "台账.xlsx"
    export_ledger(result, str(out))
    ws = openpyxl.load_workbook(out)["整改台账"]
    column = headers(ws)["判定理由"]
    width = ws.column_dimensions[openpyxl.utils.get_column_letter(column)].width
    assert ws.cell(data_rows(ws)[0], column).alignment.wrap_text
    for r in data_rows(ws):
        text = ws.cell(r, column).value
        units = sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)
        lines = math.ceil(units / (width - 1))
        if lines > 1:
            assert ws.row_dimensions[r].height >= lines * 10 * 1.2, (r, lines)


def test_status_columns_offer_drop_down_lists(result, tmp_path):
    out = tmp_path / "台账.xlsx"
    export_ledger(result, str(out))
    ws = openpyxl.load_workbook(out)["整改台账"]
    n = data_rows(ws)[-1]
    lists = {str(dv.sqref): dv.formula1 for dv in ws.data_validations.dataValidation
             if dv.type == "list"}
    col = {h: openpyxl.utils.get_column_letter(k) for k, h in enumerate(HEADERS, 1)}
    assert lists == {f"{col['整改进展']}5:{col['整改进展']}{n}": '"未整改,整改中,已整改,已销号"',
                     f"{col['现场现状']}5:{col['现场现状']}{n}": '"已建成,在建,已拆除,已复耕,未动工,其他"',
                     f"{col['是否销号']}5:{col['是否销号']}{n}": '"是,否"',
                     f"{col['是否立案']}5:{col['是否立案']}{n}": '"是,否"',
                     f"{col['核查结果']}5:{col['核查结果']}{n}": '"属实,不属实,部分属实"'}


def test_amounts_areas_and_head_counts_accept_only_non_negative_numbers(result, tmp_path):
    out = tmp_path / "台账.xlsx"
    export_ledger(result, str(out))
    ws = openpyxl.load_workbook(out)["整改台账"]
    col = {h: openpyxl.utils.get_column_letter(k) for k, h in enumerate(HEADERS, 1)}
    numbers = {str(dv.sqref).split(":")[0]: (dv.type, dv.operator, dv.formula1)
               for dv in ws.data_validations.dataValidation if dv.type != "list"}
    assert numbers == {f"{col['罚没款(元)']}5": ("decimal", "greaterThanOrEqual", "0"),
                       f"{col['拆除面积(亩)']}5": ("decimal", "greaterThanOrEqual", "0"),
                       f"{col['复耕面积(亩)']}5": ("decimal", "greaterThanOrEqual", "0"),
                       f"{col['追责人数']}5": ("whole", "greaterThanOrEqual", "0")}


def test_summary_totals_equal_detail_sums(result, tmp_path):
    out = tmp_path / "台账.xlsx"
    export_ledger(result, str(out))
    detail = sheet_records(out)
    for title in ("按乡镇汇总", "按村汇总", "按违法类型汇总"):
        _, body, total = summary_blocks(out)[title]
        assert total["图斑数(个)"] == len(detail) == sum(r["图斑数(个)"] for r in body)
        for column in ("图斑面积(亩)", "认定面积(亩)", "认定面积中占耕地(亩)",
                       "认定面积中占永久基本农田(亩)", "认定面积中占生态保护红线(亩)"):
            detail_sum = sum(Decimal(str(r[column])) for r in detail)
            assert Decimal(str(total[column])) == detail_sum, (title, column)
            assert sum(Decimal(str(r[column])) for r in body) == detail_sum, (title, column)
        assert total["违法(个)"] == sum(1 for r in detail if r["判定结果"] == "违法")
        assert total["需核实(个)"] == sum(1 for r in detail if r["判定结果"] == "需核实")


def test_summary_groups_match_the_detail_rows(result, tmp_path):
    out = tmp_path / "台账.xlsx"
    export_ledger(result, str(out))
    detail = sheet_records(out)
    _, towns, _ = summary_blocks(out)["按乡镇汇总"]
    name = "乡镇 / 村 / 违法类型"
    assert [t[name] for t in towns] == ["东镇", "西乡", "(未归属乡镇)"]
    for town in towns:
        township = None if town[name] == "(未归属乡镇)" else town[name]
        rows = [r for r in detail if r["乡镇"] == township]
        assert town["图斑数(个)"] == len(rows)
        assert Decimal(str(town["图斑面积(亩)"])) == sum(Decimal(str(r["图斑面积(亩)"])) for r in rows)
        assert Decimal(str(town["认定面积(亩)"])) == sum(Decimal(str(r["认定面积(亩)"])) for r in rows)
        assert town["未填(个)"] == len(rows)
        assert town["销号图斑(个)"] == 0 and town["清零进度(%)"] == 0
    _, villages, _ = summary_blocks(out)["按村汇总"]
    assert [v[name] for v in villages] == ["东镇 一村", "东镇 二村", "西乡 三村",
                                           "(未归属乡镇) (未归属村)"]
    assert [v["图斑数(个)"] for v in villages] == [
        sum(1 for r in detail if (r["乡镇"], r["村"]) == unit) for unit in UNITS] + [1]
    _, types, _ = summary_blocks(out)["按违法类型汇总"]
    assert {t[name]: t["图斑数(个)"] for t in types} == {
        v: sum(1 for r in detail if r["违法类型"] == v) for v in {r["违法类型"] for r in detail}}
    severity = {t[name]: max(r["严重程度(1-5)"] for r in detail if r["违法类型"] == t[name])
                for t in types}
    order = [severity[t[name]] for t in types]
    assert order == sorted(order, reverse=True)  # most severe types first


def test_summary_header_rows_are_frozen_repeated_and_tall_enough(result, tmp_path):
    import math
    import unicodedata

    out = tmp_path / "台账.xlsx"
    export_ledger(result, str(out))
    ws = openpyxl.load_workbook(out)["汇总"]
    assert ws.freeze_panes == "B5" and ws.print_title_rows == "3:4"
    assert int(ws.page_setup.paperSize) == 8 and ws.page_setup.orientation == "landscape"
    assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToWidth == 1
    for k in range(2, ws.max_column + 1):
        header = ws.cell(4, k).value
        width = ws.column_dimensions[openpyxl.utils.get_column_letter(k)].width
        units = sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in header)
        assert ws.row_dimensions[4].height >= math.ceil(units / (width - 1)) * 10 * 1.2, header


def test_notes_sheet_lists_inputs_hashes_rules_crs_version_and_time(result, county_result, tmp_path):
    out = tmp_path / "台账.xlsx"
    export_ledger(result, str(out))
    rows = list(openpyxl.load_workbook(out)["说明"].iter_rows(values_only=True))
    pairs = {r[0]: r[1] for r in rows if r and r[0]}
    folder = Path(county_result).parents[1]
    inputs = {r[1]: r for r in rows if r and r[1] and str(r[1]).endswith(".gpkg") and r[0] != "结果文件"}
    for name, features in (("jctb.gpkg", None), ("dltb.gpkg", "2 / 2"), ("jbnt.gpkg", "1 / 1"),
                           ("hx.gpkg", "1 / 1"), ("pz.gpkg", "1 / 1"), ("xzq.gpkg", "3 / 3")):
        row = inputs[str(folder / name)]
        assert row[5] == sha256(folder / name)
        if features:
            assert row[3] == features
    assert pairs["规则集 SHA-256"] == sha256(REPO / "resources" / "rules" / "default.yaml")
    assert pairs["规则集"].startswith("county-default")
    assert pairs["工作坐标系"].startswith("EPSG:4529")
    assert "EPSG:4529" in pairs["中心点X/Y坐标"]
    assert not any("PROJCRS" in str(v) for r in rows for v in r if v)  # no WKT in a cell
    assert ENGINE_VERSION in pairs["软件版本"]
    assert pairs["台账生成时间"][:4].isdigit() and pairs["分析开始时间"]
    assert pairs["地类表"].startswith("2019-sandiao")


def test_existing_ledger_is_never_silently_overwritten(result, tmp_path):
    out = tmp_path / "台账.xlsx"
    out.write_bytes(b"an analyst's work")
    with pytest.raises(InputError) as e:
        export_ledger(result, str(out))
    assert "--force" in str(e.value) and str(out) in str(e.value)
    assert out.read_bytes() == b"an analyst's work"


def test_forced_overwrite_keeps_a_backup(result, tmp_path):
    out = tmp_path / "台账.xlsx"
    export_ledger(result, str(out))
    first = out.read_bytes()
    report = export_ledger(result, str(out), overwrite=True)
    assert report.backup == str(tmp_path / "台账.bak.xlsx")
    assert Path(report.backup).read_bytes() == first
    assert openpyxl.load_workbook(out).sheetnames == ["整改台账", "汇总", "说明", "列定义"]
    second = export_ledger(result, str(out), overwrite=True).backup
    assert second == str(tmp_path / "台账.bak2.xlsx") and Path(report.backup).read_bytes() == first


def test_crash_while_writing_leaves_old_ledger_and_no_partial_file(result, tmp_path, monkeypatch):
    out = tmp_path / "台账.xlsx"
    out.write_bytes(b"old ledger")

    def crash(path, *args):
        Path(path).write_bytes(b"PK\x03\x04 half a workbook")
        raise RuntimeError("disk full")

    monkeypatch.setattr(ledger_module, "write_workbook", crash)
    with pytest.raises(RuntimeError):
        export_ledger(result, str(out), overwrite=True)
    assert out.read_bytes() == b"old ledger"
    assert sorted(os.listdir(tmp_path)) == ["result.gpkg", "台账.xlsx"]


ODD_IDS = ["=1+1", "+86-10", "-5", "@SUM(A1)", "=HYPERLINK(\"http://x\",\"点我\")", "𠀀𡌶",
           "<&>\"'", "0101", "甲-001", "乙 002", "丙_x0041_", "丁", "P99", "P12"]
ODD_UNITS = [("=东镇", "一村\r\n二组"), ("\t西乡", "𡌶村 😀 "), ("@南镇", "-三村\x01")]


@pytest.fixture(scope="module")
def odd_result(tmp_path_factory):
    return build_county(tmp_path_factory.mktemp("odd"), ids=ODD_IDS, units=ODD_UNITS)


def test_formula_like_text_is_written_as_text(odd_result, tmp_path):
    out = tmp_path / "台账.xlsx"
    export_ledger(odd_result, str(out), include_all=True)
    wb = openpyxl.load_workbook(out)
    risky = 0
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and cell.value[:1] in ("=", "+", "-", "@", "\t", "_"):
                    assert cell.data_type == "s", (ws.title, cell.coordinate, cell.value)
                    if cell.value[:1] != "_":
                        assert cell.quotePrefix, (ws.title, cell.coordinate, cell.value)
                        risky += 1
    assert risky >= 10
    with zipfile.ZipFile(out) as z:
        for name in z.namelist():
            if name.startswith("xl/worksheets/"):
                assert b"<f>" not in z.read(name) and b"<f " not in z.read(name), name
    ids = [r["图斑编号"] for r in sheet_records(out)]
    assert "=1+1" in ids and "@SUM(A1)" in ids


def test_chinese_and_odd_text_is_written_exactly(odd_result, tmp_path):
    from plugin.core.ledger.workbook_reader import read_detail_sheet

    out = tmp_path / "台账.xlsx"
    export_ledger(odd_result, str(out), include_all=True)
    records = read_detail_sheet(str(out)).records
    patches = result_patches(odd_result)
    assert sorted(r["patch_id"] for _, r in records) == sorted(patches)
    for _, r in records:
        p = patches[r["patch_id"]]
        assert (r["township"], r["village"]) == (p["township"], p["village"])
    towns = {(r["township"], r["village"]) for _, r in records}
    assert set(ODD_UNITS) <= towns  # tab, CR LF, a control character, emoji, CJK Ext. B
    # openpyxl shows the OOXML escape for characters XML cannot hold; clients decode it
    raw = {r["村"] for r in sheet_records(out)}
    assert "-三村_x0001_" in raw and "一村_x000D_\n二组" in raw


def test_text_longer_than_an_excel_cell_is_refused(result, tmp_path):
    ds = ogr.Open(result, update=1)
    layer = ds.GetLayerByName("patches")
    layer.CreateField(ogr.FieldDefn("ledger_remark", ogr.OFTString))
    layer.SetAttributeFilter("patch_id = 'P0'")
    feature = layer.GetNextFeature()
    feature.SetField("ledger_remark", "长" * 40000)
    layer.SetFeature(feature)
    ds = None
    with pytest.raises(InputError) as e:
        export_ledger(result, str(tmp_path / "台账.xlsx"))
    assert "P0" in str(e.value) and "32767" in str(e.value)
    assert not (tmp_path / "台账.xlsx").exists()


def test_output_must_be_an_xlsx_file(result, tmp_path):
    with pytest.raises(InputError):
        export_ledger(result, str(tmp_path / "台账.xls"))


def test_missing_result_is_bad_input(tmp_path):
    with pytest.raises(InputError) as e:
        export_ledger(str(tmp_path / "none.gpkg"), str(tmp_path / "台账.xlsx"))
    assert "none.gpkg" in str(e.value)
