"""Per-patch geometry arithmetic on the overlay's results: the free part left by exemptions,
the union of several covers, and the unit holding most of a patch."""

import shapely.wkb

from . import robust


def subtract(wkbs, holes):
    """WKB of wkbs[i] minus holes[i] (WKB; either may be None)."""
    out = []
    for g, h in zip(wkbs, holes):
        if g is None or h is None:
            out.append(g)
        else:
            rest = robust.difference(shapely.wkb.loads(g), shapely.wkb.loads(h))
            out.append(rest.wkb if rest is not None else None)
    return out


def union_each(*wkb_lists):
    """Element-wise union of several per-patch WKB lists (None where nothing), as WKB."""
    out = []
    for gs in zip(*wkb_lists):
        gs = [g for g in gs if g is not None]
        if len(gs) <= 1:
            out.append(gs[0] if gs else None)
        else:
            u = robust.union([shapely.wkb.loads(g) for g in gs])
            out.append(u.wkb if u is not None else None)
    return out


def dominant_values(parts, values):
    """Per patch: (value holding most area, its share 0..1, [(value, share), ...] by area).

    ``parts`` is a PIECES overlay's per-patch (feature row, piece area) list; ``values`` maps a
    feature row to its attribute value.
    """
    out = []
    for plist in parts:
        totals = {}
        for row, area in plist:
            v = values[row]
            totals[v] = totals.get(v, 0.0) + area
        if not totals:
            out.append((None, 0.0, []))
            continue
        whole = sum(totals.values())
        ranked = sorted(((v, a / whole) for v, a in totals.items()), key=lambda t: -t[1])
        out.append((ranked[0][0], ranked[0][1], ranked))
    return out
