"""Choosing the working CRS and catching layers whose CRS cannot be right.

CGCS2000 3-degree Gauss-Kruger: EPSG:4513–4533 are zones 25–45 with the zone number prefixed
to X; EPSG:4534–4554 the same central meridians (75°E–135°E) without it. Counties often send
data labelled with the wrong one of the pair; the size of X tells them apart.
"""

import threading
from functools import lru_cache

import numpy as np
from pyproj import CRS, Transformer

from ..errors import InputError

PREFIXED_FIRST, UNPREFIXED_FIRST, FIRST_ZONE, LAST_ZONE = 4513, 4534, 25, 45
CHINA_LON, CHINA_LAT = (73.0, 136.0), (3.0, 54.0)


def gk3_epsg(zone, prefixed):
    if not FIRST_ZONE <= zone <= LAST_ZONE:
        raise InputError(f"经度对应的 3 度带 {zone} 不在中国范围内 (25–45 带)")
    return (PREFIXED_FIRST if prefixed else UNPREFIXED_FIRST) + zone - FIRST_ZONE


def gk3_zone_of(epsg):
    """(zone, prefixed) for a CGCS2000 3-degree GK EPSG code, else None."""
    if epsg is None:
        return None
    if PREFIXED_FIRST <= epsg < PREFIXED_FIRST + 21:
        return epsg - PREFIXED_FIRST + FIRST_ZONE, True
    if UNPREFIXED_FIRST <= epsg < UNPREFIXED_FIRST + 21:
        return epsg - UNPREFIXED_FIRST + FIRST_ZONE, False
    return None


def epsg_of(crs):
    try:
        return CRS.from_user_input(crs).to_epsg(min_confidence=70)
    except Exception:  # noqa: BLE001 - an unparsable CRS simply has no EPSG code
        return None


def check_coordinates(crs, bounds, layer):
    """Stop with a clear message when a layer's coordinates are impossible for its CRS.

    ``bounds`` is (minx, miny, maxx, maxy) in the layer's own CRS.
    """
    if crs is None:
        raise InputError("图层没有坐标系 (缺少 .prj 或 CRS 定义)；请在任务文件中用 crs: EPSG:xxxx 指明"
                         + _guess_hint(bounds), layer=layer)
    crs = CRS.from_user_input(crs)
    minx, miny, maxx, maxy = bounds
    epsg = epsg_of(crs)
    zone = gk3_zone_of(epsg)
    if zone is not None:
        z, prefixed = zone
        if prefixed and not (z * 1e6 < minx and maxx < (z + 1) * 1e6):
            hint = f"；X 为 6 位，应是不带带号的 EPSG:{gk3_epsg(z, False)}" if maxx < 1e6 else ""
            raise InputError(f"坐标 X={minx:.0f} 不在 EPSG:{epsg} ({z} 带, X 带带号前缀) 的范围内"
                             + hint + _guess_hint(bounds), layer=layer)
        if not prefixed and not (0 < minx and maxx < 1e6):
            hint = ""
            if 1e7 <= minx < 1e8:
                hint = f"；X 带有带号前缀 {int(minx // 1e6)}，应是 EPSG:{gk3_epsg(int(minx // 1e6), True)}"
            raise InputError(f"坐标 X={minx:.0f} 超出 EPSG:{epsg} (不带带号的 3 度带) 的范围" + hint,
                             layer=layer)
    lon_lat = _to_lonlat(crs, bounds)
    if lon_lat is None or not _in_china(lon_lat):
        raise InputError(f"坐标范围 {_fmt(bounds)} 换算到经纬度后不在中国境内，坐标系 "
                         f"{crs.name} 可能标错" + _guess_hint(bounds), layer=layer)


def _guess_hint(bounds):
    minx = bounds[0]
    if 2.5e7 <= minx < 4.6e7:
        zone = int(minx // 1e6)
        return f" (X 的前两位像 3 度带号 {zone}，可能是 EPSG:{gk3_epsg(zone, True)})"
    return ""


def _to_lonlat(crs, bounds):
    try:
        t = transformer(crs, "EPSG:4490")
        minx, miny, maxx, maxy = bounds
        xs = [minx, maxx, minx, maxx]
        ys = [miny, miny, maxy, maxy]
        lon, lat = t.transform(xs, ys)
        return min(lon), min(lat), max(lon), max(lat)
    except Exception:  # noqa: BLE001 - a failed transform means the CRS cannot hold these numbers
        return None


def _in_china(lonlat):
    import math
    minlon, minlat, maxlon, maxlat = lonlat
    if any(not math.isfinite(v) for v in lonlat):
        return False
    return (CHINA_LON[0] <= minlon and maxlon <= CHINA_LON[1]
            and CHINA_LAT[0] <= minlat and maxlat <= CHINA_LAT[1])


def _fmt(bounds):
    return "(" + ", ".join(f"{v:.1f}" for v in bounds) + ")"


def working_crs(requested, patch_crs, patch_bounds):
    """The one projected CRS all layers are brought into.

    ``requested`` is the job's ``crs`` (``auto`` or an EPSG code). With ``auto``, the patches'
    own CRS is kept when it already is the CGCS2000 3-degree zone of their longitude (no
    reprojection of the data users know); otherwise the unprefixed zone CRS is used.
    """
    if requested not in (None, "auto"):
        crs = CRS.from_user_input(requested)
        if not crs.is_projected:
            raise InputError(f"任务文件的 crs {requested} 不是投影坐标系，无法计算平面面积",
                             field="crs")
        return crs
    lonlat = _to_lonlat(CRS.from_user_input(patch_crs), patch_bounds)
    zone = round((lonlat[0] + lonlat[2]) / 2 / 3)
    own = gk3_zone_of(epsg_of(patch_crs))
    if own is not None and own[0] == zone:
        return CRS.from_user_input(patch_crs)
    return CRS.from_epsg(gk3_epsg(zone, prefixed=False))


def crs_label(crs):
    """``EPSG:n name`` of a pyproj CRS, or its name when it has no EPSG code."""
    epsg = crs.to_epsg()
    return f"EPSG:{epsg} {crs.name}" if epsg else crs.name


def transformer(src, dst) -> Transformer:
    """An always-xy Transformer from ``src`` to ``dst`` (CRS or text), built once per pair and
    thread: building one costs ~10 ms, and a run asks for the same pairs many times."""
    return _transformer(src, dst, threading.get_ident())


@lru_cache(maxsize=64)
def _transformer(src, dst, _thread):  # pyproj transformers are not shared between threads
    return Transformer.from_crs(src, dst, always_xy=True)


def transform_boxes(env, src, dst):
    """Boxes (n × 4) in another CRS: corners and edge midpoints transformed, padded by 1 unit."""
    minx, miny, maxx, maxy = env.T
    midx, midy = (minx + maxx) / 2, (miny + maxy) / 2
    xs = np.stack([minx, maxx, minx, maxx, midx, midx, minx, maxx])
    ys = np.stack([miny, miny, maxy, maxy, miny, maxy, midy, midy])
    tx, ty = transformer(src, dst).transform(xs, ys)
    tx, ty = np.asarray(tx), np.asarray(ty)
    return np.column_stack([tx.min(0) - 1, ty.min(0) - 1, tx.max(0) + 1, ty.max(0) + 1])
