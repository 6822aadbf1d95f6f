"""The columns a rectification ledger (整改台账) can hold: key, default header, kind, and for the
analysts' columns the result field they are stored in and the values they allow.

Which of them a ledger shows, in which order and under which headers, is the template's
(``template.py``). The header is the key both ways: export writes it, import finds each
column by it (through the column table the workbook carries), so analysts may move or hide
columns without breaking the round trip. Units sit in the header.
"""

from dataclasses import dataclass
from typing import Optional, Tuple

SHEET_DETAIL = "整改台账"
SHEET_SUMMARY = "汇总"
SHEET_NOTES = "说明"
SHEET_COLUMNS = "列定义"  # hidden: the key of every column header, for import

FLAGGED_VERDICTS = ("违法", "需核实")
ALL_VERDICTS = ("违法", "需核实", "合法", "低于上图面积")

STATUS_VALUES = ("未整改", "整改中", "已整改", "已销号")
CLOSED_VALUES = ("是", "否")
CHECK_VALUES = ("属实", "不属实", "部分属实")
SITE_VALUES = ("已建成", "在建", "已拆除", "已复耕", "未动工", "其他")
YES_NO = ("是", "否")

# Kinds: how a value is written, compared and (for analysts' columns) checked. DATE is an
# analyst's date, stored as ISO text; YUAN and COUNT are analysts' amounts and head counts.
TEXT, SEQ, INT, MU, M2, DEG, COORD, DATE, PCT, YUAN, COUNT = (
    "text", "seq", "int", "mu", "m2", "deg", "coord", "date", "pct", "yuan", "count")
DECIMALS = {MU: 2, M2: 0, DEG: 6, COORD: 2, INT: 0, SEQ: 0, PCT: 1, YUAN: 2, COUNT: 0}
NUMBER_FORMATS = {MU: "0.00", M2: "0", DEG: "0.000000", COORD: "0.00", INT: "0", SEQ: "0",
                  PCT: "0.0", YUAN: "0.00", COUNT: "0"}
NUMBER_KINDS = (MU, YUAN, COUNT)  # analysts' columns that hold numbers


@dataclass(frozen=True)
class Column:
    """One ledger column.

    ``key`` names the value in a ledger row; ``field`` is the result-layer field an analyst
    column is stored in (None for columns computed from the result, which are read-only).
    ``wrap``: long text wraps within ``max_width`` (rows grow to fit) instead of widening it.
    """

    key: str
    header: str
    kind: str = TEXT
    field: Optional[str] = None
    allowed: Tuple[str, ...] = ()
    max_width: int = 40
    wrap: bool = False

    @property
    def editable(self) -> bool:
        return self.field is not None


BASELINE_COLUMNS = (("farmland", "耕地"), ("basic_farmland", "永久基本农田"),
                    ("red_line", "生态保护红线"))
# Baselines whose net area (扣除田坎等后) the result may hold (plugin/core/parcels).
NET_COLUMNS = BASELINE_COLUMNS[:2]
LAND_GROUPS = (("agricultural", "农用地"), ("construction", "建设用地"), ("unused", "未利用地"))


def _analyst(key, header, kind=TEXT, allowed=(), **style):
    return Column(key, header, kind, field=f"ledger_{key}", allowed=allowed, **style)


COLUMNS = (
    Column("seq", "序号", SEQ),
    Column("patch_id", "图斑编号"),
    Column("township", "乡镇", max_width=12, wrap=True),
    Column("village", "村", max_width=10, wrap=True),
    Column("verdict", "判定结果"),
    Column("violation_type", "违法类型", max_width=12, wrap=True),
    Column("flag_area_mu", "认定面积(亩)", MU),
    Column("batch", "监测批次", max_width=12, wrap=True),
    Column("admin_code", "行政区代码"),
    Column("patch_type", "图斑类型", max_width=12, wrap=True),
    Column("before_class", "前地类", max_width=12, wrap=True),
    Column("after_class", "现地类", max_width=12, wrap=True),
    Column("lon", "中心点经度(度)", DEG),
    Column("lat", "中心点纬度(度)", DEG),
    Column("x", "中心点X坐标(米)", COORD),
    Column("y", "中心点Y坐标(米)", COORD),
    Column("area_mu", "图斑面积(亩)", MU),
    Column("area_m2", "图斑面积(平方米)", M2),
    *(Column(f"{key}_mu", f"占用{name}面积(亩)", MU) for key, name in BASELINE_COLUMNS),
    *(Column(f"{key}_net_mu", f"占用{name}净面积(亩)", MU) for key, name in NET_COLUMNS),
    *(Column(f"flag_{key}_mu", f"认定面积中占{name}(亩)", MU) for key, name in BASELINE_COLUMNS),
    *(Column(f"flag_{key}_net_mu", f"认定面积中占{name}净面积(亩)", MU)
      for key, name in NET_COLUMNS),
    Column("flag_outside_urban_mu", "认定面积中城镇开发边界外(亩)", MU),
    *(Column(f"flag_{key}_mu", f"认定面积中原为{name}(亩)", MU) for key, name in LAND_GROUPS),
    Column("owner", "权属单位", max_width=10, wrap=True),
    *(Column(key, header, max_width=width, wrap=True) for key, header, width in (
        ("delivery", "下发情况", 12), ("previous_batch", "上一批次", 12),
        ("previous_ids", "上一批次图斑编号", 18), ("first_batch", "首次下发批次", 12),
        ("previous_note", "重复下发说明", 24))),
    Column("permit_refs", "批准文号/备案编号", max_width=24, wrap=True),
    Column("permit_pct", "批文覆盖比例(%)", PCT),
    Column("severity", "严重程度(1-5)", INT),
    Column("reason", "判定理由", max_width=44, wrap=True),
    Column("measure", "建议整改措施", max_width=26, wrap=True),
    _analyst("check_result", "核查结果", allowed=CHECK_VALUES),
    _analyst("site_state", "现场现状", allowed=SITE_VALUES),
    _analyst("photo_ids", "现场照片编号", max_width=12, wrap=True),
    _analyst("checked_by", "核查人", max_width=10),
    _analyst("checked_on", "核查日期", DATE),
    _analyst("land_user", "用地主体", max_width=16, wrap=True),
    _analyst("fix_measure", "整改措施", max_width=20, wrap=True),
    _analyst("deadline", "整改时限", max_width=12, wrap=True),
    _analyst("resp_unit", "责任单位", max_width=16, wrap=True),
    _analyst("resp_person", "责任人", max_width=10),
    _analyst("status", "整改进展", allowed=STATUS_VALUES),
    _analyst("closed", "是否销号", allowed=CLOSED_VALUES),
    _analyst("case_filed", "是否立案", allowed=YES_NO),
    _analyst("case_no", "立案号", max_width=12, wrap=True),
    _analyst("fine_yuan", "罚没款(元)", YUAN),
    _analyst("demolished_mu", "拆除面积(亩)", MU),
    _analyst("restored_mu", "复耕面积(亩)", MU),
    _analyst("accountable", "追责人数", COUNT),
    _analyst("done_on", "整改完成时间", DATE),
    _analyst("remark", "备注", max_width=20, wrap=True),
)

# Optional picture columns after the others: a thumbnail of each image around the patch.
IMAGE_LABELS = ("前时相", "后时相")
IMAGE_HEADERS = tuple(f"{label}影像" for label in IMAGE_LABELS)

BY_KEY = {c.key: c for c in COLUMNS}
# Shown only where the result was matched to a previous batch (analyse --previous).
BATCH_KEYS = ("delivery", "previous_batch", "previous_ids", "first_batch", "previous_note")
BY_HEADER = {c.header: c for c in COLUMNS}
ANALYST_COLUMNS = tuple(c for c in COLUMNS if c.editable)
ID_KEY = "patch_id"
ID_HEADER = BY_KEY[ID_KEY].header
# Analysts' areas may not exceed the patch: checked against this column on import.
PATCH_AREA_KEY = "area_mu"


def analyst_fields():
    """(field name, type, Chinese alias) of the analysts' columns in the result layer."""
    return [(c.field, "str", c.header) for c in ANALYST_COLUMNS]
