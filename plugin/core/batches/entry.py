"""The job's ``previous`` entry (``previous: {path, min_overlap}``, or ``analyse --previous``):
which earlier result the patches are matched against, and how much two patches must overlap.
Light on purpose: the job module (and so the dock) imports it where no geometry module is."""

import math
import os
from dataclasses import dataclass
from typing import Optional

from ..errors import InputError

DEFAULT_MIN_OVERLAP = 0.5
KEYS = ("path", "min_overlap")


@dataclass
class PreviousBatch:
    """The previous batch's result and how much two patches must overlap to be the same
    ground: the overlap at least ``min_overlap`` of either patch."""

    path: str
    min_overlap: float = DEFAULT_MIN_OVERLAP

    def to_dict(self):
        return {"path": self.path, "min_overlap": self.min_overlap}


def previous_from_job(value, base_dir, where) -> Optional[PreviousBatch]:
    """The job's ``previous`` entry (a path, or {path, min_overlap}), checked."""
    if value is None:
        return None
    if isinstance(value, str):
        value = {"path": value}
    if not isinstance(value, dict) or not isinstance(value.get("path"), str) \
            or not value["path"].strip():
        raise InputError("previous 应写成 {path: 上一批次的 result.gpkg, min_overlap: 0.5}",
                         file=where, field="previous")
    unknown = set(value) - set(KEYS)
    if unknown:
        raise InputError(f"previous 中未知的键 {sorted(unknown)}；可用的键: {list(KEYS)}",
                         file=where, field=f"previous.{sorted(unknown)[0]}")
    overlap = value.get("min_overlap", DEFAULT_MIN_OVERLAP)
    if isinstance(overlap, bool) or not isinstance(overlap, (int, float)) \
            or not math.isfinite(overlap) or not 0 < overlap <= 1:
        raise InputError(f"previous.min_overlap 应为 0 到 1 之间的比例 (如 0.5)，而不是 {overlap!r}",
                         file=where, field="previous.min_overlap")
    path = os.path.expanduser(value["path"].strip())
    path = path if os.path.isabs(path) else os.path.normpath(os.path.join(base_dir, path))
    return PreviousBatch(path=path, min_overlap=float(overlap))
