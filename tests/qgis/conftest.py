"""Fixtures for tests that load the plugin into pytest-qgis's QGIS."""

from pathlib import Path

import pytest
from qgis.core import QgsApplication, QgsSettings

from plugin import classFactory
from tools.packaging import compile_translations

I18N_DIR = Path(__file__).resolve().parents[2] / "plugin" / "i18n"


@pytest.fixture()
def loaded_plugin(qgis_iface):
    """The plugin created through classFactory with initGui done; unloaded afterwards."""
    instance = classFactory(qgis_iface)
    instance.initGui()
    yield instance
    instance.unload()


@pytest.fixture(scope="session")
def compiled_translations():
    """The .qm files next to their .ts sources, as ``make translations`` writes them."""
    return compile_translations(I18N_DIR)


@pytest.fixture()
def qgis_locale():
    """Set QGIS's UI locale the way a user does (Options > General > override system locale).

    Call the returned function with a locale name; the previous settings come back afterwards.
    """
    settings = QgsSettings()
    keys = ("locale/overrideFlag", "locale/userLocale")
    saved = {key: settings.value(key) for key in keys}

    def set_locale(name):
        settings.setValue("locale/overrideFlag", True)
        settings.setValue("locale/userLocale", name)

    yield set_locale
    for key, value in saved.items():
        if value is None:
            settings.remove(key)
        else:
            settings.setValue(key, value)


@pytest.fixture()
def chinese_locale(qgis_locale, compiled_translations):
    """QGIS running in simplified Chinese, with the plugin's .qm compiled."""
    qgis_locale("zh_CN")
    assert QgsApplication.locale() == "zh_CN"


@pytest.fixture()
def english_locale(qgis_locale):
    """QGIS running in English whatever the machine's own locale is."""
    qgis_locale("en_US")
    assert QgsApplication.locale() == "en"


# ---------------------------------------------------------------------------- the workspace


@pytest.fixture()
def county(tmp_path):
    """The test county's files (see dock_county): {role: path}."""
    from dock_county import build_county

    return build_county(tmp_path / "data")


@pytest.fixture()
def county_layers(qgis_new_project, county):
    """The county's layers in the project under their survey names."""
    from qgis.core import QgsCoordinateReferenceSystem, QgsProject

    from dock_county import EPSG, SURVEY_NAMES, add_layer

    QgsProject.instance().setCrs(QgsCoordinateReferenceSystem(f"EPSG:{EPSG}"))
    return {role: add_layer(path, SURVEY_NAMES[role]) for role, path in county.items()}


@pytest.fixture()
def message_bar(qgis_iface, monkeypatch):
    """QGIS's real message bar in place of pytest-qgis's stub (the dock adds buttons to it)."""
    from qgis.gui import QgsMessageBar

    bar = QgsMessageBar()
    monkeypatch.setattr(qgis_iface, "_messageBar", bar)
    monkeypatch.setattr(qgis_iface, "openMessageLog", lambda: None, raising=False)
    yield bar
    bar.deleteLater()


@pytest.fixture()
def fresh_settings():
    """No rule set or output folder remembered from an earlier test."""
    from plugin.identity import SETTINGS_PREFIX

    settings = QgsSettings()
    settings.remove(SETTINGS_PREFIX.rstrip("/"))
    yield
    settings.remove(SETTINGS_PREFIX.rstrip("/"))


def _new_dock(qgis_iface, tmp_path):
    from qgis.core import QgsProject

    from plugin.gui.dock import LandSupervisionDock

    # pytest-qgis's new project only removes layers; QGIS's own new project clears it.
    QgsProject.instance().clear()
    widget = LandSupervisionDock(qgis_iface)
    widget.run_page.out_dir_widget.setFilePath(str(tmp_path / "out"))
    widget.show()
    return widget


@pytest.fixture()
def dock(english_locale, fresh_settings, qgis_iface, qgis_new_project, message_bar, qtbot,
         tmp_path):
    """The workspace in English (the texts the tests compare)."""
    widget = _new_dock(qgis_iface, tmp_path)
    yield widget
    widget.close_down()
    widget.deleteLater()


@pytest.fixture()
def chinese_dock(chinese_locale, loaded_plugin, fresh_settings, qgis_iface, qgis_new_project,
                 message_bar, qtbot, tmp_path):
    """The workspace as a Chinese analyst sees it (the plugin's translator installed)."""
    widget = _new_dock(qgis_iface, tmp_path)
    yield widget
    widget.close_down()
    widget.deleteLater()


@pytest.fixture()
def ready_dock(dock, county_layers):
    """The dock with the county's layers recognised and their fields mapped."""
    dock.recognise_layers()
    return dock


@pytest.fixture(autouse=True, scope="session")
def project_wrapper():
    """Keeps one Python wrapper of the QGIS project for the whole session.

    pytest-qgis connects a slot to the project at start and disconnects it at the very end;
    when the project's wrapper has been collected and made anew in between, PyQt no longer
    finds that connection and the session ends in an error, depending on when the garbage
    collector ran (seen running test_plugin_lifecycle.py alone).
    """
    from qgis.core import QgsProject

    yield QgsProject.instance()
