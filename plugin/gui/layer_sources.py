"""Handing project layers to the core, which reads files: the same rules as Processing's.

A layer the core can read from its own file exactly as QGIS shows it goes by path; any other
(memory, database, filtered, with unsaved edits) is copied to a GeoPackage first, keeping its
fields and feature ids (see ``processing/layer_inputs.py``, which both paths share).
"""

import os

from qgis.core import (
    QgsProcessingContext,
    QgsProcessingException,
    QgsProcessingFeatureSource,
    QgsProcessingFeedback,
    QgsVectorLayer,
)

from ..core.errors import InputError
from ..qgis_io.layer_inputs import file_entry, table_name, write_geopackage


def file_source(layer: QgsVectorLayer):
    """(path, layer name or None) when the core can read the layer's own file as QGIS shows
    it, else None."""
    entry = file_entry(None, layer)
    return None if entry is None else (entry["path"], entry.get("layer"))


def layer_entry(layer: QgsVectorLayer, temp_dir: str, role: str) -> dict:
    """The job-file entry ({path, layer, crs}) for a project layer given the role ``role``.

    A copy goes to ``temp_dir/<role's Chinese name>.gpkg``; call this on the main thread (it
    reads the layer).
    """
    entry = file_entry(None, layer)
    if entry is not None:
        return entry
    from ..core.job import ROLE_NAMES

    os.makedirs(temp_dir, exist_ok=True)
    # The file's name shows in the engine's progress and messages: the role in Chinese.
    path = os.path.join(temp_dir, f"{ROLE_NAMES.get(role, role)}.gpkg")
    context = QgsProcessingContext()
    source = QgsProcessingFeatureSource(layer, context)
    try:
        return write_geopackage(source, path, table_name(layer.name()), QgsProcessingFeedback())
    except QgsProcessingException as error:
        raise InputError(error.message(), layer=layer.name()) from error


def named_layers(project, excepted=()):
    """(layer id, [its name, table name, file name]) of every vector layer of the project
    but the excepted ids, as the name-based guesses take them."""
    out = []
    for layer in project.mapLayers().values():
        if not isinstance(layer, QgsVectorLayer) or layer.id() in excepted:
            continue
        source = file_source(layer)
        names = [layer.name()]
        if source is not None:
            names += [source[1] or "", os.path.splitext(os.path.basename(source[0]))[0]]
        out.append((layer.id(), names))
    return out
