"""The translation helper and the few QGIS 3.22-versus-newer differences the plugin meets.

Everything that differs between QGIS 3.22 and later 3.x (or QGIS 4 / Qt6) lives here, so the
rest of the plugin is written once against the names below.
"""

from qgis.core import Qgis, QgsMapLayerProxyModel, QgsProcessing, QgsWkbTypes
from qgis.PyQt.QtCore import QCoreApplication

# Qt6 moved QAction from QtWidgets to QtGui.
try:
    from qgis.PyQt.QtGui import QAction
except ImportError:
    from qgis.PyQt.QtWidgets import QAction

__all__ = [
    "GEOMETRY_POLYGON",
    "LAYER_FILTER_POLYGON",
    "SOURCE_TYPE_VECTOR_POLYGON",
    "TRANSLATION_CONTEXT",
    "QAction",
    "tr",
]

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

# QGIS 3.34 moved the layer-combo filters to Qgis.LayerFilter and 3.30 the geometry types to
# Qgis.GeometryType; 3.22 has only the older names, which QGIS 4 drops.
if hasattr(Qgis, "LayerFilter"):
    LAYER_FILTER_POLYGON = Qgis.LayerFilter.PolygonLayer
else:
    LAYER_FILTER_POLYGON = QgsMapLayerProxyModel.Filter.PolygonLayer

if hasattr(Qgis, "GeometryType"):
    GEOMETRY_POLYGON = Qgis.GeometryType.Polygon
else:
    GEOMETRY_POLYGON = QgsWkbTypes.GeometryType.PolygonGeometry
