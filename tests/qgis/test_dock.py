"""The workspace dock driven as an analyst would: pick layers, check, run, filter, zoom, reopen.

The test county is built here: two townships, four 40 m patches and a small one, on a parcel
layer (DLTB) whose farmland the dock filters by DLBM, with basic farmland under one patch and
an approval over another. The expected verdicts follow from the default rule set by hand:

    patch  class change   lies on                         verdict   type
    JC001  0103 → 0702    basic farmland (and farmland)    违法      占用永久基本农田建设 (5)
    JC002  0103 → 0601    farmland                         违法      占用耕地建设 (4)
    JC003  0103 → 0601    farmland, approved               合法
    JC004  0103 → 0201    farmland                         需核实    耕地流出 (2)
    JC005  0103 → 0601    farmland, 100 m²                 低于上图面积 (construction minimum 200 m²)
"""

import os
import sys
from pathlib import Path

import pytest
from osgeo import ogr, osr
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
from qgis.gui import QgsMessageBar
from qgis.PyQt.QtCore import Qt
from qgis.PyQt.QtWidgets import QToolBar

from plugin.compat import QAction
from plugin.gui import checks
from plugin.gui.dock import DATA_TAB, RESULTS_TAB, LandSupervisionDock
from plugin.gui.field_mapping import guess_fields, guess_role_layers, input_roles
from plugin.gui.job_state import JobState, RoleChoice, job_dict, load_from_project
from plugin.gui.layer_sources import file_source, layer_entry
from plugin.gui.task import CANCELLED
from plugin.plugin import ANALYSE_ACTION_OBJECT_NAME, DOCK_ACTION_OBJECT_NAME, TOOLBAR_OBJECT_NAME

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "core"))
from ledger_sheet import data_rows, headers, sheet_records  # noqa: E402

EPSG = 4529  # CGCS2000 3-degree GK zone 41, zone prefixed to X
X0, Y0 = 41_500_000.0, 3_400_000.0
PATCH_SIDE = 40.0
MU_PER_M2 = 0.0015


def _square(x, y, size):
    ring = ogr.Geometry(ogr.wkbLinearRing)
    for dx, dy in ((0, 0), (size, 0), (size, size), (0, size), (0, 0)):
        ring.AddPoint_2D(X0 + x + dx, Y0 + y + dy)
    polygon = ogr.Geometry(ogr.wkbPolygon)
    polygon.AddGeometry(ring)
    return polygon


def _write(path, layer_name, fields, features, epsg=EPSG):
    """A polygon GeoPackage layer with text fields: features are (geometry, {field: value})."""
    srs = None
    if epsg is not None:
        srs = osr.SpatialReference()
        srs.ImportFromEPSG(epsg)
    driver = "ESRI Shapefile" if str(path).endswith(".shp") else "GPKG"
    ds = ogr.GetDriverByName(driver).CreateDataSource(str(path))
    layer = ds.CreateLayer(layer_name, srs, ogr.wkbPolygon)
    for name in fields:
        layer.CreateField(ogr.FieldDefn(name, ogr.OFTString))
    for geometry, values in features:
        feature = ogr.Feature(layer.GetLayerDefn())
        for name, value in values.items():
            feature.SetField(name, value)
        feature.SetGeometry(geometry)
        layer.CreateFeature(feature)
    ds = None
    return str(path)


PATCHES = [  # id, x, y, side, before, after
    ("JC001", 0, 0, PATCH_SIDE, "0103", "0702"),
    ("JC002", 100, 0, PATCH_SIDE, "0103", "0601"),
    ("JC003", 200, 0, PATCH_SIDE, "0103", "0601"),
    ("JC004", 300, 0, PATCH_SIDE, "0103", "0201"),
    ("JC005", 300, 100, 10.0, "0103", "0601"),
]


@pytest.fixture()
def county(tmp_path):
    """The test county's files: {role: path}."""
    data = tmp_path / "data"
    data.mkdir()
    patch_features = [(_square(x, y, side), {"JCBH": pid, "QDLBM": before, "HDLBM": after})
                      for pid, x, y, side, before, after in PATCHES]
    return {
        "patches": _write(data / "jctb.gpkg", "JCTB", ["JCBH", "QDLBM", "HDLBM"],
                          patch_features),
        # Farmland under every patch; a village plot (0702) beside it that the filter drops.
        "farmland": _write(data / "dltb.gpkg", "DLTB", ["DLBM"], [
            (_square(-50, -50, 450), {"DLBM": "0103"}),
            (_square(-50, 400, 200), {"DLBM": "0702"}),
        ]),
        "basic_farmland": _write(data / "yjjbnttb.gpkg", "YJJBNTTB", ["BSM"], [
            (_square(-5, -5, 50), {"BSM": "1"}),
        ]),
        "approved": _write(data / "pzyd.gpkg", "PZYD", ["PZWH"], [
            (_square(195, -5, 50), {"PZWH": "示批〔2024〕7号"}),
        ]),
        "admin": _write(data / "xzq.gpkg", "CJXZQ", ["XZMC", "XZQMC"], [
            (_square(-100, -100, 250), {"XZMC": "甲镇", "XZQMC": "东村"}),
            (_square(150, -100, 350), {"XZMC": "乙镇", "XZQMC": "西村"}),
        ]),
    }


def _add(path, name):
    layer = QgsVectorLayer(path, name, "ogr")
    assert layer.isValid(), path
    QgsProject.instance().addMapLayer(layer)
    return layer


@pytest.fixture()
def county_layers(qgis_new_project, county):
    """The county's layers in the project under their survey names."""
    names = {"patches": "JCTB", "farmland": "DLTB", "basic_farmland": "YJJBNTTB",
             "approved": "PZYD", "admin": "CJXZQ"}
    project = QgsProject.instance()
    project.setCrs(QgsCoordinateReferenceSystem(f"EPSG:{EPSG}"))
    return {role: _add(path, names[role]) for role, path in county.items()}


@pytest.fixture()
def message_bar(qgis_iface, monkeypatch):
    """QGIS's real message bar in place of pytest-qgis's stub (the dock adds buttons to it)."""
    bar = QgsMessageBar()
    monkeypatch.setattr(qgis_iface, "_messageBar", bar)
    monkeypatch.setattr(qgis_iface, "openMessageLog", lambda: None, raising=False)
    yield bar
    bar.deleteLater()


@pytest.fixture()
def fresh_settings():
    """No rule set or output folder remembered from an earlier test."""
    from qgis.core import QgsSettings

    from plugin.gui.job_state import SETTINGS_PREFIX

    settings = QgsSettings()
    settings.remove(SETTINGS_PREFIX.rstrip("/"))
    yield
    settings.remove(SETTINGS_PREFIX.rstrip("/"))


@pytest.fixture()
def dock(english_locale, fresh_settings, qgis_iface, qgis_new_project, message_bar, qtbot,
         tmp_path):
    # pytest-qgis's new project only removes layers; QGIS's own new project clears it.
    QgsProject.instance().clear()
    widget = LandSupervisionDock(qgis_iface)
    widget.out_dir_widget.setFilePath(str(tmp_path / "out"))
    widget.show()
    yield widget
    widget.close_down()
    widget.deleteLater()


@pytest.fixture()
def ready_dock(dock, county_layers):
    """The dock with the county's layers recognised and their fields mapped."""
    dock.recognise_layers()
    return dock


def _run(dock, qtbot, timeout=60000):
    assert dock.run()
    task = dock.task
    qtbot.waitUntil(lambda: dock.task is None, timeout=timeout)
    return task


def _messages(bar):
    return [(item.level(), item.text()) for item in bar.items()]


def _visible_ids(dock):
    return [row.patch_id for row in dock.results_panel.proxy.visible_rows()]


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
    assert dock.run_button.text() == "运行分析"


# ---------------------------------------------------------------------------- choosing data


def test_survey_layer_names_are_recognised_and_fields_mapped(ready_dock, county_layers):
    rows = ready_dock.role_rows
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
    row = ready_dock.role_rows["admin"]
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
    by_path = _add(path, "a")
    by_name = _add(f"{path}|layername=JCTB", "b")
    two = _write(tmp_path / "two.gpkg", "FIRST", [], [(_square(0, 0, 5), {})])
    ds = ogr.Open(two, update=1)
    ds.CreateLayer("SECOND", ds.GetLayer(0).GetSpatialRef(), ogr.wkbPolygon)
    ds = None
    by_index = _add(f"{two}|layerid=1", "c")

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

    assert entry == {"path": str(tmp_path / "tmp" / "patches.gpkg"), "layer": "监测图斑 副本"}
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
    texts = [ready_dock.problem_list.item(i).text()
             for i in range(ready_dock.problem_list.count())]
    assert not any(p.level == checks.ERROR for p in
                   checks.check_job(ready_dock.current_state(), QgsProject.instance())), texts


def test_checks_name_missing_patches_layer(dock):
    assert not dock.check_data()
    assert dock.problem_list.item(0).text() == "Choose the layer of monitoring patches."


def test_checks_report_missing_crs_non_polygons_and_invalid_geometries(dock, tmp_path,
                                                                       qgis_new_project):
    no_crs = _add(_write(tmp_path / "nocrs.shp", "nocrs", ["JCBH"],
                         [(_square(0, 0, 10), {"JCBH": "1"})], epsg=None), "无坐标系图斑")
    bowtie = ogr.CreateGeometryFromWkt(
        f"POLYGON(({X0} {Y0},{X0 + 10} {Y0 + 10},{X0 + 10} {Y0},{X0} {Y0 + 10},{X0} {Y0}))")
    broken = _add(_write(tmp_path / "bad.gpkg", "STBHHX", [], [(bowtie, {}),
                                                                (_square(0, 0, 5), {})]),
                  "红线")
    points = QgsVectorLayer(f"Point?crs=EPSG:{EPSG}", "points", "memory")
    QgsProject.instance().addMapLayer(points)
    state = JobState(choices={"patches": RoleChoice(layer_id=no_crs.id()),
                              "red_line": RoleChoice(layer_id=broken.id()),
                              "urban_boundary": RoleChoice(layer_id=points.id())})

    problems = checks.check_job(state, QgsProject.instance())

    texts = {(p.level, p.role): p.text for p in problems}
    assert texts[(checks.ERROR, "patches")].startswith(
        "Monitoring patches (layer 无坐标系图斑): the layer has no coordinate reference system")
    assert texts[(checks.WARNING, "red_line")] == (
        "Ecological protection red line (layer 红线): 1 geometries are invalid; the analysis "
        "repairs them and lists each repair in the result's notes.")
    assert texts[(checks.ERROR, "urban_boundary")] == (
        "Urban development boundary (layer points): not a polygon layer; only polygons can be "
        "overlaid.")
    assert problems[0].level == checks.ERROR


def test_checks_catch_coordinates_that_do_not_fit_the_crs(dock, tmp_path, qgis_new_project):
    # Zone-prefixed X values in a layer labelled with the unprefixed zone CRS.
    wrong = _add(_write(tmp_path / "wrong.gpkg", "JCTB", ["JCBH"],
                        [(_square(0, 0, 10), {"JCBH": "1"})], epsg=4537), "JCTB")

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
    task = _run(ready_dock, qtbot)

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
    assert _visible_ids(ready_dock) == ["JC001", "JC002", "JC004"]  # most severe first
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
    [(level, text)] = _messages(message_bar)
    assert text.startswith("5 patches analysed: 2 illegal, 1 to verify, 1 lawful.")


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
    dock.role_rows["patches"].set_layer(memory)
    dock.role_rows["basic_farmland"].set_layer(county_layers["basic_farmland"])

    task = _run(dock, qtbot)

    assert task.outcome == "succeeded", (task.error, task.failure)
    # Without farmland and approvals JC002 and JC003 are unapproved new construction.
    assert _visible_ids(dock) == ["JC001", "JC002", "JC003", "JC004"]
    assert dock.results_panel.model.rows[1].violation_type == "未批新增建设（非农违法）"


def test_filters_narrow_the_table_and_its_totals(ready_dock, qtbot):
    _run(ready_dock, qtbot)
    panel = ready_dock.results_panel

    panel.set_filter(township="乙镇")
    assert _visible_ids(ready_dock) == ["JC004"]
    panel.set_filter(verdict="违法")
    assert _visible_ids(ready_dock) == ["JC001", "JC002"]
    panel.set_filter(min_severity=5)
    assert _visible_ids(ready_dock) == ["JC001"]
    panel.set_filter(violation_type="占用耕地建设（耕地“非农化”）")
    assert _visible_ids(ready_dock) == ["JC002"]
    assert "Listed: <b>1</b> patches (1 illegal, 0 to verify)" in panel.summary_label.text()
    panel.set_filter()
    assert len(_visible_ids(ready_dock)) == 3


def test_filter_combos_offer_the_result_values(ready_dock, qtbot):
    _run(ready_dock, qtbot)
    panel = ready_dock.results_panel

    townships = [panel.township_combo.itemText(i) for i in range(panel.township_combo.count())]
    assert townships == ["All", "乙镇", "甲镇"] or townships == ["All", "甲镇", "乙镇"]
    panel.township_combo.setCurrentIndex(panel.township_combo.findData("甲镇"))
    assert _visible_ids(ready_dock) == ["JC001", "JC002"]


def test_clicking_a_patch_zooms_to_it_and_flashes_it(ready_dock, qtbot, qgis_canvas,
                                                       monkeypatch):
    qgis_canvas.setDestinationCrs(QgsCoordinateReferenceSystem(f"EPSG:{EPSG}"))
    qgis_canvas.setExtent(QgsRectangle(X0 - 5000, Y0 - 5000, X0 + 5000, Y0 + 5000))
    _run(ready_dock, qtbot)
    flashed = []
    monkeypatch.setattr(qgis_canvas, "flashGeometries",
                        lambda geometries, crs: flashed.append(geometries))
    table = ready_dock.results_panel.table
    row = _visible_ids(ready_dock).index("JC004")

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
    assert ready_dock.cancel_button.isEnabled() and not ready_dock.run_button.isEnabled()

    ready_dock.cancel_button.click()
    qtbot.waitUntil(lambda: ready_dock.task is None, timeout=20000)

    assert task.outcome == CANCELLED
    assert not os.path.exists(os.path.join(task.out_dir, "result.gpkg"))
    assert ready_dock.result_layer is None
    assert ready_dock.run_button.isEnabled() and not ready_dock.cancel_button.isEnabled()
    assert ("Cancelled: nothing was written." in text for _, text in _messages(message_bar))


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
        assert ready_dock.task is not None and not ready_dock.run_button.isEnabled()
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
    ready_dock.rules_widget.setFilePath(str(rules))

    task = _run(ready_dock, qtbot)

    assert task.outcome == "bad input"
    assert ready_dock.result_layer is None
    [(level, text)] = _messages(message_bar)
    assert text.startswith("The analysis stopped on bad input: ")
    assert str(task.error) in text
    assert ready_dock.problem_list.item(0).text() == str(task.error)


def test_errors_found_by_the_checks_stop_the_run_before_it_starts(dock, message_bar):
    assert not dock.run()
    assert dock.task is None
    [(_, text)] = _messages(message_bar)
    assert text == "Fix the problems marked in red before running."


def test_a_second_run_replaces_the_previous_result_layer(ready_dock, qtbot):
    task = _run(ready_dock, qtbot)
    assert task.outcome == "succeeded", (task.error, task.failure)
    first = ready_dock.result_layer.id()
    qtbot.wait(1100)  # runs write to folders named by the second

    _run(ready_dock, qtbot)

    assert QgsProject.instance().mapLayer(first) is None
    assert ready_dock.result_layer.id() != first
    results = [layer for layer in QgsProject.instance().mapLayers().values()
               if layer.source().endswith("|layername=patches")]
    assert results == [ready_dock.result_layer]


# ---------------------------------------------------------------------------- persistence


def test_the_job_is_kept_in_the_project_and_restored_when_it_is_reopened(
        ready_dock, qtbot, tmp_path, county_layers):
    ready_dock.role_rows["admin"].field_combos["village_field"].setField("")
    ready_dock.min_area_spin.setValue(2.5)
    _run(ready_dock, qtbot)
    saved = ready_dock.current_state()
    project = QgsProject.instance()
    path = str(tmp_path / "county.qgz")
    assert project.write(path)

    project.clear()
    assert ready_dock.role_rows["patches"].layer() is None
    assert ready_dock.result_layer is None
    assert project.read(path)

    restored = ready_dock.current_state()
    assert restored == saved
    assert restored.choices["admin"].fields == {"township_field": "XZMC"}
    assert ready_dock.min_area_spin.value() == 2.5
    assert ready_dock.role_rows["patches"].layer().name() == "JCTB"
    assert ready_dock.result_layer is not None
    assert _visible_ids(ready_dock) == ["JC001", "JC002", "JC004"]
    assert load_from_project(project) == saved


def test_a_new_project_starts_with_the_last_rule_set_and_output_folder(dock, tmp_path):
    rules = tmp_path / "my_rules.yaml"
    rules.write_text("", encoding="utf-8")
    dock.rules_widget.setFilePath(str(rules))
    dock.out_dir_widget.setFilePath(str(tmp_path / "elsewhere"))

    QgsProject.instance().clear()

    assert dock.rules_widget.filePath() == str(rules)
    assert dock.out_dir_widget.filePath() == str(tmp_path / "elsewhere")
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
    farmland = dock.role_rows["farmland"].layer()
    rules = farmland.renderer().rootRule().children()
    assert rules[0].filterExpression() == "(\"DLBM\" LIKE '01%')"
    assert rules[1].isElse()
    assert [f.id() for f in farmland.getFeatures(rules[0].filterExpression())] == [1]


# ---------------------------------------------------------------------------- ledger


def test_field_verification_opens_prefilled_with_the_result(ready_dock, qtbot, monkeypatch):
    from qgis import processing

    assert not ready_dock.fieldpack_button.isEnabled()  # nothing to prepare before a run
    _run(ready_dock, qtbot)
    opened = []
    monkeypatch.setattr(processing, "execAlgorithmDialog",
                        lambda alg, params: opened.append((alg, params)), raising=False)
    ready_dock.fieldpack_button.click()
    assert opened == [("landsupervision:fieldpack", {
        "RESULT": ready_dock.state.result_path,
        "OUTPUT_FOLDER": os.path.join(os.path.dirname(ready_dock.state.result_path),
                                      "fieldpack")})]


def test_import_opens_prefilled_with_the_result_and_reads_it_again_after(ready_dock, qtbot,
                                                                          monkeypatch):
    from qgis import processing

    assert not ready_dock.import_button.isEnabled()  # nothing to import into before a run
    _run(ready_dock, qtbot)
    opened, reloaded = [], []
    monkeypatch.setattr(processing, "execAlgorithmDialog",
                        lambda alg, params: opened.append((alg, params)), raising=False)
    monkeypatch.setattr(ready_dock.results_panel, "set_layer", reloaded.append)
    ready_dock.import_button.click()
    assert opened == [("landsupervision:importledger", {"RESULT": ready_dock.state.result_path})]
    assert reloaded == [ready_dock.result_layer]


def test_the_ledger_is_exported_from_the_dock(ready_dock, qtbot, message_bar, tmp_path):
    _run(ready_dock, qtbot)
    assert ready_dock.ledger_button.isEnabled()
    path = str(tmp_path / "台账.xlsx")

    assert ready_dock.export_ledger(path)
    qtbot.waitUntil(lambda: ready_dock.ledger_task is None, timeout=60000)

    ids = [row["图斑编号"] for row in sheet_records(path)]
    assert sorted(ids) == ["JC001", "JC002", "JC004"]
    assert message_bar.currentItem().text() == f"Ledger written: {path} (3 patches)."


def test_progress_imported_from_a_filled_ledger_can_be_filtered(ready_dock, qtbot, tmp_path):
    import openpyxl

    from plugin.core.ledger.imports import import_ledger

    _run(ready_dock, qtbot)
    path = str(tmp_path / "台账.xlsx")
    ready_dock.export_ledger(path)
    qtbot.waitUntil(lambda: ready_dock.ledger_task is None, timeout=60000)
    book = openpyxl.load_workbook(path)
    sheet = book["整改台账"]
    names = headers(sheet)
    for r in data_rows(sheet):
        if sheet.cell(r, names["图斑编号"]).value == "JC002":
            sheet.cell(r, names["整改进展"]).value = "整改中"
    book.save(path)
    assert import_ledger(path, ready_dock.state.result_path).written

    ready_dock.refresh_button.click()

    panel = ready_dock.results_panel
    statuses = [panel.status_combo.itemText(i) for i in range(panel.status_combo.count())]
    assert statuses == ["All", "(not filled in)", "整改中"]
    panel.set_filter(status="整改中")
    assert _visible_ids(ready_dock) == ["JC002"]
    panel.set_filter(status="")
    assert _visible_ids(ready_dock) == ["JC001", "JC004"]
