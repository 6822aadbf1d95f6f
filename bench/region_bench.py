"""`make bench` (region case): ten counties of the small size (30k farmland parcels, 3k patches
each, side by side) run one after another with ``analyse`` (each with its own worker pool, as a
bureau runs counties today) against ``analyse-region`` on a LocalCluster — once from the ten
county job files, once from region-wide layers (300k farmland parcels in one file) cut by
county. Prints wall seconds and the peak memory of each worker process; fails if any patch ×
baseline area of a region run differs from the county's own run by more than 1e-6 m².

BENCH_REGION_SIZE (small) and BENCH_REGION_COUNTIES (10) change the case; generated data is kept
under bench/data/region-<size>-<count>/.
"""

import math
import os
import shutil
import subprocess
import sys
import time

from osgeo import gdal, ogr, osr

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from generate_county import SIZES, X0, Y0, generate  # noqa: E402

PY = "/usr/bin/python3"
REPO = os.path.dirname(HERE)
CELL = 55.0  # generate_county's farmland parcel width
GAP = 2_000.0  # metres between neighbouring counties
PER_ROW = 5
LAYERS = (("farmland.gpkg", "DLTB"), ("basic.gpkg", "YJJBNTTB"), ("redline.gpkg", "STBHHX"),
          ("patches.gpkg", "JCTB"))
AREAS = ("area_m2", "farmland_m2", "basic_farmland_m2", "red_line_m2")
gdal.UseExceptions()


def codes(count):
    return [f"3310{k + 1:02d}" for k in range(count)]


def step(size):
    """Metres between the counties' corners: a county's width and a gap."""
    return math.ceil(math.sqrt(SIZES[size]["farmland"])) * CELL + GAP


def prepare(size, count):
    """County folders (their own files and job) and the region-wide files made of them."""
    data = os.path.join(HERE, "data", f"region-{size}-{count}")
    for k, code in enumerate(codes(count)):
        origin = (X0 + (k % PER_ROW) * step(size), Y0 + (k // PER_ROW) * step(size))
        generate(size, os.path.join(data, code), seed=k + 1, origin=origin, code=code)
    with open(os.path.join(data, "counties.yaml"), "w", encoding="utf-8") as f:
        f.write("name: 基准市\ncounties:\n" + "".join(
            f"  - {{code: '{c}', job: {c}/job.yaml}}\n" for c in codes(count)))
    region = os.path.join(data, "region")
    if not os.path.exists(os.path.join(region, ".done")):
        shutil.rmtree(region, ignore_errors=True)
        os.makedirs(region)
        for name, layer in LAYERS:
            for code in codes(count):
                gdal.VectorTranslate(os.path.join(region, name), os.path.join(data, code, name),
                                     accessMode="append" if code != codes(count)[0] else None,
                                     layerName=layer, options=["-gt", "unlimited"])
        _county_layer(os.path.join(region, "xjxzq.gpkg"), count, step(size))
        with open(os.path.join(region, "job.yaml"), "w", encoding="utf-8") as f:
            f.write(open(os.path.join(data, codes(count)[0], "job.yaml"), encoding="utf-8").read())
        open(os.path.join(region, ".done"), "w").close()
    with open(os.path.join(data, "partitioned.yaml"), "w", encoding="utf-8") as f:
        f.write("name: 基准市\njob: region/job.yaml\npartition:\n  code_field: XZQDM\n"
                "  counties: {path: region/xjxzq.gpkg, code_field: XZQDM, name_field: XZQMC}\n")
    return data


def _county_layer(path, count, width):
    ds = ogr.GetDriverByName("GPKG").CreateDataSource(path)
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(4529)
    lyr = ds.CreateLayer("XJXZQ", srs, ogr.wkbPolygon)
    for name in ("XZQDM", "XZQMC"):
        lyr.CreateField(ogr.FieldDefn(name, ogr.OFTString))
    for k, code in enumerate(codes(count)):
        x, y = X0 + (k % PER_ROW) * width - GAP / 2, Y0 + (k // PER_ROW) * width - GAP / 2
        f = ogr.Feature(lyr.GetLayerDefn())
        f.SetField(0, code)
        f.SetField(1, f"基准{k + 1}县")
        f.SetGeometry(ogr.CreateGeometryFromWkt(
            f"POLYGON(({x} {y},{x + width} {y},{x + width} {y + width},{x} {y + width},{x} {y}))"))
        lyr.CreateFeature(f)


def timed(args):
    env = dict(os.environ, PROJ_DATA="/usr/share/proj")
    t = time.perf_counter()
    subprocess.run([PY, "-m", "plugin.cli", *args, "-q"], check=True, env=env, cwd=REPO,
                   stdout=subprocess.DEVNULL)
    return time.perf_counter() - t


def areas(path, key=None):
    ds = ogr.Open(path)
    return {(f[key] if key else None, f["patch_id"]): [f[a] or 0.0 for a in AREAS]
            for f in ds.GetLayerByName("patches")}


def peaks(path):
    """{worker process: its peak memory in MB} (a process's peak only grows: the largest seen)."""
    ds = ogr.Open(path)
    out = {}
    for f in ds.GetLayerByName("counties"):
        if f["peak_mb"]:
            out[f["worker"]] = max(out.get(f["worker"], 0.0), float(f["peak_mb"]))
    return out


def main():
    size = os.environ.get("BENCH_REGION_SIZE", "small")
    count = int(os.environ.get("BENCH_REGION_COUNTIES", "10"))
    t = time.perf_counter()
    data = prepare(size, count)
    spec = SIZES[size]
    print(f"== region: {count} counties × ({spec['farmland']} farmland, {spec['basic']} basic "
          f"farmland, {spec['patches']} patches) (data ready in {time.perf_counter() - t:.1f} s)")
    out = os.path.join(data, "out")
    shutil.rmtree(out, ignore_errors=True)
    sequential = sum(timed(["analyse", os.path.join(data, c, "job.yaml"), "--out",
                            os.path.join(out, "single", c)]) for c in codes(count))
    print(f"   counties one after another (analyse): {sequential:8.1f} s")
    expected = {}
    for c in codes(count):
        expected.update({(c, pid): v for (_k, pid), v in
                         areas(os.path.join(out, "single", c, "result.gpkg")).items()})
    worst = 0.0
    for label, region_file in (("county job files", "counties.yaml"),
                               ("region-wide layers cut by county", "partitioned.yaml")):
        target = os.path.join(out, region_file.split(".")[0])
        seconds = timed(["analyse-region", os.path.join(data, region_file), "--out", target])
        got = areas(os.path.join(target, "region.gpkg"), "county_code")
        if sorted(got) != sorted(expected):
            print(f"   {label}: patches differ from the county runs", file=sys.stderr)
            sys.exit(1)
        worst = max([worst] + [abs(a - b) for k in expected for a, b in zip(got[k], expected[k])])
        per_worker = peaks(os.path.join(target, "region.gpkg"))
        print(f"   analyse-region, {label:33s}: {seconds:8.1f} s ({sequential / seconds:.2f}× "
              f"faster), peak per worker {max(per_worker.values()):.0f} MB "
              f"(over {len(per_worker)} worker processes)")
    print(f"   agreement: {len(expected)} patches × {len(AREAS)} areas, max |diff| = {worst:.2e} m²")
    if worst > 1e-6:
        print("   DISAGREEMENT above 1e-6 m²", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
