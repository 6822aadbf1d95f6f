"""The rule file: its declarative YAML schema, read with a safe loader (no tags, no code) and
checked before any data is read. A bad file raises :class:`InputError` naming the file
(``layer``), the rule id (``feature``) and the offending key (``field``)."""

import hashlib
import re
from dataclasses import replace
from pathlib import Path
from typing import List, Optional, Tuple, Union

import yaml

from ...paths import resources_dir
from ..errors import InputError, yaml_problem
from .checker import ValueChecker, type_name
from .classes import ClassTable, load_class_table
from .conditions import (AdminCondition, AreaCondition, AttributeCondition, BaselineCondition,
                         ChangeCondition, Condition, Exemption, GroupCondition, MinArea, Rule,
                         RuleSet)
from .terms import BASELINE_KEY, BASELINES, CHECK, EXEMPTIONS, ILLEGAL

DEFAULT_RULESET = "default.yaml"
RULE_VERDICTS = (ILLEGAL, CHECK)
FLAG_AREAS = ("baseline_free", "baseline", "patch_free", "patch")
SEVERITY_RANGE = (1, 5)
TOP_KEYS = ("id", "version", "description", "min_area", "rules")
RULE_KEYS = ("id", "label", "verdict", "severity", "measure", "when", "exempt", "flag_area", "note")
CONDITION_KEYS = ("before_group", "after_group", "before_group_not", "after_group_not",
                  "before_class", "after_class", "class_changed", "baseline", "attribute",
                  "township", "village", "area_min_m2", "area_max_m2")
ATTRIBUTE_KEYS = ("key", "field", "values")
BASELINE_KEYS = ("key", "part", "min_m2", "min_pct", "min_free_m2", "if_missing")
EXEMPTION_KEYS = ("exemption", "min_pct", "when_after_group", "if_missing")
MIN_AREA_KEYS = ("group", "min_m2")
_RULE_ID = re.compile(r"^[A-Za-z0-9_.\-]+$")


class _UniqueKeyLoader(yaml.SafeLoader):
    """Safe loader that refuses a key given twice in one mapping (YAML would keep the last)."""


def _construct_mapping(loader, node, deep=False):
    seen = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"键 {key!r} 重复", key_node.start_mark)
        seen.add(key)
    return yaml.SafeLoader.construct_mapping(loader, node, deep=deep)


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG,
                                 _construct_mapping)


class RuleFileChecker(ValueChecker):
    """Turns one rule file's parsed YAML into rule objects, raising on the first problem."""

    def baseline(self, value, key: str) -> BaselineCondition:
        data = self.mapping(value, key, BASELINE_KEYS)
        name = self._baseline_key(data, key)
        part = data.get("part", "inside")
        if part not in ("inside", "outside"):
            self.fail("part 应为 inside 或 outside", f"{key}.part")
        limits = {}
        for limit in ("min_m2", "min_pct", "min_free_m2"):
            if data.get(limit) is not None:
                high = 100.0 if limit == "min_pct" else None
                limits[limit] = self.number(data[limit], f"{key}.{limit}", high=high)
        if not limits:
            self.fail("至少需要 min_m2、min_pct 或 min_free_m2 之一", key)
        if_missing = data.get("if_missing", "error")
        if if_missing not in ("error", "skip"):
            self.fail("if_missing 应为 error 或 skip", f"{key}.if_missing")
        return BaselineCondition(key=name, part=part, if_missing=if_missing, **limits)

    def _baseline_key(self, data, key):
        """A known baseline, or a job's own (an ASCII key the job must then define)."""
        name = self.text(self.required(data, "key", f"{key}.key"), f"{key}.key")
        if name not in BASELINES and not BASELINE_KEY.match(name):
            self.fail(f"底线图层的键 {name!r} 无效：应为 {', '.join(BASELINES)} 之一，或任务文件中"
                      "自定义的底线图层键 (小写字母开头，由小写字母、数字和下划线组成)", f"{key}.key")
        return name

    def attribute(self, value, key: str) -> AttributeCondition:
        data = self.mapping(value, key, ATTRIBUTE_KEYS)
        name = self._baseline_key(data, key)
        field = self.text(self.required(data, "field", f"{key}.field"), f"{key}.field")
        values = self.text_list(self.required(data, "values", f"{key}.values"), f"{key}.values")
        return AttributeCondition(name, field, tuple(values))

    def conditions(self, value, key: str) -> Tuple[Condition, ...]:
        data = self.mapping(value, key, CONDITION_KEYS)
        if not data:
            self.fail("至少需要一个条件", key)
        out: List[Condition] = []
        for name in CONDITION_KEYS:
            if name not in data:
                continue
            where = f"{key}.{name}"
            item = data[name]
            if name.endswith("_group") or name.endswith("_group_not"):
                side = name.split("_")[0]
                out.append(GroupCondition(side, self.groups(item, where),
                                          negate=name.endswith("_not")))
            elif name.endswith("_class"):
                out.append(self.class_codes(item, where))
            elif name == "class_changed":
                if not isinstance(item, bool):
                    self.fail(f"应为 true 或 false，实为 {type_name(item)}", where)
                out.append(ChangeCondition(item))
            elif name == "baseline":
                items = item if isinstance(item, list) else [item]
                if not items:
                    self.fail("列表为空", where)
                out += [self.baseline(b, f"{where}[{n}]" if isinstance(item, list) else where)
                        for n, b in enumerate(items)]
            elif name == "attribute":
                items = item if isinstance(item, list) else [item]
                if not items:
                    self.fail("列表为空", where)
                out += [self.attribute(a, f"{where}[{n}]" if isinstance(item, list) else where)
                        for n, a in enumerate(items)]
            elif name in ("township", "village"):
                out.append(AdminCondition(name, tuple(self.text_list(item, where))))
        if "area_min_m2" in data or "area_max_m2" in data:
            low = data.get("area_min_m2")
            high = data.get("area_max_m2")
            out.append(AreaCondition(
                min_m2=None if low is None else self.number(low, f"{key}.area_min_m2"),
                max_m2=None if high is None else self.number(high, f"{key}.area_max_m2")))
        return tuple(out)

    def exemptions(self, value, key: str) -> Tuple[Exemption, ...]:
        if value is None:
            return ()
        if not isinstance(value, list):
            self.fail(f"应为列表，实为 {type_name(value)}", key)
        out = []
        for n, item in enumerate(value):
            where = f"{key}[{n}]"
            data = self.mapping(item, where, EXEMPTION_KEYS)
            name = self.text(self.required(data, "exemption", f"{where}.exemption"),
                             f"{where}.exemption")
            if name not in EXEMPTIONS:
                self.fail(f"未知的豁免图层 {name!r}；可用：{', '.join(EXEMPTIONS)}",
                          f"{where}.exemption")
            pct = self.number(self.required(data, "min_pct", f"{where}.min_pct"),
                              f"{where}.min_pct", high=100.0)
            groups = ()
            if data.get("when_after_group") is not None:
                groups = self.groups(data["when_after_group"], f"{where}.when_after_group")
            if_missing = data.get("if_missing", "undecided")
            if if_missing not in ("undecided", "ignore"):
                self.fail("if_missing 应为 undecided 或 ignore", f"{where}.if_missing")
            out.append(Exemption(name, pct, groups, if_missing))
        return tuple(out)

    def rule(self, value, number: int) -> Rule:
        self.rule_id = f"第 {number} 条规则"
        if isinstance(value, dict) and isinstance(value.get("id"), str):
            self.rule_id = value["id"]
        data = self.mapping(value, "", RULE_KEYS)
        rule_id = self.text(self.required(data, "id", "id"), "id")
        if not _RULE_ID.match(rule_id):
            self.fail("规则 id 只能用字母、数字、_ . -", "id")
        label = self.text(self.required(data, "label", "label"), "label")
        verdict = self.required(data, "verdict", "verdict")
        if verdict not in RULE_VERDICTS:
            self.fail(f"verdict 应为 {' 或 '.join(RULE_VERDICTS)}", "verdict")
        severity = self.required(data, "severity", "severity")
        if isinstance(severity, bool) or not isinstance(severity, int):
            self.fail(f"severity 应为整数，实为 {type_name(severity)}", "severity")
        if not SEVERITY_RANGE[0] <= severity <= SEVERITY_RANGE[1]:
            self.fail(f"severity 应在 {SEVERITY_RANGE[0]}–{SEVERITY_RANGE[1]} 之间", "severity")
        measure = self.text(self.required(data, "measure", "measure"), "measure")
        conditions = self.conditions(self.required(data, "when", "when"), "when")
        exemptions = self.exemptions(data.get("exempt"), "exempt")
        has_baseline = any(isinstance(c, BaselineCondition) for c in conditions)
        flag_area = data.get("flag_area", "baseline_free" if has_baseline else "patch_free")
        if flag_area not in FLAG_AREAS:
            self.fail(f"flag_area 应为 {', '.join(FLAG_AREAS)} 之一", "flag_area")
        if flag_area.startswith("baseline") and not has_baseline:
            self.fail("flag_area 取底线面积时规则须有 baseline 条件", "flag_area")
        note = data.get("note") or ""
        if not isinstance(note, str):
            self.fail("note 应为文本", "note")
        return Rule(rule_id, label, verdict, severity, measure, conditions, exemptions,
                    flag_area, note)

    def min_area(self, value) -> Tuple[MinArea, ...]:
        self.rule_id = "min_area"
        if value is None:
            return ()
        if not isinstance(value, list):
            self.fail(f"应为列表，实为 {type_name(value)}", "min_area")
        out = []
        for n, item in enumerate(value):
            where = f"min_area[{n}]"
            data = self.mapping(item, where, MIN_AREA_KEYS)
            group = self.groups(self.required(data, "group", f"{where}.group"), f"{where}.group")
            if len(group) != 1:
                self.fail("每项只能写一个分组", f"{where}.group")
            min_m2 = self.required(data, "min_m2", f"{where}.min_m2")
            out.append(MinArea(group[0], self.number(min_m2, f"{where}.min_m2")))
        self.rule_id = None
        return tuple(out)


def parse_ruleset(text: Union[str, bytes], path: str = "<rules>",
                  class_table: Optional[ClassTable] = None) -> RuleSet:
    """Validate rule-file text and build the :class:`RuleSet` (see :func:`load_ruleset`)."""
    raw = text.encode("utf-8") if isinstance(text, str) else text
    table = class_table if class_table is not None else load_class_table()
    try:
        data = yaml.load(raw.decode("utf-8-sig"), Loader=_UniqueKeyLoader)
    except UnicodeDecodeError as error:
        raise InputError("规则文件不是 UTF-8 编码的文本", file=path) from error
    except yaml.constructor.ConstructorError as error:
        line = error.problem_mark.line + 1
        # Our own duplicate-key check words its problem in Chinese; PyYAML's tag refusal not.
        problem = error.problem if "重复" in error.problem else "含有不允许的 YAML 标签（只能写键、值与列表）"
        raise InputError(f"第 {line} 行{problem}", file=path) from error
    except yaml.YAMLError as error:
        raise InputError(f"规则文件{yaml_problem(error)}", file=path) from error
    checker = RuleFileChecker(path, table)
    checker.mapping(data, "", TOP_KEYS)
    ruleset_id = checker.text(checker.required(data, "id", "id"), "id")
    version = checker.text(checker.required(data, "version", "version"), "version")
    description = data.get("description") or ""
    if not isinstance(description, str):
        checker.fail("description 应为文本", "description")
    min_area = checker.min_area(data.get("min_area"))
    items = checker.required(data, "rules", "rules")
    if not isinstance(items, list) or not items:
        checker.fail("rules 应为非空列表", "rules")
    rules = []
    for number, item in enumerate(items, start=1):
        rule = checker.rule(item, number)
        if any(r.id == rule.id for r in rules):
            checker.fail("规则 id 重复", "id")
        rules.append(rule)
    return RuleSet(id=ruleset_id, version=version, description=description.strip(),
                   sha256=hashlib.sha256(raw).hexdigest(), path=path,
                   rules=tuple(replace(r, source=path) for r in rules), min_area=min_area)


def load_ruleset(path: Union[str, Path, None] = None,
                 class_table: Optional[ClassTable] = None) -> RuleSet:
    """Read and validate a rule file (default ``resources/rules/default.yaml``).

    Group names and class codes are checked against ``class_table`` (default: the packaged
    table). Any problem raises :class:`InputError` with ``layer`` = the file, ``feature`` = the
    rule id (or ``第 N 条规则`` / ``min_area``) and ``field`` = the key path, e.g.
    ``when.baseline.key`` or ``exempt[0].min_pct``.
    """
    path = Path(path) if path is not None else resources_dir() / "rules" / DEFAULT_RULESET
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise InputError(f"无法读取规则文件：{error.strerror or error}", file=str(path)) from error
    return parse_ruleset(raw, str(path), class_table)
