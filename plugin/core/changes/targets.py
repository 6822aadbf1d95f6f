"""Townships' protection targets (耕地保有量 and 永久基本农田保护 目标, as the annual 耕地保护责任目标考核
sets them) against the net balance sheet: target, 期末 (net), surplus or shortfall, 是否达标.

The table is a CSV (UTF-8 or GBK) or an .xlsx (its first sheet): one row per township, named
by its code or its name as the balance sheet shows it, and a column per target whose header
says which (耕地保有量 …, 永久基本农田 …) and its unit (亩 unless it says 万亩, 公顷 or 平方米). A
row named 合计 / 全县 / 全县合计 gives the county's targets; without one the county's are the sum
of the townships'.
"""

import csv
import io
import os
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Dict, List, Optional

from ..errors import InputError, Note
from .balance import COUNTY, NO_TOWNSHIP

KINDS = {"farmland": ("耕地保有量", "耕地"), "basic_farmland": ("永久基本农田保护", "永久基本农田")}
KEY_HEADERS = ("乡镇代码", "乡镇名称", "乡镇", "乡镇(街道)", "行政区代码", "行政区名称", "行政区", "XZQDM",
               "XZQMC", "XZDM", "XZMC", "代码", "名称", "TOWNSHIP")
COUNTY_NAMES = ("合计", "全县", "全县合计", "总计", COUNTY)
UNITS = (("万亩", 10000.0), ("公顷", 15.0), ("平方米", 0.0015), ("亩", 1.0))
HEADER_ROWS = 10  # a title block may sit above the header


@dataclass
class Targets:
    """Targets in 亩 by township key (code or name), and the county's."""

    path: str
    kinds: List[str]
    by_key: Dict[str, Dict[str, float]] = field(default_factory=dict)
    county: Dict[str, float] = field(default_factory=dict)
    names: Dict[str, str] = field(default_factory=dict)  # key → the row's township as written


def read_targets(path) -> Targets:
    """The target table; InputError naming the file, row and column for what it cannot read."""
    rows = _rows(path)
    header_at = next((k for k, row in enumerate(rows[:HEADER_ROWS])
                      if any(_clean(c).upper() in KEY_HEADERS for c in row)), None)
    if header_at is None:
        raise InputError(f"找不到乡镇列 (表头应为 {'、'.join(KEY_HEADERS[:4])} 等)", layer=path)
    header = [_clean(c) for c in rows[header_at]]
    keys = [k for k, h in enumerate(header) if h.upper() in KEY_HEADERS]
    columns = {}
    for kind, words in KINDS.items():
        found = next((k for k, h in enumerate(header) if words[0] in h), None)
        if found is None:
            found = next((k for k, h in enumerate(header) if words[1] in h and k not in
                          columns.values() and not (kind == "farmland" and "永久基本农田" in h)),
                         None)
        if found is not None:
            columns[kind] = found
    if not columns:
        raise InputError("找不到目标列 (表头应含“耕地保有量”或“永久基本农田保护”)", layer=path)
    targets = Targets(path=path, kinds=list(columns))
    for number, row in enumerate(rows[header_at + 1:], header_at + 2):
        names = [_clean(row[k]) for k in keys if k < len(row) and _clean(row[k])]
        if not names:
            continue
        values = {kind: _target(row, k, header[k], path, number) for kind, k in columns.items()}
        values = {kind: v for kind, v in values.items() if v is not None}
        if any(n in COUNTY_NAMES for n in names):
            targets.county = values
            continue
        for name in names:
            targets.by_key[name] = values
            targets.names[name] = names[0]
    return targets


def _rows(path) -> List[list]:
    if not os.path.isfile(path):
        raise InputError("目标表文件不存在", layer=path)
    if path.lower().endswith((".xlsx", ".xlsm")):
        from openpyxl import load_workbook
        try:
            ws = load_workbook(path, read_only=True, data_only=True).worksheets[0]
        except Exception as e:  # noqa: BLE001 - openpyxl raises many kinds on a bad file
            raise InputError(f"不是可读的 Excel 文件 ({type(e).__name__})", layer=path) from e
        return [list(r) for r in ws.iter_rows(values_only=True)]
    with open(path, "rb") as f:
        raw = f.read()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return list(csv.reader(io.StringIO(raw.decode(encoding))))
        except UnicodeDecodeError:
            continue
    raise InputError("目标表既不是 UTF-8 也不是 GBK 编码", layer=path)


def _clean(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(value)))


def _target(row, k, header, path, number) -> Optional[float]:
    value = row[k] if k < len(row) else None
    if value is None or _clean(value) == "":
        return None
    try:
        number_value = float(value) if isinstance(value, (int, float)) else \
            float(_clean(value).replace(",", ""))
    except ValueError as e:
        raise InputError(f"目标“{value}”不是数字", layer=path, feature=f"第 {number} 行",
                         field=header) from e
    if number_value < 0:
        raise InputError(f"目标 {value} 为负数", layer=path, feature=f"第 {number} 行", field=header)
    factor = next(f for unit, f in UNITS if unit in header or unit == "亩")
    return number_value * factor


def target_columns(kinds, protected) -> list:
    """The net sheet's target columns (key, header, group) for the targets given; the basic
    farmland target only where the sheet has the farmland inside basic farmland."""
    out = []
    for kind in kinds:
        if kind == "basic_farmland" and "basic_farmland" not in protected:
            continue
        name = KINDS[kind][0]
        group = f"{name}目标考核"
        out += [(f"target_{kind}", f"{name}目标(亩)", group),
                (f"target_{kind}_end", "期末耕地(亩)" if kind == "farmland"
                 else "期末永久基本农田内耕地(亩)", group),
                (f"target_{kind}_surplus", "盈余(+)/缺口(−)(亩)", group),
                (f"target_{kind}_ok", "是否达标", group)]
    return out


def add_targets(rows, targets, protected, notes):
    """Fill the target columns into the net sheet's ``rows`` (亩); notes for target rows that
    match no township and townships that have no target."""
    kinds = [k for k in targets.kinds if k == "farmland" or "basic_farmland" in protected]
    used = set()
    missing = []
    for row in rows:
        town = row["township"]
        if town == COUNTY:
            given = targets.county or _summed(rows, targets, kinds)
        else:
            given = targets.by_key.get(_clean(town))
            if given is None and town != NO_TOWNSHIP:
                missing.append(town)
            used.add(_clean(town))
        for kind in kinds:
            end = row["end_mu"] if kind == "farmland" else row["basic_farmland_end_mu"]
            _set(row, kind, (given or {}).get(kind), end)
    unmatched = sorted({targets.names[k] for k in targets.by_key if k not in used})
    label = f"目标表 {os.path.basename(targets.path)}"
    if unmatched:
        notes.append(Note(label, "-", f"{len(unmatched)} 个乡镇在平衡表中没有对应 (按代码或名称): "
                          + "、".join(unmatched[:10])))
    if missing:
        notes.append(Note(label, "-", f"{len(missing)} 个乡镇没有目标: " + "、".join(missing[:10]),
                          kind="warning"))


def _summed(rows, targets, kinds):
    """The county's targets as the sum of its townships', where every township has them."""
    towns = [r["township"] for r in rows if r["township"] not in (COUNTY, NO_TOWNSHIP)]
    out = {}
    for kind in kinds:
        values = [targets.by_key.get(_clean(t), {}).get(kind) for t in towns]
        if values and all(v is not None for v in values):
            out[kind] = sum(values)
    return out


def _set(row, kind, target, end):
    row[f"target_{kind}_mu"] = target
    row[f"target_{kind}_end_mu"] = end
    if target is None:
        row[f"target_{kind}_surplus_mu"] = row[f"target_{kind}_ok"] = None
        return
    # judged on the two decimals the sheet shows
    surplus = round(end, 2) - round(target, 2)
    row[f"target_{kind}_surplus_mu"] = surplus
    row[f"target_{kind}_ok"] = "是" if surplus >= -1e-9 else "否"
