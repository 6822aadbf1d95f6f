"""What the dock holds of one job, how it turns into the core's job, and where it is kept.

The choices live in the project file (layer ids, field mapping, rule set, output folder, last
result), so reopening a project restores the job; the rule set and output folder are also
remembered in QgsSettings as the defaults for a new project.
"""

import json
import os
from dataclasses import asdict, dataclass, field
from typing import Dict, List

from qgis.core import QgsProject, QgsSettings, QgsVectorLayer

from ..compat import tr
from ..identity import PROJECT_SCOPE, SETTINGS_PREFIX
from .field_mapping import input_roles
from .layer_sources import layer_entry

PROJECT_KEY = "job"
STATE_VERSION = 1


@dataclass
class RoleChoice:
    """The layer picked for one role and how its fields map.

    A baseline keeps the display ``name`` and the ``carry`` fields the job file gives it; a
    zone the job adds itself (a baseline beyond the known roles) also its whole ``where``.
    """

    layer_id: str = ""
    fields: Dict[str, str] = field(default_factory=dict)
    filter_field: str = ""
    filter_values: List[str] = field(default_factory=list)
    name: str = ""
    carry: List[str] = field(default_factory=list)
    where: Dict[str, List[str]] = field(default_factory=dict)
    #: The class fields hold land-class names (DLMC, 二调 names), not codes.
    class_names: bool = False


@dataclass
class JobState:
    choices: Dict[str, RoleChoice] = field(default_factory=dict)
    name: str = ""
    rules: str = ""
    min_area_m2: float = 1.0
    out_dir: str = ""
    result_path: str = ""
    result_layer_id: str = ""
    #: The before/after images last given for the ledger's thumbnails or the field pack.
    before_image: str = ""
    after_image: str = ""
    #: The previous batch's result.gpkg: its ledger state is carried into matching patches.
    previous_result: str = ""

    def choice(self, role) -> RoleChoice:
        return self.choices.setdefault(role, RoleChoice())

    def to_json(self) -> str:
        data = asdict(self)
        data["version"] = STATE_VERSION
        return json.dumps(data, ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_json(cls, text):
        """The state saved by :meth:`to_json`; unknown or malformed parts are left out."""
        try:
            data = json.loads(text)
        except (TypeError, ValueError):
            return cls()
        if not isinstance(data, dict):
            return cls()
        state = cls()
        for role, raw in (data.get("choices") or {}).items():
            if isinstance(raw, dict):
                where = raw.get("where") if isinstance(raw.get("where"), dict) else {}
                state.choices[role] = RoleChoice(
                    layer_id=str(raw.get("layer_id") or ""),
                    fields={str(k): str(v) for k, v in (raw.get("fields") or {}).items() if v},
                    filter_field=str(raw.get("filter_field") or ""),
                    filter_values=[str(v) for v in raw.get("filter_values") or []],
                    name=str(raw.get("name") or ""),
                    carry=[str(v) for v in raw.get("carry") or []],
                    where={str(k): [v for v in values if isinstance(v, (str, int, float))]
                           for k, values in where.items() if isinstance(values, list)},
                    class_names=raw.get("class_names") is True,
                )
        for name in ("name", "rules", "out_dir", "result_path", "result_layer_id",
                     "before_image", "after_image", "previous_result"):
            setattr(state, name, str(data.get(name) or ""))
        try:
            state.min_area_m2 = float(data.get("min_area_m2", 1.0))
        except (TypeError, ValueError):
            state.min_area_m2 = 1.0
        return state


def save_to_project(state: JobState, project: QgsProject) -> None:
    project.writeEntry(PROJECT_SCOPE, PROJECT_KEY, state.to_json())


def load_from_project(project: QgsProject):
    """The job state kept in the project, or None when the project has none."""
    text, found = project.readEntry(PROJECT_SCOPE, PROJECT_KEY, "")
    return JobState.from_json(text) if found and text else None


def remember_defaults(state: JobState) -> None:
    settings = QgsSettings()
    settings.setValue(SETTINGS_PREFIX + "rules", state.rules)
    settings.setValue(SETTINGS_PREFIX + "out_dir", state.out_dir)


def default_state() -> JobState:
    """A new job: the rule set and output folder last used in any project."""
    settings = QgsSettings()
    return JobState(rules=settings.value(SETTINGS_PREFIX + "rules", "") or "",
                    out_dir=settings.value(SETTINGS_PREFIX + "out_dir", "") or "")


def chosen_layer(state: JobState, role: str, project: QgsProject):
    """The vector layer chosen for a role, if it is still in the project."""
    choice = state.choices.get(role)
    layer = project.mapLayer(choice.layer_id) if choice and choice.layer_id else None
    return layer if isinstance(layer, QgsVectorLayer) else None


def job_dict(state: JobState, project: QgsProject, temp_dir: str) -> dict:
    """The core's job (as ``job_from_dict`` takes it) for the chosen layers.

    Layers that are not plain files are written to ``temp_dir`` first, so call it on the
    main thread.
    """
    job = {"crs": "auto", "min_area_m2": float(state.min_area_m2)}
    if state.name:
        job["name"] = state.name
    if state.rules:
        files = rule_files(state.rules)
        job["rules"] = files if len(files) > 1 else files[0]
    for role in input_roles():
        layer = chosen_layer(state, role.key, project)
        if layer is None:
            continue
        choice = state.choices[role.key]
        entry = layer_entry(layer, temp_dir, role.key)
        for slot in role.fields:
            name = choice.fields.get(slot.key)
            if name:
                entry[slot.key] = name
        if role.class_filter and choice.filter_field and choice.filter_values:
            entry["where"] = {choice.filter_field: list(choice.filter_values)}
        if role.group == "baselines":
            entry.update(_baseline_keys(choice))
        if role.class_names and choice.class_names:
            entry["class_values"] = "names"
        if role.group in ("baselines", "exemptions"):
            job.setdefault(role.group, {})[role.key] = entry
        else:
            job[role.key] = entry
    for key in zone_keys(state):
        layer = chosen_layer(state, key, project)
        if layer is not None:
            job.setdefault("baselines", {})[key] = _zone_entry(
                state.choices[key], layer_entry(layer, temp_dir, key))
    if state.previous_result:
        job["previous"] = {"path": state.previous_result}
    return job


def zone_keys(state: JobState) -> List[str]:
    """The keys of the zones the job adds itself (its baselines beyond the known roles), in
    the order the job gave them."""
    known = {role.key for role in input_roles()}
    return [key for key, choice in state.choices.items() if key not in known and choice.name]


def _zone_entry(choice: RoleChoice, entry: dict) -> dict:
    entry = dict(entry, **choice.fields, **_baseline_keys(choice))
    if choice.where:
        entry["where"] = {k: list(v) for k, v in choice.where.items()}
    return entry


def _baseline_keys(choice: RoleChoice) -> dict:
    """A baseline's display name and carried fields, where the job gave them."""
    out = {"name": choice.name} if choice.name else {}
    if choice.carry:
        out["carry"] = list(choice.carry)
    return out


def state_from_job(job, project: QgsProject, layers_by_role) -> JobState:
    """A state for a job file's ``Job`` whose layers were added to the project as given; the
    zones the job adds itself are kept with their names, carried fields and filters."""
    known = {role.key for role in input_roles()}
    state = default_state()
    state.name = job.name
    if job.rules:
        state.rules = "; ".join(job.rules) if isinstance(job.rules, list) else job.rules
    state.min_area_m2 = job.min_area_m2
    if job.previous is not None:
        state.previous_result = job.previous.path
    for spec in job.layers():
        layer = layers_by_role.get(spec.role)
        if layer is None:
            continue
        choice = state.choice(spec.role)
        choice.layer_id = layer.id()
        if spec.id_field:
            choice.fields["id_field"] = spec.id_field
        choice.fields.update(spec.extra)
        choice.name, choice.carry = spec.name or "", list(spec.carry)
        if spec.role not in known:
            choice.where = {k: list(v) for k, v in spec.where.items()}
        elif spec.where:
            choice.filter_field, values = next(iter(spec.where.items()))
            choice.filter_values = list(values)
        choice.class_names = spec.class_values == "names"
    return state


def default_out_dir(project: QgsProject) -> str:
    """Where runs go when the analyst chose no folder: beside the project file when it is
    saved, else in the home folder."""
    home = project.homePath() or os.path.expanduser("~")
    return os.path.join(home, tr("Patch verification results"))


def result_layer_name(state: JobState, stamp: str) -> str:
    """The result layer's name: the job's name when it has one, else the run's time."""
    if state.name.strip():
        return tr("{0} verdicts").format(state.name.strip())
    return tr("Patch verdicts {0}").format(stamp)


def rule_files(text):
    """The rule files of the rules field: one path, or several joined by ";" (read as one set)."""
    return [part.strip() for part in str(text).split(";") if part.strip()]
