"""The engine in a Python process of its own, as QGIS runs it: the same result as in process,
progress and errors back over the pipe, cancel ends the child, a crashing child never takes
its parent with it."""

import os
import stat
import sys
import time

import pytest
from osgeo import ogr

from hostile_inputs import base_county
from plugin.core.analysis import run_analysis
from plugin.core.errors import Cancelled, InputError
from plugin.core.job import job_from_dict, job_to_dict
from plugin.qgis_io import engine_process


def _rows(path):
    ds = ogr.Open(path)
    return {f["patch_id"]: {k: v for k, v in f.items().items()} for f in ds.GetLayerByName("patches")}


@pytest.fixture
def job(tmp_path):
    return job_from_dict(base_county(str(tmp_path)), base_dir=str(tmp_path))


def test_the_job_survives_its_trip_to_another_process(job):
    again = job_from_dict(job_to_dict(job), base_dir="/")
    assert job_to_dict(again) == job_to_dict(job)
    assert again.admin.extra == job.admin.extra and again.baselines["farmland"].where == {"DLBM": ["01*"]}


def test_a_child_process_gives_the_result_the_engine_gives_in_process(job, tmp_path):
    python = engine_process.find_python()
    assert python is not None
    seen = []
    child = engine_process.run_analysis_process(job, str(tmp_path / "child"), python,
                                                progress=lambda f, m: seen.append((f, m)))
    here = run_analysis(job, str(tmp_path / "here"), job_workers=1)
    assert child.verdicts == here.verdicts and child.patch_count == here.patch_count
    assert [(n.layer, n.feature, n.message) for n in child.notes] == \
        [(n.layer, n.feature, n.message) for n in here.notes]
    a, b = _rows(child.result_path), _rows(here.result_path)
    assert a == b
    assert seen[-1][0] == 1.0 and any("叠加" in m for _, m in seen)


def test_bad_input_comes_back_as_the_engines_own_error(job, tmp_path):
    job.patches.id_field = "NOPE"
    with pytest.raises(InputError) as error:
        engine_process.run_analysis_process(job, str(tmp_path / "out"), engine_process.find_python())
    assert error.value.field == "NOPE" and "缺少字段" in error.value.message


def test_cancel_ends_the_child_quickly(tmp_path):
    sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "bench"))
    from generate_county import generate
    generate("small", str(tmp_path / "c"), seed=4)
    from plugin.core.job import load_job
    job = load_job(str(tmp_path / "c" / "job.yaml"))
    state = {"started": None}

    def progress(fraction, message):
        if "叠加" in message and state["started"] is None:
            state["started"] = time.monotonic()

    def cancelled():
        return state["started"] is not None

    t0 = time.monotonic()
    with pytest.raises(Cancelled):
        engine_process.run_analysis_process(job, str(tmp_path / "out"),
                                            engine_process.find_python(), progress, cancelled)
    assert time.monotonic() - state["started"] < 5.0
    assert time.monotonic() - t0 < 120
    assert not (tmp_path / "out" / "result.gpkg").exists()


@pytest.mark.skipif(os.name == "nt", reason="a shell script as the interpreter")
def test_a_child_that_crashes_is_reported_and_the_parent_lives(job, tmp_path):
    fake = tmp_path / "python"
    fake.write_text("#!/bin/sh\nkill -SEGV $$\n")
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    with pytest.raises(InputError) as error:
        engine_process.run_analysis_process(job, str(tmp_path / "out"), str(fake))
    assert "分析进程意外结束" in error.value.message and "信号 11" in error.value.message


def test_an_interpreter_of_another_version_is_not_taken(tmp_path, monkeypatch):
    fake = tmp_path / "python"
    fake.write_text("#!/bin/sh\necho 2.7\n")
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setattr(engine_process, "python_candidates", lambda: [str(fake)])
    engine_process.find_python.cache_clear()
    try:
        assert engine_process.find_python() is None
    finally:
        engine_process.find_python.cache_clear()
