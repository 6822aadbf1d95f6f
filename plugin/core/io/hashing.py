"""File fingerprints recorded beside every result, so a figure can be traced to its inputs."""

import hashlib


def file_sha256(path: str) -> str:
    """SHA-256 of a file's bytes, read in 1 MiB blocks (hex)."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()
