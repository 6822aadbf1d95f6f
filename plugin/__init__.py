"""QGIS entry point. Keep this import-light: QGIS calls classFactory only."""


def classFactory(iface):  # noqa: N802 (QGIS's name)
    # The offline package's modules stand in for those QGIS lacks before anything imports them.
    from .bundled import use_bundled_modules

    use_bundled_modules()
    from .plugin import LandSupervisionPlugin

    return LandSupervisionPlugin(iface)
