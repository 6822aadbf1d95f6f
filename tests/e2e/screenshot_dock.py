"""Run inside QGIS desktop (``qgis --code``) by test_screenshot_dock.py: open the workspace dock
on a county's job file, check it (a GBK shapefile read right), run the job, filter the results,
zoom to a patch, derive the change patches of the two survey years, save screenshots of the
window at each step, report, then quit.

Reads $LAND_SUPERVISION_JOB (the job file), $LAND_SUPERVISION_SCREENSHOT_DIR (where the PNGs
go) and $LAND_SUPERVISION_RUNS_DIR (the dock's output folder); writes a JSON report to
$LAND_SUPERVISION_PROBE_REPORT.
QGIS runs this with ``exec``: no ``__file__``, and everything happens on timers so QGIS's
event loop (and the analysis task) can run between the steps.
"""

import json
import os
import time
import traceback

import qgis.utils
from qgis.core import QgsProject, QgsVectorLayer
from qgis.PyQt.QtCore import QTimer
from qgis.utils import iface

NAME = "land_supervision"
JOB = os.environ["LAND_SUPERVISION_JOB"]
SHOTS = os.environ["LAND_SUPERVISION_SCREENSHOT_DIR"]
RUNS = os.environ["LAND_SUPERVISION_RUNS_DIR"]
REPORT = os.environ["LAND_SUPERVISION_PROBE_REPORT"]
RUN_TIMEOUT_S = 600
WINDOW_SIZE = (1600, 1000)

report = {"screenshots": []}
state = {"started": None}


def finish():
    with open(REPORT, "w", encoding="utf-8") as f:
        json.dump(report, f, ensure_ascii=False, indent=1)
    # Nothing to save, and QGIS must not ask: it would, about layers in /tmp ("temporary").
    QgsProject.instance().clear()
    QgsProject.instance().setDirty(False)
    QTimer.singleShot(0, iface.actionExit().trigger)


def step(function):
    """Run a step on the event loop; any error ends the session with its traceback."""

    def guarded():
        try:
            function()
        except Exception:  # the test reads the traceback from the report
            report["error"] = traceback.format_exc()
            finish()

    return guarded


def later(ms, function):
    QTimer.singleShot(ms, step(function))


def shoot(name):
    canvas = iface.mapCanvas()
    canvas.waitWhileRendering()
    path = os.path.join(SHOTS, name)
    assert iface.mainWindow().grab().save(path), path
    report["screenshots"].append(path)


def dock():
    return qgis.utils.plugins[NAME].dock


def open_dock_and_job():
    window = iface.mainWindow()
    window.showNormal()
    window.resize(*WINDOW_SIZE)
    window.move(0, 0)
    plugin = qgis.utils.plugins[NAME]
    plugin.dock_action.trigger()
    workspace = plugin.dock
    workspace.run_page.out_dir_widget.setFilePath(RUNS)
    report["job_opened"] = workspace.open_job_file(JOB)
    patches = workspace.data_page.role_rows["patches"].layer()
    extent = patches.extent()
    extent.scale(1.1)
    iface.mapCanvas().setExtent(extent)
    iface.mapCanvas().refresh()
    report["state"] = json.loads(workspace.current_state().to_json())
    report["ui_language"] = workspace.tabs.tabText(0)
    # The approvals row: a GBK shapefile without .cpg, with the note that it is read as GBK.
    workspace.data_page.ensureWidgetVisible(workspace.data_page.role_rows["approved"])
    later(2000, data_tab_shot)


def data_tab_shot():
    shoot("dock_data.png")
    workspace = dock()
    workspace.check_data()
    report["problems"] = [workspace.run_page.problem_list.item(i).text()
                          for i in range(workspace.run_page.problem_list.count())]
    approved = workspace.data_page.role_rows["approved"].layer()
    report["gbk_fields"] = approved.fields().names()
    report["gbk_values"] = [f["PZWH"] for f in approved.getFeatures()][:3]
    workspace.tabs.setCurrentIndex(1)
    table = iface.showAttributeTable(approved)
    state["table"] = table
    later(1500, check_shot)


def check_shot():
    """The 检查数据 list (the GBK approvals read right) and their attribute table."""
    shoot("dock_check.png")
    table = state.pop("table")
    path = os.path.join(SHOTS, "gbk_attributes.png")
    assert table.grab().save(path), path
    report["screenshots"].append(path)
    table.close()
    workspace = dock()
    report["run_started"] = workspace.run()
    state["started"] = time.monotonic()
    later(200, wait_for_run)


def wait_for_run():
    workspace = dock()
    if workspace.task is not None:
        if time.monotonic() - state["started"] > RUN_TIMEOUT_S:
            raise TimeoutError(f"the analysis did not finish in {RUN_TIMEOUT_S} s")
        later(200, wait_for_run)
        return
    report["run_seconds"] = round(time.monotonic() - state["started"], 1)
    report["status"] = workspace.run_page.status_label.text()
    layer = workspace.result_layer
    report["result_layer"] = None if layer is None else {
        "name": layer.name(), "source": layer.source(), "features": layer.featureCount(),
        "renderer": layer.renderer().type()}
    report["result_path"] = workspace.state.result_path
    panel = workspace.results_panel
    report["overall"] = panel.overall_label.text()
    report["summary"] = panel.summary_label.text()
    report["rows"] = [r.patch_id for r in panel.visible_rows()]
    report["current_tab"] = workspace.tabs.currentIndex()
    report["messages"] = [item.text() for item in iface.messageBar().items()]
    if layer is not None:
        view = iface.layerTreeView()
        node = QgsProject.instance().layerTreeRoot().findLayer(layer.id())
        report["legend_open"] = view.isExpanded(view.node2index(node))
        extent = layer.extent()
        extent.scale(1.1)
        iface.mapCanvas().setExtent(extent)
        iface.mapCanvas().refresh()
    later(2500, results_shot)


def results_shot():
    shoot("dock.png")
    panel = dock().results_panel
    township = panel.township_combo.itemData(1)
    panel.set_filter(township=township, verdict="违法")
    report["filter"] = {"township": township, "rows": [r.patch_id for r in panel.visible_rows()],
                        "summary": panel.summary_label.text()}
    later(1000, filter_shot)


def filter_shot():
    shoot("dock_results_filter.png")
    workspace = dock()
    workspace.results_panel.set_filter()
    table = workspace.results_panel.table
    if table.model().rowCount():
        index = table.model().index(0, 0)
        table.selectRow(0)
        table.clicked.emit(index)
        report["zoomed_to"] = workspace.results_panel.visible_rows()[0].patch_id
    later(2500, patch_shot)


def patch_shot():
    shoot("dock_patch.png")
    canvas = iface.mapCanvas()
    centre = canvas.mapTo(iface.mainWindow(), canvas.rect().center())
    report["canvas_centre"] = [centre.x(), centre.y()]
    derive_changes()


def derive_changes():
    """The change step as the dialog runs it: the two years of the county, loaded styled, the
    change patches handed to the workspace with the balance chart."""
    from qgis import processing

    data = os.path.join(os.path.dirname(JOB), "data")
    if not os.path.exists(os.path.join(data, "dltb_2024.gpkg")):
        report["changes"] = None  # a generated county has one survey year only
        finish()
        return
    years = []
    for year in ("2023", "2024"):
        layer = QgsVectorLayer(f"{data}/dltb_{year}.gpkg|layername=DLTB", f"dltb_{year}", "ogr")
        QgsProject.instance().addMapLayer(layer)
        years.append(layer)
    workspace = dock()
    results = processing.runAndLoadResults("landsupervision:derivechanges", {
        "BEFORE": years[0], "AFTER": years[1],
        "OUTPUT_FOLDER": os.path.join(RUNS, "changes")})
    layer = workspace.data_page.changes_step.use_results(results)
    report["changes"] = {"count": results["CHANGE_COUNT"], "layer": layer.name(),
                         "patches_role": workspace.data_page.role_rows["patches"].layer().name()}
    for other in years:
        QgsProject.instance().layerTreeRoot().findLayer(other.id()).setItemVisibilityChecked(False)
    result = workspace.result_layer
    if result is not None:
        QgsProject.instance().layerTreeRoot().findLayer(result.id()).setItemVisibilityChecked(
            False)
    extent = layer.extent()
    extent.scale(1.1)
    iface.mapCanvas().setExtent(extent)
    iface.mapCanvas().refresh()
    workspace.tabs.setCurrentIndex(0)
    workspace.data_page.ensureWidgetVisible(workspace.data_page.changes_step)
    later(2500, changes_shot)


def changes_shot():
    shoot("dock_changes.png")
    finish()


later(1000, open_dock_and_job)
