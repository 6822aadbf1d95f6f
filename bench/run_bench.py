"""`make bench`: our analyse against QGIS's own overlap tool on the same files, end to end.

Shapes: the county (300k farmland, 180k basic farmland, 60 red-line zones, 30k patches), a
quarterly batch (the county's baselines, 1,500 patches) and a small county (90k parcels, 3k
patches). Paths: the command line (our `python -m plugin.cli analyse` against QGIS's
fixgeometries + calculatevectoroverlaps in a headless QGIS script), and the desktop path
(`qgis_process` running our algorithm — what the dock and Processing run — against QGIS's
calculatevectoroverlaps in `qgis_process`). Every run is its own process, timed from outside:
wall seconds, CPU seconds (user + system, the process and the workers it waited for) and peak
memory (the largest process). Areas must agree within 0.01 m² (ellipsoidal, EPSG:1024).

A third path, ``inqgis``, times both sides inside a started QGIS (our algorithm through
``processing.run``, the engine in its child Python as the dock runs it, against QGIS's
fixgeometries + overlaps), leaving out QGIS's start-up, which an analyst pays once a day and
``qgis_process`` pays on every run.

BENCH_SIZES=county,quarterly,small and BENCH_PATHS=cli,desktop,inqgis choose; ROUNDS=n repeats;
BENCH_PYTHON=/path/to/python runs our command line on another Python (e.g. a venv with
shapely 2).
"""

import json
import os
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, HERE)
sys.path.insert(0, REPO)
from generate_county import SIZES, generate, generate_batch  # noqa: E402

PY = "/usr/bin/python3"
#: The Python our command line runs on: a throw-away venv with shapely 2 measures the path
#: QGIS 3.34+ on Windows takes (QGIS's side always runs on Debian's QGIS).
OURS_PY = os.environ.get("BENCH_PYTHON", PY)
ENV = dict(os.environ, QT_QPA_PLATFORM="offscreen", PROJ_DATA="/usr/share/proj")
LAYERS = (("farmland", "DLTB"), ("basic", "YJJBNTTB"), ("redline", "STBHHX"))


def measure(command, env=ENV):
    """(wall s, CPU s, peak MB) of one process run to its end, its waited-for children
    included."""
    t = time.perf_counter()
    child = subprocess.Popen(command, env=env, cwd=REPO, stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE)
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - t
    err = child.stderr.read().decode("utf-8", "replace")
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"failed: {' '.join(command)}\n{err[-3000:]}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def shapes(names):
    out = {}
    for name in names:
        if name == "quarterly":
            county = generate("county", os.path.join(HERE, "data", "county"))
            out[name] = generate_batch(county, os.path.join(HERE, "data", "quarterly"))
        else:
            out[name] = generate(name, os.path.join(HERE, "data", name))
    return out


def cli(data):
    ours = measure([OURS_PY, "-m", "plugin.cli", "analyse", f"{data}/job.yaml", "--out",
                    f"{data}/out", "-q"])
    qgis = measure([PY, os.path.join(HERE, "qgis_overlaps.py"), data, f"{data}/qgis.json"])
    return ours, qgis, _ours_areas(f"{data}/out/result.gpkg"), \
        json.load(open(f"{data}/qgis.json"))["areas"]


def desktop(data):
    from tools.run_qgis_process import make_profile, qgis_process_binary, qgis_process_env
    binary = qgis_process_binary()
    with tempfile.TemporaryDirectory(prefix="bench_profile_") as temp:
        env = dict(qgis_process_env(make_profile(temp)), **{"PROJ_DATA": "/usr/share/proj"})
        ours = measure([binary, "run", "landsupervision:analyse", "--",
                        f"JOB={data}/job.yaml", f"OUTPUT_FOLDER={data}/out_desktop"], env)
        out = f"{data}/qgis_desktop.gpkg"
        if os.path.exists(out):
            os.unlink(out)
        qgis = measure([binary, "run", "native:calculatevectoroverlaps", "--ELLIPSOID=EPSG:1024",
                        "--", f"INPUT={data}/patches.gpkg|layername=JCTB",
                        *(f"LAYERS={data}/{name}.gpkg|layername={layer}" for name, layer in LAYERS),
                        f"OUTPUT={out}"], env)
    return ours, qgis, _ours_areas(f"{data}/out_desktop/result.gpkg"), _qgis_areas(out)


def in_qgis(data):
    """Inside a started QGIS (its start-up left out): our Processing algorithm, the engine in
    its child Python as the dock runs it, against QGIS's fixgeometries + overlaps."""
    _, _, ours_peak = measure([PY, os.path.join(HERE, "ours_in_qgis.py"), data,
                               f"{data}/out_in_qgis", f"{data}/ours_in_qgis.json"])
    _, _, qgis_peak = measure([PY, os.path.join(HERE, "qgis_overlaps.py"), data,
                               f"{data}/qgis.json"])
    ours, qgis = json.load(open(f"{data}/ours_in_qgis.json")), json.load(open(f"{data}/qgis.json"))
    return ((ours["seconds"], ours["cpu"], ours_peak), (qgis["seconds"], qgis["cpu"], qgis_peak),
            _ours_areas(f"{data}/out_in_qgis/result.gpkg"), qgis["areas"])


PATHS = {"cli": cli, "desktop": desktop, "inqgis": in_qgis}


def _ours_areas(path):
    from osgeo import ogr
    ds = ogr.Open(path)
    keys = ["farmland_m2", "basic_farmland_m2", "red_line_m2"]
    return {f["patch_id"]: [f[k] for k in keys] for f in ds.GetLayerByName("patches")}


def _qgis_areas(path):
    from osgeo import ogr
    ds = ogr.Open(path)
    lyr = ds.GetLayer(0)
    defn = lyr.GetLayerDefn()
    names = [defn.GetFieldDefn(i).GetName() for i in range(defn.GetFieldCount())]
    fields = [n for n in names if n.endswith("_area")]
    return {f["JCBH"]: [f[n] for n in fields] for f in lyr}


def agreement(ours, qgis):
    worst, compared = 0.0, 0
    for pid, values in ours.items():
        for a, b in zip(values, qgis[pid]):
            worst = max(worst, abs((a or 0.0) - (b or 0.0)))
            compared += 1
    return worst, compared


def main():
    names = os.environ.get("BENCH_SIZES", "county,quarterly,small").split(",")
    paths = os.environ.get("BENCH_PATHS", "cli,desktop,inqgis").split(",")
    rounds = int(os.environ.get("ROUNDS", "1"))
    failed = False
    for name, data in shapes(names).items():
        spec = SIZES.get(name, dict(SIZES["county"], patches=1_500))
        print(f"== {name}: {spec['farmland']} farmland, {spec['basic']} basic farmland, "
              f"{spec['red']} red-line zones, {spec['patches']} patches")
        for path in paths:
            runs = [PATHS[path](data) for _ in range(rounds)]
            worst, compared = agreement(runs[-1][2], runs[-1][3])
            for k, (ours, qgis, _, _) in enumerate(runs):
                print(f"   {path:7s} round {k + 1}: ours {ours[0]:6.1f} s wall {ours[1]:6.1f} s CPU "
                      f"{ours[2]:6.0f} MB | QGIS {qgis[0]:6.1f} s wall {qgis[1]:6.1f} s CPU "
                      f"{qgis[2]:6.0f} MB | ratio wall {ours[0] / qgis[0]:.2f} "
                      f"CPU {ours[1] / qgis[1]:.2f}")
            print(f"   {path:7s} agreement: {compared} patch×baseline areas, max |diff| = "
                  f"{worst:.6f} m²")
            failed |= worst > 0.01
    if failed:
        print("DISAGREEMENT above 0.01 m²", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
