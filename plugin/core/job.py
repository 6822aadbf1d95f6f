"""The job file: which layers to overlay, and how their fields map to the survey schema."""

import math
import os
import re
from dataclasses import dataclass, field
from typing import Dict, List, Optional

import yaml
from pyproj import CRS
from pyproj.exceptions import CRSError

from .errors import InputError, Note, yaml_problem
from .result_fields import LAYER_NAMES
from ..paths import resources_dir
from .rules.class_names import CLASS_VALUES, NAMES_FILE
from .rules.classes import TABLE_FILE

BASELINE_KEYS = ("farmland", "basic_farmland", "red_line", "urban_boundary")
EXEMPTION_KEYS = ("approved", "facility_agri", "temporary")
TOP_KEYS = {"crs", "patches", "baselines", "exemptions", "admin", "parcels_before",
            "min_area_m2", "rules", "name", "ledger", "previous"}
# The ledger's title block: county, survey year, monitoring batch, reporting unit (填报单位).
LEDGER_KEYS = ("county", "year", "batch", "unit")
# Keys a layer entry may carry; the role-specific ones are listed per role.
LAYER_KEYS = {"path", "layer", "where", "id_field", "encoding", "crs"}
# Rule sets shipped with the plugin, named in a job by these words.
SHIPPED_RULE_SETS = ("default", "ecology")
# A baseline's own keys: its display name, and the fields whose values the result carries.
BASELINE_ENTRY_KEYS = {"name", "carry"}
# A user-defined baseline's key becomes field names (KEY_m2, KEY_pct, KEY_free_m2, KEY_<field>).
BASELINE_KEY = re.compile(r"^[a-z][a-z0-9_]{0,30}$")
RESERVED_KEYS = {"patch", "area", "planar", "free", "flag", "township", "village", "admin",
                 "before", "after", "verdict", "violation", "rule", "severity", "measure",
                 "reason", "ledger", "batch", "permit", "fid", "geom", "owner", "delivery",
                 "previous", "first", "farmland_net", "basic_farmland_net", *EXEMPTION_KEYS}
RESERVED_PREFIXES = ("ledger_", "flag_", "permit")
ROLE_KEYS = {
    "patches": {"before_field", "after_field", "batch_field", "type_field", "code_field"},
    "admin": {"township_field", "village_field"},
    "parcels_before": {"class_field"},
}
# Roles whose class fields may hold land-class names instead of codes (class_values: names).
CLASS_VALUE_ROLES = ("patches", "parcels_before")
#: What a user reads for each role in messages and progress (the keys are the job file's).
ROLE_NAMES = {"patches": "监测图斑", **LAYER_NAMES, "admin": "行政区",
              "parcels_before": "前一年度地类图斑"}


# The previous batch's result (``previous: {path, min_overlap}``, or ``analyse --previous``):
# its patches are matched against this batch's, their ledger state carried forward.
DEFAULT_MIN_OVERLAP = 0.5
PREVIOUS_KEYS = ("path", "min_overlap")


@dataclass
class PreviousBatch:
    """The previous batch's result and how much two patches must overlap to be the same
    ground: the overlap at least ``min_overlap`` of either patch."""

    path: str
    min_overlap: float = DEFAULT_MIN_OVERLAP

    def to_dict(self):
        return {"path": self.path, "min_overlap": self.min_overlap}


def previous_from_job(value, base_dir, where) -> Optional[PreviousBatch]:
    """The job's ``previous`` entry (a path, or {path, min_overlap}), checked."""
    if value is None:
        return None
    if isinstance(value, str):
        value = {"path": value}
    if not isinstance(value, dict) or not isinstance(value.get("path"), str) \
            or not value["path"].strip():
        raise InputError("previous 应写成 {path: 上一批次的 result.gpkg, min_overlap: 0.5}",
                         file=where, field="previous")
    unknown = set(value) - set(PREVIOUS_KEYS)
    if unknown:
        raise InputError(f"previous 中未知的键 {sorted(unknown)}；可用的键: {list(PREVIOUS_KEYS)}",
                         file=where, field=f"previous.{sorted(unknown)[0]}")
    overlap = value.get("min_overlap", DEFAULT_MIN_OVERLAP)
    if isinstance(overlap, bool) or not isinstance(overlap, (int, float)) \
            or not math.isfinite(overlap) or not 0 < overlap <= 1:
        raise InputError(f"previous.min_overlap 应为 0 到 1 之间的比例 (如 0.5)，而不是 {overlap!r}",
                         file=where, field="previous.min_overlap")
    path = os.path.expanduser(value["path"].strip())
    path = path if os.path.isabs(path) else os.path.normpath(os.path.join(base_dir, path))
    return PreviousBatch(path=path, min_overlap=float(overlap))


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
    name: Optional[str] = None
    """The role's display name (a user-defined baseline's ``name:``); None: the known one."""
    carry: List[str] = field(default_factory=list)
    """Fields of a baseline whose values, from the feature holding most of a patch, the result
    carries as ``<key>_<field>``."""
    class_values: str = "codes"
    """``names`` where the class fields hold land-class names instead of codes."""

    @property
    def display_name(self):
        return self.name or ROLE_NAMES.get(self.role, self.role)

    @property
    def label(self):
        """The role in Chinese and the file (and table) it comes from."""
        name = os.path.basename(self.path)
        return f"{self.display_name}（{name}{':' + self.layer if self.layer else ''}）"


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
    ledger: Dict[str, str] = field(default_factory=dict)
    notes: List[Note] = field(default_factory=list)
    previous: Optional[PreviousBatch] = None

    def names(self):
        """{key: display name} of every baseline and exemption of the job, in job order."""
        return {k: s.display_name for k, s in (*self.baselines.items(), *self.exemptions.items())}

    def layers(self):
        """Every layer spec of the job, patches first."""
        out = [self.patches, *self.baselines.values(), *self.exemptions.values()]
        out += [s for s in (self.admin, self.parcels_before) if s is not None]
        return out


class _JobLoader(yaml.SafeLoader):
    """Safe YAML where a number written with a leading zero stays text: ``0101`` in a job is a
    land-class code, which plain YAML would read as the octal number 65."""


def _int_or_code(loader, node):
    text = loader.construct_scalar(node)
    if len(text) > 1 and text[0] == "0" and text.isdigit():
        return text
    return yaml.SafeLoader.construct_yaml_int(loader, node)


_JobLoader.add_constructor("tag:yaml.org,2002:int", _int_or_code)


def load_job(path):
    """Read and validate a YAML job file; relative paths are taken from the file's folder.

    The file may be UTF-8 (with or without BOM) or, as Windows editors save it, GBK; the
    encoding used is noted in ``job.notes``.
    """
    try:
        with open(path, "rb") as f:
            raw = f.read()
    except OSError as e:
        raise InputError(f"无法读取任务文件: {e.strerror}", file=str(path)) from e
    notes = []
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = raw.decode("gb18030")
        except UnicodeDecodeError as e:
            raise InputError("任务文件既不是 UTF-8 也不是 GBK 编码，请另存为 UTF-8", file=str(path)) from e
        notes.append(Note(str(path), "-", "任务文件不是 UTF-8 编码，已按 GBK (GB18030) 读取"))
    try:
        data = yaml.load(text, Loader=_JobLoader)
    except yaml.YAMLError as e:
        raise InputError(f"任务文件{yaml_problem(e)}", file=str(path)) from e
    job = job_from_dict(data, base_dir=os.path.dirname(os.path.abspath(path)), path=str(path))
    job.notes = notes + job.notes
    return job


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
    if not isinstance(min_area, (int, float)) or isinstance(min_area, bool) \
            or not math.isfinite(min_area) or min_area < 0:
        raise InputError(f"min_area_m2 应为有限的非负数，而不是 {min_area!r}", file=where,
                         field="min_area_m2")
    if admin is not None and not (admin.extra.get("township_field")
                                  or admin.extra.get("village_field")):
        raise InputError("行政区图层需指明 township_field (乡镇字段) 或 village_field (村字段)",
                         file=where, field="admin")
    rules = _rules(data.get("rules"), base_dir, where)
    crs = data.get("crs", "auto")
    crs = "auto" if crs is None else _crs_value(crs, where, "crs", allow_auto=True)
    return Job(path=path, patches=patches, baselines=baselines, exemptions=exemptions,
               admin=admin, parcels_before=before, crs=crs,
               min_area_m2=float(min_area), rules=rules,
               name=_text_value(data.get("name", ""), where, "name"),
               ledger=_ledger_title(data.get("ledger"), where),
               previous=previous_from_job(data.get("previous"), base_dir, where))


def _ledger_title(entries, where):
    """The ``ledger:`` block ({county, year, batch, unit}) as text; unknown keys are named."""
    if entries is None:
        return {}
    if not isinstance(entries, dict):
        raise InputError(f"ledger 应是键值表 ({'、'.join(LEDGER_KEYS)})", file=where, field="ledger")
    unknown = set(entries) - set(LEDGER_KEYS)
    if unknown:
        raise InputError(f"ledger 中未知的键 {sorted(unknown)}；可用的键: {list(LEDGER_KEYS)}",
                         file=where, field=f"ledger.{sorted(unknown)[0]}")
    out = {}
    for key, value in entries.items():
        if value is None:
            continue
        if isinstance(value, (dict, list, bool)):
            raise InputError(f"ledger.{key} 应是文字，而不是 {value!r}", file=where,
                             field=f"ledger.{key}")
        out[key] = str(value).strip()
    return out


def _group(entries, allowed, group, base_dir, where):
    if not isinstance(entries, dict):
        raise InputError(f"{group} 应是键值表", file=where, field=group)
    extra = [k for k in entries if k not in allowed]
    if extra and group != "baselines":
        raise InputError(f"{group} 中未知的键 {sorted(map(str, extra))}；可用的键: {list(allowed)}",
                         file=where, field=f"{group}.{sorted(map(str, extra))[0]}")
    for key in extra:
        _check_baseline_key(key, entries[key], where)
    return {key: _layer(key, spec, base_dir, where, user_defined=key in extra)
            for key, spec in entries.items() if spec}


def _check_baseline_key(key, spec, where):
    """A user-defined baseline: an ASCII key that makes field names no other field has, and a
    display name in the entry."""
    at = f"baselines.{key}"
    if not isinstance(key, str) or not BASELINE_KEY.match(key):
        raise InputError(f"自定义底线图层的键 {key!r} 应为小写英文字母开头、由小写字母、数字和下划线组成"
                         "（用作结果字段名，如 nature_reserve）", file=where, field=at)
    if key in RESERVED_KEYS or any(key.startswith(p) for p in RESERVED_PREFIXES):
        raise InputError(f"自定义底线图层的键 {key!r} 与结果中已有的字段冲突，请换一个", file=where,
                         field=at)
    if not isinstance(spec, dict) or not spec.get("name"):
        raise InputError("自定义底线图层需写明 name: (中文名称，用于报告和台账)", file=where,
                         field=f"{at}.name")


def _layer(role, spec, base_dir, where, user_defined=False):
    if isinstance(spec, str):
        spec = {"path": spec}
    if not isinstance(spec, dict) or "path" not in spec:
        raise InputError("图层应写成 {path: ..., layer: ...}", file=where, field=role)
    baseline = user_defined or role in BASELINE_KEYS
    allowed = LAYER_KEYS | ROLE_KEYS.get(role, set()) | (BASELINE_ENTRY_KEYS if baseline else set())
    if role in CLASS_VALUE_ROLES:
        allowed = allowed | {"class_values"}
    unknown = set(spec) - allowed
    if unknown:
        raise InputError(f"{role} 中未知的键 {sorted(unknown)}；可用的键: {sorted(allowed)}",
                         file=where, field=f"{role}.{sorted(unknown)[0]}")
    filt = spec.get("where") or {}
    values = filt.values() if isinstance(filt, dict) else ()
    if not isinstance(filt, dict) or not all(isinstance(v, (list, str, int, float))
                                             and not isinstance(v, bool) for v in values):
        raise InputError("where 应写成 {字段: [值, ...]}", file=where, field=f"{role}.where")
    # numbers stay numbers: the reader compares them as land-class codes where they are one
    filt = {str(k): [x if isinstance(x, (int, float)) and not isinstance(x, bool) else str(x)
                     for x in (v if isinstance(v, list) else [v])] for k, v in filt.items()}
    extra = {k: _text_value(spec[k], where, f"{role}.{k}")
             for k in ROLE_KEYS.get(role, set()) if spec.get(k)}
    text = {k: _text_value(spec[k], where, f"{role}.{k}") if spec.get(k) is not None else None
            for k in ("path", "layer", "id_field", "encoding")}
    crs = _crs_value(spec["crs"], where, f"{role}.crs") if spec.get("crs") is not None else None
    name = _text_value(spec["name"], where, f"{role}.name").strip() if spec.get("name") else None
    class_values = spec.get("class_values") or "codes"
    if class_values not in CLASS_VALUES:
        raise InputError(f"class_values 应为 codes (地类编码) 或 names (地类名称)，而不是 "
                         f"{class_values!r}", file=where, field=f"{role}.class_values")
    return LayerSpec(role=role, path=_abspath(text["path"], base_dir), layer=text["layer"],
                     where=filt, id_field=text["id_field"], encoding=text["encoding"], crs=crs,
                     extra=extra, name=name, carry=_carry(spec.get("carry"), role, where),
                     class_values=class_values)


def _rules(value, base_dir, where):
    """The ``rules:`` entry: None (the default set), one file, or a list read as one set; a
    shipped set by its bare name (``default``, ``ecology``), any other name a path."""
    if value is None:
        return None
    items = value if isinstance(value, list) else [value]
    if not items:
        raise InputError("rules 列表为空", file=where, field="rules")
    out = []
    for k, item in enumerate(items):
        text = _text_value(item, where, f"rules[{k}]" if isinstance(value, list) else "rules")
        out.append(text if text in SHIPPED_RULE_SETS else _abspath(text, base_dir))
    return out if isinstance(value, list) else out[0]


def _carry(value, role, where):
    """The ``carry:`` list of a baseline: field names, each making a result field
    ``<role>_<field>``."""
    if value is None:
        return []
    items = value if isinstance(value, list) else [value]
    out = []
    for item in items:
        text = _text_value(item, where, f"{role}.carry").strip()
        if not text:
            raise InputError("carry 中的字段名为空", file=where, field=f"{role}.carry")
        if text not in out:
            out.append(text)
    return out


def _text_value(value, where, key):
    """A job value that must be text (a name, a path); a number is taken as its text."""
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise InputError(f"{key} 应为文本，而不是 {_type_name(value)}", file=where, field=key)
    return str(value)


def _crs_value(value, where, key, allow_auto=False):
    """A CRS as PROJ reads it (``EPSG:4529``, ``4529``, WKT), checked now, not mid-run."""
    text = _text_value(value, where, key).strip()
    if allow_auto and text.lower() == "auto":
        return "auto"
    try:
        CRS.from_user_input(int(text) if text.isdecimal() else text)
    except CRSError as e:
        raise InputError(f"无法识别的坐标系 {text!r} (应如 EPSG:4529 或 auto)", file=where,
                         field=key) from e
    return f"EPSG:{text}" if text.isdecimal() else text


def _type_name(value):
    return {bool: "布尔值", list: "列表", dict: "键值表", type(None): "空值"}.get(
        type(value), type(value).__name__)


def _abspath(path, base_dir):
    path = os.path.expanduser(path)
    return path if os.path.isabs(path) else os.path.normpath(os.path.join(base_dir, path))


def input_paths(job) -> List[str]:
    """Every file a run of ``job`` reads: its layers, its rule files (a shipped set by its own
    file), the land-class table, the name table where a layer holds class names, and the
    previous batch's result (analysts edit it between runs)."""
    from .rules.rule_sets import rule_file  # the rule modules only where a run needs them
    names = job.rules if isinstance(job.rules, list) else [job.rules or "default"]
    paths = [spec.path for spec in job.layers()] + [str(rule_file(n)) for n in names]
    paths.append(str(resources_dir() / TABLE_FILE))
    if any(spec.class_values == "names" for spec in job.layers()):
        paths.append(str(resources_dir() / NAMES_FILE))
    if job.previous is not None:
        paths.append(job.previous.path)
    return paths


def job_to_dict(job):
    """The job as :func:`job_from_dict` reads it (paths absolute): to hand a job to another
    process, which reads it back as the same job."""
    def layer(spec):
        out = {"path": spec.path}
        if spec.name:
            out["name"] = spec.name
        if spec.carry:
            out["carry"] = list(spec.carry)
        for key in ("layer", "id_field", "encoding", "crs"):
            if getattr(spec, key) is not None:
                out[key] = getattr(spec, key)
        if spec.where:
            out["where"] = {k: list(v) for k, v in spec.where.items()}
        out.update(spec.extra)
        if spec.class_values != "codes":
            out["class_values"] = spec.class_values
        return out

    data = {"patches": layer(job.patches),
            "baselines": {k: layer(s) for k, s in job.baselines.items()},
            "exemptions": {k: layer(s) for k, s in job.exemptions.items()},
            "crs": job.crs, "min_area_m2": job.min_area_m2}
    for role in ("admin", "parcels_before"):
        if getattr(job, role) is not None:
            data[role] = layer(getattr(job, role))
    if job.rules:
        data["rules"] = list(job.rules) if isinstance(job.rules, list) else job.rules
    if job.name:
        data["name"] = job.name
    if job.ledger:
        data["ledger"] = dict(job.ledger)
    if job.previous is not None:
        data["previous"] = job.previous.to_dict()
    return data
