"""The date an image was taken, for the captions of chips and field sheets: given by the user
or read from the image's own metadata.

Only acquisition dates count (GDAL's IMAGERY metadata domain, filled from the sidecar files of
satellite products, and acquisition keys in the image's own metadata). The TIFF tag DateTime
is left alone: it says when the file was written, not when the ground looked so.
"""

import re
from typing import Optional

from osgeo import gdal

from ..errors import InputError
from ..ledger.cells import date_from_text

gdal.UseExceptions()

ACQUISITION_KEYS = ("ACQUISITIONDATETIME", "ACQUISITION_DATE", "ACQUISITIONDATE", "DATE_ACQUIRED",
                    "IMAGING_DATE")
_EXIF_STYLE = re.compile(r"\s*(\d{4}):(\d{2}):(\d{2})")  # 2024:10:01 12:00:00


def metadata_date(text) -> Optional[str]:
    """``YYYY-MM-DD`` of a metadata value (ISO date or date-time, 2024:10:01 12:00:00,
    20241001), or None when it holds no valid date."""
    if text is None:
        return None
    text = str(text).strip()
    exif = _EXIF_STYLE.match(text)
    if exif:
        text = "-".join(exif.groups())
    return date_from_text(text[:10]) or date_from_text(text)


def given_date(text: Optional[str], label: str) -> Optional[str]:
    """A date the user gave for an image, as ``YYYY-MM-DD``; InputError when it is no date."""
    if text is None or not str(text).strip():
        return None
    iso = date_from_text(str(text))
    if iso is None:
        raise InputError(f"“{text}”不是日期 (应如 2024-10-01)", field=f"{label}影像日期")
    return iso


def acquisition_date(path: str) -> Optional[str]:
    """The acquisition date in an image's metadata, as ``YYYY-MM-DD``; None when it has none
    (or cannot be opened: the chips then say why)."""
    try:
        ds = gdal.OpenEx(path, gdal.OF_RASTER | gdal.OF_READONLY)
    except RuntimeError:
        return None
    for domain in ("IMAGERY", ""):
        metadata = ds.GetMetadata(domain) or {}
        for key in ACQUISITION_KEYS:
            iso = metadata_date(metadata.get(key))
            if iso:
                return iso
    return None
