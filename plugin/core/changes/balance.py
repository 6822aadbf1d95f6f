"""The farmland balance sheet (耕地进出平衡表): per township and for the county, in 亩.

Farmland at the start, lost by destination group, gained by origin group, net change, farmland
at the end. Stocks come from whole parcels of each year and flows from the change pieces, so
``start + gained − lost = end`` is a check of the overlay, not an identity by construction: the
sheet shows any gap (area one year's parcels do not cover in the other, a parcel whose
township code changed) in its own column. Slivers dropped from the change layer still move
farmland in the survey database, so they are counted here, and shown as "其中碎片".

The same sheet in net area (扣除田坎等后, the 图斑地类面积 official statistics count) comes from
``balance_net``; ``balance_sheet`` writes both to Excel, ``balance_chart`` draws the chart.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Dict, List, Tuple

from ..overlay.areas import MU_PER_M2

GROUPS: List[Tuple[str, str]] = [("construction", "建设用地"), ("garden", "种植园用地"),
                                 ("forest", "林地"), ("pond", "坑塘水面"), ("other", "其他")]
PROTECTED = {"basic_farmland": "永久基本农田", "red_line": "生态保护红线"}
PROTECTED_MEASURES = ("start", "lost", "gained", "end")
COUNTY = "全县合计"
NO_TOWNSHIP = "(未归属乡镇)"
GAP_TOLERANCE_M2 = 1.0
# What the group 其他 holds: every class outside the four named groups (flow_group).
OTHER_DEFINITION = ("其他 = 建设用地、种植园用地、林地、坑塘水面以外的地类，如草地、农村道路、设施农用地、"
                    "田坎、沟渠、河流水面、水库水面、湿地 (森林沼泽除外) 和未利用地")


def flow_group(code, table):
    """Which balance group a (non-farmland) class belongs to: construction, garden, forest,
    pond or other."""
    groups = table.groups(code)
    for key, _ in GROUPS[:-1]:
        if key in groups:
            return key
    return "other"


def group_label(key):
    return dict(GROUPS)[key]


def farmland_flow(before_code, after_code, table):
    """("流出"/"流入", group label) for a change piece that moves farmland, else (None, None)."""
    fb = "farmland" in table.groups(before_code)
    fa = "farmland" in table.groups(after_code)
    if fb and not fa:
        return "流出", group_label(flow_group(after_code, table))
    if fa and not fb:
        return "流入", group_label(flow_group(before_code, table))
    return None, None


@dataclass
class FarmlandAccount:
    """Farmland stocks and flows in m² (ellipsoidal), keyed by township."""

    start: Dict[str, float] = field(default_factory=lambda: defaultdict(float))
    end: Dict[str, float] = field(default_factory=lambda: defaultdict(float))
    lost: Dict[Tuple[str, str], float] = field(default_factory=lambda: defaultdict(float))
    gained: Dict[Tuple[str, str], float] = field(default_factory=lambda: defaultdict(float))
    lost_slivers: Dict[str, float] = field(default_factory=lambda: defaultdict(float))
    gained_slivers: Dict[str, float] = field(default_factory=lambda: defaultdict(float))
    moved: Dict[str, float] = field(default_factory=lambda: defaultdict(float))
    # Net accounts only: farmland that stays farmland but whose net share changed (扣除调整).
    adjusted: Dict[str, float] = field(default_factory=lambda: defaultdict(float))

    def add_stock(self, side, units, areas):
        """Add parcel areas to the ``start`` or ``end`` stock of their townships."""
        stock = self.start if side == "start" else self.end
        for unit, a in zip(units, areas):
            stock[_township(unit)] += float(a)

    def add_flow(self, direction, unit, group, m2, sliver):
        """One change piece: farmland ``lost`` to, or ``gained`` from, a group."""
        town = _township(unit)
        flows = self.lost if direction == "lost" else self.gained
        flows[(town, group)] += float(m2)
        if sliver:
            (self.lost_slivers if direction == "lost" else self.gained_slivers)[town] += float(m2)

    def add_move(self, from_unit, to_unit, m2, m2_after=None):
        """Farmland that stays farmland but counts in another township the next year (a
        boundary redrawn, a location code changed). ``m2_after``: the area arriving, where it
        is measured otherwise than the area leaving (inside another year's protected layer)."""
        self.moved[_township(from_unit)] -= float(m2)
        self.moved[_township(to_unit)] += float(m2 if m2_after is None else m2_after)

    def add_adjustment(self, unit, m2):
        """Net area gained (or lost, negative) by farmland that stays farmland: its deduction
        coefficient or class changed."""
        self.adjusted[_township(unit)] += float(m2)

    def townships(self):
        names = set(self.start) | set(self.end) | {t for t, _ in self.lost} | \
            {t for t, _ in self.gained} | set(self.moved) | set(self.adjusted)
        return sorted(names, key=lambda t: (t == NO_TOWNSHIP, t))

    def gaps(self):
        """end − (start + gained − lost + moved + adjusted) per township, in m²."""
        out = {}
        for t in self.townships():
            lost = sum(self.lost.get((t, g), 0.0) for g, _ in GROUPS)
            gained = sum(self.gained.get((t, g), 0.0) for g, _ in GROUPS)
            out[t] = self.end.get(t, 0.0) - (self.start.get(t, 0.0) + gained - lost
                                             + self.moved.get(t, 0.0)
                                             + self.adjusted.get(t, 0.0))
        return out


def _township(unit):
    town = unit[0] if isinstance(unit, tuple) else unit
    return town if town else NO_TOWNSHIP


def balance_table(account, protected=None):
    """Rows (dicts of m²) per township, then the county total (township = 全县合计).

    ``protected``: {key: FarmlandAccount of the farmland inside that layer}; adds the columns
    ``{key}_start``, ``{key}_lost``, ``{key}_gained``, ``{key}_end``.
    """
    protected = protected or {}
    rows = []
    towns = set(account.townships())
    for extra in protected.values():
        towns |= set(extra.townships())
    for t in sorted(towns, key=lambda t: (t == NO_TOWNSHIP, t)):
        row = {"township": t, "start": account.start.get(t, 0.0), "end": account.end.get(t, 0.0),
               "lost_slivers": account.lost_slivers.get(t, 0.0),
               "gained_slivers": account.gained_slivers.get(t, 0.0),
               "moved": account.moved.get(t, 0.0), "adjusted": account.adjusted.get(t, 0.0)}
        for g, _ in GROUPS:
            row[f"lost_{g}"] = account.lost.get((t, g), 0.0)
            row[f"gained_{g}"] = account.gained.get((t, g), 0.0)
        for key, extra in protected.items():
            row[f"{key}_start"] = extra.start.get(t, 0.0)
            row[f"{key}_end"] = extra.end.get(t, 0.0)
            row[f"{key}_lost"] = sum(extra.lost.get((t, g), 0.0) for g, _ in GROUPS)
            row[f"{key}_gained"] = sum(extra.gained.get((t, g), 0.0) for g, _ in GROUPS)
        _totals(row)
        rows.append(row)
    county = {"township": COUNTY}
    for key in rows[0] if rows else []:
        if key != "township":
            county[key] = sum(r[key] for r in rows)
    if not rows:
        county.update({k: 0.0 for k in _numeric_keys(protected)})
    _totals(county)
    rows.append(county)
    for r in rows:
        for key in _numeric_keys(protected):
            r[key + "_mu"] = r[key] * MU_PER_M2
    return rows


def _totals(row):
    row["lost"] = sum(row[f"lost_{g}"] for g, _ in GROUPS)
    row["gained"] = sum(row[f"gained_{g}"] for g, _ in GROUPS)
    row["net"] = row["gained"] - row["lost"]
    row["gap"] = row["end"] - (row["start"] + row["net"] + row["moved"] + row["adjusted"])


def _numeric_keys(protected=()):
    return (["start"] + [f"lost_{g}" for g, _ in GROUPS] + ["lost"]
            + [f"gained_{g}" for g, _ in GROUPS] + ["gained", "net", "moved", "adjusted", "end", "gap",
                                                     "lost_slivers", "gained_slivers"]
            + [f"{key}_{m}" for key in PROTECTED if key in protected for m in PROTECTED_MEASURES])


def sheet_columns(labels, protected=(), net=False):
    """(key, header, group header) of every column, in order; ``protected``: the keys of
    PROTECTED whose columns the sheet has; ``net``: the net sheet, with its column of farmland
    whose net share changed (扣除调整)."""
    before, after = labels
    cols = [("township", "乡镇", ""), ("start", f"{before}耕地(亩)", "期初")]
    cols += [(f"lost_{g}", f"{name}(亩)", "耕地减少 (按去向)") for g, name in GROUPS]
    cols += [("lost", "减少合计(亩)", "耕地减少 (按去向)")]
    cols += [(f"gained_{g}", f"{name}(亩)", "耕地增加 (按来源)") for g, name in GROUPS]
    cols += [("gained", "增加合计(亩)", "耕地增加 (按来源)"),
             ("net", "净变化(亩)", "净变化"), ("moved", "跨乡镇调整(亩)", "跨乡镇调整")]
    if net:
        cols.append(("adjusted", "扣除调整(亩)", "扣除调整"))
    cols += [("end", f"{after}耕地(亩)", "期末"),
             ("gap", "未能归因差额(亩)", "核对"),
             ("lost_slivers", "减少中碎片(亩)", "核对"), ("gained_slivers", "增加中碎片(亩)", "核对")]
    for key in PROTECTED:
        if key in protected:
            name = PROTECTED[key]
            cols += [(f"{key}_start", f"{before}耕地(亩)", f"{name}内"),
                     (f"{key}_lost", "耕地减少(亩)", f"{name}内"),
                     (f"{key}_gained", "耕地增加(亩)", f"{name}内"),
                     (f"{key}_end", f"{after}耕地(亩)", f"{name}内")]
    return cols
