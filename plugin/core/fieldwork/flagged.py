"""The patches a field team visits: those judged 违法 or 需核实, in route order (township,
village, patch id), each with its ledger row and its geometry in the working CRS."""

from dataclasses import dataclass, field
from typing import List, Tuple


from ..overlay.areas import MU_PER_M2
from ..rules.classes import load_class_table
from ..ledger.result_access import read_result
from ..ledger.table import build_rows

FLAGGED_VERDICTS = ("违法", "需核实")


@dataclass
class FlaggedPatch:
    """One flagged patch: the result's fields (``fields``) and its geometry (working CRS)."""

    fid: int
    patch_id: str
    fields: dict
    geometry: object
    row: dict = field(default_factory=dict)
    """The patch's ledger row (``ledger_table.build_rows``): the values as the ledger shows them."""


def read_flagged(result_path: str) -> Tuple[List[FlaggedPatch], str, List[str]]:
    """Flagged patches of a result GeoPackage, ordered by township, village and patch id, the
    working CRS as WKT, and the ids of flagged patches left out for having no geometry."""
    result = read_result(result_path)
    rows = build_rows(result, load_class_table())
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
        flagged.append(FlaggedPatch(fid=p["fid"], patch_id=str(p["patch_id"]), fields=fields,
                                    geometry=result.geometry(p["fid"]),
                                    row=rows.get(str(p["patch_id"]), {})))
    flagged.sort(key=lambda f: (f.fields["township"] or "", f.fields["village"] or "", f.patch_id))
    return flagged, result.crs_wkt, shapeless
