"""Processing's vector inputs handed to the engine, which reads files.

A layer the engine can read from its own file exactly as QGIS shows it (an OGR file with no
filter, selection, limit or unsaved edits) is passed by path. Any other input (memory, PostGIS,
"selected features only", a filtered or edited layer) is written feature by feature to a
GeoPackage first, keeping every field with its type and each feature's id as the GeoPackage
FID, so that the engine's "FID n" means the feature QGIS shows with that id.
"""

import os

from qgis.core import (
    QgsCoordinateTransformContext,
    QgsFeature,
    QgsFeatureRequest,
    QgsField,
    QgsFields,
    QgsProcessingException,
    QgsProcessingFeatureSourceDefinition,
    QgsProviderRegistry,
    QgsVectorFileWriter,
    QgsVectorLayer,
)
from ..compat import (
    FIELD_TYPE_INT64,
    INTEGER_FIELD_TYPES,
    SKIP_GEOMETRY_CHECKS,
    source_definition_narrows,
    tr,
)
from .engine_run import cancelled_message

#: Features written per call to the GeoPackage writer.
BATCH = 2000


def file_entry(value, layer):
    """The engine's layer entry ({path, layer, crs}) to read ``layer`` from its own file, or None.

    ``value`` is the parameter value (it may narrow the layer: selected features, a limit, an
    expression). None whenever the file as the engine would read it differs from what QGIS
    shows: not an OGR file, a subset filter, a narrowing parameter, or unsaved edits.
    """
    if not isinstance(layer, QgsVectorLayer) or layer.providerType() != "ogr":
        return None
    if isinstance(value, QgsProcessingFeatureSourceDefinition) and source_definition_narrows(value):
        return None
    if layer.subsetString() or layer.isModified():
        return None
    parts = QgsProviderRegistry.instance().decodeUri("ogr", layer.source())
    path = parts.get("path")
    if not path or not os.path.isfile(path) or parts.get("subset"):
        return None
    entry = {"path": path}
    name = parts.get("layerName")
    if not name and parts.get("layerId") is not None:
        name = _layer_name_by_index(path, int(parts["layerId"]))
        if name is None:
            return None
    if name:
        entry["layer"] = name
    # The user may have given the layer a CRS in QGIS that its file lacks or states wrongly.
    if layer.crs().isValid() and layer.crs() != layer.dataProvider().crs():
        entry["crs"] = layer.crs().authid() or layer.crs().toWkt()
    # A shapefile's text is read as QGIS reads it, so field names and values are the ones shown.
    encoding = layer.dataProvider().encoding()
    if path.lower().endswith(".shp") and codec_known(encoding):
        entry["encoding"] = encoding
    return entry


def codec_known(encoding):
    import codecs

    try:
        codecs.lookup(encoding or "")
    except LookupError:
        return False
    return True


def _layer_name_by_index(path, index):
    from osgeo import ogr

    ds = ogr.Open(path)
    if ds is None or not 0 <= index < ds.GetLayerCount():
        return None
    return ds.GetLayer(index).GetName()


def write_geopackage(source, path, table, feedback, progress=None):
    """Write every feature of a Processing feature source to a new GeoPackage layer ``table``.

    Fields keep their names and types; feature ids become the GeoPackage FIDs. Geometries go
    as they are (no validity check: the engine repairs them and reports each one).
    ``progress(fraction)`` follows the copy. Returns the engine's layer entry {path, layer}.
    """
    fields, fid_column, add_fid, renamed = _fields_with_fid(source.fields())
    if renamed is not None:
        feedback.pushWarning(
            tr("Layer {0}: its field {1} is analysed as {2} (fid names the feature ids).").format(
                source.sourceName(), *renamed))
    options = QgsVectorFileWriter.SaveVectorOptions()
    options.driverName = "GPKG"
    options.layerName = table
    options.fileEncoding = "UTF-8"
    options.layerOptions = [f"FID={fid_column}", "SPATIAL_INDEX=NO"]
    if os.path.exists(path):
        os.remove(path)
    writer = QgsVectorFileWriter.create(path, fields, source.wkbType(), source.sourceCrs(),
                                        QgsCoordinateTransformContext(), options)
    if writer.hasError():
        raise QgsProcessingException(
            tr("Could not copy layer {0} for the analysis: {1}").format(
                source.sourceName(), writer.errorMessage()))
    total = max(source.featureCount(), 1)
    done, batch = 0, []
    try:
        for feature in source.getFeatures(QgsFeatureRequest(), SKIP_GEOMETRY_CHECKS):
            if add_fid:
                copy = QgsFeature(fields, feature.id())
                copy.setGeometry(feature.geometry())
                copy.setAttributes(feature.attributes() + [feature.id()])
                feature = copy
            batch.append(feature)
            if len(batch) >= BATCH:
                done += _flush(writer, batch, source, feedback, fid_column, add_fid)
                if progress is not None:
                    progress(min(done / total, 1.0))
        done += _flush(writer, batch, source, feedback, fid_column, add_fid)
    finally:
        del writer  # closes the GeoPackage
    if progress is not None:
        progress(1.0)
    return {"path": path, "layer": table}


def _flush(writer, batch, source, feedback, fid_column, add_fid):
    if feedback.isCanceled():
        raise QgsProcessingException(cancelled_message())
    if batch and not writer.addFeatures(batch):
        if not add_fid:
            raise QgsProcessingException(
                tr("Layer {0}: its field {1} becomes the feature id of the copy the analysis "
                   "reads, so it must hold distinct whole numbers: {2}").format(
                       source.sourceName(), fid_column, writer.errorMessage()))
        raise QgsProcessingException(
            tr("Could not copy layer {0} for the analysis: {1}").format(
                source.sourceName(), writer.errorMessage()))
    count = len(batch)
    batch.clear()
    return count


def _fields_with_fid(source_fields):
    """(fields to write, FID column, whether the feature id is added as that column, renamed).

    An integer field named ``fid`` (a GeoPackage's own FID as QGIS shows it) is the FID column
    already. Otherwise a column ``fid`` is added for the feature ids, and a field of another
    type named ``fid`` is written under a free name: ``renamed`` is then (old name, new name).
    """
    own = next((f for f in source_fields if f.name().lower() == "fid"), None)
    if own is not None and own.type() in INTEGER_FIELD_TYPES:
        return QgsFields(source_fields), own.name(), False, None
    taken = {f.name().lower() for f in source_fields}
    fields, renamed = QgsFields(), None
    for field in source_fields:
        if own is not None and field.name() == own.name():
            suffix = 1
            while f"fid_{suffix}" in taken:
                suffix += 1
            copy = QgsField(field)
            copy.setName(f"fid_{suffix}")
            renamed = (field.name(), copy.name())
            field = copy
        fields.append(field)
    fields.append(QgsField("fid", FIELD_TYPE_INT64))
    return fields, "fid", True, renamed


def table_name(layer_name):
    """A GeoPackage table name for a QGIS layer name (Chinese kept: the engine's messages
    quote it); characters that would confuse a layer source string become ``_``."""
    cleaned = "".join(c if c.isalnum() or c in "-_ " else "_" for c in layer_name).strip()
    return cleaned or "layer"
