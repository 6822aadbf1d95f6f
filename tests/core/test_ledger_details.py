"""What the engine works out for the ledger besides the verdict: the flagged area split by layer,
the approvals covering each patch, the patches' batch/type/code fields, the delivered CRS and
the title block (plugin/core/ledger_details.py), and the job keys that name them.

Expected areas come from shapely geometry measured with pyproj's geodesic area (area_oracle),
never from the engine's own numbers; the result is read with plain OGR.
"""

import pytest
import shapely.ops
from osgeo import ogr
from shapely.geometry import box

from area_oracle import geodesic_area
from layer_factory import X0, Y0, square, write_layer
from plugin.core.analysis import run_analysis
from plugin.core.errors import InputError
from plugin.core.job import job_from_dict
from plugin.core.ledger_details import flag_split
from plugin.core.overlay.areas import planar_areas

S = 100.0  # patch side, metres


def rect(x0, y0, x1, y1, px=0.0):
    """A rectangle in patch coordinates of the patch starting at ``px``."""
    return box(X0 + px + x0, Y0 + y0, X0 + px + x1, Y0 + y1)


# Three 100 m patches side by side: A (basic farmland, partly approved elsewhere), B (farmland,
# 40 % approved), C (grass, half inside the urban boundary).
A, B, C = 0.0, 300.0, 600.0
LAYERS = {
    "farmland": [rect(0, 0, 60, S, A), rect(0, 0, S, S, B)],
    "basic_farmland": [rect(0, 0, 30, S, A)],
    "red_line": [rect(0, 0, 10, 10, 2000.0)],
    "urban_boundary": [rect(-10, 50, 2000, 200)],
    "approved": [rect(80, 0, S, S, A), rect(0, 0, 40, S, B)],
}


@pytest.fixture(scope="module")
def county(tmp_path_factory):
    folder = tmp_path_factory.mktemp("details")
    write_layer(str(folder / "jctb.gpkg"), [square(px, 0, S) for px in (A, B, C)],
                [{"JCBH": "A", "QDLBM": "0101", "HDLBM": "0601", "TBLX": "20", "PC": "2024-1",
                  "XZQDM": "210281"},
                 {"JCBH": "B", "QDLBM": "0102", "HDLBM": "0601", "TBLX": "YH", "PC": "2024-2",
                  "XZQDM": 210282.0},
                 {"JCBH": "C", "QDLBM": "0404", "HDLBM": "0601", "TBLX": "20", "PC": "2024-2",
                  "XZQDM": None}], layer="JCTB")
    for key, geoms in LAYERS.items():
        attrs = [{"PZWH": f"批{k + 1}"} for k in range(len(geoms))] if key == "approved" else None
        write_layer(str(folder / f"{key}.gpkg"), geoms, attrs)
    job = job_from_dict({
        "name": "示例县 2024 年度卫片执法", "ledger": {"unit": "示例县自然资源局", "year": 2024},
        "patches": {"path": "jctb.gpkg", "layer": "JCTB", "id_field": "JCBH",
                    "before_field": "QDLBM", "after_field": "HDLBM"},
        "baselines": {k: {"path": f"{k}.gpkg"} for k in LAYERS if k != "approved"},
        "exemptions": {"approved": {"path": "approved.gpkg", "id_field": "PZWH"}}},
        base_dir=str(folder))
    return run_analysis(job, str(folder / "out"), job_workers=1).result_path


def patches_of(path):
    ds = ogr.Open(path)
    out = {f.GetField("patch_id"): f.items() for f in ds.GetLayerByName("patches")}
    return out


def run_info(path):
    ds = ogr.Open(path)
    return {f.GetField("key"): f.GetField("value") for f in ds.GetLayerByName("run_info")}


def expected_split(region):
    """Geodesic m² of ``region`` inside each baseline and outside the urban boundary."""
    out = {}
    for key in ("farmland", "basic_farmland", "red_line"):
        union = shapely.ops.unary_union(LAYERS[key])
        out[f"flag_{key}_m2"] = geodesic_area(region.intersection(union))
    out["flag_outside_urban_m2"] = geodesic_area(
        region.difference(shapely.ops.unary_union(LAYERS["urban_boundary"])))
    return out


@pytest.mark.parametrize("pid, label, region", [
    # basic farmland: its part of the patch no approval covers
    ("A", "占用永久基本农田建设", rect(0, 0, 30, S, A)),
    # farmland: its part no approval covers (the approval holds x 0–40)
    ("B", "占用耕地建设（耕地“非农化”）", rect(40, 0, S, S, B)),
    # outside the urban boundary: the patch's part below y = 50
    ("C", "城镇开发边界外未批建设", rect(0, 0, S, 50, C)),
])
def test_the_flagged_area_is_split_by_the_layers_it_lies_in(county, pid, label, region):
    p = patches_of(county)[pid]
    assert p["violation_type"] == label
    assert p["flag_area_m2"] == pytest.approx(geodesic_area(region), abs=0.01)
    for field, m2 in expected_split(region).items():
        assert p[field] == pytest.approx(m2, abs=0.01), field


def test_approvals_are_listed_with_the_share_of_the_patch_they_cover(county):
    patches = patches_of(county)
    assert patches["A"]["permit_refs"] == "批1 (批准用地 20.0%)"
    assert patches["B"]["permit_refs"] == "批2 (批准用地 40.0%)"
    assert patches["C"]["permit_refs"] is None


def test_batch_type_and_code_are_read_from_the_survey_fields(county):
    patches = patches_of(county)
    assert [(patches[p]["batch"], patches[p]["patch_type"], patches[p]["admin_code"])
            for p in "ABC"] == [("2024-1", "20", "210281"), ("2024-2", "YH", "210282"),
                                ("2024-2", "20", None)]  # a code stored as a number: no ".0"
    info = run_info(county)
    assert (info["input.patches.batch_field"], info["input.patches.type_field"],
            info["input.patches.code_field"]) == ("PC", "TBLX", "XZQDM")


def test_the_job_names_the_batch_field_and_the_title_block(county, tmp_path):
    info = run_info(county)
    assert info["title.unit"] == "示例县自然资源局" and info["title.year"] == "2024"
    assert info["title.name"] == "示例县 2024 年度卫片执法"
    assert "Gauss-Kruger zone 41" in info["input.patches.crs"]


def test_a_named_batch_field_missing_from_the_patches_is_bad_input(tmp_path):
    write_layer(str(tmp_path / "jctb.gpkg"), [square(0, 0, S)], [{"JCBH": "A"}], layer="JCTB")
    job = job_from_dict({"patches": {"path": "jctb.gpkg", "id_field": "JCBH",
                                     "batch_field": "JCPC"}}, base_dir=str(tmp_path))
    with pytest.raises(InputError) as e:
        run_analysis(job, str(tmp_path / "out"))
    assert e.value.field == "JCPC" and "jctb.gpkg" in str(e.value)


@pytest.mark.parametrize("ledger, field", [
    ({"county": "甲县", "batch_no": 1}, "ledger.batch_no"),
    ("甲县", "ledger"),
    ({"unit": ["甲", "乙"]}, "ledger.unit"),
])
def test_the_ledger_block_of_a_job_is_checked_key_by_key(tmp_path, ledger, field):
    with pytest.raises(InputError) as e:
        job_from_dict({"patches": {"path": "x.gpkg"}, "ledger": ledger}, base_dir=str(tmp_path))
    assert e.value.field == field


def test_unknown_patch_field_keys_are_named(tmp_path):
    with pytest.raises(InputError) as e:
        job_from_dict({"patches": {"path": "x.gpkg", "batch": "PC"}}, base_dir=str(tmp_path))
    assert e.value.field == "patches.batch"


class PlanarArea:
    """Planar area stands in for the ellipsoid where a test builds its own geometry."""

    def areas(self, wkbs):
        return planar_areas(wkbs)


def _piece(geom):
    return (geom.wkb, geom.area, geom.area) if not geom.is_empty else None


@pytest.mark.parametrize("basis, region", [
    ("patch", box(0, 0, 10, 10)),
    ("patch_free", box(0, 0, 10, 10).difference(box(0, 0, 2, 10))),
    ("red_line:outside", box(0, 0, 10, 10).difference(box(0, 0, 10, 3))),
    ("red_line:outside_free", box(0, 0, 10, 10).difference(box(0, 0, 10, 3))
     .difference(box(0, 0, 2, 10))),
    ("farmland:inside_free", box(0, 0, 6, 10).difference(box(0, 0, 2, 10))),
    ("farmland:outside", box(6, 0, 10, 10)),
    ("basic_farmland:inside", box(0, 0, 10, 10)),
    ("basic_farmland:inside_free", box(0, 0, 10, 10).difference(box(0, 0, 2, 10))),
])
def test_every_kind_of_flagged_region_is_split_exactly(basis, region):
    """One 10 × 10 patch; farmland x < 6, basic farmland all of it (the common part with it
    is the other baseline's, taken without a clip), red line y < 3, urban boundary x > 5, a
    cover x < 2."""
    patch, cover = box(0, 0, 10, 10), box(0, 0, 2, 10)
    layers = {"farmland": box(0, 0, 6, 10), "basic_farmland": box(-1, -1, 11, 11),
              "red_line": box(0, 0, 10, 3), "urban_boundary": box(5, 0, 10, 10)}
    overlays = {k: [_piece(patch.intersection(g))] for k, g in layers.items()}
    row = {"flag_area_m2": region.area}
    for k, g in layers.items():
        row[f"{k}_m2"] = patch.intersection(g).area
        row[f"{k}_free_m2"] = patch.intersection(g).difference(cover).area

    class Job:
        baselines = dict.fromkeys(layers)

    flag_split(Job, overlays, [patch.area], [cover.wkb], [basis], PlanarArea(), [row])
    for key in ("farmland", "basic_farmland", "red_line"):
        assert row[f"flag_{key}_m2"] == pytest.approx(region.intersection(layers[key]).area)
    assert row["flag_outside_urban_m2"] == pytest.approx(
        region.difference(layers["urban_boundary"]).area)


def test_no_clip_where_one_of_the_two_baselines_covers_the_whole_patch(monkeypatch):
    """Basic farmland under all of the patch: the flagged part inside it meets farmland and
    the red line in their own occupied parts, read from the row, not clipped again."""
    import plugin.core.ledger_details as ledger_details
    patch = box(0, 0, 10, 10)
    layers = {"farmland": box(0, 0, 6, 10), "basic_farmland": patch, "red_line": box(0, 0, 10, 3)}
    sent = []
    clip = ledger_details.clipped_areas
    monkeypatch.setattr(ledger_details, "clipped_areas",
                        lambda jobs, *a, **k: sent.extend(jobs) or clip(jobs, *a, **k))
    overlays = {k: [_piece(patch.intersection(g))] for k, g in layers.items()}
    row = {"flag_area_m2": 100.0}
    for k, g in layers.items():
        row[f"{k}_m2"] = row[f"{k}_free_m2"] = patch.intersection(g).area

    class Job:
        baselines = dict.fromkeys(layers)

    flag_split(Job, overlays, [patch.area], [None], ["basic_farmland:inside"], PlanarArea(),
               [row])
    assert sent == []
    assert (row["flag_farmland_m2"], row["flag_red_line_m2"]) == (60.0, 30.0)
    row["flag_area_m2"] = 60.0
    flag_split(Job, overlays, [patch.area], [None], ["farmland:inside"], PlanarArea(), [row])
    assert len(sent) == 1  # red line ∩ farmland: neither is the whole patch
    assert (row["flag_basic_farmland_m2"], row["flag_red_line_m2"]) == (60.0, 18.0)
