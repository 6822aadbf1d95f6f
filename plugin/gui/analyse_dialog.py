"""The parameters the 图斑叠加分析与违法判定 dialog opens with: the workspace's choices, or the
project's layers recognised by their survey names, so that the dialog never starts with
whatever layer happens to be first (an administrative layer as the patches)."""

import os

from qgis.core import QgsVectorLayer

from ..compat import tr
from .field_mapping import guess_class_filter, guess_fields, guess_role_layers, input_roles
from .job_state import RoleChoice, rule_files, zone_keys
from .layer_sources import named_layers

#: Field parameters of the algorithm by (role, field slot).
FIELD_PARAMETERS = {
    ("patches", "id_field"): "PATCH_ID_FIELD", ("patches", "before_field"): "BEFORE_FIELD",
    ("patches", "after_field"): "AFTER_FIELD", ("approved", "id_field"): "APPROVED_ID_FIELD",
    ("facility_agri", "id_field"): "FACILITY_AGRI_ID_FIELD",
    ("temporary", "id_field"): "TEMPORARY_ID_FIELD",
    ("admin", "township_field"): "TOWNSHIP_FIELD", ("admin", "village_field"): "VILLAGE_FIELD",
    ("parcels_before", "class_field"): "PARCELS_BEFORE_CLASS_FIELD",
}


def analyse_parameters(choices, project):
    """{parameter: value} for the dialog from {role: RoleChoice}; without a patch layer among
    them, from the layers' names."""
    if "patches" not in choices:
        choices = guessed_choices(project)
    parameters = {}
    for role, choice in choices.items():
        if not isinstance(project.mapLayer(choice.layer_id), QgsVectorLayer):
            continue
        parameters[role.upper()] = choice.layer_id
        for slot, name in choice.fields.items():
            if (role, slot) in FIELD_PARAMETERS:
                parameters[FIELD_PARAMETERS[(role, slot)]] = name
        if role == "farmland":
            parameters["FARMLAND_CLASS_FIELD"] = choice.filter_field
            if choice.filter_values:
                parameters["FARMLAND_CLASSES"] = ", ".join(choice.filter_values)
    return parameters


def rules_parameter(state):
    """The dialog's rule file: the workspace's one rule file, if it is a file ("" otherwise:
    the default county rules)."""
    files = rule_files(state.rules) if state is not None else []
    return files[0] if len(files) == 1 and os.path.isfile(files[0]) else ""


def left_out(state):
    """What of the workspace's job this dialog has no parameter for, one text per item (empty
    when the dialog runs the same job): the zones the job adds itself, carried fields, and a
    rule list or shipped rule set other than the default."""
    if state is None:
        return []
    items = [tr("zone {}").format(state.choices[key].name) for key in zone_keys(state)]
    known = {role.key for role in input_roles()}
    items += [tr("carried fields {} of {}").format(", ".join(choice.carry), choice.name or key)
              for key, choice in state.choices.items() if key in known and choice.carry]
    files = rule_files(state.rules)
    if len(files) > 1 or (files and files[0] != "default" and not os.path.isfile(files[0])):
        items.append(tr("rule list {}").format("; ".join(files)))
    return items


def guessed_choices(project):
    """{role: RoleChoice} of the project's layers recognised by name, fields guessed."""
    roles = {role.key: role for role in input_roles()}
    choices = {}
    for key, layer_id in guess_role_layers(named_layers(project)).items():
        names = project.mapLayer(layer_id).fields().names()
        fields = {slot: name for slot, name in guess_fields(names, roles[key].fields).items()
                  if name}
        choice = RoleChoice(layer_id=layer_id, fields=fields)
        if roles[key].class_filter:
            choice.filter_field, codes = guess_class_filter(names)
            choice.filter_field = choice.filter_field or ""
            choice.filter_values = list(codes)
        choices[key] = choice
    return choices
