"""File names the field pack derives from patch ids (chips, photos): safe on every file system,
one per id, and of bounded length.

An id is used as it is when it is made of letters (Chinese too), digits, ``-`` and ``_``,
is at most ``MAX_STEM`` characters long and differs from every other id in more than letter
case (Windows, macOS and a tablet's SD card ignore case). Any other id is cut to those
characters and gets ``~`` and the start of its SHA-1: ``A/1`` and ``A?1`` both read ``A_1``
but end in different hashes, and ``~`` never appears in an id used as it is.
"""

import hashlib
import re
from collections import Counter
from typing import Dict, Iterable

MAX_STEM = 60
_UNSAFE = re.compile(r"[^\w-]")


def _hashed(patch_id: str) -> str:
    digest = hashlib.sha1(patch_id.encode("utf-8")).hexdigest()[:10]
    return f"{_UNSAFE.sub('_', patch_id)[:MAX_STEM]}~{digest}"


def file_stems(patch_ids: Iterable[str]) -> Dict[str, str]:
    """{patch id: file name stem} for distinct ids; stems differ even ignoring case."""
    ids = list(patch_ids)
    plain = [pid for pid in ids if 0 < len(pid) <= MAX_STEM and not _UNSAFE.search(pid)]
    folded = Counter(pid.casefold() for pid in plain)
    kept = {pid for pid in plain if folded[pid.casefold()] == 1}
    return {pid: pid if pid in kept else _hashed(pid) for pid in ids}
