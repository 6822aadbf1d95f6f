"""The rectification ledger (整改台账) written out of a result.

``export_ledger`` writes ``整改台账`` (one row per flagged patch, its columns as the template
says, under a title block), ``汇总`` (by township, village and violation type, with 图斑清零
progress), ``说明`` (inputs, hashes, rules, CRS, versions, how to fill in) and the hidden column
table import reads the ledger by.
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

from ..errors import InputError
from ..io.atomic import replacing
from ..progress import Steps
from ..rules.classes import load_class_table
from .analyst_values import analyst_value
from .cells import value_as_text
from .columns import ALL_VERDICTS, BATCH_KEYS, FLAGGED_VERDICTS, ID_KEY, IMAGE_LABELS
from .notes import notes_rows
from .result_access import read_result
from .summary import summary
from .table import analyst_cell, build_rows, select_rows
from .template import load_template, without_columns
from .title import title_block, title_values
from .workbook import write_workbook
from .workbook_reader import read_detail_sheet
from .zones import ZONES_ENTRY, zone_columns

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
                  images: Optional[Dict[str, str]] = None, template: Optional[str] = None,
                  title: Optional[Dict[str, str]] = None,
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
    ``template``: a ledger template file (default: ``resources/ledger/default.yaml``);
    ``title``: title-block values {county, year, batch, unit} that replace the job's.
    """
    started = time.monotonic()
    steps = Steps(progress, cancelled)
    _check_out_path(result_path, out_path, overwrite)
    layout = load_template(template)
    steps.report(0.0, "读取分析结果")
    result = read_result(result_path)
    layout, warnings = _place_zones(layout, result)
    if not result.has(BATCH_KEYS[0]):
        layout = without_columns(layout, BATCH_KEYS)
    rows = build_rows(result, load_class_table(), layout.patch_types)
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
    notes = notes_rows(result, selected, layout, include_all, generated, images or {})
    heading = title_block(layout, title_values(result.run_info, selected, title, generated))
    totals = summary(selected, verdicts, result.baselines,
                     result.zones if layout.places_zones else ())
    backup = _write_atomically(out_path, lambda tmp: write_workbook(
        tmp, layout, selected, totals, notes, heading, pictures), steps)
    steps.report(1.0, "完成")
    counts = {v: sum(1 for r in selected if r["verdict"] == v) for v in verdicts}
    return ExportReport(path=out_path, rows=len(selected), verdicts=counts, backup=backup,
                        warnings=warnings, seconds=time.monotonic() - started)


def _place_zones(layout, result):
    """The template with the result's zone columns in place, and the warnings to show (a
    template without the ``zones`` entry leaves them out, and says so)."""
    if not result.zones:
        return layout, []
    if not layout.places_zones:
        names = "、".join(z.name for z in result.zones)
        return layout, [f"结果中有自定义底线图层 {names}，台账模板 {os.path.basename(layout.path)} "
                        f"中没有 {ZONES_ENTRY} 列，台账未列出它们"]
    columns = zone_columns(result.zones, (c.header for c in layout.columns), result.path)
    return layout.with_zones(columns), []


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
        sheet = read_detail_sheet(path)
    except InputError:
        if explicit:
            raise
        return [f"原文件 {os.path.basename(path)} 不是可读的台账，未带入其中内容 (已备份)"]
    carried = conflicts = 0
    gone = []
    columns = [c for c in sheet.columns if c.editable]
    untrusted = set().union(*(p.cells for p in sheet.problems))
    for number, record in sheet.records:
        pid = (value_as_text(record.get(ID_KEY)) or "").strip()
        values = {c: analyst_value(c, record.get(c.key)) for c in columns
                  if (number, c.key) not in untrusted}
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
                row[column.key] = analyst_cell(column, value)
                carried += 1
            elif analyst_value(column, row[column.key]) != value:
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
