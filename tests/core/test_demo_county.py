"""The main job on the bundled demo county, checked against the generator's known truth
(resources/demo/data/truth.csv is written by the generator from its own construction of each
case, not from our output)."""

import csv
from pathlib import Path

import pytest
from osgeo import ogr

from plugin.core.analysis import run_analysis
from plugin.core.job import load_job

DEMO = Path(__file__).resolve().parents[2] / "resources" / "demo"


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo")
    result = run_analysis(load_job(str(DEMO / "job.yaml")), str(out))
    ds = ogr.Open(result.result_path)
    rows = {f["patch_id"]: f.items() for f in ds.GetLayerByName("patches")}
    pieces = {(f["patch_id"], f["layer_key"]): f.items() for f in ds.GetLayerByName("overlaps")}
    with open(DEMO / "data" / "truth.csv", encoding="utf-8") as f:
        truth = {r["JCBH"]: r for r in csv.DictReader(f)}
    return result, rows, pieces, truth


def test_every_patch_gets_the_verdict_the_generator_built_it_for(demo):
    _, rows, _, truth = demo
    assert rows.keys() == truth.keys()
    wrong = {pid: (truth[pid]["case"], truth[pid]["expected_verdict"], rows[pid]["verdict"])
             for pid in truth if rows[pid]["verdict"] != truth[pid]["expected_verdict"]}
    assert not wrong


def test_every_patch_lands_in_its_township_and_village(demo):
    _, rows, _, truth = demo
    for pid, t in truth.items():
        assert (rows[pid]["township"], rows[pid]["village"]) == (t["township"], t["village"])
        assert (rows[pid]["admin_note"] is not None) == (t["straddles"] == "1"), pid


def test_farmland_pieces_match_the_generators_planar_overlap(demo):
    _, rows, pieces, truth = demo
    for pid, t in truth.items():
        piece = pieces.get((pid, "farmland"))
        ours = piece["planar_m2"] if piece else 0.0
        assert ours == pytest.approx(float(t["in_farmland_m2_approx"]), abs=0.06), pid


def test_baseline_membership_matches_the_truth(demo):
    _, rows, _, truth = demo
    for pid, t in truth.items():
        assert (rows[pid]["basic_farmland_m2"] > 0) == (t["in_basic_farmland"] == "1"), pid
        assert (rows[pid]["red_line_m2"] > 0) == (t["in_red_line"] == "1"), pid
        cover = rows[pid]["approved_pct"]
        want = {"none": cover == 0, "partial": 0 < cover < 99.9, "full": cover >= 99.9}
        assert want[t["approved_cover"]], pid


def test_the_overlapping_basic_farmland_redelivery_is_not_counted_twice(demo):
    _, rows, _, _ = demo
    for r in rows.values():
        assert r["basic_farmland_m2"] <= r["area_m2"] + 1e-6


def test_repairs_and_encoding_are_reported(demo):
    result, _, _, truth = demo
    invalid = [pid for pid, t in truth.items() if t["invalid_geometry"] == "1"]
    assert [n.feature for n in result.notes if "几何无效" in n.message] == invalid
    assert any("GB18030" in n.message and "pzyd" in n.layer for n in result.notes)


def test_the_zones_the_county_adds_carry_their_values_as_the_truth_says(demo):
    _, rows, pieces, truth = demo
    for pid, t in truth.items():
        for key, field in (("nature_reserve", "GNFQ"), ("water_source", "BHJB")):
            assert (rows[pid][f"{key}_m2"] > 0) == (t[key] != ""), (pid, key)
            assert (rows[pid][f"{key}_{field}"] or "") == t[key], (pid, key)
            if t[key]:
                assert pieces[(pid, key)]["layer_name"] in ("自然保护地", "饮用水水源保护区")


def test_new_buildings_in_the_reserve_core_and_the_first_level_zone_are_judged_by_the_ecology_rules(demo):
    _, rows, _, truth = demo
    core = [pid for pid, t in truth.items() if t["nature_reserve"] == "核心保护区"
            and t["approved_cover"] != "full"]
    first = [pid for pid, t in truth.items() if t["water_source"] == "一级保护区"
             and t["approved_cover"] != "full"]
    assert core and first
    for pid in core:
        assert "nature_reserve_core_construction" in rows[pid]["rule_ids"].split(","), pid
        assert "自然保护地" in rows[pid]["reason"] and rows[pid]["severity"] == 5
    for pid in first:
        assert "water_source_first_level_construction" in rows[pid]["rule_ids"].split(","), pid
        assert "饮用水水源保护区" in rows[pid]["reason"] and rows[pid]["severity"] == 5
def _farmland_parcels():
    """The 2023 farmland parcels of the demo with their KCXS, read with plain OGR."""
    from shapely import wkb
    ds = ogr.Open(str(DEMO / "data" / "dltb_2023.gpkg"))
    return [(wkb.loads(bytes(f.GetGeometryRef().ExportToWkb())), f["KCXS"], f["QSDWMC"])
            for f in ds.GetLayerByName("DLTB") if f["DLBM"].startswith("01")]


def test_net_farmland_of_every_patch_is_its_pieces_times_one_minus_kcxs(demo):
    """The demo's farmland parcels do not overlap, so each patch's net farmland is Σ over the
    parcels it meets of (patch ∩ parcel) × (1 − KCXS), the pieces measured by the oracle."""
    from shapely import wkb
    from area_oracle import geodesic_area
    result, rows, _, _ = demo
    ds = ogr.Open(result.result_path)
    shapes = {f["patch_id"]: wkb.loads(bytes(f.GetGeometryRef().ExportToWkb()))
              for f in ds.GetLayerByName("patches")}
    parcels = _farmland_parcels()
    for pid, shape in shapes.items():
        want = sum(geodesic_area(shape.intersection(g)) * (1 - k)
                   for g, k, _ in parcels if g.intersects(shape))
        assert rows[pid]["farmland_net_m2"] == pytest.approx(want, abs=0.01), pid
        assert rows[pid]["farmland_net_m2"] <= rows[pid]["farmland_m2"]


def test_the_owner_of_a_farmland_patch_is_the_village_the_generator_put_it_in(demo):
    _, rows, _, truth = demo
    for pid, t in truth.items():
        if rows[pid]["farmland_m2"] > 0:
            assert rows[pid]["owner"].split(" ")[0] == t["village"], pid
