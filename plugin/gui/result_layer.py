"""The result layer in the project: loaded from result.gpkg, styled by verdict, and shown."""

from qgis.core import (
    QgsCoordinateTransform,
    QgsFeatureRequest,
    QgsLayerTreeLayer,
    QgsProject,
    QgsVectorLayer,
)

from ..qgis_io.result_styles import PATCHES_STYLE, style_result_layer

PATCHES_LAYER = "patches"
#: The extent around a patch the map zooms to, as a multiple of the patch's own extent.
ZOOM_MARGIN = 4.0
#: The smallest extent (map units, metres in a projected CRS) the map zooms to around a patch:
#: enough to see the parcels and baselines around a house-sized patch.
MIN_ZOOM_SPAN = 400.0
#: The layer tree's custom property listing the legend nodes shown expanded.
EXPANDED_LEGEND = "expandedLegendNodes"


def open_result_layer(result_path, name):
    """The ``patches`` layer of a result GeoPackage, styled by verdict and violation type
    as Processing styles the layers it loads (symbols and labels; the aliases stay)."""
    layer = QgsVectorLayer(f"{result_path}|layername={PATCHES_LAYER}", name, "ogr")
    if layer.isValid():
        style_result_layer(layer, PATCHES_STYLE)
    return layer


def add_result_layer(project, layer):
    """Put the result layer on top of the layer tree with its legend open: a swatch for each
    verdict and violation type."""
    project.addMapLayer(layer, False)
    # Expanded before it joins the tree: the layer tree view reads the state on insertion.
    node = QgsLayerTreeLayer(layer)
    node.setExpanded(True)
    renderer = layer.renderer()
    keys = [item.ruleKey() for item in renderer.legendSymbolItems()] if renderer else []
    node.setCustomProperty(EXPANDED_LEGEND, keys)
    project.layerTreeRoot().insertChildNode(0, node)


def open_legend(view, project, layer):
    """Expand the layer's node in QGIS's layers panel (``view``), once the panel has built the
    node's legend rows: a node expanded before it has rows stays closed there."""
    node = project.layerTreeRoot().findLayer(layer.id())
    model = view.layerTreeModel() if view is not None else None
    if model is None or node is None:
        return
    # The view shows the model through a proxy: its own node2index maps into it.
    view.setExpanded(view.node2index(node), True)
    for legend in model.layerLegendNodes(node):  # 违法 and 需核实 hold their types
        view.setExpanded(view.legendNode2index(legend), True)


def zoom_to_feature(canvas, layer, fid, project=None):
    """Zoom the map to one feature with room around it and flash it.

    The feature is not selected: the selection colour would hide its verdict colour.
    """
    project = project or QgsProject.instance()
    request = QgsFeatureRequest(fid).setNoAttributes()
    feature = next(layer.getFeatures(request), None)
    if feature is None or not feature.hasGeometry():
        return False
    geometry = feature.geometry()
    destination = canvas.mapSettings().destinationCrs()
    extent = geometry.boundingBox()
    if destination.isValid() and destination != layer.crs():
        extent = QgsCoordinateTransform(layer.crs(), destination, project) \
            .transformBoundingBox(extent)
    extent.scale(ZOOM_MARGIN)
    if extent.width() < MIN_ZOOM_SPAN and extent.height() < MIN_ZOOM_SPAN \
            and not destination.isGeographic():
        extent.scale(MIN_ZOOM_SPAN / max(extent.width(), extent.height(), 1e-9))
    canvas.setExtent(extent)
    canvas.refresh()
    canvas.flashGeometries([geometry], layer.crs())
    return True
