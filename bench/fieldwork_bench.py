"""`make bench` (field work part): ledger and field pack of a county-size result, with imagery.

Input: the county result written by run_bench.py (30,000 flagged patches over ~30 × 30 km) and
a synthetic 2 m RGB GeoTIFF of the whole county (15,000 × 15,000 pixels, tiled, DEFLATE, with
overviews; generated once and cached under bench/data/county/imagery/). Each step runs in its
own process so its wall time and peak memory are its own, BENCH_REPEAT times (default 3; the
machine is shared, so min and median are printed):
  ledger            export_ledger, no pictures
  thumbs            the ledger's thumbnails alone (120 px JPEGs of every flagged patch)
  ledger+thumbs     export_ledger with a thumbnail column from the image
  chips             the field pack's chips alone (JPEG files, the image date stamped in)
  fieldpack         prepare_fieldpack with the after-image: chips, the image cut to the
                    patches, reference layers, GeoPackage, KML/KMZ (time per stage too)
The QGIS-printed PDF sheets are not part of it (one page per patch is a demo-size job).
"""

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
PY = "/usr/bin/python3"
PIXEL = 2.0
TILE = 512
STEPS = ("ledger", "thumbs", "ledger+thumbs", "chips", "fieldpack")


def make_image(result_path, out_path):
    """A county-wide RGB image: smooth fields with noise, so chips and JPEGs are realistic in
    size; written strip by strip (never whole in memory)."""
    import numpy as np
    from osgeo import gdal, ogr

    if os.path.exists(out_path):
        return out_path
    ds = ogr.Open(result_path)
    layer = ds.GetLayerByName("patches")
    minx, maxx, miny, maxy = layer.GetExtent()
    wkt = layer.GetSpatialRef().ExportToWkt()
    width, height = int((maxx - minx) / PIXEL) + 200, int((maxy - miny) / PIXEL) + 200
    os.makedirs(os.path.dirname(out_path), exist_ok=True)
    tmp = out_path + ".part"
    rng = np.random.default_rng(11)
    out = gdal.GetDriverByName("GTiff").Create(
        tmp, width, height, 3, gdal.GDT_Byte,
        ["TILED=YES", f"BLOCKXSIZE={TILE}", f"BLOCKYSIZE={TILE}", "COMPRESS=DEFLATE",
         "BIGTIFF=IF_SAFER"])
    out.SetGeoTransform((minx - 100 * PIXEL, PIXEL, 0, maxy + 100 * PIXEL, 0, -PIXEL))
    out.SetProjection(wkt)
    cols = np.arange(width)
    for row0 in range(0, height, TILE):
        rows = np.arange(row0, min(row0 + TILE, height))[:, None]
        field = ((cols[None, :] // 60 * 7 + rows // 45 * 13) % 40).astype("int16")
        noise = rng.integers(0, 12, (len(rows), width), dtype="int16")
        for band, base in enumerate((90, 120, 70), 1):
            out.GetRasterBand(band).WriteArray((base + field + noise).astype("uint8"), 0, row0)
    out.BuildOverviews("AVERAGE", [2, 4, 8, 16, 32])
    out = None
    os.replace(tmp, out_path)
    return out_path


def _peak_mb():
    """This process's peak resident memory. Not getrusage's ru_maxrss: Linux carries that over
    exec from the parent, which held the image while generating it."""
    with open("/proc/self/status", encoding="ascii") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def _flagged(result_path):
    from plugin.core.fieldwork.flagged import FLAGGED_VERDICTS
    from plugin.core.imagery.chips import outline_colour
    from plugin.core.ledger.result_access import read_result

    result = read_result(result_path)
    return result.crs_wkt, [(p["patch_id"], result.wkbs[p["fid"]], outline_colour(p["verdict"]))
                            for p in result.patches
                            if p["verdict"] in FLAGGED_VERDICTS and p["fid"] in result.wkbs]


def _run(name, result_path, image, out_dir):
    """(count, bytes written, {stage: seconds}) of one step, timed by the caller."""
    from plugin.core.fieldwork.pack import prepare_fieldpack
    from plugin.core.imagery.chips import cut_chips, thumbnails
    from plugin.core.ledger.export import export_ledger

    if name in ("ledger", "ledger+thumbs"):
        images = {"后时相": image} if name == "ledger+thumbs" else None
        report = export_ledger(result_path, os.path.join(out_dir, f"{name}.xlsx"), images=images)
        return report.rows, os.path.getsize(report.path), {}
    if name in ("thumbs", "chips"):
        crs_wkt, patches = _flagged(result_path)
        started = time.perf_counter()
        if name == "thumbs":
            pictures, _ = thumbnails(image, crs_wkt, patches, "后时相", 120)
            return len(pictures), sum(map(len, pictures.values())), {
                "cut": time.perf_counter() - started}
        chips_dir = os.path.join(out_dir, "chips")
        chips, _ = cut_chips(image, crs_wkt, patches, chips_dir, "后时相",
                             {pid: f"{k}.jpg" for k, (pid, _, _) in enumerate(patches)}, "2024-10-01")
        return len(chips), sum(os.path.getsize(c.path) for c in chips), {
            "cut": time.perf_counter() - started}
    stages, last = {}, [None, time.perf_counter()]

    def progress(_fraction, message):
        if message != last[0]:
            now = time.perf_counter()
            if last[0] is not None:
                stages[last[0]] = stages.get(last[0], 0.0) + now - last[1]
            last[:] = [message, now]

    pack = prepare_fieldpack(result_path, os.path.join(out_dir, "pack"), after=image,
                             dates={"后时相": "2024-10-01"}, progress=progress)
    size = sum(os.path.getsize(os.path.join(root, f))
               for root, _, files in os.walk(pack.folder) for f in files)
    return len(pack.chips), size, stages


def step(name, result_path, image, out_dir):
    """Run one step in this process; print its JSON line (seconds, peak MB, sizes, stages)."""
    sys.path.insert(0, REPO)
    started = time.perf_counter()
    count, size, stages = _run(name, result_path, image, out_dir)
    seconds = time.perf_counter() - started
    print(json.dumps({"step": name, "seconds": seconds, "peak_mb": _peak_mb(), "bytes": size,
                      "count": count, "stages": stages}, ensure_ascii=False))


def main():
    if len(sys.argv) == 5:
        step(*sys.argv[1:])
        return
    result = os.path.join(HERE, "data", "county", "out", "result.gpkg")
    if not os.path.exists(result):
        sys.exit("bench/data/county/out/result.gpkg is missing: run bench/run_bench.py first")
    image = os.path.join(HERE, "data", "county", "imagery", "after.tif")
    t = time.perf_counter()
    make_image(result, image)
    print(f"== field work, county: {os.path.getsize(image) / 2**20:.0f} MB GeoTIFF at {PIXEL} m "
          f"(ready in {time.perf_counter() - t:.1f} s)")
    env = dict(os.environ, PROJ_DATA="/usr/share/proj")
    repeat = int(os.environ.get("BENCH_REPEAT", "3"))
    for name in STEPS:
        runs = []
        for _ in range(repeat):
            with tempfile.TemporaryDirectory(prefix="fieldwork-bench-") as out:
                line = subprocess.run([PY, __file__, name, result, image, out], check=True, env=env,
                                      capture_output=True, text=True).stdout.strip().splitlines()[-1]
            runs.append(json.loads(line))
        seconds = [r["seconds"] for r in runs]
        r = runs[0]
        print(f"   {name:14s}: min {min(seconds):6.1f} s  median {statistics.median(seconds):6.1f} s"
              f"   peak {max(x['peak_mb'] for x in runs):6.0f} MB   {r['count']} items, "
              f"{r['bytes'] / 2**20:.1f} MB written")
        for stage in r["stages"]:
            times = [x["stages"].get(stage, 0.0) for x in runs]
            print(f"      {stage:18s} min {min(times):6.1f} s  median {statistics.median(times):6.1f} s")


if __name__ == "__main__":
    main()
