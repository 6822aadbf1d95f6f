"""Ledger templates: which columns the sheet 整改台账 holds, in which order, under which
headers, grouped how, and how it prints (``resources/ledger/default.yaml`` is the default; a
province's own is a copy of it).

A template file is YAML read with a safe loader and checked whole before anything is
written: a bad one raises InputError naming the file, the group and the key.
"""

import dataclasses
import string
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Tuple, Union

import yaml

from ...paths import resources_dir
from ..errors import InputError
from .columns import BY_KEY, ID_KEY, IMAGE_HEADERS, Column
from .zones import ZONES_ENTRY

TOP_KEYS = ("id", "name", "title", "subtitle", "signatures", "groups", "patch_types")
GROUP_KEYS = ("group", "columns", "repeat", "new_page")
PLACES = ("county", "year", "batch", "unit", "date")
MAX_HEADER = 60


@dataclass
class LedgerTemplate:
    """A checked template. ``columns``: the ledger's columns in sheet order, each carrying the
    template's header; ``groups``: the group header of each column; ``repeat``: how many
    leading columns print on every page; ``page_starts``: indexes of the columns that begin a
    new printed page width. They hold no zone column until :meth:`with_zones` puts a result's
    in; ``sections``: the groups as written, for that."""

    id: str
    name: str
    path: str
    title: str
    subtitle: str
    signatures: Tuple[str, ...]
    columns: Tuple[Column, ...]
    groups: Tuple[str, ...]
    repeat: int = 0
    page_starts: Tuple[int, ...] = ()
    patch_types: Dict[str, str] = field(default_factory=dict)
    sections: Tuple["_Section", ...] = ()

    @property
    def places_zones(self) -> bool:
        """Whether the template has the ``zones`` entry."""
        return any(ZONES_ENTRY in s.items for s in self.sections)

    def with_zones(self, zone_columns: Sequence[Column]) -> "LedgerTemplate":
        """The template with the result's zone columns where its ``zones`` entry stands (a
        group holding nothing else is left out when there are none)."""
        columns, groups, repeat, starts = _assemble(self.sections, tuple(zone_columns),
                                                    self.path)
        return dataclasses.replace(self, columns=columns, groups=groups, repeat=repeat,
                                   page_starts=starts)

    def by_key(self) -> Dict[str, Column]:
        return {c.key: c for c in self.columns}

    def signature_text(self) -> str:
        """The signature line: each label followed by room to sign (a date as 年 月 日)."""
        parts = [f"{label}：　　　年　　月　　日" if label == "日期" else f"{label}：＿＿＿＿＿＿"
                 for label in self.signatures]
        return "　　　　".join(parts)


def without_columns(template: LedgerTemplate, keys) -> LedgerTemplate:
    """The template less the columns ``keys`` (a removed column that began a printed page
    width hands that to the next column kept)."""
    keep = [k for k, c in enumerate(template.columns) if c.key not in keys]
    if len(keep) == len(template.columns):
        return template
    starts = {next((new for new, old in enumerate(keep) if old >= start), None)
              for start in template.page_starts}
    repeat = sum(1 for old in keep if old < template.repeat)
    return dataclasses.replace(
        template, columns=tuple(template.columns[k] for k in keep),
        groups=tuple(template.groups[k] for k in keep), repeat=repeat,
        page_starts=tuple(sorted(s for s in starts if s is not None and s > repeat)))


def default_template_path() -> str:
    return str(resources_dir() / "ledger" / "default.yaml")


def load_template(path: Optional[str] = None) -> LedgerTemplate:
    """The template at ``path`` (default: the bundled default), checked."""
    path = path or default_template_path()
    try:
        with open(path, encoding="utf-8") as f:
            data = yaml.safe_load(f)
    except OSError as e:
        raise InputError(f"无法读取台账模板: {e.strerror}", layer=path) from e
    except (yaml.YAMLError, UnicodeDecodeError) as e:
        raise InputError(f"台账模板不是有效的 YAML (UTF-8): {e}", layer=path) from e
    return template_from_dict(data, path)


def template_from_dict(data, path: str) -> LedgerTemplate:
    if not isinstance(data, dict):
        raise InputError("台账模板的顶层应是键值表", layer=path)
    _known(data, TOP_KEYS, path, None, "")
    if not isinstance(data.get("groups"), list) or not data["groups"]:
        raise InputError("缺少 groups (列分组)", layer=path, field="groups")
    sections = tuple(_group(entry, path, f"groups 第 {n} 组")
                     for n, entry in enumerate(data["groups"], 1))
    if sum(s.items.count(ZONES_ENTRY) for s in sections) > 1:
        raise InputError("列重复", layer=path, field=ZONES_ENTRY)
    template = LedgerTemplate(
        id=_text(data, "id", path, "template"), name=_text(data, "name", path, ""),
        path=path, title=_pattern(data, "title", path), subtitle=_pattern(data, "subtitle", path),
        signatures=_signatures(data.get("signatures"), path), columns=(), groups=(),
        patch_types=_patch_types(data.get("patch_types"), path), sections=sections)
    return template.with_zones(())


@dataclass(frozen=True)
class _Section:
    """One group of a template as written: its columns, and ZONES_ENTRY where the result's
    zone columns go."""

    name: str
    where: str
    items: Tuple[Union[Column, str], ...]
    repeat: bool
    new_page: bool


def _assemble(sections, zone_columns, path):
    """(columns, groups, repeat, page_starts) of the sections with the zone columns in place;
    a group left without columns is left out."""
    columns, groups, repeat, starts = [], [], 0, []
    for section in sections:
        group_columns = [c for item in section.items
                         for c in (zone_columns if item == ZONES_ENTRY else (item,))]
        if not group_columns:
            continue
        if section.repeat and repeat != len(columns):
            raise InputError("repeat 只能用于最前面的几组", layer=path, feature=section.where,
                             field="repeat")
        if section.new_page and columns and len(columns) > repeat:
            starts.append(len(columns))
        columns += group_columns
        groups += [section.name] * len(group_columns)
        if section.repeat:
            repeat = len(columns)
    _unique(columns, path)
    if ID_KEY not in {c.key for c in columns}:
        raise InputError(f"模板中必须有图斑编号列 ({ID_KEY})", layer=path, field="groups")
    if repeat == len(columns):
        raise InputError("不能每一列都 repeat", layer=path, field="repeat")
    return tuple(columns), tuple(groups), repeat, tuple(starts)


def _group(entry, path, where) -> _Section:
    if not isinstance(entry, dict):
        raise InputError("每组应写成 {group: 组名, columns: [...]}", layer=path, feature=where)
    _known(entry, GROUP_KEYS, path, where, "")
    name = entry.get("group")
    if not isinstance(name, str):
        raise InputError("group (组名) 应是文字", layer=path, feature=where, field="group")
    items = entry.get("columns")
    if not isinstance(items, list) or not items:
        raise InputError("columns 应是非空列表", layer=path, feature=where, field="columns")
    for flag in ("repeat", "new_page"):
        if not isinstance(entry.get(flag, False), bool):
            raise InputError(f"{flag} 应为 true 或 false", layer=path, feature=where, field=flag)
    return _Section(name, where, tuple(_column(item, path, where) for item in items),
                    entry.get("repeat", False), entry.get("new_page", False))


def _column(item, path, where) -> Union[Column, str]:
    """A column entry: its key, or {key: header}; ``zones`` stands for the result's zones."""
    if isinstance(item, dict) and len(item) == 1:
        key, header = next(iter(item.items()))
    elif isinstance(item, str):
        key, header = item, None
    else:
        raise InputError(f"列应写成 键 或 {{键: 表头}}，而不是 {item!r}", layer=path, feature=where)
    if key == ZONES_ENTRY:
        if header is not None:
            raise InputError(f"{ZONES_ENTRY} 展开为各自定义底线图层的列，表头取自其名称，不能另写表头",
                             layer=path, feature=where, field=ZONES_ENTRY)
        return ZONES_ENTRY
    if key not in BY_KEY:
        raise InputError(f"未知的列 {key!r}；可用的列: {', '.join(BY_KEY)}, {ZONES_ENTRY}",
                         layer=path, feature=where, field=str(key))
    column = BY_KEY[key]
    if header is None:
        return column
    if (not isinstance(header, str) or not header.strip() or len(header) > MAX_HEADER
            or "\n" in header or header.strip() != header):
        raise InputError(f"表头应是一行不超过 {MAX_HEADER} 字的文字，前后无空格，而不是 {header!r}",
                         layer=path, feature=where, field=key)
    return dataclasses.replace(column, header=header)


def _unique(columns: List[Column], path):
    keys, headers = set(), set()
    for c in columns:
        if c.key in keys:
            raise InputError("列重复", layer=path, field=c.key)
        if c.header in headers or c.header in IMAGE_HEADERS:
            raise InputError(f"表头“{c.header}”重复或与影像列同名", layer=path, field=c.key)
        keys.add(c.key)
        headers.add(c.header)


def _known(data, allowed, path, where, prefix):
    unknown = sorted(str(k) for k in data if k not in allowed)
    if unknown:
        raise InputError(f"未知的键 {unknown}；可用的键: {list(allowed)}", layer=path,
                         feature=where, field=prefix + unknown[0])


def _text(data, key, path, default):
    value = data.get(key, default)
    if not isinstance(value, (str, int)) or isinstance(value, bool):
        raise InputError(f"{key} 应是文字", layer=path, field=key)
    return str(value)


def _pattern(data, key, path):
    """title/subtitle text; only the known {places} may appear."""
    text = _text(data, key, path, "")
    try:
        names = [name for _, name, _, _ in string.Formatter().parse(text) if name is not None]
    except ValueError as e:
        raise InputError(f"{key} 中的花括号不成对: {e}", layer=path, field=key) from e
    for name in names:
        if name not in PLACES:
            raise InputError(f"{key} 中的 {{{name}}} 不可用；可用: "
                             + "、".join(f"{{{p}}}" for p in PLACES), layer=path, field=key)
    return text


def _signatures(value, path):
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise InputError("signatures 应是文字列表，如 [填报人, 审核人, 负责人, 日期]",
                         layer=path, field="signatures")
    return tuple(v.strip() for v in value)


def _patch_types(value, path):
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise InputError("patch_types 应是 {代码: 名称} 键值表", layer=path, field="patch_types")
    out = {}
    for code, name in value.items():
        if not isinstance(code, str) or not isinstance(name, str):
            raise InputError(f"图斑类型代码与名称应为文字 (代码加引号，如 \"01\")，而不是 {code!r}: {name!r}",
                             layer=path, field="patch_types")
        out[code.strip()] = name.strip()
    return out
