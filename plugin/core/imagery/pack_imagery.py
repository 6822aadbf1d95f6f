"""The imagery a field pack carries: each image cut down to the blocks around the flagged
patches and written inside the pack, so the pack works with no office copy behind it.

The copy keeps the image's own pixel grid and CRS. Only the 256-pixel blocks that some patch's
chip square touches are written (a sparse GeoTIFF: blocks never written take no space and are
transparent through the internal mask), JPEG-compressed (YCbCr) with overviews, so a county's
scattered patches cost a fraction of the image. Images that are not 8-bit are stretched to
8 bits with one stretch for the whole image (the 2nd–98th percentile of an overview), so
blocks match each other.
"""

from dataclasses import dataclass
from typing import List, Optional, Sequence, Set, Tuple

import numpy as np
from osgeo import gdal

from ..errors import InputError
from ..io.atomic import replacing
from ..progress import Steps
from .image import Image
from .window_reader import Window

gdal.UseExceptions()

BLOCK = 256
JPEG_QUALITY = 80
_SAMPLE = 1024  # pixels on the longer side of the overview read for the stretch


@dataclass
class PackImage:
    """One image as the pack holds it."""

    label: str
    path: str
    blocks: int
    width: int
    height: int


def clip_image(image_path: str, crs_wkt: str, wkbs: Sequence[bytes], out_path: str,
               label: str, steps: Optional[Steps] = None, span=(0.0, 1.0)) -> Optional[PackImage]:
    """Write the blocks of ``image_path`` around the patches ``wkbs`` (working CRS) to
    ``out_path`` (GeoTIFF); None when no patch lies on the image. Written whole or not at
    all."""
    steps = steps or Steps()
    with Image(image_path, crs_wkt, label) as image:
        size = (image.reader.width, image.reader.height)
        windows = [w.inside(*size) for w, _ in image.outlines(wkbs) if w is not None]
        windows = [w for w in windows if w is not None]
        if not windows:
            return None
        origin, size, blocks = _block_grid(windows)
        with replacing(out_path, ".tif") as tmp:
            _write_blocks(image.reader, origin, size, blocks, tmp, steps, span)
        return PackImage(label, out_path, len(blocks), *size)


def _block_grid(windows: List[Window]) -> Tuple[Tuple[int, int], Tuple[int, int], List[Tuple[int, int]]]:
    """(origin col/row in the image, (width, height) of the copy, blocks (bx, by) to copy in
    row order) for the union of ``windows``."""
    col0 = min(w.col for w in windows)
    row0 = min(w.row for w in windows)
    width = max(w.col + w.width for w in windows) - col0
    height = max(w.row + w.height for w in windows) - row0
    blocks: Set[Tuple[int, int]] = set()
    for w in windows:
        for by in range((w.row - row0) // BLOCK, (w.row + w.height - 1 - row0) // BLOCK + 1):
            for bx in range((w.col - col0) // BLOCK, (w.col + w.width - 1 - col0) // BLOCK + 1):
                blocks.add((bx, by))
    return (col0, row0), (width, height), sorted(blocks, key=lambda b: (b[1], b[0]))


def _write_blocks(reader, origin, size, blocks, path, steps, span):
    bands = [1, 2, 3] if reader.count >= 3 else [1]
    stretch = _stretch(reader, bands)
    options = ["TILED=YES", f"BLOCKXSIZE={BLOCK}", f"BLOCKYSIZE={BLOCK}", "COMPRESS=JPEG",
               f"JPEG_QUALITY={JPEG_QUALITY}", "SPARSE_OK=TRUE", "BIGTIFF=IF_SAFER"]
    if len(bands) == 3:
        options.append("PHOTOMETRIC=YCBCR")
    previous = {key: gdal.GetConfigOption(key) for key in _OVERVIEW_OPTIONS}
    try:
        for key, value in _OVERVIEW_OPTIONS.items():
            gdal.SetConfigOption(key, value if len(bands) == 3 or key != "PHOTOMETRIC_OVERVIEW"
                                 else None)
        out = gdal.GetDriverByName("GTiff").Create(path, size[0], size[1], len(bands),
                                                   gdal.GDT_Byte, options)
        gt = reader.geotransform.of_window(Window(origin[0], origin[1], *size), *size)
        out.SetGeoTransform((gt.x0, gt.dx, gt.rx, gt.y0, gt.ry, gt.dy))
        if reader.crs_wkt:
            out.SetProjection(reader.crs_wkt)
        out.CreateMaskBand(gdal.GMF_PER_DATASET)
        mask = out.GetRasterBand(1).GetMaskBand()
        for bx, by in steps.over(blocks, len(blocks), *span, "写出外业数据包中的影像"):
            block = Window(origin[0] + bx * BLOCK, origin[1] + by * BLOCK, BLOCK, BLOCK)
            block = block.inside(min(reader.width, origin[0] + size[0]),
                                 min(reader.height, origin[1] + size[1]))
            data = reader.read(bands, block, block.width, block.height)
            at = (block.col - origin[0], block.row - origin[1])
            out.WriteRaster(*at, block.width, block.height, _to_bytes(data, stretch).tobytes())
            valid = ~np.ma.getmaskarray(data).any(axis=0)
            mask.WriteArray(np.where(valid, 255, 0).astype("uint8"), *at)
        out.BuildOverviews("AVERAGE", _overview_levels(size))
        out = None
    except RuntimeError as e:
        raise InputError(f"无法写出外业数据包中的影像 ({e})", layer=path) from e
    finally:
        for key, value in previous.items():
            gdal.SetConfigOption(key, value)


# Overviews compressed like the image; the mask inside the file, not in a .msk beside it.
_OVERVIEW_OPTIONS = {"COMPRESS_OVERVIEW": "JPEG", "JPEG_QUALITY_OVERVIEW": str(JPEG_QUALITY),
                     "PHOTOMETRIC_OVERVIEW": "YCBCR", "INTERLEAVE_OVERVIEW": "PIXEL",
                     "SPARSE_OK_OVERVIEW": "ON", "GDAL_TIFF_INTERNAL_MASK": "YES"}


def _overview_levels(size) -> List[int]:
    levels, factor = [], 2
    while max(size) / factor >= BLOCK:
        levels.append(factor)
        factor *= 2
    return levels


def _stretch(reader, bands):
    """(low, high) per band for images that are not 8-bit, None for 8-bit ones."""
    if reader.dtype == np.uint8:
        return None
    scale = max(reader.width, reader.height) / _SAMPLE
    width, height = (max(1, round(reader.width / scale)), max(1, round(reader.height / scale))) \
        if scale > 1 else (reader.width, reader.height)
    sample = reader.read(bands, Window(0, 0, reader.width, reader.height), width, height)
    out = []
    for band in sample:
        values = np.ma.compressed(band)
        values = values[np.isfinite(values)]
        out.append(tuple(np.percentile(values, [2, 98])) if values.size else (0.0, 1.0))
    return out


def _to_bytes(data, stretch):
    values = np.ma.getdata(data)
    if stretch is None:
        return values
    out = np.empty(values.shape, dtype="uint8")
    for k, (lo, hi) in enumerate(stretch):
        scaled = (values[k].astype("float64") - lo) / max(hi - lo, 1e-12) * 255
        out[k] = np.clip(np.nan_to_num(scaled), 0, 255)
    return out
