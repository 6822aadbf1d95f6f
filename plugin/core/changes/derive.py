"""Change patches from two annual land-parcel layers (DLTB): wherever the land class changed.

read both years → match parcels whose geometry WKB and class are identical in both (a survey
database keeps an unchanged parcel byte for byte, so most of a county needs no geometry work at
all) → overlay only the rest, pair by pair where boxes meet and the classes differ → ellipsoidal
areas → drop slivers from boundary noise, counted and kept in their own layer → stable ids,
township/village → ``changes.gpkg``, and the farmland balance sheet (``balance.py``).

The ``changes`` layer is a patch layer ``analyse`` reads as is::

    patches: {path: DIR/changes.gpkg, layer: changes, id_field: change_id,
              before_field: from_class, after_field: to_class}
"""

import datetime
import os
from dataclasses import dataclass, field
from typing import Dict, List, Optional

import numpy as np

from ..errors import Note
from ..gc_paused import gc_paused
from ..io.atomic import refuse_inputs, staging_folder, writable_folder
from ..io.crs import crs_label
from ..overlay.areas import MU_PER_M2, EllipsoidalArea
from ..progress import Steps
from ..rules.classes import load_class_table
from . import balance
from .account import assemble, farmland_account, protected_accounts
from .balance_chart import write_balance_chart
from .balance_net import net_accounts
from .balance_sheet import write_balance_xlsx
from .targets import add_targets, read_targets, target_columns
from .admin import AdminLocator
from .match import identical
from .pieces import overlay_changed
from .read import read_years
from .write import ANALYSE_PATCHES, RESULT_NAME, change_rows, run_info, write_result

BALANCE_XLSX = "balance.xlsx"
BALANCE_PNG = "balance.png"


@dataclass
class ChangeOptions:
    """What to compare and what counts as noise.

    A piece is dropped as a sliver when its ellipsoidal area is below ``min_area_m2``, or when
    it is thin: compactness 4πA/P² below ``sliver_ratio`` *and* mean width 2A/P below
    ``sliver_width_m`` (so a real long narrow change, a new 4 m road, is never dropped).
    """

    class_field: str = "DLBM"
    czcs_field: Optional[str] = None  # "CZCSXM" to report changes of 城镇村属性码 as well
    location_field: str = "ZLDWDM"
    id_field: str = "BSM"
    min_area_m2: float = 1.0
    sliver_ratio: float = 0.05
    sliver_width_m: float = 0.5
    admin: Optional[object] = None  # LayerSpec with extra township_field / village_field
    crs: str = "auto"
    balance: bool = True
    # {"basic_farmland" | "red_line": (LayerSpec for the before year[, for the after year])}
    protected: Dict[str, tuple] = field(default_factory=dict)
    labels: tuple = ()  # (before, after) year labels for the balance sheet; read from data if ()
    targets: Optional[str] = None  # townships' protection targets (CSV/xlsx, 亩), for the net sheet


@dataclass
class ChangeResult:
    result_path: str
    change_count: int
    change_m2: float
    dropped_count: int
    dropped_m2: float
    unchanged: int
    parcels: tuple
    working_crs: str
    notes: List[Note] = field(default_factory=list)
    balance_paths: tuple = ()
    county: Optional[dict] = None
    county_net: Optional[dict] = None
    seconds: float = 0.0
    timings: Dict[str, float] = field(default_factory=dict)

    def summary_lines(self):
        lines = [f"结果: {self.result_path}",
                 f"两年图斑 {self.parcels[0]} / {self.parcels[1]} 个，其中 {self.unchanged} 个未变 (几何与地类"
                 f"完全相同，不参与叠加)；工作坐标系 {self.working_crs}，用时 {self.seconds:.1f} 秒",
                 f"变化图斑 {self.change_count} 个，{self.change_m2:.2f} 平方米 "
                 f"({self.change_m2 * MU_PER_M2:.2f} 亩)",
                 f"剔除碎片 {self.dropped_count} 个，{self.dropped_m2:.2f} 平方米 "
                 f"({self.dropped_m2 * MU_PER_M2:.2f} 亩)，见 dropped 图层"]
        if self.county:
            c = self.county
            lines.append(f"耕地: 期初 {c['start_mu']:.2f} 亩，减少 {c['lost_mu']:.2f} 亩，增加 "
                         f"{c['gained_mu']:.2f} 亩，期末 {c['end_mu']:.2f} 亩")
        if self.county_net:
            c = self.county_net
            lines.append(f"耕地 (净面积): 期初 {c['start_mu']:.2f} 亩，减少 {c['lost_mu']:.2f} 亩，增加 "
                         f"{c['gained_mu']:.2f} 亩，扣除调整 {c['adjusted_mu']:.2f} 亩，期末 "
                         f"{c['end_mu']:.2f} 亩")
        for p in self.balance_paths:
            lines.append(f"耕地进出平衡表: {p}")
        lines.append("作为 analyse 的监测图斑: patches: " + ANALYSE_PATCHES % self.result_path)
        if self.notes:
            lines.append(f"提示 {len(self.notes)} 条，见结果中的 notes 表")
        return lines


@gc_paused()
def derive_changes(before_spec, after_spec, out_dir, options=None, progress=None,
                   cancelled=None):
    """Compare two survey years and write ``out_dir/changes.gpkg`` (+ the balance sheet).

    Raises InputError for bad input (nothing is written) and Cancelled when asked to stop.
    """
    options = options or ChangeOptions()
    started = datetime.datetime.now()
    clock = Clock()
    steps = Steps(progress, cancelled)
    notes: List[Note] = []
    inputs = [before_spec.path, after_spec.path,
              *(s.path for specs in options.protected.values() for s in specs)]
    if options.admin is not None:
        inputs.append(options.admin.path)
    if options.targets:
        inputs.append(options.targets)
    refuse_inputs([os.path.join(out_dir, n) for n in (RESULT_NAME, BALANCE_XLSX, BALANCE_PNG)],
                  inputs)
    writable_folder(out_dir)
    targets = read_targets(options.targets) if options.targets and options.balance else None
    table = load_class_table()
    before, after, crs = read_years(before_spec, after_spec, options, table, steps, notes)
    clock.lap("read")

    steps.report(0.25, "比对未变图斑")
    pair_b, pair_a = identical(before, after, notes)
    changed_b = np.setdiff1d(np.arange(before.count), pair_b)
    changed_a = np.setdiff1d(np.arange(after.count), pair_a)
    clock.lap("match")

    steps.report(0.35, f"叠加变化图斑 ({len(changed_b)} × {len(changed_a)})")
    locate = AdminLocator(options.admin, crs, notes) if options.admin is not None else None
    farm = {c: "farmland" in table.groups(c) for c in set(before.classes) | set(after.classes)}
    pieces = overlay_changed(before, after, changed_b, changed_a, farm, locate, notes)
    steps.check()
    clock.lap("overlay")

    steps.report(0.6, "计算面积与碎片")
    ellipsoid = EllipsoidalArea(crs)
    pieces.measure(ellipsoid, options)
    change = np.flatnonzero(pieces.change)
    if locate is not None:
        units = locate.units_of_wkb([pieces.wkb[k] for k in change])
    else:
        units = [after.units[j] for j in pieces.rows_a[change]]
    rows = change_rows(before, after, pieces, change, units, table, options.min_area_m2)
    clock.lap("areas")

    account, protected, net, net_protected = None, {}, None, {}
    if options.balance:
        steps.report(0.7, "耕地进出平衡")
        account, parts = farmland_account(before, after, pair_b, pair_a, pieces, farm,
                                           ellipsoid, locate, table, notes)
        protected_values = protected_accounts(parts, options, crs, notes, steps)
        protected = {key: assemble(parts, v) for key, v in protected_values.items()}
        net, net_protected = net_accounts(before, after, parts, protected_values, ellipsoid,
                                          notes)
        clock.lap("balance")

    keep = ~pieces.sliver[change]
    result = ChangeResult(result_path=os.path.join(out_dir, RESULT_NAME),
                          change_count=int(keep.sum()),
                          change_m2=float(pieces.m2[change][keep].sum()),
                          dropped_count=int((~keep).sum()),
                          dropped_m2=float(pieces.m2[change][~keep].sum()),
                          unchanged=len(pair_b), parcels=(before.count, after.count),
                          working_crs=crs_label(crs), notes=notes)
    if result.dropped_count:
        notes.append(Note("变化图斑", "-", f"剔除碎片 {result.dropped_count} 个 "
                          f"({result.dropped_m2:.2f} 平方米，见 dropped 图层)；"
                          "仍计入耕地进出平衡表的减少/增加 (单列碎片面积)"))
    # all outputs appear together or none does (a full disk half-way leaves the old ones)
    with staging_folder(out_dir) as (stage, commit):
        if account is not None:
            steps.report(0.8, "写出耕地进出平衡表")
            labels = options.labels or (before.year or "期初", after.year or "期末")
            sheet = balance.balance_table(account, protected)
            net_sheet = balance.balance_table(net, net_protected) if net is not None else None
            columns = _targets(targets, net_sheet, net_protected, notes)
            write_balance_xlsx(os.path.join(stage, BALANCE_XLSX), sheet, labels,
                               net_rows=net_sheet, target_columns=columns)
            names = [BALANCE_XLSX]
            if write_balance_chart(os.path.join(stage, BALANCE_PNG), sheet, labels, notes):
                names.append(BALANCE_PNG)
            result.balance_paths = tuple(os.path.join(out_dir, n) for n in names)
            result.county = sheet[-1]
            result.county_net = net_sheet[-1] if net_sheet is not None else None
            clock.lap("balance_write")
        steps.report(0.9, "写出结果")
        write_result(os.path.join(stage, RESULT_NAME), crs, rows, pieces, change, notes,
                     run_info(before_spec, after_spec, options, result, started))
        steps.check()
        commit()
    clock.lap("write")
    result.timings = clock.laps
    steps.report(1.0, "完成")
    result.seconds = (datetime.datetime.now() - started).total_seconds()
    return result


def _targets(targets, net_sheet, net_protected, notes):
    """The target columns of the net sheet (filled into its rows); none without targets."""
    if targets is None:
        return ()
    if net_sheet is None:
        notes.append(Note(targets.path, "-", "未生成净面积平衡表，目标表未使用", kind="warning"))
        return ()
    add_targets(net_sheet, targets, net_protected, notes)
    return target_columns(targets.kinds, net_protected)


class Clock:
    def __init__(self):
        self.laps = {}
        self._t = datetime.datetime.now()

    def lap(self, name):
        now = datetime.datetime.now()
        self.laps[name] = self.laps.get(name, 0.0) + (now - self._t).total_seconds()
        self._t = now
