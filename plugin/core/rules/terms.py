"""The words rules speak: baseline and exemption names, verdicts, sides of a change."""

import re

BASELINES = {"farmland": "耕地", "basic_farmland": "永久基本农田", "red_line": "生态保护红线",
             "urban_boundary": "城镇开发边界"}
# Display names of the zones the shipped ecology rules use, for a reason that says a job left
# one out (a job names its own zones with name:).
ZONE_NAMES = {"nature_reserve": "自然保护地", "water_source": "饮用水水源保护区",
              "eco_units": "生态环境管控单元"}
EXEMPTIONS = {"approved": "批准用地", "facility_agri": "设施农用地备案", "temporary": "临时用地"}
# What an exemption layer cannot tell, said whenever that exemption clears a patch.
EXEMPTION_CAVEATS = {"temporary": "临时用地是否仍在批准期限内无法从图层判断，请核对批文期限"}
ILLEGAL, LEGAL, CHECK, BELOW = "违法", "合法", "需核实", "低于上图面积"
SIDES = {"before": "变化前地类", "after": "变化后地类"}
# The violation type of a patch no rule could decide: it says why, never names a rule.
NO_CLASS_TYPE = "地类缺失，无法判定"
NO_DATA_TYPE = "资料不全，无法判定"
OVERLAY = "叠加分析结果"
# Comparisons against thresholds forgive float rounding of the overlay (95 % computed as 94.9999…).
EPSILON = 1e-9
# A baseline a job defines itself: its key makes field names (KEY_m2, KEY_<field>).
BASELINE_KEY = re.compile(r"^[a-z][a-z0-9_]{0,30}$")
