"""The rule sets a job names: one file, a list of files read as one set in order (the default
county rules, then ecological screening, say), or a shipped set by its name; and the check,
before any data is read, that every layer and carried field a rule names is one the job gives."""

import hashlib
from pathlib import Path
from typing import Mapping, Optional, Sequence, Union

from ...paths import resources_dir
from ..errors import InputError
from .classes import ClassTable
from .conditions import RuleSet
from .schema import DEFAULT_RULESET, load_ruleset
from .terms import BASELINES

SHIPPED = {"default": DEFAULT_RULESET, "ecology": "ecology.yaml"}


def rule_file(name: Union[str, Path]) -> Path:
    """A rule file's path: a shipped set's by its name (``default``, ``ecology``), else as given."""
    text = str(name)
    if text in SHIPPED:
        return resources_dir() / "rules" / SHIPPED[text]
    return Path(text)


def load_rule_sets(names: Union[None, str, Path, Sequence[Union[str, Path]]],
                   class_table: Optional[ClassTable] = None) -> RuleSet:
    """The job's rules as one RuleSet: the default set when none is named; several files are
    joined in their order (rule ids unique across them; the first file's 上图面积 list)."""
    if names is None:
        return load_ruleset(None, class_table)
    if isinstance(names, (str, Path)):
        return load_ruleset(rule_file(names), class_table)
    sets = [load_ruleset(rule_file(n), class_table) for n in names]
    if len(sets) == 1:
        return sets[0]
    rules, seen = [], {}
    for ruleset in sets:
        for rule in ruleset.rules:
            if rule.id in seen:
                raise InputError(f"规则 id 与 {seen[rule.id]} 中的规则重复", file=ruleset.path,
                                 feature=rule.id, field="id")
            seen[rule.id] = ruleset.path
            rules.append(rule)
    joined = hashlib.sha256("".join(s.sha256 for s in sets).encode()).hexdigest()
    return RuleSet(id="+".join(s.id for s in sets), version="+".join(s.version for s in sets),
                   description="；".join(s.description for s in sets if s.description),
                   sha256=joined, path="; ".join(str(s.path) for s in sets), rules=tuple(rules),
                   min_area=next((s.min_area for s in sets if s.min_area), ()))


def check_fits_job(ruleset: RuleSet, carried: Mapping[str, Sequence[str]]) -> None:
    """InputError (file, rule, key) for a rule naming a baseline of its own the job does not
    give, or a carried field the job does not carry. ``carried``: {baseline key of the job:
    its carried fields}. The four known baselines may be missing, and a job's own one whose
    condition says ``if_missing: skip``: their rules are then out of scope, as the reasons say."""
    for rule in ruleset.rules:
        skipped = {c.key for c in rule.baselines if c.if_missing == "skip"}
        for condition in rule.baselines:
            if condition.key not in BASELINES and condition.key not in carried \
                    and condition.key not in skipped:
                raise InputError(f"规则用到底线图层 {condition.key!r}，但任务文件的 baselines 中没有它；"
                                 f"任务中的底线图层: {', '.join(carried) or '无'}",
                                 file=rule.source or ruleset.path, feature=rule.id,
                                 field="when.baseline.key")
        for condition in rule.attributes:
            if condition.key in skipped and condition.key not in carried:
                continue
            if condition.key not in carried:
                raise InputError(f"规则用到底线图层 {condition.key!r} 的属性，但任务文件的 baselines "
                                 "中没有它", file=rule.source or ruleset.path, feature=rule.id,
                                 field="when.attribute.key")
            if condition.field not in carried[condition.key]:
                raise InputError(f"规则用到 {condition.key} 的字段 {condition.field!r}，但任务文件没有"
                                 f"让它带出 (在 baselines.{condition.key}.carry 中列出该字段)",
                                 file=rule.source or ruleset.path, feature=rule.id,
                                 field="when.attribute.field")
