"""The text encoding of a shapefile's attributes, detected when nothing (or something wrong)
declares it."""

import codecs
import os
import struct
from typing import Optional, Tuple

from ..errors import InputError, Note

#: Bytes of records read to judge the encoding (names in the header are read too).
SAMPLE_BYTES = 8 << 20
SAMPLE_RECORDS = 20000
#: Encodings of one family: a layer read in either shows the same text.
CHINESE_FAMILY = {"gbk", "gb2312", "gb18030", "cp936"}


def shapefile_encoding(spec, notes):
    """The encoding GDAL should use for a shapefile's DBF, detecting GBK when nothing says.

    County deliveries are often GBK shapefiles without a .cpg (or with a .cpg saying UTF-8);
    GDAL would then read them as Latin-1 or UTF-8 and every Chinese name would silently turn
    to mojibake.
    """
    if spec.encoding:
        return spec.encoding
    if not spec.path.lower().endswith(".shp"):
        return None
    try:
        found = detect_shapefile_encoding(spec.path)
    except ValueError as error:
        raise InputError(f"属性表编码无法识别 ({error})，请在任务文件中用 encoding: 指明",
                         layer=spec.label) from error
    if found is None:
        return None
    name, why = found
    notes.append(Note(spec.label, "-", f"{why}，按内容判定为 {name} 读取属性"))
    return name


def detect_shapefile_encoding(path) -> Optional[Tuple[str, str]]:
    """(encoding, why) when the shapefile's DBF must be read in another encoding than the one
    it declares, else None (it declares the right one, or holds ASCII only).

    A .cpg wins when its text decodes; without one, a DBF language driver id is trusted (GDAL
    honours it). Raises ValueError when the text is neither UTF-8 nor GBK.
    """
    stem = os.path.splitext(path)[0]
    dbf = next((stem + ext for ext in (".dbf", ".DBF") if os.path.exists(stem + ext)), None)
    if dbf is None:
        return None
    cpg = next((stem + ext for ext in (".cpg", ".CPG") if os.path.exists(stem + ext)), None)
    declared = _read_cpg(cpg) if cpg else None
    sample, language_driver = _dbf_text_sample(dbf)
    if sample is None or all(b < 0x80 for b in sample):
        return None
    if cpg is None and language_driver != 0:
        return None
    if declared is not None:
        if _decodes(sample, declared):
            return None
        why = f".cpg 声明为 {declared}，但属性不是 {declared} 编码"
    elif cpg is not None:
        return None  # a code page Python does not know: leave it to GDAL
    else:
        why = "无 .cpg 编码说明"
    if _decodes(sample, "utf-8", tolerant=False):
        return "UTF-8", why
    if _decodes(sample, "gb18030"):
        return "GB18030", why
    if _decodes(sample, "utf-8"):
        return "UTF-8", why
    raise ValueError("既非 UTF-8 也非 GBK")


def same_encoding(first, second) -> bool:
    """Whether two encoding names read a Chinese layer alike (GBK and GB18030 do)."""
    names = [_codec_name(e) for e in (first, second)]
    if None in names:
        return False
    return names[0] == names[1] or (names[0] in CHINESE_FAMILY and names[1] in CHINESE_FAMILY)


def _codec_name(encoding):
    text = str(encoding or "").strip()
    if text.isdecimal():  # ArcGIS writes code pages as numbers: 936, 65001
        text = {"936": "gbk", "65001": "utf-8"}.get(text, f"cp{text}")
    try:
        return codecs.lookup(text).name.replace("_", "")
    except LookupError:
        return None


def _read_cpg(path):
    with open(path, "rb") as f:
        text = f.read(64).decode("ascii", "replace").strip()
    name = _codec_name(text)
    return None if name is None else ("UTF-8" if name == "utf-8" else text.upper())


def _decodes(data, encoding, tolerant=True):
    """Whether ``data`` reads as ``encoding``. ``tolerant``: a few undecodable characters (at
    most one in 500 non-ASCII bytes: none in a small sample, where two wrong encodings can
    both look nearly right) are allowed, for fixed-width DBF fields that cut a character."""
    try:
        text = data.decode(_codec_name(encoding) or encoding, errors="replace")
    except LookupError:
        return False
    bad = text.count("\ufffd")
    if not tolerant:
        return bad == 0
    return bad <= sum(1 for b in data if b >= 0x80) // 500


def _dbf_text_sample(dbf):
    """(the field names and the first records as bytes, the language driver id)."""
    with open(dbf, "rb") as f:
        head = f.read(32)
        if len(head) < 32:
            return None, 0
        header_len, record_len = struct.unpack("<HH", head[8:12])
        descriptors = f.read(max(header_len - 32, 0))
        names = []
        for k in range(0, len(descriptors) - 31, 32):
            if descriptors[k] == 0x0D:  # the end of the field descriptors
                break
            names.append(descriptors[k:k + 11].split(b"\0", 1)[0])
        records = min(SAMPLE_RECORDS, SAMPLE_BYTES // max(record_len, 1))
        data = f.read(record_len * records)
    return b" ".join(names) + b" " + data, head[29]


# GDAL's usual reasons for refusing a file, as a county analyst reads them.
_GDAL_REASONS = (("not recognized as a supported file format", "不是 GDAL 能识别的数据格式"),
                 ("database disk image is malformed", "文件已损坏 (数据库结构损坏)"),
                 ("file is not a database", "不是有效的 GeoPackage/SQLite 文件"),
                 ("No such file or directory", "文件不存在"),
                 ("Permission denied", "没有读取权限"),
                 ("is a directory", "这是一个文件夹"))


def gdal_reason(error) -> str:
    """Why GDAL refused a file, in Chinese where the reason is a known one."""
    text = str(error).strip()
    for english, chinese in _GDAL_REASONS:
        if english in text:
            return chinese
    return text or "原因未知"
