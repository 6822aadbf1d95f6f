"""The text encoding of a shapefile's attributes, detected when nothing (or something wrong)
declares it."""

import os
import struct

from ..errors import InputError, Note

_UTF8_NAMES = {"utf-8", "utf8", "65001", "utf_8"}
SAMPLE_BYTES = 8 << 20


def shapefile_encoding(spec, notes):
    """The encoding GDAL should use for a shapefile's DBF: the job's ``encoding:``, else what a
    .cpg or the DBF's code-page byte declares, else what the bytes are.

    County deliveries are often GBK shapefiles without a .cpg (GDAL would read them as Latin-1),
    or with a .cpg saying UTF-8 that another tool wrote beside GBK data: either way every
    Chinese name would silently turn to mojibake.
    """
    if spec.encoding:
        return spec.encoding
    if not spec.path.lower().endswith(".shp"):
        return None
    stem = spec.path[:-4]
    cpg = next((stem + ext for ext in (".cpg", ".CPG") if os.path.exists(stem + ext)), None)
    dbf = next((stem + ext for ext in (".dbf", ".DBF") if os.path.exists(stem + ext)), None)
    sample, code_page = _dbf_sample(dbf) if dbf else (None, None)
    if sample is None:
        return None
    if cpg is not None:
        declared = _read_cpg(cpg)
        if declared.lower() in _UTF8_NAMES and _guess(sample, spec) == "GB18030":
            notes.append(Note(spec.label, "-", f".cpg 声明 {declared}，但属性内容不是 UTF-8，"
                              "按内容判定为 GB18030 读取", kind="repair"))
            return "GB18030"
        return None  # GDAL honours the .cpg
    if code_page != 0:  # the DBF's language driver id names the code page: GDAL honours it
        return None
    name = _guess(sample, spec)
    if name is not None:
        notes.append(Note(spec.label, "-", f"无 .cpg 编码说明，按内容判定为 {name} 读取属性"))
    return name


def _dbf_sample(dbf):
    """(field names and the first records as bytes, the language driver id), or (None, None)."""
    with open(dbf, "rb") as f:
        head = f.read(32)
        if len(head) < 32:
            return None, None
        header_len, record_len = struct.unpack("<HH", head[8:12])
        names = f.read(max(0, header_len - 32))
        data = f.read(min(max(record_len, 1) * 20000, SAMPLE_BYTES))
    return names + data, head[29]


def _read_cpg(path):
    with open(path, "rb") as f:
        return f.read(64).decode("ascii", errors="replace").strip()


def _guess(data, spec):
    """"UTF-8", "GB18030" or None (plain ASCII) for the bytes of a DBF.

    A field can be cut in the middle of a character (fixed-width DBF columns), so a handful of
    undecodable bytes does not rule an encoding out; the one with fewer wins."""
    if all(b < 0x80 for b in data):
        return None
    utf8_bad = data.decode("utf-8", errors="replace").count("\ufffd")
    if utf8_bad == 0:
        return "UTF-8"
    gb_bad = data.decode("gb18030", errors="replace").count("\ufffd")
    high = sum(1 for b in data if b >= 0x80)
    if gb_bad < utf8_bad and gb_bad <= max(2, high // 1000):
        return "GB18030"
    if utf8_bad <= max(2, high // 1000):
        return "UTF-8"
    raise InputError("属性表编码无法识别 (既非 UTF-8 也非 GBK)，请在任务文件中用 encoding: 指明",
                     layer=spec.label)


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
