"""How the detail sheet is cut into printed page widths and scaled (print_layout)."""

import pytest

from plugin.core.ledger.print_layout import (
    MIN_SCALE,
    PRINTABLE_PT,
    print_pages,
    text_lines,
    width_points,
)


def page_points(widths, repeat, pages):
    bounds = pages.starts + [len(widths)]
    return [sum(width_points(w) for w in widths[:repeat] + widths[a:b])
            for a, b in zip(bounds, bounds[1:])]


def test_pages_begin_where_the_template_says_and_share_one_scale():
    widths = [10] * 4 + [10] * 6 + [10] * 6
    groups = ["key"] * 4 + ["a"] * 6 + ["b"] * 6
    pages = print_pages(widths, 4, [10], groups)
    assert pages.starts == [4, 10]
    assert pages.scale == 100  # two narrow pages fit as they are


def test_a_page_too_wide_to_print_readably_is_split_at_a_group():
    widths = [10] * 4 + [40] * 5 + [40] * 5  # 400 units after the key columns
    groups = ["key"] * 4 + ["a"] * 5 + ["b"] * 5
    pages = print_pages(widths, 4, [], groups)
    assert pages.starts == [4, 9]
    assert MIN_SCALE <= pages.scale < 100
    assert max(page_points(widths, 4, pages)) * pages.scale / 100 <= PRINTABLE_PT


def test_a_group_wider_than_a_page_is_split_between_its_columns():
    widths = [10] * 2 + [30] * 20
    groups = ["key"] * 2 + ["wide"] * 20
    pages = print_pages(widths, 2, [], groups)
    assert len(pages.starts) >= 3
    assert pages.scale >= MIN_SCALE
    assert max(page_points(widths, 2, pages)) * pages.scale / 100 <= PRINTABLE_PT


@pytest.mark.parametrize("text, width, lines", [
    ("认定面积", 10, 1), ("认定面积(亩)", 7, 2), ("第一行\n第二行", 20, 2), ("", 8, 1),
    ("a" * 30, 11, 3),
])
def test_lines_count_cjk_characters_as_two_units(text, width, lines):
    assert text_lines(text, width) == lines
