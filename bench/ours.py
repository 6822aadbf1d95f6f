"""Our engine, timed end to end (job file in, result.gpkg out), in its own process."""

import json
import os
import resource
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from plugin.core.analysis import run_analysis  # noqa: E402
from plugin.core.job import load_job  # noqa: E402
from plugin.core.overlay.pool import default_workers  # noqa: E402
from osgeo import ogr  # noqa: E402


def main(data_dir, out_dir, out_json):
    t0 = time.perf_counter()
    result = run_analysis(load_job(os.path.join(data_dir, "job.yaml")), out_dir)
    seconds = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    worker_peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    ds = ogr.Open(result.result_path)
    keys = ["farmland_m2", "basic_farmland_m2", "red_line_m2"]
    areas = {f["patch_id"]: [f[k] for k in keys] for f in ds.GetLayerByName("patches")}
    with open(out_json, "w") as fh:
        json.dump({"seconds": seconds, "peak_mb": peak, "worker_peak_mb": worker_peak,
                   "workers": default_workers(), "areas": areas}, fh)


if __name__ == "__main__":
    main(*sys.argv[1:4])
