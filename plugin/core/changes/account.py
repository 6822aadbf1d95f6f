"""Farmland accounting for the balance sheet: stocks from whole parcels, flows from the change
pieces, and the same inside the protected layers (永久基本农田, 生态保护红线)."""

from dataclasses import dataclass, field

import numpy as np

from ..errors import Note
from ..io.crs import check_coordinates
from ..io.layers import read_layer
from ..io.wkb_arrays import envelopes as wkb_envelopes
from . import balance

PARALLEL_MIN_PARCELS = 2000  # below this, starting worker processes costs more than it saves


@dataclass
class _FarmlandParts:
    """Every piece of farmland the balance adds up, as WKB with townships.

    ``shared``: parcels identical in both years (start and end townships may differ);
    ``start_only``/``end_only``: changed farmland parcels of one year; ``lost``/``gained``:
    change pieces leaving or entering farmland (with group and sliver flag); ``moved``: pieces
    farmland in both years whose township differs; ``kept``: pieces farmland in both years, of
    one township, whose class changed (0103 → 0101: no flow, but the net share may change).
    ``rows``: per part, the parcel rows (before, after) each item comes from (None where the
    part has no parcel of that year), for the net account.
    """

    shared: tuple
    start_only: tuple
    end_only: tuple
    lost: tuple
    gained: tuple
    moved: tuple
    kept: tuple = ((), ())
    rows: dict = field(default_factory=dict)
    values: dict = field(default_factory=dict)  # the parts' m² (measure_parts), once measured


def _farmland_parts(before, after, pair_b, pair_a, pieces, farm, locate, table):
    unchanged = [(i, j) for i, j in zip(pair_b.tolist(), pair_a.tolist()) if farm[before.classes[i]]]
    shared_wkb = [before.wkb[i] for i, _ in unchanged]
    if locate is not None:
        u_start = u_end = locate.units_of_wkb(shared_wkb)
    else:
        u_start = [before.units[i] for i, _ in unchanged]
        u_end = [after.units[j] for _, j in unchanged]
    sides, side_rows = [], []
    for year, units in ((before, pieces.units_b), (after, pieces.units_a)):
        rows = [r for r in units if farm[year.classes[r]]]
        sides.append(([year.wkb[r] for r in rows], [units[r] for r in rows]))
        side_rows.append(rows)
    flows = {"lost": ([], [], [], []), "gained": ([], [], [], []), "moved": ([], [], []),
             "kept": ([], [])}
    rows = {key: ([], []) for key in flows}
    for k, (i, j) in enumerate(zip(pieces.rows_b.tolist(), pieces.rows_a.tolist())):
        fb, fa = farm[before.classes[i]], farm[after.classes[j]]
        if fb != fa:
            key, unit, other = ("lost", pieces.units_b[i], after.classes[j]) if fb else \
                ("gained", pieces.units_a[j], before.classes[i])
            values = (pieces.wkb[k], unit, balance.flow_group(other, table),
                      bool(pieces.sliver[k]))
        elif not fb:
            continue
        elif (pieces.units_b[i][0] or "") != (pieces.units_a[j][0] or ""):
            key, values = "moved", (pieces.wkb[k], pieces.units_b[i], pieces.units_a[j])
        else:
            key, values = "kept", (pieces.wkb[k], pieces.units_a[j])
        for part, value in zip(flows[key], values):
            part.append(value)
        rows[key][0].append(i)
        rows[key][1].append(j)
    rows.update(shared=([i for i, _ in unchanged], [j for _, j in unchanged]),
                start_only=(side_rows[0], None), end_only=(None, side_rows[1]))
    return _FarmlandParts(shared=(shared_wkb, u_start, u_end), start_only=sides[0],
                          end_only=sides[1], lost=flows["lost"], gained=flows["gained"],
                          moved=flows["moved"], kept=flows["kept"], rows=rows)


def measure_parts(parts, measure_start, measure_end):
    """{value name: m² per item} of the parts, each measured by a function of a WKB list (m²
    each): ``measure_start`` for what counts in the before year, ``measure_end`` for the after
    year. Each function is called once, on everything it measures."""
    start_lists = [parts.shared[0], parts.start_only[0], parts.lost[0], parts.moved[0]]
    end_lists = [parts.shared[0], parts.end_only[0], parts.gained[0], parts.moved[0]]
    if measure_end == measure_start:
        shared, start_only, lost, moved, end_only, gained = _measured(
            measure_start, start_lists + end_lists[1:3])
        shared_end, moved_end = shared, moved
    else:
        shared, start_only, lost, moved = _measured(measure_start, start_lists)
        shared_end, end_only, gained, moved_end = _measured(measure_end, end_lists)
    return {"shared": shared, "shared_end": shared_end, "start_only": start_only,
            "end_only": end_only, "lost": lost, "gained": gained, "moved": moved,
            "moved_end": moved_end}


def assemble(parts, values):
    """The FarmlandAccount of the parts' measured ``values`` (``measure_parts``)."""
    shared, shared_end = values["shared"], values["shared_end"]
    start_only, end_only = values["start_only"], values["end_only"]
    lost, gained = values["lost"], values["gained"]
    moved, moved_end = values["moved"], values["moved_end"]
    account = balance.FarmlandAccount()
    _, u_start, u_end = parts.shared
    account.add_stock("start", u_start, shared)
    account.add_stock("end", u_end, shared_end)
    account.add_stock("start", parts.start_only[1], start_only)
    account.add_stock("end", parts.end_only[1], end_only)
    for direction, areas in (("lost", lost), ("gained", gained)):
        _, units, groups, slivers = getattr(parts, direction)
        for unit, group, sliver, m2 in zip(units, groups, slivers, areas):
            account.add_flow(direction, unit, group, m2, sliver)
    for a, b, m2s, m2e in zip(u_start, u_end, shared, shared_end):
        if (a[0] or "") != (b[0] or ""):
            account.add_move(a, b, m2s, m2e)
    for a, b, m2s, m2e in zip(parts.moved[1], parts.moved[2], moved, moved_end):
        account.add_move(a, b, m2s, m2e)
    return account


def _measured(measure, lists):
    """measure() of all lists in one call, split back per list."""
    areas = measure([w for part in lists for w in part])
    bounds = np.cumsum([0] + [len(part) for part in lists])
    return [areas[a:b] for a, b in zip(bounds[:-1], bounds[1:])]


def farmland_account(before, after, pair_b, pair_a, pieces, farm, ellipsoid, locate, table,
                      notes):
    """Farmland stocks (from whole parcels) and flows (from the pieces) per township.

    Stocks and flows are measured independently, so start + gained − lost + moved = end checks
    the overlay; a remaining gap (area one year's parcels do not cover in the other, overlapping
    parcels) is reported, never hidden. Lost farmland counts where it was (the before parcel's
    township), gained farmland where it is (the after parcel's). Returns (account, parts).
    """
    parts = _farmland_parts(before, after, pair_b, pair_a, pieces, farm, locate, table)
    parts.values = measure_parts(parts, ellipsoid.areas, ellipsoid.areas)
    account = assemble(parts, parts.values)
    for unit, gap in account.gaps().items():
        if abs(gap) >= balance.GAP_TOLERANCE_M2:
            notes.append(Note("耕地进出平衡", unit, f"期初 + 增加 − 减少 + 跨乡镇调整 与期末相差 "
                              f"{gap:.2f} 平方米: 两年图层范围不一致或图斑重叠"))
    return account, parts


def protected_accounts(parts, options, crs, notes, steps):
    """{key: measured values} of the farmland inside each protected layer (永久基本农田,
    生态保护红线): the before year measured against the first layer given, the after year
    against the second (or the same one); ``assemble`` turns them into accounts."""
    out = {}
    for key, specs in options.protected.items():
        steps.report(0.72, f"叠加{balance.PROTECTED[key]}")
        layers = [_protected_layer(s, crs, notes) for s in specs[:2]]
        inside = [_InsideArea(layer, crs) for layer in layers]
        start = inside[0]
        end = inside[1] if len(inside) > 1 else start
        out[key] = measure_parts(parts, start, end)
    return out


def _protected_layer(spec, crs, notes):
    layer, layer_notes = read_layer(spec)
    notes.extend(layer_notes)
    if len(layer) == 0:
        notes.append(Note(spec.label, "-", "图层为空，按无保护范围计"))
    else:
        check_coordinates(layer.crs, layer.bounds(), spec.label)
    return layer


class _InsideArea:
    """Ellipsoidal m² of each WKB inside the union of a layer's features (the engine's
    overlay: overlapping features never count twice)."""

    def __init__(self, layer, crs):
        self.layer, self.crs = layer, crs

    def __call__(self, wkbs):
        from ..overlay.chunked import UNION, PatchSet, PendingOverlay
        from ..overlay.pool import default_workers, pool_closed_after, worker_pool
        out = np.zeros(len(wkbs))
        if not len(wkbs) or not len(self.layer):
            return out
        wkbs = [bytes(w) for w in wkbs]
        patches = PatchSet(ids=[str(k) for k in range(len(wkbs))], geoms=[None] * len(wkbs),
                           envelopes=wkb_envelopes(wkbs), wkb=wkbs)
        workers = default_workers()
        pool = worker_pool(workers) if len(wkbs) >= PARALLEL_MIN_PARCELS else None
        with pool_closed_after(pool):
            results, _ = PendingOverlay(patches, self.layer, self.crs, UNION, pool=pool,
                                        workers=workers).collect()
        for k, v in enumerate(results):
            if v is not None:
                out[k] = v[1]
        return out
