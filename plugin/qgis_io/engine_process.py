"""The engine run in a Python process of its own, started from QGIS.

Inside QGIS the engine would share the desktop's interpreter (its Python loops run 1.3–1.5×
slower there), could not use worker processes (``sys.executable`` is QGIS, not Python), and a
GEOS crash would take QGIS down. A child Python of the same installation runs the command line
instead (``analyse --json``): progress comes back over a pipe, cancel ends the child, and the
result or error is rebuilt as the engine gives it in process. Where no such Python is found the
caller runs the engine in process, and says so.
"""

import json
import os
import queue
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
from functools import lru_cache

import yaml

from ..core.errors import Cancelled, InputError

PACKAGE = __name__.split(".")[0]  # "plugin" in the repository, the plugin folder's name installed
PACKAGE_PARENT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
STACK = "import osgeo.ogr, numpy, pyproj, shapely, yaml"


def python_candidates():
    """Interpreters that may be this installation's own Python, most likely first: the
    LAND_SUPERVISION_PYTHON setting, then beside the running interpreter (Debian's
    /usr/bin/python3, OSGeo4W's apps/Python3x/python.exe and bin/python3.exe, QGIS.app's
    Contents/MacOS/bin/python3)."""
    version = f"{sys.version_info[0]}.{sys.version_info[1]}"
    names = ([f"python{version}", "python3", "python"] if os.name != "nt"
             else ["python.exe", "python3.exe", f"python{version.replace('.', '')}.exe"])
    folders = []
    for prefix in dict.fromkeys((sys.exec_prefix, sys.base_exec_prefix, sys.prefix)):
        folders += [prefix, os.path.join(prefix, "bin"), os.path.join(prefix, "Scripts")]
    root = os.environ.get("OSGEO4W_ROOT")
    if root:
        folders.append(os.path.join(root, "bin"))
    if sys.executable:
        folders.append(os.path.dirname(sys.executable))
    out = []
    override = os.environ.get("LAND_SUPERVISION_PYTHON")
    if override:
        out.append(override)
    out += [os.path.join(f, n) for f in folders for n in names]
    found = shutil.which(f"python{version}")
    if found:
        out.append(found)
    return [p for p in dict.fromkeys(out) if os.path.isfile(p) and os.access(p, os.X_OK)]


@lru_cache(maxsize=1)
def find_python():
    """The first candidate that is the same Python version and imports the geo stack; None.

    A candidate found good is remembered (with its file's size and time) in the temporary
    folder, so each new QGIS process (qgis_process runs one per algorithm) need not start it
    once more just to check it."""
    remembered = _remembered()
    for candidate in python_candidates():
        if remembered is not None and remembered == _stamp(candidate):
            return candidate
        if _works(candidate):
            _remember(candidate)
            return candidate
    return None


def _works(candidate):
    want = f"{sys.version_info[0]}.{sys.version_info[1]}"
    try:
        out = subprocess.run([candidate, "-c", f"{STACK}; import sys; "
                              "print('%d.%d' % sys.version_info[:2])"],
                             capture_output=True, text=True, timeout=60, env=child_env(),
                             **_no_window())
    except (OSError, subprocess.SubprocessError):
        return False
    return out.returncode == 0 and out.stdout.strip() == want


def _stamp(path):
    """What identifies one interpreter file as checked: its path, size, time and our Python."""
    try:
        status = os.stat(path)
    except OSError:
        return None
    return [path, status.st_size, int(status.st_mtime), list(sys.version_info[:2]), PACKAGE_PARENT]


def _cache_file():
    user = os.getuid() if hasattr(os, "getuid") else os.environ.get("USERNAME", "")
    return os.path.join(tempfile.gettempdir(), f"land_supervision_python_{user}.json")


def _remembered():
    try:
        with open(_cache_file(), encoding="utf-8") as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def _remember(candidate):
    try:
        with open(_cache_file(), "w", encoding="utf-8") as f:
            json.dump(_stamp(candidate), f)
    except OSError:
        pass


def child_env():
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (PACKAGE_PARENT, env.get("PYTHONPATH")) if p)
    env.setdefault("PYTHONIOENCODING", "utf-8")
    return env


def _no_window():
    if os.name == "nt":
        return {"creationflags": subprocess.CREATE_NO_WINDOW | subprocess.CREATE_NEW_PROCESS_GROUP}
    return {"start_new_session": True}


def run_analysis_process(job, out_dir, python, progress=None, cancelled=None, poll=0.2):
    """``run_analysis(job, out_dir)`` in a child ``python``; returns its AnalysisResult.

    Raises InputError as the engine does (and for a child that died, naming how), and
    Cancelled when ``cancelled()`` turned true (the child is ended at once)."""
    from ..core.job import job_to_dict
    from ..core.process_protocol import read_line

    os.makedirs(out_dir, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="land_supervision_job_") as folder:
        job_file = os.path.join(folder, "job.yaml")
        with open(job_file, "w", encoding="utf-8") as f:
            yaml.safe_dump(job_to_dict(job), f, allow_unicode=True)
        child = subprocess.Popen([python, "-m", f"{PACKAGE}.cli", "analyse", job_file, "--out",
                                  out_dir, "--json"], stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, env=child_env(), cwd=folder,
                                 **_no_window())
        # the child's lines are read on a thread of their own and handled here, on the caller's
        # thread, where QGIS expects progress (a feedback's signals are queued otherwise)
        lines, errors, outcome = queue.Queue(), [], {}
        threads = [threading.Thread(target=_read, args=(child, lines), daemon=True),
                   threading.Thread(target=lambda: errors.extend(child.stderr), daemon=True)]
        for thread in threads:
            thread.start()
        try:
            while True:
                if cancelled is not None and cancelled():
                    _stop(child)
                    raise Cancelled()
                try:
                    line = lines.get(timeout=poll)
                except queue.Empty:
                    continue
                if line is None:  # the child closed its output: it is done
                    break
                kind, value = read_line(line, progress)
                if kind in ("result", "error"):
                    outcome[kind] = value
            child.wait()
        finally:
            if child.poll() is None:
                _stop(child)
            for thread in threads:
                thread.join(timeout=5)
            child.stdout.close()
            child.stderr.close()
    if "result" in outcome:
        result = outcome["result"]
        result.notes = list(job.notes) + result.notes
        return result
    if "error" in outcome:
        raise outcome["error"]
    if child.returncode == 3:
        raise Cancelled()
    text = b"".join(errors).decode("utf-8", "replace").strip().splitlines()
    how = (f"被信号 {-child.returncode} 终止" if child.returncode < 0
           else f"退出码 {child.returncode}")
    raise InputError(f"分析进程意外结束 ({how})，未写出结果：{text[-1] if text else '无输出'}",
                     layer=job.path or "任务")


def _read(child, lines):
    for raw in child.stdout:
        lines.put(raw.decode("utf-8", "replace"))
    lines.put(None)


def _stop(child):
    """Ask the child to stop as Ctrl-C would (it cleans up and ends its workers), then make
    sure it did."""
    try:
        if os.name == "nt":
            child.send_signal(signal.CTRL_BREAK_EVENT)
        else:
            os.killpg(child.pid, signal.SIGINT)
        child.wait(timeout=5)
    except (OSError, subprocess.TimeoutExpired):
        child.kill()
        child.wait()
