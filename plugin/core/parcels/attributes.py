"""The survey attributes of a parcel layer that net areas and parcel hits read, found by their
standard names (TD/T 1057 abbreviations or the Chinese names deliveries also use), and the net
share of each parcel.

Net share (the part of a parcel's area that official statistics count, 图斑地类面积): 1 − KCXS
(扣除地类系数, the 田坎 deduction) where the parcel has a usable coefficient, else
TBDLMJ / TBMJ (图斑地类面积 / 图斑面积; for basic farmland YJJBNTMJ / YJJBNTTBMJ), else 1 with a
note. domain-sources.md marks "clipped area × (1 − KCXS)" as unverified; the rule applied is
reported per parcel hit and in the notes.
"""

import math
import unicodedata
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

import numpy as np

from ..errors import Note
from ..io.layers import open_layer

#: The baselines whose layers are parcels: net areas and parcel hits are worked out for them.
PARCEL_BASELINES = ("farmland", "basic_farmland")
#: The previous year's parcels cover all the land: the owners of a patch come from them first.
WHOLE_PARCELS = "parcels_before"
OWNER_KEYS = ("owner_name", "owner_code")

# Candidate field names per attribute, best first (compared without regard to case).
CANDIDATES = {
    "parcel_id": ("BSM", "标识码"),
    "parcel_no": ("YJJBNTTBBH", "TBBH", "永久基本农田图斑编号", "图斑编号"),
    "class_code": ("DLBM", "地类编码"),
    "class_name": ("DLMC", "地类名称"),
    "location_code": ("ZLDWDM", "坐落单位代码"),
    "location_name": ("ZLDWMC", "坐落单位名称"),
    "owner_code": ("QSDWDM", "权属单位代码"),
    "owner_name": ("QSDWMC", "权属单位名称"),
    "coefficient": ("KCXS", "扣除地类系数", "扣除系数"),
}
# (net area, gross area) field pairs: a net area is only read with the gross it belongs to.
NET_PAIRS = (("TBDLMJ", "TBMJ"), ("YJJBNTMJ", "YJJBNTTBMJ"), ("YJJBNTMJ", "TBMJ"),
             ("图斑地类面积", "图斑面积"), ("永久基本农田面积", "永久基本农田图斑面积"))
RULE_COEFFICIENT, RULE_SHARE, RULE_NONE = "1−KCXS", "地类面积/图斑面积", "无扣除信息，按不扣除计"
# TBDLMJ and TBMJ × (1 − KCXS) may differ by KCMJ's rounding; beyond this they disagree.
AGREE_M2, AGREE_SHARE = 0.5, 1e-4
SHOWN_IDS = 5


@dataclass
class ParcelFields:
    """The layer's field for each attribute (None where it has none)."""

    found: Dict[str, Optional[str]] = field(default_factory=dict)
    net_pair: Optional[Tuple[str, str]] = None

    @classmethod
    def detect(cls, names):
        by_upper = {}
        for name in names:
            by_upper.setdefault(name.upper(), name)
        found = {key: next((by_upper[c.upper()] for c in cands if c.upper() in by_upper), None)
                 for key, cands in CANDIDATES.items()}
        pair = next(((by_upper[n.upper()], by_upper[g.upper()]) for n, g in NET_PAIRS
                     if n.upper() in by_upper and g.upper() in by_upper), None)
        return cls(found=found, net_pair=pair)

    def get(self, key) -> Optional[str]:
        return self.found.get(key)

    def names(self) -> List[str]:
        """Every field to read, once."""
        out = [f for f in self.found.values() if f]
        out += [f for f in (self.net_pair or ()) if f]
        return list(dict.fromkeys(out))

    @property
    def has_net_basis(self) -> bool:
        return bool(self.get("coefficient") or self.net_pair)


def fields_to_read(spec) -> List[str]:
    """The survey attributes a parcel baseline's layer holds, the owner fields of the previous
    year's parcels (none for other roles)."""
    if spec.role not in PARCEL_BASELINES + (WHOLE_PARCELS,):
        return []
    ds, lyr, _, _ = open_layer(spec)
    defn = lyr.GetLayerDefn()
    names = [defn.GetFieldDefn(i).GetName() for i in range(defn.GetFieldCount())]
    del lyr, ds
    found = ParcelFields.detect(names)
    if spec.role == WHOLE_PARCELS:
        return [f for f in (found.get(k) for k in OWNER_KEYS) if f]
    return found.names()


@dataclass
class NetShares:
    """Per feature of a layer: the share of its area counted net, and the rule that gave it."""

    share: np.ndarray
    rule: List[str]


def net_shares(layer, fields: ParcelFields, id_of, label, rows=None
               ) -> Tuple[Optional[NetShares], List[Note]]:
    """The net share of every feature; None (with a note) when the layer carries no KCXS and no
    net/gross area pair. ``id_of(row)``: a feature's id for the notes; ``rows``: a mask of the
    features that count (the others take share 1 and are never noted; default all)."""
    if not fields.has_net_basis:
        return None, [Note(label, "-", "图层没有扣除地类系数 (KCXS) 或图斑地类面积/图斑面积 "
                           "(TBDLMJ/TBMJ、YJJBNTMJ/YJJBNTTBMJ) 字段，未计算净面积")]
    n = len(layer)
    coefficient = _numbers(layer.columns.get(fields.get("coefficient")), n)
    net_field, gross_field = fields.net_pair or (None, None)
    net = _numbers(layer.columns.get(net_field), n)
    gross = _numbers(layer.columns.get(gross_field), n)
    counted = np.ones(n, dtype=bool) if rows is None else np.asarray(rows, dtype=bool)
    usable_k = (coefficient >= 0) & (coefficient < 1) & counted
    usable_pair = (gross > 0) & (net >= 0) & (net <= gross) & counted
    k = np.where(usable_k, coefficient, 0.0)
    pair_share = np.divide(net, gross, out=np.ones(n), where=usable_pair)
    share = np.where(usable_k, 1.0 - k, np.where(usable_pair, pair_share, 1.0))
    rule = [RULE_COEFFICIENT if k else RULE_SHARE if p else RULE_NONE
            for k, p in zip(usable_k.tolist(), usable_pair.tolist())]
    notes = []
    bad_k = ~np.isnan(coefficient) & ~usable_k & counted
    if bad_k.any():
        notes.append(_count_note(label, id_of, bad_k, f"{fields.get('coefficient')} 不在 0–1 之间",
                                 "改按图斑地类面积/图斑面积或不扣除计"))
    none = np.array([r == RULE_NONE for r in rule], dtype=bool) & counted
    if none.any():
        notes.append(_count_note(label, id_of, none, "既无可用的扣除地类系数，也无可用的图斑地类面积/"
                                 "图斑面积", "净面积按不扣除计", kind="repair"))
    both = usable_k & usable_pair
    expected = gross * (1.0 - k)
    disagree = both & (np.abs(expected - net) > AGREE_M2 + AGREE_SHARE * np.abs(gross))
    if disagree.any():
        notes.append(_count_note(label, id_of, disagree, f"{net_field} 与 {gross_field}×(1−"
                                 f"{fields.get('coefficient')}) "
                                 "不一致", "净面积按扣除地类系数计"))
    return NetShares(share=share, rule=rule), notes


def _count_note(label, id_of, mask, what, then, kind="info"):
    rows = np.flatnonzero(mask)
    shown = "、".join(str(id_of(int(k))) for k in rows[:SHOWN_IDS])
    more = " 等" if len(rows) > SHOWN_IDS else ""
    return Note(label, "-", f"{len(rows)} 个图斑: {what} ({shown}{more})，{then}", kind=kind)


def net_areas(layer, fields: ParcelFields) -> np.ndarray:
    """Each feature's own net area (TBDLMJ, YJJBNTMJ …), NaN where it has no usable one."""
    net = _numbers(layer.columns.get((fields.net_pair or (None,))[0]), len(layer))
    return np.where(net >= 0, net, np.nan)


def _numbers(values, n) -> np.ndarray:
    """Values as floats (NaN where missing or no finite number; text is read as people type
    numbers, full-width digits included)."""
    if values is None:
        return np.full(n, np.nan)
    out = np.full(n, np.nan)
    for k, v in enumerate(values):
        out[k] = _number(v)
    return out


def _number(value) -> float:
    if value is None or isinstance(value, bool):
        return math.nan
    if isinstance(value, (int, float)):
        return float(value) if math.isfinite(value) else math.nan
    try:
        number = float(unicodedata.normalize("NFKC", str(value)).strip().replace(",", ""))
    except ValueError:
        return math.nan
    return number if math.isfinite(number) else math.nan


def text_at(layer, name, row) -> Optional[str]:
    """A feature's value as trimmed text (None where empty or the layer has no such field; a
    code stored as a number loses no digit it still has: 210281101201.0 is 210281101201)."""
    values = layer.columns.get(name) if name else None
    return _text(values[row]) if values is not None else None


def texts_at(layer, name, rows) -> List[Optional[str]]:
    """``text_at`` for many rows of one field."""
    values = layer.columns.get(name) if name else None
    if values is None:
        return [None] * len(rows)
    return [_text(values[row]) for row in rows]


def _text(value) -> Optional[str]:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return None if value is None else (str(value).strip() or None)
