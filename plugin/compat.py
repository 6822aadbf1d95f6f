"""The translation helper and the few QGIS 3.22-versus-newer differences the plugin meets.

Everything that differs between QGIS 3.22 and later 3.x (or QGIS 4 / Qt6) lives here, so the
rest of the plugin is written once against the names below.
"""

from qgis.core import (
    Qgis,
    QgsFeatureRequest,
    QgsMapLayerProxyModel,
    QgsProcessing,
    QgsProcessingAlgorithm,
    QgsProcessingFeatureSource,
    QgsProcessingParameterDefinition,
    QgsProcessingParameterNumber,
    QgsWkbTypes,
)
from qgis.PyQt.QtCore import QCoreApplication

from .identity import TRANSLATION_CONTEXT

# Qt6 moved QAction from QtWidgets to QtGui.
try:
    from qgis.PyQt.QtGui import QAction
except ImportError:
    from qgis.PyQt.QtWidgets import QAction

__all__ = [
    "FIELD_TYPE_INT64",
    "FLAG_ADVANCED",
    "GEOMETRY_POLYGON",
    "GEOMETRY_UNKNOWN",
    "INTEGER_FIELD_TYPES",
    "LAYER_FILTER_POLYGON",
    "NO_GEOMETRY",
    "NO_THREADING",
    "NUMBER_DOUBLE",
    "SKIP_GEOMETRY_CHECKS",
    "SOURCE_TYPE_VECTOR_POLYGON",
    "TRANSLATION_CONTEXT",
    "QAction",
    "source_definition_narrows",
    "tr",
]



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

# GEOMETRY_UNKNOWN: an untyped layer (e.g. GeoJSON without a declared type).
if hasattr(Qgis, "GeometryType"):
    GEOMETRY_POLYGON = Qgis.GeometryType.Polygon
    GEOMETRY_UNKNOWN = Qgis.GeometryType.Unknown
else:
    GEOMETRY_POLYGON = QgsWkbTypes.GeometryType.PolygonGeometry
    GEOMETRY_UNKNOWN = QgsWkbTypes.GeometryType.UnknownGeometry

# QGIS 3.36 moved the Processing number types and feature-source flags to Qgis enums; QGIS 4
# drops the old names, and 3.22 has only those.
if hasattr(Qgis, "ProcessingNumberParameterType"):
    NUMBER_DOUBLE = Qgis.ProcessingNumberParameterType.Double
else:
    NUMBER_DOUBLE = QgsProcessingParameterNumber.Type.Double

if hasattr(Qgis, "ProcessingParameterFlag"):
    FLAG_ADVANCED = Qgis.ProcessingParameterFlag.Advanced
else:
    FLAG_ADVANCED = QgsProcessingParameterDefinition.Flag.FlagAdvanced

# An algorithm that must run on the main thread (it renders print layouts).
if hasattr(Qgis, "ProcessingAlgorithmFlag"):
    NO_THREADING = Qgis.ProcessingAlgorithmFlag.NoThreading
else:
    NO_THREADING = QgsProcessingAlgorithm.Flag.FlagNoThreading

if hasattr(Qgis, "ProcessingFeatureSourceFlag"):
    SKIP_GEOMETRY_CHECKS = Qgis.ProcessingFeatureSourceFlag.SkipGeometryValidityChecks
else:
    SKIP_GEOMETRY_CHECKS = QgsProcessingFeatureSource.Flag.FlagSkipGeometryValidityChecks

# QGIS 3.36 moved the feature-request flags to Qgis.FeatureRequestFlag; QGIS 4 drops the old.
if hasattr(Qgis, "FeatureRequestFlag"):
    NO_GEOMETRY = Qgis.FeatureRequestFlag.NoGeometry
else:
    NO_GEOMETRY = QgsFeatureRequest.Flag.NoGeometry

# QGIS 3.38 gives field types as QMetaType.Type; before, and only there, as QVariant.Type.
if Qgis.QGIS_VERSION_INT >= 33800:
    from qgis.PyQt.QtCore import QMetaType

    FIELD_TYPE_INT64 = QMetaType.Type.LongLong
    INTEGER_FIELD_TYPES = (QMetaType.Type.Int, QMetaType.Type.LongLong, QMetaType.Type.UInt,
                           QMetaType.Type.ULongLong)
else:
    from qgis.PyQt.QtCore import QVariant

    FIELD_TYPE_INT64 = QVariant.Type.LongLong
    INTEGER_FIELD_TYPES = (QVariant.Type.Int, QVariant.Type.LongLong, QVariant.Type.UInt,
                           QVariant.Type.ULongLong)


def source_definition_narrows(definition) -> bool:
    """Whether a feature-source parameter value takes less than its whole layer: selected
    features only, a feature limit, or (QGIS 3.32 and later) a filter expression."""
    return bool(definition.selectedFeaturesOnly or definition.featureLimit >= 0
                or getattr(definition, "filterExpression", ""))
