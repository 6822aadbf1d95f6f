"""The farmland balance sheet written to Excel: 耕地进出平衡表 (图斑面积), beside it the same in net
area (净面积, with the townships' protection targets where a target table was given), and 说明.

Each sheet has a frozen two-row header (group over column, Chinese headers with units), two
decimals, and prints on A3 landscape one page wide with its header rows repeated. The workbook
is written to a temporary file and renamed.
"""

import datetime

from ..io.atomic import replacing
from .balance import COUNTY, OTHER_DEFINITION, PROTECTED, sheet_columns

SHEET = "耕地进出平衡表"
NET_SHEET = "耕地进出平衡表(净面积)"
NOTES_SHEET = "说明"
PRINT_MARGIN_IN = 0.3
TEXT_SUFFIX = "_ok"  # text columns (是否达标) among the numbers


def write_balance_xlsx(path, rows, labels, title=None, extra_notes=(), net_rows=None,
                       target_columns=(), target_notes=()):
    """The sheet as an .xlsx at ``path``; ``net_rows``: the net sheet's rows (``balance_net``),
    with ``target_columns`` (``targets.target_columns``) added to it."""
    from openpyxl import Workbook

    protected = [k for k in PROTECTED if f"{k}_start" in rows[-1]]
    wb = Workbook()
    span = f"{labels[0]}—{labels[1]}，单位: 亩"
    _write_sheet(wb.active, SHEET, rows, sheet_columns(labels, protected),
                 title or f"耕地进出平衡表 ({span})")
    if net_rows is not None:
        _write_sheet(wb.create_sheet(NET_SHEET), NET_SHEET, net_rows,
                     sheet_columns(labels, protected, net=True) + list(target_columns),
                     f"耕地进出平衡表 (净面积: 扣除田坎等扣除地类后，{span})")
    lines = _notes(labels) + (_net_notes() if net_rows is not None else [])
    lines += list(target_notes)
    lines += [f"生成时间: {datetime.datetime.now().isoformat(timespec='seconds')}", *extra_notes]
    _write_notes(wb.create_sheet(NOTES_SHEET), lines)
    save_atomic(wb.save, path, ".xlsx")
    return path


def _write_sheet(ws, name, rows, cols, title):
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter

    thin = Side(style="thin", color="999999")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    head_fill = PatternFill("solid", fgColor="D9E1F2")
    total_fill = PatternFill("solid", fgColor="F2F2F2")
    centre = Alignment(horizontal="center", vertical="center", wrap_text=True)
    ws.title = name
    ws.cell(row=1, column=1, value=title)
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
            text = key == "township" or key.endswith(TEXT_SUFFIX)
            cell = ws.cell(row=r, column=k, value=row.get(key) if text else _number(row, key))
            cell.border = border
            cell.number_format = "@" if text else "#,##0.00"
            if key.endswith(TEXT_SUFFIX):
                cell.alignment = Alignment(horizontal="center")
            if total:
                cell.font, cell.fill = Font(bold=True), total_fill
    town_width = max([10] + [2 * len(str(r["township"])) + 2 for r in rows])
    widest = max([len(f"{v:,.2f}") for r in rows for k, _, _ in cols[1:]
                  if not k.endswith(TEXT_SUFFIX) for v in [_number(r, k)] if v is not None]
                 + [8])
    for k, (key, header, _) in enumerate(cols, 1):
        # numbers as wide as the widest in bold, headers wrapped on up to three lines
        width = town_width if key == "township" else max(widest + 4, len(header) * 2 // 3 + 2)
        ws.column_dimensions[get_column_letter(k)].width = width
    ws.row_dimensions[3].height = 45  # three lines of header
    _print_setup(ws)


def _number(row, key):
    value = row[key + "_mu"]
    return None if value is None or isinstance(value, str) else round(value, 6)


def _notes(labels):
    return [
        "耕地 = 地类编码属 01 耕地 (0101 水田、0102 水浇地、0103 旱地)。面积为 CGCS2000 椭球面积，1 亩 = 10000/15 平方米。",
        f"期初/期末耕地: {labels[0]}/{labels[1]} 图层中耕地图斑的面积，按坐落单位代码前 9 位 (或行政区图层) 归属乡镇。",
        "耕地减少/增加: 两年图斑叠加后地类由耕地变为非耕地 (按变更后地类分组) 或由非耕地变为耕地 (按变更前地类分组) 的面积。",
        "分组: 建设用地 = 三大类中的建设用地；种植园用地 = 02；林地 = 03 及森林湿地；坑塘水面 = 1104；"
        + OTHER_DEFINITION + "。",
        "净变化 = 增加合计 − 减少合计。跨乡镇调整: 仍为耕地、但次年归属另一乡镇的面积 (界线调整、坐落单位代码变更)，全县合计为零。",
        "未能归因差额 = 期末 − 期初 − 净变化 − 跨乡镇调整: 应为零；不为零时两年图层范围不一致或图斑重叠，请核查。",
        "碎片 (边界误差产生的细小或细长图斑) 不列入变化图斑图层，但仍计入本表的减少/增加，单列其面积以便核对。",
        "永久基本农田内/生态保护红线内: 上述耕地中位于该图层要素范围 (要素重叠处只计一次) 内的部分；给出两期图层时，期初按前一期、期末按后一期计。",
    ]


def _net_notes():
    return [
        f"{NET_SHEET}: 扣除田坎等扣除地类后的面积 (变更调查统计耕地所用的图斑地类面积口径)。期初/期末耕地为各耕地图斑的"
        "图斑地类面积 TBDLMJ 之和 (无 TBDLMJ 的图斑按图斑面积 × (1 − 扣除地类系数 KCXS) 计)；减少/增加为变化部分的面积 × "
        "(1 − 所在图斑的 KCXS)，无 KCXS 时 × TBDLMJ/TBMJ。按面积乘系数折算变化部分的口径尚未与省级规程核对。",
        "扣除调整 (仅净面积表): 仍为耕地、地类或扣除系数改变 (如 0103 改为 0101、系数重新核定) 的部分在净面积上的增减。"
        "净面积表的未能归因差额还包含图斑面积 TBMJ 与图形椭球面积之差，以及地类未变但扣除系数改变的图斑。",
        "永久基本农田内/生态保护红线内 (净面积表): 位于该图层内的耕地面积 × (1 − 所在耕地图斑的扣除系数)。",
    ]


def _write_notes(ws, lines):
    from openpyxl.styles import Alignment

    ws.column_dimensions["A"].width = 120
    _print_setup(ws, repeat=False)
    for k, line in enumerate(lines, 1):
        ws.cell(row=k, column=1, value=line).alignment = Alignment(wrap_text=True)


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
