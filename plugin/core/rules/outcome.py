"""One rule over all patches: where it fired, was cleared by an exemption, could not be decided,
or was out of scope for want of a baseline layer; and the area it flags."""

from dataclasses import dataclass
from typing import List, Tuple

import numpy as np

from .conditions import BaselineCondition, Condition, Exemption, Rule
from .logic import Tri, all_of, any_of, constant
from .patch_table import PatchTable


@dataclass
class Outcome:
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


def evaluate_rule(rule: Rule, patches: PatchTable) -> Outcome:
    n = patches.n
    missing = tuple(dict.fromkeys(b.key for b in rule.baselines
                                  if not patches.has_baseline(b.key)))
    parts = [(c, c.evaluate(patches)) for c in rule.conditions
             if not (isinstance(c, BaselineCondition) and c.key in missing)]
    match = all_of([tri for _, tri in parts], n)
    out_of_scope = np.zeros(n, dtype=bool)
    if missing:
        out_of_scope = ~match.false
        match = constant(n, False)
    exempt = [(e, e.evaluate(patches)) for e in rule.exemptions]
    cleared_by = any_of([tri for _, tri in exempt], n)
    fired = match.true & ~cleared_by.true
    return Outcome(
        rule=rule, missing_baselines=missing, parts=parts, exempt=exempt, fired=fired,
        unsure=fired & ~cleared_by.false, cleared=~match.false & cleared_by.true,
        undecided=match.unknown & ~cleared_by.true, out_of_scope=out_of_scope,
        flag=np.full(n, np.nan) if missing else _flag_area(rule, patches))


def _flag_area(rule: Rule, patches: PatchTable) -> np.ndarray:
    if rule.flag_area.startswith("baseline"):
        m2, _, free = rule.baselines[0].areas(patches)
        return free if rule.flag_area == "baseline_free" else m2
    return patches.free if rule.flag_area == "patch_free" else patches.area


def flag_basis(rule: Rule) -> str:
    """Which part of a patch the rule's flag area measures: ``patch`` or ``patch_free`` (the
    part no exemption covers), or ``K:inside``/``K:outside`` of its first baseline K, with
    ``_free`` when only the part no exemption covers counts."""
    if rule.flag_area.startswith("baseline"):
        baseline = rule.baselines[0]
        return f"{baseline.key}:{baseline.part}" + ("_free" if rule.flag_area.endswith("free")
                                                     else "")
    return rule.flag_area
