"""The farmland balance sheet (耕地进出平衡表): per township and for the county, in 亩.

Farmland at the start, lost by destination group, gained by origin group, net change, farmland
at the end. Stocks come from whole parcels of each year and flows from the change pieces, so
``start + gained − lost = end`` is a check of the overlay, not an identity by construction: the
sheet shows any gap (area one year's parcels do not cover in the other, a parcel whose
township code changed) in its own column. Slivers dropped from the change layer still move
farmland in the survey database, so they are counted here, and shown as "其中碎片".

Written as an Excel sheet (frozen header, Chinese headers with units, two decimals, printed on
A3 landscape one page wide with its header rows repeated, written to a temporary file and
renamed) and, where matplotlib is installed, as a chart (``balance_chart``).
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Dict, List, Tuple

from ..io.atomic import replacing
from ..overlay.areas import MU_PER_M2

GROUPS: List[Tuple[str, str]] = [("construction", "建设用地"), ("garden", "种植园用地"),
                                 ("forest", "林地"), ("pond", "坑塘水面"), ("other", "其他")]
PROTECTED = {"basic_farmland": "永久基本农田", "red_line": "生态保护红线"}
PROTECTED_MEASURES = ("start", "lost", "gained", "end")
COUNTY = "全县合计"
NO_TOWNSHIP = "(未归属乡镇)"
GAP_TOLERANCE_M2 = 1.0
SHEET = "耕地进出平衡表"
NOTES_SHEET = "说明"
# What the group 其他 holds: every class outside the four named groups (flow_group).
OTHER_DEFINITION = ("其他 = 建设用地、种植园用地、林地、坑塘水面以外的地类，如草地、农村道路、设施农用地、"
                    "田坎、沟渠、河流水面、水库水面、湿地 (森林沼泽除外) 和未利用地")
PRINT_MARGIN_IN = 0.3


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

    def townships(self):
        names = set(self.start) | set(self.end) | {t for t, _ in self.lost} | \
            {t for t, _ in self.gained} | set(self.moved)
        return sorted(names, key=lambda t: (t == NO_TOWNSHIP, t))

    def gaps(self):
        """end − (start + gained − lost + moved) per township, in m²."""
        out = {}
        for t in self.townships():
            lost = sum(self.lost.get((t, g), 0.0) for g, _ in GROUPS)
            gained = sum(self.gained.get((t, g), 0.0) for g, _ in GROUPS)
            out[t] = self.end.get(t, 0.0) - (self.start.get(t, 0.0) + gained - lost
                                             + self.moved.get(t, 0.0))
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
               "moved": account.moved.get(t, 0.0)}
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
    row["gap"] = row["end"] - (row["start"] + row["net"] + row["moved"])


def _numeric_keys(protected=()):
    return (["start"] + [f"lost_{g}" for g, _ in GROUPS] + ["lost"]
            + [f"gained_{g}" for g, _ in GROUPS] + ["gained", "net", "moved", "end", "gap",
                                                     "lost_slivers", "gained_slivers"]
            + [f"{key}_{m}" for key in PROTECTED if key in protected for m in PROTECTED_MEASURES])


def sheet_columns(labels, protected=()):
    """(key, header, group header) of every column, in order; ``protected``: the keys of
    PROTECTED whose columns the sheet has."""
    before, after = labels
    cols = [("township", "乡镇", ""), ("start", f"{before}耕地(亩)", "期初")]
    cols += [(f"lost_{g}", f"{name}(亩)", "耕地减少 (按去向)") for g, name in GROUPS]
    cols += [("lost", "减少合计(亩)", "耕地减少 (按去向)")]
    cols += [(f"gained_{g}", f"{name}(亩)", "耕地增加 (按来源)") for g, name in GROUPS]
    cols += [("gained", "增加合计(亩)", "耕地增加 (按来源)"),
             ("net", "净变化(亩)", "净变化"), ("moved", "跨乡镇调整(亩)", "跨乡镇调整"),
             ("end", f"{after}耕地(亩)", "期末"),
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


def write_balance_xlsx(path, rows, labels, title=None, extra_notes=()):
    """The sheet as an .xlsx at ``path`` (written to a temporary file, then renamed)."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter

    thin = Side(style="thin", color="999999")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    head_fill = PatternFill("solid", fgColor="D9E1F2")
    total_fill = PatternFill("solid", fgColor="F2F2F2")
    centre = Alignment(horizontal="center", vertical="center", wrap_text=True)
    cols = sheet_columns(labels, [k for k in PROTECTED if f"{k}_start" in rows[-1]])
    wb = Workbook()
    ws = wb.active
    ws.title = SHEET
    ws.cell(row=1, column=1, value=title or f"耕地进出平衡表 ({labels[0]}—{labels[1]}，单位: 亩)")
    ws.cell(row=1, column=1).font = Font(bold=True, size=14)
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(cols))
    # Two header rows: the group spans (merged) over each column's own header.
    spans = []
    for k, (_, header, group) in enumerate(cols, 1):
        if spans and spans[-1][0] == group and group:
            spans[-1][2] = k
        else:
            spans.append([group, k, k])
        cell = ws.cell(row=3, column=k, value=header)
        cell.font, cell.fill, cell.alignment, cell.border = Font(bold=True), head_fill, centre, border
    for group, a, b in spans:
        cell = ws.cell(row=2, column=a, value=group or cols[a - 1][1])
        for k in range(a, b + 1):
            c = ws.cell(row=2, column=k)
            c.font, c.fill, c.alignment, c.border = Font(bold=True), head_fill, centre, border
        if b > a:
            ws.merge_cells(start_row=2, start_column=a, end_row=2, end_column=b)
        elif not group:
            ws.merge_cells(start_row=2, start_column=a, end_row=3, end_column=a)
    for r, row in enumerate(rows, 4):
        total = row["township"] == COUNTY
        for k, (key, _, _) in enumerate(cols, 1):
            value = row["township"] if key == "township" else round(row[key + "_mu"], 6)
            cell = ws.cell(row=r, column=k, value=value)
            cell.border = border
            if key != "township":
                cell.number_format = "#,##0.00"
            else:
                cell.number_format = "@"
            if total:
                cell.font, cell.fill = Font(bold=True), total_fill
    town_width = max([10] + [2 * len(str(r["township"])) + 2 for r in rows])
    widest = max([len(f"{round(r[k + '_mu'], 2):,.2f}") for r in rows for k, _, _ in cols[1:]] + [8])
    for k, (key, header, _) in enumerate(cols, 1):
        # numbers as wide as the widest in bold, headers wrapped on up to three lines
        width = town_width if key == "township" else max(widest + 4, len(header) * 2 // 3 + 2)
        ws.column_dimensions[get_column_letter(k)].width = width
    ws.row_dimensions[3].height = 45  # three lines of header
    _print_setup(ws)

    notes = wb.create_sheet(NOTES_SHEET)
    lines = [
        "耕地 = 地类编码属 01 耕地 (0101 水田、0102 水浇地、0103 旱地)。面积为 CGCS2000 椭球面积，1 亩 = 10000/15 平方米。",
        f"期初/期末耕地: {labels[0]}/{labels[1]} 图层中耕地图斑的面积，按坐落单位代码前 9 位 (或行政区图层) 归属乡镇。",
        "耕地减少/增加: 两年图斑叠加后地类由耕地变为非耕地 (按变更后地类分组) 或由非耕地变为耕地 (按变更前地类分组) 的面积。",
        "分组: 建设用地 = 三大类中的建设用地；种植园用地 = 02；林地 = 03 及森林湿地；坑塘水面 = 1104；"
        + OTHER_DEFINITION + "。",
        "净变化 = 增加合计 − 减少合计。跨乡镇调整: 仍为耕地、但次年归属另一乡镇的面积 (界线调整、坐落单位代码变更)，全县合计为零。",
        "未能归因差额 = 期末 − 期初 − 净变化 − 跨乡镇调整: 应为零；不为零时两年图层范围不一致或图斑重叠，请核查。",
        "碎片 (边界误差产生的细小或细长图斑) 不列入变化图斑图层，但仍计入本表的减少/增加，单列其面积以便核对。",
        "永久基本农田内/生态保护红线内: 上述耕地中位于该图层要素范围 (要素重叠处只计一次) 内的部分；给出两期图层时，期初按前一期、期末按后一期计。",
        f"生成时间: {datetime.datetime.now().isoformat(timespec='seconds')}",
        *extra_notes,
    ]
    notes.column_dimensions["A"].width = 120
    _print_setup(notes, repeat=False)
    for k, line in enumerate(lines, 1):
        notes.cell(row=k, column=1, value=line).alignment = Alignment(wrap_text=True)
    save_atomic(wb.save, path, ".xlsx")
    return path


def _print_setup(ws, repeat=True):
    """A3 landscape, one page wide, the two header rows repeated on every page, numbered."""
    from openpyxl.worksheet.worksheet import Worksheet

    if repeat:
        ws.freeze_panes = "B4"
        ws.print_title_rows = "2:3"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = Worksheet.PAPERSIZE_A3
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_margins.left = ws.page_margins.right = PRINT_MARGIN_IN
    ws.oddFooter.center.text = "第 &P 页，共 &N 页"


def save_atomic(save, path, suffix):
    with replacing(path, suffix) as tmp:
        save(tmp)
