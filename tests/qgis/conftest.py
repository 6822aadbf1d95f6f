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
