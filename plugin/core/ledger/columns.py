"""The columns of the rectification ledger (整改台账): headers, kinds, and the analysts' columns.

The header text is the key both ways: export writes it, import finds each column by it, so
analysts may move or hide columns without breaking the round trip. Units sit in the header.
"""

from dataclasses import dataclass
from typing import Optional, Tuple

SHEET_DETAIL = "整改台账"
SHEET_SUMMARY = "汇总"
SHEET_NOTES = "说明"

FLAGGED_VERDICTS = ("违法", "需核实")
ALL_VERDICTS = ("违法", "需核实", "合法", "低于上图面积")

STATUS_VALUES = ("未整改", "整改中", "已整改", "已销号")
CLOSED_VALUES = ("是", "否")
CHECK_VALUES = ("属实", "不属实", "部分属实")
SITE_VALUES = ("已建成", "在建", "已拆除", "已复耕", "未动工", "其他")

# Kinds: how a value is written and compared. DATE is an analyst's date, stored as ISO text.
TEXT, SEQ, INT, MU, M2, DEG, COORD, DATE = "text", "seq", "int", "mu", "m2", "deg", "coord", "date"
DECIMALS = {MU: 2, M2: 0, DEG: 6, COORD: 2, INT: 0, SEQ: 0}
NUMBER_FORMATS = {MU: "0.00", M2: "0", DEG: "0.000000", COORD: "0.00", INT: "0", SEQ: "0"}


@dataclass(frozen=True)
class Column:
    """One ledger column.

    ``key`` names the value in a ledger row; ``field`` is the result-layer field an analyst
    column is stored in (None for columns computed from the result, which are read-only).
    """

    key: str
    header: str
    kind: str = TEXT
    field: Optional[str] = None
    allowed: Tuple[str, ...] = ()
    max_width: int = 40

    @property
    def editable(self) -> bool:
        return self.field is not None


BASELINE_COLUMNS = (("farmland", "耕地"), ("basic_farmland", "永久基本农田"),
                    ("red_line", "生态保护红线"))

COLUMNS = (
    Column("seq", "序号", SEQ),
    Column("patch_id", "图斑编号"),
    Column("township", "乡镇"),
    Column("village", "村"),
    Column("lon", "中心点经度(度)", DEG),
    Column("lat", "中心点纬度(度)", DEG),
    Column("x", "中心点X坐标(米)", COORD),
    Column("y", "中心点Y坐标(米)", COORD),
    Column("area_mu", "图斑面积(亩)", MU),
    Column("area_m2", "图斑面积(平方米)", M2),
    Column("before_class", "前地类"),
    Column("after_class", "现地类"),
    *(Column(f"{key}_mu", f"占用{name}面积(亩)", MU) for key, name in BASELINE_COLUMNS),
    Column("verdict", "判定结果"),
    Column("violation_type", "违法类型"),
    Column("severity", "严重程度(1-5)", INT),
    Column("reason", "判定理由", max_width=60),
    Column("measure", "建议整改措施", max_width=50),
    Column("check_result", "核查结果", field="ledger_check_result", allowed=CHECK_VALUES),
    Column("site_state", "现场现状", field="ledger_site_state", allowed=SITE_VALUES),
    Column("photo_ids", "现场照片编号", field="ledger_photo_ids"),
    Column("checked_by", "核查人", field="ledger_checked_by"),
    Column("checked_on", "核查日期", DATE, field="ledger_checked_on"),
    Column("land_user", "用地主体", field="ledger_land_user"),
    Column("fix_measure", "整改措施", field="ledger_fix_measure"),
    Column("deadline", "整改时限", field="ledger_deadline"),
    Column("resp_unit", "责任单位", field="ledger_resp_unit"),
    Column("resp_person", "责任人", field="ledger_resp_person"),
    Column("status", "整改进展", field="ledger_status", allowed=STATUS_VALUES),
    Column("closed", "是否销号", field="ledger_closed", allowed=CLOSED_VALUES),
    Column("remark", "备注", field="ledger_remark"),
)

# Optional picture columns after the others: a thumbnail of each image around the patch.
IMAGE_LABELS = ("前时相", "后时相")
IMAGE_HEADERS = tuple(f"{label}影像" for label in IMAGE_LABELS)

BY_KEY = {c.key: c for c in COLUMNS}
BY_HEADER = {c.header: c for c in COLUMNS}
ANALYST_COLUMNS = tuple(c for c in COLUMNS if c.editable)
READ_ONLY_COLUMNS = tuple(c for c in COLUMNS if not c.editable and c.kind != SEQ)
ID_HEADER = BY_KEY["patch_id"].header


def analyst_fields():
    """(field name, type, Chinese alias) of the analysts' columns in the result layer."""
    return [(c.field, "str", c.header) for c in ANALYST_COLUMNS]
