"""The summary sheet (汇总): the ledger's rows added up by township, by village and by violation
type, in 亩, with the flagged area (认定面积) beside the patch area and the clearing progress
(图斑清零: patches closed, 是否销号 = 是, out of all).

Every area is a sum of the values the detail sheet shows, in decimal arithmetic, so a total
equals what anyone gets by summing the detail sheet.
"""

from collections import OrderedDict
from dataclasses import dataclass
from decimal import Decimal
from typing import List, Sequence, Tuple

from ..result_fields import DELIVERY_VALUES
from .cells import round_half_up
from .columns import BASELINE_COLUMNS, CLOSED_VALUES, NET_COLUMNS, STATUS_VALUES
from .table import natural_key
from .zones import Zone

NO_TOWNSHIP = "(未归属乡镇)"
NO_VILLAGE = "(未归属村)"
NO_TYPE = "(未定违法类型)"
NO_BATCH = "(未注明批次)"
TOTAL = "合计"
NAME_HEADER = "乡镇 / 村 / 违法类型"
BATCH_NAME_HEADER = NAME_HEADER + " / 下发情况 / 首次下发批次"


@dataclass
class SummaryBlock:
    """One block of the sheet: its title row, group rows and the total row."""

    title: str
    rows: List[list]
    total: list


@dataclass
class Summary:
    """The sheet's shared header (``groups``: (group header, columns spanned) over
    ``headers``) and its blocks; every row is [name, value per header after the first]."""

    groups: List[Tuple[str, int]]
    headers: List[str]
    blocks: List[SummaryBlock]


def summary(rows: Sequence[dict], verdicts: Sequence[str], baselines: Sequence[str],
            zones: Sequence[Zone] = ()) -> Summary:
    """By township (in ledger order), by village (in ledger order) and by violation type (most
    severe first): counts, shown areas (the flagged area inside each known baseline, gross and
    net, the area occupied in each of the result's zones) and rectification progress; where the
    patches were matched to a previous batch, also by delivery (new, sent again, sent again
    after closing) and by the batch each was first sent in, which gives 图斑清零 across batches."""
    counts = ["图斑数(个)"] + [f"{v}(个)" for v in verdicts]
    flagged = [key for key, _ in BASELINE_COLUMNS if key in baselines]
    nets = [key for key, _ in NET_COLUMNS
            if any(r.get(f"flag_{key}_net_mu") is not None for r in rows)]
    labels = dict(BASELINE_COLUMNS)
    areas = (["图斑面积(亩)", "认定面积(亩)"] + [f"认定面积中占{labels[k]}(亩)" for k in flagged]
             + [f"认定面积中占{labels[k]}净面积(亩)" for k in nets]
             + [z.area_header for z in zones])
    progress = [f"{s}(个)" for s in STATUS_VALUES] + ["未填(个)"]
    clearing = ["销号图斑(个)", "清零进度(%)"]
    groups = [("", 1), ("图斑数", len(counts)), ("面积", len(areas)), ("整改进展", len(progress)),
              ("图斑清零", len(clearing))]
    area_keys = ([f"flag_{k}_mu" for k in flagged] + [f"flag_{k}_net_mu" for k in nets]
                 + [z.area_key for z in zones])

    def metrics(group):
        return _metrics(group, verdicts, area_keys)

    groupings = [("按乡镇汇总", lambda r: r["township"] or NO_TOWNSHIP),
                 ("按村汇总", lambda r: f"{r['township'] or NO_TOWNSHIP} "
                                      f"{r['village'] or NO_VILLAGE}"),
                 ("按违法类型汇总", lambda r: r["violation_type"] or NO_TYPE)]
    batches = any(r.get("delivery") for r in rows)
    if batches:
        groupings += [("按下发情况汇总", lambda r: r.get("delivery") or DELIVERY_VALUES[0]),
                      ("按首次下发批次汇总", lambda r: r.get("first_batch") or NO_BATCH)]
    blocks = []
    for title, key in groupings:
        members: "OrderedDict[str, list]" = OrderedDict()
        for row in rows:
            members.setdefault(key(row), []).append(row)
        names = list(members)
        if title == "按违法类型汇总":
            names.sort(key=lambda g: _type_order(g, members[g]))
        elif title == "按下发情况汇总":
            names.sort(key=lambda g: DELIVERY_VALUES.index(g))
        elif title == "按首次下发批次汇总":
            names.sort(key=lambda g: (g == NO_BATCH, natural_key(g)))
        blocks.append(SummaryBlock(title, [[name] + metrics(members[name]) for name in names],
                                   [TOTAL] + metrics(rows)))
    name_header = BATCH_NAME_HEADER if batches else NAME_HEADER
    return Summary(groups, [name_header] + counts + areas + progress + clearing, blocks)


def _type_order(name, rows):
    """Most severe violation types first; patches without a type last."""
    severity = max((r["severity"] or 0 for r in rows), default=0)
    return (name == NO_TYPE, -severity, name)


def _metrics(rows, verdicts, area_keys):
    count = len(rows)
    closed = sum(1 for r in rows if (r.get("closed") or "").strip() == CLOSED_VALUES[0])
    status = [sum(1 for r in rows if (r.get("status") or "").strip() == s) for s in STATUS_VALUES]
    out = [count] + [sum(1 for r in rows if r["verdict"] == v) for v in verdicts]
    out += [_sum(r["area_mu"] for r in rows), _sum(r["flag_area_mu"] for r in rows)]
    out += [_sum(r.get(k) for r in rows) for k in area_keys]
    out += status + [count - sum(status), closed]
    out.append(float(round_half_up(100.0 * closed / count, 2)) if count else None)
    return out


def _sum(values):
    """Exact decimal sum of shown values (None when none is shown)."""
    shown = [Decimal(repr(v)) for v in values if v is not None]
    return float(sum(shown, Decimal(0))) if shown else None
