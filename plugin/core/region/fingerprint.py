"""What a county's result was computed from, as one key: the engine's version, the county's job,
the SHA-256 of every input (a shapefile with its .dbf/.shx/.prj/.cpg, a GeoPackage with its
pending -wal, a FileGDB folder whole), the rule files, the land-class tables and the previous
batch's result. A rerun whose key
equals the one kept beside the county's result reuses that result."""

import hashlib
import json
import os
from typing import Dict, Optional

from ...identity import VERSION
from ..io.atomic import replacing
from ..io.hashing import file_sha256
from ..job import input_paths, job_to_dict

STATE_FILE = ".region-state.json"
SIDECARS = {".shp": (".shx", ".dbf", ".prj", ".cpg"),
            ".gpkg": ("-wal",), ".sqlite": ("-wal",)}


def input_fingerprint(path: str) -> str:
    """SHA-256 of everything GDAL reads for ``path``; '' when it does not exist (the run then
    reports it missing)."""
    if os.path.isdir(path):
        h = hashlib.sha256()
        for folder, _dirs, files in sorted(os.walk(path)):
            for name in sorted(files):
                full = os.path.join(folder, name)
                h.update(f"{os.path.relpath(full, path)}\0{file_sha256(full)}\n".encode("utf-8"))
        return h.hexdigest()
    if not os.path.isfile(path):
        return ""
    parts = [file_sha256(path)]
    for sidecar in _sidecars(path):
        parts.append(f"{os.path.basename(sidecar)[-4:].lower()}:{file_sha256(sidecar)}")
    return parts[0] if len(parts) == 1 else hashlib.sha256("\n".join(parts).encode()).hexdigest()


def _sidecars(path):
    """The files GDAL reads beside ``path`` (names compared without case, as Windows does)."""
    folder, name = os.path.split(path)
    stem, ext = os.path.splitext(name)
    wanted = {(name if s.startswith("-") else stem) + s for s in SIDECARS.get(ext.lower(), ())}
    wanted = {w.lower() for w in wanted}
    return [os.path.join(folder, n) for n in sorted(os.listdir(folder or "."))
            if n.lower() in wanted and os.path.isfile(os.path.join(folder, n))]


def county_key(job, known: Dict[str, str], patches_digest: Optional[str] = None) -> str:
    """The key of a county's run. ``known``: fingerprints already taken (inputs several counties
    share, hashed once); ``patches_digest`` stands for the patches' file where the county's
    patches were cut out of a region-wide layer (the file is rewritten, its content is not)."""
    prints = {}
    for path in input_paths(job):
        if patches_digest is not None and path == job.patches.path:
            prints[path] = f"patches:{patches_digest}"
        else:
            prints[path] = known.get(path) or input_fingerprint(path)
    text = json.dumps({"engine": VERSION, "job": job_to_dict(job), "inputs": prints},
                      sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def read_state(folder: str) -> dict:
    """What the last finished run of a county kept beside its result ({} when none)."""
    try:
        with open(os.path.join(folder, STATE_FILE), encoding="utf-8") as f:
            state = json.load(f)
    except (OSError, ValueError):
        return {}
    return state if isinstance(state, dict) else {}


def write_state(folder: str, state: dict) -> None:
    with replacing(os.path.join(folder, STATE_FILE), ".json") as tmp:
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(state, f, ensure_ascii=False, indent=1)
