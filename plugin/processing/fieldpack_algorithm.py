"""准备外业核查: the field pack of an analysis result, and its field sheets (外业核查表) PDF.

The core writes the pack's data (field GeoPackage, reference layers, imagery cut to the
patches, chips, KML/KMZ); ``plugin.qgis_io`` adds what needs QGIS: the QGIS/QField project and
the sheets. Print layouts render on the main thread, so the algorithm declares NoThreading.
"""

from qgis.core import (
    QgsProcessingOutputFile,
    QgsProcessingOutputNumber,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterFile,
    QgsProcessingParameterFolderDestination,
    QgsProcessingParameterString,
)

from ..compat import NO_THREADING, tr
from ..qgis_io.engine_run import core_errors, progress_callback
from ..qgis_io.fieldpack_outputs import write_qgis_outputs
from .base_algorithm import LandSupervisionAlgorithm


class FieldPackAlgorithm(LandSupervisionAlgorithm):
    """Write the field pack (mobile data, reference layers, imagery, chips, KML/KMZ, project)
    and the field sheets PDF."""

    GROUP_ID = "verification"

    RESULT = "RESULT"
    BEFORE = "BEFORE"
    AFTER = "AFTER"
    BEFORE_DATE = "BEFORE_DATE"
    AFTER_DATE = "AFTER_DATE"
    SHEETS = "SHEETS"
    OVERWRITE = "OVERWRITE"
    OUTPUT_FOLDER = "OUTPUT_FOLDER"
    GPKG = "GPKG"
    KML = "KML"
    KMZ = "KMZ"
    PDF = "PDF"
    PATCH_COUNT = "PATCH_COUNT"
    PROJECT = "PROJECT"

    def name(self):
        return "fieldpack"

    def displayName(self):  # noqa: N802 (QGIS API)
        return tr("Prepare field verification")

    def flags(self):
        return super().flags() | NO_THREADING

    def shortHelpString(self):  # noqa: N802 (QGIS API)
        return tr(
            "<p>Prepares the field verification of every patch an analysis result judged "
            "illegal or to verify, township by township, each township in a short driving order "
            "(核查顺序), and writes a self-contained pack into the output folder: it refers to "
            "nothing outside itself, so the folder can be copied or zipped to a tablet.</p>"
            "<p><b>核查图斑.qgs</b>: the project for QField (or QGIS), relative paths. Layers "
            "from the top: the patches (numbered by visiting order), the baselines (basic "
            "farmland, red line, urban boundary, farmland), the after-image and the "
            "before-image (switched off). The form has drop-down lists, a date picker for "
            "核查日期, the result's fields read-only, the chips as pictures, a photo field "
            "(现场照片, stored in the pack's DCIM folder) and the verifier's position, recorded "
            "when a patch is saved in QField.</p>"
            "<p><b>核查图斑.gpkg</b>: the layer the field team edits; <b>参考图层.gpkg</b>: the "
            "baselines near the patches; <b>影像</b>: the images cut down to the patches' "
            "surroundings (tiled JPEG GeoTIFF with overviews).</p>"
            "<p><b>外业核查表.pdf</b>: the field sheets, one page per patch in visiting order, "
            "with its map, the before and after chips with the images' dates, the result's "
            "values and boxes for the verifier. Written only when <i>Write the field sheets</i> "
            "is checked.</p>"
            "<p><b>核查图斑.kml / .kmz</b>: the patches in CGCS2000 degrees, one folder per "
            "township, coloured by verdict, for 奥维互动地图 or Google Earth; the KMZ carries "
            "the chips in its balloons.</p>"
            "<p><b>chips</b>: a JPEG of every patch from each image, its outline drawn in. The "
            "images are optional, read window by window however large; a patch outside an image "
            "is listed in the log. An image's date comes from its acquisition metadata, or from "
            "the date given here.</p>"
            "<p>A folder whose 核查图斑.gpkg holds field work not yet imported is not written "
            "over unless <i>Replace field data that holds field work</i> is checked; then a copy "
            "with the time in its name is kept. After the field work, the edited 核查图斑.gpkg "
            "comes back into the result through <i>Import verification results</i> (also a "
            "button of the workspace, and the command line's <i>import-field</i>), with the "
            "same checks as a ledger.</p>"
        )

    def initAlgorithm(self, config=None):  # noqa: N802 (QGIS API)
        self.addParameter(QgsProcessingParameterFile(
            self.RESULT, tr("Analysis result (GeoPackage)"), extension="gpkg"))
        image_filter = tr("GeoTIFF (*.tif *.tiff *.TIF);;All files (*.*)")
        for key, text in ((self.BEFORE, tr("Before image")), (self.AFTER, tr("After image"))):
            self.addParameter(QgsProcessingParameterFile(
                key, text, fileFilter=image_filter, optional=True))
        for key, text in ((self.BEFORE_DATE, tr("Before image date (e.g. 2023-10-01)")),
                          (self.AFTER_DATE, tr("After image date (e.g. 2024-10-01)"))):
            self.addParameter(QgsProcessingParameterString(key, text, optional=True))
        self.addParameter(QgsProcessingParameterBoolean(
            self.SHEETS, tr("Write the field sheets (PDF)"), defaultValue=True))
        self.addParameter(QgsProcessingParameterBoolean(
            self.OVERWRITE, tr("Replace field data that holds field work (a copy is kept)"),
            defaultValue=False))
        self.addParameter(QgsProcessingParameterFolderDestination(
            self.OUTPUT_FOLDER, tr("Output folder")))
        self.addOutput(QgsProcessingOutputFile(self.GPKG, tr("Field data (GeoPackage)")))
        self.addOutput(QgsProcessingOutputFile(self.KML, tr("Field data (KML)")))
        self.addOutput(QgsProcessingOutputFile(self.KMZ, tr("Field data with chips (KMZ)")))
        self.addOutput(QgsProcessingOutputFile(self.PDF, tr("Field sheets (PDF)")))
        self.addOutput(QgsProcessingOutputFile(self.PROJECT, tr("QField project")))
        self.addOutput(QgsProcessingOutputNumber(self.PATCH_COUNT,
                                                  tr("Patches in the field pack")))

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802 (QGIS API)
        from ..core.fieldwork.pack import prepare_fieldpack

        result = self.parameterAsFile(parameters, self.RESULT, context)
        images = {key: self.parameterAsFile(parameters, key, context) or None
                  for key in (self.BEFORE, self.AFTER)}
        dates = {"前时相": self.parameterAsString(parameters, self.BEFORE_DATE, context),
                 "后时相": self.parameterAsString(parameters, self.AFTER_DATE, context)}
        out = self.parameterAsString(parameters, self.OUTPUT_FOLDER, context)
        sheets = self.parameterAsBoolean(parameters, self.SHEETS, context)
        with core_errors():
            pack = prepare_fieldpack(
                result, out, before=images[self.BEFORE], after=images[self.AFTER], dates=dates,
                overwrite=self.parameterAsBoolean(parameters, self.OVERWRITE, context),
                progress=progress_callback(feedback, 0.0, 0.5 if sheets else 0.9),
                cancelled=feedback.isCanceled)
        if pack.backup:
            feedback.pushWarning(tr("The field data held field work; it was copied to {0}")
                                 .format(pack.backup))
        for note in pack.notes:
            feedback.pushWarning(str(note))
        feedback.pushInfo(tr("{0} patches to verify in the field, {1} image chips").format(
            pack.patches, len(pack.chips)))
        feedback.setProgressText(tr("Writing the QField project and the field sheets") if sheets
                                 else tr("Writing the QField project"))
        with core_errors():
            project, pdf = write_qgis_outputs(pack, sheets=sheets)
        return {self.GPKG: pack.gpkg, self.KML: pack.kml, self.KMZ: pack.kmz, self.PDF: pdf,
                self.PROJECT: project, self.PATCH_COUNT: pack.patches, self.OUTPUT_FOLDER: out}
