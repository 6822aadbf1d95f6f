"""The job's input roles and the survey-schema field names that fill their fields automatically.

Deliveries name the same field differently from province to province (监测编号 is JCBH in one,
TBBH in another), so each mapped field has a list of candidates, best first; the analyst
corrects a wrong guess by hand.
"""

import re
from dataclasses import dataclass, field
from typing import List, Optional, Tuple

from ..compat import tr


@dataclass(frozen=True)
class FieldSlot:
    """One field of a role the job maps, e.g. the patches' ``before_field``."""

    key: str
    label: str
    candidates: Tuple[str, ...]
    help: str = ""


@dataclass(frozen=True)
class InputRole:
    """One input of the job: its key in the job file, where it goes, and its fields."""

    key: str
    group: str  # patches | baselines | exemptions | admin | parcels
    label: str
    required: bool = False
    fields: Tuple[FieldSlot, ...] = field(default_factory=tuple)
    #: Only the farmland baseline: a parcel layer (DLTB) filtered to the farmland codes.
    class_filter: bool = False
    #: Only the patches: their class fields may hold land-class names instead of codes.
    class_names: bool = False


#: The field a parcel layer (DLTB) keeps its land-class code in, and the farmland codes.
CLASS_FILTER_CANDIDATES = ("DLBM",)
FARMLAND_CODES = ("01*",)

# Survey abbreviations first, then the Chinese names deliveries also use, then the fields of
# the change patches the workspace derives from two survey years (changes.gpkg).
ID_CANDIDATES = ("JCBH", "TBBH", "TBYBH", "BSM", "BH", "监测编号", "图斑编号", "编号",
                 "change_id")
BEFORE_CANDIDATES = ("QDLBM", "BGQDLBM", "QSXDLBM", "YDLBM", "BGQDL", "QDL", "前地类编码",
                     "变化前地类", "变更前地类", "前时相地类", "前地类", "原地类", "from_class")
AFTER_CANDIDATES = ("HDLBM", "BGHDLBM", "HSXDLBM", "XZDLBM", "XDLBM", "BGHDL", "HDL",
                    "后地类编码", "变化后地类", "变更后地类", "后时相地类", "后地类", "现地类",
                    "to_class", "DLBM")
EXEMPTION_ID_CANDIDATES = ("PZWH", "BABH", "PFWH", "XMBH", "BH", "BSM", "批准文号", "备案编号",
                           "XMMC")
TOWNSHIP_CANDIDATES = ("XZMC", "XZ", "SSXZ", "乡镇名称", "乡镇", "XZQMC", "ZLDWMC")
VILLAGE_CANDIDATES = ("CJMC", "CMC", "XZCMC", "CM", "村名称", "行政村", "XZQMC", "ZLDWMC")


def input_roles() -> List[InputRole]:
    """Every input role, in the order the dock shows them (texts translated now)."""
    exemption_id = FieldSlot("id_field", tr("Approval / filing number"), EXEMPTION_ID_CANDIDATES,
                             tr("Named in the reasons of patches it covers."))
    return [
        InputRole("patches", "patches", tr("Monitoring patches"), required=True, fields=(
            FieldSlot("id_field", tr("Patch number"), ID_CANDIDATES,
                      tr("The monitoring number (JCBH) that keys the ledger.")),
            FieldSlot("before_field", tr("Class before"), BEFORE_CANDIDATES,
                      tr("Land-class code (DLBM) before the change.")),
            FieldSlot("after_field", tr("Class after"), AFTER_CANDIDATES,
                      tr("Land-class code (DLBM) after the change.")),
        ), class_names=True),
        InputRole("farmland", "baselines", tr("Farmland"), class_filter=True),
        InputRole("basic_farmland", "baselines", tr("Permanent basic farmland")),
        InputRole("red_line", "baselines", tr("Ecological protection red line")),
        InputRole("urban_boundary", "baselines", tr("Urban development boundary")),
        InputRole("approved", "exemptions", tr("Approved land use"), fields=(exemption_id,)),
        InputRole("facility_agri", "exemptions", tr("Facility agriculture filings"),
                  fields=(exemption_id,)),
        InputRole("temporary", "exemptions", tr("Temporary land use"), fields=(exemption_id,)),
        InputRole("admin", "admin", tr("Administrative divisions"), fields=(
            FieldSlot("township_field", tr("Township name"), TOWNSHIP_CANDIDATES),
            FieldSlot("village_field", tr("Village name"), VILLAGE_CANDIDATES),
        )),
        InputRole("parcels_before", "parcels", tr("Previous year's land parcels"), fields=(
            FieldSlot("class_field", tr("Land class"), CLASS_FILTER_CANDIDATES,
                      tr("The class a patch had before, where the patches carry none; and the owners of the land it covers.")),
        ), class_names=True),
    ]


def guess_field(names, candidates, taken=()) -> Optional[str]:
    """The layer field that best matches the candidates (case-insensitive), or None.

    ``taken`` are fields already given to another slot of the same layer: a village field
    must not also be the township field.
    """
    by_upper = {}
    for name in names:
        by_upper.setdefault(name.upper(), name)
    taken_upper = {t.upper() for t in taken if t}
    for candidate in candidates:
        name = by_upper.get(candidate.upper())
        if name is not None and name.upper() not in taken_upper:
            return name
    return None


def guess_fields(names, slots) -> dict:
    """{slot key: field name or None} for a layer's field names, no field used twice.

    Slots whose first candidate is present go first, so an exact match (XZQMC as the village
    of a CJXZQ layer with XZMC) is not stolen by a weaker guess of another slot.
    """
    guesses = {}
    taken = []
    order = sorted(slots, key=lambda s: guess_field(names, s.candidates[:1]) is None)
    for slot in order:
        name = guess_field(names, slot.candidates, taken)
        guesses[slot.key] = name
        if name:
            taken.append(name)
    return guesses


def guess_class_filter(names) -> Tuple[Optional[str], Tuple[str, ...]]:
    """For a farmland layer: (class field, farmland codes) when it looks like a parcel layer."""
    class_field = guess_field(names, CLASS_FILTER_CANDIDATES)
    return (class_field, FARMLAND_CODES) if class_field else (None, ())


#: Layer names of the survey and planning deliveries, by role, most specific first.
LAYER_NAME_CANDIDATES = {
    "patches": ("JCTB", "WPTB", "BGTB", "监测图斑", "卫片", "变化图斑"),
    "basic_farmland": ("YJJBNTTB", "JBNTTB", "YJJBNT", "永久基本农田", "基本农田"),
    "red_line": ("STBHHX", "生态保护红线", "生态红线"),
    "urban_boundary": ("CZKFBJ", "城镇开发边界"),
    "farmland": ("DLTB", "GDTB", "地类图斑", "耕地"),
    "facility_agri": ("SSNYD", "设施农用地"),
    "temporary": ("LSYD", "临时用地"),
    "approved": ("PZYD", "PZTB", "NYDZY", "批准", "报批", "供地"),
    "admin": ("CJXZQ", "XZQ", "行政区"),
}


def guess_role_layers(layers) -> dict:
    """{role: layer id} for layers given as (id, [names]) where a name matches a role.

    Names are the layer's name in QGIS and its table or file name. A role takes the first
    layer that matches it; a layer goes to at most one role.
    """
    chosen, used = {}, set()
    for role, tokens in LAYER_NAME_CANDIDATES.items():
        for layer_id, names in layers:
            if layer_id in used:
                continue
            upper = [n.upper() for n in names if n]
            if any(token.upper() in name for token in tokens for name in upper):
                chosen[role] = layer_id
                used.add(layer_id)
                break
    return chosen


#: Layer names of a survey year's land parcels (DLTB), to compare two years.
PARCEL_LAYER_TOKENS = ("DLTB", "地类图斑")


def guess_survey_years(layers):
    """(earlier, later) layer ids of two land-parcel layers (DLTB) told apart by the year in
    their names, e.g. dltb_2023 and dltb_2024; None for each not found.

    Layers are given as (id, [names]) like :func:`guess_role_layers` takes them.
    """
    by_year = {}
    for layer_id, names in layers:
        text = " ".join(n for n in names if n)
        if any(token.upper() in text.upper() for token in PARCEL_LAYER_TOKENS):
            years = re.findall(r"(?<!\d)((?:19|20)\d\d)(?!\d)", text)
            if years:
                by_year.setdefault(max(years), layer_id)
    if len(by_year) < 2:
        return None, None
    years = sorted(by_year)
    return by_year[years[0]], by_year[years[-1]]
