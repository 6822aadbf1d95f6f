"""What every algorithm of the provider shares: its group, its icon, a fresh instance."""

from qgis.core import QgsProcessingAlgorithm
from qgis.PyQt.QtGui import QIcon

from ..compat import tr
from ..paths import icon_path


def group_name(group_id: str) -> str:
    """The toolbox group shown for ``group_id`` (literal tr() calls, for the translation)."""
    return {"verification": tr("Patch verification"),
            "ledger": tr("Rectification ledger")}[group_id]


class LandSupervisionAlgorithm(QgsProcessingAlgorithm):
    """Base of the provider's algorithms: a subclass sets ``GROUP_ID`` and ``ICON`` and writes
    the rest of QGIS's algorithm API (name, texts, initAlgorithm, processAlgorithm)."""

    GROUP_ID = "verification"
    ICON = "icon.svg"

    def group(self):
        return group_name(self.GROUP_ID)

    def groupId(self):  # noqa: N802 (QGIS API)
        return self.GROUP_ID

    def icon(self):
        return QIcon(self.svgIconPath())

    def svgIconPath(self):  # noqa: N802 (QGIS API)
        return icon_path(self.ICON)

    def createInstance(self):  # noqa: N802 (QGIS API)
        return type(self)()
