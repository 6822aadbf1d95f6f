"""Reprojecting polygon WKB in numpy: every coordinate rewritten in place, one PROJ call.

A county layer (10⁵–10⁶ parcels) delivered in another CRS than its pair would otherwise cost
a shapely object and a Python transform callback per parcel.
"""

import numpy as np
from pyproj import CRS

from .crs import transformer
from .wkb_arrays import Runs


def transform_wkbs(wkbs, src, dst):
    """The WKB of each (Multi)Polygon with x/y taken from ``src`` to ``dst`` (Z/M kept).

    Returns an object array; None stays None.
    """
    blobs = [bytes(b) if b is not None else None for b in wkbs]
    out = np.empty(len(blobs), dtype=object)
    out[:] = blobs
    src, dst = CRS.from_user_input(src), CRS.from_user_input(dst)
    if src == dst or not blobs:
        return out
    runs = Runs(blobs)
    if len(runs.npts) == 0:
        return out
    xs, ys = runs.coordinates()
    tx, ty = transformer(src, dst).transform(xs, ys)
    tx, ty = np.asarray(tx, dtype="<f8"), np.asarray(ty, dtype="<f8")
    counts = runs.npts
    point_run = np.repeat(np.arange(len(counts)), counts)
    first = np.concatenate([[0], np.cumsum(counts)[:-1]])
    k = np.arange(counts.sum()) - np.repeat(first, counts)
    offsets = runs.offset[point_run] + k * 8 * runs.dims[point_run]
    xb = tx.view(np.uint8).reshape(-1, 8)
    yb = ty.view(np.uint8).reshape(-1, 8)
    if runs.big_endian:
        flip = np.isin(runs.owner[point_run], runs.big_endian)
        xb, yb = xb.copy(), yb.copy()
        xb[flip] = xb[flip][:, ::-1]
        yb[flip] = yb[flip][:, ::-1]
    raw = runs.raw.copy()
    raw[offsets[:, None] + np.arange(8)] = xb
    raw[offsets[:, None] + 8 + np.arange(8)] = yb
    data = raw.tobytes()
    pos = 0
    for i, b in enumerate(blobs):
        n = len(b) if b is not None else 0
        if b is not None:
            out[i] = data[pos:pos + n]
        pos += n
    return out
