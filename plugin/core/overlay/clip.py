"""Many pieces clipped to their regions at once: (piece ∩ inside) − outside − minus, each
operand optional — the net part of a flagged area is its parcels' pieces clipped to the
flagged region. On the fast kernels (raw GEOS on shapely 1.8, vectorised on shapely 2) where
the overlay uses them; any piece they cannot do exactly goes the robust reference way."""

import numpy as np
import shapely.wkb

from . import chunked, kernel_raw_geos, kernel_vectorised, robust

# Below this many pieces, sending them to the workers costs more than it saves; above it,
# each worker gets a few runs of consecutive pieces (one patch's region stays parsed once).
POOL_MIN_PIECES, RUNS_PER_WORKER = 2_000, 2


def clipped_areas(jobs, measure, pool=None):
    """[(piece WKB, inside, outside, minus WKB or None)] → the area (``measure.areas``: the
    ellipsoid's) of each clipped piece, None where nothing is left; clipped and measured on
    ``pool``'s workers (the overlay's) where there are enough pieces."""
    workers = pool.workers if pool is not None else 1
    if workers <= 1 or len(jobs) < POOL_MIN_PIECES:
        return _measured_clips(jobs, measure)
    cuts = np.linspace(0, len(jobs), workers * RUNS_PER_WORKER + 1).astype(int)
    runs = [pool.submit(_measured_clips, jobs[a:b], measure)
            for a, b in zip(cuts[:-1], cuts[1:]) if b > a]
    return [m2 for run in runs for m2 in run.result()]


def _measured_clips(jobs, measure):
    parts = clip_here(jobs)
    m2 = iter(measure.areas([w for w in parts if w is not None]).tolist())
    return [None if w is None else next(m2) for w in parts]


def clip_here(jobs):
    """Each job's clipped piece (WKB, or None where nothing is left), in this process."""
    if chunked._FAST and kernel_raw_geos.AVAILABLE:
        return kernel_raw_geos.clip_many(jobs, reference_clip)
    if chunked._FAST and kernel_vectorised.AVAILABLE:
        return kernel_vectorised.clip_many(jobs, reference_clip)
    return [reference_clip(job) for job in jobs]


def reference_clip(job):
    """One piece clipped with the robust operations (valid polygonal results, retried on a
    GEOS failure)."""
    piece, inside, outside, minus = job
    geom = shapely.wkb.loads(bytes(piece))
    if inside is not None:
        geom = robust.intersection(geom, shapely.wkb.loads(bytes(inside)))
    for other in (outside, minus):
        if geom is not None and other is not None:
            geom = robust.difference(geom, shapely.wkb.loads(bytes(other)))
    return geom.wkb if geom is not None and geom.area > 0 else None
