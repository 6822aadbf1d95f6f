"""What the worker pool keeps of the tasks it has sent."""

import tracemalloc

import pytest

from plugin.core.overlay.pool import can_spawn, let_go_of_sent, pool_closed_after, worker_pool


def _size(payload):
    return len(payload)


def test_the_last_large_task_sent_is_let_go_of():
    """The queue's feeder thread holds the pickled bytes of the last task it sent until it
    pickles another: a small task after a large one gives that memory back."""
    if not can_spawn():
        pytest.skip("no worker process can be started here")
    with pool_closed_after(worker_pool(2)) as pool:
        payload = b"x" * (40 << 20)
        tracemalloc.start()
        try:
            assert pool.submit(_size, payload).result() == len(payload)
            held = tracemalloc.get_traced_memory()[0]
            let_go_of_sent(pool).result()
            after = tracemalloc.get_traced_memory()[0]
        finally:
            tracemalloc.stop()
    assert held - after > 30 << 20


def test_nothing_to_let_go_of_without_a_process_pool():
    assert let_go_of_sent(None) is None
    with pool_closed_after(worker_pool(2, threads=True)) as threads:
        assert let_go_of_sent(threads) is None
