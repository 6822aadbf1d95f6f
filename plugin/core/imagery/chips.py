"""Imagery chips: a window of a before or after image around a patch, its outline drawn in.

Field sheets place chips as PNG files (georeferenced by a world file); the ledger embeds small
JPEG thumbnails of the same windows. Large GeoTIFFs are never read whole: each chip is one
windowed read, shrunk on the fly (GDAL then reads from an overview when the file has one).
A patch outside an image gets no chip and a note, never an error.
"""

import io
import math
import os
from dataclasses import dataclass
from typing import Dict, Iterable, List, Optional, Tuple

import numpy as np
import rasterio
import rasterio.errors
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError, ProjError
from rasterio import features as rio_features
from rasterio.enums import Resampling
from rasterio.transform import Affine
from rasterio.windows import Window
from shapely.geometry import mapping
from shapely.ops import transform as shapely_transform

from ..errors import InputError, Note
from ..io.xml_text import xml_escape

# outline colour per verdict (RGB); also the field data's KML line colours
VERDICT_COLOURS = {"违法": (230, 0, 0), "需核实": (255, 170, 0)}
DEFAULT_COLOUR = (255, 0, 0)


def outline_colour(verdict) -> tuple:
    return VERDICT_COLOURS.get(verdict, DEFAULT_COLOUR)


@dataclass
class Chip:
    """One PNG cut from one image around one patch; ``transform`` georeferences its pixels."""

    patch_id: str
    label: str
    path: str
    window: Window
    width: int
    height: int
    transform: Affine


@dataclass
class ChipPixels:
    """A chip in memory: RGB bytes (3, height, width) with the outline drawn, the window it
    was read from and the transform of its (possibly shrunk) pixels."""

    data: np.ndarray
    window: Window
    transform: Affine

    @property
    def width(self) -> int:
        return int(self.data.shape[2])

    @property
    def height(self) -> int:
        return int(self.data.shape[1])


def chip_bounds(bounds, margin_m: float = 40.0, margin_ratio: float = 0.3):
    """The square (minx, miny, maxx, maxy) a chip shows around a patch's ``bounds`` in a metric
    CRS: a margin of at least ``margin_m`` metres or ``margin_ratio`` of its larger side."""
    minx, miny, maxx, maxy = bounds
    side = max(maxx - minx, maxy - miny)
    half = side / 2 + max(margin_m, margin_ratio * side)
    cx, cy = (minx + maxx) / 2, (miny + maxy) / 2
    return cx - half, cy - half, cx + half, cy + half


def pixel_window(bounds, transform: Affine) -> Window:
    """The pixels covering ``bounds`` (image CRS), snapped out to whole pixels; it may extend
    beyond the image."""
    minx, miny, maxx, maxy = bounds
    # the inverse transform directly: rasterio's from_bounds sets up a GDAL environment per call
    inverse = ~transform
    corners = [inverse * (x, y) for x in (minx, maxx) for y in (miny, maxy)]
    cols, rows = [c for c, _ in corners], [r for _, r in corners]
    col, row = math.floor(min(cols)), math.floor(min(rows))
    return Window(col, row, math.ceil(max(cols)) - col, math.ceil(max(rows)) - row)


def chip_window(bounds, transform: Affine, margin_m: float = 40.0,
                margin_ratio: float = 0.3) -> Window:
    """The pixel window of :func:`chip_bounds` for an image in the same metric CRS."""
    return pixel_window(chip_bounds(bounds, margin_m, margin_ratio), transform)


def read_chip(src, geometry, window: Window, colour=DEFAULT_COLOUR, max_pixels: int = 600,
              fit: bool = False) -> Optional[ChipPixels]:
    """The chip of ``window`` from the open rasterio dataset ``src``, ``geometry`` (image CRS)
    outlined; None when the window lies outside the image. Windows wider than ``max_pixels``
    are read shrunk; with ``fit`` smaller ones are enlarged too (pixel copies), so every chip
    has the same size. Nodata pixels are white."""
    try:
        window = window.intersection(Window(0, 0, src.width, src.height))
    except rasterio.errors.WindowError:
        return None
    window = Window(int(window.col_off), int(window.row_off), int(window.width), int(window.height))
    if window.width <= 0 or window.height <= 0:
        return None
    scale = max(window.width, window.height) / max_pixels
    width, height = int(window.width), int(window.height)
    if scale > 1 or fit:
        width, height = max(1, round(width / scale)), max(1, round(height / scale))
    bands = [1, 2, 3] if src.count >= 3 else [1, 1, 1]
    data = _to_bytes(src.read(bands, window=window, out_shape=(3, height, width),
                              resampling=Resampling.average, masked=True))
    transform = src.window_transform(window) * Affine.scale(window.width / width,
                                                            window.height / height)
    outline = rio_features.rasterize([(mapping(geometry.boundary), 1)], out_shape=(height, width),
                                     transform=transform, all_touched=True, dtype="uint8")
    for band, value in enumerate(colour):
        data[band][outline == 1] = value
    return ChipPixels(data, window, transform)


def _to_bytes(data):
    """RGB bytes of a masked read: uint8 as it is, other types stretched between the 2nd and
    98th percentile of the valid pixels (nodata would pull the stretch down); nodata white."""
    mask = np.ma.getmaskarray(data)
    values = np.ma.getdata(data)
    if values.dtype == np.uint8:
        out = values.copy()
    else:
        valid = values[~mask & np.isfinite(values)]
        lo, hi = np.percentile(valid, [2, 98]) if valid.size else (0.0, 1.0)
        scaled = (values.astype("float64") - lo) / max(hi - lo, 1e-12) * 255
        out = np.clip(np.nan_to_num(scaled), 0, 255).astype("uint8")
    out[mask] = 255
    return out


def write_png(pixels: ChipPixels, srs_wkt: Optional[str], path: str) -> None:
    """The chip as PNG, placed for GIS software by a world file (``.wld``) and its CRS in a
    ``.aux.xml`` beside it, as GDAL itself writes them (Pillow writes the PNG: through GDAL
    each file costs a temporary dataset, ~6 ms, which counts at 10⁴ chips)."""
    from PIL import Image as PILImage

    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    PILImage.fromarray(np.ascontiguousarray(pixels.data.transpose(1, 2, 0))).save(path, "PNG")
    t = pixels.transform
    centre_x, centre_y = t * (0.5, 0.5)  # a world file names the centre of the first pixel
    with open(os.path.splitext(path)[0] + ".wld", "w", encoding="ascii") as f:
        f.write("".join(f"{v!r}\n" for v in (t.a, t.d, t.b, t.e, centre_x, centre_y)))
    if srs_wkt:
        with open(path + ".aux.xml", "w", encoding="utf-8") as f:
            f.write(f"<PAMDataset>\n  <SRS>{xml_escape(srs_wkt)}</SRS>\n</PAMDataset>\n")


def jpeg_bytes(pixels: ChipPixels, quality: int = 85) -> bytes:
    """The chip as a JPEG file's bytes (what a workbook embeds: a tenth of the PNG's size)."""
    try:
        from PIL import Image
    except ImportError as e:  # Debian: python3-pil; QGIS on Windows ships Pillow
        raise InputError("嵌入影像缩略图需要 Pillow (Debian/Ubuntu: python3-pil)") from e
    buffer = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(pixels.data.transpose(1, 2, 0))).save(
        buffer, format="JPEG", quality=quality, subsampling=0)  # 4:4:4 keeps the outline crisp
    return buffer.getvalue()


def chip_file_name(patch_id: str, label: str) -> str:
    """``<patch id>_<label>.png``, characters unsafe in file names replaced by ``_``."""
    safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in patch_id)
    return f"{safe}_{label}.png"


class Image:
    """One before or after image, open for chips of patches given in the working CRS."""

    def __init__(self, path: str, crs_wkt: str, label: str):
        if not os.path.isfile(path):
            raise InputError("影像文件不存在", layer=path)
        # one GDAL environment for all reads: rasterio otherwise starts one per call (~1 ms)
        self._env = rasterio.Env()
        self._env.__enter__()
        try:
            self.src = rasterio.open(path)
            if self.src.transform.is_identity and not self.src.gcps[0]:
                raise InputError(f"{label}影像没有地理参考 (坐标和坐标系)，无法对应到图斑",
                                 layer=path)
            self.srs_wkt = self.src.crs.to_wkt() if self.src.crs else None
            self._transformer = _transformer(crs_wkt, self.src.crs, label, path)
        except rasterio.errors.RasterioIOError as e:
            self.close()
            raise InputError(f"无法读取{label}影像 ({e})", layer=path) from e
        except BaseException:
            self.close()
            raise
        self.path, self.label = path, label

    def chip(self, geometry, colour=DEFAULT_COLOUR, max_pixels: int = 600,
             fit: bool = False) -> Optional[ChipPixels]:
        """The chip around ``geometry`` (working CRS). The square around it is laid out in the
        working CRS (metres) and then taken into the image's, so a margin of 40 m stays 40 m
        on an image in degrees."""
        square = chip_bounds(geometry.bounds)
        if self._transformer is not None:
            try:
                square = self._transformer.transform_bounds(*square, densify_pts=21)
                geometry = shapely_transform(self._transformer.transform, geometry)
            except ProjError as e:
                raise InputError(f"图斑无法转换到{self.label}影像的坐标系 ({e})",
                                 layer=self.path) from e
        window = pixel_window(square, self.src.transform)
        return read_chip(self.src, geometry, window, colour, max_pixels, fit)

    def close(self):
        if getattr(self, "src", None) is not None:
            self.src.close()
        self._env.__exit__(None, None, None)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def _transformer(crs_wkt: str, image_crs, label: str, path: str) -> Optional[Transformer]:
    """Working CRS → the image's; None when they are the same (an image without a CRS is taken
    to be in the working one). InputError when PROJ cannot relate the two."""
    source = CRS.from_wkt(crs_wkt)
    if image_crs is None:
        return None
    try:
        target = CRS.from_user_input(image_crs)
        if source == target:
            return None
        return Transformer.from_crs(source, target, always_xy=True)
    except (CRSError, ProjError) as e:
        raise InputError(f"{label}影像的坐标系无法与结果的坐标系转换 ({e})", layer=path) from e


def outside_note(image_path: str, patch_id: str, label: str) -> Note:
    return Note(layer=os.path.basename(image_path), feature=patch_id,
                message=f"图斑 {patch_id} 不在影像范围内，未生成{label}切片")


def chips_inside(image_path: str, crs_wkt: str, patches: Iterable[Tuple[str, object, tuple]],
                 label: str, max_pixels: int, notes: List[Note], fit=False):
    """(patch id, ChipPixels, image CRS as WKT) of each (patch id, geometry in the working CRS,
    outline colour) inside one image, one at a time; a note in ``notes`` for each patch
    outside. ``patches`` may be a generator that reports progress and raises on cancel."""
    with Image(image_path, crs_wkt, label) as image:
        for patch_id, geometry, colour in patches:
            pixels = image.chip(geometry, colour, max_pixels, fit)
            if pixels is None:
                notes.append(outside_note(image_path, patch_id, label))
            else:
                yield patch_id, pixels, image.srs_wkt


def cut_chips(image_path: str, crs_wkt: str, patches: Iterable[Tuple[str, object, tuple]],
              out_dir: str, label: str, max_pixels: int = 600) -> Tuple[List[Chip], List[Note]]:
    """PNG chips ``out_dir/<patch id>_<label>.png`` of every patch inside one image, and a
    note for each patch outside it."""
    chips, notes = [], []
    for patch_id, pixels, srs_wkt in chips_inside(image_path, crs_wkt, patches, label, max_pixels,
                                                  notes):
        path = os.path.join(out_dir, chip_file_name(patch_id, label))
        write_png(pixels, srs_wkt, path)
        chips.append(Chip(patch_id, label, path, pixels.window, pixels.width, pixels.height,
                          pixels.transform))
    return chips, notes


def thumbnails(image_path: str, crs_wkt: str, patches: Iterable[Tuple[str, object, tuple]],
               label: str, max_pixels: int) -> Tuple[Dict[str, bytes], List[Note]]:
    """JPEG thumbnails {patch id: bytes}, all ``max_pixels`` on their longer side, of every
    patch inside one image, and notes for the rest."""
    notes: List[Note] = []
    images = {patch_id: jpeg_bytes(pixels) for patch_id, pixels, _ in
              chips_inside(image_path, crs_wkt, patches, label, max_pixels, notes, fit=True)}
    return images, notes
