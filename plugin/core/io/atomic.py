"""Writing an output so that a reader never sees it half-written and a failure leaves the old
file as it was: the new content goes to a temporary file in the same folder, which replaces
the target only when the writing succeeded (a rename on one file system is atomic).

Every failure to write (a full disk, a read-only folder, a file open in another program) is an
InputError naming the file, in Chinese; a temporary file left by a killed run is removed by the
next write into the same folder."""

import errno
import os
import shutil
import sqlite3
import tempfile
from contextlib import contextmanager

from ..errors import InputError

SQLITE_SIDECARS = ("-journal", "-wal", "-shm")
TEMP_PREFIX = ".tmp-"
_REASONS = {
    errno.ENOSPC: "磁盘空间不足", errno.EDQUOT: "超出磁盘配额",
    errno.EACCES: "没有写入权限 (文件可能正在其他程序中打开，或文件夹只读)",
    errno.EPERM: "没有写入权限", errno.EROFS: "文件系统只读", errno.ENOENT: "文件夹不存在",
    errno.EISDIR: "目标是一个文件夹", errno.ENOTDIR: "路径中有一段不是文件夹",
    errno.EFBIG: "文件超过系统允许的大小", errno.ENAMETOOLONG: "文件名过长",
}


def writing_error(path: str, error: BaseException) -> InputError:
    """An InputError saying, in Chinese, why ``path`` could not be written."""
    code = getattr(error, "errno", None)
    if code in _REASONS:
        reason = _REASONS[code]
    elif _disk_full(error):
        reason = "磁盘空间不足"
    else:
        reason = getattr(error, "strerror", None) or str(error) or type(error).__name__
    return InputError(f"无法写出文件：{reason}", layer=path)


def _disk_full(error) -> bool:
    text = str(error)
    return "disk is full" in text or "No space left" in text or "File too large" in text


def output_folder(folder: str) -> str:
    """``folder`` created where missing; InputError when it is a file or cannot be made."""
    if os.path.exists(folder) and not os.path.isdir(folder):
        raise InputError("输出位置是一个已存在的文件，不是文件夹", layer=folder)
    try:
        os.makedirs(folder, exist_ok=True)
    except OSError as e:
        raise writing_error(folder, e) from e
    return folder


def writable_folder(folder: str) -> str:
    """``output_folder`` that is also known to take a new file now (tried, then removed), so
    a job fails at once, not after minutes of work, on a folder it cannot write."""
    output_folder(folder)
    remove_stale_temps(folder)
    try:
        fd, probe = tempfile.mkstemp(prefix=f"{TEMP_PREFIX}{os.getpid()}-", dir=folder)
        os.close(fd)
        os.unlink(probe)
    except OSError as e:
        raise writing_error(folder, e) from e
    return folder


def refuse_inputs(outputs, inputs) -> None:
    """InputError when an output would land on an input (links followed): inputs are only read."""
    sources = {}
    for path in inputs:
        if path and os.path.exists(path):
            sources[os.path.realpath(path)] = path
    for out in outputs:
        hit = sources.get(os.path.realpath(out))
        if hit is not None:
            raise InputError(f"输出文件与输入文件 {hit} 是同一个文件；输入只读，请换一个输出位置",
                             layer=out)


@contextmanager
def replacing(path: str, suffix: str):
    """Yield the name of an empty temporary file beside ``path`` to write into; when the block
    ends without an exception it replaces ``path`` (the file a link points to, for a link),
    keeping the replaced file's permissions (or the usual ones of a new file, where mkstemp's
    are private to the owner). On any exception the temporary file, and SQLite's files beside
    it, are removed; an OSError of the writing becomes an InputError naming ``path``."""
    target = os.path.realpath(path)
    folder = output_folder(os.path.dirname(target))
    remove_stale_temps(folder)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f"{TEMP_PREFIX}{os.getpid()}-", suffix=suffix,
                                   dir=folder)
        os.close(fd)
    except OSError as e:
        raise writing_error(path, e) from e
    try:
        yield tmp
        os.chmod(tmp, _mode_for(target))
        os.replace(tmp, target)
    except OSError as e:
        discard(tmp)
        raise writing_error(path, e) from e
    except (RuntimeError, sqlite3.Error) as e:  # GDAL and SQLite say "disk is full" their way
        discard(tmp)
        if _disk_full(e):
            raise writing_error(path, e) from e
        raise
    except BaseException:
        discard(tmp)
        raise


@contextmanager
def staging_folder(folder: str):
    """Yield a hidden folder inside ``folder`` to write a set of outputs into, and a function
    ``commit()`` that moves them all into ``folder`` (replacing same-named files). Until commit
    nothing of the set appears; on an exception the staging folder is removed, so a run that
    fails half-way (a full disk) leaves the old outputs as they were, all of them."""
    output_folder(folder)
    remove_stale_temps(folder)
    try:
        stage = tempfile.mkdtemp(prefix=f"{TEMP_PREFIX}{os.getpid()}-", dir=folder)
    except OSError as e:
        raise writing_error(folder, e) from e

    def commit():
        names = sorted(os.listdir(stage))
        try:
            for name in names:
                target = os.path.realpath(os.path.join(folder, name))
                if os.path.isfile(os.path.join(stage, name)):
                    os.chmod(os.path.join(stage, name), _mode_for(target))
                os.replace(os.path.join(stage, name), target)
        except OSError as e:
            raise writing_error(folder, e) from e
        return [os.path.join(folder, name) for name in names]

    try:
        yield stage, commit
    except OSError as e:
        raise writing_error(folder, e) from e
    finally:
        shutil.rmtree(stage, ignore_errors=True)


def remove_stale_temps(folder: str) -> None:
    """Remove temporary files and folders a killed run of ours left in ``folder`` (their names
    carry the writing process's id; a live process's are left alone)."""
    try:
        names = os.listdir(folder)
    except OSError:
        return
    for name in names:
        if not name.startswith(TEMP_PREFIX):
            continue
        pid = name[len(TEMP_PREFIX):].split("-", 1)[0]
        if not pid.isdecimal() or int(pid) == os.getpid() or _alive(int(pid)):
            continue
        path = os.path.join(folder, name)
        if os.path.isdir(path):
            shutil.rmtree(path, ignore_errors=True)
        else:
            try:
                os.unlink(path)
            except OSError:
                pass


def _alive(pid: int) -> bool:
    if os.name == "nt":  # os.kill would end the process there: ask Windows instead
        import ctypes
        handle = ctypes.windll.kernel32.OpenProcess(0x1000, False, pid)  # QUERY_LIMITED_INFO
        if not handle:
            return False
        ctypes.windll.kernel32.CloseHandle(handle)
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True
    return True


def _mode_for(path):
    if os.path.exists(path):
        return os.stat(path).st_mode & 0o7777
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


def discard(tmp: str) -> None:
    """Remove a temporary file and the SQLite journal files a GeoPackage may have beside it."""
    for p in (tmp, *(tmp + s for s in SQLITE_SIDECARS)):
        if os.path.exists(p):
            os.unlink(p)
