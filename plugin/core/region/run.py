"""The region run end to end: the region file read, one task per county (region-wide patches cut
into counties first), the tasks run on the cluster, then ``region.gpkg`` and the summary
workbook written from the counties that finished. A county that fails is reported with its
reason; the others finish and are written."""

import datetime
import os
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import List

from ...identity import VERSION
from ..errors import InputError, Note
from ..io.atomic import refuse_inputs, writable_folder
from ..io.hashing import file_sha256
from ..job import job_to_dict, load_job
from ..ledger.template import load_template
from .cluster import ClusterInfo, connect, run_tasks
from .county_task import CANCELLED, FAILED, STATUS_TEXT, CountyOutcome, CountyTask
from ..job import input_paths
from .fingerprint import input_fingerprint
from .partition import partition_patches
from .region_file import load_region
from .region_gpkg import REGION_NAME, write_region_gpkg
from .region_summary import SUMMARY_NAME, write_region_summary


class Listener:
    """What a region run tells as it goes; the command line prints it (all no-ops here)."""

    def started(self, cluster: ClusterInfo, counties: int):
        pass

    def county_progress(self, code: str, fraction: float, message: str):
        """Called from the cluster's thread."""

    def county_done(self, outcome: CountyOutcome):
        pass

    def step(self, message: str):
        pass


@dataclass
class RegionResult:
    gpkg_path: str
    summary_path: str
    outcomes: List[CountyOutcome]
    cluster: ClusterInfo
    patch_count: int = 0
    notes: List[Note] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def failed(self):
        return [o for o in self.outcomes if o.status in (FAILED, CANCELLED)]

    def summary_lines(self):
        counts = Counter(o.status for o in self.outcomes)
        lines = [f"区域结果: {self.gpkg_path}", f"区域汇总: {self.summary_path}",
                 f"{len(self.outcomes)} 个县: " + "，".join(f"{STATUS_TEXT[s]} {n} 个"
                                                         for s, n in counts.items())
                 + f"；图斑 {self.patch_count} 个，用时 {self.seconds:.1f} 秒"]
        peaks = [o.peak_mb for o in self.outcomes if o.peak_mb]
        if peaks:
            lines.append(f"工作进程内存峰值最高 {max(peaks):.0f} MB")
        if self.notes:
            lines.append(f"分县提示 {len(self.notes)} 条，见 region.gpkg 的 notes 表")
        if self.failed:
            lines.append(f"未完成 {len(self.failed)} 个县 (汇总未计入): "
                         + "、".join(o.label for o in self.failed))
        return lines


def run_region(region_path, out_dir, scheduler=None, workers=None, force=False,
               listener=None) -> RegionResult:
    """Run every county of the region file ``region_path`` into ``out_dir/<county code>/`` and
    write ``out_dir/region.gpkg`` and ``out_dir/region_summary.xlsx``.

    ``scheduler``: an existing dask cluster's address (else a LocalCluster of ``workers``
    processes); ``force``: run every county, even one whose inputs and rules are unchanged.
    Raises InputError for a bad region file (nothing is run); KeyboardInterrupt stops the run
    (counties already finished keep their results).
    """
    started = time.monotonic()
    listener = listener or Listener()
    region = load_region(region_path)
    load_template(region.template)  # a bad template stops the run now, not after every county
    out_dir = os.path.abspath(out_dir)
    gpkg_path, summary_path = (os.path.join(out_dir, n) for n in (REGION_NAME, SUMMARY_NAME))
    writable_folder(out_dir)
    listener.step("读取区域文件与各县任务")
    tasks, early, notes, inputs = _plan(region, out_dir, force)
    refuse_inputs([gpkg_path, summary_path], [region.path] + inputs)
    with connect(scheduler, workers) as (client, cluster):
        listener.started(cluster, len(tasks) + len(early))
        for outcome in early:
            listener.county_done(outcome)
        outcomes = early + run_tasks(client, tasks, listener.county_progress,
                                     listener.county_done)
    outcomes.sort(key=lambda o: o.code)
    listener.step("写出区域结果与汇总")
    generated = datetime.datetime.now()
    count = write_region_gpkg(gpkg_path, outcomes, _run_info(region, out_dir, outcomes, cluster,
                                                             generated), notes, STATUS_TEXT)
    write_region_summary(summary_path, region, outcomes, STATUS_TEXT, generated)
    return RegionResult(gpkg_path=gpkg_path, summary_path=summary_path, outcomes=outcomes,
                        cluster=cluster, patch_count=count, notes=notes,
                        seconds=time.monotonic() - started)


def _plan(region, out_dir, force):
    """([(task, weight)], outcomes of counties refused before running, notes, input paths)."""
    if region.job is not None:
        return _partitioned(region, out_dir, force)
    tasks, early, inputs = [], [], []
    for entry in region.counties:
        try:
            job = load_job(entry.job_path)
        except InputError as e:
            early.append(CountyOutcome(entry.code, entry.name, FAILED, f"任务文件有误: {e}"))
            continue
        inputs += input_paths(job)
        weight = os.path.getsize(job.patches.path) if os.path.isfile(job.patches.path) else 0
        tasks.append((CountyTask(entry.code, entry.name or job.ledger.get("county") or job.name,
                                 os.path.join(out_dir, entry.code), job_to_dict(job),
                                 job_path=entry.job_path, force=force), weight))
    # an input several counties share (a city-wide red line, the rules) is hashed once
    known = {p: input_fingerprint(p) for p, n in Counter(inputs).items() if n > 1}
    for task, _weight in tasks:
        task.known = known
    return tasks, early, [], sorted(set(inputs))


def _partitioned(region, out_dir, force):
    """One task per county of the partition, each holding its patches' fids."""
    job = region.job
    parts = partition_patches(job, region.partition)
    paths = input_paths(job)
    known = {p: input_fingerprint(p) for p in paths if p != job.patches.path}
    if region.partition.counties is not None:
        paths.append(region.partition.counties.path)
    data = job_to_dict(job)
    tasks = [(CountyTask(c.code, c.name, os.path.join(out_dir, c.code), data, job_path=job.path,
                         patch_fids=parts.fids[c.code].tolist(), known=known, force=force),
              len(parts.fids[c.code])) for c in parts.counties]
    return tasks, [], parts.notes, paths


def _run_info(region, out_dir, outcomes, cluster, generated):
    statuses = Counter(o.status for o in outcomes)
    info = [("engine_version", VERSION), ("region", os.path.abspath(region.path)),
            ("region.sha256", file_sha256(region.path)), ("region.name", region.name),
            ("generated", generated.isoformat(timespec="seconds")), ("out_dir", out_dir),
            ("scheduler", cluster.scheduler), ("workers", cluster.workers),
            ("counties", len(outcomes))]
    info += [(f"counties.{status}", n) for status, n in sorted(statuses.items())]
    unfinished = [o.code for o in outcomes if o.status in (FAILED, CANCELLED)]
    if unfinished:
        info.append(("incomplete", "未完成的县 (未计入): " + "、".join(unfinished)))
    if region.job is not None:
        info.append(("partition.job", region.job.path or region.path))
        if region.partition.code_field:
            info.append(("partition.code_field", region.partition.code_field))
        if region.partition.counties is not None:
            info.append(("partition.counties", region.partition.counties.path))
    info += [(f"title.{k}", v) for k, v in region.title.items()]
    return info
