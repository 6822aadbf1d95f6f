"""QGIS started from a script (the command line), or the QGIS that already runs."""

import os
from contextlib import contextmanager

from qgis.core import QgsApplication
from qgis.PyQt.QtCore import QCoreApplication, QTranslator

from ..paths import translation_path


@contextmanager
def running_qgis(locale="zh_CN"):
    """Inside the block a QgsApplication runs: the one already running, else one started here
    (offscreen without a display) with the plugin's ``locale`` translation installed, so its
    messages read like the rest of the command line's, and stopped again on leaving."""
    if QgsApplication.instance() is not None:
        yield
        return
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    app = QgsApplication([], False)
    app.initQgis()
    translator = QTranslator()
    installed = translator.load(str(translation_path(locale)))
    if installed:
        QCoreApplication.installTranslator(translator)
    try:
        yield
    finally:
        if installed:
            QCoreApplication.removeTranslator(translator)
        app.exitQgis()
