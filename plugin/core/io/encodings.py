"""The text encoding of a shapefile's attributes, detected when nothing declares it."""

import os
import struct

from ..errors import InputError, Note


def shapefile_encoding(spec, notes):
    """The encoding GDAL should use for a shapefile's DBF, detecting GBK when nothing says.

    County deliveries are often GBK shapefiles without a .cpg; GDAL would then read them as
    Latin-1 and every Chinese name would silently turn to mojibake.
    """
    if spec.encoding:
        return spec.encoding
    if not spec.path.lower().endswith(".shp"):
        return None
    stem = spec.path[:-4]
    if any(os.path.exists(stem + ext) for ext in (".cpg", ".CPG")):
        return None
    dbf = next((stem + ext for ext in (".dbf", ".DBF") if os.path.exists(stem + ext)), None)
    if dbf is None:
        return None
    with open(dbf, "rb") as f:
        head = f.read(32)
        if len(head) < 32:
            return None
        if head[29] != 0:  # the DBF's language driver id names the code page: GDAL honours it
            return None
        header_len, record_len = struct.unpack("<HH", head[8:12])
        f.seek(header_len)
        data = f.read(min(record_len * 20000, 8 << 20))
    if all(b < 0x80 for b in data):
        return None
    try:
        data.decode("utf-8")
        name = "UTF-8"
    except UnicodeDecodeError:
        try:
            data.decode("gb18030")
        except UnicodeDecodeError as e:
            raise InputError("属性表编码无法识别 (既非 UTF-8 也非 GBK)，请在任务文件中用 encoding: 指明",
                             layer=spec.label) from e
        name = "GB18030"
    notes.append(Note(spec.label, "-", f"无 .cpg 编码说明，按内容判定为 {name} 读取属性"))
    return name
