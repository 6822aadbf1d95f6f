"""The overlay survives what makes GEOS give up: patches delivered in degrees (8 decimals),
cut along parcel edges, over zone-prefixed Gauss-Krüger parcels — the cross-CRS path with edges
a hair off each other. Areas are checked against an independent overlay (shapely's union and
intersection, measured by pyproj's geodesic area)."""

import random

import numpy as np
import pytest
from osgeo import ogr
from pyproj import Transformer
from shapely import wkb as shapely_wkb
from shapely.geometry import Polygon
from shapely.ops import transform, unary_union

from area_oracle import geodesic_area
from layer_factory import X0, Y0, write_layer
from plugin.core.analysis import run_analysis
from plugin.core.job import job_from_dict
from plugin.core.overlay import robust

TO_DEGREES = Transformer.from_crs(4529, 4490, always_xy=True).transform
TO_METRES = Transformer.from_crs(4490, 4529, always_xy=True).transform


def jagged_county(folder, seed, n=12, size=50.0, count=60):
    """Parcels in EPSG:4529 sharing jittered corners; patches the union of a few neighbouring
    parcels, written in EPSG:4490 rounded to 8 decimals as deliveries are."""
    rng = random.Random(seed)
    xs = [[X0 + i * size + (rng.uniform(-8, 8) if 0 < i < n else 0) for _ in range(n + 1)]
          for i in range(n + 1)]
    ys = [[Y0 + j * size + (rng.uniform(-8, 8) if 0 < j < n else 0) for j in range(n + 1)]
          for _ in range(n + 1)]
    parcels = [Polygon([(xs[i][j], ys[i][j]), (xs[i + 1][j], ys[i + 1][j]),
                        (xs[i + 1][j + 1], ys[i + 1][j + 1]), (xs[i][j + 1], ys[i][j + 1])])
               for i in range(n) for j in range(n)]
    write_layer(f"{folder}/f.gpkg", parcels, [{"DLBM": "0103"}] * len(parcels), layer="F")

    def degrees(x, y):
        lon, lat = TO_DEGREES(x, y)
        return np.round(np.asarray(lon), 8), np.round(np.asarray(lat), 8)

    patches = []
    for _ in range(count):
        i, j = rng.randrange(n - 2), rng.randrange(n - 2)
        cells = [parcels[(i + a) * n + j + b] for a in range(rng.randint(1, 3))
                 for b in range(rng.randint(1, 3))]
        patches.append(transform(degrees, unary_union(cells)))
    write_layer(f"{folder}/p.gpkg", patches,
                [{"JCBH": f"P{k}", "QDLBM": "0103", "HDLBM": "0702"} for k in range(count)],
                layer="P", epsg=4490)
    return parcels


@pytest.mark.parametrize("seed", [2, 6, 11])
@pytest.mark.parametrize("reference", [False, True])
def test_degree_patches_cut_from_parcel_edges_overlay_exactly(tmp_path, monkeypatch, seed,
                                                              reference):
    from plugin.core.overlay import chunked
    monkeypatch.setattr(chunked, "_FAST", not reference)
    parcels = jagged_county(str(tmp_path), seed)
    job = job_from_dict({"patches": {"path": "p.gpkg", "layer": "P", "id_field": "JCBH",
                                     "before_field": "QDLBM", "after_field": "HDLBM"},
                         "baselines": {"farmland": {"path": "f.gpkg", "layer": "F"}},
                         "exemptions": {}}, base_dir=str(tmp_path))
    result = run_analysis(job, str(tmp_path / "out"), job_workers=1)
    farmland = unary_union(parcels)
    delivered = _delivered(tmp_path)
    ds = ogr.Open(result.result_path)
    areas = {f["patch_id"]: f["farmland_m2"] for f in ds.GetLayerByName("patches")}
    assert len(areas) == 60
    for pid, m2 in areas.items():
        # the oracle: the delivered patch taken to the parcels' CRS, cut by their union
        expected = geodesic_area(transform(TO_METRES, delivered[pid]).intersection(farmland))
        assert m2 == pytest.approx(expected, abs=0.01), pid


def _delivered(folder):
    ds = ogr.Open(f"{folder}/p.gpkg")
    return {f["JCBH"]: shapely_wkb.loads(bytes(f.GetGeometryRef().ExportToWkb()))
            for f in ds.GetLayer(0)}


def test_a_failing_operation_is_retried_on_snapped_operands():
    calls = []

    def flaky(a, b):
        calls.append((a.wkt, b.wkt))
        if len(calls) == 1:
            raise ValueError("GEOS gave up")
        return a.intersection(b)

    a = Polygon([(0, 0), (1, 0), (1, 1), (0, 1)])
    b = Polygon([(0.5, 0), (2, 0), (2, 1), (0.5, 1)])
    assert robust._checked(flaky, a, b).area == pytest.approx(0.5)
    assert len(calls) == 2


def test_an_invalid_result_is_repaired_to_valid_polygons():
    bowtie = Polygon([(0, 0), (2, 2), (2, 0), (0, 2)])
    fixed = robust._checked(lambda g: g, bowtie)
    assert fixed.is_valid and fixed.area == pytest.approx(2.0)
