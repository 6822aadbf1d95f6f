"""The overlay of the changed parcels: a piece per changed before × changed after parcel whose
boxes meet and whose classes differ, measured for area and slivers."""

from dataclasses import dataclass
from typing import Optional

import numpy as np

from ..io.wkb_arrays import Runs
from ..overlay.areas import planar_areas
from ..overlay.bbox import bbox_join
from ..overlay.pairs import intersect_pairs, points_inside
from .read import valid_geoms


@dataclass
class Pieces:
    """Intersections of a changed before parcel and a changed after parcel.

    ``change``: the compared classes differ (a change patch); otherwise the piece only moves
    farmland between townships (boundary or location-code changes) and is kept for the balance.
    """

    wkb: list
    rows_b: np.ndarray
    rows_a: np.ndarray
    change: np.ndarray
    units_b: dict  # row → balance township of a changed farmland parcel, before / after year
    units_a: dict
    m2: Optional[np.ndarray] = None
    planar: Optional[np.ndarray] = None
    width: Optional[np.ndarray] = None
    compact: Optional[np.ndarray] = None
    small: Optional[np.ndarray] = None
    sliver: Optional[np.ndarray] = None

    def measure(self, ellipsoid, options):
        """Areas and the sliver test (ellipsoidal area; width and compactness are planar)."""
        self.m2 = ellipsoid.areas(self.wkb)
        self.planar = planar_areas(self.wkb)
        perimeter = planar_perimeters(self.wkb)
        with np.errstate(divide="ignore", invalid="ignore"):
            self.width = np.where(perimeter > 0, 2 * self.planar / perimeter, 0.0)
            self.compact = np.where(perimeter > 0, 4 * np.pi * self.planar / perimeter ** 2, 0.0)
        self.small = self.m2 < options.min_area_m2
        thin = (self.compact < options.sliver_ratio) & (self.width < options.sliver_width_m)
        self.sliver = self.small | thin


def overlay_changed(before, after, changed_b, changed_a, farm, locate, notes):
    """Pieces of changed before × changed after parcels whose boxes meet and whose classes
    differ (or, both farmland, whose townships differ)."""
    geoms_b = valid_geoms(before, changed_b, notes)
    geoms_a = valid_geoms(after, changed_a, notes)
    farm_b = np.array([farm[before.classes[i]] for i in changed_b], dtype=bool)
    farm_a = np.array([farm[after.classes[j]] for j in changed_a], dtype=bool)
    if locate is not None:
        units_b = _located(locate, geoms_b, farm_b)
        units_a = _located(locate, geoms_a, farm_a)
    else:
        units_b = [before.units[i] if f else (None, None) for i, f in zip(changed_b, farm_b)]
        units_a = [after.units[j] if f else (None, None) for j, f in zip(changed_a, farm_a)]
    pi, pj = bbox_join(before.envelopes[changed_b], after.envelopes[changed_a])
    differ = before.keys[changed_b[pi]] != after.keys[changed_a[pj]]
    town_b = np.array([u[0] or "" for u in units_b], dtype=object)
    town_a = np.array([u[0] or "" for u in units_a], dtype=object)
    moved = farm_b[pi] & farm_a[pj] & (town_b[pi] != town_a[pj])
    ok = np.array([geoms_b[i] is not None and geoms_a[j] is not None for i, j in zip(pi, pj)],
                  dtype=bool)
    take = (differ | moved) & ok
    pi, pj, differ = pi[take], pj[take], differ[take]
    found = intersect_pairs(geoms_b, geoms_a, pi, pj)
    k = np.asarray([k for k, _ in found], dtype=np.int64)
    return Pieces(wkb=[w for _, w in found], rows_b=changed_b[pi[k]], rows_a=changed_a[pj[k]],
                   change=differ[k],
                   units_b=dict(zip(changed_b.tolist(), units_b)),
                   units_a=dict(zip(changed_a.tolist(), units_a)))


def _located(locate, geoms, wanted):
    units = [(None, None)] * len(geoms)
    rows = np.flatnonzero(wanted)
    found = locate.units_of_points(*points_inside([geoms[k] for k in rows]))
    for k, u in zip(rows, found):
        units[k] = u
    return units


def planar_perimeters(wkbs):
    """Planar perimeter (all rings) of each (Multi)Polygon WKB in its own units."""
    out = np.zeros(len(wkbs))
    runs = Runs(wkbs)
    if len(runs.npts) == 0:
        return out
    x, y = runs.coordinates()
    seg = np.hypot(np.diff(x), np.diff(y))
    ends = np.cumsum(runs.npts)
    seg = np.append(seg, 0.0)
    seg[ends - 1] = 0.0  # no segment joins one ring's last point to the next ring's first
    starts = ends - runs.npts
    np.add.at(out, runs.owner, np.add.reduceat(seg, starts))
    return out
