"""Image chips from images in other CRSs, with nodata, or without georeferencing; their size,
outline, date stamp and file names.

The oracle images are gradients (red = column, green = row, blue 128), written with GDAL, so
the median colour of a chip's pixels away from the outline says which pixel is at its centre;
the expected pixel is found with pyproj and GDAL's inverse geotransform at the patch's centre.
"""

import io

import numpy as np
import pytest
from osgeo import gdal, osr
from PIL import Image as PILImage
from pyproj import CRS, Transformer
from shapely.geometry import box

from plugin.core.errors import InputError
from plugin.core.fieldwork.file_names import MAX_STEM, file_stems
from plugin.core.imagery.chips import (CHIP_PIXELS, MIN_CHIP_PIXELS, jpeg_bytes, read_chip,
                                       stamp_date)
from plugin.core.imagery.image import Image

WORKING = CRS.from_epsg(4529)  # CGCS2000 GK zone 41, prefixed eastings
PATCH = box(41_500_000, 4_400_000, 41_500_060, 4_400_040)  # 60 m × 40 m
SIDE = 250


def write_image(path, epsg, bounds, data, nodata=None):
    """A GeoTIFF of ``data`` (bands, rows, cols) spanning ``bounds`` in ``epsg``."""
    bands, rows, cols = data.shape
    kind = {np.dtype("uint8"): gdal.GDT_Byte, np.dtype("uint16"): gdal.GDT_UInt16}[data.dtype]
    ds = gdal.GetDriverByName("GTiff").Create(str(path), cols, rows, bands, kind)
    minx, miny, maxx, maxy = bounds
    ds.SetGeoTransform((minx, (maxx - minx) / cols, 0, maxy, 0, -(maxy - miny) / rows))
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(epsg)
    ds.SetProjection(srs.ExportToWkt())
    for b in range(bands):
        ds.GetRasterBand(b + 1).WriteArray(data[b])
        if nodata is not None:
            ds.GetRasterBand(b + 1).SetNoDataValue(nodata)
    ds = None
    return str(path)


def gradient(path, epsg, half_m=600.0):
    """A SIDE² gradient image in ``epsg`` covering the patch's centre ± ``half_m`` metres."""
    to_image = Transformer.from_crs(WORKING, f"EPSG:{epsg}", always_xy=True)
    c = PATCH.centroid
    bounds = to_image.transform_bounds(c.x - half_m, c.y - half_m, c.x + half_m, c.y + half_m)
    cols, rows = np.meshgrid(np.arange(SIDE), np.arange(SIDE))
    return write_image(path, epsg, bounds, np.stack([cols, rows, np.full_like(cols, 128)])
                       .astype("uint8")), to_image


def pixel_of(path, x, y):
    """(col, row) of map coordinates in an image, by GDAL's inverse geotransform."""
    inverse = gdal.InvGeoTransform(gdal.Open(path).GetGeoTransform())
    return gdal.ApplyGeoTransform(inverse, x, y)


def chip_of(image, geometry, **kwargs):
    window, rings = image.outlines([geometry.wkb])[0]
    return read_chip(image.reader, rings, window, **kwargs)


@pytest.mark.parametrize("epsg", [4529, 4545, 3857, 4490])
def test_the_chip_shows_the_patch_with_the_same_ground_margin_in_any_image_crs(tmp_path, epsg):
    path, to_image = gradient(tmp_path / f"e{epsg}.tif", epsg)
    with Image(path, WORKING.to_wkt(), "后时相") as image:
        chip = chip_of(image, PATCH, max_pixels=2000)
        pixel_m = abs(image.reader.geotransform.dx)
    expected_col, expected_row = pixel_of(path, *to_image.transform(*PATCH.centroid.coords[0]))
    data = chip.data.astype(int)
    away = np.abs(data[2] - 128) <= 4
    assert abs(np.median(data[0][away]) - expected_col) <= 1.5
    assert abs(np.median(data[1][away]) - expected_row) <= 1.5
    ground_pixel = 1200 / SIDE  # the image spans ~1200 m in every CRS
    # the square is the patch's larger side (60 m) + 2 × 40 m of margin = 140 m; other CRSs
    # turn the square (convergence, scale): its bounding box in the image is larger
    assert 140 / ground_pixel - 2 <= chip.window.width <= 1.25 * 140 / ground_pixel + 2
    if epsg == 4529:
        assert pixel_m * chip.window.width == pytest.approx(140, abs=2 * ground_pixel)


def test_the_outline_is_drawn_on_the_patch_boundary_in_its_colour(tmp_path):
    path, _ = gradient(tmp_path / "g.tif", 4529)
    with Image(path, WORKING.to_wkt(), "后时相") as image:
        chip = chip_of(image, PATCH, colour=(255, 170, 0), max_pixels=2000)
    outline = np.all(chip.data.transpose(1, 2, 0) == (255, 170, 0), axis=2)
    cols, rows = chip.transform.to_pixel(*np.asarray(PATCH.exterior.coords).T)
    for col, row in zip(cols, rows):  # every corner of the patch lies on the outline
        assert outline[int(row) - 1:int(row) + 2, int(col) - 1:int(col) + 2].any()
    inside = chip.transform.to_pixel(*PATCH.centroid.coords[0])
    assert not outline[int(inside[1]), int(inside[0])]


def test_nodata_is_white_and_left_out_of_the_stretch(tmp_path):
    data = np.random.default_rng(3).integers(3000, 4000, (1, 200, 200)).astype("uint16")
    data[:, :, :100] = 0
    path = write_image(tmp_path / "u16.tif", 4529,
                       (41_499_900, 4_399_900, 41_500_100, 4_400_100), data, nodata=0)
    with Image(path, WORKING.to_wkt(), "前时相") as image:
        # a 20 m patch 10 m east of the nodata edge: its 100 m chip starts 30 m into nodata
        chip = chip_of(image, box(41_500_010, 4_399_990, 41_500_030, 4_400_010), max_pixels=2000)
    west, east = chip.data[:, :, : chip.width // 4], chip.data[:, :, chip.width // 2:]
    assert (west == 255).all()
    assert east.min() <= 10 and east.max() >= 245  # the valid values use the whole range


def test_a_large_window_is_read_shrunk_and_a_small_one_enlarged_by_pixel_copies(tmp_path):
    path, _ = gradient(tmp_path / "g.tif", 4529)
    with Image(path, WORKING.to_wkt(), "后时相") as image:
        small = chip_of(image, PATCH, max_pixels=16)
        native = chip_of(image, PATCH, max_pixels=2000)
        enlarged = chip_of(image, PATCH, max_pixels=2000, min_pixels=4 * native.width)
    assert max(small.width, small.height) == 16
    assert small.transform.dx == pytest.approx(native.transform.dx * native.width / small.width)
    assert (enlarged.width, enlarged.height) == (4 * native.width, 4 * native.height)
    assert enlarged.window == native.window
    # away from the outlines every native pixel became a 4 × 4 block of the same colour
    def blocks(band):
        return enlarged.data[band].reshape(native.height, 4, native.width, 4).transpose(0, 2, 1, 3)

    quiet = (native.data[2] == 128) & (blocks(2) == 128).all(axis=(2, 3))
    assert quiet.sum() > 0.8 * quiet.size
    assert (blocks(0)[quiet] == native.data[0][quiet][:, None, None]).all()


def test_a_patch_outside_the_image_gets_no_chip(tmp_path):
    path, _ = gradient(tmp_path / "g.tif", 4529)
    with Image(path, WORKING.to_wkt(), "后时相") as image:
        assert chip_of(image, box(41_000_000, 3_000_000, 41_000_010, 3_000_010)) is None


def test_an_image_without_georeferencing_is_refused_by_name(tmp_path):
    path = str(tmp_path / "plain.tif")
    gdal.GetDriverByName("GTiff").Create(path, 20, 20, 3, gdal.GDT_Byte).FlushCache()
    with pytest.raises(InputError, match="没有地理参考") as e:
        Image(path, WORKING.to_wkt(), "后时相")
    assert "plain.tif" in str(e.value)


def test_an_image_crs_proj_cannot_relate_is_refused_by_name(tmp_path):
    path = str(tmp_path / "local.tif")
    ds = gdal.GetDriverByName("GTiff").Create(path, 20, 20, 3, gdal.GDT_Byte)
    ds.SetGeoTransform((0, 1, 0, 20, 0, -1))
    ds.SetProjection('LOCAL_CS["arbitrary",UNIT["metre",1],AXIS["Easting",EAST],'
                     'AXIS["Northing",NORTH]]')
    ds = None
    with pytest.raises(InputError, match="坐标系") as e:
        Image(path, WORKING.to_wkt(), "后时相")
    assert "local.tif" in str(e.value)


def test_the_chip_transform_places_its_pixels_on_the_window_it_was_read_from(tmp_path):
    path, _ = gradient(tmp_path / "g.tif", 4529)
    with Image(path, WORKING.to_wkt(), "后时相") as image:
        chip = chip_of(image, PATCH, max_pixels=2000, min_pixels=300)
        source = gdal.Open(path).GetGeoTransform()
    w = chip.window
    assert (chip.transform.x0, chip.transform.y0) == pytest.approx(
        gdal.ApplyGeoTransform(source, w.col, w.row))
    assert chip.transform.dx * chip.width == pytest.approx(source[1] * w.width)
    assert chip.transform.dy * chip.height == pytest.approx(source[5] * w.height)


def test_the_date_is_stamped_white_on_black_in_the_lower_left_corner(tmp_path):
    path, _ = gradient(tmp_path / "g.tif", 4529)
    with Image(path, WORKING.to_wkt(), "后时相") as image:
        chip = chip_of(image, PATCH, max_pixels=CHIP_PIXELS, min_pixels=MIN_CHIP_PIXELS)
    before = chip.data.copy()
    stamp_date(chip, "2024-10-01")
    corner = chip.data[:, -12:, :60]
    assert (corner.min(axis=0) == 255).any() and (corner.max(axis=0) == 0).any()
    assert np.array_equal(chip.data[:, :-20, :], before[:, :-20, :])  # the rest untouched


def test_a_chip_file_is_a_jpeg_of_the_chip(tmp_path):
    path, _ = gradient(tmp_path / "g.tif", 4529)
    with Image(path, WORKING.to_wkt(), "后时相") as image:
        chip = chip_of(image, PATCH, max_pixels=CHIP_PIXELS, min_pixels=MIN_CHIP_PIXELS)
    picture = PILImage.open(io.BytesIO(jpeg_bytes(chip, full_colour=False)))
    assert picture.format == "JPEG" and picture.size == (chip.width, chip.height)
    decoded = np.asarray(picture.convert("RGB")).transpose(2, 0, 1).astype(int)
    assert np.abs(decoded - chip.data.astype(int)).mean() < 4


def test_ids_unsafe_in_file_names_get_distinct_names():
    stems = file_stems(["A/1", "A?1", "A_1", "图斑-7", "JC 1"])
    assert stems["A_1"] == "A_1" and stems["图斑-7"] == "图斑-7"
    assert len(set(stems.values())) == 5
    for pid in ("A/1", "A?1", "JC 1"):
        assert stems[pid].startswith(pid.replace("/", "_").replace("?", "_").replace(" ", "_") + "~")
        assert not set('/\\?*:|"<> ') & set(stems[pid])


def test_over_long_ids_get_bounded_distinct_names():
    ids = ["X" * 300 + "1", "X" * 300 + "2", "图" * 200]
    stems = file_stems(ids)
    assert len(set(stems.values())) == 3
    for stem in stems.values():
        assert len(stem) <= MAX_STEM + 11
        assert len(f"{stem}_后时相.jpg".encode("utf-8")) < 255


def test_ids_that_differ_only_in_letter_case_get_names_that_differ_ignoring_case():
    stems = file_stems(["ab1", "AB1", "Ab2"])
    assert stems["Ab2"] == "Ab2"
    assert stems["ab1"].casefold() != stems["AB1"].casefold()
