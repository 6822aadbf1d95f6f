"""QGIS's own way, timed: native:fixgeometries on each baseline, then
native:calculatevectoroverlaps with an ellipsoid (EPSG:1024) so areas are ellipsoidal.
Prints JSON: wall and CPU seconds (timed inside, QGIS's start-up left out), peak RSS, and per-patch areas (for the agreement check)."""

import json
import os
import resource
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from qgis_headless import cpu_seconds, ellipsoidal_context, start  # noqa: E402 (sets the headless platform)
from qgis.core import QgsVectorLayer  # noqa: E402

app, processing = start()


def main(data_dir, out_json):
    t0, c0 = time.perf_counter(), cpu_seconds()
    ctx, fb = ellipsoidal_context()
    fixed = []
    for name, layer in (("farmland", "DLTB"), ("basic", "YJJBNTTB"), ("redline", "STBHHX")):
        res = processing.run("native:fixgeometries",
                             {"INPUT": f"{data_dir}/{name}.gpkg|layername={layer}",
                              "OUTPUT": "TEMPORARY_OUTPUT"}, context=ctx, feedback=fb)
        lyr = res["OUTPUT"]
        if isinstance(lyr, str):
            lyr = ctx.getMapLayer(lyr)
        lyr.setName(name)  # the overlap tool names its fields after the layers
        fixed.append(lyr)
    res = processing.run("native:calculatevectoroverlaps",
                         {"INPUT": f"{data_dir}/patches.gpkg|layername=JCTB", "LAYERS": fixed,
                          "OUTPUT": "TEMPORARY_OUTPUT"}, context=ctx, feedback=fb)
    seconds, cpu = time.perf_counter() - t0, cpu_seconds() - c0
    out = res["OUTPUT"]
    if isinstance(out, str):
        out = QgsVectorLayer(out)
    names = [f.name() for f in out.fields()]
    area_fields = [n for n in names if n.endswith("_area")]
    areas = {f["JCBH"]: [f[n] for n in area_fields] for f in out.getFeatures()}
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    with open(out_json, "w") as fh:
        json.dump({"seconds": seconds, "cpu": cpu, "peak_mb": peak, "fields": area_fields, "areas": areas}, fh)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
    app.exitQgis()
