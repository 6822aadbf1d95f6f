"""`make bench`: our analyse vs QGIS fixgeometries + calculatevectoroverlaps on the same files.

Sizes: small (30k parcels) and county (300k farmland, 180k basic farmland, 60 red-line zones,
30k patches). Each side runs in its own process so wall time and peak memory are its own.
Set BENCH_SIZES=small to run only the small case.
"""

import json
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from generate_county import SIZES, generate  # noqa: E402

PY = "/usr/bin/python3"


def run(args):
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PROJ_DATA="/usr/share/proj")
    t = time.perf_counter()
    subprocess.run([PY, *args], check=True, env=env)
    return time.perf_counter() - t


def main():
    sizes = os.environ.get("BENCH_SIZES", "small,county").split(",")
    for size in sizes:
        data = os.path.join(HERE, "data", size)
        t = time.perf_counter()
        generate(size, data)
        gen = time.perf_counter() - t
        spec = SIZES[size]
        print(f"== {size}: {spec['farmland']} farmland, {spec['basic']} basic farmland, "
              f"{spec['red']} red-line zones, {spec['patches']} patches (data ready in {gen:.1f} s)")
        ours_json = os.path.join(data, "ours.json")
        qgis_json = os.path.join(data, "qgis.json")
        run([os.path.join(HERE, "ours.py"), data, os.path.join(data, "out"), ours_json])
        run([os.path.join(HERE, "qgis_overlaps.py"), data, qgis_json])
        ours = json.load(open(ours_json))
        qgis = json.load(open(qgis_json))
        worst, compared = 0.0, 0
        for pid, ours_areas in ours["areas"].items():
            for a, b in zip(ours_areas, qgis["areas"][pid]):
                worst = max(worst, abs((a or 0.0) - (b or 0.0)))
                compared += 1
        ratio = ours["seconds"] / qgis["seconds"]
        print(f"   ours : {ours['seconds']:8.1f} s   peak {ours['peak_mb']:7.0f} MB in the main "
              f"process, {ours['worker_peak_mb']:.0f} MB in the largest of "
              f"{ours['workers']} worker processes")
        print(f"   QGIS : {qgis['seconds']:8.1f} s   peak {qgis['peak_mb']:7.0f} MB (one process, "
              f"single-threaded tool)")
        print(f"   ratio ours/QGIS = {ratio:.2f}   agreement: {compared} patch×baseline areas, "
              f"max |diff| = {worst:.6f} m² (ellipsoidal, EPSG:1024)")
        if worst > 0.01:
            print("   DISAGREEMENT above 0.01 m²", file=sys.stderr)
            sys.exit(1)


if __name__ == "__main__":
    main()
