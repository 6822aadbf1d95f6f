"""Net areas after the 田坎 deduction (扣除), the parcels behind each overlap (layer
``parcel_hits``) and the owner collective (权属单位) of each patch (plugin/core/parcels).

The parcels are built here with known KCXS / TBDLMJ / TBMJ; every expected figure is the
geodesic area (area_oracle, pyproj) of a rectangle worked out by hand, times the parcel's net
share — never a number the engine computed.
"""

import pytest
from osgeo import ogr
from shapely.geometry import box

from area_oracle import geodesic_area
from layer_factory import X0, Y0, write_layer
from plugin.core.analysis import run_analysis
from plugin.core.job import job_from_dict
from plugin.core.overlay.areas import MU_PER_M2


def rect(x0, y0, x1, y1):
    return box(X0 + x0, Y0 + y0, X0 + x1, Y0 + y1)


def parcel(bsm, tbbh, owner, kcxs=None, tbmj=None, tbdlmj=None, dlbm="0101"):
    return {"BSM": bsm, "TBBH": tbbh, "DLBM": dlbm, "DLMC": "水田",
            "ZLDWDM": "2102811012010000000", "ZLDWMC": owner, "QSDWDM": "2102811012010000000",
            "QSDWMC": owner, "KCXS": kcxs, "TBMJ": tbmj, "TBDLMJ": tbdlmj}


# In layer order. F4 is a duplicate delivery overlapping F1 and F2: only its part outside
# them counts, and its TBDLMJ disagrees with TBMJ × (1 − KCXS) on purpose. F5's KCXS is no
# coefficient (1.5), so TBDLMJ / TBMJ serves.
FARMLAND = [
    (rect(0, 0, 100, 100), parcel("F1", "1", "东关村", 0.05, 10000.0, 9500.0)),
    (rect(100, 0, 200, 100), parcel("F2", "2", "西河村", None, 10000.0, 8800.0)),
    (rect(200, 0, 300, 100), parcel("F3", "3", "西河村")),
    (rect(50, 50, 150, 150), parcel("F4", "4", "东关村", 0.2, 10000.0, 9000.0)),
    (rect(300, 0, 400, 100), parcel("F5", "5", "前屯村", 1.5, 10000.0, 9000.0)),
]
SHARES = {"F1": 0.95, "F2": 0.88, "F3": 1.0, "F4": 0.8, "F5": 0.9}
BASIC = [(rect(0, 0, 150, 100), {"YJJBNTTBBH": "B1", "YJJBNTTBMJ": 15000.0,
                                 "YJJBNTMJ": 14100.0})]
APPROVED = [rect(200, 0, 260, 130)]
PATCHES = {"P1": rect(50, 20, 250, 120), "P2": rect(310, 10, 390, 90), "P3": rect(500, 0, 600, 100)}
# P1's pieces with overlaps counted once, by hand.
P1_PIECES = {"F1": rect(50, 20, 100, 100), "F2": rect(100, 20, 200, 100),
             "F3": rect(200, 20, 250, 100), "F4": rect(50, 100, 150, 120)}


def farmland_job(folder, farmland=FARMLAND, basic=BASIC):
    write_layer(str(folder / "jctb.gpkg"), list(PATCHES.values()),
                [{"JCBH": k, "QDLBM": "0101", "HDLBM": "0601"} for k in PATCHES], layer="JCTB")
    write_layer(str(folder / "dltb.gpkg"), [g for g, _ in farmland], [a for _, a in farmland],
                layer="DLTB", fields=sorted(farmland[0][1]))
    write_layer(str(folder / "yjjbnttb.gpkg"), [g for g, _ in basic], [a for _, a in basic],
                layer="YJJBNTTB")
    write_layer(str(folder / "pzyd.gpkg"), APPROVED, [{"PZWH": "批1"}], layer="PZYD")
    return job_from_dict({
        "patches": {"path": "jctb.gpkg", "id_field": "JCBH", "before_field": "QDLBM",
                    "after_field": "HDLBM"},
        "baselines": {"farmland": {"path": "dltb.gpkg", "where": {"DLBM": ["01*"]}},
                      "basic_farmland": {"path": "yjjbnttb.gpkg"}},
        "exemptions": {"approved": {"path": "pzyd.gpkg", "id_field": "PZWH"}}},
        base_dir=str(folder))


@pytest.fixture(scope="module")
def analysed(tmp_path_factory):
    folder = tmp_path_factory.mktemp("parcels")
    result = run_analysis(farmland_job(folder), str(folder / "out"), job_workers=1)
    return result, read_result(result.result_path)


def read_result(path):
    ds = ogr.Open(path)
    patches = {f["patch_id"]: f.items() for f in ds.GetLayerByName("patches")}
    hits = [f.items() for f in ds.GetLayerByName("parcel_hits")]
    notes = [f["message"] for f in ds.GetLayerByName("notes")]
    return patches, hits, notes


def test_net_farmland_is_each_piece_times_its_parcels_net_share_overlaps_once(analysed):
    _, (patches, _, _) = analysed
    want = sum(geodesic_area(g) * SHARES[bsm] for bsm, g in P1_PIECES.items())
    assert patches["P1"]["farmland_net_m2"] == pytest.approx(want, abs=1e-3)
    assert patches["P1"]["farmland_net_mu"] == pytest.approx(want * MU_PER_M2, abs=1e-6)
    gross = sum(geodesic_area(g) for g in P1_PIECES.values())
    assert patches["P1"]["farmland_m2"] == pytest.approx(gross, abs=1e-3)


def test_a_coefficient_outside_zero_to_one_falls_back_to_net_over_gross_area(analysed):
    _, (patches, _, notes) = analysed
    want = geodesic_area(PATCHES["P2"]) * 0.9
    assert patches["P2"]["farmland_net_m2"] == pytest.approx(want, abs=1e-3)
    assert any("KCXS 不在 0–1 之间" in n and "F5" in n for n in notes)


def test_parcels_without_any_deduction_count_whole_and_are_noted(analysed):
    _, (_, hits, notes) = analysed
    f3 = next(h for h in hits if h["parcel_id"] == "F3")
    assert f3["net_m2"] == pytest.approx(f3["area_m2"], abs=1e-9)
    assert f3["net_rule"] == "无扣除信息，按不扣除计"
    assert any("净面积按不扣除计" in n and "F3" in n for n in notes)


def test_a_coefficient_that_disagrees_with_tbdlmj_wins_and_is_noted(analysed):
    _, (_, hits, notes) = analysed
    f4 = next(h for h in hits if h["parcel_id"] == "F4")
    assert f4["deduction"] == pytest.approx(0.2)
    assert f4["net_rule"] == "1−KCXS"
    assert any("TBDLMJ 与 TBMJ×(1−KCXS) 不一致" in n and "F4" in n for n in notes)


def test_basic_farmland_net_uses_its_own_net_over_gross_area(analysed):
    _, (patches, _, _) = analysed
    want = geodesic_area(rect(50, 20, 150, 100)) * 14100.0 / 15000.0
    assert patches["P1"]["basic_farmland_net_m2"] == pytest.approx(want, abs=1e-3)


def test_parcel_hits_list_every_parcel_behind_an_overlap_with_its_attributes(analysed):
    _, (patches, hits, _) = analysed
    p1 = {h["parcel_id"]: h for h in hits if h["patch_id"] == "P1" and h["layer_key"] == "farmland"}
    assert set(p1) == set(P1_PIECES)
    for bsm, geom in P1_PIECES.items():
        assert p1[bsm]["area_m2"] == pytest.approx(geodesic_area(geom), abs=1e-3)
        assert p1[bsm]["net_m2"] == pytest.approx(geodesic_area(geom) * SHARES[bsm], abs=1e-3)
    assert (p1["F2"]["parcel_no"], p1["F2"]["class_code"], p1["F2"]["owner_name"],
            p1["F2"]["location_code"]) == ("2", "0101", "西河村", "2102811012010000000")
    assert sum(h["area_m2"] for h in p1.values()) == pytest.approx(patches["P1"]["farmland_m2"],
                                                                  abs=1e-3)
    basic = [h for h in hits if h["layer_key"] == "basic_farmland"]
    assert [(h["patch_id"], h["parcel_no"]) for h in basic] == [("P1", "B1")]


def test_a_patch_touching_no_parcel_has_no_hit_no_owner_and_zero_net(analysed):
    _, (patches, hits, _) = analysed
    assert not [h for h in hits if h["patch_id"] == "P3"]
    assert patches["P3"]["owner"] is None
    assert patches["P3"]["farmland_net_m2"] == 0.0


def test_the_owner_is_the_collective_holding_most_of_the_occupied_parcels(analysed):
    _, (patches, _, _) = analysed
    west = geodesic_area(P1_PIECES["F2"]) + geodesic_area(P1_PIECES["F3"])
    east = geodesic_area(P1_PIECES["F1"]) + geodesic_area(P1_PIECES["F4"])
    share = 100 * west / (west + east)
    assert patches["P1"]["owner"] == f"西河村 {share:.1f}%；东关村 {100 - share:.1f}%"
    assert patches["P2"]["owner"] == "前屯村"


def test_the_flagged_areas_net_part_is_the_flagged_region_inside_each_parcel(analysed):
    """P1 falls under 占用永久基本农田建设: its flagged region is its unapproved part inside
    basic farmland, box(50, 20, 150, 100) (the approval covers x ≥ 200)."""
    _, (patches, _, _) = analysed
    p1 = patches["P1"]
    assert p1["violation_type"] == "占用永久基本农田建设"
    region = rect(50, 20, 150, 100)
    assert p1["flag_farmland_m2"] == pytest.approx(geodesic_area(region), abs=1e-3)
    want = (geodesic_area(rect(50, 20, 100, 100)) * 0.95
            + geodesic_area(rect(100, 20, 150, 100)) * 0.88)
    assert p1["flag_farmland_net_m2"] == pytest.approx(want, abs=1e-3)
    assert p1["flag_basic_farmland_net_m2"] == pytest.approx(
        geodesic_area(region) * 14100.0 / 15000.0, abs=1e-3)


def test_without_a_net_basis_the_net_columns_stay_empty_and_a_note_says_why(tmp_path):
    bare = [(g, {"BSM": a["BSM"], "DLBM": a["DLBM"]}) for g, a in FARMLAND]
    result = run_analysis(farmland_job(tmp_path, farmland=bare), str(tmp_path / "out"),
                          job_workers=1)
    patches, hits, notes = read_result(result.result_path)
    assert patches["P1"]["farmland_net_m2"] is None
    assert patches["P1"]["farmland_m2"] > 0
    assert all(h["net_m2"] is None for h in hits if h["layer_key"] == "farmland")
    assert any("未计算净面积" in n for n in notes)
    assert "owner" not in patches["P1"]


def test_the_ledger_shows_net_areas_beside_gross_and_the_owner(analysed, tmp_path):
    from decimal import ROUND_HALF_UP, Decimal

    from ledger_sheet import sheet_records, summary_blocks
    from plugin.core.ledger.export import export_ledger

    result, (patches, _, _) = analysed
    out = str(tmp_path / "台账.xlsx")
    export_ledger(result.result_path, out)
    rows = {r["图斑编号"]: r for r in sheet_records(out)}

    def mu(m2):
        return float((Decimal(repr(m2)) * Decimal("0.0015")).quantize(Decimal("0.01"),
                                                                      ROUND_HALF_UP))
    p1 = patches["P1"]
    assert rows["P1"]["占用耕地净面积(亩)"] == mu(p1["farmland_net_m2"])
    assert rows["P1"]["占用永久基本农田净面积(亩)"] == mu(p1["basic_farmland_net_m2"])
    assert rows["P1"]["认定面积中占耕地净面积(亩)"] == mu(p1["flag_farmland_net_m2"])
    assert rows["P1"]["认定面积中占耕地净面积(亩)"] < rows["P1"]["认定面积中占耕地(亩)"]
    assert rows["P1"]["权属单位"] == p1["owner"]
    total = summary_blocks(out)["按乡镇汇总"][2]
    assert total["认定面积中占耕地净面积(亩)"] == pytest.approx(
        sum(r["认定面积中占耕地净面积(亩)"] for r in rows.values()), abs=1e-9)


def test_owners_come_from_the_previous_years_parcels_where_given(tmp_path):
    """They cover all the land: P3 lies on no farmland but on a village's 0702 parcel."""
    job = farmland_job(tmp_path)
    whole = FARMLAND + [(rect(450, -10, 650, 110), parcel("D1", "9", "王家屯村", dlbm="0702"))]
    write_layer(str(tmp_path / "dltb_all.gpkg"), [g for g, _ in whole], [a for _, a in whole],
                layer="DLTB", fields=sorted(whole[0][1]))
    from plugin.core.job import LayerSpec
    job.parcels_before = LayerSpec(role="parcels_before", path=str(tmp_path / "dltb_all.gpkg"),
                                   layer="DLTB", extra={"class_field": "DLBM"})
    patches, _, _ = read_result(run_analysis(job, str(tmp_path / "out"),
                                             job_workers=1).result_path)
    assert patches["P3"]["owner"] == "王家屯村"
    assert patches["P3"]["farmland_net_m2"] == 0.0
    assert patches["P2"]["owner"] == "前屯村"


def test_parcel_hits_round_as_the_patches_layer_does():
    """A piece's area on a decimal half is rounded by Python's rule, as every other layer of
    the result rounds (numpy's rounding takes the other side of 12.30005)."""
    import numpy as np

    from plugin.core.parcels.attributes import NetShares, ParcelFields
    from plugin.core.parcels.hits import hit_rows
    from plugin.core.parcels.net import ParcelPieces

    class Layer:
        columns = {"BSM": ["B0", "B1"]}
        fids = np.array([1, 2])

    pieces = [[(0, b"a", 12.30005), (1, b"b", 0.5)], [], [(1, b"c", 2.0000049999999)]]
    pp = ParcelPieces(key="farmland", label="耕地", layer=Layer(),
                      fields=ParcelFields.detect(["BSM"]), shares=None, id_field=None,
                      pieces=pieces)
    notes = []
    table = hit_rows({"farmland": pp}, ["P1", "P2", "P3"], 1.0, notes)
    rows, wkbs = table.rows(), table.wkbs()
    assert [(r[0], r[3], r[11], r[12]) for r in rows] == [
        ("P1", "B0", round(12.30005, 4), round(12.30005 * MU_PER_M2, 6)),
        ("P3", "B1", round(2.0000049999999, 4), round(2.0000049999999 * MU_PER_M2, 6))]
    assert wkbs == [b"a", b"c"] and len(notes) == 1 and "1 处" in notes[0].message
    assert round(12.30005, 4) != float(np.round(12.30005, 4))

    pp.shares = NetShares(share=np.array([0.9, 0.75]), rule=["KCXS", "KCXS"])
    rows = hit_rows({"farmland": pp}, ["P1", "P2", "P3"], 1.0, []).rows()
    assert [(r[13], r[14], r[16]) for r in rows] == [
        (round(1 - 0.9, 6), round(12.30005 * 0.9, 4), "KCXS"),
        (round(1 - 0.75, 6), round(2.0000049999999 * 0.75, 4), "KCXS")]


@pytest.mark.parametrize("basic", ["whole", "left half"])
def test_net_flag_split_takes_pieces_whole_inside_a_baseline_under_all_the_patch(monkeypatch,
                                                                                 basic):
    """Flagged inside basic farmland: where basic farmland covers all the patch, every farmland
    piece counts whole (no clip, as ledger_details does for the gross split); where it covers
    half, the pieces are clipped to it."""
    import numpy as np
    from shapely.geometry import box

    import plugin.core.parcels.net as net
    from plugin.core.parcels.attributes import NetShares, ParcelFields
    from plugin.core.parcels.net import ParcelPieces, flag_net_split

    class Layer:
        columns = {"BSM": ["B0", "B1"]}
        fids = np.array([1, 2])

    class PlanarArea:
        def areas(self, wkbs):
            from plugin.core.overlay.areas import planar_areas
            return planar_areas(wkbs)

    patch = box(0, 0, 10, 10)
    left, right = box(0, 0, 6, 10), box(6, 0, 10, 10)
    pp = ParcelPieces(key="farmland", label="耕地", layer=Layer(),
                      fields=ParcelFields.detect(["BSM"]),
                      shares=NetShares(share=np.array([0.9, 0.5]), rule=["KCXS", "KCXS"]),
                      id_field=None, pieces=[[(0, left.wkb, 60.0), (1, right.wkb, 40.0)]])
    region = patch if basic == "whole" else box(0, 0, 5, 10)
    overlays = {"basic_farmland": [(region.wkb, region.area, region.area)]}
    sent = []
    clip = net.clipped_areas
    monkeypatch.setattr(net, "clipped_areas",
                        lambda jobs, *a, **k: sent.extend(jobs) or clip(jobs, *a, **k))
    row = {"flag_area_m2": region.area, "flag_farmland_m2": region.area}
    flag_net_split({"farmland": pp}, overlays, [None], ["basic_farmland:inside"], PlanarArea(),
                   [row], [patch.area])
    if basic == "whole":
        assert sent == [] and row["flag_farmland_net_m2"] == pytest.approx(60 * 0.9 + 40 * 0.5)
    else:
        assert len(sent) == 2 and row["flag_farmland_net_m2"] == pytest.approx(50 * 0.9)
    # outside it (a flag area kept positive so the region is looked at): nothing, or the rest
    outside = max(100.0 - region.area, 1.0)
    row = {"flag_area_m2": outside, "flag_farmland_m2": outside}
    clipped = len(sent)
    flag_net_split({"farmland": pp}, overlays, [None], ["basic_farmland:outside"], PlanarArea(),
                   [row], [patch.area])
    if basic == "whole":
        assert len(sent) == clipped and row["flag_farmland_net_m2"] == 0.0
    else:
        assert row["flag_farmland_net_m2"] == pytest.approx(10 * 0.9 + 40 * 0.5)
