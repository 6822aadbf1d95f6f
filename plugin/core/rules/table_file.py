"""The engine's own CSV tables (land classes, land-class names) read the one way: UTF-8, lines
starting with ``#`` are comments, ``# version: X`` names the table's version (without one it is
``sha256:<first 12 hex digits>``), the first other line is the header."""

import csv
import hashlib
import io
import re
from dataclasses import dataclass
from typing import List

from ..errors import InputError

_VERSION_LINE = re.compile(r"^#\s*version\s*:\s*(\S.*?)\s*$", re.IGNORECASE)


@dataclass
class TableFile:
    """A table's data rows (after the header, every value text), version and hash."""

    label: str
    rows: List[List[str]]
    version: str
    sha256: str


def read_table_file(path, columns, what) -> TableFile:
    """The table at ``path`` (a Path); InputError naming the file when it cannot be read or
    its header is not ``columns``. ``what`` names the table in the message."""
    label = str(path)
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise InputError(f"无法读取{what}：{error}", layer=label) from error
    version, body = None, []
    for line in raw.decode("utf-8-sig").splitlines():
        if line.lstrip().startswith("#"):
            found = _VERSION_LINE.match(line.strip())
            if found and version is None:
                version = found.group(1)
        elif line.strip():
            body.append(line)
    rows = list(csv.reader(io.StringIO("\n".join(body))))
    if not rows or tuple(c.strip() for c in rows[0]) != tuple(columns):
        raise InputError(f"表头应为 {','.join(columns)}", layer=label, field="header")
    sha256 = hashlib.sha256(raw).hexdigest()
    return TableFile(label=label, rows=rows[1:], version=version or f"sha256:{sha256[:12]}",
                     sha256=sha256)
