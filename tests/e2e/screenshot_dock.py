"""Run inside QGIS desktop (``qgis --code``) by test_screenshot_dock.py: open the workspace dock
on a county's job file, run the job, save screenshots of the window, report, then quit.

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
from qgis.core import QgsProject
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
    workspace.out_dir_widget.setFilePath(RUNS)
    report["job_opened"] = workspace.open_job_file(JOB)
    patches = workspace.role_rows["patches"].layer()
    extent = patches.extent()
    extent.scale(1.1)
    iface.mapCanvas().setExtent(extent)
    iface.mapCanvas().refresh()
    report["state"] = json.loads(workspace.current_state().to_json())
    report["ui_language"] = workspace.tabs.tabText(0)
    later(2000, data_tab_shot)


def data_tab_shot():
    shoot("dock_data.png")
    workspace = dock()
    workspace.check_data()
    report["problems"] = [workspace.problem_list.item(i).text()
                          for i in range(workspace.problem_list.count())]
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
    report["status"] = workspace.status_label.text()
    layer = workspace.result_layer
    report["result_layer"] = None if layer is None else {
        "name": layer.name(), "source": layer.source(), "features": layer.featureCount(),
        "renderer": layer.renderer().type()}
    report["result_path"] = workspace.state.result_path
    panel = workspace.results_panel
    report["overall"] = panel.overall_label.text()
    report["summary"] = panel.summary_label.text()
    report["rows"] = [r.patch_id for r in panel.proxy.visible_rows()]
    report["current_tab"] = workspace.tabs.currentIndex()
    report["messages"] = [item.text() for item in iface.messageBar().items()]
    if layer is not None:
        extent = layer.extent()
        extent.scale(1.1)
        iface.mapCanvas().setExtent(extent)
        iface.mapCanvas().refresh()
    later(2500, results_shot)


def results_shot():
    shoot("dock.png")
    workspace = dock()
    table = workspace.results_panel.table
    if table.model().rowCount():
        index = table.model().index(0, 0)
        table.selectRow(0)
        table.clicked.emit(index)
        report["zoomed_to"] = workspace.results_panel.proxy.visible_rows()[0].patch_id
    later(2500, patch_shot)


def patch_shot():
    shoot("dock_patch.png")
    canvas = iface.mapCanvas()
    centre = canvas.mapTo(iface.mainWindow(), canvas.rect().center())
    report["canvas_centre"] = [centre.x(), centre.y()]
    finish()


later(1000, open_dock_and_job)
