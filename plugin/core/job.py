"""The job file: which layers to overlay, and how their fields map to the survey schema."""

import os
from dataclasses import dataclass, field
from typing import Dict, List, Optional

import yaml

from .errors import InputError, yaml_problem
from .result_fields import LAYER_NAMES

BASELINE_KEYS = ("farmland", "basic_farmland", "red_line", "urban_boundary")
EXEMPTION_KEYS = ("approved", "facility_agri", "temporary")
TOP_KEYS = {"crs", "patches", "baselines", "exemptions", "admin", "parcels_before",
            "min_area_m2", "rules", "name"}
# Keys a layer entry may carry; the role-specific ones are listed per role.
LAYER_KEYS = {"path", "layer", "where", "id_field", "encoding", "crs"}
ROLE_KEYS = {
    "patches": {"before_field", "after_field"},
    "admin": {"township_field", "village_field"},
    "parcels_before": {"class_field"},
}
#: What a user reads for each role in messages and progress (the keys are the job file's).
ROLE_NAMES = {"patches": "监测图斑", **LAYER_NAMES, "admin": "行政区",
              "parcels_before": "前一年度地类图斑"}


@dataclass
class LayerSpec:
    """One input layer as the job names it; ``path`` is absolute once loaded."""

    role: str
    path: str
    layer: Optional[str] = None
    where: Dict[str, List[str]] = field(default_factory=dict)
    id_field: Optional[str] = None
    encoding: Optional[str] = None
    crs: Optional[str] = None
    extra: Dict[str, str] = field(default_factory=dict)

    @property
    def label(self):
        """The role in Chinese and the file (and table) it comes from."""
        name = os.path.basename(self.path)
        return f"{ROLE_NAMES.get(self.role, self.role)}（{name}{':' + self.layer if self.layer else ''}）"


@dataclass
class Job:
    path: Optional[str]
    patches: LayerSpec
    baselines: Dict[str, LayerSpec]
    exemptions: Dict[str, LayerSpec]
    admin: Optional[LayerSpec] = None
    parcels_before: Optional[LayerSpec] = None
    crs: str = "auto"
    min_area_m2: float = 1.0
    rules: Optional[str] = None
    name: str = ""

    def layers(self):
        """Every layer spec of the job, patches first."""
        out = [self.patches, *self.baselines.values(), *self.exemptions.values()]
        out += [s for s in (self.admin, self.parcels_before) if s is not None]
        return out


def load_job(path):
    """Read and validate a YAML job file; relative paths are taken from the file's folder."""
    try:
        with open(path, encoding="utf-8") as f:
            data = yaml.safe_load(f)
    except OSError as e:
        raise InputError(f"无法读取任务文件: {e.strerror}", file=str(path)) from e
    except yaml.YAMLError as e:
        raise InputError(f"任务文件{yaml_problem(e)}", file=str(path)) from e
    except UnicodeDecodeError as e:
        raise InputError("任务文件不是 UTF-8 编码的文本", file=str(path)) from e
    return job_from_dict(data, base_dir=os.path.dirname(os.path.abspath(path)), path=str(path))


def job_from_dict(data, base_dir, path=None):
    where = path or "任务文件"
    if not isinstance(data, dict):
        raise InputError("任务文件的顶层应是键值表", file=where)
    unknown = set(data) - TOP_KEYS
    if unknown:
        raise InputError(f"未知的键 {sorted(unknown)}；可用的键: {sorted(TOP_KEYS)}", file=where,
                         field=sorted(unknown)[0])
    if "patches" not in data:
        raise InputError("缺少 patches (监测图斑图层)", file=where, field="patches")
    patches = _layer("patches", data["patches"], base_dir, where)
    baselines = _group(data.get("baselines") or {}, BASELINE_KEYS, "baselines", base_dir, where)
    exemptions = _group(data.get("exemptions") or {}, EXEMPTION_KEYS, "exemptions", base_dir, where)
    admin = _layer("admin", data["admin"], base_dir, where) if data.get("admin") else None
    before = (_layer("parcels_before", data["parcels_before"], base_dir, where)
              if data.get("parcels_before") else None)
    min_area = data.get("min_area_m2", 1.0)
    if not isinstance(min_area, (int, float)) or isinstance(min_area, bool) or min_area < 0:
        raise InputError(f"min_area_m2 应为非负数，而不是 {min_area!r}", file=where,
                         field="min_area_m2")
    rules = data.get("rules")
    if rules is not None:
        rules = _abspath(str(rules), base_dir)
    crs = data.get("crs", "auto")
    return Job(path=path, patches=patches, baselines=baselines, exemptions=exemptions,
               admin=admin, parcels_before=before, crs=str(crs) if crs is not None else "auto",
               min_area_m2=float(min_area), rules=rules, name=str(data.get("name", "")))


def _group(entries, allowed, group, base_dir, where):
    if not isinstance(entries, dict):
        raise InputError(f"{group} 应是键值表", file=where, field=group)
    unknown = set(entries) - set(allowed)
    if unknown:
        raise InputError(f"{group} 中未知的键 {sorted(unknown)}；可用的键: {list(allowed)}",
                         file=where, field=f"{group}.{sorted(unknown)[0]}")
    return {key: _layer(key, spec, base_dir, where) for key, spec in entries.items() if spec}


def _layer(role, spec, base_dir, where):
    if isinstance(spec, str):
        spec = {"path": spec}
    if not isinstance(spec, dict) or "path" not in spec:
        raise InputError("图层应写成 {path: ..., layer: ...}", file=where, field=role)
    allowed = LAYER_KEYS | ROLE_KEYS.get(role, set())
    unknown = set(spec) - allowed
    if unknown:
        raise InputError(f"{role} 中未知的键 {sorted(unknown)}；可用的键: {sorted(allowed)}",
                         file=where, field=f"{role}.{sorted(unknown)[0]}")
    filt = spec.get("where") or {}
    if not isinstance(filt, dict) or not all(isinstance(v, (list, str)) for v in filt.values()):
        raise InputError("where 应写成 {字段: [值, ...]}", file=where, field=f"{role}.where")
    filt = {str(k): [str(x) for x in (v if isinstance(v, list) else [v])] for k, v in filt.items()}
    extra = {k: str(spec[k]) for k in ROLE_KEYS.get(role, set()) if spec.get(k)}
    return LayerSpec(role=role, path=_abspath(str(spec["path"]), base_dir),
                     layer=spec.get("layer"), where=filt, id_field=spec.get("id_field"),
                     encoding=spec.get("encoding"), crs=spec.get("crs"), extra=extra)


def _abspath(path, base_dir):
    path = os.path.expanduser(path)
    return path if os.path.isabs(path) else os.path.normpath(os.path.join(base_dir, path))
