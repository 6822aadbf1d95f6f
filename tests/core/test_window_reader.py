"""The image window reader: rasterio where it imports, GDAL's own bindings otherwise, and the
same pixels either way.

The images are written here with GDAL; the two readers are compared with each other on the
same requests (windows inside and across the image edge, shrunk and enlarged, with and without
nodata), and each against a plain GDAL ``ReadAsArray`` of the window at full resolution.
"""

import builtins
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from osgeo import gdal, osr

from plugin.core.errors import InputError
from plugin.core.imagery.window_reader import GdalReader, RasterioReader, Window, open_image

REPO = Path(__file__).resolve().parents[2]


def image(path, dtype=gdal.GDT_Byte, bands=3, nodata=None, seed=1):
    """A 300 × 200 image of random values in EPSG:4529, 1 m pixels; the first 50 columns
    hold the nodata value when there is one."""
    ds = gdal.GetDriverByName("GTiff").Create(str(path), 300, 200, bands, dtype,
                                              ["TILED=YES", "BLOCKXSIZE=64", "BLOCKYSIZE=64"])
    ds.SetGeoTransform((41_500_000, 1, 0, 4_400_200, 0, -1))
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(4529)
    ds.SetProjection(srs.ExportToWkt())
    rng = np.random.default_rng(seed)
    for b in range(1, bands + 1):
        values = rng.integers(1, 250, (200, 300))
        if nodata is not None:
            values[:, :50] = nodata
            ds.GetRasterBand(b).SetNoDataValue(nodata)
        ds.GetRasterBand(b).WriteArray(values)
    ds = None
    return str(path)


REQUESTS = [  # (window, output width, output height)
    (Window(20, 20, 100, 100), 100, 100),   # as it is
    (Window(0, 0, 110, 85), 40, 30),        # shrunk (averaged), across the nodata edge
    (Window(30, 10, 77, 53), 31, 19),       # shrunk by an odd factor
    (Window(200, 150, 20, 10), 60, 30),     # enlarged
]


@pytest.mark.parametrize("dtype,nodata", [(gdal.GDT_Byte, None), (gdal.GDT_Byte, 0),
                                          (gdal.GDT_UInt16, 0), (gdal.GDT_Float32, -9999)])
@pytest.mark.parametrize("window,width,height", REQUESTS)
def test_rasterio_and_gdal_readers_give_the_same_pixels_and_mask(tmp_path, dtype, nodata, window,
                                                                 width, height):
    pytest.importorskip("rasterio")
    path = image(tmp_path / "i.tif", dtype, nodata=nodata)
    gdal_reader, rasterio_reader = GdalReader(path), RasterioReader(path)
    try:
        a = gdal_reader.read([1, 2, 3], window, width, height)
        b = rasterio_reader.read([1, 2, 3], window, width, height)
    finally:
        gdal_reader.close()
        rasterio_reader.close()
    assert a.shape == b.shape == (3, height, width)
    assert np.array_equal(np.ma.getdata(a), np.ma.getdata(b))
    assert np.array_equal(np.ma.getmaskarray(a), np.ma.getmaskarray(b))
    if nodata is not None and window.col < 50:
        assert np.ma.getmaskarray(a).any()


@pytest.mark.parametrize("reader", [GdalReader, RasterioReader])
def test_a_full_resolution_read_is_the_window_of_the_file(tmp_path, reader):
    if reader is RasterioReader:
        pytest.importorskip("rasterio")
    path = image(tmp_path / "i.tif", nodata=0)
    expected = gdal.Open(path).ReadAsArray(60, 40, 90, 70)
    opened = reader(path)
    try:
        got = opened.read([1, 2, 3], Window(60, 40, 90, 70), 90, 70)
        assert (opened.width, opened.height, opened.count) == (300, 200, 3)
        assert opened.geotransform.to_pixel(41_500_060.5, 4_400_160.5) == pytest.approx((60.5, 39.5))
    finally:
        opened.close()
    assert np.array_equal(np.ma.getdata(got), expected)
    assert not np.ma.getmaskarray(got).any()


def test_a_window_is_cut_to_the_image_or_is_none_outside_it():
    assert Window(-10, -5, 30, 20).inside(300, 200) == Window(0, 0, 20, 15)
    assert Window(290, 195, 30, 20).inside(300, 200) == Window(290, 195, 10, 5)
    assert Window(300, 0, 10, 10).inside(300, 200) is None
    assert Window(-20, 0, 20, 10).inside(300, 200) is None


def test_a_file_that_is_no_image_is_an_input_error_naming_it(tmp_path):
    path = tmp_path / "broken.tif"
    path.write_bytes(b"not a tiff")
    with pytest.raises(InputError, match="broken.tif"):
        GdalReader(str(path))


def test_without_rasterio_the_gdal_reader_is_used(tmp_path, monkeypatch):
    path = image(tmp_path / "i.tif")
    for name in [m for m in sys.modules if m == "rasterio" or m.startswith("rasterio.")]:
        monkeypatch.delitem(sys.modules, name)
    real_import = builtins.__import__

    def blocked(name, *args, **kwargs):
        if name == "rasterio" or name.startswith("rasterio."):
            raise ImportError(f"No module named {name!r} (hidden by the test)")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", blocked)
    reader = open_image(path)
    try:
        assert reader.backend == "gdal"
    finally:
        reader.close()


def test_with_rasterio_its_reader_is_used(tmp_path):
    pytest.importorskip("rasterio")
    reader = open_image(image(tmp_path / "i.tif"))
    try:
        assert reader.backend == "rasterio"
    finally:
        reader.close()


BLOCKER = """
import builtins, sys
real = builtins.__import__
def blocked(name, *args, **kwargs):
    if name == "rasterio" or name.startswith("rasterio."):
        raise ImportError("No module named 'rasterio' (hidden by the test)")
    return real(name, *args, **kwargs)
builtins.__import__ = blocked
"""


def test_field_pack_and_ledger_thumbnails_work_without_rasterio(tmp_path):
    """A fresh interpreter where rasterio cannot be imported: the demo county's field pack with
    both images and a ledger with thumbnail columns are written, and rasterio was never loaded."""
    script = BLOCKER + """
from plugin.core.analysis import run_analysis
from plugin.core.fieldwork.pack import prepare_fieldpack
from plugin.core.job import load_job
from plugin.core.ledger.export import export_ledger
out, demo = sys.argv[1], "resources/demo/"
result = run_analysis(load_job(demo + "job.yaml"), out).result_path
pack = prepare_fieldpack(result, out + "/pack", demo + "data/before.tif", demo + "data/after.tif")
report = export_ledger(result, out + "/ledger.xlsx",
                       images={"前时相": demo + "data/before.tif", "后时相": demo + "data/after.tif"})
print(len(pack.chips), pack.patches, report.rows, sorted(pack.images))
assert not [m for m in sys.modules if m.startswith("rasterio")]
"""
    run = subprocess.run([sys.executable, "-c", script, str(tmp_path)], cwd=REPO,
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    chips, patches, rows, images = run.stdout.split(maxsplit=3)
    assert int(chips) == 2 * int(patches) > 0
    assert int(rows) == int(patches)
    assert images.strip() == "['前时相', '后时相']"
