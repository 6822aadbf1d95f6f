"""The fast overlay path (raw GEOS on shapely 1.8, vectorised on shapely 2) and the reference
shapely path must give the same pieces."""

import sys
from pathlib import Path

import pytest
from osgeo import ogr
from shapely.geometry import Polygon

from layer_factory import X0, Y0, square, write_layer
from plugin.core.io.geometry import polygonal_part
from plugin.core.overlay import chunked as overlay
from plugin.core.overlay import kernel_raw_geos, kernel_vectorised, tiling
from plugin.core.analysis import run_analysis
from plugin.core.job import job_from_dict, load_job

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))


def _areas(path):
    ds = ogr.Open(path)
    keys = ("farmland_m2", "basic_farmland_m2", "red_line_m2", "farmland_free_m2")
    return {f["patch_id"]: tuple(f[k] for k in keys if k in f.keys())
            for f in ds.GetLayerByName("patches")}


def _hits(path):
    ds = ogr.Open(path)
    layer = ds.GetLayerByName("parcel_hits")
    return {(f["patch_id"], f["layer_key"], f["parcel_id"]): f["area_m2"] for f in layer}


def test_exactly_one_fast_path_serves_the_installed_shapely():
    assert kernel_raw_geos.AVAILABLE != kernel_vectorised.AVAILABLE


def test_fast_path_equals_reference_on_a_generated_county(tmp_path, monkeypatch):
    from generate_county import generate
    generate("tiny", str(tmp_path / "c"), seed=5)
    job = load_job(str(tmp_path / "c" / "job.yaml"))
    fast_path = run_analysis(job, str(tmp_path / "fast"), job_workers=1).result_path
    monkeypatch.setattr(overlay, "_FAST", False)
    ref_path = run_analysis(job, str(tmp_path / "ref"), job_workers=1).result_path
    fast, ref = _areas(fast_path), _areas(ref_path)
    assert fast.keys() == ref.keys()
    assert sum(1 for v in ref.values() if v[0] > 0) > 100
    for pid in ref:
        assert fast[pid] == pytest.approx(ref[pid], abs=2e-4), pid  # results keep 4 decimals
    # the parcels behind each overlap (pieces cut one feature at a time) agree too
    fast_hits, ref_hits = _hits(fast_path), _hits(ref_path)
    assert len(ref_hits) > 500 and fast_hits.keys() == ref_hits.keys()
    for key, m2 in ref_hits.items():
        assert fast_hits[key] == pytest.approx(m2, abs=2e-4), key


def test_fast_path_repairs_invalid_features_and_unions_overlaps(tmp_path, monkeypatch):
    bowtie = Polygon([(X0, Y0), (X0 + 100, Y0 + 100), (X0 + 100, Y0), (X0, Y0 + 100)])
    write_layer(str(tmp_path / "f.gpkg"), [bowtie, square(0, 0, 60), square(30, 30, 60)],
                [{"B": "bow"}, {"B": "a"}, {"B": "b"}])
    write_layer(str(tmp_path / "p.gpkg"), [square(-10, -10, 120), square(500, 0, 10)],
                [{"JCBH": "P"}, {"JCBH": "Q"}])
    job = job_from_dict({"patches": {"path": "p.gpkg", "id_field": "JCBH"},
                         "baselines": {"farmland": {"path": "f.gpkg", "id_field": "B"}},
                         "exemptions": {}}, base_dir=str(tmp_path))
    fast = run_analysis(job, str(tmp_path / "fast"), job_workers=1)
    monkeypatch.setattr(overlay, "_FAST", False)
    ref = run_analysis(job, str(tmp_path / "ref"), job_workers=1)
    fast_areas, ref_areas = _areas(fast.result_path), _areas(ref.result_path)
    assert fast_areas["P"][0] > 5000 and fast_areas["Q"][0] == 0
    for pid in ref_areas:
        assert fast_areas[pid] == pytest.approx(ref_areas[pid], abs=1e-6)
    assert [n.feature for n in fast.notes if "几何无效" in n.message] == ["bow"]


def test_pieces_clipped_on_the_fast_path_equal_the_reference(monkeypatch):
    """The net part of a flagged area clips many pieces at once: the fast kernels must give
    the robust reference's pieces, whichever operands a region has."""
    import random

    from shapely.geometry import box
    from shapely import wkb as shapely_wkb

    from plugin.core.overlay.clip import clip_here, reference_clip

    rng = random.Random(3)

    def rect():
        x, y = rng.uniform(0, 80), rng.uniform(0, 80)
        return box(X0 + x, Y0 + y, X0 + x + rng.uniform(5, 40), Y0 + y + rng.uniform(5, 40)).wkb

    jobs = []
    for _ in range(60):  # a patch's region, then its pieces
        region = (rect() if rng.random() < 0.7 else None, rect() if rng.random() < 0.5 else None,
                  rect() if rng.random() < 0.5 else None)
        jobs += [(rect(), *region) for _ in range(rng.randint(1, 5))]
    fast = clip_here(jobs)
    reference = [reference_clip(job) for job in jobs]
    assert sum(1 for w in reference if w is not None) > 50
    assert sum(1 for w in reference if w is None) > 5
    for job, a, b in zip(jobs, fast, reference):
        assert (a is None) == (b is None), job
        if a is not None:
            assert shapely_wkb.loads(a).area == pytest.approx(shapely_wkb.loads(b).area, abs=1e-6)
            assert shapely_wkb.loads(a).symmetric_difference(shapely_wkb.loads(b)).area < 1e-6
    monkeypatch.setattr(overlay, "_FAST", False)
    assert clip_here(jobs) == reference


@pytest.mark.parametrize("threads", [False, True])
def test_pieces_clipped_on_the_workers_come_back_in_order(monkeypatch, threads):
    """A county's flagged areas clip and measure their pieces on the overlay's workers: the
    same areas, to the bit, in the same order, as in one process."""
    import random

    from shapely.geometry import box

    from plugin.core.overlay import clip
    from plugin.core.overlay.areas import EllipsoidalArea
    from plugin.core.overlay.pool import pool_closed_after, worker_pool

    rng = random.Random(5)

    def rect():
        x, y = rng.uniform(0, 80), rng.uniform(0, 80)
        return box(X0 + x, Y0 + y, X0 + x + rng.uniform(5, 40), Y0 + y + rng.uniform(5, 40)).wkb

    jobs = []
    for _ in range(50):
        region = (rect(), None, rect() if rng.random() < 0.5 else None)
        jobs += [(rect(), *region) for _ in range(rng.randint(1, 6))]
    ellipsoid = EllipsoidalArea("EPSG:4529")
    parts = clip.clip_here(jobs)
    here = [None if w is None else float(ellipsoid.areas([w])[0]) for w in parts]
    assert sum(1 for a in here if a is None) > 5 and sum(1 for a in here if a) > 30
    monkeypatch.setattr(clip, "POOL_MIN_PIECES", 10)
    sent = []
    with pool_closed_after(worker_pool(2, threads=threads)) as pool:
        submit = pool.submit
        monkeypatch.setattr(pool, "submit", lambda fn, part, *args: sent.append(len(part))
                            or submit(fn, part, *args))
        assert clip.clipped_areas(jobs, ellipsoid, pool) == here  # measured in the workers
    assert len(sent) == 4 and sum(sent) == len(jobs)
    assert clip.clipped_areas(jobs[:9], ellipsoid, None) == here[:9]


def test_no_worker_process_is_started_inside_qgis(monkeypatch):
    """Inside QGIS sys.executable may well be a Python (Linux: the first python3 on PATH), but
    not one that can import QGIS's modules: the work stays in the process."""
    import types

    from plugin.core.overlay import pool

    assert pool.can_spawn()
    monkeypatch.setitem(sys.modules, "qgis.core", types.ModuleType("qgis.core"))
    assert not pool.can_spawn() and pool.default_workers() == 1
    assert pool.worker_pool(2) is None
    monkeypatch.delitem(sys.modules, "qgis.core")
    monkeypatch.setattr(sys, "executable", "/opt/Python311/Python3")  # any case
    assert pool.can_spawn()
    monkeypatch.setattr(sys, "executable", "/Applications/QGIS.app/Contents/MacOS/QGIS")
    assert not pool.can_spawn()


_TILINGS = {  # features cut by one patch (square 0..100): tiling, or not quite
    "tile": [square(-10, -10, 60), square(50, -10, 60), square(-10, 50, 60), square(50, 50, 60)],
    "overlap": [square(-10, -10, 70), square(50, -10, 60), square(40, 40, 30)],
    "contained": [square(-10, -10, 60), square(10, 10, 20), square(50, -10, 60)],
    "sliver overlap": [square(-10, -10, 60), square(50, -10, 60),
                       Polygon([(X0 + 49.9999, Y0 + 20), (X0 + 50.5, Y0 + 20),
                                (X0 + 50.5, Y0 + 21), (X0 + 49.9999, Y0 + 21)])],
    "t-junction": [square(-10, -10, 60), square(50, 20, 60)],
    "gap": [square(-10, -10, 60), Polygon([(X0 + 50.0001, Y0 - 10), (X0 + 120, Y0 - 10),
                                           (X0 + 120, Y0 + 50), (X0 + 50.0001, Y0 + 50)])],
    # the patch tiled exactly, and a neighbour touching its edge (a line of the patch only)
    "touching": [square(0, 0, 50), square(50, 0, 50), square(0, 50, 50), square(50, 50, 50),
                 square(100, 0, 50)],
}
#: The cases whose coverage union is taken: they tile (their pieces, or the features).
_TAKEN = ("gap", "tile", "touching")


def _coverage_spied(monkeypatch):
    """(the installed fast kernel, the WKB of each result its coverage union gives from now on,
    None where it raised)."""
    kernel = kernel_raw_geos if kernel_raw_geos.AVAILABLE else kernel_vectorised
    coverage = kernel._COVERAGE_UNION
    if coverage is None:
        pytest.skip("GEOS < 3.8 has no coverage union")
    given = []

    def spy(*args):
        try:
            result = coverage(*args)
        except Exception:
            given.append(None)
            raise
        given.append((kernel_raw_geos.to_wkb(result) if result else None)
                     if kernel is kernel_raw_geos else result.wkb)
        return result
    monkeypatch.setattr(kernel, "_COVERAGE_UNION", spy)
    return kernel, given


def _fast_kernel_union(feats, monkeypatch, tiling_off=lambda summed: summed, occupied=False):
    """(the patch's union from the installed fast kernel, its pieces, the WKB of each result
    GEOS's coverage union gave, None where it raised). ``occupied``: the patch's occupied part
    (the features' union, then one cut), where no piece is kept (its pieces are then None)."""
    import shapely.wkb
    kernel, given = _coverage_spied(monkeypatch)
    union = kernel._union  # the summed area as the kernel is told it, made wrong
    monkeypatch.setattr(kernel, "_union", lambda parts, tiling=None, tries=None: union(
        parts, tiling=tiling and tiling_off(tiling), tries=tries))
    args = ([square(0, 0, 100).wkb], [f.wkb for f in feats], [str(k) for k in range(len(feats))],
            "耕地", [0] * len(feats), list(range(len(feats))))
    if occupied:
        out, _ = kernel.occupied_chunk(*args)
        return shapely.wkb.loads(bytes(out[0][1])), None, given
    out, _ = kernel.pieces_chunk(*args, union=True)
    whole, pieces = out[0][1]
    return shapely.wkb.loads(bytes(whole)), [shapely.wkb.loads(bytes(w)) for _, w in pieces], \
        given


@pytest.mark.parametrize("case", sorted(_TILINGS))
def test_union_of_a_patchs_pieces_is_their_overlay_union(case, monkeypatch):
    """Pieces of a parcel layer tile the patch: the fast kernel unions them with GEOS's
    coverage union, and where they overlap or meet without shared vertices it falls back;
    either way the union is the pieces' overlay union, valid."""
    from shapely.ops import unary_union
    whole, pieces, given = _fast_kernel_union(_TILINGS[case], monkeypatch)
    expected = unary_union(pieces)
    assert given and whole.is_valid and whole.equals(expected)
    assert whole.area == pytest.approx(expected.area, rel=1e-12)
    taken = whole.wkb == given[0]
    assert taken == (case in _TAKEN), case  # the coverage union's own result, or not


@pytest.mark.parametrize("case", sorted(_TILINGS))
def test_occupied_part_unions_the_features_as_a_coverage_where_they_tile(case, monkeypatch):
    """Without pieces kept, the occupied part's union also tries the coverage union first (a
    survey layer's features tile; a neighbour touching the patch leaves it no area to refuse);
    where they overlap or meet without shared vertices the overlay union takes them: the
    occupied part is the patch ∩ their overlay union either way."""
    from shapely.ops import unary_union
    taken = _taken_tries(monkeypatch)
    feats = _TILINGS[case]
    whole, _, given = _fast_kernel_union(feats, monkeypatch, occupied=True)
    expected = square(0, 0, 100).intersection(unary_union(feats))
    assert given and whole.is_valid
    assert whole.symmetric_difference(expected).area < 1e-9
    assert whole.area == pytest.approx(expected.area, rel=1e-12)
    assert taken == [case in _TAKEN], case


def _taken_tries(monkeypatch):
    """Whether each coverage union tried was taken, as the kernels tell their CoverageTries."""
    taken = []
    record = tiling.CoverageTries.record
    monkeypatch.setattr(tiling.CoverageTries, "record",
                        lambda self, ok: (taken.append(bool(ok)), record(self, ok))[1])
    return taken


def test_coverage_union_of_another_area_than_the_pieces_is_refused(monkeypatch):
    """The area check: a coverage union whose area is not the pieces' sum is not taken."""
    from shapely.ops import unary_union
    whole, pieces, given = _fast_kernel_union(_TILINGS["tile"], monkeypatch,
                                              tiling_off=lambda summed: summed * 1.01)
    assert given[0] is not None and whole.wkb != given[0]
    assert whole.equals(unary_union(pieces))


@pytest.mark.parametrize("off_m2, taken", [(5e-7, True), (5e-6, False)])
def test_coverage_union_area_may_miss_by_rounding_not_by_a_reportable_sliver(off_m2, taken,
                                                                            monkeypatch):
    """The bound is absolute as well as relative: on a patch of 10,000 m² a relative 1e-9 would
    let 1e-5 m² through; 1e-6 m² is the most a coverage union's area may miss by."""
    whole, _, given = _fast_kernel_union(_TILINGS["tile"], monkeypatch,
                                         tiling_off=lambda summed: summed + off_m2)
    assert given[0] is not None and (whole.wkb == given[0]) == taken
    assert tiling.tiling_slack(1e12) == tiling.TILING_SLACK_M2
    assert tiling.tiling_slack(100.0) == pytest.approx(1e-7)


def _coverage_tries_on(case, monkeypatch, patches=30, occupied=True):
    """(how many times the installed fast kernel tried the coverage union, its unions, the
    expected ones) over ``patches`` patches side by side, each met by ``case``'s features: the
    occupied parts, or (``occupied=False``) the unions of the pieces."""
    import shapely.wkb
    from shapely.affinity import translate
    from shapely.ops import unary_union
    kernel, calls = _coverage_spied(monkeypatch)
    patch_geoms = [square(200 * k, 0, 100) for k in range(patches)]
    feats = [translate(f, 200 * k, 0) for k in range(patches) for f in _TILINGS[case]]
    per = len(_TILINGS[case])
    args = ([p.wkb for p in patch_geoms], [f.wkb for f in feats],
            [str(k) for k in range(len(feats))], "批准用地",
            [k // per for k in range(len(feats))], list(range(len(feats))))
    if occupied:
        out, _ = kernel.occupied_chunk(*args)
        got = [shapely.wkb.loads(bytes(w)) for _, w in out]
    else:
        out, _ = kernel.pieces_chunk(*args, union=True)
        got = [shapely.wkb.loads(bytes(w)) for _, (w, _) in out]
    expected = [p.intersection(unary_union(feats[k * per:(k + 1) * per]))
                for k, p in enumerate(patch_geoms)]
    return len(calls), got, expected


@pytest.mark.parametrize("occupied", [True, False], ids=["occupied", "pieces"])
@pytest.mark.parametrize("case, tried", [("tile", 30), ("touching", 30),
                                         ("overlap", tiling.CoverageTries.FIRST)])
def test_coverage_union_stops_being_tried_where_a_layers_features_overlap(case, tried,
                                                                          occupied,
                                                                          monkeypatch):
    """A layer whose features overlap (permits often do) fails every try: after the first
    failures the chunk's unions go straight to the overlay union. Tiling features are tried on
    every patch. The unions are right either way."""
    calls, got, expected = _coverage_tries_on(case, monkeypatch, occupied=occupied)
    assert calls == tried
    assert len(got) == len(expected)
    for g, e in zip(got, expected):
        assert g.is_valid and g.symmetric_difference(e).area < 1e-9


def test_coverage_union_is_tried_while_half_the_tries_are_taken():
    tries = tiling.CoverageTries()
    for _ in range(tiling.CoverageTries.FIRST - 1):
        tries.record(False)
    assert tries.worth_it()
    tries.record(False)
    assert not tries.worth_it()  # 8 of 8 failed
    tries = tiling.CoverageTries()
    for k in range(100):
        assert tries.worth_it()
        tries.record(k % 2 == 0)  # half taken: always worth another try


def test_a_stopped_coverage_union_is_probed_and_comes_back_where_the_features_tile():
    """A whole layer is one chunk where no worker runs: a bad start must not turn the coverage
    union off for the rest of the layer."""
    tries = tiling.CoverageTries()
    for _ in range(tiling.CoverageTries.FIRST):
        tries.record(False)
    asked = [tries.worth_it() for _ in range(3 * tiling.CoverageTries.PROBE)]
    assert sum(asked) == 3  # one probe in PROBE
    for _ in range(9 * tiling.CoverageTries.PROBE):  # the features tile from here on
        if tries.worth_it():
            tries.record(True)
    assert all(tries.worth_it() for _ in range(10))  # back to trying every union


def _mixed_endian_multipolygon(polygon):
    """A little-endian MultiPolygon WKB whose one part is big-endian (valid WKB, rare)."""
    import struct
    import shapely.wkb
    return b"\x01" + struct.pack("<II", 6, 1) + shapely.wkb.dumps(polygon, big_endian=True)


def _multipolygon_with_a_pointless_ring(polygon):
    """A MultiPolygon WKB: ``polygon`` and a part of one ring with no point (GEOS reads it as
    an empty part and writes that with no ring)."""
    import struct
    return b"\x01" + struct.pack("<II", 6, 2) + polygon.wkb + b"\x01" + \
        struct.pack("<III", 3, 1, 0)


@pytest.mark.parametrize("encoding", ["polygon", "multipolygon", "big-endian", "srid",
                                      "mixed-endian", "trailing", "pointless-ring"])
def test_a_contained_features_piece_is_the_wkb_geos_writes(encoding):
    """A feature the patch contains is its own piece: its delivered WKB is passed on where GEOS
    would write exactly those bytes (saving the write), else GEOS writes it; either way the
    piece is GEOS's little-endian WKB of the feature."""
    if not kernel_raw_geos.AVAILABLE:
        pytest.skip("the raw GEOS kernel serves shapely 1.8 only")
    import shapely.wkb
    from shapely.geometry import MultiPolygon
    inner = square(10, 10, 20)
    blob = {"polygon": inner.wkb, "multipolygon": MultiPolygon([inner]).wkb,
            "big-endian": shapely.wkb.dumps(inner, big_endian=True),
            "srid": shapely.wkb.dumps(inner, srid=4490),
            "mixed-endian": _mixed_endian_multipolygon(inner),
            "trailing": inner.wkb + b"\x00",
            "pointless-ring": _multipolygon_with_a_pointless_ring(inner)}[encoding]
    out, _ = kernel_raw_geos.pieces_chunk([square(0, 0, 100).wkb], [blob], ["1"], "耕地",
                                          [0], [0], union=True)
    piece = out[0][1][1][0][1]
    parsed = kernel_raw_geos._from_wkb(blob)
    try:
        written = kernel_raw_geos.to_wkb(parsed)
    finally:
        kernel_raw_geos.lgeos.GEOSGeom_destroy(parsed)
    assert piece == written and piece[0] == 1
    assert (piece is blob) == (encoding in ("polygon", "multipolygon"))


def test_pieces_of_every_result_type_match_the_patch_cut_one_by_one():
    """Cuts that give a line, a point, a collection (a polygon with a line along the patch's
    edge) or nothing: the installed fast kernel keeps exactly the pieces with area, each the
    polygons of the cut, with or without the union."""
    import shapely.wkb
    from shapely.geometry import MultiPolygon, box
    kernel = kernel_raw_geos if kernel_raw_geos.AVAILABLE else kernel_vectorised
    patch = square(0, 0, 100)
    feats = [square(100, 0, 50),  # shares the patch's east edge: a line
             square(100, 100, 20),  # meets its corner: a point
             # overlaps the patch and runs along its south edge outside it: polygon + line
             Polygon([(X0 + 50, Y0 - 20), (X0 + 120, Y0 - 20), (X0 + 120, Y0),
                      (X0 + 80, Y0), (X0 + 80, Y0 + 30), (X0 + 50, Y0 + 30)]),
             square(10, 10, 20),  # inside
             MultiPolygon([square(40, 40, 10), square(200, 200, 10)]),  # one part inside
             box(X0 + 150, Y0 - 5, X0 + 160, Y0 + 5)]  # its box misses the patch's too
    expected = {}
    for j, f in enumerate(feats):
        piece = polygonal_part(patch.intersection(f))
        if piece is not None and piece.area > 0:
            expected[j] = piece
    assert sorted(expected) == [2, 3, 4]
    args = ([patch.wkb], [f.wkb for f in feats], [str(j) for j in range(len(feats))], "耕地",
            [0] * len(feats), list(range(len(feats))))
    out, _ = kernel.pieces_chunk(*args)
    assert [j for j, _ in out[0][1]] == sorted(expected)
    for j, m2 in out[0][1]:
        assert m2 == pytest.approx(expected[j].area, rel=1e-12)
    out, _ = kernel.pieces_chunk(*args, union=True)
    whole, pieces = out[0][1]
    assert [j for j, _ in pieces] == sorted(expected)
    for j, blob in pieces:
        assert shapely.wkb.loads(bytes(blob)).equals(expected[j])
    from shapely.ops import unary_union
    assert shapely.wkb.loads(bytes(whole)).equals(unary_union(list(expected.values())))


def test_candidate_runs_are_each_patchs_pairs_in_order():
    """The pairs a chunk sends: every patch's run of candidates, one after another, as an
    arange per patch would give them (empty runs and an empty chunk included)."""
    import numpy as np
    from plugin.core.overlay.bbox import ranges
    rng = np.random.default_rng(7)
    for _ in range(300):
        n = int(rng.integers(0, 12))
        starts, counts = rng.integers(0, 60, n), rng.integers(0, 5, n)
        expected = [k for a, c in zip(starts.tolist(), counts.tolist()) for k in range(a, a + c)]
        assert ranges(starts, counts).tolist() == expected
