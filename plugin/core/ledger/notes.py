"""The 说明 sheet of a ledger: when and from what it was made (result, inputs with hashes, rules,
CRS by name and EPSG code, template), what its columns mean and how to fill them in."""

import os

from pyproj import CRS

from ...identity import VERSION as ENGINE_VERSION
from ..io.crs import crs_label
from ..result_fields import LAYER_NAMES
from .checks import STARTED_KEY
from .columns import BASELINE_COLUMNS, COUNT, DATE, MU, SHEET_DETAIL, YUAN

ROLE_NAMES = dict(LAYER_NAMES, patches="监测图斑", admin="行政区", parcels_before="上年度地类图斑")
HINTS = {
    "deadline": "日期或期限，如 2025-06-30",
    "photo_ids": "现场照片的编号或文件名，多张用顿号分隔",
    "case_no": "立案决定书或案件编号",
}
KIND_HINTS = {
    DATE: "日期，如 2024-11-02 (也可写 2024/11/2、2024年11月2日)；导入时统一为 2024-11-02",
    YUAN: "金额 (元)，不小于 0 的数；导入时保留 2 位小数",
    MU: "面积 (亩)，不小于 0 且不大于图斑面积；导入时保留 2 位小数",
    COUNT: "人数，不小于 0 的整数",
}


def notes_rows(result, rows, template, include_all, generated, images):
    """Rows of 说明: a row of one value is a section heading, of two a label and its text,
    longer rows the input table."""
    info = result.run_info
    analysed = info.get("engine_version", "")
    scope = "全部图斑" if include_all else "判定为“违法”“需核实”的图斑，以及已填写核查内容的图斑"
    out = [
        ["整改台账 说明"],
        ["台账生成时间", generated.isoformat(sep=" ", timespec="seconds")],
        ["软件版本", f"土地监管图斑核查 {ENGINE_VERSION}"
         + (f" (分析时 {analysed})" if analysed and analysed != ENGINE_VERSION else "")],
        ["台账模板", f"{template.name or template.id} ({os.path.basename(template.path)})"],
        ["台账范围", scope],
        ["台账图斑数", len(rows)],
        [],
        ["分析结果"],
        ["结果文件", os.path.abspath(result.path)],
        [STARTED_KEY, info.get("started", "")],
        ["任务文件", info.get("job", "")],
        ["监测图斑总数", info.get("patch_count", str(len(result.patches)))],
    ] + _meaning_rows(result) + [["最小上图面积 (平方米)", info.get("min_area_m2", "")]]
    missing = [name for key, name in BASELINE_COLUMNS if key not in result.baselines]
    if missing:
        out.append(["未提供的图层", "、".join(missing) + " (对应的面积列为空)"])
    if result.zones:
        out.append(["自定义底线图层", _zones_text(result.zones, template)])
    out += [[], ["规则与地类表"],
            ["规则集", f"{info.get('ruleset_id', '')} {info.get('ruleset_version', '')}".strip()],
            ["规则集文件", info.get("ruleset_path", "")],
            ["规则集 SHA-256", info.get("ruleset_sha256", "")],
            ["地类表", f"{info.get('class_table_version', '')}  SHA-256 "
                      f"{info.get('class_table_sha256', '')}"]]
    out += _input_rows(info, images)
    out += [[], ["填写说明"]] + _fill_in_rows(template)
    return out


def _meaning_rows(result):
    working = CRS.from_wkt(result.crs_wkt)
    centre = result.centre_crs or working
    delivered = ("监测图斑交付时的坐标系" if "input.patches.crs" in result.run_info
                 and centre != working else "工作坐标系")
    return [
        ["工作坐标系", result.crs_label],
        ["中心点X/Y坐标", f"{delivered} {crs_label(centre)} 中的坐标，单位米：X 为东向 (含带号时为 "
                      "8 位)，Y 为北向"],
        ["中心点经纬度", "CGCS2000 地理坐标 (EPSG:4490)，十进制度，保留 6 位小数；中心点为图斑质心，"
                   "质心落在图斑外时取图斑内的一点"],
        ["面积", "CGCS2000 椭球面积；1 亩 = 10000/15 平方米；亩保留 2 位小数，平方米取整 (四舍五入)"],
        ["占用面积", "图斑与该图层全部要素合并后的相交面积"],
        ["认定面积", "规则认定的问题面积 (如图斑中未获批准的部分、永久基本农田内未获批准的部分)；"
                 "认定面积中占耕地、永久基本农田、生态保护红线、城镇开发边界外为其中位于各图层内 (外) 的部分，"
                 "原为农用地、建设用地、未利用地按前地类的三大类计"],
        ["批准文号/备案编号", "与图斑相交的批准用地、设施农用地备案、临时用地的编号及各自覆盖图斑的比例；"
                      "批文覆盖比例为它们合计覆盖图斑的比例 (设施农用地备案仅在现地类为设施农用地时计入)"],
    ] + _parcel_rows(result.run_info) + _batch_rows(result.run_info)


def _batch_rows(info):
    """The previous batch the patches were matched to, the rule, and what came of it."""
    if "previous.path" not in info:
        return []
    share = float(info.get("previous.min_overlap") or 0.5)

    def count(key):
        return info.get(f"previous.{key}", "0")
    return [["上一批次结果", info["previous.path"]],
            ["下发情况", f"与上一批次图斑的重叠面积达到任一方面积的 {share:.0%} 即为重复下发 (同一地块再次下发)，"
                     "沿用重叠最大的上一批次图斑的核查、整改、查处填写；上一批次已销号的图斑再次下发时不沿用"
                     "整改进展与是否销号，标为“重复下发(上批已销号)”，须重新核查。首次下发批次为该地块最早下发的批次"],
            ["比对结果", f"新下发 {count('新下发')} 个，重复下发 {count('重复下发')} 个，重复下发(上批已销号) "
                     f"{count('重复下发(上批已销号)')} 个；上一批次 {count('previous_patches')} 个图斑中 "
                     f"{count('previous_not_resent')} 个本批未再下发"]]


def _parcel_rows(info):
    """What the net areas and the owner column mean, and the rule each parcel layer's net
    areas were taken by (the count of parcels per rule)."""
    rules = [(ROLE_NAMES.get(key.split(".")[1], key), value) for key, value in info.items()
             if key.startswith("parcels.") and key.endswith(".net")]
    if not rules:
        return []
    out = [["净面积", "扣除田坎等扣除地类后的面积 (统计耕地用的图斑地类面积口径)：图斑落在每个地块内的部分 × "
                   "(1 − 该地块的扣除地类系数 KCXS)，无可用系数时 × 图斑地类面积/图斑面积 (TBDLMJ/TBMJ；"
                   "永久基本农田为 YJJBNTMJ/YJJBNTTBMJ)；地块相互重叠处只计一次。按图斑面积乘系数折算的口径"
                   "尚未与省级规程核对，各地块所用依据见结果的 parcel_hits 图层"]]
    out += [[f"净面积依据 ({name})", value] for name, value in rules]
    out.append(["权属单位", "图斑所覆盖地块的权属单位，按占地面积从大到小，多个时注明各自比例：给出带权属字段的"
                        "上年度地类图斑时按其计 (图斑覆盖的全部土地)，否则按耕地 (再次为永久基本农田) 图层计 "
                        "(仅图斑的耕地部分)"])
    return out


def _zones_text(zones, template):
    """What the job's own zones are and where the ledger shows them."""
    parts = [f"{z.name} ({z.key}" + (f"，带出 {'、'.join(z.carry)}" if z.carry else "") + ")"
             for z in zones]
    shown = {c.key for c in template.columns}
    where = ("各图层一列占用面积 (亩)，带出的字段各一列 (取图斑内面积最大的要素的值)"
             if zones[0].area_key in shown else "台账模板中没有 zones 列，台账未列出")
    return "、".join(parts) + "：任务文件中自行添加的图层，" + where


def _input_rows(info, images):
    out = [[], ["输入数据"], ["图层", "路径", "图层名", "要素数 (使用/总数)", "筛选条件", "文件 SHA-256"]]
    for role in _roles(info):
        def get(key, role=role):
            return info.get(f"input.{role}.{key}", "")
        out.append([get("name") or ROLE_NAMES.get(role, role), get("path"), get("layer"),
                    get("features"), get("where"), get("sha256")])
    for label, image in images.items():
        if image:
            out.append([f"{label}影像 (缩略图列)", os.path.abspath(image), "", "", "", ""])
    return out


def _fill_in_rows(template):
    out = []
    for column in template.columns:
        if not column.editable:
            continue
        if column.allowed:
            hint = f"从下拉列表选择：{'、'.join(column.allowed)}"
        else:
            hint = HINTS.get(column.key) or KIND_HINTS.get(column.kind, "自由填写")
        out.append([column.header, hint])
    out += [["其他列", "为分析结果，请勿修改；导入时逐项核对，被修改的会报错"],
            ["汇总表", "生成台账时按当时的填写内容计算；导入填写后的台账再重新生成，即可更新"
                    "销号数与清零进度 (是否销号为“是”的图斑占比)"],
            ["工作表", f"请勿改动“{SHEET_DETAIL}”的表头，也不要合并单元格或填写公式；"
                    "可以排序、筛选，也可以只发回部分行"]]
    return out


def _roles(info):
    seen = []
    for key in info:
        if key.startswith("input.") and key.count(".") >= 2:
            role = key.split(".")[1]
            if role not in seen:
                seen.append(role)
    return seen
