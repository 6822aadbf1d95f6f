"""Zones a county adds itself (自然保护地, 饮用水水源保护区 …): any number of extra baselines with
display names and carried attributes, the ecology rule set on them, and rules naming a zone the
job does not give refused before any data is read."""

import json

import pytest
from osgeo import ogr
from shapely.geometry import box

from area_oracle import geodesic_area
from layer_factory import X0, Y0, square, write_layer
from plugin.core.analysis import run_analysis
from plugin.core.errors import InputError
from plugin.core.job import job_from_dict


def _county(folder):
    """Three new houses on grassland (0404 → 0702): one in a reserve's core zone, one in a
    water source's first-level zone, one in the reserve's general zone; a fourth off any zone."""
    write_layer(f"{folder}/p.gpkg", [square(0, 0, 100), square(300, 0, 100), square(600, 0, 100),
                                     square(900, 0, 100)],
                [{"JCBH": pid, "QDLBM": "0404", "HDLBM": "0702"}
                 for pid in ("CORE", "WATER", "GENERAL", "NONE")], layer="P")
    # The reserve: a core zone over 49 % of CORE, a general zone over 30 % of it, and GENERAL.
    write_layer(f"{folder}/zrbhd.gpkg", [square(-50, -50, 120), square(70, -50, 700)],
                [{"GNFQ": "核心保护区", "MC": "某某自然保护区"}, {"GNFQ": "一般控制区", "MC": "某某自然保护区"}],
                layer="ZRBHD")
    write_layer(f"{folder}/sydbh.gpkg", [square(320, -20, 200)], [{"BHJB": "一级"}], layer="SY")
    # approvals elsewhere: legality can be checked, and none covers these houses
    write_layer(f"{folder}/pzyd.gpkg", [square(5000, 0, 10)], [{"PZWH": "某批〔2024〕1号"}],
                layer="PZYD")
    return {
        "patches": {"path": "p.gpkg", "layer": "P", "id_field": "JCBH", "before_field": "QDLBM",
                    "after_field": "HDLBM"},
        "baselines": {
            "nature_reserve": {"name": "自然保护地", "path": "zrbhd.gpkg", "layer": "ZRBHD",
                               "carry": ["GNFQ", "MC"]},
            "water_source": {"name": "饮用水水源保护区", "path": "sydbh.gpkg", "layer": "SY",
                             "carry": ["BHJB"]},
        },
        "exemptions": {"approved": {"path": "pzyd.gpkg", "layer": "PZYD", "id_field": "PZWH"}},
        "rules": ["default", "ecology"],
    }


def _rows(path):
    ds = ogr.Open(path)
    return {f["patch_id"]: f.items() for f in ds.GetLayerByName("patches")}


def test_extra_zones_get_areas_attributes_and_their_rules(tmp_path):
    job = job_from_dict(_county(tmp_path), base_dir=str(tmp_path))
    result = run_analysis(job, str(tmp_path / "out"), job_workers=1)
    rows = _rows(result.result_path)

    core = square(0, 0, 100)
    reserve = square(-50, -50, 120).union(square(70, -50, 700))
    assert rows["CORE"]["nature_reserve_m2"] == pytest.approx(
        geodesic_area(core.intersection(reserve)), abs=0.01)
    water = square(300, 0, 100).intersection(square(320, -20, 200))
    assert rows["WATER"]["water_source_m2"] == pytest.approx(geodesic_area(water), abs=0.01)
    assert rows["NONE"]["nature_reserve_m2"] == 0 and rows["NONE"]["water_source_m2"] == 0

    # the attributes of the feature holding most of the patch: 4,900 m² of CORE in the core
    # zone against 3,000 m² in the general zone
    assert rows["CORE"]["nature_reserve_GNFQ"] == "核心保护区"
    assert rows["CORE"]["nature_reserve_MC"] == "某某自然保护区"
    assert rows["GENERAL"]["nature_reserve_GNFQ"] == "一般控制区"
    assert rows["WATER"]["water_source_BHJB"] == "一级"
    assert rows["NONE"]["nature_reserve_GNFQ"] is None

    assert (rows["CORE"]["verdict"], rows["CORE"]["violation_type"]) == ("违法", "自然保护地核心保护区内建设")
    assert rows["CORE"]["severity"] == 5
    assert (rows["WATER"]["verdict"], rows["WATER"]["violation_type"]) == ("违法", "饮用水水源一级保护区内建设")
    # the ecology file's 需核实 (severity 3) never softens the county file's 违法 (severity 2):
    # across files the stronger verdict wins, and the other rule is named in the reason
    assert (rows["GENERAL"]["verdict"], rows["GENERAL"]["violation_type"]) == \
        ("违法", "未批新增建设（非农违法）")
    assert "另触发" in rows["GENERAL"]["reason"]
    assert "自然保护地一般控制区内建设" in rows["GENERAL"]["reason"]
    assert "自然保护地" in rows["CORE"]["reason"] and "核心保护区" in rows["CORE"]["reason"]
    assert "nature_reserve" not in rows["CORE"]["reason"]


def test_zones_are_named_by_their_display_names_everywhere(tmp_path):
    job = job_from_dict(_county(tmp_path), base_dir=str(tmp_path))
    result = run_analysis(job, str(tmp_path / "out"), job_workers=1)
    assert any("占自然保护地" in line for line in result.summary_lines())
    ds = ogr.Open(result.result_path)
    layers = {f["layer_key"]: f["layer_name"] for f in ds.GetLayerByName("overlaps")}
    assert layers["nature_reserve"] == "自然保护地" and layers["water_source"] == "饮用水水源保护区"
    style = next(f["styleQML"] for f in ds.GetLayerByName("layer_styles")
                 if f["f_table_name"] == "patches")
    assert 'field="nature_reserve_m2"' in style and "占自然保护地面积(平方米)" in style
    assert "自然保护地GNFQ" in style
    info = {f["key"]: f["value"] for f in ds.GetLayerByName("run_info")}
    assert info["input.nature_reserve.name"] == "自然保护地"
    assert info["input.nature_reserve.carry"] == "GNFQ,MC"
    assert json.dumps(job.names(), ensure_ascii=False).count("自然保护地") == 1


RULES = """id: mine
version: "1"
rules:
  - id: in_reserve
    label: 保护地内建设
    verdict: 违法
    severity: 4
    measure: 拆除
    when:
      after_group: [construction]
      baseline: {key: forest_reserve, min_m2: 1}
"""


def test_a_rule_naming_a_zone_the_job_lacks_stops_before_reading(tmp_path):
    (tmp_path / "mine.yaml").write_text(RULES, encoding="utf-8")
    data = _county(tmp_path)
    data["rules"] = ["default", "mine.yaml"]
    data["patches"]["path"] = "not-there-yet.gpkg"  # no data is read: the rules come first
    job = job_from_dict(data, base_dir=str(tmp_path))
    with pytest.raises(InputError) as error:
        run_analysis(job, str(tmp_path / "out"), job_workers=1)
    assert error.value.file.endswith("mine.yaml") and error.value.feature == "in_reserve"
    assert error.value.field == "when.baseline.key" and "forest_reserve" in error.value.message


def test_the_shipped_ecology_rules_skip_a_zone_the_job_leaves_out_and_say_so(tmp_path):
    data = _county(tmp_path)
    del data["baselines"]["water_source"]
    job = job_from_dict(data, base_dir=str(tmp_path))
    result = run_analysis(job, str(tmp_path / "out"), job_workers=1)
    rows = _rows(result.result_path)
    assert rows["CORE"]["violation_type"] == "自然保护地核心保护区内建设"
    # said once for the run, not in every patch's reason
    said = [n.message for n in result.notes if "未提供饮用水水源保护区图层" in n.message]
    assert len(said) == 1 and "全部图斑未核查" in said[0] and "饮用水水源" in said[0]
    assert not any("未提供饮用水水源保护区图层" in (r["reason"] or "") for r in rows.values())


def test_a_rule_naming_a_field_the_job_does_not_carry_is_named(tmp_path):
    data = _county(tmp_path)
    data["baselines"]["water_source"]["carry"] = ["OTHER"]
    job = job_from_dict(data, base_dir=str(tmp_path))
    with pytest.raises(InputError) as error:
        run_analysis(job, str(tmp_path / "out"), job_workers=1)
    assert error.value.field == "when.attribute.field" and "BHJB" in error.value.message


@pytest.mark.parametrize("key, entry, words", [
    ("Reserve", {"name": "保护地", "path": "zrbhd.gpkg"}, ["小写"]),
    ("free", {"name": "保护地", "path": "zrbhd.gpkg"}, ["冲突"]),
    ("approved", {"name": "保护地", "path": "zrbhd.gpkg"}, ["冲突"]),
    ("farmland_net", {"name": "保护地", "path": "zrbhd.gpkg"}, ["冲突"]),
    ("previous", {"name": "保护地", "path": "zrbhd.gpkg"}, ["冲突"]),
    ("reserve", {"path": "zrbhd.gpkg"}, ["name"]),
    ("reserve", {"name": "保护地", "path": "zrbhd.gpkg", "carry": [{"a": 1}]}, ["carry"]),
])
def test_a_bad_extra_baseline_entry_is_refused_naming_it(tmp_path, key, entry, words):
    data = _county(tmp_path)
    data["baselines"][key] = entry
    with pytest.raises(InputError) as error:
        job_from_dict(data, base_dir=str(tmp_path))
    assert f"baselines.{key}" in str(error.value) or key in str(error.value)
    for word in words:
        assert word in str(error.value)


def test_a_carried_field_that_makes_a_result_field_twice_is_refused_naming_the_zone(tmp_path):
    data = _county(tmp_path)
    write_layer(f"{tmp_path}/sydbh.gpkg", [square(320, -20, 200)], [{"BHJB": "一级", "M2": "x"}],
                layer="SY")
    data["baselines"]["water_source"]["carry"] = ["BHJB", "M2"]  # water_source_m2 is its area
    job = job_from_dict(data, base_dir=str(tmp_path))
    with pytest.raises(InputError) as error:
        run_analysis(job, str(tmp_path / "out"), job_workers=1)
    assert error.value.field == "baselines.water_source"
    assert "water_source_" in error.value.message and "重名" in error.value.message
    assert not (tmp_path / "out" / "result.gpkg").exists()


def test_a_known_baseline_may_be_renamed_and_carry_fields(tmp_path):
    data = _county(tmp_path)
    write_layer(f"{tmp_path}/f.gpkg", [box(X0 - 50, Y0 - 50, X0 + 1200, Y0 + 150)],
                [{"DLBM": "0404", "ZLDWMC": "东村"}], layer="F")
    data["baselines"]["farmland"] = {"path": "f.gpkg", "layer": "F", "name": "耕地(含可调整)",
                                     "carry": ["ZLDWMC"]}
    job = job_from_dict(data, base_dir=str(tmp_path))
    rows = _rows(run_analysis(job, str(tmp_path / "out"), job_workers=1).result_path)
    assert rows["NONE"]["farmland_ZLDWMC"] == "东村"


def _fired(rule_id, verdict, severity, source):
    from plugin.core.rules.conditions import Rule
    from plugin.core.rules.outcome import Outcome
    rule = Rule(id=rule_id, label=rule_id, verdict=verdict, severity=severity, measure="",
                conditions=(), source=source)
    return Outcome(rule=rule, missing_baselines=(), parts=[], exempt=[], fired=None,
                   unsure=None, cleared=None, undecided=None, out_of_scope=None, flag=None)


def test_across_rule_files_the_stronger_verdict_wins_then_severity_then_the_earlier_file():
    from plugin.core.rules.evaluate import _top
    county_illegal = _fired("A", "违法", 2, "default.yaml")
    county_later = _fired("B", "违法", 5, "default.yaml")
    ecology_check = _fired("C", "需核实", 4, "ecology.yaml")
    ecology_illegal = _fired("D", "违法", 5, "ecology.yaml")
    ecology_illegal_low = _fired("E", "违法", 2, "ecology.yaml")

    # within a file the order decides, even over a higher severity
    assert _top([county_illegal, county_later]) is county_illegal
    # a later file's milder verdict never replaces a stronger one, whatever its severity
    assert _top([county_illegal, ecology_check]) is county_illegal
    # a later file's stronger-or-equal verdict with a higher severity does
    assert _top([county_illegal, ecology_illegal]) is ecology_illegal
    # a tie stays with the earlier file
    assert _top([county_illegal, ecology_illegal_low]) is county_illegal
    assert _top([]) is None
