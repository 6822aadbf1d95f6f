"""Synthetic county-size inputs for `make bench` (seeded, cached under bench/data/<size>/).

Farmland and basic farmland are jittered grids (planar partitions) offset from each other;
red-line zones are large many-vertex blobs; patches are small random quads scattered over the
county. Written with OGR in one transaction per layer.
"""

import os
import sys

import numpy as np
from osgeo import ogr, osr

ogr.UseExceptions()
X0, Y0 = 41_480_000.0, 4_380_000.0  # EPSG:4529, zone 41 with prefix
SIZES = {
    "county": dict(farmland=300_000, basic=180_000, red=60, patches=30_000),
    "small": dict(farmland=60_000, basic=30_000, red=12, patches=3_000),  # 90k parcels
    "tiny": dict(farmland=2_500, basic=1_500, red=4, patches=300),  # for tests
}


def _layer(path, name, geom_type=ogr.wkbPolygon):
    ds = ogr.GetDriverByName("GPKG").CreateDataSource(path)
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(4529)
    return ds, ds.CreateLayer(name, srs, geom_type)


def _grid(path, name, n, cell, jitter, offset, rng, codes, origin):
    ds, lyr = _layer(path, name)
    lyr.CreateField(ogr.FieldDefn("BSM", ogr.OFTString))
    lyr.CreateField(ogr.FieldDefn("DLBM", ogr.OFTString))
    side = int(np.ceil(np.sqrt(n)))
    gx = origin[0] + offset + np.arange(side + 1) * cell
    gy = origin[1] + offset + np.arange(side + 1) * cell
    jx = rng.uniform(-jitter, jitter, (side + 1, side + 1))
    jy = rng.uniform(-jitter, jitter, (side + 1, side + 1))
    X = gx[None, :] + jx
    Y = gy[:, None] + jy
    defn = lyr.GetLayerDefn()
    ds.StartTransaction()
    k = 0
    for i in range(side):
        for j in range(side):
            if k >= n:
                break
            ring = ogr.Geometry(ogr.wkbLinearRing)
            for a, b in ((i, j), (i, j + 1), (i + 1, j + 1), (i + 1, j), (i, j)):
                ring.AddPoint_2D(float(X[a, b]), float(Y[a, b]))
            poly = ogr.Geometry(ogr.wkbPolygon)
            poly.AddGeometryDirectly(ring)
            f = ogr.Feature(defn)
            f.SetField(0, f"{name}{k:07d}")
            f.SetField(1, codes[k % len(codes)])
            f.SetGeometryDirectly(poly)
            lyr.CreateFeature(f)
            k += 1
    ds.CommitTransaction()
    ds = None
    return side * cell


def _blobs(path, n, extent, rng, origin):
    ds, lyr = _layer(path, "STBHHX")
    lyr.CreateField(ogr.FieldDefn("HXMC", ogr.OFTString))
    defn = lyr.GetLayerDefn()
    ds.StartTransaction()
    for k in range(n):
        cx, cy = origin[0] + rng.uniform(0, extent), origin[1] + rng.uniform(0, extent)
        r0 = rng.uniform(300, 900)
        t = np.linspace(0, 2 * np.pi, 400, endpoint=False)
        r = r0 * (1 + 0.25 * np.sin(5 * t + rng.uniform(0, 6)) + 0.05 * rng.standard_normal(400))
        ring = ogr.Geometry(ogr.wkbLinearRing)
        for x, y in zip(cx + r * np.cos(t), cy + r * np.sin(t)):
            ring.AddPoint_2D(float(x), float(y))
        ring.CloseRings()
        poly = ogr.Geometry(ogr.wkbPolygon)
        poly.AddGeometryDirectly(ring)
        f = ogr.Feature(defn)
        f.SetField(0, f"红线{k}")
        f.SetGeometryDirectly(poly)
        lyr.CreateFeature(f)
    ds.CommitTransaction()


def _patches(path, n, extent, rng, origin, code):
    ds, lyr = _layer(path, "JCTB")
    lyr.CreateField(ogr.FieldDefn("JCBH", ogr.OFTString))
    if code:
        lyr.CreateField(ogr.FieldDefn("XZQDM", ogr.OFTString))
    defn = lyr.GetLayerDefn()
    ds.StartTransaction()
    for k in range(n):
        cx, cy = origin[0] + rng.uniform(0, extent), origin[1] + rng.uniform(0, extent)
        w, h = rng.uniform(15, 90, 2)
        ang = rng.uniform(0, np.pi)
        c, s = np.cos(ang), np.sin(ang)
        pts = [(-w, -h), (w, -h), (w * 1.1, h), (-w * 0.8, h * 1.2), (-w, -h)]
        ring = ogr.Geometry(ogr.wkbLinearRing)
        for px, py in pts:
            ring.AddPoint_2D(float(cx + c * px / 2 - s * py / 2), float(cy + s * px / 2 + c * py / 2))
        poly = ogr.Geometry(ogr.wkbPolygon)
        poly.AddGeometryDirectly(ring)
        f = ogr.Feature(defn)
        f.SetField(0, f"JC{k:06d}")
        if code:
            f.SetField(1, f"{code}{k % 9 + 1:03d}001")  # a village of the county
        f.SetGeometryDirectly(poly)
        lyr.CreateFeature(f)
    ds.CommitTransaction()


def generate(size, out_dir, seed=7, origin=(X0, Y0), code=None):
    """The case ``size`` in ``out_dir`` (kept: a second call returns at once); ``origin``: its
    south-west corner; ``code``: a county code the patches' XZQDM starts with (none without)."""
    spec = SIZES[size]
    os.makedirs(out_dir, exist_ok=True)
    done = os.path.join(out_dir, ".done")
    if os.path.exists(done):
        return out_dir
    rng = np.random.default_rng(seed)
    extent = _grid(os.path.join(out_dir, "farmland.gpkg"), "DLTB", spec["farmland"], 55.0, 12.0,
                   0.0, rng, ["0101", "0102", "0103"], origin)
    cell_b = extent / np.ceil(np.sqrt(spec["basic"]))
    _grid(os.path.join(out_dir, "basic.gpkg"), "YJJBNTTB", spec["basic"], cell_b, cell_b / 5,
          cell_b / 3, rng, ["0101", "0103"], origin)
    _blobs(os.path.join(out_dir, "redline.gpkg"), spec["red"], extent, rng, origin)
    _patches(os.path.join(out_dir, "patches.gpkg"), spec["patches"], extent, rng, origin, code)
    with open(os.path.join(out_dir, "job.yaml"), "w", encoding="utf-8") as f:
        f.write("min_area_m2: 0  # compare every sliver with QGIS\n"
                "patches: {path: patches.gpkg, layer: JCTB, id_field: JCBH}\n"
                "baselines:\n"
                "  farmland: {path: farmland.gpkg, layer: DLTB}\n"
                "  basic_farmland: {path: basic.gpkg, layer: YJJBNTTB}\n"
                "  red_line: {path: redline.gpkg, layer: STBHHX}\n")
    open(done, "w").close()
    return out_dir


def generate_batch(county_dir, out_dir, patches=1_500):
    """A quarterly 卫片 batch: ``patches`` of the county's patches (every k-th, spread over the
    county) against the county's own baseline files."""
    os.makedirs(out_dir, exist_ok=True)
    done = os.path.join(out_dir, ".done")
    if os.path.exists(done):
        return out_dir
    src = ogr.Open(os.path.join(county_dir, "patches.gpkg"))
    lyr = src.GetLayer(0)
    step = max(1, lyr.GetFeatureCount() // patches)
    ds = ogr.GetDriverByName("GPKG").CreateDataSource(os.path.join(out_dir, "patches.gpkg"))
    out = ds.CreateLayer(lyr.GetName(), lyr.GetSpatialRef(), lyr.GetGeomType())
    out.CreateField(lyr.GetLayerDefn().GetFieldDefn(0))
    ds.StartTransaction()
    for k, f in enumerate(lyr):
        if k % step == 0 and out.GetFeatureCount() < patches:
            out.CreateFeature(f)
    ds.CommitTransaction()
    ds = None
    county = os.path.abspath(county_dir)
    with open(os.path.join(out_dir, "job.yaml"), "w", encoding="utf-8") as f:
        f.write("min_area_m2: 0  # compare every sliver with QGIS\n"
                "patches: {path: patches.gpkg, layer: JCTB, id_field: JCBH}\n"
                "baselines:\n"
                f"  farmland: {{path: {county}/farmland.gpkg, layer: DLTB}}\n"
                f"  basic_farmland: {{path: {county}/basic.gpkg, layer: YJJBNTTB}}\n"
                f"  red_line: {{path: {county}/redline.gpkg, layer: STBHHX}}\n")
    for name in ("farmland", "basic", "redline"):
        link = os.path.join(out_dir, f"{name}.gpkg")
        if not os.path.exists(link):
            os.symlink(os.path.join(county, f"{name}.gpkg"), link)
    open(done, "w").close()
    return out_dir


if __name__ == "__main__":
    print(generate(sys.argv[1], sys.argv[2]))
