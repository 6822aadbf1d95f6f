"""The field pack of the demo county: what it holds and that it needs nothing outside itself.

Expectations come from the result and the demo's inputs read with plain OGR and GDAL, pyproj,
and the chip square's rule (the patch's larger side plus 40 m or 30 % on each side) computed
here; never from the pack's own numbers.
"""

import shutil
import zipfile
from pathlib import Path
from xml.etree import ElementTree as ET

import numpy as np
import pytest
from osgeo import gdal, ogr
from PIL import Image as PILImage
from pyproj import Transformer
from shapely import wkb as shapely_wkb
from shapely.geometry import box

from plugin.core.analysis import run_analysis
from plugin.core.errors import InputError
from plugin.core.fieldwork.flagged import FLAGGED_VERDICTS, read_flagged
from plugin.core.fieldwork.mobile import VERIFICATION_FIELDS
from plugin.core.fieldwork.pack import prepare_fieldpack
from plugin.core.job import load_job

REPO = Path(__file__).resolve().parents[2]
DEMO = REPO / "resources" / "demo"
BEFORE, AFTER = str(DEMO / "data" / "before.tif"), str(DEMO / "data" / "after.tif")
KML = "{http://www.opengis.net/kml/2.2}"
BOWTIE = "21028120240016"  # delivered as a self-intersecting ring (resources/demo/README.md)


@pytest.fixture(scope="module")
def demo_result(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo")
    return run_analysis(load_job(str(DEMO / "job.yaml")), str(out)).result_path


@pytest.fixture(scope="module")
def pack(demo_result, tmp_path_factory):
    return prepare_fieldpack(demo_result, str(tmp_path_factory.mktemp("pack")), BEFORE, AFTER,
                             dates={"后时相": "2024年10月1日"})


def flagged_by_ogr(path):
    """patch id → (attributes, shapely geometry) of the flagged patches, read with plain OGR."""
    out = {}
    ds = ogr.Open(path)
    for f in ds.GetLayerByName("patches"):
        if f.GetField("verdict") in FLAGGED_VERDICTS:
            out[f.GetField("patch_id")] = (f.items(),
                                           shapely_wkb.loads(bytes(f.GetGeometryRef().ExportToWkb())))
    return out


def mobile_features(gpkg):
    ds = ogr.Open(gpkg)
    return {f.GetField("图斑编号"): (f.items(), shapely_wkb.loads(bytes(f.GetGeometryRef().ExportToWkb())))
            for f in ds.GetLayerByName("核查图斑")}


def square(geom):
    """The chip square around a patch, by the rule in the docstring."""
    minx, miny, maxx, maxy = geom.bounds
    side = max(maxx - minx, maxy - miny)
    half = side / 2 + max(40.0, 0.3 * side)
    cx, cy = (minx + maxx) / 2, (miny + maxy) / 2
    return box(cx - half, cy - half, cx + half, cy + half)


def test_flagged_patches_are_the_violations(demo_result):
    patches, _, _ = read_flagged(demo_result)
    assert sorted(p.patch_id for p in patches) == sorted(flagged_by_ogr(demo_result))


def test_the_visiting_order_keeps_townships_together_and_is_shorter_than_number_order(pack,
                                                                                       demo_result):
    rows = sorted((a["序号"], a["乡镇"], g.representative_point())
                  for a, g in mobile_features(pack.gpkg).values())
    assert [r[0] for r in rows] == list(range(1, len(rows) + 1))
    towns = [r[1] for r in rows]
    assert towns == sorted(towns)
    expected = flagged_by_ogr(demo_result)
    for town in set(towns):
        visited = [r[2] for r in rows if r[1] == town]
        by_number = [g.representative_point() for pid, (a, g) in sorted(expected.items())
                     if a["township"] == town]

        def length(points):
            return sum(a.distance(b) for a, b in zip(points, points[1:]))

        assert length(visited) < length(by_number)


def test_every_flagged_patch_gets_a_before_and_an_after_chip_named_in_the_field_data(pack,
                                                                                   demo_result):
    expected = set(flagged_by_ogr(demo_result))
    for label in ("前时相", "后时相"):
        assert {c.patch_id for c in pack.chips if c.label == label} == expected
    assert pack.notes == []
    for pid, (attributes, _) in mobile_features(pack.gpkg).items():
        for field in ("前时相切片", "后时相切片"):
            chip = Path(pack.folder) / attributes[field]
            assert chip.parent == Path(pack.folder) / "chips" and chip.is_file()
            assert PILImage.open(chip).format == "JPEG"


def test_a_chip_shows_the_image_around_its_patch(pack):
    source = gdal.Open(AFTER)
    for chip in [c for c in pack.chips if c.label == "后时相"][:10]:
        w = chip.window
        direct = source.ReadAsArray(w.col, w.row, w.width, w.height).astype(float)
        # the chip shows the window enlarged by pixel copies: shrink it back by sampling
        picture = np.asarray(PILImage.open(chip.path).convert("RGB")).transpose(2, 0, 1)
        rows = (np.arange(w.height) * chip.height / w.height).astype(int)
        cols = (np.arange(w.width) * chip.width / w.width).astype(int)
        sampled = picture[:, rows][:, :, cols].astype(float)
        away = np.abs(sampled - direct).max(axis=0) < 60  # the outline and the date differ
        assert away.mean() > 0.8
        assert np.abs(sampled - direct)[:, away].mean() < 6  # JPEG


def test_the_given_date_is_stamped_on_the_after_chips_only(pack):
    assert pack.dates == {"后时相": "2024-10-01"}
    for chip in pack.chips[:6]:
        corner = np.asarray(PILImage.open(chip.path).convert("L"))[-12:, :60]
        stamped = (corner > 230).mean() > 0.05 and (corner < 25).mean() > 0.3
        assert stamped == (chip.label == "后时相"), chip.path


def test_the_acquisition_date_in_the_images_metadata_is_used(demo_result, tmp_path):
    image = tmp_path / "after.tif"
    shutil.copyfile(AFTER, image)
    ds = gdal.Open(str(image), gdal.GA_Update)
    ds.SetMetadataItem("TIFFTAG_DATETIME", "2025:03:02 10:00:00")  # when the file was written
    ds.SetMetadataItem("ACQUISITIONDATETIME", "2024-09-28T02:41:07Z", "IMAGERY")
    ds = None
    assert prepare_fieldpack(demo_result, str(tmp_path / "p"), after=str(image)).dates == \
        {"后时相": "2024-09-28"}


def test_a_files_write_date_is_no_image_date(demo_result, tmp_path):
    image = tmp_path / "after.tif"
    shutil.copyfile(AFTER, image)
    ds = gdal.Open(str(image), gdal.GA_Update)
    ds.SetMetadataItem("TIFFTAG_DATETIME", "2025:03:02 10:00:00")
    ds = None
    assert prepare_fieldpack(demo_result, str(tmp_path / "p"), after=str(image)).dates == {}


def test_a_given_date_that_is_no_date_is_refused_before_anything_is_written(demo_result, tmp_path):
    with pytest.raises(InputError, match="不是日期"):
        prepare_fieldpack(demo_result, str(tmp_path / "p"), after=AFTER, dates={"后时相": "去年秋天"})
    assert not (tmp_path / "p").exists()


def test_the_packs_imagery_is_the_image_around_the_patches_and_nothing_else(pack, demo_result):
    clipped = gdal.Open(pack.images["后时相"].path)
    assert clipped.GetMetadataItem("COMPRESSION", "IMAGE_STRUCTURE") == "YCbCr JPEG"
    assert clipped.GetRasterBand(1).GetOverviewCount() >= 1
    assert clipped.GetRasterBand(1).GetMaskFlags() == gdal.GMF_PER_DATASET
    source = gdal.Open(AFTER)
    inverse_source = gdal.InvGeoTransform(source.GetGeoTransform())
    inverse_clip = gdal.InvGeoTransform(clipped.GetGeoTransform())
    for _, geom in list(flagged_by_ogr(demo_result).values())[:10]:
        point = geom.representative_point()
        sc, sr = (int(v) for v in gdal.ApplyGeoTransform(inverse_source, point.x, point.y))
        cc, cr = (int(v) for v in gdal.ApplyGeoTransform(inverse_clip, point.x, point.y))
        got = clipped.ReadAsArray(cc - 32, cr - 32, 64, 64).astype(float)
        # JPEG changes pixels by a few levels; the same window of the source is far nearer
        # than one 6 pixels away (the patch's edges are in it)
        error = np.abs(got - source.ReadAsArray(sc - 32, sr - 32, 64, 64)).mean()
        shifted = np.abs(got - source.ReadAsArray(sc - 26, sr - 26, 64, 64)).mean()
        assert error < 12 and error < 0.6 * shifted
        assert (clipped.GetRasterBand(1).GetMaskBand().ReadAsArray(cc - 8, cr - 8, 16, 16) == 255).all()
    mask = clipped.GetRasterBand(1).GetMaskBand().ReadAsArray()
    assert 0 < (mask == 255).mean() < 1  # blocks far from every patch are left out


def test_the_reference_layers_hold_the_baseline_features_near_the_patches(pack, demo_result):
    squares = [square(g) for _, g in flagged_by_ogr(demo_result).values()]
    sources = {"永久基本农田": ("yjjbnttb.gpkg", "YJJBNTTB", None), "生态保护红线": ("stbhhx.gpkg", "STBHHX", None),
               "城镇开发边界": ("czkfbj.gpkg", "CZKFBJ", None),
               # the job's own zones, before the farmland parcels (drawn last: the most)
               "自然保护地": ("zrbhd.gpkg", "ZRBHD", None), "饮用水水源保护区": ("sydbhq.gpkg", "SYDBHQ", None),
               "耕地": ("dltb_2023.gpkg", "DLTB", "DLBM LIKE '01%'")}
    assert pack.reference_layers == list(sources)
    ds = ogr.Open(pack.reference)
    for name, (file_name, layer_name, where) in sources.items():
        source_ds = ogr.Open(str(DEMO / "data" / file_name))
        source = source_ds.GetLayerByName(layer_name)
        if where:
            source.SetAttributeFilter(where)
        want = []
        for f in source:
            minx, maxx, miny, maxy = f.GetGeometryRef().GetEnvelope()
            if any(box(minx, miny, maxx, maxy).intersects(s) for s in squares):
                want.append(round(f.GetGeometryRef().GetArea(), 3))
        got = [round(f.GetGeometryRef().GetArea(), 3) for f in ds.GetLayerByName(name)]
        assert sorted(got) == sorted(want) and want, name
    # a zone keeps the values the job carried from it, for the field map's labels
    assert sorted(f["GNFQ"] for f in ds.GetLayerByName("自然保护地")) == ["一般控制区", "核心保护区"]


def test_mobile_gpkg_holds_the_flagged_patches_with_empty_verification_columns(pack, demo_result):
    expected = flagged_by_ogr(demo_result)
    seen = mobile_features(pack.gpkg)
    assert sorted(seen) == sorted(expected)
    for pid, (f, geom) in seen.items():
        assert all(f[name] is None for name, _, _ in VERIFICATION_FIELDS)
        assert all(f[name] is None for name in ("现场照片", "核查位置经度", "核查位置纬度"))
        assert geom.symmetric_difference(expected[pid][1]).area < 1e-6
        attrs = expected[pid][0]
        assert f["图斑面积(亩)"] == pytest.approx(attrs["area_m2"] * 0.0015, abs=0.005)
        assert f["图斑面积(平方米)"] == pytest.approx(attrs["area_m2"], abs=0.5)
        assert (f["乡镇"], f["判定结果"]) == (attrs["township"], attrs["verdict"])


def test_the_repaired_bow_tie_is_drawn_as_repaired_and_says_so(pack):
    delivered_ds = ogr.Open(str(DEMO / "data" / "jctb.gpkg"))
    delivered = delivered_ds.GetLayerByName("JCTB")
    delivered.SetAttributeFilter(f"JCBH = '{BOWTIE}'")
    feature = next(iter(delivered))
    original = shapely_wkb.loads(bytes(feature.GetGeometryRef().ExportToWkb()))
    assert not original.is_valid
    attributes, geom = mobile_features(pack.gpkg)[BOWTIE]
    assert geom.is_valid and len(geom.geoms) == 2  # the figure eight's two triangles
    assert "自相交" in attributes["几何修复说明"]
    assert "已自动修复" in attributes["几何修复说明"]
    others = [a["几何修复说明"] for pid, (a, _) in mobile_features(pack.gpkg).items() if pid != BOWTIE]
    assert set(others) == {None}


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
        assert (lon, lat) == pytest.approx(to_deg.transform(point.x, point.y), abs=1e-7)
        rings = marks[pid].findall(f".//{KML}outerBoundaryIs/{KML}LinearRing/{KML}coordinates")
        parts = getattr(geom, "geoms", [geom])
        assert len(rings) == len(parts)
        first = tuple(map(float, rings[0].text.split()[0].split(",")))
        assert first == pytest.approx(to_deg.transform(*parts[0].exterior.coords[0]), abs=1e-7)


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


def image_sources(description):
    return [part.split('"')[0] for part in description.split('<img src="')[1:]]


def test_kml_balloons_show_the_chips_of_the_pack_with_their_dates(pack):
    for pid, mark in kml_placemarks(ET.parse(pack.kml).getroot()).items():
        description = mark.find(f"{KML}description").text
        sources = image_sources(description)
        assert len(sources) == 2
        assert all((Path(pack.folder) / s).is_file() for s in sources)
        assert "后时相影像 2024-10-01" in description


def test_kmz_carries_its_chips_and_needs_nothing_beside_it(pack):
    with zipfile.ZipFile(pack.kmz) as z:
        names = set(z.namelist())
        assert "doc.kml" in names
        root = ET.fromstring(z.read("doc.kml"))
        marks = kml_placemarks(root)
        for mark in marks.values():
            for source in image_sources(mark.find(f"{KML}description").text):
                assert source.startswith("files/") and source in names
        assert len(names) == 1 + len(pack.chips)
        assert sorted(marks) == sorted(kml_placemarks(ET.parse(pack.kml).getroot()))


def test_no_images_no_chips_and_no_imagery(demo_result, tmp_path):
    pack = prepare_fieldpack(demo_result, str(tmp_path))
    assert pack.chips == [] and pack.images == {} and Path(pack.gpkg).is_file()
    assert not (tmp_path / "chips").exists() and not (tmp_path / "影像").exists()
    assert pack.patches == len(flagged_by_ogr(demo_result))


def with_ids(demo_result, tmp_path, ids):
    """A copy of the result whose first flagged patches carry ``ids``."""
    copy = tmp_path / "result.gpkg"
    shutil.copyfile(demo_result, copy)
    patches, _, _ = read_flagged(str(copy))
    ds = ogr.Open(str(copy), update=1)
    for patch, new in zip(patches, ids):
        ds.ExecuteSQL("UPDATE patches SET patch_id = '{}' WHERE patch_id = '{}'".format(
            new.replace("'", "''"), patch.patch_id))
    ds = None
    return str(copy)


def test_ids_unsafe_in_file_names_get_their_own_chips(demo_result, tmp_path):
    result = with_ids(demo_result, tmp_path, ["A/1", "A?1", "A_1", "长" * 300])
    pack = prepare_fieldpack(result, str(tmp_path / "pack"), after=AFTER)
    paths = {c.patch_id: c.path for c in pack.chips}
    assert len({paths[pid] for pid in ("A/1", "A?1", "A_1", "长" * 300)}) == 4
    assert all(Path(p).parent == tmp_path / "pack" / "chips" for p in paths.values())
    assert len(list((tmp_path / "pack" / "chips").iterdir())) == pack.patches


def test_a_patch_outside_the_image_is_noted_not_fatal(tmp_path, demo_result):
    patches, _, _ = read_flagged(demo_result)
    copy = tmp_path / "result.gpkg"
    shutil.copyfile(demo_result, copy)
    ds = ogr.Open(str(copy), update=1)
    layer = ds.GetLayerByName("patches")
    feature = layer.GetFeature(patches[0].fid)
    feature.SetGeometry(ogr.CreateGeometryFromWkt(
        "MULTIPOLYGON(((41000000 3000000,41000100 3000000,41000100 3000100,41000000 3000000)))"))
    layer.SetFeature(feature)
    ds = None
    pack = prepare_fieldpack(str(copy), str(tmp_path / "pack"), None, AFTER)
    assert len(pack.chips) == len(patches) - 1
    assert len(pack.notes) == 1 and patches[0].patch_id in str(pack.notes[0])


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


def test_a_baseline_file_gone_since_the_analysis_is_noted_and_left_out(demo_result, tmp_path):
    data = tmp_path / "data"
    shutil.copytree(DEMO / "data", data)
    job = (DEMO / "job.yaml").read_text(encoding="utf-8")
    (tmp_path / "job.yaml").write_text(job, encoding="utf-8")
    result = run_analysis(load_job(str(tmp_path / "job.yaml")), str(tmp_path / "out")).result_path
    (data / "stbhhx.gpkg").unlink()
    pack = prepare_fieldpack(result, str(tmp_path / "pack"))
    assert "生态保护红线" not in pack.reference_layers and "永久基本农田" in pack.reference_layers
    assert any("stbhhx.gpkg" in str(n) and "已不存在" in str(n) for n in pack.notes)


def test_a_new_pack_replaces_the_chips_folder_whole_and_clears_a_killed_runs_leftovers(
        demo_result, tmp_path):
    import os

    out = tmp_path / "pack"
    prepare_fieldpack(demo_result, str(out), after=AFTER)
    (out / "chips" / "stale_后时相.jpg").write_bytes(b"a chip of a patch no longer flagged")
    (out / ".chips-killed").mkdir()
    pack = prepare_fieldpack(demo_result, str(out), after=AFTER)
    assert sorted(p.name for p in (out / "chips").iterdir()) == sorted(
        Path(c.path).name for c in pack.chips)
    assert not list(out.glob(".chips-*"))
    umask = os.umask(0)
    os.umask(umask)
    assert (out / "chips").stat().st_mode & 0o777 == 0o777 & ~umask
