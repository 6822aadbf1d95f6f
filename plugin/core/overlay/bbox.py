"""A vectorised bounding-box join: which patch boxes meet which feature boxes.

With envelopes read from WKB (``wkb_arrays.envelopes``), a uniform grid turns the join into
sorting and searching in numpy instead of a Python-built R-tree.
"""

import numpy as np


def bbox_join(left, right):
    """Pairs (i, j) whose boxes intersect (touching counts), for (n, 4) arrays of envelopes.

    Rows with NaN boxes never pair.
    """
    left = np.asarray(left, dtype=float)
    right = np.asarray(right, dtype=float)
    lok = np.flatnonzero(~np.isnan(left).any(axis=1))
    rok = np.flatnonzero(~np.isnan(right).any(axis=1))
    empty = (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64))
    if len(lok) == 0 or len(rok) == 0:
        return empty
    L, R = left[lok], right[rok]
    sizes = np.concatenate([L[:, 2:] - L[:, :2], R[:, 2:] - R[:, :2]])
    cell = max(float(np.median(sizes)) * 2.0, 1e-9)
    ox = min(L[:, 0].min(), R[:, 0].min())
    oy = min(L[:, 1].min(), R[:, 1].min())
    # A few huge boxes (a county-wide red-line zone) would cover millions of cells: pair them
    # with every box directly instead of through the grid.
    lbig = _spans_many_cells(L, cell)
    rbig = _spans_many_cells(R, cell)
    li, lc = _cells(L[~lbig], np.flatnonzero(~lbig), cell, ox, oy)
    ri, rc = _cells(R[~rbig], np.flatnonzero(~rbig), cell, ox, oy)
    order = np.argsort(rc, kind="stable")
    ri, rc = ri[order], rc[order]
    lo = np.searchsorted(rc, lc, side="left")
    hi = np.searchsorted(rc, lc, side="right")
    cnt = hi - lo
    pi = np.repeat(li, cnt)
    pj = ri[ranges(lo, cnt)]
    hit = ((L[pi, 0] <= R[pj, 2]) & (L[pi, 2] >= R[pj, 0])
           & (L[pi, 1] <= R[pj, 3]) & (L[pi, 3] >= R[pj, 1]))
    pairs = [(pi[hit], pj[hit])]
    # a huge box against every box of the other side, one at a time: as candidate pairs, 180
    # red-line zones against 90,000 patches made 16 million of them (600 MB for a moment)
    for b in np.flatnonzero(lbig):
        met = np.flatnonzero(_meeting(R, L[b]))
        pairs.append((np.full(len(met), b), met))
    for b in np.flatnonzero(rbig):
        met = np.flatnonzero(_meeting(L, R[b]))
        pairs.append((met, np.full(len(met), b)))
    pi = np.concatenate([p[0] for p in pairs]).astype(np.int64)
    pj = np.concatenate([p[1] for p in pairs]).astype(np.int64)
    key = np.unique(pi * len(R) + pj)
    return lok[key // len(R)], rok[key % len(R)]


def ranges(starts, counts):
    """The indices start .. start + count - 1 of every run, one run after another (one array
    operation, not an arange per run)."""
    total = int(counts.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    ends = np.cumsum(counts)
    return np.arange(total, dtype=np.int64) + np.repeat(starts - (ends - counts), counts)


def _meeting(boxes, box):
    """Which of ``boxes`` meet ``box`` (touching counts)."""
    return ((boxes[:, 0] <= box[2]) & (boxes[:, 2] >= box[0])
            & (boxes[:, 1] <= box[3]) & (boxes[:, 3] >= box[1]))


def _spans_many_cells(boxes, cell):
    span = (np.floor(boxes[:, 2] / cell) - np.floor(boxes[:, 0] / cell) + 1) * \
           (np.floor(boxes[:, 3] / cell) - np.floor(boxes[:, 1] / cell) + 1)
    return span > 64


def _cells(boxes, rows, cell, ox, oy):
    """Every grid cell each box overlaps, as (row index, cell key) arrays."""
    if len(rows) == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    x0 = np.floor((boxes[:, 0] - ox) / cell).astype(np.int64)
    y0 = np.floor((boxes[:, 1] - oy) / cell).astype(np.int64)
    x1 = np.floor((boxes[:, 2] - ox) / cell).astype(np.int64)
    y1 = np.floor((boxes[:, 3] - oy) / cell).astype(np.int64)
    nx, ny = x1 - x0 + 1, y1 - y0 + 1
    n = nx * ny
    idx = np.repeat(np.arange(len(rows)), n)
    first = np.concatenate([[0], np.cumsum(n)[:-1]])
    k = np.arange(n.sum()) - np.repeat(first, n)
    cx = x0[idx] + k % nx[idx]
    cy = y0[idx] + k // nx[idx]
    return rows[idx], cx * 10_000_003 + cy
