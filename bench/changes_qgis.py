"""QGIS's own way to derive change patches, timed: native:intersection of the two years (each
before parcel × each after parcel), native:extractbyexpression where the classes differ, and
native:fieldcalculator for the ellipsoidal area (EPSG:1024, as the survey's). ``--union`` runs
native:union instead of the intersection. Prints JSON: seconds, peak RSS, pieces, total area."""

import json
import os
import resource
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from qgis_headless import ellipsoidal_context, start  # noqa: E402 (sets the headless platform)
from qgis.core import QgsVectorLayer  # noqa: E402

app, processing = start()


def main(data_dir, out_json, mode="intersection"):
    t0 = time.perf_counter()
    ctx, fb = ellipsoidal_context()
    before = f"{data_dir}/before.gpkg|layername=DLTB"
    after = f"{data_dir}/after.gpkg|layername=DLTB"
    if mode == "union":
        res = processing.run("native:union", {"INPUT": before, "OVERLAY": after,
                                              "OVERLAY_FIELDS_PREFIX": "after_",
                                              "OUTPUT": "TEMPORARY_OUTPUT"}, context=ctx, feedback=fb)
        # The copied GeoPackage fid columns would clash with the output's own FID.
        res = processing.run("native:deletecolumn", {"INPUT": res["OUTPUT"],
                                                     "COLUMN": ["fid", "after_fid"],
                                                     "OUTPUT": "TEMPORARY_OUTPUT"},
                             context=ctx, feedback=fb)
        where = '"DLBM" IS NOT NULL AND "after_DLBM" IS NOT NULL AND "DLBM" <> "after_DLBM"'
    else:
        res = processing.run("native:intersection",
                             {"INPUT": before, "OVERLAY": after, "INPUT_FIELDS": ["DLBM", "ZLDWDM"],
                              "OVERLAY_FIELDS": ["DLBM"], "OVERLAY_FIELDS_PREFIX": "after_",
                              "OUTPUT": "TEMPORARY_OUTPUT"}, context=ctx, feedback=fb)
        where = '"DLBM" <> "after_DLBM"'
    overlay_s = time.perf_counter() - t0
    res = processing.run("native:extractbyexpression",
                         {"INPUT": res["OUTPUT"], "EXPRESSION": where,
                          "OUTPUT": "TEMPORARY_OUTPUT"}, context=ctx, feedback=fb)
    out_path = os.path.join(data_dir, f"qgis_{mode}.gpkg")
    if os.path.exists(out_path):
        os.remove(out_path)
    res = processing.run("native:fieldcalculator",
                         {"INPUT": res["OUTPUT"], "FIELD_NAME": "area_m2", "FIELD_TYPE": 0,
                          "FIELD_LENGTH": 20, "FIELD_PRECISION": 4, "FORMULA": "$area",
                          "OUTPUT": out_path}, context=ctx, feedback=fb)
    seconds = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    out = QgsVectorLayer(res["OUTPUT"])
    areas = [f["area_m2"] for f in out.getFeatures()]
    with open(out_json, "w") as fh:
        json.dump({"seconds": seconds, "overlay_seconds": overlay_s, "peak_mb": peak,
                   "pieces": len(areas), "area_m2": sum(a for a in areas if a)}, fh)


if __name__ == "__main__":
    main(*sys.argv[1:4])
    app.exitQgis()
