"""Ctrl-C and kill -9 on a run with worker processes: Ctrl-C ends the run within two seconds
with exit code 3, the workers with it, nothing written; after kill -9 no worker outlives its
parent for more than a few seconds; the next run removes what the killed one left."""

import os
import signal
import subprocess
import sys
import threading
import time

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(REPO, "bench"))

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"),
                                reason="signals and /proc as on Linux")


@pytest.fixture(scope="module")
def county(tmp_path_factory):
    from generate_county import generate
    folder = tmp_path_factory.mktemp("county")
    generate("small", str(folder), seed=3)  # 3,000 patches: the run uses the worker pool
    return folder


def _as_from_a_terminal():
    """Ctrl-C as a terminal's foreground command has it, whatever this test run inherited (a
    shell's background job starts with SIGINT ignored, and so would the command)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def start(county, out):
    proc = subprocess.Popen(
        [sys.executable, "-m", "plugin.cli", "analyse", str(county / "job.yaml"), "--out", str(out)],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True,
        preexec_fn=_as_from_a_terminal,
        env=dict(os.environ, LAND_SUPERVISION_WORKERS="2", PYTHONUNBUFFERED="1",
                 PROJ_DATA="/usr/share/proj"))
    lines, overlaying = [], threading.Event()

    def read():
        for raw in proc.stderr:
            lines.append(raw.decode("utf-8", "replace"))
            if "叠加" in lines[-1]:
                overlaying.set()
    threading.Thread(target=read, daemon=True).start()
    assert overlaying.wait(120), "".join(lines)
    return proc, lines


def children(pid):
    out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout
    return [int(p) for p in out.split()]


def running(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split()[2] != "Z"
    except OSError:
        return False


@pytest.mark.parametrize("whole_group", [False, True], ids=["parent", "terminal"])
def test_ctrl_c_exits_3_within_two_seconds_with_the_workers_ended(county, tmp_path, whole_group):
    proc, lines = start(county, tmp_path / "out")
    workers = children(proc.pid)
    assert len(workers) >= 2  # worker processes, on shapely 1.8 and 2 alike
    sent = time.monotonic()
    if whole_group:
        os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C in a terminal does
    else:
        os.kill(proc.pid, signal.SIGINT)
    code = proc.wait(timeout=10)
    assert time.monotonic() - sent < 2.0
    assert code == 3
    time.sleep(0.5)
    text = "".join(lines)
    assert "已取消" in text and "Traceback" not in text
    assert not [w for w in workers if running(w)]
    assert not (tmp_path / "out" / "result.gpkg").exists()


def test_after_kill_9_no_worker_outlives_its_parent(county, tmp_path):
    proc, _ = start(county, tmp_path / "out")
    workers = children(proc.pid)
    assert len(workers) >= 2  # worker processes, on shapely 1.8 and 2 alike
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and any(running(w) for w in workers):
        time.sleep(0.1)
    assert not [w for w in workers if running(w)]
