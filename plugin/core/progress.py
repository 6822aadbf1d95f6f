"""Progress and cancel: the core takes two plain callables; GUI/Processing wrap their own."""

from typing import Callable, Optional

from .errors import Cancelled

ProgressFn = Callable[[float, str], None]
CancelledFn = Callable[[], bool]


class Steps:
    """Maps the sub-steps of a job onto one 0..1 progress range and checks for cancel."""

    def __init__(self, progress: Optional[ProgressFn] = None,
                 cancelled: Optional[CancelledFn] = None):
        self._progress = progress
        self._cancelled = cancelled

    def report(self, fraction: float, message: str) -> None:
        self.check()
        if self._progress is not None:
            self._progress(max(0.0, min(1.0, fraction)), message)

    def check(self) -> None:
        if self._cancelled is not None and self._cancelled():
            raise Cancelled("已取消")

    def over(self, items, total: int, start: float, end: float, message: str, every: int = 100):
        """Yield ``items``, reporting progress from ``start`` to ``end`` every ``every`` items
        (``total`` of them) and checking for cancel at each."""
        for k, item in enumerate(items):
            if k % every == 0:
                self.report(start + (end - start) * k / max(total, 1), message)
            else:
                self.check()
            yield item
