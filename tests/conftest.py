"""Shared by every test folder: headless Qt, PROJ data, and the repository on sys.path.

No qgis import here: tests/core runs without QGIS (``-p no:pytest_qgis``).
"""

import os
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent

# Set before pytest-qgis starts QGIS (it does so in pytest_configure, after conftests load).
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("PROJ_DATA", "/usr/share/proj")

if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))


@pytest.fixture()
def footprint(qgis_iface):
    """A function counting what the plugin adds to QGIS that is present right now.

    Works for the plugin loaded from the repository (``plugin``) and from a packaged zip.
    """
    from qgis.core import QgsApplication
    from qgis.PyQt.QtWidgets import QMenu, QToolBar

    from plugin.compat import QAction
    from plugin.plugin import ANALYSE_ACTION_OBJECT_NAME, MENU_OBJECT_NAME, TOOLBAR_OBJECT_NAME
    from plugin.processing.provider import PROVIDER_ID

    def count():
        main_window = qgis_iface.mainWindow()
        menu_bar_entries = [
            action
            for action in main_window.menuBar().actions()
            if action.menu() is not None and action.menu().objectName() == MENU_OBJECT_NAME
        ]
        providers = QgsApplication.processingRegistry().providers()
        return {
            "menu bar entries": len(menu_bar_entries),
            "menus": len(main_window.findChildren(QMenu, MENU_OBJECT_NAME)),
            "toolbars": len(main_window.findChildren(QToolBar, TOOLBAR_OBJECT_NAME)),
            "actions": len(main_window.findChildren(QAction, ANALYSE_ACTION_OBJECT_NAME)),
            "providers": sum(1 for p in providers if p.id() == PROVIDER_ID),
        }

    return count


@pytest.fixture()
def log_messages():
    """[(tag, level, message)] of everything logged to QGIS's message log during the test."""
    from qgis.core import QgsApplication

    logged = []

    def record(message, tag, level):
        logged.append((tag, level, message))

    QgsApplication.messageLog().messageReceived.connect(record)
    yield logged
    QgsApplication.messageLog().messageReceived.disconnect(record)
