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
