"""The ledger's title block, the columns the conventions add (批次, 图斑类型, 行政区代码, 认定面积
and its split, 批准文号 and coverage, the centre in the delivered CRS), and templates that choose
the columns, their order and headers.

Expectations come from the result read with plain OGR, from pyproj, or are written out."""

import datetime
import textwrap

import openpyxl
import pytest
from osgeo import ogr
from pyproj import Transformer

from layer_factory import X0, Y0, square, write_layer
from ledger_sheet import data_rows, header_row, headers, sheet_records
from plugin import cli
from plugin.core.analysis import run_analysis
from plugin.core.errors import InputError
from plugin.core.job import job_from_dict
from plugin.core.ledger.columns import COLUMNS
from plugin.core.ledger.export import export_ledger
from plugin.core.ledger.imports import import_ledger
from plugin.core.ledger.template import default_template_path, load_template
from test_ledger import HEADERS, mu, result_patches


def test_title_block_names_county_year_batch_unit_and_date(result, tmp_path):
    out = tmp_path / "台账.xlsx"
    export_ledger(result, str(out), title={"county": "示范县", "batch": "2024年度第一批",
                                           "unit": "示范县自然资源局"})
    ws = openpyxl.load_workbook(out)["整改台账"]
    today = datetime.date.today()
    assert ws["A1"].value == "示范县2024年度卫片执法问题图斑整改台账"
    assert ws["A2"].value == (f"监测批次：2024年度第一批　　填报单位：示范县自然资源局　　"
                              f"填报日期：{today.year}年{today.month}月{today.day}日")
    merged = {str(r) for r in ws.merged_cells.ranges}
    first_page = openpyxl.utils.get_column_letter(ws.col_breaks.brk[0].id)
    assert {f"A1:{first_page}1", f"A2:{first_page}2"} <= merged
    assert ws["A1"].font.b and ws["A1"].font.sz == 16


def test_without_values_the_title_leaves_lines_to_write_on(result, tmp_path):
    out = tmp_path / "台账.xlsx"
    export_ledger(result, str(out))
    ws = openpyxl.load_workbook(out)["整改台账"]
    started = [v for k, v in result_info(result).items() if k == "started"][0]
    assert ws["A1"].value == f"{started[:4]}年度卫片执法问题图斑整改台账"
    assert ws["A2"].value.startswith("监测批次：＿＿＿＿＿＿　　填报单位：＿＿＿＿＿＿")


def result_info(path):
    ds = ogr.Open(path)
    return {f.GetField("key"): f.GetField("value") for f in ds.GetLayerByName("run_info")}


def test_the_signature_line_follows_the_last_patch_on_the_last_printed_page(result, tmp_path):
    out = tmp_path / "台账.xlsx"
    export_ledger(result, str(out))
    ws = openpyxl.load_workbook(out)["整改台账"]
    last = data_rows(ws)[-1]
    last_page = ws.col_breaks.brk[-1].id + 1  # the first column of the last page width
    cells = [c for c in ws[last + 2] if c.value is not None]
    assert [(c.column, c.value) for c in cells] == [(last_page, (
        "填报人：＿＿＿＿＿＿　　　　审核人：＿＿＿＿＿＿　　　　负责人：＿＿＿＿＿＿　　　　日期：　　　年　　月　　日"))]
    assert all(c.value is None for c in ws[last + 1])


def test_flagged_area_and_its_split_are_the_results_in_mu(result, tmp_path):
    out = tmp_path / "台账.xlsx"
    export_ledger(result, str(out), include_all=True)
    patches = result_patches(result)
    for r in sheet_records(out):
        p = patches[r["图斑编号"]]
        assert r["认定面积(亩)"] == mu(p["flag_area_m2"])
        assert r["认定面积中占耕地(亩)"] == mu(p["flag_farmland_m2"])
        assert r["认定面积中占永久基本农田(亩)"] == mu(p["flag_basic_farmland_m2"])
        assert r["认定面积中占生态保护红线(亩)"] == mu(p["flag_red_line_m2"])
        assert r["认定面积中城镇开发边界外(亩)"] is None  # the county has no urban boundary
        groups = (r["认定面积中原为农用地(亩)"], r["认定面积中原为建设用地(亩)"], r["认定面积中原为未利用地(亩)"])
        whole = mu(p["flag_area_m2"])
        # the whole flagged area goes to the 三大类 of the before class (01xx: 农用地)
        assert groups == ((whole, 0.0, 0.0) if p["before_class"].startswith("01")
                          else (0.0, whole, 0.0))


def test_approvals_and_their_coverage_are_shown(result, tmp_path):
    out = tmp_path / "台账.xlsx"
    export_ledger(result, str(out), include_all=True)
    patches = result_patches(result)
    covered = {r["图斑编号"]: r for r in sheet_records(out) if r["批准文号/备案编号"]}
    assert covered  # the county's one approval meets some patch
    for pid, r in covered.items():
        p = patches[pid]
        assert r["批准文号/备案编号"] == p["permit_refs"] and r["批准文号/备案编号"].startswith("批1 (批准用地 ")
        share = 100 * (p["area_m2"] - p["free_m2"]) / p["area_m2"]
        assert r["批文覆盖比例(%)"] == pytest.approx(share, abs=0.051)


def test_patch_types_are_shown_with_their_names(tmp_path):
    folder = tmp_path / "county"
    folder.mkdir()
    write_layer(str(folder / "jctb.gpkg"), [square(0, 0, 100), square(200, 0, 100)],
                [{"JCBH": "A", "TBLX": "YH", "Q": "0101", "H": "0601"},
                 {"JCBH": "B", "TBLX": "X9", "Q": "0101", "H": "0601"}])
    job = job_from_dict({"patches": {"path": "jctb.gpkg", "id_field": "JCBH", "before_field": "Q",
                                     "after_field": "H"}}, base_dir=str(folder))
    path = run_analysis(job, str(folder / "out"), job_workers=1).result_path
    export_ledger(path, str(tmp_path / "台账.xlsx"))
    types = {r["图斑编号"]: r["图斑类型"] for r in sheet_records(tmp_path / "台账.xlsx")}
    assert types == {"A": "YH 硬化", "B": "X9"}


def test_centre_coordinates_are_in_the_crs_the_patches_were_delivered_in(tmp_path):
    """Patches delivered in EPSG:4550 (zone 41 without prefix), analysed in EPSG:4529."""
    x, y = Transformer.from_crs("EPSG:4529", "EPSG:4550", always_xy=True).transform(X0, Y0)
    folder = tmp_path / "county"
    folder.mkdir()
    write_layer(str(folder / "jctb.gpkg"), [square(0, 0, 100, dx=x, dy=y)],
                [{"JCBH": "A", "Q": "0101", "H": "0601"}], epsg=4550)
    job = job_from_dict({"crs": "EPSG:4529", "patches": {
        "path": "jctb.gpkg", "id_field": "JCBH", "before_field": "Q", "after_field": "H"}},
        base_dir=str(folder))
    path = run_analysis(job, str(folder / "out"), job_workers=1).result_path
    out = tmp_path / "台账.xlsx"
    export_ledger(path, str(out))
    (row,) = sheet_records(out)
    assert row["中心点X坐标(米)"] == pytest.approx(x + 50, abs=0.01)  # 6-digit easting
    assert row["中心点Y坐标(米)"] == pytest.approx(y + 50, abs=0.01)
    lon, lat = Transformer.from_crs("EPSG:4550", "EPSG:4490", always_xy=True).transform(
        x + 50, y + 50)
    assert (row["中心点经度(度)"], row["中心点纬度(度)"]) == (pytest.approx(lon, abs=1e-6),
                                                            pytest.approx(lat, abs=1e-6))
    notes = {r[0]: r[1] for r in openpyxl.load_workbook(out)["说明"].iter_rows(values_only=True)
             if r and r[0]}
    assert "EPSG:4550" in notes["中心点X/Y坐标"] and notes["工作坐标系"].startswith("EPSG:4529")


def test_the_default_template_holds_every_column_once():
    template = load_template()
    assert sorted(c.key for c in template.columns) == sorted(c.key for c in COLUMNS)
    assert [c.header for c in template.columns] == HEADERS + [
        "下发情况", "上一批次", "上一批次图斑编号", "首次下发批次", "重复下发说明"]
    assert [c.header for c in template.columns[:template.repeat]] == [
        "序号", "图斑编号", "乡镇", "村", "判定结果", "违法类型", "认定面积(亩)"]


PROVINCE = textwrap.dedent("""\
    id: province
    name: 某省卫片执法整改台账
    title: "{county}{batch}问题图斑整改台账"
    subtitle: "填报单位：{unit}"
    signatures: [填报人, 负责人]
    groups:
      - group: 基本情况
        repeat: true
        columns: [seq, {patch_id: 监测图斑编号}, township, {verdict: 判定}]
      - group: 面积
        columns: [{flag_area_mu: 问题面积(亩)}, area_mu]
      - group: 整改
        new_page: true
        columns: [{status: 整改情况}, closed, {fine_yuan: 罚款(元)}, remark]
    """)


@pytest.fixture
def province(tmp_path):
    path = tmp_path / "省模板.yaml"
    path.write_text(PROVINCE, encoding="utf-8")
    return str(path)


def test_a_province_template_chooses_columns_order_headers_and_pages(result, province, tmp_path):
    out = tmp_path / "省台账.xlsx"
    export_ledger(result, str(out), template=province, title={"county": "某县", "batch": "第一批"})
    ws = openpyxl.load_workbook(out)["整改台账"]
    assert [c.value for c in ws[header_row(ws)]] == [
        "序号", "监测图斑编号", "乡镇", "判定", "问题面积(亩)", "图斑面积(亩)", "整改情况", "是否销号",
        "罚款(元)", "备注"]
    assert (ws["A3"].value, ws["E3"].value, ws["G3"].value) == ("基本情况", "面积", "整改")
    assert {"A3:D3", "E3:F3", "G3:J3"} <= {str(r) for r in ws.merged_cells.ranges}
    assert ws["A1"].value == "某县第一批问题图斑整改台账"
    assert ws.print_title_cols == "$A:$D" and [b.id for b in ws.col_breaks.brk] == [6]
    assert ws.cell(data_rows(ws)[-1] + 2, 7).value.startswith("填报人：")


def test_a_ledger_of_any_template_comes_back_in(result, province, tmp_path):
    out = tmp_path / "省台账.xlsx"
    export_ledger(result, str(out), template=province)
    wb = openpyxl.load_workbook(out)
    ws = wb["整改台账"]
    names = headers(ws)
    row = next(r for r in data_rows(ws) if ws.cell(r, names["监测图斑编号"]).value == "P0")
    ws.cell(row, names["整改情况"]).value = "已销号"
    ws.cell(row, names["是否销号"]).value = "是"
    ws.cell(row, names["罚款(元)"]).value = 5000
    wb.save(out)
    report = import_ledger(str(out), result)  # no template given: the workbook carries it
    assert report.written and not report.errors, [str(e) for e in report.errors]
    p = result_patches(result)["P0"]
    assert (p["ledger_status"], p["ledger_closed"], p["ledger_fine_yuan"]) == ("已销号", "是",
                                                                              "5000.00")


@pytest.mark.parametrize("change, field", [
    (("columns: [seq, {patch_id: 监测图斑编号}", "columns: [seq, patch_code"), "patch_code"),
    (("{verdict: 判定}", "{verdict: 乡镇}"), "verdict"),
    (("{patch_id: 监测图斑编号}, ", ""), "groups"),
    (("{county}{batch}", "{county}{month}"), "title"),
    (("  - group: 整改\n", "  - group: 整改\n    repeat: true\n"), "repeat"),
    (("signatures: [填报人, 负责人]", "signatures: 填报人"), "signatures"),
    (("name: 某省", "nmae: 某省"), "nmae"),
])
def test_a_bad_template_is_refused_naming_file_and_key(result, province, tmp_path, change,
                                                       field):
    text = PROVINCE.replace(*change)
    assert text != PROVINCE
    bad = tmp_path / "坏模板.yaml"
    bad.write_text(text, encoding="utf-8")
    out = tmp_path / "台账.xlsx"
    with pytest.raises(InputError) as e:
        export_ledger(result, str(out), template=str(bad))
    assert e.value.field == field and "坏模板.yaml" in str(e.value)
    assert not out.exists()


def test_cli_takes_a_template_and_the_title_values(result, province, tmp_path, capsys):
    out = tmp_path / "台账.xlsx"
    assert cli.main(["ledger", result, "--out", str(out), "--template", province, "--county",
                     "某县", "--batch", "第二批", "--unit", "某县自然资源局", "-q"]) == 0
    ws = openpyxl.load_workbook(out)["整改台账"]
    assert ws["A1"].value == "某县第二批问题图斑整改台账" and ws["A2"].value == "填报单位：某县自然资源局"
    bad = tmp_path / "bad.yaml"
    bad.write_text("groups: 1\n", encoding="utf-8")
    assert cli.main(["ledger", result, "--out", str(tmp_path / "b.xlsx"), "--template",
                     str(bad), "-q"]) == 2
    assert "bad.yaml" in capsys.readouterr().err


def test_the_default_template_file_is_where_the_readme_says():
    assert default_template_path().endswith("resources/ledger/default.yaml")
