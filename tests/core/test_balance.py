"""The farmland balance sheet: groups, totals, the workbook and the chart."""

import builtins
import os

import pytest
from openpyxl import load_workbook

from plugin.core.changes import balance
from plugin.core.changes.balance import (COUNTY, OTHER_DEFINITION, FarmlandAccount,
                                         balance_table, farmland_flow, flow_group, sheet_columns)
from plugin.core.changes.balance_sheet import write_balance_xlsx
from plugin.core.changes.balance_chart import balance_figure, write_balance_chart
from plugin.core.rules.classes import load_class_table

MU = 0.0015


@pytest.fixture(scope="module")
def table():
    return load_class_table()


@pytest.mark.parametrize("code, group", [
    ("0702", "construction"), ("0601", "construction"), ("1003", "construction"),
    ("1201", "construction"), ("0201", "garden"), ("0201K", "garden"), ("0204", "garden"),
    ("0301", "forest"), ("0307K", "forest"), ("0303", "forest"), ("1104", "pond"),
    ("1104A", "pond"), ("1104K", "pond"), ("1202", "other"), ("0404", "other"),
    ("1006", "other"), ("1107", "other"), ("1101", "other"), ("1203", "other"),
])
def test_destination_groups(table, code, group):
    assert flow_group(code, table) == group


def test_farmland_flow_direction_and_group(table):
    assert farmland_flow("0101", "0103", table) == (None, None)
    assert farmland_flow("0103", "0702", table) == ("流出", "建设用地")
    assert farmland_flow("1104", "0101", table) == ("流入", "坑塘水面")
    assert farmland_flow("0301", "0201", table) == (None, None)


def _account():
    a = FarmlandAccount()
    a.add_stock("start", [("T1", "T1V1"), ("T2", None)], [1000.0, 500.0])
    a.add_stock("end", [("T1", "T1V1"), ("T2", None)], [880.0, 560.0])
    a.add_flow("lost", ("T1", None), "construction", 100.0, False)
    a.add_flow("lost", ("T1", None), "pond", 30.0, False)
    a.add_flow("lost", ("T1", None), "pond", 0.5, True)
    a.add_flow("gained", ("T2", None), "other", 40.0, False)
    a.add_move(("T1", None), ("T2", None), 20.0)
    a.add_flow("gained", ("T1", None), "forest", 30.5, False)
    return a


def test_sheet_rows_add_up_per_township_and_for_the_county():
    rows = balance_table(_account())
    t1, t2, county = rows
    assert [r["township"] for r in rows] == ["T1", "T2", COUNTY]
    assert t1["lost"] == pytest.approx(130.5) and t1["lost_pond"] == pytest.approx(30.5)
    assert t1["lost_slivers"] == pytest.approx(0.5)
    assert (t1["moved"], t2["moved"]) == (-20.0, 20.0)
    for r in rows:
        assert r["start"] + r["gained"] - r["lost"] + r["moved"] == pytest.approx(r["end"])
        assert r["gap"] == pytest.approx(0)
        assert r["net_mu"] == pytest.approx(r["net"] * MU)
    assert county["start"] == 1500 and county["moved"] == 0
    assert county["gained_other"] == 40 and county["gained_forest"] == 30.5


def test_a_gap_is_shown_not_hidden():
    a = _account()
    a.add_stock("end", [("T2", None)], [7.0])
    rows = balance_table(a)
    assert rows[1]["gap"] == pytest.approx(7.0)
    assert a.gaps()["T2"] == pytest.approx(7.0)


def test_parcels_without_township_are_kept_apart():
    a = FarmlandAccount()
    a.add_stock("start", [(None, None), ("T1", None)], [10.0, 20.0])
    assert [r["township"] for r in balance_table(a)] == ["T1", balance.NO_TOWNSHIP, COUNTY]


def test_workbook_is_atomic_with_units_and_two_decimals(tmp_path):
    path = tmp_path / "b.xlsx"
    rows = balance_table(_account())
    write_balance_xlsx(str(path), rows, ("2023年", "2024年"))
    ws = load_workbook(path)["耕地进出平衡表"]
    cols = sheet_columns(("2023年", "2024年"))
    assert [c.value for c in ws[3]][1:] == [h for _, h, _ in cols[1:]]
    assert ws["B4"].value == pytest.approx(1000 * MU) and ws["B4"].number_format == "#,##0.00"
    assert ws.freeze_panes == "B4" and ws["A6"].value == COUNTY
    before = path.read_bytes()
    with pytest.raises(KeyError):
        write_balance_xlsx(str(path), [{"township": "坏"}], ("2023年", "2024年"))
    assert path.read_bytes() == before  # a failed write leaves the old file whole
    assert os.listdir(tmp_path) == ["b.xlsx"]


def test_workbook_prints_on_a3_one_page_wide_with_its_header_rows_repeated(tmp_path):
    path = tmp_path / "b.xlsx"
    write_balance_xlsx(str(path), balance_table(_account()), ("2023年", "2024年"))
    ws = load_workbook(path)["耕地进出平衡表"]
    assert int(ws.page_setup.paperSize) == 8 and ws.page_setup.orientation == "landscape"
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert (ws.page_setup.fitToWidth, ws.page_setup.fitToHeight) == (1, 0)
    assert ws.print_title_rows == "2:3"
    assert "&P" in ws.oddFooter.center.text


def test_protected_layer_columns(tmp_path):
    inside = FarmlandAccount()
    inside.add_stock("start", [("T1", None)], [400.0])
    inside.add_stock("end", [("T1", None)], [300.0])
    inside.add_flow("lost", ("T1", None), "construction", 100.0, False)
    rows = balance_table(_account(), {"basic_farmland": inside})
    assert rows[0]["basic_farmland_lost"] == 100.0 and rows[-1]["basic_farmland_end"] == 300.0
    write_balance_xlsx(str(tmp_path / "p.xlsx"), rows, ("期初", "期末"))
    ws = load_workbook(tmp_path / "p.xlsx")["耕地进出平衡表"]
    assert "永久基本农田内" in [c.value for c in ws[2]]
    assert "生态保护红线内" not in [c.value for c in ws[2]]


def test_chart_is_a_png(tmp_path):
    path = tmp_path / "c.png"
    assert write_balance_chart(str(path), balance_table(_account()), ("2023年", "2024年"))
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def _texts(ax):
    return [t.get_text() for t in ax.texts]


def test_every_bar_of_the_chart_carries_its_value():
    rows = balance_table(_account())
    fig = balance_figure(rows, ("2023年", "2024年"))
    towns, county = fig.axes[0], fig.axes[1]
    t1, t2, whole = rows
    assert f"减少 {t1['lost_mu']:.2f}" in _texts(towns) and f"增加 {t1['gained_mu']:.2f}" in _texts(towns)
    assert f"净 {t2['net_mu']:+.2f}" in _texts(towns)
    assert {f"{whole['start_mu']:.2f}", f"{whole['end_mu']:.2f}",
            f"{-whole['lost_construction_mu']:+.2f}", f"{whole['gained_mu']:+.2f}"} <= set(_texts(county))


def test_other_is_defined_under_the_chart():
    fig = balance_figure(balance_table(_account()), ("2023年", "2024年"))
    assert [t.get_text() for t in fig.texts] == [OTHER_DEFINITION + "。"]
    assert "其他*" in [t.get_text() for t in fig.axes[0].get_legend().get_texts()]


def test_the_cut_value_axis_of_the_county_waterfall_is_marked_as_cut():
    a = FarmlandAccount()
    a.add_stock("start", [("T1", None)], [1_000_000.0])
    a.add_stock("end", [("T1", None)], [999_000.0])
    a.add_flow("lost", ("T1", None), "construction", 1000.0, False)
    fig = balance_figure(balance_table(a), ("2023年", "2024年"))
    county = fig.axes[1]
    low, _ = county.get_ylim()
    assert low > 0 and f"纵轴自 {low:.0f} 起，已截断" in county.get_ylabel()
    marks = [line for line in county.lines if not line.get_clip_on()]
    assert len(marks) == 2  # the two strokes of the break on the axis


def test_a_waterfall_from_zero_is_not_marked():
    a = FarmlandAccount()
    a.add_stock("start", [("T1", None)], [100.0])
    a.add_stock("end", [("T1", None)], [10.0])
    a.add_flow("lost", ("T1", None), "construction", 90.0, False)
    county = balance_figure(balance_table(a), ("a", "b")).axes[1]
    assert county.get_ylim()[0] <= 0 and "截断" not in county.get_ylabel()
    assert all(line.get_clip_on() for line in county.lines)


def test_without_matplotlib_the_chart_is_skipped_with_a_note(tmp_path, monkeypatch):
    real_import = builtins.__import__

    def no_matplotlib(name, *args, **kwargs):
        if name.startswith("matplotlib"):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_matplotlib)
    notes = []
    assert not write_balance_chart(str(tmp_path / "c.png"), balance_table(_account()),
                                   ("a", "b"), notes)
    assert "python3-matplotlib" in notes[0].message
    assert not (tmp_path / "c.png").exists()
