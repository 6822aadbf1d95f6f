"""The land-class table: completeness against domain.md, codes as text, groups, suffixes."""

import pytest

from plugin.core.rules.classes import ClassCodeError, load_class_table
from plugin.core.errors import InputError

# Every DLBM code listed in /work/shared/domain.md ("Land classification"), with its name.
DOMAIN_CODES = {
    "0303": "红树林地", "0304": "森林沼泽", "0306": "灌丛沼泽", "0402": "沼泽草地", "0603": "盐田",
    "1105": "沿海滩涂", "1106": "内陆滩涂", "1108": "沼泽地",
    "0101": "水田", "0102": "水浇地", "0103": "旱地",
    "0201": "果园", "0202": "茶园", "0203": "橡胶园", "0204": "其他园地",
    "0301": "乔木林地", "0302": "竹林地", "0305": "灌木林地", "0307": "其他林地",
    "0401": "天然牧草地", "0403": "人工牧草地", "0404": "其他草地",
    "05H1": "商业服务业设施用地", "0508": "物流仓储用地",
    "0601": "工业用地", "0602": "采矿用地",
    "0701": "城镇住宅用地", "0702": "农村宅基地",
    "08H1": "机关团体新闻出版用地", "08H2": "科教文卫用地", "0809": "公用设施用地",
    "0810": "公园与绿地",
    "09": "特殊用地",
    "1001": "铁路用地", "1002": "轨道交通用地", "1003": "公路用地", "1004": "城镇村道路用地",
    "1005": "交通服务场站用地", "1006": "农村道路", "1007": "机场用地", "1008": "港口码头用地",
    "1009": "管道运输用地",
    "1101": "河流水面", "1102": "湖泊水面", "1103": "水库水面", "1104": "坑塘水面", "1107": "沟渠",
    "1109": "水工建筑用地", "1110": "冰川及永久积雪",
    "1201": "空闲地", "1202": "设施农用地", "1203": "田坎", "1204": "盐碱地", "1205": "沙地",
    "1206": "裸土地", "1207": "裸岩石砾地",
}
WETLAND = {"0303", "0304", "0306", "0402", "0603", "1105", "1106", "1108"}


@pytest.fixture(scope="module")
def table():
    return load_class_table()


def test_table_lists_every_code_of_domain_md(table):
    assert set(DOMAIN_CODES) <= set(table.codes)


def test_table_names_match_domain_md(table):
    assert {code: table.name(code) for code in DOMAIN_CODES} == DOMAIN_CODES


def test_codes_are_kept_as_text_with_leading_zero(table):
    assert all(isinstance(code, str) for code in table.codes)
    assert "0101" in table.codes and "101" not in table.codes
    assert table.validate("0101") == "0101"


def test_integer_code_is_reported_not_cast(table):
    with pytest.raises(ClassCodeError) as error:
        table.validate(101)
    assert "0101" in error.value.problem  # a hint for the user, never an assignment
    assert table.check(101)[0] is None


def test_three_digit_code_with_lost_zero_is_reported_not_guessed(table):
    normalised, problem = table.check("101")
    assert normalised is None
    assert "0101" in problem


def test_code_read_as_float_text_is_malformed(table):
    normalised, problem = table.check("101.0")
    assert normalised is None
    assert "小数点" in problem


def test_unknown_code_is_an_error(table):
    with pytest.raises(ClassCodeError):
        table.validate("1301")


def test_missing_code_is_reported_as_empty(table):
    assert table.check(None) == (None, "编码为空")
    assert table.check("  ") == (None, "编码为空")


def test_code_is_trimmed_and_upper_cased(table):
    assert table.validate(" 05h1 ") == "05H1"
    assert table.validate("０１０２") == "0102"  # full-width digits from Chinese input methods


@pytest.mark.parametrize("code", ["0101K", "0102K", "0103K"])
def test_unlisted_k_suffix_keeps_base_groups_and_adds_adjustable(table, code):
    base = code[:-1]
    assert table.groups(code) == table.groups(base) | {"adjustable"}
    assert table.land_use(code) == table.land_use(base)


def test_listed_suffix_variant_has_its_own_name(table):
    assert table.name("1104A") == "养殖坑塘"
    assert "pond" in table.groups("1104A")


def test_k_variant_of_orchard_is_garden_not_farmland(table):
    assert table.groups("0201K") >= {"garden", "adjustable", "agricultural"}
    assert "farmland" not in table.groups("0201K")


@pytest.mark.parametrize("code", ["0101X", "0201KK", "201AK"])
def test_unknown_suffix_or_double_suffix_is_rejected(table, code):
    assert table.check(code)[0] is None


@pytest.mark.parametrize("code,land_use", [
    ("0101", "农用地"), ("0404", "未利用地"), ("0401", "农用地"), ("1006", "农用地"),
    ("1003", "建设用地"), ("1103", "农用地"), ("1104", "农用地"), ("1107", "农用地"),
    ("1109", "建设用地"), ("1201", "建设用地"), ("1202", "农用地"), ("1203", "农用地"),
    ("1101", "未利用地"), ("1207", "未利用地"), ("09", "建设用地"), ("05H1", "建设用地"),
    ("0303", "农用地"), ("0402", "农用地"), ("0603", "建设用地"), ("1105", "未利用地"),
    ("1108", "未利用地"),
])
def test_three_way_group_follows_td_t_1055(table, code, land_use):
    assert table.land_use(code) == land_use


def test_three_way_group_name_is_a_group(table):
    english = {"农用地": "agricultural", "建设用地": "construction", "未利用地": "unused"}
    for code in table.codes:
        assert english[table.land_use(code)] in table.groups(code)


def test_each_code_has_exactly_one_three_way_group(table):
    for code in table.codes:
        assert len(table.groups(code) & {"agricultural", "construction", "unused"}) == 1


def _members(table, group):
    return {code for code in DOMAIN_CODES if group in table.groups(code)}


@pytest.mark.parametrize("group,codes", [
    ("farmland", {"0101", "0102", "0103"}),
    ("rural_housing", {"0702"}),
    ("industry_mining", {"0601", "0602"}),
    ("transport", {"1001", "1002", "1003", "1004", "1005", "1007", "1008", "1009"}),
    ("rural_road", {"1006"}),
    ("pond", {"1104"}),
    ("facility_agri", {"1202"}),
    ("field_ridge", {"1203"}),
    ("garden", {"0201", "0202", "0203", "0204"}),
    ("wetland", WETLAND),
])
def test_finer_group_members(table, group, codes):
    assert _members(table, group) == codes


def test_wetland_codes_have_their_own_top_class(table):
    assert {code for code in DOMAIN_CODES if table.top_class(code) == "00"} == WETLAND


def test_construction_group_matches_published_regex(table):
    # domain-sources.md §1.2: ^(05|06|07|08|09|100[1-5]|100[7-9]|1109|1201)
    import re
    pattern = re.compile(r"^(05|06|07|08|09|100[1-5]|100[7-9]|1109|1201)")
    assert _members(table, "construction") == {c for c in DOMAIN_CODES if pattern.match(c)}


def test_group_resolves_from_chinese_label(table):
    assert table.resolve_group("耕地") == "farmland"
    assert table.resolve_group("建设用地") == "construction"
    with pytest.raises(KeyError):
        table.resolve_group("orchards")


def test_version_comes_from_the_version_comment(table):
    assert table.version == "2019-sandiao.1"
    assert len(table.sha256) == 64


def _write(tmp_path, body, version=True):
    path = tmp_path / "classes.csv"
    head = "# version: test-7\n" if version else "# no version\n"
    path.write_text(head + "code,name,top_class,top_name,land_use,groups,note\n" + body,
                    encoding="utf-8")
    return path


def test_version_falls_back_to_file_hash(tmp_path):
    table = load_class_table(_write(tmp_path, "0101,水田,01,耕地,农用地,farmland,\n",
                                    version=False))
    assert table.version == f"sha256:{table.sha256[:12]}"


def test_table_read_from_given_path_keeps_leading_zero(tmp_path):
    table = load_class_table(_write(tmp_path, "0101,水田,01,耕地,农用地,farmland,\n"))
    assert table.codes == ("0101",)
    assert table.version == "test-7"


def test_bad_three_way_value_names_file_code_and_column(tmp_path):
    path = _write(tmp_path, "0101,水田,01,耕地,农田,farmland,\n")
    with pytest.raises(InputError) as error:
        load_class_table(path)
    assert (error.value.layer, error.value.feature, error.value.field) == (
        str(path), "0101", "land_use")


def test_duplicate_code_is_an_error(tmp_path):
    path = _write(tmp_path, "0101,水田,01,耕地,农用地,farmland,\n0101,水田,01,耕地,农用地,farmland,\n")
    with pytest.raises(InputError) as error:
        load_class_table(path)
    assert error.value.field == "code"
