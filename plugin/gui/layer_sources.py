"""Handing project layers to the core, which reads files: a file layer by its path, any other
layer (memory, database, a filtered file layer) written to a temporary GeoPackage first.
"""

import os

from qgis.core import (
    QgsCoordinateTransformContext,
    QgsProviderRegistry,
    QgsVectorFileWriter,
    QgsVectorLayer,
)

from ..compat import tr
from ..core.errors import InputError


def file_source(layer: QgsVectorLayer):
    """(path, layer name or None) when the core can read the layer's own file as QGIS shows it.

    None for layers that are not plain OGR files, or that QGIS filters (a subset string the
    core would not apply).
    """
    if layer.providerType() != "ogr" or layer.subsetString():
        return None
    parts = QgsProviderRegistry.instance().decodeUri("ogr", layer.source())
    path = parts.get("path")
    if not path or not os.path.isfile(path) or parts.get("subset"):
        return None
    name = parts.get("layerName") or None
    if name is None and parts.get("layerId") is not None:
        # "file|layerid=N": the core names layers, so look the name up.
        name = _layer_name_by_index(path, int(parts["layerId"]))
        if name is None:
            return None
    return path, name


def _layer_name_by_index(path, index):
    from osgeo import ogr

    ds = ogr.Open(path)
    if ds is None or not 0 <= index < ds.GetLayerCount():
        return None
    return ds.GetLayer(index).GetName()


def layer_entry(layer: QgsVectorLayer, temp_dir: str, role: str) -> dict:
    """The job-file entry ({path, layer, crs}) for a project layer given the role ``role``.

    A layer written to a temporary GeoPackage keeps all of its fields, so the result carries
    the patches' own attributes either way.
    """
    source = file_source(layer)
    if source is None:
        name = layer_file_name(layer)
        path = export_layer(layer, os.path.join(temp_dir, f"{role}.gpkg"), name)
        entry = {"path": path, "layer": name}
    else:
        path, name = source
        entry = {"path": path}
        if name:
            entry["layer"] = name
        # A file without a CRS of its own that the user gave one in QGIS (a .shp without .prj).
        if not layer.dataProvider().crs().isValid() and layer.crs().isValid():
            entry["crs"] = layer.crs().authid() or layer.crs().toWkt()
    return entry


def export_layer(layer: QgsVectorLayer, path: str, name: str) -> str:
    """Write a layer as QGIS shows it (filter applied) to a new GeoPackage; returns the path."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    if os.path.exists(path):
        os.remove(path)
    options = QgsVectorFileWriter.SaveVectorOptions()
    options.driverName = "GPKG"
    options.layerName = name
    options.fileEncoding = "UTF-8"
    error, message, _, _ = QgsVectorFileWriter.writeAsVectorFormatV3(
        layer, path, QgsCoordinateTransformContext(), options)
    if error != QgsVectorFileWriter.WriterError.NoError:
        raise InputError(tr("Could not copy the layer for the analysis: {0}").format(message),
                         layer=layer.name())
    return path


def layer_file_name(layer):
    """The layer's name made safe for a file or table name (Chinese kept: messages name it)."""
    return "".join(c if c.isalnum() else "_" for c in layer.name()).strip("_") or "layer"
