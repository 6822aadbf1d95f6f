"""The ledger's other sheets: 汇总 (the summary, printed on A3 landscape with its header rows
repeated), 说明 (inputs, rules, CRS, how to fill in; one or two A4 pages) and the hidden column
table 列定义 (the key of every header, so import reads a ledger of any template)."""

import math

from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from .cells import display_width
from .print_layout import (
    FONT_PT,
    MARGIN_SIDE_IN,
    TITLE_PT,
    header_height,
    line_points,
    text_height,
    text_lines,
)
from .sheet_style import (
    DATA_ALIGN,
    DATA_FONT,
    HEADER_ALIGN,
    HEADER_FONT,
    NOTE_ALIGN,
    READ_ONLY_FILL,
    SECTION_FILL,
    TITLE_ALIGN,
    TITLE_FONT,
    WRAP_ALIGN,
    StyledCells,
)

SUMMARY_HEADER_ROWS = (3, 4)
COLUMNS_HEADER = ("键", "表头", "分组")
TEMPLATE_KEY, SIGNATURE_KEY, PATCH_TYPE_KEY = "_template", "_signature", "_patch_type"
NOTE_WIDTHS = (20, 30, 12, 12, 12, 30)  # 说明: label, then value (merged across the rest)


def write_summary(ws, summary, title) -> None:
    """The summary: title rows, a two-row header (group, column) frozen and repeated on every
    printed page, then one block per grouping (its title row, its rows, its total)."""
    cells = StyledCells(ws)
    width = len(summary.headers)
    widths = _summary_widths(summary)
    for k, w in enumerate(widths, 1):
        ws.column_dimensions[get_column_letter(k)].width = w
    group_row, header_row = SUMMARY_HEADER_ROWS
    # The streaming writer writes sheet settings with the first row, and a row's height with
    # the row: set them first.
    ws.freeze_panes = f"B{header_row + 1}"
    ws.print_title_rows = f"{group_row}:{header_row}"
    _one_page_wide(ws, Worksheet.PAPERSIZE_A3, "landscape")
    last = get_column_letter(width)
    for row, (text, font, pt) in enumerate(((f"{title.title}（汇总）", TITLE_FONT, TITLE_PT),
                                            (title.subtitle, DATA_FONT, FONT_PT)), 1):
        ws.row_dimensions[row].height = round(line_points(pt) + 6, 1)
        ws.append([cells.value(("title", row), text, border=False, font=font, align=TITLE_ALIGN)])
        ws.merged_cells.add(f"A{row}:{last}{row}")
    _summary_header(ws, cells, summary, widths)
    n = header_row
    for block in summary.blocks:
        n += 1
        ws.append([cells.value(("section", k), block.title if k == 0 else None, font=HEADER_FONT,
                               fill=SECTION_FILL) for k in range(width)])
        for row in block.rows + [block.total]:
            n += 1
            lines = text_lines(row[0], widths[0])
            if lines > 1:
                ws.row_dimensions[n].height = text_height(lines)
            font = HEADER_FONT if row is block.total else DATA_FONT
            ws.append([_summary_cell(cells, k, h, v, font)
                       for k, (h, v) in enumerate(zip(summary.headers, row))])


def _summary_header(ws, cells, summary, widths):
    """The group row over the column row; the name column's header spans both."""
    group_row, header_row = SUMMARY_HEADER_ROWS
    groups = [summary.headers[0]]
    for name, span in summary.groups[1:]:
        groups += [name] + [None] * (span - 1)
    ws.row_dimensions[group_row].height = header_height(groups[1:], widths[1:])
    ws.row_dimensions[header_row].height = header_height(summary.headers[1:], widths[1:])
    ws.append([cells.value(("head", k), name or "", font=HEADER_FONT, fill=READ_ONLY_FILL,
                           align=HEADER_ALIGN) for k, name in enumerate(groups)])
    ws.append([cells.value(("head", k), "" if k == 0 else h, font=HEADER_FONT,
                           fill=READ_ONLY_FILL, align=HEADER_ALIGN)
               for k, h in enumerate(summary.headers)])
    ws.merged_cells.add(f"A{group_row}:A{header_row}")
    col = 2
    for _, span in summary.groups[1:]:
        if span > 1:
            ws.merged_cells.add(f"{get_column_letter(col)}{group_row}:"
                                f"{get_column_letter(col + span - 1)}{group_row}")
        col += span


def _summary_widths(summary):
    """The name column as wide as the longest name (up to 40, then wrapped); the others as
    wide as their header on three lines."""
    names = [row[0] for block in summary.blocks for row in block.rows]
    first = min(max([display_width(n) for n in names] + [16]) + 2, 40)
    return [first] + [max(8, math.ceil(display_width(h) / 3) + 2) for h in summary.headers[1:]]


def _summary_cell(cells, slot, header, value, font):
    if value is None:
        return cells.get(("blank", slot), font=font)
    if isinstance(value, str):
        return cells.value(slot, value, font=font, align=WRAP_ALIGN)
    fmt = "0.00" if header.endswith(("(亩)", "(%)")) else "0"
    return cells.value(slot, value, fmt, font=font, align=DATA_ALIGN)


def _one_page_wide(ws, paper, orientation):
    """Printed on ``paper`` one page wide, as many pages tall as it takes, pages numbered."""
    ws.page_setup.orientation = orientation
    ws.page_setup.paperSize = paper
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_margins.left = ws.page_margins.right = MARGIN_SIDE_IN
    ws.oddFooter.center.text = "第 &P 页，共 &N 页"
    ws.oddFooter.center.size = FONT_PT


def write_notes(ws, rows) -> None:
    """说明 on A4 portrait, one page wide: a row of one value is a section heading, a row of
    two a label and its text (spread over the other columns and wrapped), longer rows a table."""
    cells = StyledCells(ws)
    for k, w in enumerate(NOTE_WIDTHS, 1):
        ws.column_dimensions[get_column_letter(k)].width = w
    _one_page_wide(ws, Worksheet.PAPERSIZE_A4, "portrait")
    spread = sum(NOTE_WIDTHS[1:])
    last = get_column_letter(len(NOTE_WIDTHS))
    for n, row in enumerate(rows, 1):
        if len(row) == 1:
            ws.row_dimensions[n].height = text_height(1) + 4
            ws.append([cells.value(("section", 0), row[0], border=False, font=HEADER_FONT,
                                   align=DATA_ALIGN)])
        elif len(row) == 2:
            text = "" if row[1] is None else row[1]
            lines = max(text_lines(str(text), spread), text_lines(str(row[0]), NOTE_WIDTHS[0]))
            if lines > 1:
                ws.row_dimensions[n].height = text_height(lines)
            ws.append([cells.value(("label", 0), row[0], border=False, align=NOTE_ALIGN),
                       cells.value(("text", 1), text, border=False, align=NOTE_ALIGN)])
            ws.merged_cells.add(f"B{n}:{last}{n}")
        else:
            lines = max([text_lines(str(v), w) for v, w in zip(row, NOTE_WIDTHS) if v] or [1])
            if lines > 1:
                ws.row_dimensions[n].height = text_height(lines)
            ws.append([None if v is None else cells.value(("table", k), v, align=NOTE_ALIGN)
                       for k, v in enumerate(row)])


def write_columns_sheet(ws, template, signature) -> None:
    """The hidden sheet 列定义: key, header and group of every column of the detail sheet, the
    template's id, the signature line and the names of patch types, so import knows the
    ledger's columns and values whatever the template, and skips the signature line."""
    ws.sheet_state = "hidden"
    ws.append(list(COLUMNS_HEADER))
    for column, group in zip(template.columns, template.groups):
        ws.append([column.key, column.header, group])
    ws.append([TEMPLATE_KEY, template.id, None])
    ws.append([SIGNATURE_KEY, signature, None])
    for code, name in template.patch_types.items():
        ws.append([PATCH_TYPE_KEY, code, name])
