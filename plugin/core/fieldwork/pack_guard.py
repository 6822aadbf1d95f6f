"""A field pack folder that already holds field work: edits that a new pack would replace.

The field team edits ``核查图斑.gpkg`` in place. Writing a pack again into the same folder must
not silently throw that work away: when the existing file holds anything the new one would not
(a verifier's value that differs from the result's, a photo, a recorded position, or a patch no
longer in the pack that carries any of these), the pack is refused unless the caller asks to
replace it, and then a timestamped copy is kept beside it.
"""

import datetime
import os
import shutil
from typing import Dict, List, Optional

from ..errors import InputError
from ..io.atomic import SQLITE_SIDECARS
from ..ledger.cells import value_as_text
from ..ledger.checks import analyst_value
from ..ledger.columns import BY_KEY, ID_HEADER
from .field_import import read_verification
from .mobile import POSITION_FIELDS, VERIFICATION_FIELDS


def unsaved_edits(gpkg_path: str, rows: Dict[str, dict]) -> List[str]:
    """Ids of the patches whose field work in ``gpkg_path`` a pack built from ``rows``
    ({patch id: ledger row}) would not hold. InputError when the file cannot be read as
    field data."""
    _, records = read_verification(gpkg_path)
    edited = []
    for _, record in records:
        pid = (value_as_text(record.get(ID_HEADER)) or "").strip()
        row = rows.get(pid, {})
        recorded = any(record.get(name) is not None for name in POSITION_FIELDS)
        changed = any(analyst_value(BY_KEY[key], record.get(header)) != row.get(key)
                      for header, _, key in VERIFICATION_FIELDS)
        if recorded or changed:
            edited.append(pid or "(空编号)")
    return edited


def guard_field_edits(gpkg_path: str, rows: Dict[str, dict], overwrite: bool) -> Optional[str]:
    """Before a pack replaces ``gpkg_path``: InputError when it holds field work the new pack
    would lose and ``overwrite`` is not set; with ``overwrite``, a timestamped copy of it is
    made and its path returned (None when nothing needed keeping)."""
    if not os.path.exists(gpkg_path):
        return None
    try:
        edited = unsaved_edits(gpkg_path, rows)
        why = (f"其中 {len(edited)} 个图斑的外业核查内容 (填写的结果、照片或定位) 不在分析结果中"
               f" (图斑 {'、'.join(edited[:5])}{' 等' if len(edited) > 5 else ''})") if edited else ""
    except InputError as e:
        why = f"无法确认其中是否有外业填写的内容 ({e.message})"
    if not why:
        return None
    if not overwrite:
        raise InputError(f"已有外业核查数据，{why}；为免丢失，未重新生成。请先导入结果 (import-field "
                         "或“导入核查结果”)，或确认替换：命令行加 --force，Processing 勾选“替换含外业填写内容的外业"
                         "数据”(原文件会带时间备份)", layer=gpkg_path)
    return backup_copy(gpkg_path)


def backup_copy(path: str) -> str:
    """A copy ``<name>.bak-YYYYMMDD-HHMMSS<ext>`` beside ``path`` (with SQLite's journal files
    when there are any), never over an earlier copy."""
    stem, ext = os.path.splitext(path)
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    target, n = f"{stem}.bak-{stamp}{ext}", 1
    while os.path.exists(target):
        n += 1
        target = f"{stem}.bak-{stamp}-{n}{ext}"
    try:
        shutil.copy2(path, target)
        for sidecar in SQLITE_SIDECARS:
            if os.path.exists(path + sidecar):
                shutil.copy2(path + sidecar, target + sidecar)
    except OSError as e:
        raise InputError(f"无法备份原有的外业核查数据 ({e.strerror})，未替换", layer=path) from e
    return target
