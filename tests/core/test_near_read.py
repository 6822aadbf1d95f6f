"""A batch of a few patches reads only the parcels near them, through the GeoPackage's R-tree,
and gets exactly the figures a full read gives."""

import os
import sys

import pytest
from osgeo import ogr

from plugin.core.analysis import run_analysis
from plugin.core.io import layers, near
from plugin.core.job import load_job

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "bench"))


@pytest.fixture(scope="module")
def county(tmp_path_factory):
    from generate_county import generate
    folder = tmp_path_factory.mktemp("tiny")
    generate("tiny", str(folder), seed=8)
    return folder


def _batch(county, folder, keep=25):
    """The county's job with only every tenth of its first patches: a quarterly batch."""
    src = ogr.Open(str(county / "patches.gpkg"))
    lyr = src.GetLayer(0)
    drv = ogr.GetDriverByName("GPKG")
    out = drv.CreateDataSource(str(folder / "batch.gpkg"))
    dst = out.CreateLayer(lyr.GetName(), lyr.GetSpatialRef(), lyr.GetGeomType())
    defn = lyr.GetLayerDefn()
    for i in range(defn.GetFieldCount()):
        dst.CreateField(defn.GetFieldDefn(i))
    for k, f in enumerate(lyr):
        if k % 10 == 0 and k // 10 < keep:
            dst.CreateFeature(f)
    out = None
    job = load_job(str(county / "job.yaml"))
    job.patches.path = str(folder / "batch.gpkg")
    return job


def _areas(path):
    ds = ogr.Open(path)
    keys = ("farmland_m2", "basic_farmland_m2", "red_line_m2", "farmland_free_m2", "verdict")
    return {f["patch_id"]: tuple(f[k] for k in keys if k in f.keys())
            for f in ds.GetLayerByName("patches")}


def test_a_small_batch_reads_few_parcels_and_matches_a_full_read(county, tmp_path, monkeypatch):
    job = _batch(county, tmp_path)
    read = []
    original = layers._read_fids

    def counting(lyr, wanted, fids, batch=2000):
        read.append(len(fids))
        return original(lyr, wanted, fids, batch)

    monkeypatch.setattr(layers, "_read_fids", counting)
    partial = run_analysis(job, str(tmp_path / "near"), job_workers=1)
    assert read and sum(read) < 0.3 * 2_500  # a few hundred parcels, not the county's
    monkeypatch.setattr(near, "fids_near", lambda *a: None)
    monkeypatch.setattr(layers, "fids_near", lambda *a: None)
    full = run_analysis(job, str(tmp_path / "full"), job_workers=1)
    a, b = _areas(partial.result_path), _areas(full.result_path)
    assert len(a) == 25 and a == b
    assert any(v[0] > 0 for v in a.values())


def test_patches_in_another_crs_find_their_parcels(county, tmp_path, monkeypatch):
    """Boxes taken into the layer's CRS before the index is asked (degrees → metres)."""
    job = _batch(county, tmp_path, keep=10)
    full = run_analysis(job, str(tmp_path / "full"), job_workers=1)
    job.crs = "EPSG:4550"  # zone 41 unprefixed: every layer's boxes are reprojected
    moved = run_analysis(job, str(tmp_path / "moved"), job_workers=1)
    a, b = _areas(full.result_path), _areas(moved.result_path)
    for pid in a:
        assert a[pid][:3] == pytest.approx(b[pid][:3], abs=0.01), pid


def test_a_layer_without_an_r_tree_is_read_whole(county, tmp_path):
    from osgeo import gdal
    path = str(tmp_path / "plain.gpkg")
    gdal.VectorTranslate(path, str(county / "farmland.gpkg"), layerCreationOptions=["SPATIAL_INDEX=NO"])
    ds = ogr.Open(path)
    box = [list(ds.GetLayer(0).GetExtent())[k] for k in (0, 2, 0, 2)]
    box[2], box[3] = box[0] + 10, box[1] + 10
    assert near.fids_near(ds.GetLayer(0), path, [box], "EPSG:4529", "EPSG:4529") is None
    indexed = ogr.Open(str(county / "farmland.gpkg"))
    found = near.fids_near(indexed.GetLayer(0), str(county / "farmland.gpkg"), [box],
                           "EPSG:4529", "EPSG:4529")
    assert found is not None and 0 < len(found) < 20


def test_the_r_tree_is_searched_once_per_patch_box_never_scanned_whole(county):
    import sqlite3

    con = sqlite3.connect(str(county / "farmland.gpkg"))
    con.execute("CREATE TEMP TABLE near_boxes (minx REAL, miny REAL, maxx REAL, maxy REAL)")
    plan = [row[3] for row in con.execute("EXPLAIN QUERY PLAN "
                                          + near.NEAR_QUERY.format(rtree="rtree_DLTB_geom"))]
    con.close()

    assert plan[0] == "SCAN b"
    # the R-tree's own index answers the four box constraints (a bare "INDEX 2:" scans it all)
    assert plan[1].startswith("SCAN r VIRTUAL TABLE INDEX 2:") and plan[1] != "SCAN r VIRTUAL TABLE INDEX 2:"


def test_many_boxes_over_the_whole_layer_skip_the_search_many_in_one_corner_do_not(county,
                                                                                 monkeypatch):
    """A county-wide batch is judged from a sample of its boxes and read whole without
    searching every box; as many boxes packed in one corner, overlapping each other (the
    sample's estimate runs high there), are still searched, exactly."""
    import numpy as np

    path = str(county / "farmland.gpkg")
    ds = ogr.Open(path)
    lyr = ds.GetLayer(0)
    x0, x1, y0, y1 = lyr.GetExtent()
    total = lyr.GetFeatureCount()
    searched = []
    original = near.NEAR_QUERY
    monkeypatch.setattr(near, "SAMPLE_MIN_FEATURES", 0)  # the tiny county as if large

    class Spy(str):
        def format(self, **kw):
            searched.append(kw)
            return original.format(**kw)

    monkeypatch.setattr(near, "NEAR_QUERY", Spy(original))
    rng = np.random.default_rng(2)
    n = 4 * near.SAMPLE_BOXES
    x, y = rng.uniform(x0, x1, n), rng.uniform(y0, y1, n)
    everywhere = np.column_stack([x, y, x + (x1 - x0) / 20, y + (y1 - y0) / 20])
    assert near.fids_near(lyr, path, everywhere, "EPSG:4529", "EPSG:4529") is None
    assert searched == []  # the sample decided

    x, y = rng.uniform(x0, x0 + (x1 - x0) / 50, n), rng.uniform(y0, y0 + (y1 - y0) / 50, n)
    corner = np.column_stack([x, y, x + (x1 - x0) / 200, y + (y1 - y0) / 200])
    found = near.fids_near(lyr, path, corner, "EPSG:4529", "EPSG:4529")
    assert searched and found is not None and 0 < len(found) < near.FULL_READ_SHARE * total
    # exactly the features whose boxes meet a (padded) corner box
    expected = set()
    for f in lyr:
        fx0, fx1, fy0, fy1 = f.GetGeometryRef().GetEnvelope()
        if ((fx0 <= corner[:, 2] + near.PAD) & (fx1 >= corner[:, 0] - near.PAD)
                & (fy0 <= corner[:, 3] + near.PAD) & (fy1 >= corner[:, 1] - near.PAD)).any():
            expected.add(f.GetFID())
    assert set(found.tolist()) == expected
