"""The packaged zip: its layout, and the plugin started from it in a fresh QGIS profile."""

import configparser
import sys
import zipfile
from pathlib import Path, PurePosixPath

import qgis.utils
from qgis.core import QgsApplication
from qgis.PyQt.QtCore import QTranslator

REPO_ROOT = Path(__file__).resolve().parents[2]
NAME = "land_supervision"
NOTHING = {"menu bar entries": 0, "menus": 0, "toolbars": 0, "actions": 0, "providers": 0}
ONE_OF_EACH = {"menu bar entries": 1, "menus": 1, "toolbars": 1, "actions": 1, "providers": 1}


def _names(package):
    with zipfile.ZipFile(package) as archive:
        return [PurePosixPath(n) for n in archive.namelist()]


def test_zip_is_named_for_the_plugin_and_its_version(package):
    metadata = configparser.ConfigParser()
    metadata.read(REPO_ROOT / "metadata.txt", encoding="utf-8")

    assert package.name == f"{NAME}-{metadata.get('general', 'version')}.zip"


def test_zip_holds_one_top_folder_named_as_a_python_package(package):
    tops = {name.parts[0] for name in _names(package)}

    assert tops == {NAME}
    assert NAME.isidentifier()


def test_zip_has_metadata_init_icon_and_translation_at_the_plugin_top(package):
    names = set(_names(package))
    top = PurePosixPath(NAME)
    with zipfile.ZipFile(package) as archive:
        metadata = configparser.ConfigParser()
        metadata.read_string(archive.read(f"{NAME}/metadata.txt").decode("utf-8"))

    assert top / "metadata.txt" in names
    assert top / "__init__.py" in names
    assert top / metadata.get("general", "icon") in names
    assert top / "i18n" / "land_supervision_zh_CN.qm" in names
    assert top / "resources" / "demo" / "job.yaml" in names


def test_zip_leaves_out_tests_caches_sources_and_build_tools(package):
    names = _names(package)

    assert not [n for n in names if "tests" in n.parts or "__pycache__" in n.parts]
    assert not [n for n in names if n.suffix in {".pyc", ".ts"} or n.name.startswith(".")]
    assert PurePosixPath(NAME, "packaging.py") not in names
    assert PurePosixPath(NAME, "processing", "run_qgis_process.py") not in names
    assert PurePosixPath(NAME, "resources", "layouts", "make_field_sheet_qpt.py") not in names
    assert not [n for n in names if n.name in {"generate_demo_county.py", "make_field_sheet_qpt.py"}]
    assert PurePosixPath(NAME, "resources", "layouts", "field_sheet.qpt") in names


def test_packaged_translation_is_chinese(plugin_dir):
    translator = QTranslator()

    assert translator.load(str(plugin_dir / NAME / "i18n" / "land_supervision_zh_CN.qm"))
    assert translator.translate("LandSupervision", "Land Supervision") == "土地监管"


def test_qgis_finds_the_installed_plugin_and_reads_its_metadata(qgis_plugin_paths):
    assert NAME in qgis.utils.available_plugins
    assert qgis.utils.pluginMetadata(NAME, "version") == "0.1.0"
    assert qgis.utils.pluginMetadata(NAME, "qgisMinimumVersion") == "3.22"


def test_installed_plugin_starts_and_unloads_in_qgis(qgis_plugin_paths, qgis_iface, footprint):
    assert qgis.utils.loadPlugin(NAME)
    assert qgis.utils.startPlugin(NAME)

    installed = qgis_plugin_paths / NAME
    assert Path(sys.modules[NAME].__file__).parent == installed
    assert sys.modules[f"{NAME}.paths"].resources_dir() == installed / "resources"
    assert footprint() == ONE_OF_EACH
    algorithm = QgsApplication.processingRegistry().algorithmById("landsupervision:analyse")
    assert Path(algorithm.svgIconPath()).parent == installed / "resources" / "icons"
    assert Path(algorithm.svgIconPath()).is_file()

    assert qgis.utils.unloadPlugin(NAME)
    assert footprint() == NOTHING
    assert NAME not in sys.modules


def test_installed_plugin_reloads_cleanly(qgis_plugin_paths, qgis_iface, footprint):
    assert qgis.utils.loadPlugin(NAME)
    assert qgis.utils.startPlugin(NAME)

    assert qgis.utils.reloadPlugin(NAME)

    assert footprint() == ONE_OF_EACH
    assert qgis.utils.unloadPlugin(NAME)
    assert footprint() == NOTHING


def test_qgis_process_style_start_registers_only_the_provider(qgis_plugin_paths, footprint):
    assert qgis.utils.loadPlugin(NAME)
    assert qgis.utils.startProcessingPlugin(NAME)

    assert footprint() == {**NOTHING, "providers": 1}
    assert qgis.utils.unloadPlugin(NAME)
    assert footprint() == NOTHING
