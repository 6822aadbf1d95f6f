"""The field sheets (外业核查表): one PDF page per flagged patch, printed through an atlas of
``resources/layouts/field_sheet.qpt`` over the field pack's GeoPackage, in visiting order."""

from qgis.core import (
    QgsLayoutExporter,
    QgsLayoutObject,
    QgsPrintLayout,
    QgsProcessingException,
    QgsProject,
    QgsProperty,
    QgsRasterLayer,
    QgsReadWriteContext,
)
from qgis.PyQt.QtXml import QDomDocument

from ..compat import tr
from ..paths import resources_dir
from .qfield_project import legend_text, patch_layer, reference_layers

CAPTIONS = {"前时相": "caption_before", "后时相": "caption_after"}
PICTURES = {"前时相": "chip_before", "后时相": "chip_after"}


def template_path() -> str:
    return str(resources_dir() / "layouts" / "field_sheet.qpt")


def write_field_sheets(pack, pdf_path, feedback=None) -> int:
    """Print one sheet per patch of a core ``FieldPack`` into ``pdf_path``, in visiting order
    (序号): the map shows the patch over the pack's after-image with the baselines outlined,
    the pictures its chips, captioned with the images' dates. Returns the page count; raises
    QgsProcessingException when QGIS cannot print."""
    from ..core.fieldwork.mobile import CHIP_FIELDS

    project = QgsProject()
    coverage = patch_layer(pack.gpkg)
    layers = [coverage] + reference_layers(pack)
    if "后时相" in pack.images:
        raster = QgsRasterLayer(pack.images["后时相"].path, "后时相影像")
        if raster.isValid():
            layers.append(raster)
    for layer in layers:
        project.addMapLayer(layer)
    layout = _layout_from_template(project)
    layout.itemById("legend").setText(legend_text(
        [layer.name() for layer in layers[1:] if layer.name() in pack.reference_layers],
        image=layers[-1].name() == "后时相影像"))
    map_item = layout.itemById("map")
    map_item.setCrs(coverage.crs())
    map_item.setLayers(layers)
    map_item.setKeepLayerSet(True)
    # a real extent first: the template's empty one would let the atlas reshape the item
    map_item.zoomToExtent(coverage.extent())
    folder = pack.folder.replace("\\", "/").replace("'", "''")
    for label, item_id in PICTURES.items():
        layout.itemById(item_id).dataDefinedProperties().setProperty(
            QgsLayoutObject.DataDefinedProperty.PictureSource, QgsProperty.fromExpression(
                f"'{folder}/' || \"{CHIP_FIELDS[label]}\""))
        date = pack.dates.get(label)
        layout.itemById(CAPTIONS[label]).setText(f"{label}影像" + (f"（{date}）" if date else ""))
    atlas = layout.atlas()
    atlas.setCoverageLayer(coverage)
    atlas.setEnabled(True)
    atlas.setSortFeatures(True)
    atlas.setSortExpression('"序号"')
    settings = QgsLayoutExporter.PdfExportSettings()
    settings.dpi = 200
    result, error = QgsLayoutExporter.exportToPdf(atlas, pdf_path, settings, feedback)
    if result != QgsLayoutExporter.ExportResult.Success:
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
