"""Names, types and Chinese aliases of the fields the engine adds to the result layers."""

LAYER_NAMES = {
    "farmland": "耕地", "basic_farmland": "永久基本农田", "red_line": "生态保护红线",
    "urban_boundary": "城镇开发边界", "approved": "批准用地", "facility_agri": "设施农用地备案",
    "temporary": "临时用地",
}

_BASE = [
    ("patch_id", "str", "图斑编号"),
    ("area_m2", "real", "图斑面积(平方米)"),
    ("area_mu", "real", "图斑面积(亩)"),
    ("planar_m2", "real", "平面面积(平方米)"),
]
_ADMIN = [
    ("township", "str", "乡镇"),
    ("village", "str", "村"),
    ("admin_note", "str", "行政区说明"),
    ("before_class", "str", "前地类"),
    ("after_class", "str", "现地类"),
]
VERDICT_FIELDS = [
    ("verdict", "str", "判定结果"),
    ("violation_type", "str", "违法类型"),
    ("rule_ids", "str", "命中规则"),
    ("severity", "int", "严重程度(1-5)"),
    ("measure", "str", "建议整改措施"),
    ("flag_area_m2", "real", "认定面积(平方米)"),
    ("flag_area_mu", "real", "认定面积(亩)"),
    ("reason", "str", "判定理由"),
]


def patch_fields(baseline_keys, exemption_keys, with_verdict=False, names=None, carry=None):
    """(name, type, alias) of every field the engine adds, in output order.

    ``names``: {key: display name} for user-defined baselines (the known ones default to
    theirs); ``carry``: {baseline key: [field, …]} carried from the largest overlapping
    feature as ``<key>_<field>``."""
    names = {**LAYER_NAMES, **(names or {})}
    out = list(_BASE)
    for k in baseline_keys:
        name = names[k]
        out += [(f"{k}_m2", "real", f"占{name}面积(平方米)"),
                (f"{k}_pct", "real", f"占{name}比例(%)"),
                (f"{k}_free_m2", "real", f"占{name}未获许可面积(平方米)")]
        out += [(carried_field(k, f), "str", carried_alias(name, f))
                for f in (carry or {}).get(k, ())]
    for k in exemption_keys:
        name = names[k]
        out += [(f"{k}_m2", "real", f"{name}覆盖面积(平方米)"),
                (f"{k}_pct", "real", f"{name}覆盖比例(%)")]
    if exemption_keys:
        out.append(("free_m2", "real", "未获许可面积(平方米)"))
    out += _ADMIN
    if with_verdict:
        out += VERDICT_FIELDS
    return out


def carried_field(key, field):
    """The result field carrying a baseline feature's ``field`` value."""
    return f"{key}_{field}"


def carried_alias(name, field):
    """What a user reads for a carried value: the baseline's display name and the field."""
    return f"{name}{field}"


# The flagged area (认定面积) split by the layers the ledger reports it in.
FLAG_SPLIT_KEYS = ("farmland", "basic_farmland", "red_line")
DELIVERY_FIELDS = [
    ("batch", "str", "监测批次"),
    ("patch_type", "str", "图斑类型"),
    ("admin_code", "str", "行政区代码"),
]


def ledger_fields(baseline_keys, exemption_keys):
    """(name, type, alias) of the fields the ledger reads besides the verdict: the patches'
    delivery attributes, the flagged area inside each baseline (and outside the urban
    boundary), and the approvals covering the patch."""
    out = list(DELIVERY_FIELDS)
    out += [(f"flag_{k}_m2", "real", f"认定面积中占{LAYER_NAMES[k]}(平方米)")
            for k in FLAG_SPLIT_KEYS if k in baseline_keys]
    if "urban_boundary" in baseline_keys:
        out.append(("flag_outside_urban_m2", "real", "认定面积中位于城镇开发边界外(平方米)"))
    if exemption_keys:
        out.append(("permit_refs", "str", "批准文号/备案编号"))
    return out


OVERLAP_FIELDS = [
    ("patch_id", "str", "图斑编号"),
    ("layer_key", "str", "图层代码"),
    ("layer_name", "str", "叠加图层"),
    ("area_m2", "real", "面积(平方米)"),
    ("area_mu", "real", "面积(亩)"),
    ("planar_m2", "real", "平面面积(平方米)"),
]


# Net areas (扣除田坎等后的面积) and owners, where a parcel baseline's layer carries them
# (plugin/core/parcels).
def parcel_result_fields(net_keys, flag_keys, with_owner):
    """(name, type, alias) of the net-area fields of the baselines ``net_keys``, the net part
    of the flagged area inside ``flag_keys``, and the owner collective."""
    out = []
    for k in net_keys:
        out += [(f"{k}_net_m2", "real", f"占{LAYER_NAMES[k]}净面积(平方米)"),
                (f"{k}_net_mu", "real", f"占{LAYER_NAMES[k]}净面积(亩)")]
    out += [(f"flag_{k}_net_m2", "real", f"认定面积中占{LAYER_NAMES[k]}净面积(平方米)")
            for k in flag_keys]
    if with_owner:
        out.append(("owner", "str", "权属单位(按占地面积)"))
    return out


PARCEL_HIT_FIELDS = [
    ("patch_id", "str", "图斑编号"),
    ("layer_key", "str", "图层代码"),
    ("layer_name", "str", "叠加图层"),
    ("parcel_id", "str", "标识码"),
    ("parcel_no", "str", "地块图斑编号"),
    ("class_code", "str", "地类编码"),
    ("class_name", "str", "地类名称"),
    ("location_code", "str", "坐落单位代码"),
    ("location_name", "str", "坐落单位名称"),
    ("owner_code", "str", "权属单位代码"),
    ("owner_name", "str", "权属单位名称"),
    ("area_m2", "real", "面积(平方米)"),
    ("area_mu", "real", "面积(亩)"),
    ("deduction", "real", "扣除系数"),
    ("net_m2", "real", "净面积(平方米)"),
    ("net_mu", "real", "净面积(亩)"),
    ("net_rule", "str", "净面积依据"),
]


# Where the job names the previous batch (plugin/core/batches): how each patch was delivered.
DELIVERY_VALUES = ("新下发", "重复下发", "重复下发(上批已销号)")
BATCH_FIELDS = [
    ("delivery", "str", "下发情况"),
    ("previous_batch", "str", "上一批次"),
    ("previous_ids", "str", "上一批次图斑编号"),
    ("first_batch", "str", "首次下发批次"),
    ("previous_note", "str", "重复下发说明"),
]
