"""Checking the values of a parsed rule file, each failure an InputError naming file, rule and key."""

import re
from typing import List, Optional, Sequence, Tuple

from ..errors import InputError
from .classes import ClassTable
from .conditions import ClassCondition

_PREFIX = re.compile(r"^[0-9A-Z]{1,4}\*$")


class ValueChecker:
    """Checks the values of one rule file, raising on the first problem; ``rule_id`` names the
    rule being read."""

    def __init__(self, path: str, class_table: ClassTable):
        self.path = path
        self.table = class_table
        self.rule_id: Optional[object] = None

    def fail(self, message: str, key: str):
        raise InputError(message, file=self.path, feature=self.rule_id, field=key)

    def mapping(self, value, key: str, allowed: Sequence[str]) -> dict:
        if not isinstance(value, dict):
            self.fail(f"应为键值映射，实为 {type_name(value)}", key)
        for name in value:
            if name not in allowed:
                self.fail(f"未知的键 {name!r}；可用的键：{', '.join(allowed)}",
                          f"{key}.{name}" if key else str(name))
        return value

    def required(self, data: dict, name: str, key: str):
        if name not in data or data[name] is None:
            self.fail(f"缺少必填键 {name!r}", key)
        return data[name]

    def text(self, value, key: str) -> str:
        if not isinstance(value, str) or not value.strip():
            self.fail(f"应为非空文本，实为 {type_name(value)}（数字请加引号）", key)
        return value.strip()

    def number(self, value, key: str, low: float = 0.0, high: Optional[float] = None) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value:
            self.fail(f"应为数字，实为 {type_name(value)}", key)
        if value < low or (high is not None and value > high):
            bounds = f"{low:g}–{high:g}" if high is not None else f"≥ {low:g}"
            self.fail(f"数值 {value} 超出范围（{bounds}）", key)
        return float(value)

    def text_list(self, value, key: str) -> List[str]:
        items = value if isinstance(value, list) else [value]
        if not items:
            self.fail("列表为空", key)
        return [self.text(item, f"{key}[{n}]" if isinstance(value, list) else key)
                for n, item in enumerate(items)]

    def groups(self, value, key: str) -> Tuple[str, ...]:
        out = []
        for name in self.text_list(value, key):
            try:
                out.append(self.table.resolve_group(name))
            except KeyError:
                self.fail(f"未知的地类分组 {name!r}；可用：{', '.join(sorted(self.table.group_names))}",
                          key)
        return tuple(out)

    def class_codes(self, value, key: str) -> ClassCondition:
        items = value if isinstance(value, list) else [value]
        codes, prefixes = [], []
        for item in items:
            if not isinstance(item, str):
                self.fail(f"地类编码 {item!r} 必须加引号写成文本（YAML 会把 0101 读成数字）", key)
            text = item.strip().upper()
            if text.endswith("*"):
                if not _PREFIX.match(text):
                    self.fail(f"编码前缀 {item!r} 应为 1–4 位数字或字母加 *（如 01*）", key)
                prefixes.append(text[:-1])
                continue
            normalised, problem = self.table.check(text)
            if problem:
                self.fail(f"地类编码 {item!r} {problem}", key)
            codes.append(normalised)
        return ClassCondition(key.split(".")[-1].split("_")[0], tuple(codes), tuple(prefixes))


def type_name(value) -> str:
    return {bool: "布尔值", int: "整数", float: "小数", str: "文本", list: "列表", dict: "映射",
            type(None): "空值"}.get(type(value), type(value).__name__)
