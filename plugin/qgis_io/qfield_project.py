"""The QField project of a field pack: the mobile GeoPackage with its forms, and the imagery
drawn through a proxy inside the pack."""

import os

from qgis.core import (
    QgsCategorizedSymbolRenderer,
    QgsEditorWidgetSetup,
    QgsProcessingException,
    QgsProject,
    QgsRasterLayer,
    QgsRendererCategory,
    QgsVectorLayer,
)

from ..compat import tr
from .result_styles import outline_symbol


def write_qfield_project(gpkg_path, project_path, after=None) -> str:
    """A QGIS project for QField beside the mobile GeoPackage (relative paths): the layer
    ``核查图斑`` with drop-down lists on the verification fields, a date picker on 核查日期, the
    result's copies read-only, and the after-image underneath when given."""
    from ..core.imagery.chips import VERDICT_COLOURS
    from ..core.fieldwork.mobile import MOBILE_NAME, READ_ONLY_FIELDS, VERIFICATION_FIELDS

    project = QgsProject()
    project.setFileName(project_path)
    project.setTitle("外业核查")
    layer = QgsVectorLayer(f"{gpkg_path}|layername={MOBILE_NAME}", MOBILE_NAME, "ogr")
    if not layer.isValid():
        raise QgsProcessingException(tr("Cannot open the field data {0}").format(gpkg_path))
    project.setCrs(layer.crs())
    categories = [QgsRendererCategory(verdict, outline_symbol(",".join(map(str, rgb)), "0.8"), verdict)
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
