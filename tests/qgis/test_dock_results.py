"""The results tab: the table of flagged patches (columns, tints, sorting, filters), a county's
30,000 results shown without stalling QGIS, and what the analyst does with a result (ledger,
field verification, importing the verification, help)."""

import os
import sys
import time
from pathlib import Path

import pytest
from qgis.PyQt.QtCore import Qt
from qgis.PyQt.QtWidgets import QApplication, QDialog, QPushButton

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "core"))
from dock_county import bar_messages, run_dock, visible_ids, wait_for_rows
from ledger_sheet import data_rows, headers
from plugin.gui.dock import DOCK_WIDTH, RESULTS_TAB
from plugin.gui.results_model import TINTS

# ---------------------------------------------------------------------------- the table


def test_area_severity_and_progress_are_visible_at_the_default_dock_width(chinese_dock,
                                                                         county_layers, qtbot):
    dock = chinese_dock
    dock.recognise_layers()
    run_dock(dock, qtbot)
    dock.resize(DOCK_WIDTH, 700)
    table = dock.results_panel.table
    model = dock.results_panel.model
    qtbot.waitUntil(lambda: table.viewport().width() > 0)

    viewport = table.viewport().width()
    for key in ("patch_id", "verdict", "severity", "flag_area_mu", "status"):
        column = model.column_of(key)
        right = table.columnViewportPosition(column) + table.columnWidth(column)
        assert 0 <= table.columnViewportPosition(column) and right <= viewport, key


def test_rows_are_tinted_by_verdict(ready_dock, qtbot):
    run_dock(ready_dock, qtbot)
    model = ready_dock.results_panel.model

    tints = {model.rows[r].patch_id: model.data(model.index(r, 0), Qt.ItemDataRole.BackgroundRole)
             for r in range(model.rowCount())}

    assert tints == {"JC001": TINTS["违法"], "JC002": TINTS["违法"], "JC004": TINTS["需核实"]}
    assert TINTS["违法"] != TINTS["需核实"]


@pytest.mark.parametrize("key", ["patch_id", "verdict", "severity", "flag_area_mu", "status",
                                 "violation_type", "township", "village", "area_mu"])
def test_clicking_a_header_sorts_by_that_column_both_ways(ready_dock, qtbot, key):
    run_dock(ready_dock, qtbot)
    panel = ready_dock.results_panel
    column = panel.model.column_of(key)
    rows = list(panel.model.all_rows)

    panel.table.horizontalHeader().setSortIndicator(column, Qt.SortOrder.AscendingOrder)
    up = visible_ids(ready_dock)
    panel.table.horizontalHeader().setSortIndicator(column, Qt.SortOrder.DescendingOrder)
    down = visible_ids(ready_dock)

    values = {r.patch_id: getattr(r, key) for r in rows}
    assert sorted(up) == sorted(values)
    assert [values[p] for p in up] == sorted(values.values())
    assert [values[p] for p in down] == sorted(values.values(), reverse=True)


def test_sorting_by_severity_puts_the_most_severe_first_or_last(ready_dock, qtbot):
    run_dock(ready_dock, qtbot)
    header = ready_dock.results_panel.table.horizontalHeader()
    column = ready_dock.results_panel.model.column_of("severity")

    header.setSortIndicator(column, Qt.SortOrder.AscendingOrder)
    assert visible_ids(ready_dock) == ["JC004", "JC002", "JC001"]
    header.setSortIndicator(column, Qt.SortOrder.DescendingOrder)
    assert visible_ids(ready_dock) == ["JC001", "JC002", "JC004"]


def test_filters_narrow_the_table_and_its_totals(ready_dock, qtbot):
    run_dock(ready_dock, qtbot)
    panel = ready_dock.results_panel

    panel.set_filter(township="乙镇")
    assert visible_ids(ready_dock) == ["JC004"]
    panel.set_filter(verdict="违法")
    assert visible_ids(ready_dock) == ["JC001", "JC002"]
    panel.set_filter(min_severity=5)
    assert visible_ids(ready_dock) == ["JC001"]
    panel.set_filter(violation_type="占用耕地建设（耕地“非农化”）")
    assert visible_ids(ready_dock) == ["JC002"]
    assert "Listed: <b>1</b> patches (1 illegal, 0 to verify)" in panel.summary_label.text()
    panel.set_filter()
    assert len(visible_ids(ready_dock)) == 3


def test_a_sort_order_survives_a_filter(ready_dock, qtbot):
    run_dock(ready_dock, qtbot)
    panel = ready_dock.results_panel
    panel.table.horizontalHeader().setSortIndicator(panel.model.column_of("patch_id"),
                                                    Qt.SortOrder.DescendingOrder)

    panel.set_filter(verdict="违法")

    assert visible_ids(ready_dock) == ["JC002", "JC001"]


def test_filter_combos_offer_the_result_values(ready_dock, qtbot):
    run_dock(ready_dock, qtbot)
    panel = ready_dock.results_panel

    townships = [panel.township_combo.itemText(i) for i in range(panel.township_combo.count())]
    assert townships == ["All", "乙镇", "甲镇"] or townships == ["All", "甲镇", "乙镇"]
    panel.township_combo.setCurrentIndex(panel.township_combo.findData("甲镇"))
    assert visible_ids(ready_dock) == ["JC001", "JC002"]


# ---------------------------------------------------------------------------- a county's run


def county_result(path, count):
    """A result GeoPackage of ``count`` patches in a grid, written with the engine's writer
    (running the engine on 30,000 patches would take the test a minute)."""
    from osgeo import ogr
    from pyproj import CRS

    from plugin.core.io.gpkg_writer import atomic_geopackage
    from plugin.core.result_fields import patch_fields

    fields = patch_fields(["farmland", "basic_farmland"], ["approved"], with_verdict=True)
    verdicts = ["违法", "需核实", "合法", "低于上图面积"]
    rows, wkbs = [], []
    for n in range(count):
        x, y = 41_500_000.0 + (n % 200) * 50, 3_400_000.0 + (n // 200) * 50
        wkbs.append(bytes(ogr.CreateGeometryFromWkt(
            f"MULTIPOLYGON((({x} {y},{x + 30} {y},{x + 30} {y + 30},{x} {y + 30},{x} {y})))"
        ).ExportToWkb()))
        row = {name: 0.0 for name, kind, _ in fields if kind == "real"}
        row.update(patch_id=f"4201162024{n:05d}", township=f"{n % 12}镇", village=f"{n % 97}村",
                   before_class="0103", after_class="0702", verdict=verdicts[n % 4],
                   violation_type="农村乱占耕地建房" if n % 4 == 0 else "耕地流出",
                   rule_ids="r", severity=1 + n % 5, measure="拆除复耕", reason="测试",
                   area_m2=900.0, area_mu=1.35, flag_area_m2=900.0, flag_area_mu=1.35)
        rows.append(row)
    with atomic_geopackage(path) as ds:
        ds.write_layer("patches", CRS.from_epsg(4529).to_wkt(), fields, rows, wkbs)
        ds.write_default_style("patches", [(f, a) for f, _, a in fields])
    return {v: count // 4 for v in verdicts}


def test_the_end_of_a_30000_patch_run_does_not_stall_qgis(ready_dock, qtbot, tmp_path):
    from plugin.core.analysis import AnalysisResult
    from plugin.core.errors import Note
    from plugin.gui.task import SUCCEEDED, AnalysisTask
    from plugin.gui.results_model import read_result_rows

    path = str(tmp_path / "run" / "result.gpkg")
    os.makedirs(os.path.dirname(path))
    verdicts = county_result(path, 30000)
    # What the worker thread hands over: the engine's result and the rows it read.
    task = AnalysisTask("run", {}, os.path.dirname(path))
    task.outcome = SUCCEEDED
    task.result = AnalysisResult(result_path=path, patch_count=30000, working_crs="EPSG:4529",
                                 notes=[Note("监测图斑", f"FID {n}", "几何无效，已修复")
                                        for n in range(3000)], verdicts=verdicts)
    task.rows = read_result_rows(path)
    ready_dock.tabs.setCurrentIndex(RESULTS_TAB)

    started = time.perf_counter()
    ready_dock._task_done(task)
    handler = time.perf_counter() - started
    started = time.perf_counter()
    QApplication.processEvents()  # the table's first paint, the layer tree
    paint = time.perf_counter() - started

    print(f"end-of-run handler {handler:.3f} s, first paint {paint:.3f} s")
    assert handler < 0.5 and paint < 0.5, (handler, paint)
    assert len(visible_ids(ready_dock)) == 15000
    assert ready_dock.result_layer.featureCount() == 30000
    started = time.perf_counter()
    ready_dock.results_panel.set_filter(verdict="违法", min_severity=3)
    ready_dock.results_panel.table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
    assert time.perf_counter() - started < 0.5
    assert len(visible_ids(ready_dock)) == 4500


# ---------------------------------------------------------------------------- the result's actions


def _answer_ledger_dialog(monkeypatch, **choices):
    """Fill in the ledger dialog as the analyst would, and press 导出."""
    from plugin.gui import ledger_dialog

    def exec_(dialog):
        if "path" in choices:
            dialog.path_widget.setFilePath(choices["path"])
        dialog.all_check.setChecked(choices.get("include_all", False))
        dialog.before_widget.setFilePath(choices.get("before", ""))
        dialog.after_widget.setFilePath(choices.get("after", ""))
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(ledger_dialog.LedgerDialog, "exec", exec_)


def _ledger_ids(path):
    import openpyxl

    sheet = openpyxl.load_workbook(path)["整改台账"]
    names = headers(sheet)
    return list(names), sorted(sheet.cell(r, names["图斑编号"]).value for r in data_rows(sheet))


def test_the_ledger_is_exported_from_the_dock(ready_dock, qtbot, message_bar, tmp_path,
                                              monkeypatch):
    run_dock(ready_dock, qtbot)
    buttons = ready_dock.results_page
    assert buttons.ledger_button.isEnabled()
    path = str(tmp_path / "台账.xlsx")
    _answer_ledger_dialog(monkeypatch, path=path)

    buttons.ledger_button.click()
    qtbot.waitUntil(lambda: ready_dock.actions.ledger_task is None, timeout=60000)

    assert _ledger_ids(path)[1] == ["JC001", "JC002", "JC004"]
    item = message_bar.currentItem()
    assert item.text() == "Ledger written: 3 patches."
    assert [b.text() for b in item.findChildren(QPushButton)] == ["Open ledger", "Open folder"]


def test_the_ledger_dialog_offers_every_patch_and_image_thumbnails(ready_dock, qtbot, tmp_path,
                                                                  monkeypatch, county):
    from osgeo import gdal, osr

    from dock_county import EPSG, X0, Y0

    image = str(tmp_path / "after.tif")
    ds = gdal.GetDriverByName("GTiff").Create(image, 500, 200, 3, gdal.GDT_Byte)
    ds.SetGeoTransform((X0 - 50, 1.0, 0, Y0 + 150, 0, -1.0))
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(EPSG)
    ds.SetProjection(srs.ExportToWkt())
    for band in range(1, 4):
        ds.GetRasterBand(band).Fill(60 * band)
    ds = None
    run_dock(ready_dock, qtbot)
    path = str(tmp_path / "全部图斑.xlsx")
    _answer_ledger_dialog(monkeypatch, path=path, include_all=True, after=image)

    ready_dock.results_page.ledger_button.click()
    qtbot.waitUntil(lambda: ready_dock.actions.ledger_task is None, timeout=60000)

    headers, ids = _ledger_ids(path)
    assert ids == ["JC001", "JC002", "JC003", "JC004", "JC005"]
    assert any("后时相" in str(h) for h in headers)
    # The images are remembered for the field pack.
    assert ready_dock.state.after_image == image
    assert ready_dock.actions.fieldpack_parameters()["AFTER"] == image


def test_field_verification_opens_prefilled_and_ends_with_buttons(ready_dock, qtbot, monkeypatch,
                                                                  message_bar, tmp_path):
    from qgis import processing

    assert not ready_dock.results_page.fieldpack_button.isEnabled()  # nothing before a run
    run_dock(ready_dock, qtbot)
    ready_dock.state.before_image = "/data/before.tif"
    opened = []
    folder = os.path.join(os.path.dirname(ready_dock.state.result_path), "fieldpack")
    pdf = tmp_path / "外业核查表.pdf"
    pdf.write_bytes(b"%PDF-1.4")

    def dialog(alg, params):
        opened.append((alg, params))
        return {"OUTPUT_FOLDER": folder, "PDF": str(pdf), "PATCH_COUNT": 3,
                "GPKG": os.path.join(folder, "核查图斑.gpkg")}

    monkeypatch.setattr(processing, "execAlgorithmDialog", dialog, raising=False)
    ready_dock.results_page.fieldpack_button.click()

    assert opened == [("landsupervision:fieldpack", {
        "RESULT": ready_dock.state.result_path, "OUTPUT_FOLDER": folder,
        "BEFORE": "/data/before.tif"})]
    item = message_bar.currentItem()
    assert item.text() == "Field verification pack ready: 3 patches."
    assert [b.text() for b in item.findChildren(QPushButton)] == ["Open PDF", "Open folder"]


def test_import_opens_prefilled_with_the_result_and_reads_it_again_after(ready_dock, qtbot,
                                                                          monkeypatch):
    from qgis import processing

    assert not ready_dock.results_page.import_button.isEnabled()  # nothing to import into
    run_dock(ready_dock, qtbot)
    opened, reread = [], []
    monkeypatch.setattr(processing, "execAlgorithmDialog",
                        lambda alg, params: opened.append((alg, params)), raising=False)
    monkeypatch.setattr(ready_dock, "_read_rows", lambda: reread.append(True))
    ready_dock.results_page.import_button.click()
    assert opened == [("landsupervision:importledger", {"RESULT": ready_dock.state.result_path})]
    assert reread == [True]


def test_progress_imported_from_a_filled_ledger_can_be_filtered(ready_dock, qtbot, tmp_path):
    import openpyxl

    from plugin.core.ledger.imports import import_ledger

    run_dock(ready_dock, qtbot)
    path = str(tmp_path / "台账.xlsx")
    ready_dock.actions.export_ledger(path)
    qtbot.waitUntil(lambda: ready_dock.actions.ledger_task is None, timeout=60000)
    book = openpyxl.load_workbook(path)
    sheet = book["整改台账"]
    names = headers(sheet)
    for r in data_rows(sheet):
        if sheet.cell(r, names["图斑编号"]).value == "JC002":
            sheet.cell(r, names["整改进展"]).value = "整改中"
    book.save(path)
    assert import_ledger(path, ready_dock.state.result_path).written

    ready_dock.results_page.refresh_button.click()
    wait_for_rows(ready_dock, qtbot)

    panel = ready_dock.results_panel
    qtbot.waitUntil(lambda: panel.status_combo.count() == 3)
    statuses = [panel.status_combo.itemText(i) for i in range(panel.status_combo.count())]
    assert statuses == ["All", "(not filled in)", "整改中"]
    panel.set_filter(status="整改中")
    assert visible_ids(ready_dock) == ["JC002"]
    panel.set_filter(status="")
    assert visible_ids(ready_dock) == ["JC001", "JC004"]


def test_help_opens_the_bundled_page_or_says_it_is_missing(dock, monkeypatch, message_bar,
                                                           tmp_path):
    from plugin.gui import dock as dock_module

    opened = []
    monkeypatch.setattr(dock_module, "open_path", opened.append)
    page = tmp_path / "help" / "index.html"
    monkeypatch.setattr(dock_module, "help_page", lambda: page)

    dock.help_button.click()
    assert opened == [] and bar_messages(message_bar)[0][1] == (
        "The help page is not installed with the plugin.")

    page.parent.mkdir()
    page.write_text("<html></html>", encoding="utf-8")
    dock.help_button.click()
    assert opened == [str(page)]


def test_help_page_is_looked_for_in_the_plugins_resources():
    from plugin.gui.dock import help_page
    from plugin.paths import resources_dir

    assert help_page() == resources_dir() / "help" / "index.html"
