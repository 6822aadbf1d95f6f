"""The packed R-tree against SQLite's own: same answers, a tree SQLite's rtreecheck accepts,
and one that later edits through SQLite keep working on."""

import sqlite3

import numpy as np
import pytest
from osgeo import ogr

from plugin.core.io.gpkg_rtree import hilbert_index, pack_rtree
from plugin.core.io.gpkg_writer import atomic_geopackage


def _boxes(n, seed, x0=500000.0, y0=3800000.0):
    rng = np.random.default_rng(seed)
    x = x0 + rng.uniform(0, 20000, n) + 0.123456789  # not a 32-bit float
    y = y0 + rng.uniform(0, 20000, n) + 0.987654321
    w, h = rng.uniform(0, 80, n), rng.uniform(0, 80, n)
    return np.column_stack([x, y, x + w, y + h])


def _tree(con, name):
    con.execute(f"CREATE VIRTUAL TABLE {name} USING rtree(id, minx, maxx, miny, maxy)")


def _packed_and_inserted(tmp_path, ids, boxes):
    """A connection holding ``packed`` (our bulk load) and ``inserted`` (SQLite's own, row by
    row) over the same boxes."""
    con = sqlite3.connect(tmp_path / "t.db")
    _tree(con, "packed")
    _tree(con, "inserted")
    assert pack_rtree(con, "packed", ids, boxes)
    con.executemany("INSERT INTO inserted VALUES (?, ?, ?, ?, ?)",
                    np.column_stack([ids, boxes[:, [0, 2, 1, 3]]]).tolist())
    con.commit()
    return con


def _window_ids(con, name, win):
    return sorted(r[0] for r in con.execute(
        f"SELECT id FROM {name} WHERE maxx >= ? AND minx <= ? AND maxy >= ? AND miny <= ?",
        (win[0], win[2], win[1], win[3])))


def test_hilbert_index_walks_every_cell_once_to_a_neighbour():
    side = 8
    x, y = np.meshgrid(np.arange(side), np.arange(side))
    x, y = x.ravel(), y.ravel()
    d = hilbert_index(x, y, side)
    assert sorted(d.tolist()) == list(range(side * side))
    order = np.argsort(d)
    steps = np.abs(np.diff(x[order])) + np.abs(np.diff(y[order]))
    assert (steps == 1).all()


@pytest.mark.parametrize("n", [0, 1, 50, 51, 52, 2601, 2602, 30000])
def test_packed_tree_answers_as_sqlites_own(tmp_path, n):
    boxes = _boxes(n, seed=n)
    ids = np.arange(1, n + 1) * 3  # ids need not be dense
    con = _packed_and_inserted(tmp_path, ids, boxes)
    assert con.execute("SELECT rtreecheck('packed')").fetchone()[0] == "ok"
    assert con.execute("SELECT count(*) FROM packed").fetchone()[0] == n
    # every stored box holds the exact one (32-bit floats rounded outwards)
    stored = np.array(con.execute("SELECT id, minx, maxx, miny, maxy FROM packed ORDER BY id")
                      .fetchall()).reshape(-1, 5)
    if n:
        assert (stored[:, 1] <= boxes[:, 0]).all() and (stored[:, 2] >= boxes[:, 2]).all()
        assert (stored[:, 3] <= boxes[:, 1]).all() and (stored[:, 4] >= boxes[:, 3]).all()
        assert np.array_equal(stored, np.array(con.execute(
            "SELECT id, minx, maxx, miny, maxy FROM inserted ORDER BY id").fetchall()))
    rng = np.random.default_rng(7)
    for _ in range(40):
        x, y = 500000 + rng.uniform(-100, 20000), 3800000 + rng.uniform(-100, 20000)
        win = (x, y, x + rng.uniform(0, 3000), y + rng.uniform(0, 3000))
        expected = _window_ids(con, "inserted", win)
        assert _window_ids(con, "packed", win) == expected
        inside = ids[(boxes[:, 2] >= win[0]) & (boxes[:, 0] <= win[2])
                     & (boxes[:, 3] >= win[1]) & (boxes[:, 1] <= win[3])]
        assert set(inside.tolist()) <= set(expected)  # nothing the exact boxes meet is missed


def test_packed_tree_takes_later_edits(tmp_path):
    boxes = _boxes(5000, seed=1)
    ids = np.arange(1, 5001)
    con = sqlite3.connect(tmp_path / "t.db")
    _tree(con, "packed")
    assert pack_rtree(con, "packed", ids, boxes)
    con.execute("DELETE FROM packed WHERE id % 3 = 0")
    con.executemany("INSERT INTO packed VALUES (?, ?, ?, ?, ?)",
                    [(10000 + k, 1.0 * k, k + 1.0, 2.0, 3.0) for k in range(500)])
    con.execute("UPDATE packed SET minx = minx - 5 WHERE id = 7")
    assert con.execute("SELECT rtreecheck('packed')").fetchone()[0] == "ok"
    assert con.execute("SELECT count(*) FROM packed").fetchone()[0] == 5000 - 5000 // 3 + 500


def test_a_tree_already_holding_rows_is_left_to_the_caller(tmp_path):
    con = sqlite3.connect(tmp_path / "t.db")
    _tree(con, "t")
    con.execute("INSERT INTO t VALUES (1, 0, 1, 0, 1)")
    assert not pack_rtree(con, "t", [2], np.array([[0.0, 0.0, 1.0, 1.0]]))
    assert con.execute("SELECT count(*) FROM t").fetchone()[0] == 1


def test_written_layer_found_through_gdal_spatial_filter(tmp_path):
    boxes = _boxes(4000, seed=3)
    wkbs = [bytes(ogr.CreateGeometryFromWkt(
        f"POLYGON(({a} {b},{c} {b},{c} {d},{a} {d},{a} {b}))").ExportToIsoWkb())
        for a, b, c, d in boxes]
    wkbs[10] = None  # a row without geometry has no R-tree entry
    path = str(tmp_path / "out.gpkg")
    wkt = 'PROJCS["x",GEOGCS["g",DATUM["d",SPHEROID["s",6378137,298.257222101]],' \
          'PRIMEM["G",0],UNIT["degree",0.0174532925199433]],PROJECTION["Transverse_Mercator"],' \
          'PARAMETER["central_meridian",117],PARAMETER["scale_factor",1],' \
          'PARAMETER["false_easting",500000],UNIT["metre",1]]'
    with atomic_geopackage(path) as ds:
        ds.write_layer("pieces", wkt, [("k", "int", None)], [(k,) for k in range(4000)], wkbs)
    con = sqlite3.connect(path)
    assert con.execute("SELECT rtreecheck('rtree_pieces_geom')").fetchone()[0] == "ok"
    assert con.execute("SELECT count(*) FROM rtree_pieces_geom").fetchone()[0] == 3999
    src = ogr.Open(path)
    lyr = src.GetLayerByName("pieces")
    rng = np.random.default_rng(11)
    for _ in range(20):
        x, y = 500000 + rng.uniform(0, 20000), 3800000 + rng.uniform(0, 20000)
        win = (x, y, x + 1500, y + 1500)
        lyr.SetSpatialFilterRect(*win)
        got = sorted(f.GetFID() for f in lyr)
        meets = (boxes[:, 2] >= win[0]) & (boxes[:, 0] <= win[2]) & (boxes[:, 3] >= win[1]) \
            & (boxes[:, 1] <= win[3])
        meets[10] = False
        assert got == (np.flatnonzero(meets) + 1).tolist()


def test_negative_and_mixed_coordinates_round_as_sqlite(tmp_path):
    boxes = _boxes(3000, seed=5, x0=-10000.0, y0=-7.5)  # both signs, small and large values
    con = _packed_and_inserted(tmp_path, np.arange(1, 3001), boxes)
    assert con.execute("SELECT rtreecheck('packed')").fetchone()[0] == "ok"
    query = "SELECT id, minx, maxx, miny, maxy FROM {} ORDER BY id"
    assert con.execute(query.format("packed")).fetchall() == \
        con.execute(query.format("inserted")).fetchall()
