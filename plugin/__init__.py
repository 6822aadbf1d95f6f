"""QGIS entry point. Keep this import-light: QGIS calls classFactory only."""


def classFactory(iface):  # noqa: N802 (QGIS's name)
    from .plugin import LandSupervisionPlugin

    return LandSupervisionPlugin(iface)
