"""Patch × layer overlay: the part of each patch inside a layer's features.

Occupied area is the patch ∩ the *union* of the layer's features, so overlapping baseline
features (duplicate deliveries, repaired slivers) never count twice. Only features whose box
meets a patch box are parsed, repaired and reprojected.

Work is split into spatially coherent chunks of patches; with a worker pool the chunks run in
separate processes (on shapely 2 too: its GEOS calls release the GIL, but the Python around
them holds it), or on threads on shapely 2 where no process can be started.
"""

import os
from dataclasses import dataclass
from functools import cached_property
from typing import List

import numpy as np
import shapely.wkb
from pyproj import CRS
from shapely.ops import transform as shapely_transform
from shapely.prepared import prep

from . import kernel_raw_geos, kernel_vectorised, robust
from .areas import EllipsoidalArea, planar_areas
from .bbox import bbox_join, ranges
from ..io.crs import transform_boxes, transformer
from ..io.geometry import parse_geometries
from ..io.wkb_arrays import envelopes

UNION, PIECES = "union", "pieces"
# The union and each feature's piece in one pass, the union taken of the pieces (a parcel
# layer's occupied area and the parcels behind it, without cutting the features twice)
BOTH = "both"
_FAST = os.environ.get("LAND_SUPERVISION_REFERENCE_OVERLAY") != "1"  # tests compare both paths
CHUNKS_PER_WORKER = 4
# A UNION/BOTH result whose planar area is its patch's within this many m² is the whole patch:
# a patch tiled by its baseline's pieces comes out of their union up to ~3e-10 of its area off
# (measured on the county), and a difference this small stays under the 0.0001 m² we report.
WHOLE_PATCH_M2 = 1e-5


@dataclass
class PatchSet:
    """The patches in the working CRS, with what every overlay reuses."""

    ids: List[str]
    geoms: list
    envelopes: np.ndarray
    wkb: list

    @classmethod
    def from_geoms(cls, ids, geoms, wkb=None):
        """``wkb``: the geometries' WKB where already at hand (None entries are made here)."""
        wkb = [w if w is not None else g.wkb for g, w in zip(geoms, wkb or [None] * len(geoms))]
        return cls(ids=ids, geoms=geoms, envelopes=envelopes(wkb), wkb=wkb)

    def __len__(self):
        return len(self.geoms)

    @cached_property
    def planar(self):
        """Each patch's planar area (a float array), taken once."""
        return planar_areas(self.wkb)

    def chunks(self, n):
        """Index arrays of n groups of patches that lie near each other (west to east)."""
        centre = (self.envelopes[:, 0] + self.envelopes[:, 2]) / 2
        return [c for c in np.array_split(np.argsort(centre, kind="stable"), n) if len(c)]


class PendingOverlay:
    """One layer's overlay, submitted chunk by chunk; ``collect`` gathers the results."""

    def __init__(self, patches, layer, working_crs, mode, id_field=None, pool=None, workers=1):
        same_crs = layer.crs is None or layer.crs == working_crs
        patch_env = patches.envelopes
        if not same_crs:
            patch_env = transform_boxes(patch_env, working_crs, layer.crs)
        pi, fj = bbox_join(patch_env, layer.envelopes())
        ids = layer.ids(id_field) if id_field else [f"FID {f}" for f in layer.fids]
        work = CRS.from_user_input(working_crs).to_wkt()
        crs_pair = (work if same_crs else layer.crs.to_wkt(), work)
        order = np.argsort(pi, kind="stable")
        pi, fj = pi[order], fj[order]
        chunks = patches.chunks(max(1, workers * CHUNKS_PER_WORKER)) if pool else [
            np.arange(len(patches))]
        self.mode, self.count, self.jobs = mode, len(patches), []
        for rows in chunks:
            rows = np.sort(rows)
            lo = np.searchsorted(pi, rows, side="left")
            hi = np.searchsorted(pi, rows, side="right")
            counts = hi - lo
            take = ranges(lo, counts)
            feats = np.unique(fj[take])
            payload = (mode, [patches.wkb[i] for i in rows], [layer.wkb[f] for f in feats],
                       [ids[f] for f in feats], layer.label,
                       np.repeat(np.arange(len(rows)), counts), np.searchsorted(feats, fj[take]),
                       crs_pair)
            future = pool.submit(_overlay_chunk, payload) if pool else None
            self.jobs.append((rows, feats, future if pool else payload))

    def collect(self, step=None):
        """(per-patch results, notes). UNION: per patch (WKB, ellipsoidal m², planar m²) or
        None; PIECES: per patch [(feature row, planar piece area)]; BOTH: (the UNION list,
        per patch [(feature row, (piece WKB, planar m², ellipsoidal m²))]).
        ``step(fraction)`` after each chunk may raise to cancel."""
        union, both = self.mode == UNION, self.mode == BOTH
        results = [None] * self.count if union else [[] for _ in range(self.count)]
        wholes = [None] * self.count if both else None
        notes, seen = [], set()
        for k, (rows, feats, job) in enumerate(self.jobs):
            out, chunk_notes = job.result() if hasattr(job, "result") else _overlay_chunk(job)
            for local, value in out:
                i = rows[local]
                if both:
                    wholes[i], value = value
                results[i] = value if union else [(int(feats[f]), a) for f, a in value]
            for n in chunk_notes:
                key = (n.layer, n.feature, n.message)
                if key not in seen:
                    seen.add(key)
                    notes.append(n)
            if step is not None:
                step((k + 1) / len(self.jobs))
        return ((wholes, results) if both else results), notes


def covers_patch(result, patch_planar):
    """Whether a patch's UNION or BOTH result ((WKB, m², planar m²), or None) is the whole
    patch, whose planar area is ``patch_planar``."""
    return result is not None and abs(result[2] - patch_planar) <= WHOLE_PATCH_M2


def _overlay_chunk(payload):
    """One chunk of patches against the features that meet them (runs in a worker or inline)."""
    mode, patch_wkb, feat_wkb, feat_ids, label, local_p, local_f, crs_pair = payload
    fast = kernel_raw_geos if kernel_raw_geos.AVAILABLE else kernel_vectorised
    if crs_pair[0] == crs_pair[1] and _FAST and fast.AVAILABLE:
        if mode == UNION:
            out, notes = fast.occupied_chunk(patch_wkb, feat_wkb, feat_ids, label, local_p,
                                             local_f)
            return _with_areas(out, crs_pair), notes
        out, notes = fast.pieces_chunk(patch_wkb, feat_wkb, feat_ids, label, local_p, local_f,
                                       union=mode == BOTH)
        return _measured(out, mode, crs_pair), notes
    geoms, notes = parse_geometries(feat_wkb, feat_ids, label)
    if crs_pair[0] != crs_pair[1]:
        to_work = transformer(crs_pair[0], crs_pair[1]).transform
        # a valid feature can come out of a reprojection invalid where vertices nearly touch
        geoms = [robust.valid_polygonal(shapely_transform(to_work, g)) if g is not None else None
                 for g in geoms]
    bounds = np.searchsorted(local_p, np.arange(len(patch_wkb) + 1))
    out = []
    for i, blob in enumerate(patch_wkb):
        lo, hi = bounds[i], bounds[i + 1]
        if lo == hi:
            continue
        patch = shapely.wkb.loads(blob)
        p = prep(patch)
        cands = [(int(j), geoms[j]) for j in local_f[lo:hi]
                 if geoms[j] is not None and p.intersects(geoms[j])]
        if not cands:
            continue
        if mode != UNION:
            pieces = []
            for j, g in cands:
                piece = g if p.contains(g) else robust.intersection(patch, g)
                if piece is not None and piece.area > 0:
                    pieces.append((j, piece))
            if not pieces:
                continue
            values = [(j, g.wkb if mode == BOTH else g.area) for j, g in pieces]
            if mode == BOTH:
                whole = robust.union([g for _, g in pieces])
                values = (whole.wkb if whole is not None and whole.area > 0 else None, values)
            out.append((i, values))
            continue
        occupied = robust.occupied(patch, [g for _, g in cands])
        if occupied is not None:
            out.append((i, occupied.wkb))
    return _measured(out, mode, crs_pair), notes


def _measured(out, mode, crs_pair):
    """A chunk's results with their areas, taken here in the worker, not in the caller."""
    if mode == UNION:
        return _with_areas(out, crs_pair)
    if mode == BOTH:
        wholes = dict(_with_areas([(i, w) for i, (w, _) in out if w is not None], crs_pair))
        pieces = _pieces_with_areas([(i, plist) for i, (_, plist) in out], crs_pair)
        return [(i, (wholes.get(i), plist)) for i, plist in pieces]
    return out


def _with_areas(out, crs_pair):
    """Ellipsoidal and planar areas of each piece, here in the worker, not in the caller."""
    if not out:
        return out
    wkbs = [w for _, w in out]
    m2 = EllipsoidalArea(CRS.from_wkt(crs_pair[1])).areas(wkbs)
    planar = planar_areas(wkbs)
    return [(i, (w, float(a), float(p))) for (i, w), a, p in zip(out, m2, planar)]


def _pieces_with_areas(out, crs_pair):
    """Each piece as (WKB, planar m², ellipsoidal m²), measured here in the worker."""
    wkbs = [w for _, pieces in out for _, w in pieces]
    if not wkbs:
        return out
    m2 = iter(EllipsoidalArea(CRS.from_wkt(crs_pair[1])).areas(wkbs).tolist())
    planar = iter(planar_areas(wkbs).tolist())
    return [(i, [(j, (w, next(planar), next(m2))) for j, w in pieces]) for i, pieces in out]
