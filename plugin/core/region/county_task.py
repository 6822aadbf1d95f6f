"""One county's run as a dask worker does it (any Python process can): the county's patches cut
out of the region's layer where the region gives one job for all; the run skipped when nothing
it reads changed since its last run; else the analysis in this process (``job_workers=1``: the
cluster gives the parallelism); then what the region needs back — counts, the rows its summary
adds up, the worker's peak memory. A county's failure is its outcome, never the region's."""

import datetime
import os
import socket
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Dict, List, Optional

from ...identity import VERSION
from ..analysis import RESULT_NAME, run_analysis
from ..errors import Cancelled, InputError, save_traceback
from ..io.atomic import output_folder
from ..job import job_from_dict, job_to_dict
from ..ledger.columns import BASELINE_COLUMNS
from ..ledger.result_access import read_result
from ..ledger.table import build_rows, select_rows
from ..rules.classes import load_class_table
from .extract import patches_digest, write_patches
from .fingerprint import county_key, read_state, write_state

DONE, UNCHANGED, EMPTY, FAILED, CANCELLED = "done", "unchanged", "empty", "failed", "cancelled"
STATUS_TEXT = {DONE: "完成", UNCHANGED: "输入与规则未变，沿用上次结果", EMPTY: "没有图斑",
               FAILED: "失败", CANCELLED: "已取消"}
COUNTY_PATCHES = "patches.gpkg"  # a county's own patches, cut out of the region's layer
ERROR_LOG = "错误详情.txt"
#: The ledger row values the region's summary adds up (``ledger.summary``).
SUMMARY_KEYS = ("verdict", "violation_type", "severity", "area_mu", "flag_area_mu", "status",
                "closed", "batch", *(f"flag_{key}_mu" for key, _ in BASELINE_COLUMNS))


@dataclass
class CountyTask:
    """What a worker needs to run one county; plain data, so it travels to any worker."""

    code: str
    name: str
    folder: str  #: the county's output folder (DIR/<code>)
    job: dict  #: the county's job (``job_to_dict``), or the region's job to cut patches out of
    job_path: Optional[str] = None
    #: The county's patches in the region's patch layer (None: the job's patches are its own).
    patch_fids: Optional[List[int]] = None
    #: Fingerprints of inputs several counties share, taken once by the caller.
    known: Dict[str, str] = field(default_factory=dict)
    force: bool = False

    @property
    def label(self):
        return f"{self.code} {self.name}".strip()


@dataclass
class CountyOutcome:
    code: str
    name: str
    status: str = FAILED
    message: str = ""
    result_path: Optional[str] = None
    patch_count: int = 0
    verdicts: Dict[str, int] = field(default_factory=dict)
    warnings: List[str] = field(default_factory=list)
    #: The county's ledger rows (``SUMMARY_KEYS`` only), for the region's summary.
    rows: List[dict] = field(default_factory=list)
    baselines: List[str] = field(default_factory=list)
    seconds: float = 0.0
    peak_mb: Optional[float] = None
    worker: str = ""

    @property
    def label(self):
        return f"{self.code} {self.name}".strip()

    @property
    def finished(self):
        """Whether the county's result is there to count."""
        return self.status in (DONE, UNCHANGED)

    def verdict_text(self):
        """``合法 2，违法 7``: the patches by verdict."""
        return "，".join(f"{k} {v}" for k, v in sorted(self.verdicts.items(), key=str) if k)


def run_county(task: CountyTask, progress=None, cancelled=None) -> CountyOutcome:
    """Run one county; every failure comes back in the outcome, said in Chinese."""
    started = time.monotonic()
    outcome = CountyOutcome(task.code, task.name, worker=f"{socket.gethostname()}:{os.getpid()}")
    try:
        _run(task, outcome, progress, cancelled)
    except InputError as e:
        outcome.status, outcome.message = FAILED, f"输入错误: {e}"
    except Cancelled:
        outcome.status, outcome.message = CANCELLED, "已取消，本县未写出结果"
    except Exception as e:  # noqa: BLE001 - the county reports it, the others go on
        outcome.status, outcome.message = FAILED, _unexpected(e, task, outcome.worker)
    outcome.seconds = time.monotonic() - started
    outcome.peak_mb = peak_memory_mb()
    return outcome


def _unexpected(error, task, worker):
    """What the user reads of an error no input explains: a module the worker's machine lacks,
    else where the technical details were written."""
    module = (getattr(error, "name", None) or "").split(".")[0]
    if isinstance(error, ModuleNotFoundError) and module and module != __name__.split(".")[0]:
        return (f"工作进程 {worker} 的 Python 中缺少模块 {module}，本县未写出结果；请在该机器上安装 "
                f"(Debian/Ubuntu: sudo apt install python3-{module.lower()})")
    return (f"处理时遇到无法识别的情况 ({type(error).__name__}: {error})，本县未写出结果；"
            f"技术细节已写入 {save_traceback(os.path.join(task.folder, ERROR_LOG))}，"
            "请连同输入文件一并报告")


def _run(task, outcome, progress, cancelled):
    output_folder(task.folder)
    job = job_from_dict(task.job, base_dir=task.folder, path=task.job_path)
    digest = None
    if task.patch_fids is not None:
        if not task.patch_fids:
            outcome.status = EMPTY
            return
        digest = patches_digest(job.patches, task.patch_fids)
        job = _county_job(job, task, digest)
    key = county_key(job, task.known, digest)
    result_path = os.path.join(task.folder, RESULT_NAME)
    state = read_state(task.folder)
    if not task.force and state.get("key") == key and os.path.isfile(result_path):
        outcome.status = UNCHANGED
    else:
        result = run_analysis(job, task.folder, progress, cancelled, job_workers=1)
        outcome.warnings = result.warnings()
        write_state(task.folder, {**state, "key": key, "engine": VERSION,
                                  "finished": datetime.datetime.now().isoformat(timespec="seconds")})
        outcome.status = DONE
    outcome.result_path = result_path
    _add_counts(outcome, result_path)


def _county_job(job, task, digest):
    """The region's job on the county's own patches, which are written into the county's
    folder when they differ from those of its last run."""
    path = os.path.join(task.folder, COUNTY_PATCHES)
    state = read_state(task.folder)
    layer = state.get("patches_layer")
    if state.get("patches_digest") != digest or not layer or not os.path.isfile(path):
        layer = write_patches(job.patches, task.patch_fids, path)
        write_state(task.folder, {**state, "patches_digest": digest, "patches_layer": layer})
    data = job_to_dict(job)
    data["patches"].update(path=path, layer=layer)
    data["patches"].pop("encoding", None)  # the county's file is UTF-8 whatever the region's was
    if task.name:
        data["ledger"] = {**data.get("ledger", {}), "county": task.name}
    return job_from_dict(data, base_dir=task.folder, path=job.path)


def _add_counts(outcome, result_path):
    """Patch and verdict counts and the summary's rows, read from the county's result (so an
    analyst's 整改进展 imported since its run counts too)."""
    result = read_result(result_path)
    rows = build_rows(result, load_class_table())
    outcome.patch_count = len(rows)
    outcome.verdicts = dict(Counter(r["verdict"] for r in rows.values()))
    outcome.baselines = list(result.baselines)
    outcome.rows = [{k: r.get(k) for k in SUMMARY_KEYS} for r in select_rows(rows, False)]


def engine_version() -> str:
    """The engine's version where this runs (a worker must run the same engine as its client)."""
    return VERSION


def peak_memory_mb() -> Optional[float]:
    """This process's peak resident memory so far, in MB (None where the system does not say)."""
    try:
        import resource
    except ImportError:  # Windows
        return None
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2 ** 20 if sys.platform == "darwin" else peak / 1024

