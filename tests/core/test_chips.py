"""Image chips from images in other CRSs, with nodata, or without georeferencing.

The oracle images are gradients (red = column, green = row, blue 128), so the median colour
of a chip's pixels away from the outline says which pixel is at its centre; the expected
pixel is found with pyproj and rasterio's ``index`` on the patch's centre.
"""

import numpy as np
import pytest
import rasterio
from osgeo import gdal
from pyproj import CRS, Transformer
from rasterio.transform import from_bounds
from shapely.geometry import box

from plugin.core.imagery.chips import Image, write_png
from plugin.core.errors import InputError

WORKING = CRS.from_epsg(4529)  # CGCS2000 GK zone 41, prefixed eastings
PATCH = box(41_500_000, 4_400_000, 41_500_060, 4_400_040)  # 60 m × 40 m
SIDE = 250


def gradient(path, epsg, half_m=600.0, nodata=None, dtype="uint8"):
    """A SIDE² gradient image in ``epsg`` covering the patch's centre ± ``half_m`` metres."""
    to_image = Transformer.from_crs(WORKING, f"EPSG:{epsg}", always_xy=True)
    c = PATCH.centroid
    bounds = to_image.transform_bounds(c.x - half_m, c.y - half_m, c.x + half_m, c.y + half_m)
    cols, rows = np.meshgrid(np.arange(SIDE), np.arange(SIDE))
    data = np.stack([cols, rows, np.full_like(cols, 128)]).astype(dtype)
    with rasterio.open(path, "w", driver="GTiff", width=SIDE, height=SIDE, count=3, dtype=dtype,
                       crs=f"EPSG:{epsg}", transform=from_bounds(*bounds, SIDE, SIDE),
                       nodata=nodata) as dst:
        dst.write(data)
    return str(path), to_image


@pytest.mark.parametrize("epsg", [4529, 4545, 3857, 4490])
def test_the_chip_shows_the_patch_with_the_same_ground_margin_in_any_image_crs(tmp_path, epsg):
    path, to_image = gradient(tmp_path / f"e{epsg}.tif", epsg)
    with Image(path, WORKING.to_wkt(), "后时相") as image:
        chip = image.chip(PATCH, max_pixels=2000)
        expected_row, expected_col = image.src.index(*to_image.transform(*PATCH.centroid.coords[0]))
        # the square is the patch's larger side (60 m) + 2 × 40 m of margin = 140 m
        ground = abs(image.src.transform.a) * chip.window.width
    away = np.abs(chip.data[2].astype(int) - 128) <= 4
    assert abs(np.median(chip.data[0][away]) - expected_col) <= 1.5
    assert abs(np.median(chip.data[1][away]) - expected_row) <= 1.5
    pixel_m = 1200 / SIDE  # the image spans ~1200 m in every CRS
    # other CRSs turn the square (convergence, scale): its bounding box in the image is larger
    assert 140 / pixel_m - 2 <= chip.window.width <= 1.25 * 140 / pixel_m + 2
    if epsg == 4529:
        assert ground == pytest.approx(140, abs=2 * pixel_m)


def test_nodata_is_white_and_left_out_of_the_stretch(tmp_path):
    path = tmp_path / "u16.tif"
    with rasterio.open(path, "w", driver="GTiff", width=200, height=200, count=1, dtype="uint16",
                       crs="EPSG:4529", nodata=0,
                       transform=from_bounds(41_499_900, 4_399_900, 41_500_100, 4_400_100, 200, 200)
                       ) as dst:
        data = np.random.default_rng(3).integers(3000, 4000, (1, 200, 200)).astype("uint16")
        data[:, :, :100] = 0
        dst.write(data)
    with Image(str(path), WORKING.to_wkt(), "前时相") as image:
        # a 20 m patch 10 m east of the nodata edge: its 100 m chip starts 30 m into nodata
        chip = image.chip(box(41_500_010, 4_399_990, 41_500_030, 4_400_010), max_pixels=2000)
    west, east = chip.data[:, :, : chip.width // 4], chip.data[:, :, chip.width // 2:]
    assert (west == 255).all()
    assert east.min() <= 10 and east.max() >= 245  # the valid values use the whole range


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


def test_a_png_chip_is_placed_by_its_world_file_and_crs(tmp_path):
    path, _ = gradient(tmp_path / "g.tif", 4529)
    with Image(path, WORKING.to_wkt(), "后时相") as image:
        chip = image.chip(PATCH, max_pixels=30)
        write_png(chip, image.srs_wkt, str(tmp_path / "c.png"))
    with rasterio.open(tmp_path / "c.png") as png:
        assert png.crs.to_epsg() == 4529
        assert png.transform.almost_equals(chip.transform)
        assert (png.read() == chip.data).all()
