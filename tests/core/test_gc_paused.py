"""The cycle collector is paused for a job and given back as it was found."""

import gc
import threading

import pytest

from layer_factory import square, write_layer
from plugin.core.analysis import run_analysis
from plugin.core.errors import InputError
from plugin.core.gc_paused import gc_paused
from plugin.core.job import job_from_dict


@pytest.fixture
def collector_on():
    was = gc.isenabled()
    gc.enable()
    yield
    if not was:
        gc.disable()


def test_collector_is_off_inside_and_back_on_after(collector_on):
    with gc_paused():
        assert not gc.isenabled()
    assert gc.isenabled()


def test_collector_left_off_when_it_was_off_before(collector_on):
    gc.disable()
    with gc_paused():
        pass
    assert not gc.isenabled()


def test_collector_back_on_after_a_failure(collector_on):
    with pytest.raises(ZeroDivisionError):
        with gc_paused():
            1 / 0
    assert gc.isenabled()


def test_nested_pauses_restore_once_at_the_outermost_end(collector_on):
    with gc_paused():
        with gc_paused():
            pass
        assert not gc.isenabled()
    assert gc.isenabled()


def test_jobs_on_two_threads_restore_when_the_last_ends(collector_on):
    first_in, second_done = threading.Event(), threading.Event()
    seen = []

    def first():
        with gc_paused():
            first_in.set()
            second_done.wait(5)
            seen.append(gc.isenabled())

    thread = threading.Thread(target=first)
    thread.start()
    first_in.wait(5)
    with gc_paused():  # starts after the first, ends before it
        pass
    second_done.set()
    thread.join(5)
    assert seen == [False] and gc.isenabled()


def test_a_job_leaves_the_collector_on_whether_it_ends_or_is_refused(tmp_path, collector_on):
    write_layer(str(tmp_path / "p.gpkg"), [square(0, 0, 10)], [{"JCBH": "A"}], layer="JCTB")
    write_layer(str(tmp_path / "f.gpkg"), [square(0, 0, 20)], [{"DLBM": "0101"}], layer="DLTB")
    good = {"path": "p.gpkg", "layer": "JCTB", "id_field": "JCBH"}
    job = job_from_dict({"patches": good, "baselines": {"farmland": {"path": "f.gpkg"}}},
                        base_dir=str(tmp_path))
    result = run_analysis(job, str(tmp_path / "out"))
    assert result.patch_count == 1 and gc.isenabled()
    bad = job_from_dict({"patches": dict(good, id_field="MISSING")}, base_dir=str(tmp_path))
    with pytest.raises(InputError):
        run_analysis(bad, str(tmp_path / "out2"))
    assert gc.isenabled()


def test_worker_processes_run_without_the_collector():
    from plugin.core.overlay.pool import can_spawn, pool_closed_after, worker_pool
    if not can_spawn():
        pytest.skip("no worker process can be started here")
    with pool_closed_after(worker_pool(2)) as pool:
        assert pool.submit(gc.isenabled).result() is False
