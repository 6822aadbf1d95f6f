"""One writer at a time for a file many commands update (the result GeoPackage): a lock file
beside it, holding the writer's process id; a second writer is refused, not queued, and a lock
left by a killed process is taken over."""

import datetime
import os
from contextlib import contextmanager

from ..errors import InputError
from .atomic import _alive, writing_error

LOCK_SUFFIX = ".lock"


@contextmanager
def exclusive(path: str, doing: str):
    """Hold ``<path>.lock`` (the linked file's, for a link) while the block runs; ``doing`` says
    in Chinese what holds it, for the message a second writer gets."""
    lock = os.path.realpath(path) + LOCK_SUFFIX
    for _ in range(2):
        try:
            fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
            break
        except FileExistsError:
            holder = _holder(lock)
            if holder is None:  # left by a process that is gone
                _remove(lock)
                continue
            pid, since, what = holder
            raise InputError(f"结果文件正被另一项操作使用 ({what}，进程 {pid}，开始于 {since})；"
                             "请等它完成后再试", layer=path)
        except OSError as e:
            raise writing_error(lock, e) from e
    else:
        raise InputError("无法取得结果文件的写入锁", layer=path)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(f"{os.getpid()}\n{datetime.datetime.now().isoformat(timespec='seconds')}\n{doing}\n")
    try:
        yield
    finally:
        _remove(lock)


def _holder(lock):
    """(pid, start time, what) of a live holder, or None when the lock is stale."""
    try:
        with open(lock, encoding="utf-8") as f:
            lines = f.read().splitlines()
    except OSError:
        return None
    if not lines or not lines[0].strip().isdecimal():
        return None
    pid = int(lines[0])
    if pid != os.getpid() and not _alive(pid):
        return None
    return pid, (lines[1] if len(lines) > 1 else "?"), (lines[2] if len(lines) > 2 else "?")


def _remove(lock):
    try:
        os.unlink(lock)
    except OSError:
        pass
