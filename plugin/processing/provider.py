"""The 土地监管 / Land Supervision Processing provider."""

from qgis.core import QgsProcessingProvider
from qgis.PyQt.QtGui import QIcon

from ..compat import tr
from ..identity import PROVIDER_ID
from ..paths import icon_path
from .analyse_job_algorithm import AnalyseJobAlgorithm
from .analyse_layers_algorithm import AnalyseLayersAlgorithm
from .derive_changes_algorithm import DeriveChangesAlgorithm
from .export_ledger_algorithm import ExportLedgerAlgorithm
from .fieldpack_algorithm import FieldPackAlgorithm
from .import_ledger_algorithm import ImportLedgerAlgorithm


class LandSupervisionProvider(QgsProcessingProvider):
    """Registers the plugin's algorithms under the id ``landsupervision``."""

    def id(self):
        return PROVIDER_ID

    def name(self):
        return tr("Land Supervision")

    def longName(self):  # noqa: N802 (QGIS API)
        return self.name()

    def icon(self):
        return QIcon(self.svgIconPath())

    def svgIconPath(self):  # noqa: N802 (QGIS API)
        return icon_path("icon.svg")

    def loadAlgorithms(self):  # noqa: N802 (QGIS API)
        self.addAlgorithm(AnalyseLayersAlgorithm())
        self.addAlgorithm(AnalyseJobAlgorithm())
        self.addAlgorithm(DeriveChangesAlgorithm())
        self.addAlgorithm(ExportLedgerAlgorithm())
        self.addAlgorithm(ImportLedgerAlgorithm())
        self.addAlgorithm(FieldPackAlgorithm())
