"""The parameters the 图斑叠加分析与违法判定 dialog opens with: the workspace's choices, or the
project's layers recognised by their survey names, so that the dialog never starts with
whatever layer happens to be first (an administrative layer as the patches)."""

from qgis.core import QgsVectorLayer

from .field_mapping import guess_class_filter, guess_fields, guess_role_layers, input_roles
from .job_state import RoleChoice
from .layer_sources import named_layers

#: Field parameters of the algorithm by (role, field slot).
FIELD_PARAMETERS = {
    ("patches", "id_field"): "PATCH_ID_FIELD", ("patches", "before_field"): "BEFORE_FIELD",
    ("patches", "after_field"): "AFTER_FIELD", ("approved", "id_field"): "APPROVED_ID_FIELD",
    ("facility_agri", "id_field"): "FACILITY_AGRI_ID_FIELD",
    ("temporary", "id_field"): "TEMPORARY_ID_FIELD",
    ("admin", "township_field"): "TOWNSHIP_FIELD", ("admin", "village_field"): "VILLAGE_FIELD",
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
