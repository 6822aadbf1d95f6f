"""The Chinese sentences a verdict gives as its reason."""

from typing import List

import numpy as np

from ..overlay.areas import MU_PER_M2
from .outcome import Outcome
from .patch_table import PatchTable
from .terms import BASELINES, EXEMPTION_CAVEATS, ZONE_NAMES

def area_text(m2: float, extra: str = "") -> str:
    return f"{m2:.2f} m²（{m2 * MU_PER_M2:.2f} 亩{extra}）"


def fired_sentence(outcome: Outcome, patches: PatchTable, i: int) -> str:
    rule = outcome.rule
    parts = [f"{rule.label}：图斑 {area_text(patches.area[i])}，由 {patches.describe('before', i)}"
             f" 变为 {patches.describe('after', i)}"]
    for attribute in rule.attributes:
        parts.append(f"{patches.name(attribute.key)}{attribute.field}为"
                     f"“{patches.text(attribute.column)[i]}”")
    for baseline in rule.baselines:
        m2, pct, _ = baseline.areas(patches)
        name = patches.name(baseline.key)
        if baseline.part == "outside":
            parts.append(f"位于{name}外 {area_text(m2[i])}")
        else:
            parts.append(f"位于{name}内 {area_text(m2[i], f'，占图斑 {pct[i]:.2f}%')}")
    if patches.exemption_keys and rule.flag_area.endswith("free"):
        parts.append(f"其中无用地手续覆盖的 {area_text(outcome.flag[i])}计为问题面积")
    else:
        parts.append(f"问题面积 {area_text(outcome.flag[i])}")
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


def cleared_sentence(outcomes: List[Outcome], patches: PatchTable, i: int) -> str:
    cleared = [o for o in outcomes if o.cleared[i]]
    first = cleared[0]
    exemption = next(e for e, tri in first.exempt if tri.true[i])
    pct = patches.exemption_pct(exemption.key)[i]
    labels = "、".join(f"“{o.rule.label}”" for o in cleared)
    text = (f"{exemption.label}覆盖图斑 {pct:.2f}%（不低于 {exemption.min_pct:g}%），"
            f"排除{labels}")
    caveat = EXEMPTION_CAVEATS.get(exemption.key)
    return f"{text}（{caveat}）" if caveat else text


def out_of_scope_note(outcomes: List[Outcome], i: int) -> str:
    """What patch i was not checked for because a baseline layer is missing. A zone the rule
    marks ``if_missing: skip`` is optional: said once per run (:func:`skipped_zones`), not
    in every reason."""
    notes = {}
    for outcome in outcomes:
        if outcome.out_of_scope[i]:
            for key in outcome.missing_baselines:
                if key not in skipped_keys(outcome.rule):
                    notes.setdefault(key, []).append(f"“{outcome.rule.label}”")
    return "；".join(f"未提供{BASELINES.get(k) or ZONE_NAMES.get(k, k)}图层，未核查{'、'.join(v)}"
                    for k, v in notes.items())


def skipped_keys(rule) -> set:
    return {c.key for c in rule.baselines if c.if_missing == "skip"}


def skipped_zones(outcomes: List[Outcome]) -> List[str]:
    """One sentence per optional zone the job does not give, naming the rules left unchecked."""
    rules = {}
    for outcome in outcomes:
        for key in outcome.missing_baselines:
            if key in skipped_keys(outcome.rule):
                rules.setdefault(key, []).append(f"“{outcome.rule.label}”")
    return [f"未提供{BASELINES.get(k) or ZONE_NAMES.get(k, k)}图层，全部图斑未核查{'、'.join(v)}"
            for k, v in rules.items()]


def sentence(*parts: str) -> str:
    return "；".join(p for p in parts if p) + "。"
