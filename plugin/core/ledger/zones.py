"""The result's own zones as ledger columns: the baselines a job adds itself (自然保护地,
饮用水水源保护区 …), each with the area a patch occupies in 亩 and the values carried from the
zone's feature holding most of the patch, under headers made of the zone's display name.

A template places them with its entry ``zones``. A zone column's key names its zone
(``zone:KEY`` for the area, ``zone:KEY:FIELD`` for a carried value), so a ledger read back
knows its zone columns from its own column table.
"""

from dataclasses import dataclass
from typing import Iterable, List, Mapping, Optional, Sequence, Tuple

from ..errors import InputError
from ..job import BASELINE_KEY, BASELINE_KEYS
from ..result_fields import carried_alias, carried_field
from .columns import MU, TEXT, Column

ZONES_ENTRY = "zones"  # the template entry the zone columns replace
KEY_PREFIX = "zone:"


@dataclass(frozen=True)
class Zone:
    """A zone of the result: its key in the job, display name and carried fields."""

    key: str
    name: str
    carry: Tuple[str, ...] = ()

    @property
    def area_key(self) -> str:
        return f"{KEY_PREFIX}{self.key}"

    def value_key(self, field: str) -> str:
        return f"{KEY_PREFIX}{self.key}:{field}"

    @property
    def area_header(self) -> str:
        return f"占用{self.name}面积(亩)"

    def columns(self) -> List[Column]:
        """Its ledger columns: the area, then each carried value."""
        return [_area_column(self.area_key, self.area_header)] + [
            _value_column(self.value_key(f), carried_alias(self.name, f)) for f in self.carry]


def result_zones(run_info: Mapping[str, str], fields: Iterable[str]) -> List[Zone]:
    """The zones of a result, in job order: every baseline beyond the four known ones that the
    run information names and the patches layer (``fields``) holds, with the carried fields
    it holds."""
    fields = set(fields)
    out = []
    for entry, name in run_info.items():
        parts = entry.split(".")
        if len(parts) != 3 or parts[0] != "input" or parts[2] != "name":
            continue
        key = parts[1]
        if key in BASELINE_KEYS or f"{key}_m2" not in fields or not name:
            continue
        carry = (run_info.get(f"input.{key}.carry") or "").split(",")
        out.append(Zone(key, name, tuple(f for f in carry
                                         if f and carried_field(key, f) in fields)))
    return out


def zone_columns(zones: Sequence[Zone], headers: Iterable[str], where: str) -> List[Column]:
    """The columns of every zone; InputError naming the zone when one of its headers is
    already a header of the ledger (``headers``) or of another zone."""
    taken = set(headers)
    out = []
    for zone in zones:
        for column in zone.columns():
            if column.header in taken:
                raise InputError(f"自定义底线图层“{zone.name}”({zone.key}) 的台账列“{column.header}”"
                                 "与台账中已有的列同名；请在任务文件中给它另取 name 后重新分析",
                                 layer=where, field=column.key)
            taken.add(column.header)
            out.append(column)
    return out


def zone_column(key: str) -> Optional[Column]:
    """The zone column a ledger's column table names by ``key`` (its header left empty for
    the table's), None when the key names no zone column."""
    if not isinstance(key, str) or not key.startswith(KEY_PREFIX):
        return None
    zone_key, _, field = key[len(KEY_PREFIX):].partition(":")
    if not BASELINE_KEY.match(zone_key) or zone_key in BASELINE_KEYS:
        return None
    return _value_column(key, "") if field else _area_column(key, "")


def _area_column(key, header):
    return Column(key, header, MU)


def _value_column(key, header):
    return Column(key, header, TEXT, max_width=14, wrap=True)
