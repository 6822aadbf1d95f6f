"""Land-class names instead of codes (plugin/core/rules/class_names.py): 三调 names and the
二调 / GB/T 21010 names of resources/land_class_names.csv read as the table says, only where a
job says a field holds names, each mapping used reported in the notes."""

import csv

import pytest
from osgeo import ogr

from layer_factory import square, write_layer
from plugin.core.analysis import run_analysis
from plugin.core.changes.derive import ChangeOptions, derive_changes
from plugin.core.errors import InputError
from plugin.core.job import LayerSpec, job_from_dict, job_to_dict
from plugin.core.rules.class_names import ClassValueReader, load_name_table
from plugin.core.rules.classes import load_class_table
from plugin.paths import resources_dir

TABLE = load_class_table()


def listed_names():
    """The names file's rows, read with the csv module."""
    with open(resources_dir() / "land_class_names.csv", encoding="utf-8") as f:
        return list(csv.DictReader(line for line in f if not line.startswith("#")))


def test_every_listed_name_reads_as_the_code_the_table_gives():
    reader = ClassValueReader(TABLE, load_name_table(TABLE))
    rows = listed_names()
    assert len(rows) > 30
    for row in rows:
        assert reader(row["name"]) == row["code"], row["name"]


def test_names_that_three_survey_splits_are_marked_not_one_to_one():
    marked = {r["name"] for r in listed_names() if r["one_to_one"] == "否"}
    assert {"有林地", "裸地", "村庄", "建制镇", "城市"} <= marked
    assert "街巷用地" not in marked


def test_third_survey_names_read_as_their_own_codes():
    reader = ClassValueReader(TABLE, load_name_table(TABLE))
    assert [reader(n) for n in ("旱地", " 农村宅基地 ", "可调整果园", "特殊用地", "坑塘水面")] == \
        ["0103", "0702", "0201K", "09", "1104"]


def test_a_code_stays_a_code_and_an_unknown_name_stays_as_it_is():
    reader = ClassValueReader(TABLE, load_name_table(TABLE))
    assert [reader(v) for v in ("0101", "05H1", "菜园子", None)] == ["0101", "05H1", "菜园子", None]
    assert not reader.used


def test_a_name_listed_twice_stops_the_table_naming_the_row(tmp_path):
    path = tmp_path / "names.csv"
    path.write_text("name,code,source,one_to_one,note\n有林地,0301,二调,否,\n有林地,0302,二调,否,\n",
                    encoding="utf-8")
    with pytest.raises(InputError) as e:
        load_name_table(TABLE, path)
    assert "有林地" in str(e.value) and "重复" in str(e.value)


def test_a_name_may_not_map_to_a_code_outside_the_class_table(tmp_path):
    path = tmp_path / "names.csv"
    path.write_text("name,code,source,one_to_one,note\n灌溉水田,011,旧分类,是,\n", encoding="utf-8")
    with pytest.raises(InputError) as e:
        load_name_table(TABLE, path)
    assert "011" in str(e.value)


NAMED = [("P1", "有林地", "农村宅基地"), ("P2", "旱地", "工业用地"), ("P3", "0103", "村庄"),
         ("P4", "菜园子", "工业用地")]


def named_job(folder, class_values=None):
    write_layer(str(folder / "jctb.gpkg"), [square(k * 300, 0, 100) for k in range(len(NAMED))],
                [{"JCBH": pid, "QDLMC": b, "HDLMC": a} for pid, b, a in NAMED], layer="JCTB")
    patches = {"path": "jctb.gpkg", "id_field": "JCBH", "before_field": "QDLMC",
               "after_field": "HDLMC"}
    if class_values:
        patches["class_values"] = class_values
    return job_from_dict({"patches": patches}, base_dir=str(folder))


def analysed(job, folder):
    result = run_analysis(job, str(folder / "out"), job_workers=1)
    ds = ogr.Open(result.result_path)
    return {f["patch_id"]: f.items() for f in ds.GetLayerByName("patches")}, result.notes


def test_without_class_values_names_are_unknown_codes_to_verify(tmp_path):
    rows, _ = analysed(named_job(tmp_path), tmp_path)
    assert rows["P2"]["verdict"] == "需核实"
    assert rows["P2"]["violation_type"] == "地类编码待核实"


def test_a_job_saying_names_reads_them_as_codes_and_judges_the_patch(tmp_path):
    rows, notes = analysed(named_job(tmp_path, "names"), tmp_path)
    assert [(rows[p]["before_class"], rows[p]["after_class"]) for p, _, _ in NAMED] == \
        [("0301", "0702"), ("0103", "0601"), ("0103", "203"), ("菜园子", "0601")]
    assert rows["P2"]["violation_type"] != "地类编码待核实"
    assert "乔木林地" in rows["P1"]["reason"]
    assert rows["P4"]["violation_type"] == "地类编码待核实"
    assert rows["P1"]["QDLMC"] == "有林地"  # the delivered field is kept as it was


def test_every_mapping_used_is_noted_with_its_count_and_splits_are_warnings(tmp_path):
    _, notes = analysed(named_job(tmp_path, "names"), tmp_path)
    texts = {n.message: n.kind for n in notes}
    forest = next(m for m in texts if "“有林地”" in m)
    assert "0301 乔木林地" in forest and "1 个图斑" in forest and "非一一对应" in forest
    assert texts[forest] == "warning"
    industry = next(m for m in texts if "“工业用地”" in m)
    assert "2 个图斑" in industry and texts[industry] != "warning"
    assert not any("“菜园子”" in m for m in texts)


def test_class_values_must_say_codes_or_names(tmp_path):
    with pytest.raises(InputError) as e:
        named_job(tmp_path, "名称")
    assert e.value.field == "patches.class_values"


def test_only_layers_with_class_fields_take_class_values(tmp_path):
    with pytest.raises(InputError) as e:
        job_from_dict({"patches": {"path": "a.gpkg"},
                       "baselines": {"farmland": {"path": "b.gpkg", "class_values": "names"}}},
                      base_dir=str(tmp_path))
    assert "class_values" in str(e.value)


def test_class_values_survive_the_job_handed_to_another_process(tmp_path):
    job = named_job(tmp_path, "names")
    again = job_from_dict(job_to_dict(job), base_dir=str(tmp_path))
    assert again.patches.class_values == "names"


def test_two_survey_years_named_by_dlmc_give_change_patches_with_codes(tmp_path):
    year = [(square(0, 0, 100), "水田"), (square(100, 0, 100), "有林地")]
    write_layer(str(tmp_path / "y1.gpkg"), [g for g, _ in year],
                [{"DLMC": n, "ZLDWDM": "2102811012010000000"} for _, n in year], layer="DLTB")
    write_layer(str(tmp_path / "y2.gpkg"), [g for g, _ in year],
                [{"DLMC": n, "ZLDWDM": "2102811012010000000"} for n in ("农村宅基地", "有林地")],
                layer="DLTB")
    specs = [LayerSpec(role=r, path=str(tmp_path / f"{n}.gpkg"), layer="DLTB",
                       class_values="names") for r, n in (("前一年度", "y1"), ("本年度", "y2"))]
    result = derive_changes(*specs, str(tmp_path / "out"),
                            ChangeOptions(class_field="DLMC", balance=False))
    ds = ogr.Open(result.result_path)
    changes = [(f["from_class"], f["to_class"]) for f in ds.GetLayerByName("changes")]
    assert changes == [("0101", "0702")]
    assert any("“有林地”" in n.message for n in result.notes)
