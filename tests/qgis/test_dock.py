"""The workspace dock driven as an analyst would: pick layers, check, run, zoom, reopen.

The test county and the helpers are in dock_county.py; the results table, the result's actions,
shapefile encodings, the change step and the Chinese texts have their own test files.
"""

import os

import pytest
from osgeo import ogr
from qgis.core import (
    QgsCoordinateReferenceSystem,
    QgsFeature,
    QgsFeatureRequest,
    QgsGeometry,
    QgsProject,
    QgsRectangle,
    QgsRuleBasedRenderer,
    QgsVectorLayer,
)
from qgis.PyQt.QtCore import Qt
from qgis.PyQt.QtWidgets import QPushButton, QToolBar

from dock_county import (
    EPSG,
    MU_PER_M2,
    PATCH_SIDE,
    PATCHES,
    X0,
    Y0,
    add_layer,
    bar_messages,
    run_dock,
    square,
    visible_ids,
    wait_for_rows,
    write_layer,
)
from plugin.compat import QAction
from plugin.gui import checks
from plugin.gui.dock import DATA_TAB, RESULTS_TAB, RUN_TAB, LandSupervisionDock
from plugin.gui.field_mapping import guess_fields, guess_role_layers, input_roles
from plugin.gui.job_state import JobState, RoleChoice, job_dict, load_from_project
from plugin.gui.layer_sources import file_source, layer_entry
from plugin.gui.task import CANCELLED
from plugin.plugin import ANALYSE_ACTION_OBJECT_NAME, DOCK_ACTION_OBJECT_NAME, TOOLBAR_OBJECT_NAME


# ---------------------------------------------------------------------------- plugin wiring


@pytest.fixture()
def desktop_plugin(qgis_iface, monkeypatch, qtbot):
    """The plugin in a shown main window that really docks widgets (pytest-qgis's iface only
    records them)."""
    from plugin import classFactory

    main_window = qgis_iface.mainWindow()
    monkeypatch.setattr(qgis_iface, "addDockWidget", main_window.addDockWidget)
    main_window.show()
    instance = classFactory(qgis_iface)
    instance.initGui()
    yield instance
    instance.unload()
    main_window.hide()


def test_toolbar_button_shows_and_hides_the_dock(qgis_iface, desktop_plugin, qtbot):
    main_window = qgis_iface.mainWindow()
    action = main_window.findChild(QAction, DOCK_ACTION_OBJECT_NAME)
    toolbar = main_window.findChild(QToolBar, TOOLBAR_OBJECT_NAME)
    dock = desktop_plugin.dock
    # the 土地监管 toolbar: the workspace button first, then the Processing dialog
    assert toolbar.actions() == [action, main_window.findChild(QAction, ANALYSE_ACTION_OBJECT_NAME)]
    assert not action.icon().isNull()
    assert main_window.dockWidgetArea(dock) == Qt.DockWidgetArea.RightDockWidgetArea
    assert not dock.isVisible() and not action.isChecked()

    action.trigger()
    qtbot.waitUntil(dock.isVisible)
    assert action.isChecked()

    action.trigger()
    qtbot.waitUntil(lambda: not dock.isVisible())
    assert not action.isChecked()


def test_unload_removes_the_dock_and_its_button(qgis_iface):
    from plugin import classFactory

    instance = classFactory(qgis_iface)
    instance.initGui()
    instance.unload()
    qgis_iface.mainWindow().repaint()

    from qgis.PyQt.QtCore import QCoreApplication, QEvent

    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    main_window = qgis_iface.mainWindow()
    assert main_window.findChildren(LandSupervisionDock) == []
    assert main_window.findChildren(QToolBar, TOOLBAR_OBJECT_NAME) == []
    assert main_window.findChildren(QAction, DOCK_ACTION_OBJECT_NAME) == []


def test_chinese_locale_shows_the_dock_in_chinese(chinese_locale, qgis_iface, loaded_plugin):
    dock = loaded_plugin.dock
    assert dock.windowTitle() == "土地监管图斑核查"
    assert [dock.tabs.tabText(i) for i in range(3)] == ["1 数据", "2 运行", "3 结果"]
    assert dock.run_page.run_button.text() == "运行分析"


# ---------------------------------------------------------------------------- choosing data


def test_survey_layer_names_are_recognised_and_fields_mapped(ready_dock, county_layers):
    rows = ready_dock.data_page.role_rows
    for role, layer in county_layers.items():
        assert rows[role].layer() is layer, role
    for role in ("red_line", "urban_boundary", "facility_agri", "temporary"):
        assert rows[role].layer() is None
    state = ready_dock.current_state()
    assert state.choices["patches"].fields == {
        "id_field": "JCBH", "before_field": "QDLBM", "after_field": "HDLBM"}
    assert state.choices["farmland"].filter_field == "DLBM"
    assert state.choices["farmland"].filter_values == ["01*"]
    assert state.choices["approved"].fields == {"id_field": "PZWH"}
    assert state.choices["admin"].fields == {"township_field": "XZMC", "village_field": "XZQMC"}


def test_a_wrong_guess_can_be_corrected_by_hand(ready_dock):
    row = ready_dock.data_page.role_rows["admin"]
    row.field_combos["village_field"].setField("XZMC")

    assert ready_dock.current_state().choices["admin"].fields["village_field"] == "XZMC"


def test_admin_fields_are_guessed_without_using_one_field_twice():
    admin = next(r for r in input_roles() if r.key == "admin")

    assert guess_fields(["XZQDM", "XZQMC", "XZMC"], admin.fields) == {
        "township_field": "XZMC", "village_field": "XZQMC"}
    assert guess_fields(["xzqmc"], admin.fields) == {
        "township_field": "xzqmc", "village_field": None}


def test_layer_names_pick_roles_once_each():
    chosen = guess_role_layers([
        ("a", ["CJXZQ"]), ("b", ["YJJBNTTB"]), ("c", ["dltb_2023", "DLTB"]), ("d", ["JCTB"]),
        ("e", ["JCTB 副本"]), ("f", ["生态保护红线"]),
    ])

    assert chosen == {"patches": "d", "basic_farmland": "b", "farmland": "c",
                      "admin": "a", "red_line": "f"}


def test_file_layers_go_to_the_core_by_path_and_layer_name(qgis_new_project, county,
                                                           tmp_path):
    path = county["patches"]
    by_path = add_layer(path, "a")
    by_name = add_layer(f"{path}|layername=JCTB", "b")
    two = write_layer(tmp_path / "two.gpkg", "FIRST", [], [(square(0, 0, 5), {})])
    ds = ogr.Open(two, update=1)
    ds.CreateLayer("SECOND", ds.GetLayer(0).GetSpatialRef(), ogr.wkbPolygon)
    ds = None
    by_index = add_layer(f"{two}|layerid=1", "c")

    assert file_source(by_path) == (path, None)
    assert file_source(by_name) == (path, "JCTB")
    assert file_source(by_index) == (two, "SECOND")
    assert layer_entry(by_name, str(tmp_path / "tmp"), "patches") == {
        "path": path, "layer": "JCTB"}
    assert not (tmp_path / "tmp").exists()


def test_memory_layers_go_to_the_core_as_geopackages(qgis_new_project, county_layers,
                                                     tmp_path):
    memory = county_layers["patches"].materialize(QgsFeatureRequest())
    memory.setName("监测图斑 副本")

    assert file_source(memory) is None
    entry = layer_entry(memory, str(tmp_path / "tmp"), "patches")

    assert entry == {"path": str(tmp_path / "tmp" / "监测图斑.gpkg"), "layer": "监测图斑 副本"}
    copied = QgsVectorLayer(f"{entry['path']}|layername={entry['layer']}", "copy", "ogr")
    assert copied.isValid() and copied.featureCount() == len(PATCHES)
    assert copied.crs().authid() == f"EPSG:{EPSG}"
    # Feature ids are kept: the engine's "FID n" names the feature QGIS shows as n.
    assert {(f.id(), f["JCBH"]) for f in copied.getFeatures()} == {
        (f.id(), f["JCBH"]) for f in memory.getFeatures()}


def test_a_layer_with_unsaved_edits_is_copied_as_qgis_shows_it(qgis_new_project,
                                                               county_layers, tmp_path):
    patches = county_layers["patches"]
    patches.startEditing()
    patches.deleteFeature(next(patches.getFeatures()).id())

    entry = layer_entry(patches, str(tmp_path / "tmp"), "patches")

    patches.rollBack()
    copied = QgsVectorLayer(f"{entry['path']}|layername={entry['layer']}", "copy", "ogr")
    assert copied.featureCount() == len(PATCHES) - 1


def test_a_filtered_file_layer_is_copied_as_qgis_shows_it(qgis_new_project, county_layers,
                                                          tmp_path):
    patches = county_layers["patches"]
    patches.setSubsetString("\"JCBH\" IN ('JC001', 'JC002')")

    entry = layer_entry(patches, str(tmp_path / "tmp"), "patches")

    copied = QgsVectorLayer(f"{entry['path']}|layername={entry['layer']}", "copy", "ogr")
    assert copied.featureCount() == 2


# ---------------------------------------------------------------------------- checks


def test_checks_pass_on_good_data(ready_dock):
    assert ready_dock.check_data()
    texts = [ready_dock.run_page.problem_list.item(i).text()
             for i in range(ready_dock.run_page.problem_list.count())]
    assert not any(p.level == checks.ERROR for p in
                   checks.check_job(ready_dock.current_state(), QgsProject.instance())), texts


def test_checks_name_missing_patches_layer(dock):
    assert not dock.check_data()
    assert dock.run_page.problem_list.item(0).text() == "Choose the layer of monitoring patches."


def test_checks_report_missing_crs_non_polygons_and_invalid_geometries(dock, tmp_path,
                                                                       qgis_new_project):
    no_crs = add_layer(write_layer(tmp_path / "nocrs.shp", "nocrs", ["JCBH"],
                         [(square(0, 0, 10), {"JCBH": "1"})], epsg=None), "无坐标系图斑")
    bowtie = ogr.CreateGeometryFromWkt(
        f"POLYGON(({X0} {Y0},{X0 + 10} {Y0 + 10},{X0 + 10} {Y0},{X0} {Y0 + 10},{X0} {Y0}))")
    broken = add_layer(write_layer(tmp_path / "bad.gpkg", "STBHHX", [], [(bowtie, {}),
                                                                (square(0, 0, 5), {})]),
                  "红线")
    points = QgsVectorLayer(f"Point?crs=EPSG:{EPSG}", "points", "memory")
    QgsProject.instance().addMapLayer(points)
    state = JobState(choices={"patches": RoleChoice(layer_id=no_crs.id()),
                              "red_line": RoleChoice(layer_id=broken.id()),
                              "urban_boundary": RoleChoice(layer_id=points.id())})

    problems = checks.check_job(state, QgsProject.instance())

    texts = {(p.level, p.role): p.text for p in problems}
    assert any(p.text.startswith("Monitoring patches (layer 无坐标系图斑): the layer has no "
                                 "coordinate reference system")
               for p in problems if (p.level, p.role) == (checks.ERROR, "patches"))
    assert texts[(checks.WARNING, "red_line")] == (
        "Ecological protection red line (layer 红线): 1 geometries are invalid; the analysis "
        "repairs them and lists each repair in the result's notes.")
    assert texts[(checks.ERROR, "urban_boundary")] == (
        "Urban development boundary (layer points): not a polygon layer; only polygons can be "
        "overlaid.")
    assert problems[0].level == checks.ERROR


def test_checks_catch_coordinates_that_do_not_fit_the_crs(dock, tmp_path, qgis_new_project):
    # Zone-prefixed X values in a layer labelled with the unprefixed zone CRS.
    wrong = add_layer(write_layer(tmp_path / "wrong.gpkg", "JCTB", ["JCBH"],
                        [(square(0, 0, 10), {"JCBH": "1"})], epsg=4537), "JCTB")

    problems = checks.check_job(JobState(choices={"patches": RoleChoice(layer_id=wrong.id())}),
                                QgsProject.instance())

    error = next(p for p in problems if p.level == checks.ERROR)
    assert "EPSG:4529" in error.text  # the engine's hint: the prefixed zone CRS


def test_checks_in_chinese(chinese_locale, loaded_plugin, qgis_new_project):
    problems = checks.check_job(JobState(), QgsProject.instance())

    assert problems[0].text == "请选择监测图斑图层。"


# ---------------------------------------------------------------------------- running


def test_run_adds_the_styled_result_layer_and_lists_the_flagged_patches(ready_dock, qtbot,
                                                                       message_bar, tmp_path):
    task = run_dock(ready_dock, qtbot)

    assert task.outcome == "succeeded", (task.error, task.failure)
    result_path = ready_dock.state.result_path
    assert os.path.dirname(os.path.dirname(result_path)) == str(tmp_path / "out")
    layer = ready_dock.result_layer
    assert QgsProject.instance().mapLayer(layer.id()) is layer
    assert layer.source() == f"{result_path}|layername=patches"
    assert isinstance(layer.renderer(), QgsRuleBasedRenderer)
    labels = [rule.label() for rule in layer.renderer().rootRule().descendants()]
    assert {"违法", "需核实", "合法", "占用永久基本农田建设"} <= set(labels)
    assert layer.fields().field("verdict").alias() == "判定结果"  # the GeoPackage's aliases stay
    verdicts = {f["patch_id"]: (f["verdict"], f["violation_type"]) for f in layer.getFeatures()}
    assert verdicts["JC001"] == ("违法", "占用永久基本农田建设")
    assert verdicts["JC002"] == ("违法", "占用耕地建设（耕地“非农化”）")
    assert verdicts["JC003"][0] == "合法"
    assert verdicts["JC004"][0] == "需核实"
    assert verdicts["JC005"][0] == "低于上图面积"

    assert ready_dock.tabs.currentIndex() == RESULTS_TAB
    assert visible_ids(ready_dock) == ["JC001", "JC002", "JC004"]  # most severe first
    rows = {r.patch_id: r for r in ready_dock.results_panel.model.rows}
    assert rows["JC001"].township == "甲镇" and rows["JC004"].township == "乙镇"
    assert rows["JC001"].severity == 5
    area_mu = PATCH_SIDE ** 2 * MU_PER_M2
    assert rows["JC001"].flag_area_mu == pytest.approx(area_mu, rel=1e-3)
    assert ready_dock.results_panel.overall_label.text() == (
        "<b>5</b> patches analysed: 2 illegal, 1 to verify, 1 lawful, 1 under the minimum "
        "mapping area.")
    flagged_mu = sum(rows[p].flag_area_mu for p in rows)
    assert ready_dock.results_panel.summary_label.text() == (
        f"Listed: <b>3</b> patches (2 illegal, 1 to verify); flagged area <b>{flagged_mu:.2f}"
        f"</b> mu, patch area {3 * area_mu:.2f} mu")
    [(level, text)] = bar_messages(message_bar)
    assert text == "5 patches analysed: 2 illegal, 1 to verify, 1 lawful."


def test_the_result_layer_is_named_after_the_job(ready_dock, qtbot):
    ready_dock.run_page.name_edit.setText("示范县 2024 年度第一批")
    ready_dock.run_page.name_edit.editingFinished.emit()

    run_dock(ready_dock, qtbot)

    assert ready_dock.result_layer.name() == "示范县 2024 年度第一批 verdicts"


def test_the_result_legend_is_open_with_a_swatch_for_every_verdict(ready_dock, qtbot):
    from qgis.core import QgsLayerTreeModel

    run_dock(ready_dock, qtbot)
    layer = ready_dock.result_layer
    node = QgsProject.instance().layerTreeRoot().findLayer(layer.id())

    assert node.isExpanded()
    model = QgsLayerTreeModel(QgsProject.instance().layerTreeRoot())
    legend = model.layerLegendNodes(node)
    labels = {item.data(Qt.ItemDataRole.DisplayRole) for item in legend}
    assert {"违法", "需核实", "合法", "低于上图面积", "占用永久基本农田建设",
            "无法判定（地类或资料缺失）"} <= labels
    # The layer tree opens the legend nodes its custom property names: every rule's.
    keys = {item.ruleKey() for item in layer.renderer().legendSymbolItems()}
    assert set(node.customProperty("expandedLegendNodes")) == keys


def test_areas_show_two_decimals_in_forms(ready_dock, qtbot):
    from qgis.core import QgsApplication

    run_dock(ready_dock, qtbot)
    layer = ready_dock.result_layer
    index = layer.fields().lookupField("area_mu")
    setup = layer.editorWidgetSetup(index)
    formatter = QgsApplication.fieldFormatterRegistry().fieldFormatter(setup.type())
    value = next(layer.getFeatures())["area_mu"]

    assert setup.type() == "Range" and setup.config()["Precision"] == 2
    assert formatter.representValue(layer, index, setup.config(), None, value) == f"{value:.2f}"


def test_memory_layers_run_as_well(dock, county_layers, qtbot):
    patches = county_layers["patches"]
    memory = QgsVectorLayer(f"Polygon?crs=EPSG:{EPSG}&field=JCBH:string&field=QDLBM:string"
                            "&field=HDLBM:string", "监测图斑（临时）", "memory")
    features = []
    for source in patches.getFeatures():
        feature = QgsFeature(memory.fields())
        feature.setAttributes(source.attributes()[1:])
        feature.setGeometry(QgsGeometry(source.geometry()))
        features.append(feature)
    memory.dataProvider().addFeatures(features)
    QgsProject.instance().addMapLayer(memory)
    dock.data_page.role_rows["patches"].set_layer(memory)
    dock.data_page.role_rows["basic_farmland"].set_layer(county_layers["basic_farmland"])

    task = run_dock(dock, qtbot)

    assert task.outcome == "succeeded", (task.error, task.failure)
    # Without farmland and approvals JC002 and JC003 are unapproved new construction.
    assert visible_ids(dock) == ["JC001", "JC002", "JC003", "JC004"]
    assert dock.results_panel.model.rows[1].violation_type == "未批新增建设（非农违法）"


def test_clicking_a_patch_zooms_to_it_and_flashes_it(ready_dock, qtbot, qgis_canvas,
                                                       monkeypatch):
    qgis_canvas.setDestinationCrs(QgsCoordinateReferenceSystem(f"EPSG:{EPSG}"))
    qgis_canvas.setExtent(QgsRectangle(X0 - 5000, Y0 - 5000, X0 + 5000, Y0 + 5000))
    run_dock(ready_dock, qtbot)
    flashed = []
    monkeypatch.setattr(qgis_canvas, "flashGeometries",
                        lambda geometries, crs: flashed.append(geometries))
    table = ready_dock.results_panel.table
    row = visible_ids(ready_dock).index("JC004")

    table.clicked.emit(table.model().index(row, 0))

    patch = QgsRectangle(X0 + 300, Y0, X0 + 340, Y0 + 40)
    extent = qgis_canvas.extent()
    assert extent.contains(patch)
    assert extent.center().distance(patch.center()) < 1
    assert 200 < extent.height() < 1000  # zoomed in from 10 km, with the parcels around
    assert ready_dock.result_layer.selectedFeatureCount() == 0  # its verdict colour shows
    assert len(flashed) == 1 and flashed[0][0].boundingBox() == patch


def test_cancel_stops_the_run_and_writes_nothing(ready_dock, qtbot, message_bar, monkeypatch):
    import time

    import plugin.core.analysis as analysis

    real = analysis.run_analysis

    def wait_for_cancel_then_run(job, out_dir, progress=None, cancelled=None, job_workers=None):
        deadline = time.monotonic() + 10
        while not cancelled() and time.monotonic() < deadline:
            time.sleep(0.01)
        return real(job, out_dir, progress=progress, cancelled=cancelled,
                    job_workers=job_workers)

    monkeypatch.setattr(analysis, "run_analysis", wait_for_cancel_then_run)
    assert ready_dock.run()
    task = ready_dock.task
    assert ready_dock.run_page.cancel_button.isEnabled() and not ready_dock.run_page.run_button.isEnabled()

    ready_dock.run_page.cancel_button.click()
    qtbot.waitUntil(lambda: ready_dock.task is None, timeout=20000)

    assert task.outcome == CANCELLED
    assert not os.path.exists(os.path.join(task.out_dir, "result.gpkg"))
    assert ready_dock.result_layer is None
    assert ready_dock.run_page.run_button.isEnabled() and not ready_dock.run_page.cancel_button.isEnabled()
    assert ("Cancelled: nothing was written." in text for _, text in bar_messages(message_bar))


def test_the_ui_stays_responsive_while_the_task_runs(ready_dock, qtbot, monkeypatch):
    import threading

    import plugin.core.analysis as analysis

    real = analysis.run_analysis
    release = threading.Event()
    threads = []

    def held(job, out_dir, progress=None, cancelled=None, job_workers=None):
        threads.append((threading.current_thread(), job_workers))
        release.wait(10)
        return real(job, out_dir, progress=progress, cancelled=cancelled,
                    job_workers=job_workers)

    monkeypatch.setattr(analysis, "run_analysis", held)
    assert ready_dock.run()
    try:
        qtbot.waitUntil(lambda: bool(threads), timeout=5000)
        # While the engine works, the main thread's event loop runs: a click is handled.
        qtbot.mouseClick(ready_dock.tabs.tabBar(), Qt.MouseButton.LeftButton,
                         pos=ready_dock.tabs.tabBar().tabRect(DATA_TAB).center())
        assert ready_dock.tabs.currentIndex() == DATA_TAB
        assert ready_dock.task is not None and not ready_dock.run_page.run_button.isEnabled()
    finally:
        release.set()
    qtbot.waitUntil(lambda: ready_dock.task is None, timeout=60000)

    [(thread, workers)] = threads
    assert thread is not threading.main_thread()
    assert workers == 1
    assert ready_dock.result_layer is not None


def test_bad_input_found_by_the_engine_goes_to_the_message_bar(ready_dock, qtbot, message_bar,
                                                              tmp_path):
    rules = tmp_path / "rules.yaml"
    rules.write_text("id: broken\nrules: [\n", encoding="utf-8")
    ready_dock.run_page.rules_widget.setFilePath(str(rules))

    task = run_dock(ready_dock, qtbot)

    assert task.outcome == "bad input"
    assert ready_dock.result_layer is None
    [(level, text)] = bar_messages(message_bar)
    assert text == "The analysis stopped on bad input."
    assert ready_dock.run_page.problem_list.item(0).text() == str(task.error)
    # The bar keeps one short line; the error in full is behind its 详情 button.
    details = [b for b in message_bar.currentItem().findChildren(QPushButton)
               if b.text() == "Details"]
    ready_dock.tabs.setCurrentIndex(DATA_TAB)
    details[0].click()
    assert ready_dock.tabs.currentIndex() == RUN_TAB
    assert ready_dock.run_page.status_label.text() == str(task.error)
    assert "rules.yaml] 规则文件第 3 行第 1 列附近不是有效的 YAML" in str(task.error)


def test_errors_found_by_the_checks_stop_the_run_before_it_starts(dock, message_bar):
    assert not dock.run()
    assert dock.task is None
    [(_, text)] = bar_messages(message_bar)
    assert text == "Fix the problems marked in red before running."


def test_a_blocked_run_clears_the_previous_runs_status(ready_dock, qtbot):
    run_dock(ready_dock, qtbot)
    assert ready_dock.run_page.status_label.text().startswith("5 patches analysed")
    ready_dock.data_page.role_rows["patches"].field_combos["after_field"].setField("")

    assert not ready_dock.run()

    assert ready_dock.run_page.status_label.text() == (
        "Not started: 1 problems marked in red must be fixed first.")
    assert ready_dock.run_page.progress_bar.value() == 0


def test_a_patch_layer_without_its_class_fields_mapped_is_refused(ready_dock):
    row = ready_dock.data_page.role_rows["patches"]
    row.field_combos["before_field"].setField("")
    row.field_combos["id_field"].setField("")

    assert not ready_dock.check_data()

    errors = [p.text for p in checks.check_job(ready_dock.current_state(),
                                               QgsProject.instance())
              if p.level == checks.ERROR]
    assert errors == [
        "Monitoring patches (layer JCTB): choose the field of Patch number; without it no "
        "patch can be judged or found in the ledger.",
        "Monitoring patches (layer JCTB): choose the field of Class before; without it no "
        "patch can be judged or found in the ledger."]


def test_a_second_run_replaces_the_previous_result_layer(ready_dock, qtbot):
    task = run_dock(ready_dock, qtbot)
    assert task.outcome == "succeeded", (task.error, task.failure)
    first = ready_dock.result_layer.id()
    qtbot.wait(1100)  # runs write to folders named by the second

    run_dock(ready_dock, qtbot)

    assert QgsProject.instance().mapLayer(first) is None
    assert ready_dock.result_layer.id() != first
    results = [layer for layer in QgsProject.instance().mapLayers().values()
               if layer.source().endswith("|layername=patches")]
    assert results == [ready_dock.result_layer]


# ---------------------------------------------------------------------------- persistence


def test_the_job_is_kept_in_the_project_and_restored_when_it_is_reopened(
        ready_dock, qtbot, tmp_path, county_layers):
    ready_dock.data_page.role_rows["admin"].field_combos["village_field"].setField("")
    ready_dock.run_page.min_area_spin.setValue(2.5)
    run_dock(ready_dock, qtbot)
    saved = ready_dock.current_state()
    project = QgsProject.instance()
    path = str(tmp_path / "county.qgz")
    assert project.write(path)

    project.clear()
    assert ready_dock.data_page.role_rows["patches"].layer() is None
    assert ready_dock.result_layer is None
    assert project.read(path)

    restored = ready_dock.current_state()
    assert restored == saved
    assert restored.choices["admin"].fields == {"township_field": "XZMC"}
    assert ready_dock.run_page.min_area_spin.value() == 2.5
    assert ready_dock.data_page.role_rows["patches"].layer().name() == "JCTB"
    assert ready_dock.result_layer is not None
    wait_for_rows(ready_dock, qtbot)
    assert visible_ids(ready_dock) == ["JC001", "JC002", "JC004"]
    assert load_from_project(project) == saved


def test_a_new_project_starts_with_the_last_rule_set_and_output_folder(dock, tmp_path):
    rules = tmp_path / "my_rules.yaml"
    rules.write_text("", encoding="utf-8")
    dock.run_page.rules_widget.setFilePath(str(rules))
    dock.run_page.out_dir_widget.setFilePath(str(tmp_path / "elsewhere"))

    QgsProject.instance().clear()

    assert dock.run_page.rules_widget.filePath() == str(rules)
    assert dock.run_page.out_dir_widget.filePath() == str(tmp_path / "elsewhere")
    assert dock.current_state().choices == {}


def test_a_job_file_fills_the_dock(dock, county, tmp_path):
    job = tmp_path / "job.yaml"
    job.write_text(
        "patches: {path: data/jctb.gpkg, layer: JCTB, id_field: JCBH, before_field: QDLBM, "
        "after_field: HDLBM}\n"
        "baselines:\n"
        '  farmland: {path: data/dltb.gpkg, layer: DLTB, where: {DLBM: ["01*"]}}\n'
        "  basic_farmland: {path: data/yjjbnttb.gpkg, layer: YJJBNTTB}\n"
        "admin: {path: data/xzq.gpkg, layer: CJXZQ, township_field: XZMC}\n"
        "min_area_m2: 3\n",
        encoding="utf-8")

    assert dock.open_job_file(str(job))

    state = dock.current_state()
    assert set(state.choices) == {"patches", "farmland", "basic_farmland", "admin"}
    assert state.choices["patches"].fields == {
        "id_field": "JCBH", "before_field": "QDLBM", "after_field": "HDLBM"}
    assert state.choices["farmland"].filter_values == ["01*"]
    assert state.choices["admin"].fields == {"township_field": "XZMC"}
    assert state.min_area_m2 == 3
    data = job_dict(state, QgsProject.instance(), str(tmp_path / "tmp"))
    assert data["patches"]["path"] == county["patches"]
    assert data["baselines"]["farmland"]["where"] == {"DLBM": ["01*"]}
    group = QgsProject.instance().layerTreeRoot().findGroup("Land supervision inputs")
    # Lines above fills, the patches on top; the parcel layer shows its farmland only.
    assert [node.layer().name() for node in group.findLayers()] == [
        "JCTB", "CJXZQ", "YJJBNTTB", "DLTB"]
    farmland = dock.data_page.role_rows["farmland"].layer()
    rules = farmland.renderer().rootRule().children()
    assert rules[0].filterExpression() == "(\"DLBM\" LIKE '01%')"
    assert rules[1].isElse()
    assert [f.id() for f in farmland.getFeatures(rules[0].filterExpression())] == [1]


def test_two_runs_in_the_same_second_get_folders_of_their_own(tmp_path):
    from plugin.gui.dock import new_run_dir
    folders = [new_run_dir(str(tmp_path / "out")) for _ in range(3)]
    assert len(set(folders)) == 3 and all(os.path.isdir(f) for f in folders)
    assert all(os.listdir(f) == [] for f in folders)
