"""Verdicts: the rules evaluated over the overlay table, patch by patch, in rule order.

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
4. no rule fired but one could not be decided for want of data → 需核实, with the type
   地类缺失，无法判定 (a before or after class is missing) or 资料不全，无法判定;
5. otherwise 合法 (saying which exemption cleared which rule, if any).

A baseline layer the job did not provide (no ``K_m2`` column) puts the rules that need it out of
scope: they never fire, and the reason of a patch they would otherwise have applied to says the
layer was not provided. Missing exemption layers are different: they leave a violation
unconfirmed, so they make it 需核实, because legality cannot be checked without them.
"""

from typing import Dict, List, Mapping, Optional, Sequence, Tuple, Union

import numpy as np

from ..errors import InputError
from ..overlay.areas import MU_PER_M2
from .classes import GROUP_LABELS, ClassTable
from .conditions import MinArea, RuleSet
from .outcome import Outcome, evaluate_rule, flag_basis
from .patch_table import PatchTable
from .reasons import (area_text, cleared_sentence, fired_sentence, out_of_scope_note, sentence,
                      skipped_zones)
from .terms import BELOW, CHECK, EPSILON, ILLEGAL, LEGAL, NO_CLASS_TYPE, NO_DATA_TYPE, SIDES

OUTPUT_COLUMNS = ("verdict", "violation_type", "rule_ids", "severity", "measure",
                  "flag_area_m2", "flag_area_mu", "reason", "flag_basis")


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


def _thresholds(patches: PatchTable, min_area: Sequence[MinArea]):
    limit = np.full(patches.n, np.nan)
    group = np.full(patches.n, None, dtype=object)
    for entry in min_area:
        hit = patches.in_groups("after", (entry.group,)).true & np.isnan(limit)
        limit[hit] = entry.min_m2
        group[hit] = entry.group
    with np.errstate(invalid="ignore"):
        below = patches.area < limit - EPSILON
    return below, limit, group


def class_problems(frame, class_table: ClassTable):
    """Malformed or unknown land-class codes, one row per problem (a DataFrame for a
    DataFrame, else a list of dicts).

    Columns: ``patch_id``, ``field`` (``before_class`` / ``after_class``), ``code`` (the value
    as given, as text), ``problem`` (Chinese). Missing codes are not listed: a rule that needs a
    missing code is undecided, which :func:`evaluate` reports as 需核实.
    """
    patches = PatchTable(frame, class_table)
    rows = []
    for i in range(patches.n):
        for side in SIDES:
            problem = patches.codes[side]["problem"][i]
            if problem is not None:
                rows.append({"patch_id": patches.ids[i], "field": f"{side}_class",
                             "code": str(patches.codes[side]["raw"][i]), "problem": problem})
    if not _is_frame(frame):
        return rows
    import pandas as pd  # only a caller that passed a DataFrame gets one back
    return pd.DataFrame(rows, columns=["patch_id", "field", "code", "problem"])


def metadata(ruleset: RuleSet, class_table: ClassTable) -> Dict[str, str]:
    """What a verdict depends on, for the result's metadata table."""
    return {"ruleset_id": ruleset.id, "ruleset_version": ruleset.version,
            "ruleset_sha256": ruleset.sha256, "ruleset_path": ruleset.path or "",
            "class_table_version": class_table.version,
            "class_table_sha256": class_table.sha256}


def evaluate(frame, ruleset: RuleSet, class_table: ClassTable,
             min_area_rules: Union[None, Mapping[str, float],
                                   Sequence[Tuple[str, float]]] = None,
             names: Optional[Mapping[str, str]] = None):
    """A copy of the overlay table with the verdict columns added: a :class:`VerdictTable`
    (its columns as lists) for a mapping of columns, a DataFrame for a DataFrame.

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
    the verdict is about, e.g. the unapproved part inside basic farmland), ``reason`` (one
    Chinese sentence) and ``flag_basis`` (the part of the patch that area measures, see
    :func:`~.outcome.flag_basis`; "" when it is 0). ``result.attrs["rules"]`` holds
    :func:`metadata` plus the rules put out of scope by missing baseline layers.
    """
    patches = PatchTable(frame, class_table, names)
    min_area = (ruleset.min_area if min_area_rules is None
                else _min_area_from_argument(min_area_rules, class_table))
    outcomes = [evaluate_rule(rule, patches) for rule in ruleset.rules]
    below, limit, limit_group = _thresholds(patches, min_area)

    columns = {name: [] for name in OUTPUT_COLUMNS}
    for i in range(patches.n):
        verdict, label, severity, measure, flag, reason, basis = _decide(
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
        columns["flag_basis"].append(basis)

    info = metadata(ruleset, class_table)
    info["rules_out_of_scope"] = {o.rule.id: list(o.missing_baselines)
                                  for o in outcomes if o.missing_baselines}
    info["skipped_zones"] = skipped_zones(outcomes)
    if _is_frame(frame):
        return _as_frame(frame, columns, info)
    result = VerdictTable({name: list(values) for name, values in frame.items()})
    result.update(columns)
    result.attrs["rules"] = info
    return result


class VerdictTable(dict):
    """{column name: list of values} with the verdict columns, and ``attrs["rules"]`` (what
    the verdicts depend on)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.attrs = {}


def _is_frame(table) -> bool:
    return hasattr(table, "columns") and hasattr(table, "index")


def _as_frame(frame, columns, info):
    import pandas as pd  # only a caller that passed a DataFrame gets one back
    result = frame.copy()
    for name in OUTPUT_COLUMNS:
        values = columns[name]
        if name == "severity":
            result[name] = pd.array(values, dtype="Int64")
        elif name.startswith("flag_area"):
            result[name] = np.asarray(values, dtype=float)
        else:
            result[name] = pd.Series(values, index=frame.index, dtype=object)
    result.attrs["rules"] = info
    return result


#: How strongly a verdict calls for action: across rule files the stronger verdict wins.
VERDICT_WEIGHT = {ILLEGAL: 2, CHECK: 1, LEGAL: 0}


def _top(fired: List[Outcome]) -> Optional[Outcome]:
    """The rule that gives a patch its verdict. Within a rule file, the first that fired (rule
    order is priority). Files joined into one set are written apart, so their orders say
    nothing of each other: across files the stronger verdict wins (违法 over 需核实 over 合法),
    then the higher severity, then the earlier file. A later file can never soften a verdict."""
    if not fired:
        return None
    tops = {}
    for outcome in fired:
        tops.setdefault(outcome.rule.source, outcome)
    return max(tops.values(), key=lambda o: (VERDICT_WEIGHT.get(o.rule.verdict, 0),
                                             o.rule.severity))


def _decide(i: int, patches: PatchTable, outcomes: List[Outcome], below: bool, limit: float,
            limit_group: Optional[str]):
    """(verdict, violation_type, severity, measure, flag_area_m2, reason, flag_basis) of
    patch ``i``."""
    fired = [o for o in outcomes if o.fired[i]]
    top = _top(fired)
    scope = out_of_scope_note(outcomes, i)
    area = patches.area[i]
    problems = [f"{SIDES[side]}编码“{patches.codes[side]['raw'][i]}”"
                f"{patches.codes[side]['problem'][i]}"
                for side in SIDES if patches.codes[side]["problem"][i] is not None]
    also = ""
    if len(fired) > 1:
        also = "另触发" + "、".join(f"“{o.rule.label}”" for o in fired if o is not top)

    if problems:
        reason = sentence("，".join(problems) + "，未作推断，需核实地类后重新判定",
                           fired_sentence(top, patches, i) if top else "", also)
        return (CHECK, top.rule.label if top else "地类编码待核实",
                top.rule.severity if top else None, "核实地类编码后重新判定",
                float(area), reason, "patch")

    if below:
        head = (f"图斑 {area_text(area)}低于{GROUP_LABELS.get(limit_group, limit_group)}"
                f"上图面积 {limit:g} m²，予以保留并标注")
        if top:
            return (BELOW, top.rule.label, top.rule.severity, top.rule.measure,
                    float(top.flag[i]), sentence(head, fired_sentence(top, patches, i), also),
                    flag_basis(top.rule))
        return BELOW, "", None, "", 0.0, sentence(head, scope), ""

    if top:
        verdict = CHECK if top.unsure[i] else top.rule.verdict
        tail = "用地手续无法核对，需核实" if top.unsure[i] else ""
        reason = sentence(fired_sentence(top, patches, i), tail, also, scope)
        return (verdict, top.rule.label, top.rule.severity, top.rule.measure,
                float(top.flag[i]), reason, flag_basis(top.rule))

    undecided = [o for o in outcomes if o.undecided[i]]
    if undecided:
        return _undecided(i, patches, undecided, scope)

    if any(o.cleared[i] for o in outcomes):
        return LEGAL, "", None, "", 0.0, sentence(
            cleared_sentence(outcomes, patches, i), "判定合法", scope), ""

    if patches.unchanged(i):
        change = (f"图斑 {area_text(area)}，前后地类均为 {patches.describe('after', i)}"
                  "（地类未变化），未触发任何规则")
    else:
        change = (f"图斑 {area_text(area)}，由 {patches.describe('before', i)} 变为 "
                  f"{patches.describe('after', i)}，未触发任何规则")
    return LEGAL, "", None, "", 0.0, sentence(change, scope), ""


def _undecided(i: int, patches: PatchTable, undecided: List[Outcome], scope: str):
    """需核实 for a patch no rule could decide for want of data. Its type says that it could not
    be judged (never a rule's label: the rule did not fire); its severity and flagged area are
    those of the most severe rule it might fall under, so the worst possible cases are verified
    first."""
    why = sorted({c.why_unknown(patches, i) for o in undecided for c, tri in o.parts
                  if not (tri.true[i] or tri.false[i])})
    labels = "、".join(f"“{o.rule.label}”" for o in undecided)
    reason = sentence(f"{'、'.join(why) or '数据不全'}，无法判定是否属于{labels}，需核实", scope)
    worst = max(undecided, key=lambda o: o.rule.severity)  # the first of the most severe
    flag = worst.flag[i]
    no_class = any(patches.codes[side]["missing"][i] for side in SIDES)
    label, measure = ((NO_CLASS_TYPE, "补充变化前后地类后重新判定") if no_class
                      else (NO_DATA_TYPE, "补充资料或实地核查后重新判定"))
    return (CHECK, label, worst.rule.severity, measure,
            float(patches.area[i] if np.isnan(flag) else flag), reason,
            "patch" if np.isnan(flag) else flag_basis(worst.rule))
