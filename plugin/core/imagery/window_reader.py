"""One image read window by window, through rasterio where it imports and GDAL's own bindings
(``osgeo``, part of every QGIS) otherwise.

Both readers hand GDAL the same request (window, output size, average resampling, band list) and
read the validity masks the same way, so they give the same pixels; rasterio is only preferred
where it is installed because it is what the engine used first. Large images are never read
whole: a window wider than its output is shrunk by GDAL, from an overview when there is one.
"""

import math
import warnings
from dataclasses import dataclass
from typing import Optional, Sequence

import numpy as np
from osgeo import gdal

from ..errors import InputError

gdal.UseExceptions()


@dataclass(frozen=True)
class Window:
    """A block of pixels: first column and row, width and height."""

    col: int
    row: int
    width: int
    height: int

    def inside(self, width: int, height: int) -> Optional["Window"]:
        """The part of the window inside an image of ``width`` × ``height`` pixels, or None."""
        col, row = max(self.col, 0), max(self.row, 0)
        right, bottom = min(self.col + self.width, width), min(self.row + self.height, height)
        if right <= col or bottom <= row:
            return None
        return Window(col, row, right - col, bottom - row)


@dataclass(frozen=True)
class GeoTransform:
    """GDAL's six numbers: x = x0 + col·dx + row·rx, y = y0 + col·ry + row·dy."""

    x0: float
    dx: float
    rx: float
    y0: float
    ry: float
    dy: float

    @property
    def is_identity(self) -> bool:
        return (self.x0, self.dx, self.rx, self.y0, self.ry, self.dy) == (0, 1, 0, 0, 0, 1)

    def to_pixel(self, x, y):
        """(col, row) of map coordinates (scalars or numpy arrays)."""
        det = self.dx * self.dy - self.rx * self.ry
        u, v = np.asarray(x, dtype="float64") - self.x0, np.asarray(y, dtype="float64") - self.y0
        return (u * self.dy - v * self.rx) / det, (v * self.dx - u * self.ry) / det

    def of_window(self, window: Window, width: int, height: int) -> "GeoTransform":
        """The transform of ``window`` read into ``width`` × ``height`` pixels."""
        sx, sy = window.width / width, window.height / height
        x0 = self.x0 + window.col * self.dx + window.row * self.rx
        y0 = self.y0 + window.col * self.ry + window.row * self.dy
        return GeoTransform(x0, self.dx * sx, self.rx * sy, y0, self.ry * sx, self.dy * sy)

    def pixel_window(self, bounds) -> Window:
        """The whole pixels covering ``bounds`` (minx, miny, maxx, maxy); it may extend beyond
        the image."""
        minx, miny, maxx, maxy = bounds
        cols, rows = self.to_pixel([minx, minx, maxx, maxx], [miny, maxy, miny, maxy])
        col, row = math.floor(cols.min()), math.floor(rows.min())
        return Window(col, row, math.ceil(cols.max()) - col, math.ceil(rows.max()) - row)


class GdalReader:
    """An image opened with GDAL's own Python bindings."""

    backend = "gdal"

    def __init__(self, path: str):
        try:
            self._ds = gdal.OpenEx(path, gdal.OF_RASTER | gdal.OF_READONLY)
        except RuntimeError as e:
            raise InputError(f"无法读取影像 ({e})", layer=path) from e
        ds = self._ds
        self.width, self.height, self.count = ds.RasterXSize, ds.RasterYSize, ds.RasterCount
        self.geotransform = GeoTransform(*ds.GetGeoTransform())
        self.has_gcps = ds.GetGCPCount() > 0
        self.crs_wkt = ds.GetProjection() or None
        self.dtype = np.dtype(gdal.GetDataTypeName(ds.GetRasterBand(1).DataType).lower()
                              .replace("byte", "uint8"))
        self._all_valid = all(ds.GetRasterBand(b).GetMaskFlags() == gdal.GMF_ALL_VALID
                              for b in range(1, self.count + 1))

    def read(self, bands: Sequence[int], window: Window, width: int, height: int):
        """Bands (1-based) of ``window`` averaged into ``width`` × ``height``: a masked array
        (bands, height, width), masked where the image has no data."""
        w = (window.col, window.row, window.width, window.height)
        data = self._ds.ReadAsArray(*w, buf_xsize=width, buf_ysize=height, band_list=list(bands),
                                    resample_alg=gdal.GRIORA_Average)
        data = data.reshape(len(bands), height, width)
        if self._all_valid:
            return np.ma.MaskedArray(data, mask=np.ma.nomask)
        valid = np.stack([self._ds.GetRasterBand(b).GetMaskBand().ReadAsArray(
            *w, buf_xsize=width, buf_ysize=height, resample_alg=gdal.GRIORA_Average)
            for b in bands])
        return np.ma.MaskedArray(data, mask=valid == 0)

    def close(self):
        self._ds = None


class RasterioReader:
    """An image opened with rasterio (one GDAL environment for all its reads: rasterio would
    otherwise set one up per call, ~1 ms)."""

    backend = "rasterio"

    def __init__(self, path: str):
        import rasterio
        import rasterio.errors

        self._env = rasterio.Env()
        self._env.__enter__()
        try:
            with warnings.catch_warnings():  # no georeferencing: the caller says so in Chinese
                warnings.simplefilter("ignore", rasterio.errors.NotGeoreferencedWarning)
                self._src = rasterio.open(path)
        except rasterio.errors.RasterioIOError as e:
            self._env.__exit__(None, None, None)
            raise InputError(f"无法读取影像 ({e})", layer=path) from e
        src = self._src
        self.width, self.height, self.count = src.width, src.height, src.count
        self.geotransform = GeoTransform(*src.transform.to_gdal())
        self.has_gcps = bool(src.gcps[0])
        self.crs_wkt = src.crs.to_wkt() if src.crs else None
        self.dtype = np.dtype(src.dtypes[0])

    def read(self, bands: Sequence[int], window: Window, width: int, height: int):
        """As :meth:`GdalReader.read`."""
        from rasterio.enums import Resampling
        from rasterio.windows import Window as RioWindow

        return self._src.read(list(bands), window=RioWindow(window.col, window.row, window.width,
                                                            window.height),
                              out_shape=(len(bands), height, width),
                              resampling=Resampling.average, masked=True)

    def close(self):
        self._src.close()
        self._env.__exit__(None, None, None)


def open_image(path: str):
    """The image at ``path`` for windowed reads: rasterio's reader where rasterio imports,
    GDAL's otherwise. InputError when neither can open it."""
    try:
        import rasterio  # noqa: F401 - only whether it is there
    except ImportError:
        return GdalReader(path)
    return RasterioReader(path)

