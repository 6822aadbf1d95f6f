"""Modules the offline package carries, served only where QGIS's own Python lacks them.

``make package-offline`` unpacks wheels into ``<plugin folder>/bundled/`` and lists them in
``bundled/manifest.json``. That folder is never put on ``sys.path`` as a whole: a finder at the
end of ``sys.meta_path`` answers for the top-level names the manifest lists, and is asked only
after every other finder (QGIS's own site-packages) came back empty, so a module QGIS has always
wins. A wheel with compiled code is served only to the interpreter and platform it was built
for; pure-Python wheels to any. Without the folder (the ordinary package, the repository)
nothing happens.
"""

import importlib.abc
import importlib.machinery
import json
import platform
import sys
from pathlib import Path

BUNDLE_DIR = Path(__file__).resolve().parent / "bundled"
MANIFEST_NAME = "manifest.json"

_PURE_PLATFORM = "any"


def _platform_runs_here(tag: str) -> bool:
    machine = platform.machine().lower()
    if tag == _PURE_PLATFORM:
        return True
    if tag == "win_amd64":
        return sys.platform == "win32" and sys.maxsize > 2**32
    if tag.startswith(("manylinux", "musllinux", "linux")):
        return sys.platform.startswith("linux") and tag.endswith(machine)
    if tag.startswith("macosx"):
        return sys.platform == "darwin" and (tag.endswith(machine) or tag.endswith("universal2"))
    return False


def _python_runs_here(python_tag: str, abi_tag: str) -> bool:
    here = f"{sys.version_info.major}{sys.version_info.minor}"
    if abi_tag == "none":
        return any(t in ("py3", f"py{here}", f"cp{here}") for t in python_tag.split("."))
    if abi_tag == "abi3":
        return any(t.startswith("cp3") and int(t[2:]) <= int(here) for t in python_tag.split("."))
    return f"cp{here}" in python_tag.split(".")


def runs_here(wheel_tag: str) -> bool:
    """Whether a wheel's tag (``python-abi-platform``, e.g. ``cp312-cp312-win_amd64`` or
    ``py3-none-any``) fits this interpreter."""
    python_tag, abi_tag, platform_tag = wheel_tag.split("-")
    return _python_runs_here(python_tag, abi_tag) and any(
        _platform_runs_here(t) for t in platform_tag.split("."))


class BundledFinder(importlib.abc.MetaPathFinder):
    """Finds the listed top-level modules in the bundle folder; their submodules follow from
    the package's own ``__path__`` there."""

    def __init__(self, folder, names):
        self.bundle_folder = str(folder)
        self.names = frozenset(names)

    def find_spec(self, fullname, path=None, target=None):
        if path is not None or fullname not in self.names:
            return None
        return importlib.machinery.PathFinder.find_spec(fullname, [self.bundle_folder], target)


def read_manifest(folder=BUNDLE_DIR):
    """The manifest's wheel entries, [] when there is no bundle."""
    path = Path(folder) / MANIFEST_NAME
    if not path.is_file():
        return []
    with open(path, encoding="utf-8") as f:
        return json.load(f)["wheels"]


def servable_names(folder=BUNDLE_DIR):
    """The top-level modules of the bundle's wheels that fit this interpreter."""
    return sorted(name for wheel in read_manifest(folder) if runs_here(wheel["tag"])
                  for name in wheel["modules"])


def use_bundled_modules(folder=BUNDLE_DIR):
    """Let the bundle stand in for modules this Python lacks (idempotent); returns the
    top-level names it may serve here."""
    folder = Path(folder)
    names = servable_names(folder)
    # A reloaded plugin brings a new finder class: recognise earlier ones by their folder.
    sys.meta_path[:] = [f for f in sys.meta_path
                        if getattr(f, "bundle_folder", None) != str(folder)]
    if names:
        sys.meta_path.append(BundledFinder(folder, names))
    return names


def stand_ins(names):
    """Those of ``names`` no other finder has (QGIS lacks them): the bundle serves them."""
    others = [f for f in sys.meta_path
              if not hasattr(f, "bundle_folder") and hasattr(f, "find_spec")]
    return [name for name in names if all(f.find_spec(name, None) is None for f in others)]
