"""The QGIS project of a field pack (核查图斑.qgs), for QField on a tablet and QGIS alike.

Every layer is a file inside the pack, referred to by a relative path, so the pack folder can
be copied or zipped anywhere. Layer order, top down: the patches to verify (outlined by verdict,
labelled with their visiting order), the baselines (basic farmland, red line, urban boundary,
farmland parcels), the after-image, the before-image (switched off).

The form of 核查图斑: the result's values read-only, the verification columns with drop-down
lists and a date picker, the chips shown as pictures, 现场照片 as QField's camera/attachment
widget (photos stored under the pack's DCIM folder, by relative path), and the verifier's
position recorded each time a feature is saved (QField's positioning variables; in QGIS on a
desktop they are empty and the position already recorded is kept).
"""

import json

from qgis.core import (
    QgsCategorizedSymbolRenderer,
    QgsDefaultValue,
    QgsEditorWidgetSetup,
    QgsPalLayerSettings,
    QgsProcessingException,
    QgsProject,
    QgsRasterLayer,
    QgsRendererCategory,
    QgsTextBufferSettings,
    QgsTextFormat,
    QgsVectorLayer,
    QgsVectorLayerSimpleLabeling,
)
from qgis.PyQt.QtGui import QColor

from ..compat import tr
from .result_styles import outline_symbol

# outline colour and width (mm) of each reference layer (as on the field sheets' legend)
REFERENCE_STYLE = {"永久基本农田": ("255,215,0", "0.6"), "生态保护红线": ("0,170,0", "0.6"),
                   "城镇开发边界": ("160,32,240", "0.6"), "耕地": ("255,255,200", "0.2")}
# the zones a job adds itself (自然保护地 …), in turn
ZONE_STYLES = (("0,112,192", "0.6"), ("230,120,0", "0.6"), ("0,150,136", "0.6"),
               ("200,0,120", "0.6"))
# how the field sheet's legend names each outline colour
REFERENCE_WORDS = {"永久基本农田": "黄线", "生态保护红线": "绿线", "城镇开发边界": "紫线"}
ZONE_WORDS = ("蓝线", "橙线", "青线", "品红线")
# QField's position, from the device or an external receiver (@gnss_* where the cursor is not
# snapped to it: QField 3.x); rounded, and the value already stored kept when there is none
_POSITION = "coalesce(@gnss_coordinate, @position_coordinate)"
POSITION_DEFAULTS = {
    "核查位置经度": f'coalesce(round(x({_POSITION}), 7), "核查位置经度")',
    "核查位置纬度": f'coalesce(round(y({_POSITION}), 7), "核查位置纬度")',
    "核查定位精度(米)": 'coalesce(round(coalesce(@gnss_horizontal_accuracy, '
                   '@position_horizontal_accuracy), 1), "核查定位精度(米)")',
}
_IMAGE_VIEWER = 1        # QgsExternalResourceWidget::Image
_RELATIVE_TO_PROJECT = 1  # QgsFileWidget::RelativeProject


def write_qfield_project(pack, project_path) -> str:
    """The project of a core ``FieldPack`` at ``project_path`` (inside the pack folder)."""
    project = QgsProject()
    project.setFileName(project_path)
    project.setTitle("外业核查")
    patches = patch_layer(pack.gpkg)
    project.setCrs(patches.crs())
    layers = [patches] + reference_layers(pack)
    images = [(label, QgsRasterLayer(image.path, f"{label}影像")) for label, image in
              sorted(pack.images.items(), key=lambda item: item[0] != "后时相")]
    layers += [raster for _, raster in images if raster.isValid()]
    root = project.layerTreeRoot()
    for layer in layers:
        project.addMapLayer(layer, False)
        root.addLayer(layer)
    for label, raster in images:
        if label == "前时相" and raster.isValid():
            root.findLayer(raster.id()).setItemVisibilityChecked(False)
    if not project.write():
        raise QgsProcessingException(
            tr("Cannot write the QField project {0}").format(project_path))
    return project_path


def patch_layer(gpkg_path) -> QgsVectorLayer:
    """The layer 核查图斑 styled, labelled and with its form set up for QField."""
    from ..core.fieldwork.mobile import MOBILE_NAME

    layer = QgsVectorLayer(f"{gpkg_path}|layername={MOBILE_NAME}", MOBILE_NAME, "ogr")
    if not layer.isValid():
        raise QgsProcessingException(tr("Cannot open the field data {0}").format(gpkg_path))
    layer.setRenderer(verdict_renderer())
    _label_visiting_order(layer)
    _set_up_form(layer)
    return layer


def verdict_renderer():
    from ..core.imagery.chips import VERDICT_COLOURS

    categories = [QgsRendererCategory(verdict, outline_symbol(",".join(map(str, rgb)), "0.8"), verdict)
                  for verdict, rgb in VERDICT_COLOURS.items()]
    return QgsCategorizedSymbolRenderer("判定结果", categories)


def _label_visiting_order(layer):
    settings = QgsPalLayerSettings()
    settings.fieldName = "序号"
    text = QgsTextFormat()
    text.setSize(11)
    text.setColor(QColor(255, 255, 255))
    buffer = QgsTextBufferSettings()
    buffer.setEnabled(True)
    buffer.setColor(QColor(200, 0, 0))
    buffer.setSize(1.2)
    text.setBuffer(buffer)
    settings.setFormat(text)
    layer.setLabeling(QgsVectorLayerSimpleLabeling(settings))
    layer.setLabelsEnabled(True)


def _set_up_form(layer):
    from ..core.fieldwork.mobile import (CHIP_FIELDS, PACK_FIELDS, PHOTO_FIELD, PHOTO_FOLDER,
                                         READ_ONLY_FIELDS, VERIFICATION_FIELDS)

    fields = layer.fields()
    form = layer.editFormConfig()
    for name in [n for n, _ in READ_ONLY_FIELDS] + list(PACK_FIELDS) + list(POSITION_DEFAULTS):
        form.setReadOnly(fields.indexOf(name), True)
    layer.setEditFormConfig(form)
    for name, values, _ in VERIFICATION_FIELDS:
        if values:
            setup = QgsEditorWidgetSetup("ValueMap", {"map": [{v: v} for v in values]})
        elif name == "核查日期":
            setup = QgsEditorWidgetSetup("DateTime", {"field_format": "yyyy-MM-dd",
                                                      "display_format": "yyyy-MM-dd",
                                                      "calendar_popup": True, "allow_null": True})
        else:
            setup = QgsEditorWidgetSetup("TextEdit", {"IsMultiline": name == "备注"})
        layer.setEditorWidgetSetup(fields.indexOf(name), setup)
    for name in CHIP_FIELDS.values():
        layer.setEditorWidgetSetup(fields.indexOf(name), _attachment(editable=False))
    layer.setEditorWidgetSetup(fields.indexOf(PHOTO_FIELD), _attachment(editable=True))
    for name, expression in POSITION_DEFAULTS.items():
        layer.setDefaultValueDefinition(fields.indexOf(name), QgsDefaultValue(expression, True))
    # QField (and QFieldSync) name a new photo by this expression: the patch and the time
    naming = (f"'{PHOTO_FOLDER}/' || regexp_replace(\"图斑编号\", '[^A-Za-z0-9_-]', '_') || '_' "
              "|| format_date(now(), 'yyyyMMdd_hhmmss') || '.{extension}'")
    layer.setCustomProperty("QFieldSync/attachment_naming", json.dumps({PHOTO_FIELD: naming}))
    layer.setCustomProperty("QFieldSync/photo_naming", json.dumps({PHOTO_FIELD: naming}))


def _attachment(editable):
    """QGIS's attachment widget (QField's camera and gallery buttons when ``editable``) showing
    the picture, paths stored relative to the project."""
    return QgsEditorWidgetSetup("ExternalResource", {
        "DocumentViewer": _IMAGE_VIEWER, "DocumentViewerHeight": 0, "DocumentViewerWidth": 0,
        "FileWidget": editable, "FileWidgetButton": editable, "RelativeStorage": _RELATIVE_TO_PROJECT,
        "StorageMode": 0, "UseLink": False, "FullUrl": False})


def legend_text(reference_names, image=True) -> str:
    """The field sheet's legend line for the outlines drawn (the farmland parcels, pale and
    everywhere, are left out) and the background image."""
    parts, zones = ["红/橙框 核查图斑"], 0
    for name in reference_names:
        if name in REFERENCE_WORDS:
            parts.append(f"{REFERENCE_WORDS[name]} {name}")
        elif name not in REFERENCE_STYLE:
            parts.append(f"{ZONE_WORDS[zones % len(ZONE_WORDS)]} {name}")
            zones += 1
    if image:
        parts.append("底图 后时相影像")
    return "图例：" + "　".join(parts)


def reference_layers(pack):
    """The pack's reference layers (basic farmland, red line, urban boundary, the job's own
    zones, farmland) as outlined layers, in the order the core wrote them."""
    out, zones = [], 0
    for name in pack.reference_layers:
        layer = QgsVectorLayer(f"{pack.reference}|layername={name}", name, "ogr")
        if layer.isValid():
            style = REFERENCE_STYLE.get(name)
            if style is None:
                style, zones = ZONE_STYLES[zones % len(ZONE_STYLES)], zones + 1
            rgb, width = style
            layer.renderer().setSymbol(outline_symbol(rgb, width))
            out.append(layer)
    return out
