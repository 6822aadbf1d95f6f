"""A filled-in table as the ledger check reads it: a ledger's detail sheet, or the field team's
GeoPackage table under the ledger's headers (no spreadsheet library needed for the latter)."""

from dataclasses import dataclass, field
from typing import Dict, FrozenSet, List, Tuple

from .columns import Column


@dataclass
class CellProblem:
    """Cells whose value cannot be trusted: where to report it (row, column header), why, and
    the (row, column key) of every cell it concerns, which import never writes."""

    row: int
    column: str
    message: str
    cells: FrozenSet[Tuple[int, str]]


@dataclass
class SheetData:
    """A detail sheet (or the field team's table) as the ledger check reads it.

    ``columns``: the ledger columns the sheet holds, each with the header the sheet uses;
    ``expected``: the columns the ledger was made with (from its column table); ``unknown``:
    headers that are no ledger column; ``records``: (row number, {column key: value}) of every
    non-blank row; ``problems``: cells whose value cannot be trusted; ``notes``: {label:
    value} of the 说明 sheet; ``index``: column key → its index in the sheet (0-based);
    ``patch_types``: the names the ledger shows after patch-type codes.
    """

    columns: List[Column]
    expected: List[Column]
    records: List[Tuple[int, dict]]
    unknown: List[str] = field(default_factory=list)
    header_row: int = 1
    problems: List[CellProblem] = field(default_factory=list)
    notes: Dict[str, object] = field(default_factory=dict)
    index: Dict[str, int] = field(default_factory=dict)
    patch_types: Dict[str, str] = field(default_factory=dict)

    @property
    def headers(self) -> Dict[str, str]:
        """Column key → the header the sheet uses."""
        return {c.key: c.header for c in self.columns}


def sheet_data(headers: List[str], records: List[Tuple[int, Dict[str, object]]],
               expected: List[Column], notes=None) -> SheetData:
    """SheetData of a table whose headers are the ledger's default headers (the field team's
    GeoPackage): records keyed by header become records keyed by column key."""
    by_header = {c.header: c for c in expected}
    columns = [by_header[h] for h in headers if h in by_header]
    unknown = [h for h in headers if h not in by_header]
    keyed = [(n, {c.key: r.get(c.header) for c in columns}) for n, r in records]
    return SheetData(columns=columns, expected=list(expected), records=keyed, unknown=unknown,
                     notes=notes or {})
