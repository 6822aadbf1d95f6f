"""Checks of the chosen layers before a run, told in plain words the analyst can act on.

Errors stop the run (the engine would refuse the input too); warnings and notes say what the
engine will do about an imperfect input (repair geometries, guess an encoding).
"""

import os
from dataclasses import dataclass

from qgis.core import QgsFeatureRequest, QgsProject

from .. import dependencies
from ..compat import GEOMETRY_POLYGON, tr
from ..core.errors import InputError
from .field_mapping import InputRole, input_roles
from ..core.job import SHIPPED_RULE_SETS
from .job_state import JobState, chosen_layer, rule_files, zone_keys
from ..qgis_io.layer_encoding import encoding_fix, encoding_to_fix

ERROR, WARNING, INFO = "error", "warning", "info"
#: Geometry validity is checked on at most this many features per layer, to stay quick on a
#: county's parcel layer; the engine repairs every invalid geometry it meets anyway.
VALIDITY_SAMPLE = 20000


@dataclass(frozen=True)
class Problem:
    level: str
    role: str
    text: str


def check_job(state: JobState, project: QgsProject, validity_sample=VALIDITY_SAMPLE):
    """Every problem of the chosen inputs, errors first; a module the analysis needs and
    QGIS lacks is one too."""
    problems = []
    missing = dependencies.missing_for(dependencies.ANALYSE)
    if missing:
        problems.append(Problem(ERROR, "modules",
                                dependencies.unavailable_text(dependencies.ANALYSE, missing)))
    zones = zone_roles(state)
    for role in input_roles() + zones:
        layer = chosen_layer(state, role.key, project)
        choice = state.choices.get(role.key)
        if layer is None:
            if role in zones and not (choice and choice.layer_id):
                problems.append(Problem(ERROR, role.key, tr(
                    "{0}: the job file's zone has no layer; choose its layer, or open a job "
                    "file without it.").format(role.label)))
            elif choice is not None and choice.layer_id:
                problems.append(Problem(ERROR, role.key, tr(
                    "{0}: the chosen layer is no longer in the project; choose it again.")
                    .format(role.label)))
            elif role.required:
                problems.append(Problem(ERROR, role.key, tr(
                    "Choose the layer of monitoring patches.")))
            continue
        problems.extend(_check_layer(role, layer, choice, validity_sample))
    if state.previous_result and not os.path.isfile(state.previous_result):
        problems.append(Problem(ERROR, "previous", tr(
            "The previous batch's result {0} does not exist; choose it again or clear the "
            "field.").format(state.previous_result)))
    for path in rule_files(state.rules or ""):
        if path not in SHIPPED_RULE_SETS and not os.path.isfile(path):
            problems.append(Problem(ERROR, "rules", tr(
                "The rule set file {0} does not exist; choose another or clear the field to use "
                "the default rule set.").format(path)))
    if not any(state.choices.get(r.key) and state.choices[r.key].layer_id
               for r in input_roles() + zones if r.group == "baselines"):
        problems.append(Problem(WARNING, "baselines", tr(
            "No baseline layer is chosen: patches can only be judged by their land classes.")))
    order = {ERROR: 0, WARNING: 1, INFO: 2}
    return sorted(problems, key=lambda p: order[p.level])


def _check_layer(role, layer, choice, validity_sample):
    from ..core.io.crs import check_coordinates  # pyproj: loaded when first needed

    name = tr("{0} (layer {1})").format(role.label, layer.name())
    out = []
    if layer.geometryType() != GEOMETRY_POLYGON:
        out.append(Problem(ERROR, role.key, tr(
            "{0}: not a polygon layer; only polygons can be overlaid.").format(name)))
        return out
    crs = layer.crs()
    if not crs.isValid():
        out.append(Problem(ERROR, role.key, tr(
            "{0}: the layer has no coordinate reference system. Set it in the layer's "
            "properties (Source tab), e.g. CGCS2000 / 3-degree Gauss-Kruger.").format(name)))
    elif layer.featureCount() > 0:
        extent = layer.extent()
        try:
            check_coordinates(crs.toWkt(), (extent.xMinimum(), extent.yMinimum(),
                                            extent.xMaximum(), extent.yMaximum()), layer.name())
        except InputError as error:
            out.append(Problem(ERROR, role.key, tr(
                "{0}: the coordinates do not fit the layer's coordinate reference system "
                "({1}). {2}").format(name, crs.authid() or crs.description(), error.message)))
    if layer.featureCount() == 0:
        level = ERROR if role.required else WARNING
        out.append(Problem(level, role.key, tr("{0}: the layer has no features.").format(name)))
    names = set(layer.fields().names())
    mapped = dict(choice.fields) if choice else {}
    for slot in role.fields:
        value = mapped.get(slot.key)
        if value and value not in names:
            out.append(Problem(ERROR, role.key, tr(
                "{0}: field {1} ({2}) is not in the layer.").format(name, value, slot.label)))
        elif not value:
            out.append(_unmapped(role.key, name, slot.label))
    if role.class_filter and choice is not None and choice.filter_field:
        if choice.filter_field not in names:
            out.append(Problem(ERROR, role.key, tr(
                "{0}: the class filter field {1} is not in the layer.").format(
                    name, choice.filter_field)))
        elif not choice.filter_values:
            out.append(Problem(ERROR, role.key, tr(
                "{0}: give the land-class codes to keep, e.g. 01*.").format(name)))
    for field in _named_fields(choice):
        if field not in names:
            out.append(Problem(ERROR, role.key, tr(
                "{0}: field {1}, which the job file names, is not in the layer.").format(
                    name, field)))
    invalid, checked = count_invalid_geometries(layer, validity_sample)
    if invalid:
        if checked < layer.featureCount():
            text = tr("{0}: {1} of the first {2} geometries are invalid; the analysis repairs "
                      "them and lists each repair in the result's notes.").format(
                          name, invalid, checked)
        else:
            text = tr("{0}: {1} geometries are invalid; the analysis repairs them and lists "
                      "each repair in the result's notes.").format(name, invalid)
        out.append(Problem(WARNING, role.key, text))
    out.extend(_check_encoding(role, layer, name))
    return out


def zone_roles(state: JobState):
    """The zones the job adds itself, as input roles named by their display names."""
    return [InputRole(key, "baselines", state.choices[key].name) for key in zone_keys(state)]


def _named_fields(choice):
    """The fields a job file names for a baseline beyond the mapped ones: those it carries
    and those of a zone's filter."""
    if choice is None:
        return []
    return list(dict.fromkeys([*choice.carry, *choice.where]))


def _check_encoding(role, layer, name):
    """A shapefile QGIS reads in the wrong encoding (the workspace sets the right one when
    the layer is chosen or checked: then only a note)."""
    try:
        wrong = encoding_to_fix(layer)
    except ValueError as error:
        return [Problem(ERROR, role.key, tr(
            "{0}: the text of the shapefile is neither UTF-8 nor GBK ({1}).").format(
                name, error))]
    if wrong is not None:
        return [Problem(ERROR, role.key, tr(
            "{0}: {1}; QGIS shows its text garbled. Choose the layer again, or set the "
            "encoding {2} in the layer's properties (Source tab).").format(name, wrong[1],
                                                                           wrong[0]))]
    fixed = encoding_fix(layer)
    if fixed is not None:
        return [Problem(INFO, role.key, tr("{0}: {2}; it is read as {1}.").format(
            name, *fixed))]
    return []


def _unmapped(role, name, label):
    """The problem of a field left unmapped: a run without the patches' number or land
    classes would give every patch a wrong verdict or id, so it stops the run."""
    if role == "patches":
        return Problem(ERROR, role, tr(
            "{0}: choose the field of {1}; without it no patch can be judged or found in the "
            "ledger.").format(name, label))
    return Problem(WARNING, role, tr("{0}: no field for {1}.").format(name, label))


def count_invalid_geometries(layer, limit):
    """(invalid, checked): invalid geometries among the first ``limit`` features."""
    request = QgsFeatureRequest().setNoAttributes().setLimit(limit)
    invalid = checked = 0
    for feature in layer.getFeatures(request):
        checked += 1
        geometry = feature.geometry()
        if geometry.isNull() or geometry.isEmpty() or not geometry.isGeosValid():
            invalid += 1
    return invalid, checked
