"""The worker processes the overlay runs on: how many, a pool of fresh interpreters, and how
the pool ends — waited for after a run, killed at once when the run is cancelled or fails, and
never outliving the process that started it."""

import gc
import os
import signal
import sys
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from contextlib import contextmanager


#: A pool was ended at once in this process: its queue's thread may still hold a pipe the
#: workers' end of which is gone, so a command line should leave without the interpreter's
#: shutdown (which would join that thread and print its error).
killed = False


def default_workers():
    """Two worker processes when we run in a plain Python interpreter with two cores.

    Inside QGIS (or qgis_process) ``sys.executable`` is not Python, and forking a Qt process is
    unsafe, so the engine stays in-process there. LAND_SUPERVISION_WORKERS overrides.
    """
    env = os.environ.get("LAND_SUPERVISION_WORKERS", "").strip()
    if env.isdecimal():
        return max(1, int(env))
    if not can_spawn():
        return 1
    return 2 if (os.cpu_count() or 1) >= 2 else 1


def can_spawn():
    """Whether worker processes can be started: not inside QGIS, whose ``sys.executable`` is
    QGIS itself on Windows and macOS and whatever ``python3`` is first on PATH on Linux
    (another interpreter's workers fail to import QGIS's modules)."""
    if "qgis.core" in sys.modules:
        return False
    return os.path.basename(sys.executable or "").lower().startswith("python")


def workers_asked_for():
    """Whether LAND_SUPERVISION_WORKERS asks for worker processes whatever the job's size."""
    env = os.environ.get("LAND_SUPERVISION_WORKERS", "").strip()
    return env.isdecimal() and int(env) > 1


def worker_pool(workers, threads=False):
    """A process pool that starts fresh interpreters (spawn), or None for in-process work.

    The workers are started at once, so they import the geo stack while the caller reads.
    ``threads``: a pool of threads instead (shapely 2 only, whose GEOS calls release the GIL),
    where no process can be started; slower than processes where both can.
    """
    if workers <= 1 or not (threads or can_spawn()):  # a worker would start QGIS, not Python
        return None
    if threads:
        pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="overlay")
        pool.workers = workers
        return pool
    import multiprocessing
    # before the pool: its queues' semaphores start the tracker with this process's stderr
    _quiet_resource_tracker()
    pool = ProcessPoolExecutor(max_workers=workers, initializer=_worker_start,
                               mp_context=multiprocessing.get_context("spawn"))
    pool.workers = workers  # how finely the callers split their work
    # A Ctrl-C in the terminal reaches every process of the group: the workers are started
    # ignoring it (they inherit the setting), so only the parent sees it and ends them.
    with _sigint_ignored():
        for _ in range(workers):
            pool.submit(_ready)
    return pool


def _quiet_resource_tracker():
    """Start multiprocessing's resource tracker with its stderr on the null device: after a
    kill -9 of this process it would print an English warning about the pool's semaphores
    (which it then cleans up) on the user's console."""
    if os.name != "posix":
        return
    from multiprocessing import resource_tracker
    saved = os.dup(2)
    null = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(null, 2)
        resource_tracker.ensure_running()
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(null)


@contextmanager
def _sigint_ignored():
    try:
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    except ValueError:  # not the main thread: signals are not ours to set
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


@contextmanager
def pool_closed_after(pool):
    """The block's work on ``pool`` (or None), the pool then ended: waited for, or at once
    when the block fails or is cancelled."""
    try:
        yield pool
    except BaseException:
        close_pool(pool, failed=True)
        raise
    close_pool(pool)


def close_pool(pool, failed=False):
    """End a pool: wait for its workers after a run; after a failure or Ctrl-C, cancel what is
    queued and end the workers at once (a chunk in progress can take seconds)."""
    global killed
    if pool is None:
        return
    if isinstance(pool, ThreadPoolExecutor):  # a thread cannot be ended: the queued chunks can
        pool.shutdown(wait=not failed, cancel_futures=True)
        return
    if not failed:
        pool.shutdown(wait=True, cancel_futures=True)
        return
    killed = True
    processes = list((getattr(pool, "_processes", None) or {}).values())
    # A chunk half-written into the call queue's pipe would hold its feeder thread, and with it
    # the interpreter's exit, forever once the workers are gone: let it go unjoined.
    queue = getattr(pool, "_call_queue", None)
    if queue is not None:
        queue.cancel_join_thread()
    # queued chunks stay queued: ending the workers breaks the pool and fails them all, where a
    # cancelled chunk caught half-sent would be reported by the queue's thread as a traceback
    pool.shutdown(wait=False, cancel_futures=False)
    for process in processes:
        if process.is_alive():
            process.terminate()
    for process in processes:
        process.join(timeout=2)
        if process.is_alive():
            process.kill()


def _worker_start():
    """In each worker: Ctrl-C is the parent's to handle (it ends the workers), and on Linux the
    kernel ends a worker whose parent died (kill -9) instead of leaving it running. A worker
    lives for one job: its cycle collector stays off, as the job's main process pauses its own
    (see gc_paused)."""
    gc.disable()
    if sys.platform.startswith("linux"):
        import ctypes
        try:
            ctypes.CDLL(None).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
        except (OSError, AttributeError):
            return
        if os.getppid() == 1:  # the parent died before prctl took effect
            os._exit(1)


def let_go_of_sent(pool):
    """Make ``pool`` drop the last task it has sent. The feeder thread of its queue keeps the
    pickled bytes of the last task until it pickles another: after a large one (a 3x county's
    parcel hits, ~100 MB) they would stay taken through the result's writing. Returns the
    small task's future (None without a process pool)."""
    if isinstance(pool, ProcessPoolExecutor):
        return pool.submit(_no_work)
    return None


def _no_work():
    return None


def _ready():
    """Import the overlay's modules (the geo stack: GEOS, PROJ, GDAL), while the caller reads."""
    from . import chunked, clip  # noqa: F401
