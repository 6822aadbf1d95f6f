"""A before or after image opened for the patches of a result: where each patch's chip square
lies in its pixels, and the patch's outline in its CRS.

Patches come as WKB in the working CRS and are handled a batch at a time in numpy (rings read
straight from the WKB, one PROJ call per batch): on shapely 1.8 the per-geometry coordinate
access alone would cost more than reading the pixels.
"""

import os
from typing import List, Optional, Sequence, Tuple

import numpy as np
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError, ProjError

from ..errors import InputError
from ..io.wkb_arrays import Runs, envelopes
from .window_reader import Window, open_image

MARGIN_M = 40.0       # ground around a patch in its chip, at least …
MARGIN_RATIO = 0.3    # … or this share of the patch's larger side
_DENSIFY = 21         # points per side of a chip square taken into another CRS


def chip_bounds(bounds, margin_m: float = MARGIN_M, margin_ratio: float = MARGIN_RATIO):
    """The square (minx, miny, maxx, maxy) a chip shows around a patch's ``bounds`` in a metric
    CRS: a margin of at least ``margin_m`` metres or ``margin_ratio`` of its larger side.
    ``bounds`` may be an (n, 4) array: then an (n, 4) array of squares."""
    b = np.asarray(bounds, dtype="float64")
    minx, miny, maxx, maxy = b[..., 0], b[..., 1], b[..., 2], b[..., 3]
    side = np.maximum(maxx - minx, maxy - miny)
    half = side / 2 + np.maximum(margin_m, margin_ratio * side)
    cx, cy = (minx + maxx) / 2, (miny + maxy) / 2
    out = np.stack([cx - half, cy - half, cx + half, cy + half], axis=-1)
    return out if b.ndim > 1 else tuple(float(v) for v in out)


class Image:
    """One image, open for chips of patches given in the working CRS."""

    def __init__(self, path: str, crs_wkt: str, label: str):
        if not os.path.isfile(path):
            raise InputError("影像文件不存在", layer=path)
        try:
            self.reader = open_image(path)
        except InputError as e:
            raise InputError(f"无法读取{label}影像 ({e.message})", layer=path) from e
        try:
            if self.reader.geotransform.is_identity and not self.reader.has_gcps:
                raise InputError(f"{label}影像没有地理参考 (坐标和坐标系)，无法对应到图斑",
                                 layer=path)
            self.srs_wkt = self.reader.crs_wkt
            self._transformer = image_transformer(crs_wkt, self.srs_wkt, label, path)
        except BaseException:
            self.close()
            raise
        self.path, self.label = path, label

    def outlines(self, wkbs: Sequence[bytes]) -> List[Tuple[Optional[Window], List[np.ndarray]]]:
        """For each patch (WKB, working CRS): the pixel window of its chip square (it may lie
        partly or wholly outside the image; None for an empty geometry) and its rings as (n, 2)
        arrays in the image CRS.
        The square is laid out in the working CRS (metres) and then taken into the image's,
        so a margin of 40 m stays 40 m on an image in degrees."""
        runs = Runs(wkbs)
        xs, ys = runs.coordinates()
        squares = chip_bounds(envelopes(wkbs))
        if self._transformer is not None:
            try:
                xs, ys = self._transformer.transform(xs, ys)
                squares = self._squares_in_image(squares)
            except ProjError as e:
                raise InputError(f"图斑无法转换到{self.label}影像的坐标系 ({e})",
                                 layer=self.path) from e
        points = np.column_stack([xs, ys])
        ends = np.cumsum(runs.npts)
        rings: List[List[np.ndarray]] = [[] for _ in range(len(wkbs))]
        for owner, start, end in zip(runs.owner.tolist(), (ends - runs.npts).tolist(), ends.tolist()):
            rings[owner].append(points[start:end])
        pixels = self.reader.geotransform
        return [(pixels.pixel_window(square) if np.isfinite(square).all() else None, patch_rings)
                for square, patch_rings in zip(squares, rings)]

    def _squares_in_image(self, squares):
        """The bounding boxes, in the image CRS, of squares given in the working CRS (each
        side densified, as ``Transformer.transform_bounds`` does, in one PROJ call)."""
        t = np.linspace(0.0, 1.0, _DENSIFY)
        minx, miny, maxx, maxy = (squares[:, k:k + 1] for k in range(4))
        xs = np.hstack([minx + (maxx - minx) * t, np.broadcast_to(maxx, (len(squares), _DENSIFY)),
                        maxx - (maxx - minx) * t, np.broadcast_to(minx, (len(squares), _DENSIFY))])
        ys = np.hstack([np.broadcast_to(miny, (len(squares), _DENSIFY)), miny + (maxy - miny) * t,
                        np.broadcast_to(maxy, (len(squares), _DENSIFY)), maxy - (maxy - miny) * t])
        tx, ty = self._transformer.transform(xs.ravel(), ys.ravel())
        tx, ty = np.asarray(tx).reshape(xs.shape), np.asarray(ty).reshape(ys.shape)
        return np.column_stack([tx.min(axis=1), ty.min(axis=1), tx.max(axis=1), ty.max(axis=1)])

    def close(self):
        if getattr(self, "reader", None) is not None:
            self.reader.close()
            self.reader = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def image_transformer(crs_wkt: str, image_wkt: Optional[str], label: str,
                      path: str) -> Optional[Transformer]:
    """Working CRS → the image's; None when they are the same (an image without a CRS is taken
    to be in the working one). InputError when PROJ cannot relate the two."""
    if not image_wkt:
        return None
    try:
        source, target = CRS.from_wkt(crs_wkt), CRS.from_user_input(image_wkt)
        if source == target:
            return None
        return Transformer.from_crs(source, target, always_xy=True)
    except (CRSError, ProjError) as e:
        raise InputError(f"{label}影像的坐标系无法与结果的坐标系转换 ({e})", layer=path) from e
