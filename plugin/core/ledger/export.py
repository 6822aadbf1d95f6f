"""The rectification ledger (整改台账) written out of a result.

``export_ledger`` writes ``整改台账`` (one row per flagged patch), ``汇总`` (by township and by
violation type, with 图斑清零 progress) and ``说明`` (inputs, hashes, rules, CRS, versions).
Analysts' values already in the result, or in the ledger being replaced, are carried into the
new ledger (``imports.py`` brings a filled-in ledger back).

Files are never half-written: the workbook and the result are built under a temporary name
and renamed. An existing ledger is replaced only on request, after a backup copy is made.
"""

import datetime
import os
import shutil
import time
from dataclasses import dataclass, field
from typing import Dict, List, Optional

from ...identity import VERSION as ENGINE_VERSION
from ..errors import InputError
from ..io.atomic import replacing
from ..progress import Steps
from ..result_fields import LAYER_NAMES
from ..rules.classes import load_class_table
from .cells import value_as_text
from .checks import STARTED_KEY, analyst_value
from .columns import (
    ALL_VERDICTS,
    ANALYST_COLUMNS,
    DATE,
    FLAGGED_VERDICTS,
    ID_HEADER,
    IMAGE_LABELS,
    SHEET_DETAIL,
)
from .result_access import read_result
from .table import build_rows, select_rows, summary_tables
from .workbook import write_workbook
from .workbook_reader import read_detail_sheet

ROLE_NAMES = dict(LAYER_NAMES, patches="监测图斑", admin="行政区", parcels_before="上年度地类图斑")
THUMBNAIL_PIXELS = 120  # longer side of a ledger thumbnail; the chips on field sheets are 600


@dataclass
class ExportReport:
    path: str
    rows: int
    verdicts: dict
    backup: Optional[str] = None
    warnings: List[str] = field(default_factory=list)
    seconds: float = 0.0

    def lines(self) -> List[str]:
        counts = "，".join(f"{k} {v} 个" for k, v in self.verdicts.items())
        out = [f"台账: {self.path}", f"图斑 {self.rows} 行 ({counts})，用时 {self.seconds:.1f} 秒"]
        if self.backup:
            out.append(f"原台账已备份为 {self.backup}")
        out += [f"提示: {w}" for w in self.warnings]
        return out


def export_ledger(result_path: str, out_path: str, include_all: bool = False,
                  overwrite: bool = False, previous: Optional[str] = None,
                  images: Optional[Dict[str, str]] = None,
                  progress=None, cancelled=None) -> ExportReport:
    """Write the ledger of a result GeoPackage to ``out_path`` (.xlsx).

    ``include_all``: every patch, not only 违法/需核实 ones. Patches that already carry an
    analyst's value are always included. ``overwrite``: replace an existing file (a backup
    copy ``<name>.bak.xlsx`` is kept); without it an existing file raises InputError.
    ``previous``: a ledger whose analysts' values are carried into patches that have none in
    the result (default: the file being replaced), so exporting again keeps every value
    analysts wrote even before it was imported.
    ``images``: {"前时相" or "后时相": image path}; each adds a column of thumbnails (the image
    around the patch, its outline drawn in) after the ledger's own columns.
    """
    started = time.monotonic()
    steps = Steps(progress, cancelled)
    _check_out_path(result_path, out_path, overwrite)
    steps.report(0.0, "读取分析结果")
    result = read_result(result_path)
    rows = build_rows(result, load_class_table())
    warnings = []
    carry_from = previous or (out_path if os.path.exists(out_path) else None)
    if carry_from:
        steps.report(0.3, "带入原台账中填写的内容")
        warnings += _carry_previous(rows, carry_from, explicit=previous is not None)
    selected = select_rows(rows, include_all)
    verdicts = _verdict_columns(selected)
    pictures = []
    given = [(label, image) for label, image in (images or {}).items() if image]
    for k, (label, image) in enumerate(given):
        span = (0.4 + 0.3 * k / len(given), 0.4 + 0.3 * (k + 1) / len(given))
        pictures.append(_thumbnail_column(result, selected, label, image, steps, span, warnings))
    steps.report(0.7, "写出台账")
    generated = datetime.datetime.now()
    notes = _notes_rows(result, selected, include_all, generated, images or {})
    summary = summary_tables(selected, verdicts, result.baselines)
    backup = _write_atomically(
        out_path, lambda tmp: write_workbook(tmp, selected, summary, notes, pictures), steps)
    steps.report(1.0, "完成")
    counts = {v: sum(1 for r in selected if r["verdict"] == v) for v in verdicts}
    return ExportReport(path=out_path, rows=len(selected), verdicts=counts, backup=backup,
                        warnings=warnings, seconds=time.monotonic() - started)


def _check_out_path(result_path, out_path, overwrite):
    if not out_path.lower().endswith(".xlsx"):
        raise InputError("台账文件名应以 .xlsx 结尾", layer=out_path)
    if os.path.exists(out_path):
        if os.path.isdir(out_path):
            raise InputError("这是一个文件夹，请给出台账文件名 (.xlsx)", layer=out_path)
        if os.path.exists(result_path) and os.path.samefile(out_path, result_path):
            raise InputError("台账不能写到结果文件本身", layer=out_path)
        if not overwrite:
            raise InputError(f"台账文件已存在，未覆盖；如需替换请加 --force (原文件会备份为 "
                             f"{os.path.basename(backup_name(out_path))})", layer=out_path)


def backup_name(path: str) -> str:
    """``台账.bak.xlsx`` beside ``台账.xlsx``; ``台账.bak2.xlsx`` … when that exists too."""
    stem, ext = os.path.splitext(path)
    candidate, n = f"{stem}.bak{ext}", 1
    while os.path.exists(candidate):
        n += 1
        candidate = f"{stem}.bak{n}{ext}"
    return candidate


def _write_atomically(out_path, write, steps):
    """Write through a temporary file in the target folder; back up any existing file first.

    Returns the backup's path (None when there was no file to replace).
    """
    backup = None
    try:
        with replacing(out_path, ".xlsx") as tmp:
            write(tmp)
            steps.check()
            if os.path.exists(out_path):
                backup = backup_name(out_path)
                shutil.copy2(out_path, backup)
    except PermissionError as e:
        raise InputError(f"无法写入 ({e.strerror})；若文件正在 Excel/WPS 中打开，请关闭后重试",
                         layer=out_path) from e
    return backup


def _carry_previous(rows, path, explicit):
    """Fill analysts' columns empty in the result from an earlier ledger; warnings to show."""
    try:
        headers, records, _ = read_detail_sheet(path)
    except InputError:
        if explicit:
            raise
        return [f"原文件 {os.path.basename(path)} 不是可读的台账，未带入其中内容 (已备份)"]
    carried = conflicts = 0
    gone = []
    columns = [c for c in ANALYST_COLUMNS if c.header in headers]
    for _, record in records:
        pid = (value_as_text(record.get(ID_HEADER)) or "").strip()
        values = {c: analyst_value(c, record.get(c.header)) for c in columns}
        if not any(v is not None for v in values.values()):
            continue
        row = rows.get(pid)
        if row is None:
            gone.append(pid or "(空编号)")
            continue
        for column, value in values.items():
            if value is None:
                continue
            if row[column.key] is None:
                row[column.key] = value
                carried += 1
            elif row[column.key] != value:
                conflicts += 1
    out = []
    name = os.path.basename(path)
    if carried:
        out.append(f"从 {name} 带入 {carried} 项结果中尚未导入的填写内容")
    if conflicts:
        out.append(f"{name} 中有 {conflicts} 项填写内容与结果中已导入的不同，以结果为准"
                   + ("" if explicit else " (原台账已备份)"))
    if gone:
        out.append(f"{name} 中 {len(gone)} 个已填写的图斑在结果中已不存在，其内容未带入: "
                   + "、".join(gone[:10]) + (" 等" if len(gone) > 10 else ""))
    return out


def _thumbnail_column(result, rows, label, image, steps, span, warnings):
    """(header, {patch id: JPEG}) of one image; patches outside it are listed in ``warnings``."""
    from ..imagery.chips import outline_colour, thumbnails

    if label not in IMAGE_LABELS:
        raise InputError(f"影像只能是 {'、'.join(IMAGE_LABELS)}，不是“{label}”", layer=image)
    # a generator of WKB: progress and cancel follow the cutting, no geometry objects are made
    patches = ((r["patch_id"], result.wkbs[r["_fid"]], outline_colour(r["verdict"]))
               for r in rows if r["_fid"] in result.wkbs)
    pictures, notes = thumbnails(image, result.crs_wkt,
                                 steps.over(patches, len(rows), *span, f"切取{label}影像缩略图"),
                                 label, THUMBNAIL_PIXELS)
    if notes:
        ids = [n.feature for n in notes]
        warnings.append(f"{len(ids)} 个图斑不在{label}影像 {os.path.basename(image)} 范围内，没有缩略图: "
                        + _some(ids))
    shapeless = [r["patch_id"] for r in rows if r["_fid"] not in result.wkbs]
    if shapeless:
        warnings.append(f"{len(shapeless)} 个图斑没有几何图形，没有{label}缩略图: " + _some(shapeless))
    return f"{label}影像", pictures


def _some(ids, shown=10):
    return "、".join(ids[:shown]) + (" 等" if len(ids) > shown else "")


def _verdict_columns(rows):
    present = {r["verdict"] for r in rows}
    out = [v for v in ALL_VERDICTS if v in FLAGGED_VERDICTS or v in present]
    return out + sorted(v for v in present if v and v not in out)


def _notes_rows(result, rows, include_all, generated, images):
    info = result.run_info
    analysed = info.get("engine_version", "")
    missing = [name for key, name in (("farmland", "耕地"), ("basic_farmland", "永久基本农田"),
                                      ("red_line", "生态保护红线"))
               if key not in result.baselines]
    scope = "全部图斑" if include_all else "判定为“违法”“需核实”的图斑，以及已填写核查内容的图斑"
    out = [
        ["整改台账 说明"],
        ["台账生成时间", generated.isoformat(sep=" ", timespec="seconds")],
        ["软件版本", f"土地监管图斑核查 {ENGINE_VERSION}"
         + (f" (分析时 {analysed})" if analysed and analysed != ENGINE_VERSION else "")],
        ["台账范围", scope],
        ["台账图斑数", len(rows)],
        [],
        ["分析结果"],
        ["结果文件", os.path.abspath(result.path)],
        [STARTED_KEY, info.get("started", "")],
        ["任务文件", info.get("job", "")],
        ["监测图斑总数", info.get("patch_count", str(len(result.patches)))],
        ["工作坐标系", result.crs_label],
        ["坐标系定义 (WKT)", result.crs_wkt],
        ["中心点", "图斑质心；质心落在图斑外时取图斑内的一点"],
        ["中心点经纬度", "CGCS2000 地理坐标 (EPSG:4490)，十进制度，保留 6 位小数"],
        ["中心点X/Y坐标", "工作坐标系中的坐标，单位米：X 为东向 (含带号时为 8 位)，Y 为北向"],
        ["面积", "CGCS2000 椭球面积；1 亩 = 10000/15 平方米；亩保留 2 位小数，平方米取整 (四舍五入)"],
        ["占用面积", "图斑与该图层全部图斑合并后的相交面积"],
        ["最小上图面积 (平方米)", info.get("min_area_m2", "")],
    ]
    if missing:
        out.append(["未提供的图层", "、".join(missing) + " (对应的占用面积列为空)"])
    out += [[], ["规则与地类表"],
            ["规则集", f"{info.get('ruleset_id', '')} {info.get('ruleset_version', '')}".strip()],
            ["规则集文件", info.get("ruleset_path", "")],
            ["规则集 SHA-256", info.get("ruleset_sha256", "")],
            ["地类表版本", info.get("class_table_version", "")],
            ["地类表 SHA-256", info.get("class_table_sha256", "")],
            [], ["输入数据"],
            ["图层", "路径", "图层名", "要素数 (使用/总数)", "筛选条件", "文件 SHA-256"]]
    for role in _roles(info):
        get = lambda k: info.get(f"input.{role}.{k}", "")  # noqa: E731 - a local shorthand
        out.append([ROLE_NAMES.get(role, role), get("path"), get("layer"), get("features"),
                    get("where"), get("sha256")])
    for label, image in images.items():
        if image:
            out.append([f"{label}影像 (缩略图列)", os.path.abspath(image), "", "", "", ""])
    out += [[], ["填写说明"]]
    for column in ANALYST_COLUMNS:
        hint = f"从下拉列表选择：{'、'.join(column.allowed)}" if column.allowed else "自由填写"
        if column.key == "deadline":
            hint = "日期或期限，如 2025-06-30"
        elif column.kind == DATE:
            hint = "日期，如 2024-11-02 (也可写 2024/11/2、2024年11月2日)；导入时统一为 2024-11-02"
        elif column.key == "photo_ids":
            hint = "现场照片的编号或文件名，多张用顿号分隔"
        out.append([column.header, hint])
    out += [["其他列", "为分析结果，请勿修改；导入时逐项核对，被修改的会报错"],
            ["汇总表", "生成台账时按当时的填写内容计算；导入填写后的台账再重新生成，即可更新"
                    "销号数与清零进度 (是否销号为“是”的图斑占比)"],
            ["工作表", f"请勿改动“{SHEET_DETAIL}”的表头；可以排序、筛选，也可以只发回部分行"]]
    return out


def _roles(info):
    seen = []
    for key in info:
        if key.startswith("input.") and key.count(".") >= 2:
            role = key.split(".")[1]
            if role not in seen:
                seen.append(role)
    return seen
