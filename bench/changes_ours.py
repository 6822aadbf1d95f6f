"""Our derive-changes, timed end to end (two layers in; changes.gpkg, balance.xlsx/png out) in
its own process. Prints JSON: seconds, peak RSS, step timings, pieces (kept + dropped), area."""

import json
import os
import resource
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from plugin.core.changes.derive import derive_changes  # noqa: E402
from plugin.core.changes.read import layer_spec  # noqa: E402


def main(data_dir, out_dir, out_json):
    t0 = time.perf_counter()
    result = derive_changes(layer_spec(f"{data_dir}/before.gpkg:DLTB", "前一年度"),
                            layer_spec(f"{data_dir}/after.gpkg:DLTB", "本年度"), out_dir)
    seconds = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    with open(out_json, "w") as fh:
        json.dump({"seconds": seconds, "peak_mb": peak, "timings": result.timings,
                   "kept": result.change_count, "dropped": result.dropped_count,
                   "pieces": result.change_count + result.dropped_count,
                   "area_m2": result.change_m2 + result.dropped_m2,
                   "unchanged": result.unchanged, "parcels": result.parcels}, fh)


if __name__ == "__main__":
    main(*sys.argv[1:4])
