"""The analysts' values as the result stores them, and what is wrong with one that cannot be
stored.

Every analysts' column is stored as text: list values and dates trimmed, dates in ISO form
(2024-11-02), amounts and areas with the decimals their cell shows (罚没款 1200.50, 拆除面积
1.25), head counts as whole numbers. A value that does not read as its kind keeps the text the
analyst typed, and :func:`value_problem` says why it is wrong.
"""

import unicodedata
from decimal import Decimal, InvalidOperation
from typing import Optional

from .cells import date_from_text, round_half_up, value_as_text
from .columns import COUNT, DATE, DECIMALS, MU, NUMBER_KINDS, YUAN

UNITS = {MU: "亩", YUAN: "元", COUNT: "人"}  # a unit typed after a number is accepted
MAX_NUMBER = Decimal(10) ** 12  # beyond any amount, area or head count: a typing error


def analyst_value(column, cell) -> Optional[str]:
    """An analyst's cell as the text stored in the result: list values, dates and numbers
    trimmed and in their stored form when they read as one, empty text as None."""
    value = value_as_text(cell)
    if value is None:
        return None
    if not (column.allowed or column.kind == DATE or column.kind in NUMBER_KINDS):
        return value
    value = value.strip() or None
    if value is None:
        return None
    if column.kind == DATE:
        return date_from_text(value) or value
    if column.kind in NUMBER_KINDS:
        number = number_from_text(value, UNITS[column.kind])
        if (number is not None and 0 <= number < MAX_NUMBER
                and (column.kind != COUNT or number == int(number))):
            return str(round_half_up(float(number), DECIMALS[column.kind]))
    return value


def value_problem(column, value: Optional[str], patch_mu: Optional[float]) -> Optional[str]:
    """Why ``value`` (as :func:`analyst_value` gives it) may not be stored in ``column``; None
    when it may. ``patch_mu``: the patch's area in 亩, which no analyst's area may exceed."""
    if value is None:
        return None
    if column.allowed and value not in column.allowed:
        return f"取值“{value}”不在允许范围 ({'/'.join(column.allowed)})"
    if column.kind == DATE and date_from_text(value) is None:
        return f"“{value}”不是日期 (应如 2024-11-02)"
    if column.kind not in NUMBER_KINDS:
        return None
    number = number_from_text(value, UNITS[column.kind])
    if number is None:
        return f"“{value}”不是数字"
    if number < 0:
        return f"{value} 为负数"
    if number >= MAX_NUMBER:
        return f"{value} 过大"
    if column.kind == COUNT and number != int(number):
        return f"{value} 不是整数"
    if column.kind == MU and patch_mu is not None and float(number) > patch_mu:
        return f"{value} 亩大于图斑面积 {patch_mu:.2f} 亩"
    return None


def number_from_text(text: str, unit: str = "") -> Optional[Decimal]:
    """The number in ``text`` as people type it (full-width digits, thousands separators, the
    column's unit after it: 1,200.50元); None when it is no finite number."""
    text = unicodedata.normalize("NFKC", text).strip().replace(",", "").replace(" ", "")
    if unit and text.endswith(unit):
        text = text[:-len(unit)]
    try:
        number = Decimal(text)
    except InvalidOperation:
        return None
    return number if number.is_finite() else None
