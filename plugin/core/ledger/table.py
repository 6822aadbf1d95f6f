"""Ledger rows from the result, their order, and the summary tables (汇总).

Every number is rounded here, once, to what the cell shows (亩 to 2 decimals, m² whole,
四舍五入), and the summary adds up those shown values, so its totals equal what anyone gets
by summing the detail sheet.
"""

import re
from collections import OrderedDict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Dict, List, Optional, Sequence

from ..rules.classes import ClassCodeError
from .cells import number_for_cell, round_half_up
from .columns import (
    ANALYST_COLUMNS,
    BASELINE_COLUMNS,
    CLOSED_VALUES,
    DECIMALS,
    FLAGGED_VERDICTS,
    STATUS_VALUES,
)

MU_PER_M2 = Decimal("0.0015")  # 1 亩 = 10000/15 m²
NO_TOWNSHIP = "(未归属乡镇)"
NO_TYPE = "(未定违法类型)"
TOTAL = "合计"


def mu_for_cell(m2: Optional[float]) -> Optional[float]:
    """Square metres as 亩 rounded half up to 2 decimals, computed in decimal arithmetic."""
    if m2 is None:
        return None
    return float((Decimal(repr(float(m2))) * MU_PER_M2).quantize(Decimal("0.01"),
                                                                 ROUND_HALF_UP))


def build_rows(result, class_table) -> "OrderedDict[str, dict]":
    """One ledger row per patch of the result, keyed by patch id (values as written to cells).

    Besides the column keys a row holds ``_fid`` (the patch's fid in the result).
    """
    rows = OrderedDict()
    for p in result.patches:
        pid = str(p["patch_id"])
        row = {
            "_fid": p["fid"],
            "patch_id": pid,
            "township": _text(p["township"]),
            "village": _text(p["village"]),
            "lon": number_for_cell(p["lon"], DECIMALS["deg"]),
            "lat": number_for_cell(p["lat"], DECIMALS["deg"]),
            "x": number_for_cell(p["centre_x"], DECIMALS["coord"]),
            "y": number_for_cell(p["centre_y"], DECIMALS["coord"]),
            "area_mu": mu_for_cell(p["area_m2"]),
            "area_m2": number_for_cell(p["area_m2"], 0),
            "before_class": _describe(class_table, p["before_class"]),
            "after_class": _describe(class_table, p["after_class"]),
            "verdict": _text(p["verdict"]),
            "violation_type": _text(p["violation_type"]),
            "severity": None if p["severity"] is None else int(p["severity"]),
            "reason": _text(p["reason"]),
            "measure": _text(p["measure"]),
        }
        for key, _ in BASELINE_COLUMNS:
            row[f"{key}_mu"] = (mu_for_cell(p.get(f"{key}_m2") or 0.0)
                                if key in result.baselines else None)
        for column in ANALYST_COLUMNS:
            row[column.key] = _text(p.get(column.field))
        rows[pid] = row
    return rows


def has_analyst_values(row: dict) -> bool:
    return any(row.get(c.key) not in (None, "") for c in ANALYST_COLUMNS)


def select_rows(rows: Dict[str, dict], include_all: bool) -> List[dict]:
    """The ledger's rows in order (township, village, patch id) with 序号 set.

    By default the flagged patches (违法, 需核实) and any patch that already carries an
    analyst's value, so that exporting again never drops what analysts wrote.
    """
    chosen = [r for r in rows.values()
              if include_all or r["verdict"] in FLAGGED_VERDICTS or has_analyst_values(r)]
    chosen.sort(key=order_key)
    out = []
    for seq, row in enumerate(chosen, 1):
        row = dict(row)
        row["seq"] = seq
        out.append(row)
    return out


def order_key(row):
    """Township, then village (missing ones last), then patch id with numbers compared as numbers."""
    return (_blank_last(row.get("township")), _blank_last(row.get("village")),
            natural_key(row["patch_id"]))


def natural_key(text: str):
    return tuple((0, int(part), part) if part.isdigit() else (1, 0, part)
                 for part in re.split(r"(\d+)", text) if part != "")


def _blank_last(value):
    return (1, "") if value in (None, "") else (0, value)


def _text(value) -> Optional[str]:
    if value is None:
        return None
    text = str(value)
    return text if text != "" else None


def _describe(class_table, code) -> Optional[str]:
    """``0101 水田`` for a known code; an unknown one is shown as it is."""
    if code is None or str(code).strip() == "":
        return None
    try:
        return class_table.describe(code)
    except ClassCodeError:
        return str(code)


@dataclass
class SummaryTable:
    """One block of the 汇总 sheet: a header row, group rows and the total row."""

    title: str
    headers: List[str]
    rows: List[list]
    total: list


def summary_tables(rows: Sequence[dict], verdicts: Sequence[str],
                   baselines: Sequence[str]) -> List[SummaryTable]:
    """By township (in ledger order) and by violation type (most severe first): counts, shown
    areas and rectification progress (图斑清零: share of patches with 是否销号 = 是)."""
    headers_tail = (["图斑数(个)"] + [f"{v}(个)" for v in verdicts]
                    + ["图斑面积(亩)", "图斑面积(平方米)"]
                    + [f"占用{name}面积(亩)" for _, name in BASELINE_COLUMNS]
                    + [f"整改进展:{s}(个)" for s in STATUS_VALUES] + ["整改进展:未填(个)"]
                    + ["是否销号:是(个)", "清零进度(%)"])
    tables = []
    for title, label, key in (("按乡镇汇总", "乡镇", lambda r: r["township"] or NO_TOWNSHIP),
                              ("按违法类型汇总", "违法类型",
                               lambda r: r["violation_type"] or NO_TYPE)):
        groups: "OrderedDict[str, list]" = OrderedDict()
        for row in rows:
            groups.setdefault(key(row), []).append(row)
        names = list(groups) if label == "乡镇" else sorted(groups, key=lambda g: _type_order(g, groups[g]))
        body = [[name] + _metrics(groups[name], verdicts, baselines) for name in names]
        tables.append(SummaryTable(title, [label] + headers_tail, body,
                                   [TOTAL] + _metrics(rows, verdicts, baselines)))
    return tables


def _type_order(name, rows):
    """Most severe violation types first; patches without a type last."""
    severity = max((r["severity"] or 0 for r in rows), default=0)
    return (name == NO_TYPE, -severity, name)


def _metrics(rows, verdicts, baselines):
    count = len(rows)
    closed = sum(1 for r in rows if (r.get("closed") or "").strip() == CLOSED_VALUES[0])
    status = [sum(1 for r in rows if (r.get("status") or "").strip() == s) for s in STATUS_VALUES]
    out = [count] + [sum(1 for r in rows if r["verdict"] == v) for v in verdicts]
    out += [_sum(r["area_mu"] for r in rows), int(_sum(r["area_m2"] for r in rows))]
    out += [_sum(r[f"{k}_mu"] for r in rows) if k in baselines else None
            for k, _ in BASELINE_COLUMNS]
    out += status + [count - sum(status), closed]
    out.append(float(round_half_up(100.0 * closed / count, 2)) if count else None)
    return out


def _sum(values):
    """Exact decimal sum of shown values."""
    total = sum((Decimal(repr(v)) for v in values if v is not None), Decimal(0))
    return float(total)
