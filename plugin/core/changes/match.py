"""Parcels unchanged between the years, matched without geometry work, and the stable ids of
change pieces (both from vertex sets rounded to the millimetre)."""

import hashlib
from collections import Counter

import numpy as np

from ..errors import Note
from ..io.wkb_arrays import Runs
from ..overlay.areas import planar_areas


def identical(before, after, notes):
    """Rows (before, after) of parcels that are the same in both years: same compared class
    and the same geometry bytes, or else (rewritten by another tool: ring start, orientation)
    the same vertex set to the millimetre and the same area.

    A geometry met twice in one year (a duplicate delivery) is left to the overlay.
    """
    repeated = set()
    pairs = _unique_matches(
        ((i, (w, k)) for i, (w, k) in enumerate(zip(before.wkb, before.keys.tolist()))
         if w is not None),
        ((j, (w, k)) for j, (w, k) in enumerate(zip(after.wkb, after.keys.tolist()))
         if w is not None), repeated)
    if repeated:
        notes.append(Note("两年图斑", "-", f"{len(repeated)} 组图斑在同一年度内几何与地类完全重复，"
                          "已按变化图斑叠加 (请检查重复要素)"))
    rest_b = np.setdiff1d(np.arange(before.count), [i for i, _ in pairs])
    rest_a = np.setdiff1d(np.arange(after.count), [j for _, j in pairs])
    rest_b = [i for i in rest_b.tolist() if before.wkb[i] is not None]
    rest_a = [j for j in rest_a.tolist() if after.wkb[j] is not None]
    if rest_b and rest_a:
        shapes = _unique_matches(zip(rest_b, _shape_keys(before, rest_b)),
                                 zip(rest_a, _shape_keys(after, rest_a)), set())
        if shapes:
            notes.append(Note("两年图斑", "-", f"{len(shapes)} 个图斑地类与形状未变、仅几何写法不同 "
                              "(起点、方向或多部件写法)，按未变图斑处理"))
            pairs += shapes
    if not pairs:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    arr = np.asarray(pairs, dtype=np.int64)
    return arr[:, 0], arr[:, 1]


def _unique_matches(left, right, repeated):
    """[(i, j)] of keys met exactly once on each side; keys met twice go into ``repeated``."""
    index = {}
    for i, key in left:
        if key in index:
            repeated.add(key)
        index[key] = i
    seen = {}
    for j, key in right:
        if key in seen:
            repeated.add(key)
        seen[key] = j
    return [(index[key], j) for key, j in seen.items() if key in index and key not in repeated]


def _shape_keys(year, rows):
    """(vertex-set digest, class key, area to the cm²) of the given rows."""
    wkbs = [year.wkb[r] for r in rows]
    digests = vertex_digests(wkbs, [""] * len(rows))
    areas = np.round(planar_areas(wkbs) * 100).astype(np.int64).tolist()
    return [(d, int(year.keys[r]), a) for d, r, a in zip(digests, rows, areas)]


def polygon_key(wkb):
    """WKB bytes with a single-part MultiPolygon unwrapped to its Polygon (the same parcel
    written by another tool as Polygon or MultiPolygon compares equal)."""
    wkb = bytes(wkb)
    if len(wkb) > 18 and wkb[0] == 1 and wkb[1:9] == b"\x06\x00\x00\x00\x01\x00\x00\x00" \
            and wkb[9] == 1:
        return wkb[9:]
    return wkb


def stable_ids(wkbs, before_keys, after_keys):
    """An id per piece from its classes and its vertex set rounded to the millimetre.

    The same inputs give the same ids on every run and on any GEOS: the vertex *set* does not
    depend on ring start, orientation or part order. Format: ``BG`` + 12 hex digits.
    """
    digests = vertex_digests(wkbs, [f"{b}>{a}#" for b, a in zip(before_keys, after_keys)])
    ids, seen = [], Counter()
    for d in digests:
        pid = "BG" + d[:12].upper()
        seen[pid] += 1
        ids.append(pid if seen[pid] == 1 else f"{pid}-{seen[pid]}")
    return ids


def vertex_digests(wkbs, prefixes):
    """SHA-1 (hex) of each prefix followed by its geometry's distinct vertices, rounded to the
    millimetre and sorted."""
    n = len(wkbs)
    if n == 0:
        return []
    runs = Runs(wkbs)
    x, y = runs.coordinates()
    owner = np.repeat(runs.owner, runs.npts)
    qx = np.round(x * 1000).astype(np.int64)
    qy = np.round(y * 1000).astype(np.int64)
    order = np.lexsort((qy, qx, owner))
    owner, qx, qy = owner[order], qx[order], qy[order]
    fresh = np.ones(len(owner), dtype=bool)
    fresh[1:] = (owner[1:] != owner[:-1]) | (qx[1:] != qx[:-1]) | (qy[1:] != qy[:-1])
    owner, pts = owner[fresh], np.column_stack([qx[fresh], qy[fresh]])
    bounds = np.searchsorted(owner, np.arange(n + 1))
    out = []
    for k in range(n):
        h = hashlib.sha1(prefixes[k].encode())
        h.update(pts[bounds[k]:bounds[k + 1]].tobytes())
        out.append(h.hexdigest())
    return out
