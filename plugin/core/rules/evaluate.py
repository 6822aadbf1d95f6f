"""Violation rules: the rule-file schema, evaluation over the overlay table, and the reasons.

A rule file is YAML read with a safe loader (no tags, no code) and checked against a small
declarative schema before any data is read; a bad file raises :class:`InputError` naming the
file (``layer``), the rule id (``feature``) and the offending key (``field``).

Evaluation works on the overlay engine's table, one row per patch (see :func:`evaluate`), with
three-valued logic: a condition is true, false or unknown for a patch (unknown when the patch
lacks the value, e.g. no after-class code). Decisions, in this order (the published
determination order 合法 → 设施农用地 → 农村道路 → 其他 → 非农违法 is the rule order of the default
file, and exemptions are checked for every rule before it may fire):

1. a malformed or unknown land-class code → 需核实 (reported, never guessed);
2. a patch under the mapping threshold of its after class → 低于上图面积 (kept, with the rules it
   fired still listed);
3. otherwise the first rule that fired (rule order is priority) gives the verdict, label,
   severity and measure; a rule whose exemption could not be checked because the job lacks that
   exemption layer fires as 需核实 (unless the clause says ``if_missing: ignore``);
4. no rule fired but one could not be decided for want of data → 需核实;
5. otherwise 合法 (saying which exemption cleared which rule, if any).

A baseline layer the job did not provide (no ``K_m2`` column) puts the rules that need it out of
scope: they never fire, and the reason of a patch they would otherwise have applied to says the
layer was not provided. Missing exemption layers are different: they leave a violation
unconfirmed, so they make it 需核实, because legality cannot be checked without them.
"""

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Mapping, NamedTuple, Optional, Sequence, Tuple, Union

import numpy as np
import pandas as pd
import yaml

from ..overlay.areas import MU_PER_M2
from ...paths import resources_dir
from .classes import GROUP_LABELS, ClassTable, is_missing, load_class_table
from ..errors import InputError

DEFAULT_RULESET = "default.yaml"

BASELINES = {"farmland": "耕地", "basic_farmland": "永久基本农田", "red_line": "生态保护红线",
             "urban_boundary": "城镇开发边界"}
EXEMPTIONS = {"approved": "批准用地", "facility_agri": "设施农用地备案", "temporary": "临时用地"}
# What an exemption layer cannot tell, said whenever that exemption clears a patch.
EXEMPTION_CAVEATS = {"temporary": "临时用地是否仍在批准期限内无法从图层判断，请核对批文期限"}

ILLEGAL, LEGAL, CHECK, BELOW = "违法", "合法", "需核实", "低于上图面积"
RULE_VERDICTS = (ILLEGAL, CHECK)
FLAG_AREAS = ("baseline_free", "baseline", "patch_free", "patch")
SEVERITY_RANGE = (1, 5)
REQUIRED_COLUMNS = ("patch_id", "area_m2", "before_class", "after_class")
OUTPUT_COLUMNS = ("verdict", "violation_type", "rule_ids", "severity", "measure",
                  "flag_area_m2", "flag_area_mu", "reason")
OVERLAY = "叠加分析结果"
# Comparisons against thresholds forgive float rounding of the overlay (95 % computed as 94.9999…).
EPSILON = 1e-9

TOP_KEYS = ("id", "version", "description", "min_area", "rules")
RULE_KEYS = ("id", "label", "verdict", "severity", "measure", "when", "exempt", "flag_area", "note")
CONDITION_KEYS = ("before_group", "after_group", "before_group_not", "after_group_not",
                  "before_class", "after_class", "baseline", "township", "village",
                  "area_min_m2", "area_max_m2")
BASELINE_KEYS = ("key", "part", "min_m2", "min_pct", "min_free_m2")
EXEMPTION_KEYS = ("exemption", "min_pct", "when_after_group", "if_missing")
MIN_AREA_KEYS = ("group", "min_m2")
SIDES = {"before": "变化前地类", "after": "变化后地类"}
_RULE_ID = re.compile(r"^[A-Za-z0-9_.\-]+$")
_PREFIX = re.compile(r"^[0-9A-Z]{1,4}\*$")


# ---------------------------------------------------------------------------------------------
# Three-valued logic over patches


class Tri(NamedTuple):
    """Per patch: ``true`` where a condition certainly holds, ``false`` where it certainly does
    not; neither means unknown."""

    true: np.ndarray
    false: np.ndarray

    @property
    def unknown(self) -> np.ndarray:
        return ~self.true & ~self.false


def _const(n: int, value: Optional[bool]) -> Tri:
    return Tri(np.full(n, value is True), np.full(n, value is False))


def _all(tris: Sequence[Tri], n: int) -> Tri:
    result = _const(n, True)
    for tri in tris:
        result = Tri(result.true & tri.true, result.false | tri.false)
    return result


def _any(tris: Sequence[Tri], n: int) -> Tri:
    result = _const(n, False)
    for tri in tris:
        result = Tri(result.true | tri.true, result.false & tri.false)
    return result


def _at_least(values: np.ndarray, threshold: float) -> Tri:
    known = ~np.isnan(values)
    with np.errstate(invalid="ignore"):
        ok = values >= threshold - EPSILON
    return Tri(known & ok, known & ~ok)


def _at_most(values: np.ndarray, threshold: float) -> Tri:
    known = ~np.isnan(values)
    with np.errstate(invalid="ignore"):
        ok = values <= threshold + EPSILON
    return Tri(known & ok, known & ~ok)


# ---------------------------------------------------------------------------------------------
# The overlay table as the conditions see it


class _Patches:
    """The overlay table with land-class codes checked once and areas as float arrays."""

    def __init__(self, frame: pd.DataFrame, class_table: ClassTable):
        missing = [c for c in REQUIRED_COLUMNS if c not in frame.columns]
        if missing:
            raise InputError(f"叠加分析结果缺少列 {', '.join(missing)}", layer=OVERLAY,
                             field=missing[0])
        self.frame = frame
        self.table = class_table
        self.n = len(frame)
        self.ids = frame["patch_id"].to_numpy(dtype=object)
        self.area = self.number("area_m2")
        self.codes = {}
        for side in SIDES:
            self.codes[side] = self._check_codes(frame[f"{side}_class"].to_numpy(dtype=object))
        self.exemption_keys = [k for k in EXEMPTIONS if f"{k}_pct" in frame or f"{k}_m2" in frame]
        self.free = self._free_area("free_m2", self.area)
        self._groups: Dict[Tuple[str, str], Tri] = {}

    def _check_codes(self, raw: np.ndarray):
        normalised = np.empty(self.n, dtype=object)
        problems = np.empty(self.n, dtype=object)
        missing = np.zeros(self.n, dtype=bool)
        cache = {}
        for i, value in enumerate(raw):
            if is_missing(value):
                missing[i] = True
                continue
            key = (type(value).__name__, value)
            if key not in cache:
                cache[key] = self.table.check(value)
            normalised[i], problems[i] = cache[key]
        return {"raw": raw, "code": normalised, "problem": problems, "missing": missing}

    def number(self, column: str) -> np.ndarray:
        return pd.to_numeric(self.frame[column], errors="coerce").to_numpy(dtype=float)

    def _free_area(self, column: str, fallback: np.ndarray) -> np.ndarray:
        if column in self.frame:
            return self.number(column)
        if self.exemption_keys:
            raise InputError("有豁免图层时叠加分析结果必须给出该列", layer=OVERLAY, field=column)
        return fallback

    def has_baseline(self, key: str) -> bool:
        return f"{key}_m2" in self.frame

    def has_exemption(self, key: str) -> bool:
        return key in self.exemption_keys

    def baseline_m2(self, key: str) -> np.ndarray:
        return self.number(f"{key}_m2")

    def baseline_pct(self, key: str) -> np.ndarray:
        if f"{key}_pct" in self.frame:
            return self.number(f"{key}_pct")
        with np.errstate(invalid="ignore", divide="ignore"):
            return 100.0 * self.baseline_m2(key) / self.area

    def baseline_free_m2(self, key: str) -> np.ndarray:
        return self._free_area(f"{key}_free_m2", self.baseline_m2(key))

    def exemption_pct(self, key: str) -> np.ndarray:
        if f"{key}_pct" in self.frame:
            return self.number(f"{key}_pct")
        with np.errstate(invalid="ignore", divide="ignore"):
            return 100.0 * self.number(f"{key}_m2") / self.area

    def text(self, column: str) -> np.ndarray:
        if column not in self.frame:
            return np.full(self.n, None, dtype=object)
        return self.frame[column].to_numpy(dtype=object)

    def in_groups(self, side: str, groups: Sequence[str]) -> Tri:
        key = (side, ",".join(sorted(groups)))
        if key not in self._groups:
            codes = self.codes[side]["code"]
            known = np.array([c is not None for c in codes], dtype=bool)
            member = {c: bool(self.table.groups(c) & set(groups))
                      for c in set(codes[known].tolist())}
            hit = np.array([member.get(c, False) for c in codes], dtype=bool)
            self._groups[key] = Tri(known & hit, known & ~hit)
        return self._groups[key]

    def describe(self, side: str, i: int) -> str:
        codes = self.codes[side]
        if codes["missing"][i]:
            return "未提供"
        if codes["code"][i] is None:
            return f"“{codes['raw'][i]}”（无法识别）"
        return self.table.describe(codes["code"][i])


# ---------------------------------------------------------------------------------------------
# Rule objects


@dataclass(frozen=True)
class GroupCondition:
    """The before or after class is in any of the groups (or, negated, in none of them)."""

    side: str
    groups: Tuple[str, ...]
    negate: bool = False

    def evaluate(self, patches: _Patches) -> Tri:
        tri = patches.in_groups(self.side, self.groups)
        return Tri(tri.false, tri.true) if self.negate else tri

    def why_unknown(self, patches: _Patches, i: int) -> str:
        return f"缺少{SIDES[self.side]}"


@dataclass(frozen=True)
class ClassCondition:
    """The before or after code is one of the codes (a suffix variant matches its base code) or
    starts with one of the prefixes."""

    side: str
    codes: Tuple[str, ...]
    prefixes: Tuple[str, ...]

    def evaluate(self, patches: _Patches) -> Tri:
        codes = patches.codes[self.side]["code"]
        hit = np.zeros(patches.n, dtype=bool)
        known = np.zeros(patches.n, dtype=bool)
        wanted = set(self.codes)
        matches: Dict[str, bool] = {}
        for i, code in enumerate(codes):
            if code is None:
                continue
            if code not in matches:
                base = patches.table.lookup(code).base
                matches[code] = (code in wanted or base in wanted
                                 or any(code.startswith(p) for p in self.prefixes))
            known[i] = True
            hit[i] = matches[code]
        return Tri(known & hit, known & ~hit)

    def why_unknown(self, patches: _Patches, i: int) -> str:
        return f"缺少{SIDES[self.side]}"


@dataclass(frozen=True)
class BaselineCondition:
    """Overlap of the patch with a baseline (``part: inside``) or the part outside it."""

    key: str
    part: str = "inside"
    min_m2: Optional[float] = None
    min_pct: Optional[float] = None
    min_free_m2: Optional[float] = None

    def areas(self, patches: _Patches):
        """(part m², part % of the patch, part m² not covered by any exemption)."""
        m2 = patches.baseline_m2(self.key)
        pct = patches.baseline_pct(self.key)
        free = patches.baseline_free_m2(self.key)
        if self.part == "outside":
            return (np.clip(patches.area - m2, 0, None), np.clip(100.0 - pct, 0, None),
                    np.clip(patches.free - free, 0, None))
        return m2, pct, free

    def evaluate(self, patches: _Patches) -> Tri:
        m2, pct, free = self.areas(patches)
        checks = [_at_least(values, limit) for values, limit in
                  ((m2, self.min_m2), (pct, self.min_pct), (free, self.min_free_m2))
                  if limit is not None]
        return _all(checks, patches.n)

    def why_unknown(self, patches: _Patches, i: int) -> str:
        return f"{BASELINES[self.key]}叠加面积缺失"


@dataclass(frozen=True)
class AdminCondition:
    """The patch's township or village (code or name, as the overlay gives it) is listed."""

    column: str
    values: Tuple[str, ...]

    def evaluate(self, patches: _Patches) -> Tri:
        raw = patches.text(self.column)
        known = np.array([not is_missing(v) for v in raw], dtype=bool)
        wanted = set(self.values)
        hit = np.array([str(v).strip() in wanted if k else False for v, k in zip(raw, known)],
                       dtype=bool)
        return Tri(known & hit, known & ~hit)

    def why_unknown(self, patches: _Patches, i: int) -> str:
        return "缺少乡镇信息" if self.column == "township" else "缺少行政村信息"


@dataclass(frozen=True)
class AreaCondition:
    """Patch area (ellipsoidal m²) at least ``min_m2`` and/or at most ``max_m2``."""

    min_m2: Optional[float] = None
    max_m2: Optional[float] = None

    def evaluate(self, patches: _Patches) -> Tri:
        checks = []
        if self.min_m2 is not None:
            checks.append(_at_least(patches.area, self.min_m2))
        if self.max_m2 is not None:
            checks.append(_at_most(patches.area, self.max_m2))
        return _all(checks, patches.n)

    def why_unknown(self, patches: _Patches, i: int) -> str:
        return "缺少图斑面积"


@dataclass(frozen=True)
class Exemption:
    """Legal cover that clears a rule: the exemption layer covers at least ``min_pct`` % of the
    patch (and, with ``when_after_group``, only when the after class is in those groups)."""

    key: str
    min_pct: float
    when_after_group: Tuple[str, ...] = ()
    if_missing: str = "undecided"

    def evaluate(self, patches: _Patches) -> Tri:
        if patches.has_exemption(self.key):
            tri = _at_least(patches.exemption_pct(self.key), self.min_pct)
        else:
            tri = _const(patches.n, False if self.if_missing == "ignore" else None)
        if self.when_after_group:
            tri = _all([tri, patches.in_groups("after", self.when_after_group)], patches.n)
        return tri

    @property
    def label(self) -> str:
        return EXEMPTIONS[self.key]


Condition = Union[GroupCondition, ClassCondition, BaselineCondition, AdminCondition,
                  AreaCondition]


@dataclass(frozen=True)
class Rule:
    id: str
    label: str
    verdict: str
    severity: int
    measure: str
    conditions: Tuple[Condition, ...]
    exemptions: Tuple[Exemption, ...] = ()
    flag_area: str = "patch_free"
    note: str = ""

    @property
    def baselines(self) -> Tuple[BaselineCondition, ...]:
        return tuple(c for c in self.conditions if isinstance(c, BaselineCondition))


@dataclass(frozen=True)
class MinArea:
    """上图面积: patches whose after class is in ``group`` are below threshold under ``min_m2``."""

    group: str
    min_m2: float


@dataclass(frozen=True)
class RuleSet:
    id: str
    version: str
    description: str
    sha256: str
    path: Optional[str]
    rules: Tuple[Rule, ...]
    min_area: Tuple[MinArea, ...] = ()

    def rule(self, rule_id: str) -> Rule:
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        raise KeyError(rule_id)


# ---------------------------------------------------------------------------------------------
# Loading and validating a rule file


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


class _Checker:
    """Turns one rule file's parsed YAML into rule objects, raising on the first problem."""

    def __init__(self, path: str, class_table: ClassTable):
        self.path = path
        self.table = class_table
        self.rule_id: Optional[object] = None

    def fail(self, message: str, key: str):
        raise InputError(message, layer=self.path, feature=self.rule_id, field=key)

    def mapping(self, value, key: str, allowed: Sequence[str]) -> dict:
        if not isinstance(value, dict):
            self.fail(f"应为键值映射，实为 {_type_name(value)}", key)
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
            self.fail(f"应为非空文本，实为 {_type_name(value)}（数字请加引号）", key)
        return value.strip()

    def number(self, value, key: str, low: float = 0.0, high: Optional[float] = None) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value:
            self.fail(f"应为数字，实为 {_type_name(value)}", key)
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

    def baseline(self, value, key: str) -> BaselineCondition:
        data = self.mapping(value, key, BASELINE_KEYS)
        name = self.text(self.required(data, "key", f"{key}.key"), f"{key}.key")
        if name not in BASELINES:
            self.fail(f"未知的底线图层 {name!r}；可用：{', '.join(BASELINES)}", f"{key}.key")
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
        return BaselineCondition(key=name, part=part, **limits)

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
            elif name == "baseline":
                items = item if isinstance(item, list) else [item]
                if not items:
                    self.fail("列表为空", where)
                out += [self.baseline(b, f"{where}[{n}]" if isinstance(item, list) else where)
                        for n, b in enumerate(items)]
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
            self.fail(f"应为列表，实为 {_type_name(value)}", key)
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
            self.fail(f"severity 应为整数，实为 {_type_name(severity)}", "severity")
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
            self.fail(f"应为列表，实为 {_type_name(value)}", "min_area")
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


def _type_name(value) -> str:
    return {bool: "布尔值", int: "整数", float: "小数", str: "文本", list: "列表", dict: "映射",
            type(None): "空值"}.get(type(value), type(value).__name__)


def parse_ruleset(text: Union[str, bytes], path: str = "<rules>",
                  class_table: Optional[ClassTable] = None) -> RuleSet:
    """Validate rule-file text and build the :class:`RuleSet` (see :func:`load_ruleset`)."""
    raw = text.encode("utf-8") if isinstance(text, str) else text
    table = class_table if class_table is not None else load_class_table()
    try:
        data = yaml.load(raw.decode("utf-8-sig"), Loader=_UniqueKeyLoader)
    except (yaml.YAMLError, UnicodeDecodeError) as error:
        raise InputError(f"不是有效的 YAML：{error}", layer=path) from error
    checker = _Checker(path, table)
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
                   sha256=hashlib.sha256(raw).hexdigest(), path=path, rules=tuple(rules),
                   min_area=min_area)


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
        raise InputError(f"无法读取规则文件：{error}", layer=str(path)) from error
    return parse_ruleset(raw, str(path), class_table)


def _min_area_from_argument(value, class_table: ClassTable) -> Tuple[MinArea, ...]:
    pairs = value.items() if isinstance(value, Mapping) else value
    out = []
    for group, min_m2 in pairs:
        try:
            out.append(MinArea(class_table.resolve_group(group), float(min_m2)))
        except KeyError as error:
            raise InputError(f"未知的地类分组 {group!r}", layer="min_area_rules",
                             field="group") from error
    return tuple(out)


# ---------------------------------------------------------------------------------------------
# Evaluation


@dataclass
class _Outcome:
    """One rule over all patches."""

    rule: Rule
    missing_baselines: Tuple[str, ...]
    parts: List[Tuple[Condition, Tri]]
    exempt: List[Tuple[Exemption, Tri]]
    fired: np.ndarray
    unsure: np.ndarray
    cleared: np.ndarray
    undecided: np.ndarray
    out_of_scope: np.ndarray
    flag: np.ndarray


def _evaluate_rule(rule: Rule, patches: _Patches) -> _Outcome:
    n = patches.n
    missing = tuple(dict.fromkeys(b.key for b in rule.baselines
                                  if not patches.has_baseline(b.key)))
    parts = [(c, c.evaluate(patches)) for c in rule.conditions
             if not (isinstance(c, BaselineCondition) and c.key in missing)]
    match = _all([tri for _, tri in parts], n)
    out_of_scope = np.zeros(n, dtype=bool)
    if missing:
        out_of_scope = ~match.false
        match = _const(n, False)
    exempt = [(e, e.evaluate(patches)) for e in rule.exemptions]
    cleared_by = _any([tri for _, tri in exempt], n)
    fired = match.true & ~cleared_by.true
    return _Outcome(
        rule=rule, missing_baselines=missing, parts=parts, exempt=exempt, fired=fired,
        unsure=fired & ~cleared_by.false, cleared=~match.false & cleared_by.true,
        undecided=match.unknown & ~cleared_by.true, out_of_scope=out_of_scope,
        flag=np.full(n, np.nan) if missing else _flag_area(rule, patches))


def _flag_area(rule: Rule, patches: _Patches) -> np.ndarray:
    if rule.flag_area.startswith("baseline"):
        m2, _, free = rule.baselines[0].areas(patches)
        return free if rule.flag_area == "baseline_free" else m2
    return patches.free if rule.flag_area == "patch_free" else patches.area


def _thresholds(patches: _Patches, min_area: Sequence[MinArea]):
    limit = np.full(patches.n, np.nan)
    group = np.full(patches.n, None, dtype=object)
    for entry in min_area:
        hit = patches.in_groups("after", (entry.group,)).true & np.isnan(limit)
        limit[hit] = entry.min_m2
        group[hit] = entry.group
    with np.errstate(invalid="ignore"):
        below = patches.area < limit - EPSILON
    return below, limit, group


def _area(m2: float, extra: str = "") -> str:
    return f"{m2:.2f} m²（{m2 * MU_PER_M2:.2f} 亩{extra}）"


def _fired_sentence(outcome: _Outcome, patches: _Patches, i: int) -> str:
    rule = outcome.rule
    parts = [f"{rule.label}：图斑 {_area(patches.area[i])}，由 {patches.describe('before', i)}"
             f" 变为 {patches.describe('after', i)}"]
    for baseline in rule.baselines:
        m2, pct, _ = baseline.areas(patches)
        name = BASELINES[baseline.key]
        if baseline.part == "outside":
            parts.append(f"位于{name}外 {_area(m2[i])}")
        else:
            parts.append(f"位于{name}内 {_area(m2[i], f'，占图斑 {pct[i]:.2f}%')}")
    if patches.exemption_keys and rule.flag_area.endswith("free"):
        parts.append(f"其中无用地手续覆盖的 {_area(outcome.flag[i])}计为问题面积")
    else:
        parts.append(f"问题面积 {_area(outcome.flag[i])}")
    for exemption, tri in outcome.exempt:
        if exemption.when_after_group and not patches.in_groups(
                "after", exemption.when_after_group).true[i]:
            continue
        if not patches.has_exemption(exemption.key):
            tail = "，无法核对是否有此手续" if exemption.if_missing == "undecided" else ""
            parts.append(f"未提供{exemption.label}图层{tail}")
        else:
            pct = patches.exemption_pct(exemption.key)[i]
            shown = "缺失" if np.isnan(pct) else f"{pct:.2f}%"
            parts.append(f"{exemption.label}覆盖 {shown}，不足 {exemption.min_pct:g}%，不予排除")
    return "，".join(parts)


def _cleared_sentence(outcomes: List[_Outcome], patches: _Patches, i: int) -> str:
    cleared = [o for o in outcomes if o.cleared[i]]
    first = cleared[0]
    exemption = next(e for e, tri in first.exempt if tri.true[i])
    pct = patches.exemption_pct(exemption.key)[i]
    labels = "、".join(f"“{o.rule.label}”" for o in cleared)
    text = (f"{exemption.label}覆盖图斑 {pct:.2f}%（不低于 {exemption.min_pct:g}%），"
            f"排除{labels}")
    caveat = EXEMPTION_CAVEATS.get(exemption.key)
    return f"{text}（{caveat}）" if caveat else text


def _out_of_scope_note(outcomes: List[_Outcome], i: int) -> str:
    notes = {}
    for outcome in outcomes:
        if outcome.out_of_scope[i]:
            for key in outcome.missing_baselines:
                notes.setdefault(key, []).append(f"“{outcome.rule.label}”")
    return "；".join(f"未提供{BASELINES[k]}图层，未核查{'、'.join(v)}" for k, v in notes.items())


def _sentence(*parts: str) -> str:
    return "；".join(p for p in parts if p) + "。"


def class_problems(frame: pd.DataFrame, class_table: ClassTable) -> pd.DataFrame:
    """Malformed or unknown land-class codes, one row per problem.

    Columns: ``patch_id``, ``field`` (``before_class`` / ``after_class``), ``code`` (the value
    as given, as text), ``problem`` (Chinese). Missing codes are not listed: a rule that needs a
    missing code is undecided, which :func:`evaluate` reports as 需核实.
    """
    patches = _Patches(frame, class_table)
    rows = []
    for i in range(patches.n):
        for side in SIDES:
            problem = patches.codes[side]["problem"][i]
            if problem is not None:
                rows.append({"patch_id": patches.ids[i], "field": f"{side}_class",
                             "code": str(patches.codes[side]["raw"][i]), "problem": problem})
    return pd.DataFrame(rows, columns=["patch_id", "field", "code", "problem"])


def metadata(ruleset: RuleSet, class_table: ClassTable) -> Dict[str, str]:
    """What a verdict depends on, for the result's metadata table."""
    return {"ruleset_id": ruleset.id, "ruleset_version": ruleset.version,
            "ruleset_sha256": ruleset.sha256, "ruleset_path": ruleset.path or "",
            "class_table_version": class_table.version,
            "class_table_sha256": class_table.sha256}


def evaluate(frame: pd.DataFrame, ruleset: RuleSet, class_table: ClassTable,
             min_area_rules: Union[None, Mapping[str, float],
                                   Sequence[Tuple[str, float]]] = None) -> pd.DataFrame:
    """A copy of the overlay table with the verdict columns added.

    ``frame`` has one row per patch: ``patch_id``, ``area_m2``, ``before_class``,
    ``after_class`` (DLBM text or None), optional ``township``/``village``, and for each
    baseline key K the job provides ``K_m2``, ``K_pct`` (0–100) and ``K_free_m2``; for each
    exemption key E ``E_m2``/``E_pct``; and ``free_m2``.

    ``min_area_rules`` overrides the rule set's 上图面积 list: ``{group: min_m2}`` or
    ``[(group, min_m2), ...]``, first group matching the after class wins; ``[]`` turns the
    check off.

    Adds ``verdict`` (违法/合法/需核实/低于上图面积), ``violation_type`` (top rule's label, "" if
    none), ``rule_ids`` (fired rule ids in rule order, comma-separated), ``severity`` (Int64,
    1–5, 5 most severe; NA if no rule), ``measure``, ``flag_area_m2``/``flag_area_mu`` (the area
    the verdict is about, e.g. the unapproved part inside basic farmland) and ``reason`` (one
    Chinese sentence). ``result.attrs["rules"]`` holds :func:`metadata` plus the rules put out
    of scope by missing baseline layers.
    """
    patches = _Patches(frame, class_table)
    min_area = (ruleset.min_area if min_area_rules is None
                else _min_area_from_argument(min_area_rules, class_table))
    outcomes = [_evaluate_rule(rule, patches) for rule in ruleset.rules]
    below, limit, limit_group = _thresholds(patches, min_area)

    columns = {name: [] for name in OUTPUT_COLUMNS}
    for i in range(patches.n):
        verdict, label, severity, measure, flag, reason = _decide(
            i, patches, outcomes, below[i], limit[i], limit_group[i])
        fired = [o.rule.id for o in outcomes if o.fired[i]]
        columns["verdict"].append(verdict)
        columns["violation_type"].append(label)
        columns["rule_ids"].append(",".join(fired))
        columns["severity"].append(severity)
        columns["measure"].append(measure)
        columns["flag_area_m2"].append(flag)
        columns["flag_area_mu"].append(flag * MU_PER_M2)
        columns["reason"].append(reason)

    result = frame.copy()
    for name in OUTPUT_COLUMNS:
        values = columns[name]
        if name == "severity":
            result[name] = pd.array(values, dtype="Int64")
        elif name.startswith("flag_area"):
            result[name] = np.asarray(values, dtype=float)
        else:
            result[name] = pd.Series(values, index=frame.index, dtype=object)
    info = metadata(ruleset, class_table)
    info["rules_out_of_scope"] = {o.rule.id: list(o.missing_baselines)
                                  for o in outcomes if o.missing_baselines}
    result.attrs["rules"] = info
    return result


def _decide(i: int, patches: _Patches, outcomes: List[_Outcome], below: bool, limit: float,
            limit_group: Optional[str]):
    """(verdict, violation_type, severity, measure, flag_area_m2, reason) of patch ``i``."""
    fired = [o for o in outcomes if o.fired[i]]
    top = fired[0] if fired else None
    scope = _out_of_scope_note(outcomes, i)
    area = patches.area[i]
    problems = [f"{SIDES[side]}编码“{patches.codes[side]['raw'][i]}”"
                f"{patches.codes[side]['problem'][i]}"
                for side in SIDES if patches.codes[side]["problem"][i] is not None]
    also = ""
    if len(fired) > 1:
        also = "另触发" + "、".join(f"“{o.rule.label}”" for o in fired[1:])

    if problems:
        reason = _sentence("，".join(problems) + "，未作推断，需核实地类后重新判定",
                           _fired_sentence(top, patches, i) if top else "", also)
        return (CHECK, top.rule.label if top else "地类编码待核实",
                top.rule.severity if top else None, "核实地类编码后重新判定",
                float(area), reason)

    if below:
        head = (f"图斑 {_area(area)}低于{GROUP_LABELS.get(limit_group, limit_group)}"
                f"上图面积 {limit:g} m²，予以保留并标注")
        if top:
            return (BELOW, top.rule.label, top.rule.severity, top.rule.measure,
                    float(top.flag[i]), _sentence(head, _fired_sentence(top, patches, i), also))
        return BELOW, "", None, "", 0.0, _sentence(head, scope)

    if top:
        verdict = CHECK if top.unsure[i] else top.rule.verdict
        tail = "用地手续无法核对，需核实" if top.unsure[i] else ""
        reason = _sentence(_fired_sentence(top, patches, i), tail, also, scope)
        return (verdict, top.rule.label, top.rule.severity, top.rule.measure,
                float(top.flag[i]), reason)

    undecided = [o for o in outcomes if o.undecided[i]]
    if undecided:
        first = undecided[0]
        why = sorted({c.why_unknown(patches, i) for c, tri in first.parts if tri.unknown[i]})
        labels = "、".join(f"“{o.rule.label}”" for o in undecided)
        reason = _sentence(f"{'、'.join(why) or '数据不全'}，无法判定是否属于{labels}，需核实",
                           scope)
        flag = first.flag[i]
        return (CHECK, first.rule.label, first.rule.severity, "补充资料或实地核查后重新判定",
                float(area if np.isnan(flag) else flag), reason)

    if any(o.cleared[i] for o in outcomes):
        return LEGAL, "", None, "", 0.0, _sentence(
            _cleared_sentence(outcomes, patches, i), "判定合法", scope)

    change = (f"图斑 {_area(area)}，由 {patches.describe('before', i)} 变为 "
              f"{patches.describe('after', i)}，未触发任何规则")
    return LEGAL, "", None, "", 0.0, _sentence(change, scope)
