"""`make bench` (field work part): ledger and field pack of a county-size result, with imagery.

Input: the county result written by run_bench.py (30,000 flagged patches over ~30 × 30 km) and
a synthetic 2 m RGB GeoTIFF of the whole county (15,000 × 15,000 pixels, tiled, DEFLATE, with
overviews; generated once and cached under bench/data/county/imagery/). Each step runs in its
own process so its wall time and peak memory are its own:
  ledger            export_ledger, no pictures
  ledger+thumbs     export_ledger with a thumbnail column from the image
  fieldpack         prepare_fieldpack with after-image chips (GeoPackage, KML/KMZ, PNG chips)
The QGIS-printed PDF sheets are not part of it (one page per patch is a demo-size job).
"""

import json
import os
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
PY = "/usr/bin/python3"
PIXEL = 2.0
TILE = 512


def make_image(result_path, out_path):
    """A county-wide RGB image: smooth fields with noise, so chips and JPEGs are realistic in
    size; written strip by strip (never whole in memory)."""
    import numpy as np
    import rasterio
    from osgeo import ogr
    from rasterio.transform import from_origin

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
    profile = dict(driver="GTiff", width=width, height=height, count=3, dtype="uint8", crs=wkt,
                   transform=from_origin(minx - 100 * PIXEL, maxy + 100 * PIXEL, PIXEL, PIXEL),
                   tiled=True, blockxsize=TILE, blockysize=TILE, compress="DEFLATE",
                   BIGTIFF="IF_SAFER")
    cols = np.arange(width)
    with rasterio.open(tmp, "w", **profile) as dst:
        for row0 in range(0, height, TILE):
            rows = np.arange(row0, min(row0 + TILE, height))[:, None]
            field = ((cols[None, :] // 60 * 7 + rows // 45 * 13) % 40).astype("int16")
            noise = rng.integers(0, 12, (len(rows), width), dtype="int16")
            window = rasterio.windows.Window(0, row0, width, len(rows))
            for band, base in enumerate((90, 120, 70), 1):
                dst.write((base + field + noise).astype("uint8"), band, window=window)
        dst.build_overviews([2, 4, 8, 16, 32], rasterio.enums.Resampling.average)
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


def step(name, result_path, image, out_dir):
    """Run one step in this process; print its JSON line (seconds, peak MB, sizes)."""
    sys.path.insert(0, REPO)
    from plugin.core.fieldwork.pack import prepare_fieldpack
    from plugin.core.ledger.export import export_ledger

    started = time.perf_counter()
    if name == "ledger":
        report = export_ledger(result_path, os.path.join(out_dir, "台账.xlsx"))
        size, count = os.path.getsize(report.path), report.rows
    elif name == "ledger+thumbs":
        report = export_ledger(result_path, os.path.join(out_dir, "台账_影像.xlsx"),
                               images={"后时相": image})
        size, count = os.path.getsize(report.path), report.rows
    else:
        pack = prepare_fieldpack(result_path, os.path.join(out_dir, "pack"), after=image)
        chips_dir = os.path.join(out_dir, "pack", "chips")
        size = sum(os.path.getsize(os.path.join(chips_dir, f)) for f in os.listdir(chips_dir))
        count = len(pack.chips)
    seconds = time.perf_counter() - started
    peak = _peak_mb()
    print(json.dumps({"step": name, "seconds": seconds, "peak_mb": peak, "bytes": size,
                      "count": count}))


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
    with tempfile.TemporaryDirectory(prefix="fieldwork-bench-") as out:
        for name in ("ledger", "ledger+thumbs", "fieldpack"):
            line = subprocess.run([PY, __file__, name, result, image, out], check=True, env=env,
                                  capture_output=True, text=True).stdout.strip().splitlines()[-1]
            r = json.loads(line)
            what = "chips" if name == "fieldpack" else "rows"
            print(f"   {name:14s}: {r['seconds']:6.1f} s   peak {r['peak_mb']:6.0f} MB   "
                  f"{r['count']} {what}, {r['bytes'] / 2**20:.1f} MB written")


if __name__ == "__main__":
    main()
