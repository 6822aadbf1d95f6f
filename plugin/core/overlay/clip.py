"""Many pieces clipped to their regions at once: (piece ∩ inside) − outside − minus, each
operand optional — the net part of a flagged area is its parcels' pieces clipped to the
flagged region. On the fast kernels (raw GEOS on shapely 1.8, vectorised on shapely 2) where
the overlay uses them; any piece they cannot do exactly goes the robust reference way."""

import shapely.wkb

from . import chunked, kernel_raw_geos, kernel_vectorised, robust


def clipped_pieces(jobs):
    """[(piece WKB, inside, outside, minus WKB or None)] → [clipped piece's WKB or None]."""
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
