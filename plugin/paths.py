"""Where the plugin's files are, both in the repository and inside the installed plugin folder.

In the repository ``resources/`` sits beside ``plugin/``; in the packaged plugin it sits inside
the plugin folder. Code finds resources through :func:`resources_dir` only.
"""

from pathlib import Path

PLUGIN_DIR = Path(__file__).resolve().parent


def resources_dir() -> Path:
    """``<plugin folder>/resources`` when installed, else ``<repository>/resources``."""
    packaged = PLUGIN_DIR / "resources"
    if packaged.is_dir():
        return packaged
    return PLUGIN_DIR.parent / "resources"


def icon_path(name: str) -> str:
    """Path of an icon file in ``resources/icons`` as a string, ready for QIcon."""
    return str(resources_dir() / "icons" / name)


def help_page() -> Path:
    """The user guide (Chinese HTML) that Processing's help button and the dock open."""
    return resources_dir() / "help" / "index.html"


def translation_path(locale: str) -> Path:
    """Compiled translation (``.qm``) for a locale such as ``zh_CN``; it may not exist."""
    return PLUGIN_DIR / "i18n" / f"land_supervision_{locale}.qm"
