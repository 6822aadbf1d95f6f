"""The region file (REGION.yaml): a city's or province's counties, each a county job file, or
one job over region-wide layers with the partition that tells the counties apart.

```yaml
name: 示范市                       # the region, for the summary's title
ledger: {year: 2024, batch: 2024年度第一批, unit: 示范市自然资源和规划局}
counties:                          # either: one job file per county
  - {code: "331002", job: 椒江区/job.yaml, name: 椒江区}
job: 全市任务.yaml                 # or: one job over region-wide layers (a file or the job itself)
partition:
  counties: {path: data/xjxzq.gpkg, layer: XJXZQ, code_field: XZQDM, name_field: XZQMC}
  code_field: XZQDM                # the patches' field whose first 6 digits name the county
```
Paths are relative to the region file.
"""

import os
import re
from dataclasses import dataclass, field
from typing import Dict, List, Optional

import yaml
from pyproj import CRS
from pyproj.exceptions import CRSError

from ..errors import InputError, yaml_problem
from ..job import Job, LayerSpec, job_from_dict, load_job

TOP_KEYS = ("name", "ledger", "template", "counties", "job", "partition")
TITLE_KEYS = ("year", "batch", "unit")
COUNTY_KEYS = ("code", "job", "name")
PARTITION_KEYS = ("counties", "code_field")
COUNTY_LAYER_KEYS = ("path", "layer", "code_field", "name_field", "encoding", "crs")
COUNTY_CODE = re.compile(r"^[1-9]\d{5}$")
#: What a user reads for the county layer in messages.
COUNTY_LAYER_ROLE = "县级行政区"


@dataclass
class CountyEntry:
    """A county given by its own job file."""

    code: str
    job_path: str
    name: str = ""


@dataclass
class Partition:
    """How region-wide patches are told apart: the patches' code field (its first 6 digits) and,
    optionally, a county layer (``extra``: code_field, name_field) for patches without a code."""

    code_field: Optional[str] = None
    counties: Optional[LayerSpec] = None


@dataclass
class Region:
    path: str
    name: str
    title: Dict[str, str] = field(default_factory=dict)
    template: Optional[str] = None
    counties: List[CountyEntry] = field(default_factory=list)
    job: Optional[Job] = None
    partition: Optional[Partition] = None

    @property
    def folder(self):
        return os.path.dirname(os.path.abspath(self.path))


def county_code(value) -> Optional[str]:
    """The 6-digit county code a code value starts with (a county, township or village code,
    text or a number), None when it starts with none."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, float):
        if not value.is_integer():
            return None
        value = int(value)
    text = str(value).strip()
    return text[:6] if COUNTY_CODE.match(text[:6]) else None


def load_region(path) -> Region:
    """Read and check a region file; InputError names the file and key of any problem."""
    where = str(path)
    data = _read_yaml(path)
    if not isinstance(data, dict):
        raise InputError("区域文件的顶层应是键值表", file=where)
    _known(data, TOP_KEYS, where, "")
    folder = os.path.dirname(os.path.abspath(path))
    has_counties, has_job = data.get("counties") is not None, data.get("job") is not None
    if has_counties == has_job:
        raise InputError("区域文件应给出 counties (各县任务文件) 或 job + partition (全区任务与分县方式) "
                         "之一", file=where, field="counties")
    region = Region(path=where, name=_text(data.get("name", ""), where, "name"),
                    title=_title(data.get("ledger"), where),
                    template=_path(data["template"], folder, where, "template")
                    if data.get("template") is not None else None)
    if has_counties:
        if data.get("partition") is not None:
            raise InputError("partition 只用于 job (全区任务)，counties 中各县已分开", file=where,
                             field="partition")
        region.counties = _counties(data["counties"], folder, where)
    else:
        region.job = _region_job(data["job"], folder, where)
        region.partition = _partition(data.get("partition"), folder, where)
    return region


def _read_yaml(path):
    try:
        with open(path, "rb") as f:
            raw = f.read()
    except OSError as e:
        raise InputError(f"无法读取区域文件: {e.strerror}", file=str(path)) from e
    for encoding in ("utf-8-sig", "gb18030"):  # Windows editors save GBK
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise InputError("区域文件既不是 UTF-8 也不是 GBK 编码，请另存为 UTF-8", file=str(path))
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as e:
        raise InputError(f"区域文件{yaml_problem(e)}", file=str(path)) from e


def _known(data, allowed, where, prefix):
    unknown = sorted(str(k) for k in set(data) - set(allowed))
    if unknown:
        raise InputError(f"{prefix or '区域文件'}中未知的键 {unknown}；可用的键: {list(allowed)}",
                         file=where, field=f"{prefix}{'.' if prefix else ''}{unknown[0]}")


def _text(value, where, key):
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise InputError(f"{key} 应为文字", file=where, field=key)
    return str(value).strip()


def _path(value, folder, where, key):
    text = os.path.expanduser(_text(value, where, key))
    return text if os.path.isabs(text) else os.path.normpath(os.path.join(folder, text))


def _title(entries, where):
    if entries is None:
        return {}
    if not isinstance(entries, dict):
        raise InputError(f"ledger 应是键值表 ({'、'.join(TITLE_KEYS)})", file=where, field="ledger")
    _known(entries, TITLE_KEYS, where, "ledger")
    return {k: _text(v, where, f"ledger.{k}") for k, v in entries.items() if v is not None}


def _counties(entries, folder, where):
    if not isinstance(entries, list) or not entries:
        raise InputError("counties 应是列表，每项 {code: 县级代码, job: 任务文件}", file=where,
                         field="counties")
    out, seen = [], set()
    for n, entry in enumerate(entries, 1):
        key = f"counties[{n}]"
        if not isinstance(entry, dict) or "code" not in entry or "job" not in entry:
            raise InputError("每个县应写成 {code: 县级代码, job: 任务文件}", file=where, field=key)
        _known(entry, COUNTY_KEYS, where, key)
        code = _text(entry["code"], where, f"{key}.code")
        if not COUNTY_CODE.match(code):
            raise InputError(f"县级代码应为 6 位数字，而不是 {code!r}", file=where, field=f"{key}.code")
        if code in seen:
            raise InputError(f"县级代码 {code} 重复", file=where, field=f"{key}.code")
        seen.add(code)
        out.append(CountyEntry(code=code, job_path=_path(entry["job"], folder, where, f"{key}.job"),
                               name=_text(entry.get("name") or "", where, f"{key}.name")))
    return out


def _crs(text, where, key):
    """A CRS as PROJ reads it (``EPSG:4490``, ``4490``, WKT), checked now."""
    text = f"EPSG:{text}" if text.isdecimal() else text
    try:
        CRS.from_user_input(text)
    except CRSError as e:
        raise InputError(f"无法识别的坐标系 {text!r} (应如 EPSG:4490)", file=where, field=key) from e
    return text


def _region_job(value, folder, where):
    if isinstance(value, dict):
        return job_from_dict(value, base_dir=folder, path=where)
    return load_job(_path(value, folder, where, "job"))


def _partition(entries, folder, where):
    if entries is None:
        return Partition()
    if not isinstance(entries, dict):
        raise InputError("partition 应是键值表 (counties: 县级行政区图层, code_field: 图斑的代码字段)",
                         file=where, field="partition")
    _known(entries, PARTITION_KEYS, where, "partition")
    code_field = entries.get("code_field")
    layer = entries.get("counties")
    return Partition(code_field=_text(code_field, where, "partition.code_field")
                     if code_field is not None else None,
                     counties=_county_layer(layer, folder, where) if layer is not None else None)


def _county_layer(entry, folder, where):
    key = "partition.counties"
    if isinstance(entry, str):
        entry = {"path": entry}
    if not isinstance(entry, dict) or "path" not in entry or "code_field" not in entry:
        raise InputError("县级行政区图层应写成 {path: ..., layer: ..., code_field: 代码字段}",
                         file=where, field=key)
    _known(entry, COUNTY_LAYER_KEYS, where, key)
    text = {k: _text(entry[k], where, f"{key}.{k}") for k in COUNTY_LAYER_KEYS
            if entry.get(k) is not None}
    if "crs" in text:
        text["crs"] = _crs(text["crs"], where, f"{key}.crs")
    return LayerSpec(role=COUNTY_LAYER_ROLE, path=_path(text["path"], folder, where, key),
                     layer=text.get("layer"), encoding=text.get("encoding"), crs=text.get("crs"),
                     extra={k: text[k] for k in ("code_field", "name_field") if k in text})
