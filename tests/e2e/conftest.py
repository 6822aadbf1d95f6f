"""The packaged plugin, built once per test session the way ``make package`` builds it."""

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
NAME = "land_supervision"


@pytest.fixture(scope="session")
def package(tmp_path_factory):
    """The zip built by ``python -m tools.packaging`` exactly as ``make package`` calls it."""
    out = tmp_path_factory.mktemp("dist")
    completed = subprocess.run(
        [sys.executable, "-m", "tools.packaging", "--name", NAME, "--out", str(out)],
        cwd=REPO_ROOT, capture_output=True, text=True, check=True,
    )
    built = Path(completed.stdout.strip())
    assert built.parent == out
    return built


@pytest.fixture()
def profiles(package, tmp_path):
    """A fresh QGIS profiles folder with the zip unpacked into the default profile's plugins."""
    root = tmp_path / "profiles"
    plugins = root / "default" / "python" / "plugins"
    plugins.mkdir(parents=True)
    with zipfile.ZipFile(package) as archive:
        archive.extractall(plugins)
    return root


@pytest.fixture(scope="session")
def offline_package(tmp_path_factory):
    """The offline zip built as ``make package-offline`` builds it, for Windows QGIS."""
    return _offline_package(tmp_path_factory.mktemp("dist-offline"), [])


@pytest.fixture(scope="session")
def offline_package_here(tmp_path_factory):
    """The offline zip with Linux wheels for this Python: the mechanism tested on this machine.

    The wheels are fetched once into out/wheels/ (pip download) and reused afterwards."""
    version = f"{sys.version_info.major}.{sys.version_info.minor}"
    return _offline_package(tmp_path_factory.mktemp("dist-offline-here"),
                            ["--platform", "manylinux2014_x86_64", "--python-version", version])


def _offline_package(out, options):
    completed = subprocess.run(
        [sys.executable, "-m", "tools.offline_package", "--name", NAME, "--out", str(out),
         *options], cwd=REPO_ROOT, capture_output=True, text=True)
    assert completed.returncode == 0, completed.stderr
    return Path(completed.stdout.strip())
