"""Rule objects: the conditions a rule tests, its exemptions, the rule and the rule set."""

from dataclasses import dataclass
from typing import Dict, Optional, Tuple, Union

import numpy as np

from .classes import is_missing
from .logic import Tri, all_of, at_least, at_most, constant
from .patch_table import PatchTable
from .terms import EXEMPTIONS, SIDES


@dataclass(frozen=True)
class GroupCondition:
    """The before or after class is in any of the groups (or, negated, in none of them)."""

    side: str
    groups: Tuple[str, ...]
    negate: bool = False

    def evaluate(self, patches: PatchTable) -> Tri:
        tri = patches.in_groups(self.side, self.groups)
        return Tri(tri.false, tri.true) if self.negate else tri

    def why_unknown(self, patches: PatchTable, i: int) -> str:
        return f"缺少{SIDES[self.side]}"


@dataclass(frozen=True)
class ClassCondition:
    """The before or after code is one of the codes (a suffix variant matches its base code) or
    starts with one of the prefixes."""

    side: str
    codes: Tuple[str, ...]
    prefixes: Tuple[str, ...]

    def evaluate(self, patches: PatchTable) -> Tri:
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

    def why_unknown(self, patches: PatchTable, i: int) -> str:
        return f"缺少{SIDES[self.side]}"


@dataclass(frozen=True)
class ChangeCondition:
    """The before and after codes differ (``changed``), or are the same code (not ``changed``).

    Codes are compared as the class table normalises them, so 0101K and 0101 differ.
    """

    changed: bool = True

    def evaluate(self, patches: PatchTable) -> Tri:
        before = patches.codes["before"]["code"]
        after = patches.codes["after"]["code"]
        known = np.array([b is not None and a is not None for b, a in zip(before, after)],
                         dtype=bool)
        differ = np.array([b != a for b, a in zip(before, after)], dtype=bool)
        hit = known & (differ if self.changed else ~differ)
        return Tri(hit, known & ~hit)

    def why_unknown(self, patches: PatchTable, i: int) -> str:
        return f"缺少{'或'.join(SIDES.values())}"


@dataclass(frozen=True)
class BaselineCondition:
    """Overlap of the patch with a baseline (``part: inside``) or the part outside it."""

    key: str
    part: str = "inside"
    min_m2: Optional[float] = None
    min_pct: Optional[float] = None
    min_free_m2: Optional[float] = None
    if_missing: str = "error"
    """A job's own baseline the job does not give: ``error`` (refused before any data is read)
    or ``skip`` (the rule is out of scope, as for the known baselines)."""

    def areas(self, patches: PatchTable):
        """(part m², part % of the patch, part m² not covered by any exemption)."""
        m2 = patches.baseline_m2(self.key)
        pct = patches.baseline_pct(self.key)
        free = patches.baseline_free_m2(self.key)
        if self.part == "outside":
            return (np.clip(patches.area - m2, 0, None), np.clip(100.0 - pct, 0, None),
                    np.clip(patches.free - free, 0, None))
        return m2, pct, free

    def evaluate(self, patches: PatchTable) -> Tri:
        m2, pct, free = self.areas(patches)
        checks = [at_least(values, limit) for values, limit in
                  ((m2, self.min_m2), (pct, self.min_pct), (free, self.min_free_m2))
                  if limit is not None]
        return all_of(checks, patches.n)

    def why_unknown(self, patches: PatchTable, i: int) -> str:
        return f"{patches.name(self.key)}叠加面积缺失"


@dataclass(frozen=True)
class AdminCondition:
    """The patch's township or village (code or name, as the overlay gives it) is listed."""

    column: str
    values: Tuple[str, ...]

    def evaluate(self, patches: PatchTable) -> Tri:
        return _listed(patches.text(self.column), self.values)

    def why_unknown(self, patches: PatchTable, i: int) -> str:
        return "缺少乡镇信息" if self.column == "township" else "缺少行政村信息"


@dataclass(frozen=True)
class AttributeCondition:
    """A value a baseline carries from the feature holding most of the patch (e.g. a 管控单元's
    category) is one of ``values``; unknown where the patch meets no feature of it."""

    key: str
    field: str
    values: Tuple[str, ...]

    @property
    def column(self) -> str:
        return f"{self.key}_{self.field}"

    def evaluate(self, patches: PatchTable) -> Tri:
        return _listed(patches.text(self.column), self.values)

    def why_unknown(self, patches: PatchTable, i: int) -> str:
        return f"图斑不在{patches.name(self.key)}内，无{self.field}"


@dataclass(frozen=True)
class AreaCondition:
    """Patch area (ellipsoidal m²) at least ``min_m2`` and/or at most ``max_m2``."""

    min_m2: Optional[float] = None
    max_m2: Optional[float] = None

    def evaluate(self, patches: PatchTable) -> Tri:
        checks = []
        if self.min_m2 is not None:
            checks.append(at_least(patches.area, self.min_m2))
        if self.max_m2 is not None:
            checks.append(at_most(patches.area, self.max_m2))
        return all_of(checks, patches.n)

    def why_unknown(self, patches: PatchTable, i: int) -> str:
        return "缺少图斑面积"


@dataclass(frozen=True)
class Exemption:
    """Legal cover that clears a rule: the exemption layer covers at least ``min_pct`` % of the
    patch (and, with ``when_after_group``, only when the after class is in those groups)."""

    key: str
    min_pct: float
    when_after_group: Tuple[str, ...] = ()
    if_missing: str = "undecided"

    def evaluate(self, patches: PatchTable) -> Tri:
        if patches.has_exemption(self.key):
            tri = at_least(patches.exemption_pct(self.key), self.min_pct)
        else:
            tri = constant(patches.n, False if self.if_missing == "ignore" else None)
        if self.when_after_group:
            tri = all_of([tri, patches.in_groups("after", self.when_after_group)], patches.n)
        return tri

    @property
    def label(self) -> str:
        return EXEMPTIONS[self.key]


Condition = Union[GroupCondition, ClassCondition, ChangeCondition, BaselineCondition,
                  AdminCondition, AttributeCondition, AreaCondition]


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
    source: str = ""
    """The rule file it was read from (a rule set may join several)."""

    @property
    def baselines(self) -> Tuple[BaselineCondition, ...]:
        return tuple(c for c in self.conditions if isinstance(c, BaselineCondition))

    @property
    def attributes(self) -> Tuple[AttributeCondition, ...]:
        return tuple(c for c in self.conditions if isinstance(c, AttributeCondition))


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


def _listed(raw, values) -> Tri:
    """True where a value (as trimmed text) is one of ``values``, false where it is another,
    unknown where it is missing."""
    known = np.array([not is_missing(v) for v in raw], dtype=bool)
    wanted = set(values)
    hit = np.array([str(v).strip() in wanted if k else False for v, k in zip(raw, known)],
                   dtype=bool)
    return Tri(known & hit, known & ~hit)
