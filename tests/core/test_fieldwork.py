"""Field verification prep: imagery chips, the mobile GeoPackage and the KML, on the demo county.

Expectations come from the result read with plain OGR, direct rasterio reads and pyproj.
"""

import shutil
import zipfile
from pathlib import Path
from xml.etree import ElementTree as ET

import numpy as np
import pytest
import rasterio
from osgeo import gdal, ogr
from pyproj import Transformer
from rasterio.windows import Window
from shapely import wkb as shapely_wkb
from shapely.geometry import box

from plugin.core.analysis import run_analysis
from plugin.core.imagery.chips import Image, chip_window, write_png
from plugin.core.fieldwork.flagged import FLAGGED_VERDICTS, read_flagged
from plugin.core.fieldwork.mobile import VERIFICATION_FIELDS
from plugin.core.fieldwork.pack import prepare_fieldpack
from plugin.core.job import load_job

REPO = Path(__file__).resolve().parents[2]
DEMO = REPO / "resources" / "demo"
BEFORE, AFTER = str(DEMO / "data" / "before.tif"), str(DEMO / "data" / "after.tif")
KML = "{http://www.opengis.net/kml/2.2}"


@pytest.fixture(scope="module")
def demo_result(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo")
    return run_analysis(load_job(str(DEMO / "job.yaml")), str(out)).result_path


@pytest.fixture(scope="module")
def pack(demo_result, tmp_path_factory):
    return prepare_fieldpack(demo_result, str(tmp_path_factory.mktemp("pack")), BEFORE, AFTER)


def flagged_by_ogr(path):
    """patch id → (attributes, shapely geometry) of the flagged patches, read with plain OGR."""
    out = {}
    ds = ogr.Open(path)
    for f in ds.GetLayerByName("patches"):
        if f.GetField("verdict") in FLAGGED_VERDICTS:
            out[f.GetField("patch_id")] = (f.items(),
                                           shapely_wkb.loads(bytes(f.GetGeometryRef().ExportToWkb())))
    return out


def test_flagged_patches_are_the_violations_and_checks_ordered_by_township_and_village(demo_result):
    patches, _, _ = read_flagged(demo_result)
    expected = flagged_by_ogr(demo_result)
    assert sorted(p.patch_id for p in patches) == sorted(expected)
    keys = [(expected[p.patch_id][0]["township"], expected[p.patch_id][0]["village"], p.patch_id)
            for p in patches]
    assert keys == sorted(keys)


def test_chip_pixels_equal_a_direct_read_of_the_same_window_away_from_the_outline(pack):
    chips = [c for c in pack.chips if c.label == "后时相"]
    assert chips
    with rasterio.open(AFTER) as src:
        for chip in chips[:10]:
            direct = src.read([1, 2, 3], window=chip.window)
            with rasterio.open(chip.path) as png:
                got = png.read()
            assert got.shape == direct.shape == (3, chip.height, chip.width)
            differs = np.any(got != direct, axis=0)
            # only outline pixels may differ, and they are few against the chip
            assert 0 < differs.sum() < 0.5 * differs.size
            red = (got[0] == 230) | (got[0] == 255)
            assert np.all(red[differs])


def test_chip_is_georeferenced_on_its_window_and_surrounds_the_patch(pack, demo_result):
    expected = flagged_by_ogr(demo_result)
    with rasterio.open(BEFORE) as src:
        for chip in [c for c in pack.chips if c.label == "前时相"][:10]:
            with rasterio.open(chip.path) as png:
                assert png.transform.almost_equals(src.window_transform(chip.window))
                assert (png.width, png.height) == (chip.window.width, chip.window.height)
                left, bottom, right, top = png.bounds
            patch = expected[chip.patch_id][1]
            assert box(left, bottom, right, top).contains(patch)


def test_every_flagged_patch_inside_the_image_gets_a_before_and_an_after_chip(pack, demo_result):
    for label in ("前时相", "后时相"):
        assert sorted(c.patch_id for c in pack.chips if c.label == label) == sorted(
            flagged_by_ogr(demo_result))
    assert pack.notes == []


def test_a_large_window_is_read_shrunk_to_the_pixel_limit(tmp_path, demo_result):
    patches, crs_wkt, _ = read_flagged(demo_result)
    with Image(AFTER, crs_wkt, "后时相") as image:
        chip = image.chip(patches[0].geometry, max_pixels=16)
        assert max(chip.width, chip.height) == 16
        write_png(chip, image.srs_wkt, str(tmp_path / "c.png"))
        with rasterio.open(tmp_path / "c.png") as png:
            assert png.transform.a == pytest.approx(image.src.transform.a * chip.window.width / chip.width)


def test_a_fitted_chip_is_enlarged_to_the_pixel_size(demo_result):
    patches, crs_wkt, _ = read_flagged(demo_result)
    with Image(AFTER, crs_wkt, "后时相") as image:
        small = image.chip(patches[0].geometry, max_pixels=2000)
        fitted = image.chip(patches[0].geometry, max_pixels=2000, fit=True)
    assert max(small.width, small.height) < 2000
    assert max(fitted.width, fitted.height) == 2000 and fitted.window == small.window


def test_a_patch_outside_the_image_is_noted_not_fatal(tmp_path, demo_result):
    patches, crs_wkt, _ = read_flagged(demo_result)
    with Image(AFTER, crs_wkt, "后时相") as image:
        assert image.chip(box(0, 0, 10, 10)) is None
    copy = tmp_path / "result.gpkg"
    shutil.copyfile(demo_result, copy)
    ds = ogr.Open(str(copy), update=1)
    layer = ds.GetLayerByName("patches")
    feature = layer.GetFeature(next(p.fid for p in patches))
    feature.SetGeometry(ogr.CreateGeometryFromWkt(
        "MULTIPOLYGON(((41000000 3000000,41000100 3000000,41000100 3000100,41000000 3000000)))"))
    layer.SetFeature(feature)
    ds = None
    pack = prepare_fieldpack(str(copy), str(tmp_path / "pack"), None, AFTER)
    assert len(pack.chips) == len(patches) - 1
    assert len(pack.notes) == 1 and patches[0].patch_id in str(pack.notes[0])


def test_mobile_gpkg_holds_the_flagged_patches_with_empty_verification_columns(pack, demo_result):
    ds = ogr.Open(pack.gpkg)
    layer = ds.GetLayerByName("核查图斑")
    defn = layer.GetLayerDefn()
    names = [defn.GetFieldDefn(i).GetName() for i in range(defn.GetFieldCount())]
    for name, _, _ in VERIFICATION_FIELDS:
        assert name in names
    expected = flagged_by_ogr(demo_result)
    seen = {}
    for f in layer:
        seen[f.GetField("图斑编号")] = f
        assert all(f.GetField(name) is None for name, _, _ in VERIFICATION_FIELDS)
        geom = shapely_wkb.loads(bytes(f.GetGeometryRef().ExportToWkb()))
        assert geom.symmetric_difference(expected[f.GetField("图斑编号")][1]).area < 1e-6
    assert sorted(seen) == sorted(expected)
    for pid, f in seen.items():
        attrs = expected[pid][0]
        assert f.GetField("图斑面积(亩)") == pytest.approx(attrs["area_mu"], abs=0.005)
        assert f.GetField("图斑面积(平方米)") == pytest.approx(attrs["area_m2"], abs=0.5)
        assert (f.GetField("乡镇"), f.GetField("判定结果")) == (attrs["township"], attrs["verdict"])


def test_mobile_gpkg_numbers_the_route_by_township_village_and_patch_id(pack, demo_result):
    ds = ogr.Open(pack.gpkg)
    rows = sorted((f.GetField("序号"), f.GetField("乡镇"), f.GetField("村"), f.GetField("图斑编号"))
                  for f in ds.GetLayerByName("核查图斑"))
    assert [r[0] for r in rows] == list(range(1, len(rows) + 1))
    assert [r[1:] for r in rows] == sorted(r[1:] for r in rows)


def test_mobile_gpkg_stores_the_value_lists_as_field_domains(pack):
    ds = gdal.OpenEx(pack.gpkg, gdal.OF_VECTOR)
    for name, values, _ in VERIFICATION_FIELDS:
        if values:
            domain = ds.GetFieldDomain(name)
            assert set(domain.GetEnumeration()) == set(values)
    assert set(ds.GetFieldDomain("核查结果").GetEnumeration()) == {"属实", "不属实", "部分属实"}


def kml_placemarks(root):
    return {p.find(f"{KML}name").text: p for p in root.iter(f"{KML}Placemark")}


def test_kml_holds_every_flagged_patch_at_its_centre_in_degrees(pack, demo_result):
    marks = kml_placemarks(ET.parse(pack.kml).getroot())
    expected = flagged_by_ogr(demo_result)
    assert sorted(marks) == sorted(expected)
    to_deg = Transformer.from_crs("EPSG:4529", "EPSG:4490", always_xy=True)
    for pid, (_, geom) in expected.items():
        lon, lat = map(float, marks[pid].find(f".//{KML}Point/{KML}coordinates").text.split(","))
        point = geom.centroid if geom.contains(geom.centroid) else geom.representative_point()
        want = to_deg.transform(point.x, point.y)
        assert (lon, lat) == pytest.approx(want, abs=1e-7)
        ring = marks[pid].find(f".//{KML}outerBoundaryIs/{KML}LinearRing/{KML}coordinates").text
        first = tuple(map(float, ring.split()[0].split(",")))
        corner = to_deg.transform(*geom.geoms[0].exterior.coords[0] if hasattr(geom, "geoms")
                                  else geom.exterior.coords[0])
        assert first == pytest.approx(corner, abs=1e-7)


def test_kml_names_townships_and_styles_outlines_by_verdict(pack, demo_result):
    root = ET.parse(pack.kml).getroot()
    expected = flagged_by_ogr(demo_result)
    folders = {f.find(f"{KML}name").text for f in root.iter(f"{KML}Folder")}
    assert folders == {a["township"] for a, _ in expected.values()}
    styles = {s.get("id"): s for s in root.iter(f"{KML}Style")}
    marks = kml_placemarks(root)
    colours = {}
    for pid, (attrs, _) in expected.items():
        style = styles[marks[pid].find(f"{KML}styleUrl").text.lstrip("#")]
        colours.setdefault(attrs["verdict"], set()).add(style.find(f".//{KML}LineStyle/{KML}color").text)
    assert all(len(c) == 1 for c in colours.values())
    assert colours["违法"] != colours["需核实"]
    assert "判定理由" in marks[next(iter(expected))].find(f"{KML}description").text


def test_kmz_holds_the_kml_as_doc_kml(pack):
    with zipfile.ZipFile(pack.kmz) as z:
        assert z.namelist() == ["doc.kml"]
        assert z.read("doc.kml") == Path(pack.kml).read_bytes()


def test_no_images_no_chips(demo_result, tmp_path):
    pack = prepare_fieldpack(demo_result, str(tmp_path))
    assert pack.chips == [] and Path(pack.gpkg).is_file()
    assert pack.patches == len(flagged_by_ogr(demo_result))


def test_chip_window_is_square_with_margin(demo_result):
    with rasterio.open(AFTER) as src:
        w = chip_window((src.bounds.left + 400, src.bounds.bottom + 400, src.bounds.left + 440,
                         src.bounds.bottom + 420), src.transform)
    assert isinstance(w, Window)
    assert abs(w.width - w.height) <= 1 and w.width >= (40 + 80) / 4


def test_baseline_sources_are_the_outlined_layers_the_analysis_read(demo_result):
    from plugin.core.fieldwork.pack import baseline_sources
    sources = {s.key: s for s in baseline_sources(demo_result)}
    assert set(sources) == {"basic_farmland", "red_line", "urban_boundary"}
    assert Path(sources["red_line"].path) == DEMO / "data" / "stbhhx.gpkg"
    assert sources["red_line"].layer == "STBHHX"


def test_a_flagged_patch_without_geometry_is_noted_in_the_pack_and_the_ledger(tmp_path, demo_result):
    from plugin.core.ledger.export import export_ledger

    copy = tmp_path / "result.gpkg"
    shutil.copyfile(demo_result, copy)
    patches, _, _ = read_flagged(str(copy))
    ds = ogr.Open(str(copy), update=1)
    column = ds.GetLayerByName("patches").GetGeometryColumn()
    ds.ExecuteSQL(f'UPDATE patches SET "{column}" = NULL WHERE patch_id = \'{patches[0].patch_id}\'')
    ds = None
    pack = prepare_fieldpack(str(copy), str(tmp_path / "pack"))
    assert pack.patches == len(patches) - 1
    assert [n.feature for n in pack.notes] == [patches[0].patch_id]
    report = export_ledger(str(copy), str(tmp_path / "台账.xlsx"), images={"后时相": AFTER})
    assert any("没有几何图形" in w and patches[0].patch_id in w for w in report.warnings)
