"""The field sheets (外业核查表): one PDF page per flagged patch, printed through an atlas of
``resources/layouts/field_sheet.qpt`` over the field pack's GeoPackage."""

from qgis.core import (
    QgsCategorizedSymbolRenderer,
    QgsLayoutExporter,
    QgsLayoutObject,
    QgsPrintLayout,
    QgsProcessingException,
    QgsProject,
    QgsProperty,
    QgsRasterLayer,
    QgsReadWriteContext,
    QgsRendererCategory,
    QgsVectorLayer,
)
from qgis.PyQt.QtXml import QDomDocument

from ..compat import tr
from ..paths import resources_dir
from .result_styles import outline_symbol

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
    from ..core.imagery.chips import VERDICT_COLOURS
    from ..core.fieldwork.mobile import MOBILE_NAME

    project = QgsProject()
    coverage = QgsVectorLayer(f"{gpkg_path}|layername={MOBILE_NAME}", MOBILE_NAME, "ogr")
    if not coverage.isValid():
        raise QgsProcessingException(tr("Cannot open the field data {0}").format(gpkg_path))
    categories = [QgsRendererCategory(verdict, outline_symbol(",".join(map(str, rgb)), "0.8"), verdict)
                  for verdict, rgb in VERDICT_COLOURS.items()]
    coverage.setRenderer(QgsCategorizedSymbolRenderer("判定结果", categories))
    layers = [coverage]
    for source in baselines:
        uri = f"{source.path}|layername={source.layer}" if source.layer else source.path
        layer = QgsVectorLayer(uri, source.name, "ogr")
        if layer.isValid():
            layer.renderer().setSymbol(outline_symbol(OUTLINE_COLOURS.get(source.key, "0,0,255"), "0.5"))
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


