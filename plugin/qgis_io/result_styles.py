"""Result layers loaded by Processing get the plugin's styles and the engine's Chinese aliases."""

from qgis.core import (
    QgsEditorWidgetSetup,
    QgsFillSymbol,
    QgsMapLayer,
    QgsProcessingLayerPostProcessorInterface,
    QgsVectorLayer,
)

from ..paths import resources_dir

#: Style files in resources/styles for the two layers of a result and the change patches.
PATCHES_STYLE = "result_patches.qml"
OVERLAPS_STYLE = "result_overlaps.qml"
CHANGES_STYLE = "changes.qml"
#: Decimals of areas (m², 亩) and shares (%) in forms and the attribute table.
DECIMALS = 2


def style_path(name):
    return str(resources_dir() / "styles" / name)


def result_fields(style):
    """(name, type, Chinese alias) of every field the engine may write to the styled layer."""
    from ..core.job import BASELINE_KEYS, EXEMPTION_KEYS
    from ..core.result_fields import OVERLAP_FIELDS, patch_fields

    if style == OVERLAPS_STYLE:
        fields = OVERLAP_FIELDS
    elif style == CHANGES_STYLE:
        from ..core.changes.write import CHANGE_FIELDS

        fields = CHANGE_FIELDS
    else:
        fields = patch_fields(BASELINE_KEYS, EXEMPTION_KEYS, with_verdict=True)
    return fields


def style_result_layer(layer, style):
    """Symbols and labels from the style file, aliases from the engine, areas and shares shown
    to two decimals in forms and tables; True when the style loaded.

    Only symbology and labelling come from the file, so a layer's own aliases stay.
    """
    categories = QgsMapLayer.StyleCategory.Symbology | QgsMapLayer.StyleCategory.Labeling
    _message, ok = layer.loadNamedStyle(style_path(style), categories)
    fields = layer.fields()
    for name, kind, alias in result_fields(style):
        index = fields.lookupField(name)
        if index < 0:
            continue
        if not layer.attributeAlias(index):
            layer.setFieldAlias(index, alias)
        if kind == "real":
            layer.setEditorWidgetSetup(index, QgsEditorWidgetSetup("Range", {
                "Precision": DECIMALS, "Style": "SpinBox", "AllowNull": True}))
    layer.triggerRepaint()
    return ok


class ResultStyler(QgsProcessingLayerPostProcessorInterface):
    """Applies one of the result styles to a layer Processing loads into the project.

    Make instances with :meth:`create`. The context's layer details own the C++ object and
    delete it when the context goes, but the Python part, which holds ``postProcessLayer``,
    must outlive the algorithm call that made it: ``create`` keeps the latest instance of
    each style referenced (the workaround the QGIS documentation gives for this sip issue).
    """

    _latest = {}

    def __init__(self, style):
        super().__init__()
        self.style = style

    @classmethod
    def create(cls, style):
        instance = cls(style)
        cls._latest[style] = instance
        return instance

    def postProcessLayer(self, layer, context, feedback):  # noqa: N802 (QGIS API)
        if isinstance(layer, QgsVectorLayer):
            style_result_layer(layer, self.style)


def style_on_load(context, layer_id, style):
    """Style the output ``layer_id`` (a layer id or source) when Processing loads it."""
    if context.willLoadLayerOnCompletion(layer_id):
        context.layerToLoadOnCompletionDetails(layer_id).setPostProcessor(
            ResultStyler.create(style))


def outline_symbol(rgb, width):
    """A fill symbol drawing only an outline: ``rgb`` "r,g,b", ``width`` in millimetres."""
    return QgsFillSymbol.createSimple({"style": "no", "outline_color": rgb,
                                       "outline_width": width, "outline_width_unit": "MM"})
