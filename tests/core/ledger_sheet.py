"""Reading a ledger workbook in tests, with plain openpyxl (not with the ledger's own reader):
the detail sheet's header row lies under the title block, and a signature line follows the
last patch."""

import openpyxl

def header_row(ws) -> int:
    """The row holding the column headers: the first starting with 序号 (every template used
    in the tests starts with it)."""
    for row in ws.iter_rows(min_row=1, max_row=10, max_col=1):
        if row[0].value == "序号":
            return row[0].row
    raise AssertionError("no header row")


def headers(ws) -> dict:
    """Header → column number (1-based)."""
    return {c.value: c.column for c in ws[header_row(ws)] if c.value is not None}


def data_rows(ws) -> range:
    """Row numbers of the patches: from under the header to the last row with a 序号."""
    first = header_row(ws) + 1
    column = 1
    last = first - 1
    for r in range(first, ws.max_row + 1):
        if ws.cell(r, column).value is not None:
            last = r
    return range(first, last + 1)


def sheet_records(path, sheet="整改台账"):
    """One dict (header → value) per patch row of the detail sheet."""
    ws = openpyxl.load_workbook(path)[sheet]
    names = headers(ws)
    return [{h: ws.cell(r, k).value for h, k in names.items()} for r in data_rows(ws)]


def summary_blocks(path):
    """{title: (headers, [group rows as dicts], total row as dict)} of the 汇总 sheet."""
    rows = list(openpyxl.load_workbook(path)["汇总"].iter_rows(values_only=True))
    names = [rows[2][0]] + list(rows[3][1:])
    blocks, k = {}, 4
    while k < len(rows):
        if isinstance(rows[k][0], str) and rows[k][0].startswith("按") \
                and rows[k][0].endswith("汇总"):
            title, body = rows[k][0], []
            k += 1
            while rows[k][0] != "合计":
                body.append(dict(zip(names, rows[k])))
                k += 1
            blocks[title] = (names, body, dict(zip(names, rows[k])))
        k += 1
    return blocks
