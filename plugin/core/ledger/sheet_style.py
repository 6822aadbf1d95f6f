"""Cell styles shared by the ledger's sheets, and styled cells for openpyxl's streaming writer."""

from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

from .cells import needs_quote_prefix, text_to_cell
from .print_layout import FONT_PT, TITLE_PT

_THIN = Side(style="thin", color="999999")
BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
# The workbook's own font (its column widths are measured in its digits); CJK text falls back
# to the system's CJK font in every client.
FONT_NAME = "Calibri"
DATA_FONT = Font(name=FONT_NAME, size=FONT_PT)
HEADER_FONT = Font(name=FONT_NAME, size=FONT_PT, bold=True)
TITLE_FONT = Font(name=FONT_NAME, size=TITLE_PT, bold=True)
READ_ONLY_FILL = PatternFill("solid", fgColor="D9E1F2")
ANALYST_FILL = PatternFill("solid", fgColor="FFF2CC")
HEADER_ALIGN = Alignment(horizontal="center", vertical="center", wrap_text=True)
DATA_ALIGN = Alignment(vertical="center")  # rows heightened by pictures keep text mid-row
WRAP_ALIGN = Alignment(vertical="center", wrap_text=True)
TITLE_ALIGN = Alignment(horizontal="center", vertical="center")
LEFT_ALIGN = Alignment(horizontal="left", vertical="center")
NOTE_ALIGN = Alignment(horizontal="left", vertical="top", wrap_text=True)
TEXT_FORMAT = "@"
SECTION_FILL = PatternFill("solid", fgColor="F2F2F2")


class StyledCells:
    """Styled template cells, one per (column, style), reused row after row.

    A row is built before it is written, so two cells of one row never share a template.
    """

    def __init__(self, ws):
        self.ws = ws
        self._cache = {}

    def get(self, slot, fmt=None, quote=False, border=True, font=DATA_FONT, fill=None, align=None):
        key = (slot, fmt, quote, border, id(font), id(fill), id(align))
        cell = self._cache.get(key)
        if cell is None:
            cell = WriteOnlyCell(self.ws)
            if fmt:
                cell.number_format = fmt
            if quote:
                cell.quotePrefix = True
            if border:
                cell.border = BORDER
            if font is not None:
                cell.font = font
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
