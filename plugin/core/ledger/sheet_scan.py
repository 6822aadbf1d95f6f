"""What a spreadsheet reader does not tell: the merged cells of a sheet and its formula cells
without a cached value, read from the workbook's XML (the OOXML package itself).

Both make a value disappear on import: only the top-left cell of a merged range keeps its
value (the others read as empty), and a formula a program wrote without computing it (no
cached value) reads as empty too. The ledger import refuses both rather than clear what the
result holds.
"""

import posixpath
import re
import zipfile
from dataclasses import dataclass, field
from typing import List, Tuple
from xml.etree import ElementTree as ET

from openpyxl.utils.cell import coordinate_to_tuple, range_boundaries

_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_MERGE = re.compile(rb'<(?:\w+:)?mergeCell\s[^>]*?ref="([A-Za-z]+\d+(?::[A-Za-z]+\d+)?)"')
_FORMULA = re.compile(rb"<(?:\w+:)?f[\s>/]")
CHUNK = 1 << 20
OVERLAP = 256  # bytes kept between chunks so no tag is cut in two


@dataclass
class SheetScan:
    """``merged``: (first row, first column, last row, last column, "A1:B2") of every merged
    range; ``uncached``: (row, column, "A1") of every formula cell without a cached value
    (rows and columns from 1)."""

    merged: List[Tuple[int, int, int, int, str]] = field(default_factory=list)
    uncached: List[Tuple[int, int, str]] = field(default_factory=list)


def scan_sheet(path: str, sheet_name: str) -> SheetScan:
    """Merged ranges and uncached formulas of the sheet ``sheet_name`` of the workbook."""
    with zipfile.ZipFile(path) as package:
        part = _sheet_part(package, sheet_name)
        scan = SheetScan()
        refs, formulas = set(), False
        with package.open(part) as stream:
            tail = b""
            while True:
                chunk = stream.read(CHUNK)
                if not chunk:
                    break
                data = tail + chunk
                refs.update(m.group(1).decode() for m in _MERGE.finditer(data))
                formulas = formulas or _FORMULA.search(data) is not None
                tail = data[-OVERLAP:]
        for ref in sorted(refs):
            min_col, min_row, max_col, max_row = range_boundaries(ref)
            scan.merged.append((min_row, min_col, max_row, max_col, ref))
        scan.merged.sort()
        if formulas:
            with package.open(part) as stream:
                scan.uncached = _uncached_formulas(stream)
    return scan


def _uncached_formulas(stream) -> List[Tuple[int, int, str]]:
    """Formula cells without a value: no value element, or an empty one on a cell that is not
    text (openpyxl writes ``<v></v>`` for a formula it never computed; an empty text result
    is a value)."""
    out = []
    for _, element in ET.iterparse(stream):
        if element.tag != f"{_MAIN}c":
            if element.tag == f"{_MAIN}row":
                element.clear()
            continue
        if element.find(f"{_MAIN}f") is not None:
            value = element.find(f"{_MAIN}v")
            text = element.get("t") in ("str", "inlineStr")
            if value is None or (not (value.text or "") and not text):
                ref = element.get("r", "")
                row, col = coordinate_to_tuple(ref) if ref else (0, 0)
                out.append((row, col, ref))
    return out


def _sheet_part(package, sheet_name) -> str:
    """The package part (``xl/worksheets/sheet1.xml``) of a sheet, by its name."""
    workbook = ET.fromstring(package.read("xl/workbook.xml"))
    rel_id = None
    for sheet in workbook.iter(f"{_MAIN}sheet"):
        if sheet.get("name") == sheet_name:
            rel_id = sheet.get(f"{_REL}id")
    rels = ET.fromstring(package.read("xl/_rels/workbook.xml.rels"))
    for rel in rels.iter(f"{_PKG_REL}Relationship"):
        if rel.get("Id") == rel_id:
            target = rel.get("Target", "")
            if target.startswith("/"):
                return target.lstrip("/")
            return posixpath.normpath(posixpath.join("xl", target))
    raise KeyError(sheet_name)
