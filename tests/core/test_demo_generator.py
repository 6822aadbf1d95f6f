"""The demo county generator (tools/generate_demo_county.py) keeps its promises.

Each test regenerates nothing itself: one module-scoped run into a temporary folder is checked
against independent computations (areas with pyproj.Geod, overlays with shapely) and against the
land-class list of shared/domain.md, transcribed here on purpose rather than imported.
"""

import csv
import importlib.util
import itertools
import re
import subprocess
import sys
from pathlib import Path

import fiona
import numpy as np
import pyproj
import pytest
import rasterio
from shapely.geometry import MultiPoint, shape
from shapely.ops import transform, unary_union
from shapely.validation import make_valid

REPO = Path(__file__).resolve().parents[2]
GENERATOR = REPO / "tools" / "generate_demo_county.py"
COMMITTED = REPO / "resources" / "demo" / "data"

# 三调工作分类 codes and names as listed in shared/domain.md.
DOMAIN_CLASSES = {
    "0303": "红树林地", "0304": "森林沼泽", "0306": "灌丛沼泽", "0402": "沼泽草地", "0603": "盐田", "1105": "沿海滩涂",
    "1106": "内陆滩涂", "1108": "沼泽地", "0101": "水田", "0102": "水浇地", "0103": "旱地", "0201": "果园", "0202": "茶园",
    "0203": "橡胶园", "0204": "其他园地", "0301": "乔木林地", "0302": "竹林地", "0305": "灌木林地", "0307": "其他林地",
    "0401": "天然牧草地", "0403": "人工牧草地", "0404": "其他草地", "05H1": "商业服务业设施用地", "0508": "物流仓储用地",
    "0601": "工业用地", "0602": "采矿用地", "0701": "城镇住宅用地", "0702": "农村宅基地", "08H1": "机关团体新闻出版用地",
    "08H2": "科教文卫用地", "0809": "公用设施用地", "0810": "公园与绿地", "1001": "铁路用地", "1002": "轨道交通用地",
    "1003": "公路用地", "1004": "城镇村道路用地", "1005": "交通服务场站用地", "1006": "农村道路", "1007": "机场用地",
    "1008": "港口码头用地", "1009": "管道运输用地", "1101": "河流水面", "1102": "湖泊水面", "1103": "水库水面",
    "1104": "坑塘水面", "1107": "沟渠", "1109": "水工建筑用地", "1110": "冰川及永久积雪", "1201": "空闲地",
    "1202": "设施农用地", "1203": "田坎", "1204": "盐碱地", "1205": "沙地", "1206": "裸土地", "1207": "裸岩石砾地",
}
FARMLAND = {"0101", "0102", "0103"}
REQUIRED_CASES = {
    "farmland_to_rural_housing", "farmland_to_industry", "farmland_to_road", "basic_farmland_construction",
    "red_line_construction", "approved_full", "approved_partial", "facility_with_filing", "facility_without_filing",
    "temporary_use", "outside_urban_no_approval", "inside_urban", "below_threshold", "non_grain_orchard",
    "non_grain_forest", "non_grain_pond", "straddle_townships", "multipart", "invalid_bowtie",
}
VERDICTS = {"违法", "合法", "需核实", "低于上图面积"}

TEXT, REAL, INT, DATE = "str", "float", "int", "date"
SCHEMAS = {
    ("dltb_2023.gpkg", "DLTB"): {
        "BSM": TEXT, "YSDM": TEXT, "TBBH": TEXT, "DLBM": TEXT, "DLMC": TEXT, "QSXZ": TEXT, "QSDWDM": TEXT,
        "QSDWMC": TEXT, "ZLDWDM": TEXT, "ZLDWMC": TEXT, "TBMJ": REAL, "KCDLBM": TEXT, "KCXS": REAL, "KCMJ": REAL,
        "TBDLMJ": REAL, "CZCSXM": TEXT, "SJNF": INT},
    ("yjjbnttb.gpkg", "YJJBNTTB"): {
        "BSM": TEXT, "YJJBNTTBBH": TEXT, "DLBM": TEXT, "DLMC": TEXT, "ZLDWDM": TEXT, "ZLDWMC": TEXT, "TBMJ": REAL},
    ("stbhhx.gpkg", "STBHHX"): {"BSM": TEXT, "HXMC": TEXT, "HXLX": TEXT},
    ("czkfbj.gpkg", "CZKFBJ"): {"BSM": TEXT, "MC": TEXT},
    ("zrbhd.gpkg", "ZRBHD"): {"BSM": TEXT, "MC": TEXT, "GNFQ": TEXT},
    ("sydbhq.gpkg", "SYDBHQ"): {"BSM": TEXT, "MC": TEXT, "BHJB": TEXT},
    ("pzyd.shp", None): {"PZWH": TEXT, "XMMC": TEXT, "PZMJ": REAL, "PZRQ": DATE},
    ("ssnyd.gpkg", "SSNYD"): {"BABH": TEXT, "XMMC": TEXT, "BARQ": DATE},
    ("lsyd.gpkg", "LSYD"): {"PZWH": TEXT, "XMMC": TEXT, "QSRQ": DATE, "JZRQ": DATE},
    ("xzq.gpkg", "CJXZQ"): {"XZQDM": TEXT, "XZQMC": TEXT, "XZDM": TEXT, "XZMC": TEXT},
    ("xzq.gpkg", "XZQ"): {"XZQDM": TEXT, "XZQMC": TEXT},
    ("jctb.gpkg", "JCTB"): {
        "JCBH": TEXT, "XZQDM": TEXT, "QSX": TEXT, "HSX": TEXT, "QDLBM": TEXT, "HDLBM": TEXT, "JCMJ": REAL,
        "TBLX": TEXT, "BZ": TEXT},
}
SCHEMAS[("dltb_2024.gpkg", "DLTB")] = SCHEMAS[("dltb_2023.gpkg", "DLTB")]
VECTOR_LAYERS = list(SCHEMAS)

GEOD = pyproj.Geod(a=6378137.0, f=1 / 298.257222101)
TO_4490 = pyproj.Transformer.from_crs(4529, 4490, always_xy=True)


def load_generator():
    spec = importlib.util.spec_from_file_location("demo_generate", GENERATOR)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo")
    summary = load_generator().generate(str(out))
    return out, summary


def read(folder, name, layer=None):
    """[(properties, shapely geometry)] of a layer; the shapefile is read as GBK."""
    options = {"encoding": "GBK"} if name.endswith(".shp") else {"layer": layer}
    with fiona.open(str(Path(folder) / name), **options) as src:
        return [(dict(f["properties"]), shape(f["geometry"])) for f in src]


def geod_area(geom):
    """Ellipsoidal area, written independently of the generator: |shell| minus |holes| per polygon."""
    lonlat = transform(TO_4490.transform, geom)
    total = 0.0
    for poly in getattr(lonlat, "geoms", [lonlat]):
        shell = abs(GEOD.polygon_area_perimeter(*poly.exterior.coords.xy)[0])
        holes = sum(abs(GEOD.polygon_area_perimeter(*r.coords.xy)[0]) for r in poly.interiors)
        total += shell - holes
    return total


def valid(geom):
    return geom if geom.is_valid else make_valid(geom)


def truth_rows(folder):
    with open(Path(folder) / "truth.csv", encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def county_geometry(folder):
    return unary_union([g for _, g in read(folder, "xzq.gpkg", "XZQ")])


# ---------------------------------------------------------------------------------------------

def test_every_layer_is_in_cgcs2000_gauss_kruger_zone_41_with_prefix(demo):
    out, _ = demo
    for name, layer in VECTOR_LAYERS:
        options = {} if layer is None else {"layer": layer}
        with fiona.open(str(out / name), **options) as src:
            assert pyproj.CRS.from_wkt(src.crs_wkt).to_epsg(min_confidence=70) == 4529, (name, layer)
            minx, miny, maxx, maxy = src.bounds
        assert 41_400_000 < minx < maxx < 41_420_000, (name, layer)  # easting carries the zone prefix
        assert 4_390_000 < miny < maxy < 4_410_000, (name, layer)


@pytest.mark.parametrize("year_file", ["dltb_2023.gpkg", "dltb_2024.gpkg"])
def test_each_survey_year_is_a_planar_partition_of_the_county(demo, year_file):
    out, _ = demo
    parcels = [g for _, g in read(out, year_file, "DLTB")]
    assert all(g.is_valid for g in parcels)
    union = unary_union(parcels)
    county = county_geometry(out)
    assert abs(union.area - county.area) < 0.01
    assert abs(sum(g.area for g in parcels) - union.area) < 0.01
    assert union.symmetric_difference(county).area < 0.01


def test_villages_partition_the_county_and_townships_are_their_union(demo):
    out, _ = demo
    villages = read(out, "xzq.gpkg", "CJXZQ")
    townships = read(out, "xzq.gpkg", "XZQ")
    union = unary_union([g for _, g in villages])
    assert abs(sum(g.area for _, g in villages) - union.area) < 0.01
    assert abs(union.area - county_geometry(out).area) < 0.01
    assert len(townships) == 2 and len(villages) == 6
    for props, township in townships:
        members = [g for p, g in villages if p["XZDM"] == props["XZQDM"]]
        assert len(members) == 3
        assert unary_union(members).symmetric_difference(township).area < 0.01
    for props, _ in villages:
        assert re.fullmatch(r"\d{12}", props["XZQDM"]) and props["XZQDM"][:9] == props["XZDM"]
        assert props["XZQDM"].startswith("210281")


def test_parcels_lie_in_the_village_their_zldwdm_names(demo):
    out, _ = demo
    villages = {p["XZQDM"]: (p["XZQMC"], g) for p, g in read(out, "xzq.gpkg", "CJXZQ")}
    for year_file in ("dltb_2023.gpkg", "dltb_2024.gpkg"):
        for props, geom in read(out, year_file, "DLTB"):
            code = props["ZLDWDM"]
            assert len(code) == 19 and code.endswith("0000000") and code[:12] in villages
            name, village = villages[code[:12]]
            assert props["ZLDWMC"] == name
            assert village.contains(geom.representative_point())


@pytest.mark.parametrize("name,layer", VECTOR_LAYERS)
def test_layer_schema_has_the_documented_fields_and_types(demo, name, layer):
    out, _ = demo
    options = {"encoding": "GBK"} if layer is None else {"layer": layer}
    with fiona.open(str(out / name), **options) as src:
        declared = {field: kind.split(":")[0] for field, kind in src.schema["properties"].items()}
        features = list(src)
    for field, kind in SCHEMAS[(name, layer)].items():
        assert declared.get(field) == kind, (name, field, declared.get(field))
    assert features
    for f in features:
        for field, kind in SCHEMAS[(name, layer)].items():
            if kind in (TEXT, DATE):
                assert isinstance(f["properties"][field], str), (name, field)


def test_codes_are_valid_text_with_matching_names(demo):
    out, _ = demo
    seen = set()
    for name, layer in [("dltb_2023.gpkg", "DLTB"), ("dltb_2024.gpkg", "DLTB"), ("yjjbnttb.gpkg", "YJJBNTTB")]:
        for props, _ in read(out, name, layer):
            assert props["DLBM"] in DOMAIN_CLASSES, props["DLBM"]
            assert props["DLMC"] == DOMAIN_CLASSES[props["DLBM"]]
            seen.add(props["DLBM"])
    for props, _ in read(out, "jctb.gpkg", "JCTB"):
        assert props["QDLBM"] in DOMAIN_CLASSES and props["HDLBM"] in DOMAIN_CLASSES
        assert props["XZQDM"] == "210281"
    # The classes a county analyst expects to meet are all present.
    assert {"0101", "0102", "0103", "0201", "0301", "0404", "0702", "0601", "1003", "1006", "1104", "1107",
            "1202", "1203", "05H1", "08H2"} <= seen


def test_geopandas_reads_codes_as_text(demo):
    geopandas = pytest.importorskip("geopandas")
    out, _ = demo
    frame = geopandas.read_file(str(out / "dltb_2023.gpkg"), layer="DLTB")
    assert frame["DLBM"].map(type).eq(str).all()
    assert frame["DLBM"].str.startswith("0").any()


@pytest.mark.parametrize("year_file", ["dltb_2023.gpkg", "dltb_2024.gpkg"])
def test_tbmj_is_the_cgcs2000_ellipsoidal_area(demo, year_file):
    out, _ = demo
    holes = 0
    for props, geom in read(out, year_file, "DLTB"):
        assert abs(props["TBMJ"] - geod_area(geom)) < 0.01, props["BSM"]
        assert abs(props["KCMJ"] - round(props["TBMJ"] * props["KCXS"], 2)) < 0.011
        assert abs(props["TBDLMJ"] - (props["TBMJ"] - props["KCMJ"])) < 0.011
        assert props["SJNF"] == int(year_file[5:9])
        holes += sum(len(p.interiors) for p in geom.geoms)
    assert holes >= 1  # at least one parcel with a hole, filled by another parcel (the partition test)


def test_other_areas_are_ellipsoidal_too(demo):
    out, _ = demo
    for props, geom in read(out, "yjjbnttb.gpkg", "YJJBNTTB"):
        assert abs(props["TBMJ"] - geod_area(geom)) < 0.01
    for props, geom in read(out, "pzyd.shp"):
        assert abs(props["PZMJ"] - geod_area(geom)) < 0.01
    for props, geom in read(out, "jctb.gpkg", "JCTB"):
        assert abs(props["JCMJ"] - geod_area(valid(geom))) < 0.01


def test_truth_lists_every_patch_and_every_case(demo):
    out, _ = demo
    rows = truth_rows(out)
    patches = read(out, "jctb.gpkg", "JCTB")
    ids = [p["JCBH"] for p, _ in patches]
    assert len(set(ids)) == len(ids) and 50 <= len(ids) <= 70
    assert sorted(r["JCBH"] for r in rows) == sorted(ids)
    assert REQUIRED_CASES <= {r["case"] for r in rows}
    assert {r["expected_verdict"] for r in rows} == VERDICTS
    for r in rows:
        assert r["township"] in {"河口镇", "石岭乡"} and r["village"].endswith("村")


def test_exactly_one_patch_is_invalid_and_it_is_the_bowtie(demo):
    out, _ = demo
    invalid = [p["JCBH"] for p, g in read(out, "jctb.gpkg", "JCTB") if not g.is_valid]
    truth = {r["JCBH"]: r for r in truth_rows(out)}
    assert len(invalid) == 1
    assert truth[invalid[0]]["case"] == "invalid_bowtie" and truth[invalid[0]]["invalid_geometry"] == "1"
    assert sum(r["invalid_geometry"] == "1" for r in truth.values()) == 1


def test_patches_are_disjoint_and_of_realistic_size(demo):
    out, _ = demo
    truth = {r["JCBH"]: r for r in truth_rows(out)}
    patches = [(p, valid(g)) for p, g in read(out, "jctb.gpkg", "JCTB")]
    for (_, a), (_, b) in itertools.combinations(patches, 2):
        assert a.intersection(b).area == 0
    for props, geom in patches:
        case = truth[props["JCBH"]]["case"]
        low, high = (80, 150) if case == "below_threshold" else (300, 8000)
        assert low <= props["JCMJ"] <= high, (case, props["JCMJ"])
        parts = len(geom.geoms) if hasattr(geom, "geoms") else 1
        assert (parts == 2) == (case in ("multipart", "invalid_bowtie"))


def test_patch_classes_match_the_two_survey_years(demo):
    out, _ = demo
    before = read(out, "dltb_2023.gpkg", "DLTB")
    after = read(out, "dltb_2024.gpkg", "DLTB")
    for props, geom in read(out, "jctb.gpkg", "JCTB"):
        patch = valid(geom)
        under_before = {p["DLBM"] for p, g in before if g.intersection(patch).area > 0.01}
        assert under_before == {props["QDLBM"]}, props["JCBH"]
        covered_after = sum(g.intersection(patch).area for p, g in after if p["DLBM"] == props["HDLBM"])
        assert abs(covered_after - patch.area) < 0.05, props["JCBH"]


def test_the_years_differ_only_inside_the_patches(demo):
    out, _ = demo
    patches = unary_union([valid(g) for _, g in read(out, "jctb.gpkg", "JCTB")])

    def by_class(name):
        groups = {}
        for props, geom in read(out, name, "DLTB"):
            groups.setdefault(props["DLBM"], []).append(geom)
        return {code: unary_union(gs) for code, gs in groups.items()}

    before, after = by_class("dltb_2023.gpkg"), by_class("dltb_2024.gpkg")
    empty = unary_union([])
    changed = unary_union([before.get(c, empty).symmetric_difference(after.get(c, empty))
                           for c in set(before) | set(after)])
    assert changed.difference(patches).area < 0.01
    assert abs(changed.area - patches.area) < 0.1  # and every patch really changes class


def test_basic_farmland_has_exactly_one_overlapping_pair_and_a_patch_inside_it(demo):
    out, _ = demo
    features = read(out, "yjjbnttb.gpkg", "YJJBNTTB")
    overlaps = [(a, b) for (_, a), (_, b) in itertools.combinations(features, 2)
                if a.intersects(b) and a.intersection(b).area > 1]
    assert len(overlaps) == 1
    shared = overlaps[0][0].intersection(overlaps[0][1])
    truth = {r["JCBH"]: r for r in truth_rows(out)}
    inside = [p["JCBH"] for p, g in read(out, "jctb.gpkg", "JCTB") if g.within(shared)]
    assert inside and truth[inside[0]]["case"] == "basic_farmland_construction"
    farmland = sum(p["TBMJ"] for p, _ in read(out, "dltb_2023.gpkg", "DLTB") if p["DLBM"] in FARMLAND)
    basic = unary_union([g for _, g in features])
    assert 0.55 < geod_area(basic) / farmland < 0.7
    assert farmland > 0.5 * geod_area(county_geometry(out))  # a farming county


def test_truth_flags_agree_with_the_layers(demo):
    out, _ = demo

    def union_of(name, layer=None):
        return unary_union([g for _, g in read(out, name, layer)])

    layers = {"in_basic_farmland": union_of("yjjbnttb.gpkg", "YJJBNTTB"), "in_red_line": union_of("stbhhx.gpkg", "STBHHX"),
              "facility_filing": union_of("ssnyd.gpkg", "SSNYD"), "temporary": union_of("lsyd.gpkg", "LSYD")}
    urban, approved = union_of("czkfbj.gpkg", "CZKFBJ"), union_of("pzyd.shp")
    farmland = unary_union([g for p, g in read(out, "dltb_2023.gpkg", "DLTB") if p["DLBM"] in FARMLAND])
    villages = read(out, "xzq.gpkg", "CJXZQ")
    truth = {r["JCBH"]: r for r in truth_rows(out)}
    for props, geom in read(out, "jctb.gpkg", "JCTB"):
        row, patch = truth[props["JCBH"]], valid(geom)
        for flag, baseline in layers.items():
            assert row[flag] == str(int(patch.intersection(baseline).area > 0)), (row["case"], flag)
        assert row["inside_urban"] == str(int(patch.intersection(urban).area > 0.5 * patch.area))
        share = patch.intersection(approved).area / patch.area
        expected = "full" if share > 0.999 else ("partial" if share > 0.001 else "none")
        assert row["approved_cover"] == expected
        if expected == "partial":
            assert 0.4 <= share <= 0.6
        assert abs(float(row["in_farmland_m2_approx"]) - patch.intersection(farmland).area) < 0.5
        areas = sorted(((patch.intersection(g).area, p) for p, g in villages), key=lambda t: -t[0])
        assert row["village"] == areas[0][1]["XZQMC"] and row["township"] == areas[0][1]["XZMC"]
        townships = {p["XZDM"] for a, p in areas if a > 0.01 * patch.area}
        assert row["straddles"] == str(int(len(townships) > 1))
        if row["straddles"] == "1":
            assert 0.6 < areas[0][0] / patch.area < 0.8
        assert row["multipart"] == str(int(row["case"] == "multipart"))


ZONES = {"nature_reserve": ("zrbhd.gpkg", "ZRBHD", "GNFQ", {"核心保护区", "一般控制区"}),
         "water_source": ("sydbhq.gpkg", "SYDBHQ", "BHJB", {"一级保护区", "二级保护区"})}


def test_the_zones_hold_a_few_patches_each_wholly(demo):
    out, _ = demo
    truth = {r["JCBH"]: r for r in truth_rows(out)}
    patches = [(p["JCBH"], valid(g)) for p, g in read(out, "jctb.gpkg", "JCTB")]
    for column, (name, layer, field, values) in ZONES.items():
        features = read(out, name, layer)
        assert {p[field] for p, _ in features} == values
        for (_, a), (_, b) in itertools.combinations(features, 2):
            assert a.intersection(b).area < 0.01  # the inner zone and the ring around it
        held = {}
        for pid, patch in patches:
            shares = [(patch.intersection(g).area / patch.area, p[field]) for p, g in features]
            share, value = max(shares)
            assert share < 1e-9 or share > 1 - 1e-9, (column, pid, share)  # wholly in or out
            held[pid] = value if share > 0.5 else ""
            assert truth[pid][column] == held[pid], (column, pid)
        inside = [v for v in held.values() if v]
        assert 2 <= len(inside) <= 6 and set(inside) == values, (column, inside)


def test_new_buildings_in_the_core_zone_and_first_level_zone_are_violations(demo):
    out, _ = demo
    rows = [r for r in truth_rows(out) if r["nature_reserve"] == "核心保护区" or r["water_source"] == "一级保护区"]
    assert {r["case"] for r in rows} >= {"outside_urban_no_approval"}
    for r in rows:
        assert r["expected_verdict"] == ("合法" if r["approved_cover"] == "full" else "违法"), r["JCBH"]


def test_verdicts_follow_the_domain_rules(demo):
    out, _ = demo
    expected = {"approved_full": "合法", "facility_with_filing": "合法", "temporary_use": "合法",
                "below_threshold": "低于上图面积", "facility_without_filing": "需核实",
                "non_grain_orchard": "需核实", "non_grain_forest": "需核实", "non_grain_pond": "需核实"}
    # approved_partial: the unapproved rest is judged, and it is construction on farmland: 违法.
    # Building on land that already was construction land (e.g. 1201 空闲地): the papers decide.
    before = {p["JCBH"]: p["QDLBM"] for p, _ in read(out, "jctb.gpkg")}
    stock = {"05H1", "0508", "0601", "0602", "0701", "0702", "08H1", "08H2", "0810", "1003",
             "1004", "1201"}
    for row in truth_rows(out):
        want = expected.get(row["case"], "违法")
        if row["case"] == "inside_urban" and before[row["JCBH"]] in stock:
            want = "需核实"
        assert row["expected_verdict"] == want, row["case"]


def test_approvals_are_a_gbk_shapefile_without_cpg(demo):
    out, _ = demo
    assert not (out / "pzyd.cpg").exists()
    assert (out / "pzyd.prj").exists()
    prj = (out / "pzyd.prj").read_text()
    assert pyproj.CRS.from_wkt(prj).to_epsg(min_confidence=70) == 4529
    records = read(out, "pzyd.shp")
    assert all(re.fullmatch(r"辽政地〔\d{4}〕\d+号", p["PZWH"]) for p, _ in records)
    assert all(re.search(r"[\u4e00-\u9fff]", p["XMMC"]) for p, _ in records)
    raw = (out / "pzyd.dbf").read_bytes()
    assert raw[29] == 0  # no language-driver id either: nothing in the files says GBK
    assert records[0][0]["PZWH"].encode("gbk") in raw
    with pytest.raises(UnicodeDecodeError):
        raw[32:].decode("utf-8")


def test_images_are_small_tiled_rgb_geotiffs_over_the_county(demo):
    out, _ = demo
    county = county_geometry(out)
    arrays = {}
    for name in ("before.tif", "after.tif"):
        with rasterio.open(str(out / name)) as src:
            assert src.count == 3 and src.dtypes == ("uint8",) * 3
            assert src.crs.to_epsg() == 4529 and src.res == (4.0, 4.0)
            assert src.profile["tiled"] and src.compression.name.lower() == "deflate"
            assert src.overviews(1)
            left, bottom, right, top = src.bounds
            minx, miny, maxx, maxy = county.bounds
            assert left <= minx and bottom <= miny and right >= maxx and top >= maxy
            arrays[name] = (src.read(), src.transform)
    (before, affine), (after, _) = arrays["before.tif"], arrays["after.tif"]
    changed = np.any(before != after, axis=0)
    assert changed.any()
    rows, cols = np.nonzero(changed)
    patches = unary_union([valid(g) for _, g in read(out, "jctb.gpkg", "JCTB")]).buffer(6)
    xs, ys = rasterio.transform.xy(affine, rows, cols)
    assert MultiPoint(list(zip(xs, ys))).difference(patches).is_empty


def test_same_seed_gives_the_same_data_also_from_the_command_line(demo, tmp_path):
    out, _ = demo
    subprocess.run([sys.executable, str(GENERATOR), "--out", str(tmp_path), "--seed", "20241"], check=True,
                   capture_output=True)
    for name, layer in VECTOR_LAYERS:
        first, second = read(out, name, layer), read(tmp_path, name, layer)
        assert [p for p, _ in first] == [p for p, _ in second], (name, layer)
        assert [g.wkb for _, g in first] == [g.wkb for _, g in second], (name, layer)
    for name in ("before.tif", "after.tif"):
        with rasterio.open(str(out / name)) as a, rasterio.open(str(tmp_path / name)) as b:
            assert np.array_equal(a.read(), b.read())
    assert (out / "truth.csv").read_bytes() == (tmp_path / "truth.csv").read_bytes()


def test_coordinates_are_rounded_to_the_millimetre(demo):
    out, _ = demo
    for _, geom in read(out, "dltb_2024.gpkg", "DLTB")[:200] + read(out, "jctb.gpkg", "JCTB"):
        for poly in getattr(geom, "geoms", [geom]):
            coords = np.asarray(poly.exterior.coords)
            assert np.allclose(coords, np.round(coords, 3), atol=1e-6, rtol=0)


@pytest.mark.skipif(not COMMITTED.exists(), reason="no committed demo data")
def test_committed_data_is_what_the_generator_writes(demo):
    out, _ = demo
    assert sum(f.stat().st_size for f in COMMITTED.iterdir() if f.is_file()) < 4_000_000
    assert not (COMMITTED / "pzyd.cpg").exists()
    for name, layer in VECTOR_LAYERS:
        fresh, committed = read(out, name, layer), read(COMMITTED, name, layer)
        assert len(fresh) == len(committed), (name, layer)
        for (a, _), (b, _) in zip(fresh, committed):
            assert a.keys() == b.keys()
            for key in a:
                if isinstance(a[key], float):
                    assert abs(a[key] - b[key]) < 0.011, (name, key)
                else:
                    assert a[key] == b[key], (name, key)
    assert truth_rows(out) == truth_rows(COMMITTED)

