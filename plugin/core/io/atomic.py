"""Writing an output so that a reader never sees it half-written and a failure leaves the old
file as it was: the new content goes to a temporary file in the same folder, which replaces
the target only when the writing succeeded (a rename on one file system is atomic)."""

import os
import tempfile
from contextlib import contextmanager

SQLITE_SIDECARS = ("-journal", "-wal", "-shm")


@contextmanager
def replacing(path: str, suffix: str):
    """Yield the name of an empty temporary file beside ``path`` to write into; when the block
    ends without an exception it replaces ``path``, keeping the replaced file's permissions
    (or the usual ones of a new file, where mkstemp's are private to the owner). On any
    exception the temporary file, and SQLite's files beside it, are removed."""
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=suffix, dir=folder)
    os.close(fd)
    try:
        yield tmp
        os.chmod(tmp, _mode_for(path))
        os.replace(tmp, path)
    except BaseException:
        discard(tmp)
        raise


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
