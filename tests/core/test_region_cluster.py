"""``analyse-region --scheduler`` on a real cluster: a ``dask-scheduler`` and two ``dask-worker``
processes on 127.0.0.1, as a bureau runs them on its machines; one worker is killed (its
nanny too) while it runs a county, and the region still comes out complete and correct."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from osgeo import ogr

from region_counties import COUNTIES, build_region
from plugin.core.analysis import run_analysis
from plugin.core.job import load_job

REPO_ROOT = Path(__file__).resolve().parents[2]
STARTUP_SECONDS = 60
RUN_SECONDS = 300


def _rows(path, key_field=None):
    ds = ogr.Open(str(path))
    out = {}
    for f in ds.GetLayerByName("patches"):
        items = f.items()
        out[(items[key_field] if key_field else None, items["patch_id"])] = items
    return out


def _start(args, folder, name):
    log = open(folder / f"{name}.log", "w")
    env = dict(os.environ, PYTHONPATH=str(REPO_ROOT))
    # a session of its own: the whole dask-worker (nanny and worker) can be killed at once
    return subprocess.Popen(args, cwd=folder, env=env, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)


def _stop(process):
    if process.poll() is None:
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    process.wait(timeout=30)


def _wait_for(condition, seconds, what):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
def cluster(tmp_path):
    """(scheduler address, {worker name: process}) of a scheduler and two single-thread workers."""
    scheduler_file = tmp_path / "scheduler.json"
    processes = [_start(["dask-scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
                         "--scheduler-file", str(scheduler_file)], tmp_path, "scheduler")]
    try:
        _wait_for(scheduler_file.exists, STARTUP_SECONDS, "the scheduler")
        address = _wait_for(lambda: json.loads(scheduler_file.read_text() or "{}").get("address"),
                            STARTUP_SECONDS, "the scheduler's address")
        workers = {}
        for name in ("w1", "w2"):
            workers[name] = _start(["dask-worker", address, "--name", name, "--nthreads", "1",
                                    "--nworkers", "1", "--host", "127.0.0.1", "--no-dashboard"],
                                   tmp_path, name)
            processes.append(workers[name])
        yield address, workers
    finally:
        for process in processes:
            _stop(process)


def test_a_worker_killed_mid_run_leaves_a_complete_correct_result(tmp_path, cluster):
    from distributed import Client

    address, workers = cluster
    build_region(tmp_path / "data")
    out = tmp_path / "out"
    with Client(address, timeout="30s") as client:
        client.wait_for_workers(2, timeout=STARTUP_SECONDS)
        names = {info["name"]: addr for addr, info in client.scheduler_info()["workers"].items()}
        survivor = client.run(os.getpid, workers=[names["w2"]])[names["w2"]]
        run = subprocess.Popen([sys.executable, "-m", "plugin.cli", "analyse-region",
                                str(tmp_path / "data" / "partitioned.yaml"), "--out", str(out),
                                "--scheduler", address], cwd=REPO_ROOT,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

        def county_running_on_w1():
            for key in client.processing(workers=[names["w1"]]).get(names["w1"], []):
                code = str(key).rsplit("-", 1)[-1]
                # its folder is made when the county starts, its result when it ends
                if (out / code).is_dir() and not (out / code / "result.gpkg").exists():
                    return code
            return None

        killed = _wait_for(lambda: county_running_on_w1() or run.poll() is not None,
                           RUN_SECONDS, "a county running on w1")
        assert killed is not True, "the run ended before w1 ran a county: nothing was killed"
        os.killpg(workers["w1"].pid, signal.SIGKILL)
        _stdout, stderr = run.communicate(timeout=RUN_SECONDS)

    assert run.returncode == 0, stderr
    assert "Traceback" not in stderr
    region = _rows(out / "region.gpkg", "county_code")
    for code in COUNTIES:
        alone = run_analysis(load_job(str(tmp_path / "data" / code / "job.yaml")),
                             str(tmp_path / "single" / code), job_workers=1)
        expected = _rows(alone.result_path)
        got = {(None, pid): row for (c, pid), row in region.items() if c == code}
        assert sorted(got) == sorted(expected), code
        for key, row in expected.items():
            assert got[key]["verdict"] == row["verdict"]
            assert got[key]["area_m2"] == pytest.approx(row["area_m2"], abs=1e-6)
            assert got[key]["farmland_m2"] == pytest.approx(row["farmland_m2"], abs=1e-6)
    ds = ogr.Open(str(out / "region.gpkg"))
    statuses = {f["county_code"]: (f["status"], f["worker"]) for f in ds.GetLayerByName("counties")}
    assert all(status == "完成" for status, _worker in statuses.values())
    # the county w1 died on was done again, on the other worker
    assert statuses[killed][1].endswith(f":{survivor}")
