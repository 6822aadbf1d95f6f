"""Build the offline plugin zip: the plugin plus the wheels a stock Windows QGIS lacks.

    python -m tools.offline_package --out dist
    python -m tools.offline_package --out DIR --platform manylinux2014_x86_64 --python-version 3.11

The wheels pinned in ``tools/offline_wheels.txt`` are fetched for the target interpreter
(default: Windows QGIS 3.40 LTR's Python 3.12, win_amd64) with ``pip download --only-binary=:all:
--no-deps`` into a cache (``out/wheels/<platform>-<python>/``; later builds reuse it, offline).
A wheel that bundles GDAL or PROJ is refused, and so is one that needs a distribution neither
bundled nor shipped by QGIS. The wheels are unpacked into ``<plugin>/bundled/`` with
``manifest.json``, which ``plugin/bundled.py`` reads, and the zip is written as
``<name>-<version>-offline-<platform>-cp<XY>.zip``.
This is a build tool beside the plugin (never in the zip); it imports nothing from QGIS.
"""

import argparse
import email.parser
import json
import re
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path, PurePosixPath

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name, parse_wheel_filename

from plugin.bundled import MANIFEST_NAME
from plugin.identity import PACKAGE_NAME
from tools.packaging import REPO_ROOT, build_package

PINS = Path(__file__).resolve().parent / "offline_wheels.txt"
WHEEL_CACHE = REPO_ROOT / "out" / "wheels"
#: Windows QGIS 3.40 LTR (and later): Python 3.12, 64-bit.
DEFAULT_PLATFORM, DEFAULT_PYTHON = "win_amd64", "3.12"
#: Distributions whose wheels carry their own GDAL or PROJ: never into QGIS's process.
GDAL_BUNDLING = {"rasterio", "fiona", "pyogrio", "gdal", "pyproj"}
#: What every QGIS ships (its own dependencies): a bundled wheel may rely on these.
QGIS_SHIPS = {"numpy", "pyproj", "pyyaml", "python-dateutil", "lxml", "jinja2", "requests",
              "gdal"}
#: A GDAL or PROJ library, or PROJ's database, anywhere inside a wheel.
GDAL_FILE = re.compile(r"(^|/)((lib)?(gdal|proj)([-_.][\w.]*)?\.(dll|so|dylib)(\.[\d.]+)?"
                       r"|proj\.db)$", re.IGNORECASE)
MODULE_FILE = re.compile(r"^([A-Za-z_]\w*)(\.[\w-]+)?\.(py|pyd|so)$")


def read_pins(path=PINS):
    """[(distribution, version)] of the pins file, in its order."""
    pins = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        line = line.split("#")[0].strip()
        if line:
            name, _sep, version = line.partition("==")
            pins.append((name.strip(), version.strip()))
    return pins


def marker_environment(platform, python_version):
    """The environment markers of the target interpreter."""
    windows = platform.startswith("win")
    return {"python_version": python_version, "python_full_version": python_version + ".0",
            "sys_platform": "win32" if windows else "linux",
            "platform_system": "Windows" if windows else "Linux",
            "os_name": "nt" if windows else "posix",
            "platform_machine": "AMD64" if windows else "x86_64",
            "implementation_name": "cpython", "platform_python_implementation": "CPython",
            "extra": ""}


def fetch_wheels(pins, platform, python_version, cache):
    """The wheel file of every pin, downloaded into ``cache`` unless already there."""
    cache.mkdir(parents=True, exist_ok=True)
    wheels = []
    for name, version in pins:
        wheel = _cached(cache, name, version)
        if wheel is None:
            subprocess.run(
                [sys.executable, "-m", "pip", "download", "--disable-pip-version-check",
                 "--quiet", "--only-binary=:all:", "--no-deps", "--platform", platform,
                 "--python-version", python_version, "--dest", str(cache),
                 f"{name}=={version}"], check=True)
            wheel = _cached(cache, name, version)
        if wheel is None:
            raise SystemExit(f"pip downloaded no wheel of {name}=={version}")
        wheels.append(wheel)
    return wheels


def _cached(cache, name, version):
    for path in sorted(cache.glob("*.whl")):
        distribution, found_version, _build, _tags = parse_wheel_filename(path.name)
        if distribution == canonicalize_name(name) and str(found_version) == version:
            return path
    return None


def _metadata(archive):
    name = next(n for n in archive.namelist()
                if n.count("/") == 1 and n.endswith(".dist-info/METADATA"))
    return email.parser.Parser().parsestr(archive.read(name).decode("utf-8"))


def refusals(wheel, bundled, environment):
    """Why ``wheel`` may not go into QGIS's process: a GDAL/PROJ of its own, or a required
    distribution that is neither among ``bundled`` (canonical names) nor shipped by QGIS."""
    distribution = parse_wheel_filename(wheel.name)[0]
    found = []
    if distribution in GDAL_BUNDLING:
        found.append(f"{wheel.name}: {distribution} bundles its own GDAL/PROJ")
    with zipfile.ZipFile(wheel) as archive:
        found.extend(f"{wheel.name}: bundles {n}" for n in archive.namelist() if GDAL_FILE.search(n))
        for text in _metadata(archive).get_all("Requires-Dist") or []:
            requirement = Requirement(text)
            if requirement.marker is not None and not requirement.marker.evaluate(environment):
                continue
            needed = canonicalize_name(requirement.name)
            if needed not in bundled and needed not in QGIS_SHIPS:
                found.append(f"{wheel.name}: needs {requirement.name}, neither bundled nor in QGIS")
    return found


def _kept_path(name):
    """Where a wheel member goes in the bundle folder; None for what is not importable
    (scripts, headers and data of ``*.data/``)."""
    parts = PurePosixPath(name).parts
    if parts and parts[0].endswith(".data"):
        if len(parts) > 2 and parts[1] in ("purelib", "platlib"):
            return PurePosixPath(*parts[2:])
        return None
    return PurePosixPath(name)


def unpack(wheel, folder):
    """Unpack ``wheel`` into ``folder``; return its manifest entry."""
    distribution, version, _build, _tags = parse_wheel_filename(wheel.name)
    modules = set()
    with zipfile.ZipFile(wheel) as archive:
        metadata = _metadata(archive)
        for info in archive.infolist():
            kept = None if info.is_dir() else _kept_path(info.filename)
            if kept is None:
                continue
            target = folder / kept
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(archive.read(info))
            top = kept.parts[0]
            if len(kept.parts) > 1 and top.isidentifier():
                modules.add(top)
            elif len(kept.parts) == 1 and MODULE_FILE.match(top):
                modules.add(MODULE_FILE.match(top).group(1))
    tag = "-".join(wheel.name[:-len(".whl")].split("-")[-3:])
    return {"distribution": metadata["Name"], "version": str(version), "wheel": wheel.name,
            "tag": tag, "modules": sorted(modules),
            "license": metadata.get("License-Expression") or metadata.get("License") or ""}


def build_offline_package(name, out_dir, platform=DEFAULT_PLATFORM,
                          python_version=DEFAULT_PYTHON, cache=None, pins_path=PINS):
    """Write the offline zip into ``out_dir`` and return its path."""
    cache = Path(cache or WHEEL_CACHE / f"{platform}-{python_version}")
    wheels = fetch_wheels(read_pins(pins_path), platform, python_version, cache)
    bundled = {parse_wheel_filename(w.name)[0] for w in wheels}
    environment = marker_environment(platform, python_version)
    refused = [r for wheel in wheels for r in refusals(wheel, bundled, environment)]
    if refused:
        raise SystemExit("wheels refused for the offline package:\n  " + "\n  ".join(refused))
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "bundled"
        folder.mkdir()
        manifest = {"platform": platform, "python": python_version,
                    "wheels": [unpack(wheel, folder) for wheel in wheels]}
        (folder / MANIFEST_NAME).write_text(
            json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        extra = [(path, Path("bundled") / path.relative_to(folder))
                 for path in sorted(folder.rglob("*")) if path.is_file()]
        cpython = "cp" + python_version.replace(".", "")
        return build_package(name, Path(out_dir), extra=extra,
                             suffix=f"-offline-{platform}-{cpython}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.offline_package", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--name", default=PACKAGE_NAME,
                        help="plugin folder name inside the zip (a Python package name)")
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "dist", help="output folder")
    parser.add_argument("--platform", default=DEFAULT_PLATFORM, help="pip's wheel platform tag")
    parser.add_argument("--python-version", default=DEFAULT_PYTHON,
                        help="the target QGIS's Python, e.g. 3.12")
    parser.add_argument("--wheel-cache", type=Path, help="where downloaded wheels are kept")
    args = parser.parse_args(argv)
    print(build_offline_package(args.name, args.out, args.platform, args.python_version,
                                args.wheel_cache))
    return 0


if __name__ == "__main__":
    sys.exit(main())
