"""The dask cluster the counties run on: a LocalCluster sized to this machine, or the scheduler
of an existing cluster (workers started with ``dask-worker`` on machines that see the same
storage). Counties go out largest first; each one's progress and outcome come back as they
happen; a county a worker died on goes to another worker (dask's own retry); Ctrl-C stops the
run. The only module of the plugin that imports dask."""

import importlib.util
import logging
import os
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass

import distributed
from osgeo import gdal

from ..errors import InputError
from .county_task import CANCELLED, FAILED, CountyOutcome, engine_version, run_county

#: What one county-size run may take (it peaks under 1 GB), with room for the largest county.
WORKER_MEMORY = 1.5 * 2 ** 30
CONNECT_SECONDS = 10
WORKER_WAIT_SECONDS = 30
CANCEL_CHECK_SECONDS = 1.0  # a worker asks the scheduler whether to stop at most this often
PROGRESS_STEP = 0.05


@dataclass
class ClusterInfo:
    scheduler: str
    dashboard: str
    workers: int
    local: bool

    def lines(self):
        kind = "本机 LocalCluster" if self.local else "已有集群"
        return [f"集群: {kind}，调度器 {self.scheduler}，工作进程 {self.workers} 个 (每个 1 线程)",
                f"仪表板: {self.dashboard}"]


def local_workers() -> int:
    """One worker per core, as many as the memory holds at WORKER_MEMORY each."""
    import psutil  # distributed's own dependency

    by_memory = int(psutil.virtual_memory().total // WORKER_MEMORY)
    return max(1, min(os.cpu_count() or 1, by_memory))


@contextmanager
def connect(scheduler=None, workers=None):
    """Yield (client, ClusterInfo): an existing cluster's when ``scheduler`` (tcp://HOST:8786)
    is given, else a LocalCluster of ``workers`` processes (default: :func:`local_workers`),
    closed when the block ends."""
    logging.getLogger("distributed").setLevel(logging.ERROR)  # English logs are not for users
    cluster = None
    if scheduler:
        client = _remote_client(scheduler)
    else:
        # the workers' own logging is set up from the environment as they start
        os.environ.setdefault("DASK_LOGGING__DISTRIBUTED", "error")
        cluster = distributed.LocalCluster(n_workers=workers or local_workers(),
                                           threads_per_worker=1, processes=True,
                                           silence_logs=logging.ERROR)
        client = distributed.Client(cluster)
    try:
        _check_workers(client)
        yield client, ClusterInfo(scheduler=client.scheduler.address,
                                  dashboard=_dashboard(client, local=cluster is not None),
                                  workers=len(client.scheduler_info()["workers"]),
                                  local=cluster is not None)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def _remote_client(address):
    try:
        client = distributed.Client(address, timeout=f"{CONNECT_SECONDS}s")
    except (OSError, TimeoutError, ValueError) as e:
        raise InputError(f"无法连接 dask 调度器 {address} ({type(e).__name__})；请确认地址、端口，"
                         "以及调度器已用 dask-scheduler 启动", layer=address) from e
    try:
        client.wait_for_workers(1, timeout=WORKER_WAIT_SECONDS)
    except (TimeoutError, OSError) as e:
        client.close()
        raise InputError(f"调度器上 {WORKER_WAIT_SECONDS} 秒内没有工作进程；请先在各台机器上运行 "
                         f"dask-worker {address}", layer=address) from e
    return client


def _check_workers(client):
    """Every worker must import this engine, at this version (paths are read as they are)."""
    try:
        versions = client.run(engine_version)
    except Exception as e:  # noqa: BLE001 - a worker's import error comes back as any type
        raise InputError(f"集群的工作进程无法导入本插件 ({type(e).__name__}: {e})；请在启动 dask-worker "
                         "前把插件所在目录加入 PYTHONPATH (见 README)", layer=client.scheduler.address) from e
    ours = engine_version()
    other = {w: v for w, v in versions.items() if v != ours}
    if other:
        shown = "、".join(f"{w} ({v})" for w, v in sorted(other.items()))
        raise InputError(f"这些工作进程运行的插件版本与本机 ({ours}) 不同: {shown}；请在各台机器上使用同一版本",
                         layer=client.scheduler.address)


def _dashboard(client, local):
    """The dashboard's address. Without bokeh (Debian ships none) its status page only says so:
    the HTML pages of workers and tasks need none."""
    if "dashboard" not in client.scheduler_info().get("services", {}):
        return "调度器未开启仪表板"
    link = client.dashboard_link
    pages = link.replace("/status", "/info/main/workers.html")
    if local:
        return link if importlib.util.find_spec("bokeh") else pages
    return f"{link} (调度器所在机器没有 bokeh 时: {pages})"


def run_tasks(client, tasks, on_progress, on_outcome):
    """Run the county ``tasks`` (largest first by ``weight``), calling ``on_progress(code,
    fraction, message)`` as counties advance (from another thread) and ``on_outcome(outcome)``
    as each ends; returns the outcomes. On KeyboardInterrupt the workers are told to stop."""
    topic = f"land-supervision-{uuid.uuid4().hex[:12]}"
    stop = distributed.Event(f"{topic}-stop", client=client)
    client.subscribe_topic(topic, lambda event: on_progress(*event[1]))
    by_key = {}
    for task, weight in tasks:
        future = client.submit(_on_worker, task, topic, key=f"{topic}-{task.code}",
                               priority=weight, pure=False)
        by_key[future.key] = (future, task)
    outcomes = []
    try:
        for future in distributed.as_completed([f for f, _ in by_key.values()]):
            outcome = _outcome(future, by_key[future.key][1])
            future.release()
            outcomes.append(outcome)
            on_outcome(outcome)
    except KeyboardInterrupt:
        stop.set()
        client.cancel([f for f, _ in by_key.values()])
        raise
    finally:
        client.unsubscribe_topic(topic)
    return outcomes


def _outcome(future, task):
    try:
        return future.result()
    except distributed.KilledWorker:
        message = "计算本县的工作进程多次意外退出 (内存不足或被终止)，已放弃本县"
    except distributed.client.FutureCancelledError:
        return CountyOutcome(task.code, task.name, CANCELLED, "已取消")
    except Exception as e:  # noqa: BLE001 - e.g. a task that could not reach its worker
        message = f"集群未能运行本县 ({type(e).__name__}: {e})"
    return CountyOutcome(task.code, task.name, FAILED, message)


def _on_worker(task, topic):
    """On a worker: run the county, its progress sent to the client, stopping when asked."""
    worker = distributed.get_worker()
    stop = distributed.Event(f"{topic}-stop")
    last = {"fraction": -1.0, "message": None, "asked": 0.0, "stop": False}

    def progress(fraction, message):
        if message != last["message"] or fraction - last["fraction"] >= PROGRESS_STEP:
            last.update(fraction=fraction, message=message)
            worker.log_event(topic, (task.code, fraction, message))

    def cancelled():
        now = time.monotonic()
        if now - last["asked"] >= CANCEL_CHECK_SECONDS:
            last.update(asked=now, stop=stop.is_set())
        return last["stop"]

    # GDAL's warnings are English lines on the worker's console; the run reports in notes
    gdal.PushErrorHandler("CPLQuietErrorHandler")
    try:
        return run_county(task, progress, cancelled)
    finally:
        gdal.PopErrorHandler()
