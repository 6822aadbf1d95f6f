"""WKB envelopes, the bounding-box join and geodesic areas against independent computations."""

import numpy as np
import pytest
import shapely.wkb
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import MultiPolygon, Polygon, box

from area_oracle import geodesic_area
from layer_factory import X0, Y0
from plugin.core.overlay.areas import EllipsoidalArea, _ring_area_call, planar_areas
from plugin.core.overlay.bbox import bbox_join
from plugin.core.io.wkb_arrays import envelopes

HOLED = Polygon([(0, 0), (10, 0), (10, 10), (0, 10)], [[(2, 2), (4, 2), (4, 4), (2, 4)]])


def test_envelopes_match_shapely_bounds_for_every_wkb_flavour():
    geoms = [HOLED, MultiPolygon([box(0, 0, 1, 1), box(5, -3, 6, 9)]), box(-1, -2, 3, 4)]
    wkbs = [g.wkb for g in geoms]
    wkbs.append(shapely.wkb.dumps(HOLED, big_endian=True))
    wkbs.append(shapely.wkb.dumps(Polygon([(0, 0, 5), (3, 0, 5), (3, 7, 5)]), output_dimension=3))
    wkbs.append(None)
    env = envelopes(wkbs)
    expected = [g.bounds for g in geoms] + [HOLED.bounds, (0, 0, 3, 7)]
    np.testing.assert_array_equal(env[:5], np.array(expected, dtype=float))
    assert np.isnan(env[5]).all()


def test_non_polygon_wkb_is_refused():
    from shapely.geometry import Point
    with pytest.raises(ValueError):
        envelopes([shapely.wkb.dumps(Point(1, 2), big_endian=True)])


boxes = st.lists(st.tuples(st.floats(-100, 100), st.floats(-100, 100),
                           st.floats(0, 40), st.floats(0, 40)), min_size=0, max_size=40)


@settings(max_examples=60, deadline=None)
@given(boxes, boxes)
def test_bbox_join_equals_brute_force(left, right):
    L = np.array([(x, y, x + w, y + h) for x, y, w, h in left], dtype=float).reshape(-1, 4)
    R = np.array([(x, y, x + w, y + h) for x, y, w, h in right], dtype=float).reshape(-1, 4)
    got = set(zip(*[a.tolist() for a in bbox_join(L, R)]))
    brute = {(i, j) for i in range(len(L)) for j in range(len(R))
             if L[i, 0] <= R[j, 2] and L[i, 2] >= R[j, 0] and L[i, 1] <= R[j, 3]
             and L[i, 3] >= R[j, 1]}
    assert got == brute


mixed = st.lists(st.tuples(st.floats(-100, 100), st.floats(-100, 100), st.booleans(),
                           st.floats(0, 1)), min_size=1, max_size=60)


@settings(max_examples=60, deadline=None)
@given(mixed, mixed)
def test_bbox_join_with_huge_boxes_on_both_sides_equals_brute_force(left, right):
    """Huge boxes (each meeting many: red-line zones) on either side or both, among tiny
    ones: every meeting pair once, as a brute force finds them."""
    def arr(spec):
        return np.array([(x, y, x + (150 if big else 0.5 + s), y + (120 if big else 0.5 + s))
                         for x, y, big, s in spec], dtype=float).reshape(-1, 4)
    L, R = arr(left), arr(right)
    i, j = bbox_join(L, R)
    got = list(zip(i.tolist(), j.tolist()))
    brute = {(a, b) for a in range(len(L)) for b in range(len(R))
             if L[a, 0] <= R[b, 2] and L[a, 2] >= R[b, 0] and L[a, 1] <= R[b, 3]
             and L[a, 3] >= R[b, 1]}
    assert len(got) == len(set(got)) and set(got) == brute


def test_bbox_join_pairs_a_huge_box_with_every_small_one():
    small = np.array([(i * 10.0, 0.0, i * 10.0 + 1, 1.0) for i in range(300)])
    huge = np.array([(-5.0, -5.0, 5000.0, 5.0)])
    i, j = bbox_join(small, huge)
    assert sorted(i.tolist()) == list(range(300)) and set(j.tolist()) == {0}


polygons = st.lists(st.tuples(st.floats(0, 500), st.floats(0, 500)), min_size=3, max_size=12)


@settings(max_examples=60, deadline=None)
@given(polygons, st.floats(0, 300), st.floats(0, 300))
def test_ellipsoidal_area_matches_geod_on_random_polygons(points, hx, hy):
    poly = Polygon([(X0 + x, Y0 + y) for x, y in points]).buffer(0)
    hole = box(X0 + hx, Y0 + hy, X0 + hx + 50, Y0 + hy + 50)
    geom = poly.difference(hole) if poly.contains(hole) else poly
    if geom.is_empty or geom.area < 1:
        return
    ours = EllipsoidalArea("EPSG:4529").areas([geom.wkb])[0]
    assert ours == pytest.approx(geodesic_area(geom), rel=1e-6)
    # and close to the planar area, as Gauss-Kruger near the central meridian should be
    assert ours == pytest.approx(geom.area, rel=2e-3)


def test_ring_orientation_does_not_change_the_area():
    shell = [(X0, Y0), (X0 + 100, Y0), (X0 + 100, Y0 + 100), (X0, Y0 + 100)]
    hole = [(X0 + 10, Y0 + 10), (X0 + 20, Y0 + 10), (X0 + 20, Y0 + 20), (X0 + 10, Y0 + 20)]
    a = Polygon(shell, [hole])
    b = Polygon(shell[::-1], [hole[::-1]])  # clockwise shell, counter-clockwise hole
    areas = EllipsoidalArea("EPSG:4529").areas([a.wkb, b.wkb, None])
    assert areas[0] == pytest.approx(areas[1], rel=1e-12)
    assert areas[0] == pytest.approx(geodesic_area(a), rel=1e-9)
    assert areas[2] == 0.0


REFERENCES = "/work/shared/peer-data/ellipsoidal_refs/reference_areas.csv"
_CASES = {  # id: (crs of the WKT, geographic CRS of its ellipsoid)
    "glib_planimeter15": ("EPSG:4326", "EPSG:4326"),
    "gdal9552_finland": ("EPSG:4326", "EPSG:4326"),
    "qgis_da_regression16820": ("EPSG:32634", "EPSG:4326"),
}


def _reference_rows():
    import csv
    import os
    path = os.environ.get("LAND_REFERENCE_AREAS", REFERENCES)
    if not os.path.exists(path):
        here = os.path.dirname(os.path.abspath(__file__))
        path = os.path.join(here, "..", "..", "..", "shared", "peer-data", "ellipsoidal_refs",
                            "reference_areas.csv")
    with open(path, encoding="utf-8") as f:
        return {r["id"]: r for r in csv.DictReader(f) if r["id"] in _CASES}


@pytest.mark.parametrize("case", sorted(_CASES))
def test_ellipsoidal_area_matches_published_reference_areas(case):
    """GeographicLib's, GDAL's and QGIS's own published test areas (WGS84), not our output."""
    from pyproj import Geod
    from shapely import wkt
    row = _reference_rows()[case]
    crs, geographic = _CASES[case]
    area = EllipsoidalArea(crs, geod=Geod(ellps="WGS84"), geographic=geographic).areas(
        [wkt.loads(row["wkt"]).wkb])[0]
    assert area == pytest.approx(abs(float(row["expected_area_m2"])),
                                 abs=float(row["tolerance_m2"]))


@settings(max_examples=60, deadline=None)
@given(polygons, st.floats(0, 300), st.floats(0, 300))
def test_planar_area_from_wkb_matches_geos(points, hx, hy):
    poly = Polygon([(X0 + x, Y0 + y) for x, y in points]).buffer(0)
    hole = box(X0 + hx, Y0 + hy, X0 + hx + 50, Y0 + hy + 50)
    geom = poly.difference(hole) if poly.contains(hole) else poly
    if geom.is_empty:
        return
    assert planar_areas([geom.wkb, None])[0] == pytest.approx(geom.area, abs=1e-6)


def test_released_geometries_say_so_when_read_again():
    import numpy as np

    from plugin.core.io.layers import VectorLayer

    layer = VectorLayer(label="耕地", crs=None, fids=np.array([1]),
                        wkb=np.array([b"\x01\x03\x00\x00\x00\x00\x00\x00\x00"], dtype=object))
    layer.release_geometries()
    assert layer.envelopes().shape == (1, 4) and len(layer) == 1
    with pytest.raises(RuntimeError, match="耕地"):
        layer.wkb[0]


def test_ring_areas_are_the_public_geod_calls_whichever_call_is_taken():
    """The direct call gives bit for bit what ``polygon_area_perimeter`` gives; a pyproj whose
    private call is missing or differs falls back to the public one (same areas)."""
    from pyproj import Geod
    geoms = [box(X0 + k, Y0 + k, X0 + 40 + 3 * k, Y0 + 25 + 2 * k).difference(
        box(X0 + k + 5, Y0 + k + 5, X0 + k + 9, Y0 + k + 9)) for k in range(20)]
    wkbs = [g.wkb for g in geoms]
    reference = EllipsoidalArea("EPSG:4529").areas(wkbs)

    real = Geod(a=6378137.0, f=1 / 298.257222101)

    class Public:  # a pyproj without the private call
        def __init__(self):
            self.polygon_area_perimeter = real.polygon_area_perimeter

    class Differing(Geod):
        def _polygon_area_perimeter(self, lons, lats, radians=False):
            return 0.0, 0.0

        def polygon_area_perimeter(self, lons, lats, radians=False):
            return real.polygon_area_perimeter(lons, lats, radians)

    from functools import partial
    assert isinstance(_ring_area_call(real), partial)  # the direct call, where pyproj has it
    for geod in (Public(), Differing(a=6378137.0, f=1 / 298.257222101)):
        assert _ring_area_call(geod) == geod.polygon_area_perimeter
        assert np.array_equal(EllipsoidalArea("EPSG:4529", geod=geod).areas(wkbs), reference)
    lonlat = [EllipsoidalArea("EPSG:4529")._to_lonlat.transform(*np.asarray(g.exterior.coords).T)
              for g in geoms]
    public = Geod(a=6378137.0, f=1 / 298.257222101)
    holes = [abs(public.polygon_area_perimeter(*EllipsoidalArea("EPSG:4529")._to_lonlat.transform(
        *np.asarray(g.interiors[0].coords).T))[0]) for g in geoms]
    expected = [abs(public.polygon_area_perimeter(x, y)[0]) - h for (x, y), h in zip(lonlat, holes)]
    assert reference.tolist() == expected


def test_geometries_checked_at_once_are_those_parsed_one_by_one(monkeypatch):
    """Valid 2D (Multi)Polygons are taken as a batch where shapely can (2.x); everything else
    (invalid, empty, 3D, not a polygon, unreadable) goes the one-by-one way, so the result and
    the notes are those of parsing each WKB alone."""
    from shapely.geometry import GeometryCollection, LineString, Point
    from plugin.core.io import geometry
    tri = Polygon([(X0, Y0), (X0 + 10, Y0), (X0 + 10, Y0 + 10)])
    wkbs = [tri.wkb, MultiPolygon([tri, box(X0 + 20, Y0, X0 + 30, Y0 + 5)]).wkb,
            Polygon([(X0, Y0), (X0 + 1, Y0 + 1), (X0 + 1, Y0), (X0, Y0 + 1)]).wkb,  # bow tie
            Polygon([(X0, Y0, 1), (X0 + 1, Y0, 1), (X0 + 1, Y0 + 1, 1)]).wkb, None, b"\x01\x03",
            Point(X0, Y0).wkb, GeometryCollection([tri, LineString([(X0, Y0), (X0 + 5, Y0)])]).wkb,
            bytearray(tri.wkb), shapely.wkb.dumps(tri, big_endian=True)]
    ids = [str(k) for k in range(len(wkbs))]
    plain = geometry._plain_polygons(wkbs)
    if hasattr(shapely, "from_wkb"):  # shapely 2: the batch takes the plain ones
        assert [g is not None for g in plain] == [True, True] + [False] * 6 + [True, True]
    batch, batch_notes = geometry.parse_geometries(wkbs, ids, "耕地")
    as_array = np.empty(len(wkbs), dtype=object)  # how a layer's reader hands them
    as_array[:] = wkbs
    assert geometry.parse_geometries(as_array, ids, "耕地")[1] == batch_notes
    monkeypatch.setattr(geometry, "_plain_polygons", lambda _: None)
    alone, alone_notes = geometry.parse_geometries(wkbs, ids, "耕地")
    assert batch_notes == alone_notes and len(batch_notes) == 4
    assert [g is None for g in batch] == [g is None for g in alone] == \
        [False, False, False, False, True, True, True, False, False, False]
    for a, b in zip(batch, alone):
        assert a is None or (a.equals(b) and a.wkb == b.wkb)
