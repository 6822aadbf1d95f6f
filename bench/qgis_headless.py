"""Headless QGIS for the benchmarks' QGIS side: the application, Processing with its native
algorithms, and a context that measures ellipsoidal areas (EPSG:1024, as the survey does)."""

import os
import resource
import sys

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.append("/usr/share/qgis/python/plugins")
from qgis.core import (QgsApplication, QgsCoordinateTransformContext,  # noqa: E402
                       QgsProcessingContext, QgsProcessingFeedback, QgsProject)


def start():
    """(QgsApplication, the processing module) ready to run native algorithms; a headless
    script must initialise Processing and the native provider itself."""
    app = QgsApplication([], False)
    app.initQgis()
    import processing
    from processing.core.Processing import Processing
    from qgis.analysis import QgsNativeAlgorithms

    Processing.initialize()
    if not QgsApplication.processingRegistry().providerById("native"):
        QgsApplication.processingRegistry().addProvider(QgsNativeAlgorithms())
    return app, processing


def ellipsoidal_context():
    """(QgsProcessingContext with ellipsoid EPSG:1024, QgsProcessingFeedback)."""
    ctx = QgsProcessingContext()
    ctx.setProject(QgsProject.instance())
    ctx.setEllipsoid("EPSG:1024")
    ctx.setTransformContext(QgsCoordinateTransformContext())
    return ctx, QgsProcessingFeedback()


def cpu_seconds():
    """User + system CPU seconds of this process and of the children it has waited for."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime
