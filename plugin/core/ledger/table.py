"""Ledger rows from the result, and their order.

Every number is rounded here, once, to what the cell shows (亩 to 2 decimals, m² whole,
四舍五入); the summary (``summary.py``) adds up those shown values, so its totals equal what
anyone gets by summing the detail sheet.
"""

import re
from collections import OrderedDict
from decimal import ROUND_HALF_UP, Decimal
from typing import Dict, List, Mapping, Optional

from ..result_fields import carried_field
from ..rules.classes import ClassCodeError
from .cells import number_for_cell
from .columns import (
    ANALYST_COLUMNS,
    BASELINE_COLUMNS,
    BATCH_KEYS,
    DECIMALS,
    FLAGGED_VERDICTS,
    LAND_GROUPS,
    NET_COLUMNS,
    NUMBER_KINDS,
    PCT,
)

MU_PER_M2 = Decimal("0.0015")  # 1 亩 = 10000/15 m²


def mu_for_cell(m2: Optional[float]) -> Optional[float]:
    """Square metres as 亩 rounded half up to 2 decimals, computed in decimal arithmetic."""
    if m2 is None:
        return None
    return float((Decimal(repr(float(m2))) * MU_PER_M2).quantize(Decimal("0.01"),
                                                                 ROUND_HALF_UP))


def build_rows(result, class_table, patch_types: Mapping[str, str] = None
               ) -> "OrderedDict[str, dict]":
    """One ledger row per patch of the result, keyed by patch id (values as written to cells).

    Besides the column keys a row holds ``_fid`` (the patch's fid in the result); the
    result's zones add their columns (``zones.py``).
    ``patch_types``: names shown after patch-type codes (the template's ``patch_types``).
    Analysts' numbers are stored as text and shown as numbers where they read as one.
    """
    rows = OrderedDict()
    for p in result.patches:
        pid = str(p["patch_id"])
        row = {
            "_fid": p["fid"],
            "patch_id": pid,
            "township": _text(p["township"]),
            "village": _text(p["village"]),
            "batch": _text(p["batch"]),
            "admin_code": _text(p["admin_code"]),
            "patch_type": _patch_type(p["patch_type"], patch_types or {}),
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
            "permit_refs": _text(p["permit_refs"]),
            "owner": _text(p["owner"]),
            **{key: _text(p[key]) for key in BATCH_KEYS},
        }
        for key, _ in BASELINE_COLUMNS:
            row[f"{key}_mu"] = (mu_for_cell(p.get(f"{key}_m2") or 0.0)
                                if key in result.baselines else None)
        for zone in result.zones:
            row[zone.area_key] = mu_for_cell(p[f"{zone.key}_m2"] or 0.0)
            for name in zone.carry:
                row[zone.value_key(name)] = _text(p[carried_field(zone.key, name)])
        for key, _ in NET_COLUMNS:
            row[f"{key}_net_mu"] = mu_for_cell(p[f"{key}_net_m2"])
        row.update(_flag_columns(p, result, class_table))
        row["permit_pct"] = _permit_pct(p) if result.has("free_m2") else None
        for column in ANALYST_COLUMNS:
            row[column.key] = analyst_cell(column, p.get(column.field))
        rows[pid] = row
    return rows


def _flag_columns(p, result, class_table) -> dict:
    """认定面积 and its split: by baseline (where the result has it) and by the 三大类 of the
    patch's before class (the whole flagged area goes to that class's group)."""
    flag = p["flag_area_m2"]
    out = {"flag_area_mu": mu_for_cell(flag) if result.has("flag_area_m2") else None}
    for key, _ in BASELINE_COLUMNS:
        field = f"flag_{key}_m2"
        out[f"flag_{key}_mu"] = mu_for_cell(p[field] or 0.0) if result.has(field) else None
    for key, _ in NET_COLUMNS:
        out[f"flag_{key}_net_mu"] = mu_for_cell(p[f"flag_{key}_net_m2"])
    out["flag_outside_urban_mu"] = (mu_for_cell(p["flag_outside_urban_m2"] or 0.0)
                                    if result.has("flag_outside_urban_m2") else None)
    group = _land_use(class_table, p["before_class"]) if flag is not None else None
    for key, name in LAND_GROUPS:
        out[f"flag_{key}_mu"] = (None if group is None
                                 else mu_for_cell(flag if group == name else 0.0))
    return out


def _permit_pct(p) -> Optional[float]:
    """Share of the patch (%) that approvals, filings and temporary permits clear."""
    area, free = p["area_m2"], p["free_m2"]
    if not area or free is None:
        return None
    return number_for_cell(100.0 * max(area - free, 0.0) / area, DECIMALS[PCT])


def analyst_cell(column, stored) -> object:
    """An analyst's stored text as its cell shows it: numbers (罚没款, 面积, 人数) as numbers when
    they read as one, anything else as the text stored."""
    text = _text(stored)
    if text is None or column.kind not in NUMBER_KINDS:
        return text
    try:
        value = float(text)
    except ValueError:
        return text
    return number_for_cell(value, DECIMALS[column.kind])


def _patch_type(code, names) -> Optional[str]:
    code = _text(code)
    if code is None:
        return None
    name = names.get(code.strip())
    return f"{code} {name}" if name else code


def _land_use(class_table, code) -> Optional[str]:
    if code is None or str(code).strip() == "":
        return None
    try:
        return class_table.land_use(code)
    except ClassCodeError:
        return None


def has_analyst_values(row: dict) -> bool:
    """Whether an analyst wrote anything in the row."""
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
    return tuple((0, int(part), part) if part.isdecimal() else (1, 0, part)
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
