"""Net areas (扣除后面积) of what each patch occupies in a parcel baseline.

The overlay gives each patch's piece inside every parcel it meets (with the occupied area). Where parcels
overlap each other (a delivery error), the overlap belongs only to the parcel earlier in the
layer, so every square metre counts once: a patch's pieces then add up to its occupied area
(``K_m2``, the patch ∩ the union of the layer) and their net areas (piece × the parcel's net
share) to ``K_net_m2``.
"""

from dataclasses import dataclass
from typing import Dict, List, Optional, Tuple

import shapely.wkb

from ..errors import Note
from ..overlay import robust
from ..overlay.areas import MU_PER_M2
from ..overlay.chunked import covers_patch
from ..overlay.clip import clipped_areas
from ..result_fields import FLAG_SPLIT_KEYS
from .attributes import PARCEL_BASELINES, NetShares, ParcelFields, net_shares, texts_at

# Pieces add up to more than the union only where parcels overlap; GEOS noise stays far below.
OVERLAP_SHARE, OVERLAP_M2 = 1e-7, 1e-4


def parcel_key(role):
    """The overlay key of a parcel baseline's pieces."""
    return f"{role}:parcels"


def overlay_requests(job, layers) -> Dict[str, str]:
    """{pieces key: role} of the parcel baselines cut parcel by parcel: those whose layers
    carry any survey attribute (without one, neither a net area nor a parcel could be named).
    ``layers``: those read so far."""
    return {parcel_key(key): key for key in PARCEL_BASELINES
            if key in job.baselines and key in layers
            and ParcelFields.detect(layers[key][1].columns).names()}


@dataclass
class ParcelPieces:
    """One parcel baseline: its layer, attributes and net shares, and per patch its pieces
    (feature row, WKB, ellipsoidal m²) with overlaps counted once."""

    key: str
    label: str
    layer: object
    fields: ParcelFields
    shares: Optional[NetShares]
    id_field: Optional[str]
    pieces: List[List[Tuple[int, bytes, float]]]

    def net_of(self, row, m2) -> Optional[float]:
        return None if self.shares is None else m2 * float(self.shares.share[row])

    def id_of(self, row) -> str:
        return self.ids_of([row])[0]

    def ids_of(self, rows) -> List[str]:
        """Each parcel's BSM, else the job's id field, else its FID."""
        own = texts_at(self.layer, self.fields.get("parcel_id"), rows)
        job = texts_at(self.layer, self.id_field, rows)
        return [a or b or f"FID {self.layer.fids[row]}" for a, b, row in zip(own, job, rows)]


def parcel_pieces(job, layers, overlays, ellipsoid, notes) -> Dict[str, ParcelPieces]:
    """{baseline: ParcelPieces} of every parcel baseline cut parcel by parcel. ``overlays``
    after the slivers under ``min_area_m2`` were dropped (their union entry is None)."""
    out = {}
    for key, role in overlay_requests(job, layers).items():
        spec, layer = layers[role]
        fields = ParcelFields.detect(layer.columns)
        pp = ParcelPieces(key=role, label=spec.label, layer=layer, fields=fields, shares=None,
                          id_field=spec.id_field, pieces=[])
        pp.shares, share_notes = net_shares(layer, fields, pp.id_of, spec.label)
        notes.extend(share_notes)
        pp.pieces, overlapped = _attributed(overlays[key], overlays[role], ellipsoid)
        if overlapped:
            notes.append(Note(spec.label, "-", f"{overlapped} 个监测图斑所在处本图层图斑相互重叠: "
                              "重叠部分只计一次，归图层中靠前的图斑"
                              + (" (净面积按其扣除系数)" if pp.shares is not None else "")))
        out[role] = pp
    return out


def _attributed(shapes, union, ellipsoid):
    """Per patch [(feature row, WKB, m²)] in layer order, each overlap left to the earlier
    parcel; and the number of patches where parcels overlapped. ``shapes``: the pieces as the
    overlay gives them, measured in its workers."""
    kept, remeasure = [], []
    for plist, whole in zip(shapes, union):
        if whole is None or not plist:
            kept.append([])
            continue
        plist = sorted(plist, key=lambda p: p[0])
        if sum(planar for _, (_, planar, _) in plist) > \
                whole[2] * (1 + OVERLAP_SHARE) + OVERLAP_M2:
            remeasure.append(len(kept))  # the pieces an overlap cut are measured again
            kept.append(_without_overlaps([(row, w) for row, (w, _, _) in plist]))
        else:
            kept.append([(row, w, m2) for row, (w, _, m2) in plist])
    m2 = iter(ellipsoid.areas([w for k in remeasure for _, w in kept[k]]).tolist())
    for k in remeasure:
        kept[k] = [(row, w, next(m2)) for row, w in kept[k]]
    return kept, len(remeasure)


def _without_overlaps(plist):
    taken, out = None, []
    for row, blob in plist:
        geom = shapely.wkb.loads(blob)
        part = geom if taken is None else robust.difference(geom, taken)
        if part is not None:
            out.append((row, part.wkb))
        taken = geom if taken is None else robust.union([taken, geom])
    return out


def net_columns(parcels: Dict[str, ParcelPieces], rows) -> None:
    """``K_net_m2``/``K_net_mu``: Σ piece × net share, never more than ``K_m2``; None where
    the layer carries no net basis."""
    for key, pp in parcels.items():
        for r, plist in zip(rows, pp.pieces):
            if pp.shares is None:
                r[f"{key}_net_m2"] = r[f"{key}_net_mu"] = None
                continue
            net = min(sum(pp.net_of(row, m2) for row, _, m2 in plist), r[f"{key}_m2"])
            r[f"{key}_net_m2"] = round(net, 4)
            r[f"{key}_net_mu"] = round(net * MU_PER_M2, 6)


def net_keys(parcels) -> List[str]:
    return [k for k in PARCEL_BASELINES if k in parcels]


def flag_keys(parcels) -> List[str]:
    return [k for k in FLAG_SPLIT_KEYS if k in parcels]


def flag_net_split(parcels, overlays, cover, bases, ellipsoid, rows, patch_planar,
                   pool=None) -> None:
    """``flag_K_net_m2``: the net area of the flagged region (``flag_basis``) inside parcel
    baseline K — each piece's part inside the region × its parcel's net share, never more
    than the gross ``flag_K_m2``. ``patch_planar``: the patches' planar areas."""
    for key in flag_keys(parcels):
        pp, name = parcels[key], f"flag_{key}_net_m2"
        jobs, targets = [], []
        for i, (r, basis) in enumerate(zip(rows, bases)):
            r[name] = None if pp.shares is None else 0.0
            if pp.shares is None or not basis or (r["flag_area_m2"] or 0.0) <= 0:
                continue
            clip = _clip(basis, key, i, overlays, cover[i], patch_planar[i])
            if clip is None:
                continue
            for row, blob, m2 in pp.pieces[i]:
                if clip == ():
                    r[name] += pp.net_of(row, m2)
                    continue
                jobs.append((blob, *clip))
                targets.append((r, row))
        for (r, row), m2 in zip(targets, clipped_areas(jobs, ellipsoid, pool)):
            if m2 is not None:
                r[name] += pp.net_of(row, m2)
        for r in rows:
            if r[name] is not None:
                r[name] = round(min(r[name], r.get(f"flag_{key}_m2") or 0.0), 4)


def _clip(basis, key, i, overlays, cover, patch_planar):
    """How patch i's flagged region cuts the pieces of baseline ``key``: () for not at all,
    (inside, outside, minus) WKBs (None where that cut does not apply), or None when the
    region holds none of the baseline. ``patch_planar``: the patch's planar area."""
    free = basis.endswith("_free")
    minus = cover if free and cover is not None else None
    everywhere = (None, None, minus) if minus is not None else ()  # all the patch is flagged
    if basis in ("patch", "patch_free"):
        return everywhere
    base, part = basis.split(":")
    inside = part.startswith("inside")
    # inside a baseline that is this one or covers the whole patch: all of it, outside: none
    if base == key or covers_patch(overlays[base][i], patch_planar):
        return everywhere if inside else None
    piece = overlays[base][i]
    piece = piece[0] if piece is not None else None
    if inside:
        return None if piece is None else (piece, None, minus)
    if piece is None:
        return everywhere
    return None, piece, minus
