"""A region run on the console: the cluster and its dashboard, a progress bar of finished
counties with each county's outcome as it ends, and the counties at work (their step and
percentage: rewritten in place on a terminal, every quarter as lines otherwise)."""

import shutil
import sys
import threading

from ..ledger.cells import display_width
from .county_task import STATUS_TEXT
from .run import Listener

BAR = 24
LINE_STEP = 25  # percent between lines of one county when the output is no terminal
WARNINGS_SHOWN = 3


class ConsoleProgress(Listener):
    def __init__(self, stream=None, quiet=False):
        self.stream = stream or sys.stderr
        self.quiet = quiet
        self.live = bool(getattr(self.stream, "isatty", lambda: False)())
        self.total = self.done = 0
        self.working = {}  # code -> (percent, message)
        self.lock = threading.Lock()

    def started(self, cluster, counties):
        self.total = counties
        for line in cluster.lines() + [f"共 {counties} 个县"]:
            self._line(line)

    def county_progress(self, code, fraction, message):
        if self.quiet:
            return
        pct = int(fraction * 100)
        with self.lock:
            before = self.working.get(code, (-LINE_STEP, None))[0]
            self.working[code] = (pct, message)
            if self.live:
                self._status()
            elif pct // LINE_STEP != before // LINE_STEP:
                self._write(f"  {code} [{pct:3d}%] {message}")

    def county_done(self, outcome):
        if self.quiet:
            return
        with self.lock:
            self.done += 1
            self.working.pop(outcome.code, None)
            filled = BAR * self.done // max(self.total, 1)
            text = f"[{'#' * filled}{'-' * (BAR - filled)}] {self.done}/{self.total} " \
                   f"{outcome.label}: {STATUS_TEXT[outcome.status]}"
            if outcome.finished:
                verdicts = outcome.verdict_text()
                text += f"，图斑 {outcome.patch_count} 个 ({verdicts})，用时 {outcome.seconds:.1f} 秒"
            if outcome.peak_mb:
                text += f"，内存峰值 {outcome.peak_mb:.0f} MB"
            if outcome.message:
                text += f"\n    {outcome.message}"
            for warning in outcome.warnings[:WARNINGS_SHOWN]:
                text += f"\n    警告: {warning}"
            if len(outcome.warnings) > WARNINGS_SHOWN:
                text += f"\n    …… 另有 {len(outcome.warnings) - WARNINGS_SHOWN} 条警告，见本县结果的 notes 表"
            self._write(text)
            if self.live:
                self._status()

    def step(self, message):
        self._line(message)

    def _line(self, text):
        if not self.quiet:
            with self.lock:
                self._write(text)

    def _write(self, text):
        if self.live:
            self.stream.write("\r\033[K")
        self.stream.write(text + "\n")
        self.stream.flush()

    def _status(self):
        """The counties at work, on one line (cut to the terminal's width) the next output
        overwrites."""
        if not self.working:
            return
        text = "运行中: " + "；".join(f"{code} {message} {pct}%" for code, (pct, message)
                                    in sorted(self.working.items()))
        room = shutil.get_terminal_size().columns - 1
        while display_width(text) > room:
            text = text[:-1]
        self.stream.write("\r\033[K" + text)
        self.stream.flush()
