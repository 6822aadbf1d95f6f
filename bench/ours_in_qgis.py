"""Our analysis as the analyst runs it inside QGIS: a started QGIS application with our
Processing provider, ``processing.run("landsupervision:analyse")`` on the job (what the dock's
task and the Processing dialog run: the engine in a child Python). Timed inside the process,
so QGIS's own start-up, which the analyst pays once a day, is left out. Prints JSON: wall and
CPU seconds (this process and the children it waited for) and peak RSS of each."""

import json
import os
import resource
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))
from qgis_headless import cpu_seconds, ellipsoidal_context, start  # noqa: E402
from qgis.core import QgsApplication  # noqa: E402

app, processing = start()
from plugin.processing.provider import LandSupervisionProvider  # noqa: E402

provider = LandSupervisionProvider()
QgsApplication.processingRegistry().addProvider(provider)


def main(data_dir, out_dir, out_json):
    ctx, fb = ellipsoidal_context()
    t0, c0 = time.perf_counter(), cpu_seconds()
    processing.run("landsupervision:analyse", {"JOB": os.path.join(data_dir, "job.yaml"),
                                               "OUTPUT_FOLDER": out_dir},
                   context=ctx, feedback=fb)
    with open(out_json, "w") as fh:
        json.dump({"seconds": time.perf_counter() - t0, "cpu": cpu_seconds() - c0,
                   "peak_mb": max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
                                  resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) / 1024},
                  fh)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3])
    QgsApplication.processingRegistry().removeProvider(provider)
    app.exitQgis()
