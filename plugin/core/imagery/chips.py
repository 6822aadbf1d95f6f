"""Imagery chips: a window of a before or after image around a patch, its outline drawn in.

The field pack writes chips as JPEG files (one file per chip: the pack carries the imagery
itself for anything georeferenced); the ledger embeds small JPEG thumbnails of the same
windows. Large images are never read whole: each chip is one windowed read, shrunk on the fly
(GDAL then reads from an overview when the file has one). A patch outside an image gets no chip
and a note, never an error.
"""

import io
import os
from dataclasses import dataclass
from functools import lru_cache
from itertools import islice
from typing import Dict, Iterable, List, Optional, Tuple

import numpy as np

from ..errors import InputError, Note
from .image import Image
from .window_reader import GeoTransform, Window

# outline colour per verdict (RGB); also the field data's KML line colours
VERDICT_COLOURS = {"违法": (230, 0, 0), "需核实": (255, 170, 0)}
DEFAULT_COLOUR = (255, 0, 0)
CHIP_PIXELS = 600          # longer side of a field-pack chip at most …
MIN_CHIP_PIXELS = 160      # … and at least (small windows are enlarged so outline and date stay crisp)
JPEG_QUALITY = 85
CHIP_BATCH = 500           # patches whose outlines are taken from WKB together (numpy, one PROJ call)


def outline_colour(verdict) -> tuple:
    return VERDICT_COLOURS.get(verdict, DEFAULT_COLOUR)


@dataclass
class Chip:
    """One JPEG cut from one image around one patch; ``transform`` georeferences its pixels."""

    patch_id: str
    label: str
    path: str
    window: Window
    width: int
    height: int
    transform: GeoTransform


class ChipPixels:
    """A chip in memory: an RGB picture (PIL) with the outline drawn, the window it was read
    from and the transform of its (possibly resized) pixels."""

    def __init__(self, image, window: Window, transform: GeoTransform):
        self.image = image
        self.window = window
        self.transform = transform

    @property
    def data(self) -> np.ndarray:
        """The pixels as bytes (3, height, width)."""
        return np.asarray(self.image).transpose(2, 0, 1)

    @property
    def width(self) -> int:
        return self.image.width

    @property
    def height(self) -> int:
        return self.image.height


def chip_size(window: Window, max_pixels: int, min_pixels: int = 0) -> Tuple[int, int]:
    """(width, height) a window is shown at: shrunk to ``max_pixels`` on its longer side,
    enlarged to ``min_pixels`` when smaller, its shape kept."""
    longest = max(window.width, window.height)
    target = min(max(longest, min_pixels), max_pixels)
    if target == longest:
        return window.width, window.height
    scale = target / longest
    return max(1, round(window.width * scale)), max(1, round(window.height * scale))


def read_chip(reader, rings, window: Optional[Window], colour=DEFAULT_COLOUR,
              max_pixels: int = CHIP_PIXELS, min_pixels: int = 0) -> Optional[ChipPixels]:
    """The chip of ``window`` from an open image (``window_reader``), the patch's ``rings``
    ((n, 2) arrays, image CRS) outlined; None when the window lies outside the image. Nodata
    pixels are white. A window larger than ``max_pixels`` is read shrunk (GDAL averages, from
    an overview where there is one); one smaller than ``min_pixels`` is read as it is and
    enlarged by pixel copies."""
    from PIL import Image as PILImage

    window = window.inside(reader.width, reader.height) if window is not None else None
    if window is None:
        return None
    width, height = chip_size(window, max_pixels)
    bands = [1, 2, 3] if reader.count >= 3 else [1, 1, 1]
    data = _to_bytes(reader.read(bands, window, width, height))
    image = PILImage.fromarray(np.ascontiguousarray(data.transpose(1, 2, 0)))
    shown = chip_size(window, max_pixels, min_pixels)
    if shown != (width, height):
        image = image.resize(shown, _nearest(PILImage))
    transform = reader.geotransform.of_window(window, *shown)
    _draw_outline(image, rings, transform, colour)
    return ChipPixels(image, window, transform)


def _nearest(pil_image_module):
    """Pixel-copy resampling under its current name (Pillow < 9.1 has no ``Resampling``)."""
    return getattr(pil_image_module, "Resampling", pil_image_module).NEAREST


def require_pillow() -> None:
    """InputError, in Chinese, when Pillow (which draws and encodes the chips) is missing."""
    try:
        import PIL  # noqa: F401 - only whether it is there
    except ImportError as e:
        raise InputError("切取影像需要 Python 模块 Pillow：Debian/Ubuntu 安装 python3-pil；Windows 在 "
                         "OSGeo4W Shell 中运行 python -m pip install pillow") from e


def _draw_outline(image, rings, transform: GeoTransform, colour):
    """``rings`` drawn into the picture, 1 pixel wide on thumbnails, 2 on chips of
    ``MIN_CHIP_PIXELS`` and more (they are printed larger)."""
    from PIL import ImageDraw

    draw = ImageDraw.Draw(image)
    line = 2 if max(image.size) >= MIN_CHIP_PIXELS else 1
    for ring in rings:
        cols, rows = transform.to_pixel(ring[:, 0], ring[:, 1])
        # PIL addresses pixel centres; a map coordinate at column 10.7 lies in pixel 10
        draw.line(list(zip((cols - 0.5).tolist(), (rows - 0.5).tolist())), fill=tuple(colour),
                  width=line)


def _to_bytes(data):
    """RGB bytes of a masked read: uint8 as it is, other types stretched between the 2nd and
    98th percentile of the valid pixels (nodata would pull the stretch down); nodata white."""
    mask = np.ma.getmask(data)
    values = np.ma.getdata(data)
    if values.dtype == np.uint8:
        out = values.copy()
    else:
        valid = values[~np.ma.getmaskarray(data) & np.isfinite(values)]
        lo, hi = np.percentile(valid, [2, 98]) if valid.size else (0.0, 1.0)
        scaled = (values.astype("float64") - lo) / max(hi - lo, 1e-12) * 255
        out = np.clip(np.nan_to_num(scaled), 0, 255).astype("uint8")
    if mask is not np.ma.nomask:
        out[mask] = 255
    return out


def stamp_date(pixels: ChipPixels, text: str) -> None:
    """``text`` (the image date) in white on black in the chip's lower left corner, in place;
    enlarged on large chips so it prints at about the same size."""
    label = _date_label(text, max(1, min(pixels.width, pixels.height) // 200))
    pixels.image.paste(label, (0, pixels.height - label.height))


@lru_cache(maxsize=8)
def _date_label(text: str, factor: int):
    from PIL import Image as PILImage, ImageDraw, ImageFont

    font = ImageFont.load_default()  # digits only: no CJK font is needed
    left, top, right, bottom = font.getbbox(text)
    label = PILImage.new("RGB", (right - left + 4, bottom - top + 4), (0, 0, 0))
    ImageDraw.Draw(label).text((2 - left, 2 - top), text, fill=(255, 255, 255), font=font)
    return label.resize((label.width * factor, label.height * factor), _nearest(PILImage))


def jpeg_bytes(pixels: ChipPixels, quality: int = JPEG_QUALITY, full_colour: bool = True) -> bytes:
    """The chip as a JPEG file's bytes. ``full_colour``: 4:4:4, which keeps a one-pixel outline
    crisp; chips with an outline of two pixels keep it in half the time with 4:2:0."""
    buffer = io.BytesIO()
    pixels.image.save(buffer, format="JPEG", quality=quality, subsampling=0 if full_colour else 2)
    return buffer.getvalue()


def outside_note(image_path: str, patch_id: str, label: str) -> Note:
    return Note(layer=os.path.basename(image_path), feature=patch_id,
                message=f"图斑 {patch_id} 不在影像范围内，未生成{label}切片")


def chips_inside(image: Image, batch: Iterable[Tuple[str, bytes, tuple]], notes: List[Note],
                 max_pixels: int, min_pixels: int = 0):
    """(patch id, ChipPixels) of each (patch id, WKB in the working CRS, outline colour) of a
    batch inside an open image, one at a time; a note in ``notes`` for each patch outside."""
    batch = list(batch)
    outlines = image.outlines([wkb for _, wkb, _ in batch])
    for (patch_id, _, colour), (window, rings) in zip(batch, outlines):
        pixels = read_chip(image.reader, rings, window, colour, max_pixels, min_pixels)
        if pixels is None:
            notes.append(outside_note(image.path, patch_id, image.label))
        else:
            yield patch_id, pixels


def cut_chips(image_path: str, crs_wkt: str, patches: Iterable[Tuple[str, object, tuple]],
              out_dir: str, label: str, names: Dict[str, str],
              date: Optional[str] = None) -> Tuple[List[Chip], List[Note]]:
    """JPEG chips ``out_dir/<names[patch id]>`` of every (patch id, WKB or geometry in the
    working CRS, outline colour) inside one image (the image ``date`` stamped in when known),
    and a note for each patch outside it. ``patches`` may be a generator that reports progress
    and raises on cancel."""
    os.makedirs(out_dir, exist_ok=True)
    chips, notes = [], []
    with Image(image_path, crs_wkt, label) as image:
        for batch in _batches(patches):
            for patch_id, pixels in chips_inside(image, batch, notes, CHIP_PIXELS, MIN_CHIP_PIXELS):
                if date:
                    stamp_date(pixels, date)
                path = os.path.join(out_dir, names[patch_id])
                with open(path, "wb") as f:
                    f.write(jpeg_bytes(pixels, full_colour=False))
                chips.append(Chip(patch_id, label, path, pixels.window, pixels.width,
                                  pixels.height, pixels.transform))
    return chips, notes


def thumbnails(image_path: str, crs_wkt: str, patches: Iterable[Tuple[str, object, tuple]],
               label: str, max_pixels: int) -> Tuple[Dict[str, bytes], List[Note]]:
    """JPEG thumbnails {patch id: bytes}, all ``max_pixels`` on their longer side, of every
    patch inside one image, and notes for the rest."""
    pictures: Dict[str, bytes] = {}
    notes: List[Note] = []
    with Image(image_path, crs_wkt, label) as image:
        for batch in _batches(patches):
            pictures.update((patch_id, jpeg_bytes(pixels)) for patch_id, pixels in
                            chips_inside(image, batch, notes, max_pixels, max_pixels))
    return pictures, notes


def _batches(patches):
    """Lists of up to ``CHIP_BATCH`` (patch id, WKB, colour), taken from ``patches`` as they
    are needed (so a progress-reporting generator reports real progress)."""
    require_pillow()
    patches = iter(patches)
    while True:
        batch = [(pid, g if isinstance(g, (bytes, bytearray)) else g.wkb, colour)
                 for pid, g, colour in islice(patches, CHIP_BATCH)]
        if not batch:
            return
        yield batch
