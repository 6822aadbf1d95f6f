"""Who the plugin is: the names QGIS, the settings and the outputs know it by, and its version.

Pure Python (no qgis import): the core, the build tools and the QGIS side all read these.
The version is read from ``metadata.txt`` (beside this package in the repository, inside it
once installed), so it is written in one place only.
"""

import configparser
from pathlib import Path

#: The folder QGIS installs the plugin into; also the zip's and the translations' file prefix.
PACKAGE_NAME = "land_supervision"
#: The Processing provider id: algorithms are ``landsupervision:<name>``.
PROVIDER_ID = "landsupervision"
#: The English display name; user-facing text passes it through ``tr()``.
DISPLAY_NAME = "Land Supervision"
#: The QgsSettings node every setting of the plugin lives under: QGIS's node for plugin
#: settings (``QgsSettingsTree.createPluginTreeNode`` in QGIS 3.30+ makes the same path).
SETTINGS_PREFIX = f"plugins/{PACKAGE_NAME}/"
#: The tag of the plugin's tab in QGIS's log panel: one fixed string whatever the interface
#: language, so messages never split over two tabs (never passed through ``tr()``).
LOG_TAG = "土地监管 Land Supervision"
#: The scope of the entries the plugin writes into a QGIS project.
PROJECT_SCOPE = PACKAGE_NAME
#: One translation context for the whole plugin; plugin/i18n/*.ts holds its messages.
TRANSLATION_CONTEXT = "LandSupervision"

_PLUGIN_DIR = Path(__file__).resolve().parent


def metadata_path() -> Path:
    """``metadata.txt`` inside the installed plugin folder, else beside ``plugin/``."""
    packaged = _PLUGIN_DIR / "metadata.txt"
    return packaged if packaged.is_file() else _PLUGIN_DIR.parent / "metadata.txt"


def read_version(path=None) -> str:
    """The ``version`` of the ``[general]`` section of a metadata file (default: ours)."""
    parser = configparser.ConfigParser(interpolation=None)
    with open(path or metadata_path(), encoding="utf-8") as f:
        parser.read_file(f)
    return parser.get("general", "version")


#: The plugin's (and engine's) version, recorded in every result and ledger.
VERSION = read_version()
