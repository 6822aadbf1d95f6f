"""A GeoPackage layer's R-tree packed in one go, instead of one SQLite R-tree insertion per row.

SQLite's R-tree module splits and rebalances nodes on every insertion (about 9 µs a row: 2–3 s
for a county's parcel pieces). A bulk load sorts the boxes along a Hilbert curve, fills every
node, and writes the module's own shadow tables (``_node``, ``_parent``, ``_rowid``) in the
format documented in SQLite's rtree.c: big-endian, a 2-byte tree depth (root only) and a 2-byte
cell count per node, each cell an 8-byte id and four 32-bit floats (minx, maxx, miny, maxy),
lower bounds rounded down and upper bounds up exactly as SQLite rounds them.
``SELECT rtreecheck(...)`` checks the result; the tree is an ordinary one for every reader and
for later edits.
"""

import numpy as np

from .sql_text import sql_identifier

_CELL = np.dtype([("id", ">i8"), ("box", ">f4", 4)])  # one R-tree cell as SQLite stores it
_HILBERT_BITS = 16


def pack_rtree(con, rtree, ids, boxes):
    """Fill the empty R-tree table ``rtree`` with ``ids`` (int) and ``boxes`` (n × 4 doubles:
    minx, miny, maxx, maxy). Returns False, touching nothing, when the table is not empty or
    its node size is not one this packing knows (the caller then inserts row by row)."""
    node_t, parent_t, rowid_t = (sql_identifier(f"{rtree}_{s}") for s in ("node", "parent",
                                                                             "rowid"))
    root = con.execute(f"SELECT length(data) FROM {node_t} WHERE nodeno = 1").fetchone()
    if root is None or con.execute(f"SELECT count(*) FROM {rowid_t}").fetchone()[0]:
        return False
    node_size = root[0]
    capacity = (node_size - 4) // _CELL.itemsize
    if capacity < 4 or con.execute(f"SELECT count(*) FROM {node_t}").fetchone()[0] != 1:
        return False
    ids = np.asarray(ids, dtype=np.int64)
    boxes = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
    if not len(ids):
        return True
    order = np.argsort(_hilbert_keys(boxes), kind="stable")
    cells = np.empty(len(ids), dtype=_CELL)
    cells["id"] = ids[order]
    cells["box"] = _float32_box(boxes[order][:, [0, 2, 1, 3]])

    levels = []  # per level: (cells, first cell of each node), leaves first
    while True:
        count = len(cells)
        nodes = -(-count // capacity)
        starts = (np.arange(nodes) * count) // nodes  # nodes filled evenly, none near-empty
        levels.append((cells, starts))
        if nodes == 1:
            break
        parent = np.empty(nodes, dtype=_CELL)
        box = cells["box"].astype(np.float32)
        parent["box"][:, 0] = np.minimum.reduceat(box[:, 0], starts)
        parent["box"][:, 1] = np.maximum.reduceat(box[:, 1], starts)
        parent["box"][:, 2] = np.minimum.reduceat(box[:, 2], starts)
        parent["box"][:, 3] = np.maximum.reduceat(box[:, 3], starts)
        cells = parent  # their ids (node numbers) are given below, once all levels are known

    # node numbers: the root is 1 (SQLite's rule), the rest counted from 2, top level down
    first = [0] * len(levels)
    next_no = 2
    for depth in range(len(levels) - 2, -1, -1):
        first[depth] = next_no
        next_no += len(levels[depth][1])
    first[-1] = 1
    node_rows, parent_rows = [], []
    for depth, (level_cells, starts) in enumerate(levels):
        numbers = first[depth] + np.arange(len(starts))
        if depth + 1 < len(levels):
            levels[depth + 1][0]["id"] = numbers  # the parents' cells point at these nodes
        counts = np.diff(np.append(starts, len(level_cells)))
        of_node = np.repeat(np.arange(len(starts)), counts)
        blob = np.zeros((len(starts), node_size), dtype=np.uint8)
        blob[:, 2:4] = counts.astype(">u2").view(np.uint8).reshape(-1, 2)
        slot = np.arange(len(level_cells)) - starts[of_node]
        flat = blob.reshape(-1)
        at = of_node * node_size + 4 + slot * _CELL.itemsize
        flat[at[:, None] + np.arange(_CELL.itemsize)] = \
            level_cells.view(np.uint8).reshape(-1, _CELL.itemsize)
        if depth == len(levels) - 1:
            blob[0, 0:2] = np.array([depth], dtype=">u2").view(np.uint8)
        node_rows.extend(zip(numbers.tolist(), (bytes(b) for b in blob)))
        if depth + 1 < len(levels):
            parents = first[depth + 1] + np.repeat(
                np.arange(len(levels[depth + 1][1])),
                np.diff(np.append(levels[depth + 1][1], len(starts))))
            parent_rows.extend(zip(numbers.tolist(), parents.tolist()))
        if depth == 0:
            rowid_rows = list(zip(level_cells["id"].tolist(), numbers[of_node].tolist()))
    con.execute(f"DELETE FROM {node_t}")
    con.executemany(f"INSERT INTO {node_t} (nodeno, data) VALUES (?, ?)", node_rows)
    con.executemany(f"INSERT INTO {parent_t} (nodeno, parentnode) VALUES (?, ?)", parent_rows)
    con.executemany(f"INSERT INTO {rowid_t} (rowid, nodeno) VALUES (?, ?)", rowid_rows)
    return True


def _float32_box(box):
    """Boxes as 32-bit floats that still contain the exact ones, rounded as SQLite's own
    insertion rounds them (rtreeValueDown/Up): lower bounds (columns 0, 2) down, upper (1, 3)
    up, so a packed tree answers every query exactly as a tree filled row by row."""
    low, high = box[:, [0, 2]], box[:, [1, 3]]
    f_low, f_high = low.astype(np.float32), high.astype(np.float32)
    towards, away = 1.0 - 1.0 / 8388608.0, 1.0 + 1.0 / 8388608.0
    f_low = np.where(f_low > low, (low * np.where(low < 0, away, towards)).astype(np.float32),
                     f_low)
    f_high = np.where(f_high < high,
                      (high * np.where(high < 0, towards, away)).astype(np.float32), f_high)
    return np.column_stack([f_low[:, 0], f_high[:, 0], f_low[:, 1], f_high[:, 1]])


def _hilbert_keys(boxes):
    """Position of each box centre along a Hilbert curve over the boxes' extent."""
    cx = (boxes[:, 0] + boxes[:, 2]) / 2
    cy = (boxes[:, 1] + boxes[:, 3]) / 2
    side = 1 << _HILBERT_BITS
    return hilbert_index(_grid(cx, side), _grid(cy, side), side)


def _grid(v, side):
    span = v.max() - v.min()
    if not np.isfinite(span) or span <= 0:
        return np.zeros(len(v), dtype=np.int64)
    return np.minimum(((v - v.min()) / span * side).astype(np.int64), side - 1)


def hilbert_index(x, y, side):
    """Hilbert-curve index of integer cells (x, y) on a side × side grid (side a power of 2)."""
    x, y = x.copy(), y.copy()
    d = np.zeros(len(x), dtype=np.int64)
    s = side // 2
    while s > 0:
        rx = (x & s) > 0
        ry = (y & s) > 0
        d += s * s * ((3 * rx.astype(np.int64)) ^ ry.astype(np.int64))
        flip = ~ry & rx
        x = np.where(flip, side - 1 - x, x)
        y = np.where(flip, side - 1 - y, y)
        swap = ~ry
        x, y = np.where(swap, y, x), np.where(swap, x, y)
        s //= 2
    return d
