"""A layer staged by a worker process ends in the result exactly as one written in place: rows,
blobs, packed R-tree, extent and feature count; a staged file that does not fit is written in
place, a worker's failure is the caller's, and no staged file outlives the run."""

import os
import sqlite3

import numpy as np
import pytest
from shapely.geometry import box

from plugin.core.io import gpkg_staging
from plugin.core.io.atomic import TEMP_PREFIX
from plugin.core.io.gpkg_staging import stage_layer
from plugin.core.io.gpkg_writer import atomic_geopackage
from plugin.core.overlay.pool import pool_closed_after, worker_pool

FIELDS = [("patch_id", "str", "图斑编号"), ("area_m2", "real", "面积"), ("n", "int", None)]


def _crs_wkt(code=4527):
    from pyproj import CRS
    return CRS.from_epsg(code).to_wkt()


class Table:
    """The protocol a staged table keeps: rows() in the fields' order, wkbs()."""

    def __init__(self, n, seed=1):
        rng = np.random.default_rng(seed)
        x = 39_500_000 + rng.uniform(0, 5000, n)
        y = 3_400_000 + rng.uniform(0, 5000, n)
        self._wkbs = [box(a, b, a + 10 + k % 7, b + 12).wkb for k, (a, b) in enumerate(zip(x, y))]
        if n > 3:
            self._wkbs[3] = None  # a row without geometry stays one
        self._rows = [(f"P{k}", round(float(a), 4), k) for k, a in enumerate(x - 39_500_000)]

    def __len__(self):
        return len(self._rows)

    def rows(self):
        return list(self._rows)

    def wkbs(self):
        return list(self._wkbs)


class Failing(Table):
    def rows(self):
        raise OSError(28, "No space left on device")


PLAIN = "plain"


def _write(path, table, pool=PLAIN, crs=None):
    """result.gpkg with a layer ``before``, the ``hits`` layer, a layer ``after``; ``hits``
    written by ``write_layer`` itself (PLAIN: the reference), else through ``stage_layer`` on
    ``pool`` (None: no worker, so written in place). Returns the StagedLayer (None: PLAIN)."""
    crs = crs or _crs_wkt()
    small = Table(5, seed=9)
    staged = None if pool == PLAIN else stage_layer(pool, os.path.dirname(path), "hits", crs,
                                                     FIELDS, table)
    try:
        with atomic_geopackage(path) as ds:
            ds.write_layer("before", _crs_wkt(), FIELDS, small.rows(), small.wkbs())
            if staged is None:
                ds.write_layer("hits", crs, FIELDS, table.rows(), table.wkbs())
            else:
                ds.write_staged_layer(staged, crs)
            ds.write_layer("after", _crs_wkt(), FIELDS, small.rows(), small.wkbs())
    finally:
        if staged is not None:
            staged.discard()
    return staged


def _content(path):
    con = sqlite3.connect(path)
    out = {}
    for t in ("before", "hits", "after", "rtree_hits_geom_node", "rtree_hits_geom_rowid",
              "rtree_hits_geom_parent", "gpkg_ogr_contents", "gpkg_geometry_columns"):
        out[t] = con.execute(f"SELECT * FROM {t} ORDER BY 1").fetchall()
    out["extent"] = con.execute("SELECT table_name, min_x, min_y, max_x, max_y, srs_id FROM "
                                "gpkg_contents ORDER BY 1").fetchall()
    out["triggers"] = sorted(r[0] for r in con.execute(
        "SELECT sql FROM sqlite_master WHERE type = 'trigger'"))
    assert con.execute("SELECT rtreecheck('rtree_hits_geom')").fetchone() == ("ok",)
    con.close()
    return out


@pytest.fixture(scope="module")
def pool():
    with pool_closed_after(worker_pool(2)) as p:
        if p is None:
            pytest.skip("no worker process can be started here")
        yield p


@pytest.fixture
def copies(monkeypatch):
    """The tables copied from a staged file (not written in place)."""
    done = []
    copy = gpkg_staging._copy
    monkeypatch.setattr(gpkg_staging, "_copy", lambda con, table: (done.append(table),
                                                                  copy(con, table)))
    return done


@pytest.mark.parametrize("n", [30, 3000])
def test_staged_layer_is_the_layer_written_in_place(tmp_path, pool, n, copies):
    table = Table(n)
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "c").mkdir()
    assert _write(str(tmp_path / "a" / "r.gpkg"), table) is None
    assert copies == []
    assert _write(str(tmp_path / "b" / "r.gpkg"), table, pool) is not None
    assert copies == ["hits"]
    assert _write(str(tmp_path / "c" / "r.gpkg"), table, None).path is None  # no worker
    assert copies == ["hits"]
    a, b = _content(tmp_path / "a" / "r.gpkg"), _content(tmp_path / "b" / "r.gpkg")
    assert a == b == _content(tmp_path / "c" / "r.gpkg")
    counts = dict(a["gpkg_ogr_contents"])
    assert counts["hits"] == n and counts["before"] == 5  # set once, not left unknown
    assert len(a["rtree_hits_geom_rowid"]) == n - 1  # the row without geometry has no box
    assert os.listdir(tmp_path / "b") == ["r.gpkg"]  # the staged file is gone


def test_layer_edited_after_staging_keeps_its_index_and_count(tmp_path, pool):
    """GDAL's triggers are back: an edit through GDAL updates the R-tree and the count."""
    from osgeo import ogr
    path = str(tmp_path / "r.gpkg")
    _write(path, Table(200), pool)
    ds = ogr.Open(path, 1)
    layer = ds.GetLayerByName("hits")
    layer.DeleteFeature(1)
    ds = None
    con = sqlite3.connect(path)
    assert con.execute("SELECT feature_count FROM gpkg_ogr_contents WHERE table_name = 'hits'"
                       ).fetchone() == (199,)
    assert con.execute("SELECT count(*) FROM rtree_hits_geom WHERE id = 1").fetchone() == (0,)


def test_staged_file_that_does_not_fit_is_written_in_place(tmp_path, pool, monkeypatch,
                                                           copies):
    """A staged file whose spatial reference id or columns differ (never seen: the same GDAL
    makes both) is not copied; the layer is written from its rows."""
    table = Table(300)
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    _write(str(tmp_path / "a" / "r.gpkg"), table)
    monkeypatch.setattr(gpkg_staging, "_fits", lambda con, name: False)
    _write(str(tmp_path / "b" / "r.gpkg"), table, pool)
    assert copies == []
    assert _content(tmp_path / "a" / "r.gpkg") == _content(tmp_path / "b" / "r.gpkg")
    assert os.listdir(tmp_path / "b") == ["r.gpkg"]


def test_fit_is_refused_on_another_spatial_reference(tmp_path, pool):
    path = str(tmp_path / "r.gpkg")
    staged = stage_layer(pool, str(tmp_path), "hits", _crs_wkt(4528), FIELDS, Table(10))
    staged.future.result()
    with atomic_geopackage(path) as ds:
        ds.write_layer("hits", _crs_wkt(4527), FIELDS, [], [])
    con = sqlite3.connect(path)
    con.execute("ATTACH DATABASE ? AS staged", (staged.path,))
    assert not gpkg_staging._fits(con, "hits")
    con.close()
    staged.discard()
    assert not os.path.exists(staged.path)


def test_worker_failure_reaches_the_caller_and_leaves_no_file(tmp_path, pool):
    path = str(tmp_path / "r.gpkg")
    with pytest.raises(Exception, match="磁盘空间不足|No space"):
        _write(path, Failing(50), pool)
    assert not [n for n in os.listdir(tmp_path) if n.startswith(TEMP_PREFIX)]
    assert not os.path.exists(path)


def test_no_staging_without_a_process_pool(tmp_path):
    assert stage_layer(None, str(tmp_path), "hits", _crs_wkt(), FIELDS, Table(5)).path is None
    with pool_closed_after(worker_pool(2, threads=True)) as threads:
        if threads is not None:
            assert stage_layer(threads, str(tmp_path), "hits", _crs_wkt(), FIELDS,
                               Table(5)).path is None
    assert os.listdir(tmp_path) == []



def test_failed_copy_is_told_as_itself_where_the_file_cannot_go_yet(tmp_path, pool,
                                                                    monkeypatch):
    """A full disk while copying, on Windows, where the attached file cannot be removed: the
    user reads that the disk is full, not that a file is in use."""
    def full(con, table):
        raise sqlite3.OperationalError("database or disk is full")

    def held(path):
        raise PermissionError(13, "The process cannot access the file")
    monkeypatch.setattr(gpkg_staging, "_copy", full)
    monkeypatch.setattr(gpkg_staging, "discard", held)
    with pytest.raises(Exception, match="磁盘空间不足"):
        _write(str(tmp_path / "r.gpkg"), Table(100), pool)


def test_empty_layer_is_not_staged(tmp_path, pool):
    assert stage_layer(pool, str(tmp_path), "hits", _crs_wkt(), FIELDS, Table(0)).path is None
