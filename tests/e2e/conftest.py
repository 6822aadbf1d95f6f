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


@pytest.fixture()
def plugin_dir(profiles):
    """The default profile's plugin folder, holding the unpacked zip."""
    return profiles / "default" / "python" / "plugins"


@pytest.fixture()
def qgis_plugin_paths(plugin_dir, monkeypatch):
    """qgis.utils looking for plugins in the temporary profile only, restored afterwards."""
    import qgis.utils

    monkeypatch.syspath_prepend(str(plugin_dir))
    for name in ("plugin_paths", "available_plugins", "plugins_metadata_parser"):
        monkeypatch.setattr(qgis.utils, name, getattr(qgis.utils, name))
    monkeypatch.setattr(qgis.utils, "plugin_paths", [str(plugin_dir)])
    qgis.utils.updateAvailablePlugins()
    yield plugin_dir
    if qgis.utils.isPluginLoaded(NAME):
        qgis.utils.unloadPlugin(NAME)
