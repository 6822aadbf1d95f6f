"""The field team's edits to a pack's 核查图斑.gpkg, made as a field app makes them (OGR)."""

from osgeo import ogr


def edit(gpkg, seq, **values):
    """Set fields of the patch with 序号 ``seq``; returns its patch id."""
    ds = ogr.Open(str(gpkg), update=1)
    layer = ds.GetLayerByName("核查图斑")
    layer.SetAttributeFilter(f'"序号" = {seq}')
    feature = next(iter(layer))
    for name, value in values.items():
        feature.SetField(name, value)
    layer.SetFeature(feature)
    pid = feature.GetField("图斑编号")
    ds = None
    return pid


def field_value(gpkg, seq, name):
    """The value of field ``name`` of the patch with 序号 ``seq``."""
    ds = ogr.Open(str(gpkg))
    layer = ds.GetLayerByName("核查图斑")
    layer.SetAttributeFilter(f'"序号" = {seq}')
    return next(iter(layer)).GetField(name)
