"""导出整改台账: the rectification ledger (Excel) of an analysis result."""

from qgis.core import (
    QgsProcessingOutputNumber,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterFile,
    QgsProcessingParameterFileDestination,
    QgsProcessingParameterString,
)

from ..compat import tr
from .base_algorithm import LandSupervisionAlgorithm
from ..qgis_io.engine_run import core_errors, progress_callback


class ExportLedgerAlgorithm(LandSupervisionAlgorithm):
    """Write the ledger workbook (整改台账, 汇总, 说明) of a result GeoPackage."""

    GROUP_ID = "ledger"

    RESULT = "RESULT"
    INCLUDE_ALL = "INCLUDE_ALL"
    PREVIOUS = "PREVIOUS"
    BEFORE = "BEFORE"
    AFTER = "AFTER"
    TEMPLATE = "TEMPLATE"
    COUNTY = "COUNTY"
    BATCH = "BATCH"
    UNIT = "UNIT"
    OUTPUT = "OUTPUT"
    ROWS = "ROWS"

    def name(self):
        return "exportledger"

    def displayName(self):  # noqa: N802 (QGIS API)
        return tr("Export rectification ledger")

    def shortHelpString(self):  # noqa: N802 (QGIS API)
        return tr(
            "<p>Writes the rectification ledger of an analysis result as an Excel workbook: "
            "the sheet <i>整改台账</i> under a title block, with one row per patch judged "
            "illegal or to verify (batch, patch type, township and village, areas, the flagged "
            "area and how much of it lies in farmland, basic farmland, the red line and outside "
            "the urban boundary, the approvals covering the patch, verdict, reasons and measure, "
            "and the columns analysts fill in: verification, rectification, case handling), "
            "printed on A3 with the key columns on every page; the sheet <i>汇总</i> with "
            "totals by township, village and violation type; and <i>说明</i> describing the "
            "inputs and rules.</p>"
            "<p><b>Ledger template</b> (optional): a YAML file choosing the columns, their "
            "order, headers and printed pages, for a province's own ledger (copy "
            "resources/ledger/default.yaml). <b>County</b>, <b>Batch</b>, <b>Reporting unit"
            "</b> (optional) fill the title block instead of the job's values.</p>"
            "<p><b>Result</b>: the result GeoPackage of the analysis (result.gpkg, or the one "
            "kept by the layer analysis).</p>"
            "<p>An existing ledger is replaced after a backup copy is made, and the values "
            "analysts wrote in it are carried into the new one. Values already imported into "
            "the result always come along.</p>"
            "<p><b>Before image</b>, <b>After image</b> (optional): each adds a column of "
            "thumbnails at the end of the sheet, the image around every patch with its outline "
            "drawn in (red: illegal, orange: to verify). Patches outside an image are listed "
            "in the log.</p>"
        )

    def initAlgorithm(self, config=None):  # noqa: N802 (QGIS API)
        self.addParameter(QgsProcessingParameterFile(
            self.RESULT, tr("Analysis result (GeoPackage)"), extension="gpkg"))
        self.addParameter(QgsProcessingParameterBoolean(
            self.INCLUDE_ALL, tr("Every patch, not only those judged illegal or to verify"),
            defaultValue=False))
        self.addParameter(QgsProcessingParameterFile(
            self.PREVIOUS, tr("Earlier ledger whose filled-in values are carried over"),
            extension="xlsx", optional=True))
        image_filter = tr("GeoTIFF (*.tif *.tiff *.TIF);;All files (*.*)")
        for key, text in ((self.BEFORE, tr("Before image (thumbnail column)")),
                          (self.AFTER, tr("After image (thumbnail column)"))):
            self.addParameter(QgsProcessingParameterFile(
                key, text, fileFilter=image_filter, optional=True))
        self.addParameter(QgsProcessingParameterFile(
            self.TEMPLATE, tr("Ledger template"),
            fileFilter=tr("Ledger template (*.yaml *.yml);;All files (*.*)"), optional=True))
        for key, text in ((self.COUNTY, tr("County in the title")),
                          (self.BATCH, tr("Monitoring batch in the title")),
                          (self.UNIT, tr("Reporting unit"))):
            self.addParameter(QgsProcessingParameterString(key, text, optional=True))
        self.addParameter(QgsProcessingParameterFileDestination(
            self.OUTPUT, tr("Rectification ledger"), tr("Excel workbook (*.xlsx)")))
        self.addOutput(QgsProcessingOutputNumber(self.ROWS, tr("Patches in the ledger")))

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802 (QGIS API)
        result = self.parameterAsFile(parameters, self.RESULT, context)
        out = self.parameterAsFileOutput(parameters, self.OUTPUT, context)
        previous = self.parameterAsFile(parameters, self.PREVIOUS, context) or None
        images = {"前时相": self.parameterAsFile(parameters, self.BEFORE, context) or None,
                  "后时相": self.parameterAsFile(parameters, self.AFTER, context) or None}
        template = self.parameterAsFile(parameters, self.TEMPLATE, context) or None
        title = {name: self.parameterAsString(parameters, key, context).strip()
                 for name, key in (("county", self.COUNTY), ("batch", self.BATCH),
                                   ("unit", self.UNIT))}
        with core_errors():
            from ..core.ledger.export import export_ledger

            # Processing overwrites its outputs; the core keeps a backup of a replaced ledger
            # and carries the values analysts wrote in it.
            report = export_ledger(
                result, out, include_all=self.parameterAsBoolean(
                    parameters, self.INCLUDE_ALL, context),
                overwrite=True, previous=previous, images=images, template=template,
                title=title,
                progress=progress_callback(feedback),
                cancelled=feedback.isCanceled)
        for warning in report.warnings:
            feedback.pushWarning(warning)
        for line in report.lines():
            if not line.startswith("提示"):
                feedback.pushInfo(line)
        return {self.OUTPUT: report.path, self.ROWS: report.rows}
