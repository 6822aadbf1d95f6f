"""The analysis job end to end: read → check → overlay → areas → (verdicts) → result.gpkg."""

import datetime
import os
from collections import Counter
from dataclasses import dataclass, field
from typing import List

import numpy as np
from pyproj import CRS
from shapely.ops import transform as shapely_transform

from .overlay.areas import MU_PER_M2, EllipsoidalArea
from .rules.class_names import codes_if_names
from .rules.classes import load_class_table
from .io.atomic import refuse_inputs, writable_folder
from .io.crs import check_coordinates, crs_label, transformer, working_crs
from .errors import InputError, Note
from .gc_paused import gc_paused
from .io.gpkg_staging import LayerRows, stage_layer
from .io.geometry import parse_geometries
from .io.layers import feature_count, read_layer
from .job import input_paths
from .overlay import kernel_vectorised, robust
from .overlay.chunked import BOTH, PIECES, UNION, PatchSet, PendingOverlay
from .overlay.per_patch import dominant_values, subtract, union_each
from .overlay.pool import (can_spawn, default_workers, let_go_of_sent, pool_closed_after,
                           worker_pool, workers_asked_for)
from .progress import Steps
from .batches.carry import carry_forward
from .ledger_details import add_ledger_details
from .parcels.attributes import fields_to_read
from .parcels.net import overlay_requests
from .parcels.result import ParcelResults
from .result_file import result_fields, run_info, write_result
from .result_fields import LAYER_NAMES, OVERLAP_FIELDS, carried_field
from .rules.evaluate import class_problems, evaluate
from .rules.rule_sets import check_fits_job, load_rule_sets
from .rules.evaluate import metadata as rules_metadata

RESULT_NAME = "result.gpkg"
SPLIT_SHARE = 0.999  # below this share of its area in one unit, a patch is called split
# Below this many patches, starting worker processes (spawn, imports, sending the features)
# costs more than it saves. The workers import while the caller reads, so it pays early on
# Linux: 1,500 patches on a 300k-parcel county 1.78 → 1.68 s, the 90k-parcel county with 3,000
# patches 3.04 → 2.58 s (paired runs, two cores; 22 % more CPU). Kept above the quarterly
# batch's size, as a worker's imports cost more on Windows (not measured here).
PARALLEL_MIN_PATCHES = 2_000
#: Threads (shapely 2 only, whose GEOS calls release the GIL) start at no cost: worth it much
#: sooner. Only where processes cannot be started: on shapely 2 processes beat threads, whose
#: Python parts hold the GIL (county 28 → 19 s, small county 2.95 → 2.45 s, two cores).
THREADS_MIN_PATCHES = 1_000


@dataclass
class AnalysisResult:
    result_path: str
    patch_count: int
    working_crs: str
    notes: List[Note] = field(default_factory=list)
    totals: dict = field(default_factory=dict)
    seconds: float = 0.0
    verdicts: dict = field(default_factory=dict)
    baseline_labels: List[str] = field(default_factory=list)
    layer_names: dict = field(default_factory=dict)

    def summary_lines(self):
        lines = [f"结果: {self.result_path}",
                 f"图斑 {self.patch_count} 个，工作坐标系 {self.working_crs}，用时 {self.seconds:.1f} 秒"]
        for key, (count, m2) in self.totals.items():
            lines.append(f"  占{self.layer_names.get(key) or LAYER_NAMES.get(key, key)}: {count} 个图斑，"
                         f"{m2:.2f} 平方米 ({m2 * MU_PER_M2:.2f} 亩)")
        if self.verdicts:
            lines.append("判定: " + "，".join(f"{k} {v} 个" for k, v in sorted(self.verdicts.items())))
        for note in self.warnings():
            lines.append(f"警告: {note}")
        if self.notes:
            counts = {k: sum(1 for n in self.notes if n.kind == k) for k in ("drop", "repair")}
            lines.append(f"提示 {len(self.notes)} 条 (剔除要素 {counts['drop']} 个，修复 "
                         f"{counts['repair']} 处，其余为编码、改名等说明)，见结果中的 notes 表")
        return lines

    def warnings(self, shown=20):
        """Notes the user must look at before trusting the figures (an empty baseline, a
        patch delivered twice, features dropped from a baseline); at most ``shown``, then a
        count of the rest."""
        baselines = set(self.baseline_labels)
        loud = [n for n in self.notes if n.kind == "warning"
                or (n.kind == "drop" and n.layer in baselines)]
        out = [str(n) for n in loud[:shown]]
        if len(loud) > shown:
            out.append(f"…… 另有 {len(loud) - shown} 条，见 notes 表")
        return out


@gc_paused()
def run_analysis(job, out_dir, progress=None, cancelled=None, job_workers=None):
    """Run one job and write ``out_dir/result.gpkg``; returns an AnalysisResult.

    ``job_workers``: workers for the overlay (default: ``default_workers()``): processes, or
    threads on shapely 2 where no worker process can be started.

    Raises InputError for bad input (nothing is written) and Cancelled when asked to stop.
    """
    started = datetime.datetime.now()
    steps = Steps(progress, cancelled)
    notes: List[Note] = list(job.notes)
    # A bad rule file must stop the job before any data is read.
    class_table = load_class_table()
    ruleset = load_rule_sets(job.rules, class_table)
    check_fits_job(ruleset, {k: s.carry for k, s in job.baselines.items()})
    out_path = os.path.join(out_dir, RESULT_NAME)
    refuse_inputs([out_path], input_paths(job) + [job.path])
    writable_folder(out_dir)
    steps.report(0.0, "读取监测图斑")
    patches, patch_layer, crs = _read_patches(job, notes)
    workers = default_workers() if job_workers is None else job_workers
    threads = kernel_vectorised.AVAILABLE and not can_spawn()
    worth_it = len(patches) >= (THREADS_MIN_PATCHES if threads else PARALLEL_MIN_PATCHES) \
        or workers_asked_for()
    pool = worker_pool(workers, threads) if len(job.layers()) > 1 and worth_it else None
    # the workers cut the layers, write the overlaps and parcel hits while the verdicts are
    # reached, and clip the flagged areas' pieces; ended at once on failure, before the files
    # they were writing go
    staged = []
    try:
        with pool_closed_after(pool):
            steps.report(0.05, "检查坐标系")
            layers, overlays = _overlay_all(job, class_table, patches, crs, steps, notes, pool,
                                            workers)

            steps.report(0.82, "计算椭球面积")
            rows = [{"patch_id": pid, "township": None, "village": None, "before_class": None,
                     "after_class": None} for pid in patches.ids]
            ellipsoid = EllipsoidalArea(crs)
            patch_m2 = ellipsoid.areas(patches.wkb)
            for r, a, planar in zip(rows, patch_m2, patches.planar):
                r.update(area_m2=round(float(a), 4), area_mu=round(float(a) * MU_PER_M2, 6),
                         planar_m2=round(float(planar), 4))
            pieces, totals = _occupied_columns(job, layers, overlays, patches, patch_m2, rows,
                                               notes)
            overlaps_layer = stage_layer(pool, out_dir, "overlaps", crs.to_wkt(),
                                         OVERLAP_FIELDS, pieces)
            staged.append(overlaps_layer)
            parcels = ParcelResults(job, layers, overlays, patches.ids, ellipsoid, rows, notes)
            for key in overlay_requests(job, layers):  # the pieces live on in parcels alone
                del overlays[key]
            staged.append(parcels.stage(pool, out_dir, crs.to_wkt()))
            let_go_of_sent(pool)  # the staged layers' pickled rows, held through the write else
            classes = _patch_classes(job.patches, patch_layer, class_table, notes)
            cover = _free_columns(job, overlays, classes["after_field"] or [None] * len(rows),
                                  class_table, ellipsoid, patch_m2, rows)

            steps.report(0.88, "归属乡镇村与地类")
            _attribute_admin(job, layers, overlays, rows)
            _attribute_carried(job, layers, overlays, rows)
            _attribute_classes(job, layers, overlays, rows, classes, class_table, notes)

            steps.report(0.90, "按规则判定")
            table = _columns(rows)
            verdicts = evaluate(table, ruleset, class_table, names=job.names())
            for name in ("verdict", "violation_type", "rule_ids", "measure", "reason"):
                for r, v in zip(rows, verdicts[name]):
                    r[name] = v if v else None
            for r, sev, flag in zip(rows, verdicts["severity"], verdicts["flag_area_m2"]):
                r["severity"] = None if sev is None else int(sev)
                r["flag_area_m2"] = round(float(flag), 4)
                r["flag_area_mu"] = round(float(flag) * MU_PER_M2, 6)
            for text in verdicts.attrs["rules"]["skipped_zones"]:
                notes.append(Note("规则", "-", text))
            for p in class_problems(table, class_table):
                notes.append(Note(job.patches.label, p["patch_id"],
                                  f"{p['field']} 地类编码 {p['code']!r}: {p['problem']}"))
            bases = list(verdicts["flag_basis"])
            ledger_info = add_ledger_details(job, layers, overlays, patches, patch_layer, crs,
                                             cover, bases, ellipsoid, rows, pool)
            parcels.add_flag_split(overlays, cover, bases, ellipsoid, rows, patches.planar, pool)
            batches = carry_forward(job, patches, rows, crs, notes)

            steps.report(0.93, "写出结果")
            fields = result_fields(job, parcels, batches)
            result = AnalysisResult(result_path=out_path, patch_count=len(patches),
                                    working_crs=crs_label(crs), notes=notes, totals=totals,
                                    verdicts=dict(Counter(verdicts["verdict"])),
                                    baseline_labels=[s.label for s in job.baselines.values()],
                                    layer_names=job.names())
            write_result(out_path, crs, fields, patches=patches, patch_layer=patch_layer,
                         rows=rows, overlaps=overlaps_layer, parcels=parcels,
                         run_info=run_info(job, layers, result, started) + ledger_info
                         + parcels.run_info() + batches.run_info()
                         + sorted(rules_metadata(ruleset, class_table).items()), notes=notes)
    finally:
        for layer in staged:
            layer.discard()
    steps.report(1.0, "完成")
    result.seconds = (datetime.datetime.now() - started).total_seconds()
    return result


def _read_layer(spec, class_table, near, notes):
    """A layer other than the patches, checked for CRS; only the features near the patches
    (``near``: their boxes and CRS) where the layer's index allows. A layer left empty by its
    ``where`` is a warning: its baseline then counts as untouched."""
    fields = [f for f in (spec.id_field, *spec.extra.values(), *spec.carry) if f]
    fields += [f for f in fields_to_read(spec) if f not in fields]
    key = _CodeKey(class_table)
    layer, layer_notes = read_layer(spec, fields=fields, where_key=key, near=near)
    notes.extend(layer_notes)
    notes.extend(key.notes(spec))
    if len(layer) == 0:
        notes.append(_empty_note(spec, layer))
    elif layer.crs is None or layer.bounds() is not None:
        check_coordinates(layer.crs, layer.bounds(), spec.label)
    return layer


def _empty_note(spec, layer):
    """Why a layer holds no feature to overlay: a ``where`` that matched none of the features
    read is a warning; a layer with no feature near any patch only says so."""
    if spec.where and layer.read_count:
        scope = "图斑附近" if layer.partial else "过滤前"
        return Note(spec.label, "-", f"where 过滤后图层为空 ({scope} {layer.read_count} 个要素均未通过；"
                    "请核对过滤条件与字段取值)，按未占用计", kind="warning")
    if layer.partial:
        return Note(spec.label, "-", "图斑附近没有该图层的要素，按未占用计")
    return Note(spec.label, "-", "图层为空，按未占用计", kind="warning")


class _CodeKey:
    """The ``where`` comparison of a layer: land-class codes that lost a leading zero (DLBM
    stored as a number, or ``where: [101]``) compare as the code they were, each noted."""

    def __init__(self, class_table):
        self.table = class_table
        self.restored = {}

    def __call__(self, value):
        text = self.table.comparable(value)
        if text is not None and not (isinstance(value, str) and value.strip().upper() == text):
            if text != str(value) and not isinstance(value, bool):
                self.restored.setdefault(text, value)
        return text

    def notes(self, spec):
        if not self.restored:
            return []
        shown = "、".join(f"{v!r} → {k}" for k, v in list(self.restored.items())[:5])
        return [Note(spec.label, "-", f"where 比较时把丢失前导零的地类编码补齐 ({shown})；"
                     "请核对该字段是否被当作数字保存", kind="repair")]


def _overlay_all(job, class_table, patches, crs, steps, notes, pool, workers):
    """Every layer but the patches, read, and its overlays: ({role: (spec, VectorLayer)},
    {key: per-patch result}). Results: (WKB, m², planar m²) or None for baselines and
    exemptions, [(feature row, area)] for admin, previous-year parcels and a baseline's
    features cut one by one for the attributes it carries, [(feature row, (WKB, planar m², m²))]
    for the parcel baselines' pieces (keys from ``parcels.net.overlay_requests``). A parcel
    baseline is cut once: its pieces, and its occupied area as their union."""
    specs = job.layers()[1:]
    roles = {s.role: s.role for s in specs}  # {overlay key: its layer's role}, in the job's order
    roles.update({carried_role(k): k for k, s in job.baselines.items() if s.carry})
    # Each layer's chunks go to the pool as soon as it is read: the workers cut one layer while
    # this process reads the next. The smallest first, so that the workers start early (the
    # county's farmland took 1.2 s to read, while the workers waited for it); one that cannot
    # be opened first (its error before any work), one of unknown size last.
    counts = {s.role: feature_count(s) for s in specs}
    order = sorted(specs, key=lambda s: float("inf") if counts[s.role] is None
                   else counts[s.role])
    layers, overlays, pending, read_notes = {}, {}, {}, {}
    for spec in order:
        read_notes[spec.role] = []
        layers[spec.role] = (spec, _read_layer(spec, class_table,
                                               (patches.envelopes, crs), read_notes[spec.role]))
        pieces_of = {role: key for key, role in overlay_requests(job, layers).items()}
        for key, role in roles.items():
            if role != spec.role:
                continue
            mode = (PIECES if role in ("admin", "parcels_before") or key == carried_role(role)
                    else BOTH if role in pieces_of else UNION)
            pending[key] = PendingOverlay(patches, layers[role][1], crs, mode, spec.id_field,
                                          pool=pool, workers=workers)
        if spec.role in job.baselines:  # the exemptions are cut again for the permit list
            layers[spec.role][1].release_geometries()  # what the overlay needs went with it
        steps.check()
    cut_notes = {}
    read_at = {s.role: k for k, s in enumerate(order)}
    # collected in the order the workers were given them
    for n, (key, role) in enumerate(sorted(roles.items(), key=lambda kr: read_at[kr[1]])):
        spec = layers[role][0]
        base, span = 0.1 + 0.7 * n / len(roles), 0.7 / len(roles)
        steps.report(base, f"叠加 {spec.label}")

        def step(done, base=base, span=span, label=spec.label):
            steps.report(base + span * done, f"叠加 {label}")

        overlays[key], cut_notes[key] = pending[key].collect(step)
        if key in pieces_of:
            overlays[key], overlays[pieces_of[key]] = overlays[key]
    # notes in the job's order of layers, whatever order they were read in
    notes.extend(n for s in specs for n in read_notes[s.role])
    notes.extend(n for key in roles for n in cut_notes[key])
    return {s.role: layers[s.role] for s in specs}, overlays


def _columns(rows):
    """{column: list of values} of row dicts; a key a row lacks reads as None."""
    names = list(dict.fromkeys(k for r in rows for k in r))
    return {k: [r.get(k) for r in rows] for k in names}


def _occupied_columns(job, layers, overlays, patches, patch_m2, rows, notes):
    """K_m2/K_pct for every baseline and exemption; drops slivers under min_area_m2 (their
    overlay entry becomes None). Returns the overlaps layer (LayerRows) and totals."""
    piece_rows, piece_wkb, totals = [], [], {}
    names = job.names()
    for k in list(job.baselines) + list(job.exemptions):
        results = overlays[k]
        m2 = np.array([v[1] if v is not None else 0.0 for v in results])
        # Occupied lies inside the patch; GEOS overlay of near-degenerate slivers can come out
        # a few ppm larger (seen by the property test on shapely 2), so clamp to the patch.
        m2 = np.minimum(m2, patch_m2)
        small = (m2 > 0) & (m2 < job.min_area_m2)
        m2[small] = 0.0
        for r, a, whole in zip(rows, m2, patch_m2):
            r[f"{k}_m2"] = round(float(a), 4)
            r[f"{k}_pct"] = round(float(100.0 * a / whole), 4) if whole > 0 else 0.0
        totals[k] = (int((m2 > 0).sum()), float(m2.sum()))
        if small.any():
            notes.append(Note(layers[k][0].label, "-", f"{int(small.sum())} 个图斑与之重叠不足 "
                              f"{job.min_area_m2:g} 平方米，按未占用计"))
        for i, (pid, v, a) in enumerate(zip(patches.ids, results, m2)):
            if a > 0:  # in OVERLAP_FIELDS' order
                piece_rows.append((pid, k, names[k], round(float(a), 4),
                                   round(float(a) * MU_PER_M2, 6), round(v[2], 4)))
                piece_wkb.append(v[0])
            elif v is not None:
                results[i] = None
    return LayerRows(piece_rows, piece_wkb), totals


def _free_columns(job, overlays, after_classes, class_table, ellipsoid, patch_m2, rows):
    """K_free_m2 (inside K, no exemption covers it) and free_m2 (no exemption covers it);
    returns the cover of each patch (WKB or None)."""
    cover = union_each(*(_effective_cover(k, [v[0] if v else None for v in overlays[k]],
                                          after_classes, class_table)
                         for k in job.exemptions)) if job.exemptions else [None] * len(rows)
    covered = [i for i, c in enumerate(cover) if c is not None]
    for k in job.baselines:
        for r, v in zip(rows, overlays[k]):
            r[f"{k}_free_m2"] = r[f"{k}_m2"] if v is not None else 0.0
        occupied = [overlays[k][i][0] if overlays[k][i] is not None else None for i in covered]
        rest = subtract(occupied, [cover[i] for i in covered])
        for i, a in zip(covered, ellipsoid.areas(rest)):
            if overlays[k][i] is not None:
                # The free part lies inside the occupied part; GEOS can return a larger area
                # when a difference meets a sub-millimetre sliver hole (seen by the property
                # test: +0.08 m² on a 1e-5 m sliver), so never report more than occupied.
                rows[i][f"{k}_free_m2"] = round(min(float(a), rows[i][f"{k}_m2"]), 4)
    if job.exemptions:
        covered_m2 = ellipsoid.areas(cover)
        for r, whole, c in zip(rows, patch_m2, covered_m2):
            r["free_m2"] = round(float(max(whole - c, 0.0)), 4)
    return cover


def _read_patches(job, notes):
    spec = job.patches
    fields = [f for f in (spec.id_field, *spec.extra.values()) if f]
    layer, layer_notes = read_layer(spec, fields=fields, all_fields=True)
    notes.extend(layer_notes)
    if len(layer) == 0:
        raise InputError("监测图斑图层为空 (或 where 过滤后没有要素)", layer=spec.label)
    bounds = layer.bounds()
    if bounds is None:
        raise InputError("监测图斑图层没有任何有效几何", layer=spec.label)
    check_coordinates(layer.crs, bounds, spec.label)
    crs = working_crs(job.crs, layer.crs, bounds)
    ids = _unique_ids(layer.ids(spec.id_field), layer.fids, spec, notes)
    # a geometry left out while reading is named there already
    rows = [i for i in range(len(layer)) if i not in layer.dropped]
    parsed, geom_notes = parse_geometries([layer.wkb[i] for i in rows], [ids[i] for i in rows],
                                          spec.label)
    notes.extend(geom_notes)
    geoms = [None] * len(layer)
    for i, g in zip(rows, parsed):
        geoms[i] = g
    keep = [i for i, g in enumerate(geoms) if g is not None]
    if not keep:
        raise InputError("监测图斑图层没有任何有效几何", layer=spec.label)
    geoms = [geoms[i] for i in keep]
    # The file's own WKB serves where the patch needed no repair, flattening or reprojection.
    changed = {n.feature for n in geom_notes}
    wkb = [layer.wkb[i] if ids[i] not in changed and _is_plain_2d(layer.wkb[i]) else None
           for i in keep]
    if CRS.from_user_input(layer.crs) != crs:
        to_work = transformer(layer.crs, crs).transform
        # degrees to metres can leave a sliver self-touching: repaired, never carried invalid
        geoms = [robust.valid_polygonal(shapely_transform(to_work, g)) for g in geoms]
        for i, g in zip(keep, geoms):
            if g is None:
                notes.append(Note(spec.label, ids[i], "投影到工作坐标系后面积为零，已剔除",
                                  kind="drop"))
        keep = [i for i, g in zip(keep, geoms) if g is not None]
        geoms = [g for g in geoms if g is not None]
        if not keep:
            raise InputError("监测图斑图层没有任何有效几何", layer=spec.label)
        wkb = None
    layer.kept_rows = keep
    patches = PatchSet.from_geoms([ids[i] for i in keep], geoms, wkb)
    notes.extend(_repeated_geometries(patches, spec.label))
    return patches, layer, crs


def _repeated_geometries(patches, label):
    """A warning for every patch whose geometry equals an earlier patch's: delivered twice
    under two ids, its areas would count twice in every total."""
    keys = {}
    for k, env in enumerate(np.round(patches.envelopes, 3).tolist()):
        keys.setdefault(tuple(env), []).append(k)
    notes = []
    for group in keys.values():
        for k in group[1:]:
            twin = next((j for j in group if j < k and patches.geoms[j].equals(patches.geoms[k])),
                        None)
            if twin is not None:
                notes.append(Note(label, patches.ids[k], f"与图斑 {patches.ids[twin]} 几何完全相同"
                                  "(重复下发?)，两者面积都会计入合计，请核实", kind="warning"))
    return notes


def _is_plain_2d(blob):
    """A little-endian 2D Polygon or MultiPolygon WKB (what the rest of the engine writes)."""
    return blob is not None and blob[0] == 1 and blob[1:5] in (b"\x03\0\0\0", b"\x06\0\0\0")


def _unique_ids(ids, fids, spec, notes):
    """Patch ids are the ledger's key: blanks get FID-based ids and repeats a suffix, reported;
    a made-up id never takes one the layer already holds (``A``, ``A``, ``A#2``)."""
    taken = {pid for pid in ids if pid is not None}
    used, out = set(), []
    for pid, fid in zip(ids, fids):
        if pid is None:
            new = _free_id(f"FID{fid}", taken | used)
            notes.append(Note(spec.label, f"FID {fid}",
                              f"编号字段 {spec.id_field} 为空，图斑编号记为 {new}", kind="repair"))
            pid = new
        elif pid in used:
            new = _free_id(pid, taken | used)
            notes.append(Note(spec.label, pid, f"编号重复，此图斑编号记为 {new}", kind="repair"))
            pid = new
        used.add(pid)
        out.append(pid)
    return out


def _free_id(base, taken):
    """``base`` itself when free, else ``base#2``, ``base#3`` … the first free one."""
    if base not in taken:
        return base
    return next(c for c in (f"{base}#{k}" for k in range(2, len(taken) + 3)) if c not in taken)


def _attribute_admin(job, layers, overlays, rows):
    """township/village of the unit holding most of each patch; a split is noted."""
    if job.admin is None:
        return
    spec, layer = layers["admin"]
    tf, vf = spec.extra.get("township_field"), spec.extra.get("village_field")
    towns = layer.columns.get(tf) if tf else None
    villages = layer.columns.get(vf) if vf else None
    keys = [(towns[i] if towns else None, villages[i] if villages else None)
            for i in range(len(layer))]
    for r, (unit, share, ranked) in zip(rows, dominant_values(overlays["admin"], keys)):
        if unit is None:
            r["admin_note"] = "不在任何行政区范围内"
            continue
        r["township"], r["village"] = unit
        if share < SPLIT_SHARE:
            parts = "、".join(f"{t or ''}{v or ''} {s * 100:.1f}%" for (t, v), s in ranked)
            r["admin_note"] = f"跨 {len(ranked)} 个行政区: {parts}"


def carried_role(key):
    """The overlay key of a baseline's features cut one by one, for the attributes it carries."""
    return f"{key}:features"


def _attribute_carried(job, layers, overlays, rows):
    """``<key>_<field>`` of every baseline that carries fields: the values of the feature
    holding most of the patch (none where no feature meets it)."""
    for key, spec in job.baselines.items():
        if not spec.carry:
            continue
        layer = layers[key][1]
        features = dominant_values(overlays[carried_role(key)], list(range(len(layer))))
        for r, (row, _, _) in zip(rows, features):
            for f in spec.carry:
                value = layer.columns[f][row] if row is not None else None
                r[carried_field(key, f)] = None if value is None else str(value).strip()


def _attribute_classes(job, layers, overlays, rows, classes, class_table, notes):
    for key, name in (("before_field", "before_class"), ("after_field", "after_class")):
        if classes[key] is not None:
            for r, code in zip(rows, classes[key]):
                r[name] = code
    if not job.patches.extra.get("before_field") and job.parcels_before is not None:
        pspec, layer = layers["parcels_before"]
        cf = pspec.extra.get("class_field", "DLBM")
        if cf not in layer.columns:
            raise InputError("缺少地类字段", layer=pspec.label, field=cf)
        values = codes_if_names(pspec, cf, layer.columns[cf], class_table, notes)
        for r, (code, _, _) in zip(rows, dominant_values(overlays["parcels_before"], values)):
            r["before_class"] = code


def _patch_classes(spec, patch_layer, class_table, notes):
    """{before_field/after_field: the class code each patch's field gives (None where it has
    none)}, names read as codes where the job says the fields hold names; None for a field the
    job does not name."""
    out = {}
    for key in ("before_field", "after_field"):
        f = spec.extra.get(key)
        if not f:
            out[key] = None
            continue
        values = patch_layer.columns[f]
        texts = [str(values[i]).strip() if values[i] is not None and str(values[i]).strip()
                 else None for i in patch_layer.kept_rows]
        out[key] = codes_if_names(spec, f, texts, class_table, notes)
    return out


def _effective_cover(key, geoms, after_classes, class_table):
    """Exemption cover that can make an area lawful: a facility-agriculture filing only covers
    a patch whose new use is facility agriculture (a filing does not license a factory)."""
    if key != "facility_agri":
        return geoms
    out = []
    for g, code in zip(geoms, after_classes):
        ok, _ = class_table.check(code) if code else (None, None)
        out.append(g if ok and "facility_agri" in class_table.groups(ok) else None)
    return out
