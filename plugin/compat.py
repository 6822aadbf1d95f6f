"""The translation helper and the few QGIS 3.22-versus-newer differences the plugin meets.

Everything that differs between QGIS 3.22 and later 3.x (or QGIS 4 / Qt6) lives here, so the
rest of the plugin is written once against the names below.
"""

from qgis.core import Qgis, QgsProcessing
from qgis.PyQt.QtCore import QCoreApplication

# Qt6 moved QAction from QtWidgets to QtGui.
try:
    from qgis.PyQt.QtGui import QAction
except ImportError:
    from qgis.PyQt.QtWidgets import QAction

__all__ = ["SOURCE_TYPE_VECTOR_POLYGON", "TRANSLATION_CONTEXT", "QAction", "tr"]

#: One translation context for the whole plugin; plugin/i18n/*.ts holds its messages.
TRANSLATION_CONTEXT = "LandSupervision"


def tr(text: str) -> str:
    """Translate a user-facing string (source text in English) for the current QGIS locale.

    Pass a string literal: the translation sources are extracted from ``tr("...")`` calls.
    """
    return QCoreApplication.translate(TRANSLATION_CONTEXT, text)


# QGIS 3.36 moved the processing source types to Qgis.ProcessingSourceType; QGIS 4 drops the
# QgsProcessing.SourceType names, and 3.22 has only those.
if hasattr(Qgis, "ProcessingSourceType"):
    SOURCE_TYPE_VECTOR_POLYGON = Qgis.ProcessingSourceType.VectorPolygon
else:
    SOURCE_TYPE_VECTOR_POLYGON = QgsProcessing.SourceType.TypeVectorPolygon
