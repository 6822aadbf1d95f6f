"""How the ledger's sheets fit on screen and on paper: column widths from their contents, row
heights that fit wrapped text, and the printed page widths of the detail sheet.

The detail sheet prints on A3 landscape: the template's repeated columns (序号, 图斑编号 …) at
the left of every page, the other columns split into page widths at the template's
``new_page`` groups (a page still too wide is split again at group, then column boundaries),
and one scale for all pages, so every page prints at the same, readable size.

Widths are Excel's units (the width of a digit of the default font); a CJK character takes
two. Heights are points. Both are estimates any client will honour; LibreOffice, Excel and WPS
draw within them.
"""

import math
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence, Tuple

from .cells import display_width
from .columns import NUMBER_FORMATS, Column

FONT_PT = 10  # data and header text
TITLE_PT = 16
LINE_HEIGHT = 1.45  # line pitch per point of font size (CJK fonts: Noto Sans CJK, SimSun)
CELL_PADDING_PT = 3
MIN_WIDTH = 6
LIST_ARROW = 3  # room for the drop-down arrow of a list column
FILL_IN_WIDTH = 10  # analysts' columns: room to write by hand on a printout
HEADER_LINES = 4

A3_LANDSCAPE_PT = 1190.55
MARGIN_SIDE_IN, MARGIN_TOP_IN, MARGIN_HEADER_IN = 0.3, 0.55, 0.25
PRINTABLE_PT = A3_LANDSCAPE_PT - 2 * 72 * MARGIN_SIDE_IN
FIT_RESERVE = 0.95  # clients measure widths a little differently
MIN_SCALE = 75  # percent: below this a page is split again rather than shrunk


def line_points(font_pt: float = FONT_PT) -> float:
    return font_pt * LINE_HEIGHT


def width_points(width: float) -> float:
    """Printed width of a column of ``width`` units at 100 % (Excel: 7 px a unit + 5 px)."""
    return (width * 7 + 5) * 0.75


def column_width(column: Column, rows: Sequence[dict]) -> float:
    """Width in Excel units: the widest value (up to ``max_width``; wrapping columns wrap
    beyond it), the header on at most four lines, the longest list value with its arrow."""
    widest, largest, negative = 0, None, False
    for row in rows:
        value = row.get(column.key)
        if value is None:
            continue
        if not isinstance(value, str):  # a number's shown width grows with its magnitude
            largest = abs(value) if largest is None else max(largest, abs(value))
            negative = negative or value < 0
            continue
        w = display_width(value)
        if w > widest:
            widest = w
            if widest >= column.max_width:
                break
    if largest is not None:
        shown = len(_shown_number(largest, NUMBER_FORMATS.get(column.kind))) + negative
        widest = max(widest, shown)
    width = max(widest + 2, math.ceil(display_width(column.header) / HEADER_LINES) + 2, MIN_WIDTH)
    if column.allowed:
        width = max(width, max(display_width(v) for v in column.allowed) + LIST_ARROW)
    elif column.editable:
        width = max(width, FILL_IN_WIDTH)
    return min(width, max(column.max_width, MIN_WIDTH))


def _shown_number(value, fmt):
    if fmt and "." in fmt:
        return f"{value:.{len(fmt.split('.')[1])}f}"
    return str(value)


def text_lines(text: str, width: float) -> int:
    """Lines ``text`` takes wrapped in a column ``width`` units wide (CJK breaks anywhere)."""
    room = max(width - 1, 1)
    return sum(max(1, math.ceil(display_width(part) / room)) for part in str(text).split("\n"))


def header_height(headers: Sequence[str], widths: Sequence[float]) -> float:
    """Height of a header row whose texts wrap in columns of ``widths``."""
    lines = max([text_lines(h, w) for h, w in zip(headers, widths) if h] or [1])
    return text_height(lines)


def text_height(lines: int, font_pt: float = FONT_PT) -> float:
    """Height of a row of ``lines`` lines of text."""
    return round(lines * line_points(font_pt) + CELL_PADDING_PT, 1)


class RowHeights:
    """Heights of data rows whose wrapped text needs more than one line (None: one line)."""

    def __init__(self, columns: Sequence[Column], widths: Sequence[float]):
        self._wrapped = [(c.key, w) for c, w in zip(columns, widths) if c.wrap]
        self._lines: Dict[Tuple[str, float], int] = {}  # reasons repeat row after row

    def __call__(self, row: dict) -> Optional[float]:
        lines = 1
        for key, width in self._wrapped:
            value = row.get(key)
            if isinstance(value, str):
                cached = self._lines.get((value, width))
                if cached is None:
                    cached = self._lines[(value, width)] = text_lines(value, width)
                lines = max(lines, cached)
        return text_height(lines) if lines > 1 else None


@dataclass
class PrintPages:
    """The detail sheet's printed page widths: ``starts`` are the indexes of the columns that
    begin a page (after the repeated ones), ``scale`` the print scale in percent."""

    starts: List[int]
    scale: int

    def page_of(self, index: int) -> int:
        return sum(1 for s in self.starts if s <= index) - 1


def print_pages(widths: Sequence[float], repeat: int, breaks: Sequence[int],
                groups: Sequence[str]) -> PrintPages:
    """Page widths for columns of ``widths``: the first ``repeat`` print on every page; a page
    starts at ``repeat`` and at each of ``breaks``; a page wider than the paper at MIN_SCALE is
    split again at group boundaries (``groups``: each column's group), else at columns."""
    points = [width_points(w) for w in widths]
    room = PRINTABLE_PT * FIT_RESERVE * 100 / MIN_SCALE - sum(points[:repeat])
    starts = []
    bounds = sorted({repeat, *breaks}) + [len(widths)]
    for a, b in zip(bounds, bounds[1:]):
        starts += _split(points, groups, a, b, room)
    widest = max(sum(points[a:b]) for a, b in zip(starts, starts[1:] + [len(widths)]))
    scale = PRINTABLE_PT * FIT_RESERVE / (sum(points[:repeat]) + widest) * 100
    return PrintPages(starts=starts, scale=max(10, min(100, int(scale))))


def _split(points, groups, a, b, room) -> List[int]:
    """Starts of the pages the columns a..b-1 need: whole groups while they fit, else single
    columns."""
    starts, used = [a], 0.0
    k = a
    while k < b:
        end = k + 1
        while end < b and groups[end] == groups[k]:
            end += 1
        span = sum(points[k:end])
        if span > room:  # a group wider than a page: its columns one by one
            end, span = k + 1, points[k]
        if used and used + span > room:
            starts.append(k)
            used = 0.0
        used += span
        k = end
    return starts
