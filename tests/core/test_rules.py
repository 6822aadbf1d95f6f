"""Violation rules: the default set fires where it must and nowhere else; rule files are checked.

Each patch row is written out by hand the way the overlay engine delivers it; expected areas are
worked out in the test from those numbers (1 亩 = 2000/3 m²).
"""

import hashlib
import time

import numpy as np
import pandas as pd
import pytest

from plugin.core.rules.classes import load_class_table
from plugin.core.errors import InputError
from plugin.core.rules.evaluate import class_problems, evaluate
from plugin.core.rules.schema import load_ruleset, parse_ruleset

BASELINE_KEYS = ("farmland", "basic_farmland", "red_line", "urban_boundary")
EXEMPTION_KEYS = ("approved", "facility_agri", "temporary")


@pytest.fixture(scope="module")
def table():
    return load_class_table()


@pytest.fixture(scope="module")
def default(table):
    return load_ruleset(class_table=table)


def patch(before="0404", after="0601", area=1000.0, patch_id="p1", baselines=None,
          exemptions=None, free=None, without=(), **extra):
    """One overlay row.

    ``baselines`` maps key → m² or (m², free m²); absent keys overlap 0 m², except
    urban_boundary, which by default holds the whole patch (so only tests about the boundary
    see its rule). ``exemptions`` maps key → m²; ``free`` defaults to the area minus the
    exemptions (they do not overlap in these tests). Keys in ``without`` are layers the job did
    not provide: their columns are left out.
    """
    row = {"patch_id": patch_id, "area_m2": area, "area_mu": area * 0.0015, "planar_m2": area,
           "before_class": before, "after_class": after, "township": "130208001",
           "village": "130208001001"}
    given = {"urban_boundary": area, **(baselines or {})}
    for key in BASELINE_KEYS:
        if key in without:
            continue
        value = given.get(key, 0.0)
        m2, free_m2 = value if isinstance(value, tuple) else (value, value)
        row.update({f"{key}_m2": m2, f"{key}_pct": 100.0 * m2 / area, f"{key}_free_m2": free_m2})
    covered = 0.0
    for key in EXEMPTION_KEYS:
        if key in without:
            continue
        m2 = (exemptions or {}).get(key, 0.0)
        covered += m2
        row.update({f"{key}_m2": m2, f"{key}_pct": 100.0 * m2 / area})
    row["free_m2"] = area - covered if free is None else free
    row.update(extra)
    return row


def run(ruleset, table, *rows, **kwargs):
    return evaluate(pd.DataFrame(list(rows)), ruleset, table, **kwargs)


def one(ruleset, table, row, **kwargs):
    return run(ruleset, table, row, **kwargs).iloc[0]


def ids(result_row):
    return result_row["rule_ids"].split(",") if result_row["rule_ids"] else []


# ------------------------------------------------------------------------------------------
# The default rule set, rule by rule


def test_default_ruleset_has_id_version_and_file_hash(default):
    path = default.path
    with open(path, "rb") as handle:
        assert default.sha256 == hashlib.sha256(handle.read()).hexdigest()
    assert default.id == "county-default"
    assert default.version and default.description


def test_basic_farmland_construction_is_illegal_and_most_severe(default, table):
    result = one(default, table, patch(before="0103", baselines={
        "farmland": 1000.0, "basic_farmland": 300.0}))
    assert result["verdict"] == "违法"
    assert result["violation_type"] == "占用永久基本农田建设"
    assert result["severity"] == max(rule.severity for rule in default.rules)
    assert result["flag_area_m2"] == 300.0


def test_partly_approved_patch_flags_unapproved_part_inside_basic_farmland(default, table):
    # 1000 m² patch, 500 m² in basic farmland of which 300 m² approved: 200 m² remain.
    result = one(default, table, patch(
        before="0103", baselines={"farmland": (1000.0, 400.0), "basic_farmland": (500.0, 200.0)},
        exemptions={"approved": 600.0}))
    assert result["verdict"] == "违法"
    assert result["flag_area_m2"] == 200.0
    assert result["flag_area_mu"] == pytest.approx(200.0 * 3 / 2000)
    assert "200.00 m²（0.30 亩）" in result["reason"]
    assert "批准用地覆盖 60.00%" in result["reason"]


def test_approved_covering_exactly_95_percent_clears(default, table):
    result = one(default, table, patch(before="0103", baselines={
        "farmland": (1000.0, 50.0), "basic_farmland": (1000.0, 50.0)},
        exemptions={"approved": 950.0}))
    assert result["verdict"] == "合法"
    assert result["rule_ids"] == ""
    assert "批准用地覆盖图斑 95.00%" in result["reason"]


def test_approved_covering_94_99_percent_does_not_clear(default, table):
    result = one(default, table, patch(before="0103", baselines={
        "farmland": (1000.0, 50.1), "basic_farmland": (1000.0, 50.1)},
        exemptions={"approved": 949.9}))
    assert result["verdict"] == "违法"
    assert result["violation_type"] == "占用永久基本农田建设"
    assert result["flag_area_m2"] == pytest.approx(50.1)


def test_unapproved_part_exactly_at_min_free_m2_fires(default, table):
    result = one(default, table, patch(before="0103", baselines={"basic_farmland": (400.0, 1.0)},
                                       exemptions={"approved": 399.0}))
    assert "basic_farmland_construction" in ids(result)


def test_unapproved_part_just_under_min_free_m2_does_not_fire(default, table):
    result = one(default, table, patch(before="0103", baselines={"basic_farmland": (400.0, 0.99)},
                                       exemptions={"approved": 399.01}))
    assert "basic_farmland_construction" not in ids(result)


def test_red_line_construction_fires_with_red_line_measure(default, table):
    result = one(default, table, patch(baselines={"red_line": 200.0}))
    assert ids(result)[0] == "red_line_construction"
    assert result["verdict"] == "违法"
    assert "生态保护红线" in result["measure"]
    assert "位于生态保护红线内 200.00 m²（0.30 亩，占图斑 20.00%）" in result["reason"]


def test_afforestation_inside_red_line_is_not_red_line_construction(default, table):
    result = one(default, table, patch(before="0404", after="0301", baselines={"red_line": 1000.0}))
    assert result["verdict"] == "合法"


def test_rural_housing_on_farmland_comes_before_farmland_construction(default, table):
    result = one(default, table, patch(before="0103", after="0702",
                                       baselines={"farmland": 250.0}))
    assert ids(result) == ["rural_housing_on_farmland", "farmland_construction",
                           "new_construction_unapproved"]
    assert result["violation_type"] == "农村乱占耕地建房"
    assert result["flag_area_m2"] == 250.0


def test_factory_on_farmland_is_farmland_construction(default, table):
    result = one(default, table, patch(before="0103", after="0601",
                                       baselines={"farmland": 1000.0}))
    assert ids(result)[0] == "farmland_construction"
    assert result["verdict"] == "违法"
    assert result["severity"] == 4


def test_fully_approved_farmland_part_leaves_only_unapproved_rest_flagged(default, table):
    # Farmland part (400 m²) lies wholly in the approval (500 m²); 500 m² of grassland remain.
    result = one(default, table, patch(before="0103", baselines={"farmland": (400.0, 0.0)},
                                       exemptions={"approved": 500.0}))
    assert ids(result) == ["new_construction_unapproved"]
    assert result["flag_area_m2"] == 500.0


def test_construction_outside_urban_boundary_fires(default, table):
    # 1000 m² patch, 300 m² inside the boundary, nothing approved: 700 m² outside.
    result = one(default, table, patch(baselines={"urban_boundary": 300.0}))
    assert ids(result) == ["outside_urban_boundary_construction", "new_construction_unapproved"]
    assert result["flag_area_m2"] == 700.0
    assert "位于城镇开发边界外 700.00 m²" in result["reason"]


def test_construction_inside_urban_boundary_is_only_unapproved_construction(default, table):
    result = one(default, table, patch(baselines={"urban_boundary": 1000.0}))
    assert ids(result) == ["new_construction_unapproved"]
    assert result["violation_type"] == "未批新增建设（非农违法）"


def test_rebuild_on_existing_construction_land_needs_its_papers_checked(default, table):
    result = one(default, table, patch(before="0702", after="0601",
                                       baselines={"urban_boundary": 0.0}))
    assert (result["verdict"], ids(result)) == ("需核实", ["stock_construction_change"])
    assert result["severity"] == 1


def test_rebuild_on_existing_construction_land_with_approval_is_legal(default, table):
    result = one(default, table, patch(before="1201", after="05H1",
                                       exemptions={"approved": 1000.0}))
    assert result["verdict"] == "合法"


@pytest.mark.parametrize("after", ["0201", "0201K", "0301", "0403", "1104", "1104A"])
def test_farmland_turned_to_orchard_forest_grass_or_pond_is_a_loss_to_restore(
        default, table, after):
    result = one(default, table, patch(before="0103", after=after,
                                       baselines={"farmland": 1000.0}))
    assert ids(result) == ["farmland_loss"]
    assert result["verdict"] == "需核实"  # a loss to restore, not illegal construction
    assert "恢复耕种条件" in result["measure"]
    assert result["flag_area_m2"] == 1000.0


def test_basic_farmland_turned_to_orchard_is_reported_as_basic_farmland_loss(default, table):
    result = one(default, table, patch(before="0102", after="0201",
                                       baselines={"farmland": 1000.0, "basic_farmland": 600.0}))
    assert ids(result) == ["basic_farmland_loss", "farmland_loss"]
    assert result["verdict"] == "需核实"
    assert result["flag_area_m2"] == 600.0


def test_orchard_to_forest_is_not_a_farmland_loss(default, table):
    assert one(default, table, patch(before="0201", after="0301"))["verdict"] == "合法"


def test_facility_agriculture_with_filing_is_legal(default, table):
    result = one(default, table, patch(before="0103", after="1202",
                                       exemptions={"facility_agri": 1000.0}))
    assert result["verdict"] == "合法"
    assert "设施农用地备案覆盖图斑 100.00%" in result["reason"]


def test_facility_agriculture_without_filing_needs_check(default, table):
    result = one(default, table, patch(before="0103", after="1202"))
    assert result["verdict"] == "需核实"
    assert ids(result) == ["facility_agri_unfiled"]
    assert "设施农用地备案覆盖 0.00%" in result["reason"]


def test_facility_filing_does_not_clear_a_factory(default, table):
    # A filing legalises 1202 only; the overlay does not count it as cover for other uses.
    result = one(default, table, patch(before="0103", after="0601",
                                       baselines={"farmland": 1000.0},
                                       exemptions={"facility_agri": 1000.0}, free=1000.0))
    assert result["verdict"] == "违法"
    assert ids(result)[0] == "farmland_construction"


def test_farmland_to_rural_road_needs_check(default, table):
    result = one(default, table, patch(before="0101", after="1006"))
    assert ids(result) == ["farmland_to_rural_road"]
    assert result["verdict"] == "需核实"


def test_temporary_use_clears_and_says_its_term_is_not_checkable(default, table):
    result = one(default, table, patch(before="0103", baselines={"farmland": 1000.0},
                                       exemptions={"temporary": 1000.0}))
    assert result["verdict"] == "合法"
    assert "临时用地覆盖图斑 100.00%" in result["reason"]
    assert "批准期限" in result["reason"]


def test_patch_touching_no_rule_is_legal(default, table):
    result = one(default, table, patch(before="0102", after="0101", baselines={"farmland": 1000.0}))
    assert (result["verdict"], result["violation_type"], result["rule_ids"]) == ("合法", "", "")
    assert pd.isna(result["severity"])
    assert result["flag_area_m2"] == 0.0


FIRING_CASES = {
    "facility_agri_unfiled": patch(before="0103", after="1202"),
    "farmland_to_rural_road": patch(before="0103", after="1006"),
    "basic_farmland_construction": patch(baselines={"basic_farmland": 10.0}),
    "red_line_construction": patch(baselines={"red_line": 10.0}),
    "rural_housing_on_farmland": patch(after="0702", baselines={"farmland": 10.0}),
    "farmland_construction": patch(baselines={"farmland": 10.0}),
    "outside_urban_boundary_construction": patch(baselines={"urban_boundary": 0.0}),
    "new_construction_unapproved": patch(),
    "stock_construction_change": patch(before="1201", after="05H1"),
    "basic_farmland_loss": patch(before="0103", after="0201",
                                 baselines={"basic_farmland": 10.0}),
    "farmland_loss": patch(before="0103", after="0201"),
}


def test_every_default_rule_has_a_firing_case(default):
    assert set(FIRING_CASES) == {rule.id for rule in default.rules}


@pytest.mark.parametrize("rule_id", sorted(FIRING_CASES))
def test_default_rule_fires(default, table, rule_id):
    assert rule_id in ids(one(default, table, FIRING_CASES[rule_id]))


# ------------------------------------------------------------------------------------------
# Several rules, thresholds, missing data


def test_rule_ids_list_every_fired_rule_in_rule_order(default, table):
    result = one(default, table, patch(before="0103", baselines={
        "farmland": 1000.0, "basic_farmland": 800.0, "red_line": 100.0, "urban_boundary": 0.0}))
    assert result["rule_ids"] == ("basic_farmland_construction,red_line_construction,"
                                  "farmland_construction,outside_urban_boundary_construction,"
                                  "new_construction_unapproved")
    assert "另触发“生态保护红线内建设”" in result["reason"]


def test_rule_order_decides_the_top_rule(table):
    text = RULES.replace("  - id: r1", "  - id: r0\n    label: 先\n    verdict: 需核实\n"
                         "    severity: 1\n    measure: 核查\n    when: {after_group: [建设用地]}\n"
                         "  - id: r1")
    ruleset = parse_ruleset(text, "order.yaml", table)
    result = one(ruleset, table, patch(baselines={"farmland": 10.0}))
    assert (result["rule_ids"], result["violation_type"], result["verdict"]) == (
        "r0,r1", "先", "需核实")


@pytest.mark.parametrize("after,area,below", [
    ("0601", 199.99, True), ("0601", 200.0, False),
    ("1202", 199.99, True), ("1202", 200.0, False),
    ("0201", 399.99, True), ("0201", 400.0, False),
    ("1206", 599.99, True), ("1206", 600.0, False),
])
def test_mapping_threshold_by_after_class(default, table, after, area, below):
    result = one(default, table, patch(before="0404", after=after, area=area))
    assert (result["verdict"] == "低于上图面积") is below


def test_patch_below_threshold_keeps_its_rules(default, table):
    result = one(default, table, patch(before="0103", area=150.0, baselines={"farmland": 150.0}))
    assert result["verdict"] == "低于上图面积"
    assert ids(result) == ["farmland_construction", "new_construction_unapproved"]
    assert result["violation_type"] == "占用耕地建设（耕地“非农化”）"
    assert result["flag_area_m2"] == 150.0
    assert "建设用地上图面积 200 m²" in result["reason"]


def test_min_area_rules_argument_replaces_the_rule_sets_thresholds(default, table):
    row = patch(area=150.0)
    assert one(default, table, row, min_area_rules=[])["verdict"] == "违法"
    assert one(default, table, row, min_area_rules={"construction": 100})["verdict"] == "违法"
    assert one(default, table, row, min_area_rules={"建设用地": 151})["verdict"] == "低于上图面积"


def test_unknown_after_code_needs_check_and_is_listed(default, table):
    row = patch(after="1301", baselines={"farmland": 1000.0})
    result = one(default, table, row)
    assert result["verdict"] == "需核实"
    assert "“1301”不在地类表中" in result["reason"]
    problems = class_problems(pd.DataFrame([row]), table)
    assert problems.to_dict("records") == [
        {"patch_id": "p1", "field": "after_class", "code": "1301", "problem": "不在地类表中"}]


def test_numeric_before_code_is_reported_not_turned_into_0101(default, table):
    row = patch(before=101, baselines={"farmland": 1000.0})
    result = one(default, table, row)
    assert result["verdict"] == "需核实"
    problem = class_problems(pd.DataFrame([row]), table).iloc[0]
    assert (problem["field"], problem["code"]) == ("before_class", "101")
    assert "0101" in problem["problem"]


def test_suffix_code_counts_as_its_base_class(default, table):
    result = one(default, table, patch(before="0103K", after="0201"))
    assert ids(result) == ["farmland_loss"]


def test_missing_after_class_is_undecided(default, table):
    result = one(default, table, patch(after=None, baselines={"basic_farmland": 500.0}))
    assert result["verdict"] == "需核实"
    assert result["rule_ids"] == ""
    assert "缺少变化后地类" in result["reason"]
    assert class_problems(pd.DataFrame([patch(after=None)]), table).empty


def test_patch_without_land_classes_is_typed_as_not_judgeable(default, table):
    # Without a class no rule can be decided: the type says so instead of naming the first
    # candidate rule (设施农用地未备案), whose conditions were never met.
    result = one(default, table, patch(before=None, after=None))
    assert (result["verdict"], result["violation_type"]) == ("需核实", "地类缺失，无法判定")
    assert result["rule_ids"] == ""
    assert result["measure"] == "补充变化前后地类后重新判定"
    assert "缺少变化前地类" in result["reason"] and "缺少变化后地类" in result["reason"]


def test_patch_without_land_classes_ranks_by_the_worst_rule_it_may_fall_under(default, table):
    inside = one(default, table, patch(before=None, after=None,
                                       baselines={"basic_farmland": 600.0}))
    outside = one(default, table, patch(before=None, after=None))
    assert inside["severity"] == 5  # it may be construction on permanent basic farmland
    assert inside["flag_area_m2"] == pytest.approx(600.0)
    assert outside["severity"] < 5


def test_patch_missing_other_data_is_typed_as_incomplete(table):
    rules = parse_ruleset(RULES.replace("baseline: {key: farmland, min_m2: 1}",
                                        "township: [甲镇]"), class_table=table)
    result = one(rules, table, patch(before="0103", after="0702", township=None))
    assert (result["verdict"], result["violation_type"]) == ("需核实", "资料不全，无法判定")
    assert "缺少乡镇信息" in result["reason"]


def test_same_class_before_and_after_is_no_stock_construction_change(default, table):
    result = one(default, table, patch(before="08H1", after="08H1",
                                       baselines={"urban_boundary": 1000.0}))
    assert (result["verdict"], ids(result)) == ("合法", [])
    assert "前后地类均为 08H1" in result["reason"] and "地类未变化" in result["reason"]
    assert "由 08H1" not in result["reason"]


def test_class_changed_condition_compares_the_codes(table):
    changed = parse_ruleset(RULES.replace("baseline: {key: farmland, min_m2: 1}",
                                          "class_changed: true"), class_table=table)
    same = parse_ruleset(RULES.replace("baseline: {key: farmland, min_m2: 1}",
                                       "class_changed: false"), class_table=table)
    rows = [patch(before="0601", after="0702", patch_id="a"),
            patch(before="0702", after="0702", patch_id="b"),
            patch(before=None, after="0702", patch_id="c")]
    assert list(run(changed, table, *rows)["rule_ids"]) == ["r1", "", ""]
    assert list(run(same, table, *rows)["rule_ids"]) == ["", "r1", ""]
    assert run(changed, table, *rows).iloc[2]["violation_type"] == "地类缺失，无法判定"


def test_missing_baseline_layer_puts_its_rule_out_of_scope(default, table):
    row = patch(before="0103", baselines={"farmland": 1000.0}, without=("basic_farmland",))
    result = run(default, table, row)
    assert ids(result.iloc[0])[0] == "farmland_construction"
    assert result.iloc[0]["verdict"] == "违法"
    assert "未提供永久基本农田图层，未核查“占用永久基本农田建设”" in result.iloc[0]["reason"]
    assert result.attrs["rules"]["rules_out_of_scope"]["basic_farmland_construction"] == [
        "basic_farmland"]


def test_missing_baseline_is_not_mentioned_where_its_rule_could_not_apply(default, table):
    result = one(default, table, patch(before="0404", after="0301", without=("red_line",)))
    assert "生态保护红线" not in result["reason"]


def test_missing_approval_layer_leaves_violation_to_check(default, table):
    result = one(default, table, patch(before="0103", baselines={"farmland": 1000.0},
                                       without=("approved",)))
    assert result["verdict"] == "需核实"
    assert ids(result)[0] == "farmland_construction"
    assert "未提供批准用地图层" in result["reason"]


def test_missing_temporary_layer_does_not_block_a_verdict(default, table):
    result = one(default, table, patch(before="0103", baselines={"farmland": 1000.0},
                                       without=("temporary",)))
    assert result["verdict"] == "违法"


def test_frame_without_any_exemption_layer_uses_whole_areas(default, table):
    row = patch(before="0103", baselines={"farmland": 300.0}, without=EXEMPTION_KEYS)
    for key in BASELINE_KEYS:
        del row[f"{key}_free_m2"]
    del row["free_m2"]
    result = one(default, table, row)
    assert result["flag_area_m2"] == 300.0
    assert result["verdict"] == "需核实"  # approvals could not be checked


def test_missing_required_column_is_an_input_error(default, table):
    frame = pd.DataFrame([patch()]).drop(columns=["after_class"])
    with pytest.raises(InputError) as error:
        evaluate(frame, default, table)
    assert error.value.field == "after_class"


def test_result_keeps_input_columns_and_adds_typed_verdict_columns(default, table):
    frame = pd.DataFrame([patch(patch_id="a"), patch(patch_id="b", after="0301")],
                         index=[10, 20])
    result = evaluate(frame, default, table)
    assert list(result.columns[:len(frame.columns)]) == list(frame.columns)
    assert list(result.index) == [10, 20]
    for column in ("verdict", "violation_type", "rule_ids", "severity", "measure",
                   "flag_area_m2", "flag_area_mu", "reason"):
        assert column in result
    assert str(result["severity"].dtype) == "Int64"
    assert "verdict" not in frame  # the input is not modified


def test_result_records_rule_set_and_class_table_versions(default, table):
    info = run(default, table, patch()).attrs["rules"]
    assert (info["ruleset_id"], info["ruleset_version"], info["ruleset_sha256"]) == (
        default.id, default.version, default.sha256)
    assert info["class_table_version"] == table.version


def test_reason_is_one_chinese_sentence(default, table):
    reason = one(default, table, patch(before="0103", baselines={"farmland": 1000.0}))["reason"]
    assert reason.endswith("。") and reason.count("。") == 1


def test_thousands_of_patches_evaluate_quickly(default, table):
    rows = [patch(patch_id=f"p{i}", before=("0103", "0404", "0201")[i % 3],
                  after=("0601", "0702", "0201", "1202")[i % 4],
                  baselines={"farmland": float(i % 7) * 100.0}) for i in range(20000)]
    frame = pd.DataFrame(rows)
    started = time.perf_counter()
    result = evaluate(frame, default, table)
    assert time.perf_counter() - started < 30.0
    assert result["verdict"].notna().all()
    assert np.isfinite(result["flag_area_m2"]).all()


# ------------------------------------------------------------------------------------------
# The condition vocabulary, with small rule files written in the test

RULES = """\
id: test
version: "1"
rules:
  - id: r1
    label: 测试
    verdict: 违法
    severity: 3
    measure: 拆除
    when:
      after_group: [construction]
      baseline: {key: farmland, min_m2: 1}
    exempt:
      - {exemption: approved, min_pct: 95}
"""


def custom(table, when, exempt="[]"):
    text = ("id: t\nversion: \"1\"\nrules:\n  - id: r\n    label: 测试\n    verdict: 违法\n"
            f"    severity: 3\n    measure: 拆除\n    when: {when}\n    exempt: {exempt}\n")
    return parse_ruleset(text, "custom.yaml", table)


def fires(ruleset, table, row):
    return one(ruleset, table, row, min_area_rules=[])["rule_ids"] == "r"


def test_township_condition_fires_only_in_listed_townships(table):
    ruleset = custom(table, '{township: ["130208001"]}')
    assert fires(ruleset, table, patch(township="130208001"))
    assert not fires(ruleset, table, patch(township="130208002"))


def test_before_class_prefix_matches_codes_starting_with_it(table):
    ruleset = custom(table, '{before_class: ["01*"]}')
    assert fires(ruleset, table, patch(before="0103"))
    assert not fires(ruleset, table, patch(before="0201"))


def test_after_class_code_matches_its_suffix_variants(table):
    ruleset = custom(table, '{after_class: ["1104"]}')
    assert fires(ruleset, table, patch(after="1104A"))
    assert not fires(ruleset, table, patch(after="1107"))


def test_patch_area_limits_are_inclusive(table):
    ruleset = custom(table, "{area_min_m2: 500, area_max_m2: 1000}")
    assert fires(ruleset, table, patch(area=500.0))
    assert fires(ruleset, table, patch(area=1000.0))
    assert not fires(ruleset, table, patch(area=499.99))
    assert not fires(ruleset, table, patch(area=1000.01))


def test_baseline_min_pct_fires_exactly_at_threshold(table):
    ruleset = custom(table, "{baseline: {key: red_line, min_pct: 50}}")
    assert fires(ruleset, table, patch(baselines={"red_line": 500.0}))
    assert not fires(ruleset, table, patch(baselines={"red_line": 499.9}))


def test_baseline_min_m2_fires_exactly_at_threshold(table):
    ruleset = custom(table, "{baseline: {key: farmland, min_m2: 100}}")
    assert fires(ruleset, table, patch(baselines={"farmland": 100.0}))
    assert not fires(ruleset, table, patch(baselines={"farmland": 99.99}))


def test_baseline_outside_part_uses_area_outside(table):
    ruleset = custom(table, "{baseline: {key: urban_boundary, part: outside, min_pct: 10}}")
    assert fires(ruleset, table, patch(baselines={"urban_boundary": 900.0}))
    assert not fires(ruleset, table, patch(baselines={"urban_boundary": 901.0}))


def test_exemption_with_when_after_group_applies_only_to_that_group(table):
    ruleset = custom(table, "{after_group: [agricultural, construction]}",
                     "[{exemption: facility_agri, min_pct: 50, when_after_group: [facility_agri]}]")
    filed = {"facility_agri": 500.0}
    assert not fires(ruleset, table, patch(after="1202", exemptions=filed))
    assert fires(ruleset, table, patch(after="0601", exemptions=filed))


def test_group_not_condition_excludes_the_group(table):
    ruleset = custom(table, "{before_group_not: [construction]}")
    assert fires(ruleset, table, patch(before="0103"))
    assert not fires(ruleset, table, patch(before="0702"))


def test_chinese_group_names_are_accepted(table):
    ruleset = custom(table, "{after_group: [农村宅基地]}")
    assert fires(ruleset, table, patch(after="0702"))


# ------------------------------------------------------------------------------------------
# Bad rule files: the error names the file, the rule id and the key


def load_bad(tmp_path, table, text):
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as error:
        load_ruleset(path, class_table=table)
    assert str(path) in str(error.value)
    return error.value


def where(error):
    return error.file.rsplit("/", 1)[-1], error.feature, error.field


def test_valid_test_rules_load(tmp_path, table):
    path = tmp_path / "ok.yaml"
    path.write_text(RULES, encoding="utf-8")
    assert [rule.id for rule in load_ruleset(path, class_table=table).rules] == ["r1"]


def test_unknown_rule_key_is_named(tmp_path, table):
    error = load_bad(tmp_path, table, RULES + "    colour: red\n")
    assert where(error) == ("bad.yaml", "r1", "colour")
    assert "r1" in str(error) and "colour" in str(error)


def test_unknown_condition_key_is_named(tmp_path, table):
    error = load_bad(tmp_path, table, RULES.replace("      after_group", "      afer_group"))
    assert where(error) == ("bad.yaml", "r1", "when.afer_group")


def test_missing_label_is_named(tmp_path, table):
    error = load_bad(tmp_path, table, RULES.replace("    label: 测试\n", ""))
    assert where(error) == ("bad.yaml", "r1", "label")


def test_wrong_type_severity_is_named(tmp_path, table):
    error = load_bad(tmp_path, table, RULES.replace("severity: 3", "severity: high"))
    assert where(error) == ("bad.yaml", "r1", "severity")


def test_threshold_given_as_text_is_a_wrong_type(tmp_path, table):
    error = load_bad(tmp_path, table, RULES.replace("min_m2: 1", 'min_m2: "1"'))
    assert where(error) == ("bad.yaml", "r1", "when.baseline.min_m2")


def test_unknown_group_name_is_named(tmp_path, table):
    error = load_bad(tmp_path, table, RULES.replace("[construction]", "[factories]"))
    assert where(error) == ("bad.yaml", "r1", "when.after_group")
    assert "factories" in error.message


def test_unknown_baseline_key_is_named(tmp_path, table):
    """A rule may name a baseline of the job's own; the job must then give it (checked before
    any data is read); a key that cannot be one is refused with the file."""
    from plugin.core.rules.rule_sets import check_fits_job

    path = tmp_path / "bad.yaml"
    path.write_text(RULES.replace("key: farmland", "key: forest_line"), encoding="utf-8")
    ruleset = load_ruleset(path, class_table=table)
    with pytest.raises(InputError) as error:
        check_fits_job(ruleset, {"farmland": []})
    assert where(error.value) == ("bad.yaml", "r1", "when.baseline.key")
    check_fits_job(ruleset, {"forest_line": []})  # given by the job: fine
    error = load_bad(tmp_path, table, RULES.replace("key: farmland", "key: Forest-Line"))
    assert where(error) == ("bad.yaml", "r1", "when.baseline.key")


def test_unknown_exemption_key_is_named(tmp_path, table):
    error = load_bad(tmp_path, table, RULES.replace("exemption: approved", "exemption: permit"))
    assert where(error) == ("bad.yaml", "r1", "exempt[0].exemption")


def test_exemption_pct_over_100_is_rejected(tmp_path, table):
    error = load_bad(tmp_path, table, RULES.replace("min_pct: 95", "min_pct: 950"))
    assert where(error) == ("bad.yaml", "r1", "exempt[0].min_pct")


def test_unquoted_class_code_is_rejected(tmp_path, table):
    error = load_bad(tmp_path, table, RULES.replace("after_group: [construction]",
                                                    "after_class: [0702]"))
    assert where(error) == ("bad.yaml", "r1", "when.after_class")
    assert "引号" in error.message


def test_unknown_class_code_in_rule_is_rejected(tmp_path, table):
    error = load_bad(tmp_path, table, RULES.replace("after_group: [construction]",
                                                    'after_class: ["1301"]'))
    assert where(error) == ("bad.yaml", "r1", "when.after_class")


def test_bad_verdict_is_named(tmp_path, table):
    error = load_bad(tmp_path, table, RULES.replace("verdict: 违法", "verdict: 严重"))
    assert where(error) == ("bad.yaml", "r1", "verdict")


def test_duplicate_rule_id_is_named(tmp_path, table):
    second = RULES.split("rules:\n", 1)[1]
    error = load_bad(tmp_path, table, RULES + second)
    assert where(error) == ("bad.yaml", "r1", "id")


def test_rule_without_id_is_named_by_position(tmp_path, table):
    error = load_bad(tmp_path, table, RULES.replace("  - id: r1\n    label", "  - label"))
    assert where(error) == ("bad.yaml", "第 1 条规则", "id")


def test_unquoted_version_number_is_a_wrong_type(tmp_path, table):
    error = load_bad(tmp_path, table, RULES.replace('version: "1"', "version: 1.10"))
    assert where(error) == ("bad.yaml", None, "version")


def test_key_given_twice_is_rejected(tmp_path, table):
    error = load_bad(tmp_path, table, RULES.replace("    measure: 拆除\n",
                                                    "    measure: 拆除\n    measure: 复耕\n"))
    assert "重复" in error.message


def test_python_tags_are_refused(tmp_path, table):
    tagged = RULES.replace("label: 测试", "label: !!python/object/apply:os.getcwd []")
    load_bad(tmp_path, table, tagged)


def test_class_changed_must_be_true_or_false(tmp_path, table):
    error = load_bad(tmp_path, table, RULES.replace("baseline: {key: farmland, min_m2: 1}",
                                                    "class_changed: yes please"))
    assert where(error) == ("bad.yaml", "r1", "when.class_changed")


def test_yaml_syntax_error_is_told_in_chinese_with_its_line(tmp_path, table):
    error = load_bad(tmp_path, table, RULES + "  - id: [\n")
    assert error.file.endswith("bad.yaml")
    assert error.message.startswith("规则文件第 ")
    assert not any("a" <= c.lower() <= "z" for c in error.message.replace("YAML", ""))


def test_unknown_min_area_group_is_named(tmp_path, table):
    error = load_bad(tmp_path, table, RULES.replace(
        "rules:", "min_area:\n  - {group: houses, min_m2: 200}\nrules:"))
    assert where(error) == ("bad.yaml", "min_area", "min_area[0].group")
