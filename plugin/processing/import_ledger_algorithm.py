"""导入核查结果: the columns analysts filled in a ledger (Excel), or the field team in the
verification GeoPackage of a field pack, written back into the result."""

import os

from qgis.core import (
    QgsProcessingException,
    QgsProcessingOutputFile,
    QgsProcessingOutputNumber,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterFile,
    QgsProviderRegistry,
    QgsVectorLayer,
)

from ..compat import tr
from .base_algorithm import LandSupervisionAlgorithm
from ..qgis_io.engine_run import core_errors, progress_callback


class ImportLedgerAlgorithm(LandSupervisionAlgorithm):
    """Check a filled-in ledger or field GeoPackage against its result and write the analysts'
    columns into it."""

    GROUP_ID = "ledger"

    LEDGER = "LEDGER"
    RESULT = "RESULT"
    FORCE = "FORCE"
    OUTPUT = "OUTPUT"
    MATCHED = "MATCHED"
    CHANGED = "CHANGED"
    ERRORS = "ERRORS"

    def __init__(self):
        super().__init__()
        self._written = None

    def name(self):
        return "importledger"

    def displayName(self):  # noqa: N802 (QGIS API)
        return tr("Import verification results")

    def shortHelpString(self):  # noqa: N802 (QGIS API)
        return tr(
            "<p>Reads a rectification ledger that analysts filled in (in Excel, WPS or "
            "LibreOffice), or the verification GeoPackage of a field pack (核查图斑.gpkg) as "
            "the field team edited it in QField or QGIS, checks every row against the analysis "
            "result by patch number, and writes the analysts' columns (verification result, "
            "site state, photo numbers, verifier and date, measure, progress, deadline, "
            "closing ...) into the result's patches layer. The file is only read.</p>"
            "<p>Rows that match no patch, repeated patch numbers, edited result columns and "
            "values outside the allowed lists are errors: then nothing is written, and the "
            "log lists each one with its row and column. <b>Import despite errors</b> skips "
            "the rows that cannot be matched and writes the rest.</p>"
            "<p>Layers of the result open in the project are reloaded afterwards.</p>"
        )

    def initAlgorithm(self, config=None):  # noqa: N802 (QGIS API)
        self.addParameter(QgsProcessingParameterFile(
            self.LEDGER, tr("Filled-in ledger (Excel) or field data (GeoPackage)"),
            fileFilter=tr("Ledger or field data (*.xlsx *.gpkg);;Excel workbook (*.xlsx);;"
                          "GeoPackage (*.gpkg)")))
        self.addParameter(QgsProcessingParameterFile(
            self.RESULT, tr("Analysis result to update (GeoPackage)"), extension="gpkg"))
        self.addParameter(QgsProcessingParameterBoolean(
            self.FORCE, tr("Import despite errors"), defaultValue=False))
        self.addOutput(QgsProcessingOutputFile(self.OUTPUT, tr("Updated analysis result")))
        self.addOutput(QgsProcessingOutputNumber(self.MATCHED, tr("Ledger rows matched")))
        self.addOutput(QgsProcessingOutputNumber(self.CHANGED, tr("Patches changed")))
        self.addOutput(QgsProcessingOutputNumber(self.ERRORS, tr("Errors found")))

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802 (QGIS API)
        ledger = self.parameterAsFile(parameters, self.LEDGER, context)
        result = self.parameterAsFile(parameters, self.RESULT, context)
        force = self.parameterAsBoolean(parameters, self.FORCE, context)
        with core_errors():
            if ledger.lower().endswith(".gpkg"):
                from ..core.fieldwork.field_import import import_verification as import_file
            else:
                from ..core.ledger.imports import import_ledger as import_file
            report = import_file(ledger, result, force=force,
                                 progress=progress_callback(feedback),
                                 cancelled=feedback.isCanceled)
        for issue in report.check.warnings:
            feedback.pushWarning(str(issue))
        for issue in report.errors:
            # Forced, these rows were skipped: worth a warning; otherwise they stop the import.
            if force:
                feedback.pushWarning(str(issue))
            else:
                feedback.reportError(str(issue))
        if report.errors and not force:
            raise QgsProcessingException(
                tr("The ledger has {0} errors: nothing was written. Correct the ledger and "
                   "import it again, or import despite errors.").format(len(report.errors)))
        for line in report.lines(limit=None):
            if not line.startswith("  "):  # the issues, reported above by level
                feedback.pushInfo(line)
        self._written = result if report.written else None
        return {
            self.OUTPUT: result,
            self.MATCHED: report.check.matched,
            self.CHANGED: report.check.changed_patches,
            self.ERRORS: len(report.errors),
        }

    def postProcessAlgorithm(self, context, feedback):  # noqa: N802 (QGIS API)
        # The core replaced the result file: layers of it open in the project still read the
        # old one until they reopen it. Runs on the main thread, where layers may be touched.
        if self._written and context.project() is not None:
            for layer in context.project().mapLayers().values():
                if isinstance(layer, QgsVectorLayer) and _same_file(layer, self._written):
                    layer.reload()
                    layer.triggerRepaint()
        return {}


def _same_file(layer, path):
    source = QgsProviderRegistry.instance().decodeUri(layer.providerType(), layer.source())
    layer_path = source.get("path")
    return bool(layer_path) and os.path.exists(layer_path) and os.path.samefile(layer_path, path)
