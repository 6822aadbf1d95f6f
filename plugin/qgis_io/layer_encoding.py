"""Shapefiles QGIS reads in the wrong text encoding (GBK without a .cpg, or a .cpg saying UTF-8).

QGIS reads such a file as UTF-8 and shows mojibake field names and values; the engine detects
the encoding from the content (``core.io.encodings``). The workspace sets the detected encoding
on the layer, so the map, the field pickers and the engine all read the same text; Processing,
which must not change the user's layers, maps the chosen field names by position instead.
"""

import os
from typing import Dict, List, Optional, Tuple

from qgis.core import QgsProviderRegistry, QgsVectorLayer

from ..core.io.encodings import detect_shapefile_encoding, same_encoding

#: Custom properties of a layer whose encoding the workspace set: the encoding and why.
FIXED_PROPERTY = "land_supervision/encoding_fixed"
WHY_PROPERTY = "land_supervision/encoding_why"


def shapefile_path(layer) -> Optional[str]:
    """The .shp file of an OGR shapefile layer, else None."""
    if not isinstance(layer, QgsVectorLayer) or layer.providerType() != "ogr":
        return None
    path = QgsProviderRegistry.instance().decodeUri("ogr", layer.source()).get("path") or ""
    return path if path.lower().endswith(".shp") and os.path.isfile(path) else None


def encoding_to_fix(layer) -> Optional[Tuple[str, str]]:
    """(encoding, why) when QGIS reads the layer's shapefile in another encoding than its
    content has; None when it reads it right (or it is no shapefile). ValueError when the
    content is neither UTF-8 nor GBK."""
    path = shapefile_path(layer)
    if path is None:
        return None
    found = detect_shapefile_encoding(path)
    if found is None or same_encoding(found[0], layer.dataProvider().encoding()):
        return None
    return found


def fix_layer_encoding(layer) -> Optional[str]:
    """Set the detected encoding on a layer QGIS reads wrongly; the encoding set, or None.

    The layer keeps the encoding in the project file, like one set in its properties.
    """
    try:
        found = encoding_to_fix(layer)
    except ValueError:
        return None  # the checks say the content is unreadable
    if found is None:
        return None
    name, why = found
    layer.setProviderEncoding(name)
    layer.setCustomProperty(FIXED_PROPERTY, name)
    layer.setCustomProperty(WHY_PROPERTY, why)
    return name


def encoding_fix(layer) -> Optional[Tuple[str, str]]:
    """(encoding, why) when the workspace set the layer's encoding, else None."""
    name = layer.customProperty(FIXED_PROPERTY) if layer is not None else None
    return (str(name), str(layer.customProperty(WHY_PROPERTY) or "")) if name else None


def engine_field_names(layer, encoding) -> Dict[str, str]:
    """{field name as QGIS shows it: the name the engine reads with ``encoding``}.

    A DBF's fields keep their order whatever the encoding, so names map by position.
    """
    from osgeo import gdal

    path = shapefile_path(layer)
    ds = gdal.OpenEx(path, gdal.OF_VECTOR | gdal.OF_READONLY, open_options=[
        f"ENCODING={encoding}"])
    defn = ds.GetLayer(0).GetLayerDefn()
    engine = [defn.GetFieldDefn(i).GetName() for i in range(defn.GetFieldCount())]
    shown: List[str] = layer.dataProvider().fields().names()
    return dict(zip(shown, engine)) if len(shown) == len(engine) else {}
