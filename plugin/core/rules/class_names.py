"""Land-class names instead of codes: delivered layers that carry only DLMC names, or older
二调 names (有林地, 村庄, 建制镇 …), read as the 三调 code each name stands for.

The 三调 names come from the class table itself (``land_classes.csv``; the 20x 城镇村 codes
excepted, whose names 城市/建制镇/村庄 are 二调 classes); the others from
``resources/land_class_names.csv``, which marks the names 三调 splits over several codes. A
field holds names only where the job says so (``class_values: names``); a value that already is
a code stays as it is, a name nobody lists stays too (and is reported as an unknown code, never
guessed). Every mapping used is counted for the notes.
"""

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional

from ...paths import resources_dir
from ..errors import InputError, Note
from .table_file import read_table_file

NAMES_FILE = "land_class_names.csv"
COLUMNS = ("name", "code", "source", "one_to_one", "note")
SANDIAO = "三调"
CLASS_VALUES = ("codes", "names")  # what a job's class_values may say
SETTLEMENT_TOP_CLASS = "20"


@dataclass(frozen=True)
class ClassName:
    """One name and the 三调 code it stands for."""

    name: str
    code: str
    source: str
    one_to_one: bool
    note: str = ""


def name_key(text) -> str:
    """A name as compared: NFKC, without any white space."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(text)))


class NameTable:
    """Names → :class:`ClassName`."""

    def __init__(self, names: List[ClassName], version: str, sha256: str):
        self._names: Dict[str, ClassName] = {name_key(n.name): n for n in names}
        self.version = version
        self.sha256 = sha256

    def lookup(self, value) -> Optional[ClassName]:
        return self._names.get(name_key(value)) if value is not None else None

    def __len__(self):
        return len(self._names)


def load_name_table(class_table, path=None) -> NameTable:
    """The 三调 names of ``class_table`` and the names file (default
    ``resources/land_class_names.csv``), checked: every code must be in the class table and
    no name may be listed twice. A bad row raises InputError naming the file, row and column."""
    path = Path(path) if path is not None else resources_dir() / NAMES_FILE
    table = read_table_file(path, COLUMNS, "地类名称表")
    label = table.label
    names = [ClassName(c.name, c.code, SANDIAO, True) for c in
             (class_table.lookup(code) for code in class_table.codes)
             if c.top_class != SETTLEMENT_TOP_CLASS]
    seen = {name_key(n.name) for n in names}
    for number, row in enumerate(table.rows, start=2):
        if len(row) != len(COLUMNS):
            raise InputError(f"第 {number} 行有 {len(row)} 列，应为 {len(COLUMNS)} 列（备注中不要用逗号）",
                             layer=label, feature=number)
        entry = dict(zip(COLUMNS, (v.strip() for v in row)))
        code, problem = class_table.check(entry["code"])
        if problem:
            raise InputError(f"地类编码 {entry['code']!r} {problem}", layer=label,
                             feature=entry["name"], field="code")
        if entry["one_to_one"] not in ("是", "否"):
            raise InputError("one_to_one 应为 是 或 否", layer=label, feature=entry["name"],
                             field="one_to_one")
        key = name_key(entry["name"])
        if not key or key in seen:
            raise InputError("名称为空、重复或与三调地类名称相同", layer=label, feature=entry["name"],
                             field="name")
        seen.add(key)
        names.append(ClassName(entry["name"], code, entry["source"], entry["one_to_one"] == "是",
                               entry["note"]))
    return NameTable(names, table.version, table.sha256)


class ClassValueReader:
    """Class values of one field as codes: a valid code as it is, a listed name as its code,
    anything else unchanged; counts each name it mapped."""

    def __init__(self, class_table, names: NameTable):
        self.table = class_table
        self.names = names
        self.used: Counter = Counter()

    def __call__(self, value):
        if value is None or self.table.check(value)[1] is None:
            return value
        found = self.names.lookup(value)
        if found is None:
            return value
        self.used[found] += 1
        return found.code

    def notes(self, label, field) -> List[Note]:
        """One note per name mapped: a warning where 三调 splits the name over several codes."""
        out = []
        for found, count in sorted(self.used.items(), key=lambda t: (-t[1], t[0].name)):
            described = self.table.describe(found.code)
            if found.one_to_one:
                out.append(Note(label, "-", f"{field} 的地类名称“{found.name}”({found.source}) 按 "
                                f"{described} 读取: {count} 个图斑"))
            else:
                out.append(Note(label, "-", f"{field} 的地类名称“{found.name}”({found.source}) 按 "
                                f"{described} 读取: {count} 个图斑；三调并非一一对应 ({found.note})，"
                                "请核实", kind="warning"))
        return out


def codes_if_names(spec, field, values, class_table, notes):
    """``values`` of a class field, with names read as codes where the layer's job entry says
    its class fields hold names (``class_values: names``); the mappings used go to ``notes``."""
    if getattr(spec, "class_values", "codes") != "names":
        return values
    reader = ClassValueReader(class_table, load_name_table(class_table))
    out = [reader(v) for v in values]
    notes.extend(reader.notes(spec.label, field))
    return out
