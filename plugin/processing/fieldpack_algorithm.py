"""准备外业核查: the field pack of an analysis result, and its field sheets (外业核查表) PDF.

The core writes the mobile data and chips; ``plugin.qgis_io`` adds what needs QGIS: the QField
project and the sheets, one page per flagged patch.
"""

from qgis.core import (
    QgsProcessingOutputFile,
    QgsProcessingOutputNumber,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterFile,
    QgsProcessingParameterFolderDestination,
)

from ..compat import tr
from ..qgis_io.engine_run import core_errors, progress_callback
from ..qgis_io.fieldpack_outputs import write_qgis_outputs
from .base_algorithm import LandSupervisionAlgorithm


class FieldPackAlgorithm(LandSupervisionAlgorithm):
    """Write the field pack (mobile data, KML/KMZ, chips) and the field sheets PDF."""

    GROUP_ID = "verification"

    RESULT = "RESULT"
    BEFORE = "BEFORE"
    AFTER = "AFTER"
    SHEETS = "SHEETS"
    OUTPUT_FOLDER = "OUTPUT_FOLDER"
    GPKG = "GPKG"
    KML = "KML"
    PDF = "PDF"
    PATCH_COUNT = "PATCH_COUNT"
    PROJECT = "PROJECT"

    def name(self):
        return "fieldpack"

    def displayName(self):  # noqa: N802 (QGIS API)
        return tr("Prepare field verification")

    def shortHelpString(self):  # noqa: N802 (QGIS API)
        return tr(
            "<p>Prepares the field verification of every patch an analysis result judged "
            "illegal or to verify, in route order (township, village, patch number), and "
            "writes into the output folder:</p>"
            "<p><b>外业核查表.pdf</b>: the field sheets, one page per patch, with its map over "
            "the after-image and the baselines outlined, the before and after chips, the "
            "result's values, and boxes for the verification conclusion, photo numbers, "
            "verifier and signature. Written only when <i>Write the field sheets</i> is "
            "checked.</p>"
            "<p><b>核查图斑.gpkg</b>: the layer <i>核查图斑</i> with read-only copies of the "
            "result's fields and the columns the field team fills in (核查结果, 现场现状, "
            "现场照片编号, 核查人, 核查日期, 备注); the allowed values are stored as the "
            "fields' value lists, which QGIS and QField show as drop-down lists.</p>"
            "<p><b>核查图斑.qgs</b>: a QField project beside the GeoPackage (relative paths), "
            "with drop-down lists, a date picker for 核查日期, the result's fields read-only "
            "and the after-image underneath.</p>"
            "<p><b>核查图斑.kml / .kmz</b>: the patches in CGCS2000 degrees, one folder per "
            "township, coloured by verdict, for 奥维互动地图 or Google Earth.</p>"
            "<p><b>chips</b>: PNG chips of every patch cut from the before and after images "
            "(<i>图斑编号_前时相.png</i>, <i>图斑编号_后时相.png</i>). The images are optional "
            "GeoTIFFs, read window by window however large. A patch outside an image is listed "
            "in the log; the other patches are not affected.</p>"
            "<p>After the field work, the edited 核查图斑.gpkg comes back into the result "
            "through <i>Import verification results</i> (also a button of the workspace, and "
            "the command line's <i>import-field</i>), with the same checks as a ledger.</p>"
        )

    def initAlgorithm(self, config=None):  # noqa: N802 (QGIS API)
        self.addParameter(QgsProcessingParameterFile(
            self.RESULT, tr("Analysis result (GeoPackage)"), extension="gpkg"))
        image_filter = tr("GeoTIFF (*.tif *.tiff *.TIF);;All files (*.*)")
        for key, text in ((self.BEFORE, tr("Before image")), (self.AFTER, tr("After image"))):
            self.addParameter(QgsProcessingParameterFile(
                key, text, fileFilter=image_filter, optional=True))
        self.addParameter(QgsProcessingParameterBoolean(
            self.SHEETS, tr("Write the field sheets (PDF)"), defaultValue=True))
        self.addParameter(QgsProcessingParameterFolderDestination(
            self.OUTPUT_FOLDER, tr("Output folder")))
        self.addOutput(QgsProcessingOutputFile(self.GPKG, tr("Field data (GeoPackage)")))
        self.addOutput(QgsProcessingOutputFile(self.KML, tr("Field data (KML)")))
        self.addOutput(QgsProcessingOutputFile(self.PDF, tr("Field sheets (PDF)")))
        self.addOutput(QgsProcessingOutputFile(self.PROJECT, tr("QField project")))
        self.addOutput(QgsProcessingOutputNumber(self.PATCH_COUNT,
                                                  tr("Patches in the field pack")))

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802 (QGIS API)
        from ..core.fieldwork.pack import prepare_fieldpack

        result = self.parameterAsFile(parameters, self.RESULT, context)
        before = self.parameterAsFile(parameters, self.BEFORE, context) or None
        after = self.parameterAsFile(parameters, self.AFTER, context) or None
        out = self.parameterAsString(parameters, self.OUTPUT_FOLDER, context)
        sheets = self.parameterAsBoolean(parameters, self.SHEETS, context)
        with core_errors():
            pack = prepare_fieldpack(result, out, before=before, after=after,
                                     progress=progress_callback(feedback, 0.0, 0.5 if sheets else 1.0),
                                     cancelled=feedback.isCanceled)
        for note in pack.notes:
            feedback.pushWarning(str(note))
        feedback.pushInfo(tr("{0} patches to verify in the field, {1} image chips").format(
            pack.patches, len(pack.chips)))
        feedback.setProgressText(tr("Writing the QField project and the field sheets") if sheets
                                 else tr("Writing the QField project"))
        with core_errors():
            project, pdf = write_qgis_outputs(pack, result, after=after, sheets=sheets)
        return {self.GPKG: pack.gpkg, self.KML: pack.kml, self.PDF: pdf, self.PROJECT: project,
                self.PATCH_COUNT: pack.patches, self.OUTPUT_FOLDER: out}
