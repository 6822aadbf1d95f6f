"""Result layers loaded by Processing get the plugin's styles and the engine's Chinese aliases."""

from qgis.core import (
    QgsCategorizedSymbolRenderer,
    QgsEditorWidgetSetup,
    QgsExpression,
    QgsFeatureRequest,
    QgsFillSymbol,
    QgsMapLayer,
    QgsProcessingLayerPostProcessorInterface,
    QgsRendererCategory,
    QgsVectorLayer,
)

from ..compat import NO_GEOMETRY
from ..paths import resources_dir

#: Style files in resources/styles for the two layers of a result and the change patches.
PATCHES_STYLE = "result_patches.qml"
OVERLAPS_STYLE = "result_overlaps.qml"
CHANGES_STYLE = "changes.qml"
#: Decimals of areas (m², 亩) and shares (%) in forms and the attribute table.
DECIMALS = 2
#: The pieces inside the zones a job adds itself: the zones' input colour (a dark green),
#: each zone hatched its own way.
ZONE_COLOUR = "0,68,27"
ZONE_BRUSHES = ("b_diagonal", "f_diagonal", "horizontal", "vertical", "cross", "diagonal_x")


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
    if style == OVERLAPS_STYLE:
        name_overlap_categories(layer)
    fields = layer.fields()
    for name, kind, alias in result_fields(style) + _zone_areas(fields):
        index = fields.lookupField(name)
        if index < 0:
            continue
        if alias and not layer.attributeAlias(index):
            layer.setFieldAlias(index, alias)
        if kind == "real":
            layer.setEditorWidgetSetup(index, QgsEditorWidgetSetup("Range", {
                "Precision": DECIMALS, "Style": "SpinBox", "AllowNull": True}))
    layer.triggerRepaint()
    return ok


def _zone_areas(fields):
    """(name, "real", "") of the area and share fields of the zones a job adds itself
    (``KEY_m2``, ``KEY_pct``, ``KEY_free_m2`` of a key the known ones do not have)."""
    from ..core.job import BASELINE_KEYS

    names = set(fields.names())
    keys = [n[:-len("_free_m2")] for n in names if n.endswith("_free_m2")]
    return [(f"{k}{suffix}", "real", "") for k in keys if k not in BASELINE_KEYS
            and {f"{k}_m2", f"{k}_pct"} <= names for suffix in ("_m2", "_pct", "_free_m2")]


def name_overlap_categories(layer):
    """The overlaps legend by the names the result gives its layers (``layer_name``): the
    known layers under their own names, each zone the job adds itself as a category of its
    own."""
    renderer = layer.renderer()
    fields = layer.fields()
    index = fields.lookupField("layer_key")
    if not isinstance(renderer, QgsCategorizedSymbolRenderer) or index < 0 \
            or fields.lookupField("layer_name") < 0:
        return
    styled = {c.value(): n for n, c in enumerate(renderer.categories())}
    extra = 0
    for key in sorted(k for k in layer.uniqueValues(index) if k):
        name = _layer_name(layer, key) or key
        if key in styled:
            renderer.updateCategoryLabel(styled[key], name)
            continue
        symbol = QgsFillSymbol.createSimple({
            "color": ZONE_COLOUR + ",160", "style": ZONE_BRUSHES[extra % len(ZONE_BRUSHES)],
            "outline_color": ZONE_COLOUR, "outline_width": "0.5",
            "outline_width_unit": "MM"})
        renderer.addCategory(QgsRendererCategory(key, symbol, name))
        extra += 1


def _layer_name(layer, key):
    """The ``layer_name`` of the pieces of layer ``key`` (one feature read)."""
    expression = f"{QgsExpression.quotedColumnRef('layer_key')} = {QgsExpression.quotedValue(key)}"
    request = QgsFeatureRequest().setFilterExpression(expression).setLimit(1)
    request.setSubsetOfAttributes(["layer_name"], layer.fields())
    request.setFlags(NO_GEOMETRY)
    feature = next(layer.getFeatures(request), None)
    return feature["layer_name"] if feature is not None else None


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
