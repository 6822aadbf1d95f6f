"""准备外业核查: the field pack of an analysis result, and its field sheets (外业核查表) PDF.

The core writes the mobile data and chips; this module adds what needs QGIS: the sheets, one
page per flagged patch, printed through an atlas of ``resources/layouts/field_sheet.qpt``.
"""

import os

from qgis.core import (
    QgsApplication,
    QgsCategorizedSymbolRenderer,
    QgsEditorWidgetSetup,
    QgsFillSymbol,
    QgsLayoutExporter,
    QgsLayoutObject,
    QgsPrintLayout,
    QgsProcessingException,
    QgsProcessingOutputFile,
    QgsProcessingOutputNumber,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterFile,
    QgsProcessingParameterFolderDestination,
    QgsProject,
    QgsProperty,
    QgsRasterLayer,
    QgsReadWriteContext,
    QgsRendererCategory,
    QgsVectorLayer,
)
from qgis.PyQt.QtCore import QCoreApplication, QTranslator
from qgis.PyQt.QtXml import QDomDocument

from ..compat import tr
from ..paths import resources_dir, translation_path
from .base_algorithm import LandSupervisionAlgorithm
from .engine_run import core_errors, progress_callback

SHEETS_NAME = "外业核查表.pdf"
QFIELD_NAME = "核查图斑.qgs"
OUTLINE_COLOURS = {"basic_farmland": "255,215,0", "red_line": "0,170,0",
                   "urban_boundary": "160,32,240"}


def template_path() -> str:
    return str(resources_dir() / "layouts" / "field_sheet.qpt")


def write_field_sheets(gpkg_path, pdf_path, after=None, chips_dir=None, baselines=(),
                       feedback=None) -> int:
    """Print one sheet per patch of the mobile GeoPackage ``gpkg_path`` into ``pdf_path``,
    in route order (序号); the map shows the patch over ``after`` with ``baselines``
    (core ``BaselineSource``) outlined, the pictures the chips in ``chips_dir``. Returns the
    page count; raises QgsProcessingException when QGIS cannot print."""
    from ..core.chips import VERDICT_COLOURS
    from ..core.fieldwork import MOBILE_NAME

    project = QgsProject()
    coverage = QgsVectorLayer(f"{gpkg_path}|layername={MOBILE_NAME}", MOBILE_NAME, "ogr")
    if not coverage.isValid():
        raise QgsProcessingException(tr("Cannot open the field data {0}").format(gpkg_path))
    categories = [QgsRendererCategory(verdict, _outline(",".join(map(str, rgb)), "0.8"), verdict)
                  for verdict, rgb in VERDICT_COLOURS.items()]
    coverage.setRenderer(QgsCategorizedSymbolRenderer("判定结果", categories))
    layers = [coverage]
    for source in baselines:
        uri = f"{source.path}|layername={source.layer}" if source.layer else source.path
        layer = QgsVectorLayer(uri, source.name, "ogr")
        if layer.isValid():
            layer.renderer().setSymbol(_outline(OUTLINE_COLOURS.get(source.key, "0,0,255"), "0.5"))
            layers.append(layer)
    if after:
        raster = QgsRasterLayer(after, "后时相影像")
        if raster.isValid():
            layers.append(raster)
    for layer in layers:
        project.addMapLayer(layer)
    layout = _layout_from_template(project)
    map_item = layout.itemById("map")
    map_item.setCrs(coverage.crs())
    map_item.setLayers(layers)
    map_item.setKeepLayerSet(True)
    # a real extent first: the template's empty one would let the atlas reshape the item
    map_item.zoomToExtent(coverage.extent())
    for item_id, label in (("chip_before", "前时相"), ("chip_after", "后时相")):
        picture = layout.itemById(item_id)
        if chips_dir:
            folder = chips_dir.replace("\\", "/").replace("'", "''")
            picture.dataDefinedProperties().setProperty(
                QgsLayoutObject.PictureSource, QgsProperty.fromExpression(
                    f"'{folder}/' || regexp_replace(\"图斑编号\", '[^A-Za-z0-9_-]', '_') "
                    f"|| '_{label}.png'"))
    atlas = layout.atlas()
    atlas.setCoverageLayer(coverage)
    atlas.setEnabled(True)
    atlas.setSortFeatures(True)
    atlas.setSortExpression('"序号"')
    settings = QgsLayoutExporter.PdfExportSettings()
    settings.dpi = 200
    result, error = QgsLayoutExporter.exportToPdf(atlas, pdf_path, settings, feedback)
    if result != QgsLayoutExporter.Success:
        raise QgsProcessingException(
            tr("The field sheets could not be written: {0}").format(error))
    return coverage.featureCount()


def write_qfield_project(gpkg_path, project_path, after=None) -> str:
    """A QGIS project for QField beside the mobile GeoPackage (relative paths): the layer
    ``核查图斑`` with drop-down lists on the verification fields, a date picker on 核查日期, the
    result's copies read-only, and the after-image underneath when given."""
    from ..core.chips import VERDICT_COLOURS
    from ..core.fieldwork import MOBILE_NAME, READ_ONLY_FIELDS, VERIFICATION_FIELDS

    project = QgsProject()
    project.setFileName(project_path)
    project.setTitle("外业核查")
    layer = QgsVectorLayer(f"{gpkg_path}|layername={MOBILE_NAME}", MOBILE_NAME, "ogr")
    if not layer.isValid():
        raise QgsProcessingException(tr("Cannot open the field data {0}").format(gpkg_path))
    project.setCrs(layer.crs())
    categories = [QgsRendererCategory(verdict, _outline(",".join(map(str, rgb)), "0.8"), verdict)
                  for verdict, rgb in VERDICT_COLOURS.items()]
    layer.setRenderer(QgsCategorizedSymbolRenderer("判定结果", categories))
    fields = layer.fields()
    form = layer.editFormConfig()
    for name, _ in READ_ONLY_FIELDS:
        form.setReadOnly(fields.indexOf(name), True)
    layer.setEditFormConfig(form)
    for name, values, _ in VERIFICATION_FIELDS:
        index = fields.indexOf(name)
        if values:
            setup = QgsEditorWidgetSetup("ValueMap", {"map": [{v: v} for v in values]})
        elif name == "核查日期":
            setup = QgsEditorWidgetSetup("DateTime", {"field_format": "yyyy-MM-dd",
                                                      "display_format": "yyyy-MM-dd",
                                                      "calendar_popup": True, "allow_null": True})
        else:
            setup = QgsEditorWidgetSetup("TextEdit", {"IsMultiline": name == "备注"})
        layer.setEditorWidgetSetup(index, setup)
    project.addMapLayer(layer)
    if after:
        raster = QgsRasterLayer(after, "后时相影像")
        if raster.isValid():
            project.addMapLayer(raster)
    if not project.write():
        raise QgsProcessingException(
            tr("Cannot write the QField project {0}").format(project_path))
    return project_path


def imagery_proxy(image, folder):
    """A VRT of ``image`` inside ``folder`` for QGIS to draw.

    QGIS computes statistics to stretch a raster and GDAL saves them as ``<image>.aux.xml``
    beside it: drawing the user's own file would write into their data folder. Through the
    proxy, anything GDAL saves lands in our output folder instead.
    """
    from osgeo import gdal

    os.makedirs(folder, exist_ok=True)
    vrt = os.path.join(folder, os.path.splitext(os.path.basename(image))[0] + ".vrt")
    ds = gdal.BuildVRT(vrt, [os.path.abspath(image)])
    if ds is None:
        raise QgsProcessingException(tr("Cannot read the image {0}").format(image))
    ds = None
    return vrt


def write_qgis_outputs(pack, result_path, after=None, sheets=True):
    """The QField project and (when ``sheets``) the field sheets of a core ``FieldPack``;
    returns (project path, PDF path or "")."""
    from ..core.fieldwork import CHIP_DIR, baseline_sources

    if after:
        after = imagery_proxy(after, os.path.join(pack.folder, "影像"))
    project = write_qfield_project(pack.gpkg, os.path.join(pack.folder, QFIELD_NAME), after=after)
    pdf = ""
    if sheets and pack.patches:
        pdf = os.path.join(pack.folder, SHEETS_NAME)
        chips = os.path.join(pack.folder, CHIP_DIR) if pack.chips else None
        write_field_sheets(pack.gpkg, pdf, after=after, chips_dir=chips,
                           baselines=baseline_sources(result_path))
    return project, pdf


def write_qgis_outputs_headless(pack, result_path, after=None, sheets=True):
    """``write_qgis_outputs`` from a script: starts QGIS (offscreen without a display) unless
    it runs already. A failure is raised as the core's InputError, for the CLI to report; when
    this function starts QGIS, its messages are in Chinese like the rest of the CLI's (from the
    compiled zh_CN translation, when it is there)."""
    from ..core.errors import InputError

    app = translator = None
    if QgsApplication.instance() is None:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        app = QgsApplication([], False)
        app.initQgis()
        translator = QTranslator()
        if translator.load(str(translation_path("zh_CN"))):
            QCoreApplication.installTranslator(translator)
    try:
        return write_qgis_outputs(pack, result_path, after, sheets)
    except QgsProcessingException as e:
        raise InputError(str(e), layer=pack.gpkg) from e
    finally:
        if app is not None:
            QCoreApplication.removeTranslator(translator)
            app.exitQgis()


def _outline(rgb, width):
    return QgsFillSymbol.createSimple({"style": "no", "outline_color": rgb,
                                       "outline_width": width, "outline_width_unit": "MM"})


def _layout_from_template(project):
    document = QDomDocument()
    with open(template_path(), encoding="utf-8") as f:
        document.setContent(f.read())
    layout = QgsPrintLayout(project)
    _, ok = layout.loadFromTemplate(document, QgsReadWriteContext())
    if not ok:
        raise QgsProcessingException(
            tr("Cannot read the layout template {0}").format(template_path()))
    return layout


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
        from ..core.fieldwork import prepare_fieldpack

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
