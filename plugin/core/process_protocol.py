"""What an analysis run in a child process tells its parent (QGIS), one JSON object per line on
standard output: progress, then the result or the error. The parent rebuilds the same
AnalysisResult or InputError the engine would have given it in process."""

import json
import sys

from .errors import InputError, Note


def _send(obj):
    sys.stdout.write(json.dumps(obj, ensure_ascii=False) + "\n")
    sys.stdout.flush()


def json_progress(fraction, message):
    _send({"progress": round(float(fraction), 4), "message": message})


def write_result(result):
    _send({"result": {
        "result_path": result.result_path, "patch_count": result.patch_count,
        "working_crs": result.working_crs, "totals": result.totals, "seconds": result.seconds,
        "verdicts": result.verdicts, "baseline_labels": result.baseline_labels,
        "layer_names": result.layer_names,
        "notes": [[n.layer, n.feature, n.message, n.kind] for n in result.notes]}})


def write_error(error):
    _send({"error": {"message": error.message, "layer": error.layer,
                     "feature": None if error.feature is None else str(error.feature),
                     "field": error.field}})


def read_line(line, progress=None):
    """One line from the child: ('progress', None) after reporting it, ('result',
    AnalysisResult), ('error', InputError), or (None, None) for a line that is no message."""
    try:
        data = json.loads(line)
    except ValueError:
        return None, None
    if not isinstance(data, dict):
        return None, None
    if "progress" in data:
        if progress is not None:
            progress(data["progress"], data.get("message") or "")
        return "progress", None
    if "result" in data:
        from .analysis import AnalysisResult
        r = data["result"]
        return "result", AnalysisResult(
            result_path=r["result_path"], patch_count=r["patch_count"],
            working_crs=r["working_crs"], totals={k: tuple(v) for k, v in r["totals"].items()},
            seconds=r["seconds"], verdicts=r["verdicts"], baseline_labels=r["baseline_labels"],
            layer_names=r.get("layer_names", {}),
            notes=[Note(*n) for n in r["notes"]])
    if "error" in data:
        e = data["error"]
        return "error", InputError(e["message"], layer=e["layer"], feature=e["feature"],
                                   field=e["field"])
    return None, None
