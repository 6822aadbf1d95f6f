"""File fingerprints recorded beside every result, so a figure can be traced to its inputs."""

import hashlib
import os
import threading

# {(real path, size, mtime ns, inode): hex}: a process that runs many jobs over the same shared
# layers (a region's worker, the dock run after run) reads a multi-GB file once, not per job
_KNOWN = {}
_LOCK = threading.Lock()


def file_sha256(path: str) -> str:
    """SHA-256 of a file's bytes, read in 1 MiB blocks (hex); remembered for the file as it is
    (same size, modification time and inode), read again once it changes."""
    status = os.stat(path)
    key = (os.path.realpath(path), status.st_size, status.st_mtime_ns, status.st_ino)
    with _LOCK:
        known = _KNOWN.get(key)
    if known is not None:
        return known
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    with _LOCK:
        _KNOWN[key] = h.hexdigest()
    return h.hexdigest()
