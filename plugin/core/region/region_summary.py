"""The region's summary workbook: 汇总 by county and by violation type (counts, the patch area
and the flagged area in 亩, 整改进展 and 图斑清零 progress), and 说明 (the counties, their
status and results, what the areas mean). It follows the ledger: the same title block, the
same sheets and print set-up (A3 landscape one page wide, header rows repeated; 说明 on A4),
and its totals add up the counties' ledger rows exactly as each county's own 汇总 does."""

import os

from openpyxl import Workbook

from ...identity import VERSION
from ..io.atomic import replacing
from ..ledger.columns import FLAGGED_VERDICTS, SHEET_NOTES, SHEET_SUMMARY
from ..ledger.side_sheets import write_notes, write_summary
from ..ledger.summary import summary
from ..ledger.template import load_template
from ..ledger.title import title_block, title_values
from .county_task import EMPTY

SUMMARY_NAME = "region_summary.xlsx"
NAME_HEADER = "县 / 违法类型"
BY_COUNTY = "按县汇总"
AREA_MEANING = ("图斑面积为图斑的椭球面积 (毛面积)；认定面积为规则认定的面积 (净面积：多数规则扣除已批准、"
                "已备案、临时用地覆盖的部分)。各项面积按各县台账显示的亩数 (两位小数) 相加")


def write_region_summary(path, region, outcomes, status_text, generated):
    """Write the workbook for the county ``outcomes`` (in code order) to ``path``, atomically."""
    template = load_template(region.template)
    rows = [dict(r, township=o.label, village=None) for o in outcomes if o.finished
            for r in o.rows]
    heading = title_block(template, title_values({}, rows, {"county": region.name,
                                                             **region.title}, generated))
    missing = [o for o in outcomes if not o.finished and o.status != EMPTY]
    if missing:
        heading.subtitle += f"　　（{len(missing)} 个县未完成，未计入：{'、'.join(o.label for o in missing)}）"
    totals = _by_county_and_type(rows, outcomes, status_text)
    with replacing(path, ".xlsx") as tmp:
        wb = Workbook(write_only=True)
        write_summary(wb.create_sheet(SHEET_SUMMARY), totals, heading)
        write_notes(wb.create_sheet(SHEET_NOTES), _notes(path, region, outcomes, status_text,
                                                          generated, missing))
        wb.save(tmp)


def _by_county_and_type(rows, outcomes, status_text):
    """The ledger's summary of the counties' rows: its township block grouped by county (each
    row's ``township`` holds its county), then its violation-type block; every county gets a
    row, one without flagged patches zeros, one not finished its status and no figures."""
    verdicts = list(FLAGGED_VERDICTS) + sorted({r["verdict"] for r in rows}
                                               - set(FLAGGED_VERDICTS) - {None})
    baselines = sorted({k for o in outcomes for k in o.baselines})
    totals = summary(rows, verdicts, baselines)
    by_county, by_type = totals.blocks[0], totals.blocks[2]
    zeros = summary([], verdicts, baselines).blocks[0].total[1:]
    present = {row[0]: row for row in by_county.rows}
    by_county.title = BY_COUNTY
    by_county.rows = [present.get(o.label) or
                      ([o.label] + zeros if o.finished or o.status == EMPTY else
                       [f"{o.label}（{status_text[o.status]}，未计入）"] + [None] * len(zeros))
                      for o in outcomes]
    totals.blocks = [by_county, by_type]
    totals.headers[0] = NAME_HEADER
    return totals


def _notes(path, region, outcomes, status_text, generated, missing):
    out = [["区域汇总 说明"],
           ["区域", region.name or "(未命名)"],
           ["区域文件", os.path.abspath(region.path)],
           ["生成时间", generated.isoformat(sep=" ", timespec="seconds")],
           ["软件版本", f"土地监管图斑核查 {VERSION}"],
           ["统计范围", "各县列入整改台账的图斑：判定为“违法”“需核实”的图斑，以及已填写核查内容的图斑"],
           ["面积口径", AREA_MEANING],
           ["图斑清零", "销号图斑 (是否销号 = 是) 占列入台账图斑的百分比；整改进展取自各县结果中导入的台账"]]
    if missing:
        out.append(["未完成的县", "、".join(o.label for o in missing) + "：汇总未计入，原因见下表"])
    out += [[], ["各县"], ["县", "状态", "图斑数", "违法 / 需核实", "用时(秒)", "结果文件"]]
    folder = os.path.dirname(os.path.abspath(path))
    for o in outcomes:
        counts = [o.patch_count, " / ".join(str(o.verdicts.get(v, 0)) for v in FLAGGED_VERDICTS),
                  round(o.seconds, 1), os.path.relpath(o.result_path, folder)] if o.finished \
            else ["", "", "", ""]
        out.append([o.label, status_text[o.status]] + counts)
    problems = [o for o in outcomes if o.message]
    if problems:
        out += [[], ["未完成的原因"]] + [[o.label, o.message] for o in problems]
    return out
