"""Patch × layer overlay: the part of each patch inside a layer's features.

Occupied area is the patch ∩ the *union* of the layer's features, so overlapping baseline
features (duplicate deliveries, repaired slivers) never count twice. Only features whose box
meets a patch box are parsed, repaired and reprojected.
"""

from dataclasses import dataclass
from typing import List, Optional

import numpy as np
from pyproj import Transformer
from shapely.ops import transform as shapely_transform
from shapely.ops import unary_union
from shapely.prepared import prep

from .bbox import bbox_join
from .layers import parse_geometries, polygonal_part


@dataclass
class PatchSet:
    """The patches in the working CRS, with what every overlay reuses."""

    ids: List[str]
    geoms: list
    envelopes: np.ndarray

    @classmethod
    def from_geoms(cls, ids, geoms):
        env = np.array([g.bounds for g in geoms], dtype=float).reshape(-1, 4)
        return cls(ids=ids, geoms=geoms, envelopes=env)

    def __len__(self):
        return len(self.geoms)


class Prepared:
    """Prepared patch geometries, built once and reused by every layer's overlay."""

    def __init__(self, patches):
        self._patches = patches
        self._prepared = {}

    def __getitem__(self, i):
        p = self._prepared.get(i)
        if p is None:
            p = self._prepared[i] = prep(self._patches.geoms[i])
        return p


@dataclass
class Touching:
    """Layer features that meet patches: pair arrays and the parsed features they point to."""

    patch_rows: np.ndarray
    feature_rows: np.ndarray
    geoms: dict
    notes: list


def touching_features(patches, layer, working_crs, id_field=None, cancelled=None):
    """Pairs (patch, feature) whose boxes meet, with those features parsed into the working CRS."""
    same_crs = layer.crs is None or layer.crs == working_crs
    patch_env = patches.envelopes
    if not same_crs:
        patch_env = _transform_envelopes(patch_env, working_crs, layer.crs)
    pi, fj = bbox_join(patch_env, layer.envelopes())
    rows = np.unique(fj)
    ids = layer.ids(id_field) if id_field else [f"FID {f}" for f in layer.fids]
    parsed, notes = parse_geometries(layer.wkb[rows], [ids[r] for r in rows], layer.label)
    if not same_crs:
        to_work = Transformer.from_crs(layer.crs, working_crs, always_xy=True).transform
        parsed = [shapely_transform(to_work, g) if g is not None else None for g in parsed]
    if cancelled is not None:
        cancelled()
    return Touching(patch_rows=pi, feature_rows=fj, geoms=dict(zip(rows.tolist(), parsed)),
                    notes=notes)


def _transform_envelopes(env, src, dst):
    """Boxes in another CRS: corners and edge midpoints transformed, padded by 1 m."""
    t = Transformer.from_crs(src, dst, always_xy=True)
    minx, miny, maxx, maxy = env.T
    midx, midy = (minx + maxx) / 2, (miny + maxy) / 2
    xs = np.stack([minx, maxx, minx, maxx, midx, midx, minx, maxx])
    ys = np.stack([miny, miny, maxy, maxy, miny, maxy, midy, midy])
    tx, ty = t.transform(xs, ys)
    tx, ty = np.asarray(tx), np.asarray(ty)
    return np.column_stack([tx.min(0) - 1, ty.min(0) - 1, tx.max(0) + 1, ty.max(0) + 1])


def intersect_each(patches, prepared, touching, step=None):
    """For every patch, the union of its intersections with the touching features (or None).

    Returns (geoms, per-patch list of (feature row, piece area)). ``step(i)`` is called now and
    then so callers can report progress and cancel.
    """
    order = np.argsort(touching.patch_rows, kind="stable")
    pi = touching.patch_rows[order]
    fj = touching.feature_rows[order]
    bounds = np.searchsorted(pi, np.arange(len(patches) + 1))
    out: List[Optional[object]] = [None] * len(patches)
    parts: List[list] = [[] for _ in range(len(patches))]
    for i in range(len(patches)):
        lo, hi = bounds[i], bounds[i + 1]
        if lo == hi:
            continue
        if step is not None and i % 256 == 0:
            step(i)
        patch = patches.geoms[i]
        p = prepared[i]
        pieces = []
        for j in fj[lo:hi]:
            g = touching.geoms.get(int(j))
            if g is None or not p.intersects(g):
                continue
            piece = g if p.contains(g) else polygonal_part(patch.intersection(g))
            if piece is not None and piece.area > 0:
                pieces.append(piece)
                parts[i].append((int(j), piece.area))
        if pieces:
            out[i] = pieces[0] if len(pieces) == 1 else polygonal_part(unary_union(pieces))
    return out, parts


def subtract(geoms, holes):
    """geoms[i] minus holes[i] (either may be None)."""
    out = []
    for g, h in zip(geoms, holes):
        if g is None or h is None:
            out.append(g)
        else:
            out.append(polygonal_part(g.difference(h)))
    return out


def union_each(*geom_lists):
    """Element-wise union of several per-patch geometry lists (None where nothing)."""
    out = []
    for gs in zip(*geom_lists):
        gs = [g for g in gs if g is not None]
        out.append(None if not gs else gs[0] if len(gs) == 1 else polygonal_part(unary_union(gs)))
    return out


def dominant_values(parts, values):
    """Per patch: (value holding most area, its share 0..1, [(value, share), ...] by area).

    ``parts`` is intersect_each's per-patch (feature row, piece area) list; ``values`` maps a
    feature row to its attribute value.
    """
    out = []
    for plist in parts:
        totals = {}
        for row, area in plist:
            v = values[row]
            totals[v] = totals.get(v, 0.0) + area
        if not totals:
            out.append((None, 0.0, []))
            continue
        whole = sum(totals.values())
        ranked = sorted(((v, a / whole) for v, a in totals.items()), key=lambda t: -t[1])
        out.append((ranked[0][0], ranked[0][1], ranked))
    return out
