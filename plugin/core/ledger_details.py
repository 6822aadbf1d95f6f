"""What the ledger (整改台账) needs of each patch besides its verdict, worked out while the
overlay pieces are at hand:

- the patches' own delivery attributes: monitoring batch (监测批次), patch type (图斑类型, TBLX)
  and administrative code (行政区代码, XZQDM/ZLDWDM), from the fields the job names or, where it
  names none, the survey's standard field names;
- the flagged area (认定面积) split by layer: how much of it lies in farmland, basic farmland,
  the red line, and outside the urban development boundary;
- the approvals and filings each patch meets (批准文号/备案编号), each with its share of the patch;
- the CRS the patches were delivered in, and the job's title-block values, for ``run_info``.
"""

from typing import Dict, List, Optional


from .overlay.chunked import PIECES, PendingOverlay, covers_patch
from .overlay.clip import clipped_areas
from .result_fields import FLAG_SPLIT_KEYS, LAYER_NAMES

# Standard field names tried when the job names no field (case-insensitive). BZ (备注) is not
# among them: only some deliveries keep the batch there, so the job must say so.
DETECTED_FIELDS = {"batch_field": ("JCPC", "PC"), "type_field": ("TBLX",),
                   "code_field": ("XZQDM", "ZLDWDM")}
ROW_KEYS = {"batch_field": "batch", "type_field": "patch_type", "code_field": "admin_code"}
URBAN = "urban_boundary"
MAX_REFERENCES = 20  # approvals listed per patch; the rest are counted


def add_ledger_details(job, layers, overlays, patches, patch_layer, crs, cover, bases,
                       ellipsoid, rows, pool=None) -> List[tuple]:
    """Fill the ledger's fields (``result_fields.ledger_fields``) into ``rows``; returns the
    ``run_info`` entries the ledger reads (delivered CRS, title block, fields used).

    ``cover``: per patch the WKB of the exemption cover that clears an area (None: none);
    ``bases``: per patch the evaluation's ``flag_basis``; ``pool``: the overlay's workers,
    which clip the pieces where it has them.
    """
    used = delivery_attributes(job.patches, patch_layer, rows)
    flag_split(job, overlays, patches.planar, cover, bases, ellipsoid, rows, pool)
    permit_references(job, layers, patches, crs, rows)
    info = [("input.patches.crs", patch_layer.crs.to_wkt() if patch_layer.crs else "")]
    info += [(f"input.patches.{key}", name) for key, name in used.items()]
    info += [(f"title.{key}", value) for key, value in job.ledger.items() if value]
    if job.name:
        info.append(("title.name", job.name))
    return info


def delivery_attributes(spec, patch_layer, rows) -> Dict[str, str]:
    """``batch``, ``patch_type`` and ``admin_code`` of every patch, as text (None where the
    patch has no value); returns {job key: field read} for the fields found."""
    by_lower = {name.lower(): name for name in patch_layer.columns}
    used = {}
    for key, row_key in ROW_KEYS.items():
        name = spec.extra.get(key) or next(
            (by_lower[f.lower()] for f in DETECTED_FIELDS[key] if f.lower() in by_lower), None)
        values = patch_layer.columns.get(name) if name else None
        for r, i in zip(rows, patch_layer.kept_rows):
            r[row_key] = _text(values[i]) if values is not None else None
        if values is not None:
            used[key] = name
    return used


def _text(value) -> Optional[str]:
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a code delivered as a number: 210281.0 is 210281
    text = str(value).strip()
    return text or None


def flag_split(job, overlays, patch_planar, cover, bases, ellipsoid, rows, pool=None) -> None:
    """``flag_K_m2``: the part of the flagged area inside baseline K (farmland, basic farmland,
    red line); ``flag_outside_urban_m2``: the part outside the urban development boundary.

    The flagged area is a region of the patch (``flag_basis``): the whole patch, the part no
    exemption covers, or the part inside/outside one baseline (again without or with the
    exempted part). Its overlap with K is K's own column where that is exactly it, else the
    intersection of the overlay pieces, measured on the ellipsoid like every other area.
    """
    keys = [k for k in FLAG_SPLIT_KEYS if k in job.baselines]
    if URBAN in job.baselines:
        keys.append(URBAN)
    if not keys:
        return
    jobs, targets = [], []
    for i, (r, basis) in enumerate(zip(rows, bases)):
        flag = r["flag_area_m2"] or 0.0
        for key in keys:
            if not basis or flag <= 0:
                inside = 0.0
            else:
                inside = _inside(basis, key, r, overlays, i, cover[i], patch_planar[i])
            if isinstance(inside, tuple):  # (a clip job, area its part is subtracted from)
                jobs.append(inside[0])
                targets.append((r, key, inside[1]))
                inside = 0.0
            r[_split_field(key)] = inside
    for (r, key, minus), m2 in zip(targets, clipped_areas(jobs, ellipsoid, pool)):
        m2 = 0.0 if m2 is None else m2
        r[_split_field(key)] = m2 if minus is None else minus - m2
    for r in rows:
        flag = r["flag_area_m2"] or 0.0
        for key in keys:
            value = min(max(r[_split_field(key)], 0.0), flag)
            r[_split_field(key)] = round(value, 4)
        if URBAN in keys:
            r["flag_outside_urban_m2"] = round(flag - r.pop(_split_field(URBAN)), 4)


def _split_field(key):
    return f"flag_{key}_m2"


def _occupied_m2(row, key, free):
    """The row's area inside baseline ``key``, without the exempted part where ``free``."""
    return row[f"{key}_free_m2"] if free else row[f"{key}_m2"]


def _inside(basis, key, row, overlays, i, cover, patch_planar):
    """The part of a patch's flagged region inside baseline ``key``: a number of m², or
    (clip job, None) to measure, or (clip job, m²) when the measured area is to be subtracted
    (the job: ``key``'s piece of the patch inside ``basis``'s baseline, less the exempted part
    where the basis leaves that out). ``patch_planar``: the patch's planar area."""
    free = basis.endswith("_free")
    known = _occupied_m2(row, key, free)
    if basis in ("patch", "patch_free"):
        return known
    base, part = basis.split(":")
    if base == key:
        return known if part.startswith("inside") else 0.0
    ours, theirs = overlays[key][i], overlays[base][i]
    if ours is None or theirs is None:  # the two baselines share nothing in this patch
        return 0.0 if part.startswith("inside") else known
    # One of the two covers the whole patch (farmland under most patches): their common part
    # is the other one, whose area (without the exempted part where the basis says so) the
    # row holds already.
    if covers_patch(theirs, patch_planar):
        return known if part.startswith("inside") else 0.0
    if covers_patch(ours, patch_planar):
        common = _occupied_m2(row, base, free)
        return common if part.startswith("inside") else known - common
    job = (ours[0], theirs[0], None, cover if free else None)
    return (job, None) if part.startswith("inside") else (job, known)


def permit_references(job, layers, patches, crs, rows) -> None:
    """``permit_refs``: every approval, filing or temporary-use permit a patch meets, by the
    id field the job names for that layer, with the share of the patch it covers, largest
    first (``辽开发〔2023〕13号 (批准用地 100.0%)``). Layers without an id field are not listed."""
    if not job.exemptions:
        return
    found = [[] for _ in rows]
    for key, spec in job.exemptions.items():
        if not spec.id_field:
            continue
        layer = layers[key][1]
        ids = layer.ids(spec.id_field)
        pieces, _ = PendingOverlay(patches, layer, crs, PIECES, spec.id_field).collect()
        for refs, r, plist in zip(found, rows, pieces):
            shares: Dict[str, float] = {}
            for feature, planar in plist:
                shares[ids[feature]] = shares.get(ids[feature], 0.0) + planar
            for ref, planar in shares.items():
                if planar >= job.min_area_m2 and r["planar_m2"] > 0:
                    refs.append((min(100.0, 100.0 * planar / r["planar_m2"]), ref, key))
    for r, refs in zip(rows, found):
        refs.sort(key=lambda t: (-t[0], t[1]))
        shown = [f"{ref} ({LAYER_NAMES[key]} {pct:.1f}%)" for pct, ref, key in refs[:MAX_REFERENCES]]
        if len(refs) > MAX_REFERENCES:
            shown.append(f"等共 {len(refs)} 个")
        r["permit_refs"] = "；".join(shown) or None
