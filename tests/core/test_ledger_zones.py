"""The zones a job adds itself (自然保护地, 饮用水水源保护区 …) in the ledger: columns by display name
where the template's ``zones`` entry stands, the 汇总 and 说明 sheets, and back in on import;
a ledger of a result without such zones is the ledger as it was before them.

Expected areas come from pyproj's geodesic area of shapely's intersections, expected values from
the layers written here."""

from decimal import ROUND_HALF_UP, Decimal

import openpyxl
import pytest
import yaml

from area_oracle import geodesic_area
from layer_factory import square, write_layer
from ledger_sheet import data_rows, header_row, headers, sheet_records, summary_blocks
from plugin.core.analysis import run_analysis
from plugin.core.errors import InputError
from plugin.core.job import job_from_dict
from plugin.core.ledger.export import export_ledger
from plugin.core.ledger.imports import import_ledger
from plugin.core.ledger.template import default_template_path, load_template
from test_ledger import build_county

RESERVE = [square(-50, -50, 120), square(70, -50, 700)]  # core, general zone
WATER = [square(320, -20, 200)]
PATCHES = {"CORE": square(0, 0, 100), "WATER": square(300, 0, 100),
           "GENERAL": square(600, 0, 100), "NONE": square(900, 0, 100)}


def zoned_result(folder, reserve_name="自然保护地"):
    """Four new houses on grassland: in a reserve's core zone, in a water source (and the
    reserve's general zone), in the general zone only, and in no zone."""
    write_layer(f"{folder}/p.gpkg", list(PATCHES.values()),
                [{"JCBH": pid, "QDLBM": "0404", "HDLBM": "0702"} for pid in PATCHES], layer="P")
    write_layer(f"{folder}/zr.gpkg", RESERVE, [{"GNFQ": "核心保护区"}, {"GNFQ": "一般控制区"}],
                layer="ZR")
    write_layer(f"{folder}/sy.gpkg", WATER, [{"BHJB": "一级保护区"}], layer="SY")
    job = job_from_dict({
        "patches": {"path": "p.gpkg", "layer": "P", "id_field": "JCBH", "before_field": "QDLBM",
                    "after_field": "HDLBM"},
        "baselines": {
            "nature_reserve": {"name": reserve_name, "path": "zr.gpkg", "layer": "ZR",
                               "carry": ["GNFQ"]},
            "water_source": {"name": "饮用水水源保护区", "path": "sy.gpkg", "layer": "SY",
                             "carry": ["BHJB"]}},
        "rules": ["default", "ecology"]}, base_dir=str(folder))
    return run_analysis(job, str(folder / "out"), job_workers=1).result_path


def mu(m2):
    return float((Decimal(repr(m2)) * Decimal("0.0015")).quantize(Decimal("0.01"), ROUND_HALF_UP))


def zone_headers():
    return ["占用自然保护地面积(亩)", "自然保护地GNFQ", "占用饮用水水源保护区面积(亩)", "饮用水水源保护区BHJB"]


@pytest.fixture(scope="module")
def zoned(tmp_path_factory):
    folder = tmp_path_factory.mktemp("zoned")
    result = zoned_result(folder)
    ledger = folder / "台账.xlsx"
    export_ledger(result, str(ledger), include_all=True)
    return result, ledger


def test_each_zone_gets_its_area_and_carried_values_under_its_display_name(zoned):
    _, ledger = zoned
    ws = openpyxl.load_workbook(ledger)["整改台账"]
    names = list(headers(ws))
    assert names[-4:] == zone_headers()  # the default template's last group
    group_row = header_row(ws) - 1
    assert ws.cell(group_row, headers(ws)["占用自然保护地面积(亩)"]).value == "管控区域"
    reserve = RESERVE[0].union(RESERVE[1])
    rows = {r["图斑编号"]: r for r in sheet_records(ledger)}
    for pid, patch in PATCHES.items():
        assert rows[pid]["占用自然保护地面积(亩)"] == mu(geodesic_area(patch.intersection(reserve)))
        assert rows[pid]["占用饮用水水源保护区面积(亩)"] == mu(geodesic_area(patch.intersection(WATER[0])))
    # the value of the feature holding most of the patch: CORE is 49 % core, 30 % general zone
    assert [rows[p]["自然保护地GNFQ"] for p in PATCHES] == ["核心保护区", "一般控制区", "一般控制区", None]
    assert [rows[p]["饮用水水源保护区BHJB"] for p in PATCHES] == [None, "一级保护区", None, None]


def test_the_summary_adds_up_each_zones_area_by_its_display_name(zoned):
    _, ledger = zoned
    details = sheet_records(ledger)
    names, body, total = summary_blocks(ledger)["按乡镇汇总"]
    for header in ("占用自然保护地面积(亩)", "占用饮用水水源保护区面积(亩)"):
        assert header in names
        assert total[header] == pytest.approx(sum(r[header] for r in details), abs=1e-9)


def test_the_notes_list_the_zones_with_their_keys_and_carried_fields(zoned):
    _, ledger = zoned
    notes = {r[0]: r[1] for r in openpyxl.load_workbook(ledger)["说明"].iter_rows(values_only=True)
             if r and r[0]}
    text = notes["自定义底线图层"]
    assert "自然保护地 (nature_reserve，带出 GNFQ)" in text
    assert "饮用水水源保护区 (water_source，带出 BHJB)" in text
    assert "自然保护地" in notes and "饮用水水源保护区" in notes  # the input table, by name


def test_a_filled_in_ledger_with_zone_columns_comes_back_and_zone_cells_are_read_only(
        zoned, tmp_path):
    result, ledger = zoned
    wb = openpyxl.load_workbook(ledger)
    ws = wb["整改台账"]
    names = headers(ws)
    first = data_rows(ws)[0]
    ws.cell(first, names["核查结果"]).value = "属实"
    wb.save(tmp_path / "filled.xlsx")
    report = import_ledger(str(tmp_path / "filled.xlsx"), result)
    assert not report.errors and report.written and report.check.changed_cells == 1

    ws.cell(first, names["自然保护地GNFQ"]).value = "实验区"
    ws.cell(first, names["占用自然保护地面积(亩)"]).value = 0
    wb.save(tmp_path / "edited.xlsx")
    report = import_ledger(str(tmp_path / "edited.xlsx"), result)
    assert {e.column for e in report.errors} == {"自然保护地GNFQ", "占用自然保护地面积(亩)"}
    assert all("只读列被修改" in e.message for e in report.errors) and not report.written


def test_a_ledger_without_zones_is_the_ledger_the_template_made_before_them(tmp_path):
    """The default template as it was before the zones entry, against the one shipped now:
    the same workbook, cell for cell (the generation time aside)."""
    result = build_county(tmp_path / "county")
    with open(default_template_path(), encoding="utf-8") as f:
        data = yaml.safe_load(f)
    data["groups"] = [g for g in data["groups"] if "zones" not in g["columns"]]
    (tmp_path / "before").mkdir()
    before = tmp_path / "before" / "default.yaml"  # 说明 names the template's file
    before.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    export_ledger(result, str(tmp_path / "old.xlsx"), template=str(before))
    export_ledger(result, str(tmp_path / "new.xlsx"))
    old, new = (openpyxl.load_workbook(tmp_path / n) for n in ("old.xlsx", "new.xlsx"))
    assert old.sheetnames == new.sheetnames
    for name in old.sheetnames:
        a = [r for r in old[name].iter_rows(values_only=True) if r and r[0] != "台账生成时间"]
        b = [r for r in new[name].iter_rows(values_only=True) if r and r[0] != "台账生成时间"]
        assert a == b, name


def test_a_template_without_the_zones_entry_says_the_zones_are_left_out(zoned, tmp_path):
    result, _ = zoned
    with open(default_template_path(), encoding="utf-8") as f:
        data = yaml.safe_load(f)
    data["groups"] = [g for g in data["groups"] if "zones" not in g["columns"]]
    template = tmp_path / "省模板.yaml"
    template.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    report = export_ledger(result, str(tmp_path / "l.xlsx"), template=str(template))
    assert any("自然保护地、饮用水水源保护区" in w and "zones" in w for w in report.warnings)
    assert "占用自然保护地面积(亩)" not in headers(openpyxl.load_workbook(tmp_path / "l.xlsx")["整改台账"])


def test_a_zone_named_like_a_ledger_column_is_refused_naming_the_zone(tmp_path):
    result = zoned_result(tmp_path, reserve_name="耕地")  # 占用耕地面积(亩) is the farmland column
    with pytest.raises(InputError) as raised:
        export_ledger(result, str(tmp_path / "l.xlsx"))
    assert "耕地" in raised.value.message and "nature_reserve" in raised.value.message
    assert not (tmp_path / "l.xlsx").exists()


@pytest.mark.parametrize("entry, problem", [({"zones": "管控区"}, "不能另写表头"),
                                            ("twice", "列重复")])
def test_the_zones_entry_is_checked_with_the_template(tmp_path, entry, problem):
    with open(default_template_path(), encoding="utf-8") as f:
        data = yaml.safe_load(f)
    data["groups"][0]["columns"].append("zones" if entry == "twice" else entry)
    path = tmp_path / "t.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    with pytest.raises(InputError) as raised:
        load_template(str(path))
    assert problem in raised.value.message


def test_a_group_of_zones_alone_is_left_out_when_there_are_none():
    template = load_template()
    assert "管控区域" not in template.groups and template.places_zones
    assert len(template.columns) == len(template.groups)
