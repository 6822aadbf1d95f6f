"""The farmland balance sheet in net area (plugin/core/changes/balance_net.py) and the townships'
protection targets against it (targets.py).

Expected figures come from the parcels' own attributes read with OGR (Σ TBDLMJ), from pieces
measured by the area oracle, or from numbers put into the layers here.
"""

from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook
from osgeo import ogr
from shapely import wkb

from area_oracle import geodesic_area
from layer_factory import square, write_layer
from plugin import cli
from plugin.core.changes.derive import ChangeOptions, derive_changes
from plugin.core.errors import InputError
from plugin.core.job import LayerSpec

DEMO = Path(__file__).resolve().parents[2] / "resources" / "demo" / "data"
MU = 0.0015
NET = "耕地进出平衡表(净面积)"


def sheet_rows(path, sheet=NET):
    """{township: {column header (group: header): value}} of a balance sheet."""
    ws = load_workbook(path)[sheet]
    rows = list(ws.iter_rows(min_row=2, values_only=True))
    group = None
    names = []
    for g, h in zip(rows[0], rows[1]):
        group = g or group
        names.append(f"{group}: {h}" if h else g)
    return {r[0]: dict(zip(names, r)) for r in rows[2:] if r[0]}


def farmland(path):
    ds = ogr.Open(str(path))
    return [f.items() | {"geom": wkb.loads(bytes(f.GetGeometryRef().ExportToWkb()))}
            for f in ds.GetLayerByName("DLTB") if f["DLBM"].startswith("01")]


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo_balance")
    targets = out / "目标.csv"
    targets.write_text("乡镇名称,耕地保有量(亩),永久基本农田保护面积(亩)\n河口镇,11600,7400\n"
                       "石岭乡,7600.5,4300\n", encoding="utf-8")
    result = derive_changes(
        LayerSpec(role="前", path=str(DEMO / "dltb_2023.gpkg"), layer="DLTB"),
        LayerSpec(role="后", path=str(DEMO / "dltb_2024.gpkg"), layer="DLTB"), str(out / "o"),
        ChangeOptions(admin=LayerSpec(role="行政区", path=str(DEMO / "xzq.gpkg"), layer="CJXZQ",
                                      extra={"township_field": "XZMC", "village_field": "XZQMC"}),
                      protected={"basic_farmland": (LayerSpec(
                          role="永农", path=str(DEMO / "yjjbnttb.gpkg"), layer="YJJBNTTB"),)},
                      targets=str(targets)))
    return result, sheet_rows(result.balance_paths[0])


def test_net_start_and_end_equal_the_surveys_own_tbdlmj_totals(demo):
    _, rows = demo
    county = rows["全县合计"]
    start = sum(p["TBDLMJ"] for p in farmland(DEMO / "dltb_2023.gpkg")) * MU
    end = sum(p["TBDLMJ"] for p in farmland(DEMO / "dltb_2024.gpkg")) * MU
    assert county["期初: 2023年耕地(亩)"] == pytest.approx(start, abs=0.005)
    assert county["期末: 2024年耕地(亩)"] == pytest.approx(end, abs=0.005)


def test_net_losses_are_the_lost_pieces_times_one_minus_kcxs(demo):
    """The demo's farmland losses are the monitoring patches' farmland pieces."""
    _, rows = demo
    ds = ogr.Open(str(DEMO / "jctb.gpkg"))
    from plugin.core.overlay.robust import valid_polygonal
    patches = [valid_polygonal(wkb.loads(bytes(f.GetGeometryRef().ExportToWkb())))
               for f in ds.GetLayerByName("JCTB") if not f["HDLBM"].startswith("01")]
    want = sum(geodesic_area(p["geom"].intersection(g)) * (1 - p["KCXS"])
               for p in farmland(DEMO / "dltb_2023.gpkg") for g in patches
               if p["geom"].intersects(g)) * MU
    assert rows["全县合计"]["耕地减少 (按去向): 减少合计(亩)"] == pytest.approx(want, abs=0.01)


def test_the_net_sheet_adds_up_with_no_gap(demo):
    result, rows = demo
    for town, row in rows.items():
        assert abs(row["核对: 未能归因差额(亩)"]) < 0.001, town
    assert result.county_net["end_mu"] < result.county["end_mu"]


def test_the_gross_sheet_is_unchanged_beside_the_net_one(demo):
    result, _ = demo
    gross = sheet_rows(result.balance_paths[0], "耕地进出平衡表")["全县合计"]
    tbmj = sum(p["TBMJ"] for p in farmland(DEMO / "dltb_2023.gpkg")) * MU
    assert gross["期初: 2023年耕地(亩)"] == pytest.approx(tbmj, abs=0.01)
    assert "扣除调整: 扣除调整(亩)" not in gross


def test_targets_show_target_end_surplus_and_whether_met(demo):
    _, rows = demo
    town = rows["河口镇"]
    group = "耕地保有量目标考核"
    end = town["期末: 2024年耕地(亩)"]
    assert town[f"{group}: 耕地保有量目标(亩)"] == 11600
    assert town[f"{group}: 期末耕地(亩)"] == end
    assert town[f"{group}: 盈余(+)/缺口(−)(亩)"] == pytest.approx(round(end, 2) - 11600)
    assert town[f"{group}: 是否达标"] == "是"
    assert rows["石岭乡"][f"{group}: 是否达标"] == "否"  # 7501.28 against 7600.5
    county = rows["全县合计"]
    assert county[f"{group}: 耕地保有量目标(亩)"] == pytest.approx(19200.5)
    bf = "永久基本农田保护目标考核"
    assert county[f"{bf}: 永久基本农田保护目标(亩)"] == pytest.approx(11700)
    assert county[f"{bf}: 期末永久基本农田内耕地(亩)"] == \
        county["永久基本农田内: 2024年耕地(亩)"]


def test_farmland_changing_class_moves_net_area_as_an_adjustment(tmp_path):
    """0103 (KCXS 0.04) becomes 0101 (KCXS 0.03): no flow, 1 % of its area more net."""
    geoms = [square(0, 0, 100), square(100, 0, 100)]
    town = "2102811010000000000"

    def year(name, first, kcxs):
        attrs = [{"DLBM": first, "KCXS": kcxs, "ZLDWDM": town, "BSM": f"{name}1"},
                 {"DLBM": "0102", "KCXS": 0.02, "ZLDWDM": town, "BSM": "K2"}]
        return write_layer(str(tmp_path / f"{name}.gpkg"), geoms, attrs, layer="DLTB")
    result = derive_changes(LayerSpec(role="前", path=year("a", "0103", 0.04), layer="DLTB"),
                            LayerSpec(role="后", path=year("b", "0101", 0.03), layer="DLTB"),
                            str(tmp_path / "o"), ChangeOptions())
    row = sheet_rows(result.balance_paths[0])["210281101"]
    assert row["扣除调整: 扣除调整(亩)"] == pytest.approx(geodesic_area(geoms[0]) * 0.01 * MU,
                                                      abs=1e-6)
    assert row["耕地减少 (按去向): 减少合计(亩)"] == 0
    assert abs(row["核对: 未能归因差额(亩)"]) < 1e-6


def test_without_net_fields_there_is_no_net_sheet_and_a_note_says_why(tmp_path):
    path = write_layer(str(tmp_path / "a.gpkg"), [square(0, 0, 100)],
                       [{"DLBM": "0101", "ZLDWDM": "2102811010000000000"}], layer="DLTB")
    result = derive_changes(LayerSpec(role="前", path=path, layer="DLTB"),
                            LayerSpec(role="后", path=path, layer="DLTB"), str(tmp_path / "o"),
                            ChangeOptions())
    assert load_workbook(result.balance_paths[0]).sheetnames == ["耕地进出平衡表", "说明"]
    assert any("未生成净面积平衡表" in n.message for n in result.notes)


def target_file(tmp_path, rows, name="目标.xlsx"):
    wb = Workbook()
    ws = wb.active
    ws.append(["示范县耕地保护目标"])  # a title above the header
    for row in rows:
        ws.append(row)
    wb.save(tmp_path / name)
    return str(tmp_path / name)


def test_targets_in_wan_mu_and_by_code_are_read_in_mu(tmp_path):
    from plugin.core.changes.targets import read_targets
    targets = read_targets(target_file(tmp_path, [["乡镇代码", "耕地保有量目标(万亩)"],
                                                  ["210281101", 1.16], ["全县合计", 1.92]]))
    assert targets.by_key["210281101"]["farmland"] == pytest.approx(11600)
    assert targets.county["farmland"] == pytest.approx(19200)


def test_a_target_that_is_no_number_is_refused_with_row_and_column(tmp_path):
    from plugin.core.changes.targets import read_targets
    with pytest.raises(InputError) as e:
        read_targets(target_file(tmp_path, [["乡镇", "耕地保有量(亩)"], ["河口镇", "一万"]]))
    assert "第 3 行" in str(e.value) and "耕地保有量(亩)" in str(e.value)


def test_a_table_without_a_township_column_is_refused(tmp_path):
    from plugin.core.changes.targets import read_targets
    with pytest.raises(InputError):
        read_targets(target_file(tmp_path, [["单位", "耕地保有量(亩)"], ["河口镇", 1]]))


def test_townships_the_sheet_does_not_have_are_noted(tmp_path, capsys):
    targets = tmp_path / "t.csv"
    targets.write_text("乡镇,耕地保有量\n河口镇,100\n不存在乡,5\n", encoding="gbk")
    code = cli.main(["derive-changes", "--before", f"{DEMO / 'dltb_2023.gpkg'}:DLTB",
                     "--after", f"{DEMO / 'dltb_2024.gpkg'}:DLTB", "--admin",
                     f"{DEMO / 'xzq.gpkg'}:CJXZQ", "--township-field", "XZMC", "--village-field",
                     "XZQMC", "--targets", str(targets), "--out", str(tmp_path / "o"), "-q", "-v"])
    out = capsys.readouterr().out
    assert code == 0
    assert "不存在乡" in out and "石岭乡" in out  # unmatched, and without a target
    rows = sheet_rows(tmp_path / "o" / "balance.xlsx")
    assert rows["石岭乡"]["耕地保有量目标考核: 是否达标"] is None
    assert rows["全县合计"]["耕地保有量目标考核: 耕地保有量目标(亩)"] is None
