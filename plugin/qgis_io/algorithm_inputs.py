"""The layer parameters of an algorithm turned into the engine's layer entries ({path, layer,
crs, encoding}): read in place where the engine can, copied to GeoPackages where it cannot,
and shapefiles QGIS reads in the wrong encoding read in the right one."""

import os

from qgis.core import QgsProcessingException

from ..compat import tr
from .engine_run import cancelled_message
from .layer_encoding import encoding_to_fix, engine_field_names
from .layer_inputs import file_entry, table_name, write_geopackage

#: Share of the progress bar taken by copying layers for the engine (when any are copied).
COPY_SHARE = 0.2


def given(parameters, name):
    value = parameters.get(name)
    return value is not None and value != ""


def layer_entries(algorithm, parameters, context, feedback, layers, fields, work):
    """({parameter: layer entry}, share of the progress bar used) for the given layers.

    ``layers``: (parameter, label, role name) of each layer parameter, read when given; a
    copy is named after the role (the engine's messages quote the file name). ``fields``:
    {layer parameter: {job key: field name}} of the fields chosen in the dialog; a shapefile
    the engine reads in another encoding than QGIS shows gets them renamed (in place).
    Layers the engine cannot read directly are copied to GeoPackages in ``work/inputs``.
    """
    entries, to_copy = {}, []
    for param, label, _role in layers:
        if not given(parameters, param):
            continue
        layer = algorithm.parameterAsVectorLayer(parameters, param, context)
        entry = file_entry(parameters[param], layer)
        wrong = _wrong_encoding(layer, label)
        if entry is None:
            if wrong is not None:
                raise QgsProcessingException(tr(
                    "Layer {0} ({1}): QGIS shows its text in the wrong encoding ({2}). Set "
                    "the encoding {3} in the layer's properties (Source tab), or give the "
                    "whole layer instead of a selection.").format(
                        layer.name(), label, layer.dataProvider().encoding(), wrong[0]))
            to_copy.append((param, algorithm.parameterAsSource(parameters, param, context)))
            continue
        if wrong is not None:
            # The engine reads the content's encoding; the fields chosen in the dialog carry
            # the names QGIS shows, so they are renamed by position.
            entry["encoding"] = wrong[0]
            names = engine_field_names(layer, wrong[0])
            fields[param] = {key: names.get(name, name)
                             for key, name in fields.get(param, {}).items()}
            feedback.pushWarning(tr(
                "Layer {0}: {1}; QGIS shows it as {2}. The analysis reads it as {3}.").format(
                    layer.name(), wrong[1], layer.dataProvider().encoding(), wrong[0]))
        entries[param] = entry
    _copy_sources(to_copy, entries, feedback, work, {p: role for p, _l, role in layers})
    return entries, COPY_SHARE if to_copy else 0.0


def _copy_sources(to_copy, entries, feedback, work, roles):
    total = sum(max(source.featureCount(), 1) for _param, source in to_copy)
    done = 0
    for param, source in to_copy:
        feedback.setProgressText(tr("Copying layer {0} for the analysis").format(
            source.sourceName()))
        count = max(source.featureCount(), 1)

        def progress(fraction, done=done, count=count):
            feedback.setProgress(100.0 * COPY_SHARE * (done + fraction * count) / total)

        path = os.path.join(work, "inputs", f"{table_name(roles[param])}.gpkg")
        os.makedirs(os.path.dirname(path), exist_ok=True)
        entries[param] = write_geopackage(source, path, table_name(source.sourceName()),
                                          feedback, progress)
        done += count
    if feedback.isCanceled():
        raise QgsProcessingException(cancelled_message())


def _wrong_encoding(layer, label):
    """(encoding, why) of a shapefile QGIS reads in the wrong encoding, else None."""
    try:
        return encoding_to_fix(layer)
    except ValueError as error:
        raise QgsProcessingException(tr(
            "Layer {0} ({1}): its text is neither UTF-8 nor GBK ({2}).").format(
                layer.name(), label, error)) from error
