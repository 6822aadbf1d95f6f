"""derive-changes: change patches between two survey years, checked against the generator's
known changes, an independent brute-force overlay, and the demo county's monitoring patches."""

import copy
import csv
import os
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np
import pytest
import shapely.wkb
from osgeo import ogr
from shapely.geometry import MultiPolygon, Polygon, box
from shapely.validation import make_valid

from area_oracle import geodesic_area
from layer_factory import X0, Y0, write_layer
from plugin import cli
from plugin.core.changes.derive import ChangeOptions, derive_changes
from plugin.core.changes.match import stable_ids
from plugin.core.changes.read import layer_spec
from plugin.core.errors import InputError
from plugin.core.job import LayerSpec

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bench"))
from changes_generate import X0 as GX0  # noqa: E402
from changes_generate import Y0 as GY0  # noqa: E402
from changes_generate import Pair  # noqa: E402

DEMO = ROOT / "resources" / "demo" / "data"
MU = 0.0015


def read_layer(path, name):
    ds = ogr.Open(str(path))
    out = []
    for f in ds.GetLayerByName(name):
        row = f.items()
        g = f.GetGeometryRef()
        row["geom"] = shapely.wkb.loads(bytes(g.ExportToWkb())) if g is not None else None
        out.append(row)
    return out


def near(geoms):
    """A finder of the geometries whose boxes meet a geometry's box (any shapely version)."""
    bounds = np.array([g.bounds for g in geoms])

    def find(g):
        x0, y0, x1, y1 = g.bounds
        hit = ((bounds[:, 0] <= x1) & (bounds[:, 2] >= x0) & (bounds[:, 1] <= y1)
               & (bounds[:, 3] >= y0))
        return np.flatnonzero(hit)
    return find


def spec(path, role):
    return LayerSpec(role=role, path=str(path), layer="DLTB")


@pytest.fixture(scope="module")
def pair(tmp_path_factory):
    """A generated pair of years (2,500 parcels) and derive-changes run on it, comparing
    城镇村属性码 too."""
    folder = tmp_path_factory.mktemp("pair")
    gen = Pair(2500, seed=3)
    before, after = gen.write(str(folder))
    result = derive_changes(spec(before, "前"), spec(after, "后"), str(folder / "out"),
                            ChangeOptions(czcs_field="CZCSXM"))
    return gen, before, after, result


def _brute_force_pieces(before, after, czcs):
    """Every before × after intersection with area whose classes differ, by shapely alone."""
    b = read_layer(before, "DLTB")
    a = read_layer(after, "DLTB")
    find = near([r["geom"] for r in a])
    pieces = []
    for rb in b:
        for k in find(rb["geom"]):
            ra = a[k]
            g = ra["geom"]
            key_b = (rb["DLBM"], rb["CZCSXM"] if czcs else "")
            key_a = (ra["DLBM"], ra["CZCSXM"] if czcs else "")
            if key_b == key_a:
                continue
            piece = rb["geom"].intersection(g)
            if piece.area > 0:
                pieces.append((rb["DLBM"], ra["DLBM"], piece))
    return pieces


def test_derived_patches_match_the_generators_known_changes(pair):
    gen, _, _, result = pair
    kept = read_layer(result.result_path, "changes")
    truth = [(shapely.wkb.loads(w), b, a, bz, az, kind) for w, b, a, bz, az, kind in gen.truth]
    assert {t[5] for t in truth} == {"changed", "split", "czcs"}
    assert len(kept) == len(truth)
    find = near([t[0] for t in truth])
    matched = set()
    for row in kept:
        hits = [truth[k] for k in find(row["geom"])
                if truth[k][0].intersection(row["geom"]).area > 1e-6]
        assert len(hits) == 1, row["change_id"]
        geom, b, a, bz, az, _ = hits[0]
        assert row["geom"].symmetric_difference(geom).area < 1e-6
        assert (row["from_class"], row["to_class"]) == (b, a)
        assert (row["from_czcs"] or "", row["to_czcs"] or "") == (bz, az)
        matched.add(id(geom))
    assert len(matched) == len(truth)


def test_noise_slivers_are_dropped_counted_and_lie_on_moved_vertices(pair):
    gen, _, _, result = pair
    dropped = read_layer(result.result_path, "dropped")
    assert result.dropped_count == len(dropped) > 10
    assert result.dropped_m2 == pytest.approx(sum(r["change_m2"] for r in dropped), abs=1e-3)
    noise = MultiPolygon([box(x - 0.5, y - 0.5, x + 0.5, y + 0.5)
                          for x, y in gen.noise_vertices]).buffer(0)
    for row in dropped:
        assert row["reason"]
        assert row["geom"].intersects(noise), row["change_id"]
    assert all(r["mean_width_m"] < 0.5 or r["change_m2"] < 1 for r in dropped)
    notes = read_layer(result.result_path, "notes")
    assert any(f"剔除碎片 {len(dropped)} 个" in n["message"] for n in notes)


def test_kept_plus_dropped_equal_an_independent_brute_force_overlay(pair):
    _, before, after, result = pair
    expected = _brute_force_pieces(before, after, czcs=True)
    got = read_layer(result.result_path, "changes") + read_layer(result.result_path, "dropped")
    assert len(got) == len(expected)
    assert sum(r["planar_m2"] for r in got) == pytest.approx(
        sum(p.area for _, _, p in expected), abs=1e-3)
    by_pair = defaultdict(float)
    for b, a, p in expected:
        by_pair[(b, a)] += p.area
    for r in got:
        by_pair[(r["from_class"], r["to_class"])] -= r["planar_m2"]
    assert max(abs(v) for v in by_pair.values()) < 1e-3


def test_identical_parcels_skip_the_overlay(pair):
    gen, _, _, result = pair
    same = {(w, r["DLBM"], r["CZCSXM"]) for r, w in gen.after}
    unchanged = sum(1 for r, w in gen.before if (w, r["DLBM"], r["CZCSXM"]) in same)
    assert result.unchanged == unchanged
    assert result.unchanged > 0.9 * len(gen.before)


def test_areas_are_ellipsoidal_and_in_mu(pair):
    _, _, _, result = pair
    rows = read_layer(result.result_path, "changes")
    for row in rows[:40]:
        assert row["change_m2"] == pytest.approx(geodesic_area(row["geom"]), rel=1e-6)
        assert row["change_mu"] == pytest.approx(row["change_m2"] * MU, abs=1e-6)


def test_townships_and_villages_come_from_the_location_code(pair):
    _, _, _, result = pair
    for row in read_layer(result.result_path, "changes"):
        assert len(row["zl_township"]) == 9 and row["zl_village"].startswith(row["zl_township"])
        assert len(row["zl_village"]) == 12


def test_without_czcsxm_only_class_changes_are_reported(pair, tmp_path):
    gen, before, after, _ = pair
    result = derive_changes(spec(before, "前"), spec(after, "后"), str(tmp_path),
                            ChangeOptions(balance=False))
    assert result.change_count == sum(1 for t in gen.truth if t[5] != "czcs")
    assert all(r["from_class"] != r["to_class"]
               for r in read_layer(result.result_path, "changes"))


def test_ids_are_stable_across_runs_and_feature_order(pair, tmp_path):
    gen, before, after, result = pair
    gen = copy.copy(gen)  # the fixture's pair stays as generated
    gen.after = gen.after[::-1]
    b2, a2 = gen.write(str(tmp_path / "reordered"))
    again = derive_changes(spec(b2, "前"), spec(a2, "后"), str(tmp_path / "out"),
                           ChangeOptions(czcs_field="CZCSXM", balance=False))
    first = {r["change_id"] for r in read_layer(result.result_path, "changes")}
    second = {r["change_id"] for r in read_layer(again.result_path, "changes")}
    assert first == second and len(first) == result.change_count
    assert all(i.startswith("BG") and len(i) == 14 for i in first)


def test_stable_ids_ignore_ring_start_and_orientation():
    ring = [(X0, Y0), (X0 + 10, Y0), (X0 + 10, Y0 + 7), (X0, Y0 + 7)]
    a = Polygon(ring)
    b = Polygon(ring[2:] + ring[:2][::-1][::-1])
    c = Polygon(ring[::-1])
    ids = stable_ids([a.wkb, b.wkb, c.wkb], ["0101|"] * 3, ["0702|"] * 3)
    assert ids[0] == ids[1].split("-")[0] == ids[2].split("-")[0]
    assert ids[1] == ids[0] + "-2"  # the same piece twice is told apart, not merged
    assert stable_ids([a.wkb], ["0101|"], ["0601|"]) != ids[:1]


def test_fast_and_reference_overlay_paths_agree(pair, tmp_path, monkeypatch):
    _, before, after, result = pair
    monkeypatch.setenv("LAND_SUPERVISION_REFERENCE_OVERLAY", "1")
    ref = derive_changes(spec(before, "前"), spec(after, "后"), str(tmp_path),
                         ChangeOptions(czcs_field="CZCSXM", balance=False))
    fast = {r["change_id"]: r["change_m2"] for r in read_layer(result.result_path, "changes")}
    slow = {r["change_id"]: r["change_m2"] for r in read_layer(ref.result_path, "changes")}
    assert fast.keys() == slow.keys()
    for k in fast:
        assert fast[k] == pytest.approx(slow[k], abs=1e-6)
    assert ref.dropped_count == result.dropped_count


def test_polygon_and_multipolygon_deliveries_of_the_same_parcel_are_unchanged(tmp_path):
    sq = [box(X0 + 100 * k, Y0, X0 + 100 * k + 100, Y0 + 100) for k in range(3)]
    attrs = [{"DLBM": c, "ZLDWDM": "2102811012010000000"} for c in ("0101", "0103", "0702")]
    write_layer(str(tmp_path / "a.gpkg"), sq, attrs, layer="DLTB")
    changed = [dict(attrs[0]), dict(attrs[1], DLBM="0702"), dict(attrs[2])]
    write_layer(str(tmp_path / "b.gpkg"), [MultiPolygon([g]) for g in sq], changed, layer="DLTB")
    result = derive_changes(spec(tmp_path / "a.gpkg", "前"), spec(tmp_path / "b.gpkg", "后"),
                            str(tmp_path / "out"))
    assert result.unchanged == 2
    rows = read_layer(result.result_path, "changes")
    assert [(r["from_class"], r["to_class"]) for r in rows] == [("0103", "0702")]
    assert rows[0]["farmland_flow"] == "流出" and rows[0]["flow_group"] == "建设用地"
    assert rows[0]["change_type"] == "耕地→住宅用地"


def test_a_long_narrow_real_change_is_kept(tmp_path):
    field = box(X0, Y0, X0 + 400, Y0 + 100)
    road = box(X0, Y0 + 48, X0 + 400, Y0 + 52)  # a new 4 m farm road across the field
    write_layer(str(tmp_path / "a.gpkg"), [field], [{"DLBM": "0103"}], layer="DLTB")
    write_layer(str(tmp_path / "b.gpkg"),
                [box(X0, Y0, X0 + 400, Y0 + 48), road, box(X0, Y0 + 52, X0 + 400, Y0 + 100)],
                [{"DLBM": "0103"}, {"DLBM": "1006"}, {"DLBM": "0103"}], layer="DLTB")
    result = derive_changes(spec(tmp_path / "a.gpkg", "前"), spec(tmp_path / "b.gpkg", "后"),
                            str(tmp_path / "out"))
    assert result.change_count == 1 and result.dropped_count == 0
    assert read_layer(result.result_path, "changes")[0]["planar_m2"] == pytest.approx(1600)


def test_small_and_thin_slivers_follow_the_options(tmp_path):
    a = [box(X0, Y0, X0 + 100, Y0 + 100), box(X0 + 100, Y0, X0 + 200, Y0 + 100)]
    b = [box(X0, Y0, X0 + 100.2, Y0 + 100), box(X0 + 100.2, Y0, X0 + 200, Y0 + 100)]
    attrs = [{"DLBM": "0101"}, {"DLBM": "0702"}]
    write_layer(str(tmp_path / "a.gpkg"), a, attrs, layer="DLTB")
    write_layer(str(tmp_path / "b.gpkg"), b, attrs, layer="DLTB")
    args = (spec(tmp_path / "a.gpkg", "前"), spec(tmp_path / "b.gpkg", "后"))
    default = derive_changes(*args, str(tmp_path / "d"), ChangeOptions(balance=False))
    assert (default.change_count, default.dropped_count) == (0, 1)  # 20 m², 0.2 m wide
    dropped = read_layer(default.result_path, "dropped")[0]
    assert "细长碎片" in dropped["reason"] and dropped["mean_width_m"] == pytest.approx(0.2, rel=0.01)
    kept = derive_changes(*args, str(tmp_path / "k"), ChangeOptions(sliver_ratio=0, balance=False))
    assert (kept.change_count, kept.dropped_count) == (1, 0)
    big = derive_changes(*args, str(tmp_path / "m"), ChangeOptions(sliver_ratio=0, min_area_m2=25,
                                                                   balance=False))
    assert (big.change_count, big.dropped_count) == (0, 1)
    assert "小于 25 平方米" in read_layer(big.result_path, "dropped")[0]["reason"]


def test_unknown_class_code_stops_naming_layer_feature_and_field(tmp_path):
    write_layer(str(tmp_path / "a.gpkg"), [box(X0, Y0, X0 + 50, Y0 + 50)],
                [{"DLBM": "0101", "BSM": "A1"}], layer="DLTB")
    write_layer(str(tmp_path / "b.gpkg"), [box(X0, Y0, X0 + 50, Y0 + 50)],
                [{"DLBM": "9999", "BSM": "B7"}], layer="DLTB")
    with pytest.raises(InputError) as err:
        derive_changes(spec(tmp_path / "a.gpkg", "前"), spec(tmp_path / "b.gpkg", "后"),
                       str(tmp_path / "out"))
    assert (err.value.feature, err.value.field) == ("B7", "DLBM")
    assert "9999" in str(err.value) and "b.gpkg" in str(err.value)
    assert not (tmp_path / "out" / "changes.gpkg").exists()


def test_a_year_in_another_crs_is_reprojected(pair, tmp_path):
    _, before, after, result = pair
    from osgeo import gdal
    gdal.VectorTranslate(str(tmp_path / "after_4490.gpkg"), after, dstSRS="EPSG:4490",
                         layerName="DLTB")
    moved = derive_changes(spec(before, "前"), spec(tmp_path / "after_4490.gpkg", "后"),
                           str(tmp_path / "out"), ChangeOptions(czcs_field="CZCSXM", balance=False))
    assert any("转换到工作坐标系" in n.message for n in moved.notes)
    assert moved.change_m2 + moved.dropped_m2 == pytest.approx(
        result.change_m2 + result.dropped_m2, rel=1e-6)


def test_admin_layer_gives_townships_and_villages(tmp_path):
    cells = [box(X0 + 100 * i, Y0, X0 + 100 * i + 100, Y0 + 100) for i in range(4)]
    write_layer(str(tmp_path / "a.gpkg"), cells, [{"DLBM": "0101"}] * 4, layer="DLTB")
    write_layer(str(tmp_path / "b.gpkg"), cells,
                [{"DLBM": c} for c in ("0101", "0702", "0101", "0201")], layer="DLTB")
    write_layer(str(tmp_path / "xzq.gpkg"),
                [box(X0 - 5, Y0 - 5, X0 + 200, Y0 + 105), box(X0 + 200, Y0 - 5, X0 + 405, Y0 + 105)],
                [{"XZMC": "河口镇", "CJMC": "东关村"}, {"XZMC": "石岭乡", "CJMC": "后沟村"}],
                layer="CJXZQ")
    admin = layer_spec(f"{tmp_path}/xzq.gpkg:CJXZQ", "行政区")
    admin.extra = {"township_field": "XZMC", "village_field": "CJMC"}
    result = derive_changes(spec(tmp_path / "a.gpkg", "前"), spec(tmp_path / "b.gpkg", "后"),
                            str(tmp_path / "out"), ChangeOptions(admin=admin))
    rows = {r["to_class"]: r for r in read_layer(result.result_path, "changes")}
    assert (rows["0702"]["zl_township"], rows["0702"]["zl_village"]) == ("河口镇", "东关村")
    assert (rows["0201"]["zl_township"], rows["0201"]["zl_village"]) == ("石岭乡", "后沟村")
    towns = {r["township"]: r for r in _sheet(result)}
    assert towns["河口镇"]["lost"] == pytest.approx(10000 * MU, rel=1e-3)
    assert towns["石岭乡"]["lost_garden"] == pytest.approx(10000 * MU, rel=1e-3)


def _sheet(result):
    """The balance sheet's rows as {key: value} (values in 亩), read back from the xlsx."""
    from openpyxl import load_workbook
    from plugin.core.changes.balance import sheet_columns
    ws = load_workbook(result.balance_paths[0])["耕地进出平衡表"]
    keys = [k for k, _, _ in sheet_columns(("期初", "期末"))]
    rows = []
    for values in ws.iter_rows(min_row=4, values_only=True):
        rows.append(dict(zip(keys, values)))
    return rows


def test_balance_conserves_farmland_in_every_township_to_the_square_metre(pair):
    gen, _, _, result = pair
    rows = _sheet(result)
    towns = [r for r in rows if r["township"] != "全县合计"]
    assert len(towns) == 3
    for r in rows:
        assert r["start"] + r["gained"] - r["lost"] + r["moved"] == pytest.approx(
            r["end"], abs=1 * MU), r["township"]
        assert abs(r["gap"]) < 1 * MU
    county = rows[-1]
    assert county["start"] + county["gained"] - county["lost"] == pytest.approx(
        county["end"], abs=1 * MU)
    assert county["moved"] == pytest.approx(0, abs=1e-6)


def test_balance_stocks_equal_each_years_own_farmland_by_township(pair):
    gen, before, after, result = pair
    rows = {r["township"]: r for r in _sheet(result)}
    for key, path in (("start", before), ("end", after)):
        expected = defaultdict(float)
        for r in read_layer(path, "DLTB"):
            if r["DLBM"] in ("0101", "0102", "0103"):
                expected[r["ZLDWDM"][:9]] += geodesic_area(r["geom"])
        for town, m2 in expected.items():
            assert rows[town][key] == pytest.approx(m2 * MU, abs=0.01 * MU), (key, town)


def test_balance_flows_equal_the_known_changes_by_destination(pair):
    gen, _, _, result = pair
    groups = {"0702": "construction", "0601": "construction", "1003": "construction",
              "0201": "garden", "0301": "forest", "0305": "forest", "1104": "pond"}
    lost = defaultdict(float)
    for w, b, a, _, _, _ in gen.truth:
        if b in ("0101", "0102", "0103") and a not in ("0101", "0102", "0103"):
            lost[groups.get(a, "other")] += geodesic_area(shapely.wkb.loads(w))
    county = _sheet(result)[-1]
    slivers = county["lost_slivers"]
    for g in ("construction", "garden", "forest", "pond", "other"):
        assert county[f"lost_{g}"] == pytest.approx(lost[g] * MU, abs=slivers + 1e-6), g
    assert county["lost"] == pytest.approx(sum(lost.values()) * MU + slivers, abs=1e-4)


def test_balance_workbook_layout(pair):
    from openpyxl import load_workbook
    _, _, _, result = pair
    xlsx, png = result.balance_paths
    assert png.endswith(".png") and os.path.getsize(png) > 10_000
    wb = load_workbook(xlsx)
    ws = wb["耕地进出平衡表"]
    assert ws.freeze_panes == "B4"
    headers = [c.value for c in ws[3]]
    assert ws.cell(row=2, column=1).value == "乡镇"  # merged over both header rows
    assert all("(亩)" in h for h in headers[1:])
    assert headers[1].startswith("2023年") and any(h.startswith("2024年") for h in headers[1:])
    assert ws.cell(row=4, column=2).number_format == "#,##0.00"
    assert ws.cell(row=ws.max_row, column=1).value == "全县合计"
    assert "说明" in wb.sheetnames
    assert not [f for f in os.listdir(os.path.dirname(xlsx)) if f.startswith(".tmp-")]


def test_changes_feed_analyse_as_a_patch_layer(pair, tmp_path):
    from plugin.core.analysis import run_analysis
    from plugin.core.job import job_from_dict
    gen, before, _, result = pair
    job = job_from_dict({"patches": {"path": result.result_path, "layer": "changes",
                                     "id_field": "change_id", "before_field": "from_class",
                                     "after_field": "to_class"},
                         "baselines": {"farmland": {"path": str(before), "layer": "DLTB",
                                                    "where": {"DLBM": ["01*"]}}}},
                        base_dir=str(tmp_path))
    analysed = run_analysis(job, str(tmp_path / "analysed"), job_workers=1)
    assert analysed.patch_count == result.change_count
    rows = read_layer(analysed.result_path, "patches")
    lost = [r for r in rows if r["before_class"] in ("0101", "0102", "0103")]
    assert lost and all(r["farmland_pct"] == pytest.approx(100, abs=1e-3) for r in lost)
    assert {r["patch_id"] for r in rows} == {r["change_id"] for r in
                                             read_layer(result.result_path, "changes")}


def test_layer_spec_forms(tmp_path):
    assert layer_spec("/d/x.gpkg:DLTB", "r").layer == "DLTB"
    s = layer_spec("/d/x.gpkg|layername=DLTB_2023", "r")
    assert (s.path, s.layer) == ("/d/x.gpkg", "DLTB_2023")
    assert layer_spec("/d/x.shp", "r").layer is None
    assert layer_spec("D:\\data\\x.gpkg", "r").layer is None
    assert layer_spec("D:\\data\\x.gpkg:DLTB", "r").layer == "DLTB"


def test_cli_derive_changes_writes_the_outputs_and_exits_2_on_bad_input(pair, tmp_path, capsys):
    _, before, after, _ = pair
    out = tmp_path / "cli"
    code = cli.main(["derive-changes", "--before", f"{before}:DLTB", "--after",
                     f"{after}|layername=DLTB", "--out", str(out), "--czcsxm", "-q"])
    assert code == 0
    printed = capsys.readouterr().out
    assert "变化图斑" in printed and "id_field: change_id" in printed
    assert {"changes.gpkg", "balance.xlsx", "balance.png"} <= set(os.listdir(out))
    code = cli.main(["derive-changes", "--before", f"{before}:DLTB", "--after", f"{after}:DLTB",
                     "--out", str(tmp_path / "bad"), "--class-field", "NOPE", "-q"])
    assert code == 2
    assert "NOPE" in capsys.readouterr().err


@pytest.mark.skipif(not (DEMO / "dltb_2023.gpkg").exists() or not (DEMO / "jctb.gpkg").exists(),
                    reason="demo county not generated (tools/generate_demo_county.py writes "
                           "dltb_2023.gpkg, dltb_2024.gpkg and jctb.gpkg)")
def test_demo_county_changes_are_exactly_the_monitoring_patches(tmp_path):
    result = derive_changes(layer_spec(f"{DEMO}/dltb_2023.gpkg:DLTB", "前"),
                            layer_spec(f"{DEMO}/dltb_2024.gpkg:DLTB", "后"), str(tmp_path))
    changes = read_layer(result.result_path, "changes")
    parcels = read_layer(DEMO / "dltb_2023.gpkg", "DLTB")
    patches = read_layer(DEMO / "jctb.gpkg", "JCTB")
    find = near([p["geom"] for p in parcels])
    covered = 0.0
    for patch in patches:
        g = make_valid(patch["geom"])
        # The generator carved each patch into the 2023 parcels with its after class: a change
        # is wherever the parcel under the patch had another class.
        expected = sum(g.intersection(parcels[k]["geom"]).area for k in find(g)
                       if parcels[k]["DLBM"] != patch["HDLBM"])
        got = sum(c["geom"].intersection(g).area for c in changes
                  if c["to_class"] == patch["HDLBM"] and c["geom"].intersects(g))
        assert got == pytest.approx(expected, abs=0.01), patch["JCBH"]
        covered += got
    assert covered == pytest.approx(sum(c["planar_m2"] for c in changes), abs=0.01)
    with open(DEMO / "truth.csv", encoding="utf-8") as f:
        truth = list(csv.DictReader(f))
    county = _sheet(result)[-1]
    farm = {"0101", "0102", "0103"}
    lost = sum(float(t["in_farmland_m2_approx"]) for t, p in zip(
        sorted(truth, key=lambda t: t["JCBH"]), sorted(patches, key=lambda p: p["JCBH"]))
        if p["HDLBM"] not in farm)
    assert county["lost"] == pytest.approx(lost * MU, rel=2e-3)
    for r in _sheet(result):
        assert abs(r["gap"]) < 1 * MU


def test_progress_and_cancel(pair, tmp_path):
    from plugin.core.errors import Cancelled
    _, before, after, _ = pair
    seen = []
    with pytest.raises(Cancelled):
        derive_changes(spec(before, "前"), spec(after, "后"), str(tmp_path),
                       progress=lambda f, m: seen.append(f), cancelled=lambda: len(seen) >= 3)
    assert not (tmp_path / "changes.gpkg").exists()
    assert np.all(np.diff(seen) >= 0)


def test_farmland_inside_protected_layers_by_year(pair, tmp_path):
    gen, before, after, _ = pair
    side = gen.side * 55.0
    # Two overlapping basic-farmland features (the overlap must count once), and a red line.
    bf = [box(GX0 + 0.1 * side, GY0 + 0.1 * side, GX0 + 0.6 * side, GY0 + 0.7 * side),
          box(GX0 + 0.4 * side, GY0 + 0.3 * side, GX0 + 0.9 * side, GY0 + 0.8 * side)]
    red = [box(GX0 + 0.5 * side, GY0, GX0 + 0.8 * side, GY0 + 0.4 * side)]
    red_after = [box(GX0 + 0.5 * side, GY0, GX0 + 0.7 * side, GY0 + 0.4 * side)]
    write_layer(str(tmp_path / "bf.gpkg"), bf, [{"BH": "1"}, {"BH": "2"}], layer="YJJBNTTB")
    write_layer(str(tmp_path / "red.gpkg"), red, [{"MC": "a"}], layer="STBHHX")
    write_layer(str(tmp_path / "red2.gpkg"), red_after, [{"MC": "a"}], layer="STBHHX")
    options = ChangeOptions(protected={
        "basic_farmland": (layer_spec(f"{tmp_path}/bf.gpkg:YJJBNTTB", "永久基本农田"),),
        "red_line": (layer_spec(f"{tmp_path}/red.gpkg:STBHHX", "生态保护红线"),
                     layer_spec(f"{tmp_path}/red2.gpkg:STBHHX", "生态保护红线"))})
    result = derive_changes(spec(before, "前"), spec(after, "后"), str(tmp_path / "out"), options)
    from openpyxl import load_workbook
    from plugin.core.changes.balance import sheet_columns
    ws = load_workbook(result.balance_paths[0])["耕地进出平衡表"]
    keys = [k for k, _, _ in sheet_columns(("期初", "期末"), ("basic_farmland", "red_line"))]
    rows = {r["township"]: r for r in (dict(zip(keys, v))
                                       for v in ws.iter_rows(min_row=4, values_only=True))}
    bf_union = bf[0].union(bf[1])
    for key, path, zone in (("basic_farmland_start", before, bf_union),
                            ("basic_farmland_end", after, bf_union),
                            ("red_line_start", before, red[0]), ("red_line_end", after, red_after[0])):
        expected = defaultdict(float)
        for r in read_layer(path, "DLTB"):
            if r["DLBM"] in ("0101", "0102", "0103") and r["geom"].intersects(zone):
                expected[r["ZLDWDM"][:9]] += geodesic_area(r["geom"].intersection(zone))
        assert sum(expected.values()) > 0
        for town, row in rows.items():
            if town != "全县合计":
                assert row[key] == pytest.approx(expected[town] * MU, abs=0.01 * MU), (key, town)
    county = rows["全县合计"]
    assert county["basic_farmland_lost"] > 0
    assert county["basic_farmland_start"] + county["basic_farmland_gained"] - \
        county["basic_farmland_lost"] == pytest.approx(county["basic_farmland_end"], abs=MU)
    assert county["basic_farmland_start"] < county["start"]


def test_two_identical_years_have_no_changes_and_a_flat_balance(pair, tmp_path):
    _, before, _, _ = pair
    result = derive_changes(spec(before, "前"), spec(before, "后"), str(tmp_path))
    assert (result.change_count, result.dropped_count) == (0, 0)
    assert result.unchanged == result.parcels[0]
    county = _sheet(result)[-1]
    assert county["start"] == county["end"] > 0 and county["lost"] == county["gained"] == 0


def test_area_missing_from_one_year_shows_as_a_gap_with_a_note(tmp_path):
    cells = [box(X0 + 100 * i, Y0, X0 + 100 * i + 100, Y0 + 100) for i in range(3)]
    attrs = [{"DLBM": "0101", "ZLDWDM": "2102811012010000000"}] * 3
    write_layer(str(tmp_path / "a.gpkg"), cells, attrs, layer="DLTB")
    write_layer(str(tmp_path / "b.gpkg"), cells[:2], attrs[:2], layer="DLTB")
    result = derive_changes(spec(tmp_path / "a.gpkg", "前"), spec(tmp_path / "b.gpkg", "后"),
                            str(tmp_path / "out"))
    town = _sheet(result)[0]
    assert town["gap"] == pytest.approx(-geodesic_area(cells[2]) * MU, rel=1e-6)
    assert any(n.feature == "210281101" and "相差" in n.message for n in result.notes)


def test_parcels_rewritten_with_another_ring_start_and_orientation_count_as_unchanged(pair,
                                                                                      tmp_path):
    gen, before, _, result = pair

    def rewritten(wkb):
        ring = list(shapely.wkb.loads(wkb).geoms[0].exterior.coords)[:-1]
        ring = (ring[1:] + ring[:1])[::-1]  # another start vertex, clockwise
        return Polygon(ring).wkb

    gen = copy.copy(gen)
    gen.after = [(r, rewritten(w)) for r, w in gen.after]
    _, after = gen.write(str(tmp_path / "rewritten"))
    again = derive_changes(spec(before, "前"), spec(after, "后"), str(tmp_path / "out"),
                           ChangeOptions(czcs_field="CZCSXM", balance=False))
    assert again.unchanged == result.unchanged
    assert any("仅几何写法不同" in n.message for n in again.notes)
    assert (again.change_count, again.dropped_count) == (result.change_count,
                                                         result.dropped_count)
    assert {r["change_id"] for r in read_layer(again.result_path, "changes")} == \
        {r["change_id"] for r in read_layer(result.result_path, "changes")}
