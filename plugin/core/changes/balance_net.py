"""The farmland balance in net area (扣除田坎等后: the 图斑地类面积 TBDLMJ that official farmland
statistics count), from the same parts and measurements as the gross balance.

Stocks (期初/期末) are each farmland parcel's own TBDLMJ, so the net start and end equal the
survey's own totals; a parcel without one counts its area × its net share. Flows are the
change pieces × the net share of the parcel they come from (lost: the before parcel's,
gained: the after parcel's): 1 − KCXS, else TBDLMJ / TBMJ (``parcels.attributes``). Farmland
that stays farmland but whose class or coefficient changed moves net area without a flow: that
is the column 扣除调整 (``adjusted``), so start + gained − lost + moved + adjusted = end checks
the net sheet as the gross one is checked.
"""

import numpy as np

from ..errors import Note
from . import balance
from .account import assemble


def net_accounts(before, after, parts, protected, ellipsoid, notes):
    """(net FarmlandAccount, {key: net account inside each protected layer}); (None, {}) with
    a note where a year's layer carries no net basis (no KCXS, no TBDLMJ/TBMJ)."""
    if before.net_share is None or after.net_share is None:
        notes.append(Note("耕地进出平衡", "-", "两年图层未都带扣除地类系数 (KCXS) 或图斑地类面积 (TBDLMJ/TBMJ)，"
                          "未生成净面积平衡表"))
        return None, {}
    weights = (before.net_share, after.net_share)
    values = _weighted(parts, parts.values, *weights)
    _own_stocks(parts, values, before, after)
    account = assemble(parts, values)
    _adjust(account, parts, values, ellipsoid, *weights)
    for unit, gap in account.gaps().items():
        if abs(gap) >= balance.GAP_TOLERANCE_M2:
            notes.append(Note("耕地进出平衡 (净面积)", unit, f"期初 + 增加 − 减少 + 跨乡镇调整 + 扣除调整 "
                              f"与期末相差 {gap:.2f} 平方米: 图斑面积 TBMJ 与图形面积不符、地类未变的图斑扣除系数改变，"
                              "或两年图层范围不一致"))
    inside = {key: assemble(parts, _weighted(parts, v, *weights)) for key, v in protected.items()}
    return account, inside


def _rows(parts, name, side):
    found = parts.rows[name][side]
    return np.asarray(found if found is not None else [], dtype=np.int64)


def _weighted(parts, values, share_b, share_a):
    """The measured parts × the net share of the parcel each comes from: before-year items by
    the before parcel's, after-year items by the after parcel's; farmland that moves between
    townships keeps its before share on both sides (its share change is an adjustment)."""
    sides = {"shared": ("shared", 0), "shared_end": ("shared", 1), "start_only": ("start_only", 0),
             "end_only": ("end_only", 1), "lost": ("lost", 0), "gained": ("gained", 1),
             "moved": ("moved", 0), "moved_end": ("moved", 0)}
    out = {}
    for name, (part, side) in sides.items():
        share = share_b if side == 0 else share_a
        out[name] = np.asarray(values[name], dtype=float) * share[_rows(parts, part, side)]
    return out


def _own_stocks(parts, values, before, after):
    """Whole parcels count their own net area (TBDLMJ) where they have one."""
    for name, part, side, year in (("shared", "shared", 0, before),
                                   ("shared_end", "shared", 1, after),
                                   ("start_only", "start_only", 0, before),
                                   ("end_only", "end_only", 1, after)):
        own = year.net_stock[_rows(parts, part, side)]
        values[name] = np.where(np.isnan(own), values[name], own)


def _adjust(account, parts, values, ellipsoid, share_b, share_a):
    """扣除调整: identical parcels of one township whose own net area changed, pieces that stay
    farmland in one township with a new class, and moving pieces' share change (an identical
    parcel that changes township moves with its own net areas, change included)."""
    _, u_start, u_end = parts.shared
    for a, b, start, end in zip(u_start, u_end, values["shared"], values["shared_end"]):
        if (a[0] or "") == (b[0] or "") and end != start:
            account.add_adjustment(b, end - start)
    kept_wkb, kept_units = parts.kept
    m2 = ellipsoid.areas(list(kept_wkb)) if kept_wkb else np.zeros(0)
    change = share_a[_rows(parts, "kept", 1)] - share_b[_rows(parts, "kept", 0)]
    for unit, area, delta in zip(kept_units, m2, change):
        if delta:
            account.add_adjustment(unit, area * delta)
    change = share_a[_rows(parts, "moved", 1)] - share_b[_rows(parts, "moved", 0)]
    for unit, area, delta in zip(parts.moved[2], parts.values["moved_end"], change):
        if delta:
            account.add_adjustment(unit, area * delta)
