"""Inputs the job file may name: formats, previous-year parcels, an explicit CRS; and the
invariants every result keeps (pieces never exceed their patch)."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from osgeo import ogr
from shapely.geometry import Polygon

from area_oracle import geodesic_area
from layer_factory import X0, Y0, square, write_layer
from plugin.core.analysis import run_analysis
from plugin.core.job import job_from_dict


def _rows(path):
    ds = ogr.Open(path)
    return {f["patch_id"]: f.items() for f in ds.GetLayerByName("patches")}


def _job(tmp, **data):
    data.setdefault("baselines", {})
    data.setdefault("exemptions", {})
    return job_from_dict(data, base_dir=str(tmp))


def test_before_class_comes_from_the_dominant_previous_year_parcel(tmp_path):
    write_layer(str(tmp_path / "p.gpkg"), [square(0, 0, 100)], [{"JCBH": "A", "HDLBM": "0702"}])
    write_layer(str(tmp_path / "dltb.gpkg"), [square(-10, -10, 70), square(60, -10, 60)],
                [{"DLBM": "0103"}, {"DLBM": "0201"}])  # 0103 holds 60 % of the patch
    job = _job(tmp_path, patches={"path": "p.gpkg", "id_field": "JCBH", "after_field": "HDLBM"},
               parcels_before={"path": "dltb.gpkg", "class_field": "DLBM"})
    row = _rows(run_analysis(job, str(tmp_path / "out")).result_path)["A"]
    assert (row["before_class"], row["after_class"]) == ("0103", "0702")


def test_geojson_patches_and_filegdb_baseline_are_read(tmp_path):
    write_layer(str(tmp_path / "p.geojson"), [square(0, 0, 100)], [{"JCBH": "G"}])
    gdb = tmp_path / "base.gdb"
    drv = ogr.GetDriverByName("OpenFileGDB")
    if drv is None or not drv.GetMetadataItem("DCAP_CREATE"):
        pytest.skip("this GDAL cannot write FileGDB")
    from osgeo import osr
    ds = drv.CreateDataSource(str(gdb))
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(4529)
    lyr = ds.CreateLayer("YJJBNTTB", srs, ogr.wkbMultiPolygon)
    f = ogr.Feature(lyr.GetLayerDefn())
    f.SetGeometry(ogr.CreateGeometryFromWkb(square(50, 0, 100).wkb))
    lyr.CreateFeature(f)
    ds = None
    job = _job(tmp_path, patches={"path": "p.geojson", "id_field": "JCBH"},
               baselines={"basic_farmland": {"path": "base.gdb", "layer": "YJJBNTTB"}})
    row = _rows(run_analysis(job, str(tmp_path / "out")).result_path)["G"]
    overlap = square(0, 0, 100).intersection(square(50, 0, 100))  # 50 m x 100 m
    assert row["basic_farmland_m2"] == pytest.approx(geodesic_area(overlap), rel=1e-6)


def test_an_explicit_working_crs_is_used(tmp_path):
    write_layer(str(tmp_path / "p.gpkg"), [square(0, 0, 100)], [{"JCBH": "A"}])
    job = _job(tmp_path, patches={"path": "p.gpkg", "id_field": "JCBH"}, crs="EPSG:4550")
    res = run_analysis(job, str(tmp_path / "out"))
    assert res.working_crs.startswith("EPSG:4550")
    row = _rows(res.result_path)["A"]
    assert row["planar_m2"] == pytest.approx(10000.0, abs=1e-6)  # same zone, no prefix: a shift
    assert row["area_m2"] == pytest.approx(geodesic_area(square(0, 0, 100)), rel=1e-9)


def test_a_geographic_working_crs_is_refused(tmp_path):
    from plugin.core.errors import InputError
    write_layer(str(tmp_path / "p.gpkg"), [square(0, 0, 100)], [{"JCBH": "A"}])
    with pytest.raises(InputError, match="投影"):
        run_analysis(_job(tmp_path, patches={"path": "p.gpkg", "id_field": "JCBH"},
                          crs="EPSG:4490"), str(tmp_path / "out"))


coords = st.lists(st.tuples(st.floats(0, 300), st.floats(0, 300)), min_size=3, max_size=8)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(coords, min_size=1, max_size=4), st.lists(coords, min_size=1, max_size=6))
def test_pieces_never_exceed_their_patch(tmp_path, patch_pts, base_pts):
    def polys(pts_list):
        out = []
        for pts in pts_list:
            g = Polygon([(X0 + x, Y0 + y) for x, y in pts]).buffer(0)
            if not g.is_empty and g.area > 1:
                out.append(g)
        return out
    patches, bases = polys(patch_pts), polys(base_pts)
    if not patches or not bases:
        return
    folder = tmp_path / f"case{abs(hash((tuple(map(tuple, patch_pts[0])),))) % 10**8}"
    folder.mkdir(exist_ok=True)
    write_layer(str(folder / "p.gpkg"), patches, [{"JCBH": f"P{i}"} for i in range(len(patches))])
    write_layer(str(folder / "b.gpkg"), bases)  # random baselines overlap each other
    write_layer(str(folder / "e.gpkg"), bases[:1])
    job = _job(folder, patches={"path": "p.gpkg", "id_field": "JCBH"},
               baselines={"farmland": {"path": "b.gpkg"}},
               exemptions={"approved": {"path": "e.gpkg"}}, min_area_m2=0)
    for row in _rows(run_analysis(job, str(folder / "out")).result_path).values():
        assert 0 <= row["farmland_m2"] <= row["area_m2"] * (1 + 1e-9)
        assert 0 <= row["farmland_free_m2"] <= row["farmland_m2"] + 1e-6
        assert 0 <= row["free_m2"] <= row["area_m2"] + 1e-6
        assert row["farmland_pct"] <= 100 + 1e-6


def test_source_fields_named_like_the_result_columns_are_renamed(tmp_path):
    write_layer(str(tmp_path / "p.geojson"), [square(0, 0, 10), square(20, 0, 10)],
                [{"JCBH": "A", "FID": 7, "Geom": "x", "area_m2": 1.5},
                 {"JCBH": "B", "FID": 7, "Geom": "y", "area_m2": 2.5}])
    res = run_analysis(_job(tmp_path, patches={"path": "p.geojson", "id_field": "JCBH"}),
                       str(tmp_path / "out"))
    rows = _rows(res.result_path)
    assert (rows["A"]["FID_src"], rows["A"]["Geom_src"], rows["B"]["area_m2_src"]) == (7, "x", 2.5)
    assert rows["B"]["area_m2"] == pytest.approx(geodesic_area(square(20, 0, 10)), rel=1e-6)
    assert sum("改名" in n.message for n in res.notes) == 3
