"""The land-class table: every 三调 DLBM code with its name, 三大类 and the groups rules use.

Codes are text of up to five characters (``0101``, ``05H1``, ``0201K``) and are never turned
into numbers. An unknown or malformed code is reported, never guessed: :meth:`ClassTable.check`
returns the problem as a Chinese sentence, :meth:`ClassTable.validate` raises it.
"""

import re
import unicodedata
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Dict, FrozenSet, Iterable, Optional, Tuple, Union


from ...paths import resources_dir
from ..errors import InputError
from .table_file import read_table_file

TABLE_FILE = "land_classes.csv"
COLUMNS = ("code", "name", "top_class", "top_name", "land_use", "groups", "note")

# 三大类 as written in the table, and the group name rules use for each.
LAND_USE_GROUPS = {"农用地": "agricultural", "建设用地": "construction", "未利用地": "unused"}

# Chinese labels of the groups, for reasons and for rule files written in Chinese.
GROUP_LABELS = {
    "agricultural": "农用地",
    "construction": "建设用地",
    "unused": "未利用地",
    "farmland": "耕地",
    "garden": "种植园用地",
    "forest": "林地",
    "grassland": "草地",
    "wetland": "湿地",
    "adjustable": "可调整地类",
    "commercial": "商业服务业用地",
    "industry_mining": "工矿用地",
    "housing": "住宅用地",
    "rural_housing": "农村宅基地",
    "public_service": "公共管理与公共服务用地",
    "special": "特殊用地",
    "transport": "交通运输用地（不含农村道路）",
    "rural_road": "农村道路",
    "water": "水域",
    "pond": "坑塘水面",
    "water_works": "水工建筑用地",
    "idle": "空闲地",
    "facility_agri": "设施农用地",
    "field_ridge": "田坎",
    "bare": "盐碱地、沙地、裸地",
    "settlement": "城镇村及工矿用地",
}

# Suffix letters that refine a base code (K 可调整, A 独立/附属 variants). A suffixed code not
# listed in the table is accepted as its base code's variant; K adds the "adjustable" group.
SUFFIXES = {"K": "adjustable", "A": None}

_SHAPE = re.compile(r"^[0-9]{2}[0-9A-Z]{0,3}$")
_GROUP_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


class ClassCodeError(ValueError):
    """A land-class code that is malformed or not in the table; ``problem`` is Chinese text."""

    def __init__(self, code: object, problem: str):
        self.code = code
        self.problem = problem
        super().__init__(f"地类编码 {code!r}：{problem}")


@dataclass(frozen=True)
class LandClass:
    """One row of the table (or an accepted suffix variant of a row)."""

    code: str
    name: str
    top_class: str
    top_name: str
    land_use: str
    groups: FrozenSet[str]
    note: str = ""
    base: Optional[str] = None  # for a suffix variant (0201K, 1104A): the code without suffix


def is_missing(value: object) -> bool:
    """True for None, NaN/NA and blank text: the code was not given at all."""
    if value is None:
        return True
    if isinstance(value, str):
        return value.strip() == ""
    if isinstance(value, float):
        return value != value  # NaN
    # pandas' NA and NaT, numpy's NaN scalars (without importing pandas)
    if type(value).__name__ in ("NAType", "NaTType"):
        return True
    try:
        return bool(value != value)
    except (TypeError, ValueError):
        return False


class ClassTable:
    """The land classes by code, with lookups that accept only text codes."""

    def __init__(self, classes: Iterable[LandClass], version: str, sha256: str = "",
                 path: Optional[str] = None):
        self._classes: Dict[str, LandClass] = {c.code: c for c in classes}
        self.version = version
        self.sha256 = sha256
        self.path = path
        groups = set()
        for land_class in self._classes.values():
            groups |= land_class.groups
        groups |= {g for g in SUFFIXES.values() if g}
        self.group_names: FrozenSet[str] = frozenset(groups)

    @property
    def codes(self) -> Tuple[str, ...]:
        """The codes listed in the table, in table order."""
        return tuple(self._classes)

    def check(self, code: object) -> Tuple[Optional[str], Optional[str]]:
        """``(normalised code, None)`` for a usable code, else ``(None, problem in Chinese)``."""
        if is_missing(code):
            return None, "编码为空"
        if not isinstance(code, str):
            hint = ""
            if isinstance(code, (int, float)) and float(code).is_integer():
                padded = f"{int(code):04d}"
                if padded in self._classes:
                    hint = f"（原值可能是 {padded}）"
            return None, (f"不是文本而是数字 {code!r}，前导零可能已丢失{hint}；"
                          "请将该字段按文本读取")
        text = unicodedata.normalize("NFKC", code).strip().upper()
        if text in self._classes:
            return text, None
        if not _SHAPE.match(text):
            if re.match(r"^[0-9]+\.[0-9]*$", text):
                return None, "含小数点，疑似被当作数字读取；请将该字段按文本读取"
            return None, "格式不符（应为 2–5 位数字或字母，如 0101、05H1、0201K）"
        if self._variant(text) is not None:
            return text, None
        if ("0" + text) in self._classes:
            return None, f"不在地类表中，疑似丢失前导零（是否为 0{text}？）"
        return None, "不在地类表中"

    def comparable(self, value: object) -> Optional[str]:
        """Text to compare a code-like value by: trimmed, NFKC, upper case; an integer, or
        digits shorter than a code, that is a known code once zero-padded gets its zeros back
        (``101`` and ``"101"`` → ``"0101"``, as a layer that stored DLBM as a number holds)."""
        if value is None:
            return None
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            if not float(value).is_integer():
                return str(value)
            text = str(int(value))
        else:
            text = unicodedata.normalize("NFKC", str(value)).strip().upper()
        if text.isdigit() and len(text) < 4 and text.zfill(4) in self._classes:
            return text.zfill(4)
        return text

    def validate(self, code: object) -> str:
        """The normalised code (upper case, trimmed), or :class:`ClassCodeError`."""
        normalised, problem = self.check(code)
        if problem is not None:
            raise ClassCodeError(code, problem)
        return normalised

    def lookup(self, code: object) -> LandClass:
        """The :class:`LandClass` of a code; raises :class:`ClassCodeError` if unusable."""
        normalised = self.validate(code)
        return self._classes.get(normalised) or self._variant(normalised)

    def name(self, code: object) -> str:
        return self.lookup(code).name

    def groups(self, code: object) -> FrozenSet[str]:
        """Group names of a code: its 三大类 group plus the finer groups."""
        return self.lookup(code).groups

    def land_use(self, code: object) -> str:
        """农用地 / 建设用地 / 未利用地."""
        return self.lookup(code).land_use

    def top_class(self, code: object) -> str:
        return self.lookup(code).top_class

    def describe(self, code: object) -> str:
        """``0101 水田`` for reasons and reports."""
        land_class = self.lookup(code)
        return f"{land_class.code} {land_class.name}"

    def resolve_group(self, name: object) -> str:
        """Canonical group name for an English name or its Chinese label; KeyError if unknown."""
        if isinstance(name, str):
            text = name.strip()
            if text in self.group_names:
                return text
            for group, label in GROUP_LABELS.items():
                if label == text and group in self.group_names:
                    return group
        raise KeyError(name)

    def _variant(self, text: str) -> Optional[LandClass]:
        suffix, base_code = text[-1], text[:-1]
        base = self._classes.get(base_code)
        if suffix not in SUFFIXES or base is None or base_code[-1] in SUFFIXES:
            return None
        extra = SUFFIXES[suffix]
        name = f"可调整{base.name}" if suffix == "K" else f"{base.name}（{suffix}）"
        return LandClass(code=text, name=name, top_class=base.top_class, top_name=base.top_name,
                         land_use=base.land_use,
                         groups=base.groups | ({extra} if extra else set()),
                         note=f"{base.code} 的 {suffix} 后缀变体（表中未单列）", base=base.code)


def load_class_table(path: Union[str, Path, None] = None) -> ClassTable:
    """Read the class table CSV (default ``resources/land_classes.csv``).

    Lines starting with ``#`` are comments; ``# version: X`` names the table's version (without
    it the version is ``sha256:<first 12 hex digits>``). Every value is read as text. A bad row
    raises :class:`InputError` naming the file, the code and the column.
    """
    path = Path(path) if path is not None else resources_dir() / TABLE_FILE
    table = read_table_file(path, COLUMNS, "地类表")
    label = table.label
    classes = []
    seen = set()
    for number, row in enumerate(table.rows, start=2):
        if len(row) != len(COLUMNS):
            raise InputError(f"第 {number} 行有 {len(row)} 列，应为 {len(COLUMNS)} 列（备注中不要用逗号）",
                             layer=label, feature=row[0] if row else number)
        values = dict(zip(COLUMNS, (v.strip() for v in row)))
        code = values["code"]
        if not _SHAPE.match(code):
            raise InputError("地类编码格式不符（2–5 位数字或大写字母）", layer=label, feature=code,
                             field="code")
        if code in seen:
            raise InputError("地类编码重复", layer=label, feature=code, field="code")
        seen.add(code)
        if not values["name"]:
            raise InputError("缺少地类名称", layer=label, feature=code, field="name")
        if values["land_use"] not in LAND_USE_GROUPS:
            raise InputError(f"三大类应为 {'/'.join(LAND_USE_GROUPS)}", layer=label, feature=code,
                             field="land_use")
        groups = {g.strip() for g in values["groups"].split(";") if g.strip()}
        bad = sorted(g for g in groups if not _GROUP_NAME.match(g))
        if bad:
            raise InputError(f"分组名 {bad[0]!r} 应为小写英文（如 farmland）", layer=label,
                             feature=code, field="groups")
        groups.add(LAND_USE_GROUPS[values["land_use"]])
        classes.append(LandClass(code=code, name=values["name"], top_class=values["top_class"],
                                 top_name=values["top_name"], land_use=values["land_use"],
                                 groups=frozenset(groups), note=values["note"]))
    listed = {c.code for c in classes}
    classes = [replace(c, base=c.code[:-1]) if c.code[-1] in SUFFIXES and c.code[:-1] in listed
               else c for c in classes]
    return ClassTable(classes, version=table.version, sha256=table.sha256, path=label)
