"""The patches a field team visits: those judged 违法 or 需核实, township by township, each
township in driving order (``route``), each with its ledger row, its geometry in the working CRS
(as the analysis repaired it) and the note of that repair."""

from dataclasses import dataclass, field
from itertools import groupby
from typing import Dict, List, Tuple

from ..io.gpkg_reader import layer_names, open_geopackage, read_table
from ..ledger.result_access import read_result
from ..ledger.table import build_rows
from ..overlay.areas import MU_PER_M2
from ..rules.classes import load_class_table
from .route import route_order

FLAGGED_VERDICTS = ("违法", "需核实")

# How the notes name the patch layer (its role's Chinese name; "patches" in older results).
PATCH_LABELS = ("监测图斑", "patches")


@dataclass
class FlaggedPatch:
    """One flagged patch: the result's fields (``fields``) and its geometry (working CRS)."""

    fid: int
    patch_id: str
    fields: dict
    geometry: object
    row: dict = field(default_factory=dict)
    """The patch's ledger row (``ledger_table.build_rows``): the values as the ledger shows them."""
    repair: str = ""
    """How the analysis repaired the delivered geometry ("" when it did not)."""


def read_flagged(result_path: str) -> Tuple[List[FlaggedPatch], str, List[str]]:
    """Flagged patches of a result GeoPackage in visiting order (townships by name, each in
    ``route_order`` from its first patch by village and patch id), the working CRS as WKT, and
    the ids of flagged patches left out for having no geometry."""
    result = read_result(result_path)
    rows = build_rows(result, load_class_table())
    repairs = geometry_repairs(result_path)
    flagged, shapeless = [], []
    for p in result.patches:
        if p["verdict"] not in FLAGGED_VERDICTS:
            continue
        if p["fid"] not in result.wkbs:
            shapeless.append(str(p["patch_id"]))
            continue
        fields = dict(p)
        if fields.get("area_m2") is not None:
            fields["area_mu"] = fields["area_m2"] * MU_PER_M2
        pid = str(p["patch_id"])
        flagged.append(FlaggedPatch(fid=p["fid"], patch_id=pid, fields=fields,
                                    geometry=result.geometry(p["fid"]), row=rows.get(pid, {}),
                                    repair=repairs.get(pid, "")))
    return visiting_order(flagged), result.crs_wkt, shapeless


def visiting_order(patches: List[FlaggedPatch]) -> List[FlaggedPatch]:
    """Townships by name (patches without one last), each township's patches in route order."""
    def town(p):
        return p.fields.get("township") or ""

    by_number = sorted(patches, key=lambda p: (town(p) == "", town(p), p.fields.get("village") or "",
                                               p.patch_id))
    out = []
    for _, group in groupby(by_number, key=town):
        group = list(group)
        centres = [(p.fields["centre_x"], p.fields["centre_y"]) for p in group]
        out.extend(group[k] for k in route_order(centres))
    return out


def geometry_repairs(result_path: str) -> Dict[str, str]:
    """{patch id: the analysis's note} of every patch whose delivered geometry was repaired,
    from the result's ``notes`` table."""
    ds = open_geopackage(result_path)
    if "notes" not in layer_names(ds):
        return {}
    return {str(feature): message
            for layer, feature, message in read_table(ds, "notes", ("layer", "feature", "message"))
            if (layer or "").startswith(PATCH_LABELS) and "几何" in (message or "")}
