"""The ledger workbook written: the detail sheet, 汇总 and 说明 (``workbook_reader`` reads it back).

openpyxl (streaming, write-only mode) writes the workbook: styles, header, sheet settings,
validations, the summary and notes sheets. The detail sheet's data rows, the bulk of the file,
are then added as SpreadsheetML with a shared-string table (see :func:`_detail_xml`).
"""

import io
import os
import zipfile
from typing import Dict, Sequence, Tuple

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.xml.constants import SHEET_MAIN_NS

from ..errors import InputError
from ..io.xml_text import xml_escape
from .cells import (
    EXCEL_MAX_TEXT,
    display_width,
    needs_quote_prefix,
    text_to_cell,
)
from .columns import (
    COLUMNS,
    NUMBER_FORMATS,
    SHEET_DETAIL,
    SHEET_NOTES,
    SHEET_SUMMARY,
)

_THIN = Side(style="thin", color="999999")
BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
HEADER_FONT = Font(bold=True)
READ_ONLY_FILL = PatternFill("solid", fgColor="D9E1F2")
ANALYST_FILL = PatternFill("solid", fgColor="FFF2CC")
HEADER_ALIGN = Alignment(horizontal="center", vertical="center", wrap_text=True)
DATA_ALIGN = Alignment(vertical="center")  # rows heightened by pictures keep text mid-row
TEXT_FORMAT = "@"
XML_HEADER = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
SHARED_STRINGS_REL = ("http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
                      "sharedStrings")
SHARED_STRINGS_TYPE = ("application/vnd.openxmlformats-officedocument.spreadsheetml."
                       "sharedStrings+xml")
MIN_WIDTH = 6
PICTURE_PADDING_PX = 3  # between a picture and its cell's top and left border


def write_workbook(path: str, detail_rows: Sequence[dict], summary, notes,
                   pictures: Sequence[Tuple[str, Dict[str, bytes]]] = ()) -> None:
    """Write the ledger to ``path`` (which must be a fresh temporary file name).

    ``summary``: SummaryTable list; ``notes``: rows for 说明 (lists of values, a row of one
    value is a section heading); ``pictures``: extra columns after the ledger's own, each a
    header and {patch id: image file bytes (JPEG/PNG)} placed in that patch's row.
    """
    _check_lengths(detail_rows)
    wb = Workbook(write_only=True)
    detail = wb.create_sheet(SHEET_DETAIL)
    anchored = _anchor_pictures(detail_rows, pictures)
    styles = _write_detail(detail, detail_rows, pictures, anchored)
    heights = {}
    for letter, row, picture in anchored:
        detail.add_image(picture, _in_cell(letter, row, picture))
        # a point is 4/3 pixel at Excel's 96 dpi
        heights[row] = max(heights.get(row, 0.0), (picture.height + PICTURE_PADDING_PX) * 0.75)
    _write_summary(wb.create_sheet(SHEET_SUMMARY), summary)
    _write_notes(wb.create_sheet(SHEET_NOTES), notes)
    frame = path + ".frame"
    try:
        wb.save(frame)
        rows_xml, strings_xml = _detail_xml(detail_rows, styles, heights)
        _splice(frame, path, detail.path.lstrip("/"), rows_xml, strings_xml)
    finally:
        if os.path.exists(frame):
            os.unlink(frame)


class _Cells:
    """Styled template cells, one per (column, style), reused row after row.

    A row is built before it is written, so two cells of one row never share a template.
    """

    def __init__(self, ws):
        self.ws = ws
        self._cache = {}

    def get(self, slot, fmt=None, quote=False, border=True, bold=False, fill=None, align=None):
        key = (slot, fmt, quote, border, bold, fill, align)
        cell = self._cache.get(key)
        if cell is None:
            cell = WriteOnlyCell(self.ws)
            if fmt:
                cell.number_format = fmt
            if quote:
                cell.quotePrefix = True
            if border:
                cell.border = BORDER
            if bold:
                cell.font = HEADER_FONT
            if fill is not None:
                cell.fill = fill
            if align is not None:
                cell.alignment = align
            self._cache[key] = cell
        return cell

    def value(self, slot, value, fmt=None, **style):
        """The template cell of column ``slot`` holding ``value``; text never becomes a formula."""
        if isinstance(value, str):
            cell = self.get(slot, fmt or TEXT_FORMAT, needs_quote_prefix(value), **style)
            cell.value = text_to_cell(value)
            cell.data_type = "s"
            return cell
        cell = self.get(slot, fmt, **style)
        cell.value = value
        return cell


def _write_detail(ws, rows, pictures=(), anchored=()):
    """Header row and sheet settings through openpyxl; returns the data cells' style ids."""
    n = len(rows)
    headers = [c.header for c in COLUMNS] + [header for header, _ in pictures]
    last = get_column_letter(len(headers))
    for k, column in enumerate(COLUMNS, 1):
        ws.column_dimensions[get_column_letter(k)].width = _width(column, rows)
    widest: Dict[str, int] = {}
    for letter, _, picture in anchored:
        widest[letter] = max(widest.get(letter, 0), picture.width)
    for k in range(len(COLUMNS) + 1, len(headers) + 1):
        letter = get_column_letter(k)  # an Excel width unit is ~7 pixels
        ws.column_dimensions[letter].width = max(
            MIN_WIDTH, round((widest.get(letter, 0) + 2 * PICTURE_PADDING_PX) / 7, 1))
    # Without <dimension> a streaming reader (openpyxl's read-only mode) scans the whole sheet
    # just to learn its size; the size is known here, so state it.
    ws.calculate_dimension = lambda: f"A1:{last}{n + 1}"
    ws.freeze_panes = "C2"
    ws.auto_filter.ref = f"A1:{last}{n + 1}"
    ws.print_title_rows = "1:1"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = Worksheet.PAPERSIZE_A3
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.oddFooter.center.text = "第 &P 页，共 &N 页"
    ws.row_dimensions[1].height = 32
    _add_validations(ws, n)

    cells = _Cells(ws)
    fills = [ANALYST_FILL if c.editable else READ_ONLY_FILL for c in COLUMNS]
    fills += [READ_ONLY_FILL] * len(pictures)
    ws.append([cells.value(k, header, fill=fill, bold=True, align=HEADER_ALIGN)
               for k, (header, fill) in enumerate(zip(headers, fills))])
    # Style ids of the data cells: (plain text, quote-prefixed text, number) per column; the
    # picture columns hold no value, only a bordered cell under the picture.
    styles = [(cells.get(k, TEXT_FORMAT, align=DATA_ALIGN).style_id,
               cells.get(k, TEXT_FORMAT, quote=True, align=DATA_ALIGN).style_id,
               cells.get(k, NUMBER_FORMATS.get(c.kind), align=DATA_ALIGN).style_id)
              for k, c in enumerate(COLUMNS)]
    return styles + [(cells.get(k).style_id,) * 3 for k in range(len(COLUMNS), len(headers))]


def _anchor_pictures(rows, pictures):
    """[(column letter, row number, openpyxl Image)] of every picture, in its patch's row."""
    if not any(images for _, images in pictures):
        return []
    from openpyxl.drawing.image import (
        Image,  # needs Pillow; only a ledger with pictures does
    )

    out = []
    for k, (_, images) in enumerate(pictures, len(COLUMNS) + 1):
        letter = get_column_letter(k)
        for n, row in enumerate(rows, 2):
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


def _detail_xml(rows, styles, heights=None):
    """The data rows of the detail sheet as SpreadsheetML, and their shared-string table.

    openpyxl spends ~30 µs on each cell and writes every string inline (as character
    references with Python's ElementTree); a county's ledger holds 10⁵–10⁶ cells, so the rows
    are written here directly, with repeated text (reasons, classes, townships) stored once.
    ``heights``: row number → height in points, for rows that hold pictures.
    """
    heights = heights or {}
    strings: Dict[str, int] = {}
    letters = [get_column_letter(k) for k in range(1, len(styles) + 1)]
    keys = [c.key for c in COLUMNS] + [None] * (len(styles) - len(COLUMNS))
    parts = []
    for n, row in enumerate(rows, 2):
        height = heights.get(n)
        parts.append(f'<row r="{n}" ht="{height:.1f}" customHeight="1">' if height
                     else f'<row r="{n}">')
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
    table = [f'<sst xmlns="{SHEET_MAIN_NS}" count="{len(strings)}" uniqueCount="{len(strings)}">']
    table += [f'<si><t xml:space="preserve">{xml_escape(t)}</t></si>' for t in strings]
    table.append("</sst>")
    return "".join(parts).encode("utf-8"), (XML_HEADER + "".join(table)).encode("utf-8")


def _splice(frame, path, sheet_part, rows_xml, strings_xml):
    """Copy the workbook openpyxl wrote, adding the detail rows and the shared strings."""
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
            elif item.filename == "[Content_Types].xml":
                data = data.replace(b"</Types>", (
                    f'<Override PartName="/xl/sharedStrings.xml" ContentType="{SHARED_STRINGS_TYPE}"/>'
                    "</Types>").encode("utf-8"))
            if item.filename.startswith("xl/media/"):
                item.compress_type = zipfile.ZIP_STORED  # JPEG/PNG: deflate gains nothing
            dst.writestr(item, data)
        dst.writestr("xl/sharedStrings.xml", strings_xml)


def _check_lengths(rows):
    """Refuse text a cell cannot hold before anything is written (Excel truncates it)."""
    for row in rows:
        for column in COLUMNS:
            value = row.get(column.key)
            if isinstance(value, str) and len(value) > EXCEL_MAX_TEXT:
                raise InputError(f"文本长 {len(value)} 字，超过 Excel 单元格上限 {EXCEL_MAX_TEXT} 字",
                                 layer=SHEET_DETAIL, feature=row["patch_id"], field=column.header)


def _add_validations(ws, n):
    if n == 0:
        return
    for k, column in enumerate(COLUMNS, 1):
        if not column.allowed:
            continue
        letter = get_column_letter(k)
        choices = "、".join(column.allowed)
        dv = DataValidation(type="list", formula1='"' + ",".join(column.allowed) + '"',
                            allow_blank=True, showErrorMessage=True, showInputMessage=True,
                            errorTitle=f"{column.header}取值不对", error=f"请从下拉列表中选择：{choices}",
                            promptTitle=column.header, prompt=f"可选：{choices}")
        dv.add(f"{letter}2:{letter}{n + 1}")
        ws.data_validations.append(dv)


def _width(column, rows):
    """Column width in Excel units: the widest value, the header on two lines at most."""
    widest = 0
    fmt = NUMBER_FORMATS.get(column.kind)
    for row in rows:
        value = row.get(column.key)
        if value is None:
            continue
        if isinstance(value, str):
            w = display_width(value)
        else:
            w = len(_shown_number(value, fmt))
        if w > widest:
            widest = w
            if widest >= column.max_width:
                break
    header = display_width(column.header)
    return min(max(widest + 2, (header + 1) // 2 + 2, MIN_WIDTH), max(column.max_width, MIN_WIDTH))


def _shown_number(value, fmt):
    if fmt and "." in fmt:
        return f"{value:.{len(fmt.split('.')[1])}f}"
    return str(value)


def _write_summary(ws, tables):
    cells = _Cells(ws)
    width = max(len(t.headers) for t in tables)
    for k in range(width):
        ws.column_dimensions[get_column_letter(k + 1)].width = 16 if k == 0 else 12
    ws.print_title_rows = "1:2"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    for t, table in enumerate(tables):
        if t:
            ws.append([])
        ws.append([cells.value(0, table.title, border=False, bold=True)])
        ws.append([cells.value(k, h, bold=True, fill=READ_ONLY_FILL, align=HEADER_ALIGN)
                   for k, h in enumerate(table.headers)])
        for row in table.rows + [table.total]:
            bold = row is table.total
            ws.append([_summary_cell(cells, k, h, v, bold)
                       for k, (h, v) in enumerate(zip(table.headers, row))])


def _summary_cell(cells, slot, header, value, bold):
    if value is None:
        return cells.get(("blank", slot), bold=bold)
    fmt = "0.00" if header.endswith(("(亩)", "(%)")) else ("0" if isinstance(value, int) else None)
    return cells.value(slot, value, fmt, bold=bold)


def _write_notes(ws, rows):
    cells = _Cells(ws)
    ws.column_dimensions["A"].width = 22
    ws.column_dimensions["B"].width = 70
    for k in "CDEF":
        ws.column_dimensions[k].width = 24
    for row in rows:
        if len(row) == 1:
            ws.append([cells.value(0, row[0], border=False, bold=True)])
        else:
            ws.append([None if v is None else cells.value(k, v, border=False)
                       for k, v in enumerate(row)])
