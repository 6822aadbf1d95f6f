"""Cell values of the ledger: text that can never start a formula, exact rounding, widths.

Text in a spreadsheet cell is dangerous when it begins with = + - @ or a tab/CR: Excel, WPS
and LibreOffice may run it as a formula when the cell is re-edited or the sheet is saved as
CSV. Such text is written as a string cell with the "quote prefix" style (Excel's leading
apostrophe), so it stays text in every client. Characters XML cannot hold (control
characters, and CR which XML parsers turn into LF) are written in OOXML's ``_xHHHH_`` form,
which Excel, WPS and LibreOffice decode; :func:`text_from_cell` decodes it on the way back in.
"""

import datetime
import functools
import re
import unicodedata
from decimal import ROUND_HALF_UP, Decimal
from typing import Optional

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")
EXCEL_MAX_TEXT = 32767

_DATE = re.compile(r"\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*[日号]?"
                   r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?\s*$")
_DATE_DIGITS = re.compile(r"\s*(\d{4})(\d{2})(\d{2})\s*$")
DATE_YEARS = (1990, 2100)  # a verification date outside these is a typing error
_ESCAPE = re.compile(r"[\x00-\x08\x0b-\x1f\ufffe\uffff]")
_LITERAL = re.compile(r"_(?=x[0-9A-Fa-f]{4}_)")
_UNESCAPE = re.compile(r"_x(00[01][0-9A-Fa-f]|005[Ff]|[Ff]{3}[EeFf])_")


def same_text(a: str, b: str) -> bool:
    """Equal as a spreadsheet shows them: a line break is CR LF or LF (LibreOffice keeps LF)."""
    return a == b or a.replace("\r\n", "\n") == b.replace("\r\n", "\n")


def needs_quote_prefix(text: str) -> bool:
    """True when a client could read the text as a formula."""
    return text.startswith(FORMULA_STARTS)


def text_to_cell(text: str) -> str:
    """The text as stored in the workbook (control characters and CR in ``_xHHHH_`` form).

    Text that itself looks like an escape (``_x0041_``) gets its underscore escaped
    (``_x005F_x0041_``), as Excel does, so clients show it literally.
    """
    if "_x" in text:
        text = _LITERAL.sub("_x005F_", text)
    return _ESCAPE.sub(lambda m: f"_x{ord(m.group(0)):04X}_", text)


def text_from_cell(text: str) -> str:
    """Inverse of :func:`text_to_cell` for text read back by openpyxl.

    Decodes the escapes :func:`text_to_cell` writes, in one pass. openpyxl already drops the
    ``_x005F_`` of shared strings, so a literal ``_x0001_`` in data comes back as the control
    character: the one text that does not round-trip.
    """
    if "_x" not in text:
        return text
    return _UNESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text)


def round_half_up(value: float, decimals: int) -> Decimal:
    """``value`` rounded as people round (四舍五入) on its shortest decimal form."""
    return Decimal(repr(float(value))).quantize(Decimal(1).scaleb(-decimals), ROUND_HALF_UP)


def number_for_cell(value: Optional[float], decimals: int):
    """A rounded number for a cell: int when ``decimals`` is 0, else float; None stays None."""
    if value is None:
        return None
    rounded = round_half_up(value, decimals)
    return int(rounded) if decimals == 0 else float(rounded)


def display_width(text: str) -> int:
    """Width in Excel column units of the longest line: CJK and full-width characters take
    two, others one."""
    if text is None:
        return 0
    return _width(str(text))


@functools.lru_cache(maxsize=1 << 16)
def _width(text: str) -> int:
    # a ledger repeats its reasons, classes and townships row after row
    line = max(text.split("\n"), key=len)
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in line)


def value_as_text(value) -> Optional[str]:
    """A cell value as read back (text already decoded), as the text it shows.

    Spreadsheets turn typed dates into date cells and digits into numbers; the result layer
    keeps analysts' columns as text, so both are turned back into what the analyst saw.
    """
    if value is None:
        return None
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, datetime.datetime):
        if value.time() == datetime.time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ", timespec="minutes" if value.second == 0 else "seconds")
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    if isinstance(value, int):
        return str(value)
    text = str(value)
    return text if text != "" else None


def date_from_text(text: Optional[str]) -> Optional[str]:
    """The ISO form (2024-11-02) of a date as people type it: 2024-11-02, 2024/11/2,
    2024.11.02, 2024年11月2日 (or 号), 20241102, in full-width characters too; a time after it
    (a spreadsheet's date cell) is dropped. None when the text is no such date, the day does
    not exist or the year lies outside :data:`DATE_YEARS`."""
    if text is None:
        return None
    text = unicodedata.normalize("NFKC", text)
    match = _DATE.match(text) or _DATE_DIGITS.match(text)
    if match is None:
        return None
    year, month, day = (int(g) for g in match.groups())
    if not DATE_YEARS[0] <= year <= DATE_YEARS[1]:
        return None
    try:
        return datetime.date(year, month, day).isoformat()
    except ValueError:
        return None
