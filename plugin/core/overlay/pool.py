"""The worker processes the overlay runs on: how many, and a pool of fresh interpreters."""

import os
import sys
from concurrent.futures import ProcessPoolExecutor


def default_workers():
    """Two worker processes when we run in a plain Python interpreter with two cores.

    Inside QGIS (or qgis_process) ``sys.executable`` is not Python, and forking a Qt process is
    unsafe, so the engine stays in-process there. LAND_SUPERVISION_WORKERS overrides.
    """
    env = os.environ.get("LAND_SUPERVISION_WORKERS")
    if env:
        return max(1, int(env))
    if not os.path.basename(sys.executable or "").startswith("python"):
        return 1
    return 2 if (os.cpu_count() or 1) >= 2 else 1


def worker_pool(workers):
    """A process pool that starts fresh interpreters (spawn), or None for in-process work.

    The workers are started at once, so they import the geo stack while the caller reads.
    """
    if workers <= 1:
        return None
    import multiprocessing
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"))
    for _ in range(workers):
        pool.submit(_ready)
    return pool


def _ready():
    """Nothing: importing this module in a worker is the work."""
