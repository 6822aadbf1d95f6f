"""The ledger workbook written: the detail sheet (this module), 汇总, 说明 and the hidden column
table (``side_sheets``); ``workbook_reader`` reads it back.

The detail sheet: a title block (title, then 监测批次/填报单位/填报日期), a row of group headers,
the column headers, one row per patch, and the signature line under the last row. It prints on
A3 landscape with the template's key columns on every page (``print_layout``), its header rows
repeated, frozen and filtered on screen.

openpyxl (streaming, write-only mode) writes the workbook: styles, the rows above the data,
sheet settings, validations and the other sheets. The detail sheet's data rows, the bulk of the
file, are then added as SpreadsheetML with a shared-string table (see :func:`_detail_xml`).
"""

import io
import os
import re
import zipfile
from dataclasses import dataclass
from typing import Dict, List, Sequence, Tuple

from openpyxl import Workbook
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.pagebreak import Break
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.xml.constants import SHEET_MAIN_NS

from ..errors import InputError
from ..io.xml_text import xml_escape
from .cells import EXCEL_MAX_TEXT, needs_quote_prefix, text_to_cell
from .columns import (
    NUMBER_FORMATS,
    SHEET_COLUMNS,
    SHEET_DETAIL,
    SHEET_NOTES,
    SHEET_SUMMARY,
    Column,
)
from .print_layout import (
    MARGIN_HEADER_IN,
    MARGIN_SIDE_IN,
    MARGIN_TOP_IN,
    FONT_PT,
    MIN_WIDTH,
    TITLE_PT,
    PrintPages,
    RowHeights,
    column_width,
    header_height,
    line_points,
    print_pages,
)
from .sheet_style import (
    ANALYST_FILL,
    DATA_ALIGN,
    DATA_FONT,
    HEADER_ALIGN,
    HEADER_FONT,
    READ_ONLY_FILL,
    TEXT_FORMAT,
    TITLE_ALIGN,
    TITLE_FONT,
    WRAP_ALIGN,
    StyledCells,
)
from .side_sheets import write_columns_sheet, write_notes, write_summary
from .validations import add_validations

XML_HEADER = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
SHARED_STRINGS_REL = ("http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
                      "sharedStrings")
SHARED_STRINGS_TYPE = ("application/vnd.openxmlformats-officedocument.spreadsheetml."
                       "sharedStrings+xml")
_PRINT_TITLES = re.compile(rb'(<definedName name="_xlnm.Print_Titles" localSheetId="0">)[^<]*'
                           rb'(</definedName>)')
PICTURE_PADDING_PX = 3  # between a picture and its cell's top and left border
PICTURE_GROUP = "影像"
TITLE_ROWS = 2  # title, then 监测批次/填报单位/填报日期
GROUP_ROW, HEADER_ROW = TITLE_ROWS + 1, TITLE_ROWS + 2
FIRST_DATA_ROW = HEADER_ROW + 1
SIGNATURE_GAP = 1  # empty rows between the last patch and the signature line


@dataclass
class TitleBlock:
    """The text above the header (title, then 监测批次/填报单位/填报日期), the page header of the
    later pages, and the signature line under the last row."""

    title: str
    subtitle: str
    signature: str


@dataclass
class DetailLayout:
    """Where everything goes on the detail sheet."""

    columns: List[Column]
    headers: List[str]
    groups: List[str]
    widths: List[float]
    repeat: int
    pages: PrintPages
    rows: int

    @property
    def last_row(self) -> int:
        return HEADER_ROW + self.rows


def write_workbook(path: str, template, detail_rows: Sequence[dict], summary, notes,
                   title: TitleBlock,
                   pictures: Sequence[Tuple[str, Dict[str, bytes]]] = ()) -> None:
    """Write the ledger to ``path`` (which must be a fresh temporary file name).

    ``template``: the LedgerTemplate (columns, headers, groups, print pages); ``summary``: a
    Summary; ``notes``: rows for 说明 (lists of values, a row of one value is a section
    heading); ``pictures``: extra columns after the ledger's own, each a header and {patch id:
    image file bytes (JPEG/PNG)} placed in that patch's row.
    """
    _check_lengths(detail_rows, template.columns)
    wb = Workbook(write_only=True)
    detail = wb.create_sheet(SHEET_DETAIL)
    anchored = _anchor_pictures(detail_rows, pictures, len(template.columns))
    layout = _layout(template, detail_rows, pictures, anchored)
    styles = _write_detail_head(detail, layout, title)
    heights = {}
    for letter, row, picture in anchored:
        detail.add_image(picture, _in_cell(letter, row, picture))
        # a point is 4/3 pixel at Excel's 96 dpi
        heights[row] = max(heights.get(row, 0.0), (picture.height + PICTURE_PADDING_PX) * 0.75)
    write_summary(wb.create_sheet(SHEET_SUMMARY), summary, title)
    write_notes(wb.create_sheet(SHEET_NOTES), notes)
    write_columns_sheet(wb.create_sheet(SHEET_COLUMNS), template, title.signature)
    frame = path + ".frame"
    try:
        wb.save(frame)
        rows_xml, strings_xml = _detail_xml(layout, detail_rows, styles, heights, title.signature)
        _splice(frame, path, detail.path.lstrip("/"), rows_xml, strings_xml,
                _print_titles(layout))
    finally:
        if os.path.exists(frame):
            os.unlink(frame)


def _layout(template, rows, pictures, anchored) -> DetailLayout:
    columns = list(template.columns)
    widths = [column_width(c, rows) for c in columns]
    widest: Dict[str, int] = {}
    for letter, _, picture in anchored:
        widest[letter] = max(widest.get(letter, 0), picture.width)
    for k in range(len(columns) + 1, len(columns) + len(pictures) + 1):
        letter = get_column_letter(k)  # an Excel width unit is ~7 pixels
        widths.append(max(MIN_WIDTH, round((widest.get(letter, 0) + 2 * PICTURE_PADDING_PX) / 7, 1)))
    groups = list(template.groups) + [PICTURE_GROUP] * len(pictures)
    pages = print_pages(widths, template.repeat, template.page_starts, groups)
    return DetailLayout(columns=columns, headers=[c.header for c in columns] + [h for h, _ in pictures],
                        groups=groups, widths=widths, repeat=template.repeat, pages=pages,
                        rows=len(rows))


def _write_detail_head(ws, layout: DetailLayout, title: TitleBlock):
    """Title block, group and header rows, and sheet settings through openpyxl; returns the
    data cells' style ids per column (plain text, quote-prefixed text, number)."""
    for k, width in enumerate(layout.widths, 1):
        ws.column_dimensions[get_column_letter(k)].width = width
    _sheet_settings(ws, layout, title)
    cells = StyledCells(ws)
    first_page = _page_span(layout, 0)
    for row, (text, font, align, height) in enumerate((
            (title.title, TITLE_FONT, TITLE_ALIGN, line_points(TITLE_PT) + 6),
            (title.subtitle, DATA_FONT, TITLE_ALIGN, line_points() + 4)), 1):
        ws.row_dimensions[row].height = round(height, 1)
        ws.append([cells.value(("title", row), text, border=False, font=font, align=align)])
        ws.merged_cells.add(f"A{row}:{get_column_letter(first_page[1])}{row}")
    fills = [ANALYST_FILL if c.editable else READ_ONLY_FILL for c in layout.columns]
    fills += [READ_ONLY_FILL] * (len(layout.headers) - len(layout.columns))
    # a streamed row takes its height when it is appended
    ws.row_dimensions[GROUP_ROW].height = round(line_points() + 4, 1)
    ws.row_dimensions[HEADER_ROW].height = header_height(layout.headers, layout.widths)
    ws.append([cells.value(("group", k), name, font=HEADER_FONT, fill=fill, align=HEADER_ALIGN)
               for k, (name, fill) in enumerate(zip(layout.groups, fills))])
    for a, b in _group_spans(layout):
        if b > a:
            ws.merged_cells.add(f"{get_column_letter(a)}{GROUP_ROW}:{get_column_letter(b)}{GROUP_ROW}")
    ws.append([cells.value(k, header, font=HEADER_FONT, fill=fill, align=HEADER_ALIGN)
               for k, (header, fill) in enumerate(zip(layout.headers, fills))])
    styles = [(cells.get(k, TEXT_FORMAT, align=WRAP_ALIGN if c.wrap else DATA_ALIGN).style_id,
               cells.get(k, TEXT_FORMAT, quote=True,
                         align=WRAP_ALIGN if c.wrap else DATA_ALIGN).style_id,
               cells.get(k, NUMBER_FORMATS.get(c.kind), align=DATA_ALIGN).style_id)
              for k, c in enumerate(layout.columns)]
    # the picture columns hold no value, only a bordered cell under the picture
    return styles + [(cells.get(k).style_id,) * 3
                     for k in range(len(layout.columns), len(layout.headers))]


def _page_span(layout, page):
    """(first, last) column numbers (1-based) of a printed page's own columns."""
    starts = layout.pages.starts + [len(layout.widths)]
    return starts[page] + 1, starts[page + 1]


def _group_spans(layout):
    """(first, last) column numbers of each run of one group within one printed page."""
    spans = []
    for k, group in enumerate(layout.groups, 1):
        page = layout.pages.page_of(k - 1) if k > layout.repeat else -1
        if spans and spans[-1][2] == (group, page):
            spans[-1][1] = k
        else:
            spans.append([k, k, (group, page)])
    return [(a, b) for a, b, _ in spans]


def _sheet_settings(ws, layout: DetailLayout, title: TitleBlock):
    last = get_column_letter(len(layout.headers))
    # Without <dimension> a streaming reader (openpyxl's read-only mode) scans the whole sheet
    # just to learn its size; the size is known here, so state it.
    ws.calculate_dimension = lambda: f"A1:{last}{max(layout.last_row, HEADER_ROW)}"
    ws.freeze_panes = f"C{FIRST_DATA_ROW}"
    ws.auto_filter.ref = f"A{HEADER_ROW}:{last}{max(layout.last_row, HEADER_ROW)}"
    ws.print_title_rows = f"{GROUP_ROW}:{HEADER_ROW}"
    if layout.repeat:
        ws.print_title_cols = f"A:{get_column_letter(layout.repeat)}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = Worksheet.PAPERSIZE_A3
    ws.page_setup.scale = layout.pages.scale
    ws.page_setup.pageOrder = "overThenDown"  # a patch's page widths follow each other
    ws.sheet_properties.pageSetUpPr.fitToPage = False
    for start in layout.pages.starts[1:]:
        ws.col_breaks.append(Break(id=start))
    margins = ws.page_margins
    margins.left = margins.right = MARGIN_SIDE_IN
    margins.top = margins.bottom = MARGIN_TOP_IN
    margins.header = margins.footer = MARGIN_HEADER_IN
    ws.HeaderFooter.differentFirst = True  # the first page carries the title block itself
    ws.oddHeader.center.text = title.title
    ws.oddHeader.center.size = FONT_PT
    for footer in (ws.oddFooter, ws.firstFooter):
        footer.center.text = "第 &P 页，共 &N 页"
        footer.center.size = FONT_PT
    add_validations(ws, layout.columns, FIRST_DATA_ROW, layout.last_row)


def _anchor_pictures(rows, pictures, after):
    """[(column letter, row number, openpyxl Image)] of every picture, in its patch's row."""
    if not any(images for _, images in pictures):
        return []
    from openpyxl.drawing.image import (
        Image,  # needs Pillow; only a ledger with pictures does
    )

    out = []
    for k, (_, images) in enumerate(pictures, after + 1):
        letter = get_column_letter(k)
        for n, row in enumerate(rows, FIRST_DATA_ROW):
            data = images.get(row["patch_id"])
            if data is not None:
                out.append((letter, n, Image(io.BytesIO(data))))
    return out


def _in_cell(letter, row, picture):
    """An anchor that keeps the picture in its cell ("move and size with cells"): a row hidden
    by a filter hides its pictures, and sorting carries them along. The anchor ends at the top
    of the next row (LibreOffice keeps a picture whose end lies inside its own row visible in a
    hidden row), so the row is exactly as tall as the picture plus the top padding."""
    from openpyxl.drawing.spreadsheet_drawing import AnchorMarker, TwoCellAnchor
    from openpyxl.utils.cell import column_index_from_string
    from openpyxl.utils.units import pixels_to_EMU

    col, pad = column_index_from_string(letter) - 1, pixels_to_EMU(PICTURE_PADDING_PX)
    return TwoCellAnchor(editAs="twoCell",
                         _from=AnchorMarker(col=col, colOff=pad, row=row - 1, rowOff=pad),
                         to=AnchorMarker(col=col, colOff=pad + pixels_to_EMU(picture.width),
                                         row=row, rowOff=0))


def _detail_xml(layout: DetailLayout, rows, styles, heights, signature):
    """The data rows of the detail sheet as SpreadsheetML, and their shared-string table.

    openpyxl spends ~30 µs on each cell and writes every string inline (as character
    references with Python's ElementTree); a county's ledger holds 10⁵–10⁶ cells, so the rows
    are written here directly, with repeated text (reasons, classes, townships) stored once.
    ``heights``: row number → height in points of rows that hold pictures; rows whose wrapped
    text needs more than a line get the height it needs (not marked custom, so a client may
    grow the row again when an analyst types more).
    """
    strings: Dict[str, int] = {}
    letters = [get_column_letter(k) for k in range(1, len(styles) + 1)]
    keys = [c.key for c in layout.columns] + [None] * (len(styles) - len(layout.columns))
    text_height = RowHeights(layout.columns, layout.widths)
    parts = []
    for n, row in enumerate(rows, FIRST_DATA_ROW):
        picture = heights.get(n)
        wrapped = text_height(row)
        if picture:
            parts.append(f'<row r="{n}" ht="{max(picture, wrapped or 0):.1f}" customHeight="1">')
        elif wrapped:
            parts.append(f'<row r="{n}" ht="{wrapped:.1f}">')
        else:
            parts.append(f'<row r="{n}">')
        for letter, key, (text_style, quoted_style, number_style) in zip(letters, keys, styles):
            value = row.get(key) if key else None
            if value is None:
                parts.append(f'<c r="{letter}{n}" s="{text_style}"/>')
            elif isinstance(value, str):
                index = strings.setdefault(text_to_cell(value), len(strings))
                style = quoted_style if needs_quote_prefix(value) else text_style
                parts.append(f'<c r="{letter}{n}" s="{style}" t="s"><v>{index}</v></c>')
            else:
                parts.append(f'<c r="{letter}{n}" s="{number_style}"><v>{value!r}</v></c>')
        parts.append("</row>")
    if signature:
        # In the first column of the last printed page, so it prints on the last page only.
        n = layout.last_row + SIGNATURE_GAP + 1
        index = strings.setdefault(text_to_cell(signature), len(strings))
        letter = get_column_letter(layout.pages.starts[-1] + 1)
        parts.append(f'<row r="{n}" ht="{line_points() * 2:.1f}" customHeight="1">'
                     f'<c r="{letter}{n}" t="s"><v>{index}</v></c></row>')
    table = [f'<sst xmlns="{SHEET_MAIN_NS}" count="{len(strings)}" uniqueCount="{len(strings)}">']
    table += [f'<si><t xml:space="preserve">{xml_escape(t)}</t></si>' for t in strings]
    table.append("</sst>")
    return "".join(parts).encode("utf-8"), (XML_HEADER + "".join(table)).encode("utf-8")


def _print_titles(layout):
    """The detail sheet's print titles as Excel writes them (absolute, columns first):
    LibreOffice ignores the repeated columns in openpyxl's relative form."""
    sheet = f"'{SHEET_DETAIL}'"
    rows = f"{sheet}!${GROUP_ROW}:${HEADER_ROW}"
    if not layout.repeat:
        return rows
    return f"{sheet}!$A:${get_column_letter(layout.repeat)},{rows}"


def _splice(frame, path, sheet_part, rows_xml, strings_xml, print_titles):
    """Copy the workbook openpyxl wrote, adding the detail rows and the shared strings, and
    writing the detail sheet's print titles (the first sheet's) in Excel's form."""
    with zipfile.ZipFile(frame) as src, \
            zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == sheet_part:
                if data.count(b"</sheetData>") != 1:
                    raise RuntimeError(f"unexpected sheet layout in {sheet_part}")
                data = data.replace(b"</sheetData>", rows_xml + b"</sheetData>")
            elif item.filename == "xl/_rels/workbook.xml.rels":
                data = data.replace(b"</Relationships>", (
                    f'<Relationship Id="rIdLedgerStrings" Type="{SHARED_STRINGS_REL}" '
                    f'Target="sharedStrings.xml"/></Relationships>').encode("utf-8"))
            elif item.filename == "xl/workbook.xml":
                data = _PRINT_TITLES.sub(lambda m: m.group(1) + xml_escape(print_titles).encode()
                                         + m.group(2), data, count=1)
            elif item.filename == "[Content_Types].xml":
                data = data.replace(b"</Types>", (
                    f'<Override PartName="/xl/sharedStrings.xml" ContentType="{SHARED_STRINGS_TYPE}"/>'
                    "</Types>").encode("utf-8"))
            if item.filename.startswith("xl/media/"):
                item.compress_type = zipfile.ZIP_STORED  # JPEG/PNG: deflate gains nothing
            dst.writestr(item, data)
        dst.writestr("xl/sharedStrings.xml", strings_xml)


def _check_lengths(rows, columns):
    """Refuse text a cell cannot hold before anything is written (Excel truncates it)."""
    for row in rows:
        for column in columns:
            value = row.get(column.key)
            if isinstance(value, str) and len(value) > EXCEL_MAX_TEXT:
                raise InputError(f"文本长 {len(value)} 字，超过 Excel 单元格上限 {EXCEL_MAX_TEXT} 字",
                                 layer=SHEET_DETAIL, feature=row["patch_id"], field=column.header)
