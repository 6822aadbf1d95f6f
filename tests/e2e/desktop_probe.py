"""Run inside QGIS desktop by test_desktop.py (``qgis --code``): report on the plugin, then quit.

Writes a JSON report to the path in $LAND_SUPERVISION_PROBE_REPORT.
"""

import json
import os
import sys
import traceback

import qgis.utils
from qgis.core import QgsApplication
from qgis.PyQt.QtCore import QTimer
from qgis.PyQt.QtWidgets import QToolBar
from qgis.utils import iface

NAME = "land_supervision"


def footprint():
    main_window = iface.mainWindow()
    menus = [a.menu() for a in main_window.menuBar().actions() if a.menu() is not None]
    algorithm = QgsApplication.processingRegistry().algorithmById("landsupervision:analyselayers")
    return {
        "menu_bar": [m.objectName() for m in menus],
        "menu_titles": [m.title() for m in menus if m.objectName() == "landSupervisionMenu"],
        "toolbars": len(main_window.findChildren(QToolBar, "landSupervisionToolBar")),
        "algorithm": algorithm.displayName() if algorithm is not None else None,
    }


report = {}
try:
    report["loaded_at_startup"] = qgis.utils.isPluginLoaded(NAME)
    report["module_file"] = getattr(sys.modules.get(NAME), "__file__", None)
    report["started"] = footprint()
    report["reloaded"] = qgis.utils.reloadPlugin(NAME)
    report["after_reload"] = footprint()
    report["unloaded"] = qgis.utils.unloadPlugin(NAME)
    report["after_unload"] = footprint()
except Exception:  # the test reads the traceback from the report
    report["error"] = traceback.format_exc()
finally:
    with open(os.environ["LAND_SUPERVISION_PROBE_REPORT"], "w", encoding="utf-8") as f:
        json.dump(report, f, ensure_ascii=False)
    QTimer.singleShot(0, iface.actionExit().trigger)
