"""Matching a batch to the previous one and carrying the ledger state forward.

A new patch is the previous patch's ground sent again (重复下发) when they overlap by at least
``min_overlap`` of either one. It then takes the analysts' values (核查结果, 整改进展, 是否销号,
查处情况, 用地主体 …) of the previous patch it overlaps most, exactly as stored, and names every
previous patch it met. A patch closed (销号) before and sent again is not closed again silently:
its 整改进展 and 是否销号 are left to fill in anew and it is marked 重复下发(上批已销号), with a
warning.
"""

from dataclasses import dataclass
from typing import Dict, List, Optional

import shapely.wkb

from ..errors import Note
from ..io.wkb_arrays import envelopes
from ..ledger.columns import BY_KEY, CLOSED_VALUES, STATUS_VALUES, analyst_fields
from ..overlay import robust
from ..overlay.bbox import bbox_join
from ..result_fields import BATCH_FIELDS, DELIVERY_VALUES
from .previous import read_previous

NEW, REPEATED, REOPENED = DELIVERIES = DELIVERY_VALUES
CLOSED_FIELD, STATUS_FIELD = BY_KEY["closed"].field, BY_KEY["status"].field
IDS_SHOWN = 10


@dataclass
class Match:
    """A previous patch a new one overlaps: its row and the overlap (working-CRS units)."""

    row: int
    overlap: float


class BatchInfo:
    """What a run adds for the previous batch (nothing where the job names none)."""

    def __init__(self, previous=None, counts=None):
        self.previous = previous
        self.counts = counts or {}

    def fields(self):
        return (list(BATCH_FIELDS) + analyst_fields()) if self.previous is not None else []

    def run_info(self):
        if self.previous is None:
            return []
        return ([("previous.path", self.previous.path),
                 ("previous.min_overlap", str(self.previous.min_overlap))]
                + [(f"previous.{k}", str(v)) for k, v in self.counts.items()])


def carry_forward(job, patches, rows, crs, notes) -> BatchInfo:
    """Fill the batch fields and the carried analysts' values into ``rows`` (the patches'
    ``batch`` already set) when the job names a previous batch."""
    if job.previous is None:
        return BatchInfo()
    previous = read_previous(job.previous, crs)
    matches = match_patches(patches, previous, job.previous.min_overlap)
    own = job.ledger.get("batch") or job.name or None
    counts = dict.fromkeys(DELIVERIES, 0)
    conflicts = carried = 0
    for i, (r, found) in enumerate(zip(rows, matches)):
        batch = r.get("batch") or own
        if not found:
            r.update(delivery=NEW, previous_batch=None, previous_ids=None, first_batch=batch,
                     previous_note=None)
            counts[NEW] += 1
            continue
        source = found[0].row
        reopened = [m.row for m in found if _closed(previous, m.row)]
        values = {f: _value(previous, f, source) for f in previous.analyst}
        if reopened:
            values.pop(CLOSED_FIELD, None)
            values.pop(STATUS_FIELD, None)
        conflicts += any(_value(previous, f, m.row) not in (None, v)
                         for m in found[1:] for f, v in values.items())
        carried += sum(v is not None for v in values.values())
        r.update(values)
        ids = [previous.ids[m.row] for m in found]
        shown = "、".join(ids[:IDS_SHOWN]) + (f" 等 {len(ids)} 个" if len(ids) > IDS_SHOWN else "")
        r.update(delivery=REOPENED if reopened else REPEATED,
                 previous_batch=previous.batches[source], previous_ids=shown,
                 first_batch=previous.first_batches[source], previous_note=None)
        if reopened:
            closed_ids = "、".join(previous.ids[k] for k in reopened)
            r["previous_note"] = (f"上一批次 ({previous.batches[source]}) 图斑 {closed_ids} 已销号，本批再次"
                                  "下发：未沿用整改进展与是否销号，请重新核查是否复发")
            notes.append(Note(job.patches.label, patches.ids[i], r["previous_note"],
                              kind="warning"))
        counts[r["delivery"]] += 1
    resent = {m.row for found in matches for m in found}
    counts.update(carried_values=carried, previous_patches=len(previous),
                  previous_not_resent=len(previous) - len(resent))
    notes.append(Note(job.patches.label, "-", _summary(previous.path, counts, conflicts)))
    return BatchInfo(job.previous, counts)


def match_patches(patches, previous, min_overlap) -> List[List[Match]]:
    """Per new patch, the previous patches whose overlap with it is at least ``min_overlap``
    of either patch's area, largest overlap first (ties by previous id)."""
    out: List[List[Match]] = [[] for _ in range(len(patches))]
    pi, pj = bbox_join(patches.envelopes, envelopes(previous.wkb))
    shapes: Dict[int, Optional[object]] = {}
    for i, j in zip(pi.tolist(), pj.tolist()):
        if j not in shapes:
            shapes[j] = robust.valid_polygonal(shapely.wkb.loads(bytes(previous.wkb[j])))
        new, old = patches.geoms[i], shapes[j]
        if old is None or not new.intersects(old):
            continue
        both = robust.intersection(new, old)
        overlap = both.area if both is not None else 0.0
        if overlap > 0 and overlap >= min_overlap * min(new.area, old.area):
            out[i].append(Match(j, overlap))
    for found in out:
        found.sort(key=lambda m: (-m.overlap, previous.ids[m.row]))
    return out


def _value(previous, field, row) -> Optional[str]:
    value = previous.analyst[field][row]
    return None if value is None or str(value) == "" else str(value)


def _closed(previous, row) -> bool:
    return (_value(previous, CLOSED_FIELD, row) == CLOSED_VALUES[0]
            if CLOSED_FIELD in previous.analyst else False) or \
        (_value(previous, STATUS_FIELD, row) == STATUS_VALUES[-1]
         if STATUS_FIELD in previous.analyst else False)


def _summary(path, counts, conflicts):
    text = (f"与上一批次结果 {path} 比对: 重复下发 {counts[REPEATED] + counts[REOPENED]} 个 (其中上批已销号 "
            f"{counts[REOPENED]} 个)，新下发 {counts[NEW]} 个；沿用台账填写 {counts['carried_values']} 项；"
            f"上一批次 {counts['previous_patches']} 个图斑中 {counts['previous_not_resent']} 个本批未再下发")
    if conflicts:
        text += f"；{conflicts} 个图斑对应的多个上一批次图斑填写不一致，沿用重叠最大者的填写"
    return text
